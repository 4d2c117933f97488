//! Reading multipart uploads with the size checked while the bytes stream in.

use crate::db::DbConn;
use crate::error::{AppError, AppResult, Code};
use crate::service::attachments::{AttachmentView, Upload};
use crate::service::org_documents::OrgUpload;
use crate::service::Ctx;
use actix_multipart::Multipart;
use actix_web::{web, HttpRequest};
use futures_util::StreamExt;
use std::collections::HashMap;
use std::path::Path;

pub struct Parts {
    pub fields: HashMap<String, String>,
    /// The `file` field: its name as sent and its bytes.
    pub file: Option<(String, Vec<u8>)>,
}

impl Parts {
    /// The CSRF token a multipart form carries among its parts.
    pub fn csrf(&self) -> &str {
        self.fields.get("csrf").map(String::as_str).unwrap_or("")
    }
    /// The file with its optional label (`kind`), as the attachments service takes it.
    pub fn into_upload(mut self) -> Option<Upload> {
        let (file_name, bytes) = self.file.take()?;
        Some(Upload { file_name, kind: self.fields.remove("kind"), bytes })
    }
    /// A profile document: the file with its `type` and `valid_until`.
    pub fn into_org_upload(mut self) -> Result<OrgUpload, AppError> {
        let (file_name, bytes) =
            self.file.take().ok_or_else(|| Code::MissingField.says("缺少文件（file 字段）").with_field("file"))?;
        Ok(OrgUpload {
            file_name,
            kind: self.fields.remove("type").unwrap_or_default(),
            valid_until: self.fields.remove("valid_until").unwrap_or_default(),
            bytes,
        })
    }
}

/// What an attachment is added to: a bid or a milestone report, by id.
pub type AddFile = fn(&mut DbConn, &Ctx, &Path, i64, &Upload) -> AppResult<AttachmentView>;

const TEXT_LIMIT: usize = 16 * 1024;
/// Text fields a form may carry besides the file (csrf, kind, note …).
const MAX_FIELDS: usize = 16;
/// The whole body: the file's limit plus this much for boundaries and text fields.
const FORM_OVERHEAD: usize = 64 * 1024;

pub async fn read(req: &HttpRequest, payload: web::Payload, limit: usize) -> Result<Parts, AppError> {
    let ct = req.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("");
    if !ct.to_ascii_lowercase().starts_with("multipart/form-data") {
        return Err(Code::UnsupportedMediaType.says("上传须使用 multipart/form-data，文件放在 file 字段"));
    }
    let declared =
        req.headers().get("content-length").and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<usize>().ok());
    // Refused before a byte is read when announced too large; counted as it streams otherwise.
    let body_cap = limit + FORM_OVERHEAD;
    if declared.is_some_and(|n| n > body_cap) {
        return Err(AppError::too_large().with_field("file"));
    }
    let mut body = 0usize;
    let mut fields = 0usize;
    let mut mp = Multipart::new(req.headers(), payload);
    let bad = |_| AppError::from(Code::BadMultipart);
    let mut parts = Parts { fields: HashMap::new(), file: None };
    while let Some(field) = mp.next().await {
        let mut field = field.map_err(bad)?;
        fields += 1;
        if fields > MAX_FIELDS + 1 {
            return Err(AppError::from(Code::TooManyFields));
        }
        let name = field.name().unwrap_or("").chars().take(64).collect::<String>();
        let filename = field.content_disposition().and_then(|d| d.get_filename()).map(str::to_string);
        let cap = if name == "file" { limit } else { TEXT_LIMIT };
        let mut buf = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(bad)?;
            body += chunk.len();
            if body > body_cap {
                return Err(AppError::too_large().with_field("file"));
            }
            if buf.len() + chunk.len() > cap {
                return Err(if name == "file" {
                    AppError::too_large().with_field("file")
                } else {
                    AppError::too_large().with_field(&name)
                });
            }
            buf.extend_from_slice(&chunk);
        }
        if name == "file" {
            if parts.file.is_some() {
                return Err(AppError::from(Code::OneFile).with_field("file"));
            }
            parts.file = Some((filename.unwrap_or_default(), buf));
        } else if !name.is_empty() {
            let text = String::from_utf8(buf).map_err(|_| Code::BadMultipart.says("表单字段不是有效的 UTF-8"))?;
            parts.fields.insert(name, text);
        }
    }
    Ok(parts)
}

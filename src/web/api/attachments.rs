use crate::error::{AppError, Code, ErrorBody};
use crate::service::attachments::{self, AttachmentView};
use crate::web::auth::Auth;
use crate::web::state::AppState;
use crate::web::upload;
use actix_web::{web, HttpRequest, HttpResponse};

/// Multipart body of an upload: the file in field `file`, an optional label in `kind`.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    kind: Option<String>,
}

/// Attach a file to an editable bid (its organisation): PDF, PNG, JPEG or docx/xlsx/pptx by
/// content, at most `GONGYI_UPLOAD_LIMIT_MB` (20 MB), 20 per bid.
#[utoipa::path(post, path = "/api/v1/bids/{id}/attachments", tag = "bids", params(("id" = i64, Path)),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = AttachmentView), (status = 409, body = ErrorBody), (status = 413, body = ErrorBody),
        (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    store(&req, &state, &auth, id.into_inner(), payload, attachments::add).await
}

/// Both uploads: the organisation's role, the multipart body, then the service's own checks.
async fn store(
    req: &HttpRequest,
    state: &AppState,
    auth: &Auth,
    id: i64,
    payload: web::Payload,
    add: upload::AddFile,
) -> Result<HttpResponse, AppError> {
    auth.ctx.require(&[crate::domain::account::Role::Org])?;
    let parts = upload::read(req, payload, state.config.upload_limit).await?;
    let up = parts.into_upload().ok_or_else(|| Code::MissingField.says("缺少文件（file 字段）").with_field("file"))?;
    let (ctx, dir) = (auth.ctx.clone(), state.config.data_dir.clone());
    let v = state.db(move |c| add(c, &ctx, &dir, id, &up)).await?;
    Ok(HttpResponse::Created().json(v))
}

/// Attach evidence to a milestone report (its organisation, until the milestone is verified);
/// the same content checks and size limit as bid attachments.
#[utoipa::path(post, path = "/api/v1/milestones/{id}/attachments", tag = "projects", params(("id" = i64, Path)),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = AttachmentView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn upload_evidence(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    store(&req, &state, &auth, id.into_inner(), payload, attachments::add_evidence).await
}

/// Download: served from the stored bytes as an attachment, never rendered inline.
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "bids", params(("id" = i64, Path)),
    responses((status = 200, description = "the file"), (status = 404, body = ErrorBody)))]
pub async fn download(state: web::Data<AppState>, auth: Auth, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    let a = state.db(move |c| attachments::for_download(c, &ctx, id)).await?;
    file(&state, &a.sha256, &a.content_type, &a.original_name).await
}

/// A stored file as a download, never rendered inline.
pub(super) async fn file(
    state: &AppState,
    sha256: &str,
    content_type: &str,
    name: &str,
) -> Result<HttpResponse, AppError> {
    let path = attachments::path_of(&state.config.data_dir, sha256);
    let bytes = web::block(move || std::fs::read(path))
        .await
        .map_err(|e| AppError::internal(e.to_string()))?
        .map_err(|e| AppError::internal(format!("read attachment: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(("Content-Disposition", disposition(name)))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .insert_header(("Content-Security-Policy", "sandbox"))
        .insert_header(("Cache-Control", "private, no-store"))
        .body(bytes))
}

/// `attachment` with an ASCII fallback and the UTF-8 name (RFC 6266 / 5987).
fn disposition(name: &str) -> String {
    let ascii: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_".contains(c) { c } else { '_' }).collect();
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b".-_~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// Remove an attachment from an editable bid (its organisation).
#[utoipa::path(delete, path = "/api/v1/attachments/{id}", tag = "bids", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn remove(state: web::Data<AppState>, auth: Auth, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    state.db(move |c| attachments::remove(c, &ctx, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

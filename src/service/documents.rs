//! Published documents: stored once with their SHA-256, served from the stored bytes, verifiable
//! by anyone from a downloaded file's hash.

use super::Ctx;
use crate::clock::{db_time, rfc3339_local};
use crate::db::{self, DbConn};
use crate::error::{AppError, AppResult, Code};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Where documents are kept and who issues them.
#[derive(Clone)]
pub struct DocSettings {
    pub data_dir: std::path::PathBuf,
    pub authority: String,
    /// How to reach the bureau, printed on the tender announcement (GONGYI_CONTACT).
    pub contact: String,
}

pub fn path_of(data_dir: &Path, sha256: &str) -> PathBuf {
    data_dir.join("documents").join(format!("{sha256}.pdf"))
}

/// Stores the bytes (write, sync, rename) and records the document in the caller's
/// transaction. Returns the SHA-256.
pub fn publish(
    conn: &mut DbConn,
    ctx: &Ctx,
    data_dir: &Path,
    kind: &str,
    entity_id: i64,
    title: &str,
    bytes: &[u8],
) -> AppResult<String> {
    let sha = hex::encode(Sha256::digest(bytes));
    let path = path_of(data_dir, &sha);
    if !path.exists() {
        let dir = path.parent().ok_or_else(|| AppError::internal("document path"))?;
        std::fs::create_dir_all(dir).map_err(|e| AppError::internal(format!("create {}: {e}", dir.display())))?;
        let tmp = dir.join(format!(".{sha}.tmp"));
        std::fs::write(&tmp, bytes).map_err(|e| AppError::internal(format!("write document: {e}")))?;
        std::fs::File::open(&tmp).and_then(|f| f.sync_all()).map_err(|e| AppError::internal(format!("sync: {e}")))?;
        std::fs::rename(&tmp, &path).map_err(|e| AppError::internal(format!("rename: {e}")))?;
    }
    let head = db::audit::head(conn)?.map(|h| h.1).unwrap_or_default();
    let new = db::documents::NewDocument {
        kind,
        entity_id,
        title,
        sha256: &sha,
        size: bytes.len() as i64,
        published_at: db_time(ctx.now),
        audit_head: &head,
    };
    db::documents::publish(conn, &new)?;
    Ok(sha)
}

/// The current stored bytes of a document.
pub fn read(
    conn: &mut DbConn,
    data_dir: &Path,
    kind: &str,
    entity_id: i64,
) -> AppResult<(db::documents::DocumentRow, Vec<u8>)> {
    let d = db::documents::current(conn, kind, entity_id)?.ok_or_else(AppError::not_found)?;
    let bytes =
        std::fs::read(path_of(data_dir, &d.sha256)).map_err(|e| AppError::internal(format!("read document: {e}")))?;
    Ok((d, bytes))
}

/// The signed agreement's document kind (issued to its parties, never published).
pub const AGREEMENT_KIND: &str = "agreement";

/// Kinds that are issued to their parties, not published: verifiable by hash, never served by it.
const PRIVATE_KINDS: [&str; 1] = [AGREEMENT_KIND];

/// Any published version by its hash (superseded ones stay downloadable); a private document
/// (an agreement) is not served here.
pub fn read_by_hash(
    conn: &mut DbConn,
    data_dir: &Path,
    sha256: &str,
) -> AppResult<(db::documents::DocumentRow, Vec<u8>)> {
    let h = sha256.trim().to_ascii_lowercase();
    if h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::not_found());
    }
    let d = db::documents::by_hash(conn, &h)?
        .filter(|d| !PRIVATE_KINDS.contains(&d.kind.as_str()))
        .ok_or_else(AppError::not_found)?;
    let bytes =
        std::fs::read(path_of(data_dir, &d.sha256)).map_err(|e| AppError::internal(format!("read document: {e}")))?;
    Ok((d, bytes))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Verification {
    /// `announcement` (招标公告), `notice` (评审结果公示), `award_notice` (创新奖励公告),
    /// `evaluation_notice` (评估结果公示) or
    /// `agreement` (协议书).
    pub kind: String,
    pub title: String,
    pub published_at: String,
    /// Whether this is the current version of the document.
    pub current: bool,
    /// The audit chain head printed in the document.
    pub audit_head: String,
}

pub fn verify(conn: &mut DbConn, sha256: &str) -> AppResult<Verification> {
    let h = sha256.trim().to_ascii_lowercase();
    if h.len() != 64 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AppError::invalid_field("sha256", "invalid_hash", "SHA-256 应为 64 位十六进制字符"));
    }
    let d = db::documents::by_hash(conn, &h)?.ok_or_else(|| AppError::from(Code::UnknownDocument))?;
    Ok(Verification {
        kind: d.kind,
        title: d.title,
        published_at: rfc3339_local(d.published_at.and_utc()),
        current: d.current,
        audit_head: d.audit_head,
    })
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

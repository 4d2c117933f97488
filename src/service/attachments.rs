//! Bid attachments: checked by content, stored once by SHA-256, read only by those who may read
//! the bid.

use super::access::{editable, visible};
use super::{audit, Ctx};
use crate::clock::{db_time, rfc3339_local};
use crate::db::attachments::{AttachmentRow, NewAttachment};
use crate::db::{self, DbConn};
use crate::domain::account::Role;
use crate::domain::state::{MilestoneStatus, ProjectStatus};
use crate::domain::text;
use crate::domain::upload::{clean_name, sniff};
use crate::error::{AppError, AppResult, Code};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

pub const MAX_PER_BID: i64 = 20;

#[derive(Serialize, Clone, utoipa::ToSchema)]
pub struct AttachmentView {
    pub id: i64,
    pub bid_id: i64,
    /// What the file is, as the organisation labelled it (e.g. 登记证书).
    pub kind: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_at: String,
}

pub fn view(a: &AttachmentRow) -> AttachmentView {
    AttachmentView {
        id: a.id,
        bid_id: a.bid_id,
        kind: a.kind.clone(),
        name: a.original_name.clone(),
        content_type: a.content_type.clone(),
        size: a.size,
        sha256: a.sha256.clone(),
        uploaded_at: rfc3339_local(a.uploaded_at.and_utc()),
    }
}

/// Where the bytes of a file with this hash live.
pub fn path_of(data_dir: &Path, sha256: &str) -> PathBuf {
    data_dir.join("files").join(&sha256[..2]).join(sha256)
}

pub(crate) fn store(data_dir: &Path, sha256: &str, bytes: &[u8]) -> AppResult<()> {
    let path = path_of(data_dir, sha256);
    if path.exists() {
        return Ok(());
    }
    let dir = path.parent().ok_or_else(|| AppError::internal("file path without parent"))?;
    std::fs::create_dir_all(dir).map_err(|e| AppError::internal(format!("create {}: {e}", dir.display())))?;
    // Write beside, then rename: a crash never leaves a half file under the final name.
    let tmp = dir.join(format!(".{sha256}.{}", super::accounts::new_token()));
    std::fs::write(&tmp, bytes).map_err(|e| AppError::internal(format!("write {}: {e}", tmp.display())))?;
    std::fs::File::open(&tmp).and_then(|f| f.sync_all()).map_err(|e| AppError::internal(format!("sync: {e}")))?;
    std::fs::rename(&tmp, &path).map_err(|e| AppError::internal(format!("rename: {e}")))?;
    Ok(())
}

pub struct Upload {
    pub file_name: String,
    pub kind: Option<String>,
    pub bytes: Vec<u8>,
}

pub fn add(conn: &mut DbConn, ctx: &Ctx, data_dir: &Path, bid_id: i64, up: &Upload) -> AppResult<AttachmentView> {
    ctx.require(&[Role::Org])?;
    let (b, call, _) = visible(conn, ctx, bid_id)?;
    editable(&b, &call, ctx.now)?;
    if db::attachments::count_of_bid(conn, bid_id)? >= MAX_PER_BID {
        return Err(Code::TooManyAttachments.says(format!("每个申报最多上传 {MAX_PER_BID} 个附件")));
    }
    save(conn, ctx, data_dir, bid_id, None, up)
}

/// Evidence for a milestone report (`POST /api/v1/milestones/{id}/attachments`): the project's
/// organisation, while the milestone is not yet verified; the same checks as bid attachments.
pub fn add_evidence(
    conn: &mut DbConn,
    ctx: &Ctx,
    data_dir: &Path,
    milestone_id: i64,
    up: &Upload,
) -> AppResult<AttachmentView> {
    let actor = ctx.require(&[Role::Org])?.clone();
    let m = db::projects::find_milestone(conn, milestone_id)?.ok_or_else(AppError::not_found)?;
    let p = db::projects::find(conn, m.project_id)?
        .filter(|p| actor.organisation_id == Some(p.organisation_id))
        .ok_or_else(AppError::not_found)?;
    if MilestoneStatus::Verified.is(&m.status) || ProjectStatus::Terminated.is(&p.status) || m.kind == "signing" {
        return Err(Code::NotReportable.says("该节点已核验或不需要报告，不能再上传材料"));
    }
    if db::attachments::count_of_milestone(conn, milestone_id)? >= MAX_PER_BID {
        return Err(Code::TooManyAttachments.says(format!("每个节点最多上传 {MAX_PER_BID} 个附件")));
    }
    save(conn, ctx, data_dir, p.bid_id, Some(milestone_id), up)
}

/// Checks the file by its content, stores it once by hash, records it with an audit entry.
fn save(
    conn: &mut DbConn,
    ctx: &Ctx,
    data_dir: &Path,
    bid_id: i64,
    milestone_id: Option<i64>,
    up: &Upload,
) -> AppResult<AttachmentView> {
    let actor = ctx.require(&[Role::Org])?.clone();
    let file_kind = sniff(&up.bytes).map_err(|e| AppError::invalid_field("file", e.code(), e.message()))?;
    let kind = match up.kind.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(k) => text::name(k, 50).map_err(|e| AppError::invalid_field("kind", e.code(), e.message()))?,
        None => "附件".into(),
    };
    let name = clean_name(&up.file_name);
    let sha = hex::encode(Sha256::digest(&up.bytes));
    store(data_dir, &sha, &up.bytes)?;
    db::write_tx(conn, |c| {
        let id = db::attachments::insert(
            c,
            &NewAttachment {
                bid_id,
                kind: &kind,
                original_name: &name,
                content_type: file_kind.content_type(),
                size: up.bytes.len() as i64,
                sha256: &sha,
                uploaded_by: actor.id,
                uploaded_at: db_time(ctx.now),
                milestone_id,
            },
        )?;
        audit::record(
            c,
            ctx,
            "attachment.add",
            "bid",
            Some(bid_id),
            serde_json::json!({"attachment_id": id, "sha256": sha, "name": name, "milestone_id": milestone_id}),
        )?;
        let row = db::attachments::find(c, id)?.ok_or_else(AppError::not_found)?;
        Ok(view(&row))
    })
}

/// The attachment if its bid is visible to the actor; staff and finance downloads are audited.
pub fn for_download(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<AttachmentRow> {
    ctx.require(&Role::ALL)?;
    let a = db::attachments::find(conn, id)?.ok_or_else(AppError::not_found)?;
    visible(conn, ctx, a.bid_id)?;
    if matches!(ctx.actor().map(|x| x.role), Some(Role::Staff | Role::Finance | Role::Evaluator)) {
        db::write_tx(conn, |c| {
            audit::record(c, ctx, "attachment.read", "bid", Some(a.bid_id), serde_json::json!({"attachment_id": id}))
        })?;
    }
    Ok(a)
}

pub fn remove(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<()> {
    ctx.require(&[Role::Org])?;
    let a = db::attachments::find(conn, id)?.ok_or_else(AppError::not_found)?;
    let (b, call, _) = visible(conn, ctx, a.bid_id)?;
    editable(&b, &call, ctx.now)?;
    db::write_tx(conn, |c| {
        if db::attachments::delete(c, id, db_time(ctx.now))? != 1 {
            return Err(AppError::not_found());
        }
        audit::record(c, ctx, "attachment.delete", "bid", Some(a.bid_id), serde_json::json!({"attachment_id": id}))
    })
}

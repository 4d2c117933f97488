//! Documents kept in an organisation's profile: uploaded once by the organisation, counted by
//! every bid among a call's required documents until their last valid day, read by staff,
//! finance and the reviewers of the organisation's bids.

use super::{attachments, audit, Ctx};
use crate::clock::{db_time, local_date, rfc3339_local};
use crate::db::org_documents::{NewOrgDocument, OrgDocumentRow};
use crate::db::{self, DbConn};
use crate::domain::account::Role;
use crate::domain::org_documents::{self as rules, Validity};
use crate::domain::upload::{clean_name, sniff};
use crate::error::{AppError, AppResult, Code, Problems};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::path::Path;

#[derive(Serialize, Clone, utoipa::ToSchema)]
pub struct OrgDocumentView {
    pub id: i64,
    pub organisation_id: i64,
    /// The document type, matched against a call's required documents (e.g. `charter`).
    #[serde(rename = "type")]
    pub kind: String,
    pub type_label: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    /// The last day it may be used; null when it does not expire.
    pub valid_until: Option<NaiveDate>,
    /// `valid` · `expires_soon` (within 30 days) · `expired`, on today's date.
    pub validity: Validity,
    pub validity_label: &'static str,
    pub uploaded_at: String,
}

impl OrgDocumentView {
    /// The badge class a page shows the validity with.
    pub fn badge(&self) -> &'static str {
        if self.validity == Validity::Valid {
            "verified"
        } else {
            "rejected"
        }
    }
}

fn view(r: &OrgDocumentRow, today: NaiveDate) -> OrgDocumentView {
    let validity = rules::validity(r.valid_until, today);
    OrgDocumentView {
        id: r.id,
        organisation_id: r.organisation_id,
        kind: r.kind.clone(),
        type_label: rules::label(&r.kind).to_string(),
        name: r.original_name.clone(),
        content_type: r.content_type.clone(),
        size: r.size,
        sha256: r.sha256.clone(),
        valid_until: r.valid_until,
        validity,
        validity_label: validity.label(),
        uploaded_at: rfc3339_local(r.uploaded_at.and_utc()),
    }
}

/// An upload as read from the multipart form: `type`, `valid_until` (YYYY-MM-DD or empty) and
/// the file.
pub struct OrgUpload {
    pub file_name: String,
    pub kind: String,
    pub valid_until: String,
    pub bytes: Vec<u8>,
}

fn own(ctx: &Ctx, organisation_id: i64) -> AppResult<()> {
    let a = ctx.require(&[Role::Org])?;
    if a.organisation_id != Some(organisation_id) {
        return Err(AppError::not_found());
    }
    Ok(())
}

pub fn add(
    conn: &mut DbConn,
    ctx: &Ctx,
    data_dir: &Path,
    organisation_id: i64,
    up: &OrgUpload,
) -> AppResult<OrgDocumentView> {
    own(ctx, organisation_id)?;
    let actor = ctx.require(&[Role::Org])?.clone();
    let today = local_date(ctx.now);
    let mut p = Problems::default();
    let kind = up.kind.trim();
    let valid_until = match up.valid_until.trim() {
        "" => None,
        s => p.date("valid_until", s),
    };
    for (field, code, message) in rules::check_upload(kind, valid_until, today) {
        p.add(&field, code, message);
    }
    let file_kind = p.take("file", sniff(&up.bytes), |e| (e.code().into(), e.message().into()));
    p.finish()?;
    let file_kind = file_kind.ok_or_else(|| AppError::internal("file kind checked above"))?;
    if db::org_documents::count_live(conn, organisation_id)? >= rules::MAX_PER_ORGANISATION {
        return Err(Code::TooManyAttachments
            .says(format!("单位资料最多保存 {} 份，请先删除过期或不用的材料", rules::MAX_PER_ORGANISATION)));
    }
    let name = clean_name(&up.file_name);
    let sha = hex::encode(Sha256::digest(&up.bytes));
    attachments::store(data_dir, &sha, &up.bytes)?;
    db::write_tx(conn, |c| {
        let id = db::org_documents::insert(
            c,
            &NewOrgDocument {
                organisation_id,
                kind,
                original_name: &name,
                content_type: file_kind.content_type(),
                size: up.bytes.len() as i64,
                sha256: &sha,
                valid_until,
                uploaded_by: actor.id,
                uploaded_at: db_time(ctx.now),
            },
        )?;
        audit::record(
            c,
            ctx,
            "org_document.add",
            "organisation",
            Some(organisation_id),
            serde_json::json!({"document_id": id, "type": kind, "sha256": sha, "name": name, "valid_until": valid_until}),
        )?;
        let row = db::org_documents::find(c, id)?.ok_or_else(AppError::not_found)?;
        Ok(view(&row, today))
    })
}

/// The profile's documents, newest first: the organisation's users, staff (town staff in their
/// town), finance and admins.
pub fn list(conn: &mut DbConn, ctx: &Ctx, organisation_id: i64) -> AppResult<Vec<OrgDocumentView>> {
    super::access::organisation(conn, ctx, organisation_id)?;
    let today = local_date(ctx.now);
    Ok(db::org_documents::live(conn, organisation_id)?.iter().map(|r| view(r, today)).collect())
}

/// One document for download: whoever may see the organisation, and the reviewers of its bids.
/// Staff and finance reads are audited like bid attachments.
pub fn for_download(conn: &mut DbConn, ctx: &Ctx, organisation_id: i64, id: i64) -> AppResult<OrgDocumentRow> {
    let a = ctx.require(&Role::ALL)?.clone();
    let d = db::org_documents::find(conn, id)?
        .filter(|d| d.organisation_id == organisation_id)
        .ok_or_else(AppError::not_found)?;
    match a.role {
        Role::Reviewer if db::review::reviewer_may_read_org(conn, a.id, organisation_id)? => {}
        Role::Reviewer => return Err(AppError::not_found()),
        _ => {
            super::access::organisation(conn, ctx, organisation_id)?;
        }
    }
    if matches!(a.role, Role::Staff | Role::Finance) {
        db::write_tx(conn, |c| {
            audit::record(
                c,
                ctx,
                "org_document.read",
                "organisation",
                Some(organisation_id),
                serde_json::json!({"document_id": id}),
            )
        })?;
    }
    Ok(d)
}

/// Removes a document from the profile (its organisation). Bids submitted while it was held
/// still show it; later submissions no longer count it.
pub fn remove(conn: &mut DbConn, ctx: &Ctx, organisation_id: i64, id: i64) -> AppResult<()> {
    own(ctx, organisation_id)?;
    db::write_tx(conn, |c| {
        let d = db::org_documents::find(c, id)?
            .filter(|d| d.organisation_id == organisation_id)
            .ok_or_else(AppError::not_found)?;
        if db::org_documents::delete(c, id, db_time(ctx.now))? != 1 {
            return Err(AppError::not_found());
        }
        audit::record(
            c,
            ctx,
            "org_document.delete",
            "organisation",
            Some(organisation_id),
            serde_json::json!({"document_id": id, "type": d.kind}),
        )
    })
}

/// The profile documents a bid may count at `at` (submission, or now for a draft): held then
/// and valid on that day.
pub fn usable(conn: &mut DbConn, organisation_id: i64, at: DateTime<Utc>) -> AppResult<Vec<OrgDocumentRow>> {
    let day = local_date(at);
    Ok(db::org_documents::held_at(conn, organisation_id, db_time(at))?
        .into_iter()
        .filter(|d| rules::usable_on(d.valid_until, day))
        .collect())
}

/// The same, as the bid page shows them.
pub fn usable_views(conn: &mut DbConn, organisation_id: i64, at: DateTime<Utc>) -> AppResult<Vec<OrgDocumentView>> {
    let today = local_date(at);
    Ok(usable(conn, organisation_id, at)?.iter().map(|r| view(r, today)).collect())
}

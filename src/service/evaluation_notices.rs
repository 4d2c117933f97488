//! 评估结果公示: a call's verified mid-term or final grades published as a notice PDF (hash kept,
//! verifiable at /verify) with an objection window of the call's `notice_days`.

use super::documents::DocSettings;
use super::{audit, mail, Ctx};
use crate::clock::{db_time, local_date, rfc3339_local};
use crate::db::evaluators::NoticeRow;
use crate::db::{self, DbConn};
use crate::domain::evaluation::{worth_publishing, NoticeEntry, NoticeKind};
use crate::error::{AppError, AppResult, Code};
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

/// The kind of document stored for each notice (`documents.kind`).
pub const KIND: &str = "evaluation_notice";

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct NoticeInput {
    /// `midterm` or `final`
    pub kind: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EvaluationNoticeView {
    pub id: i64,
    pub call_id: i64,
    /// `midterm` · `final`
    pub kind: String,
    pub kind_label: &'static str,
    /// 1 for the first notice of its kind, 2 for the next (with the grades added since), …
    pub seq: i32,
    pub title: String,
    pub published_at: String,
    /// The objection window: from the day after publication to 24:00 on `ends_on`.
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    /// Whether objections are taken now.
    pub open: bool,
    pub entries: Vec<NoticeEntry>,
    /// SHA-256 of the published PDF.
    pub pdf_sha256: Option<String>,
    /// Where the PDF is served.
    pub notice_url: String,
}

fn view(n: NoticeRow, sha: Option<String>, today: NaiveDate) -> EvaluationNoticeView {
    let kind = NoticeKind::parse(&n.kind).unwrap_or(NoticeKind::Final);
    EvaluationNoticeView {
        id: n.id,
        call_id: n.call_id,
        kind: n.kind,
        kind_label: kind.label(),
        seq: n.seq,
        title: n.title,
        published_at: rfc3339_local(n.published_at.and_utc()),
        starts_on: local_date(n.published_at.and_utc()) + Duration::days(1),
        ends_on: n.ends_on,
        open: today <= n.ends_on,
        entries: serde_json::from_str(&n.entries).unwrap_or_default(),
        pdf_sha256: sha,
        notice_url: format!("/api/v1/evaluation-notices/{}/notice.pdf", n.id),
    }
}

/// The lines a notice of this kind would publish now, by agreement number.
fn entries(conn: &mut DbConn, call_id: i64, kind: NoticeKind) -> AppResult<Vec<NoticeEntry>> {
    Ok(db::evaluators::graded(conn, call_id, kind.as_str())?
        .into_iter()
        .map(|(milestone_id, project_id, agreement_no, title, organisation, grade, total)| NoticeEntry {
            milestone_id,
            project_id,
            agreement_no,
            title,
            organisation,
            grade,
            total: total.map(|t| rust_decimal::Decimal::new(t, 2).normalize().to_string()),
        })
        .collect())
}

/// `POST /api/v1/calls/{id}/evaluation-notices`: whoever runs the call (district staff, or a
/// town's staff for its own calls). Publishes every verified grade of the kind; 409
/// `nothing_to_publish` when there is none, or none new since the last notice of that kind.
/// The organisations listed are emailed.
pub fn publish(
    conn: &mut DbConn,
    ctx: &Ctx,
    docs: &DocSettings,
    call_id: i64,
    input: &NoticeInput,
) -> AppResult<EvaluationNoticeView> {
    let by = super::calls::runner(conn, ctx, call_id)?.id;
    let call = db::calls::find(conn, call_id)?.ok_or_else(AppError::not_found)?;
    let kind = NoticeKind::parse(&input.kind).ok_or_else(|| {
        AppError::invalid_field("kind", "invalid_kind", "公示类型应为 midterm（中期）或 final（结项）")
    })?;
    let today = local_date(ctx.now);
    let ends_on = super::calendar::load(conn)?
        .notice_end(today, call.notice_days as u32, call.notice_working_days)
        .map_err(super::calendar::missing)?;
    let project_ids: Vec<i64> = entries(conn, call_id, kind)?.iter().map(|e| e.project_id).collect();
    let orgs = organisations_of(conn, &project_ids)?;
    let id = db::write_tx(conn, |c| {
        // Read inside the transaction: a grade verified meanwhile is either in this notice or new
        // for the next; a simultaneous publication of the same kind fails on (call, kind, seq).
        let now = entries(c, call_id, kind)?;
        let earlier: Vec<NoticeRow> =
            db::evaluators::notices_of(c, call_id)?.into_iter().filter(|n| n.kind == kind.as_str()).collect();
        let last: Option<Vec<NoticeEntry>> =
            earlier.last().map(|n| serde_json::from_str(&n.entries).unwrap_or_default());
        if !worth_publishing(last.as_deref(), &now) {
            return Err(if now.is_empty() {
                Code::NothingToPublish.says(format!("本招标尚无已核验的{}结果", kind.label()))
            } else {
                AppError::from(Code::NothingToPublish)
            });
        }
        let seq = earlier.len() as i32 + 1;
        let title = match seq {
            1 => format!("{}{}结果公示", call.title, kind.label()),
            n => format!("{}{}结果公示（第{n}次）", call.title, kind.label()),
        };
        let json = serde_json::to_string(&now).map_err(|e| AppError::internal(e.to_string()))?;
        let id = db::evaluators::insert_notice(
            c,
            &db::evaluators::NewNotice {
                call_id,
                kind: kind.as_str(),
                seq,
                title: &title,
                entries: &json,
                ends_on,
                published_by: by,
                published_at: db_time(ctx.now),
            },
        )?;
        audit::record(
            c,
            ctx,
            "evaluation_notice.publish",
            "call",
            Some(call_id),
            serde_json::json!({"notice_id": id, "kind": kind.as_str(), "seq": seq, "ends_on": ends_on,
                "grades": now.iter().map(|e| serde_json::json!({"milestone_id": e.milestone_id, "grade": e.grade, "total": e.total})).collect::<Vec<_>>()}),
        )?;
        let head = db::audit::head(c)?.map(|h| h.1).unwrap_or_default();
        let pdf = crate::pdf::evaluation_notice::render(&document(&title, kind, &now, ends_on, docs, ctx, head));
        super::documents::publish(c, ctx, &docs.data_dir, KIND, id, &title, &pdf)?;
        for e in &now {
            if let Some((_, name, email)) = orgs.iter().find(|o| o.0 == e.project_id) {
                mail::queue(
                    c,
                    ctx,
                    mail::evaluation_published(email, name, &e.agreement_no, kind.label(), &e.grade, ends_on),
                )?;
            }
        }
        Ok(id)
    })?;
    get(conn, ctx, id)
}

/// (project, organisation name, email) for the projects listed, in one query each way.
fn organisations_of(conn: &mut DbConn, project_ids: &[i64]) -> AppResult<Vec<(i64, String, String)>> {
    let projects = db::projects::find_many(conn, project_ids)?;
    let org_ids: Vec<i64> = projects.iter().map(|p| p.organisation_id).collect();
    let orgs = db::organisations::emails_of(conn, &org_ids)?;
    Ok(projects
        .iter()
        .filter_map(|p| orgs.iter().find(|o| o.0 == p.organisation_id).map(|o| (p.id, o.1.clone(), o.2.clone())))
        .collect())
}

fn document(
    title: &str,
    kind: NoticeKind,
    lines: &[NoticeEntry],
    ends_on: NaiveDate,
    docs: &DocSettings,
    ctx: &Ctx,
    audit_head: String,
) -> crate::pdf::evaluation_notice::EvaluationNoticeDoc {
    use crate::pdf::evaluation_notice::{EvaluationNoticeDoc, Line};
    let today = local_date(ctx.now);
    let contact = if docs.contact.trim().is_empty() {
        String::new()
    } else {
        format!("（联系方式：{}）", docs.contact.trim())
    };
    EvaluationNoticeDoc {
        title: title.to_string(),
        paragraph: format!(
            "根据公益创投项目{label}安排，经评估核验，现将 {n} 个项目的{label}结果予以公示。公示期自 {} 起至 {ends_on} 24:00 止。\
             对评估结果有异议的，请在公示期内向{}书面反映{contact}，并留下联系方式以便答复。",
            today + Duration::days(1),
            docs.authority,
            label = kind.label(),
            n = lines.len(),
        ),
        lines: lines
            .iter()
            .map(|e| Line {
                agreement_no: e.agreement_no.clone(),
                title: e.title.clone(),
                organisation: e.organisation.clone(),
                total: e.total.clone().unwrap_or_default(),
                grade: e.grade.clone(),
            })
            .collect(),
        authority: docs.authority.clone(),
        issued_on: today.format("%Y年%-m月%-d日").to_string(),
        audit_head,
    }
}

/// One notice: public, like every 公示.
pub fn get(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<EvaluationNoticeView> {
    let n = db::evaluators::find_notice(conn, id)?.ok_or_else(AppError::not_found)?;
    let sha = db::documents::current(conn, KIND, n.id)?.map(|d| d.sha256);
    Ok(view(n, sha, local_date(ctx.now)))
}

/// `GET /api/v1/calls/{id}/evaluation-notices`: a call's notices, oldest first; public.
pub fn list(conn: &mut DbConn, ctx: &Ctx, call_id: i64) -> AppResult<Vec<EvaluationNoticeView>> {
    if db::calls::find(conn, call_id)?.is_none() {
        return Err(AppError::not_found());
    }
    let rows = db::evaluators::notices_of(conn, call_id)?;
    let ids: Vec<i64> = rows.iter().map(|n| n.id).collect();
    let hashes = db::documents::current_of(conn, KIND, &ids)?;
    let today = local_date(ctx.now);
    Ok(rows
        .into_iter()
        .map(|n| {
            let sha = hashes.iter().find(|h| h.0 == n.id).map(|h| h.1.clone());
            view(n, sha, today)
        })
        .collect())
}

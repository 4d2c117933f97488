//! Numbered amendments (更正公告) and answers (答疑) to a published call.

use super::*;
use crate::domain::state::CallStatus;
use crate::error::Code;

#[derive(Serialize, utoipa::ToSchema)]
pub struct AmendmentView {
    pub no: i32,
    /// `amendment` (更正公告) or `answer` (答疑)
    pub kind: String,
    pub kind_label: &'static str,
    pub body: String,
    /// The new deadline, when this amendment extended it.
    pub new_closes_at: Option<String>,
    pub created_at: String,
}

impl AmendmentView {
    /// 「更正公告第1号（2026-01-25）」
    pub fn heading(&self) -> String {
        format!("{}第{}号（{}）", self.kind_label, self.no, short(&self.created_at))
    }
}

pub(super) fn amendment_view(a: &db::calls::AmendmentRow) -> AmendmentView {
    AmendmentView {
        no: a.no,
        kind_label: if a.kind == "answer" { "答疑" } else { "更正公告" },
        kind: a.kind.clone(),
        body: a.body.clone(),
        new_closes_at: a.new_closes_at.map(|t| rfc3339_local(t.and_utc())),
        created_at: rfc3339_local(a.created_at.and_utc()),
    }
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct AmendmentInput {
    /// `amendment` (更正公告, default) or `answer` (答疑)
    pub kind: Option<String>,
    pub text: String,
    /// A later deadline (amendments only), RFC 3339.
    pub closes_at: Option<String>,
}

/// `POST /api/v1/calls/{id}/amendments` (district staff, before `closes_at`): a numbered
/// amendment or answer, an optional later deadline, a new version of the tender PDF, and an
/// email to every organisation with a draft or a bid in the call.
pub fn amend(
    conn: &mut DbConn,
    ctx: &Ctx,
    docs: &crate::service::documents::DocSettings,
    id: i64,
    input: &AmendmentInput,
) -> AppResult<CallView> {
    let by = crate::service::calls::runner(conn, ctx, id)?.id;
    let row = db::calls::find(conn, id)?.ok_or_else(AppError::not_found)?;
    let mut p = Problems::default();
    let kind = match input.kind.as_deref().unwrap_or("amendment") {
        k @ ("amendment" | "answer") => k,
        _ => {
            p.add("kind", "invalid_kind", "类型应为 amendment（更正公告）或 answer（答疑）");
            "amendment"
        }
    };
    let body = p.take("text", text::paragraph(&input.text, 5000), |e| (e.code().into(), e.message()));
    let closes = match input.closes_at.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(_) if kind == "answer" => {
            p.add("closes_at", "answer_cannot_extend", "答疑不能修改申报截止时间，请发布更正公告");
            None
        }
        Some(s) => match DateTime::parse_from_rfc3339(s) {
            Ok(t) if t.with_timezone(&Utc) <= row.closes_at.and_utc() => {
                p.add("closes_at", "closes_not_later", "更正后的截止时间应晚于原截止时间");
                None
            }
            Ok(t) => Some(db_time(t.with_timezone(&Utc))),
            Err(_) => {
                p.add("closes_at", "invalid_datetime", "时间格式应为 RFC 3339，如 2026-03-15T17:00:00+08:00");
                None
            }
        },
    };
    p.finish()?;
    let body = body.unwrap_or_default();
    if CallStatus::Draft.is(&row.status) {
        return Err(AppError::from(Code::NotPublished));
    }
    if row.phase(ctx.now).past_deadline() {
        return Err(Code::DeadlinePassed.says("申报已截止，不能再发布更正公告或答疑"));
    }
    let orgs = db::bids::organisations_in_call(conn, id)?;
    let no = db::write_tx(conn, |c| {
        if db::calls::lock_and_extend(c, id, closes)? != 1 {
            return Err(AppError::from(Code::ClosesNotLater));
        }
        let amendment = db::calls::NewAmendment {
            call_id: id,
            kind,
            body: &body,
            old_closes_at: closes.map(|_| row.closes_at),
            new_closes_at: closes,
            created_by: by,
            created_at: db_time(ctx.now),
        };
        let no = db::calls::insert_amendment(c, &amendment)?;
        audit::record(
            c,
            ctx,
            "call.amend",
            "call",
            Some(id),
            serde_json::json!({"no": no, "kind": kind, "text": body, "closes_at": closes.map(|t| rfc3339_local(t.and_utc()))}),
        )?;
        // The tender PDF again, as a new version; the earlier one stays verifiable, superseded.
        let (_, v) = load_view(c, id, ctx.now)?;
        store_announcement(c, ctx, docs, &v)?;
        let what = if kind == "answer" { "答疑" } else { "更正公告" };
        for (email, name) in &orgs {
            mail::queue(c, ctx, mail::call_amended(email, name, &row.title, &format!("{what}第{no}号"), &body))?;
        }
        Ok(no)
    })?;
    tracing::info!(call = id, no, "call amended");
    get(conn, ctx, id)
}

//! After the deadline: screening by staff (eligible, 限期补正, ineligible) and the budget
//! check by finance.

use super::*;
use crate::error::Code;

/// `POST /api/v1/bids/{id}/screening`: `{eligible, note}` or `{outcome, items, due, note}`.
#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct ScreeningInput {
    pub eligible: Option<bool>,
    /// `eligible`, `ineligible` or `needs_correction`
    pub outcome: Option<String>,
    /// Sections to reopen for 限期补正: `basic`, `budget`, `milestones`.
    #[serde(default)]
    pub items: Vec<String>,
    /// Correction due date `YYYY-MM-DD`.
    pub due: Option<String>,
    pub note: Option<String>,
    /// For a bid flagged as looking like a project funded in the previous call: `true` it is
    /// that project again, `false` it is a different project. Needed to call such a bid eligible.
    pub repeat_confirmed: Option<bool>,
    /// One tick per item of the call's screening checklist (none when it has none).
    #[serde(default)]
    pub checklist: Vec<crate::domain::checklist::Answer>,
}

/// A screener's verdict once read: the outcome, its reason, and for a correction the items
/// and the date they are due.
struct Verdict {
    outcome: String,
    note: Option<String>,
    items: Option<String>,
    due: Option<chrono::NaiveDate>,
}

fn read_verdict(ctx: &Ctx, input: &ScreeningInput) -> AppResult<Verdict> {
    let outcome = match (&input.outcome, input.eligible) {
        (Some(o), _) => o.clone(),
        (None, Some(true)) => "eligible".into(),
        (None, Some(false)) => "ineligible".into(),
        (None, None) => return Err(Code::MissingField.says("缺少必填字段 eligible 或 outcome").with_field("eligible")),
    };
    let mut p = Problems::default();
    let note = input.note.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let note = match note {
        Some(n) => p.take("note", text::paragraph(n, 2000), |e| (e.code().into(), e.message())),
        None => None,
    };
    let (mut items, mut due) = (None, None);
    match outcome.as_str() {
        "eligible" => {}
        "ineligible" if note.is_none() && p.is_empty() => p.add("note", "reason_required", "资格审查不通过须说明理由"),
        "ineligible" => {}
        "needs_correction" => {
            if input.items.is_empty() || input.items.iter().any(|i| !CORRECTION_SECTIONS.iter().any(|(k, _)| k == i)) {
                p.add("items", "invalid_items", "请选择需要补正的内容：basic、budget、milestones");
            } else {
                let mut v = input.items.clone();
                v.sort();
                v.dedup();
                items = Some(v.join(","));
            }
            match input.due.as_deref().map(crate::domain::text::date) {
                Some(Ok(d)) if d > local_date(ctx.now) => due = Some(d),
                Some(Ok(_)) => p.add("due", "due_in_past", "补正期限应晚于今天"),
                _ => p.add("due", "invalid_date", "请填写补正期限（YYYY-MM-DD）"),
            }
        }
        _ => p.add("outcome", "invalid_outcome", "审查结论应为 eligible、ineligible 或 needs_correction"),
    }
    p.finish()?;
    Ok(Verdict { outcome, note, items, due })
}

pub fn screen(conn: &mut DbConn, ctx: &Ctx, id: i64, input: &ScreeningInput) -> AppResult<BidView> {
    let actor = ctx.require(&[Role::Staff])?.clone();
    let (b, call, _) = visible(conn, ctx, id)?;
    let Verdict { outcome, note, items, due } = read_verdict(ctx, input)?;
    match call.phase(ctx.now) {
        Phase::Screening => {}
        p if p.past_deadline() => return Err(AppError::from(Code::ScreeningClosed)),
        _ => return Err(Code::CallNotClosed.says("申报截止后才能进行资格审查")),
    }
    if !BidStatus::Submitted.is(&b.status) {
        return Err(Code::WrongStatus.says(format!("申报当前状态为“{}”，不能审查", status_label(&b.status))));
    }
    let design = crate::service::calls::scoring_design(conn, call.id)?;
    let rule = design.repeat;
    let mut problems =
        crate::domain::checklist::check_answers(&design.checklist, &input.checklist, outcome == "eligible");
    if !problems.is_empty() {
        // A mandatory item not ok is the refusal's headline (`checklist_incomplete`).
        problems.sort_by_key(|p| p.1 != "checklist_incomplete");
        return Err(AppError::invalid(
            problems
                .into_iter()
                .map(|(field, code, message)| crate::error::FieldError { field, code: code.into(), message })
                .collect(),
        ));
    }
    let (renewal_of, repeat_of) = db::repeats::of_bids(conn, &[id])?.get(&id).copied().unwrap_or((None, None));
    let flagged = match repeat_of {
        Some(pid) => earlier_projects(conn, b.organisation_id, &call)?.into_iter().find(|p| p.id == pid),
        None => None,
    };
    repeat::at_screening(rule, flagged.as_ref(), outcome == "eligible", input.repeat_confirmed)
        .map_err(|e| repeat_error("repeat_confirmed", e))?;
    // A confirmed repeat admitted under the renewal rule is a renewal from now on.
    let renewal_of = match (&flagged, input.repeat_confirmed) {
        (Some(p), Some(true)) if outcome == "eligible" => Some(p.id),
        _ => renewal_of,
    };
    let org = db::organisations::find(conn, b.organisation_id)?.ok_or_else(AppError::not_found)?;
    db::write_tx(conn, |c| {
        if flagged.is_some() {
            db::repeats::set(c, id, renewal_of, repeat_of)?;
        }
        let s = db::bids::Screening { to: &outcome, note: note.as_deref(), items: items.as_deref(), due, by: actor.id };
        if db::bids::screen(c, id, &s, db_time(ctx.now))? != 1 {
            return Err(Code::WrongStatus.says("申报状态已变化，请刷新"));
        }
        db::bids::replace_checklist(c, id, &input.checklist)?;
        audit::record(
            c,
            ctx,
            "bid.screen",
            "bid",
            Some(id),
            serde_json::json!({"outcome": outcome, "note": note, "items": items, "due": due, "repeat_of": repeat_of, "repeat_confirmed": input.repeat_confirmed, "checklist": input.checklist}),
        )?;
        mail::queue_about_bid(
            c,
            ctx,
            id,
            mail::bid_screened(
                &org.email,
                &org.name,
                &b.title,
                b.reference.as_deref().unwrap_or(""),
                &mail::Screened { outcome: &outcome, note: note.as_deref(), items: items.as_deref(), due },
            ),
        )?;
        Ok(())
    })?;
    // Read back after the commit: the writer lock is held no longer than the writes need.
    let b = db::bids::find(conn, id)?.ok_or_else(AppError::not_found)?;
    full_view(conn, &b)
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct FinanceInput {
    /// Amount string in yuan: ≤ the requested amount and ≤ the call's max grant.
    pub approved_amount: String,
    /// Required when approving less than requested.
    pub note: Option<String>,
}

pub fn finance(conn: &mut DbConn, ctx: &Ctx, id: i64, input: &FinanceInput) -> AppResult<BidView> {
    let actor = ctx.require(&[Role::Finance])?.clone();
    let (b, call, _) = visible(conn, ctx, id)?;
    let mut p = Problems::default();
    let approved = p.money("approved_amount", &input.approved_amount);
    let note = match input.note.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(n) => p.take("note", text::paragraph(n, 2000), |e| (e.code().into(), e.message())),
        None => None,
    };
    if let Some(a) = approved {
        if a.fen() <= 0 {
            p.add("approved_amount", "amount_not_positive", "核定金额应大于 0；不予资助请在资格审查中处理");
        }
        if a.fen() > b.requested {
            p.add(
                "approved_amount",
                "exceeds_requested",
                format!("核定金额不能超过申请金额 {} 元", Money::from_fen(b.requested).grouped()),
            );
        }
        if a.fen() > call.max_grant {
            p.add(
                "approved_amount",
                "exceeds_max_grant",
                format!("核定金额不能超过单个项目上限 {} 元", Money::from_fen(call.max_grant).grouped()),
            );
        }
        if a.fen() < b.requested && note.is_none() {
            p.add("note", "reason_required", "核减金额须说明理由");
        }
    }
    p.finish()?;
    let approved = approved.ok_or_else(|| AppError::internal("validated amount lost"))?;
    if !BidStatus::Eligible.is(&b.status) {
        return Err(Code::WrongStatus
            .says(format!("只有资格审查通过的申报才能进行预算审核（当前：{}）", status_label(&b.status))));
    }
    db::write_tx(conn, |c| {
        if db::bids::set_approved(c, id, approved.fen(), note.as_deref(), actor.id, db_time(ctx.now))? != 1 {
            return Err(Code::WrongStatus.says("申报状态已变化，请刷新"));
        }
        audit::record(
            c,
            ctx,
            "bid.finance",
            "bid",
            Some(id),
            serde_json::json!({"approved": approved, "previous": b.approved.map(Money::from_fen), "note": note}),
        )?;
        Ok(())
    })?;
    // Read back after the commit: the writer lock is held no longer than the writes need.
    let b = db::bids::find(conn, id)?.ok_or_else(AppError::not_found)?;
    full_view(conn, &b)
}

//! Submitting a bid (every rule, a gap-free reference under the call's row lock) and
//! withdrawing it before the deadline.

use super::*;
use crate::domain::account::OrgStatus;
use crate::error::Code;

/// Everything a submitted bid must satisfy, from the stored draft.
fn submission_problems(
    call: &CallRow,
    pool: &PoolRow,
    b: &BidRow,
    lines: &[LineRow],
    ms: &[MilestoneRow],
    has_categories: bool,
) -> Problems {
    let mut p = Problems::default();
    if b.summary.trim().is_empty() {
        p.add("summary", "required", "请填写项目简介");
    }
    match &b.service_region_code {
        None => p.add("service_region_code", "required", "请选择服务区域"),
        Some(r) if !region_fits(pool, r) => {
            p.add("service_region_code", "region_outside_pool", "镇街资金池只资助服务本镇（街道）的项目")
        }
        Some(_) => {}
    }
    if b.beneficiary_kind.trim().is_empty() || b.beneficiary_count <= 0 {
        p.add("beneficiaries", "required", "请填写受益对象及人数");
    }
    match (b.start_date, b.end_date) {
        (Some(s), Some(e)) => {
            if s > e {
                p.add("end_date", "dates_inverted", "项目结束日期应不早于开始日期");
            }
            if !in_period(call, s) || !in_period(call, e) {
                p.add(
                    "start_date",
                    "outside_project_period",
                    format!("项目起止日期应在 {} 至 {} 之间", call.project_start, call.project_end),
                );
            }
        }
        _ => p.add("start_date", "required", "请填写项目起止日期"),
    }
    if ms.is_empty() {
        p.add("milestones", "required", "请至少填写一个进度节点");
    }
    for (k, m) in ms.iter().enumerate() {
        if !in_period(call, m.due_date) {
            p.add(&format!("milestones[{k}].due_date"), "outside_project_period", "进度节点应在项目周期内");
        }
    }
    if has_categories && b.category.is_none() {
        p.add("category", "required", "请选择项目类别");
    }
    let rules = budget_rules(call);
    let blines: Vec<BudgetLine> = lines
        .iter()
        .filter_map(|l| {
            BudgetCategory::parse(&l.category).map(|c| BudgetLine { category: c, amount: Money::from_fen(l.amount) })
        })
        .collect();
    for v in budget::check(&rules, Money::from_fen(b.requested), &blines) {
        p.add(&v.field, v.code, v.message);
    }
    p
}

/// The call's budget rules (grant range, category caps, forbidden categories).
pub(crate) fn budget_rules(call: &crate::db::calls::CallRow) -> BudgetRules {
    BudgetRules {
        min_grant: Money::from_fen(call.min_grant),
        max_grant: Money::from_fen(call.max_grant),
        personnel_pct: call.personnel_pct.map(|x| x as u32),
        admin_pct: call.admin_pct.map(|x| x as u32),
        forbidden: db::calls::split_list(&call.forbidden_categories)
            .iter()
            .filter_map(|c| BudgetCategory::parse(c))
            .collect(),
    }
}

pub fn submit(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<BidView> {
    let (_, org_id) = own_org(ctx)?;
    let (b, call, pool) = visible(conn, ctx, id)?;
    let org = db::organisations::find(conn, org_id)?.ok_or_else(AppError::not_found)?;
    if !OrgStatus::Verified.is(&org.status) {
        return Err(AppError::from(Code::OrgNotVerified));
    }
    let resubmission = BidStatus::NeedsCorrection.is(&b.status);
    match (b.status.as_str(), call.phase(ctx.now)) {
        ("draft", Phase::Open) => {}
        ("draft", Phase::Announced) => return Err(AppError::from(Code::CallNotOpen)),
        ("draft", _) => return Err(AppError::from(Code::DeadlinePassed)),
        ("needs_correction", _) if b.correction_due.is_some_and(|d| local_date(ctx.now) > d) => {
            return Err(AppError::from(Code::CorrectionOverdue))
        }
        ("needs_correction", _) => {}
        (s, _) => return Err(Code::AlreadySubmitted.says(format!("申报当前状态为“{}”", status_label(s)))),
    }
    let lines = db::bids::lines_of(conn, &[id])?;
    let ms = db::bids::milestones_of(conn, &[id])?;
    let has_categories = !db::calls::categories_of(conn, call.id)?.is_empty();
    submission_problems(&call, &pool, &b, &lines, &ms, has_categories).finish()?;
    let design = crate::service::calls::scoring_design(conn, call.id)?;
    if let Err(t) = crate::domain::topic::check_bid(&design.topics, b.topic_id, true) {
        return Err(AppError::invalid_field("topic_id", t.code(), t.message()));
    }
    dossier_problems(conn, ctx, id, org_id, &design.dossier)?;
    // The applicant's standing: debarment, suspension and the call's eligibility rules.
    crate::service::standing::admit(conn, org_id, &design.eligibility, local_date(ctx.now))?;
    let rule = design.repeat;
    let existing_links = db::repeats::of_bids(conn, &[id])?.get(&id).copied();
    let renewal_of = existing_links.and_then(|x| x.0);
    let repeat_of = if rule == RepeatRule::Allow && renewal_of.is_none() {
        None
    } else {
        let earlier = earlier_projects(conn, org_id, &call)?;
        repeat::at_submit(rule, &b.title, renewal_of, &earlier).map_err(|e| repeat_error("renewal_of", e))?
    };
    let now = db_time(ctx.now);
    let (reference_no, seq) = db::write_tx(conn, |c| {
        let (reference_no, seq) = if resubmission {
            if db::bids::mark_resubmitted(c, id, now)? != 1 {
                return Err(Code::AlreadySubmitted.says("申报状态已变化，请刷新"));
            }
            (b.reference.clone().unwrap_or_default(), None)
        } else {
            // The organisation's limit is checked under a lock of its own, so two of its
            // submissions cannot both pass it; the call's number is taken after, so the call's
            // submissions queue on it (until their commit) for as few statements as possible.
            db::lock_key(c, &format!("bid-limit:{}:{org_id}", call.id))?;
            if db::bids::count_active(c, call.id, org_id)? >= i64::from(call.max_bids_per_org) {
                return Err(Code::BidLimitReached
                    .says(format!("每个组织在本次招标中最多提交 {} 个项目", call.max_bids_per_org)));
            }
            let seq = db::calls::next_seq(c, call.id)?;
            let r = reference(&call.reference_prefix, call.year, seq);
            if db::bids::mark_submitted(c, id, seq, &r, now)? != 1 {
                return Err(Code::AlreadySubmitted.says("申报状态已变化，请刷新"));
            }
            (r, Some(seq))
        };
        let action = if resubmission { "bid.resubmit" } else { "bid.submit" };
        if renewal_of.is_some() || repeat_of.is_some() {
            db::repeats::set(c, id, renewal_of, repeat_of)?;
        }
        // The mail first: the audit record takes the chain's lock, held until the commit.
        mail::queue_about_bid(
            c,
            ctx,
            id,
            mail::bid_received(&org.email, &org.name, &b.title, &reference_no, resubmission),
        )?;
        audit::record(
            c,
            ctx,
            action,
            "bid",
            Some(id),
            serde_json::json!({"reference": reference_no, "requested": Money::from_fen(b.requested), "renewal_of": renewal_of, "repeat_of": repeat_of}),
        )?;
        Ok((reference_no, seq))
    })?;
    // The row as the transaction left it (mark_submitted / mark_resubmitted), with the lines,
    // milestones and links already read: reading them back would be four more round trips.
    let mut b = b;
    b.status = BidStatus::Submitted.as_str().to_string();
    b.updated_at = now;
    if let Some(seq) = seq {
        (b.seq, b.reference, b.submitted_at) = (Some(seq), Some(reference_no), Some(now));
    }
    let links =
        if renewal_of.is_some() || repeat_of.is_some() { Some((renewal_of, repeat_of)) } else { existing_links };
    view_with(conn, &b, &lines, &ms, links)
}

pub fn withdraw(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<BidView> {
    let (_, org_id) = own_org(ctx)?;
    let (b, call, _) = visible(conn, ctx, id)?;
    if call.phase(ctx.now).past_deadline() {
        return Err(Code::DeadlinePassed.says("申报截止后不能撤回"));
    }
    if !matches!(BidStatus::parse(&b.status), Some(BidStatus::Draft | BidStatus::Submitted)) {
        return Err(Code::NotWithdrawable.says(format!("申报当前状态为“{}”，不能撤回", status_label(&b.status))));
    }
    let org = db::organisations::find(conn, org_id)?.ok_or_else(AppError::not_found)?;
    db::write_tx(conn, |c| {
        if db::bids::mark_withdrawn(c, id, &["draft", "submitted"], db_time(ctx.now))? != 1 {
            return Err(Code::NotWithdrawable.says("申报状态已变化，请刷新"));
        }
        audit::record(c, ctx, "bid.withdraw", "bid", Some(id), serde_json::json!({"from": b.status}))?;
        if BidStatus::Submitted.is(&b.status) {
            mail::queue_about_bid(
                c,
                ctx,
                id,
                mail::bid_withdrawn(&org.email, &org.name, &b.title, b.reference.as_deref().unwrap_or("")),
            )?;
        }
        Ok(())
    })?;
    // Read back after the commit: the writer lock is held no longer than the writes need.
    let b = db::bids::find(conn, id)?.ok_or_else(AppError::not_found)?;
    full_view(conn, &b)
}

/// The dossier at submission: every missing or over-long section, the outputs, each required
/// document among the bid's attachments (by type or name) — one 422 with an entry each.
fn dossier_problems(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: i64,
    org_id: i64,
    d: &crate::domain::dossier::Dossier,
) -> AppResult<()> {
    if d.sections.is_empty() && d.documents.is_empty() {
        return Ok(());
    }
    let (sections, outputs) = match db::bids::dossier_of(conn, id)? {
        Some((s, o)) => (serde_json::from_str(&s).unwrap_or_default(), serde_json::from_str(&o).unwrap_or_default()),
        None => (Default::default(), Vec::new()),
    };
    let atts = db::attachments::of_bids(conn, &[id])?;
    // The profile's documents valid today count like the bid's own attachments.
    let held =
        if d.documents.is_empty() { Vec::new() } else { crate::service::org_documents::usable(conn, org_id, ctx.now)? };
    let kinds: Vec<&str> = atts
        .iter()
        .filter(|a| a.deleted_at.is_none())
        .map(|a| a.kind.as_str())
        .chain(held.iter().map(|h| h.kind.as_str()))
        .collect();
    let problems = crate::domain::dossier::check_submission(d, &sections, &outputs, &kinds);
    if problems.is_empty() {
        return Ok(());
    }
    Err(AppError::invalid(
        problems
            .into_iter()
            .map(|(field, code, message)| crate::error::FieldError { field, code: code.into(), message })
            .collect(),
    ))
}

//! Money after funding: tranche payments, rectification after a failed evaluation, and
//! termination with its settlement.

use super::*;
use crate::domain::state::ProjectStatus;
use crate::domain::tranche;
use crate::error::Code;

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct PaymentInput {
    pub milestone_id: i64,
    /// Amount string in yuan.
    pub amount: String,
    /// `YYYY-MM-DD`
    pub paid_on: String,
    /// The bank or treasury voucher number.
    pub reference: String,
}

/// Finance records a payment of a payable tranche: never above the tranche, never above the
/// approved amount, enforced in the database.
pub fn pay(conn: &mut DbConn, ctx: &Ctx, project_id: i64, input: &PaymentInput) -> AppResult<ProjectView> {
    let a = ctx.require(&[Role::Finance])?.clone();
    let p = visible(conn, ctx, project_id)?;
    let mut pr = Problems::default();
    let amount = pr.take("amount", Money::parse(input.amount.trim()), |e| (e.code().into(), e.message().into()));
    if amount.is_some_and(|x| x.fen() <= 0) {
        pr.add("amount", "amount_not_positive", "付款金额应大于 0");
    }
    let paid_on = pr.date("paid_on", &input.paid_on);
    if let Some(Err(why)) = paid_on.map(|d| tranche::check_paid_on(d, crate::clock::local_date(ctx.now), p.signed_on)) {
        pr.add("paid_on", why.code(), why.message());
    }
    let reference = pr.take("reference", text::name(&input.reference, 100), |e| (e.code().into(), e.message()));
    let m = db::projects::find_milestone(conn, input.milestone_id)?.filter(|m| m.project_id == p.id);
    if m.is_none() {
        pr.add("milestone_id", "milestone_not_in_project", "该节点不属于本项目");
    }
    pr.finish()?;
    let (m, amount, paid_on, reference) = match (m, amount, paid_on, reference) {
        (Some(m), Some(x), Some(d), Some(r)) => (m, x, d, r),
        _ => return Err(AppError::internal("validated payment lost a value")),
    };
    let seq = m.tranche_seq.ok_or_else(|| AppError::from(Code::NoTranche))?;
    if ProjectStatus::Suspended.is(&p.status) {
        return Err(AppError::from(Code::ProjectSuspended));
    }
    if ProjectStatus::Terminated.is(&p.status) {
        return Err(AppError::from(Code::ProjectTerminated));
    }
    if ProjectStatus::Completed.is(&p.status) {
        return Err(AppError::from(Code::ProjectCompleted));
    }
    if !MilestoneStatus::Verified.is(&m.status) {
        let terms = crate::service::calls::scoring_design(conn, p.call_id)?.terms;
        return Err(AppError::from(if terms.payment_mode == crate::domain::aftercare::PaymentMode::AfterFinal {
            Code::NotPayable
        } else {
            Code::TrancheNotPayable
        }));
    }
    let org = db::organisations::find(conn, p.organisation_id)?.ok_or_else(AppError::not_found)?;
    db::write_tx(conn, |c| {
        if !db::projects::pay(c, p.id, seq, amount.fen())? {
            // Tell apart a project that stopped meanwhile from an amount too large.
            return Err(match db::projects::find(c, p.id)?.map(|x| x.status) {
                Some(s) if s == "terminated" => AppError::from(Code::ProjectTerminated),
                Some(s) if s == "suspended" => AppError::from(Code::ProjectSuspended),
                Some(s) if s == "completed" => AppError::from(Code::ProjectCompleted),
                _ => AppError::from(Code::ExceedsTranche),
            });
        }
        let new = db::projects::NewPayment {
            project_id: p.id,
            milestone_id: m.id,
            tranche_seq: seq,
            amount: amount.fen(),
            paid_on,
            reference: &reference,
            created_by: a.id,
            created_at: db_time(ctx.now),
        };
        let id = db::projects::insert_payment(c, &new)?;
        audit::record(
            c,
            ctx,
            "project.pay",
            "project",
            Some(p.id),
            serde_json::json!({"payment_id": id, "tranche": seq, "amount": amount, "paid_on": paid_on, "reference": reference}),
        )?;
        mail::queue(c, ctx, mail::payment_made(&org.email, &org.name, &p.agreement_no, amount, paid_on))
    })?;
    get(conn, ctx, project_id)
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct RectifyInput {
    /// The new due date of the failed evaluation, `YYYY-MM-DD`.
    pub due_date: String,
    /// What must be put right.
    pub note: String,
}

/// Rectification (限期整改) after a failed evaluation: the evaluation is due again; the project
/// is active again, and its tranche stays locked until the new report passes.
pub fn rectify(conn: &mut DbConn, ctx: &Ctx, id: i64, input: &RectifyInput) -> AppResult<ProjectView> {
    ctx.require(&[Role::Staff])?;
    let p = visible(conn, ctx, id)?;
    let today = crate::clock::local_date(ctx.now);
    let mut pr = Problems::default();
    let due = crate::domain::text::date(&input.due_date).ok();
    match due {
        None => pr.add("due_date", "invalid_date", "整改期限格式应为 YYYY-MM-DD"),
        Some(d) if d <= today => pr.add("due_date", "date_not_future", "整改期限应晚于今天"),
        Some(_) => {}
    }
    let note = pr.take("note", text::paragraph(&input.note, 2000), |e| (e.code().into(), e.message()));
    pr.finish()?;
    let (due, note) = match (due, note) {
        (Some(d), Some(n)) => (d, n),
        _ => return Err(AppError::internal("validated rectification lost a value")),
    };
    if !ProjectStatus::Suspended.is(&p.status) {
        return Err(AppError::from(Code::NotSuspended));
    }
    let failed = db::projects::milestones_of(conn, &[p.id])?
        .into_iter()
        .filter(|m| m.grade.as_deref() == Some(Grade::Fail.label()))
        .max_by_key(|m| m.seq)
        .ok_or_else(|| Code::NotSuspended.says("没有不合格的评估"))?;
    let org = db::organisations::find(conn, p.organisation_id)?.ok_or_else(AppError::not_found)?;
    db::write_tx(conn, |c| {
        if db::projects::change_status(c, p.id, &[ProjectStatus::Suspended], ProjectStatus::Active)? != 1 {
            return Err(Code::NotSuspended.says("项目状态已变化，请刷新"));
        }
        db::projects::reopen_for_rectification(c, failed.id, due, &note)?;
        audit::record(
            c,
            ctx,
            "project.rectify",
            "project",
            Some(p.id),
            serde_json::json!({"milestone_id": failed.id, "due_date": due, "note": note}),
        )?;
        mail::queue(c, ctx, mail::project_rectify(&org.email, &org.name, &p.agreement_no, &failed.title, due, &note))?;
        Ok(())
    })?;
    get(conn, ctx, id)
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct TerminateInput {
    /// Why the project ends.
    pub note: String,
}

/// Ends a project early (district staff): the unpaid rest of the approved amount returns to its
/// pool; anything paid beyond what verified, passed milestones earned is recorded as clawback.
pub fn terminate(conn: &mut DbConn, ctx: &Ctx, id: i64, input: &TerminateInput) -> AppResult<ProjectView> {
    ctx.require(&[Role::Staff])?;
    let p = visible(conn, ctx, id)?;
    crate::service::calls::runner(conn, ctx, p.call_id)?;
    let note = text::paragraph(&input.note, 2000)
        .map_err(|e| AppError::invalid_field("note", e.code(), format!("终止理由：{}", e.message())))?;
    if ProjectStatus::Terminated.is(&p.status) {
        return Err(AppError::from(Code::AlreadyTerminated));
    }
    let ms = db::projects::milestones_of(conn, &[p.id])?;
    let earned: i64 = db::projects::tranches_of(conn, &[p.id])?
        .iter()
        .filter(|t| {
            ms.iter().any(|m| {
                m.tranche_seq == Some(t.1)
                    && MilestoneStatus::Verified.is(&m.status)
                    && m.grade.as_deref() != Some(Grade::Fail.label())
            })
        })
        .map(|t| t.3)
        .sum();
    let names = db::projects::names_of(conn, &[p.id])?.pop().ok_or_else(AppError::not_found)?;
    let org = db::organisations::find(conn, p.organisation_id)?.ok_or_else(AppError::not_found)?;
    db::write_tx(conn, |c| {
        // Settled from the figures under the row lock: a payment may have landed since.
        let Some((approved, paid)) = db::projects::terminate(c, p.id, &note, db_time(ctx.now))? else {
            return Err(AppError::from(Code::AlreadyTerminated));
        };
        let s = crate::domain::milestone::settle(approved, paid, earned);
        db::projects::set_clawback(c, p.id, s.clawback)?;
        if s.released > 0 && db::calls::release(c, names.pool_id, s.released)? != 1 {
            return Err(AppError::internal("pool reservation smaller than the project's unpaid rest"));
        }
        audit::record(
            c,
            ctx,
            "project.terminate",
            "project",
            Some(p.id),
            serde_json::json!({"note": note, "released": Money::from_fen(s.released), "clawback": Money::from_fen(s.clawback), "earned": Money::from_fen(earned)}),
        )?;
        mail::queue(
            c,
            ctx,
            mail::project_terminated(&org.email, &org.name, &p.agreement_no, Money::from_fen(s.clawback), &note),
        )?;
        Ok(())
    })?;
    get(conn, ctx, id)
}

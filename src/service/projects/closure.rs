//! 结项: the organisation files its final accounts once the final evaluation passed; staff close
//! the project, with the refund of what was paid beyond spending recorded, and the unspent rest
//! of the approved amount goes back to the pool.

use super::{get, jobs, visible, ProjectView};
use crate::clock::{db_time, local_date};
use crate::db::closures::{Closing, ClosureRow};
use crate::db::projects::ProjectRow;
use crate::db::{self, DbConn};
use crate::domain::account::Role;
use crate::domain::budget::BudgetCategory;
use crate::domain::closure::{check_accounts, needs_audit, settle};
use crate::domain::milestone::Grade;
use crate::domain::state::{MilestoneStatus, ProjectStatus};
use crate::domain::{text, Money};
use crate::error::{AppError, AppResult, Code, Problems};
use crate::service::{audit, mail, Ctx};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Clone, utoipa::ToSchema)]
pub struct AccountLine {
    /// A budget category (personnel, activity, …).
    pub category: String,
    /// Spent in yuan, as a decimal string.
    pub amount: String,
}

#[derive(Serialize, Clone, utoipa::ToSchema)]
pub struct AccountLineView {
    pub category: String,
    pub label: &'static str,
    pub amount: Money,
}

#[derive(Serialize, Clone, utoipa::ToSchema)]
pub struct ClosureView {
    pub final_accounts: Vec<AccountLineView>,
    /// What the final accounts add up to.
    pub spent: Money,
    pub note: String,
    pub filed_at: String,
    /// Paid beyond what was spent, to be refunded (as the figures stand now, or as closed).
    pub refund_due: Money,
    pub refunded: Money,
    pub refund_reference: Option<String>,
    pub refunded_on: Option<NaiveDate>,
    /// Returned to the pool at closing.
    pub released: Money,
    pub closed_at: Option<String>,
}

pub(super) fn view(p: &ProjectRow, c: &ClosureRow) -> ClosureView {
    let lines: Vec<AccountLine> = serde_json::from_str(&c.final_accounts).unwrap_or_default();
    let s = settle(p.approved, p.paid, c.spent);
    ClosureView {
        final_accounts: lines
            .into_iter()
            .map(|l| AccountLineView {
                label: BudgetCategory::parse(&l.category).map_or("其他", BudgetCategory::label),
                amount: Money::parse(&l.amount).unwrap_or(Money::ZERO),
                category: l.category,
            })
            .collect(),
        spent: Money::from_fen(c.spent),
        note: c.note.clone(),
        filed_at: crate::clock::rfc3339_local(c.filed_at.and_utc()),
        refund_due: Money::from_fen(if c.closed_at.is_some() { c.refunded } else { s.refund_due }),
        refunded: Money::from_fen(c.refunded),
        refund_reference: c.refund_reference.clone(),
        refunded_on: c.refunded_on,
        released: Money::from_fen(c.released),
        closed_at: c.closed_at.map(|t| crate::clock::rfc3339_local(t.and_utc())),
    }
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct ClosureInput {
    /// 决算: what was spent per budget category.
    pub final_accounts: Vec<AccountLine>,
    #[serde(default)]
    pub note: String,
}

/// The organisation files (or files again, until closed) its final accounts: only once the
/// final evaluation is verified 合格 or better, and with an audit report when the approved amount
/// reaches the call's threshold.
pub fn file(conn: &mut DbConn, ctx: &Ctx, id: i64, input: &ClosureInput) -> AppResult<ProjectView> {
    let a = ctx.require(&[Role::Org])?.clone();
    let p = visible(conn, ctx, id)?;
    let mut pr = Problems::default();
    let lines: Vec<(String, Option<Money>)> = input
        .final_accounts
        .iter()
        .map(|l| (l.category.trim().to_string(), Money::parse(l.amount.trim()).ok()))
        .collect();
    for (f, code, msg) in check_accounts(&lines, p.approved) {
        pr.add(&f, code, msg);
    }
    // The note is optional.
    let note = match input.note.trim() {
        "" => Some(String::new()),
        n => pr.take("note", text::paragraph(n, 2000), |e| (e.code().into(), e.message())),
    };
    pr.finish()?;
    let note = note.unwrap_or_default();
    match ProjectStatus::parse(&p.status) {
        Some(ProjectStatus::Completed) => return Err(AppError::from(Code::ProjectCompleted)),
        Some(ProjectStatus::Terminated) => return Err(AppError::from(Code::ProjectTerminated)),
        Some(ProjectStatus::Suspended) => return Err(AppError::from(Code::ProjectSuspended)),
        _ => {}
    }
    let ms = db::projects::milestones_of(conn, &[p.id])?;
    let passed = ms.iter().any(|m| {
        m.kind == "final" && MilestoneStatus::Verified.is(&m.status) && m.grade.as_deref() != Some(Grade::Fail.label())
    });
    if !passed {
        return Err(AppError::from(Code::FinalNotPassed));
    }
    let terms = crate::service::calls::scoring_design(conn, p.call_id)?.terms;
    if needs_audit(p.approved, terms.audit_threshold) && !has_audit_report(conn, ctx, &p)? {
        return Err(AppError::from(Code::AuditMissing));
    }
    let spent: i64 = lines.iter().filter_map(|l| l.1).map(|m| m.fen()).sum();
    let stored: Vec<AccountLine> = lines
        .iter()
        .map(|(c, m)| AccountLine { category: c.clone(), amount: m.unwrap_or(Money::ZERO).to_string() })
        .collect();
    let json = serde_json::to_string(&stored).map_err(|e| AppError::internal(e.to_string()))?;
    let staff = jobs::responsible_staff(conn, p.id)?;
    db::write_tx(conn, |c| {
        if db::closures::file(c, p.id, &json, spent, &note, a.id, db_time(ctx.now))? != 1 {
            return Err(AppError::from(Code::ProjectCompleted));
        }
        let s = settle(p.approved, p.paid, spent);
        audit::record(
            c,
            ctx,
            "project.closure_filed",
            "project",
            Some(p.id),
            serde_json::json!({"final_accounts": stored, "spent": Money::from_fen(spent), "refund_due": Money::from_fen(s.refund_due)}),
        )?;
        for to in &staff {
            mail::queue(
                c,
                ctx,
                mail::closure_filed(to, &p.agreement_no, Money::from_fen(spent), Money::from_fen(s.refund_due)),
            )?;
        }
        Ok(())
    })?;
    get(conn, ctx, id)
}

/// An audit report among the project's files: a bid attachment or milestone evidence labelled
/// `audit_report` / 审计报告, or one in the organisation's profile.
fn has_audit_report(conn: &mut DbConn, ctx: &Ctx, p: &ProjectRow) -> AppResult<bool> {
    let attached = db::attachments::all_of_bid(conn, p.bid_id)?
        .iter()
        .any(|a| matches!(a.kind.as_str(), "audit_report" | "审计报告"));
    if attached {
        return Ok(true);
    }
    let profile = crate::service::org_documents::usable(conn, p.organisation_id, ctx.now)?;
    Ok(profile.iter().any(|d| d.kind == "audit_report"))
}

#[derive(Deserialize, Clone, Default, utoipa::ToSchema)]
pub struct CloseInput {
    /// The voucher of the refund, when one was due.
    pub refund_reference: Option<String>,
    /// When the refund was received (YYYY-MM-DD).
    pub refunded_on: Option<String>,
}

/// Staff close a project on its filed final accounts: 409 while a refund is due and not
/// recorded, or spending beyond what was paid is still to be paid. The project becomes
/// `completed`; the unspent rest goes back to its pool; the fund's paid total drops by the refund.
pub fn close(conn: &mut DbConn, ctx: &Ctx, id: i64, input: &CloseInput) -> AppResult<ProjectView> {
    let a = ctx.require(&[Role::Staff])?.clone();
    let p = visible(conn, ctx, id)?;
    crate::service::calls::runner(conn, ctx, p.call_id)?;
    let mut pr = Problems::default();
    let reference = match input.refund_reference.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(r) => pr.take("refund_reference", text::name(r, 100), |e| (e.code().into(), e.message())),
        None => None,
    };
    let today = local_date(ctx.now);
    let refunded_on = match input.refunded_on.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(d) => match pr.date("refunded_on", d) {
            Some(d) if d > today => {
                pr.add("refunded_on", "date_in_future", "退回日期不能晚于今天");
                None
            }
            d => d,
        },
        None => None,
    };
    if reference.is_some() != refunded_on.is_some() && pr.is_empty() {
        let field = if reference.is_some() { "refunded_on" } else { "refund_reference" };
        pr.add(field, "required", "退回凭证号和退回日期须一并填写");
    }
    pr.finish()?;
    match ProjectStatus::parse(&p.status) {
        Some(ProjectStatus::Completed) => return Err(AppError::from(Code::ProjectCompleted)),
        Some(ProjectStatus::Terminated) => return Err(AppError::from(Code::ProjectTerminated)),
        Some(ProjectStatus::Suspended) => return Err(AppError::from(Code::ProjectSuspended)),
        _ => {}
    }
    let closure = db::closures::of(conn, &[p.id])?.pop().ok_or_else(|| AppError::from(Code::ClosureNotFiled))?;
    let names = db::projects::names_of(conn, &[p.id])?.pop().ok_or_else(AppError::not_found)?;
    let org = db::organisations::find(conn, p.organisation_id)?.ok_or_else(AppError::not_found)?;
    db::write_tx(conn, |c| {
        // The figures under the row lock: a payment that got there first counts, later ones
        // find the project completed.
        let Some((approved, paid)) = db::closures::complete(c, p.id, db_time(ctx.now))? else {
            return Err(AppError::from(Code::ProjectCompleted));
        };
        let s = settle(approved, paid, closure.spent);
        if s.owed > 0 {
            return Err(Code::PaymentOutstanding
                .says(format!("决算支出比已拨付多 {} 元，请先拨付再结项", Money::from_fen(s.owed).grouped())));
        }
        if s.refund_due > 0 && reference.is_none() {
            return Err(Code::RefundOutstanding.says(format!(
                "应退回结余资金 {} 元，请登记退回凭证号和日期后再结项",
                Money::from_fen(s.refund_due).grouped()
            )));
        }
        let closing = Closing {
            refunded: s.refund_due,
            refund_reference: reference.as_deref().filter(|_| s.refund_due > 0),
            refunded_on: refunded_on.filter(|_| s.refund_due > 0),
            released: s.released,
            by: a.id,
            at: db_time(ctx.now),
        };
        if db::closures::close(c, p.id, &closing)? != 1 {
            return Err(AppError::from(Code::ProjectCompleted));
        }
        if s.released > 0 && db::calls::release(c, names.pool_id, s.released)? != 1 {
            return Err(AppError::internal("pool reservation smaller than the project's unspent rest"));
        }
        audit::record(
            c,
            ctx,
            "project.complete",
            "project",
            Some(p.id),
            serde_json::json!({
                "spent": Money::from_fen(closure.spent),
                "refunded": Money::from_fen(s.refund_due),
                "refund_reference": closing.refund_reference,
                "refunded_on": closing.refunded_on,
                "released": Money::from_fen(s.released),
            }),
        )?;
        mail::queue(
            c,
            ctx,
            mail::project_completed(
                &org.email,
                &org.name,
                &p.agreement_no,
                Money::from_fen(closure.spent),
                Money::from_fen(s.refund_due),
            ),
        )?;
        Ok(())
    })?;
    get(conn, ctx, id)
}

//! 项目优化: when finance approved less than was asked, the organisation re-enters its budget to
//! the approved amount before signing (the call's caps apply). Budgets are versioned: version 1
//! is the bid's, each re-budget adds one; the project is measured against the latest.

use super::{jobs, visible};
use crate::clock::db_time;
use crate::db::budgets::{BudgetRow, StoredLine};
use crate::db::projects::ProjectRow;
use crate::db::{self, DbConn};
use crate::domain::account::Role;
use crate::domain::budget::{self, BudgetCategory, BudgetLine};
use crate::domain::state::ProjectStatus;
use crate::domain::{text, Money};
use crate::error::{AppError, AppResult, Code, Problems};
use crate::service::bids::{BudgetLineInput, BudgetLineView};
use crate::service::{audit, mail, Ctx};
use serde::{Deserialize, Serialize};

#[derive(Serialize, utoipa::ToSchema)]
pub struct BudgetVersionView {
    pub project_id: i64,
    /// 1 is the bid's budget; each re-budget or approved change adds one.
    pub version: i32,
    pub lines: Vec<BudgetLineView>,
    pub total: Money,
    /// Why this version was made (empty for the bid's).
    pub reason: String,
    /// Every version there is, oldest first.
    pub versions: Vec<i32>,
    /// The approved amount differs from the budget in force and the project is not signed yet.
    pub rebase_required: bool,
}

pub(super) fn line_view(l: &StoredLine) -> BudgetLineView {
    BudgetLineView {
        category: l.category.clone(),
        category_label: BudgetCategory::parse(&l.category).map_or("其他", BudgetCategory::label),
        item: l.item.clone(),
        quantity: l.quantity.clone(),
        unit_price: l.unit_price.map(Money::from_fen),
        amount: Money::from_fen(l.amount),
        note: l.note.clone(),
    }
}

/// The bid's lines as version 1.
fn bid_lines(conn: &mut DbConn, p: &ProjectRow) -> AppResult<Vec<StoredLine>> {
    Ok(db::bids::lines_of(conn, &[p.bid_id])?
        .into_iter()
        .map(|l| StoredLine {
            category: l.category,
            item: l.item,
            quantity: l.quantity,
            unit_price: l.unit_price,
            amount: l.amount,
            note: l.note,
        })
        .collect())
}

/// Whether signing must wait for a re-budget: approved ≠ the budget in force, nothing stored.
pub(super) fn rebase_required(p: &ProjectRow, latest_total: i64) -> bool {
    p.signed_on.is_none() && latest_total != p.approved
}

/// The lines of the budget in force: the latest stored version's, or the bid's.
pub(super) fn in_force(conn: &mut DbConn, p: &ProjectRow) -> AppResult<Vec<StoredLine>> {
    match db::budgets::of(conn, &[p.id])?.pop() {
        Some(v) => Ok(v.stored_lines()),
        None => bid_lines(conn, p),
    }
}

/// The total of the budget in force: the latest stored version's, or the bid's lines'.
pub(super) fn total_in_force(conn: &mut DbConn, p: &ProjectRow) -> AppResult<i64> {
    match db::budgets::of(conn, &[p.id])?.pop() {
        Some(v) => Ok(v.total),
        None => Ok(bid_lines(conn, p)?.iter().map(|l| l.amount).sum()),
    }
}

/// `GET /api/v1/projects/{id}/budget?version=N`: one version (the latest by default).
pub fn get(conn: &mut DbConn, ctx: &Ctx, id: i64, version: Option<i32>) -> AppResult<BudgetVersionView> {
    let p = visible(conn, ctx, id)?;
    let stored = db::budgets::of(conn, &[p.id])?;
    let mut versions = vec![1];
    versions.extend(stored.iter().map(|v| v.version));
    let latest_total = match stored.last() {
        Some(v) => v.total,
        None => bid_lines(conn, &p)?.iter().map(|l| l.amount).sum(),
    };
    let want = version.unwrap_or(*versions.last().unwrap_or(&1));
    let (lines, reason) = match want {
        1 => (bid_lines(conn, &p)?, String::new()),
        n => match stored.iter().find(|v| v.version == n) {
            Some(v) => (v.stored_lines(), v.reason.clone()),
            None => return Err(AppError::from(Code::NoSuchVersion)),
        },
    };
    Ok(BudgetVersionView {
        project_id: p.id,
        version: want,
        total: Money::from_fen(lines.iter().map(|l| l.amount).sum()),
        lines: lines.iter().map(line_view).collect(),
        reason,
        versions,
        rebase_required: rebase_required(&p, latest_total),
    })
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct RebudgetInput {
    /// The budget lines, summing to the approved amount.
    pub budget_lines: Vec<BudgetLineInput>,
    /// Why (optional; 按核定金额调整 by default).
    #[serde(default)]
    pub reason: String,
}

/// The organisation re-enters its budget to the approved amount before signing (项目优化): the
/// lines must add up to it and keep the call's caps; a new version is stored.
pub fn rebudget(conn: &mut DbConn, ctx: &Ctx, id: i64, input: &RebudgetInput) -> AppResult<BudgetVersionView> {
    let a = ctx.require(&[Role::Org])?.clone();
    let p = visible(conn, ctx, id)?;
    let call = db::calls::find(conn, p.call_id)?.ok_or_else(AppError::not_found)?;
    let mut pr = Problems::default();
    let lines = crate::service::bids::parse_lines(&mut pr, &input.budget_lines);
    let reason = match input.reason.trim() {
        "" => Some("按核定金额调整预算（项目优化）".to_string()),
        r => pr.take("reason", text::paragraph(r, 500), |e| (e.code().into(), e.message())),
    };
    let mut rules = crate::service::bids::budget_rules(&call);
    // The approved amount is what the lines answer to; the call's grant range no longer applies.
    (rules.min_grant, rules.max_grant) = (Money::ZERO, Money::from_fen(i64::MAX));
    let checked: Vec<BudgetLine> = lines
        .iter()
        .filter_map(|l| {
            BudgetCategory::parse(&l.category).map(|c| BudgetLine { category: c, amount: Money::from_fen(l.amount) })
        })
        .collect();
    if pr.is_empty() {
        for v in budget::check(&rules, Money::from_fen(p.approved), &checked) {
            let message = v.message.replace("申请金额", "核定金额");
            pr.add(&v.field, v.code, message);
        }
    }
    pr.finish()?;
    if !ProjectStatus::Active.is(&p.status) {
        return Err(
            Code::WrongStatus.says(format!("项目当前状态为“{}”，不能调整预算", ProjectStatus::label_of(&p.status)))
        );
    }
    if p.signed_on.is_some() {
        return Err(AppError::from(Code::BudgetLocked));
    }
    let stored: Vec<StoredLine> = lines.into_iter().map(StoredLine::from).collect();
    let reason = reason.unwrap_or_default();
    let staff = jobs::responsible_staff(conn, p.id)?;
    let version = db::write_tx(conn, |c| {
        // Under the project's row: a signing cannot slip in between the check and the write.
        if db::projects::hold_unsigned(c, p.id)? != 1 {
            return Err(AppError::from(Code::BudgetLocked));
        }
        let version = db::budgets::add(c, p.id, &stored, &reason, a.id, db_time(ctx.now))?;
        audit::record(
            c,
            ctx,
            "project.rebudget",
            "project",
            Some(p.id),
            serde_json::json!({"version": version, "total": Money::from_fen(p.approved), "reason": reason}),
        )?;
        for to in &staff {
            mail::queue(c, ctx, mail::project_rebudgeted(to, &p.agreement_no, version, Money::from_fen(p.approved)))?;
        }
        Ok(version)
    })?;
    get(conn, ctx, id, Some(version))
}

/// The latest stored version per project (for views of many projects at once).
pub(super) fn latest(rows: &[BudgetRow], project_id: i64) -> Option<&BudgetRow> {
    rows.iter().filter(|r| r.project_id == project_id).max_by_key(|r| r.version)
}

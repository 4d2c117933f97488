//! 项目变更: the organisation asks to change its team, venue, beneficiaries, schedule or budget;
//! staff decide, and finance too when a budget change moves more than the call's share of the
//! approved amount between categories. The total never changes; an approved budget change is a
//! new budget version, an approved schedule change moves the final evaluation.

use super::{jobs, visible};
use crate::clock::{db_time, local_date, rfc3339_local};
use crate::db::budgets::StoredLine;
use crate::db::changes::{ChangeRow, NewChange};
use crate::db::projects::ProjectRow;
use crate::db::{self, DbConn};
use crate::domain::account::Role;
use crate::domain::budget::{self, BudgetCategory, BudgetLine};
use crate::domain::change::{self, Kind, Status};
use crate::domain::state::ProjectStatus;
use crate::domain::{text, Money};
use crate::error::{AppError, AppResult, Code, Problems};
use crate::service::bids::{BudgetLineInput, BudgetLineView};
use crate::service::{audit, mail, Ctx};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Serialize, utoipa::ToSchema)]
pub struct ChangeView {
    pub id: i64,
    pub project_id: i64,
    /// team · venue · beneficiaries · schedule · budget
    pub kind: String,
    pub kind_label: &'static str,
    pub description: String,
    /// The proposed budget (a budget change).
    pub budget_lines: Vec<BudgetLineView>,
    /// The proposed last day (a schedule change).
    pub new_end_date: Option<NaiveDate>,
    /// What the budget change moves between categories.
    pub moved: Money,
    pub needs_finance: bool,
    /// pending · awaiting_finance · approved · rejected
    pub status: String,
    pub status_label: &'static str,
    pub staff_note: Option<String>,
    pub finance_note: Option<String>,
    /// The budget version an approved budget change made.
    pub budget_version: Option<i32>,
    pub created_at: String,
}

pub(super) fn view(c: &ChangeRow) -> ChangeView {
    let lines: Vec<StoredLine> =
        c.budget_lines.as_deref().and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default();
    ChangeView {
        id: c.id,
        project_id: c.project_id,
        kind: c.kind.clone(),
        kind_label: Kind::parse(&c.kind).map_or("变更", Kind::label),
        description: c.description.clone(),
        budget_lines: lines.iter().map(super::budget::line_view).collect(),
        new_end_date: c.new_end_date,
        moved: Money::from_fen(c.moved),
        needs_finance: c.needs_finance,
        status: c.status.clone(),
        status_label: Status::parse(&c.status).map_or("", Status::label),
        staff_note: c.staff_note.clone(),
        finance_note: c.finance_note.clone(),
        budget_version: c.budget_version,
        created_at: rfc3339_local(c.created_at.and_utc()),
    }
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct ChangeInput {
    /// team · venue · beneficiaries · schedule · budget
    pub kind: String,
    /// What changes and why.
    pub description: String,
    /// A budget change: the whole new budget, summing to the approved amount.
    pub budget_lines: Option<Vec<BudgetLineInput>>,
    /// A schedule change: the new last day (YYYY-MM-DD).
    pub new_end_date: Option<String>,
}

/// At most this many undecided requests per project.
const MAX_OPEN: i64 = 5;

/// The organisation files a change request on its active project.
pub fn file(conn: &mut DbConn, ctx: &Ctx, project_id: i64, input: &ChangeInput) -> AppResult<ChangeView> {
    let a = ctx.require(&[Role::Org])?.clone();
    let p = visible(conn, ctx, project_id)?;
    let mut pr = Problems::default();
    let kind = Kind::parse(input.kind.trim());
    if kind.is_none() {
        pr.add("kind", "invalid_kind", "变更类型应为 team、venue、beneficiaries、schedule 或 budget");
    }
    let description =
        pr.take("description", text::paragraph(&input.description, 2000), |e| (e.code().into(), e.message()));
    if description.as_deref().is_some_and(|d| d.trim().is_empty()) {
        pr.add("description", "required", "请说明变更的内容和理由");
    }
    let terms = crate::service::calls::scoring_design(conn, p.call_id)?.terms;
    let mut stored: Vec<StoredLine> = Vec::new();
    let mut moved = 0;
    let mut new_end = None;
    match kind {
        Some(Kind::Budget) => match &input.budget_lines {
            None => pr.add("budget_lines", "required", "预算调整须填写调整后的全部预算明细"),
            Some(given) => {
                let lines = crate::service::bids::parse_lines(&mut pr, given);
                let call = db::calls::find(conn, p.call_id)?.ok_or_else(AppError::not_found)?;
                let mut rules = crate::service::bids::budget_rules(&call);
                (rules.min_grant, rules.max_grant) = (Money::ZERO, Money::from_fen(i64::MAX));
                let checked: Vec<BudgetLine> = lines
                    .iter()
                    .filter_map(|l| {
                        BudgetCategory::parse(&l.category)
                            .map(|c| BudgetLine { category: c, amount: Money::from_fen(l.amount) })
                    })
                    .collect();
                if pr.is_empty() {
                    for v in budget::check(&rules, Money::from_fen(p.approved), &checked) {
                        // Changes move money between lines; the total stays the approved amount.
                        let code = if v.code == "budget_sum_mismatch" { "total_changed" } else { v.code };
                        pr.add(&v.field, code, v.message.replace("申请金额", "核定金额"));
                    }
                }
                let before: Vec<(BudgetCategory, i64)> = super::budget::in_force(conn, &p)?
                    .iter()
                    .filter_map(|l| BudgetCategory::parse(&l.category).map(|c| (c, l.amount)))
                    .collect();
                let after: Vec<(BudgetCategory, i64)> = checked.iter().map(|l| (l.category, l.amount.fen())).collect();
                moved = change::moved(&before, &after);
                stored = lines.into_iter().map(StoredLine::from).collect();
            }
        },
        Some(Kind::Schedule) => match input.new_end_date.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => pr.add("new_end_date", "required", "实施周期变更须填写新的结束日期"),
            Some(d) => match pr.date("new_end_date", d) {
                Some(d) if d < local_date(ctx.now) => {
                    pr.add("new_end_date", "date_in_past", "新的结束日期不能早于今天")
                }
                d => new_end = d,
            },
        },
        _ => {}
    }
    pr.finish()?;
    let kind = kind.ok_or_else(|| AppError::internal("validated kind lost"))?;
    if !ProjectStatus::Active.is(&p.status) {
        return Err(
            Code::WrongStatus.says(format!("项目当前状态为“{}”，不能申请变更", ProjectStatus::label_of(&p.status)))
        );
    }
    if db::changes::open_count(conn, p.id)? >= MAX_OPEN {
        return Err(Code::WrongStatus.says(format!("尚有 {MAX_OPEN} 项变更申请未审结，请等待审核后再申请")));
    }
    let needs_finance = kind == Kind::Budget && change::needs_finance(moved, p.approved, terms.change_finance_pct);
    let json = (kind == Kind::Budget).then(|| serde_json::to_string(&stored).unwrap_or_default());
    let description = description.unwrap_or_default();
    let mut to = jobs::responsible_staff(conn, p.id)?;
    if needs_finance {
        to.extend(jobs::finance_emails(conn)?);
    }
    let id = db::write_tx(conn, |c| {
        let id = db::changes::insert(
            c,
            &NewChange {
                project_id: p.id,
                kind: kind.as_str(),
                description: &description,
                budget_lines: json.as_deref(),
                new_end_date: new_end,
                moved,
                needs_finance,
                status: Status::Pending.as_str(),
                created_by: a.id,
                created_at: db_time(ctx.now),
            },
        )?;
        audit::record(
            c,
            ctx,
            "change.file",
            "project",
            Some(p.id),
            serde_json::json!({"change_id": id, "kind": kind.as_str(), "moved": Money::from_fen(moved), "needs_finance": needs_finance, "new_end_date": new_end}),
        )?;
        for t in &to {
            mail::queue(c, ctx, mail::change_filed(t, &p.agreement_no, kind.label(), needs_finance))?;
        }
        Ok(id)
    })?;
    let row = db::changes::find(conn, id)?.ok_or_else(AppError::not_found)?;
    Ok(view(&row))
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct DecisionInput {
    pub approved: bool,
    /// Required when not approved.
    #[serde(default)]
    pub note: String,
}

fn decision_note(input: &DecisionInput) -> AppResult<String> {
    if input.note.trim().is_empty() {
        return match input.approved {
            true => Ok(String::new()),
            false => Err(AppError::invalid_field("note", "required", "不同意时请说明理由")),
        };
    }
    text::paragraph(&input.note, 2000).map_err(|e| AppError::invalid_field("note", e.code(), e.message()))
}

fn load(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<(ChangeRow, ProjectRow)> {
    let ch = db::changes::find(conn, id)?.ok_or_else(AppError::not_found)?;
    let p = visible(conn, ctx, ch.project_id)?;
    Ok((ch, p))
}

/// Staff decide (`POST /api/v1/changes/{id}/decision`): approved goes to finance when the budget
/// move needs it, else takes effect; not approved ends it.
pub fn decide(conn: &mut DbConn, ctx: &Ctx, id: i64, input: &DecisionInput) -> AppResult<ChangeView> {
    let a = ctx.require(&[Role::Staff])?.clone();
    let (ch, p) = load(conn, ctx, id)?;
    let note = decision_note(input)?;
    if ch.status != Status::Pending.as_str() {
        return Err(Code::WrongStatus.says("该变更申请已审核"));
    }
    let to = Status::after_staff(input.approved, ch.needs_finance);
    let org = db::organisations::find(conn, p.organisation_id)?.ok_or_else(AppError::not_found)?;
    let finance = if to == Status::AwaitingFinance { jobs::finance_emails(conn)? } else { Vec::new() };
    db::write_tx(conn, |c| {
        if db::changes::staff_decide(c, id, to.as_str(), &note, a.id, db_time(ctx.now))? != 1 {
            return Err(Code::WrongStatus.says("该变更申请已审核"));
        }
        if to == Status::Approved {
            take_effect(c, ctx, &ch, &p)?;
        }
        audit::record(
            c,
            ctx,
            "change.decide",
            "project",
            Some(p.id),
            serde_json::json!({"change_id": id, "approved": input.approved, "status": to.as_str(), "note": note}),
        )?;
        let kind = Kind::parse(&ch.kind).map_or("变更", Kind::label);
        mail::queue(c, ctx, mail::change_decided(&org.email, &org.name, &p.agreement_no, kind, to.label(), &note))?;
        for f in &finance {
            mail::queue(c, ctx, mail::change_filed(f, &p.agreement_no, kind, true))?;
        }
        Ok(())
    })?;
    let row = db::changes::find(conn, id)?.ok_or_else(AppError::not_found)?;
    Ok(view(&row))
}

/// Finance decide a large budget move staff approved (`POST /api/v1/changes/{id}/finance`).
pub fn finance(conn: &mut DbConn, ctx: &Ctx, id: i64, input: &DecisionInput) -> AppResult<ChangeView> {
    let a = ctx.require(&[Role::Finance])?.clone();
    let (ch, p) = load(conn, ctx, id)?;
    let note = decision_note(input)?;
    if ch.status != Status::AwaitingFinance.as_str() {
        return Err(Code::WrongStatus.says("该变更申请不在财务审核阶段"));
    }
    let to = if input.approved { Status::Approved } else { Status::Rejected };
    let org = db::organisations::find(conn, p.organisation_id)?.ok_or_else(AppError::not_found)?;
    let staff = jobs::responsible_staff(conn, p.id)?;
    db::write_tx(conn, |c| {
        if db::changes::finance_decide(c, id, to.as_str(), &note, a.id, db_time(ctx.now))? != 1 {
            return Err(Code::WrongStatus.says("该变更申请不在财务审核阶段"));
        }
        if to == Status::Approved {
            take_effect(c, ctx, &ch, &p)?;
        }
        audit::record(
            c,
            ctx,
            "change.finance",
            "project",
            Some(p.id),
            serde_json::json!({"change_id": id, "approved": input.approved, "note": note}),
        )?;
        let kind = Kind::parse(&ch.kind).map_or("变更", Kind::label);
        mail::queue(c, ctx, mail::change_decided(&org.email, &org.name, &p.agreement_no, kind, to.label(), &note))?;
        for s in &staff {
            mail::queue(c, ctx, mail::change_decided(s, "工作人员", &p.agreement_no, kind, to.label(), &note))?;
        }
        Ok(())
    })?;
    let row = db::changes::find(conn, id)?.ok_or_else(AppError::not_found)?;
    Ok(view(&row))
}

/// An approved change in the caller's transaction: a budget change becomes the next budget
/// version, a schedule change moves the final evaluation.
fn take_effect(c: &mut DbConn, ctx: &Ctx, ch: &ChangeRow, p: &ProjectRow) -> AppResult<()> {
    if !ProjectStatus::Active.is(&p.status) {
        return Err(Code::WrongStatus.says("项目已不在执行中，变更不能生效"));
    }
    match Kind::parse(&ch.kind) {
        Some(Kind::Budget) => {
            let lines: Vec<StoredLine> =
                ch.budget_lines.as_deref().and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default();
            let reason = format!("变更申请 #{}：{}", ch.id, ch.description.chars().take(100).collect::<String>());
            let v = db::budgets::add(c, p.id, &lines, &reason, ch.created_by, db_time(ctx.now))?;
            db::changes::set_budget_version(c, ch.id, v)?;
        }
        Some(Kind::Schedule) => {
            if let Some(end) = ch.new_end_date {
                let terms = crate::service::calls::scoring_design(c, p.call_id)?.terms;
                db::projects::move_final(c, p.id, terms.final_due(end))?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// The changes of one project, as its readers see them.
pub fn of_project(conn: &mut DbConn, ctx: &Ctx, project_id: i64) -> AppResult<Vec<ChangeView>> {
    visible(conn, ctx, project_id)?;
    Ok(db::changes::of(conn, &[project_id])?.iter().map(view).collect())
}

//! Funded projects: their views and lists here; signing, reports and verification in
//! `milestones`; payments, rectification and termination in `money`; the timed jobs in `jobs`.

pub mod agreement;
pub mod budget;
pub mod changes;
pub mod closure;
pub mod evaluators;
mod jobs;
mod milestones;
mod money;
pub use jobs::*;
pub use milestones::*;
pub use money::*;

use super::{audit, mail, Ctx};
use crate::clock::db_time;
use crate::db::projects::{MilestoneRow, ProjectRow};
use crate::db::{self, DbConn};
use crate::domain::account::Role;
use crate::domain::budget::BudgetCategory;
use crate::domain::milestone::Grade;
use crate::domain::state::{MilestoneStatus, ProjectStatus, TrancheStatus};
use crate::domain::{text, Money};
use crate::error::{AppError, AppResult, Problems};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

#[derive(Serialize, utoipa::ToSchema)]
pub struct TrancheView {
    pub seq: i32,
    pub milestone_id: Option<i64>,
    pub pct: i32,
    pub amount: Money,
    pub paid: Money,
    /// What is still to be paid of this tranche.
    pub remaining: Money,
    /// `locked` (milestone not verified) · `payable` · `paid` · `suspended` · `cancelled`
    pub status: &'static str,
    pub status_label: &'static str,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PaymentView {
    pub id: i64,
    pub tranche_seq: i32,
    pub milestone_id: i64,
    pub amount: Money,
    pub paid_on: NaiveDate,
    /// The bank or treasury voucher number.
    pub reference: String,
    pub recorded_at: String,
}

impl PaymentView {
    /// `2027-03-20 10:05`, as the page shows when it was recorded.
    pub fn recorded_display(&self) -> String {
        self.recorded_at.chars().take(16).collect::<String>().replace('T', " ")
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MilestoneView {
    pub id: i64,
    pub title: String,
    /// signing · midterm · final · custom
    pub kind: String,
    pub due_date: NaiveDate,
    /// pending · overdue (pending after its due date) · reported · verified
    pub status: String,
    pub status_label: &'static str,
    /// Pending or overdue: the organisation may report it.
    pub reportable: bool,
    pub grade: Option<String>,
    pub note: Option<String>,
    pub report_text: Option<String>,
    /// Evidence attached to the report.
    pub attachments: Vec<super::attachments::AttachmentView>,
    /// An evaluation scored on the call's indicators: the points per indicator.
    pub scores: Vec<ScoreInput>,
    /// Their total (a decimal string); null when not scored on indicators.
    pub total: Option<String>,
    /// The evaluator's site-visit notes (实地走访记录), given with the scores.
    pub site_visit: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ProjectView {
    pub id: i64,
    pub bid_id: i64,
    pub call_id: i64,
    pub organisation_id: i64,
    pub agreement_no: String,
    pub approved_amount: Money,
    pub paid_amount: Money,
    /// All matching money (配套资金): what the bid declared plus grants from social-welfare funds.
    pub matching_funds: Money,
    /// The part of `matching_funds` granted by social-welfare funds.
    pub welfare_matching: Money,
    pub title: String,
    pub organisation: String,
    /// The pool's (town's) name.
    pub pool: String,
    /// active · suspended (a failed evaluation) · completed (结项) · terminated
    pub status: String,
    pub status_label: &'static str,
    pub signed_on: Option<NaiveDate>,
    /// To recover after an early termination (paid beyond what verified milestones earned).
    pub clawback_amount: Money,
    pub end_note: Option<String>,
    pub tranches: Vec<TrancheView>,
    pub milestones: Vec<MilestoneView>,
    /// Budget against the latest reported spending, per category.
    pub budget: Vec<BudgetUse>,
    /// Every payment recorded, oldest first, with its voucher reference.
    pub payments: Vec<PaymentView>,
    /// What happens next, in one sentence (for the organisation's list).
    pub next_step: String,
    pub overdue: bool,
    pub payable: bool,
    /// The final accounts filed for 结项 and, once closed, the refund; null before filing.
    pub closure: Option<closure::ClosureView>,
    /// The budget version in force (1: the bid's; `GET …/budget?version=N` reads any).
    pub budget_version: i32,
    /// Approved below the budget in force and not yet signed: the organisation re-budgets first.
    pub rebase_required: bool,
    /// Change requests (项目变更), oldest first, decided or not.
    pub changes: Vec<changes::ChangeView>,
    /// Third-party evaluators assigned to the project.
    pub evaluators: Vec<evaluators::EvaluatorView>,
}

impl ProjectView {
    /// Active with its final evaluation passed and not yet closed: the final accounts may be
    /// filed (again).
    pub fn closure_open(&self) -> bool {
        self.status == ProjectStatus::Active.as_str()
            && self.milestones.iter().any(|m| {
                m.kind == "final"
                    && MilestoneStatus::Verified.is(&m.status)
                    && m.grade.as_deref() != Some(Grade::Fail.label())
            })
            && self.closure.as_ref().is_none_or(|c| c.closed_at.is_none())
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BudgetUse {
    pub category: String,
    pub label: &'static str,
    pub budgeted: Money,
    pub spent: Money,
    /// Spent more than budgeted in this category.
    pub overspent: bool,
}

/// What a project view needs besides its own rows, loaded in one query per kind for a page.
struct Related {
    names: std::collections::HashMap<i64, db::projects::ProjectNames>,
    lines: Vec<db::bids::LineRow>,
    actuals: Vec<(i64, String, i64)>,
    evidence: Vec<db::attachments::AttachmentRow>,
    payments: Vec<db::projects::PaymentRow>,
    closures: Vec<db::closures::ClosureRow>,
    budgets: Vec<db::budgets::BudgetRow>,
    changes: Vec<db::changes::ChangeRow>,
    /// Evaluations scored on indicators.
    scores: Vec<db::projects::Scored>,
    evaluators: Vec<db::evaluators::Assigned>,
}

fn related(conn: &mut DbConn, rows: &[ProjectRow], milestone_ids: &[i64]) -> AppResult<Related> {
    let ids: Vec<i64> = rows.iter().map(|p| p.id).collect();
    let bid_ids: Vec<i64> = rows.iter().map(|p| p.bid_id).collect();
    Ok(Related {
        names: db::projects::names_of(conn, &ids)?.into_iter().map(|n| (n.project_id, n)).collect(),
        lines: db::bids::lines_of(conn, &bid_ids)?,
        actuals: db::projects::latest_actuals(conn, &ids)?,
        evidence: db::attachments::of_milestones(conn, milestone_ids)?,
        payments: db::projects::payments_of(conn, &ids)?,
        closures: db::closures::of(conn, &ids)?,
        budgets: db::budgets::of(conn, &ids)?,
        changes: db::changes::of(conn, &ids)?,
        scores: db::projects::scores_of(conn, milestone_ids)?,
        evaluators: db::evaluators::of(conn, &ids)?,
    })
}

fn view(
    p: &ProjectRow,
    ms: &[MilestoneRow],
    tranches: &[db::projects::TrancheRow],
    rel: &Related,
    today: NaiveDate,
) -> ProjectView {
    let ms: Vec<&MilestoneRow> = ms.iter().filter(|m| m.project_id == p.id).collect();
    let names = rel.names.get(&p.id);
    let budget = budget_use(p, rel);
    // A closed or ended project has nothing overdue and nothing left to report.
    let running = ProjectStatus::parse(&p.status).is_some_and(|s| ProjectStatus::RUNNING.contains(&s));
    let mut v = ProjectView {
        id: p.id,
        bid_id: p.bid_id,
        call_id: p.call_id,
        organisation_id: p.organisation_id,
        agreement_no: p.agreement_no.clone(),
        approved_amount: Money::from_fen(p.approved),
        paid_amount: Money::from_fen(p.paid),
        matching_funds: Money::from_fen(names.map_or(0, |n| n.matching) + p.welfare_matching),
        welfare_matching: Money::from_fen(p.welfare_matching),
        title: names.map(|n| n.title.clone()).unwrap_or_default(),
        organisation: names.map(|n| n.organisation.clone()).unwrap_or_default(),
        pool: names.map(|n| n.pool.clone()).unwrap_or_default(),
        status: p.status.clone(),
        status_label: ProjectStatus::label_of(&p.status),
        signed_on: p.signed_on,
        clawback_amount: Money::from_fen(p.clawback),
        end_note: p.end_note.clone(),
        tranches: tranche_views(p, &ms, tranches),
        milestones: ms.iter().map(|m| milestone_view(m, rel, today, running)).collect(),
        budget,
        payments: rel
            .payments
            .iter()
            .filter(|x| x.project_id == p.id)
            .map(|x| PaymentView {
                id: x.id,
                tranche_seq: x.tranche_seq,
                milestone_id: x.milestone_id,
                amount: Money::from_fen(x.amount),
                paid_on: x.paid_on,
                reference: x.reference.clone(),
                recorded_at: crate::clock::rfc3339_local(x.created_at.and_utc()),
            })
            .collect(),
        next_step: String::new(),
        overdue: false,
        payable: false,
        closure: rel.closures.iter().find(|c| c.project_id == p.id).map(|c| closure::view(p, c)),
        budget_version: budget::latest(&rel.budgets, p.id).map_or(1, |b| b.version),
        rebase_required: false,
        changes: rel.changes.iter().filter(|c| c.project_id == p.id).map(changes::view).collect(),
        evaluators: rel.evaluators.iter().filter(|e| e.0 == p.id).cloned().map(evaluators::view).collect(),
    };
    v.rebase_required = budget::rebase_required(p, v.budget.iter().map(|b| b.budgeted.fen()).sum());
    v.overdue = v.milestones.iter().any(|m| m.status == "overdue");
    v.payable = v.tranches.iter().any(|t| t.status == "payable");
    v.next_step = next_step(&v);
    v
}

/// The approved budget per category beside what the latest report says was spent.
fn budget_use(p: &ProjectRow, rel: &Related) -> Vec<BudgetUse> {
    let mut budget: Vec<BudgetUse> = Vec::new();
    // The latest version in force, else the bid's own lines (version 1).
    let lines: Vec<(String, i64)> = match budget::latest(&rel.budgets, p.id) {
        Some(v) => v.stored_lines().into_iter().map(|l| (l.category, l.amount)).collect(),
        None => rel.lines.iter().filter(|l| l.bid_id == p.bid_id).map(|l| (l.category.clone(), l.amount)).collect(),
    };
    for (category, amount) in &lines {
        let l = (category, *amount);
        match budget.iter_mut().find(|b| b.category == *l.0) {
            Some(b) => b.budgeted = Money::from_fen(b.budgeted.fen() + l.1),
            None => budget.push(BudgetUse {
                category: l.0.clone(),
                label: BudgetCategory::parse(l.0).map_or("其他", BudgetCategory::label),
                budgeted: Money::from_fen(l.1),
                spent: Money::ZERO,
                overspent: false,
            }),
        }
    }
    // Once the final accounts are filed they are what was spent; before, the latest report.
    let closing: Option<Vec<(i64, String, i64)>> = rel.closures.iter().find(|c| c.project_id == p.id).map(|c| {
        serde_json::from_str::<Vec<closure::AccountLine>>(&c.final_accounts)
            .unwrap_or_default()
            .into_iter()
            .map(|l| (p.id, l.category, Money::parse(&l.amount).map(|m| m.fen()).unwrap_or(0)))
            .collect()
    });
    let actuals: Vec<&(i64, String, i64)> = match &closing {
        Some(lines) => lines.iter().collect(),
        None => rel.actuals.iter().filter(|x| x.0 == p.id).collect(),
    };
    for (_, c, a) in actuals {
        match budget.iter_mut().find(|b| b.category == *c) {
            Some(b) => b.spent = Money::from_fen(*a),
            None => budget.push(BudgetUse {
                category: c.clone(),
                label: BudgetCategory::parse(c).map_or("其他", BudgetCategory::label),
                budgeted: Money::ZERO,
                spent: Money::from_fen(*a),
                overspent: false,
            }),
        }
    }
    for b in &mut budget {
        b.overspent = b.spent > b.budgeted;
    }
    budget
}

fn tranche_views(p: &ProjectRow, ms: &[&MilestoneRow], tranches: &[db::projects::TrancheRow]) -> Vec<TrancheView> {
    tranches
        .iter()
        .filter(|t| t.0 == p.id)
        .map(|&(_, seq, pct, amount, paid)| {
            let m = ms.iter().find(|m| m.tranche_seq == Some(seq));
            let status = TrancheStatus::of(
                ProjectStatus::parse(&p.status),
                m.and_then(|m| MilestoneStatus::parse(&m.status)),
                paid >= amount,
            );
            TrancheView {
                seq,
                milestone_id: m.map(|m| m.id),
                pct,
                amount: Money::from_fen(amount),
                paid: Money::from_fen(paid),
                remaining: Money::from_fen((amount - paid).max(0)),
                status: status.as_str(),
                status_label: status.label(),
            }
        })
        .collect()
}

fn milestone_view(m: &MilestoneRow, rel: &Related, today: NaiveDate, running: bool) -> MilestoneView {
    let pending = running && MilestoneStatus::Pending.is(&m.status);
    // Overdue from the day after the due date (local), as long as nothing was reported.
    let overdue = pending && m.kind != "signing" && today > m.due_date;
    MilestoneView {
        id: m.id,
        title: m.title.clone(),
        kind: m.kind.clone(),
        due_date: m.due_date,
        status: if overdue { "overdue".into() } else { m.status.clone() },
        status_label: MilestoneStatus::shown(&m.status, overdue),
        reportable: pending && m.kind != "signing",
        grade: m.grade.clone(),
        note: m.note.clone(),
        report_text: m.report_text.clone(),
        attachments: rel
            .evidence
            .iter()
            .filter(|a| a.milestone_id == Some(m.id))
            .map(super::attachments::view)
            .collect(),
        scores: rel
            .scores
            .iter()
            .find(|s| s.0 == m.id)
            .and_then(|s| serde_json::from_str(&s.1).ok())
            .unwrap_or_default(),
        total: rel
            .scores
            .iter()
            .find(|s| s.0 == m.id)
            .map(|s| rust_decimal::Decimal::new(s.2, 2).normalize().to_string()),
        site_visit: rel.scores.iter().find(|s| s.0 == m.id).and_then(|s| s.3.clone()),
    }
}

fn next_step(v: &ProjectView) -> String {
    match v.status.as_str() {
        "terminated" => return "项目已终止".into(),
        "completed" => return "项目已结项".into(),
        "suspended" => return "评估不合格，拨付暂停，等待民政部门决定整改或终止".into(),
        _ => {}
    }
    if v.rebase_required {
        return "核定金额低于申请金额：请社会组织按核定金额调整预算后签约".into();
    }
    if v.signed_on.is_none() {
        return "等待签订项目协议".into();
    }
    match v.milestones.iter().filter(|m| m.kind != "signing").find(|m| !MilestoneStatus::Verified.is(&m.status)) {
        Some(m) if MilestoneStatus::Reported.is(&m.status) => format!("“{}”已报告，等待核验", m.title),
        Some(m) if m.status == "overdue" => format!("“{}”已逾期（应于 {} 前报告），请尽快提交", m.title, m.due_date),
        Some(m) => format!("请于 {} 前提交“{}”报告", m.due_date, m.title),
        None if v.closure.is_some() => "决算已提交，等待民政部门结项".into(),
        None => "请提交决算，申请结项".into(),
    }
}

/// The project if the actor may see it: its organisation, staff (town staff their town's pool),
/// finance, its assigned evaluators; 404 otherwise.
pub(crate) fn visible(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<ProjectRow> {
    let a = ctx.require(&Role::ALL)?;
    let p = db::projects::find(conn, id)?.ok_or_else(AppError::not_found)?;
    let ok = match a.role {
        Role::Org => a.organisation_id == Some(p.organisation_id),
        Role::Finance => true,
        Role::Staff => {
            let bid = db::bids::find(conn, p.bid_id)?.ok_or_else(AppError::not_found)?;
            let pool = db::calls::find_pool(conn, bid.pool_id)?.ok_or_else(AppError::not_found)?;
            a.in_scope(&pool.region_code)
        }
        Role::Evaluator => db::evaluators::is_assigned(conn, p.id, a.id)?,
        _ => false,
    };
    if ok {
        Ok(p)
    } else {
        Err(AppError::not_found())
    }
}

pub fn get(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<ProjectView> {
    let p = visible(conn, ctx, id)?;
    views(conn, ctx, vec![p])?.pop().ok_or_else(AppError::not_found)
}

fn views(conn: &mut DbConn, ctx: &Ctx, rows: Vec<ProjectRow>) -> AppResult<Vec<ProjectView>> {
    let ids: Vec<i64> = rows.iter().map(|p| p.id).collect();
    let ms = db::projects::milestones_of(conn, &ids)?;
    let t = db::projects::tranches_of(conn, &ids)?;
    let mids: Vec<i64> = ms.iter().map(|m| m.id).collect();
    let rel = related(conn, &rows, &mids)?;
    let today = crate::clock::local_date(ctx.now);
    Ok(rows.iter().map(|p| view(p, &ms, &t, &rel, today)).collect())
}

#[derive(Deserialize, Default, Clone, utoipa::IntoParams)]
pub struct ProjectFilter {
    /// active · suspended · completed · terminated
    pub status: Option<String>,
    /// Only projects with an overdue milestone.
    #[serde(default)]
    pub overdue: bool,
    /// Only projects with a tranche ready to pay.
    #[serde(default)]
    pub payable: bool,
    /// Return projects with an id greater than this (keyset paging).
    pub after: Option<i64>,
    /// Rows per page, 1–100 (default 50).
    pub limit: Option<i64>,
}

/// Projects: an organisation its own; staff (town staff their town's) and finance all; an
/// evaluator those assigned to it; filtered and paged in SQL.
pub fn list(conn: &mut DbConn, ctx: &Ctx, f: &ProjectFilter) -> AppResult<Vec<ProjectView>> {
    let a = ctx.require(&[Role::Org, Role::Staff, Role::Finance, Role::Evaluator])?.clone();
    let org = if a.role == Role::Org { Some(a.organisation_id.unwrap_or(-1)) } else { None };
    let rows = db::projects::list(
        conn,
        &db::projects::ProjectQuery {
            org,
            region_prefix: a.region_scope(),
            evaluator: (a.role == Role::Evaluator).then_some(a.id),
            status: f.status.as_deref(),
            overdue_on: f.overdue.then(|| crate::clock::local_date(ctx.now)),
            payable: f.payable,
            after_id: f.after.unwrap_or(0),
            limit: super::page_limit(f.limit),
        },
    )?;
    views(conn, ctx, rows)
}

//! Funded projects: signing, milestone reports and verification, and tranche payments.

use super::{audit, mail, Ctx};
use crate::clock::db_time;
use crate::db::projects::{MilestoneRow, ProjectRow};
use crate::db::{self, DbConn};
use crate::domain::account::Role;
use crate::domain::budget::BudgetCategory;
use crate::domain::milestone::Grade;
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
    /// `locked` (milestone not verified) · `payable` · `paid` · `suspended`
    pub status: &'static str,
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
    pub grade: Option<String>,
    pub note: Option<String>,
    pub report_text: Option<String>,
    /// Evidence attached to the report.
    pub attachments: Vec<super::attachments::AttachmentView>,
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
    pub title: String,
    pub organisation: String,
    /// The pool's (town's) name.
    pub pool: String,
    /// active · suspended (a failed evaluation) · terminated
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
    /// What happens next, in one sentence (for the organisation's list).
    pub next_step: String,
    pub overdue: bool,
    pub payable: bool,
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
}

fn related(conn: &mut DbConn, rows: &[ProjectRow], milestone_ids: &[i64]) -> AppResult<Related> {
    let ids: Vec<i64> = rows.iter().map(|p| p.id).collect();
    let bid_ids: Vec<i64> = rows.iter().map(|p| p.bid_id).collect();
    Ok(Related {
        names: db::projects::names_of(conn, &ids)?.into_iter().map(|n| (n.project_id, n)).collect(),
        lines: db::bids::lines_of(conn, &bid_ids)?,
        actuals: db::projects::latest_actuals(conn, &ids)?,
        evidence: db::attachments::of_milestones(conn, milestone_ids)?,
    })
}

fn status_label(s: &str) -> &'static str {
    match s {
        "active" => "执行中",
        "suspended" => "拨付暂停",
        "terminated" => "已终止",
        _ => "—",
    }
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
    let mut budget: Vec<BudgetUse> = Vec::new();
    for l in rel.lines.iter().filter(|l| l.bid_id == p.bid_id) {
        match budget.iter_mut().find(|b| b.category == l.category) {
            Some(b) => b.budgeted = Money::from_fen(b.budgeted.fen() + l.amount),
            None => budget.push(BudgetUse {
                category: l.category.clone(),
                label: BudgetCategory::parse(&l.category).map_or("其他", BudgetCategory::label),
                budgeted: Money::from_fen(l.amount),
                spent: Money::ZERO,
                overspent: false,
            }),
        }
    }
    for (_, c, a) in rel.actuals.iter().filter(|x| x.0 == p.id) {
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
    let mut v = ProjectView {
        id: p.id,
        bid_id: p.bid_id,
        call_id: p.call_id,
        organisation_id: p.organisation_id,
        agreement_no: p.agreement_no.clone(),
        approved_amount: Money::from_fen(p.approved),
        paid_amount: Money::from_fen(p.paid),
        title: names.map(|n| n.title.clone()).unwrap_or_default(),
        organisation: names.map(|n| n.organisation.clone()).unwrap_or_default(),
        pool: names.map(|n| n.pool.clone()).unwrap_or_default(),
        status: p.status.clone(),
        status_label: status_label(&p.status),
        signed_on: p.signed_on,
        clawback_amount: Money::from_fen(p.clawback),
        end_note: p.end_note.clone(),
        tranches: tranches
            .iter()
            .filter(|t| t.0 == p.id)
            .map(|&(_, seq, pct, amount, paid)| {
                let m = ms.iter().find(|m| m.tranche_seq == Some(seq));
                let status = match (m.map(|m| m.status.as_str()), paid >= amount) {
                    (_, true) => "paid",
                    _ if p.status == "terminated" => "cancelled",
                    _ if p.status == "suspended" => "suspended",
                    (Some("verified"), false) => "payable",
                    _ => "locked",
                };
                TrancheView {
                    seq,
                    milestone_id: m.map(|m| m.id),
                    pct,
                    amount: Money::from_fen(amount),
                    paid: Money::from_fen(paid),
                    status,
                }
            })
            .collect(),
        milestones: ms
            .iter()
            .map(|m| MilestoneView {
                id: m.id,
                title: m.title.clone(),
                kind: m.kind.clone(),
                due_date: m.due_date,
                // Overdue from the day after the due date (local), as long as nothing was reported.
                status: if m.status == "pending" && m.kind != "signing" && today > m.due_date {
                    "overdue".into()
                } else {
                    m.status.clone()
                },
                grade: m.grade.clone(),
                note: m.note.clone(),
                report_text: m.report_text.clone(),
                attachments: rel
                    .evidence
                    .iter()
                    .filter(|a| a.milestone_id == Some(m.id))
                    .map(super::attachments::view)
                    .collect(),
            })
            .collect(),
        budget,
        next_step: String::new(),
        overdue: false,
        payable: false,
    };
    v.overdue = v.milestones.iter().any(|m| m.status == "overdue");
    v.payable = v.tranches.iter().any(|t| t.status == "payable");
    v.next_step = next_step(&v);
    v
}

fn next_step(v: &ProjectView) -> String {
    match v.status.as_str() {
        "terminated" => return "项目已终止".into(),
        "suspended" => return "评估不合格，拨付暂停，等待民政部门决定整改或终止".into(),
        _ => {}
    }
    if v.signed_on.is_none() {
        return "等待签订项目协议".into();
    }
    match v.milestones.iter().filter(|m| m.kind != "signing").find(|m| m.status != "verified") {
        Some(m) if m.status == "reported" => format!("“{}”已报告，等待核验", m.title),
        Some(m) if m.status == "overdue" => format!("“{}”已逾期（应于 {} 前报告），请尽快提交", m.title, m.due_date),
        Some(m) => format!("请于 {} 前提交“{}”报告", m.due_date, m.title),
        None => "全部节点已完成".into(),
    }
}

/// The project if the actor may see it: its organisation, staff (town staff their town's pool),
/// finance; 404 otherwise.
fn visible(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<ProjectRow> {
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
    /// active · suspended · terminated
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

/// Projects: an organisation its own; staff (town staff their town's) and finance all; filtered
/// and paged in SQL.
pub fn list(conn: &mut DbConn, ctx: &Ctx, f: &ProjectFilter) -> AppResult<Vec<ProjectView>> {
    let a = ctx.require(&[Role::Org, Role::Staff, Role::Finance])?.clone();
    let org = if a.role == Role::Org { Some(a.organisation_id.unwrap_or(-1)) } else { None };
    let rows = db::projects::list(
        conn,
        &db::projects::ProjectQuery {
            org,
            region_prefix: a.region_scope(),
            status: f.status.as_deref(),
            overdue_on: f.overdue.then(|| crate::clock::local_date(ctx.now)),
            payable: f.payable,
            after_id: f.after.unwrap_or(0),
            limit: super::page_limit(f.limit),
        },
    )?;
    views(conn, ctx, rows)
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct SigningInput {
    /// `YYYY-MM-DD`
    pub signed_on: String,
}

/// Records the agreement's signing (staff): verifies the `signing` milestone, so its tranche
/// becomes payable.
pub fn sign(conn: &mut DbConn, ctx: &Ctx, id: i64, input: &SigningInput) -> AppResult<ProjectView> {
    let a = ctx.require(&[Role::Staff])?.clone();
    let p = visible(conn, ctx, id)?;
    let on = NaiveDate::parse_from_str(input.signed_on.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::invalid_field("signed_on", "invalid_date", "签订日期格式应为 YYYY-MM-DD"))?;
    if on > crate::clock::local_date(ctx.now) {
        return Err(AppError::invalid_field("signed_on", "date_in_future", "签订日期不能晚于今天"));
    }
    let ms = db::projects::milestones_of(conn, &[p.id])?;
    let signing = ms
        .iter()
        .find(|m| m.kind == "signing")
        .ok_or_else(|| AppError::internal("project without signing milestone"))?;
    db::write_tx(conn, |c| {
        if db::projects::set_signed(c, p.id, on)? != 1 {
            return Err(AppError::conflict("already_signed", "协议签订已登记"));
        }
        db::projects::verify(
            c,
            signing.id,
            &["pending", "reported"],
            "verified",
            None,
            Some("协议已签订"),
            a.id,
            db_time(ctx.now),
        )?;
        audit::record(c, ctx, "project.sign", "project", Some(p.id), serde_json::json!({"signed_on": on}))
    })?;
    get(conn, ctx, id)
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct ActualInput {
    pub category: String,
    /// Amount string in yuan.
    pub amount: String,
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct ReportInput {
    pub text: String,
    #[serde(default)]
    pub actuals: Vec<ActualInput>,
}

/// The organisation reports on a milestone: progress and spending so far by budget category.
pub fn report(conn: &mut DbConn, ctx: &Ctx, milestone_id: i64, input: &ReportInput) -> AppResult<ProjectView> {
    ctx.require(&[Role::Org])?;
    let m = db::projects::find_milestone(conn, milestone_id)?.ok_or_else(AppError::not_found)?;
    let p = visible(conn, ctx, m.project_id)?;
    let mut pr = Problems::default();
    let body = pr.take("text", text::paragraph(&input.text, 5000), |e| (e.code().into(), e.message()));
    let mut actuals = Vec::new();
    for (i, a) in input.actuals.iter().enumerate() {
        let cat = BudgetCategory::parse(&a.category);
        if cat.is_none() {
            pr.add(&format!("actuals[{i}].category"), "invalid_budget_category", "未知的预算科目");
        }
        let amt = pr.take(&format!("actuals[{i}].amount"), Money::parse(a.amount.trim()), |e| {
            (e.code().into(), e.message().into())
        });
        if let (Some(c), Some(v)) = (cat, amt) {
            if actuals.iter().any(|(k, _): &(String, i64)| k == c.as_str()) {
                pr.add(&format!("actuals[{i}].category"), "duplicate_category", "预算科目重复");
            }
            actuals.push((c.as_str().to_string(), v.fen()));
        }
    }
    pr.finish()?;
    if m.kind == "signing" {
        return Err(AppError::conflict("not_reportable", "协议签订由工作人员登记"));
    }
    if m.status != "pending" {
        return Err(AppError::conflict("wrong_status", "该节点已报告或已核验"));
    }
    let body = body.unwrap_or_default();
    db::write_tx(conn, |c| {
        if db::projects::report(c, m.id, &body, db_time(ctx.now), &actuals)? != 1 {
            return Err(AppError::conflict("wrong_status", "该节点已报告或已核验"));
        }
        audit::record(
            c,
            ctx,
            "milestone.report",
            "project",
            Some(p.id),
            serde_json::json!({"milestone_id": m.id, "actuals": actuals}),
        )
    })?;
    get(conn, ctx, p.id)
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct VerifyInput {
    pub accepted: bool,
    /// Evaluations (mid-term, final): 优秀 / 良好 / 合格 / 不合格.
    pub grade: Option<String>,
    pub note: Option<String>,
}

/// Staff verify a reported milestone: accepted → verified (its tranche payable); not accepted →
/// back to pending with the reason. A 不合格 evaluation suspends the project's payments.
pub fn verify(conn: &mut DbConn, ctx: &Ctx, milestone_id: i64, input: &VerifyInput) -> AppResult<ProjectView> {
    let a = ctx.require(&[Role::Staff])?.clone();
    let m = db::projects::find_milestone(conn, milestone_id)?.ok_or_else(AppError::not_found)?;
    let p = visible(conn, ctx, m.project_id)?;
    let mut pr = Problems::default();
    let evaluation = matches!(m.kind.as_str(), "midterm" | "final");
    let grade = match (input.grade.as_deref(), evaluation && input.accepted) {
        (Some(g), _) => {
            let parsed = Grade::parse(g);
            if parsed.is_none() {
                pr.add("grade", "invalid_grade", "评估等次应为 优秀、良好、合格 或 不合格");
            }
            parsed
        }
        (None, true) => {
            pr.add("grade", "grade_required", "评估须给出等次");
            None
        }
        (None, false) => None,
    };
    let note = match input.note.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(n) => pr.take("note", text::paragraph(n, 2000), |e| (e.code().into(), e.message())),
        None if !input.accepted => {
            pr.add("note", "reason_required", "退回须说明理由");
            None
        }
        None => None,
    };
    pr.finish()?;
    if m.status != "reported" {
        return Err(AppError::conflict("not_reported", "该节点尚未报告或已核验"));
    }
    let failed = grade == Some(Grade::Fail);
    db::write_tx(conn, |c| {
        let (to, g) = if input.accepted { ("verified", grade.map(Grade::label)) } else { ("pending", None) };
        if db::projects::verify(c, m.id, &["reported"], to, g, note.as_deref(), a.id, db_time(ctx.now))? != 1 {
            return Err(AppError::conflict("not_reported", "状态已变化，请刷新"));
        }
        if failed {
            db::projects::set_status(c, p.id, "suspended")?;
        }
        audit::record(
            c,
            ctx,
            "milestone.verify",
            "project",
            Some(p.id),
            serde_json::json!({"milestone_id": m.id, "accepted": input.accepted, "grade": g, "suspended": failed}),
        )
    })?;
    get(conn, ctx, p.id)
}

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
    let paid_on = match NaiveDate::parse_from_str(input.paid_on.trim(), "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            pr.add("paid_on", "invalid_date", "付款日期格式应为 YYYY-MM-DD");
            None
        }
    };
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
    let seq = m.tranche_seq.ok_or_else(|| AppError::conflict("no_tranche", "该节点不对应拨付批次"))?;
    if p.status == "suspended" {
        return Err(AppError::conflict("project_suspended", "项目评估不合格，拨付已暂停"));
    }
    if p.status == "terminated" {
        return Err(AppError::conflict("project_terminated", "项目已终止，不再拨付"));
    }
    if m.status != "verified" {
        return Err(AppError::conflict("tranche_not_payable", "该批次对应的节点尚未核验，不能拨付"));
    }
    let org = db::organisations::find(conn, p.organisation_id)?.ok_or_else(AppError::not_found)?;
    db::write_tx(conn, |c| {
        if !db::projects::pay(c, p.id, seq, amount.fen())? {
            // Tell apart a project that stopped meanwhile from an amount too large.
            return Err(match db::projects::find(c, p.id)?.map(|x| x.status) {
                Some(s) if s == "terminated" => AppError::conflict("project_terminated", "项目已终止，不再拨付"),
                Some(s) if s == "suspended" => AppError::conflict("project_suspended", "项目评估不合格，拨付已暂停"),
                _ => AppError::conflict("exceeds_tranche", "付款将超过该批次金额或项目核定金额"),
            });
        }
        let id = db::projects::insert_payment(
            c,
            p.id,
            m.id,
            seq,
            amount.fen(),
            paid_on,
            &reference,
            a.id,
            db_time(ctx.now),
        )?;
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
    let due = NaiveDate::parse_from_str(input.due_date.trim(), "%Y-%m-%d").ok();
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
    if p.status != "suspended" {
        return Err(AppError::conflict("not_suspended", "只有评估不合格、拨付暂停的项目才能整改"));
    }
    let failed = db::projects::milestones_of(conn, &[p.id])?
        .into_iter()
        .filter(|m| m.grade.as_deref() == Some(Grade::Fail.label()))
        .max_by_key(|m| m.seq)
        .ok_or_else(|| AppError::conflict("not_suspended", "没有不合格的评估"))?;
    let org = db::organisations::find(conn, p.organisation_id)?.ok_or_else(AppError::not_found)?;
    db::write_tx(conn, |c| {
        if db::projects::change_status(c, p.id, &["suspended"], "active")? != 1 {
            return Err(AppError::conflict("not_suspended", "项目状态已变化，请刷新"));
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
    ctx.require_district_staff()?;
    let p = visible(conn, ctx, id)?;
    let note = text::paragraph(&input.note, 2000)
        .map_err(|e| AppError::invalid_field("note", e.code(), format!("终止理由：{}", e.message())))?;
    if p.status == "terminated" {
        return Err(AppError::conflict("already_terminated", "项目已终止"));
    }
    let ms = db::projects::milestones_of(conn, &[p.id])?;
    let earned: i64 = db::projects::tranches_of(conn, &[p.id])?
        .iter()
        .filter(|t| {
            ms.iter().any(|m| {
                m.tranche_seq == Some(t.1) && m.status == "verified" && m.grade.as_deref() != Some(Grade::Fail.label())
            })
        })
        .map(|t| t.3)
        .sum();
    let names = db::projects::names_of(conn, &[p.id])?.pop().ok_or_else(AppError::not_found)?;
    let org = db::organisations::find(conn, p.organisation_id)?.ok_or_else(AppError::not_found)?;
    db::write_tx(conn, |c| {
        // Settled from the figures under the row lock: a payment may have landed since.
        let Some((approved, paid)) = db::projects::terminate(c, p.id, &note, db_time(ctx.now))? else {
            return Err(AppError::conflict("already_terminated", "项目已终止"));
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

/// The reminder job: 5 working days before a milestone's due date the organisation is reminded,
/// once. Returns how many were sent.
pub fn remind_due(conn: &mut DbConn, ctx: &Ctx) -> AppResult<usize> {
    let today = crate::clock::local_date(ctx.now);
    let cal = crate::domain::calendar::shipped();
    // Five working days never span more than a month, even over the Spring Festival.
    let soon = db::projects::due_soon(conn, today, today + chrono::Duration::days(31))?;
    let mut n = 0;
    for m in soon.into_iter().filter(|m| crate::domain::milestone::reminder_due(today, m.due_date, &cal)) {
        let Some(p) = db::projects::find(conn, m.project_id)? else { continue };
        let Some(org) = db::organisations::find(conn, p.organisation_id)? else { continue };
        db::write_tx(conn, |c| {
            if db::projects::mark_reminded(c, m.id, db_time(ctx.now))? == 1 {
                mail::queue(
                    c,
                    ctx,
                    mail::milestone_due_soon(&org.email, &org.name, &p.agreement_no, &m.title, m.due_date),
                )?;
                n += 1;
            }
            Ok(())
        })?;
    }
    Ok(n)
}

/// Late evaluations past their grace period (working days) count as failed: the project is
/// suspended and the organisation and district staff are told. Returns how many.
pub fn lapse_evaluations(conn: &mut DbConn, ctx: &Ctx, grace_days: u32) -> AppResult<usize> {
    let today = crate::clock::local_date(ctx.now);
    let cal = crate::domain::calendar::shipped();
    let late = db::projects::late_evaluations(conn, today)?;
    let all_staff = staff_emails(conn)?;
    let mut n = 0;
    for m in
        late.into_iter().filter(|m| crate::domain::milestone::evaluation_lapsed(today, m.due_date, grace_days, &cal))
    {
        let Some(p) = db::projects::find(conn, m.project_id)? else { continue };
        let Some(org) = db::organisations::find(conn, p.organisation_id)? else { continue };
        let note = format!("逾期未报告，宽限期（{grace_days} 个工作日）已满，视为不合格");
        let staff = responsible(&all_staff, &pool_region(conn, p.id)?);
        db::write_tx(conn, |c| {
            if db::projects::lapse(c, m.id, &note, db_time(ctx.now))? != 1 {
                return Ok(());
            }
            db::projects::change_status(c, p.id, &["active"], "suspended")?;
            mail::queue(c, ctx, mail::evaluation_lapsed(&org.email, &org.name, &p.agreement_no, &m.title, m.due_date))?;
            for s in &staff {
                mail::queue(c, ctx, mail::evaluation_lapsed(s, "工作人员", &p.agreement_no, &m.title, m.due_date))?;
            }
            n += 1;
            audit::record(
                c,
                ctx,
                "milestone.lapse",
                "project",
                Some(p.id),
                serde_json::json!({"milestone_id": m.id, "due_date": m.due_date, "grace_days": grace_days}),
            )
        })?;
    }
    Ok(n)
}

/// Active staff with an email: (their town or None for district staff, email).
fn staff_emails(conn: &mut DbConn) -> AppResult<Vec<(Option<String>, String)>> {
    Ok(db::users::list(conn, Some("staff"), 0, 1000)?
        .into_iter()
        .filter(|u| u.active)
        .filter_map(|u| Some((u.region_code, u.email?)))
        .collect())
}

/// The staff responsible for a project: the district's and those of the project's town.
fn responsible(staff: &[(Option<String>, String)], pool_region: &str) -> Vec<String> {
    staff
        .iter()
        .filter(|(r, _)| r.as_deref().is_none_or(|r| pool_region.starts_with(&r[..r.len().min(9)])))
        .map(|(_, e)| e.clone())
        .collect()
}

fn pool_region(conn: &mut DbConn, project_id: i64) -> AppResult<String> {
    Ok(db::projects::names_of(conn, &[project_id])?.pop().map(|n| n.pool_region).unwrap_or_default())
}

/// The overdue job (at start-up, then periodically): tells the organisation and the district
/// staff, once per milestone, that a milestone passed its due date unreported. Returns how many.
pub fn notify_overdue(conn: &mut DbConn, ctx: &Ctx) -> AppResult<usize> {
    let today = crate::clock::local_date(ctx.now);
    let due = db::projects::newly_overdue(conn, today)?;
    let all_staff = staff_emails(conn)?;
    let mut n = 0;
    for m in due {
        let Some(p) = db::projects::find(conn, m.project_id)? else { continue };
        let Some(org) = db::organisations::find(conn, p.organisation_id)? else { continue };
        let staff = responsible(&all_staff, &pool_region(conn, p.id)?);
        db::write_tx(conn, |c| {
            // Re-checked under the write lock: another server instance may have sent it.
            if db::projects::mark_overdue_notified(c, m.id, db_time(ctx.now))? != 1 {
                return Ok(());
            }
            mail::queue(c, ctx, mail::milestone_overdue(&org.email, &org.name, &p.agreement_no, &m.title, m.due_date))?;
            for s in &staff {
                mail::queue(c, ctx, mail::milestone_overdue(s, "工作人员", &p.agreement_no, &m.title, m.due_date))?;
            }
            n += 1;
            audit::record(
                c,
                ctx,
                "milestone.overdue",
                "project",
                Some(p.id),
                serde_json::json!({"milestone_id": m.id, "due_date": m.due_date}),
            )
        })?;
    }
    Ok(n)
}

//! The yearly call: its views and public reading here; drafting and editing in `input` (each part of the body read in `parse`),
//! publishing in `publish`, amendments in `amend`.

mod amend;
mod input;
mod parse;
mod publish;
pub use amend::*;
pub use input::*;
use parse::*;
pub use publish::*;

use super::{audit, mail, Actor, Ctx};
use crate::clock::{db_time, rfc3339_local};
use crate::db::calls::{CallRow, CategoryRow, CriterionRow, NewCategory, NewCriterion, NewPool, PoolRow};
use crate::db::{self, DbConn};
use crate::domain::account::Role;
use crate::domain::budget::BudgetCategory;
use crate::domain::call::{self, FundSource, Phase, PoolRule, PublishCheck};
use crate::domain::repeat::RepeatRule;
use crate::domain::stages::{Bonus, StageKind};
use crate::domain::state::CallStatus;
use crate::domain::{text, Money, RegionCode};
use crate::error::{AppError, AppResult, Problems};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

#[derive(Serialize, utoipa::ToSchema)]
pub struct PoolView {
    pub id: i64,
    /// The yearly fund the pool draws on; null while a draft's region has no fund yet.
    pub fund_id: Option<i64>,
    pub level: String,
    pub region_code: String,
    pub name: String,
    pub budget: Money,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CriterionView {
    pub key: String,
    pub name: String,
    pub weight: i32,
    pub max_score: Money,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct StageView {
    pub key: String,
    pub name: String,
    pub weight: i32,
    pub kind: String,
    pub kind_label: &'static str,
    pub criteria: Vec<CriterionView>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BonusView {
    pub name: String,
    pub per_amount: Money,
    pub points: String,
    pub max_points: String,
    /// 「每落实配套资金 10,000.00 元加 1 分，最高 10 分」
    pub formula: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CategoryView {
    pub key: String,
    pub name: String,
    pub max_projects: Option<i32>,
    pub max_amount: Option<Money>,
    pub scope: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CallView {
    pub id: i64,
    pub year: i32,
    pub title: String,
    pub announcement: String,
    pub opens_at: String,
    pub closes_at: String,
    pub notice_days: i32,
    pub notice_working_days: bool,
    pub project_start: NaiveDate,
    pub project_end: NaiveDate,
    pub min_grant: Money,
    pub max_grant: Money,
    pub max_bids_per_org: i32,
    pub score_threshold: Money,
    pub budget_caps: BudgetCapsInput,
    pub forbidden_categories: Vec<String>,
    pub tranches: Vec<u32>,
    pub fund_source: String,
    pub fund_source_label: &'static str,
    /// 「彩票公益金资助—中国福利彩票」 on 福彩 calls.
    pub fund_mark: Option<&'static str>,
    /// `draft`, `open` (published, before `closes_at`) or `screening` (after it).
    pub status: &'static str,
    pub status_label: &'static str,
    /// Whether bids may be submitted now (between `opens_at` and `closes_at`).
    pub accepting_bids: bool,
    pub reference_prefix: String,
    pub published_at: Option<String>,
    pub cloned_from: Option<i64>,
    /// The results notice, once decided.
    pub notice_id: Option<i64>,
    /// The tender announcement PDF, once published (its current version).
    pub announcement_url: Option<String>,
    pub announcement_sha256: Option<String>,
    /// Numbered amendments (更正公告) and answers (答疑) since publication.
    pub amendments: Vec<AmendmentView>,
    pub pools: Vec<PoolView>,
    pub criteria: Vec<CriterionView>,
    pub categories: Vec<CategoryView>,
    /// Empty for a single-stage call.
    pub stages: Vec<StageView>,
    pub bonus: Option<BonusView>,
    pub repeat_funding: &'static str,
    pub repeat_funding_label: &'static str,
    /// Rules on the applicant's standing; null when the call sets none.
    pub eligibility: Option<crate::domain::standing::Eligibility>,
    /// The same rules in words, for the call page.
    pub eligibility_rules: Vec<String>,
    /// What the screener checks for each bid (资格审查清单); empty when the call sets none.
    pub screening_checklist: Vec<crate::domain::checklist::Item>,
    /// The application dossier's sections and required documents; null when the call asks none.
    pub dossier: Option<crate::domain::dossier::Dossier>,
    /// `tranches` · `after_final` (one payment once the final evaluation is verified).
    pub payment_mode: crate::domain::aftercare::PaymentMode,
    pub payment_mode_label: &'static str,
    /// Days after a project's end date its final evaluation falls due.
    pub final_report_days: u32,
    /// Projects approved at or above this close only with an audit report; null: none.
    pub audit_threshold: Option<Money>,
    /// A budget change moving more than this % between categories also needs finance.
    pub change_finance_pct: u32,
    /// The evaluation rubric in force (the call's own or the default).
    pub evaluation_rubric: Vec<crate::domain::evaluation::Indicator>,
    pub grade_cutoffs: crate::domain::evaluation::Cutoffs,
    /// The topics (选题) bids answer, in the call's order.
    pub topics: Vec<TopicBrief>,
    /// Whether every bid must answer one of them.
    pub topic_required: bool,
}

/// A topic as a call or a bid shows it.
#[derive(Serialize, Clone, Debug, utoipa::ToSchema)]
pub struct TopicBrief {
    pub id: i64,
    pub title: String,
    pub description: String,
}

impl CallView {
    /// "2026-03-01 00:00" (local time) for pages.
    pub fn opens_short(&self) -> String {
        short(&self.opens_at)
    }
    pub fn closes_short(&self) -> String {
        short(&self.closes_at)
    }
}

fn short(rfc3339: &str) -> String {
    rfc3339.replacen('T', " ", 1).chars().take(16).collect()
}

fn view(c: &CallRow, pools: &[PoolRow], crit: &[CriterionRow], cats: &[CategoryRow], now: DateTime<Utc>) -> CallView {
    let ph = c.phase(now);
    let fund = FundSource::parse(&c.fund_source).unwrap_or(FundSource::Other);
    CallView {
        id: c.id,
        year: c.year,
        title: c.title.clone(),
        announcement: c.announcement.clone(),
        opens_at: rfc3339_local(c.opens_at.and_utc()),
        closes_at: rfc3339_local(c.closes_at.and_utc()),
        notice_days: c.notice_days,
        notice_working_days: c.notice_working_days,
        project_start: c.project_start,
        project_end: c.project_end,
        min_grant: Money::from_fen(c.min_grant),
        max_grant: Money::from_fen(c.max_grant),
        max_bids_per_org: c.max_bids_per_org,
        score_threshold: Money::from_fen(c.score_threshold),
        budget_caps: BudgetCapsInput {
            personnel_pct: c.personnel_pct.map(|x| x as u32),
            admin_pct: c.admin_pct.map(|x| x as u32),
        },
        forbidden_categories: c.forbidden(),
        tranches: c.tranche_pcts(),
        fund_source: c.fund_source.clone(),
        fund_source_label: fund.label(),
        fund_mark: fund.mark(),
        status: ph.as_str(),
        status_label: ph.label(),
        accepting_bids: ph == Phase::Open,
        reference_prefix: c.reference_prefix.clone(),
        published_at: c.published_at.map(|t| rfc3339_local(t.and_utc())),
        cloned_from: c.cloned_from,
        notice_id: None,
        announcement_url: None,
        announcement_sha256: None,
        amendments: Vec::new(),
        pools: pools
            .iter()
            .filter(|p| p.call_id == c.id)
            .map(|p| PoolView {
                id: p.id,
                fund_id: p.fund_id,
                level: p.level.clone(),
                region_code: p.region_code.clone(),
                name: p.name.clone(),
                budget: Money::from_fen(p.budget),
            })
            .collect(),
        criteria: crit.iter().map(criterion_view).collect(),
        categories: cats
            .iter()
            .map(|k| CategoryView {
                key: k.key.clone(),
                name: k.name.clone(),
                max_projects: k.max_projects,
                max_amount: k.max_amount.map(Money::from_fen),
                scope: k.scope.clone(),
            })
            .collect(),
        stages: Vec::new(),
        bonus: None,
        repeat_funding: RepeatRule::Allow.as_str(),
        repeat_funding_label: RepeatRule::Allow.label(),
        eligibility: None,
        eligibility_rules: Vec::new(),
        screening_checklist: Vec::new(),
        dossier: None,
        payment_mode: Default::default(),
        payment_mode_label: crate::domain::aftercare::PaymentMode::Tranches.label(),
        final_report_days: crate::domain::aftercare::DEFAULT_FINAL_REPORT_DAYS,
        audit_threshold: None,
        change_finance_pct: crate::domain::aftercare::DEFAULT_CHANGE_FINANCE_PCT,
        evaluation_rubric: crate::domain::evaluation::default_rubric(),
        grade_cutoffs: Default::default(),
        topics: Vec::new(),
        topic_required: false,
    }
}

fn criterion_view(k: &CriterionRow) -> CriterionView {
    CriterionView {
        key: k.key.clone(),
        name: k.name.clone(),
        weight: k.weight,
        max_score: Money::from_fen(k.max_score),
    }
}

/// The call's scoring design as the ranking reads it.
pub struct ScoringDesign {
    pub stages: Vec<db::calls::StageRow>,
    pub bonus: Option<(String, Bonus)>,
    pub repeat: RepeatRule,
    pub eligibility: crate::domain::standing::Eligibility,
    pub checklist: Vec<crate::domain::checklist::Item>,
    pub dossier: crate::domain::dossier::Dossier,
    pub terms: crate::domain::aftercare::Terms,
    pub topics: crate::domain::topic::CallTopics,
}

pub fn scoring_design(conn: &mut DbConn, call_id: i64) -> AppResult<ScoringDesign> {
    let stages = db::calls::stages_of(conn, call_id)?;
    let row = db::calls::scoring_of(conn, call_id)?;
    let bonus = row.as_ref().and_then(|r| match (r.bonus_unit, r.bonus_step, r.bonus_cap) {
        (Some(unit_fen), Some(step), Some(cap)) => Some((
            r.bonus_name.clone().unwrap_or_else(|| "配套资金加分".into()),
            Bonus { unit_fen, step: rust_decimal::Decimal::new(step, 2), cap: rust_decimal::Decimal::new(cap, 2) },
        )),
        _ => None,
    });
    let eligibility = row
        .as_ref()
        .and_then(|r| r.eligibility.as_deref())
        .and_then(|e| serde_json::from_str(e).ok())
        .unwrap_or_default();
    let checklist = row
        .as_ref()
        .and_then(|r| r.screening_checklist.as_deref())
        .and_then(|e| serde_json::from_str(e).ok())
        .unwrap_or_default();
    let dossier =
        row.as_ref().and_then(|r| r.dossier.as_deref()).and_then(|e| serde_json::from_str(e).ok()).unwrap_or_default();
    let terms = row
        .as_ref()
        .and_then(|r| r.aftercare.as_deref())
        .and_then(|e| serde_json::from_str(e).ok())
        .unwrap_or_default();
    let topics =
        row.as_ref().and_then(|r| r.topics.as_deref()).and_then(|e| serde_json::from_str(e).ok()).unwrap_or_default();
    let repeat = row.and_then(|r| RepeatRule::parse(&r.repeat_rule)).unwrap_or(RepeatRule::Allow);
    Ok(ScoringDesign { stages, bonus, repeat, eligibility, checklist, dossier, terms, topics })
}

fn fill_scoring(conn: &mut DbConn, id: i64, v: &mut CallView) -> AppResult<()> {
    let design = scoring_design(conn, id)?;
    if !design.stages.is_empty() {
        let all = db::calls::all_criteria(conn, id)?;
        v.stages = design
            .stages
            .iter()
            .map(|st| {
                let kind = StageKind::parse(&st.kind).unwrap_or(StageKind::Written);
                StageView {
                    key: st.key.clone(),
                    name: st.name.clone(),
                    weight: st.weight,
                    kind: kind.as_str().into(),
                    kind_label: kind.label(),
                    criteria: all.iter().filter(|k| k.stage == st.position).map(criterion_view).collect(),
                }
            })
            .collect();
    }
    v.bonus = design.bonus.map(|(name, b)| BonusView {
        name,
        per_amount: Money::from_fen(b.unit_fen),
        points: b.step.normalize().to_string(),
        max_points: b.cap.normalize().to_string(),
        formula: b.formula(),
    });
    v.repeat_funding = design.repeat.as_str();
    v.repeat_funding_label = design.repeat.label();
    v.eligibility_rules = design.eligibility.describe();
    v.eligibility = (!design.eligibility.is_empty()).then_some(design.eligibility);
    v.screening_checklist = design.checklist;
    v.dossier = (design.dossier != crate::domain::dossier::Dossier::default()).then_some(design.dossier);
    v.payment_mode = design.terms.payment_mode;
    v.payment_mode_label = design.terms.payment_mode.label();
    v.final_report_days = design.terms.final_report_days;
    v.audit_threshold = design.terms.audit_threshold.map(Money::from_fen);
    v.change_finance_pct = design.terms.change_finance_pct;
    v.evaluation_rubric = design.terms.rubric();
    v.grade_cutoffs = design.terms.cutoffs();
    let rows = db::demands::topics_by_id(conn, &design.topics.ids)?;
    v.topics = design
        .topics
        .ids
        .iter()
        .filter_map(|id| rows.iter().find(|t| t.id == *id))
        .map(|t| TopicBrief { id: t.id, title: t.title.clone(), description: t.description.clone() })
        .collect();
    v.topic_required = design.topics.required;
    Ok(())
}

pub fn load_view(conn: &mut DbConn, id: i64, now: DateTime<Utc>) -> AppResult<(CallRow, CallView)> {
    let c = db::calls::find(conn, id)?.ok_or_else(AppError::not_found)?;
    let pools = db::calls::pools_of(conn, &[id])?;
    let crit = db::calls::criteria_of(conn, id)?;
    let cats = db::calls::categories_of(conn, id)?;
    let mut v = view(&c, &pools, &crit, &cats, now);
    fill_scoring(conn, id, &mut v)?;
    v.notice_id = db::notices::of_call(conn, id)?.map(|n| n.id);
    v.amendments = db::calls::amendments_of(conn, id)?.iter().map(amendment_view).collect();
    if let Some(d) = db::documents::current(conn, "announcement", id)? {
        v.announcement_url = Some(format!("/api/v1/calls/{id}/announcement.pdf"));
        v.announcement_sha256 = Some(d.sha256);
    }
    Ok((c, v))
}

/// Published calls for everyone; drafts too for staff. Pools in one query for the page.
pub fn list(conn: &mut DbConn, ctx: &Ctx, before: Option<i64>, limit: Option<i64>) -> AppResult<Vec<CallView>> {
    let staff = matches!(ctx.actor().map(|a| a.role), Some(Role::Staff | Role::Admin | Role::Finance));
    let rows = db::calls::list(conn, staff, before, super::page_limit(limit))?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let pools = db::calls::pools_of(conn, &ids)?;
    let notices: std::collections::HashMap<i64, i64> = db::notices::ids_of_calls(conn, &ids)?.into_iter().collect();
    Ok(rows
        .iter()
        .map(|r| {
            let mut v = view(r, &pools, &[], &[], ctx.now);
            v.notice_id = notices.get(&r.id).copied();
            v
        })
        .collect())
}

pub fn get(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<CallView> {
    let (row, v) = load_view(conn, id, ctx.now)?;
    let staff = matches!(ctx.actor().map(|a| a.role), Some(Role::Staff | Role::Admin | Role::Finance));
    if CallStatus::Draft.is(&row.status) && !staff {
        return Err(AppError::not_found());
    }
    Ok(v)
}

/// The staff member who may run this call: district staff any call, town staff a call whose
/// pools all draw on their own town's fund (403 `other_fund` otherwise).
pub fn runner(conn: &mut DbConn, ctx: &Ctx, call_id: i64) -> AppResult<Actor> {
    let a = ctx.require(&[Role::Staff])?.clone();
    if a.region_code.is_some() {
        let pools = db::calls::pools_of(conn, &[call_id])?;
        if db::calls::find(conn, call_id)?.is_none() {
            return Err(AppError::not_found());
        }
        let regions: Vec<&str> = pools.iter().map(|p| p.region_code.as_str()).collect();
        if !crate::domain::fund::may_run_call(a.region_code.as_deref(), &regions) {
            return Err(AppError::from(crate::error::Code::OtherFund));
        }
    }
    Ok(a)
}

/// Whether a date lies in the call's project period.
pub fn in_period(c: &CallRow, d: NaiveDate) -> bool {
    d >= c.project_start && d <= c.project_end
}

/// The year of an instant in local time (for titles and references).
pub fn local_year(t: DateTime<Utc>) -> i32 {
    crate::clock::local_date(t).year()
}

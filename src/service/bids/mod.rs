//! Bids: organisations draft, submit and withdraw; staff screen; finance approve amounts.

pub mod dossier;
mod draft;
mod screening;
mod submit;
pub use draft::*;
pub use screening::*;
pub use submit::*;

use super::access::{editable, load_call, visible};
use super::calls::in_period;
use super::{audit, mail, page_limit, Actor, Ctx};
use crate::clock::{db_time, local_date, rfc3339_local};
use crate::db::bids::{BidContent, BidRow, LineRow, MilestoneRow, NewLine, NewMilestone};
use crate::db::calls::{CallRow, PoolRow};
use crate::db::{self, DbConn};
use crate::domain::account::Role;
use crate::domain::bid::BidStatus;
use crate::domain::budget::{self, BudgetCategory, BudgetLine, BudgetRules};
use crate::domain::call::{reference, Phase};
use crate::domain::milestone::Grade;
use crate::domain::repeat::{self, EarlierProject, RepeatError, RepeatRule};
use crate::domain::state::CallStatus;
use crate::domain::{text, Money, RegionCode};
use crate::error::{AppError, AppResult, Code, Problems};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Sections staff may reopen when asking for a correction (限期补正).
pub const CORRECTION_SECTIONS: [(&str, &str); 3] = [
    ("basic", "基本信息（名称、简介、服务区域、受益对象、起止日期）"),
    ("budget", "预算（申请金额、配套资金、预算明细）"),
    ("milestones", "进度安排"),
];

#[derive(Deserialize, Serialize, Default, Clone, utoipa::ToSchema)]
pub struct Beneficiaries {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub count: u32,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BudgetLineView {
    pub category: String,
    pub category_label: &'static str,
    pub item: String,
    pub quantity: Option<String>,
    pub unit_price: Option<Money>,
    pub amount: Money,
    pub note: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MilestoneView {
    pub title: String,
    pub due_date: NaiveDate,
    pub deliverable: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct BidView {
    pub id: i64,
    pub call_id: i64,
    pub pool_id: i64,
    pub organisation_id: i64,
    pub category: Option<String>,
    pub title: String,
    pub summary: String,
    pub service_region_code: Option<String>,
    pub beneficiaries: Beneficiaries,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub requested_amount: Money,
    pub matching_funds: Money,
    /// draft · submitted · withdrawn · eligible · ineligible · needs_correction · …
    pub status: String,
    pub status_label: &'static str,
    pub reference: Option<String>,
    pub submitted_at: Option<String>,
    pub screening_note: Option<String>,
    pub correction_items: Vec<String>,
    pub correction_due: Option<NaiveDate>,
    pub approved_amount: Option<Money>,
    pub finance_note: Option<String>,
    pub budget_lines: Vec<BudgetLineView>,
    pub milestones: Vec<MilestoneView>,
    pub attachments: Vec<super::attachments::AttachmentView>,
    /// The earlier project this bid renews (续期项目), as the organisation declared it.
    pub renewal_of: Option<i64>,
    /// The earlier project of the same organisation this bid looks like (similar title), flagged
    /// at submission for staff to confirm at screening.
    pub repeat_of: Option<i64>,
    /// 「协议编号《项目名称》」 of the project in `renewal_of` or `repeat_of`, for people.
    pub earlier_project: Option<String>,
    /// What the reader may do with the bid now (a single bid read only; null in lists).
    pub actions: Option<super::access::BidActions>,
    /// The call's screening checklist with this bid's ticks (a single bid read only).
    pub checklist: Vec<ChecklistView>,
    /// The dossier's section texts by key (a single bid read only).
    pub sections: std::collections::BTreeMap<String, String>,
    /// Output indicators (产出指标; a single bid read only).
    pub outputs: Vec<crate::domain::dossier::Output>,
    /// The organisation's profile documents the bid counts (held and valid when it was
    /// submitted, or now for a draft; a single bid read only).
    pub profile_documents: Vec<super::org_documents::OrgDocumentView>,
    /// The topic (选题) the bid answers.
    pub topic_id: Option<i64>,
    /// That topic with the residents' demands behind it (a single bid read only).
    pub topic: Option<super::topics::TopicView>,
}

#[derive(Serialize, utoipa::ToSchema, Clone)]
pub struct ChecklistView {
    pub key: String,
    pub name: String,
    pub mandatory: bool,
    /// Null until screened.
    pub ok: Option<bool>,
    pub note: String,
}

impl BidView {
    /// Whether a required document is at hand: attached by its type or name, or in the profile.
    pub fn has_document(&self, kind: &str, name: &str) -> bool {
        self.attachments.iter().any(|a| a.kind == kind || a.kind == name)
            || self.profile_documents.iter().any(|d| d.kind == kind)
    }
    /// Whether a screener has ticked the checklist (the page then shows each item's result).
    pub fn checklist_ticked(&self) -> bool {
        self.checklist.iter().any(|c| c.ok.is_some())
    }
}

pub fn status_label(s: &str) -> &'static str {
    crate::domain::bid::BidStatus::label_of(s)
}

fn view(b: &BidRow, lines: &[LineRow], ms: &[MilestoneRow], atts: &[crate::db::attachments::AttachmentRow]) -> BidView {
    BidView {
        id: b.id,
        call_id: b.call_id,
        pool_id: b.pool_id,
        organisation_id: b.organisation_id,
        category: b.category.clone(),
        title: b.title.clone(),
        summary: b.summary.clone(),
        service_region_code: b.service_region_code.clone(),
        beneficiaries: Beneficiaries { kind: b.beneficiary_kind.clone(), count: b.beneficiary_count.max(0) as u32 },
        start_date: b.start_date,
        end_date: b.end_date,
        requested_amount: Money::from_fen(b.requested),
        matching_funds: Money::from_fen(b.matching),
        status: b.status.clone(),
        status_label: status_label(&b.status),
        reference: b.reference.clone(),
        submitted_at: b.submitted_at.map(|t| rfc3339_local(t.and_utc())),
        screening_note: b.screening_note.clone(),
        correction_items: b.correction_items.as_deref().map(db::calls::split_list).unwrap_or_default(),
        correction_due: b.correction_due,
        approved_amount: b.approved.map(Money::from_fen),
        finance_note: b.finance_note.clone(),
        budget_lines: lines
            .iter()
            .filter(|l| l.bid_id == b.id)
            .map(|l| BudgetLineView {
                category: l.category.clone(),
                category_label: BudgetCategory::parse(&l.category).map(|c| c.label()).unwrap_or("其他"),
                item: l.item.clone(),
                quantity: l.quantity.clone(),
                unit_price: l.unit_price.map(Money::from_fen),
                amount: Money::from_fen(l.amount),
                note: l.note.clone(),
            })
            .collect(),
        milestones: ms
            .iter()
            .filter(|m| m.bid_id == b.id)
            .map(|m| MilestoneView { title: m.title.clone(), due_date: m.due_date, deliverable: m.deliverable.clone() })
            .collect(),
        attachments: atts.iter().filter(|a| a.bid_id == b.id).map(super::attachments::view).collect(),
        renewal_of: None,
        repeat_of: None,
        earlier_project: None,
        actions: None,
        checklist: Vec::new(),
        sections: Default::default(),
        profile_documents: Vec::new(),
        topic_id: b.topic_id,
        topic: None,
        outputs: Vec::new(),
    }
}

/// Fills the renewal and repeat links of the views (one query).
fn with_repeats(conn: &mut DbConn, mut views: Vec<BidView>) -> AppResult<Vec<BidView>> {
    let ids: Vec<i64> = views.iter().map(|v| v.id).collect();
    let links = db::repeats::of_bids(conn, &ids)?;
    for v in &mut views {
        if let Some(l) = links.get(&v.id) {
            link_earlier(conn, v, *l)?;
        }
    }
    Ok(views)
}

/// The bid's renewal or repeat link and the earlier project it names.
fn link_earlier(conn: &mut DbConn, v: &mut BidView, (renewal_of, repeat_of): db::repeats::Links) -> AppResult<()> {
    (v.renewal_of, v.repeat_of) = (renewal_of, repeat_of);
    if let Some(id) = repeat_of.or(renewal_of) {
        v.earlier_project = db::repeats::project_label(conn, id)?.map(|(no, title)| format!("{no}《{title}》"));
    }
    Ok(())
}

/// The organisation's projects from the previous call (the call year before this one's).
fn earlier_projects(conn: &mut DbConn, org_id: i64, call: &CallRow) -> AppResult<Vec<EarlierProject>> {
    Ok(db::repeats::projects_of_year(conn, org_id, call.year - 1)?
        .into_iter()
        .map(|(id, _, title, grade)| EarlierProject { id, title, final_grade: grade.as_deref().and_then(Grade::parse) })
        .collect())
}

fn repeat_error(field: &str, e: RepeatError) -> AppError {
    // The conflicts are catalogued; the other two are about a field of the request.
    if let Some(code) = Code::parse(e.code()).filter(|_| e.is_conflict()) {
        code.says(e.message())
    } else {
        AppError::invalid_field(field, e.code(), e.message())
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct EarlierProjectView {
    pub id: i64,
    pub agreement_no: String,
    pub title: String,
    /// The verified final evaluation (优秀 / 良好 / 合格 / 不合格), if there is one yet.
    pub final_grade: Option<String>,
}

/// The actor's organisation's projects from the call year before this call's: what a bid may
/// renew (续期项目).
pub fn renewable(conn: &mut DbConn, ctx: &Ctx, call_id: i64) -> AppResult<Vec<EarlierProjectView>> {
    let (_, org) = own_org(ctx)?;
    let call = load_call(conn, call_id)?;
    Ok(db::repeats::projects_of_year(conn, org, call.year - 1)?
        .into_iter()
        .map(|(id, agreement_no, title, final_grade)| EarlierProjectView { id, agreement_no, title, final_grade })
        .collect())
}

/// A declared renewal must name one of the organisation's projects from the previous call.
fn check_renewal(conn: &mut DbConn, org_id: i64, call: &CallRow, renewal_of: Option<i64>) -> AppResult<()> {
    match renewal_of {
        Some(id) if !earlier_projects(conn, org_id, call)?.iter().any(|p| p.id == id) => {
            Err(repeat_error("renewal_of", RepeatError::NotAnEarlierProject))
        }
        _ => Ok(()),
    }
}

pub fn full_view(conn: &mut DbConn, b: &BidRow) -> AppResult<BidView> {
    let lines = db::bids::lines_of(conn, &[b.id])?;
    let ms = db::bids::milestones_of(conn, &[b.id])?;
    let links = db::repeats::of_bids(conn, &[b.id])?.get(&b.id).copied();
    view_with(conn, b, &lines, &ms, links)
}

/// The full view of a bid whose lines, milestones and repeat links the caller already holds.
fn view_with(
    conn: &mut DbConn,
    b: &BidRow,
    lines: &[LineRow],
    ms: &[MilestoneRow],
    links: Option<db::repeats::Links>,
) -> AppResult<BidView> {
    let atts = db::attachments::of_bids(conn, &[b.id])?;
    let mut v = view(b, lines, ms, &atts);
    if let Some(links) = links {
        link_earlier(conn, &mut v, links)?;
    }
    if let Some((sections, outputs)) = db::bids::dossier_of(conn, b.id)? {
        v.sections = serde_json::from_str(&sections).unwrap_or_default();
        v.outputs = serde_json::from_str(&outputs).unwrap_or_default();
    }
    Ok(v)
}

fn own_org(ctx: &Ctx) -> AppResult<(&Actor, i64)> {
    let a = ctx.require(&[Role::Org])?;
    let org = a.organisation_id.ok_or_else(|| AppError::internal("org user without organisation"))?;
    Ok((a, org))
}

const MAX_DRAFTS: i64 = 20;

pub fn get(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<BidView> {
    let (b, call, _) = visible(conn, ctx, id)?;
    if matches!(ctx.actor().map(|a| a.role), Some(Role::Staff | Role::Finance)) {
        db::write_tx(conn, |c| audit::record(c, ctx, "bid.read", "bid", Some(id), serde_json::json!({})))?;
    }
    let mut v = full_view(conn, &b)?;
    v.actions = Some(super::access::actions(&b, &call, ctx));
    let at = b.submitted_at.map_or(ctx.now, |t| t.and_utc());
    v.profile_documents = super::org_documents::usable_views(conn, b.organisation_id, at)?;
    if let Some(t) = b.topic_id {
        v.topic = super::topics::of_bid(conn, t)?;
    }
    let items = super::calls::scoring_design(conn, call.id)?.checklist;
    if !items.is_empty() {
        let ticks = db::bids::checklist_of(conn, id)?;
        v.checklist = items
            .into_iter()
            .map(|i| {
                let t = ticks.iter().find(|t| t.0 == i.key);
                ChecklistView {
                    ok: t.map(|t| t.1),
                    note: t.map(|t| t.2.clone()).unwrap_or_default(),
                    key: i.key,
                    name: i.name,
                    mandatory: i.mandatory,
                }
            })
            .collect();
    }
    Ok(v)
}

/// Bids of a call: staff and finance after `closes_at` (town staff their town's pool), an
/// organisation its own at any time. Lines and milestones loaded in two queries for the page.
/// Which bids of a call a list shows.
#[derive(Default, Clone, Copy)]
pub struct BidQuery<'a> {
    pub status: Option<&'a str>,
    pub pool_id: Option<i64>,
    /// Part of the title, the reference or the organisation's name.
    pub search: Option<&'a str>,
    pub after: i64,
    pub limit: Option<i64>,
}

pub fn list_for_call(conn: &mut DbConn, ctx: &Ctx, call_id: i64, q: &BidQuery<'_>) -> AppResult<Vec<BidView>> {
    let BidQuery { status, pool_id, search, after, limit } = *q;
    let a = ctx.require(&[Role::Org, Role::Staff, Role::Finance])?.clone();
    let call = load_call(conn, call_id)?;
    if CallStatus::Draft.is(&call.status) {
        return Err(AppError::not_found());
    }
    let mut f = db::bids::BidFilter {
        call_id: Some(call_id),
        organisation_id: None,
        statuses: None,
        pool_region_prefix: a.region_scope(),
        pool_id,
        search,
        after_id: after,
        limit: page_limit(limit),
    };
    let status_filter: Vec<&str> = status.map(|s| vec![s]).unwrap_or_default();
    match a.role {
        Role::Org => f.organisation_id = a.organisation_id,
        _ => {
            if call.phase(ctx.now).bids_sealed() {
                return Err(AppError::from(Code::BidsSealed));
            }
            // Drafts belong to their organisation alone: asking for them finds none.
            f.statuses = Some(if status_filter.is_empty() {
                BidStatus::SUBMITTED.to_vec()
            } else {
                status_filter.iter().copied().filter(|s| BidStatus::SUBMITTED.contains(s)).collect()
            });
        }
    }
    if a.role == Role::Org && !status_filter.is_empty() {
        f.statuses = Some(status_filter);
    }
    let rows = db::bids::list(conn, &f)?;
    let ids: Vec<i64> = rows.iter().map(|b| b.id).collect();
    let lines = db::bids::lines_of(conn, &ids)?;
    let ms = db::bids::milestones_of(conn, &ids)?;
    let atts = db::attachments::of_bids(conn, &ids)?;
    with_repeats(conn, rows.iter().map(|b| view(b, &lines, &ms, &atts)).collect())
}

/// An organisation's own bids across calls.
pub fn mine(conn: &mut DbConn, ctx: &Ctx) -> AppResult<Vec<BidView>> {
    let (_, org) = own_org(ctx)?;
    let rows = db::bids::list(
        conn,
        &db::bids::BidFilter {
            call_id: None,
            organisation_id: Some(org),
            statuses: None,
            pool_region_prefix: None,
            pool_id: None,
            search: None,
            after_id: 0,
            limit: 100,
        },
    )?;
    Ok(rows.iter().map(|b| view(b, &[], &[], &[])).collect())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PoolStats {
    pub pool_id: i64,
    pub name: String,
    pub budget: Money,
    /// Bids submitted or further along (not withdrawn or ineligible).
    pub bids: i64,
    pub requested: Money,
    pub approved: Money,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CallStats {
    /// Bids by status (counts only: what staff see while bids are sealed).
    pub by_status: std::collections::BTreeMap<String, i64>,
    /// Per pool totals; after `closes_at` only.
    pub pools: Vec<PoolStats>,
}

/// Counts by status and per-pool totals. While bids are sealed only staff get the counts (and
/// nothing else); finance gets both after `closes_at`. Town staff count their town's pools only.
pub fn stats(conn: &mut DbConn, ctx: &Ctx, call_id: i64) -> AppResult<CallStats> {
    let a = ctx.require(&[Role::Staff, Role::Finance])?.clone();
    let call = load_call(conn, call_id)?;
    let sealed = call.phase(ctx.now).bids_sealed();
    let by_status = if sealed && a.role != Role::Staff {
        Default::default()
    } else {
        db::bids::status_counts(conn, call_id, a.region_scope())?
            .into_iter()
            .filter(|(s, _)| !BidStatus::Draft.is(s))
            .collect()
    };
    let mut pools = Vec::new();
    if !sealed {
        let totals =
            db::bids::pool_totals(conn, call_id, &["submitted", "eligible", "needs_correction", "proposed", "funded"])?;
        for p in db::calls::pools_of(conn, &[call_id])? {
            if !a.in_scope(&p.region_code) {
                continue;
            }
            let t = totals.iter().find(|t| t.0 == p.id);
            pools.push(PoolStats {
                pool_id: p.id,
                name: p.name,
                budget: Money::from_fen(p.budget),
                bids: t.map(|t| t.1).unwrap_or(0),
                requested: Money::from_fen(t.and_then(|t| t.2).unwrap_or(0)),
                approved: Money::from_fen(t.and_then(|t| t.3).unwrap_or(0)),
            });
        }
    }
    Ok(CallStats { by_status, pools })
}

//! Bids: organisations draft, submit and withdraw; staff screen; finance approve amounts.

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
use crate::domain::{text, Money, RegionCode};
use crate::error::{AppError, AppResult, Problems};
use actix_web::http::StatusCode;
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

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct BudgetLineInput {
    /// personnel | activity | material | venue | travel | admin | other | hospitality
    pub category: String,
    pub item: String,
    /// Decimal string, at most two decimals.
    pub quantity: Option<String>,
    /// Amount string in yuan.
    pub unit_price: Option<String>,
    /// Amount string in yuan; equals quantity × unit price when both are given.
    pub amount: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct MilestoneInput {
    pub title: String,
    /// `YYYY-MM-DD`
    pub due_date: String,
    #[serde(default)]
    pub deliverable: String,
}

/// `POST /api/v1/calls/{id}/bids` and `PUT /api/v1/bids/{id}`. Server-owned fields (status,
/// reference, approved amount) are not read.
#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct BidInput {
    pub pool_id: i64,
    pub category: Option<String>,
    pub title: String,
    #[serde(default)]
    pub summary: String,
    pub service_region_code: Option<String>,
    #[serde(default)]
    pub beneficiaries: Beneficiaries,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    /// Amount string in yuan.
    pub requested_amount: String,
    pub matching_funds: Option<String>,
    #[serde(default)]
    pub budget_lines: Vec<BudgetLineInput>,
    #[serde(default)]
    pub milestones: Vec<MilestoneInput>,
    /// A renewal (续期项目): the id of this organisation's project from the previous call.
    pub renewal_of: Option<i64>,
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
    }
}

/// Fills the renewal and repeat links of the views (one query).
fn with_repeats(conn: &mut DbConn, mut views: Vec<BidView>) -> AppResult<Vec<BidView>> {
    let ids: Vec<i64> = views.iter().map(|v| v.id).collect();
    let links = db::repeats::of_bids(conn, &ids)?;
    for v in &mut views {
        if let Some((r, p)) = links.get(&v.id) {
            (v.renewal_of, v.repeat_of) = (*r, *p);
            if let Some(id) = p.or(*r) {
                v.earlier_project = db::repeats::project_label(conn, id)?.map(|(no, title)| format!("{no}《{title}》"));
            }
        }
    }
    Ok(views)
}

/// The organisation's projects from the previous call (the call year before this one's).
fn earlier_projects(conn: &mut DbConn, org_id: i64, call: &CallRow) -> AppResult<Vec<EarlierProject>> {
    Ok(db::repeats::projects_of_year(conn, org_id, call.year - 1)?
        .into_iter()
        .map(|(id, _, title, grade)| EarlierProject { id, title, final_grade: grade.as_deref().and_then(Grade::parse) })
        .collect())
}

fn repeat_error(field: &str, e: RepeatError) -> AppError {
    if e.is_conflict() {
        AppError::conflict(e.code(), e.message())
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
    let atts = db::attachments::of_bids(conn, &[b.id])?;
    let v = with_repeats(conn, vec![view(b, &lines, &ms, &atts)])?;
    v.into_iter().next().ok_or_else(AppError::not_found)
}

struct Parsed {
    content: BidContent,
    lines: Vec<NewLine>,
    milestones: Vec<NewMilestone>,
}

fn parse_date(p: &mut Problems, field: &str, s: &str) -> Option<NaiveDate> {
    match NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            p.add(field, "invalid_date", "日期格式应为 YYYY-MM-DD");
            None
        }
    }
}

fn money(p: &mut Problems, field: &str, s: &str) -> Option<Money> {
    p.take(field, Money::parse(s.trim()), |e| (e.code().into(), e.message().into()))
}

/// Whether `region` lies where `pool` may fund: a town pool serves its own town, the district
/// pool any region of the district.
fn region_fits(pool: &PoolRow, region: &str) -> bool {
    pool.level == "district" || region.starts_with(&pool.region_code[..9])
}

/// Reads a bid body: every malformed field reported at once (422). Business rules that a draft
/// may still break (sums, ranges, caps) wait for submission.
fn parse(conn: &mut DbConn, call: &CallRow, i: &BidInput) -> AppResult<(Parsed, PoolRow)> {
    let mut p = Problems::default();
    let pool = db::calls::find_pool(conn, i.pool_id)?.filter(|x| x.call_id == call.id);
    if pool.is_none() {
        p.add("pool_id", "pool_not_in_call", "所选资金池不属于本次招标");
    }
    let cats = db::calls::categories_of(conn, call.id)?;
    let category = match (&i.category, cats.is_empty()) {
        (None, _) => None,
        (Some(c), false) if cats.iter().any(|k| &k.key == c) => Some(c.clone()),
        (Some(_), true) => {
            p.add("category", "no_categories", "本次招标未设项目类别");
            None
        }
        (Some(_), false) => {
            p.add("category", "unknown_category", "项目类别不在本次招标的类别中");
            None
        }
    };
    let title = p.take("title", text::name(&i.title, 200), |e| (e.code().into(), e.message()));
    let summary = if i.summary.trim().is_empty() {
        Some(String::new())
    } else {
        p.take("summary", text::paragraph(&i.summary, 5000), |e| (e.code().into(), e.message()))
    };
    let region = match i.service_region_code.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(code) => match RegionCode::parse(code) {
            Some(rc) => match db::regions::find(conn, rc.as_str())? {
                Some(r) => match &pool {
                    Some(pl) if !region_fits(pl, &r.code) => {
                        p.add("service_region_code", "region_outside_pool", "镇街资金池只资助服务本镇（街道）的项目");
                        None
                    }
                    _ => Some(r.code),
                },
                None => {
                    p.add("service_region_code", "unknown_region", "服务区域不在本区范围内");
                    None
                }
            },
            None => {
                p.add("service_region_code", "invalid_region_code", "区划代码应为 6 位或 12 位数字");
                None
            }
        },
    };
    let kind = if i.beneficiaries.kind.trim().is_empty() {
        Some(String::new())
    } else {
        p.take("beneficiaries.kind", text::name(&i.beneficiaries.kind, 50), |e| (e.code().into(), e.message()))
    };
    if i.beneficiaries.count > 1_000_000 {
        p.add("beneficiaries.count", "out_of_range", "受益人数不合理");
    }
    let start =
        i.start_date.as_deref().filter(|s| !s.trim().is_empty()).and_then(|s| parse_date(&mut p, "start_date", s));
    let end = i.end_date.as_deref().filter(|s| !s.trim().is_empty()).and_then(|s| parse_date(&mut p, "end_date", s));
    let requested = money(&mut p, "requested_amount", &i.requested_amount);
    let matching = match &i.matching_funds {
        Some(s) if !s.trim().is_empty() => money(&mut p, "matching_funds", s),
        _ => Some(Money::ZERO),
    };
    if i.budget_lines.len() > 100 {
        p.add("budget_lines", "too_many", "预算明细最多 100 行");
    }
    let mut lines = Vec::new();
    for (k, l) in i.budget_lines.iter().enumerate().take(100) {
        let f = |x: &str| format!("budget_lines[{k}].{x}");
        let cat = BudgetCategory::parse(&l.category);
        if cat.is_none() {
            p.add(&f("category"), "invalid_budget_category", "未知的预算科目");
        }
        let item = p.take(&f("item"), text::name(&l.item, 100), |e| (e.code().into(), e.message()));
        let amount = money(&mut p, &f("amount"), &l.amount);
        let qty = match l.quantity.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(q) => money(&mut p, &f("quantity"), q).map(Some),
            None => Some(None),
        };
        let price = match l.unit_price.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(u) => money(&mut p, &f("unit_price"), u).map(Some),
            None => Some(None),
        };
        if let (Some(Some(q)), Some(Some(u)), Some(a)) = (qty, price, amount) {
            // Quantity × unit price, rounded half-up to the fen, must be the line's amount.
            let product = Money::round_half_up(q.as_decimal() * u.as_decimal());
            if product != a {
                p.add(
                    &f("amount"),
                    "line_amount_mismatch",
                    format!("数量 × 单价 = {} 元，与金额不一致", product.grouped()),
                );
            }
        }
        let note = if l.note.trim().is_empty() {
            Some(String::new())
        } else {
            p.take(&f("note"), text::paragraph(&l.note, 500), |e| (e.code().into(), e.message()))
        };
        if let (Some(c), Some(item), Some(a), Some(q), Some(u), Some(note)) = (cat, item, amount, qty, price, note) {
            lines.push(NewLine {
                category: c.as_str().into(),
                item,
                quantity: q.map(|x| x.as_decimal().normalize().to_string()),
                unit_price: u.map(Money::fen),
                amount: a.fen(),
                note,
            });
        }
    }
    if i.milestones.len() > 20 {
        p.add("milestones", "too_many", "进度节点最多 20 个");
    }
    let mut milestones = Vec::new();
    for (k, m) in i.milestones.iter().enumerate().take(20) {
        let f = |x: &str| format!("milestones[{k}].{x}");
        let title = p.take(&f("title"), text::name(&m.title, 100), |e| (e.code().into(), e.message()));
        let due = parse_date(&mut p, &f("due_date"), &m.due_date);
        let deliverable = if m.deliverable.trim().is_empty() {
            Some(String::new())
        } else {
            p.take(&f("deliverable"), text::paragraph(&m.deliverable, 1000), |e| (e.code().into(), e.message()))
        };
        if let (Some(title), Some(due_date), Some(deliverable)) = (title, due, deliverable) {
            milestones.push(NewMilestone { title, due_date, deliverable });
        }
    }
    p.finish()?;
    let bad = || AppError::internal("validated bid lost a value");
    let pool = pool.ok_or_else(bad)?;
    Ok((
        Parsed {
            content: BidContent {
                pool_id: pool.id,
                category,
                title: title.ok_or_else(bad)?,
                summary: summary.ok_or_else(bad)?,
                service_region_code: region,
                beneficiary_kind: kind.ok_or_else(bad)?,
                beneficiary_count: i.beneficiaries.count as i32,
                start_date: start,
                end_date: end,
                requested: requested.ok_or_else(bad)?.fen(),
                matching: matching.ok_or_else(bad)?.fen(),
            },
            lines,
            milestones,
        },
        pool,
    ))
}

fn own_org(ctx: &Ctx) -> AppResult<(&Actor, i64)> {
    let a = ctx.require(&[Role::Org])?;
    let org = a.organisation_id.ok_or_else(|| AppError::internal("org user without organisation"))?;
    Ok((a, org))
}

const MAX_DRAFTS: i64 = 20;

pub fn create(conn: &mut DbConn, ctx: &Ctx, call_id: i64, input: &BidInput) -> AppResult<BidView> {
    let (actor, org) = own_org(ctx)?;
    let actor = actor.clone();
    let call = load_call(conn, call_id)?;
    match call.phase(ctx.now) {
        Phase::Draft => return Err(AppError::not_found()),
        Phase::Announced | Phase::Open => {}
        _ => return Err(AppError::conflict("deadline_passed", "申报已截止")),
    }
    let (parsed, _) = parse(conn, &call, input)?;
    check_renewal(conn, org, &call, input.renewal_of)?;
    let id = db::write_tx(conn, |c| {
        let drafts = db::bids::list(
            c,
            &db::bids::BidFilter {
                call_id: Some(call_id),
                organisation_id: Some(org),
                statuses: Some(vec!["draft"]),
                pool_region_prefix: None,
                pool_id: None,
                after_id: 0,
                limit: MAX_DRAFTS,
            },
        )?;
        if drafts.len() as i64 >= MAX_DRAFTS {
            return Err(AppError::conflict("too_many_drafts", "草稿过多，请先删除或撤回不用的草稿"));
        }
        let id = db::bids::insert(c, call_id, org, &parsed.content, actor.id, db_time(ctx.now))?;
        db::bids::replace_lines(c, id, &parsed.lines, &parsed.milestones)?;
        db::repeats::set(c, id, input.renewal_of, None)?;
        audit::record(
            c,
            ctx,
            "bid.create",
            "bid",
            Some(id),
            serde_json::json!({"call_id": call_id, "title": parsed.content.title}),
        )?;
        Ok(id)
    })?;
    // Read back after the commit: the writer lock is held no longer than the writes need.
    let b = db::bids::find(conn, id)?.ok_or_else(AppError::not_found)?;
    full_view(conn, &b)
}

pub fn get(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<BidView> {
    let (b, _, _) = visible(conn, ctx, id)?;
    if matches!(ctx.actor().map(|a| a.role), Some(Role::Staff | Role::Finance)) {
        db::write_tx(conn, |c| audit::record(c, ctx, "bid.read", "bid", Some(id), serde_json::json!({})))?;
    }
    full_view(conn, &b)
}

fn sections(items: Option<&str>) -> Vec<String> {
    items.map(db::calls::split_list).unwrap_or_default()
}

/// Edits a draft; during 限期补正 only the reopened sections, until the due date.
pub fn update(conn: &mut DbConn, ctx: &Ctx, id: i64, input: &BidInput) -> AppResult<BidView> {
    own_org(ctx)?;
    let (b, call, _) = visible(conn, ctx, id)?;
    let (mut parsed, _) = parse(conn, &call, input)?;
    check_renewal(conn, b.organisation_id, &call, input.renewal_of)?;
    editable(&b, &call, ctx.now)?;
    if b.status == "needs_correction" {
        let open = sections(b.correction_items.as_deref());
        let keep = |s: &str| !open.iter().any(|x| x == s);
        let c = &mut parsed.content;
        c.pool_id = b.pool_id;
        if keep("basic") {
            c.category = b.category.clone();
            c.title = b.title.clone();
            c.summary = b.summary.clone();
            c.service_region_code = b.service_region_code.clone();
            c.beneficiary_kind = b.beneficiary_kind.clone();
            c.beneficiary_count = b.beneficiary_count;
            c.start_date = b.start_date;
            c.end_date = b.end_date;
        }
        if keep("budget") {
            c.requested = b.requested;
            c.matching = b.matching;
            parsed.lines = db::bids::lines_of(conn, &[id])?
                .into_iter()
                .map(|l| NewLine {
                    category: l.category,
                    item: l.item,
                    quantity: l.quantity,
                    unit_price: l.unit_price,
                    amount: l.amount,
                    note: l.note,
                })
                .collect();
        }
        if keep("milestones") {
            parsed.milestones = db::bids::milestones_of(conn, &[id])?
                .into_iter()
                .map(|m| NewMilestone { title: m.title, due_date: m.due_date, deliverable: m.deliverable })
                .collect();
        }
    }
    db::write_tx(conn, |c| {
        if db::bids::update_content(c, id, &["draft", "needs_correction"], &parsed.content, db_time(ctx.now))? != 1 {
            return Err(AppError::conflict("not_editable", "申报状态已变化，请刷新"));
        }
        db::bids::replace_lines(c, id, &parsed.lines, &parsed.milestones)?;
        db::repeats::set(c, id, input.renewal_of, None)?;
        audit::record(c, ctx, "bid.update", "bid", Some(id), serde_json::json!({"status": b.status}))?;
        Ok(())
    })?;
    // Read back after the commit: the writer lock is held no longer than the writes need.
    let b = db::bids::find(conn, id)?.ok_or_else(AppError::not_found)?;
    full_view(conn, &b)
}

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
    let rules = BudgetRules {
        min_grant: Money::from_fen(call.min_grant),
        max_grant: Money::from_fen(call.max_grant),
        personnel_pct: call.personnel_pct.map(|x| x as u32),
        admin_pct: call.admin_pct.map(|x| x as u32),
        forbidden: db::calls::split_list(&call.forbidden_categories)
            .iter()
            .filter_map(|c| BudgetCategory::parse(c))
            .collect(),
    };
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

pub fn submit(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<BidView> {
    let (_, org_id) = own_org(ctx)?;
    let (b, call, pool) = visible(conn, ctx, id)?;
    let org = db::organisations::find(conn, org_id)?.ok_or_else(AppError::not_found)?;
    if org.status != "verified" {
        return Err(AppError::new(
            StatusCode::FORBIDDEN,
            "org_not_verified",
            "贵单位尚未通过民政部门审核，暂不能提交申报",
        ));
    }
    let resubmission = b.status == "needs_correction";
    match (b.status.as_str(), call.phase(ctx.now)) {
        ("draft", Phase::Open) => {}
        ("draft", Phase::Announced) => return Err(AppError::conflict("call_not_open", "尚未到申报开始时间")),
        ("draft", _) => return Err(AppError::conflict("deadline_passed", "申报已截止")),
        ("needs_correction", _) if b.correction_due.is_some_and(|d| local_date(ctx.now) > d) => {
            return Err(AppError::conflict("correction_overdue", "补正期限已过"))
        }
        ("needs_correction", _) => {}
        (s, _) => return Err(AppError::conflict("already_submitted", format!("申报当前状态为“{}”", status_label(s)))),
    }
    let lines = db::bids::lines_of(conn, &[id])?;
    let ms = db::bids::milestones_of(conn, &[id])?;
    let has_categories = !db::calls::categories_of(conn, call.id)?.is_empty();
    submission_problems(&call, &pool, &b, &lines, &ms, has_categories).finish()?;
    let rule = super::calls::scoring_design(conn, call.id)?.repeat;
    let renewal_of = db::repeats::of_bids(conn, &[id])?.get(&id).and_then(|x| x.0);
    let repeat_of = if rule == RepeatRule::Allow && renewal_of.is_none() {
        None
    } else {
        let earlier = earlier_projects(conn, org_id, &call)?;
        repeat::at_submit(rule, &b.title, renewal_of, &earlier).map_err(|e| repeat_error("renewal_of", e))?
    };
    let now = db_time(ctx.now);
    db::write_tx(conn, |c| {
        let reference_no = if resubmission {
            if db::bids::mark_resubmitted(c, id, now)? != 1 {
                return Err(AppError::conflict("already_submitted", "申报状态已变化，请刷新"));
            }
            b.reference.clone().unwrap_or_default()
        } else {
            // Taking the number first locks the call's row: submissions to one call queue here,
            // so the per-organisation limit below cannot be raced past.
            let seq = db::calls::next_seq(c, call.id)?;
            if db::bids::count_active(c, call.id, org_id)? >= i64::from(call.max_bids_per_org) {
                return Err(AppError::conflict(
                    "bid_limit_reached",
                    format!("每个组织在本次招标中最多提交 {} 个项目", call.max_bids_per_org),
                ));
            }
            let r = reference(&call.reference_prefix, call.year, seq);
            if db::bids::mark_submitted(c, id, seq, &r, now)? != 1 {
                return Err(AppError::conflict("already_submitted", "申报状态已变化，请刷新"));
            }
            r
        };
        let action = if resubmission { "bid.resubmit" } else { "bid.submit" };
        if renewal_of.is_some() || repeat_of.is_some() {
            db::repeats::set(c, id, renewal_of, repeat_of)?;
        }
        audit::record(
            c,
            ctx,
            action,
            "bid",
            Some(id),
            serde_json::json!({"reference": reference_no, "requested": Money::from_fen(b.requested), "renewal_of": renewal_of, "repeat_of": repeat_of}),
        )?;
        mail::queue_about_bid(
            c,
            ctx,
            id,
            mail::bid_received(&org.email, &org.name, &b.title, &reference_no, resubmission),
        )?;
        Ok(())
    })?;
    // Read back after the commit: the writer lock is held no longer than the writes need.
    let b = db::bids::find(conn, id)?.ok_or_else(AppError::not_found)?;
    full_view(conn, &b)
}

pub fn withdraw(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<BidView> {
    let (_, org_id) = own_org(ctx)?;
    let (b, call, _) = visible(conn, ctx, id)?;
    if call.phase(ctx.now).past_deadline() {
        return Err(AppError::conflict("deadline_passed", "申报截止后不能撤回"));
    }
    if !matches!(b.status.as_str(), "draft" | "submitted") {
        return Err(AppError::conflict(
            "not_withdrawable",
            format!("申报当前状态为“{}”，不能撤回", status_label(&b.status)),
        ));
    }
    let org = db::organisations::find(conn, org_id)?.ok_or_else(AppError::not_found)?;
    db::write_tx(conn, |c| {
        if db::bids::mark_withdrawn(c, id, &["draft", "submitted"], db_time(ctx.now))? != 1 {
            return Err(AppError::conflict("not_withdrawable", "申报状态已变化，请刷新"));
        }
        audit::record(c, ctx, "bid.withdraw", "bid", Some(id), serde_json::json!({"from": b.status}))?;
        if b.status == "submitted" {
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
}

pub fn screen(conn: &mut DbConn, ctx: &Ctx, id: i64, input: &ScreeningInput) -> AppResult<BidView> {
    let actor = ctx.require(&[Role::Staff])?.clone();
    let (b, call, _) = visible(conn, ctx, id)?;
    let outcome = match (&input.outcome, input.eligible) {
        (Some(o), _) => o.clone(),
        (None, Some(true)) => "eligible".into(),
        (None, Some(false)) => "ineligible".into(),
        (None, None) => {
            return Err(
                AppError::bad_request("missing_field", "缺少必填字段 eligible 或 outcome").with_field("eligible")
            )
        }
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
            match input.due.as_deref().map(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d")) {
                Some(Ok(d)) if d > local_date(ctx.now) => due = Some(d),
                Some(Ok(_)) => p.add("due", "due_in_past", "补正期限应晚于今天"),
                _ => p.add("due", "invalid_date", "请填写补正期限（YYYY-MM-DD）"),
            }
        }
        _ => p.add("outcome", "invalid_outcome", "审查结论应为 eligible、ineligible 或 needs_correction"),
    }
    p.finish()?;
    match call.phase(ctx.now) {
        Phase::Screening => {}
        p if p.past_deadline() => return Err(AppError::conflict("screening_closed", "专家评审已开始，资格审查已结束")),
        _ => return Err(AppError::conflict("call_not_closed", "申报截止后才能进行资格审查")),
    }
    if b.status != "submitted" {
        return Err(AppError::conflict(
            "wrong_status",
            format!("申报当前状态为“{}”，不能审查", status_label(&b.status)),
        ));
    }
    let rule = super::calls::scoring_design(conn, call.id)?.repeat;
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
            return Err(AppError::conflict("wrong_status", "申报状态已变化，请刷新"));
        }
        audit::record(
            c,
            ctx,
            "bid.screen",
            "bid",
            Some(id),
            serde_json::json!({"outcome": outcome, "note": note, "items": items, "due": due, "repeat_of": repeat_of, "repeat_confirmed": input.repeat_confirmed}),
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
                &outcome,
                note.as_deref(),
                items.as_deref(),
                due,
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
    let approved = money(&mut p, "approved_amount", &input.approved_amount);
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
    if b.status != "eligible" {
        return Err(AppError::conflict(
            "wrong_status",
            format!("只有资格审查通过的申报才能进行预算审核（当前：{}）", status_label(&b.status)),
        ));
    }
    db::write_tx(conn, |c| {
        if db::bids::set_approved(c, id, approved.fen(), note.as_deref(), actor.id, db_time(ctx.now))? != 1 {
            return Err(AppError::conflict("wrong_status", "申报状态已变化，请刷新"));
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

/// Bids of a call: staff and finance after `closes_at` (town staff their town's pool), an
/// organisation its own at any time. Lines and milestones loaded in two queries for the page.
pub fn list_for_call(
    conn: &mut DbConn,
    ctx: &Ctx,
    call_id: i64,
    status: Option<&str>,
    pool_id: Option<i64>,
    after: i64,
    limit: Option<i64>,
) -> AppResult<Vec<BidView>> {
    let a = ctx.require(&[Role::Org, Role::Staff, Role::Finance])?.clone();
    let call = load_call(conn, call_id)?;
    if call.status == "draft" {
        return Err(AppError::not_found());
    }
    let mut f = db::bids::BidFilter {
        call_id: Some(call_id),
        organisation_id: None,
        statuses: None,
        pool_region_prefix: a.region_scope(),
        pool_id,
        after_id: after,
        limit: page_limit(limit),
    };
    let status_filter: Vec<&str> = status.map(|s| vec![s]).unwrap_or_default();
    match a.role {
        Role::Org => f.organisation_id = a.organisation_id,
        _ => {
            if call.phase(ctx.now).bids_sealed() {
                return Err(AppError::conflict("bids_sealed", "申报截止前，申报材料仅申报单位可见"));
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
        db::bids::status_counts(conn, call_id, a.region_scope())?.into_iter().filter(|(s, _)| s != "draft").collect()
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

//! Drafting a bid: the body checked field by field (every problem at once), create, and
//! edits of a draft or of the sections reopened for 限期补正.

use super::*;
use crate::error::Code;

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
    /// The dossier's section texts by section key (the call's `dossier`); partial in a draft.
    #[serde(default)]
    pub sections: std::collections::BTreeMap<String, String>,
    /// Output indicators (产出指标).
    #[serde(default)]
    pub outputs: Vec<crate::domain::dossier::Output>,
    /// The topic (选题) the bid answers: one of its call's `topics`.
    pub topic_id: Option<i64>,
}

struct Parsed {
    content: BidContent,
    /// The dossier's sections and outputs as stored (JSON); `None` when the bid has none.
    dossier: Option<(String, String)>,
    lines: Vec<NewLine>,
    milestones: Vec<NewMilestone>,
}

/// Whether `region` lies where `pool` may fund: a town pool serves its own town, the district
/// pool any region of the district.
pub(super) fn region_fits(pool: &PoolRow, region: &str) -> bool {
    crate::domain::region::pool_serves(&pool.level, &pool.region_code, region)
}

/// The service region: any region the pool may fund, or none given.
fn parse_region(
    conn: &mut DbConn,
    p: &mut Problems,
    pool: Option<&PoolRow>,
    given: Option<&str>,
) -> AppResult<Option<String>> {
    Ok(match given.map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(code) => match RegionCode::parse(code) {
            Some(rc) => match db::regions::find(conn, rc.as_str())? {
                Some(r) => match pool {
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
    })
}

/// The category, which must be one of the call's when the call has any.
fn parse_category(conn: &mut DbConn, p: &mut Problems, call_id: i64, given: Option<&str>) -> AppResult<Option<String>> {
    let cats = db::calls::categories_of(conn, call_id)?;
    Ok(match (given, cats.is_empty()) {
        (None, _) => None,
        (Some(c), false) if cats.iter().any(|k| k.key == c) => Some(c.to_string()),
        (Some(_), true) => {
            p.add("category", "no_categories", "本次招标未设项目类别");
            None
        }
        (Some(_), false) => {
            p.add("category", "unknown_category", "项目类别不在本次招标的类别中");
            None
        }
    })
}

/// Budget lines, at most 100; quantity × unit price must make the amount when both are given.
pub(crate) fn parse_lines(p: &mut Problems, given: &[BudgetLineInput]) -> Vec<NewLine> {
    if given.len() > 100 {
        p.add("budget_lines", "too_many", "预算明细最多 100 行");
    }
    let mut lines = Vec::new();
    for (k, l) in given.iter().enumerate().take(100) {
        let f = |x: &str| format!("budget_lines[{k}].{x}");
        let cat = BudgetCategory::parse(&l.category);
        if cat.is_none() {
            p.add(&f("category"), "invalid_budget_category", "未知的预算科目");
        }
        let item = p.take(&f("item"), text::name(&l.item, 100), |e| (e.code().into(), e.message()));
        let amount = p.money(&f("amount"), &l.amount);
        let qty = match l.quantity.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(q) => p.money(&f("quantity"), q).map(Some),
            None => Some(None),
        };
        let price = match l.unit_price.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(u) => p.money(&f("unit_price"), u).map(Some),
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
    lines
}

/// Milestones, at most 20, each with a title and a due date.
fn parse_milestones(p: &mut Problems, given: &[MilestoneInput]) -> Vec<NewMilestone> {
    if given.len() > 20 {
        p.add("milestones", "too_many", "进度节点最多 20 个");
    }
    let mut milestones = Vec::new();
    for (k, m) in given.iter().enumerate().take(20) {
        let f = |x: &str| format!("milestones[{k}].{x}");
        let title = p.take(&f("title"), text::name(&m.title, 100), |e| (e.code().into(), e.message()));
        let due = p.date(&f("due_date"), &m.due_date);
        let deliverable = if m.deliverable.trim().is_empty() {
            Some(String::new())
        } else {
            p.take(&f("deliverable"), text::paragraph(&m.deliverable, 1000), |e| (e.code().into(), e.message()))
        };
        if let (Some(title), Some(due_date), Some(deliverable)) = (title, due, deliverable) {
            milestones.push(NewMilestone { title, due_date, deliverable });
        }
    }
    milestones
}

/// Reads a bid body: every malformed field reported at once (422). Business rules that a draft
/// may still break (sums, ranges, caps) wait for submission.
fn parse(conn: &mut DbConn, call: &CallRow, i: &BidInput) -> AppResult<(Parsed, PoolRow)> {
    let mut p = Problems::default();
    let pool = db::calls::find_pool(conn, i.pool_id)?.filter(|x| x.call_id == call.id);
    if pool.is_none() {
        p.add("pool_id", "pool_not_in_call", "所选资金池不属于本次招标");
    }
    let category = parse_category(conn, &mut p, call.id, i.category.as_deref())?;
    let title = p.take("title", text::name(&i.title, 200), |e| (e.code().into(), e.message()));
    let summary = if i.summary.trim().is_empty() {
        Some(String::new())
    } else {
        p.take("summary", text::paragraph(&i.summary, 5000), |e| (e.code().into(), e.message()))
    };
    let region = parse_region(conn, &mut p, pool.as_ref(), i.service_region_code.as_deref())?;
    let kind = if i.beneficiaries.kind.trim().is_empty() {
        Some(String::new())
    } else {
        p.take("beneficiaries.kind", text::name(&i.beneficiaries.kind, 50), |e| (e.code().into(), e.message()))
    };
    if i.beneficiaries.count > 1_000_000 {
        p.add("beneficiaries.count", "out_of_range", "受益人数不合理");
    }
    let start = i.start_date.as_deref().filter(|s| !s.trim().is_empty()).and_then(|s| p.date("start_date", s));
    let end = i.end_date.as_deref().filter(|s| !s.trim().is_empty()).and_then(|s| p.date("end_date", s));
    let requested = p.money("requested_amount", &i.requested_amount);
    let matching = match &i.matching_funds {
        Some(s) if !s.trim().is_empty() => p.money("matching_funds", s),
        _ => Some(Money::ZERO),
    };
    let lines = parse_lines(&mut p, &i.budget_lines);
    let milestones = parse_milestones(&mut p, &i.milestones);
    // The dossier's texts are kept as typed; only what cannot be kept is refused now.
    let design = crate::service::calls::scoring_design(conn, call.id)?;
    let dossier = design.dossier;
    if let Err(t) = crate::domain::topic::check_bid(&design.topics, i.topic_id, false) {
        p.add("topic_id", t.code(), t.message());
    }
    let sections: std::collections::BTreeMap<String, String> = i
        .sections
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| (k.clone(), v.trim().to_string()))
        .collect();
    let outputs: Vec<crate::domain::dossier::Output> = i
        .outputs
        .iter()
        .map(|o| crate::domain::dossier::Output {
            indicator: o.indicator.trim().to_string(),
            target: o.target.trim().replace(',', ""),
            unit: o.unit.trim().to_string(),
        })
        .collect();
    for (f, code, msg) in crate::domain::dossier::check_draft(&dossier, &sections, &outputs) {
        p.add(&f, code, msg);
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
                topic_id: i.topic_id,
            },
            dossier: (!sections.is_empty() || !outputs.is_empty())
                .then(|| {
                    Ok::<_, AppError>((
                        serde_json::to_string(&sections).map_err(|_| bad())?,
                        serde_json::to_string(&outputs).map_err(|_| bad())?,
                    ))
                })
                .transpose()?,
            lines,
            milestones,
        },
        pool,
    ))
}

pub fn create(conn: &mut DbConn, ctx: &Ctx, call_id: i64, input: &BidInput) -> AppResult<BidView> {
    let (actor, org) = own_org(ctx)?;
    let actor = actor.clone();
    let call = load_call(conn, call_id)?;
    match call.phase(ctx.now) {
        Phase::Draft => return Err(AppError::not_found()),
        Phase::Announced | Phase::Open => {}
        _ => return Err(AppError::from(Code::DeadlinePassed)),
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
                search: None,
                after_id: 0,
                limit: MAX_DRAFTS,
            },
        )?;
        if drafts.len() as i64 >= MAX_DRAFTS {
            return Err(AppError::from(Code::TooManyDrafts));
        }
        let id = db::bids::insert(c, call_id, org, &parsed.content, actor.id, db_time(ctx.now))?;
        db::bids::replace_lines(c, id, &parsed.lines, &parsed.milestones)?;
        if let Some((sections, outputs)) = &parsed.dossier {
            db::bids::set_dossier(c, id, sections, outputs)?;
        }
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
    // During 限期补正 the dossier's texts go with the basic information.
    let mut write_dossier = true;
    if BidStatus::NeedsCorrection.is(&b.status) {
        let open = sections(b.correction_items.as_deref());
        write_dossier = open.iter().any(|x| x == "basic");
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
            return Err(Code::NotEditable.says("申报状态已变化，请刷新"));
        }
        db::bids::replace_lines(c, id, &parsed.lines, &parsed.milestones)?;
        if write_dossier {
            let (sections, outputs) = parsed.dossier.clone().unwrap_or_else(|| ("{}".into(), "[]".into()));
            db::bids::set_dossier(c, id, &sections, &outputs)?;
        }
        db::repeats::set(c, id, input.renewal_of, None)?;
        audit::record(c, ctx, "bid.update", "bid", Some(id), serde_json::json!({"status": b.status}))?;
        Ok(())
    })?;
    // Read back after the commit: the writer lock is held no longer than the writes need.
    let b = db::bids::find(conn, id)?.ok_or_else(AppError::not_found)?;
    full_view(conn, &b)
}

//! A call as staff write it: the request body, every field checked at once, the rows it
//! becomes; create, update (drafts only) and clone.

use super::*;
use crate::domain::state::CallStatus;
use crate::error::Code;

#[derive(Deserialize, Serialize, Default, Clone, utoipa::ToSchema)]
pub struct BudgetCapsInput {
    pub personnel_pct: Option<u32>,
    pub admin_pct: Option<u32>,
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct CategoryInput {
    pub key: String,
    pub name: String,
    pub max_projects: Option<u32>,
    /// Amount string in yuan.
    pub max_amount: Option<String>,
    /// `pool` (default: the limits hold within each pool) or `call`.
    pub scope: Option<String>,
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct CriterionInput {
    pub key: String,
    pub name: String,
    pub weight: u32,
    /// Highest score on this criterion, default "100".
    pub max_score: Option<String>,
}

/// A scoring stage (评审阶段). The first is the written stage on the call's `criteria`; later
/// stages carry their own rubric and panel.
#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct StageInput {
    pub key: String,
    pub name: String,
    /// Share of the final score; the stages' weights sum to 100.
    pub weight: u32,
    /// `written` (default for the first stage) or `defence` (现场答辩, default for later stages).
    pub kind: Option<String>,
    /// This stage's rubric (weights sum to 100); the first stage uses the call's `criteria`.
    #[serde(default)]
    pub criteria: Vec<CriterionInput>,
}

/// Bonus points for matching funds secured (配套资金), shown beside the score and added to it.
#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct BonusInput {
    /// Default 「配套资金加分」.
    pub name: Option<String>,
    /// Every full amount of this many yuan of matching funds …
    pub per_amount: String,
    /// … earns this many points (decimal string) …
    pub points: String,
    /// … up to this many.
    pub max_points: String,
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct PoolInput {
    /// The yearly fund the pool draws on (`GET /api/v1/funds`); it gives the level and region.
    pub fund_id: Option<i64>,
    /// `district` or `town`: with `region_code`, the fund of that region for the call's year.
    pub level: Option<String>,
    pub region_code: Option<String>,
    pub name: Option<String>,
    /// Amount string in yuan.
    pub budget: String,
}

impl PoolInput {
    /// A pool on a region's fund for the call's year, named after the region.
    pub fn on_region(level: &str, region_code: &str, budget: &str) -> PoolInput {
        PoolInput {
            fund_id: None,
            level: Some(level.into()),
            region_code: Some(region_code.into()),
            name: None,
            budget: budget.into(),
        }
    }
}

/// `POST /api/v1/calls` and `PUT /api/v1/calls/{id}`.
#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct CallInput {
    pub year: i32,
    pub title: String,
    #[serde(default)]
    pub announcement: String,
    /// RFC 3339 with offset.
    pub opens_at: String,
    pub closes_at: String,
    pub notice_days: Option<u32>,
    pub notice_working_days: Option<bool>,
    /// `YYYY-MM-DD`
    pub project_start: String,
    pub project_end: String,
    pub min_grant: String,
    pub max_grant: String,
    pub max_bids_per_org: Option<u32>,
    /// Decimal string, default "60.00".
    pub score_threshold: Option<String>,
    #[serde(default)]
    pub budget_caps: BudgetCapsInput,
    #[serde(default)]
    pub forbidden_categories: Vec<String>,
    pub tranches: Option<Vec<u32>>,
    /// `budget` 财政预算 · `lottery` 福彩公益金 · `other`
    pub fund_source: Option<String>,
    #[serde(default)]
    pub categories: Vec<CategoryInput>,
    /// Empty: the default rubric (项目必要性 20, 方案可行性 25, 创新性 20, 预算合理性 20, 机构能力 15).
    #[serde(default)]
    pub criteria: Vec<CriterionInput>,
    #[serde(default)]
    pub pools: Vec<PoolInput>,
    /// Prefix of bid references, default "JJ" (JJ-2026-0001).
    pub reference_prefix: Option<String>,
    /// Scoring stages (e.g. 书面评审 60, 现场答辩 40). Empty: one written stage on `criteria`.
    #[serde(default)]
    pub stages: Vec<StageInput>,
    pub bonus: Option<BonusInput>,
    /// Bids for a project funded in the previous call: `allow` (default), `refuse`, or
    /// `renewal_only` (续期项目 whose final evaluation was at least 良好).
    pub repeat_funding: Option<String>,
    /// Rules on the applicant's standing (年检, the lists, penalties) and a rating bonus; none
    /// by default.
    pub eligibility: Option<crate::domain::standing::Eligibility>,
    /// The screening checklist (资格审查清单) the screener ticks for each bid; none by default.
    #[serde(default)]
    pub screening_checklist: Vec<crate::domain::checklist::Item>,
    /// The application dossier (申报书): `"standard"` for the standard set, or `{sections:
    /// [{key, name, max_chars, required}], documents: [{type, name, required}]}`; omitted: none.
    #[schema(value_type = Option<Object>)]
    pub dossier: Option<serde_json::Value>,
    /// How projects are paid: `tranches` (default; each tranche released by its milestone) or
    /// `after_final` (one payment once the final evaluation is verified; `tranches` must be [100]).
    pub payment_mode: Option<String>,
    /// Days after a project's end date its final evaluation falls due (default 30, at most 180).
    pub final_report_days: Option<u32>,
    /// Projects approved at or above this amount close only with an audit report; omitted: none.
    pub audit_threshold: Option<String>,
    /// A budget change moving more than this % of the approved amount between categories also
    /// needs finance (default 10).
    pub change_finance_pct: Option<u32>,
    /// Evaluation indicators `[{key, name, max_points}]`; omitted: 项目实施 30, 投入与管理 20,
    /// 财务管理 20, 项目成效 30.
    pub evaluation_rubric: Option<Vec<crate::domain::evaluation::Indicator>>,
    /// `{excellent, good, pass}` lowest totals; omitted: 90 / 75 / 60.
    pub grade_cutoffs: Option<crate::domain::evaluation::Cutoffs>,
    /// Topics (选题, ids from `POST /api/v1/topics`, of the call's year) bids may answer.
    #[serde(default)]
    pub topics: Vec<i64>,
    /// Whether every bid must answer one of `topics` (422 `topic_required` on submitting).
    #[serde(default)]
    pub topic_required: bool,
}

pub(super) fn key_ok(k: &str) -> bool {
    (1..=32).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// A score like "60" or "85.5": two decimals at most, within 0 … `max` (hundredths).
pub fn parse_score(s: &str, max: i64) -> Option<i64> {
    let m = Money::parse(s.trim()).ok()?;
    (m.fen() <= max).then_some(m.fen())
}

/// key, name, max projects, max amount (fen), scope
pub(super) type CategoryParts = (String, String, Option<i32>, Option<i64>, String);

/// key, name, weight, kind
pub(super) type StageParts = (String, String, i32, String);

pub(super) struct Parts {
    row: CallRow,
    pools: Vec<PoolParts>,
    criteria: Vec<CriterionParts>,
    categories: Vec<CategoryParts>,
    stages: Vec<StageParts>,
    /// Rubrics of the stages after the first: (stage position, criterion).
    stage_criteria: Vec<(i32, CriterionParts)>,
    scoring: Option<db::calls::ScoringRow>,
}

/// Turns the request into rows, reporting every malformed field at once (422). Floors, weights
/// and the other publishing rules are not checked here: a draft may be incomplete.
fn parse_input(conn: &mut DbConn, ctx: &Ctx, actor: &Actor, i: &CallInput) -> AppResult<Parts> {
    let mut p = Problems::default();
    if !(2000..=2100).contains(&i.year) {
        p.add("year", "out_of_range", "年度应在 2000–2100 之间");
    }
    let title = p.take("title", text::name(&i.title, 200), |e| (e.code().into(), e.message()));
    let announcement = if i.announcement.trim().is_empty() {
        Some(String::new())
    } else {
        p.take("announcement", text::paragraph(&i.announcement, 20_000), |e| (e.code().into(), e.message()))
    };
    let opens_at = p.datetime("opens_at", &i.opens_at);
    let closes_at = p.datetime("closes_at", &i.closes_at);
    let project_start = p.date("project_start", &i.project_start);
    let project_end = p.date("project_end", &i.project_end);
    let min_grant = p.money("min_grant", &i.min_grant);
    let max_grant = p.money("max_grant", &i.max_grant);
    let notice_days = i.notice_days.unwrap_or(7);
    if !(1..=60).contains(&notice_days) {
        p.add("notice_days", "out_of_range", "公示期应为 1–60 天");
    }
    let max_bids = i.max_bids_per_org.unwrap_or(2);
    if !(1..=20).contains(&max_bids) {
        p.add("max_bids_per_org", "out_of_range", "每个组织的申报数量上限应为 1–20");
    }
    let threshold = threshold_field(&mut p, i.score_threshold.as_deref());
    for (f, v) in
        [("budget_caps.personnel_pct", i.budget_caps.personnel_pct), ("budget_caps.admin_pct", i.budget_caps.admin_pct)]
    {
        if v.is_some_and(|x| x > 100) {
            p.add(f, "out_of_range", "比例应为 0–100");
        }
    }
    let forbidden = parse_forbidden(&mut p, &i.forbidden_categories);
    let tranches = i.tranches.clone().unwrap_or_else(|| call::DEFAULT_TRANCHES.to_vec());
    if tranches.is_empty() || tranches.len() > 10 || tranches.iter().any(|&t| t == 0 || t > 100) {
        p.add("tranches", "invalid_tranches", "拨付比例应为 1–10 期，每期 1–100");
    }
    let fund = match &i.fund_source {
        None => Some(FundSource::Budget),
        Some(s) => p.take("fund_source", FundSource::parse(s).ok_or(()), |_| {
            ("invalid_fund_source".into(), "资金来源应为 budget、lottery 或 other".into())
        }),
    };
    let prefix = i.reference_prefix.clone().unwrap_or_else(|| "JJ".into());
    if !(1..=8).contains(&prefix.len()) || !prefix.bytes().all(|b| b.is_ascii_uppercase()) {
        p.add("reference_prefix", "invalid_prefix", "编号前缀应为 1–8 位大写字母");
    }
    let categories = parse_categories(&mut p, &i.categories);
    let criteria = if i.criteria.is_empty() {
        call::DEFAULT_CRITERIA.iter().map(|(k, n, w)| (k.to_string(), n.to_string(), *w as i32, 10_000)).collect()
    } else {
        parse_criteria(&mut p, "criteria", &i.criteria)
    };
    let (stages, stage_criteria) = parse_stages(&mut p, &i.stages);
    let scoring = parse_scoring(&mut p, i);
    // Each topic exists and is of the call's year.
    let known = db::demands::topics_by_id(conn, &i.topics)?;
    for (n, id) in i.topics.iter().enumerate() {
        match known.iter().find(|t| t.id == *id) {
            None => p.add(&format!("topics[{n}]"), "unknown_topic", "选题不存在"),
            Some(t) if t.year != i.year => {
                p.add(&format!("topics[{n}]"), "topic_year", format!("选题《{}》属于 {} 年度", t.title, t.year))
            }
            Some(_) => {}
        }
    }
    let pools = parse_pools(conn, &mut p, i.year, &i.pools)?;
    p.finish()?;
    let bad = || AppError::internal("validated call lost a value");
    Ok(Parts {
        row: CallRow {
            id: 0,
            year: i.year,
            title: title.ok_or_else(bad)?,
            announcement: announcement.ok_or_else(bad)?,
            opens_at: db_time(opens_at.ok_or_else(bad)?),
            closes_at: db_time(closes_at.ok_or_else(bad)?),
            notice_days: notice_days as i32,
            notice_working_days: i.notice_working_days.unwrap_or(true),
            project_start: project_start.ok_or_else(bad)?,
            project_end: project_end.ok_or_else(bad)?,
            min_grant: min_grant.ok_or_else(bad)?.fen(),
            max_grant: max_grant.ok_or_else(bad)?.fen(),
            max_bids_per_org: max_bids as i32,
            score_threshold: threshold.ok_or_else(bad)?,
            personnel_pct: i.budget_caps.personnel_pct.map(|x| x as i32),
            admin_pct: i.budget_caps.admin_pct.map(|x| x as i32),
            forbidden_categories: forbidden.join(","),
            tranches: tranches.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(","),
            fund_source: fund.ok_or_else(bad)?.as_str().into(),
            reference_prefix: prefix,
            status: CallStatus::Draft.as_str().into(),
            next_seq: 0,
            cloned_from: None,
            created_by: actor.id,
            created_at: db_time(ctx.now),
            published_at: None,
            published_by: None,
        },
        pools,
        criteria,
        categories,
        stages,
        stage_criteria,
        scoring,
    })
}

fn write_parts(conn: &mut DbConn, id: i64, parts: &Parts) -> AppResult<()> {
    let pools: Vec<NewPool> = parts
        .pools
        .iter()
        .map(|(l, r, n, b, f)| NewPool { level: l, region_code: r, name: n, budget: *b, fund_id: *f })
        .collect();
    let crit: Vec<NewCriterion> = parts
        .criteria
        .iter()
        .map(|c| (0, c))
        .chain(parts.stage_criteria.iter().map(|(st, c)| (*st, c)))
        .map(|(stage, (k, n, w, m))| NewCriterion { stage, key: k, name: n, weight: *w, max_score: *m })
        .collect();
    let cats: Vec<NewCategory> = parts
        .categories
        .iter()
        .map(|(k, n, mp, ma, s)| NewCategory { key: k, name: n, max_projects: *mp, max_amount: *ma, scope: s })
        .collect();
    db::calls::replace_parts(conn, id, &pools, &crit, &cats)?;
    let stages: Vec<db::calls::NewStage> = parts
        .stages
        .iter()
        .enumerate()
        .map(|(i, (k, n, w, kind))| (i as i32, k.as_str(), n.as_str(), *w, kind.as_str()))
        .collect();
    let scoring = parts.scoring.clone().map(|s| db::calls::ScoringRow { call_id: id, ..s });
    Ok(db::calls::replace_scoring(conn, id, &stages, scoring.as_ref())?)
}

/// Town staff draft only calls whose pools are all their own town's (403 `other_fund`).
fn check_own_pools(actor: &Actor, parts: &Parts) -> AppResult<()> {
    let regions: Vec<&str> = parts.pools.iter().map(|p| p.1.as_str()).collect();
    if !crate::domain::fund::may_run_call(actor.region_code.as_deref(), &regions) {
        return Err(Code::OtherFund.says("镇街工作人员的招标只能使用本镇街的专项资金，请至少设一个本镇街资金池"));
    }
    Ok(())
}

pub fn create(conn: &mut DbConn, ctx: &Ctx, input: &CallInput) -> AppResult<CallView> {
    let actor = ctx.require(&[Role::Staff])?.clone();
    let parts = parse_input(conn, ctx, &actor, input)?;
    check_own_pools(&actor, &parts)?;
    db::write_tx(conn, |c| {
        let id = db::calls::insert(c, &parts.row)?;
        write_parts(c, id, &parts)?;
        audit::record(
            c,
            ctx,
            "call.create",
            "call",
            Some(id),
            serde_json::json!({"title": parts.row.title, "year": parts.row.year}),
        )?;
        Ok(load_view(c, id, ctx.now)?.1)
    })
}

pub fn update(conn: &mut DbConn, ctx: &Ctx, id: i64, input: &CallInput) -> AppResult<CallView> {
    let actor = super::runner(conn, ctx, id)?;
    let parts = parse_input(conn, ctx, &actor, input)?;
    check_own_pools(&actor, &parts)?;
    db::write_tx(conn, |c| {
        let existing = db::calls::find(c, id)?.ok_or_else(AppError::not_found)?;
        if !CallStatus::Draft.is(&existing.status) {
            return Err(AppError::from(Code::CallFrozen));
        }
        let row = CallRow {
            created_by: existing.created_by,
            created_at: existing.created_at,
            cloned_from: existing.cloned_from,
            ..parts.row.clone()
        };
        if db::calls::update(c, id, &row)? != 1 {
            return Err(AppError::from(Code::CallFrozen));
        }
        write_parts(c, id, &parts)?;
        audit::record(c, ctx, "call.update", "call", Some(id), serde_json::json!({"title": row.title}))?;
        Ok(load_view(c, id, ctx.now)?.1)
    })
}

/// A new draft from an earlier call: same rules, pools, rubric and categories, a year later.
pub fn clone(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<CallView> {
    let actor = super::runner(conn, ctx, id)?;
    db::write_tx(conn, |c| {
        let old = db::calls::find(c, id)?.ok_or_else(AppError::not_found)?;
        let year_on = |t: chrono::NaiveDateTime| t.checked_add_months(chrono::Months::new(12)).unwrap_or(t);
        let day_on = |d: NaiveDate| d.checked_add_months(chrono::Months::new(12)).unwrap_or(d);
        let row = CallRow {
            id: 0,
            year: old.year + 1,
            title: old.title.replace(&old.year.to_string(), &(old.year + 1).to_string()),
            opens_at: year_on(old.opens_at),
            closes_at: year_on(old.closes_at),
            project_start: day_on(old.project_start),
            project_end: day_on(old.project_end),
            status: CallStatus::Draft.as_str().into(),
            next_seq: 0,
            cloned_from: Some(old.id),
            created_by: actor.id,
            created_at: db_time(ctx.now),
            published_at: None,
            published_by: None,
            ..old.clone()
        };
        let new_id = db::calls::insert(c, &row)?;
        let pools = db::calls::pools_of(c, &[id])?;
        let crit = db::calls::all_criteria(c, id)?;
        let cats = db::calls::categories_of(c, id)?;
        let (first, later): (Vec<_>, Vec<_>) = crit.into_iter().partition(|k| k.stage == 0);
        let parts = Parts {
            row,
            pools: pools
                .into_iter()
                .map(|p| {
                    let fund = db::funds::of_region(c, old.year + 1, &p.region_code)?.map(|f| f.id);
                    Ok((p.level, p.region_code, p.name, p.budget, fund))
                })
                .collect::<AppResult<_>>()?,
            criteria: first.into_iter().map(|k| (k.key, k.name, k.weight, k.max_score)).collect(),
            categories: cats.into_iter().map(|k| (k.key, k.name, k.max_projects, k.max_amount, k.scope)).collect(),
            stages: db::calls::stages_of(c, id)?.into_iter().map(|s| (s.key, s.name, s.weight, s.kind)).collect(),
            stage_criteria: later.into_iter().map(|k| (k.stage, (k.key, k.name, k.weight, k.max_score))).collect(),
            scoring: db::calls::scoring_of(c, id)?,
        };
        write_parts(c, new_id, &parts)?;
        audit::record(c, ctx, "call.clone", "call", Some(new_id), serde_json::json!({"from": id}))?;
        Ok(load_view(c, new_id, ctx.now)?.1)
    })
}

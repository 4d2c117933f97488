//! Each part of a call's request body read and checked into the rows it becomes; every
//! problem is collected in `Problems` so staff see them all at once.

use super::*;

/// The score a bid needs to be recommended; 60 when not given.
pub(super) fn threshold_field(p: &mut Problems, given: Option<&str>) -> Option<i64> {
    let Some(s) = given else { return Some(6000) };
    p.take("score_threshold", parse_score(s, 10_000).ok_or(()), |_| {
        ("invalid_score".into(), "入围分数线应为 0–100 之间的数，最多两位小数".into())
    })
}

/// Budget categories no line may use, each named once.
pub(super) fn parse_forbidden(p: &mut Problems, given: &[String]) -> Vec<&'static str> {
    let mut forbidden = Vec::new();
    for (k, c) in given.iter().enumerate() {
        match BudgetCategory::parse(c) {
            Some(bc) if !forbidden.contains(&bc.as_str()) => forbidden.push(bc.as_str()),
            Some(_) => {}
            None => p.add(&format!("forbidden_categories[{k}]"), "invalid_budget_category", "未知的预算科目"),
        }
    }
    forbidden
}

/// The call's project categories with their limits, keys unique.
pub(super) fn parse_categories(p: &mut Problems, given: &[CategoryInput]) -> Vec<CategoryParts> {
    let mut categories = Vec::new();
    for (k, c) in given.iter().enumerate() {
        let f = |x: &str| format!("categories[{k}].{x}");
        if !key_ok(&c.key) || categories.iter().any(|x: &CategoryParts| x.0 == c.key) {
            p.add(&f("key"), "invalid_key", "类别代码应为唯一的小写字母、数字或下划线");
        }
        let name = p.take(&f("name"), text::name(&c.name, 50), |e| (e.code().into(), e.message()));
        let amount = match &c.max_amount {
            Some(s) => p.money(&f("max_amount"), s).map(|m| Some(m.fen())),
            None => Some(None),
        };
        let scope = c.scope.clone().unwrap_or_else(|| "pool".into());
        if scope != "pool" && scope != "call" {
            p.add(&f("scope"), "invalid_scope", "限额范围应为 pool 或 call");
        }
        if c.max_projects.is_some_and(|n| n == 0 || n > 1000) {
            p.add(&f("max_projects"), "out_of_range", "项目数上限应为 1–1000");
        }
        if let (Some(name), Some(amount)) = (name, amount) {
            categories.push((c.key.clone(), name, c.max_projects.map(|n| n as i32), amount, scope));
        }
    }
    categories
}

/// level, region code, name, budget (fen), fund (when it exists already)
pub(super) type PoolParts = (String, String, String, i64, Option<i64>);

/// The pools, each on a district or town region, one per region; a pool names its fund or its
/// region (whose fund for `year` it draws on, once the fund exists). A pool without a name is
/// named after its region.
pub(super) fn parse_pools(
    conn: &mut DbConn,
    p: &mut Problems,
    year: i32,
    given: &[PoolInput],
) -> AppResult<Vec<PoolParts>> {
    let mut pools: Vec<PoolParts> = Vec::new();
    for (k, pi) in given.iter().enumerate() {
        let f = |x: &str| format!("pools[{k}].{x}");
        let place = match pi.fund_id {
            Some(id) => pool_fund(conn, p, &f("fund_id"), year, id)?,
            None => pool_region(conn, p, &f, pi)?,
        };
        if let Some((_, r, _)) = &place {
            if pools.iter().any(|x| x.1 == r.code) {
                p.add(&f("region_code"), "duplicate_pool", "同一区域只能有一个资金池");
            }
        }
        let budget = p.money(&f("budget"), &pi.budget);
        let name = match pi.name.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(n) => p.take(&f("name"), text::name(n, 100), |e| (e.code().into(), e.message())),
            None => place.as_ref().map(|(_, r, _)| format!("{}公益创投资金", r.name)),
        };
        if let (Some((level, r, fund)), Some(b), Some(n)) = (place, budget, name) {
            let fund = match fund {
                Some(id) => Some(id),
                None => db::funds::of_region(conn, year, &r.code)?.map(|x| x.id),
            };
            pools.push((level, r.code, n, b.fen(), fund));
        }
    }
    Ok(pools)
}

pub(super) type PoolPlace = Option<(String, db::regions::RegionRow, Option<i64>)>;

/// A pool on a named fund: the fund must be of the call's year.
pub(super) fn pool_fund(conn: &mut DbConn, p: &mut Problems, field: &str, year: i32, id: i64) -> AppResult<PoolPlace> {
    let Some(fund) = db::funds::find(conn, id)? else {
        p.add(field, "unknown_fund", "专项资金不存在");
        return Ok(None);
    };
    if fund.year != year {
        p.add(field, "fund_year_mismatch", format!("所选专项资金属于 {} 年，与本招标年度不一致", fund.year));
        return Ok(None);
    }
    let region =
        db::regions::find(conn, &fund.region_code)?.ok_or_else(|| AppError::internal("fund without region"))?;
    Ok(Some((fund.level, region, Some(fund.id))))
}

/// A pool given as DESIGN.md's `{level, region_code}`: the region must be of that level.
pub(super) fn pool_region(
    conn: &mut DbConn,
    p: &mut Problems,
    f: &dyn Fn(&str) -> String,
    pi: &PoolInput,
) -> AppResult<PoolPlace> {
    let want = match pi.level.as_deref() {
        Some(l @ ("district" | "town")) => Some(l),
        _ => {
            p.add(&f("level"), "invalid_level", "资金池层级应为 district 或 town（或填写 fund_id）");
            None
        }
    };
    let Some(rc) = pi.region_code.as_deref().and_then(RegionCode::parse) else {
        p.add(&f("region_code"), "invalid_region_code", "区划代码应为 6 位或 12 位数字");
        return Ok(None);
    };
    Ok(match db::regions::find(conn, rc.as_str())? {
        Some(r) if Some(r.level.as_str()) == want => Some((r.level.clone(), r, None)),
        Some(_) if want.is_some() => {
            p.add(&f("region_code"), "region_level_mismatch", "区级资金池对应本区，镇街资金池对应一个镇（街道）");
            None
        }
        Some(_) => None,
        None => {
            p.add(&f("region_code"), "unknown_region", "区划代码不在本区范围内");
            None
        }
    })
}

/// key, name, weight, max score (hundredths)
pub(super) type CriterionParts = (String, String, i32, i64);

pub(super) fn parse_criteria(p: &mut Problems, field: &str, list: &[CriterionInput]) -> Vec<CriterionParts> {
    let mut criteria: Vec<CriterionParts> = Vec::new();
    for (k, c) in list.iter().enumerate() {
        let f = |x: &str| format!("{field}[{k}].{x}");
        if !key_ok(&c.key) || criteria.iter().any(|x| x.0 == c.key) {
            p.add(&f("key"), "invalid_key", "评分项代码应为唯一的小写字母、数字或下划线");
        }
        let name = p.take(&f("name"), text::name(&c.name, 50), |e| (e.code().into(), e.message()));
        if c.weight > 100 {
            p.add(&f("weight"), "out_of_range", "权重应为 0–100");
        }
        let max = match &c.max_score {
            None => Some(10_000),
            Some(s) => {
                let v = parse_score(s, 100_000).filter(|&v| v > 0);
                if v.is_none() {
                    p.add(&f("max_score"), "invalid_score", "满分应为大于 0 的数，最多两位小数");
                }
                v
            }
        };
        if let (Some(name), Some(max)) = (name, max) {
            criteria.push((c.key.clone(), name, c.weight as i32, max));
        }
    }
    criteria
}

/// The stages (key, name, weight, kind) and the rubrics of stages after the first.
pub(super) fn parse_stages(p: &mut Problems, list: &[StageInput]) -> (Vec<StageParts>, Vec<(i32, CriterionParts)>) {
    let mut stages: Vec<StageParts> = Vec::new();
    let mut crit = Vec::new();
    if list.len() > crate::domain::stages::MAX_STAGES {
        p.add("stages", "stage_count", format!("评审阶段最多 {} 个", crate::domain::stages::MAX_STAGES));
        return (stages, crit);
    }
    for (k, st) in list.iter().enumerate() {
        let f = |x: &str| format!("stages[{k}].{x}");
        if !key_ok(&st.key) || stages.iter().any(|x| x.0 == st.key) {
            p.add(&f("key"), "invalid_key", "阶段代码应为唯一的小写字母、数字或下划线");
        }
        let name = p.take(&f("name"), text::name(&st.name, 50), |e| (e.code().into(), e.message()));
        if !(1..=100).contains(&st.weight) {
            p.add(&f("weight"), "out_of_range", "阶段权重应为 1–100");
        }
        let default_kind = if k == 0 { "written" } else { "defence" };
        let kind = StageKind::parse(st.kind.as_deref().unwrap_or(default_kind));
        if kind.is_none() {
            p.add(&f("kind"), "invalid_stage_kind", "阶段类型应为 written（书面评审）或 defence（现场答辩）");
        }
        if k == 0 && !st.criteria.is_empty() {
            p.add(&f("criteria"), "first_stage_uses_call_criteria", "第一阶段使用招标的评分标准（criteria），此处不填");
        }
        for c in parse_criteria(p, &f("criteria"), &st.criteria) {
            crit.push((k as i32, c));
        }
        if let (Some(name), Some(kind)) = (name, kind) {
            stages.push((st.key.clone(), name, st.weight as i32, kind.as_str().to_string()));
        }
    }
    (stages, crit)
}

/// The after-funding terms: payment mode, final report days, audit threshold (each defaulted).
pub(super) fn parse_terms(p: &mut Problems, i: &CallInput) -> crate::domain::aftercare::Terms {
    use crate::domain::aftercare::{self, PaymentMode, Terms};
    let mut t = Terms::default();
    if let Some(m) = i.payment_mode.as_deref() {
        match PaymentMode::parse(m) {
            Some(m) => t.payment_mode = m,
            None => p.add("payment_mode", "invalid_payment_mode", "拨付方式应为 tranches 或 after_final"),
        }
    }
    if let Some(d) = i.final_report_days {
        t.final_report_days = d;
    }
    if let Some(x) = i.change_finance_pct {
        t.change_finance_pct = x;
    }
    t.evaluation_rubric = i.evaluation_rubric.clone().filter(|r| *r != crate::domain::evaluation::default_rubric());
    t.grade_cutoffs = i.grade_cutoffs.filter(|c| *c != crate::domain::evaluation::Cutoffs::default());
    if let Some(a) = i.audit_threshold.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        t.audit_threshold = p.money("audit_threshold", a).map(|m| m.fen());
    }
    let tranches = i.tranches.clone().unwrap_or_else(|| call::DEFAULT_TRANCHES.to_vec());
    for (f, code, msg) in aftercare::check(&t, &tranches) {
        p.add(&f, code, msg);
    }
    t
}

pub(super) fn parse_scoring(p: &mut Problems, i: &CallInput) -> Option<db::calls::ScoringRow> {
    let repeat = match i.repeat_funding.as_deref() {
        None => RepeatRule::Allow,
        Some(s) => RepeatRule::parse(s).unwrap_or_else(|| {
            p.add("repeat_funding", "invalid_repeat_rule", "重复资助规则应为 allow、refuse 或 renewal_only");
            RepeatRule::Allow
        }),
    };
    let mut row = db::calls::ScoringRow {
        call_id: 0,
        repeat_rule: repeat.as_str().into(),
        bonus_name: None,
        bonus_unit: None,
        bonus_step: None,
        bonus_cap: None,
        eligibility: None,
        screening_checklist: None,
        dossier: None,
        aftercare: None,
        topics: None,
    };
    if let Some(b) = &i.bonus {
        row.bonus_name = match b.name.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(n) => p.take("bonus.name", text::name(n, 50), |e| (e.code().into(), e.message())),
            None => Some("配套资金加分".into()),
        };
        row.bonus_unit = p.money("bonus.per_amount", &b.per_amount).map(|m| m.fen()).filter(|&f| {
            f > 0 || {
                p.add("bonus.per_amount", "amount_not_positive", "计分单位金额应大于 0");
                false
            }
        });
        for (f, v, slot) in
            [("bonus.points", &b.points, &mut row.bonus_step), ("bonus.max_points", &b.max_points, &mut row.bonus_cap)]
        {
            *slot = parse_score(v, 10_000).filter(|&x| x > 0);
            if slot.is_none() {
                p.add(f, "invalid_score", "加分应为大于 0、不超过 100 的数，最多两位小数");
            }
        }
    }
    if let Some(e) = i.eligibility.as_ref().filter(|e| !e.is_empty()) {
        for (f, code, msg) in crate::domain::standing::check_eligibility(e) {
            p.add(&f, code, msg);
        }
        row.eligibility = serde_json::to_string(e).ok();
    }
    if !i.screening_checklist.is_empty() {
        for (f, code, msg) in crate::domain::checklist::check_items(&i.screening_checklist) {
            p.add(&f, code, msg);
        }
        let items: Vec<crate::domain::checklist::Item> = i
            .screening_checklist
            .iter()
            .map(|x| crate::domain::checklist::Item { name: x.name.trim().to_string(), ..x.clone() })
            .collect();
        row.screening_checklist = serde_json::to_string(&items).ok();
    }
    let dossier = match &i.dossier {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) if s == "standard" => Some(crate::domain::dossier::standard()),
        Some(v) => match serde_json::from_value::<crate::domain::dossier::Dossier>(v.clone()) {
            Ok(d) => Some(d),
            Err(_) => {
                p.add("dossier", "invalid_dossier", "申报书应为 \"standard\" 或 {sections, documents}");
                None
            }
        },
    };
    if let Some(d) = dossier.filter(|d| !d.sections.is_empty() || !d.documents.is_empty()) {
        for (f, code, msg) in crate::domain::dossier::check_definition(&d) {
            p.add(&f, code, msg);
        }
        row.dossier = serde_json::to_string(&d).ok();
    }
    let terms = parse_terms(p, i);
    if terms != crate::domain::aftercare::Terms::default() {
        row.aftercare = serde_json::to_string(&terms).ok();
    }
    let topics = crate::domain::topic::CallTopics { ids: i.topics.clone(), required: i.topic_required };
    if let Some((code, msg)) = crate::domain::topic::check_call(&topics) {
        p.add("topics", code, msg);
    }
    if !topics.ids.is_empty() {
        row.topics = serde_json::to_string(&topics).ok();
    }
    (repeat != RepeatRule::Allow
        || row.topics.is_some()
        || row.aftercare.is_some()
        || i.bonus.is_some()
        || row.eligibility.is_some()
        || row.screening_checklist.is_some()
        || row.dossier.is_some())
    .then_some(row)
}

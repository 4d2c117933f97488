use super::fields::Fields;
use super::FieldMarks;
use super::{act, field_errors, render, render_status, with_status, Layout, PageError};
use crate::db::DbConn;
use crate::domain::account::Role;
use crate::domain::budget::BudgetCategory;
use crate::domain::call::DEFAULT_CRITERIA;
use crate::error::{AppError, FieldError, Problems};
use crate::service::bids::PoolStats;
use crate::service::calls::{
    self, BonusInput, BudgetCapsInput, CallInput, CallView, CategoryInput, CriterionInput, PoolInput, StageInput,
};
use crate::service::previews;
use crate::service::Ctx;
use crate::web::auth::Auth;
use crate::web::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

#[derive(Template)]
#[template(path = "call.html")]
struct CallPage<'a> {
    l: &'a Layout,
    c: &'a CallView,
    forbidden: Vec<&'static str>,
    can_bid: bool,
    /// For the 办事指南: the way every bid goes and the attachment size limit.
    steps: &'static [&'static str],
    upload_mb: usize,
    /// 评估结果公示 of the call's projects, oldest first.
    evaluation_notices: Vec<EvaluationNoticeView>,
}

pub async fn public(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    if auth.actor().is_none() {
        let st: &AppState = &state;
        return super::shared_page(&req, st, &auth, &st.public.call_pages, id, |l| async move {
            let c = crate::web::public::call(st, ctx.clone(), id).await?;
            let evaluation_notices = st.db(move |conn| evaluation_notices::list(conn, &ctx, id)).await?;
            let forbidden = forbidden_labels(&c);
            let upload_mb = st.config.upload_limit / 1024 / 1024;
            let page =
                CallPage { l: &l, c: &c, forbidden, can_bid: false, steps: &STEPS, upload_mb, evaluation_notices };
            super::to_html(&page)
        })
        .await;
    }
    let (c, evaluation_notices) =
        state.db(move |conn| Ok((calls::get(conn, &ctx, id)?, evaluation_notices::list(conn, &ctx, id)?))).await?;
    let forbidden = forbidden_labels(&c);
    let is_org = auth.actor().is_some_and(|a| a.role == Role::Org);
    let can_bid = is_org && c.status == "open";
    let l = Layout::new(&req, &state, &auth);
    let upload_mb = state.config.upload_limit / 1024 / 1024;
    render(&l, &CallPage { l: &l, c: &c, forbidden, can_bid, steps: &STEPS, upload_mb, evaluation_notices })
}

use crate::domain::bid::STEPS;
use crate::service::evaluation_notices::{self, EvaluationNoticeView};

fn forbidden_labels(c: &CallView) -> Vec<&'static str> {
    c.forbidden_categories.iter().filter_map(|k| BudgetCategory::parse(k)).map(|b| b.label()).collect()
}

#[derive(Template)]
#[template(path = "staff_calls.html")]
struct StaffCalls<'a> {
    l: &'a Layout,
    calls: Vec<CallView>,
    district: bool,
}

/// Whether the viewer may run this call: district staff any, town staff one whose pools are all
/// their own town's (the service decides; this only chooses which buttons to show).
fn runs_call(auth: &Auth, c: &CallView) -> bool {
    let regions: Vec<&str> = c.pools.iter().map(|p| p.region_code.as_str()).collect();
    auth.actor()
        .is_some_and(|a| a.role == Role::Staff && crate::domain::fund::may_run_call(a.region_code.as_deref(), &regions))
}

pub async fn staff_list(req: HttpRequest, state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, PageError> {
    auth.ctx.require(&[Role::Staff, Role::Finance])?;
    let ctx = auth.ctx.clone();
    let calls = state.db(move |c| calls::list(c, &ctx, None, Some(100))).await?;
    let l = Layout::new(&req, &state, &auth);
    let staff = auth.actor().is_some_and(|a| a.role == Role::Staff);
    render(&l, &StaffCalls { l: &l, calls, district: staff })
}

#[derive(Template)]
#[template(path = "call_form.html")]
struct CallForm<'a> {
    l: &'a Layout,
    call_id: Option<i64>,
    f: Fields,
    errors: Vec<FieldError>,
    budget_categories: Vec<(&'static str, &'static str)>,
    towns: Vec<(String, String)>,
    /// District staff may set a district pool; town staff only their own town's.
    district_pool: bool,
    crit_rows: Vec<usize>,
    cat_rows: Vec<usize>,
    /// Topics (选题) a call may list: this year's and next.
    topics: Vec<crate::service::topics::TopicView>,
}

impl FieldMarks for CallForm<'_> {
    fn field_errors(&self) -> &[FieldError] {
        &self.errors
    }
}

const CRIT_ROWS: usize = 8;
/// Category rows on the form (Wuhu's city call had six categories).
const CAT_ROWS: usize = 8;

/// A new call's form; a town's staff start from their town's pool instead of the district's.
fn defaults(year: i32, town: Option<&str>) -> Fields {
    let mut f = Fields::default();
    for (k, v) in [
        ("year", year.to_string()),
        ("title", format!("鸠江区{year}年度公益创投项目")),
        ("opens_at", format!("{year}-02-01T09:00")),
        ("closes_at", format!("{year}-03-01T17:00")),
        ("project_start", format!("{year}-04-01")),
        ("project_end", format!("{year}-12-31")),
        ("min_grant", "20000.00".into()),
        ("max_grant", "200000.00".into()),
        ("max_bids_per_org", "2".into()),
        ("score_threshold", "60.00".into()),
        ("notice_days", "7".into()),
        ("notice_working_days", "1".into()),
        ("personnel_pct", "30".into()),
        ("admin_pct", "10".into()),
        ("forbidden", "hospitality".into()),
        ("tranches", "50,30,20".into()),
        ("fund_source", "budget".into()),
        ("reference_prefix", "JJ".into()),
        ("dossier", "standard".into()),
        ("payment_mode", "tranches".into()),
        ("final_report_days", "30".into()),
        ("change_finance_pct", "10".into()),
    ] {
        f.push(k, v);
    }
    match town {
        None => f.push("pool_district", "1000000.00".to_string()),
        Some(t) => f.push(&format!("pool_{t}"), "200000.00".to_string()),
    }
    for (i, (k, n, w)) in DEFAULT_CRITERIA.iter().enumerate() {
        f.push(&format!("crit_key_{i}"), *k);
        f.push(&format!("crit_name_{i}"), *n);
        f.push(&format!("crit_weight_{i}"), w.to_string());
    }
    f
}

/// Marks an optional checklist line on the call form.
const OPTIONAL: &str = "（可选）";

/// The checklist textarea: one item per line, mandatory unless it starts with （可选）; keys by
/// position (item1, item2, …), as only a draft's checklist can be edited.
fn checklist_of(text: &str) -> Vec<crate::domain::checklist::Item> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
        .map(|(i, l)| {
            let (name, mandatory) = match l.strip_prefix(OPTIONAL) {
                Some(rest) => (rest.trim(), false),
                None => (l, true),
            };
            crate::domain::checklist::Item { key: format!("item{}", i + 1), name: name.to_string(), mandatory }
        })
        .collect()
}

/// The 申报资格 part of the call form; every field optional.
fn eligibility_of(f: &Fields, p: &mut crate::error::Problems) -> Option<crate::domain::standing::Eligibility> {
    use crate::domain::standing::{Eligibility, InspectionRule, RATINGS};
    let mut e = Eligibility {
        annual_inspection: match f.get("elig_inspection").as_str() {
            "pass" => Some(InspectionRule::Pass),
            "pass_or_basic" => Some(InspectionRule::PassOrBasic),
            _ => None,
        },
        no_abnormal_years: f.number("elig_abnormal_years", p),
        no_dishonest_years: f.number("elig_dishonest_years", p),
        no_penalty_years: f.number("elig_penalty_years", p),
        ..Default::default()
    };
    for r in RATINGS {
        let k = format!("elig_bonus_{r}");
        if let Some(v) = f.opt(&k) {
            match v.trim().parse::<rust_decimal::Decimal>() {
                Ok(points) => {
                    e.rating_bonus.insert(r.to_string(), points);
                }
                Err(_) => p.add(&k, "invalid_score", "加分应为数字，如 2 或 1.5"),
            }
        }
    }
    (!e.is_empty()).then_some(e)
}

fn from_view(c: &CallView) -> Fields {
    let mut f = Fields::default();
    let short = |s: &str| s.chars().take(16).collect::<String>();
    for (k, v) in [
        ("year", c.year.to_string()),
        ("title", c.title.clone()),
        ("announcement", c.announcement.clone()),
        ("opens_at", short(&c.opens_at)),
        ("closes_at", short(&c.closes_at)),
        ("project_start", c.project_start.to_string()),
        ("project_end", c.project_end.to_string()),
        ("min_grant", c.min_grant.to_string()),
        ("max_grant", c.max_grant.to_string()),
        ("max_bids_per_org", c.max_bids_per_org.to_string()),
        ("score_threshold", c.score_threshold.to_string()),
        ("notice_days", c.notice_days.to_string()),
        ("notice_working_days", if c.notice_working_days { "1".into() } else { String::new() }),
        ("personnel_pct", c.budget_caps.personnel_pct.map(|x| x.to_string()).unwrap_or_default()),
        ("admin_pct", c.budget_caps.admin_pct.map(|x| x.to_string()).unwrap_or_default()),
        ("tranches", c.tranches.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(",")),
        ("fund_source", c.fund_source.clone()),
        ("reference_prefix", c.reference_prefix.clone()),
    ] {
        f.push(k, v);
    }
    for k in &c.forbidden_categories {
        f.push("forbidden", k.clone());
    }
    for (i, k) in c.criteria.iter().enumerate() {
        f.push(&format!("crit_key_{i}"), k.key.clone());
        f.push(&format!("crit_name_{i}"), k.name.clone());
        f.push(&format!("crit_weight_{i}"), k.weight.to_string());
    }
    if let [first, second, ..] = c.stages.as_slice() {
        f.push("stage1_name", first.name.clone());
        f.push("stage1_weight", first.weight.to_string());
        f.push("stage2_name", second.name.clone());
        f.push("stage2_weight", second.weight.to_string());
        for (i, k) in second.criteria.iter().enumerate() {
            f.push(&format!("s2_key_{i}"), k.key.clone());
            f.push(&format!("s2_name_{i}"), k.name.clone());
            f.push(&format!("s2_weight_{i}"), k.weight.to_string());
        }
    }
    if let Some(b) = &c.bonus {
        f.push("bonus_per_amount", b.per_amount.to_string());
        f.push("bonus_points", b.points.clone());
        f.push("bonus_max", b.max_points.clone());
    }
    f.push("repeat_funding", c.repeat_funding);
    f.push("payment_mode", c.payment_mode.as_str());
    for t in &c.topics {
        f.push("topics", t.id.to_string());
    }
    if c.topic_required {
        f.push("topic_required", "1".to_string());
    }
    f.push("final_report_days", c.final_report_days.to_string());
    f.push("change_finance_pct", c.change_finance_pct.to_string());
    f.push("evaluation_rubric_json", serde_json::to_string(&c.evaluation_rubric).unwrap_or_default());
    f.push("grade_cutoffs_json", serde_json::to_string(&c.grade_cutoffs).unwrap_or_default());
    if let Some(a) = c.audit_threshold {
        f.push("audit_threshold", a.to_string());
    }
    match &c.dossier {
        Some(d) if *d == crate::domain::dossier::standard() => f.push("dossier", "standard".to_string()),
        Some(d) => {
            f.push("dossier", "custom".to_string());
            f.push("dossier_json", serde_json::to_string(d).unwrap_or_default());
        }
        None => f.push("dossier", String::new()),
    }
    let lines: Vec<String> = c
        .screening_checklist
        .iter()
        .map(|i| if i.mandatory { i.name.clone() } else { format!("{OPTIONAL}{}", i.name) })
        .collect();
    f.push("screening_checklist", lines.join("\n"));
    if let Some(e) = &c.eligibility {
        use crate::domain::standing::InspectionRule;
        let rule = match e.annual_inspection {
            Some(InspectionRule::Pass) => "pass",
            Some(InspectionRule::PassOrBasic) => "pass_or_basic",
            None => "",
        };
        f.push("elig_inspection", rule);
        for (k, v) in [
            ("elig_abnormal_years", e.no_abnormal_years),
            ("elig_dishonest_years", e.no_dishonest_years),
            ("elig_penalty_years", e.no_penalty_years),
        ] {
            f.push(k, v.map(|n| n.to_string()).unwrap_or_default());
        }
        for (r, points) in &e.rating_bonus {
            f.push(&format!("elig_bonus_{r}"), format!("{points:.2}"));
        }
    }
    for (i, k) in c.categories.iter().enumerate() {
        f.push(&format!("cat_key_{i}"), k.key.clone());
        f.push(&format!("cat_name_{i}"), k.name.clone());
        f.push(&format!("cat_projects_{i}"), k.max_projects.map(|n| n.to_string()).unwrap_or_default());
        f.push(&format!("cat_amount_{i}"), k.max_amount.map(|m| m.to_string()).unwrap_or_default());
        f.push(&format!("cat_scope_{i}"), k.scope.clone());
    }
    for p in &c.pools {
        let name = if p.level == "district" { "pool_district".to_string() } else { format!("pool_{}", p.region_code) };
        f.push(&name, p.budget.to_string());
    }
    f
}

/// The district's code and its towns (code, name), from the region list in force (a setting).
struct Regions {
    district: String,
    towns: Vec<(String, String)>,
}

/// A rubric's numbered rows (`{prefix}key_0`, `{prefix}name_0`, `{prefix}weight_0` …); a row
/// without a key is an empty row.
fn criterion_rows(f: &Fields, prefix: &str, p: &mut Problems) -> Vec<CriterionInput> {
    let mut rows = Vec::new();
    for i in 0..CRIT_ROWS {
        let key = f.get(&format!("{prefix}key_{i}"));
        if key.trim().is_empty() {
            continue;
        }
        rows.push(CriterionInput {
            key: key.trim().to_string(),
            name: f.get(&format!("{prefix}name_{i}")),
            weight: f.number(&format!("{prefix}weight_{i}"), p).unwrap_or(0),
            max_score: None,
        });
    }
    rows
}

/// The form as the service's input; a number field holding something else marks that field.
fn to_input(f: &Fields, regions: &Regions) -> Result<CallInput, AppError> {
    let towns = &regions.towns;
    let mut p = Problems::default();
    let criteria = criterion_rows(f, "crit_", &mut p);
    let defence = criterion_rows(f, "s2_", &mut p);
    // A second stage's name turns the call into a two-stage one (书面评审 → 现场答辩).
    let stages = match f.opt("stage2_name") {
        None => Vec::new(),
        Some(second) => vec![
            StageInput {
                key: "written".into(),
                name: f.opt("stage1_name").unwrap_or_else(|| "书面评审".into()),
                weight: f.number("stage1_weight", &mut p).unwrap_or(0),
                kind: Some("written".into()),
                criteria: Vec::new(),
            },
            StageInput {
                key: "defence".into(),
                name: second,
                weight: f.number("stage2_weight", &mut p).unwrap_or(0),
                kind: Some("defence".into()),
                criteria: defence,
            },
        ],
    };
    let bonus = f.opt("bonus_per_amount").map(|per| BonusInput {
        name: None,
        per_amount: per.trim().into(),
        points: f.get("bonus_points").trim().into(),
        max_points: f.get("bonus_max").trim().into(),
    });
    let eligibility = eligibility_of(f, &mut p);
    let mut categories = Vec::new();
    for i in 0..CAT_ROWS {
        let key = f.get_n("cat_key_", i);
        if key.trim().is_empty() {
            continue;
        }
        categories.push(CategoryInput {
            key: key.trim().to_string(),
            name: f.get_n("cat_name_", i),
            max_projects: f.number(&format!("cat_projects_{i}"), &mut p),
            max_amount: f.opt(&format!("cat_amount_{i}")).map(|v| v.trim().to_string()),
            scope: f.opt(&format!("cat_scope_{i}")),
        });
    }
    let mut pools = Vec::new();
    if let Some(b) = f.opt("pool_district") {
        pools.push(PoolInput::on_region("district", &regions.district, b.trim()));
    }
    for (code, _) in towns {
        if let Some(b) = f.opt(&format!("pool_{code}")) {
            pools.push(PoolInput::on_region("town", code, b.trim()));
        }
    }
    let input = CallInput {
        year: f.number("year", &mut p).unwrap_or(0),
        title: f.get("title"),
        announcement: f.get("announcement"),
        opens_at: f.local_datetime("opens_at"),
        closes_at: f.local_datetime("closes_at"),
        notice_days: f.number("notice_days", &mut p),
        notice_working_days: Some(f.get("notice_working_days") == "1"),
        project_start: f.get("project_start"),
        project_end: f.get("project_end"),
        min_grant: f.get("min_grant").trim().into(),
        max_grant: f.get("max_grant").trim().into(),
        max_bids_per_org: f.number("max_bids_per_org", &mut p),
        score_threshold: f.opt("score_threshold"),
        budget_caps: BudgetCapsInput {
            personnel_pct: f.number("personnel_pct", &mut p),
            admin_pct: f.number("admin_pct", &mut p),
        },
        forbidden_categories: f.all("forbidden"),
        tranches: f.numbers("tranches", &mut p),
        fund_source: f.opt("fund_source"),
        categories,
        criteria,
        pools,
        reference_prefix: f.opt("reference_prefix"),
        stages,
        bonus,
        repeat_funding: f.opt("repeat_funding"),
        eligibility,
        screening_checklist: checklist_of(&f.get("screening_checklist")),
        // 标准申报书, none, or the call's own set as it was (kept as JSON on the form).
        dossier: match f.get("dossier").as_str() {
            "standard" => Some(serde_json::Value::String("standard".into())),
            "custom" => serde_json::from_str(&f.get("dossier_json")).ok(),
            _ => None,
        },
        payment_mode: f.opt("payment_mode"),
        final_report_days: f.number("final_report_days", &mut p),
        audit_threshold: f.opt("audit_threshold"),
        change_finance_pct: f.number("change_finance_pct", &mut p),
        // A call's own rubric and cut-offs (set by the API) ride along the form unchanged.
        evaluation_rubric: serde_json::from_str(&f.get("evaluation_rubric_json")).ok(),
        grade_cutoffs: serde_json::from_str(&f.get("grade_cutoffs_json")).ok(),
        topics: f.all("topics").iter().filter_map(|t| t.trim().parse().ok()).collect(),
        topic_required: f.get("topic_required") == "1",
    };
    p.finish().map(|()| input)
}

async fn regions(state: &AppState) -> Result<Regions, PageError> {
    let rows = state.db(crate::service::regions::all).await?;
    let district = rows.iter().find(|r| r.level == "district").map(|r| r.code.clone()).unwrap_or_default();
    let towns = rows.into_iter().filter(|r| r.level == "town").map(|r| (r.code, r.name)).collect();
    Ok(Regions { district, towns })
}

async fn form_page(
    req: &HttpRequest,
    state: &AppState,
    auth: &Auth,
    call_id: Option<i64>,
    f: Fields,
    errors: Vec<FieldError>,
) -> Result<HttpResponse, PageError> {
    let own = auth.actor().and_then(|a| a.region_code.clone());
    let towns = regions(state).await?.towns.into_iter().filter(|(c, _)| own.as_ref().is_none_or(|t| t == c)).collect();
    let l = Layout::new(req, state, auth);
    let status = super::status_for(&errors);
    let budget_categories = BudgetCategory::ALL.into_iter().map(|c| (c.as_str(), c.label())).collect();
    let ctx = auth.ctx.clone();
    let this_year = crate::service::calls::local_year(auth.ctx.now);
    let topics = state
        .db(move |c| crate::service::topics::list(c, &ctx, &Default::default()))
        .await?
        .into_iter()
        .filter(|t| t.year >= this_year)
        .collect();
    let page = CallForm {
        l: &l,
        call_id,
        f,
        errors,
        budget_categories,
        towns,
        district_pool: own.is_none(),
        crit_rows: (0..CRIT_ROWS).collect(),
        cat_rows: (0..CAT_ROWS).collect(),
        topics,
    };
    render_status(&l, &page, status)
}

/// The form again with what the service refused, under the refusal's status.
async fn refused_form(
    req: &HttpRequest,
    state: &AppState,
    auth: &Auth,
    call_id: Option<i64>,
    f: Fields,
    e: AppError,
) -> Result<HttpResponse, PageError> {
    let page = form_page(req, state, auth, call_id, f, field_errors(&e)).await?;
    Ok(with_status(page, e.status))
}

pub async fn new_form(req: HttpRequest, state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, PageError> {
    auth.ctx.require(&[Role::Staff])?;
    let year = calls::local_year(auth.ctx.now);
    let town = auth.actor().and_then(|a| a.region_code.clone());
    form_page(&req, &state, &auth, None, defaults(year, town.as_deref()), vec![]).await
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let (f, regions) = (form.into_inner(), regions(&state).await?);
    let read = f.clone();
    let save = move |c: &mut DbConn, ctx: &Ctx| calls::create(c, ctx, &to_input(&read, &regions)?);
    let to = |v: &CallView| format!("/staff/calls/{}?done=saved", v.id);
    act(&req, &state, &auth, &f.clone(), to, save, |e| refused_form(&req, &state, &auth, None, f, e)).await
}

pub async fn edit_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    auth.ctx.require(&[Role::Staff])?;
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    let v = state.db(move |c| calls::get(c, &ctx, id)).await?;
    form_page(&req, &state, &auth, Some(id), from_view(&v), vec![]).await
}

pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let (f, id, regions) = (form.into_inner(), id.into_inner(), regions(&state).await?);
    let read = f.clone();
    let save = move |c: &mut DbConn, ctx: &Ctx| calls::update(c, ctx, id, &to_input(&read, &regions)?);
    let to = |_: &CallView| format!("/staff/calls/{id}?done=saved");
    act(&req, &state, &auth, &f.clone(), to, save, |e| refused_form(&req, &state, &auth, Some(id), f, e)).await
}

#[derive(Template)]
#[template(path = "staff_call.html")]
struct StaffCall<'a> {
    l: &'a Layout,
    c: CallView,
    counts: Vec<(String, i64)>,
    pools: Vec<PoolStats>,
    district: bool,
    flash: Option<&'static str>,
    errors: Vec<FieldError>,
    evaluation_notices: Vec<EvaluationNoticeView>,
}

#[derive(serde::Deserialize)]
pub struct Done {
    done: Option<String>,
}

async fn detail_page(
    req: &HttpRequest,
    state: &AppState,
    auth: &Auth,
    id: i64,
    flash: Option<&'static str>,
    errors: Vec<FieldError>,
) -> Result<HttpResponse, PageError> {
    auth.ctx.require(&[Role::Staff, Role::Finance])?;
    let ctx = auth.ctx.clone();
    let (c, stats, evaluation_notices) = state
        .db(move |conn| {
            let c = calls::get(conn, &ctx, id)?;
            Ok((c, crate::service::bids::stats(conn, &ctx, id)?, evaluation_notices::list(conn, &ctx, id)?))
        })
        .await?;
    let counts =
        stats.by_status.into_iter().map(|(s, n)| (crate::service::bids::status_label(&s).to_string(), n)).collect();
    let l = Layout::new(req, state, auth);
    let status = super::status_for(&errors);
    let district = runs_call(auth, &c);
    let page = StaffCall { l: &l, c, counts, pools: stats.pools, district, flash, errors, evaluation_notices };
    render_status(&l, &page, status)
}

pub async fn staff_detail(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    q: web::Query<Done>,
) -> Result<HttpResponse, PageError> {
    let flash = match q.done.as_deref() {
        Some("saved") => Some("已保存。"),
        Some("published") => Some("招标公告已发布，并已邮件通知已认证的社会组织。"),
        Some("amended") => Some("已发布，招标公告已更新为新版本，并已邮件通知已申报的社会组织。"),
        Some("cloned") => Some("已复制为新的草稿，请核对日期和资金池。"),
        Some("drawn") => Some("已随机抽取评审专家，并已邮件通知专家。"),
        Some("finalized") => Some("资助结果已确定，已生成资助项目并通知各社会组织。"),
        Some("evaluation_notice") => Some("评估结果公示已发布，并已邮件通知所列项目的社会组织。"),
        _ => None,
    };
    detail_page(&req, &state, &auth, id.into_inner(), flash, vec![]).await
}

/// Runs a change on a call from its staff page; a refusal comes back on that page.
async fn on_call<T: Send + 'static>(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    (id, form): (i64, &Fields),
    to: impl FnOnce(&T) -> String,
    f: impl FnOnce(&mut DbConn, &Ctx) -> Result<T, AppError> + Send + 'static,
) -> Result<HttpResponse, PageError> {
    super::act_shown(&req, &state, &auth, form, to, f, |errors| detail_page(&req, &state, &auth, id, None, errors))
        .await
}

pub async fn publish(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let (id, docs) = (id.into_inner(), state.doc_settings());
    let back = format!("/staff/calls/{id}");
    if let Some(page) =
        super::confirm::ask(&req, &state, &auth, &form, &back, move |c, ctx| previews::publish_call(c, ctx, id)).await?
    {
        return Ok(page);
    }
    let to = |_: &CallView| format!("/staff/calls/{id}?done=published");
    on_call(req, state, auth, (id, &form), to, move |c, ctx| calls::publish(c, ctx, &docs, id)).await
}

/// 评估结果公示: the button's `kind` (midterm or final).
pub async fn publish_evaluation_notice(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let (id, docs) = (id.into_inner(), state.doc_settings());
    let input = evaluation_notices::NoticeInput { kind: form.get("kind") };
    let to = |_: &EvaluationNoticeView| format!("/staff/calls/{id}?done=evaluation_notice#evaluation-notices");
    on_call(req, state, auth, (id, &form), to, move |c, ctx| evaluation_notices::publish(c, ctx, &docs, id, &input))
        .await
}

pub async fn amend(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let (id, docs) = (id.into_inner(), state.doc_settings());
    let back = format!("/staff/calls/{id}");
    let (kind, text, closes) = (form.get("kind"), form.get("text"), form.get("closes_at").replace('T', " "));
    let preview = move |c: &mut crate::db::DbConn, ctx: &crate::service::Ctx| {
        previews::amend_call(c, ctx, id, &kind, &text, &closes)
    };
    if let Some(page) = super::confirm::ask(&req, &state, &auth, &form, &back, preview).await? {
        return Ok(page);
    }
    let input = calls::AmendmentInput {
        kind: form.opt("kind"),
        text: form.get("text"),
        closes_at: form.opt("closes_at").map(|_| form.local_datetime("closes_at")),
    };
    let to = |_: &_| format!("/staff/calls/{id}?done=amended");
    on_call(req, state, auth, (id, &form), to, move |c, ctx| calls::amend(c, ctx, &docs, id, &input)).await
}

pub async fn clone(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let to = |v: &CallView| format!("/staff/calls/{}?done=cloned", v.id);
    on_call(req, state, auth, (id, &form), to, move |c, ctx| calls::clone(c, ctx, id)).await
}

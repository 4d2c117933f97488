use super::fields::Fields;
use super::{check_csrf, field_errors, redirect, render_status, with_status, Layout, PageError};
use crate::db::DbConn;
use crate::domain::account::Role;
use crate::domain::budget::{self, BudgetCategory};
use crate::domain::state::BidStatus;
use crate::error::{AppError, FieldError, Problems};
use crate::service::bids::PoolStats;
use crate::service::bids::{
    self, Beneficiaries, BidInput, BidView, BudgetLineInput, FinanceInput, MilestoneInput, ScreeningInput,
};
use crate::service::calls::{self, CallView};
use crate::service::previews;
use crate::service::Ctx;
use crate::web::auth::Auth;
use crate::web::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use std::collections::HashMap;

/// Empty rows the form always offers beyond those filled in; 增加一行 adds more, up to the caps
/// the service enforces (100 budget lines, 20 milestones).
const SPARE_LINES: usize = 3;
const SPARE_MILESTONES: usize = 2;
const MAX_LINE_ROWS: usize = 100;
const MAX_MILESTONE_ROWS: usize = 20;
const MAX_OUTPUT_ROWS: usize = crate::domain::dossier::MAX_OUTPUTS;
const OUTPUT_FIELDS: [&str; 3] = ["out_indicator_", "out_target_", "out_unit_"];

/// How many numbered rows (`line_amount_7` …) the submitted form holds: one past the highest index.
fn rows_in(f: &Fields, prefixes: &[&str], cap: usize) -> usize {
    f.0.iter()
        .filter_map(|(k, _)| prefixes.iter().find_map(|p| k.strip_prefix(p)).and_then(|n| n.parse::<usize>().ok()))
        .map(|n| n + 1)
        .max()
        .unwrap_or(0)
        .min(cap)
}

/// How many of those rows hold something.
fn filled_rows(f: &Fields, prefixes: &[&str], cap: usize) -> usize {
    (0..rows_in(f, prefixes, cap))
        .filter(|i| prefixes.iter().any(|p| !f.get_n(p, i).trim().is_empty()))
        .map(|i| i + 1)
        .max()
        .unwrap_or(0)
}

const LINE_FIELDS: [&str; 6] =
    ["line_category_", "line_item_", "line_quantity_", "line_unit_price_", "line_amount_", "line_note_"];
const MILESTONE_FIELDS: [&str; 3] = ["ms_title_", "ms_due_", "ms_deliverable_"];

#[derive(Template)]
#[template(path = "bid_form.html")]
struct BidForm<'a> {
    l: &'a Layout,
    call: CallView,
    bid_id: Option<i64>,
    f: Fields,
    errors: Vec<FieldError>,
    regions: Vec<(String, String)>,
    budget_categories: Vec<(&'static str, &'static str)>,
    line_rows: Vec<usize>,
    milestone_rows: Vec<usize>,
    output_rows: Vec<usize>,
    correction: Option<String>,
    /// The budget lines' sum as typed, beside the requested amount (no script: it is added up
    /// each time the form comes back).
    lines_total: Option<crate::domain::Money>,
    /// The organisation is not verified yet: it may save drafts but not submit.
    unverified: bool,
    /// The organisation's projects from the previous call, which a bid may renew.
    earlier: Vec<crate::service::bids::EarlierProjectView>,
}

impl BidForm<'_> {
    /// The message for the input named `input`, when the refusal concerns it.
    fn err(&self, input: &str) -> Option<&str> {
        self.errors.iter().find(|e| super::labels::bid_input(&e.field) == input).map(|e| e.message.as_str())
    }
    /// ` aria-invalid="true"` (and the focus, on the first) for an input the refusal concerns.
    fn mark(&self, input: &str) -> &'static str {
        match self.errors.iter().position(|e| super::labels::bid_input(&e.field) == input) {
            Some(_) if self.errors.first().is_some_and(|e| super::labels::bid_input(&e.field) == input) => {
                " aria-invalid=true autofocus"
            }
            Some(_) => " aria-invalid=true",
            None => "",
        }
    }
    /// The typed budget lines add up to something else than the amount asked for.
    fn total_differs(&self) -> bool {
        let asked = crate::domain::Money::parse(self.f.get("requested_amount").trim()).ok();
        matches!((self.lines_total, asked), (Some(t), Some(a)) if t != a)
    }
}

/// The form as the service's input; a number field holding something else marks that field.
fn to_input(f: &Fields) -> Result<BidInput, AppError> {
    let mut p = Problems::default();
    let mut lines = Vec::new();
    for i in 0..rows_in(f, &LINE_FIELDS, MAX_LINE_ROWS) {
        let (cat, item, amount) = (f.get_n("line_category_", i), f.get_n("line_item_", i), f.get_n("line_amount_", i));
        if cat.is_empty() && item.trim().is_empty() && amount.trim().is_empty() {
            continue;
        }
        lines.push(BudgetLineInput {
            category: cat,
            item,
            quantity: f.opt(&format!("line_quantity_{i}")),
            unit_price: f.opt(&format!("line_unit_price_{i}")),
            amount: amount.trim().into(),
            note: f.get_n("line_note_", i),
        });
    }
    let mut milestones = Vec::new();
    for i in 0..rows_in(f, &MILESTONE_FIELDS, MAX_MILESTONE_ROWS) {
        let title = f.get_n("ms_title_", i);
        if title.trim().is_empty() {
            continue;
        }
        milestones.push(MilestoneInput {
            title,
            due_date: f.get_n("ms_due_", i),
            deliverable: f.get_n("ms_deliverable_", i),
        });
    }
    let input = BidInput {
        pool_id: f.number("pool_id", &mut p).unwrap_or(0),
        category: f.opt("category"),
        title: f.get("title"),
        summary: f.get("summary"),
        service_region_code: f.opt("service_region_code"),
        beneficiaries: Beneficiaries {
            kind: f.get("beneficiary_kind"),
            count: f.number("beneficiary_count", &mut p).unwrap_or(0),
        },
        start_date: f.opt("start_date"),
        end_date: f.opt("end_date"),
        requested_amount: f.get("requested_amount").trim().into(),
        matching_funds: f.opt("matching_funds"),
        budget_lines: lines,
        milestones,
        renewal_of: f.number("renewal_of", &mut p),
        // The dossier's sections arrive as `sec_KEY`, its outputs as numbered rows.
        sections: f.0.iter().filter_map(|(k, v)| k.strip_prefix("sec_").map(|k| (k.to_string(), v.clone()))).collect(),
        outputs: (0..rows_in(f, &OUTPUT_FIELDS, MAX_OUTPUT_ROWS))
            .filter(|i| !f.get_n("out_indicator_", i).trim().is_empty() || !f.get_n("out_target_", i).trim().is_empty())
            .map(|i| crate::domain::dossier::Output {
                indicator: f.get_n("out_indicator_", i),
                target: f.get_n("out_target_", i),
                unit: f.get_n("out_unit_", i),
            })
            .collect(),
        topic_id: f.opt("topic_id").and_then(|t| t.trim().parse().ok()),
    };
    p.finish().map(|()| input)
}

fn from_view(b: &BidView) -> Fields {
    let mut f = Fields::default();
    let opt = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    for (k, v) in [
        ("pool_id", b.pool_id.to_string()),
        ("category", b.category.clone().unwrap_or_default()),
        ("renewal_of", b.renewal_of.map(|p| p.to_string()).unwrap_or_default()),
        ("topic_id", b.topic_id.map(|t| t.to_string()).unwrap_or_default()),
        ("title", b.title.clone()),
        ("summary", b.summary.clone()),
        ("service_region_code", b.service_region_code.clone().unwrap_or_default()),
        ("beneficiary_kind", b.beneficiaries.kind.clone()),
        ("beneficiary_count", b.beneficiaries.count.to_string()),
        ("start_date", opt(b.start_date)),
        ("end_date", opt(b.end_date)),
        ("requested_amount", b.requested_amount.to_string()),
        ("matching_funds", b.matching_funds.to_string()),
    ] {
        f.push(k, v);
    }
    for (i, x) in b.budget_lines.iter().enumerate() {
        f.push(&format!("line_category_{i}"), x.category.clone());
        f.push(&format!("line_item_{i}"), x.item.clone());
        f.push(&format!("line_quantity_{i}"), x.quantity.clone().unwrap_or_default());
        f.push(&format!("line_unit_price_{i}"), x.unit_price.map(|u| u.to_string()).unwrap_or_default());
        f.push(&format!("line_amount_{i}"), x.amount.to_string());
        f.push(&format!("line_note_{i}"), x.note.clone());
    }
    for (k, v) in &b.sections {
        f.push(&format!("sec_{k}"), v.clone());
    }
    for (i, o) in b.outputs.iter().enumerate() {
        f.push(&format!("out_indicator_{i}"), o.indicator.clone());
        f.push(&format!("out_target_{i}"), o.target.clone());
        f.push(&format!("out_unit_{i}"), o.unit.clone());
    }
    for (i, m) in b.milestones.iter().enumerate() {
        f.push(&format!("ms_title_{i}"), m.title.clone());
        f.push(&format!("ms_due_{i}"), m.due_date.to_string());
        f.push(&format!("ms_deliverable_{i}"), m.deliverable.clone());
    }
    f
}

async fn regions(state: &AppState) -> Result<Vec<(String, String)>, PageError> {
    let rows = state.db(crate::service::regions::all).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let label = match r.level.as_str() {
                "district" => format!("{}（全区）", r.name),
                "village" => format!("　└ {}", r.name),
                _ => r.name,
            };
            (r.code, label)
        })
        .collect())
}

/// The bid form, filled with `f` and marked with `errors`.
async fn form_page(
    req: &HttpRequest,
    state: &AppState,
    auth: &Auth,
    which: Draft,
    f: Fields,
    errors: Vec<FieldError>,
) -> Result<HttpResponse, PageError> {
    let Target { call, bid_id, correction } = Target::load(state, auth, which).await?;
    let regions = regions(state).await?;
    let (ctx, call_id) = (auth.ctx.clone(), call.id);
    let earlier = state.db(move |c| crate::service::bids::renewable(c, &ctx, call_id)).await.unwrap_or_default();
    let ctx = auth.ctx.clone();
    let unverified = state
        .db(move |c| crate::service::accounts::me(c, &ctx))
        .await
        .is_ok_and(|me| me.organisation_status.as_deref().is_some_and(|s| s != "verified"));
    let l = Layout::new(req, state, auth);
    let status = super::status_for(&errors);
    // Rows: those filled and a few spare; 增加 adds five to what the form showed (empty rows
    // included: five empty rows and 增加 make ten, not the filled count plus five).
    let rows = |fields: &[&str], spare: usize, cap: usize, what: &str| {
        let kept = filled_rows(&f, fields, cap) + spare;
        let n = if f.get("add") == what { rows_in(&f, fields, cap).max(kept) + 5 } else { kept };
        n.clamp(spare + 2, cap)
    };
    let lines = rows(&LINE_FIELDS, SPARE_LINES, MAX_LINE_ROWS, "line");
    let milestones = rows(&MILESTONE_FIELDS, SPARE_MILESTONES, MAX_MILESTONE_ROWS, "milestone");
    let outputs = rows(&OUTPUT_FIELDS, 1, MAX_OUTPUT_ROWS, "output");
    let lines_total = (0..lines)
        .filter_map(|i| crate::domain::Money::parse(f.get_n("line_amount_", i).trim()).ok())
        .map(|m| m.fen())
        .reduce(|a, b| a + b)
        .map(crate::domain::Money::from_fen);
    let budget_categories = BudgetCategory::ALL
        .into_iter()
        .filter(|c| !call.forbidden_categories.iter().any(|x| x == c.as_str()))
        .map(|c| (c.as_str(), c.label()))
        .collect();
    let page = BidForm {
        earlier,
        l: &l,
        call,
        bid_id,
        f,
        errors,
        regions,
        budget_categories,
        line_rows: (0..lines).collect(),
        milestone_rows: (0..milestones).collect(),
        output_rows: (0..outputs).collect(),
        correction,
        lines_total,
        unverified,
    };
    render_status(&l, &page, status)
}

async fn load_call(state: &AppState, auth: &Auth, id: i64) -> Result<CallView, PageError> {
    let ctx = auth.ctx.clone();
    Ok(state.db(move |c| calls::get(c, &ctx, id)).await?)
}

pub async fn new_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    auth.ctx.require(&[Role::Org])?;
    let call_id = id.into_inner();
    let call = load_call(&state, &auth, call_id).await?;
    let mut f = Fields::default();
    f.push("start_date", call.project_start.to_string());
    f.push("end_date", call.project_end.to_string());
    form_page(&req, &state, &auth, Draft::New { call_id }, f, vec![]).await
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let (call_id, f) = (id.into_inner(), form.into_inner());
    if !f.get("add").is_empty() {
        check_csrf(&req, &f.get("csrf"))?;
        return form_page(&req, &state, &auth, Draft::New { call_id }, f, vec![]).await;
    }
    let read = f.clone();
    let save = move |c: &mut DbConn, ctx: &Ctx| bids::create(c, ctx, call_id, &to_input(&read)?);
    let to = |b: &BidView| format!("/bids/{}?done=saved", b.id);
    super::act(&req, &state, &auth, &f.clone(), to, save, |e| {
        refused_form(&req, &state, &auth, Draft::New { call_id }, f, e)
    })
    .await
}

/// Which bid form is shown: a new one started from a call, or a saved draft.
enum Draft {
    New { call_id: i64 },
    Saved(i64),
}

/// What the form is for: its call, the draft being edited, and the correction asked of it.
struct Target {
    call: CallView,
    bid_id: Option<i64>,
    correction: Option<String>,
}

impl Target {
    async fn load(state: &AppState, auth: &Auth, which: Draft) -> Result<Target, PageError> {
        Ok(match which {
            Draft::Saved(id) => {
                let ctx = auth.ctx.clone();
                let b = state.db(move |c| bids::get(c, &ctx, id)).await?;
                Target {
                    call: load_call(state, auth, b.call_id).await?,
                    bid_id: Some(id),
                    correction: correction_text(&b),
                }
            }
            Draft::New { call_id } => {
                Target { call: load_call(state, auth, call_id).await?, bid_id: None, correction: None }
            }
        })
    }
}

/// The form again with what the service refused, under the refusal's status.
async fn refused_form(
    req: &HttpRequest,
    state: &AppState,
    auth: &Auth,
    which: Draft,
    f: Fields,
    e: AppError,
) -> Result<HttpResponse, PageError> {
    let page = form_page(req, state, auth, which, f, field_errors(&e)).await?;
    Ok(with_status(page, e.status))
}

fn correction_text(b: &BidView) -> Option<String> {
    BidStatus::NeedsCorrection.is(&b.status).then(|| {
        b.correction_items
            .iter()
            .filter_map(|i| bids::CORRECTION_SECTIONS.iter().find(|(k, _)| k == i).map(|(_, l)| *l))
            .collect::<Vec<_>>()
            .join("；")
    })
}

pub async fn edit_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<HttpResponse, PageError> {
    auth.ctx.require(&[Role::Org])?;
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    let b = state.db(move |c| bids::get(c, &ctx, id)).await?;
    form_page(&req, &state, &auth, Draft::Saved(id), from_view(&b), vec![]).await
}

pub async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let (id, f) = (id.into_inner(), form.into_inner());
    if !f.get("add").is_empty() {
        check_csrf(&req, &f.get("csrf"))?;
        return form_page(&req, &state, &auth, Draft::Saved(id), f, vec![]).await;
    }
    let read = f.clone();
    let save = move |c: &mut DbConn, ctx: &Ctx| bids::update(c, ctx, id, &to_input(&read)?);
    let to = |_: &BidView| format!("/bids/{id}?done=saved");
    super::act(&req, &state, &auth, &f.clone(), to, save, |e| refused_form(&req, &state, &auth, Draft::Saved(id), f, e))
        .await
}

#[derive(Template)]
#[template(path = "bid.html")]
struct BidPage<'a> {
    l: &'a Layout,
    b: BidView,
    call: CallView,
    pool_name: String,
    /// What this viewer may do with the bid, as the service decides it.
    act: crate::service::access::BidActions,
    upload_mb: usize,
    caps: Vec<String>,
    pool: Option<PoolStats>,
    sections: Vec<(&'static str, &'static str)>,
    flash: Option<&'static str>,
    errors: Vec<FieldError>,
    /// The applicant as staff and finance need it: name, credit code, contact.
    applicant: Option<crate::db::organisations::OrgRow>,
    /// The applicant's step indicator (label, CSS class); empty for others and withdrawn bids.
    steps: Vec<(&'static str, &'static str)>,
}

#[derive(serde::Deserialize)]
pub struct Done {
    done: Option<String>,
}

/// Where the budget stands against the call's caps, for staff and finance to see at a glance.
fn caps(b: &BidView, call: &CallView) -> Vec<String> {
    let mut out = Vec::new();
    for (cat, pct) in [
        (BudgetCategory::Personnel, call.budget_caps.personnel_pct),
        (BudgetCategory::Admin, call.budget_caps.admin_pct),
    ] {
        let Some(pct) = pct else { continue };
        let spent: i64 = b.budget_lines.iter().filter(|l| l.category == cat.as_str()).map(|l| l.amount.fen()).sum();
        let cap = budget::cap(b.requested_amount, pct);
        let flag = if spent > cap.fen() { "（超出上限）" } else { "" };
        out.push(format!(
            "{}合计 {} 元，上限 {}% 即 {} 元{flag}",
            cat.label(),
            crate::domain::Money::from_fen(spent).grouped(),
            pct,
            cap.grouped()
        ));
    }
    let total: i64 = b.budget_lines.iter().map(|l| l.amount.fen()).sum();
    if total != b.requested_amount.fen() {
        out.push(format!("预算明细合计 {} 元，与申请金额不一致", crate::domain::Money::from_fen(total).grouped()));
    }
    for l in &b.budget_lines {
        if call.forbidden_categories.contains(&l.category) {
            out.push(format!("列支了不允许的科目：{}", l.category_label));
        }
    }
    out
}

async fn detail_page(
    req: &HttpRequest,
    state: &AppState,
    auth: &Auth,
    id: i64,
    flash: Option<&'static str>,
    errors: Vec<FieldError>,
) -> Result<HttpResponse, PageError> {
    let ctx = auth.ctx.clone();
    let role = auth.actor().map(|a| a.role);
    let staff_side = matches!(role, Some(Role::Staff | Role::Finance));
    let (b, stats, applicant) = state
        .db(move |c| {
            let b = bids::get(c, &ctx, id)?;
            // The pool's budget and what is already requested and approved, beside the bid.
            let stats = if staff_side { Some(bids::stats(c, &ctx, b.call_id)?) } else { None };
            let applicant = if staff_side { crate::db::organisations::find(c, b.organisation_id)? } else { None };
            Ok((b, stats, applicant))
        })
        .await?;
    let pool = stats.and_then(|s| s.pools.into_iter().find(|p| p.pool_id == b.pool_id));
    let call = load_call(state, auth, b.call_id).await?;
    let pool_name = call.pools.iter().find(|p| p.id == b.pool_id).map(|p| p.name.clone()).unwrap_or_default();
    let page_caps = if role == Some(Role::Org) { vec![] } else { caps(&b, &call) };
    let steps = match (role, crate::domain::bid::BidStatus::parse(&b.status)) {
        (Some(Role::Org), Some(s)) => crate::domain::bid::steps(s)
            .unwrap_or_default()
            .into_iter()
            .map(|(label, step)| (label, step.class()))
            .collect(),
        _ => vec![],
    };
    let l = Layout::new(req, state, auth);
    let status = super::status_for(&errors);
    let page = BidPage {
        l: &l,
        act: b.actions.unwrap_or_default(),
        upload_mb: state.config.upload_limit / 1024 / 1024,
        caps: page_caps,
        pool,
        b,
        call,
        pool_name,
        sections: bids::CORRECTION_SECTIONS.to_vec(),
        flash,
        errors,
        applicant,
        steps,
    };
    render_status(&l, &page, status)
}

pub async fn detail(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    q: web::Query<Done>,
) -> Result<HttpResponse, PageError> {
    let flash = match q.done.as_deref() {
        Some("saved") => Some("已保存草稿。"),
        Some("submitted") => Some("已提交，回执已发送到贵单位邮箱。"),
        Some("withdrawn") => Some("已撤回。"),
        Some("screened") => Some("审查结论已保存，并已通知申报单位。"),
        Some("finance") => Some("核定金额已保存。"),
        Some("uploaded") => Some("附件已上传。"),
        Some("deleted") => Some("附件已删除。"),
        _ => None,
    };
    detail_page(&req, &state, &auth, id.into_inner(), flash, vec![]).await
}

/// Runs an action on a bid; rule violations and conflicts come back on the bid's page.
async fn on_bid<F>(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: i64,
    form: &Fields,
    done: &str,
    f: F,
) -> Result<HttpResponse, PageError>
where
    F: FnOnce(&mut crate::db::DbConn, &crate::service::Ctx) -> Result<BidView, AppError> + Send + 'static,
{
    let to = |_: &BidView| format!("/bids/{id}?done={done}");
    super::act_shown(&req, &state, &auth, form, to, f, |errors| detail_page(&req, &state, &auth, id, None, errors))
        .await
}

pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    on_bid(req, state, auth, id, &form, "submitted", move |c, ctx| bids::submit(c, ctx, id)).await
}

pub async fn withdraw(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let back = format!("/bids/{id}");
    if let Some(page) =
        super::confirm::ask(&req, &state, &auth, &form, &back, move |c, ctx| previews::withdraw(c, ctx, id)).await?
    {
        return Ok(page);
    }
    on_bid(req, state, auth, id, &form, "withdrawn", move |c, ctx| bids::withdraw(c, ctx, id)).await
}

pub async fn screening(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let input = ScreeningInput {
        eligible: None,
        outcome: form.opt("outcome"),
        items: form.all("items"),
        due: form.opt("due"),
        note: form.opt("note"),
        repeat_confirmed: form.opt("repeat_confirmed").map(|v| v == "1"),
        // The checklist's radios: `chk_KEY` = ok | fail, with `chk_note_KEY` beside each.
        checklist: form
            .0
             .0
            .iter()
            .filter_map(|(k, v)| k.strip_prefix("chk_").filter(|k| !k.starts_with("note_")).map(|k| (k, v)))
            .map(|(k, v)| crate::domain::checklist::Answer {
                key: k.to_string(),
                ok: v == "ok",
                note: form.get(&format!("chk_note_{k}")),
            })
            .collect(),
    };
    // No conclusion is assumed: the screener chooses one.
    let screen = move |c: &mut DbConn, ctx: &Ctx| match input.outcome {
        None => Err(AppError::invalid_field("outcome", "required", "请选择审查结论")),
        Some(_) => bids::screen(c, ctx, id, &input),
    };
    on_bid(req, state, auth, id, &form, "screened", screen).await
}

pub async fn finance(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let input = FinanceInput { approved_amount: form.get("approved_amount").trim().into(), note: form.opt("note") };
    on_bid(req, state, auth, id, &form, "finance", move |c, ctx| bids::finance(c, ctx, id, &input)).await
}

/// The upload form: multipart, so the CSRF token is read from the parts.
pub async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let to = format!("/bids/{id}?done=uploaded");
    super::upload_act(&req, &state, &auth, payload, (id, crate::service::attachments::add), to, |errors| {
        detail_page(&req, &state, &auth, id, None, errors)
    })
    .await
}

pub async fn delete_attachment(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    check_csrf(&req, &form.get("csrf"))?;
    let id = id.into_inner();
    let ctx = auth.ctx.clone();
    let bid_id = state
        .db(move |c| {
            let a = crate::db::attachments::find(c, id)?.ok_or_else(AppError::not_found)?;
            crate::service::attachments::remove(c, &ctx, id)?;
            Ok(a.bid_id)
        })
        .await?;
    Ok(redirect(&format!("/bids/{bid_id}?done=deleted")))
}

#[derive(Template)]
#[template(path = "bid_queue.html")]
struct Queue<'a> {
    l: &'a Layout,
    call: CallView,
    bids: Vec<BidView>,
    status: String,
    tabs: Vec<(&'static str, &'static str)>,
    pool_names: HashMap<i64, String>,
    orgs: HashMap<i64, String>,
    search: String,
}

#[derive(serde::Deserialize)]
pub struct QueueQuery {
    status: Option<String>,
    q: Option<String>,
}

pub async fn queue(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    q: web::Query<QueueQuery>,
) -> Result<HttpResponse, PageError> {
    auth.ctx.require(&[Role::Staff, Role::Finance])?;
    let call_id = id.into_inner();
    let default = if auth.actor().map(|a| a.role) == Some(Role::Finance) { "eligible" } else { "submitted" };
    let status = q.status.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| default.into());
    let search = q.q.clone().unwrap_or_default();
    let ctx = auth.ctx.clone();
    let (st, sq) = (status.clone(), search.clone());
    let (bids, orgs) = state
        .db(move |c| {
            let query = bids::BidQuery {
                status: (st != "all").then_some(st.as_str()),
                search: Some(sq.as_str()),
                limit: Some(100),
                ..Default::default()
            };
            let bids = bids::list_for_call(c, &ctx, call_id, &query)?;
            let ids: Vec<i64> = bids.iter().map(|b| b.organisation_id).collect();
            let orgs: HashMap<i64, String> = crate::db::organisations::names_of(c, &ids)?.into_iter().collect();
            Ok((bids, orgs))
        })
        .await?;
    let call = load_call(&state, &auth, call_id).await?;
    let pool_names = call.pools.iter().map(|p| (p.id, p.name.clone())).collect();
    // Every state a submitted bid can reach, so none vanishes from the list after the decision.
    let tabs = vec![
        ("all", "全部"),
        ("submitted", "待审查"),
        ("needs_correction", "限期补正"),
        ("eligible", "审查通过"),
        ("ineligible", "未通过"),
        ("proposed", "拟资助"),
        ("funded", "已立项"),
        ("not_funded", "未获资助"),
        ("withdrawn", "已撤回"),
    ];
    let l = Layout::new(&req, &state, &auth);
    let page = Queue { l: &l, call, bids, status, tabs, pool_names, orgs, search };
    render_status(&l, &page, StatusCode::OK)
}

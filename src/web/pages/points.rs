//! 积分制 pages: one page per village for its workers on a phone (participants and balances, the
//! catalogue, a whole activity's claims at once, the two reviews, the monthly posting, the
//! 积分超市 and exchanges), the town's statistics for staff, and the public monthly board.

use super::fields::Fields;
use super::{render_status, Layout, PageError};
use crate::db::DbConn;
use crate::domain::account::Role;
use crate::domain::points::{Month, Step, CATEGORIES};
use crate::error::FieldError;
use crate::service::points::{
    self, ActivityInput, Board, CatalogueInput, CatalogueView, ClaimView, ExchangeInput, ExchangeLine, ItemInput,
    ParticipantInput, ParticipantView, PostingInput, ReviewInput, StoreItemInput, StoreItemView, TownStats,
};
use crate::service::Ctx;
use crate::web::auth::Auth;
use crate::web::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

#[derive(Template)]
#[template(path = "points.html")]
struct VillagePage<'a> {
    l: &'a Layout,
    region: String,
    villages: Vec<(String, String)>,
    is_village: bool,
    participants: Vec<ParticipantView>,
    catalogue: Option<CatalogueView>,
    next_month: String,
    last_month: String,
    today: String,
    to_review: Vec<ClaimView>,
    objections: Vec<points::OpenObjection>,
    rules: points::SettingsView,
    store: Vec<StoreItemView>,
    categories: &'static [&'static str],
    errors: Vec<FieldError>,
    form: Fields,
    flash: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct PageQuery {
    region: Option<String>,
    done: Option<String>,
    /// The redemption code of the exchange just made.
    code: Option<String>,
}

async fn village_page(
    req: &HttpRequest,
    state: &AppState,
    auth: &Auth,
    region: Option<String>,
    flash: Option<String>,
    form: Fields,
    errors: Vec<FieldError>,
) -> Result<HttpResponse, PageError> {
    let a = auth.ctx.require(&[Role::Community, Role::Staff])?.clone();
    let scope = a.region_scope().map(str::to_string);
    let villages: Vec<(String, String)> = state
        .db(crate::service::regions::all)
        .await?
        .into_iter()
        .filter(|r| r.level == "village" && scope.as_ref().is_none_or(|s| r.code.starts_with(s.as_str())))
        .map(|r| (r.code, r.name))
        .collect();
    let region = region
        .filter(|r| !r.is_empty())
        .or_else(|| a.region_code.clone().filter(|_| a.role == Role::Community))
        .or_else(|| villages.first().map(|v| v.0.clone()))
        .unwrap_or_default();
    let today = crate::clock::local_date(auth.ctx.now);
    let this = Month::of(today);
    let ctx = auth.ctx.clone();
    let r = region.clone();
    let (participants, catalogue, to_review, store, objections, rules) = state
        .db(move |c| {
            let p = points::participants(c, &ctx, Some(&r))?;
            let k = points::catalogue(c, &ctx, &r, &this.to_string())?.in_force;
            let mut claims = points::claims(c, &ctx, Some(&r), Some("filed"))?;
            claims.extend(points::claims(c, &ctx, Some(&r), Some("checked"))?);
            let s = points::store_items(c, &ctx, Some(&r))?;
            let o = points::open_objections(c, &ctx, Some(&r))?;
            let rules = points::settings(c, &ctx, &r)?;
            Ok((p, k, claims, s, o, rules))
        })
        .await?;
    let last = Month::of(this.first_day().pred_opt().unwrap_or(today));
    let l = Layout::new(req, state, auth);
    let page = VillagePage {
        l: &l,
        region,
        villages,
        is_village: a.role == Role::Community,
        participants,
        catalogue,
        next_month: this.next().to_string(),
        last_month: last.to_string(),
        today: today.to_string(),
        to_review,
        objections,
        rules,
        store,
        categories: &CATEGORIES,
        errors,
        form,
        flash,
    };
    let code = super::status_for(&page.errors);
    render_status(&l, &page, code)
}

/// `/points`: the village's points on one page (a village worker's own; staff pick a village).
pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    q: web::Query<PageQuery>,
) -> Result<HttpResponse, PageError> {
    let code: String = q.code.as_deref().unwrap_or("").chars().filter(char::is_ascii_alphanumeric).take(12).collect();
    let flash = q.done.as_deref().map(|d| {
        if d == "exchange" {
            return format!("兑换成功。兑换码：{code}（领取物品时核对）");
        }
        match d {
            "participant" => "已添加参与人。",
            "catalogue" => "积分项目清单已保存（新版本）。",
            "activity" => "活动积分已申报，等待初审。",
            "review" => "审核已记录。",
            "posting" => "已张榜公示，异议期满后积分可用。",
            "item" => "物品已上架。",
            "objection" => "异议已处理。",
            "rules" => "本村规则已保存。",
            _ => "已完成。",
        }
        .to_string()
    });
    village_page(&req, &state, &auth, q.region.clone(), flash, Fields::default(), Vec::new()).await
}

fn back(region: &str, done: &str) -> String {
    format!("/points?region={region}&done={done}")
}

/// Acts on one of the village page's forms: on success to `to(result, village)`, else the village
/// page again with the form as typed and its errors.
async fn village_act<T, F>(
    req: &HttpRequest,
    state: &AppState,
    auth: &Auth,
    form: Fields,
    to: impl FnOnce(&T, &str) -> String,
    f: F,
) -> Result<HttpResponse, PageError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn, &Ctx) -> crate::error::AppResult<T> + Send + 'static,
{
    let region = form.get("region_code");
    let r = region.clone();
    let shown = form.clone();
    super::act_shown(
        req,
        state,
        auth,
        &form,
        move |x: &T| to(x, &r),
        f,
        |errors| village_page(req, state, auth, Some(region), None, shown, errors),
    )
    .await
}

pub async fn add_participant(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let input = ParticipantInput {
        region_code: form.opt("region_code"),
        name: form.get("name"),
        phone: form.opt("phone"),
        kind: form.get("kind"),
        tags: form.get("tags").split([',', '，', ' ']).filter(|t| !t.is_empty()).map(str::to_string).collect(),
    };
    let f = move |c: &mut DbConn, ctx: &Ctx| points::add_participant(c, ctx, &input);
    village_act(&req, &state, &auth, form, |_: &ParticipantView, r| back(r, "participant"), f).await
}

/// The catalogue as lines `编号,类别,名称,分值[,每月上限]` (what a village office types or pastes).
fn parse_items(text: &str) -> Vec<ItemInput> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let c: Vec<&str> = l.split([',', '，']).map(str::trim).collect();
            ItemInput {
                code: c.first().unwrap_or(&"").to_string(),
                category: c.get(1).unwrap_or(&"").to_string(),
                name: c.get(2).unwrap_or(&"").to_string(),
                points: c.get(3).and_then(|p| p.parse().ok()).unwrap_or(0),
                monthly_cap: c.get(4).and_then(|p| p.parse().ok()),
            }
        })
        .collect()
}

pub async fn put_catalogue(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let (region, month) = (form.get("region_code"), form.get("month"));
    let input = CatalogueInput { items: parse_items(&form.get("items")), note: form.get("catalogue_note") };
    let f = move |c: &mut DbConn, ctx: &Ctx| points::put_catalogue(c, ctx, &region, &month, &input);
    village_act(&req, &state, &auth, form, |_: &CatalogueView, r| back(r, "catalogue"), f).await
}

pub async fn file_activity(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let input = ActivityInput {
        participant_ids: form.all("participant").iter().filter_map(|p| p.parse().ok()).collect(),
        item_code: form.get("item_code"),
        activity_date: form.get("activity_date"),
        note: form.get("note"),
    };
    let f = move |c: &mut DbConn, ctx: &Ctx| points::file_activity(c, ctx, &input);
    village_act(&req, &state, &auth, form, |_: &Vec<ClaimView>, r| back(r, "activity"), f).await
}

pub async fn review(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let (id, form) = (id.into_inner(), form.into_inner());
    let input = ReviewInput {
        step: if form.get("step") == "second" { Step::Second } else { Step::First },
        approved: form.get("approved") == "true",
        note: form.get("note"),
    };
    let f = move |c: &mut DbConn, ctx: &Ctx| points::review(c, ctx, id, &input);
    village_act(&req, &state, &auth, form, |_: &ClaimView, r| back(r, "review"), f).await
}

pub async fn post_month(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let input = PostingInput { region_code: form.opt("region_code"), month: form.get("month") };
    let f = move |c: &mut DbConn, ctx: &Ctx| points::post_month(c, ctx, &input);
    let to = |p: &points::PostingView, _: &str| format!("/points/board/{}/{}", p.region_code, p.month);
    village_act(&req, &state, &auth, form, to, f).await
}

pub async fn add_item(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let input = StoreItemInput {
        region_code: form.opt("store_region").or_else(|| form.opt("region_code")),
        name: form.get("name"),
        points_price: form.get("points_price").trim().parse().unwrap_or(0),
        stock: form.get("stock").trim().parse().unwrap_or(-1),
    };
    let f = move |c: &mut DbConn, ctx: &Ctx| points::add_store_item(c, ctx, &input);
    village_act(&req, &state, &auth, form, |_: &StoreItemView, r| back(r, "item"), f).await
}

pub async fn exchange(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let input = ExchangeInput {
        participant_id: form.get("participant_id").parse().unwrap_or(0),
        items: vec![ExchangeLine {
            store_item_id: form.get("store_item_id").parse().unwrap_or(0),
            qty: form.get("qty").trim().parse().unwrap_or(0),
        }],
    };
    let f = move |c: &mut DbConn, ctx: &Ctx| points::exchange(c, ctx, &input);
    let to = |x: &points::ExchangeView, r: &str| format!("/points?region={r}&done=exchange&code={}", x.redemption_code);
    village_act(&req, &state, &auth, form, to, f).await
}

pub async fn put_settings(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let region = form.get("region_code");
    let input = points::SettingsInput {
        claim_days: form.get("claim_days").trim().parse().unwrap_or(0),
        objection_days: form.get("objection_days").trim().parse().unwrap_or(0),
    };
    let f = move |c: &mut DbConn, ctx: &Ctx| points::put_settings(c, ctx, &region, &input);
    village_act(&req, &state, &auth, form, |_: &points::SettingsView, r| back(r, "rules"), f).await
}

#[derive(Template)]
#[template(path = "points_board.html")]
struct BoardPage<'a> {
    l: &'a Layout,
    b: Board,
    today: chrono::NaiveDate,
    errors: Vec<FieldError>,
    form: Fields,
    flash: Option<&'static str>,
}

#[derive(serde::Deserialize)]
pub struct BoardQuery {
    done: Option<String>,
}

async fn board_page(
    req: &HttpRequest,
    state: &AppState,
    auth: &Auth,
    (village, month): (String, String),
    flash: Option<&'static str>,
    form: Fields,
    errors: Vec<FieldError>,
) -> Result<HttpResponse, PageError> {
    let b = state.db(move |c| points::board(c, &village, &month)).await?;
    let l = Layout::new(req, state, auth);
    let today = crate::clock::local_date(auth.ctx.now);
    let code = super::status_for(&errors);
    render_status(&l, &BoardPage { l: &l, b, today, errors, form, flash }, code)
}

/// An objection to a posting from its board (anyone, while the window is open).
pub async fn object(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let (id, form) = (id.into_inner(), form.into_inner());
    let (village, month) = (form.get("village"), form.get("month"));
    let input = points::ObjectionInput { claim_id: None, text: form.get("text"), contact: form.opt("contact") };
    let to = {
        let (v, m) = (village.clone(), month.clone());
        move |_: &points::ObjectionView| format!("/points/board/{v}/{m}?done=objection")
    };
    let f = move |c: &mut DbConn, ctx: &Ctx| points::object(c, ctx, id, &input);
    let shown = form.clone();
    super::act_shown(&req, &state, &auth, &form, to, f, |errors| {
        board_page(&req, &state, &auth, (village, month), None, shown, errors)
    })
    .await
}

/// A village worker's (or the town's) decision on an objection.
pub async fn decide(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let (id, form) = (id.into_inner(), form.into_inner());
    let input = points::ObjectionDecision {
        upheld: form.get("upheld") == "true",
        note: form.get("note"),
        claim_id: form.get("claim_id").parse().ok(),
    };
    let f = move |c: &mut DbConn, ctx: &Ctx| points::decide_objection(c, ctx, id, &input);
    village_act(&req, &state, &auth, form, |_: &points::ObjectionView, r| back(r, "objection"), f).await
}

/// `/points/board/{village}/{month}`: the public monthly board, names masked.
pub async fn board(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, String)>,
    q: web::Query<BoardQuery>,
) -> Result<HttpResponse, PageError> {
    let flash = (q.done.as_deref() == Some("objection")).then_some("异议已收到，村（居）委会将核实处理。");
    board_page(&req, &state, &auth, path.into_inner(), flash, Fields::default(), Vec::new()).await
}

#[derive(Template)]
#[template(path = "points_stats.html")]
struct StatsPage<'a> {
    l: &'a Layout,
    year: i32,
    towns: Vec<TownStats>,
}

#[derive(serde::Deserialize)]
pub struct YearQuery {
    year: Option<i32>,
}

/// `/points/stats`: per town, for the district's promotion meetings (staff).
pub async fn stats(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    q: web::Query<YearQuery>,
) -> Result<HttpResponse, PageError> {
    let year = q.year.unwrap_or_else(|| chrono::Datelike::year(&crate::clock::local_date(auth.ctx.now)));
    let ctx = auth.ctx.clone();
    let towns = state.db(move |c| points::stats(c, &ctx, year)).await?;
    let l = Layout::new(&req, &state, &auth);
    render_status(&l, &StatsPage { l: &l, year, towns }, actix_web::http::StatusCode::OK)
}

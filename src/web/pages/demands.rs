//! 群众诉求 pages: a village worker files and settles or escalates on a phone; town staff work
//! through a queue with filters; staff draw topics; the public needs board.

use super::fields::Fields;
use super::{render_status, Layout, PageError};
use crate::db::DbConn;
use crate::domain::account::Role;
use crate::domain::demand::{Channel, Status};
use crate::error::FieldError;
use crate::service::demands::{self, DemandFilter, DemandInput, DemandView, TransitionInput};
use crate::service::topics::{self, NeedsBoard, TopicInput, TopicView};
use crate::service::Ctx;
use crate::web::auth::Auth;
use crate::web::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

/// Categories offered as suggestions (any other may be typed).
const CATEGORIES: [&str; 8] =
    ["养老服务", "助残服务", "儿童关爱", "环境卫生", "邻里纠纷", "便民服务", "文体活动", "治安平安"];

#[derive(Template)]
#[template(path = "demands.html")]
struct ListPage<'a> {
    l: &'a Layout,
    demands: Vec<DemandView>,
    status: String,
    region: String,
    /// (code, name) of the villages the reader may file for and filter by.
    villages: Vec<(String, String)>,
    is_village: bool,
    channels: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
    categories: &'static [&'static str],
    errors: Vec<FieldError>,
    form: Fields,
    flash: Option<&'static str>,
    next: Option<String>,
}

#[derive(serde::Deserialize)]
pub struct ListQuery {
    status: Option<String>,
    region: Option<String>,
    before: Option<i64>,
    done: Option<String>,
}

async fn list_page(
    req: &HttpRequest,
    state: &AppState,
    auth: &Auth,
    q: &ListQuery,
    form: Fields,
    errors: Vec<FieldError>,
) -> Result<HttpResponse, PageError> {
    let a = auth.ctx.require(&[Role::Community, Role::Staff])?.clone();
    let status = q.status.clone().filter(|s| Status::parse(s).is_some()).unwrap_or_default();
    let region = q.region.clone().unwrap_or_default();
    let f = DemandFilter {
        status: Some(status.clone()).filter(|s| !s.is_empty()),
        region: Some(region.clone()).filter(|s| !s.is_empty()),
        before: q.before,
        limit: Some(50),
    };
    let ctx = auth.ctx.clone();
    let list = state.db(move |c| demands::list(c, &ctx, &f)).await?;
    let scope = a.region_scope().map(str::to_string);
    let villages = state
        .db(crate::service::regions::all)
        .await?
        .into_iter()
        .filter(|r| r.level == "village" && scope.as_ref().is_none_or(|s| r.code.starts_with(s.as_str())))
        .map(|r| (r.code, r.name))
        .collect();
    let next = (list.len() == 50)
        .then(|| list.last().map(|d| format!("/demands?status={status}&region={region}&before={}", d.id)))
        .flatten();
    let l = Layout::new(req, state, auth);
    let flash = match q.done.as_deref() {
        Some("filed") => Some("诉求已登记。"),
        _ => None,
    };
    let page = ListPage {
        l: &l,
        demands: list,
        status,
        region,
        villages,
        is_village: a.role == Role::Community,
        channels: Channel::ALL.iter().map(|c| (c.as_str(), c.label())).collect(),
        statuses: Status::ALL.iter().map(|s| (s.as_str(), s.label())).collect(),
        categories: &CATEGORIES,
        flash,
        next,
        errors,
        form,
    };
    let code = super::status_for(&page.errors);
    render_status(&l, &page, code)
}

/// `/demands`: the village's or the town's demands, newest first, with the form to file one.
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, PageError> {
    list_page(&req, &state, &auth, &q, Fields::default(), Vec::new()).await
}

pub async fn file(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let input = DemandInput {
        region_code: form.opt("region_code"),
        channel: form.get("channel"),
        category: form.get("category"),
        text: form.get("text"),
        reporter_name: form.opt("reporter_name"),
        reporter_contact: form.opt("reporter_contact"),
    };
    let to = |v: &DemandView| format!("/demands/{}?done=filed", v.id);
    let f = move |c: &mut DbConn, ctx: &Ctx| demands::file(c, ctx, &input);
    let shown = form.clone();
    let q = ListQuery { status: None, region: None, before: None, done: None };
    super::act_shown(&req, &state, &auth, &form, to, f, |errors| list_page(&req, &state, &auth, &q, shown, errors))
        .await
}

#[derive(Template)]
#[template(path = "demand.html")]
struct DetailPage<'a> {
    l: &'a Layout,
    d: DemandView,
    errors: Vec<FieldError>,
    flash: Option<&'static str>,
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
    let d = state.db(move |c| demands::get(c, &ctx, id)).await?;
    let l = Layout::new(req, state, auth);
    let code = super::status_for(&errors);
    render_status(&l, &DetailPage { l: &l, d, errors, flash }, code)
}

#[derive(serde::Deserialize)]
pub struct Done {
    done: Option<String>,
}

pub async fn detail(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    q: web::Query<Done>,
) -> Result<HttpResponse, PageError> {
    let flash = match q.done.as_deref() {
        Some("filed") => Some("诉求已登记。能就地解决的请登记解决情况；解决不了的请上报镇街。"),
        Some("moved") => Some("已处理，并已邮件通知相关人员。"),
        _ => None,
    };
    detail_page(&req, &state, &auth, id.into_inner(), flash, Vec::new()).await
}

/// One move of the flow from the demand's page (the button names the target state).
pub async fn transition(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let (id, form) = (id.into_inner(), form.into_inner());
    let input = TransitionInput { to: form.get("to"), note: form.get("note") };
    let to = |v: &DemandView| format!("/demands/{}?done=moved", v.id);
    let f = move |c: &mut DbConn, ctx: &Ctx| demands::transition(c, ctx, id, &input);
    super::act_shown(&req, &state, &auth, &form, to, f, |errors| detail_page(&req, &state, &auth, id, None, errors))
        .await
}

#[derive(Template)]
#[template(path = "topics.html")]
struct TopicsPage<'a> {
    l: &'a Layout,
    topics: Vec<TopicView>,
    /// Accepted demands in the reader's scope, to draw a topic from.
    accepted: Vec<DemandView>,
    /// (code, name): the reader's town, or the district and every town.
    regions: Vec<(String, String)>,
    year: i32,
    errors: Vec<FieldError>,
    form: Fields,
    flash: Option<&'static str>,
}

async fn topics_page(
    req: &HttpRequest,
    state: &AppState,
    auth: &Auth,
    form: Fields,
    errors: Vec<FieldError>,
) -> Result<HttpResponse, PageError> {
    let a = auth.ctx.require(&[Role::Staff])?.clone();
    let ctx = auth.ctx.clone();
    let f = DemandFilter { status: Some("accepted".into()), region: None, before: None, limit: Some(100) };
    let (list, accepted) =
        state.db(move |c| Ok((topics::list(c, &ctx, &Default::default())?, demands::list(c, &ctx, &f)?))).await?;
    let own = a.region_code.clone();
    let regions = state
        .db(crate::service::regions::all)
        .await?
        .into_iter()
        .filter(|r| r.level != "village" && own.as_ref().is_none_or(|t| *t == r.code))
        .map(|r| (r.code, r.name))
        .collect();
    use chrono::Datelike;
    let year = crate::clock::local_date(auth.ctx.now).year() + 1;
    let l = Layout::new(req, state, auth);
    let flash = req.query_string().contains("done=").then_some("选题已形成，所关联的诉求已标记为“已纳入选题”。");
    let mut topics = list;
    topics.reverse();
    let code = super::status_for(&errors);
    render_status(&l, &TopicsPage { l: &l, topics, accepted, regions, year, errors, form, flash }, code)
}

/// `/topics`: the topics so far and the form that draws one from accepted demands (staff).
pub async fn topics_list(req: HttpRequest, state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, PageError> {
    topics_page(&req, &state, &auth, Fields::default(), Vec::new()).await
}

pub async fn create_topic(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let input = form.read(|f, p| TopicInput {
        year: f.number("year", p).unwrap_or(0),
        title: f.get("title"),
        description: f.get("description"),
        region_code: f.get("region_code"),
        demand_ids: f.all("demand_ids").iter().filter_map(|d| d.trim().parse().ok()).collect(),
    });
    let to = |_: &TopicView| "/topics?done=created".to_string();
    let f = move |c: &mut DbConn, ctx: &Ctx| topics::create(c, ctx, &input?);
    let shown = form.clone();
    super::act_shown(&req, &state, &auth, &form, to, f, |errors| topics_page(&req, &state, &auth, shown, errors)).await
}

#[derive(Template)]
#[template(path = "needs.html")]
struct NeedsPage<'a> {
    l: &'a Layout,
    b: NeedsBoard,
    region: String,
    towns: Vec<(String, String)>,
}

#[derive(serde::Deserialize)]
pub struct NeedsQuery {
    region: Option<String>,
}

/// `/needs`: the public needs board (counts and topics; no demand's text or reporter).
pub async fn needs(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    q: web::Query<NeedsQuery>,
) -> Result<HttpResponse, PageError> {
    let region = q.region.clone().unwrap_or_default();
    let f = topics::BoardFilter { region: Some(region.clone()).filter(|r| !r.is_empty()) };
    let b = state.db(move |c| topics::board(c, &f)).await?;
    let towns = state
        .db(crate::service::regions::all)
        .await?
        .into_iter()
        .filter(|r| r.level == "town")
        .map(|r| (r.code, r.name))
        .collect();
    let l = Layout::new(&req, &state, &auth);
    render_status(&l, &NeedsPage { l: &l, b, region, towns }, StatusCode::OK)
}

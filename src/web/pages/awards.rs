//! Innovation awards and promotion meetings: the public list, the staff pages.

use super::fields::Fields;
use super::{render_status, Layout, PageError};
use crate::db::DbConn;
use crate::domain::account::Role;
use crate::error::{AppError, FieldError};
use crate::service::awards::{self, AwardInput, FundInput, FundView, MeetingInput, MeetingYearView};
use crate::service::previews;
use crate::service::Ctx;
use crate::web::auth::Auth;
use crate::web::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

#[derive(Template)]
#[template(path = "awards.html")]
struct PublicAwards<'a> {
    l: &'a Layout,
    funds: Vec<FundView>,
}

/// `/awards`: the published awards, for everyone.
pub async fn public(req: HttpRequest, state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, PageError> {
    let ctx = state.ctx(crate::service::Principal::Anonymous, None);
    let funds = state.db(move |c| awards::list_funds(c, &ctx)).await?;
    let l = Layout::new(&req, &state, &auth);
    render_status(&l, &PublicAwards { l: &l, funds }, StatusCode::OK)
}

#[derive(Template)]
#[template(path = "staff_awards.html")]
struct StaffAwards<'a> {
    l: &'a Layout,
    funds: Vec<FundView>,
    errors: Vec<FieldError>,
    form: Fields,
}

async fn list_page(
    req: &HttpRequest,
    state: &AppState,
    auth: &Auth,
    form: Fields,
    errors: Vec<FieldError>,
) -> Result<HttpResponse, PageError> {
    auth.ctx.require(&[Role::Staff, Role::Finance])?;
    let ctx = auth.ctx.clone();
    let funds = state.db(move |c| awards::list_funds(c, &ctx)).await?;
    let l = Layout::new(req, state, auth);
    let status = super::status_for(&errors);
    render_status(&l, &StaffAwards { l: &l, funds, errors, form }, status)
}

pub async fn staff_list(req: HttpRequest, state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, PageError> {
    list_page(&req, &state, &auth, Fields::default(), Vec::new()).await
}

pub async fn create_fund(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let input = form.read(|f, p| FundInput { year: f.number("year", p).unwrap_or(0), budget: f.opt("budget") });
    let to = |v: &FundView| format!("/staff/awards/{}", v.id);
    let f = move |c: &mut DbConn, ctx: &Ctx| awards::create_fund(c, ctx, &input?);
    let shown = form.clone();
    super::act_shown(&req, &state, &auth, &form, to, f, |errors| list_page(&req, &state, &auth, shown, errors)).await
}

#[derive(Template)]
#[template(path = "staff_award_fund.html")]
struct FundPage<'a> {
    l: &'a Layout,
    f: FundView,
    regions: Vec<crate::db::regions::RegionRow>,
    can_edit: bool,
    flash: Option<&'static str>,
    errors: Vec<FieldError>,
    form: Fields,
}

#[derive(serde::Deserialize)]
pub struct Done {
    done: Option<String>,
}

async fn fund_page(
    req: &HttpRequest,
    state: &AppState,
    auth: &Auth,
    id: i64,
    flash: Option<&'static str>,
    form: Fields,
    errors: Vec<FieldError>,
) -> Result<HttpResponse, PageError> {
    let a = auth.ctx.require(&[Role::Staff, Role::Finance])?;
    let can_edit = a.role == Role::Staff && a.region_code.is_none();
    let ctx = auth.ctx.clone();
    let (f, regions) = state
        .db(move |c| {
            let f = awards::get_fund(c, &ctx, id)?;
            let regions = crate::db::regions::all(c)?.into_iter().filter(|r| r.level != "district").collect();
            Ok((f, regions))
        })
        .await?;
    let l = Layout::new(req, state, auth);
    let status = super::status_for(&errors);
    render_status(&l, &FundPage { l: &l, f, regions, can_edit, flash, errors, form }, status)
}

pub async fn staff_fund(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    q: web::Query<Done>,
) -> Result<HttpResponse, PageError> {
    let flash = match q.done.as_deref() {
        Some("added") => Some("已添加奖励。"),
        Some("removed") => Some("已删除该奖励，金额已退回奖励资金。"),
        Some("published") => Some("已公布，奖励公告已生成，获奖镇街工作人员已收到邮件通知。"),
        _ => None,
    };
    fund_page(&req, &state, &auth, id.into_inner(), flash, Fields::default(), Vec::new()).await
}

/// Runs a change on a fund; on a refusal the fund page comes back with the reason.
async fn fund_action(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    fund_id: i64,
    form: Fields,
    done: &str,
    f: impl FnOnce(&mut crate::db::DbConn, &crate::service::Ctx) -> Result<FundView, AppError> + Send + 'static,
) -> Result<HttpResponse, PageError> {
    let to = |v: &FundView| format!("/staff/awards/{}?done={done}", v.id);
    let shown = form.clone();
    super::act_shown(&req, &state, &auth, &form, to, f, |errors| {
        fund_page(&req, &state, &auth, fund_id, None, shown, errors)
    })
    .await
}

pub async fn add_award(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let id = id.into_inner();
    let input = AwardInput {
        region_code: form.get("region_code"),
        title: form.get("title"),
        citation: form.get("citation"),
        amount: form.get("amount"),
        reason: form.opt("reason"),
    };
    fund_action(req, state, auth, id, form, "added", move |c, ctx| awards::add_award(c, ctx, id, &input)).await
}

pub async fn remove_award(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(i64, i64)>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let (fund_id, award_id) = path.into_inner();
    let back = format!("/staff/awards/{fund_id}");
    let preview =
        move |c: &mut crate::db::DbConn, ctx: &crate::service::Ctx| previews::remove_award(c, ctx, fund_id, award_id);
    if let Some(page) = super::confirm::ask(&req, &state, &auth, &form, &back, preview).await? {
        return Ok(page);
    }
    fund_action(req, state, auth, fund_id, form.into_inner(), "removed", move |c, ctx| {
        awards::remove_award(c, ctx, award_id)
    })
    .await
}

pub async fn publish(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let docs = state.doc_settings();
    let back = format!("/staff/awards/{id}");
    if let Some(page) =
        super::confirm::ask(&req, &state, &auth, &form, &back, move |c, ctx| previews::publish_awards(c, ctx, id))
            .await?
    {
        return Ok(page);
    }
    fund_action(req, state, auth, id, form.into_inner(), "published", move |c, ctx| awards::publish(c, ctx, &docs, id))
        .await
}

#[derive(Template)]
#[template(path = "staff_meetings.html")]
struct MeetingsPage<'a> {
    l: &'a Layout,
    y: MeetingYearView,
    regions: Vec<crate::db::regions::RegionRow>,
    can_edit: bool,
    errors: Vec<FieldError>,
    form: Fields,
}

#[derive(serde::Deserialize)]
pub struct YearQuery {
    year: Option<i32>,
}

async fn meetings_page(
    req: &HttpRequest,
    state: &AppState,
    auth: &Auth,
    year: Option<i32>,
    form: Fields,
    errors: Vec<FieldError>,
) -> Result<HttpResponse, PageError> {
    let a = auth.ctx.require(&[Role::Staff, Role::Finance])?;
    let can_edit = a.role == Role::Staff && a.region_code.is_none();
    let ctx = auth.ctx.clone();
    let (y, regions) = state
        .db(move |c| {
            let y = awards::meetings(c, &ctx, year)?;
            Ok((y, crate::db::regions::all(c)?.into_iter().filter(|r| r.level != "village").collect()))
        })
        .await?;
    let l = Layout::new(req, state, auth);
    let status = super::status_for(&errors);
    render_status(&l, &MeetingsPage { l: &l, y, regions, can_edit, errors, form }, status)
}

pub async fn meetings(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    q: web::Query<YearQuery>,
) -> Result<HttpResponse, PageError> {
    meetings_page(&req, &state, &auth, q.year, Fields::default(), Vec::new()).await
}

pub async fn record_meeting(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    // One field may carry several ids ("12 15" or "12，15").
    let ids = |k: &str| -> Vec<i64> {
        form.all(k).iter().flat_map(|v| v.split(|c: char| !c.is_ascii_digit()).filter_map(|x| x.parse().ok())).collect()
    };
    let input = form.read(|f, p| MeetingInput {
        held_on: f.get("held_on"),
        place: f.get("place"),
        host_region_code: f.get("host_region_code"),
        agenda: f.get("agenda"),
        // Empty stays -1, which the service refuses as a missing count.
        attendees: f.number("attendees", p).unwrap_or(-1),
        award_ids: ids("award_ids"),
        project_ids: ids("project_ids"),
    });
    let to = |y: &MeetingYearView| format!("/staff/meetings?year={}", y.year);
    let f = move |c: &mut DbConn, ctx: &Ctx| awards::record_meeting(c, ctx, &input?);
    let shown = form.clone();
    super::act_shown(&req, &state, &auth, &form, to, f, |errors| {
        meetings_page(&req, &state, &auth, None, shown, errors)
    })
    .await
}

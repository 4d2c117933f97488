//! Yearly funds (专项资金) for staff, and the admin's working-day calendar page.

use super::fields::Fields;
use super::{render_status, Layout, PageError};
use crate::db::DbConn;
use crate::domain::account::Role;
use crate::error::FieldError;
use crate::service::calendar::{self, CalendarView};
use crate::service::funds::{self, YearlyFundInput, YearlyFundPatch, YearlyFundView};
use crate::service::Ctx;
use crate::web::auth::Auth;
use crate::web::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

#[derive(serde::Deserialize)]
pub struct YearQuery {
    year: Option<String>,
}

impl YearQuery {
    /// The year asked for, or this year; anything unreadable is this year too (it is a filter).
    fn year(&self, ctx: &Ctx) -> i32 {
        year_or_this(self.year.as_deref(), ctx)
    }
}

fn year_or_this(given: Option<&str>, ctx: &Ctx) -> i32 {
    use chrono::Datelike;
    let this = crate::clock::local_date(ctx.now).year();
    given.and_then(|y| y.trim().parse().ok()).filter(|y| (2000..=2100).contains(y)).unwrap_or(this)
}

#[derive(Template)]
#[template(path = "staff_funds.html")]
struct FundsPage<'a> {
    l: &'a Layout,
    year: i32,
    funds: Vec<YearlyFundView>,
    /// (code, name) of the district and the towns this user may set up a fund for.
    regions: Vec<(String, String)>,
    errors: Vec<FieldError>,
    form: Fields,
    done: bool,
}

async fn funds_page(
    req: &HttpRequest,
    state: &AppState,
    auth: &Auth,
    year: i32,
    form: Fields,
    errors: Vec<FieldError>,
) -> Result<HttpResponse, PageError> {
    auth.ctx.require(&[Role::Staff, Role::Finance])?;
    let ctx = auth.ctx.clone();
    let funds = state.db(move |c| funds::list(c, &ctx, Some(year))).await?;
    let scope = auth.actor().and_then(|a| a.region_code.clone());
    let regions = state
        .db(crate::service::regions::all)
        .await?
        .into_iter()
        .filter(|r| r.level != "village" && scope.as_ref().is_none_or(|t| *t == r.code))
        .map(|r| (r.code, r.name))
        .collect();
    let l = Layout::new(req, state, auth);
    let status = super::status_for(&errors);
    let done = req.query_string().contains("done=");
    render_status(&l, &FundsPage { l: &l, year, funds, regions, errors, form, done }, status)
}

/// `/staff/funds?year=`: the year's funds, what each has committed, reserved and paid, and the
/// calls drawing on it.
pub async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    q: web::Query<YearQuery>,
) -> Result<HttpResponse, PageError> {
    let year = q.year(&auth.ctx);
    funds_page(&req, &state, &auth, year, Fields::default(), Vec::new()).await
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let input = form.read(|f, p| YearlyFundInput {
        year: f.number("year", p).unwrap_or(0),
        region_code: f.get("region_code"),
        name: f.opt("name"),
        amount: f.get("amount").trim().into(),
        source: f.opt("source"),
    });
    let year = year_or_this(Some(&form.get("year")), &auth.ctx);
    let to = |v: &YearlyFundView| format!("/staff/funds?year={}&done=created", v.year);
    let f = move |c: &mut DbConn, ctx: &Ctx| funds::create(c, ctx, &input?);
    let shown = form.clone();
    super::act_shown(&req, &state, &auth, &form, to, f, |errors| funds_page(&req, &state, &auth, year, shown, errors))
        .await
}

pub async fn set_amount(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let (id, form) = (id.into_inner(), form.into_inner());
    let input = YearlyFundPatch { amount: form.get("amount").trim().into() };
    let year = year_or_this(Some(&form.get("year")), &auth.ctx);
    let to = |v: &YearlyFundView| format!("/staff/funds?year={}&done=amount", v.year);
    let f = move |c: &mut DbConn, ctx: &Ctx| funds::set_amount(c, ctx, id, &input);
    let shown = form.clone();
    super::act_shown(&req, &state, &auth, &form, to, f, |errors| funds_page(&req, &state, &auth, year, shown, errors))
        .await
}

#[derive(Template)]
#[template(path = "admin_calendar.html")]
struct CalendarPage<'a> {
    l: &'a Layout,
    cal: CalendarView,
    holidays: usize,
    errors: Vec<FieldError>,
    csv: String,
    done: bool,
}

async fn calendar_page(
    req: &HttpRequest,
    state: &AppState,
    auth: &Auth,
    year: i32,
    csv: String,
    errors: Vec<FieldError>,
) -> Result<HttpResponse, PageError> {
    auth.ctx.require(&[Role::Admin])?;
    let cal = state.db(move |c| calendar::get(c, year)).await?;
    let l = Layout::new(req, state, auth);
    let status = super::status_for(&errors);
    let done = req.query_string().contains("done=");
    let holidays = cal.days.iter().filter(|d| d.kind == "holiday").count();
    render_status(&l, &CalendarPage { l: &l, cal, holidays, errors, csv, done }, status)
}

/// `/admin/calendar?year=`: a year's holidays and make-up working days, and the form to load them.
pub async fn show_calendar(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    q: web::Query<YearQuery>,
) -> Result<HttpResponse, PageError> {
    let year = q.year(&auth.ctx);
    calendar_page(&req, &state, &auth, year, String::new(), Vec::new()).await
}

pub async fn load_calendar(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let year: i32 = form.get("year").trim().parse().unwrap_or(0);
    let csv = form.get("csv");
    let to = |v: &CalendarView| format!("/admin/calendar?year={}&done=loaded", v.year);
    let text = csv.clone();
    let f = move |c: &mut DbConn, ctx: &Ctx| calendar::put(c, ctx, year, &text);
    super::act_shown(&req, &state, &auth, &form, to, f, |errors| {
        calendar_page(&req, &state, &auth, year_or_this(Some(&year.to_string()), &auth.ctx), csv, errors)
    })
    .await
}

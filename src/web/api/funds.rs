//! Yearly funds per region and every year's working-day calendar.

use crate::error::{AppError, Code, ErrorBody};
use crate::service::calendar::{self, CalendarView};
use crate::service::funds::{self, YearlyFundInput, YearlyFundPatch, YearlyFundView};
use crate::web::api::ApiJson;
use crate::web::auth::Auth;
use crate::web::state::AppState;
use actix_web::{web, HttpResponse};

#[derive(serde::Deserialize, utoipa::IntoParams)]
pub struct FundYearQuery {
    /// Only this year's funds (default: every year).
    pub year: Option<i32>,
}

/// Set up a region's fund for a year (专项资金): district staff any region, town staff their own
/// town. The district at least 1,000,000.00, a town at least 200,000.00 (422 `below_floor`);
/// one per region and year (409 `fund_exists`).
#[utoipa::path(post, path = "/api/v1/funds", tag = "funds", request_body = YearlyFundInput,
    responses((status = 201, body = YearlyFundView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create(
    state: web::Data<AppState>,
    auth: Auth,
    body: ApiJson<YearlyFundInput>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    Ok(HttpResponse::Created().json(state.db(move |c| funds::create(c, &ctx, &body.0)).await?))
}

/// Funds with amount, committed, reserved, paid and remaining, and the calls drawing on each
/// (staff and finance; town staff see their town's).
#[utoipa::path(get, path = "/api/v1/funds", tag = "funds", params(FundYearQuery),
    responses((status = 200, body = [YearlyFundView]), (status = 403, body = ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    auth: Auth,
    q: web::Query<FundYearQuery>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let year = q.year;
    Ok(HttpResponse::Ok().json(state.db(move |c| funds::list(c, &ctx, year)).await?))
}

#[utoipa::path(get, path = "/api/v1/funds/{id}", tag = "funds", params(("id" = i64, Path)),
    responses((status = 200, body = YearlyFundView), (status = 404, body = ErrorBody)))]
pub async fn get(state: web::Data<AppState>, auth: Auth, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    Ok(HttpResponse::Ok().json(state.db(move |c| funds::get(c, &ctx, id)).await?))
}

/// Change a fund's amount: never below its floor (422) nor below what published calls
/// committed (409 `below_committed`).
#[utoipa::path(patch, path = "/api/v1/funds/{id}", tag = "funds", params(("id" = i64, Path)),
    request_body = YearlyFundPatch,
    responses((status = 200, body = YearlyFundView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<YearlyFundPatch>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    Ok(HttpResponse::Ok().json(state.db(move |c| funds::set_amount(c, &ctx, id, &body.0)).await?))
}

/// A year's working-day calendar: its holidays and make-up working days, and whether it is loaded.
#[utoipa::path(get, path = "/api/v1/calendar/{year}", tag = "funds", params(("year" = i32, Path)),
    responses((status = 200, body = CalendarView), (status = 422, body = ErrorBody)))]
pub async fn get_calendar(state: web::Data<AppState>, year: web::Path<i32>) -> Result<HttpResponse, AppError> {
    let year = year.into_inner();
    Ok(HttpResponse::Ok().json(state.db(move |c| calendar::get(c, year)).await?))
}

/// Load a year's calendar (admin): a `text/csv` body of `date,kind[,name]` lines, header first,
/// kind `holiday` or `workday`; it replaces the year's earlier calendar.
#[utoipa::path(put, path = "/api/v1/calendar/{year}", tag = "funds", params(("year" = i32, Path)),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = CalendarView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn put_calendar(
    state: web::Data<AppState>,
    auth: Auth,
    year: web::Path<i32>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let year = year.into_inner();
    let text = String::from_utf8(body.to_vec()).map_err(|_| Code::BadBody.says("日历文件应为 UTF-8 编码的 CSV"))?;
    Ok(HttpResponse::Ok().json(state.db(move |c| calendar::put(c, &ctx, year, &text)).await?))
}

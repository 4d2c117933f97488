use crate::error::{AppError, ErrorBody};
use crate::service::awards::{self, AwardInput, FundInput, FundView, MeetingInput, MeetingYearView};
use crate::web::api::ApiJson;
use crate::web::auth::Auth;
use crate::web::state::AppState;
use actix_web::{web, HttpResponse};

/// Set up a year's innovation award fund (district staff); the budget defaults to 500,000.00.
#[utoipa::path(post, path = "/api/v1/award-funds", tag = "awards", request_body = FundInput,
    responses((status = 201, body = FundView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_fund(
    state: web::Data<AppState>,
    auth: Auth,
    body: ApiJson<FundInput>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    Ok(HttpResponse::Created().json(state.db(move |c| awards::create_fund(c, &ctx, &body.0)).await?))
}

/// Award funds with their awards: all for staff and finance, the published ones for everyone.
#[utoipa::path(get, path = "/api/v1/award-funds", tag = "awards", responses((status = 200, body = [FundView])))]
pub async fn list_funds(state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    Ok(HttpResponse::Ok().json(state.db(move |c| awards::list_funds(c, &ctx)).await?))
}

/// One fund with its awards (unpublished ones: staff and finance only).
#[utoipa::path(get, path = "/api/v1/award-funds/{id}", tag = "awards", params(("id" = i64, Path)),
    responses((status = 200, body = FundView), (status = 404, body = ErrorBody)))]
pub async fn get_fund(state: web::Data<AppState>, auth: Auth, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    Ok(HttpResponse::Ok().json(state.db(move |c| awards::get_fund(c, &ctx, id)).await?))
}

/// Award 20,000.00–50,000.00 to a town/street or village/community, within the fund.
#[utoipa::path(post, path = "/api/v1/award-funds/{id}/awards", tag = "awards", params(("id" = i64, Path)),
    request_body = AwardInput,
    responses((status = 201, body = FundView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn add_award(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<AwardInput>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    Ok(HttpResponse::Created().json(state.db(move |c| awards::add_award(c, &ctx, id, &body.0)).await?))
}

/// Remove an award before publication; its amount returns to the fund.
#[utoipa::path(delete, path = "/api/v1/awards/{id}", tag = "awards", params(("id" = i64, Path)),
    responses((status = 200, body = FundView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn remove_award(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    Ok(HttpResponse::Ok().json(state.db(move |c| awards::remove_award(c, &ctx, id)).await?))
}

/// Publish the awards: the public list and the award notice PDF (SHA-256 stored).
#[utoipa::path(post, path = "/api/v1/award-funds/{id}/publish", tag = "awards", params(("id" = i64, Path)),
    responses((status = 200, body = FundView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn publish(state: web::Data<AppState>, auth: Auth, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    let docs = state.doc_settings();
    let v = state.db(move |c| awards::publish(c, &ctx, &docs, id)).await?;
    state.mail_wake.notify_one();
    Ok(HttpResponse::Ok().json(v))
}

/// The award notice PDF (创新奖励公告), once published.
#[utoipa::path(get, path = "/api/v1/award-funds/{id}/notice.pdf", tag = "awards", params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/pdf", description = "the award notice"),
        (status = 404, body = ErrorBody)))]
pub async fn notice_pdf(state: web::Data<AppState>, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    super::current_pdf(&state, "award_notice", id, &format!("award-notice-{id}.pdf")).await
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
pub struct YearQuery {
    /// The year (default: this year).
    pub year: Option<i32>,
}

/// A year's promotion meetings with warnings (none by 30 November, more than two).
#[utoipa::path(get, path = "/api/v1/promotion-meetings", tag = "awards", params(YearQuery),
    responses((status = 200, body = MeetingYearView), (status = 403, body = ErrorBody)))]
pub async fn meetings(
    state: web::Data<AppState>,
    auth: Auth,
    q: web::Query<YearQuery>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let year = q.year;
    Ok(HttpResponse::Ok().json(state.db(move |c| awards::meetings(c, &ctx, year)).await?))
}

/// Record an on-site promotion meeting (现场推进会) with the awards and projects it showcased.
#[utoipa::path(post, path = "/api/v1/promotion-meetings", tag = "awards", request_body = MeetingInput,
    responses((status = 201, body = MeetingYearView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_meeting(
    state: web::Data<AppState>,
    auth: Auth,
    body: ApiJson<MeetingInput>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    Ok(HttpResponse::Created().json(state.db(move |c| awards::record_meeting(c, &ctx, &body.0)).await?))
}

use super::PageQuery;
use crate::error::{AppError, ErrorBody};
use crate::service::organisations::{self, OrgView, RegisterInput};
use crate::web::api::ApiJson;
use crate::web::auth::Auth;
use crate::web::state::AppState;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

/// Register an organisation and its first user (status pending). Public.
#[utoipa::path(post, path = "/api/v1/organisations", tag = "organisations", request_body = RegisterInput,
    responses((status = 201, body = OrgView), (status = 400, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn register(
    state: web::Data<AppState>,
    auth: Auth,
    body: ApiJson<RegisterInput>,
) -> Result<HttpResponse, AppError> {
    let st = state.clone();
    let ctx = auth.ctx.clone();
    let o = state
        .db(move |c| organisations::register(c, &ctx, &st.hasher, &body.0, st.config.registrations_per_ip))
        .await?;
    state.mail_wake.notify_one();
    Ok(HttpResponse::Created().json(o))
}

/// List organisations (staff, finance, admin; town staff see their town's), paged by id.
#[utoipa::path(get, path = "/api/v1/organisations", tag = "organisations", params(PageQuery),
    responses((status = 200, body = [OrgView]), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list(state: web::Data<AppState>, auth: Auth, q: web::Query<PageQuery>) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let q = q.into_inner();
    let out =
        state.db(move |c| organisations::list(c, &ctx, q.status.as_deref(), q.after.unwrap_or(0), q.limit)).await?;
    Ok(HttpResponse::Ok().json(out))
}

/// One organisation: staff and finance, or its own users; 404 for anyone else.
#[utoipa::path(get, path = "/api/v1/organisations/{id}", tag = "organisations", params(("id" = i64, Path)),
    responses((status = 200, body = OrgView), (status = 404, body = ErrorBody)))]
pub async fn get(state: web::Data<AppState>, auth: Auth, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    let o = state.db(move |c| organisations::get(c, &ctx, id)).await?;
    Ok(HttpResponse::Ok().json(o))
}

/// Verify a pending (or earlier rejected) organisation (staff).
#[utoipa::path(post, path = "/api/v1/organisations/{id}/verify", tag = "organisations", params(("id" = i64, Path)),
    responses((status = 200, body = OrgView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn verify(state: web::Data<AppState>, auth: Auth, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    let o = state.db(move |c| organisations::verify(c, &ctx, id)).await?;
    state.mail_wake.notify_one();
    Ok(HttpResponse::Ok().json(o))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct RejectInput {
    pub reason: Option<String>,
}

/// Reject a pending organisation with a reason (staff).
#[utoipa::path(post, path = "/api/v1/organisations/{id}/reject", tag = "organisations", params(("id" = i64, Path)),
    request_body = RejectInput,
    responses((status = 200, body = OrgView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reject(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<RejectInput>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    let o = state.db(move |c| organisations::reject(c, &ctx, id, body.0.reason.as_deref())).await?;
    state.mail_wake.notify_one();
    Ok(HttpResponse::Ok().json(o))
}

use crate::service::standing::{self, DebarInput, ReasonInput, Standing, StandingInput};

/// Record a 年检 result, a rating, a listing or a penalty, with its evidence (district staff).
#[utoipa::path(post, path = "/api/v1/organisations/{id}/standing", tag = "organisations", params(("id" = i64, Path)),
    request_body = StandingInput,
    responses((status = 201, body = Standing), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn record_standing(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<StandingInput>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    let v = state.db(move |c| standing::record(c, &ctx, id, &body.0)).await?;
    state.mail_wake.notify_one();
    Ok(HttpResponse::Created().json(v))
}

/// Debar from submitting until a date, three years by default (district staff).
#[utoipa::path(post, path = "/api/v1/organisations/{id}/debar", tag = "organisations", params(("id" = i64, Path)),
    request_body = DebarInput,
    responses((status = 201, body = Standing), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn debar(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<DebarInput>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    let v = state.db(move |c| standing::debar(c, &ctx, id, &body.0)).await?;
    state.mail_wake.notify_one();
    Ok(HttpResponse::Created().json(v))
}

/// Suspend: no new submissions until restored (district staff).
#[utoipa::path(post, path = "/api/v1/organisations/{id}/suspend", tag = "organisations", params(("id" = i64, Path)),
    request_body = ReasonInput,
    responses((status = 200, body = Standing), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn suspend(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<ReasonInput>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    let v = state.db(move |c| standing::suspend(c, &ctx, id, &body.0)).await?;
    state.mail_wake.notify_one();
    Ok(HttpResponse::Ok().json(v))
}

/// Lift a suspension (district staff).
#[utoipa::path(post, path = "/api/v1/organisations/{id}/restore", tag = "organisations", params(("id" = i64, Path)),
    request_body = ReasonInput,
    responses((status = 200, body = Standing), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn restore(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<ReasonInput>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    let v = state.db(move |c| standing::restore(c, &ctx, id, &body.0)).await?;
    state.mail_wake.notify_one();
    Ok(HttpResponse::Ok().json(v))
}

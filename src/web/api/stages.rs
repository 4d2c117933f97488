use crate::error::{AppError, ErrorBody};
use crate::service::stages::{self, ScreenView, SessionInput, SessionView, ShortlistInput, ShortlistView};
use crate::web::api::ApiJson;
use crate::web::auth::Auth;
use crate::web::state::AppState;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

/// Shortlist the bids that go on to a later scoring stage: the top N of each pool, or all at or
/// above a score, in the previous stage (district staff; every bid of that stage scored; before
/// the stage's panels are drawn). Emails each shortlisted organisation.
#[utoipa::path(post, path = "/api/v1/calls/{id}/shortlist", tag = "review", params(("id" = i64, Path)),
    request_body = ShortlistInput,
    responses((status = 200, body = ShortlistView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_shortlist(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<ShortlistInput>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    let v = state.db(move |c| stages::set_shortlist(c, &ctx, id, &body.0)).await?;
    state.mail_wake.notify_one();
    Ok(HttpResponse::Ok().json(v))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct StageQuery {
    /// The stage's key; default the second stage.
    pub stage: Option<String>,
}

/// The shortlist into a stage (staff, finance).
#[utoipa::path(get, path = "/api/v1/calls/{id}/shortlist", tag = "review", params(("id" = i64, Path), StageQuery),
    responses((status = 200, body = ShortlistView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn get_shortlist(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    q: web::Query<StageQuery>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    let stage = q.into_inner().stage.unwrap_or_default();
    Ok(HttpResponse::Ok().json(state.db(move |c| stages::shortlist_view(c, &ctx, id, &stage)).await?))
}

/// Schedule an on-site defence session (现场答辩): venue, day and a time slot per shortlisted bid
/// (district staff). Each organisation is emailed its time and place.
#[utoipa::path(post, path = "/api/v1/calls/{id}/sessions", tag = "review", params(("id" = i64, Path)),
    request_body = SessionInput,
    responses((status = 201, body = SessionView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn schedule(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<SessionInput>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    let v = state.db(move |c| stages::schedule(c, &ctx, id, &body.0)).await?;
    state.mail_wake.notify_one();
    Ok(HttpResponse::Created().json(v))
}

/// The call's defence sessions with their slots (staff, finance).
#[utoipa::path(get, path = "/api/v1/calls/{id}/sessions", tag = "review", params(("id" = i64, Path)),
    responses((status = 200, body = [SessionView]), (status = 404, body = ErrorBody)))]
pub async fn sessions(state: web::Data<AppState>, auth: Auth, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    Ok(HttpResponse::Ok().json(state.db(move |c| stages::sessions(c, &ctx, id)).await?))
}

/// The room's screen (staff): each slot's panel progress, and its stage score once the whole
/// panel has scored (then locked).
#[utoipa::path(get, path = "/api/v1/sessions/{id}/screen", tag = "review", params(("id" = i64, Path)),
    responses((status = 200, body = ScreenView), (status = 404, body = ErrorBody)))]
pub async fn screen(state: web::Data<AppState>, auth: Auth, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    Ok(HttpResponse::Ok().json(state.db(move |c| stages::screen(c, &ctx, id)).await?))
}

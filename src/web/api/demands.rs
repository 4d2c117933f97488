//! Residents' demands, topics and the public needs board.

use crate::error::{AppError, ErrorBody};
use crate::service::demands::{self, DemandFilter, DemandInput, DemandView, TransitionInput};
use crate::service::topics::{self, BoardFilter, NeedsBoard, TopicFilter, TopicInput, TopicView};
use crate::web::api::ApiJson;
use crate::web::auth::Auth;
use crate::web::state::AppState;
use actix_web::{web, HttpResponse};

/// Register a demand (a village worker for its village, staff in their scope).
#[utoipa::path(post, path = "/api/v1/demands", tag = "demands", request_body = DemandInput,
    responses((status = 201, body = DemandView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn file(
    state: web::Data<AppState>,
    auth: Auth,
    body: ApiJson<DemandInput>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    Ok(HttpResponse::Created().json(state.db(move |c| demands::file(c, &ctx, &body.0)).await?))
}

/// Demands in the reader's scope, newest first.
#[utoipa::path(get, path = "/api/v1/demands", tag = "demands", params(DemandFilter),
    responses((status = 200, body = [DemandView]), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list(
    state: web::Data<AppState>,
    auth: Auth,
    q: web::Query<DemandFilter>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    Ok(HttpResponse::Ok().json(state.db(move |c| demands::list(c, &ctx, &q.0)).await?))
}

/// One demand with its history and the moves the reader may make.
#[utoipa::path(get, path = "/api/v1/demands/{id}", tag = "demands", params(("id" = i64, Path)),
    responses((status = 200, body = DemandView), (status = 404, body = ErrorBody)))]
pub async fn get(state: web::Data<AppState>, auth: Auth, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let (ctx, id) = (auth.ctx.clone(), id.into_inner());
    Ok(HttpResponse::Ok().json(state.db(move |c| demands::get(c, &ctx, id)).await?))
}

/// Move a demand: registered → resolved_locally | escalated; escalated → accepted (staff);
/// accepted → answered (staff). Anything else 409 `bad_transition`.
#[utoipa::path(post, path = "/api/v1/demands/{id}/transition", tag = "demands", params(("id" = i64, Path)),
    request_body = TransitionInput,
    responses((status = 200, body = DemandView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn transition(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<TransitionInput>,
) -> Result<HttpResponse, AppError> {
    let (ctx, id) = (auth.ctx.clone(), id.into_inner());
    let v = state.db(move |c| demands::transition(c, &ctx, id, &body.0)).await?;
    state.mail_wake.notify_one();
    Ok(HttpResponse::Ok().json(v))
}

/// Draw a topic (选题) from accepted demands (staff).
#[utoipa::path(post, path = "/api/v1/topics", tag = "demands", request_body = TopicInput,
    responses((status = 201, body = TopicView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_topic(
    state: web::Data<AppState>,
    auth: Auth,
    body: ApiJson<TopicInput>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    Ok(HttpResponse::Created().json(state.db(move |c| topics::create(c, &ctx, &body.0)).await?))
}

/// Topics (public; the demands behind them for staff and village workers).
#[utoipa::path(get, path = "/api/v1/topics", tag = "demands", params(TopicFilter),
    responses((status = 200, body = [TopicView])))]
pub async fn list_topics(
    state: web::Data<AppState>,
    auth: Auth,
    q: web::Query<TopicFilter>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    Ok(HttpResponse::Ok().json(state.db(move |c| topics::list(c, &ctx, &q.0)).await?))
}

/// One topic.
#[utoipa::path(get, path = "/api/v1/topics/{id}", tag = "demands", params(("id" = i64, Path)),
    responses((status = 200, body = TopicView), (status = 404, body = ErrorBody)))]
pub async fn get_topic(state: web::Data<AppState>, auth: Auth, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let (ctx, id) = (auth.ctx.clone(), id.into_inner());
    Ok(HttpResponse::Ok().json(state.db(move |c| topics::get(c, &ctx, id)).await?))
}

/// The public needs board: counts by category and status per town, each topic with its funded
/// projects. Never a reporter's name or contact.
#[utoipa::path(get, path = "/api/v1/public/demands", tag = "demands", params(BoardFilter),
    responses((status = 200, body = NeedsBoard)))]
pub async fn board(state: web::Data<AppState>, q: web::Query<BoardFilter>) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(state.db(move |c| topics::board(c, &q.0)).await?))
}

use crate::error::{AppError, ErrorBody};
use crate::service::review::{
    self, AssignInput, AssignmentView, ConflictInput, DrawView, OverrideInput, RankingView, ReviewInput, ReviewView,
};
use crate::web::api::ApiJson;
use crate::web::auth::Auth;
use crate::web::state::AppState;
use actix_web::{web, HttpResponse};

/// Draw the review panels for every eligible bid (district staff), from a CSPRNG seed that is
/// recorded (a chosen `seed` only on training databases). A redraw needs a `reason`.
#[utoipa::path(post, path = "/api/v1/calls/{id}/assignments", tag = "review", params(("id" = i64, Path)),
    request_body = AssignInput,
    responses((status = 201, body = DrawView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn assign(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<AssignInput>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    let training = state.training;
    let v = state.db(move |c| review::assign(c, &ctx, id, &body.0, training)).await?;
    state.mail_wake.notify_one();
    Ok(HttpResponse::Created().json(v))
}

/// A reviewer's assignments: each bid's title and organisation only, to declare conflicts.
#[utoipa::path(get, path = "/api/v1/me/assignments", tag = "review", responses((status = 200, body = [AssignmentView])))]
pub async fn mine(state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    Ok(HttpResponse::Ok().json(state.db(move |c| review::mine(c, &ctx)).await?))
}

/// Confirm no conflict of interest; the bid then opens to the reviewer.
#[utoipa::path(post, path = "/api/v1/assignments/{id}/accept", tag = "review", params(("id" = i64, Path)),
    responses((status = 200, body = AssignmentView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn accept(state: web::Data<AppState>, auth: Auth, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    Ok(HttpResponse::Ok().json(state.db(move |c| review::accept(c, &ctx, id)).await?))
}

/// Declare a conflict (回避) with a reason: the reviewer leaves and a replacement is drawn.
#[utoipa::path(post, path = "/api/v1/assignments/{id}/conflict", tag = "review", params(("id" = i64, Path)),
    request_body = ConflictInput,
    responses((status = 200, body = AssignmentView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn conflict(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<ConflictInput>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    Ok(HttpResponse::Ok().json(state.db(move |c| review::declare_conflict(c, &ctx, id, &body.0)).await?))
}

/// The reviewer's own review.
#[utoipa::path(get, path = "/api/v1/assignments/{id}/review", tag = "review", params(("id" = i64, Path)),
    responses((status = 200, body = ReviewView), (status = 404, body = ErrorBody)))]
pub async fn get_review(state: web::Data<AppState>, auth: Auth, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    Ok(HttpResponse::Ok().json(state.db(move |c| review::get_review(c, &ctx, id)).await?))
}

/// Save scores (0 … max per criterion, steps of 0.5) as a draft, or submit and lock them.
#[utoipa::path(put, path = "/api/v1/assignments/{id}/review", tag = "review", params(("id" = i64, Path)),
    request_body = ReviewInput,
    responses((status = 200, body = ReviewView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn save_review(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<ReviewInput>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    Ok(HttpResponse::Ok().json(state.db(move |c| review::save_review(c, &ctx, id, &body.0)).await?))
}

/// Per pool: rank, score, reviews, approved amount, running total and whether recommended.
/// Staff and finance only, after `closes_at` (409 before).
#[utoipa::path(get, path = "/api/v1/calls/{id}/ranking", tag = "review", params(("id" = i64, Path)),
    responses((status = 200, body = RankingView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn ranking(state: web::Data<AppState>, auth: Auth, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    Ok(HttpResponse::Ok().json(state.db(move |c| review::ranking(c, &ctx, id)).await?))
}

/// Override a recommendation with a written reason (district staff, during review).
#[utoipa::path(post, path = "/api/v1/calls/{id}/overrides", tag = "review", params(("id" = i64, Path)),
    request_body = OverrideInput,
    responses((status = 200, body = RankingView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_override(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<OverrideInput>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    Ok(HttpResponse::Ok().json(state.db(move |c| review::set_override(c, &ctx, id, &body.0)).await?))
}

/// Reopen a submitted review (district staff, with a reason).
#[utoipa::path(post, path = "/api/v1/assignments/{id}/reopen", tag = "review", params(("id" = i64, Path)),
    request_body = review::ReopenInput,
    responses((status = 204), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn reopen(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<review::ReopenInput>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    state.db(move |c| review::reopen(c, &ctx, id, &body.0)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Swap the reviewer of an assignment by hand (district staff, with a reason).
#[utoipa::path(post, path = "/api/v1/assignments/{id}/replace", tag = "review", params(("id" = i64, Path)),
    request_body = review::ReplaceInput,
    responses((status = 204), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn replace(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<review::ReplaceInput>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    state.db(move |c| review::replace(c, &ctx, id, &body.0)).await?;
    Ok(HttpResponse::NoContent().finish())
}

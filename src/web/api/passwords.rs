use crate::error::{AppError, ErrorBody};
use crate::service::accounts;
use crate::service::passwords::{self, ChangePasswordInput, ResetInput, ResetRequestInput, TemporaryPassword};
use crate::web::api::ApiJson;
use crate::web::auth::Auth;
use crate::web::state::AppState;
use actix_web::{web, HttpResponse};

/// Change one's own password: the old one stops working and every other session ends.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "session", request_body = ChangePasswordInput,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn change(
    state: web::Data<AppState>,
    auth: Auth,
    body: ApiJson<ChangePasswordInput>,
) -> Result<HttpResponse, AppError> {
    let st = state.clone();
    let ctx = auth.ctx.clone();
    let session = accounts::hash_token(auth.token.as_deref().unwrap_or(""));
    state.db(move |c| passwords::change(c, &ctx, &st.hasher, &session, &body.0)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// An admin sets a temporary password (shown once) that must be changed at the next login.
#[utoipa::path(post, path = "/api/v1/users/{id}/password-reset", tag = "users", params(("id" = i64, Path)),
    responses((status = 200, body = TemporaryPassword), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub async fn admin_reset(state: web::Data<AppState>, auth: Auth, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let st = state.clone();
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    let t = state.db(move |c| passwords::admin_reset(c, &ctx, &st.hasher, id)).await?;
    Ok(HttpResponse::Ok().json(t))
}

/// Forgotten password: 202 for every login, known or not; a known one with an email is sent a
/// single-use link valid 30 minutes.
#[utoipa::path(post, path = "/api/v1/password-reset", tag = "session", request_body = ResetRequestInput,
    responses((status = 202), (status = 429, body = ErrorBody)))]
pub async fn request(
    state: web::Data<AppState>,
    auth: Auth,
    body: ApiJson<ResetRequestInput>,
) -> Result<HttpResponse, AppError> {
    let st = state.clone();
    let ctx = auth.ctx.clone();
    state.db(move |c| passwords::request(c, &ctx, &body.0, &st.config.public_url)).await?;
    Ok(HttpResponse::Accepted().finish())
}

/// Set a new password with the emailed link.
#[utoipa::path(post, path = "/api/v1/password-reset/{token}", tag = "session", params(("token" = String, Path)),
    request_body = ResetInput,
    responses((status = 204), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn complete(
    state: web::Data<AppState>,
    auth: Auth,
    token: web::Path<String>,
    body: ApiJson<ResetInput>,
) -> Result<HttpResponse, AppError> {
    let st = state.clone();
    let ctx = auth.ctx.clone();
    let token = token.into_inner();
    state.db(move |c| passwords::complete(c, &ctx, &st.hasher, &token, &body.0)).await?;
    Ok(HttpResponse::NoContent().finish())
}

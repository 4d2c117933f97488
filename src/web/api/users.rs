use super::PageQuery;
use crate::error::{AppError, ErrorBody};
use crate::service::accounts::{self, NewUserInput, UserView};
use crate::web::api::ApiJson;
use crate::web::auth::Auth;
use crate::web::state::AppState;
use actix_web::{web, HttpResponse};

/// Create a staff, finance, reviewer or admin account (admin only).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUserInput,
    responses((status = 201, body = UserView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    state: web::Data<AppState>,
    auth: Auth,
    body: ApiJson<NewUserInput>,
) -> Result<HttpResponse, AppError> {
    let st = state.clone();
    let ctx = auth.ctx.clone();
    auth.ctx.require(&[crate::domain::account::Role::Admin])?;
    let u = state.db(move |c| accounts::create_user(c, &ctx, &st.hasher, &body.0)).await?;
    Ok(HttpResponse::Created().json(u))
}

/// List accounts (admin only), paged by id.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", params(PageQuery),
    responses((status = 200, body = [UserView]), (status = 403, body = ErrorBody)))]
pub async fn list(state: web::Data<AppState>, auth: Auth, q: web::Query<PageQuery>) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let q = q.into_inner();
    let out =
        state.db(move |c| accounts::list_users(c, &ctx, q.role.as_deref(), q.after.unwrap_or(0), q.limit)).await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Edit an account (admin only); a change of role, town or active flag revokes its sessions.
#[utoipa::path(put, path = "/api/v1/users/{id}", tag = "users", params(("id" = i64, Path)),
    request_body = accounts::UpdateUserInput,
    responses((status = 200, body = UserView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn update(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<accounts::UpdateUserInput>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    Ok(HttpResponse::Ok().json(state.db(move |c| accounts::update_user(c, &ctx, id, &body.0)).await?))
}

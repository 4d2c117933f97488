use crate::error::{AppError, ErrorBody};
use crate::service::accounts::{self, LoginInput, MeView};
use crate::web::api::ApiJson;
use crate::web::auth::{clear_session_cookie, session_cookie, Auth};
use crate::web::state::AppState;
use actix_web::{web, HttpResponse};

/// Log in: sets the HttpOnly session cookie and returns who you are.
#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = LoginInput,
    responses((status = 200, body = MeView), (status = 401, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn login(
    state: web::Data<AppState>,
    auth: Auth,
    body: ApiJson<LoginInput>,
) -> Result<HttpResponse, AppError> {
    let st = state.clone();
    let ctx = auth.ctx.clone();
    let (token, me) = state
        .db(move |c| {
            let (token, actor) = accounts::login(c, &ctx, &st.hasher, &body.0)?;
            let ctx = crate::service::Ctx { principal: crate::service::Principal::User(actor), ..ctx };
            Ok((token, accounts::me(c, &ctx)?))
        })
        .await?;
    // A fresh token on every login: a session id planted before login is never promoted.
    if let Some(old) = auth.token.clone() {
        state.db(move |c| accounts::logout(c, &old)).await?;
    }
    Ok(HttpResponse::Ok().cookie(session_cookie(&token, state.config.secure_cookies)).json(me))
}

/// Log out: revokes the session server-side.
#[utoipa::path(delete, path = "/api/v1/session", tag = "session", responses((status = 204)))]
pub async fn logout(state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, AppError> {
    if let Some(t) = auth.token.clone() {
        state.db(move |c| accounts::logout(c, &t)).await?;
    }
    Ok(HttpResponse::NoContent().cookie(clear_session_cookie(state.config.secure_cookies)).finish())
}

/// Who am I.
#[utoipa::path(get, path = "/api/v1/me", tag = "session",
    responses((status = 200, body = MeView), (status = 401, body = ErrorBody)))]
pub async fn me(state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let me = state.db(move |c| accounts::me(c, &ctx)).await?;
    Ok(HttpResponse::Ok().json(me))
}

/// What waits for the logged-in user (the 工作台): counts, due dates and the page to act on.
#[utoipa::path(get, path = "/api/v1/worklist", tag = "session",
    responses((status = 200, body = crate::service::worklist::WorkList), (status = 401, body = ErrorBody)))]
pub async fn worklist(state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    Ok(HttpResponse::Ok().json(state.db(move |c| crate::service::worklist::worklist(c, &ctx)).await?))
}

use super::PageQuery;
use crate::error::{AppError, ErrorBody};
use crate::service::outbox::{self, OutboxView};
use crate::web::auth::Auth;
use crate::web::state::AppState;
use actix_web::{web, HttpResponse};

/// Queued, sent, dead and cancelled mails, newest first (admin only). A mail about a bid still
/// sealed is listed without its recipient and subject.
#[utoipa::path(get, path = "/api/v1/outbox", tag = "admin", params(PageQuery),
    responses((status = 200, body = [OutboxView]), (status = 403, body = ErrorBody)))]
pub async fn list(state: web::Data<AppState>, auth: Auth, q: web::Query<PageQuery>) -> Result<HttpResponse, AppError> {
    let (ctx, q) = (auth.ctx, q.into_inner());
    let (_, out) =
        state.db(move |c| outbox::list(c, &ctx, q.status.as_deref(), crate::service::page_limit(q.limit))).await?;
    Ok(HttpResponse::Ok().json(out))
}

/// Put a dead mail back in the queue (admin only).
#[utoipa::path(post, path = "/api/v1/outbox/{id}/retry", tag = "admin", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn retry(state: web::Data<AppState>, auth: Auth, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let (ctx, id) = (auth.ctx, id.into_inner());
    state.db(move |c| outbox::retry(c, &ctx, id)).await?;
    state.mail_wake.notify_one();
    Ok(HttpResponse::NoContent().finish())
}

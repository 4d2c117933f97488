use super::PageQuery;
use crate::clock::{db_time, rfc3339_local};
use crate::domain::account::Role;
use crate::error::{AppError, ErrorBody};
use crate::web::auth::Auth;
use crate::web::state::AppState;
use actix_web::{web, HttpResponse};
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
pub struct OutboxView {
    pub id: i64,
    pub kind: String,
    pub to: String,
    pub subject: String,
    /// `pending`, `sent`, `dead` or `cancelled` (no longer true when its turn came; `last_error` says why)
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
}

/// Queued, sent, dead and cancelled mails, newest first (admin only).
#[utoipa::path(get, path = "/api/v1/outbox", tag = "admin", params(PageQuery),
    responses((status = 200, body = [OutboxView]), (status = 403, body = ErrorBody)))]
pub async fn list(state: web::Data<AppState>, auth: Auth, q: web::Query<PageQuery>) -> Result<HttpResponse, AppError> {
    auth.ctx.require(&[Role::Admin])?;
    let q = q.into_inner();
    let rows = state
        .db(move |c| Ok(crate::db::outbox::list(c, q.status.as_deref(), crate::service::page_limit(q.limit))?))
        .await?;
    let out: Vec<OutboxView> = rows
        .into_iter()
        .map(|r| OutboxView {
            id: r.id,
            kind: r.kind,
            to: r.to_addr,
            subject: r.subject,
            status: r.status,
            attempts: r.attempts,
            last_error: r.last_error,
            created_at: rfc3339_local(r.created_at.and_utc()),
            sent_at: r.sent_at.map(|t| rfc3339_local(t.and_utc())),
        })
        .collect();
    Ok(HttpResponse::Ok().json(out))
}

/// Put a dead mail back in the queue (admin only).
#[utoipa::path(post, path = "/api/v1/outbox/{id}/retry", tag = "admin", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn retry(state: web::Data<AppState>, auth: Auth, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    ctx.require(&[Role::Admin])?;
    let id = id.into_inner();
    state
        .db(move |c| {
            crate::db::write_tx(c, |c| {
                let n = crate::db::outbox::retry(c, id, db_time(ctx.now))?;
                if n == 0 {
                    return Err(AppError::not_found());
                }
                crate::service::audit::record(c, &ctx, "outbox.retry", "outbox", Some(id), serde_json::json!({}))
            })
        })
        .await?;
    state.mail_wake.notify_one();
    Ok(HttpResponse::NoContent().finish())
}

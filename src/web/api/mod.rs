//! The JSON API under /api/v1. Handlers only translate HTTP to service calls and back.

pub mod json;
pub mod openapi;
mod organisations;
mod outbox;
mod regions;
mod session;
mod users;

use crate::error::AppError;
use actix_web::web;

pub use json::ApiJson;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .app_data(web::PathConfig::default().error_handler(|_, _| AppError::not_found().into()))
            .app_data(
                web::QueryConfig::default().error_handler(|e, _| {
                    AppError::bad_request("invalid_query", format!("查询参数不正确：{e}")).into()
                }),
            )
            .route("/session", web::post().to(session::login))
            .route("/session", web::delete().to(session::logout))
            .route("/me", web::get().to(session::me))
            .route("/regions", web::get().to(regions::list))
            .route("/users", web::post().to(users::create))
            .route("/users", web::get().to(users::list))
            .route("/organisations", web::post().to(organisations::register))
            .route("/organisations", web::get().to(organisations::list))
            .route("/organisations/{id}", web::get().to(organisations::get))
            .route("/organisations/{id}/verify", web::post().to(organisations::verify))
            .route("/organisations/{id}/reject", web::post().to(organisations::reject))
            .route("/outbox", web::get().to(outbox::list))
            .route("/outbox/{id}/retry", web::post().to(outbox::retry))
            .route("/openapi.json", web::get().to(openapi::spec))
            .default_service(web::to(|| async {
                Err::<actix_web::HttpResponse, _>(AppError::new(
                    actix_web::http::StatusCode::NOT_FOUND,
                    "no_such_endpoint",
                    "没有这个接口",
                ))
            })),
    );
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
pub struct PageQuery {
    /// Return rows with an id greater than this (keyset paging).
    pub after: Option<i64>,
    /// Rows per page, 1–100 (default 50).
    pub limit: Option<i64>,
    /// Filter by status.
    pub status: Option<String>,
    /// Filter by role (users).
    pub role: Option<String>,
}

//! HTTP: the JSON API, the Chinese pages, sessions, and the headers every response carries.

pub mod api;
pub mod auth;
pub mod client_ip;
pub mod csrf;
pub mod limits;
pub mod memo;
pub mod pages;
pub mod public;
pub mod state;
pub mod upload;

use crate::error::{AppError, Code};
use actix_web::body::EitherBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};

pub use state::AppState;

/// Liveness.
#[utoipa::path(get, path = "/healthz", tag = "meta", responses((status = 200, description = "{\"status\":\"ok\"}")))]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "ok"}))
}

/// Security headers on every response; refuses cross-site writes before any handler runs.
pub async fn guard(
    mut req: ServiceRequest,
    next: Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl actix_web::body::MessageBody>>, actix_web::Error> {
    let public = req.app_data::<web::Data<AppState>>().map(|s| s.config.public_url.clone());
    if auth::cross_site(&req, public.as_deref()) {
        let e = AppError::from(Code::CrossSite);
        let res = HttpResponse::Forbidden().json(e.body());
        return Ok(req.into_response(res).map_into_right_body());
    }
    let (hsts, idle, total) = match req.app_data::<web::Data<AppState>>() {
        Some(s) => (
            s.config.secure_cookies,
            std::time::Duration::from_secs(s.config.body_idle_secs),
            std::time::Duration::from_secs(s.config.body_timeout_secs),
        ),
        None => (false, std::time::Duration::from_secs(20), std::time::Duration::from_secs(300)),
    };
    limits::time_body(&mut req, idle, total);
    // What a logged-in user reads is theirs: no shared or browser cache keeps it.
    let signed_in = req.cookie(auth::SESSION_COOKIE).is_some_and(|c| !c.value().is_empty());
    if signed_in {
        if let Some(res) = temporary_password_gate(&req).await {
            return Ok(req.into_response(res).map_into_right_body());
        }
    }
    let mut res = next.call(req).await?;
    let h = res.headers_mut();
    if signed_in {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if hsts {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    let set = |h: &mut header::HeaderMap, k: &'static str, v: &'static str| {
        if !h.contains_key(k) {
            h.insert(header::HeaderName::from_static(k), HeaderValue::from_static(v));
        }
    };
    set(
        h,
        "content-security-policy",
        "default-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    );
    set(h, "x-content-type-options", "nosniff");
    set(h, "x-frame-options", "DENY");
    set(h, "referrer-policy", "same-origin");
    Ok(res.map_into_left_body())
}

/// A user holding an admin's temporary password reaches only the way to change it: the API
/// answers 403 `password_change_required`, pages send them to 修改密码.
async fn temporary_password_gate(req: &ServiceRequest) -> Option<HttpResponse> {
    use actix_web::FromRequest;
    let auth = auth::Auth::extract(req.request()).await.ok()?;
    let path = req.path();
    if !auth.actor()?.must_change_password || crate::domain::password_reset::open_while_temporary(path) {
        return None;
    }
    if path.starts_with("/api/") {
        Some(HttpResponse::Forbidden().json(AppError::from(Code::PasswordChangeRequired).body()))
    } else {
        Some(HttpResponse::SeeOther().insert_header((header::LOCATION, "/account/password")).finish())
    }
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz));
    // Load balancers and uptime checks often ask with HEAD.
    cfg.route("/healthz", web::head().to(healthz));
    api::routes(cfg);
    pages::routes(cfg);
}

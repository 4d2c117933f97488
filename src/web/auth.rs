//! Sessions in cookies, the current user as an extractor, and cross-site write protection.

use super::state::AppState;
use crate::error::AppError;
use crate::service::{accounts, Actor, Ctx, Principal};
use actix_web::cookie::{time::Duration as CookieDuration, Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpMessage, HttpRequest};
use std::future::Future;
use std::pin::Pin;

pub const SESSION_COOKIE: &str = "gongyi_session";

/// The request's principal (anonymous or a user) with its context, resolved once per request.
#[derive(Clone)]
pub struct Auth {
    pub ctx: Ctx,
    pub token: Option<String>,
}

impl Auth {
    pub fn actor(&self) -> Option<&Actor> {
        self.ctx.actor()
    }
}

pub fn client_ip(req: &HttpRequest, state: &AppState) -> Option<String> {
    let peer = req.peer_addr()?.ip();
    if state.proxies.is_empty() {
        return Some(peer.to_string());
    }
    let hops: Vec<&str> = req.headers().get_all("x-forwarded-for").filter_map(|v| v.to_str().ok()).collect();
    Some(super::client_ip::client(peer, &hops, &state.proxies).to_string())
}

impl FromRequest for Auth {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Auth, AppError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            if let Some(a) = req.extensions().get::<Auth>() {
                return Ok(a.clone());
            }
            let state =
                req.app_data::<web::Data<AppState>>().ok_or_else(|| AppError::internal("no app state"))?.clone();
            let ip = client_ip(&req, &state);
            let token = req
                .cookie(SESSION_COOKIE)
                .map(|c| c.value().to_string())
                .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()));
            let now = state.clock.now();
            let principal = match token.clone() {
                None => Principal::Anonymous,
                Some(t) => match state.db(move |c| accounts::session_user(c, &t, now)).await? {
                    Some(actor) => Principal::User(actor),
                    None => Principal::Anonymous,
                },
            };
            let auth = Auth { ctx: state.ctx(principal, ip), token };
            req.extensions_mut().insert(auth.clone());
            Ok(auth)
        })
    }
}

pub fn session_cookie(token: &str, secure: bool) -> Cookie<'static> {
    Cookie::build(SESSION_COOKIE, token.to_string())
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .max_age(CookieDuration::hours(12))
        .finish()
}

pub fn clear_session_cookie(secure: bool) -> Cookie<'static> {
    let mut c = session_cookie("", secure);
    c.make_removal();
    c
}

/// Refuses a state-changing request from another site: an `Origin` that is neither the
/// request's host nor the public origin (`GONGYI_PUBLIC_URL`, what users reach behind a reverse
/// proxy that rewrites `Host`), or a browser's `Sec-Fetch-Site: cross-site`. Requests without
/// either (curl, scripts) pass; HTML forms additionally carry a CSRF token. A refusal is logged
/// with both origins, so a misconfigured proxy is found from the log.
pub fn cross_site(req: &actix_web::dev::ServiceRequest, public_url: Option<&str>) -> bool {
    use actix_web::http::Method;
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    let headers = req.headers();
    if headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site") {
        tracing::warn!(path = req.path(), "cross-site write refused: Sec-Fetch-Site: cross-site");
        return true;
    }
    match headers.get("origin").map(|v| v.to_str().unwrap_or("")) {
        None => false,
        Some(origin) => {
            let host = req.connection_info().host().to_string();
            let bare = origin.split_once("://").map(|(_, h)| h).unwrap_or("");
            let public =
                public_url.is_some_and(|p| p.trim_end_matches('/').eq_ignore_ascii_case(origin.trim_end_matches('/')));
            let refused = bare != host && !public;
            if refused {
                tracing::warn!(
                    path = req.path(),
                    origin,
                    host = host.as_str(),
                    public_url = public_url.unwrap_or(""),
                    "cross-site write refused: the Origin is neither this Host nor GONGYI_PUBLIC_URL (behind a reverse proxy, set GONGYI_PUBLIC_URL to the address users open)"
                );
            }
            refused
        }
    }
}

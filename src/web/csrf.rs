//! CSRF tokens for HTML forms: a random value in an HttpOnly cookie that each form echoes in a
//! hidden field (double submit), on top of the Origin / Sec-Fetch-Site check.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::HttpRequest;
use subtle::ConstantTimeEq;

pub const CSRF_COOKIE: &str = "gongyi_csrf";

/// The request's token, and a cookie to set when the browser had none yet.
pub fn token(req: &HttpRequest, secure: bool) -> (String, Option<Cookie<'static>>) {
    match req.cookie(CSRF_COOKIE).map(|c| c.value().to_string()).filter(|v| v.len() == 64) {
        Some(t) => (t, None),
        None => {
            // Every anonymous page view mints one, so it comes from the thread's CSPRNG (ChaCha,
            // seeded from the OS) rather than a system call per request.
            let mut b = [0u8; 32];
            rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut b);
            let t = hex::encode(b);
            let c = Cookie::build(CSRF_COOKIE, t.clone())
                .path("/")
                .http_only(true)
                .same_site(SameSite::Lax)
                .secure(secure)
                .finish();
            (t, Some(c))
        }
    }
}

pub fn check(req: &HttpRequest, submitted: &str) -> bool {
    match req.cookie(CSRF_COOKIE) {
        Some(c) if c.value().len() == 64 => c.value().as_bytes().ct_eq(submitted.as_bytes()).into(),
        _ => false,
    }
}

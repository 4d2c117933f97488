use super::{check_csrf, render_status, Layout, PageError};
use crate::service::documents::{self, Verification};
use crate::web::auth::Auth;
use crate::web::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

pub struct Outcome {
    pub hash: String,
    pub found: Option<Verification>,
    pub message: String,
}

#[derive(Template)]
#[template(path = "verify.html")]
struct VerifyPage<'a> {
    l: &'a Layout,
    result: Option<Outcome>,
}

async fn check(state: &AppState, hash: String) -> Result<Outcome, PageError> {
    let h = hash.clone();
    match state.db(move |c| documents::verify(c, &h)).await {
        Ok(v) => Ok(Outcome { hash, found: Some(v), message: String::new() }),
        Err(e) if matches!(e.status.as_u16(), 404 | 422) => {
            Ok(Outcome { hash, found: None, message: e.message.clone() })
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(serde::Deserialize)]
pub struct Q {
    sha256: Option<String>,
}

pub async fn page(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    q: web::Query<Q>,
) -> Result<HttpResponse, PageError> {
    let result = match q.sha256.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(h) => Some(check(&state, h.to_string()).await?),
        None => None,
    };
    let l = Layout::new(&req, &state, &auth);
    render_status(&l, &VerifyPage { l: &l, result }, StatusCode::OK)
}

/// An uploaded file is hashed here and never stored.
pub async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let parts = crate::web::upload::read(&req, payload, state.config.upload_limit).await?;
    check_csrf(&req, parts.csrf())?;
    let result = match parts.file {
        Some((_, bytes)) if !bytes.is_empty() => Some(check(&state, documents::sha256_hex(&bytes)).await?),
        _ => None,
    };
    let l = Layout::new(&req, &state, &auth);
    render_status(&l, &VerifyPage { l: &l, result }, StatusCode::OK)
}

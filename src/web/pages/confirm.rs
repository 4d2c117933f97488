//! The two steps of an irreversible action: the first POST shows what will happen and changes
//! nothing; the page's button posts the same fields again with `confirm=1`, which acts.

use super::fields::Fields;
use super::{check_csrf, render, Layout, PageError};
use crate::service::previews::Preview;
use crate::web::auth::Auth;
use crate::web::state::AppState;
use actix_web::{HttpRequest, HttpResponse};
use askama::Template;

#[derive(Template)]
#[template(path = "confirm.html")]
struct ConfirmPage<'a> {
    l: &'a Layout,
    p: Preview,
    action: String,
    back: &'a str,
    fields: Vec<(String, String)>,
}

pub fn confirmed(form: &Fields) -> bool {
    form.get("confirm") == "1"
}

/// `None` once confirmed (the caller acts); otherwise the confirmation page built by `preview`.
pub async fn ask<F>(
    req: &HttpRequest,
    state: &AppState,
    auth: &Auth,
    form: &Fields,
    back: &str,
    preview: F,
) -> Result<Option<HttpResponse>, PageError>
where
    F: FnOnce(&mut crate::db::DbConn, &crate::service::Ctx) -> crate::error::AppResult<Preview> + Send + 'static,
{
    if confirmed(form) {
        return Ok(None);
    }
    check_csrf(req, &form.get("csrf"))?;
    let ctx = auth.ctx.clone();
    let p = state.db(move |c| preview(c, &ctx)).await?;
    let fields = form.0.iter().filter(|(k, _)| k != "csrf" && k != "confirm").cloned().collect();
    let l = Layout::new(req, state, auth);
    let page = ConfirmPage { l: &l, p, action: req.path().to_string(), back, fields };
    Ok(Some(render(&l, &page)?))
}

use super::{check_csrf, redirect, render_status, Layout, PageError};
use crate::service::accounts::{self, LoginInput};
use crate::web::auth::{clear_session_cookie, session_cookie, Auth};
use crate::web::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    l: &'a Layout,
    login: String,
    error: Option<String>,
    reset_done: bool,
}

pub async fn form(req: HttpRequest, state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, PageError> {
    if auth.actor().is_some() {
        return Ok(redirect("/workbench"));
    }
    let l = Layout::new(&req, &state, &auth);
    render_status(
        &l,
        &LoginPage { l: &l, login: String::new(), error: None, reset_done: req.query_string() == "done=reset" },
        StatusCode::OK,
    )
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
}

pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    form: web::Form<LoginForm>,
) -> Result<HttpResponse, PageError> {
    check_csrf(&req, &form.csrf)?;
    let f = form.into_inner();
    let input = LoginInput { login: f.login.clone(), password: f.password };
    let st = state.clone();
    let ctx = auth.ctx.clone();
    match state.db(move |c| accounts::login(c, &ctx, &st.hasher, &input)).await {
        Ok((token, _)) => {
            if let Some(old) = auth.token.clone() {
                state.db(move |c| accounts::logout(c, &old)).await?;
            }
            let mut res = redirect("/workbench");
            res.add_cookie(&session_cookie(&token, state.config.secure_cookies))
                .map_err(|e| PageError(crate::error::AppError::internal(e.to_string())))?;
            Ok(res)
        }
        Err(e) if matches!(e.status.as_u16(), 401 | 429) => {
            let l = Layout::new(&req, &state, &auth);
            render_status(
                &l,
                &LoginPage { l: &l, login: f.login, error: Some(e.message.clone()), reset_done: false },
                e.status,
            )
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    pub csrf: String,
}

pub async fn logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    check_csrf(&req, &form.csrf)?;
    if let Some(t) = auth.token.clone() {
        state.db(move |c| accounts::logout(c, &t)).await?;
    }
    let mut res = redirect("/");
    res.add_cookie(&clear_session_cookie(state.config.secure_cookies))
        .map_err(|e| PageError(crate::error::AppError::internal(e.to_string())))?;
    Ok(res)
}

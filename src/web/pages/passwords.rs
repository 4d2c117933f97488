//! 修改密码, 忘记密码, 重置密码, and the admin's temporary password.

use super::{check_csrf, field_errors, redirect, render, render_status, status_for, Layout, PageError};
use crate::error::FieldError;
use crate::service::accounts;
use crate::service::passwords::{self, ChangePasswordInput, ResetInput, ResetRequestInput};
use crate::web::auth::{clear_session_cookie, Auth};
use crate::web::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

/// What the one password template shows.
#[derive(PartialEq, Eq)]
enum Mode {
    /// The logged-in user's 修改密码 (`temporary`: after an admin's reset).
    Change {
        temporary: bool,
    },
    Forgot,
    /// The forgotten-password request went out.
    Sent,
    /// An emailed link's form; `login` names the account.
    Reset {
        token: String,
        login: String,
    },
    /// A link that can no longer be used.
    Dead,
    /// The admin's one look at a temporary password.
    Temporary {
        login: String,
        password: String,
    },
}

#[derive(Template)]
#[template(path = "password.html")]
struct PasswordPage<'a> {
    l: &'a Layout,
    mode: Mode,
    errors: Vec<FieldError>,
}

impl PasswordPage<'_> {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
}

fn show(l: &Layout, mode: Mode, errors: Vec<FieldError>) -> Result<HttpResponse, PageError> {
    let status = if errors.is_empty() { StatusCode::OK } else { status_for(&errors) };
    render_status(l, &PasswordPage { l, mode, errors }, status)
}

pub async fn change_form(req: HttpRequest, state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, PageError> {
    let a = auth.ctx.require(&crate::domain::account::Role::ALL)?;
    let l = Layout::new(&req, &state, &auth);
    show(&l, Mode::Change { temporary: a.must_change_password }, vec![])
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PasswordForm {
    csrf: String,
    current: String,
    new: String,
    confirm: String,
    login: String,
}

/// The two typings of a new password must match (a typo would lock the user out).
fn confirm_problem(f: &PasswordForm) -> Vec<FieldError> {
    if f.new == f.confirm {
        return vec![];
    }
    vec![FieldError {
        field: "confirm".into(), code: "mismatch".into(), message: "两次输入的新密码不一致".into()
    }]
}

pub async fn change(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, PageError> {
    check_csrf(&req, &form.csrf)?;
    let a = auth.ctx.require(&crate::domain::account::Role::ALL)?.clone();
    let f = form.into_inner();
    let l = Layout::new(&req, &state, &auth);
    let mode = Mode::Change { temporary: a.must_change_password };
    let mismatch = confirm_problem(&f);
    if !mismatch.is_empty() {
        return show(&l, mode, mismatch);
    }
    let (st, ctx) = (state.clone(), auth.ctx.clone());
    let session = accounts::hash_token(auth.token.as_deref().unwrap_or(""));
    let input = ChangePasswordInput { current: f.current, new: f.new };
    match state.db(move |c| passwords::change(c, &ctx, &st.hasher, &session, &input)).await {
        Ok(()) => Ok(redirect("/workbench?done=password")),
        Err(e) if e.status.as_u16() == 422 => show(&l, mode, field_errors(&e)),
        Err(e) => Err(e.into()),
    }
}

pub async fn forgot_form(req: HttpRequest, state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, PageError> {
    let l = Layout::new(&req, &state, &auth);
    show(&l, Mode::Forgot, vec![])
}

pub async fn forgot(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, PageError> {
    check_csrf(&req, &form.csrf)?;
    let (st, ctx) = (state.clone(), auth.ctx.clone());
    let input = ResetRequestInput { login: form.login.clone() };
    state.db(move |c| passwords::request(c, &ctx, &input, &st.config.public_url)).await?;
    state.mail_wake.notify_one();
    let l = Layout::new(&req, &state, &auth);
    show(&l, Mode::Sent, vec![])
}

pub async fn reset_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    token: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let token = token.into_inner();
    let (ctx, t) = (auth.ctx.clone(), token.clone());
    let login = state.db(move |c| passwords::link_user(c, &ctx, &t)).await?;
    let l = Layout::new(&req, &state, &auth);
    match login {
        Some(login) => show(&l, Mode::Reset { token, login }, vec![]),
        None => render_status(&l, &PasswordPage { l: &l, mode: Mode::Dead, errors: vec![] }, StatusCode::CONFLICT),
    }
}

pub async fn reset(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    token: web::Path<String>,
    form: web::Form<PasswordForm>,
) -> Result<HttpResponse, PageError> {
    check_csrf(&req, &form.csrf)?;
    let token = token.into_inner();
    let f = form.into_inner();
    let l = Layout::new(&req, &state, &auth);
    let (ctx, t) = (auth.ctx.clone(), token.clone());
    let Some(login) = state.db(move |c| passwords::link_user(c, &ctx, &t)).await? else {
        return render_status(&l, &PasswordPage { l: &l, mode: Mode::Dead, errors: vec![] }, StatusCode::CONFLICT);
    };
    let mismatch = confirm_problem(&f);
    if !mismatch.is_empty() {
        return show(&l, Mode::Reset { token, login }, mismatch);
    }
    let (st, ctx, t) = (state.clone(), auth.ctx.clone(), token.clone());
    let input = ResetInput { new: f.new };
    match state.db(move |c| passwords::complete(c, &ctx, &st.hasher, &t, &input)).await {
        Ok(()) => {
            // Any session in this browser belonged to someone who has just lost it.
            let mut res = redirect("/login?done=reset");
            res.add_cookie(&clear_session_cookie(state.config.secure_cookies))
                .map_err(|e| PageError(crate::error::AppError::internal(e.to_string())))?;
            Ok(res)
        }
        Err(e) if e.status.as_u16() == 422 => show(&l, Mode::Reset { token, login }, field_errors(&e)),
        Err(e) if e.code == "reset_link_invalid" => {
            render_status(&l, &PasswordPage { l: &l, mode: Mode::Dead, errors: vec![] }, StatusCode::CONFLICT)
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CsrfForm {
    csrf: String,
}

/// The admin resets a user's password; the temporary one is shown once, on this response only.
pub async fn admin_reset(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<CsrfForm>,
) -> Result<HttpResponse, PageError> {
    check_csrf(&req, &form.csrf)?;
    let id = id.into_inner();
    let (st, ctx) = (state.clone(), auth.ctx.clone());
    let (t, user) = state
        .db(move |c| {
            let t = passwords::admin_reset(c, &ctx, &st.hasher, id)?;
            Ok((t, crate::db::users::find(c, id)?))
        })
        .await?;
    let l = Layout::new(&req, &state, &auth);
    let login = user.map(|u| u.login).unwrap_or_default();
    render(&l, &PasswordPage { l: &l, mode: Mode::Temporary { login, password: t.temporary }, errors: vec![] })
}

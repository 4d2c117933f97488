use super::{check_csrf, field_errors, redirect, render, render_status, FieldMarks, Layout, PageError};
use crate::domain::account::Role;
use crate::error::FieldError;
use crate::service::accounts::{self, NewUserInput, UserView};
use crate::web::auth::Auth;
use crate::web::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct UserForm {
    csrf: String,
    login: String,
    display_name: String,
    email: String,
    role: String,
    region_code: String,
    affiliations: String,
    organisation: String,
    password: String,
}

#[derive(Template)]
#[template(path = "admin_users.html")]
struct UsersPage<'a> {
    l: &'a Layout,
    users: Vec<UserView>,
    f: UserForm,
    errors: Vec<FieldError>,
    roles: Vec<(&'static str, &'static str)>,
    towns: Vec<(String, String)>,
    flash: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

async fn users_page(
    req: &HttpRequest,
    state: &AppState,
    auth: &Auth,
    f: UserForm,
    errors: Vec<FieldError>,
    flash: Option<&'static str>,
) -> Result<HttpResponse, PageError> {
    let ctx = auth.ctx.clone();
    let (users, regions) = state
        .db(move |c| Ok((accounts::list_users(c, &ctx, None, 0, Some(100))?, crate::db::regions::all(c)?)))
        .await?;
    // Towns for town staff, each followed by its villages for village workers (codes sort so).
    let mut towns: Vec<(String, String)> = regions
        .into_iter()
        .filter(|r| r.level != "district")
        .map(|r| (r.code, if r.level == "village" { format!("　└ {}", r.name) } else { r.name }))
        .collect();
    towns.sort();
    let roles = [Role::Staff, Role::Finance, Role::Reviewer, Role::Evaluator, Role::Community, Role::Org, Role::Admin]
        .into_iter()
        .map(|r| (r.as_str(), r.label()))
        .collect();
    let l = Layout::new(req, state, auth);
    let status = super::status_for(&errors);
    render_status(&l, &UsersPage { l: &l, users, f, errors, roles, towns, flash }, status)
}

pub async fn users(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    q: web::Query<Done>,
) -> Result<HttpResponse, PageError> {
    auth.ctx.require(&[Role::Admin])?;
    let flash = q.done.as_deref().map(|_| "用户已创建。");
    users_page(&req, &state, &auth, UserForm::default(), vec![], flash).await
}

pub async fn create_user(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    form: web::Form<UserForm>,
) -> Result<HttpResponse, PageError> {
    check_csrf(&req, &form.csrf)?;
    auth.ctx.require(&[Role::Admin])?;
    let f = form.into_inner();
    let input = NewUserInput {
        login: f.login.clone(),
        password: f.password.clone(),
        display_name: f.display_name.clone(),
        email: Some(f.email.clone()),
        role: f.role.clone(),
        region_code: Some(f.region_code.clone()),
        affiliations: f
            .affiliations
            .split(|c: char| c == ',' || c == '，' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        organisation: Some(f.organisation.clone()),
    };
    let st = state.clone();
    let ctx = auth.ctx.clone();
    match state.db(move |c| accounts::create_user(c, &ctx, &st.hasher, &input)).await {
        Ok(_) => Ok(redirect("/admin/users?done=1")),
        Err(e) if matches!(e.status.as_u16(), 409 | 422) => {
            let errors = field_errors(&e);
            users_page(&req, &state, &auth, UserForm { password: String::new(), ..f }, errors, None).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "admin_outbox.html")]
struct OutboxPage<'a> {
    l: &'a Layout,
    counts: Vec<(String, i64)>,
    mails: Vec<crate::service::outbox::OutboxView>,
}

pub async fn outbox(req: HttpRequest, state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, PageError> {
    let ctx = auth.ctx.clone();
    let (counts, mails) = state.db(move |c| crate::service::outbox::list(c, &ctx, None, 100)).await?;
    let l = Layout::new(&req, &state, &auth);
    render(&l, &OutboxPage { l: &l, counts, mails })
}

impl super::FieldMarks for UsersPage<'_> {
    fn field_errors(&self) -> &[FieldError] {
        &self.errors
    }
}

//! Server-rendered Chinese pages. Handlers call the same services as the JSON API; forms post
//! back with a CSRF token and redirect after success (post/redirect/get).

mod admin;
mod awards;
mod bids;
mod calls;
pub mod charts;
mod confirm;
mod dashboard;
mod demands;
pub mod fields;
mod funds;
mod home;
mod labels;
mod login;
mod org_documents;
mod passwords;
mod points;
mod projects;
mod register;
mod review;
mod staff;
mod stages;
mod standing;
mod verify;
mod welfare;

use super::auth::Auth;
use super::csrf;
use super::state::AppState;
use crate::error::{AppError, Code};
use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse, ResponseError};
use askama::Template;
use std::fmt;

pub const CSS: &str = include_str!("../../../static/app.css");

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.app_data(
        web::FormConfig::default()
            // A 5,000-character 申报书 section is 45 KB once form-encoded: the limit is far above any
            // form, and over-long text is the field's own error, never a lost form.
            .limit(2 * 1024 * 1024)
            .error_handler(|_, _| PageError(AppError::from(Code::BadForm)).into()),
    )
    .route("/static/app.css", web::get().to(css))
    .route("/favicon.ico", web::get().to(favicon))
    .route("/static/favicon.svg", web::get().to(favicon))
    .route("/", web::get().to(home::index))
    // actix tries routes in order: the public pages anyone may hammer come first.
    .route("/notices/{id}", web::get().to(review::notice))
    .route("/workbench", web::get().to(home::workbench))
    .route("/login", web::get().to(login::form))
    .route("/login", web::post().to(login::submit))
    .route("/logout", web::post().to(login::logout))
    .route("/account/password", web::get().to(passwords::change_form))
    .route("/account/password", web::post().to(passwords::change))
    .route("/forgot-password", web::get().to(passwords::forgot_form))
    .route("/forgot-password", web::post().to(passwords::forgot))
    .route("/password-reset/{token}", web::get().to(passwords::reset_form))
    .route("/password-reset/{token}", web::post().to(passwords::reset))
    .route("/admin/users/{id}/password-reset", web::post().to(passwords::admin_reset))
    .route("/register", web::get().to(register::form))
    .route("/register", web::post().to(register::submit))
    .route("/organisation/documents", web::get().to(org_documents::show))
    .route("/organisation/documents", web::post().to(org_documents::upload))
    .route("/organisation/documents/{id}/delete", web::post().to(org_documents::delete))
    .route("/staff/organisations", web::get().to(staff::organisations))
    .route("/staff/organisations/{id}", web::get().to(standing::show))
    .route("/staff/organisations/{id}/standing", web::post().to(standing::record))
    .route("/staff/organisations/{id}/debar", web::post().to(standing::debar))
    .route("/staff/organisations/{id}/suspend", web::post().to(standing::suspend))
    .route("/staff/organisations/{id}/restore", web::post().to(standing::restore))
    .route("/staff/organisations/{id}/verify", web::post().to(staff::verify))
    .route("/staff/organisations/{id}/reject", web::post().to(staff::reject))
    .route("/calls/{id}", web::get().to(calls::public))
    .route("/calls/{id}/bid", web::get().to(bids::new_form))
    .route("/calls/{id}/bid", web::post().to(bids::create))
    .route("/bids/{id}", web::get().to(bids::detail))
    .route("/bids/{id}/edit", web::get().to(bids::edit_form))
    .route("/bids/{id}/edit", web::post().to(bids::update))
    .route("/bids/{id}/submit", web::post().to(bids::submit))
    .route("/bids/{id}/withdraw", web::post().to(bids::withdraw))
    .route("/bids/{id}/screening", web::post().to(bids::screening))
    .route("/bids/{id}/finance", web::post().to(bids::finance))
    .route("/staff/calls/{id}/bids", web::get().to(bids::queue))
    .route("/bids/{id}/attachments", web::post().to(bids::upload))
    .route("/attachments/{id}/delete", web::post().to(bids::delete_attachment))
    .route("/review", web::get().to(review::list))
    .route("/review/{id}", web::get().to(review::form))
    .route("/review/{id}", web::post().to(review::save))
    .route("/review/{id}/accept", web::post().to(review::accept))
    .route("/review/{id}/conflict", web::post().to(review::conflict))
    .route("/staff/calls/{id}/assignments", web::post().to(review::assign))
    .route("/staff/calls/{id}/ranking", web::get().to(review::ranking))
    .route("/staff/calls/{id}/overrides", web::post().to(review::set_override))
    .route("/staff/calls/{id}/stages", web::get().to(stages::page))
    .route("/staff/calls/{id}/shortlist", web::post().to(stages::shortlist))
    .route("/staff/calls/{id}/sessions", web::post().to(stages::schedule))
    .route("/staff/sessions/{id}/screen", web::get().to(stages::screen))
    .route("/staff/calls/{id}/decide", web::post().to(review::decide))
    .route("/staff/calls/{id}/finalize", web::post().to(review::finalize))
    .route("/verify", web::get().to(verify::page))
    .route("/verify", web::post().to(verify::upload))
    .route("/notices/{id}/objections", web::post().to(review::object))
    .route("/objections/{id}/answer", web::post().to(review::answer))
    .route("/staff/calls", web::get().to(calls::staff_list))
    .route("/staff/calls/new", web::get().to(calls::new_form))
    .route("/staff/calls/new", web::post().to(calls::create))
    .route("/staff/calls/{id}", web::get().to(calls::staff_detail))
    .route("/staff/calls/{id}/edit", web::get().to(calls::edit_form))
    .route("/staff/calls/{id}/edit", web::post().to(calls::update))
    .route("/staff/calls/{id}/publish", web::post().to(calls::publish))
    .route("/staff/calls/{id}/clone", web::post().to(calls::clone))
    .route("/staff/calls/{id}/amendments", web::post().to(calls::amend))
    .route("/staff/calls/{id}/evaluation-notices", web::post().to(calls::publish_evaluation_notice))
    .route("/board", web::get().to(dashboard::public))
    .route("/staff/dashboard", web::get().to(dashboard::staff))
    .route("/projects", web::get().to(projects::list))
    .route("/projects/{id}", web::get().to(projects::detail))
    .route("/projects/{id}/signing", web::post().to(projects::sign))
    .route("/projects/{id}/milestones/{m}/report", web::post().to(projects::report))
    .route("/projects/{id}/milestones/{m}/verify", web::post().to(projects::verify))
    .route("/projects/{id}/milestones/{m}/attachments", web::post().to(projects::upload))
    .route("/projects/{id}/payments", web::post().to(projects::pay))
    .route("/projects/{id}/rectify", web::post().to(projects::rectify))
    .route("/projects/{id}/terminate", web::post().to(projects::terminate))
    .route("/projects/{id}/closure", web::post().to(projects::file_closure))
    .route("/projects/{id}/budget", web::post().to(projects::rebudget))
    .route("/projects/{id}/changes", web::post().to(projects::file_change))
    .route("/changes/{id}/decision", web::post().to(projects::decide_change))
    .route("/projects/{id}/close", web::post().to(projects::close))
    .route("/projects/{id}/evaluators", web::post().to(projects::assign_evaluator))
    .route("/demands", web::get().to(demands::list))
    .route("/demands", web::post().to(demands::file))
    .route("/demands/{id}", web::get().to(demands::detail))
    .route("/demands/{id}/transition", web::post().to(demands::transition))
    .route("/topics", web::get().to(demands::topics_list))
    .route("/topics", web::post().to(demands::create_topic))
    .route("/needs", web::get().to(demands::needs))
    .route("/points", web::get().to(points::page))
    .route("/points/participants", web::post().to(points::add_participant))
    .route("/points/catalogue", web::post().to(points::put_catalogue))
    .route("/points/activity", web::post().to(points::file_activity))
    .route("/points/claims/{id}/review", web::post().to(points::review))
    .route("/points/postings", web::post().to(points::post_month))
    .route("/points/store-items", web::post().to(points::add_item))
    .route("/points/exchanges", web::post().to(points::exchange))
    .route("/points/stats", web::get().to(points::stats))
    .route("/points/settings", web::post().to(points::put_settings))
    .route("/points/board/{village}/{month}", web::get().to(points::board))
    .route("/points/postings/{id}/objections", web::post().to(points::object))
    .route("/points/objections/{id}/decision", web::post().to(points::decide))
    .route("/staff/welfare", web::get().to(welfare::list))
    .route("/staff/welfare", web::post().to(welfare::create))
    .route("/staff/welfare/{id}", web::get().to(welfare::show))
    .route("/staff/welfare/{id}/committee", web::post().to(welfare::put_committee))
    .route("/staff/welfare/{id}/activate", web::post().to(welfare::activate))
    .route("/staff/welfare/{id}/plans", web::post().to(welfare::put_plan))
    .route("/staff/welfare/{id}/campaigns", web::post().to(welfare::add_campaign))
    .route("/staff/welfare/{id}/donations", web::post().to(welfare::donate))
    .route("/staff/welfare/{id}/grants", web::post().to(welfare::grant))
    .route("/staff/welfare/{id}/disclosures", web::post().to(welfare::disclose))
    .route("/welfare", web::get().to(welfare::public_list))
    .route("/welfare/{id}", web::get().to(welfare::public))
    .route("/projects/{id}/evaluators/{user}/remove", web::post().to(projects::remove_evaluator))
    .route("/awards", web::get().to(awards::public))
    .route("/staff/funds", web::get().to(funds::list))
    .route("/staff/funds", web::post().to(funds::create))
    .route("/staff/funds/{id}/amount", web::post().to(funds::set_amount))
    .route("/admin/calendar", web::get().to(funds::show_calendar))
    .route("/admin/calendar", web::post().to(funds::load_calendar))
    .route("/staff/awards", web::get().to(awards::staff_list))
    .route("/staff/awards", web::post().to(awards::create_fund))
    .route("/staff/awards/{id}", web::get().to(awards::staff_fund))
    .route("/staff/awards/{id}/awards", web::post().to(awards::add_award))
    .route("/staff/awards/{id}/awards/{award_id}/delete", web::post().to(awards::remove_award))
    .route("/staff/awards/{id}/publish", web::post().to(awards::publish))
    .route("/staff/meetings", web::get().to(awards::meetings))
    .route("/staff/meetings", web::post().to(awards::record_meeting))
    .route("/admin/users", web::get().to(admin::users))
    .route("/admin/users", web::post().to(admin::create_user))
    .route("/admin/outbox", web::get().to(admin::outbox))
    .default_service(web::to(not_found));
}

async fn not_found() -> Result<HttpResponse, PageError> {
    Err(PageError(Code::NotFound.says("您访问的页面不存在")))
}

/// The favicon: a seal-red square with 公, drawn as SVG so no binary asset is needed.
const FAVICON: &str = "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'><rect width='32' height='32' rx='6' fill='#b3261e'/><text x='16' y='23' font-size='20' text-anchor='middle' fill='#fff' font-family='sans-serif'>公</text></svg>";

async fn favicon() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .body(FAVICON)
}

async fn css() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("Cache-Control", "public, max-age=3600"))
        .body(CSS)
}

pub struct UserBadge {
    pub display_name: String,
    pub role: &'static str,
    pub role_label: &'static str,
}

/// What the base layout needs on every page.
pub struct Layout {
    pub user: Option<UserBadge>,
    pub training: bool,
    pub csrf: String,
    /// The issuing authority the header names (GONGYI_AUTHORITY).
    pub authority: String,
    /// Where people ask (GONGYI_CONTACT): the footer and each call's 办事指南; empty → unnamed.
    pub contact: String,
    new_cookie: Option<Cookie<'static>>,
}

impl Layout {
    pub fn new(req: &HttpRequest, state: &AppState, auth: &Auth) -> Layout {
        let (csrf, new_cookie) = csrf::token(req, state.config.secure_cookies);
        Layout {
            user: auth.actor().map(|a| UserBadge {
                display_name: a.display_name.clone(),
                role: a.role.as_str(),
                role_label: a.role.label(),
            }),
            training: state.training,
            authority: state.config.authority.clone(),
            contact: state.config.contact.clone(),
            csrf,
            new_cookie,
        }
    }
}

/// Renders a page; sets the CSRF cookie when the browser did not have one.
pub fn render(l: &Layout, t: &impl Template) -> Result<HttpResponse, PageError> {
    render_status(l, t, StatusCode::OK)
}

pub fn render_status(l: &Layout, t: &impl Template, status: StatusCode) -> Result<HttpResponse, PageError> {
    let body = t.render().map_err(|e| PageError(AppError::internal(format!("template: {e}"))))?;
    Ok(html_response(l, body, status))
}

/// A template as HTML.
pub fn to_html(t: &impl Template) -> Result<String, AppError> {
    t.render().map_err(|e| AppError::internal(format!("template: {e}")))
}

/// A page that is the same for every anonymous reader but for the CSRF token: rendered once per
/// data generation (`web::memo`) with a random stand-in token, which no reader's text can guess,
/// and joined with each request's own token. `render` gets the stand-in layout.
pub async fn shared_page<K, F, Fut>(
    req: &HttpRequest,
    state: &AppState,
    auth: &Auth,
    memo: &crate::web::memo::Memo<K, Vec<String>>,
    key: K,
    render: F,
) -> Result<HttpResponse, PageError>
where
    K: Eq + std::hash::Hash,
    F: FnOnce(Layout) -> Fut,
    Fut: std::future::Future<Output = Result<String, AppError>>,
{
    let (generation, now) = (crate::db::generation(), auth.ctx.now);
    let l = Layout::new(req, state, auth);
    let parts = memo
        .get_or(key, generation, now, async {
            let slot = crate::service::accounts::new_token();
            let stand_in = Layout {
                user: None,
                training: l.training,
                csrf: slot.clone(),
                authority: l.authority.clone(),
                contact: l.contact.clone(),
                new_cookie: None,
            };
            let html = render(stand_in).await?;
            Ok(html.split(slot.as_str()).map(str::to_string).collect())
        })
        .await?;
    Ok(html_response(&l, parts.join(l.csrf.as_str()), StatusCode::OK))
}

/// An already rendered page, with the CSRF cookie when the browser did not have one.
pub fn html_response(l: &Layout, body: String, status: StatusCode) -> HttpResponse {
    let mut res = HttpResponse::build(status);
    res.content_type("text/html; charset=utf-8").insert_header(("Cache-Control", "no-store"));
    if let Some(c) = &l.new_cookie {
        res.cookie(c.clone());
    }
    res.body(body)
}

pub fn redirect(to: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header(("Location", to)).finish()
}

/// What every form's state change does: check the CSRF token, run the service function, wake
/// the mail worker and redirect to `to(result)`. A refusal (409, 422, 429, or a 403 about the
/// state of things rather than the role) goes to `refused`, which shows it on a page.
pub async fn act<T, F, R, Fut>(
    req: &HttpRequest,
    state: &AppState,
    auth: &Auth,
    form: &fields::Fields,
    to: impl FnOnce(&T) -> String,
    f: F,
    refused: R,
) -> Result<HttpResponse, PageError>
where
    T: Send + 'static,
    F: FnOnce(&mut crate::db::DbConn, &crate::service::Ctx) -> Result<T, AppError> + Send + 'static,
    R: FnOnce(AppError) -> Fut,
    Fut: std::future::Future<Output = Result<HttpResponse, PageError>>,
{
    check_csrf(req, &form.get("csrf"))?;
    let ctx = auth.ctx.clone();
    match state.db(move |c| f(c, &ctx)).await {
        Ok(v) => {
            state.mail_wake.notify_one();
            Ok(redirect(&to(&v)))
        }
        Err(e)
            if matches!(e.status.as_u16(), 409 | 422 | 429) || (e.status.as_u16() == 403 && e.code != "forbidden") =>
        {
            refused(e).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `act` whose refusal shows `page(field errors)` again, under the refusal's own status: what
/// nearly every form does.
pub async fn act_shown<T, F, P, Fut>(
    req: &HttpRequest,
    state: &AppState,
    auth: &Auth,
    form: &fields::Fields,
    to: impl FnOnce(&T) -> String,
    f: F,
    page: P,
) -> Result<HttpResponse, PageError>
where
    T: Send + 'static,
    F: FnOnce(&mut crate::db::DbConn, &crate::service::Ctx) -> Result<T, AppError> + Send + 'static,
    P: FnOnce(Vec<crate::error::FieldError>) -> Fut,
    Fut: std::future::Future<Output = Result<HttpResponse, PageError>>,
{
    act(req, state, auth, form, to, f, |e| async move { Ok(with_status(page(field_errors(&e)).await?, e.status)) })
        .await
}

/// `act` for a multipart upload form: the CSRF token from the parts, a missing file refused
/// like any other field, then the attachments service and a redirect to `to`.
pub async fn upload_act<P, Fut>(
    req: &HttpRequest,
    state: &AppState,
    auth: &Auth,
    payload: actix_web::web::Payload,
    (id, add): (i64, crate::web::upload::AddFile),
    to: String,
    page: P,
) -> Result<HttpResponse, PageError>
where
    P: FnOnce(Vec<crate::error::FieldError>) -> Fut,
    Fut: std::future::Future<Output = Result<HttpResponse, PageError>>,
{
    let parts = crate::web::upload::read(req, payload, state.config.upload_limit).await?;
    check_csrf(req, parts.csrf())?;
    let (ctx, dir) = (auth.ctx.clone(), state.config.data_dir.clone());
    let stored = match parts.into_upload() {
        None => Err(AppError::invalid_field("file", "required", "请选择文件")),
        Some(up) => state.db(move |c| add(c, &ctx, &dir, id, &up)).await,
    };
    match stored {
        Ok(_) => {
            state.mail_wake.notify_one();
            Ok(redirect(&to))
        }
        Err(e) if matches!(e.status.as_u16(), 409 | 415 | 422) => {
            Ok(with_status(page(field_errors(&e)).await?, e.status))
        }
        Err(e) => Err(e.into()),
    }
}

/// A page shown again for a refusal, under the refusal's own status.
pub fn with_status(mut page: HttpResponse, status: StatusCode) -> HttpResponse {
    *page.status_mut() = status;
    page
}

/// Refuses a form without the right CSRF token.
pub fn check_csrf(req: &HttpRequest, token: &str) -> Result<(), PageError> {
    if csrf::check(req, token) {
        Ok(())
    } else {
        Err(PageError(AppError::from(Code::Csrf)))
    }
}

#[derive(Template)]
#[template(path = "message.html")]
pub struct MessagePage<'a> {
    pub l: &'a Layout,
    pub heading: &'a str,
    pub text: &'a str,
    pub code: Option<&'a str>,
    pub link: &'a str,
    pub link_text: &'a str,
}

/// An error shown as a Chinese page (401 sends the browser to the login page instead).
#[derive(Debug)]
pub struct PageError(pub AppError);

impl From<AppError> for PageError {
    fn from(e: AppError) -> PageError {
        PageError(e)
    }
}

impl fmt::Display for PageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl ResponseError for PageError {
    fn status_code(&self) -> StatusCode {
        self.0.status
    }
    fn error_response(&self) -> HttpResponse {
        if self.0.status == StatusCode::UNAUTHORIZED {
            return redirect("/login");
        }
        if let Some(i) = &self.0.internal {
            tracing::error!(code = %self.0.code, "internal error: {i}");
        }
        let l = Layout {
            user: None,
            training: false,
            csrf: String::new(),
            authority: "民政部门".into(),
            contact: String::new(),
            new_cookie: None,
        };
        let heading = match self.0.status.as_u16() {
            403 => "无权访问",
            404 => "页面不存在",
            413 => "内容过大",
            429 => "操作过于频繁",
            500.. => "系统错误",
            _ => "无法完成操作",
        };
        let page = MessagePage {
            l: &l,
            heading,
            text: &self.0.message,
            code: Some(&self.0.code),
            link: "/",
            link_text: "返回首页",
        };
        render_status(&l, &page, self.0.status)
            .unwrap_or_else(|_| HttpResponse::build(self.0.status).body(self.0.message.clone()))
    }
}

/// A page whose form can come back refused: each error beside its input, the first focused.
pub trait FieldMarks {
    fn field_errors(&self) -> &[crate::error::FieldError];
    /// The message for the input `field`, when the refusal concerns it.
    fn err(&self, field: &str) -> Option<&str> {
        self.field_errors().iter().find(|e| e.field == field).map(|e| e.message.as_str())
    }
    /// ` aria-invalid=true` for an input the refusal concerns, and the focus on the first.
    fn mark(&self, field: &str) -> &'static str {
        let errors = self.field_errors();
        let first = errors.iter().find(|e| !e.field.is_empty()).map(|e| e.field.as_str());
        if !errors.iter().any(|e| e.field == field) {
            ""
        } else if first == Some(field) {
            " aria-invalid=true autofocus"
        } else {
            " aria-invalid=true"
        }
    }
}

/// 422 when a form came back with errors, else 200.
pub fn status_for(errors: &[crate::error::FieldError]) -> StatusCode {
    if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

/// Field errors of a failed form for the template, each message in the words of its field's
/// label (never `title` or `budget_lines[1].amount`).
pub fn field_errors(e: &AppError) -> Vec<crate::error::FieldError> {
    let errors = if e.errors.is_empty() {
        vec![crate::error::FieldError {
            field: e.field.clone().unwrap_or_default(),
            code: e.code.clone(),
            message: e.message.clone(),
        }]
    } else {
        e.errors.clone()
    };
    errors
        .into_iter()
        .map(|x| crate::error::FieldError { message: labels::message(&x.field, &x.message), ..x })
        .collect()
}

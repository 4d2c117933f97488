//! One organisation for staff: its registration and its standing (年检, 等级, lists, penalties,
//! debarment, suspension), with the forms district staff record them on.

use super::fields::Fields;
use super::{check_csrf, field_errors, redirect, render_status, FieldMarks, Layout, PageError};
use crate::domain::account::Role;
use crate::domain::standing::{Kind, INSPECTION_RESULTS, RATINGS};
use crate::error::{AppError, FieldError};
use crate::service::organisations::{self, OrgView};
use crate::service::standing::{self, DebarInput, ReasonInput, StandingInput};
use crate::web::auth::Auth;
use crate::web::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

#[derive(Template)]
#[template(path = "staff_organisation.html")]
struct OrgPage<'a> {
    l: &'a Layout,
    o: OrgView,
    s: standing::Standing,
    /// The organisation's profile documents (单位资料), read only here.
    docs: Vec<crate::service::org_documents::OrgDocumentView>,
    can_delete: bool,
    /// District staff record; town staff read.
    district: bool,
    kinds: Vec<(&'static str, &'static str)>,
    inspection_results: &'static [&'static str],
    ratings: &'static [&'static str],
    /// Which form the typed values and errors belong to.
    form: &'static str,
    f: Fields,
    errors: Vec<FieldError>,
    flash: Option<&'static str>,
}

impl FieldMarks for OrgPage<'_> {
    fn field_errors(&self) -> &[FieldError] {
        &self.errors
    }
}

impl OrgPage<'_> {
    /// The typed value of `field` when it belongs to the form `form`.
    fn typed(&self, form: &str, field: &str) -> String {
        if self.form == form {
            self.f.get(field)
        } else {
            String::new()
        }
    }
}

#[derive(serde::Deserialize)]
pub struct Done {
    done: Option<String>,
}

/// What the page shows besides the organisation: the form a refusal belongs to, what was typed
/// in it and the errors, or the flash of a change just made.
#[derive(Default)]
struct Shown {
    form: &'static str,
    f: Fields,
    errors: Vec<FieldError>,
    flash: Option<&'static str>,
}

async fn page(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    auth: &Auth,
    id: i64,
    shown: Shown,
) -> Result<HttpResponse, PageError> {
    let Shown { form, f, errors, flash } = shown;
    let a = auth.ctx.require(&[Role::Staff])?;
    let district = a.region_scope().is_none();
    let ctx = auth.ctx.clone();
    let (mut o, docs) = state
        .db(move |c| Ok((organisations::get(c, &ctx, id)?, crate::service::org_documents::list(c, &ctx, id)?)))
        .await?;
    let s = o.standing.take().unwrap_or_default();
    let l = Layout::new(req, state, auth);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else if errors.iter().any(|e| e.code == "wrong_status") {
        StatusCode::CONFLICT
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let kinds = Kind::RECORDED.iter().map(|k| (k.as_str(), k.label())).collect();
    let p = OrgPage {
        l: &l,
        o,
        s,
        docs,
        can_delete: false,
        district,
        kinds,
        inspection_results: &INSPECTION_RESULTS,
        ratings: &RATINGS,
        form,
        f,
        errors,
        flash,
    };
    render_status(&l, &p, status)
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    q: web::Query<Done>,
) -> Result<HttpResponse, PageError> {
    let flash = match q.done.as_deref() {
        Some("standing") => Some("已登记，并已邮件通知该组织。"),
        Some("debarred") => Some("已禁止申报，并已邮件通知该组织。"),
        Some("suspended") => Some("已暂停申报，并已邮件通知该组织。"),
        Some("restored") => Some("已恢复申报，并已邮件通知该组织。"),
        _ => None,
    };
    page(&req, &state, &auth, id.into_inner(), Shown { flash, ..Default::default() }).await
}

/// Runs one standing change; success goes back to the page with its flash, a refusal shows the
/// page with the typed values and each error beside its field.
async fn act(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    (id, form): (i64, Fields),
    (which, done): (&'static str, &'static str),
    f: impl FnOnce(&mut crate::db::DbConn, &crate::service::Ctx, &Fields) -> Result<standing::Standing, AppError>
        + Send
        + 'static,
) -> Result<HttpResponse, PageError> {
    check_csrf(&req, &form.get("csrf"))?;
    let ctx = auth.ctx.clone();
    let typed = form.clone();
    match state.db(move |c| f(c, &ctx, &typed)).await {
        Ok(_) => {
            state.mail_wake.notify_one();
            Ok(redirect(&format!("/staff/organisations/{id}?done={done}")))
        }
        Err(e) if matches!(e.status.as_u16(), 409 | 422) => {
            let shown = Shown { form: which, f: form, errors: field_errors(&e), flash: None };
            page(&req, &state, &auth, id, shown).await
        }
        Err(e) => Err(e.into()),
    }
}

fn opt(f: &Fields, k: &str) -> Option<String> {
    Some(f.get(k)).filter(|v| !v.trim().is_empty())
}

pub async fn record(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    act(req, state, auth, (id, form.into_inner()), ("standing", "standing"), move |c, ctx, f| {
        let year = f.get("year").trim().parse().ok();
        let input = StandingInput {
            kind: f.get("kind"),
            year,
            result: f.get("result"),
            since: opt(f, "since"),
            until: opt(f, "until"),
            note: f.get("note"),
        };
        standing::record(c, ctx, id, &input)
    })
    .await
}

pub async fn debar(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    act(req, state, auth, (id, form.into_inner()), ("debar", "debarred"), move |c, ctx, f| {
        standing::debar(c, ctx, id, &DebarInput { until: opt(f, "until"), reason: f.get("reason") })
    })
    .await
}

pub async fn suspend(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    act(req, state, auth, (id, form.into_inner()), ("suspend", "suspended"), move |c, ctx, f| {
        standing::suspend(c, ctx, id, &ReasonInput { reason: f.get("reason") })
    })
    .await
}

pub async fn restore(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    act(req, state, auth, (id, form.into_inner()), ("restore", "restored"), move |c, ctx, f| {
        standing::restore(c, ctx, id, &ReasonInput { reason: f.get("reason") })
    })
    .await
}

//! 单位资料: the documents an organisation keeps in its profile, with what expires soon, the
//! upload form and removal. Staff read the same list on the organisation's page.

use super::fields::Fields;
use super::{check_csrf, field_errors, redirect, render_status, FieldMarks, Layout, PageError};
use crate::domain::account::Role;
use crate::domain::org_documents::COMMON;
use crate::error::{AppError, FieldError};
use crate::service::org_documents::{self, OrgDocumentView};
use crate::web::auth::Auth;
use crate::web::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

#[derive(Template)]
#[template(path = "org_documents.html")]
struct DocsPage<'a> {
    l: &'a Layout,
    docs: Vec<OrgDocumentView>,
    types: &'static [(&'static str, &'static str)],
    upload_mb: usize,
    /// The type and date typed before a refusal.
    f: Fields,
    errors: Vec<FieldError>,
    flash: Option<&'static str>,
    can_delete: bool,
}

impl FieldMarks for DocsPage<'_> {
    fn field_errors(&self) -> &[FieldError] {
        &self.errors
    }
}

#[derive(serde::Deserialize)]
pub struct Done {
    done: Option<String>,
}

fn own_org(auth: &Auth) -> Result<i64, PageError> {
    let a = auth.ctx.require(&[Role::Org])?;
    Ok(a.organisation_id.ok_or_else(|| AppError::internal("org user without organisation"))?)
}

async fn page(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    auth: &Auth,
    f: Fields,
    errors: Vec<FieldError>,
    flash: Option<&'static str>,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let org = own_org(auth)?;
    let ctx = auth.ctx.clone();
    let docs = state.db(move |c| org_documents::list(c, &ctx, org)).await?;
    let l = Layout::new(req, state, auth);
    let p = DocsPage {
        l: &l,
        docs,
        types: &COMMON,
        upload_mb: state.config.upload_limit / (1024 * 1024),
        f,
        errors,
        flash,
        can_delete: true,
    };
    render_status(&l, &p, status)
}

pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    q: web::Query<Done>,
) -> Result<HttpResponse, PageError> {
    let flash = match q.done.as_deref() {
        Some("uploaded") => Some("已保存到单位资料，有效期内的申报都会用到它。"),
        Some("deleted") => Some("已删除。"),
        _ => None,
    };
    page(&req, &state, &auth, Fields::default(), Vec::new(), flash, StatusCode::OK).await
}

/// The upload form: multipart, so the CSRF token is read from the parts.
pub async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    payload: web::Payload,
) -> Result<HttpResponse, PageError> {
    let org = own_org(&auth)?;
    let parts = crate::web::upload::read(&req, payload, state.config.upload_limit).await?;
    check_csrf(&req, parts.csrf())?;
    let mut typed = Fields::default();
    for k in ["type", "valid_until"] {
        typed.set(k, parts.fields.get(k).cloned().unwrap_or_default());
    }
    let stored = match parts.into_org_upload() {
        Err(_) => Err(AppError::invalid_field("file", "required", "请选择文件")),
        Ok(up) => {
            let (ctx, dir) = (auth.ctx.clone(), state.config.data_dir.clone());
            state.db(move |c| org_documents::add(c, &ctx, &dir, org, &up)).await
        }
    };
    match stored {
        Ok(_) => Ok(redirect("/organisation/documents?done=uploaded")),
        Err(e) if matches!(e.status.as_u16(), 409 | 415 | 422) => {
            page(&req, &state, &auth, typed, field_errors(&e), None, e.status).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    check_csrf(&req, &form.get("csrf"))?;
    let org = own_org(&auth)?;
    let (ctx, id) = (auth.ctx.clone(), id.into_inner());
    state.db(move |c| org_documents::remove(c, &ctx, org, id)).await?;
    Ok(redirect("/organisation/documents?done=deleted"))
}

use super::login::CsrfOnly;
use super::{check_csrf, redirect, render, Layout, PageError};
use crate::domain::account::Role;
use crate::service::organisations::{self, OrgView};
use crate::web::auth::Auth;
use crate::web::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "staff_organisations.html")]
struct OrgQueue<'a> {
    l: &'a Layout,
    orgs: Vec<OrgView>,
    status: String,
    tabs: Vec<(&'static str, &'static str)>,
    flash: Option<&'static str>,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct QueueQuery {
    status: Option<String>,
    done: Option<String>,
}

pub async fn organisations(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    q: web::Query<QueueQuery>,
) -> Result<HttpResponse, PageError> {
    auth.ctx.require(&[Role::Staff])?;
    let status = match q.status.as_deref() {
        Some(s @ ("pending" | "verified" | "rejected")) => s.to_string(),
        _ => "pending".to_string(),
    };
    let ctx = auth.ctx.clone();
    let st = status.clone();
    let orgs = state.db(move |c| organisations::list(c, &ctx, Some(&st), 0, Some(100))).await?;
    let flash = match q.done.as_deref() {
        Some("verified") => Some("已认证通过，并已邮件通知该组织。"),
        Some("rejected") => Some("已驳回，并已邮件通知该组织。"),
        _ => None,
    };
    let l = Layout::new(&req, &state, &auth);
    let tabs = vec![("pending", "待审核"), ("verified", "已认证"), ("rejected", "未通过")];
    render(&l, &OrgQueue { l: &l, orgs, status, tabs, flash, error: None })
}

pub async fn verify(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    check_csrf(&req, &form.csrf)?;
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    state.db(move |c| organisations::verify(c, &ctx, id)).await?;
    state.mail_wake.notify_one();
    Ok(redirect("/staff/organisations?done=verified"))
}

#[derive(Deserialize)]
pub struct RejectForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

pub async fn reject(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<RejectForm>,
) -> Result<HttpResponse, PageError> {
    check_csrf(&req, &form.csrf)?;
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    let reason = form.into_inner().reason;
    match state.db(move |c| organisations::reject(c, &ctx, id, Some(&reason))).await {
        Ok(_) => {
            state.mail_wake.notify_one();
            Ok(redirect("/staff/organisations?done=rejected"))
        }
        Err(e) if e.status.as_u16() == 422 => {
            let ctx = auth.ctx.clone();
            let orgs = state.db(move |c| organisations::list(c, &ctx, Some("pending"), 0, Some(100))).await?;
            let l = Layout::new(&req, &state, &auth);
            let tabs = vec![("pending", "待审核"), ("verified", "已认证"), ("rejected", "未通过")];
            let error = Some(format!("未能驳回：{}", e.message));
            super::render_status(
                &l,
                &OrgQueue { l: &l, orgs, status: "pending".into(), tabs, flash: None, error },
                e.status,
            )
        }
        Err(e) => Err(e.into()),
    }
}

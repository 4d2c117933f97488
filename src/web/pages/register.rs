use super::{check_csrf, field_errors, render, render_status, FieldMarks, Layout, MessagePage, PageError};
use crate::domain::account::OrgType;
use crate::error::FieldError;
use crate::service::organisations::{self, RegisterInput};
use crate::web::auth::Auth;
use crate::web::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use serde::Deserialize;

pub struct RegionOption {
    pub code: String,
    pub label: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct RegisterForm {
    csrf: String,
    uscc: String,
    name: String,
    org_type: String,
    registered_on: String,
    region_code: String,
    contact_name: String,
    contact_phone: String,
    email: String,
    login: String,
    password: String,
}

#[derive(Template)]
#[template(path = "register.html")]
struct RegisterPage<'a> {
    l: &'a Layout,
    f: RegisterForm,
    errors: Vec<FieldError>,
    org_types: Vec<(&'static str, &'static str)>,
    regions: Vec<RegionOption>,
}

/// Towns with their villages indented beneath them, in code order.
async fn region_options(state: &AppState) -> Result<Vec<RegionOption>, PageError> {
    let rows = state.db(crate::service::regions::all).await?;
    Ok(rows
        .into_iter()
        .filter(|r| r.level != "district")
        .map(|r| RegionOption {
            label: if r.level == "village" { format!("　└ {}", r.name) } else { r.name },
            code: r.code,
        })
        .collect())
}

fn org_types() -> Vec<(&'static str, &'static str)> {
    [OrgType::SocialService, OrgType::SocialGroup, OrgType::Foundation]
        .into_iter()
        .map(|t| (t.as_str(), t.label()))
        .collect()
}

pub async fn form(req: HttpRequest, state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, PageError> {
    let l = Layout::new(&req, &state, &auth);
    let regions = region_options(&state).await?;
    render(&l, &RegisterPage { l: &l, f: RegisterForm::default(), errors: vec![], org_types: org_types(), regions })
}

pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    form: web::Form<RegisterForm>,
) -> Result<HttpResponse, PageError> {
    check_csrf(&req, &form.csrf)?;
    let f = form.into_inner();
    let input = RegisterInput {
        uscc: f.uscc.clone(),
        name: f.name.clone(),
        org_type: f.org_type.clone(),
        registered_on: f.registered_on.clone(),
        region_code: f.region_code.clone(),
        contact_name: f.contact_name.clone(),
        contact_phone: f.contact_phone.clone(),
        email: f.email.clone(),
        login: f.login.clone(),
        password: f.password.clone(),
        uscc_override_reason: None,
    };
    let st = state.clone();
    let ctx = auth.ctx.clone();
    let l = Layout::new(&req, &state, &auth);
    match state.db(move |c| organisations::register(c, &ctx, &st.hasher, &input, st.config.registrations_per_ip)).await
    {
        Ok(_) => {
            state.mail_wake.notify_one();
            render(
                &l,
                &MessagePage {
                    l: &l,
                    heading: "注册申请已提交",
                    text: "民政部门工作人员将核验贵单位的登记信息，结果会发送到您填写的邮箱。现在即可用刚才设置的用户名和密码登录查看审核状态。",
                    code: None,
                    link: "/login",
                    link_text: "去登录",
                },
            )
        }
        Err(e) if matches!(e.status.as_u16(), 409 | 422) => {
            let regions = region_options(&state).await?;
            let errors = field_errors(&e);
            let f = RegisterForm { password: String::new(), ..f };
            render_status(&l, &RegisterPage { l: &l, f, errors, org_types: org_types(), regions }, e.status)
        }
        Err(e) => Err(e.into()),
    }
}

impl super::FieldMarks for RegisterPage<'_> {
    fn field_errors(&self) -> &[FieldError] {
        &self.errors
    }
}

use super::{render, Layout, PageError};
use crate::db;
use crate::domain::account::Role;
use crate::service::organisations::{self, OrgView};
use crate::web::auth::Auth;
use crate::web::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

#[derive(Template)]
#[template(path = "index.html")]
struct Index<'a> {
    l: &'a Layout,
}

pub async fn index(req: HttpRequest, state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, PageError> {
    let l = Layout::new(&req, &state, &auth);
    render(&l, &Index { l: &l })
}

#[derive(Template)]
#[template(path = "workbench.html")]
struct Workbench<'a> {
    l: &'a Layout,
    org: Option<OrgView>,
    region_name: Option<String>,
    links: Vec<(&'static str, &'static str, &'static str)>,
}

pub async fn workbench(req: HttpRequest, state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, PageError> {
    let actor = auth.ctx.require(&Role::ALL)?.clone();
    let ctx = auth.ctx.clone();
    let (org, region_name) = state
        .db(move |c| {
            let org = match actor.organisation_id {
                Some(id) => Some(organisations::get(c, &ctx, id)?),
                None => None,
            };
            let region = match &actor.region_code {
                Some(code) => db::regions::find(c, code)?.map(|r| r.name),
                None => None,
            };
            Ok((org, region))
        })
        .await?;
    let role = auth.actor().map(|a| a.role).unwrap_or(Role::Org);
    let links = match role {
        Role::Admin => vec![
            ("/admin/users", "用户管理", "新建民政工作人员、财务审核、评审专家账号"),
            ("/admin/outbox", "邮件队列", "查看待发送、已发送和发送失败的邮件"),
        ],
        Role::Staff => vec![("/staff/organisations", "社会组织审核", "核验新注册的社会组织")],
        Role::Finance => vec![("/", "预算审核", "招标截止后在此审核各项目预算")],
        Role::Reviewer => vec![("/", "评审任务", "分配给您的评审任务将在此列出")],
        Role::Org => vec![("/", "项目申报", "招标公告发布后在此申报项目")],
    };
    let l = Layout::new(&req, &state, &auth);
    render(&l, &Workbench { l: &l, org, region_name, links })
}

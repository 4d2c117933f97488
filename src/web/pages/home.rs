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
    calls: &'a [crate::service::calls::CallView],
    has_notices: bool,
}

pub async fn index(req: HttpRequest, state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, PageError> {
    // The public list: published calls only, whoever is looking.
    let ctx = crate::service::Ctx { principal: crate::service::Principal::Anonymous, ..auth.ctx.clone() };
    if auth.actor().is_none() {
        let st: &AppState = &state;
        return super::shared_page(&req, st, &auth, &st.public.home_pages, (), |l| async move {
            let calls = crate::web::public::calls_list(st, ctx, None, Some(20)).await?;
            let has_notices = calls.iter().any(|c| c.notice_id.is_some());
            super::to_html(&Index { l: &l, calls: &calls, has_notices })
        })
        .await;
    }
    let calls = crate::web::public::calls_list(&state, ctx, None, Some(20)).await?;
    let l = Layout::new(&req, &state, &auth);
    let has_notices = calls.iter().any(|c| c.notice_id.is_some());
    render(&l, &Index { l: &l, calls: &calls, has_notices })
}

#[derive(Template)]
#[template(path = "workbench.html")]
struct Workbench<'a> {
    l: &'a Layout,
    bids: Vec<crate::service::bids::BidView>,
    org: Option<OrgView>,
    region_name: Option<String>,
    links: Vec<(&'static str, &'static str, &'static str)>,
    flash: Option<&'static str>,
    work: crate::service::worklist::WorkList,
    today: String,
}

pub async fn workbench(req: HttpRequest, state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, PageError> {
    let actor = auth.ctx.require(&Role::ALL)?.clone();
    let ctx = auth.ctx.clone();
    let (org, region_name, bids, work) = state
        .db(move |c| {
            let (org, bids) = match actor.organisation_id {
                Some(id) => (Some(organisations::get(c, &ctx, id)?), crate::service::bids::mine(c, &ctx)?),
                None => (None, vec![]),
            };
            let region = match &actor.region_code {
                Some(code) => db::regions::find(c, code)?.map(|r| r.name),
                None => None,
            };
            Ok((org, region, bids, crate::service::worklist::worklist(c, &ctx)?))
        })
        .await?;
    let role = auth.actor().map(|a| a.role).unwrap_or(Role::Org);
    let links = match role {
        Role::Admin => vec![
            ("/admin/users", "用户管理", "新建民政工作人员、财务审核、评审专家、第三方评估账号"),
            ("/admin/outbox", "邮件队列", "查看待发送、已发送和发送失败的邮件"),
        ],
        Role::Staff => vec![
            ("/staff/calls", "招标管理", "新建、发布招标公告；截止后资格审查"),
            ("/demands", "群众诉求与选题", "受理村（社区）上报的诉求，形成年度选题"),
            ("/points", "志愿服务积分", "各村（社区）积分申报、公示与积分超市，各镇街推进统计"),
            ("/staff/organisations", "社会组织审核", "核验新注册的社会组织"),
            ("/staff/welfare", "社会公益基金", "管委会、募捐备案、捐赠收据、资助决定与季度信息公开"),
        ],
        Role::Finance => vec![
            ("/staff/calls", "预算审核", "招标截止后审核资格审查通过的项目预算"),
            ("/staff/welfare", "社会公益基金", "登记捐赠并开具收据，按管委会决定拨付资助"),
        ],
        Role::Reviewer => vec![("/review", "评审任务", "确认利益冲突、查看申报材料并评分")],
        Role::Evaluator => vec![("/projects", "评估项目", "查看受托评估的项目，按指标为中期、终期评估打分")],
        Role::Community => vec![
            ("/demands", "群众诉求", "登记收集到的群众诉求，能解决的就地解决，解决不了的上报镇街"),
            ("/points", "志愿服务积分", "活动积分申报、两级审核、每月张榜公示、积分超市兑换"),
        ],
        Role::Org => vec![
            ("/", "招标公告", "查看正在申报的公益创投招标并在线申报"),
            ("/organisation/documents", "单位资料", "登记证书、章程、年报等上传一次，有效期内每个申报自动使用"),
        ],
    };
    let flash = (req.query_string() == "done=password").then_some("新密码已保存，您在其他设备上的登录已退出。");
    let l = Layout::new(&req, &state, &auth);
    let today = crate::clock::local_date(auth.ctx.now).to_string();
    render(&l, &Workbench { l: &l, bids, org, region_name, links, flash, work, today })
}

//! The staff dashboard and the public board, with server-rendered bar charts.

use super::charts::{self, Bar};
use super::{render_status, Layout, PageError};
use crate::service::dashboard::{self, Board, Dashboard};
use crate::web::auth::Auth;
use crate::web::state::AppState;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage<'a> {
    l: &'a Layout,
    d: Dashboard,
    money_chart: String,
    funnel_chart: String,
}

#[derive(serde::Deserialize)]
pub struct YearQuery {
    year: Option<i32>,
}

pub async fn staff(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    q: web::Query<YearQuery>,
) -> Result<HttpResponse, PageError> {
    let ctx = auth.ctx.clone();
    let year = q.year;
    let d = state.db(move |c| dashboard::dashboard(c, &ctx, year)).await?;
    let rows: Vec<Bar> = d
        .pools
        .iter()
        .map(|p| Bar {
            label: format!("{}：{}", p.call_title, p.name),
            segments: vec![
                (p.paid.fen(), charts::PAID),
                (p.reserved.fen() - p.paid.fen(), charts::RESERVED),
                (p.remaining.fen(), charts::REMAINING),
            ],
            caption: format!("预算 {} 元", p.budget.grouped()),
        })
        .collect();
    let money_chart = charts::bars(
        "资金池使用",
        &rows,
        &[("已拨付", charts::PAID), ("已预留", charts::RESERVED), ("未分配", charts::REMAINING)],
    );
    let f = &d.funnel;
    let funnel_chart = charts::bars(
        "申报漏斗",
        &[
            Bar {
                label: "已提交".into(),
                segments: vec![(f.submitted, charts::COUNT)],
                caption: format!("{} 个", f.submitted),
            },
            Bar {
                label: "资格审查通过".into(),
                segments: vec![(f.eligible, charts::COUNT)],
                caption: format!("{} 个", f.eligible),
            },
            Bar {
                label: "获得资助".into(),
                segments: vec![(f.funded, charts::COUNT)],
                caption: format!("{} 个", f.funded),
            },
        ],
        &[],
    );
    let l = Layout::new(&req, &state, &auth);
    render_status(&l, &DashboardPage { l: &l, d, money_chart, funnel_chart }, StatusCode::OK)
}

#[derive(Template)]
#[template(path = "board.html")]
struct BoardPage<'a> {
    l: &'a Layout,
    b: Board,
    chart: String,
}

pub async fn public(req: HttpRequest, state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, PageError> {
    let ctx = state.ctx(crate::service::Principal::Anonymous, None);
    let b = state.db(move |c| dashboard::board(c, &ctx)).await?;
    let rows: Vec<Bar> = b
        .towns
        .iter()
        .map(|t| Bar {
            label: t.name.clone(),
            segments: vec![(t.paid.fen(), charts::PAID), (t.approved.fen() - t.paid.fen(), charts::RESERVED)],
            caption: format!("{} 个项目 · 进度 {}%", t.projects.len(), t.progress_pct),
        })
        .collect();
    let chart = charts::bars("各镇街资助项目", &rows, &[("已拨付", charts::PAID), ("待拨付", charts::RESERVED)]);
    let l = Layout::new(&req, &state, &auth);
    render_status(&l, &BoardPage { l: &l, b, chart }, StatusCode::OK)
}

//! 社会公益基金 pages: the staff list and set-up form, one page per fund for staff and finance
//! (committee, activation, plans, campaigns, donations, grants, disclosures, warnings), and the
//! public fund page with its chart, disclosures and the receipt lookup.

use super::charts;
use super::fields::Fields;
use super::{render_status, Layout, PageError};
use crate::db::DbConn;
use crate::domain::account::Role;
use crate::domain::welfare::{Channel, GrantTarget, MemberRole};
use crate::error::FieldError;
use crate::service::projects::{ProjectFilter, ProjectView};
use crate::service::welfare::{
    self, CampaignInput, CommitteeInput, DisclosureInput, DonationInput, FundInput, FundSummary, FundView, GrantInput,
    MemberInput, PlanInput, PublicFund, PublicFundSummary, ReceiptView, YearView,
};
use crate::service::Ctx;
use crate::web::auth::Auth;
use crate::web::state::AppState;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

/// Rows of the committee form (a committee of up to nine is the usual; more by the API).
const COMMITTEE_ROWS: usize = 9;

#[derive(Template)]
#[template(path = "welfare_list.html")]
struct ListPage<'a> {
    l: &'a Layout,
    funds: Vec<FundSummary>,
    regions: Vec<(String, String)>,
    district: bool,
    errors: Vec<FieldError>,
    form: Fields,
}

async fn list_page(
    req: &HttpRequest,
    state: &AppState,
    auth: &Auth,
    form: Fields,
    errors: Vec<FieldError>,
) -> Result<HttpResponse, PageError> {
    let a = auth.ctx.require(&[Role::Staff, Role::Finance])?.clone();
    let ctx = auth.ctx.clone();
    let funds = state.db(move |c| welfare::list(c, &ctx)).await?;
    let regions = state
        .db(crate::service::regions::all)
        .await?
        .into_iter()
        .filter(|r| r.level != "village")
        .map(|r| (r.code, r.name))
        .collect();
    let district = a.role == Role::Staff && a.region_code.is_none();
    let l = Layout::new(req, state, auth);
    let status = super::status_for(&errors);
    render_status(&l, &ListPage { l: &l, funds, regions, district, errors, form }, status)
}

/// `/staff/welfare`: the funds this user may see and, for district staff, the set-up form.
pub async fn list(req: HttpRequest, state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, PageError> {
    list_page(&req, &state, &auth, Fields::default(), Vec::new()).await
}

pub async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let form = form.into_inner();
    let input = FundInput {
        name: form.get("name"),
        region_code: form.get("region_code"),
        host_name: form.get("host_name"),
        host_uscc: form.get("host_uscc"),
        host_certificate_no: form.opt("host_certificate_no"),
        host_certificate_until: form.opt("host_certificate_until"),
        purpose: form.get("purpose"),
        receipt_prefix: form.opt("receipt_prefix"),
    };
    let f = move |c: &mut DbConn, ctx: &Ctx| welfare::create(c, ctx, &input);
    let shown = form.clone();
    super::act_shown(
        &req,
        &state,
        &auth,
        &form,
        |v: &FundView| format!("/staff/welfare/{}?done=created", v.id),
        f,
        |e| list_page(&req, &state, &auth, shown, e),
    )
    .await
}

#[derive(Template)]
#[template(path = "welfare_fund.html")]
struct FundPage<'a> {
    l: &'a Layout,
    f: FundView,
    chart: String,
    /// The committee form's rows: (name, role), the current committee padded with empty rows.
    members: Vec<(String, String)>,
    roles: Vec<(&'static str, &'static str)>,
    channels: Vec<(&'static str, &'static str)>,
    targets: Vec<(&'static str, &'static str)>,
    projects: Vec<ProjectView>,
    keeper: bool,
    today: String,
    year: i32,
    flash: Option<String>,
    errors: Vec<FieldError>,
    form: Fields,
}

#[derive(serde::Deserialize)]
pub struct FundQuery {
    done: Option<String>,
    receipt: Option<String>,
}

fn flash_of(done: Option<&str>, receipt: Option<&str>) -> Option<String> {
    Some(
        match done? {
            "created" => "基金已设立（筹备中）。请组建管理委员会后启用。",
            "committee" => "管理委员会名单已保存。",
            "activated" => "基金已启用，可以接受捐赠。",
            "plan" => "年度募集计划已保存。",
            "campaign" => "募捐活动已登记。",
            "donation" => return Some(format!("捐赠已登记，收据编号 {}。", receipt.unwrap_or(""))),
            "grant" => "基金使用已登记。",
            "disclosed" => "信息公开已发布，可在下方下载 PDF。",
            _ => return None,
        }
        .to_string(),
    )
}

fn year_chart(years: &[YearView]) -> String {
    let rows: Vec<charts::Bar> = years
        .iter()
        .flat_map(|y| {
            [
                charts::Bar {
                    label: format!("{} 年目标", y.year),
                    segments: vec![(y.target.map_or(0, |t| t.fen()), charts::RESERVED)],
                    caption: y.target.map_or("未定计划".into(), |t| format!("{} 元", t.grouped())),
                },
                charts::Bar {
                    label: format!("{} 年已筹", y.year),
                    segments: vec![(y.raised.fen(), charts::PAID)],
                    caption: format!("{} 元", y.raised.grouped()),
                },
            ]
        })
        .collect();
    charts::bars("各年度募集目标与已筹金额", &rows, &[("募集目标", charts::RESERVED), ("已筹", charts::PAID)])
}

async fn fund_page(
    req: &HttpRequest,
    state: &AppState,
    auth: &Auth,
    id: i64,
    flash: Option<String>,
    form: Fields,
    errors: Vec<FieldError>,
) -> Result<HttpResponse, PageError> {
    let a = auth.ctx.require(&[Role::Staff, Role::Finance])?.clone();
    let ctx = auth.ctx.clone();
    let (f, projects) = state
        .db(move |c| {
            let f = welfare::get(c, &ctx, id)?;
            let filter = ProjectFilter { status: Some("active".into()), ..Default::default() };
            let projects = crate::service::projects::list(c, &ctx, &filter)?;
            Ok((f, projects))
        })
        .await?;
    let mut members: Vec<(String, String)> = f.committee.iter().map(|m| (m.name.clone(), m.role.clone())).collect();
    while members.len() < COMMITTEE_ROWS {
        members.push((String::new(), String::new()));
    }
    let today = crate::clock::local_date(auth.ctx.now);
    let chart = year_chart(&f.years);
    let l = Layout::new(req, state, auth);
    let status = super::status_for(&errors);
    use chrono::Datelike;
    let page = FundPage {
        l: &l,
        chart,
        members,
        roles: MemberRole::ALL.iter().map(|r| (r.as_str(), r.label())).collect(),
        channels: Channel::ALL.iter().map(|c| (c.as_str(), c.label())).collect(),
        targets: GrantTarget::ALL.iter().map(|t| (t.as_str(), t.label())).collect(),
        projects,
        keeper: a.role == Role::Staff,
        today: today.to_string(),
        year: today.year(),
        f,
        flash,
        errors,
        form,
    };
    render_status(&l, &page, status)
}

/// `/staff/welfare/{id}`: one fund for staff and finance.
pub async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    q: web::Query<FundQuery>,
) -> Result<HttpResponse, PageError> {
    let flash = flash_of(q.done.as_deref(), q.receipt.as_deref());
    fund_page(&req, &state, &auth, id.into_inner(), flash, Fields::default(), Vec::new()).await
}

/// Runs one of the fund page's forms: back to the page with a flash, or the page again with the
/// form's errors.
async fn fund_act<T, F>(
    req: &HttpRequest,
    state: &AppState,
    auth: &Auth,
    id: i64,
    form: Fields,
    to: impl FnOnce(&T) -> String,
    f: F,
) -> Result<HttpResponse, PageError>
where
    T: Send + 'static,
    F: FnOnce(&mut DbConn, &Ctx) -> crate::error::AppResult<T> + Send + 'static,
{
    let shown = form.clone();
    super::act_shown(req, state, auth, &form, to, f, |errors| fund_page(req, state, auth, id, None, shown, errors))
        .await
}

fn back(id: i64, done: &str) -> String {
    format!("/staff/welfare/{id}?done={done}")
}

pub async fn put_committee(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let (id, form) = (id.into_inner(), form.into_inner());
    let names = form.all("member_name");
    let roles = form.all("member_role");
    let members = names
        .into_iter()
        .zip(roles)
        .filter(|(n, _)| !n.trim().is_empty())
        .map(|(name, role)| MemberInput { name, role })
        .collect();
    let input = CommitteeInput { members };
    fund_act(
        &req,
        &state,
        &auth,
        id,
        form,
        |_| back(id, "committee"),
        move |c, ctx| welfare::put_committee(c, ctx, id, &input),
    )
    .await
}

pub async fn activate(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let (id, form) = (id.into_inner(), form.into_inner());
    fund_act(&req, &state, &auth, id, form, |_| back(id, "activated"), move |c, ctx| welfare::activate(c, ctx, id))
        .await
}

pub async fn put_plan(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let (id, form) = (id.into_inner(), form.into_inner());
    let year: i32 = form.get("year").trim().parse().unwrap_or(0);
    let input = PlanInput {
        target: form.get("target"),
        channels: form
            .get("channels")
            .split([',', '，', '、', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect(),
        note: form.opt("note"),
    };
    fund_act(
        &req,
        &state,
        &auth,
        id,
        form,
        |_| back(id, "plan"),
        move |c, ctx| welfare::put_plan(c, ctx, id, year, &input),
    )
    .await
}

pub async fn add_campaign(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let (id, form) = (id.into_inner(), form.into_inner());
    let input = CampaignInput {
        title: form.get("title"),
        filing_no: form.get("filing_no"),
        filed_on: form.get("filed_on"),
        starts_on: form.get("starts_on"),
        ends_on: form.get("ends_on"),
        target: form.get("campaign_target"),
    };
    fund_act(
        &req,
        &state,
        &auth,
        id,
        form,
        |_| back(id, "campaign"),
        move |c, ctx| welfare::add_campaign(c, ctx, id, &input),
    )
    .await
}

pub async fn donate(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let (id, form) = (id.into_inner(), form.into_inner());
    let input = DonationInput {
        campaign_id: form.opt("campaign_id").and_then(|s| s.trim().parse().ok()),
        donor_name: form.get("donor_name"),
        donor_kind: form.get("donor_kind"),
        anonymous: form.has("anonymous", "1"),
        amount: form.get("amount"),
        received_on: form.get("received_on"),
        channel: form.get("channel"),
        restricted_to: form.opt("restricted_to"),
        in_kind_items: form.opt("in_kind_items"),
        valuation_basis: form.opt("valuation_basis"),
    };
    fund_act(
        &req,
        &state,
        &auth,
        id,
        form,
        |r: &welfare::DonationReceipt| format!("/staff/welfare/{id}?done=donation&receipt={}", r.receipt_no),
        move |c, ctx| welfare::donate(c, ctx, id, &input),
    )
    .await
}

pub async fn grant(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let (id, form) = (id.into_inner(), form.into_inner());
    let to = form.get("to");
    let input = GrantInput {
        project_id: if to == "project" { form.opt("project_id").and_then(|s| s.trim().parse().ok()) } else { None },
        to,
        amount: form.get("grant_amount"),
        minutes_ref: form.get("minutes_ref"),
        decided_on: form.get("decided_on"),
        restriction: form.opt("restriction"),
        purpose: form.opt("purpose"),
        votes_for: form.opt("votes_for").and_then(|s| s.trim().parse().ok()),
    };
    fund_act(&req, &state, &auth, id, form, |_| back(id, "grant"), move |c, ctx| welfare::grant(c, ctx, id, &input))
        .await
}

pub async fn disclose(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    form: web::Form<Fields>,
) -> Result<HttpResponse, PageError> {
    let (id, form) = (id.into_inner(), form.into_inner());
    let input = DisclosureInput { from: form.get("period_from"), to: form.get("period_to") };
    let docs = state.doc_settings();
    fund_act(
        &req,
        &state,
        &auth,
        id,
        form,
        |_| back(id, "disclosed"),
        move |c, ctx| welfare::disclose(c, ctx, &docs, id, &input).map(|_| ()),
    )
    .await
}

// ---------------------------------------------------------------- public

#[derive(Template)]
#[template(path = "welfare_public_list.html")]
struct PublicListPage<'a> {
    l: &'a Layout,
    funds: Vec<PublicFundSummary>,
}

/// `/welfare`: the active funds, for anyone.
pub async fn public_list(req: HttpRequest, state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, PageError> {
    let funds = state.db(welfare::public_list).await?;
    let l = Layout::new(&req, &state, &auth);
    render_status(&l, &PublicListPage { l: &l, funds }, actix_web::http::StatusCode::OK)
}

#[derive(Template)]
#[template(path = "welfare_public.html")]
struct PublicPage<'a> {
    l: &'a Layout,
    f: PublicFund,
    chart: String,
    receipt_no: String,
    receipt: Option<ReceiptView>,
    not_found: bool,
}

#[derive(serde::Deserialize)]
pub struct ReceiptQuery {
    receipt: Option<String>,
}

/// `/welfare/{id}`: a fund in public, with the lookup of a gift by its receipt number.
pub async fn public(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    q: web::Query<ReceiptQuery>,
) -> Result<HttpResponse, PageError> {
    let id = id.into_inner();
    let receipt_no = q.receipt.clone().unwrap_or_default().trim().to_string();
    let no = receipt_no.clone();
    let (f, receipt) = state
        .db(move |c| {
            let f = welfare::public(c, id)?;
            // An unknown number is said on the page; anything else is an error like any other.
            let r = if no.is_empty() {
                None
            } else {
                match welfare::receipt(c, id, &no) {
                    Ok(r) => Some(r),
                    Err(e) if e.status == actix_web::http::StatusCode::NOT_FOUND => None,
                    Err(e) => return Err(e),
                }
            };
            Ok((f, r))
        })
        .await?;
    let chart = year_chart(&f.years);
    let not_found = !receipt_no.is_empty() && receipt.is_none();
    let l = Layout::new(&req, &state, &auth);
    render_status(&l, &PublicPage { l: &l, f, chart, receipt_no, receipt, not_found }, actix_web::http::StatusCode::OK)
}

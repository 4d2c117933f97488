//! The social-welfare fund (社会公益基金): the fund and its committee, plans, campaigns,
//! donations, grants and disclosures for staff and finance; the public fund page, the disclosure
//! PDFs and the receipt lookup for anyone.

use crate::error::{AppError, ErrorBody};
use crate::service::welfare::{
    self, CampaignInput, CampaignView, CommitteeInput, DisclosureInput, DonationInput, DonationReceipt, FundInput,
    FundSummary, FundView, GrantInput, GrantView, PlanInput, PublicFund, PublicFundSummary, ReceiptView,
};
use crate::web::api::ApiJson;
use crate::web::auth::Auth;
use crate::web::state::AppState;
use actix_web::{web, HttpResponse};

macro_rules! call {
    ($state:expr, $auth:expr, $status:ident, |$c:ident, $ctx:ident| $body:expr) => {{
        let $ctx = $auth.ctx.clone();
        Ok(HttpResponse::$status().json($state.db(move |$c| $body).await?))
    }};
}

/// Set up a fund inside its host charity (district staff; a missing or expired certificate: 422).
#[utoipa::path(post, path = "/api/v1/welfare-funds", tag = "welfare", request_body = FundInput,
    responses((status = 201, body = FundView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    state: web::Data<AppState>,
    auth: Auth,
    body: ApiJson<FundInput>,
) -> Result<HttpResponse, AppError> {
    call!(state, auth, Created, |c, ctx| welfare::create(c, &ctx, &body.0))
}

/// The funds staff (their town's) and finance may see.
#[utoipa::path(get, path = "/api/v1/welfare-funds", tag = "welfare",
    responses((status = 200, body = [FundSummary]), (status = 403, body = ErrorBody)))]
pub async fn list(state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, AppError> {
    call!(state, auth, Ok, |c, ctx| welfare::list(c, &ctx))
}

/// One fund: committee, plans, campaigns, pots, donations, grants, disclosures and warnings.
#[utoipa::path(get, path = "/api/v1/welfare-funds/{id}", tag = "welfare", params(("id" = i64, Path)),
    responses((status = 200, body = FundView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(state: web::Data<AppState>, auth: Auth, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    call!(state, auth, Ok, |c, ctx| welfare::get(c, &ctx, id))
}

/// Replace the committee (an active fund's must stay valid: 409 `committee_invalid`).
#[utoipa::path(put, path = "/api/v1/welfare-funds/{id}/committee", tag = "welfare", params(("id" = i64, Path)),
    request_body = CommitteeInput,
    responses((status = 200, body = FundView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn put_committee(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<CommitteeInput>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    call!(state, auth, Ok, |c, ctx| welfare::put_committee(c, &ctx, id, &body.0))
}

/// Activate the fund: 409 `committee_invalid` unless ≥ 5 voting members, odd, and a supervisor.
#[utoipa::path(post, path = "/api/v1/welfare-funds/{id}/activate", tag = "welfare", params(("id" = i64, Path)),
    responses((status = 200, body = FundView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn activate(state: web::Data<AppState>, auth: Auth, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    call!(state, auth, Ok, |c, ctx| welfare::activate(c, &ctx, id))
}

/// The year's fundraising plan: target, channels, note.
#[utoipa::path(put, path = "/api/v1/welfare-funds/{id}/plans/{year}", tag = "welfare",
    params(("id" = i64, Path), ("year" = i32, Path)), request_body = PlanInput,
    responses((status = 200, body = FundView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_plan(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(i64, i32)>,
    body: ApiJson<PlanInput>,
) -> Result<HttpResponse, AppError> {
    let (id, year) = path.into_inner();
    call!(state, auth, Ok, |c, ctx| welfare::put_plan(c, &ctx, id, year, &body.0))
}

/// A filed fundraising campaign (starting earlier than filing + 10 days: 422 `filing_lead_time`).
#[utoipa::path(post, path = "/api/v1/welfare-funds/{id}/campaigns", tag = "welfare", params(("id" = i64, Path)),
    request_body = CampaignInput,
    responses((status = 201, body = CampaignView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_campaign(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<CampaignInput>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    call!(state, auth, Created, |c, ctx| welfare::add_campaign(c, &ctx, id, &body.0))
}

/// Record a donation (staff or finance; an active fund only): 201 with its gap-free receipt number.
#[utoipa::path(post, path = "/api/v1/welfare-funds/{id}/donations", tag = "welfare", params(("id" = i64, Path)),
    request_body = DonationInput,
    responses((status = 201, body = DonationReceipt), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn donate(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<DonationInput>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    call!(state, auth, Created, |c, ctx| welfare::donate(c, &ctx, id, &body.0))
}

/// Record a committee-decided grant to a project (its 配套资金), the points store or emergency aid;
/// never above the pot it draws on (409 `insufficient_balance`).
#[utoipa::path(post, path = "/api/v1/welfare-funds/{id}/grants", tag = "welfare", params(("id" = i64, Path)),
    request_body = GrantInput,
    responses((status = 201, body = GrantView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn grant(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<GrantInput>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    call!(state, auth, Created, |c, ctx| welfare::grant(c, &ctx, id, &body.0))
}

/// Publish a disclosure of a period: 201 with the PDF (its SHA-256 in `x-document-sha256`,
/// verifiable at `GET /api/v1/documents/verify`).
#[utoipa::path(post, path = "/api/v1/welfare-funds/{id}/disclosures", tag = "welfare", params(("id" = i64, Path)),
    request_body = DisclosureInput,
    responses((status = 201, content_type = "application/pdf"), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn disclose(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<DisclosureInput>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let ctx = auth.ctx.clone();
    let docs = state.doc_settings();
    let (v, pdf) = state.db(move |c| welfare::disclose(c, &ctx, &docs, id, &body.0)).await?;
    Ok(HttpResponse::Created()
        .content_type("application/pdf")
        .insert_header(("location", v.url.clone()))
        .insert_header(("x-document-sha256", v.sha256.clone()))
        .insert_header(("content-disposition", format!("inline; filename=\"welfare-{id}-{}-{}.pdf\"", v.from, v.to)))
        .body(pdf))
}

/// Active funds, for anyone.
#[utoipa::path(get, path = "/api/v1/public/welfare-funds", tag = "welfare",
    responses((status = 200, body = [PublicFundSummary])))]
pub async fn public_list(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok().json(state.db(welfare::public_list).await?))
}

/// A fund in public: target and raised per year, donations (masked), grants, disclosures.
#[utoipa::path(get, path = "/api/v1/public/welfare-funds/{id}", tag = "welfare", params(("id" = i64, Path)),
    responses((status = 200, body = PublicFund), (status = 404, body = ErrorBody)))]
pub async fn public(state: web::Data<AppState>, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    Ok(HttpResponse::Ok().json(state.db(move |c| welfare::public(c, id)).await?))
}

/// A donor's gift by its receipt number.
#[utoipa::path(get, path = "/api/v1/public/welfare-funds/{id}/receipts/{receipt_no}", tag = "welfare",
    params(("id" = i64, Path), ("receipt_no" = String, Path)),
    responses((status = 200, body = ReceiptView), (status = 404, body = ErrorBody)))]
pub async fn receipt(state: web::Data<AppState>, path: web::Path<(i64, String)>) -> Result<HttpResponse, AppError> {
    let (id, no) = path.into_inner();
    Ok(HttpResponse::Ok().json(state.db(move |c| welfare::receipt(c, id, &no)).await?))
}

/// A disclosure's PDF, for anyone.
#[utoipa::path(get, path = "/api/v1/public/welfare-funds/{id}/disclosures/{disclosure}.pdf", tag = "welfare",
    params(("id" = i64, Path), ("disclosure" = i64, Path)),
    responses((status = 200, content_type = "application/pdf"), (status = 404, body = ErrorBody)))]
pub async fn disclosure_pdf(state: web::Data<AppState>, path: web::Path<(i64, i64)>) -> Result<HttpResponse, AppError> {
    let (id, did) = path.into_inner();
    let docs = state.doc_settings();
    let (name, pdf) = state.db(move |c| welfare::disclosure_pdf(c, &docs, id, did)).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header(("content-disposition", format!("inline; filename=\"{name}\"")))
        .body(pdf))
}

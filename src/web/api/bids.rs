use crate::error::{AppError, ErrorBody};
use crate::service::bids::{self, BidInput, BidView, FinanceInput, ScreeningInput};
use crate::web::api::ApiJson;
use crate::web::auth::Auth;
use crate::web::state::AppState;
use actix_web::{web, HttpResponse};

/// One bid: its organisation; staff (their town's) and finance after `closes_at`, audited.
#[utoipa::path(get, path = "/api/v1/bids/{id}", tag = "bids", params(("id" = i64, Path)),
    responses((status = 200, body = BidView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn get(state: web::Data<AppState>, auth: Auth, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    Ok(HttpResponse::Ok().json(state.db(move |c| bids::get(c, &ctx, id)).await?))
}

/// The 申报书 as a PDF: the reference on every page, the sections, outputs, budget and the
/// signature and stamp boxes (the bid's readers: its organisation, staff and finance after the
/// deadline, its reviewers).
#[utoipa::path(get, path = "/api/v1/bids/{id}/dossier.pdf", tag = "bids", params(("id" = i64, Path)),
    responses((status = 200, description = "application/pdf"), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn dossier_pdf(state: web::Data<AppState>, auth: Auth, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    let (reference, bytes) = state.db(move |c| bids::dossier::pdf(c, &ctx, id)).await?;
    let name: String = reference.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((
            "Content-Disposition",
            format!("inline; filename=\"dossier-{id}{}{name}.pdf\"", if name.is_empty() { "" } else { "-" }),
        ))
        .insert_header(("Cache-Control", "private, no-store"))
        .body(bytes))
}

/// Edit a draft (or, during 限期补正, the reopened sections).
#[utoipa::path(put, path = "/api/v1/bids/{id}", tag = "bids", params(("id" = i64, Path)), request_body = BidInput,
    responses((status = 200, body = BidView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn update(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<BidInput>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    Ok(HttpResponse::Ok().json(state.db(move |c| bids::update(c, &ctx, id, &body.0)).await?))
}

/// Submit between `opens_at` and `closes_at` (verified organisations): every rule checked, a
/// reference number given, a receipt emailed.
#[utoipa::path(post, path = "/api/v1/bids/{id}/submit", tag = "bids", params(("id" = i64, Path)),
    responses((status = 200, body = BidView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn submit(state: web::Data<AppState>, auth: Auth, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    let v = state.db(move |c| bids::submit(c, &ctx, id)).await?;
    state.mail_wake.notify_one();
    Ok(HttpResponse::Ok().json(v))
}

/// Withdraw a draft or submitted bid before `closes_at`.
#[utoipa::path(post, path = "/api/v1/bids/{id}/withdraw", tag = "bids", params(("id" = i64, Path)),
    responses((status = 200, body = BidView), (status = 409, body = ErrorBody)))]
pub async fn withdraw(state: web::Data<AppState>, auth: Auth, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    let v = state.db(move |c| bids::withdraw(c, &ctx, id)).await?;
    state.mail_wake.notify_one();
    Ok(HttpResponse::Ok().json(v))
}

/// Eligibility screening after `closes_at` (staff; town staff their town's pool).
#[utoipa::path(post, path = "/api/v1/bids/{id}/screening", tag = "bids", params(("id" = i64, Path)), request_body = ScreeningInput,
    responses((status = 200, body = BidView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn screening(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<ScreeningInput>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    let v = state.db(move |c| bids::screen(c, &ctx, id, &body.0)).await?;
    state.mail_wake.notify_one();
    Ok(HttpResponse::Ok().json(v))
}

/// Budget check of an eligible bid (finance): approve up to the requested amount and the max grant.
#[utoipa::path(post, path = "/api/v1/bids/{id}/finance", tag = "bids", params(("id" = i64, Path)), request_body = FinanceInput,
    responses((status = 200, body = BidView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn finance(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<FinanceInput>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    Ok(HttpResponse::Ok().json(state.db(move |c| bids::finance(c, &ctx, id, &body.0)).await?))
}

/// An organisation's own bids across calls.
#[utoipa::path(get, path = "/api/v1/me/bids", tag = "bids", responses((status = 200, body = [BidView]), (status = 403, body = ErrorBody)))]
pub async fn mine(state: web::Data<AppState>, auth: Auth) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    Ok(HttpResponse::Ok().json(state.db(move |c| bids::mine(c, &ctx)).await?))
}

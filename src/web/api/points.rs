//! Volunteer points (积分制): participants, catalogues, claims and reviews, postings and
//! objections, the 积分超市 and exchanges, statistics, and the public monthly board.

use crate::error::{AppError, ErrorBody};
use crate::service::points::{
    self, ActivityInput, Board, CatalogueInput, CatalogueMonth, CatalogueView, ClaimInput, ClaimView, ExchangeInput,
    ExchangeView, ObjectionDecision, ObjectionInput, ObjectionView, ParticipantDetail, ParticipantInput,
    ParticipantView, PostingInput, PostingView, ReviewInput, SettingsInput, SettingsView, StoreItemInput,
    StoreItemView, TownStats,
};
use crate::web::api::ApiJson;
use crate::web::auth::Auth;
use crate::web::state::AppState;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

#[derive(Deserialize, utoipa::IntoParams)]
pub struct VillageQuery {
    /// The village (12 digits); a village worker's own when left out.
    pub region_code: Option<String>,
    /// Claims only: filed · checked · approved · rejected · posted · reversed
    pub status: Option<String>,
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct YearQuery {
    /// This year when left out.
    pub year: Option<i32>,
}

macro_rules! call {
    ($state:expr, $auth:expr, $status:ident, |$c:ident, $ctx:ident| $body:expr) => {{
        let $ctx = $auth.ctx.clone();
        Ok(HttpResponse::$status().json($state.db(move |$c| $body).await?))
    }};
}

/// Add a participant (a person or a household) to a village.
#[utoipa::path(post, path = "/api/v1/points/participants", tag = "points", request_body = ParticipantInput,
    responses((status = 201, body = ParticipantView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn add_participant(
    state: web::Data<AppState>,
    auth: Auth,
    body: ApiJson<ParticipantInput>,
) -> Result<HttpResponse, AppError> {
    call!(state, auth, Created, |c, ctx| points::add_participant(c, &ctx, &body.0))
}

/// A village's participants with their balances.
#[utoipa::path(get, path = "/api/v1/points/participants", tag = "points", params(VillageQuery),
    responses((status = 200, body = [ParticipantView]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn participants(
    state: web::Data<AppState>,
    auth: Auth,
    q: web::Query<VillageQuery>,
) -> Result<HttpResponse, AppError> {
    call!(state, auth, Ok, |c, ctx| points::participants(c, &ctx, q.region_code.as_deref()))
}

/// One participant: balance, pending points and the ledger.
#[utoipa::path(get, path = "/api/v1/points/participants/{id}", tag = "points", params(("id" = i64, Path)),
    responses((status = 200, body = ParticipantDetail), (status = 404, body = ErrorBody)))]
pub async fn participant(state: web::Data<AppState>, auth: Auth, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    call!(state, auth, Ok, |c, ctx| points::participant(c, &ctx, id))
}

/// A new version of a village's catalogue for a month (until the month begins: 409
/// `catalogue_frozen`; values other than 3/5/10/15/20: 422 `bad_points`).
#[utoipa::path(put, path = "/api/v1/points/catalogues/{village}/{month}", tag = "points",
    params(("village" = String, Path), ("month" = String, Path, description = "YYYY-MM")), request_body = CatalogueInput,
    responses((status = 200, body = CatalogueView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn put_catalogue(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, String)>,
    body: ApiJson<CatalogueInput>,
) -> Result<HttpResponse, AppError> {
    let (village, month) = path.into_inner();
    call!(state, auth, Ok, |c, ctx| points::put_catalogue(c, &ctx, &village, &month, &body.0))
}

/// The catalogue in force in a month, and every version.
#[utoipa::path(get, path = "/api/v1/points/catalogues/{village}/{month}", tag = "points",
    params(("village" = String, Path), ("month" = String, Path)),
    responses((status = 200, body = CatalogueMonth), (status = 404, body = ErrorBody)))]
pub async fn catalogue(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let (village, month) = path.into_inner();
    call!(state, auth, Ok, |c, ctx| points::catalogue(c, &ctx, &village, &month))
}

/// File a claim, valued by the catalogue of the activity's month (late: 422 `claim_late`; over
/// the item's monthly cap: 409 `cap_reached`).
#[utoipa::path(post, path = "/api/v1/points/claims", tag = "points", request_body = ClaimInput,
    responses((status = 201, body = ClaimView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn file_claim(
    state: web::Data<AppState>,
    auth: Auth,
    body: ApiJson<ClaimInput>,
) -> Result<HttpResponse, AppError> {
    call!(state, auth, Created, |c, ctx| points::file_claim(c, &ctx, &body.0))
}

/// One activity, many participants: a claim each, all filed or none.
#[utoipa::path(post, path = "/api/v1/points/activities", tag = "points", request_body = ActivityInput,
    responses((status = 201, body = [ClaimView]), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn file_activity(
    state: web::Data<AppState>,
    auth: Auth,
    body: ApiJson<ActivityInput>,
) -> Result<HttpResponse, AppError> {
    call!(state, auth, Created, |c, ctx| points::file_activity(c, &ctx, &body.0))
}

/// A village's claims, newest first.
#[utoipa::path(get, path = "/api/v1/points/claims", tag = "points", params(VillageQuery),
    responses((status = 200, body = [ClaimView]), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn claims(
    state: web::Data<AppState>,
    auth: Auth,
    q: web::Query<VillageQuery>,
) -> Result<HttpResponse, AppError> {
    call!(state, auth, Ok, |c, ctx| points::claims(c, &ctx, q.region_code.as_deref(), q.status.as_deref()))
}

/// Review a claim: `first`, then `second` by someone else (409 `first_review_pending`,
/// `same_reviewer`, `not_at_step`).
#[utoipa::path(post, path = "/api/v1/points/claims/{id}/review", tag = "points", params(("id" = i64, Path)),
    request_body = ReviewInput,
    responses((status = 200, body = ClaimView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn review(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<ReviewInput>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    call!(state, auth, Ok, |c, ctx| points::review(c, &ctx, id, &body.0))
}

/// Post a village's month: every approved claim, open for objections for three days.
#[utoipa::path(post, path = "/api/v1/points/postings", tag = "points", request_body = PostingInput,
    responses((status = 201, body = PostingView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn post_month(
    state: web::Data<AppState>,
    auth: Auth,
    body: ApiJson<PostingInput>,
) -> Result<HttpResponse, AppError> {
    call!(state, auth, Created, |c, ctx| points::post_month(c, &ctx, &body.0))
}

/// Object to a posting (anyone, while the window is open; limited per address).
#[utoipa::path(post, path = "/api/v1/points/postings/{id}/objections", tag = "points", params(("id" = i64, Path)),
    request_body = ObjectionInput,
    responses((status = 201, body = ObjectionView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn object(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<ObjectionInput>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    call!(state, auth, Created, |c, ctx| points::object(c, &ctx, id, &body.0))
}

/// The objections to a posting.
#[utoipa::path(get, path = "/api/v1/points/postings/{id}/objections", tag = "points", params(("id" = i64, Path)),
    responses((status = 200, body = [ObjectionView]), (status = 404, body = ErrorBody)))]
pub async fn objections(state: web::Data<AppState>, auth: Auth, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    call!(state, auth, Ok, |c, ctx| points::objections(c, &ctx, id))
}

/// Decide an objection; upheld, it reverses the claim it names.
#[utoipa::path(post, path = "/api/v1/points/objections/{id}/decision", tag = "points", params(("id" = i64, Path)),
    request_body = ObjectionDecision,
    responses((status = 200, body = ObjectionView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn decide_objection(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<ObjectionDecision>,
) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    call!(state, auth, Ok, |c, ctx| points::decide_objection(c, &ctx, id, &body.0))
}

/// Add goods to a village's or a town's 积分超市.
#[utoipa::path(post, path = "/api/v1/points/store-items", tag = "points", request_body = StoreItemInput,
    responses((status = 201, body = StoreItemView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_store_item(
    state: web::Data<AppState>,
    auth: Auth,
    body: ApiJson<StoreItemInput>,
) -> Result<HttpResponse, AppError> {
    call!(state, auth, Created, |c, ctx| points::add_store_item(c, &ctx, &body.0))
}

/// The goods a village's participants may take (its store and its town's).
#[utoipa::path(get, path = "/api/v1/points/store-items", tag = "points", params(VillageQuery),
    responses((status = 200, body = [StoreItemView]), (status = 404, body = ErrorBody)))]
pub async fn store_items(
    state: web::Data<AppState>,
    auth: Auth,
    q: web::Query<VillageQuery>,
) -> Result<HttpResponse, AppError> {
    call!(state, auth, Ok, |c, ctx| points::store_items(c, &ctx, q.region_code.as_deref()))
}

/// Exchange points for goods: a unique redemption code; 409 `insufficient_points` or
/// `out_of_stock`, also under concurrent exchanges.
#[utoipa::path(post, path = "/api/v1/points/exchanges", tag = "points", request_body = ExchangeInput,
    responses((status = 201, body = ExchangeView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn exchange(
    state: web::Data<AppState>,
    auth: Auth,
    body: ApiJson<ExchangeInput>,
) -> Result<HttpResponse, AppError> {
    call!(state, auth, Created, |c, ctx| points::exchange(c, &ctx, &body.0))
}

/// Per town: participants, points issued and exchanged in the year (staff in scope).
#[utoipa::path(get, path = "/api/v1/points/stats", tag = "points", params(YearQuery),
    responses((status = 200, body = [TownStats]), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn stats(state: web::Data<AppState>, auth: Auth, q: web::Query<YearQuery>) -> Result<HttpResponse, AppError> {
    let year = q.year;
    call!(state, auth, Ok, |c, ctx| points::stats(
        c,
        &ctx,
        year.unwrap_or_else(|| chrono::Datelike::year(&crate::clock::local_date(ctx.now)))
    ))
}

/// A village's posted month: names masked (张*明), month and total points.
#[utoipa::path(get, path = "/api/v1/public/points/{village}/{month}", tag = "points",
    params(("village" = String, Path), ("month" = String, Path)),
    responses((status = 200, body = Board), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn board(state: web::Data<AppState>, path: web::Path<(String, String)>) -> Result<HttpResponse, AppError> {
    let (village, month) = path.into_inner();
    Ok(HttpResponse::Ok().json(state.db(move |c| points::board(c, &village, &month)).await?))
}

/// The posting sheet for the village's notice board (PDF; names masked as on the board).
#[utoipa::path(get, path = "/api/v1/points/postings/{id}/sheet.pdf", tag = "points", params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/pdf", description = "积分公示表"), (status = 404, body = ErrorBody)))]
pub async fn sheet(state: web::Data<AppState>, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let (name, pdf) = state.db(move |c| points::sheet(c, id)).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header(("content-disposition", format!("inline; filename=\"{name}\"")))
        .body(pdf))
}

/// A village's claim days and objection days (its own, or the defaults of 3 and 3).
#[utoipa::path(get, path = "/api/v1/points/settings/{village}", tag = "points", params(("village" = String, Path)),
    responses((status = 200, body = SettingsView), (status = 404, body = ErrorBody)))]
pub async fn settings(
    state: web::Data<AppState>,
    auth: Auth,
    village: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let village = village.into_inner();
    call!(state, auth, Ok, |c, ctx| points::settings(c, &ctx, &village))
}

/// Set a village's claim days (1–31) and objection days (1–15).
#[utoipa::path(put, path = "/api/v1/points/settings/{village}", tag = "points", params(("village" = String, Path)),
    request_body = SettingsInput,
    responses((status = 200, body = SettingsView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_settings(
    state: web::Data<AppState>,
    auth: Auth,
    village: web::Path<String>,
    body: ApiJson<SettingsInput>,
) -> Result<HttpResponse, AppError> {
    let village = village.into_inner();
    call!(state, auth, Ok, |c, ctx| points::put_settings(c, &ctx, &village, &body.0))
}

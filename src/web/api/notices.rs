use crate::error::{AppError, ErrorBody};
use crate::service::notices::{
    self, AnswerInput, DecideView, FinalizeView, NoticeView, ObjectionInput, ObjectionReceipt, ObjectionView,
};
use crate::web::api::ApiJson;
use crate::web::auth::Auth;
use crate::web::state::AppState;
use actix_web::{web, HttpResponse};

/// Fix the allocation (district staff): reserves every recommended amount in its pool
/// atomically and publishes the results notice.
#[utoipa::path(post, path = "/api/v1/calls/{id}/decide", tag = "notices", params(("id" = i64, Path)),
    responses((status = 200, body = DecideView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn decide(state: web::Data<AppState>, auth: Auth, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    let docs = state.doc_settings();
    Ok(HttpResponse::Ok().json(state.db(move |c| notices::decide(c, &ctx, &docs, id)).await?))
}

/// The results notice (public): rows, the notice period, whether objections are accepted.
#[utoipa::path(get, path = "/api/v1/notices/{id}", tag = "notices", params(("id" = i64, Path)),
    responses((status = 200, body = NoticeView), (status = 404, body = ErrorBody)))]
pub async fn get(state: web::Data<AppState>, auth: Auth, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    let view = crate::web::public::notice(&state, auth.ctx.clone(), id);
    let body = crate::web::memo::json(&state.public.notices_json, id, auth.ctx.now, view).await?;
    Ok(HttpResponse::Ok().content_type("application/json").body(body))
}

/// File an objection (public, no login) while the notice runs; rate-limited per address and
/// per notice (429).
#[utoipa::path(post, path = "/api/v1/notices/{id}/objections", tag = "notices", params(("id" = i64, Path)),
    request_body = ObjectionInput,
    responses((status = 201, body = ObjectionReceipt), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub async fn object(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<ObjectionInput>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    Ok(HttpResponse::Created().json(state.db(move |c| notices::object(c, &ctx, id, &body.0)).await?))
}

/// The objections to a notice, with the objectors' contacts (staff only).
#[utoipa::path(get, path = "/api/v1/notices/{id}/objections", tag = "notices", params(("id" = i64, Path)),
    responses((status = 200, body = [ObjectionView]), (status = 403, body = ErrorBody)))]
pub async fn list_objections(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    Ok(HttpResponse::Ok().json(state.db(move |c| notices::objections(c, &ctx, id)).await?))
}

/// Answer an objection (district staff); upheld cancels the bid's funding unless
/// `cancel_funding` is false, releasing its reservation.
#[utoipa::path(post, path = "/api/v1/objections/{id}/answer", tag = "notices", params(("id" = i64, Path)),
    request_body = AnswerInput,
    responses((status = 200, body = ObjectionView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn answer(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<AnswerInput>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    Ok(HttpResponse::Ok().json(state.db(move |c| notices::answer(c, &ctx, id, &body.0)).await?))
}

/// After the notice period, every objection answered: projects with tranche plans (district staff).
#[utoipa::path(post, path = "/api/v1/calls/{id}/finalize", tag = "notices", params(("id" = i64, Path)),
    responses((status = 200, body = FinalizeView), (status = 409, body = ErrorBody)))]
pub async fn finalize(state: web::Data<AppState>, auth: Auth, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    let docs = state.doc_settings();
    let v = state.db(move |c| notices::finalize(c, &ctx, &docs, id)).await?;
    state.mail_wake.notify_one();
    Ok(HttpResponse::Ok().json(v))
}

/// The notice as the formal PDF, served from the bytes stored at publication.
#[utoipa::path(get, path = "/api/v1/notices/{id}/pdf", tag = "notices", params(("id" = i64, Path)),
    responses((status = 200, description = "application/pdf"), (status = 404, body = ErrorBody)))]
pub async fn pdf(state: web::Data<AppState>, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    super::current_pdf(&state, "notice", id, &format!("notice-{id}.pdf")).await
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
pub struct VerifyQuery {
    /// The SHA-256 of a downloaded file, 64 hex characters.
    pub sha256: String,
}

/// Is this file one we published? 200 with what it is, 404 otherwise.
#[utoipa::path(get, path = "/api/v1/documents/verify", tag = "notices", params(VerifyQuery),
    responses((status = 200, body = crate::service::documents::Verification), (status = 404, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn verify(state: web::Data<AppState>, q: web::Query<VerifyQuery>) -> Result<HttpResponse, AppError> {
    let h = q.into_inner().sha256;
    Ok(HttpResponse::Ok().json(state.db(move |c| crate::service::documents::verify(c, &h)).await?))
}

/// Any published document by its SHA-256, the current version or a superseded one
/// (`X-Document-Current` says which).
#[utoipa::path(get, path = "/api/v1/documents/{sha256}", tag = "notices", params(("sha256" = String, Path)),
    responses((status = 200, content_type = "application/pdf", description = "the document"), (status = 404, body = ErrorBody)))]
pub async fn document(state: web::Data<AppState>, sha256: web::Path<String>) -> Result<HttpResponse, AppError> {
    let h = sha256.into_inner();
    let dir = state.config.data_dir.clone();
    let (d, bytes) = state.db(move |c| crate::service::documents::read_by_hash(c, &dir, &h)).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header(("Content-Disposition", format!("inline; filename=\"{}-{}.pdf\"", d.kind, &d.sha256[..12])))
        .insert_header(("X-Content-SHA256", d.sha256.clone()))
        .insert_header(("X-Document-Current", if d.current { "true" } else { "false" }))
        .insert_header(("Cache-Control", "public, max-age=86400, immutable"))
        .body(bytes))
}

/// Dismiss spam objections of a notice together with one reply (district staff).
#[utoipa::path(post, path = "/api/v1/notices/{id}/objections/dismiss", tag = "notices", params(("id" = i64, Path)),
    request_body = crate::service::notices::DismissInput,
    responses((status = 200, body = crate::service::notices::DismissView), (status = 403, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn dismiss(
    state: web::Data<AppState>,
    auth: crate::web::auth::Auth,
    id: web::Path<i64>,
    body: crate::web::api::ApiJson<crate::service::notices::DismissInput>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    Ok(HttpResponse::Ok().json(state.db(move |c| crate::service::notices::dismiss(c, &ctx, id, &body.0)).await?))
}

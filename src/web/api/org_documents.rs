use crate::error::{AppError, ErrorBody};
use crate::service::org_documents::{self, OrgDocumentView};
use crate::web::auth::Auth;
use crate::web::state::AppState;
use crate::web::upload;
use actix_web::{web, HttpRequest, HttpResponse};

/// Multipart body of a profile document: the file, its `type` (e.g. `charter`, matched against
/// a call's required documents) and `valid_until` (YYYY-MM-DD; empty when it does not expire).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct OrgDocumentForm {
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    #[schema(rename = "type")]
    kind: String,
    valid_until: Option<String>,
}

/// Keep a document in the organisation's profile (its own users): counted by every bid among
/// a call's required documents until `valid_until`. Same content checks and size limit as bid
/// attachments; at most 50 kept.
#[utoipa::path(post, path = "/api/v1/organisations/{id}/documents", tag = "organisations", params(("id" = i64, Path)),
    request_body(content = OrgDocumentForm, content_type = "multipart/form-data"),
    responses((status = 201, body = OrgDocumentView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 413, body = ErrorBody), (status = 415, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn upload(
    req: HttpRequest,
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    auth.ctx.require(&[crate::domain::account::Role::Org])?;
    let parts = upload::read(&req, payload, state.config.upload_limit).await?;
    let up = parts.into_org_upload()?;
    let (ctx, dir, id) = (auth.ctx.clone(), state.config.data_dir.clone(), id.into_inner());
    let v = state.db(move |c| org_documents::add(c, &ctx, &dir, id, &up)).await?;
    Ok(HttpResponse::Created().json(v))
}

/// The profile's documents with their validity today, newest first: the organisation's users,
/// staff (town staff in their town), finance and admins.
#[utoipa::path(get, path = "/api/v1/organisations/{id}/documents", tag = "organisations", params(("id" = i64, Path)),
    responses((status = 200, body = [OrgDocumentView]), (status = 404, body = ErrorBody)))]
pub async fn list(state: web::Data<AppState>, auth: Auth, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let (ctx, id) = (auth.ctx.clone(), id.into_inner());
    let v = state.db(move |c| org_documents::list(c, &ctx, id)).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// Download a profile document: those who may see the organisation and the reviewers of its
/// bids; staff and finance reads are audited.
#[utoipa::path(get, path = "/api/v1/organisations/{id}/documents/{document_id}", tag = "organisations",
    params(("id" = i64, Path), ("document_id" = i64, Path)),
    responses((status = 200, description = "the file"), (status = 404, body = ErrorBody)))]
pub async fn download(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, AppError> {
    let (ctx, (org, id)) = (auth.ctx.clone(), path.into_inner());
    let d = state.db(move |c| org_documents::for_download(c, &ctx, org, id)).await?;
    super::attachments::file(&state, &d.sha256, &d.content_type, &d.original_name).await
}

/// Remove a document from the profile (its organisation): later submissions no longer count it;
/// bids submitted while it was held still show it.
#[utoipa::path(delete, path = "/api/v1/organisations/{id}/documents/{document_id}", tag = "organisations",
    params(("id" = i64, Path), ("document_id" = i64, Path)),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn remove(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, AppError> {
    let (ctx, (org, id)) = (auth.ctx.clone(), path.into_inner());
    state.db(move |c| org_documents::remove(c, &ctx, org, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

//! Third-party evaluators per project and the published evaluation results (评估结果公示).

use crate::error::{AppError, ErrorBody};
use crate::service::evaluation_notices::{self, EvaluationNoticeView, NoticeInput};
use crate::service::projects::evaluators::{self, EvaluatorInput, EvaluatorView};
use crate::web::api::ApiJson;
use crate::web::auth::Auth;
use crate::web::state::AppState;
use actix_web::{web, HttpResponse};

/// Assign a third-party evaluator (an active `evaluator` account) to a project (staff of its
/// town or the district): it may then read the project and verify its mid-term and final
/// evaluations. 422 `not_evaluator`, 409 `already_assigned`; the evaluator is emailed.
#[utoipa::path(post, path = "/api/v1/projects/{id}/evaluators", tag = "projects", params(("id" = i64, Path)),
    request_body = EvaluatorInput,
    responses((status = 201, body = [EvaluatorView]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn assign(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<EvaluatorInput>,
) -> Result<HttpResponse, AppError> {
    let (ctx, id) = (auth.ctx.clone(), id.into_inner());
    let v = state.db(move |c| evaluators::assign(c, &ctx, id, &body.0)).await?;
    state.mail_wake.notify_one();
    Ok(HttpResponse::Created().json(v))
}

/// A project's evaluators (whoever may read the project).
#[utoipa::path(get, path = "/api/v1/projects/{id}/evaluators", tag = "projects", params(("id" = i64, Path)),
    responses((status = 200, body = [EvaluatorView]), (status = 404, body = ErrorBody)))]
pub async fn list(state: web::Data<AppState>, auth: Auth, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let (ctx, id) = (auth.ctx.clone(), id.into_inner());
    Ok(HttpResponse::Ok().json(state.db(move |c| evaluators::list(c, &ctx, id)).await?))
}

/// Withdraw an evaluator from a project (staff); the evaluations it verified stay.
#[utoipa::path(delete, path = "/api/v1/projects/{id}/evaluators/{user_id}", tag = "projects",
    params(("id" = i64, Path), ("user_id" = i64, Path)),
    responses((status = 200, body = [EvaluatorView]), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn remove(
    state: web::Data<AppState>,
    auth: Auth,
    path: web::Path<(i64, i64)>,
) -> Result<HttpResponse, AppError> {
    let (ctx, (id, user)) = (auth.ctx.clone(), path.into_inner());
    Ok(HttpResponse::Ok().json(state.db(move |c| evaluators::remove(c, &ctx, id, user)).await?))
}

/// Publish every verified mid-term or final grade of a call as a notice PDF (hash stored,
/// verifiable) with an objection window of the call's `notice_days` (whoever runs the call).
/// 409 `nothing_to_publish` when no grade is new since the last notice of that kind.
#[utoipa::path(post, path = "/api/v1/calls/{id}/evaluation-notices", tag = "projects", params(("id" = i64, Path)),
    request_body = NoticeInput,
    responses((status = 201, body = EvaluationNoticeView), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn publish(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<NoticeInput>,
) -> Result<HttpResponse, AppError> {
    let (ctx, id) = (auth.ctx.clone(), id.into_inner());
    let docs = state.doc_settings();
    let v = state.db(move |c| evaluation_notices::publish(c, &ctx, &docs, id, &body.0)).await?;
    state.mail_wake.notify_one();
    Ok(HttpResponse::Created().json(v))
}

/// A call's evaluation notices, oldest first (public, like every 公示).
#[utoipa::path(get, path = "/api/v1/calls/{id}/evaluation-notices", tag = "projects", params(("id" = i64, Path)),
    responses((status = 200, body = [EvaluationNoticeView]), (status = 404, body = ErrorBody)))]
pub async fn notices(state: web::Data<AppState>, auth: Auth, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let (ctx, id) = (auth.ctx.clone(), id.into_inner());
    Ok(HttpResponse::Ok().json(state.db(move |c| evaluation_notices::list(c, &ctx, id)).await?))
}

/// One evaluation notice (public).
#[utoipa::path(get, path = "/api/v1/evaluation-notices/{id}", tag = "projects", params(("id" = i64, Path)),
    responses((status = 200, body = EvaluationNoticeView), (status = 404, body = ErrorBody)))]
pub async fn notice(state: web::Data<AppState>, auth: Auth, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let (ctx, id) = (auth.ctx.clone(), id.into_inner());
    Ok(HttpResponse::Ok().json(state.db(move |c| evaluation_notices::get(c, &ctx, id)).await?))
}

/// The notice PDF (评估结果公示), as published.
#[utoipa::path(get, path = "/api/v1/evaluation-notices/{id}/notice.pdf", tag = "projects", params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/pdf", description = "the evaluation notice"),
        (status = 404, body = ErrorBody)))]
pub async fn notice_pdf(state: web::Data<AppState>, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    super::current_pdf(&state, evaluation_notices::KIND, id, &format!("evaluation-notice-{id}.pdf")).await
}

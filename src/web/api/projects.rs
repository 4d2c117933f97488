use crate::error::{AppError, ErrorBody};
use crate::service::projects::{
    self, PaymentInput, ProjectFilter, ProjectView, RectifyInput, ReportInput, SigningInput, TerminateInput,
    VerifyInput,
};
use crate::web::api::ApiJson;
use crate::web::auth::Auth;
use crate::web::state::AppState;
use actix_web::{web, HttpResponse};

/// Projects: an organisation its own; staff (town staff their town's) and finance all;
/// filterable by status, overdue and payable.
#[utoipa::path(get, path = "/api/v1/projects", tag = "projects", params(ProjectFilter),
    responses((status = 200, body = [ProjectView])))]
pub async fn list(
    state: web::Data<AppState>,
    auth: Auth,
    q: web::Query<ProjectFilter>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let f = q.into_inner();
    Ok(HttpResponse::Ok().json(state.db(move |c| projects::list(c, &ctx, &f)).await?))
}

/// After a failed evaluation (staff): the evaluation is due again by a new date; payments resume
/// once it passes.
#[utoipa::path(post, path = "/api/v1/projects/{id}/rectify", tag = "projects", params(("id" = i64, Path)),
    request_body = RectifyInput,
    responses((status = 200, body = ProjectView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn rectify(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<RectifyInput>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    let v = state.db(move |c| projects::rectify(c, &ctx, id, &body.0)).await?;
    state.mail_wake.notify_one();
    Ok(HttpResponse::Ok().json(v))
}

/// End a project early (district staff): the unpaid rest returns to the pool; what was paid beyond
/// the verified milestones is recorded for recovery.
#[utoipa::path(post, path = "/api/v1/projects/{id}/terminate", tag = "projects", params(("id" = i64, Path)),
    request_body = TerminateInput,
    responses((status = 200, body = ProjectView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn terminate(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<TerminateInput>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    let v = state.db(move |c| projects::terminate(c, &ctx, id, &body.0)).await?;
    state.mail_wake.notify_one();
    Ok(HttpResponse::Ok().json(v))
}

/// One project with its tranches (locked / payable / paid) and milestones.
#[utoipa::path(get, path = "/api/v1/projects/{id}", tag = "projects", params(("id" = i64, Path)),
    responses((status = 200, body = ProjectView), (status = 404, body = ErrorBody)))]
pub async fn get(state: web::Data<AppState>, auth: Auth, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    Ok(HttpResponse::Ok().json(state.db(move |c| projects::get(c, &ctx, id)).await?))
}

/// Record the agreement's signing (staff): the signing tranche becomes payable.
#[utoipa::path(post, path = "/api/v1/projects/{id}/signing", tag = "projects", params(("id" = i64, Path)),
    request_body = SigningInput,
    responses((status = 200, body = ProjectView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn sign(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<SigningInput>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    Ok(HttpResponse::Ok().json(state.db(move |c| projects::sign(c, &ctx, id, &body.0)).await?))
}

/// Report on a milestone (the organisation): progress text and spending so far by category.
#[utoipa::path(post, path = "/api/v1/milestones/{id}/report", tag = "projects", params(("id" = i64, Path)),
    request_body = ReportInput,
    responses((status = 200, body = ProjectView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn report(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<ReportInput>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    Ok(HttpResponse::Ok().json(state.db(move |c| projects::report(c, &ctx, id, &body.0)).await?))
}

/// Verify a reported milestone (staff): evaluations carry a grade; 不合格 suspends payments.
#[utoipa::path(post, path = "/api/v1/milestones/{id}/verify", tag = "projects", params(("id" = i64, Path)),
    request_body = VerifyInput,
    responses((status = 200, body = ProjectView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn verify(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<VerifyInput>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    Ok(HttpResponse::Ok().json(state.db(move |c| projects::verify(c, &ctx, id, &body.0)).await?))
}

/// Record a payment of a payable tranche (finance), within the tranche and the approved amount.
#[utoipa::path(post, path = "/api/v1/projects/{id}/payments", tag = "projects", params(("id" = i64, Path)),
    request_body = PaymentInput,
    responses((status = 200, body = ProjectView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn pay(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<PaymentInput>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    let v = state.db(move |c| projects::pay(c, &ctx, id, &body.0)).await?;
    state.mail_wake.notify_one();
    Ok(HttpResponse::Ok().json(v))
}

/// The project's 协议书 (agreement), stored with its hash when the call's results were final:
/// the organisation its own, staff (town staff their town's) and finance.
#[utoipa::path(get, path = "/api/v1/projects/{id}/agreement.pdf", tag = "projects", params(("id" = i64, Path)),
    responses((status = 200, description = "application/pdf"), (status = 404, body = ErrorBody)))]
pub async fn agreement(state: web::Data<AppState>, auth: Auth, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    let docs = state.doc_settings();
    let (d, bytes) = state.db(move |c| projects::agreement::pdf(c, &ctx, &docs, id)).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header(("Content-Disposition", format!("inline; filename=\"agreement-{id}.pdf\"")))
        .insert_header(("X-Content-SHA256", d.sha256))
        // The parties' details: never in a shared cache.
        .insert_header(("Cache-Control", "private, no-store"))
        .body(bytes))
}

/// 结项 (the project's organisation): the final accounts per budget category, once the final
/// evaluation is verified 合格 or better (409 `final_not_passed`); with an audit report first when
/// the approved amount reaches the call's `audit_threshold` (409 `audit_missing`). Filed again
/// until closed.
#[utoipa::path(post, path = "/api/v1/projects/{id}/closure", tag = "projects", params(("id" = i64, Path)),
    request_body = crate::service::projects::closure::ClosureInput,
    responses((status = 200, body = ProjectView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn file_closure(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<crate::service::projects::closure::ClosureInput>,
) -> Result<HttpResponse, AppError> {
    let (ctx, id) = (auth.ctx.clone(), id.into_inner());
    let v = state.db(move |c| crate::service::projects::closure::file(c, &ctx, id, &body.0)).await?;
    state.mail_wake.notify_one();
    Ok(HttpResponse::Ok().json(v))
}

/// Close a project on its filed final accounts (staff) → `completed`: a refund due must be
/// recorded (`refund_reference`, `refunded_on`; else 409 `refund_outstanding`); spending beyond
/// what was paid must be paid first (409 `payment_outstanding`). The unspent rest returns to the
/// pool; the refund lowers the fund's paid total.
#[utoipa::path(post, path = "/api/v1/projects/{id}/close", tag = "projects", params(("id" = i64, Path)),
    request_body = crate::service::projects::closure::CloseInput,
    responses((status = 200, body = ProjectView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn close(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<crate::service::projects::closure::CloseInput>,
) -> Result<HttpResponse, AppError> {
    let (ctx, id) = (auth.ctx.clone(), id.into_inner());
    let v = state.db(move |c| crate::service::projects::closure::close(c, &ctx, id, &body.0)).await?;
    state.mail_wake.notify_one();
    Ok(HttpResponse::Ok().json(v))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
pub struct VersionQuery {
    /// The budget version (1: the bid's); omitted: the latest.
    pub version: Option<i32>,
}

/// A project's budget by version (the project's readers): 1 is the bid's, each re-budget adds one.
#[utoipa::path(get, path = "/api/v1/projects/{id}/budget", tag = "projects", params(("id" = i64, Path), VersionQuery),
    responses((status = 200, body = crate::service::projects::budget::BudgetVersionView), (status = 404, body = ErrorBody)))]
pub async fn budget(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    q: web::Query<VersionQuery>,
) -> Result<HttpResponse, AppError> {
    let (ctx, id, version) = (auth.ctx.clone(), id.into_inner(), q.version);
    let v = state.db(move |c| crate::service::projects::budget::get(c, &ctx, id, version)).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// 项目优化 (the project's organisation, before signing): budget lines summing to the approved
/// amount within the call's caps, stored as the next version. Signing waits for it when finance
/// approved less than was asked (409 `budget_not_rebased`); after signing 409 `budget_locked`.
#[utoipa::path(put, path = "/api/v1/projects/{id}/budget", tag = "projects", params(("id" = i64, Path)),
    request_body = crate::service::projects::budget::RebudgetInput,
    responses((status = 200, body = crate::service::projects::budget::BudgetVersionView), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn rebudget(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<crate::service::projects::budget::RebudgetInput>,
) -> Result<HttpResponse, AppError> {
    let (ctx, id) = (auth.ctx.clone(), id.into_inner());
    let v = state.db(move |c| crate::service::projects::budget::rebudget(c, &ctx, id, &body.0)).await?;
    state.mail_wake.notify_one();
    Ok(HttpResponse::Ok().json(v))
}

/// File a change request (the project's organisation, while active): `kind` team · venue ·
/// beneficiaries · schedule (`new_end_date`) · budget (`budget_lines`, the total unchanged:
/// 422 `total_changed`). Staff, and finance for a budget move above the call's
/// `change_finance_pct`, are emailed.
#[utoipa::path(post, path = "/api/v1/projects/{id}/changes", tag = "projects", params(("id" = i64, Path)),
    request_body = crate::service::projects::changes::ChangeInput,
    responses((status = 201, body = crate::service::projects::changes::ChangeView), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn file_change(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<crate::service::projects::changes::ChangeInput>,
) -> Result<HttpResponse, AppError> {
    let (ctx, id) = (auth.ctx.clone(), id.into_inner());
    let v = state.db(move |c| crate::service::projects::changes::file(c, &ctx, id, &body.0)).await?;
    state.mail_wake.notify_one();
    Ok(HttpResponse::Created().json(v))
}

/// A project's change requests (its readers), oldest first.
#[utoipa::path(get, path = "/api/v1/projects/{id}/changes", tag = "projects", params(("id" = i64, Path)),
    responses((status = 200, body = [crate::service::projects::changes::ChangeView]), (status = 404, body = ErrorBody)))]
pub async fn changes(state: web::Data<AppState>, auth: Auth, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let (ctx, id) = (auth.ctx.clone(), id.into_inner());
    let v = state.db(move |c| crate::service::projects::changes::of_project(c, &ctx, id)).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// Staff decide a change request: approved takes effect (a budget version, a moved final
/// evaluation) or goes on to finance for a large budget move; not approved needs a `note`.
#[utoipa::path(post, path = "/api/v1/changes/{id}/decision", tag = "projects", params(("id" = i64, Path)),
    request_body = crate::service::projects::changes::DecisionInput,
    responses((status = 200, body = crate::service::projects::changes::ChangeView), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn decide_change(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<crate::service::projects::changes::DecisionInput>,
) -> Result<HttpResponse, AppError> {
    let (ctx, id) = (auth.ctx.clone(), id.into_inner());
    let v = state.db(move |c| crate::service::projects::changes::decide(c, &ctx, id, &body.0)).await?;
    state.mail_wake.notify_one();
    Ok(HttpResponse::Ok().json(v))
}

/// Finance decide a budget change staff approved that moves more than the call's share.
#[utoipa::path(post, path = "/api/v1/changes/{id}/finance", tag = "projects", params(("id" = i64, Path)),
    request_body = crate::service::projects::changes::DecisionInput,
    responses((status = 200, body = crate::service::projects::changes::ChangeView), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn finance_change(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<crate::service::projects::changes::DecisionInput>,
) -> Result<HttpResponse, AppError> {
    let (ctx, id) = (auth.ctx.clone(), id.into_inner());
    let v = state.db(move |c| crate::service::projects::changes::finance(c, &ctx, id, &body.0)).await?;
    state.mail_wake.notify_one();
    Ok(HttpResponse::Ok().json(v))
}

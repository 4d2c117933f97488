use crate::error::{AppError, ErrorBody};
use crate::service::bids::{self, BidInput, BidView, CallStats};
use crate::service::calls::{self, CallInput, CallView};
use crate::web::api::ApiJson;
use crate::web::auth::Auth;
use crate::web::state::AppState;
use actix_web::{web, HttpResponse};
use serde::Deserialize;

/// Create a draft call with its pools, rubric and categories (district staff).
#[utoipa::path(post, path = "/api/v1/calls", tag = "calls", request_body = CallInput,
    responses((status = 201, body = CallView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create(
    state: web::Data<AppState>,
    auth: Auth,
    body: ApiJson<CallInput>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let v = state.db(move |c| calls::create(c, &ctx, &body.0)).await?;
    Ok(HttpResponse::Created().json(v))
}

/// Replace a draft call (district staff); a published call is frozen (409).
#[utoipa::path(put, path = "/api/v1/calls/{id}", tag = "calls", params(("id" = i64, Path)), request_body = CallInput,
    responses((status = 200, body = CallView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn update(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<CallInput>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    let v = state.db(move |c| calls::update(c, &ctx, id, &body.0)).await?;
    Ok(HttpResponse::Ok().json(v))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct CallListQuery {
    /// Calls with an id below this (newest first paging).
    pub before: Option<i64>,
    pub limit: Option<i64>,
}

/// Published calls (anyone); drafts too for staff.
#[utoipa::path(get, path = "/api/v1/calls", tag = "calls", params(CallListQuery), responses((status = 200, body = [CallView])))]
pub async fn list(
    state: web::Data<AppState>,
    auth: Auth,
    q: web::Query<CallListQuery>,
) -> Result<HttpResponse, AppError> {
    let q = q.into_inner();
    let view = crate::web::public::calls_list(&state, auth.ctx.clone(), q.before, q.limit);
    if auth.actor().is_some() {
        // Staff see drafts too: their list is never shared.
        return Ok(HttpResponse::Ok().json(&*view.await?));
    }
    let body = crate::web::memo::json(&state.public.calls_json, (q.before, q.limit), auth.ctx.now, view).await?;
    Ok(HttpResponse::Ok().content_type("application/json").body(body))
}

/// One call with pools, rubric and categories (public once published).
#[utoipa::path(get, path = "/api/v1/calls/{id}", tag = "calls", params(("id" = i64, Path)),
    responses((status = 200, body = CallView), (status = 404, body = ErrorBody)))]
pub async fn get(state: web::Data<AppState>, auth: Auth, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    if auth.actor().is_some() {
        // Staff see drafts; nobody's own view is shared.
        return Ok(HttpResponse::Ok().json(state.db(move |c| calls::get(c, &ctx, id)).await?));
    }
    let view = crate::web::public::call(&state, ctx, id);
    let body = crate::web::memo::json(&state.public.calls_one_json, id, auth.ctx.now, view).await?;
    Ok(HttpResponse::Ok().content_type("application/json").body(body))
}

/// Publish a draft call (district staff): every publishing rule is checked (422 lists them all);
/// the tender announcement PDF is generated and its hash stored; verified organisations are emailed.
#[utoipa::path(post, path = "/api/v1/calls/{id}/publish", tag = "calls", params(("id" = i64, Path)),
    responses((status = 200, body = CallView), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn publish(state: web::Data<AppState>, auth: Auth, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    let docs = state.doc_settings();
    let v = state.db(move |c| calls::publish(c, &ctx, &docs, id)).await?;
    state.mail_wake.notify_one();
    Ok(HttpResponse::Ok().json(v))
}

/// A new draft from this call, a year later (district staff).
#[utoipa::path(post, path = "/api/v1/calls/{id}/clone", tag = "calls", params(("id" = i64, Path)),
    responses((status = 201, body = CallView), (status = 404, body = ErrorBody)))]
pub async fn clone(state: web::Data<AppState>, auth: Auth, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    let v = state.db(move |c| calls::clone(c, &ctx, id)).await?;
    Ok(HttpResponse::Created().json(v))
}

/// Start a draft bid (organisation users).
#[utoipa::path(post, path = "/api/v1/calls/{id}/bids", tag = "bids", params(("id" = i64, Path)), request_body = BidInput,
    responses((status = 201, body = BidView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create_bid(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<BidInput>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    let v = state.db(move |c| bids::create(c, &ctx, id, &body.0)).await?;
    Ok(HttpResponse::Created().json(v))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct BidListQuery {
    pub status: Option<String>,
    pub pool_id: Option<i64>,
    /// Part of the title, the reference or the organisation's name.
    pub q: Option<String>,
    pub after: Option<i64>,
    pub limit: Option<i64>,
}

/// Bids of a call: an organisation its own; staff and finance all after `closes_at` (409 before).
#[utoipa::path(get, path = "/api/v1/calls/{id}/bids", tag = "bids", params(("id" = i64, Path), BidListQuery),
    responses((status = 200, body = [BidView]), (status = 409, body = ErrorBody)))]
pub async fn list_bids(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    q: web::Query<BidListQuery>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    let q = q.into_inner();
    let v = state
        .db(move |c| {
            let query = bids::BidQuery {
                status: q.status.as_deref(),
                pool_id: q.pool_id,
                search: q.q.as_deref(),
                after: q.after.unwrap_or(0),
                limit: q.limit,
            };
            bids::list_for_call(c, &ctx, id, &query)
        })
        .await?;
    Ok(HttpResponse::Ok().json(v))
}

/// Bid counts by status (staff, finance; counts only while bids are sealed) and, after
/// `closes_at`, each pool's budget with the sums requested and approved.
#[utoipa::path(get, path = "/api/v1/calls/{id}/stats", tag = "bids", params(("id" = i64, Path)),
    responses((status = 200, body = CallStats), (status = 403, body = ErrorBody)))]
pub async fn stats(state: web::Data<AppState>, auth: Auth, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    let v = state.db(move |c| bids::stats(c, &ctx, id)).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// The tender announcement PDF (招标公告), once the call is published.
#[utoipa::path(get, path = "/api/v1/calls/{id}/announcement.pdf", tag = "calls", params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/pdf", description = "the tender announcement"),
        (status = 404, body = ErrorBody)))]
pub async fn announcement_pdf(state: web::Data<AppState>, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let id = id.into_inner();
    super::current_pdf(&state, "announcement", id, &format!("announcement-{id}.pdf")).await
}

/// The call in Excel (staff, finance): one sheet per pool with the ranking, the payment ledger,
/// the year's awards; amounts as numbers with two decimals, header rows frozen.
#[utoipa::path(get, path = "/api/v1/calls/{id}/export.xlsx", tag = "calls", params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        description = "the workbook"), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody)))]
pub async fn export_xlsx(state: web::Data<AppState>, auth: Auth, id: web::Path<i64>) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    let bytes = state.db(move |c| crate::service::exports::call_xlsx(c, &ctx, id)).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        .insert_header(("Content-Disposition", format!("attachment; filename=\"call-{id}.xlsx\"")))
        .insert_header(("Cache-Control", "no-store"))
        .body(bytes))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct SheetQuery {
    /// `ranking` (default), `ledger` or `awards`
    pub sheet: Option<String>,
}

/// One of the workbook's tables as CSV (staff, finance): UTF-8 with a byte-order mark, formulas
/// made inert.
#[utoipa::path(get, path = "/api/v1/calls/{id}/export.csv", tag = "calls", params(("id" = i64, Path), SheetQuery),
    responses((status = 200, content_type = "text/csv", description = "the ranking"), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn export_csv(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    q: web::Query<SheetQuery>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    let sheet = q.into_inner().sheet.unwrap_or_else(|| "ranking".into());
    let name = sheet.clone();
    let body = state.db(move |c| crate::service::exports::call_csv(c, &ctx, id, &sheet)).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(("Content-Disposition", format!("attachment; filename=\"{name}-{id}.csv\"")))
        .insert_header(("Cache-Control", "no-store"))
        .body(body))
}

/// The site's own address as the client reached it, for the absolute URIs open data needs.
fn base_url(req: &actix_web::HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

/// OCDS 1.1.5 release package of the call (public once the results notice is published): one
/// `ocid` per pool with the tender, the awards and the contracts with milestones and payments.
#[utoipa::path(get, path = "/api/v1/calls/{id}/ocds.json", tag = "calls", params(("id" = i64, Path)),
    responses((status = 200, description = "OCDS release package"), (status = 404, body = ErrorBody)))]
pub async fn ocds(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (id, base, docs) = (id.into_inner(), base_url(&req), state.doc_settings());
    let ctx = state.ctx(crate::service::Principal::Anonymous, None);
    let v = state.db(move |c| crate::service::opendata::ocds(c, &ctx, &docs, &base, id)).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// 360Giving 1.4.3 grant package of the call (public once the results notice is published): one
/// grant per funded project and per published innovation award of the year.
#[utoipa::path(get, path = "/api/v1/calls/{id}/360giving.json", tag = "calls", params(("id" = i64, Path)),
    responses((status = 200, description = "360Giving grant package"), (status = 404, body = ErrorBody)))]
pub async fn three_sixty_giving(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (id, base, docs) = (id.into_inner(), base_url(&req), state.doc_settings());
    let ctx = state.ctx(crate::service::Principal::Anonymous, None);
    let v = state.db(move |c| crate::service::opendata::three_sixty_giving(c, &ctx, &docs, &base, id)).await?;
    Ok(HttpResponse::Ok().json(v))
}

/// A numbered amendment (更正公告) or answer (答疑) to a published call, before its deadline
/// (district staff); an amendment may extend `closes_at`. The tender PDF gets a new version and
/// every organisation with a draft or a bid is emailed.
#[utoipa::path(post, path = "/api/v1/calls/{id}/amendments", tag = "calls", params(("id" = i64, Path)),
    request_body = crate::service::calls::AmendmentInput,
    responses((status = 201, body = CallView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn amend(
    state: web::Data<AppState>,
    auth: Auth,
    id: web::Path<i64>,
    body: ApiJson<crate::service::calls::AmendmentInput>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let id = id.into_inner();
    let docs = state.doc_settings();
    let v = state.db(move |c| calls::amend(c, &ctx, &docs, id, &body.0)).await?;
    state.mail_wake.notify_one();
    Ok(HttpResponse::Created().json(v))
}

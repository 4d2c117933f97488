use crate::error::{AppError, ErrorBody};
use crate::service::dashboard::{self, Board, Dashboard};
use crate::web::auth::Auth;
use crate::web::state::AppState;
use actix_web::{web, HttpResponse};

#[derive(serde::Deserialize, utoipa::IntoParams)]
pub struct YearQuery {
    /// The year (default: this year).
    pub year: Option<i32>,
}

/// A year at a glance (staff, finance): pools' budget / reserved / paid / remaining, the bid
/// funnel, overdue milestones, payable tranches, the award fund.
#[utoipa::path(get, path = "/api/v1/dashboard", tag = "projects", params(YearQuery),
    responses((status = 200, body = Dashboard), (status = 403, body = ErrorBody)))]
pub async fn dashboard(
    state: web::Data<AppState>,
    auth: Auth,
    q: web::Query<YearQuery>,
) -> Result<HttpResponse, AppError> {
    let ctx = auth.ctx.clone();
    let year = q.year;
    Ok(HttpResponse::Ok().json(state.db(move |c| dashboard::dashboard(c, &ctx, year)).await?))
}

/// The public board: funded projects by town with progress and money paid; published awards.
#[utoipa::path(get, path = "/api/v1/board", tag = "projects", responses((status = 200, body = Board)))]
pub async fn board(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let ctx = state.ctx(crate::service::Principal::Anonymous, None);
    Ok(HttpResponse::Ok().json(state.db(move |c| dashboard::board(c, &ctx)).await?))
}

use crate::error::AppError;
use crate::web::state::AppState;
use actix_web::{web, HttpResponse};
use serde::Serialize;

#[derive(Serialize, utoipa::ToSchema)]
pub struct RegionView {
    pub code: String,
    pub name: String,
    /// `district`, `town` or `village`
    pub level: String,
    pub parent_code: Option<String>,
}

/// The district's regions (towns/streets and villages/communities) from the seed file.
#[utoipa::path(get, path = "/api/v1/regions", tag = "regions", responses((status = 200, body = [RegionView])))]
pub async fn list(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    // Every bid form asks for it: serialised once per data generation (`web::memo`).
    let view = async {
        let rows = state.db(crate::service::regions::all).await?;
        let out: Vec<RegionView> = rows
            .into_iter()
            .map(|r| RegionView { code: r.code, name: r.name, level: r.level, parent_code: r.parent_code })
            .collect();
        Ok(std::sync::Arc::new(out))
    };
    let body = crate::web::memo::json(&state.public.regions_json, (), state.clock.now(), view).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "public, max-age=300"))
        .content_type("application/json")
        .body(body))
}

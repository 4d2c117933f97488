//! The OpenAPI document of every JSON endpoint.

use actix_web::HttpResponse;
use utoipa::OpenApi;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "gongyi 公益创投管理平台 API",
        version = "1.0.0",
        description = "金额为字符串（元，两位小数），日期 ISO 8601，错误统一为 {\"error\":{code,message,field,errors}}。"
    ),
    paths(
        super::session::login,
        super::session::logout,
        super::session::me,
        super::session::worklist,
        super::passwords::change,
        super::passwords::request,
        super::passwords::complete,
        super::passwords::admin_reset,
        super::regions::list,
        super::users::create,
        super::users::list,
        super::users::update,
        super::organisations::register,
        super::organisations::list,
        super::organisations::get,
        super::organisations::verify,
        super::organisations::reject,
        super::organisations::record_standing,
        super::organisations::debar,
        super::organisations::suspend,
        super::organisations::restore,
        super::org_documents::upload,
        super::org_documents::list,
        super::org_documents::download,
        super::org_documents::remove,
        super::calls::create,
        super::calls::update,
        super::calls::list,
        super::calls::get,
        super::calls::publish,
        super::calls::announcement_pdf,
        super::calls::amend,
        super::calls::export_xlsx,
        super::calls::export_csv,
        super::calls::ocds,
        super::calls::three_sixty_giving,
        super::calls::clone,
        super::calls::create_bid,
        super::calls::list_bids,
        super::calls::stats,
        super::bids::get,
        super::bids::dossier_pdf,
        super::bids::update,
        super::bids::submit,
        super::bids::withdraw,
        super::bids::screening,
        super::bids::finance,
        super::bids::mine,
        super::attachments::upload,
        super::attachments::upload_evidence,
        super::attachments::download,
        super::attachments::remove,
        super::review::assign,
        super::review::mine,
        super::review::accept,
        super::review::conflict,
        super::review::get_review,
        super::review::save_review,
        super::review::reopen,
        super::review::replace,
        super::review::ranking,
        super::review::set_override,
        super::stages::set_shortlist,
        super::stages::get_shortlist,
        super::stages::schedule,
        super::stages::sessions,
        super::stages::screen,
        super::notices::decide,
        super::notices::finalize,
        super::notices::get,
        super::notices::object,
        super::notices::list_objections,
        super::notices::answer,
        super::notices::dismiss,
        super::notices::pdf,
        super::notices::verify,
        super::notices::document,
        super::projects::list,
        super::projects::get,
        super::projects::agreement,
        super::projects::sign,
        super::projects::pay,
        super::projects::rectify,
        super::projects::terminate,
        super::projects::file_closure,
        super::projects::close,
        super::projects::budget,
        super::projects::rebudget,
        super::projects::file_change,
        super::projects::changes,
        super::projects::decide_change,
        super::projects::finance_change,
        super::projects::report,
        super::projects::verify,
        super::dashboard::dashboard,
        super::dashboard::board,
        super::funds::create,
        super::funds::list,
        super::funds::get,
        super::funds::update,
        super::funds::get_calendar,
        super::funds::put_calendar,
        super::demands::file,
        super::demands::list,
        super::demands::get,
        super::demands::transition,
        super::demands::create_topic,
        super::demands::list_topics,
        super::demands::get_topic,
        super::demands::board,
        super::points::add_participant,
        super::points::participants,
        super::points::participant,
        super::points::put_catalogue,
        super::points::catalogue,
        super::points::file_claim,
        super::points::claims,
        super::points::file_activity,
        super::points::review,
        super::points::post_month,
        super::points::object,
        super::points::objections,
        super::points::decide_objection,
        super::points::add_store_item,
        super::points::store_items,
        super::points::exchange,
        super::points::stats,
        super::points::board,
        super::points::sheet,
        super::points::settings,
        super::points::put_settings,
        super::welfare::create,
        super::welfare::list,
        super::welfare::get,
        super::welfare::put_committee,
        super::welfare::activate,
        super::welfare::put_plan,
        super::welfare::add_campaign,
        super::welfare::donate,
        super::welfare::grant,
        super::welfare::disclose,
        super::welfare::public_list,
        super::welfare::public,
        super::welfare::receipt,
        super::welfare::disclosure_pdf,
        super::evaluations::assign,
        super::evaluations::list,
        super::evaluations::remove,
        super::evaluations::publish,
        super::evaluations::notices,
        super::evaluations::notice,
        super::evaluations::notice_pdf,
        super::awards::create_fund,
        super::awards::list_funds,
        super::awards::get_fund,
        super::awards::add_award,
        super::awards::remove_award,
        super::awards::publish,
        super::awards::notice_pdf,
        super::awards::meetings,
        super::awards::record_meeting,
        super::outbox::list,
        super::outbox::retry,
        spec,
        crate::web::healthz,
    ),
    components(schemas(crate::error::ErrorBody, crate::error::ErrorDetail, crate::error::FieldError)),
    modifiers(&ErrorCodes)
)]
pub struct ApiDoc;

/// Lists the error catalogue as the `ErrorCode` schema: every top-level `error.code`, with its
/// status and Chinese meaning in the description and under `x-status`.
struct ErrorCodes;

impl utoipa::Modify for ErrorCodes {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use crate::error::Code;
        use utoipa::openapi::extensions::ExtensionsBuilder;
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        let mut table = String::from("| code | status | 含义 |\n|---|---|---|\n");
        let mut status = serde_json::Map::new();
        for c in Code::ALL {
            table.push_str(&format!("| `{}` | {} | {} |\n", c.as_str(), c.status().as_u16(), c.message()));
            status.insert(c.as_str().into(), c.status().as_u16().into());
        }
        let schema = ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(Code::ALL.iter().map(|c| c.as_str())))
            .description(Some(format!("错误代码（error.code）一览。422 的字段级代码见 errors[].code。\n\n{table}")))
            .extensions(Some(ExtensionsBuilder::new().add("x-status", serde_json::Value::Object(status)).build()))
            .build();
        if let Some(c) = doc.components.as_mut() {
            c.schemas.insert("ErrorCode".into(), schema.into());
        }
    }
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", responses((status = 200, description = "OpenAPI 3.1")))]
pub async fn spec() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}

//! The JSON API under /api/v1. Handlers only translate HTTP to service calls and back.

mod attachments;
mod awards;
mod bids;
mod calls;
mod dashboard;
mod demands;
mod evaluations;
mod funds;
pub mod json;
mod notices;
pub mod openapi;
mod org_documents;
mod organisations;
mod outbox;
mod passwords;
mod points;
mod projects;
mod regions;
mod review;
mod session;
mod stages;
mod users;
mod welfare;

use crate::error::{AppError, Code};
use actix_web::web;

pub use json::ApiJson;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .app_data(web::PathConfig::default().error_handler(|_, _| AppError::not_found().into()))
            .app_data(
                web::QueryConfig::default()
                    .error_handler(|e, _| Code::InvalidQuery.says(format!("查询参数不正确：{e}")).into()),
            )
            // actix tries routes in order: the public reads anyone may hammer come first.
            .route("/calls", web::get().to(calls::list))
            .route("/notices/{id}", web::get().to(notices::get))
            .route("/session", web::post().to(session::login))
            .route("/session", web::delete().to(session::logout))
            .route("/me", web::get().to(session::me))
            .route("/me/password", web::post().to(passwords::change))
            .route("/worklist", web::get().to(session::worklist))
            .route("/password-reset", web::post().to(passwords::request))
            .route("/password-reset/{token}", web::post().to(passwords::complete))
            .route("/regions", web::get().to(regions::list))
            .route("/users", web::post().to(users::create))
            .route("/users", web::get().to(users::list))
            .route("/users/{id}", web::put().to(users::update))
            .route("/users/{id}/password-reset", web::post().to(passwords::admin_reset))
            .route("/organisations", web::post().to(organisations::register))
            .route("/organisations", web::get().to(organisations::list))
            .route("/organisations/{id}", web::get().to(organisations::get))
            .route("/organisations/{id}/verify", web::post().to(organisations::verify))
            .route("/organisations/{id}/reject", web::post().to(organisations::reject))
            .route("/organisations/{id}/standing", web::post().to(organisations::record_standing))
            .route("/organisations/{id}/debar", web::post().to(organisations::debar))
            .route("/organisations/{id}/suspend", web::post().to(organisations::suspend))
            .route("/organisations/{id}/restore", web::post().to(organisations::restore))
            .route("/organisations/{id}/documents", web::post().to(org_documents::upload))
            .route("/organisations/{id}/documents", web::get().to(org_documents::list))
            .route("/organisations/{id}/documents/{document_id}", web::get().to(org_documents::download))
            .route("/organisations/{id}/documents/{document_id}", web::delete().to(org_documents::remove))
            .route("/calls", web::post().to(calls::create))
            .route("/calls/{id}", web::get().to(calls::get))
            .route("/calls/{id}", web::put().to(calls::update))
            .route("/calls/{id}/publish", web::post().to(calls::publish))
            .route("/calls/{id}/announcement.pdf", web::get().to(calls::announcement_pdf))
            .route("/calls/{id}/amendments", web::post().to(calls::amend))
            .route("/calls/{id}/export.xlsx", web::get().to(calls::export_xlsx))
            .route("/calls/{id}/export.csv", web::get().to(calls::export_csv))
            .route("/calls/{id}/ocds.json", web::get().to(calls::ocds))
            .route("/calls/{id}/360giving.json", web::get().to(calls::three_sixty_giving))
            .route("/calls/{id}/clone", web::post().to(calls::clone))
            .route("/calls/{id}/bids", web::post().to(calls::create_bid))
            .route("/calls/{id}/bids", web::get().to(calls::list_bids))
            .route("/calls/{id}/stats", web::get().to(calls::stats))
            .route("/bids/{id}", web::get().to(bids::get))
            .route("/bids/{id}/dossier.pdf", web::get().to(bids::dossier_pdf))
            .route("/bids/{id}", web::put().to(bids::update))
            .route("/bids/{id}/submit", web::post().to(bids::submit))
            .route("/bids/{id}/withdraw", web::post().to(bids::withdraw))
            .route("/bids/{id}/screening", web::post().to(bids::screening))
            .route("/bids/{id}/finance", web::post().to(bids::finance))
            .route("/me/bids", web::get().to(bids::mine))
            .route("/bids/{id}/attachments", web::post().to(attachments::upload))
            .route("/attachments/{id}", web::get().to(attachments::download))
            .route("/attachments/{id}", web::delete().to(attachments::remove))
            .route("/calls/{id}/assignments", web::post().to(review::assign))
            .route("/me/assignments", web::get().to(review::mine))
            .route("/assignments/{id}/accept", web::post().to(review::accept))
            .route("/assignments/{id}/conflict", web::post().to(review::conflict))
            .route("/assignments/{id}/review", web::get().to(review::get_review))
            .route("/assignments/{id}/review", web::put().to(review::save_review))
            .route("/assignments/{id}/reopen", web::post().to(review::reopen))
            .route("/assignments/{id}/replace", web::post().to(review::replace))
            .route("/calls/{id}/ranking", web::get().to(review::ranking))
            .route("/calls/{id}/overrides", web::post().to(review::set_override))
            .route("/calls/{id}/shortlist", web::post().to(stages::set_shortlist))
            .route("/calls/{id}/shortlist", web::get().to(stages::get_shortlist))
            .route("/calls/{id}/sessions", web::post().to(stages::schedule))
            .route("/calls/{id}/sessions", web::get().to(stages::sessions))
            .route("/sessions/{id}/screen", web::get().to(stages::screen))
            .route("/calls/{id}/decide", web::post().to(notices::decide))
            .route("/calls/{id}/finalize", web::post().to(notices::finalize))
            .route("/notices/{id}/pdf", web::get().to(notices::pdf))
            .route("/documents/verify", web::get().to(notices::verify))
            .route("/documents/{sha256}", web::get().to(notices::document))
            .route("/notices/{id}/objections", web::post().to(notices::object))
            .route("/notices/{id}/objections", web::get().to(notices::list_objections))
            .route("/notices/{id}/objections/dismiss", web::post().to(notices::dismiss))
            .route("/objections/{id}/answer", web::post().to(notices::answer))
            .route("/projects", web::get().to(projects::list))
            .route("/projects/{id}", web::get().to(projects::get))
            .route("/projects/{id}/agreement.pdf", web::get().to(projects::agreement))
            .route("/projects/{id}/signing", web::post().to(projects::sign))
            .route("/projects/{id}/payments", web::post().to(projects::pay))
            .route("/projects/{id}/rectify", web::post().to(projects::rectify))
            .route("/projects/{id}/terminate", web::post().to(projects::terminate))
            .route("/projects/{id}/closure", web::post().to(projects::file_closure))
            .route("/projects/{id}/budget", web::get().to(projects::budget))
            .route("/projects/{id}/budget", web::put().to(projects::rebudget))
            .route("/projects/{id}/changes", web::post().to(projects::file_change))
            .route("/projects/{id}/changes", web::get().to(projects::changes))
            .route("/changes/{id}/decision", web::post().to(projects::decide_change))
            .route("/changes/{id}/finance", web::post().to(projects::finance_change))
            .route("/projects/{id}/close", web::post().to(projects::close))
            .route("/demands", web::post().to(demands::file))
            .route("/demands", web::get().to(demands::list))
            .route("/demands/{id}", web::get().to(demands::get))
            .route("/demands/{id}/transition", web::post().to(demands::transition))
            .route("/topics", web::post().to(demands::create_topic))
            .route("/topics", web::get().to(demands::list_topics))
            .route("/topics/{id}", web::get().to(demands::get_topic))
            .route("/public/demands", web::get().to(demands::board))
            .route("/points/participants", web::post().to(points::add_participant))
            .route("/points/participants", web::get().to(points::participants))
            .route("/points/participants/{id}", web::get().to(points::participant))
            .route("/points/catalogues/{village}/{month}", web::put().to(points::put_catalogue))
            .route("/points/catalogues/{village}/{month}", web::get().to(points::catalogue))
            .route("/points/claims", web::post().to(points::file_claim))
            .route("/points/claims", web::get().to(points::claims))
            .route("/points/activities", web::post().to(points::file_activity))
            .route("/points/claims/{id}/review", web::post().to(points::review))
            .route("/points/postings", web::post().to(points::post_month))
            .route("/points/postings/{id}/objections", web::post().to(points::object))
            .route("/points/postings/{id}/objections", web::get().to(points::objections))
            .route("/points/postings/{id}/sheet.pdf", web::get().to(points::sheet))
            .route("/points/objections/{id}/decision", web::post().to(points::decide_objection))
            .route("/points/store-items", web::post().to(points::add_store_item))
            .route("/points/store-items", web::get().to(points::store_items))
            .route("/points/exchanges", web::post().to(points::exchange))
            .route("/points/stats", web::get().to(points::stats))
            .route("/points/settings/{village}", web::get().to(points::settings))
            .route("/points/settings/{village}", web::put().to(points::put_settings))
            .route("/public/points/{village}/{month}", web::get().to(points::board))
            .route("/welfare-funds", web::post().to(welfare::create))
            .route("/welfare-funds", web::get().to(welfare::list))
            .route("/welfare-funds/{id}", web::get().to(welfare::get))
            .route("/welfare-funds/{id}/committee", web::put().to(welfare::put_committee))
            .route("/welfare-funds/{id}/activate", web::post().to(welfare::activate))
            .route("/welfare-funds/{id}/plans/{year}", web::put().to(welfare::put_plan))
            .route("/welfare-funds/{id}/campaigns", web::post().to(welfare::add_campaign))
            .route("/welfare-funds/{id}/donations", web::post().to(welfare::donate))
            .route("/welfare-funds/{id}/grants", web::post().to(welfare::grant))
            .route("/welfare-funds/{id}/disclosures", web::post().to(welfare::disclose))
            .route("/public/welfare-funds", web::get().to(welfare::public_list))
            .route("/public/welfare-funds/{id}", web::get().to(welfare::public))
            .route("/public/welfare-funds/{id}/receipts/{receipt_no}", web::get().to(welfare::receipt))
            .route("/public/welfare-funds/{id}/disclosures/{disclosure}.pdf", web::get().to(welfare::disclosure_pdf))
            .route("/projects/{id}/evaluators", web::post().to(evaluations::assign))
            .route("/projects/{id}/evaluators", web::get().to(evaluations::list))
            .route("/projects/{id}/evaluators/{user_id}", web::delete().to(evaluations::remove))
            .route("/calls/{id}/evaluation-notices", web::post().to(evaluations::publish))
            .route("/calls/{id}/evaluation-notices", web::get().to(evaluations::notices))
            .route("/evaluation-notices/{id}", web::get().to(evaluations::notice))
            .route("/evaluation-notices/{id}/notice.pdf", web::get().to(evaluations::notice_pdf))
            .route("/milestones/{id}/report", web::post().to(projects::report))
            .route("/milestones/{id}/verify", web::post().to(projects::verify))
            .route("/milestones/{id}/attachments", web::post().to(attachments::upload_evidence))
            .route("/dashboard", web::get().to(dashboard::dashboard))
            .route("/board", web::get().to(dashboard::board))
            .route("/funds", web::post().to(funds::create))
            .route("/funds", web::get().to(funds::list))
            .route("/funds/{id}", web::get().to(funds::get))
            .route("/funds/{id}", web::patch().to(funds::update))
            .route("/calendar/{year}", web::get().to(funds::get_calendar))
            .route("/calendar/{year}", web::put().to(funds::put_calendar))
            .route("/award-funds", web::post().to(awards::create_fund))
            .route("/award-funds", web::get().to(awards::list_funds))
            .route("/award-funds/{id}", web::get().to(awards::get_fund))
            .route("/award-funds/{id}/awards", web::post().to(awards::add_award))
            .route("/award-funds/{id}/publish", web::post().to(awards::publish))
            .route("/award-funds/{id}/notice.pdf", web::get().to(awards::notice_pdf))
            .route("/awards/{id}", web::delete().to(awards::remove_award))
            .route("/promotion-meetings", web::get().to(awards::meetings))
            .route("/promotion-meetings", web::post().to(awards::record_meeting))
            .route("/outbox", web::get().to(outbox::list))
            .route("/outbox/{id}/retry", web::post().to(outbox::retry))
            .route("/openapi.json", web::get().to(openapi::spec))
            .default_service(web::to(|| async {
                Err::<actix_web::HttpResponse, _>(AppError::from(Code::NoSuchEndpoint))
            })),
    );
}

/// The current version of a published PDF (`kind`, entity `id`), served from its stored bytes
/// with its hash; 404 until it exists.
pub async fn current_pdf(
    state: &crate::web::state::AppState,
    kind: &'static str,
    id: i64,
    filename: &str,
) -> Result<actix_web::HttpResponse, AppError> {
    let dir = state.config.data_dir.clone();
    let (d, bytes) = state.db(move |c| crate::service::documents::read(c, &dir, kind, id)).await?;
    Ok(actix_web::HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header(("Content-Disposition", format!("inline; filename=\"{filename}\"")))
        .insert_header(("X-Content-SHA256", d.sha256))
        .insert_header(("Cache-Control", "public, max-age=300"))
        .body(bytes))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
pub struct PageQuery {
    /// Return rows with an id greater than this (keyset paging).
    pub after: Option<i64>,
    /// Rows per page, 1–100 (default 50).
    pub limit: Option<i64>,
    /// Filter by status.
    pub status: Option<String>,
    /// Filter by role (users).
    pub role: Option<String>,
}

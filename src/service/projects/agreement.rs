//! The funding agreement (协议书): issued with each project when its call's results are final,
//! stored with its hash like every published document (verifiable at `/verify`), served to
//! those who may see the project.

use super::{views, visible};
use crate::clock::local_date;
use crate::db::{self, DbConn};
use crate::domain::capitals::capitals;
use crate::error::{AppError, AppResult};
use crate::pdf::agreement::AgreementDoc;
use crate::service::documents::{self, DocSettings};
use crate::service::Ctx;

pub const KIND: &str = documents::AGREEMENT_KIND;

/// Renders and stores the agreement of `project_id` in the caller's transaction; returns its
/// SHA-256.
pub fn issue(conn: &mut DbConn, ctx: &Ctx, docs: &DocSettings, project_id: i64) -> AppResult<String> {
    let p = db::projects::find(conn, project_id)?.ok_or_else(AppError::not_found)?;
    let v = views(conn, ctx, vec![p.clone()])?.pop().ok_or_else(AppError::not_found)?;
    let bid = db::bids::find(conn, p.bid_id)?.ok_or_else(AppError::not_found)?;
    let call = db::calls::find(conn, p.call_id)?.ok_or_else(AppError::not_found)?;
    let org = db::organisations::find(conn, p.organisation_id)?.ok_or_else(AppError::not_found)?;
    let head = db::audit::head(conn)?.map(|h| h.1).unwrap_or_default();
    let tranches = v
        .tranches
        .iter()
        .map(|t| {
            let m = v.milestones.iter().find(|m| Some(m.id) == t.milestone_id);
            let condition = match m {
                Some(m) if m.kind == "signing" => "签订协议后拨付".to_string(),
                Some(m) => format!("{}（{}）核验通过后拨付", m.title, m.due_date),
                None => "按甲方通知拨付".to_string(),
            };
            [format!("第 {} 批", t.seq), format!("{}%", t.pct), t.amount.grouped(), condition]
        })
        .collect();
    let reports = v
        .milestones
        .iter()
        .filter(|m| m.kind != "signing")
        .map(|m| [m.title.clone(), m.due_date.to_string()])
        .collect();
    let doc = AgreementDoc {
        agreement_no: p.agreement_no.clone(),
        call_title: call.title.clone(),
        authority: docs.authority.clone(),
        organisation: org.name.clone(),
        uscc: org.uscc.clone(),
        contact: format!("{} {}", org.contact_name, org.contact_phone),
        project: v.title.clone(),
        pool: v.pool.clone(),
        period: format!(
            "{} 至 {}",
            bid.start_date.unwrap_or(call.project_start),
            bid.end_date.unwrap_or(call.project_end)
        ),
        amount: v.approved_amount.grouped(),
        amount_capitals: capitals(v.approved_amount),
        tranches,
        reports,
        issued_on: local_date(ctx.now).format("%Y年%-m月%-d日").to_string(),
        audit_head: head,
    };
    let pdf = crate::pdf::agreement::render(&doc);
    let title = format!("{}资助协议书（{}）", v.title, p.agreement_no);
    documents::publish(conn, ctx, &docs.data_dir, KIND, project_id, &title, &pdf)
}

/// `GET /api/v1/projects/{id}/agreement.pdf`: whoever may see the project. A project finalised
/// before agreements were issued gets its agreement on first request (once: the project's key
/// serialises two first requests).
pub fn pdf(
    conn: &mut DbConn,
    ctx: &Ctx,
    docs: &DocSettings,
    id: i64,
) -> AppResult<(db::documents::DocumentRow, Vec<u8>)> {
    visible(conn, ctx, id)?;
    if db::documents::current(conn, KIND, id)?.is_none() {
        db::write_tx(conn, |c| {
            db::lock_key(c, &format!("agreement:{id}"))?;
            if db::documents::current(c, KIND, id)?.is_none() {
                issue(c, ctx, docs, id)?;
            }
            Ok(())
        })?;
    }
    documents::read(conn, &docs.data_dir, KIND, id)
}

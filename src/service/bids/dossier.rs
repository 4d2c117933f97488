//! The 申报书 as a PDF (`GET /api/v1/bids/{id}/dossier.pdf`): whoever may read the bid, rendered
//! from the bid as it stands (not stored: it changes with every draft).

use super::{get, BidView};
use crate::db::{self, DbConn};
use crate::error::{AppError, AppResult};
use crate::pdf::dossier::DossierDoc;
use crate::service::Ctx;

/// The bid's reference (or 草稿) and the PDF's bytes.
pub fn pdf(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<(String, Vec<u8>)> {
    let b: BidView = get(conn, ctx, id)?;
    let call = db::calls::find(conn, b.call_id)?.ok_or_else(AppError::not_found)?;
    let org = db::organisations::find(conn, b.organisation_id)?.ok_or_else(AppError::not_found)?;
    let pool = db::calls::find_pool(conn, b.pool_id)?.map(|p| p.name).unwrap_or_default();
    let design = crate::service::calls::scoring_design(conn, b.call_id)?;
    let reference = b.reference.clone().unwrap_or_else(|| "草稿".into());
    let total: i64 = b.budget_lines.iter().map(|l| l.amount.fen()).sum();
    let opt = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let doc = DossierDoc {
        reference: reference.clone(),
        call_title: call.title,
        title: b.title.clone(),
        organisation: org.name,
        uscc: org.uscc,
        contact: format!("{} {}", org.contact_name, org.contact_phone),
        pool,
        period: format!("{} 至 {}", opt(b.start_date), opt(b.end_date)),
        requested: b.requested_amount.grouped(),
        matching: b.matching_funds.grouped(),
        summary: b.summary.clone(),
        sections: design
            .dossier
            .sections
            .iter()
            .map(|s| (s.name.clone(), b.sections.get(&s.key).cloned().unwrap_or_default()))
            .collect(),
        outputs: b.outputs.iter().map(|o| [o.indicator.clone(), o.target.clone(), o.unit.clone()]).collect(),
        budget: b
            .budget_lines
            .iter()
            .map(|l| [l.category_label.to_string(), l.item.clone(), l.amount.grouped()])
            .collect(),
        budget_total: crate::domain::Money::from_fen(total).grouped(),
        milestones: b.milestones.iter().map(|m| [m.due_date.to_string(), m.title.clone()]).collect(),
    };
    Ok((reference, crate::pdf::dossier::render(&doc)))
}

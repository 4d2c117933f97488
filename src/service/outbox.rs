//! The mail queue as the administrator sees it, and putting a dead mail back in line.
//! A mail about a bid whose call is still sealed is shown without its recipient and subject:
//! who submitted before the deadline is the organisations' own business.

use super::{audit, Ctx};
use crate::clock::{db_time, rfc3339_local};
use crate::db::{self, DbConn};
use crate::domain::account::Role;
use crate::domain::call::Phase;
use crate::error::{AppError, AppResult};
use serde::Serialize;
use std::collections::HashSet;

impl OutboxView {
    pub fn status_label(&self) -> &'static str {
        crate::domain::outbox::status_label(&self.status)
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct OutboxView {
    pub id: i64,
    pub kind: String,
    /// Withheld (`（申报截止前不显示）`) for a mail about a bid still sealed.
    pub to: String,
    pub subject: String,
    /// `pending`, `sent`, `dead` or `cancelled` (no longer true when its turn came; `last_error` says why)
    pub status: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: String,
    pub sent_at: Option<String>,
}

/// Mails by status, and one page of mails.
pub type OutboxPage = (Vec<(String, i64)>, Vec<OutboxView>);

pub const WITHHELD: &str = "（申报截止前不显示）";

/// Queued, sent, dead and cancelled mails, newest first (admin only), with the counts by status.
pub fn list(conn: &mut DbConn, ctx: &Ctx, status: Option<&str>, limit: i64) -> AppResult<OutboxPage> {
    ctx.require(&[Role::Admin])?;
    let rows = db::outbox::list(conn, status, limit)?;
    let bid_ids: Vec<i64> = rows.iter().filter_map(|r| r.bid_id).collect();
    let sealed: HashSet<i64> = db::bids::call_windows(conn, &bid_ids)?
        .into_iter()
        .filter(|(_, status, opens, closes)| {
            Phase::of(status, opens.and_utc(), closes.and_utc(), ctx.now).bids_sealed()
        })
        .map(|w| w.0)
        .collect();
    let views = rows
        .into_iter()
        .map(|r| {
            let hide = r.bid_id.is_some_and(|b| sealed.contains(&b));
            OutboxView {
                id: r.id,
                kind: r.kind,
                to: if hide { WITHHELD.into() } else { r.to_addr },
                subject: if hide { WITHHELD.into() } else { r.subject },
                status: r.status,
                attempts: r.attempts,
                last_error: r.last_error,
                created_at: rfc3339_local(r.created_at.and_utc()),
                sent_at: r.sent_at.map(|t| rfc3339_local(t.and_utc())),
            }
        })
        .collect();
    Ok((db::outbox::counts(conn)?, views))
}

/// Puts a dead mail back in the queue (admin only).
pub fn retry(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<()> {
    ctx.require(&[Role::Admin])?;
    db::write_tx(conn, |c| {
        if db::outbox::retry(c, id, db_time(ctx.now))? == 0 {
            return Err(AppError::not_found());
        }
        audit::record(c, ctx, "outbox.retry", "outbox", Some(id), serde_json::json!({}))
    })
}

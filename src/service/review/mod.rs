//! Expert review: a reviewer's assignments, conflicts and acceptance here; the seeded draw,
//! replacements and reminders in `panels`; scoring, reopening and overrides in `reviews`. The
//! ranking they feed is read in `scores`.

mod panels;
mod reviews;
pub use panels::*;
pub use reviews::*;

use super::scores::rubric;
pub use super::scores::{ranking, RankingPool, RankingRow, RankingView, StageScore};
use super::{audit, mail, Ctx};
use crate::clock::{db_time, rfc3339_local};
use crate::db::{self, DbConn};
use crate::domain::account::Role;
use crate::domain::call::Phase;
use crate::domain::draw::{self, BidToReview, Reviewer};
use crate::domain::scoring;
use crate::domain::state::AssignmentStatus::{self, Accepted, Assigned, Conflict};
use crate::domain::text;
use crate::error::{AppError, AppResult, Code, Problems};
use rand::RngCore;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

#[derive(Serialize, utoipa::ToSchema)]
pub struct AssignmentView {
    pub id: i64,
    pub bid_id: i64,
    /// Shown before scoring so the reviewer can declare a conflict.
    pub bid_title: String,
    pub organisation: String,
    /// assigned · accepted · conflict · submitted
    pub status: String,
    pub submitted_at: Option<String>,
    /// The scoring stage's key and name (empty for a single-stage call).
    pub stage: String,
    pub stage_name: String,
    pub call_id: i64,
    pub call_title: String,
    /// The panel's due date.
    pub due_on: Option<chrono::NaiveDate>,
}

impl AssignmentView {
    pub fn status_label(&self) -> &'static str {
        AssignmentStatus::label_of(&self.status)
    }
    /// Waiting for the expert to confirm there is no conflict (or declare one).
    pub fn awaits_confirmation(&self) -> bool {
        AssignmentStatus::Assigned.is(&self.status)
    }
    /// The scoring form is open (accepted) or can be read back (submitted).
    pub fn scoring(&self) -> Option<bool> {
        match AssignmentStatus::parse(&self.status) {
            Some(AssignmentStatus::Accepted) => Some(true),
            Some(AssignmentStatus::Submitted) => Some(false),
            _ => None,
        }
    }
}

pub fn mine(conn: &mut DbConn, ctx: &Ctx) -> AppResult<Vec<AssignmentView>> {
    let a = ctx.require(&[Role::Reviewer])?;
    let rows = db::review::for_reviewer(conn, a.id)?;
    // A reviewer sits on a call or two: one stages read per call.
    let mut stages: HashMap<(i64, i32), (String, String)> = HashMap::new();
    for call in rows.iter().map(|r| r.row.call_id).collect::<BTreeSet<_>>() {
        for st in db::calls::stages_of(conn, call)? {
            stages.insert((call, st.position), (st.key, st.name));
        }
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let x = r.row;
            let (stage, stage_name) = stages.get(&(x.call_id, x.stage)).cloned().unwrap_or_default();
            AssignmentView {
                call_id: x.call_id,
                call_title: r.call_title,
                due_on: r.due_on,
                id: x.id,
                bid_id: x.bid_id,
                bid_title: r.bid_title,
                organisation: r.organisation,
                status: x.status,
                submitted_at: x.submitted_at.map(|t| rfc3339_local(t.and_utc())),
                stage,
                stage_name,
            }
        })
        .collect())
}

/// The reviewer's own assignment in an active draw, or 404.
fn own(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<(db::review::AssignmentRow, db::review::DrawRow)> {
    let a = ctx.require(&[Role::Reviewer])?;
    let x = db::review::find(conn, id)?.filter(|x| x.reviewer_id == a.id).ok_or_else(AppError::not_found)?;
    let d = db::review::find_draw(conn, x.draw_id)?.filter(|d| d.active).ok_or_else(AppError::not_found)?;
    Ok((x, d))
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct ConflictInput {
    pub reason: Option<String>,
}

/// Declares a conflict (回避): the reviewer leaves the panel and a replacement is drawn from the
/// same seed's next stream.
pub fn declare_conflict(conn: &mut DbConn, ctx: &Ctx, id: i64, input: &ConflictInput) -> AppResult<AssignmentView> {
    let (x, d) = own(conn, ctx, id)?;
    let reason = text::paragraph(input.reason.as_deref().unwrap_or(""), 500)
        .map_err(|e| AppError::invalid_field("reason", e.code(), format!("回避理由：{}", e.message())))?;
    if !matches!(AssignmentStatus::parse(&x.status), Some(Assigned | Accepted)) {
        return Err(Code::WrongStatus.says("已提交评分或已回避，不能再声明回避"));
    }
    let experts = expert_pool(conn)?;
    let panel_rows = db::review::of_draw(conn, d.id)?;
    let on_bid: Vec<&db::review::AssignmentRow> = panel_rows.iter().filter(|r| r.bid_id == x.bid_id).collect();
    let declined: BTreeSet<i64> =
        on_bid.iter().filter(|r| r.status == "conflict").map(|r| r.reviewer_id).chain([x.reviewer_id]).collect();
    let panel: Vec<i64> = on_bid.iter().map(|r| r.reviewer_id).collect();
    let mut load: BTreeMap<i64, usize> = BTreeMap::new();
    for r in panel_rows.iter().filter(|r| r.status != "conflict") {
        *load.entry(r.reviewer_id).or_insert(0) += 1;
    }
    let bid = db::bids::find(conn, x.bid_id)?.ok_or_else(AppError::not_found)?;
    let org = db::organisations::find(conn, bid.organisation_id)?.ok_or_else(AppError::not_found)?;
    let next_no = panel_rows.iter().map(|r| r.replacement_no).max().unwrap_or(0) + 1;
    // The recorded seed is what makes the replacement re-runnable: never guess one.
    let seed: u64 = d.seed.parse().map_err(|_| AppError::internal(format!("draw {} has an unreadable seed", d.id)))?;
    let target = BidToReview { id: bid.id, org_uscc: org.uscc.clone(), declined };
    let replacement = draw::replacement(&target, &panel, &experts, &load, seed, next_no as u64);
    let now = db_time(ctx.now);
    db::write_tx(conn, |c| {
        if db::review::set_status(c, id, &[Assigned, Accepted], Conflict, Some(&reason))? != 1 {
            return Err(Code::WrongStatus.says("状态已变化，请刷新"));
        }
        let new_id = match replacement {
            Some(r) => Some(db::review::insert_assignment(c, db::review::NewAssignment::refill(&x, r, next_no, now))?),
            None => None,
        };
        audit::record(
            c,
            ctx,
            "review.conflict",
            "bid",
            Some(x.bid_id),
            serde_json::json!({"assignment_id": id, "reason": reason, "replacement_no": next_no, "replacement_reviewer": replacement, "replacement_assignment": new_id}),
        )?;
        Ok(())
    })?;
    mine(conn, ctx)?.into_iter().find(|v| v.id == id).ok_or_else(AppError::not_found)
}

/// Confirms no conflict: from now on the reviewer reads the whole bid and may score it.
pub fn accept(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<AssignmentView> {
    let (x, _) = own(conn, ctx, id)?;
    if !AssignmentStatus::Assigned.is(&x.status) {
        return Err(Code::WrongStatus.says("该评审任务已确认或已回避"));
    }
    db::write_tx(conn, |c| {
        if db::review::set_status(c, id, &[Assigned], Accepted, None)? != 1 {
            return Err(Code::WrongStatus.says("状态已变化，请刷新"));
        }
        audit::record(c, ctx, "review.accept", "bid", Some(x.bid_id), serde_json::json!({"assignment_id": id}))
    })?;
    mine(conn, ctx)?.into_iter().find(|v| v.id == id).ok_or_else(AppError::not_found)
}

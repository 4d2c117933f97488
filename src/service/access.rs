//! Who may read a bid and when its organisation may still change it: the one access rule that
//! bids, attachments and the pages share.

use super::Ctx;
use crate::clock::local_date;
use crate::db::bids::BidRow;
use crate::db::calls::{CallRow, PoolRow};
use crate::db::{self, DbConn};
use crate::domain::account::Role;
use crate::domain::bid::BidStatus;
use crate::domain::call::Phase;
use crate::error::{AppError, AppResult, Code};
use serde::Serialize;

pub(crate) fn load_call(conn: &mut DbConn, id: i64) -> AppResult<CallRow> {
    db::calls::find(conn, id)?.ok_or_else(AppError::not_found)
}

/// The bid with its call and pool, if the actor may see it now. Other organisations' bids are
/// 404; staff and finance read bids only after `closes_at` (sealed bids), and those reads are
/// audited by the caller.
pub(crate) fn visible(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<(BidRow, CallRow, PoolRow)> {
    let a = ctx.require(&Role::ALL)?;
    let (b, call, pool) = db::bids::find_with_call(conn, id)?.ok_or_else(AppError::not_found)?;
    match a.role {
        Role::Org if a.organisation_id == Some(b.organisation_id) => {}
        // Sealed bids answer 404 like ids that do not exist: an id reveals nothing, not even
        // that a bid was submitted.
        Role::Staff | Role::Finance
            if b.status != BidStatus::Draft.as_str()
                && a.in_scope(&pool.region_code)
                && !call.phase(ctx.now).bids_sealed() => {}
        // A reviewer reads a bid only on a live assignment, after confirming no conflict.
        Role::Reviewer if db::review::reviewer_may_read(conn, a.id, b.id)? => {}
        // A third-party evaluator reads the application of a project it evaluates.
        Role::Evaluator if db::evaluators::evaluates_bid(conn, b.id, a.id)? => {}
        _ => return Err(AppError::not_found()),
    }
    Ok((b, call, pool))
}

/// Whether the organisation may still change the bid's content (and its attachments): a draft
/// before `closes_at`, or a bid under 限期补正 until its due date.
pub(crate) fn editable(b: &BidRow, call: &CallRow, now: chrono::DateTime<chrono::Utc>) -> AppResult<()> {
    match BidStatus::parse(&b.status) {
        Some(BidStatus::Draft) if call.phase(now).past_deadline() => {
            Err(Code::DeadlinePassed.says("申报已截止，不能再修改"))
        }
        Some(BidStatus::Draft) => Ok(()),
        Some(BidStatus::NeedsCorrection) if b.correction_due.is_some_and(|d| local_date(now) > d) => {
            Err(AppError::from(Code::CorrectionOverdue))
        }
        Some(BidStatus::NeedsCorrection) => Ok(()),
        _ => Err(Code::NotEditable.says(format!("申报当前状态为“{}”，不能修改", BidStatus::label_of(&b.status)))),
    }
}

/// What the reader of a bid may do with it now, worked out where the rules live, so pages and
/// clients show exactly the buttons the services will accept.
#[derive(Serialize, Clone, Copy, Debug, Default, PartialEq, Eq, utoipa::ToSchema)]
pub struct BidActions {
    /// Change the content (a draft before the deadline, reopened sections until the due date).
    pub edit: bool,
    /// Submit (a draft while the call takes bids) or resubmit (限期补正 before its due date).
    pub submit: bool,
    pub withdraw: bool,
    pub screen: bool,
    pub finance: bool,
}

pub fn actions(b: &BidRow, call: &CallRow, ctx: &Ctx) -> BidActions {
    let Some(a) = ctx.actor() else { return BidActions::default() };
    let phase = call.phase(ctx.now);
    let status = BidStatus::parse(&b.status);
    let owner = a.role == Role::Org && a.organisation_id == Some(b.organisation_id);
    let editable = owner && editable(b, call, ctx.now).is_ok();
    BidActions {
        edit: editable,
        submit: editable && (status == Some(BidStatus::NeedsCorrection) || phase == Phase::Open),
        withdraw: owner && matches!(status, Some(BidStatus::Draft | BidStatus::Submitted)) && !phase.past_deadline(),
        screen: a.role == Role::Staff && status == Some(BidStatus::Submitted) && phase == Phase::Screening,
        finance: a.role == Role::Finance && status == Some(BidStatus::Eligible),
    }
}

/// Finds an organisation the actor may see: staff, finance and admins (town staff in their town),
/// the organisation's own users; everyone else gets 404.
pub fn organisation(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<crate::db::organisations::OrgRow> {
    let a = ctx.require(&Role::ALL)?;
    let o = db::organisations::find(conn, id)?.ok_or_else(AppError::not_found)?;
    let ok = match a.role {
        Role::Admin | Role::Finance => true,
        Role::Staff => a.in_scope(&o.region_code),
        Role::Org => a.organisation_id == Some(o.id),
        Role::Reviewer | Role::Evaluator | Role::Community => false,
    };
    if ok {
        Ok(o)
    } else {
        Err(AppError::not_found())
    }
}

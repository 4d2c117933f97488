//! Reviewer draws, assignments, scores and staff overrides of the allocation.

use super::schema::{allocation_overrides, assignments, bids, organisations, review_scores, reviewer_draws, users};
use super::DbConn;
use crate::domain::state::{self, AssignmentStatus};
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = reviewer_draws)]
pub struct DrawRow {
    pub id: i64,
    pub call_id: i64,
    pub seed: String,
    pub reviewers_per_bid: i32,
    pub reason: Option<String>,
    pub due_on: Option<chrono::NaiveDate>,
    pub active: bool,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub stage: i32,
}

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = assignments)]
pub struct AssignmentRow {
    pub id: i64,
    pub draw_id: i64,
    pub call_id: i64,
    pub bid_id: i64,
    pub reviewer_id: i64,
    pub status: String,
    pub replacement_no: i32,
    pub conflict_reason: Option<String>,
    pub comment: String,
    pub created_at: NaiveDateTime,
    pub submitted_at: Option<NaiveDateTime>,
    pub reminded_before_at: Option<NaiveDateTime>,
    pub reminded_after_at: Option<NaiveDateTime>,
    pub stage: i32,
}

/// A new active draw; it replaces the panels of its own stage only.
#[derive(Insertable)]
#[diesel(table_name = reviewer_draws)]
pub struct NewDraw<'a> {
    pub call_id: i64,
    pub stage: i32,
    pub seed: &'a str,
    pub reviewers_per_bid: i32,
    pub reason: Option<&'a str>,
    pub due_on: Option<chrono::NaiveDate>,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

pub fn insert_draw(conn: &mut DbConn, new: &NewDraw<'_>) -> QueryResult<i64> {
    diesel::update(
        reviewer_draws::table
            .filter(reviewer_draws::call_id.eq(new.call_id))
            .filter(reviewer_draws::stage.eq(new.stage)),
    )
    .set(reviewer_draws::active.eq(false))
    .execute(conn)?;
    diesel::insert_into(reviewer_draws::table)
        .values((new, reviewer_draws::active.eq(true)))
        .returning(reviewer_draws::id)
        .get_result(conn)
}

pub fn active_draw(conn: &mut DbConn, call_id: i64, stage: i32) -> QueryResult<Option<DrawRow>> {
    reviewer_draws::table
        .filter(reviewer_draws::call_id.eq(call_id))
        .filter(reviewer_draws::stage.eq(stage))
        .filter(reviewer_draws::active.eq(true))
        .select(DrawRow::as_select())
        .first(conn)
        .optional()
}

pub fn find_draw(conn: &mut DbConn, id: i64) -> QueryResult<Option<DrawRow>> {
    reviewer_draws::table.find(id).select(DrawRow::as_select()).first(conn).optional()
}

/// A reviewer's seat on one bid's panel; `replacement_no` counts how often the seat was refilled.
#[derive(Insertable, Clone, Copy)]
#[diesel(table_name = assignments)]
pub struct NewAssignment {
    pub draw_id: i64,
    pub stage: i32,
    pub call_id: i64,
    pub bid_id: i64,
    pub reviewer_id: i64,
    pub replacement_no: i32,
    pub created_at: NaiveDateTime,
}

impl NewAssignment {
    /// The seat that takes over `from`'s bid in the same draw.
    pub fn refill(from: &AssignmentRow, reviewer_id: i64, replacement_no: i32, created_at: NaiveDateTime) -> Self {
        NewAssignment {
            draw_id: from.draw_id,
            stage: from.stage,
            call_id: from.call_id,
            bid_id: from.bid_id,
            reviewer_id,
            replacement_no,
            created_at,
        }
    }
}

pub fn insert_assignment(conn: &mut DbConn, new: NewAssignment) -> QueryResult<i64> {
    diesel::insert_into(assignments::table)
        .values((new, assignments::status.eq(AssignmentStatus::Assigned.as_str()), assignments::comment.eq("")))
        .returning(assignments::id)
        .get_result(conn)
}

pub fn of_draw(conn: &mut DbConn, draw_id: i64) -> QueryResult<Vec<AssignmentRow>> {
    assignments::table
        .filter(assignments::draw_id.eq(draw_id))
        .select(AssignmentRow::as_select())
        .order(assignments::id)
        .load(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<AssignmentRow>> {
    assignments::table.find(id).select(AssignmentRow::as_select()).first(conn).optional()
}

/// A reviewer's assignments in active draws, with each bid's title and organisation.
/// A reviewer's assignment with what their list shows beside it.
#[derive(Queryable)]
pub struct ReviewerAssignment {
    pub row: AssignmentRow,
    pub bid_title: String,
    pub organisation: String,
    pub call_title: String,
    pub due_on: Option<chrono::NaiveDate>,
}

pub fn for_reviewer(conn: &mut DbConn, reviewer_id: i64) -> QueryResult<Vec<ReviewerAssignment>> {
    use super::schema::calls;
    assignments::table
        .inner_join(reviewer_draws::table.on(reviewer_draws::id.eq(assignments::draw_id)))
        .inner_join(bids::table.on(bids::id.eq(assignments::bid_id)))
        .inner_join(organisations::table.on(organisations::id.eq(bids::organisation_id)))
        .inner_join(calls::table.on(calls::id.eq(assignments::call_id)))
        .filter(assignments::reviewer_id.eq(reviewer_id))
        .filter(reviewer_draws::active.eq(true))
        .select((AssignmentRow::as_select(), bids::title, organisations::name, calls::title, reviewer_draws::due_on))
        .order(assignments::id)
        .load(conn)
}

/// Whether the reviewer holds a live (not conflicted) assignment on the bid in an active draw.
pub fn reviewer_may_read(conn: &mut DbConn, reviewer_id: i64, bid_id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        assignments::table
            .inner_join(reviewer_draws::table.on(reviewer_draws::id.eq(assignments::draw_id)))
            .filter(assignments::reviewer_id.eq(reviewer_id))
            .filter(assignments::bid_id.eq(bid_id))
            .filter(reviewer_draws::active.eq(true))
            .filter(assignments::status.eq_any(["accepted", "submitted"])),
    ))
    .get_result(conn)
}

/// Whether the reviewer reads some bid of the organisation on a live assignment (and so its
/// profile documents the bid relies on).
pub fn reviewer_may_read_org(conn: &mut DbConn, reviewer_id: i64, organisation_id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        assignments::table
            .inner_join(reviewer_draws::table.on(reviewer_draws::id.eq(assignments::draw_id)))
            .inner_join(bids::table.on(bids::id.eq(assignments::bid_id)))
            .filter(assignments::reviewer_id.eq(reviewer_id))
            .filter(bids::organisation_id.eq(organisation_id))
            .filter(reviewer_draws::active.eq(true))
            .filter(assignments::status.eq_any(["accepted", "submitted"])),
    ))
    .get_result(conn)
}

pub fn set_status(
    conn: &mut DbConn,
    id: i64,
    from: &[AssignmentStatus],
    to: AssignmentStatus,
    reason: Option<&str>,
) -> QueryResult<usize> {
    state::checked(from, to, AssignmentStatus::may_become);
    diesel::update(assignments::table.find(id).filter(assignments::status.eq_any(AssignmentStatus::names(from))))
        .set((assignments::status.eq(to.as_str()), assignments::conflict_reason.eq(reason)))
        .execute(conn)
}

/// Holds an accepted (not yet submitted) assignment for the rest of the transaction: the row
/// update takes its row lock, so a racing submit either waits for this write or makes it refuse.
pub fn hold_accepted(conn: &mut DbConn, id: i64) -> QueryResult<bool> {
    Ok(diesel::update(assignments::table.find(id).filter(assignments::status.eq("accepted")))
        .set(assignments::status.eq("accepted"))
        .execute(conn)?
        == 1)
}

pub fn save_scores(conn: &mut DbConn, id: i64, scores: &[(String, i64, String)], comment: &str) -> QueryResult<()> {
    diesel::delete(review_scores::table.filter(review_scores::assignment_id.eq(id))).execute(conn)?;
    for (k, s, c) in scores {
        diesel::insert_into(review_scores::table)
            .values((
                review_scores::assignment_id.eq(id),
                review_scores::criterion.eq(k),
                review_scores::score.eq(s),
                review_scores::comment.eq(c),
            ))
            .execute(conn)?;
    }
    diesel::update(assignments::table.find(id)).set(assignments::comment.eq(comment)).execute(conn)?;
    Ok(())
}

/// Locks the review, recording its total (exact decimal text) and first criterion's score.
pub fn mark_submitted(
    conn: &mut DbConn,
    id: i64,
    at: NaiveDateTime,
    total: &str,
    first_score: i64,
) -> QueryResult<usize> {
    diesel::update(assignments::table.find(id).filter(assignments::status.eq("accepted")))
        .set((
            assignments::status.eq("submitted"),
            assignments::submitted_at.eq(Some(at)),
            assignments::total.eq(Some(total)),
            assignments::first_score.eq(Some(first_score)),
        ))
        .execute(conn)
}

pub fn scores_of(conn: &mut DbConn, assignment_id: i64) -> QueryResult<Vec<(String, i64, String)>> {
    review_scores::table
        .filter(review_scores::assignment_id.eq(assignment_id))
        .select((review_scores::criterion, review_scores::score, review_scores::comment))
        .load(conn)
}

/// Every submitted score of the call's active draw: (bid, assignment, reviewer, criterion, score).
/// (bid, assignment, reviewer, criterion, score in hundredths)
pub type ScoreRow = (i64, i64, i64, String, i64);

pub fn submitted_scores(conn: &mut DbConn, call_id: i64, stage: i32) -> QueryResult<Vec<ScoreRow>> {
    review_scores::table
        .inner_join(assignments::table)
        .inner_join(reviewer_draws::table.on(reviewer_draws::id.eq(assignments::draw_id)))
        .filter(assignments::call_id.eq(call_id))
        .filter(assignments::stage.eq(stage))
        .filter(assignments::status.eq("submitted"))
        .filter(reviewer_draws::active.eq(true))
        .select((
            assignments::bid_id,
            assignments::id,
            assignments::reviewer_id,
            review_scores::criterion,
            review_scores::score,
        ))
        .load(conn)
}

/// Active reviewers with their affiliations, in id order.
pub fn reviewers(conn: &mut DbConn) -> QueryResult<Vec<(i64, Option<String>)>> {
    use super::schema::reviewer_affiliations;
    users::table
        .left_join(reviewer_affiliations::table)
        .filter(users::role.eq("reviewer"))
        .filter(users::active.eq(true))
        .select((users::id, reviewer_affiliations::uscc.nullable()))
        .order(users::id)
        .load(conn)
}

pub fn upsert_override(
    conn: &mut DbConn,
    call_id: i64,
    bid_id: i64,
    fund: bool,
    reason: &str,
    by: i64,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(
        allocation_overrides::table
            .filter(allocation_overrides::call_id.eq(call_id))
            .filter(allocation_overrides::bid_id.eq(bid_id)),
    )
    .execute(conn)?;
    diesel::insert_into(allocation_overrides::table)
        .values((
            allocation_overrides::call_id.eq(call_id),
            allocation_overrides::bid_id.eq(bid_id),
            allocation_overrides::fund.eq(fund),
            allocation_overrides::reason.eq(reason),
            allocation_overrides::created_by.eq(by),
            allocation_overrides::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn overrides(conn: &mut DbConn, call_id: i64) -> QueryResult<Vec<(i64, bool, String)>> {
    allocation_overrides::table
        .filter(allocation_overrides::call_id.eq(call_id))
        .select((allocation_overrides::bid_id, allocation_overrides::fund, allocation_overrides::reason))
        .load(conn)
}

/// Unsubmitted assignments of active draws with a due date: (assignment, due date).
pub fn open_with_due(conn: &mut DbConn) -> QueryResult<Vec<(AssignmentRow, chrono::NaiveDate)>> {
    assignments::table
        .inner_join(reviewer_draws::table.on(reviewer_draws::id.eq(assignments::draw_id)))
        .filter(reviewer_draws::active.eq(true))
        .filter(reviewer_draws::due_on.is_not_null())
        .filter(assignments::status.eq_any(["assigned", "accepted"]))
        .select((AssignmentRow::as_select(), reviewer_draws::due_on.assume_not_null()))
        .order(assignments::id)
        .load(conn)
}

/// Marks a reminder sent (`after` = past the due date); 0 when it already was.
pub fn mark_reminded(conn: &mut DbConn, id: i64, after: bool, at: NaiveDateTime) -> QueryResult<usize> {
    if after {
        diesel::update(assignments::table.find(id).filter(assignments::reminded_after_at.is_null()))
            .set(assignments::reminded_after_at.eq(Some(at)))
            .execute(conn)
    } else {
        diesel::update(assignments::table.find(id).filter(assignments::reminded_before_at.is_null()))
            .set(assignments::reminded_before_at.eq(Some(at)))
            .execute(conn)
    }
}

/// One row per submitted review of the call's active draw:
/// (bid, assignment, reviewer, stored total, stored first criterion score).
pub type ReviewTotalRow = (i64, i64, i64, Option<String>, Option<i64>);

/// The ranking's input: n × reviews rows, not n × reviews × criteria.
pub fn submitted_totals(
    conn: &mut DbConn,
    call_id: i64,
    stage: i32,
    mut each: impl FnMut(ReviewTotalRow),
) -> QueryResult<()> {
    // The active draws first (a handful of rows), so the scan does no join per review.
    super::each_native!(
        conn,
        assignments::table
            .filter(assignments::call_id.eq(call_id))
            .filter(assignments::stage.eq(stage))
            .filter(assignments::status.eq("submitted"))
            .filter(
                assignments::draw_id.eq_any(
                    reviewer_draws::table
                        .filter(reviewer_draws::call_id.eq(call_id))
                        .filter(reviewer_draws::active.eq(true))
                        .select(reviewer_draws::id)
                )
            )
            .select((
                assignments::bid_id,
                assignments::id,
                assignments::reviewer_id,
                assignments::total,
                assignments::first_score,
            )),
        ReviewTotalRow,
        &mut each
    )
}

/// Every live panel seat of a stage's active draw as (bid, status): conflicted and replaced
/// assignments are not on the panel any more.
pub fn panel_progress(conn: &mut DbConn, call_id: i64, stage: i32) -> QueryResult<Vec<(i64, String)>> {
    assignments::table
        .inner_join(reviewer_draws::table.on(reviewer_draws::id.eq(assignments::draw_id)))
        .filter(assignments::call_id.eq(call_id))
        .filter(assignments::stage.eq(stage))
        .filter(reviewer_draws::active.eq(true))
        .filter(assignments::status.eq_any(["assigned", "accepted", "submitted"]))
        .select((assignments::bid_id, assignments::status))
        .load(conn)
}

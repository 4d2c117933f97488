//! Third-party evaluators assigned to projects (`project_evaluators`), and the published
//! evaluation results (`evaluation_notices`).

use super::schema::{evaluation_notices as en, project_evaluators as pe, users};
use super::DbConn;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

/// (project, evaluator's user id, evaluator's name)
pub type Assigned = (i64, i64, String);

pub fn assign(conn: &mut DbConn, project_id: i64, user_id: i64, by: i64, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::insert_into(pe::table)
        .values((
            pe::project_id.eq(project_id),
            pe::user_id.eq(user_id),
            pe::assigned_by.eq(by),
            pe::assigned_at.eq(at),
        ))
        .execute(conn)
}

pub fn remove(conn: &mut DbConn, project_id: i64, user_id: i64) -> QueryResult<usize> {
    diesel::delete(pe::table.filter(pe::project_id.eq(project_id)).filter(pe::user_id.eq(user_id))).execute(conn)
}

pub fn is_assigned(conn: &mut DbConn, project_id: i64, user_id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(pe::table.filter(pe::project_id.eq(project_id)).filter(pe::user_id.eq(user_id))))
        .get_result(conn)
}

/// Whether the user evaluates a project funded from this bid (it may then read the bid).
pub fn evaluates_bid(conn: &mut DbConn, bid_id: i64, user_id: i64) -> QueryResult<bool> {
    use super::schema::projects;
    diesel::select(diesel::dsl::exists(
        pe::table
            .inner_join(projects::table.on(projects::id.eq(pe::project_id)))
            .filter(projects::bid_id.eq(bid_id))
            .filter(pe::user_id.eq(user_id)),
    ))
    .get_result(conn)
}

/// The evaluators of these projects, in the order they were assigned.
pub fn of(conn: &mut DbConn, project_ids: &[i64]) -> QueryResult<Vec<Assigned>> {
    pe::table
        .inner_join(users::table.on(users::id.eq(pe::user_id)))
        .filter(pe::project_id.eq_any(project_ids))
        .select((pe::project_id, pe::user_id, users::display_name))
        .order((pe::project_id, pe::assigned_at, pe::user_id))
        .load(conn)
}

/// The projects a user evaluates.
pub fn projects_of(conn: &mut DbConn, user_id: i64) -> QueryResult<Vec<i64>> {
    pe::table.filter(pe::user_id.eq(user_id)).select(pe::project_id).order(pe::project_id).load(conn)
}

/// The active evaluator accounts, to choose from: (id, name).
pub fn accounts(conn: &mut DbConn) -> QueryResult<Vec<(i64, String)>> {
    users::table
        .filter(users::role.eq("evaluator"))
        .filter(users::active.eq(true))
        .select((users::id, users::display_name))
        .order(users::id)
        .load(conn)
}

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = en)]
pub struct NoticeRow {
    pub id: i64,
    pub call_id: i64,
    pub kind: String,
    pub seq: i32,
    pub title: String,
    /// JSON snapshot of the published lines.
    pub entries: String,
    pub ends_on: NaiveDate,
    pub published_by: i64,
    pub published_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = en)]
pub struct NewNotice<'a> {
    pub call_id: i64,
    pub kind: &'a str,
    pub seq: i32,
    pub title: &'a str,
    pub entries: &'a str,
    pub ends_on: NaiveDate,
    pub published_by: i64,
    pub published_at: NaiveDateTime,
}

pub fn insert_notice(conn: &mut DbConn, new: &NewNotice<'_>) -> QueryResult<i64> {
    diesel::insert_into(en::table).values(new).returning(en::id).get_result(conn)
}

pub fn find_notice(conn: &mut DbConn, id: i64) -> QueryResult<Option<NoticeRow>> {
    en::table.find(id).select(NoticeRow::as_select()).first(conn).optional()
}

/// A call's evaluation notices, oldest first.
pub fn notices_of(conn: &mut DbConn, call_id: i64) -> QueryResult<Vec<NoticeRow>> {
    en::table.filter(en::call_id.eq(call_id)).select(NoticeRow::as_select()).order(en::id).load(conn)
}

/// (milestone, project, agreement number, title, organisation, grade, total in hundredths) of a
/// call's verified evaluations of one kind that carry a grade, by agreement number.
pub type Graded = (i64, i64, String, String, String, String, Option<i64>);

pub fn graded(conn: &mut DbConn, call_id: i64, kind: &str) -> QueryResult<Vec<Graded>> {
    use super::schema::{bids, evaluation_scores, organisations, project_milestones as pm, projects};
    pm::table
        .inner_join(projects::table.on(projects::id.eq(pm::project_id)))
        .inner_join(bids::table.on(bids::id.eq(projects::bid_id)))
        .inner_join(organisations::table.on(organisations::id.eq(projects::organisation_id)))
        .left_join(evaluation_scores::table.on(evaluation_scores::milestone_id.eq(pm::id)))
        .filter(projects::call_id.eq(call_id))
        .filter(pm::kind.eq(kind))
        .filter(pm::status.eq("verified"))
        .filter(pm::grade.is_not_null())
        .select((
            pm::id,
            projects::id,
            projects::agreement_no,
            bids::title,
            organisations::name,
            pm::grade.assume_not_null(),
            evaluation_scores::total.nullable(),
        ))
        .order(projects::agreement_no)
        .load(conn)
}

//! Results notices, objections, and the projects finalisation creates.

use super::schema::{bids, notices, objections, project_tranches, projects};
use super::DbConn;
use crate::domain::state::{self, BidStatus, ObjectionStatus};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = notices)]
pub struct NoticeRow {
    pub id: i64,
    pub call_id: i64,
    pub title: String,
    pub published_at: NaiveDateTime,
    pub published_by: i64,
    pub ends_on: NaiveDate,
    pub days: i32,
    pub working_days: bool,
}

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = objections)]
pub struct ObjectionRow {
    pub id: i64,
    pub notice_id: i64,
    pub bid_id: i64,
    pub name: String,
    pub contact: String,
    pub text: String,
    pub ip: String,
    pub status: String,
    pub reply: Option<String>,
    pub cancel_funding: Option<bool>,
    pub answered_by: Option<i64>,
    pub answered_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = notices)]
pub struct NewNotice<'a> {
    pub call_id: i64,
    pub title: &'a str,
    pub published_at: NaiveDateTime,
    pub published_by: i64,
    pub ends_on: NaiveDate,
    pub days: i32,
    pub working_days: bool,
}

pub fn insert_notice(conn: &mut DbConn, new: &NewNotice<'_>) -> QueryResult<i64> {
    diesel::insert_into(notices::table).values(new).returning(notices::id).get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<NoticeRow>> {
    notices::table.find(id).select(NoticeRow::as_select()).first(conn).optional()
}

pub fn of_call(conn: &mut DbConn, call_id: i64) -> QueryResult<Option<NoticeRow>> {
    notices::table.filter(notices::call_id.eq(call_id)).select(NoticeRow::as_select()).first(conn).optional()
}

/// (call id, notice id) for those of these calls that have a results notice.
pub fn ids_of_calls(conn: &mut DbConn, call_ids: &[i64]) -> QueryResult<Vec<(i64, i64)>> {
    notices::table.filter(notices::call_id.eq_any(call_ids)).select((notices::call_id, notices::id)).load(conn)
}

/// A new objection; it always starts `pending`.
#[derive(Insertable)]
#[diesel(table_name = objections)]
pub struct NewObjection<'a> {
    pub notice_id: i64,
    pub bid_id: i64,
    pub name: &'a str,
    pub contact: &'a str,
    pub text: &'a str,
    pub ip: &'a str,
    pub created_at: NaiveDateTime,
}

pub fn insert_objection(conn: &mut DbConn, new: &NewObjection<'_>) -> QueryResult<i64> {
    diesel::insert_into(objections::table)
        .values((new, objections::status.eq(ObjectionStatus::Pending.as_str())))
        .returning(objections::id)
        .get_result(conn)
}

pub fn count_from_ip(conn: &mut DbConn, notice_id: i64, ip: &str, since: NaiveDateTime) -> QueryResult<i64> {
    objections::table
        .filter(objections::notice_id.eq(notice_id))
        .filter(objections::ip.eq(ip))
        .filter(objections::created_at.gt(since))
        .count()
        .get_result(conn)
}

pub fn count_since(conn: &mut DbConn, notice_id: i64, since: NaiveDateTime) -> QueryResult<i64> {
    objections::table
        .filter(objections::notice_id.eq(notice_id))
        .filter(objections::created_at.gt(since))
        .count()
        .get_result(conn)
}

pub fn find_objection(conn: &mut DbConn, id: i64) -> QueryResult<Option<ObjectionRow>> {
    objections::table.find(id).select(ObjectionRow::as_select()).first(conn).optional()
}

pub fn objections_of(conn: &mut DbConn, notice_id: i64) -> QueryResult<Vec<ObjectionRow>> {
    objections::table
        .filter(objections::notice_id.eq(notice_id))
        .select(ObjectionRow::as_select())
        .order(objections::id)
        .load(conn)
}

pub fn pending_count(conn: &mut DbConn, notice_id: i64) -> QueryResult<i64> {
    objections::table
        .filter(objections::notice_id.eq(notice_id))
        .filter(objections::status.eq(ObjectionStatus::Pending.as_str()))
        .count()
        .get_result(conn)
}

pub fn answer(
    conn: &mut DbConn,
    id: i64,
    upheld: bool,
    reply: &str,
    cancel: bool,
    by: i64,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(objections::table.find(id).filter(objections::status.eq(ObjectionStatus::Pending.as_str())))
        .set((
            objections::status.eq(if upheld { "upheld" } else { "dismissed" }),
            objections::reply.eq(Some(reply)),
            objections::cancel_funding.eq(Some(cancel)),
            objections::answered_by.eq(Some(by)),
            objections::answered_at.eq(Some(at)),
        ))
        .execute(conn)
}

pub fn set_bid_status(
    conn: &mut DbConn,
    bid_id: i64,
    from: BidStatus,
    to: BidStatus,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    state::checked(&[from], to, BidStatus::may_become);
    diesel::update(bids::table.find(bid_id).filter(bids::status.eq(from.as_str())))
        .set((bids::status.eq(to.as_str()), bids::updated_at.eq(at)))
        .execute(conn)
}

pub fn insert_project(
    conn: &mut DbConn,
    call_id: i64,
    bid_id: i64,
    org_id: i64,
    agreement_no: &str,
    approved: i64,
    at: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(projects::table)
        .values((
            projects::call_id.eq(call_id),
            projects::bid_id.eq(bid_id),
            projects::organisation_id.eq(org_id),
            projects::agreement_no.eq(agreement_no),
            projects::approved.eq(approved),
            projects::paid.eq(0i64),
            projects::status.eq("active"),
            projects::created_at.eq(at),
        ))
        .returning(projects::id)
        .get_result(conn)
}

pub fn insert_tranche(conn: &mut DbConn, project_id: i64, seq: i32, pct: i32, amount: i64) -> QueryResult<()> {
    diesel::insert_into(project_tranches::table)
        .values((
            project_tranches::project_id.eq(project_id),
            project_tranches::seq.eq(seq),
            project_tranches::pct.eq(pct),
            project_tranches::amount.eq(amount),
        ))
        .execute(conn)?;
    Ok(())
}

/// (project id, bid id, agreement number, approved fen) of a call.
pub fn projects_of(conn: &mut DbConn, call_id: i64) -> QueryResult<Vec<(i64, i64, String, i64)>> {
    projects::table
        .filter(projects::call_id.eq(call_id))
        .select((projects::id, projects::bid_id, projects::agreement_no, projects::approved))
        .order(projects::id)
        .load(conn)
}

pub fn tranches_of(conn: &mut DbConn, project_ids: &[i64]) -> QueryResult<Vec<(i64, i32, i32, i64)>> {
    project_tranches::table
        .filter(project_tranches::project_id.eq_any(project_ids))
        .select((project_tranches::project_id, project_tranches::seq, project_tranches::pct, project_tranches::amount))
        .order((project_tranches::project_id, project_tranches::seq))
        .load(conn)
}

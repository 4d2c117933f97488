//! An organisation's standing records (`organisation_standing`): appended, never edited, except
//! that lifting a suspension sets its end.

use super::schema::organisation_standing;
use super::DbConn;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = organisation_standing)]
pub struct StandingRow {
    pub id: i64,
    pub organisation_id: i64,
    pub kind: String,
    pub year: Option<i32>,
    pub result: String,
    pub since: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    pub note: String,
    pub recorded_by: i64,
    pub recorded_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = organisation_standing)]
pub struct NewStanding<'a> {
    pub organisation_id: i64,
    pub kind: &'a str,
    pub year: Option<i32>,
    pub result: &'a str,
    pub since: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    pub note: &'a str,
    pub recorded_by: i64,
    pub recorded_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, new: &NewStanding<'_>) -> QueryResult<i64> {
    diesel::insert_into(organisation_standing::table).values(new).returning(organisation_standing::id).get_result(conn)
}

/// Every record of the organisations, oldest first.
pub fn of(conn: &mut DbConn, organisation_ids: &[i64]) -> QueryResult<Vec<StandingRow>> {
    organisation_standing::table
        .filter(organisation_standing::organisation_id.eq_any(organisation_ids))
        .select(StandingRow::as_select())
        .order(organisation_standing::id)
        .load(conn)
}

/// Every record of the organisations with a bid in the call, oldest first: chosen by the database
/// (a call's applicants can be more than a statement may bind).
pub fn of_applicants(conn: &mut DbConn, call_id: i64) -> QueryResult<Vec<StandingRow>> {
    use super::schema::bids;
    organisation_standing::table
        .filter(
            organisation_standing::organisation_id
                .eq_any(bids::table.filter(bids::call_id.eq(call_id)).select(bids::organisation_id)),
        )
        .select(StandingRow::as_select())
        .order(organisation_standing::id)
        .load(conn)
}

/// Ends the open suspensions of an organisation on `day`; how many were open.
pub fn lift_suspensions(conn: &mut DbConn, organisation_id: i64, day: NaiveDate) -> QueryResult<usize> {
    diesel::update(
        organisation_standing::table
            .filter(organisation_standing::organisation_id.eq(organisation_id))
            .filter(organisation_standing::kind.eq("suspension"))
            .filter(organisation_standing::until.is_null()),
    )
    .set(organisation_standing::until.eq(day))
    .execute(conn)
}

//! Change requests (`project_changes`): filed by the organisation, decided by staff and, for
//! large budget moves, by finance; each decision a conditional UPDATE on the current status.

use super::schema::project_changes as pc;
use super::DbConn;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = pc)]
pub struct ChangeRow {
    pub id: i64,
    pub project_id: i64,
    pub kind: String,
    pub description: String,
    /// The proposed lines as JSON (`db::budgets::StoredLine`), for a budget change.
    pub budget_lines: Option<String>,
    pub new_end_date: Option<NaiveDate>,
    pub moved: i64,
    pub needs_finance: bool,
    pub status: String,
    pub staff_note: Option<String>,
    pub staff_by: Option<i64>,
    pub staff_at: Option<NaiveDateTime>,
    pub finance_note: Option<String>,
    pub finance_by: Option<i64>,
    pub finance_at: Option<NaiveDateTime>,
    pub budget_version: Option<i32>,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = pc)]
pub struct NewChange<'a> {
    pub project_id: i64,
    pub kind: &'a str,
    pub description: &'a str,
    pub budget_lines: Option<&'a str>,
    pub new_end_date: Option<NaiveDate>,
    pub moved: i64,
    pub needs_finance: bool,
    pub status: &'a str,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, new: &NewChange<'_>) -> QueryResult<i64> {
    diesel::insert_into(pc::table).values(new).returning(pc::id).get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<ChangeRow>> {
    pc::table.find(id).select(ChangeRow::as_select()).first(conn).optional()
}

/// The projects' change requests, oldest first.
pub fn of(conn: &mut DbConn, project_ids: &[i64]) -> QueryResult<Vec<ChangeRow>> {
    pc::table.filter(pc::project_id.eq_any(project_ids)).select(ChangeRow::as_select()).order(pc::id).load(conn)
}

/// How many of the project's requests are still undecided.
pub fn open_count(conn: &mut DbConn, project_id: i64) -> QueryResult<i64> {
    pc::table
        .filter(pc::project_id.eq(project_id))
        .filter(pc::status.eq_any(["pending", "awaiting_finance"]))
        .count()
        .get_result(conn)
}

/// Staff's decision, only while pending; 0 when someone decided first.
pub fn staff_decide(
    conn: &mut DbConn,
    id: i64,
    to: &str,
    note: &str,
    by: i64,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(pc::table.find(id).filter(pc::status.eq("pending")))
        .set((pc::status.eq(to), pc::staff_note.eq(Some(note)), pc::staff_by.eq(Some(by)), pc::staff_at.eq(Some(at))))
        .execute(conn)
}

/// Finance's decision, only while awaiting finance; 0 when someone decided first.
pub fn finance_decide(
    conn: &mut DbConn,
    id: i64,
    to: &str,
    note: &str,
    by: i64,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(pc::table.find(id).filter(pc::status.eq("awaiting_finance")))
        .set((
            pc::status.eq(to),
            pc::finance_note.eq(Some(note)),
            pc::finance_by.eq(Some(by)),
            pc::finance_at.eq(Some(at)),
        ))
        .execute(conn)
}

pub fn set_budget_version(conn: &mut DbConn, id: i64, version: i32) -> QueryResult<usize> {
    diesel::update(pc::table.find(id)).set(pc::budget_version.eq(Some(version))).execute(conn)
}

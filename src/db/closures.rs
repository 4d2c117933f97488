//! 结项 rows (`project_closures`): the final accounts filed, then the refund and release at closing.

use super::schema::{project_closures as pc, projects};
use super::DbConn;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = pc)]
pub struct ClosureRow {
    pub project_id: i64,
    /// `[{category, amount}]` as JSON, amounts as decimal strings.
    pub final_accounts: String,
    pub spent: i64,
    pub note: String,
    pub filed_by: i64,
    pub filed_at: NaiveDateTime,
    pub refunded: i64,
    pub refund_reference: Option<String>,
    pub refunded_on: Option<NaiveDate>,
    pub released: i64,
    pub closed_by: Option<i64>,
    pub closed_at: Option<NaiveDateTime>,
}

pub fn of(conn: &mut DbConn, project_ids: &[i64]) -> QueryResult<Vec<ClosureRow>> {
    pc::table.filter(pc::project_id.eq_any(project_ids)).select(ClosureRow::as_select()).load(conn)
}

/// Files (or files again) the final accounts of a project not yet closed; 0 when it closed.
pub fn file(
    conn: &mut DbConn,
    project_id: i64,
    accounts: &str,
    spent: i64,
    note: &str,
    by: i64,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    let open = pc::table.find(project_id).select(pc::closed_at).first::<Option<NaiveDateTime>>(conn).optional()?;
    match open {
        Some(Some(_)) => Ok(0),
        Some(None) => diesel::update(pc::table.find(project_id).filter(pc::closed_at.is_null()))
            .set((
                pc::final_accounts.eq(accounts),
                pc::spent.eq(spent),
                pc::note.eq(note),
                pc::filed_by.eq(by),
                pc::filed_at.eq(at),
            ))
            .execute(conn),
        None => diesel::insert_into(pc::table)
            .values((
                pc::project_id.eq(project_id),
                pc::final_accounts.eq(accounts),
                pc::spent.eq(spent),
                pc::note.eq(note),
                pc::filed_by.eq(by),
                pc::filed_at.eq(at),
            ))
            .execute(conn),
    }
}

pub struct Closing<'a> {
    pub refunded: i64,
    pub refund_reference: Option<&'a str>,
    pub refunded_on: Option<NaiveDate>,
    pub released: i64,
    pub by: i64,
    pub at: NaiveDateTime,
}

/// Records the closing on the filed row; 0 when it was already closed.
pub fn close(conn: &mut DbConn, project_id: i64, c: &Closing<'_>) -> QueryResult<usize> {
    diesel::update(pc::table.find(project_id).filter(pc::closed_at.is_null()))
        .set((
            pc::refunded.eq(c.refunded),
            pc::refund_reference.eq(c.refund_reference),
            pc::refunded_on.eq(c.refunded_on),
            pc::released.eq(c.released),
            pc::closed_by.eq(Some(c.by)),
            pc::closed_at.eq(Some(c.at)),
        ))
        .execute(conn)
}

/// Marks an active project completed and returns `(approved, paid)` under the row lock a payment
/// also takes: no payment lands after the closing's figures were read.
pub fn complete(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<Option<(i64, i64)>> {
    diesel::update(projects::table.find(id).filter(projects::status.eq("active")))
        .set((projects::status.eq("completed"), projects::ended_at.eq(Some(at))))
        .returning((projects::approved, projects::paid))
        .get_result(conn)
        .optional()
}

/// Refunds recorded per project (closed projects with a refund).
pub fn refunds(conn: &mut DbConn) -> QueryResult<Vec<(i64, i64)>> {
    pc::table
        .filter(pc::closed_at.is_not_null())
        .select((pc::project_id, pc::refunded))
        .order(pc::project_id)
        .load(conn)
}

//! Social organisations.

use super::schema::organisations;
use super::DbConn;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = organisations)]
pub struct OrgRow {
    pub id: i64,
    pub uscc: String,
    pub uscc_override_reason: Option<String>,
    pub name: String,
    pub org_type: String,
    pub registered_on: NaiveDate,
    pub region_code: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub email: String,
    pub status: String,
    pub status_reason: Option<String>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = organisations)]
pub struct NewOrg<'a> {
    pub uscc: &'a str,
    pub uscc_override_reason: Option<&'a str>,
    pub name: &'a str,
    pub org_type: &'a str,
    pub registered_on: NaiveDate,
    pub region_code: &'a str,
    pub contact_name: &'a str,
    pub contact_phone: &'a str,
    pub email: &'a str,
    pub status: &'a str,
    pub status_reason: Option<&'a str>,
    pub decided_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, new: &NewOrg<'_>) -> QueryResult<i64> {
    diesel::insert_into(organisations::table).values(new).returning(organisations::id).get_result(conn)
}

/// Many rows, one prepared statement each (the two-backend connection has no batch insert;
/// inside one transaction 10,000 rows still take well under a second).
pub fn insert_many(conn: &mut DbConn, rows: &[NewOrg<'_>]) -> QueryResult<usize> {
    let mut n = 0;
    for row in rows {
        n += diesel::insert_into(organisations::table).values(row).execute(conn)?;
    }
    Ok(n)
}

pub fn id_by_uscc(conn: &mut DbConn, uscc: &str) -> QueryResult<Option<i64>> {
    organisations::table.filter(organisations::uscc.eq(uscc)).select(organisations::id).first(conn).optional()
}

pub fn set_email_if_blank(conn: &mut DbConn, id: i64, email: &str) -> QueryResult<usize> {
    diesel::update(organisations::table.filter(organisations::id.eq(id)).filter(organisations::email.eq("")))
        .set(organisations::email.eq(email))
        .execute(conn)
}

/// Every registered code, for checking an import in one query instead of one per row.
pub fn all_usccs(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    organisations::table.select(organisations::uscc).load(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<OrgRow>> {
    organisations::table.find(id).select(OrgRow::as_select()).first(conn).optional()
}

pub fn uscc_taken(conn: &mut DbConn, uscc: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(organisations::table.filter(organisations::uscc.eq(uscc)))).get_result(conn)
}

pub struct OrgFilter<'a> {
    pub status: Option<&'a str>,
    pub region_prefix: Option<&'a str>,
    pub after_id: i64,
    pub limit: i64,
}

/// One page of organisations in id order (keyset paging, no OFFSET scans).
pub fn list(conn: &mut DbConn, f: &OrgFilter<'_>) -> QueryResult<Vec<OrgRow>> {
    let mut q = organisations::table
        .select(OrgRow::as_select())
        .filter(organisations::id.gt(f.after_id))
        .order(organisations::id)
        .limit(f.limit)
        .into_boxed();
    if let Some(s) = f.status {
        q = q.filter(organisations::status.eq(s));
    }
    if let Some(p) = f.region_prefix {
        q = q.filter(organisations::region_code.like(format!("{p}%")));
    }
    q.load(conn)
}

/// Moves an organisation from one of `from` to `to`; 0 rows when it was not in such a state
/// (someone else decided first).
pub fn set_status(
    conn: &mut DbConn,
    id: i64,
    from: &[&str],
    to: &str,
    reason: Option<&str>,
    by: i64,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(organisations::table.find(id).filter(organisations::status.eq_any(from)))
        .set((
            organisations::status.eq(to),
            organisations::status_reason.eq(reason),
            organisations::decided_by.eq(Some(by)),
            organisations::decided_at.eq(Some(at)),
        ))
        .execute(conn)
}

/// (id, name) of these organisations (ids may repeat, as drawn from bids).
pub fn names_of(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    super::in_chunks(ids, |ids| {
        organisations::table
            .filter(organisations::id.eq_any(ids))
            .select((organisations::id, organisations::name))
            .load(conn)
    })
}

/// (id, USCC) of these organisations (ids may repeat), one query per 10,000.
pub fn usccs_of(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    super::in_chunks(ids, |ids| {
        organisations::table
            .filter(organisations::id.eq_any(ids))
            .select((organisations::id, organisations::uscc))
            .load(conn)
    })
}

/// How many organisations hold `status` (who a published call will email).
pub fn count_with_status(conn: &mut DbConn, status: &str) -> QueryResult<i64> {
    organisations::table.filter(organisations::status.eq(status)).count().get_result(conn)
}

/// (id, name, email) of these organisations by id (ids may repeat), one query per 10,000.
pub fn emails_of(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(i64, String, String)>> {
    // Chunks of ascending ids, each read in id order: the whole is in id order.
    super::in_chunks(ids, |ids| {
        organisations::table
            .filter(organisations::id.eq_any(ids))
            .select((organisations::id, organisations::name, organisations::email))
            .order(organisations::id)
            .load(conn)
    })
}

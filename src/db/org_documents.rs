//! Documents kept in an organisation's profile (the bytes are files named by their SHA-256).

use super::schema::organisation_documents as od;
use super::DbConn;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = od)]
pub struct OrgDocumentRow {
    pub id: i64,
    pub organisation_id: i64,
    pub kind: String,
    pub original_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub valid_until: Option<NaiveDate>,
    pub uploaded_by: i64,
    pub uploaded_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
}

#[derive(Insertable)]
#[diesel(table_name = od)]
pub struct NewOrgDocument<'a> {
    pub organisation_id: i64,
    pub kind: &'a str,
    pub original_name: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    pub sha256: &'a str,
    pub valid_until: Option<NaiveDate>,
    pub uploaded_by: i64,
    pub uploaded_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, new: &NewOrgDocument<'_>) -> QueryResult<i64> {
    diesel::insert_into(od::table).values(new).returning(od::id).get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<OrgDocumentRow>> {
    od::table.find(id).filter(od::deleted_at.is_null()).select(OrgDocumentRow::as_select()).first(conn).optional()
}

/// The organisation's documents not removed, newest first.
pub fn live(conn: &mut DbConn, organisation_id: i64) -> QueryResult<Vec<OrgDocumentRow>> {
    od::table
        .filter(od::organisation_id.eq(organisation_id))
        .filter(od::deleted_at.is_null())
        .select(OrgDocumentRow::as_select())
        .order(od::id.desc())
        .load(conn)
}

pub fn count_live(conn: &mut DbConn, organisation_id: i64) -> QueryResult<i64> {
    od::table.filter(od::organisation_id.eq(organisation_id)).filter(od::deleted_at.is_null()).count().get_result(conn)
}

/// The documents the organisation had in its profile at `at` (uploaded by then, not yet
/// removed), newest first; whether each was still valid is the caller's rule.
pub fn held_at(conn: &mut DbConn, organisation_id: i64, at: NaiveDateTime) -> QueryResult<Vec<OrgDocumentRow>> {
    od::table
        .filter(od::organisation_id.eq(organisation_id))
        .filter(od::uploaded_at.le(at))
        .filter(od::deleted_at.is_null().or(od::deleted_at.gt(at)))
        .select(OrgDocumentRow::as_select())
        .order(od::id.desc())
        .load(conn)
}

/// Soft delete: the row stays for bids submitted while it was held, and for the audit trail.
pub fn delete(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(od::table.find(id).filter(od::deleted_at.is_null())).set(od::deleted_at.eq(Some(at))).execute(conn)
}

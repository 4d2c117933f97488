//! Attachment rows (the bytes are files named by their SHA-256).

use super::schema::attachments;
use super::DbConn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = attachments)]
pub struct AttachmentRow {
    pub id: i64,
    pub bid_id: i64,
    pub kind: String,
    pub original_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_by: i64,
    pub uploaded_at: NaiveDateTime,
    pub deleted_at: Option<NaiveDateTime>,
    /// Set when the file is evidence for a milestone report.
    pub milestone_id: Option<i64>,
}

#[derive(Insertable)]
#[diesel(table_name = attachments)]
pub struct NewAttachment<'a> {
    pub bid_id: i64,
    pub kind: &'a str,
    pub original_name: &'a str,
    pub content_type: &'a str,
    pub size: i64,
    pub sha256: &'a str,
    pub uploaded_by: i64,
    pub uploaded_at: NaiveDateTime,
    pub milestone_id: Option<i64>,
}

pub fn insert(conn: &mut DbConn, a: &NewAttachment<'_>) -> QueryResult<i64> {
    diesel::insert_into(attachments::table).values(a).returning(attachments::id).get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<AttachmentRow>> {
    attachments::table
        .find(id)
        .filter(attachments::deleted_at.is_null())
        .select(AttachmentRow::as_select())
        .first(conn)
        .optional()
}

/// The bids' own attachments (not milestone evidence).
pub fn of_bids(conn: &mut DbConn, bid_ids: &[i64]) -> QueryResult<Vec<AttachmentRow>> {
    let q = attachments::table
        .filter(attachments::milestone_id.is_null())
        .filter(attachments::deleted_at.is_null())
        .select(AttachmentRow::as_select())
        .order(attachments::id);
    // One bid is the common case; `IN (…)` is never a cached statement.
    match bid_ids {
        [id] => q.filter(attachments::bid_id.eq(id)).load(conn),
        ids => q.filter(attachments::bid_id.eq_any(ids)).load(conn),
    }
}

/// Every live file of a bid: its attachments and its project's milestone evidence.
pub fn all_of_bid(conn: &mut DbConn, bid_id: i64) -> QueryResult<Vec<AttachmentRow>> {
    attachments::table
        .filter(attachments::bid_id.eq(bid_id))
        .filter(attachments::deleted_at.is_null())
        .select(AttachmentRow::as_select())
        .order(attachments::id)
        .load(conn)
}

pub fn count_of_bid(conn: &mut DbConn, bid_id: i64) -> QueryResult<i64> {
    attachments::table
        .filter(attachments::bid_id.eq(bid_id))
        .filter(attachments::milestone_id.is_null())
        .filter(attachments::deleted_at.is_null())
        .count()
        .get_result(conn)
}

/// Soft delete: the row stays for the audit trail.
pub fn delete(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(attachments::table.find(id).filter(attachments::deleted_at.is_null()))
        .set(attachments::deleted_at.eq(Some(at)))
        .execute(conn)
}

/// Evidence attached to these milestones.
pub fn of_milestones(conn: &mut DbConn, milestone_ids: &[i64]) -> QueryResult<Vec<AttachmentRow>> {
    attachments::table
        .filter(attachments::milestone_id.eq_any(milestone_ids))
        .filter(attachments::deleted_at.is_null())
        .select(AttachmentRow::as_select())
        .order(attachments::id)
        .load(conn)
}

pub fn count_of_milestone(conn: &mut DbConn, milestone_id: i64) -> QueryResult<i64> {
    attachments::table
        .filter(attachments::milestone_id.eq(milestone_id))
        .filter(attachments::deleted_at.is_null())
        .count()
        .get_result(conn)
}

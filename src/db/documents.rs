//! Published documents and their hashes.

use super::schema::documents;
use super::DbConn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = documents)]
pub struct DocumentRow {
    pub id: i64,
    pub kind: String,
    pub entity_id: i64,
    pub title: String,
    pub sha256: String,
    pub size: i64,
    pub published_at: NaiveDateTime,
    pub current: bool,
    pub audit_head: String,
}

/// Records a new version; earlier versions of the same document stay, no longer current.
/// A published file's record; publishing it retires the entity's earlier version of the same kind.
#[derive(Insertable)]
#[diesel(table_name = documents)]
pub struct NewDocument<'a> {
    pub kind: &'a str,
    pub entity_id: i64,
    pub title: &'a str,
    pub sha256: &'a str,
    pub size: i64,
    pub published_at: NaiveDateTime,
    pub audit_head: &'a str,
}

pub fn publish(conn: &mut DbConn, new: &NewDocument<'_>) -> QueryResult<i64> {
    diesel::update(
        documents::table.filter(documents::kind.eq(new.kind)).filter(documents::entity_id.eq(new.entity_id)),
    )
    .set(documents::current.eq(false))
    .execute(conn)?;
    diesel::insert_into(documents::table)
        .values((new, documents::current.eq(true)))
        .returning(documents::id)
        .get_result(conn)
}

pub fn current(conn: &mut DbConn, kind: &str, entity_id: i64) -> QueryResult<Option<DocumentRow>> {
    documents::table
        .filter(documents::kind.eq(kind))
        .filter(documents::entity_id.eq(entity_id))
        .filter(documents::current.eq(true))
        .select(DocumentRow::as_select())
        .first(conn)
        .optional()
}

pub fn by_hash(conn: &mut DbConn, sha256: &str) -> QueryResult<Option<DocumentRow>> {
    documents::table.filter(documents::sha256.eq(sha256)).select(DocumentRow::as_select()).first(conn).optional()
}

/// Every published version's title and the audit chain head printed on it.
pub fn audit_heads(conn: &mut DbConn) -> QueryResult<Vec<(String, String)>> {
    documents::table.filter(documents::audit_head.ne("")).select((documents::title, documents::audit_head)).load(conn)
}

/// (entity, SHA-256) of the current documents of one kind for these entities, in one query.
pub fn current_of(conn: &mut DbConn, kind: &str, entity_ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    documents::table
        .filter(documents::kind.eq(kind))
        .filter(documents::entity_id.eq_any(entity_ids))
        .filter(documents::current.eq(true))
        .select((documents::entity_id, documents::sha256))
        .load(conn)
}

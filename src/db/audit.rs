//! The append-only audit chain.

use super::schema::audit_log;
use super::DbConn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

/// Lock key serialising appends to the chain on PostgreSQL.
pub const CHAIN_LOCK: i64 = 0x0061_7564_6974;

#[derive(Queryable, Selectable, Insertable, Clone, Debug)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: i64,
    pub at: NaiveDateTime,
    pub actor_id: Option<i64>,
    pub action: String,
    pub entity: String,
    pub entity_id: Option<i64>,
    pub detail: String,
    pub prev_hash: String,
    pub hash: String,
}

pub fn head(conn: &mut DbConn) -> QueryResult<Option<(i64, String)>> {
    audit_log::table.select((audit_log::id, audit_log::hash)).order(audit_log::id.desc()).first(conn).optional()
}

pub fn insert(conn: &mut DbConn, row: &AuditRow) -> QueryResult<()> {
    diesel::insert_into(audit_log::table).values(row).execute(conn)?;
    Ok(())
}

pub fn page(conn: &mut DbConn, after_id: i64, limit: i64) -> QueryResult<Vec<AuditRow>> {
    audit_log::table
        .select(AuditRow::as_select())
        .filter(audit_log::id.gt(after_id))
        .order(audit_log::id)
        .limit(limit)
        .load(conn)
}

pub fn for_entity(conn: &mut DbConn, entity: &str, id: i64) -> QueryResult<Vec<AuditRow>> {
    audit_log::table
        .select(AuditRow::as_select())
        .filter(audit_log::entity.eq(entity))
        .filter(audit_log::entity_id.eq(id))
        .order(audit_log::id)
        .load(conn)
}

/// The records of these actions, in chain order (for replaying them against the tables).
pub fn by_actions(conn: &mut DbConn, actions: &[&str]) -> QueryResult<Vec<AuditRow>> {
    audit_log::table
        .select(AuditRow::as_select())
        .filter(audit_log::action.eq_any(actions))
        .order(audit_log::id)
        .load(conn)
}

/// The hash of record `id`, if the record exists.
pub fn hash_of(conn: &mut DbConn, id: i64) -> QueryResult<Option<String>> {
    audit_log::table.find(id).select(audit_log::hash).first(conn).optional()
}

/// Which of these hashes some record of the chain carries.
pub fn hashes_present(conn: &mut DbConn, hashes: &[String]) -> QueryResult<Vec<String>> {
    let mut found = Vec::new();
    // In chunks: a long-lived district has thousands of published documents.
    for chunk in hashes.chunks(500) {
        found.extend(
            audit_log::table.filter(audit_log::hash.eq_any(chunk)).select(audit_log::hash).load::<String>(conn)?,
        );
    }
    Ok(found)
}

//! Server-side sessions (only the token's hash is stored) and login failure counts.

use super::schema::{login_failures, sessions, users};
use super::users::UserRow;
use super::DbConn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

pub fn create(conn: &mut DbConn, token_hash: &str, user_id: i64, now: NaiveDateTime) -> QueryResult<()> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::token_hash.eq(token_hash),
            sessions::user_id.eq(user_id),
            sessions::created_at.eq(now),
            sessions::last_seen_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// The session's user if the session is alive: seen after `idle_since`, created after `born_since`.
pub fn lookup(
    conn: &mut DbConn,
    token_hash: &str,
    idle_since: NaiveDateTime,
    born_since: NaiveDateTime,
) -> QueryResult<Option<(UserRow, NaiveDateTime)>> {
    sessions::table
        .inner_join(users::table)
        .filter(sessions::token_hash.eq(token_hash))
        .filter(sessions::last_seen_at.gt(idle_since))
        .filter(sessions::created_at.gt(born_since))
        .filter(users::active.eq(true))
        .select((UserRow::as_select(), sessions::last_seen_at))
        .first(conn)
        .optional()
}

pub fn touch(conn: &mut DbConn, token_hash: &str, now: NaiveDateTime) -> QueryResult<()> {
    diesel::update(sessions::table.find(token_hash)).set(sessions::last_seen_at.eq(now)).execute(conn)?;
    Ok(())
}

pub fn delete(conn: &mut DbConn, token_hash: &str) -> QueryResult<usize> {
    diesel::delete(sessions::table.find(token_hash)).execute(conn)
}

pub fn delete_for_user(conn: &mut DbConn, user_id: i64) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id))).execute(conn)
}

/// Ends the user's sessions but the one that changed the password.
pub fn delete_other(conn: &mut DbConn, user_id: i64, keep_hash: &str) -> QueryResult<usize> {
    diesel::delete(sessions::table.filter(sessions::user_id.eq(user_id)).filter(sessions::token_hash.ne(keep_hash)))
        .execute(conn)
}

pub fn purge_expired(conn: &mut DbConn, idle_since: NaiveDateTime, born_since: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(
        sessions::table.filter(sessions::last_seen_at.le(idle_since).or(sessions::created_at.le(born_since))),
    )
    .execute(conn)
}

pub fn failures_since(conn: &mut DbConn, key: &str, since: NaiveDateTime) -> QueryResult<i64> {
    login_failures::table
        .filter(login_failures::key.eq(key))
        .filter(login_failures::at.gt(since))
        .count()
        .get_result(conn)
}

/// Records one attempt against a limit's key (a failed login, a registration); returns its id.
pub fn record_failure(conn: &mut DbConn, key: &str, at: NaiveDateTime) -> QueryResult<i64> {
    diesel::insert_into(login_failures::table)
        .values((login_failures::key.eq(key), login_failures::at.eq(at)))
        .returning(login_failures::id)
        .get_result(conn)
}

pub fn delete_failure(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::delete(login_failures::table.find(id)).execute(conn)
}

pub fn clear_failures(conn: &mut DbConn, key: &str) -> QueryResult<()> {
    diesel::delete(login_failures::table.filter(login_failures::key.eq(key))).execute(conn)?;
    Ok(())
}

pub fn purge_failures(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(login_failures::table.filter(login_failures::at.le(before))).execute(conn)
}

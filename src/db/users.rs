//! User accounts of every role.

use super::schema::{password_resets, reviewer_affiliations, users};
use super::DbConn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = users)]
pub struct UserRow {
    pub id: i64,
    pub login: String,
    pub password_hash: String,
    pub display_name: String,
    pub email: Option<String>,
    pub role: String,
    pub region_code: Option<String>,
    pub organisation_id: Option<i64>,
    pub active: bool,
    pub created_at: NaiveDateTime,
    pub must_change_password: bool,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub login: &'a str,
    pub password_hash: &'a str,
    pub display_name: &'a str,
    pub email: Option<&'a str>,
    pub role: &'a str,
    pub region_code: Option<&'a str>,
    pub organisation_id: Option<i64>,
    pub active: bool,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, new: &NewUser<'_>) -> QueryResult<i64> {
    diesel::insert_into(users::table).values(new).returning(users::id).get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<UserRow>> {
    users::table.find(id).select(UserRow::as_select()).first(conn).optional()
}

pub fn by_login(conn: &mut DbConn, login: &str) -> QueryResult<Option<UserRow>> {
    users::table.filter(users::login.eq(login)).select(UserRow::as_select()).first(conn).optional()
}

pub fn login_taken(conn: &mut DbConn, login: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(users::table.filter(users::login.eq(login)))).get_result(conn)
}

pub fn list(conn: &mut DbConn, role: Option<&str>, after_id: i64, limit: i64) -> QueryResult<Vec<UserRow>> {
    let mut q = users::table
        .select(UserRow::as_select())
        .filter(users::id.gt(after_id))
        .order(users::id)
        .limit(limit)
        .into_boxed();
    if let Some(r) = role {
        q = q.filter(users::role.eq(r));
    }
    q.load(conn)
}

pub fn add_affiliation(conn: &mut DbConn, user_id: i64, uscc: &str) -> QueryResult<()> {
    diesel::insert_into(reviewer_affiliations::table)
        .values((reviewer_affiliations::user_id.eq(user_id), reviewer_affiliations::uscc.eq(uscc)))
        .execute(conn)?;
    Ok(())
}

/// Affiliations of many users in one query (no N+1 on lists).
pub fn affiliations(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    reviewer_affiliations::table
        .filter(reviewer_affiliations::user_id.eq_any(ids))
        .select((reviewer_affiliations::user_id, reviewer_affiliations::uscc))
        .order((reviewer_affiliations::user_id, reviewer_affiliations::uscc))
        .load(conn)
}

/// Whether the reviewer is on a panel of a call not yet finalised (their affiliations, which the
/// draw's conflict check used, must then stay as they were).
pub fn on_open_panel(conn: &mut DbConn, reviewer_id: i64) -> QueryResult<bool> {
    use super::schema::{assignments, calls};
    diesel::select(diesel::dsl::exists(
        assignments::table
            .inner_join(calls::table.on(calls::id.eq(assignments::call_id)))
            .filter(assignments::reviewer_id.eq(reviewer_id))
            .filter(calls::status.ne("final")),
    ))
    .get_result(conn)
}

/// Admin edits: role, town scope, active flag, display name and email.
pub fn update(
    conn: &mut DbConn,
    id: i64,
    display_name: &str,
    email: Option<&str>,
    role: &str,
    region_code: Option<&str>,
    active: bool,
) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((
            users::display_name.eq(display_name),
            users::email.eq(email),
            users::role.eq(role),
            users::region_code.eq(region_code),
            users::active.eq(active),
        ))
        .execute(conn)
}

pub fn clear_affiliations(conn: &mut DbConn, user_id: i64) -> QueryResult<usize> {
    diesel::delete(reviewer_affiliations::table.filter(reviewer_affiliations::user_id.eq(user_id))).execute(conn)
}

/// A new password hash; `must_change` marks an admin's temporary password.
pub fn set_password(conn: &mut DbConn, id: i64, hash: &str, must_change: bool) -> QueryResult<usize> {
    diesel::update(users::table.find(id))
        .set((users::password_hash.eq(hash), users::must_change_password.eq(must_change)))
        .execute(conn)
}

pub fn insert_reset(
    conn: &mut DbConn,
    token_hash: &str,
    user_id: i64,
    now: NaiveDateTime,
    expires: NaiveDateTime,
) -> QueryResult<()> {
    diesel::insert_into(password_resets::table)
        .values((
            password_resets::token_hash.eq(token_hash),
            password_resets::user_id.eq(user_id),
            password_resets::created_at.eq(now),
            password_resets::expires_at.eq(expires),
        ))
        .execute(conn)?;
    Ok(())
}

/// Reset links sent to the user since `since` (the mail flood limit).
pub fn resets_since(conn: &mut DbConn, user_id: i64, since: NaiveDateTime) -> QueryResult<i64> {
    password_resets::table
        .filter(password_resets::user_id.eq(user_id))
        .filter(password_resets::created_at.gt(since))
        .count()
        .get_result(conn)
}

/// Spends a reset link: marks it used only if it is unused and unexpired, in one UPDATE so two
/// requests racing with the same link cannot both succeed. Returns the user it belongs to.
pub fn use_reset(conn: &mut DbConn, token_hash: &str, now: NaiveDateTime) -> QueryResult<Option<i64>> {
    let n = diesel::update(
        password_resets::table
            .filter(password_resets::token_hash.eq(token_hash))
            .filter(password_resets::used_at.is_null())
            .filter(password_resets::expires_at.gt(now)),
    )
    .set(password_resets::used_at.eq(now))
    .execute(conn)?;
    if n == 0 {
        return Ok(None);
    }
    password_resets::table
        .filter(password_resets::token_hash.eq(token_hash))
        .select(password_resets::user_id)
        .first(conn)
        .optional()
}

/// The user a reset link belongs to, while it can still be used.
pub fn reset_user(conn: &mut DbConn, token_hash: &str, now: NaiveDateTime) -> QueryResult<Option<UserRow>> {
    password_resets::table
        .inner_join(users::table)
        .filter(password_resets::token_hash.eq(token_hash))
        .filter(password_resets::used_at.is_null())
        .filter(password_resets::expires_at.gt(now))
        .filter(users::active.eq(true))
        .select(UserRow::as_select())
        .first(conn)
        .optional()
}

/// A new password ends every other link the user was sent.
pub fn expire_resets(conn: &mut DbConn, user_id: i64, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        password_resets::table.filter(password_resets::user_id.eq(user_id)).filter(password_resets::used_at.is_null()),
    )
    .set(password_resets::used_at.eq(now))
    .execute(conn)
}

/// (name, email) of these users when active and reachable by mail.
pub fn emails_of(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(String, String)>> {
    users::table
        .filter(users::id.eq_any(ids))
        .filter(users::active.eq(true))
        .filter(users::email.is_not_null())
        .select((users::display_name, users::email.assume_not_null()))
        .order(users::id)
        .load(conn)
}

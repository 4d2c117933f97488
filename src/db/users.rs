//! User accounts of every role.

use super::schema::{reviewer_affiliations, users};
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

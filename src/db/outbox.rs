//! Queued emails. Written in the caller's transaction; claimed by the worker with a lease token
//! that fences its later updates.

use super::schema::outbox;
use super::DbConn;
use chrono::NaiveDateTime;
use diesel::prelude::*;

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = outbox)]
pub struct OutboxRow {
    pub id: i64,
    pub kind: String,
    pub to_addr: String,
    pub subject: String,
    pub body: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub lease_token: Option<String>,
    pub lease_until: Option<NaiveDateTime>,
    pub last_error: Option<String>,
    pub created_at: NaiveDateTime,
    pub sent_at: Option<NaiveDateTime>,
    pub bid_id: Option<i64>,
}

pub fn enqueue(
    conn: &mut DbConn,
    kind: &str,
    to: &str,
    subject: &str,
    body: &str,
    bid_id: Option<i64>,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(outbox::table)
        .values((
            outbox::kind.eq(kind),
            outbox::to_addr.eq(to),
            outbox::subject.eq(subject),
            outbox::body.eq(body),
            outbox::status.eq("pending"),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(now),
            outbox::created_at.eq(now),
            outbox::bid_id.eq(bid_id),
        ))
        .returning(outbox::id)
        .get_result(conn)
}

/// Claims up to `limit` due rows for `token` until `lease_until`. Each row is taken by a
/// conditional update, so two workers never hold the same row at once.
pub fn claim(
    conn: &mut DbConn,
    token: &str,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    limit: i64,
) -> QueryResult<Vec<OutboxRow>> {
    let candidates: Vec<i64> = outbox::table
        .select(outbox::id)
        .filter(outbox::status.eq("pending"))
        .filter(outbox::next_attempt_at.le(now))
        .filter(outbox::lease_until.is_null().or(outbox::lease_until.lt(now)))
        .order(outbox::id)
        .limit(limit)
        .load(conn)?;
    let mut claimed = Vec::new();
    for id in candidates {
        let n = diesel::update(
            outbox::table
                .find(id)
                .filter(outbox::status.eq("pending"))
                .filter(outbox::lease_until.is_null().or(outbox::lease_until.lt(now))),
        )
        .set((outbox::lease_token.eq(token), outbox::lease_until.eq(Some(lease_until))))
        .execute(conn)?;
        if n == 1 {
            claimed.push(id);
        }
    }
    if claimed.is_empty() {
        return Ok(Vec::new());
    }
    outbox::table
        .select(OutboxRow::as_select())
        .filter(outbox::id.eq_any(&claimed))
        .filter(outbox::lease_token.eq(token))
        .order(outbox::id)
        .load(conn)
}

/// Marks sent, only if our lease still holds (the fencing token).
pub fn mark_sent(conn: &mut DbConn, id: i64, token: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(outbox::table.find(id).filter(outbox::lease_token.eq(token)))
        .set((
            outbox::status.eq("sent"),
            outbox::sent_at.eq(Some(now)),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::lease_token.eq(None::<String>),
            outbox::lease_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)
}

pub fn mark_failed(
    conn: &mut DbConn,
    id: i64,
    token: &str,
    error: &str,
    next_at: NaiveDateTime,
    dead: bool,
) -> QueryResult<usize> {
    diesel::update(outbox::table.find(id).filter(outbox::lease_token.eq(token)))
        .set((
            outbox::status.eq(if dead { "dead" } else { "pending" }),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::last_error.eq(Some(error)),
            outbox::next_attempt_at.eq(next_at),
            outbox::lease_token.eq(None::<String>),
            outbox::lease_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)
}

pub fn list(conn: &mut DbConn, status: Option<&str>, limit: i64) -> QueryResult<Vec<OutboxRow>> {
    let mut q = outbox::table.select(OutboxRow::as_select()).order(outbox::id.desc()).limit(limit).into_boxed();
    if let Some(s) = status {
        q = q.filter(outbox::status.eq(s));
    }
    q.load(conn)
}

pub fn counts(conn: &mut DbConn) -> QueryResult<Vec<(String, i64)>> {
    outbox::table.group_by(outbox::status).select((outbox::status, diesel::dsl::count_star())).load(conn)
}

/// Puts a dead mail back in the queue (admin action).
pub fn retry(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(outbox::table.find(id).filter(outbox::status.eq("dead")))
        .set((outbox::status.eq("pending"), outbox::attempts.eq(0), outbox::next_attempt_at.eq(now)))
        .execute(conn)
}

/// Cancels a claimed mail that is no longer true (only while `token` holds its lease).
pub fn cancel(conn: &mut DbConn, id: i64, token: &str, reason: &str) -> QueryResult<usize> {
    diesel::update(outbox::table.find(id).filter(outbox::lease_token.eq(token)).filter(outbox::status.eq("pending")))
        .set((
            outbox::status.eq("cancelled"),
            outbox::last_error.eq(Some(reason)),
            outbox::lease_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)
}

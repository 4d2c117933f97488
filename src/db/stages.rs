//! Shortlists between scoring stages and on-site defence sessions with their time slots.

use super::schema::{bids, defence_sessions, defence_slots, organisations, shortlists};
use super::DbConn;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = shortlists)]
pub struct ShortlistRow {
    pub call_id: i64,
    pub stage: i32,
    pub bid_id: i64,
    pub rank: i32,
    pub score: i64,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

pub fn shortlist(conn: &mut DbConn, call_id: i64, stage: i32) -> QueryResult<Vec<ShortlistRow>> {
    shortlists::table
        .filter(shortlists::call_id.eq(call_id))
        .filter(shortlists::stage.eq(stage))
        .select(ShortlistRow::as_select())
        .order((shortlists::rank, shortlists::bid_id))
        .load(conn)
}

/// Replaces the stage's shortlist (only before its panels are drawn: the service checks).
pub fn replace_shortlist(
    conn: &mut DbConn,
    call_id: i64,
    stage: i32,
    rows: &[(i64, i32, i64)],
    by: i64,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(shortlists::table.filter(shortlists::call_id.eq(call_id)).filter(shortlists::stage.eq(stage)))
        .execute(conn)?;
    for (bid, rank, score) in rows {
        diesel::insert_into(shortlists::table)
            .values((
                shortlists::call_id.eq(call_id),
                shortlists::stage.eq(stage),
                shortlists::bid_id.eq(bid),
                shortlists::rank.eq(rank),
                shortlists::score.eq(score),
                shortlists::created_by.eq(by),
                shortlists::created_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = defence_sessions)]
pub struct SessionRow {
    pub id: i64,
    pub call_id: i64,
    pub stage: i32,
    pub venue: String,
    pub day: NaiveDate,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = defence_sessions)]
pub struct NewSession<'a> {
    pub call_id: i64,
    pub stage: i32,
    pub venue: &'a str,
    pub day: NaiveDate,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

/// A defence session with its slots in order; each slot is (bid, start time).
pub fn insert_session(conn: &mut DbConn, new: &NewSession<'_>, slots: &[(i64, String)]) -> QueryResult<i64> {
    let (call_id, stage) = (new.call_id, new.stage);
    let id: i64 =
        diesel::insert_into(defence_sessions::table).values(new).returning(defence_sessions::id).get_result(conn)?;
    for (i, (bid, starts)) in slots.iter().enumerate() {
        diesel::insert_into(defence_slots::table)
            .values((
                defence_slots::session_id.eq(id),
                defence_slots::call_id.eq(call_id),
                defence_slots::stage.eq(stage),
                defence_slots::bid_id.eq(bid),
                defence_slots::position.eq(i as i32),
                defence_slots::starts.eq(starts),
            ))
            .execute(conn)?;
    }
    Ok(id)
}

pub fn sessions_of(conn: &mut DbConn, call_id: i64) -> QueryResult<Vec<SessionRow>> {
    defence_sessions::table
        .filter(defence_sessions::call_id.eq(call_id))
        .select(SessionRow::as_select())
        .order((defence_sessions::day, defence_sessions::id))
        .load(conn)
}

pub fn find_session(conn: &mut DbConn, id: i64) -> QueryResult<Option<SessionRow>> {
    defence_sessions::table.find(id).select(SessionRow::as_select()).first(conn).optional()
}

/// (session, bid, start "HH:MM", bid reference, bid title, organisation name)
pub type SlotRow = (i64, i64, String, Option<String>, String, String);

/// The slots of the given sessions in order, with each bid's reference, title and organisation.
pub fn slots_of(conn: &mut DbConn, session_ids: &[i64]) -> QueryResult<Vec<SlotRow>> {
    defence_slots::table
        .inner_join(bids::table.inner_join(organisations::table))
        .filter(defence_slots::session_id.eq_any(session_ids))
        .select((
            defence_slots::session_id,
            defence_slots::bid_id,
            defence_slots::starts,
            bids::reference,
            bids::title,
            organisations::name,
        ))
        .order((defence_slots::session_id, defence_slots::position))
        .load(conn)
}

/// Bids of the stage that already have a slot in some session.
pub fn scheduled_bids(conn: &mut DbConn, call_id: i64, stage: i32) -> QueryResult<Vec<i64>> {
    defence_slots::table
        .filter(defence_slots::call_id.eq(call_id))
        .filter(defence_slots::stage.eq(stage))
        .select(defence_slots::bid_id)
        .load(conn)
}

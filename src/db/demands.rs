//! Residents' demands, their moves, and the topics drawn from them. Each move is a conditional
//! UPDATE on the current status, so two people moving the same demand cannot both succeed.

use super::schema::{demand_events as ev, demands as d, regions, topics as t};
use super::DbConn;
use chrono::NaiveDateTime;
use diesel::dsl::count_star;
use diesel::prelude::*;

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = d)]
pub struct DemandRow {
    pub id: i64,
    pub region_code: String,
    pub channel: String,
    pub category: String,
    pub body: String,
    pub reporter_name: Option<String>,
    pub reporter_contact: Option<String>,
    pub status: String,
    pub topic_id: Option<i64>,
    pub escalated_at: Option<NaiveDateTime>,
    pub reminded_at: Option<NaiveDateTime>,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = d)]
pub struct NewDemand<'a> {
    pub region_code: &'a str,
    pub channel: &'a str,
    pub category: &'a str,
    pub body: &'a str,
    pub reporter_name: Option<&'a str>,
    pub reporter_contact: Option<&'a str>,
    pub status: &'a str,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, new: &NewDemand<'_>) -> QueryResult<i64> {
    diesel::insert_into(d::table).values(new).returning(d::id).get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<DemandRow>> {
    d::table.find(id).select(DemandRow::as_select()).first(conn).optional()
}

pub fn find_many(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<DemandRow>> {
    d::table.filter(d::id.eq_any(ids)).select(DemandRow::as_select()).order(d::id).load(conn)
}

/// Moves a demand from `from` to `to` if it is still in `from`; 1 when it moved.
pub fn transition(
    conn: &mut DbConn,
    id: i64,
    from: &str,
    to: &str,
    topic_id: Option<i64>,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    let q = diesel::update(d::table.find(id).filter(d::status.eq(from)));
    match (to, topic_id) {
        ("escalated", _) => q.set((d::status.eq(to), d::updated_at.eq(at), d::escalated_at.eq(Some(at)))).execute(conn),
        (_, Some(topic)) => q.set((d::status.eq(to), d::updated_at.eq(at), d::topic_id.eq(Some(topic)))).execute(conn),
        _ => q.set((d::status.eq(to), d::updated_at.eq(at))).execute(conn),
    }
}

pub fn add_event(
    conn: &mut DbConn,
    demand_id: i64,
    from: Option<&str>,
    to: &str,
    note: &str,
    by: i64,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::insert_into(ev::table)
        .values((
            ev::demand_id.eq(demand_id),
            ev::from_status.eq(from),
            ev::to_status.eq(to),
            ev::note.eq(note),
            ev::by_user.eq(by),
            ev::at.eq(at),
        ))
        .execute(conn)
}

/// (demand, from, to, note, by name, at) of these demands, oldest first.
pub type Event = (i64, Option<String>, String, String, String, NaiveDateTime);

pub fn events_of(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<Event>> {
    use super::schema::users;
    ev::table
        .inner_join(users::table.on(users::id.eq(ev::by_user)))
        .filter(ev::demand_id.eq_any(ids))
        .select((ev::demand_id, ev::from_status, ev::to_status, ev::note, users::display_name, ev::at))
        .order((ev::demand_id, ev::id))
        .load(conn)
}

pub struct DemandQuery<'a> {
    /// Codes starting with this (a village's code, a town's prefix); none: all.
    pub prefix: Option<&'a str>,
    pub status: Option<&'a str>,
    pub after_id: i64,
    pub limit: i64,
}

/// Demands newest first (keyset paging on id, descending).
pub fn list(conn: &mut DbConn, f: &DemandQuery<'_>) -> QueryResult<Vec<DemandRow>> {
    let mut q = d::table.select(DemandRow::as_select()).order(d::id.desc()).limit(f.limit).into_boxed();
    if f.after_id > 0 {
        q = q.filter(d::id.lt(f.after_id));
    }
    if let Some(p) = f.prefix {
        q = q.filter(d::region_code.like(format!("{p}%")));
    }
    if let Some(s) = f.status {
        q = q.filter(d::status.eq(s.to_string()));
    }
    q.load(conn)
}

/// Escalated demands waiting since before `before` and not yet reminded.
pub fn waiting_escalated(conn: &mut DbConn, before: NaiveDateTime) -> QueryResult<Vec<DemandRow>> {
    d::table
        .filter(d::status.eq("escalated"))
        .filter(d::escalated_at.lt(before))
        .filter(d::reminded_at.is_null())
        .select(DemandRow::as_select())
        .order(d::id)
        .load(conn)
}

pub fn mark_reminded(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(d::table.find(id).filter(d::reminded_at.is_null())).set(d::reminded_at.eq(Some(at))).execute(conn)
}

/// (status, count) of demands under a prefix, for a worker's 工作台.
pub fn count_by_status(conn: &mut DbConn, prefix: &str) -> QueryResult<Vec<(String, i64)>> {
    d::table
        .filter(d::region_code.like(format!("{prefix}%")))
        .group_by(d::status)
        .select((d::status, count_star()))
        .load(conn)
}

/// (town code, category, status, count) over every demand: the public needs board, counted in
/// SQL (a town is the first nine digits plus 000).
pub fn counts(conn: &mut DbConn) -> QueryResult<Vec<(String, String, String, i64)>> {
    d::table
        .group_by((d::region_code, d::category, d::status))
        .select((d::region_code, d::category, d::status, count_star()))
        .load(conn)
        .map(|rows: Vec<(String, String, String, i64)>| rows)
}

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = t)]
pub struct TopicRow {
    pub id: i64,
    pub year: i32,
    pub title: String,
    pub description: String,
    pub region_code: String,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = t)]
pub struct NewTopic<'a> {
    pub year: i32,
    pub title: &'a str,
    pub description: &'a str,
    pub region_code: &'a str,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

pub fn insert_topic(conn: &mut DbConn, new: &NewTopic<'_>) -> QueryResult<i64> {
    diesel::insert_into(t::table).values(new).returning(t::id).get_result(conn)
}

pub fn find_topic(conn: &mut DbConn, id: i64) -> QueryResult<Option<TopicRow>> {
    t::table.find(id).select(TopicRow::as_select()).first(conn).optional()
}

pub fn topics_by_id(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<TopicRow>> {
    t::table.filter(t::id.eq_any(ids)).select(TopicRow::as_select()).order(t::id).load(conn)
}

/// Topics of a year (all years when none), oldest first.
pub fn topics(conn: &mut DbConn, year: Option<i32>) -> QueryResult<Vec<TopicRow>> {
    let mut q = t::table.select(TopicRow::as_select()).order(t::id).into_boxed();
    if let Some(y) = year {
        q = q.filter(t::year.eq(y));
    }
    q.load(conn)
}

/// The demands behind these topics, oldest first.
pub fn of_topics(conn: &mut DbConn, topic_ids: &[i64]) -> QueryResult<Vec<DemandRow>> {
    d::table.filter(d::topic_id.eq_any(topic_ids)).select(DemandRow::as_select()).order(d::id).load(conn)
}

/// (region code, name) of these regions, in one query.
pub fn region_names(conn: &mut DbConn, codes: &[String]) -> QueryResult<Vec<(String, String)>> {
    regions::table.filter(regions::code.eq_any(codes)).select((regions::code, regions::name)).load(conn)
}

/// Funded projects answering these topics: (topic, project, title, status, approved, paid).
pub type TopicProject = (i64, i64, String, String, i64, i64);

pub fn projects_of_topics(conn: &mut DbConn, topic_ids: &[i64]) -> QueryResult<Vec<TopicProject>> {
    use super::schema::{bids, projects};
    bids::table
        .inner_join(projects::table.on(projects::bid_id.eq(bids::id)))
        .filter(bids::topic_id.eq_any(topic_ids))
        .select((
            bids::topic_id.assume_not_null(),
            projects::id,
            bids::title,
            projects::status,
            projects::approved,
            projects::paid,
        ))
        .order(projects::id)
        .load(conn)
}

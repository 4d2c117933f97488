//! Award funds, awards and promotion meetings.

use super::schema::{award_funds, awards, meeting_showcases, promotion_meetings, regions};
use super::DbConn;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = award_funds)]
pub struct FundRow {
    pub id: i64,
    pub year: i32,
    pub budget: i64,
    pub awarded: i64,
    pub status: String,
    pub published_at: Option<NaiveDateTime>,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

/// An award with its region's name.
#[derive(Queryable, Clone, Debug)]
pub struct AwardRow {
    pub id: i64,
    pub fund_id: i64,
    pub region_code: String,
    pub region_name: String,
    pub region_level: String,
    pub title: String,
    pub citation: String,
    pub amount: i64,
    pub repeat_reason: Option<String>,
    pub created_at: NaiveDateTime,
}

pub fn insert_fund(conn: &mut DbConn, year: i32, budget: i64, by: i64, now: NaiveDateTime) -> QueryResult<i64> {
    diesel::insert_into(award_funds::table)
        .values((
            award_funds::year.eq(year),
            award_funds::budget.eq(budget),
            award_funds::awarded.eq(0i64),
            award_funds::status.eq("draft"),
            award_funds::created_by.eq(by),
            award_funds::created_at.eq(now),
        ))
        .returning(award_funds::id)
        .get_result(conn)
}

pub fn find_fund(conn: &mut DbConn, id: i64) -> QueryResult<Option<FundRow>> {
    award_funds::table.find(id).select(FundRow::as_select()).first(conn).optional()
}

pub fn fund_of_year(conn: &mut DbConn, year: i32) -> QueryResult<Option<FundRow>> {
    award_funds::table.filter(award_funds::year.eq(year)).select(FundRow::as_select()).first(conn).optional()
}

/// Newest year first; only published ones when `published_only`.
pub fn list_funds(conn: &mut DbConn, published_only: bool) -> QueryResult<Vec<FundRow>> {
    let mut q = award_funds::table.select(FundRow::as_select()).order(award_funds::year.desc()).into_boxed();
    if published_only {
        q = q.filter(award_funds::status.eq("published"));
    }
    q.load(conn)
}

/// Adds `amount` to the fund's awarded total only while the fund is a draft and the total stays
/// within the budget: one statement, so concurrent awards can never overrun the fund.
pub fn take_from_fund(conn: &mut DbConn, fund_id: i64, amount: i64) -> QueryResult<bool> {
    let n = diesel::update(
        award_funds::table
            .find(fund_id)
            .filter(award_funds::status.eq("draft"))
            .filter((award_funds::awarded + amount).le(award_funds::budget)),
    )
    .set(award_funds::awarded.eq(award_funds::awarded + amount))
    .execute(conn)?;
    Ok(n == 1)
}

/// Gives `amount` back to a draft fund (an award removed before publication).
pub fn return_to_fund(conn: &mut DbConn, fund_id: i64, amount: i64) -> QueryResult<bool> {
    let n = diesel::update(
        award_funds::table
            .find(fund_id)
            .filter(award_funds::status.eq("draft"))
            .filter(award_funds::awarded.ge(amount)),
    )
    .set(award_funds::awarded.eq(award_funds::awarded - amount))
    .execute(conn)?;
    Ok(n == 1)
}

#[derive(Insertable)]
#[diesel(table_name = awards)]
pub struct NewAward<'a> {
    pub fund_id: i64,
    pub region_code: &'a str,
    pub title: &'a str,
    pub citation: &'a str,
    pub amount: i64,
    pub repeat_reason: Option<&'a str>,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

pub fn insert_award(conn: &mut DbConn, new: &NewAward<'_>) -> QueryResult<i64> {
    diesel::insert_into(awards::table).values(new).returning(awards::id).get_result(conn)
}

pub fn count_for_region(conn: &mut DbConn, fund_id: i64, region_code: &str) -> QueryResult<i64> {
    awards::table
        .filter(awards::fund_id.eq(fund_id))
        .filter(awards::region_code.eq(region_code))
        .count()
        .get_result(conn)
}

fn award_columns() -> (
    awards::id,
    awards::fund_id,
    awards::region_code,
    regions::name,
    regions::level,
    awards::title,
    awards::citation,
    awards::amount,
    awards::repeat_reason,
    awards::created_at,
) {
    (
        awards::id,
        awards::fund_id,
        awards::region_code,
        regions::name,
        regions::level,
        awards::title,
        awards::citation,
        awards::amount,
        awards::repeat_reason,
        awards::created_at,
    )
}

/// The awards of these funds, in the order they were made.
pub fn awards_of(conn: &mut DbConn, fund_ids: &[i64]) -> QueryResult<Vec<AwardRow>> {
    awards::table
        .inner_join(regions::table)
        .filter(awards::fund_id.eq_any(fund_ids))
        .select(award_columns())
        .order(awards::id)
        .load(conn)
}

pub fn find_award(conn: &mut DbConn, id: i64) -> QueryResult<Option<AwardRow>> {
    awards::table.inner_join(regions::table).filter(awards::id.eq(id)).select(award_columns()).first(conn).optional()
}

pub fn delete_award(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::delete(awards::table.find(id)).execute(conn)
}

pub fn mark_published(conn: &mut DbConn, fund_id: i64, now: NaiveDateTime) -> QueryResult<bool> {
    let n = diesel::update(award_funds::table.find(fund_id).filter(award_funds::status.eq("draft")))
        .set((award_funds::status.eq("published"), award_funds::published_at.eq(Some(now))))
        .execute(conn)?;
    Ok(n == 1)
}

#[derive(Queryable, Clone, Debug)]
pub struct MeetingRow {
    pub id: i64,
    pub year: i32,
    pub held_on: NaiveDate,
    pub place: String,
    pub host_region_code: String,
    pub host_region_name: String,
    pub agenda: String,
    pub attendees: i32,
    pub created_at: NaiveDateTime,
}

pub struct NewMeeting<'a> {
    pub held_on: NaiveDate,
    pub place: &'a str,
    pub host_region_code: &'a str,
    pub agenda: &'a str,
    pub attendees: i32,
}

pub fn insert_meeting(conn: &mut DbConn, m: &NewMeeting<'_>, by: i64, now: NaiveDateTime) -> QueryResult<i64> {
    use chrono::Datelike;
    diesel::insert_into(promotion_meetings::table)
        .values((
            promotion_meetings::year.eq(m.held_on.year()),
            promotion_meetings::held_on.eq(m.held_on),
            promotion_meetings::place.eq(m.place),
            promotion_meetings::host_region_code.eq(m.host_region_code),
            promotion_meetings::agenda.eq(m.agenda),
            promotion_meetings::attendees.eq(m.attendees),
            promotion_meetings::created_by.eq(by),
            promotion_meetings::created_at.eq(now),
        ))
        .returning(promotion_meetings::id)
        .get_result(conn)
}

pub fn insert_showcases(conn: &mut DbConn, meeting_id: i64, award_ids: &[i64], project_ids: &[i64]) -> QueryResult<()> {
    // One row at a time: diesel's MultiConnection has no batch insert.
    let rows = award_ids.iter().map(|a| (Some(*a), None)).chain(project_ids.iter().map(|p| (None, Some(*p))));
    for (a, p) in rows {
        diesel::insert_into(meeting_showcases::table)
            .values((
                meeting_showcases::meeting_id.eq(meeting_id),
                meeting_showcases::award_id.eq(a),
                meeting_showcases::project_id.eq(p),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn meetings_of_year(conn: &mut DbConn, year: i32) -> QueryResult<Vec<MeetingRow>> {
    promotion_meetings::table
        .inner_join(regions::table.on(regions::code.eq(promotion_meetings::host_region_code)))
        .filter(promotion_meetings::year.eq(year))
        .select((
            promotion_meetings::id,
            promotion_meetings::year,
            promotion_meetings::held_on,
            promotion_meetings::place,
            promotion_meetings::host_region_code,
            regions::name,
            promotion_meetings::agenda,
            promotion_meetings::attendees,
            promotion_meetings::created_at,
        ))
        .order((promotion_meetings::held_on, promotion_meetings::id))
        .load(conn)
}

/// (meeting, award?, project?)
pub type Showcase = (i64, Option<i64>, Option<i64>);

pub fn showcases_of(conn: &mut DbConn, meeting_ids: &[i64]) -> QueryResult<Vec<Showcase>> {
    meeting_showcases::table
        .filter(meeting_showcases::meeting_id.eq_any(meeting_ids))
        .select((meeting_showcases::meeting_id, meeting_showcases::award_id, meeting_showcases::project_id))
        .load(conn)
}

//! Working-day calendars loaded by the admin, one year at a time.

use super::schema::{calendar_days, calendar_years};
use super::DbConn;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

/// A stored exception: (date, kind, name).
pub type DayRow = (NaiveDate, String, String);

/// Every loaded year, and every stored exception.
pub fn all(conn: &mut DbConn) -> QueryResult<(Vec<i32>, Vec<DayRow>)> {
    let years = calendar_years::table.select(calendar_years::year).order(calendar_years::year).load(conn)?;
    let days = calendar_days::table
        .select((calendar_days::day, calendar_days::kind, calendar_days::name))
        .order(calendar_days::day)
        .load(conn)?;
    Ok((years, days))
}

/// Replaces a year's exceptions.
pub fn replace_year(
    conn: &mut DbConn,
    year: i32,
    days: &[(NaiveDate, &str, &str)],
    by: i64,
    at: NaiveDateTime,
) -> QueryResult<()> {
    diesel::delete(calendar_days::table.filter(calendar_days::year.eq(year))).execute(conn)?;
    diesel::delete(calendar_years::table.find(year)).execute(conn)?;
    diesel::insert_into(calendar_years::table)
        .values((calendar_years::year.eq(year), calendar_years::loaded_by.eq(by), calendar_years::loaded_at.eq(at)))
        .execute(conn)?;
    for (day, kind, name) in days {
        diesel::insert_into(calendar_days::table)
            .values((
                calendar_days::day.eq(day),
                calendar_days::year.eq(year),
                calendar_days::kind.eq(kind),
                calendar_days::name.eq(name),
            ))
            .execute(conn)?;
    }
    Ok(())
}

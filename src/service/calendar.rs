//! Every year's working-day calendar: the shipped years plus what the admin loads
//! (`PUT /api/v1/calendar/{year}`). A working-day date that needs a year nobody loaded is
//! refused with 409 `calendar_missing`, never counted as ordinary weeks.

use super::{audit, Ctx};
use crate::clock::{db_time, local_date};
use crate::db::{self, DbConn};
use crate::domain::account::Role;
use crate::domain::calendar::{self, MissingYear, WorkCalendar};
use crate::error::{AppError, AppResult, Code};
use chrono::Datelike;
use serde::Serialize;

/// The calendar every working-day rule uses: shipped years, overridden by loaded ones.
pub fn load(conn: &mut DbConn) -> AppResult<WorkCalendar> {
    let mut cal = calendar::shipped();
    let (years, days) = db::calendar::all(conn)?;
    for y in years {
        let mut text = String::from("date,kind,name\n");
        for (d, k, n) in days.iter().filter(|x| x.0.year() == y) {
            text.push_str(&format!("{d},{k},{n}\n"));
        }
        cal.load_year(y, &text).map_err(|e| AppError::internal(format!("stored calendar {y}: {e}")))?;
    }
    Ok(cal)
}

/// 409 `calendar_missing`, naming the year.
pub fn missing(m: MissingYear) -> AppError {
    Code::CalendarMissing
        .says(format!("{} 年的工作日历尚未导入，无法计算工作日；请管理员在“工作日历”页面导入后再试", m.0))
}

#[derive(Serialize, Clone, utoipa::ToSchema)]
pub struct CalendarDay {
    /// `YYYY-MM-DD`
    pub date: String,
    /// `holiday` or `workday` (调休上班)
    pub kind: &'static str,
    pub name: String,
}

#[derive(Serialize, Clone, utoipa::ToSchema)]
pub struct CalendarView {
    pub year: i32,
    /// Whether working days can be counted in this year.
    pub loaded: bool,
    /// Exceptions to the weekday rule, in date order.
    pub days: Vec<CalendarDay>,
}

fn view(cal: &WorkCalendar, year: i32) -> CalendarView {
    CalendarView {
        year,
        loaded: cal.covers(year),
        days: cal
            .days_of(year)
            .into_iter()
            .map(|(d, k, n)| CalendarDay { date: d.to_string(), kind: k.as_str(), name: n })
            .collect(),
    }
}

fn check_year(year: i32) -> AppResult<()> {
    if !(2000..=2100).contains(&year) {
        return Err(AppError::invalid_field("year", "out_of_range", "年度应在 2000–2100 之间"));
    }
    Ok(())
}

/// `GET /api/v1/calendar/{year}`: open to everyone, like the holidays themselves.
pub fn get(conn: &mut DbConn, year: i32) -> AppResult<CalendarView> {
    check_year(year)?;
    Ok(view(&load(conn)?, year))
}

/// `PUT /api/v1/calendar/{year}` (admin): a CSV of `date,kind[,name]` lines, header first,
/// replacing the year's exceptions. Every line is checked before anything is stored (422).
pub fn put(conn: &mut DbConn, ctx: &Ctx, year: i32, csv: &str) -> AppResult<CalendarView> {
    let a = ctx.require(&[Role::Admin])?.clone();
    check_year(year)?;
    let mut one = WorkCalendar::default();
    one.load_year(year, csv).map_err(|e| AppError::invalid_field("body", "invalid_calendar", e))?;
    let days = one.days_of(year);
    let rows: Vec<(chrono::NaiveDate, &str, &str)> =
        days.iter().map(|(d, k, n)| (*d, k.as_str(), n.as_str())).collect();
    db::write_tx(conn, |c| {
        db::calendar::replace_year(c, year, &rows, a.id, db_time(ctx.now))?;
        audit::record(
            c,
            ctx,
            "calendar.load",
            "calendar",
            Some(i64::from(year)),
            serde_json::json!({"year": year, "holidays": rows.iter().filter(|r| r.1 == "holiday").count(),
                "workdays": rows.iter().filter(|r| r.1 == "workday").count()}),
        )
    })?;
    get(conn, year)
}

/// From 1 November on, the staff dashboard warns while next year's calendar is not loaded.
pub fn next_year_warning(conn: &mut DbConn, ctx: &Ctx) -> AppResult<Option<String>> {
    let today = local_date(ctx.now);
    if today.month() < 11 {
        return Ok(None);
    }
    let next = today.year() + 1;
    Ok((!load(conn)?.covers(next)).then(|| {
        format!("{next} 年的工作日历尚未导入：公示期、提醒和逾期都按工作日计算，请管理员在“工作日历”页面导入")
    }))
}

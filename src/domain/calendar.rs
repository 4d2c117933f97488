//! The working-day calendar (工作日): weekends off, national holidays off, make-up working days
//! (调休) on. Used for the 公示 period and any "N working days" rule. Dates are local dates.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DayKind {
    Holiday,
    Workday,
}

#[derive(Debug, Clone, Default)]
pub struct WorkCalendar {
    /// Exceptions to the weekday rule, with their names (元旦, 春节调休上班, …).
    special: BTreeMap<NaiveDate, (DayKind, String)>,
    /// The years whose holidays are known. A count that reaches into any other year is refused:
    /// an unknown year counted as ordinary weeks would put a 公示 end on a holiday.
    years: BTreeSet<i32>,
}

/// A working-day count needed this year's calendar, which is not loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MissingYear(pub i32);

impl DayKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DayKind::Holiday => "holiday",
            DayKind::Workday => "workday",
        }
    }
}

impl WorkCalendar {
    /// Parses `date,kind,name` lines (header first); kind is `holiday` or `workday`.
    pub fn parse(text: &str) -> Result<WorkCalendar, String> {
        let mut cal = WorkCalendar::default();
        cal.add(text)?;
        Ok(cal)
    }

    /// Replaces one year's exceptions with a file's (`date,kind[,name]`, header first); every
    /// date must lie in that year. The year is known from then on, even with no exception.
    pub fn load_year(&mut self, year: i32, text: &str) -> Result<(), String> {
        let mut one = WorkCalendar::default();
        one.add(text)?;
        if let Some(d) = one.special.keys().find(|d| d.year() != year) {
            return Err(format!("日期 {d} 不属于 {year} 年"));
        }
        self.special.retain(|d, _| d.year() != year);
        self.special.extend(one.special);
        self.years.insert(year);
        Ok(())
    }

    pub fn covers(&self, year: i32) -> bool {
        self.years.contains(&year)
    }

    /// The year's exceptions in date order: (date, kind, name).
    pub fn days_of(&self, year: i32) -> Vec<(NaiveDate, DayKind, String)> {
        self.special.iter().filter(|(d, _)| d.year() == year).map(|(d, (k, n))| (*d, *k, n.clone())).collect()
    }

    fn need(&self, d: NaiveDate) -> Result<(), MissingYear> {
        if self.covers(d.year()) {
            Ok(())
        } else {
            Err(MissingYear(d.year()))
        }
    }

    /// Adds another file; the years of its dates become known.
    pub fn add(&mut self, text: &str) -> Result<(), String> {
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if n == 0 || line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut cols = line.splitn(3, ',');
            let (d, k, name) = (cols.next().unwrap_or(""), cols.next().unwrap_or(""), cols.next().unwrap_or(""));
            let date =
                NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").map_err(|_| format!("第 {} 行日期无效", n + 1))?;
            let kind = match k.trim() {
                "holiday" => DayKind::Holiday,
                "workday" => DayKind::Workday,
                _ => return Err(format!("第 {} 行类型应为 holiday 或 workday", n + 1)),
            };
            self.years.insert(date.year());
            if self.special.insert(date, (kind, name.trim().to_string())).is_some() {
                return Err(format!("第 {} 行日期重复", n + 1));
            }
        }
        Ok(())
    }

    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        match self.special.get(&d) {
            Some((DayKind::Holiday, _)) => false,
            Some((DayKind::Workday, _)) => true,
            None => !matches!(d.weekday(), Weekday::Sat | Weekday::Sun),
        }
    }

    /// The `n`-th working day after `start` (start itself not counted); `n` = 0 gives `start`.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> Result<NaiveDate, MissingYear> {
        self.need(start)?;
        let mut d = start;
        let mut left = n;
        while left > 0 {
            d += Duration::days(1);
            self.need(d)?;
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        Ok(d)
    }

    /// The last day of a notice period published on `published_on`: counting starts the next day;
    /// the period ends at 24:00 of the `days`-th counted day (working or calendar days).
    pub fn notice_end(&self, published_on: NaiveDate, days: u32, working_days: bool) -> Result<NaiveDate, MissingYear> {
        if working_days {
            self.add_working_days(published_on, days)
        } else {
            Ok(published_on + Duration::days(i64::from(days)))
        }
    }

    /// Working days strictly after `from` up to and including `to`.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> Result<u32, MissingYear> {
        let mut n = 0;
        let mut d = from;
        while d < to {
            d += Duration::days(1);
            self.need(d)?;
            if self.is_working_day(d) {
                n += 1;
            }
        }
        Ok(n)
    }
}

/// The calendar shipped with the binary (national holidays per year).
pub fn shipped() -> WorkCalendar {
    WorkCalendar::parse(include_str!("../../migrations/seed/calendar-2026.csv")).expect("shipped calendar parses")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn weekends_holidays_and_makeup_days() {
        let c = shipped();
        assert!(c.is_working_day(d("2026-03-02")), "an ordinary Monday");
        assert!(!c.is_working_day(d("2026-03-07")), "an ordinary Saturday");
        assert!(!c.is_working_day(d("2026-10-01")), "National Day");
        assert!(!c.is_working_day(d("2026-02-18")), "Spring Festival on a Wednesday");
        assert!(c.is_working_day(d("2026-02-14")), "a make-up Saturday");
        assert!(c.is_working_day(d("2026-01-04")), "a make-up Sunday");
    }

    #[test]
    fn seven_working_days_of_notice() {
        let c = shipped();
        // Published Monday 2026-03-02: Tue..Fri (4) + Mon..Wed (3) → ends Wednesday 03-11.
        assert_eq!(c.notice_end(d("2026-03-02"), 7, true), Ok(d("2026-03-11")));
        // Published Wednesday 2026-09-23: Thu 24 (1), 25–27 中秋 off, Mon 28 (2), Tue 29 (3),
        // Wed 30 (4), 10-01..07 国庆 off, Thu 10-08 (5), Fri 10-09 (6), Sat 10-10 调休 (7).
        assert_eq!(c.notice_end(d("2026-09-23"), 7, true), Ok(d("2026-10-10")));
        // Calendar days: simply seven days later.
        assert_eq!(c.notice_end(d("2026-09-23"), 7, false), Ok(d("2026-09-30")));
        assert_eq!(c.add_working_days(d("2026-03-02"), 0), Ok(d("2026-03-02")));
    }

    #[test]
    fn counting_between_dates() {
        let c = shipped();
        assert_eq!(c.working_days_between(d("2026-03-02"), d("2026-03-11")), Ok(7));
        assert_eq!(c.working_days_between(d("2026-03-11"), d("2026-03-02")), Ok(0));
        assert_eq!(c.working_days_between(d("2026-02-13"), d("2026-02-24")), Ok(2), "14th (调休) and 24th");
    }

    #[test]
    fn a_year_without_its_calendar_is_refused_not_guessed() {
        let mut c = shipped();
        assert!(c.covers(2026) && !c.covers(2027));
        assert_eq!(c.add_working_days(d("2026-12-28"), 5), Err(MissingYear(2027)));
        assert_eq!(c.working_days_between(d("2026-12-30"), d("2027-01-04")), Err(MissingYear(2027)));
        assert_eq!(c.notice_end(d("2027-03-01"), 7, true), Err(MissingYear(2027)));
        assert_eq!(c.notice_end(d("2027-03-01"), 7, false), Ok(d("2027-03-08")), "calendar days need no calendar");
        c.load_year(2027, "date,kind\n2027-01-01,holiday\n").unwrap();
        // 2026-12-31 (Thu) → Mon 01-04 is the first working day after New Year's Day.
        assert_eq!(c.add_working_days(d("2026-12-31"), 1), Ok(d("2027-01-04")));
        assert!(c.load_year(2028, "date,kind\n2027-05-01,holiday\n").is_err(), "a date of another year");
        c.load_year(2027, "date,kind\n").unwrap();
        assert!(c.days_of(2027).is_empty(), "loading a year again replaces it");
        assert!(c.is_working_day(d("2027-01-01")), "a Friday once its holiday is gone");
    }

    #[test]
    fn refuses_bad_files() {
        assert!(WorkCalendar::parse("date,kind,name\n2026-13-01,holiday,x\n").is_err());
        assert!(WorkCalendar::parse("date,kind,name\n2026-01-01,party,x\n").is_err());
        assert!(WorkCalendar::parse("date,kind,name\n2026-01-01,holiday,x\n2026-01-01,workday,y\n").is_err());
        assert!(WorkCalendar::parse("date,kind,name\n").unwrap().is_working_day(d("2026-01-01")));
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            /// Adding n working days lands on a working day (n > 0), exactly n working days
            /// later, and more days never end earlier: over the years the shipped file covers.
            #[test]
            fn working_days_add_up(offset in 0i64..700, n in 0u32..40) {
                let start = NaiveDate::from_ymd_opt(2025, 6, 1).unwrap() + Duration::days(offset);
                let mut cal = shipped();
                cal.load_year(2025, "date,kind\n").unwrap();
                cal.load_year(2027, "date,kind\n").unwrap();
                let end = cal.add_working_days(start, n).unwrap();
                prop_assert_eq!(cal.working_days_between(start, end), Ok(n));
                if n > 0 {
                    prop_assert!(cal.is_working_day(end));
                }
                prop_assert!(cal.add_working_days(start, n + 1).unwrap() > end);
                prop_assert!(cal.notice_end(start, n, false).unwrap() <= cal.notice_end(start, n, true).unwrap());
            }
        }
    }
}

//! Time comes from an injected clock so tests (and training databases) can move it.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use std::sync::Mutex;

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Real time shifted by an offset: starts at a chosen instant and then runs on; tests set or
/// advance it.
pub struct ShiftedClock {
    offset: Mutex<Duration>,
}

impl ShiftedClock {
    pub fn starting_at(t: DateTime<Utc>) -> ShiftedClock {
        ShiftedClock { offset: Mutex::new(t - Utc::now()) }
    }
    pub fn set(&self, t: DateTime<Utc>) {
        *self.offset.lock().unwrap_or_else(|e| e.into_inner()) = t - Utc::now();
    }
    pub fn advance(&self, d: Duration) {
        *self.offset.lock().unwrap_or_else(|e| e.into_inner()) += d;
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + *self.offset.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The instant as stored: UTC, microseconds (PostgreSQL keeps no more, SQLite would).
pub fn db_time(t: DateTime<Utc>) -> NaiveDateTime {
    let n = t.naive_utc();
    n - Duration::nanoseconds(i64::from(n.and_utc().timestamp_subsec_nanos() % 1000))
}

/// The local (Asia/Shanghai) calendar date of an instant; deadlines count local dates.
pub fn local_date(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&chrono_tz::Asia::Shanghai).date_naive()
}

/// RFC 3339 with the +08:00 offset, as the API shows instants.
pub fn rfc3339_local(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono_tz::Asia::Shanghai).to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// Local time as people read it in a mail or page: `2027-03-01 16:30`.
pub fn local_display(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono_tz::Asia::Shanghai).format("%Y-%m-%d %H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shifted_clock_moves() {
        let t = "2026-03-01T00:00:00Z".parse::<DateTime<Utc>>().unwrap();
        let c = ShiftedClock::starting_at(t);
        assert!((c.now() - t).num_seconds().abs() < 5);
        c.advance(Duration::days(2));
        assert_eq!(local_date(c.now()).to_string(), "2026-03-03");
    }

    #[test]
    fn local_dates_are_shanghai() {
        let t = "2026-03-01T17:00:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(local_date(t).to_string(), "2026-03-02");
        assert_eq!(rfc3339_local(t), "2026-03-02T01:00:00+08:00");
        assert_eq!(db_time(t).and_utc(), t);
    }
}

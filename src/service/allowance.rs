//! Per-address allowances (so many registrations per quarter hour, …): the check and the take
//! are one step under a lock on the key, so parallel requests can never take more than allowed.

use crate::clock::db_time;
use crate::db::{self, DbConn};
use crate::error::{AppError, AppResult};
use chrono::{DateTime, Duration, Utc};

/// Takes one use of `key`'s allowance of `max` per `window` (at most the sessions purge window:
/// older uses are purged), or answers 429.
pub fn take(conn: &mut DbConn, key: &str, max: i64, window: Duration, now: DateTime<Utc>) -> AppResult<()> {
    let ok = db::write_tx(conn, |c| {
        db::lock_key(c, key)?;
        if db::sessions::failures_since(c, key, db_time(now - window))? >= max {
            return Ok(false);
        }
        db::sessions::record_failure(c, key, db_time(now))?;
        Ok(true)
    })?;
    if ok {
        Ok(())
    } else {
        Err(AppError::rate_limited())
    }
}

//! The region list: seeded from the shipped CSV, replaceable by the district's own file.

use crate::db::{self, regions::RegionRow, DbConn};
use crate::domain::region::parse_regions_csv;
use crate::error::{AppError, AppResult};

pub const SHIPPED_CSV: &str = include_str!("../../migrations/seed/regions.csv");

/// Loads the shipped list into an empty table, or a replacement file whenever one is given.
pub fn seed(conn: &mut DbConn, replacement: Option<&str>) -> AppResult<usize> {
    let text = match replacement {
        Some(t) => t,
        None if db::regions::count(conn)? > 0 => return Ok(0),
        None => SHIPPED_CSV,
    };
    let list = parse_regions_csv(text).map_err(|e| AppError::internal(format!("regions file: {e}")))?;
    db::write_tx(conn, |c| Ok(db::regions::upsert(c, &list)?))
}

pub fn all(conn: &mut DbConn) -> AppResult<Vec<RegionRow>> {
    Ok(db::regions::all(conn)?)
}

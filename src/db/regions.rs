//! Regions: loaded from the seed CSV, read by everyone.

use super::schema::regions;
use super::DbConn;
use crate::domain::region::{Region, RegionLevel};
use diesel::prelude::*;

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = regions)]
pub struct RegionRow {
    pub code: String,
    pub name: String,
    pub level: String,
    pub parent_code: Option<String>,
}

impl RegionRow {
    pub fn level(&self) -> Option<RegionLevel> {
        RegionLevel::parse(&self.level)
    }
}

pub fn all(conn: &mut DbConn) -> QueryResult<Vec<RegionRow>> {
    regions::table.select(RegionRow::as_select()).order(regions::code).load(conn)
}

pub fn find(conn: &mut DbConn, code: &str) -> QueryResult<Option<RegionRow>> {
    regions::table.find(code).select(RegionRow::as_select()).first(conn).optional()
}

pub fn count(conn: &mut DbConn) -> QueryResult<i64> {
    regions::table.count().get_result(conn)
}

/// Inserts new codes and renames existing ones; never deletes (rows may be referenced).
/// Parents come before children (district, towns, villages) so foreign keys hold.
pub fn upsert(conn: &mut DbConn, list: &[Region]) -> QueryResult<usize> {
    let mut sorted: Vec<&Region> = list.iter().collect();
    sorted.sort_by_key(|r| match r.level {
        RegionLevel::District => 0,
        RegionLevel::Town => 1,
        RegionLevel::Village => 2,
    });
    let mut n = 0;
    for r in sorted {
        let parent = r.parent_code.as_ref().map(|p| p.as_str().to_string());
        let updated = diesel::update(regions::table.find(r.code.as_str()))
            .set((regions::name.eq(&r.name), regions::level.eq(r.level.as_str()), regions::parent_code.eq(&parent)))
            .execute(conn)?;
        if updated == 0 {
            diesel::insert_into(regions::table)
                .values((
                    regions::code.eq(r.code.as_str()),
                    regions::name.eq(&r.name),
                    regions::level.eq(r.level.as_str()),
                    regions::parent_code.eq(&parent),
                ))
                .execute(conn)?;
        }
        n += 1;
    }
    Ok(n)
}

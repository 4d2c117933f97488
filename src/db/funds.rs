//! Yearly funds per region and the figures drawn from them.

use super::schema::{bids, calls, funds, pools, project_closures, projects};
use super::DbConn;
use chrono::NaiveDateTime;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable};
use std::collections::HashMap;

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = funds)]
pub struct FundRow {
    pub id: i64,
    pub year: i32,
    pub region_code: String,
    pub level: String,
    pub name: String,
    pub amount: i64,
    pub source: String,
    pub committed: i64,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = funds)]
pub struct NewFund<'a> {
    pub year: i32,
    pub region_code: &'a str,
    pub level: &'a str,
    pub name: &'a str,
    pub amount: i64,
    pub source: &'a str,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, new: &NewFund<'_>) -> QueryResult<i64> {
    diesel::insert_into(funds::table).values(new).returning(funds::id).get_result(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<FundRow>> {
    funds::table.find(id).select(FundRow::as_select()).first(conn).optional()
}

/// The fund of a region for a year, if it was set up.
pub fn of_region(conn: &mut DbConn, year: i32, region_code: &str) -> QueryResult<Option<FundRow>> {
    funds::table
        .filter(funds::year.eq(year))
        .filter(funds::region_code.eq(region_code))
        .select(FundRow::as_select())
        .first(conn)
        .optional()
}

/// Funds of a year (or every year), district first, then towns by code; `scope` keeps a town's.
pub fn list(conn: &mut DbConn, year: Option<i32>, scope: Option<&str>) -> QueryResult<Vec<FundRow>> {
    let mut q = funds::table.select(FundRow::as_select()).into_boxed();
    if let Some(y) = year {
        q = q.filter(funds::year.eq(y));
    }
    if let Some(p) = scope {
        q = q.filter(funds::region_code.like(format!("{p}%")));
    }
    q.order((funds::year.desc(), funds::level.asc(), funds::region_code.asc())).load(conn)
}

/// Sets the amount while it still covers what is committed: one statement, so a publish racing
/// it either commits first (and may make this refuse) or sees the new amount.
pub fn set_amount(conn: &mut DbConn, id: i64, amount: i64) -> QueryResult<usize> {
    diesel::update(funds::table.find(id).filter(funds::committed.le(amount)))
        .set(funds::amount.eq(amount))
        .execute(conn)
}

/// Commits `amount` to the fund only while the fund covers it; concurrent publishes on the same
/// fund serialise on its row and can never commit more than its amount.
pub fn commit(conn: &mut DbConn, id: i64, amount: i64) -> QueryResult<usize> {
    diesel::update(funds::table.find(id).filter((funds::committed + amount).le(funds::amount)))
        .set(funds::committed.eq(funds::committed + amount))
        .execute(conn)
}

/// Per fund: what decisions reserved in its published pools, and what was paid to their projects.
pub fn drawn(conn: &mut DbConn, fund_ids: &[i64]) -> QueryResult<HashMap<i64, (i64, i64)>> {
    let reserved: Vec<(Option<i64>, Option<i64>)> = pools::table
        .inner_join(calls::table.on(calls::id.eq(pools::call_id)))
        .filter(pools::fund_id.eq_any(fund_ids))
        .filter(calls::status.ne("draft"))
        .group_by(pools::fund_id)
        .select((pools::fund_id, sql::<Nullable<BigInt>>("CAST(SUM(pools.reserved) AS BIGINT)")))
        .load(conn)?;
    // Paid net of the refunds recorded at closing (结项).
    let paid: Vec<(Option<i64>, Option<i64>)> = projects::table
        .inner_join(bids::table.on(bids::id.eq(projects::bid_id)))
        .inner_join(pools::table.on(pools::id.eq(bids::pool_id)))
        .left_join(project_closures::table.on(project_closures::project_id.eq(projects::id)))
        .filter(pools::fund_id.eq_any(fund_ids))
        .group_by(pools::fund_id)
        .select((
            pools::fund_id,
            sql::<Nullable<BigInt>>("CAST(SUM(projects.paid - COALESCE(project_closures.refunded, 0)) AS BIGINT)"),
        ))
        .load(conn)?;
    let mut out: HashMap<i64, (i64, i64)> = HashMap::new();
    for (f, r) in reserved {
        if let Some(f) = f {
            out.entry(f).or_default().0 = r.unwrap_or(0);
        }
    }
    for (f, p) in paid {
        if let Some(f) = f {
            out.entry(f).or_default().1 = p.unwrap_or(0);
        }
    }
    Ok(out)
}

/// A call drawing on a fund: (fund, call id, call title, call status, pool budget).
pub type CallOnFund = (Option<i64>, i64, String, String, i64);

pub fn calls_on(conn: &mut DbConn, fund_ids: &[i64]) -> QueryResult<Vec<CallOnFund>> {
    pools::table
        .inner_join(calls::table.on(calls::id.eq(pools::call_id)))
        .filter(pools::fund_id.eq_any(fund_ids))
        .select((pools::fund_id, calls::id, calls::title, calls::status, pools::budget))
        .order((pools::fund_id, calls::id))
        .load(conn)
}

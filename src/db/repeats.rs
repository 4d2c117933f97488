//! Renewals (续期项目) and suspected repeats of projects funded in the previous call.

use super::schema::{bid_repeats, bids, calls, project_milestones, projects};
use super::DbConn;
use diesel::prelude::*;
use std::collections::HashMap;

/// (renewal_of, repeat_of)
pub type Links = (Option<i64>, Option<i64>);

/// Bid → links for the bids that have either.
pub fn of_bids(conn: &mut DbConn, ids: &[i64]) -> QueryResult<HashMap<i64, Links>> {
    let q = bid_repeats::table.select((bid_repeats::bid_id, bid_repeats::renewal_of, bid_repeats::repeat_of));
    // One bid is the common case; `IN (…)` is never a cached statement.
    let rows: Vec<(i64, Option<i64>, Option<i64>)> = match ids {
        [id] => q.filter(bid_repeats::bid_id.eq(id)).load(conn)?,
        ids => q.filter(bid_repeats::bid_id.eq_any(ids)).load(conn)?,
    };
    Ok(rows.into_iter().map(|(b, r, p)| (b, (r, p))).collect())
}

/// Sets both columns for the bid (a row with neither is removed).
pub fn set(conn: &mut DbConn, bid_id: i64, renewal_of: Option<i64>, repeat_of: Option<i64>) -> QueryResult<()> {
    diesel::delete(bid_repeats::table.find(bid_id)).execute(conn)?;
    if renewal_of.is_some() || repeat_of.is_some() {
        diesel::insert_into(bid_repeats::table)
            .values((
                bid_repeats::bid_id.eq(bid_id),
                bid_repeats::renewal_of.eq(renewal_of),
                bid_repeats::repeat_of.eq(repeat_of),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// (project, agreement no, title, final grade once the final evaluation is verified)
pub type EarlierRow = (i64, String, String, Option<String>);

/// The organisation's projects from calls of `year`.
pub fn projects_of_year(conn: &mut DbConn, org_id: i64, year: i32) -> QueryResult<Vec<EarlierRow>> {
    let rows: Vec<(i64, String, String)> = projects::table
        .inner_join(bids::table.on(bids::id.eq(projects::bid_id)))
        .inner_join(calls::table.on(calls::id.eq(projects::call_id)))
        .filter(projects::organisation_id.eq(org_id))
        .filter(calls::year.eq(year))
        .select((projects::id, projects::agreement_no, bids::title))
        .order(projects::id)
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let grades: HashMap<i64, Option<String>> = project_milestones::table
        .filter(project_milestones::project_id.eq_any(&ids))
        .filter(project_milestones::kind.eq("final"))
        .filter(project_milestones::status.eq("verified"))
        .select((project_milestones::project_id, project_milestones::grade))
        .load::<(i64, Option<String>)>(conn)?
        .into_iter()
        .collect();
    Ok(rows.into_iter().map(|(id, no, title)| (id, no, title, grades.get(&id).cloned().flatten())).collect())
}

/// A project's agreement number and title.
pub fn project_label(conn: &mut DbConn, id: i64) -> QueryResult<Option<(String, String)>> {
    projects::table
        .inner_join(bids::table.on(bids::id.eq(projects::bid_id)))
        .filter(projects::id.eq(id))
        .select((projects::agreement_no, bids::title))
        .first(conn)
        .optional()
}

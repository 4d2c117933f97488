//! What waits for whom, counted per call or notice in a handful of grouped queries (the 工作台
//! never loads every bid to count them). `prefix` scopes to one town's pools.

use super::schema::{
    assignments, bids, calls, notices, objections, organisations, pools, project_milestones, projects, reviewer_draws,
};
use super::DbConn;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::count_star;
use diesel::prelude::*;

/// (project, agreement number, milestone title, reported at)
pub type ReportWaiting = (i64, String, String, Option<NaiveDateTime>);
/// (call, title, due date, status)
pub type Assigned = (i64, String, Option<NaiveDate>, String);

/// (call, title, deadline, bids) in `statuses`; `unapproved`: only those finance has not checked.
pub fn bids_waiting(
    conn: &mut DbConn,
    statuses: &[&str],
    unapproved: bool,
    prefix: Option<&str>,
) -> QueryResult<Vec<(i64, String, NaiveDateTime, i64)>> {
    let mut q = bids::table
        .inner_join(calls::table.on(calls::id.eq(bids::call_id)))
        .inner_join(pools::table.on(pools::id.eq(bids::pool_id)))
        .filter(bids::status.eq_any(statuses.iter().map(|s| s.to_string()).collect::<Vec<_>>()))
        .group_by((calls::id, calls::title, calls::closes_at))
        .select((calls::id, calls::title, calls::closes_at, count_star()))
        .order(calls::closes_at)
        .into_boxed();
    if unapproved {
        q = q.filter(bids::approved.is_null());
    }
    if let Some(p) = prefix {
        q = q.filter(pools::region_code.like(format!("{p}%")));
    }
    q.load(conn)
}

/// (notice, notice title, end of the notice period, objections unanswered).
pub fn objections_waiting(conn: &mut DbConn, prefix: Option<&str>) -> QueryResult<Vec<(i64, String, NaiveDate, i64)>> {
    let mut q = objections::table
        .inner_join(notices::table.on(notices::id.eq(objections::notice_id)))
        .inner_join(bids::table.on(bids::id.eq(objections::bid_id)))
        .inner_join(pools::table.on(pools::id.eq(bids::pool_id)))
        .filter(objections::status.eq("pending"))
        .group_by((notices::id, notices::title, notices::ends_on))
        .select((notices::id, notices::title, notices::ends_on, count_star()))
        .order(notices::ends_on)
        .into_boxed();
    if let Some(p) = prefix {
        q = q.filter(pools::region_code.like(format!("{p}%")));
    }
    q.load(conn)
}

/// (project, agreement number, milestone title, reported at) of reports to verify, oldest first.
pub fn reports_waiting(conn: &mut DbConn, prefix: Option<&str>) -> QueryResult<Vec<ReportWaiting>> {
    let mut q = project_milestones::table
        .inner_join(projects::table.on(projects::id.eq(project_milestones::project_id)))
        .inner_join(bids::table.on(bids::id.eq(projects::bid_id)))
        .inner_join(pools::table.on(pools::id.eq(bids::pool_id)))
        .filter(project_milestones::status.eq("reported"))
        .select((projects::id, projects::agreement_no, project_milestones::title, project_milestones::reported_at))
        .order(project_milestones::reported_at)
        .limit(100)
        .into_boxed();
    if let Some(p) = prefix {
        q = q.filter(pools::region_code.like(format!("{p}%")));
    }
    q.load(conn)
}

/// Projects whose final accounts were filed and wait for staff to close them: (project,
/// agreement number), oldest filing first.
pub fn closures_waiting(conn: &mut DbConn, prefix: Option<&str>) -> QueryResult<Vec<(i64, String)>> {
    use super::schema::project_closures;
    let mut q = project_closures::table
        .inner_join(projects::table.on(projects::id.eq(project_closures::project_id)))
        .inner_join(bids::table.on(bids::id.eq(projects::bid_id)))
        .inner_join(pools::table.on(pools::id.eq(bids::pool_id)))
        .filter(project_closures::closed_at.is_null())
        .filter(projects::status.eq("active"))
        .select((projects::id, projects::agreement_no))
        .order(project_closures::filed_at)
        .limit(100)
        .into_boxed();
    if let Some(p) = prefix {
        q = q.filter(pools::region_code.like(format!("{p}%")));
    }
    q.load(conn)
}

/// Change requests in `status` (pending for staff, awaiting_finance for finance): (project,
/// agreement number), oldest first.
pub fn changes_waiting(conn: &mut DbConn, status: &str, prefix: Option<&str>) -> QueryResult<Vec<(i64, String)>> {
    use super::schema::project_changes;
    let mut q = project_changes::table
        .inner_join(projects::table.on(projects::id.eq(project_changes::project_id)))
        .inner_join(bids::table.on(bids::id.eq(projects::bid_id)))
        .inner_join(pools::table.on(pools::id.eq(bids::pool_id)))
        .filter(project_changes::status.eq(status))
        .select((projects::id, projects::agreement_no))
        .order(project_changes::id)
        .limit(100)
        .into_boxed();
    if let Some(p) = prefix {
        q = q.filter(pools::region_code.like(format!("{p}%")));
    }
    q.load(conn)
}

/// Registrations waiting for verification (of one town's organisations, if given).
pub fn organisations_waiting(conn: &mut DbConn, prefix: Option<&str>) -> QueryResult<i64> {
    let mut q = organisations::table.filter(organisations::status.eq("pending")).into_boxed();
    if let Some(p) = prefix {
        q = q.filter(organisations::region_code.like(format!("{p}%")));
    }
    q.count().get_result(conn)
}

/// (call, title, due date, status) of a reviewer's assignments still on a panel.
pub fn assignments_of(conn: &mut DbConn, reviewer_id: i64) -> QueryResult<Vec<Assigned>> {
    assignments::table
        .inner_join(calls::table.on(calls::id.eq(assignments::call_id)))
        .inner_join(reviewer_draws::table.on(reviewer_draws::id.eq(assignments::draw_id)))
        .filter(assignments::reviewer_id.eq(reviewer_id))
        .filter(assignments::status.eq_any(["assigned", "accepted", "submitted"]))
        .filter(calls::status.eq("review"))
        .select((calls::id, calls::title, reviewer_draws::due_on, assignments::status))
        .order(calls::id)
        .load(conn)
}

/// Mid-term and final reports waiting on a third-party evaluator's scores, oldest first.
pub fn evaluations_waiting(conn: &mut DbConn, user_id: i64) -> QueryResult<Vec<ReportWaiting>> {
    use super::schema::project_evaluators as pe;
    project_milestones::table
        .inner_join(projects::table.on(projects::id.eq(project_milestones::project_id)))
        .inner_join(pe::table.on(pe::project_id.eq(projects::id)))
        .filter(pe::user_id.eq(user_id))
        .filter(project_milestones::status.eq("reported"))
        .filter(project_milestones::kind.eq_any(["midterm", "final"]))
        .select((projects::id, projects::agreement_no, project_milestones::title, project_milestones::reported_at))
        .order(project_milestones::reported_at)
        .limit(100)
        .load(conn)
}

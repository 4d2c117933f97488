//! Projects: milestones, actual spending and payments, with the payment ceilings in SQL.

use super::schema::{milestone_actuals, payments, project_milestones, project_tranches, projects};
use super::DbConn;
use crate::domain::state::{self, MilestoneStatus, ProjectStatus};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = projects)]
pub struct ProjectRow {
    pub id: i64,
    pub call_id: i64,
    pub bid_id: i64,
    pub organisation_id: i64,
    pub agreement_no: String,
    pub approved: i64,
    pub paid: i64,
    pub status: String,
    pub signed_on: Option<NaiveDate>,
    pub created_at: NaiveDateTime,
    pub clawback: i64,
    pub ended_at: Option<NaiveDateTime>,
    pub end_note: Option<String>,
    /// Matching money granted from social-welfare funds (配套资金), beside the bid's own.
    pub welfare_matching: i64,
}

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = project_milestones)]
pub struct MilestoneRow {
    pub id: i64,
    pub project_id: i64,
    pub seq: i32,
    pub kind: String,
    pub title: String,
    pub due_date: NaiveDate,
    pub tranche_seq: Option<i32>,
    pub status: String,
    pub report_text: Option<String>,
    pub reported_at: Option<NaiveDateTime>,
    pub grade: Option<String>,
    pub note: Option<String>,
    pub verified_by: Option<i64>,
    pub verified_at: Option<NaiveDateTime>,
    pub overdue_notified_at: Option<NaiveDateTime>,
    pub reminded_at: Option<NaiveDateTime>,
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<ProjectRow>> {
    projects::table.find(id).select(ProjectRow::as_select()).first(conn).optional()
}

/// Which projects a list shows: every filter runs in SQL so a page is a full page.
pub struct ProjectQuery<'a> {
    pub org: Option<i64>,
    pub region_prefix: Option<&'a str>,
    /// Only the projects this evaluator is assigned to.
    pub evaluator: Option<i64>,
    pub status: Option<&'a str>,
    /// Only projects with a milestone overdue on this day.
    pub overdue_on: Option<NaiveDate>,
    /// Only active projects with a tranche ready to pay.
    pub payable: bool,
    pub after_id: i64,
    pub limit: i64,
}

/// Projects by id (keyset paging), filtered by organisation, town, status, overdue and payable.
pub fn list(conn: &mut DbConn, f: &ProjectQuery<'_>) -> QueryResult<Vec<ProjectRow>> {
    use super::schema::{bids, pools};
    let mut q = projects::table
        .inner_join(bids::table.on(bids::id.eq(projects::bid_id)))
        .inner_join(pools::table.on(pools::id.eq(bids::pool_id)))
        .select(ProjectRow::as_select())
        .filter(projects::id.gt(f.after_id))
        .order(projects::id)
        .limit(f.limit)
        .into_boxed();
    if let Some(o) = f.org {
        q = q.filter(projects::organisation_id.eq(o));
    }
    if let Some(p) = f.region_prefix {
        q = q.filter(pools::region_code.like(format!("{p}%")));
    }
    if let Some(s) = f.status {
        q = q.filter(projects::status.eq(s.to_string()));
    }
    if let Some(user) = f.evaluator {
        use super::schema::project_evaluators as pe;
        q = q.filter(projects::id.eq_any(pe::table.filter(pe::user_id.eq(user)).select(pe::project_id)));
    }
    if let Some(today) = f.overdue_on {
        q = q.filter(
            projects::id.eq_any(
                project_milestones::table
                    .filter(project_milestones::status.eq("pending"))
                    .filter(project_milestones::kind.ne("signing"))
                    .filter(project_milestones::due_date.lt(today))
                    .select(project_milestones::project_id),
            ),
        );
    }
    if f.payable {
        q = q.filter(projects::status.eq("active")).filter(
            projects::id.eq_any(
                project_tranches::table
                    .inner_join(
                        project_milestones::table.on(project_milestones::project_id
                            .eq(project_tranches::project_id)
                            .and(project_milestones::tranche_seq.eq(project_tranches::seq.nullable()))),
                    )
                    .filter(project_milestones::status.eq("verified"))
                    .filter(project_milestones::grade.is_null().or(project_milestones::grade.ne("不合格")))
                    .filter(project_tranches::paid.lt(project_tranches::amount))
                    .select(project_tranches::project_id),
            ),
        );
    }
    q.load(conn)
}

/// A project's bid title, organisation and pool names.
#[derive(Queryable, Clone, Debug)]
pub struct ProjectNames {
    pub project_id: i64,
    pub title: String,
    pub organisation: String,
    pub pool: String,
    pub pool_id: i64,
    pub pool_region: String,
    /// The matching money the bid declared.
    pub matching: i64,
}

pub fn names_of(conn: &mut DbConn, project_ids: &[i64]) -> QueryResult<Vec<ProjectNames>> {
    use super::schema::{bids, organisations, pools};
    projects::table
        .inner_join(bids::table.on(bids::id.eq(projects::bid_id)))
        .inner_join(pools::table.on(pools::id.eq(bids::pool_id)))
        .inner_join(organisations::table.on(organisations::id.eq(projects::organisation_id)))
        .filter(projects::id.eq_any(project_ids))
        .select((
            projects::id,
            bids::title,
            organisations::name,
            pools::name,
            pools::id,
            pools::region_code,
            bids::matching,
        ))
        .load(conn)
}

pub fn insert_milestone(
    conn: &mut DbConn,
    project_id: i64,
    seq: i32,
    kind: &str,
    title: &str,
    due: NaiveDate,
    tranche_seq: Option<i32>,
) -> QueryResult<i64> {
    diesel::insert_into(project_milestones::table)
        .values((
            project_milestones::project_id.eq(project_id),
            project_milestones::seq.eq(seq),
            project_milestones::kind.eq(kind),
            project_milestones::title.eq(title),
            project_milestones::due_date.eq(due),
            project_milestones::tranche_seq.eq(tranche_seq),
            project_milestones::status.eq("pending"),
        ))
        .returning(project_milestones::id)
        .get_result(conn)
}

pub fn milestones_of(conn: &mut DbConn, project_ids: &[i64]) -> QueryResult<Vec<MilestoneRow>> {
    project_milestones::table
        .filter(project_milestones::project_id.eq_any(project_ids))
        .select(MilestoneRow::as_select())
        .order((project_milestones::project_id, project_milestones::seq))
        .load(conn)
}

pub fn find_milestone(conn: &mut DbConn, id: i64) -> QueryResult<Option<MilestoneRow>> {
    project_milestones::table.find(id).select(MilestoneRow::as_select()).first(conn).optional()
}

pub fn report(
    conn: &mut DbConn,
    id: i64,
    text: &str,
    at: NaiveDateTime,
    actuals: &[(String, i64)],
) -> QueryResult<usize> {
    let n = diesel::update(project_milestones::table.find(id).filter(project_milestones::status.eq("pending")))
        .set((
            project_milestones::status.eq("reported"),
            project_milestones::report_text.eq(Some(text)),
            project_milestones::reported_at.eq(Some(at)),
        ))
        .execute(conn)?;
    if n == 1 {
        diesel::delete(milestone_actuals::table.filter(milestone_actuals::milestone_id.eq(id))).execute(conn)?;
        for (c, a) in actuals {
            diesel::insert_into(milestone_actuals::table)
                .values((
                    milestone_actuals::milestone_id.eq(id),
                    milestone_actuals::category.eq(c),
                    milestone_actuals::amount.eq(a),
                ))
                .execute(conn)?;
        }
    }
    Ok(n)
}

/// What a verifier writes on a milestone.
pub struct Verdict<'a> {
    pub to: MilestoneStatus,
    pub grade: Option<&'a str>,
    pub note: Option<&'a str>,
    pub by: i64,
    pub at: NaiveDateTime,
}

pub fn verify(conn: &mut DbConn, id: i64, from: &[MilestoneStatus], v: &Verdict<'_>) -> QueryResult<usize> {
    state::checked(from, v.to, MilestoneStatus::may_become);
    diesel::update(
        project_milestones::table.find(id).filter(project_milestones::status.eq_any(MilestoneStatus::names(from))),
    )
    .set((
        project_milestones::status.eq(v.to.as_str()),
        project_milestones::grade.eq(v.grade),
        project_milestones::note.eq(v.note),
        project_milestones::verified_by.eq(Some(v.by)),
        project_milestones::verified_at.eq(Some(v.at)),
    ))
    .execute(conn)
}

/// The indicator scores of a verified evaluation (JSON) and their total in hundredths; replaced
/// when the evaluation is verified again after rectification.
pub fn set_scores(
    conn: &mut DbConn,
    milestone_id: i64,
    scores: &str,
    total: i64,
    site_visit: Option<&str>,
    by: i64,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    use super::schema::evaluation_scores as es;
    diesel::delete(es::table.find(milestone_id)).execute(conn)?;
    diesel::insert_into(es::table)
        .values((
            es::milestone_id.eq(milestone_id),
            es::scores.eq(scores),
            es::total.eq(total),
            es::site_visit.eq(site_visit),
            es::scored_by.eq(by),
            es::scored_at.eq(at),
        ))
        .execute(conn)
}

/// (milestone, scores JSON, total in hundredths) of the milestones' evaluations.
/// (milestone, scores JSON, total in hundredths, site-visit notes)
pub type Scored = (i64, String, i64, Option<String>);

pub fn scores_of(conn: &mut DbConn, milestone_ids: &[i64]) -> QueryResult<Vec<Scored>> {
    use super::schema::evaluation_scores as es;
    es::table
        .filter(es::milestone_id.eq_any(milestone_ids))
        .select((es::milestone_id, es::scores, es::total, es::site_visit))
        .load(conn)
}

pub fn set_signed(conn: &mut DbConn, id: i64, on: NaiveDate) -> QueryResult<usize> {
    diesel::update(projects::table.find(id).filter(projects::signed_on.is_null()))
        .set(projects::signed_on.eq(Some(on)))
        .execute(conn)
}

/// Takes the row lock of a project not yet signed (a no-op update); 0 when it is signed. A
/// re-budget holds it so a signing cannot land between its check and its write.
pub fn hold_unsigned(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::update(projects::table.find(id).filter(projects::signed_on.is_null()))
        .set(projects::signed_on.eq(projects::signed_on))
        .execute(conn)
}

/// Adds a payment to the tranche and the project only while both stay within their ceilings:
/// each is one conditional UPDATE, so concurrent payments can never overpay.
pub fn pay(conn: &mut DbConn, project_id: i64, tranche_seq: i32, amount: i64) -> QueryResult<bool> {
    // The project row first, and only while it is active: this takes the row lock a termination
    // also takes, so a payment and a termination serialise and no payment lands after one.
    let p = diesel::update(
        projects::table
            .find(project_id)
            .filter(projects::status.eq("active"))
            .filter((projects::paid + amount).le(projects::approved)),
    )
    .set(projects::paid.eq(projects::paid + amount))
    .execute(conn)?;
    if p != 1 {
        return Ok(false);
    }
    let t = diesel::update(
        project_tranches::table
            .filter(project_tranches::project_id.eq(project_id))
            .filter(project_tranches::seq.eq(tranche_seq))
            .filter((project_tranches::paid + amount).le(project_tranches::amount)),
    )
    .set(project_tranches::paid.eq(project_tranches::paid + amount))
    .execute(conn)?;
    Ok(t == 1)
}

#[derive(Insertable)]
#[diesel(table_name = payments)]
pub struct NewPayment<'a> {
    pub project_id: i64,
    pub milestone_id: i64,
    pub tranche_seq: i32,
    pub amount: i64,
    pub paid_on: NaiveDate,
    pub reference: &'a str,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

pub fn insert_payment(conn: &mut DbConn, new: &NewPayment<'_>) -> QueryResult<i64> {
    diesel::insert_into(payments::table).values(new).returning(payments::id).get_result(conn)
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = payments)]
pub struct PaymentRow {
    pub id: i64,
    pub project_id: i64,
    pub milestone_id: i64,
    pub tranche_seq: i32,
    pub amount: i64,
    pub paid_on: NaiveDate,
    pub reference: String,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

/// The payments of many projects in one query, oldest first.
pub fn payments_of(conn: &mut DbConn, project_ids: &[i64]) -> QueryResult<Vec<PaymentRow>> {
    payments::table
        .filter(payments::project_id.eq_any(project_ids))
        .select(PaymentRow::as_select())
        .order(payments::id)
        .load(conn)
}

/// (project, seq, pct, amount, paid)
pub type TrancheRow = (i64, i32, i32, i64, i64);

pub fn tranches_of(conn: &mut DbConn, project_ids: &[i64]) -> QueryResult<Vec<TrancheRow>> {
    project_tranches::table
        .filter(project_tranches::project_id.eq_any(project_ids))
        .select((
            project_tranches::project_id,
            project_tranches::seq,
            project_tranches::pct,
            project_tranches::amount,
            project_tranches::paid,
        ))
        .order((project_tranches::project_id, project_tranches::seq))
        .load(conn)
}

/// Pending milestones due before `today` whose lateness nobody has been told of yet.
pub fn newly_overdue(conn: &mut DbConn, today: NaiveDate) -> QueryResult<Vec<MilestoneRow>> {
    project_milestones::table
        .filter(project_milestones::project_id.eq_any(active_projects()))
        .filter(project_milestones::status.eq("pending"))
        .filter(project_milestones::kind.ne("signing"))
        .filter(project_milestones::due_date.lt(today))
        .filter(project_milestones::overdue_notified_at.is_null())
        .select(MilestoneRow::as_select())
        .order(project_milestones::id)
        .limit(500)
        .load(conn)
}

pub fn mark_overdue_notified(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(project_milestones::table.find(id).filter(project_milestones::overdue_notified_at.is_null()))
        .set(project_milestones::overdue_notified_at.eq(Some(at)))
        .execute(conn)
}

fn active_projects() -> diesel::dsl::Select<
    diesel::dsl::Filter<projects::table, diesel::dsl::Eq<projects::status, &'static str>>,
    projects::id,
> {
    projects::table.filter(projects::status.eq("active")).select(projects::id)
}

/// Pending milestones of active projects due between `from` and `to`, not yet reminded.
pub fn due_soon(conn: &mut DbConn, from: NaiveDate, to: NaiveDate) -> QueryResult<Vec<MilestoneRow>> {
    project_milestones::table
        .filter(project_milestones::project_id.eq_any(active_projects()))
        .filter(project_milestones::status.eq("pending"))
        .filter(project_milestones::kind.ne("signing"))
        .filter(project_milestones::due_date.between(from, to))
        .filter(project_milestones::reminded_at.is_null())
        .select(MilestoneRow::as_select())
        .order(project_milestones::id)
        .limit(500)
        .load(conn)
}

pub fn mark_reminded(conn: &mut DbConn, id: i64, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(project_milestones::table.find(id).filter(project_milestones::reminded_at.is_null()))
        .set(project_milestones::reminded_at.eq(Some(at)))
        .execute(conn)
}

/// Pending evaluations of active projects due before `today` (the grace check is the caller's).
pub fn late_evaluations(conn: &mut DbConn, today: NaiveDate) -> QueryResult<Vec<MilestoneRow>> {
    project_milestones::table
        .filter(project_milestones::project_id.eq_any(active_projects()))
        .filter(project_milestones::status.eq("pending"))
        .filter(project_milestones::kind.eq_any(["midterm", "final"]))
        .filter(project_milestones::due_date.lt(today))
        .select(MilestoneRow::as_select())
        .order(project_milestones::id)
        .limit(500)
        .load(conn)
}

/// A late evaluation counted as failed by the system (no verifier).
pub fn lapse(conn: &mut DbConn, id: i64, note: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(project_milestones::table.find(id).filter(project_milestones::status.eq("pending")))
        .set((
            project_milestones::status.eq("verified"),
            project_milestones::grade.eq(Some("不合格")),
            project_milestones::note.eq(Some(note)),
            project_milestones::verified_at.eq(Some(at)),
        ))
        .execute(conn)
}

/// A schedule change: the final evaluation, not yet reported, falls due on `due`; its reminder
/// and overdue notice may go out again.
pub fn move_final(conn: &mut DbConn, project_id: i64, due: NaiveDate) -> QueryResult<usize> {
    diesel::update(
        project_milestones::table
            .filter(project_milestones::project_id.eq(project_id))
            .filter(project_milestones::kind.eq("final"))
            .filter(project_milestones::status.eq("pending")),
    )
    .set((
        project_milestones::due_date.eq(due),
        project_milestones::overdue_notified_at.eq(None::<NaiveDateTime>),
        project_milestones::reminded_at.eq(None::<NaiveDateTime>),
    ))
    .execute(conn)
}

/// Rectification: the failed evaluation is due again on `due`, to be reported and verified anew.
pub fn reopen_for_rectification(conn: &mut DbConn, id: i64, due: NaiveDate, note: &str) -> QueryResult<usize> {
    diesel::update(project_milestones::table.find(id).filter(project_milestones::grade.eq("不合格")))
        .set((
            project_milestones::status.eq("pending"),
            project_milestones::grade.eq(None::<String>),
            project_milestones::note.eq(Some(note)),
            project_milestones::due_date.eq(due),
            project_milestones::verified_by.eq(None::<i64>),
            project_milestones::verified_at.eq(None::<NaiveDateTime>),
            project_milestones::overdue_notified_at.eq(None::<NaiveDateTime>),
            project_milestones::reminded_at.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)
}

/// Moves a project from one of `from` to `to`; 0 when it was no longer in such a state.
pub fn change_status(conn: &mut DbConn, id: i64, from: &[ProjectStatus], to: ProjectStatus) -> QueryResult<usize> {
    state::checked(from, to, ProjectStatus::may_become);
    diesel::update(projects::table.find(id).filter(projects::status.eq_any(ProjectStatus::names(from))))
        .set(projects::status.eq(to.as_str()))
        .execute(conn)
}

/// Marks an active or suspended project terminated and returns `(approved, paid)` as they are
/// under the row lock this takes: the settlement is computed from these, after any payment that
/// got the lock first and before any that comes later (which then finds it terminated).
pub fn terminate(conn: &mut DbConn, id: i64, note: &str, at: NaiveDateTime) -> QueryResult<Option<(i64, i64)>> {
    diesel::update(projects::table.find(id).filter(projects::status.eq_any(["active", "suspended"])))
        .set((projects::status.eq("terminated"), projects::end_note.eq(Some(note)), projects::ended_at.eq(Some(at))))
        .returning((projects::approved, projects::paid))
        .get_result(conn)
        .optional()
}

pub fn set_clawback(conn: &mut DbConn, id: i64, clawback: i64) -> QueryResult<usize> {
    diesel::update(projects::table.find(id)).set(projects::clawback.eq(clawback)).execute(conn)
}

/// The latest reported spending per category of each project: (project, category, amount).
pub fn latest_actuals(conn: &mut DbConn, project_ids: &[i64]) -> QueryResult<Vec<(i64, String, i64)>> {
    // Reports carry spending so far; the most recent report of a project is its current total.
    let rows: Vec<(i64, i64, Option<NaiveDateTime>, String, i64)> = milestone_actuals::table
        .inner_join(project_milestones::table.on(project_milestones::id.eq(milestone_actuals::milestone_id)))
        .filter(project_milestones::project_id.eq_any(project_ids))
        .select((
            project_milestones::project_id,
            project_milestones::id,
            project_milestones::reported_at,
            milestone_actuals::category,
            milestone_actuals::amount,
        ))
        .load(conn)?;
    let mut latest: std::collections::HashMap<i64, (Option<NaiveDateTime>, i64)> = std::collections::HashMap::new();
    for (p, m, at, _, _) in &rows {
        let e = latest.entry(*p).or_insert((*at, *m));
        if (*at, *m) > *e {
            *e = (*at, *m);
        }
    }
    Ok(rows
        .into_iter()
        .filter(|(p, m, _, _, _)| latest.get(p).is_some_and(|l| l.1 == *m))
        .map(|(p, _, _, c, a)| (p, c, a))
        .collect())
}

/// (pool, project id, approved, paid, status) of every project of these calls.
pub type PoolProject = (i64, i64, i64, i64, String);

pub fn by_pool(conn: &mut DbConn, call_ids: &[i64]) -> QueryResult<Vec<PoolProject>> {
    use super::schema::{bids, project_closures};
    // Paid net of any refund recorded at closing (结项).
    projects::table
        .inner_join(bids::table.on(bids::id.eq(projects::bid_id)))
        .left_join(project_closures::table.on(project_closures::project_id.eq(projects::id)))
        .filter(projects::call_id.eq_any(call_ids))
        .select((
            bids::pool_id,
            projects::id,
            projects::approved,
            projects::paid - diesel::dsl::sql::<diesel::sql_types::BigInt>("COALESCE(project_closures.refunded, 0)"),
            projects::status,
        ))
        .load(conn)
}

/// Active projects drawing on pools of a region (a town's 9-digit prefix).
fn active_in_region(conn: &mut DbConn, prefix: &str) -> QueryResult<Vec<i64>> {
    use super::schema::{bids, pools};
    projects::table
        .inner_join(bids::table.on(bids::id.eq(projects::bid_id)))
        .inner_join(pools::table.on(pools::id.eq(bids::pool_id)))
        .filter(projects::status.eq("active"))
        .filter(pools::region_code.like(format!("{prefix}%")))
        .select(projects::id)
        .load(conn)
}

/// Pending milestones past their due date in active projects (of one region's pools, if given).
pub fn overdue_count(conn: &mut DbConn, today: NaiveDate, region_prefix: Option<&str>) -> QueryResult<i64> {
    let q = project_milestones::table
        .filter(project_milestones::status.eq("pending"))
        .filter(project_milestones::kind.ne("signing"))
        .filter(project_milestones::due_date.lt(today));
    match region_prefix {
        None => q.filter(project_milestones::project_id.eq_any(active_projects())).count().get_result(conn),
        Some(p) => {
            let ids = active_in_region(conn, p)?;
            q.filter(project_milestones::project_id.eq_any(ids)).count().get_result(conn)
        }
    }
}

/// (amount, paid) of every tranche whose milestone is verified and passed, in active projects
/// (of one region's pools, if given).
pub fn payable_tranches(conn: &mut DbConn, region_prefix: Option<&str>) -> QueryResult<Vec<(i64, i64)>> {
    let scoped = match region_prefix {
        Some(p) => Some(active_in_region(conn, p)?),
        None => None,
    };
    let q = project_tranches::table
        .inner_join(
            project_milestones::table.on(project_milestones::project_id
                .eq(project_tranches::project_id)
                .and(project_milestones::tranche_seq.eq(project_tranches::seq.nullable()))),
        )
        .filter(project_milestones::status.eq("verified"))
        .filter(project_milestones::grade.is_null().or(project_milestones::grade.ne("不合格")))
        .filter(project_tranches::paid.lt(project_tranches::amount))
        .select((project_tranches::amount, project_tranches::paid));
    match scoped {
        None => q.filter(project_tranches::project_id.eq_any(active_projects())).load(conn),
        Some(ids) => q.filter(project_tranches::project_id.eq_any(ids)).load(conn),
    }
}

/// One payment with what identifies it in a ledger.
#[derive(Queryable, Clone, Debug)]
pub struct LedgerRow {
    pub agreement_no: String,
    pub title: String,
    pub organisation: String,
    pub pool_region: String,
    pub tranche_seq: i32,
    pub amount: i64,
    pub paid_on: NaiveDate,
    pub reference: String,
}

/// Every payment of a call's projects, in the order they were recorded.
pub fn ledger(conn: &mut DbConn, call_id: i64) -> QueryResult<Vec<LedgerRow>> {
    use super::schema::{bids, organisations, pools};
    payments::table
        .inner_join(projects::table.on(projects::id.eq(payments::project_id)))
        .inner_join(bids::table.on(bids::id.eq(projects::bid_id)))
        .inner_join(pools::table.on(pools::id.eq(bids::pool_id)))
        .inner_join(organisations::table.on(organisations::id.eq(projects::organisation_id)))
        .filter(projects::call_id.eq(call_id))
        .select((
            projects::agreement_no,
            bids::title,
            organisations::name,
            pools::region_code,
            payments::tranche_seq,
            payments::amount,
            payments::paid_on,
            payments::reference,
        ))
        .order(payments::id)
        .load(conn)
}

pub fn of_call(conn: &mut DbConn, call_id: i64) -> QueryResult<Vec<ProjectRow>> {
    projects::table.filter(projects::call_id.eq(call_id)).select(ProjectRow::as_select()).order(projects::id).load(conn)
}

pub fn find_many(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<ProjectRow>> {
    projects::table.filter(projects::id.eq_any(ids)).select(ProjectRow::as_select()).order(projects::id).load(conn)
}

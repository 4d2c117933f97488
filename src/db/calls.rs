//! Calls with their pools, criteria and categories.

use super::schema::{call_categories, call_scoring, call_stages, calls, criteria, pools};
use super::DbConn;
use crate::domain::state::{self, CallStatus};
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Queryable, Selectable, Insertable, AsChangeset, Clone, Debug)]
#[diesel(table_name = calls)]
pub struct CallRow {
    #[diesel(skip_insertion)]
    pub id: i64,
    pub year: i32,
    pub title: String,
    pub announcement: String,
    pub opens_at: NaiveDateTime,
    pub closes_at: NaiveDateTime,
    pub notice_days: i32,
    pub notice_working_days: bool,
    pub project_start: NaiveDate,
    pub project_end: NaiveDate,
    pub min_grant: i64,
    pub max_grant: i64,
    pub max_bids_per_org: i32,
    pub score_threshold: i64,
    #[diesel(treat_none_as_null = true)]
    pub personnel_pct: Option<i32>,
    #[diesel(treat_none_as_null = true)]
    pub admin_pct: Option<i32>,
    pub forbidden_categories: String,
    pub tranches: String,
    pub fund_source: String,
    pub reference_prefix: String,
    pub status: String,
    pub next_seq: i64,
    pub cloned_from: Option<i64>,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub published_at: Option<NaiveDateTime>,
    pub published_by: Option<i64>,
}

impl CallRow {
    /// Where the call stands now: its stored status, and the clock for the published window.
    pub fn phase(&self, now: chrono::DateTime<chrono::Utc>) -> crate::domain::call::Phase {
        crate::domain::call::Phase::of(&self.status, self.opens_at.and_utc(), self.closes_at.and_utc(), now)
    }
    /// The tranche plan's percentages (`50,30,20`).
    pub fn tranche_pcts(&self) -> Vec<u32> {
        self.tranches.split(',').filter_map(|x| x.parse().ok()).collect()
    }
    pub fn forbidden(&self) -> Vec<String> {
        split_list(&self.forbidden_categories)
    }
}

/// A comma-separated list as stored (forbidden categories, correction items).
pub fn split_list(s: &str) -> Vec<String> {
    s.split(',').filter(|x| !x.is_empty()).map(str::to_string).collect()
}

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = pools)]
pub struct PoolRow {
    pub id: i64,
    pub call_id: i64,
    pub level: String,
    pub region_code: String,
    pub name: String,
    pub budget: i64,
    pub reserved: i64,
    /// Set once the pool's fund is known: when the draft names it or exists, at the latest on publishing.
    pub fund_id: Option<i64>,
}

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = criteria)]
pub struct CriterionRow {
    pub id: i64,
    pub call_id: i64,
    pub position: i32,
    pub key: String,
    pub name: String,
    pub weight: i32,
    pub max_score: i64,
    pub stage: i32,
}

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = call_categories)]
pub struct CategoryRow {
    pub id: i64,
    pub call_id: i64,
    pub position: i32,
    pub key: String,
    pub name: String,
    pub max_projects: Option<i32>,
    pub max_amount: Option<i64>,
    pub scope: String,
}

pub struct NewPool<'a> {
    pub level: &'a str,
    pub region_code: &'a str,
    pub name: &'a str,
    pub budget: i64,
    pub fund_id: Option<i64>,
}

pub struct NewCriterion<'a> {
    pub stage: i32,
    pub key: &'a str,
    pub name: &'a str,
    pub weight: i32,
    pub max_score: i64,
}

pub struct NewCategory<'a> {
    pub key: &'a str,
    pub name: &'a str,
    pub max_projects: Option<i32>,
    pub max_amount: Option<i64>,
    pub scope: &'a str,
}

pub fn insert(conn: &mut DbConn, row: &CallRow) -> QueryResult<i64> {
    diesel::insert_into(calls::table).values(row).returning(calls::id).get_result(conn)
}

pub fn update(conn: &mut DbConn, id: i64, row: &CallRow) -> QueryResult<usize> {
    diesel::update(calls::table.find(id).filter(calls::status.eq("draft"))).set(row).execute(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<CallRow>> {
    calls::table.find(id).select(CallRow::as_select()).first(conn).optional()
}

/// Replaces a draft call's pools, criteria and categories.
pub fn replace_parts(
    conn: &mut DbConn,
    call_id: i64,
    new_pools: &[NewPool<'_>],
    new_criteria: &[NewCriterion<'_>],
    new_categories: &[NewCategory<'_>],
) -> QueryResult<()> {
    diesel::delete(pools::table.filter(pools::call_id.eq(call_id))).execute(conn)?;
    diesel::delete(criteria::table.filter(criteria::call_id.eq(call_id))).execute(conn)?;
    diesel::delete(call_categories::table.filter(call_categories::call_id.eq(call_id))).execute(conn)?;
    for p in new_pools {
        diesel::insert_into(pools::table)
            .values((
                pools::call_id.eq(call_id),
                pools::level.eq(p.level),
                pools::region_code.eq(p.region_code),
                pools::name.eq(p.name),
                pools::budget.eq(p.budget),
                pools::reserved.eq(0i64),
                pools::fund_id.eq(p.fund_id),
            ))
            .execute(conn)?;
    }
    for (i, c) in new_criteria.iter().enumerate() {
        diesel::insert_into(criteria::table)
            .values((
                criteria::call_id.eq(call_id),
                criteria::position.eq(i as i32),
                criteria::key.eq(c.key),
                criteria::name.eq(c.name),
                criteria::weight.eq(c.weight),
                criteria::max_score.eq(c.max_score),
                criteria::stage.eq(c.stage),
            ))
            .execute(conn)?;
    }
    for (i, c) in new_categories.iter().enumerate() {
        diesel::insert_into(call_categories::table)
            .values((
                call_categories::call_id.eq(call_id),
                call_categories::position.eq(i as i32),
                call_categories::key.eq(c.key),
                call_categories::name.eq(c.name),
                call_categories::max_projects.eq(c.max_projects),
                call_categories::max_amount.eq(c.max_amount),
                call_categories::scope.eq(c.scope),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn pools_of(conn: &mut DbConn, call_ids: &[i64]) -> QueryResult<Vec<PoolRow>> {
    pools::table.filter(pools::call_id.eq_any(call_ids)).select(PoolRow::as_select()).order(pools::id).load(conn)
}

/// The rubric of the first (written) stage: the call's own criteria.
pub fn criteria_of(conn: &mut DbConn, call_id: i64) -> QueryResult<Vec<CriterionRow>> {
    criteria_of_stage(conn, call_id, 0)
}

pub fn criteria_of_stage(conn: &mut DbConn, call_id: i64, stage: i32) -> QueryResult<Vec<CriterionRow>> {
    criteria::table
        .filter(criteria::call_id.eq(call_id))
        .filter(criteria::stage.eq(stage))
        .select(CriterionRow::as_select())
        .order(criteria::position)
        .load(conn)
}

/// Every criterion of every stage, stage by stage.
pub fn all_criteria(conn: &mut DbConn, call_id: i64) -> QueryResult<Vec<CriterionRow>> {
    criteria::table
        .filter(criteria::call_id.eq(call_id))
        .select(CriterionRow::as_select())
        .order((criteria::stage, criteria::position))
        .load(conn)
}

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = call_stages)]
pub struct StageRow {
    pub id: i64,
    pub call_id: i64,
    pub position: i32,
    pub key: String,
    pub name: String,
    pub weight: i32,
    pub kind: String,
}

pub fn stages_of(conn: &mut DbConn, call_id: i64) -> QueryResult<Vec<StageRow>> {
    call_stages::table
        .filter(call_stages::call_id.eq(call_id))
        .select(StageRow::as_select())
        .order(call_stages::position)
        .load(conn)
}

#[derive(Queryable, Selectable, Insertable, Clone, Debug, PartialEq, Eq)]
#[diesel(table_name = call_scoring)]
pub struct ScoringRow {
    pub call_id: i64,
    pub repeat_rule: String,
    pub bonus_name: Option<String>,
    pub bonus_unit: Option<i64>,
    pub bonus_step: Option<i64>,
    pub bonus_cap: Option<i64>,
    /// The eligibility rules on the organisation's standing, as JSON (`domain::standing::Eligibility`).
    pub eligibility: Option<String>,
    /// The screening checklist, as JSON (`domain::checklist::Item`s).
    pub screening_checklist: Option<String>,
    /// The dossier's sections and documents, as JSON (`domain::dossier::Dossier`).
    pub dossier: Option<String>,
    /// After-funding terms, as JSON (`domain::aftercare::Terms`); none: the defaults.
    pub aftercare: Option<String>,
    /// The topics (选题) bids answer, as JSON (`domain::topic::CallTopics`); none: no topics.
    pub topics: Option<String>,
}

pub fn scoring_of(conn: &mut DbConn, call_id: i64) -> QueryResult<Option<ScoringRow>> {
    call_scoring::table.find(call_id).select(ScoringRow::as_select()).first(conn).optional()
}

/// (position, key, name, weight, kind)
pub type NewStage<'a> = (i32, &'a str, &'a str, i32, &'a str);

/// Replaces a draft call's stages and its scoring rules (none: one stage, no bonus, repeats allowed).
pub fn replace_scoring(
    conn: &mut DbConn,
    call_id: i64,
    stages: &[NewStage<'_>],
    scoring: Option<&ScoringRow>,
) -> QueryResult<()> {
    diesel::delete(call_stages::table.filter(call_stages::call_id.eq(call_id))).execute(conn)?;
    diesel::delete(call_scoring::table.filter(call_scoring::call_id.eq(call_id))).execute(conn)?;
    for (pos, key, name, weight, kind) in stages {
        diesel::insert_into(call_stages::table)
            .values((
                call_stages::call_id.eq(call_id),
                call_stages::position.eq(pos),
                call_stages::key.eq(key),
                call_stages::name.eq(name),
                call_stages::weight.eq(weight),
                call_stages::kind.eq(kind),
            ))
            .execute(conn)?;
    }
    if let Some(s) = scoring {
        diesel::insert_into(call_scoring::table).values(s).execute(conn)?;
    }
    Ok(())
}

pub fn categories_of(conn: &mut DbConn, call_id: i64) -> QueryResult<Vec<CategoryRow>> {
    call_categories::table
        .filter(call_categories::call_id.eq(call_id))
        .select(CategoryRow::as_select())
        .order(call_categories::position)
        .load(conn)
}

/// Ties a pool to its fund (on publishing, for a pool drafted before its fund existed).
pub fn set_pool_fund(conn: &mut DbConn, pool_id: i64, fund_id: i64) -> QueryResult<usize> {
    diesel::update(pools::table.find(pool_id)).set(pools::fund_id.eq(Some(fund_id))).execute(conn)
}

pub fn find_pool(conn: &mut DbConn, id: i64) -> QueryResult<Option<PoolRow>> {
    pools::table.find(id).select(PoolRow::as_select()).first(conn).optional()
}

/// Published calls (or all, for staff), newest first, one page.
pub fn list(conn: &mut DbConn, include_drafts: bool, before_id: Option<i64>, limit: i64) -> QueryResult<Vec<CallRow>> {
    let mut q = calls::table.select(CallRow::as_select()).order(calls::id.desc()).limit(limit).into_boxed();
    if !include_drafts {
        q = q.filter(calls::status.ne("draft"));
    }
    if let Some(b) = before_id {
        q = q.filter(calls::id.lt(b));
    }
    q.load(conn)
}

/// Whether another published call of `year` numbers its bids with `prefix` (bid references are
/// unique across calls: `PREFIX-YEAR-SEQ`).
pub fn prefix_in_use(conn: &mut DbConn, id: i64, year: i32, prefix: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        calls::table
            .filter(calls::id.ne(id))
            .filter(calls::year.eq(year))
            .filter(calls::reference_prefix.eq(prefix))
            .filter(calls::status.ne("draft")),
    ))
    .get_result(conn)
}

pub fn publish(conn: &mut DbConn, id: i64, by: i64, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(calls::table.find(id).filter(calls::status.eq("draft")))
        .set((calls::status.eq("open"), calls::published_at.eq(Some(at)), calls::published_by.eq(Some(by))))
        .execute(conn)
}

/// Takes the next reference number of a call. The row update holds the call's row lock until
/// the transaction ends, so numbers are unique and, as rolled-back takes are undone, gap-free.
pub fn next_seq(conn: &mut DbConn, id: i64) -> QueryResult<i64> {
    // On PostgreSQL the waiters queue on an advisory lock, which wakes them one by one; waiting on
    // the row itself wakes them all at each commit, only for all but one to wait again. The lock
    // is taken (a materialised CTE, run before the row is reached) in the same statement: one
    // round trip fewer while the call's submissions queue. The UPDATE re-reads the row's latest
    // version, so the number is right whatever the statement's snapshot.
    if let DbConn::Pg(_) = conn {
        #[derive(QueryableByName)]
        struct Next {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            next_seq: i64,
        }
        return diesel::sql_query(
            "WITH l AS MATERIALIZED (SELECT pg_advisory_xact_lock($1, $2)) \
             UPDATE calls SET next_seq = calls.next_seq + 1 FROM l WHERE calls.id = $3 RETURNING calls.next_seq",
        )
        .bind::<diesel::sql_types::Integer, _>(super::SEQ_LOCK_CLASS)
        // Ids past 2³¹ would share a lock with a smaller one: a wait, never a wrong number.
        .bind::<diesel::sql_types::Integer, _>(id as i32)
        .bind::<diesel::sql_types::BigInt, _>(id)
        .get_result::<Next>(conn)
        .map(|n| n.next_seq);
    }
    diesel::update(calls::table.find(id))
        .set(calls::next_seq.eq(calls::next_seq + 1))
        .returning(calls::next_seq)
        .get_result(conn)
}

/// Moves a call along its year (open → review → notice → final) from one of `from`.
/// Moves the call from one of `from` to `to`; 0 when it was in none of them.
pub fn set_status(conn: &mut DbConn, id: i64, from: &[CallStatus], to: CallStatus) -> QueryResult<usize> {
    state::checked(from, to, CallStatus::may_become);
    diesel::update(calls::table.find(id).filter(calls::status.eq_any(CallStatus::names(from))))
        .set(calls::status.eq(to.as_str()))
        .execute(conn)
}

/// Holds the call in `status` for the rest of the transaction: the row update takes the call's
/// row lock, so a concurrent move to another status (deciding) waits for this transaction or
/// makes this one see the new status. Returns whether the call is (still) in `status`.
pub fn hold_status(conn: &mut DbConn, id: i64, status: CallStatus) -> QueryResult<bool> {
    Ok(diesel::update(calls::table.find(id).filter(calls::status.eq(status.as_str())))
        .set(calls::status.eq(status.as_str()))
        .execute(conn)?
        == 1)
}

/// Reserves `amount` fen in a pool only if the pool's budget still covers it: the check and the
/// write are one statement, so concurrent reservations can never overrun the budget.
pub fn reserve(conn: &mut DbConn, pool_id: i64, amount: i64) -> QueryResult<usize> {
    diesel::update(pools::table.find(pool_id).filter((pools::reserved + amount).le(pools::budget)))
        .set(pools::reserved.eq(pools::reserved + amount))
        .execute(conn)
}

/// Gives a reservation back (an upheld objection cancelled the funding).
pub fn release(conn: &mut DbConn, pool_id: i64, amount: i64) -> QueryResult<usize> {
    diesel::update(pools::table.find(pool_id).filter(pools::reserved.ge(amount)))
        .set(pools::reserved.eq(pools::reserved - amount))
        .execute(conn)
}

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = super::schema::call_amendments)]
pub struct AmendmentRow {
    pub id: i64,
    pub call_id: i64,
    pub no: i32,
    pub kind: String,
    pub body: String,
    pub old_closes_at: Option<NaiveDateTime>,
    pub new_closes_at: Option<NaiveDateTime>,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

pub fn amendments_of(conn: &mut DbConn, call_id: i64) -> QueryResult<Vec<AmendmentRow>> {
    use super::schema::call_amendments as a;
    a::table.filter(a::call_id.eq(call_id)).select(AmendmentRow::as_select()).order(a::no).load(conn)
}

/// Adds the next numbered amendment of a call (numbers taken under the call's row lock, which
/// the caller holds by updating the call first).
#[derive(Insertable)]
#[diesel(table_name = super::schema::call_amendments)]
pub struct NewAmendment<'a> {
    pub call_id: i64,
    pub kind: &'a str,
    pub body: &'a str,
    pub old_closes_at: Option<NaiveDateTime>,
    pub new_closes_at: Option<NaiveDateTime>,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

/// Numbers the amendment next after the call's last one; the caller holds the call's row lock.
pub fn insert_amendment(conn: &mut DbConn, new: &NewAmendment<'_>) -> QueryResult<i32> {
    use super::schema::call_amendments as a;
    let last: Option<i32> = a::table.filter(a::call_id.eq(new.call_id)).select(diesel::dsl::max(a::no)).first(conn)?;
    let no = last.unwrap_or(0) + 1;
    diesel::insert_into(a::table).values((new, a::no.eq(no))).execute(conn)?;
    Ok(no)
}

/// Touches the call's row (taking its lock) and, when given, moves the deadline later only.
pub fn lock_and_extend(conn: &mut DbConn, id: i64, closes_at: Option<NaiveDateTime>) -> QueryResult<usize> {
    match closes_at {
        Some(t) => diesel::update(calls::table.find(id).filter(calls::closes_at.lt(t)))
            .set(calls::closes_at.eq(t))
            .execute(conn),
        None => diesel::update(calls::table.find(id)).set(calls::next_seq.eq(calls::next_seq)).execute(conn),
    }
}

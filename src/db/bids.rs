//! Bids with their budget lines and proposed milestones.

use super::schema::{bid_milestones, bids, budget_lines};
use super::DbConn;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = bids)]
pub struct BidRow {
    pub id: i64,
    pub call_id: i64,
    pub pool_id: i64,
    pub organisation_id: i64,
    pub category: Option<String>,
    pub title: String,
    pub summary: String,
    pub service_region_code: Option<String>,
    pub beneficiary_kind: String,
    pub beneficiary_count: i32,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub requested: i64,
    pub matching: i64,
    pub status: String,
    pub seq: Option<i64>,
    pub reference: Option<String>,
    pub submitted_at: Option<NaiveDateTime>,
    pub withdrawn_at: Option<NaiveDateTime>,
    pub screening_note: Option<String>,
    pub correction_items: Option<String>,
    pub correction_due: Option<NaiveDate>,
    pub screened_by: Option<i64>,
    pub screened_at: Option<NaiveDateTime>,
    pub approved: Option<i64>,
    pub finance_note: Option<String>,
    pub finance_by: Option<i64>,
    pub finance_at: Option<NaiveDateTime>,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    /// The topic (选题) the bid answers.
    pub topic_id: Option<i64>,
}

/// The fields an organisation writes (create and edit the draft).
#[derive(Insertable, AsChangeset, Clone, Debug)]
#[diesel(table_name = bids, treat_none_as_null = true)]
pub struct BidContent {
    pub pool_id: i64,
    pub category: Option<String>,
    pub title: String,
    pub summary: String,
    pub service_region_code: Option<String>,
    pub beneficiary_kind: String,
    pub beneficiary_count: i32,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub requested: i64,
    pub matching: i64,
    pub topic_id: Option<i64>,
}

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = budget_lines)]
pub struct LineRow {
    pub id: i64,
    pub bid_id: i64,
    pub position: i32,
    pub category: String,
    pub item: String,
    pub quantity: Option<String>,
    pub unit_price: Option<i64>,
    pub amount: i64,
    pub note: String,
}

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = bid_milestones)]
pub struct MilestoneRow {
    pub id: i64,
    pub bid_id: i64,
    pub position: i32,
    pub title: String,
    pub due_date: NaiveDate,
    pub deliverable: String,
}

pub struct NewLine {
    pub category: String,
    pub item: String,
    pub quantity: Option<String>,
    pub unit_price: Option<i64>,
    pub amount: i64,
    pub note: String,
}

pub struct NewMilestone {
    pub title: String,
    pub due_date: NaiveDate,
    pub deliverable: String,
}

pub fn insert(
    conn: &mut DbConn,
    call_id: i64,
    org_id: i64,
    content: &BidContent,
    by: i64,
    now: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(bids::table)
        .values((
            content,
            bids::call_id.eq(call_id),
            bids::organisation_id.eq(org_id),
            bids::status.eq("draft"),
            bids::created_by.eq(by),
            bids::created_at.eq(now),
            bids::updated_at.eq(now),
        ))
        .returning(bids::id)
        .get_result(conn)
}

/// Rewrites the content of a bid still in one of `statuses`.
pub fn update_content(
    conn: &mut DbConn,
    id: i64,
    statuses: &[&str],
    content: &BidContent,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(bids::table.find(id).filter(bids::status.eq_any(statuses)))
        .set((content, bids::updated_at.eq(now)))
        .execute(conn)
}

pub fn replace_lines(
    conn: &mut DbConn,
    bid_id: i64,
    lines: &[NewLine],
    milestones: &[NewMilestone],
) -> QueryResult<()> {
    diesel::delete(budget_lines::table.filter(budget_lines::bid_id.eq(bid_id))).execute(conn)?;
    diesel::delete(bid_milestones::table.filter(bid_milestones::bid_id.eq(bid_id))).execute(conn)?;
    for (i, l) in lines.iter().enumerate() {
        diesel::insert_into(budget_lines::table)
            .values((
                budget_lines::bid_id.eq(bid_id),
                budget_lines::position.eq(i as i32),
                budget_lines::category.eq(&l.category),
                budget_lines::item.eq(&l.item),
                budget_lines::quantity.eq(&l.quantity),
                budget_lines::unit_price.eq(l.unit_price),
                budget_lines::amount.eq(l.amount),
                budget_lines::note.eq(&l.note),
            ))
            .execute(conn)?;
    }
    for (i, m) in milestones.iter().enumerate() {
        diesel::insert_into(bid_milestones::table)
            .values((
                bid_milestones::bid_id.eq(bid_id),
                bid_milestones::position.eq(i as i32),
                bid_milestones::title.eq(&m.title),
                bid_milestones::due_date.eq(m.due_date),
                bid_milestones::deliverable.eq(&m.deliverable),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// (id, status) of these bids, one query.
pub fn statuses(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<(i64, String)>> {
    bids::table.filter(bids::id.eq_any(ids)).select((bids::id, bids::status)).load(conn)
}

pub fn find(conn: &mut DbConn, id: i64) -> QueryResult<Option<BidRow>> {
    bids::table.find(id).select(BidRow::as_select()).first(conn).optional()
}

/// The bid with its call and pool in one statement (every read of one bid needs all three).
pub fn find_with_call(
    conn: &mut DbConn,
    id: i64,
) -> QueryResult<Option<(BidRow, super::calls::CallRow, super::calls::PoolRow)>> {
    use super::schema::{calls, pools};
    bids::table
        .inner_join(pools::table)
        .inner_join(calls::table)
        .filter(bids::id.eq(id))
        .select((BidRow::as_select(), super::calls::CallRow::as_select(), super::calls::PoolRow::as_select()))
        .first(conn)
        .optional()
}

// The `_of(&[ids])` readers take the one-bid case apart: diesel never caches a statement with
// `IN (…)`, so SQLite would parse and plan it again on every request about one bid.
pub fn lines_of(conn: &mut DbConn, bid_ids: &[i64]) -> QueryResult<Vec<LineRow>> {
    let q = budget_lines::table.select(LineRow::as_select()).order((budget_lines::bid_id, budget_lines::position));
    match bid_ids {
        [id] => q.filter(budget_lines::bid_id.eq(id)).load(conn),
        ids => q.filter(budget_lines::bid_id.eq_any(ids)).load(conn),
    }
}

pub fn milestones_of(conn: &mut DbConn, bid_ids: &[i64]) -> QueryResult<Vec<MilestoneRow>> {
    let q = bid_milestones::table
        .select(MilestoneRow::as_select())
        .order((bid_milestones::bid_id, bid_milestones::position));
    match bid_ids {
        [id] => q.filter(bid_milestones::bid_id.eq(id)).load(conn),
        ids => q.filter(bid_milestones::bid_id.eq_any(ids)).load(conn),
    }
}

/// Bids of the organisation in the call that count towards `max_bids_per_org`.
pub fn count_active(conn: &mut DbConn, call_id: i64, org_id: i64) -> QueryResult<i64> {
    bids::table
        .filter(bids::call_id.eq(call_id))
        .filter(bids::organisation_id.eq(org_id))
        .filter(bids::status.ne("draft"))
        .filter(bids::status.ne("withdrawn"))
        .count()
        .get_result(conn)
}

/// Moves a bid from one of `from` to `to`; 0 when it was no longer in such a state.
pub fn mark_submitted(conn: &mut DbConn, id: i64, seq: i64, reference: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(bids::table.find(id).filter(bids::status.eq("draft")))
        .set((
            bids::status.eq("submitted"),
            bids::seq.eq(Some(seq)),
            bids::reference.eq(Some(reference)),
            bids::submitted_at.eq(Some(now)),
            bids::updated_at.eq(now),
        ))
        .execute(conn)
}

pub fn mark_resubmitted(conn: &mut DbConn, id: i64, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(bids::table.find(id).filter(bids::status.eq("needs_correction")))
        .set((bids::status.eq("submitted"), bids::updated_at.eq(now)))
        .execute(conn)
}

pub fn mark_withdrawn(conn: &mut DbConn, id: i64, from: &[&str], now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(bids::table.find(id).filter(bids::status.eq_any(from)))
        .set((bids::status.eq("withdrawn"), bids::withdrawn_at.eq(Some(now)), bids::updated_at.eq(now)))
        .execute(conn)
}

pub struct Screening<'a> {
    pub to: &'a str,
    pub note: Option<&'a str>,
    pub items: Option<&'a str>,
    pub due: Option<NaiveDate>,
    pub by: i64,
}

pub fn screen(conn: &mut DbConn, id: i64, s: &Screening<'_>, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(bids::table.find(id).filter(bids::status.eq("submitted")))
        .set((
            bids::status.eq(s.to),
            bids::screening_note.eq(s.note),
            bids::correction_items.eq(s.items),
            bids::correction_due.eq(s.due),
            bids::screened_by.eq(Some(s.by)),
            bids::screened_at.eq(Some(now)),
            bids::updated_at.eq(now),
        ))
        .execute(conn)
}

pub fn set_approved(
    conn: &mut DbConn,
    id: i64,
    approved: i64,
    note: Option<&str>,
    by: i64,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(bids::table.find(id).filter(bids::status.eq("eligible")).filter(bids::requested.ge(approved)))
        .set((
            bids::approved.eq(Some(approved)),
            bids::finance_note.eq(note),
            bids::finance_by.eq(Some(by)),
            bids::finance_at.eq(Some(now)),
            bids::updated_at.eq(now),
        ))
        .execute(conn)
}

pub struct BidFilter<'a> {
    pub call_id: Option<i64>,
    pub organisation_id: Option<i64>,
    pub statuses: Option<Vec<&'a str>>,
    pub pool_region_prefix: Option<&'a str>,
    pub pool_id: Option<i64>,
    /// Part of the title, the reference or the organisation's name.
    pub search: Option<&'a str>,
    pub after_id: i64,
    pub limit: i64,
}

impl<'a> BidFilter<'a> {
    /// Every bid of a call in the given statuses, unpaged (ranking, decisions, finalising).
    pub fn of_call(call_id: i64, statuses: Vec<&'a str>) -> BidFilter<'a> {
        BidFilter {
            call_id: Some(call_id),
            organisation_id: None,
            statuses: Some(statuses),
            pool_region_prefix: None,
            pool_id: None,
            search: None,
            after_id: 0,
            limit: i64::MAX,
        }
    }
}

pub fn list(conn: &mut DbConn, f: &BidFilter<'_>) -> QueryResult<Vec<BidRow>> {
    use super::schema::pools;
    let mut q = bids::table
        .inner_join(pools::table)
        .select(BidRow::as_select())
        .filter(bids::id.gt(f.after_id))
        .order(bids::id)
        .limit(f.limit)
        .into_boxed();
    if let Some(c) = f.call_id {
        q = q.filter(bids::call_id.eq(c));
    }
    if let Some(o) = f.organisation_id {
        q = q.filter(bids::organisation_id.eq(o));
    }
    if let Some(s) = &f.statuses {
        q = q.filter(bids::status.eq_any(s.clone()));
    }
    if let Some(p) = f.pool_region_prefix {
        q = q.filter(pools::region_code.like(format!("{p}%")));
    }
    if let Some(p) = f.pool_id {
        q = q.filter(bids::pool_id.eq(p));
    }
    if let Some(s) = f.search.map(str::trim).filter(|s| !s.is_empty()) {
        use super::schema::organisations;
        // LIKE's own wildcards in what was typed match themselves.
        let pattern = format!("%{}%", s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
        let orgs = organisations::table
            .filter(organisations::name.like(pattern.clone()).escape('\\'))
            .select(organisations::id);
        q = q.filter(
            bids::title
                .like(pattern.clone())
                .escape('\\')
                .or(bids::reference.like(pattern).escape('\\'))
                .or(bids::organisation_id.eq_any(orgs)),
        );
    }
    q.load(conn)
}

/// What the ranking shows of a bid: its columns and organisation's name in one query, in id
/// order (the ranking finds each bid's row by binary search).
#[derive(Queryable)]
pub struct RankBid {
    pub id: i64,
    pub pool_id: i64,
    pub organisation: String,
    pub category: Option<String>,
    pub title: String,
    pub reference: Option<String>,
    pub seq: Option<i64>,
    pub requested: i64,
    pub approved: Option<i64>,
    pub matching: i64,
    pub organisation_id: i64,
}

pub fn ranking_rows(
    conn: &mut DbConn,
    call_id: i64,
    statuses: &[&str],
    pool_region_prefix: Option<&str>,
) -> QueryResult<Vec<RankBid>> {
    use super::schema::{organisations, pools};
    // Every pool's region code starts with the empty prefix: one statement for both cases.
    let prefix = format!("{}%", pool_region_prefix.unwrap_or(""));
    super::load_native!(
        conn,
        bids::table
            .inner_join(pools::table)
            .inner_join(organisations::table)
            .filter(bids::call_id.eq(call_id))
            .filter(bids::status.eq_any(statuses))
            .filter(pools::region_code.like(&prefix))
            .select((
                bids::id,
                bids::pool_id,
                organisations::name,
                bids::category,
                bids::title,
                bids::reference,
                bids::seq,
                bids::requested,
                bids::approved,
                bids::matching,
                bids::organisation_id,
            ))
            .order(bids::id)
    )
}

/// Per pool: (pool_id, bids counted, requested total, approved total) over bids in `statuses`.
/// (pool id, bids, requested sum, approved sum)
pub type PoolTotal = (i64, i64, Option<i64>, Option<i64>);

pub fn pool_totals(conn: &mut DbConn, call_id: i64, statuses: &[&str]) -> QueryResult<Vec<PoolTotal>> {
    use diesel::dsl::sql;
    use diesel::sql_types::{BigInt, Nullable};
    bids::table
        .filter(bids::call_id.eq(call_id))
        .filter(bids::status.eq_any(statuses))
        .group_by(bids::pool_id)
        .select((
            bids::pool_id,
            diesel::dsl::count_star(),
            sql::<Nullable<BigInt>>("CAST(SUM(requested) AS BIGINT)"),
            sql::<Nullable<BigInt>>("CAST(SUM(approved) AS BIGINT)"),
        ))
        .load(conn)
}

/// Counts per status across a call (what staff may see while bids are sealed).
/// Bids of a call by status; with a region prefix, only bids drawing on that region's pools.
pub fn status_counts(
    conn: &mut DbConn,
    call_id: i64,
    pool_region_prefix: Option<&str>,
) -> QueryResult<Vec<(String, i64)>> {
    use super::schema::pools;
    // No prefix: every pool ("%" matches any code).
    let like = format!("{}%", pool_region_prefix.unwrap_or(""));
    bids::table
        .inner_join(pools::table)
        .filter(bids::call_id.eq(call_id))
        .filter(pools::region_code.like(like))
        .group_by(bids::status)
        .select((bids::status, diesel::dsl::count_star()))
        .load(conn)
}

/// A funded (or proposed) bid as open data shows it: with its organisation's code and name.
#[derive(Queryable, Clone, Debug)]
pub struct FundedRow {
    pub id: i64,
    pub pool_id: i64,
    pub title: String,
    pub summary: String,
    pub status: String,
    pub requested: i64,
    pub approved: Option<i64>,
    pub service_region_code: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub uscc: String,
    pub organisation: String,
}

pub fn funded_of_call(conn: &mut DbConn, call_id: i64) -> QueryResult<Vec<FundedRow>> {
    use super::schema::organisations;
    bids::table
        .inner_join(organisations::table)
        .filter(bids::call_id.eq(call_id))
        .filter(bids::status.eq_any(["proposed", "funded"]))
        .select((
            bids::id,
            bids::pool_id,
            bids::title,
            bids::summary,
            bids::status,
            bids::requested,
            bids::approved,
            bids::service_region_code,
            bids::start_date,
            bids::end_date,
            organisations::uscc,
            organisations::name,
        ))
        .order(bids::id)
        .load(conn)
}

/// (email, name) of every organisation with a draft or a bid in the call, once each.
pub fn organisations_in_call(conn: &mut DbConn, call_id: i64) -> QueryResult<Vec<(String, String)>> {
    use super::schema::organisations;
    bids::table
        .inner_join(organisations::table)
        .filter(bids::call_id.eq(call_id))
        .select((organisations::email, organisations::name))
        .distinct()
        .load(conn)
}

/// For each bid: (bid, its call's status, opens_at, closes_at): enough to tell if it is sealed.
pub fn call_windows(
    conn: &mut DbConn,
    bid_ids: &[i64],
) -> QueryResult<Vec<(i64, String, NaiveDateTime, NaiveDateTime)>> {
    use super::schema::calls;
    if bid_ids.is_empty() {
        return Ok(Vec::new());
    }
    bids::table
        .inner_join(calls::table)
        .filter(bids::id.eq_any(bid_ids))
        .select((bids::id, calls::status, calls::opens_at, calls::closes_at))
        .load(conn)
}

/// Replaces a bid's screening ticks with those of its latest screening.
pub fn replace_checklist(
    conn: &mut DbConn,
    bid_id: i64,
    answers: &[crate::domain::checklist::Answer],
) -> QueryResult<()> {
    use super::schema::bid_checklist;
    diesel::delete(bid_checklist::table.filter(bid_checklist::bid_id.eq(bid_id))).execute(conn)?;
    for a in answers {
        diesel::insert_into(bid_checklist::table)
            .values((
                bid_checklist::bid_id.eq(bid_id),
                bid_checklist::key.eq(&a.key),
                bid_checklist::ok.eq(a.ok),
                bid_checklist::note.eq(a.note.trim()),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// A bid's ticks: (key, ok, note).
pub fn checklist_of(conn: &mut DbConn, bid_id: i64) -> QueryResult<Vec<(String, bool, String)>> {
    use super::schema::bid_checklist;
    bid_checklist::table
        .filter(bid_checklist::bid_id.eq(bid_id))
        .select((bid_checklist::key, bid_checklist::ok, bid_checklist::note))
        .load(conn)
}

/// A bid's dossier texts: (sections JSON object, outputs JSON list); `None` for a bid without.
pub fn dossier_of(conn: &mut DbConn, bid_id: i64) -> QueryResult<Option<(String, String)>> {
    use super::schema::bid_dossier;
    bid_dossier::table.find(bid_id).select((bid_dossier::sections, bid_dossier::outputs)).first(conn).optional()
}

/// Replaces a bid's dossier texts (sections JSON, outputs JSON).
pub fn set_dossier(conn: &mut DbConn, bid_id: i64, sections: &str, outputs: &str) -> QueryResult<()> {
    use super::schema::bid_dossier;
    diesel::delete(bid_dossier::table.find(bid_id)).execute(conn)?;
    diesel::insert_into(bid_dossier::table)
        .values((bid_dossier::bid_id.eq(bid_id), bid_dossier::sections.eq(sections), bid_dossier::outputs.eq(outputs)))
        .execute(conn)?;
    Ok(())
}

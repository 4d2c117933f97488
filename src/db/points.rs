//! Volunteer points: participants, catalogues, claims, postings, objections, the store, exchanges
//! and the append-only ledger. Every move of a claim is a conditional UPDATE on its status; an
//! exchange takes its points and its stock by conditional UPDATEs, so concurrent exchanges can
//! neither overdraw a balance nor sell stock that is not there.

use super::schema::{
    points_catalogues as cat, points_claims as cl, points_exchanges as ex, points_ledger as led,
    points_objections as obj, points_participants as pp, points_postings as post, points_settings as set,
    points_store_items as si,
};
use super::DbConn;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = pp)]
pub struct ParticipantRow {
    pub id: i64,
    pub region_code: String,
    pub name: String,
    pub phone: Option<String>,
    pub kind: String,
    pub tags: String,
    pub spent: i64,
    pub active: bool,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = pp)]
pub struct NewParticipant<'a> {
    pub region_code: &'a str,
    pub name: &'a str,
    pub phone: Option<&'a str>,
    pub kind: &'a str,
    pub tags: &'a str,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

pub fn insert_participant(conn: &mut DbConn, n: &NewParticipant<'_>) -> QueryResult<i64> {
    diesel::insert_into(pp::table).values(n).returning(pp::id).get_result(conn)
}

pub fn participant(conn: &mut DbConn, id: i64) -> QueryResult<Option<ParticipantRow>> {
    pp::table.find(id).select(ParticipantRow::as_select()).first(conn).optional()
}

pub fn participants(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<ParticipantRow>> {
    pp::table.filter(pp::id.eq_any(ids)).select(ParticipantRow::as_select()).load(conn)
}

/// A village's (or, by prefix, a town's) participants, by id.
pub fn participants_in(
    conn: &mut DbConn,
    region_prefix: &str,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<ParticipantRow>> {
    pp::table
        .filter(pp::region_code.like(format!("{region_prefix}%")))
        .filter(pp::id.gt(after))
        .order(pp::id)
        .limit(limit)
        .select(ParticipantRow::as_select())
        .load(conn)
}

/// Takes `points` from the participant's spendable credits (`credits`, computed in the same
/// transaction): refused (0 rows) when that would spend more than there is. The row lock of the
/// UPDATE orders concurrent exchanges; each re-checks `spent` as the other left it.
pub fn spend(conn: &mut DbConn, id: i64, points: i64, credits: i64) -> QueryResult<usize> {
    diesel::update(pp::table.filter(pp::id.eq(id)).filter((pp::spent + points).le(credits)))
        .set(pp::spent.eq(pp::spent + points))
        .execute(conn)
}

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = cat)]
pub struct CatalogueRow {
    pub id: i64,
    pub region_code: String,
    pub month: String,
    pub version: i32,
    pub items: String,
    pub note: String,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

#[allow(clippy::too_many_arguments)]
pub fn insert_catalogue(
    conn: &mut DbConn,
    region: &str,
    month: &str,
    version: i32,
    items: &str,
    note: &str,
    by: i64,
    at: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(cat::table)
        .values((
            cat::region_code.eq(region),
            cat::month.eq(month),
            cat::version.eq(version),
            cat::items.eq(items),
            cat::note.eq(note),
            cat::created_by.eq(by),
            cat::created_at.eq(at),
        ))
        .returning(cat::id)
        .get_result(conn)
}

/// Every version of a village's catalogues, oldest first.
pub fn catalogues(conn: &mut DbConn, region: &str) -> QueryResult<Vec<CatalogueRow>> {
    cat::table
        .filter(cat::region_code.eq(region))
        .order((cat::month, cat::version))
        .select(CatalogueRow::as_select())
        .load(conn)
}

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = cl)]
pub struct ClaimRow {
    pub id: i64,
    pub participant_id: i64,
    pub region_code: String,
    pub catalogue_id: i64,
    pub item_code: String,
    pub item_name: String,
    pub category: String,
    pub points: i32,
    pub activity_date: NaiveDate,
    pub note: String,
    pub status: String,
    pub first_by: Option<i64>,
    pub first_at: Option<NaiveDateTime>,
    pub first_note: Option<String>,
    pub second_by: Option<i64>,
    pub second_at: Option<NaiveDateTime>,
    pub second_note: Option<String>,
    pub posting_id: Option<i64>,
    pub filed_by: i64,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = cl)]
pub struct NewClaim<'a> {
    pub participant_id: i64,
    pub region_code: &'a str,
    pub catalogue_id: i64,
    pub item_code: &'a str,
    pub item_name: &'a str,
    pub category: &'a str,
    pub points: i32,
    pub activity_date: NaiveDate,
    pub note: &'a str,
    pub status: &'a str,
    pub filed_by: i64,
    pub created_at: NaiveDateTime,
}

pub fn insert_claim(conn: &mut DbConn, n: &NewClaim<'_>) -> QueryResult<i64> {
    diesel::insert_into(cl::table).values(n).returning(cl::id).get_result(conn)
}

pub fn claim(conn: &mut DbConn, id: i64) -> QueryResult<Option<ClaimRow>> {
    cl::table.find(id).select(ClaimRow::as_select()).first(conn).optional()
}

/// Claims under a region prefix, optionally of one status, newest first.
pub fn claims_in(
    conn: &mut DbConn,
    region_prefix: &str,
    status: Option<&str>,
    before: i64,
    limit: i64,
) -> QueryResult<Vec<ClaimRow>> {
    let mut q =
        cl::table.filter(cl::region_code.like(format!("{region_prefix}%"))).filter(cl::id.lt(before)).into_boxed();
    if let Some(s) = status {
        q = q.filter(cl::status.eq(s.to_string()));
    }
    q.order(cl::id.desc()).limit(limit).select(ClaimRow::as_select()).load(conn)
}

/// How many of the participant's claims of the item in [from, to] still count toward its cap.
pub fn counted_claims(
    conn: &mut DbConn,
    participant: i64,
    item: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<i64> {
    cl::table
        .filter(cl::participant_id.eq(participant))
        .filter(cl::item_code.eq(item))
        .filter(cl::activity_date.between(from, to))
        .filter(cl::status.ne_all(["rejected", "reversed"]))
        .count()
        .get_result(conn)
}

/// One review step of a claim.
pub struct Review<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub first: bool,
    pub by: i64,
    pub at: NaiveDateTime,
    pub note: &'a str,
}

/// One review step: applied only while the claim is still at `from`.
pub fn review_claim(conn: &mut DbConn, id: i64, r: &Review<'_>) -> QueryResult<usize> {
    let target = cl::table.filter(cl::id.eq(id)).filter(cl::status.eq(r.from));
    if r.first {
        diesel::update(target)
            .set((cl::status.eq(r.to), cl::first_by.eq(r.by), cl::first_at.eq(r.at), cl::first_note.eq(r.note)))
            .execute(conn)
    } else {
        diesel::update(target)
            .set((cl::status.eq(r.to), cl::second_by.eq(r.by), cl::second_at.eq(r.at), cl::second_note.eq(r.note)))
            .execute(conn)
    }
}

/// Approved claims of a village's month not yet posted.
pub fn approved_unposted(
    conn: &mut DbConn,
    region: &str,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<ClaimRow>> {
    cl::table
        .filter(cl::region_code.eq(region))
        .filter(cl::status.eq("approved"))
        .filter(cl::activity_date.between(from, to))
        .order(cl::id)
        .select(ClaimRow::as_select())
        .load(conn)
}

pub fn mark_posted(conn: &mut DbConn, ids: &[i64], posting: i64) -> QueryResult<usize> {
    diesel::update(cl::table.filter(cl::id.eq_any(ids)).filter(cl::status.eq("approved")))
        .set((cl::status.eq("posted"), cl::posting_id.eq(posting)))
        .execute(conn)
}

pub fn reverse_claim(conn: &mut DbConn, id: i64) -> QueryResult<usize> {
    diesel::update(cl::table.filter(cl::id.eq(id)).filter(cl::status.eq("posted")))
        .set(cl::status.eq("reversed"))
        .execute(conn)
}

/// The posted claims of a village's month (the board).
pub fn posted_in(conn: &mut DbConn, region: &str, from: NaiveDate, to: NaiveDate) -> QueryResult<Vec<ClaimRow>> {
    cl::table
        .filter(cl::region_code.eq(region))
        .filter(cl::status.eq("posted"))
        .filter(cl::activity_date.between(from, to))
        .order(cl::id)
        .select(ClaimRow::as_select())
        .load(conn)
}

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = post)]
pub struct PostingRow {
    pub id: i64,
    pub region_code: String,
    pub month: String,
    pub posted_on: NaiveDate,
    pub objection_until: NaiveDate,
    pub spendable_from: NaiveDate,
    pub claims: i32,
    pub points: i64,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = post)]
pub struct NewPosting<'a> {
    pub region_code: &'a str,
    pub month: &'a str,
    pub posted_on: NaiveDate,
    pub objection_until: NaiveDate,
    pub spendable_from: NaiveDate,
    pub claims: i32,
    pub points: i64,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

pub fn insert_posting(conn: &mut DbConn, n: &NewPosting<'_>) -> QueryResult<i64> {
    diesel::insert_into(post::table).values(n).returning(post::id).get_result(conn)
}

pub fn posting(conn: &mut DbConn, id: i64) -> QueryResult<Option<PostingRow>> {
    post::table.find(id).select(PostingRow::as_select()).first(conn).optional()
}

pub fn postings_of(conn: &mut DbConn, region: &str, month: &str) -> QueryResult<Vec<PostingRow>> {
    post::table
        .filter(post::region_code.eq(region))
        .filter(post::month.eq(month))
        .order(post::id)
        .select(PostingRow::as_select())
        .load(conn)
}

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = obj)]
pub struct ObjectionRow {
    pub id: i64,
    pub posting_id: i64,
    pub claim_id: Option<i64>,
    pub body: String,
    pub contact: Option<String>,
    pub status: String,
    pub decision_note: Option<String>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
}

pub fn insert_objection(
    conn: &mut DbConn,
    posting: i64,
    claim: Option<i64>,
    body: &str,
    contact: Option<&str>,
    at: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(obj::table)
        .values((
            obj::posting_id.eq(posting),
            obj::claim_id.eq(claim),
            obj::body.eq(body),
            obj::contact.eq(contact),
            obj::status.eq("open"),
            obj::created_at.eq(at),
        ))
        .returning(obj::id)
        .get_result(conn)
}

pub fn objection(conn: &mut DbConn, id: i64) -> QueryResult<Option<ObjectionRow>> {
    obj::table.find(id).select(ObjectionRow::as_select()).first(conn).optional()
}

pub fn objections_of(conn: &mut DbConn, postings: &[i64]) -> QueryResult<Vec<ObjectionRow>> {
    obj::table.filter(obj::posting_id.eq_any(postings)).order(obj::id).select(ObjectionRow::as_select()).load(conn)
}

/// A village's objections still open, oldest first.
pub fn open_objections_in(conn: &mut DbConn, region: &str) -> QueryResult<Vec<ObjectionRow>> {
    obj::table
        .inner_join(post::table)
        .filter(post::region_code.eq(region))
        .filter(obj::status.eq("open"))
        .order(obj::id)
        .select(ObjectionRow::as_select())
        .load(conn)
}

/// The claims on a posting.
pub fn claims_of_posting(conn: &mut DbConn, posting: i64) -> QueryResult<Vec<ClaimRow>> {
    cl::table.filter(cl::posting_id.eq(posting)).order(cl::id).select(ClaimRow::as_select()).load(conn)
}

pub fn decide_objection(
    conn: &mut DbConn,
    id: i64,
    status: &str,
    note: &str,
    by: i64,
    at: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(obj::table.filter(obj::id.eq(id)).filter(obj::status.eq("open")))
        .set((obj::status.eq(status), obj::decision_note.eq(note), obj::decided_by.eq(by), obj::decided_at.eq(at)))
        .execute(conn)
}

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = si)]
pub struct StoreItemRow {
    pub id: i64,
    pub region_code: String,
    pub name: String,
    pub points_price: i32,
    pub stock: i32,
    pub active: bool,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

pub fn insert_store_item(
    conn: &mut DbConn,
    region: &str,
    name: &str,
    price: i32,
    stock: i32,
    by: i64,
    at: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(si::table)
        .values((
            si::region_code.eq(region),
            si::name.eq(name),
            si::points_price.eq(price),
            si::stock.eq(stock),
            si::created_by.eq(by),
            si::created_at.eq(at),
        ))
        .returning(si::id)
        .get_result(conn)
}

pub fn store_items(conn: &mut DbConn, ids: &[i64]) -> QueryResult<Vec<StoreItemRow>> {
    si::table.filter(si::id.eq_any(ids)).select(StoreItemRow::as_select()).load(conn)
}

/// The items a participant of `village` may take: its village's store and its town's.
pub fn store_items_for(conn: &mut DbConn, codes: &[String]) -> QueryResult<Vec<StoreItemRow>> {
    si::table.filter(si::region_code.eq_any(codes)).order(si::id).select(StoreItemRow::as_select()).load(conn)
}

/// Takes `qty` from the stock: 0 rows when there is not that much left.
pub fn take_stock(conn: &mut DbConn, id: i64, qty: i32) -> QueryResult<usize> {
    diesel::update(si::table.filter(si::id.eq(id)).filter(si::active.eq(true)).filter(si::stock.ge(qty)))
        .set(si::stock.eq(si::stock - qty))
        .execute(conn)
}

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = ex)]
pub struct ExchangeRow {
    pub id: i64,
    pub participant_id: i64,
    pub code: String,
    pub points: i64,
    pub lines: String,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

pub fn insert_exchange(
    conn: &mut DbConn,
    participant: i64,
    code: &str,
    points: i64,
    lines: &str,
    by: i64,
    at: NaiveDateTime,
) -> QueryResult<i64> {
    diesel::insert_into(ex::table)
        .values((
            ex::participant_id.eq(participant),
            ex::code.eq(code),
            ex::points.eq(points),
            ex::lines.eq(lines),
            ex::created_by.eq(by),
            ex::created_at.eq(at),
        ))
        .returning(ex::id)
        .get_result(conn)
}

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = led)]
pub struct LedgerRow {
    pub id: i64,
    pub participant_id: i64,
    pub delta: i64,
    pub kind: String,
    pub claim_id: Option<i64>,
    pub exchange_id: Option<i64>,
    pub available_on: NaiveDate,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = led)]
pub struct NewEntry<'a> {
    pub participant_id: i64,
    pub delta: i64,
    pub kind: &'a str,
    pub claim_id: Option<i64>,
    pub exchange_id: Option<i64>,
    pub available_on: NaiveDate,
    pub created_at: NaiveDateTime,
}

pub fn append(conn: &mut DbConn, e: &NewEntry<'_>) -> QueryResult<usize> {
    diesel::insert_into(led::table).values(e).execute(conn)
}

/// Every entry of these participants, oldest first (balances are summed by the caller).
pub fn entries(conn: &mut DbConn, participants: &[i64]) -> QueryResult<Vec<LedgerRow>> {
    led::table.filter(led::participant_id.eq_any(participants)).order(led::id).select(LedgerRow::as_select()).load(conn)
}

/// The year's entries of a region prefix, for the statistics: (region, kind, delta).
pub fn year_entries(
    conn: &mut DbConn,
    region_prefix: &str,
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<Vec<(String, String, i64)>> {
    led::table
        .inner_join(pp::table)
        .filter(pp::region_code.like(format!("{region_prefix}%")))
        .filter(led::created_at.ge(from))
        .filter(led::created_at.lt(to))
        .select((pp::region_code, led::kind, led::delta))
        .load(conn)
}

/// (region, count) of active participants under a prefix.
pub fn participant_regions(conn: &mut DbConn, region_prefix: &str) -> QueryResult<Vec<String>> {
    pp::table.filter(pp::region_code.like(format!("{region_prefix}%"))).select(pp::region_code).load(conn)
}

/// The whole ledger, for `audit verify`: (participant, delta, kind, claim, exchange).
pub fn all_entries(conn: &mut DbConn) -> QueryResult<Vec<crate::domain::points_replay::Entry>> {
    led::table
        .order(led::id)
        .select((led::participant_id, led::delta, led::kind, led::claim_id, led::exchange_id))
        .load(conn)
}

/// Every participant's exchanged points, for `audit verify`.
pub fn all_spent(conn: &mut DbConn) -> QueryResult<Vec<(i64, i64)>> {
    pp::table.select((pp::id, pp::spent)).load(conn)
}

/// Claims under a region prefix in any of `statuses` (the work list).
pub fn count_claims(conn: &mut DbConn, region_prefix: &str, statuses: &[&str]) -> QueryResult<i64> {
    cl::table
        .filter(cl::region_code.like(format!("{region_prefix}%")))
        .filter(cl::status.eq_any(statuses))
        .count()
        .get_result(conn)
}

/// Open objections to postings under a region prefix (the work list).
pub fn count_open_objections(conn: &mut DbConn, region_prefix: &str) -> QueryResult<i64> {
    obj::table
        .inner_join(post::table)
        .filter(post::region_code.like(format!("{region_prefix}%")))
        .filter(obj::status.eq("open"))
        .count()
        .get_result(conn)
}

/// A village's (claim_days, objection_days), when it set its own.
pub fn settings(conn: &mut DbConn, region: &str) -> QueryResult<Option<(i32, i32)>> {
    set::table.find(region).select((set::claim_days, set::objection_days)).first(conn).optional()
}

pub fn put_settings(
    conn: &mut DbConn,
    region: &str,
    claim_days: i32,
    objection_days: i32,
    by: i64,
    at: NaiveDateTime,
) -> QueryResult<()> {
    let changed = diesel::update(set::table.find(region))
        .set((
            set::claim_days.eq(claim_days),
            set::objection_days.eq(objection_days),
            set::updated_by.eq(by),
            set::updated_at.eq(at),
        ))
        .execute(conn)?;
    if changed == 0 {
        diesel::insert_into(set::table)
            .values((
                set::region_code.eq(region),
                set::claim_days.eq(claim_days),
                set::objection_days.eq(objection_days),
                set::updated_by.eq(by),
                set::updated_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}

//! The social-welfare fund's tables. Money moves with conditional updates: a receipt number is
//! taken by bumping the fund's counter (the row lock orders concurrent donations, a rollback
//! undoes the take), a grant by raising a pot's `granted` only while it stays within `received`.

use super::schema::{
    projects, welfare_campaigns as wc, welfare_committee_members as wm, welfare_disclosures as wd,
    welfare_donations as wdn, welfare_funds as wf, welfare_grants as wg, welfare_plans as wp, welfare_pots as pots,
};
use super::DbConn;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = wf)]
pub struct FundRow {
    pub id: i64,
    pub name: String,
    pub region_code: String,
    pub host_name: String,
    pub host_uscc: String,
    pub host_certificate_no: String,
    pub host_certificate_until: NaiveDate,
    pub purpose: String,
    pub receipt_prefix: String,
    pub status: String,
    pub last_receipt: i64,
    pub activated_on: Option<NaiveDate>,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = wf)]
pub struct NewFund<'a> {
    pub name: &'a str,
    pub region_code: &'a str,
    pub host_name: &'a str,
    pub host_uscc: &'a str,
    pub host_certificate_no: &'a str,
    pub host_certificate_until: NaiveDate,
    pub purpose: &'a str,
    pub receipt_prefix: &'a str,
    pub status: &'a str,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

pub fn insert_fund(conn: &mut DbConn, new: &NewFund<'_>) -> QueryResult<i64> {
    diesel::insert_into(wf::table).values(new).returning(wf::id).get_result(conn)
}

pub fn set_prefix(conn: &mut DbConn, id: i64, prefix: &str) -> QueryResult<usize> {
    diesel::update(wf::table.find(id)).set(wf::receipt_prefix.eq(prefix)).execute(conn)
}

pub fn fund(conn: &mut DbConn, id: i64) -> QueryResult<Option<FundRow>> {
    wf::table.find(id).select(FundRow::as_select()).first(conn).optional()
}

pub fn funds(conn: &mut DbConn) -> QueryResult<Vec<FundRow>> {
    wf::table.select(FundRow::as_select()).order(wf::id).load(conn)
}

/// Draft → active, once; 0 when the fund was already active.
pub fn activate(conn: &mut DbConn, id: i64, on: NaiveDate) -> QueryResult<usize> {
    use crate::domain::state::WelfareFundStatus as S;
    crate::domain::state::checked(&[S::Draft], S::Active, S::may_become);
    diesel::update(wf::table.find(id).filter(wf::status.eq(S::Draft.as_str())))
        .set((wf::status.eq(S::Active.as_str()), wf::activated_on.eq(Some(on))))
        .execute(conn)
}

/// Takes the fund's next receipt number, only while the fund is active (`None` otherwise).
pub fn take_receipt(conn: &mut DbConn, fund_id: i64) -> QueryResult<Option<i64>> {
    diesel::update(wf::table.find(fund_id).filter(wf::status.eq("active")))
        .set(wf::last_receipt.eq(wf::last_receipt + 1))
        .returning(wf::last_receipt)
        .get_result(conn)
        .optional()
}

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = wm)]
pub struct MemberRow {
    pub fund_id: i64,
    pub name: String,
    pub role: String,
}

pub fn set_committee(conn: &mut DbConn, fund_id: i64, members: &[(String, String)]) -> QueryResult<()> {
    diesel::delete(wm::table.filter(wm::fund_id.eq(fund_id))).execute(conn)?;
    // One insert per member (a committee is at most 25): batch inserts do not build on both backends.
    for (i, (name, role)) in members.iter().enumerate() {
        diesel::insert_into(wm::table)
            .values((wm::fund_id.eq(fund_id), wm::position.eq(i as i32 + 1), wm::name.eq(name), wm::role.eq(role)))
            .execute(conn)?;
    }
    Ok(())
}

pub fn committees(conn: &mut DbConn, fund_ids: &[i64]) -> QueryResult<Vec<MemberRow>> {
    wm::table
        .filter(wm::fund_id.eq_any(fund_ids))
        .order((wm::fund_id, wm::position))
        .select(MemberRow::as_select())
        .load(conn)
}

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = wp)]
pub struct PlanRow {
    pub fund_id: i64,
    pub year: i32,
    pub target: i64,
    pub channels: String,
    pub note: String,
}

pub fn put_plan(conn: &mut DbConn, p: &PlanRow, by: i64, at: NaiveDateTime) -> QueryResult<()> {
    diesel::delete(wp::table.find((p.fund_id, p.year))).execute(conn)?;
    diesel::insert_into(wp::table)
        .values((
            wp::fund_id.eq(p.fund_id),
            wp::year.eq(p.year),
            wp::target.eq(p.target),
            wp::channels.eq(&p.channels),
            wp::note.eq(&p.note),
            wp::updated_by.eq(by),
            wp::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn plans(conn: &mut DbConn, fund_id: i64) -> QueryResult<Vec<PlanRow>> {
    wp::table.filter(wp::fund_id.eq(fund_id)).order(wp::year).select(PlanRow::as_select()).load(conn)
}

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = wc)]
pub struct CampaignRow {
    pub id: i64,
    pub fund_id: i64,
    pub title: String,
    pub filing_no: String,
    pub filed_on: NaiveDate,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub target: i64,
}

#[derive(Insertable)]
#[diesel(table_name = wc)]
pub struct NewCampaign<'a> {
    pub fund_id: i64,
    pub title: &'a str,
    pub filing_no: &'a str,
    pub filed_on: NaiveDate,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub target: i64,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

pub fn insert_campaign(conn: &mut DbConn, new: &NewCampaign<'_>) -> QueryResult<i64> {
    diesel::insert_into(wc::table).values(new).returning(wc::id).get_result(conn)
}

pub fn campaigns(conn: &mut DbConn, fund_id: i64) -> QueryResult<Vec<CampaignRow>> {
    wc::table.filter(wc::fund_id.eq(fund_id)).order(wc::starts_on).select(CampaignRow::as_select()).load(conn)
}

pub fn campaign(conn: &mut DbConn, id: i64) -> QueryResult<Option<CampaignRow>> {
    wc::table.find(id).select(CampaignRow::as_select()).first(conn).optional()
}

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = wdn)]
pub struct DonationRow {
    pub id: i64,
    pub fund_id: i64,
    pub seq: i64,
    pub receipt_no: String,
    pub campaign_id: Option<i64>,
    pub donor_name: String,
    pub donor_kind: String,
    pub anonymous: bool,
    pub amount: i64,
    pub received_on: NaiveDate,
    pub channel: String,
    pub in_kind_items: Option<String>,
    pub valuation_basis: Option<String>,
    pub restricted_to: String,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = wdn)]
pub struct NewDonation<'a> {
    pub fund_id: i64,
    pub seq: i64,
    pub receipt_no: &'a str,
    pub campaign_id: Option<i64>,
    pub donor_name: &'a str,
    pub donor_kind: &'a str,
    pub anonymous: bool,
    pub amount: i64,
    pub received_on: NaiveDate,
    pub channel: &'a str,
    pub in_kind_items: Option<&'a str>,
    pub valuation_basis: Option<&'a str>,
    pub restricted_to: &'a str,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

pub fn insert_donation(conn: &mut DbConn, new: &NewDonation<'_>) -> QueryResult<i64> {
    diesel::insert_into(wdn::table).values(new).returning(wdn::id).get_result(conn)
}

/// A fund's donations, newest first, at most `limit`.
pub fn donations(conn: &mut DbConn, fund_id: i64, limit: i64) -> QueryResult<Vec<DonationRow>> {
    wdn::table
        .filter(wdn::fund_id.eq(fund_id))
        .order(wdn::seq.desc())
        .limit(limit)
        .select(DonationRow::as_select())
        .load(conn)
}

/// Donations received in a period, in receipt order.
pub fn donations_between(
    conn: &mut DbConn,
    fund_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> QueryResult<Vec<DonationRow>> {
    wdn::table
        .filter(wdn::fund_id.eq(fund_id))
        .filter(wdn::received_on.between(from, to))
        .order(wdn::seq)
        .select(DonationRow::as_select())
        .load(conn)
}

pub fn donation_by_receipt(conn: &mut DbConn, fund_id: i64, receipt_no: &str) -> QueryResult<Option<DonationRow>> {
    wdn::table
        .filter(wdn::fund_id.eq(fund_id))
        .filter(wdn::receipt_no.eq(receipt_no))
        .select(DonationRow::as_select())
        .first(conn)
        .optional()
}

/// (received_on, amount, campaign) of every donation to a fund: the per-year and per-campaign
/// totals are summed in Rust, one query whatever the backend's date functions.
pub fn donation_amounts(conn: &mut DbConn, fund_id: i64) -> QueryResult<Vec<(NaiveDate, i64, Option<i64>)>> {
    wdn::table.filter(wdn::fund_id.eq(fund_id)).select((wdn::received_on, wdn::amount, wdn::campaign_id)).load(conn)
}

pub fn donation_count(conn: &mut DbConn, fund_id: i64) -> QueryResult<i64> {
    wdn::table.filter(wdn::fund_id.eq(fund_id)).count().get_result(conn)
}

/// Adds a gift to its pot. Called under the fund's row lock (the receipt take), so the insert of
/// a new pot cannot race another donation to the same fund.
pub fn add_received(conn: &mut DbConn, fund_id: i64, restriction: &str, amount: i64) -> QueryResult<()> {
    let n = diesel::update(pots::table.find((fund_id, restriction)))
        .set(pots::received.eq(pots::received + amount))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(pots::table)
            .values((
                pots::fund_id.eq(fund_id),
                pots::restriction.eq(restriction),
                pots::received.eq(amount),
                pots::granted.eq(0i64),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Takes `amount` from a pot only if it is still there: 1 when taken, 0 when the pot is short.
pub fn take_from_pot(conn: &mut DbConn, fund_id: i64, restriction: &str, amount: i64) -> QueryResult<usize> {
    diesel::update(pots::table.find((fund_id, restriction)).filter((pots::granted + amount).le(pots::received)))
        .set(pots::granted.eq(pots::granted + amount))
        .execute(conn)
}

/// (restriction, received, granted) per pot of a fund.
pub fn pots_of(conn: &mut DbConn, fund_id: i64) -> QueryResult<Vec<(String, i64, i64)>> {
    pots::table
        .filter(pots::fund_id.eq(fund_id))
        .order(pots::restriction)
        .select((pots::restriction, pots::received, pots::granted))
        .load(conn)
}

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = wg)]
pub struct GrantRow {
    pub id: i64,
    pub fund_id: i64,
    pub target: String,
    pub project_id: Option<i64>,
    pub amount: i64,
    pub restriction: String,
    pub purpose: String,
    pub minutes_ref: String,
    pub decided_on: NaiveDate,
    pub votes_for: Option<i32>,
    pub created_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = wg)]
pub struct NewGrant<'a> {
    pub fund_id: i64,
    pub target: &'a str,
    pub project_id: Option<i64>,
    pub amount: i64,
    pub restriction: &'a str,
    pub purpose: &'a str,
    pub minutes_ref: &'a str,
    pub decided_on: NaiveDate,
    pub votes_for: Option<i32>,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

pub fn insert_grant(conn: &mut DbConn, new: &NewGrant<'_>) -> QueryResult<i64> {
    diesel::insert_into(wg::table).values(new).returning(wg::id).get_result(conn)
}

pub fn grants(conn: &mut DbConn, fund_id: i64) -> QueryResult<Vec<GrantRow>> {
    wg::table.filter(wg::fund_id.eq(fund_id)).order(wg::id).select(GrantRow::as_select()).load(conn)
}

/// Raises a project's matching money from welfare funds, only while the project runs.
pub fn add_project_matching(conn: &mut DbConn, project_id: i64, amount: i64) -> QueryResult<usize> {
    diesel::update(projects::table.find(project_id).filter(projects::status.eq_any(["active", "suspended"])))
        .set(projects::welfare_matching.eq(projects::welfare_matching + amount))
        .execute(conn)
}

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = wd)]
pub struct DisclosureRow {
    pub id: i64,
    pub fund_id: i64,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub received: i64,
    pub granted: i64,
    pub balance: i64,
    pub sha256: String,
    pub published_at: NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = wd)]
pub struct NewDisclosure<'a> {
    pub fund_id: i64,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub received: i64,
    pub granted: i64,
    pub balance: i64,
    pub sha256: &'a str,
    pub published_by: i64,
    pub published_at: NaiveDateTime,
}

pub fn insert_disclosure(conn: &mut DbConn, new: &NewDisclosure<'_>) -> QueryResult<i64> {
    diesel::insert_into(wd::table).values(new).returning(wd::id).get_result(conn)
}

pub fn disclosures(conn: &mut DbConn, fund_ids: &[i64]) -> QueryResult<Vec<DisclosureRow>> {
    wd::table
        .filter(wd::fund_id.eq_any(fund_ids))
        .order((wd::fund_id, wd::period_to, wd::id))
        .select(DisclosureRow::as_select())
        .load(conn)
}

pub fn disclosure(conn: &mut DbConn, id: i64) -> QueryResult<Option<DisclosureRow>> {
    wd::table.find(id).select(DisclosureRow::as_select()).first(conn).optional()
}

/// For `audit verify`: every donation (fund, id, amount, restriction).
pub fn all_donations(conn: &mut DbConn) -> QueryResult<Vec<(i64, i64, i64, String)>> {
    wdn::table.select((wdn::fund_id, wdn::id, wdn::amount, wdn::restricted_to)).load(conn)
}

/// One grant as `audit verify` replays it: (fund, id, amount, restriction, project).
pub type GrantLine = (i64, i64, i64, String, Option<i64>);

/// For `audit verify`: every grant.
pub fn all_grants(conn: &mut DbConn) -> QueryResult<Vec<GrantLine>> {
    wg::table.select((wg::fund_id, wg::id, wg::amount, wg::restriction, wg::project_id)).load(conn)
}

/// For `audit verify`: every pot (fund, restriction, received, granted).
pub fn all_pots(conn: &mut DbConn) -> QueryResult<Vec<(i64, String, i64, i64)>> {
    pots::table.select((pots::fund_id, pots::restriction, pots::received, pots::granted)).load(conn)
}

/// For `audit verify`: projects holding matching money from welfare funds.
pub fn all_project_matching(conn: &mut DbConn) -> QueryResult<Vec<(i64, i64)>> {
    projects::table
        .filter(projects::welfare_matching.ne(0))
        .select((projects::id, projects::welfare_matching))
        .load(conn)
}

//! The social-welfare fund (社会公益基金): district staff set a fund up inside its host charity,
//! seat its committee and activate it; staff (a town's for its town's fund) keep the yearly plans
//! and filed campaigns; staff or finance record donations (a gap-free receipt number each) and the
//! committee's grants (never above the pot they draw on); staff publish the quarterly disclosure.
//! The rules are in `domain::welfare`; every change is one transaction with its audit record.

use super::{audit, mail, Actor, Ctx};
use crate::clock::{db_time, local_date, rfc3339_local};
use crate::db::welfare::{self as dbw, DonationRow, FundRow, GrantRow};
use crate::db::{self, DbConn};
use crate::domain::account::Role;
use crate::domain::money::Money;
use crate::domain::state::WelfareFundStatus;
use crate::domain::text;
use crate::domain::uscc::Uscc;
use crate::domain::welfare::{self as rules, Channel, DonorKind, GrantTarget, MemberRole, Pot};
use crate::error::{AppError, AppResult, Code, Problems};
use crate::service::documents::DocSettings;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The most any single gift or grant may be (100,000,000.00 yuan): sums stay far from overflow.
const MAX_AMOUNT_FEN: i64 = 10_000_000_000;
/// Donations listed on a fund's page (the disclosures list every one of their period).
const RECENT: i64 = 200;

// ---------------------------------------------------------------- inputs

/// `POST /api/v1/welfare-funds`
#[derive(Deserialize, Clone, Default, utoipa::ToSchema)]
pub struct FundInput {
    pub name: String,
    /// The district or one town/street the fund serves.
    pub region_code: String,
    /// The charity holding 公开募捐资格 that hosts the fund.
    pub host_name: String,
    pub host_uscc: String,
    /// 公开募捐资格证书编号; required.
    pub host_certificate_no: Option<String>,
    /// The certificate's end of validity (YYYY-MM-DD); required, not past.
    pub host_certificate_until: Option<String>,
    pub purpose: String,
    /// Receipt numbers' prefix (2–8 capitals or digits); JJ01, JJ02 … when left out.
    pub receipt_prefix: Option<String>,
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct MemberInput {
    pub name: String,
    /// donor_rep · charity · town · community · enterprise · resident · supervisor
    pub role: String,
}

/// `PUT /api/v1/welfare-funds/{id}/committee`
#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct CommitteeInput {
    pub members: Vec<MemberInput>,
}

/// `PUT /api/v1/welfare-funds/{id}/plans/{year}`
#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct PlanInput {
    /// Yuan to raise in the year.
    pub target: String,
    /// Where the fund is publicised (微信公众号, 募捐箱, 网络募捐平台 …).
    #[serde(default)]
    pub channels: Vec<String>,
    pub note: Option<String>,
}

/// `POST /api/v1/welfare-funds/{id}/campaigns`
#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct CampaignInput {
    pub title: String,
    /// The filing number (备案编号) with the civil-affairs office.
    pub filing_no: String,
    pub filed_on: String,
    /// At least 10 days after `filed_on` (422 `filing_lead_time`).
    pub starts_on: String,
    pub ends_on: String,
    pub target: String,
}

/// `POST /api/v1/welfare-funds/{id}/donations`
#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct DonationInput {
    pub campaign_id: Option<i64>,
    /// The donor as the receipt names them (may be empty for an anonymous gift).
    #[serde(default)]
    pub donor_name: String,
    /// person · organisation
    pub donor_kind: String,
    /// Listed in public as 爱心人士.
    #[serde(default)]
    pub anonymous: bool,
    /// Yuan, more than 0; an in-kind gift at its valuation.
    pub amount: String,
    pub received_on: String,
    /// cash · transfer · online · in_kind · other
    pub channel: String,
    /// The purpose a restricted gift may only be spent on.
    pub restricted_to: Option<String>,
    /// In-kind gifts: what was given (required for `in_kind`).
    pub in_kind_items: Option<String>,
    /// In-kind gifts: how the amount was valued (发票, 市场价 …; required for `in_kind`).
    pub valuation_basis: Option<String>,
}

/// `POST /api/v1/welfare-funds/{id}/grants`
#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct GrantInput {
    /// project · store · aid
    pub to: String,
    /// The 公益创投 project (for `project`): the grant becomes its matching money.
    pub project_id: Option<i64>,
    pub amount: String,
    /// The committee's minutes (会议纪要) deciding the grant.
    pub minutes_ref: String,
    pub decided_on: String,
    /// The restricted pot to draw on; unrestricted money when left out.
    pub restriction: Option<String>,
    /// What the money is for (required for `store` and `aid`).
    pub purpose: Option<String>,
    /// Voting members who voted for it; when given, more than half of the voting members.
    pub votes_for: Option<i32>,
}

/// `POST /api/v1/welfare-funds/{id}/disclosures`
#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct DisclosureInput {
    pub from: String,
    pub to: String,
}

// ---------------------------------------------------------------- views

#[derive(Serialize, Clone, utoipa::ToSchema)]
pub struct MemberView {
    pub name: String,
    pub role: String,
    pub role_label: &'static str,
}

#[derive(Serialize, Clone, utoipa::ToSchema)]
pub struct YearView {
    pub year: i32,
    /// The year's plan target; null without a plan.
    pub target: Option<Money>,
    pub raised: Money,
    pub channels: Vec<String>,
    pub note: String,
}

#[derive(Serialize, Clone, utoipa::ToSchema)]
pub struct CampaignView {
    pub id: i64,
    pub title: String,
    pub filing_no: String,
    pub filed_on: NaiveDate,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub target: Money,
    pub raised: Money,
}

#[derive(Serialize, Clone, utoipa::ToSchema)]
pub struct PotView {
    /// null: unrestricted money.
    pub restriction: Option<String>,
    pub received: Money,
    pub granted: Money,
    pub available: Money,
}

#[derive(Serialize, Clone, utoipa::ToSchema)]
pub struct DonationView {
    pub id: i64,
    pub receipt_no: String,
    pub campaign_id: Option<i64>,
    /// The donor's full name (staff only).
    pub donor_name: String,
    /// As the public sees it: masked, or 爱心人士.
    pub donor_public: String,
    pub donor_kind: String,
    pub anonymous: bool,
    pub amount: Money,
    pub received_on: NaiveDate,
    pub channel: String,
    pub channel_label: &'static str,
    pub restricted_to: Option<String>,
    pub in_kind_items: Option<String>,
    pub valuation_basis: Option<String>,
    pub recorded_at: String,
}

#[derive(Serialize, Clone, utoipa::ToSchema)]
pub struct GrantView {
    pub id: i64,
    /// project · store · aid
    pub to: String,
    pub to_label: &'static str,
    pub project_id: Option<i64>,
    pub project_title: Option<String>,
    pub organisation: Option<String>,
    pub amount: Money,
    pub restriction: Option<String>,
    pub purpose: String,
    pub minutes_ref: String,
    pub decided_on: NaiveDate,
    pub votes_for: Option<i32>,
}

#[derive(Serialize, Clone, utoipa::ToSchema)]
pub struct DisclosureView {
    pub id: i64,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub received: Money,
    pub granted: Money,
    /// The fund's balance at the end of the period.
    pub balance: Money,
    pub sha256: String,
    pub published_at: String,
    /// The PDF, for anyone.
    pub url: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FundView {
    pub id: i64,
    pub name: String,
    pub region_code: String,
    pub region_name: String,
    pub host_name: String,
    pub host_uscc: String,
    pub host_certificate_no: String,
    pub host_certificate_until: NaiveDate,
    /// Whether the host's certificate is valid today.
    pub certificate_valid: bool,
    pub purpose: String,
    pub receipt_prefix: String,
    /// draft · active
    pub status: String,
    pub status_label: &'static str,
    pub activated_on: Option<NaiveDate>,
    pub committee: Vec<MemberView>,
    pub voting_members: usize,
    /// Why the committee may not run the fund yet; null when it may.
    pub committee_problem: Option<String>,
    pub years: Vec<YearView>,
    pub campaigns: Vec<CampaignView>,
    pub pots: Vec<PotView>,
    pub received: Money,
    pub granted: Money,
    pub balance: Money,
    pub donation_count: i64,
    /// The latest donations, newest first (at most 200).
    pub donations: Vec<DonationView>,
    pub grants: Vec<GrantView>,
    pub disclosures: Vec<DisclosureView>,
    /// When the next disclosure is due (active funds).
    pub disclosure_due: Option<NaiveDate>,
    /// Days the disclosure is late; null while not.
    pub disclosure_late_days: Option<i64>,
    /// What staff should act on, in Chinese (a late disclosure, an expiring certificate).
    pub warnings: Vec<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FundSummary {
    pub id: i64,
    pub name: String,
    pub region_code: String,
    pub host_name: String,
    pub status: String,
    pub status_label: &'static str,
    pub disclosure_late_days: Option<i64>,
}

#[derive(Serialize, Clone, utoipa::ToSchema)]
pub struct PublicDonation {
    pub receipt_no: String,
    /// Masked (张*明), an organisation's name, or 爱心人士.
    pub donor: String,
    pub amount: Money,
    pub received_on: NaiveDate,
    pub channel_label: &'static str,
    pub restricted_to: Option<String>,
    pub campaign: Option<String>,
}

#[derive(Serialize, Clone, utoipa::ToSchema)]
pub struct ProjectUse {
    pub project_id: i64,
    pub title: String,
    pub organisation: String,
    pub amount: Money,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PublicFund {
    pub id: i64,
    pub name: String,
    pub region_name: String,
    pub host_name: String,
    pub host_uscc: String,
    pub host_certificate_no: String,
    pub host_certificate_until: NaiveDate,
    pub purpose: String,
    /// Target against raised per year (the chart).
    pub years: Vec<YearView>,
    pub campaigns: Vec<CampaignView>,
    pub received: Money,
    pub granted: Money,
    pub balance: Money,
    pub donation_count: i64,
    /// The latest donations (at most 200), names masked.
    pub donations: Vec<PublicDonation>,
    pub grants: Vec<GrantView>,
    /// Grants to 公益创投 projects summed per project.
    pub uses_by_project: Vec<ProjectUse>,
    pub last_disclosure: Option<DisclosureView>,
    pub disclosures: Vec<DisclosureView>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct PublicFundSummary {
    pub id: i64,
    pub name: String,
    pub host_name: String,
    pub received: Money,
}

/// What a donor sees of their gift by its receipt number.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ReceiptView {
    pub fund_id: i64,
    pub fund_name: String,
    pub host_name: String,
    #[serde(flatten)]
    pub donation: PublicDonation,
    pub channel: String,
}

/// What `POST …/donations` answers.
#[derive(Serialize, utoipa::ToSchema)]
pub struct DonationReceipt {
    pub id: i64,
    pub receipt_no: String,
    pub amount: Money,
    pub fund_id: i64,
}

// ---------------------------------------------------------------- access

/// Staff (a town's only on its town's funds) and finance read funds; `write` leaves finance out.
fn visible(conn: &mut DbConn, ctx: &Ctx, id: i64, roles: &[Role]) -> AppResult<(Actor, FundRow)> {
    let a = ctx.require(roles)?.clone();
    let f = dbw::fund(conn, id)?.ok_or_else(AppError::not_found)?;
    if a.role == Role::Staff && !a.in_scope(&f.region_code) {
        return Err(AppError::not_found());
    }
    Ok((a, f))
}

const READERS: [Role; 2] = [Role::Staff, Role::Finance];
const KEEPERS: [Role; 1] = [Role::Staff];

fn money_positive(p: &mut Problems, field: &str, s: &str) -> Option<Money> {
    let m = p.money(field, s)?;
    if m.fen() <= 0 {
        p.add(field, "amount_not_positive", "金额应大于 0");
        None
    } else if m.fen() > MAX_AMOUNT_FEN {
        p.add(field, "amount_too_large", "单笔金额不超过 1 亿元");
        None
    } else {
        Some(m)
    }
}

fn required(p: &mut Problems, field: &str, s: &str, max: usize) -> String {
    p.take(field, text::name(s, max), |e| (e.code().into(), e.message())).unwrap_or_default()
}

fn optional_text(p: &mut Problems, field: &str, s: Option<&str>, max: usize) -> Option<String> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => p.take(field, text::name(s, max), |e| (e.code().into(), e.message())),
        None => None,
    }
}

fn active(f: &FundRow) -> AppResult<()> {
    if WelfareFundStatus::Active.is(&f.status) {
        Ok(())
    } else {
        Err(AppError::from(Code::FundNotActive))
    }
}

// ---------------------------------------------------------------- the fund

pub fn create(conn: &mut DbConn, ctx: &Ctx, i: &FundInput) -> AppResult<FundView> {
    let a = ctx.require_district_staff()?.clone();
    let today = local_date(ctx.now);
    let mut p = Problems::default();
    let name = required(&mut p, "name", &i.name, 60);
    let region = match db::regions::find(conn, i.region_code.trim())? {
        Some(r) if r.level != "village" => Some(r.code),
        _ => {
            p.add("region_code", "unknown_region", "区划代码应为本区或本区的镇（街道）");
            None
        }
    };
    let host_name = required(&mut p, "host_name", &i.host_name, 60);
    let uscc = p.take("host_uscc", Uscc::parse(i.host_uscc.trim()), |e| (e.code().into(), e.message().into()));
    let cert_no = optional_text(&mut p, "host_certificate_no", i.host_certificate_no.as_deref(), 40);
    if cert_no.is_none() && p.0.iter().all(|e| e.field != "host_certificate_no") {
        p.add("host_certificate_no", "certificate_missing", "请填写托管慈善组织的公开募捐资格证书编号");
    }
    let until = match i.host_certificate_until.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => p.date("host_certificate_until", s),
        None => {
            p.add("host_certificate_until", "certificate_missing", "请填写公开募捐资格证书的有效期");
            None
        }
    };
    if until.is_some_and(|u| !rules::certificate_valid(u, today)) {
        p.add("host_certificate_until", "certificate_expired", "托管慈善组织的公开募捐资格证书已过期");
    }
    let purpose =
        p.take("purpose", text::paragraph(&i.purpose, 500), |e| (e.code().into(), e.message())).unwrap_or_default();
    let prefix = match i.receipt_prefix.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) if rules::valid_prefix(s) => Some(s.to_string()),
        Some(_) => {
            p.add("receipt_prefix", "invalid_prefix", "收据编号前缀应为 2–8 位大写字母或数字");
            None
        }
        None => None,
    };
    p.finish()?;
    let (Some(region), Some(uscc), Some(cert_no), Some(until)) = (region, uscc, cert_no, until) else {
        return Err(AppError::from(Code::Invalid));
    };
    let id = db::write_tx(conn, |c| {
        // A placeholder until the id is known; a chosen prefix goes straight in.
        let placeholder = format!("~{}-{}", a.id, ctx.now.timestamp_nanos_opt().unwrap_or_default());
        let id = dbw::insert_fund(
            c,
            &dbw::NewFund {
                name: &name,
                region_code: &region,
                host_name: &host_name,
                host_uscc: uscc.as_str(),
                host_certificate_no: &cert_no,
                host_certificate_until: until,
                purpose: &purpose,
                receipt_prefix: prefix.as_deref().unwrap_or(&placeholder),
                status: WelfareFundStatus::Draft.as_str(),
                created_by: a.id,
                created_at: db_time(ctx.now),
            },
        )
        .map_err(prefix_taken)?;
        let prefix = match &prefix {
            Some(p) => p.clone(),
            None => {
                let d = rules::default_prefix(id);
                dbw::set_prefix(c, id, &d).map_err(prefix_taken)?;
                d
            }
        };
        audit::record(
            c,
            ctx,
            "welfare.fund.create",
            "welfare_fund",
            Some(id),
            serde_json::json!({"name": name, "region_code": region, "host_name": host_name,
                "host_uscc": uscc.as_str(), "host_certificate_no": cert_no, "host_certificate_until": until,
                "receipt_prefix": prefix}),
        )?;
        Ok(id)
    })?;
    get(conn, ctx, id)
}

fn prefix_taken(e: diesel::result::Error) -> AppError {
    match e {
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => {
            AppError::invalid_field("receipt_prefix", "prefix_taken", "该收据编号前缀已被其他基金使用")
        }
        e => e.into(),
    }
}

pub fn list(conn: &mut DbConn, ctx: &Ctx) -> AppResult<Vec<FundSummary>> {
    let a = ctx.require(&READERS)?.clone();
    let today = local_date(ctx.now);
    let funds: Vec<FundRow> =
        dbw::funds(conn)?.into_iter().filter(|f| a.role != Role::Staff || a.in_scope(&f.region_code)).collect();
    let ids: Vec<i64> = funds.iter().map(|f| f.id).collect();
    let disclosures = dbw::disclosures(conn, &ids)?;
    Ok(funds
        .into_iter()
        .map(|f| {
            let last = disclosures.iter().filter(|d| d.fund_id == f.id).map(|d| d.period_to).max();
            FundSummary {
                id: f.id,
                disclosure_late_days: late_days(&f, last, today),
                name: f.name,
                region_code: f.region_code,
                host_name: f.host_name,
                status_label: WelfareFundStatus::label_of(&f.status),
                status: f.status,
            }
        })
        .collect())
}

fn late_days(f: &FundRow, last_to: Option<NaiveDate>, today: NaiveDate) -> Option<i64> {
    f.activated_on.and_then(|since| rules::disclosure_late(last_to, since, today))
}

pub fn get(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<FundView> {
    let (_, f) = visible(conn, ctx, id, &READERS)?;
    let today = local_date(ctx.now);
    let d = Details::load(conn, &f)?;
    let roles: Vec<MemberRole> = d.committee.iter().filter_map(|m| MemberRole::parse(&m.role)).collect();
    let last_to = d.disclosures.last().map(|x| x.to);
    let late = late_days(&f, last_to, today);
    let due = f.activated_on.map(|since| rules::disclosure_due(last_to, since));
    let mut warnings = Vec::new();
    if let (Some(days), Some(due)) = (late, due) {
        warnings.push(format!(
            "基金信息公开已逾期 {days} 天：{}，应在 {due} 前公开募集和使用情况",
            last_to.map_or("尚未公开过".to_string(), |t| format!("上次公开截至 {t}"))
        ));
    }
    if !rules::certificate_valid(f.host_certificate_until, today) {
        warnings.push(format!("托管慈善组织的公开募捐资格证书已于 {} 到期", f.host_certificate_until));
    } else if f.host_certificate_until - today <= chrono::Duration::days(30) {
        warnings.push(format!("托管慈善组织的公开募捐资格证书将于 {} 到期", f.host_certificate_until));
    }
    let donations = dbw::donations(conn, f.id, RECENT)?;
    let campaigns: Vec<CampaignView> = d.campaigns.clone();
    Ok(FundView {
        id: f.id,
        name: f.name.clone(),
        region_code: f.region_code.clone(),
        region_name: d.region_name.clone(),
        host_name: f.host_name.clone(),
        host_uscc: f.host_uscc.clone(),
        host_certificate_no: f.host_certificate_no.clone(),
        host_certificate_until: f.host_certificate_until,
        certificate_valid: rules::certificate_valid(f.host_certificate_until, today),
        purpose: f.purpose.clone(),
        receipt_prefix: f.receipt_prefix.clone(),
        status: f.status.clone(),
        status_label: WelfareFundStatus::label_of(&f.status),
        activated_on: f.activated_on,
        committee: d
            .committee
            .iter()
            .map(|m| MemberView {
                name: m.name.clone(),
                role: m.role.clone(),
                role_label: MemberRole::label_of(&m.role),
            })
            .collect(),
        voting_members: rules::voting_members(&roles),
        committee_problem: rules::check_committee(&roles).err().map(|e| e.message()),
        years: d.years.clone(),
        campaigns,
        pots: d.pots.clone(),
        received: d.received,
        granted: d.granted,
        balance: Money::from_fen(d.received.fen() - d.granted.fen()),
        donation_count: d.donation_count,
        donations: donations.iter().map(donation_view).collect(),
        grants: d.grants.clone(),
        disclosures: d.disclosures.clone(),
        disclosure_due: due,
        disclosure_late_days: late,
        warnings,
    })
}

/// What both the staff and the public view of a fund show, in a fixed number of queries.
struct Details {
    region_name: String,
    committee: Vec<dbw::MemberRow>,
    years: Vec<YearView>,
    campaigns: Vec<CampaignView>,
    pots: Vec<PotView>,
    received: Money,
    granted: Money,
    donation_count: i64,
    grants: Vec<GrantView>,
    disclosures: Vec<DisclosureView>,
}

impl Details {
    fn load(conn: &mut DbConn, f: &FundRow) -> AppResult<Details> {
        let region_name = db::regions::find(conn, &f.region_code)?.map(|r| r.name).unwrap_or_default();
        let committee = dbw::committees(conn, &[f.id])?;
        let plans = dbw::plans(conn, f.id)?;
        let amounts = dbw::donation_amounts(conn, f.id)?;
        let mut by_year: BTreeMap<i32, i64> = BTreeMap::new();
        for (on, amount, _) in &amounts {
            *by_year.entry(on.year()).or_default() += amount;
        }
        for p in &plans {
            by_year.entry(p.year).or_default();
        }
        let years = by_year
            .into_iter()
            .map(|(year, raised)| {
                let plan = plans.iter().find(|p| p.year == year);
                YearView {
                    year,
                    target: plan.map(|p| Money::from_fen(p.target)),
                    raised: Money::from_fen(raised),
                    channels: plan.map(|p| serde_json::from_str(&p.channels).unwrap_or_default()).unwrap_or_default(),
                    note: plan.map(|p| p.note.clone()).unwrap_or_default(),
                }
            })
            .collect();
        let campaigns = dbw::campaigns(conn, f.id)?
            .into_iter()
            .map(|c| CampaignView {
                raised: Money::from_fen(amounts.iter().filter(|a| a.2 == Some(c.id)).map(|a| a.1).sum()),
                id: c.id,
                title: c.title,
                filing_no: c.filing_no,
                filed_on: c.filed_on,
                starts_on: c.starts_on,
                ends_on: c.ends_on,
                target: Money::from_fen(c.target),
            })
            .collect();
        let pots: Vec<PotView> = dbw::pots_of(conn, f.id)?
            .into_iter()
            .map(|(r, received, granted)| PotView {
                restriction: (!r.is_empty()).then_some(r),
                received: Money::from_fen(received),
                granted: Money::from_fen(granted),
                available: Pot { received, granted }.available(),
            })
            .collect();
        let received = Money::from_fen(pots.iter().map(|p| p.received.fen()).sum());
        let granted = Money::from_fen(pots.iter().map(|p| p.granted.fen()).sum());
        let grant_rows = dbw::grants(conn, f.id)?;
        let grants = grant_views(conn, &grant_rows)?;
        let disclosures = dbw::disclosures(conn, &[f.id])?.into_iter().map(|d| disclosure_view(&d)).collect();
        Ok(Details {
            region_name,
            committee,
            years,
            campaigns,
            pots,
            received,
            granted,
            donation_count: amounts.len() as i64,
            grants,
            disclosures,
        })
    }
}

fn donation_view(d: &DonationRow) -> DonationView {
    let kind = DonorKind::parse(&d.donor_kind).unwrap_or(DonorKind::Person);
    DonationView {
        id: d.id,
        receipt_no: d.receipt_no.clone(),
        campaign_id: d.campaign_id,
        donor_name: d.donor_name.clone(),
        donor_public: rules::public_donor(&d.donor_name, kind, d.anonymous),
        donor_kind: d.donor_kind.clone(),
        anonymous: d.anonymous,
        amount: Money::from_fen(d.amount),
        received_on: d.received_on,
        channel: d.channel.clone(),
        channel_label: Channel::label_of(&d.channel),
        restricted_to: (!d.restricted_to.is_empty()).then(|| d.restricted_to.clone()),
        in_kind_items: d.in_kind_items.clone(),
        valuation_basis: d.valuation_basis.clone(),
        recorded_at: rfc3339_local(d.created_at.and_utc()),
    }
}

fn public_donation(d: &DonationRow, campaigns: &[CampaignView]) -> PublicDonation {
    let v = donation_view(d);
    PublicDonation {
        receipt_no: v.receipt_no,
        donor: v.donor_public,
        amount: v.amount,
        received_on: v.received_on,
        channel_label: v.channel_label,
        restricted_to: v.restricted_to,
        campaign: d.campaign_id.and_then(|id| campaigns.iter().find(|c| c.id == id)).map(|c| c.title.clone()),
    }
}

fn grant_views(conn: &mut DbConn, rows: &[GrantRow]) -> AppResult<Vec<GrantView>> {
    let ids: Vec<i64> = rows.iter().filter_map(|g| g.project_id).collect();
    let names = db::projects::names_of(conn, &ids)?;
    Ok(rows
        .iter()
        .map(|g| {
            let n = g.project_id.and_then(|p| names.iter().find(|n| n.project_id == p));
            GrantView {
                id: g.id,
                to: g.target.clone(),
                to_label: GrantTarget::label_of(&g.target),
                project_id: g.project_id,
                project_title: n.map(|n| n.title.clone()),
                organisation: n.map(|n| n.organisation.clone()),
                amount: Money::from_fen(g.amount),
                restriction: (!g.restriction.is_empty()).then(|| g.restriction.clone()),
                purpose: g.purpose.clone(),
                minutes_ref: g.minutes_ref.clone(),
                decided_on: g.decided_on,
                votes_for: g.votes_for,
            }
        })
        .collect())
}

fn disclosure_view(d: &dbw::DisclosureRow) -> DisclosureView {
    DisclosureView {
        id: d.id,
        from: d.period_from,
        to: d.period_to,
        received: Money::from_fen(d.received),
        granted: Money::from_fen(d.granted),
        balance: Money::from_fen(d.balance),
        sha256: d.sha256.clone(),
        published_at: rfc3339_local(d.published_at.and_utc()),
        url: format!("/api/v1/public/welfare-funds/{}/disclosures/{}.pdf", d.fund_id, d.id),
    }
}

// ---------------------------------------------------------------- committee and activation

pub fn put_committee(conn: &mut DbConn, ctx: &Ctx, id: i64, i: &CommitteeInput) -> AppResult<FundView> {
    let (_, f) = visible(conn, ctx, id, &KEEPERS)?;
    let mut p = Problems::default();
    let mut members: Vec<(String, String)> = Vec::new();
    for (n, m) in i.members.iter().enumerate() {
        let name = required(&mut p, &format!("members[{n}].name"), &m.name, 30);
        match MemberRole::parse(m.role.trim()) {
            Some(r) => members.push((name, r.as_str().into())),
            None => {
                p.add(&format!("members[{n}].role"), "invalid_role", format!("委员身份应为 {}", MemberRole::choices()))
            }
        }
    }
    if i.members.len() > 25 {
        p.add("members", "too_many_members", "管理委员会最多 25 人");
    }
    p.finish()?;
    let roles: Vec<MemberRole> = members.iter().filter_map(|m| MemberRole::parse(&m.1)).collect();
    db::write_tx(conn, |c| {
        // An active fund's committee must stay able to decide: read the status under the fund's lock.
        let held = dbw::fund(c, id)?.ok_or_else(AppError::not_found)?;
        if WelfareFundStatus::Active.is(&held.status) {
            if let Err(e) = rules::check_committee(&roles) {
                return Err(Code::CommitteeInvalid.says(e.message()));
            }
        }
        dbw::set_committee(c, id, &members)?;
        audit::record(
            c,
            ctx,
            "welfare.committee.set",
            "welfare_fund",
            Some(id),
            serde_json::json!({"members": members.iter().map(|m| serde_json::json!({"name": m.0, "role": m.1})).collect::<Vec<_>>()}),
        )?;
        Ok(())
    })?;
    let _ = f;
    get(conn, ctx, id)
}

pub fn activate(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<FundView> {
    let (_, f) = visible(conn, ctx, id, &KEEPERS)?;
    let today = local_date(ctx.now);
    if !WelfareFundStatus::Draft.is(&f.status) {
        return Err(AppError::from(Code::AlreadyActive));
    }
    if !rules::certificate_valid(f.host_certificate_until, today) {
        return Err(AppError::invalid_field(
            "host_certificate_until",
            "certificate_expired",
            "托管慈善组织的公开募捐资格证书已过期，不能启用基金",
        ));
    }
    db::write_tx(conn, |c| {
        let roles: Vec<MemberRole> =
            dbw::committees(c, &[id])?.iter().filter_map(|m| MemberRole::parse(&m.role)).collect();
        if let Err(e) = rules::check_committee(&roles) {
            return Err(Code::CommitteeInvalid.says(e.message()));
        }
        if dbw::activate(c, id, today)? != 1 {
            return Err(AppError::from(Code::AlreadyActive));
        }
        audit::record(c, ctx, "welfare.fund.activate", "welfare_fund", Some(id), serde_json::json!({"on": today}))?;
        Ok(())
    })?;
    get(conn, ctx, id)
}

// ---------------------------------------------------------------- plans and campaigns

pub fn put_plan(conn: &mut DbConn, ctx: &Ctx, id: i64, year: i32, i: &PlanInput) -> AppResult<FundView> {
    let (a, _) = visible(conn, ctx, id, &KEEPERS)?;
    let mut p = Problems::default();
    if !(2000..=2100).contains(&year) {
        p.add("year", "invalid_year", "年度应在 2000–2100 之间");
    }
    let target = money_positive(&mut p, "target", &i.target);
    let mut channels: Vec<String> = Vec::new();
    for (n, ch) in i.channels.iter().enumerate() {
        match text::name(ch, 30) {
            Ok(c) if !channels.contains(&c) => channels.push(c),
            Ok(_) => {}
            Err(e) => p.add(&format!("channels[{n}]"), e.code(), e.message()),
        }
    }
    if channels.len() > 12 {
        p.add("channels", "too_many_channels", "宣传渠道最多 12 个");
    }
    let note = p
        .take("note", text::paragraph_or_empty(i.note.as_deref().unwrap_or(""), 500), |e| {
            (e.code().into(), e.message())
        })
        .unwrap_or_default();
    p.finish()?;
    let target = target.ok_or_else(|| AppError::from(Code::Invalid))?;
    let channels_json = serde_json::to_string(&channels).unwrap_or_else(|_| "[]".into());
    db::write_tx(conn, |c| {
        dbw::put_plan(
            c,
            &dbw::PlanRow {
                fund_id: id,
                year,
                target: target.fen(),
                channels: channels_json.clone(),
                note: note.clone(),
            },
            a.id,
            db_time(ctx.now),
        )?;
        audit::record(
            c,
            ctx,
            "welfare.plan.set",
            "welfare_fund",
            Some(id),
            serde_json::json!({"year": year, "target": target, "channels": channels, "note": note}),
        )?;
        Ok(())
    })?;
    get(conn, ctx, id)
}

pub fn add_campaign(conn: &mut DbConn, ctx: &Ctx, id: i64, i: &CampaignInput) -> AppResult<CampaignView> {
    let (a, _) = visible(conn, ctx, id, &KEEPERS)?;
    let mut p = Problems::default();
    let title = required(&mut p, "title", &i.title, 60);
    let filing_no = required(&mut p, "filing_no", &i.filing_no, 40);
    let filed_on = p.date("filed_on", &i.filed_on);
    let starts_on = p.date("starts_on", &i.starts_on);
    let ends_on = p.date("ends_on", &i.ends_on);
    let target = money_positive(&mut p, "target", &i.target);
    if let (Some(f), Some(s)) = (filed_on, starts_on) {
        if s < rules::earliest_start(f) {
            p.add(
                "starts_on",
                "filing_lead_time",
                format!(
                    "募捐活动应在备案后满 {} 日方可开始：{f} 备案的活动最早 {} 开始",
                    rules::FILING_LEAD_DAYS,
                    rules::earliest_start(f)
                ),
            );
        }
    }
    if let (Some(s), Some(e)) = (starts_on, ends_on) {
        if e < s {
            p.add("ends_on", "ends_before_start", "结束日期不能早于开始日期");
        }
    }
    if filed_on.is_some_and(|f| f > local_date(ctx.now)) {
        p.add("filed_on", "filed_in_future", "备案日期不能晚于今天");
    }
    p.finish()?;
    let (Some(filed_on), Some(starts_on), Some(ends_on), Some(target)) = (filed_on, starts_on, ends_on, target) else {
        return Err(AppError::from(Code::Invalid));
    };
    let cid = db::write_tx(conn, |c| {
        let cid = dbw::insert_campaign(
            c,
            &dbw::NewCampaign {
                fund_id: id,
                title: &title,
                filing_no: &filing_no,
                filed_on,
                starts_on,
                ends_on,
                target: target.fen(),
                created_by: a.id,
                created_at: db_time(ctx.now),
            },
        )
        .map_err(|e| match e {
            diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _) => {
                AppError::invalid_field("filing_no", "filing_no_taken", "该备案编号已登记过募捐活动")
            }
            e => e.into(),
        })?;
        audit::record(
            c,
            ctx,
            "welfare.campaign.add",
            "welfare_fund",
            Some(id),
            serde_json::json!({"campaign_id": cid, "title": title, "filing_no": filing_no, "filed_on": filed_on,
                "starts_on": starts_on, "ends_on": ends_on, "target": target}),
        )?;
        Ok(cid)
    })?;
    Ok(CampaignView { id: cid, title, filing_no, filed_on, starts_on, ends_on, target, raised: Money::from_fen(0) })
}

// ---------------------------------------------------------------- donations

pub fn donate(conn: &mut DbConn, ctx: &Ctx, id: i64, i: &DonationInput) -> AppResult<DonationReceipt> {
    let (a, f) = visible(conn, ctx, id, &READERS)?;
    let today = local_date(ctx.now);
    let mut p = Problems::default();
    let kind = DonorKind::parse(i.donor_kind.trim());
    if kind.is_none() {
        p.add("donor_kind", "invalid_donor_kind", format!("捐赠人类型应为 {}", DonorKind::choices()));
    }
    let donor = if i.anonymous && i.donor_name.trim().is_empty() {
        "匿名".to_string()
    } else {
        required(&mut p, "donor_name", &i.donor_name, 60)
    };
    let amount = money_positive(&mut p, "amount", &i.amount);
    let received_on = p.date("received_on", &i.received_on);
    if received_on.is_some_and(|d| d > today) {
        p.add("received_on", "received_in_future", "收到捐赠的日期不能晚于今天");
    }
    let channel = Channel::parse(i.channel.trim());
    if channel.is_none() {
        p.add("channel", "invalid_channel", format!("捐赠方式应为 {}", Channel::choices()));
    }
    let restricted = optional_text(&mut p, "restricted_to", i.restricted_to.as_deref(), 40);
    let items = optional_text(&mut p, "in_kind_items", i.in_kind_items.as_deref(), 200);
    let basis = optional_text(&mut p, "valuation_basis", i.valuation_basis.as_deref(), 60);
    if channel == Some(Channel::InKind) {
        if items.is_none() && p.0.iter().all(|e| e.field != "in_kind_items") {
            p.add("in_kind_items", "in_kind_items_required", "物资捐赠请写明物资名称和数量");
        }
        if basis.is_none() && p.0.iter().all(|e| e.field != "valuation_basis") {
            p.add("valuation_basis", "valuation_required", "物资捐赠请写明估值依据（发票、市场价等）");
        }
    }
    let campaign = match i.campaign_id {
        Some(cid) => match dbw::campaign(conn, cid)? {
            Some(c) if c.fund_id == id => Some(c),
            _ => {
                p.add("campaign_id", "unknown_campaign", "本基金没有这个募捐活动");
                None
            }
        },
        None => None,
    };
    if let (Some(c), Some(on)) = (&campaign, received_on) {
        if on < c.starts_on || on > c.ends_on {
            p.add(
                "received_on",
                "outside_campaign",
                format!("募捐活动「{}」的期限为 {} 至 {}", c.title, c.starts_on, c.ends_on),
            );
        }
    }
    p.finish()?;
    let (Some(kind), Some(amount), Some(received_on), Some(channel)) = (kind, amount, received_on, channel) else {
        return Err(AppError::from(Code::Invalid));
    };
    active(&f)?;
    let restriction = rules::restriction_key(restricted.as_deref());
    let (did, receipt_no) = db::write_tx(conn, |c| {
        // The take holds the fund's row until commit: receipts are numbered in commit order, and a
        // refused gift gives its number back with the rollback.
        let seq = dbw::take_receipt(c, id)?.ok_or_else(|| AppError::from(Code::FundNotActive))?;
        let receipt_no = rules::receipt_no(&f.receipt_prefix, today.year(), seq);
        let did = dbw::insert_donation(
            c,
            &dbw::NewDonation {
                fund_id: id,
                seq,
                receipt_no: &receipt_no,
                campaign_id: campaign.as_ref().map(|c| c.id),
                donor_name: &donor,
                donor_kind: kind.as_str(),
                anonymous: i.anonymous,
                amount: amount.fen(),
                received_on,
                channel: channel.as_str(),
                in_kind_items: items.as_deref(),
                valuation_basis: basis.as_deref(),
                restricted_to: &restriction,
                created_by: a.id,
                created_at: db_time(ctx.now),
            },
        )?;
        dbw::add_received(c, id, &restriction, amount.fen())?;
        audit::record(
            c,
            ctx,
            "welfare.donation",
            "welfare_donation",
            Some(did),
            serde_json::json!({"fund_id": id, "receipt_no": receipt_no, "amount": amount, "restricted_to": restriction,
                "channel": channel.as_str(), "received_on": received_on, "campaign_id": campaign.as_ref().map(|c| c.id),
                "anonymous": i.anonymous}),
        )?;
        Ok((did, receipt_no))
    })?;
    Ok(DonationReceipt { id: did, receipt_no, amount, fund_id: id })
}

// ---------------------------------------------------------------- grants

pub fn grant(conn: &mut DbConn, ctx: &Ctx, id: i64, i: &GrantInput) -> AppResult<GrantView> {
    let (a, f) = visible(conn, ctx, id, &READERS)?;
    let today = local_date(ctx.now);
    let mut p = Problems::default();
    let target = GrantTarget::parse(i.to.trim());
    if target.is_none() {
        p.add("to", "invalid_target", format!("用途应为 {}", GrantTarget::choices()));
    }
    let amount = money_positive(&mut p, "amount", &i.amount);
    let minutes_ref = required(&mut p, "minutes_ref", &i.minutes_ref, 60);
    let decided_on = p.date("decided_on", &i.decided_on);
    if decided_on.is_some_and(|d| d > today) {
        p.add("decided_on", "decided_in_future", "决议日期不能晚于今天");
    }
    let restriction = optional_text(&mut p, "restriction", i.restriction.as_deref(), 40);
    let mut purpose = optional_text(&mut p, "purpose", i.purpose.as_deref(), 200);
    let committee: Vec<MemberRole> =
        dbw::committees(conn, &[id])?.iter().filter_map(|m| MemberRole::parse(&m.role)).collect();
    if let Some(v) = i.votes_for {
        if v < 0 || !rules::carries(v as usize, rules::voting_members(&committee)) {
            p.add(
                "votes_for",
                "no_majority",
                format!("决议须经过半数有表决权的委员（共 {} 人）同意", rules::voting_members(&committee)),
            );
        }
    }
    let mut project = None;
    match (target, i.project_id) {
        (Some(GrantTarget::Project), Some(pid)) => match db::projects::names_of(conn, &[pid])?.into_iter().next() {
            Some(n) if in_fund_region(&f, &n.pool_region) => {
                if purpose.is_none() {
                    purpose = Some(format!("「{}」配套资金", n.title));
                }
                project = Some(n);
            }
            _ => p.add("project_id", "unknown_project", "没有这个公益创投项目，或项目不在本基金服务的地区"),
        },
        (Some(GrantTarget::Project), None) => p.add("project_id", "project_required", "请选择公益创投项目"),
        (Some(_), Some(_)) => p.add("project_id", "project_not_expected", "只有拨给公益创投项目的资金才填写项目"),
        (Some(_), None) if purpose.is_none() && p.0.iter().all(|e| e.field != "purpose") => {
            p.add("purpose", "purpose_required", "请写明资金用途（如：某村积分超市物资、某户应急救助）")
        }
        _ => {}
    }
    p.finish()?;
    let (Some(target), Some(amount), Some(decided_on)) = (target, amount, decided_on) else {
        return Err(AppError::from(Code::Invalid));
    };
    active(&f)?;
    let restriction = rules::restriction_key(restriction.as_deref());
    let purpose = purpose.unwrap_or_default();
    let orgs = match &project {
        Some(n) => {
            let p = db::projects::find(conn, n.project_id)?.ok_or_else(AppError::not_found)?;
            db::organisations::emails_of(conn, &[p.organisation_id])?
        }
        None => Vec::new(),
    };
    let gid = db::write_tx(conn, |c| {
        // One conditional update: two grants racing for the last of a pot cannot both take it.
        if dbw::take_from_pot(c, id, &restriction, amount.fen())? != 1 {
            let left: i64 = dbw::pots_of(c, id)?.iter().filter(|p| p.0 == restriction).map(|p| p.1 - p.2).sum();
            return Err(Code::InsufficientBalance.says(format!(
                "{}可用余额 {} 元，不足 {} 元",
                if restriction.is_empty() {
                    "非定向资金".to_string()
                } else {
                    format!("定向「{restriction}」资金")
                },
                Money::from_fen(left).grouped(),
                amount.grouped()
            )));
        }
        if let Some(n) = &project {
            if dbw::add_project_matching(c, n.project_id, amount.fen())? != 1 {
                return Err(AppError::from(Code::ProjectNotRunning));
            }
        }
        let gid = dbw::insert_grant(
            c,
            &dbw::NewGrant {
                fund_id: id,
                target: target.as_str(),
                project_id: project.as_ref().map(|n| n.project_id),
                amount: amount.fen(),
                restriction: &restriction,
                purpose: &purpose,
                minutes_ref: &minutes_ref,
                decided_on,
                votes_for: i.votes_for,
                created_by: a.id,
                created_at: db_time(ctx.now),
            },
        )?;
        audit::record(
            c,
            ctx,
            "welfare.grant",
            "welfare_grant",
            Some(gid),
            serde_json::json!({"fund_id": id, "to": target.as_str(), "project_id": project.as_ref().map(|n| n.project_id),
                "amount": amount, "restriction": restriction, "minutes_ref": minutes_ref, "decided_on": decided_on,
                "votes_for": i.votes_for}),
        )?;
        if let (Some(n), Some((_, org, email))) = (&project, orgs.first()) {
            mail::queue(c, ctx, mail::welfare_matching(email, org, &n.title, &f.name, amount, &minutes_ref))?;
        }
        Ok(gid)
    })?;
    let rows: Vec<GrantRow> = dbw::grants(conn, id)?.into_iter().filter(|g| g.id == gid).collect();
    grant_views(conn, &rows)?.pop().ok_or_else(AppError::not_found)
}

/// A district fund serves every project; a town's fund only its town's.
fn in_fund_region(f: &FundRow, project_region: &str) -> bool {
    let district = f.region_code.ends_with("000000");
    district || crate::domain::region::in_town(project_region, &f.region_code)
}

// ---------------------------------------------------------------- disclosure

pub fn disclose(
    conn: &mut DbConn,
    ctx: &Ctx,
    docs: &DocSettings,
    id: i64,
    i: &DisclosureInput,
) -> AppResult<(DisclosureView, Vec<u8>)> {
    let (a, f) = visible(conn, ctx, id, &KEEPERS)?;
    let today = local_date(ctx.now);
    let mut p = Problems::default();
    let from = p.date("from", &i.from);
    let to = p.date("to", &i.to);
    if let (Some(from), Some(to)) = (from, to) {
        if let Err(e) = rules::check_period(from, to, today) {
            p.add("to", e.code(), e.message());
        }
    }
    p.finish()?;
    let (Some(from), Some(to)) = (from, to) else { return Err(AppError::from(Code::Invalid)) };
    active(&f)?;
    let campaigns = Details::load(conn, &f)?.campaigns;
    let (did, view, pdf) = db::write_tx(conn, |c| {
        // Read inside the transaction: a gift recorded meanwhile is in this disclosure or the next.
        let donations = dbw::donations_between(c, id, from, to)?;
        let all_grants = dbw::grants(c, id)?;
        let amounts = dbw::donation_amounts(c, id)?;
        let in_period: Vec<GrantRow> =
            all_grants.iter().filter(|g| g.decided_on >= from && g.decided_on <= to).cloned().collect();
        let received: i64 = donations.iter().map(|d| d.amount).sum();
        let granted: i64 = in_period.iter().map(|g| g.amount).sum();
        let balance = amounts.iter().filter(|x| x.0 <= to).map(|x| x.1).sum::<i64>()
            - all_grants.iter().filter(|g| g.decided_on <= to).map(|g| g.amount).sum::<i64>();
        audit::record(
            c,
            ctx,
            "welfare.disclosure",
            "welfare_fund",
            Some(id),
            serde_json::json!({"from": from, "to": to, "received": Money::from_fen(received),
                "granted": Money::from_fen(granted), "balance": Money::from_fen(balance), "donations": donations.len()}),
        )?;
        let head = db::audit::head(c)?.map(|h| h.1).unwrap_or_default();
        let grants = grant_views(c, &in_period)?;
        let doc = crate::pdf::welfare_disclosure::DisclosureDoc {
            title: format!("{}信息公开（{from} 至 {to}）", f.name),
            paragraph: format!(
                "{}设立于{}（统一社会信用代码 {}，公开募捐资格证书编号 {}），用于{}。本期（{from} 至 {to}）\
                 共收到捐赠 {} 笔、{} 元，使用 {} 笔、{} 元；截至 {to}，基金余额 {} 元。\
                 匿名捐赠人列为「爱心人士」，个人捐赠人姓名部分隐去。如对本公开内容有疑问，可凭捐赠收据编号查询。",
                f.name,
                f.host_name,
                f.host_uscc,
                f.host_certificate_no,
                f.purpose,
                donations.len(),
                Money::from_fen(received).grouped(),
                grants.len(),
                Money::from_fen(granted).grouped(),
                Money::from_fen(balance).grouped()
            ),
            donations: donations.iter().map(|d| public_donation(d, &campaigns)).collect(),
            grants: grants.clone(),
            received: Money::from_fen(received),
            granted: Money::from_fen(granted),
            balance: Money::from_fen(balance),
            authority: f.host_name.clone(),
            issued_on: today.format("%Y年%-m月%-d日").to_string(),
            audit_head: head,
        };
        let pdf = crate::pdf::welfare_disclosure::render(&doc);
        let sha = {
            use sha2::{Digest, Sha256};
            hex::encode(Sha256::digest(&pdf))
        };
        let did = dbw::insert_disclosure(
            c,
            &dbw::NewDisclosure {
                fund_id: id,
                period_from: from,
                period_to: to,
                received,
                granted,
                balance,
                sha256: &sha,
                published_by: a.id,
                published_at: db_time(ctx.now),
            },
        )?;
        let title = doc.title.clone();
        super::documents::publish(c, ctx, &docs.data_dir, KIND, did, &title, &pdf)?;
        let row = dbw::disclosure(c, did)?.ok_or_else(AppError::not_found)?;
        Ok((did, disclosure_view(&row), pdf))
    })?;
    let _ = did;
    Ok((view, pdf))
}

/// The document kind of a disclosure (`GET /api/v1/documents/verify` names it).
pub const KIND: &str = "welfare_disclosure";

/// A disclosure's PDF, for anyone, when its fund is active.
pub fn disclosure_pdf(
    conn: &mut DbConn,
    docs: &DocSettings,
    fund_id: i64,
    disclosure_id: i64,
) -> AppResult<(String, Vec<u8>)> {
    let d = dbw::disclosure(conn, disclosure_id)?.filter(|d| d.fund_id == fund_id).ok_or_else(AppError::not_found)?;
    let (_, bytes) = super::documents::read(conn, &docs.data_dir, KIND, d.id)?;
    Ok((format!("welfare-{fund_id}-{}-{}.pdf", d.period_from, d.period_to), bytes))
}

// ---------------------------------------------------------------- public

fn public_fund_row(conn: &mut DbConn, id: i64) -> AppResult<FundRow> {
    dbw::fund(conn, id)?.filter(|f| WelfareFundStatus::Active.is(&f.status)).ok_or_else(AppError::not_found)
}

pub fn public_list(conn: &mut DbConn) -> AppResult<Vec<PublicFundSummary>> {
    let funds: Vec<FundRow> =
        dbw::funds(conn)?.into_iter().filter(|f| WelfareFundStatus::Active.is(&f.status)).collect();
    let pots = dbw::all_pots(conn)?;
    Ok(funds
        .into_iter()
        .map(|f| {
            let received = pots.iter().filter(|p| p.0 == f.id).map(|p| p.2).sum();
            PublicFundSummary { id: f.id, name: f.name, host_name: f.host_name, received: Money::from_fen(received) }
        })
        .collect())
}

pub fn public(conn: &mut DbConn, id: i64) -> AppResult<PublicFund> {
    let f = public_fund_row(conn, id)?;
    let d = Details::load(conn, &f)?;
    let donations = dbw::donations(conn, id, RECENT)?;
    let mut uses: Vec<ProjectUse> = Vec::new();
    for g in d.grants.iter().filter(|g| g.to == GrantTarget::Project.as_str()) {
        let Some(pid) = g.project_id else { continue };
        match uses.iter_mut().find(|u| u.project_id == pid) {
            Some(u) => u.amount = Money::from_fen(u.amount.fen() + g.amount.fen()),
            None => uses.push(ProjectUse {
                project_id: pid,
                title: g.project_title.clone().unwrap_or_default(),
                organisation: g.organisation.clone().unwrap_or_default(),
                amount: g.amount,
            }),
        }
    }
    Ok(PublicFund {
        id: f.id,
        name: f.name.clone(),
        region_name: d.region_name.clone(),
        host_name: f.host_name.clone(),
        host_uscc: f.host_uscc.clone(),
        host_certificate_no: f.host_certificate_no.clone(),
        host_certificate_until: f.host_certificate_until,
        purpose: f.purpose.clone(),
        years: d.years.clone(),
        campaigns: d.campaigns.clone(),
        received: d.received,
        granted: d.granted,
        balance: Money::from_fen(d.received.fen() - d.granted.fen()),
        donation_count: d.donation_count,
        donations: donations.iter().map(|x| public_donation(x, &d.campaigns)).collect(),
        grants: d.grants.clone(),
        uses_by_project: uses,
        last_disclosure: d.disclosures.iter().max_by_key(|x| (x.to, x.id)).cloned(),
        disclosures: d.disclosures,
    })
}

/// A donor's own gift by its receipt number (what the public lists, nothing more).
pub fn receipt(conn: &mut DbConn, id: i64, receipt_no: &str) -> AppResult<ReceiptView> {
    let f = public_fund_row(conn, id)?;
    let no = receipt_no.trim().to_ascii_uppercase();
    if no.is_empty() || no.len() > 40 {
        return Err(AppError::not_found());
    }
    let d = dbw::donation_by_receipt(conn, id, &no)?.ok_or_else(AppError::not_found)?;
    let campaigns: Vec<CampaignView> = match d.campaign_id {
        Some(cid) => dbw::campaign(conn, cid)?
            .map(|c| CampaignView {
                id: c.id,
                title: c.title,
                filing_no: c.filing_no,
                filed_on: c.filed_on,
                starts_on: c.starts_on,
                ends_on: c.ends_on,
                target: Money::from_fen(c.target),
                raised: Money::from_fen(0),
            })
            .into_iter()
            .collect(),
        None => Vec::new(),
    };
    Ok(ReceiptView {
        fund_id: f.id,
        fund_name: f.name,
        host_name: f.host_name,
        channel: d.channel.clone(),
        donation: public_donation(&d, &campaigns),
    })
}

/// For the 工作台: active funds in the actor's scope whose next quarterly disclosure is due within
/// `within_days` or already late: (fund, name, due date, days late).
pub fn disclosures_due(
    conn: &mut DbConn,
    a: &Actor,
    today: NaiveDate,
    within_days: i64,
) -> AppResult<Vec<(i64, String, NaiveDate, Option<i64>)>> {
    let funds: Vec<FundRow> = dbw::funds(conn)?
        .into_iter()
        .filter(|f| WelfareFundStatus::Active.is(&f.status) && a.in_scope(&f.region_code))
        .collect();
    let ids: Vec<i64> = funds.iter().map(|f| f.id).collect();
    let ds = dbw::disclosures(conn, &ids)?;
    Ok(funds
        .into_iter()
        .filter_map(|f| {
            let since = f.activated_on?;
            let last = ds.iter().filter(|d| d.fund_id == f.id).map(|d| d.period_to).max();
            let due = rules::disclosure_due(last, since);
            ((due - today).num_days() <= within_days)
                .then(|| (f.id, f.name, due, rules::disclosure_late(last, since, today)))
        })
        .collect())
}

//! What staff and the public see of a fund, and the rows they are built from.

use super::*;

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

/// What both the staff and the public view of a fund show, in a fixed number of queries.
pub(super) struct Details {
    pub(super) region_name: String,
    pub(super) committee: Vec<dbw::MemberRow>,
    pub(super) years: Vec<YearView>,
    pub(super) campaigns: Vec<CampaignView>,
    pub(super) pots: Vec<PotView>,
    pub(super) received: Money,
    pub(super) granted: Money,
    pub(super) donation_count: i64,
    pub(super) grants: Vec<GrantView>,
    pub(super) disclosures: Vec<DisclosureView>,
}

impl Details {
    pub(super) fn load(conn: &mut DbConn, f: &FundRow) -> AppResult<Details> {
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

pub(super) fn donation_view(d: &DonationRow) -> DonationView {
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

pub(super) fn public_donation(d: &DonationRow, campaigns: &[CampaignView]) -> PublicDonation {
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

pub(super) fn grant_views(conn: &mut DbConn, rows: &[GrantRow]) -> AppResult<Vec<GrantView>> {
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

pub(super) fn disclosure_view(d: &dbw::DisclosureRow) -> DisclosureView {
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

//! The social-welfare fund (社会公益基金): district staff set a fund up inside its host charity,
//! seat its committee and activate it; staff (a town's for its town's fund) keep the yearly plans
//! and filed campaigns; staff or finance record donations (a gap-free receipt number each) and the
//! committee's grants (never above the pot they draw on); staff publish the quarterly disclosure.
//! The rules are in `domain::welfare`; every change is one transaction with its audit record.

//!
//! Inputs and access here; the views in `views`; the fund, its committee, plans and campaigns in
//! `fund`; donations and grants in `money`; disclosures in `disclosure`; the public side in `public`.

mod disclosure;
mod fund;
mod money;
mod public;
mod views;
pub use disclosure::*;
pub use fund::*;
pub use money::*;
pub use public::*;
pub use views::*;

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

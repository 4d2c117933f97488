//! The public fund pages and a donor's receipt lookup.

use super::*;

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

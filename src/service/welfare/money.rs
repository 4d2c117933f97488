//! Money in and out: donations with their receipt numbers, grants never above their pot.

use super::*;

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

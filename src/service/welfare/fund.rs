//! The fund: creation, lists and the staff view; its committee, activation, plans and campaigns.

use super::*;

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

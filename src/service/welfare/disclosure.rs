//! The quarterly disclosure: the PDF with its hash, and which funds are due.

use super::*;

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
        crate::service::documents::publish(c, ctx, &docs.data_dir, KIND, did, &title, &pdf)?;
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
    let (_, bytes) = crate::service::documents::read(conn, &docs.data_dir, KIND, d.id)?;
    Ok((format!("welfare-{fund_id}-{}-{}.pdf", d.period_from, d.period_to), bytes))
}

/// A fund whose next quarterly disclosure is near or late.
pub struct DisclosureDue {
    pub fund_id: i64,
    pub name: String,
    pub due: NaiveDate,
    /// `None` while not yet late.
    pub late_days: Option<i64>,
}

/// For the 工作台: active funds in the actor's scope whose next quarterly disclosure is due within
/// `within_days` or already late.
pub fn disclosures_due(
    conn: &mut DbConn,
    a: &Actor,
    today: NaiveDate,
    within_days: i64,
) -> AppResult<Vec<DisclosureDue>> {
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
            ((due - today).num_days() <= within_days).then(|| DisclosureDue {
                fund_id: f.id,
                name: f.name,
                due,
                late_days: rules::disclosure_late(last, since, today),
            })
        })
        .collect())
}

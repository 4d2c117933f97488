//! What an irreversible action will do, shown before it is done: the amounts it moves, who it
//! emails, what cannot be undone. Read-only, and checked for the same role and scope as the
//! action itself; the action re-checks everything when it is confirmed.

use super::{awards, calls, projects, scores, Ctx};
use crate::db::{self, DbConn};
use crate::domain::account::Role;
use crate::domain::Money;
use crate::error::{AppError, AppResult};

/// One confirmation: a heading, the facts, who is emailed, and a warning when there is one.
#[derive(Debug, Default)]
pub struct Preview {
    pub title: String,
    /// The button's verb: 发布, 确定, 拨付 …
    pub verb: &'static str,
    pub facts: Vec<(String, String)>,
    pub mails: Vec<String>,
    pub warning: Option<String>,
    /// What must happen first, and the page where it is done: the action cannot go ahead yet.
    pub blocker: Option<(String, String)>,
}

fn yuan(m: Money) -> String {
    format!("{} 元", m.grouped())
}

/// Publishing a call: its pools and money, and the organisations emailed.
pub fn publish_call(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<Preview> {
    calls::runner(conn, ctx, id)?;
    let (_, v) = calls::load_view(conn, id, ctx.now)?;
    let mut facts = vec![("招标".to_string(), v.title.clone()), ("申报截止".into(), v.closes_at.clone())];
    let total = v.pools.iter().map(|p| p.budget.fen()).sum();
    for p in &v.pools {
        facts.push((format!("资金池：{}", p.name), yuan(p.budget)));
    }
    facts.push(("资金合计（从年度专项资金中占用）".into(), yuan(Money::from_fen(total))));
    let orgs = db::organisations::count_with_status(conn, "verified")?;
    Ok(Preview {
        title: format!("发布招标公告《{}》", v.title),
        verb: "发布",
        facts,
        mails: vec![format!("全部 {orgs} 家已认证的社会组织：招标公告发布通知")],
        blocker: None,
        warning: Some("发布后招标规则冻结，只能发布更正公告、答疑或延长截止时间；招标公告 PDF 随即生成并公开。".into()),
    })
}

/// An amendment or answer: what it says, a new deadline, the organisations emailed.
pub fn amend_call(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: i64,
    kind: &str,
    text: &str,
    closes_at: &str,
) -> AppResult<Preview> {
    calls::runner(conn, ctx, id)?;
    let (_, v) = calls::load_view(conn, id, ctx.now)?;
    let what = if kind == "answer" { "答疑" } else { "更正公告" };
    let mut facts = vec![("招标".to_string(), v.title.clone()), ("内容".into(), text.chars().take(200).collect())];
    if !closes_at.trim().is_empty() {
        facts.push(("申报截止".into(), format!("{} → {}", v.closes_at, closes_at)));
    }
    let orgs = db::bids::organisations_in_call(conn, id)?.len();
    Ok(Preview {
        title: format!("发布{what}"),
        verb: "发布",
        facts,
        mails: vec![format!("已保存草稿或已申报的 {orgs} 家社会组织")],
        blocker: None,
        warning: Some(format!("{what}发布后不能撤回，招标公告 PDF 将重新生成新版本。")),
    })
}

/// Deciding: per pool, what is funded and how much is reserved; the 公示 that follows.
pub fn decide(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<Preview> {
    calls::runner(conn, ctx, id)?;
    let r = scores::ranking(conn, ctx, id)?;
    let mut facts = vec![];
    for pool in &r.pools {
        let funded: Vec<_> = pool.rows.iter().filter(|x| x.recommended).collect();
        let amount: i64 = funded.iter().map(|x| x.approved_amount.map(Money::fen).unwrap_or(0)).sum();
        facts.push((
            pool.name.clone(),
            format!(
                "资助 {} 个项目，共 {}（预算 {}）；不予资助 {} 个",
                funded.len(),
                yuan(Money::from_fen(amount)),
                yuan(pool.budget),
                pool.rows.len() - funded.len()
            ),
        ));
    }
    Ok(Preview {
        title: "确定资助结果并发布公示".into(),
        verb: "确定",
        facts,
        mails: vec![],
        blocker: None,
        warning: Some("确定后评分冻结、资金预留，评审结果公示 PDF 随即公开，不能撤回；公示期间可受理异议。".into()),
    })
}

/// Finalising: the projects created and the organisations told.
pub fn finalize(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<Preview> {
    calls::runner(conn, ctx, id)?;
    let bids = db::bids::list(
        conn,
        &db::bids::BidFilter::of_call(
            id,
            crate::domain::state::BidStatus::names(&[crate::domain::state::BidStatus::Proposed]),
        ),
    )?;
    let total: i64 = bids.iter().map(|b| b.approved.unwrap_or(0)).sum();
    let blocker = match db::notices::of_call(conn, id)? {
        Some(n) => match db::notices::pending_count(conn, n.id)? {
            0 => None,
            k => Some((
                format!("尚有 {k} 条异议未答复。请先在评审结果公示页逐条答复，再确定立项。"),
                format!("/notices/{}", n.id),
            )),
        },
        None => None,
    };
    let not_funded = db::bids::list(
        conn,
        &db::bids::BidFilter::of_call(
            id,
            crate::domain::state::BidStatus::names(&[crate::domain::state::BidStatus::NotFunded]),
        ),
    )?
    .len();
    Ok(Preview {
        title: "确定立项".into(),
        verb: "立项",
        facts: vec![
            ("立项项目".into(), format!("{} 个", bids.len())),
            ("资助金额合计".into(), yuan(Money::from_fen(total))),
        ],
        mails: vec![
            format!("{} 家获资助的社会组织：立项通知（含协议编号和金额）", bids.len()),
            format!("{not_funded} 家未获资助的社会组织：结果通知"),
        ],
        warning: Some("立项后生成协议编号和拨付计划，资助结果不能再改变。".into()),
        blocker,
    })
}

/// A payment: the project, the tranche, the amount and what remains.
pub fn pay(
    conn: &mut DbConn,
    ctx: &Ctx,
    id: i64,
    milestone_id: i64,
    amount: &str,
    paid_on: &str,
    reference: &str,
) -> AppResult<Preview> {
    ctx.require(&[Role::Finance])?;
    let p = projects::get(conn, ctx, id)?;
    let tranche = p.tranches.iter().find(|t| t.milestone_id == Some(milestone_id));
    let mut facts = vec![
        ("项目".to_string(), format!("{}（{}）", p.title, p.agreement_no)),
        ("收款单位".into(), p.organisation.clone()),
        (
            "本次拨付".into(),
            Money::parse(amount.trim()).map(yuan).unwrap_or_else(|_| format!("{amount}（金额格式有误）")),
        ),
        ("拨付日期".into(), paid_on.to_string()),
        ("凭证号".into(), reference.to_string()),
    ];
    if let Some(t) = tranche {
        facts.push((
            format!("第 {} 批（{}%）", t.seq, t.pct),
            format!(
                "应拨 {}，已拨 {}，尚余 {}",
                yuan(t.amount),
                yuan(t.paid),
                yuan(Money::from_fen(t.amount.fen() - t.paid.fen()))
            ),
        ));
    }
    facts.push(("项目已拨 / 核定".into(), format!("{} / {}", yuan(p.paid_amount), yuan(p.approved_amount))));
    Ok(Preview {
        title: "登记拨付".into(),
        verb: "登记拨付",
        facts,
        mails: vec![format!("{}：资金拨付通知", p.organisation)],
        blocker: None,
        warning: Some("拨付记录写入审计链，登记后不能删除或修改。".into()),
    })
}

/// Terminating a project: what returns to the pool and what is to be recovered.
pub fn terminate(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<Preview> {
    ctx.require(&[Role::Staff])?;
    let p = projects::get(conn, ctx, id)?;
    calls::runner(conn, ctx, p.call_id)?;
    let unpaid = Money::from_fen(p.approved_amount.fen() - p.paid_amount.fen());
    Ok(Preview {
        title: format!("终止项目《{}》", p.title),
        verb: "终止",
        facts: vec![
            ("项目".into(), format!("{}（{}）", p.title, p.agreement_no)),
            ("核定 / 已拨".into(), format!("{} / {}", yuan(p.approved_amount), yuan(p.paid_amount))),
            ("未拨付部分".into(), format!("{}，退回资金池", yuan(unpaid))),
        ],
        mails: vec![format!("{}：项目终止通知（如有超拨，写明应追回金额）", p.organisation)],
        blocker: None,
        warning: Some("终止后项目不再拨付，不能恢复；已拨付但未经评估认可的资金将登记为应追回。".into()),
    })
}

/// Upholding an objection: the grant it cancels.
pub fn uphold(conn: &mut DbConn, ctx: &Ctx, objection_id: i64) -> AppResult<Preview> {
    ctx.require(&[Role::Staff])?;
    let o = db::notices::find_objection(conn, objection_id)?.ok_or_else(AppError::not_found)?;
    let notice = db::notices::find(conn, o.notice_id)?.ok_or_else(AppError::not_found)?;
    calls::runner(conn, ctx, notice.call_id)?;
    let bid = db::bids::find(conn, o.bid_id)?.ok_or_else(AppError::not_found)?;
    Ok(Preview {
        title: "异议成立".into(),
        verb: "确认异议成立",
        facts: vec![
            ("涉及项目".into(), format!("{}（{}）", bid.title, bid.reference.clone().unwrap_or_default())),
            ("取消资助".into(), yuan(Money::from_fen(bid.approved.unwrap_or(0)))),
        ],
        mails: vec![],
        blocker: None,
        warning: Some("异议成立将取消该项目的资助，预留资金退回资金池，不能撤回。".into()),
    })
}

/// Withdrawing a bid.
pub fn withdraw(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<Preview> {
    ctx.require(&[Role::Org])?;
    let b = super::bids::get(conn, ctx, id)?;
    Ok(Preview {
        title: format!("撤回申报《{}》", b.title),
        verb: "撤回",
        facts: vec![
            ("项目".into(), b.title.clone()),
            ("申报编号".into(), b.reference.clone().unwrap_or_default()),
            ("申请金额".into(), yuan(b.requested_amount)),
        ],
        mails: vec!["本单位邮箱：撤回回执".into()],
        blocker: None,
        warning: Some("撤回后这份申报不再参加评审，也不能重新提交；截止前可另行新建申报。".into()),
    })
}

/// Removing an award from a fund before it is published.
pub fn remove_award(conn: &mut DbConn, ctx: &Ctx, fund_id: i64, award_id: i64) -> AppResult<Preview> {
    ctx.require_district_staff()?;
    let f = awards::get_fund(conn, ctx, fund_id)?;
    let a = f.awards.iter().find(|a| a.id == award_id).ok_or_else(AppError::not_found)?;
    Ok(Preview {
        title: "删除奖励".into(),
        verb: "删除",
        facts: vec![
            ("奖励对象".into(), a.region_name.clone()),
            ("项目".into(), a.title.clone()),
            ("金额".into(), format!("{}，退回奖励资金", yuan(a.amount))),
        ],
        mails: vec![],
        blocker: None,
        warning: Some("删除后需重新添加才能恢复。".into()),
    })
}

/// Publishing the year's awards.
pub fn publish_awards(conn: &mut DbConn, ctx: &Ctx, fund_id: i64) -> AppResult<Preview> {
    ctx.require_district_staff()?;
    let f = awards::get_fund(conn, ctx, fund_id)?;
    Ok(Preview {
        title: format!("公布{}年度创新奖励", f.year),
        verb: "公布",
        facts: vec![("奖励".into(), format!("{} 项，共 {}", f.awards.len(), yuan(f.awarded)))],
        mails: vec!["获奖镇街的工作人员：获奖通知".into()],
        blocker: None,
        warning: Some("公布后奖励名单和奖励公告 PDF 公开，不能再增删。".into()),
    })
}

/// The notice a finalised objection refers to (for the page's way back).
pub fn objection_notice(conn: &mut DbConn, objection_id: i64) -> AppResult<i64> {
    Ok(db::notices::find_objection(conn, objection_id)?.ok_or_else(AppError::not_found)?.notice_id)
}

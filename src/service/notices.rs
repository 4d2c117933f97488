//! Deciding the allocation, the 公示 results notice, objections, and finalisation.

use super::documents::DocSettings;
use super::scores::ranking;
use super::{audit, mail, Ctx};
use crate::clock::{db_time, local_date, rfc3339_local};
use crate::db::{self, DbConn};
use crate::domain::account::Role;
use crate::domain::call::Phase;
use crate::domain::state::{BidStatus, CallStatus, ObjectionStatus};
use crate::domain::{text, tranche, Money};
use crate::error::{AppError, AppResult, Code, Problems};
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Serialize, utoipa::ToSchema)]
pub struct NoticeRowView {
    /// 序号
    pub no: usize,
    pub bid_id: i64,
    pub reference: Option<String>,
    /// 项目名称
    pub title: String,
    /// 申报单位
    pub organisation: String,
    /// 资金池 / 实施镇街
    pub pool: String,
    /// 申请金额
    pub requested_amount: Money,
    /// 拟资助金额
    pub proposed_amount: Money,
    /// 评审得分
    pub score: Option<String>,
    /// `proposed` while the notice runs; `not_funded` after an upheld objection; `funded` after.
    pub status: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct NoticeView {
    pub id: i64,
    pub call_id: i64,
    pub title: String,
    pub published_at: String,
    /// The notice period: from the day after publication to 24:00 on this date.
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub days: i32,
    pub working_days: bool,
    /// Whether objections are accepted now.
    pub open: bool,
    pub rows: Vec<NoticeRowView>,
    pub total_proposed: Money,
    /// SHA-256 of the published PDF.
    pub pdf_sha256: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DecideView {
    pub notice_id: i64,
    pub funded: usize,
    pub not_funded: usize,
    pub ends_on: NaiveDate,
}

/// Freezes the allocation (`POST /api/v1/calls/{id}/decide`): reserves each recommended amount in
/// its pool atomically, marks bids proposed or not funded, publishes the results notice.
pub fn decide(conn: &mut DbConn, ctx: &Ctx, docs: &DocSettings, call_id: i64) -> AppResult<DecideView> {
    let by = crate::service::calls::runner(conn, ctx, call_id)?.id;
    let call = db::calls::find(conn, call_id)?.ok_or_else(AppError::not_found)?;
    if call.phase(ctx.now) != Phase::Review {
        return Err(Code::WrongPhase.says("只能在专家评审阶段确定资助结果"));
    }
    if let Some(why) = super::stages::unfinished(conn, call_id)? {
        return Err(Code::StagesIncomplete.says(format!("{why}，不能确定资助结果")));
    }
    let today = local_date(ctx.now);
    let ends_on = super::calendar::load(conn)?
        .notice_end(today, call.notice_days as u32, call.notice_working_days)
        .map_err(super::calendar::missing)?;
    let now = db_time(ctx.now);
    db::write_tx(conn, |c| {
        // Ranked under the call's row lock: a score racing the decision lands before it
        // (and counts) or is refused (scores_frozen), never after it.
        if !db::calls::hold_status(c, call_id, CallStatus::Review)? {
            return Err(AppError::from(Code::AlreadyDecided));
        }
        let r = ranking(c, ctx, call_id)?;
        if db::calls::set_status(c, call_id, &[CallStatus::Review], CallStatus::Notice)? != 1 {
            return Err(AppError::from(Code::AlreadyDecided));
        }
        let (mut funded, mut not_funded) = (0, 0);
        for pool in &r.pools {
            for row in &pool.rows {
                if row.recommended {
                    let amount = row.approved_amount.map(Money::fen).unwrap_or(0);
                    if db::calls::reserve(c, pool.pool_id, amount)? != 1 {
                        return Err(
                            Code::PoolExhausted.says(format!("{}余额不足，不能再资助《{}》", pool.name, row.title))
                        );
                    }
                    db::notices::set_bid_status(c, row.bid_id, BidStatus::Eligible, BidStatus::Proposed, now)?;
                    funded += 1;
                } else {
                    db::notices::set_bid_status(c, row.bid_id, BidStatus::Eligible, BidStatus::NotFunded, now)?;
                    not_funded += 1;
                }
            }
        }
        let notice_id = db::notices::insert_notice(
            c,
            &db::notices::NewNotice {
                call_id,
                title: &format!("{}评审结果公示", call.title),
                published_at: now,
                published_by: by,
                ends_on,
                days: call.notice_days,
                working_days: call.notice_working_days,
            },
        )?;
        let allocation: Vec<serde_json::Value> = r
            .pools
            .iter()
            .flat_map(|p| {
                p.rows.iter().map(move |x| {
                    serde_json::json!({"pool_id": p.pool_id, "bid_id": x.bid_id, "score": x.score, "amount": x.approved_amount, "recommended": x.recommended, "outcome": x.outcome})
                })
            })
            .collect();
        audit::record(
            c,
            ctx,
            "call.decide",
            "call",
            Some(call_id),
            serde_json::json!({"notice_id": notice_id, "ends_on": ends_on, "allocation": allocation}),
        )?;
        // The formal PDF, stored with its hash in the same transaction as the decision.
        let n = db::notices::find(c, notice_id)?.ok_or_else(AppError::not_found)?;
        let view = notice_view(c, &n, ctx.now)?;
        let pdf = crate::pdf::notice::render(&notice_doc(&view, &call, docs, c)?);
        super::documents::publish(c, ctx, &docs.data_dir, "notice", notice_id, &view.title, &pdf)?;
        Ok(DecideView { notice_id, funded, not_funded, ends_on })
    })
}

/// The notice as the PDF lays it out: rows grouped by pool with subtotals, all figures formatted.
fn notice_doc(
    v: &NoticeView,
    call: &db::calls::CallRow,
    docs: &DocSettings,
    conn: &mut DbConn,
) -> AppResult<crate::pdf::notice::NoticeDoc> {
    use crate::pdf::notice::{NoticeDoc, NoticeLine, PoolGroup};
    let mut groups: Vec<(String, Vec<&NoticeRowView>)> = Vec::new();
    for r in &v.rows {
        match groups.iter_mut().find(|g| g.0 == r.pool) {
            Some(g) => g.1.push(r),
            None => groups.push((r.pool.clone(), vec![r])),
        }
    }
    let sum = |rows: &[&NoticeRowView], f: fn(&NoticeRowView) -> Money| {
        Money::from_fen(rows.iter().map(|r| f(r).fen()).sum())
    };
    let all: Vec<&NoticeRowView> = v.rows.iter().collect();
    let unit = if v.working_days { "工作日" } else { "自然日" };
    let head = db::audit::head(conn)?.map(|h| h.1).unwrap_or_default();
    let fund = crate::domain::call::FundSource::parse(&call.fund_source);
    let published = chrono::DateTime::parse_from_rfc3339(&v.published_at)
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_default();
    Ok(NoticeDoc {
        title: v.title.clone(),
        mark: fund.and_then(|f| f.mark()).map(str::to_string),
        paragraph: format!(
            "经社会组织申报、资格审查、预算审核和专家评审，现将拟资助项目予以公示。公示期自 {} 起至 {} 24:00 止（{} 个{unit}）。\
             对公示项目有异议的，请在公示期内通过公益创投管理平台的公示页面提交书面异议，并留下联系方式以便答复。",
            v.starts_on, v.ends_on, v.days
        ),
        groups: groups
            .iter()
            .map(|(_, rows)| PoolGroup {
                lines: rows
                    .iter()
                    .map(|r| NoticeLine {
                        title: r.title.clone(),
                        organisation: r.organisation.clone(),
                        pool: r.pool.clone(),
                        requested: r.requested_amount.grouped(),
                        proposed: r.proposed_amount.grouped(),
                        score: r.score.clone().unwrap_or_default(),
                    })
                    .collect(),
                subtotal_requested: sum(rows, |r| r.requested_amount).grouped(),
                subtotal_proposed: sum(rows, |r| r.proposed_amount).grouped(),
            })
            .collect(),
        total_requested: sum(&all, |r| r.requested_amount).grouped(),
        total_proposed: sum(&all, |r| r.proposed_amount).grouped(),
        authority: docs.authority.clone(),
        issued_on: local_date(published).format("%Y年%-m月%-d日").to_string(),
        audit_head: head,
    })
}

fn notice_view(
    conn: &mut DbConn,
    n: &db::notices::NoticeRow,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<NoticeView> {
    let bids = db::bids::list(
        conn,
        &db::bids::BidFilter::of_call(n.call_id, BidStatus::names(&[BidStatus::Proposed, BidStatus::Funded])),
    )?;
    let pools: HashMap<i64, String> =
        db::calls::pools_of(conn, &[n.call_id])?.into_iter().map(|p| (p.id, p.name)).collect();
    // Scores as the ranking computed them at decision time, from the audit record.
    let scores: HashMap<i64, Option<String>> = super::decision::recorded(conn, n.call_id)?
        .unwrap_or_default()
        .into_iter()
        .map(|d| (d.bid_id, d.score))
        .collect();
    // Organisation names in one query, not one per row.
    let org_ids: Vec<i64> = bids.iter().map(|b| b.organisation_id).collect();
    let names: HashMap<i64, String> = db::organisations::names_of(conn, &org_ids)?.into_iter().collect();
    let mut rows = Vec::new();
    let mut total = 0i64;
    for (i, b) in bids.iter().enumerate() {
        let org = names.get(&b.organisation_id).cloned().unwrap_or_default();
        total += b.approved.unwrap_or(0);
        rows.push(NoticeRowView {
            no: i + 1,
            bid_id: b.id,
            reference: b.reference.clone(),
            title: b.title.clone(),
            organisation: org,
            pool: pools.get(&b.pool_id).cloned().unwrap_or_default(),
            requested_amount: Money::from_fen(b.requested),
            proposed_amount: Money::from_fen(b.approved.unwrap_or(0)),
            score: scores.get(&b.id).cloned().flatten(),
            status: b.status.clone(),
        });
    }
    let call = db::calls::find(conn, n.call_id)?.ok_or_else(AppError::not_found)?;
    Ok(NoticeView {
        id: n.id,
        call_id: n.call_id,
        title: n.title.clone(),
        published_at: rfc3339_local(n.published_at.and_utc()),
        starts_on: local_date(n.published_at.and_utc()) + Duration::days(1),
        ends_on: n.ends_on,
        days: n.days,
        working_days: n.working_days,
        open: call.phase(now) == Phase::Notice && local_date(now) <= n.ends_on,
        rows,
        total_proposed: Money::from_fen(total),
        pdf_sha256: db::documents::current(conn, "notice", n.id)?.map(|d| d.sha256),
    })
}

pub fn get(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<NoticeView> {
    let n = db::notices::find(conn, id)?.ok_or_else(AppError::not_found)?;
    notice_view(conn, &n, ctx.now)
}

pub fn notice_of_call(conn: &mut DbConn, call_id: i64) -> AppResult<Option<i64>> {
    Ok(db::notices::of_call(conn, call_id)?.map(|n| n.id))
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct ObjectionInput {
    pub name: String,
    /// A phone number or an email address (shown to staff only).
    pub contact: String,
    pub bid_id: i64,
    pub text: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ObjectionReceipt {
    pub id: i64,
    pub status: String,
}

/// Per client address: objections allowed per hour on one notice; per notice, per day.
pub const OBJECTIONS_PER_IP_HOUR: i64 = 5;
pub const OBJECTIONS_PER_NOTICE_DAY: i64 = 500;

/// Files an objection (public, no login) while the notice runs.
pub fn object(conn: &mut DbConn, ctx: &Ctx, notice_id: i64, input: &ObjectionInput) -> AppResult<ObjectionReceipt> {
    let n = db::notices::find(conn, notice_id)?.ok_or_else(AppError::not_found)?;
    let mut p = Problems::default();
    let name = p.take("name", text::name(&input.name, 50), |e| (e.code().into(), e.message()));
    let contact = match (text::phone(&input.contact), text::email(&input.contact)) {
        (Some(c), _) | (None, Some(c)) => Some(c),
        _ => {
            p.add("contact", "invalid_contact", "请填写有效的电话或邮箱，便于工作人员回复");
            None
        }
    };
    let body = p.take("text", text::paragraph(&input.text, 2000), |e| (e.code().into(), e.message()));
    let bid =
        db::bids::find(conn, input.bid_id)?.filter(|b| b.call_id == n.call_id && BidStatus::Proposed.is(&b.status));
    if bid.is_none() {
        p.add("bid_id", "bid_not_on_notice", "该项目不在本次公示名单中");
    }
    p.finish()?;
    let call = db::calls::find(conn, n.call_id)?.ok_or_else(AppError::not_found)?;
    if call.phase(ctx.now) != Phase::Notice || local_date(ctx.now) > n.ends_on {
        return Err(AppError::from(Code::NoticeClosed));
    }
    let ip = ctx.ip.clone().unwrap_or_else(|| "-".into());
    let (name, contact, body) = (name.unwrap_or_default(), contact.unwrap_or_default(), body.unwrap_or_default());
    db::write_tx(conn, |c| {
        // Counted and filed under one lock per notice: parallel objections cannot all see
        // room for themselves.
        db::lock_key(c, &format!("objections:{notice_id}"))?;
        if db::notices::count_from_ip(c, notice_id, &ip, db_time(ctx.now - Duration::hours(1)))?
            >= OBJECTIONS_PER_IP_HOUR
            || db::notices::count_since(c, notice_id, db_time(ctx.now - Duration::days(1)))?
                >= OBJECTIONS_PER_NOTICE_DAY
        {
            return Err(AppError::rate_limited());
        }
        let new = db::notices::NewObjection {
            notice_id,
            bid_id: input.bid_id,
            name: &name,
            contact: &contact,
            text: &body,
            ip: &ip,
            created_at: db_time(ctx.now),
        };
        let id = db::notices::insert_objection(c, &new)?;
        audit::record(
            c,
            ctx,
            "objection.file",
            "bid",
            Some(input.bid_id),
            serde_json::json!({"objection_id": id, "notice_id": notice_id}),
        )?;
        Ok(ObjectionReceipt { id, status: ObjectionStatus::Pending.as_str().into() })
    })
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ObjectionView {
    pub id: i64,
    pub bid_id: i64,
    /// The project objected to, as the notice lists it: reference and title.
    pub bid: String,
    pub name: String,
    pub contact: String,
    pub text: String,
    pub status: String,
    pub reply: Option<String>,
    pub created_at: String,
}

impl ObjectionView {
    pub fn status_label(&self) -> &'static str {
        ObjectionStatus::label_of(&self.status)
    }
    /// Not answered yet.
    pub fn open(&self) -> bool {
        ObjectionStatus::Pending.is(&self.status)
    }
}

/// Staff read the objections to a notice, contacts included; town staff those about their
/// town's bids only.
pub fn objections(conn: &mut DbConn, ctx: &Ctx, notice_id: i64) -> AppResult<Vec<ObjectionView>> {
    let a = ctx.require(&[Role::Staff])?.clone();
    let n = db::notices::find(conn, notice_id)?.ok_or_else(AppError::not_found)?;
    // The call's bids in the actor's scope, with what names them, in one query.
    let mut f = db::bids::BidFilter::of_call(n.call_id, crate::domain::bid::BidStatus::SUBMITTED.to_vec());
    f.pool_region_prefix = a.region_scope();
    let named: std::collections::HashMap<i64, String> = db::bids::list(conn, &f)?
        .into_iter()
        .map(|b| (b.id, format!("{}《{}》", b.reference.unwrap_or_default(), b.title)))
        .collect();
    Ok(db::notices::objections_of(conn, notice_id)?
        .into_iter()
        .filter(|o| named.contains_key(&o.bid_id))
        .map(|o| ObjectionView {
            id: o.id,
            bid: named.get(&o.bid_id).cloned().unwrap_or_default(),
            bid_id: o.bid_id,
            name: o.name,
            contact: o.contact,
            text: o.text,
            status: o.status,
            reply: o.reply,
            created_at: rfc3339_local(o.created_at.and_utc()),
        })
        .collect())
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct AnswerInput {
    pub upheld: bool,
    pub reply: Option<String>,
    /// When upheld: cancel the bid's funding and release its reservation (default true).
    pub cancel_funding: Option<bool>,
}

pub fn answer(conn: &mut DbConn, ctx: &Ctx, id: i64, input: &AnswerInput) -> AppResult<ObjectionView> {
    ctx.require(&[Role::Staff])?;
    let reply = text::paragraph(input.reply.as_deref().unwrap_or(""), 2000)
        .map_err(|e| AppError::invalid_field("reply", e.code(), format!("答复：{}", e.message())))?;
    let o = db::notices::find_objection(conn, id)?.ok_or_else(AppError::not_found)?;
    let notice = db::notices::find(conn, o.notice_id)?.ok_or_else(AppError::not_found)?;
    let by = crate::service::calls::runner(conn, ctx, notice.call_id)?.id;
    if !ObjectionStatus::Pending.is(&o.status) {
        return Err(AppError::from(Code::AlreadyAnswered));
    }
    let cancel = input.upheld && input.cancel_funding.unwrap_or(true);
    let bid = db::bids::find(conn, o.bid_id)?.ok_or_else(AppError::not_found)?;
    let now = db_time(ctx.now);
    db::write_tx(conn, |c| {
        if db::notices::answer(c, id, input.upheld, &reply, cancel, by, now)? != 1 {
            return Err(AppError::from(Code::AlreadyAnswered));
        }
        // Only a bid still proposed holds a reservation; what was released is what the audit says.
        let mut released = None;
        if cancel && db::notices::set_bid_status(c, bid.id, BidStatus::Proposed, BidStatus::NotFunded, now)? == 1 {
            let amount = bid.approved.unwrap_or(0);
            if db::calls::release(c, bid.pool_id, amount)? != 1 {
                return Err(AppError::internal("reservation missing on release"));
            }
            released = Some(Money::from_fen(amount));
        }
        audit::record(
            c,
            ctx,
            "objection.answer",
            "bid",
            Some(bid.id),
            serde_json::json!({"objection_id": id, "upheld": input.upheld, "cancel_funding": cancel, "released": released}),
        )
    })?;
    objections(conn, ctx, o.notice_id)?.into_iter().find(|x| x.id == id).ok_or_else(AppError::not_found)
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct DismissInput {
    /// The pending objections of this notice to dismiss together (at most 500).
    pub ids: Vec<i64>,
    /// One reply for all of them (e.g. 重复提交、与公示项目无关).
    pub reply: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DismissView {
    pub dismissed: usize,
}

/// Bulk dismissal of spam (`POST /api/v1/notices/{id}/objections/dismiss`, district staff): every
/// id must be a pending objection of this notice, or nothing is dismissed (422 names the first).
pub fn dismiss(conn: &mut DbConn, ctx: &Ctx, notice_id: i64, input: &DismissInput) -> AppResult<DismissView> {
    ctx.require(&[Role::Staff])?;
    let notice = db::notices::find(conn, notice_id)?.ok_or_else(AppError::not_found)?;
    let by = crate::service::calls::runner(conn, ctx, notice.call_id)?.id;
    let reply = text::paragraph(&input.reply, 2000)
        .map_err(|e| AppError::invalid_field("reply", e.code(), format!("答复：{}", e.message())))?;
    if input.ids.is_empty() || input.ids.len() > 500 {
        return Err(AppError::invalid_field("ids", "invalid_count", "请选择 1–500 条异议"));
    }
    let pending: std::collections::HashSet<i64> = db::notices::objections_of(conn, notice_id)?
        .into_iter()
        .filter(|o| ObjectionStatus::Pending.is(&o.status))
        .map(|o| o.id)
        .collect();
    if let Some((i, id)) = input.ids.iter().enumerate().find(|(_, id)| !pending.contains(id)) {
        return Err(AppError::invalid_field(
            &format!("ids[{i}]"),
            "not_pending_on_notice",
            format!("第 {id} 号异议不是本公示中待答复的异议"),
        ));
    }
    let mut ids = input.ids.clone();
    ids.sort_unstable();
    ids.dedup();
    let now = db_time(ctx.now);
    db::write_tx(conn, |c| {
        for id in &ids {
            if db::notices::answer(c, *id, false, &reply, false, by, now)? != 1 {
                return Err(Code::AlreadyAnswered.says("部分异议已被答复，请刷新后重试"));
            }
        }
        audit::record(
            c,
            ctx,
            "objection.dismiss_bulk",
            "notice",
            Some(notice_id),
            serde_json::json!({"ids": ids, "reply": reply}),
        )
    })?;
    Ok(DismissView { dismissed: ids.len() })
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FinalizeView {
    pub projects: Vec<ProjectSummary>,
    pub not_funded: usize,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ProjectSummary {
    pub id: i64,
    pub bid_id: i64,
    pub agreement_no: String,
    pub approved_amount: Money,
    pub tranches: Vec<Money>,
}

/// After the notice period, with every objection answered: proposed bids become projects with
/// their tranche plans (`POST /api/v1/calls/{id}/finalize`).
pub fn finalize(conn: &mut DbConn, ctx: &Ctx, docs: &DocSettings, call_id: i64) -> AppResult<FinalizeView> {
    crate::service::calls::runner(conn, ctx, call_id)?;
    let call = db::calls::find(conn, call_id)?.ok_or_else(AppError::not_found)?;
    if call.phase(ctx.now) != Phase::Notice {
        return Err(Code::WrongPhase.says("只能在公示阶段之后确定立项"));
    }
    let n = db::notices::of_call(conn, call_id)?.ok_or_else(AppError::not_found)?;
    if local_date(ctx.now) <= n.ends_on {
        return Err(Code::NoticeRunning.says(format!("公示期至 {} 24:00 结束，次日起方可确定立项", n.ends_on)));
    }
    if db::notices::pending_count(conn, n.id)? > 0 {
        return Err(AppError::from(Code::ObjectionsPending));
    }
    let pcts = call.tranche_pcts();
    let terms = crate::service::calls::scoring_design(conn, call_id)?.terms;
    let all = db::bids::list(
        conn,
        &db::bids::BidFilter::of_call(call_id, BidStatus::names(&[BidStatus::Proposed, BidStatus::NotFunded])),
    )?;
    let now = db_time(ctx.now);
    let projects = db::write_tx(conn, |c| {
        if db::calls::set_status(c, call_id, &[CallStatus::Notice], CallStatus::Final)? != 1 {
            return Err(AppError::from(Code::AlreadyFinal));
        }
        let mut out = Vec::new();
        let mut seq = 0;
        for b in &all {
            let org = db::organisations::find(c, b.organisation_id)?.ok_or_else(AppError::not_found)?;
            if BidStatus::Proposed.is(&b.status) {
                seq += 1;
                db::notices::set_bid_status(c, b.id, BidStatus::Proposed, BidStatus::Funded, now)?;
                let approved = b.approved.unwrap_or(0);
                let agreement = format!("{}XY-{}-{seq:03}", call.reference_prefix, call.year);
                let pid = db::notices::insert_project(c, call_id, b.id, b.organisation_id, &agreement, approved, now)?;
                let parts = tranche::split(approved, &pcts);
                for (i, (pct, amount)) in pcts.iter().zip(&parts).enumerate() {
                    db::notices::insert_tranche(c, pid, i as i32 + 1, *pct as i32, *amount)?;
                }
                // Milestones: signing, evaluations (each releasing its tranche), then the bid's own.
                let start = b.start_date.unwrap_or(call.project_start);
                let end = b.end_date.unwrap_or(call.project_end);
                let mut seq_no = 0;
                for m in crate::domain::milestone::plan(pcts.len(), start, end, &terms) {
                    seq_no += 1;
                    db::projects::insert_milestone(c, pid, seq_no, m.kind, &m.title, m.due_date, m.tranche_seq)?;
                }
                for m in db::bids::milestones_of(c, &[b.id])? {
                    seq_no += 1;
                    db::projects::insert_milestone(c, pid, seq_no, "custom", &m.title, m.due_date, None)?;
                }
                // The 协议书, stored with its hash in the same transaction as the project.
                crate::service::projects::agreement::issue(c, ctx, docs, pid)?;
                mail::queue_about_bid(
                    c,
                    ctx,
                    b.id,
                    mail::bid_funded(&org.email, &org.name, &b.title, &agreement, Money::from_fen(approved)),
                )?;
                out.push(ProjectSummary {
                    id: pid,
                    bid_id: b.id,
                    agreement_no: agreement,
                    approved_amount: Money::from_fen(approved),
                    tranches: parts.into_iter().map(Money::from_fen).collect(),
                });
            } else {
                mail::queue_about_bid(c, ctx, b.id, mail::bid_not_funded(&org.email, &org.name, &b.title))?;
            }
        }
        audit::record(
            c,
            ctx,
            "call.finalize",
            "call",
            Some(call_id),
            serde_json::json!({"projects": out.iter().map(|p| serde_json::json!({"bid_id": p.bid_id, "agreement_no": p.agreement_no, "approved": p.approved_amount, "tranches": p.tranches})).collect::<Vec<_>>()}),
        )?;
        Ok(out)
    })?;
    let not_funded = all.iter().filter(|b| BidStatus::NotFunded.is(&b.status)).count();
    Ok(FinalizeView { projects, not_funded })
}

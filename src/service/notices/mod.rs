//! Deciding the allocation, the 公示 results notice, objections, and finalisation.
//! Objections to a notice, their answers and dismissals are in `objections`.

mod objections;
pub use objections::*;

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

//! Expert review: the seeded draw of panels, conflicts and replacements, and scoring. The
//! ranking they feed is read in `scores`.

use super::scores::rubric;
pub use super::scores::{ranking, RankingPool, RankingRow, RankingView, StageScore};
use super::{audit, mail, Ctx};
use crate::clock::{db_time, rfc3339_local};
use crate::db::{self, DbConn};
use crate::domain::account::Role;
use crate::domain::call::Phase;
use crate::domain::draw::{self, BidToReview, Reviewer};
use crate::domain::scoring;
use crate::domain::text;
use crate::error::{AppError, AppResult, Problems};
use rand::RngCore;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct AssignInput {
    /// Reviewers per bid, default 5.
    pub reviewers_per_bid: Option<u32>,
    /// Training databases only: a chosen seed, so a class can re-run the same draw.
    pub seed: Option<u64>,
    /// Required for a redraw (the earlier panels are kept, inactive).
    pub reason: Option<String>,
    /// Reviews are due by this date (`YYYY-MM-DD`, local); default 10 working days from today.
    pub due: Option<String>,
    /// The scoring stage (its key); default the first. A later stage draws panels for the bids
    /// shortlisted into it.
    pub stage: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct DrawView {
    pub draw_id: i64,
    /// The stage's key (empty for a single-stage call).
    pub stage: String,
    /// The seed, as a decimal string: anyone can re-run the draw with it.
    pub seed: String,
    pub reviewers_per_bid: i32,
    pub bids: usize,
    pub assignments: usize,
    /// reviewer id → number of bids
    pub load: BTreeMap<i64, usize>,
}

fn expert_pool(conn: &mut DbConn) -> AppResult<Vec<Reviewer>> {
    let mut by_id: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
    for (id, uscc) in db::review::reviewers(conn)? {
        let e = by_id.entry(id).or_default();
        if let Some(u) = uscc {
            e.insert(u);
        }
    }
    Ok(by_id.into_iter().map(|(id, affiliations)| Reviewer { id, affiliations }).collect())
}

/// Draws the panels for every eligible bid of the call (`POST /api/v1/calls/{id}/assignments`).
pub fn assign(conn: &mut DbConn, ctx: &Ctx, call_id: i64, input: &AssignInput, training: bool) -> AppResult<DrawView> {
    let by = ctx.require_district_staff()?.id;
    let k = input.reviewers_per_bid.unwrap_or(5);
    let mut p = Problems::default();
    if !(1..=15).contains(&k) {
        p.add("reviewers_per_bid", "out_of_range", "每个项目的评审专家人数应为 1–15");
    }
    if input.seed.is_some() && !training {
        p.add("seed", "seed_not_allowed", "正式环境的随机种子由系统生成，不能指定");
    }
    let reason = match input.reason.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(r) => p.take("reason", text::paragraph(r, 500), |e| (e.code().into(), e.message())),
        None => None,
    };
    let today = crate::clock::local_date(ctx.now);
    let due = match input.due.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => crate::domain::calendar::shipped().add_working_days(today, 10),
        Some(d) => match chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d") {
            Ok(d) if d > today => d,
            Ok(_) => {
                p.add("due", "due_in_past", "评审截止日期应晚于今天");
                today
            }
            Err(_) => {
                p.add("due", "invalid_date", "评审截止日期格式应为 YYYY-MM-DD");
                today
            }
        },
    };
    let design = super::calls::scoring_design(conn, call_id)?;
    let stage = match input.stage.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => 0,
        Some(k) => match design.stages.iter().find(|s| s.key == k) {
            Some(s) => s.position,
            None => {
                p.add("stage", "unknown_stage", "本次招标没有该评审阶段");
                0
            }
        },
    };
    p.finish()?;
    let call = db::calls::find(conn, call_id)?.ok_or_else(AppError::not_found)?;
    let redraw = db::review::active_draw(conn, call_id, stage)?.is_some();
    if redraw && !db::stages::shortlist(conn, call_id, stage + 1)?.is_empty() {
        return Err(AppError::conflict("stage_closed", "该阶段已确定下一阶段的入围名单，不能重新抽取专家"));
    }
    match call.phase(ctx.now) {
        Phase::Screening if stage == 0 => {}
        Phase::Review if redraw && reason.is_none() => {
            return Err(AppError::invalid_field("reason", "reason_required", "重新抽取须说明理由（原抽取结果会保留）"))
        }
        Phase::Review if redraw || stage > 0 => {}
        p if p.past_deadline() => return Err(AppError::conflict("wrong_phase", "评审结果已确定，不能再抽取专家")),
        Phase::Screening => return Err(AppError::conflict("wrong_phase", "请先完成上一阶段评审并确定入围名单")),
        _ => return Err(AppError::conflict("call_not_closed", "申报截止后才能抽取评审专家")),
    }
    let mut bids = db::bids::list(conn, &db::bids::BidFilter::of_call(call_id, vec!["eligible"]))?;
    if stage > 0 {
        let on: BTreeSet<i64> = db::stages::shortlist(conn, call_id, stage)?.into_iter().map(|r| r.bid_id).collect();
        if on.is_empty() {
            return Err(AppError::conflict("no_shortlist", "请先确定进入该阶段的入围名单"));
        }
        bids.retain(|b| on.contains(&b.id));
    }
    if bids.is_empty() {
        return Err(AppError::conflict("no_eligible_bids", "没有通过资格审查的项目"));
    }
    let org_ids: Vec<i64> = bids.iter().map(|b| b.organisation_id).collect();
    let usccs: HashMap<i64, String> = org_ids
        .iter()
        .filter_map(|id| db::organisations::find(conn, *id).ok().flatten().map(|o| (o.id, o.uscc)))
        .collect();
    let to_review: Vec<BidToReview> = bids
        .iter()
        .map(|b| BidToReview {
            id: b.id,
            org_uscc: usccs.get(&b.organisation_id).cloned().unwrap_or_default(),
            declined: BTreeSet::new(),
        })
        .collect();
    let experts = expert_pool(conn)?;
    let seed = input.seed.unwrap_or_else(|| rand::rngs::OsRng.next_u64());
    let panels = draw::draw(&to_review, &experts, k as usize, seed).map_err(|e| match e {
        draw::DrawError::NotEnoughReviewers { bid_id, available, needed } => AppError::conflict(
            "not_enough_reviewers",
            format!("项目 {bid_id} 只有 {available} 名无利益冲突的评审专家，不足 {needed} 名"),
        ),
    })?;
    let now = db_time(ctx.now);
    db::write_tx(conn, |c| {
        let draw_id =
            db::review::insert_draw(c, call_id, stage, &seed.to_string(), k as i32, reason.as_deref(), due, by, now)?;
        let mut n = 0;
        let mut load: BTreeMap<i64, usize> = BTreeMap::new();
        for (bid, panel) in &panels {
            for r in panel {
                db::review::insert_assignment(c, draw_id, stage, call_id, *bid, *r, 0, now)?;
                *load.entry(*r).or_insert(0) += 1;
                n += 1;
            }
        }
        db::calls::set_status(c, call_id, &["open", "review"], "review")?;
        audit::record(
            c,
            ctx,
            if reason.is_some() { "review.redraw" } else { "review.draw" },
            "call",
            Some(call_id),
            serde_json::json!({"draw_id": draw_id, "stage": stage, "seed": seed.to_string(), "reviewers_per_bid": k, "panels": panels, "reason": reason}),
        )?;
        for (rid, count) in &load {
            if let Some(u) = db::users::find(c, *rid)? {
                if let Some(email) = &u.email {
                    mail::queue(c, ctx, mail::review_assigned(email, &u.display_name, &call.title, *count, due))?;
                }
            }
        }
        Ok(DrawView {
            draw_id,
            stage: design.stages.iter().find(|s| s.position == stage).map(|s| s.key.clone()).unwrap_or_default(),
            seed: seed.to_string(),
            reviewers_per_bid: k as i32,
            bids: panels.len(),
            assignments: n,
            load,
        })
    })
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct AssignmentView {
    pub id: i64,
    pub bid_id: i64,
    /// Shown before scoring so the reviewer can declare a conflict.
    pub bid_title: String,
    pub organisation: String,
    /// assigned · accepted · conflict · submitted
    pub status: String,
    pub submitted_at: Option<String>,
    /// The scoring stage's key and name (empty for a single-stage call).
    pub stage: String,
    pub stage_name: String,
}

impl AssignmentView {
    pub fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            "assigned" => "待确认",
            "accepted" => "待评分",
            "submitted" => "已提交",
            "conflict" => "已回避",
            "replaced" => "已更换",
            _ => "",
        }
    }
}

pub fn mine(conn: &mut DbConn, ctx: &Ctx) -> AppResult<Vec<AssignmentView>> {
    let a = ctx.require(&[Role::Reviewer])?;
    let rows = db::review::for_reviewer(conn, a.id)?;
    // A reviewer sits on a call or two: one stages read per call.
    let mut stages: HashMap<(i64, i32), (String, String)> = HashMap::new();
    for call in rows.iter().map(|r| r.0.call_id).collect::<BTreeSet<_>>() {
        for st in db::calls::stages_of(conn, call)? {
            stages.insert((call, st.position), (st.key, st.name));
        }
    }
    Ok(rows
        .into_iter()
        .map(|(x, title, org)| {
            let (stage, stage_name) = stages.get(&(x.call_id, x.stage)).cloned().unwrap_or_default();
            AssignmentView {
                id: x.id,
                bid_id: x.bid_id,
                bid_title: title,
                organisation: org,
                status: x.status,
                submitted_at: x.submitted_at.map(|t| rfc3339_local(t.and_utc())),
                stage,
                stage_name,
            }
        })
        .collect())
}

/// The reviewer's own assignment in an active draw, or 404.
fn own(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<(db::review::AssignmentRow, db::review::DrawRow)> {
    let a = ctx.require(&[Role::Reviewer])?;
    let x = db::review::find(conn, id)?.filter(|x| x.reviewer_id == a.id).ok_or_else(AppError::not_found)?;
    let d = db::review::find_draw(conn, x.draw_id)?.filter(|d| d.active).ok_or_else(AppError::not_found)?;
    Ok((x, d))
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct ConflictInput {
    pub reason: Option<String>,
}

/// Declares a conflict (回避): the reviewer leaves the panel and a replacement is drawn from the
/// same seed's next stream.
pub fn declare_conflict(conn: &mut DbConn, ctx: &Ctx, id: i64, input: &ConflictInput) -> AppResult<AssignmentView> {
    let (x, d) = own(conn, ctx, id)?;
    let reason = text::paragraph(input.reason.as_deref().unwrap_or(""), 500)
        .map_err(|e| AppError::invalid_field("reason", e.code(), format!("回避理由：{}", e.message())))?;
    if !matches!(x.status.as_str(), "assigned" | "accepted") {
        return Err(AppError::conflict("wrong_status", "已提交评分或已回避，不能再声明回避"));
    }
    let experts = expert_pool(conn)?;
    let panel_rows = db::review::of_draw(conn, d.id)?;
    let on_bid: Vec<&db::review::AssignmentRow> = panel_rows.iter().filter(|r| r.bid_id == x.bid_id).collect();
    let declined: BTreeSet<i64> =
        on_bid.iter().filter(|r| r.status == "conflict").map(|r| r.reviewer_id).chain([x.reviewer_id]).collect();
    let panel: Vec<i64> = on_bid.iter().map(|r| r.reviewer_id).collect();
    let mut load: BTreeMap<i64, usize> = BTreeMap::new();
    for r in panel_rows.iter().filter(|r| r.status != "conflict") {
        *load.entry(r.reviewer_id).or_insert(0) += 1;
    }
    let bid = db::bids::find(conn, x.bid_id)?.ok_or_else(AppError::not_found)?;
    let org = db::organisations::find(conn, bid.organisation_id)?.ok_or_else(AppError::not_found)?;
    let next_no = panel_rows.iter().map(|r| r.replacement_no).max().unwrap_or(0) + 1;
    let seed: u64 = d.seed.parse().unwrap_or(0);
    let target = BidToReview { id: bid.id, org_uscc: org.uscc.clone(), declined };
    let replacement = draw::replacement(&target, &panel, &experts, &load, seed, next_no as u64);
    let now = db_time(ctx.now);
    db::write_tx(conn, |c| {
        if db::review::set_status(c, id, &["assigned", "accepted"], "conflict", Some(&reason))? != 1 {
            return Err(AppError::conflict("wrong_status", "状态已变化，请刷新"));
        }
        let new_id = match replacement {
            Some(r) => Some(db::review::insert_assignment(c, d.id, d.stage, x.call_id, x.bid_id, r, next_no, now)?),
            None => None,
        };
        audit::record(
            c,
            ctx,
            "review.conflict",
            "bid",
            Some(x.bid_id),
            serde_json::json!({"assignment_id": id, "reason": reason, "replacement_no": next_no, "replacement_reviewer": replacement, "replacement_assignment": new_id}),
        )?;
        Ok(())
    })?;
    mine(conn, ctx)?.into_iter().find(|v| v.id == id).ok_or_else(AppError::not_found)
}

/// Confirms no conflict: from now on the reviewer reads the whole bid and may score it.
pub fn accept(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<AssignmentView> {
    let (x, _) = own(conn, ctx, id)?;
    if x.status != "assigned" {
        return Err(AppError::conflict("wrong_status", "该评审任务已确认或已回避"));
    }
    db::write_tx(conn, |c| {
        if db::review::set_status(c, id, &["assigned"], "accepted", None)? != 1 {
            return Err(AppError::conflict("wrong_status", "状态已变化，请刷新"));
        }
        audit::record(c, ctx, "review.accept", "bid", Some(x.bid_id), serde_json::json!({"assignment_id": id}))
    })?;
    mine(conn, ctx)?.into_iter().find(|v| v.id == id).ok_or_else(AppError::not_found)
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct ScoreInput {
    pub criterion: String,
    /// Decimal string, 0 … the criterion's max, in steps of 0.5.
    pub score: String,
    #[serde(default)]
    pub comment: String,
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct ReviewInput {
    pub scores: Vec<ScoreInput>,
    #[serde(default)]
    pub comment: String,
    /// `true` locks the review (a change then needs staff to reopen it).
    #[serde(default)]
    pub submit: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ReviewView {
    pub assignment_id: i64,
    pub status: String,
    pub scores: Vec<ScoreView>,
    pub comment: String,
    /// The reviewer's own total (0–100), when every criterion is scored.
    pub total: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ScoreView {
    pub criterion: String,
    pub score: String,
    pub comment: String,
}

pub fn review_view(conn: &mut DbConn, x: &db::review::AssignmentRow) -> AppResult<ReviewView> {
    let crit = rubric(conn, x.call_id, x.stage)?;
    let stored = db::review::scores_of(conn, x.id)?;
    let by_key: HashMap<&str, i64> = stored.iter().map(|(k, s, _)| (k.as_str(), *s)).collect();
    let total = (crit.len() == stored.len() && crit.iter().all(|c| by_key.contains_key(c.key.as_str()))).then(|| {
        let scores: Vec<Decimal> = crit.iter().map(|c| Decimal::new(by_key[c.key.as_str()], 2)).collect();
        format!("{:.2}", scoring::round2(scoring::reviewer_total(&crit, &scores)))
    });
    Ok(ReviewView {
        assignment_id: x.id,
        status: x.status.clone(),
        scores: stored
            .iter()
            .map(|(k, s, c)| ScoreView {
                criterion: k.clone(),
                score: Decimal::new(*s, 2).normalize().to_string(),
                comment: c.clone(),
            })
            .collect(),
        comment: x.comment.clone(),
        total,
    })
}

fn scores_frozen() -> AppError {
    AppError::conflict("scores_frozen", "资助结果已确定，评分已冻结，不能再提交或修改")
}

/// Saves a draft of the review or submits it (`PUT /api/v1/assignments/{id}/review`).
pub fn save_review(conn: &mut DbConn, ctx: &Ctx, id: i64, input: &ReviewInput) -> AppResult<ReviewView> {
    let (x, _) = own(conn, ctx, id)?;
    let call = db::calls::find(conn, x.call_id)?.ok_or_else(AppError::not_found)?;
    if call.phase(ctx.now) != Phase::Review {
        return Err(scores_frozen());
    }
    match x.status.as_str() {
        "accepted" => {}
        "assigned" => return Err(AppError::conflict("not_accepted", "请先确认与该项目无利益冲突")),
        "submitted" => return Err(AppError::conflict("review_locked", "评分已提交并锁定，如需修改请联系工作人员")),
        _ => return Err(AppError::not_found()),
    }
    let crit = rubric(conn, x.call_id, x.stage)?;
    let mut p = Problems::default();
    let mut scores = Vec::new();
    for (i, s) in input.scores.iter().enumerate() {
        match crit.iter().find(|c| c.key == s.criterion) {
            None => p.add(&format!("scores[{i}].criterion"), "unknown_criterion", "评分项不在本次评分标准中"),
            Some(_) if scores.iter().any(|(k, _, _): &(String, i64, String)| *k == s.criterion) => {
                p.add(&format!("scores[{i}].criterion"), "duplicate_criterion", "评分项重复")
            }
            Some(c) => match scoring::parse_score(&s.score, c.max_score) {
                Ok(v) => {
                    let comment = if s.comment.trim().is_empty() {
                        String::new()
                    } else {
                        match text::paragraph(&s.comment, 2000) {
                            Ok(t) => t,
                            Err(e) => {
                                p.add(&format!("scores[{i}].comment"), e.code(), e.message());
                                String::new()
                            }
                        }
                    };
                    let hundredths = (v * Decimal::from(100)).trunc().try_into().unwrap_or(0i64);
                    scores.push((s.criterion.clone(), hundredths, comment));
                }
                Err(e) => p.add(&format!("scores[{i}].score"), e.code(), e.message()),
            },
        }
    }
    if input.submit {
        for c in &crit {
            if !scores.iter().any(|(k, _, _)| *k == c.key) {
                p.add("scores", "criterion_missing", format!("提交前请为每一项打分（缺少：{}）", c.key));
            }
        }
    }
    let comment = if input.comment.trim().is_empty() {
        String::new()
    } else {
        p.take("comment", text::paragraph(&input.comment, 5000), |e| (e.code().into(), e.message())).unwrap_or_default()
    };
    p.finish()?;
    // At submission every criterion is scored: the total is fixed here, once, for the ranking.
    let in_rubric_order: Vec<i64> =
        crit.iter().map(|c| scores.iter().find(|(k, _, _)| *k == c.key).map_or(0, |x| x.1)).collect();
    let total =
        scoring::reviewer_total(&crit, &in_rubric_order.iter().map(|s| Decimal::new(*s, 2)).collect::<Vec<_>>());
    let first_score = in_rubric_order.first().copied().unwrap_or(0);
    let now = db_time(ctx.now);
    db::write_tx(conn, |c| {
        // Both checks and the write are one step: a decision or a submit racing this save
        // either waits for it or makes it refuse.
        if !db::calls::hold_status(c, x.call_id, "review")? {
            return Err(scores_frozen());
        }
        if !db::review::hold_accepted(c, id)? {
            return Err(AppError::conflict("review_locked", "评分已提交并锁定，如需修改请联系工作人员"));
        }
        db::review::save_scores(c, id, &scores, &comment)?;
        if input.submit {
            if db::review::mark_submitted(c, id, now, &total.to_string(), first_score)? != 1 {
                return Err(AppError::conflict("review_locked", "评分已提交"));
            }
            audit::record(
                c,
                ctx,
                "review.submit",
                "bid",
                Some(x.bid_id),
                serde_json::json!({"assignment_id": id, "scores": scores}),
            )?;
        }
        Ok(())
    })?;
    let x = db::review::find(conn, id)?.ok_or_else(AppError::not_found)?;
    review_view(conn, &x)
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct OverrideInput {
    pub bid_id: i64,
    /// `true` fund it (still within its pool), `false` do not.
    pub fund: bool,
    pub reason: Option<String>,
}

/// A staff override of the recommendation, with its reason (`POST /api/v1/calls/{id}/overrides`).
pub fn set_override(conn: &mut DbConn, ctx: &Ctx, call_id: i64, input: &OverrideInput) -> AppResult<RankingView> {
    let by = ctx.require_district_staff()?.id;
    let reason = text::paragraph(input.reason.as_deref().unwrap_or(""), 1000)
        .map_err(|e| AppError::invalid_field("reason", e.code(), format!("调整理由：{}", e.message())))?;
    let call = db::calls::find(conn, call_id)?.ok_or_else(AppError::not_found)?;
    if call.phase(ctx.now) != Phase::Review {
        return Err(AppError::conflict("wrong_phase", "只能在专家评审阶段、确定结果之前调整"));
    }
    let bid = db::bids::find(conn, input.bid_id)?
        .filter(|b| b.call_id == call_id && b.status == "eligible")
        .ok_or_else(|| AppError::invalid_field("bid_id", "bid_not_in_call", "该项目不在本次招标的评审项目中"))?;
    db::write_tx(conn, |c| {
        db::review::upsert_override(c, call_id, bid.id, input.fund, &reason, by, db_time(ctx.now))?;
        audit::record(
            c,
            ctx,
            "allocation.override",
            "bid",
            Some(bid.id),
            serde_json::json!({"fund": input.fund, "reason": reason}),
        )
    })?;
    ranking(conn, ctx, call_id)
}

/// The reviewer's own review of an assignment (scores stay private to the reviewer).
pub fn get_review(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<ReviewView> {
    let (x, _) = own(conn, ctx, id)?;
    review_view(conn, &x)
}

/// The rubric of the call an assignment belongs to, with the bid: for the scoring page.
pub fn form_data(conn: &mut DbConn, ctx: &Ctx, id: i64) -> AppResult<(i64, Vec<db::calls::CriterionRow>, ReviewView)> {
    let (x, _) = own(conn, ctx, id)?;
    let crit = db::calls::criteria_of_stage(conn, x.call_id, x.stage)?;
    Ok((x.bid_id, crit, review_view(conn, &x)?))
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct ReopenInput {
    pub reason: Option<String>,
}

/// Staff reopen a submitted review so the reviewer can change it (with a reason, audited).
pub fn reopen(conn: &mut DbConn, ctx: &Ctx, id: i64, input: &ReopenInput) -> AppResult<()> {
    ctx.require_district_staff()?;
    let reason = text::paragraph(input.reason.as_deref().unwrap_or(""), 500)
        .map_err(|e| AppError::invalid_field("reason", e.code(), format!("理由：{}", e.message())))?;
    let x = db::review::find(conn, id)?.ok_or_else(AppError::not_found)?;
    let call = db::calls::find(conn, x.call_id)?.ok_or_else(AppError::not_found)?;
    if call.phase(ctx.now) != Phase::Review {
        return Err(AppError::conflict("wrong_phase", "只能在专家评审阶段重新开放评分"));
    }
    // A stage whose shortlist into the next is drawn up is over: its scores put bids there.
    if !db::stages::shortlist(conn, x.call_id, x.stage + 1)?.is_empty() {
        return Err(AppError::conflict("stage_closed", "该阶段已确定下一阶段的入围名单，评分已锁定"));
    }
    // An on-site score is announced in the room once the whole panel has scored: it stays.
    let defence = super::calls::scoring_design(conn, x.call_id)?
        .stages
        .iter()
        .any(|s| s.position == x.stage && s.kind == crate::domain::stages::StageKind::Defence.as_str());
    if defence && super::stages::panel_complete(conn, x.call_id, x.stage, x.bid_id)? {
        return Err(AppError::conflict("score_announced", "该项目的现场评分已全部提交并当场公布，不能再修改"));
    }
    db::write_tx(conn, |c| {
        if !db::calls::hold_status(c, x.call_id, "review")? {
            return Err(scores_frozen());
        }
        if db::review::set_status(c, id, &["submitted"], "accepted", None)? != 1 {
            return Err(AppError::conflict("not_submitted", "该评分尚未提交"));
        }
        audit::record(
            c,
            ctx,
            "review.reopen",
            "bid",
            Some(x.bid_id),
            serde_json::json!({"assignment_id": id, "reason": reason}),
        )
    })
}

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct ReplaceInput {
    /// The reviewer who takes over this assignment.
    pub reviewer_id: i64,
    pub reason: Option<String>,
}

/// Staff swap a reviewer by hand (with a reason): the new reviewer must be in the expert pool,
/// not in conflict and not already on the bid's panel.
pub fn replace(conn: &mut DbConn, ctx: &Ctx, id: i64, input: &ReplaceInput) -> AppResult<()> {
    ctx.require_district_staff()?;
    let mut p = Problems::default();
    let reason = p.take("reason", text::paragraph(input.reason.as_deref().unwrap_or(""), 500), |e| {
        (e.code().into(), e.message())
    });
    let x = db::review::find(conn, id)?.ok_or_else(AppError::not_found)?;
    let bid = db::bids::find(conn, x.bid_id)?.ok_or_else(AppError::not_found)?;
    let org = db::organisations::find(conn, bid.organisation_id)?.ok_or_else(AppError::not_found)?;
    let experts = expert_pool(conn)?;
    let panel = db::review::of_draw(conn, x.draw_id)?;
    match experts.iter().find(|r| r.id == input.reviewer_id) {
        None => p.add("reviewer_id", "not_a_reviewer", "该用户不在评审专家库中"),
        Some(r) if r.affiliations.contains(&org.uscc) => {
            p.add("reviewer_id", "reviewer_in_conflict", "该专家与申报单位存在关联，须回避")
        }
        Some(r) if panel.iter().any(|a| a.bid_id == x.bid_id && a.reviewer_id == r.id && a.status != "replaced") => {
            p.add("reviewer_id", "already_on_panel", "该专家已在本项目的评审组中")
        }
        Some(_) => {}
    }
    p.finish()?;
    if !matches!(x.status.as_str(), "assigned" | "accepted") {
        return Err(AppError::conflict("wrong_status", "已提交或已回避的评审任务不能更换专家"));
    }
    let reason = reason.unwrap_or_default();
    db::write_tx(conn, |c| {
        if !db::calls::hold_status(c, x.call_id, "review")? {
            return Err(AppError::conflict("wrong_phase", "只能在专家评审阶段更换专家"));
        }
        if db::review::set_status(c, id, &["assigned", "accepted"], "replaced", Some(&reason))? != 1 {
            return Err(AppError::conflict("wrong_status", "状态已变化，请刷新"));
        }
        let new_id = db::review::insert_assignment(
            c,
            x.draw_id,
            x.stage,
            x.call_id,
            x.bid_id,
            input.reviewer_id,
            x.replacement_no,
            db_time(ctx.now),
        )?;
        audit::record(
            c,
            ctx,
            "review.replace",
            "bid",
            Some(x.bid_id),
            serde_json::json!({"assignment_id": id, "from": x.reviewer_id, "to": input.reviewer_id, "new_assignment": new_id, "reason": reason}),
        )
    })
}

/// The reminder job: two working days before the due date and on any day after it, each
/// unsubmitted assignment's reviewer is reminded once of each. Returns how many were sent.
pub fn remind(conn: &mut DbConn, ctx: &Ctx) -> AppResult<usize> {
    let today = crate::clock::local_date(ctx.now);
    let cal = crate::domain::calendar::shipped();
    let mut sent = 0;
    for (x, due) in db::review::open_with_due(conn)? {
        let after = today > due;
        let before = !after && cal.working_days_between(today, due) <= 2;
        if !(after || before) || (after && x.reminded_after_at.is_some()) || (before && x.reminded_before_at.is_some())
        {
            continue;
        }
        let Some(u) = db::users::find(conn, x.reviewer_id)? else { continue };
        let Some(email) = u.email.clone() else { continue };
        let title = db::bids::find(conn, x.bid_id)?.map(|b| b.title).unwrap_or_default();
        db::write_tx(conn, |c| {
            if db::review::mark_reminded(c, x.id, after, db_time(ctx.now))? == 1 {
                mail::queue(c, ctx, mail::review_reminder(&email, &u.display_name, &title, due, after))?;
                sent += 1;
            }
            Ok(())
        })?;
    }
    Ok(sent)
}

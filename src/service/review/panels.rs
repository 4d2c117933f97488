//! The seeded draw of review panels, replacements by hand, and reminders.

use super::*;
use crate::domain::state::{
    AssignmentStatus::{self, *},
    CallStatus,
};
use crate::error::Code;

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

pub(super) fn expert_pool(conn: &mut DbConn) -> AppResult<Vec<Reviewer>> {
    let mut by_id: BTreeMap<i64, BTreeSet<String>> = BTreeMap::new();
    for (id, uscc) in db::review::reviewers(conn)? {
        let e = by_id.entry(id).or_default();
        if let Some(u) = uscc {
            e.insert(u);
        }
    }
    Ok(by_id.into_iter().map(|(id, affiliations)| Reviewer { id, affiliations }).collect())
}

/// A draw request once read: panel size, the redraw's reason, the due date and the stage.
struct DrawRequest {
    k: u32,
    reason: Option<String>,
    due: chrono::NaiveDate,
    stage: i32,
}

fn read_draw_request(
    conn: &mut DbConn,
    ctx: &Ctx,
    design: &crate::service::calls::ScoringDesign,
    input: &AssignInput,
    training: bool,
) -> AppResult<DrawRequest> {
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
        None => crate::service::calendar::load(conn)?
            .add_working_days(today, 10)
            .map_err(crate::service::calendar::missing)?,
        Some(d) => match crate::domain::text::date(d) {
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
    Ok(DrawRequest { k, reason, due, stage })
}

/// A first draw happens after the deadline (stage 0) or once a stage's shortlist is set; a redraw
/// during review needs a reason and must come before the next stage's shortlist.
fn check_draw_phase(conn: &mut DbConn, ctx: &Ctx, call: &db::calls::CallRow, r: &DrawRequest) -> AppResult<()> {
    let redraw = db::review::active_draw(conn, call.id, r.stage)?.is_some();
    if redraw && !db::stages::shortlist(conn, call.id, r.stage + 1)?.is_empty() {
        return Err(Code::StageClosed.says("该阶段已确定下一阶段的入围名单，不能重新抽取专家"));
    }
    match call.phase(ctx.now) {
        Phase::Screening if r.stage == 0 => Ok(()),
        Phase::Review if redraw && r.reason.is_none() => {
            Err(AppError::invalid_field("reason", "reason_required", "重新抽取须说明理由（原抽取结果会保留）"))
        }
        Phase::Review if redraw || r.stage > 0 => Ok(()),
        p if p.past_deadline() => Err(Code::WrongPhase.says("评审结果已确定，不能再抽取专家")),
        Phase::Screening => Err(Code::WrongPhase.says("请先完成上一阶段评审并确定入围名单")),
        _ => Err(Code::CallNotClosed.says("申报截止后才能抽取评审专家")),
    }
}

/// The stage's bids with their organisations' codes: every eligible bid for the first stage,
/// the shortlist for later ones.
fn bids_to_review(conn: &mut DbConn, call_id: i64, stage: i32) -> AppResult<Vec<BidToReview>> {
    let mut bids = db::bids::list(conn, &db::bids::BidFilter::of_call(call_id, vec!["eligible"]))?;
    if stage > 0 {
        let on: BTreeSet<i64> = db::stages::shortlist(conn, call_id, stage)?.into_iter().map(|r| r.bid_id).collect();
        if on.is_empty() {
            return Err(AppError::from(Code::NoShortlist));
        }
        bids.retain(|b| on.contains(&b.id));
    }
    if bids.is_empty() {
        return Err(AppError::from(Code::NoEligibleBids));
    }
    let org_ids: Vec<i64> = bids.iter().map(|b| b.organisation_id).collect();
    // One query; a failed read stops the draw (a missing code would hide a conflict).
    let usccs: HashMap<i64, String> = db::organisations::usccs_of(conn, &org_ids)?.into_iter().collect();
    bids.iter()
        .map(|b| match usccs.get(&b.organisation_id) {
            Some(u) => Ok(BidToReview { id: b.id, org_uscc: u.clone(), declined: BTreeSet::new() }),
            None => Err(AppError::internal(format!("organisation {} of bid {} is missing", b.organisation_id, b.id))),
        })
        .collect()
}

/// Draws the panels for every eligible bid of the call (`POST /api/v1/calls/{id}/assignments`).
pub fn assign(conn: &mut DbConn, ctx: &Ctx, call_id: i64, input: &AssignInput, training: bool) -> AppResult<DrawView> {
    let by = crate::service::calls::runner(conn, ctx, call_id)?.id;
    let design = crate::service::calls::scoring_design(conn, call_id)?;
    let r = read_draw_request(conn, ctx, &design, input, training)?;
    let call = db::calls::find(conn, call_id)?.ok_or_else(AppError::not_found)?;
    check_draw_phase(conn, ctx, &call, &r)?;
    let to_review = bids_to_review(conn, call_id, r.stage)?;
    let experts = expert_pool(conn)?;
    let seed = input.seed.unwrap_or_else(|| rand::rngs::OsRng.next_u64());
    let panels = draw::draw(&to_review, &experts, r.k as usize, seed).map_err(|e| match e {
        draw::DrawError::NotEnoughReviewers { bid_id, available, needed } => Code::NotEnoughReviewers
            .says(format!("项目 {bid_id} 只有 {available} 名无利益冲突的评审专家，不足 {needed} 名")),
    })?;
    let (DrawRequest { k, reason, due, stage }, now) = (r, db_time(ctx.now));
    db::write_tx(conn, |c| {
        let draw = db::review::NewDraw {
            call_id,
            stage,
            seed: &seed.to_string(),
            reviewers_per_bid: k as i32,
            reason: reason.as_deref(),
            due_on: Some(due),
            created_by: by,
            created_at: now,
        };
        let draw_id = db::review::insert_draw(c, &draw)?;
        let mut n = 0;
        let mut load: BTreeMap<i64, usize> = BTreeMap::new();
        for (bid, panel) in &panels {
            for r in panel {
                let seat = db::review::NewAssignment {
                    draw_id,
                    stage,
                    call_id,
                    bid_id: *bid,
                    reviewer_id: *r,
                    replacement_no: 0,
                    created_at: now,
                };
                db::review::insert_assignment(c, seat)?;
                *load.entry(*r).or_insert(0) += 1;
                n += 1;
            }
        }
        db::calls::set_status(c, call_id, &[CallStatus::Open, CallStatus::Review], CallStatus::Review)?;
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

#[derive(Deserialize, Clone, utoipa::ToSchema)]
pub struct ReplaceInput {
    /// The reviewer who takes over this assignment.
    pub reviewer_id: i64,
    pub reason: Option<String>,
}

/// Staff swap a reviewer by hand (with a reason): the new reviewer must be in the expert pool,
/// not in conflict and not already on the bid's panel.
pub fn replace(conn: &mut DbConn, ctx: &Ctx, id: i64, input: &ReplaceInput) -> AppResult<()> {
    ctx.require(&[Role::Staff])?;
    let mut p = Problems::default();
    let reason = p.take("reason", text::paragraph(input.reason.as_deref().unwrap_or(""), 500), |e| {
        (e.code().into(), e.message())
    });
    let x = db::review::find(conn, id)?.ok_or_else(AppError::not_found)?;
    crate::service::calls::runner(conn, ctx, x.call_id)?;
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
    if !matches!(AssignmentStatus::parse(&x.status), Some(Assigned | Accepted)) {
        return Err(Code::WrongStatus.says("已提交或已回避的评审任务不能更换专家"));
    }
    let reason = reason.unwrap_or_default();
    db::write_tx(conn, |c| {
        if !db::calls::hold_status(c, x.call_id, CallStatus::Review)? {
            return Err(Code::WrongPhase.says("只能在专家评审阶段更换专家"));
        }
        if db::review::set_status(c, id, &[Assigned, Accepted], Replaced, Some(&reason))? != 1 {
            return Err(Code::WrongStatus.says("状态已变化，请刷新"));
        }
        let seat = db::review::NewAssignment::refill(&x, input.reviewer_id, x.replacement_no, db_time(ctx.now));
        let new_id = db::review::insert_assignment(c, seat)?;
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
    let cal = crate::service::calendar::load(conn)?;
    let mut sent = 0;
    for (x, due) in db::review::open_with_due(conn)? {
        let after = today > due;
        let before = !after
            && match cal.working_days_between(today, due) {
                Ok(n) => n <= 2,
                Err(e) => {
                    tracing::warn!(assignment = x.id, year = e.0, "reminder skipped: calendar not loaded");
                    false
                }
            };
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

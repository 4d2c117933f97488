//! Scoring: a reviewer's draft and submitted review, staff reopening and overrides.

use super::*;
use crate::domain::state::BidStatus;
use crate::domain::state::{AssignmentStatus, CallStatus};
use crate::error::Code;

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
    AppError::from(Code::ScoresFrozen)
}

/// (criterion, score in hundredths, comment) per scored criterion; a submission scores them all.
fn read_scores(
    p: &mut Problems,
    (crit, names): (&[scoring::Criterion], &HashMap<String, String>),
    input: &ReviewInput,
) -> Vec<(String, i64, String)> {
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
        for c in crit {
            if !scores.iter().any(|(k, _, _)| *k == c.key) {
                p.add(
                    "scores",
                    "criterion_missing",
                    format!("提交前请为每一项打分（缺少：{}）", names.get(&c.key).unwrap_or(&c.key)),
                );
            }
        }
    }
    scores
}

/// Saves a draft of the review or submits it (`PUT /api/v1/assignments/{id}/review`).
pub fn save_review(conn: &mut DbConn, ctx: &Ctx, id: i64, input: &ReviewInput) -> AppResult<ReviewView> {
    let (x, _) = own(conn, ctx, id)?;
    let call = db::calls::find(conn, x.call_id)?.ok_or_else(AppError::not_found)?;
    if call.phase(ctx.now) != Phase::Review {
        return Err(scores_frozen());
    }
    match AssignmentStatus::parse(&x.status) {
        Some(AssignmentStatus::Accepted) => {}
        Some(AssignmentStatus::Assigned) => return Err(AppError::from(Code::NotAccepted)),
        Some(AssignmentStatus::Submitted) => return Err(AppError::from(Code::ReviewLocked)),
        _ => return Err(AppError::not_found()),
    }
    let crit = rubric(conn, x.call_id, x.stage)?;
    let names: HashMap<String, String> =
        db::calls::criteria_of_stage(conn, x.call_id, x.stage)?.into_iter().map(|k| (k.key, k.name)).collect();
    let mut p = Problems::default();
    let scores = read_scores(&mut p, (&crit, &names), input);
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
        if !db::calls::hold_status(c, x.call_id, CallStatus::Review)? {
            return Err(scores_frozen());
        }
        if !db::review::hold_accepted(c, id)? {
            return Err(AppError::from(Code::ReviewLocked));
        }
        db::review::save_scores(c, id, &scores, &comment)?;
        if input.submit {
            if db::review::mark_submitted(c, id, now, &total.to_string(), first_score)? != 1 {
                return Err(Code::ReviewLocked.says("评分已提交"));
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
    let by = crate::service::calls::runner(conn, ctx, call_id)?.id;
    let reason = text::paragraph(input.reason.as_deref().unwrap_or(""), 1000)
        .map_err(|e| AppError::invalid_field("reason", e.code(), format!("调整理由：{}", e.message())))?;
    let call = db::calls::find(conn, call_id)?.ok_or_else(AppError::not_found)?;
    if call.phase(ctx.now) != Phase::Review {
        return Err(Code::WrongPhase.says("只能在专家评审阶段、确定结果之前调整"));
    }
    let bid = db::bids::find(conn, input.bid_id)?
        .filter(|b| b.call_id == call_id && BidStatus::Eligible.is(&b.status))
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
    ctx.require(&[Role::Staff])?;
    let reason = text::paragraph(input.reason.as_deref().unwrap_or(""), 500)
        .map_err(|e| AppError::invalid_field("reason", e.code(), format!("理由：{}", e.message())))?;
    let x = db::review::find(conn, id)?.ok_or_else(AppError::not_found)?;
    crate::service::calls::runner(conn, ctx, x.call_id)?;
    let call = db::calls::find(conn, x.call_id)?.ok_or_else(AppError::not_found)?;
    if call.phase(ctx.now) != Phase::Review {
        return Err(Code::WrongPhase.says("只能在专家评审阶段重新开放评分"));
    }
    // A stage whose shortlist into the next is drawn up is over: its scores put bids there.
    if !db::stages::shortlist(conn, x.call_id, x.stage + 1)?.is_empty() {
        return Err(Code::StageClosed.says("该阶段已确定下一阶段的入围名单，评分已锁定"));
    }
    // An on-site score is announced in the room once the whole panel has scored: it stays.
    let defence = crate::service::calls::scoring_design(conn, x.call_id)?
        .stages
        .iter()
        .any(|s| s.position == x.stage && s.kind == crate::domain::stages::StageKind::Defence.as_str());
    if defence && crate::service::stages::panel_complete(conn, x.call_id, x.stage, x.bid_id)? {
        return Err(AppError::from(Code::ScoreAnnounced));
    }
    db::write_tx(conn, |c| {
        if !db::calls::hold_status(c, x.call_id, CallStatus::Review)? {
            return Err(scores_frozen());
        }
        if db::review::set_status(c, id, &[AssignmentStatus::Submitted], AssignmentStatus::Accepted, None)? != 1 {
            return Err(AppError::from(Code::NotSubmitted));
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

//! Scores read, never written: each stage's submitted reviews, every bid's final score (the
//! single stage's, or the weighted stages plus the bonus), and the ranking per pool with the
//! recommended allocation — or, once decided, the allocation the notice published.

use super::Ctx;
use crate::db::{self, DbConn};
use crate::domain::account::Role;
use crate::domain::allocation::{self, Candidate, CategoryQuota};
use crate::domain::call::Phase;
use crate::domain::scoring::{self, ById, Criterion};
use crate::domain::state::BidStatus;
use crate::domain::Money;
use crate::error::{AppError, AppResult, Code};
use rust_decimal::Decimal;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap};

pub(crate) fn rubric(conn: &mut DbConn, call_id: i64, stage: i32) -> AppResult<Vec<Criterion>> {
    Ok(db::calls::criteria_of_stage(conn, call_id, stage)?
        .into_iter()
        .map(|k| Criterion { key: k.key, weight: k.weight as u32, max_score: Decimal::new(k.max_score, 2) })
        .collect())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RankingRow {
    pub rank: usize,
    pub bid_id: i64,
    pub reference: Option<String>,
    pub title: String,
    pub organisation: String,
    pub category: Option<String>,
    /// Final score, or null with fewer than 3 reviews.
    pub score: Option<String>,
    pub reviews: usize,
    /// Max − min of the reviewer totals (a signal, never used for ranking).
    pub spread: Option<String>,
    /// The spread exceeds 20 points: worth discussing.
    pub spread_flag: bool,
    /// Mean of the reviewers' standardised totals (each reviewer against their own scoring
    /// across the call): a signal beside the official score, never used for ranking.
    pub normalised: Option<String>,
    pub requested_amount: Money,
    pub approved_amount: Option<Money>,
    pub recommended: bool,
    pub outcome: &'static str,
    pub outcome_label: &'static str,
    pub running_total: Money,
    pub override_reason: Option<String>,
    /// Per scoring stage (empty for a single-stage call); `score` is then their weighted sum
    /// plus `bonus`.
    pub stage_scores: Vec<StageScore>,
    /// Bonus points for matching funds, when the call awards them (already in `score`).
    pub bonus: Option<String>,
    /// Bonus points for the applicant's rating (等级) when the call closed, when the call awards
    /// them (already in `score`).
    pub rating_bonus: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct StageScore {
    pub stage: String,
    pub name: String,
    pub weight: i32,
    /// The stage's score (trimmed mean of its panel), or null with fewer than 3 reviews.
    pub score: Option<String>,
    pub reviews: usize,
}

/// Every stage's review statistics, who went on to each later stage, and each bid's final score.
pub struct StageScores {
    /// The first (written) stage's statistics: the signals and the tie-break.
    pub first: ById<scoring::BidStats>,
    /// Per stage: statistics, the bids in it (shortlisted), and its weight.
    pub per_stage: Vec<(ById<scoring::BidStats>, BTreeSet<i64>, u32)>,
    /// Final score per bid: the single stage's, or the weighted sum plus bonus.
    pub total: ById<Option<Decimal>>,
    /// The rating bonus per bid, when the call awards one (already in `total`).
    pub rating: ById<Decimal>,
}

/// The bids in `statuses` (pools within `scope`) and their scores: one read of the submitted
/// totals per stage, no per-bid queries. With many reviews the first stage's statistics (a
/// z-score per review) are computed on a second thread while the bids are read: at 100,000 bids
/// those are the two largest parts of the ranking.
pub fn scored_bids(
    conn: &mut DbConn,
    call_id: i64,
    statuses: &[&str],
    scope: Option<&str>,
    design: &super::calls::ScoringDesign,
) -> AppResult<(Vec<db::bids::RankBid>, StageScores)> {
    const ON_A_THREAD: usize = 20_000;
    let reviews = submitted_reviews(conn, call_id, 0)?;
    let (first, bids) = side_by_side(
        reviews.len() >= ON_A_THREAD,
        || scoring::bid_stats(&reviews),
        || db::bids::ranking_rows(conn, call_id, statuses, scope),
    )?;
    let bids = bids?;
    let scores = stage_scores(conn, call_id, design, &bids, first)?;
    Ok((bids, scores))
}

/// `side` and `main`: on a second thread beside this one when `parallel`, else one after the
/// other. A panic in `side` is an internal error, not a crash of the request's thread.
fn side_by_side<S: Send, M>(
    parallel: bool,
    side: impl FnOnce() -> S + Send,
    main: impl FnOnce() -> M,
) -> AppResult<(S, M)> {
    if !parallel {
        return Ok((side(), main()));
    }
    std::thread::scope(|s| {
        let side = s.spawn(side);
        let main = main();
        let side = side.join().map_err(|_| AppError::internal("side thread panicked"))?;
        Ok((side, main))
    })
}

/// Every stage's statistics from the first stage's (`first`), who went on to each later stage,
/// and each bid's final score.
fn stage_scores(
    conn: &mut DbConn,
    call_id: i64,
    design: &super::calls::ScoringDesign,
    bids: &[db::bids::RankBid],
    first: ById<scoring::BidStats>,
) -> AppResult<StageScores> {
    let mut per_stage = Vec::new();
    for st in &design.stages {
        let stats = if st.position == 0 {
            first.clone()
        } else {
            scoring::bid_stats(&submitted_reviews(conn, call_id, st.position)?)
        };
        let on: BTreeSet<i64> = if st.position == 0 {
            bids.iter().map(|b| b.id).collect()
        } else {
            db::stages::shortlist(conn, call_id, st.position)?.into_iter().map(|r| r.bid_id).collect()
        };
        per_stage.push((stats, on, st.weight as u32));
    }
    let rating = rating_bonuses(conn, call_id, design, bids)?;
    let total = bids
        .iter()
        .map(|b| {
            let base = if per_stage.is_empty() {
                first.get(&b.id).and_then(|s| s.score)
            } else {
                let parts: Vec<(u32, Option<Decimal>)> = per_stage
                    .iter()
                    .map(|(st, on, w)| (*w, on.contains(&b.id).then(|| st.get(&b.id).and_then(|s| s.score)).flatten()))
                    .collect();
                crate::domain::stages::composite(&parts)
            };
            let bonus = design.bonus.as_ref().map_or(Decimal::ZERO, |(_, bo)| bo.points(b.matching));
            let rated = rating.get(&b.id).copied().unwrap_or(Decimal::ZERO);
            (b.id, base.map(|s| s + bonus + rated))
        })
        .collect();
    Ok(StageScores { first, per_stage, total, rating })
}

/// The rating bonus of each bid: the applicant's rating in force on the call's closing day
/// under the call's `rating_bonus` table (one read of every applicant's standing).
fn rating_bonuses(
    conn: &mut DbConn,
    call_id: i64,
    design: &super::calls::ScoringDesign,
    bids: &[db::bids::RankBid],
) -> AppResult<ById<Decimal>> {
    let e = &design.eligibility;
    if e.rating_bonus.is_empty() || bids.is_empty() {
        return Ok(ById::default());
    }
    let call = db::calls::find(conn, call_id)?.ok_or_else(crate::error::AppError::not_found)?;
    let day = crate::clock::local_date(call.closes_at.and_utc());
    // One read for every applicant, grouped once: each organisation's bonus is worked out once,
    // however many bids it has.
    let mut by_org: ById<Vec<db::standing::StandingRow>> = ById::default();
    for r in db::standing::of_applicants(conn, call_id)? {
        by_org.entry(r.organisation_id).or_default().push(r);
    }
    let bonus: ById<Decimal> = by_org
        .iter()
        .map(|(org, rows)| (*org, crate::domain::standing::rating_bonus(e, &super::standing::records(rows), day)))
        .collect();
    let none = crate::domain::standing::rating_bonus(e, &[], day);
    Ok(bids.iter().map(|b| (b.id, bonus.get(&b.organisation_id).copied().unwrap_or(none))).collect())
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RankingPool {
    pub pool_id: i64,
    pub name: String,
    pub budget: Money,
    pub allocated: Money,
    pub rows: Vec<RankingRow>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RankingView {
    pub call_id: i64,
    pub score_threshold: Money,
    pub pools: Vec<RankingPool>,
}

/// The call's submitted reviews with their totals. Reviews carry the total written at
/// submission; any without one (submitted before totals were stored) is totalled from its scores.
pub fn stage_reviews(conn: &mut DbConn, call_id: i64, stage: i32) -> AppResult<Vec<scoring::ReviewTotal>> {
    submitted_reviews(conn, call_id, stage)
}

fn submitted_reviews(conn: &mut DbConn, call_id: i64, stage: i32) -> AppResult<Vec<scoring::ReviewTotal>> {
    let crit = &rubric(conn, call_id, stage)?;
    let mut out = Vec::new();
    let mut untotalled = std::collections::HashSet::new();
    db::review::submitted_totals(conn, call_id, stage, |(bid, asg, reviewer, total, first)| {
        match (total.and_then(|t| t.parse::<Decimal>().ok()), first) {
            (Some(total), Some(f)) => {
                out.push(scoring::ReviewTotal { bid, reviewer, total, first: Decimal::new(f, 2) })
            }
            _ => {
                untotalled.insert(asg);
            }
        }
    })?;
    if !untotalled.is_empty() {
        let mut per_assignment: HashMap<i64, (i64, i64, HashMap<String, i64>)> = HashMap::new();
        for (bid, asg, reviewer, k, s) in db::review::submitted_scores(conn, call_id, stage)? {
            if untotalled.contains(&asg) {
                per_assignment.entry(asg).or_insert_with(|| (bid, reviewer, HashMap::new())).2.insert(k, s);
            }
        }
        for (bid, reviewer, scores) in per_assignment.into_values() {
            let v: Vec<Decimal> =
                crit.iter().map(|c| Decimal::new(scores.get(&c.key).copied().unwrap_or(0), 2)).collect();
            let first = v.first().copied().unwrap_or(Decimal::ZERO);
            out.push(scoring::ReviewTotal { bid, reviewer, total: scoring::reviewer_total(crit, &v), first });
        }
    }
    Ok(out)
}

/// Per pool: the ranking and the recommended allocation (`GET /api/v1/calls/{id}/ranking`).
/// Staff and finance only, and only after `closes_at`.
pub fn ranking(conn: &mut DbConn, ctx: &Ctx, call_id: i64) -> AppResult<RankingView> {
    let a = ctx.require(&[Role::Staff, Role::Finance])?.clone();
    let call = db::calls::find(conn, call_id)?.ok_or_else(AppError::not_found)?;
    if call.phase(ctx.now).bids_sealed() {
        return Err(Code::BidsSealed.says("申报截止前不显示排名"));
    }
    let design = super::calls::scoring_design(conn, call_id)?;
    let (bids, scores) = scored_bids(conn, call_id, &BidStatus::SCREENED_IN, a.region_scope(), &design)?;
    let overrides: HashMap<i64, (bool, String)> =
        db::review::overrides(conn, call_id)?.into_iter().map(|(b, f, r)| (b, (f, r))).collect();
    let candidates: Vec<Candidate> = bids.iter().map(|b| candidate(b, &scores, &overrides)).collect();
    let pools: Vec<db::calls::PoolRow> =
        db::calls::pools_of(conn, &[call_id])?.into_iter().filter(|p| a.in_scope(&p.region_code)).collect();
    let budgets: Vec<(i64, i64)> = pools.iter().map(|p| (p.id, p.budget)).collect();
    let quotas = quotas_of(conn, call_id)?;
    let mut result = allocation::allocate(candidates, &budgets, Decimal::new(call.score_threshold, 2), &quotas);
    // A decided call shows the decision the notice published, whatever happened since.
    if matches!(call.phase(ctx.now), Phase::Notice | Phase::Final) {
        if let Some(rec) = super::decision::recorded(conn, call_id)? {
            result = allocation::as_decided(result, &rec.into_iter().map(decided_row).collect::<Vec<_>>());
        }
    }
    let mut rows = RowSources {
        ids: bids.iter().map(|b| b.id).collect(),
        taken: vec![false; bids.len()],
        bids,
        design: &design,
        scores: &scores,
        overrides: &overrides,
    };
    let pools_out = result
        .into_iter()
        .map(|r| RankingPool {
            pool_id: r.pool_id,
            name: pools.iter().find(|p| p.id == r.pool_id).map(|p| p.name.clone()).unwrap_or_default(),
            budget: Money::from_fen(r.budget_fen),
            allocated: Money::from_fen(r.allocated_fen),
            rows: r.rows.into_iter().filter_map(|x| rows.row(x)).collect(),
        })
        .collect();
    Ok(RankingView { call_id, score_threshold: Money::from_fen(call.score_threshold), pools: pools_out })
}

fn candidate(b: &db::bids::RankBid, scores: &StageScores, overrides: &HashMap<i64, (bool, String)>) -> Candidate {
    Candidate {
        bid_id: b.id,
        pool_id: b.pool_id,
        category: b.category.clone(),
        score: scores.total.get(&b.id).copied().flatten(),
        first_criterion: scores.first.get(&b.id).map_or(Decimal::ZERO, |s| s.first_mean),
        submitted_seq: b.seq.unwrap_or(i64::MAX),
        approved_fen: b.approved,
        staff_override: overrides.get(&b.id).map(|o| o.0),
    }
}

fn quotas_of(conn: &mut DbConn, call_id: i64) -> AppResult<Vec<CategoryQuota>> {
    Ok(db::calls::categories_of(conn, call_id)?
        .into_iter()
        .map(|k| CategoryQuota {
            key: k.key,
            max_projects: k.max_projects.map(|n| n as u32),
            max_amount_fen: k.max_amount,
            call_wide: k.scope == "call",
        })
        .collect())
}

fn decided_row(d: super::decision::Decided) -> allocation::DecidedRow {
    allocation::DecidedRow {
        pool_id: d.pool_id,
        bid_id: d.bid_id,
        score: d.score.and_then(|s| s.parse().ok()),
        amount_fen: d.amount,
        outcome: allocation::Outcome::from_code(&d.outcome).unwrap_or(allocation::Outcome::NoScore),
    }
}

/// What a ranking row is drawn from besides the allocation's verdict.
struct RowSources<'a> {
    /// By id (as read); each bid's strings move into its row as the row is made.
    bids: Vec<db::bids::RankBid>,
    /// Their ids alone, searched instead of `bids` (a few hundred KB stay in cache; searching
    /// the bids themselves missed it at every step and was most of building the rows).
    ids: Vec<i64>,
    /// Whose row has been made.
    taken: Vec<bool>,
    design: &'a super::calls::ScoringDesign,
    scores: &'a StageScores,
    overrides: &'a HashMap<i64, (bool, String)>,
}

impl RowSources<'_> {
    fn row(&mut self, x: allocation::Ranked) -> Option<RankingRow> {
        let at = self.ids.binary_search(&x.candidate.bid_id).ok()?;
        // Each bid gives one row, its strings moved into it.
        if std::mem::replace(&mut self.taken[at], true) {
            return None;
        }
        let b = &mut self.bids[at];
        let (reference, title, organisation, category) =
            (b.reference.take(), std::mem::take(&mut b.title), std::mem::take(&mut b.organisation), b.category.take());
        let b = &self.bids[at];
        let st = self.scores.first.get(&b.id);
        // A bid that did not go on to a later stage has no final score: say why.
        let cut = x.outcome == allocation::Outcome::NoScore
            && self.scores.per_stage.iter().skip(1).any(|(_, on, _)| !on.contains(&b.id));
        Some(RankingRow {
            rank: x.rank,
            bid_id: b.id,
            reference,
            title,
            organisation,
            category,
            score: x.candidate.score.map(scoring::two_places),
            reviews: st.map_or(0, |s| s.reviews),
            spread: st.and_then(|s| s.spread).map(scoring::two_places),
            spread_flag: st.is_some_and(|s| s.spread_flagged()),
            normalised: st.map(|s| scoring::two_places(s.normalised)),
            requested_amount: Money::from_fen(b.requested),
            approved_amount: x.candidate.approved_fen.map(Money::from_fen),
            recommended: x.outcome.recommended(),
            outcome: if cut { "not_shortlisted" } else { x.outcome.code() },
            outcome_label: if cut { "未入围下一评审阶段" } else { x.outcome.label() },
            stage_scores: self.stage_scores(b.id),
            bonus: self.design.bonus.as_ref().map(|(_, bo)| format!("{:.2}", bo.points(b.matching))),
            rating_bonus: (!self.design.eligibility.rating_bonus.is_empty())
                .then(|| format!("{:.2}", self.scores.rating.get(&b.id).copied().unwrap_or(Decimal::ZERO))),
            running_total: Money::from_fen(x.running_total_fen),
            override_reason: self.overrides.get(&b.id).map(|o| o.1.clone()),
        })
    }

    fn stage_scores(&self, bid: i64) -> Vec<StageScore> {
        self.design
            .stages
            .iter()
            .zip(&self.scores.per_stage)
            .map(|(d, (st, _, _))| StageScore {
                stage: d.key.clone(),
                name: d.name.clone(),
                weight: d.weight,
                score: st.get(&bid).and_then(|s| s.score).map(scoring::two_places),
                reviews: st.get(&bid).map_or(0, |s| s.reviews),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reviews() -> Vec<scoring::ReviewTotal> {
        (0..600i64)
            .map(|i| scoring::ReviewTotal {
                bid: i / 5,
                reviewer: i % 7,
                total: Decimal::new(6000 + (i * 37) % 4000, 2),
                first: Decimal::new(5000 + (i * 13) % 5000, 2),
            })
            .collect()
    }

    #[test]
    fn statistics_beside_the_read_equal_those_after_it() {
        let r = reviews();
        let (inline, a) = side_by_side(false, || scoring::bid_stats(&r), || 7).unwrap();
        let (threaded, b) = side_by_side(true, || scoring::bid_stats(&r), || 7).unwrap();
        assert_eq!((a, b), (7, 7));
        assert_eq!(inline.len(), 120);
        assert_eq!(inline, threaded);
    }

    #[test]
    fn a_panic_beside_is_an_error_not_a_crash() {
        let r: AppResult<((), i32)> = side_by_side(true, || panic!("boom"), || 1);
        assert!(r.is_err());
    }
}

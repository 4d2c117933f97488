//! Ranking within each pool and the recommended allocation: going down the ranking, a bid is
//! recommended when its score meets the threshold and its approved amount fits what is left of
//! its pool (and of its category's quota, if any); a bid that does not fit is skipped and the
//! next one tried. Staff overrides carry a reason and still never overrun a pool.

use rust_decimal::Decimal;
use std::cmp::Ordering;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub bid_id: i64,
    pub pool_id: i64,
    pub category: Option<String>,
    /// Final score; `None` when the bid has too few reviews.
    pub score: Option<Decimal>,
    /// Mean score on the first criterion: the first tie-break.
    pub first_criterion: Decimal,
    /// Submission order (reference sequence): the second tie-break, earlier first.
    pub submitted_seq: i64,
    /// Finance's approved amount in fen; `None` when not yet reviewed.
    pub approved_fen: Option<i64>,
    /// Staff override: `Some(true)` fund (still within the pool), `Some(false)` do not fund.
    pub staff_override: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CategoryQuota {
    pub key: String,
    pub max_projects: Option<u32>,
    pub max_amount_fen: Option<i64>,
    /// Limits hold within each pool (`false`) or across the whole call (`true`).
    pub call_wide: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Recommended,
    /// Recommended because staff overrode the threshold (with a reason, recorded elsewhere).
    RecommendedByOverride,
    NoScore,
    BelowThreshold,
    NotReviewedByFinance,
    DoesNotFitPool,
    CategoryProjectsFull,
    CategoryAmountFull,
    ExcludedByOverride,
}

impl Outcome {
    pub fn recommended(self) -> bool {
        matches!(self, Outcome::Recommended | Outcome::RecommendedByOverride)
    }
    pub fn code(self) -> &'static str {
        match self {
            Outcome::Recommended => "recommended",
            Outcome::RecommendedByOverride => "recommended_by_override",
            Outcome::NoScore => "no_score",
            Outcome::BelowThreshold => "below_threshold",
            Outcome::NotReviewedByFinance => "not_reviewed_by_finance",
            Outcome::DoesNotFitPool => "does_not_fit_pool",
            Outcome::CategoryProjectsFull => "category_projects_full",
            Outcome::CategoryAmountFull => "category_amount_full",
            Outcome::ExcludedByOverride => "excluded_by_override",
        }
    }
    /// The outcome a code names (as the decision record stores it); a bid cut at a shortlist
    /// was recorded as `not_shortlisted` and has no score.
    pub fn from_code(code: &str) -> Option<Outcome> {
        Some(match code {
            "recommended" => Outcome::Recommended,
            "recommended_by_override" => Outcome::RecommendedByOverride,
            "no_score" | "not_shortlisted" => Outcome::NoScore,
            "below_threshold" => Outcome::BelowThreshold,
            "not_reviewed_by_finance" => Outcome::NotReviewedByFinance,
            "does_not_fit_pool" => Outcome::DoesNotFitPool,
            "category_projects_full" => Outcome::CategoryProjectsFull,
            "category_amount_full" => Outcome::CategoryAmountFull,
            "excluded_by_override" => Outcome::ExcludedByOverride,
            _ => return None,
        })
    }
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Recommended => "拟资助",
            Outcome::RecommendedByOverride => "拟资助（人工调整）",
            Outcome::NoScore => "评审不足 3 份，无得分",
            Outcome::BelowThreshold => "未达分数线",
            Outcome::NotReviewedByFinance => "未完成预算审核",
            Outcome::DoesNotFitPool => "资金池余额不足",
            Outcome::CategoryProjectsFull => "该类别项目数已满",
            Outcome::CategoryAmountFull => "该类别资金已满",
            Outcome::ExcludedByOverride => "不予资助（人工调整）",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranked {
    pub rank: usize,
    pub candidate: Candidate,
    pub outcome: Outcome,
    /// The pool's allocated total after this row (fen).
    pub running_total_fen: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolResult {
    pub pool_id: i64,
    pub budget_fen: i64,
    pub allocated_fen: i64,
    pub rows: Vec<Ranked>,
}

/// Ranking order: score (none last), then the first criterion, then earlier submission.
pub fn rank_order(a: &Candidate, b: &Candidate) -> Ordering {
    match (a.score, b.score) {
        (Some(x), Some(y)) => y.cmp(&x),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    }
    .then_with(|| b.first_criterion.cmp(&a.first_criterion))
    .then_with(|| a.submitted_seq.cmp(&b.submitted_seq))
    .then_with(|| a.bid_id.cmp(&b.bid_id))
}

/// Ranks and allocates every pool. `pools` gives each pool's budget in fen. Linear after the
/// sort: O(n log n) for n bids.
pub fn allocate(
    mut candidates: Vec<Candidate>,
    pools: &[(i64, i64)],
    threshold: Decimal,
    quotas: &[CategoryQuota],
) -> Vec<PoolResult> {
    candidates.sort_by(rank_order);
    let mut by_pool: HashMap<i64, Vec<Candidate>> = HashMap::new();
    for c in candidates {
        by_pool.entry(c.pool_id).or_default().push(c);
    }
    // Category usage: (scope key, category) → (projects, fen). Call-wide quotas use pool 0.
    let mut used: HashMap<(i64, String), (u32, i64)> = HashMap::new();
    let quota_of = |k: &str| quotas.iter().find(|q| q.key == k);
    let mut out = Vec::with_capacity(pools.len());
    // Pools in the order given (district first by convention), so call-wide quotas fill in a
    // stable, explainable order.
    for &(pool_id, budget) in pools {
        let mut allocated = 0i64;
        let mut rows = Vec::new();
        for (i, c) in by_pool.remove(&pool_id).unwrap_or_default().into_iter().enumerate() {
            let fits_pool = |amount: i64| allocated.checked_add(amount).is_some_and(|t| t <= budget);
            let outcome = match (c.staff_override, c.score, c.approved_fen) {
                (Some(false), _, _) => Outcome::ExcludedByOverride,
                (_, _, None) => Outcome::NotReviewedByFinance,
                (Some(true), _, Some(a)) if !fits_pool(a) => Outcome::DoesNotFitPool,
                (Some(true), _, Some(_)) => Outcome::RecommendedByOverride,
                (None, None, _) => Outcome::NoScore,
                (None, Some(s), _) if s < threshold => Outcome::BelowThreshold,
                (None, Some(_), Some(a)) if !fits_pool(a) => Outcome::DoesNotFitPool,
                (None, Some(_), Some(a)) => match c.category.as_deref().and_then(quota_of) {
                    Some(q) => {
                        let scope = if q.call_wide { 0 } else { pool_id };
                        let (n, fen) = used.get(&(scope, q.key.clone())).copied().unwrap_or((0, 0));
                        if q.max_projects.is_some_and(|m| n >= m) {
                            Outcome::CategoryProjectsFull
                        } else if q.max_amount_fen.is_some_and(|m| fen + a > m) {
                            Outcome::CategoryAmountFull
                        } else {
                            Outcome::Recommended
                        }
                    }
                    None => Outcome::Recommended,
                },
            };
            if outcome.recommended() {
                let a = c.approved_fen.unwrap_or(0);
                allocated += a;
                if let Some(q) = c.category.as_deref().and_then(quota_of) {
                    let scope = if q.call_wide { 0 } else { pool_id };
                    let e = used.entry((scope, q.key.clone())).or_insert((0, 0));
                    e.0 += 1;
                    e.1 += a;
                }
            }
            rows.push(Ranked { rank: i + 1, candidate: c, outcome, running_total_fen: allocated });
        }
        out.push(PoolResult { pool_id, budget_fen: budget, allocated_fen: allocated, rows });
    }
    out
}

/// One bid as a decision recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecidedRow {
    pub pool_id: i64,
    pub bid_id: i64,
    pub score: Option<Decimal>,
    pub amount_fen: Option<i64>,
    pub outcome: Outcome,
}

/// A decided call's ranking is the decision's, not a fresh computation: each pool's rows in the
/// recorded order, with the recorded score, amount and outcome; ranks and running totals follow
/// from them. Bids the decision did not rank (none, normally) keep their place after it.
pub fn as_decided(live: Vec<PoolResult>, decided: &[DecidedRow]) -> Vec<PoolResult> {
    live.into_iter()
        .map(|p| {
            let mut pending: HashMap<i64, Ranked> = p.rows.into_iter().map(|r| (r.candidate.bid_id, r)).collect();
            let mut rows = Vec::with_capacity(pending.len());
            let mut allocated = 0i64;
            for d in decided.iter().filter(|d| d.pool_id == p.pool_id) {
                let Some(mut r) = pending.remove(&d.bid_id) else { continue };
                r.candidate.score = d.score;
                r.candidate.approved_fen = d.amount_fen;
                r.outcome = d.outcome;
                if d.outcome.recommended() {
                    allocated += d.amount_fen.unwrap_or(0);
                }
                r.rank = rows.len() + 1;
                r.running_total_fen = allocated;
                rows.push(r);
            }
            let mut rest: Vec<Ranked> = pending.into_values().collect();
            rest.sort_by_key(|r| r.rank);
            for mut r in rest {
                r.rank = rows.len() + 1;
                r.outcome = Outcome::NoScore;
                r.running_total_fen = allocated;
                rows.push(r);
            }
            PoolResult { pool_id: p.pool_id, budget_fen: p.budget_fen, allocated_fen: allocated, rows }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_decided_ranking_is_the_recorded_one() {
        let bids = vec![c(1, 1, Some(90), 60), c(2, 1, Some(85), 50), c(3, 1, Some(80), 40)];
        let live = allocate(bids.clone(), &[(1, 100)], Decimal::from(60), &[]);
        // Recorded: 2 first with its score then, 1 not funded (say a later objection), 3 funded.
        let rec = [
            DecidedRow {
                pool_id: 1,
                bid_id: 2,
                score: Some(Decimal::from(95)),
                amount_fen: Some(50),
                outcome: Outcome::Recommended,
            },
            DecidedRow {
                pool_id: 1,
                bid_id: 1,
                score: Some(Decimal::from(90)),
                amount_fen: Some(60),
                outcome: Outcome::DoesNotFitPool,
            },
            DecidedRow {
                pool_id: 1,
                bid_id: 3,
                score: Some(Decimal::from(80)),
                amount_fen: Some(40),
                outcome: Outcome::Recommended,
            },
        ];
        let r = &as_decided(live, &rec)[0];
        assert_eq!(
            outcomes(r),
            vec![(2, Outcome::Recommended), (1, Outcome::DoesNotFitPool), (3, Outcome::Recommended)]
        );
        assert_eq!(
            r.rows.iter().map(|x| (x.rank, x.running_total_fen)).collect::<Vec<_>>(),
            vec![(1, 50), (2, 50), (3, 90)]
        );
        assert_eq!((r.allocated_fen, r.rows[0].candidate.score), (90, Some(Decimal::from(95))));
        for o in
            [Outcome::Recommended, Outcome::CategoryAmountFull, Outcome::ExcludedByOverride, Outcome::BelowThreshold]
        {
            assert_eq!(Outcome::from_code(o.code()), Some(o));
        }
        assert_eq!(Outcome::from_code("not_shortlisted"), Some(Outcome::NoScore));
        assert_eq!(Outcome::from_code("nonsense"), None);
    }

    fn c(id: i64, pool: i64, score: Option<i64>, approved: i64) -> Candidate {
        Candidate {
            bid_id: id,
            pool_id: pool,
            category: None,
            score: score.map(Decimal::from),
            first_criterion: Decimal::ZERO,
            submitted_seq: id,
            approved_fen: Some(approved),
            staff_override: None,
        }
    }
    fn outcomes(r: &PoolResult) -> Vec<(i64, Outcome)> {
        r.rows.iter().map(|x| (x.candidate.bid_id, x.outcome)).collect()
    }

    #[test]
    fn skips_what_does_not_fit_and_tries_the_next() {
        let bids = vec![c(1, 1, Some(90), 60), c(2, 1, Some(85), 50), c(3, 1, Some(80), 40), c(4, 1, Some(70), 10)];
        let r = &allocate(bids, &[(1, 100)], Decimal::from(60), &[])[0];
        assert_eq!(
            outcomes(r),
            vec![
                (1, Outcome::Recommended),
                (2, Outcome::DoesNotFitPool),
                (3, Outcome::Recommended),
                (4, Outcome::DoesNotFitPool)
            ]
        );
        assert_eq!(r.allocated_fen, 100);
        assert_eq!(r.rows[2].running_total_fen, 100);
    }

    #[test]
    fn threshold_scores_and_finance() {
        let mut bids = vec![c(1, 1, Some(59), 10), c(2, 1, None, 10), c(3, 1, Some(60), 10)];
        bids.push(Candidate { approved_fen: None, ..c(4, 1, Some(99), 10) });
        let r = &allocate(bids, &[(1, 1000)], Decimal::from(60), &[])[0];
        assert_eq!(
            outcomes(r),
            vec![
                (4, Outcome::NotReviewedByFinance),
                (3, Outcome::Recommended),
                (1, Outcome::BelowThreshold),
                (2, Outcome::NoScore)
            ]
        );
    }

    #[test]
    fn ties_break_on_first_criterion_then_submission() {
        let mut a = c(1, 1, Some(80), 10);
        let mut b = c(2, 1, Some(80), 10);
        let d = c(3, 1, Some(80), 10);
        a.first_criterion = Decimal::from(15);
        b.first_criterion = Decimal::from(18);
        let r = &allocate(vec![a, b, d], &[(1, 1000)], Decimal::ZERO, &[])[0];
        let order: Vec<i64> = r.rows.iter().map(|x| x.candidate.bid_id).collect();
        assert_eq!(order, vec![2, 1, 3]);
        let mut late = c(5, 1, Some(80), 10);
        late.submitted_seq = 1;
        let early = Candidate { submitted_seq: 2, ..c(4, 1, Some(80), 10) };
        let r = &allocate(vec![early, late], &[(1, 1000)], Decimal::ZERO, &[])[0];
        assert_eq!(r.rows[0].candidate.bid_id, 5, "earlier submission first");
    }

    #[test]
    fn pools_are_separate() {
        let bids = vec![c(1, 1, Some(90), 100), c(2, 2, Some(95), 100), c(3, 2, Some(94), 100)];
        let r = allocate(bids, &[(1, 100), (2, 150)], Decimal::ZERO, &[]);
        assert_eq!(outcomes(&r[0]), vec![(1, Outcome::Recommended)]);
        assert_eq!(outcomes(&r[1]), vec![(2, Outcome::Recommended), (3, Outcome::DoesNotFitPool)]);
    }

    #[test]
    fn a_full_category_is_skipped_and_a_cheaper_other_category_funded() {
        let cat = |mut x: Candidate, k: &str| {
            x.category = Some(k.into());
            x
        };
        let bids = vec![
            cat(c(1, 1, Some(95), 30), "elderly"),
            cat(c(2, 1, Some(90), 30), "elderly"),
            cat(c(3, 1, Some(85), 20), "children"),
        ];
        let quotas = vec![CategoryQuota {
            key: "elderly".into(),
            max_projects: Some(1),
            max_amount_fen: None,
            call_wide: false,
        }];
        let r = &allocate(bids, &[(1, 100)], Decimal::ZERO, &quotas)[0];
        assert_eq!(
            outcomes(r),
            vec![(1, Outcome::Recommended), (2, Outcome::CategoryProjectsFull), (3, Outcome::Recommended)]
        );
        let amount = vec![CategoryQuota {
            key: "elderly".into(),
            max_projects: None,
            max_amount_fen: Some(50),
            call_wide: true,
        }];
        let bids = vec![cat(c(1, 1, Some(95), 30), "elderly"), cat(c(2, 2, Some(90), 30), "elderly")];
        let r = allocate(bids, &[(1, 100), (2, 100)], Decimal::ZERO, &amount);
        assert_eq!(r[1].rows[0].outcome, Outcome::CategoryAmountFull, "call-wide amount spans pools");
    }

    #[test]
    fn overrides_never_overrun_the_pool() {
        let mut low = c(2, 1, Some(40), 50);
        low.staff_override = Some(true);
        let mut top = c(1, 1, Some(90), 60);
        top.staff_override = Some(false);
        let mut big = c(3, 1, Some(30), 80);
        big.staff_override = Some(true);
        let r = &allocate(vec![top, low, big], &[(1, 100)], Decimal::from(60), &[])[0];
        assert_eq!(
            outcomes(r),
            vec![(1, Outcome::ExcludedByOverride), (2, Outcome::RecommendedByOverride), (3, Outcome::DoesNotFitPool)]
        );
    }

    proptest! {
        #[test]
        fn never_over_budget(v in proptest::collection::vec((0i64..3, 0i64..100, 1i64..50), 0..60), budget in 0i64..500) {
            let bids: Vec<Candidate> = v.iter().enumerate().map(|(i, (p, s, a))| c(i as i64, *p, Some(*s), *a)).collect();
            let n = bids.len();
            let pools = [(0, budget), (1, budget), (2, budget)];
            let r = allocate(bids, &pools, Decimal::from(50), &[]);
            prop_assert_eq!(r.iter().map(|p| p.rows.len()).sum::<usize>(), n);
            for p in r {
                let sum: i64 = p.rows.iter().filter(|x| x.outcome.recommended()).map(|x| x.candidate.approved_fen.unwrap()).sum();
                prop_assert_eq!(sum, p.allocated_fen);
                prop_assert!(p.allocated_fen <= p.budget_fen);
            }
        }
    }
}

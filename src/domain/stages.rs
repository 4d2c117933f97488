//! Composite scoring in stages (e.g. 书面评审 60 + 现场答辩 40): each stage is scored on its own
//! rubric by its own panel and aggregated as a single-stage call is; the final score is the
//! weighted sum of the stage scores, plus capped bonus points by a published formula. A shortlist
//! between stages takes the top N of each pool, or all at or above a score. Exact `Decimal`.

use super::allocation::{rank_order, Candidate};
use super::scoring::round2;
use rust_decimal::Decimal;

/// Stages a call may have when it has any: two or three (written, then one or two more).
pub const MAX_STAGES: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StageKind {
    /// Scored on each reviewer's own time (书面评审).
    Written,
    /// Scored on site in a scheduled session (现场答辩/路演); a bid's stage score is announced in
    /// the room and locked once its whole panel has scored.
    Defence,
}

impl StageKind {
    pub fn parse(s: &str) -> Option<StageKind> {
        match s {
            "written" => Some(StageKind::Written),
            "defence" => Some(StageKind::Defence),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            StageKind::Written => "written",
            StageKind::Defence => "defence",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            StageKind::Written => "书面评审",
            StageKind::Defence => "现场答辩",
        }
    }
}

/// Why a set of stages cannot be published (codes for programs, Chinese for people).
pub fn stage_problems(weights: &[u32], rubric_weights: &[Vec<u32>]) -> Vec<(String, &'static str, String)> {
    let mut out = Vec::new();
    if weights.is_empty() {
        return out;
    }
    if !(2..=MAX_STAGES).contains(&weights.len()) {
        out.push(("stages".into(), "stage_count", format!("评审阶段应为 2–{MAX_STAGES} 个")));
    }
    let sum: u32 = weights.iter().sum();
    if sum != 100 || weights.contains(&0) {
        out.push(("stages".into(), "stage_weights_not_100", format!("各评审阶段权重合计应为 100，现为 {sum}")));
    }
    // Stage 0 is scored on the call's own criteria, checked with them.
    for (i, w) in rubric_weights.iter().enumerate().skip(1) {
        let s: u32 = w.iter().sum();
        if w.is_empty() || s != 100 {
            out.push((
                format!("stages[{i}].criteria"),
                "weights_not_100",
                format!("第 {} 阶段评分标准权重合计应为 100，现为 {s}", i + 1),
            ));
        }
    }
    out
}

/// The final score from the stage scores: Σ weight × score / 100, half-up to 2 places at the
/// end. `None` while any stage has no score (too few reviews, or not shortlisted).
pub fn composite(stages: &[(u32, Option<Decimal>)]) -> Option<Decimal> {
    let mut sum = Decimal::ZERO;
    for (w, s) in stages {
        sum += Decimal::from(*w) * (*s)?;
    }
    Some(round2(sum / Decimal::ONE_HUNDRED))
}

/// Bonus points for matching funds secured (配套资金): every full `unit_fen` earns `step`
/// points, up to `cap`. E.g. 1 point per 10,000.00 yuan, at most 10 points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bonus {
    pub unit_fen: i64,
    pub step: Decimal,
    pub cap: Decimal,
}

impl Bonus {
    pub fn points(&self, matching_fen: i64) -> Decimal {
        if self.unit_fen <= 0 || matching_fen <= 0 {
            return Decimal::ZERO;
        }
        (Decimal::from(matching_fen / self.unit_fen) * self.step).min(self.cap)
    }

    /// 「每落实配套资金 10,000.00 元加 1 分，最高 10 分」: the formula as the tender publishes it.
    pub fn formula(&self) -> String {
        format!(
            "每落实配套资金 {} 元加 {} 分，最高 {} 分",
            super::Money::from_fen(self.unit_fen).grouped(),
            self.step.normalize(),
            self.cap.normalize()
        )
    }
}

/// How the shortlist between stages is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShortlistRule {
    /// The first N of each pool's ranking of the earlier stage.
    TopPerPool(usize),
    /// Every bid scoring at least this in the earlier stage.
    MinScore(Decimal),
}

/// The bids that go on, in ranking order per pool, with their rank in the pool. Candidates
/// carry the earlier stage's score; bids without one never go on.
pub fn shortlist(mut candidates: Vec<Candidate>, rule: ShortlistRule) -> Vec<(i64, usize, Decimal)> {
    candidates.sort_by(|a, b| a.pool_id.cmp(&b.pool_id).then_with(|| rank_order(a, b)));
    let mut out = Vec::new();
    for pool in candidates.chunk_by(|a, b| a.pool_id == b.pool_id) {
        for (i, c) in pool.iter().enumerate() {
            let Some(score) = c.score else { continue };
            let take = match rule {
                ShortlistRule::TopPerPool(n) => i < n,
                ShortlistRule::MinScore(min) => score >= min,
            };
            if take {
                out.push((c.bid_id, i + 1, score));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn weighted_sum_is_exact_and_rounded_once() {
        // 60 % × 82.35 + 40 % × 90.17 = 49.41 + 36.068 = 85.478 → 85.48
        assert_eq!(composite(&[(60, Some(d("82.35"))), (40, Some(d("90.17")))]), Some(d("85.48")));
        // 33 × 70.01 + 33 × 80.01 + 34 × 90.01 = 8011.00, exactly 80.11 (0.7001 × 33 drifts in f64).
        assert_eq!(
            composite(&[(33, Some(d("70.01"))), (33, Some(d("80.01"))), (34, Some(d("90.01")))]),
            Some(d("80.11"))
        );
        // Half-up at the last step: 50 × 80.01 + 50 × 80.00 = 80.005 → 80.01
        assert_eq!(composite(&[(50, Some(d("80.01"))), (50, Some(d("80.00")))]), Some(d("80.01")));
        assert_eq!(composite(&[(60, Some(d("80"))), (40, None)]), None);
    }

    #[test]
    fn bonus_counts_whole_units_and_stops_at_the_cap() {
        let b = Bonus { unit_fen: 1_000_000, step: d("1"), cap: d("10") };
        assert_eq!(b.points(0), d("0"));
        assert_eq!(b.points(999_999), d("0"));
        assert_eq!(b.points(1_000_000), d("1"));
        assert_eq!(b.points(3_500_000), d("3"));
        assert_eq!(b.points(500_000_000), d("10"));
        assert_eq!(b.points(-5), d("0"));
        let half = Bonus { unit_fen: 500_000, step: d("0.5"), cap: d("4") };
        assert_eq!(half.points(2_600_000), d("2.5"));
        assert_eq!(b.formula(), "每落实配套资金 10,000.00 元加 1 分，最高 10 分");
    }

    #[test]
    fn stages_must_weigh_100_and_each_later_rubric_too() {
        assert!(stage_problems(&[], &[]).is_empty());
        assert!(stage_problems(&[60, 40], &[vec![], vec![50, 50]]).is_empty());
        let codes = |w: &[u32], r: &[Vec<u32>]| stage_problems(w, r).into_iter().map(|x| x.1).collect::<Vec<_>>();
        assert_eq!(codes(&[60, 30], &[vec![], vec![100]]), ["stage_weights_not_100"]);
        assert_eq!(codes(&[100], &[vec![]]), ["stage_count"]);
        assert_eq!(codes(&[25, 25, 25, 25], &[vec![], vec![100], vec![100], vec![100]]), ["stage_count"]);
        assert_eq!(codes(&[60, 40], &[vec![], vec![50, 40]]), ["weights_not_100"]);
        assert_eq!(codes(&[100, 0], &[vec![], vec![100]]), ["stage_weights_not_100"]);
    }

    fn cand(id: i64, pool: i64, score: Option<&str>) -> Candidate {
        Candidate {
            bid_id: id,
            pool_id: pool,
            category: None,
            score: score.map(d),
            first_criterion: Decimal::ZERO,
            submitted_seq: id,
            approved_fen: None,
            staff_override: None,
        }
    }

    #[test]
    fn shortlist_takes_top_n_of_each_pool_or_all_above_a_score() {
        let c = vec![
            cand(1, 1, Some("70")),
            cand(2, 1, Some("90")),
            cand(3, 1, Some("80")),
            cand(4, 2, Some("60")),
            cand(5, 2, None),
            cand(6, 2, Some("75")),
        ];
        let ids = |v: Vec<(i64, usize, Decimal)>| v.into_iter().map(|x| (x.0, x.1)).collect::<Vec<_>>();
        assert_eq!(ids(shortlist(c.clone(), ShortlistRule::TopPerPool(2))), [(2, 1), (3, 2), (6, 1), (4, 2)]);
        assert_eq!(ids(shortlist(c.clone(), ShortlistRule::MinScore(d("75")))), [(2, 1), (3, 2), (6, 1)]);
        // A bid without a score never goes on, however many places there are.
        assert_eq!(ids(shortlist(c, ShortlistRule::TopPerPool(10))).len(), 5);
    }

    proptest! {
        #[test]
        fn composite_lies_between_the_lowest_and_highest_stage_score(
            w in 1u32..100, a in 0u32..=10_000, b in 0u32..=10_000
        ) {
            let (a, b) = (Decimal::new(a as i64, 2), Decimal::new(b as i64, 2));
            let c = composite(&[(w, Some(a)), (100 - w, Some(b))]).unwrap();
            prop_assert!(c >= a.min(b) && c <= a.max(b));
            // Exact: 100 × the composite is the weighted sum, within half a cent.
            let exact = Decimal::from(w) * a + Decimal::from(100 - w) * b;
            prop_assert!((c * Decimal::ONE_HUNDRED - exact).abs() <= Decimal::new(50, 2));
        }

        #[test]
        fn bonus_never_exceeds_its_cap(m in 0i64..10_000_000_000i64, unit in 1i64..10_000_000, cap in 1u32..2000) {
            let b = Bonus { unit_fen: unit, step: Decimal::ONE, cap: Decimal::new(cap as i64, 2) };
            prop_assert!(b.points(m) <= b.cap && b.points(m) >= Decimal::ZERO);
        }
    }
}

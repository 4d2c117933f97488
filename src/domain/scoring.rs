//! Scores: a reviewer's total on the rubric, and a bid's final score from its reviews
//! (去掉一个最高分和一个最低分 with five or more). Exact `Decimal` arithmetic; half-up to 2 places
//! only at the end.

use rust_decimal::{Decimal, RoundingStrategy};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Criterion {
    pub key: String,
    pub weight: u32,
    /// Highest score on this criterion (e.g. 100 or 10).
    pub max_score: Decimal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScoreError {
    Format,
    OutOfRange,
    NotHalfStep,
}

impl ScoreError {
    pub fn code(self) -> &'static str {
        match self {
            ScoreError::Format => "invalid_score",
            ScoreError::OutOfRange => "score_out_of_range",
            ScoreError::NotHalfStep => "score_not_half_step",
        }
    }
    pub fn message(self) -> &'static str {
        match self {
            ScoreError::Format => "分数应为数字",
            ScoreError::OutOfRange => "分数应在 0 与该项满分之间",
            ScoreError::NotHalfStep => "分数精确到 0.5 分",
        }
    }
}

/// A score as typed by a reviewer: a plain decimal in `0 ..= max`, in steps of 0.5.
pub fn parse_score(s: &str, max: Decimal) -> Result<Decimal, ScoreError> {
    let t = s.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit() || b == b'.') || t.starts_with('.') || t.ends_with('.') {
        return Err(ScoreError::Format);
    }
    let d: Decimal = t.parse().map_err(|_| ScoreError::Format)?;
    if d < Decimal::ZERO || d > max {
        return Err(ScoreError::OutOfRange);
    }
    if (d * Decimal::TWO).fract() != Decimal::ZERO {
        return Err(ScoreError::NotHalfStep);
    }
    Ok(d.normalize())
}

/// Σ weight × score / max over the rubric (0–100 when weights sum to 100). Unrounded.
/// `scores` are in the rubric's order.
pub fn reviewer_total(criteria: &[Criterion], scores: &[Decimal]) -> Decimal {
    criteria.iter().zip(scores).map(|(c, s)| Decimal::from(c.weight) * *s / c.max_score).sum()
}

pub fn round2(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// `format!("{d:.2}")`, written directly when `d` has at most two places (every score, spread and
/// signal the ranking prints, three per row): a few per cent of building 100,000 rows.
pub fn two_places(d: Decimal) -> String {
    let (m, scale) = (d.mantissa(), d.scale());
    // Zero keeps the formatter's own sign handling (a negative zero).
    if scale > 2 || m == 0 {
        return format!("{d:.2}");
    }
    match u64::try_from((m * 10i128.pow(2 - scale)).unsigned_abs()) {
        Ok(h) => format!("{}{}.{:02}", if m < 0 { "-" } else { "" }, h / 100, h % 100),
        Err(_) => format!("{d:.2}"),
    }
}

/// At least this many submitted reviews are needed for a score.
pub const MIN_REVIEWS: usize = 3;
/// From this many reviews on, one highest and one lowest are dropped.
pub const TRIM_FROM: usize = 5;

/// A bid's final score: the mean of the reviewer totals, after dropping one highest and one
/// lowest when there are five or more; `None` with fewer than three. Half-up to 2 places.
pub fn final_score(totals: &[Decimal]) -> Option<Decimal> {
    let (min, max) = (totals.iter().min()?, totals.iter().max()?);
    trimmed_mean(totals.len(), totals.iter().sum(), *min, *max)
}

/// `final_score` from a bid's count, sum, lowest and highest total: dropping one highest and one
/// lowest is taking them off the sum, so the ranking needs no list per bid.
pub fn trimmed_mean(n: usize, sum: Decimal, min: Decimal, max: Decimal) -> Option<Decimal> {
    if n < MIN_REVIEWS {
        return None;
    }
    let (kept, sum) = if n >= TRIM_FROM { (n - 2, sum - min - max) } else { (n, sum) };
    Some(round2(sum / Decimal::from(kept)))
}

/// Max − min of the totals: a signal for staff, never used for ranking.
pub fn spread(totals: &[Decimal]) -> Option<Decimal> {
    let max = totals.iter().max()?;
    let min = totals.iter().min()?;
    Some(round2(*max - *min))
}

/// A spread above this many points flags a bid for discussion (a signal only).
pub const SPREAD_FLAG: i64 = 20;

/// Square root by Newton's method, to 12 decimal places (enough for a signal).
fn sqrt(x: Decimal) -> Decimal {
    if x <= Decimal::ZERO {
        return Decimal::ZERO;
    }
    let mut g = if x > Decimal::ONE { x / Decimal::TWO } else { Decimal::ONE };
    for _ in 0..60 {
        let next = (g + x / g) / Decimal::TWO;
        if (next - g).abs() < Decimal::new(1, 12) {
            return next;
        }
        g = next;
    }
    g
}

/// A reviewer's totals standardised against their own mean and spread: (t − μ) / σ, 0 when the
/// reviewer gave everything the same total. Shown to staff beside the official score, never used
/// for ranking.
pub fn z_scores(totals: &[Decimal]) -> Vec<Decimal> {
    if totals.is_empty() {
        return Vec::new();
    }
    let n = Decimal::from(totals.len());
    let mean = totals.iter().sum::<Decimal>() / n;
    let var = totals.iter().map(|t| (*t - mean) * (*t - mean)).sum::<Decimal>() / n;
    let sd = sqrt(var);
    totals.iter().map(|t| if sd.is_zero() { Decimal::ZERO } else { round2((*t - mean) / sd) }).collect()
}

/// A map keyed by our own row ids: a fast hash (ids need no defence against crafted keys), for
/// maps filled and read per bid at 100,000 bids.
pub type ById<V> = rustc_hash::FxHashMap<i64, V>;

/// One submitted review as the ranking reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewTotal {
    pub bid: i64,
    pub reviewer: i64,
    /// The reviewer's total (0–100), unrounded.
    pub total: Decimal,
    /// The score on the rubric's first criterion (the first tie-break).
    pub first: Decimal,
}

/// What a bid's reviews say: the official score and the signals shown beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct BidStats {
    pub reviews: usize,
    pub score: Option<Decimal>,
    /// Mean of the first criterion's scores, unrounded (a tie-break, not shown).
    pub first_mean: Decimal,
    pub spread: Option<Decimal>,
    /// Mean of the reviewers' standardised totals, each reviewer against their own scoring.
    pub normalised: Decimal,
}

impl BidStats {
    pub fn spread_flagged(&self) -> bool {
        self.spread.is_some_and(|s| s > Decimal::from(SPREAD_FLAG))
    }
}

/// Every bid's stats from every submitted review of a call, in one pass per reviewer and one
/// per bid (no per-bid lists kept: this runs over 500,000 reviews at 100,000 bids).
pub fn bid_stats(reviews: &[ReviewTotal]) -> ById<BidStats> {
    let mut by_reviewer: ById<Vec<usize>> = ById::default();
    for (i, r) in reviews.iter().enumerate() {
        by_reviewer.entry(r.reviewer).or_default().push(i);
    }
    let mut z = vec![Decimal::ZERO; reviews.len()];
    for idx in by_reviewer.values() {
        let totals: Vec<Decimal> = idx.iter().map(|&i| reviews[i].total).collect();
        for (&i, v) in idx.iter().zip(z_scores(&totals)) {
            z[i] = v;
        }
    }
    // In the order they were drawn, reviews already come grouped by bid: a stable sort sees the
    // runs and does little.
    let mut order: Vec<usize> = (0..reviews.len()).collect();
    order.sort_by_key(|&i| reviews[i].bid);
    let mut out = ById::with_capacity_and_hasher(order.len() / 3 + 1, Default::default());
    for group in order.chunk_by(|&a, &b| reviews[a].bid == reviews[b].bid) {
        let first = &reviews[group[0]];
        let (mut sum, mut min, mut max) = (Decimal::ZERO, first.total, first.total);
        let (mut first_sum, mut z_sum) = (Decimal::ZERO, Decimal::ZERO);
        for &i in group {
            let t = reviews[i].total;
            sum += t;
            min = min.min(t);
            max = max.max(t);
            first_sum += reviews[i].first;
            z_sum += z[i];
        }
        let n = Decimal::from(group.len());
        out.insert(
            first.bid,
            BidStats {
                reviews: group.len(),
                score: trimmed_mean(group.len(), sum, min, max),
                first_mean: first_sum / n,
                spread: Some(round2(max - min)),
                normalised: round2(z_sum / n),
            },
        );
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
    fn rubric() -> Vec<Criterion> {
        [("necessity", 20), ("feasibility", 25), ("innovation", 20), ("budget", 20), ("capacity", 15)]
            .iter()
            .map(|(k, w)| Criterion { key: k.to_string(), weight: *w, max_score: d("100") })
            .collect()
    }

    #[test]
    fn scores_are_half_steps_within_range() {
        assert_eq!(parse_score("85", d("100")), Ok(d("85")));
        assert_eq!(parse_score("85.5", d("100")), Ok(d("85.5")));
        assert_eq!(parse_score("0", d("100")), Ok(d("0")));
        assert_eq!(parse_score("100", d("100")), Ok(d("100")));
        assert_eq!(parse_score("85.25", d("100")), Err(ScoreError::NotHalfStep));
        assert_eq!(parse_score("100.5", d("100")), Err(ScoreError::OutOfRange));
        assert_eq!(parse_score("10.5", d("10")), Err(ScoreError::OutOfRange));
        for bad in ["", "-1", "abc", "1e2", ".5", "5.", "NaN", " "] {
            assert_eq!(parse_score(bad, d("100")), Err(ScoreError::Format), "{bad:?}");
        }
    }

    #[test]
    fn reviewer_total_weights_each_criterion() {
        let r = rubric();
        let all = vec![d("100"); 5];
        assert_eq!(reviewer_total(&r, &all), d("100"));
        let scores = [d("80"), d("90"), d("70"), d("85"), d("60")];
        // 16 + 22.5 + 14 + 17 + 9 = 78.5
        assert_eq!(reviewer_total(&r, &scores), d("78.5"));
        let tens: Vec<Criterion> = r.iter().map(|c| Criterion { max_score: d("10"), ..c.clone() }).collect();
        let scores = [d("8"), d("9"), d("7"), d("8.5"), d("6")];
        assert_eq!(reviewer_total(&tens, &scores), d("78.5"));
        let thirds = vec![Criterion { key: "a".into(), weight: 100, max_score: d("3") }];
        assert_eq!(round2(reviewer_total(&thirds, &[d("1")])), d("33.33"));
    }

    #[test]
    fn final_score_by_count() {
        assert_eq!(final_score(&[]), None);
        assert_eq!(final_score(&[d("80"), d("90")]), None, "fewer than three");
        assert_eq!(final_score(&[d("80"), d("90"), d("70")]), Some(d("80")));
        assert_eq!(final_score(&[d("80"), d("90"), d("70"), d("61")]), Some(d("75.25")));
        // n = 5: drop 95 and 60 → mean of 70, 80, 90
        assert_eq!(final_score(&[d("95"), d("70"), d("60"), d("80"), d("90")]), Some(d("80")));
        // n = 7: drop one 100 and one 50 → (100 + 90 + 80 + 70 + 60) / 5 = 80
        assert_eq!(final_score(&[d("100"), d("100"), d("90"), d("80"), d("70"), d("60"), d("50")]), Some(d("80")));
    }

    #[test]
    fn ties_drop_only_one_each() {
        // Equal highest and lowest totals: exactly one of each goes.
        assert_eq!(final_score(&[d("90"), d("90"), d("90"), d("60"), d("60")]), Some(d("80")));
        assert_eq!(final_score(&[d("75"); 5]), Some(d("75")));
    }

    #[test]
    fn rounding_is_half_up_at_the_end() {
        // (80 + 80 + 80.01) / 3 = 80.003333 → 80.00
        assert_eq!(final_score(&[d("80"), d("80"), d("80.01")]), Some(d("80.00")));
        // (70.005 + 70.005 + 70.005) / 3 = 70.005 → 70.01 (half-up, not banker's)
        assert_eq!(final_score(&[d("70.005"), d("70.005"), d("70.005")]), Some(d("70.01")));
        assert_eq!(final_score(&[d("70.015"), d("70.015"), d("70.015")]), Some(d("70.02")));
        assert_eq!(spread(&[d("70"), d("92.5"), d("81")]), Some(d("22.5")));
    }

    #[test]
    fn two_places_pads_and_signs() {
        for (v, out) in [("80", "80.00"), ("-1.2", "-1.20"), ("0", "0.00"), ("0.05", "0.05"), ("-0.05", "-0.05")] {
            assert_eq!(two_places(d(v)), out);
        }
        assert_eq!(two_places(-Decimal::ZERO), format!("{:.2}", -Decimal::ZERO));
        assert_eq!(two_places(Decimal::MAX), format!("{:.2}", Decimal::MAX));
    }

    #[test]
    fn z_scores_standardise_each_reviewer() {
        assert_eq!(z_scores(&[d("80"), d("80")]), vec![d("0"), d("0")]);
        assert_eq!(z_scores(&[d("70"), d("90")]), vec![d("-1.00"), d("1.00")]);
        let z = z_scores(&[d("60"), d("70"), d("80")]);
        assert_eq!(z, vec![d("-1.22"), d("0"), d("1.22")]);
        assert!(z_scores(&[]).is_empty());
        assert_eq!(sqrt(d("2")).round_dp(6), d("1.414214"));
    }

    proptest! {
        #[test]
        fn two_places_is_the_formatter(m in any::<i64>(), scale in 0u32..=4) {
            let d = Decimal::new(m, scale);
            prop_assert_eq!(two_places(d), format!("{d:.2}"));
        }

        #[test]
        fn trimmed_mean_is_the_sorted_definition(v in proptest::collection::vec(0u32..=10_000, 0..12)) {
            // The definition as staff read it: sort, drop one from each end from five on, mean.
            let mut sorted: Vec<Decimal> = v.iter().map(|x| Decimal::new(i64::from(*x), 3)).collect();
            let totals = sorted.clone();
            sorted.sort();
            let kept: &[Decimal] = if sorted.len() >= TRIM_FROM { &sorted[1..sorted.len() - 1] } else { &sorted };
            let expected = (sorted.len() >= MIN_REVIEWS)
                .then(|| round2(kept.iter().sum::<Decimal>() / Decimal::from(kept.len())));
            prop_assert_eq!(final_score(&totals), expected);
        }

        #[test]
        fn final_score_lies_between_min_and_max(v in proptest::collection::vec(0u32..=10_000, 3..12)) {
            let totals: Vec<Decimal> = v.iter().map(|x| Decimal::new(i64::from(*x), 2)).collect();
            let f = final_score(&totals).unwrap();
            prop_assert!(f >= *totals.iter().min().unwrap());
            prop_assert!(f <= *totals.iter().max().unwrap());
            prop_assert_eq!(f.scale() <= 2, true);
        }
    }

    #[test]
    fn bid_stats_group_reviews_by_bid_and_standardise_per_reviewer() {
        let r =
            |bid, reviewer, total: &str, first: &str| ReviewTotal { bid, reviewer, total: d(total), first: d(first) };
        // Reviewer 1 scores bid 1 above bid 2; reviewer 2 likewise; reviewer 3 only bid 1.
        let reviews = vec![
            r(2, 1, "60", "10"),
            r(1, 1, "80", "20"),
            r(1, 2, "90", "15"),
            r(2, 2, "70", "11"),
            r(1, 3, "50", "12"),
        ];
        let s = bid_stats(&reviews);
        assert_eq!(s.len(), 2);
        let one = &s[&1];
        assert_eq!(one.reviews, 3);
        assert_eq!(one.score, final_score(&[d("80"), d("90"), d("50")]));
        assert_eq!(one.spread, Some(d("40")));
        assert!(one.spread_flagged());
        assert_eq!(one.first_mean, (d("20") + d("15") + d("12")) / d("3"));
        // Reviewers 1 and 2 each put bid 1 one deviation above their mean, reviewer 3 gave one total.
        assert_eq!(one.normalised, round2((d("1") + d("1") + d("0")) / d("3")));
        let two = &s[&2];
        assert_eq!(two.reviews, 2);
        assert_eq!(two.score, None);
        assert_eq!(two.normalised, d("-1"));
        assert!(!two.spread_flagged());
        assert!(bid_stats(&[]).is_empty());
    }
}

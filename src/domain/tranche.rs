//! The tranche plan: each tranche but the last is round-half-up(approved × pct / 100) to the
//! fen; the last takes the remainder, so the tranches sum exactly to the approved amount.

/// Splits `approved_fen` by `pcts` (which sum to 100).
pub fn split(approved_fen: i64, pcts: &[u32]) -> Vec<i64> {
    let mut out = Vec::with_capacity(pcts.len());
    let mut given = 0i64;
    for (i, pct) in pcts.iter().enumerate() {
        if i + 1 == pcts.len() {
            out.push(approved_fen - given);
        } else {
            // Half-up on non-negative integers: (a × p + 50) / 100.
            let amount = (i128::from(approved_fen) * i128::from(*pct) + 50) / 100;
            let amount = amount as i64;
            given += amount;
            out.push(amount);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn default_plan() {
        assert_eq!(split(100_000_00, &[50, 30, 20]), vec![50_000_00, 30_000_00, 20_000_00]);
        // 333.33 × 50 % = 166.665 → 166.67; × 30 % = 99.999 → 100.00; last 66.66
        assert_eq!(split(33_333, &[50, 30, 20]), vec![16_667, 10_000, 6_666]);
        assert_eq!(split(1, &[50, 30, 20]), vec![1, 0, 0]);
        assert_eq!(split(0, &[50, 30, 20]), vec![0, 0, 0]);
        assert_eq!(split(12_345, &[100]), vec![12_345]);
    }

    proptest! {
        #[test]
        fn always_sums_exactly(a in 0i64..10_000_000_000, p1 in 1u32..60, p2 in 1u32..39) {
            let pcts = [p1, p2, 100 - p1 - p2];
            let parts = split(a, &pcts);
            prop_assert_eq!(parts.iter().sum::<i64>(), a);
            prop_assert!(parts.iter().all(|x| *x >= 0));
        }
    }
}

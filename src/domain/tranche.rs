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

/// Why a payment's date cannot be right.
#[derive(Debug, PartialEq, Eq)]
pub enum PaymentDate {
    Future,
    BeforeSigning(chrono::NaiveDate),
}

impl PaymentDate {
    pub fn code(&self) -> &'static str {
        match self {
            PaymentDate::Future => "paid_on_future",
            PaymentDate::BeforeSigning(_) => "paid_on_before_signing",
        }
    }
    pub fn message(&self) -> String {
        match self {
            PaymentDate::Future => "拨付日期不能晚于今天，请在付款后登记".into(),
            PaymentDate::BeforeSigning(on) => format!("拨付日期不能早于协议签订日期 {on}"),
        }
    }
}

/// A payment is recorded after it was made (not in the future) and never before the agreement
/// was signed.
pub fn check_paid_on(
    paid_on: chrono::NaiveDate,
    today: chrono::NaiveDate,
    signed_on: Option<chrono::NaiveDate>,
) -> Result<(), PaymentDate> {
    if paid_on > today {
        return Err(PaymentDate::Future);
    }
    match signed_on {
        Some(s) if paid_on < s => Err(PaymentDate::BeforeSigning(s)),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payment_is_dated_between_signing_and_today() {
        let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let signed = Some(d("2027-03-10"));
        assert_eq!(check_paid_on(d("2027-03-10"), d("2027-03-20"), signed), Ok(()));
        assert_eq!(check_paid_on(d("2027-03-20"), d("2027-03-20"), signed), Ok(()));
        assert_eq!(check_paid_on(d("2027-03-21"), d("2027-03-20"), signed), Err(PaymentDate::Future));
        assert_eq!(
            check_paid_on(d("2027-03-09"), d("2027-03-20"), signed),
            Err(PaymentDate::BeforeSigning(d("2027-03-10")))
        );
        assert_eq!(check_paid_on(d("2020-01-01"), d("2027-03-20"), None), Ok(()));
    }
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

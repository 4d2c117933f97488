//! 结项: a project closes on its final accounts once its final evaluation passed. What was paid
//! beyond what was spent is refunded; what was approved but not spent goes back to the pool.

use super::budget::BudgetCategory;
use super::Money;

type Problem = (String, &'static str, String);

/// The final accounts' lines (category, amount as parsed: `None` when unreadable or negative).
pub fn check_accounts(lines: &[(String, Option<Money>)], approved: i64) -> Vec<Problem> {
    let mut out = Vec::new();
    if lines.is_empty() {
        out.push(("final_accounts".into(), "required", "请填写决算：各科目实际支出".into()));
    }
    let mut total: i64 = 0;
    for (i, (category, amount)) in lines.iter().enumerate() {
        let f = |p: &str| format!("final_accounts[{i}].{p}");
        if BudgetCategory::parse(category).is_none() {
            out.push((f("category"), "invalid_category", "科目应为预算科目之一".into()));
        } else if lines[..i].iter().any(|(c, _)| c == category) {
            out.push((f("category"), "duplicate_category", "每个科目只填一行".into()));
        }
        match amount {
            None => out.push((f("amount"), "invalid_amount", "金额应为不小于 0 的数，最多两位小数".into())),
            Some(m) => total = total.saturating_add(m.fen()),
        }
    }
    if total > approved {
        out.push((
            "final_accounts".into(),
            "spent_exceeds_approved",
            format!("决算合计 {} 元超过核定金额 {} 元", Money::from_fen(total), Money::from_fen(approved)),
        ));
    }
    out
}

/// Where the money stands at closing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settlement {
    /// Paid beyond what was spent: the organisation pays it back.
    pub refund_due: i64,
    /// Spent beyond what was paid: still to be paid before the project can close.
    pub owed: i64,
    /// What the pool gets back: approved, less what the project finally cost.
    pub released: i64,
}

pub fn settle(approved: i64, paid: i64, spent: i64) -> Settlement {
    let refund_due = (paid - spent).max(0);
    Settlement { refund_due, owed: (spent - paid).max(0), released: approved - (paid - refund_due) }
}

/// Whether closing needs an audit report: approved at or above the call's threshold.
pub fn needs_audit(approved: i64, threshold: Option<i64>) -> bool {
    threshold.is_some_and(|t| approved >= t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Option<Money> {
        Money::parse(s).ok()
    }

    #[test]
    fn accounts_name_known_categories_once_and_stay_within_the_approved_amount() {
        let ok = [("personnel".to_string(), m("30000.00")), ("activity".to_string(), m("60000.00"))];
        assert!(check_accounts(&ok, 9_000_000).is_empty());
        let codes = |v: Vec<Problem>| v.into_iter().map(|p| (p.0, p.1)).collect::<Vec<_>>();
        assert_eq!(codes(check_accounts(&[], 1)), [("final_accounts".to_string(), "required")]);
        assert_eq!(codes(check_accounts(&ok, 8_999_999)), [("final_accounts".to_string(), "spent_exceeds_approved")]);
        let bad = [("bribes".to_string(), m("1")), ("activity".to_string(), None), ("activity".to_string(), m("-1"))];
        assert_eq!(
            codes(check_accounts(&bad, 100)),
            [
                ("final_accounts[0].category".to_string(), "invalid_category"),
                ("final_accounts[1].amount".to_string(), "invalid_amount"),
                ("final_accounts[2].category".to_string(), "duplicate_category"),
                ("final_accounts[2].amount".to_string(), "invalid_amount"),
            ]
        );
    }

    #[test]
    fn refunds_what_was_paid_beyond_spending_and_releases_the_unspent_rest() {
        // Approved 90,000, paid 72,000, spent 70,000: 2,000 back, 20,000 to the pool.
        assert_eq!(
            settle(9_000_000, 7_200_000, 7_000_000),
            Settlement { refund_due: 200_000, owed: 0, released: 2_000_000 }
        );
        // Spent more than paid so far: owed, nothing refunded.
        assert_eq!(
            settle(9_000_000, 7_200_000, 8_000_000),
            Settlement { refund_due: 0, owed: 800_000, released: 1_800_000 }
        );
        assert_eq!(settle(9_000_000, 9_000_000, 9_000_000), Settlement { refund_due: 0, owed: 0, released: 0 });
        assert!(needs_audit(200_000_00, Some(200_000_00)) && !needs_audit(199_999_99, Some(200_000_00)));
        assert!(!needs_audit(i64::MAX, None));
    }
}

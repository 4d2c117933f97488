//! Budget rules of a bid: lines sum exactly to the request, the request within the call's range,
//! capped categories within their share, forbidden categories absent.

use super::money::Money;
use rust_decimal::Decimal;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BudgetCategory {
    Personnel,
    Activity,
    Material,
    Venue,
    Travel,
    Admin,
    Other,
    Hospitality,
}

impl BudgetCategory {
    pub const ALL: [BudgetCategory; 8] = [
        BudgetCategory::Personnel,
        BudgetCategory::Activity,
        BudgetCategory::Material,
        BudgetCategory::Venue,
        BudgetCategory::Travel,
        BudgetCategory::Admin,
        BudgetCategory::Other,
        BudgetCategory::Hospitality,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            BudgetCategory::Personnel => "personnel",
            BudgetCategory::Activity => "activity",
            BudgetCategory::Material => "material",
            BudgetCategory::Venue => "venue",
            BudgetCategory::Travel => "travel",
            BudgetCategory::Admin => "admin",
            BudgetCategory::Other => "other",
            BudgetCategory::Hospitality => "hospitality",
        }
    }
    pub fn parse(s: &str) -> Option<BudgetCategory> {
        BudgetCategory::ALL.into_iter().find(|c| c.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            BudgetCategory::Personnel => "人员费用",
            BudgetCategory::Activity => "活动费用",
            BudgetCategory::Material => "物资费用",
            BudgetCategory::Venue => "场地费用",
            BudgetCategory::Travel => "交通差旅",
            BudgetCategory::Admin => "管理费用",
            BudgetCategory::Other => "其他",
            BudgetCategory::Hospitality => "招待费用",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetLine {
    pub category: BudgetCategory,
    pub amount: Money,
}

/// The call's budget rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BudgetRules {
    pub min_grant: Money,
    pub max_grant: Money,
    pub personnel_pct: Option<u32>,
    pub admin_pct: Option<u32>,
    pub forbidden: Vec<BudgetCategory>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

fn v(field: impl Into<String>, code: &'static str, message: String) -> Violation {
    Violation { field: field.into(), code, message }
}

/// Every way `requested` and `lines` break `rules`, all at once.
pub fn check(rules: &BudgetRules, requested: Money, lines: &[BudgetLine]) -> Vec<Violation> {
    let mut out = Vec::new();
    if requested < rules.min_grant || requested > rules.max_grant {
        out.push(v(
            "requested_amount",
            "amount_out_of_range",
            format!("申请金额应在 {} 元至 {} 元之间", rules.min_grant.grouped(), rules.max_grant.grouped()),
        ));
    }
    if lines.is_empty() {
        out.push(v("budget_lines", "budget_required", "请填写预算明细".into()));
        return out;
    }
    let total: i64 = lines.iter().map(|l| l.amount.fen()).sum();
    if total != requested.fen() {
        out.push(v(
            "budget_lines",
            "budget_sum_mismatch",
            format!(
                "预算明细合计 {} 元，与申请金额 {} 元不一致",
                Money::from_fen(total).grouped(),
                requested.grouped()
            ),
        ));
    }
    for (i, l) in lines.iter().enumerate() {
        if rules.forbidden.contains(&l.category) {
            out.push(v(
                format!("budget_lines[{i}].category"),
                "forbidden_category",
                format!("本次招标不允许列支“{}”", l.category.label()),
            ));
        }
        if l.amount.fen() <= 0 {
            out.push(v(format!("budget_lines[{i}].amount"), "amount_not_positive", "预算金额应大于 0".into()));
        }
    }
    for (cat, pct) in [(BudgetCategory::Personnel, rules.personnel_pct), (BudgetCategory::Admin, rules.admin_pct)] {
        let Some(pct) = pct else { continue };
        let spent: i64 = lines.iter().filter(|l| l.category == cat).map(|l| l.amount.fen()).sum();
        // spent / requested ≤ pct / 100, in integers: no rounding question at the boundary.
        if i128::from(spent) * 100 > i128::from(requested.fen()) * i128::from(pct) {
            out.push(v(
                "budget_lines",
                "category_cap_exceeded",
                format!(
                    "{}合计 {} 元，超过申请金额的 {}%（上限 {} 元）",
                    cat.label(),
                    Money::from_fen(spent).grouped(),
                    pct,
                    cap(requested, pct).grouped()
                ),
            ));
        }
    }
    out
}

/// The most a capped category may take of `requested` (rounded down to the fen).
pub fn cap(requested: Money, pct: u32) -> Money {
    let d = requested.as_decimal() * Decimal::from(pct) / Decimal::from(100);
    Money::from_fen((d * Decimal::from(100)).floor().try_into().unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Money {
        Money::parse(s).unwrap()
    }
    fn rules() -> BudgetRules {
        BudgetRules {
            min_grant: m("20000"),
            max_grant: m("200000"),
            personnel_pct: Some(30),
            admin_pct: Some(10),
            forbidden: vec![BudgetCategory::Hospitality],
        }
    }
    fn line(c: BudgetCategory, a: &str) -> BudgetLine {
        BudgetLine { category: c, amount: m(a) }
    }
    fn codes(v: &[Violation]) -> Vec<&'static str> {
        v.iter().map(|x| x.code).collect()
    }

    #[test]
    fn a_good_budget_passes() {
        let lines = [
            line(BudgetCategory::Personnel, "30000"),
            line(BudgetCategory::Admin, "10000"),
            line(BudgetCategory::Activity, "60000"),
        ];
        assert!(check(&rules(), m("100000"), &lines).is_empty());
    }

    #[test]
    fn caps_hold_exactly_at_the_boundary() {
        let ok = [line(BudgetCategory::Personnel, "30000.00"), line(BudgetCategory::Activity, "70000.00")];
        assert!(check(&rules(), m("100000"), &ok).is_empty());
        let over = [line(BudgetCategory::Personnel, "30000.01"), line(BudgetCategory::Activity, "69999.99")];
        assert_eq!(codes(&check(&rules(), m("100000"), &over)), vec!["category_cap_exceeded"]);
        let admin = [line(BudgetCategory::Admin, "10000.01"), line(BudgetCategory::Activity, "89999.99")];
        assert_eq!(codes(&check(&rules(), m("100000"), &admin)), vec!["category_cap_exceeded"]);
        assert_eq!(cap(m("33333.33"), 30), m("9999.99"));
    }

    #[test]
    fn every_problem_is_reported() {
        let lines = [line(BudgetCategory::Hospitality, "5000"), line(BudgetCategory::Personnel, "10000")];
        let got = codes(&check(&rules(), m("10000"), &lines));
        assert_eq!(
            got,
            vec!["amount_out_of_range", "budget_sum_mismatch", "forbidden_category", "category_cap_exceeded"]
        );
        assert_eq!(codes(&check(&rules(), m("50000"), &[])), vec!["budget_required"]);
        assert_eq!(
            codes(&check(&rules(), m("200000.01"), &[line(BudgetCategory::Activity, "200000.01")])),
            vec!["amount_out_of_range"]
        );
        let zero = [line(BudgetCategory::Activity, "50000"), line(BudgetCategory::Other, "0")];
        assert_eq!(codes(&check(&rules(), m("50000"), &zero)), vec!["amount_not_positive"]);
    }

    #[test]
    fn sums_are_exact_to_the_fen() {
        let lines = [
            line(BudgetCategory::Activity, "33333.33"),
            line(BudgetCategory::Activity, "33333.33"),
            line(BudgetCategory::Activity, "33333.34"),
        ];
        assert!(check(&rules(), m("100000"), &lines).is_empty());
        let off = [line(BudgetCategory::Activity, "33333.33"), line(BudgetCategory::Activity, "66666.66")];
        assert_eq!(codes(&check(&rules(), m("100000"), &off)), vec!["budget_sum_mismatch"]);
    }

    #[test]
    fn categories_round_trip() {
        for c in BudgetCategory::ALL {
            assert_eq!(BudgetCategory::parse(c.as_str()), Some(c));
        }
        assert_eq!(BudgetCategory::parse("bribes"), None);
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        fn line(cat: u8, fen: i64) -> BudgetLine {
            let category = match cat % 3 {
                0 => BudgetCategory::Personnel,
                1 => BudgetCategory::Admin,
                _ => BudgetCategory::Activity,
            };
            BudgetLine { category, amount: Money::from_fen(fen) }
        }

        proptest! {
            /// The check agrees with the rule written out in integers: the sum must equal the
            /// request, each capped category stay within pct × request, every line be positive.
            #[test]
            fn check_matches_the_rule(
                lines in proptest::collection::vec((0u8..3, 1i64..5_000_000), 1..12),
                extra in -3i64..3,
                personnel in 0u32..=100,
                admin in 0u32..=100,
            ) {
                let ls: Vec<BudgetLine> = lines.iter().map(|(c, f)| line(*c, *f)).collect();
                let total: i64 = ls.iter().map(|l| l.amount.fen()).sum();
                let requested = Money::from_fen(total + extra);
                let r = BudgetRules {
                    min_grant: Money::from_fen(1),
                    max_grant: Money::from_fen(i64::MAX / 4),
                    personnel_pct: Some(personnel),
                    admin_pct: Some(admin),
                    forbidden: vec![],
                };
                let out = check(&r, requested, &ls);
                let codes: Vec<&str> = out.iter().map(|v| v.code).collect();
                prop_assert_eq!(codes.contains(&"budget_sum_mismatch"), extra != 0);
                let over = |cat: BudgetCategory, pct: u32| {
                    let spent: i64 = ls.iter().filter(|l| l.category == cat).map(|l| l.amount.fen()).sum();
                    spent * 100 > (total + extra) * i64::from(pct)
                };
                let caps = usize::from(over(BudgetCategory::Personnel, personnel)) + usize::from(over(BudgetCategory::Admin, admin));
                prop_assert_eq!(codes.iter().filter(|c| **c == "category_cap_exceeded").count(), caps);
                // The displayed cap never exceeds the exact share.
                prop_assert!(cap(requested, personnel).fen() * 100 <= requested.fen().max(0) * i64::from(personnel));
            }

            /// A forbidden category is reported once per offending line, whatever the amounts.
            #[test]
            fn forbidden_lines_are_each_reported(lines in proptest::collection::vec((0u8..3, 1i64..1_000_000), 1..10)) {
                let ls: Vec<BudgetLine> = lines.iter().map(|(c, f)| line(*c, *f)).collect();
                let total: i64 = ls.iter().map(|l| l.amount.fen()).sum();
                let r = BudgetRules {
                    min_grant: Money::from_fen(1),
                    max_grant: Money::from_fen(i64::MAX / 4),
                    personnel_pct: None,
                    admin_pct: None,
                    forbidden: vec![BudgetCategory::Admin],
                };
                let out = check(&r, Money::from_fen(total), &ls);
                let admin_lines = ls.iter().filter(|l| l.category == BudgetCategory::Admin).count();
                prop_assert_eq!(out.iter().filter(|v| v.code == "forbidden_category").count(), admin_lines);
            }
        }
    }
}

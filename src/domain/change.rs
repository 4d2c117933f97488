//! 项目变更: an organisation asks to change its team, venue, beneficiaries, schedule or budget.
//! Staff decide; a budget change that moves more than the call's share of the approved amount
//! between categories also needs finance. The total never changes this way.

use super::budget::BudgetCategory;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Team,
    Venue,
    Beneficiaries,
    Schedule,
    Budget,
}

impl Kind {
    pub const ALL: [Kind; 5] = [Kind::Team, Kind::Venue, Kind::Beneficiaries, Kind::Schedule, Kind::Budget];
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Team => "team",
            Kind::Venue => "venue",
            Kind::Beneficiaries => "beneficiaries",
            Kind::Schedule => "schedule",
            Kind::Budget => "budget",
        }
    }
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Kind::Team => "执行团队变更",
            Kind::Venue => "服务场地变更",
            Kind::Beneficiaries => "服务对象变更",
            Kind::Schedule => "实施周期变更",
            Kind::Budget => "预算调整",
        }
    }
}

/// Where a change request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Waiting for staff.
    Pending,
    /// Staff approved; finance must approve too (a large budget move).
    AwaitingFinance,
    Approved,
    Rejected,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::AwaitingFinance => "awaiting_finance",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        [Status::Pending, Status::AwaitingFinance, Status::Approved, Status::Rejected]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Status::Pending => "待民政部门审核",
            Status::AwaitingFinance => "待财务审核",
            Status::Approved => "已同意",
            Status::Rejected => "未同意",
        }
    }
    /// Staff's decision: approved → finance next when it needs finance, else approved.
    pub fn after_staff(approved: bool, needs_finance: bool) -> Status {
        match (approved, needs_finance) {
            (false, _) => Status::Rejected,
            (true, true) => Status::AwaitingFinance,
            (true, false) => Status::Approved,
        }
    }
}

/// Fen moved between categories: the sum of the increases (equal to the decreases when the total
/// stays the same).
pub fn moved(before: &[(BudgetCategory, i64)], after: &[(BudgetCategory, i64)]) -> i64 {
    let sum = |lines: &[(BudgetCategory, i64)]| {
        let mut m: BTreeMap<&'static str, i64> = BTreeMap::new();
        for (c, a) in lines {
            *m.entry(c.as_str()).or_default() += a;
        }
        m
    };
    let (b, a) = (sum(before), sum(after));
    a.iter().map(|(k, v)| (v - b.get(k).copied().unwrap_or(0)).max(0)).sum()
}

/// Whether finance must approve too: more than `pct` % of the approved amount moved.
pub fn needs_finance(moved: i64, approved: i64, pct: u32) -> bool {
    i128::from(moved) * 100 > i128::from(approved) * i128::from(pct)
}

#[cfg(test)]
mod tests {
    use super::*;
    use BudgetCategory::*;

    #[test]
    fn the_amount_moved_between_categories() {
        let before = [(Personnel, 2_700_000), (Activity, 6_300_000)];
        assert_eq!(moved(&before, &before), 0);
        let after = [(Personnel, 2_000_000), (Activity, 6_300_000), (Material, 700_000)];
        assert_eq!(moved(&before, &after), 700_000);
        // Two lines of one category count together.
        let split = [(Personnel, 1_350_000), (Personnel, 1_350_000), (Activity, 6_300_000)];
        assert_eq!(moved(&before, &split), 0);
    }

    #[test]
    fn finance_joins_above_the_share_and_staff_decide_first() {
        assert!(!needs_finance(900_000, 9_000_000, 10), "exactly 10% stays with staff");
        assert!(needs_finance(900_001, 9_000_000, 10));
        assert!(needs_finance(1, 9_000_000, 0));
        assert_eq!(Status::after_staff(true, true), Status::AwaitingFinance);
        assert_eq!(Status::after_staff(true, false), Status::Approved);
        assert_eq!(Status::after_staff(false, true), Status::Rejected);
        assert_eq!(Kind::parse("schedule"), Some(Kind::Schedule));
        assert_eq!(Kind::parse("money"), None);
        assert_eq!(Status::parse("awaiting_finance"), Some(Status::AwaitingFinance));
    }
}

//! Yearly funds per region (专项资金): the district at least 1,000,000.00 a year, each town or
//! street at least 200,000.00. Calls' pools draw on them; publishing commits a pool's budget to
//! its fund and never past the fund's amount.

use super::money::Money;
use super::region::RegionLevel;

pub const DISTRICT_FLOOR_FEN: i64 = 1_000_000 * 100;
pub const TOWN_FLOOR_FEN: i64 = 200_000 * 100;

/// The least a fund of this level may hold in a year; villages hold no fund.
pub fn floor(level: RegionLevel) -> Option<Money> {
    match level {
        RegionLevel::District => Some(Money::from_fen(DISTRICT_FLOOR_FEN)),
        RegionLevel::Town => Some(Money::from_fen(TOWN_FLOOR_FEN)),
        RegionLevel::Village => None,
    }
}

/// Why a fund's amount is refused, with the message people read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AmountError {
    /// Villages and communities have no fund of their own.
    NoFundAtLevel,
    BelowFloor(Money),
}

impl AmountError {
    pub fn code(&self) -> &'static str {
        match self {
            AmountError::NoFundAtLevel => "fund_level",
            AmountError::BelowFloor(_) => "below_floor",
        }
    }
    pub fn message(&self) -> String {
        match self {
            AmountError::NoFundAtLevel => "专项资金只能设在区级或镇（街道）".into(),
            AmountError::BelowFloor(f) => format!("该级专项资金每年不少于 {} 元", f.grouped()),
        }
    }
}

/// The rule on a fund's yearly amount (区级每年不少于100万元, 镇(街)每年不少于20万元).
pub fn check_amount(level: RegionLevel, amount: Money) -> Result<(), AmountError> {
    let floor = floor(level).ok_or(AmountError::NoFundAtLevel)?;
    if amount < floor {
        return Err(AmountError::BelowFloor(floor));
    }
    Ok(())
}

/// A fund's figures in fen, as `GET /api/v1/funds` shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Figures {
    pub amount: i64,
    /// Budgets of published pools drawing on the fund.
    pub committed: i64,
    /// What decisions reserved in those pools.
    pub reserved: i64,
    /// Payments to their projects.
    pub paid: i64,
}

impl Figures {
    /// What new calls may still commit.
    pub fn remaining(&self) -> i64 {
        self.amount - self.committed
    }
}

/// Whether an actor scoped to `town` (town staff; `None` for district staff) may run a call whose
/// pools lie in `pool_regions`: district staff run every call, town staff only a call with at
/// least one pool, every pool in their own town.
pub fn may_run_call(town: Option<&str>, pool_regions: &[&str]) -> bool {
    match town {
        None => true,
        Some(t) => !pool_regions.is_empty() && pool_regions.iter().all(|r| *r == t),
    }
}

/// How much each fund takes from one call: the budgets of the call's pools summed per fund, in
/// the order the funds first appear (the order their rows are locked in).
pub fn commitments(pools: &[(i64, i64)]) -> Vec<(i64, i64)> {
    let mut out: Vec<(i64, i64)> = Vec::new();
    for &(fund, budget) in pools {
        match out.iter_mut().find(|(f, _)| *f == fund) {
            Some(x) => x.1 += budget,
            None => out.push((fund, budget)),
        }
    }
    out.sort_by_key(|x| x.0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floors_hold_to_the_fen() {
        let d = RegionLevel::District;
        let t = RegionLevel::Town;
        assert_eq!(check_amount(d, Money::from_fen(100_000_000)), Ok(()));
        assert_eq!(
            check_amount(d, Money::from_fen(99_999_999)),
            Err(AmountError::BelowFloor(Money::from_fen(DISTRICT_FLOOR_FEN)))
        );
        assert_eq!(check_amount(t, Money::from_fen(20_000_000)), Ok(()));
        assert_eq!(check_amount(t, Money::from_fen(19_999_999)).unwrap_err().code(), "below_floor");
        assert_eq!(check_amount(RegionLevel::Village, Money::from_fen(1)), Err(AmountError::NoFundAtLevel));
        assert!(AmountError::BelowFloor(Money::from_fen(TOWN_FLOOR_FEN)).message().contains("200,000.00"));
    }

    #[test]
    fn remaining_is_amount_less_committed() {
        let f = Figures { amount: 100, committed: 70, reserved: 50, paid: 20 };
        assert_eq!(f.remaining(), 30);
    }

    #[test]
    fn town_staff_run_only_their_own_calls() {
        let town = "340207101000";
        assert!(may_run_call(None, &[]));
        assert!(may_run_call(None, &["340207000000", town]));
        assert!(may_run_call(Some(town), &[town, town]));
        assert!(!may_run_call(Some(town), &[]));
        assert!(!may_run_call(Some(town), &[town, "340207102000"]));
        assert!(!may_run_call(Some(town), &["340207000000"]));
    }

    #[test]
    fn commitments_sum_per_fund_in_lock_order() {
        assert_eq!(commitments(&[(7, 10), (3, 5), (7, 1)]), vec![(3, 5), (7, 11)]);
        assert_eq!(commitments(&[]), vec![]);
    }
}

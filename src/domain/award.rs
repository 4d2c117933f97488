//! Innovation awards (创新奖励) and promotion meetings (现场推进会): the amounts and the yearly
//! rhythm. Pure rules; the fund's ceiling itself is enforced by the database.

use super::money::Money;
use chrono::NaiveDate;

/// Each award is between these amounts, inclusive (yuan 20,000.00 – 50,000.00).
pub const AWARD_MIN: Money = Money::from_fen_const(2_000_000);
pub const AWARD_MAX: Money = Money::from_fen_const(5_000_000);
/// A year's fund when staff do not say otherwise (500,000.00).
pub const DEFAULT_FUND: Money = Money::from_fen_const(50_000_000);
/// Meetings a year: at least one by 30 November, at most two.
pub const MAX_MEETINGS: usize = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AwardError {
    OutOfRange,
    FundTooSmall,
}

impl AwardError {
    pub fn code(self) -> &'static str {
        match self {
            AwardError::OutOfRange => "award_out_of_range",
            AwardError::FundTooSmall => "fund_too_small",
        }
    }
    pub fn message(self) -> String {
        match self {
            AwardError::OutOfRange => {
                format!("每项奖励金额应在 {} 元至 {} 元之间", AWARD_MIN.grouped(), AWARD_MAX.grouped())
            }
            AwardError::FundTooSmall => format!("奖励资金应不少于一项奖励的下限 {} 元", AWARD_MIN.grouped()),
        }
    }
}

pub fn check_amount(amount: Money) -> Result<Money, AwardError> {
    if amount < AWARD_MIN || amount > AWARD_MAX {
        return Err(AwardError::OutOfRange);
    }
    Ok(amount)
}

/// A fund that cannot pay even one award is a typing mistake.
pub fn check_fund(budget: Money) -> Result<Money, AwardError> {
    if budget < AWARD_MIN {
        return Err(AwardError::FundTooSmall);
    }
    Ok(budget)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeetingWarning {
    /// 30 November has come and the year has no meeting.
    NoneByDeadline,
    /// More than two meetings in the year.
    TooMany(usize),
}

impl MeetingWarning {
    pub fn code(self) -> &'static str {
        match self {
            MeetingWarning::NoneByDeadline => "no_meeting_by_deadline",
            MeetingWarning::TooMany(_) => "too_many_meetings",
        }
    }
    pub fn message(self, year: i32) -> String {
        match self {
            MeetingWarning::NoneByDeadline => {
                format!("{year} 年截至 11 月 30 日尚未召开现场推进会（每年应召开 1–2 次）")
            }
            MeetingWarning::TooMany(n) => format!("{year} 年已记录 {n} 次现场推进会，超过每年 2 次"),
        }
    }
}

/// What a year's meeting count says on `today`.
pub fn meeting_warnings(year: i32, count: usize, today: NaiveDate) -> Vec<MeetingWarning> {
    let mut w = Vec::new();
    let deadline = NaiveDate::from_ymd_opt(year, 11, 30).unwrap_or(NaiveDate::MAX);
    if count == 0 && today >= deadline {
        w.push(MeetingWarning::NoneByDeadline);
    }
    if count > MAX_MEETINGS {
        w.push(MeetingWarning::TooMany(count));
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(s: &str) -> Money {
        Money::parse(s).unwrap()
    }
    fn d(y: i32, mo: u32, da: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, mo, da).unwrap()
    }

    #[test]
    fn amounts_are_twenty_to_fifty_thousand_inclusive() {
        assert_eq!(check_amount(m("20000.00")), Ok(m("20000")));
        assert_eq!(check_amount(m("50000.00")), Ok(m("50000")));
        assert_eq!(check_amount(m("19999.99")), Err(AwardError::OutOfRange));
        assert_eq!(check_amount(m("50000.01")), Err(AwardError::OutOfRange));
        assert_eq!(check_amount(m("0")), Err(AwardError::OutOfRange));
        assert!(AwardError::OutOfRange.message().contains("20,000.00"));
    }

    #[test]
    fn a_fund_pays_at_least_one_award() {
        assert_eq!(DEFAULT_FUND, m("500000.00"));
        assert_eq!(check_fund(m("20000.00")), Ok(m("20000")));
        assert_eq!(check_fund(m("19999.99")), Err(AwardError::FundTooSmall));
    }

    #[test]
    fn meetings_one_by_the_end_of_november_and_at_most_two() {
        assert!(meeting_warnings(2026, 0, d(2026, 11, 29)).is_empty());
        assert_eq!(meeting_warnings(2026, 0, d(2026, 11, 30)), vec![MeetingWarning::NoneByDeadline]);
        assert_eq!(meeting_warnings(2026, 0, d(2027, 1, 5)), vec![MeetingWarning::NoneByDeadline]);
        assert!(meeting_warnings(2026, 1, d(2026, 12, 31)).is_empty());
        assert!(meeting_warnings(2026, 2, d(2026, 12, 31)).is_empty());
        assert_eq!(meeting_warnings(2026, 3, d(2026, 6, 1)), vec![MeetingWarning::TooMany(3)]);
        assert!(MeetingWarning::TooMany(3).message(2026).contains("3 次"));
    }
}

//! Volunteer points (积分制) for the villages' 平安志愿者 and 微网格员: the catalogue's values and
//! months, when a claim may be filed, its two-step review, the monthly posting's objection
//! window, masked names for the public board and the ledger's balance. No I/O.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The only values an item may be worth, by difficulty (《平安志愿者(微网格员)奖励办法》).
pub const VALUES: [i32; 5] = [3, 5, 10, 15, 20];
/// Days after the activity a claim may still be filed, unless the village sets another.
pub const DEFAULT_CLAIM_DAYS: i64 = 3;
/// Days a monthly posting stays open for objections, unless set otherwise.
pub const DEFAULT_OBJECTION_DAYS: i64 = 3;

/// What a village may set: up to a month to claim, up to a fortnight of objections.
pub fn valid_claim_days(d: i32) -> bool {
    (1..=31).contains(&d)
}
pub fn valid_objection_days(d: i32) -> bool {
    (1..=15).contains(&d)
}

pub const CATEGORIES: [&str; 6] = ["理论宣讲", "平安建设", "志愿服务", "矛盾调解", "移风易俗", "其他"];

pub fn valid_points(v: i32) -> bool {
    VALUES.contains(&v)
}

pub fn valid_category(c: &str) -> bool {
    CATEGORIES.contains(&c)
}

/// A catalogue month, `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    pub fn parse(s: &str) -> Option<Month> {
        let (y, m) = s.trim().split_once('-')?;
        if y.len() != 4 || m.len() != 2 {
            return None;
        }
        let (year, month) = (y.parse().ok()?, m.parse().ok()?);
        NaiveDate::from_ymd_opt(year, month, 1).map(|_| Month { year, month })
    }
    pub fn of(d: NaiveDate) -> Month {
        Month { year: d.year(), month: d.month() }
    }
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or(NaiveDate::MIN)
    }
    pub fn next(self) -> Month {
        if self.month == 12 {
            Month { year: self.year + 1, month: 1 }
        } else {
            Month { year: self.year, month: self.month + 1 }
        }
    }
    /// The last day of the month.
    pub fn last_day(self) -> NaiveDate {
        self.next().first_day().pred_opt().unwrap_or(NaiveDate::MIN)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// A month's catalogue may change until the month begins; then it is what claims are valued by.
pub fn catalogue_editable(month: Month, today: NaiveDate) -> bool {
    today < month.first_day()
}

/// The catalogue in force in `month`: its own, else the latest earlier month's (by month, then
/// version). `versions` holds (month, version) pairs; the answer is an index into it.
pub fn in_force(versions: &[(Month, i32)], month: Month) -> Option<usize> {
    versions.iter().enumerate().filter(|(_, (m, _))| *m <= month).max_by_key(|(_, (m, v))| (*m, *v)).map(|(i, _)| i)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimRefusal {
    InFuture,
    Late,
}

/// A claim is filed on or after the activity and at most `claim_days` days after it.
pub fn claim_timing(activity: NaiveDate, today: NaiveDate, claim_days: i64) -> Result<(), ClaimRefusal> {
    if activity > today {
        return Err(ClaimRefusal::InFuture);
    }
    if (today - activity).num_days() > claim_days {
        return Err(ClaimRefusal::Late);
    }
    Ok(())
}

/// `monthly_cap` counts the participant's claims of the item in the month that are not refused
/// (filed, half-reviewed or approved), so two claims filed together cannot both pass the cap.
pub fn within_cap(counted: i64, cap: Option<i32>) -> bool {
    cap.is_none_or(|c| counted < i64::from(c))
}

/// A claim's life: two reviews by two different people, then the monthly posting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClaimStatus {
    /// Filed, waiting for the grid leader's (first) review.
    Filed,
    /// First review passed; waiting for the village committee's (second).
    Checked,
    Approved,
    Rejected,
    /// On a monthly posting.
    Posted,
    /// An objection to the posting was upheld: the points were taken back.
    Reversed,
}

impl ClaimStatus {
    pub const ALL: [ClaimStatus; 6] = [
        ClaimStatus::Filed,
        ClaimStatus::Checked,
        ClaimStatus::Approved,
        ClaimStatus::Rejected,
        ClaimStatus::Posted,
        ClaimStatus::Reversed,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimStatus::Filed => "filed",
            ClaimStatus::Checked => "checked",
            ClaimStatus::Approved => "approved",
            ClaimStatus::Rejected => "rejected",
            ClaimStatus::Posted => "posted",
            ClaimStatus::Reversed => "reversed",
        }
    }
    pub fn parse(s: &str) -> Option<ClaimStatus> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            ClaimStatus::Filed => "待初审",
            ClaimStatus::Checked => "待复审",
            ClaimStatus::Approved => "已通过",
            ClaimStatus::Rejected => "未通过",
            ClaimStatus::Posted => "已公示",
            ClaimStatus::Reversed => "异议成立已撤销",
        }
    }
    /// Still counts toward the monthly cap.
    pub fn counts(self) -> bool {
        !matches!(self, ClaimStatus::Rejected | ClaimStatus::Reversed)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    First,
    Second,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewRefusal {
    /// The second step before the first.
    FirstPending,
    /// Already decided (or not at this step any more).
    NotAtStep,
    /// The first reviewer may not also take the second step.
    SameReviewer,
}

/// The status after a review, or why it may not happen. `first_by` is who took the first step.
pub fn review(
    status: ClaimStatus,
    step: Step,
    approved: bool,
    reviewer: i64,
    first_by: Option<i64>,
) -> Result<ClaimStatus, ReviewRefusal> {
    match (status, step) {
        (ClaimStatus::Filed, Step::First) => Ok(if approved { ClaimStatus::Checked } else { ClaimStatus::Rejected }),
        (ClaimStatus::Filed, Step::Second) => Err(ReviewRefusal::FirstPending),
        (ClaimStatus::Checked, Step::Second) if first_by == Some(reviewer) => Err(ReviewRefusal::SameReviewer),
        (ClaimStatus::Checked, Step::Second) => {
            Ok(if approved { ClaimStatus::Approved } else { ClaimStatus::Rejected })
        }
        _ => Err(ReviewRefusal::NotAtStep),
    }
}

/// The last day objections are taken: `days` days after the posting day.
pub fn objection_deadline(posted_on: NaiveDate, days: i64) -> NaiveDate {
    posted_on + chrono::Days::new(days.max(0) as u64)
}

/// Posted points become spendable the day after the objection window closes.
pub fn spendable_from(posted_on: NaiveDate, days: i64) -> NaiveDate {
    objection_deadline(posted_on, days) + chrono::Days::new(1)
}

/// A name for the public board: the first and last characters kept, the middle masked
/// (张三明 → 张*明, 张三 → 张*, 欧阳小明 → 欧**明).
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.trim().chars().collect();
    match chars.len() {
        0 => String::new(),
        1 => "*".into(),
        2 => format!("{}*", chars[0]),
        n => format!("{}{}{}", chars[0], "*".repeat(n - 2), chars[n - 1]),
    }
}

/// Redemption codes: 10 characters without look-alikes (no 0/O, 1/I/L), read aloud at the counter.
pub const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
pub const CODE_LEN: usize = 10;

pub fn redemption_code(random: &[u8; CODE_LEN]) -> String {
    random.iter().map(|b| CODE_ALPHABET[*b as usize % CODE_ALPHABET.len()] as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }
    fn m(s: &str) -> Month {
        Month::parse(s).unwrap()
    }

    #[test]
    fn only_the_five_values() {
        for v in VALUES {
            assert!(valid_points(v));
        }
        for v in [0, 1, 4, 6, 25, -5] {
            assert!(!valid_points(v), "{v}");
        }
    }

    #[test]
    fn months() {
        assert_eq!(m("2027-02").last_day(), d("2027-02-28"));
        assert_eq!(m("2027-12").next(), m("2028-01"));
        assert_eq!(m("2027-03").to_string(), "2027-03");
        for bad in ["2027-13", "2027-3", "27-03", "x", "2027-00"] {
            assert!(Month::parse(bad).is_none(), "{bad}");
        }
        assert_eq!(Month::of(d("2027-03-31")), m("2027-03"));
    }

    #[test]
    fn frozen_once_the_month_begins() {
        assert!(catalogue_editable(m("2027-03"), d("2027-02-28")));
        assert!(!catalogue_editable(m("2027-03"), d("2027-03-01")));
    }

    #[test]
    fn the_catalogue_in_force_is_the_latest_not_later() {
        let v = [(m("2027-01"), 1), (m("2027-01"), 2), (m("2027-03"), 1), (m("2027-05"), 1)];
        assert_eq!(in_force(&v, m("2027-01")), Some(1));
        assert_eq!(in_force(&v, m("2027-02")), Some(1), "a month without its own uses the last earlier one");
        assert_eq!(in_force(&v, m("2027-04")), Some(2));
        assert_eq!(in_force(&v, m("2026-12")), None);
    }

    #[test]
    fn claims_within_the_days() {
        assert_eq!(claim_timing(d("2027-03-05"), d("2027-03-08"), 3), Ok(()));
        assert_eq!(claim_timing(d("2027-03-04"), d("2027-03-08"), 3), Err(ClaimRefusal::Late));
        assert_eq!(claim_timing(d("2027-03-09"), d("2027-03-08"), 3), Err(ClaimRefusal::InFuture));
    }

    #[test]
    fn settings_ranges() {
        assert!(valid_claim_days(1) && valid_claim_days(31) && !valid_claim_days(0) && !valid_claim_days(32));
        assert!(valid_objection_days(15) && !valid_objection_days(16) && !valid_objection_days(0));
    }

    #[test]
    fn caps() {
        assert!(within_cap(5, None));
        assert!(within_cap(1, Some(2)));
        assert!(!within_cap(2, Some(2)));
    }

    #[test]
    fn two_steps_by_two_people() {
        use ClaimStatus::*;
        assert_eq!(review(Filed, Step::First, true, 1, None), Ok(Checked));
        assert_eq!(review(Filed, Step::First, false, 1, None), Ok(Rejected));
        assert_eq!(review(Filed, Step::Second, true, 2, None), Err(ReviewRefusal::FirstPending));
        assert_eq!(review(Checked, Step::Second, true, 1, Some(1)), Err(ReviewRefusal::SameReviewer));
        assert_eq!(review(Checked, Step::Second, true, 2, Some(1)), Ok(Approved));
        assert_eq!(review(Checked, Step::Second, false, 2, Some(1)), Ok(Rejected));
        assert_eq!(review(Approved, Step::Second, true, 2, Some(1)), Err(ReviewRefusal::NotAtStep));
        assert_eq!(review(Checked, Step::First, true, 2, Some(1)), Err(ReviewRefusal::NotAtStep));
        for s in ClaimStatus::ALL {
            assert_eq!(ClaimStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn the_window() {
        assert_eq!(objection_deadline(d("2027-04-01"), 3), d("2027-04-04"));
        assert_eq!(spendable_from(d("2027-04-01"), 3), d("2027-04-05"));
    }

    #[test]
    fn masked_names() {
        assert_eq!(mask_name("张三明"), "张*明");
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("欧阳小明"), "欧**明");
        assert_eq!(mask_name("王"), "*");
        assert_eq!(mask_name(" "), "");
    }

    #[test]
    fn codes() {
        let c = redemption_code(&[0, 1, 2, 30, 31, 255, 7, 8, 9, 10]);
        assert_eq!(c.len(), CODE_LEN);
        assert!(c.bytes().all(|b| CODE_ALPHABET.contains(&b)));
    }
}

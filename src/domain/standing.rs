//! An organisation's standing (年检, 等级, the abnormal and dishonest lists, penalties, debarment,
//! suspension) and a call's eligibility rules on it. Records are facts with dates; what they
//! mean on a given day is computed here, never stored.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    AnnualInspection,
    Rating,
    AbnormalList,
    DishonestList,
    Penalty,
    Debarment,
    Suspension,
}

impl Kind {
    pub const ALL: [Kind; 7] = [
        Kind::AnnualInspection,
        Kind::Rating,
        Kind::AbnormalList,
        Kind::DishonestList,
        Kind::Penalty,
        Kind::Debarment,
        Kind::Suspension,
    ];
    /// What staff record through `POST …/standing`; debarment and suspension have their own routes.
    pub const RECORDED: [Kind; 5] =
        [Kind::AnnualInspection, Kind::Rating, Kind::AbnormalList, Kind::DishonestList, Kind::Penalty];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::AnnualInspection => "annual_inspection",
            Kind::Rating => "rating",
            Kind::AbnormalList => "abnormal_list",
            Kind::DishonestList => "dishonest_list",
            Kind::Penalty => "penalty",
            Kind::Debarment => "debarment",
            Kind::Suspension => "suspension",
        }
    }
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Kind::AnnualInspection => "年度检查",
            Kind::Rating => "等级评估",
            Kind::AbnormalList => "活动异常名录",
            Kind::DishonestList => "严重违法失信名单",
            Kind::Penalty => "行政处罚",
            Kind::Debarment => "禁止申报",
            Kind::Suspension => "暂停申报",
        }
    }
}

/// 年检 conclusions, best first.
pub const INSPECTION_RESULTS: [&str; 4] = ["合格", "基本合格", "不合格", "未参检"];
/// 社会组织评估等级, best first.
pub const RATINGS: [&str; 5] = ["5A", "4A", "3A", "2A", "1A"];
/// A rating holds five years unless staff record another end.
pub const RATING_YEARS: u32 = 5;
/// Debarment lasts three years unless staff choose another end.
pub const DEBARMENT_YEARS: u32 = 3;

/// One stored record, as the rules read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub kind: Kind,
    pub year: Option<i32>,
    pub result: String,
    pub since: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
}

impl Record {
    /// In force on `day`: begun (or undated) and not yet ended.
    pub fn in_force(&self, day: NaiveDate) -> bool {
        self.since.is_none_or(|s| s <= day) && self.until.is_none_or(|u| day <= u)
    }
    /// In force at any time from `from` to `to`.
    fn overlaps(&self, from: NaiveDate, to: NaiveDate) -> bool {
        self.since.is_none_or(|s| s <= to) && self.until.is_none_or(|u| from <= u)
    }
}

/// `years` years before `day` (29 February falls back to the 28th).
pub fn years_before(day: NaiveDate, years: u32) -> NaiveDate {
    day.checked_sub_months(chrono::Months::new(years * 12)).unwrap_or(day)
}

pub fn years_after(day: NaiveDate, years: u32) -> NaiveDate {
    day.checked_add_months(chrono::Months::new(years * 12)).unwrap_or(day)
}

/// What is wrong with a record staff are about to enter: (field, code, message) each.
pub fn check_record(r: &Record, today: NaiveDate) -> Vec<(&'static str, &'static str, String)> {
    let mut out = Vec::new();
    match r.kind {
        Kind::AnnualInspection => {
            match r.year {
                Some(y) if (2000..=today.year()).contains(&y) => {}
                _ => out.push(("year", "invalid_year", format!("年检年度应为 2000–{} 之间的年份", today.year()))),
            }
            if !INSPECTION_RESULTS.contains(&r.result.as_str()) {
                out.push(("result", "invalid_result", "年检结论应为 合格、基本合格、不合格 或 未参检".into()));
            }
        }
        Kind::Rating => {
            if !RATINGS.contains(&r.result.as_str()) {
                out.push(("result", "invalid_result", "评估等级应为 5A、4A、3A、2A 或 1A".into()));
            }
            if r.since.is_none() {
                out.push(("since", "required", "请填写评估等级的起始日期".into()));
            }
        }
        Kind::AbnormalList | Kind::DishonestList | Kind::Penalty | Kind::Debarment | Kind::Suspension => {
            if r.since.is_none() {
                out.push(("since", "required", "请填写起始日期".into()));
            }
            if r.result.trim().is_empty() {
                out.push(("result", "required", "请填写情况说明（如列入原因、处罚种类）".into()));
            }
        }
    }
    if let (Some(s), Some(u)) = (r.since, r.until) {
        if u < s {
            out.push(("until", "until_before_since", "截止日期不能早于起始日期".into()));
        }
    }
    if r.since.is_some_and(|s| s > today) && r.kind != Kind::Debarment {
        out.push(("since", "since_in_future", "起始日期不能晚于今天".into()));
    }
    out
}

/// Which 年检 conclusions a call accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InspectionRule {
    /// 合格 only.
    Pass,
    /// 合格 or 基本合格.
    PassOrBasic,
}

/// A call's eligibility rules on the applicant's standing; every rule optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Eligibility {
    /// The latest annual inspection on file (of the last two years) must be accepted.
    pub annual_inspection: Option<InspectionRule>,
    /// Not on the abnormal list at any time in this many years before submitting.
    pub no_abnormal_years: Option<u32>,
    pub no_dishonest_years: Option<u32>,
    pub no_penalty_years: Option<u32>,
    /// Points added to the final score per rating held when the call closes ("3A": "2.00").
    #[serde(default)]
    #[schema(value_type = BTreeMap<String, String>)]
    pub rating_bonus: BTreeMap<String, Decimal>,
}

impl Eligibility {
    pub fn is_empty(&self) -> bool {
        *self == Eligibility::default()
    }

    /// The rules as a reader of the call page needs them.
    pub fn describe(&self) -> Vec<String> {
        let mut out = Vec::new();
        match self.annual_inspection {
            Some(InspectionRule::Pass) => out.push("最近一次年检结论为合格".to_string()),
            Some(InspectionRule::PassOrBasic) => out.push("最近一次年检结论为合格或基本合格".to_string()),
            None => {}
        }
        for (n, what) in [
            (self.no_abnormal_years, "活动异常名录"),
            (self.no_dishonest_years, "严重违法失信名单"),
            (self.no_penalty_years, "行政处罚记录"),
        ] {
            if let Some(n) = n {
                out.push(format!("近 {n} 年内未被列入{what}").replace("未被列入行政处罚记录", "无行政处罚记录"));
            }
        }
        if !self.rating_bonus.is_empty() {
            let parts: Vec<String> = self.rating_bonus.iter().map(|(r, p)| format!("{r} 加 {p:.2} 分")).collect();
            out.push(format!("社会组织评估等级加分：{}", parts.join("，")));
        }
        out
    }
}

/// A rule an applicant breaks: the rule's field and what is wrong, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Broken {
    pub rule: &'static str,
    pub message: String,
}

/// Every rule of `e` that an organisation with `records` breaks on `today`.
pub fn check(e: &Eligibility, records: &[Record], today: NaiveDate) -> Vec<Broken> {
    let mut out = Vec::new();
    if let Some(rule) = e.annual_inspection {
        // The latest inspection of the last two years: this year's may not have taken place yet.
        let latest = records
            .iter()
            .filter(|r| r.kind == Kind::AnnualInspection && r.year.is_some_and(|y| y >= today.year() - 2))
            .max_by_key(|r| r.year);
        let accepted: &[&str] = match rule {
            InspectionRule::Pass => &["合格"],
            InspectionRule::PassOrBasic => &["合格", "基本合格"],
        };
        match latest {
            Some(r) if accepted.contains(&r.result.as_str()) => {}
            Some(r) => out.push(Broken {
                rule: "eligibility.annual_inspection",
                message: format!(
                    "{} 年度年检结论为{}，本次招标要求{}",
                    r.year.unwrap_or(0),
                    r.result,
                    accepted.join("或")
                ),
            }),
            None => out.push(Broken {
                rule: "eligibility.annual_inspection",
                message: format!(
                    "未登记 {} 或 {} 年度年检结论，本次招标要求年检{}",
                    today.year() - 2,
                    today.year() - 1,
                    accepted.join("或")
                ),
            }),
        }
    }
    for (years, kind, rule) in [
        (e.no_abnormal_years, Kind::AbnormalList, "eligibility.no_abnormal_years"),
        (e.no_dishonest_years, Kind::DishonestList, "eligibility.no_dishonest_years"),
        (e.no_penalty_years, Kind::Penalty, "eligibility.no_penalty_years"),
    ] {
        let Some(n) = years else { continue };
        let from = years_before(today, n);
        if let Some(r) = records.iter().find(|r| r.kind == kind && r.overlaps(from, today)) {
            out.push(Broken {
                rule,
                message: format!(
                    "近 {n} 年内有{}记录（{}起：{}）",
                    kind.label(),
                    r.since.map(|d| d.to_string()).unwrap_or_default(),
                    r.result
                ),
            });
        }
    }
    out
}

/// The end of a debarment in force on `today`, if any (the latest end when several are).
pub fn debarred_until(records: &[Record], today: NaiveDate) -> Option<NaiveDate> {
    records.iter().filter(|r| r.kind == Kind::Debarment && r.in_force(today)).filter_map(|r| r.until).max()
}

/// Whether a suspension is in force: one not yet lifted (lifting records the day it ended).
pub fn suspended(records: &[Record]) -> bool {
    records.iter().any(|r| r.kind == Kind::Suspension && r.until.is_none())
}

/// The rating in force on `day`; of several, the best.
pub fn rating_on(records: &[Record], day: NaiveDate) -> Option<&str> {
    records
        .iter()
        .filter(|r| r.kind == Kind::Rating && r.in_force(day))
        .filter_map(|r| RATINGS.iter().position(|x| *x == r.result))
        .min()
        .map(|i| RATINGS[i])
}

/// The bonus a rating earns under `e` (zero without one).
pub fn rating_bonus(e: &Eligibility, records: &[Record], day: NaiveDate) -> Decimal {
    rating_on(records, day).and_then(|r| e.rating_bonus.get(r)).copied().unwrap_or(Decimal::ZERO)
}

/// What is wrong with a call's rules: (field, code, message) each.
pub fn check_eligibility(e: &Eligibility) -> Vec<(String, &'static str, String)> {
    let mut out = Vec::new();
    for (n, f) in [
        (e.no_abnormal_years, "no_abnormal_years"),
        (e.no_dishonest_years, "no_dishonest_years"),
        (e.no_penalty_years, "no_penalty_years"),
    ] {
        if n.is_some_and(|n| !(1..=10).contains(&n)) {
            out.push((format!("eligibility.{f}"), "invalid_years", "年数应为 1–10".into()));
        }
    }
    for (r, p) in &e.rating_bonus {
        if !RATINGS.contains(&r.as_str()) {
            out.push((
                format!("eligibility.rating_bonus.{r}"),
                "invalid_rating",
                "评估等级应为 5A、4A、3A、2A 或 1A".into(),
            ));
        } else if *p <= Decimal::ZERO || *p > Decimal::from(20) || p.scale() > 2 {
            out.push((
                format!("eligibility.rating_bonus.{r}"),
                "invalid_score",
                "加分应为大于 0、不超过 20 的数，最多两位小数".into(),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn rec(kind: Kind, year: Option<i32>, result: &str, since: Option<&str>, until: Option<&str>) -> Record {
        Record { kind, year, result: result.into(), since: since.map(d), until: until.map(d) }
    }

    #[test]
    fn inspections_read_the_latest_of_the_last_two_years() {
        let e = Eligibility { annual_inspection: Some(InspectionRule::Pass), ..Default::default() };
        let today = d("2027-03-01");
        let broken = check(&e, &[], today);
        assert_eq!(broken.len(), 1, "an inspection not on file counts as failing");
        assert!(broken[0].message.contains("未登记"));
        let ok = [rec(Kind::AnnualInspection, Some(2025), "合格", None, None)];
        assert!(check(&e, &ok, today).is_empty(), "2025's inspection (held in 2026) is the latest");
        let old = [rec(Kind::AnnualInspection, Some(2024), "合格", None, None)];
        assert_eq!(check(&e, &old, today).len(), 1, "too old to count");
        let basic = [ok[0].clone(), rec(Kind::AnnualInspection, Some(2026), "基本合格", None, None)];
        assert_eq!(check(&e, &basic, today).len(), 1, "the latest is 基本合格");
        let lenient = Eligibility { annual_inspection: Some(InspectionRule::PassOrBasic), ..Default::default() };
        assert!(check(&lenient, &basic, today).is_empty());
    }

    #[test]
    fn lists_and_penalties_count_within_their_years() {
        let e = Eligibility { no_abnormal_years: Some(2), no_penalty_years: Some(3), ..Default::default() };
        let today = d("2027-03-01");
        let listed = rec(Kind::AbnormalList, None, "未按规定报送年报", Some("2024-05-01"), Some("2025-02-01"));
        assert!(check(&e, std::slice::from_ref(&listed), today).is_empty(), "removed two years ago");
        let recent = rec(Kind::AbnormalList, None, "未按规定报送年报", Some("2024-05-01"), Some("2025-03-02"));
        assert_eq!(check(&e, &[recent], today).len(), 1, "still listed within the two years");
        let open = rec(Kind::Penalty, None, "警告", Some("2020-01-01"), None);
        let broken = check(&e, &[open], today);
        assert_eq!(broken.iter().map(|b| b.rule).collect::<Vec<_>>(), ["eligibility.no_penalty_years"]);
        // Every rule broken is named, once each.
        let all = Eligibility {
            annual_inspection: Some(InspectionRule::Pass),
            no_abnormal_years: Some(1),
            no_dishonest_years: Some(1),
            no_penalty_years: Some(1),
            ..Default::default()
        };
        let bad = [
            rec(Kind::AbnormalList, None, "x", Some("2027-01-01"), None),
            rec(Kind::DishonestList, None, "x", Some("2027-01-01"), None),
            rec(Kind::Penalty, None, "x", Some("2027-01-01"), None),
        ];
        assert_eq!(check(&all, &bad, today).len(), 4);
    }

    #[test]
    fn debarment_suspension_and_ratings_by_date() {
        let today = d("2027-03-01");
        let debar = rec(Kind::Debarment, None, "骗取资助", Some("2026-01-01"), Some("2029-01-01"));
        assert_eq!(debarred_until(std::slice::from_ref(&debar), today), Some(d("2029-01-01")));
        assert_eq!(debarred_until(&[debar], d("2029-01-02")), None);
        let susp = rec(Kind::Suspension, None, "整改", Some("2027-02-01"), None);
        assert!(suspended(std::slice::from_ref(&susp)));
        let lifted = Record { until: Some(d("2027-03-01")), ..susp };
        assert!(!suspended(&[lifted]), "lifted today: no longer suspended today");
        let ratings = [
            rec(Kind::Rating, None, "3A", Some("2023-01-01"), Some("2028-01-01")),
            rec(Kind::Rating, None, "4A", Some("2027-02-01"), Some("2032-02-01")),
        ];
        assert_eq!(rating_on(&ratings, today), Some("4A"), "the best in force");
        assert_eq!(rating_on(&ratings, d("2027-01-15")), Some("3A"));
        let e = Eligibility {
            rating_bonus: [("4A".to_string(), Decimal::new(300, 2)), ("3A".to_string(), Decimal::new(150, 2))].into(),
            ..Default::default()
        };
        assert_eq!(rating_bonus(&e, &ratings, today), Decimal::new(300, 2));
        assert_eq!(rating_bonus(&e, &[], today), Decimal::ZERO);
    }

    #[test]
    fn records_and_rules_are_checked_before_they_are_kept() {
        let today = d("2027-03-01");
        let codes = |r: &Record| check_record(r, today).into_iter().map(|x| x.1).collect::<Vec<_>>();
        assert_eq!(
            codes(&rec(Kind::AnnualInspection, Some(2028), "优秀", None, None)),
            ["invalid_year", "invalid_result"]
        );
        assert_eq!(codes(&rec(Kind::Rating, None, "6A", None, None)), ["invalid_result", "required"]);
        assert_eq!(
            codes(&rec(Kind::Penalty, None, " ", Some("2027-01-02"), Some("2027-01-01"))),
            ["required", "until_before_since"]
        );
        assert_eq!(codes(&rec(Kind::AbnormalList, None, "x", Some("2027-03-02"), None)), ["since_in_future"]);
        assert!(codes(&rec(Kind::AnnualInspection, Some(2026), "合格", None, None)).is_empty());
        let e = Eligibility {
            no_abnormal_years: Some(0),
            rating_bonus: [("6A".to_string(), Decimal::ONE), ("3A".to_string(), Decimal::new(2001, 2))].into(),
            ..Default::default()
        };
        assert_eq!(check_eligibility(&e).len(), 3);
        assert!(Eligibility::default().is_empty() && Eligibility::default().describe().is_empty());
        assert_eq!(years_before(d("2028-02-29"), 1), d("2027-02-28"));
    }
}

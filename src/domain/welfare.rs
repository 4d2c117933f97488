//! The social-welfare fund (社会公益基金): a fund inside a charity holding 公开募捐资格, run by a
//! committee with a supervisor, raising through filed campaigns, issuing a gap-free receipt for
//! every gift, spending restricted gifts only on their purpose and disclosing at least every three
//! months. The rules here have no I/O; `service::welfare` applies them in its transactions.

use super::money::Money;
use chrono::{Months, NaiveDate};
use std::collections::HashMap;

/// A campaign starts at least this many days after it was filed with the civil-affairs office.
pub const FILING_LEAD_DAYS: u64 = 10;
/// What was raised and spent is disclosed at least every three months.
pub const DISCLOSURE_MONTHS: u32 = 3;
/// Voting members at the least (all but supervisors).
pub const MIN_VOTING: usize = 5;
/// What an anonymous donor is called wherever donors are listed.
pub const ANONYMOUS: &str = "爱心人士";

macro_rules! kinds {
    ($(#[$m:meta])* $name:ident { $($v:ident = $s:literal / $label:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name { $($v),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            pub fn parse(s: &str) -> Option<$name> {
                match s { $($s => Some($name::$v),)+ _ => None }
            }
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s),+ }
            }
            pub fn label(self) -> &'static str {
                match self { $($name::$v => $label),+ }
            }
            pub fn label_of(s: &str) -> &'static str {
                $name::parse(s).map_or("未知", $name::label)
            }
            /// "a | b | c" for messages.
            pub fn choices() -> String {
                $name::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>().join(" | ")
            }
        }
    };
}

kinds! {
    /// Who a committee member stands for.
    MemberRole {
        DonorRep = "donor_rep" / "捐赠人代表",
        Charity = "charity" / "慈善组织代表",
        Town = "town" / "镇（街道）代表",
        Community = "community" / "村（社区）代表",
        Enterprise = "enterprise" / "企业代表",
        Resident = "resident" / "居民代表",
        Supervisor = "supervisor" / "监督人",
    }
}

kinds! {
    DonorKind {
        Person = "person" / "个人",
        Organisation = "organisation" / "单位",
    }
}

kinds! {
    /// How a gift arrived; an in-kind gift is recorded at its valuation.
    Channel {
        Cash = "cash" / "现金",
        Transfer = "transfer" / "银行转账",
        Online = "online" / "网络募捐平台",
        InKind = "in_kind" / "物资捐赠",
        Other = "other" / "其他",
    }
}

kinds! {
    /// Where a grant from the fund goes.
    GrantTarget {
        Project = "project" / "公益创投项目配套资金",
        Store = "store" / "积分超市",
        Aid = "aid" / "应急救助",
    }
}

/// Why a committee may not run the fund yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommitteeProblem {
    TooFewVoting(usize),
    EvenVoting(usize),
    NoSupervisor,
}

impl CommitteeProblem {
    pub fn message(&self) -> String {
        match self {
            CommitteeProblem::TooFewVoting(n) => {
                format!("管理委员会有表决权的委员应不少于 {MIN_VOTING} 人且为单数，现有 {n} 人")
            }
            CommitteeProblem::EvenVoting(n) => format!("管理委员会有表决权的委员人数应为单数，现有 {n} 人"),
            CommitteeProblem::NoSupervisor => "管理委员会应至少有 1 名监督人".into(),
        }
    }
}

/// Voting members (everyone but supervisors) at least five and odd; at least one supervisor.
pub fn check_committee(roles: &[MemberRole]) -> Result<(), CommitteeProblem> {
    let voting = voting_members(roles);
    if voting < MIN_VOTING {
        return Err(CommitteeProblem::TooFewVoting(voting));
    }
    if voting.is_multiple_of(2) {
        return Err(CommitteeProblem::EvenVoting(voting));
    }
    if !roles.contains(&MemberRole::Supervisor) {
        return Err(CommitteeProblem::NoSupervisor);
    }
    Ok(())
}

pub fn voting_members(roles: &[MemberRole]) -> usize {
    roles.iter().filter(|r| **r != MemberRole::Supervisor).count()
}

/// A decision carries when more than half of the voting members voted for it.
pub fn carries(votes_for: usize, voting: usize) -> bool {
    votes_for * 2 > voting && votes_for <= voting
}

/// The first day a campaign filed on `filed_on` may start.
pub fn earliest_start(filed_on: NaiveDate) -> NaiveDate {
    filed_on + chrono::Days::new(FILING_LEAD_DAYS)
}

/// The host charity's certificate must still be valid on `today`.
pub fn certificate_valid(until: NaiveDate, today: NaiveDate) -> bool {
    until >= today
}

/// A receipt number: the fund's prefix, the year of issue and the fund's running number
/// (JJ01-2026-000001). Numbers run per fund without gaps.
pub fn receipt_no(prefix: &str, year: i32, seq: i64) -> String {
    format!("{prefix}-{year}-{seq:06}")
}

/// A fund's receipt prefix: 2–8 capital letters or digits.
pub fn valid_prefix(s: &str) -> bool {
    (2..=8).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// The default prefix of fund `id`: JJ01, JJ02, …
pub fn default_prefix(id: i64) -> String {
    format!("JJ{id:02}")
}

/// How a donor appears in public: anonymous donors as 爱心人士, persons with the middle of the
/// name masked (张三明 → 张*明), organisations by name.
pub fn public_donor(name: &str, kind: DonorKind, anonymous: bool) -> String {
    if anonymous {
        return ANONYMOUS.into();
    }
    match kind {
        DonorKind::Person => super::points::mask_name(name),
        DonorKind::Organisation => name.trim().to_string(),
    }
}

/// A restriction's key: the purpose text trimmed, the empty string for unrestricted money.
pub fn restriction_key(r: Option<&str>) -> String {
    r.map(str::trim).unwrap_or("").to_string()
}

/// The day a disclosure is due: three months after the end of the last one (or, before any,
/// after the fund became active).
pub fn disclosure_due(last_to: Option<NaiveDate>, active_since: NaiveDate) -> NaiveDate {
    let base = last_to.unwrap_or(active_since);
    base.checked_add_months(Months::new(DISCLOSURE_MONTHS)).unwrap_or(NaiveDate::MAX)
}

/// Days a disclosure is late on `today` (`None` while not late).
pub fn disclosure_late(last_to: Option<NaiveDate>, active_since: NaiveDate, today: NaiveDate) -> Option<i64> {
    let due = disclosure_due(last_to, active_since);
    (today > due).then(|| (today - due).num_days())
}

/// Why a disclosure period is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodProblem {
    Reversed,
    Future,
    TooLong,
}

impl PeriodProblem {
    pub fn code(self) -> &'static str {
        match self {
            PeriodProblem::Reversed => "period_reversed",
            PeriodProblem::Future => "period_in_future",
            PeriodProblem::TooLong => "period_too_long",
        }
    }
    pub fn message(self) -> &'static str {
        match self {
            PeriodProblem::Reversed => "结束日期不能早于开始日期",
            PeriodProblem::Future => "只能公开已经过去的期间",
            PeriodProblem::TooLong => "一次公开的期间不超过一年",
        }
    }
}

/// A disclosure covers a past period of at most a year.
pub fn check_period(from: NaiveDate, to: NaiveDate, today: NaiveDate) -> Result<(), PeriodProblem> {
    if to < from {
        return Err(PeriodProblem::Reversed);
    }
    if to > today {
        return Err(PeriodProblem::Future);
    }
    if from.checked_add_months(Months::new(12)).is_none_or(|end| to >= end) {
        return Err(PeriodProblem::TooLong);
    }
    Ok(())
}

/// Money in and out of one pot (unrestricted, or one restriction).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pot {
    pub received: i64,
    pub granted: i64,
}

impl Pot {
    pub fn available(self) -> Money {
        Money::from_fen(self.received - self.granted)
    }
    /// Whether a grant of `amount` fits (the database makes the same check atomically).
    pub fn covers(self, amount: Money) -> bool {
        self.received - self.granted >= amount.fen()
    }
}

/// One money movement as the audit trail records it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WelfareEvent {
    Donation { fund: i64, donation: i64, amount: i64, restriction: String },
    Grant { fund: i64, grant: i64, amount: i64, restriction: String, project: Option<i64> },
}

/// What the tables hold, for the replay to compare.
#[derive(Debug, Default)]
pub struct WelfareTables {
    /// (fund, donation id, amount, restriction)
    pub donations: Vec<(i64, i64, i64, String)>,
    /// (fund, grant id, amount, restriction, project)
    pub grants: Vec<(i64, i64, i64, String, Option<i64>)>,
    /// (fund, restriction) → pot
    pub pots: Vec<((i64, String), Pot)>,
    /// (project, matching granted from welfare funds)
    pub project_matching: Vec<(i64, i64)>,
}

/// Replays the trail's donations and grants against the tables: every row must be in the trail
/// with the same amount and purpose, every pot must add up, and each project's matching money
/// from the fund must be the sum of its grants. Returns findings (Chinese) and movements checked.
pub fn replay(events: &[WelfareEvent], t: &WelfareTables) -> (usize, Vec<String>) {
    let mut findings = Vec::new();
    let mut pots: HashMap<(i64, String), Pot> = HashMap::new();
    let mut donations: HashMap<i64, (i64, i64, String)> = HashMap::new();
    let mut grants: HashMap<i64, (i64, i64, String, Option<i64>)> = HashMap::new();
    let mut matching: HashMap<i64, i64> = HashMap::new();
    for e in events {
        match e {
            WelfareEvent::Donation { fund, donation, amount, restriction } => {
                pots.entry((*fund, restriction.clone())).or_default().received += amount;
                donations.insert(*donation, (*fund, *amount, restriction.clone()));
            }
            WelfareEvent::Grant { fund, grant, amount, restriction, project } => {
                pots.entry((*fund, restriction.clone())).or_default().granted += amount;
                grants.insert(*grant, (*fund, *amount, restriction.clone(), *project));
                if let Some(p) = project {
                    *matching.entry(*p).or_default() += amount;
                }
            }
        }
    }
    for (fund, id, amount, r) in &t.donations {
        match donations.remove(id) {
            Some((f, a, rr)) if f == *fund && a == *amount && rr == *r => {}
            Some((_, a, _)) => findings.push(format!(
                "捐赠 {id} 记为 {}，审计记录为 {}",
                Money::from_fen(*amount).grouped(),
                Money::from_fen(a).grouped()
            )),
            None => findings.push(format!("捐赠 {id}（{}）在审计记录中没有", Money::from_fen(*amount).grouped())),
        }
    }
    for id in donations.keys() {
        findings.push(format!("审计记录中的捐赠 {id} 在数据表中缺失"));
    }
    for (fund, id, amount, r, project) in &t.grants {
        match grants.remove(id) {
            Some((f, a, rr, p)) if f == *fund && a == *amount && rr == *r && p == *project => {}
            Some((_, a, _, _)) => findings.push(format!(
                "基金使用 {id} 记为 {}，审计记录为 {}",
                Money::from_fen(*amount).grouped(),
                Money::from_fen(a).grouped()
            )),
            None => findings.push(format!("基金使用 {id}（{}）在审计记录中没有", Money::from_fen(*amount).grouped())),
        }
    }
    for id in grants.keys() {
        findings.push(format!("审计记录中的基金使用 {id} 在数据表中缺失"));
    }
    for ((fund, r), pot) in &t.pots {
        let expected = pots.remove(&(*fund, r.clone())).unwrap_or_default();
        if expected != *pot {
            findings.push(format!(
                "基金 {fund}{} 余额表记收入 {}、支出 {}，审计记录为收入 {}、支出 {}",
                if r.is_empty() { "（非定向）".to_string() } else { format!("（定向：{r}）") },
                Money::from_fen(pot.received).grouped(),
                Money::from_fen(pot.granted).grouped(),
                Money::from_fen(expected.received).grouped(),
                Money::from_fen(expected.granted).grouped()
            ));
        }
    }
    for ((fund, r), pot) in pots {
        if pot != Pot::default() {
            findings.push(format!("基金 {fund} 的余额表缺少「{}」一项", if r.is_empty() { "非定向" } else { &r }));
        }
    }
    for (project, amount) in &t.project_matching {
        let expected = matching.remove(project).unwrap_or(0);
        if expected != *amount {
            findings.push(format!(
                "项目 {project} 的基金配套资金记为 {}，审计记录为 {}",
                Money::from_fen(*amount).grouped(),
                Money::from_fen(expected).grouped()
            ));
        }
    }
    for (project, amount) in matching {
        if amount != 0 {
            findings
                .push(format!("项目 {project} 的基金配套资金应为 {}，数据表中没有", Money::from_fen(amount).grouped()));
        }
    }
    (t.donations.len() + t.grants.len(), findings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use MemberRole::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn committee_needs_five_odd_voting_members_and_a_supervisor() {
        assert_eq!(check_committee(&[DonorRep, Charity, Town, Community, Enterprise, Supervisor]), Ok(()));
        assert_eq!(
            check_committee(&[DonorRep, Charity, Town, Community, Supervisor]),
            Err(CommitteeProblem::TooFewVoting(4))
        );
        assert_eq!(
            check_committee(&[DonorRep, Charity, Town, Community, Enterprise, Resident, Supervisor]),
            Err(CommitteeProblem::EvenVoting(6))
        );
        assert_eq!(
            check_committee(&[DonorRep, Charity, Town, Community, Enterprise]),
            Err(CommitteeProblem::NoSupervisor)
        );
        // Supervisors do not count as voting members, however many.
        assert_eq!(
            check_committee(&[DonorRep, Charity, Town, Community, Supervisor, Supervisor]),
            Err(CommitteeProblem::TooFewVoting(4))
        );
        assert!(CommitteeProblem::EvenVoting(6).message().contains("单数"));
    }

    #[test]
    fn a_decision_needs_more_than_half() {
        assert!(carries(3, 5));
        assert!(!carries(2, 5));
        assert!(!carries(6, 5));
        assert!(carries(4, 7));
    }

    #[test]
    fn campaigns_start_ten_days_after_filing() {
        assert_eq!(earliest_start(d("2026-03-01")), d("2026-03-11"));
        assert_eq!(earliest_start(d("2026-12-25")), d("2027-01-04"));
    }

    #[test]
    fn receipt_numbers_and_prefixes() {
        assert_eq!(receipt_no("JJ01", 2026, 1), "JJ01-2026-000001");
        assert_eq!(receipt_no("JJJJ", 2027, 123456), "JJJJ-2027-123456");
        assert_eq!(default_prefix(3), "JJ03");
        assert!(valid_prefix("JJJJ") && valid_prefix("SX01"));
        assert!(!valid_prefix("J") && !valid_prefix("jj01") && !valid_prefix("JJ-1") && !valid_prefix("基金"));
    }

    #[test]
    fn donors_in_public() {
        assert_eq!(public_donor("张三明", DonorKind::Person, false), "张*明");
        assert_eq!(public_donor("张三明", DonorKind::Person, true), "爱心人士");
        assert_eq!(public_donor("杭州某某科技有限公司", DonorKind::Organisation, false), "杭州某某科技有限公司");
        assert_eq!(public_donor("杭州某某科技有限公司", DonorKind::Organisation, true), "爱心人士");
    }

    #[test]
    fn certificate_and_disclosure_dates() {
        assert!(certificate_valid(d("2026-12-31"), d("2026-12-31")));
        assert!(!certificate_valid(d("2026-12-30"), d("2026-12-31")));
        assert_eq!(disclosure_due(Some(d("2026-03-31")), d("2026-01-01")), d("2026-06-30"));
        assert_eq!(disclosure_due(None, d("2026-11-30")), d("2027-02-28"));
        assert_eq!(disclosure_late(Some(d("2026-03-31")), d("2026-01-01"), d("2026-06-30")), None);
        assert_eq!(disclosure_late(Some(d("2026-03-31")), d("2026-01-01"), d("2026-07-03")), Some(3));
    }

    #[test]
    fn disclosure_periods() {
        let today = d("2026-12-04");
        assert_eq!(check_period(d("2026-07-01"), d("2026-09-30"), today), Ok(()));
        assert_eq!(check_period(d("2026-10-01"), d("2026-09-30"), today), Err(PeriodProblem::Reversed));
        assert_eq!(check_period(d("2026-10-01"), d("2026-12-31"), today), Err(PeriodProblem::Future));
        assert_eq!(check_period(d("2025-01-01"), d("2026-01-01"), today), Err(PeriodProblem::TooLong));
        assert_eq!(check_period(d("2025-01-02"), d("2026-01-01"), today), Ok(()));
    }

    #[test]
    fn pots_cover_only_what_is_left() {
        let p = Pot { received: 10_000, granted: 4_000 };
        assert_eq!(p.available(), Money::from_fen(6_000));
        assert!(p.covers(Money::from_fen(6_000)));
        assert!(!p.covers(Money::from_fen(6_001)));
        assert_eq!(restriction_key(Some(" 助老 ")), "助老");
        assert_eq!(restriction_key(None), "");
    }

    #[test]
    fn replay_finds_what_does_not_add_up() {
        let events = vec![
            WelfareEvent::Donation { fund: 1, donation: 1, amount: 10_000, restriction: String::new() },
            WelfareEvent::Donation { fund: 1, donation: 2, amount: 5_000, restriction: "助老".into() },
            WelfareEvent::Grant { fund: 1, grant: 1, amount: 3_000, restriction: String::new(), project: Some(7) },
        ];
        let mut t = WelfareTables {
            donations: vec![(1, 1, 10_000, String::new()), (1, 2, 5_000, "助老".into())],
            grants: vec![(1, 1, 3_000, String::new(), Some(7))],
            pots: vec![
                ((1, String::new()), Pot { received: 10_000, granted: 3_000 }),
                ((1, "助老".into()), Pot { received: 5_000, granted: 0 }),
            ],
            project_matching: vec![(7, 3_000)],
        };
        assert_eq!(replay(&events, &t), (3, vec![]));
        t.pots[0].1.granted = 2_000;
        t.project_matching[0].1 = 4_000;
        t.donations.push((1, 3, 100, String::new()));
        let (_, f) = replay(&events, &t);
        assert_eq!(f.len(), 3, "{f:?}");
        assert!(f.iter().any(|s| s.contains("捐赠 3")));
        assert!(f.iter().any(|s| s.contains("项目 7")));
    }
}

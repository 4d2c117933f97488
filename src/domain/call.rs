//! The yearly call (招标): its phase in time, and the rules a draft must meet before publishing.

use super::money::Money;
use chrono::{DateTime, NaiveDate, Utc};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FundSource {
    Budget,
    Lottery,
    Other,
}

impl FundSource {
    pub fn as_str(self) -> &'static str {
        match self {
            FundSource::Budget => "budget",
            FundSource::Lottery => "lottery",
            FundSource::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<FundSource> {
        [FundSource::Budget, FundSource::Lottery, FundSource::Other].into_iter().find(|f| f.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            FundSource::Budget => "财政预算",
            FundSource::Lottery => "福彩公益金",
            FundSource::Other => "其他",
        }
    }
    /// The mark 福彩-funded documents must carry.
    pub fn mark(self) -> Option<&'static str> {
        (self == FundSource::Lottery).then_some("彩票公益金资助—中国福利彩票")
    }
}

/// Where a call stands. Only `Draft` and `Open` are stored before review; the rest of "open"
/// follows from the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Draft,
    /// Published, `opens_at` not reached: the tender can be read, bids drafted, not submitted.
    Announced,
    Open,
    /// `closes_at` passed: bids sealed no longer; screening and finance review.
    Screening,
    /// Review panels drawn: experts score.
    Review,
    /// Decided: the results notice (公示) runs.
    Notice,
    /// Finalised: funded bids are projects.
    Final,
}

impl Phase {
    pub fn of(stored_status: &str, opens_at: DateTime<Utc>, closes_at: DateTime<Utc>, now: DateTime<Utc>) -> Phase {
        match stored_status {
            "draft" => Phase::Draft,
            "review" => Phase::Review,
            "notice" => Phase::Notice,
            "final" | "closed" => Phase::Final,
            _ if now >= closes_at => Phase::Screening,
            _ if now < opens_at => Phase::Announced,
            _ => Phase::Open,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Draft => "draft",
            // Published: the contract knows one "open"; whether bids are taken yet is separate.
            Phase::Announced | Phase::Open => "open",
            Phase::Screening => "screening",
            Phase::Review => "review",
            Phase::Notice => "notice",
            Phase::Final => "final",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Phase::Draft => "草稿",
            Phase::Announced => "已发布，尚未开始申报",
            Phase::Open => "申报中",
            Phase::Screening => "申报已截止，资格审查中",
            Phase::Review => "专家评审中",
            Phase::Notice => "评审结果公示中",
            Phase::Final => "已确定资助项目",
        }
    }
    /// `closes_at` has passed (whatever came after it).
    pub fn past_deadline(self) -> bool {
        matches!(self, Phase::Screening | Phase::Review | Phase::Notice | Phase::Final)
    }
    /// Sealed bids: before the deadline only the owner reads a bid.
    pub fn bids_sealed(self) -> bool {
        matches!(self, Phase::Draft | Phase::Announced | Phase::Open)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolRule {
    pub is_district: bool,
    pub region_code: String,
    pub budget: Money,
}

/// What publishing checks. Drafts may be saved with these unmet.
pub struct PublishCheck<'a> {
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub project_start: NaiveDate,
    pub project_end: NaiveDate,
    pub min_grant: Money,
    pub max_grant: Money,
    pub weights: &'a [u32],
    pub tranches: &'a [u32],
    pub pools: &'a [PoolRule],
    pub now: DateTime<Utc>,
}

pub struct Problem {
    pub field: String,
    pub code: &'static str,
    pub message: String,
}

fn p(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Problem {
    Problem { field: field.into(), code, message: message.into() }
}

/// Every reason the call cannot be published yet.
pub fn publish_problems(c: &PublishCheck<'_>) -> Vec<Problem> {
    let mut out = Vec::new();
    if c.opens_at >= c.closes_at {
        out.push(p("closes_at", "dates_inverted", "申报截止时间应晚于开始时间"));
    }
    if c.closes_at <= c.now {
        out.push(p("closes_at", "closes_in_past", "申报截止时间已过"));
    }
    if c.project_start > c.project_end {
        out.push(p("project_end", "dates_inverted", "项目结束日期应不早于开始日期"));
    }
    if c.min_grant > c.max_grant {
        out.push(p("min_grant", "grant_range_inverted", "单个项目资助下限不能高于上限"));
    }
    if c.min_grant.fen() <= 0 {
        out.push(p("min_grant", "amount_not_positive", "单个项目资助下限应大于 0"));
    }
    let weight_sum: u32 = c.weights.iter().sum();
    if c.weights.is_empty() || weight_sum != 100 {
        out.push(p("criteria", "weights_not_100", format!("评分标准权重合计应为 100，现为 {weight_sum}")));
    }
    let tranche_sum: u32 = c.tranches.iter().sum();
    if c.tranches.is_empty() || tranche_sum != 100 || c.tranches.contains(&0) {
        out.push(p("tranches", "tranches_not_100", format!("拨付比例合计应为 100%，现为 {tranche_sum}%")));
    }
    // The yearly floors belong to the funds (domain::fund); a call may hold any pools, at least one.
    if c.pools.is_empty() {
        out.push(p("pools", "no_pools", "至少应有一个资金池"));
    }
    for (i, pool) in c.pools.iter().enumerate() {
        if pool.budget.fen() <= 0 {
            out.push(p(format!("pools[{i}].budget"), "amount_not_positive", "资金池金额应大于 0"));
        }
    }
    if let Some(smallest) = c.pools.iter().map(|x| x.budget).min() {
        if c.max_grant > smallest {
            out.push(p(
                "max_grant",
                "max_grant_exceeds_pool",
                format!("单个项目资助上限 {} 元超过最小资金池 {} 元", c.max_grant.grouped(), smallest.grouped()),
            ));
        }
    }
    out
}

/// The default rubric (DESIGN.md): key, name, weight.
pub const DEFAULT_CRITERIA: [(&str, &str, u32); 5] = [
    ("necessity", "项目必要性", 20),
    ("feasibility", "方案可行性", 25),
    ("innovation", "创新性", 20),
    ("budget", "预算合理性", 20),
    ("capacity", "机构能力", 15),
];

pub const DEFAULT_TRANCHES: [u32; 3] = [50, 30, 20];

/// A bid's reference: `JJ-2026-0001`.
pub fn reference(prefix: &str, year: i32, seq: i64) -> String {
    format!("{prefix}-{year}-{seq:04}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }
    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }
    fn m(s: &str) -> Money {
        Money::parse(s).unwrap()
    }
    fn pools() -> Vec<PoolRule> {
        vec![
            PoolRule { is_district: true, region_code: "340207000000".into(), budget: m("1000000") },
            PoolRule { is_district: false, region_code: "340207101000".into(), budget: m("200000") },
        ]
    }
    fn check<'a>(pools: &'a [PoolRule], weights: &'a [u32], tranches: &'a [u32]) -> PublishCheck<'a> {
        PublishCheck {
            opens_at: t("2026-02-01T00:00:00+08:00"),
            closes_at: t("2026-03-01T00:00:00+08:00"),
            project_start: d("2026-04-01"),
            project_end: d("2026-12-31"),
            min_grant: m("20000"),
            max_grant: m("200000"),
            weights,
            tranches,
            pools,
            now: t("2026-01-15T10:00:00+08:00"),
        }
    }
    fn codes(c: &PublishCheck<'_>) -> Vec<&'static str> {
        publish_problems(c).into_iter().map(|x| x.code).collect()
    }

    #[test]
    fn a_proper_call_publishes() {
        let pools = pools();
        assert!(codes(&check(&pools, &[20, 25, 20, 20, 15], &[50, 30, 20])).is_empty());
    }

    #[test]
    fn a_small_second_round_publishes_but_max_grant_fits_the_smallest_pool() {
        let mut pools = pools();
        pools.truncate(1);
        pools[0].budget = m("100000");
        let got = codes(&check(&pools, &[100], &[100]));
        assert_eq!(got, vec!["max_grant_exceeds_pool"]);
        pools[0].budget = m("0");
        assert!(codes(&check(&pools, &[100], &[100])).contains(&"amount_not_positive"));
    }

    #[test]
    fn pools_weights_tranches_dates() {
        let mut two = pools();
        two.push(PoolRule { is_district: true, region_code: "x".into(), budget: m("1000000") });
        assert!(codes(&check(&two, &[20, 25, 20, 20, 15], &[50, 30, 20])).is_empty(), "two district pools are fine");
        assert_eq!(codes(&check(&[], &[100], &[100])), vec!["no_pools"]);
        let pools = pools();
        assert_eq!(codes(&check(&pools, &[20, 25, 20, 20, 14], &[50, 30, 20])), vec!["weights_not_100"]);
        assert_eq!(codes(&check(&pools, &[], &[50, 30, 20])), vec!["weights_not_100"]);
        assert_eq!(codes(&check(&pools, &[100], &[50, 30, 21])), vec!["tranches_not_100"]);
        assert_eq!(codes(&check(&pools, &[100], &[100, 0])), vec!["tranches_not_100"]);
        let mut c = check(&pools, &[100], &[100]);
        c.closes_at = c.opens_at;
        c.project_end = d("2026-03-31");
        c.min_grant = m("300000");
        let got = codes(&c);
        for want in ["dates_inverted", "grant_range_inverted"] {
            assert!(got.contains(&want), "{got:?}");
        }
    }

    #[test]
    fn phases_follow_the_clock() {
        let (o, c) = (t("2026-02-01T00:00:00+08:00"), t("2026-03-01T00:00:00+08:00"));
        assert_eq!(Phase::of("draft", o, c, t("2026-02-10T00:00:00+08:00")), Phase::Draft);
        assert_eq!(Phase::of("open", o, c, t("2026-01-31T23:59:59+08:00")), Phase::Announced);
        assert_eq!(Phase::of("open", o, c, o), Phase::Open);
        assert_eq!(Phase::of("open", o, c, t("2026-02-28T23:59:59+08:00")), Phase::Open);
        assert_eq!(Phase::of("open", o, c, c), Phase::Screening);
        assert!(Phase::Open.bids_sealed() && !Phase::Screening.bids_sealed());
        assert_eq!(Phase::of("review", o, c, c), Phase::Review);
        assert!(!Phase::Review.bids_sealed());
    }

    #[test]
    fn references_and_marks() {
        assert_eq!(reference("JJ", 2026, 1), "JJ-2026-0001");
        assert_eq!(reference("JJ", 2026, 12345), "JJ-2026-12345");
        assert_eq!(FundSource::Lottery.mark(), Some("彩票公益金资助—中国福利彩票"));
        assert_eq!(FundSource::Budget.mark(), None);
        assert_eq!(FundSource::parse("lottery"), Some(FundSource::Lottery));
    }
}

//! Project milestones: the plan a funded project starts with, evaluation grades, and when a
//! tranche may be paid.

use chrono::{Duration, NaiveDate};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedMilestone {
    pub kind: &'static str,
    pub title: String,
    pub due_date: NaiveDate,
    /// The tranche (1-based) this milestone releases.
    pub tranche_seq: Option<i32>,
}

/// Signing releases tranche 1, the final evaluation the last tranche, mid-term evaluations the
/// ones between (evenly spaced over the project period).
pub fn plan(tranches: usize, start: NaiveDate, end: NaiveDate) -> Vec<PlannedMilestone> {
    let mut out =
        vec![PlannedMilestone {
            kind: "signing", title: "签订项目协议".into(), due_date: start, tranche_seq: Some(1)
        }];
    let middle = tranches.saturating_sub(2);
    let span = (end - start).num_days().max(1);
    for i in 0..middle {
        let at = start + Duration::days(span * (i as i64 + 1) / (middle as i64 + 1));
        let title = if middle == 1 { "中期评估".to_string() } else { format!("第{}次中期评估", i + 1) };
        out.push(PlannedMilestone { kind: "midterm", title, due_date: at, tranche_seq: Some(i as i32 + 2) });
    }
    if tranches >= 2 {
        out.push(PlannedMilestone {
            kind: "final",
            title: "结项评估".into(),
            due_date: end,
            tranche_seq: Some(tranches as i32),
        });
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grade {
    Excellent,
    Good,
    Pass,
    Fail,
}

impl Grade {
    pub fn parse(s: &str) -> Option<Grade> {
        match s {
            "优秀" | "excellent" => Some(Grade::Excellent),
            "良好" | "good" => Some(Grade::Good),
            "合格" | "pass" => Some(Grade::Pass),
            "不合格" | "fail" => Some(Grade::Fail),
            _ => None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Grade::Excellent => "优秀",
            Grade::Good => "良好",
            Grade::Pass => "合格",
            Grade::Fail => "不合格",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn default_plan_is_signing_midterm_final() {
        let p = plan(3, d("2026-04-01"), d("2026-12-31"));
        let kinds: Vec<&str> = p.iter().map(|m| m.kind).collect();
        assert_eq!(kinds, vec!["signing", "midterm", "final"]);
        assert_eq!(p.iter().map(|m| m.tranche_seq).collect::<Vec<_>>(), vec![Some(1), Some(2), Some(3)]);
        assert!(p[1].due_date > p[0].due_date && p[1].due_date < p[2].due_date);
        assert_eq!(plan(1, d("2026-04-01"), d("2026-12-31")).len(), 1);
        assert_eq!(plan(2, d("2026-04-01"), d("2026-12-31"))[1].kind, "final");
        assert_eq!(plan(4, d("2026-04-01"), d("2026-12-31"))[2].title, "第2次中期评估");
    }

    #[test]
    fn grades() {
        assert_eq!(Grade::parse("不合格"), Some(Grade::Fail));
        assert_eq!(Grade::parse("good"), Some(Grade::Good));
        assert_eq!(Grade::parse("A+"), None);
    }
}

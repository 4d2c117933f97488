//! Project milestones: the plan a funded project starts with, evaluation grades, and when a
//! tranche may be paid.

use super::aftercare::{PaymentMode, Terms};
use super::calendar::{MissingYear, WorkCalendar};
use chrono::{Duration, NaiveDate};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedMilestone {
    pub kind: &'static str,
    pub title: String,
    pub due_date: NaiveDate,
    /// The tranche (1-based) this milestone releases.
    pub tranche_seq: Option<i32>,
}

/// Paid in tranches: signing releases tranche 1, the final evaluation the last tranche, mid-term
/// evaluations the ones between (evenly spaced over the project period); with one tranche the
/// final evaluation releases nothing but still closes the project. Paid after the final: signing
/// releases nothing and the final evaluation the one tranche. The final evaluation falls due
/// the call's `final_report_days` after the project's last day.
pub fn plan(tranches: usize, start: NaiveDate, end: NaiveDate, terms: &Terms) -> Vec<PlannedMilestone> {
    let after_final = terms.payment_mode == PaymentMode::AfterFinal;
    let mut out = vec![PlannedMilestone {
        kind: "signing",
        title: "签订项目协议".into(),
        due_date: start,
        tranche_seq: (!after_final).then_some(1),
    }];
    let middle = if after_final { 0 } else { tranches.saturating_sub(2) };
    let span = (end - start).num_days().max(1);
    for i in 0..middle {
        let at = start + Duration::days(span * (i as i64 + 1) / (middle as i64 + 1));
        let title = if middle == 1 { "中期评估".to_string() } else { format!("第{}次中期评估", i + 1) };
        out.push(PlannedMilestone { kind: "midterm", title, due_date: at, tranche_seq: Some(i as i32 + 2) });
    }
    let last = match (after_final, tranches) {
        (true, _) => Some(1),
        (false, 0 | 1) => None,
        (false, n) => Some(n as i32),
    };
    out.push(PlannedMilestone {
        kind: "final",
        title: "结项评估".into(),
        due_date: terms.final_due(end),
        tranche_seq: last,
    });
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

/// Reminders go out this many working days before a milestone's due date.
pub const REMIND_WORKING_DAYS: u32 = 5;

/// A pending milestone due on `due` is reminded from 5 working days before it until the day.
pub fn reminder_due(today: NaiveDate, due: NaiveDate, cal: &WorkCalendar) -> Result<bool, MissingYear> {
    Ok(today <= due && cal.working_days_between(today, due)? <= REMIND_WORKING_DAYS)
}

/// A mid-term or final evaluation not reported by its due date counts as failed (不合格) once
/// `grace` working days have passed after it.
pub fn evaluation_lapsed(
    today: NaiveDate,
    due: NaiveDate,
    grace: u32,
    cal: &WorkCalendar,
) -> Result<bool, MissingYear> {
    Ok(today > cal.add_working_days(due, grace)?)
}

/// What ending a project early settles, in fen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settlement {
    /// Never paid: returns to the pool.
    pub released: i64,
    /// Paid beyond what the verified milestones earned: to be recovered (追回).
    pub clawback: i64,
}

/// `earned` is the sum of the tranches whose milestones were verified and passed.
pub fn settle(approved: i64, paid: i64, earned: i64) -> Settlement {
    Settlement { released: (approved - paid).max(0), clawback: (paid - earned).max(0) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn default_plan_is_signing_midterm_final() {
        let t = Terms::default();
        let p = plan(3, d("2026-04-01"), d("2026-12-31"), &t);
        let kinds: Vec<&str> = p.iter().map(|m| m.kind).collect();
        assert_eq!(kinds, vec!["signing", "midterm", "final"]);
        assert_eq!(p.iter().map(|m| m.tranche_seq).collect::<Vec<_>>(), vec![Some(1), Some(2), Some(3)]);
        assert!(p[1].due_date > p[0].due_date && p[1].due_date < d("2026-12-31"));
        assert_eq!(p[2].due_date, d("2027-01-30"), "the final report is due 30 days after the last day");
        let one = plan(1, d("2026-04-01"), d("2026-12-31"), &t);
        assert_eq!(
            one.iter().map(|m| (m.kind, m.tranche_seq)).collect::<Vec<_>>(),
            [("signing", Some(1)), ("final", None)]
        );
        assert_eq!(plan(2, d("2026-04-01"), d("2026-12-31"), &t)[1].kind, "final");
        assert_eq!(plan(4, d("2026-04-01"), d("2026-12-31"), &t)[2].title, "第2次中期评估");
    }

    #[test]
    fn paid_after_the_final_evaluation_signing_releases_nothing() {
        let t = Terms { payment_mode: PaymentMode::AfterFinal, final_report_days: 0, ..Terms::default() };
        let p = plan(1, d("2026-04-01"), d("2026-12-31"), &t);
        assert_eq!(
            p.iter().map(|m| (m.kind, m.tranche_seq, m.due_date)).collect::<Vec<_>>(),
            [("signing", None, d("2026-04-01")), ("final", Some(1), d("2026-12-31"))]
        );
    }

    #[test]
    fn grades() {
        assert_eq!(Grade::parse("不合格"), Some(Grade::Fail));
        assert_eq!(Grade::parse("good"), Some(Grade::Good));
        assert_eq!(Grade::parse("A+"), None);
    }

    #[test]
    fn reminders_start_five_working_days_before() {
        let cal = crate::domain::calendar::shipped();
        // Due Friday 2026-06-12: Friday 06-05 is five working days before, Thursday 06-04 six.
        assert!(!reminder_due(d("2026-06-04"), d("2026-06-12"), &cal).unwrap());
        assert!(reminder_due(d("2026-06-05"), d("2026-06-12"), &cal).unwrap());
        assert!(reminder_due(d("2026-06-12"), d("2026-06-12"), &cal).unwrap());
        assert!(!reminder_due(d("2026-06-13"), d("2026-06-12"), &cal).unwrap(), "overdue is another email");
        // Over the National Day holiday (10-01 … 10-07, 10-10 worked) they reach two weeks back.
        assert!(reminder_due(d("2026-09-29"), d("2026-10-12"), &cal).unwrap());
        assert!(!reminder_due(d("2026-09-28"), d("2026-10-12"), &cal).unwrap());
    }

    #[test]
    fn a_late_evaluation_fails_after_the_grace_period() {
        let cal = crate::domain::calendar::shipped();
        // Due Monday 2026-06-01, grace 5 working days: lapses after Monday 06-08.
        assert!(!evaluation_lapsed(d("2026-06-08"), d("2026-06-01"), 5, &cal).unwrap());
        assert!(evaluation_lapsed(d("2026-06-09"), d("2026-06-01"), 5, &cal).unwrap());
        assert!(evaluation_lapsed(d("2026-06-02"), d("2026-06-01"), 0, &cal).unwrap());
    }

    #[test]
    fn termination_releases_the_unpaid_rest_and_claws_back_the_unearned() {
        // 90,000 approved; 45,000 paid on signing (earned); mid-term failed: nothing to recover.
        assert_eq!(settle(9_000_000, 4_500_000, 4_500_000), Settlement { released: 4_500_000, clawback: 0 });
        // 72,000 paid but only the signing tranche earned: 27,000 to recover.
        assert_eq!(settle(9_000_000, 7_200_000, 4_500_000), Settlement { released: 1_800_000, clawback: 2_700_000 });
        assert_eq!(settle(9_000_000, 0, 0), Settlement { released: 9_000_000, clawback: 0 });
    }
}

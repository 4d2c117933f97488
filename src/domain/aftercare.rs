//! A call's terms for after funding (DESIGN-programme §4): how its projects are paid, when the
//! final report falls due, and from which amount a closure needs an audit report.

use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMode {
    /// Paid in the call's tranches, each released by its milestone (签约, 中期, 结项).
    #[default]
    Tranches,
    /// One payment once the final evaluation is verified 合格 or better (先做后补).
    AfterFinal,
}

impl PaymentMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tranches => "tranches",
            Self::AfterFinal => "after_final",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "tranches" => Some(Self::Tranches),
            "after_final" => Some(Self::AfterFinal),
            _ => None,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Tranches => "按节点分批拨付",
            Self::AfterFinal => "结项评估合格后一次拨付",
        }
    }
}

pub const DEFAULT_FINAL_REPORT_DAYS: u32 = 30;
pub const MAX_FINAL_REPORT_DAYS: u32 = 180;

/// The terms as stored with the call (JSON); a call from before has the defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Terms {
    #[serde(default)]
    pub payment_mode: PaymentMode,
    #[serde(default = "default_days")]
    pub final_report_days: u32,
    /// Projects approved at or above this (fen) close only with an audit report; none: never.
    #[serde(default)]
    pub audit_threshold: Option<i64>,
    /// A budget change moving more than this % of the approved amount between categories needs
    /// finance's approval too.
    #[serde(default = "default_pct")]
    pub change_finance_pct: u32,
    /// The evaluation rubric; none: `evaluation::default_rubric()`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evaluation_rubric: Option<Vec<super::evaluation::Indicator>>,
    /// The grade cut-offs; none: 优秀 90, 良好 75, 合格 60.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grade_cutoffs: Option<super::evaluation::Cutoffs>,
}

pub const DEFAULT_CHANGE_FINANCE_PCT: u32 = 10;

fn default_pct() -> u32 {
    DEFAULT_CHANGE_FINANCE_PCT
}

fn default_days() -> u32 {
    DEFAULT_FINAL_REPORT_DAYS
}

impl Default for Terms {
    fn default() -> Self {
        Terms {
            payment_mode: PaymentMode::Tranches,
            final_report_days: DEFAULT_FINAL_REPORT_DAYS,
            audit_threshold: None,
            change_finance_pct: DEFAULT_CHANGE_FINANCE_PCT,
            evaluation_rubric: None,
            grade_cutoffs: None,
        }
    }
}

impl Terms {
    /// The rubric in force: the call's own or the default.
    pub fn rubric(&self) -> Vec<super::evaluation::Indicator> {
        self.evaluation_rubric.clone().unwrap_or_else(super::evaluation::default_rubric)
    }
    pub fn cutoffs(&self) -> super::evaluation::Cutoffs {
        self.grade_cutoffs.unwrap_or_default()
    }
    /// The final evaluation's due date: that many days after the project's last day.
    pub fn final_due(&self, end: NaiveDate) -> NaiveDate {
        end + Duration::days(i64::from(self.final_report_days))
    }
}

/// What is wrong with the terms of a call paid in `tranches` (percentages).
pub fn check(t: &Terms, tranches: &[u32]) -> Vec<(String, &'static str, String)> {
    let mut out = Vec::new();
    if t.final_report_days > MAX_FINAL_REPORT_DAYS {
        out.push((
            "final_report_days".into(),
            "invalid_final_report_days",
            format!("结项报告期限应为 0–{MAX_FINAL_REPORT_DAYS} 天"),
        ));
    }
    if t.payment_mode == PaymentMode::AfterFinal && tranches != [100] {
        out.push(("tranches".into(), "tranches_not_single", "结项后一次拨付时，拨付比例应为 [100]".into()));
    }
    if t.change_finance_pct > 100 {
        out.push(("change_finance_pct".into(), "invalid_pct", "需财务审核的调整比例应为 0–100".into()));
    }
    if t.evaluation_rubric.is_some() || t.grade_cutoffs.is_some() {
        out.extend(super::evaluation::check(&t.rubric(), &t.cutoffs()));
    }
    if t.audit_threshold.is_some_and(|f| f <= 0) {
        out.push(("audit_threshold".into(), "amount_not_positive", "审计门槛应大于 0".into()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_from_before_keep_tranches_and_thirty_days() {
        let t: Terms = serde_json::from_str("{}").unwrap();
        assert_eq!(t, Terms::default());
        assert_eq!(t.final_due("2027-12-31".parse().unwrap()), "2028-01-30".parse::<NaiveDate>().unwrap());
        let zero = Terms { final_report_days: 0, ..t };
        assert_eq!(zero.final_due("2027-12-31".parse().unwrap()), "2027-12-31".parse::<NaiveDate>().unwrap());
    }

    #[test]
    fn after_final_pays_once_and_days_are_bounded() {
        let after = Terms { payment_mode: PaymentMode::AfterFinal, ..Terms::default() };
        assert!(check(&after, &[100]).is_empty());
        let codes = |v: Vec<(String, &'static str, String)>| v.into_iter().map(|x| x.1).collect::<Vec<_>>();
        assert_eq!(codes(check(&after, &[50, 50])), ["tranches_not_single"]);
        let long =
            Terms { final_report_days: 181, audit_threshold: Some(0), change_finance_pct: 101, ..Terms::default() };
        assert_eq!(codes(check(&long, &[40, 60])), ["invalid_final_report_days", "invalid_pct", "amount_not_positive"]);
        assert!(check(&Terms { final_report_days: 180, ..Terms::default() }, &[40, 60]).is_empty());
        assert_eq!(PaymentMode::parse("after_final"), Some(PaymentMode::AfterFinal));
        assert_eq!(PaymentMode::parse("monthly"), None);
    }
}

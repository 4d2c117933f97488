//! Evaluation on indicators: a call's rubric (indicators with their maximum points) and grade
//! cut-offs; an evaluator scores each indicator and the grade follows from the total.

use super::milestone::Grade;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Indicator {
    pub key: String,
    pub name: String,
    pub max_points: u32,
}

/// The default rubric: 项目实施 30, 投入与管理 20, 财务管理 20, 项目成效 30.
pub fn default_rubric() -> Vec<Indicator> {
    let i = |key: &str, name: &str, max_points| Indicator { key: key.into(), name: name.into(), max_points };
    vec![
        i("implementation", "项目实施", 30),
        i("management", "投入与管理", 20),
        i("finance", "财务管理", 20),
        i("outcomes", "项目成效", 30),
    ]
}

/// The lowest total for each grade; below `pass` is 不合格.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Cutoffs {
    pub excellent: u32,
    pub good: u32,
    pub pass: u32,
}

impl Default for Cutoffs {
    fn default() -> Self {
        Cutoffs { excellent: 90, good: 75, pass: 60 }
    }
}

type Problem = (String, &'static str, String);

/// What is wrong with a call's rubric and cut-offs.
pub fn check(rubric: &[Indicator], c: &Cutoffs) -> Vec<Problem> {
    let mut out = Vec::new();
    if rubric.is_empty() || rubric.len() > 20 {
        out.push(("evaluation_rubric".into(), "invalid_rubric", "评估指标应为 1–20 项".into()));
    }
    for (i, x) in rubric.iter().enumerate() {
        let f = |p: &str| format!("evaluation_rubric[{i}].{p}");
        if !super::dossier::key_ok(&x.key) || rubric[..i].iter().any(|y| y.key == x.key) {
            out.push((f("key"), "invalid_key", "代码应为 1–32 位小写字母、数字或下划线，且不重复".into()));
        }
        if x.name.trim().is_empty() || x.name.chars().count() > 50 {
            out.push((f("name"), "invalid_name", "指标名称应为 1–50 个字".into()));
        }
        if !(1..=100).contains(&x.max_points) {
            out.push((f("max_points"), "invalid_max_points", "指标分值应为 1–100".into()));
        }
    }
    let max: u32 = rubric.iter().map(|x| x.max_points).sum();
    if !(c.pass < c.good && c.good < c.excellent && c.excellent <= max && c.pass > 0) {
        out.push((
            "grade_cutoffs".into(),
            "invalid_cutoffs",
            format!("等次分数线应满足 0 < 合格 < 良好 < 优秀 ≤ 满分 {max}"),
        ));
    }
    out
}

/// The total of the scores: each indicator once, 0 … its maximum, at most two decimals.
pub fn total(rubric: &[Indicator], scores: &[(String, String)]) -> Result<Decimal, Vec<Problem>> {
    let mut out = Vec::new();
    let mut sum = Decimal::ZERO;
    for (i, (key, points)) in scores.iter().enumerate() {
        let f = |p: &str| format!("scores[{i}].{p}");
        let Some(ind) = rubric.iter().find(|x| x.key == *key) else {
            out.push((f("key"), "unknown_indicator", "不是本招标的评估指标".into()));
            continue;
        };
        if scores[..i].iter().any(|(k, _)| k == key) {
            out.push((f("key"), "duplicate_indicator", "每项指标只评一次".into()));
            continue;
        }
        match points.trim().parse::<Decimal>() {
            Ok(p) if p.scale() <= 2 && p >= Decimal::ZERO && p <= Decimal::from(ind.max_points) => sum += p,
            _ => out.push((
                f("points"),
                "points_out_of_range",
                format!("“{}”的得分应为 0–{} 分，最多两位小数", ind.name, ind.max_points),
            )),
        }
    }
    for ind in rubric {
        if !scores.iter().any(|(k, _)| *k == ind.key) {
            out.push(("scores".into(), "indicator_missing", format!("请为“{}”评分", ind.name)));
        }
    }
    if out.is_empty() {
        Ok(sum)
    } else {
        Err(out)
    }
}

/// The grade a total earns.
pub fn grade_of(total: Decimal, c: &Cutoffs) -> Grade {
    if total >= Decimal::from(c.excellent) {
        Grade::Excellent
    } else if total >= Decimal::from(c.good) {
        Grade::Good
    } else if total >= Decimal::from(c.pass) {
        Grade::Pass
    } else {
        Grade::Fail
    }
}

/// Which evaluations a results notice (评估结果公示) publishes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    Midterm,
    Final,
}

impl NoticeKind {
    pub fn parse(s: &str) -> Option<NoticeKind> {
        match s.trim() {
            "midterm" => Some(NoticeKind::Midterm),
            "final" => Some(NoticeKind::Final),
            _ => None,
        }
    }
    /// The milestone kind it publishes, and how it is stored.
    pub fn as_str(self) -> &'static str {
        match self {
            NoticeKind::Midterm => "midterm",
            NoticeKind::Final => "final",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            NoticeKind::Midterm => "中期评估",
            NoticeKind::Final => "结项评估",
        }
    }
}

/// One published line: an evaluation's grade and, when scored on indicators, its total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NoticeEntry {
    pub milestone_id: i64,
    pub project_id: i64,
    pub agreement_no: String,
    pub title: String,
    pub organisation: String,
    pub grade: String,
    /// A decimal string; null when graded without indicators.
    pub total: Option<String>,
}

/// A notice publishes every verified grade of its kind; another is worth publishing only when a
/// grade was added or changed since the last one (a re-published identical list would restart
/// the objection window for nothing).
pub fn worth_publishing(previous: Option<&[NoticeEntry]>, now: &[NoticeEntry]) -> bool {
    if now.is_empty() {
        return false;
    }
    let key = |e: &NoticeEntry| (e.milestone_id, e.grade.clone(), e.total.clone());
    match previous {
        None => true,
        Some(prev) => {
            let mut a: Vec<_> = prev.iter().map(key).collect();
            let mut b: Vec<_> = now.iter().map(key).collect();
            a.sort();
            b.sort();
            a != b
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: i64, grade: &str) -> NoticeEntry {
        NoticeEntry {
            milestone_id: id,
            project_id: id,
            agreement_no: format!("A-{id}"),
            title: "t".into(),
            organisation: "o".into(),
            grade: grade.into(),
            total: None,
        }
    }

    #[test]
    fn a_notice_needs_a_grade_not_yet_published() {
        assert!(!worth_publishing(None, &[]));
        assert!(worth_publishing(None, &[entry(1, "良好")]));
        let first = vec![entry(1, "良好")];
        assert!(!worth_publishing(Some(&first), &[entry(1, "良好")]));
        assert!(worth_publishing(Some(&first), &[entry(1, "良好"), entry(2, "合格")]));
        // The order of the lines does not matter; a changed grade does.
        let two = vec![entry(2, "合格"), entry(1, "良好")];
        assert!(!worth_publishing(Some(&two), &[entry(1, "良好"), entry(2, "合格")]));
        assert!(worth_publishing(Some(&first), &[entry(1, "优秀")]));
        assert_eq!(NoticeKind::parse(" final"), Some(NoticeKind::Final));
        assert_eq!(NoticeKind::parse("signing"), None);
    }

    fn s(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter().map(|(k, p)| (k.to_string(), p.to_string())).collect()
    }

    #[test]
    fn the_default_rubric_adds_to_a_hundred_and_its_cutoffs_hold() {
        let r = default_rubric();
        assert_eq!(r.iter().map(|x| x.max_points).sum::<u32>(), 100);
        assert!(check(&r, &Cutoffs::default()).is_empty());
        let codes = |v: Vec<Problem>| v.into_iter().map(|p| p.1).collect::<Vec<_>>();
        assert_eq!(codes(check(&r, &Cutoffs { excellent: 101, good: 75, pass: 60 })), ["invalid_cutoffs"]);
        assert_eq!(codes(check(&r, &Cutoffs { excellent: 90, good: 60, pass: 60 })), ["invalid_cutoffs"]);
        let bad = vec![Indicator { key: "A".into(), name: "".into(), max_points: 0 }];
        assert_eq!(
            codes(check(&bad, &Cutoffs { excellent: 3, good: 2, pass: 1 })),
            ["invalid_key", "invalid_name", "invalid_max_points", "invalid_cutoffs"]
        );
    }

    #[test]
    fn the_grade_follows_the_total_at_each_boundary() {
        let r = default_rubric();
        let c = Cutoffs::default();
        let t =
            total(&r, &s(&[("implementation", "27"), ("management", "18"), ("finance", "15.5"), ("outcomes", "29.5")]));
        assert_eq!(t, Ok(Decimal::from(90)));
        assert_eq!(grade_of(Decimal::from(90), &c), Grade::Excellent);
        assert_eq!(grade_of(Decimal::new(8999, 2), &c), Grade::Good);
        assert_eq!(grade_of(Decimal::from(75), &c), Grade::Good);
        assert_eq!(grade_of(Decimal::new(7499, 2), &c), Grade::Pass);
        assert_eq!(grade_of(Decimal::from(60), &c), Grade::Pass);
        assert_eq!(grade_of(Decimal::new(5999, 2), &c), Grade::Fail);
    }

    #[test]
    fn every_indicator_once_within_its_points() {
        let r = default_rubric();
        let codes =
            |v: Result<Decimal, Vec<Problem>>| v.unwrap_err().into_iter().map(|p| (p.0, p.1)).collect::<Vec<_>>();
        let got = codes(total(
            &r,
            &s(&[
                ("implementation", "31"),
                ("management", "-1"),
                ("finance", "1.234"),
                ("finance", "1"),
                ("luck", "5"),
            ]),
        ));
        assert_eq!(
            got,
            [
                ("scores[0].points".to_string(), "points_out_of_range"),
                ("scores[1].points".to_string(), "points_out_of_range"),
                ("scores[2].points".to_string(), "points_out_of_range"),
                ("scores[3].key".to_string(), "duplicate_indicator"),
                ("scores[4].key".to_string(), "unknown_indicator"),
                ("scores".to_string(), "indicator_missing"),
            ]
        );
    }
}

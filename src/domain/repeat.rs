//! Repeat funding: a call may refuse bids for a project funded in the previous call, or admit
//! them only as a renewal (续期项目) of a project whose final evaluation was at least 良好. A bid
//! that declares no renewal but looks like an earlier project of the same organisation (similar
//! title) is flagged at submission for staff to confirm at screening: titles are too loose to
//! refuse on by themselves.

use super::milestone::Grade;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepeatRule {
    Allow,
    Refuse,
    RenewalOnly,
}

impl RepeatRule {
    pub fn parse(s: &str) -> Option<RepeatRule> {
        match s {
            "allow" => Some(RepeatRule::Allow),
            "refuse" => Some(RepeatRule::Refuse),
            "renewal_only" => Some(RepeatRule::RenewalOnly),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            RepeatRule::Allow => "allow",
            RepeatRule::Refuse => "refuse",
            RepeatRule::RenewalOnly => "renewal_only",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            RepeatRule::Allow => "不限制",
            RepeatRule::Refuse => "上一期已资助的项目不得重复申报",
            RepeatRule::RenewalOnly => "上一期已资助的项目仅可作为续期项目申报（结项评估良好及以上）",
        }
    }
}

/// A project the organisation was funded for in the previous call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarlierProject {
    pub id: i64,
    pub title: String,
    /// The verified final evaluation, if there is one yet.
    pub final_grade: Option<Grade>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepeatError {
    /// The call refuses repeats, and this bid says it continues an earlier project.
    RenewalNotAccepted,
    /// The named project is not one of this organisation's projects from the previous call.
    NotAnEarlierProject,
    /// The earlier project has no verified final evaluation.
    NotEvaluated,
    /// The earlier project's final evaluation is below 良好.
    GradeTooLow,
    /// Staff screening a flagged bid must say whether it is a repeat.
    Unconfirmed,
    /// Staff confirmed a repeat the call does not admit: the bid cannot be eligible.
    RepeatRefused,
}

impl RepeatError {
    pub fn code(self) -> &'static str {
        match self {
            RepeatError::RenewalNotAccepted => "renewal_not_accepted",
            RepeatError::NotAnEarlierProject => "not_an_earlier_project",
            RepeatError::NotEvaluated => "renewal_not_evaluated",
            RepeatError::GradeTooLow => "renewal_grade_too_low",
            RepeatError::Unconfirmed => "repeat_unconfirmed",
            RepeatError::RepeatRefused => "repeat_funding_refused",
        }
    }
    pub fn message(self) -> &'static str {
        match self {
            RepeatError::RenewalNotAccepted => "本次招标不接受上一期已资助项目的续期申报",
            RepeatError::NotAnEarlierProject => "续期项目应为本组织上一期获资助的项目",
            RepeatError::NotEvaluated => "原项目尚无结项评估结果，不能作为续期项目申报",
            RepeatError::GradeTooLow => "原项目结项评估低于良好，不能作为续期项目申报",
            RepeatError::Unconfirmed => "该项目疑似上一期已资助项目，请确认是否属于重复申报",
            RepeatError::RepeatRefused => "经确认属于上一期已资助项目，本次招标不予重复资助",
        }
    }
    /// 409 for a state of the world (a grade, the call's rule), 422 for a wrong field.
    pub fn is_conflict(self) -> bool {
        !matches!(self, RepeatError::NotAnEarlierProject | RepeatError::Unconfirmed)
    }
}

/// Titles reduced to what they say: letters, digits and CJK, lower-cased; punctuation, spaces and
/// the year-ish boilerplate (「2026年」「项目」「计划」) gone.
fn normalise(t: &str) -> Vec<char> {
    let mut s: String = t.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect();
    for noise in ["项目", "计划", "年度", "第二期", "二期", "续期"] {
        s = s.replace(noise, "");
    }
    let chars: Vec<char> = s.chars().collect();
    // Drop a leading or trailing year (2026年 / 2026).
    let mut out = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        if i + 4 <= chars.len() && chars[i..i + 4].iter().all(|c| c.is_ascii_digit()) {
            i += 4;
            if chars.get(i) == Some(&'年') {
                i += 1;
            }
            continue;
        }
        out.push(chars[i]);
        i += 1;
    }
    out
}

/// Similar titles: one contains the other, or their character bigrams overlap by a Dice
/// coefficient of at least 0.6 (robust to a changed word or two in a Chinese title).
pub fn similar_titles(a: &str, b: &str) -> bool {
    let (a, b) = (normalise(a), normalise(b));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    let (sa, sb): (String, String) = (a.iter().collect(), b.iter().collect());
    if (a.len() >= 4 && sb.contains(&sa)) || (b.len() >= 4 && sa.contains(&sb)) {
        return true;
    }
    let grams = |v: &[char]| v.windows(2).map(|w| (w[0], w[1])).collect::<Vec<_>>();
    let (ga, mut gb) = (grams(&a), grams(&b));
    if ga.is_empty() || gb.is_empty() {
        return sa == sb;
    }
    let total = ga.len() + gb.len();
    let mut common = 0;
    for g in &ga {
        if let Some(i) = gb.iter().position(|x| x == g) {
            gb.swap_remove(i);
            common += 1;
        }
    }
    common * 10 >= total * 3 // 2·common / total ≥ 0.6
}

/// At submission: the earlier project the bid looks like (to flag), or why it is refused.
pub fn at_submit(
    rule: RepeatRule,
    title: &str,
    renewal_of: Option<i64>,
    earlier: &[EarlierProject],
) -> Result<Option<i64>, RepeatError> {
    if let Some(id) = renewal_of {
        let p = earlier.iter().find(|p| p.id == id).ok_or(RepeatError::NotAnEarlierProject)?;
        return match rule {
            RepeatRule::Refuse => Err(RepeatError::RenewalNotAccepted),
            RepeatRule::Allow => Ok(None),
            RepeatRule::RenewalOnly => renewal_grade(p.final_grade).map(|_| None),
        };
    }
    if rule == RepeatRule::Allow {
        return Ok(None);
    }
    Ok(earlier.iter().find(|p| similar_titles(title, &p.title)).map(|p| p.id))
}

fn renewal_grade(g: Option<Grade>) -> Result<(), RepeatError> {
    match g {
        None => Err(RepeatError::NotEvaluated),
        Some(Grade::Excellent | Grade::Good) => Ok(()),
        Some(_) => Err(RepeatError::GradeTooLow),
    }
}

/// At screening a flagged bid (`flagged` is the earlier project it looks like): staff must say
/// whether it is a repeat before calling it eligible. A confirmed repeat is eligible only under
/// `RenewalOnly` with a final evaluation of at least 良好 (it then counts as a renewal).
pub fn at_screening(
    rule: RepeatRule,
    flagged: Option<&EarlierProject>,
    eligible: bool,
    confirmed: Option<bool>,
) -> Result<(), RepeatError> {
    let Some(p) = flagged else { return Ok(()) };
    if !eligible || rule == RepeatRule::Allow {
        return Ok(());
    }
    match confirmed {
        None => Err(RepeatError::Unconfirmed),
        Some(false) => Ok(()),
        Some(true) if rule == RepeatRule::Refuse => Err(RepeatError::RepeatRefused),
        Some(true) => renewal_grade(p.final_grade),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(id: i64, title: &str, g: Option<Grade>) -> EarlierProject {
        EarlierProject { id, title: title.into(), final_grade: g }
    }

    #[test]
    fn similar_titles_survive_years_punctuation_and_a_changed_word() {
        assert!(similar_titles("2026年“银龄相伴”社区助老服务项目", "“银龄相伴”社区助老服务（2027）"));
        assert!(similar_titles("银龄相伴社区助老服务", "银龄相伴社区助老服务二期"));
        assert!(similar_titles("阳光课堂困境儿童陪伴计划", "阳光课堂困境儿童成长陪伴"));
        assert!(!similar_titles("阳光课堂困境儿童陪伴计划", "银龄相伴社区助老服务"));
        assert!(!similar_titles("社区议事厅", "助残就业工坊"));
        assert!(!similar_titles("", "助残"));
    }

    #[test]
    fn refuse_flags_lookalikes_and_refuses_declared_renewals() {
        let earlier = [p(7, "银龄相伴社区助老服务", Some(Grade::Excellent))];
        assert_eq!(at_submit(RepeatRule::Refuse, "银龄相伴社区助老服务（2027）", None, &earlier), Ok(Some(7)));
        assert_eq!(at_submit(RepeatRule::Refuse, "助残就业工坊", None, &earlier), Ok(None));
        assert_eq!(at_submit(RepeatRule::Refuse, "x", Some(7), &earlier), Err(RepeatError::RenewalNotAccepted));
        assert_eq!(at_submit(RepeatRule::Allow, "银龄相伴社区助老服务", None, &earlier), Ok(None));
    }

    #[test]
    fn a_renewal_needs_a_final_evaluation_of_at_least_good() {
        let earlier = [
            p(1, "甲", Some(Grade::Excellent)),
            p(2, "乙", Some(Grade::Good)),
            p(3, "丙", Some(Grade::Pass)),
            p(4, "丁", Some(Grade::Fail)),
            p(5, "戊", None),
        ];
        let r = |id| at_submit(RepeatRule::RenewalOnly, "续", Some(id), &earlier);
        assert_eq!(r(1), Ok(None));
        assert_eq!(r(2), Ok(None));
        assert_eq!(r(3), Err(RepeatError::GradeTooLow));
        assert_eq!(r(4), Err(RepeatError::GradeTooLow));
        assert_eq!(r(5), Err(RepeatError::NotEvaluated));
        assert_eq!(r(99), Err(RepeatError::NotAnEarlierProject));
    }

    #[test]
    fn screening_a_flagged_bid_needs_staff_to_confirm() {
        let good = p(1, "甲", Some(Grade::Good));
        let pass = p(2, "乙", Some(Grade::Pass));
        use RepeatRule::*;
        assert_eq!(at_screening(Refuse, Some(&good), true, None), Err(RepeatError::Unconfirmed));
        assert_eq!(at_screening(Refuse, Some(&good), true, Some(true)), Err(RepeatError::RepeatRefused));
        assert_eq!(at_screening(Refuse, Some(&good), true, Some(false)), Ok(()));
        assert_eq!(at_screening(Refuse, Some(&good), false, None), Ok(()));
        assert_eq!(at_screening(RenewalOnly, Some(&good), true, Some(true)), Ok(()));
        assert_eq!(at_screening(RenewalOnly, Some(&pass), true, Some(true)), Err(RepeatError::GradeTooLow));
        assert_eq!(at_screening(Refuse, None, true, None), Ok(()));
    }
}

//! Topics (选题): what a call asks bids to answer, drawn from residents' demands.

use serde::{Deserialize, Serialize};

/// A call's topics: the ones bids may answer and whether one must be chosen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallTopics {
    pub ids: Vec<i64>,
    pub required: bool,
}

/// Why a bid's topic is refused (422, on `topic_id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TopicProblem {
    /// The call requires a topic and none was chosen (checked when submitting).
    Required,
    /// The topic is not one the call lists.
    NotInCall,
}

impl TopicProblem {
    pub fn code(self) -> &'static str {
        match self {
            TopicProblem::Required => "topic_required",
            TopicProblem::NotInCall => "topic_not_in_call",
        }
    }
    pub fn message(self) -> &'static str {
        match self {
            TopicProblem::Required => "本次招标要求申报项目对应一个选题，请选择",
            TopicProblem::NotInCall => "所选选题不在本次招标的选题范围内",
        }
    }
}

/// A bid's topic against its call: a foreign topic is refused whenever it is saved; a missing
/// one only when submitting to a call that requires one.
pub fn check_bid(call: &CallTopics, topic: Option<i64>, submitting: bool) -> Result<(), TopicProblem> {
    match topic {
        Some(t) if !call.ids.contains(&t) => Err(TopicProblem::NotInCall),
        None if submitting && call.required => Err(TopicProblem::Required),
        _ => Ok(()),
    }
}

/// A call's topic list: no duplicates; `required` only with at least one topic.
pub fn check_call(t: &CallTopics) -> Option<(&'static str, &'static str)> {
    let mut seen = t.ids.clone();
    seen.sort_unstable();
    seen.dedup();
    if seen.len() != t.ids.len() {
        return Some(("duplicate_topic", "选题重复"));
    }
    if t.required && t.ids.is_empty() {
        return Some(("topics_missing", "要求对应选题时须至少列出一个选题"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bid_answers_one_of_its_calls_topics() {
        let open = CallTopics { ids: vec![3, 5], required: false };
        let strict = CallTopics { ids: vec![3, 5], required: true };
        assert_eq!(check_bid(&open, None, true), Ok(()));
        assert_eq!(check_bid(&open, Some(5), true), Ok(()));
        assert_eq!(check_bid(&open, Some(4), false), Err(TopicProblem::NotInCall));
        assert_eq!(check_bid(&strict, None, false), Ok(()), "a draft may leave it for later");
        assert_eq!(check_bid(&strict, None, true), Err(TopicProblem::Required));
        assert_eq!(check_bid(&CallTopics::default(), Some(1), false), Err(TopicProblem::NotInCall));
        assert_eq!(check_call(&strict), None);
        assert_eq!(check_call(&CallTopics { ids: vec![3, 3], required: false }).map(|p| p.0), Some("duplicate_topic"));
        assert_eq!(check_call(&CallTopics { ids: vec![], required: true }).map(|p| p.0), Some("topics_missing"));
    }
}

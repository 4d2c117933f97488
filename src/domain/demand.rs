//! Residents' demands (群众诉求): how they come in, the states they pass through and who moves
//! them. Villages register and settle what they can or escalate it; the town accepts and answers
//! it or makes it part of a topic (选题) for the year's calls.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Visit,
    Meeting,
    Online,
    Hotline,
    Other,
}

impl Channel {
    pub const ALL: [Channel; 5] = [Channel::Visit, Channel::Meeting, Channel::Online, Channel::Hotline, Channel::Other];
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Visit => "visit",
            Channel::Meeting => "meeting",
            Channel::Online => "online",
            Channel::Hotline => "hotline",
            Channel::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == s.trim())
    }
    pub fn label(self) -> &'static str {
        match self {
            Channel::Visit => "网格走访",
            Channel::Meeting => "议事会",
            Channel::Online => "网上反映",
            Channel::Hotline => "热线电话",
            Channel::Other => "其他",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Registered,
    ResolvedLocally,
    Escalated,
    Accepted,
    Answered,
    Topic,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Registered,
        Status::ResolvedLocally,
        Status::Escalated,
        Status::Accepted,
        Status::Answered,
        Status::Topic,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Registered => "registered",
            Status::ResolvedLocally => "resolved_locally",
            Status::Escalated => "escalated",
            Status::Accepted => "accepted",
            Status::Answered => "answered",
            Status::Topic => "topic",
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s.trim())
    }
    pub fn label(self) -> &'static str {
        match self {
            Status::Registered => "已登记",
            Status::ResolvedLocally => "村（社区）已解决",
            Status::Escalated => "已上报镇街",
            Status::Accepted => "镇街已受理",
            Status::Answered => "已答复",
            Status::Topic => "已纳入选题",
        }
    }
    /// The button that makes the move into this state.
    pub fn action(self) -> &'static str {
        match self {
            Status::Registered => "登记",
            Status::ResolvedLocally => "就地解决",
            Status::Escalated => "上报镇街",
            Status::Accepted => "受理",
            Status::Answered => "答复",
            Status::Topic => "纳入选题",
        }
    }
    pub fn label_of(s: &str) -> &'static str {
        Status::parse(s).map_or("未知", Status::label)
    }
    pub fn is(self, stored: &str) -> bool {
        stored == self.as_str()
    }
    /// Whether the demand still waits on someone (the village or the town).
    pub fn open(self) -> bool {
        matches!(self, Status::Registered | Status::Escalated | Status::Accepted)
    }
}

/// Who moves a demand: the village's own worker, or staff whose scope covers it (a town's staff
/// its villages, district staff all).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mover {
    Village,
    Staff,
}

/// Why a move is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not a move the flow knows from this state (409 `bad_transition`).
    BadTransition,
    /// A move the flow knows, but not this mover's (403).
    NotYours,
    /// Made by linking the demand to a topic, not by a transition (409 `bad_transition`).
    ByTopic,
}

/// The flow: registered → resolved_locally | escalated (the village or staff); escalated →
/// accepted (staff); accepted → answered (staff) | topic (by a topic only).
pub fn check(from: Status, to: Status, who: Mover) -> Result<(), Refusal> {
    use Status::*;
    match (from, to) {
        (Registered, ResolvedLocally | Escalated) => Ok(()),
        (Escalated, Accepted) | (Accepted, Answered) if who == Mover::Staff => Ok(()),
        (Escalated, Accepted) | (Accepted, Answered) => Err(Refusal::NotYours),
        (Accepted, Topic) => Err(Refusal::ByTopic),
        _ => Err(Refusal::BadTransition),
    }
}

/// Whether the move needs a note saying what was done (settling or answering a demand does).
pub fn note_required(to: Status) -> bool {
    matches!(to, Status::ResolvedLocally | Status::Answered)
}

/// The moves a reader may make now, for the buttons on its page.
pub fn next(from: Status, who: Mover) -> Vec<Status> {
    Status::ALL.into_iter().filter(|to| check(from, *to, who).is_ok()).collect()
}

/// A demand's category: free text of 1 to 20 characters.
pub fn category(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty() && t.chars().count() <= 20 && !t.chars().any(char::is_control)).then(|| t.to_string())
}

/// Working days an escalated demand may wait for the town before it is reminded.
pub const ESCALATION_REMINDER_DAYS: u32 = 5;

#[cfg(test)]
mod tests {
    use super::*;
    use Status::*;

    #[test]
    fn the_flow_and_who_moves_it() {
        for who in [Mover::Village, Mover::Staff] {
            assert_eq!(check(Registered, ResolvedLocally, who), Ok(()));
            assert_eq!(check(Registered, Escalated, who), Ok(()));
        }
        assert_eq!(check(Escalated, Accepted, Mover::Staff), Ok(()));
        assert_eq!(check(Escalated, Accepted, Mover::Village), Err(Refusal::NotYours));
        assert_eq!(check(Accepted, Answered, Mover::Staff), Ok(()));
        assert_eq!(check(Accepted, Answered, Mover::Village), Err(Refusal::NotYours));
        assert_eq!(check(Accepted, Topic, Mover::Staff), Err(Refusal::ByTopic));
        // Anything else is not a move at all, whoever tries it.
        for (from, to) in [
            (Registered, Accepted),
            (Registered, Answered),
            (Registered, Topic),
            (Escalated, Answered),
            (Escalated, Registered),
            (ResolvedLocally, Escalated),
            (Answered, Accepted),
            (Topic, Answered),
            (Registered, Registered),
        ] {
            assert_eq!(check(from, to, Mover::Staff), Err(Refusal::BadTransition), "{from:?} → {to:?}");
        }
        assert_eq!(next(Registered, Mover::Village), vec![ResolvedLocally, Escalated]);
        assert_eq!(next(Escalated, Mover::Village), vec![]);
        assert_eq!(next(Accepted, Mover::Staff), vec![Answered]);
        assert!(note_required(ResolvedLocally) && note_required(Answered) && !note_required(Escalated));
    }

    #[test]
    fn channels_statuses_and_categories() {
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(c));
        }
        for s in Status::ALL {
            assert_eq!(Status::parse(s.as_str()), Some(s));
        }
        assert_eq!(Channel::parse("wechat"), None);
        assert_eq!(category(" 养老服务 "), Some("养老服务".into()));
        assert_eq!(category(""), None);
        assert_eq!(category(&"长".repeat(21)), None);
        assert_eq!(category(&"长".repeat(20)).map(|c| c.chars().count()), Some(20));
        assert!(Escalated.open() && !Topic.open() && !ResolvedLocally.open());
    }
}

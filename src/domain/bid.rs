//! A bid's states, one type: what each is called and shown as, and which are past submission.
//! The stored text is `as_str`; services and pages name states through this type.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BidStatus {
    Draft,
    Submitted,
    Withdrawn,
    Eligible,
    Ineligible,
    NeedsCorrection,
    Proposed,
    NotFunded,
    Funded,
}

impl BidStatus {
    pub const ALL: [BidStatus; 9] = [
        BidStatus::Draft,
        BidStatus::Submitted,
        BidStatus::Withdrawn,
        BidStatus::Eligible,
        BidStatus::Ineligible,
        BidStatus::NeedsCorrection,
        BidStatus::Proposed,
        BidStatus::NotFunded,
        BidStatus::Funded,
    ];

    /// Every state a bid can be in once submitted: all that staff and finance may ever list.
    /// Drafts belong to their organisation alone.
    pub const SUBMITTED: [&'static str; 8] =
        ["submitted", "withdrawn", "eligible", "ineligible", "needs_correction", "proposed", "not_funded", "funded"];

    pub fn as_str(self) -> &'static str {
        match self {
            BidStatus::Draft => "draft",
            BidStatus::Submitted => "submitted",
            BidStatus::Withdrawn => "withdrawn",
            BidStatus::Eligible => "eligible",
            BidStatus::Ineligible => "ineligible",
            BidStatus::NeedsCorrection => "needs_correction",
            BidStatus::Proposed => "proposed",
            BidStatus::NotFunded => "not_funded",
            BidStatus::Funded => "funded",
        }
    }
    pub fn parse(s: &str) -> Option<BidStatus> {
        BidStatus::ALL.into_iter().find(|x| x.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            BidStatus::Draft => "草稿",
            BidStatus::Submitted => "已提交",
            BidStatus::Withdrawn => "已撤回",
            BidStatus::Eligible => "资格审查通过",
            BidStatus::Ineligible => "资格审查未通过",
            BidStatus::NeedsCorrection => "限期补正",
            BidStatus::Proposed => "拟资助（公示中）",
            BidStatus::NotFunded => "未获资助",
            BidStatus::Funded => "已立项",
        }
    }
    /// The label of a stored status; an unknown one says so.
    pub fn label_of(s: &str) -> &'static str {
        BidStatus::parse(s).map_or("未知", BidStatus::label)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_submitted_is_all_but_draft() {
        for s in BidStatus::ALL {
            assert_eq!(BidStatus::parse(s.as_str()), Some(s));
        }
        let after: Vec<&str> = BidStatus::ALL.iter().filter(|s| **s != BidStatus::Draft).map(|s| s.as_str()).collect();
        assert_eq!(after, BidStatus::SUBMITTED.to_vec());
        assert_eq!(BidStatus::label_of("proposed"), "拟资助（公示中）");
        assert_eq!(BidStatus::label_of("nonsense"), "未知");
    }
}

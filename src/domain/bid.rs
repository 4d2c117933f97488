//! A bid's states live with every other state type in `domain::state`; this path stays for
//! the code that names it here.

pub use super::state::BidStatus;

/// Where a step of the bid's way stands, for the step indicator an applicant sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    Done,
    Current,
    /// The bid stopped here (not eligible, not funded).
    Stopped,
    Ahead,
}

impl Step {
    /// The CSS class and the word a screen reader hears.
    pub fn class(self) -> &'static str {
        match self {
            Step::Done => "done",
            Step::Current => "current",
            Step::Stopped => "stopped",
            Step::Ahead => "ahead",
        }
    }
}

/// The way every bid goes, as the 办事指南 names it.
pub const STEPS: [&str; 6] = ["填写申报书", "提交申报", "资格审查", "专家评审", "结果公示", "立项签约"];

/// The step indicator of a bid in `status`; a withdrawn bid has none.
pub fn steps(status: BidStatus) -> Option<Vec<(&'static str, Step)>> {
    use BidStatus::*;
    // The step the bid is at, and whether it stopped there.
    let (at, stopped) = match status {
        Withdrawn => return None,
        Draft => (0, false),
        Submitted | NeedsCorrection => (2, false),
        Ineligible => (2, true),
        Eligible => (3, false),
        NotFunded => (3, true),
        Proposed => (4, false),
        Funded => (STEPS.len(), false),
    };
    Some(
        STEPS
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let step = match i.cmp(&at) {
                    std::cmp::Ordering::Less => Step::Done,
                    std::cmp::Ordering::Equal if stopped => Step::Stopped,
                    std::cmp::Ordering::Equal => Step::Current,
                    std::cmp::Ordering::Greater => Step::Ahead,
                };
                (*s, step)
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(status: BidStatus) -> Vec<Step> {
        steps(status).unwrap().into_iter().map(|(_, s)| s).collect()
    }

    #[test]
    fn each_status_marks_where_the_bid_stands() {
        use Step::*;
        assert_eq!(at(BidStatus::Draft), [Current, Ahead, Ahead, Ahead, Ahead, Ahead]);
        assert_eq!(at(BidStatus::Submitted), [Done, Done, Current, Ahead, Ahead, Ahead]);
        assert_eq!(at(BidStatus::NeedsCorrection), [Done, Done, Current, Ahead, Ahead, Ahead]);
        assert_eq!(at(BidStatus::Ineligible), [Done, Done, Stopped, Ahead, Ahead, Ahead]);
        assert_eq!(at(BidStatus::Eligible), [Done, Done, Done, Current, Ahead, Ahead]);
        assert_eq!(at(BidStatus::NotFunded), [Done, Done, Done, Stopped, Ahead, Ahead]);
        assert_eq!(at(BidStatus::Proposed), [Done, Done, Done, Done, Current, Ahead]);
        assert_eq!(at(BidStatus::Funded), [Done; 6]);
        assert!(steps(BidStatus::Withdrawn).is_none());
        // Every status is covered: a new one must say where it stands.
        for s in BidStatus::ALL {
            if *s != BidStatus::Withdrawn {
                assert_eq!(steps(*s).unwrap().len(), STEPS.len());
            }
        }
    }
}

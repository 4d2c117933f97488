//! Every stored state as a type: its stored text, its Chinese label and the moves it allows.
//! Services name states and transitions through these types; the database keeps `as_str`.
//! A state's moves are one table (`may_become`), so a service cannot invent a transition and a
//! reader finds all of them in one place.

/// Declares a state enum with `ALL`, `as_str`, `parse`, `label` and `label_of`.
macro_rules! states {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $s:literal / $label:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($(#[$vm])* $v),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s),+ }
            }
            pub fn parse(s: &str) -> Option<$name> {
                match s { $($s => Some($name::$v),)+ _ => None }
            }
            pub fn label(self) -> &'static str {
                match self { $($name::$v => $label),+ }
            }
            /// The label of a stored status; an unknown one says so.
            pub fn label_of(s: &str) -> &'static str {
                $name::parse(s).map_or("未知", $name::label)
            }
            /// The stored names of `states`, for a filter on the column.
            pub fn names(states: &[$name]) -> Vec<&'static str> {
                states.iter().map(|s| s.as_str()).collect()
            }
            /// Whether the stored status is `self`.
            pub fn is(self, stored: &str) -> bool {
                stored == self.as_str()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

states! {
    /// A bid, from draft to funded.
    BidStatus {
        Draft = "draft" / "草稿",
        Submitted = "submitted" / "已提交",
        Withdrawn = "withdrawn" / "已撤回",
        Eligible = "eligible" / "资格审查通过",
        Ineligible = "ineligible" / "资格审查未通过",
        NeedsCorrection = "needs_correction" / "限期补正",
        Proposed = "proposed" / "拟资助（公示中）",
        NotFunded = "not_funded" / "未获资助",
        Funded = "funded" / "已立项",
    }
}

impl BidStatus {
    /// Every state a bid can be in once submitted: all that staff and finance may ever list.
    /// Drafts belong to their organisation alone.
    pub const SUBMITTED: [&'static str; 8] =
        ["submitted", "withdrawn", "eligible", "ineligible", "needs_correction", "proposed", "not_funded", "funded"];

    /// Every state a bid can be in once it passed screening: what the ranking and the scores
    /// read, and the dashboard counts as screened in.
    pub const SCREENED_IN: [&'static str; 4] = ["eligible", "proposed", "funded", "not_funded"];

    pub fn may_become(self, to: BidStatus) -> bool {
        use BidStatus::*;
        matches!(
            (self, to),
            (Draft, Submitted)
                // Before the deadline an organisation may take back a draft or a submitted bid.
                | (Draft | Submitted, Withdrawn)
                | (Submitted, Eligible | Ineligible | NeedsCorrection)
                // A corrected bid goes back to the screener.
                | (NeedsCorrection, Submitted)
                | (Eligible, Proposed | NotFunded)
                // An upheld objection cancels a proposed grant.
                | (Proposed, NotFunded | Funded)
        )
    }
}

states! {
    /// A call's stored status. Where a published call stands by the clock is `call::Phase`.
    CallStatus {
        Draft = "draft" / "草稿",
        Open = "open" / "已发布",
        Review = "review" / "专家评审中",
        Notice = "notice" / "评审结果公示中",
        Final = "final" / "已确定资助项目",
        /// Only in databases from before the notice existed; read as `Final`.
        Closed = "closed" / "已结束",
    }
}

impl CallStatus {
    pub fn may_become(self, to: CallStatus) -> bool {
        use CallStatus::*;
        // Drawing panels again (a second stage, a replacement) keeps a call in review.
        matches!((self, to), (Draft, Open) | (Open | Review, Review) | (Review, Notice) | (Notice, Final))
    }
}

states! {
    /// An expert's assignment to one bid.
    AssignmentStatus {
        Assigned = "assigned" / "待确认",
        Accepted = "accepted" / "待评分",
        Submitted = "submitted" / "已提交",
        Conflict = "conflict" / "已回避",
        Replaced = "replaced" / "已更换",
    }
}

impl AssignmentStatus {
    /// Still on the panel: neither withdrawn for a conflict nor replaced.
    pub const SITTING: [AssignmentStatus; 3] =
        [AssignmentStatus::Assigned, AssignmentStatus::Accepted, AssignmentStatus::Submitted];

    pub fn may_become(self, to: AssignmentStatus) -> bool {
        use AssignmentStatus::*;
        matches!(
            (self, to),
            (Assigned, Accepted)
                | (Accepted, Submitted)
                // Staff reopen a submitted score for a correction.
                | (Submitted, Accepted)
                | (Assigned | Accepted, Conflict | Replaced)
        )
    }
}

states! {
    /// A project milestone (the signing, each interim report, the final evaluation).
    MilestoneStatus {
        Pending = "pending" / "待报告",
        Reported = "reported" / "待核验",
        Verified = "verified" / "已核验",
    }
}

impl MilestoneStatus {
    pub fn may_become(self, to: MilestoneStatus) -> bool {
        use MilestoneStatus::*;
        matches!(
            (self, to),
            (Pending, Reported)
                // Staff record the signing themselves; a rejected report goes back to pending.
                | (Pending | Reported, Verified)
                | (Reported, Pending)
                // A failed evaluation is reopened for rectification.
                | (Verified, Pending)
        )
    }
    /// What the project page shows: a pending milestone past its due date is overdue.
    pub fn shown(stored: &str, overdue: bool) -> &'static str {
        match MilestoneStatus::parse(stored) {
            Some(MilestoneStatus::Pending) if overdue => "已逾期",
            Some(s) => s.label(),
            None => "未知",
        }
    }
}

states! {
    /// A funded project.
    ProjectStatus {
        Active = "active" / "执行中",
        Suspended = "suspended" / "拨付暂停",
        Terminated = "terminated" / "已终止",
        /// Closed on its final accounts (结项), any refund recorded.
        Completed = "completed" / "已结项",
    }
}

impl ProjectStatus {
    /// A project that has not ended.
    pub const RUNNING: [ProjectStatus; 2] = [ProjectStatus::Active, ProjectStatus::Suspended];

    pub fn may_become(self, to: ProjectStatus) -> bool {
        use ProjectStatus::*;
        matches!(
            (self, to),
            (Active, Suspended) | (Suspended, Active) | (Active | Suspended, Terminated) | (Active, Completed)
        )
    }
}

states! {
    /// Where a tranche stands. Not stored: it follows from its milestone, the project and what
    /// was paid (`TrancheStatus::of`).
    TrancheStatus {
        /// Its milestone is not verified yet.
        Locked = "locked" / "待节点核验",
        Payable = "payable" / "可拨付",
        Paid = "paid" / "已拨付",
        Suspended = "suspended" / "暂停",
        Cancelled = "cancelled" / "不再拨付",
    }
}

impl TrancheStatus {
    pub fn of(project: Option<ProjectStatus>, milestone: Option<MilestoneStatus>, fully_paid: bool) -> TrancheStatus {
        match (project, milestone) {
            _ if fully_paid => TrancheStatus::Paid,
            (Some(ProjectStatus::Terminated | ProjectStatus::Completed), _) => TrancheStatus::Cancelled,
            (Some(ProjectStatus::Suspended), _) => TrancheStatus::Suspended,
            (_, Some(MilestoneStatus::Verified)) => TrancheStatus::Payable,
            _ => TrancheStatus::Locked,
        }
    }
}

states! {
    /// An objection to the results notice.
    ObjectionStatus {
        Pending = "pending" / "待答复",
        Upheld = "upheld" / "异议成立",
        Dismissed = "dismissed" / "异议不成立",
    }
}

impl ObjectionStatus {
    pub fn may_become(self, to: ObjectionStatus) -> bool {
        matches!((self, to), (ObjectionStatus::Pending, ObjectionStatus::Upheld | ObjectionStatus::Dismissed))
    }
}

states! {
    /// An innovation-award fund.
    AwardFundStatus {
        Draft = "draft" / "未公布",
        Published = "published" / "已公布",
    }
}

states! {
    /// A social-welfare fund: set up (host, committee) in draft, taking money once active.
    WelfareFundStatus {
        Draft = "draft" / "筹备中",
        Active = "active" / "运行中",
    }
}

impl WelfareFundStatus {
    pub fn may_become(self, to: WelfareFundStatus) -> bool {
        matches!((self, to), (WelfareFundStatus::Draft, WelfareFundStatus::Active))
    }
}

/// Checks a move against its table; the database helpers call this before writing so a
/// transition no table allows fails in tests rather than landing in a row.
#[track_caller]
pub fn checked<S: Copy + std::fmt::Debug>(from: &[S], to: S, may_become: impl Fn(S, S) -> bool) {
    for f in from {
        debug_assert!(may_become(*f, to), "no transition {f:?} -> {to:?}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for s in BidStatus::ALL {
            assert_eq!(BidStatus::parse(s.as_str()), Some(*s));
        }
        for s in CallStatus::ALL {
            assert_eq!(CallStatus::parse(s.as_str()), Some(*s));
        }
        for s in AssignmentStatus::ALL {
            assert_eq!(AssignmentStatus::parse(s.as_str()), Some(*s));
        }
        for s in MilestoneStatus::ALL {
            assert_eq!(MilestoneStatus::parse(s.as_str()), Some(*s));
        }
        for s in ProjectStatus::ALL {
            assert_eq!(ProjectStatus::parse(s.as_str()), Some(*s));
        }
        assert_eq!(BidStatus::label_of("proposed"), "拟资助（公示中）");
        assert_eq!(BidStatus::label_of("nonsense"), "未知");
    }

    #[test]
    fn submitted_is_all_but_draft() {
        let after: Vec<&str> = BidStatus::ALL.iter().filter(|s| **s != BidStatus::Draft).map(|s| s.as_str()).collect();
        assert_eq!(after, BidStatus::SUBMITTED.to_vec());
        // Screened in: eligible and every state eligible leads to.
        let mut reach = vec![BidStatus::Eligible];
        for _ in 0..3 {
            for s in BidStatus::ALL {
                if !reach.contains(s) && reach.iter().any(|r| r.may_become(*s)) {
                    reach.push(*s);
                }
            }
        }
        let mut names = BidStatus::names(&reach);
        names.sort();
        let mut want = BidStatus::SCREENED_IN.to_vec();
        want.sort();
        assert_eq!(names, want);
    }

    #[test]
    fn nothing_leaves_the_end_states() {
        for to in BidStatus::ALL {
            assert!(!BidStatus::Funded.may_become(*to));
            assert!(!BidStatus::Withdrawn.may_become(*to));
            assert!(!BidStatus::NotFunded.may_become(*to));
        }
        for to in ProjectStatus::ALL {
            assert!(!ProjectStatus::Terminated.may_become(*to));
        }
        for to in CallStatus::ALL {
            assert!(!CallStatus::Final.may_become(*to));
        }
        for to in ObjectionStatus::ALL {
            assert!(!ObjectionStatus::Upheld.may_become(*to));
        }
    }

    #[test]
    fn the_year_moves_forward_only() {
        assert!(CallStatus::Draft.may_become(CallStatus::Open));
        assert!(!CallStatus::Open.may_become(CallStatus::Draft));
        assert!(!CallStatus::Open.may_become(CallStatus::Notice));
        assert!(!CallStatus::Notice.may_become(CallStatus::Review));
        assert!(BidStatus::Eligible.may_become(BidStatus::Proposed));
        assert!(!BidStatus::Submitted.may_become(BidStatus::Funded));
        assert!(!BidStatus::Draft.may_become(BidStatus::Eligible));
        assert!(!AssignmentStatus::Submitted.may_become(AssignmentStatus::Conflict));
        assert!(AssignmentStatus::Submitted.may_become(AssignmentStatus::Accepted));
    }

    #[test]
    fn a_tranche_is_payable_only_after_its_milestone_on_a_running_project() {
        use MilestoneStatus as M;
        use ProjectStatus as P;
        assert_eq!(TrancheStatus::of(Some(P::Active), Some(M::Verified), false), TrancheStatus::Payable);
        assert_eq!(TrancheStatus::of(Some(P::Active), Some(M::Reported), false), TrancheStatus::Locked);
        assert_eq!(TrancheStatus::of(Some(P::Suspended), Some(M::Verified), false), TrancheStatus::Suspended);
        assert_eq!(TrancheStatus::of(Some(P::Terminated), Some(M::Verified), false), TrancheStatus::Cancelled);
        assert_eq!(TrancheStatus::of(Some(P::Terminated), Some(M::Verified), true), TrancheStatus::Paid);
    }

    #[test]
    fn an_overdue_milestone_says_so() {
        assert_eq!(MilestoneStatus::shown("pending", true), "已逾期");
        assert_eq!(MilestoneStatus::shown("pending", false), "待报告");
        assert_eq!(MilestoneStatus::shown("verified", true), "已核验");
    }
}

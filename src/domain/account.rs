//! Roles and organisation kinds, and who may do what at the level of roles.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Staff,
    Finance,
    Reviewer,
    Org,
    /// A third-party evaluator (第三方评估机构): reads and scores the projects it is assigned to.
    Evaluator,
    /// A village's or community's worker (村（社区）工作人员): files residents' demands.
    Community,
}

impl Role {
    pub const ALL: [Role; 7] =
        [Role::Admin, Role::Staff, Role::Finance, Role::Reviewer, Role::Org, Role::Evaluator, Role::Community];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Staff => "staff",
            Role::Finance => "finance",
            Role::Reviewer => "reviewer",
            Role::Org => "org",
            Role::Evaluator => "evaluator",
            Role::Community => "community",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Role::Admin => "系统管理员",
            Role::Staff => "民政工作人员",
            Role::Finance => "财务审核",
            Role::Reviewer => "评审专家",
            Role::Org => "社会组织",
            Role::Evaluator => "第三方评估",
            Role::Community => "村（社区）工作人员",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrgType {
    SocialGroup,
    SocialService,
    Foundation,
}

impl OrgType {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgType::SocialGroup => "social_group",
            OrgType::SocialService => "social_service",
            OrgType::Foundation => "foundation",
        }
    }
    pub fn parse(s: &str) -> Option<OrgType> {
        [OrgType::SocialGroup, OrgType::SocialService, OrgType::Foundation].into_iter().find(|t| t.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            OrgType::SocialGroup => "社会团体",
            OrgType::SocialService => "社会服务机构",
            OrgType::Foundation => "基金会",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrgStatus {
    Pending,
    Verified,
    Rejected,
}

impl OrgStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OrgStatus::Pending => "pending",
            OrgStatus::Verified => "verified",
            OrgStatus::Rejected => "rejected",
        }
    }
    pub fn parse(s: &str) -> Option<OrgStatus> {
        [OrgStatus::Pending, OrgStatus::Verified, OrgStatus::Rejected].into_iter().find(|t| t.as_str() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            OrgStatus::Pending => "待审核",
            OrgStatus::Verified => "已认证",
            OrgStatus::Rejected => "未通过",
        }
    }

    /// Staff decide once on a pending registration; a rejected one may be reconsidered and
    /// verified later (the organisation fixed its papers), a verified one is not un-verified here.
    /// Whether the stored status is `self`.
    pub fn is(self, stored: &str) -> bool {
        stored == self.as_str()
    }
    pub fn can_verify(self) -> bool {
        matches!(self, OrgStatus::Pending | OrgStatus::Rejected)
    }
    pub fn can_reject(self) -> bool {
        matches!(self, OrgStatus::Pending)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
        assert_eq!(OrgType::parse("foundation"), Some(OrgType::Foundation));
        assert_eq!(OrgType::parse("company"), None);
    }

    #[test]
    fn org_status_transitions() {
        assert!(OrgStatus::Pending.can_verify());
        assert!(OrgStatus::Pending.can_reject());
        assert!(OrgStatus::Rejected.can_verify());
        assert!(!OrgStatus::Verified.can_verify());
        assert!(!OrgStatus::Verified.can_reject());
        assert!(!OrgStatus::Rejected.can_reject());
    }
}

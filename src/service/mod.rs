//! Use cases. Each state change is one function: it checks the actor's role and scope, runs in one
//! write transaction, appends to the audit chain and queues its emails in that same transaction.
//! The JSON API and the HTML pages both call these.

pub mod access;
pub mod accounts;
pub mod allowance;
pub mod attachments;
pub mod audit;
pub mod awards;
pub mod bids;
pub mod calendar;
pub mod calls;
pub mod dashboard;
pub mod decision;
pub mod demands;
pub mod documents;
pub mod evaluation_notices;
pub mod exports;
pub mod funds;
pub mod mail;
pub mod notices;
pub mod opendata;
pub mod org_documents;
pub mod organisations;
pub mod outbox;
pub mod password;
pub mod passwords;
pub mod points;
pub mod previews;
pub mod projects;
pub mod regions;
pub mod registry_import;
pub mod review;
pub mod scores;
pub mod stages;
pub mod standing;
pub mod topics;
pub mod welfare;
pub mod worklist;

use crate::domain::account::Role;
use crate::error::{AppError, AppResult, Code};
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// A logged-in user as the services see them.
#[derive(Clone, Debug)]
pub struct Actor {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    pub role: Role,
    /// Town staff: the town they act for. `None` for district staff and other roles.
    pub region_code: Option<String>,
    pub organisation_id: Option<i64>,
    /// An admin's temporary password: every route but the way to change it answers 403.
    pub must_change_password: bool,
}

#[derive(Clone, Debug)]
pub enum Principal {
    Anonymous,
    /// The operator at the command line (`gongyi user add`, demo seeding).
    System,
    User(Actor),
}

/// Everything a service needs besides the connection: who acts, when, and the audit key.
#[derive(Clone)]
pub struct Ctx {
    pub principal: Principal,
    pub now: DateTime<Utc>,
    pub audit_key: Arc<[u8]>,
    pub ip: Option<String>,
}

impl Ctx {
    pub fn actor(&self) -> Option<&Actor> {
        match &self.principal {
            Principal::User(a) => Some(a),
            _ => None,
        }
    }
    pub fn actor_id(&self) -> Option<i64> {
        self.actor().map(|a| a.id)
    }
    /// The acting user, who must hold one of `roles`: 401 when nobody is logged in, 403 otherwise.
    pub fn require(&self, roles: &[Role]) -> AppResult<&Actor> {
        match &self.principal {
            Principal::User(a) if roles.contains(&a.role) => Ok(a),
            Principal::User(_) => Err(AppError::forbidden()),
            _ => Err(AppError::unauthorized()),
        }
    }
    /// Like `require`, but the command line may act too (it returns `None` then).
    pub fn require_or_system(&self, roles: &[Role]) -> AppResult<Option<&Actor>> {
        match &self.principal {
            Principal::System => Ok(None),
            _ => self.require(roles).map(Some),
        }
    }
    /// District staff only (calls, draws, decisions, finalisation are the district's): 401 / 403.
    pub fn require_district_staff(&self) -> AppResult<&Actor> {
        let a = self.require(&[Role::Staff])?;
        if a.region_code.is_some() {
            return Err(AppError::from(Code::DistrictStaffOnly));
        }
        Ok(a)
    }
    pub fn is_system(&self) -> bool {
        matches!(self.principal, Principal::System)
    }
}

impl Actor {
    /// Town staff act only inside their town (the code's first 9 digits); others everywhere.
    pub fn region_scope(&self) -> Option<&str> {
        match (self.role, &self.region_code) {
            (Role::Staff, Some(code)) => Some(crate::domain::region::town_prefix(code)),
            // A village worker's scope is its own village; never everything.
            (Role::Community, Some(code)) => Some(code.as_str()),
            (Role::Community, None) => Some("-"),
            _ => None,
        }
    }
    pub fn in_scope(&self, region_code: &str) -> bool {
        self.region_scope().is_none_or(|p| region_code.starts_with(p))
    }
}

/// Keyset paging: `after` is the last id seen, `limit` at most 100.
pub fn page_limit(limit: Option<i64>) -> i64 {
    limit.unwrap_or(50).clamp(1, 100)
}

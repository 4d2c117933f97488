//! Volunteer points (积分制): a village's workers (the `community` role) and the staff of its town
//! keep the village's participants, its monthly catalogue, the claims and their two-step review,
//! the monthly posting and the 积分超市. The rules are in `domain::points`; every change is one
//! transaction with its audit record. Points are never paid out in cash: they only leave through
//! an exchange for goods.
//!
//! Who keeps what here; participants and a village's rules in `participants`; catalogues in
//! `catalogues`; claims and reviews in `claims`; postings, the board and objections in `postings`;
//! the 积分超市, exchanges and statistics in `store`.

mod catalogues;
mod claims;
mod participants;
mod postings;
mod store;
pub use catalogues::*;
pub use claims::*;
pub use participants::*;
pub use postings::*;
pub use store::*;

use super::{allowance, audit, Actor, Ctx};
use crate::clock::{db_time, local_date, rfc3339_local};
use crate::db::points::{self as dbp, ClaimRow, ParticipantRow};
use crate::db::{self, DbConn};
use crate::domain::account::Role;
use crate::domain::points::{self, ClaimRefusal, ClaimStatus, Month, ReviewRefusal, Step};
use crate::domain::text;
use crate::error::{AppError, AppResult, Code, Problems};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Who keeps points here: a village worker its village, staff their town (district staff all).
fn keeper(ctx: &Ctx) -> AppResult<Actor> {
    Ok(ctx.require(&[Role::Community, Role::Staff])?.clone())
}

/// A village the actor keeps: 404 outside its scope, 422 for what is not a village.
fn village(conn: &mut DbConn, a: &Actor, code: Option<&str>) -> AppResult<String> {
    let code = match code.map(str::trim).filter(|s| !s.is_empty()) {
        Some(c) => c.to_string(),
        None if a.role == Role::Community => a.region_code.clone().unwrap_or_default(),
        None => return Err(AppError::invalid_field("region_code", "required", "请选择村（社区）")),
    };
    match db::regions::find(conn, &code)? {
        Some(r) if r.level == "village" && a.in_scope(&r.code) => Ok(r.code),
        Some(r) if r.level == "village" => Err(AppError::not_found()),
        _ => Err(AppError::invalid_field("region_code", "unknown_village", "村（社区）不存在")),
    }
}

fn month_of(s: &str) -> AppResult<Month> {
    Month::parse(s).ok_or_else(|| AppError::invalid_field("month", "invalid_month", "月份格式应为 YYYY-MM"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(delta: i64, kind: &str, on: &str) -> dbp::LedgerRow {
        dbp::LedgerRow {
            id: 0,
            participant_id: 1,
            delta,
            kind: kind.into(),
            claim_id: None,
            exchange_id: None,
            available_on: on.parse().unwrap(),
            created_at: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap().and_hms_opt(0, 0, 0).unwrap(),
        }
    }

    #[test]
    fn balance_pending_and_credits() {
        let l = [e(10, "claim", "2027-04-05"), e(5, "claim", "2027-05-05"), e(-3, "exchange", "2027-04-10")];
        assert_eq!(balances(&l, "2027-04-20".parse().unwrap()), (7, 5));
        assert_eq!(credits(&l, "2027-04-20".parse().unwrap()), 10);
        assert_eq!(credits(&l, "2027-05-05".parse().unwrap()), 15);
    }
}

//! Project budget versions (`project_budgets`): version 1 is the bid's lines; each later version
//! is stored here with its lines as JSON (amounts in fen).

use super::schema::project_budgets as pb;
use super::DbConn;
use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

/// One stored line: like a bid's budget line, amounts in fen.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct StoredLine {
    pub category: String,
    pub item: String,
    pub quantity: Option<String>,
    pub unit_price: Option<i64>,
    pub amount: i64,
    #[serde(default)]
    pub note: String,
}

impl From<super::bids::NewLine> for StoredLine {
    fn from(l: super::bids::NewLine) -> Self {
        StoredLine {
            category: l.category,
            item: l.item,
            quantity: l.quantity,
            unit_price: l.unit_price,
            amount: l.amount,
            note: l.note,
        }
    }
}

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = pb)]
pub struct BudgetRow {
    pub project_id: i64,
    pub version: i32,
    pub lines: String,
    pub total: i64,
    pub reason: String,
    pub created_by: i64,
    pub created_at: NaiveDateTime,
}

impl BudgetRow {
    pub fn stored_lines(&self) -> Vec<StoredLine> {
        serde_json::from_str(&self.lines).unwrap_or_default()
    }
}

/// Every stored version of the projects, oldest first.
pub fn of(conn: &mut DbConn, project_ids: &[i64]) -> QueryResult<Vec<BudgetRow>> {
    pb::table
        .filter(pb::project_id.eq_any(project_ids))
        .select(BudgetRow::as_select())
        .order((pb::project_id, pb::version))
        .load(conn)
}

/// Adds the next version (2 after the bid's) and returns its number. Two writers racing for the
/// same number: the primary key lets one through; the other's transaction fails and is retried
/// by the caller's refusal.
pub fn add(
    conn: &mut DbConn,
    project_id: i64,
    lines: &[StoredLine],
    reason: &str,
    by: i64,
    at: NaiveDateTime,
) -> QueryResult<i32> {
    let last: Option<i32> =
        pb::table.filter(pb::project_id.eq(project_id)).select(diesel::dsl::max(pb::version)).first(conn)?;
    let version = last.unwrap_or(1) + 1;
    let json = serde_json::to_string(lines).map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))?;
    diesel::insert_into(pb::table)
        .values((
            pb::project_id.eq(project_id),
            pb::version.eq(version),
            pb::lines.eq(json),
            pb::total.eq(lines.iter().map(|l| l.amount).sum::<i64>()),
            pb::reason.eq(reason),
            pb::created_by.eq(by),
            pb::created_at.eq(at),
        ))
        .execute(conn)?;
    Ok(version)
}

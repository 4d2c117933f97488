//! The decision as it was published: the allocation written into the `call.decide` audit record,
//! in ranking order. Once a call is decided, its ranking and its notice read this record, never a
//! fresh computation, so later events (an upheld objection, an edited amount) cannot re-rank it.

use crate::db::{self, DbConn};
use crate::error::AppResult;

/// One bid as the decision ranked it.
#[derive(Debug, Clone)]
pub struct Decided {
    pub pool_id: i64,
    pub bid_id: i64,
    pub score: Option<String>,
    /// The amount decided (fen), when finance had approved one.
    pub amount: Option<i64>,
    pub recommended: bool,
    pub outcome: String,
}

/// The call's recorded decision, rows in ranking order within each pool; `None` before deciding.
pub fn recorded(conn: &mut DbConn, call_id: i64) -> AppResult<Option<Vec<Decided>>> {
    let Some(r) = db::audit::for_entity(conn, "call", call_id)?.into_iter().find(|r| r.action == "call.decide") else {
        return Ok(None);
    };
    let v: serde_json::Value = serde_json::from_str(&r.detail).unwrap_or_default();
    let rows = v["allocation"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| {
                    Some(Decided {
                        pool_id: x["pool_id"].as_i64()?,
                        bid_id: x["bid_id"].as_i64()?,
                        score: x["score"].as_str().map(str::to_string),
                        amount: x["amount"].as_str().and_then(|s| crate::domain::Money::parse(s).ok()).map(|m| m.fen()),
                        recommended: x["recommended"].as_bool().unwrap_or(false),
                        outcome: x["outcome"].as_str().unwrap_or_default().to_string(),
                    })
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Some(rows))
}

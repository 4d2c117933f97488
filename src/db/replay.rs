//! The table snapshots `gongyi audit verify` replays the audit trail against: a handful of
//! whole-table reads, no per-row queries.

use super::calls::CriterionRow;
use super::schema::{assignments, bids, criteria, payments, pools, projects, review_scores};
use super::DbConn;
use crate::domain::replay::{StoredBid, StoredPayment, StoredProject, StoredReview, Tables};
use crate::domain::scoring::Criterion;
use diesel::prelude::*;
use rust_decimal::Decimal;
use std::collections::HashMap;

pub fn tables(conn: &mut DbConn) -> QueryResult<Tables> {
    let mut scores: HashMap<i64, Vec<(String, i64)>> = HashMap::new();
    let rows: Vec<(i64, String, i64)> = review_scores::table
        .inner_join(assignments::table)
        .filter(assignments::status.eq("submitted"))
        .select((review_scores::assignment_id, review_scores::criterion, review_scores::score))
        .load(conn)?;
    for (id, k, s) in rows {
        scores.entry(id).or_default().push((k, s));
    }
    let reviews = assignments::table
        .select((assignments::id, assignments::call_id, assignments::stage, assignments::status, assignments::total))
        .order(assignments::id)
        .load::<(i64, i64, i32, String, Option<String>)>(conn)?
        .into_iter()
        .map(|(id, call_id, stage, status, total)| StoredReview {
            assignment_id: id,
            call_id,
            stage,
            submitted: status == "submitted",
            total,
            scores: scores.remove(&id).unwrap_or_default(),
        })
        .collect();
    let mut crit: HashMap<(i64, i32), Vec<Criterion>> = HashMap::new();
    for k in criteria::table
        .select(CriterionRow::as_select())
        .order((criteria::call_id, criteria::stage, criteria::position))
        .load(conn)?
    {
        crit.entry((k.call_id, k.stage)).or_default().push(Criterion {
            key: k.key,
            weight: k.weight as u32,
            max_score: Decimal::new(k.max_score, 2),
        });
    }
    let bids = bids::table
        .filter(bids::status.eq_any(["proposed", "funded", "not_funded"]))
        .select((bids::id, bids::pool_id, bids::status, bids::approved))
        .order(bids::id)
        .load::<(i64, i64, String, Option<i64>)>(conn)?
        .into_iter()
        .map(|(id, pool_id, status, approved)| StoredBid { id, pool_id, status, approved })
        .collect();
    let projects = projects::table
        .select((projects::id, projects::bid_id, projects::approved, projects::paid))
        .order(projects::id)
        .load::<(i64, i64, i64, i64)>(conn)?
        .into_iter()
        .map(|(id, bid_id, approved, paid)| StoredProject { id, bid_id, approved, paid })
        .collect();
    let payments = payments::table
        .select((payments::id, payments::project_id, payments::tranche_seq, payments::amount))
        .order(payments::id)
        .load::<(i64, i64, i32, i64)>(conn)?
        .into_iter()
        .map(|(id, project_id, tranche, amount)| StoredPayment { id, project_id, tranche, amount })
        .collect();
    Ok(Tables {
        reviews,
        criteria: crit,
        pools: pools::table.select((pools::id, pools::reserved)).order(pools::id).load(conn)?,
        bids,
        projects,
        payments,
        refunds: super::closures::refunds(conn)?,
    })
}

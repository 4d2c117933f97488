//! Appending to and verifying the HMAC audit chain.

use super::Ctx;
use crate::db::{self, audit::AuditRow, DbConn};
use crate::domain::audit::{record_hash, AuditFields, GENESIS};
use crate::domain::money::Money;
use crate::domain::replay::{self, Allocated, Event, Report};
use crate::error::AppResult;
use serde_json::Value;

/// Appends one record; call inside the state change's transaction.
pub fn record(
    conn: &mut DbConn,
    ctx: &Ctx,
    action: &str,
    entity: &str,
    entity_id: Option<i64>,
    detail: serde_json::Value,
) -> AppResult<()> {
    db::lock_sequence(conn, db::audit::CHAIN_LOCK)?;
    let (prev_id, prev_hash) = db::audit::head(conn)?.unwrap_or((0, GENESIS.to_string()));
    let at = crate::clock::db_time(ctx.now);
    let mut detail = detail;
    if let (Some(ip), Some(obj)) = (&ctx.ip, detail.as_object_mut()) {
        obj.insert("ip".into(), ip.clone().into());
    }
    let detail = detail.to_string();
    let at_s = at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string();
    let id = prev_id + 1;
    let actor_id = ctx.actor_id();
    let hash = record_hash(
        &ctx.audit_key,
        &AuditFields { id, at: &at_s, actor_id, action, entity, entity_id, detail: &detail, prev_hash: &prev_hash },
    );
    db::audit::insert(
        conn,
        &AuditRow {
            id,
            at,
            actor_id,
            action: action.into(),
            entity: entity.into(),
            entity_id,
            detail,
            prev_hash,
            hash,
        },
    )?;
    Ok(())
}

#[derive(Debug, PartialEq, Eq)]
pub enum ChainReport {
    Intact { records: i64, head: String },
    Broken { at_id: i64, reason: String },
}

/// Walks the whole chain in id order and reports the first broken link.
pub fn verify(conn: &mut DbConn, key: &[u8]) -> AppResult<ChainReport> {
    let mut prev_id = 0i64;
    let mut prev_hash = GENESIS.to_string();
    loop {
        let rows = db::audit::page(conn, prev_id, 1000)?;
        if rows.is_empty() {
            return Ok(ChainReport::Intact { records: prev_id, head: prev_hash });
        }
        for r in rows {
            if r.id != prev_id + 1 {
                return Ok(ChainReport::Broken {
                    at_id: prev_id + 1,
                    reason: format!("记录 {} 缺失（下一条是 {}）", prev_id + 1, r.id),
                });
            }
            if r.prev_hash != prev_hash {
                return Ok(ChainReport::Broken { at_id: r.id, reason: "与上一条记录的哈希不连续".into() });
            }
            let at_s = r.at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string();
            let want = record_hash(
                key,
                &AuditFields {
                    id: r.id,
                    at: &at_s,
                    actor_id: r.actor_id,
                    action: &r.action,
                    entity: &r.entity,
                    entity_id: r.entity_id,
                    detail: &r.detail,
                    prev_hash: &r.prev_hash,
                },
            );
            if want != r.hash {
                return Ok(ChainReport::Broken {
                    at_id: r.id, reason: "记录内容与其哈希不符（被修改过）".into()
                });
            }
            prev_id = r.id;
            prev_hash = r.hash;
        }
    }
}

const REPLAYED: [&str; 6] =
    ["review.submit", "review.reopen", "call.decide", "objection.answer", "project.terminate", "project.pay"];

/// Replays scores, allocations and payments from the audit trail against the tables
/// (`gongyi audit verify`, after the chain itself checked out).
pub fn replay(conn: &mut DbConn) -> AppResult<Report> {
    let rows = db::audit::by_actions(conn, &REPLAYED)?;
    let mut events = Vec::with_capacity(rows.len());
    let mut unreadable = Vec::new();
    for r in &rows {
        match event_of(r) {
            Some(Some(e)) => events.push(e),
            Some(None) => {}
            None => unreadable.push(format!("第 {} 条审计记录（{}）无法解读", r.id, r.action)),
        }
    }
    let tables = db::replay::tables(conn)?;
    let mut report = replay::replay(&events, &tables);
    report.findings.splice(0..0, unreadable);
    Ok(report)
}

/// Amounts are money strings ("1200.00"); a bare integer is fen.
fn fen(v: &Value) -> Option<i64> {
    match v {
        Value::String(s) => Money::parse(s).ok().map(Money::fen),
        Value::Number(n) => n.as_i64(),
        Value::Null => Some(0),
        _ => None,
    }
}

/// `None`: unreadable; `Some(None)`: nothing to replay (e.g. a rejected objection).
fn event_of(r: &AuditRow) -> Option<Option<Event>> {
    let d: Value = serde_json::from_str(&r.detail).ok()?;
    let int = |k: &str| d.get(k).and_then(Value::as_i64);
    Some(match r.action.as_str() {
        "review.submit" => {
            let scores = d
                .get("scores")?
                .as_array()?
                .iter()
                .map(|s| Some((s.get(0)?.as_str()?.to_string(), s.get(1)?.as_i64()?)))
                .collect::<Option<Vec<_>>>()?;
            Some(Event::Scored { assignment_id: int("assignment_id")?, scores })
        }
        "review.reopen" => Some(Event::Reopened { assignment_id: int("assignment_id")? }),
        "call.decide" => {
            let allocation = d
                .get("allocation")?
                .as_array()?
                .iter()
                .map(|a| {
                    Some(Allocated {
                        pool_id: a.get("pool_id")?.as_i64()?,
                        bid_id: a.get("bid_id")?.as_i64()?,
                        recommended: a.get("recommended")?.as_bool()?,
                        amount: fen(a.get("amount")?)?,
                    })
                })
                .collect::<Option<Vec<_>>>()?;
            Some(Event::Decided { allocation })
        }
        "objection.answer" => match d.get("released") {
            Some(v) if !v.is_null() => Some(Event::FundingCancelled { bid_id: r.entity_id?, released: fen(v)? }),
            _ => None,
        },
        "project.terminate" => Some(Event::Terminated { project_id: r.entity_id?, released: fen(d.get("released")?)? }),
        "project.pay" => Some(Event::Paid {
            payment_id: int("payment_id")?,
            project_id: r.entity_id?,
            tranche: i32::try_from(int("tranche")?).ok()?,
            amount: fen(d.get("amount")?)?,
        }),
        _ => None,
    })
}

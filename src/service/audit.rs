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
    // Inside a group whose transaction already appended a record, its head is known.
    let (prev_id, prev_hash) = match db::group::chain_head() {
        Some(head) => head,
        None => db::audit::head(conn)?.unwrap_or((0, GENESIS.to_string())),
    };
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
            hash: hash.clone(),
        },
    )?;
    db::group::appended(id, &hash);
    Ok(())
}

#[derive(Debug, PartialEq, Eq)]
pub enum ChainReport {
    Intact { records: i64, head: String },
    Broken { at_id: i64, reason: String },
}

/// The MAC a stored record should carry under `key`.
fn expected(key: &[u8], r: &db::audit::AuditRow) -> String {
    let at_s = r.at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string();
    record_hash(
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
    )
}

/// Whether `key` signed this chain: the first record's MAC is checked (an empty chain fits any
/// key). Start-up refuses a key that does not, before it could append records that a later
/// `audit verify` would report as tampering.
pub fn key_fits(conn: &mut DbConn, key: &[u8]) -> AppResult<bool> {
    Ok(db::audit::page(conn, 0, 1)?.first().is_none_or(|r| expected(key, r) == r.hash))
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
            if expected(key, &r) != r.hash {
                return Ok(ChainReport::Broken {
                    at_id: r.id, reason: "记录内容与其哈希不符（被修改过）".into()
                });
            }
            prev_id = r.id;
            prev_hash = r.hash;
        }
    }
}

const REPLAYED: [&str; 7] = [
    "review.submit",
    "review.reopen",
    "call.decide",
    "objection.answer",
    "project.terminate",
    "project.complete",
    "project.pay",
];

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

/// The points ledger against the trail (`domain::points_replay`): (entries checked, findings).
pub fn replay_points(conn: &mut DbConn) -> AppResult<(usize, Vec<String>)> {
    use crate::domain::points_replay::{self, PointsEvent};
    let actions = ["points.claim.file", "points.posting.create", "points.objection.decide", "points.exchange"];
    let mut events = Vec::new();
    let mut unreadable = Vec::new();
    for r in db::audit::by_actions(conn, &actions)? {
        let d: Option<Value> = serde_json::from_str(&r.detail).ok();
        let int = |k: &str| d.as_ref().and_then(|d| d.get(k)).and_then(Value::as_i64);
        let e = match r.action.as_str() {
            "points.claim.file" => (|| {
                Some(Some(PointsEvent::Filed {
                    claim: r.entity_id?,
                    participant: int("participant_id")?,
                    points: int("points")?,
                }))
            })(),
            "points.posting.create" => d
                .as_ref()
                .and_then(|d| d.get("claims")?.as_array()?.iter().map(Value::as_i64).collect::<Option<Vec<_>>>())
                .map(|claims| Some(PointsEvent::Posted { claims })),
            "points.objection.decide" => Some(int("reversed_claim").map(|claim| PointsEvent::Reversed { claim })),
            _ => (|| {
                Some(Some(PointsEvent::Exchanged {
                    exchange: r.entity_id?,
                    participant: int("participant_id")?,
                    points: int("points")?,
                }))
            })(),
        };
        match e {
            Some(Some(e)) => events.push(e),
            Some(None) => {}
            None => unreadable.push(format!("第 {} 条审计记录（{}）无法解读", r.id, r.action)),
        }
    }
    let ledger = db::points::all_entries(conn)?;
    let spent = db::points::all_spent(conn)?;
    let (n, mut findings) = points_replay::replay(&events, &ledger, &spent);
    findings.splice(0..0, unreadable);
    Ok((n, findings))
}

/// The social-welfare funds' money replayed from the trail: every donation and grant, each pot
/// and each project's matching money from the funds (`domain::welfare::replay`).
pub fn replay_welfare(conn: &mut DbConn) -> AppResult<(usize, Vec<String>)> {
    use crate::domain::welfare::{self, Pot, WelfareEvent, WelfareTables};
    let mut events = Vec::new();
    let mut unreadable = Vec::new();
    for r in db::audit::by_actions(conn, &["welfare.donation", "welfare.grant"])? {
        let d: Option<Value> = serde_json::from_str(&r.detail).ok();
        let get = |k: &str| d.as_ref().and_then(|d| d.get(k));
        let e = (|| {
            let fund = get("fund_id")?.as_i64()?;
            let amount = fen(get("amount")?)?;
            Some(if r.action == "welfare.donation" {
                WelfareEvent::Donation {
                    fund,
                    donation: r.entity_id?,
                    amount,
                    restriction: get("restricted_to")?.as_str()?.to_string(),
                }
            } else {
                WelfareEvent::Grant {
                    fund,
                    grant: r.entity_id?,
                    amount,
                    restriction: get("restriction")?.as_str()?.to_string(),
                    project: get("project_id").and_then(Value::as_i64),
                }
            })
        })();
        match e {
            Some(e) => events.push(e),
            None => unreadable.push(format!("第 {} 条审计记录（{}）无法解读", r.id, r.action)),
        }
    }
    let tables = WelfareTables {
        donations: db::welfare::all_donations(conn)?,
        grants: db::welfare::all_grants(conn)?,
        pots: db::welfare::all_pots(conn)?
            .into_iter()
            .map(|(f, r, received, granted)| ((f, r), Pot { received, granted }))
            .collect(),
        project_matching: db::welfare::all_project_matching(conn)?,
    };
    let (n, mut findings) = welfare::replay(&events, &tables);
    findings.splice(0..0, unreadable);
    Ok((n, findings))
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
        "project.complete" => Some(Event::Completed {
            project_id: r.entity_id?,
            released: fen(d.get("released")?)?,
            refunded: fen(d.get("refunded")?)?,
        }),
        "project.pay" => Some(Event::Paid {
            payment_id: int("payment_id")?,
            project_id: r.entity_id?,
            tranche: i32::try_from(int("tranche")?).ok()?,
            amount: fen(d.get("amount")?)?,
        }),
        _ => None,
    })
}

/// The checkpoint file in the data directory: one line `id hash time` each time the chain head
/// moved. Kept outside the database, it lets `audit verify` notice the newest records deleted,
/// which a chain read on its own cannot (a shortened chain is still a valid chain).
pub const ANCHOR_FILE: &str = "audit-anchors.txt";

/// Appends the current head to the anchor file when it moved since the last line. Returns
/// whether a line was written.
pub fn checkpoint(
    conn: &mut DbConn,
    data_dir: &std::path::Path,
    now: chrono::DateTime<chrono::Utc>,
) -> AppResult<bool> {
    use std::io::Write;
    let Some((id, hash)) = db::audit::head(conn)? else { return Ok(false) };
    let path = data_dir.join(ANCHOR_FILE);
    if anchors(data_dir).last().is_some_and(|(i, h)| *i == id && *h == hash) {
        return Ok(false);
    }
    let io = |e: std::io::Error| crate::error::AppError::internal(format!("{}: {e}", path.display()));
    std::fs::create_dir_all(data_dir).map_err(io)?;
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&path).map_err(io)?;
    writeln!(f, "{id} {hash} {}", now.to_rfc3339()).map_err(io)?;
    f.sync_all().map_err(io)?;
    Ok(true)
}

/// The anchors in the file, oldest first; unreadable lines are skipped.
pub fn anchors(data_dir: &std::path::Path) -> Vec<(i64, String)> {
    std::fs::read_to_string(data_dir.join(ANCHOR_FILE))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            Some((it.next()?.parse().ok()?, it.next()?.to_string()))
        })
        .collect()
}

/// Compares the chain with every anchor known: the checkpoint file and the head printed on each
/// published document. Each anchor the chain no longer holds is a finding.
pub fn check_anchors(conn: &mut DbConn, data_dir: &std::path::Path) -> AppResult<Vec<String>> {
    let mut findings = Vec::new();
    // The newest anchor says how long the chain was at least; rewrites in the middle are the
    // chain's own HMAC's to find.
    if let Some((id, hash)) = anchors(data_dir).last() {
        match db::audit::hash_of(conn, *id)? {
            Some(h) if h == *hash => {}
            Some(_) => findings.push(format!("检查点：第 {id} 条记录与 {ANCHOR_FILE} 中记下的哈希不符（被改写过）")),
            None => findings
                .push(format!("检查点：{ANCHOR_FILE} 记下链上已有第 {id} 条记录，现在链中没有（最新的记录被删除）")),
        }
    }
    let docs = db::documents::audit_heads(conn)?;
    let heads: Vec<String> = docs.iter().map(|d| d.1.clone()).collect();
    let present: std::collections::HashSet<String> = db::audit::hashes_present(conn, &heads)?.into_iter().collect();
    for (title, head) in docs {
        if !present.contains(&head) {
            findings.push(format!("已发布文件《{title}》上印的审计链头 {head} 不在链中（其后的记录被删除或改写）"));
        }
    }
    Ok(findings)
}

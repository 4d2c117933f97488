//! Replaying the audit trail against the tables. The HMAC chain proves the trail itself was not
//! edited; this proves the tables still say what the trail says: every submitted score, every
//! pool reservation and allocation, every payment. An insider who edits a table without writing
//! a matching (keyed) audit record is found here.

use super::scoring::{reviewer_total, Criterion};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap, HashSet};

/// What the audit trail says happened, in chain order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A reviewer submitted scores (criterion key → hundredths of a point).
    Scored {
        assignment_id: i64,
        scores: Vec<(String, i64)>,
    },
    /// Staff reopened a submitted review.
    Reopened {
        assignment_id: i64,
    },
    /// The decision: each eligible bid of the call, funded or not, with its amount in fen.
    Decided {
        allocation: Vec<Allocated>,
    },
    /// An upheld objection cancelled a bid's funding and released its reservation.
    FundingCancelled {
        bid_id: i64,
        released: i64,
    },
    /// A project was terminated and its unpaid rest released.
    Terminated {
        project_id: i64,
        released: i64,
    },
    /// A project was closed (结项): its unspent rest released, a refund recorded.
    Completed {
        project_id: i64,
        released: i64,
        refunded: i64,
    },
    Paid {
        payment_id: i64,
        project_id: i64,
        tranche: i32,
        amount: i64,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allocated {
    pub pool_id: i64,
    pub bid_id: i64,
    pub recommended: bool,
    pub amount: i64,
}

/// The tables as they are now.
#[derive(Debug, Default)]
pub struct Tables {
    pub reviews: Vec<StoredReview>,
    /// (call, stage) → that stage's rubric.
    pub criteria: HashMap<(i64, i32), Vec<Criterion>>,
    /// Pool id → reserved fen.
    pub pools: Vec<(i64, i64)>,
    /// Bids that took part in a decision (proposed, funded, not funded).
    pub bids: Vec<StoredBid>,
    pub projects: Vec<StoredProject>,
    pub payments: Vec<StoredPayment>,
    /// Closed projects' recorded refunds: (project, fen).
    pub refunds: Vec<(i64, i64)>,
}

#[derive(Debug, Clone)]
pub struct StoredReview {
    pub assignment_id: i64,
    pub call_id: i64,
    pub stage: i32,
    pub submitted: bool,
    pub total: Option<String>,
    pub scores: Vec<(String, i64)>,
}

#[derive(Debug, Clone)]
pub struct StoredBid {
    pub id: i64,
    pub pool_id: i64,
    pub status: String,
    pub approved: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct StoredProject {
    pub id: i64,
    pub bid_id: i64,
    pub approved: i64,
    pub paid: i64,
}

#[derive(Debug, Clone)]
pub struct StoredPayment {
    pub id: i64,
    pub project_id: i64,
    pub tranche: i32,
    pub amount: i64,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Report {
    pub reviews: usize,
    pub allocations: usize,
    pub payments: usize,
    /// Each disagreement, in Chinese, for the person running `gongyi audit verify`.
    pub findings: Vec<String>,
}

fn yuan(fen: i64) -> super::money::Money {
    super::money::Money::from_fen(fen)
}

pub fn replay(events: &[Event], t: &Tables) -> Report {
    let mut r = Report::default();
    replay_scores(events, t, &mut r);
    replay_allocations(events, t, &mut r);
    replay_payments(events, t, &mut r);
    r
}

fn replay_scores(events: &[Event], t: &Tables, r: &mut Report) {
    // The last word on each assignment: its scores, or None once reopened.
    let mut last: HashMap<i64, Option<&Vec<(String, i64)>>> = HashMap::new();
    for e in events {
        match e {
            Event::Scored { assignment_id, scores } => {
                last.insert(*assignment_id, Some(scores));
            }
            Event::Reopened { assignment_id } => {
                last.insert(*assignment_id, None);
            }
            _ => {}
        }
    }
    for s in &t.reviews {
        let audited = last.get(&s.assignment_id).copied().flatten();
        match (s.submitted, audited) {
            (false, Some(_)) => {
                r.findings.push(format!("评审任务 {}：审计记录显示评分已提交，表中却未提交", s.assignment_id))
            }
            (false, None) => {}
            (true, None) => {
                r.findings.push(format!("评审任务 {}：表中评分已提交，但没有对应的提交审计记录", s.assignment_id))
            }
            (true, Some(a)) => {
                r.reviews += 1;
                let mut stored = s.scores.clone();
                stored.sort();
                let mut audited = a.clone();
                audited.sort();
                if stored != audited {
                    r.findings.push(format!("评审任务 {}：各项评分与提交时的审计记录不符", s.assignment_id));
                    continue;
                }
                // The ranking reads the stored total: it must be the one these scores give.
                if let (Some(crit), Some(total)) = (t.criteria.get(&(s.call_id, s.stage)), &s.total) {
                    let in_order: Vec<Decimal> = crit
                        .iter()
                        .map(|c| Decimal::new(a.iter().find(|(k, _)| *k == c.key).map_or(0, |x| x.1), 2))
                        .collect();
                    let want = reviewer_total(crit, &in_order);
                    if total.parse::<Decimal>().ok().map(|d| d.normalize()) != Some(want.normalize()) {
                        r.findings.push(format!(
                            "评审任务 {}：存储的总分 {} 与评分算出的 {} 不符",
                            s.assignment_id,
                            total,
                            want.round_dp(4)
                        ));
                    }
                }
            }
        }
    }
}

fn replay_allocations(events: &[Event], t: &Tables, r: &mut Report) {
    let bid_pool: HashMap<i64, i64> = t.bids.iter().map(|b| (b.id, b.pool_id)).collect();
    let project_bid: HashMap<i64, i64> = t.projects.iter().map(|p| (p.id, p.bid_id)).collect();
    let mut reserved: BTreeMap<i64, i64> = BTreeMap::new();
    let mut decided: HashMap<i64, &Allocated> = HashMap::new();
    let mut cancelled: HashSet<i64> = HashSet::new();
    for e in events {
        match e {
            Event::Decided { allocation } => {
                for a in allocation {
                    if a.recommended {
                        *reserved.entry(a.pool_id).or_default() += a.amount;
                    }
                    decided.insert(a.bid_id, a);
                }
            }
            Event::FundingCancelled { bid_id, released } => {
                cancelled.insert(*bid_id);
                if let Some(a) = decided.get(bid_id) {
                    *reserved.entry(a.pool_id).or_default() -= released;
                } else if let Some(p) = bid_pool.get(bid_id) {
                    *reserved.entry(*p).or_default() -= released;
                }
            }
            Event::Terminated { project_id, released } | Event::Completed { project_id, released, .. } => {
                let pool = project_bid.get(project_id).and_then(|b| decided.get(b).map(|a| a.pool_id));
                match pool {
                    Some(p) => *reserved.entry(p).or_default() -= released,
                    None => r.findings.push(format!("项目 {project_id}：终止记录找不到其资助决定")),
                }
            }
            _ => {}
        }
    }
    for (id, now) in &t.pools {
        let want = reserved.get(id).copied().unwrap_or(0);
        if *now != want {
            r.findings.push(format!("资金池 {id}：已分配 {} 元，按审计记录应为 {} 元", yuan(*now), yuan(want)));
        }
    }
    for b in &t.bids {
        let a = decided.get(&b.id);
        let funded_now = matches!(b.status.as_str(), "proposed" | "funded");
        match a {
            None => r.findings.push(format!("申报 {}：状态为 {}，但没有资助决定的审计记录", b.id, b.status)),
            Some(a) => {
                r.allocations += 1;
                if funded_now && !a.recommended {
                    r.findings.push(format!("申报 {}：表中为拟资助，审计记录中未获资助", b.id));
                } else if funded_now && b.approved != Some(a.amount) {
                    r.findings.push(format!(
                        "申报 {}：核定金额 {} 元，资助决定时为 {} 元",
                        b.id,
                        b.approved.map(yuan).map(|m| m.to_string()).unwrap_or_else(|| "空".into()),
                        yuan(a.amount)
                    ));
                } else if !funded_now && a.recommended && !cancelled.contains(&b.id) {
                    r.findings.push(format!("申报 {}：审计记录中获资助，表中却未获资助且无异议撤销记录", b.id));
                }
            }
        }
    }
    for p in &t.projects {
        match decided.get(&p.bid_id) {
            Some(a) if a.recommended && a.amount == p.approved => {}
            _ => r.findings.push(format!("项目 {}：资助金额 {} 元与资助决定的审计记录不符", p.id, yuan(p.approved))),
        }
    }
}

fn replay_payments(events: &[Event], t: &Tables, r: &mut Report) {
    let mut audited: BTreeMap<i64, (i64, i32, i64)> = BTreeMap::new();
    // Project → what its termination released; a payment recorded after it is money paid out of
    // a reservation already given back.
    let mut released_at_end: HashMap<i64, i64> = HashMap::new();
    let mut refunds: BTreeMap<i64, i64> = BTreeMap::new();
    for e in events {
        match e {
            Event::Paid { payment_id, project_id, tranche, amount } => {
                if released_at_end.contains_key(project_id) {
                    r.findings
                        .push(format!("付款 {payment_id}：项目 {project_id} 终止或结项后仍拨付 {} 元", yuan(*amount)));
                }
                audited.insert(*payment_id, (*project_id, *tranche, *amount));
            }
            Event::Terminated { project_id, released } => {
                released_at_end.insert(*project_id, *released);
            }
            Event::Completed { project_id, released, refunded } => {
                // The refund came back in: only the rest of the release is beyond what was paid.
                released_at_end.insert(*project_id, released - refunded);
                refunds.insert(*project_id, *refunded);
            }
            _ => {}
        }
    }
    let mut paid: HashMap<i64, i64> = HashMap::new();
    for p in &t.payments {
        *paid.entry(p.project_id).or_default() += p.amount;
        match audited.remove(&p.id) {
            None => r.findings.push(format!("付款 {}：{} 元没有审计记录", p.id, yuan(p.amount))),
            Some(a) if a != (p.project_id, p.tranche, p.amount) => r.findings.push(format!(
                "付款 {}：表中为项目 {} 第 {} 批 {} 元，审计记录为项目 {} 第 {} 批 {} 元",
                p.id,
                p.project_id,
                p.tranche,
                yuan(p.amount),
                a.0,
                a.1,
                yuan(a.2)
            )),
            Some(_) => r.payments += 1,
        }
    }
    for (project, refunded) in &t.refunds {
        match refunds.remove(project) {
            Some(a) if a == *refunded => {}
            Some(a) => r.findings.push(format!(
                "项目 {project}：表中退回 {} 元，结项的审计记录为 {} 元",
                yuan(*refunded),
                yuan(a)
            )),
            None => r.findings.push(format!("项目 {project}：退回 {} 元没有结项的审计记录", yuan(*refunded))),
        }
    }
    for (project, a) in refunds {
        r.findings.push(format!("项目 {project}：审计记录中结项退回 {} 元，表中没有结项记录", yuan(a)));
    }
    for (id, (project, _, amount)) in audited {
        r.findings.push(format!("付款 {id}：审计记录中项目 {project} 付了 {} 元，表中已无此付款", yuan(amount)));
    }
    for p in &t.projects {
        let sum = paid.get(&p.id).copied().unwrap_or(0);
        if sum != p.paid {
            r.findings.push(format!("项目 {}：已拨付 {} 元，付款记录合计 {} 元", p.id, yuan(p.paid), yuan(sum)));
        }
        if let Some(released) = released_at_end.get(&p.id) {
            if sum + released > p.approved {
                r.findings.push(format!(
                    "项目 {}：已拨付 {} 元加终止时释放的 {} 元，超过核定金额 {} 元",
                    p.id,
                    yuan(sum),
                    yuan(*released),
                    yuan(p.approved)
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crit() -> Vec<Criterion> {
        vec![
            Criterion { key: "a".into(), weight: 60, max_score: Decimal::new(10000, 2) },
            Criterion { key: "b".into(), weight: 40, max_score: Decimal::new(1000, 2) },
        ]
    }

    /// One scored review, one decision funding bid 7 in pool 1, a project paid one tranche.
    fn world() -> (Vec<Event>, Tables) {
        let scores = vec![("a".to_string(), 8000), ("b".to_string(), 750)];
        let events = vec![
            Event::Scored { assignment_id: 3, scores: scores.clone() },
            Event::Decided {
                allocation: vec![
                    Allocated { pool_id: 1, bid_id: 7, recommended: true, amount: 10_000_000 },
                    Allocated { pool_id: 1, bid_id: 8, recommended: false, amount: 5_000_000 },
                ],
            },
            Event::Paid { payment_id: 1, project_id: 2, tranche: 1, amount: 5_000_000 },
        ];
        let t = Tables {
            // 60 × 80/100 + 40 × 7.5/10 = 48 + 30 = 78
            reviews: vec![StoredReview {
                assignment_id: 3,
                call_id: 1,
                stage: 0,
                submitted: true,
                total: Some("78.00".into()),
                scores,
            }],
            criteria: HashMap::from([((1, 0), crit())]),
            pools: vec![(1, 10_000_000), (2, 0)],
            bids: vec![
                StoredBid { id: 7, pool_id: 1, status: "funded".into(), approved: Some(10_000_000) },
                StoredBid { id: 8, pool_id: 1, status: "not_funded".into(), approved: Some(5_000_000) },
            ],
            projects: vec![StoredProject { id: 2, bid_id: 7, approved: 10_000_000, paid: 5_000_000 }],
            payments: vec![StoredPayment { id: 1, project_id: 2, tranche: 1, amount: 5_000_000 }],
            refunds: vec![],
        };
        (events, t)
    }

    fn findings(events: &[Event], t: &Tables) -> Vec<String> {
        replay(events, t).findings
    }

    #[test]
    fn consistent_tables_replay_clean() {
        let (e, t) = world();
        let r = replay(&e, &t);
        assert_eq!((r.reviews, r.allocations, r.payments, r.findings.len()), (1, 2, 1, 0), "{:?}", r.findings);
    }

    #[test]
    fn an_edited_score_or_total_is_found() {
        let (e, mut t) = world();
        t.reviews[0].scores[0].1 = 9000;
        assert!(findings(&e, &t)[0].contains("各项评分"));
        let (e, mut t) = world();
        t.reviews[0].total = Some("88.00".into());
        assert!(findings(&e, &t)[0].contains("总分"));
        let (mut e, t) = world();
        e.push(Event::Reopened { assignment_id: 3 });
        assert!(findings(&e, &t)[0].contains("没有对应的提交"));
    }

    #[test]
    fn edited_reservations_and_amounts_are_found() {
        let (e, mut t) = world();
        t.pools[0].1 += 100;
        assert!(findings(&e, &t)[0].contains("资金池 1"));
        let (e, mut t) = world();
        t.bids[0].approved = Some(12_000_000);
        t.projects[0].approved = 12_000_000;
        assert_eq!(findings(&e, &t).len(), 2);
        let (e, mut t) = world();
        t.bids[1].status = "proposed".into();
        assert!(findings(&e, &t)[0].contains("未获资助"));
    }

    #[test]
    fn releases_are_replayed() {
        let (mut e, mut t) = world();
        e.push(Event::Terminated { project_id: 2, released: 5_000_000 });
        t.pools[0].1 = 5_000_000;
        assert_eq!(findings(&e, &t), Vec::<String>::new());
        let (mut e, mut t) = world();
        e.push(Event::FundingCancelled { bid_id: 7, released: 10_000_000 });
        t.pools[0].1 = 0;
        t.bids[0].status = "not_funded".into();
        t.projects.clear();
        t.payments.clear();
        e.retain(|x| !matches!(x, Event::Paid { .. }));
        assert_eq!(findings(&e, &t), Vec::<String>::new());
    }

    #[test]
    fn completions_release_and_their_refunds_match() {
        // Approved 100,000, paid 50,000, spent 40,000: 10,000 refunded, 60,000 back to the pool.
        let (mut e, mut t) = world();
        e.push(Event::Completed { project_id: 2, released: 6_000_000, refunded: 1_000_000 });
        t.pools[0].1 = 4_000_000;
        t.refunds = vec![(2, 1_000_000)];
        assert_eq!(findings(&e, &t), Vec::<String>::new());
        // The refund edited in the table, or a closing without its record.
        t.refunds = vec![(2, 1)];
        assert!(findings(&e, &t)[0].contains("结项的审计记录为 10000.00 元"), "{:?}", findings(&e, &t));
        e.pop();
        t.pools[0].1 = 10_000_000;
        assert!(findings(&e, &t)[0].contains("没有结项的审计记录"));
    }

    #[test]
    fn a_payment_after_termination_is_found() {
        let (mut ev, t) = world();
        // Terminated before any payment (everything released), then paid all the same.
        let released = t.projects[0].approved;
        ev.insert(ev.len() - 1, Event::Terminated { project_id: 2, released });
        let f = findings(&ev, &t);
        assert!(f.iter().any(|x| x.contains("终止或结项后仍拨付")), "{f:?}");
        assert!(f.iter().any(|x| x.contains("超过核定金额")), "{f:?}");
    }

    #[test]
    fn added_changed_and_deleted_payments_are_found() {
        let (e, mut t) = world();
        t.payments.push(StoredPayment { id: 2, project_id: 2, tranche: 2, amount: 1 });
        t.projects[0].paid += 1;
        assert!(findings(&e, &t)[0].contains("没有审计记录"));
        let (e, mut t) = world();
        t.payments[0].amount = 6_000_000;
        t.projects[0].paid = 6_000_000;
        assert!(findings(&e, &t)[0].contains("审计记录为"));
        let (e, mut t) = world();
        t.payments.clear();
        let f = findings(&e, &t);
        assert!(f.iter().any(|x| x.contains("表中已无此付款")), "{f:?}");
        assert!(f.iter().any(|x| x.contains("付款记录合计")), "{f:?}");
    }
}

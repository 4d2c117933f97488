//! The volunteer points ledger replayed from the audit trail (points are audited like money):
//! every posted claim, reversal and exchange the trail records must be in the ledger with the
//! same points, nothing else may be there, and each participant's `spent` must be the sum of
//! their exchanges.

use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PointsEvent {
    Filed { claim: i64, participant: i64, points: i64 },
    Posted { claims: Vec<i64> },
    Reversed { claim: i64 },
    Exchanged { exchange: i64, participant: i64, points: i64 },
}

/// One ledger row as stored: (participant, delta, kind, claim, exchange).
pub type Entry = (i64, i64, String, Option<i64>, Option<i64>);

/// Findings (in Chinese) and the number of ledger entries checked.
pub fn replay(events: &[PointsEvent], ledger: &[Entry], spent: &[(i64, i64)]) -> (usize, Vec<String>) {
    let mut filed: HashMap<i64, (i64, i64)> = HashMap::new();
    let mut expected: HashMap<(String, i64), (i64, i64)> = HashMap::new();
    let mut exchanged: HashMap<i64, i64> = HashMap::new();
    let mut findings = Vec::new();
    for e in events {
        match e {
            PointsEvent::Filed { claim, participant, points } => {
                filed.insert(*claim, (*participant, *points));
            }
            PointsEvent::Posted { claims } => {
                for c in claims {
                    match filed.get(c) {
                        Some(&(p, pts)) => {
                            expected.insert(("claim".into(), *c), (p, pts));
                        }
                        None => findings.push(format!("积分申报 {c} 已公示，但审计记录中没有它的申报")),
                    }
                }
            }
            PointsEvent::Reversed { claim } => match filed.get(claim) {
                Some(&(p, pts)) => {
                    expected.insert(("reversal".into(), *claim), (p, -pts));
                }
                None => findings.push(format!("积分申报 {claim} 被撤销，但审计记录中没有它的申报")),
            },
            PointsEvent::Exchanged { exchange, participant, points } => {
                expected.insert(("exchange".into(), *exchange), (*participant, -points));
                *exchanged.entry(*participant).or_default() += points;
            }
        }
    }
    for (participant, delta, kind, claim, exchange) in ledger {
        let key = (kind.clone(), if kind == "exchange" { exchange.unwrap_or(0) } else { claim.unwrap_or(0) });
        match expected.remove(&key) {
            Some((p, d)) if p == *participant && d == *delta => {}
            Some((p, d)) => findings.push(format!(
                "积分台账（{kind} {}）记为参与人 {participant} {delta} 分，审计记录为参与人 {p} {d} 分",
                key.1
            )),
            None => findings.push(format!("积分台账有一笔审计记录中没有的 {kind}（参与人 {participant}，{delta} 分）")),
        }
    }
    let mut missing: Vec<_> = expected.into_iter().collect();
    missing.sort();
    for ((kind, id), (p, d)) in missing {
        findings.push(format!("审计记录中的积分 {kind} {id}（参与人 {p}，{d} 分）不在积分台账中"));
    }
    for (participant, s) in spent {
        let want = exchanged.get(participant).copied().unwrap_or(0);
        if *s != want {
            findings.push(format!("参与人 {participant} 已兑换积分记为 {s}，审计记录合计 {want}"));
        }
    }
    (ledger.len(), findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events() -> Vec<PointsEvent> {
        vec![
            PointsEvent::Filed { claim: 1, participant: 7, points: 5 },
            PointsEvent::Filed { claim: 2, participant: 8, points: 10 },
            PointsEvent::Posted { claims: vec![1, 2] },
            PointsEvent::Reversed { claim: 2 },
            PointsEvent::Exchanged { exchange: 3, participant: 7, points: 4 },
        ]
    }
    fn ledger() -> Vec<Entry> {
        vec![
            (7, 5, "claim".into(), Some(1), None),
            (8, 10, "claim".into(), Some(2), None),
            (8, -10, "reversal".into(), Some(2), None),
            (7, -4, "exchange".into(), None, Some(3)),
        ]
    }

    #[test]
    fn a_faithful_ledger_has_no_findings() {
        assert_eq!(replay(&events(), &ledger(), &[(7, 4), (8, 0)]), (4, vec![]));
    }

    #[test]
    fn an_edited_entry_a_forged_one_a_deleted_one_and_spent_are_found() {
        let mut l = ledger();
        l[0].1 = 50;
        l.push((9, 20, "claim".into(), Some(99), None));
        l.remove(2);
        let (_, f) = replay(&events(), &l, &[(7, 0)]);
        assert_eq!(f.len(), 4, "{f:?}");
    }
}

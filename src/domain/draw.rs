//! Drawing review panels (专家库随机抽取): each bid gets `k` reviewers at random from the expert
//! pool, never one in conflict, load balanced. The randomness is ChaCha20 from a recorded seed,
//! so anyone can re-run the draw and get the same panels; replacements use numbered streams of
//! the same seed.

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reviewer {
    pub id: i64,
    /// USCCs of organisations the reviewer works for or advises.
    pub affiliations: BTreeSet<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BidToReview {
    pub id: i64,
    pub org_uscc: String,
    /// Reviewers who declared a conflict on this bid earlier (never drawn again for it).
    pub declined: BTreeSet<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DrawError {
    /// A bid has fewer non-conflicted reviewers than the panel size.
    NotEnoughReviewers { bid_id: i64, available: usize, needed: usize },
}

pub fn in_conflict(r: &Reviewer, b: &BidToReview) -> bool {
    r.affiliations.contains(&b.org_uscc) || b.declined.contains(&r.id)
}

/// bid id → reviewer ids (in draw order).
pub type Panels = BTreeMap<i64, Vec<i64>>;

/// Draws a panel of `k` for every bid. Bids with the fewest eligible reviewers go first; each
/// pick takes a least-loaded eligible reviewer, ties broken by the seeded shuffle, which keeps
/// loads within one of each other wherever conflicts allow.
pub fn draw(bids: &[BidToReview], reviewers: &[Reviewer], k: usize, seed: u64) -> Result<Panels, DrawError> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut order: Vec<&BidToReview> = bids.iter().collect();
    order.sort_by_key(|b| b.id);
    let eligible = |b: &BidToReview| reviewers.iter().filter(|r| !in_conflict(r, b)).count();
    for b in &order {
        let available = eligible(b);
        if available < k {
            return Err(DrawError::NotEnoughReviewers { bid_id: b.id, available, needed: k });
        }
    }
    order.sort_by_key(|b| (eligible(b), b.id));
    let mut load: BTreeMap<i64, usize> = reviewers.iter().map(|r| (r.id, 0)).collect();
    let mut panels = Panels::new();
    for b in order {
        let mut pool: Vec<&Reviewer> = reviewers.iter().filter(|r| !in_conflict(r, b)).collect();
        pool.sort_by_key(|r| r.id);
        pool.shuffle(&mut rng);
        // Stable sort by load keeps the shuffled order among equals.
        pool.sort_by_key(|r| load[&r.id]);
        let chosen: Vec<i64> = pool.iter().take(k).map(|r| r.id).collect();
        for id in &chosen {
            *load.entry(*id).or_insert(0) += 1;
        }
        panels.insert(b.id, chosen);
    }
    Ok(panels)
}

/// The `n`-th replacement for a bid's panel (n from 1): a least-loaded eligible reviewer not
/// already on the panel, chosen by stream `n` of the same seed. `None` when nobody is left.
pub fn replacement(
    bid: &BidToReview,
    panel: &[i64],
    reviewers: &[Reviewer],
    load: &BTreeMap<i64, usize>,
    seed: u64,
    n: u64,
) -> Option<i64> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    rng.set_stream(n);
    let mut pool: Vec<&Reviewer> =
        reviewers.iter().filter(|r| !in_conflict(r, bid) && !panel.contains(&r.id)).collect();
    pool.sort_by_key(|r| r.id);
    pool.shuffle(&mut rng);
    pool.sort_by_key(|r| load.get(&r.id).copied().unwrap_or(0));
    pool.first().map(|r| r.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reviewers(n: i64) -> Vec<Reviewer> {
        (1..=n).map(|id| Reviewer { id, affiliations: BTreeSet::new() }).collect()
    }
    fn bids(n: i64) -> Vec<BidToReview> {
        (1..=n).map(|id| BidToReview { id, org_uscc: format!("ORG{id}"), declined: BTreeSet::new() }).collect()
    }
    fn loads(p: &Panels) -> BTreeMap<i64, usize> {
        let mut m = BTreeMap::new();
        for v in p.values() {
            for r in v {
                *m.entry(*r).or_insert(0) += 1;
            }
        }
        m
    }

    #[test]
    fn same_seed_same_panels_other_seed_other_panels() {
        let (b, r) = (bids(20), reviewers(12));
        let a = draw(&b, &r, 5, 42).unwrap();
        assert_eq!(a, draw(&b, &r, 5, 42).unwrap());
        assert_ne!(a, draw(&b, &r, 5, 43).unwrap());
        assert!(a.values().all(|p| p.len() == 5 && p.iter().collect::<BTreeSet<_>>().len() == 5));
    }

    #[test]
    fn loads_are_balanced() {
        for seed in 0..20 {
            let p = draw(&bids(23), &reviewers(11), 5, seed).unwrap();
            let l = loads(&p);
            let (min, max) = (l.values().min().unwrap(), l.values().max().unwrap());
            assert!(max - min <= 1, "seed {seed}: {l:?}");
        }
    }

    #[test]
    fn conflicts_are_never_drawn() {
        let mut r = reviewers(8);
        r[0].affiliations.insert("ORG1".into());
        r[1].affiliations.insert("ORG1".into());
        r[2].affiliations.insert("ORG2".into());
        let mut b = bids(10);
        b[3].declined.insert(4);
        for seed in 0..30 {
            let p = draw(&b, &r, 5, seed).unwrap();
            assert!(!p[&1].contains(&1) && !p[&1].contains(&2));
            assert!(!p[&2].contains(&3));
            assert!(!p[&4].contains(&4));
        }
    }

    #[test]
    fn too_few_reviewers_is_an_error() {
        let mut r = reviewers(5);
        r[0].affiliations.insert("ORG2".into());
        assert_eq!(draw(&bids(3), &r, 5, 1), Err(DrawError::NotEnoughReviewers { bid_id: 2, available: 4, needed: 5 }));
        assert!(draw(&bids(3), &reviewers(4), 5, 1).is_err());
    }

    #[test]
    fn replacements_are_reproducible_and_eligible() {
        let b = bids(1).remove(0);
        let mut r = reviewers(9);
        r[8].affiliations.insert("ORG1".into());
        let panel = vec![1, 2, 3, 4, 5];
        let load: BTreeMap<i64, usize> = BTreeMap::new();
        let x = replacement(&b, &panel, &r, &load, 7, 1).unwrap();
        assert_eq!(Some(x), replacement(&b, &panel, &r, &load, 7, 1));
        assert!([6, 7, 8].contains(&x), "not on the panel, not in conflict");
        assert_eq!(replacement(&b, &[1, 2, 3, 4, 5, 6, 7, 8], &r, &load, 7, 2), None);
    }
}

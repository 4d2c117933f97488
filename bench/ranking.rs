//! Ranking and allocation in memory: n bids × 5 reviews over 50 pools, final scores (trimmed
//! mean) then the allocation. Measures the domain code the ranking endpoint will run; the
//! database read is measured with the endpoint.

use gongyi::domain::allocation::{allocate, Candidate};
use gongyi::domain::scoring::final_score;
use rand::{Rng, SeedableRng};
use rust_decimal::Decimal;
use std::time::Instant;

fn main() {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    for n in [1_000usize, 10_000, 100_000] {
        let totals: Vec<[Decimal; 5]> =
            (0..n).map(|_| std::array::from_fn(|_| Decimal::new(rng.gen_range(4000..10_000), 2))).collect();
        let pools: Vec<(i64, i64)> = (0..50).map(|p| (p, 5_000_000 * 100)).collect();
        let started = Instant::now();
        let candidates: Vec<Candidate> = totals
            .iter()
            .enumerate()
            .map(|(i, t)| Candidate {
                bid_id: i as i64,
                pool_id: (i % 50) as i64,
                category: None,
                score: final_score(t),
                first_criterion: t[0],
                submitted_seq: i as i64,
                approved_fen: Some(100_000 * 100),
                staff_override: None,
            })
            .collect();
        let result = allocate(candidates, &pools, Decimal::from(60), &[]);
        let took = started.elapsed();
        let funded: usize = result.iter().map(|p| p.rows.iter().filter(|r| r.outcome.recommended()).count()).sum();
        println!("{n:>7} bids × 5 reviews, 50 pools: {:>8.2} ms ({funded} recommended)", took.as_secs_f64() * 1000.0);
    }
}

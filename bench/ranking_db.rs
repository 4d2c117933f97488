//! The ranking as the endpoint computes it, through SQLite (or DATABASE_URL's PostgreSQL): n eligible bids × 5 submitted
//! reviews (5 criteria each) over 50 pools (the district's own, its 12 towns and 37 made-up towns).
//! `BIDS=10000 [ROUNDS=3] cargo bench --bench ranking_db`. Set-up inserts rows directly (not timed).

use diesel::connection::SimpleConnection;
use gongyi::clock::ShiftedClock;
use gongyi::domain::scoring;
use gongyi::service::{calls, review, Ctx};

mod setup;
use rust_decimal::Decimal;
use serde_json::json;
use std::sync::Arc;
use std::time::Instant;

fn main() {
    let n: usize = std::env::var("BIDS").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let dir = tempfile::tempdir().unwrap();
    let mut config = gongyi::config::Config::from_env();
    // DATABASE_URL=postgres://… (an empty database) runs it on PostgreSQL.
    config.database_url =
        std::env::var("DATABASE_URL").unwrap_or_else(|_| format!("sqlite://{}", dir.path().join("rank.db").display()));
    config.data_dir = dir.path().to_path_buf();
    config.audit_key = Some("bench".into());
    config.training = false;
    config.now = None;
    let clock = Arc::new(ShiftedClock::starting_at("2026-01-15T10:00:00+08:00".parse().unwrap()));
    let p = gongyi::app::prepare(config, Some(clock.clone())).unwrap();
    let st = p.state;
    let mut c = st.pool.get().unwrap();
    let staff = setup::staff(&mut c, &st);
    let staff_id = staff.actor_id().unwrap();
    // The district has 12 towns; 37 made-up ones make the 50 pools the benchmark asks for.
    let mut extra = String::from("BEGIN;");
    for t in 0..37 {
        extra.push_str(&format!("INSERT INTO regions (code, name, level, parent_code) VALUES ('340207{:03}000', '基准镇{t}', 'town', '340207000000');", 500 + t));
    }
    extra.push_str("COMMIT;");
    c.batch_execute(&extra).unwrap();
    let towns: Vec<String> =
        gongyi::db::regions::all(&mut c).unwrap().into_iter().filter(|r| r.level == "town").map(|r| r.code).collect();
    // Each pool draws on its region's yearly fund (DESIGN-programme §1): one per region, enough for it.
    for (region, amount) in
        std::iter::once(("340207000000", "100000000.00")).chain(towns.iter().map(|t| (t.as_str(), "10000000.00")))
    {
        let f: gongyi::service::funds::YearlyFundInput =
            serde_json::from_value(json!({"year": 2026, "region_code": region, "amount": amount})).unwrap();
        gongyi::service::funds::create(&mut c, &staff, &f).unwrap();
    }
    let mut pools = vec![json!({"level": "district", "region_code": "340207000000", "budget": "100000000.00"})];
    for t in &towns {
        pools.push(json!({"level": "town", "region_code": t, "budget": "10000000.00"}));
    }
    let input: calls::CallInput = serde_json::from_value(json!({
        "year": 2026, "title": "排名基准", "opens_at": "2026-02-01T00:00:00+08:00", "closes_at": "2026-03-01T00:00:00+08:00",
        "project_start": "2026-04-01", "project_end": "2026-12-31", "min_grant": "20000.00", "max_grant": "200000.00",
        "pools": pools
    }))
    .unwrap();
    let call = calls::create(&mut c, &staff, &input).unwrap();
    calls::publish(&mut c, &staff, &st.doc_settings(), call.id).unwrap();
    let pool_ids: Vec<i64> = call.pools.iter().map(|p| p.id).collect();
    let rubric: Vec<scoring::Criterion> = gongyi::db::calls::criteria_of(&mut c, call.id)
        .unwrap()
        .into_iter()
        .map(|k| scoring::Criterion { key: k.key, weight: k.weight as u32, max_score: Decimal::new(k.max_score, 2) })
        .collect();
    // Bulk set-up in one transaction with plain SQL.
    let started = Instant::now();
    let mut sql = String::from("BEGIN;");
    sql.push_str("INSERT INTO organisations (id, uscc, name, org_type, registered_on, region_code, contact_name, contact_phone, email, status, created_at) VALUES (1, 'X', '基准组织', 'social_service', '2020-01-01', '340207001001', 'c', '13800138000', 'o@example.cn', 'verified', '2026-01-01 00:00:00');");
    for r in 0..20 {
        sql.push_str(&format!("INSERT INTO users (id, login, password_hash, display_name, role, active, created_at) VALUES ({}, 'rev{r}', 'x', 'r', 'reviewer', TRUE, '2026-01-01 00:00:00');", 1000 + r));
    }
    sql.push_str(&format!("INSERT INTO reviewer_draws (id, call_id, seed, reviewers_per_bid, due_on, active, created_by, created_at) VALUES (1, {}, '1', 5, '2026-03-20', TRUE, {}, '2026-03-02 00:00:00');", call.id, staff_id));
    sql.push_str("COMMIT;");
    c.batch_execute(&sql).unwrap();
    let mut sql = String::new();
    let mut asg = 0i64;
    for b in 0..n {
        let bid = b as i64 + 1;
        sql.push_str(&format!(
            "INSERT INTO bids (id, call_id, pool_id, organisation_id, title, summary, beneficiary_kind, beneficiary_count, requested, matching, status, seq, reference, approved, created_by, created_at, updated_at) VALUES ({bid}, {}, {}, 1, '项目{b}', '', '', 0, 10000000, 0, 'eligible', {bid}, 'JJ-2026-{bid:06}', 9000000, {}, '2026-02-10 00:00:00', '2026-02-10 00:00:00');",
            call.id, pool_ids[b % pool_ids.len()], staff_id
        ));
        for k in 0..5 {
            asg += 1;
            // Scores as a reviewer's submission leaves them: per criterion, and the total.
            let scores: Vec<i64> =
                (0..rubric.len()).map(|ci| 5000 + ((b * 7 + k * 13 + ci * 3) % 50) as i64 * 100).collect();
            let total =
                scoring::reviewer_total(&rubric, &scores.iter().map(|s| Decimal::new(*s, 2)).collect::<Vec<_>>());
            sql.push_str(&format!("INSERT INTO assignments (id, draw_id, call_id, bid_id, reviewer_id, status, replacement_no, comment, created_at, total, first_score) VALUES ({asg}, 1, {}, {bid}, {}, 'submitted', 0, '', '2026-03-02 00:00:00', '{total}', {});", call.id, 1000 + (b * 5 + k) % 20, scores[0]));
            for (c, score) in rubric.iter().zip(&scores) {
                sql.push_str(&format!("INSERT INTO review_scores (assignment_id, criterion, score, comment) VALUES ({asg}, '{}', {score}, '');", c.key));
            }
        }
        if b % 1000 == 999 {
            c.batch_execute(&format!("BEGIN;{sql}COMMIT;")).unwrap();
            sql.clear();
        }
    }
    c.batch_execute(&format!("BEGIN;{sql}UPDATE calls SET status = 'review' WHERE id = {};COMMIT;", call.id)).unwrap();
    println!("set-up: {n} bids, {} reviews, {} scores in {:.1} s", n * 5, n * 25, started.elapsed().as_secs_f64());
    clock.set("2026-03-10T09:00:00+08:00".parse().unwrap());
    let ctx = Ctx { now: gongyi::clock::Clock::now(&*clock), ..staff };
    // ROUNDS=20 keeps it ranking long enough to profile (`perf record -D` past the set-up).
    let rounds: usize = std::env::var("ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(3);
    for round in 0..rounds {
        let started = Instant::now();
        let r = review::ranking(&mut c, &ctx, call.id).unwrap();
        let ranked = started.elapsed();
        let body = serde_json::to_vec(&r).unwrap();
        let rows: usize = r.pools.iter().map(|p| p.rows.len()).sum();
        println!(
            "ranking round {round}: {rows} rows over {} pools in {:.0} ms, + JSON {:.0} ms ({:.1} MB)",
            r.pools.len(),
            ranked.as_secs_f64() * 1000.0,
            (started.elapsed() - ranked).as_secs_f64() * 1000.0,
            body.len() as f64 / 1e6
        );
    }
}

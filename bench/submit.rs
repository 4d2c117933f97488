//! Durable bid submission: complete bids (10 budget lines, a milestone) drafted and submitted
//! over HTTP by N concurrent clients, beside the raw rate of inserting the same rows in one
//! transaction each with the same durability settings (SQLite: WAL, synchronous=FULL;
//! PostgreSQL: the server's own, fsync and synchronous_commit on by default).
//!
//! `cargo bench --bench submit` (env: BIDS=4000, CLIENTS=32; DATABASE_URL=postgres://… names an
//! empty PostgreSQL database to run it there). Loopback only, bounded by BIDS.

use gongyi::clock::ShiftedClock;
use gongyi::db::{self, bids::BidContent, bids::NewLine, bids::NewMilestone};
use gongyi::service::calls;

mod setup;
use diesel::connection::{AnsiTransactionManager, TransactionManager};
use serde_json::json;
use std::sync::Arc;
use std::time::Instant;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn bid_body(pool: i64) -> serde_json::Value {
    let mut lines = vec![json!({"category": "personnel", "item": "社工补贴", "amount": "25000.00"})];
    for i in 0..9 {
        lines.push(json!({"category": "activity", "item": format!("活动{i}"), "amount": "8333.33"}));
    }
    // 25000 + 9 × 8333.33 = 99999.97
    json!({
        "pool_id": pool, "title": "社区居家养老服务项目", "summary": "为高龄独居老人提供探访与助餐服务。",
        "service_region_code": "340207001001", "beneficiaries": {"kind": "老人", "count": 100},
        "start_date": "2026-04-01", "end_date": "2026-12-31", "requested_amount": "99999.97",
        "budget_lines": lines, "milestones": [{"title": "中期", "due_date": "2026-08-01"}]
    })
}

fn main() {
    let total = env("BIDS", 4000);
    let clients = env("CLIENTS", 32);
    let per_org = 20usize;
    let orgs = total.div_ceil(per_org);
    let dir = tempfile::tempdir().unwrap();
    let mut config = gongyi::config::Config::from_env();
    config.database_url =
        std::env::var("DATABASE_URL").unwrap_or_else(|_| format!("sqlite://{}", dir.path().join("bench.db").display()));
    config.data_dir = dir.path().to_path_buf();
    config.audit_key = Some("bench".into());
    config.training = false;
    config.now = None;
    config.smtp_url = None;
    let clock = Arc::new(ShiftedClock::starting_at("2026-02-10T09:00:00+08:00".parse().unwrap()));
    let prepared = gongyi::app::prepare(config, Some(clock)).unwrap();
    let state = prepared.state.clone();
    let mut conn = state.pool.get().unwrap();
    // Set-up (not timed): staff, a call open now, verified organisations.
    let staff = setup::staff(&mut conn, &state);
    // A pool draws on its region's yearly fund (DESIGN-programme §1).
    let fund: gongyi::service::funds::YearlyFundInput =
        serde_json::from_value(json!({"year": 2026, "region_code": "340207000000", "amount": "100000000.00"})).unwrap();
    gongyi::service::funds::create(&mut conn, &staff, &fund).unwrap();
    let mut body: calls::CallInput = serde_json::from_value(json!({
        "year": 2026, "title": "基准测试招标", "opens_at": "2026-02-01T00:00:00+08:00", "closes_at": "2026-03-01T00:00:00+08:00",
        "project_start": "2026-04-01", "project_end": "2026-12-31", "min_grant": "20000.00", "max_grant": "200000.00",
        "max_bids_per_org": 20,
        "pools": [{"level": "district", "region_code": "340207000000", "budget": "100000000.00"}]
    }))
    .unwrap();
    body.budget_caps.personnel_pct = Some(30);
    let call = calls::create(&mut conn, &staff, &body).unwrap();
    calls::publish(&mut conn, &staff, &state.doc_settings(), call.id).unwrap();
    let pool = call.pools[0].id;
    setup::organisations(&mut conn, &state, &staff, orgs);
    drop(conn);

    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let http = rt.block_on(async {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let running = gongyi::app::start(prepared, listener).unwrap();
        let base = format!("http://127.0.0.1:{}", running.port);
        tokio::spawn(running.server);
        // Sessions first (argon2 is not what this measures).
        let mut sessions = Vec::new();
        for i in 0..orgs {
            let c = reqwest::Client::builder().cookie_store(true).build().unwrap();
            let r = c
                .post(format!("{base}/api/v1/session"))
                .json(&json!({"login": format!("org{i}"), "password": "bench-password"}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            sessions.push(c);
        }
        let sessions = Arc::new(sessions);
        // Phase 1: every client drafts its bids (10 budget lines each).
        let run = |submit: bool, drafts: Arc<Vec<Vec<i64>>>| {
            let sessions = sessions.clone();
            let base = base.clone();
            async move {
                let started = Instant::now();
                let mut tasks = Vec::new();
                for k in 0..clients {
                    let sessions = sessions.clone();
                    let base = base.clone();
                    let drafts = drafts.clone();
                    tasks.push(tokio::spawn(async move {
                        let mut out = Vec::new();
                        // Client k serves organisations k, k + clients, …
                        for o in (k..sessions.len()).step_by(clients) {
                            let c = &sessions[o];
                            if submit {
                                for id in &drafts[o] {
                                    let r = c.post(format!("{base}/api/v1/bids/{id}/submit")).send().await.unwrap();
                                    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
                                    out.push((o, *id));
                                }
                            } else {
                                let n = per_org.min(total - o * per_org);
                                for _ in 0..n {
                                    let r = c
                                        .post(format!("{base}/api/v1/calls/{}/bids", call.id))
                                        .json(&bid_body(pool))
                                        .send()
                                        .await
                                        .unwrap();
                                    assert_eq!(r.status(), 201);
                                    out.push((o, r.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap()));
                                }
                            }
                        }
                        out
                    }));
                }
                let mut by_org: Vec<Vec<i64>> = vec![Vec::new(); sessions.len()];
                for t in tasks {
                    for (o, id) in t.await.unwrap() {
                        by_org[o].push(id);
                    }
                }
                (by_org, started.elapsed())
            }
        };
        let (drafts, draft_time) = run(false, Arc::new(Vec::new())).await;
        let n: usize = drafts.iter().map(Vec::len).sum();
        println!(
            "HTTP: {n} drafts with 10 budget lines by {clients} clients in {:.2} s = {:.0} drafts/s",
            draft_time.as_secs_f64(),
            n as f64 / draft_time.as_secs_f64()
        );
        let (_, submit_time) = run(true, Arc::new(drafts)).await;
        (n, draft_time, submit_time)
    });
    let (n, draft_time, submit_time) = http;
    let took = draft_time + submit_time;
    let mut conn = state.pool.get().unwrap();
    let refs = db::bids::status_counts(&mut conn, call.id, None).unwrap();
    let http_rate = n as f64 / took.as_secs_f64();
    let submit_rate = n as f64 / submit_time.as_secs_f64();
    println!(
        "HTTP: {n} submissions of those drafts in {:.2} s = {submit_rate:.0} submissions/s",
        submit_time.as_secs_f64()
    );
    println!("HTTP: draft + submit together = {http_rate:.0} complete bids/s");
    println!("      statuses after: {refs:?}");

    // Raw: the same rows from the same number of threads, without HTTP or checks.
    let org_id = db::organisations::list(
        &mut conn,
        &db::organisations::OrgFilter { status: None, region_prefix: None, after_id: 0, limit: 1 },
    )
    .unwrap()[0]
        .id;
    drop(conn);
    let per_thread = total / clients;
    let db_url = db::DbUrl::parse(&state.config.database_url).unwrap();
    // Raw, as any program would write them: each bid its own transaction (one fsync each) on its
    // thread's connection. On SQLite, BEGIN IMMEDIATE with a mutex handing the lock over, since
    // SQLite's busy handler would otherwise sleep in steps of up to 100 ms and make the baseline
    // look worse than it is; on PostgreSQL plain BEGIN … COMMIT, the threads writing side by side.
    let handover = std::sync::Mutex::new(());
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..clients {
            let (db_url, handover) = (&db_url, &handover);
            s.spawn(move || {
                let mut c = db::connect(db_url).unwrap();
                for _ in 0..per_thread {
                    match &mut c {
                        db::DbConn::Sqlite(_) => {
                            let _turn = handover.lock().unwrap();
                            let db::DbConn::Sqlite(sc) = &mut c else { unreachable!() };
                            AnsiTransactionManager::begin_transaction_sql(sc, "BEGIN IMMEDIATE").unwrap();
                            raw_bid(&mut c, call.id, org_id, pool).unwrap();
                            let db::DbConn::Sqlite(sc) = &mut c else { unreachable!() };
                            AnsiTransactionManager::commit_transaction(sc).unwrap();
                        }
                        db::DbConn::Pg(_) => {
                            use diesel::Connection;
                            c.transaction(|c| raw_bid(c, call.id, org_id, pool)).unwrap();
                        }
                    }
                }
            });
        }
    });
    let raw = rate(per_thread * clients, started.elapsed());
    // The same rows through `db::write_tx`, which groups concurrent transactions into one commit
    // exactly as the server does.
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..clients {
            let pool_conn = state.pool.clone();
            s.spawn(move || {
                let mut c = pool_conn.get().unwrap();
                for _ in 0..per_thread {
                    db::write_tx(&mut c, |c| Ok(raw_bid(c, call.id, org_id, pool)?)).unwrap();
                }
            });
        }
    });
    let grouped = rate(per_thread * clients, started.elapsed());
    println!(
        "raw:  {} bids (same rows, {clients} threads), one transaction and fsync each: {raw:.0} bids/s",
        per_thread * clients
    );
    println!("raw:  the same through db::write_tx (grouped commits, as the server writes): {grouped:.0} bids/s");
    println!(
        "ratio submissions / raw = {:.2} (/ grouped raw = {:.2}); complete bids / raw = {:.2}",
        submit_rate / raw,
        submit_rate / grouped,
        http_rate / raw
    );
}

fn rate(n: usize, took: std::time::Duration) -> f64 {
    n as f64 / took.as_secs_f64()
}

/// The rows of one complete bid (10 budget lines, a milestone), written directly.
fn raw_bid(c: &mut db::DbConn, call_id: i64, org_id: i64, pool: i64) -> diesel::QueryResult<()> {
    let now = chrono::Utc::now().naive_utc();
    let content = BidContent {
        pool_id: pool,
        category: None,
        title: "社区居家养老服务项目".into(),
        summary: "为高龄独居老人提供探访与助餐服务。".into(),
        service_region_code: Some("340207001001".into()),
        beneficiary_kind: "老人".into(),
        beneficiary_count: 100,
        start_date: None,
        end_date: None,
        requested: 9_999_997,
        matching: 0,
        topic_id: None,
    };
    let id = db::bids::insert(c, call_id, org_id, &content, 1, now)?;
    let lines: Vec<NewLine> = (0..10)
        .map(|i| NewLine {
            category: "activity".into(),
            item: format!("活动{i}"),
            quantity: None,
            unit_price: None,
            amount: 833_333,
            note: String::new(),
        })
        .collect();
    let ms = vec![NewMilestone {
        title: "中期".into(),
        due_date: chrono::NaiveDate::from_ymd_opt(2026, 8, 1).unwrap(),
        deliverable: String::new(),
    }];
    db::bids::replace_lines(c, id, &lines, &ms)
}

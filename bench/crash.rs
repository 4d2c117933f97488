//! Crash durability: `gongyi serve` (the real binary, its own process) takes SUBMISSIONS complete
//! bids (10 budget lines each, drafted then submitted) from CLIENTS concurrent HTTP clients; half
//! way it is killed with SIGKILL and started again while the clients keep going. Afterwards every
//! submission that got a 2xx must be there, submitted, with its reference and lines summing to
//! the requested amount; no bid may be half-written; the call's references must run 1…n with no
//! gap; and `gongyi audit verify` (chain and replay) must pass.
//!
//! `cargo bench --bench crash` (SUBMISSIONS=10000 CLIENTS=32; BACKEND=postgres with
//! GONGYI_TEST_PG_URL pointing at a server where the user may create databases). Exits non-zero
//! when a check fails.

use gongyi::db::schema::{bids, calls};
use gongyi::db::{self, DbConn, DbUrl};
use gongyi::service::{accounts, calls as call_svc};

mod setup;
use serde_json::json;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PER_ORG: usize = 20;
const AUDIT_KEY: &str = "crash-bench-key";

fn env(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn bid_body(pool: i64, year: i32) -> serde_json::Value {
    let mut lines = vec![json!({"category": "personnel", "item": "社工补贴", "amount": "25000.00"})];
    for i in 0..9 {
        lines.push(json!({"category": "activity", "item": format!("活动{i}"), "amount": "8333.33"}));
    }
    json!({
        "pool_id": pool, "title": "社区居家养老服务项目", "summary": "为高龄独居老人提供探访与助餐服务。",
        "service_region_code": "340207001001", "beneficiaries": {"kind": "老人", "count": 100},
        "start_date": format!("{year}-02-01"), "end_date": format!("{year}-11-30"), "requested_amount": "99999.97",
        "budget_lines": lines, "milestones": [{"title": "中期", "due_date": format!("{year}-06-01")}]
    })
}

struct Server {
    env: Vec<(&'static str, String)>,
    port: u16,
    log: std::path::PathBuf,
    child: Option<Child>,
}

impl Server {
    fn start(&mut self) {
        let out = std::fs::OpenOptions::new().create(true).append(true).open(&self.log).unwrap();
        let mut c = Command::new(env!("CARGO_BIN_EXE_gongyi"));
        c.arg("serve").env("GONGYI_BIND", format!("127.0.0.1:{}", self.port)).env("GONGYI_LOG", "warn");
        for k in ["GONGYI_TRAINING", "GONGYI_NOW", "GONGYI_SMTP_URL"] {
            c.env_remove(k);
        }
        for (k, v) in &self.env {
            c.env(k, v);
        }
        self.child = Some(c.stdout(out.try_clone().unwrap()).stderr(out).spawn().unwrap());
        let started = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(60), "server did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn kill9(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn fresh_pg(admin: &str) -> String {
    use diesel::{Connection, RunQueryDsl};
    let name = format!("gongyi_crash_{}", &accounts::new_token()[..12]);
    let mut c = diesel::PgConnection::establish(admin).expect("GONGYI_TEST_PG_URL");
    diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut c).unwrap();
    let (base, _) = admin.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}

fn main() {
    let total = env("SUBMISSIONS", 10_000);
    let clients = env("CLIENTS", 32);
    let postgres = std::env::var("BACKEND").is_ok_and(|b| b == "postgres");
    let dir = tempfile::tempdir().unwrap();
    let database_url = if postgres {
        fresh_pg(&std::env::var("GONGYI_TEST_PG_URL").expect("BACKEND=postgres needs GONGYI_TEST_PG_URL"))
    } else {
        format!("sqlite://{}", dir.path().join("crash.db").display())
    };
    println!("backend: {}", if postgres { "PostgreSQL" } else { "SQLite (WAL, synchronous=FULL)" });

    // Set-up through the library (not timed): staff, a call open now, verified organisations.
    let mut config = gongyi::config::Config::from_env();
    config.database_url = database_url.clone();
    config.data_dir = dir.path().to_path_buf();
    config.audit_key = Some(AUDIT_KEY.into());
    config.training = false;
    config.now = None;
    config.smtp_url = None;
    let prepared = gongyi::app::prepare(config, None).unwrap();
    let state = prepared.state.clone();
    let mut conn = state.pool.get().unwrap();
    let staff = setup::staff(&mut conn, &state);
    let now = chrono::Utc::now();
    let year = call_svc::local_year(now) + 1;
    // A pool draws on its region's yearly fund (DESIGN-programme §1).
    let fund: gongyi::service::funds::YearlyFundInput =
        serde_json::from_value(json!({"year": year - 1, "region_code": "340207000000", "amount": "100000000.00"}))
            .unwrap();
    gongyi::service::funds::create(&mut conn, &staff, &fund).unwrap();
    let body: call_svc::CallInput = serde_json::from_value(json!({
        "year": year - 1, "title": "崩溃恢复测试招标",
        "opens_at": (now - chrono::Duration::hours(1)).to_rfc3339(), "closes_at": (now + chrono::Duration::days(30)).to_rfc3339(),
        "project_start": format!("{year}-01-01"), "project_end": format!("{year}-12-31"),
        "min_grant": "20000.00", "max_grant": "200000.00", "max_bids_per_org": PER_ORG, "budget_caps": {"personnel_pct": 30},
        "pools": [{"level": "district", "region_code": "340207000000", "budget": "100000000.00"}]
    }))
    .unwrap();
    let call = call_svc::create(&mut conn, &staff, &body).unwrap();
    call_svc::publish(&mut conn, &staff, &state.doc_settings(), call.id).unwrap();
    let pool = call.pools[0].id;
    let orgs = total.div_ceil(PER_ORG);
    setup::organisations(&mut conn, &state, &staff, orgs);
    drop(conn);
    drop(prepared);
    drop(state);

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let server = Arc::new(Mutex::new(Server {
        env: vec![
            ("GONGYI_DATABASE_URL", database_url.clone()),
            ("GONGYI_DATA_DIR", dir.path().display().to_string()),
            ("GONGYI_AUDIT_KEY", AUDIT_KEY.into()),
        ],
        port,
        log: dir.path().join("server.log"),
        child: None,
    }));
    server.lock().unwrap().start();
    let base = format!("http://127.0.0.1:{port}");

    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let acked: Arc<Mutex<Vec<(i64, String)>>> = Arc::new(Mutex::new(Vec::new()));
    let lost = Arc::new(AtomicUsize::new(0));
    let (took, kill_at) = rt.block_on(async {
        let mut sessions = Vec::new();
        for i in 0..orgs {
            let c = reqwest::Client::builder().cookie_store(true).timeout(Duration::from_secs(30)).build().unwrap();
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
        let started = Instant::now();
        let kill_at = total / 2;
        // The killer: SIGKILL once half the submissions are acknowledged, then start again.
        let killer = {
            let acked = acked.clone();
            let server = server.clone();
            tokio::spawn(async move {
                while acked.lock().unwrap().len() < kill_at {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                let s = server.clone();
                tokio::task::spawn_blocking(move || {
                    let mut s = s.lock().unwrap();
                    s.kill9();
                    s.start();
                })
                .await
                .unwrap();
            })
        };
        let mut tasks = Vec::new();
        for k in 0..clients {
            let (sessions, base, acked, lost) = (sessions.clone(), base.clone(), acked.clone(), lost.clone());
            tasks.push(tokio::spawn(async move {
                for o in (k..sessions.len()).step_by(clients) {
                    let c = &sessions[o];
                    let want = PER_ORG.min(total - o * PER_ORG);
                    let mut done = 0;
                    while done < want {
                        // Draft; a connection lost while the server is down is retried.
                        let draft = c
                            .post(format!("{base}/api/v1/calls/{}/bids", call.id))
                            .json(&bid_body(pool, year))
                            .send()
                            .await;
                        let id = match draft {
                            Ok(r) if r.status() == 201 => {
                                r.json::<serde_json::Value>().await.unwrap()["id"].as_i64().unwrap()
                            }
                            Ok(r) => panic!("draft: {} {}", r.status(), r.text().await.unwrap_or_default()),
                            Err(_) => {
                                tokio::time::sleep(Duration::from_millis(50)).await;
                                continue;
                            }
                        };
                        loop {
                            match c.post(format!("{base}/api/v1/bids/{id}/submit")).send().await {
                                Ok(r) if r.status() == 200 => {
                                    let v: serde_json::Value = r.json().await.unwrap();
                                    acked.lock().unwrap().push((id, v["reference"].as_str().unwrap().to_string()));
                                    done += 1;
                                    break;
                                }
                                // Committed before the kill, its answer lost: counted, not acknowledged.
                                Ok(r) if r.status() == 409 => {
                                    let v: serde_json::Value = r.json().await.unwrap_or_default();
                                    match v["error"]["code"].as_str() {
                                        Some("already_submitted") => {
                                            lost.fetch_add(1, Ordering::Relaxed);
                                            done += 1;
                                            break;
                                        }
                                        Some("bid_limit_reached") => return,
                                        other => panic!("submit 409 {other:?}"),
                                    }
                                }
                                Ok(r) => panic!("submit: {} {}", r.status(), r.text().await.unwrap_or_default()),
                                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                            }
                        }
                    }
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        killer.await.unwrap();
        (started.elapsed(), kill_at)
    });
    server.lock().unwrap().kill9();
    let acked = acked.lock().unwrap().clone();
    println!(
        "{} submissions acknowledged by {clients} clients in {:.1} s ({:.0}/s), SIGKILL after {kill_at}, restarted; {} committed with the answer lost",
        acked.len(),
        took.as_secs_f64(),
        acked.len() as f64 / took.as_secs_f64(),
        lost.load(Ordering::Relaxed)
    );

    // The checks, as the database's owner.
    let mut c = db::connect(&DbUrl::parse(&database_url).unwrap()).unwrap();
    let mut failures = Vec::new();
    failures.extend(check(&mut c, call.id, &acked));
    let verify = Command::new(env!("CARGO_BIN_EXE_gongyi"))
        .args(["audit", "verify"])
        .env("GONGYI_DATABASE_URL", &database_url)
        .env("GONGYI_DATA_DIR", dir.path())
        .env("GONGYI_AUDIT_KEY", AUDIT_KEY)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&verify.stdout).into_owned();
    print!("{out}");
    if !verify.status.success() {
        failures.push(format!("gongyi audit verify failed: {out}{}", String::from_utf8_lossy(&verify.stderr)));
    }
    drop(c);
    if failures.is_empty() {
        println!("crash: every acknowledged submission is present and complete; references gap-free; audit intact");
        // A passing run leaves no database behind (a failing one keeps it to be looked at).
        if postgres {
            drop_pg(&std::env::var("GONGYI_TEST_PG_URL").unwrap(), &database_url);
        }
    } else {
        for f in &failures {
            println!("FAIL: {f}");
        }
        if postgres {
            println!("the database is kept for inspection: {database_url}");
        }
        std::process::exit(1);
    }
}

fn drop_pg(admin: &str, database_url: &str) {
    use diesel::{Connection, RunQueryDsl};
    let (_, name) = database_url.rsplit_once('/').unwrap();
    let mut c = diesel::PgConnection::establish(admin).expect("GONGYI_TEST_PG_URL");
    diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut c).unwrap();
}

/// (id, status, reference, requested fen, reference number)
type BidRow = (i64, String, Option<String>, i64, Option<i64>);

fn check(c: &mut DbConn, call_id: i64, acked: &[(i64, String)]) -> Vec<String> {
    use diesel::prelude::*;
    let mut out = Vec::new();
    let rows: Vec<BidRow> = bids::table
        .filter(bids::call_id.eq(call_id))
        .select((bids::id, bids::status, bids::reference, bids::requested, bids::seq))
        .load(c)
        .unwrap();
    #[derive(QueryableByName)]
    struct Sum {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        bid_id: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        total: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let sums: Vec<(i64, Option<i64>, i64)> = diesel::sql_query(format!(
        "SELECT bid_id, CAST(SUM(amount) AS BIGINT) AS total, CAST(COUNT(*) AS BIGINT) AS n FROM budget_lines \
         WHERE bid_id IN (SELECT id FROM bids WHERE call_id = {call_id}) GROUP BY bid_id"
    ))
    .load::<Sum>(c)
    .unwrap()
    .into_iter()
    .map(|x| (x.bid_id, Some(x.total), x.n))
    .collect();
    let sums: std::collections::HashMap<i64, (i64, i64)> =
        sums.into_iter().map(|(id, s, n)| (id, (s.unwrap_or(0), n))).collect();
    let by_id: std::collections::HashMap<i64, &BidRow> = rows.iter().map(|r| (r.0, r)).collect();
    let half = rows.iter().filter(|r| sums.get(&r.0) != Some(&(r.3, 10))).count();
    if half > 0 {
        out.push(format!("{half} bids whose budget lines are missing or do not sum to the request"));
    }
    let mut missing = 0;
    for (id, reference) in acked {
        match by_id.get(id) {
            Some(r) if r.1 == "submitted" && r.2.as_deref() == Some(reference.as_str()) => {}
            _ => missing += 1,
        }
    }
    if missing > 0 {
        out.push(format!("{missing} acknowledged submissions missing or changed"));
    }
    let mut seqs: Vec<i64> = rows.iter().filter_map(|r| r.4).collect();
    seqs.sort_unstable();
    let next: i64 = calls::table.find(call_id).select(calls::next_seq).first(c).unwrap();
    let expected: Vec<i64> = (1..=next).collect();
    if seqs != expected {
        out.push(format!("references not gap-free: {} numbers, the call's counter at {next}", seqs.len()));
    }
    println!(
        "database: {} bids ({} submitted, {} drafts), references 1…{next}, {half} half-written",
        rows.len(),
        rows.iter().filter(|r| r.1 == "submitted").count(),
        rows.iter().filter(|r| r.1 == "draft").count()
    );
    out
}

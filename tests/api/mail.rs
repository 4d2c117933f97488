//! Mail through a real SMTP server; retries with backoff; dead mail visible to admins; files
//! when no SMTP server is configured.

use crate::flow::{bid_body, call_body};
use crate::helpers::*;
use crate::process::{free_port, run, Served};
use crate::smtp::Sink;
use serde_json::json;

async fn registration_mails_arrive_in_chinese(app: TestApp) {
    let (sink, port, _h) = Sink::start(0).await;
    let app = spawn_with(app.backend, |c| c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"))).await;
    let id = app.register_org("mailorg", "52340207MJ0006001", "340207101001").await;
    eventually("registration mail", || async { !sink.parsed().is_empty() }).await;
    let (to, subject, body) = sink.parsed().remove(0);
    assert!(to.contains("mailorg@example.cn"), "{to}");
    assert_eq!(subject, "社会组织注册申请已收到");
    assert!(body.contains("民政部门"));
    assert!(!body.contains("鸠江区mailorg"), "no user text to an unconfirmed address");
    let staff = app.as_role("staff1", "staff").await;
    staff.post(&format!("/api/v1/organisations/{id}/reject"), json!({"reason": "请补充章程"})).await;
    eventually("rejection mail", || async { sink.parsed().len() == 2 }).await;
    let (_, subject, body) = sink.parsed().remove(1);
    assert_eq!(subject, "社会组织注册未通过审核");
    assert!(body.contains("请补充章程"));
    // The worker records `sent` just after the server accepted the message: wait for it too.
    eventually("both recorded as sent", || async { app.count("outbox WHERE status = 'sent'").await == 2 }).await;
}

async fn failed_mail_retries_then_dies_then_is_retried(app: TestApp) {
    // Reserve a port, then close it: the "SMTP server" is down.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let app = spawn_with(app.backend, |c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        c.mail_max_attempts = 2;
    })
    .await;
    app.register_org("downorg", "52340207MJ0006002", "340207101001").await;
    eventually("first failure recorded", || async { app.count("outbox WHERE attempts >= 1").await == 1 }).await;
    assert_eq!(app.count("outbox WHERE status = 'pending'").await, 1, "a failure is retried, not dropped");
    // The backoff delay must pass (1 s in tests) before the second and last attempt.
    eventually("marked dead", || async { app.count("outbox WHERE status = 'dead'").await == 1 }).await;
    let admin = app.as_role("root", "admin").await;
    let list = admin.get("/api/v1/outbox?status=dead").await;
    let dead = &list.json.as_array().unwrap()[0];
    assert_eq!(dead["attempts"], 2);
    assert!(dead["last_error"].as_str().is_some());
    assert_eq!(app.login("downorg").await.get("/api/v1/outbox").await.status, 403);
    // The relay comes back; the admin puts the mail back in the queue; it arrives once.
    let (sink, _, _h) = Sink::start(port).await;
    let id = dead["id"].as_i64().unwrap();
    assert_eq!(admin.post(&format!("/api/v1/outbox/{id}/retry"), json!({})).await.status, 204);
    assert_eq!(admin.post(&format!("/api/v1/outbox/{id}/retry"), json!({})).await.status, 404, "only dead mail");
    eventually("delivered after retry", || async { sink.parsed().len() == 1 }).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(sink.parsed().len(), 1, "exactly once");
}

async fn without_smtp_mail_goes_to_eml_files(app: TestApp) {
    app.register_org("fileorg", "52340207MJ0006003", "340207101001").await;
    let dir = app.config.data_dir.join("outbox");
    eventually(".eml written", || {
        let dir = dir.clone();
        async move { std::fs::read_dir(&dir).map(|d| d.count() == 1).unwrap_or(false) }
    })
    .await;
    let file = std::fs::read_dir(&dir).unwrap().next().unwrap().unwrap().path();
    let raw = std::fs::read(file).unwrap();
    let m = mailparse::parse_mail(&raw).unwrap();
    let subject = m.headers.iter().find(|h| h.get_key() == "Subject").unwrap().get_value();
    assert_eq!(subject, "社会组织注册申请已收到");
}

async fn http_post(c: &reqwest::Client, url: String, body: serde_json::Value) -> serde_json::Value {
    let r = c.post(&url).json(&body).send().await.unwrap();
    let status = r.status();
    let text = r.text().await.unwrap();
    assert!(status.is_success(), "{url}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(serde_json::Value::Null)
}

/// The SMTP relay is down while events happen, and the server is killed (SIGKILL) and started
/// again; when the relay comes back every queued mail arrives exactly once — except the receipt
/// for a bid withdrawn meanwhile, which the worker re-checks and cancels.
async fn mail_survives_an_outage_and_a_restart(app: TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let db = match app.backend {
        Backend::Sqlite => format!("sqlite://{}", dir.path().join("g.db").display()),
        Backend::Postgres => fresh_pg_database(),
    };
    let smtp_port = free_port();
    let env = vec![
        ("GONGYI_DATABASE_URL", db),
        ("GONGYI_DATA_DIR", dir.path().display().to_string()),
        ("GONGYI_AUDIT_KEY", "outage-test-key".to_string()),
        ("GONGYI_SMTP_URL", format!("smtp://127.0.0.1:{smtp_port}")),
        ("GONGYI_MAIL_RETRY_SECS", "1".into()),
        ("GONGYI_MAIL_MAX_ATTEMPTS", "30".into()),
        // A server killed mid-send leaves its lease behind; short here so the test need not wait
        // the default five minutes for another worker to retake those mails.
        ("GONGYI_MAIL_LEASE_SECS", "3".into()),
        ("GONGYI_TRAINING", "1".into()),
        ("GONGYI_NOW", "2026-02-10T09:00:00+08:00".into()),
    ];
    run(&env, &["user", "add", "--login", "staff1", "--password", PASSWORD, "--role", "staff"]);
    let log = dir.path().join("server.log");
    let mut server = Served::start(&env, &log).await;
    let url = |s: &Served, p: &str| format!("{}{p}", s.base);
    let staff = reqwest::Client::builder().cookie_store(true).build().unwrap();
    http_post(&staff, url(&server, "/api/v1/session"), json!({"login": "staff1", "password": PASSWORD})).await;
    let anon = reqwest::Client::new();
    let org = http_post(
        &anon,
        url(&server, "/api/v1/organisations"),
        org_body("outorg", "52340207MJ0006101", "340207101001"),
    )
    .await;
    http_post(&staff, url(&server, &format!("/api/v1/organisations/{}/verify", org["id"])), json!({})).await;
    for (region, amount) in
        [("340207000000", "1000000.00"), (crate::flow::SHENXIANG, "200000.00"), (crate::flow::ERBA, "250000.00")]
    {
        http_post(
            &staff,
            url(&server, "/api/v1/funds"),
            json!({"year": 2026, "region_code": region, "amount": amount}),
        )
        .await;
    }
    let call = http_post(&staff, url(&server, "/api/v1/calls"), call_body()).await;
    let call = http_post(&staff, url(&server, &format!("/api/v1/calls/{}/publish", call["id"])), json!({})).await;
    let pool = crate::flow::pool_id(&call, crate::flow::SHENXIANG);
    let o = reqwest::Client::builder().cookie_store(true).build().unwrap();
    http_post(&o, url(&server, "/api/v1/session"), json!({"login": "outorg", "password": PASSWORD})).await;
    let mut refs = Vec::new();
    let mut ids = Vec::new();
    for _ in 0..2 {
        let b = http_post(
            &o,
            url(&server, &format!("/api/v1/calls/{}/bids", call["id"])),
            bid_body(pool, "340207101001", "100000.00"),
        )
        .await;
        let r = http_post(&o, url(&server, &format!("/api/v1/bids/{}/submit", b["id"])), json!({})).await;
        refs.push(r["reference"].as_str().unwrap().to_string());
        ids.push(b["id"].as_i64().unwrap());
    }
    http_post(&o, url(&server, &format!("/api/v1/bids/{}/withdraw", ids[1])), json!({})).await;
    // Registration, verification, the tender, two receipts, one withdrawal: all queued, the relay
    // is down. Wait for the worker to have failed at least once, then pull the plug.
    for _ in 0..100 {
        if std::fs::read_to_string(&log).unwrap_or_default().contains("mail failed") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(std::fs::read_to_string(&log).unwrap().contains("mail failed"));
    server.kill9();
    let (sink, _, _h) = Sink::start(smtp_port).await;
    let server = Served::start(&env, &log).await;
    let want = [
        "社会组织注册申请已收到".to_string(),
        "社会组织注册已通过审核".to_string(),
        format!("招标公告：{}", call["title"].as_str().unwrap()),
        format!("项目申报已提交：{}", refs[0]),
        format!("项目申报已撤回：{}", refs[1]),
    ];
    // Backoff doubles from 1 s per failed attempt: a long outage on a busy machine can push the
    // next attempt half a minute out.
    for _ in 0..900 {
        if sink.parsed().len() >= want.len() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    // A moment more: a duplicate would show up now.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let mut got: Vec<String> = sink.parsed().into_iter().map(|(_, s, _)| s).collect();
    got.sort();
    let mut want = want.to_vec();
    want.sort();
    assert_eq!(got, want, "each mail exactly once; no receipt for the withdrawn bid");
    drop(server);
    let db = env[0].1.clone();
    let counts = tokio::task::spawn_blocking(move || {
        (
            count_in(
                &db,
                "outbox WHERE status = 'cancelled' AND kind = 'bid_received' AND last_error = '该申报已撤回'",
            ),
            count_in(&db, "outbox WHERE status = 'sent'"),
            count_in(&db, "outbox"),
        )
    })
    .await
    .unwrap();
    assert_eq!(counts, (1, 5, 6), "the receipt is recorded as cancelled, with its reason; the rest sent");
}

crate::on_both!(
    mail_survives_an_outage_and_a_restart,
    registration_mails_arrive_in_chinese,
    failed_mail_retries_then_dies_then_is_retried,
    without_smtp_mail_goes_to_eml_files,
);

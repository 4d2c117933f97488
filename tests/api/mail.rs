//! Mail through a real SMTP server; retries with backoff; dead mail visible to admins; files
//! when no SMTP server is configured.

use crate::helpers::*;
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

crate::on_both!(
    registration_mails_arrive_in_chinese,
    failed_mail_retries_then_dies_then_is_retried,
    without_smtp_mail_goes_to_eml_files,
);

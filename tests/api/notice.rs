//! Deciding, the 公示 notice, objections and finalisation.

use crate::helpers::*;
use crate::review::{score_all, setup, Setup};
use serde_json::json;

async fn decided(app: &TestApp) -> (Setup, i64) {
    let s = setup(app).await;
    let r = s.staff.post(&format!("/api/v1/calls/{}/assignments", s.call.id), json!({"reviewers_per_bid": 3})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let (b1, b2, b3) = (s.bids[0], s.bids[1], s.bids[2]);
    score_all(&s, move |bid| {
        if bid == b1 {
            "80"
        } else if bid == b2 {
            "70"
        } else if bid == b3 {
            "90"
        } else {
            "0"
        }
    })
    .await;
    let r = s.staff.post(&format!("/api/v1/calls/{}/decide", s.call.id), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!((r.json["funded"].as_i64(), r.json["not_funded"].as_i64()), (Some(3), Some(0)));
    (s, r.json["notice_id"].as_i64().unwrap())
}

fn pdftotext(bytes: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().ok()?;
    let p = dir.path().join("n.pdf");
    std::fs::write(&p, bytes).ok()?;
    let out = std::process::Command::new("pdftotext").arg("-layout").arg(&p).arg("-").output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

async fn reserved(app: &TestApp, pool: i64) -> i64 {
    use diesel::prelude::*;
    use gongyi::db::schema::pools::dsl::*;
    app.state.clone().db(move |c| Ok(pools.find(pool).select(reserved).first::<i64>(c)?)).await.unwrap()
}

async fn decide_publish_object_finalize(app: TestApp) {
    let (s, notice) = decided(&app).await;
    assert_eq!(reserved(&app, s.call.shenxiang).await, 180_000_00);
    assert_eq!(reserved(&app, s.call.district).await, 90_000_00);
    let r = s.staff.post(&format!("/api/v1/calls/{}/decide", s.call.id), json!({})).await;
    assert_eq!(r.status, 409, "decided once");
    let call = app.client().get(&format!("/api/v1/calls/{}", s.call.id)).await;
    assert_eq!((call.json["status"].as_str(), call.json["notice_id"].as_i64()), (Some("notice"), Some(notice)));
    // The public notice: seven working days from Tuesday 3 March 2026 → Wednesday 11 March.
    let n = app.client().get(&format!("/api/v1/notices/{notice}")).await;
    assert_eq!(n.status, 200, "{}", n.text);
    assert_eq!(
        (n.json["starts_on"].as_str(), n.json["ends_on"].as_str(), n.json["open"].as_bool()),
        (Some("2026-03-03"), Some("2026-03-11"), Some(true))
    );
    let rows = n.json["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().any(|r| r["score"] == "90.00"
        && r["proposed_amount"] == "90000.00"
        && r["organisation"] == "鸠江区orgb社会工作服务中心"));
    assert_eq!(n.json["total_proposed"], "270000.00");
    assert!(!n.text.contains("13800138000"), "no contacts on the public notice");
    // The formal PDF: stored at publication, served from those bytes, verifiable by its hash.
    let pdf = app.client().http.get(format!("{}/api/v1/notices/{notice}/pdf", app.base)).send().await.unwrap();
    assert_eq!(pdf.status(), 200);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let bytes = pdf.bytes().await.unwrap().to_vec();
    assert!(bytes.starts_with(b"%PDF-"));
    use sha2::Digest;
    let hash = hex::encode(sha2::Sha256::digest(&bytes));
    let again = app
        .client()
        .http
        .get(format!("{}/api/v1/notices/{notice}/pdf", app.base))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(hex::encode(sha2::Sha256::digest(&again)), hash, "never re-rendered per request");
    let v = app.client().get(&format!("/api/v1/documents/verify?sha256={hash}")).await;
    assert_eq!(
        (v.status, v.json["kind"].as_str(), v.json["current"].as_bool()),
        (200, Some("notice"), Some(true)),
        "{}",
        v.text
    );
    let mut forged = bytes.clone();
    let last = forged.len() - 10;
    forged[last] ^= 1;
    let forged_hash = hex::encode(sha2::Sha256::digest(&forged));
    assert_eq!(app.client().get(&format!("/api/v1/documents/verify?sha256={forged_hash}")).await.status, 404);
    assert_eq!(app.client().get("/api/v1/documents/verify?sha256=xyz").await.status, 422);
    if let Some(text) = pdftotext(&bytes) {
        let flat: String = text.chars().filter(|c| !c.is_whitespace()).collect();
        for want in [
            "评审结果公示",
            "270,000.00",
            "180,000.00",
            "合计",
            "小计",
            "90.00",
            "第1页共1页",
            "鸠江区民政局",
            "2026-03-11",
        ] {
            assert!(flat.contains(want), "{want} missing from the PDF:\n{text}");
        }
    } else {
        assert!(std::env::var("CI").is_err(), "CI installs pdftotext");
    }
    // Objections: checked, rate-limited, answered.
    let anon = app.client();
    let path = format!("/api/v1/notices/{notice}/objections");
    let bad = anon.post(&path, json!({"name": "", "contact": "nope", "bid_id": 999999, "text": ""})).await;
    assert_eq!(bad.status, 422);
    let got = crate::flow::codes(&bad);
    for want in ["required", "invalid_contact", "bid_not_on_notice"] {
        assert!(got.contains(&want.to_string()), "{want} missing from {got:?}");
    }
    let mut ids = Vec::new();
    for i in 0..5 {
        let r = anon.post(&path, json!({"name": "群众", "contact": "13900001111", "bid_id": s.bids[1], "text": format!("第{i}条：该机构同期已获其他资助")})).await;
        assert_eq!(r.status, 201, "{}", r.text);
        ids.push(r.json["id"].as_i64().unwrap());
    }
    let r = anon
        .post(&path, json!({"name": "群众", "contact": "13900001111", "bid_id": s.bids[1], "text": "再一条"}))
        .await;
    assert_eq!((r.status, r.code()), (429, "rate_limited"));
    assert_eq!(anon.get(&path).await.status, 401, "contacts are for staff");
    let list = s.staff.get(&path).await;
    assert_eq!((list.json.as_array().unwrap().len(), list.json[0]["contact"].as_str()), (5, Some("13900001111")));
    // Spam goes in bulk: all ids must be pending objections of this notice, else nothing changes.
    let dismiss = format!("/api/v1/notices/{notice}/objections/dismiss");
    let r = s.staff.post(&dismiss, json!({"ids": [ids[3], 999999], "reply": "重复提交"})).await;
    assert_eq!((r.status, r.code()), (422, "not_pending_on_notice"));
    assert_eq!(app.count("objections WHERE status = 'dismissed'").await, 0);
    let r = s.staff.post(&dismiss, json!({"ids": [ids[3], ids[4]], "reply": "重复提交"})).await;
    assert_eq!((r.status, r.json["dismissed"].as_i64()), (200, Some(2)), "{}", r.text);
    let r = s.staff.post(&dismiss, json!({"ids": [ids[3]], "reply": "再次"})).await;
    assert_eq!(r.code(), "not_pending_on_notice", "already answered");
    // Finalising waits for the period and for every answer.
    let r = s.staff.post(&format!("/api/v1/calls/{}/finalize", s.call.id), json!({})).await;
    assert_eq!((r.status, r.code()), (409, "notice_running"));
    let r = s.staff.post(&format!("/api/v1/objections/{}/answer", ids[0]), json!({"upheld": true})).await;
    assert_eq!((r.status, r.json["error"]["field"].as_str()), (422, Some("reply")));
    let r = s
        .staff
        .post(
            &format!("/api/v1/objections/{}/answer", ids[0]),
            json!({"upheld": true, "reply": "经核实属实，取消资助"}),
        )
        .await;
    assert_eq!((r.status, r.json["status"].as_str()), (200, Some("upheld")), "{}", r.text);
    assert_eq!(reserved(&app, s.call.shenxiang).await, 90_000_00, "the reservation is released");
    assert_eq!(
        s.staff
            .post(&format!("/api/v1/objections/{}/answer", ids[0]), json!({"upheld": false, "reply": "x"}))
            .await
            .status,
        409
    );
    app.clock.set("2026-03-12T09:00:00+08:00".parse().unwrap());
    app.relogin(&[&s.staff]).await;
    let r =
        anon.post(&path, json!({"name": "群众", "contact": "a@b.cn", "bid_id": s.bids[0], "text": "迟到的异议"})).await;
    assert_eq!((r.status, r.code()), (409, "notice_closed"));
    let r = s.staff.post(&format!("/api/v1/calls/{}/finalize", s.call.id), json!({})).await;
    assert_eq!((r.status, r.code()), (409, "objections_pending"));
    for id in &ids[1..3] {
        let r = s
            .staff
            .post(&format!("/api/v1/objections/{id}/answer"), json!({"upheld": false, "reply": "重复异议，不予采纳"}))
            .await;
        assert_eq!(r.status, 200);
    }
    let r = s.staff.post(&format!("/api/v1/calls/{}/finalize", s.call.id), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let projects = r.json["projects"].as_array().unwrap();
    assert_eq!((projects.len(), r.json["not_funded"].as_i64()), (2, Some(1)));
    assert_eq!(projects[0]["tranches"], json!(["45000.00", "27000.00", "18000.00"]));
    assert!(projects[0]["agreement_no"].as_str().unwrap().starts_with("JJXY-2026-"));
    assert_eq!(app.count("outbox WHERE kind = 'bid_funded'").await, 2);
    assert_eq!(app.count("outbox WHERE kind = 'bid_not_funded'").await, 1);
    assert_eq!(s.staff.post(&format!("/api/v1/calls/{}/finalize", s.call.id), json!({})).await.status, 409);
}

/// Many simultaneous decisions: exactly one wins, the pools are reserved once.
async fn concurrent_decisions(app: TestApp) {
    let s = setup(&app).await;
    s.staff.post(&format!("/api/v1/calls/{}/assignments", s.call.id), json!({"reviewers_per_bid": 3})).await;
    score_all(&s, |_| "80").await;
    let mut tasks = Vec::new();
    for _ in 0..ceiling_n(12) {
        let c = s.staff.clone();
        let path = format!("/api/v1/calls/{}/decide", s.call.id);
        tasks.push(tokio::spawn(async move { c.post(&path, json!({})).await.status }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            200 => ok += 1,
            409 => {}
            s => panic!("unexpected {s}"),
        }
    }
    assert_eq!(ok, 1);
    assert_eq!(reserved(&app, s.call.shenxiang).await, 180_000_00);
    assert_eq!(app.count("notices").await, 1);
    // Organisations and reviewers may not decide.
    assert_eq!(s.fin.post(&format!("/api/v1/calls/{}/decide", s.call.id), json!({})).await.status, 403);
}

crate::on_both!(decide_publish_object_finalize, concurrent_decisions);

//! Attacks that once worked (issue 16), each tried again on both databases: results and money
//! stay final, sealed bids stay sealed, town staff stay in their town, limits hold under races.

use crate::audit::verify_cli;
use crate::helpers::*;
use crate::projects::{finalized, milestone, ocds_errors};
use crate::review::{setup, setup_with, uniform, Setup};
use gongyi::clock::Clock;
use serde_json::{json, Value};

/// Panels of four; every bid gets three submitted reviews, the fourth reviewer of each bid only
/// accepts. Returns the fourth reviewers' (client, assignment) pairs.
async fn three_of_four_scored(s: &Setup, score_of: impl Fn(i64) -> &'static str) -> Vec<(Client, i64)> {
    let r = s.staff.post(&format!("/api/v1/calls/{}/assignments", s.call.id), json!({"reviewers_per_bid": 4})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let mut done: std::collections::HashMap<i64, usize> = Default::default();
    let mut late = Vec::new();
    for (_, c) in &s.reviewers {
        for a in c.get("/api/v1/me/assignments").await.json.as_array().unwrap() {
            let (aid, bid) = (a["id"].as_i64().unwrap(), a["bid_id"].as_i64().unwrap());
            assert_eq!(c.post(&format!("/api/v1/assignments/{aid}/accept"), json!({})).await.status, 200);
            let n = done.entry(bid).or_default();
            if *n < 3 {
                *n += 1;
                let r = c.put(&format!("/api/v1/assignments/{aid}/review"), uniform(score_of(bid), true)).await;
                assert_eq!(r.status, 200, "{}", r.text);
            } else {
                late.push((c.clone(), aid));
            }
        }
    }
    assert_eq!(late.len(), 3, "one late reviewer per bid");
    late
}

/// Panels of three, every bid scored 80, the call decided: the notice's id.
async fn decided_alike(s: &Setup) -> i64 {
    let r = s.staff.post(&format!("/api/v1/calls/{}/assignments", s.call.id), json!({"reviewers_per_bid": 3})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    crate::review::score_all(s, |_| "80").await;
    let d = s.staff.post(&format!("/api/v1/calls/{}/decide", s.call.id), json!({})).await;
    assert_eq!(d.status, 200, "{}", d.text);
    d.json["notice_id"].as_i64().unwrap()
}

fn outcomes(ranking: &Value) -> Vec<(i64, String, bool)> {
    let mut v: Vec<(i64, String, bool)> = ranking["pools"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["rows"].as_array().unwrap().clone())
        .map(|r| {
            (
                r["bid_id"].as_i64().unwrap(),
                r["score"].as_str().unwrap_or("").to_string(),
                r["recommended"].as_bool().unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

/// A late score after the decision is refused, a reopen too, and the ranking of the decided call
/// stays the one the notice published, also after an upheld objection frees money in a pool.
async fn scores_freeze_at_the_decision(app: TestApp) {
    let s = setup(&app).await;
    let (b1, b2, b3) = (s.bids[0], s.bids[1], s.bids[2]);
    // 沈巷镇 pool 200,000: b1 and b2 fit (90,000 each); b3 is the district's.
    let late = three_of_four_scored(&s, move |b| {
        if b == b1 {
            "90"
        } else if b == b2 {
            "70"
        } else {
            "80"
        }
    })
    .await;
    let decided = s.staff.post(&format!("/api/v1/calls/{}/decide", s.call.id), json!({})).await;
    assert_eq!(decided.status, 200, "{}", decided.text);
    let notice = decided.json["notice_id"].as_i64().unwrap();
    let before = s.staff.get(&format!("/api/v1/calls/{}/ranking", s.call.id)).await;
    assert_eq!(before.status, 200);
    for (c, aid) in &late {
        let r = c.put(&format!("/api/v1/assignments/{aid}/review"), uniform("0", true)).await;
        assert_eq!((r.status, r.code()), (409, "scores_frozen"), "{}", r.text);
        let r = c.put(&format!("/api/v1/assignments/{aid}/review"), uniform("10", false)).await;
        assert_eq!((r.status, r.code()), (409, "scores_frozen"), "a draft save too");
    }
    let (_, c0) = &s.reviewers[1];
    let mine = c0.get("/api/v1/me/assignments").await;
    let submitted =
        mine.json.as_array().unwrap().iter().find(|a| a["status"] == "submitted").unwrap()["id"].as_i64().unwrap();
    let r = s.staff.post(&format!("/api/v1/assignments/{submitted}/reopen"), json!({"reason": "复核"})).await;
    assert_eq!(r.status, 409, "{}", r.text);
    let after = s.staff.get(&format!("/api/v1/calls/{}/ranking", s.call.id)).await;
    assert_eq!(outcomes(&after.json), outcomes(&before.json), "late scores changed nothing");
    // The notice's scores are the ranking's.
    let n = app.client().get(&format!("/api/v1/notices/{notice}")).await;
    for row in n.json["rows"].as_array().unwrap() {
        let bid = row["bid_id"].as_i64().unwrap();
        let ranked = outcomes(&after.json).into_iter().find(|x| x.0 == bid).unwrap();
        assert_eq!((row["score"].as_str().unwrap(), true), (ranked.1.as_str(), ranked.2));
    }
    // An upheld objection cancels b1: the decided ranking does not move b3 or anyone up.
    let anon = app.client();
    let o = anon
        .post(
            &format!("/api/v1/notices/{notice}/objections"),
            json!({"name": "王五", "contact": "13900139000", "bid_id": b1, "text": "该项目与去年项目重复"}),
        )
        .await;
    assert_eq!(o.status, 201, "{}", o.text);
    let oid = o.json["id"].as_i64().unwrap();
    let r = s.staff.post(&format!("/api/v1/objections/{oid}/answer"), json!({"upheld": true, "reply": "属实"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let cancelled = s.staff.get(&format!("/api/v1/calls/{}/ranking", s.call.id)).await;
    assert_eq!(outcomes(&cancelled.json), outcomes(&before.json), "the published decision stands as published");
    let _ = b3;
}

/// Draft saves racing the submit never overwrite a locked review.
async fn draft_saves_cannot_overwrite_a_submitted_review(app: TestApp) {
    let s = setup(&app).await;
    let r = s.staff.post(&format!("/api/v1/calls/{}/assignments", s.call.id), json!({"reviewers_per_bid": 3})).await;
    assert_eq!(r.status, 201);
    let (_, c) = &s.reviewers[2];
    let aid = c.get("/api/v1/me/assignments").await.json[0]["id"].as_i64().unwrap();
    assert_eq!(c.post(&format!("/api/v1/assignments/{aid}/accept"), json!({})).await.status, 200);
    let mut tasks = Vec::new();
    for i in 0..24 {
        let c = c.clone();
        let body = if i == 12 { uniform("88", true) } else { uniform("11", false) };
        tasks.push(tokio::spawn(async move { c.put(&format!("/api/v1/assignments/{aid}/review"), body).await }));
    }
    for t in tasks {
        let r = t.await.unwrap();
        assert!(r.status == 200 || (r.status, r.code()) == (409, "review_locked"), "{} {}", r.status, r.text);
    }
    let mine = c.get(&format!("/api/v1/assignments/{aid}/review")).await;
    assert_eq!(mine.json["status"], "submitted");
    for sc in mine.json["scores"].as_array().unwrap() {
        assert_eq!(sc["score"], "88", "the locked review keeps what was submitted: {}", mine.text);
    }
    assert_eq!(mine.json["total"], "88.00");
}

/// Thirty small payments racing a termination: none lands after it, the settlement accounts for
/// every one that landed before, and `audit verify` agrees.
async fn payments_race_a_termination(app: TestApp) {
    let (s, projects) = finalized(&app).await;
    let pid = projects[0]["id"].as_i64().unwrap();
    s.staff.post(&format!("/api/v1/projects/{pid}/signing"), json!({"signed_on": "2026-03-12"})).await;
    let signing = milestone(&projects[0], "signing");
    let mut tasks = Vec::new();
    for i in 0..30 {
        let c = s.fin.clone();
        let body =
            json!({"milestone_id": signing, "amount": "100.00", "paid_on": "2026-03-12", "reference": format!("R{i}")});
        tasks.push(tokio::spawn(async move { c.post(&format!("/api/v1/projects/{pid}/payments"), body).await }));
        if i == 10 {
            let staff = s.staff.clone();
            tasks.push(tokio::spawn(async move {
                staff.post(&format!("/api/v1/projects/{pid}/terminate"), json!({"note": "机构解散"})).await
            }));
        }
    }
    for t in tasks {
        let r = t.await.unwrap();
        assert!(r.status == 200 || (r.status, r.code()) == (409, "project_terminated"), "{} {}", r.status, r.text);
    }
    let p = s.fin.get(&format!("/api/v1/projects/{pid}")).await;
    assert_eq!(p.json["status"], "terminated", "{}", p.text);
    // Every payment's audit record comes before the termination's.
    let last_pay = app.count(&format!("audit_log WHERE action = 'project.pay' AND entity_id = {pid} AND id > (SELECT id FROM audit_log WHERE action = 'project.terminate')")).await;
    assert_eq!(last_pay, 0, "no payment after the termination");
    let (ok, out) = verify_cli(&app, "test-audit-key");
    assert!(ok, "{out}");
}

/// The newest audit records deleted: the checkpoint file and the heads printed on published
/// documents both remember a longer chain.
async fn deleting_the_newest_records_is_detected(app: TestApp) {
    let s = setup(&app).await;
    let r = s.staff.post(&format!("/api/v1/calls/{}/assignments", s.call.id), json!({"reviewers_per_bid": 3})).await;
    assert_eq!(r.status, 201);
    crate::review::score_all(&s, |_| "80").await;
    assert_eq!(s.staff.post(&format!("/api/v1/calls/{}/decide", s.call.id), json!({})).await.status, 200);
    let (ok, out) = verify_cli(&app, "test-audit-key");
    assert!(ok, "{out}");
    let delete = |from: &str| match app.backend {
        Backend::Sqlite => {
            format!("DROP TRIGGER IF EXISTS audit_log_no_delete; DELETE FROM audit_log WHERE id >= {from};")
        }
        Backend::Postgres => format!(
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change; DELETE FROM audit_log WHERE id >= {from}; \
             ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change;"
        ),
    };
    // The decision's record and everything after it gone: the notice PDF printed that head.
    app.exec(&delete("(SELECT id FROM audit_log WHERE action = 'call.decide')")).await;
    let (ok, out) = verify_cli(&app, "test-audit-key");
    assert!(!ok, "{out}");
    assert!(out.contains("审计链头"), "{out}");
    // A checkpoint, then the newest two records removed.
    let (st, dir) = (app.state.clone(), app.config.data_dir.clone());
    let now = app.clock.now();
    st.db(move |c| gongyi::service::audit::checkpoint(c, &dir, now)).await.unwrap();
    app.exec(&delete("(SELECT MAX(id) - 1 FROM audit_log)")).await;
    let (ok, out) = verify_cli(&app, "test-audit-key");
    assert!(!ok, "{out}");
    assert!(out.contains("检查点"), "{out}");
}

/// An organisation with two funded bids in one pool is one OCDS party, and the release validates.
async fn ocds_lists_each_party_once(app: TestApp) {
    let first_pool = std::sync::Mutex::new(None::<Value>);
    // Every bid into the first bid's pool (沈巷镇): orgb's two bids compete there.
    let s = setup_with(&app, |mut b| {
        let mut f = first_pool.lock().unwrap();
        let p = f.get_or_insert_with(|| b["pool_id"].clone()).clone();
        b["pool_id"] = p;
        b
    })
    .await;
    let (b1, b2) = (s.bids[0], s.bids[1]);
    let r = s.staff.post(&format!("/api/v1/calls/{}/assignments", s.call.id), json!({"reviewers_per_bid": 3})).await;
    assert_eq!(r.status, 201);
    // orga's b1 lowest: orgb's b2 and b3 take the 200,000 pool.
    crate::review::score_all(&s, move |b| {
        if b == b1 {
            "60"
        } else if b == b2 {
            "85"
        } else {
            "90"
        }
    })
    .await;
    assert_eq!(s.staff.post(&format!("/api/v1/calls/{}/decide", s.call.id), json!({})).await.status, 200);
    let o = app.client().get(&format!("/api/v1/calls/{}/ocds.json", s.call.id)).await;
    assert_eq!(o.status, 200, "{}", o.text);
    let award = o.json["releases"].as_array().unwrap().iter().find(|r| r["tag"][0] == "award").unwrap().clone();
    assert_eq!(award["awards"].as_array().unwrap().len(), 2, "{award}");
    assert_eq!(award["parties"].as_array().unwrap().len(), 1, "{award}");
    let errors = ocds_errors(&o.json);
    assert!(errors.is_empty(), "{errors:?}");
}

/// Drafts belong to their organisation; before `closes_at` a submitted bid's id answers like an
/// id that does not exist; finance gets no counts then; the admin's mail queue does not say who
/// submitted.
async fn drafts_and_sealed_bids_stay_hidden(app: TestApp) {
    use crate::flow::*;
    let staff = app.as_role("staff1", "staff").await;
    let fin = app.as_role("fin1", "finance").await;
    let admin = app.as_role("root", "admin").await;
    let c = published_call(&staff, call_body()).await;
    let (_, a) = org(&app, &staff, "orga", "52340207MJ0030001").await;
    open_window(&app, &[&staff, &fin, &a, &admin]).await;
    let (sub, _) = submitted_bid(&a, c.id, bid_body(c.shenxiang, "340207101001", "50000.00")).await;
    let draft = a.post(&format!("/api/v1/calls/{}/bids", c.id), bid_body(c.district, "340207101001", "60000.00")).await;
    let draft = draft.json["id"].as_i64().unwrap();
    for who in [&staff, &fin] {
        let real = who.get(&format!("/api/v1/bids/{sub}")).await;
        let none = who.get(&format!("/api/v1/bids/{}", sub + 1000)).await;
        assert_eq!((real.status, real.json["error"].clone()), (none.status, none.json["error"].clone()));
        assert_eq!(real.status, 404);
    }
    let st = fin.get(&format!("/api/v1/calls/{}/stats", c.id)).await;
    assert_eq!(st.status, 200);
    assert_eq!(st.json["by_status"], json!({}), "finance gets no counts while sealed: {}", st.text);
    assert_eq!(staff.get(&format!("/api/v1/calls/{}/stats", c.id)).await.json["by_status"]["submitted"], 1);
    let q = admin.get("/api/v1/outbox").await;
    assert_eq!(q.status, 200);
    let about_bid = |v: &Value| -> Vec<Value> {
        v.as_array().unwrap().iter().filter(|m| m["kind"] == "bid_received").cloned().collect()
    };
    let sealed = about_bid(&q.json);
    assert_eq!(sealed.len(), 1, "{}", q.text);
    assert_eq!(
        (sealed[0]["to"].as_str(), sealed[0]["subject"].as_str()),
        (Some("（申报截止前不显示）"), Some("（申报截止前不显示）"))
    );
    let page = admin.get("/admin/outbox").await;
    assert!(
        page.text.contains("申报截止前不显示") && !page.text.contains("项目申报已提交"),
        "the outbox page hides it too"
    );
    close_window(&app, &[&staff, &fin, &admin]).await;
    let open = about_bid(&admin.get("/api/v1/outbox").await.json);
    assert_eq!(open[0]["to"], "orga@example.cn", "shown after closes_at");
    for who in [&staff, &fin] {
        let l = who.get(&format!("/api/v1/calls/{}/bids?status=draft", c.id)).await;
        assert_eq!((l.status, l.json.as_array().map(Vec::len)), (200, Some(0)), "{}", l.text);
        assert_eq!(who.get(&format!("/api/v1/bids/{draft}")).await.status, 404);
    }
    let html = staff.get(&format!("/staff/calls/{}/bids?status=draft", c.id)).await;
    assert!(!html.text.contains(&format!("/bids/{draft}")), "the HTML queue lists no draft");
}

/// Town staff read their town only: the dashboard, the call's counts, the objections.
async fn town_staff_read_their_town_only(app: TestApp) {
    let s = setup(&app).await;
    app.add_user("shenxiang1", "staff", Some("340207101000")).await;
    let town = app.login("shenxiang1").await;
    let st = town.get(&format!("/api/v1/calls/{}/stats", s.call.id)).await;
    assert_eq!(st.json["by_status"]["eligible"], 2, "b1 and b2, not the district's b3: {}", st.text);
    assert_eq!(st.json["pools"].as_array().unwrap().len(), 1);
    let d = town.get("/api/v1/dashboard?year=2026").await;
    assert_eq!(d.json["funnel"]["submitted"], 2, "{}", d.text);
    assert!(d.json["award_fund"].is_null());
    assert_eq!(s.staff.get("/api/v1/dashboard?year=2026").await.json["funnel"]["submitted"], 3);
    let notice = decided_alike(&s).await;
    for (bid, contact) in [(s.bids[0], "13900000001"), (s.bids[2], "13900000003")] {
        let o = app
            .client()
            .post(
                &format!("/api/v1/notices/{notice}/objections"),
                json!({"name": "居民", "contact": contact, "bid_id": bid, "text": "请核实"}),
            )
            .await;
        assert_eq!(o.status, 201, "{}", o.text);
    }
    let mine = town.get(&format!("/api/v1/notices/{notice}/objections")).await;
    assert_eq!(mine.status, 200);
    assert!(mine.text.contains("13900000001") && !mine.text.contains("13900000003"), "{}", mine.text);
    let all = s.staff.get(&format!("/api/v1/notices/{notice}/objections")).await;
    assert!(all.text.contains("13900000003"));
}

/// What once passed the upload check: a PDF/HTML polyglot, a PNG header followed by HTML, a PDF
/// that runs JavaScript on opening, a zip bomb whose headers under-declare, a macro project under
/// another name. Each is refused and nothing is stored.
async fn hostile_uploads_of_every_kind_are_refused(app: TestApp) {
    use crate::flow::*;
    use gongyi::domain::upload::fixtures::{content_types, deflated_zip, png, zip};
    let staff = app.as_role("staff1", "staff").await;
    let c = published_call(&staff, call_body()).await;
    let (_, a) = org(&app, &staff, "orga", "52340207MJ0021001").await;
    let r = a.post(&format!("/api/v1/calls/{}/bids", c.id), bid_body(c.shenxiang, "340207101001", "50000.00")).await;
    let bid = r.json["id"].as_i64().unwrap();
    let mut png_html = png()[..8].to_vec();
    png_html.extend_from_slice(b"<html><script>alert(document.cookie)</script></html>");
    let ole = [&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1][..], b"Attribute VB_Name"].concat();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("poly.pdf", b"%PDF-1.4\n%<html><script>alert(1)</script>\n1 0 obj<<>>endobj".to_vec(), "file_type_not_allowed"),
        ("photo.png", png_html, "broken_file"),
        (
            "open.pdf",
            b"%PDF-1.4\n1 0 obj<</Type/Catalog/OpenAction 2 0 R>>endobj\n2 0 obj<</S/JavaScript/JS(app.launchURL('x'))>>endobj".to_vec(),
            "active_content_not_allowed",
        ),
        ("bomb.docx", deflated_zip("word/document.xml", &vec![b'a'; 110 * 1024 * 1024], 20), "archive_too_large"),
        (
            "renamed.docx",
            zip(&[("[Content_Types].xml", &content_types("wordprocessingml.document")), ("word/media/image9.bin", &ole)]),
            "macros_not_allowed",
        ),
    ];
    for (name, bytes, code) in cases {
        let form = reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()));
        let r = a.http.post(format!("{}/api/v1/bids/{bid}/attachments", a.base)).multipart(form).send().await.unwrap();
        let status = r.status().as_u16();
        let body: Value = r.json().await.unwrap_or_default();
        assert_eq!((status, body["error"]["code"].as_str()), (422, Some(code)), "{name}: {body}");
    }
    // A clean PNG and docx still pass.
    let docx =
        zip(&[("[Content_Types].xml", &content_types("wordprocessingml.document")), ("word/document.xml", b"<w/>")]);
    for (name, bytes) in [("ok.png", png()), ("ok.docx", docx)] {
        let form = reqwest::multipart::Form::new()
            .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()));
        let r = a.http.post(format!("{}/api/v1/bids/{bid}/attachments", a.base)).multipart(form).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 201, "{name}");
    }
    assert_eq!(app.count("attachments").await, 2);
}

/// One anonymous form with hundreds of text fields is refused before it is buffered.
async fn multipart_forms_are_bounded(app: TestApp) {
    let app = spawn_with(app.backend, |c| c.upload_limit = 64 * 1024).await;
    let mut form = reqwest::multipart::Form::new();
    for i in 0..200 {
        form = form.text(format!("f{i}"), "x".repeat(200));
    }
    let c = app.client();
    let r = c.http.post(format!("{}/verify", app.base)).multipart(form).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 413, "too many fields");
    // Sixteen fields of 16 KiB fit the field limits but not the body's.
    let mut form = reqwest::multipart::Form::new();
    for i in 0..16 {
        form = form.text(format!("f{i}"), "x".repeat(16 * 1024 - 1));
    }
    let r = c.http.post(format!("{}/verify", app.base)).multipart(form).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 413, "the whole body is capped");
    assert_eq!(c.get("/healthz").await.status, 200);
}

/// A body that stops arriving, or trickles, is cut off; the server keeps answering.
async fn slow_bodies_time_out(app: TestApp) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_with(app.backend, |c| {
        c.body_idle_secs = 1;
        c.body_timeout_secs = 3;
    })
    .await;
    let addr = app.base.trim_start_matches("http://").to_string();
    let head =
        "POST /api/v1/session HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{";
    // Stalled after one byte.
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    s.write_all(head.as_bytes()).await.unwrap();
    let started = std::time::Instant::now();
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(std::time::Duration::from_secs(10), s.read(&mut buf)).await;
    assert!(n.is_ok(), "the server ended the stalled request");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    // Trickling a byte every half second: under the idle limit, cut at the total.
    let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
    s.write_all(head.as_bytes()).await.unwrap();
    let started = std::time::Instant::now();
    let mut ended = false;
    for _ in 0..20 {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        if s.write_all(b" ").await.is_err() {
            ended = true;
            break;
        }
        if let Ok(Ok(n)) = tokio::time::timeout(std::time::Duration::from_millis(10), s.read(&mut buf)).await {
            let _ = n;
            ended = true;
            break;
        }
    }
    assert!(ended && started.elapsed() < std::time::Duration::from_secs(6), "cut off by the total deadline");
    assert_eq!(app.client().get("/healthz").await.status, 200);
}

/// Past its cap, a client's new connections are closed as they open; others are served.
async fn connections_per_client_are_capped(app: TestApp) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_with(app.backend, |c| c.max_connections_per_client = 4).await;
    let addr = app.base.trim_start_matches("http://").to_string();
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(tokio::net::TcpStream::connect(&addr).await.unwrap());
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let mut fifth = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let _ = fifth.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await;
    let mut buf = vec![0u8; 1024];
    let n = tokio::time::timeout(std::time::Duration::from_secs(5), fifth.read(&mut buf)).await;
    assert!(matches!(n, Ok(Ok(0)) | Ok(Err(_))), "the fifth connection is closed unanswered: {n:?}");
    // Each held connection still works.
    let s = &mut held[0];
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let n = s.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    drop(held);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.client().get("/healthz").await.status, 200, "places are given back");
}

/// Registrations from one address are limited, also when fired in parallel: no mail flood.
async fn registrations_are_limited_per_address(app: TestApp) {
    let app = spawn_with(app.backend, |c| c.registrations_per_ip = 3).await;
    let mut tasks = Vec::new();
    for i in 0..12 {
        let c = app.client();
        let body = org_body(&format!("flood{i}"), &format!("52340207MJ00991{i:02}"), "340207101001");
        tasks.push(tokio::spawn(async move { c.post("/api/v1/organisations", body).await }));
    }
    let (mut ok, mut limited) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            r if r.status == 201 => ok += 1,
            r if r.status == 429 => limited += 1,
            r => panic!("{} {}", r.status, r.text),
        }
    }
    assert_eq!((ok, limited), (3, 9));
    assert_eq!(app.count("outbox WHERE kind = 'org_registration_received'").await, 3);
}

/// Forty parallel objections from one address: exactly the hourly allowance is accepted.
async fn objection_allowance_cannot_be_raced(app: TestApp) {
    let s = setup(&app).await;
    let notice = decided_alike(&s).await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let c = app.client();
        let body = json!({"name": "居民", "contact": format!("1390000{i:04}"), "bid_id": s.bids[0], "text": "请核实"});
        tasks.push(tokio::spawn(async move { c.post(&format!("/api/v1/notices/{notice}/objections"), body).await }));
    }
    let mut ok = 0;
    for t in tasks {
        let r = t.await.unwrap();
        match r.status {
            201 => ok += 1,
            429 => {}
            _ => panic!("{} {}", r.status, r.text),
        }
    }
    assert_eq!(ok, gongyi::service::notices::OBJECTIONS_PER_IP_HOUR);
    assert_eq!(app.count("objections").await, gongyi::service::notices::OBJECTIONS_PER_IP_HOUR);
}

/// Sixty-four wrong passwords at once: only the account's allowance reaches the hash.
async fn parallel_wrong_passwords_stop_at_the_limit(app: TestApp) {
    app.add_user("target", "staff", None).await;
    let mut tasks = Vec::new();
    for _ in 0..64 {
        let c = app.client();
        tasks.push(tokio::spawn(async move {
            c.post("/api/v1/session", json!({"login": "target", "password": "guess-guess-1"})).await.status
        }));
    }
    let mut checked = 0;
    for t in tasks {
        match t.await.unwrap() {
            401 => checked += 1,
            429 => {}
            other => panic!("{other}"),
        }
    }
    assert_eq!(checked, gongyi::service::accounts::MAX_FAILURES_PER_ACCOUNT);
}

/// What a signed-in user reads is not cached; HTTPS deployments say so for a year.
async fn private_answers_are_not_cached(app: TestApp) {
    let staff = app.as_role("staff1", "staff").await;
    let me = staff.get("/api/v1/me").await;
    assert_eq!(me.headers.get("cache-control").and_then(|v| v.to_str().ok()), Some("no-store"));
    assert!(app.client().get("/healthz").await.headers.get("strict-transport-security").is_none());
    let https = spawn_with(app.backend, |c| c.secure_cookies = true).await;
    let h = https.client().get("/healthz").await;
    assert_eq!(h.headers.get("strict-transport-security").and_then(|v| v.to_str().ok()), Some("max-age=31536000"));
}

/// Common passwords and passwords made of the login are refused; a taken login gets one answer
/// whoever holds it.
async fn weak_passwords_are_refused(app: TestApp) {
    let admin = app.as_role("root", "admin").await;
    let anon = app.client();
    for (password, code) in
        [("12345678", "common_password"), ("password", "common_password"), ("weakling-2026", "password_contains_login")]
    {
        let mut body = org_body("weakling", "52340207MJ0098001", "340207101001");
        body["password"] = json!(password);
        let r = anon.post("/api/v1/organisations", body).await;
        assert_eq!(r.status, 422, "{password}: {}", r.text);
        assert!(crate::flow::codes(&r).contains(&code.to_string()) || r.code() == code, "{password}: {}", r.text);
        let u = admin
            .post(
                "/api/v1/users",
                json!({"login": "weakling", "password": password, "display_name": "王", "role": "staff"}),
            )
            .await;
        assert_eq!(u.status, 422, "{password}: {}", u.text);
    }
    assert_eq!(app.count("organisations").await, 0);
    // A staff login and an organisation's login are taken alike.
    app.register_org("orgtaken", "52340207MJ0098002", "340207101001").await;
    let staff_login = anon.post("/api/v1/organisations", org_body("root", "52340207MJ0098003", "340207101001")).await;
    let org_login = anon.post("/api/v1/organisations", org_body("orgtaken", "52340207MJ0098004", "340207101001")).await;
    assert_eq!((staff_login.status, staff_login.json.clone()), (org_login.status, org_login.json.clone()));
}

crate::on_both!(
    multipart_forms_are_bounded,
    slow_bodies_time_out,
    connections_per_client_are_capped,
    registrations_are_limited_per_address,
    objection_allowance_cannot_be_raced,
    parallel_wrong_passwords_stop_at_the_limit,
    private_answers_are_not_cached,
    weak_passwords_are_refused,
    hostile_uploads_of_every_kind_are_refused,
    drafts_and_sealed_bids_stay_hidden,
    town_staff_read_their_town_only,
    scores_freeze_at_the_decision,
    draft_saves_cannot_overwrite_a_submitted_review,
    payments_race_a_termination,
    deleting_the_newest_records_is_detected,
    ocds_lists_each_party_once,
);

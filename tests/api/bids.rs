//! Bids: draft, submit, withdraw; the budget rules; sealed bids; screening; finance.

use crate::flow::*;
use crate::helpers::*;
use gongyi::clock::Clock;
use serde_json::json;

async fn draft_submit_withdraw(app: TestApp) {
    let staff = app.as_role("staff1", "staff").await;
    let c = published_call(&staff, call_body()).await;
    let (_, a) = org(&app, &staff, "orga", "52340207MJ0011001").await;
    let (_, b) = org(&app, &staff, "orgb", "52340207MJ0011002").await;
    let r = a.post(&format!("/api/v1/calls/{}/bids", c.id), bid_body(c.shenxiang, "340207101001", "100000.00")).await;
    assert_eq!((r.status, r.json["status"].as_str()), (201, Some("draft")), "{}", r.text);
    assert!(r.json["reference"].is_null());
    let id = r.json["id"].as_i64().unwrap();
    // Server-owned fields in the body are ignored.
    let mut body = bid_body(c.shenxiang, "340207101001", "80000.00");
    body["status"] = json!("funded");
    body["reference"] = json!("JJ-2026-9999");
    body["approved_amount"] = json!("80000.00");
    let r = a.put(&format!("/api/v1/bids/{id}"), body).await;
    assert_eq!(
        (r.status, r.json["status"].as_str(), r.json["requested_amount"].as_str()),
        (200, Some("draft"), Some("80000.00"))
    );
    assert!(r.json["approved_amount"].is_null());
    // Before opens_at: 409.
    let r = a.post(&format!("/api/v1/bids/{id}/submit"), json!({})).await;
    assert_eq!((r.status, r.code()), (409, "call_not_open"));
    open_window(&app, &[&staff, &a, &b]).await;
    let r = a.post(&format!("/api/v1/bids/{id}/submit"), json!({})).await;
    assert_eq!(
        (r.status, r.json["status"].as_str(), r.json["reference"].as_str()),
        (200, Some("submitted"), Some("JJ-2026-0001")),
        "{}",
        r.text
    );
    assert_eq!(app.count("outbox WHERE kind = 'bid_received'").await, 1);
    // The answer is built from what the submission wrote, not read back: it must be what a
    // fresh read says, field for field (the read adds only the caller's actions and documents).
    let mut submitted = r.json.clone();
    let mut read = a.get(&format!("/api/v1/bids/{id}")).await.json;
    assert!(read["actions"].is_object());
    submitted.as_object_mut().unwrap().remove("actions");
    read.as_object_mut().unwrap().remove("actions");
    assert_eq!(submitted, read);
    let r = a.post(&format!("/api/v1/bids/{id}/submit"), json!({})).await;
    assert_eq!((r.status, r.code()), (409, "already_submitted"));
    assert_eq!(
        a.put(&format!("/api/v1/bids/{id}"), bid_body(c.shenxiang, "340207101001", "90000.00")).await.status,
        409
    );
    let (_, r2) = submitted_bid(&b, c.id, bid_body(c.district, "340207002001", "150000.00")).await;
    assert_eq!(r2, "JJ-2026-0002");
    // Another organisation cannot see or touch it.
    assert_eq!(b.get(&format!("/api/v1/bids/{id}")).await.status, 404);
    assert_eq!(b.post(&format!("/api/v1/bids/{id}/withdraw"), json!({})).await.status, 404);
    let mine = a.get("/api/v1/me/bids").await;
    assert_eq!(mine.json.as_array().unwrap().len(), 1);
    let r = a.post(&format!("/api/v1/bids/{id}/withdraw"), json!({})).await;
    assert_eq!((r.status, r.json["status"].as_str()), (200, Some("withdrawn")));
    assert_eq!(a.post(&format!("/api/v1/bids/{id}/withdraw"), json!({})).await.status, 409);
    // After closes_at: no new bids, no withdrawals, no submissions.
    let r = a.post(&format!("/api/v1/calls/{}/bids", c.id), bid_body(c.shenxiang, "340207101001", "50000.00")).await;
    let late = r.json["id"].as_i64().unwrap();
    close_window(&app, &[&a, &b]).await;
    let r = a.post(&format!("/api/v1/bids/{late}/submit"), json!({})).await;
    assert_eq!((r.status, r.code()), (409, "deadline_passed"));
    let b_bid = b.get("/api/v1/me/bids").await.json[0]["id"].as_i64().unwrap();
    let r = b.post(&format!("/api/v1/bids/{b_bid}/withdraw"), json!({})).await;
    assert_eq!((r.status, r.code()), (409, "deadline_passed"));
    let r = a.post(&format!("/api/v1/calls/{}/bids", c.id), bid_body(c.shenxiang, "340207101001", "50000.00")).await;
    assert_eq!((r.status, r.code()), (409, "deadline_passed"));
}

async fn budget_rules_are_enforced(app: TestApp) {
    let staff = app.as_role("staff1", "staff").await;
    let c = published_call(&staff, call_body()).await;
    let (_, a) = org(&app, &staff, "orga", "52340207MJ0012001").await;
    open_window(&app, &[&staff, &a]).await;
    // One request breaking every budget rule.
    let mut body = bid_body(c.shenxiang, "340207101001", "10000.00");
    body["budget_lines"] = json!([
        {"category": "personnel", "item": "社工", "amount": "6000.00"},
        {"category": "hospitality", "item": "餐费", "amount": "3000.00"},
        {"category": "admin", "item": "管理", "amount": "2000.00"}
    ]);
    let r = a.post(&format!("/api/v1/calls/{}/bids", c.id), body).await;
    assert_eq!(r.status, 201, "a draft may break budget rules: {}", r.text);
    let id = r.json["id"].as_i64().unwrap();
    let audit = app.count("audit_log").await;
    let r = a.post(&format!("/api/v1/bids/{id}/submit"), json!({})).await;
    assert_eq!(r.status, 422, "{}", r.text);
    let got = codes(&r);
    for want in ["amount_out_of_range", "budget_sum_mismatch", "forbidden_category", "category_cap_exceeded"] {
        assert!(got.contains(&want.to_string()), "{want} missing from {got:?}");
    }
    assert_eq!(got.iter().filter(|c| *c == "category_cap_exceeded").count(), 2, "personnel and admin");
    assert_eq!(a.get(&format!("/api/v1/bids/{id}")).await.json["status"], "draft");
    assert_eq!(app.count("audit_log").await, audit, "a refused submission leaves no trace");
    assert_eq!(app.count("bids WHERE reference IS NOT NULL").await, 0);
    // Exactly at the caps and the range edges passes.
    let r = a.put(&format!("/api/v1/bids/{id}"), bid_body(c.shenxiang, "340207101001", "200000.00")).await;
    assert_eq!(r.status, 200);
    assert_eq!(a.post(&format!("/api/v1/bids/{id}/submit"), json!({})).await.status, 200);
    // Malformed values are refused at once, with their field.
    let mut body = bid_body(c.shenxiang, "340207101001", "50000.00");
    body["budget_lines"][0]["quantity"] = json!("3");
    body["budget_lines"][0]["unit_price"] = json!("1000.00");
    body["budget_lines"][1]["amount"] = json!("1.001");
    body["budget_lines"][2]["category"] = json!("bribes");
    body["milestones"][0]["due_date"] = json!("2026-02-30");
    body["pool_id"] = json!(999999);
    let r = a.post(&format!("/api/v1/calls/{}/bids", c.id), body).await;
    assert_eq!(r.status, 422, "{}", r.text);
    let got = codes(&r);
    for want in
        ["line_amount_mismatch", "amount_too_precise", "invalid_budget_category", "invalid_date", "pool_not_in_call"]
    {
        assert!(got.contains(&want.to_string()), "{want} missing from {got:?}");
    }
    let mut body = bid_body(c.shenxiang, "340207101001", "50000.00");
    body["requested_amount"] = json!(50000);
    assert_eq!(a.post(&format!("/api/v1/calls/{}/bids", c.id), body).await.code(), "invalid_type");
    // Incomplete drafts cannot be submitted.
    let mut body = bid_body(c.shenxiang, "340207101001", "50000.00");
    body["summary"] = json!("");
    body["milestones"] = json!([]);
    body["end_date"] = json!("2027-01-31");
    let r = a.post(&format!("/api/v1/calls/{}/bids", c.id), body).await;
    let id = r.json["id"].as_i64().unwrap();
    let r = a.post(&format!("/api/v1/bids/{id}/submit"), json!({})).await;
    let got = codes(&r);
    for want in ["required", "outside_project_period"] {
        assert!(got.contains(&want.to_string()), "{want} missing from {got:?}");
    }
}

async fn town_pools_fund_their_town_only(app: TestApp) {
    let staff = app.as_role("staff1", "staff").await;
    let c = published_call(&staff, call_body()).await;
    let (_, a) = org(&app, &staff, "orga", "52340207MJ0013001").await;
    let r = a.post(&format!("/api/v1/calls/{}/bids", c.id), bid_body(c.shenxiang, "340207102001", "50000.00")).await;
    assert_eq!((r.status, r.json["error"]["field"].as_str()), (422, Some("service_region_code")));
    assert!(codes(&r).contains(&"region_outside_pool".to_string()));
    let r = a.post(&format!("/api/v1/calls/{}/bids", c.id), bid_body(c.district, "340207102001", "50000.00")).await;
    assert_eq!(r.status, 201, "the district pool funds any region");
    let r = a.post(&format!("/api/v1/calls/{}/bids", c.id), bid_body(c.erba, "340207102001", "50000.00")).await;
    assert_eq!(r.status, 201);
    let r = a.post(&format!("/api/v1/calls/{}/bids", c.id), bid_body(c.erba, "110101000000", "50000.00")).await;
    assert_eq!(codes(&r), vec!["unknown_region"]);
}

async fn unverified_and_over_limit(app: TestApp) {
    let staff = app.as_role("staff1", "staff").await;
    let c = published_call(&staff, call_body()).await;
    app.register_org("pending", "52340207MJ0014001", "340207101001").await;
    let p = app.login("pending").await;
    open_window(&app, &[&staff, &p]).await;
    let r = p.post(&format!("/api/v1/calls/{}/bids", c.id), bid_body(c.shenxiang, "340207101001", "50000.00")).await;
    assert_eq!(r.status, 201, "an unverified organisation may prepare a draft");
    let id = r.json["id"].as_i64().unwrap();
    let r = p.post(&format!("/api/v1/bids/{id}/submit"), json!({})).await;
    assert_eq!((r.status, r.code()), (403, "org_not_verified"));
    let (_, a) = org(&app, &staff, "orga", "52340207MJ0014002").await;
    submitted_bid(&a, c.id, bid_body(c.shenxiang, "340207101001", "50000.00")).await;
    let (w, _) = submitted_bid(&a, c.id, bid_body(c.district, "340207101001", "60000.00")).await;
    let r = a.post(&format!("/api/v1/calls/{}/bids", c.id), bid_body(c.district, "340207101001", "70000.00")).await;
    let third = r.json["id"].as_i64().unwrap();
    let r = a.post(&format!("/api/v1/bids/{third}/submit"), json!({})).await;
    assert_eq!((r.status, r.code()), (409, "bid_limit_reached"));
    // A withdrawn bid frees its place; the refused attempt used no reference number.
    a.post(&format!("/api/v1/bids/{w}/withdraw"), json!({})).await;
    let r = a.post(&format!("/api/v1/bids/{third}/submit"), json!({})).await;
    assert_eq!((r.status, r.json["reference"].as_str()), (200, Some("JJ-2026-0003")));
}

async fn bids_are_sealed_until_the_deadline(app: TestApp) {
    let staff = app.as_role("staff1", "staff").await;
    let fin = app.as_role("fin1", "finance").await;
    let c = published_call(&staff, call_body()).await;
    let (_, a) = org(&app, &staff, "orga", "52340207MJ0015001").await;
    open_window(&app, &[&staff, &fin, &a]).await;
    let (id, _) = submitted_bid(&a, c.id, bid_body(c.shenxiang, "340207101001", "50000.00")).await;
    for who in [&staff, &fin] {
        // 404 like an id that does not exist: ids reveal nothing before the deadline.
        let r = who.get(&format!("/api/v1/bids/{id}")).await;
        assert_eq!((r.status, r.code()), (404, "not_found"));
        assert_eq!(who.get(&format!("/api/v1/bids/{}", id + 1000)).await.status, 404);
        assert_eq!(who.get(&format!("/api/v1/calls/{}/bids", c.id)).await.code(), "bids_sealed");
    }
    let stats = staff.get(&format!("/api/v1/calls/{}/stats", c.id)).await;
    assert_eq!(stats.json["by_status"]["submitted"], 1);
    assert_eq!(stats.json["pools"], json!([]), "no amounts while sealed");
    let rev = app.as_role("rev1", "reviewer").await;
    assert_eq!(rev.get(&format!("/api/v1/bids/{id}")).await.status, 404);
    assert_eq!(app.client().get(&format!("/api/v1/bids/{id}")).await.status, 401);
    close_window(&app, &[&staff, &fin, &a]).await;
    let reads = app.count("audit_log WHERE action = 'bid.read'").await;
    let r = staff.get(&format!("/api/v1/bids/{id}")).await;
    assert_eq!((r.status, r.json["budget_lines"].as_array().unwrap().len()), (200, 3));
    assert_eq!(app.count("audit_log WHERE action = 'bid.read'").await, reads + 1, "staff reads are audited");
    assert_eq!(staff.get(&format!("/api/v1/calls/{}/bids", c.id)).await.json.as_array().unwrap().len(), 1);
    let stats = staff.get(&format!("/api/v1/calls/{}/stats", c.id)).await;
    let shen = stats.json["pools"].as_array().unwrap().iter().find(|p| p["pool_id"] == c.shenxiang).unwrap().clone();
    assert_eq!((shen["requested"].as_str(), shen["bids"].as_i64()), (Some("50000.00"), Some(1)));
}

async fn screening_and_correction(app: TestApp) {
    let staff = app.as_role("staff1", "staff").await;
    let c = published_call(&staff, call_body()).await;
    let (_, a) = org(&app, &staff, "orga", "52340207MJ0016001").await;
    open_window(&app, &[&staff, &a]).await;
    let (b1, _) = submitted_bid(&a, c.id, bid_body(c.shenxiang, "340207101001", "50000.00")).await;
    let (b2, ref2) = submitted_bid(&a, c.id, bid_body(c.district, "340207101001", "60000.00")).await;
    let r = staff.post(&format!("/api/v1/bids/{b1}/screening"), json!({"eligible": true, "note": ""})).await;
    assert_eq!(r.status, 404, "bids are sealed before closes_at");
    close_window(&app, &[&staff, &a]).await;
    let r = staff.post(&format!("/api/v1/bids/{b1}/screening"), json!({"eligible": false, "note": "  "})).await;
    assert_eq!((r.status, r.json["error"]["field"].as_str()), (422, Some("note")));
    let r = staff.post(&format!("/api/v1/bids/{b1}/screening"), json!({"note": "x"})).await;
    assert_eq!(r.status, 400);
    app.add_user("erba", "staff", Some(ERBA)).await;
    let erba = app.login("erba").await;
    assert_eq!(erba.post(&format!("/api/v1/bids/{b1}/screening"), json!({"eligible": true})).await.status, 404);
    let r = staff.post(&format!("/api/v1/bids/{b1}/screening"), json!({"eligible": true, "note": "材料齐全"})).await;
    assert_eq!((r.status, r.json["status"].as_str()), (200, Some("eligible")));
    assert_eq!(staff.post(&format!("/api/v1/bids/{b1}/screening"), json!({"eligible": true})).await.status, 409);
    assert_eq!(app.count("outbox WHERE kind = 'bid_screened'").await, 1);
    // 限期补正: only the budget reopens.
    let r = staff
        .post(
            &format!("/api/v1/bids/{b2}/screening"),
            json!({"outcome": "needs_correction", "items": ["budget"], "due": "2026-01-01"}),
        )
        .await;
    assert_eq!((r.status, r.json["error"]["field"].as_str()), (422, Some("due")));
    let r = staff
        .post(
            &format!("/api/v1/bids/{b2}/screening"),
            json!({"outcome": "needs_correction", "items": ["budget"], "due": "2026-03-10", "note": "请细化预算"}),
        )
        .await;
    assert_eq!((r.status, r.json["status"].as_str()), (200, Some("needs_correction")), "{}", r.text);
    // What the reader may do comes with the bid, from the same rule the services apply.
    let mine = a.get(&format!("/api/v1/bids/{b2}")).await;
    assert_eq!(
        (mine.json["actions"]["edit"].as_bool(), mine.json["actions"]["withdraw"].as_bool()),
        (Some(true), Some(false))
    );
    assert_eq!(staff.get(&format!("/api/v1/bids/{b2}")).await.json["actions"]["screen"], false, "no longer submitted");
    assert!(a.get(&format!("/bids/{b2}")).await.text.contains("上传附件"), "before the due date it does");
    let later = app.clock.now();
    app.clock.set("2026-03-11T09:00:00+08:00".parse().unwrap());
    let a_late = app.login("orga").await;
    let late = a_late.get(&format!("/api/v1/bids/{b2}")).await;
    assert_eq!(late.json["actions"]["edit"], false, "past the correction's due date: {}", late.text);
    assert!(!a_late.get(&format!("/bids/{b2}")).await.text.contains("上传附件"), "the page offers no upload form");
    app.clock.set(later);
    app.relogin(&[&a]).await;
    let mut body = bid_body(c.district, "340207101001", "55000.00");
    body["title"] = json!("改了名字");
    let r = a.put(&format!("/api/v1/bids/{b2}"), body).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["requested_amount"], "55000.00", "the budget section was reopened");
    assert_eq!(r.json["title"], "“银龄互助”社区居家养老服务项目", "the title was not");
    let r = a.post(&format!("/api/v1/bids/{b2}/submit"), json!({})).await;
    assert_eq!(
        (r.status, r.json["status"].as_str(), r.json["reference"].as_str()),
        (200, Some("submitted"), Some(ref2.as_str()))
    );
}

async fn finance_approves_within_ceilings(app: TestApp) {
    let staff = app.as_role("staff1", "staff").await;
    let fin = app.as_role("fin1", "finance").await;
    let c = published_call(&staff, call_body()).await;
    let (_, a) = org(&app, &staff, "orga", "52340207MJ0017001").await;
    open_window(&app, &[&staff, &fin, &a]).await;
    let (b1, _) = submitted_bid(&a, c.id, bid_body(c.shenxiang, "340207101001", "100000.00")).await;
    close_window(&app, &[&staff, &fin, &a]).await;
    let r =
        fin.post(&format!("/api/v1/bids/{b1}/finance"), json!({"approved_amount": "90000.00", "note": "核减"})).await;
    assert_eq!((r.status, r.code()), (409, "wrong_status"), "screen first");
    staff.post(&format!("/api/v1/bids/{b1}/screening"), json!({"eligible": true})).await;
    let r = fin.post(&format!("/api/v1/bids/{b1}/finance"), json!({"approved_amount": "100000.01"})).await;
    assert_eq!(codes(&r), vec!["exceeds_requested"]);
    let r = fin.post(&format!("/api/v1/bids/{b1}/finance"), json!({"approved_amount": "90000.00"})).await;
    assert_eq!((r.status, r.json["error"]["field"].as_str()), (422, Some("note")), "a reduction needs a note");
    let r = fin.post(&format!("/api/v1/bids/{b1}/finance"), json!({"approved_amount": "0", "note": "不予资助"})).await;
    assert_eq!(codes(&r), vec!["amount_not_positive"]);
    let r = fin.post(&format!("/api/v1/bids/{b1}/finance"), json!({"approved_amount": 90000})).await;
    assert_eq!(r.status, 400);
    assert_eq!(
        staff
            .post(&format!("/api/v1/bids/{b1}/finance"), json!({"approved_amount": "90000.00", "note": "x"}))
            .await
            .status,
        403
    );
    assert_eq!(
        a.post(&format!("/api/v1/bids/{b1}/finance"), json!({"approved_amount": "90000.00", "note": "x"})).await.status,
        403
    );
    let r = fin
        .post(&format!("/api/v1/bids/{b1}/finance"), json!({"approved_amount": "90000.00", "note": "活动费用偏高"}))
        .await;
    assert_eq!((r.status, r.json["approved_amount"].as_str()), (200, Some("90000.00")));
    let stats = fin.get(&format!("/api/v1/calls/{}/stats", c.id)).await;
    let shen = stats.json["pools"].as_array().unwrap().iter().find(|p| p["pool_id"] == c.shenxiang).unwrap().clone();
    assert_eq!(
        (shen["requested"].as_str(), shen["approved"].as_str(), shen["budget"].as_str()),
        (Some("100000.00"), Some("90000.00"), Some("200000.00"))
    );
    // The organisation sees the decision on its bid.
    assert_eq!(a.get(&format!("/api/v1/bids/{b1}")).await.json["approved_amount"], "90000.00");
}

/// Concurrent submissions: references unique and gap-free; the per-organisation limit holds.
async fn concurrent_submissions(app: TestApp) {
    let staff = app.as_role("staff1", "staff").await;
    let c = published_call(&staff, call_body()).await;
    open_window(&app, &[&staff]).await;
    let mut drafts = Vec::new();
    for i in 0..6 {
        let (_, o) = org(&app, &staff, &format!("conc{i}"), &format!("52340207MJ001800{i}")).await;
        for _ in 0..3 {
            let r =
                o.post(&format!("/api/v1/calls/{}/bids", c.id), bid_body(c.district, "340207101001", "50000.00")).await;
            drafts.push((i, r.json["id"].as_i64().unwrap(), app.login(&format!("conc{i}")).await));
        }
    }
    let mut tasks = Vec::new();
    for (i, id, client) in drafts {
        tasks
            .push(tokio::spawn(async move { (i, client.post(&format!("/api/v1/bids/{id}/submit"), json!({})).await) }));
    }
    let mut ok = std::collections::HashMap::new();
    let mut refs = Vec::new();
    for t in tasks {
        let (i, r) = t.await.unwrap();
        match r.status {
            200 => {
                *ok.entry(i).or_insert(0) += 1;
                refs.push(r.json["reference"].as_str().unwrap().to_string());
            }
            409 => assert_eq!(r.code(), "bid_limit_reached"),
            s => panic!("unexpected {s}: {}", r.text),
        }
    }
    assert!(ok.values().all(|&n| n == 2), "{ok:?}");
    refs.sort();
    let want: Vec<String> = (1..=12).map(|n| format!("JJ-2026-{n:04}")).collect();
    assert_eq!(refs, want);
}

crate::on_both!(
    draft_submit_withdraw,
    budget_rules_are_enforced,
    town_pools_fund_their_town_only,
    unverified_and_over_limit,
    bids_are_sealed_until_the_deadline,
    screening_and_correction,
    finance_approves_within_ceilings,
    concurrent_submissions,
);

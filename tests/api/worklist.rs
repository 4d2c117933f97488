//! Every role's 工作台: what waits for it, counted, dated and linked, scoped to a town's staff.

use crate::flow::*;
use crate::helpers::*;
use serde_json::{json, Value};

fn find<'a>(w: &'a Value, kind: &str) -> Option<&'a Value> {
    w["items"].as_array().unwrap().iter().find(|i| i["kind"] == kind)
}

async fn each_role_sees_what_waits_for_it(app: TestApp) {
    let staff = app.as_role("staff1", "staff").await;
    let fin = app.as_role("fin1", "finance").await;
    app.add_user("erba", "staff", Some(ERBA)).await;
    let erba = app.login("erba").await;
    let call = published_call(&staff, call_body()).await;
    let (_, org) = org(&app, &staff, "worg", "52340207MJ0040001").await;
    app.register_org("pendingorg", "52340207MJ0040002", "340207101001").await;
    open_window(&app, &[&staff, &fin, &org, &erba]).await;
    let (bid, _) = submitted_bid(&org, call.id, bid_body(call.shenxiang, "340207101001", "100000.00")).await;
    let r = org
        .post(&format!("/api/v1/calls/{}/bids", call.id), bid_body(call.shenxiang, "340207101001", "50000.00"))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let w = org.get("/api/v1/worklist").await.json;
    let draft = find(&w, "draft").expect("the unsubmitted draft");
    assert_eq!((draft["due"].as_str(), draft["count"].as_i64()), (Some("2026-02-28"), Some(1)), "{w}");
    close_window(&app, &[&staff, &fin, &org, &erba]).await;

    let w = staff.get("/api/v1/worklist").await.json;
    let screen = find(&w, "screen").expect("bids to screen");
    assert_eq!(screen["count"], 1);
    assert_eq!(screen["link"].as_str(), Some(format!("/staff/calls/{}/bids", call.id).as_str()));
    assert_eq!(find(&w, "verify_organisations").map(|i| i["count"].as_i64()), Some(Some(1)));
    let other = erba.get("/api/v1/worklist").await.json;
    assert!(find(&other, "screen").is_none(), "another town's staff: nothing of 沈巷镇's bids: {other}");
    assert!(find(&fin.get("/api/v1/worklist").await.json, "check_budgets").is_none(), "not screened yet");

    let r = staff
        .post(
            &format!("/api/v1/bids/{bid}/screening"),
            json!({"outcome": "needs_correction", "items": ["budget"], "due": "2026-03-10", "note": "请细化预算"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let w = org.get("/api/v1/worklist").await.json;
    let c = find(&w, "correct").expect("the correction asked");
    assert_eq!((c["due"].as_str(), c["detail"].as_str()), (Some("2026-03-10"), Some("请细化预算")));
    assert!(find(&w, "draft").is_none(), "the deadline passed: the draft no longer waits");
    // The page shows the same list.
    let page = org.get("/workbench").await.text;
    assert!(page.contains("待办事项") && page.contains("限期补正") && page.contains("2026-03-10"), "{page}");
    assert!(!page.contains("needs_correction"), "no raw status words");

    let r = org.put(&format!("/api/v1/bids/{bid}"), bid_body(call.shenxiang, "340207101001", "100000.00")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(org.post(&format!("/api/v1/bids/{bid}/submit"), json!({})).await.status, 200);
    assert_eq!(staff.post(&format!("/api/v1/bids/{bid}/screening"), json!({"eligible": true})).await.status, 200);
    let w = fin.get("/api/v1/worklist").await.json;
    assert_eq!(find(&w, "check_budgets").map(|i| i["count"].as_i64()), Some(Some(1)), "{w}");
    assert_eq!(app.client().get("/api/v1/worklist").await.status, 401);
}

async fn experts_see_their_panels_with_due_dates_and_progress(app: TestApp) {
    let s = crate::review::setup(&app).await;
    let r = s.staff.post(&format!("/api/v1/calls/{}/assignments", s.call.id), json!({"reviewers_per_bid": 3})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let (_, rev) = &s.reviewers[1];
    let w = rev.get("/api/v1/worklist").await.json;
    let item = find(&w, "review").expect("an assignment");
    assert!(item["label"].as_str().unwrap().contains("鸠江区2026年度公益创投项目"), "names the call: {w}");
    assert!(item["due"].as_str().is_some(), "with its due date");
    let total = item["count"].as_i64().unwrap();
    assert_eq!(item["detail"].as_str(), Some(format!("已提交 0 / {total} 份评分").as_str()));
    let page = rev.get("/workbench").await.text;
    assert!(page.contains("评审：鸠江区2026年度公益创投项目") && page.contains(&format!("已提交 0 / {total}")));
}

crate::on_both!(each_role_sees_what_waits_for_it, experts_see_their_panels_with_due_dates_and_progress);

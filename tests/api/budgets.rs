//! 项目优化: a project approved below its request is re-budgeted to the approved amount before
//! signing, within the call's caps; budgets are versioned and every version stays readable.

use crate::helpers::*;
use crate::projects::rebased_lines;
use crate::review::{score_all, setup};
use serde_json::json;

async fn a_cut_project_is_rebudgeted_before_signing(app: TestApp) {
    let s = setup(&app).await;
    s.staff.post(&format!("/api/v1/calls/{}/assignments", s.call.id), json!({"reviewers_per_bid": 3})).await;
    score_all(&s, |_| "80").await;
    assert_eq!(s.staff.post(&format!("/api/v1/calls/{}/decide", s.call.id), json!({})).await.status, 200);
    app.clock.set("2026-03-12T09:00:00+08:00".parse().unwrap());
    app.relogin(&[&s.staff, &s.fin]).await;
    assert_eq!(s.staff.post(&format!("/api/v1/calls/{}/finalize", s.call.id), json!({})).await.status, 200);
    let all = s.fin.get("/api/v1/projects").await.json;
    let find = |bid: i64| all.as_array().unwrap().iter().find(|p| p["bid_id"] == bid).unwrap().clone();
    // orga asked 100,000 and got 90,000; orgb's second bid asked exactly 90,000.
    let (cut, whole) = (find(s.bids[0]), find(s.bids[1]));
    let (pid, whole_id) = (cut["id"].as_i64().unwrap(), whole["id"].as_i64().unwrap());
    assert_eq!((cut["rebase_required"].as_bool(), whole["rebase_required"].as_bool()), (Some(true), Some(false)));
    assert!(cut["next_step"].as_str().unwrap().contains("调整预算"));
    let sign = |id: i64| format!("/api/v1/projects/{id}/signing");
    let r = s.staff.post(&sign(pid), json!({"signed_on": "2026-03-12"})).await;
    assert_eq!((r.status, r.code()), (409, "budget_not_rebased"));
    assert_eq!(s.staff.post(&sign(whole_id), json!({"signed_on": "2026-03-12"})).await.status, 200);
    let path = format!("/api/v1/projects/{pid}/budget");
    let v1 = s.fin.get(&path).await.json;
    assert_eq!((&v1["version"], &v1["total"], &v1["versions"]), (&json!(1), &json!("100000.00"), &json!([1])));
    // Refused: not the approved total, over the personnel cap, a forbidden category, nothing.
    let orga = app.login("orga").await;
    let line = |c: &str, a: &str| json!({"category": c, "item": "科目", "amount": a});
    for (lines, code) in [
        (json!([line("personnel", "27000.00"), line("activity", "62999.99")]), "budget_sum_mismatch"),
        (json!([line("personnel", "27000.01"), line("activity", "62999.99")]), "category_cap_exceeded"),
        (json!([line("hospitality", "1000.00"), line("activity", "89000.00")]), "forbidden_category"),
        (json!([]), "budget_required"),
    ] {
        let r = orga.put(&path, json!({"budget_lines": lines})).await;
        assert_eq!((r.status, r.json["error"]["errors"][0]["code"].as_str()), (422, Some(code)), "{}", r.text);
    }
    assert!(orga
        .put(&path, json!({"budget_lines": [line("personnel", "27000.01"), line("activity", "62999.99")]}))
        .await
        .text
        .contains("核定金额"));
    let orgb = app.login("orgb").await;
    assert_eq!(orgb.put(&path, json!({"budget_lines": rebased_lines("90000.00")})).await.status, 404);
    assert_eq!(s.staff.put(&path, json!({"budget_lines": rebased_lines("90000.00")})).await.status, 403);
    assert_eq!(app.count("project_budgets").await, 0);
    // The page: the organisation's form starts from the lines in force; a refusal keeps what
    // was typed; staff see no signing form until it is done.
    let page = format!("/projects/{pid}");
    let html = orga.get(&page).await.text;
    assert!(html.contains("项目优化") && html.contains("name=\"line_amount_0\""), "{html}");
    assert!(!s.staff.get(&page).await.text.contains("<h3>登记协议签订</h3>"));
    let token = orga.csrf(&page).await;
    let form = [
        ("csrf", token.as_str()),
        ("rows", "2"),
        ("line_category_0", "personnel"),
        ("line_item_0", "社工补贴"),
        ("line_amount_0", "27000.00"),
        ("line_category_1", "activity"),
        ("line_item_1", "助餐活动"),
        ("line_amount_1", "60000.00"),
    ];
    let r = orga.post_form(&format!("/projects/{pid}/budget"), &form).await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("与核定金额") && r.text.contains("value=\"60000.00\""), "{}", r.text);
    assert_eq!(app.count("project_budgets").await, 0);
    // Re-budgeted: version 2 in force, version 1 still readable.
    let r =
        orga.put(&path, json!({"budget_lines": rebased_lines("90000.00"), "reason": "按核定金额压缩活动场次"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        (&r.json["version"], &r.json["total"], &r.json["versions"]),
        (&json!(2), &json!("90000.00"), &json!([1, 2]))
    );
    assert_eq!(r.json["rebase_required"], false);
    assert_eq!(s.fin.get(&format!("{path}?version=1")).await.json["total"], "100000.00");
    let r = s.fin.get(&format!("{path}?version=3")).await;
    assert_eq!((r.status, r.code()), (404, "no_such_version"));
    assert_eq!(app.login("orgb").await.get(&path).await.status, 404, "another organisation reads nothing");
    let p = s.fin.get(&format!("/api/v1/projects/{pid}")).await.json;
    let budgeted: Vec<(&str, &str)> = p["budget"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["category"].as_str().unwrap(), b["budgeted"].as_str().unwrap()))
        .collect();
    assert_eq!(
        (p["budget_version"].as_i64(), budgeted),
        (Some(2), vec![("personnel", "27000.00"), ("activity", "63000.00")])
    );
    assert!(app.count("outbox WHERE kind = 'project_rebudgeted'").await >= 1);
    assert_eq!(app.count("audit_log WHERE action = 'project.rebudget'").await, 1);
    // Raced: several re-budgets at once each get their own version or a clean refusal.
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let (c, p) = (orga.clone(), path.clone());
        tasks.push(tokio::spawn(async move { c.put(&p, json!({"budget_lines": rebased_lines("90000.00")})).await }));
    }
    let mut ok = 0;
    for t in tasks {
        let r = t.await.unwrap();
        match r.status {
            200 => ok += 1,
            409 => assert!(matches!(r.code(), "duplicate" | "busy"), "{}", r.text),
            other => panic!("{other}: {}", r.text),
        }
    }
    let versions = s.fin.get(&path).await.json["versions"].as_array().unwrap().len() as i64;
    assert_eq!(versions, 2 + ok, "one version per accepted re-budget");
    // Signed: the budget is locked; changes go through a change request.
    assert_eq!(s.staff.post(&sign(pid), json!({"signed_on": "2026-03-12"})).await.status, 200);
    let r = orga.put(&path, json!({"budget_lines": rebased_lines("90000.00")})).await;
    assert_eq!((r.status, r.code()), (409, "budget_locked"));
}

crate::on_both!(a_cut_project_is_rebudgeted_before_signing);

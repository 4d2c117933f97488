//! 项目变更: requests by kind, decided by staff and, above the call's share, by finance; the
//! total never changes; an approved budget change is a new version, a schedule change moves the
//! final evaluation; everyone emailed at each step.

use crate::helpers::*;
use crate::projects::{finalized, milestone};
use serde_json::{json, Value};

fn line(c: &str, a: &str) -> Value {
    json!({"category": c, "item": "科目", "amount": a})
}

async fn change_requests_by_kind(app: TestApp) {
    let (s, projects) = finalized(&app).await;
    let p = &projects[0];
    let pid = p["id"].as_i64().unwrap();
    let org = app.login(if p["bid_id"] == s.bids[0] { "orga" } else { "orgb" }).await;
    let other = app.login(if p["bid_id"] == s.bids[0] { "orgb" } else { "orga" }).await;
    assert_eq!(
        s.staff.post(&format!("/api/v1/projects/{pid}/signing"), json!({"signed_on": "2026-03-12"})).await.status,
        200
    );
    let path = format!("/api/v1/projects/{pid}/changes");
    // Bad requests: each refused with its field, nothing filed.
    for (body, field, code) in [
        (json!({"kind": "money", "description": "x"}), "kind", "invalid_kind"),
        (json!({"kind": "team", "description": " "}), "description", "required"),
        (json!({"kind": "schedule", "description": "延期"}), "new_end_date", "required"),
        (
            json!({"kind": "schedule", "description": "延期", "new_end_date": "2026-03-01"}),
            "new_end_date",
            "date_in_past",
        ),
        (json!({"kind": "budget", "description": "调整"}), "budget_lines", "required"),
        (
            json!({"kind": "budget", "description": "调整", "budget_lines": [line("personnel", "27000.00"), line("activity", "64000.00")]}),
            "budget_lines",
            "total_changed",
        ),
        (
            json!({"kind": "budget", "description": "调整", "budget_lines": [line("personnel", "40000.00"), line("activity", "50000.00")]}),
            "budget_lines",
            "category_cap_exceeded",
        ),
    ] {
        let r = org.post(&path, body).await;
        assert_eq!((r.status, r.json["error"]["field"].as_str()), (422, Some(field)), "{}", r.text);
        assert_eq!(r.json["error"]["errors"][0]["code"], code, "{}", r.text);
    }
    assert_eq!(other.post(&path, json!({"kind": "team", "description": "换人"})).await.status, 404);
    assert_eq!(s.staff.post(&path, json!({"kind": "team", "description": "换人"})).await.status, 403);
    assert_eq!(app.count("project_changes").await, 0);
    // A team change: staff decide; a refusal needs a reason; decided once.
    let r = org.post(&path, json!({"kind": "team", "description": "项目主管李四因病更换为王五"})).await;
    assert_eq!((r.status, r.json["status"].as_str()), (201, Some("pending")), "{}", r.text);
    let team = r.json["id"].as_i64().unwrap();
    assert!(app.count("outbox WHERE kind = 'change_filed'").await >= 1);
    let w = s.staff.get("/api/v1/worklist").await.json;
    assert!(w["items"].as_array().unwrap().iter().any(|i| i["kind"] == "decide_changes"), "{w}");
    let decide = |id: i64| format!("/api/v1/changes/{id}/decision");
    assert_eq!(s.staff.post(&decide(team), json!({"approved": false})).await.json["error"]["field"], "note");
    assert_eq!(org.post(&decide(team), json!({"approved": true})).await.status, 403);
    assert_eq!(
        s.fin.post(&format!("/api/v1/changes/{team}/finance"), json!({"approved": true})).await.code(),
        "wrong_status"
    );
    let r = s.staff.post(&decide(team), json!({"approved": true, "note": "同意"})).await;
    assert_eq!((r.status, r.json["status"].as_str()), (200, Some("approved")), "{}", r.text);
    assert_eq!(s.staff.post(&decide(team), json!({"approved": true})).await.code(), "wrong_status");
    assert_eq!(app.count("outbox WHERE kind = 'change_decided'").await, 1);
    // A small budget move (9,000 = 10% of 90,000): staff alone; version 2 in force.
    let small = [line("personnel", "18000.00"), line("activity", "72000.00")];
    let r = org
        .post(&path, json!({"kind": "budget", "description": "减少社工补贴，增加活动", "budget_lines": small}))
        .await;
    assert_eq!(
        (r.status, r.json["moved"].as_str(), r.json["needs_finance"].as_bool()),
        (201, Some("9000.00"), Some(false)),
        "{}",
        r.text
    );
    let id = r.json["id"].as_i64().unwrap();
    let r = s.staff.post(&decide(id), json!({"approved": true})).await;
    assert_eq!(
        (r.json["status"].as_str(), r.json["budget_version"].as_i64()),
        (Some("approved"), Some(3)),
        "{}",
        r.text
    );
    let b = s.fin.get(&format!("/api/v1/projects/{pid}/budget")).await.json;
    assert_eq!((&b["version"], &b["total"]), (&json!(3), &json!("90000.00")), "v2 was the re-budget, v3 this change");
    // A large move (18,000 = 20%): staff, then finance.
    let large = [line("personnel", "18000.00"), line("activity", "54000.00"), line("material", "18000.00")];
    let r = org.post(&path, json!({"kind": "budget", "description": "购置助餐设备", "budget_lines": large})).await;
    assert_eq!(
        (r.json["moved"].as_str(), r.json["needs_finance"].as_bool()),
        (Some("18000.00"), Some(true)),
        "{}",
        r.text
    );
    let id = r.json["id"].as_i64().unwrap();
    let r = s.staff.post(&decide(id), json!({"approved": true})).await;
    assert_eq!(r.json["status"], "awaiting_finance");
    assert_eq!(s.fin.get(&format!("/api/v1/projects/{pid}/budget")).await.json["version"], 3, "not in force yet");
    let w = s.fin.get("/api/v1/worklist").await.json;
    assert!(w["items"].as_array().unwrap().iter().any(|i| i["kind"] == "finance_changes"), "{w}");
    let fin_path = format!("/api/v1/changes/{id}/finance");
    assert_eq!(s.staff.post(&fin_path, json!({"approved": true})).await.status, 403);
    let r = s.fin.post(&fin_path, json!({"approved": true, "note": "设备采购须附三家比价"})).await;
    assert_eq!(
        (r.status, r.json["status"].as_str(), r.json["budget_version"].as_i64()),
        (200, Some("approved"), Some(4)),
        "{}",
        r.text
    );
    // A schedule change moves the final evaluation (30 days after the new end).
    let r = org
        .post(&path, json!({"kind": "schedule", "description": "场地装修，顺延两个月", "new_end_date": "2027-02-28"}))
        .await;
    let id = r.json["id"].as_i64().unwrap();
    assert_eq!(s.staff.post(&decide(id), json!({"approved": true})).await.status, 200);
    let v = s.fin.get(&format!("/api/v1/projects/{pid}")).await.json;
    let fin = milestone(&v, "final");
    let due = v["milestones"].as_array().unwrap().iter().find(|m| m["id"] == fin).unwrap()["due_date"].clone();
    assert_eq!(due, "2027-03-30");
    assert_eq!(v["changes"].as_array().map(Vec::len), Some(4), "every request stays readable");
    assert_eq!(app.count("audit_log WHERE action LIKE 'change.%'").await, 4 + 4 + 1);
    // Two staff deciding at once: one decision.
    let r = org.post(&path, json!({"kind": "venue", "description": "活动场地改到村委会"})).await;
    let id = r.json["id"].as_i64().unwrap();
    let mut tasks = Vec::new();
    for i in 0..4 {
        let (c, path) = (s.staff.clone(), decide(id));
        tasks.push(tokio::spawn(async move { c.post(&path, json!({"approved": i % 2 == 0, "note": "意见"})).await }));
    }
    let mut ok = 0;
    for t in tasks {
        let r = t.await.unwrap();
        match r.status {
            200 => ok += 1,
            409 => assert!(matches!(r.code(), "wrong_status" | "busy"), "{}", r.text),
            other => panic!("{other}: {}", r.text),
        }
    }
    assert_eq!(ok, 1);
    assert_eq!(
        app.count(&format!("audit_log WHERE action = 'change.decide' AND detail LIKE '%\"change_id\":{id}%'")).await,
        1
    );
}

/// The project page: the organisation's change form (a refusal keeps what was typed), the
/// staff's decision form, the result on the page.
async fn changes_through_the_pages(app: TestApp) {
    let (s, projects) = finalized(&app).await;
    let p = &projects[0];
    let pid = p["id"].as_i64().unwrap();
    let page = format!("/projects/{pid}");
    let org = app.login(if p["bid_id"] == s.bids[0] { "orga" } else { "orgb" }).await;
    assert!(!org.get(&page).await.text.contains("申请项目变更"), "not before signing");
    assert_eq!(
        s.staff.post(&format!("/api/v1/projects/{pid}/signing"), json!({"signed_on": "2026-03-12"})).await.status,
        200
    );
    let html = org.get(&page).await.text;
    assert!(
        html.contains("申请项目变更") && html.contains("value=\"27000.00\""),
        "the rows start from the budget in force"
    );
    let token = org.csrf(&page).await;
    let form = |kind: &'static str, desc: &'static str, amount: &'static str| {
        vec![
            ("csrf", token.clone()),
            ("kind", kind.to_string()),
            ("description", desc.to_string()),
            ("rows", "2".to_string()),
            ("line_category_0", "personnel".to_string()),
            ("line_item_0", "社工补贴".to_string()),
            ("line_amount_0", amount.to_string()),
            ("line_category_1", "activity".to_string()),
            ("line_item_1", "助餐活动".to_string()),
            ("line_amount_1", "63000.00".to_string()),
        ]
    };
    let post = |f: Vec<(&'static str, String)>| {
        let (c, url) = (org.http.clone(), format!("{}/projects/{pid}/changes", app.base));
        async move { c.post(url).form(&f).send().await.unwrap() }
    };
    let r = post(form("budget", "调整人员费用", "20000.00")).await;
    assert_eq!(r.status().as_u16(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("与核定金额") && html.contains("value=\"20000.00\"") && html.contains("调整人员费用"),
        "{html}"
    );
    let r = post(form("team", "更换项目主管", "27000.00")).await;
    assert_eq!(r.status().as_u16(), 303);
    assert_eq!(
        app.count("project_changes WHERE kind = 'team' AND budget_lines IS NULL").await,
        1,
        "rows ignored for a team change"
    );
    let html = s.staff.get(&page).await.text;
    assert!(html.contains("执行团队变更") && html.contains("/decision"), "{html}");
    let id = s.fin.get(&format!("/api/v1/projects/{pid}/changes")).await.json[0]["id"].as_i64().unwrap();
    let token = s.staff.csrf(&page).await;
    let decide = format!("/changes/{id}/decision");
    let pid_s = pid.to_string();
    let r = s.staff.post_form(&decide, &[("csrf", &token), ("project_id", &pid_s), ("approved", "0")]).await;
    assert_eq!(r.status, 422, "a refusal needs its reason");
    let r = s
        .staff
        .post_form(&decide, &[("csrf", &token), ("project_id", &pid_s), ("approved", "1"), ("note", "同意")])
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert!(org.get(&page).await.text.contains("已同意"));
}

crate::on_both!(change_requests_by_kind, changes_through_the_pages);

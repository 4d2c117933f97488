//! Repeat funding: a call that refuses last year's projects, and one that admits them only as
//! renewals (续期项目) of projects whose final evaluation was at least 良好.

use crate::flow::*;
use crate::helpers::*;
use serde_json::{json, Value};

fn call_2027(prefix: &str, rule: &str) -> Value {
    let mut body = call_body();
    body["year"] = json!(2027);
    body["title"] = json!(format!("鸠江区2027年度公益创投项目（{prefix}）"));
    body["opens_at"] = json!("2027-02-01T00:00:00+08:00");
    body["closes_at"] = json!("2027-03-01T00:00:00+08:00");
    body["project_start"] = json!("2027-04-01");
    body["project_end"] = json!("2027-12-31");
    body["reference_prefix"] = json!(prefix);
    body["repeat_funding"] = json!(rule);
    body
}

fn bid_2027(pool: i64, title: &str, renewal_of: Option<i64>) -> Value {
    let mut b = bid_body(pool, "340207101001", "60000.00");
    b["title"] = json!(title);
    b["start_date"] = json!("2027-04-01");
    b["end_date"] = json!("2027-12-31");
    b["milestones"] = json!([{"title": "中期", "due_date": "2027-08-01", "deliverable": "中期报告"}]);
    if let Some(p) = renewal_of {
        b["renewal_of"] = json!(p);
    }
    b
}

/// Reports and grades the project's final evaluation.
async fn final_grade(app: &TestApp, staff: &Client, project: &Value, org_login: &str, grade: &str) {
    let m = project["milestones"].as_array().unwrap().iter().find(|m| m["kind"] == "final").unwrap()["id"]
        .as_i64()
        .unwrap();
    let org = app.login(org_login).await;
    let r = org.post(&format!("/api/v1/milestones/{m}/report"), json!({"text": "项目已完成，服务 120 人"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = staff
        .post(&format!("/api/v1/milestones/{m}/verify"), json!({"accepted": true, "grade": grade, "note": "结项"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

async fn repeats_are_refused_or_renewed_by_grade(app: TestApp) {
    let (s, projects) = crate::projects::finalized(&app).await;
    let of_bid = |b: i64| projects.iter().find(|p| p["bid_id"] == b).unwrap().clone();
    let (pa, pb1, pb2) = (of_bid(s.bids[0]), of_bid(s.bids[1]), of_bid(s.bids[2]));
    let id = |p: &Value| p["id"].as_i64().unwrap();
    final_grade(&app, &s.staff, &pa, "orga", "良好").await;
    final_grade(&app, &s.staff, &pb1, "orgb", "合格").await;
    let refuse = published_call(&s.staff, call_2027("JA", "refuse")).await;
    let renew = published_call(&s.staff, call_2027("JB", "renewal_only")).await;
    let r = s.staff.get(&format!("/api/v1/calls/{}", renew.id)).await;
    assert_eq!(r.json["repeat_funding"], "renewal_only");
    app.clock.set("2027-02-10T09:00:00+08:00".parse().unwrap());
    let (orga, orgb) = (app.login("orga").await, app.login("orgb").await);
    let create = |c: &Client, call: i64, body: Value| {
        let c = c.clone();
        async move { c.post(&format!("/api/v1/calls/{call}/bids"), body).await }
    };
    let submit = |c: &Client, bid: i64| {
        let c = c.clone();
        async move { c.post(&format!("/api/v1/bids/{bid}/submit"), json!({})).await }
    };

    // The bid form offers last year's projects as renewals, with their final grade.
    let form = orga.get(&format!("/calls/{}/bid", renew.id)).await;
    assert_eq!(form.status, 200);
    assert!(form.text.contains("续期项目") && form.text.contains("结项评估：良好"), "{}", form.text);
    let form = orga.get(&format!("/calls/{}/bid", refuse.id)).await;
    assert!(!form.text.contains("name=\"renewal_of\"") && form.text.contains("不得重复申报"));

    // A call that refuses repeats.
    let r = create(&orga, refuse.id, bid_2027(refuse.shenxiang, "x", Some(id(&pb1)))).await;
    assert_eq!((r.status, r.code()), (422, "not_an_earlier_project"), "another organisation's project");
    let r =
        create(&orga, refuse.id, bid_2027(refuse.shenxiang, "“银龄互助”社区居家养老服务（续）", Some(id(&pa)))).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let declared = r.json["id"].as_i64().unwrap();
    let r = submit(&orga, declared).await;
    assert_eq!((r.status, r.code()), (409, "renewal_not_accepted"), "{}", r.text);
    assert_eq!(app.count(&format!("bids WHERE id = {declared} AND status = 'draft'")).await, 1);
    // The same project undeclared: submitted, and flagged for staff.
    let r = create(&orga, refuse.id, bid_2027(refuse.shenxiang, "2027年“银龄互助”社区居家养老服务项目", None)).await;
    let lookalike = r.json["id"].as_i64().unwrap();
    let r = submit(&orga, lookalike).await;
    assert_eq!((r.status, r.json["repeat_of"].as_i64()), (200, Some(id(&pa))), "{}", r.text);
    let r = create(&orga, refuse.id, bid_2027(refuse.shenxiang, "残疾人就业技能工坊", None)).await;
    let other = r.json["id"].as_i64().unwrap();
    let r = submit(&orga, other).await;
    assert_eq!((r.status, r.json["repeat_of"].is_null()), (200, true), "{}", r.text);

    // A call that admits renewals of projects graded at least 良好.
    let r = create(&orgb, renew.id, bid_2027(renew.shenxiang, "银龄互助续期", Some(id(&pb1)))).await;
    let low = r.json["id"].as_i64().unwrap();
    assert_eq!(submit(&orgb, low).await.code(), "renewal_grade_too_low");
    let r = create(&orgb, renew.id, bid_2027(renew.shenxiang, "银龄互助续期", Some(id(&pb2)))).await;
    let unevaluated = r.json["id"].as_i64().unwrap();
    assert_eq!(submit(&orgb, unevaluated).await.code(), "renewal_not_evaluated");
    let r = create(&orgb, renew.id, bid_2027(renew.shenxiang, "“银龄互助”居家养老服务", None)).await;
    let undeclared = r.json["id"].as_i64().unwrap();
    let r = submit(&orgb, undeclared).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.json["repeat_of"].as_i64().is_some(), "{}", r.text);
    let r = create(&orga, renew.id, bid_2027(renew.shenxiang, "银龄互助（续期）", Some(id(&pa)))).await;
    let renewal = r.json["id"].as_i64().unwrap();
    let r = submit(&orga, renewal).await;
    assert_eq!((r.status, r.json["renewal_of"].as_i64()), (200, Some(id(&pa))), "{}", r.text);

    // Screening: staff confirm a flagged bid before calling it eligible.
    app.clock.set("2027-03-02T09:00:00+08:00".parse().unwrap());
    app.relogin(&[&s.staff]).await;
    let screen = |bid: i64, body: Value| {
        let c = s.staff.clone();
        async move { c.post(&format!("/api/v1/bids/{bid}/screening"), body).await }
    };
    let page = s.staff.get(&format!("/bids/{lookalike}")).await;
    assert!(page.text.contains("名称相似") && page.text.contains("name=\"repeat_confirmed\""), "{}", page.text);
    let r = screen(lookalike, json!({"eligible": true})).await;
    assert_eq!((r.status, r.code()), (422, "repeat_unconfirmed"), "{}", r.text);
    let r = screen(lookalike, json!({"eligible": true, "repeat_confirmed": true})).await;
    assert_eq!((r.status, r.code()), (409, "repeat_funding_refused"));
    assert_eq!(app.count(&format!("bids WHERE id = {lookalike} AND status = 'submitted'")).await, 1, "unchanged");
    let r = screen(lookalike, json!({"eligible": true, "repeat_confirmed": false})).await;
    assert_eq!((r.status, r.json["status"].as_str()), (200, Some("eligible")), "{}", r.text);
    assert_eq!(
        app.count("audit_log WHERE action = 'bid.screen' AND detail LIKE '%\"repeat_confirmed\":false%'").await,
        1
    );
    assert_eq!(screen(other, json!({"eligible": true})).await.status, 200, "an unflagged bid needs nothing");
    // Under the renewal rule a confirmed repeat needs the earlier grade.
    let flagged = s.staff.get(&format!("/api/v1/bids/{undeclared}")).await.json["repeat_of"].as_i64().unwrap();
    let r = screen(undeclared, json!({"eligible": true, "repeat_confirmed": true})).await;
    if flagged == id(&pb1) {
        assert_eq!((r.status, r.code()), (409, "renewal_grade_too_low"));
    } else {
        assert_eq!((r.status, r.code()), (409, "renewal_not_evaluated"));
    }
    let r = screen(undeclared, json!({"eligible": false, "note": "与上一期项目重复，且结项评估未达良好"})).await;
    assert_eq!((r.status, r.json["status"].as_str()), (200, Some("ineligible")));
    assert_eq!(
        screen(renewal, json!({"eligible": true})).await.status,
        200,
        "a declared renewal was checked at submission"
    );
}

crate::on_both!(repeats_are_refused_or_renewed_by_grade);

//! Evaluation on indicators: the call's rubric and grade cut-offs; the grade follows from the
//! total; points outside 0…max, missing indicators and a contradicting grade are refused.

use crate::flow::*;
use crate::helpers::*;
use crate::projects::{finalized, milestone};
use serde_json::json;

async fn a_call_sets_its_rubric_and_cutoffs(app: TestApp) {
    let staff = app.as_role("staff1", "staff").await;
    let plain = published_call(&staff, call_body()).await;
    let v = app.client().get(&format!("/api/v1/calls/{}", plain.id)).await.json;
    assert_eq!(v["evaluation_rubric"].as_array().map(Vec::len), Some(4), "the default rubric is shown");
    assert_eq!(v["grade_cutoffs"], json!({"excellent": 90, "good": 75, "pass": 60}));
    for (tweak, field, code) in [
        (
            json!({"evaluation_rubric": [{"key": "Bad", "name": "", "max_points": 0}]}),
            "evaluation_rubric[0].key",
            "invalid_key",
        ),
        (json!({"grade_cutoffs": {"excellent": 101, "good": 75, "pass": 60}}), "grade_cutoffs", "invalid_cutoffs"),
    ] {
        let mut body = call_body();
        body["reference_prefix"] = json!("EV");
        for (k, x) in tweak.as_object().unwrap() {
            body[k] = x.clone();
        }
        let r = staff.post("/api/v1/calls", body).await;
        assert_eq!((r.status, r.json["error"]["field"].as_str()), (422, Some(field)), "{}", r.text);
        assert_eq!(r.json["error"]["errors"][0]["code"], code);
    }
    let mut body = call_body();
    body["reference_prefix"] = json!("EV");
    body["evaluation_rubric"] = json!([{"key": "service", "name": "服务成效", "max_points": 60}, {"key": "money", "name": "资金使用", "max_points": 40}]);
    body["grade_cutoffs"] = json!({"excellent": 85, "good": 70, "pass": 55});
    let call = published_call(&staff, body).await;
    let v = app.client().get(&format!("/api/v1/calls/{}", call.id)).await.json;
    assert_eq!(
        (v["evaluation_rubric"][1]["name"].as_str(), v["grade_cutoffs"]["pass"].as_i64()),
        (Some("资金使用"), Some(55))
    );
}

async fn evaluations_are_scored_on_indicators(app: TestApp) {
    let (s, projects) = finalized(&app).await;
    let p = &projects[0];
    let pid = p["id"].as_i64().unwrap();
    let org = app.login(if p["bid_id"] == s.bids[0] { "orga" } else { "orgb" }).await;
    assert_eq!(
        s.staff.post(&format!("/api/v1/projects/{pid}/signing"), json!({"signed_on": "2026-03-12"})).await.status,
        200
    );
    let mid = milestone(p, "midterm");
    let verify = format!("/api/v1/milestones/{mid}/verify");
    let scores = |a: &str, b: &str, c: &str, d: &str| json!([{"key": "implementation", "points": a}, {"key": "management", "points": b}, {"key": "finance", "points": c}, {"key": "outcomes", "points": d}]);
    let r = s.staff.post(&verify, json!({"accepted": true, "scores": scores("27", "18", "15", "26")})).await;
    assert_eq!((r.status, r.code()), (409, "not_reported"), "the organisation's report comes first");
    assert_eq!(
        org.post(&format!("/api/v1/milestones/{mid}/report"), json!({"text": "进展", "actuals": []})).await.status,
        200
    );
    // Refused: points out of range, a missing indicator, a grade that contradicts the total.
    let r = s.staff.post(&verify, json!({"accepted": true, "scores": scores("31", "18", "15", "26")})).await;
    assert_eq!(
        (r.status, r.json["error"]["errors"][0]["code"].as_str()),
        (422, Some("points_out_of_range")),
        "{}",
        r.text
    );
    let r =
        s.staff.post(&verify, json!({"accepted": true, "scores": [{"key": "implementation", "points": "27"}]})).await;
    assert_eq!((r.status, r.json["error"]["errors"][0]["code"].as_str()), (422, Some("indicator_missing")));
    let r = s
        .staff
        .post(&verify, json!({"accepted": true, "grade": "优秀", "scores": scores("27", "18", "15", "26")}))
        .await;
    assert_eq!((r.status, r.json["error"]["errors"][0]["code"].as_str()), (422, Some("grade_mismatch")), "{}", r.text);
    assert!(r.json["error"]["message"].as_str().unwrap().contains("86"));
    assert_eq!(app.count("evaluation_scores").await, 0);
    // 27 + 18 + 15 + 25.5 = 85.5 → 良好 (75 ≤ 85.5 < 90), without naming the grade.
    let r = s.staff.post(&verify, json!({"accepted": true, "scores": scores("27", "18", "15", "25.5")})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let m = r.json["milestones"].as_array().unwrap().iter().find(|m| m["id"] == mid).unwrap().clone();
    assert_eq!((m["grade"].as_str(), m["total"].as_str()), (Some("良好"), Some("85.5")));
    assert_eq!(m["scores"].as_array().map(Vec::len), Some(4));
    // Below the pass mark: 不合格, the project suspended as before.
    let fin = milestone(p, "final");
    assert_eq!(
        org.post(&format!("/api/v1/milestones/{fin}/report"), json!({"text": "完成", "actuals": []})).await.status,
        200
    );
    let r = s
        .staff
        .post(
            &format!("/api/v1/milestones/{fin}/verify"),
            json!({"accepted": true, "grade": "不合格", "scores": scores("20", "10", "10", "19.99")}),
        )
        .await;
    assert_eq!((r.status, r.json["status"].as_str()), (200, Some("suspended")), "{}", r.text);
    let audited =
        app.count("audit_log WHERE action = 'milestone.verify' AND detail LIKE '%\"total\":\"59.99\"%'").await;
    assert_eq!(audited, 1);
}

/// The staff's verify form: a field per indicator; a refusal keeps the points typed.
async fn scoring_through_the_page(app: TestApp) {
    let (s, projects) = finalized(&app).await;
    let p = &projects[0];
    let pid = p["id"].as_i64().unwrap();
    let org = app.login(if p["bid_id"] == s.bids[0] { "orga" } else { "orgb" }).await;
    assert_eq!(
        s.staff.post(&format!("/api/v1/projects/{pid}/signing"), json!({"signed_on": "2026-03-12"})).await.status,
        200
    );
    let mid = milestone(p, "midterm");
    assert_eq!(
        org.post(&format!("/api/v1/milestones/{mid}/report"), json!({"text": "进展", "actuals": []})).await.status,
        200
    );
    let page = format!("/projects/{pid}");
    let html = s.staff.get(&page).await.text;
    assert!(html.contains("name=\"pts_outcomes\"") && html.contains("项目成效（满分 30）"), "{html}");
    let token = s.staff.csrf(&page).await;
    let path = format!("/projects/{pid}/milestones/{mid}/verify");
    let mid_s = mid.to_string();
    let mut form = vec![("csrf", token.as_str()), ("milestone_id", mid_s.as_str()), ("accepted", "1")];
    form.extend([
        ("pts_implementation", "27"),
        ("pts_management", "18"),
        ("pts_finance", "15"),
        ("pts_outcomes", "35"),
    ]);
    let r = s.staff.post_form(&path, &form).await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("0–30 分") && r.text.contains("value=\"35\""), "{}", r.text);
    form.pop();
    form.push(("pts_outcomes", "30"));
    let r = s.staff.post_form(&path, &form).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let html = s.staff.get(&page).await.text;
    assert!(html.contains("总分 <strong>90</strong>") && html.contains("优秀"), "{html}");
}

crate::on_both!(a_call_sets_its_rubric_and_cutoffs, evaluations_are_scored_on_indicators, scoring_through_the_page);

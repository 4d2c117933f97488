//! Third-party evaluators (assigned per project, seeing and scoring only those) and the
//! published evaluation results with their objection window.

use crate::flow::*;
use crate::helpers::*;
use crate::projects::{finalized, milestone};
use serde_json::{json, Value};

fn scores(a: &str, b: &str, c: &str, d: &str) -> Value {
    json!([{"key": "implementation", "points": a}, {"key": "management", "points": b},
           {"key": "finance", "points": c}, {"key": "outcomes", "points": d}])
}

fn owner_of(s: &crate::review::Setup, p: &Value) -> &'static str {
    if p["bid_id"] == s.bids[0] {
        "orga"
    } else {
        "orgb"
    }
}

async fn sign_and_report(app: &TestApp, s: &crate::review::Setup, p: &Value, kind: &str) -> i64 {
    let pid = p["id"].as_i64().unwrap();
    if p["signed_on"].is_null() {
        let r = s.staff.post(&format!("/api/v1/projects/{pid}/signing"), json!({"signed_on": "2026-03-12"})).await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    let m = milestone(p, kind);
    let org = app.login(owner_of(s, p)).await;
    let r = org.post(&format!("/api/v1/milestones/{m}/report"), json!({"text": "进展顺利", "actuals": []})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    m
}

async fn an_evaluator_sees_and_scores_only_its_projects(app: TestApp) {
    let (s, projects) = finalized(&app).await;
    // The project in 沈巷镇's pool and another one.
    let p = projects.iter().find(|p| p["bid_id"] == s.bids[0]).unwrap().clone();
    let other = projects.iter().find(|p| p["bid_id"] == s.bids[2]).unwrap().clone();
    let (pid, oid) = (p["id"].as_i64().unwrap(), other["id"].as_i64().unwrap());
    let eval = app.add_user("eval1", "evaluator", None).await;
    app.add_user("eval2", "evaluator", None).await;
    let staff_id = app.add_user("staff9", "staff", None).await;
    let ev = app.login("eval1").await;
    let ev2 = app.login("eval2").await;
    assert_eq!(ev.get(&format!("/api/v1/projects/{pid}")).await.status, 404, "not before it is assigned");
    assert_eq!(ev.get("/api/v1/projects").await.json, json!([]));

    let path = format!("/api/v1/projects/{pid}/evaluators");
    // Refused: not an evaluator account, an unknown user; other roles; another town's staff.
    for (user, why) in [(staff_id, "a staff account"), (999_999, "no such user")] {
        let r = s.staff.post(&path, json!({"user_id": user})).await;
        assert_eq!((r.status, r.json["error"]["field"].as_str()), (422, Some("user_id")), "{why}: {}", r.text);
        assert_eq!(r.json["error"]["errors"][0]["code"], "not_evaluator");
    }
    assert_eq!(s.staff.post(&path, json!({"user_id": "x"})).await.status, 400);
    let org = app.login("orga").await;
    for (c, want) in [(&s.fin, 403), (&org, 403), (&ev, 403)] {
        assert_eq!(c.post(&path, json!({"user_id": eval})).await.status, want);
    }
    app.add_user("erba", "staff", Some(ERBA)).await;
    let erba = app.login("erba").await;
    assert_eq!(erba.post(&path, json!({"user_id": eval})).await.status, 404, "another town's project is invisible");
    assert_eq!(app.count("project_evaluators").await, 0);

    let r = s.staff.post(&path, json!({"user_id": eval})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json[0]["name"], "eval1 测试");
    assert_eq!(s.staff.post(&path, json!({"user_id": eval})).await.code(), "already_assigned");
    assert_eq!(app.count("outbox WHERE kind = 'evaluator_assigned'").await, 1);
    assert_eq!(app.count("audit_log WHERE action = 'project.evaluator_assign'").await, 1);

    // It reads its project, the application behind it and nothing else.
    let v = ev.get(&format!("/api/v1/projects/{pid}")).await;
    assert_eq!((v.status, v.json["evaluators"][0]["user_id"].as_i64()), (200, Some(eval)));
    let mine = ev.get("/api/v1/projects").await.json;
    assert_eq!(mine.as_array().map(Vec::len), Some(1));
    assert_eq!(ev.get(&format!("/api/v1/projects/{oid}")).await.status, 404);
    assert_eq!(ev.get(&format!("/api/v1/bids/{}", s.bids[0])).await.status, 200);
    assert_eq!(ev.get(&format!("/api/v1/bids/{}", s.bids[2])).await.status, 404);
    assert_eq!(ev.get(&format!("/api/v1/organisations/{}", p["organisation_id"])).await.status, 404);
    assert_eq!(ev2.get(&format!("/api/v1/projects/{pid}")).await.status, 404);
    // It can neither sign nor pay.
    let r = ev.post(&format!("/api/v1/projects/{pid}/signing"), json!({"signed_on": "2026-03-12"})).await;
    assert_eq!(r.status, 403);
    let mid = sign_and_report(&app, &s, &p, "midterm").await;
    assert_eq!(app.count("outbox WHERE kind = 'evaluation_reported'").await, 1, "the evaluator hears of the report");
    let r = ev.post(&format!("/api/v1/projects/{pid}/payments"), json!({"milestone_id": milestone(&p, "signing"), "amount": "1.00", "paid_on": "2026-03-12", "reference": "X"})).await;
    assert_eq!(r.status, 403);
    // Only evaluations: the project's own milestone (custom) is staff's.
    let custom = milestone(&p, "custom");
    let r = ev.post(&format!("/api/v1/milestones/{custom}/verify"), json!({"accepted": true})).await;
    assert_eq!(r.status, 403);
    let w = ev.get("/api/v1/worklist").await.json;
    assert_eq!((w["items"][0]["kind"].as_str(), w["items"][0]["count"].as_i64()), (Some("evaluate"), Some(1)), "{w}");
    // Another evaluator, and the evaluator on another project's milestone: 404.
    let verify = format!("/api/v1/milestones/{mid}/verify");
    assert_eq!(
        ev2.post(&verify, json!({"accepted": true, "scores": scores("27", "18", "15", "25.5")})).await.status,
        404
    );
    // Site-visit notes go with the scores, not alone.
    let r = ev.post(&verify, json!({"accepted": true, "grade": "良好", "site_visit": "走访"})).await;
    assert_eq!((r.status, r.json["error"]["field"].as_str()), (422, Some("site_visit")), "{}", r.text);
    let visit = "2026-07-02 走访沈巷社区助餐点，访谈老人 6 名，核对签到表。";
    let r = ev
        .post(&verify, json!({"accepted": true, "scores": scores("27", "18", "15", "25.5"), "site_visit": visit}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let m = r.json["milestones"].as_array().unwrap().iter().find(|m| m["id"] == mid).unwrap().clone();
    assert_eq!((m["grade"].as_str(), m["total"].as_str()), (Some("良好"), Some("85.5")));
    assert_eq!(m["site_visit"].as_str(), Some(visit));
    assert_eq!(ev.get("/api/v1/worklist").await.json["total"], 0);
    let by = app.count(&format!("audit_log WHERE action = 'milestone.verify' AND actor_id = {eval}")).await;
    assert_eq!(by, 1, "the evaluator's verification is audited as its own");

    // Withdrawn: it no longer sees the project; its evaluation stays.
    let r = s.staff.delete(&format!("{path}/{eval}")).await;
    assert_eq!((r.status, r.json.clone()), (200, json!([])), "{}", r.text);
    assert_eq!(s.staff.delete(&format!("{path}/{eval}")).await.status, 404);
    assert_eq!(ev.get(&format!("/api/v1/projects/{pid}")).await.status, 404);
    assert_eq!(app.count("evaluation_scores").await, 1);
}

async fn evaluation_results_are_published_with_an_objection_window(app: TestApp) {
    let (s, projects) = finalized(&app).await;
    let call = s.call.id;
    let path = format!("/api/v1/calls/{call}/evaluation-notices");
    let r = s.staff.post(&path, json!({"kind": "midterm"})).await;
    assert_eq!(r.code(), "nothing_to_publish", "nothing verified yet");
    let (a, b, c) = (&projects[0], &projects[1], &projects[2]);
    let ma = sign_and_report(&app, &s, a, "midterm").await;
    let mb = sign_and_report(&app, &s, b, "midterm").await;
    let r = s
        .staff
        .post(
            &format!("/api/v1/milestones/{ma}/verify"),
            json!({"accepted": true, "scores": scores("27", "18", "15", "25.5")}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = s.staff.post(&format!("/api/v1/milestones/{mb}/verify"), json!({"accepted": true, "grade": "合格"})).await;
    assert_eq!(r.status, 200, "{}", r.text);

    // Refused: a bad kind, other roles, another town's staff, nothing of that kind.
    let r = s.staff.post(&path, json!({"kind": "signing"})).await;
    assert_eq!((r.status, r.json["error"]["field"].as_str()), (422, Some("kind")));
    let org = app.login("orga").await;
    for c in [&s.fin, &org] {
        assert_eq!(c.post(&path, json!({"kind": "midterm"})).await.status, 403);
    }
    app.add_user("erba", "staff", Some(ERBA)).await;
    assert_eq!(app.login("erba").await.post(&path, json!({"kind": "midterm"})).await.code(), "other_fund");
    assert_eq!(s.staff.post(&path, json!({"kind": "final"})).await.code(), "nothing_to_publish");
    assert_eq!(s.staff.post("/api/v1/calls/999999/evaluation-notices", json!({"kind": "midterm"})).await.status, 404);
    assert_eq!(app.count("evaluation_notices").await, 0);
    let mails = app.count("outbox WHERE kind = 'evaluation_published'").await;
    assert_eq!(mails, 0);

    let r = s.staff.post(&path, json!({"kind": "midterm"})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let n = r.json.clone();
    assert_eq!((n["seq"].as_i64(), n["open"].as_bool()), (Some(1), Some(true)));
    assert_eq!(n["entries"].as_array().map(Vec::len), Some(2));
    assert!(n["entries"].as_array().unwrap().iter().any(|e| e["total"] == "85.5" && e["grade"] == "良好"));
    assert!(n["entries"].as_array().unwrap().iter().any(|e| e["total"].is_null() && e["grade"] == "合格"));
    // Seven working days from 2026-03-12 (a Thursday): the window ends on 2026-03-23.
    assert_eq!((n["starts_on"].as_str(), n["ends_on"].as_str()), (Some("2026-03-13"), Some("2026-03-23")));
    assert_eq!(app.count("outbox WHERE kind = 'evaluation_published'").await, 2);
    assert_eq!(app.count("audit_log WHERE action = 'evaluation_notice.publish'").await, 1);
    // The PDF, public, with its hash verifiable.
    let pdf = app.client().http.get(format!("{}{}", app.base, n["notice_url"].as_str().unwrap())).send().await.unwrap();
    assert_eq!(pdf.status(), 200);
    let bytes = pdf.bytes().await.unwrap().to_vec();
    use sha2::Digest;
    let hash = hex::encode(sha2::Sha256::digest(&bytes));
    assert_eq!(n["pdf_sha256"].as_str(), Some(hash.as_str()));
    let v = app.client().get(&format!("/api/v1/documents/verify?sha256={hash}")).await;
    assert_eq!((v.status, v.json["kind"].as_str()), (200, Some("evaluation_notice")));
    if let Some(text) = pdf_text(&bytes) {
        for want in ["中期评估结果公示", "85.5", "良好", "合格", "2026-03-23", a["agreement_no"].as_str().unwrap()]
        {
            assert!(text.contains(want), "{want} missing in {text}");
        }
    }
    // Nothing new: refused; a grade added: the next notice lists all three.
    assert_eq!(s.staff.post(&path, json!({"kind": "midterm"})).await.code(), "nothing_to_publish");
    let mc = sign_and_report(&app, &s, c, "midterm").await;
    let r = s.staff.post(&format!("/api/v1/milestones/{mc}/verify"), json!({"accepted": true, "grade": "优秀"})).await;
    assert_eq!(r.status, 200);
    // Raced: one notice, the others refused.
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let (c, p) = (s.staff.clone(), path.clone());
        tasks.push(tokio::spawn(async move { c.post(&p, json!({"kind": "midterm"})).await }));
    }
    let mut tries = Vec::new();
    for t in tasks {
        tries.push(t.await.unwrap());
    }
    let ok: Vec<&Res> = tries.iter().filter(|r| r.status == 201).collect();
    assert_eq!(ok.len(), 1, "{:?}", tries.iter().map(|r| r.text.clone()).collect::<Vec<_>>());
    assert!(tries.iter().all(|r| r.status == 201 || r.status == 409));
    assert_eq!((ok[0].json["seq"].as_i64(), ok[0].json["entries"].as_array().map(Vec::len)), (Some(2), Some(3)));
    assert!(ok[0].json["title"].as_str().unwrap().contains("第2次"));
    let list = app.client().get(&path).await;
    assert_eq!(list.json.as_array().map(Vec::len), Some(2), "public");
    assert_eq!(app.client().get("/api/v1/calls/999999/evaluation-notices").await.status, 404);
    // After the window: closed.
    app.clock.set("2026-03-24T09:00:00+08:00".parse().unwrap());
    let one = app.client().get(&format!("/api/v1/evaluation-notices/{}", n["id"])).await;
    assert_eq!(one.json["open"], false);
}

/// The staff's project page assigns an evaluator; the evaluator's page shows the scoring form.
async fn evaluators_through_the_pages(app: TestApp) {
    let (s, projects) = finalized(&app).await;
    let p = projects.iter().find(|p| p["bid_id"] == s.bids[0]).unwrap().clone();
    let pid = p["id"].as_i64().unwrap();
    let eval = app.add_user("eval1", "evaluator", None).await;
    let page = format!("/projects/{pid}");
    let html = s.staff.get(&page).await.text;
    assert!(html.contains("第三方评估") && html.contains("eval1 测试"), "the form offers the evaluator");
    let token = s.staff.csrf(&page).await;
    let eval_s = eval.to_string();
    let r = s
        .staff
        .post_form(&format!("/projects/{pid}/evaluators"), &[("csrf", token.as_str()), ("user_id", eval_s.as_str())])
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(app.count("project_evaluators").await, 1);
    let mid = sign_and_report(&app, &s, &p, "midterm").await;
    let ev = app.login("eval1").await;
    let html = ev.get(&page).await.text;
    assert!(html.contains("pts_implementation"), "the evaluator scores on the page");
    assert!(!html.contains("/signing") && !html.contains("/payments"), "no signing or payment forms");
    let list = ev.get("/projects").await;
    assert!(list.text.contains(p["agreement_no"].as_str().unwrap()), "{}", list.text);
    let token = ev.csrf(&page).await;
    let mid_s = mid.to_string();
    let form = [
        ("csrf", token.as_str()),
        ("milestone_id", mid_s.as_str()),
        ("accepted", "1"),
        ("pts_implementation", "28"),
        ("pts_management", "19"),
        ("pts_finance", "18"),
        ("pts_outcomes", "27"),
        ("site_visit", "实地走访助餐点"),
    ];
    let r = ev.post_form(&format!("/projects/{pid}/milestones/{mid}/verify"), &form).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let html = ev.get(&page).await.text;
    assert!(html.contains("总分 <strong>92</strong>") && html.contains("优秀"), "{html}");
    assert!(html.contains("实地走访：实地走访助餐点"));
    // Withdrawn through the page.
    let token = s.staff.csrf(&page).await;
    let r = s.staff.post_form(&format!("/projects/{pid}/evaluators/{eval}/remove"), &[("csrf", token.as_str())]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(ev.get(&page).await.status, 404);
}

crate::on_both!(
    an_evaluator_sees_and_scores_only_its_projects,
    evaluation_results_are_published_with_an_objection_window,
    evaluators_through_the_pages
);

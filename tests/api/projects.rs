//! Funded projects: signing, milestone reports and verification, payments within their ceilings.

use crate::helpers::*;
use crate::review::{score_all, setup, Setup};
use serde_json::{json, Value};

/// A finalised call: three projects of 90,000.00 each (tranches 45,000 / 27,000 / 18,000).
async fn finalized(app: &TestApp) -> (Setup, Vec<Value>) {
    let s = setup(app).await;
    s.staff.post(&format!("/api/v1/calls/{}/assignments", s.call.id), json!({"reviewers_per_bid": 3})).await;
    score_all(&s, |_| "80").await;
    assert_eq!(s.staff.post(&format!("/api/v1/calls/{}/decide", s.call.id), json!({})).await.status, 200);
    app.clock.set("2026-03-12T09:00:00+08:00".parse().unwrap());
    app.relogin(&[&s.staff, &s.fin]).await;
    let r = s.staff.post(&format!("/api/v1/calls/{}/finalize", s.call.id), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let list = s.fin.get("/api/v1/projects").await;
    (s, list.json.as_array().unwrap().clone())
}

fn milestone(p: &Value, kind: &str) -> i64 {
    p["milestones"].as_array().unwrap().iter().find(|m| m["kind"] == kind).unwrap()["id"].as_i64().unwrap()
}

async fn signing_reports_and_payments(app: TestApp) {
    let (s, projects) = finalized(&app).await;
    assert_eq!(projects.len(), 3);
    let p = &projects[0];
    let pid = p["id"].as_i64().unwrap();
    assert_eq!(p["tranches"][0]["status"], "locked");
    let kinds: Vec<&str> = p["milestones"].as_array().unwrap().iter().map(|m| m["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, vec!["signing", "midterm", "final", "custom"], "the plan plus the bid's own milestone");
    let org = app.login(if p["organisation_id"] == projects[1]["organisation_id"] { "orgb" } else { "orga" }).await;
    let mine = org.get("/api/v1/projects").await;
    assert!(mine.json.as_array().unwrap().iter().any(|x| x["id"] == pid));
    assert_eq!(app.login("rev1").await.get(&format!("/api/v1/projects/{pid}")).await.status, 404);
    // Payment before signing: locked.
    let pay = |m: i64, amount: &str| json!({"milestone_id": m, "amount": amount, "paid_on": "2026-03-20", "reference": "国库支付 2026-001"});
    let signing = milestone(p, "signing");
    let r = s.fin.post(&format!("/api/v1/projects/{pid}/payments"), pay(signing, "45000.00")).await;
    assert_eq!((r.status, r.code()), (409, "tranche_not_payable"));
    let r = s.staff.post(&format!("/api/v1/projects/{pid}/signing"), json!({"signed_on": "2026-03-12"})).await;
    assert_eq!((r.status, r.json["tranches"][0]["status"].as_str()), (200, Some("payable")), "{}", r.text);
    assert_eq!(
        s.staff.post(&format!("/api/v1/projects/{pid}/signing"), json!({"signed_on": "2026-03-12"})).await.status,
        409
    );
    assert_eq!(
        s.staff.post(&format!("/api/v1/projects/{pid}/payments"), pay(signing, "1.00")).await.status,
        403,
        "finance pays"
    );
    let r = s.fin.post(&format!("/api/v1/projects/{pid}/payments"), pay(signing, "45000.01")).await;
    assert_eq!((r.status, r.code()), (409, "exceeds_tranche"));
    let r = s.fin.post(&format!("/api/v1/projects/{pid}/payments"), pay(signing, "45000.00")).await;
    assert_eq!(
        (r.status, r.json["paid_amount"].as_str(), r.json["tranches"][0]["status"].as_str()),
        (200, Some("45000.00"), Some("paid"))
    );
    assert_eq!(
        s.fin.post(&format!("/api/v1/projects/{pid}/payments"), pay(signing, "0.01")).await.code(),
        "exceeds_tranche"
    );
    let r = s
        .fin
        .post(
            &format!("/api/v1/projects/{pid}/payments"),
            json!({"milestone_id": signing, "amount": "1.001", "paid_on": "x", "reference": ""}),
        )
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(app.count("outbox WHERE kind = 'payment_made'").await, 1);
    // Mid-term: report, verify with a grade, then its tranche is payable.
    let mid = milestone(p, "midterm");
    assert_eq!(
        s.fin.post(&format!("/api/v1/projects/{pid}/payments"), pay(mid, "27000.00")).await.code(),
        "tranche_not_payable"
    );
    let r = org
        .post(
            &format!("/api/v1/milestones/{mid}/report"),
            json!({"text": "已开展活动 24 场", "actuals": [{"category": "bribes", "amount": "1"}]}),
        )
        .await;
    assert_eq!(r.status, 422);
    let r = org
        .post(
            &format!("/api/v1/milestones/{mid}/report"),
            json!({"text": "已开展活动 24 场", "actuals": [{"category": "activity", "amount": "30000.00"}]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = s.staff.post(&format!("/api/v1/milestones/{mid}/verify"), json!({"accepted": true})).await;
    assert_eq!((r.status, r.json["error"]["field"].as_str()), (422, Some("grade")));
    let r = s
        .staff
        .post(
            &format!("/api/v1/milestones/{mid}/verify"),
            json!({"accepted": true, "grade": "良好", "note": "进展良好"}),
        )
        .await;
    assert_eq!((r.status, r.json["tranches"][1]["status"].as_str()), (200, Some("payable")), "{}", r.text);
    let r = s.fin.post(&format!("/api/v1/projects/{pid}/payments"), pay(mid, "27000.00")).await;
    assert_eq!((r.status, r.json["paid_amount"].as_str()), (200, Some("72000.00")));
    // Another project's milestone is refused.
    let other = milestone(&projects[1], "signing");
    let r = s.fin.post(&format!("/api/v1/projects/{pid}/payments"), pay(other, "1.00")).await;
    assert_eq!((r.status, r.json["error"]["field"].as_str()), (422, Some("milestone_id")));
}

async fn a_failed_evaluation_suspends_payments(app: TestApp) {
    let (s, projects) = finalized(&app).await;
    let p = &projects[0];
    let pid = p["id"].as_i64().unwrap();
    let org = app.login(if p["organisation_id"] == projects[1]["organisation_id"] { "orgb" } else { "orga" }).await;
    let mid = milestone(p, "midterm");
    org.post(&format!("/api/v1/milestones/{mid}/report"), json!({"text": "进展缓慢"})).await;
    let r = s.staff.post(&format!("/api/v1/milestones/{mid}/verify"), json!({"accepted": false})).await;
    assert_eq!((r.status, r.json["error"]["field"].as_str()), (422, Some("note")), "sending back needs a reason");
    let r = s
        .staff
        .post(
            &format!("/api/v1/milestones/{mid}/verify"),
            json!({"accepted": true, "grade": "不合格", "note": "未按计划开展"}),
        )
        .await;
    assert_eq!((r.status, r.json["status"].as_str()), (200, Some("suspended")));
    s.staff.post(&format!("/api/v1/projects/{pid}/signing"), json!({"signed_on": "2026-03-12"})).await;
    let r = s
        .fin
        .post(&format!("/api/v1/projects/{pid}/payments"), json!({"milestone_id": milestone(p, "signing"), "amount": "100.00", "paid_on": "2026-03-20", "reference": "x"}))
        .await;
    assert_eq!((r.status, r.code()), (409, "project_suspended"));
}

/// Twenty simultaneous payments of 5,000.00 against a 45,000.00 tranche: exactly nine succeed.
async fn concurrent_payments_never_overpay(app: TestApp) {
    let (s, projects) = finalized(&app).await;
    let pid = projects[0]["id"].as_i64().unwrap();
    s.staff.post(&format!("/api/v1/projects/{pid}/signing"), json!({"signed_on": "2026-03-12"})).await;
    let signing = milestone(&projects[0], "signing");
    let mut tasks = Vec::new();
    for i in 0..20 {
        let c = app.login("fin1").await;
        let body = json!({"milestone_id": signing, "amount": "5000.00", "paid_on": "2026-03-20", "reference": format!("P{i}")});
        tasks.push(tokio::spawn(async move { c.post(&format!("/api/v1/projects/{pid}/payments"), body).await }));
    }
    let mut ok = 0;
    for t in tasks {
        let r = t.await.unwrap();
        match r.status {
            200 => ok += 1,
            409 => assert_eq!(r.code(), "exceeds_tranche"),
            other => panic!("unexpected {other}: {}", r.text),
        }
    }
    assert_eq!(ok, 9);
    let p = s.fin.get(&format!("/api/v1/projects/{pid}")).await;
    assert_eq!(
        (p.json["paid_amount"].as_str(), p.json["tranches"][0]["paid"].as_str()),
        (Some("45000.00"), Some("45000.00"))
    );
    assert_eq!(app.count(&format!("payments WHERE project_id = {pid}")).await, 9);
}

/// The overdue job tells the organisation and the district staff once per late milestone.
async fn overdue_milestones_are_flagged_once(app: TestApp) {
    let (s, projects) = finalized(&app).await;
    let pid = projects[0]["id"].as_i64().unwrap();
    let run = || {
        let st = app.state.clone();
        let ctx = app.system_ctx();
        async move { st.db(move |c| gongyi::service::projects::notify_overdue(c, &ctx)).await.unwrap() }
    };
    assert_eq!(run().await, 0, "nothing is due yet");
    app.clock.set("2026-09-01T09:00:00+08:00".parse().unwrap());
    app.relogin(&[&s.fin]).await;
    // Each project's mid-term evaluation and its own 2026-08-01 milestone are late.
    assert_eq!(run().await, 6);
    assert_eq!(run().await, 0, "told once");
    assert_eq!(app.count("outbox WHERE kind = 'milestone_overdue'").await, 12, "organisation and district staff");
    let p = s.fin.get(&format!("/api/v1/projects/{pid}")).await;
    let statuses: Vec<&str> =
        p.json["milestones"].as_array().unwrap().iter().map(|m| m["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, vec!["pending", "overdue", "pending", "overdue"], "signing is staff's, final is not due yet");
}

crate::on_both!(
    overdue_milestones_are_flagged_once,
    signing_reports_and_payments,
    a_failed_evaluation_suspends_payments,
    concurrent_payments_never_overpay
);

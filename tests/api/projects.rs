//! Funded projects: signing, milestone reports and verification, payments within their ceilings.

use crate::helpers::*;
use crate::review::{score_all, setup, Setup};
use serde_json::{json, Value};

/// A finalised call: three projects of 90,000.00 each (tranches 45,000 / 27,000 / 18,000).
pub(crate) async fn finalized(app: &TestApp) -> (Setup, Vec<Value>) {
    let s = setup(app).await;
    s.staff.post(&format!("/api/v1/calls/{}/assignments", s.call.id), json!({"reviewers_per_bid": 3})).await;
    score_all(&s, |_| "80").await;
    assert_eq!(s.staff.post(&format!("/api/v1/calls/{}/decide", s.call.id), json!({})).await.status, 200);
    app.clock.set("2026-03-12T09:00:00+08:00".parse().unwrap());
    app.relogin(&[&s.staff, &s.fin]).await;
    let r = s.staff.post(&format!("/api/v1/calls/{}/finalize", s.call.id), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    rebase_all(app, &s).await;
    let list = s.fin.get("/api/v1/projects").await;
    (s, list.json.as_array().unwrap().clone())
}

/// 项目优化 for every project whose amount was cut: 27,000 personnel, 63,000 activity (90,000).
pub(crate) async fn rebase_all(app: &TestApp, s: &Setup) {
    for p in s.fin.get("/api/v1/projects").await.json.as_array().unwrap() {
        if p["rebase_required"] != true {
            continue;
        }
        let org = app.login(if p["bid_id"] == s.bids[0] { "orga" } else { "orgb" }).await;
        let lines = rebased_lines(p["approved_amount"].as_str().unwrap());
        let r = org.put(&format!("/api/v1/projects/{}/budget", p["id"]), json!({"budget_lines": lines})).await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
}

/// Lines for `approved`: 30% personnel, the rest activity.
pub(crate) fn rebased_lines(approved: &str) -> Value {
    let fen: i64 = approved.replace('.', "").parse().unwrap();
    let personnel = fen * 3 / 10;
    let yuan = |f: i64| format!("{}.{:02}", f / 100, f % 100);
    json!([{"category": "personnel", "item": "社工补贴", "amount": yuan(personnel)},
           {"category": "activity", "item": "助餐活动", "amount": yuan(fen - personnel)}])
}

pub(crate) fn milestone(p: &Value, kind: &str) -> i64 {
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
    let pay = |m: i64, amount: &str| json!({"milestone_id": m, "amount": amount, "paid_on": "2026-03-12", "reference": "国库支付 2026-001"});
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
    // A payment is dated between the signing and today (the clock is at 2026-03-12).
    for (on, code) in [("2026-03-13", "paid_on_future"), ("2026-03-11", "paid_on_before_signing")] {
        let body =
            json!({"milestone_id": signing, "amount": "45,000.00", "paid_on": on, "reference": "国库支付 2026-001"});
        let r = s.fin.post(&format!("/api/v1/projects/{pid}/payments"), body).await;
        assert_eq!((r.status, r.json["error"]["errors"][0]["code"].as_str()), (422, Some(code)), "{}", r.text);
    }
    assert_eq!(app.count("payments").await, 0, "refused payments recorded nothing");
    let r = s.fin.post(&format!("/api/v1/projects/{pid}/payments"), pay(signing, "45,000.00")).await;
    assert_eq!(
        (r.status, r.json["paid_amount"].as_str(), r.json["tranches"][0]["status"].as_str()),
        (200, Some("45000.00"), Some("paid"))
    );
    // The project lists the payment with its date and voucher, and each tranche's remainder.
    let pm = &r.json["payments"][0];
    assert_eq!(
        (pm["amount"].as_str(), pm["paid_on"].as_str(), pm["reference"].as_str(), pm["tranche_seq"].as_i64()),
        (Some("45000.00"), Some("2026-03-12"), Some("国库支付 2026-001"), Some(1))
    );
    assert_eq!(
        (r.json["tranches"][0]["remaining"].as_str(), r.json["tranches"][1]["remaining"].as_str()),
        (Some("0.00"), Some("27000.00"))
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
    let activity = r.json["budget"].as_array().unwrap().iter().find(|b| b["category"] == "activity").unwrap().clone();
    assert_eq!(activity["spent"], "30000.00", "spending so far against the bid's budget");
    let amount = |k: &str| activity[k].as_str().unwrap().parse::<rust_decimal::Decimal>().unwrap();
    let over = amount("spent") > amount("budgeted");
    assert_eq!(activity["overspent"].as_bool(), Some(over));
    assert!(r.json["next_step"].as_str().unwrap().contains("等待核验"));
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
        .post(&format!("/api/v1/projects/{pid}/payments"), json!({"milestone_id": milestone(p, "signing"), "amount": "100.00", "paid_on": "2026-03-12", "reference": "x"}))
        .await;
    assert_eq!((r.status, r.code()), (409, "project_suspended"));
    // Staff decide: rectification with a new due date (not by finance, not in the past, with a note).
    let path = format!("/api/v1/projects/{pid}/rectify");
    assert_eq!(s.fin.post(&path, json!({"due_date": "2026-10-30", "note": "补充活动"})).await.status, 403);
    let r = s.staff.post(&path, json!({"due_date": "2026-01-01", "note": ""})).await;
    assert_eq!(r.status, 422);
    let got = crate::flow::codes(&r);
    assert!(got.contains(&"date_not_future".to_string()) && got.contains(&"required".to_string()), "{got:?}");
    let r = s.staff.post(&path, json!({"due_date": "2026-10-30", "note": "补开展社区活动 10 场"})).await;
    assert_eq!((r.status, r.json["status"].as_str()), (200, Some("active")), "{}", r.text);
    let m = r.json["milestones"].as_array().unwrap().iter().find(|m| m["id"] == mid).unwrap().clone();
    assert_eq!(
        (m["status"].as_str(), m["due_date"].as_str(), m["grade"].is_null()),
        (Some("pending"), Some("2026-10-30"), true)
    );
    assert_eq!(r.json["tranches"][1]["status"], "locked", "its tranche waits for the new report");
    assert_eq!(s.staff.post(&path, json!({"due_date": "2026-10-30", "note": "再次"})).await.code(), "not_suspended");
    assert_eq!(app.count("outbox WHERE kind = 'project_rectify'").await, 1);
    org.post(&format!("/api/v1/milestones/{mid}/report"), json!({"text": "已整改"})).await;
    let r = s.staff.post(&format!("/api/v1/milestones/{mid}/verify"), json!({"accepted": true, "grade": "合格"})).await;
    assert_eq!(r.json["tranches"][1]["status"], "payable", "{}", r.text);
}

/// Termination after a failed evaluation: the unpaid rest returns to the pool, payments stop.
async fn termination_returns_the_rest_to_the_pool(app: TestApp) {
    let (s, projects) = finalized(&app).await;
    let p = &projects[0];
    let pid = p["id"].as_i64().unwrap();
    let pool_id = s.fin.get(&format!("/api/v1/bids/{}", p["bid_id"])).await.json["pool_id"].as_i64().unwrap();
    let reserved = |app: &TestApp| {
        let app_state = app.state.clone();
        async move { app_state.db(move |c| Ok(gongyi::db::calls::find_pool(c, pool_id)?.unwrap().reserved)).await.unwrap() }
    };
    let before = reserved(&app).await;
    s.staff.post(&format!("/api/v1/projects/{pid}/signing"), json!({"signed_on": "2026-03-12"})).await;
    let signing = milestone(p, "signing");
    let pay = json!({"milestone_id": signing, "amount": "45000.00", "paid_on": "2026-03-12", "reference": "P1"});
    assert_eq!(s.fin.post(&format!("/api/v1/projects/{pid}/payments"), pay).await.status, 200);
    let path = format!("/api/v1/projects/{pid}/terminate");
    app.add_user("town1", "staff", Some("340207101000")).await;
    let town = app.login("town1").await;
    assert_eq!(town.post(&path, json!({"note": "x"})).await.code(), "other_fund", "the call is the district's");
    // The pool's fund shows the same money as the pool: reserved, and the payment as paid.
    let region = s.staff.get(&format!("/api/v1/calls/{}", s.call.id)).await.json["pools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == pool_id)
        .unwrap()["region_code"]
        .clone();
    let fund = |c: crate::helpers::Client| {
        let region = region.clone();
        async move {
            let all = c.get("/api/v1/funds?year=2026").await.json;
            all.as_array().unwrap().iter().find(|f| f["region_code"] == region).unwrap().clone()
        }
    };
    let f = fund(s.fin.clone()).await;
    assert_eq!(
        (f["paid"].as_str(), f["reserved"].as_str()),
        (Some("45000.00"), Some(format!("{}.00", before / 100).as_str()))
    );
    assert_eq!(s.staff.post(&path, json!({"note": ""})).await.json["error"]["field"], "note");
    let r = s.staff.post(&path, json!({"note": "中期评估不合格且无法整改"})).await;
    assert_eq!(
        (r.status, r.json["status"].as_str(), r.json["clawback_amount"].as_str()),
        (200, Some("terminated"), Some("0.00")),
        "{}",
        r.text
    );
    assert_eq!(r.json["tranches"][1]["status"], "cancelled");
    assert_eq!(reserved(&app).await, before - 4_500_000, "the unpaid 45,000.00 returns to the pool");
    let f = fund(s.fin.clone()).await;
    let now = format!("{}.00", (before - 4_500_000) / 100);
    assert_eq!((f["paid"].as_str(), f["reserved"].as_str()), (Some("45000.00"), Some(now.as_str())), "and to its fund");
    let mid = milestone(p, "midterm");
    let pay = json!({"milestone_id": mid, "amount": "1.00", "paid_on": "2026-03-12", "reference": "P2"});
    assert_eq!(s.fin.post(&format!("/api/v1/projects/{pid}/payments"), pay).await.code(), "project_terminated");
    assert_eq!(s.staff.post(&path, json!({"note": "再次"})).await.code(), "already_terminated");
    assert_eq!(app.count("outbox WHERE kind = 'project_terminated'").await, 1);
    let list = s.staff.get("/api/v1/projects?status=terminated").await;
    assert_eq!(list.json.as_array().unwrap().len(), 1);
    assert_eq!(s.staff.get("/api/v1/projects?status=active").await.json.as_array().unwrap().len(), 2);
}

/// Reminders 5 working days before a due date, once; an evaluation still unreported after the
/// grace period counts as failed and suspends the project.
async fn reminders_and_lapsed_evaluations(app: TestApp) {
    let (s, projects) = finalized(&app).await;
    let p = &projects[0];
    let pid = p["id"].as_i64().unwrap();
    let mid = milestone(p, "midterm");
    let due = p["milestones"].as_array().unwrap().iter().find(|m| m["id"] == mid).unwrap()["due_date"]
        .as_str()
        .unwrap()
        .to_string();
    let due = chrono::NaiveDate::parse_from_str(&due, "%Y-%m-%d").unwrap();
    let at = |d: chrono::NaiveDate| format!("{d}T09:00:00+08:00").parse().unwrap();
    let st = app.state.clone();
    let jobs = |grace: u32| {
        let st = st.clone();
        let ctx = app.system_ctx();
        async move {
            st.db(move |c| {
                use gongyi::service::projects::*;
                Ok((remind_due(c, &ctx)?, lapse_evaluations(c, &ctx, grace)?))
            })
            .await
            .unwrap()
        }
    };
    let reminded_q = format!("project_milestones WHERE id = {mid} AND reminded_at IS NOT NULL");

    app.clock.set(at(due - chrono::Duration::days(20)));
    jobs(10).await;
    assert_eq!(app.count(&reminded_q).await, 0, "not three weeks before");
    app.clock.set(at(due - chrono::Duration::days(2)));
    jobs(10).await;
    assert_eq!(app.count(&reminded_q).await, 1);
    let sent = app.count("outbox WHERE kind = 'milestone_due_soon'").await;
    assert!(sent >= 3, "each project's mid-term: {sent}");
    jobs(10).await;
    assert_eq!(app.count("outbox WHERE kind = 'milestone_due_soon'").await, sent, "once");
    // Late but within the grace period: overdue, not failed.
    app.clock.set(at(due + chrono::Duration::days(3)));
    assert_eq!(jobs(10).await.1, 0);
    // Past 10 working days: failed, suspended, everyone told.
    app.clock.set(at(due + chrono::Duration::days(20)));
    app.relogin(&[&s.staff]).await;
    assert_eq!(jobs(10).await.1, 3, "every project's mid-term lapsed");
    assert_eq!(jobs(10).await.1, 0, "once");
    let v = s.staff.get(&format!("/api/v1/projects/{pid}")).await;
    let m = v.json["milestones"].as_array().unwrap().iter().find(|m| m["id"] == mid).unwrap().clone();
    assert_eq!((v.json["status"].as_str(), m["grade"].as_str()), (Some("suspended"), Some("不合格")));
    assert!(app.count("outbox WHERE kind = 'evaluation_lapsed'").await >= 6, "organisations and district staff");
    assert_eq!(app.count("audit_log WHERE action = 'milestone.lapse'").await, 3);
}

/// Twenty simultaneous payments of 5,000.00 against a 45,000.00 tranche: exactly nine succeed.
async fn concurrent_payments_never_overpay(app: TestApp) {
    let (s, projects) = finalized(&app).await;
    let pid = projects[0]["id"].as_i64().unwrap();
    s.staff.post(&format!("/api/v1/projects/{pid}/signing"), json!({"signed_on": "2026-03-12"})).await;
    let signing = milestone(&projects[0], "signing");
    // n payments at once against the 45,000.00 first tranche, each 90,000.00 / n: about half fit.
    let n = ceiling_n(20) as i64;
    let each = 9_000_000 / n;
    let fits = 4_500_000 / each;
    let fin = app.login("fin1").await;
    let mut tasks = Vec::new();
    for i in 0..n {
        let c = fin.clone();
        let amount = format!("{}.{:02}", each / 100, each % 100);
        let body =
            json!({"milestone_id": signing, "amount": amount, "paid_on": "2026-03-12", "reference": format!("P{i}")});
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
    assert_eq!(ok, fits, "{n} concurrent payments of {each} fen");
    let paid = app
        .as_owner(move |c| {
            use diesel::prelude::*;
            use gongyi::db::schema::projects;
            projects::table.find(pid).select(projects::paid).first::<i64>(c)
        })
        .await;
    let t = s.fin.get(&format!("/api/v1/projects/{pid}")).await;
    assert_eq!(t.json["tranches"][0]["paid"].as_str(), Some(format!("{}.{:02}", paid / 100, paid % 100).as_str()));
    assert_eq!(paid, fits * each);
    assert!(paid <= 4_500_000, "the tranche's ceiling holds");
    assert_eq!(app.count(&format!("payments WHERE project_id = {pid}")).await, fits);
}

/// The overdue job tells the organisation and the responsible staff (the district's and the
/// project's town's) once per late milestone.
async fn overdue_milestones_are_flagged_once(app: TestApp) {
    let (s, projects) = finalized(&app).await;
    app.add_user("shenxiang1", "staff", Some("340207101000")).await;
    app.add_user("erba1", "staff", Some("340207102000")).await;
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
    assert_eq!(
        app.count("outbox WHERE kind = 'milestone_overdue'").await,
        12 + 4,
        "organisation and responsible staff"
    );
    assert_eq!(
        app.count("outbox WHERE kind = 'milestone_overdue' AND to_addr = 'shenxiang1@example.cn'").await,
        4,
        "the town's two projects"
    );
    assert_eq!(app.count("outbox WHERE to_addr = 'erba1@example.cn'").await, 0, "not another town's");
    let p = s.fin.get(&format!("/api/v1/projects/{pid}")).await;
    let statuses: Vec<&str> =
        p.json["milestones"].as_array().unwrap().iter().map(|m| m["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, vec!["pending", "overdue", "pending", "overdue"], "signing is staff's, final is not due yet");
}

/// Each project's 协议书 is issued at finalisation: the approved amount in figures and 大写, the
/// agreement number, stored with its hash and verifiable; only those who see the project get it.
/// A project from before agreements existed gets one on first request, once, also when raced.
async fn agreements_are_issued_and_verifiable(app: TestApp) {
    let (s, projects) = finalized(&app).await;
    assert_eq!(app.count("documents WHERE kind = 'agreement'").await, 3, "one per project, at finalisation");
    let p = &projects[0];
    let pid = p["id"].as_i64().unwrap();
    let (own, other) =
        if p["organisation_id"] == projects[1]["organisation_id"] { ("orgb", "orga") } else { ("orga", "orgb") };
    let owner = app.login(own).await;
    let path = format!("/api/v1/projects/{pid}/agreement.pdf");
    let fetch = |c: &Client| {
        let (http, url) = (c.http.clone(), format!("{}{path}", app.base));
        async move { http.get(url).send().await.unwrap() }
    };
    let r = fetch(&owner).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(r.headers()["cache-control"].to_str().unwrap().contains("no-store"), "never in a shared cache");
    let sha = r.headers()["x-content-sha256"].to_str().unwrap().to_string();
    let text = pdf_text(&r.bytes().await.unwrap()).unwrap_or_default();
    if !text.is_empty() {
        let no = p["agreement_no"].as_str().unwrap();
        for want in ["公益创投项目资助协议书", no, "90,000.00", "玖万元整", "甲方（盖章）", "乙方（盖章）"]
        {
            assert!(text.contains(want), "the agreement states {want}: {text}");
        }
    }
    let v = app.client().get(&format!("/api/v1/documents/verify?sha256={sha}")).await;
    assert_eq!((v.status, v.json["kind"].as_str()), (200, Some("agreement")), "{}", v.text);
    let by_hash = app.client().get(&format!("/api/v1/documents/{sha}")).await;
    assert_eq!(by_hash.status, 404, "an agreement is verifiable by hash, never served by it");
    for (c, status) in [(app.login(other).await, 404), (app.client(), 401), (app.login("rev1").await, 404)] {
        assert_eq!(fetch(&c).await.status(), status);
    }
    assert_eq!(fetch(&s.staff).await.status(), 200);
    assert_eq!(fetch(&s.fin).await.status(), 200);
    assert!(owner.get(&format!("/projects/{pid}")).await.text.contains(&path), "the project page links it");
    // A project finalised before agreements: issued on first request, once under a race.
    app.exec(&format!("DELETE FROM documents WHERE kind = 'agreement' AND entity_id = {pid}")).await;
    let tasks: Vec<_> = (0..6)
        .map(|_| {
            let (http, url) = (s.staff.http.clone(), format!("{}{path}", app.base));
            tokio::spawn(async move { http.get(url).send().await.unwrap() })
        })
        .collect();
    let mut hashes = Vec::new();
    for t in tasks {
        let r = t.await.unwrap();
        assert_eq!(r.status(), 200);
        hashes.push(r.headers()["x-content-sha256"].to_str().unwrap().to_string());
    }
    hashes.dedup();
    assert_eq!(hashes.len(), 1, "one agreement, whoever asked first");
    assert_eq!(app.count(&format!("documents WHERE kind = 'agreement' AND entity_id = {pid}")).await, 1);
}

crate::on_both!(
    agreements_are_issued_and_verifiable,
    overdue_milestones_are_flagged_once,
    signing_reports_and_payments,
    a_failed_evaluation_suspends_payments,
    termination_returns_the_rest_to_the_pool,
    reminders_and_lapsed_evaluations,
    projects_through_the_pages,
    dashboard_and_public_board,
    milestone_evidence,
    exports_are_inert_and_add_up,
    open_data_validates_and_adds_up,
    concurrent_payments_never_overpay
);

/// The pages: the organisation reports, staff sign and verify, finance pays; filters; scope.
async fn projects_through_the_pages(app: TestApp) {
    let (s, projects) = finalized(&app).await;
    let p = &projects[0];
    let pid = p["id"].as_i64().unwrap();
    let orgs = [app.login("orga").await, app.login("orgb").await];
    let mine = {
        let mut found = None;
        for o in &orgs {
            if o.get("/api/v1/projects").await.json.as_array().unwrap().iter().any(|x| x["id"] == pid) {
                found = Some(o);
            }
        }
        found.unwrap()
    };
    let other = orgs.iter().find(|o| !std::ptr::eq(*o, mine)).unwrap();
    let list = mine.get("/projects").await;
    assert_eq!(list.status, 200);
    assert!(list.text.contains("我的项目") && list.text.contains("等待签订项目协议"));
    // Staff sign through the page; a form without the token is refused.
    let token = s.staff.csrf(&format!("/projects/{pid}")).await;
    assert_eq!(
        s.staff.post_form(&format!("/projects/{pid}/signing"), &[("signed_on", "2026-03-12")]).await.status,
        403
    );
    let r =
        s.staff.post_form(&format!("/projects/{pid}/signing"), &[("csrf", &token), ("signed_on", "2026-03-12")]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    // Finance sees the payable tranche and pays part of it; too much is explained.
    let page = s.fin.get(&format!("/projects/{pid}")).await;
    assert!(page.text.contains("登记第 1 批拨付"));
    let signing = milestone(p, "signing").to_string();
    let ftoken = s.fin.csrf(&format!("/projects/{pid}")).await;
    let pay = |amount: &'static str| {
        let (fin, signing, ftoken) = (&s.fin, signing.clone(), ftoken.clone());
        async move {
            fin.post_form(
                &format!("/projects/{pid}/payments"),
                &[
                    ("csrf", ftoken.as_str()),
                    ("milestone_id", signing.as_str()),
                    ("amount", amount),
                    ("paid_on", "2026-03-12"),
                    ("reference", "国库 001"),
                    ("confirm", "1"),
                ],
            )
            .await
        }
    };
    // The first step shows what will happen and pays nothing.
    let payments = app.count("payments").await;
    let r = s
        .fin
        .post_form(
            &format!("/projects/{pid}/payments"),
            &[
                ("csrf", ftoken.as_str()),
                ("milestone_id", signing.as_str()),
                ("amount", "45000.00"),
                ("paid_on", "2026-03-12"),
                ("reference", "国库 001"),
            ],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert!(r.text.contains("请确认：登记拨付") && r.text.contains("45,000.00 元") && r.text.contains("资金拨付通知"));
    assert!(r.text.contains("name=\"confirm\" value=\"1\"") && r.text.contains("国库 001"), "the same fields again");
    assert_eq!(app.count("payments").await, payments, "nothing paid before it is confirmed");
    let r = pay("99999.00").await;
    assert_eq!(r.status, 409, "{}", r.text);
    assert!(r.text.contains("付款将超过该批次金额"));
    // A refused form comes back with what was typed and the reason beside its field.
    let r = s
        .fin
        .post_form(
            &format!("/projects/{pid}/payments"),
            &[
                ("csrf", ftoken.as_str()),
                ("milestone_id", signing.as_str()),
                ("amount", "12,345.00"),
                ("paid_on", "2026-03-30"),
                ("reference", "国库 777"),
                ("confirm", "1"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("拨付日期不能晚于今天") && r.text.contains("aria-invalid"), "{}", r.text);
    assert!(r.text.contains("value=\"12,345.00\"") && r.text.contains("value=\"国库 777\""), "typed values kept");
    assert_eq!(pay("45000.00").await.status, 303);
    let page = s.fin.get(&format!("/projects/{pid}")).await;
    assert!(
        page.text.contains("拨付记录")
            && page.text.contains("国库 001")
            && page.text.contains("export.csv?sheet=ledger")
    );
    // The organisation reports on its mid-term through the page, with spending by category.
    let mid = milestone(p, "midterm");
    let otoken = mine.csrf(&format!("/projects/{pid}")).await;
    // One bad amount: the report comes back with everything typed and the reason beside it.
    let r = mine
        .post_form(
            &format!("/projects/{pid}/milestones/{mid}/report"),
            &[
                ("csrf", &otoken),
                ("text", "已开展活动 11 场"),
                ("actual_activity", "20000.00"),
                ("actual_personnel", "abc"),
            ],
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    assert!(r.text.contains("已开展活动 11 场") && r.text.contains("value=\"20000.00\""), "typed values kept");
    assert!(r.text.contains("value=\"abc\" aria-invalid=\"true\""), "the bad amount marked");
    assert!(r.text.contains("累计支出 · 人员费用："), "in the words of its label");
    let r = mine
        .post_form(
            &format!("/projects/{pid}/milestones/{mid}/report"),
            &[
                ("csrf", &otoken),
                ("text", "已开展活动 12 场"),
                ("actual_activity", "20000.00"),
                ("actual_personnel", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let v = mine.get(&format!("/projects/{pid}")).await;
    assert!(v.text.contains("已开展活动 12 场") && v.text.contains("20,000.00"));
    assert_eq!(other.get(&format!("/projects/{pid}")).await.status, 404, "another organisation's project");
    // Staff verify with a grade.
    let r = s
        .staff
        .post_form(
            &format!("/projects/{pid}/milestones/{mid}/verify"),
            &[("csrf", &token), ("accepted", "1"), ("grade", "优秀")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let payable = s.fin.get("/projects?payable=1").await;
    assert!(payable.text.contains(p["agreement_no"].as_str().unwrap()));
    // Filters and paging run in SQL: one payable project, pages of at most the limit.
    assert_eq!(s.fin.get("/api/v1/projects?payable=true").await.json.as_array().map(Vec::len), Some(1));
    let page = s.fin.get("/api/v1/projects?limit=2").await.json;
    assert_eq!(page.as_array().map(Vec::len), Some(2));
    let last = page[1]["id"].as_i64().unwrap();
    assert_eq!(s.fin.get(&format!("/api/v1/projects?after={last}")).await.json.as_array().map(Vec::len), Some(1));
    assert_eq!(app.as_role("rev9", "reviewer").await.get("/projects").await.status, 403);
}

/// The dashboard adds up the year; the public board shows progress without private fields.
async fn dashboard_and_public_board(app: TestApp) {
    let (s, projects) = finalized(&app).await;
    let pid = projects[0]["id"].as_i64().unwrap();
    s.staff.post(&format!("/api/v1/projects/{pid}/signing"), json!({"signed_on": "2026-03-12"})).await;
    let pay = json!({"milestone_id": milestone(&projects[0], "signing"), "amount": "20000.00", "paid_on": "2026-03-12", "reference": "P1"});
    assert_eq!(s.fin.post(&format!("/api/v1/projects/{pid}/payments"), pay).await.status, 200);
    let d = s.staff.get("/api/v1/dashboard?year=2026").await;
    assert_eq!(d.status, 200, "{}", d.text);
    let sum = |k: &str| -> rust_decimal::Decimal {
        d.json["pools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p[k].as_str().unwrap().parse::<rust_decimal::Decimal>().unwrap())
            .sum()
    };
    assert_eq!(sum("reserved").to_string(), "270000.00", "three projects of 90,000.00");
    assert_eq!(sum("paid").to_string(), "20000.00");
    assert_eq!(sum("budget") - sum("reserved"), sum("remaining"));
    assert_eq!((d.json["funnel"]["funded"].as_i64(), d.json["funnel"]["eligible"].as_i64()), (Some(3), Some(3)));
    assert_eq!((d.json["payable_tranches"].as_i64(), d.json["payable_amount"].as_str()), (Some(1), Some("25000.00")));
    let titled =
        d.json["pools"].as_array().unwrap().iter().all(|p| p["call_title"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(titled, "pools of two calls share names: each names its call");
    assert_eq!(app.login("orga").await.get("/api/v1/dashboard").await.status, 403);
    let page = s.staff.get("/staff/dashboard?year=2026").await;
    assert_eq!(page.status, 200);
    assert!(
        page.text.contains("class=\"chart\"") && page.text.contains("资金池使用") && page.text.contains("25,000.00")
    );
    assert!(!page.text.contains(" style="), "the CSP refuses inline styles");
    // Public.
    let b = app.client().get("/api/v1/board").await;
    assert_eq!(b.status, 200);
    let towns = b.json["towns"].as_array().unwrap();
    let projects_shown: usize = towns.iter().map(|t| t["projects"].as_array().unwrap().len()).sum();
    assert_eq!(projects_shown, 3);
    assert!(!b.text.contains("agreement_no") && !b.text.contains("@"), "no internal numbers or contacts");
    let signed =
        towns.iter().flat_map(|t| t["projects"].as_array().unwrap()).find(|p| p["paid"] == "20000.00").unwrap();
    assert_eq!(signed["progress_pct"].as_u64(), Some(25), "one of four milestones");
    let page = app.client().get("/board").await;
    assert!(page.status == 200 && page.text.contains("class=\"chart\"") && page.text.contains("20,000.00"));
}

async fn upload_evidence(c: &Client, milestone: i64, name: &str, bytes: Vec<u8>) -> Res {
    use reqwest::multipart::{Form, Part};
    let form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_string())).text("kind", "活动照片");
    let r = c
        .http
        .post(format!("{}/api/v1/milestones/{milestone}/attachments", c.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap();
    Res { status, json: serde_json::from_str(&text).unwrap_or_default(), text, headers }
}

/// Evidence with a report: by content, only by the project's organisation, read by staff.
async fn milestone_evidence(app: TestApp) {
    let (s, projects) = finalized(&app).await;
    let p = &projects[0];
    let pid = p["id"].as_i64().unwrap();
    let orgs = [app.login("orga").await, app.login("orgb").await];
    let mut mine = &orgs[0];
    for o in &orgs {
        if o.get(&format!("/api/v1/projects/{pid}")).await.status == 200 {
            mine = o;
        }
    }
    let other = orgs.iter().find(|o| !std::ptr::eq(*o, mine)).unwrap();
    let mid = milestone(p, "midterm");
    const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
    let r = upload_evidence(mine, mid, "签到表.pdf", PDF.to_vec()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let att = r.json["id"].as_i64().unwrap();
    let r = upload_evidence(mine, mid, "x.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec()).await;
    assert!(matches!(r.status, 415 | 422), "SVG refused: {}", r.status);
    assert_eq!(upload_evidence(other, mid, "a.pdf", PDF.to_vec()).await.status, 404, "not its project");
    assert_eq!(upload_evidence(&s.staff, mid, "a.pdf", PDF.to_vec()).await.status, 403);
    let signing = milestone(p, "signing");
    assert_eq!(upload_evidence(mine, signing, "a.pdf", PDF.to_vec()).await.code(), "not_reportable");
    let v = s.staff.get(&format!("/api/v1/projects/{pid}")).await;
    let m = v.json["milestones"].as_array().unwrap().iter().find(|m| m["id"] == mid).unwrap().clone();
    assert_eq!(m["attachments"][0]["name"], "签到表.pdf");
    assert_eq!(s.staff.http.get(format!("{}/api/v1/attachments/{att}", app.base)).send().await.unwrap().status(), 200);
    assert_eq!(other.http.get(format!("{}/api/v1/attachments/{att}", app.base)).send().await.unwrap().status(), 404);
    // The bid's own attachment list does not take the evidence in.
    let bid = mine.get(&format!("/api/v1/bids/{}", p["bid_id"])).await;
    assert_eq!(bid.json["attachments"].as_array().map(Vec::len), Some(0));
    let page = mine.get(&format!("/projects/{pid}")).await;
    assert!(page.text.contains("签到表.pdf") && page.text.contains("上传材料"));
}

fn zip_entry(bytes: &[u8], name: &str) -> String {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("an xlsx is a zip");
    let mut out = String::new();
    z.by_name(name).unwrap_or_else(|_| panic!("{name} in the workbook")).read_to_string(&mut out).unwrap();
    out
}

/// Excel and CSV: the ranking per pool, the ledger, the awards; hostile text stays text;
/// the CSV's totals match the ranking's.
async fn exports_are_inert_and_add_up(app: TestApp) {
    let (s, projects) = finalized(&app).await;
    let p = &projects[0];
    let pid = p["id"].as_i64().unwrap();
    app.exec(&format!("UPDATE bids SET title = '=HYPERLINK(\"http://evil.example\")' WHERE id = {}", p["bid_id"]))
        .await;
    s.staff.post(&format!("/api/v1/projects/{pid}/signing"), json!({"signed_on": "2026-03-12"})).await;
    let pay = json!({"milestone_id": milestone(p, "signing"), "amount": "45000.00", "paid_on": "2026-03-12", "reference": "@SUM(A1)"});
    assert_eq!(s.fin.post(&format!("/api/v1/projects/{pid}/payments"), pay).await.status, 200);
    let f = s.staff.post("/api/v1/award-funds", json!({"year": 2026})).await;
    let fid = f.json["id"].as_i64().unwrap();
    let award = json!({"region_code": "340207101001", "title": "＝1+1", "citation": "-2+3", "amount": "30000.00"});
    assert_eq!(s.staff.post(&format!("/api/v1/award-funds/{fid}/awards"), award).await.status, 201);
    let call = s.call.id;
    let x = s.fin.http.get(format!("{}/api/v1/calls/{call}/export.xlsx", app.base)).send().await.unwrap();
    assert_eq!(x.status(), 200);
    assert!(x.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    let bytes = x.bytes().await.unwrap().to_vec();
    let book = zip_entry(&bytes, "xl/workbook.xml");
    for sheet in ["区级公益创投资金", "沈巷镇公益创投资金", "拨付台账", "创新奖励"] {
        assert!(book.contains(sheet), "{sheet} sheet missing: {book}");
    }
    let strings = zip_entry(&bytes, "xl/sharedStrings.xml");
    for hostile in ["=HYPERLINK(", "@SUM(A1)", "＝1+1", "-2+3"] {
        let at = strings.find(hostile).unwrap_or_else(|| panic!("{hostile} missing"));
        assert!(strings[..at].ends_with('\'') || strings[..at].ends_with("&apos;"), "{hostile} is not made inert");
    }
    for i in 1..=5 {
        if let Ok(sheet) = std::panic::catch_unwind(|| zip_entry(&bytes, &format!("xl/worksheets/sheet{i}.xml"))) {
            assert!(!sheet.contains("<f>"), "no formulas in sheet {i}");
        }
    }
    let ledger = zip_entry(&bytes, "xl/worksheets/sheet4.xml");
    assert!(ledger.contains("<v>45000</v>"), "amounts are numbers: {ledger}");
    assert!(zip_entry(&bytes, "xl/worksheets/sheet1.xml").contains("<pane"), "the header row is frozen");
    // CSV of the ranking: BOM, inert, and the same totals as the ranking.
    let csv = s.staff.get(&format!("/api/v1/calls/{call}/export.csv")).await;
    assert_eq!(csv.status, 200);
    assert!(csv.text.starts_with('\u{feff}') && csv.text.contains("'=HYPERLINK("));
    let ranking = s.staff.get(&format!("/api/v1/calls/{call}/ranking")).await;
    let want: rust_decimal::Decimal = ranking.json["pools"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["rows"].as_array().unwrap().iter())
        .filter_map(|r| r["approved_amount"].as_str().map(|a| a.parse::<rust_decimal::Decimal>().unwrap()))
        .sum();
    let got: rust_decimal::Decimal = csv
        .text
        .lines()
        .skip(1)
        .filter_map(|l| l.rsplit(',').nth(2).and_then(|a| a.parse::<rust_decimal::Decimal>().ok()))
        .sum();
    assert_eq!(got, want, "the CSV's approved total is the ranking's");
    let ledger = s.fin.get(&format!("/api/v1/calls/{call}/export.csv?sheet=ledger")).await;
    assert!(ledger.text.contains("45000.00") && ledger.text.contains("'@SUM(A1)"), "{}", ledger.text);
    let awards = s.fin.get(&format!("/api/v1/calls/{call}/export.csv?sheet=awards")).await;
    assert!(awards.text.contains("'＝1+1") && awards.text.contains("30000.00"));
    assert_eq!(s.fin.get(&format!("/api/v1/calls/{call}/export.csv?sheet=../../etc")).await.status, 400);
    assert_eq!(app.login("orga").await.get(&format!("/api/v1/calls/{call}/export.csv")).await.status, 403);
    assert_eq!(app.login("rev1").await.get(&format!("/api/v1/calls/{call}/export.xlsx")).await.status, 403);
}

/// An OCDS 1.1.5 release package checked against the official schemas (offline copies).
pub(crate) fn ocds_errors(doc: &Value) -> Vec<String> {
    schema_errors(
        "ocds-1.1.5-release-package-schema.json",
        &[(
            "https://standard.open-contracting.org/schema/1__1__5/release-schema.json",
            "ocds-1.1.5-release-schema.json",
        )],
        doc,
    )
}

pub(crate) fn schema_errors(schema: &str, refs: &[(&str, &str)], doc: &Value) -> Vec<String> {
    let load = |f: &str| -> Value {
        let mut v: Value =
            serde_json::from_str(&std::fs::read_to_string(format!("tests/schemas/{f}")).unwrap()).unwrap();
        // 360Giving names its meta-schema with http://; the validator knows it by its https:// id
        // (and must not try to fetch it: no network here).
        if v["$schema"] == "http://json-schema.org/draft/2020-12/schema" {
            v["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
        }
        v
    };
    // OCDS is draft 4, 360Giving draft 2020-12.
    let draft = if schema.starts_with("ocds") { jsonschema::Draft::Draft4 } else { jsonschema::Draft::Draft202012 };
    // Formats asserted, as the standards' own validators do (360Giving's date oneOf needs it).
    let mut opts = jsonschema::options().with_draft(draft).should_validate_formats(true);
    for (uri, file) in refs {
        // The package schemas name the item schema by its remote URL: served from the local copy.
        opts = opts.with_resource(*uri, draft.create_resource(load(file)));
    }
    let v = opts.build(&load(schema)).unwrap();
    v.iter_errors(doc).map(|e| format!("{e} at {}", e.instance_path)).take(20).collect()
}

/// OCDS and 360Giving: public only after the notice, valid against the official schemas, and
/// adding up to the same totals as the notice and the projects.
async fn open_data_validates_and_adds_up(app: TestApp) {
    let (s, projects) = finalized(&app).await;
    let call = s.call.id;
    let p = &projects[0];
    let pid = p["id"].as_i64().unwrap();
    s.staff.post(&format!("/api/v1/projects/{pid}/signing"), json!({"signed_on": "2026-03-12"})).await;
    let pay = json!({"milestone_id": milestone(p, "signing"), "amount": "45000.00", "paid_on": "2026-03-12", "reference": "P1"});
    assert_eq!(s.fin.post(&format!("/api/v1/projects/{pid}/payments"), pay).await.status, 200);
    let f = s.staff.post("/api/v1/award-funds", json!({"year": 2026})).await.json["id"].as_i64().unwrap();
    let award = json!({"region_code": "340207101001", "title": "议事厅", "citation": "居民协商", "amount": "30000.00"});
    s.staff.post(&format!("/api/v1/award-funds/{f}/awards"), award).await;
    s.staff.post(&format!("/api/v1/award-funds/{f}/publish"), json!({})).await;
    let anon = app.client();
    let o = anon.get(&format!("/api/v1/calls/{call}/ocds.json")).await;
    assert_eq!(o.status, 200, "{}", o.text);
    let errors = ocds_errors(&o.json);
    assert!(errors.is_empty(), "OCDS: {errors:#?}");
    let g = anon.get(&format!("/api/v1/calls/{call}/360giving.json")).await;
    assert_eq!(g.status, 200, "{}", g.text);
    let errors = schema_errors(
        "360giving-1.4.3-package-schema.json",
        &[(
            "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.2/schema/360-giving-schema.json",
            "360giving-1.4.3-grant-schema.json",
        )],
        &g.json,
    );
    assert!(errors.is_empty(), "360Giving: {errors:#?}");
    // A broken document is caught: the validation is real.
    let mut broken = g.json.clone();
    broken["grants"][0]["amountAwarded"] = json!("a lot");
    assert!(!schema_errors(
        "360giving-1.4.3-package-schema.json",
        &[(
            "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.2/schema/360-giving-schema.json",
            "360giving-1.4.3-grant-schema.json",
        )],
        &broken
    )
    .is_empty());
    // The same totals as the notice and the projects.
    // The standards' amounts are JSON numbers; read them back through their decimal text.
    let dec = |v: &Value| v.to_string().parse::<rust_decimal::Decimal>().unwrap();
    let notice = anon
        .get(&format!("/api/v1/notices/{}", s.fin.get(&format!("/api/v1/calls/{call}")).await.json["notice_id"]))
        .await;
    let notice_total: rust_decimal::Decimal = notice.json["total_proposed"].as_str().unwrap().parse().unwrap();
    let awards_total: rust_decimal::Decimal = o.json["releases"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["awards"].as_array().cloned().unwrap_or_default())
        .map(|a| dec(&a["value"]["amount"]))
        .sum();
    assert_eq!(awards_total, notice_total, "OCDS awards = the notice's total");
    let paid: rust_decimal::Decimal = o.json["releases"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["contracts"].as_array().cloned().unwrap_or_default())
        .flat_map(|c| c["implementation"]["transactions"].as_array().cloned().unwrap_or_default())
        .map(|t| dec(&t["value"]["amount"]))
        .sum();
    assert_eq!(paid, rust_decimal::Decimal::new(4_500_000, 2));
    let grants = g.json["grants"].as_array().unwrap();
    assert_eq!(grants.len(), 4, "three projects and one award");
    let granted: rust_decimal::Decimal = grants.iter().map(|g| dec(&g["amountAwarded"])).sum();
    assert_eq!(granted, notice_total + rust_decimal::Decimal::new(3_000_000, 2));
    assert!(grants.iter().any(|g| g["recipientOrganization"][0]["id"].as_str().unwrap().starts_with("CN-USCI-")));
    // Not before the notice.
    let staff2 = app.as_role("staff9", "staff").await;
    let mut body = crate::flow::call_body();
    body["year"] = json!(2027);
    body["opens_at"] = json!("2027-02-01T00:00:00+08:00");
    body["closes_at"] = json!("2027-03-01T00:00:00+08:00");
    body["project_start"] = json!("2027-04-01");
    body["project_end"] = json!("2027-12-31");
    let fresh = crate::flow::published_call(&staff2, body).await;
    assert_eq!(anon.get(&format!("/api/v1/calls/{}/ocds.json", fresh.id)).await.code(), "not_published_yet");
    assert_eq!(anon.get(&format!("/api/v1/calls/{}/360giving.json", fresh.id)).await.status, 404);
}

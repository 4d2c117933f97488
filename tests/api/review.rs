//! Expert review: the seeded draw, conflicts, scoring, the ranking and overrides.

use crate::flow::*;
use crate::helpers::*;
use serde_json::{json, Value};
use std::collections::HashMap;

const CRITERIA: [&str; 5] = ["necessity", "feasibility", "innovation", "budget", "capacity"];

pub fn uniform(score: &str, submit: bool) -> Value {
    json!({"scores": CRITERIA.iter().map(|k| json!({"criterion": k, "score": score, "comment": "意见"})).collect::<Vec<_>>(),
           "comment": "总体意见", "submit": submit})
}

pub struct Setup {
    pub staff: Client,
    pub fin: Client,
    pub call: Call,
    pub bids: Vec<i64>,
    pub reviewers: Vec<(i64, Client)>,
}

/// Three eligible, finance-checked bids and six reviewers, one of them affiliated with the
/// first bid's organisation.
pub async fn setup(app: &TestApp) -> Setup {
    setup_with(app, |b| b).await
}

/// As [`setup`], each bid body passed through `tweak` first.
pub async fn setup_with(app: &TestApp, tweak: impl Fn(Value) -> Value) -> Setup {
    setup_call(app, call_body(), tweak).await
}

/// As [`setup_with`], on a call published from `call`.
pub async fn setup_call(app: &TestApp, call: Value, tweak: impl Fn(Value) -> Value) -> Setup {
    let staff = app.as_role("staff1", "staff").await;
    let fin = app.as_role("fin1", "finance").await;
    let call = published_call(&staff, call).await;
    let (_, a) = org(app, &staff, "orga", "52340207MJ0030001").await;
    let (_, b) = org(app, &staff, "orgb", "52340207MJ0030002").await;
    open_window(app, &[&staff, &fin, &a, &b]).await;
    let (b1, _) = submitted_bid(&a, call.id, tweak(bid_body(call.shenxiang, "340207101001", "100000.00"))).await;
    let (b2, _) = submitted_bid(&b, call.id, tweak(bid_body(call.shenxiang, "340207101001", "90000.00"))).await;
    let (b3, _) = submitted_bid(&b, call.id, tweak(bid_body(call.district, "340207101001", "150000.00"))).await;
    let mut reviewers = Vec::new();
    let admin = app.as_role("root", "admin").await;
    for i in 0..6 {
        let aff: Vec<String> = if i == 0 { vec![uscc("52340207MJ0030001")] } else { vec![] };
        let r = admin
            .post(
                "/api/v1/users",
                json!({"login": format!("rev{i}"), "password": PASSWORD, "display_name": format!("专家{i}"),
                "email": format!("rev{i}@example.cn"), "role": "reviewer", "affiliations": aff}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
        reviewers.push(r.json["id"].as_i64().unwrap());
    }
    let r = staff.get(&format!("/api/v1/calls/{}/ranking", call.id)).await;
    assert_eq!((r.status, r.code()), (409, "bids_sealed"), "no ranking before closes_at");
    let r = staff.post(&format!("/api/v1/calls/{}/assignments", call.id), json!({})).await;
    assert_eq!((r.status, r.code()), (409, "call_not_closed"));
    close_window(app, &[&staff, &fin]).await;
    for id in [b1, b2, b3] {
        assert_eq!(staff.post(&format!("/api/v1/bids/{id}/screening"), json!({"eligible": true})).await.status, 200);
        let r = fin
            .post(&format!("/api/v1/bids/{id}/finance"), json!({"approved_amount": "90000.00", "note": "核定"}))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
    }
    let mut clients = Vec::new();
    for (i, id) in reviewers.iter().enumerate() {
        clients.push((*id, app.login(&format!("rev{i}")).await));
    }
    Setup { staff, fin, call, bids: vec![b1, b2, b3], reviewers: clients }
}

async fn draw_is_seeded_balanced_and_avoids_conflicts(app: TestApp) {
    let s = setup(&app).await;
    let path = format!("/api/v1/calls/{}/assignments", s.call.id);
    let r = s.staff.post(&path, json!({"reviewers_per_bid": 6})).await;
    assert_eq!((r.status, r.code()), (409, "not_enough_reviewers"), "the affiliated reviewer leaves 5 for bid 1");
    let r = s.staff.post(&path, json!({"reviewers_per_bid": 5, "seed": 42})).await;
    assert_eq!((r.status, r.code()), (422, "seed_not_allowed"), "production picks its own seed");
    let fin = s.fin.post(&path, json!({})).await;
    assert_eq!(fin.status, 403);
    let r = s.staff.post(&path, json!({"reviewers_per_bid": 5})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!((r.json["bids"].as_i64(), r.json["assignments"].as_i64()), (Some(3), Some(15)));
    let seed = r.json["seed"].as_str().unwrap().to_string();
    let loads: Vec<i64> = r.json["load"].as_object().unwrap().values().map(|v| v.as_i64().unwrap()).collect();
    assert!(loads.iter().max().unwrap() - loads.iter().min().unwrap() <= 1, "{loads:?}");
    // The draw can be re-run from the recorded seed: same panels.
    let audit = app.count(&format!("audit_log WHERE action = 'review.draw' AND detail LIKE '%{seed}%'")).await;
    assert_eq!(audit, 1);
    // The affiliated reviewer never got the first organisation's bid.
    let (rev0, c0) = &s.reviewers[0];
    let mine = c0.get("/api/v1/me/assignments").await;
    assert!(mine.json.as_array().unwrap().iter().all(|a| a["bid_id"] != s.bids[0]), "reviewer {rev0}: {}", mine.text);
    // A redraw needs a reason and keeps the earlier panels.
    let r = s.staff.post(&path, json!({"reviewers_per_bid": 5})).await;
    assert_eq!((r.status, r.code()), (422, "reason_required"));
    let r = s.staff.post(&path, json!({"reviewers_per_bid": 5, "reason": "一名专家因病无法参加"})).await;
    assert_eq!(r.status, 201);
    assert_eq!(app.count("assignments").await, 30);
    assert_eq!(app.count("reviewer_draws WHERE active").await, 1);
    // Affiliations are frozen from the draw until the call is finalised: the conflict check
    // cannot be undone afterwards by editing who a reviewer works for.
    let admin = app.login("root").await;
    let (rev1, _) = &s.reviewers[1];
    let r = admin.put(&format!("/api/v1/users/{rev1}"), json!({"affiliations": [uscc("52340207MJ0030002")]})).await;
    assert_eq!((r.status, r.code()), (409, "affiliations_frozen"), "{}", r.text);
    let r = admin.put(&format!("/api/v1/users/{rev0}"), json!({"affiliations": [], "display_name": "专家零"})).await;
    assert_eq!((r.status, r.code()), (409, "affiliations_frozen"));
    let r = admin
        .put(
            &format!("/api/v1/users/{rev0}"),
            json!({"affiliations": [uscc("52340207MJ0030001")], "display_name": "专家零"}),
        )
        .await;
    assert_eq!((r.status, r.json["display_name"].as_str()), (200, Some("专家零")), "unchanged affiliations pass");
    assert_eq!(app.count("reviewer_affiliations").await, 1);
}

async fn reviewers_score_and_staff_rank(app: TestApp) {
    let s = setup(&app).await;
    let r = s.staff.post(&format!("/api/v1/calls/{}/assignments", s.call.id), json!({"reviewers_per_bid": 5})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    // Each reviewer scores every bid uniformly; bid 1's five totals come out 90, 80, 70, 60, 50.
    let plan: HashMap<i64, Vec<&str>> = HashMap::from([
        (s.bids[0], vec!["90", "80", "70", "60", "50"]),
        (s.bids[1], vec!["85", "85", "85", "85", "85"]),
        (s.bids[2], vec!["40", "50", "55", "45", "50"]),
    ]);
    let mut used: HashMap<i64, usize> = HashMap::new();
    let mut first_assignment = None;
    for (rid, c) in &s.reviewers {
        let mine = c.get("/api/v1/me/assignments").await;
        for a in mine.json.as_array().unwrap() {
            let (aid, bid) = (a["id"].as_i64().unwrap(), a["bid_id"].as_i64().unwrap());
            assert!(a["bid_title"].is_string() && a["organisation"].is_string());
            assert_eq!(c.get(&format!("/api/v1/bids/{bid}")).await.status, 404, "not before confirming no conflict");
            let r = c.put(&format!("/api/v1/assignments/{aid}/review"), uniform("80", false)).await;
            assert_eq!((r.status, r.code()), (409, "not_accepted"));
            assert_eq!(c.post(&format!("/api/v1/assignments/{aid}/accept"), json!({})).await.status, 200);
            assert_eq!(c.get(&format!("/api/v1/bids/{bid}")).await.status, 200);
            let i = used.entry(bid).or_insert(0);
            let score = plan[&bid][*i];
            *i += 1;
            let r = c.put(&format!("/api/v1/assignments/{aid}/review"), uniform(score, true)).await;
            assert_eq!((r.status, r.json["status"].as_str()), (200, Some("submitted")), "{}", r.text);
            assert_eq!(r.json["total"].as_str(), Some(format!("{score}.00").as_str()));
            first_assignment.get_or_insert((aid, *rid));
        }
    }
    let (aid, rid) = first_assignment.unwrap();
    let owner = &s.reviewers.iter().find(|(id, _)| *id == rid).unwrap().1;
    let r = owner.put(&format!("/api/v1/assignments/{aid}/review"), uniform("99", true)).await;
    assert_eq!((r.status, r.code()), (409, "review_locked"));
    let other = &s.reviewers.iter().find(|(id, _)| *id != rid).unwrap().1;
    assert_eq!(
        other.get(&format!("/api/v1/assignments/{aid}/review")).await.status,
        404,
        "no one sees another's scores"
    );
    // The ranking: bid 2 (85) first in 沈巷镇, bid 1 (trimmed 70.00) second, both fitting 200,000.
    let r = s.staff.get(&format!("/api/v1/calls/{}/ranking", s.call.id)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let pool = r.json["pools"].as_array().unwrap().iter().find(|p| p["pool_id"] == s.call.shenxiang).unwrap().clone();
    let rows = pool["rows"].as_array().unwrap();
    assert_eq!((rows[0]["bid_id"].as_i64(), rows[0]["score"].as_str()), (Some(s.bids[1]), Some("85.00")));
    assert_eq!((rows[1]["bid_id"].as_i64(), rows[1]["score"].as_str()), (Some(s.bids[0]), Some("70.00")));
    assert_eq!((rows[1]["reviews"].as_i64(), rows[1]["spread"].as_str()), (Some(5), Some("40.00")));
    assert_eq!((rows[1]["spread_flag"].as_bool(), rows[0]["spread_flag"].as_bool()), (Some(true), Some(false)));
    assert!(rows[0]["normalised"].is_string(), "the standardised signal is shown beside the score");
    assert_eq!((rows[1]["recommended"].as_bool(), rows[1]["running_total"].as_str()), (Some(true), Some("180000.00")));
    let district =
        r.json["pools"].as_array().unwrap().iter().find(|p| p["pool_id"] == s.call.district).unwrap().clone();
    assert_eq!(district["rows"][0]["score"], "48.33");
    assert_eq!(
        (district["rows"][0]["recommended"].as_bool(), district["rows"][0]["outcome"].as_str()),
        (Some(false), Some("below_threshold"))
    );
    // Reviews submitted before totals were stored are totalled from their scores: the same ranking.
    app.exec("UPDATE assignments SET total = NULL, first_score = NULL").await;
    assert_eq!(s.staff.get(&format!("/api/v1/calls/{}/ranking", s.call.id)).await.json, r.json);
    assert_eq!(s.fin.get(&format!("/api/v1/calls/{}/ranking", s.call.id)).await.status, 200);
    assert_eq!(
        owner.get(&format!("/api/v1/calls/{}/ranking", s.call.id)).await.status,
        403,
        "reviewers never see the ranking"
    );
    // An override needs a reason; then the bid is recommended, still within its pool.
    let path = format!("/api/v1/calls/{}/overrides", s.call.id);
    let r = s.staff.post(&path, json!({"bid_id": s.bids[2], "fund": true})).await;
    assert_eq!((r.status, r.json["error"]["field"].as_str()), (422, Some("reason")));
    let r = s.staff.post(&path, json!({"bid_id": s.bids[2], "fund": true, "reason": "填补区级空白领域"})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let district =
        r.json["pools"].as_array().unwrap().iter().find(|p| p["pool_id"] == s.call.district).unwrap().clone();
    assert_eq!(district["rows"][0]["outcome"], "recommended_by_override");
    assert_eq!(district["rows"][0]["override_reason"], "填补区级空白领域");
}

async fn bad_scores_and_conflicts(app: TestApp) {
    let s = setup(&app).await;
    s.staff.post(&format!("/api/v1/calls/{}/assignments", s.call.id), json!({"reviewers_per_bid": 3})).await;
    let (rid, c) = &s.reviewers[1];
    let mine = c.get("/api/v1/me/assignments").await;
    let a = &mine.json.as_array().unwrap()[0];
    let (aid, bid) = (a["id"].as_i64().unwrap(), a["bid_id"].as_i64().unwrap());
    c.post(&format!("/api/v1/assignments/{aid}/accept"), json!({})).await;
    let bad = json!({"scores": [{"criterion": "necessity", "score": "85.25"}, {"criterion": "feasibility", "score": "101"},
        {"criterion": "charm", "score": "50"}, {"criterion": "budget", "score": "x"}], "submit": true});
    let r = c.put(&format!("/api/v1/assignments/{aid}/review"), bad).await;
    assert_eq!(r.status, 422);
    let got = codes(&r);
    for want in ["score_not_half_step", "score_out_of_range", "unknown_criterion", "invalid_score", "criterion_missing"]
    {
        assert!(got.contains(&want.to_string()), "{want} missing from {got:?}");
    }
    let r = c
        .put(&format!("/api/v1/assignments/{aid}/review"), json!({"scores": [{"criterion": "necessity", "score": 85}]}))
        .await;
    assert_eq!(r.status, 400, "a number where a score string is expected");
    assert_eq!(app.count("review_scores").await, 0);
    // A conflict needs a reason, removes the reviewer and draws a replacement.
    let r = c.post(&format!("/api/v1/assignments/{aid}/conflict"), json!({})).await;
    assert_eq!((r.status, r.json["error"]["field"].as_str()), (422, Some("reason")));
    let before = app.count(&format!("assignments WHERE bid_id = {bid}")).await;
    let r = c.post(&format!("/api/v1/assignments/{aid}/conflict"), json!({"reason": "曾为该机构提供督导"})).await;
    assert_eq!((r.status, r.json["status"].as_str()), (200, Some("conflict")), "{}", r.text);
    assert_eq!(app.count(&format!("assignments WHERE bid_id = {bid}")).await, before + 1, "a replacement was drawn");
    assert_eq!(
        app.count(&format!("assignments WHERE bid_id = {bid} AND reviewer_id = {rid} AND status <> 'conflict'")).await,
        0
    );
    assert_eq!(c.get(&format!("/api/v1/bids/{bid}")).await.status, 404, "a reviewer in conflict never sees the bid");
    // Someone else's assignment is not found.
    let (_, other) = &s.reviewers[2];
    assert_eq!(other.post(&format!("/api/v1/assignments/{aid}/accept"), json!({})).await.status, 404);
    assert_eq!(s.staff.get("/api/v1/me/assignments").await.status, 403);
}

async fn staff_reopen_and_replace(app: TestApp) {
    let s = setup(&app).await;
    s.staff.post(&format!("/api/v1/calls/{}/assignments", s.call.id), json!({"reviewers_per_bid": 3})).await;
    let (rid, c) = &s.reviewers[1];
    let a = c.get("/api/v1/me/assignments").await.json[0].clone();
    let (aid, bid) = (a["id"].as_i64().unwrap(), a["bid_id"].as_i64().unwrap());
    c.post(&format!("/api/v1/assignments/{aid}/accept"), json!({})).await;
    c.put(&format!("/api/v1/assignments/{aid}/review"), uniform("70", true)).await;
    // Reopening needs district staff and a reason; then the reviewer may change the scores.
    assert_eq!(s.fin.post(&format!("/api/v1/assignments/{aid}/reopen"), json!({"reason": "x"})).await.status, 403);
    let r = s.staff.post(&format!("/api/v1/assignments/{aid}/reopen"), json!({})).await;
    assert_eq!((r.status, r.json["error"]["field"].as_str()), (422, Some("reason")));
    assert_eq!(
        s.staff.post(&format!("/api/v1/assignments/{aid}/reopen"), json!({"reason": "专家申请更正笔误"})).await.status,
        204
    );
    let r = c.put(&format!("/api/v1/assignments/{aid}/review"), uniform("75", true)).await;
    assert_eq!((r.status, r.json["total"].as_str()), (200, Some("75.00")));
    assert_eq!(s.staff.post(&format!("/api/v1/assignments/{aid}/reopen"), json!({"reason": "再次"})).await.status, 204);
    // Swapping by hand: not to someone in conflict or already on the panel; the old reviewer loses access.
    let on_panel: Vec<i64> = {
        let mut v = Vec::new();
        for (id, cl) in &s.reviewers {
            if cl.get("/api/v1/me/assignments").await.json.as_array().unwrap().iter().any(|x| x["bid_id"] == bid) {
                v.push(*id);
            }
        }
        v
    };
    let outsider =
        s.reviewers.iter().map(|(id, _)| *id).find(|id| !on_panel.contains(id) && *id != s.reviewers[0].0).unwrap();
    let path = format!("/api/v1/assignments/{aid}/replace");
    let r =
        s.staff.post(&path, json!({"reviewer_id": on_panel.iter().find(|x| *x != rid).unwrap(), "reason": "x"})).await;
    assert_eq!(crate::flow::codes(&r), vec!["already_on_panel"]);
    let r = s.staff.post(&path, json!({"reviewer_id": 999999, "reason": "x"})).await;
    assert_eq!(crate::flow::codes(&r), vec!["not_a_reviewer"]);
    let r = s.staff.post(&path, json!({"reviewer_id": outsider})).await;
    assert_eq!((r.status, r.json["error"]["field"].as_str()), (422, Some("reason")));
    let r = s.staff.post(&path, json!({"reviewer_id": outsider, "reason": "原专家出差"})).await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(c.get(&format!("/api/v1/bids/{bid}")).await.status, 404, "the replaced reviewer loses access");
    let newc = &s.reviewers.iter().find(|(id, _)| *id == outsider).unwrap().1;
    assert!(newc.get("/api/v1/me/assignments").await.json.as_array().unwrap().iter().any(|x| x["bid_id"] == bid));
    assert_eq!(app.count("audit_log WHERE action = 'review.replace'").await, 1);
}

/// Reminders: two working days before the due date and after it, once each, only for reviews
/// not yet submitted.
async fn reviewers_are_reminded(app: TestApp) {
    let s = setup(&app).await;
    // closes_at passed on Monday 2026-03-02; due Friday 2026-03-13.
    let r = s
        .staff
        .post(&format!("/api/v1/calls/{}/assignments", s.call.id), json!({"reviewers_per_bid": 3, "due": "2026-03-01"}))
        .await;
    assert_eq!((r.status, r.json["error"]["field"].as_str()), (422, Some("due")));
    let r = s
        .staff
        .post(&format!("/api/v1/calls/{}/assignments", s.call.id), json!({"reviewers_per_bid": 3, "due": "2026-03-13"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    // One assignment is submitted before the reminders.
    let (_, c) = &s.reviewers[1];
    let aid = c.get("/api/v1/me/assignments").await.json[0]["id"].as_i64().unwrap();
    c.post(&format!("/api/v1/assignments/{aid}/accept"), json!({})).await;
    assert_eq!(c.put(&format!("/api/v1/assignments/{aid}/review"), uniform("80", true)).await.status, 200);
    let run = || {
        let st = app.state.clone();
        let ctx = app.system_ctx();
        async move { st.db(move |c| gongyi::service::review::remind(c, &ctx)).await.unwrap() }
    };
    assert_eq!(run().await, 0, "a week and more before the due date");
    app.clock.set("2026-03-11T09:00:00+08:00".parse().unwrap());
    assert_eq!(run().await, 8, "nine assignments, one submitted");
    assert_eq!(run().await, 0, "once");
    app.clock.set("2026-03-14T09:00:00+08:00".parse().unwrap());
    assert_eq!(run().await, 8, "the day after the due date");
    assert_eq!(run().await, 0);
    assert_eq!(app.count("outbox WHERE kind = 'review_reminder'").await, 16);
}

/// Every reviewer accepts and submits a uniform score on each assigned bid.
pub async fn score_all(s: &Setup, score_of: impl Fn(i64) -> &'static str) {
    for (_, c) in &s.reviewers {
        let mine = c.get("/api/v1/me/assignments").await;
        for a in mine.json.as_array().unwrap() {
            let (aid, bid) = (a["id"].as_i64().unwrap(), a["bid_id"].as_i64().unwrap());
            assert_eq!(c.post(&format!("/api/v1/assignments/{aid}/accept"), json!({})).await.status, 200);
            let r = c.put(&format!("/api/v1/assignments/{aid}/review"), uniform(score_of(bid), true)).await;
            assert_eq!(r.status, 200, "{}", r.text);
        }
    }
}

crate::on_both!(
    reviewers_are_reminded,
    staff_reopen_and_replace,
    draw_is_seeded_balanced_and_avoids_conflicts,
    reviewers_score_and_staff_rank,
    bad_scores_and_conflicts
);

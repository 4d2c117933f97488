//! Composite scoring in stages: written review → shortlist → on-site defence with the room's
//! screen → the weighted final score with capped bonus points.

use crate::flow::*;
use crate::helpers::*;
use crate::review::{setup_call, uniform, Setup};
use serde_json::{json, Value};
use std::cell::Cell;
use std::collections::HashMap;

fn staged_call() -> Value {
    let mut body = call_body();
    body["stages"] = json!([
        {"key": "written", "name": "书面评审", "weight": 60},
        {"key": "defence", "name": "现场答辩", "weight": 40, "criteria": [
            {"key": "presentation", "name": "现场陈述", "weight": 50},
            {"key": "answers", "name": "答辩表现", "weight": 50}
        ]}
    ]);
    body["bonus"] = json!({"per_amount": "10000.00", "points": "1", "max_points": "10"});
    body
}

fn defence_scores(score: &str) -> Value {
    json!({"scores": [{"criterion": "presentation", "score": score}, {"criterion": "answers", "score": score}],
           "submit": true})
}

async fn stages_are_checked_when_drafted_and_published(app: TestApp) {
    let staff = app.as_role("staff1", "staff").await;
    ensure_funds(&staff).await;
    let mut bad = staged_call();
    bad["stages"][0]["criteria"] = json!([{"key": "x", "name": "某项", "weight": 100}]);
    bad["stages"][1]["kind"] = json!("vote");
    bad["bonus"]["max_points"] = json!("-1");
    bad["repeat_funding"] = json!("sometimes");
    let r = staff.post("/api/v1/calls", bad).await;
    assert_eq!(r.status, 422, "{}", r.text);
    let got = codes(&r);
    for want in ["first_stage_uses_call_criteria", "invalid_stage_kind", "invalid_score", "invalid_repeat_rule"] {
        assert!(got.contains(&want.to_string()), "{want} in {got:?}");
    }
    assert_eq!(app.count("calls").await, 0, "nothing written");
    // Weights are publishing rules: a draft may be incomplete.
    let mut body = staged_call();
    body["stages"][1]["weight"] = json!(30);
    body["stages"][1]["criteria"][1]["weight"] = json!(40);
    let r = staff.post("/api/v1/calls", body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.json["id"].as_i64().unwrap();
    let r = staff.post(&format!("/api/v1/calls/{id}/publish"), json!({})).await;
    assert_eq!(r.status, 422);
    let got = codes(&r);
    assert!(
        got.contains(&"stage_weights_not_100".to_string()) && got.contains(&"weights_not_100".to_string()),
        "{got:?}"
    );
    assert_eq!(app.count("calls WHERE status = 'draft'").await, 1);
    let r = staff.put(&format!("/api/v1/calls/{id}"), staged_call()).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let v = &r.json;
    assert_eq!(v["stages"][1]["kind"], "defence");
    assert_eq!(v["stages"][1]["criteria"].as_array().unwrap().len(), 2);
    assert_eq!(v["criteria"].as_array().unwrap().len(), 5, "the first stage keeps the call's rubric");
    assert_eq!(v["bonus"]["formula"], "每落实配套资金 10,000.00 元加 1 分，最高 10 分");
    let r = staff.post(&format!("/api/v1/calls/{id}/publish"), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // The tender states how it will be scored.
    let anon = app.client();
    let pdf = anon.http.get(format!("{}/api/v1/calls/{id}/announcement.pdf", app.base)).send().await.unwrap();
    let text = pdf_text(&pdf.bytes().await.unwrap()).unwrap_or_default();
    assert!(text.contains("现场答辩") && text.contains("每落实配套资金"), "{text}");
    let public = anon.get(&format!("/calls/{id}")).await;
    assert!(
        public.text.contains("现场陈述") && public.text.contains("每落实配套资金 10,000.00 元加 1 分"),
        "{}",
        public.text
    );
    // Clone keeps the design.
    let r = staff.post(&format!("/api/v1/calls/{id}/clone"), json!({})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!((r.json["stages"].as_array().unwrap().len(), r.json["bonus"]["max_points"].as_str()), (2, Some("10")));
}

/// Stage 1 on every eligible bid; the top one of each pool goes on to the defence.
async fn stage_one(app: &TestApp) -> Setup {
    let n = Cell::new(0);
    let s = setup_call(app, staged_call(), |mut b| {
        // 35,000 → 3 points; 10,000 → 1; 120,000 → capped at 10.
        b["matching_funds"] = json!(["35000.00", "10000.00", "120000.00"][n.get()]);
        n.set(n.get() + 1);
        b
    })
    .await;
    let call = s.call.id;
    let r = s.staff.post(&format!("/api/v1/calls/{call}/assignments"), json!({"stage": "defence"})).await;
    assert_eq!((r.status, r.code()), (409, "wrong_phase"), "{}", r.text);
    let r = s.staff.post(&format!("/api/v1/calls/{call}/assignments"), json!({"reviewers_per_bid": 5})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = s.staff.post(&format!("/api/v1/calls/{call}/shortlist"), json!({"stage": "defence", "top_n": 1})).await;
    assert_eq!((r.status, r.code()), (409, "stage_incomplete"), "{}", r.text);
    let r = s.staff.post(&format!("/api/v1/calls/{call}/assignments"), json!({"stage": "defence"})).await;
    assert_eq!((r.status, r.code()), (409, "no_shortlist"));
    // Bid 1's five written totals: 81.5 80 79 82 77.5 → drop 82 and 77.5 → 80.17.
    let plan: HashMap<i64, Vec<&str>> = HashMap::from([
        (s.bids[0], vec!["81.5", "80", "79", "82", "77.5"]),
        (s.bids[1], vec!["70"; 5]),
        (s.bids[2], vec!["90"; 5]),
    ]);
    let mut used: HashMap<i64, usize> = HashMap::new();
    for (_, c) in &s.reviewers {
        for a in c.get("/api/v1/me/assignments").await.json.as_array().unwrap() {
            assert_eq!(a["stage"], "written");
            let (aid, bid) = (a["id"].as_i64().unwrap(), a["bid_id"].as_i64().unwrap());
            let i = used.entry(bid).or_insert(0);
            c.post(&format!("/api/v1/assignments/{aid}/accept"), json!({})).await;
            let r = c.put(&format!("/api/v1/assignments/{aid}/review"), uniform(plan[&bid][*i], true)).await;
            assert_eq!(r.status, 200, "{}", r.text);
            *i += 1;
        }
    }
    s
}

async fn two_stages_make_an_exact_weighted_score(app: TestApp) {
    let s = stage_one(&app).await;
    let call = s.call.id;
    let path = format!("/api/v1/calls/{call}/shortlist");
    for (body, code) in [
        (json!({"stage": "defence", "top_n": 1, "min_score": "60"}), "shortlist_rule"),
        (json!({"stage": "defence"}), "shortlist_rule"),
        (json!({"stage": "written", "top_n": 1}), "unknown_stage"),
        (json!({"stage": "vote", "top_n": 1}), "unknown_stage"),
        (json!({"stage": "defence", "min_score": "101"}), "invalid_score"),
    ] {
        let r = s.staff.post(&path, body.clone()).await;
        assert_eq!((r.status, r.code()), (422, code), "{body}: {}", r.text);
    }
    assert_eq!(s.fin.post(&path, json!({"stage": "defence", "top_n": 1})).await.status, 403);
    let r = s.staff.post(&format!("/api/v1/calls/{call}/decide"), json!({})).await;
    assert_eq!((r.status, r.code()), (409, "stages_incomplete"), "no shortlist for the defence yet");
    let r = s.staff.post(&path, json!({"stage": "defence", "min_score": "95"})).await;
    assert_eq!((r.status, r.code()), (409, "shortlist_empty"));
    assert_eq!(app.count("shortlists").await, 0, "a refusal changes nothing");
    // Top 1 of each pool: bid 1 (80.17 over bid 2's 70) in the town pool, bid 3 in the district.
    let r = s.staff.post(&path, json!({"stage": "defence", "top_n": 1})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let on: Vec<i64> = r.json["bids"].as_array().unwrap().iter().map(|b| b["bid_id"].as_i64().unwrap()).collect();
    assert_eq!(on.len(), 2);
    assert!(on.contains(&s.bids[0]) && on.contains(&s.bids[2]), "{on:?}");
    let b1 = r.json["bids"].as_array().unwrap().iter().find(|b| b["bid_id"] == s.bids[0]).unwrap().clone();
    assert_eq!((b1["rank"].as_i64(), b1["score"].as_str()), (Some(1), Some("80.17")));
    assert_eq!(app.count("outbox WHERE kind = 'bid_shortlisted'").await, 2);
    // The written stage is over once its shortlist is drawn up.
    let written: i64 = app
        .as_owner(|c| {
            use diesel::prelude::*;
            use gongyi::db::schema::assignments::dsl::*;
            assignments.filter(stage.eq(0)).filter(status.eq("submitted")).select(id).first::<i64>(c)
        })
        .await;
    let r = s.staff.post(&format!("/api/v1/assignments/{written}/reopen"), json!({"reason": "复核"})).await;
    assert_eq!((r.status, r.code()), (409, "stage_closed"), "{}", r.text);
    let r = s.staff.post(&format!("/api/v1/calls/{call}/assignments"), json!({"reason": "重抽"})).await;
    assert_eq!((r.status, r.code()), (409, "stage_closed"));
    let g = s.fin.get(&format!("{path}?stage=defence")).await;
    assert_eq!((g.status, g.json["bids"].as_array().unwrap().len()), (200, 2));

    // Sessions: bad input first, each refused whole.
    let sessions = format!("/api/v1/calls/{call}/sessions");
    let good = json!({"stage": "defence", "venue": "区民政局三楼会议室", "date": "2026-03-20",
        "slots": [{"bid_id": s.bids[2], "time": "09:30"}, {"bid_id": s.bids[0], "time": "09:00"}]});
    let mut bad = good.clone();
    bad["slots"] = json!([{"bid_id": s.bids[1], "time": "09:00"}, {"bid_id": s.bids[0], "time": "9:00"},
                          {"bid_id": s.bids[2], "time": "25:00"}]);
    bad["date"] = json!("2026-03-01");
    let r = s.staff.post(&sessions, bad).await;
    assert_eq!(r.status, 422, "{}", r.text);
    let got = codes(&r);
    for want in ["not_shortlisted", "duplicate_time", "invalid_time", "date_in_past"] {
        assert!(got.contains(&want.to_string()), "{want} in {got:?}");
    }
    let mut written = good.clone();
    written["stage"] = json!("written");
    assert_eq!(s.staff.post(&sessions, written).await.code(), "unknown_stage");
    assert_eq!(app.count("defence_sessions").await, 0);
    let r = s.staff.post(&sessions, good.clone()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let session = r.json["id"].as_i64().unwrap();
    let times: Vec<&str> = r.json["slots"].as_array().unwrap().iter().map(|x| x["time"].as_str().unwrap()).collect();
    assert_eq!(times, ["09:00", "09:30"], "in time order");
    assert_eq!(app.count("outbox WHERE kind = 'defence_scheduled' AND body LIKE '%区民政局三楼会议室%'").await, 2);
    let r = s.staff.post(&sessions, good).await;
    assert_eq!((r.status, r.code()), (409, "already_scheduled"));

    // The defence panel: three reviewers on each shortlisted bid, on the defence rubric.
    let r = s
        .staff
        .post(&format!("/api/v1/calls/{call}/assignments"), json!({"stage": "defence", "reviewers_per_bid": 3}))
        .await;
    assert_eq!(
        (r.status, r.json["bids"].as_i64(), r.json["stage"].as_str()),
        (201, Some(2), Some("defence")),
        "{}",
        r.text
    );
    let r = s.staff.post(&path, json!({"stage": "defence", "top_n": 2})).await;
    assert_eq!((r.status, r.code()), (409, "stage_drawn"), "the shortlist is locked once drawn");
    let r = s.staff.post(&format!("/api/v1/calls/{call}/decide"), json!({})).await;
    assert_eq!((r.status, r.code()), (409, "stages_incomplete"), "not before the defence is scored");
    assert_eq!(app.count("notices").await, 0);
    let screen = format!("/api/v1/sessions/{session}/screen");
    assert_eq!(s.fin.get(&screen).await.status, 403);
    assert_eq!(s.reviewers[1].1.get(&screen).await.status, 403, "panel members never see others' scores");
    let v = s.staff.get(&screen).await;
    assert_eq!(v.status, 200, "{}", v.text);
    assert_eq!((v.json["rows"][0]["panel"].as_i64(), v.json["rows"][0]["score"].is_null()), (Some(3), true));

    // Bid 1 on site: 88.5, 91, 90 → 89.83; bid 3: 70 each.
    let plan: HashMap<i64, Vec<&str>> =
        HashMap::from([(s.bids[0], vec!["88.5", "91", "90"]), (s.bids[2], vec!["70"; 3])]);
    let mut used: HashMap<i64, usize> = HashMap::new();
    let mut last_on_b1 = None;
    for (_, c) in &s.reviewers {
        for a in c.get("/api/v1/me/assignments").await.json.as_array().unwrap() {
            if a["stage"] != "defence" {
                continue;
            }
            assert_eq!(a["stage_name"], "现场答辩");
            let (aid, bid) = (a["id"].as_i64().unwrap(), a["bid_id"].as_i64().unwrap());
            c.post(&format!("/api/v1/assignments/{aid}/accept"), json!({})).await;
            let r = c.put(&format!("/api/v1/assignments/{aid}/review"), uniform("80", true)).await;
            assert_eq!((r.status, r.code()), (422, "unknown_criterion"), "the defence has its own rubric");
            let i = used.entry(bid).or_insert(0);
            if bid == s.bids[0] && *i == 2 {
                last_on_b1 = Some((aid, c.clone()));
                continue;
            }
            let r = c.put(&format!("/api/v1/assignments/{aid}/review"), defence_scores(plan[&bid][*i])).await;
            assert_eq!(r.status, 200, "{}", r.text);
            *i += 1;
        }
    }
    let row =
        |v: &Value, bid: &str| v["rows"].as_array().unwrap().iter().find(|r| r["reference"] == bid).unwrap().clone();
    let refs: Vec<String> = {
        let v = s.staff.get(&screen).await;
        v.json["rows"].as_array().unwrap().iter().map(|r| r["reference"].as_str().unwrap().to_string()).collect()
    };
    let v = s.staff.get(&screen).await;
    let (first, third) = (row(&v.json, &refs[0]), row(&v.json, &refs[1]));
    assert_eq!(
        (first["submitted"].as_i64(), first["locked"].as_bool(), first["score"].is_null()),
        (Some(2), Some(false), true),
        "no partial mean"
    );
    assert_eq!((third["locked"].as_bool(), third["score"].as_str()), (Some(true), Some("70.00")));
    let (aid, c) = last_on_b1.unwrap();
    assert_eq!(c.put(&format!("/api/v1/assignments/{aid}/review"), defence_scores("90")).await.status, 200);
    let v = s.staff.get(&screen).await;
    let first = row(&v.json, &refs[0]);
    assert_eq!((first["locked"].as_bool(), first["score"].as_str()), (Some(true), Some("89.83")));
    // Announced in the room: locked.
    let r = s.staff.post(&format!("/api/v1/assignments/{aid}/reopen"), json!({"reason": "改分"})).await;
    assert_eq!((r.status, r.code()), (409, "score_announced"), "{}", r.text);

    // Final: 60 % × 80.17 + 40 % × 89.83 = 84.034 → 84.03, plus 3 bonus points = 87.03.
    //        60 % × 90 + 40 % × 70 = 82.00, plus 10 (capped) = 92.00.
    let r = s.staff.get(&format!("/api/v1/calls/{call}/ranking")).await;
    assert_eq!(r.status, 200);
    let rows: Vec<Value> =
        r.json["pools"].as_array().unwrap().iter().flat_map(|p| p["rows"].as_array().unwrap().clone()).collect();
    let get = |bid: i64| rows.iter().find(|x| x["bid_id"] == bid).unwrap().clone();
    let (r1, r2, r3) = (get(s.bids[0]), get(s.bids[1]), get(s.bids[2]));
    assert_eq!((r1["score"].as_str(), r1["bonus"].as_str()), (Some("87.03"), Some("3.00")), "{r1}");
    assert_eq!(r1["stage_scores"][0]["score"], "80.17");
    assert_eq!(
        (r1["stage_scores"][1]["score"].as_str(), r1["stage_scores"][1]["reviews"].as_i64()),
        (Some("89.83"), Some(3))
    );
    assert_eq!((r3["score"].as_str(), r3["bonus"].as_str()), (Some("92.00"), Some("10.00")));
    assert_eq!((r2["score"].is_null(), r2["outcome"].as_str()), (true, Some("not_shortlisted")));
    assert_eq!(r2["stage_scores"][0]["score"], "70.00", "its written score is still shown");
    assert!(r1["recommended"].as_bool().unwrap() && r3["recommended"].as_bool().unwrap());
    // The decision and the notice carry the composite.
    let r = s.staff.post(&format!("/api/v1/calls/{call}/decide"), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let notice = r.json["notice_id"].as_i64().unwrap();
    let n = app.client().get(&format!("/api/v1/notices/{notice}")).await;
    assert!(n.text.contains("87.03") && n.text.contains("92.00"), "{}", n.text);
    // `gongyi audit verify` replays both stages' totals.
    let (ok, out) = crate::audit::verify_cli(&app, "test-audit-key");
    assert!(ok, "{out}");
}

/// The same steps through the staff pages: shortlist, schedule, draw, and the room's screen.
async fn stages_through_the_pages(app: TestApp) {
    let s = stage_one(&app).await;
    let call = s.call.id;
    let page = format!("/staff/calls/{call}/stages");
    let v = s.staff.get(&page).await;
    assert_eq!(v.status, 200, "{}", v.text);
    assert!(v.text.contains("尚未确定入围名单") && v.text.contains("确定入围名单并通知"));
    assert!(s.staff.get(&format!("/staff/calls/{call}")).await.text.contains(&page), "linked from the call");
    assert_eq!(s.reviewers[1].1.get(&page).await.status, 403);
    let r = s.staff.post_form(&format!("/staff/calls/{call}/shortlist"), &[("stage", "defence"), ("top_n", "1")]).await;
    assert_eq!(r.status, 403, "no CSRF token");
    let token = s.staff.csrf(&page).await;
    let r = s
        .staff
        .post_form(
            &format!("/staff/calls/{call}/shortlist"),
            &[("csrf", &token), ("stage", "defence"), ("rule", "min_score"), ("min_score", "99")],
        )
        .await;
    assert!(matches!(r.status, 409 | 422), "explained on the page: {}", r.status);
    assert!(r.text.contains("没有项目入围"), "{}", r.text);
    let r = s
        .staff
        .post_form(
            &format!("/staff/calls/{call}/shortlist"),
            &[("csrf", &token), ("stage", "defence"), ("rule", "top_n"), ("top_n", "1")],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let v = s.staff.get(&format!("{page}?done=shortlisted")).await;
    assert!(
        v.text.contains("入围名单已确定") && v.text.contains("80.17") && v.text.contains("安排答辩场次"),
        "{}",
        v.text
    );
    let (b1, b3) = (format!("time_{}", s.bids[0]), format!("time_{}", s.bids[2]));
    let r = s
        .staff
        .post_form(
            &format!("/staff/calls/{call}/sessions"),
            &[
                ("csrf", &token),
                ("stage", "defence"),
                ("venue", "区民政局三楼会议室"),
                ("date", "2026-03-20"),
                (&b1, "09:00"),
                (&b3, "09:30"),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let r = s
        .staff
        .post_form(
            &format!("/staff/calls/{call}/assignments"),
            &[("csrf", &token), ("stage", "defence"), ("reviewers_per_bid", "3")],
        )
        .await;
    assert_eq!(
        (r.status, r.headers.get("location").and_then(|l| l.to_str().ok())),
        (303, Some(format!("{page}?done=drawn").as_str()))
    );
    assert_eq!(app.count("defence_slots").await, 2);
    let v = s.staff.get(&page).await;
    let screen = v.text.split("href=\"/staff/sessions/").nth(1).unwrap().split('"').next().unwrap().to_string();
    let room = s.staff.get(&format!("/staff/sessions/{screen}")).await;
    assert_eq!(room.status, 200, "{}", room.text);
    assert!(
        room.text.contains("http-equiv=\"refresh\"") && room.text.contains("评分中") && room.text.contains("0 / 3")
    );
    // Reviewers see the stage on their list.
    let list = s.reviewers[1].1.get("/review").await;
    assert!(list.text.contains("现场答辩") || list.text.contains("书面评审"), "{}", list.text);
}

crate::on_both!(
    stages_are_checked_when_drafted_and_published,
    two_stages_make_an_exact_weighted_score,
    stages_through_the_pages
);

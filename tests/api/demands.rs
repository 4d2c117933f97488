//! Residents' demands (群众诉求) through their flow, topics drawn from them, calls and bids that
//! answer them, and the public needs board, which never shows who raised a demand.

use crate::flow::*;
use crate::helpers::*;
use crate::review::score_all;
use serde_json::{json, Value};

const VILLAGE: &str = "340207101001"; // 沈巷社区, 沈巷镇
const VILLAGE2: &str = "340207101002"; // 雍镇社区, 沈巷镇
const ERBA_VILLAGE: &str = "340207102001"; // 二坝社区, 二坝镇
const REPORTER: &str = "张大爷";
const CONTACT: &str = "13900001111";

fn demand(text: &str) -> Value {
    json!({"channel": "visit", "category": "养老服务", "text": text,
           "reporter_name": REPORTER, "reporter_contact": CONTACT})
}

async fn file(c: &Client, body: Value) -> i64 {
    let r = c.post("/api/v1/demands", body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json["id"].as_i64().unwrap()
}

async fn move_to(c: &Client, id: i64, to: &str, note: &str) -> Res {
    c.post(&format!("/api/v1/demands/{id}/transition"), json!({"to": to, "note": note})).await
}

async fn demands_flow_scope_and_transitions(app: TestApp) {
    app.add_user("cun1", "community", Some(VILLAGE)).await;
    app.add_user("cun2", "community", Some(VILLAGE2)).await;
    app.add_user("sxz", "staff", Some(SHENXIANG)).await;
    app.add_user("erba", "staff", Some(ERBA)).await;
    let (cun1, cun2, sx, erba) =
        (app.login("cun1").await, app.login("cun2").await, app.login("sxz").await, app.login("erba").await);
    // A village worker needs its village: refused without one, or with a town.
    let admin = app.as_role("root", "admin").await;
    for (region, code) in [(Value::Null, "region_required"), (json!(SHENXIANG), "unknown_village")] {
        let r = admin
            .post(
                "/api/v1/users",
                json!({"login": "cun9", "password": PASSWORD, "display_name": "村干部",
                "role": "community", "region_code": region}),
            )
            .await;
        assert_eq!((r.status, r.json["error"]["errors"][0]["code"].as_str()), (422, Some(code)), "{}", r.text);
    }

    let id = file(&cun1, demand("小区高龄独居老人多，希望有人定期上门探访。")).await;
    let d = cun1.get(&format!("/api/v1/demands/{id}")).await.json;
    assert_eq!((d["region_code"].as_str(), d["status"].as_str()), (Some(VILLAGE), Some("registered")));
    assert_eq!(d["reporter_name"], REPORTER, "the village sees who raised it");
    assert_eq!(d["next"].as_array().map(Vec::len), Some(2));
    // Refused, nothing written: another village, a bad channel, a long category, no text.
    for (body, field) in [
        (json!({"region_code": VILLAGE2, "channel": "visit", "category": "养老", "text": "x"}), "region_code"),
        (json!({"channel": "wechat", "category": "养老", "text": "x"}), "channel"),
        (json!({"channel": "visit", "category": "长".repeat(21), "text": "x"}), "category"),
        (json!({"channel": "visit", "category": "养老", "text": " "}), "text"),
    ] {
        let r = cun1.post("/api/v1/demands", body).await;
        assert_eq!((r.status, r.json["error"]["field"].as_str()), (422, Some(field)), "{}", r.text);
    }
    assert_eq!(app.count("demands").await, 1);
    // Other roles: 403; anonymous 401.
    for role in ["finance", "reviewer", "evaluator"] {
        let c = app.as_role(&format!("{role}9"), role).await;
        assert_eq!(c.get("/api/v1/demands").await.status, 403, "{role}");
        assert_eq!(c.post("/api/v1/demands", demand("x")).await.status, 403, "{role}");
    }
    assert_eq!(app.client().get("/api/v1/demands").await.status, 401);
    // Another village and another town see nothing of it.
    for c in [&cun2, &erba] {
        assert_eq!(c.get(&format!("/api/v1/demands/{id}")).await.status, 404);
        assert_eq!(c.get("/api/v1/demands").await.json, json!([]));
        assert_eq!(move_to(c, id, "escalated", "").await.status, 404);
    }
    assert_eq!(sx.get("/api/v1/demands").await.json.as_array().map(Vec::len), Some(1));
    assert_eq!(erba.get(&format!("/api/v1/demands?region={VILLAGE}")).await.json, json!([]), "not widened by a filter");

    // The flow: the village may not accept; nothing skips a step; settling needs a note.
    assert_eq!(move_to(&cun1, id, "accepted", "").await.code(), "bad_transition");
    assert_eq!(move_to(&cun1, id, "answered", "x").await.code(), "bad_transition");
    let r = move_to(&cun1, id, "resolved_locally", " ").await;
    assert_eq!((r.status, r.json["error"]["field"].as_str()), (422, Some("note")));
    assert_eq!(move_to(&cun1, id, "finished", "").await.status, 422);
    let r = move_to(&cun1, id, "escalated", "村里无力解决，上报镇里").await;
    assert_eq!((r.status, r.json["status"].as_str()), (200, Some("escalated")), "{}", r.text);
    assert_eq!(move_to(&cun1, id, "escalated", "").await.code(), "bad_transition");
    assert_eq!(move_to(&cun1, id, "accepted", "").await.status, 403, "accepting is the town's");
    assert_eq!(app.count("outbox WHERE kind = 'demand_moved' AND to_addr = 'sxz@example.cn'").await, 1);
    let r = move_to(&sx, id, "accepted", "").await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(move_to(&sx, id, "topic", "").await.code(), "bad_transition", "topics are made by linking");
    let r = move_to(&sx, id, "answered", "已协调社工站每周探访").await;
    assert_eq!((r.status, r.json["status"].as_str()), (200, Some("answered")));
    let events: Vec<&str> = r.json["events"].as_array().unwrap().iter().map(|e| e["to"].as_str().unwrap()).collect();
    assert_eq!(events, vec!["registered", "escalated", "accepted", "answered"]);
    assert_eq!(app.count("outbox WHERE kind = 'demand_moved' AND to_addr = 'cun1@example.cn'").await, 2);
    assert_eq!(app.count("audit_log WHERE action = 'demand.transition'").await, 3);
    // Settled in the village.
    let second = file(&cun1, demand("路灯坏了")).await;
    let r = move_to(&cun1, second, "resolved_locally", "已报修，当天修好").await;
    assert_eq!(r.json["status"], "resolved_locally");
    // Staff file for a village in their town; a filter by status.
    let third = file(
        &sx,
        json!({"region_code": VILLAGE2, "channel": "hotline", "category": "儿童关爱", "text": "放学后无人照看"}),
    )
    .await;
    let r = sx
        .post(
            "/api/v1/demands",
            json!({"region_code": ERBA_VILLAGE, "channel": "hotline", "category": "x", "text": "y"}),
        )
        .await;
    assert_eq!((r.status, r.json["error"]["field"].as_str()), (422, Some("region_code")));
    let open = sx.get("/api/v1/demands?status=registered").await.json;
    assert_eq!(open.as_array().unwrap().iter().map(|d| d["id"].as_i64().unwrap()).collect::<Vec<_>>(), vec![third]);
    assert_eq!(sx.get("/api/v1/demands?status=nonsense").await.status, 422);
    // Raced: two accepts of one escalated demand, one wins.
    assert_eq!(move_to(&cun2, third, "escalated", "").await.status, 200);
    let (a, b) = tokio::join!(move_to(&sx, third, "accepted", ""), move_to(&sx, third, "accepted", ""));
    let mut st = [a.status, b.status];
    st.sort();
    assert_eq!(st, [200, 409], "{} / {}", a.text, b.text);
    // No mail names the reporter.
    assert_eq!(app.count(&format!("outbox WHERE body LIKE '%{REPORTER}%' OR body LIKE '%{CONTACT}%'")).await, 0);
    assert_eq!(app.count(&format!("audit_log WHERE detail LIKE '%{CONTACT}%'")).await, 0);
}

async fn escalated_demands_are_reminded_after_five_working_days(app: TestApp) {
    app.add_user("cun1", "community", Some(VILLAGE)).await;
    app.add_user("sxz", "staff", Some(SHENXIANG)).await;
    app.clock.set("2026-03-02T09:00:00+08:00".parse().unwrap()); // a Monday
    let cun1 = app.login("cun1").await;
    let id = file(&cun1, demand("垃圾清运不及时")).await;
    assert_eq!(move_to(&cun1, id, "escalated", "").await.status, 200);
    let remind = |at: &str| {
        app.clock.set(at.parse().unwrap());
        let (st, ctx) = (app.state.clone(), app.system_ctx());
        async move { st.db(move |c| gongyi::service::demands::remind_escalated(c, &ctx)).await.unwrap() }
    };
    // Five working days: due 2026-03-09; reminded from the day after, once.
    assert_eq!(remind("2026-03-09T18:00:00+08:00").await, 0);
    assert_eq!(remind("2026-03-10T09:00:00+08:00").await, 1);
    assert_eq!(remind("2026-03-11T09:00:00+08:00").await, 0);
    assert_eq!(app.count("outbox WHERE kind = 'demand_waiting' AND to_addr = 'sxz@example.cn'").await, 1);
}

async fn topics_calls_and_bids_answer_the_needs(app: TestApp) {
    app.add_user("cun1", "community", Some(VILLAGE)).await;
    app.add_user("cun3", "community", Some(ERBA_VILLAGE)).await;
    app.add_user("sxz", "staff", Some(SHENXIANG)).await;
    app.add_user("erba", "staff", Some(ERBA)).await;
    let (cun1, cun3, sx, erba) =
        (app.login("cun1").await, app.login("cun3").await, app.login("sxz").await, app.login("erba").await);
    let mut accepted = Vec::new();
    for text in ["独居老人希望有人上门探访", "老人就餐不便，希望有助餐点"] {
        let id = file(&cun1, demand(text)).await;
        assert_eq!(move_to(&cun1, id, "escalated", "").await.status, 200);
        assert_eq!(move_to(&sx, id, "accepted", "").await.status, 200);
        accepted.push(id);
    }
    let waiting = file(&cun1, demand("还没上报的")).await;
    let other = file(&cun3, demand("二坝的诉求")).await;
    assert_eq!(move_to(&cun3, other, "escalated", "").await.status, 200);
    assert_eq!(move_to(&erba, other, "accepted", "").await.status, 200);
    let topic = |ids: Vec<i64>, region: &str| json!({"year": 2026, "title": "高龄独居老人关爱", "description": "探访、助餐", "region_code": region, "demand_ids": ids});
    // Refused, nothing moved.
    let fin = app.as_role("fin9", "finance").await;
    assert_eq!(fin.post("/api/v1/topics", topic(accepted.clone(), SHENXIANG)).await.status, 403);
    assert_eq!(cun1.post("/api/v1/topics", topic(accepted.clone(), SHENXIANG)).await.status, 403);
    let r = erba.post("/api/v1/topics", topic(accepted.clone(), SHENXIANG)).await;
    assert_eq!((r.status, r.json["error"]["field"].as_str()), (422, Some("region_code")), "{}", r.text);
    let r = sx.post("/api/v1/topics", topic(vec![accepted[0], waiting], SHENXIANG)).await;
    assert_eq!(r.code(), "bad_transition", "a demand not yet accepted");
    let r = sx.post("/api/v1/topics", topic(vec![accepted[0], other], SHENXIANG)).await;
    assert_eq!((r.status, r.json["error"]["field"].as_str()), (422, Some("demand_ids[1]")), "another town's");
    assert_eq!(sx.post("/api/v1/topics", topic(vec![], SHENXIANG)).await.status, 422);
    assert_eq!(app.count("topics").await, 0);
    assert_eq!(app.count("demands WHERE status = 'topic'").await, 0);
    let r = sx.post("/api/v1/topics", topic(accepted.clone(), SHENXIANG)).await;
    assert_eq!((r.status, r.json["demand_count"].as_i64()), (201, Some(2)), "{}", r.text);
    let tid = r.json["id"].as_i64().unwrap();
    assert_eq!(app.count(&format!("demands WHERE status = 'topic' AND topic_id = {tid}")).await, 2);
    let public = app.client().get("/api/v1/topics?year=2026").await;
    assert_eq!((public.json[0]["demand_count"].as_i64(), public.json[0]["demands"].clone()), (Some(2), json!([])));
    assert!(!public.text.contains(REPORTER) && !sx.get("/api/v1/topics").await.text.contains(REPORTER));
    assert_eq!(sx.get(&format!("/api/v1/topics/{tid}")).await.json["demands"].as_array().map(Vec::len), Some(2));
    // A 2027 topic does not fit a 2026 call; an unknown one neither.
    let later = file(&cun1, demand("明年的")).await;
    move_to(&cun1, later, "escalated", "").await;
    move_to(&sx, later, "accepted", "").await;
    let mut t27 = topic(vec![later], SHENXIANG);
    t27["year"] = json!(2027);
    let t27 = sx.post("/api/v1/topics", t27).await.json["id"].as_i64().unwrap();
    let staff = app.as_role("staff1", "staff").await;
    ensure_funds(&staff).await;
    for (ids, code) in [(json!([t27]), "topic_year"), (json!([999999]), "unknown_topic")] {
        let mut body = call_body();
        body["topics"] = ids;
        let r = staff.post("/api/v1/calls", body).await;
        assert_eq!((r.status, r.json["error"]["errors"][0]["code"].as_str()), (422, Some(code)), "{}", r.text);
    }
    let mut body = call_body();
    body["topics"] = json!([tid]);
    body["topic_required"] = json!(true);
    let call = published_call(&staff, body).await;
    let v = app.client().get(&format!("/api/v1/calls/{}", call.id)).await.json;
    assert_eq!(
        (v["topics"][0]["title"].as_str(), v["topic_required"].as_bool()),
        (Some("高龄独居老人关爱"), Some(true))
    );
    let pdf =
        app.client().http.get(format!("{}/api/v1/calls/{}/announcement.pdf", app.base, call.id)).send().await.unwrap();
    if let Some(text) = pdf_text(&pdf.bytes().await.unwrap()) {
        assert!(text.contains("申报选题") && text.contains("高龄独居老人关爱"), "{text}");
    }
    // Bids: a foreign topic refused; none refused at submission; the topic shown with its demands.
    let (_, org) = org(&app, &staff, "orga", "52340207MJ0030001").await;
    open_window(&app, &[&staff, &org]).await;
    let mut bid = bid_body(call.shenxiang, VILLAGE, "100000.00");
    bid["topic_id"] = json!(t27);
    let r = org.post(&format!("/api/v1/calls/{}/bids", call.id), bid.clone()).await;
    assert_eq!(
        (r.status, r.json["error"]["errors"][0]["code"].as_str()),
        (422, Some("topic_not_in_call")),
        "{}",
        r.text
    );
    bid["topic_id"] = Value::Null;
    let r = org.post(&format!("/api/v1/calls/{}/bids", call.id), bid.clone()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let bid_id = r.json["id"].as_i64().unwrap();
    let r = org.post(&format!("/api/v1/bids/{bid_id}/submit"), json!({})).await;
    assert_eq!((r.status, r.json["error"]["errors"][0]["code"].as_str()), (422, Some("topic_required")), "{}", r.text);
    bid["topic_id"] = json!(tid);
    assert_eq!(org.put(&format!("/api/v1/bids/{bid_id}"), bid.clone()).await.status, 200);
    let r = org.post(&format!("/api/v1/bids/{bid_id}/submit"), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let b = org.get(&format!("/api/v1/bids/{bid_id}")).await;
    assert_eq!(
        (b.json["topic_id"].as_i64(), b.json["topic"]["demands"].as_array().map(Vec::len)),
        (Some(tid), Some(2))
    );
    assert!(!b.text.contains(REPORTER) && !b.text.contains(CONTACT));
    // Funded: the board names the topic with its project; counts per town, never a reporter.
    close_window(&app, &[&staff]).await;
    let fin = app.as_role("fin1", "finance").await;
    assert_eq!(staff.post(&format!("/api/v1/bids/{bid_id}/screening"), json!({"eligible": true})).await.status, 200);
    let r = fin
        .post(&format!("/api/v1/bids/{bid_id}/finance"), json!({"approved_amount": "90000.00", "note": "核定"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let admin = app.as_role("root", "admin").await;
    let mut reviewers = Vec::new();
    for i in 0..5 {
        let r = admin
            .post(
                "/api/v1/users",
                json!({"login": format!("rev{i}"), "password": PASSWORD, "display_name": format!("专家{i}"),
                "email": format!("rev{i}@example.cn"), "role": "reviewer"}),
            )
            .await;
        reviewers.push((r.json["id"].as_i64().unwrap(), app.login(&format!("rev{i}")).await));
    }
    let s = crate::review::Setup { staff, fin, call, bids: vec![bid_id], reviewers };
    s.staff.post(&format!("/api/v1/calls/{}/assignments", s.call.id), json!({"reviewers_per_bid": 3})).await;
    score_all(&s, |_| "80").await;
    // A reviewer sees the topic and the demands behind it, not who raised them.
    let mut seen = 0;
    for (_, c) in &s.reviewers {
        let r = c.get(&format!("/api/v1/bids/{bid_id}")).await;
        if r.status == 200 {
            assert_eq!(r.json["topic"]["demands"].as_array().map(Vec::len), Some(2));
            assert!(!r.text.contains(REPORTER));
            seen += 1;
        }
    }
    assert_eq!(seen, 3, "the bid's three reviewers");
    assert_eq!(s.staff.post(&format!("/api/v1/calls/{}/decide", s.call.id), json!({})).await.status, 200);
    app.clock.set("2026-03-12T09:00:00+08:00".parse().unwrap());
    app.relogin(&[&s.staff]).await;
    assert_eq!(s.staff.post(&format!("/api/v1/calls/{}/finalize", s.call.id), json!({})).await.status, 200);
    let board = app.client().get("/api/v1/public/demands").await;
    assert_eq!(board.status, 200);
    let t = board.json["topics"].as_array().unwrap().iter().find(|t| t["id"] == tid).unwrap().clone();
    assert_eq!((t["demand_count"].as_i64(), t["projects"].as_array().map(Vec::len)), (Some(2), Some(1)), "{t}");
    assert_eq!(t["projects"][0]["title"], b.json["title"]);
    let town = board.json["towns"].as_array().unwrap().iter().find(|t| t["region_code"] == SHENXIANG).unwrap().clone();
    assert_eq!((town["name"].as_str(), town["total"].as_i64()), (Some("沈巷镇"), Some(4)));
    assert!(!board.text.contains(REPORTER) && !board.text.contains(CONTACT) && !board.text.contains("独居老人希望"));
    let only = app.client().get(&format!("/api/v1/public/demands?region={ERBA}")).await.json;
    assert_eq!(only["towns"].as_array().map(Vec::len), Some(1));
    assert_eq!(only["topics"], json!([]));
}

/// The village worker's and the town's pages: file, escalate, accept, draw a topic, the public
/// board; another town's staff get 404.
async fn demands_through_the_pages(app: TestApp) {
    app.add_user("cun1", "community", Some(VILLAGE)).await;
    app.add_user("sxz", "staff", Some(SHENXIANG)).await;
    app.add_user("erba", "staff", Some(ERBA)).await;
    let (cun1, sxz, erba) = (app.login("cun1").await, app.login("sxz").await, app.login("erba").await);
    let html = cun1.get("/demands").await.text;
    assert!(html.contains("登记一项诉求") && !html.contains("name=\"region_code\""), "the village is implied");
    let token = cun1.csrf("/demands").await;
    let form = [("csrf", token.as_str()), ("channel", "meeting"), ("category", ""), ("text", "希望建老年食堂")];
    let r = cun1.post_form("/demands", &form).await;
    assert_eq!(r.status, 422, "a category is needed");
    assert!(r.text.contains("希望建老年食堂"), "what was typed comes back");
    let form = [
        ("csrf", token.as_str()),
        ("channel", "meeting"),
        ("category", "养老服务"),
        ("text", "希望建老年食堂"),
        ("reporter_name", REPORTER),
    ];
    let r = cun1.post_form("/demands", &form).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let page = r.headers["location"].to_str().unwrap().split('?').next().unwrap().to_string();
    let id: i64 = page.rsplit('/').next().unwrap().parse().unwrap();
    let html = cun1.get(&page).await.text;
    assert!(html.contains("上报镇街") && html.contains(REPORTER), "{html}");
    let token = cun1.csrf(&page).await;
    let r = cun1
        .post_form(&format!("/demands/{id}/transition"), &[("csrf", &token), ("to", "escalated"), ("note", "")])
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert_eq!(erba.get(&page).await.status, 404);
    let queue = sxz.get("/demands?status=escalated").await.text;
    assert!(queue.contains("希望建老年食堂"), "the town's queue");
    let token = sxz.csrf(&page).await;
    let r = sxz
        .post_form(&format!("/demands/{id}/transition"), &[("csrf", &token), ("to", "accepted"), ("note", "")])
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let html = sxz.get("/topics").await.text;
    assert!(html.contains("希望建老年食堂") && !html.contains(REPORTER));
    let token = sxz.csrf("/topics").await;
    let id_s = id.to_string();
    let r = sxz
        .post_form(
            "/topics",
            &[
                ("csrf", &token),
                ("year", "2027"),
                ("title", "社区助餐"),
                ("description", ""),
                ("region_code", SHENXIANG),
                ("demand_ids", &id_s),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let board = app.client().get("/needs").await;
    assert_eq!(board.status, 200);
    assert!(board.text.contains("社区助餐") && board.text.contains("沈巷镇"), "{}", board.text);
    assert!(!board.text.contains(REPORTER) && !board.text.contains("希望建老年食堂"));
}

crate::on_both!(
    demands_through_the_pages,
    demands_flow_scope_and_transitions,
    escalated_demands_are_reminded_after_five_working_days,
    topics_calls_and_bids_answer_the_needs
);

//! Volunteer points (积分制) through a village's month: participants, the catalogue and its
//! freeze, claims valued by it (late, future, over the cap), two reviews by two people, the
//! posting and an upheld objection, the 积分超市 (balance and stock, also under concurrent
//! exchanges), statistics per town, and the public board with masked names.

use crate::flow::*;
use crate::helpers::*;
use serde_json::{json, Value};

const VILLAGE: &str = "340207101001"; // 沈巷社区, 沈巷镇
const ERBA_VILLAGE: &str = "340207102001";

fn at(app: &TestApp, t: &str) {
    app.clock.set(t.parse().unwrap());
}

async fn person(c: &Client, name: &str) -> i64 {
    let r =
        c.post("/api/v1/points/participants", json!({"name": name, "kind": "person", "tags": ["平安志愿者"]})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    r.json["id"].as_i64().unwrap()
}

fn items() -> Value {
    json!([
        {"code": "PA01", "category": "平安建设", "name": "夜间治安巡逻", "points": 5, "monthly_cap": 2},
        {"code": "XC01", "category": "理论宣讲", "name": "政策宣讲进小区", "points": 10}
    ])
}

async fn approve(first: &Client, second: &Client, id: i64) {
    let r = first.post(&format!("/api/v1/points/claims/{id}/review"), json!({"step": "first", "approved": true})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r =
        second.post(&format!("/api/v1/points/claims/{id}/review"), json!({"step": "second", "approved": true})).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

async fn claim(c: &Client, who: i64, item: &str, day: &str) -> Res {
    c.post("/api/v1/points/claims", json!({"participant_id": who, "item_code": item, "activity_date": day})).await
}

async fn a_month_in_a_village(app: TestApp) {
    app.add_user("cun1", "community", Some(VILLAGE)).await;
    app.add_user("cun2", "community", Some(VILLAGE)).await;
    app.add_user("sxz", "staff", Some(SHENXIANG)).await;
    app.add_user("erba", "staff", Some(ERBA)).await;
    app.add_user("cunerba", "community", Some(ERBA_VILLAGE)).await;
    let (cun1, cun2, sx, erba, other) = (
        app.login("cun1").await,
        app.login("cun2").await,
        app.login("sxz").await,
        app.login("erba").await,
        app.login("cunerba").await,
    );
    let anon = app.client();
    // Participants of the village; another town and another village see nothing of them.
    let a = person(&cun1, "张三明").await;
    let b = person(&cun1, "李四").await;
    let d = person(&cun2, "欧阳小明").await;
    let r = cun1.post("/api/v1/points/participants", json!({"name": "王五", "kind": "family"})).await;
    assert_eq!((r.status, r.json["error"]["field"].as_str()), (422, Some("kind")), "{}", r.text);
    for c in [&erba, &other] {
        assert_eq!(c.get(&format!("/api/v1/points/participants/{a}")).await.status, 404);
        assert_eq!(c.get(&format!("/api/v1/points/participants?region_code={VILLAGE}")).await.status, 404);
    }
    assert_eq!(anon.get("/api/v1/points/participants").await.status, 401);
    assert_eq!(
        sx.get(&format!("/api/v1/points/participants?region_code={VILLAGE}")).await.json.as_array().unwrap().len(),
        3
    );

    // The February catalogue, before February: values only 3/5/10/15/20; each version kept.
    let cat = format!("/api/v1/points/catalogues/{VILLAGE}/2026-02");
    let mut bad = items();
    bad[0]["points"] = json!(4);
    let r = cun1.put(&cat, json!({"items": bad, "note": "二月重点：春节治安"})).await;
    assert_eq!((r.status, r.json["error"]["code"].as_str()), (422, Some("bad_points")), "{}", r.text);
    assert_eq!(cun1.put(&cat, json!({"items": [items()[0]], "note": "初稿"})).await.status, 200);
    let r = cun1.put(&cat, json!({"items": items(), "note": "二月重点：春节治安与政策宣讲"})).await;
    assert_eq!((r.status, r.json["version"].as_i64()), (200, Some(2)), "{}", r.text);
    assert_eq!(other.put(&cat, json!({"items": items(), "note": "x"})).await.status, 404);
    let march = cun1.get(&format!("/api/v1/points/catalogues/{VILLAGE}/2026-03")).await;
    assert_eq!(march.json["in_force"]["month"], "2026-02", "a month without its own uses the last one");
    assert_eq!(march.json["versions"].as_array().unwrap().len(), 2);
    // Frozen once February begins.
    at(&app, "2026-02-03T10:00:00+08:00");
    app.relogin(&[&cun1, &cun2, &sx, &erba, &other]).await;
    let r = cun1.put(&cat, json!({"items": items(), "note": "改"})).await;
    assert_eq!((r.status, r.code()), (409, "catalogue_frozen"));

    // Claims: valued by the catalogue; late, future and over the cap refused, nothing written.
    let r = claim(&cun1, a, "PA01", "2026-02-02").await;
    assert_eq!(
        (r.status, r.json["points"].as_i64(), r.json["status"].as_str()),
        (201, Some(5), Some("filed")),
        "{}",
        r.text
    );
    let first = r.json["id"].as_i64().unwrap();
    let r = claim(&cun1, a, "PA01", "2026-01-29").await;
    assert_eq!((r.status, r.json["error"]["code"].as_str()), (422, Some("claim_late")), "{}", r.text);
    let r = claim(&cun1, a, "PA01", "2026-02-04").await;
    assert_eq!((r.status, r.json["error"]["code"].as_str()), (422, Some("date_in_future")));
    let r = claim(&cun1, a, "NOPE", "2026-02-02").await;
    assert_eq!((r.status, r.json["error"]["field"].as_str()), (422, Some("item_code")));
    let r = cun1
        .post("/api/v1/points/activities", json!({"participant_ids": [a, b, d], "item_code": "PA01", "activity_date": "2026-02-03", "note": "春节前夜巡"}))
        .await;
    assert_eq!((r.status, r.json.as_array().map(Vec::len)), (201, Some(3)), "{}", r.text);
    let before = app.count("points_claims").await;
    let r = cun1
        .post(
            "/api/v1/points/activities",
            json!({"participant_ids": [b, a], "item_code": "PA01", "activity_date": "2026-02-03"}),
        )
        .await;
    assert_eq!((r.status, r.code()), (409, "cap_reached"), "{}", r.text);
    assert_eq!(app.count("points_claims").await, before, "all or nothing");
    let r = claim(&cun2, d, "XC01", "2026-02-03").await;
    assert_eq!(r.status, 201);
    assert_eq!(claim(&erba, a, "XC01", "2026-02-03").await.status, 404);

    // Two steps by two people.
    let path = format!("/api/v1/points/claims/{first}/review");
    let r = cun2.post(&path, json!({"step": "second", "approved": true})).await;
    assert_eq!((r.status, r.code()), (409, "first_review_pending"));
    assert_eq!(cun1.post(&path, json!({"step": "first", "approved": true})).await.status, 200);
    let r = cun1.post(&path, json!({"step": "second", "approved": true})).await;
    assert_eq!((r.status, r.code()), (409, "same_reviewer"));
    let r = cun2.post(&path, json!({"step": "second", "approved": false})).await;
    assert_eq!((r.status, r.json["error"]["field"].as_str()), (422, Some("note")));
    assert_eq!(cun2.post(&path, json!({"step": "second", "approved": true})).await.json["status"], "approved");
    assert_eq!(cun2.post(&path, json!({"step": "second", "approved": true})).await.code(), "not_at_step");
    let work = cun1.get("/api/v1/worklist").await.json;
    let review = work["items"].as_array().unwrap().iter().find(|i| i["kind"] == "points_review").cloned();
    assert_eq!(review.map(|i| i["count"].as_i64()), Some(Some(4)), "{work}");
    let filed = cun1.get("/api/v1/points/claims?status=filed").await;
    let ids: Vec<i64> = filed.json.as_array().unwrap().iter().map(|c| c["id"].as_i64().unwrap()).collect();
    assert_eq!(ids.len(), 4);
    for id in &ids {
        approve(&cun2, &sx, *id).await;
    }

    // Posting: only after the month; then its points are pending until the window closes.
    let r = cun1.post("/api/v1/points/postings", json!({"month": "2026-02"})).await;
    assert_eq!((r.status, r.code()), (409, "month_not_over"));
    at(&app, "2026-03-02T09:00:00+08:00");
    app.relogin(&[&cun1, &cun2, &sx, &erba]).await;
    let r = cun1.post("/api/v1/points/postings", json!({"month": "2026-02"})).await;
    assert_eq!(
        (r.status, r.json["claims"].as_i64(), r.json["points"].as_i64()),
        (201, Some(5), Some(30)),
        "{}",
        r.text
    );
    assert_eq!(r.json["objection_until"], "2026-03-05");
    let posting = r.json["id"].as_i64().unwrap();
    assert_eq!(cun1.post("/api/v1/points/postings", json!({"month": "2026-02"})).await.code(), "nothing_to_post");
    let pa = cun1.get(&format!("/api/v1/points/participants/{a}")).await.json;
    assert_eq!((pa["balance"].as_i64(), pa["pending"].as_i64()), (Some(0), Some(10)), "{pa}");
    let board = anon.get(&format!("/api/v1/public/points/{VILLAGE}/2026-02")).await;
    assert_eq!(board.status, 200);
    assert!(
        board.text.contains("张*明") && board.text.contains("欧**明") && !board.text.contains("张三明"),
        "{}",
        board.text
    );
    assert_eq!(anon.get("/api/v1/public/points/340207101000/2026-02").await.status, 404, "a town has no board");
    // The sheet for the village's notice board, read back: masked names, the window.
    let pdf = anon.http.get(format!("{}/api/v1/points/postings/{posting}/sheet.pdf", app.base)).send().await.unwrap();
    assert_eq!(pdf.status(), 200);
    let text = pdf_text(&pdf.bytes().await.unwrap()).unwrap_or_default();
    assert!(
        text.is_empty() || (text.contains("张*明") && text.contains("2026-03-05") && !text.contains("张三明")),
        "{text}"
    );

    // An objection from anyone, upheld: the claim is reversed, its points leave the ledger.
    let b_claim = app.count(&format!("points_claims WHERE participant_id = {b}")).await;
    assert_eq!(b_claim, 1);
    let claims = cun1.get("/api/v1/points/claims?status=posted").await.json;
    let b_id = claims.as_array().unwrap().iter().find(|c| c["participant_id"] == b).unwrap()["id"].as_i64().unwrap();
    let r = anon
        .post(
            &format!("/api/v1/points/postings/{posting}/objections"),
            json!({"claim_id": b_id, "text": "李四当晚不在村里，没有参加巡逻。"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let obj = r.json["id"].as_i64().unwrap();
    assert_eq!(
        erba.post(
            &format!("/api/v1/points/objections/{obj}/decision"),
            json!({"upheld": true, "note": "x", "claim_id": null})
        )
        .await
        .status,
        404
    );
    let r = cun1
        .post(
            &format!("/api/v1/points/objections/{obj}/decision"),
            json!({"upheld": true, "note": "经核实属实，撤销该条积分"}),
        )
        .await;
    assert_eq!((r.status, r.json["status"].as_str()), (200, Some("upheld")), "{}", r.text);
    assert_eq!(
        cun1.post(&format!("/api/v1/points/objections/{obj}/decision"), json!({"upheld": false, "note": "再议"}))
            .await
            .code(),
        "already_answered"
    );
    let pb = cun1.get(&format!("/api/v1/points/participants/{b}")).await.json;
    assert_eq!((pb["balance"].as_i64(), pb["pending"].as_i64()), (Some(0), Some(0)), "{pb}");
    // After the window: spendable; objections refused.
    at(&app, "2026-03-06T09:00:00+08:00");
    app.relogin(&[&cun1, &cun2, &sx]).await;
    let r = anon.post(&format!("/api/v1/points/postings/{posting}/objections"), json!({"text": "晚了"})).await;
    assert_eq!((r.status, r.code()), (409, "objection_window_closed"));
    let pa = cun1.get(&format!("/api/v1/points/participants/{a}")).await.json;
    assert_eq!((pa["balance"].as_i64(), pa["pending"].as_i64()), (Some(10), Some(0)));

    // The store: balance and stock never below zero.
    let r = cun1.post("/api/v1/points/store-items", json!({"name": "雨伞", "points_price": 4, "stock": 3})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let umbrella = r.json["id"].as_i64().unwrap();
    assert_eq!(
        cun1.post(
            "/api/v1/points/store-items",
            json!({"region_code": SHENXIANG, "name": "米", "points_price": 4, "stock": 3})
        )
        .await
        .status,
        403
    );
    let r = sx
        .post(
            "/api/v1/points/store-items",
            json!({"region_code": SHENXIANG, "name": "洗衣液", "points_price": 5, "stock": 1}),
        )
        .await;
    assert_eq!(r.status, 201, "the town's store by its staff");
    let soap = r.json["id"].as_i64().unwrap();
    let r = cun1
        .post(
            "/api/v1/points/exchanges",
            json!({"participant_id": a, "items": [{"store_item_id": umbrella, "qty": 2}]}),
        )
        .await;
    assert_eq!(
        (r.status, r.json["points"].as_i64(), r.json["balance"].as_i64()),
        (201, Some(8), Some(2)),
        "{}",
        r.text
    );
    assert_eq!(r.json["redemption_code"].as_str().unwrap().len(), 10);
    let r = cun1
        .post(
            "/api/v1/points/exchanges",
            json!({"participant_id": a, "items": [{"store_item_id": umbrella, "qty": 1}]}),
        )
        .await;
    assert_eq!((r.status, r.code()), (409, "insufficient_points"));
    let r = cun2
        .post("/api/v1/points/exchanges", json!({"participant_id": d, "items": [{"store_item_id": soap, "qty": 2}]}))
        .await;
    assert_eq!((r.status, r.code()), (409, "out_of_stock"), "{}", r.text);
    assert_eq!(app.count("points_exchanges").await, 1, "nothing of the refused ones written");
    // d has 15: eight concurrent exchanges of 4 → exactly three.
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let c = cun2.clone();
        tasks.push(tokio::spawn(async move {
            c.post(
                "/api/v1/points/exchanges",
                json!({"participant_id": d, "items": [{"store_item_id": umbrella, "qty": 1}]}),
            )
            .await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        let r = t.await.unwrap();
        match r.status {
            201 => ok += 1,
            409 => assert!(["insufficient_points", "out_of_stock"].contains(&r.code()), "{}", r.text),
            s => panic!("{s}: {}", r.text),
        }
    }
    // Stock was 1 after the first exchange of two: one more umbrella at most.
    assert_eq!(ok, 1);
    assert_eq!(app.count(&format!("points_store_items WHERE id = {umbrella} AND stock = 0")).await, 1);
    let pd = cun2.get(&format!("/api/v1/points/participants/{d}")).await.json;
    assert_eq!(pd["balance"].as_i64(), Some(11));
    let r = sx
        .post(
            "/api/v1/points/store-items",
            json!({"region_code": VILLAGE, "name": "毛巾", "points_price": 2, "stock": 100}),
        )
        .await;
    let towel = r.json["id"].as_i64().unwrap();
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let c = cun2.clone();
        tasks.push(tokio::spawn(async move {
            c.post(
                "/api/v1/points/exchanges",
                json!({"participant_id": d, "items": [{"store_item_id": towel, "qty": 1}]}),
            )
            .await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        let r = t.await.unwrap();
        assert!(r.status == 201 || r.code() == "insufficient_points", "{}", r.text);
        ok += usize::from(r.status == 201);
    }
    assert_eq!(ok, 5, "11 points buy five towels of 2, never six");
    assert_eq!(cun2.get(&format!("/api/v1/points/participants/{d}")).await.json["balance"].as_i64(), Some(1));

    // Statistics per town for the district's meetings; a village worker may not read them.
    let s = sx.get("/api/v1/points/stats?year=2026").await;
    assert_eq!(s.status, 200, "{}", s.text);
    let town = &s.json.as_array().unwrap()[0];
    assert_eq!((town["participants"].as_i64(), town["points_issued"].as_i64()), (Some(3), Some(25)), "{town}");
    assert_eq!(town["points_exchanged"].as_i64(), Some(8 + 4 + 10));
    assert_eq!(cun1.get("/api/v1/points/stats?year=2026").await.status, 403);
    assert!(app.count("audit_log WHERE action LIKE 'points.%'").await >= 20);
    // Audited like money: the ledger replays from the trail; an edited entry is found.
    let replay = || {
        let st = app.state.clone();
        async move { st.db(gongyi::service::audit::replay_points).await.unwrap() }
    };
    let (entries, findings) = replay().await;
    assert!(entries >= 10 && findings.is_empty(), "{entries} {findings:?}");
    app.exec("UPDATE points_ledger SET delta = 50 WHERE kind = 'claim' AND participant_id = (SELECT MIN(id) FROM points_participants)").await;
    let (_, findings) = replay().await;
    assert_eq!(findings.len(), 2, "张三明's two claims: {findings:?}");
}

/// A village's own rules: more days to claim, a longer objection window; out of range refused.
async fn a_village_sets_its_own_days(app: TestApp) {
    app.add_user("cun1", "community", Some(VILLAGE)).await;
    app.add_user("cun2", "community", Some(VILLAGE)).await;
    app.add_user("cunerba", "community", Some(ERBA_VILLAGE)).await;
    let (cun1, cun2, other) = (app.login("cun1").await, app.login("cun2").await, app.login("cunerba").await);
    let settings = format!("/api/v1/points/settings/{VILLAGE}");
    let r = cun1.get(&settings).await;
    assert_eq!((r.json["claim_days"].as_i64(), r.json["objection_days"].as_i64()), (Some(3), Some(3)), "{}", r.text);
    let r = cun1.put(&settings, json!({"claim_days": 0, "objection_days": 16})).await;
    let fields: Vec<&str> =
        r.json["error"]["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!((r.status, fields), (422, vec!["claim_days", "objection_days"]));
    assert_eq!(other.put(&settings, json!({"claim_days": 5, "objection_days": 7})).await.status, 404);
    let a = person(&cun1, "张三明").await;
    let cat = format!("/api/v1/points/catalogues/{VILLAGE}/2026-02");
    assert_eq!(cun1.put(&cat, json!({"items": items(), "note": "二月"})).await.status, 200);
    at(&app, "2026-02-10T10:00:00+08:00");
    app.relogin(&[&cun1, &cun2, &other]).await;
    assert_eq!(claim(&cun1, a, "XC01", "2026-02-05").await.code(), "claim_late", "five days: late by default");
    let r = cun1.put(&settings, json!({"claim_days": 5, "objection_days": 7})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = claim(&cun1, a, "XC01", "2026-02-05").await;
    assert_eq!(r.status, 201, "{}", r.text);
    approve(&cun1, &cun2, r.json["id"].as_i64().unwrap()).await;
    at(&app, "2026-03-02T10:00:00+08:00");
    app.relogin(&[&cun1]).await;
    let r = cun1.post("/api/v1/points/postings", json!({"month": "2026-02"})).await;
    assert_eq!((r.status, r.json["objection_until"].as_str()), (201, Some("2026-03-09")), "{}", r.text);
    assert_eq!(r.json["spendable_from"], "2026-03-10");
    assert_eq!(app.count("audit_log WHERE action = 'points.settings.put'").await, 1);
}

crate::on_both!(a_month_in_a_village, a_village_sets_its_own_days);

//! Calls: create, publish (with every rule), freeze, clone, public reading.

use crate::flow::*;
use crate::helpers::*;
use serde_json::json;

async fn create_publish_and_read(app: TestApp) {
    let staff = app.as_role("staff1", "staff").await;
    ensure_funds(&staff).await;
    app.register_org("vorg", "52340207MJ0010001", "340207101001").await;
    let vid = app.register_org("vorg2", "52340207MJ0010002", "340207101001").await;
    staff.post(&format!("/api/v1/organisations/{vid}/verify"), json!({})).await;
    let r = staff.post("/api/v1/calls", call_body()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["status"], "draft");
    assert_eq!(r.json["criteria"].as_array().unwrap().len(), 5, "the default rubric");
    assert_eq!(r.json["criteria"][1]["name"], "方案可行性");
    assert_eq!(r.json["pools"][2]["name"], "二坝镇公益创投资金");
    assert_eq!(r.json["min_grant"], "20000.00");
    let id = r.json["id"].as_i64().unwrap();
    let anon = app.client();
    assert_eq!(anon.get("/api/v1/calls").await.json, json!([]));
    assert_eq!(anon.get(&format!("/api/v1/calls/{id}")).await.status, 404);
    assert_eq!(anon.get(&format!("/api/v1/calls/{id}/announcement.pdf")).await.status, 404, "not before publishing");
    let mail_before = app.count("outbox").await;
    let r = staff.post(&format!("/api/v1/calls/{id}/publish"), json!({})).await;
    assert_eq!(
        (r.status, r.json["status"].as_str(), r.json["accepting_bids"].as_bool()),
        (200, Some("open"), Some(false))
    );
    assert_eq!(app.count("outbox").await - mail_before, 1, "one verified organisation is told");
    let list = anon.get("/api/v1/calls").await;
    assert_eq!(list.json.as_array().unwrap().len(), 1);
    assert_eq!(list.json[0]["pools"].as_array().unwrap().len(), 3);
    let one = anon.get(&format!("/api/v1/calls/{id}")).await;
    assert_eq!((one.status, one.json["pools"][0]["budget"].as_str()), (200, Some("1000000.00")));
    // The tender announcement PDF: stored with its hash at publication, verifiable, readable.
    let hash = one.json["announcement_sha256"].as_str().unwrap().to_string();
    let pdf = anon.http.get(format!("{}/api/v1/calls/{id}/announcement.pdf", app.base)).send().await.unwrap();
    assert_eq!(pdf.status(), 200);
    let bytes = pdf.bytes().await.unwrap().to_vec();
    use sha2::Digest;
    assert_eq!(hex::encode(sha2::Sha256::digest(&bytes)), hash);
    let v = anon.get(&format!("/api/v1/documents/verify?sha256={hash}")).await;
    assert_eq!((v.status, v.json["kind"].as_str()), (200, Some("announcement")));
    if let Some(text) = pdf_text(&bytes) {
        for want in [
            "一、资金安排",
            "区级公益创投资金",
            "1,000,000.00",
            "申报条件",
            "时间安排",
            "评审标准",
            "方案可行性",
            "鸠江区民政局",
        ] {
            assert!(text.contains(want), "{want} missing from the announcement:\n{text}");
        }
    }
    assert!(anon.get(&format!("/calls/{id}")).await.text.contains(&hash), "the page shows the hash");
    open_window(&app, &[&staff]).await;
    assert_eq!(anon.get(&format!("/api/v1/calls/{id}")).await.json["accepting_bids"], true);
    // Amendments: numbered, a later deadline only, a new PDF version, the old one kept.
    let vorg = app.login("vorg2").await;
    let r = vorg
        .post(
            &format!("/api/v1/calls/{id}/bids"),
            bid_body(one.json["pools"][0]["id"].as_i64().unwrap(), "340207101001", "50000.00"),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    let path = format!("/api/v1/calls/{id}/amendments");
    assert_eq!(app.as_role("fin1", "finance").await.post(&path, json!({"text": "x"})).await.status, 403);
    let r = staff.post(&path, json!({"kind": "answer", "text": "", "closes_at": "2027-01-01T00:00:00+08:00"})).await;
    let got = codes(&r);
    assert!(got.contains(&"answer_cannot_extend".to_string()) && got.contains(&"required".to_string()), "{got:?}");
    let r = staff.post(&path, json!({"text": "提前截止", "closes_at": "2026-01-01T00:00:00+08:00"})).await;
    assert_eq!(r.code(), "closes_not_later");
    let mail_before = app.count("outbox WHERE kind = 'call_amended'").await;
    let r =
        staff.post(&path, json!({"text": "申报截止时间延长一周。", "closes_at": "2026-03-08T00:00:00+08:00"})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        (r.json["amendments"][0]["no"].as_i64(), r.json["closes_at"].as_str()),
        (Some(1), Some("2026-03-08T00:00:00+08:00"))
    );
    assert_ne!(r.json["announcement_sha256"].as_str(), Some(hash.as_str()), "a new version");
    let r = staff.post(&path, json!({"kind": "answer", "text": "问：可否跨镇申报？答：不可。"})).await;
    assert_eq!(r.json["amendments"][1]["kind_label"], "答疑");
    assert_eq!(
        app.count("outbox WHERE kind = 'call_amended'").await - mail_before,
        2,
        "the organisation with a draft, each time"
    );
    let old = anon.get(&format!("/api/v1/documents/verify?sha256={hash}")).await;
    assert_eq!(old.json["current"], false, "the first version is superseded");
    let d = anon.http.get(format!("{}/api/v1/documents/{hash}", app.base)).send().await.unwrap();
    assert_eq!((d.status().as_u16(), d.headers()["x-document-current"].to_str().unwrap()), (200, "false"));
    let latest = r.json["announcement_sha256"].as_str().unwrap().to_string();
    let pdf = anon.http.get(format!("{}/api/v1/calls/{id}/announcement.pdf", app.base)).send().await.unwrap();
    let bytes = pdf.bytes().await.unwrap().to_vec();
    assert_eq!(hex::encode(sha2::Sha256::digest(&bytes)), latest);
    if let Some(text) = pdf_text(&bytes) {
        for want in ["第3版", "更正公告第1号", "申报截止时间延长一周", "答疑第2号", "2026-03-0800:00"]
        {
            assert!(text.contains(want), "{want} missing from the amended announcement:\n{text}");
        }
    }
    assert!(anon.get(&format!("/calls/{id}")).await.text.contains("更正公告第1号"));
    // The same through the staff page (a form without its token is refused).
    let token = staff.csrf(&format!("/staff/calls/{id}")).await;
    let form = [("kind", "answer"), ("text", "问：材料可以补交吗？答：截止前可以。"), ("closes_at", "")];
    assert_eq!(staff.post_form(&format!("/staff/calls/{id}/amendments"), &form).await.status, 403);
    let mut with_token = form.to_vec();
    with_token.push(("csrf", &token));
    let r = staff.post_form(&format!("/staff/calls/{id}/amendments"), &with_token).await;
    assert!(r.status == 200 && r.text.contains("请确认：发布答疑") && r.text.contains("材料可以补交吗"), "{}", r.text);
    assert_eq!(anon.get(&format!("/api/v1/calls/{id}")).await.json["amendments"].as_array().map(Vec::len), Some(2));
    with_token.push(("confirm", "1"));
    assert_eq!(staff.post_form(&format!("/staff/calls/{id}/amendments"), &with_token).await.status, 303);
    assert_eq!(anon.get(&format!("/api/v1/calls/{id}")).await.json["amendments"].as_array().map(Vec::len), Some(3));
    // Frozen once published.
    let r = staff.put(&format!("/api/v1/calls/{id}"), call_body()).await;
    assert_eq!((r.status, r.code()), (409, "call_frozen"));
    let r = staff.post(&format!("/api/v1/calls/{id}/publish"), json!({})).await;
    assert_eq!((r.status, r.code()), (409, "already_published"));
    app.clock.set("2026-03-09T09:00:00+08:00".parse().unwrap());
    app.relogin(&[&staff]).await;
    assert_eq!(anon.get(&format!("/api/v1/calls/{id}")).await.json["status"], "screening");
    assert_eq!(staff.post(&path, json!({"text": "太晚"})).await.code(), "deadline_passed");
}

async fn publishing_checks_every_rule(app: TestApp) {
    let staff = app.as_role("staff1", "staff").await;
    let mut body = call_body();
    // Pools below the yearly floors are fine: the floors belong to the funds.
    body["pools"][0]["budget"] = json!("999999.99");
    body["pools"][1]["budget"] = json!("199999.99");
    body["criteria"] = json!([{"key": "a", "name": "甲", "weight": 50}, {"key": "b", "name": "乙", "weight": 45}]);
    body["tranches"] = json!([50, 30, 30]);
    body["opens_at"] = json!("2026-03-02T00:00:00+08:00");
    let r = staff.post("/api/v1/calls", body.clone()).await;
    assert_eq!(r.status, 201, "a draft may be saved with rules unmet: {}", r.text);
    let id = r.json["id"].as_i64().unwrap();
    let r = staff.post(&format!("/api/v1/calls/{id}/publish"), json!({})).await;
    assert_eq!(r.status, 422, "{}", r.text);
    let got = codes(&r);
    for want in ["no_fund", "weights_not_100", "tranches_not_100", "dates_inverted"] {
        assert!(got.contains(&want.to_string()), "{want} missing from {got:?}");
    }
    assert_eq!(got.iter().filter(|c| *c == "no_fund").count(), 3, "each pool's region has no 2026 fund yet");
    assert!(!got.iter().any(|c| c.contains("floor")), "{got:?}");
    ensure_funds(&staff).await;
    assert_eq!(app.client().get(&format!("/api/v1/calls/{id}")).await.status, 404, "still a draft");
    // max_grant above the smallest pool.
    let mut body = call_body();
    body["max_grant"] = json!("200000.01");
    staff.put(&format!("/api/v1/calls/{id}"), body).await;
    let r = staff.post(&format!("/api/v1/calls/{id}/publish"), json!({})).await;
    assert_eq!(codes(&r), vec!["max_grant_exceeds_pool"]);
    // No pool at all.
    let mut body = call_body();
    body["pools"] = json!([]);
    staff.put(&format!("/api/v1/calls/{id}"), body).await;
    let r = staff.post(&format!("/api/v1/calls/{id}/publish"), json!({})).await;
    assert!(codes(&r).contains(&"no_pools".to_string()), "{}", r.text);
    // Fixed: publishes.
    assert_eq!(staff.put(&format!("/api/v1/calls/{id}"), call_body()).await.status, 200);
    assert_eq!(staff.post(&format!("/api/v1/calls/{id}/publish"), json!({})).await.status, 200);
    // A second call of the same year must number its bids differently (references are unique).
    let second = staff.post("/api/v1/calls", call_body()).await.json["id"].as_i64().unwrap();
    let r = staff.post(&format!("/api/v1/calls/{second}/publish"), json!({})).await;
    assert_eq!((r.status, codes(&r)), (422, vec!["prefix_in_use".to_string()]), "{}", r.text);
    assert!(r.text.contains("编号前缀 JJ"), "{}", r.text);
    let mut body = call_body();
    body["reference_prefix"] = json!("ZX");
    assert_eq!(staff.put(&format!("/api/v1/calls/{second}"), body).await.status, 200);
    let r = staff.post(&format!("/api/v1/calls/{second}/publish"), json!({})).await;
    assert_eq!((r.status, r.json["reference_prefix"].as_str()), (200, Some("ZX")), "{}", r.text);
    // Underneath, the database refuses a second published JJ call of 2026 too.
    let dup = app.as_owner(move |c| {
        use diesel::connection::SimpleConnection;
        Ok(c.batch_execute(&format!("UPDATE calls SET reference_prefix = 'JJ' WHERE id = {second}")).is_err())
    });
    assert!(dup.await, "unique index on (year, prefix) of published calls");
}

async fn malformed_calls_are_refused(app: TestApp) {
    let staff = app.as_role("staff1", "staff").await;
    let mut body = call_body();
    body["min_grant"] = json!("20000.001");
    body["max_grant"] = json!("abc");
    body["opens_at"] = json!("2026-02-01");
    body["fund_source"] = json!("bank");
    body["forbidden_categories"] = json!(["bribes"]);
    body["pools"][1]["region_code"] = json!("340207101001");
    body["pools"][2]["region_code"] = json!(SHENXIANG);
    body["budget_caps"] = json!({"personnel_pct": 130});
    body["score_threshold"] = json!("100.01");
    let r = staff.post("/api/v1/calls", body).await;
    assert_eq!(r.status, 422, "{}", r.text);
    let fields: Vec<&str> =
        r.json["error"]["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    for f in [
        "min_grant",
        "max_grant",
        "opens_at",
        "fund_source",
        "forbidden_categories[0]",
        "pools[1].region_code",
        "budget_caps.personnel_pct",
        "score_threshold",
    ] {
        assert!(fields.contains(&f), "{f} missing from {fields:?}");
    }
    let mut body = call_body();
    body["min_grant"] = json!(20000);
    let r = staff.post("/api/v1/calls", body).await;
    assert_eq!((r.status, r.code(), r.json["error"]["field"].as_str()), (400, "invalid_type", Some("min_grant")));
    assert_eq!(app.count("calls").await, 0);
}

async fn town_staff_run_only_their_own_calls(app: TestApp) {
    let org_staff = app.as_role("staff1", "staff").await;
    let (_, orgc) = org(&app, &org_staff, "someorg", "52340207MJ0010003").await;
    assert_eq!(orgc.post("/api/v1/calls", call_body()).await.status, 403);
    assert_eq!(app.client().post("/api/v1/calls", call_body()).await.status, 401);
    app.add_user("town", "staff", Some(SHENXIANG)).await;
    let town = app.login("town").await;
    let r = town.post("/api/v1/calls", call_body()).await;
    assert_eq!((r.status, r.code()), (403, "other_fund"), "the district call touches other funds");
    let mut empty = call_body();
    empty["pools"] = json!([]);
    assert_eq!(town.post("/api/v1/calls", empty).await.code(), "other_fund", "a town call holds its own pool");
    let fin = app.as_role("fin", "finance").await;
    assert_eq!(fin.post("/api/v1/calls", call_body()).await.status, 403);
    let c = published_call(&org_staff, call_body()).await;
    assert_eq!(town.post(&format!("/api/v1/calls/{}/clone", c.id), json!({})).await.code(), "other_fund");
    let amend = json!({"kind": "answer", "text": "问：可以吗？答：可以。"});
    assert_eq!(town.post(&format!("/api/v1/calls/{}/amendments", c.id), amend.clone()).await.code(), "other_fund");
    assert_eq!(app.count("calls").await, 1);
    // A town-run round on the town's own fund: drafted, published and amended by the town.
    let mut own = call_body();
    own["title"] = json!("沈巷镇2026年社区微创投");
    own["reference_prefix"] = json!("SX");
    own["max_grant"] = json!("50000.00");
    own["pools"] = json!([{"level": "town", "region_code": SHENXIANG, "budget": "100000.00"}]);
    let r = town.post("/api/v1/calls", own).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.json["id"].as_i64().unwrap();
    let r = town.post(&format!("/api/v1/calls/{id}/publish"), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(town.post(&format!("/api/v1/calls/{id}/amendments"), amend).await.status, 201);
    let funds = town.get("/api/v1/funds?year=2026").await;
    assert_eq!(funds.json.as_array().map(Vec::len), Some(1), "town staff see their town's fund only");
    assert_eq!(funds.json[0]["committed"], "300000.00", "the district call's 200,000 and the town's 100,000");
    // District staff may still run the town's call; another town's staff may not.
    app.add_user("erba", "staff", Some(ERBA)).await;
    let erba = app.login("erba").await;
    let amend = json!({"kind": "answer", "text": "问：二坝？答：否。"});
    assert_eq!(erba.post(&format!("/api/v1/calls/{id}/amendments"), amend.clone()).await.code(), "other_fund");
    assert_eq!(org_staff.post(&format!("/api/v1/calls/{id}/amendments"), amend).await.status, 201);
}

async fn clone_last_years_call(app: TestApp) {
    let staff = app.as_role("staff1", "staff").await;
    let mut body = call_body();
    body["fund_source"] = json!("lottery");
    body["categories"] = json!([{"key": "elderly", "name": "为老服务", "max_projects": 4, "max_amount": "400000.00"}]);
    let c = published_call(&staff, body).await;
    let one = app.client().get(&format!("/api/v1/calls/{}", c.id)).await;
    assert_eq!(one.json["fund_mark"], "彩票公益金资助—中国福利彩票");
    let r = staff.post(&format!("/api/v1/calls/{}/clone", c.id), json!({})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!((r.json["year"].as_i64(), r.json["title"].as_str()), (Some(2027), Some("鸠江区2027年度公益创投项目")));
    assert_eq!(r.json["status"], "draft");
    assert_eq!(r.json["opens_at"], "2027-02-01T00:00:00+08:00");
    assert_eq!(r.json["pools"].as_array().unwrap().len(), 3);
    assert_eq!(r.json["categories"][0]["max_amount"], "400000.00");
    assert_eq!(r.json["cloned_from"], c.id);
}

crate::on_both!(
    create_publish_and_read,
    publishing_checks_every_rule,
    malformed_calls_are_refused,
    town_staff_run_only_their_own_calls,
    clone_last_years_call,
);

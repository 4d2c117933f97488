//! Yearly funds per region: floors, one per year, scope, committing on publish (also raced),
//! figures that follow the pools' money, every year's calendar, and an old database's pools
//! carried forward into funds.

use crate::flow::*;
use crate::helpers::*;
use serde_json::{json, Value};

const DISTRICT: &str = "340207000000";

fn fund(region: &str, amount: &str) -> Value {
    json!({"year": 2026, "region_code": region, "amount": amount})
}

async fn funds_keep_their_floors_and_scope(app: TestApp) {
    let staff = app.as_role("staff1", "staff").await;
    let audit_before = app.count("audit_log").await;
    for (body, field, code) in [
        (fund(DISTRICT, "999999.99"), "amount", "below_floor"),
        (fund(SHENXIANG, "199999.99"), "amount", "below_floor"),
        (fund("340207101001", "500000.00"), "region_code", "fund_level"),
        (fund("340207999000", "500000.00"), "region_code", "unknown_region"),
        (fund(DISTRICT, "1e6"), "amount", "invalid_amount"),
        (json!({"year": 1999, "region_code": DISTRICT, "amount": "1000000.00"}), "year", "out_of_range"),
        (
            json!({"year": 2026, "region_code": DISTRICT, "amount": "1000000.00", "source": "loan"}),
            "source",
            "invalid_fund_source",
        ),
    ] {
        let r = staff.post("/api/v1/funds", body).await;
        assert_eq!(r.status, 422, "{}", r.text);
        let e = &r.json["error"]["errors"][0];
        assert_eq!((e["field"].as_str(), e["code"].as_str()), (Some(field), Some(code)), "{}", r.text);
    }
    let r = staff.post("/api/v1/funds", fund(DISTRICT, "1000000.00")).await;
    assert_eq!((r.status, r.json["level"].as_str()), (201, Some("district")), "{}", r.text);
    assert_eq!(r.json["name"], "鸠江区2026年公益创投专项资金");
    assert_eq!((r.json["remaining"].as_str(), r.json["committed"].as_str()), (Some("1000000.00"), Some("0.00")));
    let district = r.json["id"].as_i64().unwrap();
    let r = staff.post("/api/v1/funds", fund(DISTRICT, "2000000.00")).await;
    assert_eq!((r.status, r.code()), (409, "fund_exists"));
    assert_eq!(app.count("funds").await, 1, "refusals wrote nothing");
    assert_eq!(app.count("audit_log").await - audit_before, 1, "one audited creation");
    // Town staff set up their own town's fund, never another's; organisations and strangers none.
    app.add_user("town", "staff", Some(SHENXIANG)).await;
    let town = app.login("town").await;
    assert_eq!(town.post("/api/v1/funds", fund(ERBA, "200000.00")).await.code(), "other_fund");
    let r = town
        .post(
            "/api/v1/funds",
            json!({"year": 2026, "region_code": SHENXIANG, "amount": "200000.00", "source": "lottery"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["mark"], "彩票公益金资助—中国福利彩票");
    let shen = r.json["id"].as_i64().unwrap();
    let (_, orgc) = org(&app, &staff, "fundorg", "52340207MJ0030001").await;
    assert_eq!(orgc.post("/api/v1/funds", fund(ERBA, "200000.00")).await.status, 403);
    assert_eq!(orgc.get("/api/v1/funds").await.status, 403);
    assert_eq!(app.client().get("/api/v1/funds").await.status, 401);
    let fin = app.as_role("fin", "finance").await;
    assert_eq!(fin.get("/api/v1/funds?year=2026").await.json.as_array().map(Vec::len), Some(2));
    assert_eq!(fin.post("/api/v1/funds", fund(ERBA, "200000.00")).await.status, 403);
    let mine = town.get("/api/v1/funds").await;
    assert_eq!(
        mine.json.as_array().map(|a| a.iter().map(|f| f["id"].as_i64()).collect::<Vec<_>>()),
        Some(vec![Some(shen)])
    );
    assert_eq!(town.get(&format!("/api/v1/funds/{district}")).await.status, 404, "another level's fund is not visible");
    assert_eq!(staff.get("/api/v1/funds?year=2027").await.json, json!([]));
    // Amounts move, but never below the floor.
    let patch = |id: i64, amount: &str| {
        let (c, path) = (town.clone(), format!("/api/v1/funds/{id}"));
        let body = json!({"amount": amount});
        async move { c.patch(&path, body).await }
    };
    let r = patch(shen, "199999.99").await;
    assert_eq!((r.status, r.json["error"]["errors"][0]["code"].as_str()), (422, Some("below_floor")));
    let r = patch(shen, "260000.00").await;
    assert_eq!((r.status, r.json["amount"].as_str()), (200, Some("260000.00")), "{}", r.text);
    assert_eq!(patch(district, "1200000.00").await.status, 404);
}

async fn publishing_commits_within_each_fund(app: TestApp) {
    let staff = app.as_role("staff1", "staff").await;
    for (region, amount) in [(DISTRICT, "1100000.00"), (SHENXIANG, "200000.00"), (ERBA, "250000.00")] {
        assert_eq!(staff.post("/api/v1/funds", fund(region, amount)).await.status, 201);
    }
    let c = published_call(&staff, call_body()).await;
    let funds = staff.get("/api/v1/funds?year=2026").await.json;
    let by_region =
        |region: &str| funds.as_array().unwrap().iter().find(|f| f["region_code"] == region).unwrap().clone();
    assert_eq!(by_region(DISTRICT)["committed"], "1000000.00");
    assert_eq!(by_region(DISTRICT)["remaining"], "100000.00");
    assert_eq!(by_region(ERBA)["remaining"], "0.00");
    assert_eq!(by_region(DISTRICT)["calls"][0]["call_id"].as_i64(), Some(c.id));
    // A second district round of 100,000.00: no per-call floor, and it fits exactly.
    let mut second = call_body();
    second["reference_prefix"] = json!("EP");
    second["max_grant"] = json!("50000.00");
    second["pools"] = json!([{"fund_id": by_region(DISTRICT)["id"], "name": "区级第二批", "budget": "100000.00"}]);
    let r = staff.post("/api/v1/calls", second.clone()).await;
    assert_eq!((r.status, r.json["pools"][0]["region_code"].as_str()), (201, Some(DISTRICT)), "{}", r.text);
    let second_id = r.json["id"].as_i64().unwrap();
    // A third would pass the fund: refused, and nothing is committed or published.
    second["reference_prefix"] = json!("TP");
    second["pools"][0]["budget"] = json!("100000.01");
    let third = staff.post("/api/v1/calls", second).await.json["id"].as_i64().unwrap();
    let r = staff.post(&format!("/api/v1/calls/{second_id}/publish"), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = staff.post(&format!("/api/v1/calls/{third}/publish"), json!({})).await;
    assert_eq!((r.status, r.code()), (409, "fund_exceeded"), "{}", r.text);
    assert!(r.json["error"]["message"].as_str().unwrap().contains("0.00 元"), "{}", r.text);
    assert_eq!(app.count(&format!("calls WHERE id = {third} AND status = 'draft'")).await, 1);
    let d = staff.get(&format!("/api/v1/funds/{}", by_region(DISTRICT)["id"])).await;
    assert_eq!((d.json["committed"].as_str(), d.json["remaining"].as_str()), (Some("1100000.00"), Some("0.00")));
    // Never lowered below what is committed; raised, the third call fits.
    let path = format!("/api/v1/funds/{}", by_region(DISTRICT)["id"]);
    let r = staff.patch(&path, json!({"amount": "1099999.99"})).await;
    assert_eq!((r.status, r.json["error"]["code"].as_str()), (409, Some("below_committed")));
    assert_eq!(staff.patch(&path, json!({"amount": "1300000.00"})).await.status, 200);
    assert_eq!(staff.post(&format!("/api/v1/calls/{third}/publish"), json!({})).await.status, 200);
    // A fund of another year cannot be named; a region without a fund cannot publish.
    let mut wrong = call_body();
    wrong["year"] = json!(2027);
    wrong["pools"] = json!([{"fund_id": by_region(DISTRICT)["id"], "budget": "100000.00"}]);
    let r = staff.post("/api/v1/calls", wrong).await;
    assert_eq!(r.json["error"]["errors"][0]["code"], "fund_year_mismatch", "{}", r.text);
    let mut later = call_body();
    later["year"] = json!(2027);
    later["reference_prefix"] = json!("NY");
    let id = staff.post("/api/v1/calls", later).await.json["id"].as_i64().unwrap();
    let r = staff.post(&format!("/api/v1/calls/{id}/publish"), json!({})).await;
    assert_eq!(codes(&r).iter().filter(|c| *c == "no_fund").count(), 3, "{}", r.text);
}

/// Many calls publish at once on a fund with room for one: exactly one wins, the rest are 409
/// and the fund's committed sum is that one call's.
async fn concurrent_publishes_never_exceed_a_fund(app: TestApp) {
    let staff = app.as_role("staff1", "staff").await;
    assert_eq!(staff.post("/api/v1/funds", fund(SHENXIANG, "200000.00")).await.status, 201);
    let n = ceiling_n(8);
    let mut ids = Vec::new();
    for i in 0..n {
        let mut body = call_body();
        let letter = |k: usize| (b'A' + (k % 26) as u8) as char;
        body["reference_prefix"] = json!(format!("R{}{}", letter(i), letter(i / 26)));
        body["max_grant"] = json!("50000.00");
        body["pools"] = json!([{"level": "town", "region_code": SHENXIANG, "budget": "150000.00"}]);
        let r = staff.post("/api/v1/calls", body).await;
        assert_eq!(r.status, 201, "{}", r.text);
        ids.push(r.json["id"].as_i64().unwrap());
    }
    let tasks: Vec<_> = ids
        .iter()
        .map(|id| {
            let (s, path) = (staff.clone(), format!("/api/v1/calls/{id}/publish"));
            tokio::spawn(async move { s.post(&path, json!({})).await })
        })
        .collect();
    let mut results = Vec::new();
    for t in tasks {
        results.push(t.await.unwrap());
    }
    let ok = results.iter().filter(|r| r.status == 200).count();
    let refused = results.iter().filter(|r| r.code() == "fund_exceeded" || r.code() == "busy").count();
    assert_eq!((ok, ok + refused), (1, n), "{:?}", results.iter().map(|r| &r.text).collect::<Vec<_>>());
    let f = staff.get("/api/v1/funds").await;
    assert_eq!(f.json[0]["committed"], "150000.00");
    assert_eq!(app.count("calls WHERE status <> 'draft'").await, 1);
}

async fn every_year_has_its_calendar(app: TestApp) {
    let admin = app.as_role("admin1", "admin").await;
    let staff = app.as_role("staff1", "staff").await;
    let anon = app.client();
    let r = anon.get("/api/v1/calendar/2026").await;
    assert_eq!((r.json["loaded"].as_bool(), r.json["days"][0]["date"].as_str()), (Some(true), Some("2026-01-01")));
    assert_eq!(anon.get("/api/v1/calendar/2027").await.json["loaded"], false);
    assert_eq!(anon.get("/api/v1/calendar/1999").await.status, 422);
    let csv = "date,kind,name\n2027-01-01,holiday,元旦\n2027-02-20,workday,春节调休上班\n".as_bytes().to_vec();
    let put = |c: &Client, year: &str, body: Vec<u8>| {
        let (c, path) = (c.clone(), format!("/api/v1/calendar/{year}"));
        async move {
            let r = c
                .http
                .put(format!("{}{path}", c.base))
                .header("content-type", "text/csv")
                .body(body)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    assert_eq!(put(&staff, "2027", csv.clone()).await.0, 403, "admin only");
    assert_eq!(put(&anon, "2027", csv.clone()).await.0, 401);
    let (status, text) = put(&admin, "2027", b"date,kind\n2027-01-01,party\n".to_vec()).await;
    assert!(status == 422 && text.contains("第 2 行"), "{text}");
    let (status, text) = put(&admin, "2027", b"date,kind\n2028-01-01,holiday\n".to_vec()).await;
    assert!(status == 422 && text.contains("不属于 2027 年"), "{text}");
    assert_eq!(put(&admin, "2027", vec![0xff, 0xfe]).await.0, 400);
    assert_eq!(app.count("calendar_years").await, 0, "refusals stored nothing");
    let (status, text) = put(&admin, "2027", csv).await;
    assert_eq!(status, 200, "{text}");
    let r = anon.get("/api/v1/calendar/2027").await;
    assert_eq!((r.json["loaded"].as_bool(), r.json["days"].as_array().map(Vec::len)), (Some(true), Some(2)));
    assert_eq!(app.count("audit_log WHERE action = 'calendar.load'").await, 1);
    // The admin page shows it and loads another year through a form.
    let token = admin.csrf("/admin/calendar?year=2028").await;
    let page = admin.get("/admin/calendar?year=2028").await;
    assert!(page.text.contains("2028 年的工作日历尚未导入"), "{}", page.text);
    let r = admin
        .post_form("/admin/calendar", &[("csrf", &token), ("year", "2028"), ("csv", "date,kind\n2028-01-01,holiday\n")])
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert!(admin.get("/admin/calendar?year=2028").await.text.contains("节假日 1 天"));
    assert_eq!(staff.get("/admin/calendar").await.status, 403);
}

/// From 1 November the dashboard warns while next year's calendar is missing, and a working-day
/// date that needs it is refused (409) instead of being counted as ordinary weeks.
async fn a_missing_year_is_refused_not_guessed(app: TestApp) {
    let staff = app.as_role("staff1", "staff").await;
    let admin = app.as_role("admin1", "admin").await;
    let d = staff.get("/api/v1/dashboard").await;
    assert_eq!(d.json["calendar_warning"], Value::Null, "no warning in January");
    app.clock.set("2026-11-02T09:00:00+08:00".parse().unwrap());
    app.relogin(&[&staff, &admin]).await;
    let d = staff.get("/api/v1/dashboard").await;
    assert!(d.json["calendar_warning"].as_str().unwrap_or("").contains("2027 年的工作日历尚未导入"), "{}", d.text);
    assert!(staff.get("/staff/dashboard").await.text.contains("2027 年的工作日历尚未导入"));
    // A call closing in December whose reviewers are drawn on 24 December: ten working days
    // from then reach into 2027.
    ensure_funds(&staff).await;
    let mut body = call_body();
    body["opens_at"] = json!("2026-11-03T00:00:00+08:00");
    body["closes_at"] = json!("2026-12-01T00:00:00+08:00");
    body["project_start"] = json!("2027-01-01");
    body["project_end"] = json!("2027-12-31");
    let c = published_call(&staff, body).await;
    let (_, orgc) = org(&app, &staff, "decorg", "52340207MJ0031001").await;
    app.clock.set("2026-11-10T09:00:00+08:00".parse().unwrap());
    app.relogin(&[&staff, &admin, &orgc]).await;
    let mut bid = bid_body(c.shenxiang, "340207101001", "50000.00");
    bid["start_date"] = json!("2027-01-01");
    bid["end_date"] = json!("2027-12-31");
    bid["milestones"][0]["due_date"] = json!("2027-06-01");
    let (bid_id, _) = submitted_bid(&orgc, c.id, bid).await;
    app.clock.set("2026-12-24T09:00:00+08:00".parse().unwrap());
    app.relogin(&[&staff, &admin]).await;
    let r = staff.post(&format!("/api/v1/bids/{bid_id}/screening"), json!({"eligible": true})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    for i in 0..5 {
        app.as_role(&format!("expert{i}"), "reviewer").await;
    }
    let draws = app.count("reviewer_draws").await;
    let r = staff.post(&format!("/api/v1/calls/{}/assignments", c.id), json!({"reviewers_per_bid": 3})).await;
    assert_eq!((r.status, r.code()), (409, "calendar_missing"), "{}", r.text);
    assert!(r.json["error"]["message"].as_str().unwrap().contains("2027"), "{}", r.text);
    assert_eq!(app.count("reviewer_draws").await, draws, "nothing drawn");
    // Once the admin loads 2027, the same draw goes through.
    let r = admin
        .http
        .put(format!("{}/api/v1/calendar/2027", admin.base))
        .header("content-type", "text/csv")
        .body("date,kind,name\n2027-01-01,holiday,元旦\n")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let r = staff.post(&format!("/api/v1/calls/{}/assignments", c.id), json!({"reviewers_per_bid": 3})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(staff.get("/api/v1/dashboard").await.json["calendar_warning"], Value::Null);
}

crate::on_both!(
    funds_keep_their_floors_and_scope,
    publishing_commits_within_each_fund,
    concurrent_publishes_never_exceed_a_fund,
    every_year_has_its_calendar,
    a_missing_year_is_refused_not_guessed,
);

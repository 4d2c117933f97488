//! Innovation awards: the fund, the 20,000–50,000 range, the fund's ceiling under concurrency,
//! repeat regions, publication with its notice PDF; promotion meetings and their warnings.

use crate::helpers::*;
use serde_json::json;

fn award(region: &str, amount: &str) -> serde_json::Value {
    json!({"region_code": region, "title": "“小区议事厅”居民协商机制", "citation": "以议事厅推动居民自治，经验可复制。", "amount": amount})
}

async fn fund(app: &TestApp, staff: &Client, budget: Option<&str>) -> i64 {
    let body = match budget {
        Some(b) => json!({"year": 2026, "budget": b}),
        None => json!({"year": 2026}),
    };
    let r = staff.post("/api/v1/award-funds", body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let _ = app;
    r.json["id"].as_i64().unwrap()
}

async fn awards_within_range_fund_and_regions(app: TestApp) {
    let staff = app.as_role("staff1", "staff").await;
    app.add_user("town1", "staff", Some("340207101000")).await;
    let town = app.login("town1").await;
    let org = app.as_role("fin1", "finance").await;
    // Who may set up a fund.
    assert_eq!(app.client().post("/api/v1/award-funds", json!({"year": 2026})).await.status, 401);
    assert_eq!(org.post("/api/v1/award-funds", json!({"year": 2026})).await.status, 403);
    assert_eq!(town.post("/api/v1/award-funds", json!({"year": 2026})).await.status, 403, "district staff only");
    let r = staff.post("/api/v1/award-funds", json!({"year": 1900, "budget": "19999.99"})).await;
    assert_eq!(r.status, 422);
    let got = crate::flow::codes(&r);
    assert!(got.contains(&"invalid_year".to_string()) && got.contains(&"fund_too_small".to_string()), "{got:?}");
    let r = staff.post("/api/v1/award-funds", json!({"year": 2026})).await;
    assert_eq!((r.status, r.json["budget"].as_str()), (201, Some("500000.00")), "the default fund");
    let id = r.json["id"].as_i64().unwrap();
    let r = staff.post("/api/v1/award-funds", json!({"year": 2026, "budget": "600000.00"})).await;
    assert_eq!((r.status, r.code()), (409, "fund_exists"));
    // The range, inclusive, and what an award may go to.
    let path = format!("/api/v1/award-funds/{id}/awards");
    for (amount, want) in
        [("19999.99", "award_out_of_range"), ("50000.01", "award_out_of_range"), ("3e4", "invalid_amount")]
    {
        let r = staff.post(&path, award("340207101000", amount)).await;
        assert_eq!((r.status, r.code()), (422, want), "{amount}");
    }
    let r = staff.post(&path, award("340207000000", "30000.00")).await;
    assert_eq!((r.status, r.code()), (422, "region_not_eligible"), "not the district itself");
    let r = staff.post(&path, award("999999999999", "30000.00")).await;
    assert_eq!((r.status, r.code()), (422, "unknown_region"));
    let r = staff
        .post(&path, json!({"region_code": "340207101000", "title": "", "citation": "", "amount": "30000.00"}))
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(app.count("awards").await, 0, "nothing written by refused requests");
    let r = staff.post(&path, award("340207101000", "20000.00")).await;
    assert_eq!((r.status, r.json["awarded"].as_str()), (201, Some("20000.00")), "{}", r.text);
    let r = staff.post(&path, award("340207101001", "50000.00")).await;
    assert_eq!((r.status, r.json["remaining"].as_str()), (201, Some("430000.00")), "a village of the same town");
    // The same region twice needs a reason.
    let r = staff.post(&path, award("340207101000", "30000.00")).await;
    assert_eq!(
        (r.status, r.code(), r.json["error"]["field"].as_str()),
        (422, "region_already_awarded", Some("reason"))
    );
    let mut again = award("340207101000", "30000.00");
    again["reason"] = json!("两项创新分属不同领域，均有推广价值");
    let r = staff.post(&path, again).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["awards"][2]["repeat_reason"], "两项创新分属不同领域，均有推广价值");
    // Unpublished: not public.
    assert_eq!(app.client().get(&format!("/api/v1/award-funds/{id}")).await.status, 404);
    assert_eq!(app.client().get("/api/v1/award-funds").await.json.as_array().unwrap().len(), 0);
    assert_eq!(app.client().get(&format!("/api/v1/award-funds/{id}/notice.pdf")).await.status, 404);
    // Removing an award gives its amount back.
    let award_id = r.json["awards"][2]["id"].as_i64().unwrap();
    assert_eq!(org.delete(&format!("/api/v1/awards/{award_id}")).await.status, 403);
    let r = staff.delete(&format!("/api/v1/awards/{award_id}")).await;
    assert_eq!((r.status, r.json["awarded"].as_str()), (200, Some("70000.00")));
    assert_eq!(staff.delete(&format!("/api/v1/awards/{award_id}")).await.status, 404);
    assert_eq!(app.count("audit_log WHERE action LIKE 'award%'").await, 5);
}

/// A small fund and many simultaneous awards: the total never passes the fund; refusals are 409.
async fn concurrent_awards_never_exceed_the_fund(app: TestApp) {
    let staff = app.as_role("staff1", "staff").await;
    let id = fund(&app, &staff, Some("100000.00")).await;
    let villages = ["340207101001", "340207101002", "340207101003", "340207102000", "340207103000", "340207104000"];
    let mut tasks = Vec::new();
    for i in 0..ceiling_n(12) {
        let c = staff.clone();
        let body = award(villages[i % villages.len()], "30000.00");
        let mut body = body;
        body["reason"] = json!(format!("理由{i}"));
        tasks.push(tokio::spawn(async move { c.post(&format!("/api/v1/award-funds/{id}/awards"), body).await }));
    }
    let mut ok = 0;
    for t in tasks {
        let r = t.await.unwrap();
        match r.status {
            201 => ok += 1,
            409 => assert_eq!(r.code(), "fund_exceeded"),
            other => panic!("unexpected {other}: {}", r.text),
        }
    }
    assert_eq!(ok, 3, "three awards of 30,000.00 fit in 100,000.00");
    let f = staff.get(&format!("/api/v1/award-funds/{id}")).await;
    assert_eq!((f.json["awarded"].as_str(), f.json["awards"].as_array().unwrap().len()), (Some("90000.00"), 3));
    assert_eq!(app.count(&format!("awards WHERE fund_id = {id}")).await, 3);
}

async fn publishing_makes_the_list_public_with_a_notice_pdf(app: TestApp) {
    let staff = app.as_role("staff1", "staff").await;
    app.add_user("town1", "staff", Some("340207101000")).await;
    let id = fund(&app, &staff, None).await;
    assert_eq!(staff.post(&format!("/api/v1/award-funds/{id}/publish"), json!({})).await.code(), "no_awards");
    let path = format!("/api/v1/award-funds/{id}/awards");
    staff.post(&path, award("340207101001", "50000.00")).await;
    let mut b = award("340207102000", "20000.00");
    b["citation"] = json!("<script>alert(1)</script>“邻里互助”积分制");
    staff.post(&path, b).await;
    let before = app.count("outbox").await;
    let r = staff.post(&format!("/api/v1/award-funds/{id}/publish"), json!({})).await;
    assert_eq!((r.status, r.json["status"].as_str()), (200, Some("published")), "{}", r.text);
    assert_eq!(app.count("outbox").await, before + 1, "the awarded town's staff are told");
    assert_eq!(staff.post(&format!("/api/v1/award-funds/{id}/publish"), json!({})).await.code(), "fund_published");
    assert_eq!(staff.post(&path, award("340207103000", "20000.00")).await.code(), "fund_published");
    // Public now, without the internal reasons.
    let list = app.client().get("/api/v1/award-funds").await;
    assert_eq!(list.json.as_array().unwrap().len(), 1);
    assert_eq!(list.json[0]["awards"][0]["region_name"], "沈巷社区居委会");
    assert!(list.json[0]["awards"][0]["repeat_reason"].is_null());
    let url = r.json["notice_url"].as_str().unwrap().to_string();
    let pdf = app.client().http.get(format!("{}{url}", app.base)).send().await.unwrap();
    assert_eq!(pdf.status(), 200);
    let bytes = pdf.bytes().await.unwrap().to_vec();
    assert!(bytes.starts_with(b"%PDF-"));
    use sha2::Digest;
    let hash = hex::encode(sha2::Sha256::digest(&bytes));
    assert_eq!(r.json["notice_sha256"].as_str(), Some(hash.as_str()));
    let v = app.client().get(&format!("/api/v1/documents/verify?sha256={hash}")).await;
    assert_eq!((v.status, v.json["kind"].as_str()), (200, Some("award_notice")));
    if let Some(flat) = pdf_text(&bytes) {
        for want in [
            "2026年度基层治理创新奖励公告",
            "沈巷社区居委会",
            "二坝镇",
            "50,000.00",
            "70,000.00",
            "合计",
            "<script>",
            "鸠江区民政局",
        ] {
            assert!(flat.contains(want), "{want} missing from the PDF:\n{flat}");
        }
    }
    // The public page lists it; the payload is escaped.
    let page = app.client().get("/awards").await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("沈巷社区居委会") && page.text.contains("50,000.00"));
    assert!(!page.text.contains("<script>alert(1)") && page.text.contains("&#60;script&#62;alert(1)"));
}

async fn promotion_meetings_and_their_warnings(app: TestApp) {
    let staff = app.as_role("staff1", "staff").await;
    app.clock.set("2026-12-01T09:00:00+08:00".parse().unwrap());
    app.relogin(&[&staff]).await;
    let r = staff.get("/api/v1/promotion-meetings?year=2026").await;
    assert_eq!((r.status, r.json["warnings"][0]["code"].as_str()), (200, Some("no_meeting_by_deadline")));
    let fin = app.as_role("fin1", "finance").await;
    assert_eq!(fin.get("/api/v1/promotion-meetings").await.status, 200);
    let meeting = |day: &str| {
        json!({"held_on": day, "place": "沈巷镇便民服务中心", "host_region_code": "340207101000",
               "agenda": "观摩创新项目，交流经验", "attendees": 80})
    };
    assert_eq!(fin.post("/api/v1/promotion-meetings", meeting("2026-06-01")).await.status, 403);
    let mut bad = meeting("2026-13-01");
    bad["attendees"] = json!(-1);
    bad["award_ids"] = json!([999999]);
    let r = staff.post("/api/v1/promotion-meetings", bad).await;
    assert_eq!(r.status, 422);
    let got = crate::flow::codes(&r);
    for want in ["invalid_date", "invalid_count", "unknown_award"] {
        assert!(got.contains(&want.to_string()), "{want} missing from {got:?}");
    }
    let id = fund(&app, &staff, None).await;
    let a = staff.post(&format!("/api/v1/award-funds/{id}/awards"), award("340207101001", "30000.00")).await;
    let award_id = a.json["awards"][0]["id"].as_i64().unwrap();
    let mut m = meeting("2026-06-01");
    m["award_ids"] = json!([award_id]);
    let r = staff.post("/api/v1/promotion-meetings", m).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        (r.json["meetings"][0]["award_ids"][0].as_i64(), r.json["warnings"].as_array().map(Vec::len)),
        (Some(award_id), Some(0))
    );
    staff.post("/api/v1/promotion-meetings", meeting("2026-09-01")).await;
    let r = staff.post("/api/v1/promotion-meetings", meeting("2026-10-01")).await;
    assert_eq!(r.json["warnings"][0]["code"], "too_many_meetings");
    assert_eq!(r.json["meetings"].as_array().unwrap().len(), 3);
}

/// The staff pages: set up a fund, award, see a refusal explained, publish; meetings.
async fn awards_through_the_pages(app: TestApp) {
    let staff = app.as_role("staff1", "staff").await;
    let token = staff.csrf("/staff/awards").await;
    let r = staff.post_form("/staff/awards", &[("year", "2026")]).await;
    assert_eq!(r.status, 403, "no CSRF token, refused");
    let r = staff.post_form("/staff/awards", &[("csrf", &token), ("year", "2026年"), ("budget", "")]).await;
    assert_eq!(r.status, 422, "a year that is not a number is marked, not read as 0");
    assert!(r.text.contains("请填写整数"), "{}", r.text);
    let r = staff.post_form("/staff/awards", &[("csrf", &token), ("year", "2026"), ("budget", "")]).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let at = r.headers["location"].to_str().unwrap().to_string();
    let page = staff.get(&at).await;
    assert!(page.text.contains("500,000.00") && page.text.contains("添加奖励"));
    let add = format!("{at}/awards");
    let post = |amount: &'static str| {
        let (staff, add, token) = (&staff, add.clone(), token.clone());
        async move {
            staff
                .post_form(
                    &add,
                    &[
                        ("csrf", token.as_str()),
                        ("region_code", "340207101000"),
                        ("title", "积分超市"),
                        ("citation", "以积分激励志愿服务"),
                        ("amount", amount),
                    ],
                )
                .await
        }
    };
    let r = post("60000.00").await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("每项奖励金额应在 20,000.00 元至 50,000.00 元之间"), "the reason, in Chinese");
    assert!(r.text.contains("积分超市"), "what was typed comes back");
    assert_eq!(post("30000.00").await.status, 303);
    let r = staff.post_form(&format!("{at}/publish"), &[("csrf", &token)]).await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains("请确认：公布") && r.text.contains("获奖通知"), "{}", r.text);
    assert!(!staff.get(at.as_str()).await.text.contains("奖励公告（PDF）"), "not published before it is confirmed");
    let r = staff.post_form(&format!("{at}/publish"), &[("csrf", &token), ("confirm", "1")]).await;
    assert_eq!(r.status, 303);
    let page = staff.get(&format!("{at}?done=published")).await;
    assert!(page.text.contains("已公布") && page.text.contains("奖励公告（PDF）"));
    assert!(app.client().get("/awards").await.text.contains("积分超市"));
    // Meetings.
    let r = staff
        .post_form(
            "/staff/meetings",
            &[
                ("csrf", &token),
                ("held_on", "2026-06-01"),
                ("place", "二坝镇会议中心"),
                ("host_region_code", "340207102000"),
                ("agenda", "观摩"),
                ("attendees", "60"),
                ("award_ids", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    assert!(staff.get("/staff/meetings?year=2026").await.text.contains("二坝镇会议中心"));
    let org = app.as_role("rev1", "reviewer").await;
    assert_eq!(org.get("/staff/awards").await.status, 403);
}

crate::on_both!(
    awards_within_range_fund_and_regions,
    concurrent_awards_never_exceed_the_fund,
    publishing_makes_the_list_public_with_a_notice_pdf,
    promotion_meetings_and_their_warnings,
    awards_through_the_pages
);

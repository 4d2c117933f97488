//! Organisation registration, verification and rejection; who may see what.

use crate::helpers::*;
use serde_json::json;

async fn register_verify_and_see_own(app: TestApp) {
    let c = app.client();
    let r = c.post("/api/v1/organisations", org_body("sunshine", "52340207MJ0002001", "340207101001")).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["status"], "pending");
    assert_eq!(r.json["org_type"], "social_service");
    let id = r.json["id"].as_i64().unwrap();
    // The organisation's user can log in and sees its own record and status.
    let org = app.login("sunshine").await;
    let me = org.get("/api/v1/me").await;
    assert_eq!((me.json["role"].as_str(), me.json["organisation_status"].as_str()), (Some("org"), Some("pending")));
    assert_eq!(org.get(&format!("/api/v1/organisations/{id}")).await.status, 200);
    // An organisation may not verify itself, nor list others.
    let r = org.post(&format!("/api/v1/organisations/{id}/verify"), json!({})).await;
    assert_eq!(r.status, 403);
    assert_eq!(org.get("/api/v1/organisations").await.status, 403);
    let staff = app.as_role("staff1", "staff").await;
    let queue = staff.get("/api/v1/organisations?status=pending").await;
    assert_eq!(queue.json.as_array().unwrap().len(), 1);
    let r = staff.post(&format!("/api/v1/organisations/{id}/verify"), json!({})).await;
    assert_eq!((r.status, r.json["status"].as_str()), (200, Some("verified")));
    let r = staff.post(&format!("/api/v1/organisations/{id}/verify"), json!({})).await;
    assert_eq!((r.status, r.code()), (409, "wrong_status"));
    let r = staff.post(&format!("/api/v1/organisations/{id}/reject"), json!({"reason": "太晚了"})).await;
    assert_eq!((r.status, r.code()), (409, "wrong_status"));
    assert_eq!(org.get("/api/v1/me").await.json["organisation_status"], "verified");
    // Another organisation and a reviewer get 404, not 403: ids reveal nothing.
    app.register_org("other", "52340207MJ0002002", "340207101001").await;
    let other = app.login("other").await;
    assert_eq!(other.get(&format!("/api/v1/organisations/{id}")).await.status, 404);
    let rev = app.as_role("rev1", "reviewer").await;
    assert_eq!(rev.get(&format!("/api/v1/organisations/{id}")).await.status, 404);
    assert_eq!(app.client().get(&format!("/api/v1/organisations/{id}")).await.status, 401);
}

async fn reject_needs_a_reason(app: TestApp) {
    let id = app.register_org("grey", "52340207MJ0002003", "340207101000").await;
    let staff = app.as_role("staff1", "staff").await;
    for body in [json!({}), json!({"reason": "   "}), json!({"reason": "理由\u{202e}"})] {
        let r = staff.post(&format!("/api/v1/organisations/{id}/reject"), body).await;
        assert_eq!((r.status, r.json["error"]["field"].as_str()), (422, Some("reason")), "{}", r.text);
    }
    let r = staff.post(&format!("/api/v1/organisations/{id}/reject"), json!({"reason": 5})).await;
    assert_eq!(r.status, 400);
    let r = staff.post(&format!("/api/v1/organisations/{id}/reject"), json!({"reason": "登记证书已过期"})).await;
    assert_eq!(
        (r.status, r.json["status"].as_str(), r.json["status_reason"].as_str()),
        (200, Some("rejected"), Some("登记证书已过期"))
    );
    // A rejected organisation may be verified later, once its papers are in order.
    let r = staff.post(&format!("/api/v1/organisations/{id}/verify"), json!({})).await;
    assert_eq!(r.status, 200);
    // Finance may read but not decide.
    let fin = app.as_role("fin1", "finance").await;
    assert_eq!(fin.get(&format!("/api/v1/organisations/{id}")).await.status, 200);
    assert_eq!(fin.post(&format!("/api/v1/organisations/{id}/verify"), json!({})).await.status, 403);
}

async fn bad_registrations_change_nothing(app: TestApp) {
    let c = app.client();
    let mut bad = org_body("badorg", "52340207MJ0002004", "340207101001");
    let good_uscc = bad["uscc"].as_str().unwrap().to_string();
    let last = good_uscc.chars().last().unwrap();
    let flipped = format!("{}{}", &good_uscc[..17], if last == '0' { '1' } else { '0' });
    bad["uscc"] = json!(flipped);
    let r = c.post("/api/v1/organisations", bad.clone()).await;
    assert_eq!((r.status, r.code(), r.json["error"]["field"].as_str()), (422, "uscc_check_digit", Some("uscc")));
    // Every field problem reported in one answer.
    let all_bad = json!({"uscc": "123", "name": "", "org_type": "company", "registered_on": "2099-01-01",
        "region_code": "110101000000", "contact_name": "\u{0007}", "contact_phone": "abc", "email": "x@",
        "login": "A B", "password": "1"});
    let r = c.post("/api/v1/organisations", all_bad).await;
    assert_eq!(r.status, 422);
    let fields: Vec<&str> =
        r.json["error"]["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    for f in [
        "uscc",
        "name",
        "org_type",
        "registered_on",
        "region_code",
        "contact_name",
        "contact_phone",
        "email",
        "login",
        "password",
    ] {
        assert!(fields.contains(&f), "{f} missing from {fields:?}");
    }
    let r = c.post("/api/v1/organisations", json!({"uscc": "9144030071526726IG", "name":"a","org_type":"foundation",
        "registered_on":"2020-13-01","region_code":"3402","contact_name":"a","contact_phone":"13800138000","email":"a@b.cn","login":"abc","password":"12345678"})).await;
    assert_eq!(r.status, 422);
    let codes: Vec<&str> =
        r.json["error"]["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert!(
        codes.contains(&"uscc_charset") && codes.contains(&"invalid_date") && codes.contains(&"invalid_region_code"),
        "{codes:?}"
    );
    // Header injection in the email is refused as an address.
    let mut inj = org_body("injorg", "52340207MJ0002005", "340207101001");
    inj["email"] = json!("a@b.cn\r\nBcc: victim@example.cn");
    assert_eq!(c.post("/api/v1/organisations", inj).await.status, 422);
    // Duplicates.
    app.register_org("first", "52340207MJ0002006", "340207101001").await;
    let r = c.post("/api/v1/organisations", org_body("second", "52340207MJ0002006", "340207101001")).await;
    assert_eq!((r.status, r.code()), (409, "duplicate_uscc"));
    let r = c.post("/api/v1/organisations", org_body("first", "52340207MJ0002007", "340207101001")).await;
    assert_eq!((r.status, r.code()), (409, "duplicate_login"));
    assert_eq!(app.count("organisations").await, 1);
    assert_eq!(app.count("users").await, 1);
    assert_eq!(app.count("outbox").await, 1);
}

/// Staff may register a code that fails its check digit only with a reason; it is audited.
async fn uscc_override_by_staff_only(app: TestApp) {
    let mut body = org_body("oldcode", "52340207MJ0002008", "340207101001");
    let good = body["uscc"].as_str().unwrap().to_string();
    let wrong = format!("{}{}", &good[..17], if good.ends_with('0') { '1' } else { '0' });
    body["uscc"] = json!(wrong);
    body["uscc_override_reason"] = json!("旧版证书，校验位印刷有误，已核对原件");
    let r = app.client().post("/api/v1/organisations", body.clone()).await;
    assert_eq!(r.status, 403, "the public cannot override");
    let org = app.register_org("anorg", "52340207MJ0002009", "340207101001").await;
    let _ = org;
    let org_user = app.login("anorg").await;
    assert_eq!(org_user.post("/api/v1/organisations", body.clone()).await.status, 403);
    let staff = app.as_role("staff1", "staff").await;
    let mut no_reason = body.clone();
    no_reason["uscc_override_reason"] = json!("");
    assert_eq!(staff.post("/api/v1/organisations", no_reason).await.code(), "uscc_check_digit");
    let r = staff.post("/api/v1/organisations", body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["uscc"], wrong);
    assert!(r.json["uscc_override_reason"].as_str().unwrap().contains("校验位"));
    let id = r.json["id"].as_i64().unwrap();
    assert_eq!(
        app.count(&format!("audit_log WHERE entity = 'organisation' AND entity_id = {id} AND detail LIKE '%uscc_override_reason%校验位%'")).await,
        1
    );
}

/// Town staff see and decide only their own town's organisations.
async fn town_staff_are_scoped(app: TestApp) {
    let in_town = app.register_org("shenxiangorg", "52340207MJ0003001", "340207101001").await;
    let elsewhere = app.register_org("erbaorg", "52340207MJ0003002", "340207102000").await;
    app.add_user("shenxiang", "staff", Some("340207101000")).await;
    let town = app.login("shenxiang").await;
    let list = town.get("/api/v1/organisations").await;
    let ids: Vec<i64> = list.json.as_array().unwrap().iter().map(|o| o["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, vec![in_town]);
    assert_eq!(town.get(&format!("/api/v1/organisations/{elsewhere}")).await.status, 404);
    assert_eq!(town.post(&format!("/api/v1/organisations/{elsewhere}/verify"), json!({})).await.status, 404);
    assert_eq!(town.post(&format!("/api/v1/organisations/{in_town}/verify"), json!({})).await.status, 200);
    let district = app.as_role("district", "staff").await;
    assert_eq!(district.get("/api/v1/organisations").await.json.as_array().unwrap().len(), 2);
}

/// Ten simultaneous registrations of one code: exactly one wins, the rest get 409.
async fn concurrent_duplicates(app: TestApp) {
    let mut tasks = Vec::new();
    for i in 0..10 {
        let c = app.client();
        let mut body = org_body(&format!("race{i}"), "52340207MJ0004001", "340207101001");
        body["name"] = json!(format!("竞争者{i}"));
        tasks.push(tokio::spawn(async move { c.post("/api/v1/organisations", body).await.status }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(statuses.iter().filter(|&&s| s == 201).count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|&&s| s == 409).count(), 9, "{statuses:?}");
    assert_eq!(app.count("organisations").await, 1);
    assert_eq!(app.count("users").await, 1);
}

async fn paging_is_bounded(app: TestApp) {
    for i in 0..5 {
        app.register_org(&format!("page{i}"), &format!("52340207MJ000500{i}"), "340207101001").await;
    }
    let staff = app.as_role("staff1", "staff").await;
    let p1 = staff.get("/api/v1/organisations?limit=2").await;
    let p1: Vec<i64> = p1.json.as_array().unwrap().iter().map(|o| o["id"].as_i64().unwrap()).collect();
    assert_eq!(p1.len(), 2);
    let p2 = staff.get(&format!("/api/v1/organisations?limit=2&after={}", p1[1])).await;
    let p2: Vec<i64> = p2.json.as_array().unwrap().iter().map(|o| o["id"].as_i64().unwrap()).collect();
    assert_eq!(p2.len(), 2);
    assert!(p2[0] > p1[1]);
    assert_eq!(staff.get("/api/v1/organisations?limit=100000").await.json.as_array().unwrap().len(), 5);
    assert_eq!(staff.get("/api/v1/organisations?status=bogus").await.status, 422);
}

/// Dates are read as people type them, in any of the usual forms, and stored as ISO dates.
async fn dates_as_people_type_them(app: TestApp) {
    for (i, typed) in ["2020/5/1", "2020年5月1日", "2020.05.01"].iter().enumerate() {
        let mut body = org_body(&format!("typed{i}"), &format!("52340207MJ007710{i}"), "340207101001");
        body["registered_on"] = serde_json::json!(typed);
        let r = app.client().post("/api/v1/organisations", body).await;
        assert_eq!((r.status, r.json["registered_on"].as_str()), (201, Some("2020-05-01")), "{typed}: {}", r.text);
    }
    let mut body = org_body("typedbad", "52340207MJ0077109", "340207101001");
    body["registered_on"] = serde_json::json!("2020-02-30");
    let r = app.client().post("/api/v1/organisations", body).await;
    assert_eq!((r.status, r.json["error"]["field"].as_str()), (422, Some("registered_on")));
}

crate::on_both!(
    dates_as_people_type_them,
    register_verify_and_see_own,
    reject_needs_a_reason,
    bad_registrations_change_nothing,
    uscc_override_by_staff_only,
    town_staff_are_scoped,
    concurrent_duplicates,
    paging_is_bounded,
);

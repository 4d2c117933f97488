//! An organisation's standing (年检, 等级, lists, penalties, debarment, suspension) and the
//! eligibility rules a call sets on it (DESIGN-programme §3).

use crate::flow::*;
use crate::helpers::*;
use serde_json::json;

fn fields(r: &Res) -> Vec<(String, String)> {
    r.json["error"]["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| (e["field"].as_str().unwrap_or("").to_string(), e["code"].as_str().unwrap_or("").to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// District staff record standing with evidence; bad records change nothing; only district staff
/// may; the organisation sees its own standing and is emailed.
async fn standing_is_recorded_by_district_staff(app: TestApp) {
    let staff = app.as_role("staff1", "staff").await;
    let (id, org) = org(&app, &staff, "orga", "52340207MJ0019001").await;
    let path = format!("/api/v1/organisations/{id}/standing");
    let outbox = app.count("outbox").await;
    // Every problem at once, nothing written.
    let r = staff.post(&path, json!({"kind": "annual_inspection", "year": 2031, "result": "优秀"})).await;
    assert_eq!(r.status, 422);
    assert_eq!(fields(&r).iter().map(|f| f.1.as_str()).collect::<Vec<_>>(), ["invalid_year", "invalid_result"]);
    for bad in [
        json!({"kind": "debarment", "result": "x", "since": "2026-01-01"}),
        json!({"kind": "penalty", "result": "警告", "since": "2026-01-10", "until": "2026-01-01"}),
        json!({"kind": "abnormal_list", "result": "未报送年报", "since": "2026-13-01"}),
        json!({"kind": "rating", "result": "6A", "since": "2025-01-01"}),
        json!({"kind": "penalty", "result": "警告", "since": "2026-02-01"}),
    ] {
        let r = staff.post(&path, bad.clone()).await;
        assert_eq!(r.status, 422, "{bad}: {}", r.text);
    }
    assert_eq!(app.count("organisation_standing").await, 0, "refused records write nothing");
    // The roles that may not.
    app.add_user("town1", "staff", Some("340207101000")).await;
    let town = app.login("town1").await;
    let good = json!({"kind": "annual_inspection", "year": 2025, "result": "合格", "note": "鸠民〔2026〕3号"});
    for c in [&org, &town, &app.as_role("fin1", "finance").await] {
        assert_eq!(c.post(&path, good.clone()).await.status, 403);
    }
    assert_eq!(app.client().post(&path, good.clone()).await.status, 401);
    // Recorded: the record, the rating in force (five years by default), the mail, the audit.
    let r = staff.post(&path, good).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let r = staff.post(&path, json!({"kind": "rating", "result": "4A", "since": "2024-06-01"})).await;
    assert_eq!((r.status, r.json["rating"].as_str()), (201, Some("4A")), "{}", r.text);
    assert_eq!(r.json["records"][0]["until"], "2029-06-01");
    assert_eq!(app.count("outbox").await, outbox + 2, "the organisation is told each time");
    assert_eq!(app.count("audit_log WHERE action = 'organisation.standing'").await, 2);
    let mine = org.get(&format!("/api/v1/organisations/{id}")).await;
    assert_eq!(mine.status, 200);
    let kinds: Vec<&str> =
        mine.json["standing"]["records"].as_array().unwrap().iter().map(|x| x["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["rating", "annual_inspection"], "newest first");
    assert_eq!(mine.json["standing"]["suspended"], false);
}

/// A call's eligibility rules refuse an applicant that breaks them, naming each rule; debarment
/// and suspension stop any submission; restoring lifts the suspension.
async fn eligibility_debarment_and_suspension_at_submission(app: TestApp) {
    let staff = app.as_role("staff1", "staff").await;
    let mut body = call_body();
    body["eligibility"] = json!({"annual_inspection": "pass", "no_abnormal_years": 0});
    let r = staff.post("/api/v1/calls", body.clone()).await;
    assert_eq!(r.status, 422);
    assert!(fields(&r).contains(&("eligibility.no_abnormal_years".into(), "invalid_years".into())), "{}", r.text);
    body["eligibility"] = json!({"annual_inspection": "pass", "no_abnormal_years": 2, "no_penalty_years": 3, "rating_bonus": {"4A": "2.00"}});
    let call = published_call(&staff, body).await;
    let v = app.client().get(&format!("/api/v1/calls/{}", call.id)).await;
    assert_eq!(v.json["eligibility"]["no_abnormal_years"], 2);
    assert!(v.json["eligibility_rules"].as_array().unwrap().iter().any(|r| r == "最近一次年检结论为合格"));
    let page = app.client().get(&format!("/calls/{}", call.id)).await;
    assert!(page.text.contains("近 2 年内未被列入活动异常名录") && page.text.contains("4A 加 2.00 分"));

    let (a, org_a) = org(&app, &staff, "orga", "52340207MJ0019101").await;
    open_window(&app, &[&staff, &org_a]).await;
    let draft = org_a
        .post(&format!("/api/v1/calls/{}/bids", call.id), bid_body(call.shenxiang, "340207101001", "50000.00"))
        .await;
    let bid = draft.json["id"].as_i64().unwrap();
    let submit = |c: &Client| {
        let (c, p) = (c.clone(), format!("/api/v1/bids/{bid}/submit"));
        async move { c.post(&p, json!({})).await }
    };
    // No inspection on file: refused, the rule named.
    let r = submit(&org_a).await;
    assert_eq!((r.status, r.code()), (422, "ineligible_organisation"), "{}", r.text);
    assert_eq!(fields(&r), [("eligibility.annual_inspection".to_string(), "ineligible_organisation".to_string())]);
    let standing = format!("/api/v1/organisations/{a}/standing");
    let ok = |r: Res| assert_eq!(r.status, 201, "{}", r.text);
    ok(staff.post(&standing, json!({"kind": "annual_inspection", "year": 2025, "result": "合格"})).await);
    ok(staff
        .post(
            &standing,
            json!({"kind": "abnormal_list", "result": "未按时报送年报", "since": "2024-06-01", "until": "2025-01-01"}),
        )
        .await);
    ok(staff
        .post(&standing, json!({"kind": "penalty", "result": "警告", "since": "2022-01-01", "until": "2022-02-01"}))
        .await);
    let r = submit(&org_a).await;
    assert_eq!(fields(&r), [("eligibility.no_abnormal_years".to_string(), "ineligible_organisation".to_string())]);
    assert!(r.json["error"]["message"].as_str().unwrap().contains("活动异常名录"));
    assert_eq!(app.count(&format!("bids WHERE id = {bid} AND status = 'draft'")).await, 1, "still a draft");

    // A clean organisation: suspended, refused; restored, accepted; debarred, refused.
    let (b, org_b) = org(&app, &staff, "orgb", "52340207MJ0019102").await;
    ok(staff
        .post(
            &format!("/api/v1/organisations/{b}/standing"),
            json!({"kind": "annual_inspection", "year": 2025, "result": "合格"}),
        )
        .await);
    let draft = org_b
        .post(&format!("/api/v1/calls/{}/bids", call.id), bid_body(call.shenxiang, "340207101001", "50000.00"))
        .await;
    let bid_b = draft.json["id"].as_i64().unwrap();
    let submit_path = format!("/api/v1/bids/{bid_b}/submit");
    let submit_b = || org_b.post(&submit_path, json!({}));
    let r = staff.post(&format!("/api/v1/organisations/{b}/suspend"), json!({"reason": " "})).await;
    assert_eq!((r.status, r.code()), (422, "required"));
    let r = staff.post(&format!("/api/v1/organisations/{b}/suspend"), json!({"reason": "账目待核查"})).await;
    assert_eq!((r.status, r.json["suspended"].as_bool()), (200, Some(true)), "{}", r.text);
    let again = staff.post(&format!("/api/v1/organisations/{b}/suspend"), json!({"reason": "账目待核查"})).await;
    assert_eq!((again.status, again.code()), (409, "wrong_status"));
    let r = submit_b().await;
    assert_eq!((r.status, r.code()), (409, "organisation_suspended"));
    let r = staff.post(&format!("/api/v1/organisations/{b}/restore"), json!({"reason": "核查无误"})).await;
    assert_eq!((r.status, r.json["suspended"].as_bool()), (200, Some(false)), "{}", r.text);
    let again = staff.post(&format!("/api/v1/organisations/{b}/restore"), json!({"reason": ""})).await;
    assert_eq!((again.status, again.code()), (409, "wrong_status"));
    assert_eq!(submit_b().await.status, 200, "eligible and restored");
    let r = staff
        .post(&format!("/api/v1/organisations/{b}/debar"), json!({"until": "2026-01-01", "reason": "虚报支出"}))
        .await;
    assert_eq!((r.status, r.code()), (422, "until_not_future"));
    let r = staff.post(&format!("/api/v1/organisations/{b}/debar"), json!({"reason": "虚报支出"})).await;
    assert_eq!(
        (r.status, r.json["debarred_until"].as_str()),
        (201, Some("2029-02-10")),
        "three years by default: {}",
        r.text
    );
    let second = org_b
        .post(&format!("/api/v1/calls/{}/bids", call.id), bid_body(call.district, "340207101001", "60000.00"))
        .await;
    let r = org_b.post(&format!("/api/v1/bids/{}/submit", second.json["id"].as_i64().unwrap()), json!({})).await;
    assert_eq!((r.status, r.code()), (409, "debarred"));
    assert!(r.json["error"]["message"].as_str().unwrap().contains("2029-02-10"));
    assert_eq!(
        app.count("audit_log WHERE action IN ('organisation.suspend', 'organisation.restore', 'organisation.debar')")
            .await,
        3
    );
}

/// The staff page: the forms record standing, a refused form keeps what was typed with the error
/// beside its field; town staff read only; the organisation's 工作台 shows its suspension.
async fn standing_through_the_pages(app: TestApp) {
    let staff = app.as_role("staff1", "staff").await;
    let (id, org) = org(&app, &staff, "orga", "52340207MJ0019201").await;
    let page = format!("/staff/organisations/{id}");
    let list = staff.get("/staff/organisations?status=verified").await;
    assert!(list.text.contains(&format!("href=\"{page}\"")), "the list links each organisation");
    let token = staff.csrf(&page).await;
    let r = staff
        .post_form(
            &format!("{page}/standing"),
            &[
                ("csrf", &token),
                ("kind", "annual_inspection"),
                ("year", "2025"),
                ("result", "良好"),
                ("note", "鸠民〔2026〕8号"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(
        r.text.contains("value=\"良好\" aria-invalid=true") && r.text.contains("鸠民〔2026〕8号"),
        "typed values kept, the field marked"
    );
    assert!(r.text.contains("结论或情况：年检结论应为"), "the error in the field's words: {}", r.text);
    assert_eq!(app.count("organisation_standing").await, 0);
    let r = staff
        .post_form(
            &format!("{page}/standing"),
            &[("csrf", &token), ("kind", "annual_inspection"), ("year", "2025"), ("result", "合格"), ("note", "")],
        )
        .await;
    assert_eq!((r.status, r.headers["location"].to_str().unwrap()), (303, format!("{page}?done=standing").as_str()));
    let r = staff.post_form(&format!("{page}/suspend"), &[("csrf", &token), ("reason", "账目待核查")]).await;
    assert_eq!(r.status, 303);
    let shown = staff.get(&page).await.text;
    assert!(shown.contains("暂停申报</span>") && shown.contains("2025") && shown.contains("恢复申报"));
    let wb = org.get("/workbench").await.text;
    assert!(wb.contains("贵单位已被暂停申报"), "the organisation sees it");
    app.add_user("town1", "staff", Some("340207101000")).await;
    let town = app.login("town1").await;
    let theirs = town.get(&page).await;
    assert_eq!(theirs.status, 200);
    assert!(
        !theirs.text.contains(&format!("{page}/standing")) && theirs.text.contains("由区民政局登记"),
        "town staff read only"
    );
    let t = town.csrf(&page).await;
    assert_eq!(town.post_form(&format!("{page}/restore"), &[("csrf", &t), ("reason", "")]).await.status, 403);
    let r = staff.post_form(&format!("{page}/restore"), &[("csrf", &token), ("reason", "核查无误")]).await;
    assert_eq!(r.status, 303);
    let r = staff.post_form(&format!("{page}/restore"), &[("csrf", &token), ("reason", "")]).await;
    assert_eq!(r.status, 409, "nothing to restore: said on the page");
    assert!(r.text.contains("未处于暂停申报状态"));
}

/// The rating bonus: the rating in force when the call closed adds its points to the final
/// score, shown beside it in the ranking.
async fn the_rating_bonus_adds_to_the_score(app: TestApp) {
    use crate::review::{score_all, setup_call};
    let mut body = call_body();
    body["eligibility"] = json!({"rating_bonus": {"4A": "3.00", "3A": "1.50"}});
    let s = setup_call(&app, body, |b| b).await;
    let b_org = app.login("orgb").await.get("/api/v1/me").await.json["organisation_id"].as_i64().unwrap();
    let r = s
        .staff
        .post(
            &format!("/api/v1/organisations/{b_org}/standing"),
            json!({"kind": "rating", "result": "4A", "since": "2025-01-01"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    s.staff.post(&format!("/api/v1/calls/{}/assignments", s.call.id), json!({"reviewers_per_bid": 3})).await;
    score_all(&s, |_| "80").await;
    let r = s.staff.get(&format!("/api/v1/calls/{}/ranking", s.call.id)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let rows: Vec<&serde_json::Value> =
        r.json["pools"].as_array().unwrap().iter().flat_map(|p| p["rows"].as_array().unwrap()).collect();
    assert_eq!(rows.len(), 3);
    for row in rows {
        let rated = row["bid_id"] != s.bids[0];
        let (score, bonus) = if rated { ("83.00", "3.00") } else { ("80.00", "0.00") };
        assert_eq!((row["score"].as_str(), row["rating_bonus"].as_str()), (Some(score), Some(bonus)), "{row}");
    }
}

crate::on_both!(
    the_rating_bonus_adds_to_the_score,
    standing_is_recorded_by_district_staff,
    eligibility_debarment_and_suspension_at_submission,
    standing_through_the_pages
);

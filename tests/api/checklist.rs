//! The screening checklist (资格审查清单): the call lists the items, the screener ticks each, a
//! mandatory item not ok refuses `eligible`, and the organisation sees which items failed.

use crate::flow::*;
use crate::helpers::*;
use serde_json::json;

async fn the_screening_checklist(app: TestApp) {
    let staff = app.as_role("staff1", "staff").await;
    let mut body = call_body();
    body["screening_checklist"] =
        json!([{"key": "licence", "name": "登记证书在有效期内"}, {"key": "licence", "name": " "}]);
    let r = staff.post("/api/v1/calls", body.clone()).await;
    assert_eq!(r.status, 422);
    let fields: Vec<&str> =
        r.json["error"]["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["screening_checklist[1].key", "screening_checklist[1].name"]);
    body["screening_checklist"] = json!([
        {"key": "licence", "name": "登记证书在有效期内"},
        {"key": "experience", "name": "有同类项目经验", "mandatory": false}
    ]);
    let call = published_call(&staff, body).await;
    let v = staff.get(&format!("/api/v1/calls/{}", call.id)).await;
    assert_eq!(v.json["screening_checklist"][0]["mandatory"], true, "mandatory unless said otherwise");
    let (_, a) = org(&app, &staff, "orga", "52340207MJ0019301").await;
    let (_, b) = org(&app, &staff, "orgb", "52340207MJ0019302").await;
    open_window(&app, &[&staff, &a, &b]).await;
    let (bid_a, _) = submitted_bid(&a, call.id, bid_body(call.shenxiang, "340207101001", "50000.00")).await;
    let (bid_b, _) = submitted_bid(&b, call.id, bid_body(call.shenxiang, "340207101001", "60000.00")).await;
    close_window(&app, &[&staff, &a, &b]).await;
    let screen = |id: i64, body: serde_json::Value| {
        let (c, p) = (staff.clone(), format!("/api/v1/bids/{id}/screening"));
        async move { c.post(&p, body).await }
    };
    // Unticked items, a foreign item, a mandatory item not ok: refused, nothing changes.
    let r = screen(bid_a, json!({"outcome": "eligible"})).await;
    assert_eq!(r.status, 422);
    let codes: Vec<&str> =
        r.json["error"]["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["required", "required"]);
    let r = screen(
        bid_a,
        json!({"outcome": "eligible", "checklist": [
        {"key": "licence", "ok": true}, {"key": "experience", "ok": true}, {"key": "bogus", "ok": true}]}),
    )
    .await;
    assert_eq!((r.status, r.code()), (422, "unknown_item"));
    let r = screen(
        bid_a,
        json!({"outcome": "eligible", "checklist": [
        {"key": "licence", "ok": false, "note": "证书已过期"}, {"key": "experience", "ok": true}]}),
    )
    .await;
    assert_eq!((r.status, r.code()), (422, "checklist_incomplete"), "{}", r.text);
    assert_eq!(app.count(&format!("bids WHERE id = {bid_a} AND status = 'submitted'")).await, 1);
    assert_eq!(app.count("bid_checklist").await, 0);
    // Not eligible, with the failed item: the organisation sees which.
    let r = screen(
        bid_a,
        json!({"outcome": "ineligible", "note": "登记证书已过期", "checklist": [
        {"key": "licence", "ok": false, "note": "证书已过期"}, {"key": "experience", "ok": true}]}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let mine = a.get(&format!("/api/v1/bids/{bid_a}")).await;
    assert_eq!(
        (mine.json["checklist"][0]["ok"].as_bool(), mine.json["checklist"][0]["note"].as_str()),
        (Some(false), Some("证书已过期"))
    );
    let page = a.get(&format!("/bids/{bid_a}")).await.text;
    assert!(page.contains("✗ 未通过</strong> 登记证书在有效期内：证书已过期"), "{page}");
    // An optional item may fail; through the page's radios.
    let bid_page = format!("/bids/{bid_b}");
    let form = staff.get(&bid_page).await.text;
    assert!(form.contains("name=\"chk_licence\" value=\"ok\"") && form.contains("（非必审）"));
    let token = staff.csrf(&bid_page).await;
    let r = staff
        .post_form(
            &format!("{bid_page}/screening"),
            &[
                ("csrf", &token),
                ("chk_licence", "ok"),
                ("chk_experience", "fail"),
                ("chk_note_experience", "首次申报"),
                ("outcome", "eligible"),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}", r.text);
    let theirs = b.get(&format!("/api/v1/bids/{bid_b}")).await;
    assert_eq!(
        (theirs.json["status"].as_str(), theirs.json["checklist"][1]["ok"].as_bool()),
        (Some("eligible"), Some(false))
    );
    assert_eq!(app.count("bid_checklist").await, 4);
}

crate::on_both!(the_screening_checklist);

//! Shared set-up for call and bid tests: a call like the district's real one, and bids on it.

use crate::helpers::*;
use serde_json::{json, Value};

pub const SHENXIANG: &str = "340207101000";
pub const ERBA: &str = "340207102000";

pub fn call_body() -> Value {
    json!({
        "year": 2026, "title": "鸠江区2026年度公益创投项目", "announcement": "为培育社会组织，特发布本公告。",
        "opens_at": "2026-02-01T00:00:00+08:00", "closes_at": "2026-03-01T00:00:00+08:00",
        "notice_days": 7, "notice_working_days": true, "project_start": "2026-04-01", "project_end": "2026-12-31",
        "min_grant": "20000.00", "max_grant": "200000.00", "max_bids_per_org": 2, "score_threshold": "60.00",
        "budget_caps": {"personnel_pct": 30, "admin_pct": 10}, "forbidden_categories": ["hospitality"],
        "tranches": [50, 30, 20], "fund_source": "budget",
        "pools": [
            {"level": "district", "region_code": "340207000000", "name": "区级公益创投资金", "budget": "1000000.00"},
            {"level": "town", "region_code": SHENXIANG, "name": "沈巷镇公益创投资金", "budget": "200000.00"},
            {"level": "town", "region_code": ERBA, "budget": "250000.00"}
        ]
    })
}

pub struct Call {
    pub id: i64,
    pub district: i64,
    pub shenxiang: i64,
    pub erba: i64,
}

pub fn pool_id(call: &Value, region: &str) -> i64 {
    call["pools"].as_array().unwrap().iter().find(|p| p["region_code"] == region).unwrap()["id"].as_i64().unwrap()
}

/// The 2026 funds the standard call draws on, roomy enough for a few calls a test; a fund that
/// exists already is left as it is.
pub async fn ensure_funds(staff: &Client) {
    ensure_funds_of(staff, 2026).await
}

pub async fn ensure_funds_of(staff: &Client, year: i64) {
    for (region, amount) in [("340207000000", "5000000.00"), (SHENXIANG, "1000000.00"), (ERBA, "1000000.00")] {
        let r = staff.post("/api/v1/funds", json!({"year": year, "region_code": region, "amount": amount})).await;
        assert!(r.status == 201 || r.code() == "fund_exists", "{}", r.text);
    }
}

/// Creates and publishes the standard call; returns its ids.
pub async fn published_call(staff: &Client, body: Value) -> Call {
    ensure_funds_of(staff, body["year"].as_i64().unwrap_or(2026)).await;
    let r = staff.post("/api/v1/calls", body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.json["id"].as_i64().unwrap();
    let r = staff.post(&format!("/api/v1/calls/{id}/publish"), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    Call {
        id,
        district: pool_id(&r.json, "340207000000"),
        shenxiang: pool_id(&r.json, SHENXIANG),
        erba: pool_id(&r.json, ERBA),
    }
}

pub fn bid_body(pool: i64, region: &str, requested: &str) -> Value {
    // 30 % personnel, 10 % admin, the rest activities: exactly the requested amount.
    let req: rust_decimal::Decimal = requested.parse().unwrap();
    let pct = |p: i64| (req * rust_decimal::Decimal::from(p) / rust_decimal::Decimal::from(100)).round_dp(2);
    let personnel = pct(30);
    let admin = pct(10);
    let activity = req - personnel - admin;
    json!({
        "pool_id": pool, "title": "“银龄互助”社区居家养老服务项目", "summary": "为辖区高龄独居老人提供探访与助餐服务。",
        "service_region_code": region, "beneficiaries": {"kind": "高龄独居老人", "count": 120},
        "start_date": "2026-04-01", "end_date": "2026-12-31",
        "requested_amount": requested, "matching_funds": "10000.00",
        "budget_lines": [
            {"category": "personnel", "item": "社工补贴", "amount": format!("{personnel:.2}"), "note": ""},
            {"category": "admin", "item": "项目管理", "amount": format!("{admin:.2}")},
            {"category": "activity", "item": "助餐活动", "amount": format!("{activity:.2}")}
        ],
        "milestones": [{"title": "中期", "due_date": "2026-08-01", "deliverable": "中期报告"}]
    })
}

/// The clock moved into the submission window; the clients log in again (sessions expire).
pub async fn open_window(app: &TestApp, clients: &[&Client]) {
    app.clock.set("2026-02-10T09:00:00+08:00".parse().unwrap());
    app.relogin(clients).await;
}

/// The clock moved past `closes_at`.
pub async fn close_window(app: &TestApp, clients: &[&Client]) {
    app.clock.set("2026-03-02T09:00:00+08:00".parse().unwrap());
    app.relogin(clients).await;
}

/// A verified organisation in 沈巷镇 and a client logged in as its user.
pub async fn org(app: &TestApp, staff: &Client, login: &str, uscc_body: &str) -> (i64, Client) {
    let id = app.register_org(login, uscc_body, "340207101001").await;
    let r = staff.post(&format!("/api/v1/organisations/{id}/verify"), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    (id, app.login(login).await)
}

/// Drafts and submits a bid; returns (bid id, reference).
pub async fn submitted_bid(org: &Client, call: i64, body: Value) -> (i64, String) {
    let r = org.post(&format!("/api/v1/calls/{call}/bids"), body).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.json["id"].as_i64().unwrap();
    let r = org.post(&format!("/api/v1/bids/{id}/submit"), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    (id, r.json["reference"].as_str().unwrap().to_string())
}

pub fn codes(r: &Res) -> Vec<String> {
    r.json["error"]["errors"]
        .as_array()
        .map(|a| a.iter().map(|e| e["code"].as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

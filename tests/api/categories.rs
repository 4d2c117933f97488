//! Categories with quotas: a bid names its category; going down a pool's ranking a bid whose
//! category is full is skipped (and says which limit stopped it) while a cheaper bid of another
//! category below it is funded.

use crate::flow::*;
use crate::helpers::*;
use crate::review::{score_all, setup_call};
use serde_json::{json, Value};
use std::cell::Cell;

fn call_with_quotas() -> Value {
    let mut body = call_body();
    body["categories"] = json!([
        {"key": "elderly", "name": "为老服务", "max_projects": 1},
        {"key": "children", "name": "儿童关爱", "max_amount": "100000.00", "scope": "call"}
    ]);
    body
}

async fn a_full_category_is_skipped_and_a_cheaper_one_below_is_funded(app: TestApp) {
    // All three bids in the 沈巷镇 pool (200,000.00): two 为老服务, then one 儿童关爱.
    let (n, pool) = (Cell::new(0), Cell::new(0));
    let s = setup_call(&app, call_with_quotas(), |mut b| {
        if n.get() == 0 {
            pool.set(b["pool_id"].as_i64().unwrap());
        }
        b["pool_id"] = json!(pool.get());
        b["category"] = json!(["elderly", "elderly", "children"][n.get()]);
        n.set(n.get() + 1);
        b
    })
    .await;
    let call = s.call.id;
    // A bid must name one of the call's categories.
    let org = app.login("orga").await;
    let mut odd = bid_body(s.call.shenxiang, "340207101001", "50000.00");
    odd["category"] = json!("sports");
    app.clock.set("2026-02-10T09:00:00+08:00".parse().unwrap());
    let org = {
        app.relogin(&[&org]).await;
        org
    };
    let r = org.post(&format!("/api/v1/calls/{call}/bids"), odd).await;
    assert_eq!((r.status, r.code()), (422, "unknown_category"), "{}", r.text);
    app.clock.set("2026-03-02T09:00:00+08:00".parse().unwrap());
    app.relogin(&[&s.staff, &s.fin]).await;
    // The 儿童关爱 bid is the cheapest once finance cuts it.
    let r = s
        .fin
        .post(&format!("/api/v1/bids/{}/finance", s.bids[2]), json!({"approved_amount": "60000.00", "note": "核减"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        s.staff.post(&format!("/api/v1/calls/{call}/assignments"), json!({"reviewers_per_bid": 5})).await.status,
        201
    );
    let (b1, b2, b3) = (s.bids[0], s.bids[1], s.bids[2]);
    score_all(&s, move |bid| {
        if bid == b1 {
            "90"
        } else if bid == b2 {
            "85"
        } else {
            "80"
        }
    })
    .await;
    let r = s.staff.get(&format!("/api/v1/calls/{call}/ranking")).await;
    assert_eq!(r.status, 200);
    let pool = r.json["pools"].as_array().unwrap().iter().find(|p| p["pool_id"] == s.call.shenxiang).unwrap().clone();
    let rows: Vec<(i64, String, String, bool)> = pool["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["bid_id"].as_i64().unwrap(),
                x["category"].as_str().unwrap().to_string(),
                x["outcome"].as_str().unwrap().to_string(),
                x["recommended"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (b1, "elderly".into(), "recommended".into(), true),
            (b2, "elderly".into(), "category_projects_full".into(), false),
            (b3, "children".into(), "recommended".into(), true),
        ],
        "the second 为老服务 bid would fit the pool (90,000 + 90,000 ≤ 200,000) but its category is full"
    );
    assert_eq!(pool["allocated"], "150000.00");
    // The page says which limit stopped it, and groups the ranking by category too.
    let page = s.staff.get(&format!("/staff/calls/{call}/ranking")).await;
    assert!(page.text.contains("该类别项目数已满") && page.text.contains("按类别"), "{}", page.text);
    assert!(page.text.contains("为老服务（最多 1 个项目）"), "{}", page.text);
    // Deciding reserves exactly the recommended two.
    assert_eq!(s.staff.post(&format!("/api/v1/calls/{call}/decide"), json!({})).await.status, 200);
    assert_eq!(app.count("bids WHERE status = 'proposed'").await, 2);
    assert_eq!(app.count(&format!("bids WHERE status = 'not_funded' AND id = {b2}")).await, 1);
}

crate::on_both!(a_full_category_is_skipped_and_a_cheaper_one_below_is_funded);

//! A call's after-funding terms: how its projects are paid (in tranches or once after the final
//! evaluation) and when the final report falls due (`final_report_days` after the end date).

use crate::flow::*;
use crate::helpers::*;
use crate::projects::milestone;
use crate::review::{score_all, setup_call};
use serde_json::{json, Value};

async fn payment_terms_are_checked_and_shown(app: TestApp) {
    let staff = app.as_role("staff1", "staff").await;
    for (tweak, field, code) in [
        (json!({"payment_mode": "monthly"}), "payment_mode", "invalid_payment_mode"),
        (json!({"payment_mode": "after_final"}), "tranches", "tranches_not_single"),
        (json!({"final_report_days": 181}), "final_report_days", "invalid_final_report_days"),
        (json!({"audit_threshold": "十万"}), "audit_threshold", "invalid_amount"),
        (json!({"audit_threshold": "0"}), "audit_threshold", "amount_not_positive"),
    ] {
        let mut body = call_body();
        for (k, v) in tweak.as_object().unwrap() {
            body[k] = v.clone();
        }
        let r = staff.post("/api/v1/calls", body).await;
        assert_eq!((r.status, r.json["error"]["field"].as_str()), (422, Some(field)), "{}", r.text);
        assert_eq!(r.json["error"]["errors"][0]["code"], code, "{}", r.text);
    }
    let r = staff.post("/api/v1/calls", json!({"final_report_days": -1})).await;
    assert_eq!(r.status, 400, "a negative count of days is not a number of days: {}", r.text);
    assert_eq!(app.count("calls").await, 0, "nothing kept");
    let form = staff.get("/staff/calls/new").await.text;
    assert!(
        form.contains("<option value=\"tranches\" selected>")
            && form.contains("name=\"final_report_days\" inputmode=\"numeric\" value=\"30\""),
        "the call form starts from the defaults"
    );
    // The defaults, then a call paid once after the final evaluation.
    let plain = published_call(&staff, call_body()).await;
    let v = app.client().get(&format!("/api/v1/calls/{}", plain.id)).await.json;
    assert_eq!(
        (&v["payment_mode"], &v["final_report_days"], &v["audit_threshold"]),
        (&json!("tranches"), &json!(30), &Value::Null)
    );
    let mut body = call_body();
    body["reference_prefix"] = json!("JF");
    body["payment_mode"] = json!("after_final");
    body["tranches"] = json!([100]);
    body["final_report_days"] = json!(20);
    body["audit_threshold"] = json!("150,000.00");
    let call = published_call(&staff, body).await;
    let v = app.client().get(&format!("/api/v1/calls/{}", call.id)).await.json;
    assert_eq!(
        (&v["payment_mode"], &v["payment_mode_label"], &v["final_report_days"], &v["audit_threshold"]),
        (&json!("after_final"), &json!("结项评估合格后一次拨付"), &json!(20), &json!("150000.00"))
    );
    let page = app.client().get(&format!("/calls/{}", call.id)).await.text;
    assert!(
        page.contains("资金拨付：结项评估合格后一次拨付；项目结束后 20 天内提交结项报告；核定金额 150,000.00 元及以上"),
        "{page}"
    );
}

/// Paid after the final evaluation: signing releases nothing, the final evaluation (due 20 days
/// after the end) the whole amount once verified.
async fn paid_once_after_the_final_evaluation(app: TestApp) {
    let mut body = call_body();
    body["payment_mode"] = json!("after_final");
    body["tranches"] = json!([100]);
    body["final_report_days"] = json!(20);
    let s = setup_call(&app, body, |b| b).await;
    s.staff.post(&format!("/api/v1/calls/{}/assignments", s.call.id), json!({"reviewers_per_bid": 3})).await;
    score_all(&s, |_| "80").await;
    assert_eq!(s.staff.post(&format!("/api/v1/calls/{}/decide", s.call.id), json!({})).await.status, 200);
    app.clock.set("2026-03-12T09:00:00+08:00".parse().unwrap());
    app.relogin(&[&s.staff, &s.fin]).await;
    assert_eq!(s.staff.post(&format!("/api/v1/calls/{}/finalize", s.call.id), json!({})).await.status, 200);
    crate::projects::rebase_all(&app, &s).await;
    let p = s.fin.get("/api/v1/projects").await.json[0].clone();
    let pid = p["id"].as_i64().unwrap();
    let plan: Vec<(&str, &str)> = p["milestones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["kind"].as_str().unwrap(), m["due_date"].as_str().unwrap()))
        .collect();
    assert_eq!(plan[..2], [("signing", "2026-04-01"), ("final", "2027-01-20")], "{plan:?}");
    assert_eq!(p["tranches"].as_array().map(Vec::len), Some(1));
    let amount = p["approved_amount"].as_str().unwrap().to_string();
    let (signing, fin) = (milestone(&p, "signing"), milestone(&p, "final"));
    let pay = |m: i64| json!({"milestone_id": m, "amount": amount, "paid_on": "2026-03-12", "reference": "国库支付 2026-009"});
    assert_eq!(
        s.staff.post(&format!("/api/v1/projects/{pid}/signing"), json!({"signed_on": "2026-03-12"})).await.status,
        200
    );
    let r = s.fin.post(&format!("/api/v1/projects/{pid}/payments"), pay(signing)).await;
    assert_eq!((r.status, r.code()), (409, "no_tranche"), "signing releases nothing");
    let r = s.fin.post(&format!("/api/v1/projects/{pid}/payments"), pay(fin)).await;
    assert_eq!((r.status, r.code()), (409, "not_payable"), "{}", r.text);
    assert_eq!(app.count("payments").await, 0);
    let org = app.login(if p["bid_id"] == s.bids[0] { "orga" } else { "orgb" }).await;
    let r =
        org.post(&format!("/api/v1/milestones/{fin}/report"), json!({"text": "项目已全部完成", "actuals": []})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = s.staff.post(&format!("/api/v1/milestones/{fin}/verify"), json!({"accepted": true, "grade": "合格"})).await;
    assert_eq!((r.status, r.json["tranches"][0]["status"].as_str()), (200, Some("payable")), "{}", r.text);
    let r = s.fin.post(&format!("/api/v1/projects/{pid}/payments"), pay(fin)).await;
    assert_eq!((r.status, r.json["paid_amount"].as_str()), (200, Some(amount.as_str())), "{}", r.text);
}

/// The final report falls due `final_report_days` after the end date: the day after the end it
/// is not yet overdue.
async fn the_final_report_is_due_after_the_end(app: TestApp) {
    let (s, projects) = crate::projects::finalized(&app).await;
    let p = &projects[0];
    let fin = milestone(p, "final");
    let due = |v: &Value| v["milestones"].as_array().unwrap().iter().find(|m| m["id"] == fin).unwrap().clone();
    assert_eq!(due(p)["due_date"], "2027-01-30");
    app.clock.set("2027-01-02T09:00:00+08:00".parse().unwrap());
    app.relogin(&[&s.fin]).await;
    let v = s.fin.get(&format!("/api/v1/projects/{}", p["id"])).await.json;
    assert_eq!(due(&v)["status"], "pending", "{}", due(&v));
    app.clock.set("2027-01-31T09:00:00+08:00".parse().unwrap());
    app.relogin(&[&s.fin]).await;
    let v = s.fin.get(&format!("/api/v1/projects/{}", p["id"])).await.json;
    assert_eq!(due(&v)["status"], "overdue");
}

crate::on_both!(
    payment_terms_are_checked_and_shown,
    paid_once_after_the_final_evaluation,
    the_final_report_is_due_after_the_end
);

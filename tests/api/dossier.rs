//! The application dossier (申报书): a call's sections and documents, a bid's texts and output
//! indicators kept draft by draft, and one refusal naming every missing item at submission.

use crate::flow::*;
use crate::helpers::*;
use reqwest::multipart::{Form, Part};
use serde_json::json;

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

async fn upload(c: &Client, bid: i64, kind: &str) -> u16 {
    let form = Form::new().part("file", Part::bytes(PDF.to_vec()).file_name("d.pdf")).text("kind", kind.to_string());
    let r = c.http.post(format!("{}/api/v1/bids/{bid}/attachments", c.base)).multipart(form).send().await.unwrap();
    r.status().as_u16()
}

async fn the_dossier_from_draft_to_submission(app: TestApp) {
    let staff = app.as_role("staff1", "staff").await;
    let mut body = call_body();
    body["dossier"] = json!({"sections": [{"key": "Need", "name": "", "max_chars": 5}]});
    let r = staff.post("/api/v1/calls", body.clone()).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json["error"]["errors"].as_array().unwrap().len(), 3, "{}", r.text);
    body["dossier"] = json!("standard");
    let call = published_call(&staff, body).await;
    let v = app.client().get(&format!("/api/v1/calls/{}", call.id)).await;
    assert_eq!(v.json["dossier"]["sections"].as_array().unwrap().len(), 7);
    assert_eq!(v.json["dossier"]["documents"][0]["type"], "registration_certificate");
    let (_, org) = org(&app, &staff, "orga", "52340207MJ0019401").await;
    open_window(&app, &[&staff, &org]).await;
    // A draft keeps what is typed; what cannot be kept is refused, nothing saved.
    let mut bid = bid_body(call.shenxiang, "340207101001", "50000.00");
    bid["sections"] = json!({"need": "社区独居老人缺少日常照料。", "hobby": "x", "goals": "字".repeat(2001)});
    bid["outputs"] = json!([{"indicator": "服务人次", "target": "很多", "unit": "人次"}]);
    let r = org.post(&format!("/api/v1/calls/{}/bids", call.id), bid.clone()).await;
    assert_eq!(r.status, 422);
    let fields: Vec<&str> =
        r.json["error"]["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["sections.goals", "sections.hobby", "outputs[0].target"]);
    assert_eq!(app.count("bids").await, 0);
    bid["sections"] = json!({"need": "社区独居老人缺少日常照料。", "goals": "每周探访 120 位老人。"});
    bid["outputs"] = json!([{"indicator": "服务人次", "target": "1,200", "unit": "人次"}]);
    let r = org.post(&format!("/api/v1/calls/{}/bids", call.id), bid.clone()).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.json["id"].as_i64().unwrap();
    let mine = org.get(&format!("/api/v1/bids/{id}")).await;
    assert_eq!(mine.json["sections"]["goals"], "每周探访 120 位老人。");
    assert_eq!(mine.json["outputs"][0]["target"], "1200");
    // Submitting: every missing item in one refusal.
    let r = org.post(&format!("/api/v1/bids/{id}/submit"), json!({})).await;
    assert_eq!(r.status, 422);
    let errors = r.json["error"]["errors"].as_array().unwrap();
    let missing: Vec<(&str, &str)> =
        errors.iter().map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap())).collect();
    assert_eq!(missing.len(), 5 + 4, "five sections and four documents: {missing:?}");
    assert!(missing.contains(&("sections.team", "required")) && missing.contains(&("documents.pledge", "missing")));
    // Fill it in: sections by a second save, documents by type or by name.
    let mut all = serde_json::Map::new();
    for k in ["org_profile", "need", "goals", "activities", "team", "outcomes", "sustainability"] {
        all.insert(k.into(), json!(format!("{k} 的内容")));
    }
    bid["sections"] = serde_json::Value::Object(all);
    assert_eq!(org.put(&format!("/api/v1/bids/{id}"), bid.clone()).await.status, 200);
    for kind in ["registration_certificate", "章程", "上年度年报"] {
        assert_eq!(upload(&org, id, kind).await, 201);
    }
    let r = org.post(&format!("/api/v1/bids/{id}/submit"), json!({})).await;
    assert_eq!((r.status, r.json["error"]["errors"].as_array().map(Vec::len)), (422, Some(1)), "{}", r.text);
    assert_eq!(r.json["error"]["field"], "documents.pledge");
    assert_eq!(upload(&org, id, "承诺书").await, 201);
    let r = org.post(&format!("/api/v1/bids/{id}/submit"), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let reference = r.json["reference"].as_str().unwrap().to_string();
    // The 申报书 PDF: the organisation's own; another organisation's not; staff after the deadline.
    let pdf = |c: &Client| {
        let (http, url) = (c.http.clone(), format!("{}/api/v1/bids/{id}/dossier.pdf", app.base));
        async move { http.get(url).send().await.unwrap() }
    };
    let r = pdf(&org).await;
    assert_eq!((r.status().as_u16(), r.headers()["content-type"].to_str().unwrap()), (200, "application/pdf"));
    let text = pdf_text(&r.bytes().await.unwrap()).unwrap_or_default();
    if !text.is_empty() {
        for want in [
            format!("申报编号：{reference}"),
            "执行团队".into(),
            "team的内容".into(),
            "服务人次".into(),
            "申报单位（盖章）".into(),
        ] {
            assert!(text.contains(&want), "the dossier states {want}: {text}");
        }
    }
    let (_, other) = crate::flow::org(&app, &staff, "orgz", "52340207MJ0019409").await;
    assert_eq!(pdf(&other).await.status(), 404);
    assert_eq!(pdf(&app.client()).await.status(), 401);
    // Reviewers and staff read it; the page shows the sections.
    close_window(&app, &[&staff]).await;
    assert_eq!(pdf(&staff).await.status(), 200);
    let page = staff.get(&format!("/bids/{id}")).await.text;
    assert!(
        page.contains("<h3>执行团队</h3><div class=\"card pre\">team 的内容</div>")
            && page.contains("服务人次：1200 人次")
    );
}

/// The bid form: the sections and output rows, kept when the form is refused.
async fn the_dossier_through_the_form(app: TestApp) {
    let staff = app.as_role("staff1", "staff").await;
    let mut body = call_body();
    body["dossier"] = json!({"sections": [{"key": "need", "name": "需求分析", "max_chars": 100}]});
    let call = published_call(&staff, body).await;
    let (_, org) = org(&app, &staff, "orga", "52340207MJ0019402").await;
    open_window(&app, &[&staff, &org]).await;
    let path = format!("/calls/{}/bid", call.id);
    let form = org.get(&path).await.text;
    assert!(form.contains("name=\"sec_need\"") && form.contains("name=\"out_indicator_0\""));
    let token = org.csrf(&path).await;
    let pool = call.shenxiang.to_string();
    let long = "长".repeat(101);
    let fields = [
        ("csrf", token.as_str()),
        ("pool_id", pool.as_str()),
        ("title", "四点半课堂"),
        ("requested_amount", "50000"),
        ("sec_need", long.as_str()),
        ("out_indicator_0", "服务人次"),
        ("out_target_0", "1200"),
        ("out_unit_0", "人次"),
    ];
    let r = org.post_form(&path, &fields).await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains(&format!("aria-invalid=true autofocus>{long}</textarea>")), "kept and marked");
    assert!(r.text.contains("需求分析不能超过 100 字") && r.text.contains("value=\"服务人次\""));
    let mut ok = fields.to_vec();
    ok[4] = ("sec_need", "社区独居老人缺少日常照料。");
    let r = org.post_form(&path, &ok).await;
    assert_eq!(r.status, 303, "{}", r.text);
    let bid = org.get("/api/v1/me/bids").await.json[0]["id"].as_i64().unwrap();
    let v = org.get(&format!("/api/v1/bids/{bid}")).await;
    assert_eq!(
        (v.json["sections"]["need"].as_str(), v.json["outputs"][0]["unit"].as_str()),
        (Some("社区独居老人缺少日常照料。"), Some("人次"))
    );
}

crate::on_both!(the_dossier_from_draft_to_submission, the_dossier_through_the_form);

//! Documents kept in the organisation's profile (单位资料): uploaded once with their last valid
//! day, counted by every bid among a call's required documents until they expire, read by staff
//! and the reviewers of the organisation's bids, never by another organisation.

use crate::flow::*;
use crate::helpers::*;
use reqwest::multipart::{Form, Part};
use serde_json::{json, Value};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

async fn keep(c: &Client, org: i64, kind: &str, valid_until: &str, bytes: &[u8]) -> Res {
    let form = Form::new()
        .part("file", Part::bytes(bytes.to_vec()).file_name("证书.pdf"))
        .text("type", kind.to_string())
        .text("valid_until", valid_until.to_string());
    let r =
        c.http.post(format!("{}/api/v1/organisations/{org}/documents", c.base)).multipart(form).send().await.unwrap();
    to_res(r).await
}

async fn fetch(c: &Client, org: i64, doc: i64) -> u16 {
    let url = format!("{}/api/v1/organisations/{org}/documents/{doc}", c.base);
    c.http.get(url).send().await.unwrap().status().as_u16()
}

fn full_dossier(mut bid: Value) -> Value {
    let mut all = serde_json::Map::new();
    for k in ["org_profile", "need", "goals", "activities", "team", "outcomes", "sustainability"] {
        all.insert(k.into(), json!(format!("{k} 的内容")));
    }
    bid["sections"] = Value::Object(all);
    bid["outputs"] = json!([{"indicator": "服务人次", "target": "1200", "unit": "人次"}]);
    bid
}

async fn profile_documents_count_for_every_bid_until_they_expire(app: TestApp) {
    let staff = app.as_role("staff1", "staff").await;
    let mut body = call_body();
    body["dossier"] = json!("standard");
    let call = published_call(&staff, body).await;
    let (org_id, org) = org(&app, &staff, "orga", "52340207MJ0019501").await;
    let (other_id, other) = crate::flow::org(&app, &staff, "orgz", "52340207MJ0019509").await;
    let expert = app.as_role("expert9", "reviewer").await;
    open_window(&app, &[&staff, &org, &other, &expert]).await;
    // Kept: the certificate runs out on 2026-02-20, the charter never, the report at year end.
    let cert = keep(&org, org_id, "registration_certificate", "2026-02-20", PDF).await;
    assert_eq!(cert.status, 201, "{}", cert.text);
    assert_eq!(
        (&cert.json["type"], &cert.json["type_label"], &cert.json["validity"], &cert.json["valid_until"]),
        (&json!("registration_certificate"), &json!("登记证书"), &json!("expires_soon"), &json!("2026-02-20"))
    );
    let charter = keep(&org, org_id, "charter", "", PDF).await;
    assert_eq!((charter.status, &charter.json["validity"]), (201, &json!("valid")));
    assert_eq!(keep(&org, org_id, "annual_report", "2026-12-31", PDF).await.status, 201);
    // Bad input: each refused with its field, nothing kept.
    for (kind, until, bytes, field, code) in [
        ("章程", "", PDF, "type", "invalid_key"),
        ("charter", "2026-02-09", PDF, "valid_until", "expired"),
        ("charter", "明年", PDF, "valid_until", "invalid_date"),
        ("charter", "", &b"just text"[..], "file", "file_type_not_allowed"),
    ] {
        let r = keep(&org, org_id, kind, until, bytes).await;
        assert_eq!((r.status, r.json["error"]["field"].as_str()), (422, Some(field)), "{}", r.text);
        assert_eq!(r.json["error"]["errors"][0]["code"], code, "{}", r.text);
    }
    let no_file = Form::new().text("type", "charter");
    let url = format!("{}/api/v1/organisations/{org_id}/documents", app.base);
    let r = to_res(org.http.post(&url).multipart(no_file).send().await.unwrap()).await;
    assert_eq!((r.status, r.code()), (400, "missing_field"), "as for bid attachments: {}", r.text);
    // Only the organisation's own users keep documents in its profile.
    assert_eq!(keep(&other, org_id, "charter", "", PDF).await.status, 404);
    assert_eq!(keep(&staff, org_id, "charter", "", PDF).await.status, 403);
    assert_eq!(keep(&app.client(), org_id, "charter", "", PDF).await.status, 401);
    assert_eq!(app.count("organisation_documents").await, 3);
    // Read: the organisation and staff; not another organisation nor an unassigned expert.
    let list = org.get(&format!("/api/v1/organisations/{org_id}/documents")).await;
    assert_eq!(list.json.as_array().map(Vec::len), Some(3));
    assert_eq!(list.json[0]["type"], "annual_report", "newest first");
    assert_eq!(staff.get(&format!("/api/v1/organisations/{org_id}/documents")).await.status, 200);
    assert_eq!(other.get(&format!("/api/v1/organisations/{org_id}/documents")).await.status, 404);
    assert_eq!(expert.get(&format!("/api/v1/organisations/{org_id}/documents")).await.status, 404);
    let cert_id = cert.json["id"].as_i64().unwrap();
    assert_eq!(fetch(&org, org_id, cert_id).await, 200);
    assert_eq!(fetch(&other, org_id, cert_id).await, 404);
    assert_eq!(fetch(&other, other_id, cert_id).await, 404, "another organisation's id does not unlock it");
    assert_eq!(fetch(&expert, org_id, cert_id).await, 404);
    assert_eq!(fetch(&staff, org_id, cert_id).await, 200);
    assert_eq!(app.count("audit_log WHERE action = 'org_document.read'").await, 1, "staff reads are audited");
    // The workbench warns of the certificate running out.
    let w = org.get("/api/v1/worklist").await.json;
    let item = w["items"].as_array().unwrap().iter().find(|i| i["kind"] == "renew_documents").cloned();
    assert_eq!(item.map(|i| (i["count"].clone(), i["due"].clone())), Some((json!(1), json!("2026-02-20"))));
    // A bid with only its pledge attached: the profile supplies the other three …
    let bid = full_dossier(bid_body(call.shenxiang, "340207101001", "50000.00"));
    let r = org.post(&format!("/api/v1/calls/{}/bids", call.id), bid).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let id = r.json["id"].as_i64().unwrap();
    let form = Form::new().part("file", Part::bytes(PDF.to_vec()).file_name("p.pdf")).text("kind", "pledge");
    let up = org.http.post(format!("{}/api/v1/bids/{id}/attachments", app.base)).multipart(form).send().await.unwrap();
    assert_eq!(up.status().as_u16(), 201);
    // … but not the certificate once it has expired.
    app.clock.set("2026-02-25T09:00:00+08:00".parse().unwrap());
    app.relogin(&[&org, &staff, &other]).await;
    let r = org.post(&format!("/api/v1/bids/{id}/submit"), json!({})).await;
    assert_eq!((r.status, r.json["error"]["errors"].as_array().map(Vec::len)), (422, Some(1)), "{}", r.text);
    assert_eq!((r.json["error"]["field"].as_str(), r.code()), (Some("documents.registration_certificate"), "missing"));
    let list = org.get(&format!("/api/v1/organisations/{org_id}/documents")).await;
    assert_eq!(list.json[2]["validity"], "expired");
    let renewed = keep(&org, org_id, "registration_certificate", "2031-02-24", PDF).await;
    assert_eq!(renewed.status, 201);
    let w = org.get("/api/v1/worklist").await.json;
    assert!(w["items"].as_array().unwrap().iter().all(|i| i["kind"] != "renew_documents"), "renewed: {w}");
    let r = org.post(&format!("/api/v1/bids/{id}/submit"), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    // The bid shows what it counted; a document removed later still shows there.
    let kinds = |v: &Value| -> Vec<String> {
        v["profile_documents"].as_array().unwrap().iter().map(|d| d["type"].as_str().unwrap().to_string()).collect()
    };
    let before = org.get(&format!("/api/v1/bids/{id}")).await.json;
    assert_eq!(kinds(&before), ["registration_certificate", "annual_report", "charter"]);
    let charter_id = charter.json["id"].as_i64().unwrap();
    let path = format!("/api/v1/organisations/{org_id}/documents/{charter_id}");
    assert_eq!(other.delete(&path).await.status, 404);
    assert_eq!(staff.delete(&path).await.status, 403);
    assert_eq!(org.delete(&path).await.status, 204);
    assert_eq!(org.delete(&path).await.status, 404, "once");
    assert_eq!(fetch(&org, org_id, charter_id).await, 404);
    assert_eq!(kinds(&org.get(&format!("/api/v1/bids/{id}")).await.json).len(), 3);
    assert_eq!(
        org.get(&format!("/api/v1/organisations/{org_id}/documents")).await.json.as_array().map(Vec::len),
        Some(3)
    );
    let audited = app.count("audit_log WHERE action IN ('org_document.add', 'org_document.delete')").await;
    assert_eq!(audited, 5);
}

/// A reviewer reads the profile documents of the organisations whose bids they score.
async fn reviewers_read_the_documents_of_their_bids(app: TestApp) {
    let s = crate::review::setup(&app).await;
    let orga = app.login("orga").await;
    let org_id = orga.get("/api/v1/me").await.json["organisation_id"].as_i64().unwrap();
    let doc = keep(&orga, org_id, "charter", "", PDF).await.json["id"].as_i64().unwrap();
    let r = s.staff.post(&format!("/api/v1/calls/{}/assignments", s.call.id), json!({"reviewers_per_bid": 3})).await;
    assert_eq!(r.status, 201, "{}", r.text);
    let mut seen = (0, 0);
    for (_, c) in &s.reviewers {
        let mine = c.get("/api/v1/me/assignments").await.json;
        let on_a = mine.as_array().unwrap().iter().find(|a| a["bid_id"] == s.bids[0]).cloned();
        match on_a {
            Some(a) => {
                assert_eq!(fetch(c, org_id, doc).await, 404, "not before accepting");
                let aid = a["id"].as_i64().unwrap();
                assert_eq!(c.post(&format!("/api/v1/assignments/{aid}/accept"), json!({})).await.status, 200);
                assert_eq!(fetch(c, org_id, doc).await, 200);
                seen.0 += 1;
            }
            None => {
                assert_eq!(fetch(c, org_id, doc).await, 404);
                seen.1 += 1;
            }
        }
    }
    assert!(seen.0 == 3 && seen.1 == 3, "{seen:?}");
}

/// The 单位资料 page: the list with its validity, the upload form (multipart with its CSRF
/// token), a refusal shown beside its field, and removal.
async fn the_profile_documents_page(app: TestApp) {
    let staff = app.as_role("staff1", "staff").await;
    let (org_id, org) = org(&app, &staff, "orga", "52340207MJ0019601").await;
    open_window(&app, &[&staff, &org]).await;
    let page = org.get("/organisation/documents").await;
    assert_eq!(page.status, 200);
    assert!(page.text.contains("还没有单位资料") && page.text.contains("<option value=\"charter\">章程</option>"));
    let token = org.csrf("/organisation/documents").await;
    let send = |kind: &str, until: &str, token: &str| {
        let form = Form::new()
            .text("csrf", token.to_string())
            .text("type", kind.to_string())
            .text("valid_until", until.to_string())
            .part("file", Part::bytes(PDF.to_vec()).file_name("登记证书.pdf"));
        org.http.post(format!("{}/organisation/documents", app.base)).multipart(form).send()
    };
    let r = send("registration_certificate", "2026-01-01", &token).await.unwrap();
    assert_eq!(r.status().as_u16(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("有效期已过") && html.contains("value=\"2026-01-01\""), "{html}");
    assert_eq!(send("charter", "", "forged").await.unwrap().status().as_u16(), 403);
    let r = send("registration_certificate", "2026-03-01", &token).await.unwrap();
    assert_eq!(
        (r.status().as_u16(), r.headers()["location"].to_str().unwrap()),
        (303, "/organisation/documents?done=uploaded")
    );
    assert_eq!(app.count("organisation_documents").await, 1);
    let page = org.get("/organisation/documents").await.text;
    assert!(page.contains("登记证书.pdf") && page.contains("即将到期") && page.contains("2026-03-01"));
    let work = org.get("/workbench").await.text;
    assert!(work.contains("更新单位资料") && work.contains("登记证书（即将到期）"), "{work}");
    // Staff read it on the organisation's page, without a delete button.
    let staff_page = staff.get(&format!("/staff/organisations/{org_id}")).await.text;
    assert!(staff_page.contains("登记证书.pdf") && !staff_page.contains("/organisation/documents/"));
    assert_eq!(staff.get("/organisation/documents").await.status, 403);
    let doc = org.get(&format!("/api/v1/organisations/{org_id}/documents")).await.json[0]["id"].as_i64().unwrap();
    let r = org.post_form(&format!("/organisation/documents/{doc}/delete"), &[("csrf", &token)]).await;
    assert_eq!(r.status, 303);
    assert!(org.get("/organisation/documents").await.text.contains("还没有单位资料"));
}

crate::on_both!(
    profile_documents_count_for_every_bid_until_they_expire,
    reviewers_read_the_documents_of_their_bids,
    the_profile_documents_page
);

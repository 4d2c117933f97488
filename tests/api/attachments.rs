//! Attachments: by content, size-limited while streaming, read only by who may read the bid.

use crate::flow::*;
use crate::helpers::*;
use gongyi::domain::upload::fixtures::{content_types, zip};
use reqwest::multipart::{Form, Part};
use serde_json::json;

async fn upload(c: &Client, bid: i64, name: &str, bytes: Vec<u8>, kind: Option<&str>) -> Res {
    let mut form = Form::new().part("file", Part::bytes(bytes).file_name(name.to_string()));
    if let Some(k) = kind {
        form = form.text("kind", k.to_string());
    }
    let r = c.http.post(format!("{}/api/v1/bids/{bid}/attachments", c.base)).multipart(form).send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap();
    Res { status, json: serde_json::from_str(&text).unwrap_or_default(), text, headers }
}

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

async fn upload_download_and_access(app: TestApp) {
    let staff = app.as_role("staff1", "staff").await;
    let c = published_call(&staff, call_body()).await;
    let (_, a) = org(&app, &staff, "orga", "52340207MJ0020001").await;
    let (_, b) = org(&app, &staff, "orgb", "52340207MJ0020002").await;
    let r = a.post(&format!("/api/v1/calls/{}/bids", c.id), bid_body(c.shenxiang, "340207101001", "50000.00")).await;
    let bid = r.json["id"].as_i64().unwrap();
    let r = upload(&a, bid, "../../登记证书.pdf", PDF.to_vec(), Some("登记证书")).await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        (r.json["name"].as_str(), r.json["kind"].as_str(), r.json["content_type"].as_str()),
        (Some("登记证书.pdf"), Some("登记证书"), Some("application/pdf"))
    );
    use sha2::Digest;
    assert_eq!(r.json["sha256"].as_str().unwrap(), hex::encode(sha2::Sha256::digest(PDF)));
    let att = r.json["id"].as_i64().unwrap();
    let docx =
        zip(&[("[Content_Types].xml", &content_types("wordprocessingml.document")), ("word/document.xml", b"<w/>")]);
    assert_eq!(upload(&a, bid, "plan.docx", docx, None).await.status, 201);
    assert_eq!(a.get(&format!("/api/v1/bids/{bid}")).await.json["attachments"].as_array().unwrap().len(), 2);
    let dl = a.http.get(format!("{}/api/v1/attachments/{att}", app.base)).send().await.unwrap();
    assert_eq!(dl.status(), 200);
    let h = dl.headers().clone();
    assert!(h["content-disposition"].to_str().unwrap().starts_with("attachment;"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["content-security-policy"], "sandbox");
    assert_eq!(dl.bytes().await.unwrap().as_ref(), PDF);
    // Nobody else before the deadline.
    assert_eq!(b.get(&format!("/api/v1/attachments/{att}")).await.status, 404);
    assert_eq!(staff.get(&format!("/api/v1/attachments/{att}")).await.status, 404, "staff never see drafts");
    assert_eq!(app.client().get(&format!("/api/v1/attachments/{att}")).await.status, 401);
    assert_eq!(upload(&b, bid, "x.pdf", PDF.to_vec(), None).await.status, 404);
    // Submitted: attachments are frozen with the bid.
    open_window(&app, &[&staff, &a, &b]).await;
    assert_eq!(a.post(&format!("/api/v1/bids/{bid}/submit"), json!({})).await.status, 200);
    assert_eq!(staff.get(&format!("/api/v1/attachments/{att}")).await.code(), "not_found", "sealed");
    let r = upload(&a, bid, "late.pdf", PDF.to_vec(), None).await;
    assert_eq!((r.status, r.code()), (409, "not_editable"));
    assert_eq!(a.delete(&format!("/api/v1/attachments/{att}")).await.status, 409);
    close_window(&app, &[&staff, &a]).await;
    let reads = app.count("audit_log WHERE action = 'attachment.read'").await;
    assert_eq!(staff.get(&format!("/api/v1/attachments/{att}")).await.status, 200);
    assert_eq!(app.count("audit_log WHERE action = 'attachment.read'").await, reads + 1);
    let rev = app.as_role("rev1", "reviewer").await;
    assert_eq!(rev.get(&format!("/api/v1/attachments/{att}")).await.status, 404);
}

async fn hostile_uploads_are_refused(app: TestApp) {
    let app = spawn_with(app.backend, |c| c.upload_limit = 64 * 1024).await;
    let staff = app.as_role("staff1", "staff").await;
    let c = published_call(&staff, call_body()).await;
    let (_, a) = org(&app, &staff, "orga", "52340207MJ0021001").await;
    let r = a.post(&format!("/api/v1/calls/{}/bids", c.id), bid_body(c.shenxiang, "340207101001", "50000.00")).await;
    let bid = r.json["id"].as_i64().unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("virus.pdf", b"MZ\x90\x00\x03".to_vec(), "file_type_not_allowed"),
        ("page.pdf", b"<html><script>alert(1)</script>".to_vec(), "file_type_not_allowed"),
        (
            "macro.docx",
            zip(&[("[Content_Types].xml", b"<Types/>"), ("word/vbaProject.bin", b"x")]),
            "macros_not_allowed",
        ),
        ("empty.pdf", vec![], "empty_file"),
    ];
    for (name, bytes, code) in cases {
        let r = upload(&a, bid, name, bytes, None).await;
        assert_eq!((r.status, r.code()), (422, code), "{name}: {}", r.text);
    }
    let mut big = PDF.to_vec();
    big.resize(65 * 1024, b' ');
    let r = upload(&a, bid, "big.pdf", big, None).await;
    assert_eq!((r.status, r.code()), (413, "too_large"));
    let r = a.post_raw(&format!("/api/v1/bids/{bid}/attachments"), "application/json", b"{}".to_vec()).await;
    assert_eq!(r.status, 415);
    let form = Form::new().text("kind", "说明");
    let r = a.http.post(format!("{}/api/v1/bids/{bid}/attachments", a.base)).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(app.count("attachments").await, 0);
    assert!(!app.config.data_dir.join("files").exists(), "nothing refused was stored");
}

crate::on_both!(upload_download_and_access, hostile_uploads_are_refused);

//! Health, OpenAPI, regions, the error shape for unparseable requests, security headers.

use crate::helpers::*;
use serde_json::json;

async fn health_and_headers(app: TestApp) {
    let c = app.client();
    let r = c.get("/healthz").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json, json!({"status": "ok"}));
    let csp = r.headers.get("content-security-policy").unwrap().to_str().unwrap();
    assert!(csp.contains("default-src 'self'") && csp.contains("object-src 'none'"));
    assert_eq!(r.headers.get("x-content-type-options").unwrap(), "nosniff");
}

/// Every route the API serves is documented; every documented path is served.
async fn openapi_lists_every_endpoint(app: TestApp) {
    let spec = app.client().get("/api/v1/openapi.json").await;
    assert_eq!(spec.status, 200);
    let paths = spec.json["paths"].as_object().unwrap();
    let expected = [
        ("/healthz", "get"),
        ("/api/v1/session", "post"),
        ("/api/v1/session", "delete"),
        ("/api/v1/me", "get"),
        ("/api/v1/me/password", "post"),
        ("/api/v1/worklist", "get"),
        ("/api/v1/password-reset", "post"),
        ("/api/v1/password-reset/{token}", "post"),
        ("/api/v1/users/{id}/password-reset", "post"),
        ("/api/v1/regions", "get"),
        ("/api/v1/users", "post"),
        ("/api/v1/users", "get"),
        ("/api/v1/users/{id}", "put"),
        ("/api/v1/organisations", "post"),
        ("/api/v1/organisations", "get"),
        ("/api/v1/organisations/{id}", "get"),
        ("/api/v1/organisations/{id}/verify", "post"),
        ("/api/v1/organisations/{id}/reject", "post"),
        ("/api/v1/organisations/{id}/standing", "post"),
        ("/api/v1/organisations/{id}/debar", "post"),
        ("/api/v1/organisations/{id}/suspend", "post"),
        ("/api/v1/organisations/{id}/restore", "post"),
        ("/api/v1/organisations/{id}/documents", "post"),
        ("/api/v1/organisations/{id}/documents", "get"),
        ("/api/v1/organisations/{id}/documents/{document_id}", "get"),
        ("/api/v1/organisations/{id}/documents/{document_id}", "delete"),
        ("/api/v1/calls", "post"),
        ("/api/v1/calls", "get"),
        ("/api/v1/calls/{id}", "get"),
        ("/api/v1/calls/{id}", "put"),
        ("/api/v1/calls/{id}/publish", "post"),
        ("/api/v1/calls/{id}/clone", "post"),
        ("/api/v1/calls/{id}/bids", "post"),
        ("/api/v1/calls/{id}/bids", "get"),
        ("/api/v1/calls/{id}/stats", "get"),
        ("/api/v1/bids/{id}", "get"),
        ("/api/v1/bids/{id}/dossier.pdf", "get"),
        ("/api/v1/bids/{id}", "put"),
        ("/api/v1/bids/{id}/submit", "post"),
        ("/api/v1/bids/{id}/withdraw", "post"),
        ("/api/v1/bids/{id}/screening", "post"),
        ("/api/v1/bids/{id}/finance", "post"),
        ("/api/v1/me/bids", "get"),
        ("/api/v1/bids/{id}/attachments", "post"),
        ("/api/v1/attachments/{id}", "get"),
        ("/api/v1/attachments/{id}", "delete"),
        ("/api/v1/calls/{id}/assignments", "post"),
        ("/api/v1/me/assignments", "get"),
        ("/api/v1/assignments/{id}/accept", "post"),
        ("/api/v1/assignments/{id}/conflict", "post"),
        ("/api/v1/assignments/{id}/review", "get"),
        ("/api/v1/assignments/{id}/review", "put"),
        ("/api/v1/assignments/{id}/reopen", "post"),
        ("/api/v1/assignments/{id}/replace", "post"),
        ("/api/v1/calls/{id}/ranking", "get"),
        ("/api/v1/calls/{id}/overrides", "post"),
        ("/api/v1/calls/{id}/shortlist", "post"),
        ("/api/v1/calls/{id}/shortlist", "get"),
        ("/api/v1/calls/{id}/sessions", "post"),
        ("/api/v1/calls/{id}/sessions", "get"),
        ("/api/v1/sessions/{id}/screen", "get"),
        ("/api/v1/calls/{id}/decide", "post"),
        ("/api/v1/calls/{id}/finalize", "post"),
        ("/api/v1/notices/{id}", "get"),
        ("/api/v1/notices/{id}/objections", "post"),
        ("/api/v1/notices/{id}/objections", "get"),
        ("/api/v1/objections/{id}/answer", "post"),
        ("/api/v1/notices/{id}/objections/dismiss", "post"),
        ("/api/v1/notices/{id}/pdf", "get"),
        ("/api/v1/documents/verify", "get"),
        ("/api/v1/projects", "get"),
        ("/api/v1/projects/{id}", "get"),
        ("/api/v1/projects/{id}/agreement.pdf", "get"),
        ("/api/v1/projects/{id}/signing", "post"),
        ("/api/v1/projects/{id}/payments", "post"),
        ("/api/v1/milestones/{id}/report", "post"),
        ("/api/v1/milestones/{id}/verify", "post"),
        ("/api/v1/calls/{id}/announcement.pdf", "get"),
        ("/api/v1/calls/{id}/amendments", "post"),
        ("/api/v1/documents/{sha256}", "get"),
        ("/api/v1/calls/{id}/export.xlsx", "get"),
        ("/api/v1/calls/{id}/export.csv", "get"),
        ("/api/v1/calls/{id}/ocds.json", "get"),
        ("/api/v1/calls/{id}/360giving.json", "get"),
        ("/api/v1/projects/{id}/rectify", "post"),
        ("/api/v1/milestones/{id}/attachments", "post"),
        ("/api/v1/projects/{id}/terminate", "post"),
        ("/api/v1/projects/{id}/closure", "post"),
        ("/api/v1/projects/{id}/budget", "get"),
        ("/api/v1/projects/{id}/budget", "put"),
        ("/api/v1/projects/{id}/changes", "post"),
        ("/api/v1/projects/{id}/changes", "get"),
        ("/api/v1/changes/{id}/decision", "post"),
        ("/api/v1/changes/{id}/finance", "post"),
        ("/api/v1/projects/{id}/close", "post"),
        ("/api/v1/demands", "post"),
        ("/api/v1/demands", "get"),
        ("/api/v1/demands/{id}", "get"),
        ("/api/v1/demands/{id}/transition", "post"),
        ("/api/v1/topics", "post"),
        ("/api/v1/topics", "get"),
        ("/api/v1/topics/{id}", "get"),
        ("/api/v1/public/demands", "get"),
        ("/api/v1/points/participants", "post"),
        ("/api/v1/points/participants", "get"),
        ("/api/v1/points/participants/{id}", "get"),
        ("/api/v1/points/catalogues/{village}/{month}", "put"),
        ("/api/v1/points/catalogues/{village}/{month}", "get"),
        ("/api/v1/points/claims", "post"),
        ("/api/v1/points/claims", "get"),
        ("/api/v1/points/activities", "post"),
        ("/api/v1/points/claims/{id}/review", "post"),
        ("/api/v1/points/postings", "post"),
        ("/api/v1/points/postings/{id}/objections", "post"),
        ("/api/v1/points/postings/{id}/objections", "get"),
        ("/api/v1/points/objections/{id}/decision", "post"),
        ("/api/v1/points/store-items", "post"),
        ("/api/v1/points/store-items", "get"),
        ("/api/v1/points/exchanges", "post"),
        ("/api/v1/points/stats", "get"),
        ("/api/v1/public/points/{village}/{month}", "get"),
        ("/api/v1/points/postings/{id}/sheet.pdf", "get"),
        ("/api/v1/points/settings/{village}", "get"),
        ("/api/v1/points/settings/{village}", "put"),
        ("/api/v1/welfare-funds", "post"),
        ("/api/v1/welfare-funds", "get"),
        ("/api/v1/welfare-funds/{id}", "get"),
        ("/api/v1/welfare-funds/{id}/committee", "put"),
        ("/api/v1/welfare-funds/{id}/activate", "post"),
        ("/api/v1/welfare-funds/{id}/plans/{year}", "put"),
        ("/api/v1/welfare-funds/{id}/campaigns", "post"),
        ("/api/v1/welfare-funds/{id}/donations", "post"),
        ("/api/v1/welfare-funds/{id}/grants", "post"),
        ("/api/v1/welfare-funds/{id}/disclosures", "post"),
        ("/api/v1/public/welfare-funds", "get"),
        ("/api/v1/public/welfare-funds/{id}", "get"),
        ("/api/v1/public/welfare-funds/{id}/receipts/{receipt_no}", "get"),
        ("/api/v1/public/welfare-funds/{id}/disclosures/{disclosure}.pdf", "get"),
        ("/api/v1/projects/{id}/evaluators", "post"),
        ("/api/v1/projects/{id}/evaluators", "get"),
        ("/api/v1/projects/{id}/evaluators/{user_id}", "delete"),
        ("/api/v1/calls/{id}/evaluation-notices", "post"),
        ("/api/v1/calls/{id}/evaluation-notices", "get"),
        ("/api/v1/evaluation-notices/{id}", "get"),
        ("/api/v1/evaluation-notices/{id}/notice.pdf", "get"),
        ("/api/v1/dashboard", "get"),
        ("/api/v1/board", "get"),
        ("/api/v1/funds", "post"),
        ("/api/v1/funds", "get"),
        ("/api/v1/funds/{id}", "get"),
        ("/api/v1/funds/{id}", "patch"),
        ("/api/v1/calendar/{year}", "get"),
        ("/api/v1/calendar/{year}", "put"),
        ("/api/v1/award-funds", "post"),
        ("/api/v1/award-funds", "get"),
        ("/api/v1/award-funds/{id}", "get"),
        ("/api/v1/award-funds/{id}/awards", "post"),
        ("/api/v1/award-funds/{id}/publish", "post"),
        ("/api/v1/award-funds/{id}/notice.pdf", "get"),
        ("/api/v1/awards/{id}", "delete"),
        ("/api/v1/promotion-meetings", "get"),
        ("/api/v1/promotion-meetings", "post"),
        ("/api/v1/outbox", "get"),
        ("/api/v1/outbox/{id}/retry", "post"),
        ("/api/v1/openapi.json", "get"),
    ];
    for (p, m) in expected {
        assert!(paths.get(p).and_then(|x| x.get(m)).is_some(), "{m} {p} missing from the spec");
    }
    let documented: usize = paths.values().map(|v| v.as_object().unwrap().len()).sum();
    assert_eq!(documented, expected.len(), "the spec documents an endpoint this test does not know");
    // And each documented path really answers (not the catch-all 404).
    let c = app.client();
    for (p, m) in expected {
        let path = p
            .replace("{id}", "1")
            .replace("{document_id}", "1")
            .replace("{user_id}", "1")
            .replace("{year}", "2026")
            .replace("{token}", "0");
        let r = match m {
            "get" => c.get(&path).await,
            "delete" => c.delete(&path).await,
            "put" => c.put(&path, json!({})).await,
            "patch" => c.patch(&path, json!({})).await,
            _ => c.post(&path, json!({})).await,
        };
        assert_ne!(r.code(), "no_such_endpoint", "{m} {p}");
    }
}

/// The spec lists the error catalogue: every code with its status and its Chinese meaning.
async fn openapi_lists_the_error_codes(app: TestApp) {
    let spec = app.client().get("/api/v1/openapi.json").await;
    let codes = &spec.json["components"]["schemas"]["ErrorCode"];
    let listed: Vec<&str> = codes["enum"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    for (code, status) in [("scores_frozen", 409), ("not_logged_in", 401), ("no_such_endpoint", 404), ("csrf", 403)] {
        assert!(listed.contains(&code), "{code}");
        assert_eq!(codes["x-status"][code], status, "{code}");
    }
    assert!(codes["description"].as_str().unwrap().contains("资助结果已确定"));
    // And a refusal met over HTTP is one of them.
    let r = app.client().get("/api/v1/nothing-here").await;
    assert!(listed.contains(&r.code()));
}

async fn unknown_endpoint_and_ids(app: TestApp) {
    let c = app.client();
    let r = c.get("/api/v1/nope").await;
    assert_eq!(r.status, 404);
    assert_eq!(r.code(), "no_such_endpoint");
    assert!(r.json["error"]["message"].as_str().unwrap().chars().any(|ch| ch > '\u{4e00}'));
    let staff = app.as_role("staff1", "staff").await;
    let r = staff.get("/api/v1/organisations/999999").await;
    assert_eq!((r.status, r.code()), (404, "not_found"));
    let r = staff.get("/api/v1/organisations/abc").await;
    assert_eq!(r.status, 404);
    let r = staff.get("/api/v1/organisations?limit=abc").await;
    assert_eq!((r.status, r.code()), (400, "invalid_query"));
}

async fn regions_are_served(app: TestApp) {
    let r = app.client().get("/api/v1/regions").await;
    assert_eq!(r.status, 200);
    let list = r.json.as_array().unwrap();
    assert_eq!(list.len(), 125);
    let towns: Vec<_> = list.iter().filter(|x| x["level"] == "town").collect();
    assert_eq!(towns.len(), 12);
    assert!(list
        .iter()
        .any(|x| x["code"] == "340207101000" && x["name"] == "沈巷镇" && x["parent_code"] == "340207000000"));
    assert!(list.iter().any(|x| x["code"] == "340207000000" && x["level"] == "district"));
    let villages_of_shenxiang = list.iter().filter(|x| x["parent_code"] == "340207101000").count();
    assert!(villages_of_shenxiang > 5);
}

/// Requests that cannot be parsed: 400/413/415 with the error shape, and nothing written.
async fn unparseable_requests(app: TestApp) {
    let c = app.client();
    let r = c.post_raw("/api/v1/organisations", "application/json", b"{\"uscc\":".to_vec()).await;
    assert_eq!((r.status, r.code()), (400, "malformed_json"));
    assert!(r.json["error"]["errors"].is_array());
    let r = c.post_raw("/api/v1/organisations", "application/json", vec![0xff, 0xfe, b'{']).await;
    assert_eq!(r.status, 400);
    let mut body = org_body("typeorg", "52340207MJ0009001", "340207101000");
    body["name"] = json!(12345);
    let r = c.post("/api/v1/organisations", body).await;
    assert_eq!((r.status, r.code(), r.json["error"]["field"].as_str()), (400, "invalid_type", Some("name")));
    let mut body = org_body("missorg", "52340207MJ0009002", "340207101000");
    body.as_object_mut().unwrap().remove("email");
    let r = c.post("/api/v1/organisations", body).await;
    assert_eq!((r.status, r.code(), r.json["error"]["field"].as_str()), (400, "missing_field", Some("email")));
    let r = c.post_raw("/api/v1/organisations", "text/plain", b"{}".to_vec()).await;
    assert_eq!(r.status, 415);
    let huge = format!("{{\"name\":\"{}\"}}", "x".repeat(300 * 1024));
    let r = c.post_raw("/api/v1/organisations", "application/json", huge.into_bytes()).await;
    assert_eq!((r.status, r.code()), (413, "too_large"));
    let deep = "[".repeat(10_000) + &"]".repeat(10_000);
    let r = c.post_raw("/api/v1/organisations", "application/json", deep.into_bytes()).await;
    assert_eq!(r.status, 400);
    assert_eq!(app.count("organisations").await, 0);
    assert_eq!(app.count("audit_log").await, 0);
}

/// A cookie-authenticated write from another origin is refused before it runs.
async fn cross_site_writes_refused(app: TestApp) {
    let c = app.client();
    let r = c
        .http
        .post(format!("{}/api/v1/organisations", app.base))
        .header("origin", "https://evil.example")
        .json(&org_body("evilorg", "52340207MJ0009003", "340207101000"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = c
        .http
        .post(format!("{}/api/v1/session", app.base))
        .header("sec-fetch-site", "cross-site")
        .json(&json!({"login": "x", "password": "y"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // Our own origin passes.
    let own = app.base.clone();
    let r = c
        .http
        .post(format!("{}/api/v1/organisations", app.base))
        .header("origin", own)
        .json(&org_body("ownorg", "52340207MJ0009004", "340207101000"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    assert_eq!(app.count("organisations").await, 1);
}

crate::on_both!(
    health_and_headers,
    openapi_lists_every_endpoint,
    openapi_lists_the_error_codes,
    unknown_endpoint_and_ids,
    regions_are_served,
    unparseable_requests,
    cross_site_writes_refused,
);

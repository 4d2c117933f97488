//! The route × role matrix: the one place that says who may call what. Every documented
//! endpoint must have an entry (a new route without one fails), and each role is tried against
//! it: anonymous callers of protected routes get 401, roles not listed get 403 (or 404 where the
//! resource itself is hidden), listed roles get through the access check (any other answer).
//! Resource scope (another organisation's bid, another town) is tested beside each feature.

use crate::helpers::*;
use serde_json::json;

/// (path, method, who may call it): `public`, or the roles that pass the access check.
const MATRIX: &[(&str, &str, &str)] = &[
    ("/healthz", "get", "public"),
    ("/api/v1/openapi.json", "get", "public"),
    ("/api/v1/session", "post", "public"),
    ("/api/v1/session", "delete", "public"),
    ("/api/v1/me", "get", "org staff finance reviewer admin evaluator community"),
    ("/api/v1/me/password", "post", "org staff finance reviewer admin evaluator community"),
    ("/api/v1/worklist", "get", "org staff finance reviewer admin evaluator community"),
    ("/api/v1/password-reset", "post", "public"),
    ("/api/v1/password-reset/{token}", "post", "public"),
    ("/api/v1/users/{id}/password-reset", "post", "admin"),
    ("/api/v1/regions", "get", "public"),
    ("/api/v1/users", "post", "admin"),
    ("/api/v1/users", "get", "admin"),
    ("/api/v1/users/{id}", "put", "admin"),
    ("/api/v1/organisations", "post", "public"),
    ("/api/v1/organisations", "get", "staff finance admin"),
    ("/api/v1/organisations/{id}", "get", "staff org"),
    ("/api/v1/organisations/{id}/verify", "post", "staff"),
    ("/api/v1/organisations/{id}/reject", "post", "staff"),
    ("/api/v1/organisations/{id}/standing", "post", "staff"),
    ("/api/v1/organisations/{id}/debar", "post", "staff"),
    ("/api/v1/organisations/{id}/suspend", "post", "staff"),
    ("/api/v1/organisations/{id}/restore", "post", "staff"),
    ("/api/v1/organisations/{id}/documents", "post", "org"),
    ("/api/v1/organisations/{id}/documents", "get", "org staff finance admin"),
    ("/api/v1/organisations/{id}/documents/{document_id}", "get", "org staff finance reviewer admin"),
    ("/api/v1/organisations/{id}/documents/{document_id}", "delete", "org"),
    ("/api/v1/calls", "post", "staff"),
    ("/api/v1/calls", "get", "public"),
    ("/api/v1/calls/{id}", "get", "public"),
    ("/api/v1/calls/{id}", "put", "staff"),
    ("/api/v1/calls/{id}/publish", "post", "staff"),
    ("/api/v1/calls/{id}/clone", "post", "staff"),
    ("/api/v1/calls/{id}/amendments", "post", "staff"),
    ("/api/v1/calls/{id}/bids", "post", "org"),
    ("/api/v1/calls/{id}/bids", "get", "staff finance"),
    ("/api/v1/calls/{id}/stats", "get", "staff finance"),
    ("/api/v1/calls/{id}/announcement.pdf", "get", "public"),
    ("/api/v1/calls/{id}/export.xlsx", "get", "staff finance"),
    ("/api/v1/calls/{id}/export.csv", "get", "staff finance"),
    ("/api/v1/calls/{id}/ocds.json", "get", "public"),
    ("/api/v1/calls/{id}/360giving.json", "get", "public"),
    ("/api/v1/bids/{id}", "get", "org staff finance reviewer"),
    ("/api/v1/bids/{id}/dossier.pdf", "get", "org staff finance reviewer"),
    ("/api/v1/bids/{id}", "put", "org"),
    ("/api/v1/bids/{id}/submit", "post", "org"),
    ("/api/v1/bids/{id}/withdraw", "post", "org"),
    ("/api/v1/bids/{id}/screening", "post", "staff"),
    ("/api/v1/bids/{id}/finance", "post", "finance"),
    ("/api/v1/me/bids", "get", "org"),
    ("/api/v1/bids/{id}/attachments", "post", "org"),
    ("/api/v1/attachments/{id}", "get", "org staff finance reviewer"),
    ("/api/v1/attachments/{id}", "delete", "org"),
    ("/api/v1/calls/{id}/assignments", "post", "staff"),
    ("/api/v1/me/assignments", "get", "reviewer"),
    ("/api/v1/assignments/{id}/accept", "post", "reviewer"),
    ("/api/v1/assignments/{id}/conflict", "post", "reviewer"),
    ("/api/v1/assignments/{id}/review", "get", "reviewer"),
    ("/api/v1/assignments/{id}/review", "put", "reviewer"),
    ("/api/v1/assignments/{id}/reopen", "post", "staff"),
    ("/api/v1/assignments/{id}/replace", "post", "staff"),
    ("/api/v1/calls/{id}/ranking", "get", "staff finance"),
    ("/api/v1/calls/{id}/overrides", "post", "staff"),
    ("/api/v1/calls/{id}/shortlist", "post", "staff"),
    ("/api/v1/calls/{id}/shortlist", "get", "staff finance"),
    ("/api/v1/calls/{id}/sessions", "post", "staff"),
    ("/api/v1/calls/{id}/sessions", "get", "staff finance"),
    ("/api/v1/sessions/{id}/screen", "get", "staff"),
    ("/api/v1/calls/{id}/decide", "post", "staff"),
    ("/api/v1/calls/{id}/finalize", "post", "staff"),
    ("/api/v1/notices/{id}", "get", "public"),
    ("/api/v1/notices/{id}/pdf", "get", "public"),
    ("/api/v1/notices/{id}/objections", "post", "public"),
    ("/api/v1/notices/{id}/objections", "get", "staff"),
    ("/api/v1/objections/{id}/answer", "post", "staff"),
    ("/api/v1/notices/{id}/objections/dismiss", "post", "staff"),
    ("/api/v1/documents/verify", "get", "public"),
    ("/api/v1/documents/{sha256}", "get", "public"),
    ("/api/v1/projects", "get", "org staff finance evaluator"),
    ("/api/v1/projects/{id}", "get", "org staff finance evaluator"),
    ("/api/v1/projects/{id}/agreement.pdf", "get", "org staff finance"),
    ("/api/v1/projects/{id}/signing", "post", "staff"),
    ("/api/v1/projects/{id}/payments", "post", "finance"),
    ("/api/v1/projects/{id}/rectify", "post", "staff"),
    ("/api/v1/projects/{id}/terminate", "post", "staff"),
    ("/api/v1/projects/{id}/closure", "post", "org"),
    ("/api/v1/projects/{id}/budget", "get", "org staff finance"),
    ("/api/v1/projects/{id}/budget", "put", "org"),
    ("/api/v1/projects/{id}/changes", "post", "org"),
    ("/api/v1/projects/{id}/changes", "get", "org staff finance"),
    ("/api/v1/changes/{id}/decision", "post", "staff"),
    ("/api/v1/changes/{id}/finance", "post", "finance"),
    ("/api/v1/projects/{id}/close", "post", "staff"),
    ("/api/v1/demands", "post", "staff community"),
    ("/api/v1/demands", "get", "staff community"),
    ("/api/v1/demands/{id}", "get", "staff community"),
    ("/api/v1/demands/{id}/transition", "post", "staff community"),
    ("/api/v1/topics", "post", "staff"),
    ("/api/v1/topics", "get", "public"),
    ("/api/v1/topics/{id}", "get", "public"),
    ("/api/v1/public/demands", "get", "public"),
    ("/api/v1/points/participants", "post", "staff community"),
    ("/api/v1/points/participants", "get", "staff community"),
    ("/api/v1/points/participants/{id}", "get", "staff community"),
    ("/api/v1/points/catalogues/{village}/{month}", "put", "staff community"),
    ("/api/v1/points/catalogues/{village}/{month}", "get", "staff community"),
    ("/api/v1/points/claims", "post", "staff community"),
    ("/api/v1/points/claims", "get", "staff community"),
    ("/api/v1/points/activities", "post", "staff community"),
    ("/api/v1/points/claims/{id}/review", "post", "staff community"),
    ("/api/v1/points/postings", "post", "staff community"),
    ("/api/v1/points/postings/{id}/objections", "post", "public"),
    ("/api/v1/points/postings/{id}/objections", "get", "staff community"),
    ("/api/v1/points/objections/{id}/decision", "post", "staff community"),
    ("/api/v1/points/store-items", "post", "staff community"),
    ("/api/v1/points/store-items", "get", "staff community"),
    ("/api/v1/points/exchanges", "post", "staff community"),
    ("/api/v1/points/stats", "get", "staff"),
    ("/api/v1/public/points/{village}/{month}", "get", "public"),
    ("/api/v1/points/postings/{id}/sheet.pdf", "get", "public"),
    ("/api/v1/points/settings/{village}", "get", "staff community"),
    ("/api/v1/points/settings/{village}", "put", "staff community"),
    ("/api/v1/welfare-funds", "post", "staff"),
    ("/api/v1/welfare-funds", "get", "staff finance"),
    ("/api/v1/welfare-funds/{id}", "get", "staff finance"),
    ("/api/v1/welfare-funds/{id}/committee", "put", "staff"),
    ("/api/v1/welfare-funds/{id}/activate", "post", "staff"),
    ("/api/v1/welfare-funds/{id}/plans/{year}", "put", "staff"),
    ("/api/v1/welfare-funds/{id}/campaigns", "post", "staff"),
    ("/api/v1/welfare-funds/{id}/donations", "post", "staff finance"),
    ("/api/v1/welfare-funds/{id}/grants", "post", "staff finance"),
    ("/api/v1/welfare-funds/{id}/disclosures", "post", "staff"),
    ("/api/v1/public/welfare-funds", "get", "public"),
    ("/api/v1/public/welfare-funds/{id}", "get", "public"),
    ("/api/v1/public/welfare-funds/{id}/receipts/{receipt_no}", "get", "public"),
    ("/api/v1/public/welfare-funds/{id}/disclosures/{disclosure}.pdf", "get", "public"),
    ("/api/v1/projects/{id}/evaluators", "post", "staff"),
    ("/api/v1/projects/{id}/evaluators", "get", "org staff finance evaluator"),
    ("/api/v1/projects/{id}/evaluators/{user_id}", "delete", "staff"),
    ("/api/v1/calls/{id}/evaluation-notices", "post", "staff"),
    ("/api/v1/calls/{id}/evaluation-notices", "get", "public"),
    ("/api/v1/evaluation-notices/{id}", "get", "public"),
    ("/api/v1/evaluation-notices/{id}/notice.pdf", "get", "public"),
    ("/api/v1/milestones/{id}/report", "post", "org"),
    ("/api/v1/milestones/{id}/verify", "post", "staff evaluator"),
    ("/api/v1/milestones/{id}/attachments", "post", "org"),
    ("/api/v1/dashboard", "get", "staff finance"),
    ("/api/v1/board", "get", "public"),
    ("/api/v1/funds", "post", "staff"),
    ("/api/v1/funds", "get", "staff finance admin"),
    ("/api/v1/funds/{id}", "get", "staff finance admin"),
    ("/api/v1/funds/{id}", "patch", "staff"),
    ("/api/v1/calendar/{year}", "get", "public"),
    ("/api/v1/calendar/{year}", "put", "admin"),
    ("/api/v1/award-funds", "post", "staff"),
    ("/api/v1/award-funds", "get", "public"),
    ("/api/v1/award-funds/{id}", "get", "public"),
    ("/api/v1/award-funds/{id}/awards", "post", "staff"),
    ("/api/v1/award-funds/{id}/publish", "post", "staff"),
    ("/api/v1/award-funds/{id}/notice.pdf", "get", "public"),
    ("/api/v1/awards/{id}", "delete", "staff"),
    ("/api/v1/promotion-meetings", "get", "staff finance"),
    ("/api/v1/promotion-meetings", "post", "staff"),
    ("/api/v1/outbox", "get", "admin"),
    ("/api/v1/outbox/{id}/retry", "post", "admin"),
];

/// A body that parses for routes whose input has required fields (values need not be valid:
/// the access check comes first, validation after it).
fn body_for(path: &str, method: &str) -> serde_json::Value {
    let call = json!({"year": 2026, "title": "", "opens_at": "", "closes_at": "", "project_start": "", "project_end": "",
        "min_grant": "", "max_grant": ""});
    match (path, method) {
        ("/api/v1/me/password", _) => json!({"current": "x", "new": ""}),
        ("/api/v1/password-reset", _) => json!({"login": "nobody"}),
        ("/api/v1/password-reset/{token}", _) => json!({"new": "a-new-password-9"}),
        ("/api/v1/users", _) => json!({"login": "", "password": "", "display_name": "", "role": ""}),
        ("/api/v1/calls", _) | ("/api/v1/calls/{id}", "put") => call,
        ("/api/v1/calls/{id}/amendments", _) => json!({"text": ""}),
        ("/api/v1/organisations/{id}/standing", _) => json!({"kind": "", "result": ""}),
        ("/api/v1/organisations/{id}/debar", _) | ("/api/v1/organisations/{id}/suspend", _) => json!({"reason": ""}),
        ("/api/v1/organisations/{id}/restore", _) => json!({"reason": ""}),
        ("/api/v1/projects/{id}/closure", _) => json!({"final_accounts": []}),
        ("/api/v1/projects/{id}/budget", "put") => json!({"budget_lines": []}),
        ("/api/v1/projects/{id}/changes", "post") => json!({"kind": "team", "description": "x"}),
        ("/api/v1/changes/{id}/decision", _) | ("/api/v1/changes/{id}/finance", _) => json!({"approved": true}),
        ("/api/v1/projects/{id}/evaluators", "post") => json!({"user_id": 1}),
        ("/api/v1/demands", "post") => json!({"channel": "visit", "category": "", "text": ""}),
        ("/api/v1/points/participants", "post") => json!({"name": "", "kind": ""}),
        ("/api/v1/points/catalogues/{village}/{month}", _) => json!({"items": [], "note": ""}),
        ("/api/v1/points/claims", "post") => json!({"participant_id": 1, "item_code": "", "activity_date": ""}),
        ("/api/v1/points/activities", _) => json!({"participant_ids": [], "item_code": "", "activity_date": ""}),
        ("/api/v1/points/claims/{id}/review", _) => json!({"step": "first", "approved": true}),
        ("/api/v1/points/postings", _) => json!({"month": ""}),
        ("/api/v1/points/postings/{id}/objections", _) => json!({"text": ""}),
        ("/api/v1/points/objections/{id}/decision", _) => json!({"upheld": false, "note": ""}),
        ("/api/v1/points/store-items", "post") => json!({"name": "", "points_price": 1, "stock": 0}),
        ("/api/v1/points/exchanges", _) => json!({"participant_id": 1, "items": []}),
        ("/api/v1/points/settings/{village}", _) => json!({"claim_days": 0, "objection_days": 0}),
        ("/api/v1/demands/{id}/transition", _) => json!({"to": "escalated"}),
        ("/api/v1/welfare-funds", "post") => {
            json!({"name": "", "region_code": "", "host_name": "", "host_uscc": "", "purpose": ""})
        }
        ("/api/v1/welfare-funds/{id}/committee", _) => json!({"members": []}),
        ("/api/v1/welfare-funds/{id}/plans/{year}", _) => json!({"target": ""}),
        ("/api/v1/welfare-funds/{id}/campaigns", _) => {
            json!({"title": "", "filing_no": "", "filed_on": "", "starts_on": "", "ends_on": "", "target": ""})
        }
        ("/api/v1/welfare-funds/{id}/donations", _) => {
            json!({"donor_kind": "", "amount": "", "received_on": "", "channel": ""})
        }
        ("/api/v1/welfare-funds/{id}/grants", _) => {
            json!({"to": "", "amount": "", "minutes_ref": "", "decided_on": ""})
        }
        ("/api/v1/welfare-funds/{id}/disclosures", _) => json!({"from": "", "to": ""}),
        ("/api/v1/topics", "post") => json!({"year": 2026, "title": "", "region_code": "", "demand_ids": []}),
        ("/api/v1/calls/{id}/evaluation-notices", "post") => json!({"kind": "midterm"}),
        ("/api/v1/calls/{id}/bids", _) | ("/api/v1/bids/{id}", "put") => {
            json!({"pool_id": 1, "title": "", "requested_amount": ""})
        }
        ("/api/v1/calls/{id}/overrides", _) => json!({"bid_id": 1, "fund": true}),
        ("/api/v1/calls/{id}/shortlist", _) => json!({"stage": ""}),
        ("/api/v1/calls/{id}/sessions", _) => json!({"stage": "", "venue": "", "date": "", "slots": []}),
        ("/api/v1/bids/{id}/finance", _) => json!({"approved_amount": ""}),
        ("/api/v1/assignments/{id}/review", _) => json!({"scores": []}),
        ("/api/v1/assignments/{id}/replace", _) => json!({"reviewer_id": 1}),
        ("/api/v1/objections/{id}/answer", _) => json!({"upheld": false}),
        ("/api/v1/notices/{id}/objections/dismiss", _) => json!({"ids": [], "reply": ""}),
        ("/api/v1/projects/{id}/signing", _) => json!({"signed_on": ""}),
        ("/api/v1/projects/{id}/payments", _) => {
            json!({"milestone_id": 1, "amount": "", "paid_on": "", "reference": ""})
        }
        ("/api/v1/projects/{id}/rectify", _) => json!({"due_date": "", "note": ""}),
        ("/api/v1/projects/{id}/terminate", _) => json!({"note": ""}),
        ("/api/v1/milestones/{id}/report", _) => json!({"text": ""}),
        ("/api/v1/milestones/{id}/verify", _) => json!({"accepted": false}),
        ("/api/v1/promotion-meetings", _) => {
            json!({"held_on": "", "place": "", "host_region_code": "", "agenda": "", "attendees": 0})
        }
        ("/api/v1/award-funds", _) => json!({"year": 2026}),
        ("/api/v1/funds", _) => json!({"year": 2026, "region_code": "", "amount": ""}),
        ("/api/v1/funds/{id}", _) => json!({"amount": ""}),
        ("/api/v1/award-funds/{id}/awards", _) => json!({"region_code": "", "title": "", "citation": "", "amount": ""}),
        _ => json!({}),
    }
}

async fn every_route_by_every_role(app: TestApp) {
    // The matrix and the served spec list the same endpoints.
    let spec = app.client().get("/api/v1/openapi.json").await;
    let mut documented: Vec<(String, String)> = spec.json["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(p, v)| v.as_object().unwrap().keys().map(move |m| (p.clone(), m.clone())))
        .collect();
    documented.sort();
    let mut listed: Vec<(String, String)> = MATRIX.iter().map(|(p, m, _)| (p.to_string(), m.to_string())).collect();
    listed.sort();
    assert_eq!(listed, documented, "every documented route needs an entry in the access matrix");
    let staff = app.as_role("staff1", "staff").await;
    let mut clients = vec![("anonymous", app.client())];
    let (_, org) = crate::flow::org(&app, &staff, "orgm", "52340207MJ0090001").await;
    clients.push(("org", org));
    clients.push(("staff", staff));
    clients.push(("finance", app.as_role("fin1", "finance").await));
    clients.push(("reviewer", app.as_role("rev1", "reviewer").await));
    clients.push(("admin", app.as_role("admin1", "admin").await));
    clients.push(("evaluator", app.as_role("eval1", "evaluator").await));
    app.add_user("cun1", "community", Some("340207101001")).await;
    clients.push(("community", app.login("cun1").await));
    let mut wrong = Vec::new();
    for (path, method, who) in MATRIX {
        // A resource that does not exist: the access check must answer before the lookup.
        let p = path
            .replace("{id}", "999999")
            .replace("{document_id}", "999999")
            .replace("{user_id}", "999999")
            .replace("{sha256}", &"ab".repeat(32))
            .replace("{year}", "2099")
            .replace("{village}", "340207101001")
            .replace("{month}", "2099-01")
            .replace("{disclosure}", "999999")
            .replace("{receipt_no}", "JJ99-2099-000001")
            .replace("{token}", &"cd".repeat(32));
        for (role, c) in &clients {
            if *path == "/api/v1/session" && *method == "delete" {
                continue; // logging out would end the session the next routes need
            }
            let r = match *method {
                "get" => c.get(&p).await,
                "delete" => c.delete(&p).await,
                "put" => c.put(&p, body_for(path, method)).await,
                "patch" => c.patch(&p, body_for(path, method)).await,
                _ => c.post(&p, body_for(path, method)).await,
            };
            let allowed = *who == "public" || who.split(' ').any(|w| w == *role);
            let ok = match (*role, allowed) {
                (_, true) => !matches!(r.status, 401 | 403) && r.status < 500,
                ("anonymous", false) => r.status == 401,
                (_, false) => matches!(r.status, 403 | 404),
            };
            if !ok {
                wrong.push(format!("{method} {path} as {role}: {} {}", r.status, r.code()));
            }
        }
    }
    assert!(wrong.is_empty(), "access matrix broken:\n{}", wrong.join("\n"));
}

/// Every staff-readable JSON route of the matrix (and the staff pages over the same data), read
/// by a town's staff on a finalised call with a district bid: nothing of the district's bid or
/// pool shows. District staff reading the same routes do see it, so the check can fail.
async fn town_staff_see_only_their_town_everywhere(app: TestApp) {
    let (s, projects) = crate::projects::finalized(&app).await;
    let district_bid = s.bids[2];
    let reference =
        s.staff.get(&format!("/api/v1/bids/{district_bid}")).await.json["reference"].as_str().unwrap().to_string();
    let project = projects.iter().find(|p| p["bid_id"] == district_bid).unwrap()["id"].as_i64().unwrap();
    let notice = app.client().get(&format!("/api/v1/calls/{}", s.call.id)).await.json["notice_id"].as_i64().unwrap();
    app.add_user("town9", "staff", Some("340207101000")).await;
    let town = app.login("town9").await;
    let district = app.login("staff1").await;
    let markers = [reference.as_str(), "区级公益创投资金"];
    let id_for = |path: &str| -> String {
        let id = if path.starts_with("/api/v1/calls/") || path.starts_with("/staff/calls/") {
            s.call.id
        } else if path.starts_with("/api/v1/notices/") {
            notice
        } else if path.starts_with("/api/v1/projects/") || path.starts_with("/projects/") {
            project
        } else {
            district_bid
        };
        path.replace("{id}", &id.to_string()).replace("{document_id}", "1").replace("{user_id}", "1")
    };
    let mut routes: Vec<String> = MATRIX
        .iter()
        .filter(|(_, m, who)| *m == "get" && *who != "public" && who.split(' ').any(|w| w == "staff"))
        .map(|(p, _, _)| p.to_string())
        .collect();
    routes.extend(
        [
            "/staff/calls/{id}/bids?status=eligible",
            "/staff/calls/{id}/ranking",
            "/staff/dashboard",
            "/projects",
            "/projects/{id}",
        ]
        .map(str::to_string),
    );
    let (mut leaks, mut seen_by_district) = (Vec::new(), 0);
    for route in &routes {
        let path = id_for(route);
        let r = town.get(&path).await;
        assert!(r.status < 500, "{path}: {}", r.text);
        for m in markers {
            if r.text.contains(m) {
                leaks.push(format!("{path} shows {m}"));
            }
        }
        let d = district.get(&path).await.text;
        if markers.iter().any(|m| d.contains(m)) {
            seen_by_district += 1;
        }
    }
    assert!(leaks.is_empty(), "town staff read another region's data:\n{}", leaks.join("\n"));
    assert!(seen_by_district >= 6, "district staff see the markers on the lists ({seen_by_district})");
}

crate::on_both!(every_route_by_every_role, town_staff_see_only_their_town_everywhere);

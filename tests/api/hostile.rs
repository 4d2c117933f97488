//! Hostile text in every free-text field of a bid goes all the way through the year — pages,
//! the ranking, the public notice and its PDF, projects, the board, emails — and comes out inert:
//! escaped in HTML, literal in the PDF, plain text in mail, and the SQL in it never runs.

use crate::helpers::*;
use crate::review::{score_all, setup_with};
use serde_json::{json, Value};

const XSS: &str = "<script>alert(1)</script>";
const ATTR: &str = "\"><img src=x onerror=alert(2)>";
const SQL: &str = "'); DROP TABLE bids;--";

fn hostile(mut b: Value) -> Value {
    let p = |what: &str| format!("{what}{XSS}{ATTR}{SQL}");
    b["title"] = json!(p("项目"));
    b["summary"] = json!(p("简介"));
    b["beneficiaries"]["kind"] = json!(format!("对象{XSS}")); // 50 characters at most
    for l in b["budget_lines"].as_array_mut().unwrap() {
        l["item"] = json!(p("支出"));
        l["note"] = json!(p("说明"));
    }
    b["milestones"][0]["title"] = json!(p("节点"));
    b["milestones"][0]["deliverable"] = json!(p("成果"));
    b
}

/// No live markup from the payload: not the tag, not an attribute break-out.
fn assert_inert(what: &str, html: &str) {
    assert!(!html.contains("<script>alert"), "{what}: raw script tag\n{html}");
    assert!(!html.contains("<img src=x"), "{what}: attribute break-out");
}

async fn page(c: &Client, path: &str) -> String {
    let r = c.get(path).await;
    assert_eq!(r.status, 200, "{path}: {}", r.text);
    r.text
}

async fn hostile_text_is_inert_everywhere(app: TestApp) {
    let s = setup_with(&app, hostile).await;
    let call = s.call.id;
    let (b1, org) = (s.bids[0], app.login("orga").await);
    // Stored as typed (the SQL never ran), shown escaped wherever people read it.
    let r = org.get(&format!("/api/v1/bids/{b1}")).await;
    assert_eq!(r.json["title"], format!("项目{XSS}{ATTR}{SQL}"));
    assert_eq!(app.count("bids").await, 3);
    for (who, c, path) in [
        ("org bid page", &org, format!("/bids/{b1}")),
        ("staff bid page", &s.staff, format!("/bids/{b1}")),
        ("finance bid page", &s.fin, format!("/bids/{b1}")),
        ("staff queue", &s.staff, format!("/staff/calls/{call}/bids?status=eligible")),
    ] {
        let html = page(c, &path).await;
        assert_inert(who, &html);
        assert!(
            html.contains("&#60;script&#62;alert(1)&#60;/script&#62;"),
            "{who}: shown, escaped\n{}",
            html.split("script").nth(1).unwrap_or(&html[..html.len().min(3000)])
        );
    }
    s.staff.post(&format!("/api/v1/calls/{call}/assignments"), json!({"reviewers_per_bid": 3})).await;
    let (_, rev) = &s.reviewers[1];
    let list = page(rev, "/review").await;
    assert_inert("reviewer list", &list);
    score_all(&s, |_| "80").await;
    assert_inert("ranking", &page(&s.staff, &format!("/staff/calls/{call}/ranking")).await);
    let r = s.staff.post(&format!("/api/v1/calls/{call}/decide"), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let notice = r.json["notice_id"].as_i64().unwrap();
    let public = page(&app.client(), &format!("/notices/{notice}")).await;
    assert_inert("public notice", &public);
    assert!(public.contains("&#60;script&#62;"));
    // In the PDF the payload is just text: what pdftotext reads back is the literal string.
    let pdf = app.client().http.get(format!("{}/api/v1/notices/{notice}/pdf", app.base)).send().await.unwrap();
    let bytes = pdf.bytes().await.unwrap().to_vec();
    if let Some(text) = pdf_text(&bytes) {
        // (a table cell wraps the rest of the title onto the next line)
        assert!(text.contains("项目<script>alert(1)"), "{text}");
    }
    app.clock.set("2026-03-12T09:00:00+08:00".parse().unwrap());
    app.relogin(&[&s.staff, &s.fin]).await;
    let r = s.staff.post(&format!("/api/v1/calls/{call}/finalize"), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let pid = s.fin.get("/api/v1/projects").await.json[0]["id"].as_i64().unwrap();
    for (who, c, path) in [
        ("projects", &s.staff, "/projects".to_string()),
        ("project", &s.fin, format!("/projects/{pid}")),
        ("dashboard", &s.staff, "/staff/dashboard".to_string()),
        ("board", &app.client(), "/board".to_string()),
        ("home", &app.client(), "/".to_string()),
    ] {
        assert_inert(who, &page(c, &path).await);
    }
    // Mail is plain text: a client shows the payload as characters, never as markup.
    let dir = app.config.data_dir.join("outbox");
    let mut funded = 0;
    eventually("mails written", || {
        let dir = dir.clone();
        async move { std::fs::read_dir(&dir).map(|d| d.count() >= 6).unwrap_or(false) }
    })
    .await;
    for f in std::fs::read_dir(&dir).unwrap() {
        let raw = std::fs::read(f.unwrap().path()).unwrap();
        let m = mailparse::parse_mail(&raw).unwrap();
        assert_eq!(m.ctype.mimetype, "text/plain");
        assert!(m.subparts.is_empty());
        if m.get_body().unwrap().contains(XSS) {
            funded += 1;
        }
    }
    assert!(funded >= 1, "the funded/not-funded mails name the bid");
}

crate::on_both!(hostile_text_is_inert_everywhere);

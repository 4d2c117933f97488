//! Passwords without a technician: changing one's own, an admin's temporary password that gates
//! every route until it is changed, and a forgotten password reset by an emailed single-use link
//! (raced, expired, flooded) through a real SMTP sink.

use crate::helpers::*;
use crate::smtp::Sink;
use serde_json::{json, Value};

async fn a_user_changes_their_password(app: TestApp) {
    app.add_user("changer", "staff", None).await;
    let here = app.login("changer").await;
    let elsewhere = app.login("changer").await;
    let audit_before = app.count("audit_log").await;
    for (body, field, code) in [
        (json!({"current": "wrong-password-9", "new": "a-new-password-9"}), "current", "wrong_password"),
        (json!({"current": PASSWORD, "new": "12345678"}), "new", "common_password"),
        (json!({"current": PASSWORD, "new": "short"}), "new", "weak_password"),
        (json!({"current": PASSWORD, "new": "changer-2027"}), "new", "password_contains_login"),
        (json!({"current": PASSWORD, "new": PASSWORD}), "new", "same_password"),
    ] {
        let r = here.post("/api/v1/me/password", body).await;
        assert_eq!(r.status, 422, "{}", r.text);
        let errors = r.json["error"]["errors"].as_array().unwrap();
        assert!(errors.iter().any(|e| e["field"] == field && e["code"] == code), "{field} {code}: {}", r.text);
    }
    // Every problem at once: a wrong current password and a weak new one.
    let r = here.post("/api/v1/me/password", json!({"current": "nope-nope-9", "new": "1234"})).await;
    assert_eq!(r.json["error"]["errors"].as_array().unwrap().len(), 2, "{}", r.text);
    assert_eq!(app.count("audit_log").await, audit_before, "refusals wrote nothing");
    assert_eq!(app.client().post("/api/v1/me/password", json!({"current": PASSWORD, "new": "x"})).await.status, 401);

    let r = here.post("/api/v1/me/password", json!({"current": PASSWORD, "new": "晨光互助-2027"})).await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(app.count("audit_log WHERE action = 'user.password_change'").await, 1);
    assert_eq!(here.get("/api/v1/me").await.status, 200, "the session that changed it stays");
    assert_eq!(elsewhere.get("/api/v1/me").await.status, 401, "every other session ends");
    let old = app.client().post("/api/v1/session", json!({"login": "changer", "password": PASSWORD})).await;
    assert_eq!(old.status, 401, "the old password stops working");
    app.login_with("changer", "晨光互助-2027").await;
}

async fn an_admin_reset_gates_every_route_until_changed(app: TestApp) {
    let admin = app.as_role("root", "admin").await;
    let id = app.add_user("forgetful", "staff", None).await;
    let before = app.login("forgetful").await;
    let staff = app.as_role("other", "staff").await;
    assert_eq!(staff.post(&format!("/api/v1/users/{id}/password-reset"), json!({})).await.status, 403);
    assert_eq!(app.client().post(&format!("/api/v1/users/{id}/password-reset"), json!({})).await.status, 401);
    assert_eq!(admin.post("/api/v1/users/999999/password-reset", json!({})).await.status, 404);
    let r = admin.post(&format!("/api/v1/users/{id}/password-reset"), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let temporary = r.json["temporary"].as_str().unwrap().to_string();
    assert_eq!(temporary.len(), 14);
    assert_eq!(before.get("/api/v1/me").await.status, 401, "the user's sessions end");
    let audit: Vec<String> = app
        .as_owner(|c| {
            use diesel::prelude::*;
            use gongyi::db::schema::audit_log;
            audit_log::table.select(audit_log::detail).load::<String>(c)
        })
        .await;
    assert!(audit.iter().all(|p| !p.contains(&temporary)), "the temporary password is in no audit record");

    let user = app.login_with("forgetful", &temporary).await;
    let me = user.get("/api/v1/me").await;
    assert_eq!((me.status, &me.json["must_change_password"]), (200, &Value::Bool(true)));
    // Every documented route but the open ones answers 403 password_change_required.
    let spec = app.client().get("/api/v1/openapi.json").await.json;
    let open = ["/api/v1/me", "/api/v1/me/password", "/api/v1/session", "/api/v1/password-reset", "/healthz"];
    let mut wrong = vec![];
    for (path, methods) in spec["paths"].as_object().unwrap() {
        if open.contains(&path.as_str()) || path.starts_with("/api/v1/password-reset/") {
            continue;
        }
        let p = path
            .replace("{id}", "1")
            .replace("{document_id}", "1")
            .replace("{user_id}", "1")
            .replace("{year}", "2026")
            .replace("{sha256}", &"ab".repeat(32));
        for m in methods.as_object().unwrap().keys() {
            let r = match m.as_str() {
                "get" => user.get(&p).await,
                "delete" => user.delete(&p).await,
                "put" => user.put(&p, json!({})).await,
                "patch" => user.patch(&p, json!({})).await,
                _ => user.post(&p, json!({})).await,
            };
            if (r.status, r.code()) != (403, "password_change_required") {
                wrong.push(format!("{m} {path}: {} {}", r.status, r.code()));
            }
        }
    }
    assert!(wrong.is_empty(), "routes open to a temporary password:\n{}", wrong.join("\n"));
    // Pages send the user to 修改密码.
    let r = user.get("/workbench").await;
    assert_eq!((r.status, r.headers["location"].to_str().unwrap()), (303, "/account/password"));
    assert_eq!(user.get("/account/password").await.status, 200);

    let r = user.post("/api/v1/me/password", json!({"current": temporary, "new": "我的新密码-2027"})).await;
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(user.get("/api/v1/me").await.json["must_change_password"], false);
    assert_eq!(user.get("/api/v1/calls").await.status, 200);
    assert_eq!(user.get("/workbench").await.status, 200);
    let r = app.client().post("/api/v1/session", json!({"login": "forgetful", "password": temporary})).await;
    assert_eq!(r.status, 401, "the temporary password is spent");
}

/// The link in the newest mail to `to`.
fn link_in(sink: &Sink, to: &str) -> String {
    let (_, subject, body) = sink.parsed().into_iter().rev().find(|(t, _, _)| t.contains(to)).expect("a mail");
    assert_eq!(subject, "重置密码");
    let at = body.find("https://gongyi.example.gov.cn/password-reset/").expect("the link uses GONGYI_PUBLIC_URL");
    body[at..].split_whitespace().next().unwrap().to_string()
}

fn token_of(link: &str) -> String {
    link.rsplit('/').next().unwrap().to_string()
}

async fn a_forgotten_password_is_reset_by_a_single_use_link(app: TestApp) {
    let (sink, port, _h) = Sink::start(0).await;
    let app = spawn_with(app.backend, |c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        c.public_url = "https://gongyi.example.gov.cn".into();
    })
    .await;
    app.add_user("lost", "finance", None).await;
    let session = app.login("lost").await;
    let anon = app.client();
    // Known and unknown logins get the same answer; only the known one is mailed.
    for login in ["nobody-here", "LOST ", "lost"] {
        let r = anon.post("/api/v1/password-reset", json!({"login": login})).await;
        assert_eq!((r.status, r.text.as_str()), (202, ""), "{login}");
    }
    assert_eq!(app.count("outbox").await, 2, "two mails for the known login, none for the unknown");
    // A third link within the hour, then no more: nobody can fill a mailbox.
    assert_eq!(anon.post("/api/v1/password-reset", json!({"login": "lost"})).await.status, 202);
    assert_eq!(anon.post("/api/v1/password-reset", json!({"login": "lost"})).await.status, 202);
    assert_eq!(app.count("outbox").await, 3);
    eventually("three mails", || async { sink.parsed().len() == 3 }).await;
    let token = token_of(&link_in(&sink, "lost@example.cn"));

    // A weak password is refused and leaves the link usable.
    let r = anon.post(&format!("/api/v1/password-reset/{token}"), json!({"new": "12345678"})).await;
    assert_eq!((r.status, r.json["error"]["errors"][0]["field"].as_str()), (422, Some("new")), "{}", r.text);
    for bad in ["0", "not-a-token", &"ef".repeat(32)] {
        let r = anon.post(&format!("/api/v1/password-reset/{bad}"), json!({"new": "a-new-password-9"})).await;
        assert_eq!((r.status, r.code()), (409, "reset_link_invalid"), "{bad}");
    }
    // Two requests race with the same link: exactly one sets its password.
    let (path, other) = (format!("/api/v1/password-reset/{token}"), app.client());
    let (a, b) = tokio::join!(
        anon.post(&path, json!({"new": "racer-one-2027"})),
        other.post(&path, json!({"new": "racer-two-2027"})),
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(statuses, [204, 409], "{} / {}", a.text, b.text);
    let winner = if a.status == 204 { "racer-one-2027" } else { "racer-two-2027" };
    let loser = if a.status == 204 { "racer-two-2027" } else { "racer-one-2027" };
    app.login_with("lost", winner).await;
    let r = app.client().post("/api/v1/session", json!({"login": "lost", "password": loser})).await;
    assert_eq!(r.status, 401);
    assert_eq!(session.get("/api/v1/me").await.status, 401, "sessions from before the reset end");
    assert_eq!(app.count("password_resets WHERE used_at IS NULL").await, 0, "the other links died with it");

    // A new hour, a new link; it dies after 30 minutes.
    app.clock.advance(chrono::Duration::minutes(61));
    assert_eq!(anon.post("/api/v1/password-reset", json!({"login": "lost"})).await.status, 202);
    eventually("a fourth mail", || async { sink.parsed().len() == 4 }).await;
    let late = token_of(&link_in(&sink, "lost@example.cn"));
    assert_ne!(late, token);
    app.clock.advance(chrono::Duration::minutes(31));
    let r = anon.post(&format!("/api/v1/password-reset/{late}"), json!({"new": "too-late-2027"})).await;
    assert_eq!((r.status, r.code()), (409, "reset_link_invalid"));
    assert_eq!(anon.get(&format!("/password-reset/{late}")).await.status, 409, "the page says so too");
}

/// The pages: 忘记密码 → the emailed link's form → 登录; and 修改密码 keeps errors beside fields.
async fn the_password_pages_work_without_script(app: TestApp) {
    let (sink, port, _h) = Sink::start(0).await;
    let app = spawn_with(app.backend, |c| {
        c.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        c.public_url = "https://gongyi.example.gov.cn".into();
    })
    .await;
    app.add_user("pager", "staff", None).await;
    let anon = app.client();
    let csrf = anon.csrf("/forgot-password").await;
    let r = anon.post_form("/forgot-password", &[("csrf", &csrf), ("login", "pager")]).await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains("重置密码的邮件已经发出"), "{}", r.text);
    eventually("the mail", || async { sink.parsed().len() == 1 }).await;
    let token = token_of(&link_in(&sink, "pager@example.cn"));
    let page = anon.get(&format!("/password-reset/{token}")).await;
    assert!(page.text.contains("pager"), "the form names the account");
    let csrf = anon.csrf(&format!("/password-reset/{token}")).await;
    let r = anon
        .post_form(
            &format!("/password-reset/{token}"),
            &[("csrf", &csrf), ("new", "page-reset-2027"), ("confirm", "page-reset-2028")],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("两次输入的新密码不一致"));
    let r = anon
        .post_form(
            &format!("/password-reset/{token}"),
            &[("csrf", &csrf), ("new", "page-reset-2027"), ("confirm", "page-reset-2027")],
        )
        .await;
    assert_eq!((r.status, r.headers["location"].to_str().unwrap()), (303, "/login?done=reset"));
    assert!(anon.get("/login?done=reset").await.text.contains("新密码已设置"));
    let user = app.login_with("pager", "page-reset-2027").await;

    let csrf = user.csrf("/account/password").await;
    let r = user
        .post_form(
            "/account/password",
            &[
                ("csrf", &csrf),
                ("current", "wrong-one-99"),
                ("new", "page-change-2027"),
                ("confirm", "page-change-2027"),
            ],
        )
        .await;
    assert_eq!(r.status, 422);
    assert!(r.text.contains("当前密码不正确") && r.text.contains("aria-invalid"), "{}", r.text);
    let r = user
        .post_form(
            "/account/password",
            &[
                ("csrf", &csrf),
                ("current", "page-reset-2027"),
                ("new", "page-change-2027"),
                ("confirm", "page-change-2027"),
            ],
        )
        .await;
    assert_eq!((r.status, r.headers["location"].to_str().unwrap()), (303, "/workbench?done=password"));

    // The admin's button shows the temporary password once.
    let admin = app.as_role("root", "admin").await;
    let id = user.get("/api/v1/me").await.json["id"].as_i64().unwrap();
    let csrf = admin.csrf("/admin/users").await;
    let r = admin.post_form(&format!("/admin/users/{id}/password-reset"), &[("csrf", &csrf)]).await;
    assert_eq!(r.status, 200);
    assert!(r.text.contains("临时密码"));
    let r = user.post_form(&format!("/admin/users/{id}/password-reset"), &[("csrf", &csrf)]).await;
    assert_ne!(r.status, 200, "only an admin resets");
}

crate::on_both!(
    a_user_changes_their_password,
    an_admin_reset_gates_every_route_until_changed,
    a_forgotten_password_is_reset_by_a_single_use_link,
    the_password_pages_work_without_script,
);

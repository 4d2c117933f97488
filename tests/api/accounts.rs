//! Log in and out, sessions, throttling, users and roles, start-up modes, the CLI.

use crate::helpers::*;
use serde_json::json;

async fn login_me_logout(app: TestApp) {
    app.add_user("staff1", "staff", None).await;
    let c = app.client();
    assert_eq!(c.get("/api/v1/me").await.status, 401);
    let r = c.post("/api/v1/session", json!({"login": "staff1", "password": "wrong-password"})).await;
    assert_eq!((r.status, r.code()), (401, "bad_credentials"));
    let unknown = c.post("/api/v1/session", json!({"login": "nobody", "password": "wrong-password"})).await;
    assert_eq!((unknown.status, unknown.code()), (401, "bad_credentials"));
    assert_eq!(unknown.json["error"]["message"], r.json["error"]["message"]);
    let r = c.post("/api/v1/session", json!({"login": "STAFF1", "password": PASSWORD})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let cookie = r.headers.get("set-cookie").unwrap().to_str().unwrap().to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
    assert!(!r.text.contains("password_hash"));
    let me = c.get("/api/v1/me").await;
    assert_eq!((me.status, me.json["login"].as_str(), me.json["role"].as_str()), (200, Some("staff1"), Some("staff")));
    // The raw token is never stored: only its hash.
    let token = cookie.split(';').next().unwrap().split('=').nth(1).unwrap().to_string();
    assert_eq!(app.count(&format!("sessions WHERE token_hash = '{token}'")).await, 0);
    assert_eq!(c.delete("/api/v1/session").await.status, 204);
    assert_eq!(c.get("/api/v1/me").await.status, 401);
    // Replaying the old cookie after logout gets nothing.
    let replay = app.client();
    let r = replay
        .http
        .get(format!("{}/api/v1/me", app.base))
        .header("cookie", format!("gongyi_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

async fn sessions_expire(app: TestApp) {
    app.add_user("fin1", "finance", None).await;
    let c = app.login("fin1").await;
    app.clock.advance(chrono::Duration::minutes(29));
    assert_eq!(c.get("/api/v1/me").await.status, 200);
    app.clock.advance(chrono::Duration::minutes(29));
    assert_eq!(c.get("/api/v1/me").await.status, 200, "activity keeps an idle session alive");
    app.clock.advance(chrono::Duration::minutes(31));
    assert_eq!(c.get("/api/v1/me").await.status, 401, "idle for 31 minutes");
    let c = app.login("fin1").await;
    for _ in 0..26 {
        app.clock.advance(chrono::Duration::minutes(28));
        if c.get("/api/v1/me").await.status == 401 {
            break;
        }
    }
    assert_eq!(c.get("/api/v1/me").await.status, 401, "absolute limit of 12 hours");
}

async fn failed_logins_are_throttled(app: TestApp) {
    app.add_user("rev1", "reviewer", None).await;
    let c = app.client();
    for _ in 0..10 {
        let r = c.post("/api/v1/session", json!({"login": "rev1", "password": "wrong-password"})).await;
        assert_eq!(r.status, 401);
    }
    let r = c.post("/api/v1/session", json!({"login": "rev1", "password": PASSWORD})).await;
    assert_eq!((r.status, r.code()), (429, "rate_limited"), "even the right password waits");
    app.clock.advance(chrono::Duration::minutes(16));
    let r = c.post("/api/v1/session", json!({"login": "rev1", "password": PASSWORD})).await;
    assert_eq!(r.status, 200);
}

async fn login_rotates_the_session(app: TestApp) {
    app.add_user("staff1", "staff", None).await;
    app.add_user("staff2", "staff", None).await;
    let c = app.login("staff1").await;
    let before = app.count("sessions").await;
    let r = c.post("/api/v1/session", json!({"login": "staff2", "password": PASSWORD})).await;
    assert_eq!(r.status, 200);
    assert_eq!(app.count("sessions").await, before, "the earlier session was revoked, not kept");
    assert_eq!(c.get("/api/v1/me").await.json["login"], "staff2");
}

async fn admin_creates_users(app: TestApp) {
    let admin = app.as_role("root", "admin").await;
    let r = admin
        .post(
            "/api/v1/users",
            json!({"login": "expert9", "password": "long-enough", "display_name": "王专家", "email": "e9@example.cn",
                   "role": "reviewer", "affiliations": [uscc("52340207MJ0001001"), uscc("52340207MJ0001001")]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.json["affiliations"].as_array().unwrap().len(), 1);
    let r = admin
        .post(
            "/api/v1/users",
            json!({"login": "town1", "password": "long-enough", "display_name": "沈巷镇干事", "role": "staff", "region_code": "340207101000"}),
        )
        .await;
    assert_eq!((r.status, r.json["region_code"].as_str()), (201, Some("340207101000")));
    // Every problem at once.
    let r = admin
        .post(
            "/api/v1/users",
            json!({"login": "x", "password": "short", "display_name": "", "email": "nope", "role": "org",
                   "region_code": "340207101000", "affiliations": ["bad"]}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.text);
    let fields: Vec<&str> =
        r.json["error"]["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    // `org` needs the organisation it acts for.
    for f in ["login", "password", "display_name", "email", "organisation", "region_code", "affiliations[0]"] {
        assert!(fields.contains(&f), "{f} not reported in {fields:?}");
    }
    let r = admin
        .post("/api/v1/users", json!({"login": "town2", "password": "long-enough", "display_name": "某", "role": "staff", "region_code": "340207101001"}))
        .await;
    assert_eq!((r.status, r.code()), (422, "unknown_town"), "a village is not a town");
    let r = admin
        .post(
            "/api/v1/users",
            json!({"login": "expert9", "password": "long-enough", "display_name": "重名", "role": "finance"}),
        )
        .await;
    assert_eq!((r.status, r.code()), (409, "duplicate_login"));
    let list = admin.get("/api/v1/users?role=reviewer").await;
    assert_eq!(list.json.as_array().unwrap().len(), 1);
    // Only admins.
    let staff = app.as_role("staff1", "staff").await;
    let r = staff
        .post(
            "/api/v1/users",
            json!({"login": "sneaky", "password": "long-enough", "display_name": "x", "role": "admin"}),
        )
        .await;
    assert_eq!((r.status, r.code()), (403, "forbidden"));
    assert_eq!(staff.get("/api/v1/users").await.status, 403);
    let anon = app.client();
    assert_eq!(anon.post("/api/v1/users", json!({})).await.status, 400);
    assert_eq!(
        anon.post(
            "/api/v1/users",
            json!({"login": "sneaky", "password": "long-enough", "display_name": "x", "role": "admin"})
        )
        .await
        .status,
        401
    );
    assert_eq!(app.count("users WHERE login = 'sneaky'").await, 0);
}

/// A change of role, town or active flag ends the user's sessions; affiliations are editable.
async fn admin_edits_revoke_sessions(app: TestApp) {
    let admin = app.as_role("root", "admin").await;
    let id = app.add_user("staff9", "staff", None).await;
    let staff = app.login("staff9").await;
    assert_eq!(staff.get("/api/v1/me").await.status, 200);
    // A name change keeps the session.
    let r = admin.put(&format!("/api/v1/users/{id}"), json!({"display_name": "王科长"})).await;
    assert_eq!((r.status, r.json["display_name"].as_str()), (200, Some("王科长")), "{}", r.text);
    assert_eq!(staff.get("/api/v1/me").await.status, 200);
    // Scoping to a town ends it: the old district-wide rights must not live on.
    let r = admin.put(&format!("/api/v1/users/{id}"), json!({"region_code": "340207101000"})).await;
    assert_eq!((r.status, r.json["region_code"].as_str()), (200, Some("340207101000")));
    assert_eq!(staff.get("/api/v1/me").await.status, 401);
    let staff = app.login("staff9").await;
    admin.put(&format!("/api/v1/users/{id}"), json!({"active": false})).await;
    assert_eq!(staff.get("/api/v1/me").await.status, 401);
    let r = app.client().post("/api/v1/session", json!({"login": "staff9", "password": PASSWORD})).await;
    assert_eq!(r.status, 401, "an inactive account cannot log in");
    let r = admin.put(&format!("/api/v1/users/{id}"), json!({"role": "org", "region_code": "x"})).await;
    assert_eq!(r.status, 422);
    let rid = app.add_user("rev9", "reviewer", None).await;
    let r = admin.put(&format!("/api/v1/users/{rid}"), json!({"affiliations": [uscc("52340207MJ0040001")]})).await;
    assert_eq!(r.json["affiliations"].as_array().unwrap().len(), 1);
    let me = app.login("root").await.get("/api/v1/me").await.json["id"].as_i64().unwrap();
    let r = admin.put(&format!("/api/v1/users/{me}"), json!({"role": "staff"})).await;
    assert_eq!((r.status, r.code()), (422, "cannot_demote_self"));
    let other = app.as_role("fin9", "finance").await;
    assert_eq!(other.put(&format!("/api/v1/users/{rid}"), json!({"active": false})).await.status, 403);
}

/// GONGYI_NOW and the training flag only for training databases.
async fn training_mode_is_sticky(app: TestApp) {
    let mut cfg = app.config.clone();
    cfg.now = Some("2026-03-01T00:00:00+08:00".into());
    let err = tokio::task::spawn_blocking(move || gongyi::app::prepare(cfg, None).err()).await.unwrap();
    assert!(err.unwrap().contains("GONGYI_NOW"));
    let mut cfg = app.config.clone();
    cfg.training = true;
    let err = tokio::task::spawn_blocking(move || gongyi::app::prepare(cfg, None).err()).await.unwrap();
    assert!(err.unwrap().contains("生产数据库"));
    // A database created for training honours GONGYI_NOW.
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = test_config(app.backend, dir.path());
    cfg.training = true;
    cfg.now = Some("2026-03-01T00:00:00+08:00".into());
    let p = tokio::task::spawn_blocking(move || gongyi::app::prepare(cfg, None)).await.unwrap().unwrap();
    assert!(p.state.training);
    assert_eq!(gongyi::clock::local_date(p.state.clock.now()).to_string(), "2026-03-01");
}

/// `gongyi user add` creates the first admin, who can then log in.
async fn cli_user_add(app: TestApp) {
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_gongyi"))
            .args(args)
            .env("GONGYI_DATABASE_URL", &app.config.database_url)
            .env("GONGYI_DATA_DIR", &app.config.data_dir)
            .env("GONGYI_AUDIT_KEY", "test-audit-key")
            .env_remove("GONGYI_TRAINING")
            .env_remove("GONGYI_NOW")
            .output()
            .unwrap()
    };
    let out =
        run(&["user", "add", "--login", "boss", "--password", "Jiujiang-chief-7", "--role", "admin", "--name", "局长"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("boss"));
    let c = app.login_with("boss", "Jiujiang-chief-7").await;
    assert_eq!(c.get("/api/v1/me").await.json["role"], "admin");
    let out = run(&["user", "add", "--login", "boss", "--password", "Jiujiang-chief-7", "--role", "admin"]);
    assert!(!out.status.success());
    let out = run(&["user", "add", "--login", "t", "--password", "x", "--role", "wizard"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("role"));
    // The only admin lost the password: the operator sets a temporary one.
    let out = run(&["user", "reset-password", "--login", "boss"]);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(out.status.success(), "{text}");
    let temporary = text.split("临时密码：").nth(1).unwrap().lines().next().unwrap().trim().to_string();
    let c = app.login_with("boss", &temporary).await;
    assert_eq!(c.get("/api/v1/me").await.json["must_change_password"], true);
    assert_eq!(c.get("/api/v1/users").await.code(), "password_change_required");
    let out = run(&["user", "reset-password", "--login", "nobody"]);
    assert!(!out.status.success() && String::from_utf8_lossy(&out.stderr).contains("nobody"));
}

async fn login_from(app: &TestApp, forwarded_for: &str, password: &str) -> u16 {
    reqwest::Client::new()
        .post(format!("{}/api/v1/session", app.base))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({"login": "rev1", "password": password}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn fill_failures(app: &TestApp, ip: &str) {
    let rows: Vec<String> = (0..50).map(|_| format!("('ip:{ip}', '2026-01-15 02:00:00')")).collect();
    app.exec(&format!("INSERT INTO login_failures (key, at) VALUES {}", rows.join(", "))).await;
}

/// Without GONGYI_TRUSTED_PROXIES a client cannot pick its address with `X-Forwarded-For`: the
/// per-IP limit holds whatever the header says.
async fn forwarded_for_is_ignored_unless_the_proxy_is_trusted(app: TestApp) {
    app.add_user("rev1", "reviewer", None).await;
    assert_eq!(login_from(&app, "203.0.113.7", "wrong-password").await, 401);
    assert_eq!(app.count("login_failures WHERE key = 'ip:127.0.0.1'").await, 1);
    assert_eq!(app.count("login_failures WHERE key = 'ip:203.0.113.7'").await, 0);
    fill_failures(&app, "127.0.0.1").await;
    assert_eq!(login_from(&app, "198.51.100.1", PASSWORD).await, 429, "a fresh header does not reset the limit");
}

/// Behind a trusted proxy the client is the right-most untrusted hop: two clients behind the same
/// proxy are limited separately, and a hop the client wrote itself changes nothing.
async fn trusted_proxy_names_the_client(plain: TestApp) {
    let app = spawn_with(plain.backend, |c| c.trusted_proxies = "127.0.0.1, ::1".into()).await;
    app.add_user("rev1", "reviewer", None).await;
    assert_eq!(login_from(&app, "6.6.6.6, 203.0.113.7", "wrong-password").await, 401);
    assert_eq!(app.count("login_failures WHERE key = 'ip:203.0.113.7'").await, 1);
    assert_eq!(app.count("login_failures WHERE key LIKE 'ip:%' AND key <> 'ip:203.0.113.7'").await, 0);
    fill_failures(&app, "203.0.113.7").await;
    assert_eq!(login_from(&app, "203.0.113.7", PASSWORD).await, 429);
    assert_eq!(login_from(&app, "203.0.113.7, 127.0.0.1", PASSWORD).await, 429, "trusted hops are skipped");
    assert_eq!(login_from(&app, "198.51.100.1", PASSWORD).await, 200, "another client behind the proxy");
    // The audit trail names the client, not the proxy.
    assert_eq!(app.count("audit_log WHERE action = 'session.login' AND detail LIKE '%198.51.100.1%'").await, 1);
}

crate::on_both!(
    forwarded_for_is_ignored_unless_the_proxy_is_trusted,
    trusted_proxy_names_the_client,
    login_me_logout,
    sessions_expire,
    failed_logins_are_throttled,
    login_rotates_the_session,
    admin_creates_users,
    admin_edits_revoke_sessions,
    training_mode_is_sticky,
    cli_user_add,
);

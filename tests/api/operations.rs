//! What a district's IT staff meet when deploying (issue 23): settings checked at start-up, the
//! audit key held to its chain, `audit verify` read-only, the password off the command line,
//! `HEAD /healthz`, and forms that work behind a reverse proxy that rewrites `Host`.

use crate::helpers::*;
use serde_json::json;
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn gongyi(app: &TestApp, args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gongyi"));
    c.args(args)
        .env("GONGYI_DATABASE_URL", &app.config.database_url)
        .env("GONGYI_DATA_DIR", &app.config.data_dir)
        .env("GONGYI_AUDIT_KEY", "test-audit-key")
        .env_remove("GONGYI_TRAINING")
        .env_remove("GONGYI_NOW")
        .env_remove("GONGYI_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        c.env(k, v);
    }
    let mut child = c.spawn().unwrap();
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

async fn invalid_settings_stop_the_start_and_name_themselves(app: TestApp) {
    for (name, value) in [
        ("GONGYI_SECURE_COOKIES", "yes please"),
        ("GONGYI_UPLOAD_LIMIT_MB", "abc"),
        ("GONGYI_UPLOAD_LIMIT_MB", "0"),
        ("GONGYI_LOG", "verbose"),
        ("GONGYI_DB_POOL", "0"),
        ("GONGYI_PUBLIC_URL", "gongyi.example.gov.cn"),
        ("GONGYI_MAIL_MAX_ATTEMPTS", "-1"),
    ] {
        let out = gongyi(&app, &["migrate"], &[(name, value)], None);
        assert!(!out.status.success(), "{name}={value} accepted");
        assert!(stderr(&out).contains(name), "{name}: {}", stderr(&out));
    }
    // A SQLite file that cannot be opened is named, with its directory.
    let out = gongyi(&app, &["migrate"], &[("GONGYI_DATABASE_URL", "sqlite:///nonexistent/dir/x.db")], None);
    assert!(!out.status.success() && stderr(&out).contains("/nonexistent/dir"), "{}", stderr(&out));
    // Valid spellings pass; logs written to a pipe carry no colour codes.
    let fresh = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", fresh.path().join("new.db").display());
    let env = [("GONGYI_SECURE_COOKIES", "yes"), ("GONGYI_LOG", "info"), ("GONGYI_DATABASE_URL", url.as_str())];
    let out = gongyi(&app, &["migrate"], &env, None);
    assert!(out.status.success(), "{}", stderr(&out));
    let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(all.contains("applied") && !all.contains('\u{1b}'), "{all:?}");
    // --help names the settings and the roles.
    let help = gongyi(&app, &["--help"], &[], None);
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(
        text.contains("GONGYI_DB_POOL") && text.contains("GONGYI_PUBLIC_URL") && text.contains("evaluator, community")
    );
}

async fn a_foreign_audit_key_is_refused_and_verify_changes_nothing(app: TestApp) {
    // The running app has written audit records with "test-audit-key".
    let staff = app.as_role("staff1", "staff").await;
    assert_eq!(staff.get("/api/v1/me").await.status, 200);
    let before = app.count("audit_log").await;
    assert!(before > 0);
    let out = gongyi(
        &app,
        &["user", "add", "--login", "boss2", "--password", "Jiujiang-chief-7", "--role", "admin"],
        &[("GONGYI_AUDIT_KEY", "another-key")],
        None,
    );
    assert!(!out.status.success());
    assert!(stderr(&out).contains("审计密钥") && stderr(&out).contains("GONGYI_AUDIT_KEY"), "{}", stderr(&out));
    assert_eq!(app.count("audit_log").await, before, "nothing was signed with the wrong key");
    let ok = gongyi(&app, &["audit", "verify"], &[], None);
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stdout));
    // Read-only: a database that does not exist is named, not created; no key is generated.
    let dir = tempfile::tempdir().unwrap();
    let missing = format!("sqlite://{}", dir.path().join("nope.db").display());
    let out = gongyi(&app, &["audit", "verify"], &[("GONGYI_DATABASE_URL", &missing)], None);
    assert!(!out.status.success() && stderr(&out).contains("nope.db"), "{}", stderr(&out));
    assert!(!dir.path().join("nope.db").exists());
    let empty = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_gongyi"))
        .args(["audit", "verify"])
        .env("GONGYI_DATABASE_URL", &app.config.database_url)
        .env("GONGYI_DATA_DIR", empty.path())
        .env_remove("GONGYI_AUDIT_KEY")
        .output()
        .unwrap();
    assert!(!out.status.success() && stderr(&out).contains("审计密钥"), "{}", stderr(&out));
    assert!(!empty.path().join("audit.key").exists(), "verify generates no key");
}

async fn the_password_comes_from_stdin_not_the_command_line(app: TestApp) {
    let out = gongyi(&app, &["user", "add", "--login", "boss", "--role", "admin"], &[], Some("Jiujiang-chief-7\n"));
    assert!(out.status.success(), "{}", stderr(&out));
    let c = app.login_with("boss", "Jiujiang-chief-7").await;
    assert_eq!(c.get("/api/v1/me").await.json["role"], "admin");
    let out = gongyi(&app, &["user", "add", "--login", "boss3", "--role", "admin"], &[], Some(""));
    assert!(!out.status.success() && stderr(&out).contains("密码"), "{}", stderr(&out));
    // A village worker through the command line needs its village.
    let out = gongyi(
        &app,
        &["user", "add", "--login", "cun1", "--role", "community", "--region", "340207101001"],
        &[],
        Some("Village-worker-9\n"),
    );
    assert!(out.status.success(), "{}", stderr(&out));
}

async fn health_answers_head(app: TestApp) {
    let r = app.client().http.head(format!("{}/healthz", app.base)).send().await.unwrap();
    assert_eq!(r.status(), 200);
}

/// Behind a reverse proxy the Host is the upstream's; the browser's Origin is the public address.
async fn forms_work_behind_a_proxy_that_rewrites_host(plain: TestApp) {
    let app = spawn_with(plain.backend, |c| c.public_url = "https://gongyi.example.gov.cn".into()).await;
    app.add_user("staff1", "staff", None).await;
    let post = |origin: &'static str| {
        let url = format!("{}/api/v1/session", app.base);
        async move {
            reqwest::Client::new()
                .post(url)
                .header("origin", origin)
                .json(&json!({"login": "staff1", "password": PASSWORD}))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(post("https://gongyi.example.gov.cn").await, 200, "the public origin passes");
    assert_eq!(post("https://evil.example").await, 403, "another still does not");
}

/// A backup taken while serving restores into a fresh place, and `audit verify` is green there;
/// a tampered copy is refused before anything is written. PostgreSQL points to pg_dump.
async fn backup_and_restore(app: TestApp) {
    let staff = app.as_role("staff1", "staff").await;
    let call = crate::flow::published_call(&staff, crate::flow::call_body()).await;
    let dir = tempfile::tempdir().unwrap();
    let to = dir.path().join("b1");
    let to_s = to.display().to_string();
    let out = gongyi(&app, &["backup", &to_s], &[], None);
    if app.backend == Backend::Postgres {
        assert!(!out.status.success() && stderr(&out).contains("pg_dump"), "{}", stderr(&out));
        return;
    }
    assert!(out.status.success(), "{}", stderr(&out));
    let manifest = std::fs::read_to_string(to.join("MANIFEST.sha256")).unwrap();
    assert!(manifest.contains("gongyi.db") && manifest.contains("data/documents/"), "{manifest}");
    let again = gongyi(&app, &["backup", &to_s], &[], None);
    assert!(!again.status.success() && stderr(&again).contains("不是空目录"));
    // A tampered copy: refused, nothing restored.
    let bad = dir.path().join("b2");
    copy_dir(&to, &bad);
    let doc = std::fs::read_dir(bad.join("data/documents")).unwrap().next().unwrap().unwrap().path();
    let mut bytes = std::fs::read(&doc).unwrap();
    bytes[20] ^= 1;
    std::fs::write(&doc, bytes).unwrap();
    let target = dir.path().join("restored");
    let db = format!("sqlite://{}", target.join("gongyi.db").display());
    let data = target.join("data").display().to_string();
    let env = [("GONGYI_DATABASE_URL", db.as_str()), ("GONGYI_DATA_DIR", data.as_str())];
    let out = gongyi(&app, &["restore", &bad.display().to_string()], &env, None);
    assert!(!out.status.success() && stderr(&out).contains("被改动"), "{}", stderr(&out));
    assert!(!target.join("gongyi.db").exists());
    // The real one: restored, verified with the same key, the call still there.
    let out = gongyi(&app, &["restore", &to_s], &env, None);
    assert!(out.status.success(), "{}", stderr(&out));
    let verify = gongyi(&app, &["audit", "verify"], &env, None);
    assert!(verify.status.success(), "{}{}", String::from_utf8_lossy(&verify.stdout), stderr(&verify));
    assert_eq!(count_in(&db, &format!("calls WHERE id = {}", call.id)), 1);
    assert_eq!(count_in(&db, "audit_log"), app.count("audit_log").await);
    let twice = gongyi(&app, &["restore", &to_s], &env, None);
    assert!(!twice.status.success() && stderr(&twice).contains("已存在"));
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let t = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &t);
        } else {
            std::fs::copy(&p, &t).unwrap();
        }
    }
}

crate::on_both!(
    backup_and_restore,
    invalid_settings_stop_the_start_and_name_themselves,
    a_foreign_audit_key_is_refused_and_verify_changes_nothing,
    the_password_comes_from_stdin_not_the_command_line,
    health_answers_head,
    forms_work_behind_a_proxy_that_rewrites_host
);

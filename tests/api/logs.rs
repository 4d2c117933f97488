//! No secret in any log line: the real binary, logging at `trace`, driven through logins (right
//! and wrong passwords, JSON and the HTML form), registration, user creation, mail to an SMTP
//! server with credentials that is down, and logout; then its whole output is searched for every
//! password, session token, CSRF token and key it saw.

use crate::helpers::*;
use crate::process::{run, Served};
use serde_json::json;

const AUDIT_KEY: &str = "audit-key-value-must-not-leak-41f7";
const SMTP_SECRET: &str = "smtp-password-must-not-leak-93c2";

fn env(dir: &std::path::Path) -> Vec<(&'static str, String)> {
    vec![
        ("GONGYI_DATABASE_URL", format!("sqlite://{}", dir.join("g.db").display())),
        ("GONGYI_DATA_DIR", dir.display().to_string()),
        ("GONGYI_AUDIT_KEY", AUDIT_KEY.into()),
        ("GONGYI_SMTP_URL", format!("smtp://mailer:{SMTP_SECRET}@127.0.0.1:9")),
        ("GONGYI_MAIL_RETRY_SECS", "1".into()),
        ("GONGYI_LOG", "trace".into()),
    ]
}

fn session_token(r: &reqwest::Response) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("gongyi_session=").map(|x| x.split(';').next().unwrap_or("").to_string()))
        .filter(|t| !t.is_empty())
}

#[actix_web::test]
async fn no_secret_reaches_the_logs() {
    let dir = tempfile::tempdir().unwrap();
    let admin_pw = "admin-password-must-not-leak-5e1a";
    let env = env(dir.path());
    let mut seen = run(&env, &["user", "add", "--login", "root", "--password", admin_pw, "--role", "admin"]);
    let server = Served::start(&env, &dir.path().join("server.log")).await;
    let http = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let mut secrets: Vec<String> = vec![AUDIT_KEY.into(), SMTP_SECRET.into(), admin_pw.into()];
    let url = |p: &str| format!("{}{p}", server.base);

    let wrong = "wrong-password-must-not-leak-77b0";
    secrets.push(wrong.into());
    let r = http.post(url("/api/v1/session")).json(&json!({"login": "root", "password": wrong})).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r =
        http.post(url("/api/v1/session")).json(&json!({"login": "nobody", "password": wrong})).send().await.unwrap();
    assert_eq!(r.status(), 401);
    let r =
        http.post(url("/api/v1/session")).json(&json!({"login": "root", "password": admin_pw})).send().await.unwrap();
    assert_eq!(r.status(), 200);
    secrets.push(session_token(&r).expect("session cookie"));

    let staff_pw = "staff-password-must-not-leak-0d4c";
    secrets.push(staff_pw.into());
    let r = http
        .post(url("/api/v1/users"))
        .json(&json!({"login": "staff1", "password": staff_pw, "display_name": "工作人员", "email": "s1@example.cn", "role": "staff"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);

    // An organisation registers (mail to the dead SMTP server) and logs in through the HTML form.
    let org_pw = "org-password-must-not-leak-c3a9";
    secrets.push(org_pw.into());
    let mut body = org_body("logorg", "52340207MJ0009701", "340207101001");
    body["password"] = json!(org_pw);
    let anon =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = anon.post(url("/api/v1/organisations")).json(&body).send().await.unwrap();
    assert_eq!(r.status(), 201);
    let page = anon.get(url("/login")).send().await.unwrap().text().await.unwrap();
    let csrf = page.split("name=\"csrf\" value=\"").nth(1).and_then(|s| s.split('"').next()).unwrap().to_string();
    assert!(csrf.len() >= 16);
    secrets.push(csrf.clone());
    let r = anon
        .post(url("/login"))
        .header("origin", &server.base)
        .form(&[("login", "logorg"), ("password", org_pw), ("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    let token = session_token(&r);
    assert!(token.is_some(), "form login sets a session ({})", r.status());
    secrets.extend(token);
    let r = anon.get(url("/api/v1/me")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(anon.delete(url("/api/v1/session")).send().await.unwrap().status(), 204);

    // Let the mail worker fail against the SMTP server at least once.
    let mut failed = false;
    for _ in 0..100 {
        if std::fs::read_to_string(&server.log).unwrap_or_default().contains("mail failed") {
            failed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    drop(http);
    let log = server.log.clone();
    drop(server);
    seen += &std::fs::read_to_string(log).unwrap();
    // The log is real: it has the requests and the mail failure this test caused.
    assert!(failed, "the mail worker logged its failure:\n{seen}");
    assert!(seen.contains("POST /api/v1/session") && seen.contains("POST /login"), "{seen}");
    for s in &secrets {
        assert!(!seen.contains(s.as_str()), "secret {s:?} found in the logs:\n{seen}");
    }
}

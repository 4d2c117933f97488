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
        return pg_recipe(&app, call.id, dir.path()).await;
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

/// The README's PostgreSQL recipe, word for word: pg_dump -Fc, createdb, pg_restore --no-owner,
/// the data directory beside it; `audit verify` is green on the restored database.
async fn pg_recipe(app: &TestApp, call: i64, dir: &std::path::Path) {
    let bin = |name: &str| -> String {
        let found = std::fs::read_dir("/usr/lib/postgresql")
            .ok()
            .and_then(|d| d.filter_map(|e| e.ok()).map(|e| e.path().join("bin").join(name)).find(|p| p.exists()));
        found.map(|p| p.display().to_string()).unwrap_or_else(|| name.to_string())
    };
    let url = app.config.database_url.clone();
    let dump = dir.join("gongyi.dump");
    let ok = |o: Output| assert!(o.status.success(), "{}", stderr(&o));
    ok(Command::new(bin("pg_dump")).args(["-Fc", "-f", &dump.display().to_string(), &url]).output().unwrap());
    let (base, name) = url.rsplit_once('/').unwrap();
    let restored = format!("{name}_restored");
    ok(Command::new(bin("createdb")).args([&format!("--maintenance-db={url}"), restored.as_str()]).output().unwrap());
    let restored_url = format!("{base}/{restored}");
    let out =
        Command::new(bin("pg_restore")).args(["--no-owner", "-d", &restored_url, &dump.display().to_string()]).output();
    let data = dir.join("data");
    copy_dir(std::path::Path::new(&app.config.data_dir), &data);
    let env = [("GONGYI_DATABASE_URL", restored_url.as_str()), ("GONGYI_DATA_DIR", data.to_str().unwrap())];
    let verify = gongyi(app, &["audit", "verify"], &env, None);
    let calls = count_in(&restored_url, &format!("calls WHERE id = {call}"));
    let audit = count_in(&restored_url, "audit_log");
    let _ = Command::new(bin("dropdb"))
        .args(["--force", &format!("--maintenance-db={base}/postgres"), restored.as_str()])
        .output();
    ok(out.unwrap());
    assert!(verify.status.success(), "{}{}", String::from_utf8_lossy(&verify.stdout), stderr(&verify));
    assert_eq!(calls, 1);
    assert_eq!(audit, app.count("audit_log").await);
}

/// The registry's file: every row checked first, refused rows named, `--dry-run` writes nothing,
/// the accepted rows go in verified with one audit record; a second run refuses them all;
/// an .xlsx with date and number cells reads the same; an imported organisation gets an account.
async fn import_organisations_from_the_registry(app: TestApp) {
    let staff = app.as_role("staff1", "staff").await;
    crate::flow::org(&app, &staff, "known", "52340207MJ0007001").await;
    let before = app.count("organisations").await;
    let (a, b) = (uscc("52340207MJ0007002"), uscc("52340207MJ0007003"));
    let known = uscc("52340207MJ0007001");
    let mut bad_digit = uscc("52340207MJ0007004");
    bad_digit.replace_range(17.., if bad_digit.ends_with('0') { "1" } else { "0" });
    let csv = format!(
        "序号,名称,统一社会信用代码,类型,登记日期,住所区划,联系人,联系电话\n\
         1,鸠江区阳光助老服务中心,{a},民办非企业单位,2019-03-05,340207101001,王芳,0553-1234567\n\
         2,鸠江区慈善协会,{b},社会团体,2015/6/1,340207000000,李强,13800000000\n\
         3,错码组织,{bad_digit},社会团体,2015-06-01,340207101001,张三,13800000001\n\
         4,重复组织,{a},社会团体,2015-06-01,340207101001,张三,13800000001\n\
         5,外区组织,{},基金会,2015-06-01,340208000000,张三,13800000001\n\
         6,已注册组织,{known},社会团体,2015-06-01,340207101001,张三,13800000001\n\
         ,,,,,,,\n\
         7,\"名称,带逗号\",{},公司,2099-01-01,34,,abc\n",
        uscc("52340207MJ0007005"),
        uscc("52340207MJ0007006"),
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("名录.csv");
    std::fs::write(&file, csv).unwrap();
    let f = file.display().to_string();
    let audit_before = app.count("audit_log").await;
    let dry = gongyi(&app, &["import", "organisations", &f, "--dry-run"], &[], None);
    let text = String::from_utf8_lossy(&dry.stdout).to_string();
    assert_eq!(dry.status.code(), Some(2), "{text}{}", stderr(&dry));
    for needle in [
        "第 4 行",
        "第 5 行",
        "第 6 行",
        "第 7 行",
        "第 9 行",
        "与第 2 行重复",
        "不在本区",
        "平台中已有",
        "类型",
        "联系电话",
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
    assert!(!text.contains("第 2 行未导入") && !text.contains("第 8 行"), "{text}");
    assert!(text.contains("共 7 行") && text.contains("可导入 2 个"), "{text}");
    assert_eq!(app.count("organisations").await, before, "a dry run writes nothing");
    assert_eq!(app.count("audit_log").await, audit_before);
    let real = gongyi(&app, &["import", "organisations", &f], &[], None);
    assert_eq!(real.status.code(), Some(2), "{}", stderr(&real));
    assert_eq!(app.count("organisations").await, before + 2);
    assert_eq!(app.count(&format!("organisations WHERE uscc IN ('{a}', '{b}') AND status = 'verified'")).await, 2);
    assert_eq!(app.count("audit_log WHERE action = 'organisation.import'").await, 1);
    // Again: both already there, nothing written.
    let again = gongyi(&app, &["import", "organisations", &f], &[], None);
    assert!(String::from_utf8_lossy(&again.stdout).contains("可导入 0 个"));
    assert_eq!(app.count("organisations").await, before + 2);
    // Staff see them as verified organisations.
    let list = staff.get("/api/v1/organisations?status=verified").await;
    assert!(list.text.contains("鸠江区慈善协会"), "{}", list.text);
    // An .xlsx with a date cell and the region typed as a number.
    let c = uscc("52340207MJ0007007");
    let xlsx = dir.path().join("名录.xlsx");
    {
        let mut wb = rust_xlsxwriter::Workbook::new();
        let ws = wb.add_worksheet();
        for (i, h) in
            ["名称", "统一社会信用代码", "类型", "登记日期", "住所区划", "联系人", "联系电话"].iter().enumerate()
        {
            ws.write_string(0, i as u16, *h).unwrap();
        }
        ws.write_string(1, 0, "鸠江区绿色家园环保中心").unwrap();
        ws.write_string(1, 1, &c).unwrap();
        ws.write_string(1, 2, "社会服务机构").unwrap();
        let fmt = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        let d = rust_xlsxwriter::ExcelDateTime::from_ymd(2020, 7, 15).unwrap();
        ws.write_datetime_with_format(1, 3, &d, &fmt).unwrap();
        ws.write_number(1, 4, 340207101001.0).unwrap();
        ws.write_string(1, 5, "赵敏").unwrap();
        ws.write_string(1, 6, "0553-7654321").unwrap();
        wb.save(&xlsx).unwrap();
    }
    let out = gongyi(&app, &["import", "organisations", &xlsx.display().to_string()], &[], None);
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert_eq!(
        app.count(&format!(
            "organisations WHERE uscc = '{c}' AND registered_on = '2020-07-15' AND region_code = '340207101001'"
        ))
        .await,
        1
    );
    // A header without the registry's columns is refused as a whole.
    let wrong = dir.path().join("wrong.csv");
    std::fs::write(&wrong, "name,code\nx,y\n").unwrap();
    let out = gongyi(&app, &["import", "organisations", &wrong.display().to_string()], &[], None);
    assert!(!out.status.success() && stderr(&out).contains("表头缺少列"), "{}", stderr(&out));
    // The imported organisation gets its first account from the command line.
    let out = gongyi(
        &app,
        &["user", "add", "--login", "cishan", "--role", "org", "--organisation", &b, "--email", "cs@example.org"],
        &[],
        Some("Ci-shan-xiehui-2027\n"),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let org = app.login_with("cishan", "Ci-shan-xiehui-2027").await;
    let me = org.get("/api/v1/me").await;
    assert_eq!(me.json["role"], "org", "{}", me.text);
    assert_eq!(app.count(&format!("organisations WHERE uscc = '{b}' AND email = 'cs@example.org'")).await, 1);
    // An org account needs its organisation; another role may not name one.
    let out = gongyi(&app, &["user", "add", "--login", "cishan2", "--role", "org"], &[], Some("Ci-shan-xiehui-2027\n"));
    assert!(!out.status.success() && stderr(&out).contains("统一社会信用代码"), "{}", stderr(&out));
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
    forms_work_behind_a_proxy_that_rewrites_host,
    import_organisations_from_the_registry
);

use gongyi::app;
use gongyi::clock::ShiftedClock;
use gongyi::config::Config;
use gongyi::service::{accounts, Ctx, Principal};
use gongyi::web::AppState;
use serde_json::{json, Value};
use std::net::TcpListener;
use std::sync::Arc;

pub const PASSWORD: &str = "test-password-1";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs the test body once per backend: SQLite always, PostgreSQL when GONGYI_TEST_PG_URL is
/// set (CI sets it, and sets GONGYI_TEST_REQUIRE_PG so a missing server fails instead of skipping)
/// or PostgreSQL is installed here (`pg_url` then starts a throwaway server).
#[macro_export]
macro_rules! on_both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[actix_web::test]
                async fn $name() {
                    super::$name($crate::helpers::spawn_app($crate::helpers::Backend::Sqlite).await).await
                }
            )*
        }
        mod postgres {
            $(
                #[actix_web::test]
                #[cfg_attr(not(gongyi_pg), ignore = "set GONGYI_TEST_PG_URL or install PostgreSQL to run the PostgreSQL variants")]
                async fn $name() {
                    if $crate::helpers::pg_url().is_some() {
                        super::$name($crate::helpers::spawn_app($crate::helpers::Backend::Postgres).await).await
                    }
                }
            )*
        }
    };
}

/// The PostgreSQL server the tests use: GONGYI_TEST_PG_URL, else a throwaway one started once
/// per test process when PostgreSQL's server binaries are installed, else none.
pub fn pg_url() -> Option<String> {
    static LOCAL: std::sync::OnceLock<Option<String>> = std::sync::OnceLock::new();
    let url = std::env::var("GONGYI_TEST_PG_URL").ok().filter(|s| !s.is_empty());
    if url.is_some() {
        return url;
    }
    if std::env::var("GONGYI_TEST_REQUIRE_PG").is_ok() {
        panic!("GONGYI_TEST_REQUIRE_PG is set but GONGYI_TEST_PG_URL is not");
    }
    LOCAL
        .get_or_init(|| {
            crate::pg_detect::available().then(|| {
                crate::local_pg::start()
                    .unwrap_or_else(|e| panic!("starting a throwaway PostgreSQL for the tests: {e}"))
            })
        })
        .clone()
}

/// A fresh PostgreSQL database for one test.
pub fn fresh_pg_database() -> String {
    use diesel::{Connection, RunQueryDsl};
    let admin = pg_url().expect("GONGYI_TEST_PG_URL");
    let name = format!("gongyi_t_{}", &accounts::new_token()[..16]);
    let mut c = diesel::PgConnection::establish(&admin).expect("connect to GONGYI_TEST_PG_URL");
    diesel::sql_query(format!("CREATE DATABASE {name}")).execute(&mut c).expect("create test database");
    let (base, query) = match admin.split_once('?') {
        Some((b, q)) => (b.to_string(), format!("?{q}")),
        None => (admin.clone(), String::new()),
    };
    let cut = base.rfind('/').filter(|&i| i > "postgres://".len()).unwrap_or(base.len());
    format!("{}/{name}{query}", &base[..cut])
}

pub struct TestApp {
    pub base: String,
    pub backend: Backend,
    pub clock: Arc<ShiftedClock>,
    pub state: AppState,
    pub config: Config,
    pub _dir: tempfile::TempDir,
}

/// A PostgreSQL test database goes when its app does (`WITH (FORCE)` ends the app's own
/// connections), so runs do not pile up databases on a developer's server.
impl Drop for TestApp {
    fn drop(&mut self) {
        use diesel::{Connection, RunQueryDsl};
        if self.backend != Backend::Postgres {
            return;
        }
        let (Some(admin), Some(name)) = (pg_url(), pg_database_name(&self.config.database_url)) else { return };
        if !name.starts_with("gongyi_t_") {
            return;
        }
        if let Ok(mut c) = diesel::PgConnection::establish(&admin) {
            let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut c);
        }
    }
}

fn pg_database_name(url: &str) -> Option<String> {
    let path = url.split('?').next()?;
    path.rsplit('/').next().filter(|n| !n.is_empty()).map(str::to_string)
}

pub fn test_config(backend: Backend, dir: &std::path::Path) -> Config {
    let mut config = Config::from_env();
    config.database_url = match backend {
        Backend::Sqlite => format!("sqlite://{}", dir.join("gongyi.db").display()),
        Backend::Postgres => fresh_pg_database(),
    };
    config.data_dir = dir.to_path_buf();
    config.bind = "127.0.0.1:0".into();
    config.smtp_url = None;
    config.training = false;
    config.now = None;
    config.audit_key = Some("test-audit-key".into());
    config.regions_file = None;
    config.mail_poll_ms = 100;
    config.mail_retry_secs = 1;
    config.http_workers = 2;
    // The ceiling tests fire hundreds of requests from this one address at once.
    config.max_connections_per_client = 0;
    config.registrations_per_ip = 100_000;
    config
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_with(backend, |_| {}).await
}

pub async fn spawn_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut config = test_config(backend, dir.path());
    tweak(&mut config);
    let clock = Arc::new(ShiftedClock::starting_at("2026-01-15T10:00:00+08:00".parse().unwrap()));
    let c2 = config.clone();
    let clock_dyn: Arc<dyn gongyi::clock::Clock> = clock.clone();
    let prepared =
        tokio::task::spawn_blocking(move || app::prepare(c2, Some(clock_dyn))).await.unwrap().expect("prepare app");
    let state = prepared.state.clone();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let running = app::start(prepared, listener).expect("start app");
    let base = format!("http://127.0.0.1:{}", running.port);
    tokio::spawn(running.server);
    TestApp { base, backend, clock, state, config, _dir: dir }
}

pub struct Res {
    pub status: u16,
    pub json: Value,
    pub text: String,
    pub headers: reqwest::header::HeaderMap,
}

impl Res {
    pub fn code(&self) -> &str {
        self.json["error"]["code"].as_str().unwrap_or("")
    }
}

#[derive(Clone)]
pub struct Client {
    pub base: String,
    pub http: reqwest::Client,
    /// Who this client logged in as, so a test that moves the clock can log in again.
    pub who: Option<(String, String)>,
}

pub async fn to_res(r: reqwest::Response) -> Res {
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let text = r.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    // Every refusal any test meets is in the catalogue, under the catalogue's status (a 422's
    // headline is a field's code, listed under `errors[]` instead).
    if let Some(code) = json["error"]["code"].as_str().filter(|_| status != 422) {
        let c = gongyi::error::Code::parse(code).unwrap_or_else(|| panic!("error code {code} is not catalogued"));
        assert_eq!(c.status().as_u16(), status, "{code} answered with another status than its catalogue's");
    }
    Res { status, json, text, headers }
}

impl Client {
    pub async fn get(&self, path: &str) -> Res {
        to_res(self.http.get(format!("{}{path}", self.base)).send().await.unwrap()).await
    }
    pub async fn post(&self, path: &str, body: Value) -> Res {
        to_res(self.http.post(format!("{}{path}", self.base)).json(&body).send().await.unwrap()).await
    }
    pub async fn put(&self, path: &str, body: Value) -> Res {
        to_res(self.http.put(format!("{}{path}", self.base)).json(&body).send().await.unwrap()).await
    }
    pub async fn patch(&self, path: &str, body: Value) -> Res {
        to_res(self.http.patch(format!("{}{path}", self.base)).json(&body).send().await.unwrap()).await
    }
    pub async fn delete(&self, path: &str) -> Res {
        to_res(self.http.delete(format!("{}{path}", self.base)).send().await.unwrap()).await
    }
    pub async fn post_raw(&self, path: &str, content_type: &str, body: Vec<u8>) -> Res {
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        to_res(r).await
    }
    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Res {
        to_res(self.http.post(format!("{}{path}", self.base)).form(form).send().await.unwrap()).await
    }
    /// The CSRF token of the page's first form.
    pub async fn csrf(&self, page: &str) -> String {
        let html = self.get(page).await.text;
        let at = html.find("name=\"csrf\" value=\"").expect("page has a csrf field");
        html[at + 19..at + 19 + 64].to_string()
    }
}

impl TestApp {
    pub fn client(&self) -> Client {
        Client {
            base: self.base.clone(),
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            who: None,
        }
    }

    /// Logs the clients in again (after the clock jumped past their sessions' lifetime).
    pub async fn relogin(&self, clients: &[&Client]) {
        for c in clients {
            let (login, password) = c.who.clone().expect("a logged-in client");
            let r = c.post("/api/v1/session", json!({"login": login, "password": password})).await;
            assert_eq!(r.status, 200, "relogin {login}: {}", r.text);
        }
    }

    pub fn system_ctx(&self) -> Ctx {
        self.state.ctx(Principal::System, None)
    }

    /// Creates a user directly through the service (as the command line does).
    pub async fn add_user(&self, login: &str, role: &str, region: Option<&str>) -> i64 {
        let st = self.state.clone();
        let ctx = self.system_ctx();
        let input = accounts::NewUserInput {
            login: login.into(),
            password: PASSWORD.into(),
            display_name: format!("{login} 测试"),
            email: Some(format!("{login}@example.cn")),
            role: role.into(),
            region_code: region.map(str::to_string),
            affiliations: vec![],
            organisation: None,
        };
        st.clone().db(move |c| accounts::create_user(c, &ctx, &st.hasher, &input)).await.unwrap().id
    }

    pub async fn login(&self, login: &str) -> Client {
        self.login_with(login, PASSWORD).await
    }

    pub async fn login_with(&self, login: &str, password: &str) -> Client {
        let mut c = self.client();
        c.who = Some((login.to_string(), password.to_string()));
        let r = c.post("/api/v1/session", json!({"login": login, "password": password})).await;
        assert_eq!(r.status, 200, "login {login}: {}", r.text);
        c
    }

    pub async fn as_role(&self, login: &str, role: &str) -> Client {
        self.add_user(login, role, None).await;
        self.login(login).await
    }

    /// Registers an organisation over the public API; returns its id.
    pub async fn register_org(&self, login: &str, uscc_body: &str, region: &str) -> i64 {
        let r = self.client().post("/api/v1/organisations", org_body(login, uscc_body, region)).await;
        assert_eq!(r.status, 201, "{}", r.text);
        r.json["id"].as_i64().unwrap()
    }

    pub async fn count(&self, sql_table: &str) -> i64 {
        let (url, q) = (self.config.database_url.clone(), sql_table.to_string());
        tokio::task::spawn_blocking(move || count_in(&url, &q)).await.unwrap()
    }

    /// Runs SQL as the database's owner (the person at a psql prompt), not as the server's role.
    pub async fn exec(&self, sql: &str) {
        use diesel::connection::SimpleConnection;
        let sql = sql.to_string();
        self.as_owner(move |c| c.batch_execute(&sql)).await
    }

    pub async fn as_owner<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut gongyi::db::DbConn) -> diesel::QueryResult<T> + Send + 'static,
    ) -> T {
        let url = gongyi::db::DbUrl::parse(&self.config.database_url).unwrap();
        tokio::task::spawn_blocking(move || {
            let mut c = gongyi::db::connect(&url).expect("owner connection");
            f(&mut c).expect("owner SQL")
        })
        .await
        .unwrap()
    }
}

/// `SELECT COUNT(*) FROM …` as the database's owner, for a database no `TestApp` holds.
pub fn count_in(database_url: &str, sql_table: &str) -> i64 {
    use diesel::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut c = gongyi::db::connect(&gongyi::db::DbUrl::parse(database_url).unwrap()).expect("owner connection");
    diesel::sql_query(format!("SELECT CAST(COUNT(*) AS BIGINT) AS n FROM {sql_table}"))
        .get_result::<N>(&mut c)
        .expect("count")
        .n
}

/// How many concurrent requests the ceiling tests fire: small by default so `cargo test` stays
/// quick; `GONGYI_CEILING_N=1000` for the full-size run (bench/README.md).
pub fn ceiling_n(default: usize) -> usize {
    std::env::var("GONGYI_CEILING_N").ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

pub fn uscc(body: &str) -> String {
    gongyi::domain::uscc::with_check_digit(body).unwrap().to_string()
}

pub fn org_body(login: &str, uscc_body: &str, region: &str) -> Value {
    json!({
        "uscc": uscc(uscc_body),
        "name": format!("鸠江区{login}社会工作服务中心"),
        "org_type": "social_service",
        "registered_on": "2020-05-01",
        "region_code": region,
        "contact_name": "张三",
        "contact_phone": "13800138000",
        "email": format!("{login}@example.cn"),
        "login": login,
        "password": PASSWORD,
    })
}

/// Polls until `f` holds or ten seconds pass.
pub async fn eventually<F, Fut>(what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..100 {
        if f().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for: {what}");
}

/// The text of a PDF as `pdftotext` reads it, whitespace removed (it drops the spaces between CJK
/// glyphs anyway). `None` only off CI, where poppler-utils may be missing.
pub fn pdf_text(bytes: &[u8]) -> Option<String> {
    let run = || -> Option<String> {
        let dir = tempfile::tempdir().ok()?;
        let p = dir.path().join("d.pdf");
        std::fs::write(&p, bytes).ok()?;
        let out = std::process::Command::new("pdftotext").arg("-layout").arg(&p).arg("-").output().ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let text = run();
    assert!(text.is_some() || std::env::var("CI").is_err(), "CI installs pdftotext");
    text.map(|t| t.chars().filter(|c| !c.is_whitespace()).collect())
}

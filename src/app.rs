//! Start-up: open and migrate the database, settle training mode and the clock, load the audit
//! key and regions, then serve HTTP and run the mail worker.

use crate::clock::{Clock, ShiftedClock, SystemClock};
use crate::config::Config;
use crate::db::{self, DbConn, DbUrl};
use crate::mail;
use crate::service::password::Hasher;
use crate::web::{self, AppState};
use actix_web::{middleware, web as aw, App, HttpServer};
use rand::RngCore;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

pub struct Prepared {
    pub state: AppState,
}

/// The audit key already set up: GONGYI_AUDIT_KEY (a file path or the value itself) or
/// `DATA_DIR/audit.key`; `None` when there is neither.
pub fn existing_audit_key(config: &Config) -> Result<Option<Vec<u8>>, String> {
    if let Some(v) = &config.audit_key {
        let p = std::path::Path::new(v);
        if p.is_file() {
            let s = std::fs::read_to_string(p).map_err(|e| format!("无法读取审计密钥文件: {e}"))?;
            return Ok(Some(s.trim().as_bytes().to_vec()));
        }
        return Ok(Some(v.as_bytes().to_vec()));
    }
    Ok(std::fs::read_to_string(config.data_dir.join("audit.key")).ok().map(|s| s.trim().as_bytes().to_vec()))
}

/// Reads the audit key (see `existing_audit_key`), generating `DATA_DIR/audit.key` on the first
/// start. Kept outside the database so a database edit cannot re-sign history.
pub fn audit_key(config: &Config) -> Result<Vec<u8>, String> {
    if let Some(k) = existing_audit_key(config)? {
        return Ok(k);
    }
    let path = config.data_dir.join("audit.key");
    std::fs::create_dir_all(&config.data_dir).map_err(|e| format!("无法创建数据目录: {e}"))?;
    let mut b = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut b);
    let key = hex::encode(b);
    write_private(&path, &key).map_err(|e| format!("无法写入审计密钥 {}: {e}", path.display()))?;
    tracing::info!("generated audit key at {}", path.display());
    Ok(key.into_bytes())
}

fn write_private(path: &std::path::Path, content: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)?.write_all(content.as_bytes())
}

/// Decides whether this is a training database; a fresh database takes the flag, an existing
/// one keeps what it was created as.
fn settle_training(conn: &mut DbConn, config: &Config) -> Result<bool, String> {
    let stored = db::meta::get(conn, "training").map_err(|e| e.to_string())?;
    let training = match stored.as_deref() {
        None => {
            let v = if config.training { "1" } else { "0" };
            db::meta::set(conn, "training", v).map_err(|e| e.to_string())?;
            config.training
        }
        Some("1") => true,
        Some(_) => {
            if config.training {
                return Err("这是生产数据库，不能以培训模式（GONGYI_TRAINING）启动".into());
            }
            false
        }
    };
    if config.now.is_some() && !training {
        return Err("GONGYI_NOW 只能用于培训数据库（以 GONGYI_TRAINING=1 新建的数据库）".into());
    }
    Ok(training)
}

pub const WRONG_KEY: &str = "审计密钥与数据库中的审计记录不符：这些记录不是用当前密钥签名的，用它继续写入会让 gongyi audit verify 报告篡改。\n  请用原来的密钥启动：设置 GONGYI_AUDIT_KEY（密钥或密钥文件路径），或把原来的 audit.key 放回数据目录（GONGYI_DATA_DIR）。\n  若怀疑审计记录被改动，请用原来的密钥运行 gongyi audit verify 查明。";

/// The database and the audit key for `gongyi audit verify`, which changes nothing: no migration
/// runs (a database behind this version is refused), no key is generated.
pub fn open_for_audit(config: &Config) -> Result<(DbConn, Vec<u8>), String> {
    let url = DbUrl::parse(&config.database_url)?;
    if let DbUrl::Sqlite(path) = &url {
        let file = path.strip_prefix("file:").unwrap_or(path);
        if file != ":memory:" && !std::path::Path::new(file).exists() {
            return Err(format!("数据库文件 {file} 不存在（GONGYI_DATABASE_URL）"));
        }
    }
    let mut conn = db::connect(&url)?;
    match db::pending(&mut conn) {
        0 => {}
        n => {
            return Err(format!("数据库结构比本程序旧（{n} 个迁移未运行）：请先备份，再运行 gongyi migrate，然后核验"))
        }
    }
    let key = existing_audit_key(config)?
        .ok_or("找不到审计密钥：请设置 GONGYI_AUDIT_KEY，或把 audit.key 放在数据目录（GONGYI_DATA_DIR）中")?;
    Ok((conn, key))
}

/// Opens, migrates and seeds the database; builds the shared state.
pub fn prepare(config: Config, clock: Option<Arc<dyn Clock>>) -> Result<Prepared, String> {
    let url = DbUrl::parse(&config.database_url)?;
    std::fs::create_dir_all(&config.data_dir)
        .map_err(|e| format!("无法创建数据目录 {}: {e}", config.data_dir.display()))?;
    // Migrations and seeding run as the URL's user; the server's pool then works as the
    // application role, which cannot rewrite the audit log.
    let mut conn = db::connect(&url)?;
    let n = db::migrate(&mut conn)?;
    if n > 0 {
        tracing::info!("applied {n} migration(s)");
    }
    let training = settle_training(&mut conn, &config)?;
    let clock: Arc<dyn Clock> = match (clock, &config.now) {
        (Some(c), _) => c,
        (None, Some(now)) => {
            let t = chrono::DateTime::parse_from_rfc3339(now)
                .map_err(|e| format!("GONGYI_NOW 不是 RFC 3339 时间: {e}"))?
                .with_timezone(&chrono::Utc);
            tracing::warn!("TRAINING CLOCK: time starts at {t} (GONGYI_NOW), not the real time");
            Arc::new(ShiftedClock::starting_at(t))
        }
        (None, None) => Arc::new(SystemClock),
    };
    let replacement = match &config.regions_file {
        Some(p) => Some(std::fs::read_to_string(p).map_err(|e| format!("无法读取区划文件 {}: {e}", p.display()))?),
        None => None,
    };
    crate::service::regions::seed(&mut conn, replacement.as_deref()).map_err(|e| e.describe())?;
    let role = match url {
        DbUrl::Postgres(_) if db::app_role_usable(&mut conn) => Some(db::APP_ROLE),
        DbUrl::Postgres(_) => {
            tracing::warn!(
                "PostgreSQL role {} is missing or not granted to this user: the server runs as the owner and could rewrite the audit log; ask the DBA to run migration 000013 as a user with CREATEROLE",
                db::APP_ROLE
            );
            None
        }
        DbUrl::Sqlite(_) => None,
    };
    let key = audit_key(&config)?;
    if !crate::service::audit::key_fits(&mut conn, &key).map_err(|e| e.describe())? {
        return Err(WRONG_KEY.into());
    }
    drop(conn);
    let pool = db::pool(&url, config.db_pool.unwrap_or(if url.is_sqlite() { 8 } else { 16 }), role)?;
    let proxies = crate::web::client_ip::parse_proxies(&config.trusted_proxies)?;
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let state = AppState {
        pool,
        config: Arc::new(config),
        clock,
        audit_key: key.into(),
        hasher: Arc::new(Hasher::new(cores)),
        mail_wake: Arc::new(Notify::new()),
        training,
        proxies: proxies.into(),
        public: Default::default(),
    };
    Ok(Prepared { state })
}

pub struct Running {
    pub port: u16,
    pub server: actix_web::dev::Server,
}

/// Binds, starts the mail worker and housekeeping, and returns the server future to await.
pub fn start(p: Prepared, listener: TcpListener) -> Result<Running, String> {
    let state = p.state;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    let from = state.config.mail_from.parse().map_err(|e| format!("GONGYI_MAIL_FROM 无效: {e}"))?;
    let transport = mail::Transport::from_config(state.config.smtp_url.as_deref(), &state.config.data_dir)?;
    let worker = mail::Worker {
        pool: state.pool.clone(),
        clock: state.clock.clone(),
        transport,
        from,
        wake: state.mail_wake.clone(),
        retry_secs: state.config.mail_retry_secs,
        max_attempts: state.config.mail_max_attempts,
        lease: chrono::Duration::seconds(state.config.mail_lease_secs),
        poll: Duration::from_millis(state.config.mail_poll_ms),
    };
    tokio::spawn(worker.run());
    let hk = state.clone();
    tokio::spawn(async move {
        loop {
            let now = hk.clock.now();
            if let Err(e) = hk.db(move |c| crate::service::accounts::purge(c, now)).await {
                tracing::warn!("housekeeping failed: {e}");
            }
            let ctx = hk.ctx(crate::service::Principal::System, None);
            if let Err(e) = hk.db(move |c| crate::service::review::remind(c, &ctx)).await {
                tracing::warn!("review reminders failed: {e}");
            }
            // Milestones: reminders, overdue notices and lapsed evaluations, checked at start-up
            // and then on every round.
            let ctx = hk.ctx(crate::service::Principal::System, None);
            let grace = hk.config.evaluation_grace_days;
            let r = hk
                .db(move |c| {
                    use crate::service::projects;
                    Ok((
                        projects::remind_due(c, &ctx)?,
                        projects::notify_overdue(c, &ctx)?,
                        projects::lapse_evaluations(c, &ctx, grace)?,
                        crate::service::demands::remind_escalated(c, &ctx)?,
                    ))
                })
                .await;
            match r {
                Ok((a, b, c, d)) if a + b + c + d > 0 => {
                    tracing::info!(
                        "milestones: {a} reminded, {b} newly overdue, {c} evaluations lapsed; {d} demands reminded"
                    );
                    hk.mail_wake.notify_one();
                }
                Ok(_) => {}
                Err(e) => tracing::warn!("milestone jobs failed: {e}"),
            }
            tokio::time::sleep(Duration::from_secs(600)).await;
        }
    });
    // The audit chain's head, written outside the database every minute it moved.
    let anchor = state.clone();
    tokio::spawn(async move {
        loop {
            let (dir, now) = (anchor.config.data_dir.clone(), anchor.clock.now());
            if let Err(e) = anchor.db(move |c| crate::service::audit::checkpoint(c, &dir, now)).await {
                tracing::warn!("audit checkpoint failed: {e}");
            }
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
    });
    let workers = match state.config.http_workers {
        0 => std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2),
        n => n,
    };
    let cap = state.config.max_connections_per_client;
    let trusted = state.proxies.clone();
    let data = aw::Data::new(state);
    let connections = Arc::new(crate::web::limits::Connections::default());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .wrap(middleware::from_fn(web::guard))
            .wrap(middleware::Compress::default())
            // Request line, status, size, time: no headers, so no cookies or tokens in the log.
            .wrap(middleware::Logger::new("%a \"%r\" %s %b %Dms"))
            .configure(web::routes)
    })
    .on_connect(move |conn, ext| {
        let Some(tcp) = conn.downcast_ref::<actix_web::rt::net::TcpStream>() else { return };
        let Ok(peer) = tcp.peer_addr() else { return };
        let slot = connections.open(peer.ip());
        if crate::web::limits::over_cap(&slot, cap, &trusted) {
            // Closed before a byte is read: the socket ends as soon as the server polls it.
            let _ = socket2::SockRef::from(tcp).shutdown(std::net::Shutdown::Both);
        }
        ext.insert(std::rc::Rc::new(slot));
    })
    .client_request_timeout(Duration::from_secs(10))
    .client_disconnect_timeout(Duration::from_secs(2))
    .keep_alive(Duration::from_secs(30))
    .shutdown_timeout(5)
    .workers(workers)
    .listen(listener)
    .map_err(|e| format!("无法监听: {e}"))?
    .run();
    Ok(Running { port, server })
}

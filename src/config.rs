//! Settings from the environment (`GONGYI_*`), with defaults that run out of the box.

use std::path::PathBuf;

#[derive(Clone, Debug)]
pub struct Config {
    pub database_url: String,
    pub bind: String,
    pub data_dir: PathBuf,
    pub smtp_url: Option<String>,
    pub mail_from: String,
    pub training: bool,
    pub now: Option<String>,
    /// The audit key's value or a path to a file holding it; `None` → generated into `data_dir`.
    pub audit_key: Option<String>,
    /// Mark cookies `Secure` (behind HTTPS).
    pub secure_cookies: bool,
    /// Replace the shipped regions list with this CSV file at start-up.
    pub regions_file: Option<PathBuf>,
    /// First retry delay of a failed mail, doubled on each attempt.
    pub mail_retry_secs: i64,
    pub mail_max_attempts: i32,
    /// How long a worker holds the mails it claimed before another may retake them (a worker
    /// killed mid-send leaves its lease behind; GONGYI_MAIL_LEASE_SECS, default 300).
    pub mail_lease_secs: i64,
    /// Worker poll interval.
    pub mail_poll_ms: u64,
    /// Largest attachment accepted, in bytes (GONGYI_UPLOAD_LIMIT_MB, default 20).
    pub upload_limit: usize,
    /// The issuing authority printed on documents (GONGYI_AUTHORITY).
    pub authority: String,
    /// Contact line printed on the tender announcement (GONGYI_CONTACT).
    pub contact: String,
    /// HTTP worker threads; 0 = one per core.
    pub http_workers: usize,
    /// Working days after its due date before an unreported evaluation counts as failed
    /// (GONGYI_EVALUATION_GRACE_DAYS, default 10).
    pub evaluation_grace_days: u32,
    /// Reverse proxies whose `X-Forwarded-For` names the client (GONGYI_TRUSTED_PROXIES, IP
    /// addresses separated by commas; empty → the socket's peer is the client).
    pub trusted_proxies: String,
    /// Connections one address may hold at once (`GONGYI_MAX_CONNECTIONS_PER_CLIENT`, 0 = no
    /// cap); connections past it are closed as they open. Trusted proxies are not capped.
    pub max_connections_per_client: usize,
    /// A request body must keep arriving: at most this many seconds between two chunks
    /// (`GONGYI_BODY_IDLE_SECS`) and this many in all (`GONGYI_BODY_TIMEOUT_SECS`).
    pub body_idle_secs: u64,
    /// Public registrations one address may attempt per quarter hour
    /// (`GONGYI_REGISTRATIONS_PER_IP`; raise it for a registration day behind one NAT).
    pub registrations_per_ip: i64,
    pub body_timeout_secs: u64,
    /// The origin users reach the server at (GONGYI_PUBLIC_URL, e.g. `https://gongyi.example.gov.cn`):
    /// mailed links point there, never at the request's `Host`. Defaults to `http://` + the bind address.
    pub public_url: String,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Config {
    pub fn from_env() -> Config {
        let bind = var("GONGYI_BIND").unwrap_or_else(|| "127.0.0.1:8080".into());
        Config {
            public_url: var("GONGYI_PUBLIC_URL")
                .map(|u| u.trim_end_matches('/').to_string())
                .unwrap_or_else(|| format!("http://{bind}")),
            database_url: var("GONGYI_DATABASE_URL").unwrap_or_else(|| "sqlite://data/gongyi.db".into()),
            bind,
            data_dir: PathBuf::from(var("GONGYI_DATA_DIR").unwrap_or_else(|| "data".into())),
            smtp_url: var("GONGYI_SMTP_URL"),
            mail_from: var("GONGYI_MAIL_FROM").unwrap_or_else(|| "gongyi@localhost".into()),
            training: var("GONGYI_TRAINING").is_some_and(|v| v == "1" || v == "true"),
            now: var("GONGYI_NOW"),
            audit_key: var("GONGYI_AUDIT_KEY"),
            secure_cookies: var("GONGYI_SECURE_COOKIES").is_some_and(|v| v == "1" || v == "true"),
            regions_file: var("GONGYI_REGIONS_FILE").map(PathBuf::from),
            mail_retry_secs: var("GONGYI_MAIL_RETRY_SECS").and_then(|v| v.parse().ok()).unwrap_or(30),
            mail_max_attempts: var("GONGYI_MAIL_MAX_ATTEMPTS").and_then(|v| v.parse().ok()).unwrap_or(8),
            mail_lease_secs: var("GONGYI_MAIL_LEASE_SECS")
                .and_then(|v| v.parse().ok())
                .filter(|s| *s > 0)
                .unwrap_or(300),
            mail_poll_ms: 1000,
            http_workers: 0,
            evaluation_grace_days: var("GONGYI_EVALUATION_GRACE_DAYS").and_then(|v| v.parse().ok()).unwrap_or(10),
            authority: var("GONGYI_AUTHORITY").unwrap_or_else(|| "芜湖市鸠江区民政局".into()),
            contact: var("GONGYI_CONTACT").unwrap_or_default(),
            trusted_proxies: var("GONGYI_TRUSTED_PROXIES").unwrap_or_default(),
            max_connections_per_client: var("GONGYI_MAX_CONNECTIONS_PER_CLIENT")
                .and_then(|v| v.parse().ok())
                // A district office behind one NAT address: dozens of browsers, six connections each.
                .unwrap_or(1024),
            registrations_per_ip: var("GONGYI_REGISTRATIONS_PER_IP")
                .and_then(|v| v.parse().ok())
                .filter(|n| *n > 0)
                .unwrap_or(10),
            body_idle_secs: var("GONGYI_BODY_IDLE_SECS").and_then(|v| v.parse().ok()).filter(|s| *s > 0).unwrap_or(20),
            body_timeout_secs: var("GONGYI_BODY_TIMEOUT_SECS")
                .and_then(|v| v.parse().ok())
                .filter(|s| *s > 0)
                .unwrap_or(300),
            upload_limit: var("GONGYI_UPLOAD_LIMIT_MB").and_then(|v| v.parse::<usize>().ok()).unwrap_or(20)
                * 1024
                * 1024,
        }
    }
}

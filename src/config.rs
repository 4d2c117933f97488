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
    /// Database connections this instance opens at most (GONGYI_DB_POOL; default 8 on SQLite,
    /// 16 on PostgreSQL).
    pub db_pool: Option<u32>,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// A yes/no setting: 1/true/yes/on or 0/false/no/off; anything else stops the start.
fn flag(name: &str, problems: &mut Vec<String>) -> bool {
    match var(name).map(|v| v.trim().to_ascii_lowercase()) {
        None => false,
        Some(v) if matches!(v.as_str(), "1" | "true" | "yes" | "on") => true,
        Some(v) if matches!(v.as_str(), "0" | "false" | "no" | "off") => false,
        Some(v) => {
            problems.push(format!("{name}={v} 无效：应为 true 或 false"));
            false
        }
    }
}

/// A whole-number setting within `range`; missing: `default`; anything else stops the start.
fn number<T>(name: &str, default: T, range: std::ops::RangeInclusive<T>, problems: &mut Vec<String>) -> T
where
    T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy,
{
    match var(name) {
        None => default,
        Some(v) => match v.trim().parse::<T>() {
            Ok(n) if range.contains(&n) => n,
            _ => {
                problems.push(format!("{name}={v} 无效：应为 {}–{} 之间的整数", range.start(), range.end()));
                default
            }
        },
    }
}

/// The levels GONGYI_LOG may name, alone or per target (`info,gongyi=debug`).
const LOG_LEVELS: [&str; 6] = ["off", "error", "warn", "info", "debug", "trace"];

/// GONGYI_LOG: levels, or `target=level` pairs, separated by commas. A bare word that is no level
/// would silently switch one unknown target on, so it is refused.
pub fn check_log_filter(v: &str) -> Result<(), String> {
    for part in v.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let level = part.rsplit_once('=').map_or(part, |(_, l)| l);
        if !LOG_LEVELS.contains(&level.to_ascii_lowercase().as_str()) {
            return Err(format!("GONGYI_LOG={v} 无效：应为 {} 之一，或 目标=级别，以逗号分隔", LOG_LEVELS.join("、")));
        }
    }
    Ok(())
}

impl Config {
    /// The settings, or a panic naming the bad ones (tests and benches; `gongyi` uses `load`).
    pub fn from_env() -> Config {
        Config::load().unwrap_or_else(|e| panic!("{e}"))
    }

    /// Every `GONGYI_*` setting read and checked: an invalid value is named, never ignored.
    pub fn load() -> Result<Config, String> {
        let mut problems = Vec::new();
        if let Some(v) = var("GONGYI_LOG") {
            if let Err(e) = check_log_filter(&v) {
                problems.push(e);
            }
        }
        if let Some(u) = var("GONGYI_PUBLIC_URL") {
            let rest = u.strip_prefix("https://").or_else(|| u.strip_prefix("http://"));
            if rest.is_none_or(|h| h.trim_end_matches('/').is_empty() || h.trim_end_matches('/').contains('/')) {
                problems.push(format!("GONGYI_PUBLIC_URL={u} 无效：应为 https://主机名[:端口]，不带路径"));
            }
        }
        let bind = var("GONGYI_BIND").unwrap_or_else(|| "127.0.0.1:8080".into());
        let config = Config {
            public_url: var("GONGYI_PUBLIC_URL")
                .map(|u| u.trim_end_matches('/').to_string())
                .unwrap_or_else(|| format!("http://{bind}")),
            database_url: var("GONGYI_DATABASE_URL").unwrap_or_else(|| "sqlite://data/gongyi.db".into()),
            bind,
            data_dir: PathBuf::from(var("GONGYI_DATA_DIR").unwrap_or_else(|| "data".into())),
            smtp_url: var("GONGYI_SMTP_URL"),
            mail_from: var("GONGYI_MAIL_FROM").unwrap_or_else(|| "gongyi@localhost".into()),
            training: flag("GONGYI_TRAINING", &mut problems),
            now: var("GONGYI_NOW"),
            audit_key: var("GONGYI_AUDIT_KEY"),
            secure_cookies: flag("GONGYI_SECURE_COOKIES", &mut problems),
            regions_file: var("GONGYI_REGIONS_FILE").map(PathBuf::from),
            mail_retry_secs: number("GONGYI_MAIL_RETRY_SECS", 30, 1..=86_400, &mut problems),
            mail_max_attempts: number("GONGYI_MAIL_MAX_ATTEMPTS", 8, 1..=100, &mut problems),
            mail_lease_secs: number("GONGYI_MAIL_LEASE_SECS", 300, 1..=86_400, &mut problems),
            mail_poll_ms: 1000,
            http_workers: 0,
            evaluation_grace_days: number("GONGYI_EVALUATION_GRACE_DAYS", 10, 0..=60, &mut problems),
            authority: var("GONGYI_AUTHORITY").unwrap_or_else(|| "芜湖市鸠江区民政局".into()),
            contact: var("GONGYI_CONTACT").unwrap_or_default(),
            trusted_proxies: var("GONGYI_TRUSTED_PROXIES").unwrap_or_default(),
            // A district office behind one NAT address: dozens of browsers, six connections each.
            max_connections_per_client: number("GONGYI_MAX_CONNECTIONS_PER_CLIENT", 1024, 0..=1_000_000, &mut problems),
            registrations_per_ip: number("GONGYI_REGISTRATIONS_PER_IP", 10, 1..=100_000, &mut problems),
            body_idle_secs: number("GONGYI_BODY_IDLE_SECS", 20, 1..=3600, &mut problems),
            body_timeout_secs: number("GONGYI_BODY_TIMEOUT_SECS", 300, 1..=86_400, &mut problems),
            upload_limit: number("GONGYI_UPLOAD_LIMIT_MB", 20usize, 1..=1024, &mut problems) * 1024 * 1024,
            db_pool: var("GONGYI_DB_POOL").map(|_| number("GONGYI_DB_POOL", 16u32, 1..=500, &mut problems)),
        };
        if problems.is_empty() {
            Ok(config)
        } else {
            Err(format!("设置有误，未启动：\n  {}", problems.join("\n  ")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_filters_name_levels() {
        for ok in ["info", "warn,actix_server=error", "gongyi=debug, info", "OFF"] {
            assert!(check_log_filter(ok).is_ok(), "{ok}");
        }
        for bad in ["verbose", "info,gongyi=loud", "gongyi"] {
            assert!(check_log_filter(bad).is_err(), "{bad}");
        }
    }
}

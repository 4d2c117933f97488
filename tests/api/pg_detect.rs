//! Whether a throwaway PostgreSQL can be started here: shared by build.rs (which then marks the
//! PostgreSQL variants of the tests to run) and the tests (`local_pg` starts it), so both decide
//! alike. No dependencies: build.rs includes this file as it is.

use std::path::PathBuf;

/// The directory holding `initdb` and `postgres`: Debian's newest /usr/lib/postgresql/N/bin,
/// else the one on PATH.
pub fn bin_dir() -> Option<PathBuf> {
    let mut debian: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|b| b.join("initdb").is_file() && b.join("postgres").is_file())
        .collect();
    debian.sort_by_key(|p| {
        p.parent().and_then(|v| v.file_name()).and_then(|v| v.to_str()).and_then(|v| v.parse::<u32>().ok())
    });
    if let Some(b) = debian.pop() {
        return Some(b);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths).find(|d| d.join("initdb").is_file() && d.join("postgres").is_file())
    })
}

/// PostgreSQL refuses to run as root; as root the server runs as the `postgres` user.
pub fn running_as_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("Uid:")).map(|l| l.split_whitespace().nth(1) == Some("0")))
        .unwrap_or(false)
}

fn postgres_user_exists() -> bool {
    std::fs::read_to_string("/etc/passwd").is_ok_and(|p| p.lines().any(|l| l.starts_with("postgres:")))
}

pub fn available() -> bool {
    bin_dir().is_some() && (!running_as_root() || postgres_user_exists())
}

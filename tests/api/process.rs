//! The real `gongyi` binary as a child process, for tests about what happens across restarts,
//! kills and log output (the in-process apps of `helpers` cannot be killed mid-write).

use std::path::{Path, PathBuf};
use std::process::{Child, Command};

pub fn gongyi(env: &[(&str, String)]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_gongyi"));
    for k in ["GONGYI_TRAINING", "GONGYI_NOW", "GONGYI_SMTP_URL", "GONGYI_LOG"] {
        c.env_remove(k);
    }
    for (k, v) in env {
        c.env(k, v);
    }
    c
}

/// Runs a CLI command to completion; panics with its output if it fails.
pub fn run(env: &[(&str, String)], args: &[&str]) -> String {
    let out = gongyi(env).args(args).output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "gongyi {args:?}: {text}");
    text
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub struct Served {
    child: Child,
    pub base: String,
    pub log: PathBuf,
}

impl Served {
    /// `gongyi serve` with this environment, its output appended to `log`; returns once
    /// `/healthz` answers.
    pub async fn start(env: &[(&str, String)], log: &Path) -> Served {
        let port = free_port();
        let out = std::fs::OpenOptions::new().create(true).append(true).open(log).unwrap();
        let child = gongyi(env)
            .arg("serve")
            .env("GONGYI_BIND", format!("127.0.0.1:{port}"))
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .spawn()
            .unwrap();
        let s = Served { child, base: format!("http://127.0.0.1:{port}"), log: log.to_path_buf() };
        let http = reqwest::Client::new();
        for _ in 0..300 {
            if http.get(format!("{}/healthz", s.base)).send().await.is_ok_and(|r| r.status() == 200) {
                return s;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("gongyi serve did not start:\n{}", std::fs::read_to_string(log).unwrap_or_default());
    }

    /// SIGKILL: no shutdown code runs, as in a power cut or an OOM kill.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.kill9();
    }
}

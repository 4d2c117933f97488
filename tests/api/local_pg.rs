//! A throwaway PostgreSQL for the tests when GONGYI_TEST_PG_URL is not set but PostgreSQL's server
//! binaries are installed (`pg_detect::available`).

use crate::pg_detect::{bin_dir, running_as_root};

/// Starts a server on a free port in a fresh directory and returns its admin URL. The server
/// lives as long as this process: a shell holds it and stops it (and removes the directory) when
/// our end of its stdin closes, which the kernel does when the test process ends however it ends.
pub fn start() -> Result<String, String> {
    use std::process::{Command, Stdio};
    let bin = bin_dir().ok_or("no PostgreSQL server binaries")?;
    let root = running_as_root();
    let dir = std::env::temp_dir().join(format!("gongyi-test-pg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let as_pg = |program: &str| {
        let mut c = if root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--", program]);
            c
        } else {
            Command::new(program)
        };
        c.stdout(Stdio::null()).stderr(Stdio::piped());
        c
    };
    if root {
        let ok = Command::new("chown").arg("postgres").arg(&dir).status().is_ok_and(|s| s.success());
        if !ok {
            return Err(format!("chown postgres {}", dir.display()));
        }
    }
    let data = dir.join("data");
    let out = as_pg(&bin.join("initdb").to_string_lossy())
        .arg("-D")
        .arg(&data)
        .args(["-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])
        .output()
        .map_err(|e| format!("initdb: {e}"))?;
    if !out.status.success() {
        return Err(format!("initdb: {}", String::from_utf8_lossy(&out.stderr)));
    }
    let port =
        std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| e.to_string())?.port();
    let script = format!(
        "'{postgres}' -D '{data}' -k '{dir}' -p {port} -c listen_addresses=127.0.0.1 -c fsync=off \
         -c max_connections=300 >'{dir}/log' 2>&1 & p=$!; read x; kill -INT $p; wait $p; rm -rf '{dir}'",
        postgres = bin.join("postgres").display(),
        data = data.display(),
        dir = dir.display(),
    );
    let child = as_pg("sh")
        .args(["-c", &script])
        .stdin(Stdio::piped())
        .spawn()
        .map_err(|e| format!("starting postgres: {e}"))?;
    // Kept open until the process ends: closing it stops the server.
    std::mem::forget(child);
    let url = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        use diesel::Connection;
        match diesel::PgConnection::establish(&url) {
            Ok(_) => return Ok(url),
            Err(e) if std::time::Instant::now() > deadline => {
                let log = std::fs::read_to_string(dir.join("log")).unwrap_or_default();
                return Err(format!("PostgreSQL did not start: {e}\n{log}"));
            }
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(100)),
        }
    }
}

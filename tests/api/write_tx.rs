//! `db::write_tx` on the test's real database, under concurrent writers: on SQLite they share
//! group commits (`db::group`), on PostgreSQL each commits without waiting for its flush and then
//! waits for it (`pg_tx`); either way a refusal or a failed statement undoes only its own change
//! and every acknowledged change is there.

use crate::helpers::*;
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use gongyi::db::{self, DbConn, DbUrl};
use gongyi::error::{AppResult, Code};

fn url(app: &TestApp) -> DbUrl {
    DbUrl::parse(&app.config.database_url).unwrap()
}

fn rows(url: &DbUrl) -> Vec<i64> {
    #[derive(QueryableByName)]
    struct R {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut c = db::connect(url).unwrap();
    diesel::sql_query("SELECT n FROM group_probe ORDER BY n")
        .load::<R>(&mut c)
        .unwrap()
        .into_iter()
        .map(|r| r.n)
        .collect()
}

fn insert(c: &mut DbConn, n: i64) -> QueryResult<usize> {
    diesel::sql_query(format!("INSERT INTO group_probe (n) VALUES ({n})")).execute(c)
}

/// Eight threads write 50 changes each through `write_tx`: every third refuses after writing a
/// row, every fifth fails on a duplicate after writing one. Exactly the others are kept.
async fn concurrent_writers_keep_exactly_what_was_acknowledged(app: TestApp) {
    let url = url(&app);
    db::connect(&url).unwrap().batch_execute("CREATE TABLE group_probe (n BIGINT NOT NULL UNIQUE)").unwrap();
    let u = url.clone();
    tokio::task::spawn_blocking(move || {
        std::thread::scope(|s| {
            for t in 0..8i64 {
                let url = &u;
                s.spawn(move || {
                    let mut c = db::connect(url).unwrap();
                    for i in 0..50i64 {
                        let n = t * 1000 + i;
                        let r: AppResult<()> = db::write_tx(&mut c, |c| {
                            insert(c, n)?;
                            if n % 3 == 0 {
                                return Err(Code::Refused.into());
                            }
                            if n % 5 == 0 {
                                // The same number twice: the statement fails inside the change.
                                insert(c, n)?;
                            }
                            Ok(())
                        });
                        assert_eq!(r.is_ok(), n % 3 != 0 && n % 5 != 0, "{n}: {r:?}");
                    }
                });
            }
        })
    })
    .await
    .unwrap();
    let want: Vec<i64> =
        (0..8).flat_map(|t| (0..50).map(move |i| t * 1000 + i)).filter(|n| n % 3 != 0 && n % 5 != 0).collect();
    assert_eq!(rows(&url), want);
}

crate::on_both!(concurrent_writers_keep_exactly_what_was_acknowledged);

/// A PostgreSQL cluster of this test's own, whose WAL writer flushes only every 10 s: WAL still in
/// its buffers when the server crashes (`pg_ctl stop -m immediate`) is lost.
struct Cluster {
    dir: std::path::PathBuf,
    port: u16,
}

impl Cluster {
    fn pg(program: &str) -> std::process::Command {
        let bin = crate::pg_detect::bin_dir().expect("PostgreSQL server binaries");
        let program = bin.join(program);
        if crate::pg_detect::running_as_root() {
            let mut c = std::process::Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            std::process::Command::new(program)
        }
    }

    fn run(c: &mut std::process::Command) {
        let out = c.output().unwrap();
        assert!(out.status.success(), "{c:?}: {}", String::from_utf8_lossy(&out.stderr));
    }

    fn new() -> Cluster {
        let dir = std::env::temp_dir().join(format!("gongyi-crash-pg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        if crate::pg_detect::running_as_root() {
            Cluster::run(std::process::Command::new("chown").arg("postgres").arg(&dir));
        }
        Cluster::run(Cluster::pg("initdb").arg("-D").arg(dir.join("data")).args([
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ]));
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let c = Cluster { dir, port };
        c.start();
        c
    }

    fn start(&self) {
        let opts = format!(
            "-k {} -p {} -c listen_addresses=127.0.0.1 -c wal_writer_delay=10s -c wal_writer_flush_after=1GB",
            self.dir.display(),
            self.port
        );
        Cluster::run(
            Cluster::pg("pg_ctl")
                .arg("-D")
                .arg(self.dir.join("data"))
                .arg("-l")
                .arg(self.dir.join("log"))
                .args(["-w", "-o", &opts, "start"]),
        );
    }

    fn crash(&self) {
        Cluster::run(Cluster::pg("pg_ctl").arg("-D").arg(self.dir.join("data")).args(["-m", "immediate", "stop"]));
    }

    fn url(&self) -> DbUrl {
        DbUrl::Postgres(format!("postgres://postgres@127.0.0.1:{}/postgres", self.port))
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = Cluster::pg("pg_ctl").arg("-D").arg(self.dir.join("data")).args(["-m", "immediate", "stop"]).output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// An acknowledged change survives a crash of PostgreSQL: `write_tx` commits without waiting for
/// the flush and answers only after waiting for it. The control, a commit that did not wait, is
/// lost by the same crash, so the test can tell the difference (it retries when the server
/// happened to flush the control anyway).
#[test]
#[cfg_attr(not(gongyi_pg_bin), ignore = "install PostgreSQL's server binaries to crash a server of the test's own")]
fn an_acknowledged_change_survives_a_postgres_crash() {
    let cluster = Cluster::new();
    let url = cluster.url();
    db::connect(&url).unwrap().batch_execute("CREATE TABLE crash_probe (k TEXT NOT NULL)").unwrap();
    let mut control_lost = false;
    for round in 0..3 {
        let mut c = db::connect(&url).unwrap();
        let acknowledged = format!("acknowledged-{round}");
        db::write_tx(&mut c, |c| {
            Ok(diesel::sql_query(format!("INSERT INTO crash_probe VALUES ('{acknowledged}')")).execute(c)?)
        })
        .unwrap();
        let control = format!("control-{round}");
        c.batch_execute(&format!(
            "BEGIN; SET LOCAL synchronous_commit = off; INSERT INTO crash_probe VALUES ('{control}'); COMMIT"
        ))
        .unwrap();
        drop(c);
        cluster.crash();
        cluster.start();
        #[derive(QueryableByName)]
        struct K {
            #[diesel(sql_type = diesel::sql_types::Text)]
            k: String,
        }
        let kept: Vec<String> = diesel::sql_query("SELECT k FROM crash_probe")
            .load::<K>(&mut db::connect(&url).unwrap())
            .unwrap()
            .into_iter()
            .map(|r| r.k)
            .collect();
        assert!(kept.contains(&acknowledged), "round {round}: the acknowledged change was lost: {kept:?}");
        if !kept.contains(&control) {
            control_lost = true;
            break;
        }
    }
    assert!(control_lost, "the crash never lost an unflushed commit: the test shows nothing");
}

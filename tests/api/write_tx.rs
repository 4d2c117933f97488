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

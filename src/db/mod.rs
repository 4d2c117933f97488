//! One connection type over SQLite and PostgreSQL, chosen by the URL scheme; a pool; migrations
//! embedded per backend; and the write transaction every state change runs in.

pub mod attachments;
pub mod audit;
pub mod awards;
pub mod bids;
pub mod budgets;
pub mod calendar;
pub mod calls;
pub mod changes;
pub mod closures;
pub mod demands;
pub mod documents;
pub mod evaluators;
pub mod funds;
pub mod group;
pub mod meta;
pub mod notices;
pub mod org_documents;
pub mod organisations;
pub mod outbox;
pub mod points;
pub mod projects;
pub mod regions;
pub mod repeats;
pub mod replay;
pub mod review;
pub mod schema;
pub mod sessions;
pub mod stages;
pub mod standing;
pub mod users;
pub mod welfare;
pub mod worklist;

use crate::error::AppResult;
use diesel::connection::{SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, Pool, PooledConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use std::time::Duration;

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

/// Loads `$q` through the connection's own backend instead of the `MultiConnection`'s, which
/// decodes every value through its multi-backend layer: on the ranking's 500,000 review rows
/// that was about a sixth of the read (179 → 141 ms with SQLite's mutexes already gone). `$q` is
/// written once and built per arm (it must not be boxed).
macro_rules! load_native {
    ($conn:expr, $q:expr) => {
        match $conn {
            $crate::db::DbConn::Sqlite(c) => $q.load(c),
            $crate::db::DbConn::Pg(c) => $q.load(c),
        }
    };
}
pub(crate) use load_native;

/// `load_native!` one row at a time into `$each`: a large read (the ranking's 500,000 reviews)
/// goes straight into what is made of it, with no list of raw rows in between.
macro_rules! each_native {
    ($conn:expr, $q:expr, $row:ty, $each:expr) => {{
        use diesel::connection::DefaultLoadingMode as Rows;
        match $conn {
            $crate::db::DbConn::Sqlite(c) => $q.load_iter::<$row, Rows>(c)?.try_for_each(|r| r.map($each)),
            $crate::db::DbConn::Pg(c) => $q.load_iter::<$row, Rows>(c)?.try_for_each(|r| r.map($each)),
        }
    }};
}
pub(crate) use each_native;

/// Ids bound in one statement at most: well under SQLite's 32,766 variables and PostgreSQL's
/// 65,535 parameters, which a list drawn from a whole call's bids can pass.
pub const IDS_PER_STATEMENT: usize = 10_000;

/// `read` for `ids` (deduplicated, ascending) in statements of at most [`IDS_PER_STATEMENT`]
/// ids each; the results one after the other.
pub fn in_chunks<T>(ids: &[i64], mut read: impl FnMut(&[i64]) -> QueryResult<Vec<T>>) -> QueryResult<Vec<T>> {
    let mut ids = ids.to_vec();
    ids.sort_unstable();
    ids.dedup();
    let mut out = Vec::new();
    for chunk in ids.chunks(IDS_PER_STATEMENT) {
        out.extend(read(chunk)?);
    }
    Ok(out)
}

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");
pub const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DbUrl {
    Sqlite(String),
    Postgres(String),
}

impl DbUrl {
    /// Picks the backend from the scheme (never by trying: SQLite accepts any string as a path).
    pub fn parse(url: &str) -> Result<DbUrl, String> {
        if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err("sqlite:// 后需要数据库文件路径".into());
            }
            Ok(DbUrl::Sqlite(path.to_string()))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(DbUrl::Postgres(url.to_string()))
        } else {
            Err(format!(
                "GONGYI_DATABASE_URL 须以 sqlite:// 或 postgres:// 开头，而不是 {:?}",
                url.split(':').next().unwrap_or("")
            ))
        }
    }
    pub fn is_sqlite(&self) -> bool {
        matches!(self, DbUrl::Sqlite(_))
    }
}

/// The PostgreSQL role the server works as: it cannot UPDATE, DELETE or TRUNCATE the audit log
/// (migration 000013); the owner in the URL keeps those rights for migrations only.
pub const APP_ROLE: &str = "gongyi_app";

pub struct Manager {
    url: DbUrl,
    /// `SET ROLE` to this on every new PostgreSQL connection.
    role: Option<&'static str>,
}

/// One connection as the URL's own user (the owner): migrations, start-up checks, the CLI.
pub fn connect(url: &DbUrl) -> Result<DbConn, String> {
    Manager { url: url.clone(), role: None }.connect().map_err(|e| match url {
        // Name the file and its directory: the usual cause is a directory that does not exist
        // or that this user may not write.
        DbUrl::Sqlite(path) => {
            let dir = std::path::Path::new(path).parent().filter(|d| !d.as_os_str().is_empty());
            let hint = match dir {
                Some(d) if !d.exists() => format!("（目录 {} 不存在）", d.display()),
                Some(d) => format!("（请检查目录 {} 是否可写）", d.display()),
                None => String::new(),
            };
            format!("无法打开 SQLite 数据库文件 {path}{hint}: {e}（GONGYI_DATABASE_URL）")
        }
        DbUrl::Postgres(_) => format!("无法连接数据库: {e}"),
    })
}

/// Whether this PostgreSQL connection may switch to [`APP_ROLE`]; SQLite has no roles.
pub fn app_role_usable(conn: &mut DbConn) -> bool {
    match conn {
        DbConn::Pg(c) => c.batch_execute(&format!("SET ROLE {APP_ROLE}; RESET ROLE;")).is_ok(),
        DbConn::Sqlite(_) => false,
    }
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        match &self.url {
            DbUrl::Postgres(u) => {
                let mut c = diesel::PgConnection::establish(u).map_err(r2d2::Error::ConnectionError)?;
                if let Some(role) = self.role {
                    c.batch_execute(&format!("SET ROLE {role}")).map_err(r2d2::Error::QueryError)?;
                }
                Ok(DbConn::Pg(c))
            }
            DbUrl::Sqlite(path) => {
                stable_sqlite_plans();
                let mut c = diesel::SqliteConnection::establish(path).map_err(r2d2::Error::ConnectionError)?;
                // WAL for concurrent readers, FULL so a committed bid survives power loss.
                c.batch_execute(
                    "PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; \
                     PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;",
                )
                .map_err(r2d2::Error::QueryError)?;
                Ok(DbConn::Sqlite(c))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        match conn {
            // A restarted PostgreSQL leaves every pooled connection dead: checked on each checkout.
            DbConn::Pg(c) => c.batch_execute("SELECT 1").map_err(r2d2::Error::QueryError),
            // An open SQLite file has no server to lose; `SELECT 1` would only cost a statement.
            DbConn::Sqlite(_) => Ok(()),
        }
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        use diesel::r2d2::R2D2Connection;
        conn.is_broken()
    }
}

/// SQLite re-plans a cached statement whose plan might depend on a bound value every time it
/// is bound again, and diesel binds `LIMIT ?` in every `.first()`: that re-planning was a quarter
/// of a bid submission's CPU. The query-planner stability guarantee keeps each statement's first
/// plan; it is switched on for every SQLite connection this process opens from now on.
fn stable_sqlite_plans() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // Multi-thread mode: SQLite's default (serialized) takes a mutex on every call, each
        // column of each row read included (8 % of the 100,000-bid ranking). A diesel connection
        // is `!Sync` and the pool lends it to one thread at a time, which is all this mode asks.
        // It must precede SQLite's initialisation (which `sqlite3_auto_extension` performs); if
        // something opened SQLite first, the call is refused and the default stays: still safe.
        // SAFETY: a configuration call with an int option and no further arguments.
        unsafe { libsqlite3_sys::sqlite3_config(libsqlite3_sys::SQLITE_CONFIG_MULTITHREAD) };
        // SAFETY: registers a plain function pointer; SQLite calls it on each new connection.
        unsafe { libsqlite3_sys::sqlite3_auto_extension(Some(enable_qpsg)) };
    });
}

unsafe extern "C" fn enable_qpsg(
    db: *mut libsqlite3_sys::sqlite3,
    _err: *mut *mut std::os::raw::c_char,
    _api: *const libsqlite3_sys::sqlite3_api_routines,
) -> std::os::raw::c_int {
    // SAFETY: `db` is the connection SQLite is opening; the option takes (int, int*).
    unsafe {
        libsqlite3_sys::sqlite3_db_config(
            db,
            libsqlite3_sys::SQLITE_DBCONFIG_ENABLE_QPSG,
            1 as std::os::raw::c_int,
            std::ptr::null_mut::<std::os::raw::c_int>(),
        );
    }
    libsqlite3_sys::SQLITE_OK
}

pub type DbPool = Pool<Manager>;
pub type PooledConn = PooledConnection<Manager>;

/// The server's pool; on PostgreSQL its connections work as `role` when given.
pub fn pool(url: &DbUrl, max_size: u32, role: Option<&'static str>) -> Result<DbPool, String> {
    if let DbUrl::Sqlite(path) = url {
        if let Some(dir) = std::path::Path::new(path).parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir).map_err(|e| format!("无法创建数据库目录 {}: {e}", dir.display()))?;
            }
        }
    }
    Pool::builder()
        .max_size(max_size)
        .connection_timeout(Duration::from_secs(15))
        .build(Manager { url: url.clone(), role })
        .map_err(|e| format!("无法连接数据库: {e}"))
}

pub fn migrate(conn: &mut DbConn) -> Result<usize, String> {
    // diesel's runner first creates its bookkeeping table "if not exists", which needs CREATE on
    // the schema even when nothing is pending; a server logging in as `gongyi_app` has no such
    // right, so on PostgreSQL look first and only run the runner when there is work to do.
    if let DbConn::Pg(_) = conn {
        let pending = pending_pg(conn);
        if pending == 0 {
            return Ok(0);
        }
    }
    let done = match conn {
        DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
        DbConn::Pg(c) => c.run_pending_migrations(PG_MIGRATIONS).map(|v| v.len()),
    };
    done.map_err(|e| format!("数据库迁移失败: {e}"))
}

/// How many embedded PostgreSQL migrations the database has not applied (all of them when the
/// bookkeeping table cannot be read).
fn pending_pg(conn: &mut DbConn) -> usize {
    pending(conn)
}

/// How many embedded migrations the database has not applied, read without writing anything
/// (diesel's own runner first creates its bookkeeping table).
pub fn pending(conn: &mut DbConn) -> usize {
    use diesel::migration::MigrationSource;
    #[derive(QueryableByName)]
    struct V {
        #[diesel(sql_type = diesel::sql_types::Text)]
        version: String,
    }
    let names: Vec<String> = match conn {
        DbConn::Pg(_) => MigrationSource::<diesel::pg::Pg>::migrations(&PG_MIGRATIONS)
            .map(|m| m.iter().map(|m| m.name().version().to_string()).collect()),
        DbConn::Sqlite(_) => MigrationSource::<diesel::sqlite::Sqlite>::migrations(&SQLITE_MIGRATIONS)
            .map(|m| m.iter().map(|m| m.name().version().to_string()).collect()),
    }
    .unwrap_or_default();
    if names.is_empty() {
        return usize::MAX;
    }
    let all = names;
    let applied: Vec<String> =
        match diesel::sql_query("SELECT CAST(version AS TEXT) AS version FROM __diesel_schema_migrations")
            .load::<V>(conn)
        {
            Ok(v) => v.into_iter().map(|v| v.version).collect(),
            Err(_) => return all.len(),
        };
    all.iter().filter(|m| !applied.contains(m)).count()
}

/// In-memory databases (no file, so no group commit) queue their writers here: SQLite's busy
/// handler sleeps in steps of up to 100 ms while another writer holds the lock; a mutex hands it
/// over at once. Other processes still meet `busy_timeout`.
static SQLITE_WRITER: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs `f` in one write transaction, answered only once it is durable. On SQLite it is a
/// savepoint in a group of this process's concurrent writers sharing one `BEGIN IMMEDIATE …
/// COMMIT` (`group`): the write lock is taken up front, so writers queue instead of failing on a
/// lock upgrade, and one fsync serves the group. On PostgreSQL see `pg_tx`.
pub fn write_tx<T>(conn: &mut DbConn, f: impl FnOnce(&mut DbConn) -> AppResult<T>) -> AppResult<T> {
    let r = write_tx_inner(conn, f);
    if r.is_ok() {
        GENERATION.fetch_add(1, std::sync::atomic::Ordering::Release);
    }
    r
}

/// Bumped after every committed state change of this process: a cached public view computed at
/// an older generation is stale (`web::memo`).
pub static GENERATION: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

pub fn generation() -> u64 {
    GENERATION.load(std::sync::atomic::Ordering::Acquire)
}

fn write_tx_inner<T>(conn: &mut DbConn, f: impl FnOnce(&mut DbConn) -> AppResult<T>) -> AppResult<T> {
    match conn {
        DbConn::Pg(_) => pg_tx(conn, f),
        DbConn::Sqlite(_) => {
            if let Some(group) = group::of(conn)? {
                return group.run(f);
            }
            let _writer = SQLITE_WRITER.lock().unwrap_or_else(|e| e.into_inner());
            if let DbConn::Sqlite(c) = conn {
                diesel::connection::AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
            }
            let r = f(conn);
            let DbConn::Sqlite(c) = conn else { unreachable!("matched above") };
            match r {
                Ok(v) => {
                    diesel::connection::AnsiTransactionManager::commit_transaction(c)?;
                    Ok(v)
                }
                Err(e) => {
                    if let Err(re) = diesel::connection::AnsiTransactionManager::rollback_transaction(c) {
                        tracing::error!("rollback failed: {re}");
                    }
                    Err(e)
                }
            }
        }
    }
}

/// A state change on PostgreSQL. It holds shared locks until it commits (the audit chain's, a
/// call's sequence), so a synchronous commit would hold them through its own WAL flush and the
/// changes behind it would commit one flush at a time. Instead it commits with
/// `synchronous_commit = off` (its locks go at once) and then waits for the flush in a tiny
/// synchronous transaction: a transactional `pg_logical_emit_message` writes WAL, so that commit
/// returns once the WAL up to its record, which lies after ours, is on disk. Concurrent waits
/// PostgreSQL serves with one flush. Only then is the change answered.
fn pg_tx<T>(conn: &mut DbConn, f: impl FnOnce(&mut DbConn) -> AppResult<T>) -> AppResult<T> {
    use diesel::connection::AnsiTransactionManager as Tm;
    fn pg(conn: &mut DbConn) -> &mut diesel::PgConnection {
        let DbConn::Pg(c) = conn else { unreachable!("a PostgreSQL connection") };
        c
    }
    Tm::begin_transaction_sql(pg(conn), "BEGIN; SET LOCAL synchronous_commit = off")?;
    match f(conn) {
        Ok(v) => {
            Tm::commit_transaction(pg(conn))?;
            conn.batch_execute("BEGIN; SELECT pg_logical_emit_message(true, 'gongyi', ''); COMMIT").map_err(|e| {
                crate::error::AppError::internal(format!("数据库已提交但未能确认写入磁盘，请刷新后核对: {e}"))
            })?;
            Ok(v)
        }
        Err(e) => {
            if let Err(re) = Tm::rollback_transaction(pg(conn)) {
                tracing::error!("rollback failed: {re}");
            }
            Err(e)
        }
    }
}

/// Serialises the transactions that check and then take a named allowance (a per-address
/// limit) on PostgreSQL; on SQLite the immediate transaction already holds the only write lock.
pub fn lock_key(conn: &mut DbConn, key: &str) -> AppResult<()> {
    if let DbConn::Pg(_) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1))")
            .bind::<diesel::sql_types::Text, _>(key)
            .execute(conn)?;
    }
    Ok(())
}

/// The first key of the two-key advisory locks a call's submissions queue on (`calls::next_seq`);
/// two-key locks do not meet the one-key ones below.
pub const SEQ_LOCK_CLASS: i32 = 0x0063_6c6c;

/// Serialises writers of a shared sequence (the audit chain) on PostgreSQL; on SQLite the
/// immediate transaction already holds the only write lock.
pub fn lock_sequence(conn: &mut DbConn, key: i64) -> AppResult<()> {
    if let DbConn::Pg(_) = conn {
        diesel::sql_query(format!("SELECT pg_advisory_xact_lock({key})")).execute(conn)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_read_deduplicated_in_bounded_ascending_chunks() {
        // As a whole call's bids give them: each organisation several times, out of order.
        let ids: Vec<i64> = (0..25_000i64).rev().flat_map(|i| [i, i]).collect();
        let mut sizes = Vec::new();
        let out = in_chunks(&ids, |chunk| {
            sizes.push(chunk.len());
            Ok(chunk.to_vec())
        })
        .unwrap();
        assert_eq!(sizes, vec![10_000, 10_000, 5_000]);
        assert_eq!(out, (0..25_000).collect::<Vec<i64>>());
        let mut calls = 0;
        assert!(in_chunks(&[], |_| {
            calls += 1;
            Ok(vec![0])
        })
        .unwrap()
        .is_empty());
        assert_eq!(calls, 0, "no statement for no ids");
        let failed = in_chunks(&ids, |_| Err::<Vec<i64>, _>(diesel::result::Error::NotFound));
        assert!(failed.is_err());
    }
}

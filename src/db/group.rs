//! Group commit. Concurrent write transactions of this process share one `BEGIN … COMMIT` on one
//! writer connection per database (a SQLite file, or a PostgreSQL database as one role), each in
//! its own savepoint: one fsync (one WAL flush) makes the whole group durable, and a refusal rolls
//! back only its own savepoint. Every caller waits for its group's commit before it gets its
//! answer, so nothing is acknowledged that a crash could still lose.
//!
//! Why PostgreSQL needs it too: a state change holds shared locks until its commit (the call's
//! row for the gap-free reference, the audit chain's advisory lock), so without grouping changes
//! commit one after another, each waiting for its own flush.
//!
//! Who commits: the writer that finds nobody else queued behind it (or the group full). A writer
//! arriving while a group is open joins it; one arriving after the commit opens the next.

use super::{DbConn, DbUrl, Manager};
use crate::error::{AppError, AppResult};
use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::r2d2::ManageConnection;
use std::collections::{HashMap, VecDeque};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// What one group's transaction already holds, known to its members as they run: the sequence
/// locks it took and the audit chain's head after its last record, so a member does not ask the
/// database again (each question is a round trip on the one writer connection the group's
/// members take turns on).
#[derive(Clone, Default)]
struct Held {
    locks: Vec<i64>,
    chain_head: Option<(i64, String)>,
}

thread_local! {
    /// Set while this thread runs a member of a group.
    static MEMBER: std::cell::RefCell<Option<Held>> = const { std::cell::RefCell::new(None) };
}

/// Whether the running group's transaction already holds the sequence lock `key`.
pub fn holds(key: i64) -> bool {
    MEMBER.with(|m| m.borrow().as_ref().is_some_and(|h| h.locks.contains(&key)))
}

/// Notes that the running group's transaction now holds the sequence lock `key`.
pub fn took(key: i64) {
    MEMBER.with(|m| {
        if let Some(h) = m.borrow_mut().as_mut() {
            h.locks.push(key);
        }
    })
}

/// The audit chain's head as the running group's transaction last wrote it.
pub fn chain_head() -> Option<(i64, String)> {
    MEMBER.with(|m| m.borrow().as_ref().and_then(|h| h.chain_head.clone()))
}

/// Notes the audit record the running group's transaction just appended.
pub fn appended(id: i64, hash: &str) {
    MEMBER.with(|m| {
        if let Some(h) = m.borrow_mut().as_mut() {
            h.chain_head = Some((id, hash.to_string()));
        }
    })
}

/// A group commits at the latest when it holds this many successful transactions, which bounds
/// the wait of its first member.
const MAX_GROUP: usize = 64;

/// Groups whose commit failed, remembered so their members (woken late) still learn of it.
const FAILED_KEPT: usize = 256;

/// A group's transaction on PostgreSQL: its COMMIT does not wait for the flush (`run` does).
const PG_BEGIN: &str = "BEGIN; SET LOCAL synchronous_commit = off";

/// A transaction that writes WAL (a transactional logical message: no table, any role may) and
/// commits synchronously: its commit returns once the WAL up to it is flushed.
const FLUSH: &str = "BEGIN; SELECT pg_logical_emit_message(true, 'gongyi', ''); COMMIT";

pub struct Group {
    target: Target,
    inner: Mutex<Inner>,
    ended: Condvar,
    /// Writers between "I want the lock" and "I have it": while any, the holder leaves the commit
    /// to them.
    arriving: AtomicUsize,
}

struct Inner {
    /// The writer connection and the identity of the file it opened.
    conn: Option<(DbConn, FileId)>,
    open: bool,
    members: usize,
    /// The open (or last) group's number; every group up to `ended` is over, and every one up to
    /// `durable` that did not fail is on disk.
    number: u64,
    ended: u64,
    durable: u64,
    failed: VecDeque<u64>,
    /// What the open group's transaction holds after its released savepoints.
    held: Held,
}

/// Where the writer connection goes.
enum Target {
    Sqlite(String),
    Pg { url: String, role: Option<&'static str> },
}

/// A SQLite file's device and inode; constant for a PostgreSQL connection.
type FileId = (u64, u64);

/// A PostgreSQL connection's database, as the server's port, the database's name and the role
/// the connection works as: what a connection can say about itself in one cheap query.
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct PgKey {
    port: String,
    database: String,
    role: String,
}

#[derive(diesel::QueryableByName)]
struct PgKeyRow {
    #[diesel(sql_type = diesel::sql_types::Text)]
    port: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    database: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    role: String,
}

fn pg_key(conn: &mut DbConn) -> AppResult<PgKey> {
    use diesel::prelude::*;
    let r: PgKeyRow = diesel::sql_query(
        "SELECT current_setting('port') AS port, current_database()::text AS database, current_user::text AS role",
    )
    .get_result(conn)?;
    Ok(PgKey { port: r.port, database: r.database, role: r.role })
}

/// How to open another connection like each PostgreSQL connection this process opened, by its
/// key: the writer connection of a group.
static PG_SOURCES: Mutex<Option<HashMap<PgKey, PgSource>>> = Mutex::new(None);

/// A PostgreSQL URL and the role its connections switch to.
type PgSource = (String, Option<&'static str>);

static GROUPS: Mutex<Option<HashMap<String, Arc<Group>>>> = Mutex::new(None);

/// Remembers how `conn` was opened (called for every new PostgreSQL connection).
pub fn register_pg(conn: &mut DbConn, url: &str, role: Option<&'static str>) -> AppResult<()> {
    let key = pg_key(conn)?;
    let mut sources = PG_SOURCES.lock().unwrap_or_else(|e| e.into_inner());
    sources.get_or_insert_with(HashMap::new).entry(key).or_insert_with(|| (url.to_string(), role));
    Ok(())
}

fn group_for(name: String, target: impl FnOnce() -> Target) -> Arc<Group> {
    let mut groups = GROUPS.lock().unwrap_or_else(|e| e.into_inner());
    groups
        .get_or_insert_with(HashMap::new)
        .entry(name)
        .or_insert_with(|| {
            Arc::new(Group {
                target: target(),
                inner: Mutex::new(Inner {
                    conn: None,
                    open: false,
                    members: 0,
                    number: 0,
                    ended: 0,
                    durable: 0,
                    failed: VecDeque::new(),
                    held: Held::default(),
                }),
                ended: Condvar::new(),
                arriving: AtomicUsize::new(0),
            })
        })
        .clone()
}

fn file_id(path: &str) -> Option<FileId> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// The group of the database `conn` works on; `None` for an in-memory SQLite database or a
/// PostgreSQL connection this process did not open through `Manager`.
pub fn of(conn: &mut DbConn) -> AppResult<Option<Arc<Group>>> {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Db {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        file: String,
    }
    if let DbConn::Pg(_) = conn {
        let key = pg_key(conn)?;
        let source = PG_SOURCES.lock().unwrap_or_else(|e| e.into_inner()).as_ref().and_then(|s| s.get(&key).cloned());
        let Some((url, role)) = source else { return Ok(None) };
        let name = format!("pg:{}/{}/{}", key.port, key.database, key.role);
        return Ok(Some(group_for(name, || Target::Pg { url, role })));
    }
    let dbs: Vec<Db> = diesel::sql_query("PRAGMA database_list").load(conn)?;
    let Some(path) = dbs.into_iter().find(|d| d.name == "main").map(|d| d.file).filter(|f| !f.is_empty()) else {
        return Ok(None);
    };
    Ok(Some(group_for(format!("sqlite:{path}"), || Target::Sqlite(path))))
}

impl Group {
    /// Runs `f` in a savepoint of the open group (opening one if none is) and returns its result
    /// once the group's commit is durable. `own` is the caller's connection: on PostgreSQL the
    /// member that commits waits there for the flush.
    pub fn run<T>(&self, own: &mut DbConn, f: impl FnOnce(&mut DbConn) -> AppResult<T>) -> AppResult<T> {
        self.arriving.fetch_add(1, Ordering::SeqCst);
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        self.arriving.fetch_sub(1, Ordering::SeqCst);
        if !g.open {
            g.begin(&self.target)?;
        }
        let number = g.number;
        let before = g.held.clone();
        MEMBER.with(|m| *m.borrow_mut() = Some(before));
        let Some((conn, _)) = g.conn.as_mut() else { unreachable!("begin opened the connection") };
        let step = in_savepoint(conn, f);
        let after = MEMBER.with(|m| m.borrow_mut().take());
        if let (Step::Done(Ok(_)), Some(after)) = (&step, after) {
            // A rolled-back savepoint gave back its locks and its records.
            g.held = after;
        }
        let r = match step {
            Step::Done(r) => r,
            Step::Broken(r) => {
                // The savepoint could not be undone: the group must not commit a refusal's
                // half. Closing the connection rolls the whole group back.
                g.conn = None;
                g.end(false);
                self.ended.notify_all();
                return r.and(Err(AppError::internal("数据库回滚失败，本次操作未生效")));
            }
            Step::Panicked(panic) => {
                // Where diesel's transaction depth stands after an unwind is unknown: same.
                g.conn = None;
                g.end(false);
                self.ended.notify_all();
                drop(g);
                resume_unwind(panic);
            }
        };
        if r.is_ok() {
            g.members += 1;
        }
        if self.arriving.load(Ordering::SeqCst) == 0 || g.members >= MAX_GROUP {
            let ok = g.commit();
            self.ended.notify_all();
            if ok && matches!(self.target, Target::Pg { .. }) {
                // The group committed without waiting for its WAL flush, so the next group can
                // start now; the flush is awaited here, outside the lock, by a synchronous commit
                // whose record comes after this group's: once it is on disk, so is the group
                // (and every group before it). Concurrent flushes PostgreSQL does together.
                drop(g);
                let flushed = own.batch_execute(FLUSH);
                g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
                match flushed {
                    Ok(()) => g.durable = g.durable.max(number),
                    Err(e) => {
                        tracing::error!("waiting for the group's WAL flush failed: {e}");
                        g.remember_failed(number);
                    }
                }
                self.ended.notify_all();
            }
        }
        let g = self.wait(g, number);
        if g.failed.contains(&number) {
            return Err(AppError::internal("数据库提交失败，本次操作未生效"));
        }
        r
    }

    fn wait<'a>(&self, mut g: MutexGuard<'a, Inner>, number: u64) -> MutexGuard<'a, Inner> {
        while g.durable < number && !g.failed.contains(&number) {
            g = self.ended.wait(g).unwrap_or_else(|e| e.into_inner());
        }
        g
    }
}

impl Inner {
    fn begin(&mut self, target: &Target) -> AppResult<()> {
        match target {
            Target::Sqlite(path) => {
                // A file replaced under the same name (a restore) must not keep receiving writes
                // through the old inode.
                let now = file_id(path);
                if self.conn.as_ref().is_some_and(|(_, id)| Some(*id) != now) {
                    self.conn = None;
                }
                if self.conn.is_none() {
                    let conn = Manager { url: DbUrl::Sqlite(path.to_string()), role: None }
                        .connect()
                        .map_err(|e| AppError::internal(format!("writer connection: {e}")))?;
                    let id =
                        file_id(path).ok_or_else(|| AppError::internal(format!("database file {path} vanished")))?;
                    self.conn = Some((conn, id));
                }
                let Some((DbConn::Sqlite(c), _)) = self.conn.as_mut() else { unreachable!("a SQLite connection") };
                AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
            }
            Target::Pg { url, role } => {
                // A connection the server lost (a restart) is opened anew.
                if self.conn.as_mut().is_some_and(|(c, _)| {
                    use diesel::r2d2::R2D2Connection;
                    c.is_broken()
                }) {
                    self.conn = None;
                }
                if self.conn.is_none() {
                    let conn = Manager { url: DbUrl::Postgres(url.clone()), role: *role }
                        .connect()
                        .map_err(|e| AppError::internal(format!("writer connection: {e}")))?;
                    self.conn = Some((conn, (0, 0)));
                }
                let Some((DbConn::Pg(c), _)) = self.conn.as_mut() else { unreachable!("a PostgreSQL connection") };
                if AnsiTransactionManager::begin_transaction_sql(c, PG_BEGIN).is_err() {
                    // diesel learns of a closed socket only by using it: a server restart or a
                    // terminated backend shows here first. One fresh connection, then give up.
                    self.conn = None;
                    let mut conn = Manager { url: DbUrl::Postgres(url.clone()), role: *role }
                        .connect()
                        .map_err(|e| AppError::internal(format!("writer connection: {e}")))?;
                    let DbConn::Pg(c) = &mut conn else { unreachable!("a PostgreSQL URL") };
                    AnsiTransactionManager::begin_transaction_sql(c, PG_BEGIN)?;
                    self.conn = Some((conn, (0, 0)));
                }
            }
        }
        self.open = true;
        self.members = 0;
        self.number += 1;
        self.held = Held::default();
        Ok(())
    }

    fn commit(&mut self) -> bool {
        let done = match self.conn.as_mut() {
            Some((DbConn::Sqlite(c), _)) => AnsiTransactionManager::commit_transaction(c),
            Some((DbConn::Pg(c), _)) => AnsiTransactionManager::commit_transaction(c),
            None => Ok(()),
        };
        let ok = self.conn.is_some() && done.is_ok();
        if let Err(e) = done {
            tracing::error!("group commit failed: {e}");
        }
        if !ok {
            // Closing the connection rolls back whatever the failed COMMIT left open.
            self.conn = None;
        }
        self.end(ok);
        ok
    }

    fn end(&mut self, ok: bool) {
        if !ok {
            self.remember_failed(self.number);
        } else if matches!(self.conn, Some((DbConn::Sqlite(_), _))) {
            // SQLite's COMMIT returned after its fsync.
            self.durable = self.number;
        }
        self.open = false;
        self.ended = self.number;
    }

    fn remember_failed(&mut self, number: u64) {
        self.failed.push_back(number);
        if self.failed.len() > FAILED_KEPT {
            self.failed.pop_front();
        }
    }
}

enum Step<T> {
    Done(AppResult<T>),
    /// Its savepoint could be neither released nor rolled back.
    Broken(AppResult<T>),
    Panicked(Box<dyn std::any::Any + Send>),
}

/// `f` in its own savepoint: released when it succeeds, rolled back when it refuses.
fn in_savepoint<T>(conn: &mut DbConn, f: impl FnOnce(&mut DbConn) -> AppResult<T>) -> Step<T> {
    if let Err(e) = savepoint(conn, Op::Begin) {
        return Step::Done(Err(e.into()));
    }
    let r = match catch_unwind(AssertUnwindSafe(|| f(conn))) {
        Ok(r) => r,
        Err(panic) => return Step::Panicked(panic),
    };
    let r = match r {
        Ok(v) => match savepoint(conn, Op::Release) {
            Ok(()) => return Step::Done(Ok(v)),
            Err(e) => Err(e.into()),
        },
        Err(e) => Err(e),
    };
    match savepoint(conn, Op::Rollback) {
        Ok(()) => Step::Done(r),
        Err(re) => {
            tracing::error!("savepoint rollback failed: {re}");
            Step::Broken(r)
        }
    }
}

enum Op {
    Begin,
    Release,
    Rollback,
}

/// Inside the group's transaction diesel's manager makes these a savepoint, its release and its
/// rollback.
fn savepoint(conn: &mut DbConn, op: Op) -> diesel::QueryResult<()> {
    fn run<C>(c: &mut C, op: Op) -> diesel::QueryResult<()>
    where
        C: diesel::Connection<TransactionManager = AnsiTransactionManager>,
    {
        match op {
            Op::Begin => AnsiTransactionManager::begin_transaction(c),
            Op::Release => AnsiTransactionManager::commit_transaction(c),
            Op::Rollback => AnsiTransactionManager::rollback_transaction(c),
        }
    }
    match conn {
        DbConn::Sqlite(c) => run(c, op),
        DbConn::Pg(c) => run(c, op),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{connect, write_tx, DbConn, DbUrl};
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;

    fn table(dir: &tempfile::TempDir) -> DbUrl {
        let url = DbUrl::Sqlite(dir.path().join("g.db").display().to_string());
        connect(&url).unwrap().batch_execute("CREATE TABLE t (n INTEGER NOT NULL UNIQUE)").unwrap();
        url
    }

    fn rows(url: &DbUrl) -> Vec<i64> {
        #[derive(QueryableByName)]
        struct R {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        let mut c = connect(url).unwrap();
        diesel::sql_query("SELECT n FROM t ORDER BY n").load::<R>(&mut c).unwrap().into_iter().map(|r| r.n).collect()
    }

    fn insert(c: &mut DbConn, n: i64) -> QueryResult<usize> {
        diesel::sql_query(format!("INSERT INTO t (n) VALUES ({n})")).execute(c)
    }

    /// Concurrent writers share commits; a refusal (here: after writing a row) undoes only its
    /// own savepoint, and every acknowledged row is there.
    #[test]
    fn refusals_undo_only_their_own_work() {
        let dir = tempfile::tempdir().unwrap();
        let url = table(&dir);
        std::thread::scope(|s| {
            for t in 0..8i64 {
                let url = &url;
                s.spawn(move || {
                    let mut c = connect(url).unwrap();
                    for i in 0..50i64 {
                        let n = t * 1000 + i;
                        let r = write_tx(&mut c, |c| {
                            insert(c, n)?;
                            if n % 3 == 0 {
                                return Err(crate::error::Code::Refused.into());
                            }
                            Ok(())
                        });
                        assert_eq!(r.is_ok(), n % 3 != 0, "{n}");
                    }
                });
            }
        });
        let want: Vec<i64> = (0..8).flat_map(|t| (0..50).map(move |i| t * 1000 + i)).filter(|n| n % 3 != 0).collect();
        assert_eq!(rows(&url), want);
    }

    /// A statement failing inside a transaction (a duplicate) rolls back that transaction alone.
    #[test]
    fn a_failed_statement_leaves_the_group_intact() {
        let dir = tempfile::tempdir().unwrap();
        let url = table(&dir);
        let mut c = connect(&url).unwrap();
        write_tx(&mut c, |c| Ok(insert(c, 1)?)).unwrap();
        let dup = write_tx(&mut c, |c| {
            insert(c, 2)?;
            Ok(insert(c, 1)?)
        });
        assert!(dup.is_err());
        write_tx(&mut c, |c| Ok(insert(c, 3)?)).unwrap();
        assert_eq!(rows(&url), vec![1, 3]);
    }

    /// A panic inside a transaction reaches its caller, loses only its group (closing the writer
    /// connection rolls it back), and the next write works.
    #[test]
    fn a_panic_loses_its_group_and_writing_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let url = table(&dir);
        let mut c = connect(&url).unwrap();
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _ = write_tx(&mut c, |c| -> crate::error::AppResult<()> {
                insert(c, 7).unwrap();
                panic!("a bug");
            });
        }));
        assert!(panicked.is_err());
        write_tx(&mut c, |c| Ok(insert(c, 8)?)).unwrap();
        assert_eq!(rows(&url), vec![8]);
    }

    /// A database file replaced under the same name gets the writes, not the old inode.
    #[test]
    fn a_replaced_file_is_reopened() {
        let dir = tempfile::tempdir().unwrap();
        let url = table(&dir);
        let mut c = connect(&url).unwrap();
        write_tx(&mut c, |c| Ok(insert(c, 1)?)).unwrap();
        drop(c);
        let DbUrl::Sqlite(path) = &url else { unreachable!() };
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{path}{suffix}"));
        }
        let url = table(&dir);
        let mut c = connect(&url).unwrap();
        write_tx(&mut c, |c| Ok(insert(c, 2)?)).unwrap();
        assert_eq!(rows(&url), vec![2]);
    }
}

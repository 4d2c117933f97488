//! Group commit on SQLite. Concurrent write transactions of this process share one `BEGIN
//! IMMEDIATE … COMMIT` on one connection per database file, each in its own savepoint: one fsync
//! makes the whole group durable, and a refusal rolls back only its own savepoint. Every caller
//! waits for its group's commit before it gets its answer, so nothing is acknowledged that a
//! crash could still lose.
//!
//! Who commits: the writer that finds nobody else queued behind it (or the group full). A writer
//! arriving while a group is open joins it; one arriving after the commit opens the next.

use super::{DbConn, DbUrl, Manager};
use crate::error::{AppError, AppResult};
use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::r2d2::ManageConnection;
use std::collections::{HashMap, VecDeque};
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

/// What one group's transaction already holds, known to its members as they run: the audit
/// chain's head after its last record, so a member does not read it again.
#[derive(Clone, Default)]
struct Held {
    chain_head: Option<(i64, String)>,
}

thread_local! {
    /// Set while this thread runs a member of a group.
    static MEMBER: std::cell::RefCell<Option<Held>> = const { std::cell::RefCell::new(None) };
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

pub struct Group {
    path: String,
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
    /// The open (or last) group's number; every group up to `ended` is over.
    number: u64,
    ended: u64,
    failed: VecDeque<u64>,
    /// What the open group's transaction holds after its released savepoints.
    held: Held,
}

type FileId = (u64, u64);

fn file_id(path: &str) -> Option<FileId> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// The group of the database file `conn` works on; `None` for an in-memory database.
pub fn of(conn: &mut DbConn) -> AppResult<Option<Arc<Group>>> {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Db {
        #[diesel(sql_type = diesel::sql_types::Text)]
        name: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        file: String,
    }
    static GROUPS: Mutex<Option<HashMap<String, Arc<Group>>>> = Mutex::new(None);
    let dbs: Vec<Db> = diesel::sql_query("PRAGMA database_list").load(conn)?;
    let Some(path) = dbs.into_iter().find(|d| d.name == "main").map(|d| d.file).filter(|f| !f.is_empty()) else {
        return Ok(None);
    };
    let mut groups = GROUPS.lock().unwrap_or_else(|e| e.into_inner());
    let group = groups.get_or_insert_with(HashMap::new).entry(path.clone()).or_insert_with(|| {
        Arc::new(Group {
            path,
            inner: Mutex::new(Inner {
                conn: None,
                open: false,
                members: 0,
                number: 0,
                ended: 0,
                failed: VecDeque::new(),
                held: Held::default(),
            }),
            ended: Condvar::new(),
            arriving: AtomicUsize::new(0),
        })
    });
    Ok(Some(group.clone()))
}

impl Group {
    /// Runs `f` in a savepoint of the open group (opening one if none is) and returns its result
    /// once the group has committed.
    pub fn run<T>(&self, f: impl FnOnce(&mut DbConn) -> AppResult<T>) -> AppResult<T> {
        self.arriving.fetch_add(1, Ordering::SeqCst);
        let mut g = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        self.arriving.fetch_sub(1, Ordering::SeqCst);
        if !g.open {
            g.begin(&self.path)?;
        }
        let number = g.number;
        let before = g.held.clone();
        MEMBER.with(|m| *m.borrow_mut() = Some(before));
        let Some((conn, _)) = g.conn.as_mut() else { unreachable!("begin opened the connection") };
        let step = in_savepoint(conn, f);
        let after = MEMBER.with(|m| m.borrow_mut().take());
        if let (Step::Done(Ok(_)), Some(after)) = (&step, after) {
            // A rolled-back savepoint took its records with it.
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
            g.commit();
            self.ended.notify_all();
        }
        let g = self.wait(g, number);
        if g.failed.contains(&number) {
            return Err(AppError::internal("数据库提交失败，本次操作未生效"));
        }
        r
    }

    fn wait<'a>(&self, mut g: MutexGuard<'a, Inner>, number: u64) -> MutexGuard<'a, Inner> {
        while g.ended < number {
            g = self.ended.wait(g).unwrap_or_else(|e| e.into_inner());
        }
        g
    }
}

impl Inner {
    fn begin(&mut self, path: &str) -> AppResult<()> {
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
            let id = file_id(path).ok_or_else(|| AppError::internal(format!("database file {path} vanished")))?;
            self.conn = Some((conn, id));
        }
        let Some((DbConn::Sqlite(c), _)) = self.conn.as_mut() else { unreachable!("a SQLite connection") };
        AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?;
        self.open = true;
        self.members = 0;
        self.number += 1;
        self.held = Held::default();
        Ok(())
    }

    fn commit(&mut self) {
        let ok = match self.conn.as_mut() {
            Some((DbConn::Sqlite(c), _)) => match AnsiTransactionManager::commit_transaction(c) {
                Ok(()) => true,
                Err(e) => {
                    tracing::error!("group commit failed: {e}");
                    false
                }
            },
            _ => false,
        };
        if !ok {
            // Closing the connection rolls back whatever the failed COMMIT left open.
            self.conn = None;
        }
        self.end(ok);
    }

    fn end(&mut self, ok: bool) {
        if !ok {
            self.failed.push_back(self.number);
            if self.failed.len() > FAILED_KEPT {
                self.failed.pop_front();
            }
        }
        self.open = false;
        self.ended = self.number;
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
    let DbConn::Sqlite(c) = conn else { unreachable!("groups are SQLite only") };
    if let Err(e) = AnsiTransactionManager::begin_transaction(c) {
        return Step::Done(Err(e.into()));
    }
    let r = match catch_unwind(AssertUnwindSafe(|| f(conn))) {
        Ok(r) => r,
        Err(panic) => return Step::Panicked(panic),
    };
    let DbConn::Sqlite(c) = conn else { unreachable!("groups are SQLite only") };
    let r = match r {
        Ok(v) => match AnsiTransactionManager::commit_transaction(c) {
            Ok(()) => return Step::Done(Ok(v)),
            Err(e) => Err(e.into()),
        },
        Err(e) => Err(e),
    };
    match AnsiTransactionManager::rollback_transaction(c) {
        Ok(()) => Step::Done(r),
        Err(re) => {
            tracing::error!("savepoint rollback failed: {re}");
            Step::Broken(r)
        }
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

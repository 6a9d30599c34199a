//! The shop in one SQLite database file, as a `Repo`.
//!
//! - WAL mode: readers never wait for the writer, nor it for them.
//! - One writer connection per `SqliteRepo` behind a mutex; a write
//!   transaction begins with `BEGIN IMMEDIATE`, taking the database's write
//!   lock at its start, so that a rule's read-then-write is never
//!   interleaved with another writer's, in this process or another. Another
//!   process holding the lock longer than the busy timeout: `Busy`.
//!   Dropping a write transaction without `commit` rolls it back.
//! - Read transactions take a connection from a small pool (opened as
//!   needed, at most `READERS` at once) and read one snapshot.
//! - Every commit writes its row of the change feed in the same
//!   transaction (see `feed`), so every process hears of every other's
//!   changes by id.
//!
//! Opening creates the file (private to its owner: 0600, and so its `-wal`
//! and `-shm` files, which SQLite creates with the database's mode) and
//! brings its schema up to date (see `schema`); a file that is not a
//! Shopfront database, or is of a newer one, is refused unchanged.

mod codec;
mod error;
mod feed;
mod logins;
mod read;
mod schema;
mod write;

use std::fs::OpenOptions;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use rusqlite::{Connection, OpenFlags};

use self::error::from_sqlite;
use self::read::Db;
use crate::domain::discount::Uses;
use crate::domain::order::format_order_id;
use crate::domain::{Cart, Discount, Order, Product, Settings, User};
use crate::repo::{Change, ChangeSet, Feed, LoginFailures, ReadTx, Repo, RepoError, WriteTx};

pub use schema::LATEST as SCHEMA_VERSION;

/// How long a connection waits for another process's lock before `Busy`.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Read connections open at most at once.
const READERS: usize = 4;

pub struct SqliteRepo {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Pool,
    /// Rows the change feed keeps.
    feed_kept: u64,
}

impl SqliteRepo {
    /// Opens the database at `path`, creating it (and its schema) if there
    /// is none.
    pub fn open(path: &Path) -> Result<SqliteRepo, RepoError> {
        // Read connections opened later find the same file whatever the
        // current directory is by then.
        let path = &std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
        let file = path.display();
        let folder = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        if !folder.is_dir() {
            return Err(RepoError::Unavailable(format!(
                "Cannot open the database {file}: the folder {} does not exist",
                folder.display()
            )));
        }
        if path.is_dir() {
            return Err(RepoError::Unavailable(format!("{file} is a folder, not a database file")));
        }
        if let schema::Probe::New = schema::probe(path)? {
            create_private(path)?;
        }
        let writer = connect(path, true)?;
        // Before anything is written (even the journal mode).
        schema::inspect(&writer, path)?;
        let mode: String = writer
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            .map_err(|e| from_sqlite(path, e))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(RepoError::Unavailable(format!(
                "The database {file} cannot be shared safely: it stays in journal mode {mode:?} instead of WAL"
            )));
        }
        schema::migrate(&writer, path)?;
        Ok(SqliteRepo {
            path: path.to_path_buf(),
            writer: Mutex::new(writer),
            readers: Pool::default(),
            feed_kept: feed::KEPT,
        })
    }

    /// The database file (its absolute path).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// SQLite's own check of every page and index (`PRAGMA
    /// integrity_check`): `Damaged` with what it found, else nothing.
    pub fn integrity_check(&self) -> Result<(), RepoError> {
        let reader = self.reader()?;
        let db = reader.db()?;
        let mut statement = db.conn.prepare("PRAGMA integrity_check(20)").map_err(|e| db.fail(e))?;
        let found: Vec<String> = statement
            .query_map([], |row| row.get(0))
            .map_err(|e| db.fail(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| db.fail(e))?;
        if found.len() == 1 && found[0] == "ok" {
            return Ok(());
        }
        let found: Vec<String> = found.iter().map(|line| crate::domain::text::printable(line).into_owned()).collect();
        Err(RepoError::Damaged(format!(
            "{}: SQLite's integrity check found: {}",
            self.path.display(),
            found.join("; ")
        )))
    }

    /// Keeps only the last `rows` changes in the feed (tests of the gap).
    #[cfg(test)]
    fn keep_changes(&mut self, rows: u64) {
        self.feed_kept = rows;
    }

    /// The writer, out of any transaction a panic left open.
    fn writer(&self) -> MutexGuard<'_, Connection> {
        let conn = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        if !conn.is_autocommit() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        conn
    }

    /// A read transaction's connection.
    fn reader(&self) -> Result<Reader<'_>, RepoError> {
        let conn = self.readers.take(|| connect(&self.path, false))?;
        let reader = Reader { pool: &self.readers, conn: Some(conn), path: &self.path };
        let db = reader.db()?;
        db.conn.execute_batch("BEGIN").map_err(|e| db.fail(e))?;
        Ok(reader)
    }
}

/// Creates the database file, readable and writable by its owner only.
fn create_private(path: &Path) -> Result<(), RepoError> {
    match OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(RepoError::Unavailable(format!("Cannot create the database {}: {e}", path.display()))),
    }
}

/// A connection to the database at `path`, set up as the writer or a reader.
fn connect(path: &Path, writer: bool) -> Result<Connection, RepoError> {
    let fail = |e| from_sqlite(path, e);
    // No CREATE: the file exists by now, and one that vanished is not made anew here.
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(fail)?;
    if conn.is_readonly(rusqlite::MAIN_DB).map_err(fail)? {
        return Err(RepoError::Unavailable(format!(
            "The database {} is read-only: Shopfront needs to write it (and to create files beside it, in its \
             folder); make them writable",
            path.display()
        )));
    }
    conn.busy_timeout(BUSY_TIMEOUT).map_err(fail)?;
    conn.set_prepared_statement_cache_capacity(64);
    if writer {
        // Every commit reaches the disk before it is reported (as the folder's fsync).
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;").map_err(fail)?;
    } else {
        conn.execute_batch("PRAGMA query_only = ON;").map_err(fail)?;
    }
    Ok(conn)
}

/// The idle read connections, and how many are open.
#[derive(Default)]
struct Pool {
    state: Mutex<PoolState>,
    returned: Condvar,
}

#[derive(Default)]
struct PoolState {
    idle: Vec<Connection>,
    lent: usize,
}

impl Pool {
    fn state(&self) -> MutexGuard<'_, PoolState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// An idle connection, a new one while fewer than `READERS` are open,
    /// else the next one returned (`Busy` if none comes back in time).
    fn take(&self, open: impl FnOnce() -> Result<Connection, RepoError>) -> Result<Connection, RepoError> {
        let deadline = Instant::now() + BUSY_TIMEOUT;
        let mut state = self.state();
        loop {
            if let Some(conn) = state.idle.pop() {
                state.lent += 1;
                return Ok(conn);
            }
            if state.lent < READERS {
                state.lent += 1;
                drop(state);
                return open().inspect_err(|_| self.give_back(None));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(RepoError::Busy);
            }
            state = self.returned.wait_timeout(state, left).unwrap_or_else(PoisonError::into_inner).0;
        }
    }

    /// Returns a lent connection (`None`: it was closed).
    fn give_back(&self, conn: Option<Connection>) {
        let mut state = self.state();
        state.lent = state.lent.saturating_sub(1);
        state.idle.extend(conn);
        drop(state);
        self.returned.notify_one();
    }
}

/// A pooled connection inside a read transaction; ends it when dropped.
struct Reader<'a> {
    pool: &'a Pool,
    conn: Option<Connection>,
    path: &'a Path,
}

impl Reader<'_> {
    /// Its connection (held until it is dropped).
    fn db(&self) -> Result<Db<'_>, RepoError> {
        let conn = self.conn.as_ref().ok_or_else(|| RepoError::Unavailable("a read connection was lost".into()))?;
        Ok(Db { conn, path: self.path })
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        let _ = conn.execute_batch("ROLLBACK");
        // Kept only if it is out of the transaction.
        self.pool.give_back(conn.is_autocommit().then_some(conn));
    }
}

/// A write transaction: the writer, locked, and what was staged.
struct Writer<'a> {
    repo: &'a SqliteRepo,
    conn: MutexGuard<'a, Connection>,
    staged: Vec<Change>,
    /// The last order number given by this transaction.
    last_order: Option<i64>,
    /// Until committed (or failed): dropping rolls back.
    open: bool,
    /// Set by the first `write_now`: this transaction fills the database.
    fill: Option<write::Fill>,
}

impl Writer<'_> {
    fn db(&self) -> Result<Db<'_>, RepoError> {
        Ok(Db { conn: &self.conn, path: &self.repo.path })
    }
}

impl Drop for Writer<'_> {
    fn drop(&mut self) {
        if self.open || !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
        if let Some(fill) = &self.fill {
            fill.restore(&self.conn);
        }
    }
}

/// Both transactions answer every read from their connection.
macro_rules! reads_from_db {
    ($t:ty) => {
        impl ReadTx for $t {
            fn account(&self, username: &str) -> Result<Option<User>, RepoError> {
                self.db()?.account(username)
            }
            fn accounts_with_key(&self, fingerprint: &str) -> Result<Vec<User>, RepoError> {
                self.db()?.accounts_with_key(fingerprint)
            }
            fn each_account(&self, visit: &mut dyn FnMut(&User)) -> Result<(), RepoError> {
                self.db()?.each_account(visit)
            }
            fn each_cart(&self, visit: &mut dyn FnMut(&Cart)) -> Result<(), RepoError> {
                self.db()?.each_cart(visit)
            }
            fn product(&self, product_id: &str) -> Result<Option<Product>, RepoError> {
                self.db()?.product(product_id)
            }
            fn each_product(&self, visit: &mut dyn FnMut(&Product)) -> Result<(), RepoError> {
                self.db()?.each_product(visit)
            }
            fn cart(&self, username: &str) -> Result<Option<Cart>, RepoError> {
                self.db()?.cart(username)
            }
            fn carts_holding(&self, product_id: &str) -> Result<Vec<Cart>, RepoError> {
                self.db()?.carts_holding(product_id)
            }
            fn discount(&self, code: &str) -> Result<Option<Discount>, RepoError> {
                self.db()?.discount(code)
            }
            fn discounts(&self) -> Result<Vec<Discount>, RepoError> {
                self.db()?.discounts()
            }
            fn settings(&self) -> Result<Settings, RepoError> {
                self.db()?.settings()
            }
            fn order(&self, order_id: &str) -> Result<Option<Order>, RepoError> {
                self.db()?.order(order_id)
            }
            fn orders_of(&self, username: &str) -> Result<Vec<Order>, RepoError> {
                self.db()?.orders_of(username)
            }
            fn order_by_checkout_key(&self, username: &str, key: &str) -> Result<Option<Order>, RepoError> {
                self.db()?.order_by_checkout_key(username, key)
            }
            fn each_order(&self, visit: &mut dyn FnMut(&Order)) -> Result<(), RepoError> {
                self.db()?.each_order(visit)
            }
            fn code_uses(&self, code: &str, username: &str) -> Result<Uses, RepoError> {
                self.db()?.code_uses(code, username)
            }
            fn orders_carrying(&self, code: &str) -> Result<usize, RepoError> {
                self.db()?.orders_carrying(code)
            }
            fn ever_ordered(&self, product_id: &str) -> Result<bool, RepoError> {
                self.db()?.ever_ordered(product_id)
            }
        }
    };
}

reads_from_db!(Reader<'_>);
reads_from_db!(Writer<'_>);

impl WriteTx for Writer<'_> {
    fn next_order_id(&mut self) -> Result<String, RepoError> {
        let mut last = match self.last_order {
            Some(last) => last,
            None => self.db()?.last_order_number()?,
        };
        // The sequence is raised by every order stored; an id taken anyway
        // (a row put in by hand) is passed over, never overwritten.
        loop {
            let next = last
                .checked_add(1)
                .filter(|n| *n > 0)
                .ok_or_else(|| RepoError::Unavailable("order numbers have run out".into()))?;
            let id = format_order_id(next.unsigned_abs());
            last = next;
            if self.db()?.order(&id)?.is_none() {
                self.last_order = Some(last);
                return Ok(id);
            }
        }
    }

    fn stage(&mut self, change: Change) {
        self.staged.push(change);
    }

    fn write_now(&mut self, change: Change) -> Result<(), RepoError> {
        if self.fill.is_none() {
            self.fill = Some(self.db()?.begin_fill()?);
        }
        self.db()?.apply(&change)
    }

    fn commit(mut self: Box<Self>) -> Result<ChangeSet, RepoError> {
        let staged = std::mem::take(&mut self.staged);
        let kept = self.repo.feed_kept;
        let db = self.db()?;
        let committed = (|| {
            for change in &staged {
                db.apply(change)?;
            }
            let set = match &self.fill {
                Some(fill) => {
                    db.end_fill(fill)?;
                    // A whole shop written: its ids would make a feed row
                    // of megabytes, and anyone listening reads it all anyway.
                    ChangeSet::everything(0)
                }
                None => ChangeSet::of(&staged),
            };
            let set = if set.is_empty() { set } else { db.record(set, kept)? };
            db.conn.execute_batch("COMMIT").map_err(|e| db.fail(e))?;
            Ok(set)
        })();
        // Done either way: a failed one is rolled back as the writer drops.
        self.open = committed.is_err();
        committed
    }
}

impl Repo for SqliteRepo {
    fn read(&self) -> Result<Box<dyn ReadTx + '_>, RepoError> {
        Ok(Box::new(self.reader()?))
    }

    fn write(&self) -> Result<Box<dyn WriteTx + '_>, RepoError> {
        let conn = self.writer();
        conn.execute_batch("BEGIN IMMEDIATE").map_err(|e| from_sqlite(&self.path, e))?;
        Ok(Box::new(Writer { repo: self, conn, staged: Vec::new(), last_order: None, open: true, fill: None }))
    }

    fn changes_after(&self, after: u64) -> Result<Feed, RepoError> {
        self.reader()?.db()?.changes_after(after)
    }

    fn login_failures(
        &self,
        keys: &[&str],
        update: &mut dyn FnMut(&mut [Option<LoginFailures>]),
    ) -> Result<(), RepoError> {
        let conn = self.writer();
        let db = Db { conn: &conn, path: &self.path };
        conn.execute_batch("BEGIN IMMEDIATE").map_err(|e| db.fail(e))?;
        let done = db.login_failures(keys, update).and_then(|()| conn.execute_batch("COMMIT").map_err(|e| db.fail(e)));
        if done.is_err() {
            let _ = conn.execute_batch("ROLLBACK");
        }
        done
    }
}

#[cfg(test)]
mod tests;

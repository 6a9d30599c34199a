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
//! and `-shm` files, which SQLite creates with the database's mode; an
//! existing file of ours others can read, and its `-wal` and `-shm`, are
//! made so) and brings its schema up to date (see `schema`); a file that is
//! not a Shopfront database, or is of a newer one, is refused unchanged.
//! Opening only to read (`open_read_only`: `check`, `search`, migrate's
//! source) changes nothing, in the file or beside it.

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
    /// The writer; when opened read-only, one more reader (never written with).
    writer: Mutex<Connection>,
    readers: Pool,
    /// Rows the change feed keeps.
    feed_kept: u64,
    access: Access,
    /// `Access::Immutable`: the file as it was when opened (boxed: kept
    /// small, as migrate's `Source` holds a repo by value).
    opened_as: Option<Box<Stamp>>,
}

/// How a `SqliteRepo`'s connections reach the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Access {
    /// The shop's: reads and writes, in WAL mode.
    ReadWrite,
    /// `open_read_only`: SQLite opens the file read-only, and uses the
    /// `-wal` and `-shm` beside a WAL database that is in use.
    ReadOnly,
    /// `open_read_only` of a WAL database no process has open (no `-wal`
    /// or `-shm` beside it): SQLite's `immutable`, since a read-only
    /// connection would create a `-wal` and `-shm` with the database's mode
    /// and leave them (a 0444 database's then make every later writer fail).
    /// SQLite then takes no locks and does not notice a process that starts
    /// writing meanwhile, so every read is checked against the file's
    /// `Stamp` (a writer's checkpoint changes the file; until then its
    /// changes are only in its `-wal`, and the file still reads as it was).
    Immutable,
}

/// Where a file is and when it was last changed, to tell that it was.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Stamp {
    device: u64,
    inode: u64,
    len: u64,
    modified: (i64, i64),
    changed: (i64, i64),
}

impl Stamp {
    fn of(path: &Path) -> Option<Stamp> {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(path).ok()?;
        Some(Stamp {
            device: meta.dev(),
            inode: meta.ino(),
            len: meta.len(),
            modified: (meta.mtime(), meta.mtime_nsec()),
            changed: (meta.ctime(), meta.ctime_nsec()),
        })
    }
}

impl SqliteRepo {
    /// Opens the database at `path`, creating it (and its schema) if there
    /// is none.
    pub fn open(path: &Path) -> Result<SqliteRepo, RepoError> {
        let path = &placed(path)?;
        let file = path.display();
        if let schema::Probe::New = schema::probe(path)? {
            create_private(path)?;
        }
        make_private(path)?;
        let writer = connect(path, Access::ReadWrite, true)?;
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
            access: Access::ReadWrite,
            opened_as: None,
        })
    }

    /// Opens the database at `path` only to read it (`check`, `search`, the
    /// source of `migrate`): SQLite opens it read-only, and nothing is
    /// written to it or beside it — no journal mode set, no schema
    /// upgraded, no mode changed. Works on a file we may only read. A file
    /// that does not exist or is empty, or one whose schema is not this
    /// build's (older ones too, which only opening it to write upgrades),
    /// is refused. Every change through it is refused.
    pub fn open_read_only(path: &Path) -> Result<SqliteRepo, RepoError> {
        let path = &placed(path)?;
        let file = path.display();
        let wal = match schema::probe(path)? {
            schema::Probe::New if std::fs::symlink_metadata(path).is_err() => {
                return Err(RepoError::Unavailable(format!("Cannot open the database {file}: there is no such file")));
            }
            schema::Probe::New => {
                return Err(RepoError::Unavailable(format!(
                    "{file} is empty: there is no shop in it yet; Shopfront did not change it"
                )));
            }
            schema::Probe::Database { wal } => wal,
        };
        let access = match (wal, beside(path, "-wal").exists(), beside(path, "-shm").exists()) {
            (false, _, _) | (true, true, true) => Access::ReadOnly,
            (true, false, false) => Access::Immutable,
            (true, _, _) => {
                return Err(RepoError::Unavailable(format!(
                    "{file} has a -wal or -shm file beside it without the other (another process is opening or \
                     closing it): try again; if it stays so, run the shop on it once. Shopfront did not change it"
                )));
            }
        };
        // Before SQLite reads anything.
        let opened_as = match access {
            Access::Immutable => Some(
                Stamp::of(path)
                    .map(Box::new)
                    .ok_or_else(|| RepoError::Unavailable(format!("Cannot open the database {file}: it is gone")))?,
            ),
            Access::ReadWrite | Access::ReadOnly => None,
        };
        let repo = SqliteRepo {
            path: path.to_path_buf(),
            writer: Mutex::new(connect(path, access, true)?),
            readers: Pool::default(),
            feed_kept: feed::KEPT,
            access,
            opened_as,
        };
        let checked = {
            let reader = repo.writer();
            schema::inspect(&reader, path).and_then(|()| schema::check_current(&reader, path))
        };
        repo.unchanged()?;
        checked?;
        Ok(repo)
    }

    /// The database file (its absolute path).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// SQLite's own checks, for `check`: every page and index (`PRAGMA
    /// integrity_check`), then every reference between tables (`PRAGMA
    /// foreign_key_check`: a row put in by hand with foreign keys off can
    /// point at nothing). `Damaged` with what they found, else nothing.
    pub fn integrity_check(&self) -> Result<(), RepoError> {
        let found = self.sqlite_checks();
        self.unchanged()?;
        found
    }

    fn sqlite_checks(&self) -> Result<(), RepoError> {
        let reader = self.reader()?;
        let db = reader.db()?;
        let printable = |line: &str| crate::domain::text::printable(line).into_owned();
        let mut statement = db.conn.prepare("PRAGMA integrity_check(20)").map_err(|e| db.fail(e))?;
        let found: Vec<String> = statement
            .query_map([], |row| row.get(0))
            .map_err(|e| db.fail(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| db.fail(e))?;
        if found.len() != 1 || found[0] != "ok" {
            let found: Vec<String> = found.iter().map(|line| printable(line)).collect();
            return Err(RepoError::Damaged(format!(
                "{}: SQLite's integrity check found: {}",
                self.path.display(),
                found.join("; ")
            )));
        }
        let mut statement = db
            .conn
            .prepare(r#"SELECT "table", parent, count(*) FROM pragma_foreign_key_check GROUP BY 1, 2 ORDER BY 1, 2"#)
            .map_err(|e| db.fail(e))?;
        let orphans: Vec<(String, String, i64)> = statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .map_err(|e| db.fail(e))?
            .collect::<Result<_, _>>()
            .map_err(|e| db.fail(e))?;
        if orphans.is_empty() {
            return Ok(());
        }
        let found: Vec<String> = orphans
            .iter()
            .map(|(table, parent, rows)| {
                let (table, parent) = (printable(table), printable(parent));
                format!("{rows} row(s) of {table} refer to rows of {parent} that do not exist")
            })
            .collect();
        Err(RepoError::Damaged(format!(
            "{}: SQLite's foreign key check found: {} (put in by hand with foreign keys off?)",
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

    /// For a database read as immutable: `Unavailable` if its file changed
    /// since it was opened (what was read from it meanwhile may be torn).
    fn unchanged(&self) -> Result<(), RepoError> {
        match &self.opened_as {
            Some(stamp) if Stamp::of(&self.path).as_ref() != Some(&**stamp) => Err(RepoError::Unavailable(format!(
                "The database {} changed while it was being read (another process opened it to write): try again",
                self.path.display()
            ))),
            _ => Ok(()),
        }
    }

    /// Refuses a change through a database opened only to read.
    fn writable(&self) -> Result<(), RepoError> {
        match self.access {
            Access::ReadWrite => Ok(()),
            Access::ReadOnly | Access::Immutable => Err(RepoError::Unavailable(format!(
                "Changes are not saved: the database {} was opened only to be read",
                self.path.display()
            ))),
        }
    }

    /// A read transaction's connection.
    fn reader(&self) -> Result<Reader<'_>, RepoError> {
        let conn = self.readers.take(|| connect(&self.path, self.access, false))?;
        let reader = Reader { repo: self, conn: Some(conn) };
        let db = reader.db()?;
        db.conn.execute_batch("BEGIN").map_err(|e| db.fail(e))?;
        Ok(reader)
    }
}

/// `path` made absolute (read connections opened later find the same file
/// whatever the current directory is by then), if it can be a database
/// file: its folder exists and it is no folder itself.
fn placed(path: &Path) -> Result<PathBuf, RepoError> {
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
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
    Ok(path)
}

/// The file SQLite keeps beside the database: `suffix` is `-wal` or `-shm`.
fn beside(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

/// Creates the database file, readable and writable by its owner only.
fn create_private(path: &Path) -> Result<(), RepoError> {
    match OpenOptions::new().write(true).create_new(true).mode(0o600).open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(RepoError::Unavailable(format!("Cannot create the database {}: {e}", path.display()))),
    }
}

/// Makes the database file and the `-wal` and `-shm` beside it private to
/// their owner, as the folder does users.json: a file that was there before
/// (made by `touch`, copied or restored) keeps its mode when SQLite opens
/// it, and SQLite gives the `-wal` and `-shm` it creates the database's mode.
/// Before SQLite opens it, so that what it creates from now on is private.
fn make_private(path: &Path) -> Result<(), RepoError> {
    let (Some(folder), Some(name)) = (path.parent(), path.file_name()) else { return Ok(()) };
    for suffix in ["", "-wal", "-shm"] {
        let mut file = name.to_os_string();
        file.push(suffix);
        crate::store::atomic::make_private(folder, &file).map_err(|e| {
            RepoError::Unavailable(format!("Cannot make {} private to its owner: {e}", folder.join(&file).display()))
        })?;
    }
    Ok(())
}

/// A connection to the database at `path`, set up as the writer or a reader.
fn connect(path: &Path, access: Access, writer: bool) -> Result<Connection, RepoError> {
    let fail = |e| from_sqlite(path, e);
    // No CREATE: the file exists by now, and one that vanished is not made anew here.
    let conn = match access {
        Access::ReadWrite => {
            Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        }
        Access::ReadOnly => {
            Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
        }
        Access::Immutable => Connection::open_with_flags(
            immutable_uri(path),
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
        ),
    }
    .map_err(fail)?;
    if access == Access::ReadWrite && conn.is_readonly(rusqlite::MAIN_DB).map_err(fail)? {
        return Err(RepoError::Unavailable(format!(
            "The database {} is read-only: Shopfront needs to write it (and to create files beside it, in its \
             folder); make them writable",
            path.display()
        )));
    }
    conn.busy_timeout(BUSY_TIMEOUT).map_err(fail)?;
    conn.set_prepared_statement_cache_capacity(64);
    if writer && access == Access::ReadWrite {
        // Every commit reaches the disk before it is reported (as the folder's fsync).
        conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;").map_err(fail)?;
    } else {
        conn.execute_batch("PRAGMA query_only = ON;").map_err(fail)?;
    }
    Ok(conn)
}

/// `file:PATH?immutable=1`, the path's bytes percent-encoded but for
/// letters, digits and `/-._~` (a `?` or `#` in a name must not end it).
fn immutable_uri(path: &Path) -> String {
    use std::fmt::Write;
    use std::os::unix::ffi::OsStrExt;
    let mut uri = String::from("file:");
    for &byte in path.as_os_str().as_bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            let _ = write!(uri, "%{byte:02X}");
        }
    }
    uri.push_str("?immutable=1");
    uri
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
    repo: &'a SqliteRepo,
    conn: Option<Connection>,
}

impl Reader<'_> {
    /// Its connection (held until it is dropped).
    fn db(&self) -> Result<Db<'_>, RepoError> {
        let conn = self.conn.as_ref().ok_or_else(|| RepoError::Unavailable("a read connection was lost".into()))?;
        Ok(Db { conn, path: &self.repo.path })
    }

    /// What was read, unless the file changed under an immutable read.
    fn settled<T>(&self, read: Result<T, RepoError>) -> Result<T, RepoError> {
        self.repo.unchanged()?;
        read
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        let _ = conn.execute_batch("ROLLBACK");
        // Kept only if it is out of the transaction.
        self.repo.readers.give_back(conn.is_autocommit().then_some(conn));
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

    /// What was read (the writer reads a file it holds locked).
    fn settled<T>(&self, read: Result<T, RepoError>) -> Result<T, RepoError> {
        read
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
                self.settled(self.db()?.account(username))
            }
            fn accounts_with_key(&self, fingerprint: &str) -> Result<Vec<User>, RepoError> {
                self.settled(self.db()?.accounts_with_key(fingerprint))
            }
            fn each_account(&self, visit: &mut dyn FnMut(&User)) -> Result<(), RepoError> {
                self.settled(self.db()?.each_account(visit))
            }
            fn each_cart(&self, visit: &mut dyn FnMut(&Cart)) -> Result<(), RepoError> {
                self.settled(self.db()?.each_cart(visit))
            }
            fn product(&self, product_id: &str) -> Result<Option<Product>, RepoError> {
                self.settled(self.db()?.product(product_id))
            }
            fn each_product(&self, visit: &mut dyn FnMut(&Product)) -> Result<(), RepoError> {
                self.settled(self.db()?.each_product(visit))
            }
            fn cart(&self, username: &str) -> Result<Option<Cart>, RepoError> {
                self.settled(self.db()?.cart(username))
            }
            fn carts_holding(&self, product_id: &str) -> Result<Vec<Cart>, RepoError> {
                self.settled(self.db()?.carts_holding(product_id))
            }
            fn discount(&self, code: &str) -> Result<Option<Discount>, RepoError> {
                self.settled(self.db()?.discount(code))
            }
            fn discounts(&self) -> Result<Vec<Discount>, RepoError> {
                self.settled(self.db()?.discounts())
            }
            fn settings(&self) -> Result<Settings, RepoError> {
                self.settled(self.db()?.settings())
            }
            fn order(&self, order_id: &str) -> Result<Option<Order>, RepoError> {
                self.settled(self.db()?.order(order_id))
            }
            fn orders_of(&self, username: &str) -> Result<Vec<Order>, RepoError> {
                self.settled(self.db()?.orders_of(username))
            }
            fn order_by_checkout_key(&self, username: &str, key: &str) -> Result<Option<Order>, RepoError> {
                self.settled(self.db()?.order_by_checkout_key(username, key))
            }
            fn each_order(&self, visit: &mut dyn FnMut(&Order)) -> Result<(), RepoError> {
                self.settled(self.db()?.each_order(visit))
            }
            fn code_uses(&self, code: &str, username: &str) -> Result<Uses, RepoError> {
                self.settled(self.db()?.code_uses(code, username))
            }
            fn orders_carrying(&self, code: &str) -> Result<usize, RepoError> {
                self.settled(self.db()?.orders_carrying(code))
            }
            fn ever_ordered(&self, product_id: &str) -> Result<bool, RepoError> {
                self.settled(self.db()?.ever_ordered(product_id))
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
        self.writable()?;
        let conn = self.writer();
        conn.execute_batch("BEGIN IMMEDIATE").map_err(|e| from_sqlite(&self.path, e))?;
        Ok(Box::new(Writer { repo: self, conn, staged: Vec::new(), last_order: None, open: true, fill: None }))
    }

    fn changes_after(&self, after: u64) -> Result<Feed, RepoError> {
        let reader = self.reader()?;
        reader.settled(reader.db()?.changes_after(after))
    }

    fn login_failures(
        &self,
        keys: &[&str],
        update: &mut dyn FnMut(&mut [Option<LoginFailures>]),
    ) -> Result<(), RepoError> {
        self.writable()?;
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

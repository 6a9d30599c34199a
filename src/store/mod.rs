//! The repository layer: the only door to the data folder.
//!
//! Every change is one method that takes the folder lock, replays an
//! unfinished journal, re-reads whatever another process changed, asks the
//! domain for the new records, and commits them (journal first when more
//! than one file changes, then each file replaced atomically).

pub(crate) mod atomic;
mod data;
mod error;
pub mod files;
mod history;
pub mod journal;
mod lock;
pub mod logins;
mod outside;
pub mod read;
pub mod repo;
pub mod search_index;
mod seed;
pub mod summaries;
mod table;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

pub use data::Data;
pub use error::{LoadError, StoreError};
pub use files::FileKind;
pub use journal::{Change, JOURNAL_FILE};
pub use lock::{LOCK_FILE, LockWait};
pub use seed::{DEMO_CATALOG, demo_products};
pub use table::Table;

use crate::domain::{Cart, Discount, Order, Product, Settings, Timestamp, User};
use crate::password::hash_password;
use lock::{DirLock, LockGuard, SharedGuard};

/// Where the data folder is when nothing says otherwise.
pub const DEFAULT_DATA_DIR: &str = "data";
pub const DATA_DIR_ENV: &str = "SHOPFRONT_DATA_DIR";

/// What we last saw of a file: the counter in the lock file and what `stat` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp {
    generation: u64,
    len: u64,
    inode: u64,
    mtime_ns: i128,
    /// Moves with any change to the file, its mode included (a chmod that
    /// makes an unreadable file readable).
    ctime_ns: i128,
}

impl Stamp {
    /// Whether `found` (what `stat` said of a file as it was read; `None`:
    /// there was none) is the file this stamp describes.
    fn is_of(&self, found: Option<&fs::Metadata>) -> bool {
        let mine = (self.len, self.inode, self.mtime_ns, self.ctime_ns);
        match found {
            Some(meta) => mine == file_identity(meta),
            None => mine == (0, 0, 0, 0),
        }
    }

    /// Whether the file changed so lately that a change in the same tick
    /// of the file system's clock could still leave its stamp as it is.
    fn is_recent(&self) -> bool {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let now = i128::try_from(now).unwrap_or(i128::MAX);
        now.saturating_sub(self.mtime_ns.max(self.ctime_ns)) < RECENT_NS
    }
}

/// How recent a change is too recent to trust a file's times to show the
/// next one (some file systems keep whole seconds, two on FAT).
const RECENT_NS: i128 = 2_100_000_000;

/// Size, inode, modification and change times: what tells one version of
/// a file from another.
fn file_identity(meta: &fs::Metadata) -> (u64, u64, i128, i128) {
    let nanos = |secs: i64, nsec: i64| i128::from(secs) * 1_000_000_000 + i128::from(nsec);
    (meta.len(), meta.ino(), nanos(meta.mtime(), meta.mtime_nsec()), nanos(meta.ctime(), meta.ctime_nsec()))
}

/// Whether opening may create the folder and seed the demo catalog.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenMode {
    CreateAndSeed,
    /// Created if missing, never seeded (a shop being copied in).
    CreateEmpty,
    ExistingOnly,
}

const FILE_KINDS: usize = FileKind::ALL.len();

pub struct Store {
    dir: PathBuf,
    lock: DirLock,
    wait: LockWait,
    data: Data,
    /// `None`: must be read before it is trusted.
    stamps: [Option<Stamp>; FILE_KINDS],
    /// Bumped whenever a table's contents change in memory (load or commit).
    versions: [u64; FILE_KINDS],
    clock: fn() -> Timestamp,
    /// What this copy's commits replaced, to recognise a stale copy saved over a file.
    history: history::History,
    /// Files replaced from outside by a copy that undoes our changes: not
    /// taken (we keep reading the last good state) and not written.
    held_back: [Option<HeldBack>; FILE_KINDS],
    /// What reading files again changed, for the change feed.
    outside: outside::Outside,
    /// Whether the first read leaves orders.json for later.
    orders_later: bool,
    /// orders.json not read yet: taken in by the next sync, before
    /// anything else is read or written.
    later_orders: Option<LaterOrders>,
    /// Files that did not load, as they were then: not read again (a big
    /// damaged file would be parsed at every look) until they change.
    unreadable: [Option<(Stamp, LoadError)>; FILE_KINDS],
}

/// orders.json left for later, so that a big shop's catalog is there
/// before its history is. The stamp is the file's when the open read the
/// rest, under the lock: the read may find a newer file (another copy's
/// commit meanwhile), and the next sync then sees it changed and reads it
/// again.
enum LaterOrders {
    /// Read by the next sync (`read_orders_meanwhile` not called).
    Waiting(Stamp),
    /// Being read on its own thread.
    Reading(std::thread::JoinHandle<Found<Order>>, Stamp),
    /// Read, waiting for the next sync (under the lock) to take it in.
    Read(Box<Found<Order>>, Stamp),
}

/// A table as read, and what `stat` said of the file it was read from.
type Found<T> = (Result<Table<T>, LoadError>, Option<fs::Metadata>);

#[derive(Clone, Debug)]
struct HeldBack {
    /// The outside file, as we saw it.
    stamp: Stamp,
    /// What it would undo.
    what: String,
}

/// The name of the shop's own copy of a file held back (beside it in the folder).
pub fn own_copy_name(kind: FileKind) -> String {
    format!(".{}.shop", kind.file_name())
}

/// How the folder is held while it is read.
enum ReadGuard {
    /// Exclusively: we may write it.
    Write(LockGuard),
    /// Shared: we may only read it.
    Read(SharedGuard),
}

impl ReadGuard {
    fn generations(&self) -> std::io::Result<lock::Generations> {
        match self {
            ReadGuard::Write(guard) => guard.generations(),
            ReadGuard::Read(guard) => guard.generations(),
        }
    }
}

impl Store {
    /// Opens (creating and seeding if needed) the folder and loads everything.
    /// A file that cannot be loaded is reported and never modified.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        Store::open_with(dir, OpenMode::CreateAndSeed)
    }

    /// Opens the folder for reading and writing. Every open by a copy that
    /// may write also finishes what an older shop left insecure: plaintext
    /// passwords are hashed (`progress` hears how far) and users.json is made
    /// private.
    pub fn open_with(dir: &Path, mode: OpenMode) -> Result<Store, StoreError> {
        Store::open_reading_orders(dir, mode, false)
    }

    /// Opens the folder like `open`, but leaves orders.json for later (on
    /// another thread once `read_orders_meanwhile` is called): `products()`
    /// and `settings()` are there at once, and the first read or change
    /// (every one begins with `refresh` or a write lock) waits for the
    /// orders, and reports them if they do not load.
    /// For the shop, whose catalog a shopper can browse while a long
    /// history loads. (A folder without products.json is read whole first.)
    pub fn open_orders_later(dir: &Path) -> Result<Store, StoreError> {
        Store::open_reading_orders(dir, OpenMode::CreateAndSeed, true)
    }

    fn open_reading_orders(dir: &Path, mode: OpenMode, orders_later: bool) -> Result<Store, StoreError> {
        match mode {
            _ if dir.exists() && !dir.is_dir() => return Err(no_such_folder(dir)),
            OpenMode::CreateAndSeed | OpenMode::CreateEmpty => {
                atomic::create_private_dir(dir).map_err(|e| StoreError::io(dir, e))?
            }
            OpenMode::ExistingOnly if !dir.is_dir() => return Err(no_such_folder(dir)),
            OpenMode::ExistingOnly => {}
        }
        let lock = DirLock::open(dir).map_err(|e| StoreError::io(dir.join(LOCK_FILE), e))?;
        let mut store = Store {
            dir: dir.to_path_buf(),
            lock,
            wait: LockWait::Patient { notice: print_waiting_notice },
            data: Data::default(),
            stamps: [None; FILE_KINDS],
            versions: [0; FILE_KINDS],
            clock: crate::clock::now,
            history: Default::default(),
            held_back: Default::default(),
            outside: Default::default(),
            // A folder about to be seeded is new, or damaged: read it all
            // before seeding, as ever.
            orders_later: orders_later && fs::symlink_metadata(dir.join(FileKind::Products.file_name())).is_ok(),
            later_orders: None,
            unreadable: Default::default(),
        };
        let writable = {
            let guard = store.read_lock()?;
            store.sync(&guard)?;
            let products = FileKind::Products.file_name();
            let seed = mode == OpenMode::CreateAndSeed && fs::symlink_metadata(dir.join(products)).is_err();
            match &guard {
                ReadGuard::Write(lock) => {
                    atomic::remove_stale_temps(dir).map_err(|e| StoreError::io(dir, e))?;
                    if seed {
                        let changes = demo_products()?.into_iter().map(Change::PutProduct).collect();
                        store.commit(lock, changes)?;
                    }
                    for private in [FileKind::Users.file_name(), JOURNAL_FILE] {
                        atomic::make_private(dir, private).map_err(|e| StoreError::io(dir.join(private), e))?;
                    }
                    true
                }
                // A folder we may only read is read as it is: nothing made, seeded or secured.
                ReadGuard::Read(_) if seed => return Err(store.read_only("no products.json to show")),
                ReadGuard::Read(_) => false,
            }
        };
        if writable {
            store.secure_plaintext_passwords(print_hashing_progress)?;
        }
        Ok(store)
    }

    /// Whether changes wait for another copy's lock or give up at once with
    /// `StoreError::Busy` (the app, which must keep answering keys).
    pub fn set_lock_wait(&mut self, wait: LockWait) {
        self.wait = wait;
    }

    /// Replaces every console-shop plaintext password with its argon2id hash,
    /// in one atomic write of users.json. The hashing (the slow part) runs
    /// outside the lock on every core; `progress(done, total)` follows it.
    pub fn secure_plaintext_passwords(&mut self, progress: fn(usize, usize)) -> Result<usize, StoreError> {
        let plain: Vec<(String, String)> = self
            .data
            .users
            .rows()
            .iter()
            .filter(|u| u.has_plaintext_password())
            .filter_map(|u| Some((u.username.clone(), u.password.clone()?)))
            .collect();
        if plain.is_empty() {
            return Ok(0);
        }
        let hashes = hash_all(&plain, progress)?;
        self.transact(|data, _| {
            let mut changes = Vec::new();
            for ((username, password), hash) in plain.iter().zip(hashes) {
                // Only if the account still has the password that was hashed.
                if let Some(user) = data.users.get(username)
                    && user.has_plaintext_password()
                    && user.password.as_deref() == Some(password.as_str())
                {
                    changes.push(Change::PutUser(User { password_hash: Some(hash), password: None, ..user.clone() }));
                }
            }
            Ok((changes.len(), changes))
        })
    }

    /// The clock this store's changes are stamped with.
    pub fn clock(&self) -> fn() -> Timestamp {
        self.clock
    }

    /// Replaces the clock (tests pin time).
    pub fn set_clock(&mut self, clock: fn() -> Timestamp) {
        self.clock = clock;
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// What was last loaded; call `refresh` to see other processes' changes.
    /// (A store opened with `open_orders_later` has its orders only after
    /// a `refresh`.)
    pub fn data(&self) -> &Data {
        debug_assert!(self.later_orders.is_none(), "the orders are read by the next refresh");
        &self.data
    }

    /// Whether orders.json is still to be taken in (`open_orders_later`).
    pub fn orders_pending(&self) -> bool {
        self.later_orders.is_some()
    }

    /// The products, as last loaded (also while orders.json is still read).
    pub fn products(&self) -> &Table<Product> {
        &self.data.products
    }

    /// The settings, as last loaded (also while orders.json is still read).
    pub fn settings(&self) -> &Settings {
        &self.data.settings
    }

    /// A counter that changes whenever the table of `kind` changes in memory,
    /// so views built from it know when to rebuild.
    pub fn version(&self, kind: FileKind) -> u64 {
        self.versions[kind.index()]
    }

    /// `kind` changed in ways the feed cannot name (it says "all").
    pub fn forget_which_changed(&mut self, kind: FileKind) {
        self.outside.note(kind, None);
    }

    /// What reading files again (another process's changes) changed since
    /// last asked, of the kinds `moved` says; by id where known.
    pub fn take_outside_changes(&mut self, moved: impl Fn(FileKind) -> bool) -> crate::repo::ChangeSet {
        self.outside.take(moved)
    }

    /// Re-reads whatever another process changed. Returns whether anything
    /// did. Works on a folder we may only read.
    pub fn refresh(&mut self) -> Result<bool, StoreError> {
        self.wait_for_orders();
        let guard = self.read_lock()?;
        self.sync(&guard)
    }

    // ---- reads ----

    /// `username`'s cart as last read (an empty one if none was saved).
    pub fn cart(&self, username: &str) -> Cart {
        self.data.cart_of(username)
    }

    /// The account the SSH key with `fingerprint` logs in, if any.
    pub fn key_owner(&self, fingerprint: &str) -> Option<&User> {
        self.data.users.rows().iter().find(|u| u.ssh_keys.iter().any(|k| k == fingerprint))
    }

    // ---- the transaction machinery ----

    /// The folder, exclusively, for a change. A folder we may not write
    /// says so (`StoreError::ReadOnly`).
    fn lock(&self) -> Result<LockGuard, StoreError> {
        match self.lock.exclusive(self.wait) {
            Ok(Some(guard)) => Ok(guard),
            Ok(None) => Err(StoreError::Busy),
            Err(e) if lock::is_read_only(&e) => {
                let reason =
                    if e.raw_os_error() == Some(libc::EROFS) { "read-only file system" } else { "no write permission" };
                Err(self.read_only(reason))
            }
            Err(e) => Err(StoreError::io(self.dir.join(LOCK_FILE), e)),
        }
    }

    /// The folder for reading: exclusively when we may write it (so an
    /// interrupted change can be finished), shared when we may only read it
    /// (a folder remounted read-only after an I/O error still serves).
    fn read_lock(&self) -> Result<ReadGuard, StoreError> {
        match self.lock() {
            Ok(guard) => Ok(ReadGuard::Write(guard)),
            Err(StoreError::ReadOnly { .. }) => match self.lock.shared(self.wait) {
                Ok(Some(guard)) => Ok(ReadGuard::Read(guard)),
                Ok(None) => Err(StoreError::Busy),
                Err(e) => Err(StoreError::io(self.dir.join(LOCK_FILE), e)),
            },
            Err(other) => Err(other),
        }
    }

    fn read_only(&self, reason: &str) -> StoreError {
        StoreError::ReadOnly { path: self.dir.clone(), reason: reason.to_string() }
    }

    /// Runs one read-modify-write under the lock, against fresh data:
    /// `decide` gets the data and the time and answers with a result and
    /// the changes to commit (all or none).
    pub fn transact<R, E: From<StoreError>>(
        &mut self,
        decide: impl FnOnce(&Data, Timestamp) -> Result<(R, Vec<Change>), E>,
    ) -> Result<R, E> {
        let guard = self.begin_write()?;
        let (result, changes) = decide(&self.data, (self.clock)())?;
        self.commit_staged(&guard, changes)?;
        Ok(result)
    }

    /// The folder, exclusively and up to date, for a change: what a write
    /// transaction holds until it commits or is dropped.
    pub(crate) fn begin_write(&mut self) -> Result<LockGuard, StoreError> {
        self.wait_for_orders();
        let guard = ReadGuard::Write(self.lock()?);
        self.sync(&guard)?;
        match guard {
            ReadGuard::Write(lock) => Ok(lock),
            ReadGuard::Read(_) => Err(self.read_only("no write permission")),
        }
    }

    /// Commits `changes` under `guard` (from `begin_write`), all or none;
    /// refused for a file held back.
    pub(crate) fn commit_staged(&mut self, guard: &LockGuard, changes: Vec<Change>) -> Result<(), StoreError> {
        if let Some(held) = changes.iter().map(Change::file).find(|kind| self.held_back[kind.index()].is_some())
            && let Some(back) = &self.held_back[held.index()]
        {
            return Err(StoreError::HeldBack { file: held.file_name(), what: back.what.clone() });
        }
        if changes.is_empty() {
            return Ok(());
        }
        self.commit(guard, changes)
    }

    /// The time now, by this store's clock (tests pin it).
    pub fn now(&self) -> Timestamp {
        (self.clock)()
    }

    /// Finishes an interrupted commit, then re-reads every file whose
    /// generation or on-disk identity changed since we last read it.
    fn sync(&mut self, guard: &ReadGuard) -> Result<bool, StoreError> {
        self.take_in_orders()?;
        for kind in FileKind::ALL {
            read::check_not_symlink(&self.dir, kind.file_name())?;
        }
        let recovered = self.recover(guard)?;
        let generations = guard.generations().map_err(|e| StoreError::io(self.dir.join(LOCK_FILE), e))?;
        let mut stale = Vec::new();
        let mut outside = Vec::new();
        for kind in FileKind::ALL {
            let stamp = self.stamp_of(kind, generations[kind.index()])?;
            let known = self.stamps[kind.index()];
            if known == Some(stamp) {
                continue;
            }
            match known {
                // Replaced without a Shopfront commit (its counter did not move):
                // from outside, while we run.
                Some(known) if known.generation == stamp.generation => {
                    let still_held = self.held_back[kind.index()].as_ref().is_some_and(|held| held.stamp == stamp);
                    if !still_held {
                        outside.push((kind, stamp));
                    }
                }
                _ => stale.push((kind, stamp)),
            }
        }
        // Opening a shop: its orders on another thread (`open_orders_later`).
        if std::mem::take(&mut self.orders_later)
            && let Some(at) = stale.iter().position(|(kind, _)| *kind == FileKind::Orders)
        {
            let (_, stamp) = stale.remove(at);
            self.versions[FileKind::Orders.index()] += 1;
            self.later_orders = Some(LaterOrders::Waiting(stamp));
        }
        for (kind, stamp) in &stale {
            self.remembered_unreadable(*kind, stamp)?;
        }
        let kinds: Vec<FileKind> = stale.iter().map(|(kind, _)| *kind).collect();
        if let Err(error) = self.load(&kinds) {
            if let StoreError::Load(load) = &error
                && let Some(&(kind, stamp)) = stale.iter().find(|(kind, _)| kind.file_name() == load.file)
            {
                self.remember_unreadable(kind, stamp, load);
            }
            return Err(error);
        }
        for (kind, stamp) in &stale {
            self.unreadable[kind.index()] = None;
            self.stamps[kind.index()] = Some(*stamp);
            // Taken through Shopfront (a commit, `data accept` or `data restore`).
            self.held_back[kind.index()] = None;
        }
        let mut taken = false;
        for (kind, stamp) in outside {
            taken |= self.take_outside(guard, kind, stamp)?;
        }
        Ok(recovered || !stale.is_empty() || taken)
    }

    /// The error `kind` gave when it last failed to load, if it is still
    /// the file that failed: the same answer, without parsing it again (a
    /// big damaged file would be parsed at every look).
    fn remembered_unreadable(&self, kind: FileKind, stamp: &Stamp) -> Result<(), StoreError> {
        match &self.unreadable[kind.index()] {
            Some((failed, error)) if failed == stamp => Err(error.clone().into()),
            _ => Ok(()),
        }
    }

    /// Remembers that `kind`, as `stamp` describes it, does not parse. Not
    /// an error of opening or reading it (a chmod or a passing I/O error
    /// fixes those without touching the file: tried again every time), and
    /// not a file changed so lately that a fix could keep its stamp.
    fn remember_unreadable(&mut self, kind: FileKind, stamp: Stamp, error: &LoadError) {
        if error.line > 0 && !stamp.is_recent() {
            self.unreadable[kind.index()] = Some((stamp, error.clone()));
        }
    }

    /// Starts reading orders.json on its own thread (call it once the
    /// catalog is built: both are mostly memory traffic, and together on two
    /// cores they make the catalog twice as slow). Nothing is read from the
    /// orders until the next sync takes them in. Does nothing unless they
    /// are left for later.
    pub fn read_orders_meanwhile(&mut self) {
        let Some(LaterOrders::Waiting(stamp)) = self.later_orders else { return };
        let dir = self.dir.clone();
        let started = std::thread::Builder::new()
            .name("orders-loader".into())
            .spawn(move || read_table_found::<Order>(&dir, FileKind::Orders));
        self.later_orders = Some(match started {
            Ok(reading) => LaterOrders::Reading(reading, stamp),
            // No thread to spare: the next sync reads them itself.
            Err(e) => {
                tracing::warn!(error = %e, "cannot start reading orders.json on its own thread");
                LaterOrders::Waiting(stamp)
            }
        });
    }

    /// Waits for the thread reading orders.json, before the folder is
    /// locked: other copies are not kept waiting meanwhile.
    fn wait_for_orders(&mut self) {
        self.later_orders = match self.later_orders.take() {
            Some(LaterOrders::Reading(reading, stamp)) => Some(LaterOrders::Read(Box::new(finished(reading)), stamp)),
            other => other,
        };
    }

    /// Takes in orders.json left for later (reading it here if no thread
    /// did). Kept only if it is the file the open saw: one replaced since
    /// is read again by this sync. A file that did not load is reported,
    /// and remembered as `unreadable` like any other.
    fn take_in_orders(&mut self) -> Result<(), StoreError> {
        let ((read, found), stamp) = match self.later_orders.take() {
            None => return Ok(()),
            Some(LaterOrders::Waiting(stamp)) => (read_table_found::<Order>(&self.dir, FileKind::Orders), stamp),
            Some(LaterOrders::Reading(reading, stamp)) => (finished(reading), stamp),
            Some(LaterOrders::Read(read, stamp)) => (*read, stamp),
        };
        let seen = stamp.is_of(found.as_ref());
        match read {
            // Until now the table was empty and never looked at: no change to announce.
            Ok(table) => {
                self.data.orders = table;
                self.stamps[FileKind::Orders.index()] = seen.then_some(stamp);
                Ok(())
            }
            Err(error) => {
                if seen && found.is_some() {
                    self.remember_unreadable(FileKind::Orders, stamp, &error);
                }
                Err(error.into())
            }
        }
    }

    /// A file replaced from outside while we run: taken as it is, unless it
    /// brings back values our commits replaced (a stale copy saved over the
    /// file). Then it is held back: we keep the last good state, refuse
    /// changes to that file, keep our own copy beside it and say so.
    fn take_outside(&mut self, guard: &ReadGuard, kind: FileKind, stamp: Stamp) -> Result<bool, StoreError> {
        self.remembered_unreadable(kind, &stamp)?;
        let dir = self.dir.clone();
        let history = &self.history;
        let data = &mut self.data;
        let taken = (|| -> Result<Option<String>, LoadError> {
            Ok(match kind {
                FileKind::Users => take_if_no_rollback(history, kind, &mut data.users, read_table(&dir, kind)?),
                FileKind::Products => take_if_no_rollback(history, kind, &mut data.products, read_table(&dir, kind)?),
                FileKind::Carts => take_if_no_rollback(history, kind, &mut data.carts, read_table(&dir, kind)?),
                FileKind::Orders => take_if_no_rollback(history, kind, &mut data.orders, read_table(&dir, kind)?),
                FileKind::Discounts => take_if_no_rollback(history, kind, &mut data.discounts, read_table(&dir, kind)?),
                FileKind::Settings => {
                    let outside = read_settings(&dir)?;
                    let found = history.rollback_in_settings(&data.settings, &outside);
                    if found.is_none() {
                        data.settings = outside;
                    }
                    found
                }
            })
        })();
        let rollback = match taken {
            Ok(rollback) => rollback,
            Err(error) => {
                self.remember_unreadable(kind, stamp, &error);
                return Err(error.into());
            }
        };
        self.unreadable[kind.index()] = None;
        let Some(what) = rollback else {
            // Edited by hand: which rows is not worth finding out.
            self.outside.note(kind, None);
            self.versions[kind.index()] += 1;
            self.stamps[kind.index()] = Some(stamp);
            self.held_back[kind.index()] = None;
            return Ok(true);
        };
        let own = own_copy_name(kind);
        let kept = match guard {
            ReadGuard::Write(_) => self.save_own_copy(kind).is_ok(),
            ReadGuard::Read(_) => false,
        };
        tracing::warn!(
            file = kind.file_name(),
            undoes = %crate::domain::text::printable(&what),
            own_copy = if kept { own.as_str() } else { "not written (the folder is read-only)" },
            "a data file was replaced from outside by an older copy; changes to it are stopped until `shopfront data accept` or `shopfront data restore`"
        );
        self.held_back[kind.index()] = Some(HeldBack { stamp, what });
        Ok(false)
    }

    /// Writes our version of `kind` beside it, for `shopfront data restore`.
    fn save_own_copy(&mut self, kind: FileKind) -> Result<(), StoreError> {
        let bytes = self.encode_file(kind)?;
        let name = own_copy_name(kind);
        let staged =
            atomic::stage(&self.dir, &name, &bytes, true).map_err(|e| StoreError::io(self.dir.join(&name), e))?;
        staged.install().map_err(|e| StoreError::io(self.dir.join(&name), e))?;
        atomic::sync_dir(&self.dir).map_err(|e| StoreError::io(&self.dir, e))
    }

    /// `shopfront data accept FILE`: the copy saved over `kind` from outside
    /// is the one to keep. Every running copy then takes it (its counter
    /// moves, as after a Shopfront commit).
    pub fn accept_outside(&mut self, kind: FileKind) -> Result<(), StoreError> {
        let guard = self.lock()?;
        guard.bump(&[kind]).map_err(|e| StoreError::io(self.dir.join(LOCK_FILE), e))?;
        let own = self.dir.join(own_copy_name(kind));
        match fs::remove_file(&own) {
            Ok(()) => atomic::sync_dir(&self.dir).map_err(|e| StoreError::io(&self.dir, e))?,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(StoreError::io(own, e)),
        }
        Ok(())
    }

    /// `shopfront data restore FILE`: puts back the shop's own version of
    /// `kind`, kept beside it when the outside copy was held back.
    pub fn restore_own(&mut self, kind: FileKind) -> Result<(), StoreError> {
        let guard = self.lock()?;
        let name = own_copy_name(kind);
        let own = self.dir.join(&name);
        // It must load like the file it replaces.
        let bytes = match read::read_data_file(&self.dir, &name)? {
            Some(bytes) => bytes,
            None => {
                return Err(StoreError::Invalid(format!(
                    "there is no {name} to restore: {} is not held back (the shop keeps its own copy only then)",
                    kind.file_name()
                )));
            }
        };
        let mut check = bytes;
        let valid = match kind {
            FileKind::Users => files::parse_records_parallel::<User>(&name, &mut check, 1).map(drop),
            FileKind::Products => files::parse_records_parallel::<Product>(&name, &mut check, 1).map(drop),
            FileKind::Carts => files::parse_records_parallel::<Cart>(&name, &mut check, 1).map(drop),
            FileKind::Orders => files::parse_records_parallel::<Order>(&name, &mut check, 1).map(drop),
            FileKind::Discounts => files::parse_records_parallel::<Discount>(&name, &mut check, 1).map(drop),
            FileKind::Settings => files::parse_settings(&name, &check).map(drop),
        };
        valid?;
        fs::rename(&own, self.dir.join(kind.file_name())).map_err(|e| StoreError::io(&own, e))?;
        atomic::sync_dir(&self.dir).map_err(|e| StoreError::io(&self.dir, e))?;
        guard.bump(&[kind]).map_err(|e| StoreError::io(self.dir.join(LOCK_FILE), e))?;
        Ok(())
    }

    /// Files held back (replaced from outside by an older copy), each with
    /// what it would undo and what to do: for the admin's view and the log.
    pub fn held_back(&self) -> Vec<String> {
        FileKind::ALL
            .iter()
            .filter_map(|kind| {
                let held = self.held_back[kind.index()].as_ref()?;
                let file = kind.file_name();
                // What to do first: a narrow screen shows the start.
                Some(format!(
                    "{file} held back: run shopfront data restore|accept {file} — an older copy was saved over it: {}",
                    held.what
                ))
            })
            .collect()
    }

    /// Finishes a change a crashed commit left in the journal. A journal
    /// that cannot be trusted is refused (`journal::read`) and kept.
    fn recover(&mut self, guard: &ReadGuard) -> Result<bool, StoreError> {
        match journal::read(&self.dir)? {
            journal::JournalState::Absent => Ok(false),
            journal::JournalState::Complete(_) if matches!(guard, ReadGuard::Read(_)) => Err(self.read_only(
                "an interrupted change waits in journal.json; it is finished the next time the folder can be written",
            )),
            journal::JournalState::Complete(changes) => {
                let ReadGuard::Write(guard) = guard else { return Ok(false) };
                let touched: BTreeSet<FileKind> = changes.iter().map(Change::file).collect();
                self.load(&touched.iter().copied().collect::<Vec<_>>())?;
                // Another process's change, finished here: the feed names it.
                self.outside.note_changes(&changes);
                let staged = self.stage_changes(changes, &touched)?;
                self.install(guard, staged, &touched)?;
                Ok(true)
            }
        }
    }

    /// Commits changes, all or nothing:
    /// 1. every changed file is written in full to a fsynced temp file — if
    ///    one fails (a full disk, say), the temps are removed, memory is read
    ///    back from the untouched files and the change is reported failed;
    /// 2. when several files change, the journal is written: from here on
    ///    the change has happened, and a crash is finished by the next open;
    /// 3. the temps are renamed over the files, the journal removed.
    fn commit(&mut self, guard: &LockGuard, changes: Vec<Change>) -> Result<(), StoreError> {
        let touched: BTreeSet<FileKind> = changes.iter().map(Change::file).collect();
        let journaled = touched.len() > 1;
        let journal = if journaled { Some(changes.clone()) } else { None };
        let staged = self.stage_changes(changes, &touched)?;
        if let Some(changes) = journal
            && let Err(e) = journal::write(&self.dir, &changes)
        {
            self.abandon(staged, &touched);
            return Err(StoreError::io(self.dir.join(JOURNAL_FILE), e));
        }
        self.install(guard, staged, &touched)
    }

    /// Applies `changes` in memory and writes each touched file to a temp file.
    fn stage_changes(
        &mut self,
        changes: Vec<Change>,
        touched: &BTreeSet<FileKind>,
    ) -> Result<Vec<atomic::Staged>, StoreError> {
        for &kind in touched {
            // Until the files are installed, memory is ahead of the disk.
            self.stamps[kind.index()] = None;
            self.versions[kind.index()] += 1;
        }
        for change in changes {
            self.history.before(&self.data, &change);
            self.data.apply(change);
        }
        let mut staged = Vec::with_capacity(touched.len());
        for &kind in touched {
            match self.stage_file(kind) {
                Ok(file) => staged.push(file),
                Err(e) => {
                    self.abandon(staged, touched);
                    return Err(e);
                }
            }
        }
        Ok(staged)
    }

    /// Undoes a commit that did not reach its journal: temps removed, memory
    /// read back from the files (still the old ones).
    fn abandon(&mut self, staged: Vec<atomic::Staged>, touched: &BTreeSet<FileKind>) {
        staged.into_iter().for_each(atomic::Staged::discard);
        // If even this fails, the stamps stay unset and the next sync re-reads.
        let _ = self.load(&touched.iter().copied().collect::<Vec<_>>());
    }

    /// Renames staged files into place, removes the journal, bumps counters.
    fn install(
        &mut self,
        guard: &LockGuard,
        staged: Vec<atomic::Staged>,
        touched: &BTreeSet<FileKind>,
    ) -> Result<(), StoreError> {
        let journal_path = self.dir.join(JOURNAL_FILE);
        let kinds: Vec<FileKind> = touched.iter().copied().collect();
        let mut renamed = Ok(());
        for file in staged {
            if renamed.is_ok() {
                renamed = file.install();
            } else {
                file.discard();
            }
        }
        // One file and no journal: a rename that failed left the old file,
        // so the change did not happen, and must not be reported saved.
        if let Err(e) = &renamed
            && kinds.len() == 1
        {
            let path = self.dir.join(kinds[0].file_name());
            let error = StoreError::io(path, io::Error::new(e.kind(), e.to_string()));
            // Memory back to the file (if even this fails, the unset stamp makes the next sync read it).
            let _ = self.load(&kinds);
            return Err(error);
        }
        if let Err(e) = renamed.and_then(|()| atomic::sync_dir(&self.dir)) {
            // Past the journal the change stands: it is finished on the next open.
            return Err(StoreError::Unfinished(e.to_string()));
        }
        journal::remove(&self.dir).map_err(|e| StoreError::io(&journal_path, e))?;
        let generations = guard.bump(&kinds).map_err(|e| StoreError::io(self.dir.join(LOCK_FILE), e))?;
        for kind in kinds {
            self.stamps[kind.index()] = Some(self.stamp_of(kind, generations[kind.index()])?);
        }
        Ok(())
    }

    /// Encodes one table into a temp file beside its data file.
    fn stage_file(&mut self, kind: FileKind) -> Result<atomic::Staged, StoreError> {
        let bytes = self.encode_file(kind)?;
        atomic::stage(&self.dir, kind.file_name(), &bytes, kind.is_private())
            .map_err(|e| StoreError::io(self.dir.join(kind.file_name()), e))
    }

    /// One table as its file holds it.
    fn encode_file(&mut self, kind: FileKind) -> Result<Vec<u8>, StoreError> {
        let settings;
        let encoded = match kind {
            FileKind::Users => self.data.users.encode(),
            FileKind::Products => self.data.products.encode(),
            FileKind::Carts => self.data.carts.encode(),
            FileKind::Orders => self.data.orders.encode(),
            FileKind::Discounts => self.data.discounts.encode(),
            FileKind::Settings => {
                settings = files::encode_settings(&self.data.settings);
                settings.as_deref().map_err(|e| serde_json::Error::io(std::io::Error::other(e.to_string())))
            }
        };
        let bytes = encoded.map_err(|e| StoreError::Invalid(format!("cannot write {kind}: {e}")))?;
        Ok(bytes.to_vec())
    }

    /// Reads and parses `kinds`; the two big files are parsed in parallel.
    /// Nothing is replaced unless every file loaded.
    fn load(&mut self, kinds: &[FileKind]) -> Result<(), StoreError> {
        let dir = self.dir.as_path();
        let wants = |kind| kinds.contains(&kind);
        let (users, products, carts, orders) = std::thread::scope(|scope| {
            let both_big = wants(FileKind::Products) && wants(FileKind::Orders);
            let products_thread = both_big.then(|| scope.spawn(|| read_table::<Product>(dir, FileKind::Products)));
            let orders = wants(FileKind::Orders).then(|| read_table::<Order>(dir, FileKind::Orders));
            let users = wants(FileKind::Users).then(|| read_table::<User>(dir, FileKind::Users));
            let carts = wants(FileKind::Carts).then(|| read_table::<Cart>(dir, FileKind::Carts));
            let products =
                match products_thread {
                    Some(handle) => Some(handle.join().unwrap_or_else(|_| {
                        Err(LoadError::whole_file(FileKind::Products.file_name(), "loading crashed"))
                    })),
                    None => wants(FileKind::Products).then(|| read_table(dir, FileKind::Products)),
                };
            (users, products, carts, orders)
        });
        let discounts = wants(FileKind::Discounts).then(|| read_table::<Discount>(dir, FileKind::Discounts));
        let settings = wants(FileKind::Settings).then(|| read_settings(dir));
        for &kind in kinds {
            self.versions[kind.index()] += 1;
        }
        // Report the first bad file in a fixed order, before replacing anything.
        let users = users.transpose()?;
        let products = products.transpose()?;
        let carts = carts.transpose()?;
        let orders = orders.transpose()?;
        let discounts = discounts.transpose()?;
        let settings = settings.transpose()?;
        use crate::repo::Change;
        use outside::changes_between;
        let seen = &mut self.outside;
        if let Some(table) = users {
            seen.note(FileKind::Users, changes_between(&self.data.users, &table, Change::PutUser, None));
            self.data.users = table;
        }
        if let Some(table) = products {
            let changes = changes_between(&self.data.products, &table, Change::PutProduct, Some(Change::DeleteProduct));
            seen.note(FileKind::Products, changes);
            self.data.products = table;
        }
        if let Some(table) = carts {
            seen.note(FileKind::Carts, changes_between(&self.data.carts, &table, Change::PutCart, None));
            self.data.carts = table;
        }
        if let Some(table) = orders {
            seen.note(FileKind::Orders, changes_between(&self.data.orders, &table, Change::PutOrder, None));
            self.data.orders = table;
        }
        if let Some(table) = discounts {
            let changes =
                changes_between(&self.data.discounts, &table, Change::PutDiscount, Some(Change::DeleteDiscount));
            seen.note(FileKind::Discounts, changes);
            self.data.discounts = table;
        }
        if let Some(settings) = settings {
            self.data.settings = settings;
        }
        Ok(())
    }

    fn stamp_of(&self, kind: FileKind, generation: u64) -> Result<Stamp, StoreError> {
        let path = self.dir.join(kind.file_name());
        match fs::symlink_metadata(&path) {
            Ok(meta) => {
                let (len, inode, mtime_ns, ctime_ns) = file_identity(&meta);
                Ok(Stamp { generation, len, inode, mtime_ns, ctime_ns })
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                Ok(Stamp { generation, len: 0, inode: 0, mtime_ns: 0, ctime_ns: 0 })
            }
            Err(e) => Err(StoreError::io(path, e)),
        }
    }
}

/// Takes `outside` into `current` unless it undoes what `history` remembers;
/// returns what it would undo.
fn take_if_no_rollback<T: files::Record>(
    history: &history::History,
    kind: FileKind,
    current: &mut Table<T>,
    outside: Table<T>,
) -> Option<String> {
    let found = history.rollback_in(kind, current, &outside);
    if found.is_none() {
        *current = outside;
    }
    found
}

/// Threads to parse one big file on: the machine's cores (at least two,
/// since the two big files are read at the same time anyway).
fn parse_threads() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 8))
}

/// Reads one data file (a missing one is an empty list), parsing a large
/// one on several threads. Symlinks, special files and oversized files are
/// refused (`read::read_data_file`).
fn read_table<T: files::Record + Send>(dir: &Path, kind: FileKind) -> Result<Table<T>, LoadError> {
    read_table_found(dir, kind).0
}

/// `read_table`, with what `stat` said of the file it read.
fn read_table_found<T: files::Record + Send>(dir: &Path, kind: FileKind) -> Found<T> {
    let name = kind.file_name();
    match read::read_data_file_found(dir, name) {
        Ok(Some((mut bytes, meta))) => (files::parse_records_parallel(name, &mut bytes, parse_threads()), Some(meta)),
        Ok(None) => (Ok(Table::default()), None),
        Err(error) => (Err(error), None),
    }
}

/// What the thread reading orders.json found (one that panicked: a file that did not load).
fn finished(reading: std::thread::JoinHandle<Found<Order>>) -> Found<Order> {
    let crashed = || LoadError::whole_file(FileKind::Orders.file_name(), "loading crashed");
    reading.join().unwrap_or_else(|_| (Err(crashed()), None))
}

/// The shop's settings as the files hold them, read without locking (for
/// read-only tools; a file is always replaced whole).
pub fn read_shop_settings(dir: &Path) -> Result<Settings, StoreError> {
    Ok(read_settings(dir)?)
}

/// Reads settings.json; a missing file means the defaults.
fn read_settings(dir: &Path) -> Result<Settings, LoadError> {
    let name = FileKind::Settings.file_name();
    match read::read_data_file(dir, name)? {
        Some(bytes) => files::parse_settings(name, &bytes),
        None => Ok(Settings::default()),
    }
}

/// Reads products.json alone, without locking or changing anything: for
/// read-only tools such as `shopfront search`. (A file is always replaced
/// whole, so this sees one consistent version of it.)
pub fn read_products(dir: &Path) -> Result<Table<Product>, StoreError> {
    if !dir.is_dir() {
        return Err(no_such_folder(dir));
    }
    Ok(read_table(dir, FileKind::Products)?)
}

/// What `shopfront check` reports: the folder exactly as it is on disk.
pub struct Inspection {
    pub data: Data,
    /// Records of an interrupted change that the next write-capable open
    /// will finish (a journal is reported, never applied, by `check`).
    pub pending_changes: Option<usize>,
    /// Those records themselves.
    pending: Vec<Change>,
}

impl Inspection {
    /// The data as committed: the files with an interrupted change's
    /// records applied in memory (the folder itself is not touched).
    pub fn committed(mut self) -> Data {
        for change in std::mem::take(&mut self.pending) {
            self.data.apply(change);
        }
        self.data
    }
}

/// Loads and validates every file without creating, locking for writing or
/// changing anything, so it also works on a folder the user may only read.
/// A shared lock is taken when `.lock` can be opened, so no copy is in the
/// middle of a commit while the files are read.
pub fn inspect(dir: &Path) -> Result<Inspection, StoreError> {
    if !dir.is_dir() {
        return Err(no_such_folder(dir));
    }
    let _shared =
        lock::shared_if_present(dir, print_waiting_notice).map_err(|e| StoreError::io(dir.join(LOCK_FILE), e))?;
    let pending = match journal::read(dir)? {
        journal::JournalState::Absent => None,
        journal::JournalState::Complete(changes) => Some(changes),
    };
    let pending_changes = pending.as_ref().map(Vec::len);
    for kind in FileKind::ALL {
        read::check_not_symlink(dir, kind.file_name())?;
    }
    let data = Data {
        users: read_table(dir, FileKind::Users)?,
        products: read_table(dir, FileKind::Products)?,
        carts: read_table(dir, FileKind::Carts)?,
        orders: read_table(dir, FileKind::Orders)?,
        discounts: read_table(dir, FileKind::Discounts)?,
        settings: read_settings(dir)?,
    };
    Ok(Inspection { data, pending_changes, pending: pending.unwrap_or_default() })
}

/// Whether `dir` is a folder that exists (the read-only tools need one).
pub fn check_folder(dir: &Path) -> Result<(), StoreError> {
    if dir.is_dir() { Ok(()) } else { Err(no_such_folder(dir)) }
}

/// Why `dir` cannot be the data folder: missing, or something else than a folder.
fn no_such_folder(dir: &Path) -> StoreError {
    match fs::metadata(dir) {
        Ok(meta) if meta.is_file() => StoreError::NotAFolder { path: dir.to_path_buf(), what: "a file" },
        Ok(meta) if !meta.is_dir() => StoreError::NotAFolder { path: dir.to_path_buf(), what: "not a file" },
        _ => StoreError::io(dir, io::Error::new(io::ErrorKind::NotFound, "no such data folder")),
    }
}

/// What a command-line copy prints while another copy holds the folder.
/// How a command-line tool waits for another copy: patiently, saying so
/// after a second.
pub const COMMAND_LINE_WAIT: LockWait = LockWait::Patient { notice: print_waiting_notice };

fn print_waiting_notice(dir: &Path) {
    eprintln!(
        "waiting for another copy of Shopfront to finish with {} … (Ctrl-C to stop waiting)",
        crate::domain::text::printable(&dir.display().to_string())
    );
}

/// Progress of securing console-shop passwords, on standard error.
fn print_hashing_progress(done: usize, total: usize) {
    use std::io::{IsTerminal, Write};
    let mut err = io::stderr();
    if err.is_terminal() {
        let _ = write!(err, "\rsecuring {total} console-shop passwords (argon2id): {done}/{total}");
        if done == total {
            let _ = writeln!(err);
        }
    } else if done == 0 || done == total {
        let _ = writeln!(err, "securing {total} console-shop passwords (argon2id): {done}/{total}");
    }
}

/// Hashes every password on all cores; `progress` after each one.
fn hash_all(plain: &[(String, String)], progress: fn(usize, usize)) -> Result<Vec<String>, StoreError> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let total = plain.len();
    let done = AtomicUsize::new(0);
    let next = AtomicUsize::new(0);
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get()).min(total);
    progress(0, total);
    let results: Vec<Vec<(usize, Result<String, StoreError>)>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some((_, password)) = plain.get(i) else { return mine };
                        mine.push((i, hash_password(password).map_err(StoreError::from)));
                        progress(done.fetch_add(1, Ordering::Relaxed) + 1, total);
                    }
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap_or_default()).collect()
    });
    let mut hashes: Vec<Option<String>> = vec![None; total];
    for (i, hash) in results.into_iter().flatten() {
        hashes[i] = Some(hash?);
    }
    hashes
        .into_iter()
        .map(|h| h.ok_or_else(|| StoreError::Invalid("hashing a password stopped unexpectedly".into())))
        .collect()
}

/// The data folder from `--data-dir`, else `SHOPFRONT_DATA_DIR`, else `./data`.
pub fn resolve_data_dir(flag: Option<PathBuf>) -> PathBuf {
    flag.or_else(|| std::env::var_os(DATA_DIR_ENV).filter(|v| !v.is_empty()).map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR))
}

//! `shopfront migrate --from STORE --to STORE`: copies a whole shop —
//! accounts with their password hashes, keys, addresses and cards;
//! products; carts; orders with everything they carry; discount codes;
//! settings; every field Shopfront does not know — into an empty store, in
//! one transaction, then checks that the copy holds the same counts and
//! sums. The source is only read.
//!
//! A console-shop password still in plaintext is hashed (argon2id) on the
//! way and never copied.

use crate::domain::User;
use crate::location::Location;
use crate::password::hash_password;
use crate::repo::postgres::PgRepo;
use crate::repo::sqlite::SqliteRepo;
use crate::repo::{Change, ReadTx, Repo, RepoError};

#[derive(Debug, thiserror::Error)]
pub enum MigrateError {
    #[error("cannot read the source: {0}")]
    Source(String),
    #[error("cannot write the target: {0}")]
    Target(String),
    #[error("the target already holds a shop ({0}); migrate copies into an empty store only")]
    NotEmpty(String),
    #[error("cannot hash a console-shop password: {0}")]
    Hashing(String),
    #[error("the copy does not match the source ({0}); nothing can be trusted in the target")]
    Mismatch(String),
}

/// What a shop holds, counted and summed, to compare a copy with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub accounts: usize,
    pub products: usize,
    pub carts: usize,
    pub orders: usize,
    pub codes: usize,
    /// Units in stock over every product.
    pub stock: u64,
    /// Every product's price, in cents, added up.
    pub prices: i128,
    /// Every order's total, in cents, added up.
    pub order_totals: i128,
    /// Lines over every cart and every order.
    pub lines: usize,
    /// Whether the settings differ from a new shop's (changed and saved).
    pub own_settings: bool,
}

impl Tally {
    pub fn of(view: &dyn ReadTx) -> Result<Tally, RepoError> {
        let mut tally = Tally::default();
        view.each_account(&mut |_| tally.accounts += 1)?;
        view.each_product(&mut |p| {
            tally.products += 1;
            tally.stock += u64::from(p.stock);
            tally.prices += i128::from(p.price.cents());
        })?;
        view.each_cart(&mut |c| {
            tally.carts += 1;
            tally.lines += c.items.len();
        })?;
        view.each_order(&mut |o| {
            tally.orders += 1;
            tally.lines += o.items.len();
            tally.order_totals += i128::from(o.total.cents());
        })?;
        tally.codes = view.discounts()?.len();
        tally.own_settings = view.settings()? != crate::domain::Settings::default();
        Ok(tally)
    }

    /// Nothing a new store would not hold: no records, and the settings
    /// a new shop starts with (saved settings would be overwritten).
    fn is_empty(&self) -> bool {
        self.accounts + self.products + self.carts + self.orders + self.codes == 0 && !self.own_settings
    }

    /// In words, for the report.
    pub fn summary(&self) -> String {
        format!(
            "{} accounts, {} products ({} units in stock), {} carts, {} orders ({}.{:02} in totals), {} discount codes{}",
            self.accounts,
            self.products,
            self.stock,
            self.carts,
            self.orders,
            self.order_totals / 100,
            (self.order_totals % 100).unsigned_abs(),
            self.codes,
            if self.own_settings { ", the shop's own settings" } else { "" }
        )
    }
}

/// How far a copy is, for a progress line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Console-shop passwords hashed so far, of how many.
    Hashing {
        done: usize,
        of: usize,
    },
    /// Records written into the target's transaction so far, of how many
    /// (a store that writes only at its commit, a folder or PostgreSQL,
    /// has them in memory until then).
    Copying {
        done: usize,
        of: usize,
    },
    /// Every record handed over: the one transaction commits.
    Committing,
    Verifying,
}

/// Records written between two `Progress::Copying` reports.
const REPORT_EVERY: usize = 5_000;

/// Copies everything `source` holds into the empty `target`.
pub fn copy_shop(
    source: &dyn ReadTx,
    target: &dyn Repo,
    progress: &mut dyn FnMut(Progress),
) -> Result<Tally, MigrateError> {
    let source_error = |e: RepoError| MigrateError::Source(e.to_string());
    let target_error = |e: RepoError| MigrateError::Target(e.to_string());
    let expected = Tally::of(source).map_err(source_error)?;
    let already = Tally::of(&*target.read().map_err(target_error)?).map_err(target_error)?;
    if !already.is_empty() {
        return Err(MigrateError::NotEmpty(already.summary()));
    }
    let accounts = secured_accounts(source, progress)?;
    let mut tx = target.write().map_err(target_error)?;
    let total = expected.accounts + expected.products + expected.carts + expected.orders + expected.codes;
    let mut copy = Copy { tx: &mut *tx, done: 0, total, progress: &mut *progress, failed: None };
    // Straight from the source into the target's transaction, one record
    // at a time: the shop is not held a second time in memory.
    copy.write(Change::PutSettings(source.settings().map_err(source_error)?));
    for user in accounts {
        copy.write(Change::PutUser(user));
    }
    source.each_product(&mut |p| copy.write(Change::PutProduct(p.clone()))).map_err(source_error)?;
    for code in source.discounts().map_err(source_error)? {
        copy.write(Change::PutDiscount(code));
    }
    source.each_cart(&mut |c| copy.write(Change::PutCart(c.clone()))).map_err(source_error)?;
    source.each_order(&mut |o| copy.write(Change::PutOrder(o.clone()))).map_err(source_error)?;
    if let Some(failed) = copy.failed {
        return Err(target_error(failed));
    }
    progress(Progress::Copying { done: total, of: total });
    progress(Progress::Committing);
    tx.commit().map_err(target_error)?;
    progress(Progress::Verifying);
    let copied = Tally::of(&*target.read().map_err(target_error)?).map_err(target_error)?;
    if copied != expected {
        return Err(MigrateError::Mismatch(format!("source: {}; copy: {}", expected.summary(), copied.summary())));
    }
    Ok(copied)
}

/// Records being written into the target, counted for the progress line.
struct Copy<'a, 'tx> {
    tx: &'a mut (dyn crate::repo::WriteTx + 'tx),
    done: usize,
    total: usize,
    progress: &'a mut dyn FnMut(Progress),
    /// The first write that failed: the rest are skipped.
    failed: Option<RepoError>,
}

impl Copy<'_, '_> {
    fn write(&mut self, change: Change) {
        if self.failed.is_some() {
            return;
        }
        let settings = matches!(change, Change::PutSettings(_));
        if let Err(e) = self.tx.write_now(change) {
            self.failed = Some(e);
            return;
        }
        // The settings are not one of the records counted.
        if !settings {
            self.done += 1;
            if self.done.is_multiple_of(REPORT_EVERY) {
                (self.progress)(Progress::Copying { done: self.done, of: self.total });
            }
        }
    }
}

/// Every account, a plaintext password replaced by its hash.
fn secured_accounts(source: &dyn ReadTx, progress: &mut dyn FnMut(Progress)) -> Result<Vec<User>, MigrateError> {
    let mut accounts = Vec::new();
    source.each_account(&mut |u| accounts.push(u.clone())).map_err(|e| MigrateError::Source(e.to_string()))?;
    let plaintext = accounts.iter().filter(|u| u.password.is_some()).count();
    let mut done = 0;
    for user in accounts.iter_mut() {
        let Some(password) = user.password.take() else { continue };
        if user.password_hash.is_none() {
            let hash = hash_password(&password).map_err(|e| MigrateError::Hashing(e.to_string()))?;
            user.password_hash = Some(hash);
        }
        done += 1;
        progress(Progress::Hashing { done, of: plaintext });
    }
    Ok(accounts)
}

/// Copies the shop at `from` into the empty store at `to`: see `copy_shop`.
/// A target folder this made is removed again if the copy fails.
pub fn run(from: &Location, to: &Location, progress: &mut dyn FnMut(Progress)) -> Result<Tally, MigrateError> {
    if from == to {
        return Err(MigrateError::NotEmpty(format!("{to} is the source itself")));
    }
    keep_freed_memory();
    let source = Source::open(from)?;
    let target = Target::open(to)?;
    let copied = source.with_view(&mut |view| copy_shop(view, &*target.repo, progress));
    if copied.is_err() {
        target.remove_if_made();
    }
    copied
}

/// SQLite allocates through the C library's malloc, which by default hands
/// the top of its heap back to the system as soon as it frees up and asks
/// for it again at the next page: copying 100k products and 100k orders
/// into SQLite spent 2.4 s of its 5.9 s of CPU in the kernel doing that
/// (0.4 s with this). For this process, which ends after the copy, freed
/// memory is kept for reuse instead.
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets two of glibc's malloc parameters (it locks
    // its arenas to do so); a refused value leaves the default.
    unsafe {
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 30);
        libc::mallopt(libc::M_TOP_PAD, 64 << 20);
    }
}

/// The shop being copied, read without changing anything.
enum Source {
    /// A folder's files as committed (an interrupted change's records
    /// applied in memory, not to the folder).
    Folder(Box<crate::store::Data>),
    /// A database, read in one read transaction (a consistent snapshot
    /// while other processes go on changing it).
    Sqlite(SqliteRepo),
    Postgres(PgRepo),
}

impl Source {
    fn open(location: &Location) -> Result<Source, MigrateError> {
        match location {
            Location::Folder(dir) => {
                let inspection = crate::store::inspect(dir).map_err(|e| MigrateError::Source(e.to_string()))?;
                Ok(Source::Folder(Box::new(inspection.committed())))
            }
            Location::Sqlite(path) => {
                // Never create a database where none is.
                if !path.is_file() {
                    return Err(MigrateError::Source(format!("{location}: no such database file")));
                }
                SqliteRepo::open_read_only(path).map(Source::Sqlite).map_err(|e| MigrateError::Source(e.to_string()))
            }
            Location::Postgres(url) => {
                PgRepo::connect(url).map(Source::Postgres).map_err(|e| MigrateError::Source(e.to_string()))
            }
        }
    }

    fn with_view(
        &self,
        work: &mut dyn FnMut(&dyn ReadTx) -> Result<Tally, MigrateError>,
    ) -> Result<Tally, MigrateError> {
        match self {
            Source::Folder(data) => work(&**data),
            Source::Sqlite(repo) => work(&*repo.read().map_err(|e| MigrateError::Source(e.to_string()))?),
            Source::Postgres(repo) => work(&*repo.read().map_err(|e| MigrateError::Source(e.to_string()))?),
        }
    }
}

/// The empty store being filled.
struct Target {
    repo: std::sync::Arc<dyn Repo>,
    /// A folder or database file this made (removed again if the copy fails).
    made: Option<Made>,
}

enum Made {
    Folder(std::path::PathBuf),
    Database(std::path::PathBuf),
}

impl Target {
    fn open(location: &Location) -> Result<Target, MigrateError> {
        let target_error = |e: String| MigrateError::Target(format!("{location}: {e}"));
        match location {
            Location::Folder(dir) => {
                let made = match std::fs::read_dir(dir).map(|mut entries| entries.next().is_some()) {
                    Ok(true) => {
                        return Err(MigrateError::NotEmpty(format!("{location} is a folder with files in it")));
                    }
                    Ok(false) => None,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some(Made::Folder(dir.clone())),
                    Err(e) => return Err(target_error(e.to_string())),
                };
                let store = crate::store::Store::open_with(dir, crate::store::OpenMode::CreateEmpty)
                    .map_err(|e| target_error(e.to_string()))?;
                Ok(Target { repo: std::sync::Arc::new(crate::store::repo::FolderRepo::new(store)), made })
            }
            Location::Sqlite(path) => {
                let made = (!path.exists()).then(|| Made::Database(path.clone()));
                let repo = SqliteRepo::open(path).map_err(|e| target_error(e.to_string()))?;
                Ok(Target { repo: std::sync::Arc::new(repo), made })
            }
            Location::Postgres(url) => {
                let repo = PgRepo::connect(url).map_err(|e| target_error(e.to_string()))?;
                Ok(Target { repo: std::sync::Arc::new(repo), made: None })
            }
        }
    }

    fn remove_if_made(self) {
        let Target { repo, made } = self;
        drop(repo);
        match made {
            Some(Made::Folder(dir)) => {
                let _ = std::fs::remove_dir_all(dir);
            }
            Some(Made::Database(file)) => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut name = file.as_os_str().to_owned();
                    name.push(suffix);
                    let _ = std::fs::remove_file(name);
                }
            }
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::domain::Product;
    use crate::repo::{ChangeSet, Feed, LoginFailures, WriteTx};

    fn product(id: &str) -> Product {
        serde_json::from_str(&format!(r#"{{"product_id":"{id}","name":"Thing {id}","price":2.50,"stock":1}}"#)).unwrap()
    }

    /// What the target was handed, in order, and what was reported.
    #[derive(Debug, PartialEq)]
    enum Event {
        Written,
        Staged,
        Copying(usize),
    }

    /// An SQLite target that logs what `copy_shop` hands it.
    struct Logged {
        inner: SqliteRepo,
        log: Arc<Mutex<Vec<Event>>>,
    }

    struct LoggedTx<'a> {
        inner: Box<dyn WriteTx + 'a>,
        log: Arc<Mutex<Vec<Event>>>,
    }

    crate::forward_reads!(LoggedTx<'_>, |tx| tx.inner);

    impl WriteTx for LoggedTx<'_> {
        fn next_order_id(&mut self) -> Result<String, RepoError> {
            self.inner.next_order_id()
        }
        fn stage(&mut self, change: Change) {
            self.log.lock().unwrap().push(Event::Staged);
            self.inner.stage(change)
        }
        fn write_now(&mut self, change: Change) -> Result<(), RepoError> {
            self.log.lock().unwrap().push(Event::Written);
            self.inner.write_now(change)
        }
        fn commit(self: Box<Self>) -> Result<ChangeSet, RepoError> {
            self.inner.commit()
        }
    }

    impl Repo for Logged {
        fn read(&self) -> Result<Box<dyn ReadTx + '_>, RepoError> {
            self.inner.read()
        }
        fn write(&self) -> Result<Box<dyn WriteTx + '_>, RepoError> {
            Ok(Box::new(LoggedTx { inner: self.inner.write()?, log: Arc::clone(&self.log) }))
        }
        fn changes_after(&self, after: u64) -> Result<Feed, RepoError> {
            self.inner.changes_after(after)
        }
        fn login_failures(
            &self,
            keys: &[&str],
            update: &mut dyn FnMut(&mut [Option<LoginFailures>]),
        ) -> Result<(), RepoError> {
            self.inner.login_failures(keys, update)
        }
    }

    /// The progress counts records written into the target's transaction,
    /// not records put in memory for a commit that then ran silently.
    #[test]
    fn copying_reports_records_written_into_the_target() {
        let dir = tempfile::tempdir().unwrap();
        let source = SqliteRepo::open(&dir.path().join("source.db")).unwrap();
        let mut tx = source.write().unwrap();
        for i in 0..12_000 {
            tx.stage(Change::PutProduct(product(&format!("P{i}"))));
        }
        tx.commit().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        let target = Logged { inner: SqliteRepo::open(&dir.path().join("target.db")).unwrap(), log: Arc::clone(&log) };
        let progress_log = Arc::clone(&log);
        let mut progress = |step: Progress| {
            if let Progress::Copying { done, of } = step {
                assert_eq!(of, 12_000);
                progress_log.lock().unwrap().push(Event::Copying(done));
            }
        };
        let copied = copy_shop(&*source.read().unwrap(), &target, &mut progress).unwrap();
        assert_eq!(copied.products, 12_000);
        let log = log.lock().unwrap();
        assert!(!log.contains(&Event::Staged), "nothing staged for the commit");
        let mut reported = Vec::new();
        for (at, event) in log.iter().enumerate() {
            if let Event::Copying(done) = event {
                // The settings are written first and not counted.
                let written = log[..at].iter().filter(|e| **e == Event::Written).count();
                assert_eq!(written, done + 1, "at {done}");
                reported.push(*done);
            }
        }
        assert_eq!(reported, [5_000, 10_000, 12_000]);
    }
}

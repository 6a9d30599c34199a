//! The shop in a PostgreSQL database, as a `Repo`: one database shared by
//! every process on every machine that serves the shop.
//!
//! - `PgRepo::connect(url)`: `postgres://USER[:PASSWORD]@HOST[:PORT]/DB`
//!   (see `url` for the parameters; the password from the URL, else
//!   `PGPASSWORD`, else `~/.pgpass`; TLS by `sslmode`, see `tls`). Never
//!   shown with its password (`redacted`).
//! - The synchronous `postgres` client (it runs a small tokio runtime of
//!   its own inside: call the repo from plain threads only, never from
//!   async code) and an r2d2 pool sized well under the server's
//!   `max_connections`, with a bounded wait for a connection. Every
//!   connection has connect, statement and lock timeouts, and its
//!   statements prepared once.
//! - Everything lives in the schema `shopfront`, versioned and migrated at
//!   start (see `schema`).
//! - Reads: a `REPEATABLE READ, READ ONLY` transaction (one snapshot).
//! - Writes (`READ COMMITTED`): what a rule reads through the write
//!   transaction is locked until it ends, so that no other writer, in this
//!   process or on another machine, changes it meanwhile: a record read by
//!   its key takes its row lock (`FOR UPDATE`; a writer reading the same
//!   record waits, then reads it as the first left it); a record found
//!   missing takes an advisory lock on its key (a second writer looking for
//!   it waits, then finds it made). A product only peeked at (a cart line
//!   added) is not locked: carts do not queue behind a product in demand. A checkout's cart and an order read
//!   lock their products too, at once in id order (two checkouts, or a
//!   checkout and a cancellation, of the same products never deadlock). At
//!   commit a product is changed only if its stock is still what was read,
//!   the settings only if their revision is, and a record found missing
//!   only if it still is: otherwise `Busy`, nothing saved. Deadlocks,
//!   serialization failures, lock and statement timeouts are `Busy` too.
//!   Order ids come from a sequence.
//! - Every commit writes its row of the change feed in the same
//!   transaction (see `feed`); login failures are shared (see `logins`).
//! - A connection lost (the database restarted, the network dropped) is
//!   `Unreachable` (nothing was done; sessions try again by themselves); the pool
//!   drops it and connects anew on the next request, so the shop carries
//!   on by itself once the database is back. A transaction is only retried
//!   when it had not begun. A commit whose connection was lost as it was
//!   sent is found out on a new connection (`resolve`): reported saved if
//!   it was, said not saved if it was not, and only when the database stays
//!   away does the message say that it cannot be told yet.
//! - Settings are read without a lock (every checkout reads them): an
//!   admin's change of them is refused as `Busy` if they changed since read.

mod codec;
mod conn;
mod error;
mod feed;
mod logins;
mod read;
mod schema;
#[doc(hidden)]
pub mod testing;
mod tls;
mod url;
mod write;

use std::cell::{RefCell, RefMut};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use self::conn::{Manager, PgConn, Shared};
use self::error::Target;
use self::read::Db;
use self::write::Seen;
use crate::domain::discount::{Uses, normalize_code};
use crate::domain::order::format_order_id;
use crate::domain::user::username_key;
use crate::domain::{Cart, Discount, Order, Product, Settings, User};
use crate::repo::{Change, ChangeSet, Feed, LoginFailures, ReadTx, Repo, RepoError, WriteTx};

pub use schema::{LATEST as SCHEMA_VERSION, SCHEMA};
pub use url::redacted;

/// Connections a repo opens at most (fewer on a server that allows few).
const POOL_MAX: u32 = 10;
/// How long a request waits for a free connection before `Busy`.
const WAIT_FOR_CONNECTION: Duration = Duration::from_secs(5);
/// Tries of a login-failure update that met a deadlock or a conflict.
const LOGIN_TRIES: usize = 4;

/// Advisory locks: (class, hash of the key); the class says what the key
/// names ("Sho" and a kind, clear of other applications' numbers).
const LOCK_BASE: i32 = 0x5368_6f00;
const LOCK_MIGRATE: u8 = 0;
const LOCK_USER: u8 = 1;
const LOCK_CART: u8 = 2;
const LOCK_PRODUCT: u8 = 3;
const LOCK_DISCOUNT: u8 = 4;
const LOCK_ORDER: u8 = 5;
const LOCK_LOGIN: u8 = 6;
const LOCK_SSH_KEY: u8 = 7;

fn lock_class(kind: u8) -> i32 {
    LOCK_BASE | i32::from(kind)
}

/// FNV-1a of `key`, as an advisory lock's second number.
fn key_hash(key: &str) -> i32 {
    let hash = key.bytes().fold(0x811c_9dc5_u32, |hash, byte| (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193));
    i32::from_ne_bytes(hash.to_ne_bytes())
}

type Pooled = r2d2::PooledConnection<Shared>;

pub struct PgRepo {
    pool: r2d2::Pool<Shared>,
    manager: Arc<Manager>,
    /// Rows the change feed keeps.
    feed_kept: u64,
}

impl fmt::Debug for PgRepo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PgRepo").field("url", &self.manager.target.url).finish_non_exhaustive()
    }
}

impl PgRepo {
    /// Connects to the database `url` names and brings its schema up to
    /// date (creating it the first time).
    pub fn connect(url: &str) -> Result<PgRepo, RepoError> {
        PgRepo::connect_with(url, &url::Sources::from_environment())
    }

    fn connect_with(url: &str, sources: &url::Sources) -> Result<PgRepo, RepoError> {
        let info = url::parse(url, sources)?;
        let target = Target::new(redacted(url), info.user.clone(), info.dbname.clone(), info.password.clone());
        let tls = tls::connector(info.sslmode, info.sslrootcert.as_deref())?;
        let manager = Arc::new(Manager::new(&info, tls, target));
        let mut first = manager.open()?;
        let target = &manager.target;
        let max_connections: u32 = match first.simple("SHOW max_connections") {
            Ok(replies) => replies
                .iter()
                .find_map(|reply| match reply {
                    postgres::SimpleQueryMessage::Row(row) => row.get(0).and_then(|n| n.parse().ok()),
                    _ => None,
                })
                .unwrap_or(100),
            Err(e) => return Err(target.explain(&e)),
        };
        schema::migrate(&mut first, target)?;
        drop(first);
        let pool = r2d2::Pool::builder()
            .max_size((max_connections / 4).clamp(2, POOL_MAX))
            .min_idle(Some(0))
            .connection_timeout(WAIT_FOR_CONNECTION)
            .test_on_check_out(false)
            .idle_timeout(Some(Duration::from_secs(300)))
            .error_handler(Box::new(r2d2::NopErrorHandler))
            .build_unchecked(Shared(Arc::clone(&manager)));
        Ok(PgRepo { pool, manager, feed_kept: feed::KEPT })
    }

    /// The database's URL, without its password.
    pub fn url(&self) -> &str {
        &self.manager.target.url
    }

    /// Connections the pool opens at most.
    pub fn pool_size(&self) -> u32 {
        self.pool.max_size()
    }

    /// Keeps only the last `rows` changes in the feed (tests of the gap).
    #[cfg(test)]
    fn keep_changes(&mut self, rows: u64) {
        self.feed_kept = rows;
    }

    fn target(&self) -> &Target {
        &self.manager.target
    }

    /// A connection: an idle one, else a new one. While the database was
    /// found unreachable, trying it costs one attempt to connect (refused
    /// at once when it is down), not the whole wait.
    fn acquire(&self) -> Result<Pooled, RepoError> {
        if let Some(conn) = self.pool.try_get() {
            return Ok(conn);
        }
        if self.manager.is_down() {
            drop(self.manager.open()?);
        }
        self.pool.get_timeout(WAIT_FOR_CONNECTION).map_err(|_| self.manager.last_error().unwrap_or(RepoError::Busy))
    }

    /// A connection on which `sql` (a BEGIN) ran. A connection found lost
    /// before anything was done on it (the database restarted since it
    /// was last used) is dropped for another.
    fn begin(&self, sql: &str) -> Result<Pooled, RepoError> {
        for _ in 0..=self.pool.max_size() + 1 {
            let mut conn = self.acquire()?;
            match conn.batch(sql) {
                Ok(()) => return Ok(conn),
                Err(_) if conn.broken => self.manager.suspect(),
                Err(e) => {
                    conn.broken = true;
                    return Err(self.target().explain(&e));
                }
            }
        }
        Err(self.target().unreachable("every connection was lost"))
    }
}

/// Runs `f` on `conn`'s database.
fn on<T>(target: &Target, conn: &mut PgConn, f: impl FnOnce(&mut Db) -> Result<T, RepoError>) -> Result<T, RepoError> {
    f(&mut Db { conn, target })
}

/// Ends the transaction on `conn` (a connection that cannot is not lent again).
fn roll_back(conn: &mut PgConn) {
    if !conn.broken && conn.batch("ROLLBACK").is_err() {
        conn.broken = true;
    }
}

/// A pooled connection inside a read transaction; ends it when dropped.
struct Reader<'a> {
    repo: &'a PgRepo,
    conn: RefCell<Pooled>,
}

impl Reader<'_> {
    fn conn(&self) -> Result<RefMut<'_, Pooled>, RepoError> {
        self.conn.try_borrow_mut().map_err(|_| {
            RepoError::Unavailable("a read of the shop's data was asked for inside another read of it".into())
        })
    }

    fn read<T>(&self, f: impl FnOnce(&mut Db) -> Result<T, RepoError>) -> Result<T, RepoError> {
        let mut conn = self.conn()?;
        on(self.repo.target(), &mut conn, f)
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        roll_back(self.conn.get_mut());
    }
}

/// Visits every record of a scan, read a chunk at a time by `fetch` (the
/// position after which to read; none left: empty), outside the borrow of
/// the connection.
fn scan<T>(
    mut fetch: impl FnMut(i64) -> Result<Vec<(i64, T)>, RepoError>,
    visit: &mut dyn FnMut(&T),
) -> Result<(), RepoError> {
    let mut after = 0;
    loop {
        let chunk = fetch(after)?;
        let full = chunk.len() as i64 >= read::CHUNK;
        for (at, record) in &chunk {
            visit(record);
            after = *at;
        }
        if !full {
            return Ok(());
        }
    }
}

impl ReadTx for Reader<'_> {
    fn account(&self, username: &str) -> Result<Option<User>, RepoError> {
        self.read(|db| db.account(username))
    }
    fn accounts_with_key(&self, fingerprint: &str) -> Result<Vec<User>, RepoError> {
        self.read(|db| db.accounts_with_key(fingerprint))
    }
    fn each_account(&self, visit: &mut dyn FnMut(&User)) -> Result<(), RepoError> {
        scan(|after| self.read(|db| db.accounts_after(after)), visit)
    }
    fn product(&self, product_id: &str) -> Result<Option<Product>, RepoError> {
        self.read(|db| db.product(product_id))
    }
    fn each_product(&self, visit: &mut dyn FnMut(&Product)) -> Result<(), RepoError> {
        scan(|after| self.read(|db| db.products_after(after)), visit)
    }
    fn cart(&self, username: &str) -> Result<Option<Cart>, RepoError> {
        self.read(|db| db.cart(username))
    }
    fn each_cart(&self, visit: &mut dyn FnMut(&Cart)) -> Result<(), RepoError> {
        scan(|after| self.read(|db| db.carts_after(after)), visit)
    }
    fn carts_holding(&self, product_id: &str) -> Result<Vec<Cart>, RepoError> {
        self.read(|db| db.carts_holding(product_id))
    }
    fn discount(&self, code: &str) -> Result<Option<Discount>, RepoError> {
        self.read(|db| db.discount(code))
    }
    fn discounts(&self) -> Result<Vec<Discount>, RepoError> {
        self.read(|db| db.discounts())
    }
    fn settings(&self) -> Result<Settings, RepoError> {
        self.read(|db| db.settings()).map(|(settings, _)| settings)
    }
    fn order(&self, order_id: &str) -> Result<Option<Order>, RepoError> {
        self.read(|db| db.order(order_id))
    }
    fn orders_of(&self, username: &str) -> Result<Vec<Order>, RepoError> {
        self.read(|db| db.orders_of(username))
    }
    fn order_by_checkout_key(&self, username: &str, key: &str) -> Result<Option<Order>, RepoError> {
        self.read(|db| db.order_by_checkout_key(username, key))
    }
    fn each_order(&self, visit: &mut dyn FnMut(&Order)) -> Result<(), RepoError> {
        scan(|after| self.read(|db| db.orders_after(after)), visit)
    }
    fn code_uses(&self, code: &str, username: &str) -> Result<Uses, RepoError> {
        self.read(|db| db.code_uses(code, username))
    }
    fn orders_carrying(&self, code: &str) -> Result<usize, RepoError> {
        self.read(|db| db.orders_carrying(code))
    }
    fn ever_ordered(&self, product_id: &str) -> Result<bool, RepoError> {
        self.read(|db| db.ever_ordered(product_id))
    }
}

/// A write transaction: its connection, what it read, what was staged.
struct Writer<'a> {
    repo: &'a PgRepo,
    state: RefCell<WriterState>,
    staged: Vec<Change>,
    /// Until committed: dropping rolls back.
    open: bool,
}

struct WriterState {
    conn: Pooled,
    seen: Seen,
}

/// A write transaction's database and what it read so far.
struct Locking<'s> {
    db: Db<'s>,
    seen: &'s mut Seen,
}

impl Locking<'_> {
    fn fail(&self, error: postgres::Error) -> RepoError {
        self.db.fail(error)
    }

    /// Waits for the advisory lock of `key` (of kind `kind`), held until
    /// the transaction ends.
    fn lock_key(&mut self, kind: u8, key: &str) -> Result<(), RepoError> {
        self.db
            .conn
            .execute("SELECT pg_advisory_xact_lock($1, $2)", &[&lock_class(kind), &key_hash(key)])
            .map(drop)
            .map_err(|e| self.fail(e))
    }

    /// Locks the row of `table` whose `column` is `key`; if there is none,
    /// the key's advisory lock instead, then looks again (a writer that
    /// held it may have made the row). Whether the row is there.
    fn lock_row(&mut self, table: &str, column: &str, kind: u8, key: &str) -> Result<bool, RepoError> {
        let sql = format!("SELECT 1 FROM shopfront.{table} WHERE {column} = $1 FOR UPDATE");
        if !self.db.conn.query(&sql, &[&key]).map_err(|e| self.fail(e))?.is_empty() {
            return Ok(true);
        }
        self.lock_key(kind, key)?;
        Ok(!self.db.conn.query(&sql, &[&key]).map_err(|e| self.fail(e))?.is_empty())
    }

    fn saw_user(&mut self, key: &str, user: Option<&User>) {
        match user {
            Some(user) => self.seen.users.found(key, user.ssh_keys.clone()),
            None => self.seen.users.missing(key),
        }
    }

    fn saw_cart(&mut self, key: &str, found: bool) {
        if found { self.seen.carts.found(key, ()) } else { self.seen.carts.missing(key) }
    }

    fn saw_orders<'o>(&mut self, orders: impl IntoIterator<Item = &'o Order>) {
        for order in orders {
            self.seen.orders.found(&order.order_id, ());
        }
    }

    fn account(&mut self, username: &str) -> Result<Option<User>, RepoError> {
        let key = username_key(username).into_owned();
        let user = match self.lock_row("users", "name_key", LOCK_USER, &key)? {
            true => self.db.account(username)?,
            false => None,
        };
        self.saw_user(&key, user.as_ref());
        Ok(user)
    }

    fn accounts_with_key(&mut self, fingerprint: &str) -> Result<Vec<User>, RepoError> {
        // No one links the key meanwhile; the accounts holding it are locked.
        self.lock_key(LOCK_SSH_KEY, fingerprint)?;
        self.db
            .conn
            .query(
                "SELECT 1 FROM shopfront.users WHERE name_key IN
                    (SELECT name_key FROM shopfront.user_keys WHERE fingerprint = $1) ORDER BY name_key FOR UPDATE",
                &[&fingerprint],
            )
            .map_err(|e| self.fail(e))?;
        let users = self.db.accounts_with_key(fingerprint)?;
        for user in &users {
            self.saw_user(&username_key(&user.username), Some(user));
        }
        Ok(users)
    }

    fn product(&mut self, product_id: &str) -> Result<Option<Product>, RepoError> {
        let mut product = self.db.product_locked(product_id)?;
        if product.is_none() {
            self.lock_key(LOCK_PRODUCT, product_id)?;
            product = self.db.product_locked(product_id)?;
        }
        match &product {
            Some(found) => self.seen.products.found(product_id, found.stock),
            None => self.seen.products.missing(product_id),
        }
        Ok(product)
    }

    /// The product without its lock. Noted as read all the same: should a
    /// rule change it after all, the commit changes it only if its stock
    /// is still what was read (else `Busy`).
    fn peek_product(&mut self, product_id: &str) -> Result<Option<Product>, RepoError> {
        let product = self.db.product(product_id)?;
        match &product {
            Some(found) => self.seen.products.found(product_id, found.stock),
            None => self.seen.products.missing(product_id),
        }
        Ok(product)
    }

    fn cart(&mut self, username: &str) -> Result<Option<Cart>, RepoError> {
        let key = username_key(username).into_owned();
        let cart = match self.lock_row("carts", "name_key", LOCK_CART, &key)? {
            true => self.db.cart(username)?,
            false => None,
        };
        // A transaction placing an order (it took an order id) takes the
        // cart's products next: locked now, all at once in id order.
        if let Some(cart) = &cart
            && !self.seen.given.is_empty()
        {
            self.lock_products(cart.items.iter().map(|line| line.product_id.as_str()))?;
        }
        self.saw_cart(&key, cart.is_some());
        Ok(cart)
    }

    /// Locks the rows of the products `ids` in id order, so that two
    /// transactions taking several of the same products (two checkouts, a
    /// checkout and a cancellation) never wait for each other in a circle.
    fn lock_products<'i>(&mut self, ids: impl Iterator<Item = &'i str>) -> Result<(), RepoError> {
        let mut ids: Vec<&str> = ids.collect();
        if ids.len() < 2 {
            return Ok(());
        }
        ids.sort_unstable();
        self.db
            .conn
            .query(
                "SELECT 1 FROM shopfront.products WHERE product_id = ANY($1) ORDER BY product_id FOR UPDATE",
                &[&ids],
            )
            .map(drop)
            .map_err(|e| self.fail(e))
    }

    fn carts_holding(&mut self, product_id: &str) -> Result<Vec<Cart>, RepoError> {
        self.db
            .conn
            .query(
                "SELECT 1 FROM shopfront.carts WHERE name_key IN
                    (SELECT name_key FROM shopfront.cart_lines WHERE product_id = $1) ORDER BY name_key FOR UPDATE",
                &[&product_id],
            )
            .map_err(|e| self.fail(e))?;
        let carts = self.db.carts_holding(product_id)?;
        for cart in &carts {
            self.saw_cart(&username_key(&cart.username), true);
        }
        Ok(carts)
    }

    fn discount(&mut self, code: &str) -> Result<Option<Discount>, RepoError> {
        let key = normalize_code(code);
        let mut discount = self.db.discount_locked(code)?;
        if discount.is_none() {
            self.lock_key(LOCK_DISCOUNT, &key)?;
            discount = self.db.discount_locked(code)?;
        }
        if discount.is_some() {
            self.seen.discounts.found(&key, ())
        } else {
            self.seen.discounts.missing(&key)
        }
        Ok(discount)
    }

    fn order(&mut self, order_id: &str) -> Result<Option<Order>, RepoError> {
        let order = match self.lock_row("orders", "order_id", LOCK_ORDER, order_id)? {
            true => self.db.order(order_id)?,
            false => None,
        };
        match &order {
            Some(order) => {
                // A cancellation gives its products their units back.
                self.lock_products(order.items.iter().map(|line| line.product_id.as_str()))?;
                self.saw_orders([order]);
            }
            None => self.seen.orders.missing(order_id),
        }
        Ok(order)
    }

    fn order_by_checkout_key(&mut self, username: &str, key: &str) -> Result<Option<Order>, RepoError> {
        // The account's lock first: two checkouts of one shopper with the
        // same key take turns, and the second finds the first one's order.
        let name_key = username_key(username).into_owned();
        self.lock_row("users", "name_key", LOCK_USER, &name_key)?;
        let order = self.db.order_by_checkout_key(username, key)?;
        self.saw_orders(order.as_ref());
        Ok(order)
    }

    fn next_order_id(&mut self) -> Result<String, RepoError> {
        // The sequence never gives a number twice; an id taken anyway (a
        // row put in by hand) is passed over, never overwritten.
        loop {
            let row = self
                .db
                .conn
                .query_one(
                    "SELECT n, EXISTS (SELECT 1 FROM shopfront.orders WHERE order_id = 'O' ||
                        CASE WHEN n < 10000 THEN lpad(n::text, 4, '0') ELSE n::text END)
                     FROM nextval('shopfront.order_numbers') AS n",
                    &[],
                )
                .map_err(|e| self.fail(e))?;
            let (number, taken): (i64, bool) = (row.get(0), row.get(1));
            if !taken {
                let id = format_order_id(number.unsigned_abs());
                self.seen.orders.missing(&id);
                self.seen.given.push(id.clone());
                return Ok(id);
            }
        }
    }
}

impl Writer<'_> {
    /// Runs `f` with the transaction's database and what it read.
    fn locking<T>(&self, f: impl FnOnce(&mut Locking) -> Result<T, RepoError>) -> Result<T, RepoError> {
        let mut state = self.state.try_borrow_mut().map_err(|_| {
            RepoError::Unavailable("a read of the shop's data was asked for inside another read of it".into())
        })?;
        let WriterState { conn, seen } = &mut *state;
        f(&mut Locking { db: Db { conn, target: self.repo.target() }, seen })
    }

    /// Reads with `f` (no lock), the transaction's database only.
    fn read<T>(&self, f: impl FnOnce(&mut Db) -> Result<T, RepoError>) -> Result<T, RepoError> {
        self.locking(|l| f(&mut l.db))
    }

    /// Visits every record of a scan, a chunk at a time read by `fetch`,
    /// each noted by `note` as read; then notes with `scanned` that the
    /// transaction read every record of the kind.
    fn scan_noting<T>(
        &self,
        visit: &mut dyn FnMut(&T),
        fetch: impl Fn(&mut Db, i64) -> Result<Vec<(i64, T)>, RepoError>,
        note: impl Fn(&mut Locking, &T),
        scanned: impl FnOnce(&mut Seen),
    ) -> Result<(), RepoError> {
        let chunk = |after| {
            self.locking(|l| {
                let chunk = fetch(&mut l.db, after)?;
                chunk.iter().for_each(|(_, record)| note(l, record));
                Ok(chunk)
            })
        };
        scan(chunk, visit)?;
        self.locking(|l| {
            scanned(l.seen);
            Ok(())
        })
    }
}

impl Drop for Writer<'_> {
    fn drop(&mut self) {
        if self.open {
            roll_back(&mut self.state.get_mut().conn);
        }
    }
}

impl ReadTx for Writer<'_> {
    fn account(&self, username: &str) -> Result<Option<User>, RepoError> {
        self.locking(|l| l.account(username))
    }
    fn accounts_with_key(&self, fingerprint: &str) -> Result<Vec<User>, RepoError> {
        self.locking(|l| l.accounts_with_key(fingerprint))
    }
    fn each_account(&self, visit: &mut dyn FnMut(&User)) -> Result<(), RepoError> {
        self.scan_noting(
            visit,
            |db, after| db.accounts_after(after),
            |l, user| l.saw_user(&username_key(&user.username), Some(user)),
            |seen| seen.users.scanned(),
        )
    }
    fn product(&self, product_id: &str) -> Result<Option<Product>, RepoError> {
        self.locking(|l| l.product(product_id))
    }
    fn peek_product(&self, product_id: &str) -> Result<Option<Product>, RepoError> {
        self.locking(|l| l.peek_product(product_id))
    }
    fn each_product(&self, visit: &mut dyn FnMut(&Product)) -> Result<(), RepoError> {
        self.scan_noting(
            visit,
            |db, after| db.products_after(after),
            |l, product| l.seen.products.found(&product.product_id, product.stock),
            |seen| seen.products.scanned(),
        )
    }
    fn cart(&self, username: &str) -> Result<Option<Cart>, RepoError> {
        self.locking(|l| l.cart(username))
    }
    fn each_cart(&self, visit: &mut dyn FnMut(&Cart)) -> Result<(), RepoError> {
        self.scan_noting(
            visit,
            |db, after| db.carts_after(after),
            |l, cart| l.saw_cart(&username_key(&cart.username), true),
            |seen| seen.carts.scanned(),
        )
    }
    fn carts_holding(&self, product_id: &str) -> Result<Vec<Cart>, RepoError> {
        self.locking(|l| l.carts_holding(product_id))
    }
    fn discount(&self, code: &str) -> Result<Option<Discount>, RepoError> {
        self.locking(|l| l.discount(code))
    }
    fn discounts(&self) -> Result<Vec<Discount>, RepoError> {
        self.locking(|l| {
            let all = l.db.discounts()?;
            for discount in &all {
                l.seen.discounts.found(&normalize_code(&discount.code), ());
            }
            l.seen.discounts.scanned();
            Ok(all)
        })
    }
    fn settings(&self) -> Result<Settings, RepoError> {
        self.locking(|l| {
            let (settings, revision) = l.db.settings()?;
            l.seen.settings = Some(revision);
            Ok(settings)
        })
    }
    fn order(&self, order_id: &str) -> Result<Option<Order>, RepoError> {
        self.locking(|l| l.order(order_id))
    }
    fn orders_of(&self, username: &str) -> Result<Vec<Order>, RepoError> {
        self.locking(|l| {
            let orders = l.db.orders_of(username)?;
            l.saw_orders(&orders);
            Ok(orders)
        })
    }
    fn order_by_checkout_key(&self, username: &str, key: &str) -> Result<Option<Order>, RepoError> {
        self.locking(|l| l.order_by_checkout_key(username, key))
    }
    fn each_order(&self, visit: &mut dyn FnMut(&Order)) -> Result<(), RepoError> {
        self.scan_noting(
            visit,
            |db, after| db.orders_after(after),
            |l, order| l.saw_orders([order]),
            |seen| seen.orders.scanned(),
        )
    }
    fn code_uses(&self, code: &str, username: &str) -> Result<Uses, RepoError> {
        self.read(|db| db.code_uses(code, username))
    }
    fn orders_carrying(&self, code: &str) -> Result<usize, RepoError> {
        self.read(|db| db.orders_carrying(code))
    }
    fn ever_ordered(&self, product_id: &str) -> Result<bool, RepoError> {
        self.read(|db| db.ever_ordered(product_id))
    }
}

impl WriteTx for Writer<'_> {
    fn next_order_id(&mut self) -> Result<String, RepoError> {
        self.locking(|l| l.next_order_id())
    }

    fn stage(&mut self, change: Change) {
        self.staged.push(change);
    }

    fn commit(mut self: Box<Self>) -> Result<ChangeSet, RepoError> {
        let staged = std::mem::take(&mut self.staged);
        let kept = self.repo.feed_kept;
        let token = feed::new_token();
        let mut recording = None;
        let committed = self.locking(|l| {
            for change in &staged {
                l.db.apply(change, l.seen)?;
            }
            let set = ChangeSet::of(&staged);
            if set.is_empty() {
                l.db.conn.batch("COMMIT").map_err(|e| l.fail(e))?;
                return Ok(set);
            }
            recording = Some(set.clone());
            l.db.record_and_commit(set, kept, &token)
        });
        // Done either way: a failed one is rolled back as the writer drops.
        self.open = committed.is_err();
        let conn = &self.state.get_mut().conn;
        match (committed, recording) {
            // The connection was lost with the COMMIT under way: saved or not?
            (Err(_), Some(set)) if conn.broken => {
                let lost = conn.session.clone();
                self.open = false;
                self.repo.resolve(set, &token, &lost)
            }
            (committed, _) => committed,
        }
    }
}

impl PgRepo {
    /// What became of the commit of `set` (with `token`) whose connection
    /// (to the server process `lost`) was lost as it was sent: asked on a
    /// new connection, for a while if the database is away.
    fn resolve(&self, set: ChangeSet, token: &str, lost: &conn::Session) -> Result<ChangeSet, RepoError> {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        let unknown = |why: &str| {
            RepoError::CommitUnknown(self.target().scrub(format!(
                "The connection to the database {} was lost while a change was being saved, and whether it was saved \
                 cannot be told until the database answers again ({why})",
                self.target().url
            )))
        };
        loop {
            let outcome =
                self.manager.open().and_then(|mut conn| on(self.target(), &mut conn, |db| db.saved(token, lost)));
            match outcome {
                Ok(feed::Outcome::Saved(id)) => return Ok(ChangeSet { id, ..set }),
                Ok(feed::Outcome::NotSaved) => {
                    return Err(self
                        .target()
                        .unreachable("the connection was lost before the change was saved; nothing of it was saved"));
                }
                Ok(feed::Outcome::Unknown) => return Err(unknown("its session did not end in time")),
                Err(e) if std::time::Instant::now() > deadline => return Err(unknown(&e.to_string())),
                Err(_) => std::thread::sleep(Duration::from_millis(200)),
            }
        }
    }
}

impl Repo for PgRepo {
    fn read(&self) -> Result<Box<dyn ReadTx + '_>, RepoError> {
        let conn = self.begin("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")?;
        Ok(Box::new(Reader { repo: self, conn: RefCell::new(conn) }))
    }

    fn write(&self) -> Result<Box<dyn WriteTx + '_>, RepoError> {
        let conn = self.begin("BEGIN ISOLATION LEVEL READ COMMITTED")?;
        let state = WriterState { conn, seen: Seen::default() };
        Ok(Box::new(Writer { repo: self, state: RefCell::new(state), staged: Vec::new(), open: true }))
    }

    fn changes_after(&self, after: u64) -> Result<Feed, RepoError> {
        let mut last = None;
        for _ in 0..=self.pool.max_size() + 1 {
            let mut conn = self.acquire()?;
            match on(self.target(), &mut conn, |db| db.changes_after(after)) {
                Err(e) if conn.broken => {
                    self.manager.suspect();
                    last = Some(e);
                }
                done => return done,
            }
        }
        Err(last.unwrap_or_else(|| self.target().unreachable("every connection was lost")))
    }

    fn login_failures(
        &self,
        keys: &[&str],
        update: &mut dyn FnMut(&mut [Option<LoginFailures>]),
    ) -> Result<(), RepoError> {
        let mut tries = 0;
        loop {
            tries += 1;
            let mut conn = self.begin("BEGIN ISOLATION LEVEL READ COMMITTED")?;
            let done = on(self.target(), &mut conn, |db| {
                db.login_failures(keys, update)?;
                db.conn.batch("COMMIT").map_err(|e| db.fail(e))
            });
            match done {
                Ok(()) => return Ok(()),
                Err(RepoError::Busy) if tries < LOGIN_TRIES => roll_back(&mut conn),
                Err(e) => {
                    roll_back(&mut conn);
                    return Err(e);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;

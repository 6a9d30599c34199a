//! The database's layout and its versions: `PRAGMA user_version` says which
//! of `MIGRATIONS` were applied, `PRAGMA application_id` marks the file as
//! Shopfront's. Opening applies the missing steps in one transaction; a
//! file of a newer version, of another program, or not a database at all is
//! refused before SQLite writes anything to it.
//!
//! Known fields have typed columns (STRICT tables: a value of the wrong type
//! cannot be stored): money in integer cents, counts as integers with the
//! limits the JSON folder checks on loading, timestamps as the files write
//! them (`2026-02-10 18:12:44`, which sorts as it reads). Each record's
//! unknown fields go in its `extra` column as a JSON object (NULL when
//! none). Lists that are only ever read with their record (an account's
//! addresses and cards) and nested objects (an order's address and payment)
//! are JSON too; order lines, order events, cart lines and SSH keys are
//! child tables, since the rules look records up by them.

use std::io::Read;
use std::path::Path;

use rusqlite::Connection;

use crate::repo::RepoError;

/// "Shop" in ASCII: the `application_id` of a Shopfront database.
pub const APPLICATION_ID: i32 = 0x5368_6f70;

/// Each step brings the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[V1];

/// The newest schema this build knows.
pub const LATEST: i64 = MIGRATIONS.len() as i64;

const V1: &str = r#"
CREATE TABLE users (
    name_key      TEXT PRIMARY KEY NOT NULL,   -- the username in lower case
    username      TEXT NOT NULL CHECK (trim(username) <> ''),
    password_hash TEXT,
    password      TEXT,                        -- the console shop's plaintext, until the next login
    role          TEXT NOT NULL CHECK (role IN ('customer', 'admin')),
    created_at    TEXT CHECK (length(created_at) = 19),
    addresses     TEXT,                        -- JSON list, most recently used first
    cards         TEXT,                        -- JSON list
    extra         TEXT,
    CHECK (password_hash IS NOT NULL OR password IS NOT NULL)
) STRICT;

CREATE TABLE user_keys (
    name_key    TEXT NOT NULL REFERENCES users (name_key) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    PRIMARY KEY (name_key, position)
) STRICT, WITHOUT ROWID;
CREATE INDEX user_keys_by_fingerprint ON user_keys (fingerprint);

-- `pos` is catalog order: a product keeps its place when it is replaced.
CREATE TABLE products (
    pos         INTEGER PRIMARY KEY,
    product_id  TEXT NOT NULL UNIQUE CHECK (trim(product_id) <> ''),
    name        TEXT NOT NULL CHECK (trim(name) <> '' AND length(name) <= 120),
    price       INTEGER NOT NULL CHECK (price BETWEEN 0 AND 100000000),
    stock       INTEGER NOT NULL CHECK (stock BETWEEN 0 AND 1000000000),
    description TEXT,
    category    TEXT,
    active      INTEGER NOT NULL CHECK (active IN (0, 1)),
    changed_by  TEXT,                          -- the last admin change: who
    changed_at  TEXT CHECK (length(changed_at) = 19),
    extra       TEXT,
    CHECK ((changed_by IS NULL) = (changed_at IS NULL))
) STRICT;

CREATE TABLE carts (
    name_key TEXT PRIMARY KEY NOT NULL,
    username TEXT NOT NULL CHECK (trim(username) <> ''),
    extra    TEXT
) STRICT;

CREATE TABLE cart_lines (
    name_key   TEXT NOT NULL REFERENCES carts (name_key) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    product_id TEXT NOT NULL,
    qty        INTEGER NOT NULL CHECK (qty BETWEEN 1 AND 4294967295),
    unit_price INTEGER NOT NULL CHECK (unit_price >= 0),
    extra      TEXT,
    PRIMARY KEY (name_key, position),
    UNIQUE (name_key, product_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX cart_lines_by_product ON cart_lines (product_id);

-- `seq` is the order they were placed in.
CREATE TABLE orders (
    seq           INTEGER PRIMARY KEY,
    order_id      TEXT NOT NULL UNIQUE CHECK (trim(order_id) <> ''),
    number        INTEGER,                     -- n of an `O` + digits id; NULL for others
    username      TEXT NOT NULL CHECK (trim(username) <> ''),
    owner_key     TEXT NOT NULL,               -- the username in lower case
    total         INTEGER NOT NULL CHECK (total >= 0),
    placed_at     TEXT NOT NULL CHECK (length(placed_at) = 19),
    status        TEXT NOT NULL CHECK (status IN ('placed', 'paid', 'shipped', 'delivered', 'cancelled')),
    subtotal      INTEGER CHECK (subtotal >= 0),
    discount_code TEXT COLLATE NOCASE,         -- compared ignoring ASCII case, as the rules do
    discount      INTEGER NOT NULL CHECK (discount >= 0),
    shipping      INTEGER NOT NULL CHECK (shipping >= 0),
    tax           INTEGER NOT NULL CHECK (tax >= 0),
    tax_included  INTEGER NOT NULL CHECK (tax_included IN (0, 1)),
    address       TEXT,                        -- JSON object
    payment       TEXT,                        -- JSON object
    tracking      TEXT,
    checkout_key  TEXT,
    extra         TEXT
) STRICT;
CREATE INDEX orders_by_owner ON orders (owner_key, placed_at);
CREATE INDEX orders_by_checkout_key ON orders (checkout_key, owner_key) WHERE checkout_key IS NOT NULL;
-- Covers code_uses: counted from the index alone.
CREATE INDEX orders_by_code ON orders (discount_code, status, owner_key) WHERE discount_code IS NOT NULL;

CREATE TABLE order_lines (
    order_seq  INTEGER NOT NULL REFERENCES orders (seq) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    product_id TEXT NOT NULL,
    name       TEXT,
    qty        INTEGER NOT NULL CHECK (qty BETWEEN 1 AND 4294967295),
    unit_price INTEGER NOT NULL CHECK (unit_price >= 0),
    extra      TEXT,
    PRIMARY KEY (order_seq, position),
    UNIQUE (order_seq, product_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX order_lines_by_product ON order_lines (product_id);

CREATE TABLE order_events (
    order_seq INTEGER NOT NULL REFERENCES orders (seq) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    at        TEXT NOT NULL CHECK (length(at) = 19),
    actor     TEXT NOT NULL,                   -- the JSON's `by`
    status    TEXT NOT NULL CHECK (status IN ('placed', 'paid', 'shipped', 'delivered', 'cancelled')),
    refunded  INTEGER CHECK (refunded >= 0),
    extra     TEXT,
    PRIMARY KEY (order_seq, position)
) STRICT, WITHOUT ROWID;

-- `pos` is the order the codes were added in.
CREATE TABLE discounts (
    pos               INTEGER PRIMARY KEY,
    code_key          TEXT NOT NULL UNIQUE,    -- the code in upper case
    code              TEXT NOT NULL CHECK (length(code) BETWEEN 3 AND 32),
    kind              TEXT NOT NULL CHECK (kind IN ('percent', 'fixed', 'free_shipping')),
    value             INTEGER CHECK (value >= 0),
    min_subtotal      INTEGER NOT NULL CHECK (min_subtotal >= 0),
    starts            TEXT CHECK (length(starts) = 19),
    expires           TEXT CHECK (length(expires) = 19),
    max_uses          INTEGER CHECK (max_uses BETWEEN 0 AND 4294967295),
    max_uses_per_user INTEGER CHECK (max_uses_per_user BETWEEN 0 AND 4294967295),
    active            INTEGER NOT NULL CHECK (active IN (0, 1)),
    changed_by        TEXT,                    -- the last admin change: who
    changed_at        TEXT CHECK (length(changed_at) = 19),
    extra             TEXT,
    CHECK ((changed_by IS NULL) = (changed_at IS NULL))
) STRICT;

-- One row at most; none means the defaults.
CREATE TABLE settings (
    id                 INTEGER PRIMARY KEY CHECK (id = 1),
    shop_name          TEXT NOT NULL,
    currency           TEXT NOT NULL,
    shipping_flat      INTEGER NOT NULL CHECK (shipping_flat >= 0),
    shipping_free_over INTEGER CHECK (shipping_free_over >= 0),  -- NULL: never free
    shipping_extra     TEXT,
    tax_rate           INTEGER NOT NULL CHECK (tax_rate BETWEEN 0 AND 100000),  -- thousandths of a percent
    tax_included       INTEGER NOT NULL CHECK (tax_included IN (0, 1)),
    tax_extra          TEXT,
    changed_by         TEXT,                   -- the last admin change: who
    changed_at         TEXT CHECK (length(changed_at) = 19),
    extra              TEXT,
    CHECK ((changed_by IS NULL) = (changed_at IS NULL))
) STRICT;

-- The last order number given (`O0042`: 42), raised by every order stored.
CREATE TABLE sequences (
    name TEXT PRIMARY KEY NOT NULL,
    last INTEGER NOT NULL CHECK (last >= 0)
) STRICT, WITHOUT ROWID;
INSERT INTO sequences (name, last) VALUES ('order', 0);

-- The change feed: one row per commit, with the ids it touched (JSON).
CREATE TABLE changes (
    id  INTEGER PRIMARY KEY AUTOINCREMENT,
    ids TEXT NOT NULL
) STRICT;

CREATE TABLE login_failures (
    key       TEXT PRIMARY KEY NOT NULL,
    count     INTEGER NOT NULL CHECK (count BETWEEN 0 AND 4294967295),
    last_ms   INTEGER NOT NULL,
    last_from TEXT NOT NULL
) STRICT;
CREATE INDEX login_failures_by_age ON login_failures (last_ms);
"#;

/// What a file's first bytes say, before SQLite is let near it.
pub enum Probe {
    /// No file, or an empty one: a new database.
    New,
    /// An SQLite database whose header shows a schema this build knows
    /// (or none yet); `wal`: it is in WAL mode.
    Database { wal: bool },
}

/// Reads the header of the file at `path` (without SQLite, so nothing is
/// written): refuses a file that is not an SQLite database, one of another
/// program, or one of a newer schema.
pub fn probe(path: &Path) -> Result<Probe, RepoError> {
    let file = path.display();
    let mut header = [0u8; 100];
    let mut opened = match std::fs::File::open(path) {
        Ok(opened) => opened,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Probe::New),
        Err(e) => return Err(RepoError::Unavailable(format!("Cannot read the database {file}: {e}"))),
    };
    let mut read = 0;
    while read < header.len() {
        match opened.read(&mut header[read..]) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(RepoError::Unavailable(format!("Cannot read the database {file}: {e}"))),
        }
    }
    if read == 0 {
        return Ok(Probe::New);
    }
    if read < header.len() || &header[..16] != b"SQLite format 3\0" {
        return Err(RepoError::Damaged(format!(
            "{file} is not an SQLite database (its first bytes are not an SQLite header); Shopfront did not change it"
        )));
    }
    // The fields SQLite requires to be exactly so (page size, payload fractions).
    let page_size = u16::from_be_bytes([header[16], header[17]]);
    if !(page_size == 1 || (page_size >= 512 && page_size.is_power_of_two())) || header[21..24] != [64, 32, 32] {
        return Err(RepoError::Damaged(format!(
            "{file} is not an SQLite database (its header is damaged); Shopfront did not change it"
        )));
    }
    let number = |at: usize| i32::from_be_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]]);
    let (version, application) = (i64::from(number(60)), number(68));
    check_owner(path, application)?;
    check_version(path, version)?;
    // The file format's read and write versions: 2 for WAL, 1 for a rollback journal.
    Ok(Probe::Database { wal: header[18] == 2 || header[19] == 2 })
}

fn check_owner(path: &Path, application: i32) -> Result<(), RepoError> {
    if application != 0 && application != APPLICATION_ID {
        return Err(RepoError::Unavailable(format!(
            "{} is an SQLite database of another program (its application id is {application:#x}); Shopfront did \
             not change it",
            path.display()
        )));
    }
    Ok(())
}

/// Refuses a schema newer than this build knows.
pub fn check_version(path: &Path, version: i64) -> Result<(), RepoError> {
    if version > LATEST {
        return Err(RepoError::Unavailable(format!(
            "{} was written by a newer Shopfront: its schema is version {version}, this Shopfront knows versions up \
             to {LATEST}. Use a newer Shopfront with it; this one did not change the file",
            path.display()
        )));
    }
    if version < 0 {
        return Err(RepoError::Damaged(format!(
            "{} has schema version {version}, which no Shopfront writes; Shopfront did not change it",
            path.display()
        )));
    }
    Ok(())
}

/// Looks at an open database before anything is written to it: refuses one
/// of a newer schema, of another program, or whose schema cannot be read.
pub fn inspect(conn: &Connection, path: &Path) -> Result<(), RepoError> {
    let fail = |e| super::error::from_sqlite(path, e);
    // What SQLite sees: a WAL file may hold a newer version than the header.
    let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0)).map_err(fail)?;
    check_version(path, version)?;
    let application: i32 = conn.pragma_query_value(None, "application_id", |row| row.get(0)).map_err(fail)?;
    check_owner(path, application)?;
    // Reads the schema: a damaged first page shows now, not at the first look.
    let tables: i64 = conn
        .query_row("SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'", [], |row| row.get(0))
        .map_err(fail)?;
    if version == 0 && tables > 0 {
        return Err(foreign(path));
    }
    Ok(())
}

/// For a database opened only to read, which nothing may upgrade: refuses
/// one without this build's schema (a newer one `inspect` refused).
pub fn check_current(conn: &Connection, path: &Path) -> Result<(), RepoError> {
    let fail = |e| super::error::from_sqlite(path, e);
    let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0)).map_err(fail)?;
    let file = path.display();
    match version {
        LATEST => Ok(()),
        0 => Err(RepoError::Unavailable(format!(
            "{file} holds no Shopfront schema yet (an empty database): there is no shop in it to read; Shopfront \
             did not change it"
        ))),
        older => Err(RepoError::Unavailable(format!(
            "{file} has schema version {older}, older than this Shopfront's {LATEST}, and is only being read, so \
             it is not upgraded: run the shop on it once (which upgrades it), then try again. Shopfront did not \
             change it"
        ))),
    }
}

fn foreign(path: &Path) -> RepoError {
    RepoError::Unavailable(format!(
        "{} is an SQLite database of another program (it has tables but no Shopfront schema); Shopfront did not \
         change it",
        path.display()
    ))
}

/// Brings the schema of an open database up to `LATEST`, all steps in one
/// transaction that holds the write lock (two processes opening a new file
/// at once: the second finds it done).
pub fn migrate(conn: &Connection, path: &Path) -> Result<(), RepoError> {
    let fail = |e| super::error::from_sqlite(path, e);
    let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0)).map_err(fail)?;
    check_version(path, version)?;
    if version == LATEST {
        return Ok(());
    }
    conn.execute_batch("BEGIN IMMEDIATE").map_err(fail)?;
    let result = (|| {
        // Read again under the lock: another process may have done it.
        let version: i64 = conn.pragma_query_value(None, "user_version", |row| row.get(0)).map_err(fail)?;
        check_version(path, version)?;
        if version == LATEST {
            return Ok(());
        }
        let application: i32 = conn.pragma_query_value(None, "application_id", |row| row.get(0)).map_err(fail)?;
        check_owner(path, application)?;
        if version == 0 {
            let tables: i64 = conn
                .query_row("SELECT count(*) FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%'", [], |row| row.get(0))
                .map_err(fail)?;
            if tables > 0 {
                return Err(foreign(path));
            }
        }
        for step in MIGRATIONS.get(usize::try_from(version).unwrap_or(0)..).unwrap_or_default() {
            conn.execute_batch(step).map_err(fail)?;
        }
        conn.pragma_update(None, "application_id", APPLICATION_ID).map_err(fail)?;
        conn.pragma_update(None, "user_version", LATEST).map_err(fail)?;
        Ok(())
    })();
    match result {
        Ok(()) => conn.execute_batch("COMMIT").map_err(fail),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

//! The database's schema: everything Shopfront keeps lives in the schema
//! `shopfront` (other schemas, other applications' tables included, are
//! never touched), versioned in `shopfront.schema_version`. Opening brings
//! it up to date in one transaction behind an advisory lock (one process
//! migrates while the others wait, then find it done); a newer version, or
//! a `shopfront` schema holding tables that are not Shopfront's, is refused
//! with nothing changed; a role that may not create it is told what to ask
//! for, with nothing half-created (DDL is transactional in PostgreSQL).
//!
//! Known fields have typed columns (with CHECKs): money in integer cents,
//! counts as integers with the limits the JSON folder checks on loading,
//! the shop's timestamps as text as it writes them (`2026-02-10 18:12:44`,
//! the shop's local time, like the other stores). Each record's unknown
//! fields go in its `extra` column as a JSON object (`json`, which keeps
//! the text exactly; NULL when none). Lists only ever read with their
//! record (an account's addresses and cards) and nested objects (an
//! order's address and payment) are JSON too; order lines, order events,
//! cart lines and SSH keys are child tables, since the rules look records
//! up by them. Times the database records itself (the change feed, login
//! failures, migrations) are `timestamptz` or epoch milliseconds, so
//! machines in different time zones agree. Keys sort byte-wise
//! (`COLLATE "C"`), as the other stores compare them.

use postgres::error::SqlState;

use super::conn::PgConn;
use super::error::Target;
use super::{LOCK_MIGRATE, lock_class};
use crate::repo::RepoError;

/// The schema every Shopfront table lives in.
pub const SCHEMA: &str = "shopfront";

/// Each step brings the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[V1];

/// The newest schema this build knows.
pub const LATEST: i32 = MIGRATIONS.len() as i32;

const V1: &str = r#"
CREATE TABLE shopfront.schema_version (
    id          integer PRIMARY KEY CHECK (id = 1),
    version     integer NOT NULL CHECK (version > 0),
    migrated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE shopfront.users (
    pos           bigint GENERATED ALWAYS AS IDENTITY UNIQUE,  -- the order they were made in
    name_key      text COLLATE "C" PRIMARY KEY,                -- the username in lower case
    username      text NOT NULL CHECK (btrim(username) <> ''),
    password_hash text,
    password      text,                                        -- the console shop's plaintext, until the next login
    role          text NOT NULL CHECK (role IN ('customer', 'admin')),
    created_at    text CHECK (length(created_at) = 19),
    addresses     json,                                        -- list, most recently used first
    cards         json,
    extra         json,
    CHECK (password_hash IS NOT NULL OR password IS NOT NULL)
);

CREATE TABLE shopfront.user_keys (
    name_key    text COLLATE "C" NOT NULL REFERENCES shopfront.users (name_key) ON DELETE CASCADE,
    position    bigint NOT NULL,
    fingerprint text COLLATE "C" NOT NULL,
    PRIMARY KEY (name_key, position)
);
CREATE INDEX user_keys_by_fingerprint ON shopfront.user_keys (fingerprint);

-- `pos` is catalog order: a product keeps its place when it is replaced.
CREATE TABLE shopfront.products (
    pos         bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    product_id  text COLLATE "C" PRIMARY KEY CHECK (btrim(product_id) <> ''),
    name        text NOT NULL CHECK (btrim(name) <> '' AND length(name) <= 120),
    price       bigint NOT NULL CHECK (price BETWEEN 0 AND 100000000),
    stock       bigint NOT NULL CHECK (stock BETWEEN 0 AND 1000000000),
    description text,
    category    text,
    active      boolean NOT NULL,
    changed_by  text,                                          -- the last admin change: who
    changed_at  text CHECK (length(changed_at) = 19),
    extra       json,
    CHECK ((changed_by IS NULL) = (changed_at IS NULL))
);

CREATE TABLE shopfront.carts (
    pos      bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    name_key text COLLATE "C" PRIMARY KEY,
    username text NOT NULL CHECK (btrim(username) <> ''),
    extra    json
);

CREATE TABLE shopfront.cart_lines (
    name_key   text COLLATE "C" NOT NULL REFERENCES shopfront.carts (name_key) ON DELETE CASCADE,
    position   bigint NOT NULL,
    product_id text COLLATE "C" NOT NULL,
    qty        bigint NOT NULL CHECK (qty BETWEEN 1 AND 4294967295),
    unit_price bigint NOT NULL CHECK (unit_price >= 0),
    extra      json,
    PRIMARY KEY (name_key, position),
    UNIQUE (name_key, product_id)
);
CREATE INDEX cart_lines_by_product ON shopfront.cart_lines (product_id);

-- `seq` is the order they were placed in.
CREATE TABLE shopfront.orders (
    seq           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id      text COLLATE "C" NOT NULL UNIQUE CHECK (btrim(order_id) <> ''),
    number        bigint,                                      -- n of an `O` + digits id; NULL for others
    username      text NOT NULL CHECK (btrim(username) <> ''),
    owner_key     text COLLATE "C" NOT NULL,                   -- the username in lower case
    total         bigint NOT NULL CHECK (total >= 0),
    placed_at     text COLLATE "C" NOT NULL CHECK (length(placed_at) = 19),
    status        text NOT NULL CHECK (status IN ('placed', 'paid', 'shipped', 'delivered', 'cancelled')),
    subtotal      bigint CHECK (subtotal >= 0),
    discount_code text,
    code_key      text COLLATE "C",                            -- the code in ASCII upper case, as the rules compare
    discount      bigint NOT NULL CHECK (discount >= 0),
    shipping      bigint NOT NULL CHECK (shipping >= 0),
    tax           bigint NOT NULL CHECK (tax >= 0),
    tax_included  boolean NOT NULL,
    address       json,
    payment       json,
    tracking      text,
    checkout_key  text COLLATE "C",
    extra         json,
    CHECK ((discount_code IS NULL) = (code_key IS NULL))
);
CREATE INDEX orders_by_owner ON shopfront.orders (owner_key, placed_at);
CREATE INDEX orders_by_checkout_key ON shopfront.orders (checkout_key, owner_key) WHERE checkout_key IS NOT NULL;
CREATE INDEX orders_by_code ON shopfront.orders (code_key, status, owner_key) WHERE code_key IS NOT NULL;

CREATE TABLE shopfront.order_lines (
    order_seq  bigint NOT NULL REFERENCES shopfront.orders (seq) ON DELETE CASCADE,
    position   bigint NOT NULL,
    product_id text COLLATE "C" NOT NULL,
    name       text,
    qty        bigint NOT NULL CHECK (qty BETWEEN 1 AND 4294967295),
    unit_price bigint NOT NULL CHECK (unit_price >= 0),
    extra      json,
    PRIMARY KEY (order_seq, position),
    UNIQUE (order_seq, product_id)
);
CREATE INDEX order_lines_by_product ON shopfront.order_lines (product_id);

CREATE TABLE shopfront.order_events (
    order_seq bigint NOT NULL REFERENCES shopfront.orders (seq) ON DELETE CASCADE,
    position  bigint NOT NULL,
    at        text NOT NULL CHECK (length(at) = 19),
    actor     text NOT NULL,                                   -- the JSON's `by`
    status    text NOT NULL CHECK (status IN ('placed', 'paid', 'shipped', 'delivered', 'cancelled')),
    refunded  bigint CHECK (refunded >= 0),
    extra     json,
    PRIMARY KEY (order_seq, position)
);

-- `pos` is the order the codes were added in.
CREATE TABLE shopfront.discounts (
    pos               bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    code_key          text COLLATE "C" PRIMARY KEY,            -- the code in upper case
    code              text NOT NULL CHECK (length(code) BETWEEN 3 AND 32),
    kind              text NOT NULL CHECK (kind IN ('percent', 'fixed', 'free_shipping')),
    value             bigint CHECK (value >= 0),
    min_subtotal      bigint NOT NULL CHECK (min_subtotal >= 0),
    starts            text CHECK (length(starts) = 19),
    expires           text CHECK (length(expires) = 19),
    max_uses          bigint CHECK (max_uses BETWEEN 0 AND 4294967295),
    max_uses_per_user bigint CHECK (max_uses_per_user BETWEEN 0 AND 4294967295),
    active            boolean NOT NULL,
    changed_by        text,                                    -- the last admin change: who
    changed_at        text CHECK (length(changed_at) = 19),
    extra             json,
    CHECK ((changed_by IS NULL) = (changed_at IS NULL))
);

-- One row at most; none means the defaults. `revision` grows with every
-- change: a write transaction that read it changes it only if it is
-- still what was read.
CREATE TABLE shopfront.settings (
    id                 integer PRIMARY KEY CHECK (id = 1),
    shop_name          text NOT NULL,
    currency           text NOT NULL,
    shipping_flat      bigint NOT NULL CHECK (shipping_flat >= 0),
    shipping_free_over bigint CHECK (shipping_free_over >= 0),  -- NULL: never free
    shipping_extra     json,
    tax_rate           bigint NOT NULL CHECK (tax_rate BETWEEN 0 AND 100000),  -- thousandths of a percent
    tax_included       boolean NOT NULL,
    tax_extra          json,
    changed_by         text,                                   -- the last admin change: who
    changed_at         text CHECK (length(changed_at) = 19),
    extra              json,
    revision           bigint NOT NULL DEFAULT 1,
    CHECK ((changed_by IS NULL) = (changed_at IS NULL))
);

-- Order numbers (`O0042`: 42): never handed out twice, raised past any
-- order stored with a higher one.
CREATE SEQUENCE shopfront.order_numbers AS bigint MINVALUE 1;

-- The change feed: one row per commit, with the ids it touched (JSON).
-- Ids are given under the lock of the `feed_head` row, in commit order and
-- without holes (a rolled back commit gives its id back).
CREATE TABLE shopfront.feed_head (
    id   integer PRIMARY KEY CHECK (id = 1),
    last bigint NOT NULL CHECK (last >= 0)
);
INSERT INTO shopfront.feed_head (id, last) VALUES (1, 0);

CREATE TABLE shopfront.changes (
    id    bigint PRIMARY KEY,
    ids   json NOT NULL,
    at    timestamptz NOT NULL DEFAULT now(),
    token text NOT NULL                                        -- the committing transaction's, unique
);

CREATE TABLE shopfront.login_failures (
    key         text COLLATE "C" PRIMARY KEY,
    count       bigint NOT NULL CHECK (count BETWEEN 0 AND 4294967295),
    last_ms     bigint NOT NULL,                               -- milliseconds since 1970, UTC
    last_from   text NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_by_age ON shopfront.login_failures (last_ms);
"#;

/// What the database holds of Shopfront's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Found {
    /// No schema `shopfront`.
    Nothing,
    /// A schema `shopfront` without anything in it (made for Shopfront by
    /// the database's owner, say).
    Empty,
    /// Shopfront's schema at this version.
    Version(i32),
    /// A schema `shopfront` holding something else.
    Foreign,
}

fn look(conn: &mut PgConn, target: &Target) -> Result<Found, RepoError> {
    let fail = |e: postgres::Error| target.explain(&e);
    let row = conn
        .query_one(
            "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'shopfront'),
                    to_regclass('shopfront.schema_version') IS NOT NULL,
                    (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                     WHERE n.nspname = 'shopfront')",
            &[],
        )
        .map_err(fail)?;
    let (exists, versioned, relations): (bool, bool, i64) = (row.get(0), row.get(1), row.get(2));
    if !exists {
        return Ok(Found::Nothing);
    }
    if !versioned {
        return Ok(if relations == 0 { Found::Empty } else { Found::Foreign });
    }
    let version: Option<i32> = conn
        .query_opt("SELECT version FROM shopfront.schema_version WHERE id = 1", &[])
        .map_err(fail)?
        .map(|row| row.get(0));
    Ok(version.map_or(Found::Foreign, Found::Version))
}

fn check(found: &Found, target: &Target) -> Result<(), RepoError> {
    match found {
        Found::Version(version) if *version > LATEST => Err(RepoError::Unavailable(format!(
            "The database {} was written by a newer Shopfront: its schema is version {version}, this Shopfront knows \
             versions up to {LATEST}. Use a newer Shopfront with it; this one did not change the database",
            target.url
        ))),
        Found::Version(version) if *version < 1 => Err(RepoError::Damaged(format!(
            "The database {} has Shopfront schema version {version}, which no Shopfront writes; Shopfront did not \
             change it",
            target.url
        ))),
        Found::Foreign => Err(RepoError::Unavailable(format!(
            "The database {} has a schema named {SCHEMA} holding tables that are not Shopfront's (no version of \
             Shopfront's schema is recorded); Shopfront did not change it. Use another database, or drop or rename \
             that schema",
            target.url
        ))),
        _ => Ok(()),
    }
}

/// Brings the schema up to `LATEST` (creating it in a database without
/// it), or refuses as the module says.
pub fn migrate(conn: &mut PgConn, target: &Target) -> Result<(), RepoError> {
    let found = look(conn, target)?;
    check(&found, target)?;
    if found == Found::Version(LATEST) {
        return Ok(());
    }
    let fail = |e: postgres::Error| target.explain(&e);
    // A migration may take longer than a lock or a statement may wait.
    conn.batch("BEGIN; SET LOCAL lock_timeout = '10min'; SET LOCAL statement_timeout = '30min'").map_err(fail)?;
    let done = (|| {
        conn.execute("SELECT pg_advisory_xact_lock($1, 0)", &[&lock_class(LOCK_MIGRATE)]).map_err(fail)?;
        // Looked at again under the lock: another process may have done it.
        let found = look(conn, target)?;
        check(&found, target)?;
        let from = match found {
            Found::Version(version) if version == LATEST => return Ok(()),
            Found::Version(version) => version,
            _ => 0,
        };
        if found == Found::Nothing {
            conn.batch("CREATE SCHEMA IF NOT EXISTS shopfront")
                .map_err(|e| refused(target, &e, "create the schema"))?;
        }
        for step in &MIGRATIONS[usize::try_from(from).unwrap_or(0)..] {
            conn.batch(step).map_err(|e| refused(target, &e, "create its tables in the schema"))?;
        }
        conn.execute(
            "INSERT INTO shopfront.schema_version (id, version) VALUES (1, $1)
             ON CONFLICT (id) DO UPDATE SET version = excluded.version, migrated_at = now()",
            &[&LATEST],
        )
        .map_err(fail)?;
        Ok(())
    })();
    match done {
        Ok(()) => conn.batch("COMMIT").map_err(fail),
        Err(e) => {
            if conn.batch("ROLLBACK").is_err() {
                conn.broken = true;
            }
            Err(e)
        }
    }
}

/// A step of the migration refused: a missing right said in words an
/// operator acts on.
fn refused(target: &Target, error: &postgres::Error, what: &str) -> RepoError {
    if error.code() != Some(&SqlState::INSUFFICIENT_PRIVILEGE) {
        return target.explain(error);
    }
    let (user, db) = (&target.user, &target.dbname);
    let why = error.as_db_error().map_or_else(|| error.to_string(), |e| e.message().to_string());
    RepoError::Unavailable(target.scrub(format!(
        "The role {user} may not {what} {SCHEMA} in the database {} ({why}); nothing was created. Let the database's \
         owner run `CREATE SCHEMA {SCHEMA} AUTHORIZATION {user}` in {db} (or `GRANT CREATE ON DATABASE {db} TO \
         {user}`), or connect as a role that may",
        target.url
    )))
}

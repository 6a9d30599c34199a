//! Every `ReadTx` question as SQL on one connection (inside the caller's
//! transaction), each answered through an index; rows read back into the
//! domain's records (by `sql_rows`, shared with PostgreSQL), a row that
//! cannot be one reported as damaged with its table and key.

use std::path::Path;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, Row, params};

use super::codec::Cols;
use super::error::{damaged_row, from_sqlite};
use crate::domain::discount::{Uses, normalize_code};
use crate::domain::user::username_key;
use crate::domain::{Cart, CartLine, Discount, Order, Product, Settings, User};
use crate::repo::RepoError;
use crate::repo::sql_codec::{Columns, Read};
use crate::repo::sql_rows::{cart, discount, order, order_event, order_line, product, settings, user};

/// One connection of the database at `path`, for reading and writing.
pub struct Db<'c> {
    pub conn: &'c Connection,
    pub path: &'c Path,
}

const USER: &str = "SELECT name_key, username, password_hash, password, role, created_at, addresses, cards, extra, \
                    (SELECT json_group_array(fingerprint ORDER BY position) FROM user_keys k \
                     WHERE k.name_key = users.name_key) FROM users";
const PRODUCT: &str =
    "SELECT product_id, name, price, stock, description, category, active, extra, changed_by, changed_at FROM products";
const CART: &str = "SELECT name_key, username, extra FROM carts";
const CART_LINES: &str =
    "SELECT product_id, qty, unit_price, extra FROM cart_lines WHERE name_key = ?1 ORDER BY position";
const ORDER: &str = "SELECT order_id, seq, username, owner_key, total, placed_at, status, subtotal, discount_code, \
                     discount, shipping, tax, tax_included, address, payment, tracking, checkout_key, extra FROM orders";
const ORDER_LINES: &str = "SELECT order_seq, product_id, name, qty, unit_price, extra FROM order_lines";
const ORDER_EVENTS: &str = "SELECT order_seq, at, actor, status, refunded, extra FROM order_events";
const DISCOUNT: &str = "SELECT code, kind, value, min_subtotal, starts, expires, max_uses, max_uses_per_user, active, \
                        extra, changed_by, changed_at FROM discounts";
const SETTINGS: &str = "SELECT shop_name, currency, shipping_flat, shipping_free_over, shipping_extra, tax_rate, \
                        tax_included, tax_extra, extra, changed_by, changed_at FROM settings WHERE id = 1";

impl Db<'_> {
    pub fn fail(&self, error: rusqlite::Error) -> RepoError {
        from_sqlite(self.path, error)
    }

    /// Reads `row` with `read`; what cannot be read names the table and the
    /// row's key (column `key`).
    fn decode<T>(
        &self,
        table: &str,
        row: &Row<'_>,
        key: usize,
        read: impl FnOnce(&dyn Columns) -> Read<T>,
    ) -> Result<T, RepoError> {
        read(&Cols(row)).map_err(|why| {
            let key = match row.get_ref(key) {
                Ok(ValueRef::Text(text)) => String::from_utf8_lossy(text).into_owned(),
                Ok(ValueRef::Integer(n)) => n.to_string(),
                _ => "?".to_string(),
            };
            damaged_row(self.path, table, &key, &why)
        })
    }

    /// Reads the rows of `sql` with `params` one by one with `read`, handing
    /// each to `take` until it says `false` (the rows after it are not read).
    fn each<T, P: rusqlite::Params>(
        &self,
        sql: &str,
        params: P,
        table: &str,
        key: usize,
        read: impl Fn(&dyn Columns) -> Read<T>,
        mut take: impl FnMut(T) -> bool,
    ) -> Result<(), RepoError> {
        let mut statement = self.conn.prepare_cached(sql).map_err(|e| self.fail(e))?;
        let mut rows = statement.query(params).map_err(|e| self.fail(e))?;
        while let Some(row) = rows.next().map_err(|e| self.fail(e))? {
            if !take(self.decode(table, row, key, &read)?) {
                break;
            }
        }
        Ok(())
    }

    /// The rows of `sql` with `params`, each read by `read`.
    fn rows<T, P: rusqlite::Params>(
        &self,
        sql: &str,
        params: P,
        table: &str,
        key: usize,
        read: impl Fn(&dyn Columns) -> Read<T>,
    ) -> Result<Vec<T>, RepoError> {
        let mut found = Vec::new();
        self.each(sql, params, table, key, read, |record| {
            found.push(record);
            true
        })?;
        Ok(found)
    }

    /// The first row of `sql` with `params`, read by `read`.
    fn first<T, P: rusqlite::Params>(
        &self,
        sql: &str,
        params: P,
        table: &str,
        key: usize,
        read: impl Fn(&dyn Columns) -> Read<T>,
    ) -> Result<Option<T>, RepoError> {
        let mut found = None;
        self.each(sql, params, table, key, read, |record| {
            found = Some(record);
            false
        })?;
        Ok(found)
    }

    fn count<P: rusqlite::Params>(&self, sql: &str, params: P) -> Result<i64, RepoError> {
        let mut statement = self.conn.prepare_cached(sql).map_err(|e| self.fail(e))?;
        statement
            .query_row(params, |row| row.get::<_, Option<i64>>(0))
            .map(|n| n.unwrap_or(0))
            .map_err(|e| self.fail(e))
    }

    pub fn account(&self, username: &str) -> Result<Option<User>, RepoError> {
        let sql = format!("{USER} WHERE name_key = ?1");
        self.first(&sql, [username_key(username)], "users", 1, user)
    }

    pub fn accounts_with_key(&self, fingerprint: &str) -> Result<Vec<User>, RepoError> {
        let sql = format!(
            "{USER} WHERE name_key IN (SELECT name_key FROM user_keys WHERE fingerprint = ?1) ORDER BY users.rowid"
        );
        self.rows(&sql, [fingerprint], "users", 1, user)
    }

    pub fn each_account(&self, visit: &mut dyn FnMut(&User)) -> Result<(), RepoError> {
        self.each(&format!("{USER} ORDER BY users.rowid"), [], "users", 1, user, |user| {
            visit(&user);
            true
        })
    }

    /// Every cart, as they were first saved.
    pub fn each_cart(&self, visit: &mut dyn FnMut(&Cart)) -> Result<(), RepoError> {
        let carts = self.rows(&format!("{CART} ORDER BY rowid"), [], "carts", 1, cart)?;
        for cart in carts {
            visit(&self.with_lines(cart)?);
        }
        Ok(())
    }

    pub fn product(&self, product_id: &str) -> Result<Option<Product>, RepoError> {
        self.first(&format!("{PRODUCT} WHERE product_id = ?1"), [product_id], "products", 0, product)
    }

    pub fn each_product(&self, visit: &mut dyn FnMut(&Product)) -> Result<(), RepoError> {
        self.each(&format!("{PRODUCT} ORDER BY pos"), [], "products", 0, product, |product| {
            visit(&product);
            true
        })
    }

    pub fn cart(&self, username: &str) -> Result<Option<Cart>, RepoError> {
        let Some(cart) =
            self.first(&format!("{CART} WHERE name_key = ?1"), [username_key(username)], "carts", 1, cart)?
        else {
            return Ok(None);
        };
        self.with_lines(cart).map(Some)
    }

    pub fn carts_holding(&self, product_id: &str) -> Result<Vec<Cart>, RepoError> {
        let sql =
            format!("{CART} WHERE name_key IN (SELECT name_key FROM cart_lines WHERE product_id = ?1) ORDER BY rowid");
        let carts = self.rows(&sql, [product_id], "carts", 1, cart)?;
        carts.into_iter().map(|cart| self.with_lines(cart)).collect()
    }

    /// `cart` (as its row) with its lines.
    fn with_lines(&self, (key, mut cart): (String, Cart)) -> Result<Cart, RepoError> {
        cart.items = self.rows(CART_LINES, [&key], "cart_lines", 0, |c| {
            Ok(CartLine {
                product_id: c.text(0, "product_id")?,
                qty: c.count(1, "qty")?,
                unit_price: c.money(2, "unit_price")?,
                extra: c.extra(3, "extra")?,
            })
        })?;
        if let Some(line) = cart.items.iter().find(|line| line.qty == 0) {
            let why = format!("a line of {} has quantity 0", line.product_id);
            return Err(damaged_row(self.path, "cart_lines", &key, &why));
        }
        Ok(cart)
    }

    pub fn discount(&self, code: &str) -> Result<Option<Discount>, RepoError> {
        self.first(&format!("{DISCOUNT} WHERE code_key = ?1"), [normalize_code(code)], "discounts", 0, discount)
    }

    pub fn discounts(&self) -> Result<Vec<Discount>, RepoError> {
        self.rows(&format!("{DISCOUNT} ORDER BY pos"), [], "discounts", 0, discount)
    }

    pub fn settings(&self) -> Result<Settings, RepoError> {
        Ok(self.first(SETTINGS, [], "settings", 0, settings)?.unwrap_or_default())
    }

    pub fn order(&self, order_id: &str) -> Result<Option<Order>, RepoError> {
        match self.first(&format!("{ORDER} WHERE order_id = ?1"), [order_id], "orders", 0, order)? {
            Some(row) => self.with_children(row).map(Some),
            None => Ok(None),
        }
    }

    pub fn orders_of(&self, username: &str) -> Result<Vec<Order>, RepoError> {
        // Newest first; in the same second the higher number first, then as placed.
        let sql = format!("{ORDER} WHERE owner_key = ?1 ORDER BY placed_at DESC, number DESC NULLS LAST, seq ASC");
        let rows = self.rows(&sql, [username.to_lowercase()], "orders", 0, order)?;
        rows.into_iter().map(|row| self.with_children(row)).collect()
    }

    pub fn order_by_checkout_key(&self, username: &str, key: &str) -> Result<Option<Order>, RepoError> {
        let sql = format!("{ORDER} WHERE checkout_key = ?1 AND owner_key = ?2 ORDER BY seq LIMIT 1");
        match self.first(&sql, params![key, username.to_lowercase()], "orders", 0, order)? {
            Some(row) => self.with_children(row).map(Some),
            None => Ok(None),
        }
    }

    /// An order (as its row) with its lines and events.
    fn with_children(&self, (seq, mut order): (i64, Order)) -> Result<Order, RepoError> {
        let lines = format!("{ORDER_LINES} WHERE order_seq = ?1 ORDER BY position");
        order.items = self.rows(&lines, [seq], "order_lines", 0, order_line)?.into_iter().map(|(_, l)| l).collect();
        let events = format!("{ORDER_EVENTS} WHERE order_seq = ?1 ORDER BY position");
        order.events = self.rows(&events, [seq], "order_events", 0, order_event)?.into_iter().map(|(_, e)| e).collect();
        self.checked(order)
    }

    fn checked(&self, order: Order) -> Result<Order, RepoError> {
        order.validate_record().map_err(|why| damaged_row(self.path, "orders", &order.order_id, &why))?;
        Ok(order)
    }

    /// Every order as placed: the orders and their lines and events read
    /// side by side in one pass each.
    pub fn each_order(&self, visit: &mut dyn FnMut(&Order)) -> Result<(), RepoError> {
        let fail = |e| self.fail(e);
        let mut orders = self.conn.prepare_cached(&format!("{ORDER} ORDER BY seq")).map_err(fail)?;
        let mut lines =
            self.conn.prepare_cached(&format!("{ORDER_LINES} ORDER BY order_seq, position")).map_err(fail)?;
        let mut events =
            self.conn.prepare_cached(&format!("{ORDER_EVENTS} ORDER BY order_seq, position")).map_err(fail)?;
        let mut orders = orders.query([]).map_err(fail)?;
        let mut lines = Children::new(lines.query([]).map_err(fail)?, "order_lines", order_line);
        let mut events = Children::new(events.query([]).map_err(fail)?, "order_events", order_event);
        while let Some(row) = orders.next().map_err(fail)? {
            let (seq, mut order) = self.decode("orders", row, 0, order)?;
            order.items = lines.of(self, seq)?;
            order.events = events.of(self, seq)?;
            visit(&self.checked(order)?);
        }
        Ok(())
    }

    pub fn code_uses(&self, code: &str, username: &str) -> Result<Uses, RepoError> {
        let sql = "SELECT count(*), count(CASE WHEN owner_key = ?2 THEN 1 END) FROM orders \
                   WHERE discount_code = ?1 AND status <> 'cancelled'";
        let mut statement = self.conn.prepare_cached(sql).map_err(|e| self.fail(e))?;
        let (total, yours) = statement
            .query_row(params![code, username.to_lowercase()], |row| Ok((row.get::<_, i64>(0)?, row.get::<_, i64>(1)?)))
            .map_err(|e| self.fail(e))?;
        let saturated = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
        Ok(Uses { total: saturated(total), by_you: saturated(yours) })
    }

    pub fn orders_carrying(&self, code: &str) -> Result<usize, RepoError> {
        let n = self.count("SELECT count(*) FROM orders WHERE discount_code = ?1", [code])?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    pub fn ever_ordered(&self, product_id: &str) -> Result<bool, RepoError> {
        Ok(self.count("SELECT EXISTS (SELECT 1 FROM order_lines WHERE product_id = ?1)", [product_id])? != 0)
    }
}

/// Child rows (`order_seq` first) read in step with their parents.
struct Children<'s, T> {
    rows: rusqlite::Rows<'s>,
    table: &'static str,
    read: fn(&dyn Columns) -> Read<(i64, T)>,
    /// Read but belonging to a later parent.
    pending: Option<(i64, T)>,
    done: bool,
}

impl<'s, T> Children<'s, T> {
    fn new(rows: rusqlite::Rows<'s>, table: &'static str, read: fn(&dyn Columns) -> Read<(i64, T)>) -> Self {
        Children { rows, table, read, pending: None, done: false }
    }

    /// The children of parent `seq` (parents come in rising `seq`).
    fn of(&mut self, db: &Db<'_>, seq: i64) -> Result<Vec<T>, RepoError> {
        let mut found = Vec::new();
        loop {
            if let Some((at, _)) = &self.pending {
                if *at > seq {
                    return Ok(found);
                }
                if let Some((at, child)) = self.pending.take()
                    && at == seq
                {
                    found.push(child);
                }
                // Below `seq`: a child whose parent is gone; skipped.
            }
            if self.done {
                return Ok(found);
            }
            match self.rows.next().map_err(|e| db.fail(e))? {
                Some(row) => self.pending = Some(db.decode(self.table, row, 0, self.read)?),
                None => self.done = true,
            }
        }
    }
}

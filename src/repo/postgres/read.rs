//! Every `ReadTx` question as SQL on one connection (inside the caller's
//! transaction), each answered through an index; rows read back into the
//! domain's records (by `sql_rows`, shared with SQLite), a row that cannot
//! be one reported as damaged with its table and key. Scans come in chunks
//! (by catalog or placing order), so that a big shop is never held in
//! memory at once.

use postgres::Row;
use postgres::types::ToSql;

use super::codec::Cols;
use super::conn::PgConn;
use super::error::Target;
use crate::domain::discount::{Uses, normalize_code};
use crate::domain::user::username_key;
use crate::domain::{Cart, CartLine, Discount, Order, Product, Settings, User};
use crate::repo::RepoError;
use crate::repo::sql_codec::{Columns, Read};
use crate::repo::sql_rows::{self, discount, order, order_event, order_line};

/// Rows of a scan read at once.
pub const CHUNK: i64 = 500;

/// One connection of the database, for reading and writing.
pub struct Db<'a> {
    pub conn: &'a mut PgConn,
    pub target: &'a Target,
}

const USER: &str = "SELECT name_key, username, password_hash, password, role, created_at, addresses::text, \
                    cards::text, extra::text, ARRAY(SELECT fingerprint FROM shopfront.user_keys k \
                    WHERE k.name_key = u.name_key ORDER BY position), pos FROM shopfront.users u";
const PRODUCT: &str = "SELECT product_id, name, price, stock, description, category, active, extra::text, \
                       changed_by, changed_at, pos FROM shopfront.products";
const CART: &str = "SELECT c.name_key, c.username, c.extra::text, l.product_id, l.qty, l.unit_price, \
                    l.extra::text, c.pos FROM shopfront.carts c \
                    LEFT JOIN shopfront.cart_lines l ON l.name_key = c.name_key";
const ORDER: &str = "SELECT order_id, seq, username, owner_key, total, placed_at, status, subtotal, discount_code, \
                     discount, shipping, tax, tax_included, address::text, payment::text, tracking, checkout_key, \
                     extra::text FROM shopfront.orders";
const ORDER_LINES: &str = "SELECT order_seq, product_id, name, qty, unit_price, extra::text \
                           FROM shopfront.order_lines WHERE order_seq = ANY($1) ORDER BY order_seq, position";
const ORDER_EVENTS: &str = "SELECT order_seq, at, actor, status, refunded, extra::text \
                            FROM shopfront.order_events WHERE order_seq = ANY($1) ORDER BY order_seq, position";
const DISCOUNT: &str = "SELECT code, kind, value, min_subtotal, starts, expires, max_uses, max_uses_per_user, \
                        active, extra::text, changed_by, changed_at FROM shopfront.discounts";
const SETTINGS: &str = "SELECT shop_name, currency, shipping_flat, shipping_free_over, shipping_extra::text, \
                        tax_rate, tax_included, tax_extra::text, extra::text, changed_by, changed_at, revision \
                        FROM shopfront.settings WHERE id = 1";

/// A row that cannot be read as the record it holds.
pub fn damaged_row(target: &Target, table: &str, key: &str, why: &str) -> RepoError {
    RepoError::Damaged(target.scrub(sql_rows::damaged_row_message(&target.url, table, key, why)))
}

/// The key a damaged row is named by: column `at`, text or number.
fn row_key(row: &Row, at: usize) -> String {
    if let Ok(Some(text)) = row.try_get::<_, Option<String>>(at) {
        return text;
    }
    match row.try_get::<_, Option<i64>>(at) {
        Ok(Some(n)) => n.to_string(),
        _ => "?".to_string(),
    }
}

type Params<'p> = &'p [&'p (dyn ToSql + Sync)];

impl Db<'_> {
    pub fn fail(&self, error: postgres::Error) -> RepoError {
        self.target.explain(&error)
    }

    /// Reads `row` with `read`; what cannot be read names the table and the
    /// row's key (column `key`).
    fn decode<T>(
        &self,
        table: &str,
        row: &Row,
        key: usize,
        read: impl FnOnce(&dyn Columns) -> Read<T>,
    ) -> Result<T, RepoError> {
        read(&Cols(row)).map_err(|why| damaged_row(self.target, table, &row_key(row, key), &why))
    }

    fn rows<T>(
        &mut self,
        sql: &str,
        params: Params<'_>,
        table: &str,
        key: usize,
        read: impl Fn(&dyn Columns) -> Read<T>,
    ) -> Result<Vec<T>, RepoError> {
        let rows = self.conn.query(sql, params).map_err(|e| self.fail(e))?;
        rows.iter().map(|row| self.decode(table, row, key, &read)).collect()
    }

    fn first<T>(
        &mut self,
        sql: &str,
        params: Params<'_>,
        table: &str,
        key: usize,
        read: impl Fn(&dyn Columns) -> Read<T>,
    ) -> Result<Option<T>, RepoError> {
        let row = self.conn.query_opt(sql, params).map_err(|e| self.fail(e))?;
        row.map(|row| self.decode(table, &row, key, read)).transpose()
    }

    fn number(&mut self, sql: &str, params: Params<'_>) -> Result<i64, RepoError> {
        let row = self.conn.query_one(sql, params).map_err(|e| self.fail(e))?;
        row.try_get::<_, Option<i64>>(0).map(|n| n.unwrap_or(0)).map_err(|e| self.fail(e))
    }

    pub fn account(&mut self, username: &str) -> Result<Option<User>, RepoError> {
        let key = username_key(username);
        Ok(self.first(&format!("{USER} WHERE name_key = $1"), &[&key], "users", 1, user)?.map(|(_, u)| u))
    }

    pub fn accounts_with_key(&mut self, fingerprint: &str) -> Result<Vec<User>, RepoError> {
        let sql = format!(
            "{USER} WHERE name_key IN (SELECT name_key FROM shopfront.user_keys WHERE fingerprint = $1) ORDER BY pos"
        );
        Ok(self.rows(&sql, &[&fingerprint], "users", 1, user)?.into_iter().map(|(_, u)| u).collect())
    }

    /// The accounts made after the one at `pos`, a chunk of them.
    pub fn accounts_after(&mut self, pos: i64) -> Result<Vec<(i64, User)>, RepoError> {
        let sql = format!("{USER} WHERE pos > $1 ORDER BY pos LIMIT {CHUNK}");
        self.rows(&sql, &[&pos], "users", 1, user)
    }

    pub fn product(&mut self, product_id: &str) -> Result<Option<Product>, RepoError> {
        let sql = format!("{PRODUCT} WHERE product_id = $1");
        Ok(self.first(&sql, &[&product_id], "products", 0, product)?.map(|(_, p)| p))
    }

    /// The same, its row locked until the transaction ends.
    pub fn product_locked(&mut self, product_id: &str) -> Result<Option<Product>, RepoError> {
        let sql = format!("{PRODUCT} WHERE product_id = $1 FOR UPDATE");
        Ok(self.first(&sql, &[&product_id], "products", 0, product)?.map(|(_, p)| p))
    }

    /// The products after the one at `pos` in catalog order, a chunk of them.
    pub fn products_after(&mut self, pos: i64) -> Result<Vec<(i64, Product)>, RepoError> {
        let sql = format!("{PRODUCT} WHERE pos > $1 ORDER BY pos LIMIT {CHUNK}");
        self.rows(&sql, &[&pos], "products", 0, product)
    }

    pub fn cart(&mut self, username: &str) -> Result<Option<Cart>, RepoError> {
        let key = username_key(username);
        let sql = format!("{CART} WHERE c.name_key = $1 ORDER BY l.position");
        Ok(self.carts(&sql, &[&key])?.pop().map(|(_, cart)| cart))
    }

    pub fn carts_holding(&mut self, product_id: &str) -> Result<Vec<Cart>, RepoError> {
        let sql = format!(
            "{CART} WHERE c.name_key IN (SELECT name_key FROM shopfront.cart_lines WHERE product_id = $1) \
             ORDER BY c.pos, l.position"
        );
        Ok(self.carts(&sql, &[&product_id])?.into_iter().map(|(_, cart)| cart).collect())
    }

    /// The carts saved after the one at `pos`, a chunk of them.
    pub fn carts_after(&mut self, pos: i64) -> Result<Vec<(i64, Cart)>, RepoError> {
        let sql = format!(
            "{CART} WHERE c.pos IN (SELECT pos FROM shopfront.carts WHERE pos > $1 ORDER BY pos LIMIT {CHUNK}) \
             ORDER BY c.pos, l.position"
        );
        self.carts(&sql, &[&pos])
    }

    /// Carts from rows of `CART` (a cart's rows together, lines in order).
    fn carts(&mut self, sql: &str, params: Params<'_>) -> Result<Vec<(i64, Cart)>, RepoError> {
        let rows = self.conn.query(sql, params).map_err(|e| self.fail(e))?;
        let mut carts: Vec<(i64, String, Cart)> = Vec::new();
        for row in &rows {
            let (pos, key, line) = self.decode("carts", row, 0, |c| {
                let pos = c.int(7, "pos")?;
                let key = c.text(0, "name_key")?;
                let line = match c.opt_text(3, "product_id")? {
                    None => None,
                    Some(product_id) => Some(CartLine {
                        product_id,
                        qty: c.count(4, "qty")?,
                        unit_price: c.money(5, "unit_price")?,
                        extra: c.extra(6, "line extra")?,
                    }),
                };
                Ok((pos, key, line))
            })?;
            if carts.last().is_none_or(|(at, _, _)| *at != pos) {
                let (_, cart) = self.decode("carts", row, 0, sql_rows::cart)?;
                carts.push((pos, key, cart));
            }
            if let Some(line) = line
                && let Some((_, key, cart)) = carts.last_mut()
            {
                if line.qty == 0 {
                    let why = format!("a line of {} has quantity 0", line.product_id);
                    return Err(damaged_row(self.target, "cart_lines", key, &why));
                }
                cart.items.push(line);
            }
        }
        Ok(carts.into_iter().map(|(pos, _, cart)| (pos, cart)).collect())
    }

    pub fn discount(&mut self, code: &str) -> Result<Option<Discount>, RepoError> {
        let sql = format!("{DISCOUNT} WHERE code_key = $1");
        self.first(&sql, &[&normalize_code(code)], "discounts", 0, discount)
    }

    /// The same, its row locked until the transaction ends.
    pub fn discount_locked(&mut self, code: &str) -> Result<Option<Discount>, RepoError> {
        let sql = format!("{DISCOUNT} WHERE code_key = $1 FOR UPDATE");
        self.first(&sql, &[&normalize_code(code)], "discounts", 0, discount)
    }

    pub fn discounts(&mut self) -> Result<Vec<Discount>, RepoError> {
        self.rows(&format!("{DISCOUNT} ORDER BY pos"), &[], "discounts", 0, discount)
    }

    /// The settings (the defaults when none are saved) and the revision of
    /// the saved ones.
    pub fn settings(&mut self) -> Result<(Settings, Option<i64>), RepoError> {
        Ok(self
            .first(SETTINGS, &[], "settings", 0, settings)?
            .map_or((Settings::default(), None), |(s, r)| (s, Some(r))))
    }

    pub fn order(&mut self, order_id: &str) -> Result<Option<Order>, RepoError> {
        let row = self.first(&format!("{ORDER} WHERE order_id = $1"), &[&order_id], "orders", 0, order)?;
        Ok(self.with_children(row.into_iter().collect())?.pop().map(|(_, order)| order))
    }

    pub fn orders_of(&mut self, username: &str) -> Result<Vec<Order>, RepoError> {
        // Newest first; in the same second the higher number first, then as placed.
        let sql = format!("{ORDER} WHERE owner_key = $1 ORDER BY placed_at DESC, number DESC NULLS LAST, seq");
        let rows = self.rows(&sql, &[&username.to_lowercase()], "orders", 0, order)?;
        Ok(self.with_children(rows)?.into_iter().map(|(_, order)| order).collect())
    }

    pub fn order_by_checkout_key(&mut self, username: &str, key: &str) -> Result<Option<Order>, RepoError> {
        let sql = format!("{ORDER} WHERE checkout_key = $1 AND owner_key = $2 ORDER BY seq LIMIT 1");
        let row = self.first(&sql, &[&key, &username.to_lowercase()], "orders", 0, order)?;
        Ok(self.with_children(row.into_iter().collect())?.pop().map(|(_, order)| order))
    }

    /// The orders placed after the one at `seq`, a chunk of them.
    pub fn orders_after(&mut self, seq: i64) -> Result<Vec<(i64, Order)>, RepoError> {
        let rows =
            self.rows(&format!("{ORDER} WHERE seq > $1 ORDER BY seq LIMIT {CHUNK}"), &[&seq], "orders", 0, order)?;
        self.with_children(rows)
    }

    /// Orders (as their rows) with their lines and events, read for all of
    /// them at once.
    fn with_children(&mut self, mut orders: Vec<(i64, Order)>) -> Result<Vec<(i64, Order)>, RepoError> {
        if orders.is_empty() {
            return Ok(orders);
        }
        let seqs: Vec<i64> = orders.iter().map(|(seq, _)| *seq).collect();
        let lines = self.rows(ORDER_LINES, &[&seqs], "order_lines", 0, order_line)?;
        let events = self.rows(ORDER_EVENTS, &[&seqs], "order_events", 0, order_event)?;
        let at = |seq: i64| seqs.iter().position(|s| *s == seq);
        for (seq, line) in lines {
            if let Some(i) = at(seq) {
                orders[i].1.items.push(line);
            }
        }
        for (seq, event) in events {
            if let Some(i) = at(seq) {
                orders[i].1.events.push(event);
            }
        }
        for (_, order) in &orders {
            order.validate_record().map_err(|why| damaged_row(self.target, "orders", &order.order_id, &why))?;
        }
        Ok(orders)
    }

    pub fn code_uses(&mut self, code: &str, username: &str) -> Result<Uses, RepoError> {
        let row = self
            .conn
            .query_one(
                "SELECT count(*), count(*) FILTER (WHERE owner_key = $2) FROM shopfront.orders \
                 WHERE code_key = $1 AND status <> 'cancelled'",
                &[&code.to_ascii_uppercase(), &username.to_lowercase()],
            )
            .map_err(|e| self.fail(e))?;
        let saturated = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
        Ok(Uses { total: saturated(row.get(0)), by_you: saturated(row.get(1)) })
    }

    pub fn orders_carrying(&mut self, code: &str) -> Result<usize, RepoError> {
        let n =
            self.number("SELECT count(*) FROM shopfront.orders WHERE code_key = $1", &[&code.to_ascii_uppercase()])?;
        Ok(usize::try_from(n).unwrap_or(0))
    }

    pub fn ever_ordered(&mut self, product_id: &str) -> Result<bool, RepoError> {
        let sql = "SELECT count(*) FROM (SELECT 1 FROM shopfront.order_lines WHERE product_id = $1 LIMIT 1) o";
        Ok(self.number(sql, &[&product_id])? != 0)
    }
}

/// A user (see `sql_rows::user`) and its `pos`, selected after.
fn user(c: &dyn Columns) -> Read<(i64, User)> {
    let user = sql_rows::user(c)?;
    Ok((c.int(10, "pos")?, user))
}

/// A product (see `sql_rows::product`) and its `pos`, selected after.
fn product(c: &dyn Columns) -> Read<(i64, Product)> {
    let product = sql_rows::product(c)?;
    Ok((c.int(10, "pos")?, product))
}

/// The settings (see `sql_rows::settings`) and their `revision`, selected
/// after.
fn settings(c: &dyn Columns) -> Read<(Settings, i64)> {
    let settings = sql_rows::settings(c)?;
    Ok((settings, c.int(11, "revision")?))
}

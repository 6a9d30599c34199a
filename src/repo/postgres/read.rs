//! Every `ReadTx` question as SQL on one connection (inside the caller's
//! transaction), each answered through an index; rows read back into the
//! domain's records, a row that cannot be one reported as damaged with its
//! table and key. Scans come in chunks (by catalog or placing order), so
//! that a big shop is never held in memory at once.

use postgres::Row;
use postgres::types::ToSql;

use super::codec::{Cols, Read};
use super::conn::PgConn;
use super::error::Target;
use crate::domain::discount::{DiscountKind, Uses, normalize_code};
use crate::domain::order::{OrderEvent, OrderLine, OrderStatus};
use crate::domain::user::{Role, username_key};
use crate::domain::{AdminChange, Cart, CartLine, Discount, Order, Product, Settings, User};
use crate::repo::RepoError;

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

const ROLES: [(&str, Role); 2] = [("customer", Role::Customer), ("admin", Role::Admin)];
const KINDS: [(&str, DiscountKind); 3] =
    [("percent", DiscountKind::Percent), ("fixed", DiscountKind::Fixed), ("free_shipping", DiscountKind::FreeShipping)];

fn statuses() -> [(&'static str, OrderStatus); 5] {
    OrderStatus::ALL.map(|status| (status.as_str(), status))
}

/// A row that cannot be read as the record it holds.
pub fn damaged_row(target: &Target, table: &str, key: &str, why: &str) -> RepoError {
    RepoError::Damaged(target.scrub(format!(
        "{}: the row of {key:?} in table {table} cannot be read: {why}. Correct it (or restore a backup); Shopfront \
         did not change it",
        target.url
    )))
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
        read: impl FnOnce(&Cols) -> Read<T>,
    ) -> Result<T, RepoError> {
        read(&Cols(row)).map_err(|why| damaged_row(self.target, table, &row_key(row, key), &why))
    }

    fn rows<T>(
        &mut self,
        sql: &str,
        params: Params<'_>,
        table: &str,
        key: usize,
        read: impl Fn(&Cols) -> Read<T>,
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
        read: impl Fn(&Cols) -> Read<T>,
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
                let cart = self.decode("carts", row, 0, |c| {
                    let cart =
                        Cart { username: c.text(1, "username")?, items: Vec::new(), extra: c.extra(2, "extra")? };
                    if username_key(&cart.username) != key {
                        return Err(format!("name_key {key:?} is not the username {:?} in lower case", cart.username));
                    }
                    Ok(cart)
                })?;
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

fn user(c: &Cols) -> Read<(i64, User)> {
    let name_key = c.text(0, "name_key")?;
    let user = User {
        username: c.text(1, "username")?,
        password_hash: c.opt_text(2, "password_hash")?,
        password: c.opt_text(3, "password")?,
        role: c.choice(4, "role", &ROLES)?,
        created_at: c.opt_timestamp(5, "created_at")?,
        addresses: c.json(6, "addresses")?.unwrap_or_default(),
        cards: c.json(7, "cards")?.unwrap_or_default(),
        ssh_keys: c.texts(9, "ssh keys")?,
        extra: c.extra(8, "extra")?,
    };
    if username_key(&user.username) != name_key {
        return Err(format!("name_key {name_key:?} is not the username {:?} in lower case", user.username));
    }
    user.validate_record()?;
    Ok((c.int(10, "pos")?, user))
}

fn product(c: &Cols) -> Read<(i64, Product)> {
    let product = Product {
        product_id: c.text(0, "product_id")?,
        name: c.text(1, "name")?,
        price: c.money(2, "price")?,
        stock: c.count(3, "stock")?,
        description: c.opt_text(4, "description")?,
        category: c.opt_text(5, "category")?,
        active: c.flag(6, "active")?,
        changed: admin_change(c, 8)?.map(Box::new),
        extra: c.extra(7, "extra")?,
    };
    product.validate_record()?;
    Ok((c.int(10, "pos")?, product))
}

/// An order without its lines and events, and its `seq`.
fn order(c: &Cols) -> Read<(i64, Order)> {
    let order = Order {
        order_id: c.text(0, "order_id")?,
        username: c.text(2, "username")?,
        items: Vec::new(),
        total: c.money(4, "total")?,
        timestamp: c.timestamp(5, "placed_at")?,
        status: c.choice(6, "status", &statuses())?,
        events: Vec::new(),
        subtotal: c.opt_money(7, "subtotal")?,
        discount_code: c.opt_text(8, "discount_code")?,
        discount: c.money(9, "discount")?,
        shipping: c.money(10, "shipping")?,
        tax: c.money(11, "tax")?,
        tax_included: c.flag(12, "tax_included")?,
        address: c.json(13, "address")?,
        payment: c.json(14, "payment")?,
        tracking: c.opt_text(15, "tracking")?,
        checkout_key: c.opt_text(16, "checkout_key")?,
        extra: c.extra(17, "extra")?,
    };
    let owner_key = c.text(3, "owner_key")?;
    if order.username.to_lowercase() != owner_key {
        return Err(format!("owner_key {owner_key:?} is not the username {:?} in lower case", order.username));
    }
    Ok((c.int(1, "seq")?, order))
}

fn order_line(c: &Cols) -> Read<(i64, OrderLine)> {
    let line = OrderLine {
        product_id: c.text(1, "product_id")?,
        name: c.opt_text(2, "name")?,
        qty: c.count(3, "qty")?,
        unit_price: c.money(4, "unit_price")?,
        extra: c.extra(5, "extra")?,
    };
    if line.qty == 0 {
        return Err(format!("the line of {} has quantity 0", line.product_id));
    }
    Ok((c.int(0, "order_seq")?, line))
}

fn order_event(c: &Cols) -> Read<(i64, OrderEvent)> {
    let event = OrderEvent {
        at: c.timestamp(1, "at")?,
        by: c.text(2, "actor")?,
        status: c.choice(3, "status", &statuses())?,
        refunded: c.opt_money(4, "refunded")?,
        extra: c.extra(5, "extra")?,
    };
    Ok((c.int(0, "order_seq")?, event))
}

fn discount(c: &Cols) -> Read<Discount> {
    let discount = Discount {
        code: c.text(0, "code")?,
        kind: c.choice(1, "kind", &KINDS)?,
        value: c.opt_money(2, "value")?,
        min_subtotal: c.money(3, "min_subtotal")?,
        starts: c.opt_timestamp(4, "starts")?,
        expires: c.opt_timestamp(5, "expires")?,
        max_uses: c.opt_count(6, "max_uses")?,
        max_uses_per_user: c.opt_count(7, "max_uses_per_user")?,
        active: c.flag(8, "active")?,
        changed: admin_change(c, 10)?,
        extra: c.extra(9, "extra")?,
    };
    discount.validate(&crate::domain::money::Currency::PLAIN)?;
    Ok(discount)
}

fn settings(c: &Cols) -> Read<(Settings, i64)> {
    use crate::domain::settings::{Shipping, Tax, TaxRate};
    let rate = c.int(5, "tax_rate")?;
    let rate = u32::try_from(rate).map_err(|_| format!("tax_rate is {rate}, not thousandths of a percent"))?;
    let settings = Settings {
        shop_name: c.text(0, "shop_name")?,
        currency: c.text(1, "currency")?,
        shipping: Shipping {
            flat: c.money(2, "shipping_flat")?,
            free_over: c.opt_money(3, "shipping_free_over")?,
            extra: c.extra(4, "shipping_extra")?,
        },
        tax: Tax {
            rate_percent: TaxRate::from_thousandths(rate),
            included_in_prices: c.flag(6, "tax_included")?,
            extra: c.extra(7, "tax_extra")?,
        },
        changed: admin_change(c, 9)?,
        extra: c.extra(8, "extra")?,
    };
    settings.validate()?;
    Ok((settings, c.int(11, "revision")?))
}

/// The last admin change kept in columns `at` (who) and `at + 1` (when).
fn admin_change(c: &Cols, at: usize) -> Read<Option<AdminChange>> {
    let by = c.opt_text(at, "changed_by")?;
    let when = c.opt_timestamp(at + 1, "changed_at")?;
    match (by, when) {
        (Some(by), Some(at)) => Ok(Some(AdminChange { by, at })),
        (None, None) => Ok(None),
        _ => Err("changed_by and changed_at must both be set or both be empty".into()),
    }
}

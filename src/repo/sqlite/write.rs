//! Each `Change` as SQL, inside the caller's write transaction. A record
//! that exists is updated in place (it keeps its place in catalog order,
//! its `seq` among the orders); its child rows are written anew.

use rusqlite::params;

use super::codec::Cols;
use super::read::Db;
use crate::domain::discount::normalize_code;
use crate::domain::order::order_number;
use crate::domain::user::username_key;
use crate::domain::{Cart, Discount, Order, Product, Settings, User};
use crate::repo::sql_codec::{
    Columns, cents, extra_text, extra_with_stamp_text, json_text, list_text, opt_cents, role_name,
};
use crate::repo::{Change, RepoError};

/// The page cache of a fill's one transaction (KiB, as `PRAGMA cache_size`
/// takes a negative number): most of a big shop's pages stay in memory
/// until the commit instead of being spilled and read back.
const FILL_CACHE_KIB: i64 = 256 * 1024;

/// What filling an empty database (`WriteTx::write_now`) changed on the
/// writer's connection, put back as it ends.
pub struct Fill {
    /// The secondary indexes dropped for the fill, as `CREATE INDEX`
    /// statements: built once from every row before the commit, rather
    /// than row by row (in the same transaction, so a rollback keeps them).
    indexes: Vec<String>,
    /// The connection's page cache before.
    cache_size: i64,
}

impl Fill {
    /// The connection's own settings as before the fill.
    pub fn restore(&self, conn: &rusqlite::Connection) {
        let _ = conn.execute_batch(&format!("PRAGMA cache_size = {}", self.cache_size));
    }
}

impl Db<'_> {
    /// Sets the writer up for a fill, inside its transaction: a bigger page
    /// cache, the secondary indexes dropped (see `Fill`).
    pub fn begin_fill(&self) -> Result<Fill, RepoError> {
        let fail = |e| self.fail(e);
        let cache_size: i64 = self.conn.query_row("PRAGMA cache_size", [], |row| row.get(0)).map_err(fail)?;
        self.conn.execute_batch(&format!("PRAGMA cache_size = -{FILL_CACHE_KIB}")).map_err(fail)?;
        let fill = Fill { indexes: Vec::new(), cache_size };
        let mut found = self
            .conn
            .prepare("SELECT name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL")
            .map_err(fail)?;
        let indexes: Vec<(String, String)> = found
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .map_err(fail)?
            .collect::<Result<_, _>>()
            .map_err(fail)?;
        drop(found);
        for (name, _) in &indexes {
            let drop_it = format!("DROP INDEX \"{}\"", name.replace('"', "\"\""));
            if let Err(e) = self.conn.execute_batch(&drop_it) {
                fill.restore(self.conn);
                return Err(self.fail(e));
            }
        }
        Ok(Fill { indexes: indexes.into_iter().map(|(_, sql)| sql).collect(), ..fill })
    }

    /// Builds the indexes `begin_fill` dropped.
    pub fn end_fill(&self, fill: &Fill) -> Result<(), RepoError> {
        for index in &fill.indexes {
            self.conn.execute_batch(index).map_err(|e| self.fail(e))?;
        }
        Ok(())
    }

    fn exec<P: rusqlite::Params>(&self, sql: &str, params: P) -> Result<usize, RepoError> {
        let mut statement = self.conn.prepare_cached(sql).map_err(|e| self.fail(e))?;
        statement.execute(params).map_err(|e| self.fail(e))
    }

    pub fn apply(&self, change: &Change) -> Result<(), RepoError> {
        match change {
            Change::PutUser(user) => self.put_user(user),
            Change::PutProduct(product) => self.put_product(product),
            Change::DeleteProduct(id) => self.exec("DELETE FROM products WHERE product_id = ?1", [id]).map(drop),
            Change::PutCart(cart) => self.put_cart(cart),
            Change::PutOrder(order) => self.put_order(order),
            Change::PutDiscount(discount) => self.put_discount(discount),
            Change::DeleteDiscount(code) => {
                self.exec("DELETE FROM discounts WHERE code_key = ?1", [normalize_code(code)]).map(drop)
            }
            Change::PutSettings(settings) => self.put_settings(settings),
        }
    }

    fn put_user(&self, user: &User) -> Result<(), RepoError> {
        let key = username_key(&user.username);
        self.exec(
            "INSERT INTO users (name_key, username, password_hash, password, role, created_at, addresses, cards, extra)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT (name_key) DO UPDATE SET username = excluded.username,
                password_hash = excluded.password_hash, password = excluded.password, role = excluded.role,
                created_at = excluded.created_at, addresses = excluded.addresses, cards = excluded.cards,
                extra = excluded.extra",
            params![
                key,
                user.username,
                user.password_hash,
                user.password,
                role_name(user.role),
                user.created_at.map(|t| t.to_string()),
                list_text(&user.addresses)?,
                list_text(&user.cards)?,
                extra_text(&user.extra)?,
            ],
        )?;
        self.exec("DELETE FROM user_keys WHERE name_key = ?1", [&key])?;
        for (position, fingerprint) in user.ssh_keys.iter().enumerate() {
            self.exec(
                "INSERT INTO user_keys (name_key, position, fingerprint) VALUES (?1, ?2, ?3)",
                params![key, position as i64, fingerprint],
            )?;
        }
        Ok(())
    }

    fn put_product(&self, product: &Product) -> Result<(), RepoError> {
        self.exec(
            "INSERT INTO products (product_id, name, price, stock, description, category, active, extra,
                changed_by, changed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
             ON CONFLICT (product_id) DO UPDATE SET name = excluded.name, price = excluded.price,
                stock = excluded.stock, description = excluded.description, category = excluded.category,
                active = excluded.active, extra = excluded.extra, changed_by = excluded.changed_by,
                changed_at = excluded.changed_at",
            params![
                product.product_id,
                product.name,
                cents(product.price),
                i64::from(product.stock),
                product.description,
                product.category,
                product.active,
                extra_with_stamp_text(&product.extra, product.changed.as_deref())?,
                product.changed.as_ref().map(|c| c.by.as_str()),
                product.changed.as_ref().map(|c| c.at.to_string()),
            ],
        )
        .map(drop)
    }

    fn put_cart(&self, cart: &Cart) -> Result<(), RepoError> {
        let key = username_key(&cart.username);
        self.exec(
            "INSERT INTO carts (name_key, username, extra) VALUES (?1, ?2, ?3)
             ON CONFLICT (name_key) DO UPDATE SET username = excluded.username, extra = excluded.extra",
            params![key, cart.username, extra_text(&cart.extra)?],
        )?;
        self.exec("DELETE FROM cart_lines WHERE name_key = ?1", [&key])?;
        for (position, line) in cart.items.iter().enumerate() {
            self.exec(
                "INSERT INTO cart_lines (name_key, position, product_id, qty, unit_price, extra)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    key,
                    position as i64,
                    line.product_id,
                    i64::from(line.qty),
                    cents(line.unit_price),
                    extra_text(&line.extra)?
                ],
            )?;
        }
        Ok(())
    }

    fn put_order(&self, order: &Order) -> Result<(), RepoError> {
        // Numbers beyond what SQLite's integers hold sort as other ids do.
        let number = order_number(&order.order_id).map(|n| i64::try_from(n).unwrap_or(i64::MAX));
        let mut upsert = self
            .conn
            .prepare_cached(
                "INSERT INTO orders (order_id, number, username, owner_key, total, placed_at, status, subtotal,
                    discount_code, discount, shipping, tax, tax_included, address, payment, tracking, checkout_key,
                    extra)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)
                 ON CONFLICT (order_id) DO UPDATE SET number = excluded.number, username = excluded.username,
                    owner_key = excluded.owner_key, total = excluded.total, placed_at = excluded.placed_at,
                    status = excluded.status, subtotal = excluded.subtotal, discount_code = excluded.discount_code,
                    discount = excluded.discount, shipping = excluded.shipping, tax = excluded.tax,
                    tax_included = excluded.tax_included, address = excluded.address, payment = excluded.payment,
                    tracking = excluded.tracking, checkout_key = excluded.checkout_key, extra = excluded.extra
                 RETURNING seq",
            )
            .map_err(|e| self.fail(e))?;
        let seq: i64 = upsert
            .query_row(
                params![
                    order.order_id,
                    number,
                    order.username,
                    order.username.to_lowercase(),
                    cents(order.total),
                    order.timestamp.to_string(),
                    order.status.as_str(),
                    opt_cents(order.subtotal),
                    order.discount_code,
                    cents(order.discount),
                    cents(order.shipping),
                    cents(order.tax),
                    order.tax_included,
                    order.address.as_deref().map(json_text).transpose()?,
                    order.payment.as_deref().map(json_text).transpose()?,
                    order.tracking,
                    order.checkout_key,
                    extra_text(&order.extra)?,
                ],
                |row| row.get(0),
            )
            .map_err(|e| self.fail(e))?;
        self.exec("DELETE FROM order_lines WHERE order_seq = ?1", [seq])?;
        self.exec("DELETE FROM order_events WHERE order_seq = ?1", [seq])?;
        for (position, line) in order.items.iter().enumerate() {
            self.exec(
                "INSERT INTO order_lines (order_seq, position, product_id, name, qty, unit_price, extra)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    seq,
                    position as i64,
                    line.product_id,
                    line.name,
                    i64::from(line.qty),
                    cents(line.unit_price),
                    extra_text(&line.extra)?
                ],
            )?;
        }
        for (position, event) in order.events.iter().enumerate() {
            self.exec(
                "INSERT INTO order_events (order_seq, position, at, actor, status, refunded, extra)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    seq,
                    position as i64,
                    event.at.to_string(),
                    event.by,
                    event.status.as_str(),
                    opt_cents(event.refunded),
                    extra_text(&event.extra)?
                ],
            )?;
        }
        if let Some(number) = number {
            self.exec("UPDATE sequences SET last = max(last, ?1) WHERE name = 'order'", [number])?;
        }
        Ok(())
    }

    fn put_discount(&self, discount: &Discount) -> Result<(), RepoError> {
        self.exec(
            "INSERT INTO discounts (code_key, code, kind, value, min_subtotal, starts, expires, max_uses,
                max_uses_per_user, active, extra, changed_by, changed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
             ON CONFLICT (code_key) DO UPDATE SET code = excluded.code, kind = excluded.kind,
                value = excluded.value, min_subtotal = excluded.min_subtotal, starts = excluded.starts,
                expires = excluded.expires, max_uses = excluded.max_uses,
                max_uses_per_user = excluded.max_uses_per_user, active = excluded.active, extra = excluded.extra,
                changed_by = excluded.changed_by, changed_at = excluded.changed_at",
            params![
                discount.code.to_uppercase(),
                discount.code,
                discount.kind.as_str(),
                opt_cents(discount.value),
                cents(discount.min_subtotal),
                discount.starts.map(|t| t.to_string()),
                discount.expires.map(|t| t.to_string()),
                discount.max_uses.map(i64::from),
                discount.max_uses_per_user.map(i64::from),
                discount.active,
                extra_with_stamp_text(&discount.extra, discount.changed.as_ref())?,
                discount.changed.as_ref().map(|c| c.by.as_str()),
                discount.changed.as_ref().map(|c| c.at.to_string()),
            ],
        )
        .map(drop)
    }

    fn put_settings(&self, settings: &Settings) -> Result<(), RepoError> {
        self.exec(
            "INSERT INTO settings (id, shop_name, currency, shipping_flat, shipping_free_over, shipping_extra,
                tax_rate, tax_included, tax_extra, extra, changed_by, changed_at)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
             ON CONFLICT (id) DO UPDATE SET shop_name = excluded.shop_name, currency = excluded.currency,
                shipping_flat = excluded.shipping_flat, shipping_free_over = excluded.shipping_free_over,
                shipping_extra = excluded.shipping_extra, tax_rate = excluded.tax_rate,
                tax_included = excluded.tax_included, tax_extra = excluded.tax_extra, extra = excluded.extra,
                changed_by = excluded.changed_by, changed_at = excluded.changed_at",
            params![
                settings.shop_name,
                settings.currency,
                cents(settings.shipping.flat),
                opt_cents(settings.shipping.free_over),
                extra_text(&settings.shipping.extra)?,
                i64::from(settings.tax.rate_percent.thousandths()),
                settings.tax.included_in_prices,
                extra_text(&settings.tax.extra)?,
                extra_with_stamp_text(&settings.extra, settings.changed.as_ref())?,
                settings.changed.as_ref().map(|c| c.by.as_str()),
                settings.changed.as_ref().map(|c| c.at.to_string()),
            ],
        )
        .map(drop)
    }

    /// The last order number given or stored.
    pub fn last_order_number(&self) -> Result<i64, RepoError> {
        let mut statement =
            self.conn.prepare_cached("SELECT last FROM sequences WHERE name = 'order'").map_err(|e| self.fail(e))?;
        let mut rows = statement.query([]).map_err(|e| self.fail(e))?;
        let Some(row) = rows.next().map_err(|e| self.fail(e))? else {
            return Err(super::error::damaged_row(self.path, "sequences", "order", "the row is missing"));
        };
        (&Cols(row) as &dyn Columns)
            .int(0, "last")
            .map_err(|why| super::error::damaged_row(self.path, "sequences", "order", &why))
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use crate::repo::sql_tests::{order, product};
    use crate::repo::sqlite::SqliteRepo;
    use crate::repo::{Change, ChangeSet, Repo};

    /// The indexes as SQLite lists them.
    fn indexes(conn: &Connection) -> Vec<String> {
        let mut statement =
            conn.prepare("SELECT sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL").unwrap();
        let mut found: Vec<String> = statement.query_map([], |row| row.get(0)).unwrap().map(Result::unwrap).collect();
        found.sort();
        found
    }

    #[test]
    fn a_fill_written_at_once_keeps_every_index_whether_committed_or_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let repo = SqliteRepo::open(&dir.path().join("shop.db")).unwrap();
        let before = indexes(&Connection::open(dir.path().join("shop.db")).unwrap());
        assert!(before.len() >= 5, "{before:?}");
        let cache: i64 = repo.writer().query_row("PRAGMA cache_size", [], |row| row.get(0)).unwrap();

        // Dropped half-way: nothing written, every index still there.
        let mut tx = repo.write().unwrap();
        tx.write_now(Change::PutProduct(product("P1", 3))).unwrap();
        drop(tx);
        assert_eq!(indexes(&Connection::open(dir.path().join("shop.db")).unwrap()), before);
        assert!(repo.read().unwrap().product("P1").unwrap().is_none());

        let mut tx = repo.write().unwrap();
        tx.write_now(Change::PutProduct(product("P1", 3))).unwrap();
        tx.write_now(Change::PutOrder(order("O0007", "dana"))).unwrap();
        let set = tx.commit().unwrap();
        assert_eq!(set, ChangeSet::everything(set.id), "the feed says everything changed");
        assert_eq!(indexes(&Connection::open(dir.path().join("shop.db")).unwrap()), before);
        let view = repo.read().unwrap();
        assert_eq!(view.product("P1").unwrap().map(|p| p.stock), Some(3));
        assert_eq!(view.orders_of("Dana").unwrap().len(), 1, "found through the rebuilt owner index");
        drop(view);
        let after: i64 = repo.writer().query_row("PRAGMA cache_size", [], |row| row.get(0)).unwrap();
        assert_eq!(after, cache, "the writer's page cache as it was");
        // The order number stored is followed.
        assert_eq!(repo.write().unwrap().next_order_id().unwrap(), "O0008");
    }
}

//! Each `Change` as SQL, inside the caller's write transaction, guarded by
//! what the transaction read (`Seen`): a record it found is updated in
//! place (it keeps its place in catalog order, its `seq` among the orders;
//! a product only if its stock is still what was read, the settings only
//! if their revision is); a record it found missing must still be missing
//! (an insert, or `Busy` when another writer made it meanwhile); a record
//! it never looked at is inserted or replaced. Child rows are written anew.

use std::collections::HashMap;

use super::read::Db;
use crate::domain::discount::normalize_code;
use crate::domain::order::order_number;
use crate::domain::user::username_key;
use crate::domain::{Cart, Discount, Order, Product, Settings, User};
use crate::repo::sql_codec::{cents, extra_text, extra_with_stamp_text, json_text, list_text, opt_cents, role_name};
use crate::repo::{Change, RepoError};

/// What a write transaction learned of one kind of record.
pub struct Table<V> {
    rows: HashMap<String, Option<V>>,
    /// Every record of the kind was read: any other is missing.
    scanned: bool,
}

impl<V> Default for Table<V> {
    fn default() -> Self {
        Table { rows: HashMap::new(), scanned: false }
    }
}

/// What the transaction knows of a record.
pub enum Known<'a, V> {
    Present(&'a V),
    Absent,
    Unread,
}

impl<V> Table<V> {
    pub fn known(&self, key: &str) -> Known<'_, V> {
        match self.rows.get(key) {
            Some(Some(value)) => Known::Present(value),
            Some(None) => Known::Absent,
            None if self.scanned => Known::Absent,
            None => Known::Unread,
        }
    }

    pub fn found(&mut self, key: &str, value: V) {
        self.rows.insert(key.to_string(), Some(value));
    }

    pub fn missing(&mut self, key: &str) {
        self.rows.insert(key.to_string(), None);
    }

    pub fn scanned(&mut self) {
        self.scanned = true;
    }
}

/// What a write transaction read, by kind and key.
#[derive(Default)]
pub struct Seen {
    /// By name key: the account's SSH keys.
    pub users: Table<Vec<String>>,
    /// By id: the stock read.
    pub products: Table<u32>,
    /// By name key.
    pub carts: Table<()>,
    /// By order id.
    pub orders: Table<()>,
    /// By code key (upper case).
    pub discounts: Table<()>,
    /// The settings' revision: `Some(None)` read and none saved.
    pub settings: Option<Option<i64>>,
    /// Order ids this transaction was given (new: the sequence is past them).
    pub given: Vec<String>,
}

/// Another writer changed what this one read: nothing is saved.
fn conflict(done: u64) -> Result<(), RepoError> {
    if done == 1 { Ok(()) } else { Err(RepoError::Busy) }
}

/// `INSERT … ON CONFLICT (key) DO UPDATE SET every column` (`replace`) or
/// `DO NOTHING`.
fn insert(table: &str, key: &str, columns: &[&str], values: &str, replace: bool, returning: &str) -> String {
    let action = if replace {
        let set: Vec<String> = columns.iter().filter(|c| **c != key).map(|c| format!("{c} = excluded.{c}")).collect();
        format!("DO UPDATE SET {}", set.join(", "))
    } else {
        "DO NOTHING".to_string()
    };
    format!(
        "INSERT INTO shopfront.{table} ({}) VALUES ({values}) ON CONFLICT ({key}) {action} {returning}",
        columns.join(", ")
    )
}

impl Db<'_> {
    fn exec(&mut self, sql: &str, params: &[&(dyn postgres::types::ToSql + Sync)]) -> Result<u64, RepoError> {
        self.conn.execute(sql, params).map_err(|e| self.fail(e))
    }

    pub fn apply(&mut self, change: &Change, seen: &mut Seen) -> Result<(), RepoError> {
        match change {
            Change::PutUser(user) => self.put_user(user, seen),
            Change::PutProduct(product) => self.put_product(product, seen),
            Change::DeleteProduct(id) => {
                self.exec("DELETE FROM shopfront.products WHERE product_id = $1", &[id])?;
                seen.products.missing(id);
                Ok(())
            }
            Change::PutCart(cart) => self.put_cart(cart, seen),
            Change::PutOrder(order) => self.put_order(order, seen),
            Change::PutDiscount(discount) => self.put_discount(discount, seen),
            Change::DeleteDiscount(code) => {
                let key = normalize_code(code);
                self.exec("DELETE FROM shopfront.discounts WHERE code_key = $1", &[&key])?;
                seen.discounts.missing(&key);
                Ok(())
            }
            Change::PutSettings(settings) => self.put_settings(settings, seen),
        }
    }

    fn put_user(&mut self, user: &User, seen: &mut Seen) -> Result<(), RepoError> {
        let key = username_key(&user.username).into_owned();
        let (replace, keys_stored) = match seen.users.known(&key) {
            Known::Present(keys) => (true, Some(keys.clone())),
            Known::Absent => (false, Some(Vec::new())),
            Known::Unread => (true, None),
        };
        let columns =
            ["name_key", "username", "password_hash", "password", "role", "created_at", "addresses", "cards", "extra"];
        let sql = insert(
            "users",
            "name_key",
            &columns,
            "$1, $2, $3, $4, $5, $6, $7::text::json, $8::text::json, $9::text::json",
            replace,
            "",
        );
        let done = self.exec(
            &sql,
            &[
                &key,
                &user.username,
                &user.password_hash,
                &user.password,
                &role_name(user.role),
                &user.created_at.map(|t| t.to_string()),
                &list_text(&user.addresses)?,
                &list_text(&user.cards)?,
                &extra_text(&user.extra)?,
            ],
        )?;
        conflict(done)?;
        if keys_stored.as_ref() != Some(&user.ssh_keys) {
            if keys_stored.is_none_or(|keys| !keys.is_empty()) {
                self.exec("DELETE FROM shopfront.user_keys WHERE name_key = $1", &[&key])?;
            }
            if !user.ssh_keys.is_empty() {
                let positions: Vec<i64> = (0..user.ssh_keys.len() as i64).collect();
                self.exec(
                    "INSERT INTO shopfront.user_keys (name_key, position, fingerprint)
                     SELECT $1, p, f FROM unnest($2::bigint[], $3::text[]) AS k(p, f)",
                    &[&key, &positions, &user.ssh_keys],
                )?;
            }
        }
        seen.users.found(&key, user.ssh_keys.clone());
        Ok(())
    }

    fn put_product(&mut self, product: &Product, seen: &mut Seen) -> Result<(), RepoError> {
        let id = &product.product_id;
        let columns = [
            "product_id",
            "name",
            "price",
            "stock",
            "description",
            "category",
            "active",
            "extra",
            "changed_by",
            "changed_at",
        ];
        let values = "$1, $2, $3, $4, $5, $6, $7, $8::text::json, $9, $10";
        let params: [&(dyn postgres::types::ToSql + Sync); 10] = [
            id,
            &product.name,
            &cents(product.price),
            &i64::from(product.stock),
            &product.description,
            &product.category,
            &product.active,
            &extra_with_stamp_text(&product.extra, product.changed.as_deref())?,
            &product.changed.as_ref().map(|c| c.by.as_str()),
            &product.changed.as_ref().map(|c| c.at.to_string()),
        ];
        match seen.products.known(id) {
            Known::Present(stock) => {
                // Only if the stock is still what the rule read: no unit sold twice.
                let read = i64::from(*stock);
                let mut with_read: Vec<&(dyn postgres::types::ToSql + Sync)> = params.to_vec();
                with_read.push(&read);
                let done = self.exec(
                    "UPDATE shopfront.products SET name = $2, price = $3, stock = $4, description = $5,
                        category = $6, active = $7, extra = $8::text::json, changed_by = $9, changed_at = $10
                     WHERE product_id = $1 AND stock = $11",
                    &with_read,
                )?;
                conflict(done)?;
            }
            Known::Absent => {
                conflict(self.exec(&insert("products", "product_id", &columns, values, false, ""), &params)?)?
            }
            Known::Unread => {
                self.exec(&insert("products", "product_id", &columns, values, true, ""), &params)?;
            }
        }
        seen.products.found(id, product.stock);
        Ok(())
    }

    fn put_cart(&mut self, cart: &Cart, seen: &mut Seen) -> Result<(), RepoError> {
        let key = username_key(&cart.username).into_owned();
        let replace = !matches!(seen.carts.known(&key), Known::Absent);
        let sql =
            insert("carts", "name_key", &["name_key", "username", "extra"], "$1, $2, $3::text::json", replace, "");
        conflict(self.exec(&sql, &[&key, &cart.username, &extra_text(&cart.extra)?])?)?;
        if replace {
            self.exec("DELETE FROM shopfront.cart_lines WHERE name_key = $1", &[&key])?;
        }
        if !cart.items.is_empty() {
            let positions: Vec<i64> = (0..cart.items.len() as i64).collect();
            let ids: Vec<&str> = cart.items.iter().map(|l| l.product_id.as_str()).collect();
            let qtys: Vec<i64> = cart.items.iter().map(|l| i64::from(l.qty)).collect();
            let prices: Vec<i64> = cart.items.iter().map(|l| cents(l.unit_price)).collect();
            let extras: Vec<Option<String>> =
                cart.items.iter().map(|l| extra_text(&l.extra)).collect::<Result<_, _>>()?;
            self.exec(
                "INSERT INTO shopfront.cart_lines (name_key, position, product_id, qty, unit_price, extra)
                 SELECT $1, p, i, q, u, e::json FROM unnest($2::bigint[], $3::text[], $4::bigint[], $5::bigint[],
                    $6::text[]) AS l(p, i, q, u, e)",
                &[&key, &positions, &ids, &qtys, &prices, &extras],
            )?;
        }
        seen.carts.found(&key, ());
        Ok(())
    }

    fn put_order(&mut self, order: &Order, seen: &mut Seen) -> Result<(), RepoError> {
        let id = &order.order_id;
        let number = order_number(id).map(|n| i64::try_from(n).unwrap_or(i64::MAX));
        let replace = !matches!(seen.orders.known(id), Known::Absent);
        let columns = [
            "order_id",
            "number",
            "username",
            "owner_key",
            "total",
            "placed_at",
            "status",
            "subtotal",
            "discount_code",
            "code_key",
            "discount",
            "shipping",
            "tax",
            "tax_included",
            "address",
            "payment",
            "tracking",
            "checkout_key",
            "extra",
        ];
        let values = "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15::text::json, \
                      $16::text::json, $17, $18, $19::text::json";
        let sql = insert("orders", "order_id", &columns, values, replace, "RETURNING seq");
        let row = self
            .conn
            .query_opt(
                &sql,
                &[
                    id,
                    &number,
                    &order.username,
                    &order.username.to_lowercase(),
                    &cents(order.total),
                    &order.timestamp.to_string(),
                    &order.status.as_str(),
                    &opt_cents(order.subtotal),
                    &order.discount_code,
                    &order.discount_code.as_ref().map(|c| c.to_ascii_uppercase()),
                    &cents(order.discount),
                    &cents(order.shipping),
                    &cents(order.tax),
                    &order.tax_included,
                    &order.address.as_deref().map(json_text).transpose()?,
                    &order.payment.as_deref().map(json_text).transpose()?,
                    &order.tracking,
                    &order.checkout_key,
                    &extra_text(&order.extra)?,
                ],
            )
            .map_err(|e| self.fail(e))?;
        // Inserting an order this transaction found missing, and another writer stored it meanwhile.
        let Some(row) = row else { return Err(RepoError::Busy) };
        let seq: i64 = row.get(0);
        if replace {
            self.exec("DELETE FROM shopfront.order_lines WHERE order_seq = $1", &[&seq])?;
            self.exec("DELETE FROM shopfront.order_events WHERE order_seq = $1", &[&seq])?;
        }
        if !order.items.is_empty() {
            let positions: Vec<i64> = (0..order.items.len() as i64).collect();
            let ids: Vec<&str> = order.items.iter().map(|l| l.product_id.as_str()).collect();
            let names: Vec<Option<&str>> = order.items.iter().map(|l| l.name.as_deref()).collect();
            let qtys: Vec<i64> = order.items.iter().map(|l| i64::from(l.qty)).collect();
            let prices: Vec<i64> = order.items.iter().map(|l| cents(l.unit_price)).collect();
            let extras: Vec<Option<String>> =
                order.items.iter().map(|l| extra_text(&l.extra)).collect::<Result<_, _>>()?;
            self.exec(
                "INSERT INTO shopfront.order_lines (order_seq, position, product_id, name, qty, unit_price, extra)
                 SELECT $1, p, i, n, q, u, e::json FROM unnest($2::bigint[], $3::text[], $4::text[], $5::bigint[],
                    $6::bigint[], $7::text[]) AS l(p, i, n, q, u, e)",
                &[&seq, &positions, &ids, &names, &qtys, &prices, &extras],
            )?;
        }
        if !order.events.is_empty() {
            let positions: Vec<i64> = (0..order.events.len() as i64).collect();
            let ats: Vec<String> = order.events.iter().map(|e| e.at.to_string()).collect();
            let actors: Vec<&str> = order.events.iter().map(|e| e.by.as_str()).collect();
            let statuses: Vec<&str> = order.events.iter().map(|e| e.status.as_str()).collect();
            let refunds: Vec<Option<i64>> = order.events.iter().map(|e| opt_cents(e.refunded)).collect();
            let extras: Vec<Option<String>> =
                order.events.iter().map(|e| extra_text(&e.extra)).collect::<Result<_, _>>()?;
            self.exec(
                "INSERT INTO shopfront.order_events (order_seq, position, at, actor, status, refunded, extra)
                 SELECT $1, p, a, b, s, r, e::json FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[],
                    $6::bigint[], $7::text[]) AS v(p, a, b, s, r, e)",
                &[&seq, &positions, &ats, &actors, &statuses, &refunds, &extras],
            )?;
        }
        // The sequence is raised past every order stored (one migrated in,
        // or put in by hand); one it gave out is behind it already.
        if let Some(number) = number
            && !seen.given.contains(id)
        {
            self.conn
                .query(
                    "SELECT setval('shopfront.order_numbers', $1) FROM shopfront.order_numbers
                     WHERE last_value < $1 OR (NOT is_called AND last_value = $1)",
                    &[&number],
                )
                .map_err(|e| self.fail(e))?;
        }
        seen.orders.found(id, ());
        Ok(())
    }

    fn put_discount(&mut self, discount: &Discount, seen: &mut Seen) -> Result<(), RepoError> {
        let key = normalize_code(&discount.code);
        let replace = !matches!(seen.discounts.known(&key), Known::Absent);
        let columns = [
            "code_key",
            "code",
            "kind",
            "value",
            "min_subtotal",
            "starts",
            "expires",
            "max_uses",
            "max_uses_per_user",
            "active",
            "extra",
            "changed_by",
            "changed_at",
        ];
        let values = "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::text::json, $12, $13";
        let done = self.exec(
            &insert("discounts", "code_key", &columns, values, replace, ""),
            &[
                &key,
                &discount.code,
                &discount.kind.as_str(),
                &opt_cents(discount.value),
                &cents(discount.min_subtotal),
                &discount.starts.map(|t| t.to_string()),
                &discount.expires.map(|t| t.to_string()),
                &discount.max_uses.map(i64::from),
                &discount.max_uses_per_user.map(i64::from),
                &discount.active,
                &extra_with_stamp_text(&discount.extra, discount.changed.as_ref())?,
                &discount.changed.as_ref().map(|c| c.by.as_str()),
                &discount.changed.as_ref().map(|c| c.at.to_string()),
            ],
        )?;
        conflict(done)?;
        seen.discounts.found(&key, ());
        Ok(())
    }

    fn put_settings(&mut self, settings: &Settings, seen: &mut Seen) -> Result<(), RepoError> {
        let columns = [
            "id",
            "shop_name",
            "currency",
            "shipping_flat",
            "shipping_free_over",
            "shipping_extra",
            "tax_rate",
            "tax_included",
            "tax_extra",
            "extra",
            "changed_by",
            "changed_at",
        ];
        let values = "1, $1, $2, $3, $4, $5::text::json, $6, $7, $8::text::json, $9::text::json, $10, $11";
        let shipping_extra = extra_text(&settings.shipping.extra)?;
        let tax_extra = extra_text(&settings.tax.extra)?;
        let extra = extra_with_stamp_text(&settings.extra, settings.changed.as_ref())?;
        let rate = i64::from(settings.tax.rate_percent.thousandths());
        let by = settings.changed.as_ref().map(|c| c.by.as_str());
        let at = settings.changed.as_ref().map(|c| c.at.to_string());
        let shipping_flat = cents(settings.shipping.flat);
        let free_over = opt_cents(settings.shipping.free_over);
        let mut params: Vec<&(dyn postgres::types::ToSql + Sync)> = vec![
            &settings.shop_name,
            &settings.currency,
            &shipping_flat,
            &free_over,
            &shipping_extra,
            &rate,
            &settings.tax.included_in_prices,
            &tax_extra,
            &extra,
            &by,
            &at,
        ];
        let revision = match seen.settings {
            // Only if no one changed them since they were read.
            Some(Some(revision)) => {
                params.push(&revision);
                let sql = "UPDATE shopfront.settings SET shop_name = $1, currency = $2, shipping_flat = $3,
                        shipping_free_over = $4, shipping_extra = $5::text::json, tax_rate = $6, tax_included = $7,
                        tax_extra = $8::text::json, extra = $9::text::json, changed_by = $10, changed_at = $11,
                        revision = revision + 1
                     WHERE id = 1 AND revision = $12 RETURNING revision";
                self.conn.query_opt(sql, &params).map_err(|e| self.fail(e))?
            }
            Some(None) => {
                let sql = insert("settings", "id", &columns, values, false, "RETURNING revision");
                self.conn.query_opt(&sql, &params).map_err(|e| self.fail(e))?
            }
            None => {
                let sql = insert("settings", "id", &columns, values, true, "RETURNING revision").replace(
                    "changed_at = excluded.changed_at",
                    "changed_at = excluded.changed_at, revision = settings.revision + 1",
                );
                self.conn.query_opt(&sql, &params).map_err(|e| self.fail(e))?
            }
        };
        let Some(row) = revision else { return Err(RepoError::Busy) };
        seen.settings = Some(Some(row.get(0)));
        Ok(())
    }
}

//! Records from the rows of an SQL store. The SQLite and PostgreSQL stores
//! keep each record in the same columns and select them in the same order
//! (the queries in each backend's `read`), so one reader per record serves
//! both, and a row that cannot be its record is reported in the same words
//! by either. Columns only one backend selects (PostgreSQL's `pos` and
//! `revision`) come after these and are read by that backend.

use std::fmt::Display;

use crate::domain::discount::DiscountKind;
use crate::domain::extra::Extra;
use crate::domain::order::{OrderEvent, OrderLine, OrderStatus};
use crate::domain::user::username_key;
use crate::domain::{AdminChange, Cart, Discount, Order, Product, Settings, User};
use crate::repo::LoginFailures;
use crate::repo::sql_codec::{Columns, ROLES, Read, stamp_extra};

const KINDS: [(&str, DiscountKind); 3] =
    [("percent", DiscountKind::Percent), ("fixed", DiscountKind::Fixed), ("free_shipping", DiscountKind::FreeShipping)];

fn statuses() -> [(&'static str, OrderStatus); 5] {
    OrderStatus::ALL.map(|status| (status.as_str(), status))
}

/// What is said of a row of `table` (in the database `at`) that cannot be
/// read as the record it holds.
pub fn damaged_row_message(at: impl Display, table: &str, key: &str, why: &str) -> String {
    format!(
        "{at}: the row of {key:?} in table {table} cannot be read: {why}. Correct it (or restore a backup); \
         Shopfront did not change it"
    )
}

/// `name_key, username, password_hash, password, role, created_at,
/// addresses, cards, extra, ssh keys`.
pub fn user(c: &dyn Columns) -> Read<User> {
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
    same_name(&name_key, &user.username)?;
    user.validate_record()?;
    Ok(user)
}

/// `product_id, name, price, stock, description, category, active, extra,
/// changed_by, changed_at`.
pub fn product(c: &dyn Columns) -> Read<Product> {
    let (changed, extra) = admin_change(c, 8, 7)?;
    let product = Product {
        product_id: c.text(0, "product_id")?,
        name: c.text(1, "name")?,
        price: c.money(2, "price")?,
        stock: c.count(3, "stock")?,
        description: c.opt_text(4, "description")?,
        category: c.opt_text(5, "category")?,
        active: c.flag(6, "active")?,
        changed: changed.map(Box::new),
        extra,
    };
    product.validate_record()?;
    Ok(product)
}

/// A cart without its lines, and its key: `name_key, username, extra`.
pub fn cart(c: &dyn Columns) -> Read<(String, Cart)> {
    let name_key = c.text(0, "name_key")?;
    let cart = Cart { username: c.text(1, "username")?, items: Vec::new(), extra: c.extra(2, "extra")? };
    same_name(&name_key, &cart.username)?;
    Ok((name_key, cart))
}

/// A record's `name_key` is its username in lower case.
fn same_name(name_key: &str, username: &str) -> Read<()> {
    if username_key(username) != name_key {
        return Err(format!("name_key {name_key:?} is not the username {username:?} in lower case"));
    }
    Ok(())
}

/// An order without its lines and events, and its `seq`: `order_id, seq,
/// username, owner_key, total, placed_at, status, subtotal, discount_code,
/// discount, shipping, tax, tax_included, address, payment, tracking,
/// checkout_key, extra`.
pub fn order(c: &dyn Columns) -> Read<(i64, Order)> {
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

/// An order's line, and the order's `seq`: `order_seq, product_id, name,
/// qty, unit_price, extra`.
pub fn order_line(c: &dyn Columns) -> Read<(i64, OrderLine)> {
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

/// An order's event, and the order's `seq`: `order_seq, at, actor, status,
/// refunded, extra`.
pub fn order_event(c: &dyn Columns) -> Read<(i64, OrderEvent)> {
    let event = OrderEvent {
        at: c.timestamp(1, "at")?,
        by: c.text(2, "actor")?,
        status: c.choice(3, "status", &statuses())?,
        refunded: c.opt_money(4, "refunded")?,
        extra: c.extra(5, "extra")?,
    };
    Ok((c.int(0, "order_seq")?, event))
}

/// `code, kind, value, min_subtotal, starts, expires, max_uses,
/// max_uses_per_user, active, extra, changed_by, changed_at`.
pub fn discount(c: &dyn Columns) -> Read<Discount> {
    let (changed, extra) = admin_change(c, 10, 9)?;
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
        changed,
        extra,
    };
    discount.validate(&crate::domain::money::Currency::PLAIN)?;
    Ok(discount)
}

/// `shop_name, currency, shipping_flat, shipping_free_over, shipping_extra,
/// tax_rate, tax_included, tax_extra, extra, changed_by, changed_at`.
pub fn settings(c: &dyn Columns) -> Read<Settings> {
    use crate::domain::settings::{Shipping, Tax, TaxRate};
    let rate = c.int(5, "tax_rate")?;
    let rate = u32::try_from(rate).map_err(|_| format!("tax_rate is {rate}, not thousandths of a percent"))?;
    let (changed, extra) = admin_change(c, 9, 8)?;
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
        changed,
        extra,
    };
    settings.validate()?;
    Ok(settings)
}

/// The last admin change kept in columns `at` (who) and `at + 1` (when),
/// and the record's unknown fields in column `extra_at`, which also keeps
/// the stamp's own (`sql_codec::extra_with_stamp_text`).
fn admin_change(c: &dyn Columns, at: usize, extra_at: usize) -> Read<(Option<AdminChange>, Extra)> {
    let by = c.opt_text(at, "changed_by")?;
    let when = c.opt_timestamp(at + 1, "changed_at")?;
    let mut stamp = match (by, when) {
        (Some(by), Some(at)) => Some(AdminChange { by, at, extra: Extra::default() }),
        (None, None) => None,
        _ => return Err("changed_by and changed_at must both be set or both be empty".into()),
    };
    let mut extra = c.extra(extra_at, "extra")?;
    let kept = stamp_extra(&mut extra, stamp.as_ref(), "extra")?;
    if let Some(stamp) = &mut stamp {
        stamp.extra = kept;
    }
    Ok((stamp, extra))
}

/// The failed logins at a key: `key, count, last_ms, last_from`.
pub fn login_failures(c: &dyn Columns) -> Read<LoginFailures> {
    Ok(LoginFailures { count: c.count(1, "count")?, last_ms: c.int(2, "last_ms")?, last_from: c.text(3, "last_from")? })
}

//! Orders, their lifecycle (placed → paid → shipped → delivered, or cancelled)
//! and who may move them.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::extra::Extra;
use thiserror::Error;

use super::address::Address;
use super::money::{self, Currency, Money};
use super::payment::Payment;
use super::time::Timestamp;
use super::user::{Role, User};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OrderStatus {
    /// Also what the console shop's orders (which had no status) are read as.
    #[default]
    Placed,
    Paid,
    Shipped,
    Delivered,
    Cancelled,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 5] =
        [OrderStatus::Placed, OrderStatus::Paid, OrderStatus::Shipped, OrderStatus::Delivered, OrderStatus::Cancelled];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Placed => "placed",
            OrderStatus::Paid => "paid",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Cancelled => "cancelled",
        }
    }

    /// The next step forward, if any.
    pub fn next(self) -> Option<OrderStatus> {
        match self {
            OrderStatus::Placed => Some(OrderStatus::Paid),
            OrderStatus::Paid => Some(OrderStatus::Shipped),
            OrderStatus::Shipped => Some(OrderStatus::Delivered),
            OrderStatus::Delivered | OrderStatus::Cancelled => None,
        }
    }

    pub fn can_cancel(self) -> bool {
        matches!(self, OrderStatus::Placed | OrderStatus::Paid)
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct OrderLine {
    pub product_id: String,
    /// Snapshot of the product's name when ordered (absent in console-shop orders).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub qty: u32,
    pub unit_price: Money,
    /// Fields Shopfront does not know, kept as they were.
    #[serde(flatten, skip_deserializing)]
    pub extra: Extra,
}

crate::keep_extra!(OrderLine);

impl OrderLine {
    /// Unit price × quantity; `None` if that does not fit.
    pub fn line_total(&self) -> Option<Money> {
        self.unit_price.times(self.qty)
    }

    pub fn display_name(&self) -> &str {
        self.name.as_deref().unwrap_or(&self.product_id)
    }

    /// The name to show: the one it was ordered under, else the product's
    /// `current` name (the console shop's lines carry none), else its id.
    pub fn shown_name<'a>(&'a self, current: Option<&'a str>) -> &'a str {
        self.name.as_deref().or(current).unwrap_or(&self.product_id)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct OrderEvent {
    pub at: Timestamp,
    pub by: String,
    pub status: OrderStatus,
    /// On a cancellation: the amount refunded to the card.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refunded: Option<Money>,
    /// Fields Shopfront does not know, kept as they were.
    #[serde(flatten, skip_deserializing)]
    pub extra: Extra,
}

crate::keep_extra!(OrderEvent);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Order {
    pub order_id: String,
    pub username: String,
    pub items: Vec<OrderLine>,
    /// Rounded to cents on reading: the console shop wrote float sums like 0.5000000000000001.
    #[serde(deserialize_with = "money::deserialize_rounded")]
    pub total: Money,
    pub timestamp: Timestamp,
    #[serde(default)]
    pub status: OrderStatus,
    #[serde(default)]
    pub events: Vec<OrderEvent>,
    /// The quote's figures besides the total (absent on orders placed
    /// before checkout had them: no discount, shipping or tax).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtotal: Option<Money>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_code: Option<String>,
    #[serde(default, skip_serializing_if = "Money::is_zero")]
    pub discount: Money,
    #[serde(default, skip_serializing_if = "Money::is_zero")]
    pub shipping: Money,
    #[serde(default, skip_serializing_if = "Money::is_zero")]
    pub tax: Money,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub tax_included: bool,
    /// Where it ships: a copy, unchanged by later edits of the address book.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<Box<Address>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<Box<Payment>>,
    /// The carrier's tracking number, once shipped (if the admin gave one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking: Option<String>,
    /// The key of the checkout that placed it: the same checkout retried
    /// (its answer lost) finds this order instead of placing another.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkout_key: Option<String>,
    /// Fields Shopfront does not know, kept as they were.
    #[serde(flatten, skip_deserializing)]
    pub extra: Extra,
}

crate::keep_extra!(Order);

impl Order {
    /// `Cancelled — $12.00 refunded to Visa •••• 4242` (in the shop's
    /// `currency`), or `Cancelled` for an order no card paid (the old
    /// console shop's).
    pub fn cancellation(&self, currency: &Currency) -> String {
        match self.payment.as_deref().and_then(|p| Some((p, p.refund.as_ref()?))) {
            Some((payment, refund)) => {
                format!("Cancelled — {} refunded to {}", refund.amount.shown(currency), payment.label())
            }
            None => "Cancelled".to_string(),
        }
    }

    /// An order of `items` with no costs besides them, placed now: the
    /// breakdown fields are filled by checkout.
    pub fn new(order_id: String, username: String, items: Vec<OrderLine>, total: Money, timestamp: Timestamp) -> Order {
        Order {
            order_id,
            username,
            items,
            total,
            timestamp,
            status: OrderStatus::Placed,
            events: Vec::new(),
            subtotal: None,
            discount_code: None,
            discount: Money::ZERO,
            shipping: Money::ZERO,
            tax: Money::ZERO,
            tax_included: false,
            address: None,
            payment: None,
            tracking: None,
            checkout_key: None,
            extra: Extra::default(),
        }
    }

    /// The items' total: stored since checkout had costs, else the lines' sum.
    pub fn items_total(&self) -> Option<Money> {
        self.subtotal.or_else(|| Money::checked_sum(self.items.iter().map(OrderLine::line_total)))
    }

    /// Whether it was placed with discount `code` (cancelled or not).
    pub fn carries_code(&self, code: &str) -> bool {
        self.discount_code.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(code))
    }

    /// Whether it carries discount `code` and still counts as a use of it.
    pub fn uses_code(&self, code: &str) -> bool {
        self.status != OrderStatus::Cancelled && self.carries_code(code)
    }

    /// Units ordered (u64: a sum of u32 quantities cannot overflow it).
    pub fn item_count(&self) -> u64 {
        self.items.iter().map(|l| u64::from(l.qty)).sum()
    }

    pub fn validate_record(&self) -> Result<(), String> {
        if self.order_id.trim().is_empty() {
            return Err("order_id is empty".into());
        }
        if self.username.trim().is_empty() {
            return Err(format!("order {} has no username", self.order_id));
        }
        Ok(())
    }
}

/// The number in an `O0001` id, if the id has that shape.
pub fn order_number(order_id: &str) -> Option<u64> {
    let digits = order_id.strip_prefix('O')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// What lists of orders are sorted by, newest first: the time placed, then
/// (the same second) the higher order number.
pub fn newest_first_key(order: &Order) -> std::cmp::Reverse<(Timestamp, Option<u64>)> {
    std::cmp::Reverse((order.timestamp, order_number(&order.order_id)))
}

/// `O0001`: at least four digits, more once the sequence outgrows them.
pub fn format_order_id(number: u64) -> String {
    format!("O{number:04}")
}

/// The id after the highest `O` number in use; other ids (the console shop's
/// `3fa9c2d1`) can never collide because they lack the `O` + digits shape.
pub fn next_order_id<'a>(existing: impl IntoIterator<Item = &'a str>) -> String {
    let highest = existing.into_iter().filter_map(order_number).max().unwrap_or(0);
    format_order_id(highest + 1)
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum OrderError {
    #[error("Order {0} does not exist")]
    UnknownOrder(String),
    #[error("Order {id} is {from}; it cannot become {to}")]
    NotAllowed { id: String, from: OrderStatus, to: OrderStatus },
    #[error("Order {id} is already {status}")]
    AlreadyFinal { id: String, status: OrderStatus },
    #[error("Only an admin can do that")]
    NotAdmin,
    #[error("You can only cancel your own orders")]
    NotYourOrder,
}

/// Moves an order to `to` on behalf of `actor`, appending an event. Returns
/// `true` when the move is a cancellation, whose stock the caller must put back:
/// `cancelled` is final, so that happens at most once per order.
pub fn change_status(order: &mut Order, to: OrderStatus, actor: &User, at: Timestamp) -> Result<bool, OrderError> {
    let from = order.status;
    let id = order.order_id.clone();
    match actor.role {
        Role::Admin => {}
        Role::Customer => {
            if order.username.to_lowercase() != actor.username.to_lowercase() {
                return Err(OrderError::NotYourOrder);
            }
            if to != OrderStatus::Cancelled {
                return Err(OrderError::NotAdmin);
            }
            // Until it ships, an order can be cancelled (a paid one is refunded).
            if !from.can_cancel() {
                return Err(not_allowed(id, from, to));
            }
        }
    }
    let allowed = if to == OrderStatus::Cancelled { from.can_cancel() } else { from.next() == Some(to) };
    if !allowed {
        return Err(not_allowed(id, from, to));
    }
    order.status = to;
    let mut event =
        OrderEvent { at, by: actor.username.clone(), status: to, refunded: None, extra: Default::default() };
    // A paid order is refunded to the card it was charged to, once.
    if to == OrderStatus::Cancelled
        && let Some(payment) = order.payment.as_deref_mut()
        && payment.refund.is_none()
    {
        let refund = super::payment::refund(payment, order.total, &actor.username, at);
        event.refunded = Some(refund.amount);
        payment.refund = Some(refund);
    }
    order.events.push(event);
    Ok(to == OrderStatus::Cancelled)
}

fn not_allowed(id: String, from: OrderStatus, to: OrderStatus) -> OrderError {
    if from == to || from.next().is_none() {
        OrderError::AlreadyFinal { id, status: from }
    } else {
        OrderError::NotAllowed { id, from, to }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(name: &str, role: Role) -> User {
        User {
            username: name.into(),
            password_hash: Some("x".into()),
            password: None,
            role,
            created_at: None,
            addresses: vec![],
            cards: vec![],
            ssh_keys: vec![],
            extra: Default::default(),
        }
    }

    fn order(status: OrderStatus) -> Order {
        let items = vec![OrderLine {
            product_id: "P1".into(),
            name: None,
            qty: 2,
            unit_price: Money::from_cents(150),
            extra: Default::default(),
        }];
        let at = Timestamp::parse("2026-02-10 18:12:44").unwrap();
        Order { status, ..Order::new("O0001".into(), "alice".into(), items, Money::from_cents(300), at) }
    }

    fn at() -> Timestamp {
        Timestamp::parse("2026-03-01 09:00:00").unwrap()
    }

    #[test]
    fn admin_moves_orders_forward_one_step_at_a_time() {
        let admin = user("root", Role::Admin);
        let mut o = order(OrderStatus::Placed);
        for to in [OrderStatus::Paid, OrderStatus::Shipped, OrderStatus::Delivered] {
            assert_eq!(change_status(&mut o, to, &admin, at()), Ok(false));
        }
        assert_eq!(o.events.len(), 3);
        assert_eq!(
            o.events[2],
            OrderEvent {
                at: at(),
                by: "root".into(),
                status: OrderStatus::Delivered,
                refunded: None,
                extra: Default::default()
            }
        );
        assert_eq!(
            change_status(&mut o, OrderStatus::Cancelled, &admin, at()).unwrap_err().to_string(),
            "Order O0001 is already delivered"
        );
        let mut skip = order(OrderStatus::Placed);
        assert_eq!(
            change_status(&mut skip, OrderStatus::Shipped, &admin, at()).unwrap_err().to_string(),
            "Order O0001 is placed; it cannot become shipped"
        );
    }

    #[test]
    fn cancelling_restores_stock_once() {
        let admin = user("root", Role::Admin);
        let mut o = order(OrderStatus::Paid);
        assert_eq!(change_status(&mut o, OrderStatus::Cancelled, &admin, at()), Ok(true));
        assert_eq!(
            change_status(&mut o, OrderStatus::Cancelled, &admin, at()).unwrap_err().to_string(),
            "Order O0001 is already cancelled"
        );
        assert_eq!(o.events.len(), 1);
    }

    #[test]
    fn customers_may_only_cancel_their_own_orders_before_they_ship() {
        let alice = user("Alice", Role::Customer);
        let bob = user("bob", Role::Customer);
        assert_eq!(
            change_status(&mut order(OrderStatus::Placed), OrderStatus::Cancelled, &bob, at()),
            Err(OrderError::NotYourOrder)
        );
        assert_eq!(
            change_status(&mut order(OrderStatus::Placed), OrderStatus::Paid, &alice, at()),
            Err(OrderError::NotAdmin)
        );
        assert_eq!(change_status(&mut order(OrderStatus::Paid), OrderStatus::Cancelled, &alice, at()), Ok(true));
        assert_eq!(
            change_status(&mut order(OrderStatus::Shipped), OrderStatus::Cancelled, &alice, at())
                .unwrap_err()
                .to_string(),
            "Order O0001 is shipped; it cannot become cancelled"
        );
        assert_eq!(change_status(&mut order(OrderStatus::Placed), OrderStatus::Cancelled, &alice, at()), Ok(true));
    }

    #[test]
    fn order_ids() {
        assert_eq!(format_order_id(7), "O0007");
        assert_eq!(format_order_id(12345), "O12345");
        assert_eq!(next_order_id(["3fa9c2d1", "O0041", "O0002"]), "O0042");
        assert_eq!(next_order_id([]), "O0001");
        assert_eq!(order_number("O"), None);
    }

    #[test]
    fn reads_console_shop_orders() {
        let json = r#"{"order_id":"3fa9c2d1","username":"dana","items":[{"product_id":"P1001","qty":3,"unit_price":0.1}],
            "total":0.5000000000000001,"timestamp":"2026-02-10 18:12:44"}"#;
        let o: Order = serde_json::from_str(json).unwrap();
        assert_eq!(o.total, Money::from_cents(50));
        assert_eq!(o.status, OrderStatus::Placed);
        assert_eq!(o.items[0].display_name(), "P1001");
    }
}

//! Checkout rules: judge a cart against the current catalog, and either plan
//! the whole change (order + stock) or list every problem for the shopper.

use std::collections::BTreeMap;
use std::fmt;

use super::address::Address;
use super::cart::{Cart, CartLine};
use super::money::{Currency, Money};
use super::order::{Order, OrderLine, OrderStatus};
use super::payment::{CardInput, CardOnFile};
use super::product::Product;
use super::quote::{Pricing, Quote, quote};
use super::time::Timestamp;

/// Something that stops a checkout; the shopper sees each one and may accept
/// the adjusted cart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    EmptyCart,
    /// The cart changed (in another window) since the shopper reviewed it.
    CartChanged,
    OutOfStock {
        product_id: String,
        name: String,
    },
    NotEnoughStock {
        product_id: String,
        name: String,
        wanted: u32,
        available: u32,
    },
    /// The shop's settings or the discount code changed the figures.
    QuoteChanged,
    /// The discount code no longer applies (why, in words).
    CodeNoLongerApplies(String),
    PriceChanged {
        product_id: String,
        name: String,
        old: Money,
        new: Money,
        /// The shop's, to name both prices in.
        currency: Currency<'static>,
    },
    NoLongerSold {
        product_id: String,
        name: String,
    },
    Gone {
        product_id: String,
    },
    TotalTooLarge,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::EmptyCart => write!(f, "Your cart is empty"),
            Problem::CartChanged => write!(f, "Your cart was changed elsewhere; please review it again"),
            Problem::QuoteChanged => {
                write!(
                    f,
                    "Shipping, tax or the discount changed since you reviewed the order; please check the new total"
                )
            }
            Problem::CodeNoLongerApplies(why) => write!(f, "{why}"),
            Problem::OutOfStock { name, .. } => write!(f, "{name} is now out of stock"),
            Problem::NotEnoughStock { name, wanted, available, .. } => {
                write!(f, "{name}: only {available} available (you wanted {wanted})")
            }
            Problem::PriceChanged { name, old, new, currency, .. } => {
                write!(f, "{name}: price changed {} → {}", old.shown(currency), new.shown(currency))
            }
            Problem::NoLongerSold { name, .. } => write!(f, "{name} is no longer sold"),
            Problem::Gone { product_id } => write!(f, "Product {product_id} no longer exists"),
            Problem::TotalTooLarge => write!(f, "The order total is too large"),
        }
    }
}

/// How the shopper pays.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PaymentChoice {
    /// A card typed in the form (in memory only), remembered if asked.
    NewCard { card: CardInput, remember: bool },
    /// A remembered card and the CVC typed for it.
    OnFile { card: CardOnFile, cvc: String },
}

/// Everything the shopper chose for one checkout. The card number lives
/// here only while the order is placed; `Debug` never shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckoutRequest {
    /// The quote the shopper reviewed: nothing is placed if a fresh one differs.
    pub seen: Quote,
    pub code: Option<String>,
    pub address: Address,
    pub payment: PaymentChoice,
    /// This checkout's key (from `Profile::checkout_key`): sent again with
    /// a retry, it finds the order already placed instead of placing
    /// another. Empty: no such protection (each call is a new checkout).
    pub key: String,
}

/// What a successful checkout changes: the new order and each product's new stock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckoutPlan {
    pub order: Order,
    pub new_stock: Vec<(String, u32)>,
}

/// Judges `cart` against the catalog (`lookup`). `seen` is the quote the
/// shopper confirmed: if a fresh quote of the stored cart differs, nothing
/// is placed; the order's total is that quote's. Problems name prices in
/// the shop's `currency`.
pub fn plan_checkout<'p>(
    cart: &Cart,
    seen: &Quote,
    pricing: &Pricing,
    currency: &Currency,
    lookup: impl Fn(&str) -> Option<&'p Product>,
    order_id: String,
    at: Timestamp,
) -> Result<CheckoutPlan, Vec<Problem>> {
    if cart.items.is_empty() {
        return Err(vec![Problem::EmptyCart]);
    }
    let fresh = quote(&cart.items, pricing).map_err(|problem| vec![problem])?;
    if fresh != *seen {
        let same_lines = fresh.lines == seen.lines;
        return Err(vec![if same_lines { Problem::QuoteChanged } else { Problem::CartChanged }]);
    }
    let problems = cart_problems(cart, &lookup, currency);
    if !problems.is_empty() {
        return Err(problems);
    }
    let items: Vec<OrderLine> = cart
        .items
        .iter()
        .map(|line| OrderLine {
            product_id: line.product_id.clone(),
            name: lookup(&line.product_id).map(|p| p.name.clone()),
            qty: line.qty,
            unit_price: line.unit_price,
            extra: Default::default(),
        })
        .collect();
    let mut wanted: BTreeMap<&str, u32> = BTreeMap::new();
    for line in &cart.items {
        *wanted.entry(&line.product_id).or_default() += line.qty;
    }
    let new_stock = wanted.iter().filter_map(|(id, qty)| lookup(id).map(|p| (id.to_string(), p.stock - qty))).collect();
    let mut order = Order::new(order_id, cart.username.clone(), items, fresh.total, at);
    order.events.push(super::order::OrderEvent {
        at,
        by: cart.username.clone(),
        status: OrderStatus::Placed,
        refunded: None,
        extra: Default::default(),
    });
    order.subtotal = Some(fresh.subtotal);
    order.discount_code = fresh.code.clone();
    order.discount = fresh.discount;
    order.shipping = fresh.shipping;
    order.tax = fresh.tax;
    order.tax_included = fresh.tax_included;
    Ok(CheckoutPlan { order, new_stock })
}

/// What stands between `cart` and an order, judged against the catalog
/// (`lookup`): products gone or no longer sold, stock short, prices changed
/// (named in the shop's `currency`). Empty when the cart can be bought as it is.
pub fn cart_problems<'p>(
    cart: &Cart,
    lookup: impl Fn(&str) -> Option<&'p Product>,
    currency: &Currency,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut wanted: BTreeMap<&str, u32> = BTreeMap::new();
    for line in &cart.items {
        let qty = wanted.entry(&line.product_id).or_default();
        let Some(sum) = qty.checked_add(line.qty) else {
            return vec![Problem::TotalTooLarge];
        };
        *qty = sum;
    }
    let mut reported_stock = std::collections::HashSet::new();
    for line in &cart.items {
        let Some(product) = lookup(&line.product_id) else {
            problems.push(Problem::Gone { product_id: line.product_id.clone() });
            continue;
        };
        let (product_id, name) = (product.product_id.clone(), product.name.clone());
        if !product.active {
            problems.push(Problem::NoLongerSold { product_id, name });
            continue;
        }
        let want = wanted[line.product_id.as_str()];
        if want > product.stock && reported_stock.insert(line.product_id.clone()) {
            problems.push(if product.stock == 0 {
                Problem::OutOfStock { product_id: product_id.clone(), name: name.clone() }
            } else {
                Problem::NotEnoughStock {
                    product_id: product_id.clone(),
                    name: name.clone(),
                    wanted: want,
                    available: product.stock,
                }
            });
        }
        if line.unit_price != product.price {
            problems.push(Problem::PriceChanged {
                product_id,
                name,
                old: line.unit_price,
                new: product.price,
                currency: currency.owned(),
            });
        }
    }
    problems
}

/// Whether a cart line for `product` counts in the cart's figures: the
/// product is still in the catalog and still sold.
pub fn line_counts(product: Option<&Product>) -> bool {
    product.is_some_and(|p| p.active)
}

/// The cart the shopper gets by accepting the problems: quantities cut to what
/// is available, prices brought up to date, unsold and vanished lines dropped.
pub fn adjust_cart<'p>(cart: &Cart, lookup: impl Fn(&str) -> Option<&'p Product>) -> Cart {
    let mut left: BTreeMap<String, u32> = BTreeMap::new();
    let mut items = Vec::new();
    for line in &cart.items {
        let Some(product) = lookup(&line.product_id).filter(|p| p.active) else { continue };
        let available = left.entry(line.product_id.clone()).or_insert(product.stock);
        let qty = line.qty.min(*available);
        *available -= qty;
        if qty > 0 {
            items.push(CartLine { qty, unit_price: product.price, ..line.clone() });
        }
    }
    Cart { items, ..cart.clone() }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::domain::quote::items_only;

    const DOLLARS: Currency = Currency::new("$");

    fn catalog() -> HashMap<String, Product> {
        [("P1", 999, 5, true), ("P2", 250, 1, true), ("P3", 100, 9, false), ("P4", 100, 0, true)]
            .into_iter()
            .map(|(id, cents, stock, active)| {
                let p = Product {
                    product_id: id.into(),
                    name: format!("Item {id}"),
                    price: Money::from_cents(cents),
                    stock,
                    description: None,
                    category: None,
                    active,
                    changed: None,
                    extra: Default::default(),
                };
                (id.to_string(), p)
            })
            .collect()
    }

    fn line(id: &str, qty: u32, cents: i64) -> CartLine {
        CartLine { product_id: id.into(), qty, unit_price: Money::from_cents(cents), extra: Default::default() }
    }

    fn at() -> Timestamp {
        Timestamp::parse("2026-02-10 18:12:44").unwrap()
    }

    #[test]
    fn plans_order_and_stock() {
        let products = catalog();
        let cart = Cart {
            username: "alice".into(),
            items: vec![line("P1", 2, 999), line("P2", 1, 250)],
            extra: Default::default(),
        };
        let plan = plan_checkout(
            &cart,
            &items_only(&cart.items).unwrap(),
            &Pricing::items_only(),
            &DOLLARS,
            |id| products.get(id),
            "O0001".into(),
            at(),
        )
        .unwrap();
        assert_eq!(plan.order.total, Money::from_cents(2248));
        assert_eq!(plan.order.items[0].name.as_deref(), Some("Item P1"));
        assert_eq!(plan.order.status, OrderStatus::Placed);
        assert_eq!(plan.order.events.len(), 1);
        assert_eq!(plan.new_stock, vec![("P1".to_string(), 3), ("P2".to_string(), 0)]);
    }

    #[test]
    fn lists_every_problem() {
        let products = catalog();
        let cart = Cart {
            username: "alice".into(),
            items: vec![line("P1", 6, 899), line("P3", 1, 100), line("P4", 1, 100), line("P9", 1, 100)],
            extra: Default::default(),
        };
        let problems = plan_checkout(
            &cart,
            &items_only(&cart.items).unwrap(),
            &Pricing::items_only(),
            &DOLLARS,
            |id| products.get(id),
            "O1".into(),
            at(),
        )
        .unwrap_err();
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(
            text,
            [
                "Item P1: only 5 available (you wanted 6)",
                "Item P1: price changed $8.99 → $9.99",
                "Item P3 is no longer sold",
                "Item P4 is now out of stock",
                "Product P9 no longer exists",
            ]
        );
    }

    #[test]
    fn refuses_a_cart_the_shopper_did_not_see() {
        let products = catalog();
        let cart = Cart { username: "alice".into(), items: vec![line("P1", 2, 999)], extra: Default::default() };
        let seen = vec![line("P1", 1, 999)];
        assert_eq!(
            plan_checkout(
                &cart,
                &items_only(&seen).unwrap(),
                &Pricing::items_only(),
                &DOLLARS,
                |id| products.get(id),
                "O1".into(),
                at()
            ),
            Err(vec![Problem::CartChanged])
        );
        let empty = Cart::new("alice");
        assert_eq!(
            plan_checkout(
                &empty,
                &Quote::default(),
                &Pricing::items_only(),
                &DOLLARS,
                |id| products.get(id),
                "O1".into(),
                at()
            ),
            Err(vec![Problem::EmptyCart])
        );
    }

    #[test]
    fn adjusting_fixes_every_problem() {
        let products = catalog();
        let cart = Cart {
            username: "alice".into(),
            items: vec![line("P1", 6, 899), line("P3", 1, 100), line("P4", 1, 100), line("P9", 1, 100)],
            extra: Default::default(),
        };
        let adjusted = adjust_cart(&cart, |id| products.get(id));
        assert_eq!(adjusted.items, vec![line("P1", 5, 999)]);
        assert!(
            plan_checkout(
                &adjusted,
                &items_only(&adjusted.items).unwrap(),
                &Pricing::items_only(),
                &DOLLARS,
                |id| products.get(id),
                "O1".into(),
                at()
            )
            .is_ok()
        );
    }

    #[test]
    fn duplicate_lines_count_together() {
        let products = catalog();
        let cart = Cart {
            username: "a".into(),
            items: vec![line("P2", 1, 250), line("P2", 1, 250)],
            extra: Default::default(),
        };
        let problems = plan_checkout(
            &cart,
            &items_only(&cart.items).unwrap(),
            &Pricing::items_only(),
            &DOLLARS,
            |id| products.get(id),
            "O1".into(),
            at(),
        )
        .unwrap_err();
        assert_eq!(problems.len(), 1);
        assert_eq!(adjust_cart(&cart, |id| products.get(id)).items, vec![line("P2", 1, 250)]);
    }
}

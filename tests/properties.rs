//! Property tests: random interleavings of shopper and admin operations from
//! two copies of the store on one folder keep stock conserved and money exact.

mod common;

use std::collections::HashMap;
use std::fs;
use std::path::Path;
use std::sync::OnceLock;

use common::*;
use proptest::prelude::*;
use shopfront::domain::{Money, OrderStatus};
use shopfront::store::Store;

const USERS: [&str; 3] = ["ann", "ben", "cat"];
const PRODUCTS: [(&str, &str, &str, u32); 4] =
    [("P1", "One", "0.10", 3), ("P2", "Two", "0.20", 5), ("P3", "Three", "19.99", 1), ("P4", "Four", "3.33", 8)];

/// Names the interleavings may register (besides the template's accounts).
const NEWCOMERS: [&str; 3] = ["dan", "Eve", "fay"];

#[derive(Clone, Debug)]
enum Op {
    Register { copy: usize, newcomer: usize },
    Add { copy: usize, user: usize, product: usize, qty: u32 },
    SetQty { copy: usize, user: usize, product: usize, qty: u32 },
    Remove { copy: usize, user: usize, product: usize },
    Checkout { copy: usize, user: usize, stale: bool },
    Accept { copy: usize, user: usize },
    Cancel { copy: usize, user: usize, nth: usize },
    Advance { copy: usize, nth: usize },
}

fn op() -> impl Strategy<Value = Op> {
    let c = 0..2usize;
    let u = 0..USERS.len();
    let p = 0..PRODUCTS.len();
    prop_oneof![
        1 => (c.clone(), 0..NEWCOMERS.len()).prop_map(|(copy, newcomer)| Op::Register { copy, newcomer }),
        3 => (c.clone(), u.clone(), p.clone(), 0..4u32).prop_map(|(copy, user, product, qty)| Op::Add { copy, user, product, qty }),
        1 => (c.clone(), u.clone(), p.clone(), 0..6u32).prop_map(|(copy, user, product, qty)| Op::SetQty { copy, user, product, qty }),
        1 => (c.clone(), u.clone(), p.clone()).prop_map(|(copy, user, product)| Op::Remove { copy, user, product }),
        3 => (c.clone(), u.clone(), any::<bool>()).prop_map(|(copy, user, stale)| Op::Checkout { copy, user, stale }),
        1 => (c.clone(), u.clone()).prop_map(|(copy, user)| Op::Accept { copy, user }),
        2 => (c.clone(), u.clone(), 0..4usize).prop_map(|(copy, user, nth)| Op::Cancel { copy, user, nth }),
        1 => (c, 0..6usize).prop_map(|(copy, nth)| Op::Advance { copy, nth }),
    ]
}

/// A folder with products and accounts, made once (hashing is slow) and copied per case.
fn template() -> &'static Path {
    static TEMPLATE: OnceLock<tempfile::TempDir> = OnceLock::new();
    TEMPLATE
        .get_or_init(|| {
            let dir = temp_dir();
            write_products(dir.path(), &PRODUCTS);
            let mut store = open(dir.path());
            for user in USERS {
                store.register(user, "prop-pass").expect("register");
            }
            store.add_admin("boss", "boss-pass").expect("admin");
            dir
        })
        .path()
}

fn check_invariants(store: &Store, registered: &[&str]) -> Result<(), TestCaseError> {
    let data = store.data();
    for name in registered {
        prop_assert!(data.users.contains(name), "account {} was lost", name);
    }
    let mut ordered: HashMap<&str, u32> = HashMap::new();
    for order in data.orders.rows() {
        let sum: i64 = order.items.iter().map(|l| l.unit_price.cents() * i64::from(l.qty)).sum();
        prop_assert_eq!(
            order.subtotal,
            Some(Money::from_cents(sum)),
            "order {} subtotal is the exact sum",
            order.order_id
        );
        let parts = sum - order.discount.cents()
            + order.shipping.cents()
            + if order.tax_included { 0 } else { order.tax.cents() };
        prop_assert_eq!(order.total, Money::from_cents(parts), "order {} total is its parts", order.order_id);
        prop_assert!(order.total >= Money::ZERO);
        if order.status != OrderStatus::Cancelled {
            for line in &order.items {
                *ordered.entry(&line.product_id).or_default() += line.qty;
            }
        }
    }
    for (id, _, _, initial) in PRODUCTS {
        let stock = data.products.get(id).map(|p| p.stock).unwrap_or(0);
        let sold = ordered.get(id).copied().unwrap_or(0);
        prop_assert_eq!(stock + sold, initial, "stock of {} conserved", id);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_interleavings_conserve_stock_and_money(ops in proptest::collection::vec(op(), 1..40)) {
        let dir = temp_dir();
        for entry in fs::read_dir(template()).expect("template") {
            let entry = entry.expect("entry");
            fs::copy(entry.path(), dir.path().join(entry.file_name())).expect("copy");
        }
        let mut copies = [open(dir.path()), open(dir.path())];
        let mut registered: Vec<&str> = USERS.to_vec();
        for op in ops {
            match op {
                Op::Register { copy, newcomer } => {
                    let name = NEWCOMERS[newcomer];
                    let result = copies[copy].register(name, "new-pass");
                    // Exactly once: a second try (from either copy) is refused.
                    prop_assert_eq!(result.is_ok(), !registered.contains(&name));
                    registered.push(name);
                }
                Op::Add { copy, user, product, qty } => {
                    let _ = copies[copy].add_to_cart(USERS[user], PRODUCTS[product].0, qty);
                }
                Op::SetQty { copy, user, product, qty } => {
                    let _ = copies[copy].set_cart_qty(USERS[user], PRODUCTS[product].0, qty);
                }
                Op::Remove { copy, user, product } => {
                    let _ = copies[copy].remove_from_cart(USERS[user], PRODUCTS[product].0);
                }
                Op::Checkout { copy, user, stale } => {
                    // A stale copy checks out what it last saw, like a window left open.
                    if !stale {
                        copies[copy].refresh().expect("refresh");
                    }
                    let seen = copies[copy].cart(USERS[user]);
                    let _ = copies[copy].checkout(USERS[user], &paying(quoted(&seen.items)));
                }
                Op::Accept { copy, user } => {
                    let _ = copies[copy].accept_adjusted_cart(USERS[user]);
                }
                Op::Cancel { copy, user, nth } => {
                    copies[copy].refresh().expect("refresh");
                    let id = copies[copy].data().orders_of(USERS[user]).get(nth).map(|o| o.order_id.clone());
                    if let Some(id) = id {
                        let _ = copies[copy].cancel_order(USERS[user], &id);
                    }
                }
                Op::Advance { copy, nth } => {
                    copies[copy].refresh().expect("refresh");
                    let next = copies[copy].data().all_orders().get(nth).and_then(|o| o.status.next().map(|s| (o.order_id.clone(), s)));
                    if let Some((id, to)) = next {
                        let _ = copies[copy].set_order_status("boss", &id, to);
                    }
                }
            }
            check_invariants(&open(dir.path()), &registered)?;
        }
        for copy in &mut copies {
            copy.refresh().expect("refresh");
            check_invariants(copy, &registered)?;
        }
    }
}

#[derive(Clone, Debug)]
enum CodeOp {
    /// A shopper on one copy fills the cart and checks out with the code.
    Buy { copy: usize, user: usize, stale: bool },
    /// A shopper on one copy cancels one of their orders (giving its use back).
    Cancel { copy: usize, user: usize, nth: usize },
}

fn code_op() -> impl Strategy<Value = CodeOp> {
    prop_oneof![
        3 => (0..2usize, 0..USERS.len(), any::<bool>()).prop_map(|(copy, user, stale)| CodeOp::Buy { copy, user, stale }),
        1 => (0..2usize, 0..USERS.len(), 0..3usize).prop_map(|(copy, user, nth)| CodeOp::Cancel { copy, user, nth }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// A code with 2 uses in all and 1 per shopper, used from two copies in
    /// any order with cancels between: never more orders carry it than its
    /// limits allow, counting only orders not cancelled.
    #[test]
    fn code_limits_hold_across_two_copies(ops in proptest::collection::vec(code_op(), 1..24)) {
        let dir = temp_dir();
        for entry in fs::read_dir(template()).expect("template") {
            let entry = entry.expect("entry");
            fs::copy(entry.path(), dir.path().join(entry.file_name())).expect("copy");
        }
        fs::write(
            dir.path().join("discounts.json"),
            r#"[{"code": "TWICE", "kind": "fixed", "value": 0.05, "max_uses": 2, "max_uses_per_user": 1}]"#,
        )
        .expect("codes");
        let mut copies = [open(dir.path()), open(dir.path())];
        for op in ops {
            match op {
                CodeOp::Buy { copy, user, stale } => {
                    let who = USERS[user];
                    let _ = copies[copy].add_to_cart(who, "P4", 1);
                    if !stale {
                        copies[copy].refresh().expect("refresh");
                    }
                    // The shopper reviewed the quote with the code applied, as the app shows it.
                    let cart = copies[copy].cart(who);
                    let code = copies[copy].data().discounts.rows()[0].clone();
                    let settings = copies[copy].data().settings.clone();
                    let pricing = shopfront::domain::Pricing::new(&settings, Some(&code));
                    let Ok(seen) = shopfront::domain::quote(&cart.items, &pricing) else { continue };
                    let mut request = paying(seen);
                    request.code = Some("twice".into());
                    let _ = copies[copy].checkout(who, &request);
                }
                CodeOp::Cancel { copy, user, nth } => {
                    copies[copy].refresh().expect("refresh");
                    let ids: Vec<String> =
                        copies[copy].data().orders_of(USERS[user]).iter().map(|o| o.order_id.clone()).collect();
                    if let Some(id) = ids.get(nth) {
                        let _ = copies[copy].cancel_order(USERS[user], id);
                    }
                }
            }
            let check = open(dir.path());
            let live: Vec<_> = check.data().orders.rows().iter().filter(|o| o.uses_code("TWICE")).collect();
            prop_assert!(live.len() <= 2, "{} live orders carry the code", live.len());
            for user in USERS {
                let mine = live.iter().filter(|o| o.username == user).count();
                prop_assert!(mine <= 1, "{} uses by {}", mine, user);
            }
            for order in &live {
                prop_assert_eq!(order.discount.cents(), 5);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// Whatever the lines, settings and code: total = subtotal − discount +
    /// shipping + added tax, nothing is negative, the discount never exceeds
    /// the subtotal, and shipping is free exactly when the rules say so.
    #[test]
    fn every_quote_adds_up(
        lines in proptest::collection::vec((1u32..50, 1i64..100_000), 1..6),
        flat in 0i64..2_000,
        free_over in proptest::option::of(0i64..20_000),
        rate in 0u32..=100_000,
        included in any::<bool>(),
        code in proptest::option::of((0u8..3, 1i64..20_000)),
    ) {
        use shopfront::domain::{CartLine, Discount, DiscountKind, Pricing, Settings, TaxRate, quote};
        let items: Vec<CartLine> = lines
            .iter()
            .enumerate()
            .map(|(i, &(qty, cents))| CartLine {
                product_id: format!("P{i}"),
                qty,
                unit_price: Money::from_cents(cents),
                extra: Default::default(),
            })
            .collect();
        let mut settings = Settings::default();
        settings.shipping.flat = Money::from_cents(flat);
        settings.shipping.free_over = free_over.map(Money::from_cents);
        settings.tax.rate_percent = TaxRate::from_thousandths(rate);
        settings.tax.included_in_prices = included;
        let discount = code.map(|(kind, value)| {
            let (kind, value) = match kind {
                0 => (DiscountKind::Percent, Some(Money::from_cents((value % 100 + 1) * 100))),
                1 => (DiscountKind::Fixed, Some(Money::from_cents(value))),
                _ => (DiscountKind::FreeShipping, None),
            };
            serde_json::from_value::<Discount>(serde_json::json!({"code": "CODE", "kind": kind.as_str()}))
                .map(|d| Discount { value, ..d })
                .expect("a code")
        });
        let q = quote(&items, &Pricing::new(&settings, discount.as_ref())).expect("fits");
        let added_tax = if included { 0 } else { q.tax.cents() };
        prop_assert_eq!(q.total.cents(), q.subtotal.cents() - q.discount.cents() + q.shipping.cents() + added_tax);
        prop_assert!(q.discount.cents() >= 0 && q.discount <= q.subtotal);
        prop_assert!(q.tax.cents() >= 0 && q.shipping.cents() >= 0 && q.total.cents() >= 0);
        let after_discount = q.subtotal.cents() - q.discount.cents();
        let free = discount.as_ref().is_some_and(|d| d.kind == DiscountKind::FreeShipping)
            || free_over.is_some_and(|over| after_discount >= over);
        prop_assert_eq!(q.shipping.cents(), if free { 0 } else { flat });
    }
}

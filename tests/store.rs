//! The repository layer against real folders: seeding, accounts, carts,
//! checkout, cancellation, recovery and two stores on one folder.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;

use common::*;
use shopfront::domain::{CartLine, Money, OrderStatus, Problem};
use shopfront::shop::ShopError;
use shopfront::store::journal::{self, Change};
use shopfront::store::{OpenMode, Store};

#[test]
fn empty_folder_is_seeded_with_the_demo_catalog() {
    let dir = temp_dir();
    let data = dir.path().join("data");
    fs::create_dir_all(&data).unwrap();
    fs::write(data.join(".gitkeep"), "").unwrap();
    let store = open(&data);
    assert!(store.data().products.len() >= 40);
    let text = read(&data, "products.json");
    assert!(text.contains(r#""name":"USB-C Cable","price":9.99"#), "{text}");
    // Opening again does not re-seed or rewrite.
    let before = fs::metadata(data.join("products.json")).unwrap().modified().unwrap();
    drop(open(&data));
    assert_eq!(fs::metadata(data.join("products.json")).unwrap().modified().unwrap(), before);
}

#[test]
fn missing_folder_is_created_but_check_mode_refuses_it() {
    let dir = temp_dir();
    let nested = dir.path().join("a/b/c");
    let err = Store::open_with(&nested, OpenMode::ExistingOnly).err().expect("refused");
    assert!(err.to_string().contains("no such data folder"), "{err}");
    assert!(!nested.exists());
    open(&nested);
    assert!(nested.join("products.json").exists());
}

#[test]
fn registration_hashes_and_names_clash_without_case() {
    let dir = temp_dir();
    let mut store = open(dir.path());
    let user = store.register("Alice", "s3cret!").unwrap();
    assert_eq!(user.created_at.map(|t| t.to_string()).as_deref(), Some("2026-03-01 12:00:00"));
    let users = read(dir.path(), "users.json");
    assert!(users.contains("$argon2id$"), "{users}");
    assert!(!users.contains("s3cret!"));
    let mode = fs::metadata(dir.path().join("users.json")).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    assert_eq!(store.register("alice", "another1").unwrap_err().to_string(), "That username is taken");
    assert_eq!(store.register("al", "another1").unwrap_err().to_string(), "Username must be 3–32 characters");
    assert_eq!(store.register("bob", "12345").unwrap_err().to_string(), "Password must be at least 6 characters");
    assert_eq!(
        store.register("bob smith", "123456").unwrap_err().to_string(),
        "Username may only use letters a–z, digits, '_', '.' and '-'"
    );
}

#[test]
fn login_failures_say_the_same_thing() {
    let dir = temp_dir();
    let mut store = open(dir.path());
    store.register("alice", "s3cret!").unwrap();
    assert_eq!(store.login("ALICE", "s3cret!").unwrap().username, "alice");
    let wrong = store.login("alice", "nope!!").unwrap_err().to_string();
    let unknown = store.login("nobody", "nope!!").unwrap_err().to_string();
    assert_eq!(wrong, "Wrong username or password");
    assert_eq!(wrong, unknown);
}

#[test]
fn legacy_console_shop_folder_opens_as_is() {
    let dir = temp_dir();
    let legacy = copy_legacy_fixture(dir.path());
    let originals: Vec<(String, Vec<u8>)> = ["users.json", "products.json", "carts.json", "orders.json"]
        .iter()
        .map(|n| (n.to_string(), fs::read(legacy.join(n)).unwrap()))
        .collect();
    let mut store = open(&legacy);
    // Opening to write secures the console shop's passwords at once (not at
    // each account's next login, which may never come) and touches nothing else.
    for (name, bytes) in &originals {
        if name != "users.json" {
            assert_eq!(&fs::read(legacy.join(name)).unwrap(), bytes, "{name} changed by opening");
        }
    }
    let users = read(&legacy, "users.json");
    assert!(!users.contains("hunter22") && users.contains("$argon2id$"), "{users}");
    assert_eq!(fs::metadata(legacy.join("users.json")).unwrap().permissions().mode() & 0o777, 0o600);
    let order = store.data().orders.get("3fa9c2d1").unwrap();
    assert_eq!(order.total, Money::from_cents(50));
    assert_eq!(order.total.shown(&store.data().settings.currency()).to_string(), "$0.50");
    assert_eq!(order.status, OrderStatus::Placed);
    assert_eq!(store.data().orders_of("dana").len(), 1);
    assert_eq!(store.cart("dana").items.len(), 2);

    assert!(store.login("dana", "wrong-one").is_err());
    assert_eq!(read(&legacy, "users.json"), users, "a failed login changes nothing");
    store.login("dana", "hunter22").unwrap();
    // And again, now through the hash, from a fresh process view.
    let mut again = open(&legacy);
    assert!(again.login("dana", "hunter22").is_ok());
    assert!(!again.data().users.get("dana").unwrap().has_plaintext_password());

    // The old cart checks out; the new id cannot collide with the old one.
    let cart = again.cart("dana");
    let placed = again.checkout("dana", &paying(quoted(&cart.items))).unwrap();
    assert_eq!(placed.order_id, "O0001");
    assert_eq!(placed.total, Money::from_cents(2 * 2499 + 3 * 10));
    assert_eq!(stock_of(&again, "P1004"), 0);
    let orders = read(&legacy, "orders.json");
    assert!(orders.contains(r#""order_id":"3fa9c2d1""#) && orders.contains(r#""total":0.5,"#), "{orders}");
}

#[test]
fn checkout_commits_stock_order_and_cart_together() {
    let dir = temp_dir();
    write_products(dir.path(), &[("P1", "Mug", "4.50", 5), ("P2", "Tea", "3.25", 2)]);
    let mut store = open(dir.path());
    store.register("alice", "s3cret!").unwrap();
    store.add_to_cart("alice", "P1", 2).unwrap();
    let cart = store.add_to_cart("alice", "P2", 2).unwrap();
    // $15.50 of items and $5.00 shipping (the default settings).
    assert_eq!(quoted(&cart.items).total, Money::from_cents(2050));
    let order = store.checkout("alice", &paying(quoted(&cart.items))).unwrap();
    assert_eq!(order.order_id, "O0001");
    assert_eq!(
        (order.subtotal, order.shipping, order.total),
        (Some(Money::from_cents(1550)), Money::from_cents(500), Money::from_cents(2050))
    );
    assert_eq!(order.timestamp.to_string(), "2026-03-01 12:00:00");
    assert_eq!(order.items[0].name.as_deref(), Some("Mug"));

    let fresh = open(dir.path());
    assert_eq!(stock_of(&fresh, "P1"), 3);
    assert_eq!(stock_of(&fresh, "P2"), 0);
    assert!(fresh.cart("alice").is_empty());
    assert!(read(dir.path(), "orders.json").contains(r#""total":20.5,"#));
    assert!(!dir.path().join(journal::JOURNAL_FILE).exists());

    let cart = store.add_to_cart("alice", "P1", 1).unwrap();
    assert_eq!(store.checkout("alice", &paying(quoted(&cart.items))).unwrap().order_id, "O0002");
    assert_eq!(store.add_to_cart("alice", "P2", 1).unwrap_err().to_string(), "Tea is out of stock");
}

#[test]
fn checkout_problems_are_listed_and_nothing_is_written() {
    let dir = temp_dir();
    write_products(dir.path(), &[("P1", "Mug", "4.50", 5), ("P2", "Tea", "3.25", 5), ("P3", "Pot", "20", 1)]);
    let mut shopper = open(dir.path());
    shopper.register("alice", "s3cret!").unwrap();
    shopper.add_to_cart("alice", "P1", 3).unwrap();
    shopper.add_to_cart("alice", "P2", 1).unwrap();
    let seen = shopper.add_to_cart("alice", "P3", 1).unwrap();

    // Meanwhile, another copy of the app changes the catalog.
    let mut other = open(dir.path());
    other.register("bob", "s3cret!").unwrap();
    let bobs = other.add_to_cart("bob", "P1", 4).unwrap();
    other.checkout("bob", &paying(quoted(&bobs.items))).unwrap();
    let mut products = read(dir.path(), "products.json");
    products = products.replace(r#""price":3.25"#, r#""price":3.75"#);
    products = products.replace(
        r#""name":"Pot","price":20.0,"stock":1,"category":"Test","active":true"#,
        r#""name":"Pot","price":20.0,"stock":1,"category":"Test","active":false"#,
    );
    fs::write(dir.path().join("products.json"), &products).unwrap();

    let before: Vec<Vec<u8>> =
        ["products.json", "orders.json", "carts.json"].iter().map(|n| fs::read(dir.path().join(n)).unwrap()).collect();
    let problems = match shopper.checkout("alice", &paying(quoted(&seen.items))) {
        Err(ShopError::Checkout(problems)) => problems,
        other => panic!("expected problems, got {other:?}"),
    };
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        text,
        ["Mug: only 1 available (you wanted 3)", "Tea: price changed $3.25 → $3.75", "Pot is no longer sold"]
    );
    let after: Vec<Vec<u8>> =
        ["products.json", "orders.json", "carts.json"].iter().map(|n| fs::read(dir.path().join(n)).unwrap()).collect();
    assert_eq!(before, after, "a refused checkout writes nothing");

    let adjusted = shopper.accept_adjusted_cart("alice").unwrap();
    assert_eq!(
        adjusted.items,
        vec![
            CartLine { product_id: "P1".into(), qty: 1, unit_price: Money::from_cents(450), extra: Default::default() },
            CartLine { product_id: "P2".into(), qty: 1, unit_price: Money::from_cents(375), extra: Default::default() },
        ]
    );
    // A stale view of the cart is refused: the shopper must see what they pay.
    assert!(matches!(
        shopper.checkout("alice", &paying(quoted(&seen.items))),
        Err(ShopError::Checkout(p)) if p == vec![Problem::CartChanged]
    ));
    let order = shopper.checkout("alice", &paying(quoted(&adjusted.items))).unwrap();
    assert_eq!(order.total, Money::from_cents(825 + 500));
    assert_eq!(stock_of(&shopper, "P1"), 0);
}

#[test]
fn cancelling_restores_stock_exactly_once() {
    let dir = temp_dir();
    write_products(dir.path(), &[("P1", "Mug", "4.50", 5)]);
    let mut store = open(dir.path());
    store.register("alice", "s3cret!").unwrap();
    store.register("bob", "s3cret!").unwrap();
    let cart = store.add_to_cart("alice", "P1", 2).unwrap();
    let order = store.checkout("alice", &paying(quoted(&cart.items))).unwrap();
    assert_eq!(stock_of(&store, "P1"), 3);
    assert_eq!(
        store.cancel_order("bob", &order.order_id).unwrap_err().to_string(),
        "You can only cancel your own orders"
    );
    let cancelled = store.cancel_order("alice", &order.order_id).unwrap();
    assert_eq!(cancelled.status, OrderStatus::Cancelled);
    assert_eq!(cancelled.events.last().map(|e| e.by.as_str()), Some("alice"));
    assert_eq!(stock_of(&store, "P1"), 5);
    assert_eq!(
        store.cancel_order("alice", &order.order_id).unwrap_err().to_string(),
        "Order O0001 is already cancelled"
    );
    assert_eq!(stock_of(&open(dir.path()), "P1"), 5);
    assert_eq!(store.cancel_order("alice", "O9999").unwrap_err().to_string(), "Order O9999 does not exist");
}

#[test]
fn customers_cannot_move_orders_but_admins_can() {
    let dir = temp_dir();
    write_products(dir.path(), &[("P1", "Mug", "4.50", 5)]);
    let mut store = open(dir.path());
    store.register("alice", "s3cret!").unwrap();
    store.add_admin("boss", "b0ss-pass").unwrap();
    let cart = store.add_to_cart("alice", "P1", 1).unwrap();
    let order = store.checkout("alice", &paying(quoted(&cart.items))).unwrap();
    assert_eq!(
        store.set_order_status("alice", &order.order_id, OrderStatus::Shipped).unwrap_err().to_string(),
        "Only an admin can do that"
    );
    let shipped = store.set_order_status("boss", &order.order_id, OrderStatus::Shipped).unwrap();
    assert_eq!(shipped.events.last().map(|e| (e.by.as_str(), e.status)), Some(("boss", OrderStatus::Shipped)));
    assert_eq!(
        store.cancel_order("alice", &order.order_id).unwrap_err().to_string(),
        "Order O0001 is shipped; it cannot become cancelled"
    );
    assert!(store.cancel_order("boss", &order.order_id).is_err(), "shipped is past cancelling");
    let cart = store.add_to_cart("alice", "P1", 1).unwrap();
    let second = store.checkout("alice", &paying(quoted(&cart.items))).unwrap();
    store.cancel_order("boss", &second.order_id).unwrap();
    assert_eq!(stock_of(&store, "P1"), 4);
}

#[test]
fn admin_add_creates_or_promotes() {
    use shopfront::shop::AdminOutcome;
    let dir = temp_dir();
    let mut store = open(dir.path());
    store.register("carol", "s3cret!").unwrap();
    assert_eq!(store.add_admin("carol", "").unwrap(), AdminOutcome::Promoted("carol".into()));
    assert!(store.login("carol", "s3cret!").unwrap().is_admin(), "password unchanged by promotion");
    assert_eq!(store.add_admin("carol", "").unwrap(), AdminOutcome::AlreadyAdmin("carol".into()));
    assert_eq!(store.add_admin("root", "toor-pass").unwrap(), AdminOutcome::Created("root".into()));
    assert!(store.login("root", "toor-pass").unwrap().is_admin());
    assert_eq!(store.add_admin("dan", "123").unwrap_err().to_string(), "Password must be at least 6 characters");
}

#[test]
fn order_ids_continue_after_existing_ones() {
    let dir = temp_dir();
    write_products(dir.path(), &[("P1", "Mug", "4.50", 5)]);
    fs::write(
        dir.path().join("orders.json"),
        r#"[{"order_id":"O0041","username":"zed","items":[{"product_id":"P77","qty":1,"unit_price":1}],"total":1,"timestamp":"2026-01-01 10:00:00","status":"delivered"}]"#,
    )
    .unwrap();
    let mut store = open(dir.path());
    store.register("alice", "s3cret!").unwrap();
    let cart = store.add_to_cart("alice", "P1", 1).unwrap();
    assert_eq!(store.checkout("alice", &paying(quoted(&cart.items))).unwrap().order_id, "O0042");
}

#[test]
fn a_cart_naming_a_missing_product_loads_and_checkout_reports_it() {
    let dir = temp_dir();
    write_products(dir.path(), &[("P1", "Mug", "4.50", 5)]);
    let mut store = open(dir.path());
    store.register("alice", "s3cret!").unwrap();
    drop(store);
    fs::write(
        dir.path().join("carts.json"),
        r#"[{"username":"alice","items":[{"product_id":"P404","qty":1,"unit_price":2.5}]}]"#,
    )
    .unwrap();
    let mut store = open(dir.path());
    let cart = store.cart("alice");
    assert!(matches!(
        store.checkout("alice", &paying(quoted(&cart.items))),
        Err(ShopError::Checkout(p)) if p == vec![Problem::Gone { product_id: "P404".into() }]
    ));
    assert!(store.accept_adjusted_cart("alice").unwrap().is_empty());
}

#[test]
fn two_stores_on_one_folder_see_each_others_changes() {
    let dir = temp_dir();
    write_products(dir.path(), &[("P1", "Mug", "4.50", 5), ("P2", "Tea", "3.25", 5)]);
    let mut first = open(dir.path());
    let mut second = open(dir.path());
    first.register("alice", "s3cret!").unwrap();
    second.register("bob", "s3cret!").unwrap();
    first.add_to_cart("alice", "P1", 1).unwrap();
    second.add_to_cart("bob", "P2", 2).unwrap();
    assert!(first.refresh().unwrap());
    assert!(!first.refresh().unwrap(), "nothing new the second time");
    assert_eq!(first.data().users.len(), 2);
    assert_eq!(first.cart("bob").qty_of("P2"), 2);
    // Same-size rewrites (stock 5 -> 4) are still noticed.
    let bobs = second.cart("bob");
    second.checkout("bob", &paying(quoted(&bobs.items))).unwrap();
    first.refresh().unwrap();
    assert_eq!(stock_of(&first, "P2"), 3);
    assert_eq!(first.data().orders.len(), 1);
    let fresh = open(dir.path());
    assert_eq!(fresh.data().users.len(), 2);
    assert_eq!(fresh.cart("alice").qty_of("P1"), 1);
}

#[test]
fn a_complete_journal_is_replayed_and_a_damaged_one_refused_and_kept() {
    let dir = temp_dir();
    write_products(dir.path(), &[("P1", "Mug", "4.50", 5)]);
    let mut store = open(dir.path());
    store.register("alice", "s3cret!").unwrap();
    let cart = store.add_to_cart("alice", "P1", 2).unwrap();
    drop(store);

    // Simulate a crash after the journal was written, before any file was replaced.
    let mut preview = open(dir.path());
    let order = preview.checkout("alice", &paying(quoted(&cart.items))).unwrap();
    let after = fs::read(dir.path().join("orders.json")).unwrap();
    drop(preview);
    let products_after = read(dir.path(), "products.json");
    // Put the old files back and leave only the journal of that checkout.
    write_products(dir.path(), &[("P1", "Mug", "4.50", 5)]);
    fs::remove_file(dir.path().join("orders.json")).unwrap();
    let changes = vec![
        Change::PutProduct(shopfront::domain::Product {
            product_id: "P1".into(),
            name: "Mug".into(),
            price: Money::from_cents(450),
            stock: 3,
            description: None,
            category: Some("Test".into()),
            active: true,
            changed: None,
            extra: Default::default(),
        }),
        Change::PutOrder(order.clone()),
        Change::PutCart(shopfront::domain::Cart::new("alice")),
    ];
    journal::write(dir.path(), &changes).unwrap();
    let store = open(dir.path());
    assert_eq!(stock_of(&store, "P1"), 3);
    assert_eq!(store.data().orders.len(), 1);
    assert!(store.cart("alice").is_empty());
    assert!(!dir.path().join(journal::JOURNAL_FILE).exists());
    assert_eq!(fs::read(dir.path().join("orders.json")).unwrap(), after);
    assert_eq!(read(dir.path(), "products.json"), products_after);
    drop(store);

    // A damaged journal (written atomically, so damaged from outside): the
    // files it names may be half replaced; refused, kept, nothing touched.
    journal::write(dir.path(), &changes).unwrap();
    let path = dir.path().join(journal::JOURNAL_FILE);
    let mut bytes = fs::read(&path).unwrap();
    bytes.truncate(bytes.len() / 2);
    fs::write(&path, &bytes).unwrap();
    let folder_before = folder_snapshot(dir.path());
    let err = Store::open(dir.path()).err().expect("a damaged journal is refused").to_string();
    assert!(err.starts_with("journal.json: is damaged (its checksum does not match)."), "{err}");
    assert_eq!(fs::read(&path).unwrap(), bytes, "kept for inspection");
    assert_eq!(folder_snapshot(dir.path()), folder_before);
    // The same through `check`, which also reports instead of repairing.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_shopfront"))
        .arg("--data-dir")
        .arg(dir.path())
        .arg("check")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: journal.json: is damaged"));

    // A forged journal with a valid checksum but an invalid record: refused the same way.
    let forged = vec![Change::PutCart(shopfront::domain::Cart {
        items: vec![CartLine {
            product_id: "P1".into(),
            qty: 0,
            unit_price: Money::from_cents(450),
            extra: Default::default(),
        }],
        ..shopfront::domain::Cart::new("alice")
    })];
    journal::write(dir.path(), &forged).unwrap();
    let err = Store::open(dir.path()).err().expect("an invalid journal is refused").to_string();
    assert!(
        err.starts_with("journal.json: holds an invalid record (change 1): cart of alice has quantity 0 of P1"),
        "{err}"
    );
    assert!(!read(dir.path(), "carts.json").contains(r#""qty":0"#));
    assert!(path.exists());
}

#[test]
fn unknown_users_and_products_are_refused_by_the_store() {
    let dir = temp_dir();
    write_products(dir.path(), &[("P1", "Mug", "4.50", 5)]);
    let mut store = open(dir.path());
    assert_eq!(store.add_to_cart("ghost", "P1", 1).unwrap_err().to_string(), "No account named ghost");
    store.register("alice", "s3cret!").unwrap();
    assert_eq!(store.add_to_cart("alice", "P9", 1).unwrap_err().to_string(), "Product P9 does not exist");
    assert_eq!(store.add_to_cart("alice", "P1", 0).unwrap_err().to_string(), "Quantity must be at least 1");
    assert_eq!(store.set_cart_qty("alice", "P1", 2).unwrap_err().to_string(), "Mug is not in your cart");
    assert_eq!(store.remove_from_cart("alice", "P1").unwrap_err().to_string(), "P1 is not in your cart");
    store.add_to_cart("alice", "P1", 4).unwrap();
    assert_eq!(
        store.add_to_cart("alice", "P1", 2).unwrap_err().to_string(),
        "Only 5 of Mug available (you already have 4 in your cart)"
    );
    assert_eq!(store.set_cart_qty("alice", "P1", 2).unwrap().qty_of("P1"), 2);
    assert!(store.remove_from_cart("alice", "P1").unwrap().is_empty());
}

/// Cancelling a paid order refunds it through the mock gateway, and the
/// order keeps the refund (amount, reference, who, when) in its payment and
/// events; nothing recorded a refund before. An order no card paid (the
/// old console shop's) is cancelled without a word about money.
#[test]
fn cancelling_a_paid_order_refunds_it_and_records_the_refund() {
    let dir = temp_dir();
    write_products(dir.path(), &[("P1", "Mug", "4.50", 5)]);
    let mut store = open(dir.path());
    store.register("alice", "s3cret!").unwrap();
    let cart = store.add_to_cart("alice", "P1", 2).unwrap();
    let order = store.checkout("alice", &paying(quoted(&cart.items))).unwrap();
    let cancelled = store.cancel_order("alice", &order.order_id).unwrap();
    let currency = store.data().settings.currency();
    assert_eq!(cancelled.cancellation(&currency), "Cancelled — $14.00 refunded to Visa •••• 4242");
    let stored = open(dir.path()).data().orders.get("O0001").cloned().unwrap();
    let payment = stored.payment.as_deref().unwrap();
    let refund = payment.refund.as_ref().expect("the refund is recorded");
    assert_eq!(refund.amount, Money::from_cents(1400));
    assert_eq!(refund.by, "alice");
    assert_eq!(refund.reference, "mock_O0001_4242_refund");
    assert_eq!(refund.at.to_string(), "2026-03-01 12:00:00");
    let last = stored.events.last().unwrap();
    assert_eq!((last.status, last.refunded), (OrderStatus::Cancelled, Some(Money::from_cents(1400))));
    let receipt = shopfront::domain::receipt::render_receipt("Shopfront", &currency, &stored, &|_| None);
    assert!(receipt.contains("Refunded $14.00 to Visa •••• 4242 on 2026-03-01 12:00:00"), "{receipt}");

    let legacy = copy_legacy_fixture(&dir.path().join("legacy"));
    let mut old = open(&legacy);
    let old_order = old.data().orders.rows()[0].clone();
    let admin = old.add_admin("boss", "b0ss-pass").unwrap();
    drop(admin);
    let cancelled = old.cancel_order("boss", &old_order.order_id).unwrap();
    assert_eq!(cancelled.cancellation(&old.data().settings.currency()), "Cancelled");
    assert!(cancelled.events.last().unwrap().refunded.is_none());
}

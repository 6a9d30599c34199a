//! The rules every `Shop` implementation must keep, written against the
//! trait only. `Backend` says how to make a fresh, empty shop and a second
//! handle on the same shop (another process, in the folder's case); a later
//! backend adds its own `Backend` and runs the same suite.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::paying;

use shopfront::domain::{OrderStatus, Problem, ProductDetails, ProductDraft, Role};
use shopfront::shop::{Changed, ErrorKind, FolderShop, Shop, ShopError};
use shopfront::store::LockWait;

trait Backend {
    fn fresh(&self) -> (tempfile::TempDir, Arc<dyn Shop>);
    fn second_handle(&self, dir: &tempfile::TempDir) -> Arc<dyn Shop>;
}

struct Folder;

impl Backend for Folder {
    fn fresh(&self) -> (tempfile::TempDir, Arc<dyn Shop>) {
        let dir = common::temp_dir();
        // An empty catalog, not the demo one: the suite makes its own products.
        std::fs::write(dir.path().join("products.json"), "[]").unwrap();
        let shop = self.second_handle(&dir);
        (dir, shop)
    }

    fn second_handle(&self, dir: &tempfile::TempDir) -> Arc<dyn Shop> {
        let patient = LockWait::Patient { notice: |_| {} };
        FolderShop::open(dir.path(), patient).expect("open folder shop")
    }
}

const BACKENDS: &[&dyn Backend] = &[&Folder];

/// A shop with an admin `boss`, a shopper `alice`, and two products:
/// a mug ($4.50, 5 in stock) and tea ($3.25, 2 in stock).
fn stocked(backend: &dyn Backend) -> (tempfile::TempDir, Arc<dyn Shop>, String, String) {
    let (dir, shop) = backend.fresh();
    shop.add_admin("boss", "b0ss-pass").unwrap();
    shop.register("alice", "s3cret!").unwrap();
    let draft =
        |name: &str, price: &str, stock: &str| ProductDraft::from_input(name, price, stock, "Kitchen", "").unwrap();
    let mug = shop.create_product("boss", draft("Mug", "4.50", "5")).unwrap().product_id;
    let tea = shop.create_product("boss", draft("Tea", "3.25", "2")).unwrap().product_id;
    (dir, shop, mug, tea)
}

#[test]
fn accounts() {
    for backend in BACKENDS {
        let (_dir, shop) = backend.fresh();
        let alice = shop.register("Alice", "s3cret!").unwrap();
        assert_eq!(alice, shopfront::shop::Account { username: "Alice".into(), role: Role::Customer });
        let taken = shop.register("alice", "other-pass").unwrap_err();
        assert_eq!((taken.to_string(), taken.kind()), ("That username is taken".into(), ErrorKind::Refused));
        assert_eq!(shop.register("bo", "s3cret!").unwrap_err().to_string(), "Username must be 3–32 characters");
        assert_eq!(shop.register("bob", "short").unwrap_err().to_string(), "Password must be at least 6 characters");
        assert_eq!(shop.login("ALICE", "s3cret!").unwrap().username, "Alice");
        let wrong = shop.login("alice", "wrong-pass").unwrap_err().to_string();
        let unknown = shop.login("nobody", "s3cret!").unwrap_err().to_string();
        assert_eq!(wrong, unknown, "the same words whether or not the account exists");
        assert_eq!(shop.add_admin("boss", "b0ss-pass").unwrap(), shopfront::shop::AdminOutcome::Created("boss".into()));
        assert_eq!(shop.login("boss", "b0ss-pass").unwrap().role, Role::Admin);
        assert_eq!(
            shop.add_admin("ALICE", "ignored").unwrap(),
            shopfront::shop::AdminOutcome::Promoted("Alice".into())
        );
        assert_eq!(shop.login("alice", "s3cret!").unwrap().role, Role::Admin, "password unchanged");
    }
}

#[test]
fn carts_never_hold_more_than_the_stock() {
    for backend in BACKENDS {
        let (_dir, shop, mug, tea) = stocked(*backend);
        let cart = shop.add_to_cart("alice", &mug, 2).unwrap();
        assert_eq!(cart.qty_of(&mug), 2);
        assert_eq!(shop.cart("alice").unwrap(), cart);
        let err = shop.add_to_cart("alice", &mug, 4).unwrap_err();
        assert_eq!(err.to_string(), "Only 5 of Mug available (you already have 2 in your cart)");
        assert_eq!(err.kind(), ErrorKind::Refused);
        assert_eq!(shop.set_cart_qty("alice", &mug, 5).unwrap().qty_of(&mug), 5);
        assert!(shop.set_cart_qty("alice", &mug, 6).is_err());
        assert_eq!(shop.remove_from_cart("alice", &mug).unwrap().qty_of(&mug), 0);
        assert!(shop.add_to_cart("alice", "P-none", 1).is_err());
        shop.set_product_active("boss", &tea, false).unwrap();
        assert_eq!(shop.add_to_cart("alice", &tea, 1).unwrap_err().to_string(), "Tea is no longer sold");
        assert!(matches!(shop.add_to_cart("ghost", &mug, 1), Err(ShopError::UnknownUser(_))));
    }
}

#[test]
fn checkout_places_exactly_what_was_confirmed() {
    for backend in BACKENDS {
        let (_dir, shop, mug, tea) = stocked(*backend);
        shop.add_to_cart("alice", &mug, 2).unwrap();
        shop.add_to_cart("alice", &tea, 1).unwrap();
        let order = shop.checkout("alice", &paying(shop.quote("alice", None).unwrap())).unwrap();
        assert_eq!(order.total.cents(), 2 * 450 + 325 + 500, "items and $5.00 shipping");
        assert_eq!(order.status, OrderStatus::Paid);
        assert!(shop.cart("alice").unwrap().is_empty());
        assert_eq!(shop.catalog().get(&mug).unwrap().stock, 3);
        assert_eq!(shop.orders_of("alice").unwrap(), vec![order.clone()]);

        // A cart changed since the shopper confirmed it: nothing placed.
        shop.add_to_cart("alice", &mug, 1).unwrap();
        let seen = paying(shop.quote("alice", None).unwrap());
        shop.add_to_cart("alice", &mug, 1).unwrap();
        assert!(
            matches!(shop.checkout("alice", &seen), Err(ShopError::Checkout(p)) if p == vec![Problem::CartChanged])
        );

        // A price change meanwhile: listed, nothing placed; accepted, it goes through.
        let seen_details = shop.catalog().get(&mug).unwrap().details();
        let dearer = ProductDetails { price: "5.00".parse().unwrap(), ..seen_details.clone() };
        shop.update_product("boss", &mug, &seen_details, dearer).unwrap();

        let Err(ShopError::Checkout(problems)) = shop.checkout("alice", &paying(shop.quote("alice", None).unwrap()))
        else {
            panic!("must refuse")
        };
        assert!(matches!(problems[0], Problem::PriceChanged { .. }), "{problems:?}");
        assert_eq!(shop.orders_of("alice").unwrap().len(), 1);
        shop.accept_adjusted_cart("alice").unwrap();
        let second = shop.checkout("alice", &paying(shop.quote("alice", None).unwrap())).unwrap();
        assert_eq!(second.total.cents(), 2 * 500 + 500, "two at the new price and shipping");
        assert_eq!(shop.orders_of("alice").unwrap()[0].order_id, second.order_id, "newest first");
    }
}

#[test]
fn order_lifecycle_and_who_may_move_it() {
    for backend in BACKENDS {
        let (_dir, shop, mug, _) = stocked(*backend);
        shop.add_to_cart("alice", &mug, 2).unwrap();
        let order = shop.checkout("alice", &paying(shop.quote("alice", None).unwrap())).unwrap();
        // Paid on placing: `placed` then `paid` by the payment.
        assert_eq!(order.status, OrderStatus::Paid);
        let refused = shop.set_order_status("alice", &order.order_id, OrderStatus::Shipped, None).unwrap_err();
        assert_eq!(refused.to_string(), "Only an admin can do that");
        assert!(matches!(shop.all_orders("alice"), Err(ShopError::NotAdmin)));
        assert_eq!(shop.all_orders("boss").unwrap().get(&order.order_id), Some(&order));
        // A shopper may cancel a paid order before it ships (refunded).
        let second = {
            shop.add_to_cart("alice", &mug, 1).unwrap();
            shop.checkout("alice", &paying(shop.quote("alice", None).unwrap())).unwrap()
        };
        assert_eq!(shop.cancel_order("alice", &second.order_id).unwrap().status, OrderStatus::Cancelled);
        let shipped =
            shop.set_order_status("boss", &order.order_id, OrderStatus::Shipped, Some(" 1Z999AA10123456784 ")).unwrap();
        assert_eq!(shipped.tracking.as_deref(), Some("1Z999AA10123456784"));
        assert!(shop.cancel_order("alice", &order.order_id).is_err(), "a shipped order cannot be cancelled");
        assert!(shop.cancel_order("boss", &order.order_id).is_err());
        assert_eq!(shop.catalog().get(&mug).unwrap().stock, 3, "the cancelled order's unit came back, once");
        let events: Vec<_> = shop.all_orders("boss").unwrap().get(&order.order_id).unwrap().events.clone();
        assert_eq!(events.iter().map(|e| e.by.as_str()).collect::<Vec<_>>(), ["alice", "payment", "boss"]);
        assert_eq!(
            events.iter().map(|e| e.status).collect::<Vec<_>>(),
            [OrderStatus::Placed, OrderStatus::Paid, OrderStatus::Shipped]
        );
        let receipt = shop.write_receipt("alice", &order.order_id).unwrap();
        assert!(std::fs::read_to_string(receipt).unwrap().contains(&order.order_id));
    }
}

#[test]
fn admin_catalog_rules() {
    for backend in BACKENDS {
        let (_dir, shop, mug, tea) = stocked(*backend);
        let draft = ProductDraft::from_input("Fan", "19.99", "3", "", "").unwrap();
        assert!(matches!(shop.create_product("alice", draft.clone()), Err(ShopError::NotAdmin)));
        let seen = shop.catalog().get(&mug).unwrap().details();
        shop.add_to_cart("alice", &mug, 2).unwrap();
        shop.checkout("alice", &paying(shop.quote("alice", None).unwrap())).unwrap();
        let renamed = ProductDetails { name: "Big Mug".into(), ..seen.clone() };
        let saved = shop.update_product("boss", &mug, &seen, renamed).unwrap();
        assert_eq!((saved.name.as_str(), saved.stock), ("Big Mug", 3), "an edit keeps the sales made meanwhile");
        assert_eq!(shop.change_stock("boss", &mug, -3).unwrap().stock, 0);
        assert!(shop.change_stock("boss", &mug, -1).is_err());
        let err = shop.delete_product("boss", &mug).unwrap_err().to_string();
        assert!(err.contains("is in past orders"), "{err}");
        shop.add_to_cart("alice", &tea, 1).unwrap();
        shop.delete_product("boss", &tea).unwrap();
        assert!(!shop.catalog().contains(&tea));
        assert_eq!(shop.cart("alice").unwrap().qty_of(&tea), 0, "taken out of carts too");
    }
}

#[test]
fn subscribers_hear_of_changes_and_snapshots_are_shared() {
    for backend in BACKENDS {
        let (dir, shop, mug, _) = stocked(*backend);
        let first = shop.catalog();
        assert!(Arc::ptr_eq(&first, &shop.catalog()), "one snapshot until something changes");
        let notices = shop.subscribe();
        shop.add_to_cart("alice", &mug, 1).unwrap();
        let heard = notices.recv_timeout(Duration::from_secs(1)).expect("a notice");
        assert_eq!(heard, Changed { carts: true, ..Changed::default() });
        assert!(Arc::ptr_eq(&first, &shop.catalog()), "a cart change keeps the catalog");

        // Another handle's change (another process, for a folder).
        let other = backend.second_handle(&dir);
        other.change_stock("boss", &mug, 10).unwrap();
        shop.refresh().unwrap();
        let heard = notices.recv_timeout(Duration::from_secs(1)).expect("a notice");
        assert!(heard.catalog, "{heard:?}");
        assert_eq!(shop.catalog().get(&mug).unwrap().stock, 15);
        assert!(Arc::ptr_eq(first.search_text(), shop.catalog().search_text()), "stock keeps the search text");
    }
}

#[test]
fn two_handles_never_oversell() {
    for backend in BACKENDS {
        let (dir, shop, _, tea) = stocked(*backend);
        let other = backend.second_handle(&dir);
        for name in ["ann", "ben", "cat", "dan"] {
            shop.register(name, "s3cret!").unwrap();
        }
        let buyers: Vec<_> = ["ann", "ben", "cat", "dan"]
            .into_iter()
            .enumerate()
            .map(|(i, name)| {
                let handle = if i % 2 == 0 { Arc::clone(&shop) } else { Arc::clone(&other) };
                let tea = tea.clone();
                std::thread::spawn(move || {
                    if handle.add_to_cart(name, &tea, 1).is_err() {
                        return 0;
                    }
                    match handle.checkout(name, &paying(handle.quote(name, None).unwrap())) {
                        Ok(_) => 1,
                        Err(ShopError::Checkout(_)) => 0,
                        Err(e) => panic!("{e}"),
                    }
                })
            })
            .collect();
        let sold: u32 = buyers.into_iter().map(|b| b.join().unwrap()).sum();
        assert_eq!(sold, 2, "exactly the two teas in stock");
        shop.refresh().unwrap();
        assert_eq!(shop.catalog().get(&tea).unwrap().stock, 0);
        assert_eq!(shop.all_orders("boss").unwrap().len(), 2);
    }
}

/// Many sessions (apps) on one shop hold one catalog and one search text.
#[test]
fn fifty_sessions_share_one_catalog() {
    let dir = common::temp_dir();
    let shop = FolderShop::open(dir.path(), LockWait::Impatient).unwrap();
    let apps: Vec<shopfront::app::App> =
        (0..50).map(|_| shopfront::app::App::new(shop.clone(), ratatui::layout::Rect::new(0, 0, 80, 24))).collect();
    let catalog = shop.catalog();
    for app in &apps {
        assert!(Arc::ptr_eq(app.catalog_snapshot(), &catalog));
        assert!(Arc::ptr_eq(app.catalog_snapshot().search_text(), catalog.search_text()));
    }
    // After a change, every session that takes the new snapshot shares it again.
    let draft = ProductDraft::from_input("Fan", "19.99", "3", "", "").unwrap();
    shop.add_admin("boss", "b0ss-pass").unwrap();
    shop.create_product("boss", draft).unwrap();
    let mut apps = apps;
    for app in &mut apps {
        app.update(shopfront::app::Action::Tick);
    }
    let newest = shop.catalog();
    assert!(!Arc::ptr_eq(&newest, &catalog));
    assert!(apps.iter().all(|app| Arc::ptr_eq(app.catalog_snapshot(), &newest)));
}

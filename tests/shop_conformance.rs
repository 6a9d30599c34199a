//! Every rule of the shop, checked through the service (`ShopService`)
//! over each storage backend: `shop_suite!` is instantiated once per
//! backend (`json_folder::…` today). `Backend` says how to make a fresh,
//! empty shop and a second handle on the same shop (another process, in the
//! folder's case); a later backend adds its own `Backend` and one
//! `shop_suite!` line.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::paying;

use shopfront::domain::{OrderError, OrderStatus, Problem, ProductDetails, ProductDraft, Role, Settings};
use shopfront::shop::{Account, Changed, ErrorKind, KeyLogin, ShopError, ShopService, Whose};
use shopfront::store::LockWait;

trait Backend {
    fn fresh(&self) -> (tempfile::TempDir, Arc<ShopService>);
    fn second_handle(&self, dir: &tempfile::TempDir) -> Arc<ShopService>;
}

struct Folder;

impl Backend for Folder {
    fn fresh(&self) -> (tempfile::TempDir, Arc<ShopService>) {
        let dir = common::temp_dir();
        // An empty catalog, not the demo one: the suite makes its own products.
        std::fs::write(dir.path().join("products.json"), "[]").unwrap();
        let shop = self.second_handle(&dir);
        (dir, shop)
    }

    fn second_handle(&self, dir: &tempfile::TempDir) -> Arc<ShopService> {
        let patient = LockWait::Patient { notice: |_| {} };
        ShopService::open_folder(dir.path(), patient).expect("open folder shop")
    }
}

/// An SQLite database in a temporary directory, empty to start; a second
/// handle is another `SqliteRepo` on the same file, as another process's.
struct Sqlite;

impl Sqlite {
    fn database(dir: &tempfile::TempDir) -> std::path::PathBuf {
        dir.path().join("shop.db")
    }
}

impl Backend for Sqlite {
    fn fresh(&self) -> (tempfile::TempDir, Arc<ShopService>) {
        let dir = common::temp_dir();
        let shop = self.second_handle(&dir);
        (dir, shop)
    }

    fn second_handle(&self, dir: &tempfile::TempDir) -> Arc<ShopService> {
        let repo = shopfront::repo::sqlite::SqliteRepo::open(&Sqlite::database(dir)).expect("open the database");
        ShopService::new(Arc::new(repo), shopfront::clock::now).expect("a shop over the database")
    }
}

/// A database of its own on the server `SHOPFRONT_TEST_PG` names for each
/// shop a test makes (the temporary folder `fresh` gives names it), empty
/// to start and dropped once the test and every shop on it are done; a
/// second handle is another `PgRepo` on it (its own pool), as another
/// machine's. Without the variable the tests say they are skipped (and
/// fail in CI, where `SHOPFRONT_CI` is set).
struct Postgres {
    server: String,
    made: std::sync::Mutex<Vec<(std::path::PathBuf, Arc<TestDatabase>)>>,
}

use shopfront::repo::postgres::testing::{TestDatabase, TestRepo};

impl Postgres {
    fn new() -> Option<Postgres> {
        let test = std::thread::current().name().unwrap_or("a postgres test").to_string();
        let server = shopfront::repo::postgres::testing::server(&test)?;
        Some(Postgres { server, made: Default::default() })
    }
}

impl Backend for Postgres {
    fn fresh(&self) -> (tempfile::TempDir, Arc<ShopService>) {
        let dir = common::temp_dir();
        let database = Arc::new(TestDatabase::create_on(&self.server));
        self.made.lock().unwrap().push((dir.path().to_path_buf(), database));
        let shop = self.second_handle(&dir);
        (dir, shop)
    }

    fn second_handle(&self, dir: &tempfile::TempDir) -> Arc<ShopService> {
        let made = self.made.lock().unwrap();
        let (_, database) = made.iter().find(|(path, _)| path == dir.path()).expect("a shop made by fresh");
        ShopService::new(Arc::new(TestRepo::open(database)), shopfront::clock::now).expect("a shop over the database")
    }
}

/// The sessions of `stocked`'s shopper and admin, logged in.
fn sessions(shop: &ShopService) -> (Account, Account) {
    (shop.login("alice", "s3cret!").unwrap(), shop.login("boss", "b0ss-pass").unwrap())
}

/// A shop with an admin `boss`, a shopper `alice`, and two products:
/// a mug ($4.50, 5 in stock) and tea ($3.25, 2 in stock).
fn stocked(backend: &dyn Backend) -> (tempfile::TempDir, Arc<ShopService>, String, String) {
    let (dir, shop) = backend.fresh();
    shop.add_admin(&shop.owner_at_machine(), "boss", "b0ss-pass").unwrap();
    let boss = shop.login("boss", "b0ss-pass").unwrap();
    shop.register("alice", "s3cret!").unwrap();
    let draft = |name: &str, price: &str, stock: &str| {
        ProductDraft::from_input(name, price, stock, "Kitchen", "", &shop.settings().currency()).unwrap()
    };
    let mug = shop.create_product(&boss, draft("Mug", "4.50", "5")).unwrap().product_id;
    let tea = shop.create_product(&boss, draft("Tea", "3.25", "2")).unwrap().product_id;
    (dir, shop, mug, tea)
}

/// The suite, once per backend: `shop_suite!(name, backend)` where
/// `backend` makes an `Option` of a `Backend` (`None`: the test is
/// skipped, having said why); the tests are `name::…`.
macro_rules! shop_suite {
    ($name:ident, $backend:expr) => {
        mod $name {
            use super::*;

            /// `None`: this test is skipped (it said why).
            fn backend() -> Option<impl Backend> {
                $backend
            }

        #[test]
        fn accounts() {
            let Some(backend) = &backend() else { return };
            let (_dir, shop) = backend.fresh();
            let alice = shop.register("Alice", "s3cret!").unwrap();
            assert_eq!((alice.username(), alice.role()), ("Alice", Role::Customer));
            let taken = shop.register("alice", "other-pass").unwrap_err();
            assert_eq!((taken.to_string(), taken.kind()), ("That username is taken".into(), ErrorKind::Refused));
            assert_eq!(shop.register("bo", "s3cret!").unwrap_err().to_string(), "Username must be 3–32 characters");
            assert_eq!(shop.register("bob", "short").unwrap_err().to_string(), "Password must be at least 6 characters");
            assert_eq!(shop.login("ALICE", "s3cret!").unwrap().username(), "Alice");
            let wrong = shop.login("alice", "wrong-pass").unwrap_err().to_string();
            let unknown = shop.login("nobody", "s3cret!").unwrap_err().to_string();
            assert_eq!(wrong, unknown, "the same words whether or not the account exists");
            assert_eq!(
                shop.add_admin(&shop.owner_at_machine(), "boss", "b0ss-pass").unwrap(),
                shopfront::shop::AdminOutcome::Created("boss".into())
            );
            assert_eq!(shop.login("boss", "b0ss-pass").unwrap().role(), Role::Admin);
            assert_eq!(
                shop.add_admin(&shop.owner_at_machine(), "ALICE", "ignored").unwrap(),
                shopfront::shop::AdminOutcome::Promoted("Alice".into())
            );
            assert_eq!(shop.login("alice", "s3cret!").unwrap().role(), Role::Admin, "password unchanged");
        }

        /// A linked SSH key logs a shopper in; an admin's key only names the
        /// account (a fingerprint is no secret), and no admin session comes of it.
        #[test]
        fn an_ssh_key_opens_a_shoppers_account_and_never_an_admins() {
            let Some(backend) = &backend() else { return };
            let (_dir, shop, mug, _) = stocked(backend);
            let (alice, boss) = sessions(&*shop);
            let (alice_key, boss_key) = (
                "SHA256:aliceaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                "SHA256:bossbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
            );
            shop.link_key(&alice, alice_key).unwrap();
            shop.link_key(&boss, boss_key).unwrap();
            let Some(KeyLogin::Shopper(by_key)) = shop.key_login(alice_key).unwrap() else {
                panic!("alice's key logs her in")
            };
            assert_eq!((by_key.username(), by_key.role()), ("alice", Role::Customer));
            assert_eq!(shop.add_to_cart(&by_key, &mug, 1).unwrap().qty_of(&mug), 1);
            assert_eq!(shop.key_login(boss_key).unwrap(), Some(KeyLogin::AdminNeedsPassword("boss".into())));
            assert_eq!(shop.key_login("SHA256:nobodynnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn").unwrap(), None);
            // Promoted after linking: the key no longer opens the account.
            shop.add_admin(&shop.owner_at_machine(), "alice", "ignored").unwrap();
            assert_eq!(shop.key_login(alice_key).unwrap(), Some(KeyLogin::AdminNeedsPassword("alice".into())));
        }

        #[test]
        fn carts_never_hold_more_than_the_stock() {
            let Some(backend) = &backend() else { return };
            let (_dir, shop, mug, tea) = stocked(backend);
            let (alice, boss) = sessions(&*shop);
            let cart = shop.add_to_cart(&alice, &mug, 2).unwrap();
            assert_eq!(cart.qty_of(&mug), 2);
            assert_eq!(shop.cart(&alice).unwrap(), cart);
            let err = shop.add_to_cart(&alice, &mug, 4).unwrap_err();
            assert_eq!(err.to_string(), "Only 5 of Mug available (you already have 2 in your cart)");
            assert_eq!(err.kind(), ErrorKind::Refused);
            assert_eq!(shop.set_cart_qty(&alice, &mug, 5).unwrap().qty_of(&mug), 5);
            assert!(shop.set_cart_qty(&alice, &mug, 6).is_err());
            assert_eq!(shop.remove_from_cart(&alice, &mug).unwrap().qty_of(&mug), 0);
            assert!(shop.add_to_cart(&alice, "P-none", 1).is_err());
            shop.set_product_active(&boss, &tea, false).unwrap();
            assert_eq!(shop.add_to_cart(&alice, &tea, 1).unwrap_err().to_string(), "Tea is no longer sold");
            // A session is good only where its account exists.
            let (_elsewhere, other_shop) = backend.fresh();
            let ghost = other_shop.register("ghost", "s3cret!").unwrap();
            assert!(matches!(shop.add_to_cart(&ghost, &mug, 1), Err(ShopError::UnknownUser(_))));
            // Only the owner at the machine makes admins; an admin's session cannot.
            assert!(matches!(shop.add_admin(&boss, "mallory", "s3cret!"), Err(ShopError::NotAdmin)));
            assert!(matches!(shop.add_admin(&alice, "mallory", "s3cret!"), Err(ShopError::NotAdmin)));
        }

        #[test]
        fn checkout_places_exactly_what_was_confirmed() {
            let Some(backend) = &backend() else { return };
            let (_dir, shop, mug, tea) = stocked(backend);
            let (alice, boss) = sessions(&*shop);
            shop.add_to_cart(&alice, &mug, 2).unwrap();
            shop.add_to_cart(&alice, &tea, 1).unwrap();
            let order = shop.checkout(&alice, &paying(shop.quote(&alice, None).unwrap())).unwrap();
            assert_eq!(order.total.cents(), 2 * 450 + 325 + 500, "items and $5.00 shipping");
            assert_eq!(order.status, OrderStatus::Paid);
            assert!(shop.cart(&alice).unwrap().is_empty());
            assert_eq!(shop.catalog().get(&mug).unwrap().stock, 3);
            assert_eq!(shop.orders_of(&alice).unwrap(), vec![order.clone()]);

            // A cart changed since the shopper confirmed it: nothing placed.
            shop.add_to_cart(&alice, &mug, 1).unwrap();
            let seen = paying(shop.quote(&alice, None).unwrap());
            shop.add_to_cart(&alice, &mug, 1).unwrap();
            assert!(matches!(shop.checkout(&alice, &seen), Err(ShopError::Checkout(p)) if p == vec![Problem::CartChanged]));

            // A price change meanwhile: listed, nothing placed; accepted, it goes through.
            let seen_details = shop.catalog().get(&mug).unwrap().details();
            let dearer = ProductDetails { price: "5.00".parse().unwrap(), ..seen_details.clone() };
            shop.update_product(&boss, &mug, &seen_details, dearer).unwrap();

            let Err(ShopError::Checkout(problems)) = shop.checkout(&alice, &paying(shop.quote(&alice, None).unwrap()))
            else {
                panic!("must refuse")
            };
            assert!(matches!(problems[0], Problem::PriceChanged { .. }), "{problems:?}");
            assert_eq!(shop.orders_of(&alice).unwrap().len(), 1);
            shop.accept_adjusted_cart(&alice).unwrap();
            let second = shop.checkout(&alice, &paying(shop.quote(&alice, None).unwrap())).unwrap();
            assert_eq!(second.total.cents(), 2 * 500 + 500, "two at the new price and shipping");
            assert_eq!(shop.orders_of(&alice).unwrap()[0].order_id, second.order_id, "newest first");
        }

        /// A checkout retried with its key (its answer was lost) finds the order
        /// it placed: one order, one charge, the stock taken once — from another
        /// handle too. A new checkout gets a new key.
        #[test]
        fn a_checkout_retried_with_its_key_is_placed_once() {
            let Some(backend) = &backend() else { return };
            let (dir, shop, mug, _) = stocked(backend);
            let (alice, _) = sessions(&*shop);
            shop.add_to_cart(&alice, &mug, 2).unwrap();
            let profile = shop.profile(&alice).unwrap();
            assert_eq!(profile.checkout_key.len(), 32);
            let mut request = paying(shop.quote(&alice, None).unwrap());
            request.key = profile.checkout_key.clone();
            let placed = shop.checkout(&alice, &request).unwrap();
            let again = shop.checkout(&alice, &request).unwrap();
            let other = backend.second_handle(&dir);
            let from_elsewhere = other.checkout(&alice, &request).unwrap();
            assert_eq!((&again, &from_elsewhere), (&placed, &placed));
            assert_eq!(shop.orders_of(&alice).unwrap().len(), 1);
            assert_eq!(shop.catalog().get(&mug).unwrap().stock, 3, "taken once");
            // Someone else's key is not theirs to find.
            let bob = shop.register("bob", "b0b-pass").unwrap();
            shop.add_to_cart(&bob, &mug, 1).unwrap();
            let mut bobs = paying(shop.quote(&bob, None).unwrap());
            bobs.key = profile.checkout_key.clone();
            assert_ne!(shop.checkout(&bob, &bobs).unwrap().order_id, placed.order_id);
            assert_ne!(shop.profile(&alice).unwrap().checkout_key, profile.checkout_key, "a new checkout, a new key");
        }

        /// Failed logins slow the next ones from the same address (after three
        /// free tries), without holding back the account's owner elsewhere; a
        /// success is not slowed. Part of the service, whatever the backend.
        #[test]
        fn failed_logins_are_slowed() {
            let Some(backend) = &backend() else { return };
            let (_dir, shop) = backend.fresh();
            shop.register("alice", "s3cret!").unwrap();
            assert_eq!(shop.login_wait("203.0.113.7", "alice"), Duration::ZERO);
            for _ in 0..3 {
                let refused = shop.login_from("203.0.113.7", "alice", "guess-pass").unwrap_err();
                assert!(matches!(refused, ShopError::BadCredentials));
            }
            let wait = shop.login_wait("203.0.113.7", "alice");
            assert!(wait >= Duration::from_secs(1), "the fourth guess waits: {wait:?}");
            assert!(shop.login_wait("203.0.113.7", "nobody") >= Duration::from_secs(1), "the address, any name");
            assert_eq!(shop.login_wait("198.51.100.1", "alice"), Duration::ZERO, "the owner elsewhere is not held back");
            assert_eq!(shop.login_from("198.51.100.1", "alice", "s3cret!").unwrap().username(), "alice");
        }

        #[test]
        fn order_lifecycle_and_who_may_move_it() {
            let Some(backend) = &backend() else { return };
            let (_dir, shop, mug, _) = stocked(backend);
            let (alice, boss) = sessions(&*shop);
            shop.add_to_cart(&alice, &mug, 2).unwrap();
            let order = shop.checkout(&alice, &paying(shop.quote(&alice, None).unwrap())).unwrap();
            // Paid on placing: `placed` then `paid` by the payment.
            assert_eq!(order.status, OrderStatus::Paid);
            let refused = shop.set_order_status(&alice, &order.order_id, OrderStatus::Shipped, None).unwrap_err();
            assert_eq!(refused.to_string(), "Only an admin can do that");
            assert!(matches!(shop.all_orders(&alice), Err(ShopError::NotAdmin)));
            assert_eq!(shop.all_orders(&boss).unwrap().get(&order.order_id), Some(&order));
            // A shopper may cancel a paid order before it ships (refunded).
            let second = {
                shop.add_to_cart(&alice, &mug, 1).unwrap();
                shop.checkout(&alice, &paying(shop.quote(&alice, None).unwrap())).unwrap()
            };
            assert_eq!(shop.cancel_order(&alice, &second.order_id).unwrap().status, OrderStatus::Cancelled);
            let shipped =
                shop.set_order_status(&boss, &order.order_id, OrderStatus::Shipped, Some(" 1Z999AA10123456784 ")).unwrap();
            assert_eq!(shipped.tracking.as_deref(), Some("1Z999AA10123456784"));
            assert!(shop.cancel_order(&alice, &order.order_id).is_err(), "a shipped order cannot be cancelled");
            assert!(shop.cancel_order(&boss, &order.order_id).is_err());
            assert_eq!(shop.catalog().get(&mug).unwrap().stock, 3, "the cancelled order's unit came back, once");
            let events: Vec<_> = shop.all_orders(&boss).unwrap().get(&order.order_id).unwrap().events.clone();
            assert_eq!(events.iter().map(|e| e.by.as_str()).collect::<Vec<_>>(), ["alice", "payment", "boss"]);
            assert_eq!(
                events.iter().map(|e| e.status).collect::<Vec<_>>(),
                [OrderStatus::Placed, OrderStatus::Paid, OrderStatus::Shipped]
            );
            let receipt = shop.receipt(&alice, &order.order_id).unwrap();
            assert!(receipt.contains(&order.order_id) && receipt.contains("Mug"), "{receipt}");
            let bob = shop.register("bob", "b0b-pass").unwrap();
            assert!(shop.receipt(&bob, &order.order_id).is_err(), "another shopper's receipt is refused");
            assert!(shop.receipt(&boss, &order.order_id).is_ok(), "an admin reads any");
        }

        /// Every admin change records the admin's account; the owner at
        /// the machine records itself, never a name a caller gave.
        #[test]
        fn who_acted_is_recorded() {
            let Some(backend) = &backend() else { return };
            let (_dir, shop, mug, _tea) = stocked(backend);
            let (_alice, boss) = sessions(&*shop);
            let by = |product: &str| shop.catalog().get(product).and_then(|p| p.changed.clone()).map(|c| c.by);
            assert_eq!(by(&mug).as_deref(), Some("boss"), "created by boss");
            shop.register("carol", "c4rol-pass").unwrap();
            shop.add_admin(&shop.owner_at_machine(), "carol", "").unwrap();
            let carol = shop.login("carol", "c4rol-pass").unwrap();
            shop.change_stock(&carol, &mug, 4).unwrap();
            assert_eq!(by(&mug).as_deref(), Some("carol"));
            shop.set_product_active(&boss, &mug, false).unwrap();
            assert_eq!(by(&mug).as_deref(), Some("boss"));
            let code = serde_json::from_str(r#"{"code": "TEN", "kind": "percent", "value": 10}"#).unwrap();
            shop.save_discount(&carol, None, code).unwrap();
            shop.set_discount_active(&boss, "TEN", false).unwrap();
            let codes = shop.discounts(&boss).unwrap();
            assert_eq!(codes[0].0.changed.as_ref().map(|c| c.by.as_str()), Some("boss"));
            shop.change_settings(&shop.owner_at_machine(), |s| Ok(s.clone())).unwrap();
            let changed = shop.settings().changed.clone().expect("settings changed");
            assert_eq!(changed.by, "owner (command line)");
            // A shopper's purchase is not an admin change: the stamp stays.
            let before = shop.catalog().get(&mug).unwrap().changed.clone();
            shop.set_product_active(&boss, &mug, true).unwrap();
            let alice = shop.login("alice", "s3cret!").unwrap();
            shop.add_to_cart(&alice, &mug, 1).unwrap();
            shop.checkout(&alice, &paying(shop.quote(&alice, None).unwrap())).unwrap();
            assert_eq!(shop.catalog().get(&mug).unwrap().changed.as_ref().map(|c| c.by.as_str()), Some("boss"));
            assert!(before.is_some());
        }

        #[test]
        fn admin_catalog_rules() {
            let Some(backend) = &backend() else { return };
            let (_dir, shop, mug, tea) = stocked(backend);
            let (alice, boss) = sessions(&*shop);
            let draft = ProductDraft::from_input("Fan", "19.99", "3", "", "", &shop.settings().currency()).unwrap();
            assert!(matches!(shop.create_product(&alice, draft.clone()), Err(ShopError::NotAdmin)));
            let seen = shop.catalog().get(&mug).unwrap().details();
            shop.add_to_cart(&alice, &mug, 2).unwrap();
            shop.checkout(&alice, &paying(shop.quote(&alice, None).unwrap())).unwrap();
            let renamed = ProductDetails { name: "Big Mug".into(), ..seen.clone() };
            let saved = shop.update_product(&boss, &mug, &seen, renamed).unwrap();
            assert_eq!((saved.name.as_str(), saved.stock), ("Big Mug", 3), "an edit keeps the sales made meanwhile");
            assert_eq!(shop.change_stock(&boss, &mug, -3).unwrap().stock, 0);
            assert!(shop.change_stock(&boss, &mug, -1).is_err());
            let err = shop.delete_product(&boss, &mug).unwrap_err().to_string();
            assert!(err.contains("is in past orders"), "{err}");
            shop.add_to_cart(&alice, &tea, 1).unwrap();
            shop.delete_product(&boss, &tea).unwrap();
            assert!(!shop.catalog().contains(&tea));
            assert_eq!(shop.cart(&alice).unwrap().qty_of(&tea), 0, "taken out of carts too");
        }

        #[test]
        fn subscribers_hear_of_changes_and_snapshots_are_shared() {
            let Some(backend) = &backend() else { return };
            let (dir, shop, mug, _) = stocked(backend);
            let (alice, boss) = sessions(&*shop);
            let first = shop.catalog();
            assert!(Arc::ptr_eq(&first, &shop.catalog()), "one snapshot until something changes");
            let notices = shop.subscribe();
            shop.add_to_cart(&alice, &mug, 1).unwrap();
            let heard = notices.recv_timeout(Duration::from_secs(1)).expect("a notice");
            let alices = Whose::These(["alice".to_string()].into());
            assert_eq!(heard, Changed { carts: alices.clone(), ..Changed::default() });
            assert!(heard.carts.includes("Alice") && !heard.carts.includes("bob"), "whose cart, not just 'a cart'");
            assert!(Arc::ptr_eq(&first, &shop.catalog()), "a cart change keeps the catalog");
            // An order names its owner: other shoppers' sessions need not re-read theirs.
            pay(&*shop, &alice, None, common::TEST_CARD).unwrap();
            let heard = notices.recv_timeout(Duration::from_secs(1)).expect("a notice");
            assert_eq!((&heard.orders, &heard.carts), (&alices, &alices));
            assert!(heard.catalog, "the stock it took");

            // Another handle's change (another process, for a folder).
            let other = backend.second_handle(&dir);
            other.change_stock(&boss, &mug, 10).unwrap();
            shop.refresh().unwrap();
            let heard = notices.recv_timeout(Duration::from_secs(1)).expect("a notice");
            assert!(heard.catalog, "{heard:?}");
            assert_eq!(shop.catalog().get(&mug).unwrap().stock, 14);
            assert!(Arc::ptr_eq(first.search_text(), shop.catalog().search_text()), "stock keeps the search text");
        }

        #[test]
        fn two_handles_never_oversell() {
            let Some(backend) = &backend() else { return };
            let (dir, shop, _, tea) = stocked(backend);
            let (_, boss) = sessions(&*shop);
            let other = backend.second_handle(&dir);
            let buyers: Vec<Account> =
                ["ann", "ben", "cat", "dan"].into_iter().map(|name| shop.register(name, "s3cret!").unwrap()).collect();
            let buyers: Vec<_> = buyers
                .into_iter()
                .enumerate()
                .map(|(i, buyer)| {
                    let handle = if i % 2 == 0 { Arc::clone(&shop) } else { Arc::clone(&other) };
                    let tea = tea.clone();
                    std::thread::spawn(move || {
                        if handle.add_to_cart(&buyer, &tea, 1).is_err() {
                            return 0;
                        }
                        match handle.checkout(&buyer, &paying(handle.quote(&buyer, None).unwrap())) {
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
            assert_eq!(shop.all_orders(&boss).unwrap().len(), 2);
        }

        /// Many sessions (apps) on one shop hold one catalog and one search text.
        #[test]
        fn fifty_sessions_share_one_catalog() {
            let Some(backend) = backend() else { return };
            let (_dir, shop) = backend.fresh();
            let apps: Vec<shopfront::app::App> =
                (0..50).map(|_| shopfront::app::App::new(shop.clone(), ratatui::layout::Rect::new(0, 0, 80, 24))).collect();
            let catalog = shop.catalog();
            for app in &apps {
                assert!(Arc::ptr_eq(app.catalog_snapshot(), &catalog));
                assert!(Arc::ptr_eq(app.catalog_snapshot().search_text(), catalog.search_text()));
            }
            // After a change, every session that takes the new snapshot shares it again.
            let draft = ProductDraft::from_input("Fan", "19.99", "3", "", "", &shop.settings().currency()).unwrap();
            shop.add_admin(&shop.owner_at_machine(), "boss", "b0ss-pass").unwrap();
            let boss = shop.login("boss", "b0ss-pass").unwrap();
            shop.create_product(&boss, draft).unwrap();
            let mut apps = apps;
            for app in &mut apps {
                app.update(shopfront::app::Action::Tick);
            }
            let newest = shop.catalog();
            assert!(!Arc::ptr_eq(&newest, &catalog));
            assert!(apps.iter().all(|app| Arc::ptr_eq(app.catalog_snapshot(), &newest)));
        }

        fn code(text: &str) -> shopfront::domain::Discount {
            serde_json::from_str(text).expect("a discount record")
        }

        /// Paying for `who`'s cart as quoted with `code`, with the card `number`.
        fn pay(
            shop: &ShopService,
            who: &Account,
            code: Option<&str>,
            number: &str,
        ) -> Result<shopfront::domain::Order, ShopError> {
            let mut request = paying(shop.quote(who, code)?);
            request.code = code.map(str::to_string);
            request.payment =
                shopfront::domain::checkout::PaymentChoice::NewCard { card: common::card(number), remember: false };
            shop.checkout(who, &request)
        }

        #[test]
        fn the_worked_example_through_the_shop() {
            let Some(backend) = &backend() else { return };
            let (_dir, shop, _, _) = stocked(backend);
            let (alice, boss) = sessions(&*shop);
            let sticker = shop
                .create_product(&boss, ProductDraft::from_input("Sticker", "0.30", "10", "Fun", "", &shop.settings().currency()).unwrap())
                .unwrap()
                .product_id;
            let mut settings = (*shop.settings()).clone();
            settings.tax.rate_percent = shopfront::domain::TaxRate::parse("8.25").unwrap();
            shop.save_settings(&boss, settings.clone()).unwrap();
            assert!(matches!(shop.save_settings(&alice, settings), Err(ShopError::NotAdmin)));
            shop.save_discount(&boss, None, code(r#"{"code": "ten10", "kind": "percent", "value": 10}"#)).unwrap();
            shop.add_to_cart(&alice, &sticker, 3).unwrap();
            let quote = shop.quote(&alice, Some(" Ten10 ")).unwrap();
            let figures = [quote.subtotal, quote.discount, quote.shipping, quote.tax, quote.total].map(|m| m.cents());
            assert_eq!(figures, [90, 9, 500, 7, 588]);
            let order = pay(&*shop, &alice, Some("TEN10"), common::TEST_CARD).unwrap();
            assert_eq!(order.total.cents(), 588);
            assert_eq!(order.discount_code.as_deref(), Some("TEN10"));
            assert_eq!((order.subtotal.map(|m| m.cents()), order.discount.cents(), order.tax.cents()), (Some(90), 9, 7));
            assert_eq!(order.payment.as_ref().map(|p| p.label()), Some("Visa •••• 4242".to_string()));
            assert_eq!(order.address.as_deref(), Some(&common::test_address()));
        }

        #[test]
        fn codes_are_checked_in_order_and_uses_come_back_on_cancel() {
            let Some(backend) = &backend() else { return };
            let (dir, shop, mug, _) = stocked(backend);
            let (alice, boss) = sessions(&*shop);
            let bob = shop.register("bob", "b0b-pass").unwrap();
            let discount = code(r#"{"code": "ONCE", "kind": "fixed", "value": 1.00, "max_uses": 1, "min_subtotal": 5.00}"#);
            shop.save_discount(&boss, None, discount.clone()).unwrap();
            let taken = shop.save_discount(&boss, None, code(r#"{"code": "once", "kind": "free_shipping"}"#)).unwrap_err();
            assert_eq!(taken.to_string(), "There is already a code ONCE");
            shop.add_to_cart(&alice, &mug, 1).unwrap();
            shop.add_to_cart(&bob, &mug, 2).unwrap();
            let message = |who: &Account, typed: &str| shop.apply_code(who, typed).unwrap_err().to_string();
            assert_eq!(message(&alice, "nope"), "There is no code \"NOPE\"");
            assert_eq!(message(&alice, "once"), "The code ONCE needs a subtotal of at least $5.00");
            assert_eq!(shop.apply_code(&bob, "once").unwrap().code, "ONCE");
            // Bob takes the only use; a second handle (another copy) cannot take it again.
            let order = pay(&*shop, &bob, Some("ONCE"), common::TEST_CARD).unwrap();
            assert_eq!(order.total.cents(), 900 - 100 + 500);
            let other = backend.second_handle(&dir);
            other.add_to_cart(&alice, &mug, 1).unwrap();
            assert_eq!(message(&alice, "ONCE"), "The code ONCE has been used up");
            let seen = other.quote(&alice, None).unwrap();
            let mut stale = paying(seen);
            stale.code = Some("ONCE".into());
            let Err(ShopError::Checkout(problems)) = other.checkout(&alice, &stale) else { panic!("must refuse") };
            assert_eq!(problems[0].to_string(), "The code ONCE has been used up");
            // Cancelling gives the use back.
            shop.cancel_order(&bob, &order.order_id).unwrap();
            assert_eq!(shop.apply_code(&alice, "once").unwrap().code, "ONCE");
            assert_eq!(shop.discounts(&boss).unwrap()[0].1, 0, "no use counted for a cancelled order");
            shop.set_discount_active(&boss, "once", false).unwrap();
            assert_eq!(message(&alice, "ONCE"), "The code ONCE is not active");
            assert!(shop.delete_discount(&boss, "ONCE").unwrap_err().to_string().contains("deactivate it instead"));
        }

        #[test]
        fn a_declined_card_writes_nothing_and_no_card_number_is_ever_stored() {
            let Some(backend) = &backend() else { return };
            let (dir, shop, mug, _) = stocked(backend);
            let (alice, _) = sessions(&*shop);
            shop.add_to_cart(&alice, &mug, 1).unwrap();
            let before = common::folder_snapshot(dir.path());
            for (number, why) in [
                ("4000 0000 0000 0002", "Your card was declined"),
                ("4000 0000 0000 9995", "Insufficient funds"),
                ("4000 0000 0000 0069", "Your card has expired"),
                ("4000 0000 0000 0127", "Incorrect CVC"),
                ("4242 4242 4242 4241", "That card number is not valid"),
            ] {
                let refused = pay(&*shop, &alice, None, number).unwrap_err();
                assert_eq!((refused.to_string(), refused.kind()), (why.to_string(), ErrorKind::Refused));
            }
            assert_eq!(common::folder_snapshot(dir.path()), before, "a refused payment changes no file");
            // Remembered: the card on file holds brand, last four and expiry only.
            let mut request = paying(shop.quote(&alice, None).unwrap());
            request.payment = shopfront::domain::checkout::PaymentChoice::NewCard {
                card: common::card("5555 5555 5555 4444"),
                remember: true,
            };
            shop.checkout(&alice, &request).unwrap();
            let profile = shop.profile(&alice).unwrap();
            assert_eq!(profile.cards.iter().map(|c| c.label()).collect::<Vec<_>>(), ["Mastercard •••• 4444  12/39"]);
            assert_eq!(profile.addresses, vec![common::test_address()]);
            // Paying with it again asks only for its CVC.
            shop.add_to_cart(&alice, &mug, 1).unwrap();
            let mut again = paying(shop.quote(&alice, None).unwrap());
            again.payment =
                shopfront::domain::checkout::PaymentChoice::OnFile { card: profile.cards[0].clone(), cvc: "12".into() };
            assert_eq!(shop.checkout(&alice, &again).unwrap_err().to_string(), "The CVC is the 3 digits on the card");
            again.payment =
                shopfront::domain::checkout::PaymentChoice::OnFile { card: profile.cards[0].clone(), cvc: "321".into() };
            assert_eq!(shop.checkout(&alice, &again).unwrap().payment.map(|p| p.last4), Some("4444".to_string()));
            assert_eq!(shop.profile(&alice).unwrap().addresses.len(), 1, "the same address is kept once");
            for (name, bytes) in common::folder_snapshot(dir.path()) {
                let text = String::from_utf8_lossy(&bytes);
                for secret in ["5555555555554444", "5555 5555 5555 4444", "4000000000000002", "\"321\"", "\"123\""] {
                    assert!(!text.contains(secret), "{name} holds {secret}");
                }
            }
        }

        /// Every admin call refuses a shopper's session, and nothing changes.
        #[test]
        fn every_admin_call_refuses_a_shoppers_session() {
            let Some(backend) = &backend() else { return };
            let (_dir, shop, mug, _) = stocked(backend);
            let (alice, boss) = sessions(&*shop);
            shop.add_to_cart(&alice, &mug, 1).unwrap();
            let order = shop.checkout(&alice, &paying(shop.quote(&alice, None).unwrap())).unwrap();
            shop.save_discount(&boss, None, code(r#"{"code": "TEN", "kind": "percent", "value": 10}"#)).unwrap();
            let (catalog, codes, settings) = (shop.catalog(), shop.discounts(&boss).unwrap(), shop.settings());
            let seen = catalog.get(&mug).unwrap().details();
            let draft = ProductDraft::from_input("Fan", "19.99", "3", "", "", &settings.currency()).unwrap();
            let refusals: Vec<(&str, Result<(), ShopError>)> = vec![
                ("create_product", shop.create_product(&alice, draft).map(drop)),
                (
                    "update_product",
                    shop.update_product(&alice, &mug, &seen, ProductDetails { name: "Mine".into(), ..seen.clone() })
                        .map(drop),
                ),
                ("change_stock", shop.change_stock(&alice, &mug, 100).map(drop)),
                ("set_product_active", shop.set_product_active(&alice, &mug, false).map(drop)),
                ("delete_product", shop.delete_product(&alice, &mug).map(drop)),
                ("discounts", shop.discounts(&alice).map(drop)),
                ("save_discount", shop.save_discount(&alice, None, code(r#"{"code": "FREE", "kind": "free_shipping"}"#)).map(drop)),
                ("set_discount_active", shop.set_discount_active(&alice, "TEN", false).map(drop)),
                ("delete_discount", shop.delete_discount(&alice, "TEN").map(drop)),
                ("save_settings", shop.save_settings(&alice, Settings::default()).map(drop)),
                ("change_settings", shop.change_settings(&alice, |s| Ok(s.clone())).map(drop)),
                ("all_orders", shop.all_orders(&alice).map(drop)),
                ("set_order_status", shop.set_order_status(&alice, &order.order_id, OrderStatus::Shipped, None).map(drop)),
                ("add_admin", shop.add_admin(&alice, "mallory", "s3cret!").map(drop)),
            ];
            for (call, result) in refusals {
                let refused = matches!(result, Err(ShopError::NotAdmin | ShopError::Order(OrderError::NotAdmin)));
                assert!(refused, "{call}: {result:?}");
            }
            shop.refresh().unwrap();
            assert_eq!(shop.catalog().get(&mug), catalog.get(&mug), "the product as it was");
            assert_eq!(shop.catalog().len(), catalog.len());
            assert_eq!(shop.discounts(&boss).unwrap(), codes);
            assert_eq!(*shop.settings(), *settings);
            assert_eq!(shop.all_orders(&boss).unwrap().get(&order.order_id).map(|o| o.status), Some(OrderStatus::Paid));
            assert!(shop.login("mallory", "s3cret!").is_err());
        }

        /// Shoppers on two handles (other processes) race for a code's only
        /// use: it is used once, and the others are told it is used up.
        #[test]
        fn two_handles_race_for_a_codes_last_use() {
            let Some(backend) = &backend() else { return };
            let (dir, shop, mug, _) = stocked(backend);
            let (_, boss) = sessions(&*shop);
            shop.change_stock(&boss, &mug, 20).unwrap();
            shop.save_discount(&boss, None, code(r#"{"code": "ONCE", "kind": "fixed", "value": 1.00, "max_uses": 1}"#))
                .unwrap();
            let other = backend.second_handle(&dir);
            // Every shopper has reviewed a cart with the code before anyone pays.
            let ready: Vec<_> = ["ann", "ben", "cat", "dan", "eve", "fay"]
                .into_iter()
                .enumerate()
                .map(|(i, name)| {
                    let handle = if i % 2 == 0 { Arc::clone(&shop) } else { Arc::clone(&other) };
                    let buyer = handle.register(name, "s3cret!").unwrap();
                    handle.add_to_cart(&buyer, &mug, 1).unwrap();
                    let mut request = paying(handle.quote(&buyer, Some("ONCE")).unwrap());
                    request.code = Some("ONCE".into());
                    (handle, buyer, request)
                })
                .collect();
            let buyers: Vec<_> = ready
                .into_iter()
                .map(|(handle, buyer, request)| {
                    std::thread::spawn(move || match handle.checkout(&buyer, &request) {
                        Ok(order) => Some(order),
                        Err(ShopError::Checkout(problems)) => {
                            assert_eq!(problems[0].to_string(), "The code ONCE has been used up");
                            None
                        }
                        Err(e) => panic!("{e}"),
                    })
                })
                .collect();
            let placed: Vec<_> = buyers.into_iter().filter_map(|b| b.join().unwrap()).collect();
            assert_eq!(placed.len(), 1, "one use: {placed:?}");
            assert_eq!(placed[0].total.cents(), 450 - 100 + 500);
            let book = shop.all_orders(&boss).unwrap();
            let with_code = book.orders().iter().filter(|o| o.discount_code.as_deref() == Some("ONCE")).count();
            assert_eq!(with_code, 1, "stored once");
            assert_eq!(shop.discounts(&boss).unwrap()[0].1, 1);
        }

        /// Failed logins counted by one handle hold back the next guess on
        /// another (another process on the same shop).
        #[test]
        fn failed_logins_are_counted_across_handles() {
            let Some(backend) = &backend() else { return };
            let (dir, shop) = backend.fresh();
            shop.register("alice", "s3cret!").unwrap();
            let other = backend.second_handle(&dir);
            for _ in 0..3 {
                assert!(matches!(shop.login_from("203.0.113.7", "alice", "guess-pass"), Err(ShopError::BadCredentials)));
            }
            let wait = other.login_wait("203.0.113.7", "alice");
            assert!(wait >= Duration::from_secs(1), "the other handle holds the fourth guess back: {wait:?}");
            assert!(other.login_wait("203.0.113.7", "nobody") >= Duration::from_secs(1), "the address, any name");
        }

        #[test]
        fn a_settings_change_after_the_review_places_nothing() {
            let Some(backend) = &backend() else { return };
            let (dir, shop, mug, _) = stocked(backend);
            let (alice, boss) = sessions(&*shop);
            shop.add_to_cart(&alice, &mug, 1).unwrap();
            let reviewed = paying(shop.quote(&alice, None).unwrap());
            // Another copy raises the shipping meanwhile.
            let other = backend.second_handle(&dir);
            let mut settings = (*other.settings()).clone();
            settings.shipping.flat = "7.00".parse().unwrap();
            other.save_settings(&boss, settings).unwrap();
            let Err(ShopError::Checkout(problems)) = shop.checkout(&alice, &reviewed) else { panic!("must refuse") };
            assert_eq!(problems, vec![Problem::QuoteChanged]);
            assert!(shop.orders_of(&alice).unwrap().is_empty(), "nothing placed");
            let fresh = shop.quote(&alice, None).unwrap();
            assert_eq!(fresh.shipping.cents(), 700, "the new quote shows the new shipping");
            assert_eq!(shop.checkout(&alice, &paying(fresh)).unwrap().total.cents(), 450 + 700);
        }
        }
    };
}

shop_suite!(json_folder, Some(Folder));
shop_suite!(sqlite, Some(Sqlite));
shop_suite!(postgres, Postgres::new());

/// Checking a discount code only reads: a shopper quotes with a code while
/// another process holds the database's write lock (it waited for the lock
/// and gave up busy).
#[test]
fn a_quote_with_a_code_does_not_wait_for_writers() {
    let (dir, shop, mug, _) = stocked(&Sqlite);
    let (alice, boss) = sessions(&shop);
    let code = serde_json::from_str(r#"{"code": "TEN", "kind": "percent", "value": 10}"#).unwrap();
    shop.save_discount(&boss, None, code).unwrap();
    shop.add_to_cart(&alice, &mug, 2).unwrap();
    let other = rusqlite::Connection::open(Sqlite::database(&dir)).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let started = std::time::Instant::now();
    let quote = shop.quote(&alice, Some("ten")).unwrap();
    assert!(started.elapsed() < Duration::from_secs(2), "it waited {:?}", started.elapsed());
    assert_eq!(quote.discount.cents(), 90, "10% of $9.00");
    other.execute_batch("ROLLBACK").unwrap();
}

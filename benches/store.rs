//! Store benchmarks on a folder of 100,000 products and 100,000 orders
//! (and the same shop in an SQLite database, and in PostgreSQL when
//! `SHOPFRONT_TEST_PG` names a server); the checkout on SQLite with 1,000 to
//! 1,000,000 orders, opening a shop of a million products and a million
//! orders on either store, and `migrate` folder -> SQLite:
//! `cargo bench --bench store`. The generated shops are cached under the
//! target directory (`support/shops.rs`): the first run takes minutes more.

#[path = "support/big_folder.rs"]
mod big_folder;
#[path = "support/shops.rs"]
mod shops;
#[path = "../tests/common/store_rules.rs"]
#[allow(dead_code)]
mod store_rules;
use store_rules::StoreRules;

use std::path::PathBuf;
use std::sync::OnceLock;

use divan::Bencher;
use shopfront::store::Store;

// The same allocator as the `shopfront` binary.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    divan::main();
}

/// A working copy of the cached folder of 100,000 products, 100,000 orders
/// and 1,000 accounts (the benchmarks below change it).
fn folder() -> &'static PathBuf {
    static DIR: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &DIR.get_or_init(|| shops::working_copy(&shops::folder(100_000, 100_000, 1_000))).1
}

/// Opening the folder: read, parse and validate all four files.
#[divan::bench(sample_count = 10)]
fn load_100k_products_100k_orders() -> Store {
    Store::open(folder()).expect("open")
}

/// One checkout commit: journal, products.json and orders.json and carts.json
/// rewritten with fsyncs, journal removed. The cart is filled outside the timing.
#[divan::bench(sample_count = 20)]
fn checkout_commit(bencher: Bencher) {
    // Both the setup and the timed closure need the store, one at a time.
    let store = std::cell::RefCell::new(Store::open(folder()).expect("open"));
    let mut n = 0usize;
    bencher
        .with_inputs(|| {
            n += 1;
            let mut store = store.borrow_mut();
            let user = format!("u{}", n % 1000);
            for line in store.cart(&user).items {
                let _ = store.remove_from_cart(&user, &line.product_id);
            }
            let product = (0..100_000)
                .map(|i| format!("P{}", 100_000 + (n * 7919 + i) % 100_000))
                .find(|id| store.data().products.get(id).is_some_and(|p| p.active && p.stock > 0))
                .expect("a product in stock");
            let cart = store.add_to_cart(&user, &product, 1).expect("add");
            let settings = store.data().settings.clone();
            let seen = shopfront::domain::quote(&cart.items, &shopfront::domain::Pricing::new(&settings, None));
            (user, paying(seen.expect("quote")))
        })
        .bench_local_values(|(user, seen)| store.borrow_mut().checkout(&user, &seen).expect("checkout"));
}

/// The same checkout through the service (`ShopService` over the folder):
/// the commit plus the catalog snapshot patched from the change feed and
/// the subscribers told. Compare with `checkout_commit`.
#[divan::bench(sample_count = 20)]
fn checkout_through_the_service(bencher: Bencher) {
    let shop = shopfront::shop::ShopService::over_folder(Store::open(folder()).expect("open"));
    checkout_through(bencher, shop, "service-bench");
}

/// The same shop in an SQLite database (`SqliteRepo`), copied from the
/// folder by `migrate`: a working copy of the cached one.
fn database() -> &'static PathBuf {
    static DB: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &DB.get_or_init(|| shops::working_copy(&shops::database(100_000, 100_000, 1_000))).1
}

/// Opening the service over the SQLite database: its schema checked, the
/// whole catalog read into the snapshot (compare with
/// `load_100k_products_100k_orders`, which also reads every order).
#[divan::bench(sample_count = 10)]
fn open_the_service_on_sqlite() -> std::sync::Arc<shopfront::shop::ShopService> {
    let repo = shopfront::repo::sqlite::SqliteRepo::open(database()).expect("open the database");
    shopfront::shop::ShopService::new(std::sync::Arc::new(repo), shopfront::clock::now).expect("shop")
}

/// The checkout through the service over SQLite (the commit, the catalog
/// patched from the feed, the subscribers told) on 100,000 products and
/// 1,000, 100,000 and 1,000,000 orders: its cost should not grow with the
/// shop's past. Compare with `checkout_through_the_service` (the folder).
#[divan::bench(args = [1_000, 100_000, 1_000_000], sample_count = 20)]
fn checkout_through_the_service_on_sqlite(bencher: Bencher, orders: usize) {
    let (_tmp, path) = shops::working_copy(&shops::database(100_000, orders, 1_000));
    let repo = shopfront::repo::sqlite::SqliteRepo::open(&path).expect("open the database");
    let shop = shopfront::shop::ShopService::new(std::sync::Arc::new(repo), shopfront::clock::now).expect("shop");
    // Not `service-bench`: the folder it was filled from may hold that one.
    checkout_through(bencher, shop, "sqlite-bench");
}

/// Opening a shop of 1,000,000 products and 1,000,000 orders to a usable
/// catalog (the service's snapshot: every product, and the text the filter
/// searches), on the JSON folder and on SQLite. The folder reads its orders
/// on another thread meanwhile (waited for after the timing, so that the
/// next sample starts on a quiet machine); SQLite reads them only when an
/// admin's All orders asks.
#[divan::bench(args = ["folder", "sqlite"], sample_count = 5)]
fn open_1m_products_1m_orders(bencher: Bencher, store: &str) {
    let location = big_shop(store);
    bencher.bench_local(|| {
        let shop = open_shop(&location.1);
        assert_eq!(shop.catalog().len(), 1_000_000);
        AnsweredOnDrop(shop)
    });
}

/// The same, to the first request answered (every request begins with a
/// look at the shop): on the folder, when orders.json has been read too.
#[divan::bench(args = ["folder", "sqlite"], sample_count = 5)]
fn open_1m_products_1m_orders_to_first_answer(bencher: Bencher, store: &str) {
    let location = big_shop(store);
    bencher.bench_local(|| {
        let shop = open_shop(&location.1);
        shop.refresh().expect("a look at the shop");
        shop
    });
}

/// A working copy of the cached shop of a million products and a million orders.
fn big_shop(store: &str) -> (tempfile::TempDir, shopfront::location::Location) {
    use shopfront::location::Location;
    let (tmp, path) = match store {
        "folder" => shops::working_copy(&shops::folder(1_000_000, 1_000_000, 1_000)),
        _ => shops::working_copy(&shops::database(1_000_000, 1_000_000, 1_000)),
    };
    (tmp, if store == "folder" { Location::Folder(path) } else { Location::Sqlite(path) })
}

fn open_shop(location: &shopfront::location::Location) -> std::sync::Arc<shopfront::shop::ShopService> {
    shopfront::shop::ShopService::open(location, shopfront::store::LockWait::Patient { notice: |_| {} })
        .expect("open the shop")
}

/// A shop that, dropped (after the timing), waits for what it still reads.
struct AnsweredOnDrop(std::sync::Arc<shopfront::shop::ShopService>);

impl Drop for AnsweredOnDrop {
    fn drop(&mut self) {
        let _ = self.0.refresh();
    }
}

/// `shopfront migrate` of the cached folder of 100,000 products and 100,000
/// orders (and 1,000 accounts with their carts) into a new SQLite
/// database: read, copied in one transaction, checked after.
#[divan::bench(sample_count = 3)]
fn migrate_100k_products_100k_orders_to_sqlite(bencher: Bencher) {
    use shopfront::location::Location;
    let source = Location::Folder(shops::folder(100_000, 100_000, 1_000));
    bencher.with_inputs(|| tempfile::tempdir().expect("temp dir")).bench_local_values(|tmp| {
        let target = Location::Sqlite(tmp.path().join("shop.db"));
        let copied = shopfront::migrate::run(&source, &target, &mut |_| {}).expect("migrate");
        // Removed after the timing.
        (tmp, copied)
    });
}

/// What every read, change and the watcher's look (4 a second) ask the
/// SQLite feed when nothing changed.
#[divan::bench(sample_count = 200)]
fn feed_when_nothing_changed_on_sqlite(bencher: Bencher) {
    use shopfront::repo::{Feed, Repo};
    let repo = shopfront::repo::sqlite::SqliteRepo::open(database()).expect("open the database");
    let latest = match repo.changes_after(0).expect("feed") {
        Feed::Changes(sets) => sets.last().map_or(0, |s| s.id),
        Feed::Gap { latest } => latest,
    };
    bencher.bench_local(|| repo.changes_after(latest).expect("feed"));
}

/// The same shop in a PostgreSQL database on the server `SHOPFRONT_TEST_PG`
/// names (`shopfront_bench_store`, made anew), filled from the folder in
/// one transaction; `None` (the PostgreSQL benchmarks skipped) without it.
fn postgres() -> Option<&'static str> {
    static DB: OnceLock<Option<shopfront::repo::postgres::testing::TestDatabase>> = OnceLock::new();
    DB.get_or_init(|| {
        use shopfront::repo::{Change, Repo};
        let Ok(server) = std::env::var("SHOPFRONT_TEST_PG") else {
            eprintln!("skipped: the PostgreSQL benchmarks need SHOPFRONT_TEST_PG (a postgres:// URL)");
            return None;
        };
        let database = shopfront::repo::postgres::testing::TestDatabase::named(&server, "shopfront_bench_store");
        let store = Store::open(folder()).expect("open");
        let data = store.data();
        let repo = database.repo();
        let mut tx = repo.write().expect("write");
        data.users.rows().iter().for_each(|u| tx.stage(Change::PutUser(u.clone())));
        data.products.rows().iter().for_each(|p| tx.stage(Change::PutProduct(p.clone())));
        data.carts.rows().iter().for_each(|c| tx.stage(Change::PutCart(c.clone())));
        data.orders.rows().iter().for_each(|o| tx.stage(Change::PutOrder(o.clone())));
        data.discounts.rows().iter().for_each(|d| tx.stage(Change::PutDiscount(d.clone())));
        tx.stage(Change::PutSettings(data.settings.clone()));
        tx.commit().expect("fill the database");
        Some(database)
    })
    .as_ref()
    .map(|database| database.url())
}

/// Opening the service over the PostgreSQL database (connecting, the
/// schema checked, the whole catalog read): compare with
/// `open_the_service_on_sqlite`.
#[divan::bench(sample_count = 10)]
fn open_the_service_on_postgres(bencher: Bencher) {
    let Some(url) = postgres() else { return };
    bencher.bench_local(|| {
        let repo = shopfront::repo::postgres::PgRepo::connect(url).expect("open the database");
        shopfront::shop::ShopService::new(std::sync::Arc::new(repo), shopfront::clock::now).expect("shop")
    });
}

/// The checkout through the service over PostgreSQL (on this machine,
/// through 127.0.0.1), on the same 100,000 products and 100,000 orders:
/// compare with `checkout_through_the_service_on_sqlite`.
#[divan::bench(sample_count = 20)]
fn checkout_through_the_service_on_postgres(bencher: Bencher) {
    let Some(url) = postgres() else { return };
    let repo = shopfront::repo::postgres::PgRepo::connect(url).expect("open the database");
    let shop = shopfront::shop::ShopService::new(std::sync::Arc::new(repo), shopfront::clock::now).expect("shop");
    checkout_through(bencher, shop, "postgres-bench");
}

/// What every read, change and the watcher's look ask the PostgreSQL feed
/// when nothing changed (one statement): compare with
/// `feed_when_nothing_changed_on_sqlite`.
#[divan::bench(sample_count = 200)]
fn feed_when_nothing_changed_on_postgres(bencher: Bencher) {
    use shopfront::repo::{Feed, Repo};
    let Some(url) = postgres() else { return };
    let repo = shopfront::repo::postgres::PgRepo::connect(url).expect("open the database");
    let latest = match repo.changes_after(0).expect("feed") {
        Feed::Changes(sets) => sets.last().map_or(0, |s| s.id),
        Feed::Gap { latest } => latest,
    };
    bencher.bench_local(|| repo.changes_after(latest).expect("feed"));
}

/// Checkouts of one product each by the new shopper `name`; the cart is
/// filled outside the timing.
fn checkout_through(bencher: Bencher, shop: std::sync::Arc<shopfront::shop::ShopService>, name: &str) {
    let _changes = shop.subscribe();
    let user = shop.register(name, "service-bench-pass").expect("sign up");
    let mut n = 0usize;
    bencher
        .with_inputs(|| {
            n += 1;
            for line in shop.cart(&user).expect("cart").items {
                let _ = shop.remove_from_cart(&user, &line.product_id);
            }
            let catalog = shop.catalog();
            let product = (0..100_000)
                .map(|i| format!("P{}", 100_000 + (n * 7919 + i) % 100_000))
                .find(|id| catalog.get(id).is_some_and(|p| p.active && p.stock > 0))
                .expect("a product in stock");
            shop.add_to_cart(&user, &product, 1).expect("add");
            paying(shop.quote(&user, None).expect("quote"))
        })
        .bench_local_values(|seen| shop.checkout(&user, &seen).expect("checkout"));
}

/// A cart read while other sessions sign up without pause (each sign-up
/// hashes a password: outside every lock, so the read never waits for it).
#[divan::bench(sample_count = 200)]
fn cart_read_while_others_sign_up(bencher: Bencher) {
    let dir = tempfile::tempdir().expect("temp dir");
    let shop = shopfront::shop::ShopService::over_folder(Store::open(dir.path()).expect("open"));
    let reader = shop.register("reader", "reader-pass").expect("sign up");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let signing_up: Vec<_> = (0..2)
        .map(|t| {
            let (shop, stop) = (shop.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut n = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    n += 1;
                    let _ = shop.register(&format!("new{t}x{n}"), "new-pass");
                }
            })
        })
        .collect();
    bencher.bench_local(|| shop.cart(&reader).expect("cart"));
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    signing_up.into_iter().for_each(|t| t.join().expect("a sign-up thread"));
}

/// A sale applied to a catalog snapshot of 100,000 and 1,000,000 products
/// (one product's stock, as the change feed names it).
#[divan::bench(args = [100_000, 1_000_000], sample_count = 50)]
fn a_sale_patched_into_the_catalog(bencher: Bencher, products: usize) {
    let rows: Vec<shopfront::domain::Product> = (0..products)
        .map(|i| shopfront::domain::Product {
            product_id: format!("P{}", 100_000 + i),
            name: big_folder::product_name(i),
            price: shopfront::domain::Money::from_cents(999),
            stock: 5,
            description: None,
            category: Some("Cables".into()),
            active: true,
            changed: None,
            extra: Default::default(),
        })
        .collect();
    let catalog = shopfront::shop::Catalog::build(&rows, None);
    drop(rows);
    let mut product = catalog.get("P100500").cloned().expect("P100500");
    bencher.bench_local(|| {
        product.stock = product.stock.wrapping_add(1);
        catalog.patched(vec![(product.product_id.clone(), Some(product.clone()))])
    });
}

/// One cart change (carts.json for 1,000 users rewritten atomically).
#[divan::bench(sample_count = 50)]
fn cart_change(bencher: Bencher) {
    let mut store = Store::open(folder()).expect("open");
    let mut add = false;
    bencher.bench_local(|| {
        add = !add;
        if add {
            store.add_to_cart("u1", "P100001", 1).expect("add")
        } else {
            store.remove_from_cart("u1", "P100001").expect("remove")
        }
    });
}

/// Paying `seen` with the approved test card, to a fixed address.
fn paying(seen: shopfront::domain::Quote) -> shopfront::domain::checkout::CheckoutRequest {
    let card = shopfront::domain::payment::CardInput {
        name: "Ada Lovelace".into(),
        number: "4242 4242 4242 4242".into(),
        expiry: "12/39".into(),
        cvc: "123".into(),
    };
    shopfront::domain::checkout::CheckoutRequest {
        seen,
        code: None,
        address: shopfront::domain::Address::from_fields(["Ada", "1 Main St", "", "London", "", "NW1", "UK", ""])
            .expect("address"),
        payment: shopfront::domain::checkout::PaymentChoice::NewCard { card, remember: false },
        key: String::new(),
    }
}

/// The admins' order book (every order, newest first, indexed by id) built
/// from the cached folders' 100,000 and 1,000,000 orders: what an admin's
/// All orders, and the checks that need every order, wait for.
#[divan::bench(args = [100_000, 1_000_000], sample_count = 5)]
fn order_book(bencher: Bencher, orders: usize) {
    let products = if orders == 100_000 { 100_000 } else { 1_000_000 };
    let store = Store::open(&shops::folder(products, orders, 1_000)).expect("open");
    let rows = store.data().orders.rows();
    bencher.bench_local(|| shopfront::shop::OrderBook::build(rows, None));
}

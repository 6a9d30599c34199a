//! Several processes on one store, on every backend: shoppers in separate
//! processes racing for the last units never oversell and lose no order, and
//! a change made by another process (the `admin` command line) reaches a
//! running shop within a second. The test binary re-runs itself as the
//! buyers (`worker_entry`, `PROCESS_WORKER` set).

mod common;

use std::process::{Child, Command};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::paying;
use shopfront::domain::{Money, ProductDraft};
use shopfront::location::Location;
use shopfront::shop::{ShopError, ShopService};
use shopfront::store::LockWait;

const WORKER_ENV: &str = "PROCESS_WORKER";
const SCARCE: u32 = 12;
const BUYERS: usize = 4;

/// A store named as `--store` names it: a folder's path, sqlite:PATH, or
/// a postgres:// URL (opened here: `Location` does not know it yet).
fn open_shop(spec: &str) -> Arc<ShopService> {
    if spec.starts_with("postgres://") {
        let repo = shopfront::repo::postgres::PgRepo::connect(spec).expect("open the database");
        return ShopService::new(Arc::new(repo), shopfront::clock::now).expect("open the shop");
    }
    let location = Location::parse(&spec.into(), "store").expect("a store");
    ShopService::open(&location, LockWait::Patient { notice: |_| {} }).expect("open the shop")
}

/// The entry point of worker processes; does nothing in a normal test run.
#[test]
fn worker_entry() {
    let Ok(job) = std::env::var(WORKER_ENV) else { return };
    let (id, spec) = job.split_once(' ').expect("id and store");
    let shop = open_shop(spec);
    if id == "shipping" {
        // Another process changing the settings (the command line cannot
        // name every store yet).
        let owner = shop.owner_at_machine();
        shop.change_settings(&owner, |s| {
            Ok(shopfront::domain::Settings {
                shipping: shopfront::domain::settings::Shipping { flat: Money::from_cents(700), ..s.shipping.clone() },
                ..s.clone()
            })
        })
        .expect("change the shipping");
        println!("changed");
        return;
    }
    let me = shop.register(&format!("buyer{id}"), "buyer-pass").expect("register");
    let product = shop.catalog().products().get(0).expect("a product").product_id.clone();
    let mut placed = 0;
    loop {
        match shop.add_to_cart(&me, &product, 1) {
            Ok(_) => {}
            Err(ShopError::Cart(_)) => break, // sold out
            Err(e) => panic!("add: {e}"),
        }
        match shop.checkout(&me, &paying(shop.quote(&me, None).expect("quote"))) {
            Ok(_) => placed += 1,
            Err(ShopError::Checkout(_)) => break, // the last unit went elsewhere
            Err(e) => panic!("checkout: {e}"),
        }
    }
    println!("placed {placed}");
}

fn spawn_buyer(spec: &str, id: impl std::fmt::Display) -> Child {
    common::spawn_test_worker(&[(WORKER_ENV, format!("{id} {spec}"))])
}

fn stocked(spec: &str) -> Arc<ShopService> {
    let shop = open_shop(spec);
    shop.add_admin(&shop.owner_at_machine(), "boss", "b0ss-pass").expect("admin");
    let boss = shop.login("boss", "b0ss-pass").expect("boss");
    let draft =
        ProductDraft::from_input("Last Units", "5.00", &SCARCE.to_string(), "", "", &shop.settings().currency())
            .expect("draft");
    shop.create_product(&boss, draft).expect("product");
    shop
}

fn buyers_never_oversell(spec: &str) {
    let shop = stocked(spec);
    let buyers: Vec<Child> = (0..BUYERS).map(|id| spawn_buyer(spec, id)).collect();
    let mut placed = 0;
    for buyer in buyers {
        let out = buyer.wait_with_output().expect("a buyer ran");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "a buyer failed: {stdout}\n{}", String::from_utf8_lossy(&out.stderr));
        let count = stdout.lines().find_map(|l| l.strip_prefix("placed ")).expect("a buyer reports");
        placed += count.trim().parse::<u32>().expect("a count");
    }
    assert_eq!(placed, SCARCE, "every unit sold once, none twice");
    let fresh = open_shop(spec);
    let boss = fresh.login("boss", "b0ss-pass").expect("boss");
    let orders = fresh.all_orders(&boss).expect("orders");
    assert_eq!(orders.len() as u32, placed, "every order placed is kept");
    let product = fresh.catalog().products().get(0).expect("the product").clone();
    assert_eq!(product.stock, 0);
    drop(shop);
}

/// `shopfront --store SPEC admin settings --shipping 7`, run as its own process.
fn change_shipping_elsewhere(spec: &str) {
    let out = Command::new(env!("CARGO_BIN_EXE_shopfront"))
        .args(["--store", spec, "admin", "settings", "--shipping", "7"])
        .env_remove("SHOPFRONT_STORE")
        .env_remove("SHOPFRONT_DATA_DIR")
        .output()
        .expect("run shopfront");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// The same, by a worker process of this test binary.
fn change_shipping_in_a_worker(spec: &str) {
    let out = spawn_buyer(spec, "shipping").wait_with_output().expect("a worker ran");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

fn another_process_is_heard_within_a_second(spec: &str, change_elsewhere: fn(&str)) {
    let shop = stocked(spec);
    shop.watch();
    let notices = shop.subscribe();
    change_elsewhere(spec);
    let changed = Instant::now();
    while shop.settings().shipping.flat != Money::from_cents(700) {
        assert!(changed.elapsed() < Duration::from_secs(1), "the running shop still shows the old shipping");
        std::thread::sleep(Duration::from_millis(10));
    }
    let heard = notices.recv_timeout(Duration::from_secs(1)).expect("subscribers are told");
    assert!(heard.pricing, "{heard:?}");
}

#[test]
fn buyers_in_separate_processes_never_oversell_a_json_folder() {
    let dir = common::temp_dir();
    std::fs::write(dir.path().join("products.json"), "[]").unwrap();
    buyers_never_oversell(dir.path().to_str().expect("a UTF-8 temp path"));
}

#[test]
fn buyers_in_separate_processes_never_oversell_a_sqlite_database() {
    let dir = common::temp_dir();
    buyers_never_oversell(&format!("sqlite:{}", dir.path().join("shop.db").display()));
}

#[test]
fn a_json_folder_shop_hears_another_process_within_a_second() {
    let dir = common::temp_dir();
    std::fs::write(dir.path().join("products.json"), "[]").unwrap();
    another_process_is_heard_within_a_second(
        dir.path().to_str().expect("a UTF-8 temp path"),
        change_shipping_elsewhere,
    );
}

#[test]
fn a_sqlite_shop_hears_another_process_within_a_second() {
    let dir = common::temp_dir();
    another_process_is_heard_within_a_second(
        &format!("sqlite:{}", dir.path().join("shop.db").display()),
        change_shipping_elsewhere,
    );
}

/// On the server `SHOPFRONT_TEST_PG` names, in a database of its own.
#[test]
fn buyers_in_separate_processes_never_oversell_a_postgres_database() {
    let test = "buyers_in_separate_processes_never_oversell_a_postgres_database";
    let Some(database) = shopfront::repo::postgres::testing::TestDatabase::create(test) else { return };
    buyers_never_oversell(database.url());
}

#[test]
fn a_postgres_shop_hears_another_process_within_a_second() {
    let test = "a_postgres_shop_hears_another_process_within_a_second";
    let Some(database) = shopfront::repo::postgres::testing::TestDatabase::create(test) else { return };
    another_process_is_heard_within_a_second(database.url(), change_shipping_in_a_worker);
}

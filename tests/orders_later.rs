//! A shop opened on a JSON folder shows its catalog before orders.json is
//! read (a long history loads on another thread): the first request waits
//! for the orders, a damaged orders.json is reported by it and never
//! modified, and nothing another copy did meanwhile is missed.

mod common;

use common::*;
use shopfront::shop::{ShopError, ShopService};
use shopfront::store::{LockWait, Store};

const PATIENT: LockWait = LockWait::Patient { notice: |_| {} };

/// A folder of two products, and `orders` orders placed by alice.
fn shop_with_orders(orders: usize) -> tempfile::TempDir {
    let dir = temp_dir();
    write_products(dir.path(), &[("P1", "Mug", "4.50", 100), ("P2", "Lamp", "20.00", 100)]);
    let mut store = open(dir.path());
    store.register("alice", "s3cret!").unwrap();
    for _ in 0..orders {
        let cart = store.add_to_cart("alice", "P1", 1).unwrap();
        store.checkout("alice", &paying(quoted(&cart.items))).unwrap();
    }
    dir
}

#[test]
fn a_damaged_orders_file_leaves_the_catalog_browsable_and_is_reported_by_the_first_request() {
    let dir = shop_with_orders(1);
    std::fs::write(dir.path().join("orders.json"), "[1,").unwrap();
    // The login throttle's own files may come; the shop's data may not change.
    let data_files = |dir: &std::path::Path| {
        let mut files = folder_snapshot(dir);
        files.retain(|(name, _)| !name.contains("logins"));
        files
    };
    let before = data_files(dir.path());

    let shop = ShopService::open_folder(dir.path(), PATIENT).expect("the catalog opens without the orders");
    assert_eq!(shop.catalog().len(), 2);
    let refused = shop.login("alice", "s3cret!").expect_err("the orders could not be read");
    assert!(matches!(refused, ShopError::Damaged(_)), "{refused:?}");
    assert!(
        refused
            .to_string()
            .contains("orders.json:1:2: invalid type: integer `1`, expected one of the orders as an object"),
        "{refused}"
    );
    assert!(!shop.still_loading(), "the error is the answer: nothing is still being read");
    // Asked again, it is said again.
    assert!(shop.login("alice", "s3cret!").unwrap_err().to_string().contains("orders.json:1:2"));
    drop(shop);
    assert_eq!(data_files(dir.path()), before, "the folder was modified");
}

#[test]
fn the_first_request_waits_for_the_orders_and_numbers_follow_them() {
    let dir = shop_with_orders(3);
    let shop = ShopService::open_folder(dir.path(), PATIENT).unwrap();
    assert_eq!(shop.catalog().len(), 2);
    let alice = shop.login("alice", "s3cret!").unwrap();
    let ids: Vec<String> = shop.orders_of(&alice).unwrap().into_iter().map(|o| o.order_id).collect();
    assert_eq!(ids, ["O0003", "O0002", "O0001"]);
    let cart = shop.add_to_cart(&alice, "P2", 1).unwrap();
    assert_eq!(shop.checkout(&alice, &paying(quoted(&cart.items))).unwrap().order_id, "O0004");
    assert_eq!(read(dir.path(), "orders.json").matches("\"order_id\"").count(), 4);
}

#[test]
fn orders_another_copy_places_while_they_load_are_not_missed() {
    let dir = shop_with_orders(2);
    let mut loading = Store::open_orders_later(dir.path()).unwrap();
    assert_eq!(loading.products().len(), 2);
    // Another copy places an order while (or before) the first reads orders.json.
    let mut other = open(dir.path());
    let cart = other.add_to_cart("alice", "P2", 2).unwrap();
    assert_eq!(other.checkout("alice", &paying(quoted(&cart.items))).unwrap().order_id, "O0003");

    loading.refresh().unwrap();
    let ids: Vec<&str> = loading.data().orders.rows().iter().map(|o| o.order_id.as_str()).collect();
    assert_eq!(ids, ["O0001", "O0002", "O0003"]);
    assert_eq!(loading.data().products.get("P2").map(|p| p.stock), Some(98));
    let cart = loading.add_to_cart("alice", "P1", 1).unwrap();
    assert_eq!(loading.checkout("alice", &paying(quoted(&cart.items))).unwrap().order_id, "O0004");
}

#[test]
fn the_shop_says_it_is_reading_its_orders_until_a_request_takes_them_in() {
    let dir = shop_with_orders(2);
    let shop = ShopService::open_folder(dir.path(), PATIENT).unwrap();
    assert!(shop.still_loading());
    shop.refresh().unwrap();
    assert!(!shop.still_loading());
    // Read whole (the command line's way), nothing is left to read.
    let location = shopfront::location::Location::Folder(dir.path().to_path_buf());
    assert!(!ShopService::open_whole(&location, PATIENT).unwrap().still_loading());
}

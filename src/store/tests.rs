//! Orders left for later (`Store::open_orders_later`): what the thread
//! read is kept only if it is the file the open saw, and a file that did
//! not load is not parsed again until it changes.

use super::*;
use crate::domain::{Money, Order};

/// A folder with two products and `count` orders (O0001…).
fn folder_with_orders(count: u64) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("products.json"),
        "[\n{\"product_id\":\"P1\",\"name\":\"Mug\",\"price\":4.5,\"stock\":5}\n]\n",
    )
    .expect("products");
    let mut store = Store::open(dir.path()).expect("open");
    let at = Timestamp::parse("2026-03-01 12:00:00").expect("a time");
    let orders = (1..=count)
        .map(|n| {
            let id = crate::domain::order::format_order_id(n);
            Change::PutOrder(Order::new(id, "alice".into(), Vec::new(), Money::from_cents(100), at))
        })
        .collect();
    store.transact(|_, _| Ok::<_, StoreError>(((), orders))).expect("orders");
    dir
}

/// Long enough for a file's change to be no longer `Stamp::is_recent`.
const AFTER_RECENT: std::time::Duration = std::time::Duration::from_millis(RECENT_NS as u64 / 1_000_000 + 100);

fn order_ids(store: &Store) -> Vec<String> {
    store.data().orders.rows().iter().map(|o| o.order_id.clone()).collect()
}

#[test]
fn orders_read_while_the_file_was_moved_away_are_read_again() {
    let dir = folder_with_orders(3);
    let orders = dir.path().join("orders.json");
    let aside = dir.path().join("orders.aside");
    let mut store = Store::open_orders_later(dir.path()).expect("open");
    // Moved away and back: the same inode, size, time and counter.
    std::fs::rename(&orders, &aside).unwrap();
    store.read_orders_meanwhile();
    store.wait_for_orders();
    std::fs::rename(&aside, &orders).unwrap();

    store.refresh().expect("refresh");
    assert_eq!(order_ids(&store), ["O0001", "O0002", "O0003"], "the empty table read meanwhile was trusted");
    let next = store.transact(|data, _| {
        let next = crate::domain::order::next_order_id(data.orders.rows().iter().map(|o| o.order_id.as_str()));
        Ok::<_, StoreError>((next, Vec::new()))
    });
    assert_eq!(next.unwrap(), "O0004");
}

#[test]
fn a_damaged_orders_file_is_reported_until_it_changes_and_read_once() {
    let dir = folder_with_orders(2);
    let orders = dir.path().join("orders.json");
    let good = std::fs::read(&orders).unwrap();
    std::fs::write(&orders, "[1,").unwrap();
    // A file changed this very moment is always read again (a fix in the same tick could keep its stamp).
    std::thread::sleep(AFTER_RECENT);
    let mut store = Store::open_orders_later(dir.path()).expect("the rest opens");
    store.read_orders_meanwhile();

    let first = store.refresh().expect_err("damaged").to_string();
    assert!(first.starts_with("orders.json:1:2: invalid type: integer `1`"), "{first}");
    let version = store.version(FileKind::Orders);
    for _ in 0..3 {
        assert_eq!(store.refresh().expect_err("still damaged").to_string(), first);
        assert!(store.begin_write().is_err(), "no change while the orders cannot be read");
    }
    assert_eq!(store.version(FileKind::Orders), version, "the unchanged file was parsed again");
    assert_eq!(std::fs::read(&orders).unwrap(), b"[1,", "the damaged file was modified");

    // Repaired (a new file): read, and the shop goes on.
    std::fs::write(dir.path().join("orders.new"), &good).unwrap();
    std::fs::rename(dir.path().join("orders.new"), &orders).unwrap();
    store.refresh().expect("repaired");
    assert_eq!(order_ids(&store), ["O0001", "O0002"]);
}

#[test]
fn a_change_to_one_file_whose_rename_fails_is_reported_failed_and_not_kept() {
    let dir = folder_with_orders(0);
    let mut store = Store::open(dir.path()).expect("open");
    let guard = store.begin_write().expect("lock");
    let mut cart = crate::domain::Cart::new("alice");
    let line = crate::domain::CartLine {
        product_id: "P1".into(),
        qty: 2,
        unit_price: Money::from_cents(450),
        extra: Default::default(),
    };
    cart.items.push(line);
    let touched = BTreeSet::from([FileKind::Carts]);
    let staged = store.stage_changes(vec![Change::PutCart(cart)], &touched).expect("staged");
    // Something in the file's place that a file cannot be renamed over.
    let carts = dir.path().join("carts.json");
    std::fs::create_dir_all(carts.join("in-the-way")).unwrap();

    let failed = store.install(&guard, staged, &touched).expect_err("the rename failed");
    assert!(!matches!(failed, StoreError::Unfinished(_)), "a lost change reported saved: {failed:?}");
    assert!(failed.to_string().contains("carts.json"), "{failed}");
    drop(guard);
    std::fs::remove_dir_all(&carts).unwrap();
    let temps = std::fs::read_dir(dir.path()).unwrap().filter(|e| {
        let name = e.as_ref().unwrap().file_name();
        name.to_string_lossy().starts_with(atomic::TEMP_PREFIX)
    });
    assert_eq!(temps.count(), 0, "a temp file was left behind");
    store.refresh().expect("refresh");
    assert!(store.data().carts.get("alice").is_none(), "the change that failed is in memory");
}

#[test]
fn a_file_damaged_by_hand_while_the_shop_runs_is_parsed_once_until_it_changes() {
    let dir = folder_with_orders(2);
    let mut store = Store::open(dir.path()).expect("open");
    let orders = dir.path().join("orders.json");
    let good = std::fs::read(&orders).unwrap();
    // Edited in place, by hand: Shopfront's counter does not move.
    std::fs::write(&orders, "[1,").unwrap();
    std::thread::sleep(AFTER_RECENT);

    let first = store.refresh().expect_err("damaged").to_string();
    assert!(first.starts_with("orders.json:1:2:"), "{first}");
    // What is remembered is the answer, and the file is not parsed again.
    let (stamp, mut remembered) = store.unreadable[FileKind::Orders.index()].clone().expect("remembered");
    remembered.message = "as remembered".into();
    store.unreadable[FileKind::Orders.index()] = Some((stamp, remembered));
    for _ in 0..3 {
        assert_eq!(store.refresh().expect_err("still damaged").to_string(), "orders.json:1:2: as remembered");
    }
    assert_eq!(order_ids(&store), ["O0001", "O0002"], "what was read before is kept");

    std::fs::write(&orders, &good).unwrap();
    store.refresh().expect("repaired in place");
    assert_eq!(order_ids(&store), ["O0001", "O0002"]);
}

#[test]
fn an_accounts_orders_are_found_by_its_name_in_any_case_as_the_databases_find_them() {
    let at = Timestamp::parse("2026-03-01 12:00:00").expect("a time");
    let order = |id: &str, name: &str| Order::new(id.into(), name.into(), Vec::new(), Money::from_cents(100), at);
    let data = Data {
        orders: Table::from_rows(vec![
            order("O0001", "Alice"),
            order("O0002", "alice"),
            order("O0003", "alicea"),
            order("O0004", "ǅemal"),
            order("O0005", "ÉVA"),
        ]),
        ..Data::default()
    };
    let ids = |name: &str| data.orders_of(name).iter().map(|o| o.order_id.clone()).collect::<Vec<_>>();
    assert_eq!(ids("ALICE"), ["O0002", "O0001"]);
    // A titlecase letter lowercases as the databases' keys do.
    assert_eq!(ids("ǆemal"), ["O0004"]);
    assert_eq!(ids("éva"), ["O0005"]);
    assert!(ids("alic").is_empty());
}

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::sync::{Arc, Barrier};

use super::*;
use crate::domain::OrderLine;
use crate::repo::Ids;
use crate::store::Data;

fn database(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("shop.db")
}

fn open(dir: &tempfile::TempDir) -> SqliteRepo {
    SqliteRepo::open(&database(dir)).expect("open the database")
}

/// A connection of our own, as a person editing the file would use.
fn by_hand(dir: &tempfile::TempDir) -> Connection {
    Connection::open(database(dir)).expect("open by hand")
}

fn record<T: serde::de::DeserializeOwned>(json: &str) -> T {
    serde_json::from_str(json).expect("a record")
}

fn product(id: &str, stock: u32) -> Product {
    record(&format!(r#"{{"product_id":"{id}","name":"Thing {id}","price":2.50,"stock":{stock}}}"#))
}

fn commit(repo: &SqliteRepo, changes: Vec<Change>) -> ChangeSet {
    let mut tx = repo.write().expect("write");
    for change in changes {
        tx.stage(change);
    }
    tx.commit().expect("commit")
}

fn refusal(result: Result<SqliteRepo, RepoError>) -> RepoError {
    match result {
        Ok(_) => panic!("the database should be refused"),
        Err(e) => e,
    }
}

/// The files beside the database SQLite keeps while it is open.
fn companions(dir: &tempfile::TempDir) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .expect("list")
        .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name != "shop.db")
        .collect();
    names.sort();
    names
}

#[test]
fn a_database_of_a_newer_schema_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(&dir));
    let newer = SCHEMA_VERSION + 1;
    by_hand(&dir).pragma_update(None, "user_version", newer).unwrap();
    let before = std::fs::read(database(&dir)).unwrap();
    let err = refusal(SqliteRepo::open(&database(&dir)));
    let RepoError::Unavailable(message) = &err else { panic!("{err:?}") };
    let file = database(&dir).display().to_string();
    assert!(message.starts_with(&format!("{file} was written by a newer Shopfront")), "{message}");
    assert!(message.contains(&format!("version {newer}")) && message.contains(&format!("up to {SCHEMA_VERSION}")));
    assert!(std::fs::read(database(&dir)).unwrap() == before, "not one byte changed");
    assert!(companions(&dir).is_empty(), "SQLite never opened it: {:?}", companions(&dir));

    // The newer version only in the WAL (another process wrote it and
    // keeps the file open): seen through SQLite, still refused unchanged.
    let dir = tempfile::tempdir().unwrap();
    drop(open(&dir));
    let other = by_hand(&dir);
    other.execute_batch("PRAGMA wal_autocheckpoint = 0;").unwrap();
    other.pragma_update(None, "user_version", newer).unwrap();
    let before = std::fs::read(database(&dir)).unwrap();
    let err = refusal(SqliteRepo::open(&database(&dir)));
    assert!(err.to_string().contains("was written by a newer Shopfront"), "{err}");
    assert!(std::fs::read(database(&dir)).unwrap() == before, "not one byte changed");
    drop(other);
}

#[test]
fn a_file_that_is_no_shopfront_database_is_refused_and_left_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let file = database(&dir);
    let text = b"order_id,total\nO0001,12.50\n".repeat(40);
    std::fs::write(&file, &text).unwrap();
    let err = refusal(SqliteRepo::open(&file));
    let RepoError::Damaged(message) = &err else { panic!("{err:?}") };
    assert!(message.starts_with(&format!("{} is not an SQLite database", file.display())), "{message}");
    assert!(std::fs::read(&file).unwrap() == text, "not one byte changed");
    assert!(companions(&dir).is_empty(), "{:?}", companions(&dir));

    // An SQLite header over garbage.
    let mut garbage = b"SQLite format 3\0".to_vec();
    garbage.extend((0..4080u32).map(|i| (i * 7 % 251) as u8));
    std::fs::write(&file, &garbage).unwrap();
    let err = refusal(SqliteRepo::open(&file));
    assert!(matches!(&err, RepoError::Damaged(m) if m.contains("its header is damaged")), "{err:?}");
    assert!(std::fs::read(&file).unwrap() == garbage, "not one byte changed");

    // Shopfront's database with its first page damaged: SQLite itself says so.
    std::fs::remove_file(&file).unwrap();
    drop(SqliteRepo::open(&file).unwrap());
    let mut damaged = std::fs::read(&file).unwrap();
    damaged[100..4096].iter_mut().enumerate().for_each(|(i, b)| *b = (i * 7 % 251) as u8);
    std::fs::write(&file, &damaged).unwrap();
    let err = refusal(SqliteRepo::open(&file));
    assert!(matches!(&err, RepoError::Damaged(m) if m.starts_with(&file.display().to_string())), "{err:?}");
    assert!(std::fs::read(&file).unwrap() == damaged, "not one byte changed");
    assert!(companions(&dir).is_empty(), "{:?}", companions(&dir));

    // Another program's database.
    std::fs::remove_file(&file).unwrap();
    Connection::open(&file).unwrap().execute_batch("CREATE TABLE notes (body TEXT);").unwrap();
    let before = std::fs::read(&file).unwrap();
    let err = refusal(SqliteRepo::open(&file));
    assert!(err.to_string().contains("of another program"), "{err}");
    assert!(std::fs::read(&file).unwrap() == before, "not one byte changed");
}

#[test]
fn a_missing_folder_or_a_folder_in_place_of_the_file_is_unavailable() {
    let dir = tempfile::tempdir().unwrap();
    let err = refusal(SqliteRepo::open(&dir.path().join("nowhere/shop.db")));
    assert!(matches!(&err, RepoError::Unavailable(m) if m.contains("does not exist")), "{err:?}");
    assert!(!dir.path().join("nowhere").exists());
    let err = refusal(SqliteRepo::open(dir.path()));
    assert!(matches!(&err, RepoError::Unavailable(m) if m.contains("is a folder")), "{err:?}");
}

#[test]
fn the_database_and_its_companions_are_private() {
    let dir = tempfile::tempdir().unwrap();
    let repo = open(&dir);
    commit(&repo, vec![Change::PutProduct(product("P1", 1))]);
    let read = repo.read().unwrap();
    assert!(read.product("P1").unwrap().is_some());
    for name in ["shop.db", "shop.db-wal", "shop.db-shm"] {
        let mode = std::fs::metadata(dir.path().join(name)).expect(name).permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{name}");
    }
}

#[test]
fn every_record_comes_back_field_by_field_with_its_unknown_fields() {
    let user: User = record(
        r#"{"username":"Dana","password_hash":"$argon2id$v=19$x","role":"admin","created_at":"2026-01-02 03:04:05",
        "addresses":[{"full_name":"Dana D","street":"1 Main St","city":"Town","postal_code":"NW1 2AB","country":"UK","floor":3}],
        "cards":[{"brand":"visa","last4":"4242","expiry":{"year":2030,"month":12},"nickname":"blue"}],
        "ssh_keys":["SHA256:abc","SHA256:def"],"email":"d@example.com","prefs":{"dark":true,"n":[1,2.50]}}"#,
    );
    let legacy: User = record(r#"{"username":"old","password":"hunter22"}"#);
    let product: Product = record(
        r#"{"product_id":"P1","name":"Mug","price":4.50,"stock":3,"description":"Big","category":"Kitchen",
        "active":false,"color":"red","dims":{"h":[1,2.50]}}"#,
    );
    let cart: Cart = record(
        r#"{"username":"Dana","items":[{"product_id":"P1","qty":2,"unit_price":4.5,"added_at":"2026-01-01"}],"note":1}"#,
    );
    let order: Order = record(
        r#"{"order_id":"O0007","username":"Dana","items":[{"product_id":"P1","name":"Mug","qty":2,"unit_price":4.5,"sku":"X"},
        {"product_id":"P2","qty":1,"unit_price":0.10}],"total":12.34,"timestamp":"2026-02-10 18:12:44","status":"cancelled",
        "events":[{"at":"2026-02-10 18:12:44","by":"Dana","status":"placed","via":"web"},
                  {"at":"2026-02-11 09:00:00","by":"boss","status":"cancelled","refunded":12.34}],
        "subtotal":9.10,"discount_code":"TEN10","discount":0.91,"shipping":5.00,"tax":0.74,"tax_included":true,
        "address":{"full_name":"Dana D","street":"1 Main St","city":"Town","postal_code":"NW1 2AB","country":"UK","gate":"B"},
        "payment":{"brand":"visa","last4":"4242","reference":"ch_1","risk":"low",
                   "refund":{"amount":12.34,"reference":"re_1","by":"boss","at":"2026-02-11 09:00:00","why":"late"}},
        "tracking":"1Z999","checkout_key":"k-1","coupon":"TEN"}"#,
    );
    let console: Order = record(
        r#"{"order_id":"3fa9c2d1","username":"old","items":[{"product_id":"P1001","qty":3,"unit_price":0.1}],
        "total":0.5000000000000001,"timestamp":"2026-02-10 18:12:44"}"#,
    );
    let discount: Discount = record(
        r#"{"code":"TEN10","kind":"percent","value":10,"min_subtotal":5.00,"starts":"2026-01-01 00:00:00",
        "expires":"2027-01-01 00:00:00","max_uses":100,"max_uses_per_user":1,"active":true,"campaign":"spring"}"#,
    );
    let free: Discount = record(r#"{"code":"ship-free","kind":"free_shipping"}"#);
    let settings: Settings = record(
        r#"{"shop_name":"Corner","currency":"€","shipping":{"flat":4.00,"free_over":null,"zone":"EU"},
        "tax":{"rate_percent":8.25,"included_in_prices":true,"label":"VAT"},"theme":"dark"}"#,
    );
    for (what, extra) in [("user", &user.extra), ("product", &product.extra), ("order", &order.extra)] {
        assert!(!extra.is_empty(), "{what} has unknown fields to keep");
    }

    let dir = tempfile::tempdir().unwrap();
    let repo = open(&dir);
    assert_eq!(repo.read().unwrap().settings().unwrap(), Settings::default(), "none saved: the defaults");
    commit(
        &repo,
        vec![
            Change::PutUser(user.clone()),
            Change::PutUser(legacy.clone()),
            Change::PutProduct(product.clone()),
            Change::PutCart(cart.clone()),
            Change::PutOrder(order.clone()),
            Change::PutOrder(console.clone()),
            Change::PutDiscount(discount.clone()),
            Change::PutDiscount(free.clone()),
            Change::PutSettings(settings.clone()),
        ],
    );
    drop(repo);
    let repo = open(&dir);
    let read = repo.read().unwrap();
    let same = |what: &str, got: String, want: String| assert_eq!(got, want, "{what}");
    let json = |value: &dyn erased::Json| value.json();
    let back = read.account("DANA").unwrap().unwrap();
    same("user", json(&back), json(&user));
    assert_eq!(back, user);
    assert_eq!(read.account("old").unwrap().unwrap(), legacy);
    assert_eq!(read.product("P1").unwrap().unwrap(), product);
    same("product", json(&read.product("P1").unwrap().unwrap()), json(&product));
    assert_eq!(read.cart("dana").unwrap().unwrap(), cart);
    same("cart", json(&read.cart("dana").unwrap().unwrap()), json(&cart));
    let back = read.order("O0007").unwrap().unwrap();
    same("order", json(&back), json(&order));
    assert_eq!(back, order);
    assert_eq!(read.order("3fa9c2d1").unwrap().unwrap(), console);
    assert_eq!(read.discount(" ten10 ").unwrap().unwrap(), discount);
    same("discount", json(&read.discount("TEN10").unwrap().unwrap()), json(&discount));
    assert_eq!(read.discounts().unwrap(), vec![discount.clone(), free.clone()]);
    assert_eq!(read.settings().unwrap(), settings);
    same("settings", json(&read.settings().unwrap()), json(&settings));
}

/// `&dyn` over the records' JSON, for the comparisons above.
mod erased {
    pub trait Json {
        fn json(&self) -> String;
    }
    impl<T: serde::Serialize> Json for T {
        fn json(&self) -> String {
            serde_json::to_string(self).expect("json")
        }
    }
}

/// The same changes applied to the folder's in-memory data and to the
/// database answer every question the same.
#[test]
fn every_read_answers_as_the_folder_does() {
    let user = |name: &str, keys: &[&str]| -> User {
        let keys = serde_json::to_string(keys).unwrap();
        record(&format!(r#"{{"username":"{name}","password_hash":"h","ssh_keys":{keys}}}"#))
    };
    let cart = |name: &str, lines: &[(&str, u32)]| -> Cart {
        let mut cart = Cart::new(name);
        for (id, qty) in lines {
            cart.items.push(record(&format!(r#"{{"product_id":"{id}","qty":{qty},"unit_price":1.5}}"#)));
        }
        cart
    };
    let order = |id: &str, name: &str, at: &str, status: &str, code: Option<&str>, key: Option<&str>| -> Order {
        let mut order: Order = record(&format!(
            r#"{{"order_id":"{id}","username":"{name}","items":[{{"product_id":"P1","qty":1,"unit_price":2.5}}],
            "total":2.5,"timestamp":"2026-03-0{at}","status":"{status}"}}"#
        ));
        order.discount_code = code.map(str::to_string);
        order.checkout_key = key.map(str::to_string);
        if id == "O0004" {
            order.items.push(OrderLine { product_id: "P4".into(), ..order.items[0].clone() });
        }
        order
    };
    let code = |code: &str| -> Discount { record(&format!(r#"{{"code":"{code}","kind":"fixed","value":1.00}}"#)) };
    let mut renamed = product("P2", 7);
    renamed.name = "Renamed".into();
    let changes = vec![
        Change::PutUser(user("Alice", &["SHA256:k1"])),
        Change::PutUser(user("bob", &["SHA256:k1", "SHA256:k2"])),
        Change::PutUser(user("cy", &[])),
        Change::PutProduct(product("P1", 5)),
        Change::PutProduct(product("P2", 5)),
        Change::PutProduct(product("P3", 5)),
        Change::PutProduct(product("P4", 0)),
        Change::PutProduct(renamed),
        Change::DeleteProduct("P3".into()),
        Change::PutProduct(product("P3", 1)),
        Change::PutCart(cart("Alice", &[("P1", 2), ("P2", 1)])),
        Change::PutCart(cart("bob", &[("P2", 3)])),
        Change::PutCart(cart("cy", &[])),
        Change::PutOrder(order("O0001", "Alice", "1 10:00:00", "paid", Some("TEN10"), Some("k-a"))),
        Change::PutOrder(order("3fa9c2d1", "alice", "1 10:00:00", "placed", None, None)),
        Change::PutOrder(order("O0003", "ALICE", "1 10:00:00", "cancelled", Some("ten10"), None)),
        Change::PutOrder(order("O0002", "bob", "2 10:00:00", "shipped", Some("Ten10"), Some("k-a"))),
        Change::PutOrder(order("O0004", "cy", "1 09:00:00", "delivered", None, Some("k-c"))),
        Change::PutOrder(order("O0001", "Alice", "1 10:00:00", "shipped", Some("TEN10"), Some("k-a"))),
        Change::PutDiscount(code("TEN10")),
        Change::PutDiscount(code("OLD")),
        Change::PutDiscount(code("SPRING")),
        Change::DeleteDiscount("old".into()),
        Change::PutSettings(record(r#"{"shop_name":"Corner"}"#)),
    ];
    let mut data = Data::default();
    for change in changes.clone() {
        data.apply(change);
    }
    let dir = tempfile::tempdir().unwrap();
    let repo = open(&dir);
    // In several commits, as the shop would make them.
    for chunk in changes.chunks(5) {
        commit(&repo, chunk.to_vec());
    }
    let db = repo.read().unwrap();
    let folder: &dyn ReadTx = &data;
    let sqlite: &dyn ReadTx = &*db;
    macro_rules! same {
        ($($call:tt)*) => {
            assert_eq!(sqlite.$($call)*.unwrap(), folder.$($call)*.unwrap(), "{}", stringify!($($call)*));
        };
    }
    let names = ["alice", "ALICE", "Alice", "bob", "cy", "nobody"];
    for name in names {
        same!(account(name));
        same!(cart(name));
        same!(orders_of(name));
        for key in ["k-a", "k-c", "k-x"] {
            same!(order_by_checkout_key(name, key));
        }
        for code in ["TEN10", "ten10", "SPRING", "NONE"] {
            same!(code_uses(code, name));
        }
    }
    for key in ["SHA256:k1", "SHA256:k2", "SHA256:k3"] {
        same!(accounts_with_key(key));
    }
    for id in ["P1", "P2", "P3", "P4", "P9"] {
        same!(product(id));
        same!(carts_holding(id));
        same!(ever_ordered(id));
    }
    for id in ["O0001", "O0002", "O0003", "O0004", "3fa9c2d1", "O0009"] {
        same!(order(id));
    }
    for typed in ["ten10", " Spring ", "old", "none"] {
        same!(discount(typed));
        same!(orders_carrying(typed));
    }
    same!(discounts());
    same!(settings());
    let all = |tx: &dyn ReadTx| {
        let (mut products, mut orders) = (Vec::new(), Vec::new());
        tx.each_product(&mut |p| products.push(p.clone())).unwrap();
        tx.each_order(&mut |o| orders.push(o.clone())).unwrap();
        (products, orders)
    };
    let (products, orders) = all(sqlite);
    assert_eq!((&products, &orders), (&all(folder).0, &all(folder).1));
    let ids: Vec<&str> = products.iter().map(|p| p.product_id.as_str()).collect();
    assert_eq!(ids, ["P1", "P2", "P4", "P3"], "replaced in place, re-added at the end");
    assert_eq!(orders_ids(&orders), ["O0001", "3fa9c2d1", "O0003", "O0002", "O0004"]);
}

fn orders_ids(orders: &[Order]) -> Vec<&str> {
    orders.iter().map(|o| o.order_id.as_str()).collect()
}

#[test]
fn racing_handles_sell_the_last_unit_once() {
    let dir = tempfile::tempdir().unwrap();
    commit(&open(&dir), vec![Change::PutProduct(product("P1", 1))]);
    let handles = [open(&dir), open(&dir)];
    let start = Barrier::new(2);
    let sold: Vec<bool> = std::thread::scope(|scope| {
        let buyers: Vec<_> = handles
            .iter()
            .enumerate()
            .map(|(n, repo)| {
                let start = &start;
                scope.spawn(move || {
                    start.wait();
                    loop {
                        let attempt = (|| {
                            let mut tx = repo.write()?;
                            let current = tx.product("P1")?.expect("P1");
                            if current.stock == 0 {
                                return Ok(false);
                            }
                            // Time for the other buyer to try meanwhile.
                            std::thread::sleep(Duration::from_millis(50));
                            let id = tx.next_order_id()?;
                            let order: Order = record(&format!(
                                r#"{{"order_id":"{id}","username":"buyer{n}","items":[{{"product_id":"P1","qty":1,
                                "unit_price":2.5}}],"total":2.5,"timestamp":"2026-03-01 10:00:00"}}"#
                            ));
                            tx.stage(Change::PutProduct(Product { stock: current.stock - 1, ..current }));
                            tx.stage(Change::PutOrder(order));
                            tx.commit().map(|_| true)
                        })();
                        match attempt {
                            Err(RepoError::Busy) => std::thread::sleep(Duration::from_millis(5)),
                            other => return other.expect("no error but Busy"),
                        }
                    }
                })
            })
            .collect();
        buyers.into_iter().map(|b| b.join().expect("a buyer")).collect()
    });
    assert_eq!(sold.iter().filter(|&&s| s).count(), 1, "{sold:?}");
    let read = handles[0].read().unwrap();
    assert_eq!(read.product("P1").unwrap().map(|p| p.stock), Some(0));
    let mut orders = Vec::new();
    read.each_order(&mut |o| orders.push(o.clone())).unwrap();
    assert_eq!(orders_ids(&orders), ["O0001"]);
    drop(read);
    // Below zero is refused by the database itself, even by hand.
    let err = by_hand(&dir).execute("UPDATE products SET stock = stock - 1", []).unwrap_err();
    assert_eq!(err.sqlite_error_code(), Some(rusqlite::ErrorCode::ConstraintViolation), "{err}");
}

#[test]
fn the_feed_names_what_other_handles_changed() {
    let dir = tempfile::tempdir().unwrap();
    let (mine, theirs) = (open(&dir), open(&dir));
    let Feed::Changes(none) = mine.changes_after(0).unwrap() else { panic!("a new feed has no gap") };
    assert!(none.is_empty());
    let first = commit(&theirs, vec![Change::PutProduct(product("P1", 1))]);
    let mut cart = Cart::new("Alice");
    cart.items.push(record(r#"{"product_id":"P1","qty":1,"unit_price":2.5}"#));
    let second = commit(&theirs, vec![Change::PutCart(cart), Change::PutSettings(Settings::default())]);
    let Feed::Changes(heard) = mine.changes_after(0).unwrap() else { panic!("no gap") };
    assert_eq!(heard, vec![first.clone(), second.clone()]);
    assert_eq!(heard[0].products, Ids::Some(BTreeSet::from(["P1".to_string()])), "by id, not 'all'");
    assert_eq!(heard[1].carts, Ids::Some(BTreeSet::from(["alice".to_string()])));
    assert!(heard[1].settings && heard[1].products.is_none());
    assert_eq!(mine.changes_after(first.id).unwrap(), Feed::Changes(vec![second.clone()]));
    assert_eq!(mine.changes_after(second.id).unwrap(), Feed::Changes(vec![]));
    // A commit that changes nothing is no change.
    assert!(commit(&mine, vec![]).is_empty());
    assert_eq!(theirs.changes_after(second.id).unwrap(), Feed::Changes(vec![]));
}

#[test]
fn a_reader_behind_the_pruned_feed_is_told_of_the_gap() {
    let dir = tempfile::tempdir().unwrap();
    let mut repo = open(&dir);
    repo.keep_changes(3);
    let ids: Vec<u64> =
        (1..=5).map(|n| commit(&repo, vec![Change::PutProduct(product(&format!("P{n}"), n))]).id).collect();
    assert_eq!(ids, [1, 2, 3, 4, 5]);
    assert_eq!(repo.changes_after(0).unwrap(), Feed::Gap { latest: 5 });
    assert_eq!(repo.changes_after(1).unwrap(), Feed::Gap { latest: 5 });
    let Feed::Changes(kept) = repo.changes_after(2).unwrap() else { panic!("rows 3 to 5 are kept") };
    assert_eq!(kept.iter().map(|s| s.id).collect::<Vec<_>>(), [3, 4, 5]);
    assert!(kept[0].products.has("P3"));
    // Every row gone (by hand): still a gap for anyone behind, by the last id.
    by_hand(&dir).execute("DELETE FROM changes", []).unwrap();
    assert_eq!(repo.changes_after(4).unwrap(), Feed::Gap { latest: 5 });
    assert_eq!(repo.changes_after(5).unwrap(), Feed::Changes(vec![]));
    assert_eq!(commit(&repo, vec![Change::PutProduct(product("P6", 6))]).id, 6, "ids never reused");
}

#[test]
fn rows_broken_by_hand_are_reported_with_their_table_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let repo = open(&dir);
    commit(&repo, vec![Change::PutProduct(product("P1", 1)), Change::PutProduct(product("P2", 1))]);
    let hand = by_hand(&dir);
    hand.execute_batch("PRAGMA ignore_check_constraints = ON; UPDATE products SET stock = -3 WHERE product_id = 'P1';")
        .unwrap();
    let damaged = |result: Result<(), RepoError>| match result {
        Err(RepoError::Damaged(message)) => message,
        other => panic!("{other:?}"),
    };
    let message = damaged(repo.read().unwrap().product("P1").map(drop));
    assert!(
        message.contains("table products") && message.contains("\"P1\"") && message.contains("stock is -3"),
        "{message}"
    );
    assert!(message.starts_with(&database(&dir).display().to_string()), "{message}");
    let message = damaged(repo.read().unwrap().each_product(&mut |_| {}));
    assert!(message.contains("\"P1\""), "{message}");
    hand.execute_batch("UPDATE products SET stock = 1 WHERE product_id = 'P1'; UPDATE products SET extra = '{oops' WHERE product_id = 'P2';")
        .unwrap();
    let message = damaged(repo.read().unwrap().product("P2").map(drop));
    assert!(message.contains("table products") && message.contains("\"P2\"") && message.contains("extra"), "{message}");
    hand.execute_batch("UPDATE products SET extra = NULL; UPDATE sequences SET last = 0; DELETE FROM sequences;")
        .unwrap();
    let mut tx = repo.write().unwrap();
    let message = damaged(tx.next_order_id().map(drop));
    assert!(message.contains("table sequences"), "{message}");
}

#[test]
fn order_ids_pass_over_ids_taken_by_hand_and_follow_migrated_ones() {
    let dir = tempfile::tempdir().unwrap();
    let repo = open(&dir);
    let order = |id: &str| -> Order {
        record(&format!(
            r#"{{"order_id":"{id}","username":"dana","items":[],"total":0,"timestamp":"2026-03-01 10:00:00"}}"#
        ))
    };
    commit(&repo, vec![Change::PutOrder(order("O0041")), Change::PutOrder(order("3fa9c2d1"))]);
    let mut tx = repo.write().unwrap();
    assert_eq!(tx.next_order_id().unwrap(), "O0042");
    assert_eq!(tx.next_order_id().unwrap(), "O0043", "two in one transaction differ");
    drop(tx);
    by_hand(&dir).execute("UPDATE sequences SET last = 10", []).unwrap();
    commit(&repo, vec![Change::PutOrder(order("O0011"))]);
    let mut tx = repo.write().unwrap();
    assert_eq!(tx.next_order_id().unwrap(), "O0012");
    drop(tx);
    commit(&repo, vec![Change::PutOrder(order("O0012"))]);
    by_hand(&dir).execute("UPDATE sequences SET last = 11", []).unwrap();
    let mut tx = repo.write().unwrap();
    assert_eq!(tx.next_order_id().unwrap(), "O0013", "O0012 exists: passed over, never overwritten");
}

#[test]
fn old_login_failures_are_forgotten() {
    let dir = tempfile::tempdir().unwrap();
    let repo = open(&dir);
    let failure = |at: i64| LoginFailures { count: 2, last_ms: at, last_from: "10.0.0.1".into() };
    repo.login_failures(&["from:a", "account:x"], &mut |r| {
        r[0] = Some(failure(1_000));
        r[1] = Some(failure(2_000));
    })
    .unwrap();
    let mut seen = Vec::new();
    repo.login_failures(&["account:x", "from:a"], &mut |r| seen = r.to_vec()).unwrap();
    assert_eq!(seen, [Some(failure(2_000)), Some(failure(1_000))]);
    let later = 1_000 + 60 * 60 * 1000;
    repo.login_failures(&["from:b"], &mut |r| r[0] = Some(failure(later))).unwrap();
    repo.login_failures(&["from:a", "account:x", "from:b"], &mut |r| seen = r.to_vec()).unwrap();
    assert_eq!(seen, [None, Some(failure(2_000)), Some(failure(later))], "an hour older than the newest: gone");
}

#[test]
fn a_panic_inside_a_write_leaves_nothing_half_done() {
    let dir = tempfile::tempdir().unwrap();
    let repo = Arc::new(open(&dir));
    let inside = Arc::clone(&repo);
    let crashed = std::thread::spawn(move || {
        let mut tx = inside.write().unwrap();
        tx.stage(Change::PutProduct(product("P1", 1)));
        panic!("a rule panics mid-change");
    })
    .join();
    assert!(crashed.is_err());
    assert!(repo.read().unwrap().product("P1").unwrap().is_none());
    commit(&repo, vec![Change::PutProduct(product("P2", 1))]);
    assert!(open(&dir).read().unwrap().product("P2").unwrap().is_some());
}

/// Run by `a_read_only_database_is_unavailable` as another user: opens
/// `SHOPFRONT_TEST_DB` and prints what came of it.
#[test]
#[ignore = "run as another user by a_read_only_database_is_unavailable"]
fn open_as_another_user() {
    let Ok(path) = std::env::var("SHOPFRONT_TEST_DB") else { return };
    match SqliteRepo::open(Path::new(&path)) {
        Ok(_) => println!("outcome: opened"),
        Err(e) => println!("outcome: {e:?}"),
    }
}

#[test]
fn a_read_only_database_is_unavailable() {
    // Root writes any file: the check runs as `nobody`, where that can be done.
    // SAFETY: geteuid has no preconditions and cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    let dir = tempfile::tempdir().unwrap();
    drop(open(&dir));
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(database(&dir), std::fs::Permissions::from_mode(0o644)).unwrap();
    let before = std::fs::read(database(&dir)).unwrap();
    let outcome = if root {
        let Ok(test) = std::env::current_exe() else { return };
        let run = std::process::Command::new("runuser")
            .args(["-u", "nobody", "--"])
            .arg(test)
            .args(["--ignored", "--exact", "repo::sqlite::tests::open_as_another_user", "--nocapture"])
            .env("SHOPFRONT_TEST_DB", database(&dir))
            .output();
        let printed = run.map(|out| String::from_utf8_lossy(&out.stdout).into_owned()).unwrap_or_default();
        match printed.lines().find_map(|line| line.strip_prefix("outcome: ")) {
            Some(outcome) => outcome.to_string(),
            None => {
                eprintln!("skipped: user nobody cannot run this test binary here");
                return;
            }
        }
    } else {
        format!("{:?}", refusal(SqliteRepo::open(&database(&dir))))
    };
    assert!(outcome.starts_with("Unavailable(") && outcome.contains("is read-only"), "{outcome}");
    assert!(std::fs::read(database(&dir)).unwrap() == before, "not one byte changed");
}

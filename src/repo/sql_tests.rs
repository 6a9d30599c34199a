//! Test bodies the SQLite and PostgreSQL stores both run (from their own
//! `tests`, each on a store of its own and with its own way of changing
//! the data by hand): the properties they promise alike, written once so
//! the two stay checked alike. What every backend promises, the JSON
//! folder too, is in `tests/repo_conformance.rs`; these are the SQL
//! stores' own (the folder, say, fills an empty shop with the demo
//! catalog and rewrites plaintext passwords, so records do not come back
//! exactly as stored).

use std::collections::BTreeSet;
use std::sync::Barrier;
use std::time::Duration;

use crate::domain::{Cart, Discount, Order, OrderLine, Product, Settings, User};
use crate::repo::{Change, ChangeSet, Feed, Ids, ReadTx, Repo, RepoError};
use crate::store::Data;

pub fn record<T: serde::de::DeserializeOwned>(json: &str) -> T {
    serde_json::from_str(json).expect("a record")
}

pub fn product(id: &str, stock: u32) -> Product {
    record(&format!(r#"{{"product_id":"{id}","name":"Thing {id}","price":2.50,"stock":{stock}}}"#))
}

pub fn order(id: &str, username: &str) -> Order {
    record(&format!(
        r#"{{"order_id":"{id}","username":"{username}","items":[{{"product_id":"P1","qty":1,"unit_price":2.5}}],
        "total":2.5,"timestamp":"2026-03-01 10:00:00"}}"#
    ))
}

pub fn commit(repo: &dyn Repo, changes: Vec<Change>) -> ChangeSet {
    let mut tx = repo.write().expect("write");
    for change in changes {
        tx.stage(change);
    }
    tx.commit().expect("commit")
}

/// Runs `attempt` until it is not `Busy` (another writer held the data).
pub fn retrying<T>(mut attempt: impl FnMut() -> Result<T, RepoError>) -> T {
    for _ in 0..200 {
        match attempt() {
            Err(RepoError::Busy) => std::thread::sleep(Duration::from_millis(5)),
            other => return other.expect("no error but Busy"),
        }
    }
    panic!("still busy after 200 tries")
}

/// Runs `racer` with each of `stores` (and its number) at once, each on a
/// thread of its own; `racer` waits at the barrier they share where it
/// should meet the others. What each answered, in the order of `stores`.
pub fn race<R: Repo, T: Send>(stores: &[R], racer: impl Fn(usize, &R, &Barrier) -> T + Sync) -> Vec<T> {
    let start = Barrier::new(stores.len());
    std::thread::scope(|scope| {
        let racers: Vec<_> = stores
            .iter()
            .enumerate()
            .map(|(n, repo)| {
                let (start, racer) = (&start, &racer);
                scope.spawn(move || racer(n, repo, start))
            })
            .collect();
        racers.into_iter().map(|r| r.join().expect("a racer")).collect()
    })
}

/// A record's JSON, to compare field by field (and `&dyn` over records).
trait Json {
    fn json(&self) -> String;
}

impl<T: serde::Serialize> Json for T {
    fn json(&self) -> String {
        serde_json::to_string(self).expect("json")
    }
}

/// Every field of every kind of record comes back as it was stored, the
/// fields the shop does not know included, through a store opened afresh
/// (`open`: a new handle on the same, empty, database). Among them an
/// order with id `O0007`, total 12.34, placed `2026-02-10 18:12:44`, tax
/// included.
pub fn every_record_comes_back_field_by_field_with_its_unknown_fields<R: Repo>(open: impl Fn() -> R) {
    let user: User = record(
        r#"{"username":"Dana","password_hash":"$argon2id$v=19$x","role":"admin","created_at":"2026-01-02 03:04:05",
        "addresses":[{"full_name":"Dana D","street":"1 Main St","city":"Town","postal_code":"NW1 2AB","country":"UK","floor":3}],
        "cards":[{"brand":"visa","last4":"4242","expiry":{"year":2030,"month":12,"note":"x"},"nickname":"blue"}],
        "ssh_keys":["SHA256:abc","SHA256:def"],"email":"d@example.com","prefs":{"dark":true,"n":[1,2.50]}}"#,
    );
    let legacy: User = record(r#"{"username":"old","password":"hunter22"}"#);
    let product: Product = record(
        r#"{"product_id":"P1","name":"Mug","price":4.50,"stock":3,"description":"Big","category":"Kitchen",
        "active":false,"color":"red","dims":{"h":[1,2.50]},
        "changed":{"by":"Boss.Admin","at":"2026-01-02 03:04:05","why":"restock","n":[1,2.50]}}"#,
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
        "expires":"2027-01-01 00:00:00","max_uses":100,"max_uses_per_user":1,"active":true,"campaign":"spring",
        "changed":{"by":"boss","at":"2026-01-01 00:00:00","why":"spring"}}"#,
    );
    let free: Discount = record(r#"{"code":"ship-free","kind":"free_shipping"}"#);
    let settings: Settings = record(
        r#"{"shop_name":"Corner","currency":"€","shipping":{"flat":4.00,"free_over":null,"zone":"EU"},
        "tax":{"rate_percent":8.25,"included_in_prices":true,"label":"VAT"},"theme":"dark",
        "changed":{"by":"boss","at":"2026-01-02 03:04:05","why":{"ticket":7}}}"#,
    );
    for (what, extra) in [("user", &user.extra), ("product", &product.extra), ("order", &order.extra)] {
        assert!(!extra.is_empty(), "{what} has unknown fields to keep");
    }

    let repo = open();
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
    let repo = open();
    let read = repo.read().unwrap();
    let same = |what: &str, got: &dyn Json, want: &dyn Json| assert_eq!(got.json(), want.json(), "{what}");
    let back = read.account("DANA").unwrap().unwrap();
    same("user", &back, &user);
    assert_eq!(back, user);
    assert_eq!(read.account("old").unwrap().unwrap(), legacy);
    assert_eq!(read.product("P1").unwrap().unwrap(), product);
    same("product", &read.product("P1").unwrap().unwrap(), &product);
    assert_eq!(read.cart("dana").unwrap().unwrap(), cart);
    same("cart", &read.cart("dana").unwrap().unwrap(), &cart);
    let back = read.order("O0007").unwrap().unwrap();
    same("order", &back, &order);
    assert_eq!(back, order);
    assert_eq!(read.order("3fa9c2d1").unwrap().unwrap(), console);
    assert_eq!(read.discount(" ten10 ").unwrap().unwrap(), discount);
    same("discount", &read.discount("TEN10").unwrap().unwrap(), &discount);
    assert_eq!(read.discounts().unwrap(), vec![discount.clone(), free.clone()]);
    assert_eq!(read.settings().unwrap(), settings);
    same("settings", &read.settings().unwrap(), &settings);
    // Unknown fields inside nested objects too: the change stamps (kept in
    // the record's `extra` column) and a card's expiry.
    for (what, json, kept) in [
        (
            "product",
            read.product("P1").unwrap().json(),
            r#""changed":{"by":"Boss.Admin","at":"2026-01-02 03:04:05","n":[1,2.50],"why":"restock"}"#,
        ),
        ("discount", read.discount("TEN10").unwrap().json(), r#""why":"spring"}"#),
        (
            "settings",
            read.settings().unwrap().json(),
            r#""changed":{"by":"boss","at":"2026-01-02 03:04:05","why":{"ticket":7}}"#,
        ),
        ("card", read.account("dana").unwrap().json(), r#""expiry":{"year":2030,"month":12,"note":"x"}"#),
    ] {
        assert!(json.contains(kept), "{what} lost {kept}: {json}");
    }
}

/// The same changes applied to the folder's in-memory data and to `repo`
/// (empty) answer every question the same, through a read and through a
/// write transaction.
pub fn every_read_answers_as_the_folder_does(repo: &dyn Repo) {
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
    // In several commits, as the shop would make them.
    for chunk in changes.chunks(5) {
        commit(repo, chunk.to_vec());
    }
    let folder: &dyn ReadTx = &data;
    for how in ["read", "write"] {
        let tx = if how == "read" { repo.read().unwrap() } else { repo.write().unwrap() };
        let store: &dyn ReadTx = &*tx;
        macro_rules! same {
            ($($call:tt)*) => {
                assert_eq!(store.$($call)*.unwrap(), folder.$($call)*.unwrap(), "{how}: {}", stringify!($($call)*));
            };
        }
        for name in ["alice", "ALICE", "Alice", "bob", "cy", "nobody"] {
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
            let (mut products, mut orders, mut accounts, mut carts) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
            tx.each_product(&mut |p| products.push(p.clone())).unwrap();
            tx.each_order(&mut |o| orders.push(o.clone())).unwrap();
            tx.each_account(&mut |u| accounts.push(u.clone())).unwrap();
            tx.each_cart(&mut |c| carts.push(c.clone())).unwrap();
            (products, orders, accounts, carts)
        };
        let mine = all(store);
        assert_eq!(mine, all(folder), "{how}");
        let ids: Vec<&str> = mine.0.iter().map(|p| p.product_id.as_str()).collect();
        assert_eq!(ids, ["P1", "P2", "P4", "P3"], "replaced in place, re-added at the end");
        let ids: Vec<&str> = mine.1.iter().map(|o| o.order_id.as_str()).collect();
        assert_eq!(ids, ["O0001", "3fa9c2d1", "O0003", "O0002", "O0004"]);
    }
}

/// What `theirs` commits, `mine` (another handle on the same, empty,
/// database) hears of by id, in order, without holes.
pub fn the_feed_names_what_other_handles_changed(mine: &dyn Repo, theirs: &dyn Repo) {
    assert_eq!(mine.changes_after(0).unwrap(), Feed::Changes(vec![]), "a new feed has no gap");
    let first = commit(theirs, vec![Change::PutProduct(product("P1", 1))]);
    let mut cart = Cart::new("Alice");
    cart.items.push(record(r#"{"product_id":"P1","qty":1,"unit_price":2.5}"#));
    let second = commit(theirs, vec![Change::PutCart(cart), Change::PutSettings(Settings::default())]);
    let Feed::Changes(heard) = mine.changes_after(0).unwrap() else { panic!("no gap") };
    assert_eq!(heard, vec![first.clone(), second.clone()]);
    assert_eq!(heard[0].products, Ids::Some(BTreeSet::from(["P1".to_string()])), "by id, not 'all'");
    assert_eq!(heard[1].carts, Ids::Some(BTreeSet::from(["alice".to_string()])));
    assert!(heard[1].settings && heard[1].products.is_none());
    assert_eq!(mine.changes_after(first.id).unwrap(), Feed::Changes(vec![second.clone()]));
    assert_eq!(mine.changes_after(second.id).unwrap(), Feed::Changes(vec![]));
    assert!(commit(mine, vec![]).is_empty(), "a commit that changes nothing is no change");
    // A rolled back write gives back nothing: the next id follows on.
    let mut tx = theirs.write().unwrap();
    tx.stage(Change::PutProduct(product("P2", 1)));
    drop(tx);
    let third = commit(mine, vec![Change::PutProduct(product("P3", 1))]);
    assert_eq!(third.id, second.id + 1, "ids follow commits, without holes");
    assert_eq!(theirs.changes_after(second.id).unwrap(), Feed::Changes(vec![third]));
}

/// `repo` (empty, keeping the last 3 changes) tells a reader behind what
/// it kept of the gap, by the last id, also once `delete_every_row` has
/// emptied the feed by hand; ids are never reused.
pub fn a_reader_behind_the_pruned_feed_is_told_of_the_gap(repo: &dyn Repo, delete_every_row: impl FnOnce()) {
    let ids: Vec<u64> =
        (1..=5).map(|n| commit(repo, vec![Change::PutProduct(product(&format!("P{n}"), n))]).id).collect();
    assert_eq!(ids, [1, 2, 3, 4, 5]);
    assert_eq!(repo.changes_after(0).unwrap(), Feed::Gap { latest: 5 });
    assert_eq!(repo.changes_after(1).unwrap(), Feed::Gap { latest: 5 });
    let Feed::Changes(kept) = repo.changes_after(2).unwrap() else { panic!("rows 3 to 5 are kept") };
    assert_eq!(kept.iter().map(|s| s.id).collect::<Vec<_>>(), [3, 4, 5]);
    assert!(kept[0].products.has("P3"));
    delete_every_row();
    assert_eq!(repo.changes_after(4).unwrap(), Feed::Gap { latest: 5 });
    assert_eq!(repo.changes_after(5).unwrap(), Feed::Changes(vec![]));
    assert_eq!(commit(repo, vec![Change::PutProduct(product("P6", 6))]).id, 6, "ids never reused");
}

/// Order ids follow the highest number stored, pass over an id taken by
/// hand and never overwrite it; `set_last_number` sets the store's last
/// order number by hand (as a migration or an editor would).
pub fn order_ids_pass_over_ids_taken_by_hand_and_follow_migrated_ones(
    repo: &dyn Repo,
    mut set_last_number: impl FnMut(i64),
) {
    commit(repo, vec![Change::PutOrder(order("O0041", "dana")), Change::PutOrder(order("3fa9c2d1", "dana"))]);
    let mut tx = repo.write().unwrap();
    assert_eq!(tx.next_order_id().unwrap(), "O0042");
    assert_eq!(tx.next_order_id().unwrap(), "O0043", "two in one transaction differ");
    drop(tx);
    set_last_number(10);
    commit(repo, vec![Change::PutOrder(order("O0011", "dana"))]);
    let mut tx = repo.write().unwrap();
    assert_eq!(tx.next_order_id().unwrap(), "O0012");
    drop(tx);
    commit(repo, vec![Change::PutOrder(order("O0013", "dana"))]);
    set_last_number(12);
    let mut tx = repo.write().unwrap();
    assert_eq!(tx.next_order_id().unwrap(), "O0014", "O0013 exists: passed over, never overwritten");
    drop(tx);
    set_last_number(9999);
    let mut tx = repo.write().unwrap();
    assert_eq!(tx.next_order_id().unwrap(), "O10000", "more digits once four are used up");
}

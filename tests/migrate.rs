//! `shopfront migrate`: a whole shop copied into an empty store, the source
//! only read, every record equal field by field after the copy (and after a
//! round trip), console-shop passwords hashed on the way, and refusals that
//! change nothing.

#[allow(dead_code)]
#[path = "../benches/support/big_folder.rs"]
mod big_folder;
mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{folder_snapshot, paying, temp_dir};
use shopfront::domain::checkout::PaymentChoice;
use shopfront::domain::{Order, ProductDraft, User};
use shopfront::shop::{KeyLogin, ShopService};
use shopfront::store::{Data, LockWait};

fn shopfront() -> Command {
    Command::new(env!("CARGO_BIN_EXE_shopfront"))
}

/// Runs `shopfront migrate --from FROM --to TO`: (exit code, stdout, stderr).
fn migrate(from: &str, to: &str) -> (Option<i32>, String, String) {
    let out = shopfront()
        .args(["migrate", "--from", from, "--to", to])
        .env_remove("SHOPFRONT_STORE")
        .env_remove("SHOPFRONT_DATA_DIR")
        .output()
        .expect("run shopfront");
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

fn path_text(path: &Path) -> String {
    path.to_str().expect("a UTF-8 temp path").to_string()
}

/// What a folder holds, read without changing it.
fn data_of(dir: &Path) -> Data {
    shopfront::store::inspect(dir).expect("the folder reads").committed()
}

fn rows<T: Clone + shopfront::store::files::Record>(table: &shopfront::store::Table<T>) -> Vec<T> {
    table.rows().to_vec()
}

/// A shop with something of everything: an admin and a shopper with an
/// address, a remembered card and a linked key; products (one archived);
/// a cart; orders placed, shipped and cancelled; codes; settings; and
/// fields Shopfront does not know in each file.
fn rich_shop(dir: &Path) {
    std::fs::create_dir(dir).unwrap();
    std::fs::write(dir.join("products.json"), "[]").unwrap();
    let shop = ShopService::open_folder(dir, LockWait::Patient { notice: |_| {} }).expect("open");
    shop.add_admin(&shop.owner_at_machine(), "boss", "b0ss-pass").unwrap();
    let boss = shop.login("boss", "b0ss-pass").unwrap();
    let alice = shop.register("alice", "s3cret!").unwrap();
    shop.link_key(&alice, "SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG").unwrap();
    let draft = |name: &str, price: &str, stock: &str| {
        ProductDraft::from_input(name, price, stock, "Kitchen", "", &shop.settings().currency()).unwrap()
    };
    let mug = shop.create_product(&boss, draft("Mug", "4.50", "50")).unwrap().product_id;
    let tea = shop.create_product(&boss, draft("Tea", "3.25", "20")).unwrap().product_id;
    let code = serde_json::from_str(r#"{"code": "TEN10", "kind": "percent", "value": 10}"#).unwrap();
    shop.save_discount(&boss, None, code).unwrap();
    for round in 0..3 {
        shop.add_to_cart(&alice, &mug, 2).unwrap();
        shop.add_to_cart(&alice, &tea, 1).unwrap();
        let mut request = paying(shop.quote(&alice, if round == 0 { Some("TEN10") } else { None }).unwrap());
        request.code = (round == 0).then(|| "TEN10".to_string());
        if let PaymentChoice::NewCard { remember, .. } = &mut request.payment {
            *remember = round == 1;
        }
        let order = shop.checkout(&alice, &request).unwrap();
        match round {
            1 => drop(
                shop.set_order_status(&boss, &order.order_id, shopfront::domain::OrderStatus::Shipped, Some("1Z999"))
                    .unwrap(),
            ),
            2 => drop(shop.cancel_order(&alice, &order.order_id).unwrap()),
            _ => {}
        }
    }
    shop.add_to_cart(&alice, &tea, 3).unwrap();
    shop.set_product_active(&boss, &tea, false).unwrap();
    let mut settings = (*shop.settings()).clone();
    settings.shop_name = "Ada's Kitchen".into();
    shop.save_settings(&boss, settings).unwrap();
    drop(shop);
    // Fields Shopfront does not know, in every kind of record.
    let add_field = |file: &str, from: &str, to: &str| {
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{file}: {text}");
        std::fs::write(&path, text.replacen(from, to, 1)).unwrap();
    };
    add_field("products.json", r#""name":"Mug","#, r#""name":"Mug","color":{"rgb":[1,2,3]},"#);
    add_field("users.json", r#""username":"alice","#, r#""username":"alice","email":"a@example.com","#);
    add_field("carts.json", r#""username":"alice","#, r#""username":"alice","note":"gift","#);
    add_field("orders.json", r#""username":"alice","#, r#""username":"alice","channel":"phone","#);
    add_field("discounts.json", r#""code":"TEN10","#, r#""code":"TEN10","campaign":"spring","#);
    add_field("settings.json", r#""shop_name""#, r#""theme": "dark", "shop_name""#);
    // And inside nested objects: a change stamp, a remembered card's expiry.
    add_field("products.json", r#""changed":{"by":"boss","#, r#""changed":{"why":"restock","by":"boss","#);
    add_field("discounts.json", r#""changed":{"by":"boss","#, r#""changed":{"why":["spring",2.50],"by":"boss","#);
    add_field("settings.json", r#""changed": {"#, r#""changed": {"why": "rename","#);
    add_field("users.json", r#""expiry":{"year":"#, r#""expiry":{"note":"x","year":"#);
}

/// The unknown fields `rich_shop` put inside nested objects, as written.
fn assert_nested_unknown_fields(data: &Data) {
    let why =
        |changed: Option<&shopfront::domain::AdminChange>| changed.and_then(|c| c.extra.get("why").map(str::to_string));
    let products: Vec<_> = data.products.rows().iter().map(|p| why(p.changed.as_deref())).collect();
    assert!(products.contains(&Some(r#""restock""#.into())), "{products:?}");
    assert_eq!(why(data.discounts.rows()[0].changed.as_ref()).as_deref(), Some(r#"["spring",2.50]"#));
    assert_eq!(why(data.settings.changed.as_ref()).as_deref(), Some(r#""rename""#));
    let notes: Vec<_> = data
        .users
        .rows()
        .iter()
        .flat_map(|u| &u.cards)
        .map(|c| c.expiry.extra.get("note").map(str::to_string))
        .collect();
    assert_eq!(notes, [Some(r#""x""#.to_string())]);
}

fn assert_same_shop(a: &Data, b: &Data) {
    assert_eq!(rows(&a.users), rows(&b.users));
    assert_eq!(rows(&a.products), rows(&b.products));
    assert_eq!(rows(&a.carts), rows(&b.carts));
    assert_eq!(rows(&a.orders), rows(&b.orders));
    assert_eq!(rows(&a.discounts), rows(&b.discounts));
    assert_eq!(a.settings, b.settings);
}

#[test]
fn a_shop_round_trips_through_migrate_field_by_field() {
    let tmp = temp_dir();
    let (source, copy, back) = (tmp.path().join("source"), tmp.path().join("copy"), tmp.path().join("back"));
    rich_shop(&source);
    let before = folder_snapshot(&source);
    let (code, out, err) = migrate(&path_text(&source), &path_text(&copy));
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("2 accounts, 2 products") && out.contains("3 orders"), "{out}");
    assert_eq!(folder_snapshot(&source), before, "the source is only read");
    let original = data_of(&source);
    assert!(original.users.rows().iter().any(|u| !u.extra.is_empty()), "the unknown field is there to keep");
    assert_same_shop(&original, &data_of(&copy));
    let (code, out, err) = migrate(&path_text(&copy), &path_text(&back));
    assert_eq!(code, Some(0), "{out}{err}");
    assert_same_shop(&original, &data_of(&back));
    assert_nested_unknown_fields(&data_of(&back));
    // The copy is a shop: alice logs in with her password and sees her orders.
    let shop = ShopService::open_folder(&back, LockWait::Patient { notice: |_| {} }).unwrap();
    let alice = shop.login("alice", "s3cret!").unwrap();
    assert_eq!(shop.orders_of(&alice).unwrap().len(), 3);
    assert_eq!(
        shop.key_login("SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG").unwrap().map(|opened| match opened {
            KeyLogin::Shopper(account) => account.username().to_string(),
            KeyLogin::AdminNeedsPassword(name) => format!("admin {name}"),
        }),
        Some("alice".into())
    );
    let next: Order = {
        shop.remove_from_cart(&alice, &original.products.rows()[1].product_id).unwrap();
        shop.add_to_cart(&alice, &original.products.rows()[0].product_id, 1).unwrap();
        shop.checkout(&alice, &paying(shop.quote(&alice, None).unwrap())).unwrap()
    };
    assert_eq!(next.order_id, "O0004", "order ids go on from the copied ones");
}

/// JSON folder -> SQLite -> JSON folder: every record equal field by field,
/// and the database works as a shop in between.
#[test]
fn a_shop_round_trips_through_sqlite_field_by_field() {
    let tmp = temp_dir();
    let (source, back) = (tmp.path().join("source"), tmp.path().join("back"));
    let database = format!("sqlite:{}", path_text(&tmp.path().join("shop.db")));
    rich_shop(&source);
    let (code, out, err) = migrate(&path_text(&source), &database);
    assert_eq!(code, Some(0), "{out}{err}");
    let (code, out, err) = migrate(&database, &path_text(&back));
    assert_eq!(code, Some(0), "{out}{err}");
    assert_same_shop(&data_of(&source), &data_of(&back));
    assert_nested_unknown_fields(&data_of(&back));
    let location = shopfront::location::Location::parse(&database.clone().into(), "store").unwrap();
    let shop = ShopService::open(&location, LockWait::Patient { notice: |_| {} }).unwrap();
    let alice = shop.login("alice", "s3cret!").unwrap();
    assert_eq!(shop.orders_of(&alice).unwrap().len(), 3);
    // A database that holds a shop is never a target.
    let (code, _, err) = migrate(&path_text(&source), &database);
    assert_eq!(code, Some(1));
    assert!(err.contains("empty store only"), "{err}");
}

#[test]
fn a_console_shop_folder_migrates_with_its_passwords_hashed_on_the_way() {
    let tmp = temp_dir();
    let source = common::copy_legacy_fixture(tmp.path());
    let copy = tmp.path().join("copy");
    let before = folder_snapshot(&source);
    let (code, out, err) = migrate(&path_text(&source), &path_text(&copy));
    assert_eq!(code, Some(0), "{out}{err}");
    assert_eq!(folder_snapshot(&source), before, "the console shop's folder is left as it was");
    let users = std::fs::read_to_string(copy.join("users.json")).unwrap();
    assert!(!users.contains("hunter22") && users.contains("$argon2id$"), "{users}");
    let (original, copied) = (data_of(&source), data_of(&copy));
    let without_password = |users: Vec<User>| -> Vec<User> {
        users.into_iter().map(|u| User { password: None, password_hash: None, ..u }).collect()
    };
    assert_eq!(without_password(rows(&original.users)), without_password(rows(&copied.users)));
    assert_eq!(rows(&original.orders), rows(&copied.orders));
    assert_eq!(rows(&original.products), rows(&copied.products));
    let shop = ShopService::open_folder(&copy, LockWait::Patient { notice: |_| {} }).unwrap();
    assert!(shop.login("dana", "hunter22").is_ok(), "dana's old password still works");
    // Straight into SQLite too.
    let database = tmp.path().join("console.db");
    let (code, out, err) = migrate(&path_text(&source), &format!("sqlite:{}", path_text(&database)));
    assert_eq!(code, Some(0), "{out}{err}");
    assert_eq!(folder_snapshot(&source), before);
    let bytes = std::fs::read(&database).unwrap();
    assert!(!bytes.windows(8).any(|w| w == b"hunter22"), "no plaintext password in the database");
    let location = shopfront::location::Location::Sqlite(database);
    let shop = ShopService::open(&location, LockWait::Patient { notice: |_| {} }).unwrap();
    assert!(shop.login("dana", "hunter22").is_ok());
}

#[test]
fn a_target_that_holds_anything_is_refused_and_left_alone() {
    let tmp = temp_dir();
    let source = common::copy_legacy_fixture(tmp.path());
    let taken = tmp.path().join("taken");
    std::fs::create_dir(&taken).unwrap();
    std::fs::write(taken.join("notes.txt"), "mine").unwrap();
    let (code, out, err) = migrate(&path_text(&source), &path_text(&taken));
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(err.contains("empty store only"), "{err}");
    assert_eq!(folder_snapshot(&taken), vec![("notes.txt".to_string(), b"mine".to_vec())]);
    let (code, _, err) = migrate(&path_text(&source), &path_text(&source));
    assert_eq!(code, Some(1));
    assert!(err.contains("the source itself"), "{err}");
    let missing: PathBuf = tmp.path().join("no-such-shop");
    let (code, _, err) = migrate(&path_text(&missing), &path_text(&tmp.path().join("new")));
    assert_eq!(code, Some(1));
    assert!(err.contains("cannot read the source") && err.contains("no-such-shop"), "{err}");
    assert!(!tmp.path().join("new").exists(), "nothing made for a source that cannot be read");
    let (code, _, err) = migrate("sqlite:", &path_text(&taken));
    assert_eq!(code, Some(2), "{err}");
    // A source database that is not one, or not there: refused, never made or changed.
    let bogus = tmp.path().join("bogus.db");
    std::fs::write(&bogus, "not a database").unwrap();
    let (code, _, err) = migrate(&format!("sqlite:{}", path_text(&bogus)), &path_text(&tmp.path().join("out")));
    assert_eq!(code, Some(1));
    assert!(err.contains("not an SQLite database"), "{err}");
    assert_eq!(std::fs::read(&bogus).unwrap(), b"not a database");
    let nowhere = tmp.path().join("nowhere.db");
    let (code, _, err) = migrate(&format!("sqlite:{}", path_text(&nowhere)), &path_text(&tmp.path().join("out")));
    assert_eq!(code, Some(1));
    assert!(err.contains("no such database file"), "{err}");
    assert!(!nowhere.exists() && !tmp.path().join("out").exists());
}

/// A database whose only change is its settings (`admin settings`) holds a
/// shop: refused, its settings kept (they were overwritten with the
/// source's before).
#[test]
fn a_target_with_changed_settings_is_refused_and_keeps_them() {
    let tmp = temp_dir();
    let source = common::copy_legacy_fixture(tmp.path());
    let database = format!("sqlite:{}", path_text(&tmp.path().join("shop.db")));
    let settings = |extra: &[&str]| {
        let out = shopfront()
            .args(["--store", &database, "admin", "settings"])
            .args(extra)
            .env_remove("SHOPFRONT_STORE")
            .env_remove("SHOPFRONT_DATA_DIR")
            .output()
            .expect("run shopfront");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let changed = settings(&["--shipping", "9.50", "--tax-percent", "20"]);
    assert!(changed.contains("$9.50") && changed.contains("20 %"), "{changed}");
    let (code, out, err) = migrate(&path_text(&source), &database);
    assert_eq!(code, Some(1), "{out}{err}");
    assert!(err.contains("empty store only") && err.contains("settings"), "{err}");
    assert_eq!(settings(&[]), changed);
}

/// JSON folder -> PostgreSQL -> SQLite -> JSON folder, equal field by field.
#[test]
fn a_shop_round_trips_through_postgres_field_by_field() {
    let test = "a_shop_round_trips_through_postgres_field_by_field";
    let Some(database) = shopfront::repo::postgres::testing::TestDatabase::create(test) else { return };
    let tmp = temp_dir();
    let (source, back) = (tmp.path().join("source"), tmp.path().join("back"));
    let sqlite = format!("sqlite:{}", path_text(&tmp.path().join("shop.db")));
    rich_shop(&source);
    for (from, to) in [(path_text(&source), database.url().to_string()), (database.url().to_string(), sqlite.clone())] {
        let (code, out, err) = migrate(&from, &to);
        assert_eq!(code, Some(0), "{out}{err}");
        let url = database.url();
        let password = url.split("://").nth(1).and_then(|rest| rest.split('@').next()).and_then(|u| u.split_once(':'));
        if let Some((_, password)) = password.filter(|(_, p)| !p.is_empty()) {
            assert!(!out.contains(password) && !err.contains(password), "the password shown: {out}{err}");
        }
    }
    let (code, out, err) = migrate(&sqlite, &path_text(&back));
    assert_eq!(code, Some(0), "{out}{err}");
    assert_same_shop(&data_of(&source), &data_of(&back));
    assert_nested_unknown_fields(&data_of(&back));
    // A database that holds a shop is never a target.
    let (code, _, err) = migrate(&path_text(&source), database.url());
    assert_eq!(code, Some(1));
    assert!(err.contains("empty store only"), "{err}");
}

/// Each table's rows equal one by one; on a difference, only the first
/// differing row is shown (a shop of 100,000 orders would fill the screen).
fn assert_rows_equal<T: PartialEq + std::fmt::Debug>(what: &str, a: &[T], b: &[T]) {
    assert_eq!(a.len(), b.len(), "{what}: as many rows");
    if let Some(i) = (0..a.len()).find(|&i| a[i] != b[i]) {
        panic!("{what}: row {i} differs:\n{:#?}\nbecame\n{:#?}", a[i], b[i]);
    }
}

/// `assert_same_shop`, row by row, for big shops.
fn assert_same_big_shop(a: &Data, b: &Data) {
    assert_rows_equal("users", a.users.rows(), b.users.rows());
    assert_rows_equal("products", a.products.rows(), b.products.rows());
    assert_rows_equal("carts", a.carts.rows(), b.carts.rows());
    assert_rows_equal("orders", a.orders.rows(), b.orders.rows());
    assert_rows_equal("discounts", a.discounts.rows(), b.discounts.rows());
    assert_eq!(a.settings, b.settings);
}

/// Issue 18: the demo shop — what a fresh folder is seeded with — folder
/// -> SQLite -> folder, equal field by field (and through PostgreSQL too
/// when SHOPFRONT_TEST_PG names one).
#[test]
fn the_demo_shop_round_trips_through_sqlite_field_by_field() {
    let tmp = temp_dir();
    let (demo, back) = (tmp.path().join("demo"), tmp.path().join("back"));
    drop(common::open(&demo));
    let original = data_of(&demo);
    assert_eq!(original.products.rows().len(), 44, "the demo catalog");
    assert!(original.products.rows().iter().all(|p| p.description.is_some() && p.category.is_some()));
    let before = folder_snapshot(&demo);
    let database = format!("sqlite:{}", path_text(&tmp.path().join("demo.db")));
    let (code, out, err) = migrate(&path_text(&demo), &database);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("44 products"), "{out}");
    assert_eq!(folder_snapshot(&demo), before, "the source is only read");
    let (code, out, err) = migrate(&database, &path_text(&back));
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("44 products"), "{out}");
    assert_same_shop(&original, &data_of(&back));

    // PostgreSQL, when there is one to try: folder -> PostgreSQL -> folder.
    let Some(postgres) =
        shopfront::repo::postgres::testing::TestDatabase::create("the_demo_shop_round_trips_through_sqlite")
    else {
        return;
    };
    let from_postgres = tmp.path().join("from-postgres");
    let (code, out, err) = migrate(&path_text(&demo), postgres.url());
    assert_eq!(code, Some(0), "{out}{err}");
    let (code, out, err) = migrate(postgres.url(), &path_text(&from_postgres));
    assert_eq!(code, Some(0), "{out}{err}");
    assert_same_shop(&original, &data_of(&from_postgres));
}

/// Issue 18: the old console shop's folder -> SQLite -> folder. What comes
/// back equals the console shop after the conversions its first open
/// makes (plaintext passwords hashed, money written with two decimals);
/// the password is never in the database, the output or the folder made.
#[test]
fn the_console_shop_round_trips_through_sqlite_after_its_first_open_conversions() {
    let tmp = temp_dir();
    let source = common::copy_legacy_fixture(tmp.path());
    let before = folder_snapshot(&source);
    // What the first open of the console shop's folder makes of it, on a copy.
    let opened = tmp.path().join("opened");
    std::fs::create_dir(&opened).unwrap();
    for entry in std::fs::read_dir(&source).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), opened.join(entry.file_name())).unwrap();
    }
    drop(common::open(&opened));
    let converted = data_of(&opened);
    assert!(converted.users.rows().iter().all(|u| u.password.is_none() && u.password_hash.is_some()));

    let database_path = tmp.path().join("console.db");
    let database = format!("sqlite:{}", path_text(&database_path));
    let back = tmp.path().join("back");
    let (code, out1, err1) = migrate(&path_text(&source), &database);
    assert_eq!(code, Some(0), "{out1}{err1}");
    assert_eq!(folder_snapshot(&source), before, "the console shop's folder is left as it was");
    let (code, out2, err2) = migrate(&database, &path_text(&back));
    assert_eq!(code, Some(0), "{out2}{err2}");
    let copied = data_of(&back);

    // Field by field, the hashes aside (each hashing draws its own salt).
    let without_hash =
        |users: &[User]| -> Vec<User> { users.iter().map(|u| User { password_hash: None, ..u.clone() }).collect() };
    assert_eq!(without_hash(converted.users.rows()), without_hash(copied.users.rows()));
    assert_same_shop(&Data { users: copied.users.clone(), ..converted.clone() }, &copied);
    assert_eq!(rows(&copied.orders)[0].total, shopfront::domain::Money::from_cents(50), "0.5000000000000001 is $0.50");
    for user in copied.users.rows() {
        assert_eq!(user.password, None, "{}: no plaintext password", user.username);
        assert!(user.password_hash.as_deref().is_some_and(|h| h.starts_with("$argon2id$")), "{}", user.username);
    }
    // Money as the shop writes it: whole cents (at most two decimals; the
    // shop writes 0.1 and 89.5 as the console shop did), the float sum
    // 0.5000000000000001 rounded to 0.5.
    let orders = std::fs::read_to_string(back.join("orders.json")).unwrap();
    assert!(orders.contains(r#""total":0.5,"#) && !orders.contains("0.5000000000000001"), "{orders}");
    for file in ["products.json", "orders.json", "carts.json"] {
        let text = std::fs::read_to_string(back.join(file)).unwrap();
        let mut amounts = 0;
        for amount in text.split(['[', ',', '{']).filter_map(|field| {
            let (key, value) = field.split_once(':')?;
            ["\"price\"", "\"unit_price\"", "\"total\""]
                .contains(&key.trim())
                .then(|| value.trim_end_matches([']', '}', '\n']))
        }) {
            let decimals = amount.split_once('.').map_or(0, |(_, d)| d.len());
            assert!(decimals <= 2 && amount.parse::<f64>().is_ok(), "{file}: {amount:?} in\n{text}");
            amounts += 1;
        }
        assert!(amounts >= 2, "{file}: amounts found in\n{text}");
    }

    // The password: nowhere but in the console shop's own folder.
    let secret = b"hunter22";
    let holds = |bytes: &[u8]| bytes.windows(secret.len()).any(|w| w == secret);
    for text in [&out1, &err1, &out2, &err2] {
        assert!(!holds(text.as_bytes()), "the password in the output: {text}");
    }
    for entry in std::fs::read_dir(tmp.path()).unwrap().chain(std::fs::read_dir(&back).unwrap()) {
        let path = entry.unwrap().path();
        if path.is_file() {
            assert!(!holds(&std::fs::read(&path).unwrap()), "the password in {}", path.display());
        }
    }
    // And the hash the copy carries is of that password.
    let shop = ShopService::open_folder(&back, LockWait::Patient { notice: |_| {} }).unwrap();
    let dana = shop.login("dana", "hunter22").expect("dana logs in with her old password");
    assert_eq!(shop.orders_of(&dana).unwrap().len(), 1);
    assert!(shop.login("dana", "hunter23").is_err());
}

/// The unknown fields every record of the big shop carries, as another
/// program might have written them (spaces, a number's own spelling,
/// escapes, nested objects): kept as written, they must come back so.
fn unknown_fields(kind: &str) -> String {
    format!(r#"{{"k": "{kind}", "n": [1.50, 2e3, -0, 12345678901234567890], "s": "\u00e9\"", "o": {{"z": {{}}}}}}"#)
}

/// Every kind of record, nested ones included.
const KINDS: [&str; 15] = [
    "product",
    "user",
    "address",
    "card",
    "cart",
    "cart_line",
    "order",
    "line",
    "event",
    "payment",
    "refund",
    "discount",
    "settings",
    "shipping",
    "tax",
];

/// `{"x_KIND":…,` opening a JSON object: its unknown field, then `rest`.
fn open_with_unknown(kind: &str, rest: &str) -> String {
    format!("{{\"x_{kind}\":{},{rest}", unknown_fields(kind))
}

/// The JSON object `json` (as serde writes it) with `kind`'s unknown field first.
fn with_unknown(kind: &str, json: &str) -> String {
    open_with_unknown(kind, json.strip_prefix('{').expect("an object"))
}

/// Rewrites `file` of `dir`: every `from` becomes `to`.
fn replace_in(dir: &Path, file: &str, changes: &[(&str, &str)]) {
    let path = dir.join(file);
    let mut text = std::fs::read_to_string(&path).unwrap();
    for (from, to) in changes {
        assert!(text.contains(from), "{file}: no {from}");
        text = text.replace(from, to);
    }
    std::fs::write(path, text).unwrap();
}

/// A shop of `products` products and `orders` orders (benches/support's
/// generator, its records one a line) with unknown fields in every kind of
/// record: products, accounts, their addresses and cards, carts and their
/// lines, orders, their lines, events, address, payment and refund,
/// discount codes, and the settings with their shipping and tax. Written
/// as text, not through serde_json::Value: seconds, not minutes, in debug.
fn big_shop_with_unknown_fields(dir: &Path, products: usize, orders: usize) {
    use shopfront::domain::payment::{Brand, CardOnFile, Expiry, Payment, Refund};
    big_folder::write_big_folder(dir, products, orders, 1_000).expect("generate");
    fn json<T: serde::Serialize>(record: &T) -> String {
        serde_json::to_string(record).expect("a record writes")
    }
    let full = ["Zoë Äbel", "1 Rue de Rivoli", "Apt 2", "Paris", "Île-de-France", "75001", "FR", "+33 1 23 45 67 89"];
    let full = shopfront::domain::Address::from_fields(full).expect("a valid address");
    let address = with_unknown("address", &json(&full));
    let card = CardOnFile {
        brand: Brand::Visa,
        last4: "4242".into(),
        expiry: Expiry::new(2039, 12),
        extra: Default::default(),
    };
    let card = with_unknown("card", &json(&card));
    replace_in(dir, "products.json", &[("{\"product_id\":", &open_with_unknown("product", "\"product_id\":"))]);
    let user = open_with_unknown("user", &format!("\"addresses\":[{address}],\"cards\":[{card}],\"username\":"));
    replace_in(dir, "users.json", &[("{\"username\":", &user)]);
    // One account in ten has a linked key.
    let path = dir.join("users.json");
    let users: Vec<String> = std::fs::read_to_string(&path)
        .unwrap()
        .lines()
        .enumerate()
        .map(|(i, line)| match line.strip_prefix('{') {
            Some(rest) if i % 10 == 1 => format!("{{\"ssh_keys\":[\"SHA256:{:0>43}\"],{rest}", format!("key{i}")),
            _ => line.to_string(),
        })
        .collect();
    std::fs::write(&path, users.join("\n") + "\n").unwrap();
    replace_in(
        dir,
        "carts.json",
        &[
            ("{\"username\":", &open_with_unknown("cart", "\"username\":")),
            ("{\"product_id\":", &open_with_unknown("cart_line", "\"product_id\":")),
        ],
    );
    replace_in(
        dir,
        "orders.json",
        &[
            ("{\"product_id\":", &open_with_unknown("line", "\"product_id\":")),
            ("{\"at\":", &open_with_unknown("event", "\"at\":")),
        ],
    );
    // Each order: its unknown field, address, payment (refunded if cancelled), tracking, a code.
    let path = dir.join("orders.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut out = String::with_capacity(text.len() * 2);
    for (i, line) in text.lines().enumerate() {
        let Some(rest) = line.strip_prefix('{') else {
            out.push_str(line);
            out.push('\n');
            continue;
        };
        let cancelled = line.contains(r#""status":"cancelled","events""#);
        let refund = cancelled.then(|| Refund {
            amount: shopfront::domain::Money::from_cents(100),
            reference: format!("ch_{i}_refund"),
            by: "u1".into(),
            at: shopfront::domain::Timestamp::parse("2026-03-01 10:00:00").unwrap(),
            extra: Default::default(),
        });
        let payment = Payment {
            brand: Brand::Mastercard,
            last4: "4444".into(),
            reference: format!("ch_{i}"),
            refund,
            extra: Default::default(),
        };
        let mut payment = with_unknown("payment", &json(&payment));
        if cancelled {
            payment = payment.replace("\"refund\":{", &format!("\"refund\":{}", open_with_unknown("refund", "")));
        }
        let mut fields =
            format!("\"x_order\":{},\"address\":{address},\"payment\":{payment},", unknown_fields("order"));
        if line.contains(r#""status":"shipped""#) || line.contains(r#""status":"delivered""#) {
            fields.push_str(&format!("\"tracking\":\"1Z{i:08}\","));
        }
        if i % 10 == 1 {
            fields.push_str("\"discount_code\":\"SPRING\",");
        }
        out.push('{');
        out.push_str(&fields);
        out.push_str(rest);
        out.push('\n');
    }
    std::fs::write(&path, out).unwrap();
    let codes = [
        r#""code":"SPRING","kind":"percent","value":10}"#,
        r#""code":"FIVE","kind":"fixed","value":5.00,"min_subtotal":20,"max_uses":100}"#,
        r#""code":"SHIPFREE","kind":"free_shipping","active":false}"#,
    ];
    let codes: Vec<String> = codes.iter().map(|code| open_with_unknown("discount", code)).collect();
    std::fs::write(dir.join("discounts.json"), format!("[{}]", codes.join(","))).unwrap();
    let settings = json(&shopfront::domain::Settings::default());
    let settings = with_unknown("settings", &settings)
        .replace("\"shipping\":{", &format!("\"shipping\":{}", open_with_unknown("shipping", "")))
        .replace("\"tax\":{", &format!("\"tax\":{}", open_with_unknown("tax", "")));
    std::fs::write(dir.join("settings.json"), settings).unwrap();
}

/// Every record of every kind in `data` holds its unknown field as written
/// (a refund: every cancelled order's).
fn assert_unknown_fields_in_every_kind(data: &Data) {
    use shopfront::domain::extra::Extra;
    let written: std::collections::HashMap<&str, String> = KINDS.iter().map(|k| (*k, unknown_fields(k))).collect();
    let mut seen: std::collections::BTreeMap<&str, usize> = Default::default();
    let mut kept = |extra: &Extra, kind: &'static str| {
        let key = format!("x_{kind}");
        assert_eq!(extra.get(&key), Some(written[kind].as_str()), "{kind}'s unknown field");
        *seen.entry(kind).or_default() += 1;
    };
    for user in data.users.rows() {
        kept(&user.extra, "user");
        user.addresses.iter().for_each(|a| kept(&a.extra, "address"));
        user.cards.iter().for_each(|c| kept(&c.extra, "card"));
    }
    data.products.rows().iter().for_each(|p| kept(&p.extra, "product"));
    for cart in data.carts.rows() {
        kept(&cart.extra, "cart");
        cart.items.iter().for_each(|l| kept(&l.extra, "cart_line"));
    }
    for order in data.orders.rows() {
        kept(&order.extra, "order");
        order.items.iter().for_each(|l| kept(&l.extra, "line"));
        order.events.iter().for_each(|e| kept(&e.extra, "event"));
        kept(&order.address.as_ref().expect("an address").extra, "address");
        let payment = order.payment.as_ref().expect("a payment");
        kept(&payment.extra, "payment");
        assert_eq!(payment.refund.is_some(), order.status == shopfront::domain::OrderStatus::Cancelled);
        payment.refund.iter().for_each(|r| kept(&r.extra, "refund"));
    }
    data.discounts.rows().iter().for_each(|d| kept(&d.extra, "discount"));
    kept(&data.settings.extra, "settings");
    kept(&data.settings.shipping.extra, "shipping");
    kept(&data.settings.tax.extra, "tax");
    assert_eq!(seen.len(), KINDS.len(), "every kind seen: {seen:?}");
    assert_eq!((seen["product"], seen["order"], seen["user"], seen["discount"]), (100_000, 100_000, 1_000, 3));
    assert!(seen["line"] > 100_000 && seen["refund"] > 10_000, "{seen:?}");
}

/// Issue 18: a generated shop of 100,000 products and 100,000 orders, with
/// unknown fields in every kind of record, folder -> SQLite -> folder:
/// every record equal field by field, every unknown field as written.
///
/// The debug binary's two copies are most of its time (about two minutes
/// of CPU in debug, the generation a few seconds);
/// `cargo test --release --test migrate` runs it in seconds.
#[test]
fn a_big_shop_with_unknown_fields_everywhere_round_trips_through_sqlite() {
    let started = std::time::Instant::now();
    let tmp = temp_dir();
    let (source, back) = (tmp.path().join("source"), tmp.path().join("back"));
    big_shop_with_unknown_fields(&source, 100_000, 100_000);
    eprintln!("generated in {:?}", started.elapsed());
    let database = format!("sqlite:{}", path_text(&tmp.path().join("big.db")));
    // The source is read here while `migrate` copies it (two cores).
    let (original, (code, out, err)) = std::thread::scope(|scope| {
        let original = scope.spawn(|| data_of(&source));
        let migrated = migrate(&path_text(&source), &database);
        (original.join().expect("the source reads"), migrated)
    });
    assert_eq!((original.products.rows().len(), original.orders.rows().len()), (100_000, 100_000));
    assert_unknown_fields_in_every_kind(&original);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("100000 products") && out.contains("100000 orders"), "{out}");
    eprintln!("to SQLite in {:?}", started.elapsed());
    let (code, out, err) = migrate(&database, &path_text(&back));
    assert_eq!(code, Some(0), "{out}{err}");
    eprintln!("back in {:?}", started.elapsed());
    let copied = data_of(&back);
    assert_unknown_fields_in_every_kind(&copied);
    assert_same_big_shop(&original, &copied);
    eprintln!("compared in {:?}", started.elapsed());
}

/// Every optional field of every record set, records in no sorted order,
/// lines of products and carts of accounts that are no longer there, text
/// beyond ASCII (and a NUL): folder -> SQLite -> folder, field by field.
#[test]
fn every_optional_field_round_trips_through_sqlite() {
    const HASH: &str =
        "$argon2id$v=19$m=19456,t=2,p=1$2RgP5SEU4DTMOCCXVta/9g$t+RMBeeMO3A6CIdHT04VBajD2os9WiBy6quirw3FQsk";
    let tmp = temp_dir();
    let (source, back) = (tmp.path().join("source"), tmp.path().join("back"));
    std::fs::create_dir(&source).unwrap();
    let files = [
        (
            "users.json",
            format!(
                r#"[{{"username":"zed","password_hash":"{HASH}","created_at":"2026-01-03 09:00:00"}},
{{"username":"Boss.Admin","password_hash":"{HASH}","role":"admin","created_at":"2026-01-01 09:00:00",
 "addresses":[{{"full_name":"Zoë Ä","street":"1 Rue","street2":"Apt 2","city":"Paris","region":"IdF","postal_code":"75001","country":"FR","phone":"+33 1","x":[1]}},
  {{"full_name":"Ann","street":"2 Main St","city":"Leeds","postal_code":"LS1 1AA","country":"UK"}}],
 "cards":[{{"brand":"american_express","last4":"0005","expiry":{{"year":2030,"month":1,"note":"x"}}}},{{"brand":"other","last4":"1234","expiry":{{"year":2031,"month":2}},"nick":"old"}}],
 "ssh_keys":["SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG","SHA256:bbcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"]}}]"#
            ),
        ),
        (
            "products.json",
            r#"[{"product_id":"P3","name":"Mug ☕ \u0000","price":4.5,"stock":3,"description":"","category":""},
{"product_id":"P10","name":"Tea","price":1000000,"stock":1000000000,"description":"Green\ntea","category":"Kitchen","active":false,
 "changed":{"by":"Boss.Admin","at":"2026-01-02 03:04:05","why":"restock"}},
{"product_id":"P2","name":"Cup","price":0.01,"stock":0}]"#
                .to_string(),
        ),
        (
            "carts.json",
            r#"[{"username":"zed","items":[{"product_id":"P3","qty":1,"unit_price":4.5},{"product_id":"P404","qty":2,"unit_price":1}]},
{"username":"gone","items":[]}]"#
                .to_string(),
        ),
        (
            "orders.json",
            r#"[{"order_id":"O0009","username":"Boss.Admin","items":[{"product_id":"P10","name":"Tea","qty":2,"unit_price":2.5}],"total":12.5,
 "timestamp":"2026-02-10 18:12:44","status":"cancelled",
 "events":[{"at":"2026-02-10 18:12:44","by":"Boss.Admin","status":"placed"},{"at":"2026-02-10 18:13:44","by":"boss","status":"cancelled","refunded":12.5}],
 "subtotal":5,"discount_code":"TEN-10","discount":0.5,"shipping":7.5,"tax":0.5,"tax_included":true,"tracking":"1Z999",
 "address":{"full_name":"Zoë Ä","street":"1 Rue","street2":"Apt 2","city":"Paris","region":"IdF","postal_code":"75001","country":"FR","phone":"+33 1"},
 "payment":{"brand":"mastercard","last4":"4444","reference":"ch_1","refund":{"amount":12.5,"reference":"ch_1_refund","by":"boss","at":"2026-02-10 18:13:44"}},
 "checkout_key":"k-1"},
{"order_id":"3fa9c2d1","username":"ghost","items":[{"product_id":"P999","qty":3,"unit_price":0.1}],"total":0.30000000000000004,"timestamp":"2026-02-09 18:12:44"},
{"order_id":"O0002","username":"zed","items":[{"product_id":"P2","qty":1,"unit_price":0.01}],"total":5.01,"timestamp":"2026-02-11 18:12:44","status":"delivered",
 "events":[{"at":"2026-02-11 18:12:44","by":"zed","status":"placed"},{"at":"2026-02-11 18:12:45","by":"payment","status":"paid"},
  {"at":"2026-02-12 08:00:00","by":"Boss.Admin","status":"shipped"},{"at":"2026-02-13 08:00:00","by":"Boss.Admin","status":"delivered"}],
 "subtotal":0.01,"shipping":5}]"#
                .to_string(),
        ),
        (
            "discounts.json",
            r#"[{"code":"ZZZ","kind":"fixed","value":1},
{"code":"TEN-10","kind":"percent","value":10,"min_subtotal":2,"starts":"2026-01-01 00:00:00","expires":"2027-01-01 00:00:00",
 "max_uses":3,"max_uses_per_user":1,"active":false,"changed":{"by":"Boss.Admin","at":"2026-01-01 00:00:00","why":{"n":[1,2.50]}}},
{"code":"SHIP_FREE","kind":"free_shipping","min_subtotal":20}]"#
                .to_string(),
        ),
        (
            "settings.json",
            r#"{"shop_name":"Zoë's","currency":"CHF ","shipping":{"flat":7.5,"free_over":null},
"tax":{"rate_percent":7.7,"included_in_prices":true},"changed":{"by":"Boss.Admin","at":"2026-01-02 03:04:05","why":"tax"}}"#
                .to_string(),
        ),
    ];
    for (name, text) in &files {
        std::fs::write(source.join(name), text).unwrap();
    }
    let original = data_of(&source);
    // What is read is what was written: nothing defaulted away.
    assert_eq!(original.settings.currency, "CHF ");
    assert_eq!(original.settings.shipping.free_over, None);
    assert_eq!(original.orders.rows()[0].payment.as_ref().unwrap().refund.as_ref().unwrap().reference, "ch_1_refund");
    assert_eq!(original.users.rows()[1].cards.len(), 2);
    let database = format!("sqlite:{}", path_text(&tmp.path().join("shop.db")));
    let (code, out, err) = migrate(&path_text(&source), &database);
    assert_eq!(code, Some(0), "{out}{err}");
    let (code, out, err) = migrate(&database, &path_text(&back));
    assert_eq!(code, Some(0), "{out}{err}");
    let copied = data_of(&back);
    assert_same_shop(&original, &copied);
    let ids = |data: &Data| -> Vec<String> { data.orders.rows().iter().map(|o| o.order_id.clone()).collect() };
    assert_eq!(ids(&copied), ["O0009", "3fa9c2d1", "O0002"], "the orders in their order");
    assert_eq!(copied.products.rows()[0].name, "Mug ☕ \u{0}");
    // Unknown fields inside nested objects, as written: the change stamps
    // (a product's, a code's, the settings') and a card's expiry.
    for (file, kept) in [
        ("products.json", r#""changed":{"by":"Boss.Admin","at":"2026-01-02 03:04:05","why":"restock"}"#),
        ("discounts.json", r#""changed":{"by":"Boss.Admin","at":"2026-01-01 00:00:00","why":{"n":[1,2.50]}}"#),
        ("users.json", r#""expiry":{"year":2030,"month":1,"note":"x"}"#),
    ] {
        let text = std::fs::read_to_string(back.join(file)).unwrap();
        assert!(text.contains(kept), "{file} lost {kept}:\n{text}");
    }
    // settings.json is written pretty.
    let settings: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(back.join("settings.json")).unwrap()).unwrap();
    assert_eq!(settings["changed"]["why"], "tax", "{settings}");
}

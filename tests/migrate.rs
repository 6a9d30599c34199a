//! `shopfront migrate`: a whole shop copied into an empty store, the source
//! only read, every record equal field by field after the copy (and after a
//! round trip), console-shop passwords hashed on the way, and refusals that
//! change nothing.

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
    // A database that holds a shop is never a target.
    let (code, _, err) = migrate(&path_text(&source), database.url());
    assert_eq!(code, Some(1));
    assert!(err.contains("empty store only"), "{err}");
}

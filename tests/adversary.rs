//! The shop tried as an adversary would: hostile names, planted links and
//! pipes, failing disks, a removed lock file, read-only folders. Each test
//! here failed on the code before its fix.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::*;
use shopfront::store::{Store, journal};

fn shopfront(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shopfront")).arg("--data-dir").arg(dir).args(args).output().expect("run")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

// ---- 2: the lock ----

#[test]
fn removing_the_lock_file_while_copies_run_loses_nothing() {
    let dir = temp_dir();
    write_products(dir.path(), &[("P1", "Mug", "1.00", 1_000_000)]);
    let mut first = open(dir.path());
    first.register("ann", "s3cret!").unwrap();
    first.register("bob", "s3cret!").unwrap();
    // `.lock` disappears (a clean-up script, a user) while `first` runs; a
    // copy started after that creates a new one.
    fs::remove_file(dir.path().join(".lock")).unwrap();
    let second = open(dir.path());
    const ROUNDS: u32 = 150;
    let run = |mut store: Store, user: &'static str| {
        std::thread::spawn(move || {
            for _ in 0..ROUNDS {
                store.add_to_cart(user, "P1", 1).unwrap();
            }
        })
    };
    let a = run(first, "ann");
    let b = run(second, "bob");
    a.join().unwrap();
    b.join().unwrap();
    let store = open(dir.path());
    assert_eq!(store.cart("ann").qty_of("P1"), u64::from(ROUNDS), "ann's cart lost updates");
    assert_eq!(store.cart("bob").qty_of("P1"), u64::from(ROUNDS), "bob's cart lost updates");
}

// ---- 4: a failed write never comes back ----

#[test]
fn a_checkout_that_failed_to_write_is_never_applied_later() {
    let dir = temp_dir();
    write_products(dir.path(), &[("P1", "Mug", "4.50", 5)]);
    let mut store = open(dir.path());
    store.register("alice", "s3cret!").unwrap();
    let cart = store.add_to_cart("alice", "P1", 2).unwrap();
    let before = folder_snapshot(dir.path());
    // Writing orders.json fails (as on a full disk): its temp file's name is
    // taken by a folder we cannot replace.
    let blocker = dir.path().join(format!(".tmp-orders.json.{}", std::process::id()));
    fs::create_dir(&blocker).unwrap();
    fs::write(blocker.join("keep"), b"x").unwrap();
    let failed = store.checkout("alice", &paying(quoted(&cart.items)));
    assert!(failed.is_err(), "the checkout must report the failure: {failed:?}");
    assert_eq!(stock_of(&store, "P1"), 5, "memory is back to the files");
    assert!(!dir.path().join(journal::JOURNAL_FILE).exists(), "no journal left to replay");
    fs::remove_dir_all(&blocker).unwrap();
    assert_eq!(folder_snapshot(dir.path()), before, "nothing was replaced");
    // Space is back: a later start must not place the order it was told failed.
    let again = open(dir.path());
    assert_eq!(again.data().orders.len(), 0);
    assert_eq!(stock_of(&again, "P1"), 5);
    assert_eq!(again.cart("alice").qty_of("P1"), 2);
}

/// Through the service: the charge of an order that could not be saved is
/// voided, and the shopper is told nothing was charged.
#[test]
fn a_charge_whose_order_was_not_saved_is_voided() {
    use shopfront::shop::{ErrorKind, ShopError, ShopService};
    let dir = temp_dir();
    write_products(dir.path(), &[("P1", "Mug", "4.50", 5)]);
    let shop = ShopService::over_folder(open(dir.path()));
    let alice = shop.register("alice", "s3cret!").unwrap();
    shop.add_to_cart(&alice, "P1", 2).unwrap();
    let request = paying(shop.quote(&alice, None).unwrap());
    let blocker = dir.path().join(format!(".tmp-orders.json.{}", std::process::id()));
    fs::create_dir(&blocker).unwrap();
    fs::write(blocker.join("keep"), b"x").unwrap();
    let failed = shop.checkout(&alice, &request).unwrap_err();
    assert!(matches!(failed, ShopError::Voided(_)), "{failed:?}");
    assert_eq!(failed.kind(), ErrorKind::Broken);
    assert!(failed.to_string().ends_with("the payment was voided: nothing was charged"), "{failed}");
    fs::remove_dir_all(&blocker).unwrap();
    assert!(shop.orders_of(&alice).unwrap().is_empty());
    assert_eq!(shop.catalog().get("P1").map(|p| p.stock), Some(5));
}

// ---- 6: crafted carts ----

#[test]
fn a_cart_with_two_lines_for_one_product_is_refused_not_wrapped() {
    let dir = temp_dir();
    write_products(dir.path(), &[("P1", "Mug", "4.50", 5)]);
    fs::write(
        dir.path().join("users.json"),
        r#"[{"username":"eve","password_hash":"$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"}]"#,
    )
    .unwrap();
    fs::write(
        dir.path().join("carts.json"),
        "[\n{\"username\":\"eve\",\"items\":[{\"product_id\":\"P1\",\"qty\":4294967295,\"unit_price\":4.5},\
         {\"product_id\":\"P1\",\"qty\":2,\"unit_price\":4.5}]}\n]\n",
    )
    .unwrap();
    let out = shopfront(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(stderr(&out).trim_end(), "error: carts.json:2:127: cart of eve has two lines for product P1");
    assert!(Store::open(dir.path()).is_err());
}

// ---- 7 and 8: what Shopfront prints for people ----

#[test]
fn escape_sequences_in_names_never_reach_the_terminal() {
    let dir = temp_dir();
    let evil = "Mug\\u001b[2J\\u001b]52;c;cHduZWQ=\\u0007\\u001b]0;pwned\\u0007";
    write_products(dir.path(), &[("P1", evil, "4.50", 5), ("P2", "Plain mug", "3.00", 5)]);
    let out = shopfront(dir.path(), &["search", "mug"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!out.stdout.contains(&0x1b) && !out.stdout.contains(&0x07), "{text:?}");
    assert!(text.contains("Mug\\u{1b}[2J"), "shown, escaped: {text}");
    // Again from a catalog index (`shopfront index`; search itself writes none).
    assert!(shopfront(dir.path(), &["index"]).status.success());
    let out = shopfront(dir.path(), &["search", "mug"]);
    assert!(!out.stdout.contains(&0x1b), "{:?}", String::from_utf8_lossy(&out.stdout));
    // In an error message about a damaged file.
    fs::write(dir.path().join("orders.json"), "[{\"order_id\":\"\\u001b[2Jx\",\"username\":\"a\"}]").unwrap();
    let out = shopfront(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!out.stderr.contains(&0x1b), "{:?}", stderr(&out));
    // In a receipt someone will `cat`.
    fs::remove_file(dir.path().join("orders.json")).unwrap();
    let mut store = open(dir.path());
    store.register("alice", "s3cret!").unwrap();
    let cart = store.add_to_cart("alice", "P1", 1).unwrap();
    let order = store.checkout("alice", &paying(quoted(&cart.items))).unwrap();
    let receipt = store.write_receipt("alice", &order.order_id, "Shopfront").unwrap();
    let bytes = fs::read(receipt).unwrap();
    assert!(!bytes.contains(&0x1b) && !bytes.contains(&0x07), "{:?}", String::from_utf8_lossy(&bytes));
}

#[test]
fn messages_never_quote_a_password_or_a_huge_value() {
    let dir = temp_dir();
    fs::write(dir.path().join("users.json"), "[{\"username\":\"dana\",\"password\":86753091}]").unwrap();
    let out = shopfront(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!stderr(&out).contains("86753091"), "{}", stderr(&out));
    assert!(stderr(&out).contains("users.json:1:"), "{}", stderr(&out));

    fs::remove_file(dir.path().join("users.json")).unwrap();
    let huge = format!("[{{\"product_id\":\"P1\",\"name\":\"A\",\"price\":1.{},\"stock\":1}}]", "5".repeat(50 << 20));
    fs::write(dir.path().join("products.json"), huge).unwrap();
    let out = shopfront(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stderr.len() < 500, "{} bytes of message", out.stderr.len());
    assert!(stderr(&out).starts_with("error: products.json:1:"), "{}", stderr(&out));
}

// ---- 9: plaintext passwords and permissions ----

#[test]
fn a_console_shop_folder_loses_its_plaintext_passwords_on_first_open() {
    let dir = temp_dir();
    let legacy = copy_legacy_fixture(dir.path());
    fs::set_permissions(legacy.join("users.json"), fs::Permissions::from_mode(0o644)).unwrap();
    // `check` only reports.
    let out = shopfront(&legacy, &["check"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("plaintext passwords: 1"));
    assert!(read(&legacy, "users.json").contains("hunter22"));
    // The first copy that may write hashes them, with a word on stderr.
    let mut admin = Command::new(env!("CARGO_BIN_EXE_shopfront"))
        .arg("--data-dir")
        .arg(&legacy)
        .args(["admin", "add", "boss", "--password-stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    admin.stdin.take().unwrap().write_all(b"b0ss-pass\n").unwrap();
    let out = admin.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("securing 1 console-shop passwords (argon2id): 1/1"), "{}", stderr(&out));
    let users = read(&legacy, "users.json");
    assert!(!users.contains("hunter22") && users.matches("$argon2id$").count() == 2, "{users}");
    assert_eq!(fs::metadata(legacy.join("users.json")).unwrap().permissions().mode() & 0o777, 0o600);
    let out = shopfront(&legacy, &["check"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("plaintext passwords: 0"));
    let mut store = open(&legacy);
    assert!(store.login("dana", "hunter22").is_ok());
}

#[test]
fn a_new_data_folder_is_private_whatever_the_umask() {
    let dir = temp_dir();
    let data = dir.path().join("shop");
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "umask 000; echo b0ss-pass | '{}' --data-dir '{}' admin add boss --password-stdin",
            env!("CARGO_BIN_EXE_shopfront"),
            data.display()
        ))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(fs::metadata(&data).unwrap().permissions().mode() & 0o777, 0o700);
    assert_eq!(fs::metadata(data.join("users.json")).unwrap().permissions().mode() & 0o777, 0o600);
}

// ---- 11 and 12: links and special files ----

#[test]
fn symlinked_data_files_are_refused_never_detached_or_seeded_over() {
    let dir = temp_dir();
    let elsewhere = dir.path().join("elsewhere");
    fs::create_dir(&elsewhere).unwrap();
    write_products(&elsewhere, &[("P1", "Mug", "4.50", 5)]);
    let data = dir.path().join("data");
    fs::create_dir(&data).unwrap();
    std::os::unix::fs::symlink(elsewhere.join("products.json"), data.join("products.json")).unwrap();
    let target_before = fs::read(elsewhere.join("products.json")).unwrap();
    let err = Store::open(&data).err().expect("a symlinked file is refused").to_string();
    assert!(err.starts_with("products.json: is a symbolic link;"), "{err}");
    assert!(fs::symlink_metadata(data.join("products.json")).unwrap().file_type().is_symlink(), "not replaced");
    assert_eq!(fs::read(elsewhere.join("products.json")).unwrap(), target_before);

    // A dangling link is not "no catalog yet": never seeded over.
    fs::remove_file(data.join("products.json")).unwrap();
    std::os::unix::fs::symlink(dir.path().join("gone.json"), data.join("products.json")).unwrap();
    assert!(Store::open(&data).is_err());
    assert!(!dir.path().join("gone.json").exists(), "nothing written through the link");
    assert!(fs::symlink_metadata(data.join("products.json")).unwrap().file_type().is_symlink());
    let out = shopfront(&data, &["check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).starts_with("error: products.json: is a symbolic link;"), "{}", stderr(&out));
}

#[test]
fn a_fifo_or_a_link_to_a_device_is_refused_promptly() {
    let dir = temp_dir();
    write_products(dir.path(), &[("P1", "Mug", "4.50", 5)]);
    let fifo = std::ffi::CString::new(dir.path().join("orders.json").to_str().unwrap()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o600) }, 0);
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_shopfront"))
        .arg("--data-dir")
        .arg(dir.path())
        .arg("check")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("check hangs on a FIFO");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out).trim_end(),
        "error: orders.json: is not a regular file (a named pipe); Shopfront reads only plain files"
    );
    fs::remove_file(dir.path().join("orders.json")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("orders.json")).unwrap();
    let out = shopfront(dir.path(), &["check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).starts_with("error: orders.json: is a symbolic link;"), "{}", stderr(&out));
}

// ---- 13: check changes nothing and needs no write access ----

#[test]
fn check_creates_nothing_and_reports_a_pending_journal_instead_of_applying_it() {
    let dir = temp_dir();
    let out = shopfront(dir.path(), &["check"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0, "check created something in an empty folder");

    write_products(dir.path(), &[("P1", "Mug", "4.50", 5)]);
    let mut product: shopfront::domain::Product =
        serde_json::from_str(r#"{"product_id":"P1","name":"Mug","price":4.5,"stock":1,"category":"Test"}"#).unwrap();
    product.stock = 1;
    journal::write(dir.path(), &[journal::Change::PutProduct(product)]).unwrap();
    let before = folder_snapshot(dir.path());
    let out = shopfront(dir.path(), &["check"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("pending: journal.json holds an interrupted change (1 records)"), "{stdout}");
    assert_eq!(folder_snapshot(dir.path()), before, "check applied or changed something");
}

#[test]
fn check_and_search_work_on_a_folder_they_cannot_write() {
    let dir = temp_dir();
    let data = dir.path().join("shop");
    let mut store = Store::open(&data).unwrap();
    store.register("alice", "s3cret!").unwrap();
    drop(store);
    let root = unsafe { libc::geteuid() } == 0;
    let runuser = Path::new("/usr/sbin/runuser").exists() || Path::new("/sbin/runuser").exists();
    // Readable by everyone, writable by no one but the owner.
    for path in [dir.path(), data.as_path()] {
        fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
    }
    for entry in fs::read_dir(&data).unwrap() {
        fs::set_permissions(entry.unwrap().path(), fs::Permissions::from_mode(0o644)).unwrap();
    }
    if !root {
        fs::set_permissions(&data, fs::Permissions::from_mode(0o555)).unwrap();
    }
    let before = folder_snapshot(&data);
    let run = |args: &[&str]| -> Output {
        let mut command = if root && runuser {
            let mut c = Command::new("runuser");
            c.args(["-u", "nobody", "--", env!("CARGO_BIN_EXE_shopfront")]);
            c
        } else {
            Command::new(env!("CARGO_BIN_EXE_shopfront"))
        };
        command.arg("--data-dir").arg(&data).args(args).output().unwrap()
    };
    let binary_reachable = !root || !runuser || run(&["--version"]).status.success();
    if !binary_reachable {
        eprintln!("skipped: user nobody cannot run the test binary here");
        return;
    }
    let out = run(&["check"]);
    assert!(out.status.success(), "check on a read-only folder: {}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("users:     1"));
    let out = run(&["search", "cable"]);
    assert!(out.status.success(), "search on a read-only folder: {}", stderr(&out));
    assert!(String::from_utf8_lossy(&out.stdout).contains("USB-C Cable"));
    assert_eq!(folder_snapshot(&data), before);
    fs::set_permissions(&data, fs::Permissions::from_mode(0o700)).unwrap();
}

// ---- 14: receipts ----

#[test]
fn order_ids_that_differ_only_in_unsafe_characters_get_their_own_receipts() {
    let dir = temp_dir();
    write_products(dir.path(), &[("P1", "Mug", "4.50", 5)]);
    let order = |id: &str| {
        format!(
            r#"{{"order_id":"{id}","username":"alice","items":[{{"product_id":"P1","qty":1,"unit_price":4.5}}],"total":4.5,"timestamp":"2026-01-01 10:00:00"}}"#
        )
    };
    fs::write(dir.path().join("orders.json"), format!("[{},{},{}]", order("A/1"), order("A_1"), order("A?1"))).unwrap();
    let mut store = open(dir.path());
    store.register("alice", "s3cret!").unwrap();
    let paths: Vec<_> =
        ["A/1", "A_1", "A?1"].iter().map(|id| store.write_receipt("alice", id, "Shopfront").unwrap()).collect();
    assert_ne!(paths[0], paths[1]);
    assert_ne!(paths[1], paths[2]);
    assert_ne!(paths[0], paths[2]);
    for (path, id) in paths.iter().zip(["A/1", "A_1", "A?1"]) {
        assert!(path.starts_with(dir.path().join("receipts")));
        assert!(read(path.parent().unwrap(), path.file_name().unwrap().to_str().unwrap()).contains(id));
    }
}

// ---- 10: fields Shopfront does not know ----

#[test]
fn unknown_fields_survive_a_checkout_in_every_record() {
    let dir = temp_dir();
    fs::write(
        dir.path().join("products.json"),
        r#"[
{"product_id":"P1","name":"Mug","price":4.50,"stock":5,"color":"red","dims":{"h":9.50,"tags":["a",1e3]}},
{"product_id":"P2","name":"Tea","price":3.25,"stock":5,"supplier":"Leaf & Co",
 "changed":{"by":"boss","at":"2026-01-02 03:04:05","why":"restock"}}
]"#,
    )
    .unwrap();
    fs::write(
        dir.path().join("users.json"),
        r#"[{"username":"dana","password":"hunter22","email":"dana@example.com",
 "cards":[{"brand":"visa","last4":"4242","expiry":{"year":2039,"month":12,"note":"x"}}]},
{"username":"eli","password":"s3cret!!","phone":"+1 555 0100"}]"#,
    )
    .unwrap();
    fs::write(
        dir.path().join("carts.json"),
        r#"[{"username":"dana","items":[{"product_id":"P1","qty":2,"unit_price":4.5,"added_at":"2026-01-02"}],"saved_for_later":["P2"]},
{"username":"eli","items":[{"product_id":"P2","qty":1,"unit_price":3.25,"gift":true}],"note":"hi"}]"#,
    )
    .unwrap();
    fs::write(
        dir.path().join("orders.json"),
        r#"[{"order_id":"3fa9c2d1","username":"eli","items":[{"product_id":"P2","qty":1,"unit_price":3.25,"sku":"T-1"}],"total":3.25,"timestamp":"2026-02-10 18:12:44","coupon":"TEN10"}]"#,
    )
    .unwrap();
    let mut store = open(dir.path());
    store.login("dana", "hunter22").unwrap();
    let cart = store.cart("dana");
    store.checkout("dana", &paying(quoted(&cart.items))).unwrap();
    store.register("fay", "s3cret!").unwrap();
    drop(store);
    let all = ["products.json", "users.json", "carts.json", "orders.json"].map(|f| read(dir.path(), f)).join("\n");
    for kept in [
        r#""color":"red""#,
        r#""dims":{"h":9.50,"tags":["a",1e3]}"#,
        r#""supplier":"Leaf & Co""#,
        r#""email":"dana@example.com""#,
        r#""phone":"+1 555 0100""#,
        r#""saved_for_later":["P2"]"#,
        r#""gift":true"#,
        r#""note":"hi""#,
        r#""sku":"T-1""#,
        r#""coupon":"TEN10""#,
        // Inside nested objects: an admin's change stamp, a card's expiry.
        r#""changed":{"by":"boss","at":"2026-01-02 03:04:05","why":"restock"}"#,
        r#""expiry":{"year":2039,"month":12,"note":"x"}"#,
    ] {
        assert!(all.contains(kept), "{kept} was lost:\n{all}");
    }
    // The checkout changed P1's stock and kept its other fields.
    assert!(
        all.contains(r#""product_id":"P1","name":"Mug","price":4.5,"stock":3,"active":true,"color":"red""#),
        "{all}"
    );
}

/// A card typed again and remembered (the same brand, last four digits
/// and month as a saved one) keeps the saved card's stored form: its
/// unknown fields, and those of its expiry, are not replaced by a bare copy.
#[test]
fn a_saved_card_typed_again_keeps_its_unknown_fields() {
    let dir = temp_dir();
    fs::write(dir.path().join("products.json"), r#"[{"product_id":"P1","name":"Mug","price":4.50,"stock":5}]"#)
        .unwrap();
    fs::write(
        dir.path().join("users.json"),
        r#"[{"username":"dana","password":"hunter22",
 "cards":[{"brand":"mastercard","last4":"4444","expiry":{"year":2030,"month":1}},
          {"brand":"visa","last4":"4242","expiry":{"year":2039,"month":12,"note":"x"},"nickname":"blue"}]}]"#,
    )
    .unwrap();
    fs::write(
        dir.path().join("carts.json"),
        r#"[{"username":"dana","items":[{"product_id":"P1","qty":1,"unit_price":4.5}]}]"#,
    )
    .unwrap();
    let mut store = open(dir.path());
    let cart = store.cart("dana");
    let mut request = paying(quoted(&cart.items));
    request.payment = shopfront::domain::checkout::PaymentChoice::NewCard { card: card(TEST_CARD), remember: true };
    store.checkout("dana", &request).unwrap();
    drop(store);
    let users = read(dir.path(), "users.json");
    // Used last, offered first; as it was stored.
    let first =
        r#""cards":[{"brand":"visa","last4":"4242","expiry":{"year":2039,"month":12,"note":"x"},"nickname":"blue"},"#;
    assert!(users.contains(first), "{users}");
    assert_eq!(users.matches(r#""last4":"4242""#).count(), 1, "{users}");
}

/// Guessing passwords from one address gets slower and slower, for every
/// account name (existing or not), while another address is not slowed.
#[test]
fn failed_logins_from_one_address_are_slowed() {
    use shopfront::shop::ShopService;
    let dir = temp_dir();
    let mut store = open(dir.path());
    store.register("alice", "s3cret!").unwrap();
    let shop = ShopService::over_folder(store);
    for name in ["alice", "nobody", "alice"] {
        assert!(shop.login_from("10.0.0.9", name, "guess").is_err());
    }
    let started = Instant::now();
    assert!(shop.login_from("10.0.0.9", "someone", "guess").is_err());
    assert!(started.elapsed() >= Duration::from_millis(1900), "the fourth guess waited {:?}", started.elapsed());
    let started = Instant::now();
    assert_eq!(shop.login_from("10.0.0.7", "alice", "s3cret!").unwrap().username(), "alice");
    assert!(started.elapsed() < Duration::from_millis(900), "another address is not slowed");
}

/// A hundred sessions guessing at once used to make 121 guesses a minute
/// at one account (each computed its wait once and slept), while the real
/// owner, from another address, waited 36–41 s. Now the guesses take turns
/// and the owner is let in at once.
#[test]
fn parallel_guesses_take_turns_and_the_owner_still_gets_in() {
    use shopfront::shop::ShopService;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};
    let dir = temp_dir();
    let mut store = open(dir.path());
    store.register("victim", "the-right-one").unwrap();
    let shop = ShopService::over_folder(store);
    let wrong = Arc::new(AtomicU32::new(0));
    let started = Instant::now();
    const WINDOW: Duration = Duration::from_secs(7);
    // Detached: once the window is over they may still be waiting their turn.
    for _ in 0..32 {
        let (shop, wrong) = (Arc::clone(&shop), Arc::clone(&wrong));
        std::thread::spawn(move || {
            while started.elapsed() < WINDOW {
                if shop.login_from("10.0.0.66", "victim", "a-guess").is_err() && started.elapsed() < WINDOW {
                    wrong.fetch_add(1, Ordering::SeqCst);
                }
            }
        });
    }
    std::thread::sleep(Duration::from_secs(2));
    let asked = Instant::now();
    let owner = shop.login_from("10.0.0.7", "victim", "the-right-one");
    let waited = asked.elapsed();
    assert_eq!(owner.unwrap().username(), "victim");
    assert!(waited < Duration::from_secs(3), "the owner waited {waited:?}");
    std::thread::sleep(WINDOW.saturating_sub(started.elapsed()));
    // 3 free guesses, then one each 6 s at most (plus one for timing).
    let guesses = wrong.load(Ordering::SeqCst);
    assert!(guesses <= 5, "{guesses} wrong guesses in {WINDOW:?}");
}

/// A field never holds more than INPUT_MAX characters, however much is pasted.
#[test]
fn a_huge_paste_is_cut_to_the_field_limit() {
    let (_dir, mut app) = logged_in_shop(80, 24);
    app.update(shopfront::app::Action::FocusFilter);
    app.update(shopfront::app::Action::Paste("x".repeat(10_000_000)));
    assert_eq!(app.catalog.query.value().chars().count(), shopfront::app::INPUT_MAX);
    app.update(shopfront::app::Action::Edit(tui_input::InputRequest::InsertChar('y')));
    assert_eq!(app.catalog.query.value().chars().count(), shopfront::app::INPUT_MAX);
}

// ---- a stale copy saved over a data file while the shop runs ----

/// The stock of `id` as the store holds it.
fn stock(store: &Store, id: &str) -> u32 {
    store.data().products.get(id).map(|p| p.stock).unwrap_or_default()
}

fn buy_one(store: &mut Store, who: &str, id: &str) -> Result<shopfront::domain::Order, shopfront::shop::ShopError> {
    let cart = store.add_to_cart(who, id, 1)?;
    store.checkout(who, &paying(quoted(&cart.items)))
}

fn shopfront_data(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shopfront")).arg("--data-dir").arg(dir).arg("data").args(args).output().unwrap()
}

/// An owner opened products.json, 3 lamps sold (76 → 73), and they saved a
/// price change from the old copy: stock went back to 76 with the 3 orders
/// kept (3 units would be oversold). Now the running shop holds that copy
/// back: it keeps the last good state, refuses changes to that file, keeps
/// its own copy, says what to do, and the owner settles it with a command.
#[test]
fn a_stale_copy_saved_over_a_data_file_while_the_shop_runs_is_held_back() {
    let dir = temp_dir();
    write_products(dir.path(), &[("P1", "Desk Lamp", "20.00", 76), ("P2", "Mug", "4.50", 9)]);
    let mut shop = open(dir.path());
    shop.register("alice", "s3cret!").unwrap();
    let products = dir.path().join("products.json");
    let opened_in_an_editor = fs::read_to_string(&products).unwrap();
    for _ in 0..3 {
        buy_one(&mut shop, "alice", "P1").unwrap();
    }
    assert_eq!(stock(&shop, "P1"), 73);
    // Saved from the old copy, with a new price.
    assert!(opened_in_an_editor.contains(r#""price":20.00"#), "{opened_in_an_editor}");
    fs::write(&products, opened_in_an_editor.replace(r#""price":20.00"#, r#""price":22.00"#)).unwrap();

    shop.refresh().unwrap();
    assert_eq!(stock(&shop, "P1"), 73, "the last good state is kept");
    let held = shop.held_back();
    assert_eq!(held.len(), 1, "{held:?}");
    assert!(held[0].starts_with("products.json held back: run shopfront data restore|accept products.json"));
    assert!(held[0].ends_with("stock of P1 would go back from 73 to 76"), "{held:?}");
    let refused = buy_one(&mut shop, "alice", "P2").unwrap_err().to_string();
    assert!(refused.starts_with("products.json was replaced from outside by an older copy"), "{refused}");
    assert_eq!(read(dir.path(), "orders.json").matches("\"order_id\"").count(), 3, "nothing placed");
    let own = fs::read_to_string(dir.path().join(".products.json.shop")).unwrap();
    assert!(own.contains(r#""stock":73"#), "the shop's own copy is kept beside it: {own}");

    // The owner puts the shop's own version back.
    let out = shopfront_data(dir.path(), &["restore", "products.json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    shop.refresh().unwrap();
    assert!(shop.held_back().is_empty());
    assert_eq!(stock(&shop, "P1"), 73);
    buy_one(&mut shop, "alice", "P1").unwrap();
    assert_eq!(stock(&shop, "P1"), 72);

    // The same mistake, but this time the owner keeps the outside copy.
    let stale = fs::read_to_string(&products).unwrap().replace(r#""stock":72"#, r#""stock":73"#);
    buy_one(&mut shop, "alice", "P1").unwrap();
    fs::write(&products, &stale).unwrap();
    shop.refresh().unwrap();
    assert_eq!(shop.held_back().len(), 1);
    let out = shopfront_data(dir.path(), &["accept", "products"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    shop.refresh().unwrap();
    assert!(shop.held_back().is_empty());
    assert_eq!(stock(&shop, "P1"), 73, "the owner's choice");
    assert!(!dir.path().join(".products.json.shop").exists());

    // An edit made on a fresh copy while the shop runs is taken as it is.
    let fresh = fs::read_to_string(&products).unwrap();
    fs::write(&products, fresh.replace(r#""name":"Mug""#, r#""name":"Big Mug""#)).unwrap();
    shop.refresh().unwrap();
    assert!(shop.held_back().is_empty());
    assert_eq!(shop.data().products.get("P2").map(|p| p.name.as_str()), Some("Big Mug"));
}

/// The same for accounts: a stale users.json would lose accounts made meanwhile.
#[test]
fn a_stale_users_file_would_lose_accounts_and_is_held_back() {
    let dir = temp_dir();
    let mut shop = open(dir.path());
    shop.register("alice", "s3cret!").unwrap();
    let users = dir.path().join("users.json");
    let stale = fs::read(&users).unwrap();
    shop.register("bob", "hunter22").unwrap();
    fs::write(&users, &stale).unwrap();
    shop.refresh().unwrap();
    let held = shop.held_back();
    assert!(held.len() == 1 && held[0].ends_with("bob would disappear"), "{held:?}");
    assert!(shop.login("bob", "hunter22").is_ok(), "bob can still log in");
    let refused = shop.register("carol", "s3cret!").unwrap_err().to_string();
    assert!(refused.starts_with("users.json was replaced from outside"), "{refused}");
    // A shop started afresh takes the file as it is (an edit made while it was stopped).
    drop(shop);
    let again = open(dir.path());
    assert!(again.held_back().is_empty());
    assert!(again.data().users.get("bob").is_none());
}

//! `check`, `search` and `migrate --from` on an SQLite database: they only
//! read it (whatever its journal mode, even when it is read-only to us),
//! and `check` finds what SQLite and the shop's rules would refuse.

mod common;

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::*;

fn shopfront() -> Command {
    Command::new(env!("CARGO_BIN_EXE_shopfront"))
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// `dir/shop.db`: three products (the mouse archived) and a discount code,
/// copied from a folder by `migrate`, closed (no `-wal` or `-shm` left).
fn shop_database(dir: &Path) -> PathBuf {
    let folder = dir.join("folder");
    write_products(
        &folder,
        &[("P1", "USB-C Cable", "9.99", 3), ("P2", "USB Flash Drive", "5", 0), ("P3", "USB Mouse", "1", 1)],
    );
    let products = read(&folder, "products.json").replace(
        r#""name":"USB Mouse","price":1,"stock":1,"category":"Test""#,
        r#""name":"USB Mouse","price":1,"stock":1,"category":"Test","active":false"#,
    );
    fs::write(folder.join("products.json"), products).unwrap();
    let database = dir.join("shop.db");
    let out = shopfront().arg("migrate").arg("--from").arg(&folder).arg("--to").arg(store(&database)).output().unwrap();
    assert!(out.status.success(), "{}", text(&out));
    let out = shopfront()
        .arg("--store")
        .arg(store(&database))
        .args(["admin", "discount", "add", "TEN10", "--percent", "10"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(beside(&database), ["shop.db"], "closed cleanly");
    database
}

fn store(database: &Path) -> String {
    format!("sqlite:{}", database.display())
}

/// The names of the files in the database's folder but the source folder.
fn beside(database: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(database.parent().unwrap())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != "folder")
        .collect();
    names.sort();
    names
}

fn run(database: &Path, args: &[&str]) -> Output {
    shopfront().arg("--store").arg(store(database)).args(args).output().unwrap()
}

/// A database in rollback-journal mode (`PRAGMA journal_mode=DELETE`, as
/// another tool may leave it) was switched to WAL by `check` and `search`,
/// and by `migrate` reading it: they only read, and leave it byte for byte.
#[test]
fn check_search_and_migrate_leave_a_rollback_journal_database_as_it_was() {
    let dir = temp_dir();
    let database = shop_database(dir.path());
    let hand = rusqlite::Connection::open(&database).unwrap();
    let mode: String = hand.pragma_update_and_check(None, "journal_mode", "DELETE", |row| row.get(0)).unwrap();
    assert_eq!(mode, "delete");
    drop(hand);
    let before = fs::read(&database).unwrap();
    assert_eq!(beside(&database), ["shop.db"]);

    let out = run(&database, &["check"]);
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("products:  3") && text(&out).ends_with("ok\n"), "{}", text(&out));
    let out = run(&database, &["search", "usb"]);
    assert!(out.status.success(), "{}", text(&out));
    let found = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(found.lines().count(), 2, "the archived mouse is not for sale: {found}");
    assert!(found.starts_with("P1       USB-C Cable") && found.contains("P2       USB Flash Drive"), "{found}");
    let out = shopfront()
        .arg("migrate")
        .arg("--from")
        .arg(store(&database))
        .arg("--to")
        .arg(dir.path().join("copy"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out));

    assert!(fs::read(&database).unwrap() == before, "not one byte of the database changed");
    assert_eq!(beside(&database), ["copy", "shop.db"], "no -wal, -shm or -journal made beside it");
}

/// A database file we may only read (mode 0444, in a folder we cannot
/// write; as root: run as `nobody`) was refused by `check` and `search`
/// with "is read-only: Shopfront needs to write it". They read it, and
/// create nothing beside it.
#[test]
fn check_and_search_read_a_database_they_cannot_write() {
    let dir = temp_dir();
    let database = shop_database(dir.path());
    // SAFETY: geteuid has no preconditions and cannot fail.
    let root = unsafe { libc::geteuid() } == 0;
    fs::set_permissions(&database, fs::Permissions::from_mode(0o444)).unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(if root { 0o755 } else { 0o555 })).unwrap();
    let before = fs::read(&database).unwrap();
    let as_reader = |args: &[&str]| -> Output {
        let mut command = if root {
            let mut c = Command::new("runuser");
            c.args(["-u", "nobody", "--", env!("CARGO_BIN_EXE_shopfront")]);
            c
        } else {
            shopfront()
        };
        command.arg("--store").arg(store(&database)).args(args).output().unwrap()
    };
    if root && !as_reader(&["--version"]).status.success() {
        eprintln!("skipped: user nobody cannot run the test binary here");
        return;
    }
    let out = as_reader(&["check"]);
    assert!(out.status.success(), "check: {}", text(&out));
    assert!(text(&out).contains("discounts: 1") && text(&out).ends_with("ok\n"), "{}", text(&out));
    let out = as_reader(&["search", "cable"]);
    assert!(out.status.success(), "search: {}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("P1       USB-C Cable"), "{}", text(&out));
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).unwrap();
    assert!(fs::read(&database).unwrap() == before, "not one byte of the database changed");
    assert_eq!(beside(&database), ["shop.db"], "nothing made beside it");
}

/// An order event whose order is gone (put in by hand with foreign keys
/// off) passed SQLite's integrity check, and `check` said `ok`.
#[test]
fn check_finds_rows_whose_parent_is_missing() {
    let dir = temp_dir();
    let database = shop_database(dir.path());
    let hand = rusqlite::Connection::open(&database).unwrap();
    hand.execute_batch(
        "PRAGMA foreign_keys = OFF;
         INSERT INTO order_events (order_seq, position, at, actor, status) VALUES (999, 0, '2026-01-01 00:00:00', 'x', 'placed');",
    )
    .unwrap();
    drop(hand);
    let out = run(&database, &["check"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let said = text(&out);
    assert!(!said.contains("\nok\n"), "{said}");
    assert!(said.contains(&database.display().to_string()), "names the file: {said}");
    assert!(said.contains("order_events") && said.contains("orders"), "names the tables: {said}");
}

/// `search` ran SQLite's whole integrity check first (1.18 s at 100,000
/// products): damage in a part of the database it does not read (an index
/// of the login table that no longer matches its rows) stopped it. `check`
/// still finds it.
#[test]
fn search_leaves_the_integrity_check_to_check() {
    let dir = temp_dir();
    let database = shop_database(dir.path());
    let hand = rusqlite::Connection::open(&database).unwrap();
    hand.execute_batch(
        "INSERT INTO login_failures (key, count, last_ms, last_from) VALUES ('alice', 1, 12345, 'here');
         PRAGMA writable_schema = ON;
         UPDATE sqlite_schema SET sql = 'CREATE INDEX login_failures_by_age ON login_failures (count)'
             WHERE name = 'login_failures_by_age';
         PRAGMA writable_schema = OFF;",
    )
    .unwrap();
    drop(hand);
    let out = run(&database, &["check"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("integrity check found"), "{}", text(&out));
    let out = run(&database, &["search", "cable"]);
    assert!(out.status.success(), "search: {}", text(&out));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("P1       USB-C Cable"), "{}", text(&out));
}

/// `search` on a database goes through the service's catalog and the
/// shoppers' filter; on a folder, through its read-only fast path. Both
/// answer alike: the same products on sale, ranked the same.
#[test]
fn search_answers_alike_on_a_folder_and_its_database() {
    let dir = temp_dir();
    let database = shop_database(dir.path());
    let folder = dir.path().join("folder");
    for query in ["usb", "", "mouse", "cbl", "usb --limit 1", "drive --json"] {
        let args: Vec<&str> = query.split(' ').collect();
        let on_folder = shopfront().arg("--data-dir").arg(&folder).arg("search").args(&args).output().unwrap();
        let on_database = run(&database, &[&["search"][..], &args].concat());
        assert_eq!(on_database.status.code(), on_folder.status.code(), "{query:?}: {}", text(&on_database));
        assert_eq!(text(&on_database), text(&on_folder), "{query:?}");
    }
}

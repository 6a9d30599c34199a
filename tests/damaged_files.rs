//! A file we cannot load stops `shopfront` with `error: file:line:column: …`,
//! exit code 1, and the file is never modified.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::*;

const GOOD_PRODUCTS: &str = r#"[
{"product_id":"P1001","name":"USB-C Cable","price":9.99,"stock":30},
{"product_id":"P1002","name":"Wireless Mouse","price":24.99,"stock":12}
]"#;

fn shopfront(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_shopfront"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .output()
        .expect("run shopfront");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Writes `content` as `file` (beside good products), runs `shopfront check`
/// and the app itself, and checks the message and that nothing was written.
fn assert_refused(file: &str, content: &str, expected: &str) {
    let dir = temp_dir();
    fs::write(dir.path().join("products.json"), GOOD_PRODUCTS).unwrap();
    fs::write(dir.path().join(file), content).unwrap();
    let before = folder_snapshot(dir.path());
    for args in [&["check"][..], &["admin", "add", "boss", "--password-stdin"][..]] {
        let (code, stdout, stderr) = shopfront(dir.path(), args);
        assert_eq!(code, 1, "{args:?}: stdout {stdout} stderr {stderr}");
        assert_eq!(stderr.trim_end(), format!("error: {expected}"), "{args:?}");
        assert_eq!(folder_snapshot(dir.path()), before, "{args:?} modified the folder");
    }
    // The app without a terminal stops before reading anything (the tmux
    // tests show it refusing the damaged folder in a terminal).
    let (code, _, stderr) = shopfront(dir.path(), &[]);
    assert_eq!(code, 2, "{stderr}");
    assert_eq!(folder_snapshot(dir.path()), before, "the app modified the folder");
    assert!(shopfront::store::Store::open(dir.path()).is_err());
    assert_eq!(folder_snapshot(dir.path()), before);
}

#[test]
fn invalid_json() {
    assert_refused("products.json", "[\n  {\"product_id\": \"P1\",,}\n]", "products.json:2:23: key must be a string");
}

#[test]
fn wrong_types() {
    assert_refused(
        "products.json",
        "[\n{\"product_id\":\"P1\",\"name\":\"A\",\"price\":\"cheap\",\"stock\":1}\n]",
        "products.json:2:45: expected an amount like 9.99, found \"cheap\"",
    );
    assert_refused(
        "carts.json",
        "[{\"username\":\"a\",\"items\":[{\"product_id\":\"P1\",\"qty\":\"two\",\"unit_price\":1}]}]",
        "carts.json:1:56: invalid type: string \"two\", expected u32",
    );
    assert_refused("users.json", "{\"alice\": \"pw\"}", "users.json:1:1: invalid type: map, expected a list of users");
}

#[test]
fn duplicate_ids() {
    assert_refused(
        "products.json",
        "[\n{\"product_id\":\"P1\",\"name\":\"A\",\"price\":1,\"stock\":1},\n{\"product_id\":\"P1\",\"name\":\"B\",\"price\":2,\"stock\":1}\n]",
        "products.json:3:50: duplicate product_id \"P1\"",
    );
    assert_refused(
        "users.json",
        "[{\"username\":\"Dana\",\"password\":\"x\"},\n {\"username\":\"dana\",\"password\":\"y\"}]",
        "users.json:2:35: duplicate username \"dana\"",
    );
    let order = r#"{"order_id":"O0001","username":"a","items":[],"total":0,"timestamp":"2026-01-01 10:00:00"}"#;
    assert_refused("orders.json", &format!("[{order},\n{order}]"), "orders.json:2:90: duplicate order_id \"O0001\"");
}

#[test]
fn negative_stock_and_bad_prices() {
    assert_refused(
        "products.json",
        "[{\"product_id\":\"P1\",\"name\":\"A\",\"price\":1,\"stock\":-13}]",
        "products.json:1:52: invalid value: integer `-13`, expected u32",
    );
    assert_refused(
        "products.json",
        "[{\"product_id\":\"P1\",\"name\":\"A\",\"price\":-1.5,\"stock\":1}]",
        "products.json:1:43: amount cannot be negative: -1.5",
    );
    assert_refused(
        "products.json",
        "[{\"product_id\":\"P1\",\"name\":\"A\",\"price\":1.999,\"stock\":1}]",
        "products.json:1:44: amount has more than two decimals: 1.999",
    );
}

#[test]
fn truncated_file_and_bad_timestamp() {
    assert_refused("orders.json", "[{\"order_id\":\"O1\",", "orders.json:1:18: EOF while parsing a value");
    assert_refused(
        "orders.json",
        r#"[{"order_id":"O1","username":"a","items":[],"total":0,"timestamp":"yesterday"}]"#,
        "orders.json:1:78: expected a time like 2026-02-10 18:12:44, found \"yesterday\"",
    );
}

#[test]
fn an_order_naming_a_product_that_never_existed_is_fine() {
    let dir = temp_dir();
    fs::write(dir.path().join("products.json"), GOOD_PRODUCTS).unwrap();
    fs::write(
        dir.path().join("orders.json"),
        r#"[{"order_id":"O0001","username":"a","items":[{"product_id":"P404","qty":1,"unit_price":2}],"total":2,"timestamp":"2026-01-01 10:00:00"}]"#,
    )
    .unwrap();
    let (code, stdout, stderr) = shopfront(dir.path(), &["check"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("orders:    1"), "{stdout}");
}

#[test]
fn check_counts_plaintext_accounts() {
    let dir = temp_dir();
    let legacy = copy_legacy_fixture(dir.path());
    let (code, stdout, _) = shopfront(&legacy, &["check"]);
    assert_eq!(code, 0);
    assert_eq!(
        stdout.lines().skip(1).collect::<Vec<_>>(),
        [
            "users:     1",
            "products:  4",
            "carts:     1",
            "orders:    1",
            "discounts: 0",
            "settings:  shipping $5.00 (free from $50.00), tax 0 % added",
            "plaintext passwords: 1",
            "ok"
        ]
    );
}

#[test]
fn a_name_longer_than_the_forms_allow_is_refused_at_load() {
    // The loader and the admin form agree: a name the form could not save
    // (or edit) is not accepted from the file either.
    let long = "N".repeat(121);
    assert_refused(
        "products.json",
        &format!("[\n{{\"product_id\":\"P1\",\"name\":\"{long}\",\"price\":1,\"stock\":1}}\n]"),
        "products.json:2:170: product P1 has a name of 121 characters; names are 1–120 characters",
    );
}

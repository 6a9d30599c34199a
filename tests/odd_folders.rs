//! Folders and files a new shop owner may hand Shopfront (issue 9).

mod common;

use std::fs;
use std::process::Command;

use common::*;

fn shopfront(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_shopfront")).arg("--data-dir").arg(dir).args(args).output().expect("run")
}

#[test]
fn a_file_given_as_the_data_folder_is_named_as_such() {
    let dir = temp_dir();
    let file = dir.path().join("afile");
    fs::write(&file, b"not a folder").unwrap();
    let out = shopfront(&file, &["check"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("afile is a file, not a folder"), "{stderr}");
    let err = shopfront::store::Store::open(&file).err().expect("refused").to_string();
    assert!(err.contains("afile is a file, not a folder"), "{err}");
    let mut admin = Command::new(env!("CARGO_BIN_EXE_shopfront"));
    let out = admin.arg("--data-dir").arg(&file).args(["admin", "add", "boss", "--password-stdin"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("afile is a file, not a folder"));
    let out = shopfront(&file, &["search", "mug"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("afile is a file, not a folder"));
    assert_eq!(fs::read(&file).unwrap(), b"not a folder");
}

#[test]
fn a_byte_order_mark_at_the_start_of_a_data_file_is_skipped() {
    let dir = temp_dir();
    write_products(dir.path(), &[("P1", "Mug", "4.50", 5), ("P2", "Tea", "3.25", 2)]);
    let text = read(dir.path(), "products.json");
    fs::write(dir.path().join("products.json"), format!("\u{feff}{text}")).unwrap();
    fs::write(dir.path().join("users.json"), "\u{feff}[{\"username\":\"dana\",\"password\":\"hunter22\"}]").unwrap();
    let out = shopfront(dir.path(), &["check"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("products:  2"));
    let out = shopfront(dir.path(), &["search", "mug"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Mug"), "{}", String::from_utf8_lossy(&out.stderr));
    let mut store = open(dir.path());
    assert!(store.login("dana", "hunter22").is_ok());
    assert_eq!(stock_of(&store, "P2"), 2);
}

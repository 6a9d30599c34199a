//! The command line as a user types it.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::*;

fn shopfront() -> Command {
    Command::new(env!("CARGO_BIN_EXE_shopfront"))
}

#[test]
fn data_dir_comes_from_flag_then_environment() {
    let dir = temp_dir();
    let from_env = dir.path().join("env");
    let from_flag = dir.path().join("flag");
    std::fs::create_dir_all(&from_env).unwrap();
    std::fs::create_dir_all(&from_flag).unwrap();
    write_products(&from_env, &[("P1", "Mug", "4.50", 5)]);
    write_products(&from_flag, &[("P1", "Mug", "4.50", 5), ("P2", "Tea", "1", 1)]);
    let out = shopfront().arg("check").env("SHOPFRONT_DATA_DIR", &from_env).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("products: 1"));
    let out = shopfront()
        .args(["check", "--data-dir"])
        .arg(&from_flag)
        .env("SHOPFRONT_DATA_DIR", &from_env)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("products: 2"));
}

#[test]
fn admin_add_reads_the_password_from_stdin() {
    let dir = temp_dir();
    let mut child = shopfront()
        .args(["admin", "add", "boss", "--password-stdin", "--data-dir"])
        .arg(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"b0ss-secret\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "created admin boss");
    let users = read(dir.path(), "users.json");
    assert!(users.contains(r#""role":"admin""#) && !users.contains("b0ss-secret"), "{users}");
    let mut store = open(dir.path());
    assert!(store.login("boss", "b0ss-secret").unwrap().is_admin());

    let out = shopfront().args(["admin", "add", "boss"]).arg("--data-dir").arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "the flag is required");
}

#[test]
fn version_and_help() {
    let out = shopfront().arg("--version").output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), format!("shopfront {}", env!("CARGO_PKG_VERSION")));
    let out = shopfront().arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("--data-dir") && help.contains("check") && help.contains("admin"), "{help}");
}

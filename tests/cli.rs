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
    assert!(String::from_utf8_lossy(&out.stdout).contains("products:  1"));
    let out = shopfront()
        .args(["check", "--data-dir"])
        .arg(&from_flag)
        .env("SHOPFRONT_DATA_DIR", &from_env)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("products:  2"));
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

/// The keys the README's key tables name: the second column of every
/// `| where | key | does |` row, split into single keys.
fn readme_keys(readme: &str) -> Vec<(String, String)> {
    let mut keys = Vec::new();
    let mut where_ = String::new();
    for row in readme.lines().filter(|l| l.starts_with('|')) {
        let cells: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
        let [place, key, does] = cells[..] else { continue };
        if !place.is_empty() {
            where_ = place.to_string();
        }
        if key == "key" || key.starts_with("---") {
            continue;
        }
        // `a` / `b` separates keys; a lone `/` is the key itself.
        let cell = key.replace(" / ", ",");
        let tokens = cell.split([',', ' ', '(', ')']).map(|t| t.trim_matches('`')).filter(|t| !t.is_empty());
        for token in tokens.filter(|t| *t != "or") {
            keys.push((token.to_string(), format!("{where_}: {does}")));
        }
    }
    keys
}

#[test]
fn readme_documents_every_key() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let documented = readme_keys(&readme);
    for binding in shopfront::app::keymap::BINDINGS {
        let label = binding.label();
        assert!(
            documented.iter().any(|(key, _)| *key == label),
            "README's key tables lack {label} ({} in {:?})",
            binding.hint,
            binding.context
        );
    }
    // Keys are read from the key column only, never from prose or other columns.
    let sample = "Press q to quit.\n| where | key | does |\n|---|---|---|\n| cart | `+` (or `=`) / `-` | quit q |";
    let keys: Vec<String> = readme_keys(sample).into_iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["+", "=", "-"]);
}

#[test]
fn search_prints_what_the_filter_shows() {
    let dir = temp_dir();
    write_products(
        dir.path(),
        &[("P1", "USB-C Cable", "9.99", 3), ("P2", "USB Flash Drive", "5", 0), ("P3", "Mouse", "1", 1)],
    );
    let text = read(dir.path(), "products.json").replace(
        r#""name":"Mouse","price":1,"stock":1,"category":"Test""#,
        r#""name":"Mouse","price":1,"stock":1,"category":"Test","active":false"#,
    );
    std::fs::write(dir.path().join("products.json"), text).unwrap();
    let run = |args: &[&str]| {
        let out = shopfront().arg("--data-dir").arg(dir.path()).arg("search").args(args).output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // Search only reads: it ranks products.json itself and writes nothing.
    let before = folder_snapshot(dir.path());
    let plain = run(&["usb"]);
    assert_eq!(plain.lines().count(), 2);
    assert!(plain.lines().next().unwrap().starts_with("P1       USB-C Cable"), "{plain}");
    assert!(!dir.path().join(".catalog-index").exists(), "search leaves no index");
    assert_eq!(folder_snapshot(dir.path()), before, "search writes nothing");
    // `shopfront index` writes one on purpose; searches then use it, with the same answers.
    let out = shopfront().arg("--data-dir").arg(dir.path()).arg("index").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("wrote .catalog-index: 2 products on sale"));
    assert!(dir.path().join(".catalog-index").exists());
    assert_eq!(run(&["usb"]), plain);
    let archived = shopfront().arg("--data-dir").arg(dir.path()).args(["search", "mouse"]).output().unwrap();
    assert_eq!(archived.status.code(), Some(1), "archived products are not found");
    assert!(!String::from_utf8_lossy(&archived.stdout).contains("Mouse"));
    let json = run(&["usb", "--limit", "1", "--json"]);
    assert_eq!(
        json,
        "[\n  {\n    \"product_id\": \"P1\",\n    \"name\": \"USB-C Cable\",\n    \"price\": 9.99,\n    \"stock\": 3\n  }\n]\n"
    );
    // A stale index is ignored.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let renamed = read(dir.path(), "products.json").replace("USB-C Cable", "USB-C Lead");
    std::fs::write(dir.path().join("products.json"), renamed).unwrap();
    assert!(run(&["usb"]).contains("USB-C Lead"));
    // A damaged products.json is reported with its position.
    std::fs::write(dir.path().join("products.json"), "[{]").unwrap();
    let out = shopfront().arg("--data-dir").arg(dir.path()).args(["search", "x"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: products.json:1:"));
}

/// No hits is said on stderr with exit code 1, as grep does (it printed
/// nothing and exited 0, like a search that found what was asked).
#[test]
fn search_without_hits_says_so_and_exits_1() {
    let dir = temp_dir();
    write_products(dir.path(), &[("P1", "Mug", "4.50", 5)]);
    let out = shopfront().arg("--data-dir").arg(dir.path()).args(["search", "teapot"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "no products match \"teapot\"\n");
    let out = shopfront().arg("--data-dir").arg(dir.path()).args(["search", "teapot", "--json"]).output().unwrap();
    assert_eq!((out.status.code(), String::from_utf8_lossy(&out.stdout).as_ref()), (Some(1), "[]\n"));
    let out = shopfront().arg("--data-dir").arg(dir.path()).args(["search", "mug"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0));
}

/// Each command's help says what it does to the data folder: only the app,
/// `serve` and `admin` create and seed one; `check` and `search` only read.
#[test]
fn help_says_what_each_command_does_to_the_folder() {
    let help = |args: &[&str]| {
        let out = shopfront().args(args).arg("--help").output().unwrap();
        String::from_utf8_lossy(&out.stdout).split_whitespace().collect::<Vec<_>>().join(" ")
    };
    for command in ["check", "search"] {
        let text = help(&[command]);
        assert!(!text.contains("created") && !text.contains("seeded"), "{command}: {text}");
        assert!(text.contains("only reads the data folder"), "{command}: {text}");
    }
    let top = help(&[]);
    assert!(top.contains("created (mode 0700) and seeded with the demo catalog"), "{top}");
    assert!(help(&["index"]).contains(".catalog-index"));
}

#[test]
fn admin_add_names_the_account_as_stored() {
    let dir = temp_dir();
    let mut store = open(dir.path());
    store.register("bob", "b0b-pass").unwrap();
    drop(store);
    let mut child = shopfront()
        .args(["admin", "add", "BOB", "--password-stdin", "--data-dir"])
        .arg(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"whatever\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "promoted bob to admin (password unchanged)");
}

#[test]
fn search_notices_an_in_place_edit_that_keeps_size_and_mtime() {
    use std::io::{Seek, SeekFrom};
    let dir = temp_dir();
    write_products(dir.path(), &[("P1", "Green Mug", "4.50", 5), ("P2", "Tea", "3.25", 5)]);
    let search = |query: &str| {
        let out = shopfront().args(["search", query, "--data-dir"]).arg(dir.path()).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let out = shopfront().args(["index", "--data-dir"]).arg(dir.path()).output().unwrap();
    assert!(out.status.success());
    assert!(search("mug").contains("Green Mug"));
    assert!(dir.path().join(".catalog-index").exists(), "made by `shopfront index`");
    // Same size, same inode, the modification time put back.
    let path = dir.path().join("products.json");
    let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let at = text.find("Green Mug").unwrap();
    let mut file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    file.seek(SeekFrom::Start(at as u64)).unwrap();
    file.write_all(b"Amber Mug").unwrap();
    file.set_modified(mtime).unwrap();
    drop(file);
    let found = search("mug");
    assert!(found.contains("Amber Mug") && !found.contains("Green Mug"), "{found}");
}

/// `admin discount add` and `admin settings` check what the admin forms
/// check, with the same messages, exit 1 on a refusal, and write nothing then.
#[test]
fn discount_codes_and_settings_from_the_command_line() {
    let dir = temp_dir();
    let run = |args: &[&str]| {
        let out = shopfront().arg("--data-dir").arg(dir.path()).args(args).output().unwrap();
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        (out.status.code(), text.trim().to_string())
    };
    assert_eq!(
        run(&["admin", "discount", "add", " ten10 ", "--percent", "10", "--per-user", "1", "--expires", "2026-12-31"]),
        (Some(0), "added code TEN10: 10 % off".to_string())
    );
    assert_eq!(
        run(&["admin", "discount", "add", "Ten10", "--fixed", "5"]),
        (Some(1), "error: There is already a code TEN10".to_string())
    );
    assert_eq!(
        run(&["admin", "discount", "add", "BIG", "--percent", "150"]),
        (Some(1), "error: A percentage is a whole number from 1 to 100".to_string())
    );
    assert_eq!(
        run(&["admin", "discount", "add", "SHIP", "--free-shipping", "--min-subtotal", "20", "--max-uses", "0"]),
        (Some(1), "error: A limit is a whole number of at least 1 (empty: no limit)".to_string())
    );
    assert_eq!(run(&["admin", "discount", "add", "SHIP", "--free-shipping"]).0, Some(0));
    let codes = std::fs::read_to_string(dir.path().join("discounts.json")).unwrap();
    assert_eq!(codes.lines().filter(|l| l.contains("\"code\"")).count(), 2, "{codes}");
    // A date alone as the expiry means the end of that day.
    assert!(codes.contains(r#""expires":"2026-12-31 23:59:59","max_uses":null,"max_uses_per_user":1"#), "{codes}");
    // The command line acts as the owner at the machine, and says so.
    assert_eq!(codes.matches(r#""changed":{"by":"owner (command line)","at":""#).count(), 2, "{codes}");
    // A code that has already expired is refused, and nothing is written.
    assert_eq!(
        run(&["admin", "discount", "add", "OLD", "--percent", "5", "--expires", "2020-01-31"]),
        (Some(1), "error: Expiry 2020-01-31 23:59:59 has passed; use a later one".to_string())
    );
    assert_eq!(std::fs::read_to_string(dir.path().join("discounts.json")).unwrap(), codes);

    assert_eq!(
        run(&["admin", "settings", "--shipping", "4.50", "--free-over", "none", "--tax-percent", "8.25"]),
        (Some(0), "shipping $4.50 (never free), tax 8.25 % added at checkout".to_string())
    );
    let before = std::fs::read(dir.path().join("settings.json")).unwrap();
    assert_eq!(
        run(&["admin", "settings", "--tax-percent", "8.2555"]),
        (
            Some(1),
            "error: Tax must be a percentage from 0 to 100 with at most 3 decimals, like 8.25 (not \"8.2555\")".into()
        )
    );
    assert_eq!(std::fs::read(dir.path().join("settings.json")).unwrap(), before, "a refusal writes nothing");
    let settings = String::from_utf8(before).unwrap();
    let settings: serde_json::Value = serde_json::from_str(&settings).unwrap();
    assert_eq!(settings["changed"]["by"], "owner (command line)", "{settings}");
    assert_eq!(
        run(&["admin", "settings", "--tax-included", "--free-over", "60"]),
        (Some(0), "shipping $4.50 (free from $60.00), tax 8.25 % included in prices".to_string())
    );
}

/// The shop's currency symbol from settings.json is what every amount shows.
#[test]
fn amounts_show_the_shops_currency() {
    let dir = temp_dir();
    write_products(dir.path(), &[("P1", "Mug", "4.50", 5)]);
    std::fs::write(dir.path().join("settings.json"), r#"{"currency": "€", "shipping": {"flat": 3.00}}"#).unwrap();
    let out = shopfront().arg("--data-dir").arg(dir.path()).args(["search", "mug"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("€4.50"), "{}", String::from_utf8_lossy(&out.stdout));
    let out = shopfront().arg("--data-dir").arg(dir.path()).arg("check").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("settings:  shipping €3.00 (free from €50.00), tax 0 % added"), "{text}");
    // Refusals name amounts in the shop's currency too, and amounts may be typed as shown.
    let run = |args: &[&str]| {
        let out = shopfront().arg("--data-dir").arg(dir.path()).args(args).output().unwrap();
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        (out.status.code(), text.trim().to_string())
    };
    assert_eq!(
        run(&["admin", "settings", "--shipping=-1"]),
        (Some(1), "error: Shipping is an amount from €0.00 to €1,000,000.00, like 5.00".to_string())
    );
    assert_eq!(
        run(&["admin", "discount", "add", "ZERO", "--fixed", "0"]),
        (Some(1), "error: An amount off is above €0.00 and at most €1,000,000.00, like 5.00".to_string())
    );
    assert_eq!(
        run(&["admin", "settings", "--shipping", "€1,000.00", "--free-over", "2,000"]),
        (Some(0), "shipping €1,000.00 (free from €2,000.00), tax 0 % added at checkout".to_string())
    );
    assert_eq!(run(&["admin", "discount", "add", "BIG", "--fixed", "€1,000"]).0, Some(0));
    assert!(read(dir.path(), "discounts.json").contains(r#""code":"BIG","kind":"fixed","value":1000.0"#));
    std::fs::write(dir.path().join("settings.json"), r#"{"currency": "12"}"#).unwrap();
    let out = shopfront().arg("--data-dir").arg(dir.path()).arg("check").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("settings.json: Currency is a symbol"), "{out:?}");
}

/// Absurd serve options are usage errors, said before anything starts (a
/// huge idle timeout panicked with an overflow; zero sessions was accepted
/// and then every connection was told the shop is full).
#[test]
fn serve_refuses_absurd_options_with_a_usage_error() {
    let dir = temp_dir();
    for (flag, value, says) in [
        ("--idle-timeout", "18446744073709551615", "at most a day"),
        ("--idle-timeout", "25h", "at most a day"),
        ("--login-timeout", "0s", "longer than zero"),
        ("--max-sessions", "0", "at least 1"),
        ("--max-sessions-per-address", "0", "at least 1"),
        ("--max-connecting", "many", "at least 1"),
    ] {
        let out = shopfront()
            .args(["serve", "--listen", "127.0.0.1:0", flag, value, "--data-dir"])
            .arg(dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flag} {value}: {stderr}");
        assert!(stderr.contains(says) && !stderr.contains("panicked"), "{flag} {value}: {stderr}");
    }
}

/// `--store` names the store (a folder or sqlite:PATH); `SHOPFRONT_STORE`
/// comes after `--data-dir` but before `SHOPFRONT_DATA_DIR`; giving both
/// flags is a usage error.
#[test]
fn the_store_is_chosen_by_flag_then_environment() {
    let dir = temp_dir();
    let database = dir.path().join("shop.db");
    let store = format!("sqlite:{}", database.display());
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut command = shopfront();
        command.env_remove("SHOPFRONT_STORE").env_remove("SHOPFRONT_DATA_DIR").args(args);
        for (key, value) in env {
            command.env(key, value);
        }
        let out = command.output().unwrap();
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        (out.status.code(), text)
    };
    let (code, text) = run(&["--store", &store, "--data-dir", "x", "check"], &[]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("--store and --data-dir both name the shop's data"), "{text}");
    // check never creates a database.
    let (code, text) = run(&["--store", &store, "check"], &[]);
    assert_eq!((code, database.exists()), (Some(1), false), "{text}");
    assert!(text.contains("no such database file"), "{text}");
    let (code, text) = run(&["--store", &store, "admin", "discount", "add", "TEN10", "--percent", "10"], &[]);
    assert_eq!(code, Some(0), "{text}");
    let (code, text) = run(&["check"], &[("SHOPFRONT_STORE", &store), ("SHOPFRONT_DATA_DIR", "/nowhere")]);
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("database: sqlite:") && text.contains("discounts: 1"), "{text}");
    // --data-dir beats SHOPFRONT_STORE.
    let folder = dir.path().join("folder");
    let (code, text) = run(&["--data-dir", folder.to_str().unwrap(), "check"], &[("SHOPFRONT_STORE", &store)]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.contains("folder"), "{text}");
    let (code, text) = run(&["--store", &store, "index"], &[]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("is for a JSON data folder"), "{text}");
    let (code, text) = run(&["--store", "sqlite:", "check"], &[]);
    assert_eq!(code, Some(2), "{text}");
}

/// Output cut short by the reader (`shopfront check | head -1`) ends the
/// command quietly, as other command-line tools do: no panic, no message.
/// Deterministic: the reader is gone before the command starts writing.
#[test]
fn commands_writing_into_a_closed_pipe_end_quietly() {
    use std::os::fd::FromRawFd;
    use std::os::unix::process::ExitStatusExt;
    let dir = temp_dir();
    write_products(dir.path(), &[("P1", "USB-C Cable", "9.99", 3), ("P2", "USB Flash Drive", "5", 1)]);
    for args in [&["check"][..], &["search", "usb"]] {
        let mut ends = [0; 2];
        // SAFETY: pipe writes two descriptors into the array it is given.
        assert_eq!(unsafe { libc::pipe(ends.as_mut_ptr()) }, 0);
        // SAFETY: both descriptors were just made and are owned here alone.
        let (reader, writer) = unsafe { (std::fs::File::from_raw_fd(ends[0]), std::fs::File::from_raw_fd(ends[1])) };
        drop(reader);
        let out = shopfront()
            .arg("--data-dir")
            .arg(dir.path())
            .args(args)
            .stdout(Stdio::from(writer))
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.is_empty(), "{args:?}: nothing said on stderr: {said}");
        assert!(
            out.status.success() || out.status.signal() == Some(libc::SIGPIPE),
            "{args:?} ends as a pipe's writer does: {:?}",
            out.status
        );
    }
}

//! `shopfront serve` tried with the stock OpenSSH client, in tmux: keys,
//! identity, the checkout, resizing, and two shoppers racing for the last
//! unit.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::ssh_shopper::ServeProcess;
use common::temp_dir;
use common::tmux::Tmux;

/// A running `shopfront serve` on a free port, stopped (SIGTERM) when dropped.
struct Server {
    /// Stopped with SIGTERM when the server is dropped.
    process: ServeProcess,
    port: u16,
}

impl Server {
    /// Serves `store`: a data folder's path, `sqlite:PATH` or `postgres://…`.
    fn start(store: impl AsRef<std::ffi::OsStr>) -> Server {
        Server::start_with(store, &[])
    }

    fn start_with(store: impl AsRef<std::ffi::OsStr>, options: &[&str]) -> Server {
        let process = ServeProcess::start(env!("CARGO_BIN_EXE_shopfront"), store, options);
        Server { port: process.port, process }
    }

    /// `ssh` into the shop with `key` in a tmux terminal.
    fn connect(&self, socket: &str, key: &Path) -> Tmux {
        let command = format!(
            "ssh -tt -p {} -i '{}' -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
             -o LogLevel=ERROR 127.0.0.1; echo SSH-EXITED; sleep 60",
            self.port,
            key.display()
        );
        Tmux::run_command(socket, &command, 80, 24)
    }
}

/// From the login form: a new account `name`, its key linked, one USB-C
/// Cable bought with the test card (order O0001).
fn sign_up_and_buy_a_cable(t: &Tmux, name: &str, password: &str) {
    t.wait_for("Log in");
    t.sign_up(name, password);
    t.wait_for(&format!("Your SSH key now logs you in as {name}"));
    t.keys(&["/"]);
    t.type_text("usb cab");
    t.wait_for("Products — 2 of 44");
    t.keys(&["Enter", "a"]);
    t.wait_for("Added 1 × USB-C Cable");
    t.keys(&["c"]);
    t.to_review("4242 4242 4242 4242");
    t.keys(&["y"]);
    t.wait_for("Order O0001 placed and paid — $14.99");
}

fn new_key(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let made = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-f"])
        .arg(&path)
        .status()
        .expect("ssh-keygen (OpenSSH) must be installed for this test");
    assert!(made.success());
    path
}

#[test]
fn a_shopper_over_ssh_is_known_by_their_key() {
    let dir = temp_dir();
    let data = dir.path().join("shop");
    let server = Server::start(&data);
    let key = new_key(dir.path(), "id_shopper");
    let socket = format!("shopfront-ssh-{}", std::process::id());
    {
        let t = server.connect(&format!("{socket}-a"), &key);
        sign_up_and_buy_a_cable(&t, "ssh-sam", "sam-pass-1");
        // The layout follows the client's window.
        t.run(&["resize-window", "-t", "shop", "-x", "100", "-y", "30"]);
        t.wait_until("the wider layout", |s| s.lines().next().is_some_and(|l| l.chars().count() >= 95));
        t.keys(&["q"]);
        t.wait_for("SSH-EXITED");
    }
    {
        // The same key: straight in, and the order is there.
        let t = server.connect(&format!("{socket}-b"), &key);
        t.wait_for("Logged in as ssh-sam with your SSH key");
        t.keys(&["o"]);
        t.wait_for("O0001");
        t.keys(&["q"]);
        t.wait_for("SSH-EXITED");
    }
    {
        // Another key: the login form.
        let other = new_key(dir.path(), "id_other");
        let t = server.connect(&format!("{socket}-c"), &other);
        t.wait_for("Log in");
        assert!(!t.screen().contains("ssh-sam"));
        t.keys(&["Escape"]);
        t.wait_for("SSH-EXITED");
    }
    let users = std::fs::read_to_string(data.join("users.json")).unwrap();
    assert!(users.contains("\"ssh_keys\":[\"SHA256:"), "the fingerprint is stored: {users}");
    assert!(!users.contains("PRIVATE KEY") && !users.contains("ssh-ed25519 AAAA"), "never the key itself");
}

#[test]
fn without_a_terminal_the_client_is_told_why() {
    let dir = temp_dir();
    let server = Server::start(dir.path().join("shop"));
    let key = new_key(dir.path(), "id");
    let out = Command::new("ssh")
        .args(["-T", "-p", &server.port.to_string(), "-i"])
        .arg(&key)
        .args([
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "LogLevel=ERROR",
            "127.0.0.1",
            "list",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("connect with a terminal (ssh -t)"), "{out:?}");
}

#[test]
fn two_shoppers_racing_for_the_last_unit_buy_it_once() {
    let dir = temp_dir();
    let data = dir.path().join("shop");
    std::fs::create_dir_all(&data).unwrap();
    common::write_products(&data, &[("P1", "Last Lamp", "20.00", 1)]);
    let server = Server::start(&data);
    let socket = format!("shopfront-ssh-race-{}", std::process::id());
    let shoppers: Vec<Tmux> = ["ann", "bob"]
        .iter()
        .map(|name| {
            let key = new_key(dir.path(), &format!("id_{name}"));
            let t = server.connect(&format!("{socket}-{name}"), &key);
            t.wait_for("Log in");
            t.sign_up(name, "race-pass");
            t.wait_for("Your SSH key now logs you in");
            t.keys(&["a"]);
            t.wait_for("Added 1 × Last Lamp");
            t.keys(&["c"]);
            t.to_review("4242 4242 4242 4242");
            t
        })
        .collect();
    // Both place their order at once.
    for t in &shoppers {
        t.keys(&["y"]);
    }
    let outcomes: Vec<String> = shoppers
        .iter()
        .map(|t| {
            t.wait_until("an answer", |s| s.contains("placed and paid") || s.contains("Your order was not placed"))
        })
        .collect();
    let placed = outcomes.iter().filter(|s| s.contains("placed and paid")).count();
    assert_eq!(placed, 1, "sold once: {outcomes:#?}");
    let orders = std::fs::read_to_string(data.join("orders.json")).unwrap();
    assert_eq!(orders.matches("\"order_id\"").count(), 1, "{orders}");
    let products = std::fs::read_to_string(data.join("products.json")).unwrap();
    assert!(products.contains("\"stock\":0"), "{products}");
}

#[test]
fn stopping_the_server_tells_every_session_and_restores_its_screen() {
    let dir = temp_dir();
    let server = Server::start(dir.path().join("shop"));
    let key = new_key(dir.path(), "id");
    let socket = format!("shopfront-ssh-stop-{}", std::process::id());
    let t = server.connect(&socket, &key);
    t.wait_for("Log in");
    drop(server);
    let screen = t.wait_for("SSH-EXITED");
    assert!(screen.contains("The shop is closing — your cart is saved."), "{screen}");
    assert!(!screen.contains("Log in"), "the alternate screen was left: {screen}");
}

#[test]
fn a_full_shop_says_so_and_an_idle_session_is_closed_with_a_message() {
    let dir = temp_dir();
    let server = Server::start_with(dir.path().join("shop"), &["--max-sessions", "1", "--idle-timeout", "3s"]);
    let key = new_key(dir.path(), "id");
    let socket = format!("shopfront-ssh-full-{}", std::process::id());
    let first = server.connect(&format!("{socket}-1"), &key);
    first.wait_for("Log in");
    let second = server.connect(&format!("{socket}-2"), &key);
    let screen = second.wait_for("SSH-EXITED");
    assert!(screen.contains("The shop is full right now — please try again in a minute."), "{screen}");
    // The first one, left alone, is closed after its idle time.
    let screen = first.wait_for("SSH-EXITED");
    assert!(screen.contains("Closed after 3 seconds without a key press — your cart is saved."), "{screen}");
}

/// A person typing with the stock client sends one key per SSH message:
/// 300 of them and 200 window changes (the session froze at about 100, in
/// the middle of a first purchase's card number).
#[test]
fn the_stock_client_typing_one_key_at_a_time_never_freezes() {
    let dir = temp_dir();
    let server = Server::start(dir.path().join("shop"));
    let key = new_key(dir.path(), "id");
    let socket = format!("shopfront-ssh-keys-{}", std::process::id());
    let t = server.connect(&socket, &key);
    t.wait_for("Log in");
    let letters = "abcdefghijklmnopqrstuvwxyz";
    for i in 0..300 {
        // One send-keys per key: each reaches ssh as its own read, its own message.
        t.type_text(&letters[i % 26..i % 26 + 1]);
        if i % 50 == 49 {
            // Let ssh send what it has; a person types slower still.
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }
    t.wait_for("klmnopqrstuvwxyzabcdefghijklmn");
    for i in 0..200 {
        let (width, height) = if i % 2 == 0 { ("100", "30") } else { ("80", "24") };
        t.run(&["resize-window", "-t", "shop", "-x", width, "-y", height]);
    }
    t.keys(&["C-n"]);
    t.wait_for("Create account");
    t.type_text("still-here");
    t.wait_for("still-here");
    t.keys(&["Escape"]);
    t.wait_for("SSH-EXITED");
}

/// Issue 16, item 4: over SSH the receipt is shown to the shopper, never
/// written on the server, and no server path is ever on screen: `r` on the
/// placed page and on the order's details opens it, it scrolls to its end,
/// and `w` (which writes it in a local session) does nothing here.
#[test]
fn a_receipt_over_ssh_is_shown_never_written_on_the_server() {
    let dir = temp_dir();
    let data = dir.path().join("shop");
    let server = Server::start(&data);
    let key = new_key(dir.path(), "id_receipt");
    let socket = format!("shopfront-ssh-receipt-{}", std::process::id());
    let t = server.connect(&socket, &key);
    sign_up_and_buy_a_cable(&t, "rita", "rita-pass-1");
    let server_path = data.display().to_string();
    let mut screens = Vec::new();
    // From the placed page.
    t.keys(&["r"]);
    let screen =
        t.wait_until("the receipt", |s| s.contains("Receipt for order O0001") || s.contains("Receipt written"));
    screens.push(screen.clone());
    for line in ["Customer: rita", "1 × USB-C Cable @ $9.99 = $9.99"] {
        assert!(screen.contains(line), "{line:?} not on\n{screen}");
    }
    t.keys(&["End"]);
    screens.push(t.wait_for("NW1 2AB London"));
    t.keys(&["w"]);
    std::thread::sleep(std::time::Duration::from_millis(300));
    screens.push(t.screen());
    t.keys(&["Escape"]);
    screens.push(t.wait_for("placed and paid"));
    // From the order's details.
    t.keys(&["o"]);
    t.wait_for("Orders — 1");
    t.keys(&["Enter"]);
    t.wait_for("Order O0001 ");
    t.keys(&["r"]);
    screens.push(t.wait_for("Receipt for order O0001"));
    t.keys(&["G"]);
    screens.push(t.wait_for("Total:"));
    t.keys(&["w"]);
    std::thread::sleep(std::time::Duration::from_millis(300));
    screens.push(t.screen());
    // One key at a time: Esc and q sent together would read as Alt-q.
    t.keys(&["Escape"]);
    screens.push(t.wait_for("Customer  rita"));
    t.keys(&["q"]);
    t.wait_for("SSH-EXITED");
    for screen in &screens {
        assert!(!screen.contains("Receipt written") && !screen.contains("receipts/"), "{screen}");
        assert!(!screen.contains(&server_path), "a server path on screen:\n{screen}");
        assert!(!screen.contains("w write"), "a key that must not exist over SSH:\n{screen}");
    }
    assert!(!data.join("receipts").exists(), "nothing written on the server");
}

/// The `SHA256:…` fingerprint of a public or private key file.
fn fingerprint_of(key: &Path) -> String {
    let out = Command::new("ssh-keygen").arg("-lf").arg(key).output().expect("ssh-keygen");
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.split_whitespace().find(|w| w.starts_with("SHA256:")).unwrap_or_else(|| panic!("{text}")).to_string()
}

/// Issue 18: `serve --store sqlite:…` with the stock OpenSSH client: sign
/// up and buy, come back by key, log in by password from another key; the
/// screen, then what the database holds; the host key kept beside the
/// database as `PATH.ssh_host_ed25519_key`, private to its owner.
#[test]
fn serve_on_a_sqlite_store_with_the_stock_client() {
    use shopfront::domain::{Money, OrderStatus};
    use shopfront::repo::Repo;
    use std::os::unix::fs::PermissionsExt;

    let dir = temp_dir();
    let database = common::demo_shop_in_sqlite(dir.path());
    let cable_before = {
        let repo = shopfront::repo::sqlite::SqliteRepo::open(&database).unwrap();
        let read = repo.read().unwrap();
        let mut found = None;
        read.each_product(&mut |p| {
            if p.name == "USB-C Cable" {
                found = Some(p.clone());
            }
        })
        .unwrap();
        found.expect("the demo catalog's cable")
    };
    let server = Server::start(format!("sqlite:{}", database.display()));
    let host_key = dir.path().join("store/shop.db.ssh_host_ed25519_key");
    let mode = std::fs::metadata(&host_key).expect("the host key beside the database").permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "the host key is private: {mode:o}");
    assert_eq!(fingerprint_of(&host_key), server.process.fingerprint, "the key the server announced");
    assert!(!dir.path().join("store/ssh_host_ed25519_key").exists());

    let key = new_key(dir.path(), "id_sqlite");
    let socket = format!("shopfront-ssh-sqlite-{}", std::process::id());
    {
        let t = server.connect(&format!("{socket}-a"), &key);
        sign_up_and_buy_a_cable(&t, "sql-sam", "sam-pass-1");
        let screen = t.screen();
        assert!(screen.contains("Paid with Visa •••• 4242"), "{screen}");
        t.keys(&["o"]);
        t.wait_for("$14.99 paid");
        t.keys(&["q"]);
        t.wait_for("SSH-EXITED");
    }
    {
        // The same key: straight in, and the order is there.
        let t = server.connect(&format!("{socket}-b"), &key);
        t.wait_for("Logged in as sql-sam with your SSH key");
        t.keys(&["o"]);
        t.wait_for("$14.99 paid");
        t.keys(&["q"]);
        t.wait_for("SSH-EXITED");
    }
    let other = new_key(dir.path(), "id_other");
    {
        // Another key: the login form, then the password.
        let t = server.connect(&format!("{socket}-c"), &other);
        t.wait_for("Log in");
        assert!(!t.screen().contains("sql-sam"));
        t.log_in("sql-sam", "sam-pass-1");
        t.wait_for("Your SSH key now logs you in as sql-sam");
        t.keys(&["o"]);
        t.wait_for("$14.99 paid");
        t.keys(&["q"]);
        t.wait_for("SSH-EXITED");
    }
    drop(server);

    let mode = std::fs::metadata(&database).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "the database is private: {mode:o}");
    let repo = shopfront::repo::sqlite::SqliteRepo::open(&database).unwrap();
    let read = repo.read().unwrap();
    let sam = read.account("sql-sam").unwrap().expect("the account is stored");
    assert!(sam.password_hash.as_deref().is_some_and(|h| h.starts_with("$argon2id$")));
    let mut keys = sam.ssh_keys.clone();
    keys.sort();
    let mut expected = vec![fingerprint_of(&key), fingerprint_of(&other)];
    expected.sort();
    assert_eq!(keys, expected, "both keys' fingerprints, never the keys");
    assert_eq!(read.accounts_with_key(&fingerprint_of(&key)).unwrap().len(), 1);
    let orders = read.orders_of("sql-sam").unwrap();
    assert_eq!(orders.len(), 1);
    let order = &orders[0];
    assert_eq!((order.order_id.as_str(), order.status), ("O0001", OrderStatus::Paid));
    assert_eq!(order.items.len(), 1);
    assert_eq!((order.items[0].product_id.as_str(), order.items[0].qty), (cable_before.product_id.as_str(), 1));
    assert_eq!((order.total, order.shipping), (Money::from_cents(1499), Money::from_cents(500)));
    assert_eq!(order.payment.as_deref().map(|p| p.last4.as_str()), Some("4242"));
    assert_eq!(order.address.as_deref().map(|a| a.postal_code.as_str()), Some("NW1 2AB"));
    let stock = read.product(&cable_before.product_id).unwrap().unwrap().stock;
    assert_eq!(stock, cable_before.stock - 1, "one unit sold");
    assert!(read.cart("sql-sam").unwrap().is_none_or(|c| c.items.is_empty()));
    drop(read);
    drop(repo);
    assert!(!dir.path().join("store/receipts").exists(), "nothing written for a shopper over SSH");
    // No secret in the database (nor its -wal or -shm, if left).
    for entry in std::fs::read_dir(dir.path().join("store")).unwrap() {
        let path = entry.unwrap().path();
        if path == host_key || !path.is_file() {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        for secret in [&b"sam-pass-1"[..], b"4242424242424242", b"PRIVATE KEY"] {
            let found = bytes.windows(secret.len()).any(|w| w == secret);
            assert!(!found, "{} in {}", String::from_utf8_lossy(secret), path.display());
        }
    }
}

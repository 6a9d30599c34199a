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
    _process: ServeProcess,
    port: u16,
}

impl Server {
    fn start(data_dir: &Path) -> Server {
        Server::start_with(data_dir, &[])
    }

    fn start_with(data_dir: &Path, options: &[&str]) -> Server {
        let process = ServeProcess::start(env!("CARGO_BIN_EXE_shopfront"), data_dir, options);
        Server { port: process.port, _process: process }
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
    t.keys(&["C-n"]);
    t.wait_for("Create account");
    t.type_text(name);
    t.keys(&["Tab"]);
    t.type_text(password);
    t.keys(&["Tab"]);
    t.type_text(password);
    t.keys(&["Enter"]);
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
    let server = Server::start(&dir.path().join("shop"));
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
            t.keys(&["C-n"]);
            t.type_text(name);
            t.keys(&["Tab"]);
            t.type_text("race-pass");
            t.keys(&["Tab"]);
            t.type_text("race-pass");
            t.keys(&["Enter"]);
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
    let server = Server::start(&dir.path().join("shop"));
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
    let server = Server::start_with(&dir.path().join("shop"), &["--max-sessions", "1", "--idle-timeout", "3s"]);
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
    let server = Server::start(&dir.path().join("shop"));
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

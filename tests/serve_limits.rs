//! `shopfront serve` as a person typing and as an attacker would try it,
//! with scripted SSH clients: every key its own message, many window
//! changes, huge terminals, many connections from one address, clients that
//! never log in.

mod common;

use std::time::Duration;

use common::ssh_shopper::{ServeProcess, Shopper, rss_kib};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap()
}

fn demo_shop() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = common::temp_dir();
    let data = dir.path().join("shop");
    std::fs::create_dir_all(&data).unwrap();
    common::write_products(&data, &[("P1", "Desk Lamp", "20.00", 5)]);
    (dir, data)
}

/// A person types one key per SSH message; 300 of them and 200 window
/// changes must leave the session answering (it froze at about 100).
#[test]
fn a_session_answers_after_300_single_key_writes_and_200_window_changes() {
    let (_dir, data) = demo_shop();
    let server = ServeProcess::start(env!("CARGO_BIN_EXE_shopfront"), &data, &[]);
    let port = server.port;
    runtime().block_on(async {
        let mut shopper = Shopper::connect(port, 80, 24).await.unwrap();
        shopper.wait_for("Log in").await.unwrap();
        // 300 keys, one per write, into the name field (it holds 2,000).
        let name: String = (0..300).map(|i| char::from(b'a' + (i % 26) as u8)).collect();
        shopper.send(name.as_bytes()).await.unwrap();
        shopper.wait_for("xyzabcdefghijklmn").await.unwrap();
        for i in 0..200u16 {
            shopper.resize(80 + i % 2 * 20, 24 + i % 2 * 6).await.unwrap();
        }
        shopper.resize(100, 30).await.unwrap();
        // Still answering: Ctrl-N switches to the sign-up form.
        shopper.send(b"\x0e").await.unwrap();
        shopper.wait_for("Create account").await.unwrap();
        shopper.send(b"after-the-storm").await.unwrap();
        shopper.wait_for("after-the-storm").await.unwrap();
        // Drawn at 100 columns: the form sits 20 columns in (10 at 80).
        let screen = shopper.screen();
        assert!(screen.lines().any(|l| l.starts_with(&format!("{}┌", " ".repeat(20)))), "drawn at 100×30:\n{screen}");
    });
    drop(server);
}

/// Waits for a scripted shopper's screen, but gives up quickly.
#[allow(dead_code)]
async fn shows(shopper: &mut Shopper, text: &str, seconds: u64) -> Result<usize, String> {
    shopper.wait_for_any(&[text], Duration::from_secs(seconds)).await
}

/// A client may claim a 1000×1000 terminal: the shop is drawn at a bounded
/// size, and ten such sessions cost under 8 MB each (they cost 93 MB).
#[test]
fn huge_terminals_cost_a_bounded_amount_of_memory() {
    let (_dir, data) = demo_shop();
    let server = ServeProcess::start(env!("CARGO_BIN_EXE_shopfront"), &data, &[]);
    let (port, pid) = (server.port, server.pid());
    runtime().block_on(async {
        // One ordinary session first, so the shop itself is loaded.
        let mut first = Shopper::connect_from(port, "127.0.2.1", "xterm", 80, 24).await.unwrap();
        first.wait_for("Log in").await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        let before = rss_kib(pid);
        let mut huge = Vec::new();
        for i in 0..10 {
            let from = format!("127.0.2.{}", i + 2);
            let mut shopper = Shopper::connect_from(port, &from, "xterm", 1000, 1000).await.unwrap();
            // Its form's border (where the form sits depends on the drawn size).
            shopper.wait_for("───").await.unwrap();
            huge.push(shopper);
        }
        // Every one of them draws again, whole.
        for shopper in &mut huge {
            shopper.resize(999, 1000).await.unwrap();
        }
        tokio::time::sleep(Duration::from_millis(1500)).await;
        let after = rss_kib(pid);
        let per_session = after.saturating_sub(before) / 10;
        eprintln!("each 1000×1000 session: {per_session} KiB ({before} → {after} KiB)");
        assert!(per_session < 8 * 1024, "each 1000×1000 session costs {per_session} KiB ({before} → {after} KiB)");
        let screen = huge[0].screen();
        assert!(screen.contains("Log in"), "the shop is drawn:\n{screen}");
    });
    drop(server);
}

/// One address holds at most 16 sessions; the 17th is told why, and
/// another address still comes in.
#[test]
fn one_address_cannot_take_every_session() {
    let (_dir, data) = demo_shop();
    let server = ServeProcess::start(env!("CARGO_BIN_EXE_shopfront"), &data, &["--max-guest-sessions", "100"]);
    let port = server.port;
    runtime().block_on(async {
        let mut held = Vec::new();
        for _ in 0..16 {
            let mut shopper = Shopper::connect_from(port, "127.0.3.1", "xterm", 80, 24).await.unwrap();
            shopper.wait_for("Log in").await.unwrap();
            held.push(shopper);
        }
        let mut refused = Shopper::connect_from(port, "127.0.3.1", "xterm", 80, 24).await.unwrap();
        refused.wait_for("Too many sessions from your address").await.unwrap();
        let mut other = Shopper::connect_from(port, "127.0.3.2", "xterm", 80, 24).await.unwrap();
        other.wait_for("Log in").await.unwrap();
        // A place given back is a place again.
        drop(held.pop());
        tokio::time::sleep(Duration::from_millis(500)).await;
        let mut again = Shopper::connect_from(port, "127.0.3.1", "xterm", 80, 24).await.unwrap();
        again.wait_for("Log in").await.unwrap();
    });
    drop(server);
}

/// Sessions not logged in have their own cap, so logged-in shoppers keep
/// their places; a shopper who logs in frees a guest's place.
#[test]
fn guests_are_counted_apart_from_shoppers() {
    let (_dir, data) = demo_shop();
    let server = ServeProcess::start(env!("CARGO_BIN_EXE_shopfront"), &data, &["--max-guest-sessions", "2"]);
    let port = server.port;
    runtime().block_on(async {
        let mut a = Shopper::connect_from(port, "127.0.4.1", "xterm", 80, 24).await.unwrap();
        a.wait_for("Log in").await.unwrap();
        let mut b = Shopper::connect_from(port, "127.0.4.2", "xterm", 80, 24).await.unwrap();
        b.wait_for("Log in").await.unwrap();
        let mut c = Shopper::connect_from(port, "127.0.4.3", "xterm", 80, 24).await.unwrap();
        c.wait_for("The shop is full right now").await.unwrap();
        a.send(b"\x0e").await.unwrap();
        a.wait_for("Create account").await.unwrap();
        a.send(b"guest-one\tpass-guest-one\tpass-guest-one\r").await.unwrap();
        a.wait_for("Account created").await.unwrap();
        // Counted as a shopper once its screen shows it.
        tokio::time::sleep(Duration::from_millis(600)).await;
        let mut d = Shopper::connect_from(port, "127.0.4.4", "xterm", 80, 24).await.unwrap();
        d.wait_for("Log in").await.unwrap();
    });
    drop(server);
}

/// A connection that never greets, one that never logs in to SSH, and one
/// that logs in but never opens the shop are all closed after the login
/// timeout (they were kept for 31 minutes, or for ever).
#[test]
fn connections_that_do_not_open_the_shop_are_closed() {
    use tokio::io::AsyncReadExt;
    let (_dir, data) = demo_shop();
    let server = ServeProcess::start(env!("CARGO_BIN_EXE_shopfront"), &data, &["--login-timeout", "2s"]);
    let port = server.port;
    runtime().block_on(async {
        let started = std::time::Instant::now();
        let mut silent = common::ssh_shopper::tcp_from(port, "127.0.5.1").await.unwrap();
        let unauthenticated = common::ssh_shopper::ssh_session(port, "127.0.5.2").await.unwrap();
        let authenticated = {
            let mut session = common::ssh_shopper::ssh_session(port, "127.0.5.3").await.unwrap();
            assert!(session.authenticate_password("shopper", "-").await.unwrap().success());
            session
        };
        // The silent one reads the server's greeting, then the end.
        let mut buffer = vec![0u8; 4096];
        let closed = tokio::time::timeout(Duration::from_secs(6), async {
            loop {
                match silent.read(&mut buffer).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
            }
        })
        .await;
        assert!(closed.is_ok(), "a connection that never greets is closed");
        tokio::time::sleep(Duration::from_millis(1000)).await;
        assert!(started.elapsed() < Duration::from_secs(6));
        assert!(unauthenticated.is_closed(), "a connection that never authenticates is closed");
        assert!(authenticated.is_closed(), "a connection that never opens the shop is closed");
        // A shopper at the shop's own login form has opened the shop: kept.
        let mut shopper = Shopper::connect_from(port, "127.0.5.4", "xterm", 80, 24).await.unwrap();
        shopper.wait_for("Log in").await.unwrap();
        tokio::time::sleep(Duration::from_secs(3)).await;
        shopper.send(b"\x0e").await.unwrap();
        shopper.wait_for("Create account").await.unwrap();
    });
    drop(server);
}

/// With the common limit on open files, a thousand silent connections used
/// to make `accept` fail and the server exit. It must keep serving.
#[test]
fn running_out_of_file_descriptors_does_not_stop_the_server() {
    let (_dir, data) = demo_shop();
    let caps = [
        "--max-connecting",
        "100000",
        "--max-connecting-per-address",
        "100000",
        "--connections-per-minute",
        "100000",
        "--max-sessions-per-address",
        "100",
    ];
    let mut server = ServeProcess::start_with(env!("CARGO_BIN_EXE_shopfront"), &data, &caps, None, Some(128));
    let port = server.port;
    runtime().block_on(async {
        let mut silent = Vec::new();
        for i in 0..200 {
            if let Ok(stream) = common::ssh_shopper::tcp_from(port, &format!("127.0.6.{}", i % 200 + 1)).await {
                silent.push(stream);
            }
        }
        tokio::time::sleep(Duration::from_millis(1500)).await;
        drop(silent);
    });
    assert!(server.running(), "the server is still running");
    runtime().block_on(async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let mut shopper = Shopper::connect_from(port, "127.0.6.250", "xterm", 80, 24).await.unwrap();
        shopper.wait_for("Log in").await.unwrap();
    });
    drop(server);
}

/// TERM is the client's to choose: a newline in it must not forge a log
/// line, nor an escape sequence reach whoever reads the log.
#[test]
fn a_client_cannot_write_into_the_log() {
    let (dir, data) = demo_shop();
    let log = dir.path().join("serve.log");
    let server = ServeProcess::start_with(env!("CARGO_BIN_EXE_shopfront"), &data, &[], Some(&log), None);
    let port = server.port;
    let term = "xterm\n2026-12-01T00:00:00.000000Z  INFO fake: session ended user=\"admin\"\x1b]0;owned\x07";
    runtime().block_on(async {
        let mut shopper = Shopper::connect_from(port, "127.0.7.1", term, 80, 24).await.unwrap();
        shopper.wait_for("Log in").await.unwrap();
        // A failed login logs the typed name too.
        shopper.send("eve\u{1b}[2J\tnot-the-password\r".as_bytes()).await.unwrap();
        shopper.wait_for("Wrong").await.ok();
    });
    drop(server);
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains("session started"), "{logged}");
    assert!(!logged.lines().any(|l| l.starts_with("2026-12-01T00:00:00")), "a forged line:\n{logged}");
    assert!(logged.contains("term=xterm\\u{a}2026"), "TERM logged escaped:\n{logged}");
    assert!(!logged.contains('\x1b') && !logged.contains('\x07'), "control characters in the log:\n{logged:?}");
}

/// `ssh -s host sftp` is refused at once (it hung until the client gave up).
#[test]
fn subsystems_are_refused_at_once() {
    let (_dir, data) = demo_shop();
    let server = ServeProcess::start(env!("CARGO_BIN_EXE_shopfront"), &data, &[]);
    let port = server.port;
    runtime().block_on(async {
        let mut session = common::ssh_shopper::ssh_session(port, "127.0.8.1").await.unwrap();
        assert!(session.authenticate_password("shopper", "-").await.unwrap().success());
        let mut channel = session.channel_open_session().await.unwrap();
        channel.request_subsystem(true, "sftp").await.unwrap();
        let answer = tokio::time::timeout(Duration::from_secs(5), async {
            let mut said = String::new();
            let mut failed = false;
            while let Some(message) = channel.wait().await {
                match message {
                    russh::ChannelMsg::Failure => failed = true,
                    russh::ChannelMsg::Data { data } => said.push_str(&String::from_utf8_lossy(&data)),
                    russh::ChannelMsg::Close => break,
                    _ => {}
                }
            }
            (failed, said)
        })
        .await
        .expect("an answer at once");
        assert!(answer.0, "the request is refused");
        assert!(answer.1.contains("no file transfer"), "{answer:?}");
    });
    drop(server);
}

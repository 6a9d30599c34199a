//! `shopfront serve` as a person typing and as an attacker would try it,
//! with scripted SSH clients: every key its own message, many window
//! changes, huge terminals, many connections from one address, clients that
//! never log in.

mod common;

use std::time::Duration;

use common::ssh_shopper::{ServeProcess, Shopper};

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
        let screen = shopper.screen();
        assert!(screen.lines().count() >= 29, "drawn at 100×30:\n{screen}");
    });
    drop(server);
}

/// Waits for a scripted shopper's screen, but gives up quickly.
#[allow(dead_code)]
async fn shows(shopper: &mut Shopper, text: &str, seconds: u64) -> Result<usize, String> {
    shopper.wait_for_any(&[text], Duration::from_secs(seconds)).await
}

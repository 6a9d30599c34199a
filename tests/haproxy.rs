//! The repository's HAProxy configuration (deploy/haproxy.cfg), run as it
//! is in front of two `serve --proxy-protocol` processes on one shop: every
//! shopper gets in through it, both servers serve, and each server sees the
//! shopper's own address (not HAProxy's) in its log.
//!
//! Needs `haproxy` (CI installs it). Without it the test says it is skipped,
//! unless SHOPFRONT_CI is set.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::ssh_shopper::{ServeProcess, Shopper};

/// The haproxy program: on the PATH, or where Debian puts it.
fn haproxy() -> Option<&'static str> {
    let runs = |program: &str| Command::new(program).arg("-v").stdout(Stdio::null()).stderr(Stdio::null()).status();
    ["haproxy", "/usr/sbin/haproxy"].into_iter().find(|program| runs(program).is_ok())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

#[test]
fn shoppers_reach_two_servers_through_the_shipped_haproxy_configuration() {
    let Some(program) = haproxy() else {
        assert!(std::env::var_os("SHOPFRONT_CI").is_none(), "CI must have haproxy");
        eprintln!("skipped: haproxy is not installed");
        return;
    };
    let dir = common::temp_dir();
    let data = dir.path().join("shop");
    std::fs::create_dir_all(&data).unwrap();
    common::write_products(&data, &[("P1", "Desk Lamp", "20.00", 5)]);
    let host_key = dir.path().join("host_key");
    let key = host_key.to_str().unwrap();
    let logs = [dir.path().join("a.log"), dir.path().join("b.log")];
    let binary = env!("CARGO_BIN_EXE_shopfront");
    let options = ["--proxy-protocol", "--host-key", key];
    let a = ServeProcess::start_with(binary, &data, &options, Some(&logs[0]), None);
    let b = ServeProcess::start_with(binary, &data, &options, Some(&logs[1]), None);
    let port = free_port();
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/haproxy.cfg");
    let mut haproxy = Command::new(program)
        .args(["-f", config, "-db"])
        .env("SHOPFRONT_LISTEN", format!("127.0.0.1:{port}"))
        .env("SHOPFRONT_SERVE_A", format!("127.0.0.1:{}", a.port))
        .env("SHOPFRONT_SERVE_B", format!("127.0.0.1:{}", b.port))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start haproxy");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let shoppers = runtime.block_on(async {
        let started = Instant::now();
        let mut shoppers = Vec::new();
        // Four shoppers from four loopback addresses, held open together.
        for i in 0..4u8 {
            let from = format!("127.0.0.{}", 10 + i);
            let shopper = loop {
                match Shopper::connect_from(port, &from, "xterm-256color", 80, 24).await {
                    Ok(shopper) => break shopper,
                    Err(e) if started.elapsed() < Duration::from_secs(15) => {
                        let _ = e;
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                    Err(e) => panic!("no way in through haproxy: {e}"),
                }
            };
            shoppers.push(shopper);
        }
        for shopper in &mut shoppers {
            shopper.wait_for("Log in").await.expect("the shop through haproxy");
        }
        shoppers
    });
    let _ = haproxy.kill();
    let _ = haproxy.wait();
    drop(shoppers);
    drop((a, b));
    let logs: Vec<String> = logs.iter().map(|log| std::fs::read_to_string(log).unwrap_or_default()).collect();
    let everything = logs.join("\n");
    for i in 0..4 {
        assert!(everything.contains(&format!("peer=127.0.0.{}:", 10 + i)), "shopper {i}'s own address:\n{everything}");
    }
    assert!(
        logs.iter().all(|log| log.contains("session started peer=127.0.0.1")),
        "both served shoppers:\n{everything}"
    );
    // HAProxy's own address shows only for its health checks (LOCAL),
    // which never open a session.
    assert!(!everything.contains("session started peer=127.0.0.1:"), "no shopper seen as HAProxy:\n{everything}");
}

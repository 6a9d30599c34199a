//! `serve --proxy-protocol` behind a load balancer: the PROXY header (v1 or
//! v2) names the client, whose address the logs, the per-address caps and
//! login throttling use; a connection without one is refused. Without the
//! flag a header is not accepted at all.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::ssh_shopper::{ServeProcess, Trusting};
use tokio::io::AsyncWriteExt;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap()
}

fn shop() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = common::temp_dir();
    let data = dir.path().join("shop");
    std::fs::create_dir_all(&data).unwrap();
    common::write_products(&data, &[("P1", "Desk Lamp", "20.00", 5)]);
    (dir, data)
}

/// Opens TCP to the server, sends `header`, then speaks SSH over it:
/// whether the SSH handshake and a password login get through.
async fn ssh_after(port: u16, header: &[u8]) -> Result<russh::client::Handle<Trusting>, String> {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.map_err(|e| e.to_string())?;
    stream.write_all(header).await.map_err(|e| e.to_string())?;
    let config = Arc::new(russh::client::Config::default());
    let connecting = russh::client::connect_stream(config, stream, Trusting);
    let mut session = tokio::time::timeout(Duration::from_secs(10), connecting)
        .await
        .map_err(|_| "no handshake in 10 s".to_string())?
        .map_err(|e| e.to_string())?;
    let auth = session.authenticate_password("shopper", "-").await.map_err(|e| e.to_string())?;
    if auth.success() { Ok(session) } else { Err("not let in".into()) }
}

fn v2_header(client: [u8; 4], port: u16) -> Vec<u8> {
    let mut header = b"\r\n\r\n\0\r\nQUIT\n".to_vec();
    header.extend([0x21, 0x11, 0, 12]);
    header.extend(client);
    header.extend([127, 0, 0, 1]);
    header.extend(port.to_be_bytes());
    header.extend(2222u16.to_be_bytes());
    header
}

#[test]
fn the_header_names_the_client_for_logs_and_per_address_caps() {
    let (dir, data) = shop();
    let log = dir.path().join("serve.log");
    let server = ServeProcess::start_with(
        env!("CARGO_BIN_EXE_shopfront"),
        &data,
        &["--proxy-protocol", "--max-connecting-per-address", "1"],
        Some(&log),
        None,
    );
    let port = server.port;
    runtime().block_on(async {
        let first = ssh_after(port, b"PROXY TCP4 203.0.113.7 127.0.0.1 5555 2222\r\n").await.expect("v1 gets in");
        // The same client again, through the balancer: its own cap of 1 applies.
        let again = ssh_after(port, b"PROXY TCP4 203.0.113.7 127.0.0.1 5556 2222\r\n").await;
        assert!(again.is_err(), "a second connection from 203.0.113.7 while the first is connecting");
        // Another client through the same balancer is let in.
        let other = ssh_after(port, &v2_header([198, 51, 100, 9], 40000)).await.expect("v2 gets in");
        // Without a header, nothing gets through.
        assert!(ssh_after(port, b"").await.is_err(), "no header: refused");
        drop((first, other));
    });
    drop(server);
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(log.contains("peer=203.0.113.7:5555"), "{log}");
    assert!(log.contains("peer=198.51.100.9:40000"), "{log}");
    assert!(log.contains("does not start with a PROXY protocol header"), "{log}");
}

#[test]
fn without_the_flag_a_proxy_header_is_not_believed() {
    let (_dir, data) = shop();
    let server = ServeProcess::start(env!("CARGO_BIN_EXE_shopfront"), &data, &[]);
    let port = server.port;
    runtime().block_on(async {
        assert!(ssh_after(port, b"PROXY TCP4 203.0.113.7 127.0.0.1 5555 2222\r\n").await.is_err());
        assert!(ssh_after(port, b"").await.is_ok(), "plain SSH as before");
    });
    drop(server);
}

//! `shopfront serve`: the shop over SSH. One process holds the shop once
//! (one catalog, one search index); every connection gets its own session,
//! an App on that shared shop, on a thread of its own.

pub mod host_key;
pub mod input;
pub mod remote;
pub mod server;
pub mod session;

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use russh::server::Server as _;

use crate::shop::Shop;
use server::{Shared, ShopServer};

pub struct Options {
    pub listen: String,
    pub host_key: PathBuf,
    pub max_sessions: usize,
    pub idle_timeout: Duration,
}

/// Serves `shop` until SIGINT or SIGTERM; then every session is told the
/// shop is closing, and the server returns.
pub fn run(shop: Arc<dyn Shop>, options: Options) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("ssh")
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the server: {e}"))?;
    let key = host_key::load_or_create(&options.host_key)?;
    let fingerprint = host_key::fingerprint(&key);
    let config = russh::server::Config {
        keys: vec![key],
        methods: server::open_methods(),
        // A failed password here costs nothing: the shop's own form asks for it.
        auth_rejection_time: Duration::from_millis(300),
        auth_rejection_time_initial: Some(Duration::ZERO),
        inactivity_timeout: Some(options.idle_timeout + Duration::from_secs(60)),
        keepalive_interval: Some(Duration::from_secs(30)),
        nodelay: true,
        ..Default::default()
    };
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(&options.listen)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", options.listen))?;
        let address: SocketAddr = listener.local_addr().map_err(|e| e.to_string())?;
        // Whoever started us may stop reading: never die of a closed stdout.
        let mut out = std::io::stdout();
        let _ = writeln!(out, "Shopfront is open on ssh://{address} — host key {fingerprint}");
        let _ = writeln!(out, "Connect with: ssh -p {} {}", address.port(), address.ip());
        let _ = out.flush();
        tracing::info!(address = %address, host_key = %fingerprint, "serving");
        let shared = Arc::new(Shared {
            shop,
            runtime: tokio::runtime::Handle::current(),
            max_sessions: options.max_sessions,
            idle_timeout: options.idle_timeout,
            active: Arc::new(AtomicUsize::new(0)),
            shutdown: Arc::new(AtomicBool::new(false)),
        });
        let mut server = ShopServer(Arc::clone(&shared));
        let running = server.run_on_socket(Arc::new(config), &listener);
        let stop = running.handle();
        tokio::select! {
            result = running => result.map_err(|e| format!("the server stopped: {e}"))?,
            () = shutdown_signal() => {
                tracing::info!(sessions = shared.active.load(Ordering::SeqCst), "closing");
                shared.shutdown.store(true, Ordering::SeqCst);
                // Sessions notice within a tick, say goodbye and close.
                for _ in 0..50 {
                    if shared.active.load(Ordering::SeqCst) == 0 {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                stop.shutdown(session::CLOSING.to_string());
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
        Ok::<(), String>(())
    })
}

async fn shutdown_signal() {
    let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(signal) => signal,
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
    }
}

//! `shopfront serve`: the shop over SSH. One process holds the shop once
//! (one catalog, one search index); every connection gets its own session,
//! an App on that shared shop, on a thread of its own.

pub mod admission;
pub mod host_key;
pub mod input;
pub mod listener;
pub mod proxy;
pub mod remote;
pub mod server;
pub mod session;

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::cli::ServeArgs;
use crate::shop::ShopService;
use admission::{Admission, Limits};
use server::Shared;

pub struct Options {
    pub listen: String,
    pub host_key: PathBuf,
    pub limits: Limits,
    /// A connection that has not opened the shop this long after connecting is closed.
    pub login_timeout: Duration,
    pub idle_timeout: Duration,
    /// Every connection starts with a PROXY protocol header (v1 or v2) from
    /// a load balancer, naming the client.
    pub proxy_protocol: bool,
}

impl Options {
    /// The options `args` give; the host key defaults to `default_host_key`.
    pub fn from_args(args: ServeArgs, default_host_key: &Path) -> Options {
        Options {
            listen: args.listen,
            host_key: args.host_key.unwrap_or_else(|| default_host_key.to_path_buf()),
            limits: Limits {
                max_sessions: args.max_sessions,
                max_sessions_per_address: args.max_sessions_per_address,
                max_guest_sessions: args.max_guest_sessions,
                max_connecting: args.max_connecting,
                max_connecting_per_address: args.max_connecting_per_address,
                connections_per_minute: args.connections_per_minute,
            },
            login_timeout: args.login_timeout,
            idle_timeout: args.idle_timeout,
            proxy_protocol: args.proxy_protocol,
        }
    }
}

/// Searches the shoppers' catalog once for every letter and digit, on a
/// thread of its own, so that a crowd arriving at once finds the answers to
/// its first keys shared already (each would be searched once anyway, but
/// all in the same first second). On a big catalog, about 36 searches.
fn warm_the_filter(shop: &Arc<ShopService>) {
    let text = Arc::clone(shop.catalog().search_text());
    let started = std::thread::Builder::new().name("filter-warmup".into()).spawn(move || {
        // The lowest priority (a thread's own nice value on Linux): the
        // first shoppers' keys go first.
        // SAFETY: setpriority only reads its integer arguments.
        unsafe { libc::setpriority(libc::PRIO_PROCESS, 0, 19) };
        let mut filter = crate::app::filter::CatalogFilter::new(Arc::clone(&text), Arc::clone(&text.on_sale));
        for key in ('a'..='z').chain('0'..='9') {
            filter.search(&key.to_string());
        }
    });
    // Without it, the first keys are only slower: nothing to stop for.
    if let Err(e) = started {
        tracing::warn!(error = %e, "cannot start the filter warm-up");
    }
}

/// Serves `shop` until SIGINT or SIGTERM; then every session is told the
/// shop is closing, and the server returns.
pub fn run(shop: Arc<ShopService>, options: Options) -> Result<(), String> {
    listener::raise_open_file_limit();
    warm_the_filter(&shop);
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
    // The last hold on the shop is let go here, after the runtime: a
    // database client (PostgreSQL's) must not be dropped inside it.
    let kept = Arc::clone(&shop);
    let served = runtime.block_on(async {
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
        let (closing, _) = tokio::sync::watch::channel(false);
        let shared = Arc::new(Shared {
            shop,
            runtime: tokio::runtime::Handle::current(),
            admission: Admission::new(options.limits),
            idle_timeout: options.idle_timeout,
            login_timeout: options.login_timeout,
            shutdown: Arc::new(AtomicBool::new(false)),
            closing,
        });
        let accepting = listener::accept_loop(listener, Arc::new(config), Arc::clone(&shared), options.proxy_protocol);
        tokio::select! {
            () = accepting => {}
            () = shutdown_signal() => {
                let (sessions, _, _) = shared.admission.counts_now();
                tracing::info!(sessions, "closing");
                shared.shutdown.store(true, Ordering::SeqCst);
                // Sessions notice within a tick, say goodbye and close.
                for _ in 0..50 {
                    if shared.admission.counts_now().0 == 0 {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                // Connections still logging in are told too.
                let _ = shared.closing.send(true);
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
        Ok::<(), String>(())
    });
    // Connection tasks still holding the shop end with the runtime.
    drop(runtime);
    drop(kept);
    served
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

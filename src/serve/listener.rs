//! Accepting connections: never stops for a failed accept (out of file
//! descriptors: back off and go on), lets each connection in only within
//! the admission limits, and closes one that has not opened the shop within
//! the login timeout (a client that never greets, never authenticates, or
//! authenticates and never asks for a shell).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::{TcpListener, TcpStream};

use super::admission::{Connecting, Origin, accept_backoff};
use super::server::{Connection, Shared};

/// Raises this process's soft limit on open files to its hard limit:
/// every connection holds a descriptor, and the common soft limit of
/// 1,024 is far below what a server needs.
pub fn raise_open_file_limit() {
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit and setrlimit only read and write the struct we pass.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 || limit.rlim_cur >= limit.rlim_max {
            return;
        }
        let wanted = libc::rlimit { rlim_cur: limit.rlim_max, rlim_max: limit.rlim_max };
        if libc::setrlimit(libc::RLIMIT_NOFILE, &wanted) != 0 {
            tracing::warn!(soft = limit.rlim_cur, "could not raise the limit on open files");
        }
    }
}

/// Logs at most once a second for each kind of event, so a flood of
/// refused connections cannot flood the log.
struct Quiet {
    last: Option<Instant>,
    skipped: u64,
}

impl Quiet {
    const fn new() -> Quiet {
        Quiet { last: None, skipped: 0 }
    }

    /// Whether to log now; `skipped` says how many were not logged since.
    fn allow(&mut self, now: Instant) -> Option<u64> {
        if self.last.is_some_and(|at| now.duration_since(at) < Duration::from_secs(1)) {
            self.skipped += 1;
            return None;
        }
        self.last = Some(now);
        Some(std::mem::take(&mut self.skipped))
    }
}

/// How long a balancer has to send its PROXY header.
const PROXY_HEADER_TIME: Duration = Duration::from_secs(5);

/// Accepts connections for as long as the server runs. With
/// `proxy_protocol`, each connection first says (in a PROXY header) whose
/// it is, and admission counts that client, not the balancer.
pub async fn accept_loop(
    listener: TcpListener,
    config: Arc<russh::server::Config>,
    shared: Arc<Shared>,
    proxy_protocol: bool,
) {
    let mut failures: u32 = 0;
    let mut accept_errors = Quiet::new();
    let refusals = Arc::new(std::sync::Mutex::new(Quiet::new()));
    // Connections whose PROXY header is still awaited: as many as may be
    // connecting at once, so silent sockets cannot pile up.
    let headers = Arc::new(tokio::sync::Semaphore::new(shared.admission.limits().max_connecting));
    loop {
        match listener.accept().await {
            Ok((socket, peer)) => {
                failures = 0;
                let (config, shared, refusals) = (Arc::clone(&config), Arc::clone(&shared), Arc::clone(&refusals));
                if !proxy_protocol {
                    admit(socket, peer, config, shared, &refusals);
                    continue;
                }
                let Ok(permit) = Arc::clone(&headers).try_acquire_owned() else {
                    drop(socket);
                    note_refusal(&refusals, peer, "too many connections waiting to say whose they are");
                    continue;
                };
                tokio::spawn(async move {
                    let mut socket = socket;
                    let header = tokio::time::timeout(PROXY_HEADER_TIME, super::proxy::read_header(&mut socket)).await;
                    drop(permit);
                    match header {
                        Ok(Ok(super::proxy::Header::Proxied(client))) => {
                            admit(socket, client, config, shared, &refusals)
                        }
                        Ok(Ok(super::proxy::Header::Local)) => admit(socket, peer, config, shared, &refusals),
                        Ok(Err(error)) => tracing::info!(peer = %peer, %error, "connection refused"),
                        Err(_) => tracing::info!(peer = %peer, "connection refused: no PROXY header in time"),
                    }
                });
            }
            Err(error) => {
                // Out of descriptors or memory (EMFILE, ENFILE, ENOMEM), or
                // one connection that failed: the others stay in the
                // backlog; wait a little and go on.
                failures = failures.saturating_add(1);
                if let Some(skipped) = accept_errors.allow(Instant::now()) {
                    tracing::warn!(error = %error, skipped, "cannot accept a connection; trying again");
                }
                tokio::time::sleep(accept_backoff(failures)).await;
            }
        }
    }
}

/// Lets the connection of `peer` in, if admission allows it.
fn admit(
    socket: TcpStream,
    peer: SocketAddr,
    config: Arc<russh::server::Config>,
    shared: Arc<Shared>,
    refusals: &std::sync::Mutex<Quiet>,
) {
    match shared.admission.connect(Origin::of(peer.ip()), Instant::now()) {
        Ok(slot) => {
            tokio::spawn(connection(socket, peer, slot, config, shared));
        }
        Err(refusal) => {
            drop(socket);
            note_refusal(refusals, peer, refusal.reason());
        }
    }
}

/// Logs a refused connection, a few a second at most.
fn note_refusal(refusals: &std::sync::Mutex<Quiet>, peer: SocketAddr, reason: &str) {
    let allowed = refusals.lock().unwrap_or_else(|p| p.into_inner()).allow(Instant::now());
    if let Some(skipped) = allowed {
        tracing::info!(peer = %peer, reason, skipped, "connection refused");
    }
}

/// One connection, from the first byte to the end.
async fn connection(
    socket: TcpStream,
    peer: SocketAddr,
    slot: Connecting,
    config: Arc<russh::server::Config>,
    shared: Arc<Shared>,
) {
    if config.nodelay {
        let _ = socket.set_nodelay(true);
    }
    tracing::info!(peer = %peer, "connected");
    let (opened, mut shell_opened) = tokio::sync::oneshot::channel();
    let handler = Connection::new(Arc::clone(&shared), peer, slot, opened);
    let mut closing = shared.closing.subscribe();
    let deadline = tokio::time::sleep(shared.login_timeout);
    tokio::pin!(deadline);
    let started = tokio::select! {
        started = russh::server::run_stream(config, socket, handler) => started,
        () = &mut deadline => {
            tracing::info!(peer = %peer, "closed: no SSH greeting before the login timeout");
            return;
        }
        _ = closing.changed() => return,
    };
    let session = match started {
        Ok(session) => session,
        Err(error) => {
            tracing::debug!(peer = %peer, error = %error, "connection setup failed");
            return;
        }
    };
    let handle = session.handle();
    tokio::pin!(session);
    let mut waiting_for_shell = true;
    let goodbye = loop {
        tokio::select! {
            ended = &mut session => {
                if let Err(error) = ended {
                    tracing::debug!(peer = %peer, error = %error, "connection ended with an error");
                }
                return;
            }
            // Sent, or the handler is gone (the connection is ending): either way no deadline.
            _ = &mut shell_opened, if waiting_for_shell => waiting_for_shell = false,
            () = &mut deadline, if waiting_for_shell => {
                tracing::info!(peer = %peer, "closed: the shop was not opened before the login timeout");
                break "Closed: the shop was not opened in time.";
            }
            _ = closing.changed() => break super::session::CLOSING,
        }
    };
    let _ = handle.disconnect(russh::Disconnect::ByApplication, goodbye.to_string(), String::new()).await;
    // Give the goodbye a moment to leave before the task is dropped.
    let _ = tokio::time::timeout(Duration::from_secs(2), &mut session).await;
}

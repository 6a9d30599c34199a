//! The SSH side: accepts connections, authenticates (any key, or none: the
//! shop's own login form decides who you are), and turns a session channel
//! with a pty into a shop session.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use russh::keys::{HashAlg, PublicKey};
use russh::server::{Auth, Handler, Msg, Session};
use russh::{Channel, ChannelId, Pty};
use tokio::sync::{mpsc, oneshot, watch};

use super::admission::{Admission, Connecting, Refusal};
use super::remote::{Incoming, SharedSize};
use super::session::{self, SessionSetup};
use crate::domain::text::for_log;
use crate::shop::ShopService;

/// Messages a session's input may queue before the connection waits (each
/// at most one SSH packet: 32 KiB).
const INPUT_QUEUE: usize = 16;
/// The most columns or rows we draw (a client may claim anything).
const MAX_SIDE: u32 = 1000;
/// The most cells we draw: each costs two buffers' worth of memory, so a
/// client claiming a 1000×1000 terminal gets the shop drawn at a bounded
/// size (its top rows) instead of 90 MB of screen.
pub const MAX_CELLS: u32 = 60_000;

pub const FULL: &str = "The shop is full right now — please try again in a minute.";
pub const ADDRESS_FULL: &str = "Too many sessions from your address — close one and try again.";
pub const NEEDS_TERMINAL: &str = "Shopfront is a full-screen shop: connect with a terminal (ssh -t).";
pub const NO_SUBSYSTEMS: &str = "Shopfront serves its shop only (no file transfer or other subsystems).";

/// What every connection shares.
pub struct Shared {
    pub shop: Arc<ShopService>,
    pub runtime: tokio::runtime::Handle,
    pub admission: Admission,
    pub idle_timeout: Duration,
    pub login_timeout: Duration,
    /// Sessions end themselves when this is set.
    pub shutdown: Arc<AtomicBool>,
    /// Connections still logging in are closed when this turns true.
    pub closing: watch::Sender<bool>,
}

/// One SSH connection.
pub struct Connection {
    shared: Arc<Shared>,
    peer: String,
    /// Counted as connecting until the shop opens (then a session slot).
    connecting: Option<Connecting>,
    /// Told when the shop opens, so the login deadline stops.
    opened: Option<oneshot::Sender<()>>,
    /// The SHA256 fingerprint of the key the client proved it holds.
    key: Option<String>,
    /// TERM and size from the pty request.
    pty: Option<(String, SharedSize)>,
    /// The running session's input.
    session: Option<mpsc::Sender<Incoming>>,
    /// A session channel was opened (one per connection).
    channel_opened: bool,
}

impl Connection {
    pub fn new(
        shared: Arc<Shared>,
        peer: SocketAddr,
        connecting: Connecting,
        opened: oneshot::Sender<()>,
    ) -> Connection {
        Connection {
            shared,
            peer: peer.to_string(),
            connecting: Some(connecting),
            opened: Some(opened),
            key: None,
            pty: None,
            session: None,
            channel_opened: false,
        }
    }

    /// Says `text` on the channel and closes it.
    fn refuse(&self, channel: ChannelId, session: &mut Session, text: &str) -> Result<(), russh::Error> {
        session.data(channel, format!("{text}\r\n").into_bytes())?;
        session.exit_status_request(channel, 1)?;
        session.eof(channel)?;
        session.close(channel)
    }
}

/// Public key first, then the ways in without one.
pub fn open_methods() -> russh::MethodSet {
    russh::MethodSet::from(
        &[russh::MethodKind::PublicKey, russh::MethodKind::KeyboardInteractive, russh::MethodKind::Password][..],
    )
}

/// The size we draw for a terminal the client says is `columns`×`rows`:
/// each side at most `MAX_SIDE`, and at most `MAX_CELLS` cells (rows give
/// way first: the shop keeps the client's width).
pub fn drawn_size(columns: u32, rows: u32) -> (u16, u16) {
    let width = columns.clamp(1, MAX_SIDE);
    let height = rows.clamp(1, MAX_SIDE).min((MAX_CELLS / width).max(1));
    (width as u16, height as u16)
}

impl Handler for Connection {
    type Error = russh::Error;

    // "none" is refused so that clients offer their keys first; one without
    // a key is let in by keyboard-interactive (or password) without a
    // question: the shop's own form asks for the account's password.
    async fn auth_none(&mut self, _user: &str) -> Result<Auth, Self::Error> {
        Ok(Auth::Reject { proceed_with_methods: Some(open_methods()), partial_success: false })
    }

    async fn auth_keyboard_interactive<'a>(
        &'a mut self,
        _user: &str,
        _submethods: &str,
        _response: Option<russh::server::Response<'a>>,
    ) -> Result<Auth, Self::Error> {
        Ok(Auth::Accept)
    }

    async fn auth_password(&mut self, _user: &str, _password: &str) -> Result<Auth, Self::Error> {
        Ok(Auth::Accept)
    }

    async fn auth_publickey(&mut self, _user: &str, key: &PublicKey) -> Result<Auth, Self::Error> {
        self.key = Some(key.fingerprint(HashAlg::Sha256).to_string());
        Ok(Auth::Accept)
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: russh::server::ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        // One shop per connection.
        if self.channel_opened {
            reply.reject(russh::ChannelOpenFailure::AdministrativelyProhibited).await;
            return Ok(());
        }
        self.channel_opened = true;
        // The channel object is dropped, not kept: russh also copies every
        // data and window-change message into its bounded queue, and a queue
        // nobody reads stops the connection after about 100 messages. With
        // it dropped, those copies fail at once; the handler methods below
        // get every message.
        drop(channel);
        reply.accept().await;
        Ok(())
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        term: &str,
        columns: u32,
        rows: u32,
        _: u32,
        _: u32,
        _: &[(Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let (width, height) = drawn_size(columns, rows);
        self.pty = Some((term.to_string(), SharedSize::new(width, height)));
        session.channel_success(channel)
    }

    async fn shell_request(&mut self, channel: ChannelId, session: &mut Session) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        let Some((term, size)) = self.pty.clone() else {
            tracing::info!(peer = %self.peer, "refused: no terminal");
            return self.refuse(channel, session, NEEDS_TERMINAL);
        };
        let Some(connecting) = self.connecting.take() else {
            // A second shell on this connection.
            return self.refuse(channel, session, FULL);
        };
        let shared = Arc::clone(&self.shared);
        // A key that logs its shopper in takes a shopper's place, not a guest's.
        let logged_in = match self.key.clone() {
            Some(key) => {
                let shop = Arc::clone(&shared.shop);
                tokio::task::spawn_blocking(move || shop.key_login(&key))
                    .await
                    .ok()
                    .and_then(|found| found.ok().flatten())
                    .is_some_and(|opened| matches!(opened, crate::shop::KeyLogin::Shopper(_)))
            }
            None => false,
        };
        let slot = match connecting.open_session(logged_in) {
            Ok(slot) => slot,
            Err(refusal) => {
                let (sessions, guests, _) = shared.admission.counts_now();
                tracing::info!(peer = %self.peer, sessions, guests, reason = refusal.reason(), "refused");
                let text = if refusal == Refusal::AddressFull { ADDRESS_FULL } else { FULL };
                return self.refuse(channel, session, text);
            }
        };
        // The shop opens: the login deadline is over.
        if let Some(opened) = self.opened.take() {
            let _ = opened.send(());
        }
        let (input, incoming) = mpsc::channel(INPUT_QUEUE);
        let setup = SessionSetup {
            shop: Arc::clone(&shared.shop),
            handle: session.handle(),
            channel,
            size,
            incoming,
            runtime: shared.runtime.clone(),
            shutdown: Arc::clone(&shared.shutdown),
            idle_timeout: shared.idle_timeout,
            slot,
            peer: self.peer.clone(),
            colour: term != "dumb",
            key: self.key.clone(),
        };
        if let Err(e) = session::start(setup) {
            tracing::error!(peer = %self.peer, error = %e, "cannot start a session");
            return self.refuse(channel, session, "The shop cannot open a session right now; please try again.");
        }
        let key = self.key.as_deref().unwrap_or("none");
        tracing::info!(peer = %self.peer, key, term = %for_log(&term), "session started");
        self.session = Some(input);
        Ok(())
    }

    async fn subsystem_request(
        &mut self,
        channel: ChannelId,
        name: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        tracing::info!(peer = %self.peer, subsystem = %for_log(name), "refused: a subsystem");
        session.channel_failure(channel)?;
        self.refuse(channel, session, NO_SUBSYSTEMS)
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        _data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        self.refuse(channel, session, NEEDS_TERMINAL)
    }

    async fn data(&mut self, _channel: ChannelId, data: &[u8], _session: &mut Session) -> Result<(), Self::Error> {
        if let Some(input) = &self.session {
            // Waiting here slows a client that types faster than its session reads.
            let _ = input.send(Incoming::Bytes(data.to_vec())).await;
        }
        Ok(())
    }

    async fn window_change_request(
        &mut self,
        _channel: ChannelId,
        columns: u32,
        rows: u32,
        _: u32,
        _: u32,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Some(input) = &self.session {
            let (width, height) = drawn_size(columns, rows);
            let _ = input.send(Incoming::Resize(width, height)).await;
        }
        Ok(())
    }

    async fn channel_close(&mut self, _channel: ChannelId, _session: &mut Session) -> Result<(), Self::Error> {
        // The session sees its input end and finishes.
        self.session = None;
        Ok(())
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        tracing::info!(peer = %self.peer, "disconnected");
    }
}

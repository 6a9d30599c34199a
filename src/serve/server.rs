//! The SSH side: accepts connections, authenticates (any key, or none: the
//! shop's own login form decides who you are), and turns a session channel
//! with a pty into a shop session.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use russh::keys::{HashAlg, PublicKey};
use russh::server::{Auth, Handler, Msg, Server, Session};
use russh::{Channel, ChannelId, Pty};
use tokio::sync::mpsc;

use super::remote::{Incoming, SharedSize};
use super::session::{self, SessionSetup};
use crate::shop::Shop;

/// Messages a session's input may queue before the connection waits.
const INPUT_QUEUE: usize = 64;
/// The most columns or rows we draw (a client may claim anything).
const MAX_SIDE: u32 = 1000;

pub const FULL: &str = "The shop is full right now — please try again in a minute.";
pub const NEEDS_TERMINAL: &str = "Shopfront is a full-screen shop: connect with a terminal (ssh -t).";

/// What every connection shares.
pub struct Shared {
    pub shop: Arc<dyn Shop>,
    pub runtime: tokio::runtime::Handle,
    pub max_sessions: usize,
    pub idle_timeout: Duration,
    pub active: Arc<AtomicUsize>,
    pub shutdown: Arc<AtomicBool>,
}

#[derive(Clone)]
pub struct ShopServer(pub Arc<Shared>);

impl Server for ShopServer {
    type Handler = Connection;

    fn new_client(&mut self, peer: Option<SocketAddr>) -> Connection {
        let peer = peer.map_or_else(|| "unknown".to_string(), |p| p.to_string());
        tracing::info!(peer = %peer, "connected");
        Connection { shared: Arc::clone(&self.0), peer, key: None, pty: None, session: None, channel_opened: false }
    }

    fn handle_session_error(&mut self, error: russh::Error) {
        tracing::debug!(error = %error, "connection ended with an error");
    }
}

/// One SSH connection.
pub struct Connection {
    shared: Arc<Shared>,
    peer: String,
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

fn clamp(side: u32) -> u16 {
    side.clamp(1, MAX_SIDE) as u16
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
        self.pty = Some((term.to_string(), SharedSize::new(clamp(columns), clamp(rows))));
        session.channel_success(channel)
    }

    async fn shell_request(&mut self, channel: ChannelId, session: &mut Session) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        let Some((term, size)) = self.pty.clone() else {
            tracing::info!(peer = %self.peer, "refused: no terminal");
            return self.refuse(channel, session, NEEDS_TERMINAL);
        };
        let shared = &self.shared;
        // Counted before the check, so two connections cannot both take the last place.
        let before = shared.active.fetch_add(1, Ordering::SeqCst);
        if before >= shared.max_sessions {
            shared.active.fetch_sub(1, Ordering::SeqCst);
            tracing::info!(peer = %self.peer, sessions = before, "refused: the shop is full");
            return self.refuse(channel, session, FULL);
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
            active: Arc::clone(&shared.active),
            peer: self.peer.clone(),
            colour: term != "dumb",
            key: self.key.clone(),
        };
        if let Err(e) = session::start(setup) {
            shared.active.fetch_sub(1, Ordering::SeqCst);
            tracing::error!(peer = %self.peer, error = %e, "cannot start a session");
            return self.refuse(channel, session, "The shop cannot open a session right now; please try again.");
        }
        tracing::info!(peer = %self.peer, key = self.key.as_deref().unwrap_or("none"), term = %term, "session started");
        self.session = Some(input);
        Ok(())
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
            let _ = input.send(Incoming::Resize(clamp(columns), clamp(rows))).await;
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

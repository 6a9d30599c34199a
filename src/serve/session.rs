//! One shopper's session: an App on the shared shop, driven by the same
//! loop as the local terminal, on a thread of its own (the app blocks on
//! nothing, but its loop waits for input between frames).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use bytes::Bytes;
use crossterm::event::{DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen};
use ratatui::Terminal;
use ratatui::layout::Rect;
use russh::ChannelId;
use russh::server::Handle;
use tokio::sync::mpsc;

use super::admission::SessionSlot;
use super::remote::{ChannelOutput, Ended, Incoming, OUTPUT_FRAMES, RemoteBackend, RemoteInput, SharedSize};
use crate::app::App;
use crate::shop::ShopService;
use crate::terminal::drive;
use crate::ui::Theme;

/// What a session needs from the server.
pub struct SessionSetup {
    pub shop: Arc<ShopService>,
    pub handle: Handle,
    pub channel: ChannelId,
    pub size: SharedSize,
    pub incoming: mpsc::Receiver<Incoming>,
    pub runtime: tokio::runtime::Handle,
    pub shutdown: Arc<AtomicBool>,
    pub idle_timeout: Duration,
    /// This session's place among the server's sessions, given back when its thread ends.
    pub slot: SessionSlot,
    /// For the logs: who and from where.
    pub peer: String,
    /// The client's terminal shows colours (its TERM is not `dumb`).
    pub colour: bool,
    /// The fingerprint of the key the client proved it holds, if any.
    pub key: Option<String>,
}

pub const CLOSING: &str = "The shop is closing — your cart is saved.";

/// `30 minutes`, `1 minute`, `90 seconds`, `2 hours`.
fn spoken(duration: Duration) -> String {
    let seconds = duration.as_secs();
    let (n, unit) = match seconds {
        s if s % 3600 == 0 && s > 0 => (s / 3600, "hour"),
        s if s % 60 == 0 && s > 0 => (s / 60, "minute"),
        s => (s, "second"),
    };
    format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
}

/// Starts the session's thread; returns at once.
pub fn start(setup: SessionSetup) -> std::io::Result<()> {
    std::thread::Builder::new().name(format!("session {}", setup.peer)).spawn(move || run(setup)).map(drop)
}

fn run(setup: SessionSetup) {
    let SessionSetup {
        shop,
        handle,
        channel,
        size,
        incoming,
        runtime,
        shutdown,
        idle_timeout,
        slot,
        peer,
        colour,
        key,
    } = setup;
    // Frames for the client, sent in order by a task of their own.
    let (frames, mut queue) = mpsc::channel::<Bytes>(OUTPUT_FRAMES);
    let queued = Arc::new(AtomicUsize::new(0));
    let sender = handle.clone();
    let sent = Arc::clone(&queued);
    let writer = runtime.spawn(async move {
        while let Some(frame) = queue.recv().await {
            let size = frame.len();
            let failed = sender.data(channel, frame).await.is_err();
            sent.fetch_sub(size, Ordering::SeqCst);
            if failed {
                break;
            }
        }
    });
    let behind = Arc::new(AtomicBool::new(false));
    let output = ChannelOutput::new(frames, queued, Arc::clone(&behind));
    let mut input = RemoteInput::new(incoming, runtime.clone(), size.clone(), behind, shutdown, idle_timeout);
    input.keep_slot(slot);
    let ended = match Terminal::new(RemoteBackend::new(output, size.clone())) {
        Ok(mut terminal) => {
            let screen = size.get();
            let mut app = App::new(shop, Rect::new(0, 0, screen.width, screen.height));
            // Nothing is written on the server for a shopper (a receipt is shown instead).
            app.set_over_ssh();
            app.set_origin(peer.rsplit_once(':').map_or(peer.as_str(), |(ip, _)| ip).to_string());
            if let Some(fingerprint) = key {
                app.use_ssh_key(fingerprint);
            }
            let theme = Theme { color: colour };
            let _ = execute!(
                terminal.backend_mut().output(),
                EnterAlternateScreen,
                EnableBracketedPaste,
                EnableMouseCapture
            );
            let result = drive(&mut terminal, &mut input, &mut app, &theme, true);
            let why = match (&result, input.ended) {
                (Ok(()), _) => "quit".to_string(),
                (Err(_), Some(Ended::Disconnected)) => "disconnected".to_string(),
                (Err(_), Some(ended)) => format!("{ended:?}").to_lowercase(),
                (Err(e), None) => format!("error: {e}"),
            };
            let farewell = match input.ended {
                Some(Ended::Shutdown) => Some(CLOSING.to_string()),
                Some(Ended::Idle) => {
                    Some(format!("Closed after {} without a key press — your cart is saved.", spoken(idle_timeout)))
                }
                _ => None,
            };
            // The client's screen as it was, whatever ended the session.
            let out = terminal.backend_mut().output();
            let _ = execute!(
                out,
                DisableMouseCapture,
                DisableBracketedPaste,
                LeaveAlternateScreen,
                crossterm::cursor::Show
            );
            if let Some(text) = farewell {
                let _ = std::io::Write::write_all(out, format!("{text}\r\n").as_bytes());
                let _ = std::io::Write::flush(out);
            }
            let user = crate::domain::text::for_log(app.username().unwrap_or(""));
            tracing::info!(peer = %peer, user = %user, reason = %why, "session ended");
            input.ended
        }
        Err(e) => {
            tracing::warn!(peer = %peer, error = %e, "session could not start");
            None
        }
    };
    // Everything drawn reaches the client before the channel closes; the
    // session's place is given back with its input.
    drop(input);
    runtime.block_on(async move {
        let _ = tokio::time::timeout(Duration::from_secs(2), writer).await;
        if ended != Some(Ended::Disconnected) {
            let _ = handle.exit_status_request(channel, 0).await;
            let _ = handle.eof(channel).await;
            let _ = handle.close(channel).await;
        }
    });
}

//! One SSH session's terminal, as the app's loop sees it: a ratatui backend
//! whose bytes go to the channel (bounded: a client that stops reading
//! costs at most a few frames, then gets one full frame when it catches
//! up) and an input source fed by the channel's bytes.

use std::io::{self, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use crossterm::event::Event;
use ratatui::backend::{Backend, ClearType, CrosstermBackend, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};
use tokio::sync::mpsc;

use super::admission::SessionSlot;
use super::input::Decoder;
use crate::app::App;
use crate::terminal::InputSource;

/// Frames waiting to be sent to one client, at most.
pub const OUTPUT_FRAMES: usize = 8;
/// Bytes waiting to be sent to one client, at most (a frame of a big
/// screen can be hundreds of KB; one frame always fits an empty queue).
pub const OUTPUT_BYTES: usize = 512 * 1024;
/// How long a lone Esc waits for the rest of a possible key sequence.
const ESC_WAIT: Duration = Duration::from_millis(30);
/// How long a session keeps its input parser after the last key: while
/// its shopper types it keeps it; an idle one gives it back.
const KEEP_PARSER: Duration = Duration::from_secs(2);

/// The size the client's terminal has (from the pty and window-change
/// requests), shared by the connection and the session's backend.
#[derive(Clone, Debug, Default)]
pub struct SharedSize(Arc<AtomicU32>);

impl SharedSize {
    pub fn new(width: u16, height: u16) -> SharedSize {
        let size = SharedSize::default();
        size.set(width, height);
        size
    }

    pub fn set(&self, width: u16, height: u16) {
        self.0.store(u32::from(width) << 16 | u32::from(height), Ordering::SeqCst);
    }

    pub fn get(&self) -> Size {
        let packed = self.0.load(Ordering::SeqCst);
        Size::new((packed >> 16) as u16, (packed & 0xffff) as u16)
    }
}

/// What the connection tells its session.
#[derive(Debug)]
pub enum Incoming {
    Bytes(Vec<u8>),
    Resize(u16, u16),
}

/// Bytes for the client: collected while a frame is drawn, queued on flush.
/// A full queue (the client is not reading) drops the frame and asks for
/// a full redraw instead of growing.
pub struct ChannelOutput {
    pending: Vec<u8>,
    queue: mpsc::Sender<Bytes>,
    /// Bytes in the queue; the sender takes off what it has sent.
    queued: Arc<AtomicUsize>,
    behind: Arc<AtomicBool>,
}

impl ChannelOutput {
    pub fn new(queue: mpsc::Sender<Bytes>, queued: Arc<AtomicUsize>, behind: Arc<AtomicBool>) -> ChannelOutput {
        ChannelOutput { pending: Vec::with_capacity(16 * 1024), queue, queued, behind }
    }
}

impl Write for ChannelOutput {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pending.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let frame = Bytes::from(std::mem::take(&mut self.pending));
        let queued = self.queued.load(Ordering::SeqCst);
        if queued > 0 && queued + frame.len() > OUTPUT_BYTES {
            self.behind.store(true, Ordering::SeqCst);
            return Ok(());
        }
        let size = frame.len();
        match self.queue.try_send(frame) {
            Ok(()) => {
                self.queued.fetch_add(size, Ordering::SeqCst);
                Ok(())
            }
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.behind.store(true, Ordering::SeqCst);
                Ok(())
            }
            Err(mpsc::error::TrySendError::Closed(_)) => Err(io::ErrorKind::BrokenPipe.into()),
        }
    }
}

/// Crossterm's backend writing to the channel, with the client's size
/// instead of the server's own terminal's.
pub struct RemoteBackend {
    inner: CrosstermBackend<ChannelOutput>,
    size: SharedSize,
    cursor: Position,
}

impl RemoteBackend {
    pub fn new(output: ChannelOutput, size: SharedSize) -> RemoteBackend {
        RemoteBackend { inner: CrosstermBackend::new(output), size, cursor: Position::ORIGIN }
    }

    /// The channel, for writing outside a frame (entering and leaving the screen).
    pub fn output(&mut self) -> &mut ChannelOutput {
        self.inner.writer_mut()
    }
}

impl Backend for RemoteBackend {
    type Error = io::Error;

    fn draw<'a, I>(&mut self, content: I) -> io::Result<()>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        self.inner.draw(content)
    }

    fn hide_cursor(&mut self) -> io::Result<()> {
        self.inner.hide_cursor()
    }

    fn show_cursor(&mut self) -> io::Result<()> {
        self.inner.show_cursor()
    }

    fn get_cursor_position(&mut self) -> io::Result<Position> {
        // Never ask the client (that would read from the server's own terminal).
        Ok(self.cursor)
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> io::Result<()> {
        self.cursor = position.into();
        self.inner.set_cursor_position(self.cursor)
    }

    fn clear(&mut self) -> io::Result<()> {
        self.inner.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> io::Result<()> {
        self.inner.clear_region(clear_type)
    }

    fn size(&self) -> io::Result<Size> {
        Ok(self.size.get())
    }

    fn window_size(&mut self) -> io::Result<WindowSize> {
        Ok(WindowSize { columns_rows: self.size.get(), pixels: Size::default() })
    }

    fn flush(&mut self) -> io::Result<()> {
        Backend::flush(&mut self.inner)
    }
}

/// Why a session's input ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    /// The client went away.
    Disconnected,
    /// No key for the idle timeout.
    Idle,
    /// The server is shutting down.
    Shutdown,
}

/// The session's input: the channel's bytes, decoded; also tells the loop
/// when the session must end and when the client needs a full frame.
pub struct RemoteInput {
    incoming: mpsc::Receiver<Incoming>,
    runtime: tokio::runtime::Handle,
    decoder: Decoder,
    ready: std::collections::VecDeque<Event>,
    size: SharedSize,
    behind: Arc<AtomicBool>,
    shutdown: Arc<AtomicBool>,
    idle_timeout: Duration,
    last_input: Instant,
    pub ended: Option<Ended>,
    /// The session's place; follows whether its shopper is logged in.
    slot: Option<SessionSlot>,
}

impl RemoteInput {
    pub fn new(
        incoming: mpsc::Receiver<Incoming>,
        runtime: tokio::runtime::Handle,
        size: SharedSize,
        behind: Arc<AtomicBool>,
        shutdown: Arc<AtomicBool>,
        idle_timeout: Duration,
    ) -> RemoteInput {
        RemoteInput {
            incoming,
            runtime,
            decoder: Decoder::default(),
            ready: Default::default(),
            size,
            behind,
            shutdown,
            idle_timeout,
            last_input: Instant::now(),
            ended: None,
            slot: None,
        }
    }

    /// Holds the session's place until the input is dropped.
    pub fn keep_slot(&mut self, slot: SessionSlot) {
        self.slot = Some(slot);
    }

    fn end(&mut self, why: Ended) -> io::Result<Option<Event>> {
        self.ended = Some(why);
        Err(io::Error::new(io::ErrorKind::ConnectionAborted, format!("session ended: {why:?}")))
    }

    /// Waits up to `timeout` for the next message from the connection.
    fn receive(&mut self, timeout: Duration) -> Option<Option<Incoming>> {
        let incoming = &mut self.incoming;
        if timeout.is_zero() {
            return match incoming.try_recv() {
                Ok(message) => Some(Some(message)),
                Err(mpsc::error::TryRecvError::Empty) => None,
                Err(mpsc::error::TryRecvError::Disconnected) => Some(None),
            };
        }
        self.runtime.block_on(async { tokio::time::timeout(timeout, incoming.recv()).await.ok() })
    }
}

impl InputSource for RemoteInput {
    fn next_event(&mut self, timeout: Duration) -> io::Result<Option<Event>> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(event) = self.ready.pop_front() {
                return Ok(Some(event));
            }
            if self.shutdown.load(Ordering::SeqCst) {
                return self.end(Ended::Shutdown);
            }
            if self.last_input.elapsed() >= self.idle_timeout {
                return self.end(Ended::Idle);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            // A held Esc is only an Esc if nothing follows it shortly; with
            // none held, sleep until the loop's own timeout.
            let wait = if self.decoder.unsettled() { left.min(ESC_WAIT) } else { left };
            match self.receive(wait) {
                Some(Some(Incoming::Bytes(bytes))) => {
                    self.last_input = Instant::now();
                    let events = self.decoder.feed(&bytes);
                    self.ready.extend(events);
                }
                Some(Some(Incoming::Resize(width, height))) => {
                    self.size.set(width, height);
                    self.ready.push_back(Event::Resize(width, height));
                }
                Some(None) => return self.end(Ended::Disconnected),
                None => {
                    // Only the Esc delay without bytes settles a held Esc,
                    // not a poll that waits no time (the loop draining a
                    // batch) while the rest of its sequence is on its way.
                    if self.last_input.elapsed() >= ESC_WAIT {
                        let held = self.decoder.flush();
                        self.ready.extend(held);
                        if self.last_input.elapsed() >= KEEP_PARSER {
                            self.decoder.release_parser();
                        }
                    }
                    if self.ready.is_empty() && Instant::now() >= deadline {
                        return Ok(None);
                    }
                }
            }
        }
    }

    fn needs_full_redraw(&mut self) -> bool {
        self.behind.swap(false, Ordering::SeqCst)
    }

    fn observe(&mut self, app: &App) {
        if let Some(slot) = &mut self.slot {
            slot.set_logged_in(app.username().is_some());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client that stops reading costs at most `OUTPUT_FRAMES` frames;
    /// after that, frames are dropped and the next draw is a full one.
    #[test]
    fn a_stalled_client_gets_a_full_frame_instead_of_a_growing_queue() {
        let (queue, mut client) = mpsc::channel(OUTPUT_FRAMES);
        let behind = Arc::new(AtomicBool::new(false));
        let mut output = ChannelOutput::new(queue, Arc::default(), Arc::clone(&behind));
        for _ in 0..OUTPUT_FRAMES + 50 {
            output.write_all(&[b'x'; 10_000]).unwrap();
            output.flush().unwrap();
        }
        assert!(behind.load(Ordering::SeqCst), "frames beyond the queue were dropped");
        let mut queued = 0;
        while client.try_recv().is_ok() {
            queued += 1;
        }
        assert_eq!(queued, OUTPUT_FRAMES, "no more than the queue holds");
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let (_input, incoming) = mpsc::channel(4);
        let mut input = RemoteInput::new(
            incoming,
            runtime.handle().clone(),
            SharedSize::new(80, 24),
            behind,
            Arc::new(AtomicBool::new(false)),
            Duration::from_secs(60),
        );
        assert!(input.needs_full_redraw());
        assert!(!input.needs_full_redraw(), "asked once");
    }

    /// Big frames are bounded by bytes too: a stalled client on a big
    /// screen costs at most `OUTPUT_BYTES` (plus one frame).
    #[test]
    fn big_frames_are_bounded_by_bytes() {
        let (queue, mut client) = mpsc::channel(OUTPUT_FRAMES);
        let queued = Arc::new(AtomicUsize::new(0));
        let behind = Arc::new(AtomicBool::new(false));
        let mut output = ChannelOutput::new(queue, Arc::clone(&queued), Arc::clone(&behind));
        for _ in 0..OUTPUT_FRAMES {
            output.write_all(&vec![b'x'; 300_000]).unwrap();
            output.flush().unwrap();
        }
        let mut bytes = 0;
        while let Ok(frame) = client.try_recv() {
            bytes += frame.len();
        }
        assert_eq!(bytes, 300_000, "a second 300 KB frame would pass the budget");
        assert!(behind.load(Ordering::SeqCst));
        assert_eq!(queued.load(Ordering::SeqCst), 300_000, "counted until the sender takes it off");
    }

    /// The loop drains a batch with polls that wait no time; one finding no
    /// message yet must not settle a held Esc whose sequence is in the next
    /// message (Up arrived as Esc, '[' and 'A').
    #[test]
    fn a_sequence_split_between_messages_survives_the_draining_poll() {
        use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
        let key = |code| Some(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
        // Its own thread drives the timers (the Esc delay is waited for here).
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let (sender, incoming) = mpsc::channel(4);
        let mut input = RemoteInput::new(
            incoming,
            runtime.handle().clone(),
            SharedSize::new(80, 24),
            Arc::new(AtomicBool::new(false)),
            Arc::new(AtomicBool::new(false)),
            Duration::from_secs(60),
        );
        sender.try_send(Incoming::Bytes(b"a\x1b".to_vec())).unwrap();
        assert_eq!(input.next_event(Duration::from_millis(500)).unwrap(), key(KeyCode::Char('a')));
        assert_eq!(input.next_event(Duration::ZERO).unwrap(), None, "the Esc waits for what may follow");
        sender.try_send(Incoming::Bytes(b"[A".to_vec())).unwrap();
        assert_eq!(input.next_event(Duration::from_millis(500)).unwrap(), key(KeyCode::Up));
        sender.try_send(Incoming::Bytes(b"\x1b".to_vec())).unwrap();
        assert_eq!(input.next_event(Duration::from_millis(500)).unwrap(), key(KeyCode::Esc), "after the Esc delay");
    }

    #[test]
    fn input_ends_with_the_reason() {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let (sender, incoming) = mpsc::channel(4);
        let shutdown = Arc::new(AtomicBool::new(false));
        let mut input = RemoteInput::new(
            incoming,
            runtime.handle().clone(),
            SharedSize::new(80, 24),
            Arc::new(AtomicBool::new(false)),
            Arc::clone(&shutdown),
            Duration::from_millis(50),
        );
        sender.try_send(Incoming::Bytes(b"q".to_vec())).unwrap();
        sender.try_send(Incoming::Resize(100, 30)).unwrap();
        let first = input.next_event(Duration::from_millis(100)).unwrap();
        assert!(matches!(first, Some(Event::Key(k)) if k.code == crossterm::event::KeyCode::Char('q')));
        assert_eq!(input.next_event(Duration::from_millis(100)).unwrap(), Some(Event::Resize(100, 30)));
        assert_eq!(input.size.get(), Size::new(100, 30));
        std::thread::sleep(Duration::from_millis(60));
        assert!(input.next_event(Duration::from_millis(10)).is_err());
        assert_eq!(input.ended, Some(Ended::Idle));
        shutdown.store(true, Ordering::SeqCst);
        input.last_input = Instant::now();
        assert!(input.next_event(Duration::from_millis(10)).is_err());
        assert_eq!(input.ended, Some(Ended::Shutdown));
        drop(sender);
        input.shutdown.store(false, Ordering::SeqCst);
        assert!(input.next_event(Duration::from_millis(10)).is_err());
        assert_eq!(input.ended, Some(Ended::Disconnected));
    }
}

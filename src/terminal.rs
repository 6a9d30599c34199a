//! The terminal loop: sets the local terminal up (and always back), and
//! `drive`, the loop itself, generic over the ratatui backend and the input
//! source, so the same App runs on a local terminal, on `TestBackend` in
//! tests, and on a remote session's channel.

use std::io::{self, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{
    self, DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture, Event, MouseButton,
    MouseEventKind,
};
use crossterm::execute;
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode};
use ratatui::Terminal;
use ratatui::backend::{Backend, CrosstermBackend};
use ratatui::layout::Rect;

use crate::app::{Action, App, keymap};
use crate::shop::ShopService;
use crate::ui::{self, Theme};

/// How long to wait for input before looking for answers and change notices.
const TICK: Duration = Duration::from_millis(250);
/// The same while requests are under way.
const BUSY_TICK: Duration = Duration::from_millis(20);
/// The same while nothing on screen can change but by a change notice
/// (`App::quiet`). Another session's change reaches the screen within it;
/// another process's within it and the shop's watch (a quarter second):
/// within a second either way.
const IDLE_TICK: Duration = Duration::from_millis(500);

/// Runs the full-screen app on `shop` until the user quits; the shopper's
/// receipts are written into `receipts`.
pub fn run(shop: Arc<ShopService>, receipts: std::path::PathBuf, mouse: bool) -> io::Result<()> {
    install_panic_hook(mouse);
    enter(mouse)?;
    let result = event_loop(shop, receipts, mouse);
    leave(mouse);
    match result {
        // Said after the screen is restored, so it stays readable.
        Ok(0) => Ok(()),
        Ok(dropped) => {
            eprintln!(
                "{dropped} change(s) were not made: another copy of Shopfront held the data folder until you quit"
            );
            Ok(())
        }
        Err(e) => Err(e),
    }
}

fn enter(mouse: bool) -> io::Result<()> {
    enable_raw_mode()?;
    let mut out = io::stdout();
    execute!(out, EnterAlternateScreen, EnableBracketedPaste)?;
    if mouse {
        execute!(out, EnableMouseCapture)?;
    }
    Ok(())
}

/// Puts the terminal back; safe to call more than once.
fn leave(mouse: bool) {
    let mut out = io::stdout();
    if mouse {
        let _ = execute!(out, DisableMouseCapture);
    }
    let _ = execute!(out, DisableBracketedPaste, LeaveAlternateScreen, crossterm::cursor::Show);
    let _ = disable_raw_mode();
    let _ = out.flush();
}

/// A panic restores the terminal first, so its message is readable.
fn install_panic_hook(mouse: bool) {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        leave(mouse);
        previous(info);
    }));
}

/// Where the loop's events come from: the local terminal (crossterm) or,
/// later, bytes from an SSH channel decoded into the same events.
pub trait InputSource {
    /// The next event, waiting at most `timeout`; `None` if none came.
    fn next_event(&mut self, timeout: Duration) -> io::Result<Option<Event>>;

    /// Whether the screen must be drawn whole next time (a remote client
    /// that fell behind missed frames).
    fn needs_full_redraw(&mut self) -> bool {
        false
    }

    /// Sees the app after each round of events (a server counts the
    /// sessions whose shopper is logged in).
    fn observe(&mut self, _app: &App) {}
}

/// The local terminal's input.
pub struct CrosstermInput;

impl InputSource for CrosstermInput {
    fn next_event(&mut self, timeout: Duration) -> io::Result<Option<Event>> {
        if event::poll(timeout)? { event::read().map(Some) } else { Ok(None) }
    }
}

/// Returns how many asked-for changes were still waiting at quit.
fn event_loop(shop: Arc<ShopService>, receipts: std::path::PathBuf, mouse: bool) -> io::Result<usize> {
    let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    let size = terminal.size()?;
    let mut app = App::new(shop, Rect::new(0, 0, size.width, size.height));
    app.write_receipts_to(receipts);
    drive(&mut terminal, &mut CrosstermInput, &mut app, &Theme::from_env(), mouse)?;
    Ok(app.requests_in_flight())
}

/// Runs `app` on any ratatui backend with any input until the user quits:
/// draw, wait for input (or for answers while requests are under way),
/// turn events into actions, take answers and change notices, draw again.
/// A frame is drawn after input, and after a tick only if something the
/// screen shows changed (`App::needs_redraw`): an idle session costs a
/// look at its channels per tick, not a frame.
pub fn drive<B: Backend>(
    terminal: &mut Terminal<B>,
    input: &mut impl InputSource,
    app: &mut App,
    theme: &Theme,
    mouse: bool,
) -> io::Result<()>
where
    B::Error: Send + Sync + 'static,
{
    // The first frame, and one after every round of input (a key that
    // changes nothing draws too, as a resize does).
    let mut input_came = true;
    loop {
        let full = input.needs_full_redraw();
        if full {
            terminal.clear().map_err(io::Error::other)?;
        }
        if full || input_came || app.needs_redraw() {
            draw(terminal, app, theme)?;
        }
        input_came = false;
        input.observe(app);
        if app.should_quit {
            return Ok(());
        }
        // While a worker is filtering or requests are under way, look for
        // their answers often.
        let wait = if app.catalog.pending {
            Duration::from_millis(4)
        } else if app.requests_in_flight() > 0 {
            BUSY_TICK
        } else if app.quiet() {
            IDLE_TICK
        } else {
            TICK
        };
        let Some(first) = input.next_event(wait)? else {
            app.poll_filter();
            app.update(Action::Tick);
            continue;
        };
        // Handle everything already waiting before drawing again (fast
        // typing, a paste without bracketed paste), filtering once for it.
        app.begin_batch();
        let mut next = Some(first);
        while let Some(event) = next {
            if let Some(action) = to_action(app, event, mouse) {
                app.update(action);
            }
            next = if app.should_quit { None } else { input.next_event(Duration::ZERO)? };
        }
        app.end_batch();
        app.poll_filter();
        // Answers and change notices, also while someone keeps typing.
        app.poll_results();
        input_came = true;
    }
}

fn draw<B: Backend>(terminal: &mut Terminal<B>, app: &mut App, theme: &Theme) -> io::Result<()>
where
    B::Error: Send + Sync + 'static,
{
    app.begin_frame();
    let started = Instant::now();
    terminal.draw(|frame| ui::draw(frame, app, theme)).map_err(io::Error::other)?;
    app.stats.last_render = started.elapsed();
    Ok(())
}

fn to_action(app: &App, event: Event, mouse: bool) -> Option<Action> {
    match event {
        Event::Key(key) => keymap::resolve(&app.contexts(), &key),
        Event::Paste(text) => Some(Action::Paste(text)),
        Event::Resize(width, height) => Some(Action::Resize(width, height)),
        Event::Mouse(m) if mouse => match m.kind {
            MouseEventKind::Down(MouseButton::Left) => Some(Action::Click { column: m.column, row: m.row }),
            MouseEventKind::ScrollDown => Some(Action::Scroll { column: m.column, row: m.row, down: true }),
            MouseEventKind::ScrollUp => Some(Action::Scroll { column: m.column, row: m.row, down: false }),
            _ => None,
        },
        _ => None,
    }
}

//! The terminal loop: sets the terminal up (and always back), turns
//! crossterm events into actions, and draws after each batch of them.

use std::io::{self, Stdout, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{
    self, DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture, Event, MouseButton,
    MouseEventKind,
};
use crossterm::execute;
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;

use crate::app::{Action, App, keymap};
use crate::shop::Shop;
use crate::ui::{self, Theme};

/// How long to wait for input before looking for answers and change notices.
const TICK: Duration = Duration::from_millis(250);
/// The same while requests are under way.
const BUSY_TICK: Duration = Duration::from_millis(20);

/// Runs the full-screen app on `shop` until the user quits.
pub fn run(shop: Arc<dyn Shop>, mouse: bool) -> io::Result<()> {
    install_panic_hook(mouse);
    enter(mouse)?;
    let result = event_loop(shop, mouse);
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

/// Returns how many asked-for changes were still waiting at quit.
fn event_loop(shop: Arc<dyn Shop>, mouse: bool) -> io::Result<usize> {
    let mut terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    let size = terminal.size()?;
    let theme = Theme::from_env();
    let mut app = App::new(shop, Rect::new(0, 0, size.width, size.height));
    loop {
        draw(&mut terminal, &mut app, &theme)?;
        if app.should_quit {
            return Ok(app.requests_in_flight());
        }
        // While a worker is filtering or requests are under way, look for
        // their answers often.
        let wait = if app.catalog.pending {
            Duration::from_millis(4)
        } else if app.requests_in_flight() > 0 {
            BUSY_TICK
        } else {
            TICK
        };
        if !event::poll(wait)? {
            app.poll_filter();
            app.update(Action::Tick);
            continue;
        }
        // Handle everything already waiting before drawing again (fast typing, pastes).
        loop {
            if let Some(action) = to_action(&app, event::read()?, mouse) {
                app.update(action);
            }
            if app.should_quit || !event::poll(Duration::ZERO)? {
                break;
            }
        }
        app.poll_filter();
        // Answers and change notices, also while someone keeps typing.
        app.poll_results();
    }
}

fn draw(terminal: &mut Terminal<CrosstermBackend<Stdout>>, app: &mut App, theme: &Theme) -> io::Result<()> {
    let started = Instant::now();
    terminal.draw(|frame| ui::draw(frame, app, theme))?;
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

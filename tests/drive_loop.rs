//! The event loop the binary runs (`terminal::drive`), on ratatui's
//! `TestBackend` with scripted input instead of a terminal: the same loop a
//! remote session will run on its channel.

mod common;

use std::collections::VecDeque;
use std::io;
use std::time::{Duration, Instant};

use common::*;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use shopfront::terminal::{InputSource, drive};
use shopfront::ui::Theme;

enum Step {
    Key(KeyCode),
    Text(&'static str),
    /// No input for a while (the loop ticks, answers arrive).
    Pause(Duration),
}

struct Script(VecDeque<Step>);

impl InputSource for Script {
    fn next_event(&mut self, timeout: Duration) -> io::Result<Option<Event>> {
        let key = |code| Some(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
        match self.0.pop_front() {
            Some(Step::Key(code)) => Ok(key(code)),
            Some(Step::Text(text)) => {
                let mut chars = text.chars();
                let first = chars.next();
                let rest: String = chars.collect();
                if !rest.is_empty() {
                    self.0.push_front(Step::Text(Box::leak(rest.into_boxed_str())));
                }
                Ok(first.and_then(|c| key(KeyCode::Char(c))))
            }
            Some(Step::Pause(left)) => {
                let nap = left.min(timeout).max(Duration::from_millis(1));
                std::thread::sleep(nap);
                if let Some(rest) = left.checked_sub(nap).filter(|d| !d.is_zero()) {
                    self.0.push_front(Step::Pause(rest));
                }
                Ok(None)
            }
            None => Ok(key(KeyCode::Char('q'))),
        }
    }
}

#[test]
fn the_binarys_loop_runs_on_a_test_backend() {
    let dir = temp_dir();
    let mut store = open(dir.path());
    store.register("alice", "s3cret!").unwrap();
    let mut app = app_on(store, 80, 24);
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    let pause = || Step::Pause(Duration::from_millis(300));
    let mut script = Script(VecDeque::from([
        Step::Text("alice"),
        Step::Key(KeyCode::Tab),
        Step::Text("s3cret!"),
        Step::Key(KeyCode::Enter),
        pause(),
        Step::Key(KeyCode::Char('a')),
        pause(),
        Step::Key(KeyCode::Char('c')),
        pause(),
    ]));
    let started = Instant::now();
    drive(&mut terminal, &mut script, &mut app, &Theme::PLAIN, false).unwrap();
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(app.should_quit, "the script ends with q");
    let screen = format!("{:?}", terminal.backend());
    assert!(screen.contains("alice · 1 item · $9.99"), "{screen}");
    assert!(screen.contains("USB-C Cable"), "{screen}");
    assert!(read(dir.path(), "carts.json").contains(r#""product_id":"P1001","qty":1"#));
}

#[test]
fn a_burst_of_typed_characters_filters_once() {
    let dir = temp_dir();
    let mut store = open(dir.path());
    store.register("alice", "s3cret!").unwrap();
    let mut app = app_on(store, 80, 24);
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    // A paste without bracketed paste arrives as keys, all at once.
    let burst: &'static str = Box::leak("usb cable ".repeat(50).into_boxed_str());
    let mut script = Script(VecDeque::from([
        Step::Text("alice"),
        Step::Key(KeyCode::Tab),
        Step::Text("s3cret!"),
        Step::Key(KeyCode::Enter),
        Step::Pause(Duration::from_millis(300)),
        Step::Key(KeyCode::Char('/')),
        Step::Pause(Duration::from_millis(50)),
        Step::Text(burst),
        Step::Pause(Duration::from_millis(50)),
        Step::Key(KeyCode::Esc),
    ]));
    drive(&mut terminal, &mut script, &mut app, &Theme::PLAIN, false).unwrap();
    assert_eq!(app.catalog.query.value(), burst, "every character arrived");
    assert!(app.stats.filter_runs <= 3, "{} filter runs for one burst", app.stats.filter_runs);
}

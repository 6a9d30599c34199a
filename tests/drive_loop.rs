//! The event loop the binary runs (`terminal::drive`), on ratatui's
//! `TestBackend` with scripted input instead of a terminal: the same loop a
//! remote session will run on its channel.

mod common;

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::io;
use std::rc::Rc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::{Backend, ClearType, TestBackend, WindowSize};
use ratatui::buffer::Cell as BufferCell;
use ratatui::layout::{Position, Rect, Size};
use shopfront::app::App;
use shopfront::shop::ShopService;
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

/// What a `Watched` backend has been asked to show: how many frames were
/// drawn (flushed), and the screen after the last one.
#[derive(Default)]
struct Seen {
    frames: usize,
    screen: String,
}

/// `TestBackend`, counting frames as the loop draws them.
struct Watched {
    inner: TestBackend,
    seen: Rc<RefCell<Seen>>,
}

impl Backend for Watched {
    type Error = <TestBackend as Backend>::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a BufferCell)>,
    {
        self.inner.draw(content)
    }
    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.hide_cursor()
    }
    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.show_cursor()
    }
    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.inner.get_cursor_position()
    }
    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Self::Error> {
        self.inner.set_cursor_position(position)
    }
    fn clear(&mut self) -> Result<(), Self::Error> {
        self.inner.clear()
    }
    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Self::Error> {
        self.inner.clear_region(clear_type)
    }
    fn size(&self) -> Result<Size, Self::Error> {
        self.inner.size()
    }
    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.inner.window_size()
    }
    /// Once per frame (`Terminal::draw`).
    fn flush(&mut self) -> Result<(), Self::Error> {
        self.inner.flush()?;
        let mut seen = self.seen.borrow_mut();
        seen.frames += 1;
        seen.screen = format!("{:?}", self.inner);
        Ok(())
    }
}

/// One step of a `Watching` script.
enum Beat {
    Key(KeyCode),
    Text(&'static str),
    /// No input until the loop asks to wait a whole tick or longer (no
    /// request under way, no filter running), a millisecond per poll.
    Settle,
    /// This many polls without input, answered at once: the loop ticks.
    Ticks(usize),
    /// No input for this long: real time passes, each poll waiting at
    /// most what the loop asks.
    Sleep(Duration),
    /// Looks at what was drawn so far (or changes the shop meanwhile).
    Do(Box<dyn FnOnce(&Seen)>),
    /// No input, each poll waiting all the time the loop asks (as a
    /// terminal nobody types on), until the screen shows what `shows`
    /// looks for; fails if that takes `within` or longer.
    Until {
        shows: Box<dyn Fn(&Seen) -> bool>,
        within: Duration,
        since: Option<Instant>,
    },
}

/// A script that can look at the screen between its steps.
struct Watching {
    beats: VecDeque<Beat>,
    seen: Rc<RefCell<Seen>>,
    /// The longest the loop asked to wait for input.
    longest_wait: Duration,
}

impl InputSource for Watching {
    fn next_event(&mut self, timeout: Duration) -> io::Result<Option<Event>> {
        let key = |code| Some(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
        self.longest_wait = self.longest_wait.max(timeout);
        loop {
            match self.beats.pop_front() {
                Some(Beat::Key(code)) => return Ok(key(code)),
                Some(Beat::Text(text)) => {
                    let mut chars = text.chars();
                    let first = chars.next();
                    let rest: String = chars.collect();
                    if !rest.is_empty() {
                        self.beats.push_front(Beat::Text(Box::leak(rest.into_boxed_str())));
                    }
                    return Ok(first.and_then(|c| key(KeyCode::Char(c))));
                }
                // The loop waits a tick (250 ms) or longer only when no
                // request is under way and no filter is running.
                Some(Beat::Settle) if timeout >= Duration::from_millis(250) => continue,
                Some(Beat::Settle) => {
                    self.beats.push_front(Beat::Settle);
                    if !timeout.is_zero() {
                        std::thread::sleep(Duration::from_millis(1));
                    }
                    return Ok(None);
                }
                Some(Beat::Ticks(0)) => continue,
                // A poll that waits no time drains a burst of input: no tick.
                Some(Beat::Ticks(n)) if timeout.is_zero() => {
                    self.beats.push_front(Beat::Ticks(n));
                    return Ok(None);
                }
                Some(Beat::Ticks(n)) => {
                    self.beats.push_front(Beat::Ticks(n - 1));
                    return Ok(None);
                }
                Some(Beat::Sleep(left)) => {
                    let nap = left.min(timeout).max(Duration::from_millis(1));
                    std::thread::sleep(nap);
                    if let Some(rest) = left.checked_sub(nap).filter(|d| !d.is_zero()) {
                        self.beats.push_front(Beat::Sleep(rest));
                    }
                    return Ok(None);
                }
                Some(Beat::Do(step)) => step(&self.seen.borrow()),
                Some(Beat::Until { shows, within, since }) => {
                    let since = since.unwrap_or_else(Instant::now);
                    let seen = self.seen.borrow();
                    assert!(since.elapsed() < within, "not on screen after {within:?}: {}", seen.screen);
                    if shows(&seen) {
                        continue;
                    }
                    drop(seen);
                    self.beats.push_front(Beat::Until { shows, within, since: Some(since) });
                    std::thread::sleep(timeout);
                    return Ok(None);
                }
                // Ends the loop without a last frame (a `q` would draw one).
                None => return Err(io::Error::other("the script is over")),
            }
        }
    }
}

/// A shop with alice and bob (the demo catalog), and alice's session on
/// it, drawn on a `Watched` backend; returns the shop for other sessions.
fn watched_session() -> (tempfile::TempDir, Arc<ShopService>, App, Terminal<Watched>, Rc<RefCell<Seen>>) {
    let dir = temp_dir();
    let mut store = open(dir.path());
    store.register("alice", "s3cret!").unwrap();
    store.register("bob", "b0b-pass").unwrap();
    store.set_lock_wait(shopfront::store::LockWait::Impatient);
    let shop = ShopService::over_folder(store);
    let app = App::new(shop.clone(), Rect::new(0, 0, 100, 30));
    let seen = Rc::new(RefCell::new(Seen::default()));
    let terminal = Terminal::new(Watched { inner: TestBackend::new(100, 30), seen: Rc::clone(&seen) }).unwrap();
    (dir, shop, app, terminal, seen)
}

/// The screen's row that shows `text` (the first), or an empty one.
fn row_of<'a>(screen: &'a str, text: &str) -> &'a str {
    screen.lines().find(|line| line.contains(text)).unwrap_or_default()
}

fn logging_in_as_alice() -> Vec<Beat> {
    vec![Beat::Text("alice"), Beat::Key(KeyCode::Tab), Beat::Text("s3cret!"), Beat::Key(KeyCode::Enter), Beat::Settle]
}

/// Nothing changes while nobody types: the loop ticks, and draws nothing.
#[test]
fn an_idle_session_draws_nothing_while_nothing_changes() {
    let (_dir, _shop, mut app, mut terminal, seen) = watched_session();
    let mark = Rc::new(Cell::new(0));
    let (set, get) = (Rc::clone(&mark), Rc::clone(&mark));
    let mut beats = logging_in_as_alice();
    beats.extend([
        Beat::Do(Box::new(move |seen: &Seen| {
            assert!(seen.screen.contains("Welcome back, alice"), "{}", seen.screen);
            set.set(seen.frames);
        })),
        Beat::Ticks(40),
        Beat::Do(Box::new(move |seen: &Seen| {
            assert_eq!(seen.frames, get.get(), "frames drawn in 40 idle ticks");
        })),
        // Typing draws again at once.
        Beat::Key(KeyCode::Char('/')),
        Beat::Text("mouse"),
        Beat::Ticks(1),
        Beat::Do(Box::new(|seen: &Seen| assert!(seen.screen.contains("Wireless Mouse"), "{}", seen.screen))),
    ]);
    let mut script = Watching { beats: beats.into(), seen: Rc::clone(&seen), longest_wait: Duration::ZERO };
    let err = drive(&mut terminal, &mut script, &mut app, &Theme::PLAIN, false).unwrap_err();
    assert_eq!(err.to_string(), "the script is over");
    assert!(app.session.is_some());
    let screen = format!("{:?}", terminal.backend().inner);
    assert!(screen.contains("Filter (typing)") && screen.contains("mouse"), "{screen}");
}

/// What changes without a key is drawn at the next tick: another
/// session's sale patched into the catalog, and a message that expired.
#[test]
fn an_idle_session_draws_what_changed_meanwhile() {
    let (_dir, shop, mut app, mut terminal, seen) = watched_session();
    app.set_message_lifetime(Duration::from_millis(400));
    let mark = Rc::new(Cell::new(0));
    let (set, get) = (Rc::clone(&mark), Rc::clone(&mark));
    let mut beats = logging_in_as_alice();
    beats.extend([
        Beat::Do(Box::new(move |seen: &Seen| {
            assert!(seen.screen.contains("Welcome back, alice"), "{}", seen.screen);
            // The demo's wireless mouse: 12 in stock.
            assert!(row_of(&seen.screen, "Wireless Mouse").contains("In stock"), "{}", seen.screen);
            set.set(seen.frames);
        })),
        Beat::Do(Box::new(move |_: &Seen| {
            let bob = shop.login("bob", "b0b-pass").unwrap();
            shop.add_to_cart(&bob, "P1002", 9).unwrap();
            shop.checkout(&bob, &paying(shop.quote(&bob, None).unwrap())).unwrap();
        })),
        Beat::Ticks(1),
        Beat::Do(Box::new(move |seen: &Seen| {
            let row = row_of(&seen.screen, "Wireless Mouse");
            assert!(row.contains("Only 3 left"), "bob's sale is on alice's screen: {}", seen.screen);
            assert_eq!(seen.frames, get.get() + 1, "one frame for it");
        })),
        // The welcome expires: the next tick after it draws without it.
        Beat::Sleep(Duration::from_millis(700)),
        Beat::Do(Box::new(|seen: &Seen| {
            assert!(!seen.screen.contains("Welcome back"), "the message expired: {}", seen.screen);
            assert!(row_of(&seen.screen, "Wireless Mouse").contains("Only 3 left"), "{}", seen.screen);
        })),
    ]);
    let mut script = Watching { beats: beats.into(), seen: Rc::clone(&seen), longest_wait: Duration::ZERO };
    let err = drive(&mut terminal, &mut script, &mut app, &Theme::PLAIN, false).unwrap_err();
    assert_eq!(err.to_string(), "the script is over");
}

/// A session with nothing to show changing (no message, nothing under
/// way) waits longer between its looks for change notices, and still shows
/// another session's sale within a second.
#[test]
fn a_quiet_session_shows_another_sessions_sale_within_a_second() {
    let (_dir, shop, mut app, mut terminal, seen) = watched_session();
    app.set_message_lifetime(Duration::from_millis(100));
    let mut beats = logging_in_as_alice();
    beats.extend([
        // The welcome expires: nothing left that changes with time.
        Beat::Sleep(Duration::from_millis(400)),
        Beat::Do(Box::new(|seen: &Seen| assert!(!seen.screen.contains("Welcome back"), "{}", seen.screen))),
        Beat::Settle,
        Beat::Do(Box::new(move |_: &Seen| {
            let bob = shop.login("bob", "b0b-pass").unwrap();
            shop.add_to_cart(&bob, "P1002", 9).unwrap();
            shop.checkout(&bob, &paying(shop.quote(&bob, None).unwrap())).unwrap();
        })),
        Beat::Until {
            shows: Box::new(|seen: &Seen| row_of(&seen.screen, "Wireless Mouse").contains("Only 3 left")),
            within: Duration::from_secs(1),
            since: None,
        },
    ]);
    let mut script = Watching { beats: beats.into(), seen: Rc::clone(&seen), longest_wait: Duration::ZERO };
    let err = drive(&mut terminal, &mut script, &mut app, &Theme::PLAIN, false).unwrap_err();
    assert_eq!(err.to_string(), "the script is over");
    assert!(
        script.longest_wait > Duration::from_millis(250) && script.longest_wait < Duration::from_secs(1),
        "the loop waited {:?} at most",
        script.longest_wait
    );
}

/// Whether `moving_clock` has moved on (only the test below moves it).
static LATER: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Noon, or a minute past once `LATER` is set.
fn moving_clock() -> shopfront::domain::Timestamp {
    let later = LATER.load(std::sync::atomic::Ordering::SeqCst);
    shopfront::domain::Timestamp::parse(if later { "2026-03-01 12:01:00" } else { "2026-03-01 12:00:00" }).unwrap()
}

/// What changes with the clock alone is drawn when it changes: a code on
/// the Discounts tab that starts while the admin looks at it.
#[test]
fn a_code_that_starts_while_shown_is_drawn_active() {
    let dir = temp_dir();
    let mut store = open(dir.path());
    store.add_admin("boss", "b0ss-pass").unwrap();
    store.set_lock_wait(shopfront::store::LockWait::Impatient);
    let shop = ShopService::over_folder(store);
    let boss = shop.login("boss", "b0ss-pass").unwrap();
    let code = r#"{"code": "NOON30", "kind": "percent", "value": 10, "starts": "2026-03-01 12:00:30"}"#;
    shop.save_discount(&boss, None, serde_json::from_str(code).unwrap()).unwrap();
    let mut app = App::new(shop, Rect::new(0, 0, 100, 30));
    app.set_clock(moving_clock);
    let seen = Rc::new(RefCell::new(Seen::default()));
    let mut terminal = Terminal::new(Watched { inner: TestBackend::new(100, 30), seen: Rc::clone(&seen) }).unwrap();
    let beats = [
        Beat::Text("boss"),
        Beat::Key(KeyCode::Tab),
        Beat::Text("b0ss-pass"),
        Beat::Key(KeyCode::Enter),
        Beat::Settle,
        Beat::Key(KeyCode::Char('6')),
        Beat::Settle,
        Beat::Do(Box::new(|seen: &Seen| {
            assert!(row_of(&seen.screen, "NOON30").contains("scheduled"), "{}", seen.screen);
            LATER.store(true, std::sync::atomic::Ordering::SeqCst);
        })),
        Beat::Ticks(1),
        Beat::Do(Box::new(|seen: &Seen| {
            let row = row_of(&seen.screen, "NOON30");
            assert!(row.contains(" active") && !row.contains("scheduled"), "{}", seen.screen);
        })),
    ];
    let mut script = Watching { beats: beats.into(), seen: Rc::clone(&seen), longest_wait: Duration::ZERO };
    let err = drive(&mut terminal, &mut script, &mut app, &Theme::PLAIN, false).unwrap_err();
    assert_eq!(err.to_string(), "the script is over");
}

/// A filter run on the worker thread (big catalogs) answers after the
/// keys were drawn: the tick that takes its answer draws it.
#[test]
fn a_filter_answered_by_the_worker_is_drawn_when_it_comes() {
    let dir = temp_dir();
    // Enough products that matching takes a while: the loop draws the keys
    // before the worker answers.
    let names: Vec<(String, String)> =
        (0..20_000).map(|i| (format!("P{}", 10_000 + i), format!("Gadget {i}"))).collect();
    let mut products: Vec<(&str, &str, &str, u32)> =
        names.iter().map(|(id, name)| (id.as_str(), name.as_str(), "1.00", 5)).collect();
    products.push(("P9999", "Wireless Mouse", "24.99", 12));
    write_products(dir.path(), &products);
    let mut store = open(dir.path());
    store.register("alice", "s3cret!").unwrap();
    let mut app = app_on(store, 100, 30);
    app.set_filter_worker_from(1);
    let seen = Rc::new(RefCell::new(Seen::default()));
    let mut terminal = Terminal::new(Watched { inner: TestBackend::new(100, 30), seen: Rc::clone(&seen) }).unwrap();
    let mut beats = logging_in_as_alice();
    beats.extend([
        Beat::Key(KeyCode::Char('/')),
        Beat::Text("wireless mouse"),
        Beat::Until {
            shows: Box::new(|seen: &Seen| seen.screen.contains("Products — 1 of 20,001")),
            within: Duration::from_secs(10),
            since: None,
        },
    ]);
    let mut script = Watching { beats: beats.into(), seen: Rc::clone(&seen), longest_wait: Duration::ZERO };
    let err = drive(&mut terminal, &mut script, &mut app, &Theme::PLAIN, false).unwrap_err();
    assert_eq!(err.to_string(), "the script is over");
    assert!(seen.borrow().screen.contains("Wireless Mouse"));
}

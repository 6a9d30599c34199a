//! While another copy of Shopfront holds the data folder (here: a child
//! process holding `.lock` with flock(1)), the app keeps answering keys at
//! once, says that it waits, and makes the change when the folder is free —
//! or never, if the shopper stops waiting.

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::keys::press_now;
use common::*;
use crossterm::event::KeyCode;
use shopfront::app::{Action, App, WAITING_NOTICE};

/// A process holding the folder lock until dropped.
struct LockHolder(Child);

impl LockHolder {
    fn hold(dir: &Path) -> LockHolder {
        let lock = dir.join(".lock");
        let child = Command::new("flock")
            .args(["-x", "-o"]) // -o: the lock stays with flock, not its `sleep`
            .arg(&lock)
            .args(["sleep", "60"])
            .stdout(Stdio::null())
            .spawn()
            .expect("flock(1) from util-linux");
        let started = Instant::now();
        // Held once a non-blocking attempt fails.
        while Command::new("flock").arg("-n").arg(&lock).arg("true").status().unwrap().success() {
            assert!(started.elapsed() < Duration::from_secs(10), "flock did not take the lock");
            std::thread::sleep(Duration::from_millis(10));
        }
        LockHolder(child)
    }
}

impl Drop for LockHolder {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Polls the app (as the terminal loop does) until `done` or 5 s.
fn wait_until(app: &mut App, what: &str, done: impl Fn(&App) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !done(app) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        app.update(Action::Tick);
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn keys_are_answered_at_once_while_another_copy_holds_the_folder() {
    let (dir, mut app) = logged_in_shop(100, 30);
    let holder = LockHolder::hold(dir.path());
    let started = Instant::now();
    press_now(&mut app, KeyCode::Char('a')); // add the selected product: needs the folder
    press_now(&mut app, KeyCode::Char('/'));
    for c in "cable".chars() {
        press_now(&mut app, KeyCode::Char(c));
    }
    press_now(&mut app, KeyCode::Down);
    press_now(&mut app, KeyCode::Char('2'));
    assert!(started.elapsed() < Duration::from_millis(100), "keys took {:?}", started.elapsed());
    assert_eq!(app.catalog.query.value(), "cable", "typing is echoed while the folder is busy");
    assert_eq!(app.screen, shopfront::app::Screen::Cart, "tabs switch while the folder is busy");
    wait_until(&mut app, "the waiting notice", |app| app.waiting_notice() == Some(WAITING_NOTICE));
    assert_eq!(app.requests_in_flight(), 1, "the add waits");
    assert!(app.current_cart().is_empty(), "nothing changed yet");

    drop(holder);
    wait_until(&mut app, "the add", |app| app.requests_in_flight() == 0);
    assert_eq!(app.waiting_notice(), None);
    let cart = app.current_cart();
    assert_eq!(cart.items.len(), 1, "the add was made once the folder was free");
    assert_eq!(cart.items[0].product_id, "P1001", "the product selected when `a` was pressed");
    let message = app.message.as_ref().map(|m| m.text.clone()).unwrap_or_default();
    assert!(message.starts_with("Added 1 × USB-C Cable"), "{message}");
}

#[test]
fn esc_stops_waiting_and_the_change_is_never_made() {
    let (dir, mut app) = logged_in_shop(100, 30);
    let holder = LockHolder::hold(dir.path());
    press_now(&mut app, KeyCode::Char('a'));
    wait_until(&mut app, "the waiting notice", |app| app.waiting_notice().is_some());
    press_now(&mut app, KeyCode::Esc);
    assert_eq!(app.message.as_ref().map(|m| m.text.as_str()), Some("Stopped waiting: 1 change not made"));
    wait_until(&mut app, "the cancelled add to come back", |app| app.requests_in_flight() == 0);
    drop(holder);
    app.settle();
    assert!(app.current_cart().is_empty(), "a change the shopper gave up on must never happen");
    assert!(!read(dir.path(), "carts.json").contains("P1001"));
}

#[test]
fn logging_in_waits_without_freezing_and_quit_works() {
    let dir = temp_dir();
    let mut store = open(dir.path());
    store.register("alice", "s3cret!").unwrap();
    let mut app = app_on(store, 80, 24);
    let holder = LockHolder::hold(dir.path());
    let started = Instant::now();
    for c in "alice".chars() {
        press_now(&mut app, KeyCode::Char(c));
    }
    press_now(&mut app, KeyCode::Tab);
    for c in "s3cret!".chars() {
        press_now(&mut app, KeyCode::Char(c));
    }
    press_now(&mut app, KeyCode::Enter);
    press_now(&mut app, KeyCode::Enter); // a second Enter is not a second login
    assert!(started.elapsed() < Duration::from_millis(100));
    wait_until(&mut app, "the waiting notice", |app| app.waiting_notice().is_some());
    assert_eq!(app.requests_in_flight(), 1);
    assert!(app.session.is_none());
    let screen = format!("{:?}", render(&app));
    assert!(screen.contains("Waiting for another copy of Shopfront"), "{screen}");
    drop(holder);
    wait_until(&mut app, "the login", |app| app.session.is_some());
    assert_eq!(app.session.as_ref().map(|s| s.username()), Some("alice"));

    // Quit answers while a change waits.
    let _holder = LockHolder::hold(dir.path());
    press_now(&mut app, KeyCode::Char('a'));
    press_now(&mut app, KeyCode::Char('q'));
    assert!(app.should_quit);
}

fn render(app: &App) -> ratatui::buffer::Buffer {
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).unwrap();
    terminal.draw(|frame| shopfront::ui::draw(frame, app, &shopfront::ui::Theme::PLAIN)).unwrap();
    terminal.backend().buffer().clone()
}

/// A shop opened while another copy holds the folder (it took the lock
/// between our reading the files and serving them) shows the catalog it
/// read, not an empty one.
#[test]
fn a_shop_served_while_another_copy_holds_the_folder_shows_its_catalog() {
    use shopfront::shop::ShopService;
    let dir = temp_dir();
    let mut store = open(dir.path());
    let products = store.data().products.len();
    assert!(products > 0, "the demo catalog");
    let _holder = LockHolder::hold(dir.path());
    store.set_lock_wait(shopfront::store::LockWait::Impatient);
    let shop = ShopService::over_folder(store);
    assert_eq!(shop.catalog().len(), products);
}

/// Sessions share the worker threads: one whose request waits for its
/// folder holds up no other session's requests.
#[test]
fn a_session_waiting_for_its_folder_holds_up_no_other() {
    let (busy_dir, mut waiting) = logged_in_shop(100, 30);
    let (_dir, mut other) = logged_in_shop(100, 30);
    let holder = LockHolder::hold(busy_dir.path());
    press_now(&mut waiting, KeyCode::Char('a'));
    wait_until(&mut waiting, "the waiting notice", |app| app.waiting_notice() == Some(WAITING_NOTICE));
    press_now(&mut other, KeyCode::Char('a'));
    wait_until(&mut other, "the other session's add", |app| app.requests_in_flight() == 0);
    assert_eq!(other.current_cart().items.len(), 1, "made while the first session waits");
    assert_eq!(waiting.requests_in_flight(), 1, "the first one still waits");
    drop(holder);
    wait_until(&mut waiting, "the add", |app| app.requests_in_flight() == 0);
    assert_eq!(waiting.current_cart().items.len(), 1);
}

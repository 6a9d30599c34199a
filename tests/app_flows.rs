//! The app without a terminal: feed keys (through the real keymap) and
//! actions, then check the state, the messages and the files written.

mod common;

use common::keys::{log_in, press, press_with, type_text};
use common::*;
use crossterm::event::{KeyCode, KeyModifiers};
use shopfront::app::{Action, App, Dialog, LoginMode, MessageKind, Screen};
use shopfront::domain::{Money, OrderStatus};

/// Every cell of the screen `app` draws at `width`×`height`, row after row.
fn screen_text(app: &App, width: u16, height: u16) -> String {
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(width, height)).unwrap();
    terminal.draw(|frame| shopfront::ui::draw(frame, app, &shopfront::ui::Theme::PLAIN)).unwrap();
    terminal.backend().buffer().content().iter().map(|c| c.symbol()).collect()
}

fn message(app: &App) -> String {
    app.message.as_ref().map(|m| m.text.clone()).unwrap_or_default()
}

fn error(app: &App) -> String {
    match &app.message {
        Some(m) if m.kind == MessageKind::Error => m.text.clone(),
        other => panic!("expected an error message, got {other:?}"),
    }
}

fn fresh_app(dir: &std::path::Path) -> App {
    app_on(open(dir), 100, 30)
}

/// Empties every field of the login form with keys (Ctrl-U in each) and
/// leaves the focus on the first one.
fn clear_login_form(app: &mut App) {
    for _ in 0..app.login.field_count() {
        press_with(app, KeyCode::Char('u'), KeyModifiers::CONTROL);
        press(app, KeyCode::Tab);
    }
    while app.login.focus != 0 {
        press(app, KeyCode::Tab);
    }
}

#[test]
fn create_account_validates_in_field_order_then_logs_in() {
    let dir = temp_dir();
    let mut app = fresh_app(dir.path());
    press_with(&mut app, KeyCode::Char('n'), KeyModifiers::CONTROL);
    assert_eq!(app.login.mode, LoginMode::CreateAccount);
    let attempt = |app: &mut App, user: &str, pw: &str, confirm: &str| {
        clear_login_form(app);
        type_text(app, user);
        press(app, KeyCode::Tab);
        type_text(app, pw);
        press(app, KeyCode::Down);
        type_text(app, confirm);
        press(app, KeyCode::Enter);
        app.login.error.clone().unwrap_or_default()
    };
    assert_eq!(attempt(&mut app, "al", "secret1", "secret1"), "Username must be 3–32 characters");
    assert_eq!(
        attempt(&mut app, "al ice", "secret1", "secret1"),
        "Username may only use letters a–z, digits, '_', '.' and '-'"
    );
    assert_eq!(
        attempt(&mut app, "ålice", "secret1", "secret1"),
        "Username may only use letters a–z, digits, '_', '.' and '-'"
    );
    assert_eq!(attempt(&mut app, "alice", "short", "short"), "Password must be at least 6 characters");
    assert_eq!(attempt(&mut app, "alice", "secret1", "secret2"), "Passwords do not match");
    assert!(app.session.is_none());
    assert_eq!(attempt(&mut app, "alice", "secret1", "secret1"), "");
    assert_eq!(app.session.as_ref().map(|s| s.username()), Some("alice"));
    assert_eq!(app.screen, Screen::Catalog);
    assert_eq!(message(&app), "Account created — welcome, alice");
    assert!(read(dir.path(), "users.json").contains("\"username\":\"alice\""));

    press(&mut app, KeyCode::Char('L'));
    assert_eq!(app.screen, Screen::Login);
    press_with(&mut app, KeyCode::Char('n'), KeyModifiers::CONTROL);
    assert_eq!(attempt(&mut app, "ALICE", "another1", "another1"), "That username is taken");
    // Like every other refusal, it keeps both passwords: only the name needs changing.
    assert_eq!((app.login.password.value(), app.login.confirm.value()), ("another1", "another1"));
    assert_eq!(app.login.focus, 0, "on the username");
    press_with(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    type_text(&mut app, "alice2");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.session.as_ref().map(|s| s.username()), Some("alice2"));
    assert_eq!((app.login.password.value(), app.login.confirm.value()), ("", ""), "gone once in");
}

/// A login that must wait its turn (failed logins before it from this
/// address) says so as soon as the shop has said how long, with the seconds
/// left, instead of a long "Working…" (it showed nothing else for up to a
/// minute).
#[test]
fn a_throttled_login_says_how_long_it_waits() {
    use common::keys::press_now;
    let dir = temp_dir();
    let mut store = open(dir.path());
    store.register("alice", "s3cret!").unwrap();
    let mut app = app_on(store, 80, 24);
    app.set_origin("10.0.0.9".into());
    let attempt = |app: &mut App, pw: &str, settle: bool| {
        clear_login_form(app);
        type_text(app, "alice");
        press(app, KeyCode::Tab);
        type_text(app, pw);
        if settle { press(app, KeyCode::Enter) } else { press_now(app, KeyCode::Enter) }
    };
    for _ in 0..3 {
        attempt(&mut app, "nope!!", true);
        assert!(app.login_wait_notice().is_none());
    }
    attempt(&mut app, "nope!!", false);
    // The wait is asked of the shop on the worker, just before the login.
    let asked = std::time::Instant::now();
    while app.login_wait_notice().is_none() && asked.elapsed() < std::time::Duration::from_secs(2) {
        app.poll_results();
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    let notice = app.login_wait_notice().unwrap_or_default();
    assert!(notice.starts_with("Too many failed logins — checking your password in"), "{notice}");
    let screen = screen_text(&app, 80, 24);
    assert!(screen.contains("Too many failed logins"), "{screen}");
    app.settle();
    assert!(app.login_wait_notice().is_none(), "gone with the answer");
    assert_eq!(app.login.error.as_deref(), Some("Wrong username or password"));
}

#[test]
fn login_errors_do_not_reveal_which_part_was_wrong() {
    let dir = temp_dir();
    let mut store = open(dir.path());
    store.register("alice", "s3cret!").unwrap();
    let mut app = app_on(store, 80, 24);
    let mut attempt = |user: &str, pw: &str| {
        clear_login_form(&mut app);
        type_text(&mut app, user);
        press(&mut app, KeyCode::Enter); // Enter on the first field moves on
        type_text(&mut app, pw);
        press(&mut app, KeyCode::Enter);
        (app.login.error.clone().unwrap_or_default(), app.login.password.value().to_string())
    };
    assert_eq!(attempt("alice", "nope!!"), ("Wrong username or password".to_string(), String::new()));
    assert_eq!(attempt("mallory", "nope!!").0, "Wrong username or password");
    assert_eq!(attempt("", "x").0, "Enter a username");
    assert_eq!(attempt("alice", "s3cret!").0, "");
    assert!(app.session.is_some());
}

#[test]
fn esc_on_the_login_form_quits() {
    let dir = temp_dir();
    let mut app = fresh_app(dir.path());
    press(&mut app, KeyCode::Esc);
    assert!(app.should_quit);
}

#[test]
fn legacy_account_logs_in_with_its_old_password() {
    let dir = temp_dir();
    let legacy = copy_legacy_fixture(dir.path());
    let mut app = fresh_app(&legacy);
    common::keys::log_in(&mut app, "dana", "hunter22");
    assert!(app.session.is_some(), "{:?}", app.login.error);
    assert!(!read(&legacy, "users.json").contains("hunter22"));
    press(&mut app, KeyCode::Char('o'));
    let order = app.order(&app.orders.ids[0]).unwrap();
    assert_eq!(order.total.shown(&app.settings().currency()).to_string(), "$0.50");
}

#[test]
fn filter_narrows_live_and_keeps_the_selection() {
    let (_dir, mut app) = logged_in_shop(100, 30);
    let total = app.catalog.total;
    assert_eq!(app.catalog.hits.len(), total);
    press(&mut app, KeyCode::Char('/'));
    assert!(app.catalog.filter_focused);
    // Shortcut letters are typed into the filter.
    type_text(&mut app, "q");
    assert_eq!(app.catalog.query.value(), "q");
    assert!(!app.should_quit);
    press(&mut app, KeyCode::Backspace);
    type_text(&mut app, "usb");
    let names: Vec<String> = (0..app.catalog.hits.len()).map(|i| app.hit_product(i).unwrap().name.clone()).collect();
    // Exact substrings rank above scattered fuzzy matches ("trUe wireleSs earBuds").
    assert!(names[..4].iter().all(|n| n.to_lowercase().contains("usb")), "{names:?}");
    assert_eq!(names.last().map(String::as_str), Some("True Wireless Earbuds"));
    // Select the flash drive, then type more: it stays selected.
    let flash = names.iter().position(|n| n == "USB Flash Drive 64 GB").expect("flash drive listed");
    press(&mut app, KeyCode::Enter);
    for _ in 0..flash {
        press(&mut app, KeyCode::Char('j'));
    }
    assert_eq!(app.selected_product().unwrap().name, "USB Flash Drive 64 GB");
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, " fla");
    assert_eq!(app.selected_product().unwrap().name, "USB Flash Drive 64 GB");
    type_text(&mut app, "zzz");
    assert!(app.catalog.hits.is_empty());
    assert!(app.selected_product().is_none());
    press(&mut app, KeyCode::Esc);
    assert!(!app.catalog.filter_focused);
    assert_eq!(app.catalog.query.value(), "usb flazzz", "Esc leaves the filter and keeps it");
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.catalog.query.value(), "", "a second Esc clears it");
    assert_eq!(app.catalog.hits.len(), total);
    app.update(Action::Paste("usb\ncab".into()));
    assert_eq!(app.catalog.query.value(), "usb cab");
    assert_eq!(app.selected_product().unwrap().name, "USB-C Cable");
}

#[test]
fn navigation_keys_and_tabs() {
    let (_dir, mut app) = logged_in_shop(80, 24);
    let len = app.catalog.hits.len();
    press(&mut app, KeyCode::End);
    assert_eq!(app.catalog.cursor.selected, len - 1);
    press(&mut app, KeyCode::Char('g'));
    assert_eq!(app.catalog.cursor.selected, 0);
    press(&mut app, KeyCode::PageDown);
    let page = app.catalog.cursor.selected;
    assert!(page >= 5, "a page moves several rows ({page})");
    press(&mut app, KeyCode::Char('G'));
    assert_eq!(app.catalog.cursor.selected, len - 1);
    assert!(app.catalog.cursor.offset > 0, "scrolled to show the last row");
    press(&mut app, KeyCode::Char('2'));
    assert_eq!(app.screen, Screen::Cart);
    press(&mut app, KeyCode::Char('3'));
    assert_eq!(app.screen, Screen::Orders);
    press(&mut app, KeyCode::Char('1'));
    assert_eq!(app.screen, Screen::Catalog);
    press(&mut app, KeyCode::Char('?'));
    assert!(app.help_open());
    press(&mut app, KeyCode::Char('c'));
    assert_eq!(app.screen, Screen::Catalog, "keys other than close do nothing under help");
    press(&mut app, KeyCode::Esc);
    assert!(!app.help_open());
    press(&mut app, KeyCode::F(12));
    assert!(app.stats.visible);
    press(&mut app, KeyCode::Char('q'));
    assert!(app.should_quit);
}

#[test]
fn mouse_selects_rows_and_tabs_and_scrolls() {
    let (_dir, mut app) = logged_in_shop(80, 24);
    // Rows start below the header (1), filter (3), list border (1) and column header (1).
    app.update(Action::Click { column: 10, row: 8 });
    assert_eq!(app.catalog.cursor.selected, 2);
    app.update(Action::Scroll { column: 10, row: 8, down: true });
    assert_eq!(app.catalog.cursor.selected, 5);
    app.update(Action::Click { column: 26, row: 0 });
    assert_eq!(app.screen, Screen::Cart, "clicked the Cart tab");
    app.update(Action::Click { column: 36, row: 0 });
    assert_eq!(app.screen, Screen::Orders);
}

#[test]
fn product_detail_quantity_and_stock_limit() {
    let (dir, mut app) = logged_in_shop(80, 24);
    // Laptop Stand: 3 in stock.
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "laptop stand");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Product);
    press(&mut app, KeyCode::Char('-'));
    assert_eq!(error(&app), "Quantity must be at least 1");
    press(&mut app, KeyCode::Char('+'));
    press(&mut app, KeyCode::Char('+'));
    assert_eq!(app.product.qty, 3);
    press(&mut app, KeyCode::Char('+'));
    assert_eq!(error(&app), "Only 3 of Laptop Stand available");
    press(&mut app, KeyCode::Char('-'));
    press(&mut app, KeyCode::Char('a'));
    assert_eq!(message(&app), "Added 2 × Laptop Stand to your cart (2 in cart)");
    assert_eq!(app.product.qty, 1, "the chooser now offers at most the 1 left");
    press(&mut app, KeyCode::Char('+'));
    assert_eq!(error(&app), "Only 1 more of Laptop Stand can be added (you have 2 in your cart)");
    assert!(read(dir.path(), "carts.json").contains(r#""qty":2"#));
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Catalog);
    // Out of stock from the catalog list.
    press(&mut app, KeyCode::Char('/'));
    press_with(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    type_text(&mut app, "mechanical keyboard");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('a'));
    assert_eq!(error(&app), "Mechanical Keyboard is out of stock");
}

#[test]
fn cart_edits_and_checkout() {
    let (dir, mut app) = logged_in_shop(80, 24);
    press(&mut app, KeyCode::Char('c'));
    press(&mut app, KeyCode::Char('p'));
    assert_eq!(error(&app), "Your cart is empty");
    press(&mut app, KeyCode::Char('d'));
    assert_eq!(error(&app), "Your cart is empty");
    press(&mut app, KeyCode::Char('1'));
    press(&mut app, KeyCode::Char('a')); // USB-C Cable $9.99
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Char('a')); // Wireless Mouse $24.99
    press(&mut app, KeyCode::Char('c'));
    press(&mut app, KeyCode::Char('+'));
    press(&mut app, KeyCode::Char('+'));
    assert_eq!(app.current_cart().qty_of("P1001"), 3);
    press(&mut app, KeyCode::Char('-'));
    assert_eq!(app.current_cart().qty_of("P1001"), 2);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Char('-'));
    assert_eq!(error(&app), "Quantity must be at least 1 — press d or Del to remove the line");
    press(&mut app, KeyCode::Char('d'));
    assert_eq!(message(&app), "Removed Wireless Mouse from your cart");
    assert_eq!(app.current_cart().items.len(), 1);
    common::keys::to_review(&mut app, common::TEST_CARD);
    assert_eq!(app.screen, Screen::Checkout);
    assert_eq!(app.checkout.step, shopfront::app::CheckoutStep::Review);
    let quote = app.quote().unwrap().clone();
    // Two cables at $9.99, and $5.00 shipping below $50.00.
    assert_eq!(
        (quote.subtotal, quote.shipping, quote.total),
        (Money::from_cents(1998), Money::from_cents(500), Money::from_cents(2498))
    );
    assert_eq!(quote.lines.len(), 1);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Cart, "Esc steps back to the cart");
    assert!(read(dir.path(), "orders.json").is_empty(), "nothing placed");
    common::keys::check_out(&mut app);
    assert_eq!(message(&app), "Order O0001 placed and paid — $24.98");
    assert!(app.current_cart().is_empty());
    assert!(read(dir.path(), "orders.json").contains(r#""order_id":"O0001""#));
    assert_eq!(app.product("P1001").unwrap().stock, 28);
}

#[test]
fn checkout_problems_are_shown_and_the_adjusted_cart_confirmed_again() {
    let (dir, mut app) = logged_in_shop(80, 24);
    press(&mut app, KeyCode::Char('a'));
    press(&mut app, KeyCode::Char('a')); // 2 × USB-C Cable
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "laptop stand");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('a'));
    press(&mut app, KeyCode::Char('a')); // 2 × Laptop Stand (3 in stock)
    press(&mut app, KeyCode::Char('c'));
    common::keys::to_review(&mut app, common::TEST_CARD);
    // Meanwhile another copy: the stand sells down to 1, the cable gets dearer.
    let mut other = open(dir.path());
    other.register("bob", "b0b-pass").unwrap();
    let bobs = other.add_to_cart("bob", "P1004", 2).unwrap();
    other.checkout("bob", &paying(quoted(&bobs.items))).unwrap();
    let text = read(dir.path(), "products.json").replace(r#""price":9.99,"stock":30"#, r#""price":10.49,"stock":30"#);
    std::fs::write(dir.path().join("products.json"), text).unwrap();

    press(&mut app, KeyCode::Char('y'));
    let Some(Dialog::CheckoutProblems { problems }) = app.dialog.clone() else { panic!("{:?}", app.dialog) };
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(text, ["USB-C Cable: price changed $9.99 → $10.49", "Laptop Stand: only 1 available (you wanted 2)"]);
    assert!(!read(dir.path(), "orders.json").contains("\"username\":\"alice\""), "nothing placed");
    press(&mut app, KeyCode::Char('y'));
    assert_eq!(app.checkout.step, shopfront::app::CheckoutStep::Review, "back on the review");
    let quote = app.quote().unwrap().clone();
    assert_eq!(quote.total, Money::from_cents(2 * 1049 + 3400), "the shopper sees the new total (free shipping)");
    assert_eq!(quote.lines.len(), 2);
    press(&mut app, KeyCode::Char('y'));
    assert_eq!(message(&app), "Order O0002 placed and paid — $54.98");
}

#[test]
fn orders_detail_cancel_and_receipt() {
    let (dir, mut app) = logged_in_shop(80, 24);
    press(&mut app, KeyCode::Char('o'));
    press(&mut app, KeyCode::Enter);
    assert_eq!(error(&app), "You have no orders yet");
    for _ in 0..2 {
        press(&mut app, KeyCode::Char('1'));
        press(&mut app, KeyCode::Char('a'));
        press(&mut app, KeyCode::Char('c'));
        common::keys::check_out(&mut app);
    }
    press(&mut app, KeyCode::Char('o'));
    assert_eq!(app.orders.ids, ["O0002", "O0001"], "newest first");
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::OrderDetail);
    assert_eq!(app.orders.detail.as_deref(), Some("O0001"));
    press(&mut app, KeyCode::Char('r'));
    assert_eq!(app.receipt.as_ref().map(|r| r.order_id.as_str()), Some("O0001"), "r shows the receipt");
    assert!(!dir.path().join("receipts").exists(), "and writes nothing by itself");
    press(&mut app, KeyCode::Char('w'));
    let receipt = std::fs::read_to_string(dir.path().join("receipts/O0001.txt")).unwrap();
    assert!(receipt.contains("1 × USB-C Cable @ $9.99 = $9.99"), "{receipt}");
    assert!(receipt.lines().any(|l| l == "Total:                          $14.99"), "{receipt}");
    assert!(receipt.contains("Paid with Visa •••• 4242") && !receipt.contains("4242 4242"), "{receipt}");
    assert!(message(&app).starts_with("Receipt written to ") && message(&app).ends_with("receipts/O0001.txt"));
    press(&mut app, KeyCode::Esc);
    assert!(app.receipt.is_none() && app.screen == Screen::OrderDetail, "Esc closes the receipt");
    press(&mut app, KeyCode::Char('x'));
    assert_eq!(
        app.dialog,
        Some(Dialog::ConfirmCancel {
            order_id: "O0001".into(),
            refund: Some("$14.99 to Visa •••• 4242".into()),
            restock: false
        })
    );
    press(&mut app, KeyCode::Char('y'));
    // Money, not stock: the shopper was told "its items go back in stock".
    assert_eq!(message(&app), "Order O0001: Cancelled — $14.99 refunded to Visa •••• 4242");
    assert_eq!(app.order("O0001").unwrap().status, OrderStatus::Cancelled);
    // The order's history says where the money went.
    for _ in 0..40 {
        press(&mut app, KeyCode::Down);
    }
    let screen = screen_text(&app, 100, 30);
    assert!(screen.contains("cancelled  by alice"), "{screen}");
    assert!(screen.contains("$14.99 refunded to Visa •••• 4242"), "{screen}");
    let hints: Vec<&str> = app.footer_hints().iter().map(|(_, hint)| *hint).collect();
    assert!(!hints.contains(&"cancel order"), "no hint for what cannot happen: {hints:?}");
    assert!(hints.contains(&"receipt"), "{hints:?}");
    assert_eq!(app.product("P1001").unwrap().stock, 29);
    press(&mut app, KeyCode::Char('x'));
    assert_eq!(error(&app), "Order O0001 is cancelled; only an order that has not shipped can be cancelled");
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Orders);
}

#[test]
fn another_copys_changes_show_up_on_the_next_action() {
    let (dir, mut app) = logged_in_shop(80, 24);
    let before = app.catalog.total;
    let text = read(dir.path(), "products.json").replacen(
        "[\n",
        "[\n{\"product_id\":\"P9001\",\"name\":\"Brand New Gadget\",\"price\":5,\"stock\":2,\"category\":\"New\"},\n",
        1,
    );
    std::fs::write(dir.path().join("products.json"), text).unwrap();
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "brand new");
    assert_eq!(app.catalog.total, before + 1);
    assert_eq!(app.selected_product().map(|p| p.name.as_str()), Some("Brand New Gadget"));
}

#[test]
fn a_damaged_file_while_running_is_reported_not_overwritten() {
    let (dir, mut app) = logged_in_shop(80, 24);
    std::fs::write(dir.path().join("carts.json"), "[{oops").unwrap();
    press(&mut app, KeyCode::Char('a'));
    // Not the shopper's doing: reported as something broken, not as a refusal.
    let message = app.message.clone().expect("a message");
    assert_eq!(message.kind, MessageKind::Failure, "{message:?}");
    assert!(message.text.contains("carts.json:1:3"), "{}", message.text);

    assert_eq!(read(dir.path(), "carts.json"), "[{oops");
}

#[test]
fn huge_catalogs_filter_on_a_worker_thread() {
    let (dir, mut app) = logged_in_shop(80, 24);
    let mut inline = app_on(open(dir.path()), 80, 24);
    app.set_filter_worker_from(1);
    assert!(matches!(app.catalog.engine, shopfront::app::FilterEngine::Worker(_)));
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "usb");
    assert_eq!(app.catalog.query.value(), "usb", "typing is echoed at once");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while app.catalog.pending {
        app.poll_filter();
        assert!(std::time::Instant::now() < deadline, "the worker answers");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    common::keys::log_in(&mut inline, "alice", "s3cret!");
    press(&mut inline, KeyCode::Char('/'));
    type_text(&mut inline, "usb");
    assert_eq!(app.catalog.hits, inline.catalog.hits, "same answer as matching inline");
    // Clearing the query needs no worker.
    press_with(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    assert!(!app.catalog.pending);
    assert_eq!(app.catalog.hits.len(), app.catalog.total);
}

#[test]
fn long_detail_pages_scroll() {
    let (_dir, mut app) = logged_in_shop(60, 16);
    // An order with many lines: taller than a 60×16 screen.
    for _ in 0..12 {
        press(&mut app, KeyCode::Char('a'));
        press(&mut app, KeyCode::Char('j'));
    }
    press(&mut app, KeyCode::Char('c'));
    common::keys::check_out(&mut app);
    press(&mut app, KeyCode::Char('o'));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::OrderDetail);
    assert_eq!(app.detail_scroll, 0);
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::PageDown);
    assert!(app.detail_scroll > 1, "scrolled to {}", app.detail_scroll);
    press(&mut app, KeyCode::End);
    let bottom = app.detail_scroll;
    press(&mut app, KeyCode::Down);
    assert_eq!(app.detail_scroll, bottom, "stops at the end");
    press(&mut app, KeyCode::Home);
    assert_eq!(app.detail_scroll, 0);
}

#[test]
fn messages_clear_after_a_few_seconds() {
    let (_dir, mut app) = logged_in_shop(80, 24);
    app.set_message_lifetime(std::time::Duration::from_millis(50));
    press(&mut app, KeyCode::Char('a'));
    assert!(message(&app).starts_with("Added 1 × USB-C Cable"), "{}", message(&app));
    app.update(Action::Tick);
    assert!(app.message.is_some(), "still fresh");
    std::thread::sleep(std::time::Duration::from_millis(80));
    app.update(Action::Tick);
    assert!(app.message.is_none(), "an old message must not linger: {:?}", app.message);
}

#[test]
fn a_username_error_keeps_the_passwords_typed() {
    let dir = temp_dir();
    let mut app = fresh_app(dir.path());
    press_with(&mut app, KeyCode::Char('n'), KeyModifiers::CONTROL);
    type_text(&mut app, "al");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "secret1");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "secret1");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.login.error.as_deref(), Some("Username must be 3–32 characters"));
    assert_eq!(app.login.focus, 0, "back on the username");
    assert_eq!((app.login.password.value(), app.login.confirm.value()), ("secret1", "secret1"));
    type_text(&mut app, "ice");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.session.as_ref().map(|s| s.username()), Some("alice"), "{:?}", app.login.error);
}

#[test]
fn the_quantity_chooser_counts_what_is_already_in_the_cart() {
    let dir = temp_dir();
    write_products(dir.path(), &[("P1", "Lamp", "20.00", 3), ("P2", "Gone Lamp", "20.00", 0)]);
    let mut store = open(dir.path());
    store.register("alice", "s3cret!").unwrap();
    let mut app = app_on(store, 80, 24);
    common::keys::log_in(&mut app, "alice", "s3cret!");
    press(&mut app, KeyCode::Char('a')); // 1 of 3 in the cart
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Product);
    press(&mut app, KeyCode::Char('+'));
    assert_eq!(app.product.qty, 2);
    press(&mut app, KeyCode::Char('+'));
    assert_eq!(app.product.qty, 2, "only 2 more can be added");
    assert_eq!(error(&app), "Only 2 more of Lamp can be added (you have 1 in your cart)");
    press(&mut app, KeyCode::Char('a'));
    assert_eq!(app.current_cart().qty_of("P1"), 3);
    // Everything in stock is in the cart: the page says so and offers no add.
    let hints: Vec<&str> = app.footer_hints().iter().map(|(_, h)| *h).collect();
    assert!(!hints.contains(&"add to cart"), "{hints:?}");
    press(&mut app, KeyCode::Char('a'));
    assert_eq!(error(&app), "All 3 of Lamp in stock are already in your cart");
    assert_eq!(app.current_cart().qty_of("P1"), 3);
    // An out-of-stock product: why, and no add.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.product.product_id, "P2");
    let hints: Vec<&str> = app.footer_hints().iter().map(|(_, h)| *h).collect();
    assert!(!hints.contains(&"add to cart") && !hints.contains(&"more"), "{hints:?}");
    press(&mut app, KeyCode::Char('a'));
    assert_eq!(error(&app), "Gone Lamp is out of stock");
}

#[test]
fn a_returning_shopper_uses_the_saved_address_and_card() {
    let (dir, mut app) = logged_in_shop(80, 24);
    press(&mut app, KeyCode::Char('a'));
    press(&mut app, KeyCode::Char('c'));
    press(&mut app, KeyCode::Char('p'));
    common::keys::fill_form(&mut app, &common::keys::ADDRESS);
    // Card form: the name is filled from the address; tick "Remember".
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "5555 5555 5555 4444");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "12/39");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "123");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Char(' '));
    press_with(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    press(&mut app, KeyCode::Char('y'));
    assert!(message(&app).starts_with("Order O0001 placed and paid"), "{}", message(&app));
    let users = read(dir.path(), "users.json");
    assert!(users.contains(r#""cards":[{"brand":"mastercard","last4":"4444","expiry":{"year":2039,"month":12}}]"#));
    assert!(!users.contains("5555") && !users.contains("\"123\""), "{users}");

    press(&mut app, KeyCode::Char('1'));
    press(&mut app, KeyCode::Char('a'));
    press(&mut app, KeyCode::Char('c'));
    press(&mut app, KeyCode::Char('p'));
    assert_eq!(app.checkout.profile.addresses.len(), 1, "the saved address is offered");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.checkout.step, shopfront::app::CheckoutStep::Payment);
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "99");
    press(&mut app, KeyCode::Enter);
    assert_eq!(form_error(&app), "The CVC is the 3 digits on the card");
    type_text(&mut app, "9");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.checkout.step, shopfront::app::CheckoutStep::Review);
    press(&mut app, KeyCode::Enter);
    assert!(message(&app).starts_with("Order O0002 placed and paid"), "{}", message(&app));
    let order = app.order("O0002").unwrap();
    assert_eq!(order.payment.as_ref().map(|p| p.label()), Some("Mastercard •••• 4444".to_string()));
}

fn form_error(app: &App) -> String {
    match &app.form {
        Some(shopfront::app::Form::Fields(form)) => form.error.clone().unwrap_or_default(),
        other => panic!("no checkout form open: {other:?}"),
    }
}

#[test]
fn esc_in_checkout_forms_keeps_what_was_typed() {
    let (_dir, mut app) = logged_in_shop(80, 24);
    press(&mut app, KeyCode::Char('a'));
    press(&mut app, KeyCode::Char('c'));
    press(&mut app, KeyCode::Char('p'));
    type_text(&mut app, "Ada Lovelace");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "12 Main St");
    press(&mut app, KeyCode::Esc);
    assert!(app.dialog.is_none() && app.form.is_none(), "no question, the form steps back");
    // No saved address to choose from: back to the cart.
    assert_eq!(app.screen, Screen::Cart);
    press(&mut app, KeyCode::Char('p'));
    let Some(shopfront::app::Form::Fields(form)) = &app.form else { panic!("{:?}", app.form) };
    assert_eq!((form.value(0), form.value(1)), ("Ada Lovelace", "12 Main St"));
    // Finish it; a declined card comes back with its name and expiry, not its number.
    press(&mut app, KeyCode::Esc);
    common::keys::to_review(&mut app, "4000 0000 0000 0002");
    press(&mut app, KeyCode::Char('y'));
    assert_eq!(app.checkout.step, shopfront::app::CheckoutStep::Payment);
    // The card form is open again at once.
    let Some(shopfront::app::Form::Fields(form)) = &app.form else { panic!("{:?}", app.form) };
    assert_eq!((form.value(0), form.value(1), form.value(2), form.value(3)), ("Ada Lovelace", "", "12/39", ""));
}

/// Logging out of a session an SSH key opened asks about the key: `y`
/// forgets it and logs out, `n` keeps it and logs out, Esc stays logged in
/// (Esc logged out, though the dialog said "n or Esc … keeps it").
#[test]
fn logging_out_of_a_key_session_offers_three_answers() {
    let dir = temp_dir();
    let mut store = open(dir.path());
    store.register("sam", "sam-pass-1").unwrap();
    let fingerprint = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".to_string();
    store.link_key("sam", &fingerprint).unwrap();
    let mut app = app_on(store, 80, 24);
    let log_in_by_key = |app: &mut App| {
        app.use_ssh_key(fingerprint.clone());
        app.settle();
        assert_eq!(app.username(), Some("sam"));
    };
    log_in_by_key(&mut app);
    press(&mut app, KeyCode::Char('L'));
    assert_eq!(app.dialog, Some(Dialog::ConfirmForgetKey));
    let screen = screen_text(&app, 80, 24);
    assert!(screen.contains("y / Enter forget the key and log out"), "{screen}");
    assert!(screen.contains("n keep it and log out"), "{screen}");
    assert!(screen.contains("Esc stay logged in"), "{screen}");
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.dialog, None);
    assert_eq!(app.username(), Some("sam"), "Esc stays logged in");
    press(&mut app, KeyCode::Char('L'));
    press(&mut app, KeyCode::Char('n'));
    assert_eq!(app.username(), None, "n logs out");
    assert!(read(dir.path(), "users.json").contains(&fingerprint), "and keeps the key");
    log_in_by_key(&mut app);
    press(&mut app, KeyCode::Char('L'));
    press(&mut app, KeyCode::Char('y'));
    assert_eq!(app.username(), None, "y logs out");
    assert!(!read(dir.path(), "users.json").contains(&fingerprint), "and forgets the key");
}

/// A product archived after it went into the cart: its line shows as not
/// counted, the total leaves it out, and `p` says at once what stands in
/// the way (checkout went through address, CVC and review before refusing
/// at the last key, and the total counted it).
#[test]
fn an_archived_product_in_the_cart_is_not_counted_and_stops_checkout_at_once() {
    let dir = temp_dir();
    let mut store = open(dir.path());
    store.register("alice", "s3cret!").unwrap();
    store.add_admin("boss", "b0ss-pass").unwrap();
    store.add_to_cart("alice", "P1001", 1).unwrap(); // USB-C Cable, $9.99
    store.add_to_cart("alice", "P1002", 1).unwrap(); // Wireless Mouse, $24.99
    store.set_product_active("boss", "P1002", false).unwrap();
    let mut app = app_on(store, 100, 30);
    log_in(&mut app, "alice", "s3cret!");
    press(&mut app, KeyCode::Char('c'));
    assert_eq!(app.screen, Screen::Cart);
    let quote = app.quote().expect("a quote").clone();
    assert_eq!(quote.subtotal, Money::from_cents(999), "the archived mouse is not counted");
    let screen = screen_text(&app, 100, 30);
    assert!(screen.contains("Wireless Mouse (no longer sold — not counted)"), "{screen}");
    press(&mut app, KeyCode::Char('p'));
    assert_eq!(app.screen, Screen::Cart, "no address form");
    match &app.dialog {
        Some(Dialog::CheckoutProblems { problems }) => {
            assert_eq!(problems.len(), 1);
            assert!(problems[0].to_string().contains("Wireless Mouse"), "{}", problems[0]);
        }
        other => panic!("expected the problems at once, got {other:?}"),
    }
    // `y` takes the adjusted cart: the mouse leaves, checkout can start.
    press(&mut app, KeyCode::Char('y'));
    assert_eq!(app.current_cart().items.len(), 1);
    press(&mut app, KeyCode::Char('p'));
    assert_eq!(app.screen, Screen::Checkout);
}

fn open_form_values(app: &App) -> Vec<String> {
    match &app.form {
        Some(shopfront::app::Form::Fields(form)) => form.values(),
        other => panic!("no checkout form open: {other:?}"),
    }
}

/// Esc steps back through the whole checkout keeping what was typed: the
/// address after Ctrl-S (it showed only "n adds a new address" and `n` a
/// blank form), the card with its number, CVC and "Remember this card"
/// from the review; after a declined card, leaving and coming back keeps
/// the address (never the card's number).
#[test]
fn esc_back_through_the_whole_checkout_keeps_every_draft() {
    use common::keys::{ADDRESS, fill_form};
    use shopfront::app::CheckoutStep;
    let (_dir, mut app) = logged_in_shop(80, 24);
    press(&mut app, KeyCode::Char('a'));
    press(&mut app, KeyCode::Char('c'));
    press(&mut app, KeyCode::Char('p'));
    fill_form(&mut app, &ADDRESS);
    assert_eq!(app.checkout.step, CheckoutStep::Payment);
    press(&mut app, KeyCode::Esc); // leaves the card form: no saved card, so back to the address
    assert_eq!(app.checkout.step, CheckoutStep::Address);
    assert_eq!(open_form_values(&app), ADDRESS, "the typed address, in its form");
    press_with(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert_eq!(app.checkout.step, CheckoutStep::Payment);
    // The card, with "Remember this card" on.
    let card = card(TEST_CARD);
    fill_form_with_toggle(&mut app, &[&card.name, &card.number, &card.expiry, &card.cvc]);
    assert_eq!(app.checkout.step, CheckoutStep::Review);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.checkout.step, CheckoutStep::Payment);
    assert_eq!(open_form_values(&app), [card.name.as_str(), &card.number, &card.expiry, &card.cvc]);
    match &app.form {
        Some(shopfront::app::Form::Fields(form)) => assert_eq!(form.toggle.map(|(_, on)| on), Some(true)),
        other => panic!("{other:?}"),
    }
    // A declined card, then leaving the checkout and coming back.
    let declined = common::card("4000 0000 0000 0002");
    fill_form(&mut app, &[&declined.name, &declined.number, &declined.expiry, &declined.cvc]);
    press(&mut app, KeyCode::Char('y'));
    assert_eq!(app.checkout.step, CheckoutStep::Payment, "declined");
    press(&mut app, KeyCode::Esc); // to the address step: its form opens with the address
    press(&mut app, KeyCode::Esc); // and no saved address: back to the cart
    assert_eq!(app.screen, Screen::Cart);
    press(&mut app, KeyCode::Char('p'));
    assert_eq!(open_form_values(&app), ADDRESS, "no address typed again");
    press_with(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    let values = open_form_values(&app);
    assert_eq!((values[1].as_str(), values[3].as_str()), ("", ""), "never the declined card's number or CVC");
    assert_eq!(values[2], "12/39");
}

/// Fills the card form and switches "Remember this card" on before saving.
fn fill_form_with_toggle(app: &mut App, values: &[&str]) {
    for (i, value) in values.iter().enumerate() {
        if i > 0 {
            press(app, KeyCode::Tab);
        }
        press(app, KeyCode::End);
        press_with(app, KeyCode::Char('u'), KeyModifiers::CONTROL);
        type_text(app, value);
    }
    press(app, KeyCode::Tab);
    press(app, KeyCode::Char(' '));
    press_with(app, KeyCode::Char('s'), KeyModifiers::CONTROL);
}

/// Issue 16, item 11: a console-shop order's lines carry no name; its
/// receipt names the products as they are called now, not by their ids.
#[test]
fn console_shop_receipts_name_the_products() {
    let dir = temp_dir();
    let folder = copy_legacy_fixture(dir.path());
    let mut app = app_on(open(&folder), 80, 24);
    common::keys::log_in(&mut app, "dana", "hunter22");
    press(&mut app, KeyCode::Char('o'));
    press(&mut app, KeyCode::Char('r'));
    press(&mut app, KeyCode::Char('w'));
    let receipt = std::fs::read_to_string(folder.join("receipts/3fa9c2d1.txt")).unwrap();
    assert!(receipt.contains("3 × USB-C Cable @ $0.10 = $0.30"), "{receipt}");
    assert!(receipt.contains("1 × Laptop Stand @ $0.20"), "{receipt}");
    assert!(!receipt.contains("P1001"), "{receipt}");
}

fn hints(app: &App) -> Vec<&'static str> {
    app.footer_hints().iter().map(|(_, hint)| *hint).collect()
}

/// The footer never offers what cannot happen (it offered `Enter open  a
/// add to cart` with no results, `+ more` at the most the cart can take,
/// `/ filter` on the Discounts and Settings tabs, and "Tab next field" in
/// a one-field form).
#[test]
fn the_footer_offers_only_what_can_happen() {
    let (_dir, mut app) = logged_in_shop(100, 30);
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "zzqqxx");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.catalog.hits.len(), 0);
    let shown = hints(&app);
    assert!(!shown.contains(&"open") && !shown.contains(&"add to cart"), "{shown:?}");
    // The product page at the most it can take.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "studio microphone");
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Product);
    let stock = app.product(&app.product.product_id).unwrap().stock;
    for _ in 1..stock {
        press(&mut app, KeyCode::Char('+'));
    }
    assert_eq!(app.product.qty, stock);
    assert!(!hints(&app).contains(&"more"), "{:?}", hints(&app));
    press(&mut app, KeyCode::Char('-'));
    assert!(hints(&app).contains(&"more"));
    // A one-field form: the promo code.
    press(&mut app, KeyCode::Char('a'));
    press(&mut app, KeyCode::Char('c'));
    press(&mut app, KeyCode::Char('%'));
    assert!(!hints(&app).contains(&"next field"), "{:?}", hints(&app));
}

#[test]
fn admin_tabs_without_a_filter_do_not_offer_one() {
    let (_dir, mut app) = common::admin_shop_at(120, 30);
    press(&mut app, KeyCode::Char('6'));
    assert_eq!(app.screen, Screen::AdminDiscounts);
    assert!(!hints(&app).contains(&"filter"), "{:?}", hints(&app));
    press(&mut app, KeyCode::Char('/'));
    assert_eq!(app.screen, Screen::AdminDiscounts, "no jump to the shop's catalog");
    press(&mut app, KeyCode::Char('7'));
    assert!(!hints(&app).contains(&"filter"), "{:?}", hints(&app));
}

/// Issue 16, item 9: after a declined card the card form opens at once,
/// saying why, with its name and expiry kept and the focus on the card
/// number (it showed a near-empty "Pay with" page, and `n` focused the name).
#[test]
fn a_declined_card_reopens_the_card_form_on_its_number() {
    use shopfront::app::{CheckoutStep, FieldsPurpose, Form};
    let (_dir, mut app) = logged_in_shop(80, 24);
    press(&mut app, KeyCode::Char('a'));
    press(&mut app, KeyCode::Char('c'));
    common::keys::to_review(&mut app, "4000 0000 0000 0002");
    press(&mut app, KeyCode::Char('y'));
    assert_eq!(app.checkout.step, CheckoutStep::Payment);
    let Some(Form::Fields(form)) = &app.form else { panic!("no card form: {:?}", app.form) };
    assert_eq!(form.purpose, FieldsPurpose::Card);
    assert_eq!(form.values(), ["Ada Lovelace", "", "12/39", ""], "the name and expiry, never the number");
    assert_eq!(form.focus, 1, "the focus on the card number");
    assert_eq!(form.error.as_deref(), Some("Your card was declined"));
    // Typing goes into the number; the form pays with the new card.
    type_text(&mut app, TEST_CARD);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "123");
    press_with(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert_eq!(app.checkout.step, CheckoutStep::Review, "{:?}", app.form);
    press(&mut app, KeyCode::Char('y'));
    assert!(message(&app).starts_with("Order O0001 placed and paid"), "{}", message(&app));
}

/// Issue 16, item 4: `r` shows the receipt (the placed page, an order's
/// page), which scrolls with ↑↓ j k PgUp PgDn Home End g G and closes with
/// Esc; `w` writes it to the data folder in a local session. Over SSH that
/// file would be on the server: the key does not exist there, the footer
/// and the help do not offer it, and nothing is written.
#[test]
fn the_receipt_is_shown_scrolls_and_is_written_only_locally() {
    use shopfront::app::keymap;
    for over_ssh in [false, true] {
        let (dir, mut app) = logged_in_shop(60, 16);
        if over_ssh {
            app.set_over_ssh();
        }
        press(&mut app, KeyCode::Char('a'));
        press(&mut app, KeyCode::Char('c'));
        common::keys::check_out(&mut app);
        press(&mut app, KeyCode::Char('r'));
        let lines = app.receipt_lines().expect("the receipt is open");
        for line in
            ["Receipt for order O0001", "Customer: alice", "1 × USB-C Cable @ $9.99 = $9.99", "  NW1 2AB London"]
        {
            assert!(lines.iter().any(|l| l == line), "{line:?} not in {lines:#?}");
        }
        // At 60×16 the receipt is taller than its box: it scrolls to its end and back.
        let rows = usize::from(app.receipt_area().height - 2);
        let end = u16::try_from(lines.len() - rows).unwrap();
        assert!(end > 0, "{lines:#?}");
        let scroll = |app: &App| app.receipt.as_ref().map(|r| r.scroll);
        for (key, expected) in [
            (KeyCode::End, end),
            (KeyCode::Char('k'), end - 1),
            (KeyCode::Char('G'), end),
            (KeyCode::Down, end),
            (KeyCode::Home, 0),
            (KeyCode::Char('j'), 1),
            (KeyCode::Up, 0),
            (KeyCode::PageDown, end.min(u16::try_from(rows - 1).unwrap())),
            (KeyCode::Char('g'), 0),
            (KeyCode::PageUp, 0),
        ] {
            press(&mut app, key);
            assert_eq!(scroll(&app), Some(expected), "{key:?}");
        }
        let hints: Vec<String> = app.footer_hints().into_iter().map(|(key, hint)| format!("{key} {hint}")).collect();
        let help = keymap::help_rows(&app.help_contexts());
        let w = crossterm::event::KeyEvent::new(KeyCode::Char('w'), KeyModifiers::NONE);
        if over_ssh {
            assert!(!hints.iter().any(|h| h.starts_with("w ")), "{hints:?}");
            assert!(!help.iter().any(|(keys, _)| keys.split(' ').any(|k| k == "w")), "{help:?}");
            assert_eq!(keymap::resolve(&app.contexts(), &w), None, "no w over SSH");
        } else {
            assert!(hints.contains(&"w write it to a file".to_string()), "{hints:?}");
        }
        press(&mut app, KeyCode::Char('w'));
        assert_eq!(dir.path().join("receipts/O0001.txt").exists(), !over_ssh, "over_ssh={over_ssh}");
        if over_ssh {
            assert!(!dir.path().join("receipts").exists());
            assert!(app.message.is_none(), "{:?}", app.message);
        }
        press(&mut app, KeyCode::Esc);
        assert!(app.receipt.is_none());
        assert_eq!(app.checkout.step, shopfront::app::CheckoutStep::Placed, "back on the placed page");
        // From the order's page.
        press(&mut app, KeyCode::Enter);
        press(&mut app, KeyCode::Enter);
        assert_eq!(app.screen, Screen::OrderDetail);
        press(&mut app, KeyCode::Char('r'));
        assert_eq!(app.receipt.as_ref().map(|r| r.order_id.as_str()), Some("O0001"));
        press(&mut app, KeyCode::Esc);
        assert_eq!((app.screen, app.receipt.is_none()), (Screen::OrderDetail, true));
    }
}

/// Issue 16, item 4: the receipt on screen carries no control character
/// from the data (a product named with escape sequences).
#[test]
fn the_receipt_on_screen_escapes_what_the_data_holds() {
    let dir = temp_dir();
    write_products(dir.path(), &[("P1", "Lamp\\u001b[2J\\u0007", "5.00", 3)]);
    let mut store = open(dir.path());
    store.register("alice", "s3cret!").unwrap();
    let mut app = app_on(store, 80, 24);
    log_in(&mut app, "alice", "s3cret!");
    press(&mut app, KeyCode::Char('a'));
    press(&mut app, KeyCode::Char('c'));
    common::keys::check_out(&mut app);
    press(&mut app, KeyCode::Char('r'));
    let lines = app.receipt_lines().expect("open");
    assert!(lines.iter().any(|l| l.contains("Lamp\\u{1b}[2J\\u{7}")), "{lines:#?}");
    assert!(lines.iter().all(|l| !l.chars().any(char::is_control)), "{lines:#?}");
    let screen = screen_text(&app, 80, 24);
    assert!(screen.contains("Receipt for order O0001") && !screen.chars().any(char::is_control), "{screen}");
}

/// A change to another shopper's cart or orders does not send this
/// session to the store; a change to its own (from another session) does.
#[test]
fn a_session_reads_again_only_what_changed_for_it() {
    let dir = temp_dir();
    write_products(dir.path(), &[("P1", "Mug", "4.50", 50)]);
    let mut store = open(dir.path());
    store.register("alice", "s3cret!").unwrap();
    store.register("bob", "b0b-pass").unwrap();
    store.set_lock_wait(shopfront::store::LockWait::Impatient);
    let shop = shopfront::shop::ShopService::over_folder(store);
    let mut app = shopfront::app::App::new(shop.clone(), ratatui::layout::Rect::new(0, 0, 80, 24));
    log_in(&mut app, "alice", "s3cret!");
    assert!(app.session.is_some());
    let before = app.stats.rereads;
    let bob = shop.login("bob", "b0b-pass").unwrap();
    shop.add_to_cart(&bob, "P1", 1).unwrap();
    shop.checkout(&bob, &paying(shop.quote(&bob, None).unwrap())).unwrap();
    app.update(Action::Tick);
    app.settle();
    assert_eq!(app.stats.rereads, before, "bob's cart and order are not alice's");
    // Alice's own cart, changed in another session of hers.
    let alice = shop.login("alice", "s3cret!").unwrap();
    shop.add_to_cart(&alice, "P1", 2).unwrap();
    app.update(Action::Tick);
    app.settle();
    assert_eq!(app.stats.rereads, before + 1);
    assert_eq!(app.current_cart().qty_of("P1"), 2, "and her cart shows it");
}

/// Over SSH, a shopper is told the shop's data is damaged but not where the
/// server keeps it (that is in the server's log); a local session, at the
/// machine that holds the data, is told where.
#[test]
fn a_shopper_over_ssh_is_never_shown_a_server_path() {
    for remote in [true, false] {
        let dir = temp_dir();
        let mut store = open(dir.path());
        store.register("alice", "s3cret!").unwrap();
        let mut app = app_on(store, 100, 30);
        if remote {
            app.set_origin("10.0.0.9".into());
        }
        log_in(&mut app, "alice", "s3cret!");
        assert!(app.session.is_some(), "logged in: {:?}", app.login.error);
        // Another process leaves the carts damaged.
        std::fs::write(dir.path().join("carts.json"), "{ not json").unwrap();
        press(&mut app, KeyCode::Enter);
        press(&mut app, KeyCode::Char('a'));
        app.settle();
        let said = app.message.as_ref().map(|m| m.text.clone()).unwrap_or_default();
        let folder = dir.path().display().to_string();
        let screen = screen_text(&app, 100, 30);
        if remote {
            assert!(said.contains("server's log"), "{said}");
            assert!(!said.contains(&folder) && !said.contains("carts.json"), "{said}");
            assert!(!screen.contains("carts.json"), "{screen}");
        } else {
            assert!(said.contains("carts.json"), "a local session is told where: {said}");
        }
    }
}

/// A key linked to an account that has since become an admin's opens the
/// login form at the password, and the form says why (the words were set
/// but the login screen never drew them).
#[test]
fn an_admins_key_asks_for_the_password_and_says_why() {
    let dir = temp_dir();
    let mut store = open(dir.path());
    store.register("sam", "sam-pass-1").unwrap();
    let fingerprint = "SHA256:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB".to_string();
    store.link_key("sam", &fingerprint).unwrap();
    store.add_admin("sam", "ignored").unwrap();
    let mut app = app_on(store, 80, 24);
    app.set_origin("10.0.0.9".into());
    app.use_ssh_key(fingerprint);
    app.settle();
    assert_eq!(app.username(), None, "not logged in by a key");
    assert_eq!(app.login.username.value(), "sam");
    let screen = screen_text(&app, 80, 24);
    assert!(screen.contains("sam is an admin account: log in with its password"), "{screen}");
    type_text(&mut app, "sam-pass-1");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.username(), Some("sam"));
}

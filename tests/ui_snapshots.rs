//! Every screen and overlay drawn on ratatui's TestBackend, compared with
//! the committed snapshots in tests/snapshots/.

mod common;

use common::keys::{press, type_text};
use common::*;
use crossterm::event::{KeyCode, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Modifier;
use shopfront::app::App;
use shopfront::ui::{self, Theme};

const SIZES: [(u16, u16); 2] = [(80, 24), (60, 16)];

fn render(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal.draw(|frame| ui::draw(frame, app, &Theme::PLAIN)).expect("draw");
    terminal
}

/// Snapshots `app` after `setup` at both sizes.
fn snapshot(name: &str, setup: impl Fn(&mut App)) {
    snapshot_in(name, |app, _| setup(app));
}

/// The same, for a setup that also changes the data folder behind the app.
fn snapshot_in(name: &str, setup: impl Fn(&mut App, &std::path::Path)) {
    for (width, height) in SIZES {
        let (dir, mut app) = logged_in_shop(width, height);
        setup(&mut app, dir.path());
        let terminal = render(&app, width, height);
        insta::assert_snapshot!(format!("{name}_{width}x{height}"), terminal.backend());
    }
}

#[test]
fn login_screens() {
    for (width, height) in SIZES {
        let dir = temp_dir();
        let store = open(dir.path());
        let mut app = app_on(store, width, height);
        insta::assert_snapshot!(format!("login_{width}x{height}"), render(&app, width, height).backend());
        common::keys::log_in(&mut app, "alice", "wrong!!");
        insta::assert_snapshot!(format!("login_error_{width}x{height}"), render(&app, width, height).backend());
        common::keys::press_with(&mut app, KeyCode::Char('n'), KeyModifiers::CONTROL);
        // The rules show before any failure, and the footer wraps between hints only.
        insta::assert_snapshot!(format!("create_account_{width}x{height}"), render(&app, width, height).backend());
        type_text(&mut app, "2");
        press(&mut app, KeyCode::Tab);
        type_text(&mut app, "abcdef");
        press(&mut app, KeyCode::Tab);
        type_text(&mut app, "abcdeg");
        press(&mut app, KeyCode::Enter);
        insta::assert_snapshot!(
            format!("create_account_error_{width}x{height}"),
            render(&app, width, height).backend()
        );
    }
}

#[test]
fn catalog() {
    snapshot("catalog", |_| {});
    snapshot("catalog_filtered", |app| {
        press(app, KeyCode::Char('/'));
        type_text(app, "usb cab");
    });
    snapshot("catalog_no_match", |app| {
        press(app, KeyCode::Char('/'));
        type_text(app, "zzzz");
        press(app, KeyCode::Enter);
    });
    // A query of 2,000 characters (the most a field holds) is quoted cut short.
    snapshot("catalog_no_match_long_query", |app| {
        press(app, KeyCode::Char('/'));
        type_text(app, &"verylongquery ".repeat(143));
        press(app, KeyCode::Enter);
    });
    snapshot("catalog_scrolled", |app| {
        for _ in 0..30 {
            press(app, KeyCode::Down);
        }
    });
}

#[test]
fn product_detail() {
    snapshot("product", |app| {
        press(app, KeyCode::Down);
        press(app, KeyCode::Enter);
        press(app, KeyCode::Char('+'));
    });
}

#[test]
fn cart_and_checkout() {
    snapshot("cart_empty", |app| press(app, KeyCode::Char('c')));
    let fill = |app: &mut App| {
        press(app, KeyCode::Char('a'));
        press(app, KeyCode::Char('a'));
        press(app, KeyCode::Down);
        press(app, KeyCode::Char('a'));
        press(app, KeyCode::Char('c'));
    };
    snapshot("cart", fill);
    snapshot("cart_promo_form", |app| {
        fill(app);
        press(app, KeyCode::Char('%'));
        type_text(app, "nope");
        press(app, KeyCode::Enter);
    });
    snapshot("checkout_address_form", |app| {
        fill(app);
        press(app, KeyCode::Char('p'));
    });
    snapshot("checkout_card_form", |app| {
        fill(app);
        press(app, KeyCode::Char('p'));
        common::keys::fill_form(app, &common::keys::ADDRESS);
    });
    snapshot("checkout_review", |app| {
        fill(app);
        common::keys::to_review(app, common::TEST_CARD);
    });
    snapshot("checkout_declined", |app| {
        fill(app);
        common::keys::to_review(app, "4000 0000 0000 0002");
        press(app, KeyCode::Char('y'));
    });
    snapshot("checkout_placed", |app| {
        fill(app);
        common::keys::check_out(app);
    });
    snapshot("checkout_saved_address", |app| {
        fill(app);
        common::keys::check_out(app);
        press(app, KeyCode::Char('1'));
        press(app, KeyCode::Char('a'));
        press(app, KeyCode::Char('c'));
        press(app, KeyCode::Char('p'));
    });
    snapshot_in("checkout_saved_card_cvc", |app, dir| {
        // An earlier order (another copy) saved an address and remembered a card.
        let mut store = open(dir);
        let cart = store.add_to_cart("alice", "P1005", 1).unwrap();
        let mut earlier = paying(quoted(&cart.items));
        earlier.payment = shopfront::domain::checkout::PaymentChoice::NewCard {
            card: common::card("5555 5555 5555 4444"),
            remember: true,
        };
        store.checkout("alice", &earlier).unwrap();
        fill(app);
        press(app, KeyCode::Char('p'));
        press(app, KeyCode::Enter);
        press(app, KeyCode::Enter);
        type_text(app, "12");
    });
    snapshot_in("checkout_problems", |app, dir| {
        fill(app);
        common::keys::to_review(app, common::TEST_CARD);
        // Another copy sells out the mouse and reprices the cable.
        let text = std::fs::read_to_string(dir.join("products.json")).unwrap();
        let text = text
            .replace(r#""price":24.99,"stock":12"#, r#""price":24.99,"stock":0"#)
            .replace(r#""price":9.99,"stock":30"#, r#""price":10.49,"stock":30"#);
        std::fs::write(dir.join("products.json"), text).unwrap();
        press(app, KeyCode::Char('y'));
    });
}

#[test]
fn orders() {
    snapshot("orders_empty", |app| press(app, KeyCode::Char('o')));
    let order = |app: &mut App| {
        press(app, KeyCode::Char('a'));
        press(app, KeyCode::Char('c'));
        common::keys::check_out(app);
        press(app, KeyCode::Char('o'));
    };
    snapshot("orders", order);
    snapshot("order_detail", |app| {
        order(app);
        press(app, KeyCode::Enter);
    });
    snapshot("order_cancel_confirm", |app| {
        order(app);
        press(app, KeyCode::Char('x'));
    });
}

#[test]
fn overlays() {
    snapshot("help_catalog", |app| press(app, KeyCode::Char('?')));
    snapshot("help_cart", |app| {
        press(app, KeyCode::Char('c'));
        press(app, KeyCode::Char('?'));
    });
    snapshot("stats_bar", |app| {
        press(app, KeyCode::F(12));
        app.catalog.last_filter = std::time::Duration::ZERO;
    });
}

/// Snapshots an admin's app after `setup` at both sizes.
fn admin_snapshot(name: &str, setup: impl Fn(&mut App, &std::path::Path)) {
    for (width, height) in SIZES {
        let (dir, mut app) = admin_shop_at(width, height);
        setup(&mut app, dir.path());
        insta::assert_snapshot!(format!("{name}_{width}x{height}"), render(&app, width, height).backend());
    }
}

#[test]
fn admin_tabs() {
    admin_snapshot("admin_products", |app, _| press(app, KeyCode::Char('4')));
    admin_snapshot("admin_products_filtered", |app, dir| {
        open(dir).set_product_active("boss", "P1002", false).unwrap();
        press(app, KeyCode::Char('4'));
        press(app, KeyCode::Char('/'));
        type_text(app, "mouse");
        press(app, KeyCode::Enter);
    });
    admin_snapshot("admin_orders", |app, _| press(app, KeyCode::Char('5')));
    admin_snapshot("admin_order_detail", |app, _| {
        press(app, KeyCode::Char('5'));
        press(app, KeyCode::Enter);
    });
    admin_snapshot("admin_order_advance", |app, _| {
        press(app, KeyCode::Char('5'));
        press(app, KeyCode::Char('m'));
    });
    admin_snapshot("admin_help", |app, _| {
        press(app, KeyCode::Char('4'));
        press(app, KeyCode::Char('?'));
    });
    admin_snapshot("admin_discounts_empty", |app, _| press(app, KeyCode::Char('6')));
    admin_snapshot("admin_discounts", |app, dir| {
        std::fs::write(
            dir.join("discounts.json"),
            r#"[{"code": "TEN10", "kind": "percent", "value": 10, "expires": "2026-12-31 23:59:59", "max_uses_per_user": 1},
{"code": "SHIPFREE", "kind": "free_shipping", "min_subtotal": 20.00, "max_uses": 100, "active": false},
{"code": "FIVER", "kind": "fixed", "value": 5.00},
{"code": "WINTER", "kind": "percent", "value": 20, "expires": "2026-02-28 23:59:59"},
{"code": "SPRING", "kind": "percent", "value": 15, "starts": "2026-03-21 00:00:00"}]"#,
        )
        .unwrap();
        press(app, KeyCode::Char('6'));
        press(app, KeyCode::Down);
    });
    admin_snapshot("admin_discount_form", |app, _| {
        press(app, KeyCode::Char('6'));
        press(app, KeyCode::Char('n'));
        type_text(app, "TEN10");
        press(app, KeyCode::Tab);
        type_text(app, "percent");
        press(app, KeyCode::Tab);
        type_text(app, "110");
        common::keys::press_with(app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    });
    admin_snapshot("admin_settings", |app, _| press(app, KeyCode::Char('7')));
    admin_snapshot("admin_settings_form", |app, _| {
        press(app, KeyCode::Char('7'));
        press(app, KeyCode::Char('e'));
    });
}

#[test]
fn admin_forms() {
    admin_snapshot("admin_new_product", |app, _| {
        press(app, KeyCode::Char('4'));
        press(app, KeyCode::Char('n'));
        type_text(app, "Desk Fan");
        press(app, KeyCode::Tab);
        type_text(app, "19.999");
        common::keys::press_with(app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    });
    admin_snapshot("admin_edit_product", |app, _| {
        press(app, KeyCode::Char('4'));
        press(app, KeyCode::Char('e'));
    });
    admin_snapshot("admin_restock", |app, _| {
        press(app, KeyCode::Char('4'));
        press(app, KeyCode::Char('s'));
        type_text(app, "-99");
        press(app, KeyCode::Enter);
    });
    admin_snapshot("admin_delete_confirm", |app, _| {
        press(app, KeyCode::Char('4'));
        press(app, KeyCode::Char('j'));
        press(app, KeyCode::Char('D'));
    });
    admin_snapshot("admin_discard_confirm", |app, _| {
        press(app, KeyCode::Char('4'));
        press(app, KeyCode::Char('n'));
        type_text(app, "x");
        press(app, KeyCode::Esc);
    });
}

#[test]
fn too_small() {
    let (_dir, app) = logged_in_shop(59, 15);
    insta::assert_snapshot!("too_small_59x15", render(&app, 59, 15).backend());
}

#[test]
fn selection_is_marked_without_colour() {
    let (_dir, mut app) = logged_in_shop(80, 24);
    press(&mut app, KeyCode::Down);
    let terminal = render(&app, 80, 24);
    let buffer = terminal.backend().buffer();
    // Row 7 is the second product: the marker and reverse video, no colour needed.
    let row: String = (0..80).map(|x| buffer[(x, 7)].symbol().to_string()).collect();
    assert!(row.starts_with("│▶ Wireless Mouse"), "{row}");
    let cell = &buffer[(3, 7)];
    assert!(cell.modifier.contains(Modifier::REVERSED));
    assert_eq!(cell.fg, ratatui::style::Color::Reset);
    let other = &buffer[(3, 6)];
    assert!(!other.modifier.contains(Modifier::REVERSED));
}

#[test]
fn never_panics_at_any_small_size() {
    let (_dir, mut app) = logged_in_shop(30, 10);
    type Step = Box<dyn Fn(&mut App)>;
    let mut screens: Vec<Step> = vec![
        Box::new(|_| {}),
        Box::new(|app| press(app, KeyCode::Char('?'))),
        Box::new(|app| {
            press(app, KeyCode::Char('a'));
            press(app, KeyCode::Char('c'));
        }),
        Box::new(|app| press(app, KeyCode::Char('p'))),
        Box::new(|app| press(app, KeyCode::Char('y'))),
        Box::new(|app| press(app, KeyCode::Char('o'))),
        Box::new(|app| press(app, KeyCode::Enter)),
        Box::new(|app| {
            press(app, KeyCode::Char('1'));
            press(app, KeyCode::Enter);
        }),
        Box::new(|app| press(app, KeyCode::F(12))),
    ];
    for step in screens.drain(..) {
        step(&mut app);
        for width in 1..=30 {
            for height in 1..=10 {
                app.update(shopfront::app::Action::Resize(width, height));
                render(&app, width, height);
            }
        }
    }
    // And every screen at full size once more, including login.
    app.update(shopfront::app::Action::LogOut);
    for width in 1..=30 {
        for height in 1..=10 {
            render(&app, width, height);
        }
    }
}

#[test]
fn wide_characters_keep_columns_aligned() {
    let dir = temp_dir();
    write_products(
        dir.path(),
        &[("P1", "USB-C Cable", "9.99", 5), ("P2", "日本語ケーブル", "12.50", 5), ("P3", "🎧 Headphones", "199.00", 5)],
    );
    let mut store = open(dir.path());
    store.register("alice", "s3cret!").unwrap();
    let mut app = app_on(store, 80, 24);
    common::keys::log_in(&mut app, "alice", "s3cret!");
    let terminal = render(&app, 80, 24);
    let buffer = terminal.backend().buffer();
    // The price column ends at the same cell on every row, whatever the name's width.
    let price_end = |y: u16| {
        (0..80u16).rev().find(|&x| buffer[(x, y)].symbol().starts_with(|c: char| c.is_ascii_digit()) && (x < 60))
    };
    let ends: Vec<Option<u16>> = (6..9).map(price_end).collect();
    assert!(ends.iter().all(|e| e.is_some() && *e == ends[0]), "{ends:?}\n{}", terminal.backend());
    let row: String = (0..80).map(|x| buffer[(x, 7)].symbol().to_string()).collect();
    // A wide character fills two cells; the second one holds no text of its own.
    assert!(row.replace(' ', "").contains("日本語ケーブル"), "{row}");
}

/// The largest legal numbers are shown whole in every column, never cut
/// from the left into a different number.
#[test]
fn numbers_are_never_cut() {
    let dir = temp_dir();
    write_products(dir.path(), &[("P1", "Gold Bar", "1000000.00", 1_000_000_000), ("P2", "Pin", "0.01", 1_234_567)]);
    let mut store = open(dir.path());
    store.register("alice", "s3cret!").unwrap();
    store.add_admin("boss", "b0ss-pass").unwrap();
    store.add_to_cart("boss", "P1", 999_999_999).unwrap();
    let mut app = app_on(store, 80, 24);
    common::keys::log_in(&mut app, "boss", "b0ss-pass");
    press(&mut app, KeyCode::Char('4'));
    let screen = format!("{}", render(&app, 80, 24).backend());
    for whole in ["1,000,000,000", "$1,000,000.00", "1,234,567", "$0.01"] {
        assert!(screen.contains(whole), "{whole} cut:\n{screen}");
    }
    press(&mut app, KeyCode::Char('2'));
    let screen = format!("{}", render(&app, 80, 24).backend());
    for whole in ["999,999,999", "$999,999,999,000,000.00"] {
        assert!(screen.contains(whole), "{whole} cut:\n{screen}");
    }
    press(&mut app, KeyCode::Char('1'));
    let screen = format!("{}", render(&app, 80, 24).backend());
    assert!(screen.contains("$1,000,000.00"), "{screen}");
}

/// At the minimum size every screen still shows its message line, a form
/// its error, and the whole help can be reached by scrolling.
#[test]
fn the_minimum_size_is_complete() {
    let (_dir, mut app) = admin_shop_at(60, 16);
    press(&mut app, KeyCode::Char('4'));
    press(&mut app, KeyCode::Char('n'));
    common::keys::press_with(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    let screen = format!("{}", render(&app, 60, 16).backend());
    assert!(screen.contains("✗ Name must be 1–120 characters"), "the form's error must show:\n{screen}");
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('?'));
    let rows = shopfront::app::keymap::help_rows(&app.help_contexts());
    let mut seen = String::new();
    for _ in 0..rows.len() {
        seen.push_str(&format!("{}", render(&app, 60, 16).backend()));
        press(&mut app, KeyCode::Down);
    }
    for (keys, hint) in &rows {
        assert!(seen.contains(hint), "help row {keys} {hint} never shown at 60x16:\n{seen}");
    }
    // At the end it no longer offers to scroll down.
    let last = format!("{}", render(&app, 60, 16).backend());
    assert!(last.contains("— ↑ scroll"), "{last}");
}

/// The header names who is logged in on every tab at the minimum width,
/// the admin's five tabs included.
#[test]
fn the_header_names_the_user_at_the_minimum_width() {
    let (_dir, mut app) = admin_shop_at(60, 16);
    for tab in ['1', '2', '3', '4', '5', '6', '7'] {
        press(&mut app, KeyCode::Char(tab));
        let terminal = render(&app, 60, 16);
        let buffer = terminal.backend().buffer();
        let header: String = (0..60).map(|x| buffer[(x, 0)].symbol().to_string()).collect();
        assert!(header.contains("boss"), "tab {tab}: {header}");
        assert!(header.contains("items"), "tab {tab}: {header}");
    }
}

/// The catalog keeps its Category column beside the details pane.
#[test]
fn the_category_column_shows_beside_the_details() {
    for width in [100, 110, 119, 120, 140] {
        let (_dir, app) = logged_in_shop(width, 30);
        let screen = format!("{}", render(&app, width, 30).backend());
        assert!(screen.contains(" Details "), "{width}: {screen}");
        assert!(screen.contains("Category") && screen.contains("Peripherals"), "{width}: {screen}");
    }
}

/// A popup drawn over wide characters keeps its left border: the wide
/// character it cuts in half is blanked, not left to hide the border.
#[test]
fn popups_keep_their_border_over_wide_characters() {
    let dir = temp_dir();
    let wide = "日本語".repeat(8);
    let shifted = format!("x{wide}");
    write_products(dir.path(), &[("P1", &wide, "9.99", 5), ("P2", &shifted, "12.50", 5)]);
    let mut store = open(dir.path());
    store.register("alice", "s3cret!").unwrap();
    let mut app = app_on(store, 80, 24);
    common::keys::log_in(&mut app, "alice", "s3cret!");
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("terminal");
    terminal.draw(|frame| ui::draw(frame, &app, &Theme::PLAIN)).expect("draw");
    for popup in [KeyCode::Char('?'), KeyCode::Esc, KeyCode::Char('a'), KeyCode::Char('c'), KeyCode::Char('p')] {
        press(&mut app, popup);
        // The same terminal, so only the difference is drawn, as on a real one.
        terminal.draw(|frame| ui::draw(frame, &app, &Theme::PLAIN)).expect("draw");
        let buffer = terminal.backend().buffer();
        let Some((left, top)) = (1..24).find_map(|y| (1..80).find(|&x| buffer[(x, y)].symbol() == "┌").map(|x| (x, y)))
        else {
            continue;
        };
        for y in top + 1..24 {
            let cell = buffer[(left, y)].symbol();
            if cell == "└" {
                break;
            }
            assert_eq!(cell, "│", "after {popup:?}, row {y} lost the popup's border:\n{}", terminal.backend());
        }
    }
}

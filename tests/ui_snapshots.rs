//! Every screen and overlay drawn on ratatui's TestBackend, compared with
//! the committed snapshots in tests/snapshots/.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::keys::{press, press_now, type_text};
use common::*;
use crossterm::event::{KeyCode, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use shopfront::app::keymap::Context;
use shopfront::app::layout;
use shopfront::app::{Action, App, CheckoutStep, Dialog, FieldsPurpose, Form, LoginMode, Screen, Tab, WAITING_NOTICE};
use shopfront::domain::checkout::PaymentChoice;
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

/// What the app shows, read from its public state: what each visit of
/// `never_panics_at_any_small_size` asserts it reached.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    Login(LoginMode),
    Screen(Screen),
    Checkout(CheckoutStep),
    /// A screen's filter field, focused.
    Filter(Screen),
    Help,
    Receipt,
    Dialog(&'static str),
    /// A form: `Product`, `Stock`, or what a form of fields is for.
    Form(&'static str),
}

/// The topmost thing drawn, as the app decides where keys go (`App::contexts`).
fn place(app: &App) -> Place {
    if app.screen != Screen::Login {
        if let Some(dialog) = &app.dialog {
            return Place::Dialog(dialog_name(dialog));
        }
        if app.help_open() {
            return Place::Help;
        }
        if app.receipt.is_some() {
            return Place::Receipt;
        }
        if let Some(form) = &app.form {
            return Place::Form(form_name(form));
        }
        if app.filter_focused() {
            return Place::Filter(app.screen);
        }
    }
    // No wildcard arm: a new screen does not compile until it is placed here
    // (and the small-size test fails until one of its `visits` reaches it).
    match app.screen {
        Screen::Login => Place::Login(app.login.mode),
        Screen::Checkout => Place::Checkout(app.checkout.step),
        screen @ (Screen::Catalog
        | Screen::Product
        | Screen::Cart
        | Screen::Orders
        | Screen::OrderDetail
        | Screen::AdminProducts
        | Screen::AdminOrders
        | Screen::AdminOrderDetail
        | Screen::AdminDiscounts
        | Screen::AdminSettings) => Place::Screen(screen),
    }
}

/// A dialog's variant name (no wildcard: a new dialog must be named here).
fn dialog_name(dialog: &Dialog) -> &'static str {
    match dialog {
        Dialog::CheckoutProblems { .. } => "CheckoutProblems",
        Dialog::ConfirmCancel { .. } => "ConfirmCancel",
        Dialog::ConfirmDelete { .. } => "ConfirmDelete",
        Dialog::ConfirmAdvance { .. } => "ConfirmAdvance",
        Dialog::ConfirmDiscard => "ConfirmDiscard",
        Dialog::ConfirmDeleteDiscount { .. } => "ConfirmDeleteDiscount",
        Dialog::ConfirmForgetKey => "ConfirmForgetKey",
    }
}

/// A form's variant name, or for a form of fields what it is for.
fn form_name(form: &Form) -> &'static str {
    match form {
        Form::Product(_) => "Product",
        Form::Stock(_) => "Stock",
        Form::Fields(fields) => match fields.purpose {
            FieldsPurpose::Address => "Address",
            FieldsPurpose::Card => "Card",
            FieldsPurpose::Cvc(_) => "Cvc",
            FieldsPurpose::Promo => "Promo",
            FieldsPurpose::Discount(_) => "Discount",
            FieldsPurpose::Settings => "Settings",
            FieldsPurpose::Tracking(_) => "Tracking",
        },
    }
}

/// Who a visit starts as, on a fresh shop at 80×24.
#[derive(Clone, Copy, Debug)]
enum Who {
    /// Nobody logged in (`alice` has an account).
    Nobody,
    /// `alice`, a shopper.
    Shopper,
    /// `boss`, an admin; `alice` has one paid order.
    Admin,
}

/// One place to draw at every small size: how to get there, and where that is.
struct Visit {
    who: Who,
    at: Place,
    go: fn(&mut App, &Path),
    /// Another copy of Shopfront holds the data folder meanwhile.
    folder_busy: bool,
}

fn visit(who: Who, at: Place, go: fn(&mut App, &Path)) -> Visit {
    Visit { who, at, go, folder_busy: false }
}

fn start(who: Who) -> (tempfile::TempDir, App) {
    match who {
        Who::Nobody => {
            let dir = temp_dir();
            let mut store = open(dir.path());
            store.register("alice", "s3cret!").expect("register");
            let app = app_on(store, 80, 24);
            (dir, app)
        }
        Who::Shopper => logged_in_shop(80, 24),
        Who::Admin => admin_shop_at(80, 24),
    }
}

/// A cart of two lines.
fn fill_cart(app: &mut App) {
    press(app, KeyCode::Char('a'));
    press(app, KeyCode::Char('a'));
    press(app, KeyCode::Down);
    press(app, KeyCode::Char('a'));
    press(app, KeyCode::Char('c'));
}

/// An order of alice's, placed through the checkout; on the orders tab.
fn order_placed(app: &mut App) {
    fill_cart(app);
    common::keys::check_out(app);
    press(app, KeyCode::Char('o'));
}

/// An earlier order of alice's, made by another copy, saved her address and
/// remembered a card: her checkout starts from lists, not forms.
fn saved_address_and_card(dir: &Path) {
    let mut store = open(dir);
    let cart = store.add_to_cart("alice", "P1005", 1).expect("add");
    let mut earlier = paying(quoted(&cart.items));
    earlier.payment = PaymentChoice::NewCard { card: common::card("5555 5555 5555 4444"), remember: true };
    store.checkout("alice", &earlier).expect("checkout");
}

/// The visits where `context`'s keys apply. No wildcard arm: a new context
/// does not compile until the walk goes where it applies.
fn visits(context: Context) -> Vec<Visit> {
    use KeyCode::{Char, Down, End, Enter, Esc};
    use Who::{Admin, Nobody, Shopper};
    match context {
        Context::Login => vec![
            visit(Nobody, Place::Login(LoginMode::LogIn), |_, _| {}),
            visit(Nobody, Place::Login(LoginMode::LogIn), |app, _| common::keys::log_in(app, "alice", "wrong!!")),
            visit(Nobody, Place::Login(LoginMode::CreateAccount), |app, _| {
                press_with(app, Char('n'), KeyModifiers::CONTROL)
            }),
        ],
        Context::Filter => vec![
            visit(Shopper, Place::Filter(Screen::Catalog), |app, _| {
                press(app, Char('/'));
                type_text(app, "usb cab");
            }),
            visit(Admin, Place::Filter(Screen::AdminProducts), |app, _| {
                press(app, Char('4'));
                press(app, Char('/'));
            }),
            visit(Admin, Place::Filter(Screen::AdminOrders), |app, _| {
                press(app, Char('5'));
                press(app, Char('/'));
            }),
        ],
        Context::Catalog => vec![
            visit(Shopper, Place::Screen(Screen::Catalog), |_, _| {}),
            visit(Shopper, Place::Screen(Screen::Catalog), |app, _| {
                press(app, Char('/'));
                type_text(app, "zzzz");
                press(app, Enter);
            }),
        ],
        Context::Product => vec![visit(Shopper, Place::Screen(Screen::Product), |app, _| press(app, Enter))],
        Context::Cart => vec![
            visit(Shopper, Place::Screen(Screen::Cart), |app, _| press(app, Char('c'))),
            visit(Shopper, Place::Screen(Screen::Cart), |app, _| fill_cart(app)),
        ],
        Context::Orders => vec![
            visit(Shopper, Place::Screen(Screen::Orders), |app, _| press(app, Char('o'))),
            visit(Shopper, Place::Screen(Screen::Orders), |app, _| order_placed(app)),
        ],
        Context::OrderDetail => vec![visit(Shopper, Place::Screen(Screen::OrderDetail), |app, _| {
            order_placed(app);
            press(app, Enter);
        })],
        Context::Dialog => vec![
            visit(Shopper, Place::Dialog("CheckoutProblems"), |app, dir| {
                fill_cart(app);
                common::keys::to_review(app, common::TEST_CARD);
                // Another copy sells out the mouse.
                let products = std::fs::read_to_string(dir.join("products.json")).expect("products");
                let sold_out = products.replace(r#""price":24.99,"stock":12"#, r#""price":24.99,"stock":0"#);
                std::fs::write(dir.join("products.json"), sold_out).expect("write products");
                press(app, Char('y'));
            }),
            visit(Shopper, Place::Dialog("ConfirmCancel"), |app, _| {
                order_placed(app);
                press(app, Char('x'));
            }),
            visit(Admin, Place::Dialog("ConfirmDelete"), |app, _| {
                press(app, Char('4'));
                press(app, Char('j'));
                press(app, Char('D'));
            }),
            visit(Admin, Place::Dialog("ConfirmAdvance"), |app, _| {
                // Paid → shipped asks for tracking; shipped → delivered asks to confirm.
                press(app, Char('5'));
                press(app, Char('m'));
                press(app, Enter);
                press(app, Char('m'));
            }),
            visit(Admin, Place::Dialog("ConfirmDiscard"), |app, _| {
                press(app, Char('4'));
                press(app, Char('n'));
                type_text(app, "x");
                press(app, Esc);
            }),
            visit(Admin, Place::Dialog("ConfirmDeleteDiscount"), |app, dir| {
                std::fs::write(dir.join("discounts.json"), r#"[{"code": "TEN10", "kind": "percent", "value": 10}]"#)
                    .expect("write discounts");
                press(app, Char('6'));
                press(app, Char('D'));
            }),
            visit(Nobody, Place::Dialog("ConfirmForgetKey"), |app, dir| {
                let fingerprint = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
                open(dir).link_key("alice", fingerprint).expect("link key");
                app.use_ssh_key(fingerprint.to_string());
                app.settle();
                press(app, Char('L'));
            }),
        ],
        Context::Help => vec![
            visit(Shopper, Place::Help, |app, _| press(app, Char('?'))),
            visit(Admin, Place::Help, |app, _| {
                press(app, Char('4'));
                press(app, Char('?'));
            }),
        ],
        Context::Shop => vec![visit(Shopper, Place::Screen(Screen::Catalog), |app, _| press(app, End))],
        Context::AdminShop => vec![
            visit(Admin, Place::Screen(Screen::Catalog), |_, _| {}),
            visit(Admin, Place::Screen(Screen::Cart), |app, _| press(app, Char('2'))),
            visit(Admin, Place::Screen(Screen::Orders), |app, _| press(app, Char('3'))),
        ],
        Context::AdminProducts => vec![
            visit(Admin, Place::Screen(Screen::AdminProducts), |app, _| press(app, Char('4'))),
            visit(Admin, Place::Screen(Screen::AdminProducts), |app, _| {
                press(app, Char('4'));
                press(app, Char('/'));
                type_text(app, "mouse");
                press(app, Enter);
            }),
        ],
        Context::AdminOrders => {
            vec![visit(Admin, Place::Screen(Screen::AdminOrders), |app, _| press(app, Char('5')))]
        }
        Context::AdminOrderDetail => vec![visit(Admin, Place::Screen(Screen::AdminOrderDetail), |app, _| {
            press(app, Char('5'));
            press(app, Enter);
        })],
        Context::AdminDiscounts => vec![
            visit(Admin, Place::Screen(Screen::AdminDiscounts), |app, _| press(app, Char('6'))),
            visit(Admin, Place::Screen(Screen::AdminDiscounts), |app, dir| {
                let codes = r#"[{"code": "TEN10", "kind": "percent", "value": 10, "max_uses_per_user": 1},
                    {"code": "SHIPFREE", "kind": "free_shipping", "min_subtotal": 20.00, "active": false}]"#;
                std::fs::write(dir.join("discounts.json"), codes).expect("write discounts");
                press(app, Char('6'));
                press(app, Down);
            }),
        ],
        Context::AdminSettings => {
            vec![visit(Admin, Place::Screen(Screen::AdminSettings), |app, _| press(app, Char('7')))]
        }
        Context::Form => vec![
            visit(Admin, Place::Form("Product"), |app, _| {
                press(app, Char('4'));
                press(app, Char('n'));
            }),
            visit(Admin, Place::Form("Product"), |app, _| {
                press(app, Char('4'));
                press(app, Char('e'));
            }),
            visit(Admin, Place::Form("Stock"), |app, _| {
                press(app, Char('4'));
                press(app, Char('s'));
            }),
            visit(Shopper, Place::Form("Address"), |app, _| {
                fill_cart(app);
                press(app, Char('p'));
            }),
            visit(Shopper, Place::Form("Card"), |app, _| {
                fill_cart(app);
                press(app, Char('p'));
                common::keys::fill_form(app, &common::keys::ADDRESS);
            }),
            visit(Shopper, Place::Form("Cvc"), |app, dir| {
                saved_address_and_card(dir);
                fill_cart(app);
                press(app, Char('p'));
                press(app, Enter);
                press(app, Enter);
            }),
            visit(Shopper, Place::Form("Promo"), |app, _| {
                fill_cart(app);
                press(app, Char('%'));
            }),
            visit(Admin, Place::Form("Discount"), |app, _| {
                press(app, Char('6'));
                press(app, Char('n'));
            }),
            visit(Admin, Place::Form("Settings"), |app, _| {
                press(app, Char('7'));
                press(app, Char('e'));
            }),
            visit(Admin, Place::Form("Tracking"), |app, _| {
                press(app, Char('5'));
                press(app, Char('m'));
            }),
        ],
        Context::CheckoutList => vec![
            visit(Shopper, Place::Checkout(CheckoutStep::Address), |app, dir| {
                saved_address_and_card(dir);
                fill_cart(app);
                press(app, Char('p'));
            }),
            visit(Shopper, Place::Checkout(CheckoutStep::Payment), |app, dir| {
                saved_address_and_card(dir);
                fill_cart(app);
                press(app, Char('p'));
                press(app, Enter);
            }),
        ],
        Context::Review => vec![visit(Shopper, Place::Checkout(CheckoutStep::Review), |app, _| {
            fill_cart(app);
            common::keys::to_review(app, common::TEST_CARD);
        })],
        Context::Placed => vec![visit(Shopper, Place::Checkout(CheckoutStep::Placed), |app, _| {
            fill_cart(app);
            common::keys::check_out(app);
        })],
        // Over SSH the receipt writes no file: its keys are the receipt's alone.
        Context::Receipt => vec![visit(Shopper, Place::Receipt, |app, _| {
            app.set_over_ssh();
            order_placed(app);
            press(app, Enter);
            press(app, Char('r'));
        })],
        Context::ReceiptFile => vec![visit(Shopper, Place::Receipt, |app, _| {
            fill_cart(app);
            common::keys::check_out(app);
            press(app, Char('r'));
        })],
        Context::Waiting => vec![Visit {
            folder_busy: true,
            ..visit(Shopper, Place::Screen(Screen::Catalog), |app, _| {
                press_now(app, Char('a'));
                let deadline = Instant::now() + Duration::from_secs(5);
                while app.waiting_notice() != Some(WAITING_NOTICE) {
                    assert!(Instant::now() < deadline, "the add never waited for the busy folder");
                    app.update(Action::Tick);
                    std::thread::sleep(Duration::from_millis(5));
                }
            })
        }],
        // Never listed by the app (the keymap adds it): its F12 shows the stats bar.
        Context::Anywhere => vec![visit(Shopper, Place::Screen(Screen::Catalog), |app, _| {
            press(app, KeyCode::F(12));
            assert!(app.stats.visible, "F12 shows the stats bar");
        })],
    }
}

/// Holds the data folder's lock, as another copy of Shopfront does, until dropped.
fn hold_folder(dir: &Path) -> std::fs::File {
    let lock = std::fs::OpenOptions::new().read(true).write(true).create(true).truncate(false).open(dir.join(".lock"));
    let lock = lock.expect("the folder's lock file");
    lock.lock().expect("the folder's lock");
    lock
}

/// The variants of `pub enum name` as written in `file` (from the crate's
/// root): what the walk must reach, read from the code so none is forgotten.
fn variants_in_source(file: &str, name: &str) -> Vec<String> {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(file)).expect(file);
    let start = text.find(&format!("pub enum {name} {{")).unwrap_or_else(|| panic!("no enum {name} in {file}"));
    let body = text[start..].lines().skip(1).map(str::trim).filter(|l| !l.starts_with("//") && !l.starts_with('#'));
    let (mut variants, mut depth) = (Vec::new(), 0);
    for line in body {
        if depth == 0 && line.starts_with('}') {
            break;
        }
        if depth == 0 {
            variants.push(line.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect());
        }
        let opened = line.chars().filter(|c| matches!(c, '{' | '(')).count();
        let closed = line.chars().filter(|c| matches!(c, '}' | ')')).count();
        depth = (depth + opened).saturating_sub(closed);
    }
    assert!(!variants.is_empty(), "no variants read for {name} in {file}");
    variants
}

/// A place as the variants it shows: `Screen::Checkout`, `CheckoutStep::Review`.
fn names_of(place: &Place) -> Vec<String> {
    match place {
        Place::Login(mode) => vec!["Screen::Login".into(), format!("LoginMode::{mode:?}")],
        Place::Screen(screen) | Place::Filter(screen) => vec![format!("Screen::{screen:?}")],
        Place::Checkout(step) => vec!["Screen::Checkout".into(), format!("CheckoutStep::{step:?}")],
        Place::Dialog(name) => vec![format!("Dialog::{name}")],
        Place::Form(name) => vec![format!("Form::{name}")],
        Place::Help | Place::Receipt => vec![],
    }
}

/// Every size from 1×1 to 30×10, where only the "too small" notice is drawn
/// (the app still lays itself out for each), then the smallest the screens
/// are drawn at, and either side of that edge.
fn small_sizes() -> impl Iterator<Item = (u16, u16)> {
    let tiny = (1..=30).flat_map(|width| (1..=10).map(move |height| (width, height)));
    let (w, h) = (layout::MIN_WIDTH, layout::MIN_HEIGHT);
    let edge = (w - 1..=w + 1).flat_map(move |width| (h - 1..=h + 1).map(move |height| (width, height)));
    tiny.chain(edge)
}

/// Every place the app draws, reached through the keys from a fresh shop at
/// 80×24 (at a tiny size some keys do nothing), checked to be where the app
/// is, then drawn at every size of `small_sizes`. The places come from the
/// code: every keymap context (`visits` must say how to reach each, and each
/// visit's keys must apply there), and every screen, checkout step, login
/// mode, dialog, form and admin tab the source declares.
#[test]
fn never_panics_at_any_small_size() {
    // Each visit lays out the same sizes again: a cache that keeps them all
    // (the default's 500 layouts do not) makes the test a few times quicker.
    ratatui::layout::Layout::init_cache(std::num::NonZeroUsize::new(50_000).expect("not zero"));
    let mut reached: Vec<Place> = Vec::new();
    let mut tabs_seen: Vec<Tab> = Vec::new();
    let mut admin_tabs: &[Tab] = &[];
    for &context in Context::ALL {
        let visits = visits(context);
        assert!(!visits.is_empty(), "no visit draws the screens of {context:?}");
        for visit in visits {
            let (dir, mut app) = start(visit.who);
            let _held = visit.folder_busy.then(|| hold_folder(dir.path()));
            (visit.go)(&mut app, dir.path());
            assert_eq!(place(&app), visit.at, "{context:?} as {:?}: not where the visit goes", visit.who);
            // `Anywhere` is never listed: the keymap adds it to every list.
            let listed = app.contexts();
            assert!(context == Context::Anywhere || listed.contains(&context), "{context:?} not in {listed:?}");
            for (width, height) in small_sizes() {
                app.update(Action::Resize(width, height));
                let drawn = format!("{}", render(&app, width, height).backend());
                if !layout::too_small(Rect::new(0, 0, width, height)) {
                    assert!(!drawn.contains(ui::TOO_SMALL), "{:?} not drawn at {width}×{height}:\n{drawn}", visit.at);
                }
            }
            reached.push(visit.at);
            tabs_seen.extend(app.screen.tab());
            if app.is_admin() {
                admin_tabs = app.tabs();
            }
        }
    }
    let names: Vec<String> = reached.iter().flat_map(names_of).collect();
    let mut wanted: Vec<String> = Vec::new();
    for (file, name) in [
        ("src/app/mod.rs", "Screen"),
        ("src/app/views.rs", "CheckoutStep"),
        ("src/app/views.rs", "LoginMode"),
        ("src/app/dialog.rs", "Dialog"),
        ("src/app/views.rs", "Form"),
    ] {
        wanted.extend(variants_in_source(file, name).into_iter().map(|variant| format!("{name}::{variant}")));
    }
    // A form of fields is named by what it is for.
    wanted.retain(|name| name != "Form::Fields");
    let purposes = variants_in_source("src/app/views.rs", "FieldsPurpose");
    wanted.extend(purposes.into_iter().map(|purpose| format!("Form::{purpose}")));
    let missed: Vec<&String> = wanted.iter().filter(|name| !names.contains(name)).collect();
    assert!(missed.is_empty(), "no visit reaches {missed:?}: add one to `visits`");
    assert!(!admin_tabs.is_empty(), "no admin visit");
    let untouched: Vec<&Tab> = admin_tabs.iter().filter(|t| !tabs_seen.contains(t)).collect();
    assert!(untouched.is_empty(), "no visit shows the tabs {untouched:?}");
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

/// The rows of a rendered screen, as text.
fn screen_rows(terminal: &Terminal<TestBackend>) -> Vec<String> {
    let buffer = terminal.backend().buffer();
    let area = buffer.area;
    (0..area.height).map(|y| (0..area.width).map(|x| buffer[(x, y)].symbol().to_string()).collect()).collect()
}

/// Issue 16, item 1: the order page scrolls to its last line (the city,
/// the country, the whole status history), for shoppers and admins, with
/// every scrolling key, at both sizes.
#[test]
fn the_order_page_scrolls_to_its_end() {
    for (width, height) in SIZES {
        for admin in [false, true] {
            for keys in [&[KeyCode::End][..], &[KeyCode::Char('G')], &[KeyCode::PageDown; 8], &[KeyCode::Char('j'); 40]]
            {
                let (_dir, mut app) = admin_shop_at(width, height);
                if admin {
                    press(&mut app, KeyCode::Char('5'));
                } else {
                    press(&mut app, KeyCode::Char('L'));
                    common::keys::log_in(&mut app, "alice", "s3cret!");
                    press(&mut app, KeyCode::Char('o'));
                }
                press(&mut app, KeyCode::Enter);
                for &key in keys {
                    press(&mut app, key);
                }
                let screen = format!("{}", render(&app, width, height).backend());
                for end in ["London", "UK", "History", "placed     by alice", "paid       by"] {
                    assert!(
                        screen.contains(end),
                        "{width}x{height} admin={admin} {keys:?}: {end} not reached:\n{screen}"
                    );
                }
            }
        }
    }
    snapshot("order_detail_end", |app| {
        press(app, KeyCode::Char('a'));
        press(app, KeyCode::Char('c'));
        common::keys::check_out(app);
        press(app, KeyCode::Char('o'));
        press(app, KeyCode::Enter);
        press(app, KeyCode::End);
    });
}

/// Opens the first order's page, as the shopper `alice` (the admin ships it
/// first) or as the admin `boss`.
fn shipped_order_page(width: u16, height: u16, admin: bool) -> (tempfile::TempDir, App) {
    let (dir, mut app) = admin_shop_at(width, height);
    press(&mut app, KeyCode::Char('5'));
    press(&mut app, KeyCode::Char('m'));
    common::keys::fill_form(&mut app, &["1Z999"]);
    if !admin {
        press(&mut app, KeyCode::Char('L'));
        common::keys::log_in(&mut app, "alice", "s3cret!");
        press(&mut app, KeyCode::Char('o'));
    }
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::End);
    (dir, app)
}

/// Issue 16, item 5: a shopper's order history says "the shop", never the
/// admin's account name; the admin sees who.
#[test]
fn a_shopper_never_sees_the_admins_name() {
    for (width, height) in SIZES {
        let (_dir, app) = shipped_order_page(width, height, false);
        let screen = format!("{}", render(&app, width, height).backend());
        assert!(screen.contains("shipped    by the shop"), "{screen}");
        assert!(!screen.contains("boss"), "the admin's name shows to the shopper:\n{screen}");
        let (_dir, app) = shipped_order_page(width, height, true);
        let screen = format!("{}", render(&app, width, height).backend());
        assert!(screen.contains("shipped    by boss"), "{screen}");
    }
}

/// Issue 16, item 11: the console shop's order lines carry no name: the
/// product's current name shows, not its id.
#[test]
fn console_shop_orders_show_product_names() {
    let dir = temp_dir();
    let folder = copy_legacy_fixture(dir.path());
    for (width, height) in SIZES {
        let mut app = app_on(open(&folder), width, height);
        common::keys::log_in(&mut app, "dana", "hunter22");
        press(&mut app, KeyCode::Char('o'));
        press(&mut app, KeyCode::Enter);
        let screen = format!("{}", render(&app, width, height).backend());
        assert!(screen.contains("3 × USB-C Cable") && screen.contains("1 × Laptop Stand"), "{screen}");
        assert!(!screen.contains("P1001"), "{screen}");
    }
}

/// The column (exclusive end) where the last `needle` ends on `row`.
fn end_of(row: &str, needle: &str) -> Option<usize> {
    let chars: Vec<char> = row.chars().collect();
    let n: Vec<char> = needle.chars().collect();
    (0..chars.len().saturating_sub(n.len() - 1)).rev().find(|&i| chars[i..i + n.len()] == n[..]).map(|i| i + n.len())
}

/// Issue 16, item 8: an order's figures end in one column, under the item
/// lines' amounts.
#[test]
fn order_figures_line_up() {
    for (width, height) in SIZES {
        let (_dir, mut app) = logged_in_shop(width, height);
        for _ in 0..2 {
            press(&mut app, KeyCode::Char('a'));
        }
        press(&mut app, KeyCode::Down);
        press(&mut app, KeyCode::Char('a'));
        press(&mut app, KeyCode::Char('c'));
        common::keys::check_out(&mut app);
        press(&mut app, KeyCode::Char('o'));
        press(&mut app, KeyCode::Enter);
        let mut rows = Vec::new();
        for _ in 0..4 {
            rows.extend(screen_rows(&render(&app, width, height)));
            press(&mut app, KeyCode::PageDown);
        }
        let ends = |label: &str, amount: &str| {
            let label = format!(" {label} ");
            rows.iter()
                .find(|r| r.contains(&label))
                .and_then(|r| end_of(r, amount))
                .unwrap_or_else(|| panic!("{width}x{height}: no {label} {amount}:\n{}", rows.join("\n")))
        };
        let column = ends("USB-C Cable", "$19.98");
        for (label, amount) in [("Wireless Mouse", "$24.99"), ("Subtotal", "$44.97"), ("Total", "$49.97")] {
            assert_eq!(ends(label, amount), column, "{width}x{height} {label}:\n{}", rows.join("\n"));
        }
        let unit = ends("USB-C Cable", "$9.99");
        assert_eq!(ends("Wireless Mouse", "@ $24.99"), unit, "unit prices in a column:\n{}", rows.join("\n"));
    }
}

/// Issue 16, item 8: the Price header stands over the prices (right-aligned
/// like them), in the catalog and the admin's products.
#[test]
fn price_headers_stand_over_the_prices() {
    for (width, height) in SIZES {
        let (_dir, mut app) = admin_shop_at(width, height);
        for tab in ['1', '4'] {
            press(&mut app, KeyCode::Char(tab));
            let rows = screen_rows(&render(&app, width, height));
            let header = rows.iter().position(|r| r.contains("Price")).expect("a header row");
            let price = end_of(&rows[header + 1], "$9.99");
            assert_eq!(end_of(&rows[header], "Price"), price, "tab {tab} {width}x{height}:\n{}", rows.join("\n"));
            if tab == '4' {
                let stock = end_of(&rows[header + 1], "28");
                assert_eq!(end_of(&rows[header], "Stock"), stock, "{}", rows.join("\n"));
            }
        }
    }
}

/// Issue 16, item 8: what a code gives is never cut (`$1,000,000.00 off`).
#[test]
fn what_a_code_gives_is_never_cut() {
    for (width, height) in SIZES {
        let (dir, mut app) = admin_shop_at(width, height);
        std::fs::write(
            dir.path().join("discounts.json"),
            r#"[{"code": "BIG", "kind": "fixed", "value": 1000000.00}, {"code": "SHIPFREE", "kind": "free_shipping"}]"#,
        )
        .unwrap();
        press(&mut app, KeyCode::Char('6'));
        let screen = format!("{}", render(&app, width, height).backend());
        assert!(screen.contains("$1,000,000.00 off"), "{screen}");
    }
}

/// Issue 16, item 8: a free-shipping code is no "−$0.00" discount: the cart
/// names it on the shipping line.
#[test]
fn a_free_shipping_code_is_no_discount_of_nothing() {
    for (width, height) in SIZES {
        let (dir, mut app) = logged_in_shop(width, height);
        std::fs::write(dir.path().join("discounts.json"), r#"[{"code": "SHIPFREE", "kind": "free_shipping"}]"#)
            .unwrap();
        press(&mut app, KeyCode::Char('a'));
        press(&mut app, KeyCode::Char('c'));
        press(&mut app, KeyCode::Char('%'));
        type_text(&mut app, "shipfree");
        press(&mut app, KeyCode::Enter);
        let screen = format!("{}", render(&app, width, height).backend());
        assert!(screen.contains("Shipping (SHIPFREE)"), "{width}x{height}:\n{screen}");
        assert!(!screen.contains("−$0.00"), "a discount of nothing:\n{screen}");
    }
}

/// Issue 16, item 8: a cancelled order says `cancelled` whole in the
/// shopper's list at 60 columns too.
#[test]
fn a_cancelled_status_is_never_cut() {
    for (width, height) in SIZES {
        let (_dir, mut app) = admin_shop_at(width, height);
        press(&mut app, KeyCode::Char('L'));
        common::keys::log_in(&mut app, "alice", "s3cret!");
        press(&mut app, KeyCode::Char('o'));
        press(&mut app, KeyCode::Char('x'));
        press(&mut app, KeyCode::Char('y'));
        let rows = screen_rows(&render(&app, width, height));
        let row = rows.iter().find(|r| r.contains("▶ O0001")).expect("the order's row");
        assert!(row.contains(" cancelled"), "{width}x{height}:\n{}", rows.join("\n"));
    }
}

/// Issue 16, item 8: the stats bar writes the product count with separators.
#[test]
fn the_stats_bar_counts_with_separators() {
    let dir = temp_dir();
    let many: Vec<(String, String)> = (0..1234).map(|i| (format!("P{i}"), format!("Thing {i}"))).collect();
    let rows: Vec<(&str, &str, &str, u32)> =
        many.iter().map(|(id, name)| (id.as_str(), name.as_str(), "1.00", 1)).collect();
    write_products(dir.path(), &rows);
    let mut store = open(dir.path());
    store.register("alice", "s3cret!").unwrap();
    let mut app = app_on(store, 60, 16);
    common::keys::log_in(&mut app, "alice", "s3cret!");
    press(&mut app, KeyCode::F(12));
    let screen = format!("{}", render(&app, 60, 16).backend());
    assert!(screen.contains("1,234 products"), "{screen}");
}

/// The header's rows (one or two) as one text.
fn header_text(app: &App, width: u16, height: u16) -> String {
    let rows = screen_rows(&render(app, width, height));
    let body_top = rows.iter().position(|r| r.starts_with('┌')).unwrap_or(1);
    rows[..body_top].join("\n")
}

/// Issue 16, item 12: the header shows the shop's name from its settings,
/// shoppers' and admins' alike, and follows a change made in the Settings
/// tab or by another process.
#[test]
fn the_header_shows_the_shops_name_and_follows_it() {
    for (width, height, admin) in [(80, 24, false), (80, 24, true), (120, 40, true), (60, 16, false)] {
        let (dir, mut app) = if admin { admin_shop_at(width, height) } else { logged_in_shop(width, height) };
        let mut other = open(dir.path());
        let mut settings = other.data().settings.clone();
        settings.shop_name = "Ada's Gadgets".into();
        other.save_settings("boss", settings.clone()).ok();
        if !admin {
            other.add_admin("boss", "b0ss-pass").unwrap();
            other.save_settings("boss", settings).unwrap();
        }
        press(&mut app, KeyCode::Char('2'));
        let header = header_text(&app, width, height);
        assert!(header.contains("Ada's Gadgets"), "{width}x{height} admin={admin}:\n{header}");
        assert!(!header.contains("Shopfront"), "{header}");
    }
    let (_dir, mut app) = admin_shop_at(80, 24);
    press(&mut app, KeyCode::Char('7'));
    press(&mut app, KeyCode::Char('e'));
    press_with(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    type_text(&mut app, "Bob's Bits");
    press_with(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    let header = header_text(&app, 80, 24);
    assert!(header.contains("Bob's Bits"), "{header}");
}

use common::keys::press_with;

/// Issue 16, item 13: the admin's tabs show their names at 80 and 120
/// columns (numbers only at 60), Tab and Shift-Tab cycle through them,
/// and the current tab always shows.
#[test]
fn admin_tabs_show_their_names() {
    use shopfront::app::Tab;
    for (width, height) in [(80, 24), (120, 40)] {
        let (_dir, mut app) = admin_shop_at(width, height);
        for tab in Tab::ADMIN {
            press(&mut app, KeyCode::Char(char::from(b'0' + tab.number() as u8)));
            let header = header_text(&app, width, height);
            for other in Tab::ADMIN {
                let name = format!("{} {}", other.number(), &other.title()[..3]);
                assert!(header.contains(&name), "{width}x{height} on {tab:?}: no {name}:\n{header}");
            }
            assert!(header.contains("boss") && header.contains("items"), "{header}");
        }
    }
    let (_dir, mut app) = admin_shop_at(60, 16);
    press(&mut app, KeyCode::Char('6'));
    let header = header_text(&app, 60, 16);
    assert!(header.contains("6 Discounts") && !header.contains("Catalog"), "{header}");

    // Tab cycles forward through every tab and round; Shift-Tab goes back.
    let (_dir, mut app) = admin_shop_at(80, 24);
    let mut seen = Vec::new();
    for _ in 0..Tab::ADMIN.len() {
        press(&mut app, KeyCode::Tab);
        seen.push(app.screen.tab());
    }
    let mut expected: Vec<Option<Tab>> = Tab::ADMIN[1..].iter().copied().map(Some).collect();
    expected.push(Some(Tab::Catalog));
    assert_eq!(seen, expected);
    press_with(&mut app, KeyCode::BackTab, KeyModifiers::SHIFT);
    assert_eq!(app.screen.tab(), Some(Tab::Settings));
    let (_dir, mut shopper) = logged_in_shop(80, 24);
    press(&mut shopper, KeyCode::Tab);
    press(&mut shopper, KeyCode::Tab);
    press(&mut shopper, KeyCode::Tab);
    assert_eq!(shopper.screen.tab(), Some(Tab::Catalog), "a shopper cycles through their three tabs");
}

/// Every word of `text` is on the screen (a wrapped message breaks lines
/// between words).
fn shows_all_of(screen: &str, text: &str) -> bool {
    text.split_whitespace().all(|word| screen.contains(word))
}

/// Issue 16, item 15: a long message is shown whole, on as many lines as
/// it needs: the edit-conflict error in the product form at every width,
/// and any long message on the message line.
#[test]
fn long_messages_are_shown_whole() {
    for (width, height) in [(160, 40), (80, 24), (60, 16)] {
        let (dir, mut app) = admin_shop_at(width, height);
        let mut other_admin = open(dir.path());
        press(&mut app, KeyCode::Char('4'));
        press(&mut app, KeyCode::Char('e'));
        let seen = other_admin.data().products.get("P1001").unwrap().details();
        let cheaper = shopfront::domain::ProductDetails { price: "8.49".parse().unwrap(), ..seen.clone() };
        other_admin.update_product("boss", "P1001", &seen, cheaper).unwrap();
        press(&mut app, KeyCode::Tab);
        press_with(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
        type_text(&mut app, "11.49");
        press_with(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
        let screen = format!("{}", render(&app, width, height).backend());
        let conflict = "✗ Someone else changed P1001 while you were editing it: price $9.99 → $8.49. \
                        Press Esc and open it again to start from the latest.";
        assert!(shows_all_of(&screen, conflict), "{width}x{height}:\n{screen}");

        press(&mut app, KeyCode::Esc);
        press(&mut app, KeyCode::Char('y'));
        let long = "Changes are not saved: the data folder is read-only (Read-only file system, os error 30 at \
                    /srv/shops/a-rather-long-folder-name/data); it can still be read, and every change is refused \
                    until it can be written again";
        app.message = Some(shopfront::app::Message { text: long.into(), kind: shopfront::app::MessageKind::Failure });
        let terminal = render(&app, width, height);
        let screen = format!("{}", terminal.backend());
        assert!(shows_all_of(&screen, long), "{width}x{height}:\n{screen}");
        let rows = screen_rows(&terminal);
        assert!(rows.last().is_some_and(|r| r.contains("help")), "the footer stays:\n{screen}");
    }
}

/// Issue 16, item 9: the checkout's forms leave `Cart › Address › Payment
/// › Review` in view, and nothing of the page under a form shows beside it
/// (`Car`, `n a` did at 80×24), at both sizes.
#[test]
fn checkout_forms_keep_the_breadcrumb_and_hide_the_page_under_them() {
    for (width, height) in SIZES {
        for (step, title) in [("address", "┌ Shipping address"), ("card", "┌ Pay by card")] {
            let (_dir, mut app) = logged_in_shop(width, height);
            press(&mut app, KeyCode::Char('a'));
            press(&mut app, KeyCode::Char('c'));
            press(&mut app, KeyCode::Char('p'));
            if step == "card" {
                common::keys::fill_form(&mut app, &common::keys::ADDRESS);
            }
            let terminal = render(&app, width, height);
            let screen = format!("{}", terminal.backend());
            let rows: Vec<Vec<char>> = screen_rows(&terminal).iter().map(|r| r.chars().collect()).collect();
            let crumbs: String = rows[1].iter().collect();
            assert_eq!(crumbs.trim_end(), " Cart › Address › Payment › Review", "{width}x{height} {step}:\n{screen}");
            let top = rows.iter().position(|r| r.iter().collect::<String>().contains(title));
            let top = top.unwrap_or_else(|| panic!("{width}x{height} {step}: no form:\n{screen}"));
            let left = rows[top].iter().position(|&c| c == '┌').unwrap_or(0);
            let right = rows[top].iter().rposition(|&c| c == '┐').unwrap_or(rows[top].len());
            let bottom = (top..rows.len()).find(|&y| rows[y].get(left) == Some(&'└')).unwrap_or(top);
            for (y, row) in rows.iter().enumerate().take(bottom + 1).skip(2) {
                let beside: String =
                    row.iter().enumerate().filter(|(x, _)| *x < left || *x > right).map(|(_, c)| c).collect();
                assert!(
                    beside.trim().is_empty(),
                    "{width}x{height} {step}: row {y} shows {beside:?} beside the form:\n{screen}"
                );
                if y < top {
                    let above: String = row.iter().collect();
                    assert!(
                        above.trim().is_empty(),
                        "{width}x{height} {step}: row {y} shows {above:?} above the form:\n{screen}"
                    );
                }
            }
        }
    }
}

/// Issue 16, item 4: the receipt over the page, from the placed page (a
/// local session: `w` writes it), scrolled to its end, and over SSH from the
/// order's page (no `w`).
#[test]
fn receipt() {
    let placed = |app: &mut App| {
        press(app, KeyCode::Char('a'));
        press(app, KeyCode::Char('c'));
        common::keys::check_out(app);
    };
    snapshot("receipt", |app| {
        placed(app);
        press(app, KeyCode::Char('r'));
    });
    snapshot("receipt_end", |app| {
        placed(app);
        press(app, KeyCode::Char('r'));
        press(app, KeyCode::End);
    });
    snapshot("receipt_over_ssh", |app| {
        app.set_over_ssh();
        placed(app);
        press(app, KeyCode::Char('o'));
        press(app, KeyCode::Enter);
        press(app, KeyCode::Char('r'));
    });
}

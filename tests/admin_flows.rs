//! Admin flows driven by keys through the real keymap, without a terminal.

mod common;

use common::keys::{press, press_with, type_text};
use common::*;
use crossterm::event::{KeyCode, KeyModifiers};
use shopfront::app::{App, Dialog, Form, MessageKind, Screen, keymap};
use shopfront::domain::Money;

fn message(app: &App) -> String {
    app.message.as_ref().map(|m| m.text.clone()).unwrap_or_default()
}

fn error(app: &App) -> String {
    match &app.message {
        Some(m) if m.kind == MessageKind::Error => m.text.clone(),
        other => panic!("expected an error, got {other:?}"),
    }
}

fn form_error(app: &App) -> String {
    match &app.form {
        Some(Form::Product(f)) => f.error.clone().unwrap_or_default(),
        Some(Form::Stock(f)) => f.error.clone().unwrap_or_default(),
        Some(Form::Fields(f)) => f.error.clone().unwrap_or_default(),
        None => panic!("no form open"),
    }
}

fn admin_shop() -> (tempfile::TempDir, App) {
    admin_shop_at(100, 30)
}

#[test]
fn customers_never_see_admin_tabs_or_keys() {
    let (_dir, mut app) = logged_in_shop(100, 30);
    assert_eq!(app.tabs().len(), 3);
    press(&mut app, KeyCode::Char('4'));
    press(&mut app, KeyCode::Char('5'));
    assert_eq!(app.screen, Screen::Catalog);
    let help = keymap::help_rows(&app.help_contexts());
    assert!(!help.iter().any(|(_, hint)| hint.contains("admin")), "{help:?}");
    app.update(shopfront::app::Action::ShowTab(shopfront::app::Tab::Products));
    assert_eq!(error(&app), "Only an admin can do that");
    assert_eq!(app.screen, Screen::Catalog);
}

#[test]
fn new_product_form_validates_and_creates() {
    let (dir, mut app) = admin_shop();
    assert_eq!(app.tabs().len(), 7);
    press(&mut app, KeyCode::Char('4'));
    assert_eq!(app.screen, Screen::AdminProducts);
    press(&mut app, KeyCode::Char('n'));
    press_with(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert_eq!(form_error(&app), "Name must be 1–120 characters");
    type_text(&mut app, "Desk Fan");
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "19.999");
    press(&mut app, KeyCode::Enter); // next field
    type_text(&mut app, "5");
    press_with(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert_eq!(form_error(&app), "Price must be a number like 19.99, with at most two decimals");
    press(&mut app, KeyCode::Backspace); // focus went back to the price
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    type_text(&mut app, "Desk");
    press(&mut app, KeyCode::Enter);
    type_text(&mut app, "A small, quiet fan for hot afternoons.");
    press(&mut app, KeyCode::Enter); // Enter on the last field saves
    assert!(app.form.is_none(), "{:?}", app.form);
    assert_eq!(message(&app), "Created P1045 Desk Fan");
    assert_eq!(app.selected_in(shopfront::app::CatalogKind::Admin).map(|p| p.product_id.as_str()), Some("P1045"));
    assert!(read(dir.path(), "products.json").contains(
        r#""product_id":"P1045","name":"Desk Fan","price":19.99,"stock":5,"description":"A small, quiet fan for hot afternoons.","category":"Desk","active":true"#
    ));
    // The shopper's catalog has it too.
    assert_eq!(app.catalog.total, 45);
}

#[test]
fn esc_asks_before_discarding_typed_changes() {
    let (_dir, mut app) = admin_shop();
    press(&mut app, KeyCode::Char('4'));
    press(&mut app, KeyCode::Char('n'));
    press(&mut app, KeyCode::Esc);
    assert!(app.form.is_none(), "nothing typed: closes at once");
    press(&mut app, KeyCode::Char('e'));
    press(&mut app, KeyCode::Esc);
    assert!(app.form.is_none(), "nothing changed: closes at once");
    press(&mut app, KeyCode::Char('e'));
    type_text(&mut app, " v2");
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.dialog, Some(Dialog::ConfirmDiscard));
    press(&mut app, KeyCode::Char('n'));
    assert!(app.form.is_some() && app.dialog.is_none(), "back to the form");
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('y'));
    assert!(app.form.is_none());
    assert_eq!(app.product("P1001").unwrap().name, "USB-C Cable");
}

#[test]
fn edit_restock_archive_and_delete() {
    let (dir, mut app) = admin_shop();
    press(&mut app, KeyCode::Char('4'));
    press(&mut app, KeyCode::Char('e'));
    press_with(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    type_text(&mut app, "USB-C Cable 1 m");
    press(&mut app, KeyCode::Tab);
    press_with(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    type_text(&mut app, "1,011.49");
    press_with(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert_eq!(message(&app), "Saved P1001 USB-C Cable 1 m");
    let p = app.product("P1001").unwrap();
    let price = p.price.shown(&app.settings().currency()).to_string();
    assert_eq!((p.name.as_str(), price), ("USB-C Cable 1 m", "$1,011.49".to_string()));
    assert!(read(dir.path(), "products.json").contains(r#""price":1011.49"#));

    press(&mut app, KeyCode::Char('s'));
    type_text(&mut app, "-100");
    press(&mut app, KeyCode::Enter);
    assert_eq!(form_error(&app), "Cannot remove 100 of USB-C Cable 1 m: only 28 in stock");
    press_with(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    type_text(&mut app, "ten");
    press(&mut app, KeyCode::Enter);
    assert_eq!(form_error(&app), "Type a change like +5 or -3");
    press_with(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    type_text(&mut app, "+1000000001");
    press(&mut app, KeyCode::Enter);
    assert_eq!(form_error(&app), "A change is at most 1,000,000,000 units: stock never goes above that");
    press_with(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    type_text(&mut app, "+12");
    press(&mut app, KeyCode::Enter);
    assert_eq!(message(&app), "P1001 USB-C Cable 1 m: stock 28 → 40");

    press(&mut app, KeyCode::Char('A'));
    assert_eq!(message(&app), "Archived P1001 USB-C Cable 1 m: no longer sold");
    assert!((0..app.catalog.hits.len()).all(|i| app.hit_product(i).unwrap().product_id != "P1001"));
    assert_eq!(app.admin_products.total, 44, "admins still see it");
    press(&mut app, KeyCode::Char('D'));
    assert_eq!(error(&app), "P1001 is in past orders: it can only be archived (A)");
    press(&mut app, KeyCode::Char('A'));
    assert_eq!(message(&app), "P1001 USB-C Cable 1 m is on sale again");

    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Char('D'));
    assert_eq!(app.dialog, Some(Dialog::ConfirmDelete { product_id: "P1002".into(), name: "Wireless Mouse".into() }));
    press(&mut app, KeyCode::Char('y'));
    assert_eq!(message(&app), "Deleted P1002 Wireless Mouse");
    assert!(!read(dir.path(), "products.json").contains("P1002"));
}

/// `D` on a product an order holds is refused before any question, with
/// archiving offered — even when the order was placed a moment ago by
/// another copy of the shop (the app had not seen it yet, asked "Delete …
/// for good?", and only the answer was refused).
#[test]
fn deleting_an_ordered_product_is_refused_before_asking() {
    let (dir, mut app) = admin_shop();
    press(&mut app, KeyCode::Char('4'));
    press(&mut app, KeyCode::Char('j'));
    // Another copy: alice buys the Wireless Mouse (P1002).
    let mut other = open(dir.path());
    let cart = other.add_to_cart("alice", "P1002", 1).unwrap();
    other.checkout("alice", &paying(quoted(&cart.items))).unwrap();
    press(&mut app, KeyCode::Char('D'));
    assert_eq!(app.dialog, None, "no question for a product that cannot be deleted");
    assert_eq!(error(&app), "P1002 is in past orders: it can only be archived (A)");
    assert!(read(dir.path(), "products.json").contains("P1002"));
    // One no order holds is asked about, then deleted.
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Char('D'));
    assert_eq!(
        app.dialog,
        Some(Dialog::ConfirmDelete { product_id: "P1003".into(), name: "Mechanical Keyboard".into() })
    );
}

#[test]
fn admin_products_filter_includes_archived() {
    let (dir, mut app) = admin_shop();
    open(dir.path()).set_product_active("boss", "P1003", false).unwrap();
    press(&mut app, KeyCode::Char('4'));
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "mechanical");
    assert_eq!(app.admin_products.hits.len(), 1);
    press(&mut app, KeyCode::Enter);
    assert!(!app.admin_products.filter_focused);
    assert_eq!(app.selected_in(shopfront::app::CatalogKind::Admin).unwrap().product_id, "P1003");
    press(&mut app, KeyCode::Char('1'));
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "mechanical");
    assert!(app.catalog.hits.is_empty(), "shoppers cannot find archived products");
}

#[test]
fn all_orders_filter_advance_and_cancel() {
    let (dir, mut app) = admin_shop();
    let mut other = open(dir.path());
    other.register("carol", "c4rol-pass").unwrap();
    let cart = other.add_to_cart("carol", "P1002", 1).unwrap();
    other.checkout("carol", &paying(quoted(&cart.items))).unwrap();
    press(&mut app, KeyCode::Char('5'));
    assert_eq!(app.screen, Screen::AdminOrders);
    assert_eq!(app.admin_orders.ids, ["O0002", "O0001"]);
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "alice");
    assert_eq!(app.admin_orders.ids, ["O0001"]);
    press(&mut app, KeyCode::Enter);
    // Checkout placed it paid: the next step is shipping.
    // Shipping asks for a tracking number (optional: Enter leaves it out).
    press(&mut app, KeyCode::Char('m'));
    assert!(matches!(&app.form, Some(Form::Fields(f)) if f.title == " Ship order O0001 "), "{:?}", app.form);
    press(&mut app, KeyCode::Enter);
    assert_eq!(message(&app), "Order O0001 is now shipped");
    assert_eq!(app.order("O0001").unwrap().tracking, None);
    press(&mut app, KeyCode::Char('x'));
    assert_eq!(error(&app), "Order O0001 is shipped; only placed or paid orders can be cancelled");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::AdminOrderDetail);
    press(&mut app, KeyCode::Char('m'));
    press(&mut app, KeyCode::Char('y'));
    press(&mut app, KeyCode::Char('m'));
    assert_eq!(error(&app), "Order O0001 is delivered; it cannot move further");
    let events = &app.order("O0001").unwrap().events;
    assert_eq!(events.iter().map(|e| e.by.as_str()).collect::<Vec<_>>(), ["alice", "payment", "boss", "boss"]);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Esc); // clears the filter
    assert_eq!(app.admin_orders.ids.len(), 2);
    press(&mut app, KeyCode::Char('/'));
    type_text(&mut app, "paid");
    assert_eq!(app.admin_orders.ids, ["O0002"]);
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Char('x'));
    press(&mut app, KeyCode::Char('y'));
    assert_eq!(message(&app), "Order O0002: Cancelled — $29.99 refunded to Visa •••• 4242 · 1 item back in stock");
    assert_eq!(app.product("P1002").unwrap().stock, 12);
    assert!(app.admin_orders.ids.is_empty(), "the filter shows paid orders only: {:?}", app.admin_orders.ids);
}

#[test]
fn saving_an_edit_never_undoes_sales_made_meanwhile() {
    let (dir, mut app) = admin_shop();
    let mut shopper = open(dir.path());
    let before = stock_of(&shopper, "P1002");
    press(&mut app, KeyCode::Char('4'));
    press(&mut app, KeyCode::Char('j'));
    press(&mut app, KeyCode::Char('e')); // the form opens while P1002 has `before` units
    let cart = shopper.add_to_cart("alice", "P1002", 3).unwrap();
    shopper.checkout("alice", &paying(quoted(&cart.items))).unwrap();
    press(&mut app, KeyCode::End);
    type_text(&mut app, " (typo fixed)");
    press_with(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert!(app.form.is_none(), "saved: {:?}", app.form);
    shopper.refresh().unwrap();
    assert_eq!(stock_of(&shopper, "P1002"), before - 3, "the 3 units sold meanwhile stay sold");
    assert!(read(dir.path(), "products.json").contains(&format!(r#""stock":{}"#, before - 3)));
}

#[test]
fn an_edit_never_overwrites_another_admins_price_change() {
    let (dir, mut app) = admin_shop();
    let mut other_admin = open(dir.path());
    press(&mut app, KeyCode::Char('4'));
    press(&mut app, KeyCode::Char('e')); // P1001 at $9.99
    let seen = other_admin.data().products.get("P1001").unwrap().details();
    let cheaper = shopfront::domain::ProductDetails { price: "8.49".parse().unwrap(), ..seen.clone() };
    other_admin.update_product("boss", "P1001", &seen, cheaper).unwrap();
    press(&mut app, KeyCode::Tab);
    press_with(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    type_text(&mut app, "11.49");
    press_with(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert_eq!(
        form_error(&app),
        "Someone else changed P1001 while you were editing it: price $9.99 → $8.49. \
         Press Esc and open it again to start from the latest."
    );
    other_admin.refresh().unwrap();
    let price = other_admin.data().products.get("P1001").unwrap().price;
    assert_eq!(price.shown(&other_admin.data().settings.currency()).to_string(), "$8.49");
}

#[test]
fn slash_on_an_admin_order_page_filters_all_orders() {
    let (_dir, mut app) = admin_shop();
    press(&mut app, KeyCode::Char('5'));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::AdminOrderDetail);
    press(&mut app, KeyCode::Char('/'));
    assert_eq!(app.screen, Screen::AdminOrders);
    assert!(app.admin_orders.filter_focused);
    assert!(!app.catalog.filter_focused);
}

#[test]
fn discount_codes_and_settings_from_their_tabs() {
    let (dir, mut app) = admin_shop();
    press(&mut app, KeyCode::Char('6'));
    assert_eq!(app.screen, Screen::AdminDiscounts);
    press(&mut app, KeyCode::Char('n'));
    common::keys::fill_form(&mut app, &["summer", "percent", "150"]);
    assert_eq!(form_error(&app), "A percentage is a whole number from 1 to 100");
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('y'));
    press(&mut app, KeyCode::Char('n'));
    // The shop's clock says 2026-03-01 12:00:00: a code that expired yesterday is refused, not stored.
    common::keys::fill_form(&mut app, &["past", "percent", "15", "", "", "2026-02-28", "", ""]);
    assert_eq!(form_error(&app), "Expiry 2026-02-28 23:59:59 has passed; use a later one");
    match &app.form {
        Some(Form::Fields(form)) => assert_eq!(form.focus, 5, "on Expires"),
        _ => panic!("the form stays open"),
    }
    assert!(
        !std::fs::exists(dir.path().join("discounts.json")).unwrap()
            || !read(dir.path(), "discounts.json").contains("PAST")
    );
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('y'));
    press(&mut app, KeyCode::Char('n'));
    common::keys::fill_form(&mut app, &["summer", "percent", "15", "20", "", "2026-12-31", "100", "1"]);
    assert_eq!(message(&app), "Created code SUMMER: 15 % off");
    let codes = read(dir.path(), "discounts.json");
    assert!(codes.contains(r#""code":"SUMMER","kind":"percent","value":15.0"#), "{codes}");
    // A date alone as the expiry: the code works until the end of that day.
    assert!(codes.contains(r#""expires":"2026-12-31 23:59:59""#), "{codes}");
    assert_eq!(app.discounts().len(), 1);
    press(&mut app, KeyCode::Char('A'));
    assert_eq!(message(&app), "Code SUMMER is inactive");
    press(&mut app, KeyCode::Char('D'));
    press(&mut app, KeyCode::Char('y'));
    assert_eq!(message(&app), "Deleted code SUMMER");
    assert!(app.discounts().is_empty());

    press(&mut app, KeyCode::Char('7'));
    assert_eq!(app.screen, Screen::AdminSettings);
    press(&mut app, KeyCode::Char('e'));
    // Shipping $4.00, never free, 8.25 % tax added (past name and currency).
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    press_with(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    type_text(&mut app, "4");
    press(&mut app, KeyCode::Tab);
    press_with(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    press(&mut app, KeyCode::Tab);
    press_with(&mut app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    type_text(&mut app, "8.25");
    press_with(&mut app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert_eq!(message(&app), "Settings saved");
    let settings = read(dir.path(), "settings.json");
    assert!(settings.contains("\"flat\": 4.0") && settings.contains("\"free_over\": null"), "{settings}");
    assert!(settings.contains("\"rate_percent\": 8.25"), "{settings}");
    assert_eq!(app.settings().shipping.flat, Money::from_cents(400));

    // Shipping an order asks for its tracking number.
    press(&mut app, KeyCode::Char('5'));
    press(&mut app, KeyCode::Char('m'));
    common::keys::fill_form(&mut app, &["1Z999AA10123456784"]);
    assert_eq!(message(&app), "Order O0001 is now shipped");
    assert_eq!(app.order("O0001").unwrap().tracking.as_deref(), Some("1Z999AA10123456784"));
}

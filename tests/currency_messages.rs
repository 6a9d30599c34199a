//! Every amount a shop shows — on screen, in a receipt, in a message — is
//! in that shop's currency. Two shops share this process, one selling in
//! euros and one in dollars: neither may show the other's symbol, and a
//! change of one shop's currency changes nothing in the other.

mod common;

use common::keys::{fill_form, log_in, press, press_with, type_text};
use common::*;
use crossterm::event::{KeyCode, KeyModifiers};
use shopfront::app::{App, Dialog, Form};
use shopfront::domain::discount::{Discount, DiscountInput};
use shopfront::domain::product::{ProductError, parse_price_input};
use shopfront::domain::{Money, Settings};

/// Every cell of the screen `app` draws, row after row.
fn screen_text(app: &App) -> String {
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 30)).unwrap();
    terminal.draw(|frame| shopfront::ui::draw(frame, app, &shopfront::ui::Theme::PLAIN)).unwrap();
    terminal.backend().buffer().content().iter().map(|c| c.symbol()).collect()
}

fn message(app: &App) -> String {
    app.message.as_ref().map(|m| m.text.clone()).unwrap_or_default()
}

fn form_error(app: &App) -> String {
    match &app.form {
        Some(Form::Product(f)) => f.error.clone().unwrap_or_default(),
        Some(Form::Fields(f)) => f.error.clone().unwrap_or_default(),
        other => panic!("expected a form with an error, got {other:?}"),
    }
}

/// Leaves an open form whose fields were changed.
fn discard_form(app: &mut App) {
    press(app, KeyCode::Esc);
    press(app, KeyCode::Char('y'));
    assert!(app.form.is_none());
}

/// A shop on its own fresh folder, selling in `currency`: a shopper `alice`
/// and an admin `boss`, each logged in to a session of their own.
struct Shop {
    symbol: &'static str,
    dir: tempfile::TempDir,
    shopper: App,
    admin: App,
}

fn shop_selling_in(symbol: &'static str) -> Shop {
    let dir = temp_dir();
    std::fs::write(dir.path().join("settings.json"), format!(r#"{{"currency": "{symbol}"}}"#)).unwrap();
    let mut store = open(dir.path());
    store.register("alice", "s3cret!").unwrap();
    store.add_admin("boss", "b0ss-pass").unwrap();
    let mut shopper = app_on(store, 100, 30);
    log_in(&mut shopper, "alice", "s3cret!");
    let mut admin = app_on(open(dir.path()), 100, 30);
    log_in(&mut admin, "boss", "b0ss-pass");
    assert!(shopper.session.is_some() && admin.is_admin());
    Shop { symbol, dir, shopper, admin }
}

/// What the admin forms refuse names amounts in the shop's currency, and
/// an amount may be typed with the shop's symbol.
fn admin_refusals_are_in_the_shops_currency(shop: &mut Shop) {
    let (s, app) = (shop.symbol, &mut shop.admin);
    press(app, KeyCode::Char('4'));
    press(app, KeyCode::Char('e')); // USB-C Cable
    press(app, KeyCode::Tab);
    for (typed, refusal) in [
        ("0", format!("Price must be more than {s}0.00")),
        ("2,000,000", format!("Price must be at most {s}1,000,000.00")),
    ] {
        press_with(app, KeyCode::Char('u'), KeyModifiers::CONTROL);
        type_text(app, typed);
        press_with(app, KeyCode::Char('s'), KeyModifiers::CONTROL);
        assert_eq!(form_error(app), refusal, "{s} shop");
    }
    press_with(app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    type_text(app, &format!("{s}1,000.00"));
    press_with(app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert!(app.form.is_none(), "{s} shop: {:?}", app.form);
    assert_eq!(app.product("P1001").unwrap().price.cents(), 100_000, "{s} shop");
    // Back to its old price, for the shopper.
    press(app, KeyCode::Char('e'));
    press(app, KeyCode::Tab);
    press_with(app, KeyCode::Char('u'), KeyModifiers::CONTROL);
    type_text(app, "9.99");
    press_with(app, KeyCode::Char('s'), KeyModifiers::CONTROL);
    assert!(app.form.is_none(), "{s} shop: {:?}", app.form);

    press(app, KeyCode::Char('6'));
    press(app, KeyCode::Char('n'));
    fill_form(app, &["fiver", "fixed", "0"]);
    assert_eq!(form_error(app), format!("An amount off is above {s}0.00 and at most {s}1,000,000.00, like 5.00"));
    discard_form(app);
    press(app, KeyCode::Char('n'));
    fill_form(app, &["fiver", "fixed", "5", "lots"]);
    assert_eq!(form_error(app), format!("The minimum subtotal is an amount up to {s}1,000,000.00, like 20.00"));
    discard_form(app);
    press(app, KeyCode::Char('n'));
    fill_form(app, &["bigspend", "fixed", &format!("{s}5"), &format!("{s}1,000")]);
    assert_eq!(message(app), format!("Created code BIGSPEND: {s}5.00 off"));

    press(app, KeyCode::Char('7'));
    assert!(screen_text(app).contains(&format!("{s}5.00")), "{s} shop, the settings tab:\n{}", screen_text(app));
    press(app, KeyCode::Char('e'));
    fill_form(app, &["Shop", s, "-1", "50", "0"]);
    assert_eq!(form_error(app), format!("Shipping is an amount from {s}0.00 to {s}1,000,000.00, like 5.00"));
    discard_form(app);
    press(app, KeyCode::Char('e'));
    fill_form(app, &["Shop", s, "5", "lots", "0"]);
    assert_eq!(form_error(app), format!("Free over is an amount from {s}0.00 to {s}1,000,000.00, like 5.00"));
    discard_form(app);
}

/// The shopper's screen, messages, checkout problems and receipt show the
/// shop's currency.
fn shopping_is_in_the_shops_currency(shop: &mut Shop) {
    let (s, app) = (shop.symbol, &mut shop.shopper);
    press(app, KeyCode::Char('a')); // USB-C Cable
    assert!(screen_text(app).contains(&format!("alice · 1 item · {s}9.99")), "{s} shop:\n{}", screen_text(app));
    press(app, KeyCode::Char('c'));
    press(app, KeyCode::Char('%'));
    type_text(app, "bigspend");
    press(app, KeyCode::Enter);
    assert_eq!(form_error(app), format!("The code BIGSPEND needs a subtotal of at least {s}1,000.00"));
    discard_form(app);

    to_review_with_a_dearer_cable(shop);
    let (s, app) = (shop.symbol, &mut shop.shopper);
    press(app, KeyCode::Char('y'));
    let Some(Dialog::CheckoutProblems { problems }) = app.dialog.clone() else { panic!("{s} shop: {:?}", app.dialog) };
    let problems: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(problems, [format!("USB-C Cable: price changed {s}9.99 → {s}10.49")]);
    press(app, KeyCode::Char('y')); // takes the new price
    press(app, KeyCode::Char('y'));
    assert_eq!(message(app), format!("Order O0001 placed and paid — {s}15.49"));
    press(app, KeyCode::Char('r'));
    let receipt = app.receipt_lines().unwrap_or_default();
    for line in
        [format!("1 × USB-C Cable @ {s}10.49 = {s}10.49"), format!("{:<22}{:>16}", "Total:", format!("{s}15.49"))]
    {
        assert!(receipt.contains(&line), "{s} shop: {line:?} not in {receipt:#?}");
    }
    press(app, KeyCode::Esc);
}

/// The shopper goes to the review; meanwhile the cable gets dearer.
fn to_review_with_a_dearer_cable(shop: &mut Shop) {
    common::keys::to_review(&mut shop.shopper, TEST_CARD);
    let products = read(shop.dir.path(), "products.json");
    let dearer = products.replace(r#""price":9.99,"#, r#""price":10.49,"#);
    assert_ne!(products, dearer);
    std::fs::write(shop.dir.path().join("products.json"), dearer).unwrap();
}

#[test]
fn two_shops_in_one_process_each_show_their_own_currency() {
    let mut euros = shop_selling_in("€");
    let mut dollars = shop_selling_in("$");
    for shop in [&mut euros, &mut dollars] {
        admin_refusals_are_in_the_shops_currency(shop);
    }
    for shop in [&mut euros, &mut dollars] {
        shopping_is_in_the_shops_currency(shop);
    }

    // One shop changes its currency: the other's amounts stay as they were.
    press(&mut dollars.admin, KeyCode::Char('7'));
    press(&mut dollars.admin, KeyCode::Char('e'));
    fill_form(&mut dollars.admin, &["Shop", "CHF ", "5", "50", "0"]);
    assert_eq!(message(&dollars.admin), "Settings saved");
    press(&mut dollars.shopper, KeyCode::Char('1'));
    press(&mut dollars.shopper, KeyCode::Char('a'));
    assert!(screen_text(&dollars.shopper).contains("alice · 1 item · CHF 10.49"), "{}", screen_text(&dollars.shopper));
    press(&mut euros.shopper, KeyCode::Char('1'));
    press(&mut euros.shopper, KeyCode::Char('a'));
    assert!(screen_text(&euros.shopper).contains("alice · 1 item · €10.49"), "{}", screen_text(&euros.shopper));
}

/// The domain's own messages, made with each shop's settings in turn.
#[test]
fn the_rules_name_amounts_in_the_currency_they_are_given() {
    for s in ["€", "$", "CHF "] {
        let settings = Settings { currency: s.to_string(), ..Settings::default() };
        let currency = settings.currency();
        assert_eq!(
            parse_price_input("0", &currency).unwrap_err().to_string(),
            format!("Price must be more than {s}0.00")
        );
        assert_eq!(
            parse_price_input("2000000", &currency),
            Err(ProductError::PriceTooHigh { currency: currency.owned() })
        );
        assert_eq!(
            parse_price_input("2000000", &currency).unwrap_err().to_string(),
            format!("Price must be at most {s}1,000,000.00")
        );
        assert_eq!(parse_price_input(&format!("{s}1,000.00"), &currency), Ok(Money::from_cents(100_000)));
        assert_eq!(parse_price_input("$19.99", &currency), Ok(Money::from_cents(1999)), "a dollar sign as before");

        let shipping = settings.with_input(["S", s, "-1", "50", "0"], false).unwrap_err().1;
        assert_eq!(shipping, format!("Shipping is an amount from {s}0.00 to {s}1,000,000.00, like 5.00"));
        let free_over = settings.with_input(["S", s, "5", "lots", "0"], false).unwrap_err().1;
        assert_eq!(free_over, format!("Free over is an amount from {s}0.00 to {s}1,000,000.00, like 5.00"));
        let typed = settings.with_input(["S", s, &format!("{s}4.50"), &format!("{s}1,000"), "0"], false).unwrap();
        assert_eq!(
            (typed.shipping.flat, typed.shipping.free_over),
            (Money::from_cents(450), Some(Money::from_cents(100_000)))
        );
        let mut negative = settings.clone();
        negative.shipping.flat = Money::from_cents(-1);
        assert_eq!(negative.validate().unwrap_err(), format!("Shipping must be between {s}0.00 and {s}1,000,000.00"));

        let fixed = DiscountInput { code: "FIVER", kind: "fixed", value: "0", ..DiscountInput::default() };
        assert_eq!(
            fixed.parse(&currency).unwrap_err().1,
            format!("An amount off is above {s}0.00 and at most {s}1,000,000.00, like 5.00")
        );
        let minimum = DiscountInput { value: "5", min_subtotal: "lots", ..fixed.clone() };
        assert_eq!(
            minimum.parse(&currency).unwrap_err().1,
            format!("The minimum subtotal is an amount up to {s}1,000,000.00, like 20.00")
        );
        let zero: Discount =
            serde_json::from_str(r#"{"code": "FIVER", "kind": "fixed", "value": 0, "min_subtotal": 0}"#).unwrap();
        assert_eq!(
            zero.validate(&currency).unwrap_err(),
            format!("FIVER: a fixed discount needs an amount above {s}0.00, at most {s}1,000,000.00")
        );
    }
}

//! Every message that names an amount uses the shop's currency symbol. The
//! symbol is one per process, so these checks run in a process of their own
//! with a shop that sells in euros.

use shopfront::domain::discount::{Discount, DiscountInput};
use shopfront::domain::money::set_currency_symbol;
use shopfront::domain::product::{ProductError, parse_price_input};
use shopfront::domain::{Money, Settings};

fn in_euros() {
    set_currency_symbol("€");
}

#[test]
fn refusals_name_amounts_in_the_shops_currency() {
    in_euros();
    assert_eq!(ProductError::PriceNotPositive.to_string(), "Price must be more than €0.00");
    assert_eq!(ProductError::PriceTooHigh.to_string(), "Price must be at most €1,000,000.00");
    let settings = Settings::default();
    let shipping = settings.with_input(["S", "€", "-1", "50", "0"], false).unwrap_err().1;
    assert_eq!(shipping, "Shipping is an amount from €0.00 to €1,000,000.00, like 5.00");
    let free_over = settings.with_input(["S", "€", "5", "lots", "0"], false).unwrap_err().1;
    assert_eq!(free_over, "Free over is an amount from €0.00 to €1,000,000.00, like 5.00");
    let mut negative = Settings::default();
    negative.shipping.flat = Money::from_cents(-1);
    assert_eq!(negative.validate().unwrap_err(), "Shipping must be between €0.00 and €1,000,000.00");
    let typed = DiscountInput { code: "FIVER", kind: "fixed", value: "0", ..DiscountInput::default() };
    assert_eq!(typed.parse().unwrap_err().1, "An amount off is above €0.00 and at most €1,000,000.00, like 5.00");
    let minimum = DiscountInput { value: "5", min_subtotal: "lots", ..typed.clone() };
    assert_eq!(minimum.parse().unwrap_err().1, "The minimum subtotal is an amount up to €1,000,000.00, like 20.00");
    let zero: Discount =
        serde_json::from_str(r#"{"code": "FIVER", "kind": "fixed", "value": 0, "min_subtotal": 0}"#).unwrap();
    assert_eq!(
        zero.validate().unwrap_err(),
        "FIVER: a fixed discount needs an amount above €0.00, at most €1,000,000.00"
    );
}

#[test]
fn amounts_may_be_typed_with_the_shops_symbol() {
    in_euros();
    assert_eq!(parse_price_input("€1,000.00"), Ok(Money::from_cents(100_000)));
    assert_eq!(parse_price_input("$19.99"), Ok(Money::from_cents(1999)), "a dollar sign as before");
    let settings = Settings::default().with_input(["S", "€", "€4.50", "€1,000", "0"], false).unwrap();
    assert_eq!(settings.shipping.flat, Money::from_cents(450));
    assert_eq!(settings.shipping.free_over, Some(Money::from_cents(100_000)));
}

//! The mock card gateway: card checks (Luhn, expiry, CVC), the brand, and
//! the outcome of a charge by test number, as payment sandboxes do. Nothing
//! here keeps a card number: what may be stored is `CardOnFile` (brand,
//! last four digits, expiry) and the order's `Payment` record.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::extra::Extra;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Brand {
    Visa,
    Mastercard,
    AmericanExpress,
    Other,
}

impl Brand {
    /// The brand a card number belongs to, from its first digits.
    pub fn of(digits: &str) -> Brand {
        let prefix = |n: usize| digits.get(..n).and_then(|p| p.parse::<u32>().ok());
        if digits.starts_with('4') {
            Brand::Visa
        } else if prefix(2).is_some_and(|p| (51..=55).contains(&p))
            || prefix(4).is_some_and(|p| (2221..=2720).contains(&p))
        {
            Brand::Mastercard
        } else if digits.starts_with("34") || digits.starts_with("37") {
            Brand::AmericanExpress
        } else {
            Brand::Other
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Brand::Visa => "Visa",
            Brand::Mastercard => "Mastercard",
            Brand::AmericanExpress => "American Express",
            Brand::Other => "Card",
        }
    }

    fn cvc_len(self) -> usize {
        if self == Brand::AmericanExpress { 4 } else { 3 }
    }
}

impl fmt::Display for Brand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// A month a card is valid through.
///
/// Equality is of the whole record, kept fields included (as for every
/// record); which month comes first, and whether two cards expire the same
/// month, go by the month alone: `is_before`, `same_month`. There is no
/// `Ord`, so that a stored note can never decide whether a card expired.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Expiry {
    pub year: u16,
    pub month: u8,
    /// Fields Shopfront does not know, kept as they were.
    #[serde(flatten, skip_deserializing)]
    pub extra: Extra,
}

crate::keep_extra!(Expiry);

impl Expiry {
    pub const fn new(year: u16, month: u8) -> Expiry {
        Expiry { year, month, extra: Extra::EMPTY }
    }

    /// Whether this month comes before `other`'s (kept fields aside).
    pub fn is_before(&self, other: &Expiry) -> bool {
        (self.year, self.month) < (other.year, other.month)
    }

    /// Whether both are the same month (kept fields aside).
    pub fn same_month(&self, other: &Expiry) -> bool {
        (self.year, self.month) == (other.year, other.month)
    }

    /// The month `at` falls in: a card valid through it is still good.
    pub fn of(at: super::time::Timestamp) -> Expiry {
        use chrono::Datelike;
        Expiry::new(u16::try_from(at.0.year()).unwrap_or(0), at.0.month() as u8)
    }
}

impl fmt::Display for Expiry {
    /// `12/28`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&format!("{:02}/{:02}", self.month, self.year % 100))
    }
}

/// A card remembered for the next checkout: never the number or the CVC.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct CardOnFile {
    pub brand: Brand,
    pub last4: String,
    pub expiry: Expiry,
    /// Fields Shopfront does not know, kept as they were.
    #[serde(flatten, skip_deserializing)]
    pub extra: Extra,
}

crate::keep_extra!(CardOnFile);

impl CardOnFile {
    /// `Visa •••• 4242  12/28`.
    pub fn label(&self) -> String {
        format!("{} •••• {}  {}", self.brand, self.last4, self.expiry)
    }

    pub fn validate(&self) -> Result<(), String> {
        if self.last4.len() != 4 || !self.last4.bytes().all(|b| b.is_ascii_digit()) {
            return Err("a saved card's last4 must be four digits".into());
        }
        if !(1..=12).contains(&self.expiry.month) {
            return Err("a saved card's expiry month must be 1–12".into());
        }
        Ok(())
    }
}

/// How an order was paid, kept on the order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Payment {
    pub brand: Brand,
    pub last4: String,
    pub reference: String,
    /// The money given back when the order was cancelled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund: Option<Refund>,
    #[serde(flatten, skip_deserializing)]
    pub extra: Extra,
}

crate::keep_extra!(Payment);

/// A refund through the (mock) gateway, kept on the order's payment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Refund {
    pub amount: crate::domain::Money,
    pub reference: String,
    /// Who cancelled the order (an account name).
    pub by: String,
    pub at: crate::domain::Timestamp,
    #[serde(flatten, skip_deserializing)]
    pub extra: Extra,
}

crate::keep_extra!(Refund);

/// Gives `amount` back to the card `payment` charged, through the mock
/// gateway (which always approves a refund of a charge it approved).
pub fn refund(payment: &Payment, amount: crate::domain::Money, by: &str, at: crate::domain::Timestamp) -> Refund {
    Refund {
        amount,
        reference: format!("{}_refund", payment.reference),
        by: by.to_string(),
        at,
        extra: Extra::default(),
    }
}

/// Cancels, through the mock gateway, a charge whose order was never
/// saved (the answer is its reference): the card keeps its money.
pub fn void(payment: &Payment) -> String {
    format!("{}_void", payment.reference)
}

impl Payment {
    /// `Visa •••• 4242`.
    pub fn label(&self) -> String {
        format!("{} •••• {}", self.brand, self.last4)
    }
}

/// What the shopper typed in the card form. Lives only in memory for the
/// length of one checkout; `Debug` never shows the number or the CVC.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct CardInput {
    pub name: String,
    pub number: String,
    pub expiry: String,
    pub cvc: String,
}

impl fmt::Debug for CardInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CardInput").field("name", &self.name).finish_non_exhaustive()
    }
}

/// A card form's problem, for the field it names.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum CardError {
    #[error("Enter the name on the card")]
    NoName,
    #[error("A card number has 12 to 19 digits")]
    NumberLength,
    #[error("That card number is not valid")]
    NotValid,
    #[error("Expiry must look like MM/YY, for example 04/29")]
    ExpiryFormat,
    #[error("That card has expired")]
    ExpiryPast,
    #[error("The CVC is the {0} digits on the card")]
    Cvc(usize),
}

impl CardError {
    /// The form field (0-based: name, number, expiry, CVC) the error is about.
    pub fn field(&self) -> usize {
        match self {
            CardError::NoName => 0,
            CardError::NumberLength | CardError::NotValid => 1,
            CardError::ExpiryFormat | CardError::ExpiryPast => 2,
            CardError::Cvc(_) => 3,
        }
    }
}

/// A card that passed every check: the digits stay in memory only.
#[derive(Clone, PartialEq, Eq)]
pub struct CheckedCard {
    digits: String,
    pub brand: Brand,
    pub expiry: Expiry,
}

impl fmt::Debug for CheckedCard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CheckedCard").field("brand", &self.brand).field("last4", &self.last4()).finish()
    }
}

impl CheckedCard {
    pub fn last4(&self) -> &str {
        &self.digits[self.digits.len() - 4..]
    }

    pub fn on_file(&self) -> CardOnFile {
        CardOnFile {
            brand: self.brand,
            last4: self.last4().to_string(),
            expiry: self.expiry.clone(),
            extra: Extra::default(),
        }
    }
}

/// The Luhn checksum every card number carries in its last digit.
pub fn luhn_valid(digits: &str) -> bool {
    let mut sum = 0;
    for (i, b) in digits.bytes().rev().enumerate() {
        let mut d = u32::from(b - b'0');
        if i % 2 == 1 {
            d *= 2;
            if d > 9 {
                d -= 9;
            }
        }
        sum += d;
    }
    sum % 10 == 0
}

/// `MM/YY` (also `MM/YYYY`, `MMYY`) into an expiry.
pub fn parse_expiry(text: &str) -> Result<Expiry, CardError> {
    let text = text.trim();
    let (month, year) = match text.split_once('/') {
        Some((m, y)) => (m.trim(), y.trim()),
        None if text.len() == 4 => text.split_at(2),
        None => return Err(CardError::ExpiryFormat),
    };
    let number =
        |s: &str| (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).then(|| s.parse::<u16>().ok()).flatten();
    let (Some(month), Some(year)) = (number(month), number(year)) else {
        return Err(CardError::ExpiryFormat);
    };
    let year = match year {
        0..=99 => 2000 + year,
        2000..=2099 => year,
        _ => return Err(CardError::ExpiryFormat),
    };
    if !(1..=12).contains(&month) {
        return Err(CardError::ExpiryFormat);
    }
    Ok(Expiry::new(year, month as u8))
}

/// Checks a typed card: name, 12–19 digits (spaces allowed) passing Luhn,
/// an expiry not in the past (`today`'s month still counts), a CVC of the
/// brand's length.
pub fn check_card(input: &CardInput, today: Expiry) -> Result<CheckedCard, CardError> {
    if input.name.trim().is_empty() {
        return Err(CardError::NoName);
    }
    let compact: String = input.number.chars().filter(|c| *c != ' ' && *c != '-').collect();
    if !compact.bytes().all(|b| b.is_ascii_digit()) || !(12..=19).contains(&compact.len()) {
        return Err(CardError::NumberLength);
    }
    if !luhn_valid(&compact) {
        return Err(CardError::NotValid);
    }
    let expiry = parse_expiry(&input.expiry)?;
    if expiry.is_before(&today) {
        return Err(CardError::ExpiryPast);
    }
    let brand = Brand::of(&compact);
    check_cvc(&input.cvc, brand)?;
    Ok(CheckedCard { digits: compact, brand, expiry })
}

/// A CVC of the brand's length (4 for American Express, else 3).
pub fn check_cvc(cvc: &str, brand: Brand) -> Result<(), CardError> {
    let cvc = cvc.trim();
    if cvc.len() != brand.cvc_len() || !cvc.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CardError::Cvc(brand.cvc_len()));
    }
    Ok(())
}

/// Why the gateway turned a charge down.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum Decline {
    #[error("Your card was declined")]
    Declined,
    #[error("Insufficient funds")]
    InsufficientFunds,
    #[error("Your card has expired")]
    Expired,
    #[error("Incorrect CVC")]
    IncorrectCvc,
}

/// What is charged: a card just typed, or one on file (whose number we do
/// not have; the mock gateway approves it once its CVC has the right shape).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Charge {
    Card(CheckedCard),
    OnFile(CardOnFile),
}

impl Charge {
    pub fn brand(&self) -> Brand {
        match self {
            Charge::Card(card) => card.brand,
            Charge::OnFile(card) => card.brand,
        }
    }

    pub fn last4(&self) -> &str {
        match self {
            Charge::Card(card) => card.last4(),
            Charge::OnFile(card) => &card.last4,
        }
    }
}

/// Runs a charge through the mock gateway. Outcomes by test number:
/// `4000 0000 0000 0002` declined, `…9995` insufficient funds, `…0069`
/// expired, `…0127` incorrect CVC; every other valid number is approved.
/// `reference` names the approval (the order id makes it unique).
pub fn charge(what: &Charge, reference: &str) -> Result<Payment, Decline> {
    if let Charge::Card(card) = what {
        match card.digits.as_str() {
            "4000000000000002" => return Err(Decline::Declined),
            "4000000000009995" => return Err(Decline::InsufficientFunds),
            "4000000000000069" => return Err(Decline::Expired),
            "4000000000000127" => return Err(Decline::IncorrectCvc),
            _ => {}
        }
    }
    Ok(Payment {
        brand: what.brand(),
        last4: what.last4().to_string(),
        reference: format!("mock_{reference}_{}", what.last4()),
        refund: None,
        extra: Extra::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: Expiry = Expiry::new(2026, 11);

    fn card(number: &str) -> CardInput {
        CardInput { name: "Ada Lovelace".into(), number: number.into(), expiry: "12/28".into(), cvc: "123".into() }
    }

    fn outcome(number: &str, cvc: &str) -> Result<Payment, String> {
        let input = CardInput { cvc: cvc.into(), ..card(number) };
        let checked = check_card(&input, TODAY).map_err(|e| e.to_string())?;
        charge(&Charge::Card(checked), "O0007").map_err(|e| e.to_string())
    }

    #[test]
    fn every_test_card_has_its_outcome() {
        let visa = outcome("4242 4242 4242 4242", "123").unwrap();
        assert_eq!((visa.brand, visa.last4.as_str()), (Brand::Visa, "4242"));
        assert_eq!(outcome("5555 5555 5555 4444", "123").unwrap().brand, Brand::Mastercard);
        assert_eq!(outcome("3782 822463 10005", "1234").unwrap().brand, Brand::AmericanExpress);
        assert_eq!(outcome("4000 0000 0000 0002", "123").unwrap_err(), "Your card was declined");
        assert_eq!(outcome("4000 0000 0000 9995", "123").unwrap_err(), "Insufficient funds");
        assert_eq!(outcome("4000 0000 0000 0069", "123").unwrap_err(), "Your card has expired");
        assert_eq!(outcome("4000 0000 0000 0127", "123").unwrap_err(), "Incorrect CVC");
        assert_eq!(outcome("4242 4242 4242 4241", "123").unwrap_err(), "That card number is not valid");
        // Any other valid number is approved.
        assert!(outcome("6011 1111 1111 1117", "123").is_ok());
    }

    #[test]
    fn luhn_and_the_form_checks() {
        assert!(luhn_valid("4242424242424242"));
        assert!(!luhn_valid("4242424242424241"));
        assert_eq!(outcome("4242", "123").unwrap_err(), "A card number has 12 to 19 digits");
        assert_eq!(outcome("4242 4242 4242 424x", "123").unwrap_err(), "A card number has 12 to 19 digits");
        assert_eq!(outcome("3782 822463 10005", "123").unwrap_err(), "The CVC is the 4 digits on the card");
        assert_eq!(outcome("4242 4242 4242 4242", "1234").unwrap_err(), "The CVC is the 3 digits on the card");
        let past = CardInput { expiry: "10/26".into(), ..card("4242424242424242") };
        assert_eq!(check_card(&past, TODAY).unwrap_err(), CardError::ExpiryPast);
        let this_month = CardInput { expiry: "11/26".into(), ..card("4242424242424242") };
        assert!(check_card(&this_month, TODAY).is_ok());
        for bad in ["13/28", "1228", "12-28", "ab/cd", "", "00/30"] {
            let input = CardInput { expiry: bad.into(), ..card("4242424242424242") };
            let wanted = if bad == "1228" { Ok(()) } else { Err(CardError::ExpiryFormat) };
            assert_eq!(check_card(&input, TODAY).map(|_| ()), wanted, "{bad}");
        }
        let nameless = CardInput { name: " ".into(), ..card("4242424242424242") };
        assert_eq!(check_card(&nameless, TODAY).unwrap_err(), CardError::NoName);
    }

    #[test]
    fn nothing_printable_holds_the_number_or_the_cvc() {
        let input = card("4242 4242 4242 4242");
        let checked = check_card(&input, TODAY).unwrap();
        for shown in [format!("{input:?}"), format!("{checked:?}"), format!("{:?}", checked.on_file())] {
            assert!(!shown.contains("4242 4242") && !shown.contains("42424242") && !shown.contains("123"), "{shown}");
        }
        let on_file = serde_json::to_string(&checked.on_file()).unwrap();
        assert_eq!(on_file, r#"{"brand":"visa","last4":"4242","expiry":{"year":2028,"month":12}}"#);
        assert_eq!(checked.on_file().label(), "Visa •••• 4242  12/28");
    }
}

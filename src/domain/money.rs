//! Money as whole cents. Prices are read from their exact decimal text in
//! JSON (never through a float) and written back the same way.

use std::borrow::Cow;
use std::fmt;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;
use thiserror::Error;

/// Largest amount we accept: $10 trillion, far below i64 overflow even when
/// multiplied by a large quantity in checked arithmetic.
const MAX_CENTS: i128 = 1_000_000_000_000_000;

/// An amount of money in whole cents.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Money {
    cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MoneyError {
    #[error("expected an amount like 9.99, found {0}")]
    NotANumber(String),
    #[error("amount cannot be negative: {0}")]
    Negative(String),
    #[error("amount has more than two decimals: {0}")]
    TooPrecise(String),
    #[error("amount is too large: {0}")]
    TooLarge(String),
}

/// How to treat digits beyond the cents.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Rounding {
    /// More than two decimals is an error (prices).
    Exact,
    /// Round half away from zero (legacy float totals such as 0.5000000000000001).
    ToCents,
}

impl Money {
    pub const ZERO: Money = Money { cents: 0 };

    pub const fn from_cents(cents: i64) -> Self {
        Money { cents }
    }

    pub const fn cents(self) -> i64 {
        self.cents
    }

    /// Parses `9.99`, `10`, `89.5` or `1e2` exactly; more than two decimals is an error.
    pub fn parse_exact(text: &str) -> Result<Money, MoneyError> {
        parse_decimal(text, Rounding::Exact)
    }

    /// Parses a legacy amount, rounding to the nearest cent.
    pub fn parse_rounded(text: &str) -> Result<Money, MoneyError> {
        parse_decimal(text, Rounding::ToCents)
    }

    /// Unit price times quantity; `None` on overflow.
    pub fn times(self, qty: u32) -> Option<Money> {
        self.cents.checked_mul(i64::from(qty)).map(Money::from_cents)
    }

    pub fn is_zero(&self) -> bool {
        self.cents == 0
    }

    pub fn checked_add(self, other: Money) -> Option<Money> {
        self.cents.checked_add(other.cents).map(Money::from_cents)
    }

    /// The JSON decimal text: `9.99`, `89.5`, `10.0` (always a decimal point,
    /// as the console shop wrote prices).
    pub fn to_decimal_string(self) -> String {
        self.decimal().to_string()
    }

    /// The amount as a form shows it for editing: `5.00`, `1234.50`.
    pub fn to_input_string(self) -> String {
        let abs = self.cents.unsigned_abs();
        format!("{}{}.{:02}", if self.cents < 0 { "-" } else { "" }, abs / 100, abs % 100)
    }

    /// The same text, to format without an intermediate string.
    pub fn decimal(self) -> Decimal {
        Decimal(self)
    }
}

/// `Money` shown as its JSON decimal text (see `Money::decimal`).
pub struct Decimal(Money);

impl fmt::Display for Decimal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cents = self.0.cents;
        let abs = cents.unsigned_abs();
        let (whole, frac) = (abs / 100, abs % 100);
        let sign = if cents < 0 { "-" } else { "" };
        if frac % 10 == 0 { write!(f, "{sign}{whole}.{}", frac / 10) } else { write!(f, "{sign}{whole}.{frac:02}") }
    }
}

/// The symbol a shop shows before every amount: its settings' `currency`
/// (`$`, `€`, `CHF `). Every amount is shown with the currency of the shop
/// it belongs to, passed in: there is no process-wide one, so two shops in
/// one process never show each other's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Currency<'a>(Cow<'a, str>);

impl<'a> Currency<'a> {
    /// No symbol at all (`1,234.50`): for the data files' own checks, which
    /// read one file alone, without the shop's settings.
    pub const PLAIN: Currency<'static> = Currency(Cow::Borrowed(""));

    pub const fn new(symbol: &'a str) -> Currency<'a> {
        Currency(Cow::Borrowed(symbol))
    }

    pub fn symbol(&self) -> &str {
        &self.0
    }

    /// The same currency, owned: for a message kept beyond the settings
    /// it was made with (an error).
    pub fn owned(&self) -> Currency<'static> {
        Currency(Cow::Owned(self.0.to_string()))
    }
}

/// An amount as a person types it, made plain: trimmed, without a leading
/// currency symbol (`$`, or the shop's `currency`) and without thousands
/// separators — which must be where the app shows them (`1,000.00`,
/// `12,345`: groups of three before the decimal point). `None` when a
/// separator is misplaced. What is left is for the caller to parse.
pub fn typed_digits(text: &str, currency: &Currency) -> Option<String> {
    let text = text.trim();
    let symbol = currency.symbol().trim();
    let text = match text.strip_prefix('$') {
        Some(rest) => rest,
        None if !symbol.is_empty() => text.strip_prefix(symbol).map_or(text, str::trim_start),
        None => text,
    };
    if !text.contains(',') {
        return Some(text.to_string());
    }
    let (whole, frac) = match text.split_once('.') {
        Some((whole, frac)) => (whole, Some(frac)),
        None => (text, None),
    };
    let mut groups = whole.split(',');
    let first = groups.next()?;
    let digits = |group: &str| group.bytes().all(|b| b.is_ascii_digit());
    if !(1..=3).contains(&first.len()) || !digits(first) {
        return None;
    }
    let mut plain = first.to_string();
    for group in groups {
        if group.len() != 3 || !digits(group) {
            return None;
        }
        plain.push_str(group);
    }
    if let Some(frac) = frac {
        if frac.contains(',') {
            return None;
        }
        plain.push('.');
        plain.push_str(frac);
    }
    Some(plain)
}

impl Money {
    /// The amount as `currency`'s shop shows it: `$1,234.50`. `Money` has no
    /// `Display` of its own: every amount a person sees names its shop's currency.
    pub fn shown<'a>(self, currency: &'a Currency<'_>) -> Shown<'a> {
        Shown { amount: self, symbol: currency.symbol() }
    }
}

/// An amount with its shop's symbol (see `Money::shown`).
pub struct Shown<'a> {
    amount: Money,
    symbol: &'a str,
}

impl fmt::Display for Shown<'_> {
    /// `$1,234.50`: the currency symbol, thousands separators and always two decimals.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cents = self.amount.cents;
        let sign = if cents < 0 { "-" } else { "" };
        let abs = cents.unsigned_abs();
        let whole = (abs / 100).to_string();
        let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
        for (i, ch) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        f.pad(&format!("{sign}{}{grouped}.{:02}", self.symbol, abs % 100))
    }
}

/// A typed amount such as `19.99` (see `parse_exact`).
impl std::str::FromStr for Money {
    type Err = MoneyError;
    fn from_str(text: &str) -> Result<Money, MoneyError> {
        Money::parse_exact(text)
    }
}

impl Money {
    /// The sum of `amounts`; `None` if it does not fit (never a wrapped number).
    pub fn checked_sum(amounts: impl IntoIterator<Item = Option<Money>>) -> Option<Money> {
        amounts.into_iter().try_fold(Money::ZERO, |sum, amount| sum.checked_add(amount?))
    }
}

/// An amount that may have overflowed, as a person reads it.
pub fn show(amount: Option<Money>, currency: &Currency) -> String {
    amount.map_or_else(|| "too large".to_string(), |m| m.shown(currency).to_string())
}

/// The amount's text as a message shows it: a 50 MB number is cut short.
fn quoted(text: &str) -> String {
    super::text::excerpt(text, super::text::EXCERPT_CHARS).into_owned()
}

fn parse_decimal(text: &str, rounding: Rounding) -> Result<Money, MoneyError> {
    let not_a_number = || MoneyError::NotANumber(quoted(text));
    let trimmed = text.trim();
    if let Some(rest) = trimmed.strip_prefix('-') {
        // `-0` and `-0.00` are still zero; anything else below zero is refused.
        if !rest.is_empty() && rest.chars().all(|c| matches!(c, '0' | '.')) {
            return Ok(Money::ZERO);
        }
        return Err(MoneyError::Negative(quoted(text)));
    }
    let (mantissa, exponent) = match trimmed.find(['e', 'E']) {
        Some(at) => {
            let exp: i32 = trimmed[at + 1..].parse().map_err(|_| not_a_number())?;
            (&trimmed[..at], exp)
        }
        None => (trimmed, 0),
    };
    let (whole, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if whole.is_empty() && frac.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(not_a_number());
    }
    let too_large = || MoneyError::TooLarge(quoted(text));
    // The significant digits as one integer (no allocation: this runs for
    // every price of a 100,000-product file).
    let mut digits: i128 = 0;
    let mut significant = 0usize;
    for b in whole.bytes().chain(frac.bytes()) {
        if digits == 0 && b == b'0' {
            continue;
        }
        significant += 1;
        if significant > 36 {
            return Err(too_large());
        }
        digits = digits * 10 + i128::from(b - b'0');
    }
    // value = digits × 10^(exponent - decimals); cents = value × 100.
    let shift = i64::from(exponent) - frac.len() as i64 + 2;
    let cents: i128 = if shift >= 0 {
        if digits != 0 && significant as i64 + shift > 18 {
            return Err(too_large());
        }
        digits * 10i128.pow(shift.min(18) as u32)
    } else {
        let cut = (-shift) as u32;
        let (kept, dropped_is_zero, round_up) = if cut > 38 {
            (0, digits == 0, false)
        } else {
            let divisor = 10i128.pow(cut);
            let dropped = digits % divisor;
            // Half away from zero: the dropped part is at least half a cent.
            (digits / divisor, dropped == 0, dropped * 2 >= divisor)
        };
        if rounding == Rounding::Exact && !dropped_is_zero {
            return Err(MoneyError::TooPrecise(quoted(text)));
        }
        kept + i128::from(round_up)
    };
    if cents > MAX_CENTS {
        return Err(too_large());
    }
    Ok(Money::from_cents(cents as i64))
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // A raw JSON number keeps the exact decimal text (9.99, not 9.9900000001).
        let raw = RawValue::from_string(self.to_decimal_string()).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize_with(deserializer, Rounding::Exact)
    }
}

/// `#[serde(deserialize_with = "...")]` for legacy float amounts that must be rounded.
pub fn deserialize_rounded<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Money, D::Error> {
    deserialize_with(deserializer, Rounding::ToCents)
}

fn deserialize_with<'de, D: Deserializer<'de>>(deserializer: D, rounding: Rounding) -> Result<Money, D::Error> {
    let raw = <&'de RawValue>::deserialize(deserializer)?;
    let text = raw.get();
    if !text.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
        return Err(D::Error::custom(MoneyError::NotANumber(quoted(text))));
    }
    parse_decimal(text, rounding).map_err(D::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_exact_prices() {
        assert_eq!(Money::parse_exact("9.99"), Ok(Money::from_cents(999)));
        assert_eq!(Money::parse_exact("10"), Ok(Money::from_cents(1000)));
        assert_eq!(Money::parse_exact("89.5"), Ok(Money::from_cents(8950)));
        assert_eq!(Money::parse_exact("0.1"), Ok(Money::from_cents(10)));
        assert_eq!(Money::parse_exact("1e2"), Ok(Money::from_cents(10000)));
        assert_eq!(Money::parse_exact("1.5E1"), Ok(Money::from_cents(1500)));
        assert_eq!(Money::parse_exact("9.990"), Ok(Money::from_cents(999)));
        assert_eq!(Money::parse_exact("0"), Ok(Money::ZERO));
        assert_eq!(Money::parse_exact("-0.0"), Ok(Money::ZERO));
        assert_eq!(Money::parse_exact("123e-2"), Ok(Money::from_cents(123)));
    }

    #[test]
    fn refuses_bad_prices() {
        assert_eq!(Money::parse_exact("9.999"), Err(MoneyError::TooPrecise("9.999".into())));
        assert_eq!(Money::parse_exact("-1.00"), Err(MoneyError::Negative("-1.00".into())));
        assert_eq!(Money::parse_exact("1e30"), Err(MoneyError::TooLarge("1e30".into())));
        assert_eq!(Money::parse_exact("abc"), Err(MoneyError::NotANumber("abc".into())));
        assert_eq!(Money::parse_exact("."), Err(MoneyError::NotANumber(".".into())));
        assert_eq!(Money::parse_exact(""), Err(MoneyError::NotANumber("".into())));
        assert_eq!(Money::parse_exact("9.999").unwrap_err().to_string(), "amount has more than two decimals: 9.999");
        let huge = format!("1.{}", "1".repeat(5_000_000));
        let message = Money::parse_exact(&huge).unwrap_err().to_string();
        assert_eq!(message, format!("amount is too large: 1.{}…", "1".repeat(57)));
    }

    #[test]
    fn rounds_legacy_totals_to_cents() {
        assert_eq!(Money::parse_rounded("0.5000000000000001"), Ok(Money::from_cents(50)));
        assert_eq!(Money::parse_rounded("0.30000000000000004"), Ok(Money::from_cents(30)));
        assert_eq!(Money::parse_rounded("2.675"), Ok(Money::from_cents(268)));
        assert_eq!(Money::parse_rounded("0.004"), Ok(Money::from_cents(0)));
        assert_eq!(Money::parse_rounded("0.005"), Ok(Money::from_cents(1)));
        assert_eq!(Money::parse_rounded("1e-9"), Ok(Money::from_cents(0)));
    }

    const DOLLARS: Currency = Currency::new("$");

    #[test]
    fn displays_and_writes_back() {
        assert_eq!(Money::from_cents(999).shown(&DOLLARS).to_string(), "$9.99");
        assert_eq!(Money::from_cents(123_456_789).shown(&DOLLARS).to_string(), "$1,234,567.89");
        assert_eq!(Money::from_cents(5).shown(&DOLLARS).to_string(), "$0.05");
        assert_eq!(Money::from_cents(999).to_decimal_string(), "9.99");
        assert_eq!(Money::from_cents(8950).to_decimal_string(), "89.5");
        assert_eq!(Money::from_cents(1000).to_decimal_string(), "10.0");
        assert_eq!(Money::from_cents(5).to_decimal_string(), "0.05");
        assert_eq!(format!("{:>8}", Money::from_cents(999).shown(&DOLLARS)), "   $9.99");
    }

    #[test]
    fn each_amount_shows_the_currency_it_is_given() {
        let amount = Money::from_cents(123_450);
        assert_eq!(amount.shown(&Currency::new("€")).to_string(), "€1,234.50");
        assert_eq!(amount.shown(&Currency::new("CHF ")).to_string(), "CHF 1,234.50");
        assert_eq!(Money::from_cents(-5).shown(&Currency::new("€")).to_string(), "-€0.05");
        assert_eq!(amount.shown(&Currency::PLAIN).to_string(), "1,234.50");
        assert_eq!(show(Some(amount), &Currency::new("€")), "€1,234.50");
    }

    #[test]
    fn typed_amounts_may_lead_with_the_shops_symbol_or_a_dollar_sign() {
        let euros = Currency::new("€");
        assert_eq!(typed_digits(" €1,000.00 ", &euros).as_deref(), Some("1000.00"));
        assert_eq!(typed_digits("$19.99", &euros).as_deref(), Some("19.99"));
        assert_eq!(typed_digits("CHF 5", &Currency::new("CHF ")).as_deref(), Some("5"));
        assert_eq!(typed_digits("€5", &DOLLARS).as_deref(), Some("€5"), "another shop's symbol is not a number");
        assert_eq!(typed_digits("1,00", &euros), None);
    }

    #[test]
    fn json_round_trip_is_exact() {
        let m: Money = serde_json::from_str("24.99").unwrap();
        assert_eq!(m.cents(), 2499);
        assert_eq!(serde_json::to_string(&m).unwrap(), "24.99");
        let err = serde_json::from_str::<Vec<Money>>("[\n  \"9.99\"]").unwrap_err();
        assert_eq!(err.line(), 2);
        assert!(err.to_string().contains("expected an amount like 9.99"), "{err}");
    }

    #[test]
    fn arithmetic_is_checked() {
        assert_eq!(Money::from_cents(333).times(3), Some(Money::from_cents(999)));
        assert_eq!(Money::from_cents(i64::MAX).times(2), None);
        let total = Money::checked_sum([10, 20].into_iter().map(|c| Some(Money::from_cents(c))));
        assert_eq!(total, Some(Money::from_cents(30)));
        let huge = Money::from_cents(i64::MAX / 2 + 1);
        assert_eq!(Money::checked_sum([Some(huge), Some(huge)]), None, "never wraps");
        assert_eq!(Money::checked_sum([Some(huge), None]), None);
        assert_eq!(show(None, &DOLLARS), "too large");
    }
}

//! The shop's settings (settings.json): its name, shipping costs and tax.
//! A missing file or field means the default.

use std::fmt;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

use super::extra::Extra;
use super::money::{Currency, Money};
use super::product::PRICE_MAX;
use super::text::printable;

pub const SHOP_NAME_MAX: usize = 60;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Settings {
    #[serde(default = "default_shop_name")]
    pub shop_name: String,
    /// The symbol shown before amounts (`$`, `€`, `CHF `).
    #[serde(default = "default_currency")]
    pub currency: String,
    #[serde(default)]
    pub shipping: Shipping,
    #[serde(default)]
    pub tax: Tax,
    /// The last change an admin made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed: Option<super::AdminChange>,
    /// Fields Shopfront does not know, kept as they were.
    #[serde(flatten, skip_deserializing)]
    pub extra: Extra,
}

crate::keep_extra!(Settings);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Shipping {
    /// What shipping costs when it is not free.
    #[serde(default = "default_flat")]
    pub flat: Money,
    /// From this amount (after the discount) shipping is free; `null`: never.
    #[serde(default = "default_free_over")]
    pub free_over: Option<Money>,
    #[serde(flatten, skip_deserializing)]
    pub extra: Extra,
}

crate::keep_extra!(Shipping);

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Tax {
    #[serde(default)]
    pub rate_percent: TaxRate,
    /// Prices already contain the tax: it is shown, not added.
    #[serde(default)]
    pub included_in_prices: bool,
    #[serde(flatten, skip_deserializing)]
    pub extra: Extra,
}

crate::keep_extra!(Tax);

fn default_shop_name() -> String {
    "Shopfront".to_string()
}

fn default_currency() -> String {
    "$".to_string()
}

pub const CURRENCY_MAX: usize = 4;

fn default_flat() -> Money {
    Money::from_cents(500)
}

fn default_free_over() -> Option<Money> {
    Some(Money::from_cents(5000))
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            shop_name: default_shop_name(),
            currency: default_currency(),
            shipping: Shipping::default(),
            tax: Tax::default(),
            changed: None,
            extra: Extra::default(),
        }
    }
}

impl Default for Shipping {
    fn default() -> Shipping {
        Shipping { flat: default_flat(), free_over: default_free_over(), extra: Extra::default() }
    }
}

impl Settings {
    /// What is wrong with these settings, in words for the shop owner.
    pub fn validate(&self) -> Result<(), String> {
        let name = self.shop_name.trim();
        if name.is_empty() || name.chars().count() > SHOP_NAME_MAX {
            return Err(format!("Shop name must be 1–{SHOP_NAME_MAX} characters"));
        }
        if name.chars().any(char::is_control) {
            return Err("Shop name cannot contain control characters".into());
        }
        let currency = self.currency.as_str();
        if currency.trim().is_empty()
            || currency.chars().count() > CURRENCY_MAX
            || currency.chars().any(|c| c.is_control() || c.is_ascii_digit() || c == '-' || c == '.' || c == ',')
        {
            return Err(format!("Currency is a symbol of 1–{CURRENCY_MAX} characters, like $ or € (no digits)"));
        }
        let shop_currency = self.currency();
        let (zero, max) = (Money::ZERO.shown(&shop_currency), PRICE_MAX.shown(&shop_currency));
        if self.shipping.flat < Money::ZERO || self.shipping.flat > PRICE_MAX {
            return Err(format!("Shipping must be between {zero} and {max}"));
        }
        if let Some(free_over) = self.shipping.free_over
            && (free_over < Money::ZERO || free_over > PRICE_MAX)
        {
            return Err(format!("Free shipping threshold must be between {zero} and {max}"));
        }
        Ok(())
    }

    /// The currency every amount of this shop is shown in.
    pub fn currency(&self) -> Currency<'_> {
        Currency::new(&self.currency)
    }

    /// The shop's name, safe to print.
    pub fn display_name(&self) -> String {
        printable(&self.shop_name).into_owned()
    }
}

/// The settings form's fields in order, and its toggle.
pub const INPUT_FIELDS: [&str; 5] = ["Shop name", "Currency", "Shipping", "Free over", "Tax %"];
pub const INCLUDED_TOGGLE: &str = "Tax included in prices";

impl Settings {
    /// The form's values for these settings.
    pub fn input_values(&self) -> [String; 5] {
        [
            self.shop_name.clone(),
            self.currency.clone(),
            self.shipping.flat.to_input_string(),
            self.shipping.free_over.map(|m| m.to_input_string()).unwrap_or_default(),
            self.tax.rate_percent.to_string(),
        ]
    }

    /// These settings with the typed values (fields we do not know are
    /// kept); or which field is wrong and why. An empty "Free over" means
    /// shipping is never free. Amounts are typed and refused in the
    /// currency the shop has now (a new one applies once saved).
    pub fn with_input(&self, values: [&str; 5], included: bool) -> Result<Settings, (usize, String)> {
        let [name, currency, flat, free_over, tax] = values;
        let current = self.currency();
        let (zero, max) = (Money::ZERO.shown(&current), PRICE_MAX.shown(&current));
        let money = |text: &str, field: usize, what: &str| -> Result<Money, (usize, String)> {
            let parsed = match super::money::typed_digits(text, &current) {
                Some(digits) if digits.starts_with('.') => Money::parse_exact(&format!("0{digits}")).ok(),
                Some(digits) => Money::parse_exact(&digits).ok(),
                None => None,
            };
            parsed
                .filter(|m| *m >= Money::ZERO && *m <= PRICE_MAX)
                .ok_or((field, format!("{what} is an amount from {zero} to {max}, like 5.00")))
        };
        let mut settings = self.clone();
        settings.shop_name = name.trim().to_string();
        // A trailing space is kept: `CHF ` reads `CHF 5.00`.
        settings.currency = currency.trim_start().to_string();
        settings.shipping.flat = money(flat, 2, "Shipping")?;
        settings.shipping.free_over =
            if free_over.trim().is_empty() { None } else { Some(money(free_over, 3, "Free over")?) };
        settings.tax.rate_percent = TaxRate::parse(tax).map_err(|message| (4, message))?;
        settings.tax.included_in_prices = included;
        settings.validate().map_err(|message| (if message.starts_with("Currency") { 1 } else { 0 }, message))?;
        Ok(settings)
    }
}

/// A tax rate in thousandths of a percent (8.25 % is 8250): at most three
/// decimals, from 0 to 100 %. Read and written as its exact decimal text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct TaxRate(u32);

pub const TAX_RATE_MAX: TaxRate = TaxRate(100_000);

impl TaxRate {
    pub const ZERO: TaxRate = TaxRate(0);

    pub const fn from_thousandths(thousandths: u32) -> TaxRate {
        TaxRate(thousandths)
    }

    /// Thousandths of a percent.
    pub const fn thousandths(self) -> u32 {
        self.0
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0
    }

    /// Parses `8.25`, `0`, `7.125`; more than three decimals or more than
    /// 100 is refused with a message naming the rule.
    pub fn parse(text: &str) -> Result<TaxRate, String> {
        let text = text.trim();
        let refuse = || {
            format!(
                "Tax must be a percentage from 0 to 100 with at most 3 decimals, like 8.25 (not \"{}\")",
                super::text::excerpt(text, 20)
            )
        };
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if (whole.is_empty() && fraction.is_empty())
            || !digits_only(whole)
            || !digits_only(fraction)
            || fraction.len() > 3
        {
            return Err(refuse());
        }
        if whole.len() > 3 {
            return Err(refuse());
        }
        let whole: u32 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| refuse())? };
        let mut thousandths = 0u32;
        for (i, digit) in fraction.bytes().enumerate() {
            thousandths += u32::from(digit - b'0') * [100, 10, 1][i];
        }
        let rate = TaxRate(whole * 1000 + thousandths);
        if rate > TAX_RATE_MAX {
            return Err(refuse());
        }
        Ok(rate)
    }
}

impl fmt::Display for TaxRate {
    /// `8.25`, `0`, `7.125`: no trailing zeros.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (whole, fraction) = (self.0 / 1000, self.0 % 1000);
        if fraction == 0 {
            return f.pad(&whole.to_string());
        }
        let digits = format!("{fraction:03}");
        f.pad(&format!("{whole}.{}", digits.trim_end_matches('0')))
    }
}

impl Serialize for TaxRate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let raw = RawValue::from_string(self.to_string()).map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for TaxRate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = <&'de RawValue>::deserialize(deserializer)?;
        TaxRate::parse(raw.get()).map_err(D::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_fill_what_is_missing() {
        let settings: Settings = serde_json::from_str("{}").unwrap();
        assert_eq!(settings, Settings::default());
        assert_eq!(settings.shipping.flat, Money::from_cents(500));
        assert_eq!(settings.shipping.free_over, Some(Money::from_cents(5000)));
        let never: Settings = serde_json::from_str(r#"{"shipping": {"free_over": null}}"#).unwrap();
        assert_eq!(never.shipping.free_over, None);
        assert_eq!(never.shipping.flat, Money::from_cents(500));
    }

    #[test]
    fn the_documented_file_reads_and_writes_back_the_same() {
        let text = r#"{"shop_name":"Shopfront","currency":"$","shipping":{"flat":5.0,"free_over":50.0},"tax":{"rate_percent":8.25,"included_in_prices":false}}"#;
        let settings: Settings = serde_json::from_str(text).unwrap();
        assert_eq!(settings.tax.rate_percent, TaxRate::from_thousandths(8250));
        let written = serde_json::to_string(&settings).unwrap();
        let again: Settings = serde_json::from_str(&written).unwrap();
        assert_eq!(again, settings);
        assert!(written.contains(r#""currency":"$""#), "{written}");
        let odd: Settings = serde_json::from_str(r#"{"vat_number": "GB123"}"#).unwrap();
        assert!(serde_json::to_string(&odd).unwrap().contains(r#""vat_number":"GB123""#), "unknown fields are kept");
        assert!(written.contains(r#""rate_percent":8.25"#), "{written}");
    }

    #[test]
    fn tax_rates_have_at_most_three_decimals_and_stay_within_100() {
        assert_eq!(TaxRate::parse("8.25"), Ok(TaxRate(8250)));
        assert_eq!(TaxRate::parse("7.125"), Ok(TaxRate(7125)));
        assert_eq!(TaxRate::parse("0"), Ok(TaxRate(0)));
        assert_eq!(TaxRate::parse(".5"), Ok(TaxRate(500)));
        assert_eq!(TaxRate::parse("100"), Ok(TaxRate(100_000)));
        for bad in ["8.2555", "100.001", "-1", "abc", "", ".", "1e2", "5000"] {
            let message = TaxRate::parse(bad).unwrap_err();
            assert!(message.contains("at most 3 decimals"), "{bad}: {message}");
        }
        assert_eq!(TaxRate(8250).to_string(), "8.25");
        assert_eq!(TaxRate(7000).to_string(), "7");
        assert_eq!(TaxRate(7125).to_string(), "7.125");
        assert!(serde_json::from_str::<Settings>(r#"{"tax": {"rate_percent": 8.2555}}"#).is_err());
    }

    #[test]
    fn typed_settings_are_checked_field_by_field() {
        let current = Settings::default();
        let typed = current.with_input(["My Shop", "€", "4.5", "", "7.125"], true).unwrap();
        assert_eq!(typed.currency, "€");
        assert_eq!(typed.shipping.flat, Money::from_cents(450));
        assert_eq!(typed.shipping.free_over, None);
        assert_eq!(typed.tax.rate_percent, TaxRate(7125));
        assert!(typed.tax.included_in_prices);
        assert_eq!(typed.input_values(), ["My Shop".to_string(), "€".into(), "4.50".into(), "".into(), "7.125".into()]);
        assert_eq!(current.with_input(["", "$", "5", "50", "0"], false).unwrap_err().0, 0);
        assert_eq!(current.with_input(["S", "12", "5", "50", "0"], false).unwrap_err().0, 1);
        assert_eq!(current.with_input(["S", "$", "-1", "50", "0"], false).unwrap_err().0, 2);
        assert_eq!(current.with_input(["S", "$", "5", "lots", "0"], false).unwrap_err().0, 3);
        assert_eq!(current.with_input(["S", "$", "5", "50", "8.2555"], false).unwrap_err().0, 4);
        // Amounts typed as the app shows them.
        let grouped = current.with_input(["S", "$", "$1,000.00", "12,500", "0"], false).unwrap();
        assert_eq!(grouped.shipping.flat, Money::from_cents(100_000));
        assert_eq!(grouped.shipping.free_over, Some(Money::from_cents(1_250_000)));
        assert_eq!(current.with_input(["S", "$", "1,00", "50", "0"], false).unwrap_err().0, 2);
    }

    #[test]
    fn validation_names_the_rule() {
        let mut settings = Settings::default();
        assert_eq!(settings.validate(), Ok(()));
        settings.shop_name = " ".into();
        assert!(settings.validate().unwrap_err().contains("Shop name"));
        settings = Settings::default();
        settings.shipping.flat = Money::from_cents(-1);
        assert!(settings.validate().unwrap_err().contains("Shipping"));
    }
}

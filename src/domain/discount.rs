//! Discount codes (discounts.json): what each gives, when it applies, and
//! the checks a typed code goes through, each with its own message. A
//! code's uses are not stored: they are counted from the orders that carry
//! it, so a cancelled order gives its use back.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::extra::Extra;
use super::money::{Currency, Money};
use super::product::PRICE_MAX;
use super::time::Timestamp;

pub const CODE_MIN: usize = 3;
pub const CODE_MAX: usize = 32;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DiscountKind {
    /// `value` percent of the subtotal (a whole number, 1–100).
    Percent,
    /// `value` off the subtotal, never more than the subtotal.
    Fixed,
    /// Shipping costs nothing.
    FreeShipping,
}

impl DiscountKind {
    pub fn as_str(self) -> &'static str {
        match self {
            DiscountKind::Percent => "percent",
            DiscountKind::Fixed => "fixed",
            DiscountKind::FreeShipping => "free_shipping",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Discount {
    pub code: String,
    pub kind: DiscountKind,
    /// The percentage or the amount; absent for free shipping.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Money>,
    #[serde(default)]
    pub min_subtotal: Money,
    #[serde(default)]
    pub starts: Option<Timestamp>,
    #[serde(default)]
    pub expires: Option<Timestamp>,
    #[serde(default)]
    pub max_uses: Option<u32>,
    #[serde(default)]
    pub max_uses_per_user: Option<u32>,
    #[serde(default = "active_by_default")]
    pub active: bool,
    /// The last change an admin made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed: Option<super::AdminChange>,
    /// Fields Shopfront does not know, kept as they were.
    #[serde(flatten, skip_deserializing)]
    pub extra: Extra,
}

crate::keep_extra!(Discount);

fn active_by_default() -> bool {
    true
}

/// How often a code was used: by anyone, and by the shopper asking.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Uses {
    pub total: u32,
    pub by_you: u32,
}

/// Why a typed code does not apply, in the order the checks run.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum CodeProblem {
    #[error("There is no code \"{0}\"")]
    Unknown(String),
    #[error("The code {0} is not active")]
    Inactive(String),
    #[error("The code {code} can be used from {starts}")]
    NotStarted { code: String, starts: Timestamp },
    #[error("The code {code} expired on {expired}")]
    Expired { code: String, expired: Timestamp },
    #[error("The code {0} has been used up")]
    UsedUp(String),
    #[error("You have already used the code {0}")]
    AlreadyUsed(String),
    #[error("The code {code} needs a subtotal of at least {}", .minimum.shown(.currency))]
    MinimumNotReached { code: String, minimum: Money, currency: Currency<'static> },
}

/// A code as typed, ready to compare: trimmed, upper case.
pub fn normalize_code(typed: &str) -> String {
    typed.trim().to_uppercase()
}

/// Whether `code` has the shape of a code: 3–32 letters, digits, `-`, `_`.
pub fn valid_code(code: &str) -> bool {
    (CODE_MIN..=CODE_MAX).contains(&code.len())
        && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The discount whose code is `typed` (trimmed, any case).
pub fn find<'a>(discounts: impl IntoIterator<Item = &'a Discount>, typed: &str) -> Option<&'a Discount> {
    let wanted = normalize_code(typed);
    discounts.into_iter().find(|d| d.code.eq_ignore_ascii_case(&wanted))
}

impl Discount {
    /// Runs the checks after "is there such a code": active, started, not
    /// expired, uses left, yours left, minimum subtotal (named in the shop's
    /// `currency`).
    pub fn check(&self, uses: Uses, subtotal: Money, now: Timestamp, currency: &Currency) -> Result<(), CodeProblem> {
        let code = self.code.clone();
        if !self.active {
            return Err(CodeProblem::Inactive(code));
        }
        if let Some(starts) = self.starts
            && now < starts
        {
            return Err(CodeProblem::NotStarted { code, starts });
        }
        if let Some(expired) = self.expires
            && now > expired
        {
            return Err(CodeProblem::Expired { code, expired });
        }
        if self.max_uses.is_some_and(|max| uses.total >= max) {
            return Err(CodeProblem::UsedUp(code));
        }
        if self.max_uses_per_user.is_some_and(|max| uses.by_you >= max) {
            return Err(CodeProblem::AlreadyUsed(code));
        }
        if subtotal < self.min_subtotal {
            return Err(CodeProblem::MinimumNotReached {
                code,
                minimum: self.min_subtotal,
                currency: currency.owned(),
            });
        }
        Ok(())
    }

    /// The amount taken off `subtotal`: a percentage rounded half-up to the
    /// cent, or the fixed amount; never more than the subtotal.
    pub fn amount_off(&self, subtotal: Money) -> Money {
        let off = match (self.kind, self.value) {
            (DiscountKind::Percent, Some(percent)) => {
                // `percent` is a whole number of percent, held as money (10 = 1000 cents).
                let tenths_of_cents = i128::from(subtotal.cents()) * i128::from(percent.cents() / 100);
                let cents = (tenths_of_cents + 50) / 100;
                Money::from_cents(i64::try_from(cents).unwrap_or(i64::MAX))
            }
            (DiscountKind::Fixed, Some(amount)) => amount,
            _ => Money::ZERO,
        };
        off.min(subtotal).max(Money::ZERO)
    }

    pub fn frees_shipping(&self) -> bool {
        self.kind == DiscountKind::FreeShipping
    }

    /// What it gives, as the lists show it: `10 %`, `$5.00 off`, `free shipping`.
    pub fn benefit(&self, currency: &Currency) -> String {
        match (self.kind, self.value) {
            (DiscountKind::Percent, Some(p)) => format!("{} % off", p.cents() / 100),
            (DiscountKind::Fixed, Some(amount)) => format!("{} off", amount.shown(currency)),
            _ => "free shipping".to_string(),
        }
    }

    /// The record's rules, for the loader, the admin form and the CLI alike;
    /// amounts are named in `currency`.
    pub fn validate(&self, currency: &Currency) -> Result<(), String> {
        let (zero, max) = (Money::ZERO.shown(currency), PRICE_MAX.shown(currency));
        if !valid_code(&self.code) {
            return Err(format!(
                "A code must be {CODE_MIN}–{CODE_MAX} letters, digits, - or _ (not \"{}\")",
                super::text::excerpt(&self.code, 40)
            ));
        }
        match (self.kind, self.value) {
            (DiscountKind::Percent, Some(p)) if p.cents() % 100 == 0 && (100..=10_000).contains(&p.cents()) => {}
            (DiscountKind::Percent, _) => {
                return Err(format!("{}: a percent discount needs a whole number from 1 to 100", self.code));
            }
            (DiscountKind::Fixed, Some(amount)) if amount > Money::ZERO && amount <= PRICE_MAX => {}
            (DiscountKind::Fixed, _) => {
                return Err(format!("{}: a fixed discount needs an amount above {zero}, at most {max}", self.code));
            }
            (DiscountKind::FreeShipping, None) => {}
            (DiscountKind::FreeShipping, Some(_)) => {
                return Err(format!("{}: a free-shipping code has no value", self.code));
            }
        }
        if self.min_subtotal < Money::ZERO || self.min_subtotal > PRICE_MAX {
            return Err(format!("{}: the minimum subtotal must be between {zero} and {max}", self.code));
        }
        if let (Some(starts), Some(expires)) = (self.starts, self.expires)
            && expires < starts
        {
            return Err(format!("{}: it expires ({expires}) before it starts ({starts})", self.code));
        }
        if self.max_uses == Some(0) || self.max_uses_per_user == Some(0) {
            return Err(format!("{}: a use limit must be at least 1 (leave it empty for no limit)", self.code));
        }
        Ok(())
    }
}

/// What a list says of a code: whether it can be used now, and if not why.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiscountState {
    Active,
    Inactive,
    Scheduled,
    Expired,
}

impl fmt::Display for DiscountState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(match self {
            DiscountState::Active => "active",
            DiscountState::Inactive => "inactive",
            DiscountState::Scheduled => "scheduled",
            DiscountState::Expired => "expired",
        })
    }
}

impl Discount {
    /// Whether the code can be used at `now`, as the checks a typed code
    /// goes through see its switch and dates (uses are not counted here).
    pub fn state(&self, now: Timestamp) -> DiscountState {
        if !self.active {
            DiscountState::Inactive
        } else if self.expires.is_some_and(|expires| now > expires) {
            DiscountState::Expired
        } else if self.starts.is_some_and(|starts| now < starts) {
            DiscountState::Scheduled
        } else {
            DiscountState::Active
        }
    }

    /// Refuses to save a code whose expiry has already passed at `now`: it
    /// could never be used. A code being edited (`previous`) that expired
    /// meanwhile may keep its expiry; only a new or changed one is refused.
    pub fn refuse_past_expiry(&self, previous: Option<&Discount>, now: Timestamp) -> Result<(), String> {
        match self.expires {
            Some(expires) if expires < now && previous.is_none_or(|p| p.expires != self.expires) => {
                Err(format!("Expiry {expires} has passed; use a later one"))
            }
            _ => Ok(()),
        }
    }
}

/// What the admin form and the CLI give for a code, as typed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DiscountInput<'a> {
    pub code: &'a str,
    /// `percent`, `fixed` or `free_shipping` (also `free shipping`, `%`, `$`).
    pub kind: &'a str,
    pub value: &'a str,
    pub min_subtotal: &'a str,
    pub starts: &'a str,
    pub expires: &'a str,
    pub max_uses: &'a str,
    pub per_user: &'a str,
    pub active: bool,
}

/// The form's fields in order (`DiscountInput`'s, less `active`).
pub const INPUT_FIELDS: [&str; 8] =
    ["Code", "Kind", "Value", "Min subtotal", "Starts", "Expires", "Max uses", "Per shopper"];

impl DiscountInput<'_> {
    /// The discount typed, checked; or which field (of `INPUT_FIELDS`) is
    /// wrong and why. Empty optional fields mean "none". Amounts are typed
    /// and refused in the shop's `currency`.
    pub fn parse(&self, currency: &Currency) -> Result<Discount, (usize, String)> {
        let (zero, max) = (Money::ZERO.shown(currency), PRICE_MAX.shown(currency));
        let code = normalize_code(self.code);
        if !valid_code(&code) {
            return Err((0, format!("A code is {CODE_MIN}–{CODE_MAX} letters, digits, - or _")));
        }
        let kind = match self.kind.trim().to_lowercase().replace([' ', '-'], "_").as_str() {
            "percent" | "%" => DiscountKind::Percent,
            "fixed" | "$" | "amount" => DiscountKind::Fixed,
            "free_shipping" | "shipping" => DiscountKind::FreeShipping,
            _ => return Err((1, "Kind is percent, fixed or free_shipping".into())),
        };
        let value = match kind {
            DiscountKind::FreeShipping if self.value.trim().is_empty() => None,
            DiscountKind::FreeShipping => return Err((2, "A free-shipping code has no value: leave it empty".into())),
            DiscountKind::Percent => {
                let percent: u8 = self
                    .value
                    .trim()
                    .trim_end_matches('%')
                    .trim()
                    .parse()
                    .ok()
                    .filter(|p| (1..=100).contains(p))
                    .ok_or((2, "A percentage is a whole number from 1 to 100".to_string()))?;
                Some(Money::from_cents(i64::from(percent) * 100))
            }
            DiscountKind::Fixed => Some(
                super::product::parse_price_input(self.value, currency)
                    .map_err(|_| (2, format!("An amount off is above {zero} and at most {max}, like 5.00")))?,
            ),
        };
        let min_subtotal = match self.min_subtotal.trim() {
            "" | "0" => Money::ZERO,
            text => super::product::parse_price_input(text, currency)
                .map_err(|_| (3, format!("The minimum subtotal is an amount up to {max}, like 20.00")))?,
        };
        // A date alone is the start of that day for a start, its end for an expiry.
        let when = |text: &str, field: usize, day_time: &str| -> Result<Option<Timestamp>, (usize, String)> {
            let text = text.trim();
            if text.is_empty() {
                return Ok(None);
            }
            let full = if text.len() == 10 { format!("{text} {day_time}") } else { text.to_string() };
            Timestamp::parse(&full).map(Some).map_err(|_| (field, "A date is YYYY-MM-DD or YYYY-MM-DD HH:MM:SS".into()))
        };
        let limit = |text: &str, field: usize| -> Result<Option<u32>, (usize, String)> {
            match text.trim() {
                "" => Ok(None),
                text => text
                    .parse::<u32>()
                    .ok()
                    .filter(|n| *n >= 1)
                    .map(Some)
                    .ok_or((field, "A limit is a whole number of at least 1 (empty: no limit)".into())),
            }
        };
        let discount = Discount {
            code,
            kind,
            value,
            min_subtotal,
            starts: when(self.starts, 4, "00:00:00")?,
            expires: when(self.expires, 5, "23:59:59")?,
            max_uses: limit(self.max_uses, 6)?,
            max_uses_per_user: limit(self.per_user, 7)?,
            active: self.active,
            changed: None,
            extra: Extra::default(),
        };
        discount.validate(currency).map_err(|message| (5, message))?;
        Ok(discount)
    }
}

impl Discount {
    /// The form's values for this code (`INPUT_FIELDS` order).
    pub fn input_values(&self) -> [String; 8] {
        let value = match (self.kind, self.value) {
            (DiscountKind::Percent, Some(p)) => (p.cents() / 100).to_string(),
            (DiscountKind::Fixed, Some(amount)) => amount.to_input_string(),
            _ => String::new(),
        };
        let when = |t: Option<Timestamp>| t.map(|t| t.to_string()).unwrap_or_default();
        let limit = |n: Option<u32>| n.map(|n| n.to_string()).unwrap_or_default();
        let min = if self.min_subtotal.is_zero() { String::new() } else { self.min_subtotal.to_input_string() };
        [
            self.code.clone(),
            self.kind.as_str().to_string(),
            value,
            min,
            when(self.starts),
            when(self.expires),
            limit(self.max_uses),
            limit(self.max_uses_per_user),
        ]
    }
}

impl fmt::Display for DiscountKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOLLARS: Currency = Currency::new("$");

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    pub fn ten_percent() -> Discount {
        serde_json::from_str(
            r#"{"code": "TEN10", "kind": "percent", "value": 10, "min_subtotal": 0.00, "starts": null,
                "expires": "2026-12-31 23:59:59", "max_uses": null, "max_uses_per_user": 1, "active": true}"#,
        )
        .unwrap()
    }

    #[test]
    fn the_documented_record_reads_and_validates() {
        let code = ten_percent();
        assert_eq!(code.validate(&DOLLARS), Ok(()));
        assert_eq!(code.value, Some(Money::from_cents(1000)));
        assert_eq!(code.benefit(&DOLLARS), "10 % off");
        let written = serde_json::to_string(&code).unwrap();
        assert_eq!(serde_json::from_str::<Discount>(&written).unwrap(), code);
    }

    #[test]
    fn codes_match_trimmed_and_without_case() {
        let codes = [ten_percent()];
        assert!(find(&codes, "  ten10 ").is_some());
        assert!(find(&codes, "TEN1").is_none());
        assert!(valid_code("SUMMER-2026_A"));
        for bad in ["AB", "WITH SPACE", "ÜBER10", &"X".repeat(33), "semi;colon"] {
            assert!(!valid_code(bad), "{bad}");
        }
    }

    #[test]
    fn checks_run_in_order_each_with_its_message() {
        let now = at("2026-11-22 12:00:00");
        let mut code = ten_percent();
        let fine = Uses::default();
        let subtotal = Money::from_cents(1000);
        assert_eq!(code.check(fine, subtotal, now, &DOLLARS), Ok(()));
        code.min_subtotal = Money::from_cents(2000);
        assert_eq!(
            code.check(fine, subtotal, now, &DOLLARS).unwrap_err().to_string(),
            "The code TEN10 needs a subtotal of at least $20.00"
        );
        let used = Uses { total: 1, by_you: 1 };
        assert_eq!(
            code.check(used, subtotal, now, &DOLLARS).unwrap_err().to_string(),
            "You have already used the code TEN10"
        );
        code.max_uses = Some(1);
        assert_eq!(
            code.check(used, subtotal, now, &DOLLARS).unwrap_err().to_string(),
            "The code TEN10 has been used up"
        );
        let later = at("2027-01-01 00:00:00");
        assert_eq!(
            code.check(used, subtotal, later, &DOLLARS).unwrap_err().to_string(),
            "The code TEN10 expired on 2026-12-31 23:59:59"
        );
        code.starts = Some(at("2027-06-01 00:00:00"));
        code.expires = None;
        assert_eq!(
            code.check(used, subtotal, later, &DOLLARS).unwrap_err().to_string(),
            "The code TEN10 can be used from 2027-06-01 00:00:00"
        );
        code.active = false;
        assert_eq!(
            code.check(used, subtotal, later, &DOLLARS).unwrap_err().to_string(),
            "The code TEN10 is not active"
        );
        assert_eq!(CodeProblem::Unknown("NOPE".into()).to_string(), "There is no code \"NOPE\"");
    }

    #[test]
    fn amounts_round_half_up_and_never_exceed_the_subtotal() {
        let code = ten_percent();
        assert_eq!(code.amount_off(Money::from_cents(90)), Money::from_cents(9));
        // 10 % of $0.05 is half a cent: rounded up.
        assert_eq!(code.amount_off(Money::from_cents(5)), Money::from_cents(1));
        assert_eq!(code.amount_off(Money::from_cents(4)), Money::from_cents(0));
        let fixed = Discount { kind: DiscountKind::Fixed, value: Some(Money::from_cents(500)), ..ten_percent() };
        assert_eq!(fixed.amount_off(Money::from_cents(300)), Money::from_cents(300));
        assert_eq!(fixed.amount_off(Money::from_cents(3000)), Money::from_cents(500));
        let all = Discount { value: Some(Money::from_cents(10_000)), ..ten_percent() };
        assert_eq!(all.amount_off(Money::from_cents(1234)), Money::from_cents(1234));
    }

    #[test]
    fn typed_codes_are_checked_field_by_field() {
        let typed = DiscountInput {
            code: " summer-26 ",
            kind: "percent",
            value: "15",
            min_subtotal: "20",
            expires: "2026-12-31",
            per_user: "1",
            active: true,
            ..DiscountInput::default()
        };
        let parsed = typed.parse(&DOLLARS).unwrap();
        assert_eq!((parsed.code.as_str(), parsed.value), ("SUMMER-26", Some(Money::from_cents(1500))));
        // A date alone: an expiry means the end of that day, a start its beginning.
        assert_eq!(parsed.expires.map(|t| t.to_string()).as_deref(), Some("2026-12-31 23:59:59"));
        let starting = DiscountInput { starts: "2026-12-01", ..typed.clone() }.parse(&DOLLARS).unwrap();
        assert_eq!(starting.starts.map(|t| t.to_string()).as_deref(), Some("2026-12-01 00:00:00"));
        let to_the_second = DiscountInput { expires: "2026-12-31 12:30:00", ..typed.clone() }.parse(&DOLLARS).unwrap();
        assert_eq!(to_the_second.expires.map(|t| t.to_string()).as_deref(), Some("2026-12-31 12:30:00"));
        assert_eq!(parsed.input_values()[2], "15");
        let wrong = |change: &dyn Fn(&mut DiscountInput)| {
            let mut input = typed.clone();
            change(&mut input);
            input.parse(&DOLLARS).unwrap_err().0
        };
        assert_eq!(wrong(&|i| i.code = "x"), 0);
        assert_eq!(wrong(&|i| i.kind = "bogus"), 1);
        assert_eq!(wrong(&|i| i.value = "101"), 2);
        assert_eq!(wrong(&|i| i.value = "12.5"), 2);
        assert_eq!(wrong(&|i| i.min_subtotal = "lots"), 3);
        assert_eq!(wrong(&|i| i.starts = "tomorrow"), 4);
        assert_eq!(wrong(&|i| i.max_uses = "0"), 6);
        assert_eq!(wrong(&|i| i.per_user = "-1"), 7);
        let free = DiscountInput { kind: "free shipping", value: "", ..typed.clone() }.parse(&DOLLARS).unwrap();
        assert_eq!((free.kind, free.value), (DiscountKind::FreeShipping, None));
        let fixed = DiscountInput { kind: "fixed", value: "$5", ..typed }.parse(&DOLLARS).unwrap();
        assert_eq!(fixed.value, Some(Money::from_cents(500)));
    }

    #[test]
    fn the_state_a_list_shows_says_whether_the_code_works_now() {
        let now = at("2026-12-01 12:00:00");
        let code = ten_percent();
        assert_eq!(code.state(now).to_string(), "active");
        assert_eq!(code.state(at("2026-12-31 23:59:59")), DiscountState::Active, "the last second still counts");
        assert_eq!(code.state(at("2027-01-01 00:00:00")).to_string(), "expired");
        let later = Discount { starts: Some(at("2026-12-24 00:00:00")), ..ten_percent() };
        assert_eq!(later.state(now).to_string(), "scheduled");
        assert_eq!(later.state(at("2026-12-24 00:00:00")), DiscountState::Active);
        let off = Discount { active: false, ..ten_percent() };
        assert_eq!(off.state(now).to_string(), "inactive");
    }

    #[test]
    fn a_code_that_has_already_expired_is_refused_when_saved() {
        let now = at("2026-12-01 12:00:00");
        let old = Discount { expires: Some(at("2026-11-30 23:59:59")), ..ten_percent() };
        assert_eq!(
            old.refuse_past_expiry(None, now).unwrap_err(),
            "Expiry 2026-11-30 23:59:59 has passed; use a later one"
        );
        assert_eq!(ten_percent().refuse_past_expiry(None, now), Ok(()));
        assert_eq!(Discount { expires: None, ..ten_percent() }.refuse_past_expiry(None, now), Ok(()));
        // Editing a code that expired meanwhile, its expiry untouched: allowed.
        assert_eq!(old.refuse_past_expiry(Some(&old), now), Ok(()));
        // Moving an expiry into the past is not.
        assert!(old.refuse_past_expiry(Some(&ten_percent()), now).is_err());
    }

    #[test]
    fn records_that_make_no_sense_are_refused() {
        let bad = [
            Discount { value: Some(Money::from_cents(1050)), ..ten_percent() },
            Discount { value: Some(Money::from_cents(10_100)), ..ten_percent() },
            Discount { value: None, ..ten_percent() },
            Discount { kind: DiscountKind::Fixed, value: Some(Money::ZERO), ..ten_percent() },
            Discount { kind: DiscountKind::FreeShipping, ..ten_percent() },
            Discount { max_uses: Some(0), ..ten_percent() },
            Discount { code: "no spaces".into(), ..ten_percent() },
            Discount { starts: Some(at("2027-01-01 00:00:00")), ..ten_percent() },
        ];
        for discount in bad {
            assert!(discount.validate(&DOLLARS).is_err(), "{discount:?}");
        }
    }
}

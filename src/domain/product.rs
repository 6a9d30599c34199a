//! Catalog products.

use serde::{Deserialize, Serialize};

use super::extra::Extra;
use thiserror::Error;

use super::money::{Currency, Money};

pub const NAME_MAX: usize = 120;
/// The dearest price a product may have: $1,000,000.00. Far below any
/// overflow even times the largest stock, and plenty for a shop.
pub const PRICE_MAX: Money = Money::from_cents(100_000_000);
/// The most units a product may have in stock.
pub const STOCK_MAX: u32 = 1_000_000_000;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Product {
    pub product_id: String,
    pub name: String,
    pub price: Money,
    pub stock: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Archived products (`false`) are not sold but stay readable for past orders.
    #[serde(default = "active_by_default")]
    pub active: bool,
    /// The last change an admin made (boxed: most products in a big
    /// catalog never have one, and the catalog keeps every product).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed: Option<Box<super::AdminChange>>,
    /// Fields Shopfront does not know, kept as they were.
    #[serde(flatten, skip_deserializing)]
    pub extra: Extra,
}

crate::keep_extra!(Product);

fn active_by_default() -> bool {
    true
}

impl Product {
    pub fn validate_record(&self) -> Result<(), String> {
        if self.product_id.trim().is_empty() {
            return Err("product_id is empty".into());
        }
        if self.name.trim().is_empty() {
            return Err(format!("product {} has an empty name", self.product_id));
        }
        if self.price > PRICE_MAX {
            // A data file is checked alone, without the shop's settings: amounts without a symbol.
            let (price, max) = (self.price.shown(&Currency::PLAIN), PRICE_MAX.shown(&Currency::PLAIN));
            return Err(format!("product {} costs {price}; prices are at most {max}", self.product_id));
        }
        if self.stock > STOCK_MAX {
            let (stock, max) = (thousands(self.stock), thousands(STOCK_MAX));
            return Err(format!("product {} has {stock} in stock; stock is at most {max}", self.product_id));
        }
        // The same limit as the admin form, so every loaded product can be edited.
        let chars = self.name.chars().count();
        if chars > NAME_MAX {
            return Err(format!(
                "product {} has a name of {chars} characters; names are 1–{NAME_MAX} characters",
                self.product_id
            ));
        }
        Ok(())
    }

    pub fn category_or_blank(&self) -> &str {
        self.category.as_deref().unwrap_or("")
    }

    pub fn description_or_blank(&self) -> &str {
        self.description.as_deref().unwrap_or("")
    }
}

/// The number in a `P1234` id, if the id has that shape.
pub fn product_number(product_id: &str) -> Option<u64> {
    let digits = product_id.strip_prefix('P')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The id after the highest `P` number in use: `P1005` after `P1004`.
pub fn next_product_id<'a>(existing: impl IntoIterator<Item = &'a str>) -> String {
    let highest = existing.into_iter().filter_map(product_number).max().unwrap_or(1000);
    format!("P{}", highest + 1)
}

/// What an admin edits of a product: everything but its id, its stock
/// (changed only by restocking, so an edit can never undo a sale) and
/// whether it is on sale.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductDetails {
    pub name: String,
    pub price: Money,
    pub category: Option<String>,
    pub description: Option<String>,
}

/// What an admin types for a new product (the id is the store's).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProductDraft {
    pub details: ProductDetails,
    pub stock: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProductError {
    #[error("Name must be 1–{NAME_MAX} characters")]
    NameLength,
    #[error("Price must be a number like 19.99, with at most two decimals")]
    PriceFormat,
    #[error("Price must be more than {}", Money::ZERO.shown(.currency))]
    PriceNotPositive { currency: Currency<'static> },
    #[error("Stock must be a whole number, 0 or more")]
    StockFormat,
    #[error("Price must be at most {}", PRICE_MAX.shown(.currency))]
    PriceTooHigh { currency: Currency<'static> },
    #[error("Stock must be at most {}", thousands(STOCK_MAX))]
    StockTooHigh,
    #[error("Type a change like +5 or -3")]
    StockChangeFormat,
    #[error("A change is at most {} units: stock never goes above that", thousands(STOCK_MAX))]
    StockChangeTooLarge,
    #[error("Cannot remove {remove} of {name}: only {stock} in stock")]
    StockBelowZero { name: String, stock: u32, remove: u64 },
    #[error("Cannot add {add} to {name}: stock cannot go above {}", thousands(STOCK_MAX))]
    StockOverLimit { name: String, add: u64 },
    #[error("{id} is in past orders: it can only be archived")]
    InPastOrders { id: String },
    #[error("Product {0} does not exist")]
    Unknown(String),
    #[error("Someone else changed {id} while you were editing it: {changes}.")]
    EditConflict { id: String, changes: String },
}

impl ProductDetails {
    /// Builds details from the form's text fields, checking each in order;
    /// the price is typed and refused in the shop's `currency`.
    pub fn from_input(
        name: &str,
        price: &str,
        category: &str,
        description: &str,
        currency: &Currency,
    ) -> Result<Self, ProductError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > NAME_MAX {
            return Err(ProductError::NameLength);
        }
        let optional = |text: &str| Some(text.trim().to_string()).filter(|t| !t.is_empty());
        Ok(ProductDetails {
            name: name.to_string(),
            price: parse_price_input(price, currency)?,
            category: optional(category),
            description: optional(description),
        })
    }
}

impl ProductDraft {
    /// Builds a draft from the new-product form's fields, checking each in order.
    pub fn from_input(
        name: &str,
        price: &str,
        stock: &str,
        category: &str,
        description: &str,
        currency: &Currency,
    ) -> Result<ProductDraft, ProductError> {
        let details = ProductDetails::from_input(name, price, category, description, currency)?;
        let stock = parse_stock(stock)?;
        Ok(ProductDraft { details, stock })
    }

    /// The product this draft describes, under `product_id`, on sale.
    pub fn into_product(self, product_id: String) -> Product {
        let ProductDetails { name, price, category, description } = self.details;
        Product {
            product_id,
            name,
            price,
            stock: self.stock,
            description,
            category,
            active: true,
            changed: None,
            extra: Default::default(),
        }
    }
}

impl Product {
    /// The part of the product an edit form shows.
    pub fn details(&self) -> ProductDetails {
        ProductDetails {
            name: self.name.clone(),
            price: self.price,
            category: self.category.clone(),
            description: self.description.clone(),
        }
    }
}

/// Applies an admin's edit to the product as it is now. `seen` is what the
/// form showed when it opened: a field the admin left alone keeps whatever
/// another admin saved meanwhile; a field both changed to different values
/// is a conflict, refused with what the other admin saved (prices in the
/// shop's `currency`).
pub fn merge_edit(
    current: &Product,
    seen: &ProductDetails,
    wanted: ProductDetails,
    currency: &Currency,
) -> Result<Product, ProductError> {
    let now = current.details();
    let mut conflicts = Vec::new();
    let mut merged = now.clone();
    let show = |text: &Option<String>| format!("{:?}", super::text::excerpt(text.as_deref().unwrap_or(""), 30));
    if wanted.name != seen.name {
        if now.name != seen.name && now.name != wanted.name {
            conflicts.push(format!("name {} → {}", show(&Some(seen.name.clone())), show(&Some(now.name.clone()))));
        }
        merged.name = wanted.name;
    }
    if wanted.price != seen.price {
        if now.price != seen.price && now.price != wanted.price {
            conflicts.push(format!("price {} → {}", seen.price.shown(currency), now.price.shown(currency)));
        }
        merged.price = wanted.price;
    }
    if wanted.category != seen.category {
        if now.category != seen.category && now.category != wanted.category {
            conflicts.push(format!("category {} → {}", show(&seen.category), show(&now.category)));
        }
        merged.category = wanted.category;
    }
    if wanted.description != seen.description {
        if now.description != seen.description && now.description != wanted.description {
            conflicts.push("description".to_string());
        }
        merged.description = wanted.description;
    }
    if !conflicts.is_empty() {
        return Err(ProductError::EditConflict { id: current.product_id.clone(), changes: conflicts.join(", ") });
    }
    let ProductDetails { name, price, category, description } = merged;
    Ok(Product { name, price, category, description, ..current.clone() })
}

/// A typed price: `19.99`, `$19.99`, `1,000.00`, `20`, `0.5`, `.5` (the
/// shop's `currency` symbol may lead too); more than zero and at most
/// `PRICE_MAX`, refused in that currency.
pub fn parse_price_input(text: &str, currency: &Currency) -> Result<Money, ProductError> {
    let digits = super::money::typed_digits(text, currency).ok_or(ProductError::PriceFormat)?;
    let too_high = || ProductError::PriceTooHigh { currency: currency.owned() };
    let (whole, cents) = digits.split_once('.').unwrap_or((&digits, ""));
    let plain = |part: &str| part.bytes().all(|b| b.is_ascii_digit());
    if (whole.is_empty() && cents.is_empty()) || !plain(whole) || !plain(cents) || cents.len() > 2 {
        return Err(ProductError::PriceFormat);
    }
    // Digits only from here: a long number is too high, not malformed.
    if whole.trim_start_matches('0').len() > 7 {
        return Err(too_high());
    }
    let whole = if whole.is_empty() { "0" } else { whole };
    let price = Money::parse_exact(&format!("{whole}.{cents}0")).map_err(|_| ProductError::PriceFormat)?;
    if price.cents() <= 0 {
        return Err(ProductError::PriceNotPositive { currency: currency.owned() });
    }
    if price > PRICE_MAX {
        return Err(too_high());
    }
    Ok(price)
}

/// A typed stock: a whole number from 0 to `STOCK_MAX`.
pub fn parse_stock(text: &str) -> Result<u32, ProductError> {
    let digits = text.trim();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ProductError::StockFormat);
    }
    match digits.trim_start_matches('0').len() {
        0..=10 => digits.parse::<u64>().ok().and_then(|n| u32::try_from(n).ok()).filter(|&n| n <= STOCK_MAX),
        _ => None,
    }
    .ok_or(ProductError::StockTooHigh)
}

/// `1000000000` as `1,000,000,000`.
pub fn thousands(n: impl Into<u64>) -> String {
    let digits = n.into().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A typed stock change: `+5`, `5` (add) or `-3` (remove).
pub fn parse_stock_change(text: &str) -> Result<i64, ProductError> {
    let text = text.trim();
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, text.strip_prefix('+').unwrap_or(text)),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ProductError::StockChangeFormat);
    }
    // Digits only from here: a long number is too large, not mistyped.
    let units = digits.parse::<u64>().ok().filter(|&n| n <= u64::from(STOCK_MAX));
    let units = units.ok_or(ProductError::StockChangeTooLarge)?;
    Ok(sign * units as i64)
}

/// The stock after adding `change` (negative: removing); never below zero.
pub fn changed_stock(product: &Product, change: i64) -> Result<u32, ProductError> {
    let after = i64::from(product.stock).checked_add(change).unwrap_or(i64::MAX);
    if after < 0 {
        return Err(ProductError::StockBelowZero {
            name: product.name.clone(),
            stock: product.stock,
            remove: change.unsigned_abs(),
        });
    }
    u32::try_from(after)
        .ok()
        .filter(|&stock| stock <= STOCK_MAX)
        .ok_or_else(|| ProductError::StockOverLimit { name: product.name.clone(), add: change.unsigned_abs() })
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOLLARS: Currency = Currency::new("$");
    const TOO_HIGH: ProductError = ProductError::PriceTooHigh { currency: DOLLARS };

    #[test]
    fn drafts_are_checked_field_by_field() {
        let ok = ProductDraft::from_input(" Desk Fan ", "19.99", "5", "Desk", "", &DOLLARS).unwrap();
        assert_eq!(ok.details.name, "Desk Fan");
        assert_eq!(ok.details.price, Money::from_cents(1999));
        assert_eq!(ok.details.description, None);
        assert_eq!(ok.stock, 5);
        let err =
            |n: &str, p: &str, s: &str| ProductDraft::from_input(n, p, s, "", "", &DOLLARS).unwrap_err().to_string();
        assert_eq!(err("", "1", "1"), "Name must be 1–120 characters");
        assert_eq!(err(&"x".repeat(121), "1", "1"), "Name must be 1–120 characters");
        assert_eq!(err("Fan", "19.999", "1"), "Price must be a number like 19.99, with at most two decimals");
        assert_eq!(err("Fan", "abc", "1"), "Price must be a number like 19.99, with at most two decimals");
        assert_eq!(err("Fan", "1e3", "1"), "Price must be a number like 19.99, with at most two decimals");
        assert_eq!(err("Fan", "0", "1"), "Price must be more than $0.00");
        assert_eq!(err("Fan", "0.00", "1"), "Price must be more than $0.00");
        assert_eq!(err("Fan", "-5", "1"), "Price must be a number like 19.99, with at most two decimals");
        assert_eq!(err("Fan", "5", "-1"), "Stock must be a whole number, 0 or more");
        assert_eq!(err("Fan", "5", "2.5"), "Stock must be a whole number, 0 or more");
        assert_eq!(parse_price_input("$20", &DOLLARS), Ok(Money::from_cents(2000)));
        assert_eq!(parse_price_input("0.5", &DOLLARS), Ok(Money::from_cents(50)));
        let euros = Currency::new("€");
        assert_eq!(parse_price_input("€1,000.00", &euros), Ok(Money::from_cents(100_000)));
        assert_eq!(parse_price_input("$19.99", &euros), Ok(Money::from_cents(1999)), "a dollar sign as before");
        let err = ProductDraft::from_input("Fan", "0", "1", "", "", &euros).unwrap_err().to_string();
        assert_eq!(err, "Price must be more than €0.00");
    }

    #[test]
    fn stock_changes_never_go_below_zero() {
        assert_eq!(parse_stock_change("+5"), Ok(5));
        assert_eq!(parse_stock_change("7"), Ok(7));
        assert_eq!(parse_stock_change("-3"), Ok(-3));
        assert_eq!(parse_stock_change("x").unwrap_err().to_string(), "Type a change like +5 or -3");
        assert_eq!(parse_stock_change("").unwrap_err(), ProductError::StockChangeFormat);
        // Too many units is said with the limit, not as a typing mistake.
        assert_eq!(parse_stock_change("+1000000000"), Ok(1_000_000_000));
        assert_eq!(parse_stock_change("-1000000000"), Ok(-1_000_000_000));
        for huge in ["+1000000001", "-1000000001", "99999999999999999999999"] {
            assert_eq!(
                parse_stock_change(huge).unwrap_err().to_string(),
                "A change is at most 1,000,000,000 units: stock never goes above that",
                "{huge}"
            );
        }
        let p: Product = serde_json::from_str(r#"{"product_id":"P1","name":"Fan","price":1,"stock":2}"#).unwrap();
        assert_eq!(changed_stock(&p, -2), Ok(0));
        assert_eq!(changed_stock(&p, -3).unwrap_err().to_string(), "Cannot remove 3 of Fan: only 2 in stock");
    }

    fn fan(price: i64, stock: u32) -> Product {
        Product {
            product_id: "P1".into(),
            name: "Fan".into(),
            price: Money::from_cents(price),
            stock,
            description: Some("Quiet".into()),
            category: None,
            active: true,
            changed: None,
            extra: Default::default(),
        }
    }

    #[test]
    fn an_edit_keeps_stock_and_what_others_changed_and_refuses_real_conflicts() {
        let seen = fan(999, 10).details();
        let wanted = ProductDetails { description: Some("Very quiet".into()), ..seen.clone() };
        // Sold 3 and repriced by another admin meanwhile: both survive the edit.
        let merged = merge_edit(&fan(849, 7), &seen, wanted, &DOLLARS).unwrap();
        assert_eq!((merged.stock, merged.price.cents()), (7, 849));
        assert_eq!(merged.description.as_deref(), Some("Very quiet"));
        // Both changed the price, differently: refused, naming the other change.
        let repriced = ProductDetails { price: Money::from_cents(1149), ..seen.clone() };
        let err = merge_edit(&fan(849, 7), &seen, repriced.clone(), &DOLLARS).unwrap_err();
        assert_eq!(err.to_string(), "Someone else changed P1 while you were editing it: price $9.99 → $8.49.");
        // Both changed it to the same price: no conflict.
        assert_eq!(merge_edit(&fan(1149, 7), &seen, repriced, &DOLLARS).unwrap().price.cents(), 1149);
    }

    #[test]
    fn stock_changes_are_checked_both_ways() {
        assert_eq!(changed_stock(&fan(1, STOCK_MAX - 1), 1), Ok(STOCK_MAX));
        let err = changed_stock(&fan(1, STOCK_MAX - 1), 2).unwrap_err().to_string();
        assert_eq!(err, "Cannot add 2 to Fan: stock cannot go above 1,000,000,000");
        assert!(changed_stock(&fan(1, 5), i64::MAX).is_err());
        assert!(changed_stock(&fan(1, 5), i64::MIN).is_err());
    }

    #[test]
    fn limits_are_named_and_the_same_for_forms_and_files() {
        assert_eq!(parse_price_input(".5", &DOLLARS), Ok(Money::from_cents(50)));
        assert_eq!(parse_price_input("$.99", &DOLLARS), Ok(Money::from_cents(99)));
        assert_eq!(parse_price_input("1000000", &DOLLARS), Ok(PRICE_MAX));
        let too_high = parse_price_input("1000000.01", &DOLLARS).unwrap_err().to_string();
        assert_eq!(too_high, "Price must be at most $1,000,000.00");
        assert_eq!(parse_price_input("99999999999999999999", &DOLLARS), Err(TOO_HIGH));
        assert_eq!(parse_price_input(".", &DOLLARS), Err(ProductError::PriceFormat));
        // Typed as the app shows prices: thousands separators, when well placed.
        assert_eq!(parse_price_input("1,000.00", &DOLLARS), Ok(Money::from_cents(100_000)));
        assert_eq!(parse_price_input("$1,000,000", &DOLLARS), Ok(PRICE_MAX));
        assert_eq!(parse_price_input("12,345.5", &DOLLARS), Ok(Money::from_cents(1_234_550)));
        assert_eq!(parse_price_input("1,000,000.01", &DOLLARS), Err(TOO_HIGH));
        for misplaced in ["1,00.00", "1000,000", ",100", "1,000.0,0", "1,,000", "1,000,", "12,34", "1.000,00"] {
            assert_eq!(parse_price_input(misplaced, &DOLLARS), Err(ProductError::PriceFormat), "{misplaced}");
        }
        assert_eq!(parse_stock("1000000000"), Ok(STOCK_MAX));
        assert_eq!(parse_stock("1000000001").unwrap_err().to_string(), "Stock must be at most 1,000,000,000");
        assert_eq!(parse_stock("4294967296"), Err(ProductError::StockTooHigh));
        assert_eq!(parse_stock("2.5"), Err(ProductError::StockFormat));
        let dear = Product { price: Money::from_cents(200_000_000), ..fan(1, 1) };
        assert_eq!(
            dear.validate_record(),
            Err("product P1 costs 2,000,000.00; prices are at most 1,000,000.00".into())
        );
        let many = fan(1, STOCK_MAX + 1);
        assert_eq!(
            many.validate_record(),
            Err("product P1 has 1,000,000,001 in stock; stock is at most 1,000,000,000".into())
        );
        assert_eq!(thousands(296_907u32), "296,907");
    }

    #[test]
    fn reads_the_console_shop_format() {
        let p: Product =
            serde_json::from_str(r#"{"product_id":"P1001","name":"USB-C Cable","price":9.99,"stock":30}"#).unwrap();
        assert_eq!(p.price, Money::from_cents(999));
        assert!(p.active);
        assert_eq!(p.category_or_blank(), "");
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(json, r#"{"product_id":"P1001","name":"USB-C Cable","price":9.99,"stock":30,"active":true}"#);
    }

    #[test]
    fn refuses_negative_stock_and_empty_names() {
        let err =
            serde_json::from_str::<Product>(r#"{"product_id":"P1","name":"x","price":1,"stock":-3}"#).unwrap_err();
        assert!(err.to_string().contains("-3"), "{err}");
        let p: Product = serde_json::from_str(r#"{"product_id":"P1","name":" ","price":1,"stock":3}"#).unwrap();
        assert_eq!(p.validate_record(), Err("product P1 has an empty name".into()));
    }

    #[test]
    fn product_ids() {
        assert_eq!(product_number("P1001"), Some(1001));
        assert_eq!(product_number("P"), None);
        assert_eq!(product_number("X12"), None);
        assert_eq!(next_product_id(["P1001", "P1004", "legacy"]), "P1005");
        assert_eq!(next_product_id([]), "P1001");
    }
}

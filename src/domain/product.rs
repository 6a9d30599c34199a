//! Catalog products.

use serde::{Deserialize, Serialize};

use super::money::Money;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
}

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

#[cfg(test)]
mod tests {
    use super::*;

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

//! The demo catalog, compiled into the binary so `shopfront` works from any directory.

use super::error::LoadError;
use super::files::parse_records;
use crate::domain::Product;

pub const DEMO_CATALOG: &str = include_str!("../../assets/catalog.json");

pub fn demo_products() -> Result<Vec<Product>, LoadError> {
    parse_records("assets/catalog.json", DEMO_CATALOG.as_bytes()).map(|table| table.into_rows())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_catalog_is_valid_and_realistic() {
        let products = demo_products().unwrap();
        assert!(products.len() >= 40, "{} products", products.len());
        assert!(products.iter().all(|p| p.description.as_deref().is_some_and(|d| d.len() > 40)));
        assert!(products.iter().all(|p| p.category.is_some()));
        assert!(products.iter().any(|p| p.stock == 0), "show an out-of-stock badge");
        assert!(products.iter().any(|p| (1..=3).contains(&p.stock)), "show an only-N-left badge");
        assert!(products.iter().any(|p| p.name == "USB-C Cable"));
    }
}

//! Shopping carts: one per user, each line remembering the price seen when added.

use serde::{Deserialize, Serialize};

use super::extra::Extra;
use thiserror::Error;

use super::money::Money;
use super::product::Product;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct CartLine {
    pub product_id: String,
    pub qty: u32,
    pub unit_price: Money,
    /// Fields Shopfront does not know, kept as they were.
    #[serde(flatten, skip_deserializing)]
    pub extra: Extra,
}

crate::keep_extra!(CartLine);

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(remote = "Self")]
pub struct Cart {
    pub username: String,
    #[serde(default)]
    pub items: Vec<CartLine>,
    /// Fields Shopfront does not know, kept as they were.
    #[serde(flatten, skip_deserializing)]
    pub extra: Extra,
}

crate::keep_extra!(Cart);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CartError {
    #[error("Quantity must be at least 1")]
    QuantityTooSmall,
    #[error("{name} is out of stock")]
    OutOfStock { name: String },
    #[error("Only {available} of {name} available (you already have {in_cart} in your cart)")]
    NotEnoughStockWithCart { name: String, available: u32, in_cart: u64 },
    #[error("Only {available} of {name} available")]
    NotEnoughStock { name: String, available: u32 },
    #[error("{name} is no longer sold")]
    NoLongerSold { name: String },
    #[error("All {in_cart} of {name} in stock are already in your cart")]
    AllInCart { name: String, in_cart: u64 },
    #[error("Only {more} more of {name} can be added (you have {in_cart} in your cart)")]
    OnlyMore { name: String, more: u64, in_cart: u64 },
    #[error("{0} is not in your cart")]
    NotInCart(String),
}

impl Cart {
    pub fn new(username: &str) -> Cart {
        Cart { username: username.to_string(), items: Vec::new(), extra: Default::default() }
    }

    /// How many units of a product the cart holds (over all lines).
    pub fn qty_of(&self, product_id: &str) -> u64 {
        self.items.iter().filter(|l| l.product_id == product_id).map(|l| u64::from(l.qty)).sum()
    }

    /// Number of units in the cart.
    /// Units in the cart (u64: a sum of u32 quantities cannot overflow it).
    pub fn item_count(&self) -> u64 {
        self.items.iter().map(|l| u64::from(l.qty)).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// How many more units of `product` this cart can take, or why none.
    pub fn addable(&self, product: &Product) -> Result<u64, CartError> {
        check_sellable(product)?;
        let in_cart = self.qty_of(&product.product_id);
        match u64::from(product.stock).saturating_sub(in_cart) {
            0 => Err(CartError::AllInCart { name: product.name.clone(), in_cart }),
            more => Ok(more),
        }
    }

    /// Adds `qty` units; a product already in the cart grows its line and takes
    /// the current price (the one the shopper is looking at).
    pub fn add(&mut self, product: &Product, qty: u32) -> Result<(), CartError> {
        if qty == 0 {
            return Err(CartError::QuantityTooSmall);
        }
        check_sellable(product)?;
        let in_cart = self.qty_of(&product.product_id);
        // Within stock (a u32), so the line's new quantity below fits.
        if in_cart + u64::from(qty) > u64::from(product.stock) {
            return Err(if in_cart == 0 {
                CartError::NotEnoughStock { name: product.name.clone(), available: product.stock }
            } else {
                CartError::NotEnoughStockWithCart { name: product.name.clone(), available: product.stock, in_cart }
            });
        }
        match self.items.iter_mut().find(|l| l.product_id == product.product_id) {
            Some(line) => {
                // At most the stock (checked above), so this never saturates.
                line.qty = line.qty.saturating_add(qty);
                line.unit_price = product.price;
            }
            None => self.items.push(CartLine {
                product_id: product.product_id.clone(),
                qty,
                unit_price: product.price,
                extra: Default::default(),
            }),
        }
        Ok(())
    }

    /// Sets a line's quantity to `qty` (1..=stock). The line keeps its price.
    pub fn set_qty(&mut self, product: &Product, qty: u32) -> Result<(), CartError> {
        if qty == 0 {
            return Err(CartError::QuantityTooSmall);
        }
        let Some(line) = self.items.iter_mut().find(|l| l.product_id == product.product_id) else {
            return Err(CartError::NotInCart(product.name.clone()));
        };
        // Lowering a quantity is always allowed; raising needs stock and a product still sold.
        if qty > line.qty {
            check_sellable(product)?;
            if qty > product.stock {
                return Err(CartError::NotEnoughStock { name: product.name.clone(), available: product.stock });
            }
        }
        line.qty = qty;
        Ok(())
    }

    /// Removes every line of a product.
    pub fn remove(&mut self, product_id: &str) -> Result<(), CartError> {
        let before = self.items.len();
        self.items.retain(|l| l.product_id != product_id);
        if self.items.len() == before {
            return Err(CartError::NotInCart(product_id.to_string()));
        }
        Ok(())
    }
}

fn check_sellable(product: &Product) -> Result<(), CartError> {
    if !product.active {
        return Err(CartError::NoLongerSold { name: product.name.clone() });
    }
    if product.stock == 0 {
        return Err(CartError::OutOfStock { name: product.name.clone() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(id: &str, cents: i64, stock: u32) -> Product {
        Product {
            product_id: id.into(),
            name: format!("Thing {id}"),
            price: Money::from_cents(cents),
            stock,
            description: None,
            category: None,
            active: true,
            changed: None,
            extra: Default::default(),
        }
    }

    #[test]
    fn adding_twice_grows_one_line() {
        let p = product("P1", 250, 5);
        let mut cart = Cart::new("alice");
        cart.add(&p, 2).unwrap();
        cart.add(&p, 1).unwrap();
        assert_eq!(cart.items.len(), 1);
        assert_eq!(cart.qty_of("P1"), 3);
        assert_eq!(crate::domain::items_only(&cart.items).unwrap().total, Money::from_cents(750));
        assert_eq!(cart.item_count(), 3);
    }

    #[test]
    fn never_holds_more_than_stock() {
        let p = product("P1", 250, 3);
        let mut cart = Cart::new("alice");
        assert_eq!(cart.add(&p, 4).unwrap_err().to_string(), "Only 3 of Thing P1 available");
        cart.add(&p, 2).unwrap();
        assert_eq!(
            cart.add(&p, 2).unwrap_err().to_string(),
            "Only 3 of Thing P1 available (you already have 2 in your cart)"
        );
        assert_eq!(cart.set_qty(&p, 4).unwrap_err().to_string(), "Only 3 of Thing P1 available");
        assert_eq!(cart.set_qty(&p, 0), Err(CartError::QuantityTooSmall));
        cart.set_qty(&p, 3).unwrap();
        assert_eq!(cart.qty_of("P1"), 3);
    }

    #[test]
    fn refuses_archived_and_sold_out_products() {
        let mut archived = product("P1", 250, 3);
        archived.active = false;
        let mut cart = Cart::new("alice");
        assert_eq!(cart.add(&archived, 1).unwrap_err().to_string(), "Thing P1 is no longer sold");
        let sold_out = product("P2", 250, 0);
        assert_eq!(cart.add(&sold_out, 1).unwrap_err().to_string(), "Thing P2 is out of stock");
        assert_eq!(cart.add(&product("P3", 1, 1), 0), Err(CartError::QuantityTooSmall));
    }

    #[test]
    fn lowering_quantity_is_allowed_even_when_stock_fell() {
        let mut p = product("P1", 250, 5);
        let mut cart = Cart::new("alice");
        cart.add(&p, 5).unwrap();
        p.stock = 2;
        cart.set_qty(&p, 4).unwrap();
        assert_eq!(cart.set_qty(&p, 5).unwrap_err().to_string(), "Only 2 of Thing P1 available");
    }

    #[test]
    fn line_keeps_the_price_seen_when_added() {
        let mut p = product("P1", 250, 5);
        let mut cart = Cart::new("alice");
        cart.add(&p, 1).unwrap();
        p.price = Money::from_cents(300);
        cart.set_qty(&p, 2).unwrap();
        assert_eq!(cart.items[0].unit_price, Money::from_cents(250));
        cart.add(&p, 1).unwrap();
        assert_eq!(cart.items[0].unit_price, Money::from_cents(300));
    }

    #[test]
    fn remove_line() {
        let p = product("P1", 250, 5);
        let mut cart = Cart::new("alice");
        cart.add(&p, 1).unwrap();
        cart.remove("P1").unwrap();
        assert!(cart.is_empty());
        assert_eq!(cart.remove("P1"), Err(CartError::NotInCart("P1".into())));
    }
}

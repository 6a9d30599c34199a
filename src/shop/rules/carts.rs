//! A shopper's cart: lines added, changed, removed, and the adjustments
//! checkout asks for accepted.

use std::collections::HashMap;

use super::{Decided, existing_account};
use crate::domain::checkout::adjust_cart;
use crate::domain::{Cart, Product, ProductError};
use crate::repo::{Change, ReadTx};
use crate::shop::ShopError;

/// `username`'s cart after `edit`; saved only if it changed.
fn change_cart(
    view: &dyn ReadTx,
    username: &str,
    edit: impl FnOnce(&mut Cart) -> Result<(), ShopError>,
) -> Decided<Cart> {
    let user = existing_account(view, username)?;
    let mut cart = view.cart(username)?.unwrap_or_else(|| Cart::new(&user.username));
    let before = cart.clone();
    edit(&mut cart)?;
    let changes = if cart == before { vec![] } else { vec![Change::PutCart(cart.clone())] };
    Ok((cart, changes))
}

fn product(view: &dyn ReadTx, product_id: &str) -> Result<Product, ShopError> {
    Ok(view.product(product_id)?.ok_or_else(|| ProductError::Unknown(product_id.into()))?)
}

pub fn add(view: &dyn ReadTx, username: &str, product_id: &str, qty: u32) -> Decided<Cart> {
    let product = product(view, product_id)?;
    change_cart(view, username, |cart| Ok(cart.add(&product, qty)?))
}

pub fn set_qty(view: &dyn ReadTx, username: &str, product_id: &str, qty: u32) -> Decided<Cart> {
    let product = product(view, product_id)?;
    change_cart(view, username, |cart| Ok(cart.set_qty(&product, qty)?))
}

pub fn remove(view: &dyn ReadTx, username: &str, product_id: &str) -> Decided<Cart> {
    change_cart(view, username, |cart| Ok(cart.remove(product_id)?))
}

/// Accepts checkout problems: quantities cut to stock, prices updated,
/// lines no longer sold dropped.
pub fn accept_adjusted(view: &dyn ReadTx, username: &str) -> Decided<Cart> {
    let lines = view.cart(username)?.map(|cart| cart.items).unwrap_or_default();
    let products = products_of(view, lines.iter().map(|line| line.product_id.as_str()))?;
    change_cart(view, username, |cart| {
        *cart = adjust_cart(cart, |id| products.get(id));
        Ok(())
    })
}

/// The products with the ids `ids`, as they are now (gone ones left out).
pub fn products_of<'a>(
    view: &dyn ReadTx,
    ids: impl IntoIterator<Item = &'a str>,
) -> Result<HashMap<String, Product>, ShopError> {
    let mut products = HashMap::new();
    for id in ids {
        if !products.contains_key(id)
            && let Some(product) = view.product(id)?
        {
            products.insert(id.to_string(), product);
        }
    }
    Ok(products)
}

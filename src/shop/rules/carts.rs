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

/// The product a cart line is about: peeked, not held (the cart changes,
/// the product does not).
fn product(view: &dyn ReadTx, product_id: &str) -> Result<Product, ShopError> {
    Ok(view.peek_product(product_id)?.ok_or_else(|| ProductError::Unknown(product_id.into()))?)
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
    let products = collect_products(lines.iter().map(|line| line.product_id.as_str()), |id| view.peek_product(id))?;
    change_cart(view, username, |cart| {
        *cart = adjust_cart(cart, |id| products.get(id));
        Ok(())
    })
}

/// The products with the ids `ids`, as they are now (gone ones left out),
/// held until the transaction ends (a checkout changes their stock).
pub fn products_of<'a>(
    view: &dyn ReadTx,
    ids: impl IntoIterator<Item = &'a str>,
) -> Result<HashMap<String, Product>, ShopError> {
    collect_products(ids, |id| view.product(id))
}

fn collect_products<'a>(
    ids: impl IntoIterator<Item = &'a str>,
    read: impl Fn(&str) -> Result<Option<Product>, crate::repo::RepoError>,
) -> Result<HashMap<String, Product>, ShopError> {
    let mut products = HashMap::new();
    for id in ids {
        if !products.contains_key(id)
            && let Some(product) = read(id)?
        {
            products.insert(id.to_string(), product);
        }
    }
    Ok(products)
}

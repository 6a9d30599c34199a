//! An order's lifecycle: moved on by an admin (with a tracking number when
//! shipped), cancelled by its shopper or an admin, restocked once.

use std::collections::BTreeMap;

use super::{Actor, Decided};
use crate::domain::order::change_status;
use crate::domain::{Order, OrderError, OrderStatus, Product, Timestamp};
use crate::repo::{Change, ReadTx};
use crate::shop::ShopError;

const TRACKING_MAX: usize = 40;

/// Moves an order to `to`, if `actor` may; a move to `shipped` may carry
/// the carrier's tracking number; a cancellation puts the stock back.
pub fn move_order(
    view: &dyn ReadTx,
    now: Timestamp,
    actor: Actor,
    order_id: &str,
    to: OrderStatus,
    tracking: Option<&str>,
) -> Decided<Order> {
    let tracking = tracking.map(str::trim).filter(|t| !t.is_empty());
    if let Some(tracking) = tracking
        && (tracking.chars().count() > TRACKING_MAX || tracking.chars().any(char::is_control))
    {
        return Err(ShopError::Invalid(format!("A tracking number is at most {TRACKING_MAX} printable characters")));
    }
    if tracking.is_some() && to != OrderStatus::Shipped {
        return Err(ShopError::Invalid("A tracking number goes with shipping the order".into()));
    }
    let actor = actor.user(view)?;
    let mut order = view.order(order_id)?.ok_or_else(|| OrderError::UnknownOrder(order_id.into()))?;
    let restock = change_status(&mut order, to, &actor, now)?;
    if let Some(tracking) = tracking {
        order.tracking = Some(tracking.to_string());
    }
    let mut changes = Vec::new();
    if restock {
        let mut back: BTreeMap<&str, u32> = BTreeMap::new();
        for line in &order.items {
            let qty = back.entry(&line.product_id).or_default();
            *qty = qty.checked_add(line.qty).ok_or_else(|| too_much_stock(&line.product_id))?;
        }
        for (product_id, qty) in back {
            // A product deleted since simply has nothing to restock.
            if let Some(product) = view.product(product_id)? {
                let stock = product.stock.checked_add(qty).ok_or_else(|| too_much_stock(product_id))?;
                changes.push(Change::PutProduct(Product { stock, ..product }));
            }
        }
    }
    changes.push(Change::PutOrder(order.clone()));
    Ok((order, changes))
}

/// The plain-text receipt of one of `actor`'s orders (an admin: any).
pub fn receipt(view: &dyn ReadTx, actor: Actor, order_id: &str, shop_name: &str) -> Result<String, ShopError> {
    let user = actor.user(view)?;
    let order = view.order(order_id)?.ok_or_else(|| OrderError::UnknownOrder(order_id.into()))?;
    if !user.is_admin() && order.username.to_lowercase() != user.username.to_lowercase() {
        return Err(OrderError::NotYourOrder.into());
    }
    let mut names = std::collections::HashMap::new();
    for line in &order.items {
        if let Some(product) = view.product(&line.product_id)? {
            names.insert(line.product_id.clone(), product.name);
        }
    }
    let settings = view.settings()?;
    let name_of = |id: &str| names.get(id).cloned();
    Ok(crate::domain::receipt::render_receipt(shop_name, &settings.currency(), &order, &name_of))
}

fn too_much_stock(product_id: &str) -> ShopError {
    ShopError::Invalid(format!("Cannot put the units back: the stock of {product_id} would pass {}", u32::MAX))
}

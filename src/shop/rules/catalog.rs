//! The admin's catalog: products added, edited, restocked, archived and
//! deleted.

use super::{Actor, Decided, require_admin};
use crate::domain::product::{changed_stock, merge_edit, next_product_id};
use crate::domain::{AdminChange, Cart, Product, ProductDetails, ProductDraft, ProductError, Timestamp};
use crate::repo::{Change, ReadTx};
use crate::shop::ShopError;

fn existing_product(view: &dyn ReadTx, product_id: &str) -> Result<Product, ShopError> {
    Ok(view.product(product_id)?.ok_or_else(|| ProductError::Unknown(product_id.into()))?)
}

/// Who changed a product, and when.
fn stamp(admin: &str, now: Timestamp) -> Option<Box<AdminChange>> {
    Some(Box::new(AdminChange::new(admin, now)))
}

/// Adds a product under the next free `P` number.
pub fn create_product(view: &dyn ReadTx, now: Timestamp, actor: Actor, draft: ProductDraft) -> Decided<Product> {
    let admin = require_admin(view, actor)?;
    let mut ids = Vec::new();
    view.each_product(&mut |p| ids.push(p.product_id.clone()))?;
    let mut product = draft.into_product(next_product_id(ids.iter().map(String::as_str)));
    product.changed = stamp(&admin.username, now);
    Ok((product.clone(), vec![Change::PutProduct(product)]))
}

/// Saves an admin's edit of a product's name, price, category and
/// description. `seen` is what the edit form showed: what others saved
/// meanwhile is kept, and a field both changed is refused
/// (`ProductError::EditConflict`). Stock is not part of an edit.
pub fn update_product(
    view: &dyn ReadTx,
    now: Timestamp,
    actor: Actor,
    product_id: &str,
    seen: &ProductDetails,
    wanted: ProductDetails,
) -> Decided<Product> {
    let admin = require_admin(view, actor)?;
    let settings = view.settings()?;
    let mut product = merge_edit(&existing_product(view, product_id)?, seen, wanted, &settings.currency())?;
    product.changed = stamp(&admin.username, now);
    Ok((product.clone(), vec![Change::PutProduct(product)]))
}

/// Adds (or, negative, removes) units; stock never goes below zero.
pub fn change_stock(
    view: &dyn ReadTx,
    now: Timestamp,
    actor: Actor,
    product_id: &str,
    change: i64,
) -> Decided<Product> {
    let admin = require_admin(view, actor)?;
    let current = existing_product(view, product_id)?;
    let product = Product { stock: changed_stock(&current, change)?, changed: stamp(&admin.username, now), ..current };
    Ok((product.clone(), vec![Change::PutProduct(product)]))
}

/// Archives (no longer sold, still shown in past orders) or unarchives.
pub fn set_product_active(
    view: &dyn ReadTx,
    now: Timestamp,
    actor: Actor,
    product_id: &str,
    active: bool,
) -> Decided<Product> {
    let admin = require_admin(view, actor)?;
    let product = Product { active, changed: stamp(&admin.username, now), ..existing_product(view, product_id)? };
    Ok((product.clone(), vec![Change::PutProduct(product)]))
}

/// Deletes a product that no order has ever contained, and takes it out
/// of every cart in the same change (so a later product given the same
/// id can never be bought by mistake from an old cart line).
pub fn delete_product(view: &dyn ReadTx, actor: Actor, product_id: &str) -> Decided<Product> {
    require_admin(view, actor)?;
    let current = existing_product(view, product_id)?;
    if view.ever_ordered(product_id)? {
        return Err(ProductError::InPastOrders { id: product_id.to_string() }.into());
    }
    let mut changes = vec![Change::DeleteProduct(product_id.to_string())];
    for cart in view.carts_holding(product_id)? {
        let items = cart.items.iter().filter(|l| l.product_id != product_id).cloned().collect();
        changes.push(Change::PutCart(Cart { items, ..cart }));
    }
    Ok((current, changes))
}

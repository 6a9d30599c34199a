//! Discount codes, as the admin keeps them.

use super::{Actor, Decided, require_admin};
use crate::domain::discount;
use crate::domain::{AdminChange, Discount, Timestamp};
use crate::repo::{Change, ReadTx};
use crate::shop::ShopError;

/// Adds a discount code (`original` is `None`) or replaces the code
/// `original`, for `actor` (an admin, or the owner at the machine). Codes are unique regardless of case;
/// a code that orders carry keeps its name (those orders refer to it).
pub fn save_discount(
    view: &dyn ReadTx,
    now: Timestamp,
    actor: Actor,
    original: Option<&str>,
    discount: Discount,
) -> Decided<Discount> {
    let mut discount = Discount { code: discount::normalize_code(&discount.code), ..discount };
    discount.validate(&view.settings()?.currency()).map_err(ShopError::Invalid)?;
    let admin = require_admin(view, actor)?;
    discount.changed = Some(AdminChange::new(&admin.username, now));
    // A code that could never be used is a mistake worth saying.
    let previous = match original {
        Some(original) => view.discount(original)?,
        None => None,
    };
    discount.refuse_past_expiry(previous.as_ref(), now).map_err(ShopError::Invalid)?;
    let existing = view.discount(&discount.code)?;
    let mut changes = Vec::new();
    match original {
        None if existing.is_some() => {
            return Err(ShopError::Invalid(format!("There is already a code {}", discount.code)));
        }
        None => {}
        Some(original) => {
            let old = previous.ok_or_else(|| ShopError::UnknownCode(discount::normalize_code(original)))?;
            let renamed = !old.code.eq_ignore_ascii_case(&discount.code);
            if renamed && existing.is_some() {
                return Err(ShopError::Invalid(format!("There is already a code {}", discount.code)));
            }
            if renamed && view.orders_carrying(&old.code)? > 0 {
                return Err(ShopError::Invalid(format!("{} is on orders already; its name cannot change", old.code)));
            }
            // Fields we do not know stay with the record.
            discount.extra = old.extra.clone();
            if renamed {
                changes.push(Change::DeleteDiscount(old.code.clone()));
            }
        }
    }
    changes.push(Change::PutDiscount(discount.clone()));
    Ok((discount, changes))
}

fn existing_code(view: &dyn ReadTx, code: &str) -> Result<Discount, ShopError> {
    view.discount(code)?.ok_or_else(|| ShopError::UnknownCode(discount::normalize_code(code)))
}

pub fn set_discount_active(
    view: &dyn ReadTx,
    now: Timestamp,
    actor: Actor,
    code: &str,
    active: bool,
) -> Decided<Discount> {
    let admin = require_admin(view, actor)?;
    let changed =
        Discount { active, changed: Some(AdminChange::new(&admin.username, now)), ..existing_code(view, code)? };
    Ok((changed.clone(), vec![Change::PutDiscount(changed)]))
}

/// Deletes a code no order carries (one that was used is deactivated instead).
pub fn delete_discount(view: &dyn ReadTx, actor: Actor, code: &str) -> Decided<Discount> {
    require_admin(view, actor)?;
    let current = existing_code(view, code)?;
    let used = view.orders_carrying(&current.code)?;
    if used > 0 {
        return Err(ShopError::Invalid(format!(
            "{} is on {used} order{}; deactivate it instead",
            current.code,
            if used == 1 { "" } else { "s" }
        )));
    }
    let change = Change::DeleteDiscount(current.code.clone());
    Ok((current, vec![change]))
}

/// Every code with its uses so far (orders not cancelled), in the order
/// they were added.
pub fn discounts_with_uses(view: &dyn ReadTx) -> Result<Vec<(Discount, u32)>, ShopError> {
    let mut all = Vec::new();
    for code in view.discounts()? {
        let uses = view.code_uses(&code.code, "")?.total;
        all.push((code, uses));
    }
    Ok(all)
}

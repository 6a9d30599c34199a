//! What the app itself refuses, before asking the shop: each message once.
//! (What the shop refuses comes back as a `ShopError` of kind `Refused`.)

use thiserror::Error;

use super::Action;
use super::keymap::{self, Context};
use crate::shop::ShopError;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Refusal {
    #[error("Your cart is empty")]
    EmptyCart,
    #[error("No product selected")]
    NoProduct,
    #[error("No order selected")]
    NoOrder,
    #[error("You have no orders yet")]
    NoOrders,
    #[error("This product no longer exists")]
    ProductGone,
    #[error("Enter a username")]
    NoUsername,
    #[error("Quantity must be at least 1 — press {} to remove the line", remove_keys())]
    LastUnit,
}

/// A shop error as the app says it: where the domain's words end in what
/// to do, the keys to do it with, from the keymap.
pub fn described(err: &crate::shop::ShopError) -> String {
    match err {
        crate::shop::ShopError::Product(product) => described_product(product),
        other => other.to_string(),
    }
}

/// Where the server said more than a shopper over SSH is told: the same
/// kind of error in general words (`None`: nothing to withhold).
pub fn without_detail(err: &ShopError) -> Option<ShopError> {
    const LOGGED: &str = "its owner has the details in the server's log";
    Some(match err {
        ShopError::Damaged(_) => ShopError::Damaged(format!("The shop's data cannot be read; {LOGGED}")),
        ShopError::Unavailable(_) => ShopError::Unavailable(format!("The shop cannot save changes now; {LOGGED}")),
        ShopError::Io(_) => ShopError::Io(format!("The shop could not write a file; {LOGGED}")),
        ShopError::Voided(cause) => ShopError::Voided(Box::new(without_detail(cause)?)),
        ShopError::OutcomeUnknown(_) => ShopError::OutcomeUnknown(LOGGED.to_string()),
        ShopError::Unreachable(_) => ShopError::Unreachable("The shop cannot reach its database".to_string()),
        _ => return None,
    })
}

pub fn described_product(err: &crate::domain::ProductError) -> String {
    use crate::domain::ProductError;
    match err {
        ProductError::InPastOrders { .. } => match keymap::keys_for(Context::AdminProducts, &[Action::ToggleArchive]) {
            Some(keys) => format!("{err} ({keys})"),
            None => err.to_string(),
        },
        ProductError::EditConflict { .. } => match keymap::keys_for(Context::Form, &[Action::Back]) {
            Some(keys) => format!("{err} Press {keys} and open it again to start from the latest."),
            None => format!("{err} Open it again to start from the latest."),
        },
        other => other.to_string(),
    }
}

fn remove_keys() -> String {
    keymap::keys_for(Context::Cart, &[Action::RemoveLine]).unwrap_or_default()
}

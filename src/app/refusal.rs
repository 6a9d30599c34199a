//! What the app itself refuses, before asking the shop: each message once.
//! (What the shop refuses comes back as a `ShopError` of kind `Refused`.)

use thiserror::Error;

use super::Action;
use super::keymap::{self, Context};

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

fn remove_keys() -> String {
    keymap::keys_for(Context::Cart, &[Action::RemoveLine]).unwrap_or_default()
}

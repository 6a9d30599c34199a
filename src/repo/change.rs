//! The one vocabulary of changes every backend stores.

use serde::{Deserialize, Serialize};

use crate::domain::{Cart, Discount, Order, Product, Settings, User};

/// One record-level change. Each is idempotent: it states the final record.
/// (The folder's journal holds them in this form.)
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Change {
    PutUser(User),
    PutProduct(Product),
    DeleteProduct(String),
    PutCart(Cart),
    PutOrder(Order),
    PutDiscount(Discount),
    DeleteDiscount(String),
    PutSettings(Settings),
}

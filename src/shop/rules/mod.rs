//! Every rule of the shop, once, over any storage: each function reads
//! what it needs through a `ReadTx` and decides — the answer for the
//! caller and the `Change`s to commit, all or none. Nothing here touches a
//! file, a lock or the clock (the time comes in as `now`).

pub mod accounts;
pub mod carts;
pub mod catalog;
pub mod checkout;
pub mod codes;
pub mod orders;
pub mod settings;

use crate::domain::User;
use crate::repo::{Change, ReadTx};
use crate::store::StoreError;

/// What a rule decided: its answer and the changes that make it so.
pub type Decided<T> = Result<(T, Vec<Change>), StoreError>;

/// The acting account, if it is an admin's.
pub fn require_admin(view: &dyn ReadTx, actor: &str) -> Result<User, StoreError> {
    match view.account(actor)? {
        Some(user) if user.is_admin() => Ok(user),
        Some(_) => Err(StoreError::NotAdmin),
        None => Err(StoreError::UnknownUser(actor.into())),
    }
}

/// The account `username`, which must exist.
pub fn existing_account(view: &dyn ReadTx, username: &str) -> Result<User, StoreError> {
    view.account(username)?.ok_or_else(|| StoreError::UnknownUser(username.into()))
}

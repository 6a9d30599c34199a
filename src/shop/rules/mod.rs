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
use crate::shop::ShopError;

/// What a rule decided: its answer and the changes that make it so.
pub type Decided<T> = Result<(T, Vec<Change>), ShopError>;

/// Who acts: an account (by the name it logged in with, as the service
/// knows it), or the shop's owner at the machine (the command line).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor<'a> {
    Account(&'a str),
    Owner,
}

/// How the owner at the machine is named where an actor is recorded.
pub const OWNER: &str = "owner (command line)";

impl Actor<'_> {
    /// The actor as a user with its role now: the owner is an admin.
    pub fn user(self, view: &dyn ReadTx) -> Result<User, ShopError> {
        match self {
            Actor::Account(name) => existing_account(view, name),
            Actor::Owner => Ok(User {
                username: OWNER.to_string(),
                password_hash: None,
                password: None,
                role: crate::domain::Role::Admin,
                created_at: None,
                addresses: Vec::new(),
                cards: Vec::new(),
                ssh_keys: Vec::new(),
                extra: Default::default(),
            }),
        }
    }
}

/// The actor, if it is an admin now (its role is read again: a demoted
/// admin's open session is refused), or the owner.
pub fn require_admin(view: &dyn ReadTx, actor: Actor) -> Result<User, ShopError> {
    let user = actor.user(view)?;
    if user.is_admin() { Ok(user) } else { Err(ShopError::NotAdmin) }
}

/// The account `username`, which must exist.
pub fn existing_account(view: &dyn ReadTx, username: &str) -> Result<User, ShopError> {
    view.account(username)?.ok_or_else(|| ShopError::UnknownUser(username.into()))
}

//! The shop as a service: the one interface through which the app (and,
//! later, every SSH session) reads and changes the shop, whatever keeps the
//! data. Reads return owned values or shared immutable snapshots — never
//! positions in storage — so another backend can implement the same trait
//! and pass the same conformance tests (`tests/shop_conformance.rs`).
//!
//! Every method may block (a lock, a password hash, a write): call them off
//! the UI thread. `ShopService` over the JSON data folder answers `Busy` at once
//! instead of waiting when asked to be impatient (`LockWait::Impatient`), so
//! the caller decides how to wait; `retry_while_busy` is the usual way.

mod answers;
pub mod catalog;
mod error;
pub mod orders;
pub mod rules;
pub mod service;
pub mod shelf;
pub mod throttle;

use std::sync::atomic::{AtomicU8, Ordering};
use std::time::Duration;

pub use catalog::Catalog;
pub use orders::OrderBook;
pub use service::ShopService;

use crate::domain::payment::CardOnFile;
use crate::domain::{Address, Role};
pub use error::{ErrorKind, ShopError};
pub use rules::accounts::AdminOutcome;

/// Who acts: a logged-in account (the name as stored and its role), or
/// the shop's owner at the machine (the command line). Only the service
/// issues one — by a login, a sign-up, a linked SSH key, or
/// `ShopService::owner_at_machine` — and it cannot be changed after: no
/// caller can act as an account it did not log in as. No credential.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    username: String,
    role: Role,
    owner: bool,
}

impl Account {
    pub(in crate::shop) fn issued(user: crate::domain::User) -> Account {
        Account { username: user.username, role: user.role, owner: false }
    }

    pub(in crate::shop) fn owner_at_machine() -> Account {
        Account { username: rules::OWNER.to_string(), role: Role::Admin, owner: true }
    }

    /// A session's account for the app's component tests, which run with
    /// no shop (never compiled outside tests).
    #[cfg(test)]
    pub(crate) fn for_tests(username: &str, role: Role) -> Account {
        Account { username: username.to_string(), role, owner: false }
    }

    pub fn username(&self) -> &str {
        &self.username
    }

    pub fn role(&self) -> Role {
        self.role
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// Who the rules see acting.
    pub(in crate::shop) fn actor(&self) -> rules::Actor<'_> {
        if self.owner { rules::Actor::Owner } else { rules::Actor::Account(&self.username) }
    }
}

/// What changed, sent to every subscriber after a change (this process's at
/// once, another process's within a second). Carts and orders say whose,
/// so that a session re-reads only what is its own (an admin: any order).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changed {
    pub catalog: bool,
    pub carts: Whose,
    pub orders: Whose,
    pub accounts: bool,
    /// Discount codes or the shop's settings (shipping, tax).
    pub pricing: bool,
}

/// Whose records changed: account names, lower case.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Whose {
    #[default]
    Nobody,
    These(std::collections::BTreeSet<String>),
    /// Anyone's (another process changed the whole table).
    Anyone,
}

impl Whose {
    fn of(ids: &crate::repo::Ids) -> Whose {
        match ids {
            crate::repo::Ids::None => Whose::Nobody,
            crate::repo::Ids::Some(names) => Whose::These(names.clone()),
            crate::repo::Ids::All => Whose::Anyone,
        }
    }

    /// Whether the records of `username` may be among them.
    pub fn includes(&self, username: &str) -> bool {
        match self {
            Whose::Nobody => false,
            Whose::These(names) => names.contains(&username.to_lowercase()),
            Whose::Anyone => true,
        }
    }

    pub fn any(&self) -> bool {
        *self != Whose::Nobody
    }

    /// Both, as one.
    pub fn merge(&mut self, other: &Whose) {
        match (&mut *self, other) {
            (_, Whose::Nobody) | (Whose::Anyone, _) => {}
            (_, Whose::Anyone) => *self = Whose::Anyone,
            (Whose::Nobody, these) => *self = these.clone(),
            (Whose::These(mine), Whose::These(theirs)) => mine.extend(theirs.iter().cloned()),
        }
    }
}

impl Changed {
    /// What a change set from the repo means for sessions.
    pub fn of(set: &crate::repo::ChangeSet) -> Changed {
        Changed {
            catalog: !set.products.is_none(),
            carts: Whose::of(&set.carts),
            orders: Whose::of(&set.order_owners),
            accounts: !set.accounts.is_none(),
            pricing: !set.codes.is_none() || set.settings,
        }
    }

    pub fn any(&self) -> bool {
        self.catalog || self.carts.any() || self.orders.any() || self.accounts || self.pricing
    }

    /// Both, as one.
    pub fn merge(&mut self, other: &Changed) {
        self.catalog |= other.catalog;
        self.carts.merge(&other.carts);
        self.orders.merge(&other.orders);
        self.accounts |= other.accounts;
        self.pricing |= other.pricing;
    }
}

/// What an SSH key linked to an account opens. A key alone never opens an
/// admin's account: its fingerprint is no secret, so the admin is only
/// named (for the login form) and must give the password.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeyLogin {
    /// A shopper's account, logged in by its key.
    Shopper(Account),
    /// An admin's account: the name, and no session.
    AdminNeedsPassword(String),
}

impl KeyLogin {
    /// The linked account's name.
    pub fn username(&self) -> &str {
        match self {
            KeyLogin::Shopper(account) => account.username(),
            KeyLogin::AdminNeedsPassword(name) => name,
        }
    }
}

/// What a shopper keeps for checkout: addresses (most recent first) and
/// remembered cards (brand, last four digits, expiry).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Profile {
    pub addresses: Vec<Address>,
    pub cards: Vec<CardOnFile>,
    /// A fresh key for the checkout this profile starts (see
    /// `CheckoutRequest::key`).
    pub checkout_key: String,
}

/// What a caller waiting in `retry_while_busy` waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Waiting {
    Nothing = 0,
    /// Another copy of Shopfront holds the data for a moment.
    OtherCopy = 1,
    /// The shop's database cannot be reached.
    Database = 2,
}

impl Waiting {
    pub fn load(flag: &AtomicU8) -> Waiting {
        match flag.load(Ordering::SeqCst) {
            1 => Waiting::OtherCopy,
            2 => Waiting::Database,
            _ => Waiting::Nothing,
        }
    }
}

/// How often an unreachable database is tried again.
const UNREACHABLE_RETRY: Duration = Duration::from_millis(500);

/// Calls `attempt` until it is neither `Busy` nor `Unreachable` (both mean
/// nothing was done and the same call will work later), sleeping a little
/// between tries. `waiting` says meanwhile what it waits for (so a screen
/// can say so); once `cancelled()` says so, it gives up with `Busy` without
/// trying again.
pub fn retry_while_busy<T>(
    waiting: &AtomicU8,
    cancelled: impl Fn() -> bool,
    mut attempt: impl FnMut() -> Result<T, ShopError>,
) -> Result<T, ShopError> {
    loop {
        match attempt() {
            Err(ShopError::Busy) if !cancelled() => {
                waiting.store(Waiting::OtherCopy as u8, Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(ShopError::Unreachable(_)) if !cancelled() => {
                waiting.store(Waiting::Database as u8, Ordering::SeqCst);
                std::thread::sleep(UNREACHABLE_RETRY);
            }
            Err(ShopError::Unreachable(_)) => {
                waiting.store(Waiting::Nothing as u8, Ordering::SeqCst);
                return Err(ShopError::Busy);
            }
            other => {
                waiting.store(Waiting::Nothing as u8, Ordering::SeqCst);
                return other;
            }
        }
    }
}

//! What a shop call answers instead of doing what was asked, in the three
//! families a caller treats differently: refused (the caller's to fix, shown
//! next to what caused it), broken (the shop's: damaged or unreachable data),
//! and busy (trying again will do). Nothing here names a file format or a
//! backend: the repo's words travel as text.

use thiserror::Error;

use crate::domain::address::AddressError;
use crate::domain::payment::{CardError, Decline};
use crate::domain::{CartError, CodeProblem, OrderError, Problem, ProductError, UserError};
use crate::password::HashError;
use crate::repo::RepoError;

#[derive(Debug, Error)]
pub enum ShopError {
    // ---- refused: the caller's to fix ----
    #[error(transparent)]
    User(#[from] UserError),
    /// The same words for an unknown name and a wrong password.
    #[error("Wrong username or password")]
    BadCredentials,
    #[error(transparent)]
    Cart(#[from] CartError),
    #[error("{}", problems_summary(.0))]
    Checkout(Vec<Problem>),
    #[error(transparent)]
    Order(#[from] OrderError),
    #[error(transparent)]
    Product(#[from] ProductError),
    #[error("No account named {0}")]
    UnknownUser(String),
    /// A discount code that does not apply, and why.
    #[error(transparent)]
    Code(#[from] CodeProblem),
    #[error(transparent)]
    Card(#[from] CardError),
    /// The mock gateway turned the charge down: nothing was placed.
    #[error(transparent)]
    Declined(#[from] Decline),
    #[error("{0}")]
    Address(AddressError),
    #[error("No discount code {0}")]
    UnknownCode(String),
    #[error("{}", OrderError::NotAdmin)]
    NotAdmin,
    /// A shopper's request with no one logged in.
    #[error("Log in first")]
    NotLoggedIn,
    #[error("{0}")]
    Invalid(String),

    // ---- broken: the shop's, not the caller's ----
    /// The shop's data cannot be read as it is: where, and why.
    #[error("{0}")]
    Damaged(String),
    /// The shop's data cannot be reached or cannot take changes now (a
    /// read-only folder, a file held back, a database gone): why.
    #[error("{0}")]
    Unavailable(String),
    #[error(transparent)]
    Hash(#[from] HashError),
    /// A file the caller asked for (a receipt) could not be written.
    #[error("{0}")]
    Io(String),
    /// An approved charge whose order could not be saved: voided, so the
    /// shopper knows nothing was taken.
    #[error("{0} — the payment was voided: nothing was charged")]
    Voided(Box<ShopError>),
    /// The data was lost from sight while a change was being saved: it
    /// may or may not have been (the caller looks again once it is back).
    #[error(
        "The shop lost its database while saving this; it may or may not have been saved — look again in a moment ({0})"
    )]
    OutcomeUnknown(String),

    // ---- busy: try again ----
    /// Another writer holds the data for a moment.
    #[error("Another copy of Shopfront is changing the shop's data; try again in a moment")]
    Busy,
    /// The shop's database cannot be reached for now; nothing was done.
    #[error("{0}; trying again will do")]
    Unreachable(String),
}

/// What kind of failure an error is: the shopper's to fix, the shop's, or
/// another copy holding the data for a moment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Refused: a field, a rule, stock, a permission. Shown next to what caused it.
    Refused,
    /// Something broke: files, disk, damaged data, an unreachable database.
    Broken,
    /// Another copy of Shopfront holds the data; trying again later will do.
    Busy,
}

impl ShopError {
    /// The family of this error. Every variant is named, so a new one
    /// cannot be left out.
    pub fn kind(&self) -> ErrorKind {
        match self {
            ShopError::User(_)
            | ShopError::BadCredentials
            | ShopError::Cart(_)
            | ShopError::Checkout(_)
            | ShopError::Order(_)
            | ShopError::Product(_)
            | ShopError::UnknownUser(_)
            | ShopError::Code(_)
            | ShopError::Card(_)
            | ShopError::Declined(_)
            | ShopError::Address(_)
            | ShopError::UnknownCode(_)
            | ShopError::NotAdmin
            | ShopError::NotLoggedIn
            | ShopError::Invalid(_) => ErrorKind::Refused,
            ShopError::Damaged(_)
            | ShopError::Unavailable(_)
            | ShopError::Hash(_)
            | ShopError::Io(_)
            | ShopError::Voided(_)
            | ShopError::OutcomeUnknown(_) => ErrorKind::Broken,
            ShopError::Busy | ShopError::Unreachable(_) => ErrorKind::Busy,
        }
    }
}

fn problems_summary(problems: &[Problem]) -> String {
    let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
    format!("Cannot place the order: {}", list.join("; "))
}

impl From<RepoError> for ShopError {
    fn from(error: RepoError) -> ShopError {
        match error {
            RepoError::Busy => ShopError::Busy,
            RepoError::Damaged(why) => ShopError::Damaged(why),
            RepoError::Unavailable(why) => ShopError::Unavailable(why),
            RepoError::Unreachable(why) => ShopError::Unreachable(why),
            RepoError::CommitUnknown(why) => ShopError::OutcomeUnknown(why),
        }
    }
}

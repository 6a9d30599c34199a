//! What can go wrong below the rules, in three kinds a caller acts on
//! differently: try again, something is damaged (and where), the store
//! cannot be reached or written.

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum RepoError {
    /// Another writer holds the data for a moment, or a concurrent change
    /// conflicted: nothing was changed, trying again will do.
    #[error("The shop's data is busy; trying again will do")]
    Busy,
    /// Data that cannot be read as it is: where, and why. Never modified.
    #[error("{0}")]
    Damaged(String),
    /// The store cannot be reached, or cannot take changes now (read-only,
    /// a file held back): why, in words an operator can act on.
    #[error("{0}")]
    Unavailable(String),
}

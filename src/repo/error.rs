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
    /// The store cannot be reached for now (a database server stopped, the
    /// network down): nothing was done, and the same call will work once
    /// it is back.
    #[error("{0}")]
    Unreachable(String),
    /// The connection was lost while a commit was under way: the change may
    /// or may not have been applied. Never said of a change known to have
    /// failed.
    #[error("{0}")]
    CommitUnknown(String),
}

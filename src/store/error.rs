//! What can go wrong in the store, in words a shopper or an operator can act on.

use std::fmt;
use std::io;
use std::path::PathBuf;

use thiserror::Error;

use crate::password::HashError;

/// A data file we cannot load, with the position serde_json reported.
/// Displayed as `products.json:3:5: what is wrong`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}:{}:{}: {}", self.file, self.line, self.column, self.message)
        }
    }
}

impl std::error::Error for LoadError {}

impl LoadError {
    pub fn from_json(file: &str, err: &serde_json::Error) -> LoadError {
        let full = err.to_string();
        // serde_json appends " at line L column C"; we print the position first instead.
        let suffix = format!(" at line {} column {}", err.line(), err.column());
        let message = full.strip_suffix(&suffix).unwrap_or(&full);
        // serde_json says column 0 for "before the first character"; people count from 1.
        let column = err.column().max(1);
        // A quoted value may be huge (a 50 MB number): quote only its start.
        let message = crate::domain::text::shorten_quoted(message).into_owned();
        LoadError { file: file.to_string(), line: err.line(), column, message }
    }

    pub fn whole_file(file: &str, message: impl Into<String>) -> LoadError {
        LoadError { file: file.to_string(), line: 0, column: 0, message: message.into() }
    }
}

#[derive(Debug, Error)]
pub enum StoreError {
    #[error(transparent)]
    Load(#[from] LoadError),
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: io::Error },
    /// `--data-dir` names something that is not a folder.
    #[error("{} is {what}, not a folder", path.display())]
    NotAFolder { path: PathBuf, what: &'static str },
    #[error("{0}")]
    Invalid(String),
    /// The folder cannot be written (a read-only file system, no
    /// permission): it is read as it is, and every change is refused.
    #[error("Changes are not saved: the data folder is read-only ({reason} at {}); it can still be read", path.display())]
    ReadOnly { path: PathBuf, reason: String },
    /// A data file was replaced from outside, while the shop ran, by a copy
    /// that undoes the shop's own changes: held back until the owner chooses.
    #[error(
        "{file} was replaced from outside by an older copy ({what}): changes to it are stopped. Run `shopfront data accept {file}` to keep that copy, or `shopfront data restore {file}` to put back the shop's own"
    )]
    HeldBack { file: &'static str, what: String },
    /// Another copy holds the folder and this store was told not to wait.
    #[error("Waiting for another copy of Shopfront to finish with the data folder…")]
    Busy,
    /// The change is recorded in the journal but its files could not all be
    /// replaced; it is finished by the next open, so it did not fail.
    #[error(
        "Saved, but writing the data files did not finish ({0}); Shopfront finishes it the next time it opens the folder"
    )]
    Unfinished(String),
    #[error(transparent)]
    Hash(#[from] HashError),
    /// The storage below the rules: damaged or unavailable (busy is `Busy`).
    #[error(transparent)]
    Repo(crate::repo::RepoError),
}

impl From<crate::repo::RepoError> for StoreError {
    fn from(error: crate::repo::RepoError) -> StoreError {
        match error {
            crate::repo::RepoError::Busy => StoreError::Busy,
            other => StoreError::Repo(other),
        }
    }
}

impl StoreError {
    pub fn io(path: impl Into<PathBuf>, source: io::Error) -> StoreError {
        StoreError::Io { path: path.into(), source }
    }
}

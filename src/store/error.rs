//! What can go wrong in the store, in words a shopper or an operator can act on.

use std::fmt;
use std::io;
use std::path::PathBuf;

use thiserror::Error;

use crate::domain::password::HashError;
use crate::domain::{CartError, OrderError, Problem, ProductError, UserError};

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
        let message = full.strip_suffix(&suffix).unwrap_or(&full).to_string();
        LoadError { file: file.to_string(), line: err.line(), column: err.column(), message }
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
    #[error("Only an admin can do that")]
    NotAdmin,
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Hash(#[from] HashError),
}

fn problems_summary(problems: &[Problem]) -> String {
    let list: Vec<String> = problems.iter().map(ToString::to_string).collect();
    format!("Cannot place the order: {}", list.join("; "))
}

impl StoreError {
    pub fn io(path: impl Into<PathBuf>, source: io::Error) -> StoreError {
        StoreError::Io { path: path.into(), source }
    }
}

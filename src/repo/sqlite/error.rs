//! SQLite's errors in the contract's three kinds, each message naming the
//! database file.

use std::path::Path;

use rusqlite::ErrorCode;

use crate::repo::RepoError;
use crate::repo::sql_rows::damaged_row_message;

pub fn from_sqlite(path: &Path, error: rusqlite::Error) -> RepoError {
    let file = path.display();
    // Opened only to read, SQLite cannot roll back what a crash left in a `-journal`.
    if let rusqlite::Error::SqliteFailure(failure, _) = &error
        && failure.extended_code == rusqlite::ffi::SQLITE_READONLY_ROLLBACK
    {
        return RepoError::Unavailable(format!(
            "{file} holds a change that was cut off (in {file}-journal), which must be rolled back before it can \
             be read: run the shop on it once (it can write it); Shopfront did not change it"
        ));
    }
    match error.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => RepoError::Busy,
        Some(ErrorCode::NotADatabase) => {
            RepoError::Damaged(format!("{file} is not an SQLite database ({error}); Shopfront did not change it"))
        }
        Some(ErrorCode::DatabaseCorrupt) => RepoError::Damaged(format!(
            "{file} is damaged ({error}): restore it from a backup (`PRAGMA integrity_check` tells more); \
             Shopfront did not change it"
        )),
        Some(ErrorCode::ReadOnly) => RepoError::Unavailable(format!(
            "Changes are not saved: the database {file} is read-only ({error}); make it (and its folder) writable"
        )),
        Some(ErrorCode::CannotOpen | ErrorCode::PermissionDenied) => {
            RepoError::Unavailable(format!("Cannot open the database {file} ({error})"))
        }
        Some(ErrorCode::DiskFull) => {
            RepoError::Unavailable(format!("Changes are not saved: the disk holding {file} is full ({error})"))
        }
        Some(ErrorCode::SystemIoFailure) => {
            RepoError::Unavailable(format!("Cannot read or write the database {file} ({error})"))
        }
        Some(ErrorCode::ConstraintViolation) => RepoError::Unavailable(format!(
            "The database {file} refused a change that breaks its rules ({error}); nothing was changed"
        )),
        _ => RepoError::Unavailable(format!("The database {file}: {error}")),
    }
}

/// A row that cannot be read as the record it holds.
pub fn damaged_row(path: &Path, table: &str, key: &str, why: &str) -> RepoError {
    RepoError::Damaged(damaged_row_message(path.display(), table, key, why))
}

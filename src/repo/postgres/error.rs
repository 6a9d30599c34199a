//! PostgreSQL's errors in the contract's three kinds, each message naming
//! the database by its URL without the password (and never holding the
//! password: every message is scrubbed of it once more).

use std::fmt;

use postgres::error::SqlState;

use crate::repo::RepoError;

/// The database as messages name it.
#[derive(Clone)]
pub struct Target {
    /// The URL without its password.
    pub url: String,
    pub user: String,
    pub dbname: String,
    /// Only to scrub it from messages; never shown.
    secret: Option<String>,
}

impl fmt::Debug for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Target").field("url", &self.url).finish_non_exhaustive()
    }
}

impl Target {
    pub fn new(url: String, user: String, dbname: String, secret: Option<String>) -> Target {
        Target { url, user, dbname, secret: secret.filter(|s| !s.is_empty()) }
    }

    /// `text` without the password (should anything have echoed it).
    pub fn scrub(&self, text: String) -> String {
        match &self.secret {
            Some(secret) if text.contains(secret.as_str()) => text.replace(secret.as_str(), "********"),
            _ => text,
        }
    }

    fn unavailable(&self, text: String) -> RepoError {
        RepoError::Unavailable(self.scrub(text))
    }

    /// The shop cannot reach its database: nothing was done, and the same
    /// call works once it is back (sessions try again by themselves).
    pub fn unreachable(&self, why: &str) -> RepoError {
        RepoError::Unreachable(self.scrub(format!("The shop cannot reach its database {} ({why})", self.url)))
    }

    /// What `error` means for the shop.
    pub fn explain(&self, error: &postgres::Error) -> RepoError {
        let Some(db) = error.as_db_error() else {
            return self.not_from_server(error);
        };
        let url = &self.url;
        let message = match db.detail() {
            Some(detail) => format!("{}: {detail}", db.message()),
            None => db.message().to_string(),
        };
        let code = db.code();
        if [
            SqlState::T_R_SERIALIZATION_FAILURE,
            SqlState::T_R_DEADLOCK_DETECTED,
            SqlState::LOCK_NOT_AVAILABLE,
            SqlState::QUERY_CANCELED,
            // Two writers inserting the same new record: the loser's try again sees it.
            SqlState::UNIQUE_VIOLATION,
        ]
        .contains(code)
        {
            return RepoError::Busy;
        }
        let text = if *code == SqlState::INVALID_PASSWORD || *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION {
            format!(
                "The database {url} refused the login of {} ({message}): check the user name and the password (in \
                 the URL, PGPASSWORD or ~/.pgpass)",
                self.user
            )
        } else if *code == SqlState::INVALID_CATALOG_NAME {
            format!("The database {url} does not exist ({message}): create it first (createdb {})", self.dbname)
        } else if *code == SqlState::INSUFFICIENT_PRIVILEGE {
            format!("The role {} lacks a right Shopfront needs in the database {url}: {message}", self.user)
        } else if *code == SqlState::TOO_MANY_CONNECTIONS {
            format!("The database {url} takes no more connections now ({message})")
        } else if [SqlState::ADMIN_SHUTDOWN, SqlState::CRASH_SHUTDOWN, SqlState::CANNOT_CONNECT_NOW].contains(code)
            || code.code().starts_with("08")
        {
            return self.unreachable(&message);
        } else if *code == SqlState::READ_ONLY_SQL_TRANSACTION {
            format!("Changes are not saved: the database {url} is read-only now ({message}); is it a standby?")
        } else if *code == SqlState::DISK_FULL {
            format!("Changes are not saved: the disk of the database {url} is full ({message})")
        } else if code.code().starts_with("23") {
            format!("The database {url} refused a change that breaks its rules ({message}); nothing was changed")
        } else {
            format!("The database {url}: {message} (SQLSTATE {})", code.code())
        };
        self.unavailable(text)
    }

    /// An error of the connection, not one the server sent.
    fn not_from_server(&self, error: &postgres::Error) -> RepoError {
        let mut why = error.to_string();
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            let text = cause.to_string();
            if !why.contains(&text) {
                why = format!("{why}: {text}");
            }
            source = cause.source();
        }
        if why.contains("password missing") {
            return self.unavailable(format!(
                "The database {} asks for the password of {}, and none was given: put it in the URL, PGPASSWORD or \
                 ~/.pgpass",
                self.url, self.user
            ));
        }
        if why.contains("TLS") {
            return self.unavailable(format!(
                "TLS with the database {} failed ({why}): check its sslmode (and sslrootcert)",
                self.url
            ));
        }
        if why.contains("timed out") || why.contains("timeout") {
            why = format!("{why}; it did not answer in time");
        }
        self.unreachable(&why)
    }
}

/// Whether `error` says the connection is gone (so nothing done on it
/// since the last commit was kept, and a new one may do better).
pub fn connection_lost(error: &postgres::Error) -> bool {
    if error.is_closed() {
        return true;
    }
    match error.as_db_error() {
        Some(db) => {
            let code = db.code();
            [SqlState::ADMIN_SHUTDOWN, SqlState::CRASH_SHUTDOWN, SqlState::CANNOT_CONNECT_NOW].contains(code)
                || code.code().starts_with("08")
        }
        // An I/O error: the socket is gone.
        None => std::error::Error::source(error).is_some_and(|cause| cause.is::<std::io::Error>()),
    }
}

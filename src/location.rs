//! Where the shop's data lives, as the command line names it: a JSON
//! folder (the default), a SQLite database file, or a PostgreSQL URL.
//!
//! Precedence: `--store`, then `--data-dir`, then `SHOPFRONT_STORE`, then
//! `SHOPFRONT_DATA_DIR`, then `./data`. `--store` and `--data-dir` together
//! is a usage error (which one was meant cannot be guessed).

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

pub const STORE_ENV: &str = "SHOPFRONT_STORE";
pub const DATA_DIR_ENV: &str = "SHOPFRONT_DATA_DIR";
pub const DEFAULT_DATA_DIR: &str = "data";
const SQLITE_PREFIX: &str = "sqlite:";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Location {
    /// A JSON data folder.
    Folder(PathBuf),
    /// One SQLite database file.
    Sqlite(PathBuf),
    /// A PostgreSQL database, by its URL (which may hold a password: shown
    /// only without it).
    Postgres(String),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LocationError {
    #[error("--store and --data-dir both name the shop's data; give one of them")]
    BothGiven,
    #[error("{what} is empty; name a data folder, sqlite:PATH or postgres://…")]
    Empty { what: &'static str },
    #[error("{what}: {text} names no database file (write sqlite:PATH, e.g. sqlite:shop.db)")]
    NoSqlitePath { what: &'static str, text: String },
    #[error("{what}: a PostgreSQL URL must be valid UTF-8")]
    Postgres { what: &'static str },
}

impl Location {
    /// The location from the command line's flags and the environment.
    pub fn resolve(
        store: Option<OsString>,
        data_dir: Option<PathBuf>,
        env: impl Fn(&str) -> Option<OsString>,
    ) -> Result<Location, LocationError> {
        match (store, data_dir) {
            (Some(_), Some(_)) => Err(LocationError::BothGiven),
            (Some(store), None) => Location::parse(&store, "--store"),
            (None, Some(dir)) if dir.as_os_str().is_empty() => Err(LocationError::Empty { what: "--data-dir" }),
            (None, Some(dir)) => Ok(Location::Folder(dir)),
            (None, None) => {
                if let Some(store) = env(STORE_ENV).filter(|v| !v.is_empty()) {
                    return Location::parse(&store, STORE_ENV);
                }
                let dir = env(DATA_DIR_ENV).filter(|v| !v.is_empty()).map(PathBuf::from);
                Ok(Location::Folder(dir.unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR))))
            }
        }
    }

    /// `sqlite:PATH`, `postgres://…`, or a folder's path. `what` names
    /// where the text came from, for messages.
    pub fn parse(text: &OsString, what: &'static str) -> Result<Location, LocationError> {
        use std::os::unix::ffi::OsStrExt;
        let bytes = text.as_bytes();
        if bytes.is_empty() {
            return Err(LocationError::Empty { what });
        }
        if let Some(path) = bytes.strip_prefix(SQLITE_PREFIX.as_bytes()) {
            if path.is_empty() || path.ends_with(b"/") {
                let text = crate::domain::text::printable(&text.to_string_lossy()).into_owned();
                return Err(LocationError::NoSqlitePath { what, text });
            }
            // The path keeps its exact bytes.
            return Ok(Location::Sqlite(PathBuf::from(std::ffi::OsStr::from_bytes(path))));
        }
        if bytes.starts_with(b"postgres://") || bytes.starts_with(b"postgresql://") {
            let url = text.to_str().ok_or(LocationError::Postgres { what })?;
            return Ok(Location::Postgres(url.to_string()));
        }
        Ok(Location::Folder(PathBuf::from(text)))
    }

    /// The folder where files kept beside the data go (receipts, the SSH
    /// host key): the data folder itself, or the database file's folder.
    pub fn home(&self) -> PathBuf {
        match self {
            Location::Folder(dir) => dir.clone(),
            // Absolute, so a receipt's path says where it really is.
            Location::Sqlite(file) => match std::path::absolute(file) {
                Ok(file) => file.parent().map_or_else(|| PathBuf::from("/"), Path::to_path_buf),
                Err(_) => PathBuf::from("."),
            },
            // The data is elsewhere: what the machine keeps, it keeps here.
            Location::Postgres(_) => std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
        }
    }

    /// Where local sessions write receipts.
    pub fn receipts(&self) -> PathBuf {
        self.home().join(crate::receipts::RECEIPTS_DIR)
    }

    /// The SSH host key's default place: in the folder, or beside the
    /// database file as `PATH.ssh_host_ed25519_key`.
    pub fn default_host_key(&self) -> PathBuf {
        match self {
            Location::Folder(dir) => dir.join("ssh_host_ed25519_key"),
            Location::Sqlite(file) => with_suffix(file, ".ssh_host_ed25519_key"),
            Location::Postgres(_) => self.home().join("ssh_host_ed25519_key"),
        }
    }

    pub fn folder(&self) -> Option<&Path> {
        match self {
            Location::Folder(dir) => Some(dir),
            Location::Sqlite(_) | Location::Postgres(_) => None,
        }
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

impl fmt::Display for Location {
    /// As a person would type it (control characters escaped).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = |path: &Path| crate::domain::text::printable(&path.display().to_string()).into_owned();
        match self {
            Location::Folder(dir) => write!(f, "{}", shown(dir)),
            Location::Sqlite(file) => write!(f, "sqlite:{}", shown(file)),
            Location::Postgres(url) => {
                write!(f, "{}", crate::domain::text::printable(&crate::repo::postgres::redacted(url)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_of(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let pairs: Vec<(String, OsString)> = pairs.iter().map(|(k, v)| (k.to_string(), OsString::from(v))).collect();
        move |key| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
    }

    #[test]
    fn precedence_flag_then_data_dir_then_environment() {
        let env = env_of(&[(STORE_ENV, "sqlite:/env.db"), (DATA_DIR_ENV, "/env-dir")]);
        let store = Some(OsString::from("sqlite:/flag.db"));
        assert_eq!(Location::resolve(store.clone(), None, &env), Ok(Location::Sqlite("/flag.db".into())));
        assert_eq!(Location::resolve(None, Some("/dir".into()), &env), Ok(Location::Folder("/dir".into())));
        assert_eq!(Location::resolve(None, None, &env), Ok(Location::Sqlite("/env.db".into())));
        let only_dir = env_of(&[(DATA_DIR_ENV, "/env-dir")]);
        assert_eq!(Location::resolve(None, None, &only_dir), Ok(Location::Folder("/env-dir".into())));
        assert_eq!(Location::resolve(None, None, env_of(&[])), Ok(Location::Folder("data".into())));
        assert_eq!(Location::resolve(store, Some("/dir".into()), &env), Err(LocationError::BothGiven));
    }

    #[test]
    fn what_a_store_names() {
        let parse = |text: &str| Location::parse(&OsString::from(text), "--store");
        assert_eq!(parse("shop-data"), Ok(Location::Folder("shop-data".into())));
        assert_eq!(parse("sqlite:shop.db"), Ok(Location::Sqlite("shop.db".into())));
        assert!(matches!(parse("sqlite:"), Err(LocationError::NoSqlitePath { .. })));
        assert!(matches!(parse("sqlite:/tmp/"), Err(LocationError::NoSqlitePath { .. })));
        assert!(matches!(parse(""), Err(LocationError::Empty { .. })));
        assert_eq!(parse("postgres://shop@db/shop"), Ok(Location::Postgres("postgres://shop@db/shop".into())));
        let secret = parse("postgresql://shop:hunter2@db:5433/shop?sslmode=require").unwrap();
        assert!(!secret.to_string().contains("hunter2"), "{secret}");
    }

    #[test]
    fn files_beside_a_database() {
        let db = Location::Sqlite("/srv/shop.db".into());
        assert_eq!(db.receipts(), PathBuf::from("/srv/receipts"));
        assert_eq!(db.default_host_key(), PathBuf::from("/srv/shop.db.ssh_host_ed25519_key"));
        let here = std::env::current_dir().unwrap();
        assert_eq!(Location::Sqlite("shop.db".into()).home(), here);
        let folder = Location::Folder("/srv/data".into());
        assert_eq!(folder.receipts(), PathBuf::from("/srv/data/receipts"));
        assert_eq!(folder.default_host_key(), PathBuf::from("/srv/data/ssh_host_ed25519_key"));
    }
}

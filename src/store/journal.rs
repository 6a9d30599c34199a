//! The write-ahead journal that makes a change to several files all-or-nothing.
//!
//! Before replacing any file, the commit writes `journal.json` holding every
//! record it will put (whole records, so applying them twice is harmless).
//! If the process dies before the journal is removed, the next locked
//! operation replays it onto whatever mix of old and new files it finds. A
//! journal whose checksum does not match was never finished: it is discarded
//! and no data file had been touched yet.

use std::fs;
use std::io;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::atomic::{sync_dir, write_atomic};
use super::error::LoadError;
use super::files::FileKind;
use crate::domain::{Cart, Order, Product, User};

pub const JOURNAL_FILE: &str = "journal.json";
const MAGIC: &str = "shopfront-journal-v1";

/// One record-level change. Each is idempotent: it states the final record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Change {
    PutUser(User),
    PutProduct(Product),
    DeleteProduct(String),
    PutCart(Cart),
    PutOrder(Order),
}

impl Change {
    pub fn file(&self) -> FileKind {
        match self {
            Change::PutUser(_) => FileKind::Users,
            Change::PutProduct(_) | Change::DeleteProduct(_) => FileKind::Products,
            Change::PutCart(_) => FileKind::Carts,
            Change::PutOrder(_) => FileKind::Orders,
        }
    }
}

pub enum JournalState {
    Absent,
    Complete(Vec<Change>),
    /// Unfinished or damaged: no data file was touched, so it is dropped.
    Torn,
}

pub fn write(dir: &Path, changes: &[Change]) -> io::Result<()> {
    let body = serde_json::to_vec(changes).map_err(io::Error::other)?;
    let mut bytes = format!("{MAGIC} {} {:016x}\n", body.len(), fnv1a(&body)).into_bytes();
    bytes.extend_from_slice(&body);
    // It can hold password hashes: private like users.json.
    write_atomic(dir, JOURNAL_FILE, &bytes, true)
}

pub fn read(dir: &Path) -> Result<JournalState, LoadError> {
    let bytes = match fs::read(dir.join(JOURNAL_FILE)) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(JournalState::Absent),
        Err(e) => return Err(LoadError::whole_file(JOURNAL_FILE, format!("cannot read: {e}"))),
    };
    let Some(newline) = bytes.iter().position(|&b| b == b'\n') else { return Ok(JournalState::Torn) };
    let header = String::from_utf8_lossy(&bytes[..newline]);
    let body = &bytes[newline + 1..];
    let fields: Vec<&str> = header.split(' ').collect();
    let intact = matches!(fields.as_slice(), [magic, len, sum]
        if *magic == MAGIC && len.parse() == Ok(body.len()) && *sum == format!("{:016x}", fnv1a(body)));
    if !intact {
        return Ok(JournalState::Torn);
    }
    serde_json::from_slice(body).map(JournalState::Complete).map_err(|e| LoadError::from_json(JOURNAL_FILE, &e))
}

pub fn remove(dir: &Path) -> io::Result<()> {
    match fs::remove_file(dir.join(JOURNAL_FILE)) {
        Ok(()) => sync_dir(dir),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
    }
}

/// 64-bit FNV-1a: enough to tell a finished journal from a damaged one.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_detects_damage() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(read(dir.path()).unwrap(), JournalState::Absent));
        let changes = vec![Change::PutCart(Cart::new("alice")), Change::DeleteProduct("P1".into())];
        write(dir.path(), &changes).unwrap();
        match read(dir.path()).unwrap() {
            JournalState::Complete(read_back) => assert_eq!(read_back, changes),
            _ => panic!("journal should be complete"),
        }
        let path = dir.path().join(JOURNAL_FILE);
        let mut bytes = fs::read(&path).unwrap();
        bytes.truncate(bytes.len() - 3);
        fs::write(&path, &bytes).unwrap();
        assert!(matches!(read(dir.path()).unwrap(), JournalState::Torn));
        remove(dir.path()).unwrap();
        assert!(!path.exists());
    }
}

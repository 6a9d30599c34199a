//! The write-ahead journal that makes a change to several files all-or-nothing.
//!
//! Before replacing any file, the commit writes `journal.json` holding every
//! record it will put (whole records, so applying them twice is harmless).
//! If the process dies before the journal is removed, the next locked
//! operation replays it onto whatever mix of old and new files it finds.
//!
//! The journal is itself written atomically, so a journal that fails its
//! checksum or holds an invalid record was damaged from outside: the files
//! it describes may be half replaced, and guessing would be worse than
//! stopping. Such a journal is refused and kept for inspection.

use std::fs;
use std::io;
use std::path::Path;

use super::atomic::{sync_dir, write_atomic};
use super::error::LoadError;
use super::files::{FileKind, Record};
use super::read::read_data_file;
pub use crate::repo::Change;

pub const JOURNAL_FILE: &str = "journal.json";
const MAGIC: &str = "shopfront-journal-v1";

/// The folder's side of a change: the file it goes to, and the check a
/// journal's records pass before they are replayed.
impl Change {
    pub fn file(&self) -> FileKind {
        match self {
            Change::PutUser(_) => FileKind::Users,
            Change::PutProduct(_) | Change::DeleteProduct(_) => FileKind::Products,
            Change::PutCart(_) => FileKind::Carts,
            Change::PutOrder(_) => FileKind::Orders,
            Change::PutDiscount(_) | Change::DeleteDiscount(_) => FileKind::Discounts,
            Change::PutSettings(_) => FileKind::Settings,
        }
    }

    fn validate(&self) -> Result<(), String> {
        match self {
            Change::PutUser(user) => user.validate(),
            Change::PutProduct(product) => product.validate(),
            Change::DeleteProduct(id) if id.trim().is_empty() => Err("product_id is empty".into()),
            Change::DeleteProduct(_) => Ok(()),
            Change::PutCart(cart) => cart.validate(),
            Change::PutOrder(order) => order.validate(),
            Change::PutDiscount(discount) => Record::validate(discount),
            Change::DeleteDiscount(code) if code.trim().is_empty() => Err("code is empty".into()),
            Change::DeleteDiscount(_) => Ok(()),
            Change::PutSettings(settings) => settings.validate(),
        }
    }
}

pub enum JournalState {
    Absent,
    Complete(Vec<Change>),
}

pub fn write(dir: &Path, changes: &[Change]) -> io::Result<()> {
    let body = serde_json::to_vec(changes).map_err(io::Error::other)?;
    let mut bytes = format!("{MAGIC} {} {:016x}\n", body.len(), fnv1a(&body)).into_bytes();
    bytes.extend_from_slice(&body);
    // It can hold password hashes: private like users.json.
    write_atomic(dir, JOURNAL_FILE, &bytes, true)
}

/// Reads the journal; a damaged or invalid one is an error (see the module).
pub fn read(dir: &Path) -> Result<JournalState, LoadError> {
    let Some(bytes) = read_data_file(dir, JOURNAL_FILE)? else { return Ok(JournalState::Absent) };
    let refuse = |what: String| {
        LoadError::whole_file(
            JOURNAL_FILE,
            format!(
                "{what}. It records a change that was interrupted; since it cannot be trusted, Shopfront will not \
                 guess which files it had replaced. It was kept for inspection: check the data files (or restore \
                 them from a backup), then move journal.json out of the folder"
            ),
        )
    };
    let newline = bytes.iter().position(|&b| b == b'\n');
    let (header, body) = match newline {
        Some(at) => (String::from_utf8_lossy(&bytes[..at]), &bytes[at + 1..]),
        None => (String::from_utf8_lossy(&bytes), &bytes[bytes.len()..]),
    };
    let fields: Vec<&str> = header.split(' ').collect();
    let intact = matches!(fields.as_slice(), [magic, len, sum]
        if *magic == MAGIC && len.parse() == Ok(body.len()) && *sum == format!("{:016x}", fnv1a(body)));
    if !intact {
        return Err(refuse("is damaged (its checksum does not match)".into()));
    }
    let changes: Vec<Change> = serde_json::from_slice(body)
        .map_err(|e| refuse(format!("cannot be read: {}", LoadError::from_json(JOURNAL_FILE, &e).message)))?;
    for (i, change) in changes.iter().enumerate() {
        change.validate().map_err(|e| refuse(format!("holds an invalid record (change {}): {e}", i + 1)))?;
    }
    Ok(JournalState::Complete(changes))
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
    use crate::domain::Cart;

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
        let err = read(dir.path()).err().expect("damaged journal refused").to_string();
        assert!(err.starts_with("journal.json: is damaged (its checksum does not match)."), "{err}");
        assert!(path.exists(), "kept for inspection");
        remove(dir.path()).unwrap();
        assert!(!path.exists());
    }

    #[test]
    fn a_forged_journal_with_a_valid_checksum_is_validated_like_the_data_files() {
        let dir = tempfile::tempdir().unwrap();
        let bad_cart = Cart {
            items: vec![crate::domain::CartLine {
                product_id: "P1".into(),
                qty: 0,
                unit_price: crate::domain::Money::from_cents(1),
                extra: Default::default(),
            }],
            ..Cart::new("alice")
        };
        write(dir.path(), &[Change::PutCart(bad_cart)]).unwrap();
        let err = read(dir.path()).err().expect("invalid record refused").to_string();
        assert!(
            err.starts_with("journal.json: holds an invalid record (change 1): cart of alice has quantity 0"),
            "{err}"
        );
    }
}

//! Receipts written as files, for a local shopper only: under `receipts/`
//! beside the shop's data (the folder, or the database file). A session
//! served over SSH never writes one (it would land on the server).

use std::path::{Path, PathBuf};

use crate::shop::ShopError;
use crate::store::atomic;

/// The folder receipts go in, beside the shop's data.
pub const RECEIPTS_DIR: &str = "receipts";

/// Writes `text` as `<folder>/<order_id>.txt` (the folder private) and
/// says where.
pub fn write(folder: &Path, order_id: &str, text: &str) -> Result<PathBuf, ShopError> {
    let failed = |path: &Path, e: std::io::Error| ShopError::Io(format!("{}: {e}", path.display()));
    atomic::create_private_dir(folder).map_err(|e| failed(folder, e))?;
    let file = receipt_file_name(order_id);
    let path = folder.join(&file);
    atomic::write_atomic(folder, &file, text.as_bytes(), false).map_err(|e| failed(&path, e))?;
    Ok(path)
}

/// A receipt's file name for an order id from a data file: letters, digits
/// and `-` stay; every other byte becomes `_xx` (hex), so two different ids
/// never share a file. Very long ids are cut and told apart by a hash.
fn receipt_file_name(order_id: &str) -> String {
    let mut name = String::with_capacity(order_id.len());
    for b in order_id.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' {
            name.push(char::from(b));
        } else {
            name.push_str(&format!("_{b:02x}"));
        }
    }
    if name.len() > 200 {
        let hash =
            order_id.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
        name = format!("{}-{hash:016x}", &name[..150]);
    }
    format!("{name}.txt")
}

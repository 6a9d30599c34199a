//! `.catalog-index`: a small derived copy of what `shopfront search` needs
//! (id, name, category, price, stock of every product on sale). Only
//! `shopfront index` writes it (search only reads, and uses it when it is
//! current); the app never spends a checkout's time on it. Its first line names the exact
//! products.json it was made from (its size and a hash of its bytes, so
//! even an edit in place that keeps size and modification time is noticed);
//! when that does not match, or the index is damaged, search parses
//! products.json itself. So the index can be stale or lost at any moment without harm,
//! and is written without fsync.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::fs;
use std::io;
use std::path::Path;

use crate::domain::Money;

pub const INDEX_FILE: &str = ".catalog-index";
const MAGIC: &str = "shopfront-catalog-index-v1";

/// One product line of the index, as offsets into its bytes (a search
/// looks through a hundred thousand of them and prints a few).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IndexedProduct {
    /// Start of the line and of each field after it; `ends[4]` is the line's end.
    starts: [u32; 5],
    ends: [u32; 5],
    /// Whether any field holds a `\` escape.
    escaped: bool,
}

/// The parsed index: its text and one entry per product.
pub struct Index<'a> {
    text: &'a str,
    pub rows: Vec<IndexedProduct>,
}

impl<'a> Index<'a> {
    fn field(&self, row: &IndexedProduct, i: usize) -> &'a str {
        &self.text[row.starts[i] as usize..row.ends[i] as usize]
    }

    /// Id, name and category; `None` for a row with escapes (rare: a tab
    /// or line break in a name), which `owned_text` returns instead.
    pub fn text(&self, row: &IndexedProduct) -> Option<(&'a str, &'a str, &'a str)> {
        (!row.escaped).then(|| (self.field(row, 0), self.field(row, 1), self.field(row, 2)))
    }

    /// Id, name and category with escapes undone; `None` if damaged.
    pub fn owned_text(&self, row: &IndexedProduct) -> Option<(String, String, String)> {
        Some((
            unescape(self.field(row, 0))?.into_owned(),
            unescape(self.field(row, 1))?.into_owned(),
            unescape(self.field(row, 2))?.into_owned(),
        ))
    }

    /// Price and stock, or `None` if the index is damaged here.
    pub fn price_and_stock(&self, row: &IndexedProduct) -> Option<(Money, u32)> {
        Some((Money::parse_exact(self.field(row, 3)).ok()?, self.field(row, 4).parse().ok()?))
    }
}

/// What products.json holds, in a few bytes: its length and a fast hash of
/// every byte (reading and hashing 26 MB costs far less than parsing it).
fn identity(products_json: &[u8]) -> String {
    use std::hash::Hasher;
    let mut hasher = rustc_hash::FxHasher::default();
    hasher.write(products_json);
    format!("{} {:016x}", products_json.len(), hasher.finish())
}

fn escape(field: &str, out: &mut String) {
    if !field.bytes().any(|b| matches!(b, b'\\' | b'\t' | b'\n' | b'\r')) {
        out.push_str(field);
        return;
    }
    for c in field.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
}

fn unescape(field: &str) -> Option<Cow<'_, str>> {
    if !field.contains('\\') {
        return Some(Cow::Borrowed(field));
    }
    let mut out = String::with_capacity(field.len());
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        out.push(match chars.next()? {
            '\\' => '\\',
            't' => '\t',
            'n' => '\n',
            'r' => '\r',
            _ => return None,
        });
    }
    Some(Cow::Owned(out))
}

/// The stamp of products.json's bytes: pass it to `read` and `write`.
pub fn stamp(products_json: &[u8]) -> String {
    identity(products_json)
}

/// One product on sale, as `write` takes it.
pub struct Entry<'a> {
    pub product_id: &'a str,
    pub name: &'a str,
    pub category: &'a str,
    pub price: Money,
    pub stock: u32,
}

/// Writes the index for the products on sale of the products.json whose
/// `stamp` was taken before it was read.
pub fn write<'a>(dir: &Path, stamp: &str, sold: impl ExactSizeIterator<Item = Entry<'a>>) -> io::Result<()> {
    let mut text = String::with_capacity(sold.len() * 48 + 64);
    text.push_str(&format!("{MAGIC} {stamp} {}\n", sold.len()));
    for p in sold {
        escape(p.product_id, &mut text);
        text.push('\t');
        escape(p.name, &mut text);
        text.push('\t');
        escape(p.category, &mut text);
        let _ = writeln!(text, "\t{}\t{}", p.price.decimal(), p.stock);
    }
    let temp = dir.join(format!("{}{INDEX_FILE}.{}", super::atomic::TEMP_PREFIX, std::process::id()));
    fs::write(&temp, text)?;
    fs::rename(&temp, dir.join(INDEX_FILE))
}

/// Maps the index if it matches the products.json in `dir`.
/// The index, if it was made from the products.json whose stamp is `expected`.
pub fn read(dir: &Path, expected: &str) -> Option<memmap2::Mmap> {
    let bytes = super::summaries::map_file(&dir.join(INDEX_FILE)).ok()?;
    let header_end = bytes.iter().position(|&b| b == b'\n')?;
    let header = std::str::from_utf8(&bytes[..header_end]).ok()?;
    let rest = header.strip_prefix(MAGIC)?.strip_prefix(' ')?;
    let (identity_part, _count) = rest.rsplit_once(' ')?;
    (identity_part == expected).then_some(bytes)
}

/// Parses the index read by `read` in one pass over its bytes; `None` if
/// it is damaged.
pub fn parse(bytes: &[u8]) -> Option<Index<'_>> {
    let text = std::str::from_utf8(bytes).ok()?;
    let header_end = text.find('\n')?;
    let count: usize = text[..header_end].rsplit_once(' ')?.1.parse().ok()?;
    let mut rows = Vec::with_capacity(count);
    let mut row = IndexedProduct { starts: [0; 5], ends: [0; 5], escaped: false };
    let mut field = 0;
    row.starts[0] = (header_end + 1) as u32;
    for (at, &b) in bytes.iter().enumerate().skip(header_end + 1) {
        match b {
            b'\t' => {
                if field == 4 {
                    return None;
                }
                row.ends[field] = at as u32;
                field += 1;
                row.starts[field] = at as u32 + 1;
            }
            b'\n' => {
                if field != 4 {
                    return None;
                }
                row.ends[4] = at as u32;
                rows.push(row);
                row = IndexedProduct { starts: [at as u32 + 1; 5], ends: [0; 5], escaped: false };
                field = 0;
            }
            b'\\' => row.escaped = true,
            _ => {}
        }
    }
    (rows.len() == count && field == 0 && u32::try_from(bytes.len()).is_ok()).then_some(Index { text, rows })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry<'a>(id: &'a str, name: &'a str) -> Entry<'a> {
        Entry { product_id: id, name, category: "Tabs\tand\\slashes", price: Money::from_cents(1999), stock: 4 }
    }

    #[test]
    fn round_trips_and_notices_a_changed_catalog() {
        let dir = tempfile::tempdir().unwrap();
        let stamp = stamp(b"[]");
        write(dir.path(), &stamp, [entry("P1", "Line\nbreak")].into_iter()).unwrap();
        let bytes = read(dir.path(), &stamp).expect("fresh index");
        let index = parse(&bytes).unwrap();
        assert_eq!(index.rows.len(), 1);
        assert_eq!(index.text(&index.rows[0]), None, "escaped row");
        let (id, name, category) = index.owned_text(&index.rows[0]).unwrap();
        assert_eq!((id.as_str(), name.as_str(), category.as_str()), ("P1", "Line\nbreak", "Tabs\tand\\slashes"));
        assert_eq!(index.price_and_stock(&index.rows[0]), Some((Money::from_cents(1999), 4)));
        // Other bytes (even of the same length): the index no longer counts.
        assert!(read(dir.path(), &super::stamp(b"[ ]")).is_none());
        assert!(read(dir.path(), &super::stamp(b"{}")).is_none());
    }

    #[test]
    fn damage_is_detected() {
        assert!(parse(b"shopfront-catalog-index-v1 1 2 3.4 2\nP1\tA\tC\t1.0\t3\n").is_none(), "count");
        assert!(parse(b"shopfront-catalog-index-v1 1 2 3.4 1\nP1\tA\tC\t1.0\n").is_none(), "fields");
        let bad_price = parse(b"shopfront-catalog-index-v1 1 2 3.4 1\nP1\tA\tC\tx\t3\n").unwrap();
        assert_eq!(bad_price.price_and_stock(&bad_price.rows[0]), None);
        let good = parse(b"shopfront-catalog-index-v1 1 2 3.4 1\nP1\tA\tC\t1.0\t3\n").unwrap();
        assert_eq!(good.text(&good.rows[0]), Some(("P1", "A", "C")));
        assert!(parse(b"shopfront-catalog-index-v1 1 2 3.4 1\nP1\tA\tC\t1.0\t3").is_none(), "torn last line");
    }
}

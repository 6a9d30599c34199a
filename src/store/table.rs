//! One loaded data file: its records in file order plus an index by key.
//! The index holds row positions only; keys are hashed from the rows
//! themselves, so a 100,000-product catalog does not copy every id.

use std::borrow::Cow;
use std::hash::BuildHasher;
use std::ops::Range;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

use super::files::Record;

#[derive(Clone, Debug)]
pub struct Table<T> {
    rows: Vec<T>,
    index: HashTable<usize>,
    /// The bytes this table was last written as, to copy unchanged rows from.
    written: Option<Written>,
    /// Size of the file it was read from: the first encoding's capacity.
    read_len: usize,
}

/// A written file and where each row's JSON sits in it.
#[derive(Clone, Debug)]
struct Written {
    bytes: Vec<u8>,
    rows: Vec<Range<usize>>,
    /// Rows changed since (set by `put`).
    dirty: Vec<bool>,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table { rows: Vec::new(), index: HashTable::new(), written: None, read_len: 0 }
    }
}

fn hash_key(key: &str) -> u64 {
    FxBuildHasher.hash_one(key)
}

impl<T: Record> Table<T> {
    /// Builds a table; a later row with the same key replaces an earlier one.
    pub fn from_rows(rows: Vec<T>) -> Table<T> {
        let mut table = Table::default();
        for row in rows {
            table.put(row);
        }
        table
    }

    pub fn rows(&self) -> &[T] {
        &self.rows
    }

    /// Remembers the size of the file the rows came from.
    pub fn set_read_len(&mut self, len: usize) {
        self.read_len = len;
    }

    pub fn into_rows(self) -> Vec<T> {
        self.rows
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    fn position(&self, key: &str) -> Option<usize> {
        let rows = &self.rows;
        self.index.find(hash_key(key), |&i| rows[i].key() == key).copied()
    }

    pub fn get(&self, key: &str) -> Option<&T> {
        self.position(&T::normalize_key(key)).map(|i| &self.rows[i])
    }

    pub fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Appends a row whose key is new; gives the row back if the key is taken.
    pub fn push_unique(&mut self, row: T) -> Result<(), T> {
        let key = row.key();
        let rows = &self.rows;
        // One probe both checks and finds the slot.
        match self.index.entry(hash_key(&key), |&i| rows[i].key() == key, |&i| hash_key(&rows[i].key())) {
            hashbrown::hash_table::Entry::Occupied(_) => {
                drop(key);
                Err(row)
            }
            hashbrown::hash_table::Entry::Vacant(slot) => {
                slot.insert(rows.len());
                drop(key);
                self.rows.push(row);
                Ok(())
            }
        }
    }

    /// Makes room for `additional` more rows without regrowing.
    pub fn reserve(&mut self, additional: usize) {
        self.rows.reserve(additional);
        let rows = &self.rows;
        self.index.reserve(additional, |&i| hash_key(&rows[i].key()));
    }

    /// Replaces the record with the same key in place, or appends it.
    pub fn put(&mut self, row: T) {
        match self.position(&row.key()) {
            Some(i) => {
                self.rows[i] = row;
                if let Some(dirty) = self.written.as_mut().and_then(|w| w.dirty.get_mut(i)) {
                    *dirty = true;
                }
            }
            None => {
                let _ = self.push_unique(row);
            }
        }
    }

    /// Removes a record (rare: renumbers the positions after it).
    pub fn remove(&mut self, key: &str) -> Option<T> {
        let key: Cow<'_, str> = T::normalize_key(key);
        let rows = &self.rows;
        let entry = self.index.find_entry(hash_key(&key), |&i| rows[i].key() == key).ok()?;
        let (i, _) = entry.remove();
        let row = self.rows.remove(i);
        self.written = None;
        for slot in self.index.iter_mut() {
            if *slot > i {
                *slot -= 1;
            }
        }
        Some(row)
    }
}

impl<T: Record> Table<T> {
    /// The file's bytes: a JSON list, one record per line.
    ///
    /// After the first call the bytes are kept and patched in place: rows
    /// changed since are re-serialized into their slot and new rows appended,
    /// so a checkout on a 100,000-order file encodes only what it changed and
    /// never holds two copies of the file in memory.
    pub fn encode(&mut self) -> Result<&[u8], serde_json::Error> {
        let written = match self.written.take() {
            Some(written) if written.rows.len() <= self.rows.len() => self.patch(written)?,
            _ => self.encode_fresh()?,
        };
        Ok(&self.written.insert(written).bytes)
    }

    fn encode_fresh(&self) -> Result<Written, serde_json::Error> {
        // Room for growth so that the buffer is not reallocated (and copied) while written.
        let mut bytes = Vec::with_capacity((self.read_len + 4096).max(self.rows.len() * 256) + 8);
        let mut ranges = Vec::with_capacity(self.rows.len());
        bytes.push(b'[');
        for (i, row) in self.rows.iter().enumerate() {
            bytes.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
            let start = bytes.len();
            serde_json::to_writer(&mut bytes, row)?;
            ranges.push(start..bytes.len());
        }
        bytes.extend_from_slice(b"\n]\n");
        Ok(Written { dirty: vec![false; ranges.len()], bytes, rows: ranges })
    }

    fn patch(&self, mut written: Written) -> Result<Written, serde_json::Error> {
        // Changed rows, last first, so earlier ranges stay valid while splicing.
        let mut encoded = Vec::new();
        for i in (0..written.rows.len()).rev().filter(|&i| written.dirty[i]) {
            encoded.clear();
            serde_json::to_writer(&mut encoded, &self.rows[i])?;
            let old = written.rows[i].clone();
            let grown = encoded.len() as isize - old.len() as isize;
            written.bytes.splice(old.clone(), encoded.iter().copied());
            written.rows[i] = old.start..old.start + encoded.len();
            for later in &mut written.rows[i + 1..] {
                *later = (later.start as isize + grown) as usize..(later.end as isize + grown) as usize;
            }
        }
        // New rows go before the closing "\n]\n".
        if written.rows.len() < self.rows.len() {
            written.bytes.truncate(written.bytes.len() - 3);
            for i in written.rows.len()..self.rows.len() {
                written.bytes.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
                let start = written.bytes.len();
                serde_json::to_writer(&mut written.bytes, &self.rows[i])?;
                written.rows.push(start..written.bytes.len());
            }
            written.bytes.extend_from_slice(b"\n]\n");
        }
        written.dirty = vec![false; written.rows.len()];
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Cart, Product};

    #[test]
    fn put_replaces_in_place_and_remove_keeps_order() {
        let mut carts = Table::from_rows(vec![Cart::new("Alice"), Cart::new("bob"), Cart::new("cy")]);
        assert!(carts.get("ALICE").is_some());
        carts.put(Cart::new("alice"));
        assert_eq!(carts.rows()[0].username, "alice");
        assert_eq!(carts.remove("bob").map(|c| c.username), Some("bob".to_string()));
        assert_eq!(carts.get("cy").map(|c| c.username.as_str()), Some("cy"));
        assert!(carts.get("bob").is_none());
        carts.put(Cart::new("dee"));
        assert_eq!(carts.len(), 3);
        assert_eq!(carts.push_unique(Cart::new("DEE")).map_err(|c| c.username), Err("DEE".to_string()));
        let products: Table<Product> = Table::default();
        assert!(products.is_empty());
    }

    fn product(id: &str, stock: u32) -> Product {
        Product {
            product_id: id.into(),
            name: format!("Name {id}"),
            price: crate::domain::Money::from_cents(150),
            stock,
            description: None,
            category: None,
            active: true,
            changed: None,
            extra: Default::default(),
        }
    }

    #[test]
    fn encoding_reuses_unchanged_rows_and_matches_a_fresh_encoding() {
        let mut table = Table::from_rows(vec![product("P1", 1), product("P2", 2)]);
        let first = String::from_utf8(table.encode().unwrap().to_vec()).unwrap();
        assert_eq!(
            first,
            "[\n{\"product_id\":\"P1\",\"name\":\"Name P1\",\"price\":1.5,\"stock\":1,\"active\":true},\n{\"product_id\":\"P2\",\"name\":\"Name P2\",\"price\":1.5,\"stock\":2,\"active\":true}\n]\n"
        );
        table.put(product("P2", 9));
        table.put(product("P3", 3));
        table.put(product("P1", 12345));
        let second = table.encode().unwrap().to_vec();
        let mut fresh = Table::from_rows(table.rows().to_vec());
        assert_eq!(second, fresh.encode().unwrap());
        assert!(String::from_utf8(second).unwrap().contains("\"stock\":9"));
        table.put(product("P3", 1));
        table.put(product("P1", 1));
        let patched = table.encode().unwrap().to_vec();
        assert_eq!(patched, Table::from_rows(table.rows().to_vec()).encode().unwrap());
        table.remove("P1");
        let third = table.encode().unwrap().to_vec();
        let mut fresh = Table::from_rows(table.rows().to_vec());
        assert_eq!(third, fresh.encode().unwrap());
        let mut empty: Table<Product> = Table::default();
        assert_eq!(empty.encode().unwrap(), b"[\n]\n");
    }

    #[test]
    fn many_rows_stay_findable_after_growth_and_removal() {
        let mut carts = Table::default();
        for i in 0..2000 {
            carts.push_unique(Cart::new(&format!("user{i}"))).unwrap();
        }
        carts.remove("user10");
        assert!(carts.get("user10").is_none());
        assert!((0..2000).filter(|&i| i != 10).all(|i| carts.get(&format!("USER{i}")).is_some()));
        assert_eq!(carts.rows()[10].username, "user11");
    }
}

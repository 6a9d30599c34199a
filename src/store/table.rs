//! One loaded data file: its records in file order plus a key index.

use std::collections::HashMap;

use super::files::Record;

#[derive(Clone, Debug)]
pub struct Table<T> {
    rows: Vec<T>,
    index: HashMap<String, usize>,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table { rows: Vec::new(), index: HashMap::new() }
    }
}

impl<T: Record> Table<T> {
    /// Builds the index; the rows were already checked for duplicate keys.
    pub fn from_rows(rows: Vec<T>) -> Table<T> {
        let index = rows.iter().enumerate().map(|(i, row)| (row.key(), i)).collect();
        Table { rows, index }
    }

    pub fn rows(&self) -> &[T] {
        &self.rows
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn get(&self, key: &str) -> Option<&T> {
        self.index.get(&T::normalize_key(key)).map(|&i| &self.rows[i])
    }

    pub fn contains(&self, key: &str) -> bool {
        self.index.contains_key(&T::normalize_key(key))
    }

    /// Replaces the record with the same key in place, or appends it.
    pub fn put(&mut self, row: T) {
        match self.index.get(&row.key()) {
            Some(&i) => self.rows[i] = row,
            None => {
                self.index.insert(row.key(), self.rows.len());
                self.rows.push(row);
            }
        }
    }

    /// Removes a record (rare: rebuilds the index).
    pub fn remove(&mut self, key: &str) -> Option<T> {
        let i = self.index.remove(&T::normalize_key(key))?;
        let row = self.rows.remove(i);
        for slot in self.index.values_mut() {
            if *slot > i {
                *slot -= 1;
            }
        }
        Some(row)
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
        carts.put(Cart::new("dee"));
        assert_eq!(carts.len(), 3);
        let products: Table<Product> = Table::default();
        assert!(products.is_empty());
    }
}

//! What this shop replaced: for each data file, the last field values its
//! own commits superseded (a lamp's stock 76 when a sale made it 75, "no
//! such order" when an order was placed). A data file replaced from outside
//! while the shop runs is a *rollback* when it brings one of those values
//! back — an owner saving a copy of products.json opened before three sales
//! would put their stock back and oversell. An outside edit that only
//! changes other things (a price, a new product) is not.

use std::collections::{HashMap, HashSet, VecDeque};

use serde::Serialize;
use serde_json::Value;

use super::data::Data;
use super::files::{FileKind, Record};
use super::journal::Change;
use super::table::Table;
use crate::domain::Settings;

/// Superseded values remembered per file (the oldest are forgotten first).
const REMEMBERED: usize = 10_000;
/// The field name that stands for "the record exists".
const EXISTS: &str = "";
/// The value of `EXISTS` for a record that does not exist.
const ABSENT: &str = "absent";
const PRESENT: &str = "present";

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Superseded {
    key: String,
    field: String,
    /// A hash of the field's value (JSON text) before this shop changed it:
    /// a cart's lines or an order's items may be long.
    old: u64,
}

fn hash_of(text: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault};
    BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default().hash_one(text)
}

#[derive(Debug, Default)]
pub struct History {
    files: [VecDeque<Superseded>; FileKind::ALL.len()],
}

/// A record's top-level fields as JSON text, or `None` if it does not exist.
fn fields<T: Serialize>(record: Option<&T>) -> Option<HashMap<String, String>> {
    let value = serde_json::to_value(record?).ok()?;
    match value {
        Value::Object(map) => Some(map.into_iter().map(|(k, v)| (k, v.to_string())).collect()),
        other => Some(HashMap::from([(String::new(), other.to_string())])),
    }
}

impl History {
    /// Notes what `change` replaces in `data` (call before applying it).
    pub fn before(&mut self, data: &Data, change: &Change) {
        let kind = change.file();
        let entries = match change {
            Change::PutUser(new) => diff(&new.key(), fields(data.users.get(&new.key())), fields(Some(new))),
            Change::PutProduct(new) => diff(&new.key(), fields(data.products.get(&new.key())), fields(Some(new))),
            Change::DeleteProduct(id) => diff(id, fields(data.products.get(id)), None),
            Change::PutCart(new) => diff(&new.key(), fields(data.carts.get(&new.key())), fields(Some(new))),
            Change::PutOrder(new) => diff(&new.key(), fields(data.orders.get(&new.key())), fields(Some(new))),
            Change::PutDiscount(new) => diff(&new.key(), fields(data.discounts.get(&new.key())), fields(Some(new))),
            Change::DeleteDiscount(code) => diff(code, fields(data.discounts.get(code)), None),
            Change::PutSettings(new) => diff("settings", fields(Some(&data.settings)), fields(Some(new))),
        };
        let ring = &mut self.files[kind.index()];
        for entry in entries {
            if ring.len() >= REMEMBERED {
                ring.pop_front();
            }
            ring.push_back(entry);
        }
    }

    /// Whether `outside` (a table read from a file replaced from outside)
    /// brings back a value this shop replaced in `current`; says which.
    pub fn rollback_in<T: Record>(&self, kind: FileKind, current: &Table<T>, outside: &Table<T>) -> Option<String> {
        self.find_rollback(kind, |key| (fields(current.get(key)), fields(outside.get(key))))
    }

    /// The same for settings.json.
    pub fn rollback_in_settings(&self, current: &Settings, outside: &Settings) -> Option<String> {
        self.find_rollback(FileKind::Settings, |_| (fields(Some(current)), fields(Some(outside))))
    }

    fn find_rollback(
        &self,
        kind: FileKind,
        records: impl Fn(&str) -> (Option<HashMap<String, String>>, Option<HashMap<String, String>>),
    ) -> Option<String> {
        let ring = &self.files[kind.index()];
        if ring.is_empty() {
            return None;
        }
        let superseded: HashSet<&Superseded> = ring.iter().collect();
        let mut checked: HashSet<&str> = HashSet::new();
        let mut found = Vec::new();
        for entry in ring.iter().rev() {
            if !checked.insert(&entry.key) {
                continue;
            }
            // Every field, and whether the record exists at all (a record this
            // shop made that the outside copy lacks).
            let (now, theirs) = records(&entry.key);
            let ours = field_values(now.as_ref());
            for (field, their_value) in field_values(theirs.as_ref()) {
                let our_value = ours.iter().find(|(f, _)| *f == field).map(|(_, v)| v.clone());
                let back = Superseded { key: entry.key.clone(), field: field.clone(), old: hash_of(&their_value) };
                if our_value.as_ref() != Some(&their_value) && superseded.contains(&back) {
                    found.push(describe(&entry.key, &field, &their_value, our_value.as_deref()));
                }
            }
        }
        let first = found.first()?.clone();
        Some(match found.len() {
            1 => first,
            n => format!("{first} (and {} more)", n - 1),
        })
    }
}

/// A record's fields plus whether it exists, as (field, value) pairs.
fn field_values(record: Option<&HashMap<String, String>>) -> Vec<(String, String)> {
    match record {
        None => vec![(EXISTS.into(), ABSENT.into())],
        Some(map) => {
            let mut pairs: Vec<(String, String)> = map.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            pairs.push((EXISTS.into(), PRESENT.into()));
            pairs
        }
    }
}

/// What changed from `old` to `new` for the record `key`, as superseded values.
fn diff(key: &str, old: Option<HashMap<String, String>>, new: Option<HashMap<String, String>>) -> Vec<Superseded> {
    let entry =
        |field: &str, old: &str| Superseded { key: key.to_string(), field: field.to_string(), old: hash_of(old) };
    match (old, new) {
        (None, None) => Vec::new(),
        (None, Some(_)) => vec![entry(EXISTS, ABSENT)],
        (Some(_), None) => vec![entry(EXISTS, PRESENT)],
        (Some(old), Some(new)) => {
            let mut out: Vec<Superseded> =
                old.iter().filter(|(field, value)| new.get(*field) != Some(value)).map(|(f, v)| entry(f, v)).collect();
            // A field the change added was absent before.
            out.extend(new.keys().filter(|field| !old.contains_key(*field)).map(|f| entry(f, "null")));
            out
        }
    }
}

fn describe(key: &str, field: &str, theirs: &str, ours: Option<&str>) -> String {
    let key = crate::domain::text::excerpt(key, 40);
    let cut = |v: &str| crate::domain::text::excerpt(v, 30).into_owned();
    match (field, theirs) {
        (EXISTS, ABSENT) => format!("{key} would disappear"),
        (EXISTS, _) => format!("{key} would come back"),
        _ => format!("{field} of {key} would go back from {} to {}", cut(ours.unwrap_or("nothing")), cut(theirs)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Product;

    fn product(id: &str, price: &str, stock: u32) -> Product {
        serde_json::from_str(&format!(
            r#"{{"product_id":"{id}","name":"Lamp {id}","price":{price},"stock":{stock},"category":"Lighting"}}"#
        ))
        .unwrap()
    }

    fn table(products: &[Product]) -> Table<Product> {
        Table::from_rows(products.to_vec())
    }

    #[test]
    fn a_stale_copy_with_a_price_change_is_a_rollback_and_a_fresh_edit_is_not() {
        let mut history = History::default();
        let mut data =
            Data { products: table(&[product("P1", "20.00", 76), product("P2", "5.00", 9)]), ..Default::default() };
        // Three sales.
        for stock in [75, 74, 73] {
            let change = Change::PutProduct(product("P1", "20.00", stock));
            history.before(&data, &change);
            data.apply(change);
        }
        let stale = table(&[product("P1", "22.00", 76), product("P2", "5.00", 9)]);
        let found = history.rollback_in(FileKind::Products, &data.products, &stale).expect("a rollback");
        assert_eq!(found, "stock of P1 would go back from 73 to 76");
        // The same price change made on a fresh copy, and a new product: fine.
        let fresh = table(&[product("P1", "22.00", 73), product("P2", "5.00", 9), product("P3", "1.00", 1)]);
        assert_eq!(history.rollback_in(FileKind::Products, &data.products, &fresh), None);
        // An owner setting a stock no sale ever had: fine too.
        let restock = table(&[product("P1", "20.00", 100), product("P2", "5.00", 9)]);
        assert_eq!(history.rollback_in(FileKind::Products, &data.products, &restock), None);
    }

    #[test]
    fn a_copy_missing_a_record_this_shop_made_is_a_rollback() {
        let mut history = History::default();
        let mut data = Data { products: table(&[product("P1", "20.00", 5)]), ..Default::default() };
        let change = Change::PutProduct(product("P9", "1.00", 1));
        history.before(&data, &change);
        data.apply(change);
        let stale = table(&[product("P1", "20.00", 5)]);
        assert_eq!(
            history.rollback_in(FileKind::Products, &data.products, &stale).as_deref(),
            Some("P9 would disappear")
        );
    }
}

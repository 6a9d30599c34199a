//! A `ChangeSet` as the text of a change-feed row, and back. Shared by the
//! SQLite and PostgreSQL stores: both keep their feed rows in this one JSON
//! form, so a row either wrote reads back the same, and the form cannot
//! drift between them (rows written before must still read).
//!
//! `{"products":["P1"],"carts":["alice"],"settings":true}`: ids by kind,
//! `"all"` for every id of a kind, nothing for none.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::repo::{ChangeSet, Ids};

const FIELDS: [&str; 6] = ["products", "carts", "orders", "order_owners", "accounts", "codes"];

fn fields(set: &ChangeSet) -> [&Ids; 6] {
    [&set.products, &set.carts, &set.orders, &set.order_owners, &set.accounts, &set.codes]
}

fn fields_mut(set: &mut ChangeSet) -> [&mut Ids; 6] {
    [&mut set.products, &mut set.carts, &mut set.orders, &mut set.order_owners, &mut set.accounts, &mut set.codes]
}

/// `set` as a feed row's text (its id is the row's, not in the text).
pub fn encode(set: &ChangeSet) -> String {
    let mut object = Map::new();
    for (name, ids) in FIELDS.into_iter().zip(fields(set)) {
        match ids {
            Ids::None => {}
            Ids::Some(ids) => {
                object.insert(name.into(), Value::Array(ids.iter().cloned().map(Value::String).collect()));
            }
            Ids::All => {
                object.insert(name.into(), Value::String("all".into()));
            }
        }
    }
    if set.settings {
        object.insert("settings".into(), Value::Bool(true));
    }
    Value::Object(object).to_string()
}

/// The change `id` as `encode` wrote it; `None` if it is not that.
pub fn decode(id: u64, text: &str) -> Option<ChangeSet> {
    let Value::Object(object) = serde_json::from_str(text).ok()? else { return None };
    let mut set =
        ChangeSet { id, settings: object.get("settings") == Some(&Value::Bool(true)), ..ChangeSet::default() };
    for (name, ids) in FIELDS.into_iter().zip(fields_mut(&mut set)) {
        *ids = match object.get(name) {
            None => Ids::None,
            Some(Value::String(all)) if all == "all" => Ids::All,
            Some(Value::Array(list)) => {
                let list: Option<BTreeSet<String>> = list.iter().map(|id| id.as_str().map(str::to_string)).collect();
                Ids::Some(list?)
            }
            Some(_) => return None,
        };
    }
    Some(set)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_reads_back_as_the_change_it_was() {
        let mut set = ChangeSet { id: 7, settings: true, ..ChangeSet::default() };
        set.products = Ids::Some(BTreeSet::from(["P1".to_string(), "P2".to_string()]));
        set.accounts = Ids::All;
        assert_eq!(decode(7, &encode(&set)), Some(set.clone()));
        assert_eq!(decode(7, r#"{"products":["P1","P2"],"accounts":"all","settings":true}"#), Some(set));
        assert_eq!(decode(3, "{}"), Some(ChangeSet { id: 3, ..ChangeSet::default() }));
        for broken in ["", "[]", r#"{"carts":"some"}"#, r#"{"codes":[1]}"#] {
            assert_eq!(decode(1, broken), None, "{broken}");
        }
    }
}

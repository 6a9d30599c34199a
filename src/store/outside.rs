//! What another process changed, found by comparing a table read again with
//! the one it replaces: the change feed then carries ids, so a sale made by
//! another copy patches one product of the catalog instead of rebuilding it.

use super::files::{FileKind, Record};
use super::table::Table;
use crate::repo::{Change, ChangeSet, Ids};

/// Past this many changed rows, "any of them" is cheaper to take in.
const MOST_IDS: usize = 1024;

/// What was read from files since last asked.
#[derive(Debug, Default)]
pub struct Outside {
    /// The ids of the kinds whose changes are known.
    known: ChangeSet,
    /// Kinds read again whose changes are not known (too many, a row
    /// gone that no change can remove, a file edited by hand).
    unknown: [bool; FileKind::ALL.len()],
}

impl Outside {
    /// `kind` was read again, and `changes` turn the old table into the new
    /// (`None`: not known).
    pub fn note(&mut self, kind: FileKind, changes: Option<Vec<Change>>) {
        match changes {
            Some(changes) => self.known.merge(&ChangeSet::of(&changes)),
            None => self.unknown[kind.index()] = true,
        }
    }

    /// `changes` were made to the tables read (a journal finished).
    pub fn note_changes(&mut self, changes: &[Change]) {
        self.known.merge(&ChangeSet::of(changes));
    }

    /// What `moved` kinds changed, by id where known; forgets it all.
    pub fn take(&mut self, moved: impl Fn(FileKind) -> bool) -> ChangeSet {
        let Outside { known, unknown } = std::mem::take(self);
        let ids = |kind: FileKind, ids: Ids| match moved(kind) {
            false => Ids::None,
            true if unknown[kind.index()] => Ids::All,
            true => ids,
        };
        ChangeSet {
            id: 0,
            products: ids(FileKind::Products, known.products),
            carts: ids(FileKind::Carts, known.carts),
            orders: ids(FileKind::Orders, known.orders.clone()),
            order_owners: ids(FileKind::Orders, known.order_owners),
            accounts: ids(FileKind::Users, known.accounts),
            codes: ids(FileKind::Discounts, known.codes),
            settings: moved(FileKind::Settings),
        }
    }
}

/// The changes that turn `old` into `new`, if few and each can be said
/// (`delete`: how a row that is gone is removed, if it can be).
pub fn changes_between<T: Record + PartialEq>(
    old: &Table<T>,
    new: &Table<T>,
    put: fn(T) -> Change,
    delete: Option<fn(String) -> Change>,
) -> Option<Vec<Change>> {
    let mut changes = Vec::new();
    let mut added = 0;
    for row in new.rows() {
        let before = old.get(&row.key());
        if before != Some(row) {
            added += usize::from(before.is_none());
            changes.push(put(row.clone()));
        }
        if changes.len() > MOST_IDS {
            return None;
        }
    }
    // Rows of the old table not in the new one.
    if old.len() + added > new.len() {
        for row in old.rows() {
            if !new.contains(&row.key()) {
                changes.push(delete?(row.key().into_owned()));
            }
        }
    }
    (changes.len() <= MOST_IDS).then_some(changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Product;

    fn product(id: &str, stock: u32) -> Product {
        let json = serde_json::json!({"product_id": id, "name": format!("Thing {id}"), "price": 2.5, "stock": stock});
        serde_json::from_str(&json.to_string()).expect("a product")
    }

    fn table(rows: &[(&str, u32)]) -> Table<Product> {
        Table::from_rows(rows.iter().map(|&(id, stock)| product(id, stock)).collect())
    }

    fn ids(changes: Option<Vec<Change>>) -> Ids {
        match changes {
            Some(changes) => ChangeSet::of(&changes).products,
            None => Ids::All,
        }
    }

    #[test]
    fn the_rows_that_differ_by_id() {
        let old = table(&[("P1", 5), ("P2", 5), ("P3", 5)]);
        let sold = table(&[("P1", 5), ("P2", 4), ("P3", 5)]);
        let between =
            |new: &Table<Product>| changes_between(&old, new, Change::PutProduct, Some(Change::DeleteProduct));
        assert_eq!(ids(between(&sold)), Ids::Some(["P2".to_string()].into()));
        let renewed = table(&[("P1", 5), ("P3", 5), ("P4", 1)]);
        assert_eq!(ids(between(&renewed)), Ids::Some(["P2".to_string(), "P4".to_string()].into()), "gone and new");
        assert_eq!(between(&old), Some(vec![]), "nothing");
        // A row gone that no change removes: not known.
        assert_eq!(changes_between(&old, &renewed, Change::PutProduct, None), None);
        let restocked: Vec<(String, u32)> = (0..2000).map(|i| (format!("P{i}"), 9)).collect();
        let many = Table::from_rows(restocked.iter().map(|(id, stock)| product(id, *stock)).collect());
        assert_eq!(between(&many), None, "too many to list");
    }
}

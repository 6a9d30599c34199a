//! Every order as an immutable snapshot for admins, newest first. Like the
//! catalog, a new snapshot shares the orders that did not change.

use std::hash::BuildHasher;
use std::sync::Arc;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

use crate::domain::Order;
use crate::domain::order::newest_first_key;

#[derive(Debug, Default)]
pub struct OrderBook {
    /// Newest first (same second: the higher order number first).
    orders: Vec<Arc<Order>>,
    /// Positions, hashed by the order id they point at (no copied ids).
    index: HashTable<u32>,
}

fn hash_id(id: &str) -> u64 {
    FxBuildHasher.hash_one(id)
}

impl OrderBook {
    /// A snapshot of `rows` (any order), reusing unchanged orders of `previous`.
    pub fn build(rows: &[Order], previous: Option<&OrderBook>) -> OrderBook {
        let collected: Result<OrderBook, std::convert::Infallible> = OrderBook::collect(
            |visit| {
                rows.iter().for_each(visit);
                Ok(())
            },
            previous,
        );
        collected.unwrap_or_else(|never| match never {})
    }

    /// A snapshot of the orders `each` visits (from storage), reusing
    /// unchanged orders of `previous`: only new or changed ones are copied.
    pub fn collect<E>(
        each: impl FnOnce(&mut dyn FnMut(&Order)) -> Result<(), E>,
        previous: Option<&OrderBook>,
    ) -> Result<OrderBook, E> {
        // Each order with its sort key, worked out once rather than in
        // every comparison (a million orders take some twenty million).
        let mut keyed = Vec::new();
        each(&mut |row| {
            let order = match previous.and_then(|p| p.get_shared(&row.order_id)) {
                Some(old) if **old == *row => Arc::clone(old),
                _ => Arc::new(row.clone()),
            };
            keyed.push((newest_first_key(row), order));
        })?;
        // Stable: orders with equal keys keep the order they came in.
        keyed.sort_by_key(|(key, _)| *key);
        let orders: Vec<Arc<Order>> = keyed.into_iter().map(|(_, order)| order).collect();
        let mut index = HashTable::with_capacity(orders.len());
        for (i, order) in orders.iter().enumerate() {
            let same = |&at: &u32| orders[at as usize].order_id == order.order_id;
            let hasher = |&at: &u32| hash_id(&orders[at as usize].order_id);
            // Ids are unique in storage; were one not, its first position is kept.
            if let hashbrown::hash_table::Entry::Vacant(slot) = index.entry(hash_id(&order.order_id), same, hasher) {
                slot.insert(i as u32);
            }
        }
        Ok(OrderBook { orders, index })
    }

    pub fn orders(&self) -> &[Arc<Order>] {
        &self.orders
    }

    pub fn get(&self, order_id: &str) -> Option<&Order> {
        self.get_shared(order_id).map(|o| &**o)
    }

    fn get_shared(&self, order_id: &str) -> Option<&Arc<Order>> {
        let found = self.index.find(hash_id(order_id), |&at| self.orders[at as usize].order_id == order_id);
        found.and_then(|&at| self.orders.get(at as usize))
    }

    pub fn len(&self) -> usize {
        self.orders.len()
    }

    pub fn is_empty(&self) -> bool {
        self.orders.is_empty()
    }

    /// Whether any order ever contained the product (it then cannot be deleted).
    pub fn mention(&self, product_id: &str) -> bool {
        self.orders.iter().flat_map(|o| &o.items).any(|line| line.product_id == product_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Money, OrderStatus, Timestamp};

    fn order(id: &str, at: &str) -> Order {
        let at = Timestamp::parse(at).expect("a time");
        Order::new(id.into(), "alice".into(), Vec::new(), Money::from_cents(100), at)
    }

    #[test]
    fn a_new_book_shares_the_orders_that_did_not_change() {
        let rows = vec![order("O0001", "2026-03-01 10:00:00"), order("O0002", "2026-03-01 11:00:00")];
        let first = OrderBook::build(&rows, None);
        let ids: Vec<&str> = first.orders().iter().map(|o| o.order_id.as_str()).collect();
        assert_eq!(ids, ["O0002", "O0001"], "newest first");
        let mut changed = rows.clone();
        changed[0].status = OrderStatus::Cancelled;
        changed.push(order("O0003", "2026-03-01 12:00:00"));
        let second: Result<OrderBook, ()> = OrderBook::collect(
            |visit| {
                changed.iter().for_each(visit);
                Ok(())
            },
            Some(&first),
        );
        let second = second.expect("no error");
        assert_eq!(second.orders().len(), 3);
        let shared = |id: &str| Arc::ptr_eq(first.get_shared(id).unwrap(), second.get_shared(id).unwrap());
        assert!(shared("O0002"), "unchanged: the same order, not a copy");
        assert!(!shared("O0001"), "changed: a new copy");
        assert_eq!(second.get("O0001").map(|o| o.status), Some(OrderStatus::Cancelled));
        assert_ne!(first.get("O0001").map(|o| o.status), Some(OrderStatus::Cancelled), "the old book is untouched");
    }
}

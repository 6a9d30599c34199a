//! Every order as an immutable snapshot for admins, newest first. Like the
//! catalog, a new snapshot shares the orders that did not change.

use std::collections::HashMap;
use std::sync::Arc;

use crate::domain::Order;

#[derive(Debug, Default)]
pub struct OrderBook {
    /// Newest first (same second: the higher order number first).
    orders: Vec<Arc<Order>>,
    index: HashMap<String, u32>,
}

impl OrderBook {
    /// A snapshot of `rows` (any order), reusing unchanged orders of `previous`.
    pub fn build(rows: &[Order], previous: Option<&OrderBook>) -> OrderBook {
        let mut orders: Vec<Arc<Order>> = rows
            .iter()
            .map(|row| match previous.and_then(|p| p.get_shared(&row.order_id)) {
                Some(old) if **old == *row => Arc::clone(old),
                _ => Arc::new(row.clone()),
            })
            .collect();
        orders.sort_by(|a, b| newest_first(a, b));
        let index = orders.iter().enumerate().map(|(i, o)| (o.order_id.clone(), i as u32)).collect();
        OrderBook { orders, index }
    }

    pub fn orders(&self) -> &[Arc<Order>] {
        &self.orders
    }

    pub fn get(&self, order_id: &str) -> Option<&Order> {
        self.get_shared(order_id).map(|o| &**o)
    }

    fn get_shared(&self, order_id: &str) -> Option<&Arc<Order>> {
        self.index.get(order_id).and_then(|&i| self.orders.get(i as usize))
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

/// Newest first; the same second: the later id first.
pub fn newest_first(a: &Order, b: &Order) -> std::cmp::Ordering {
    use crate::domain::order::order_number;
    b.timestamp.cmp(&a.timestamp).then_with(|| order_number(&b.order_id).cmp(&order_number(&a.order_id)))
}

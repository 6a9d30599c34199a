//! The catalog's products in file order, kept in chunks so that a new
//! snapshot with one product changed copies one chunk and the list of
//! chunks — not a pointer per product (at a million products, the
//! difference between microseconds and milliseconds per sale).

use std::ops::Index;
use std::sync::Arc;

use crate::domain::Product;

/// Products per chunk.
const CHUNK: usize = 1024;

#[derive(Clone, Debug, Default)]
pub struct Shelf {
    chunks: Vec<Arc<[Arc<Product>]>>,
    len: usize,
}

impl Shelf {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn get(&self, position: usize) -> Option<&Arc<Product>> {
        self.chunks.get(position / CHUNK)?.get(position % CHUNK)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Arc<Product>> + Clone + '_ {
        self.chunks.iter().flat_map(|chunk| chunk.iter())
    }

    /// This shelf with the product at `position` replaced (out of range:
    /// unchanged).
    pub fn replaced(&self, position: usize, product: Arc<Product>) -> Shelf {
        let mut chunks = self.chunks.clone();
        if let Some(chunk) = chunks.get_mut(position / CHUNK) {
            let mut products = chunk.to_vec();
            if let Some(slot) = products.get_mut(position % CHUNK) {
                *slot = product;
            }
            *chunk = Arc::from(products);
        }
        Shelf { chunks, len: self.len }
    }
}

impl From<Vec<Arc<Product>>> for Shelf {
    fn from(products: Vec<Arc<Product>>) -> Shelf {
        let len = products.len();
        Shelf { chunks: products.chunks(CHUNK).map(Arc::from).collect(), len }
    }
}

impl Index<usize> for Shelf {
    type Output = Arc<Product>;

    fn index(&self, position: usize) -> &Arc<Product> {
        &self.chunks[position / CHUNK][position % CHUNK]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Money;

    fn product(n: usize) -> Arc<Product> {
        Arc::new(Product {
            product_id: format!("P{n}"),
            name: format!("Thing {n}"),
            price: Money::from_cents(100),
            stock: 1,
            description: None,
            category: None,
            active: true,
            changed: None,
            extra: Default::default(),
        })
    }

    #[test]
    fn a_replacement_shares_every_other_chunk() {
        let shelf = Shelf::from((0..3 * CHUNK + 5).map(product).collect::<Vec<_>>());
        assert_eq!(shelf.len(), 3 * CHUNK + 5);
        assert_eq!(shelf.iter().count(), shelf.len());
        assert_eq!(shelf[CHUNK + 3].product_id, format!("P{}", CHUNK + 3));
        assert!(shelf.get(3 * CHUNK + 5).is_none());
        let changed = shelf.replaced(CHUNK + 3, product(99_999));
        assert_eq!(changed[CHUNK + 3].product_id, "P99999");
        assert_eq!(shelf[CHUNK + 3].product_id, format!("P{}", CHUNK + 3), "the old shelf is untouched");
        assert!(Arc::ptr_eq(&shelf.chunks[0], &changed.chunks[0]));
        assert!(Arc::ptr_eq(&shelf.chunks[2], &changed.chunks[2]));
        assert!(!Arc::ptr_eq(&shelf.chunks[1], &changed.chunks[1]));
        let ids: Vec<String> = changed.iter().map(|p| p.product_id.clone()).collect();
        assert_eq!(ids.len(), shelf.len());
        assert_eq!(ids[CHUNK + 4], format!("P{}", CHUNK + 4));
        // Out of range: nothing changes.
        assert_eq!(shelf.replaced(10 * CHUNK, product(1)).len(), shelf.len());
    }
}

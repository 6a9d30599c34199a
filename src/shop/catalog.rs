//! The catalog as an immutable snapshot, shared by every session: the
//! products in file order (archived ones too), an index by id, and the text
//! the live filter searches. A new snapshot reuses what did not change: the
//! products themselves (`Arc`s), the id index when no product came or went,
//! and the filter text when no name, id, category or on-sale flag changed —
//! so a checkout (stock only) costs a pointer copy per product.

use std::hash::BuildHasher;
use std::sync::Arc;

use hashbrown::HashTable;
use rustc_hash::FxBuildHasher;

use super::answers::SharedAnswers;
use super::shelf::Shelf;
use crate::domain::Product;

#[derive(Default)]
pub struct Catalog {
    products: Shelf,
    /// Positions, hashed by the product id they point at (no copied ids).
    index: Arc<HashTable<u32>>,
    search: Arc<SearchText>,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog").field("products", &self.products.len()).finish_non_exhaustive()
    }
}

fn hash_id(id: &str) -> u64 {
    FxBuildHasher.hash_one(id)
}

/// What the filter matches each product against, aligned with the products:
/// each product's name, id and category, all in one buffer (one
/// allocation, read in order by the matcher).
#[derive(Debug, Default)]
pub struct SearchText {
    text: String,
    /// Where each product's name, id and category end in `text`.
    bounds: Vec<[u32; 3]>,
    /// Whether each product's text is all ASCII.
    ascii: Vec<bool>,
    /// The `letters` of each product's name, id and category.
    letters: Vec<[u32; 3]>,
    /// Positions of the products on sale (what shoppers see), in order.
    pub on_sale: Arc<[u32]>,
    /// Positions of every product (what admins see), in order.
    pub every: Arc<[u32]>,
    /// The filter's recent answers on this text, for every session.
    answers: SharedAnswers,
}

/// Which list of positions a filter searches: `on_sale` or `every`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    OnSale,
    Every,
}

/// A product that matched a filter query: its position in the snapshot and
/// its rank (higher is better).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit {
    pub position: u32,
    pub score: u32,
}

/// What the filter found for one query, in both the orders it is used in.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Found {
    /// Each match's index into the searched positions, in that order: what
    /// a longer query narrows from.
    pub matched: Box<[u32]>,
    /// The matches best first (ties in catalog order), as shown. Shared as
    /// it is, so a remembered answer costs a session no sorting or copying.
    pub hits: Arc<[Hit]>,
}

pub type Answer = Arc<Found>;

/// Which letters and digits a text holds, one bit each (case ignored,
/// digits folded onto six bits): a word can only match a field holding all
/// of its letters, so most fields are ruled out without running the
/// matcher. Text with non-ASCII characters holds "everything", since the
/// matcher folds `é` to `e`.
pub fn letters(text: &str) -> u32 {
    if !text.is_ascii() {
        return u32::MAX;
    }
    text.bytes().fold(0, |mask, b| mask | letter_bit(char::from(b)))
}

/// The bit of one character in `letters` (0 for other characters).
pub fn letter_bit(c: char) -> u32 {
    match c.to_ascii_lowercase() {
        c @ 'a'..='z' => 1 << (c as u32 - 'a' as u32),
        d @ '0'..='9' => 1 << (26 + (d as u32 - '0' as u32) % 6),
        _ => 0,
    }
}

/// The fields of one product the filter matches, each on its own.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SearchFields<'a> {
    pub name: &'a str,
    pub id: &'a str,
    pub category: &'a str,
    /// All three are ASCII: the matcher can skip checking that per call.
    pub ascii: bool,
    /// The `letters` of the name, id and category.
    pub letters: [u32; 3],
}

impl<'a> SearchFields<'a> {
    pub fn new(name: &'a str, id: &'a str, category: &'a str) -> SearchFields<'a> {
        SearchFields {
            name,
            id,
            category,
            ascii: name.is_ascii() && id.is_ascii() && category.is_ascii(),
            letters: [letters(name), letters(id), letters(category)],
        }
    }

    pub fn of(product: &'a Product) -> SearchFields<'a> {
        SearchFields::new(&product.name, &product.product_id, product.category_or_blank())
    }
}

impl Catalog {
    /// A snapshot of `rows`, reusing whatever `previous` already holds.
    pub fn build(rows: &[Product], previous: Option<&Catalog>) -> Catalog {
        let same_set = previous.is_some_and(|p| {
            p.products.len() == rows.len() && p.products.iter().zip(rows).all(|(a, b)| a.product_id == b.product_id)
        });
        let products: Vec<Arc<Product>> = match previous.filter(|_| same_set) {
            Some(previous) => previous
                .products
                .iter()
                .zip(rows)
                .map(|(old, new)| if **old == *new { Arc::clone(old) } else { Arc::new(new.clone()) })
                .collect(),
            None => rows.iter().cloned().map(Arc::new).collect(),
        };
        Catalog::assemble(products, previous.filter(|_| same_set))
    }

    /// A snapshot of `rows` read whole from storage (moved in, not
    /// copied), reusing whatever `previous` already holds.
    pub fn build_owned(rows: Vec<Product>, previous: Option<&Catalog>) -> Catalog {
        let same_set = previous.filter(|p| {
            p.products.len() == rows.len() && p.products.iter().zip(&rows).all(|(a, b)| a.product_id == b.product_id)
        });
        let products: Vec<Arc<Product>> = match same_set {
            Some(previous) => previous
                .products
                .iter()
                .zip(rows)
                .map(|(old, new)| if **old == new { Arc::clone(old) } else { Arc::new(new) })
                .collect(),
            None => rows.into_iter().map(Arc::new).collect(),
        };
        Catalog::assemble(products, same_set)
    }

    /// This snapshot with `updates` applied: each id's product as it is
    /// now (`None`: gone). What did not change is shared, as in `build`.
    pub fn patched(&self, updates: Vec<(String, Option<Product>)>) -> Catalog {
        let same_set = updates.iter().all(|(id, now)| now.is_some() == self.position(id).is_some());
        if !same_set {
            return self.rebuilt_with(updates);
        }
        // The same products: swap the changed ones in, chunk by chunk.
        let (mut products, mut same_text) = (self.products.clone(), true);
        for (id, now) in updates {
            let (Some(i), Some(product)) = (self.position(&id), now) else { continue };
            if *products[i] != product {
                let old = &products[i];
                same_text &=
                    old.name == product.name && old.category == product.category && old.active == product.active;
                products = products.replaced(i, Arc::new(product));
            }
        }
        let search = if same_text { Arc::clone(&self.search) } else { Arc::new(SearchText::of(products.iter())) };
        Catalog { products, index: Arc::clone(&self.index), search }
    }

    /// This snapshot with products added or gone: every position may move.
    fn rebuilt_with(&self, updates: Vec<(String, Option<Product>)>) -> Catalog {
        let mut products: Vec<Arc<Product>> = self.products.iter().cloned().collect();
        let mut gone = std::collections::HashSet::new();
        for (id, now) in updates {
            match (self.position(&id), now) {
                (Some(i), Some(product)) if *products[i] != product => products[i] = Arc::new(product),
                (Some(_), Some(_)) | (None, None) => {}
                (Some(_), None) => {
                    gone.insert(id);
                }
                // A new product comes last, as in the data.
                (None, Some(product)) => products.push(Arc::new(product)),
            }
        }
        if !gone.is_empty() {
            products.retain(|p| !gone.contains(&p.product_id));
        }
        Catalog::assemble(products, None)
    }

    /// A snapshot of `products`; `same_set` is a snapshot of the same ids
    /// in the same order, whose index (and filter text, if no searchable
    /// field changed) is reused.
    fn assemble(products: Vec<Arc<Product>>, same_set: Option<&Catalog>) -> Catalog {
        let index = match same_set {
            Some(previous) => Arc::clone(&previous.index),
            None => {
                let mut index = HashTable::with_capacity(products.len());
                for (i, product) in products.iter().enumerate() {
                    index.insert_unique(hash_id(&product.product_id), i as u32, |&j| {
                        hash_id(&products[j as usize].product_id)
                    });
                }
                Arc::new(index)
            }
        };
        let same_text = same_set.filter(|p| {
            p.products.iter().zip(&products).all(|(a, b)| {
                Arc::ptr_eq(a, b) || (a.name == b.name && a.category == b.category && a.active == b.active)
            })
        });
        let search = match same_text {
            Some(previous) => Arc::clone(&previous.search),
            None => Arc::new(SearchText::of(products.iter())),
        };
        Catalog { products: Shelf::from(products), index, search }
    }

    fn position(&self, product_id: &str) -> Option<usize> {
        let products = &self.products;
        self.index.find(hash_id(product_id), |&i| products[i as usize].product_id == product_id).map(|&i| i as usize)
    }

    /// Every product, archived ones too, in file order.
    pub fn products(&self) -> &Shelf {
        &self.products
    }

    pub fn get(&self, product_id: &str) -> Option<&Product> {
        self.position(product_id).map(|i| &*self.products[i])
    }

    pub fn contains(&self, product_id: &str) -> bool {
        self.get(product_id).is_some()
    }

    /// The product at a position of `products()` (filter hits carry positions).
    pub fn at(&self, position: usize) -> Option<&Product> {
        self.products.get(position).map(|p| &**p)
    }

    pub fn len(&self) -> usize {
        self.products.len()
    }

    pub fn is_empty(&self) -> bool {
        self.products.is_empty()
    }

    /// The filter's text, shared by every session and every later snapshot
    /// in which no product's searchable text changed.
    pub fn search_text(&self) -> &Arc<SearchText> {
        &self.search
    }
}

impl SearchText {
    fn of<'a>(products: impl Iterator<Item = &'a Arc<Product>> + Clone) -> SearchText {
        let (count, room) = products.clone().fold((0, 0), |(n, room), p| (n + 1, room + p.name.len() + 24));
        let mut text = String::with_capacity(room);
        let mut bounds = Vec::with_capacity(count);
        let mut ascii = Vec::with_capacity(count);
        let mut masks = Vec::with_capacity(count);
        let mut on_sale = Vec::with_capacity(count);
        let end = |text: &String| u32::try_from(text.len()).unwrap_or(u32::MAX);
        for (position, product) in products.enumerate() {
            let start = text.len();
            text.push_str(&product.name);
            let name = end(&text);
            text.push_str(&product.product_id);
            let id = end(&text);
            text.push_str(product.category_or_blank());
            bounds.push([name, id, end(&text)]);
            ascii.push(text.get(start..).is_some_and(str::is_ascii));
            masks.push([letters(&product.name), letters(&product.product_id), letters(product.category_or_blank())]);
            if product.active {
                on_sale.push(position as u32);
            }
        }
        SearchText {
            text,
            bounds,
            ascii,
            letters: masks,
            on_sale: on_sale.into(),
            every: (0..count as u32).collect(),
            answers: SharedAnswers::default(),
        }
    }

    /// Which scope `positions` is, if it is one of this text's own lists.
    pub fn scope_of(&self, positions: &Arc<[u32]>) -> Option<Scope> {
        if Arc::ptr_eq(positions, &self.on_sale) {
            Some(Scope::OnSale)
        } else if Arc::ptr_eq(positions, &self.every) {
            Some(Scope::Every)
        } else {
            None
        }
    }

    /// A remembered answer to `query` on `scope`.
    pub fn answer(&self, scope: Scope, query: &str) -> Option<Answer> {
        self.answers.get(scope, query)
    }

    /// The answer to `query` on `scope`, found by `find` unless another
    /// session found it already or is finding it now; remembered for all.
    pub fn answer_or_find(&self, scope: Scope, query: &str, find: impl FnOnce() -> Answer) -> Answer {
        self.answers.get_or_find(scope, query, find)
    }

    /// The `letters` of the name, id and category of the product at
    /// `position` (everything when out of range).
    pub fn letters(&self, position: u32) -> [u32; 3] {
        self.letters.get(position as usize).copied().unwrap_or([u32::MAX; 3])
    }

    /// The fields of the product at `position` (empty when out of range).
    pub fn fields(&self, position: u32) -> SearchFields<'_> {
        let i = position as usize;
        let start = if i == 0 { 0 } else { self.bounds.get(i - 1).map_or(0, |b| b[2] as usize) };
        let Some(&[name, id, category]) = self.bounds.get(i) else {
            return SearchFields::default();
        };
        let slice = |from: usize, to: u32| self.text.get(from..to as usize).unwrap_or("");
        SearchFields {
            name: slice(start, name),
            id: slice(name as usize, id),
            category: slice(id as usize, category),
            ascii: self.ascii.get(i).copied().unwrap_or(false),
            letters: self.letters.get(i).copied().unwrap_or([u32::MAX; 3]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Money;

    fn product(id: &str, stock: u32) -> Product {
        Product {
            product_id: id.into(),
            name: format!("Thing {id}"),
            price: Money::from_cents(100),
            stock,
            description: None,
            category: Some("Cat".into()),
            active: true,
            changed: None,
            extra: Default::default(),
        }
    }

    #[test]
    fn a_patch_changes_only_what_the_feed_named() {
        let rows = vec![product("P1", 5), product("P2", 5), product("P3", 5)];
        let first = Catalog::build(&rows, None);
        // A sale: one product's stock.
        let sold = first.patched(vec![("P2".into(), Some(product("P2", 4)))]);
        assert_eq!(sold.get("P2").map(|p| p.stock), Some(4));
        assert!(Arc::ptr_eq(&first.products()[0], &sold.products()[0]));
        assert!(Arc::ptr_eq(&first.products()[2], &sold.products()[2]));
        assert!(Arc::ptr_eq(first.search_text(), sold.search_text()), "stock does not touch the filter's text");
        assert_eq!(first.get("P2").map(|p| p.stock), Some(5), "the old snapshot is untouched");
        // A rename, a new product and a deletion, at once.
        let renamed = Product { name: "Other".into(), ..product("P1", 5) };
        let next = sold.patched(vec![
            ("P1".into(), Some(renamed)),
            ("P3".into(), None),
            ("P9".into(), Some(product("P9", 1))),
            ("P8".into(), None),
        ]);
        let ids: Vec<&str> = next.products().iter().map(|p| p.product_id.as_str()).collect();
        assert_eq!(ids, ["P1", "P2", "P9"]);
        assert_eq!(next.get("P1").map(|p| p.name.as_str()), Some("Other"));
        assert!(!next.contains("P3") && next.contains("P9"));
        assert_eq!(next.search_text().fields(2), SearchFields::new("Thing P9", "P9", "Cat"));
        assert_eq!(next.search_text().fields(0).name, "Other");
        // Patching what is already there changes nothing.
        let same = next.patched(vec![("P2".into(), Some(product("P2", 4)))]);
        assert!(Arc::ptr_eq(&next.products()[1], &same.products()[1]));
    }

    #[test]
    fn a_stock_change_reuses_everything_but_the_changed_product() {
        let rows = vec![product("P1", 5), product("P2", 5)];
        let first = Catalog::build(&rows, None);
        assert_eq!(first.get("P2").map(|p| p.stock), Some(5));
        let text = first.search_text();
        assert_eq!(text.fields(1), SearchFields::new("Thing P2", "P2", "Cat"));
        assert_eq!(text.fields(0), SearchFields::new("Thing P1", "P1", "Cat"));
        assert_eq!(text.fields(9), SearchFields::default());
        let sold = vec![product("P1", 5), product("P2", 4)];
        let second = Catalog::build(&sold, Some(&first));
        assert!(Arc::ptr_eq(&first.products()[0], &second.products()[0]));
        assert!(!Arc::ptr_eq(&first.products()[1], &second.products()[1]));
        assert_eq!(second.get("P2").map(|p| p.stock), Some(4));
        assert!(Arc::ptr_eq(first.search_text(), second.search_text()), "stock does not change the filter's text");
        let renamed = vec![Product { name: "Other".into(), ..product("P1", 5) }, product("P2", 4)];
        let third = Catalog::build(&renamed, Some(&second));
        assert!(!Arc::ptr_eq(second.search_text(), third.search_text()));
        let more = vec![product("P1", 5), product("P2", 4), product("P3", 1)];
        let fourth = Catalog::build(&more, Some(&third));
        assert_eq!(fourth.at(2).map(|p| p.product_id.as_str()), Some("P3"));
        assert!(fourth.contains("P3") && !third.contains("P3"));
    }
}

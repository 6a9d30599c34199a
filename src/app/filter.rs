//! The live catalog filter: fuzzy matching (nucleo-matcher, the matcher of
//! the helix editor) over each product's name, id and category, best first
//! (see `ranking` for what "best" means).
//!
//! Typing usually extends the previous query; then only the previous matches
//! are re-checked, so each keystroke gets cheaper as the list narrows.

use std::sync::{Arc, Mutex};

use nucleo_matcher::{Config, Matcher};

use super::ranking::{self, Matched};
use crate::domain::Product;
use crate::shop::catalog::{Answer, Found, Scope, SearchFields, SearchText};

pub use crate::shop::catalog::Hit;

/// What a catalog view lists: everything (the empty query) as the shared
/// list of positions every session holds, or this session's matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Hits {
    All(Arc<[u32]>),
    Matched(Arc<[Hit]>),
}

impl Default for Hits {
    fn default() -> Hits {
        Hits::Matched(Arc::from([]))
    }
}

impl Hits {
    pub fn len(&self) -> usize {
        match self {
            Hits::All(positions) => positions.len(),
            Hits::Matched(hits) => hits.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, index: usize) -> Option<Hit> {
        match self {
            Hits::All(positions) => positions.get(index).map(|&position| Hit { position, score: 0 }),
            Hits::Matched(hits) => hits.get(index).copied(),
        }
    }

    /// The catalog positions listed, in order.
    pub fn positions(&self) -> impl Iterator<Item = u32> + '_ {
        (0..self.len()).filter_map(|i| self.get(i)).map(|hit| hit.position)
    }
}

pub struct CatalogFilter {
    /// The catalog snapshot's text, shared by every session.
    text: Arc<SearchText>,
    /// The positions (in the snapshot) this filter searches, in catalog order.
    entries: Arc<[u32]>,
    /// Which of the text's lists `entries` is: answers on it are shared.
    scope: Option<Scope>,
    last_query: String,
    /// What `last_query` found (nothing when it was empty).
    last_found: Option<Answer>,
}

impl std::fmt::Debug for CatalogFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CatalogFilter").field("entries", &self.entries.len()).finish_non_exhaustive()
    }
}

/// Characters with a meaning in the query syntax (`!not`, `^prefix`,
/// `suffix$`, `'exact`): with them a longer query is not always narrower.
fn has_operators(query: &str) -> bool {
    query.contains(['!', '^', '$', '\'', '\\'])
}

impl CatalogFilter {
    /// Searches the products at `positions` of a catalog snapshot's `text`;
    /// hits report those positions.
    pub fn new(text: Arc<SearchText>, positions: Arc<[u32]>) -> CatalogFilter {
        CatalogFilter {
            scope: text.scope_of(&positions),
            text,
            entries: positions,
            last_query: String::new(),
            last_found: None,
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The products matching `query`, best first; ties keep catalog order.
    /// An empty query lists everything in catalog order.
    pub fn search(&mut self, query: &str) -> Arc<[Hit]> {
        let query = query.trim_start();
        if query.trim().is_empty() {
            self.last_query.clear();
            self.last_found = None;
            return self.entries.iter().map(|&position| Hit { position, score: 0 }).collect();
        }
        let found = match self.scope {
            // Costly searches are shared: found once for every session.
            Some(scope) if self.candidates(query) >= SHARE_FROM => {
                let text = Arc::clone(&self.text);
                text.answer_or_find(scope, query, || self.find(query))
            }
            Some(scope) => self.text.answer(scope, query).unwrap_or_else(|| self.find(query)),
            None => self.find(query),
        };
        self.last_query = query.to_string();
        let hits = Arc::clone(&found.hits);
        self.last_found = Some(found);
        hits
    }

    /// The last answer, when `query` extends the last query: then only
    /// its matches need checking.
    fn narrowed_from(&self, query: &str) -> Option<Answer> {
        let narrowing = !self.last_query.is_empty()
            && query.starts_with(self.last_query.as_str())
            && !has_operators(query)
            && !has_operators(&self.last_query);
        self.last_found.clone().filter(|_| narrowing)
    }

    /// How many entries `query` must be checked against.
    fn candidates(&self, query: &str) -> usize {
        self.narrowed_from(query).map_or(self.entries.len(), |last| last.matched.len())
    }

    /// What `query` finds among its candidates.
    fn find(&mut self, query: &str) -> Answer {
        let pattern = ranking::parse(query);
        let last = self.narrowed_from(query);
        let all: Vec<u32>;
        let candidates: &[u32] = match &last {
            Some(last) => &last.matched,
            None => {
                all = (0..self.entries.len() as u32).collect();
                &all
            }
        };
        let (entries, text) = (&self.entries, &self.text);
        let score = |chunk: &[u32], matcher: &mut Matcher| {
            let mut buf = Vec::new();
            let mut scored = Vec::new();
            for &i in chunk {
                let position = entries[i as usize];
                if !ranking::may_match(&pattern, text.letters(position)) {
                    continue;
                }
                if let Some(score) = ranking::score(&pattern, &text.fields(position), matcher, &mut buf) {
                    scored.push((i, score));
                }
            }
            scored
        };
        let scored = if candidates.len() < PARALLEL_FROM {
            with_matcher(|matcher| score(candidates, matcher))
        } else {
            // Two halves on two threads, joined in order so ties keep catalog order.
            let (first, second) = candidates.split_at(candidates.len() / 2);
            std::thread::scope(|scope| {
                let head = scope.spawn(|| with_matcher(|matcher| score(first, matcher)));
                let mut tail = with_matcher(|matcher| score(second, matcher));
                let mut all = head.join().unwrap_or_default();
                all.append(&mut tail);
                all
            })
        };
        Arc::new(Found {
            matched: scored.iter().map(|&(i, _)| i).collect(),
            hits: best_first(&scored).map(|(i, score)| Hit { position: entries[i as usize], score }).collect(),
        })
    }
}

/// Matchers not in use, shared by every session. A matcher is a 130 KB
/// zeroed allocation of scratch space that holds nothing between two
/// uses: a session needs one only while it searches or draws highlighted
/// rows, so sessions borrow them here rather than each keeping its own
/// (hundreds of idle SSH sessions kept 2 each: 270 KB a session).
static SPARE_MATCHERS: Mutex<Vec<Matcher>> = Mutex::new(Vec::new());

/// Spare matchers kept at most (about as many as threads search at once on
/// a small server; more are made when needed and dropped after).
const SPARE_MATCHERS_KEPT: usize = 8;

/// Runs `work` with a matcher borrowed from the spares (or a new one),
/// given back after.
pub fn with_matcher<T>(work: impl FnOnce(&mut Matcher) -> T) -> T {
    let spare = SPARE_MATCHERS.lock().unwrap_or_else(|p| p.into_inner()).pop();
    let mut matcher = spare.unwrap_or_else(|| Matcher::new(Config::DEFAULT));
    let out = work(&mut matcher);
    let mut spares = SPARE_MATCHERS.lock().unwrap_or_else(|p| p.into_inner());
    if spares.len() < SPARE_MATCHERS_KEPT {
        spares.push(matcher);
    }
    out
}

/// From this many candidates on, a search's answer is shared with other
/// sessions (below, searching again costs about as much).
const SHARE_FROM: usize = 2_000;

/// Below this many candidates, one thread is quicker than two.
const PARALLEL_FROM: usize = 20_000;

/// Sorts `(index, score)` pairs (given in index order) best score first,
/// ties in index order. Scores are small, so a counting sort does it in
/// linear time: sorting a million matches by comparison took longer than
/// matching them.
fn best_first(scored: &[(u32, u32)]) -> impl Iterator<Item = (u32, u32)> {
    let max = scored.iter().map(|&(_, s)| s).max().unwrap_or(0) as usize;
    let mut order = vec![(0u32, 0u32); scored.len()];
    if max < 1 << 20 {
        // Bucket starts, highest score first.
        let mut starts = vec![0usize; max + 2];
        for &(_, s) in scored {
            starts[max - s as usize + 1] += 1;
        }
        for b in 1..starts.len() {
            starts[b] += starts[b - 1];
        }
        for &(i, s) in scored {
            let slot = &mut starts[max - s as usize];
            order[*slot] = (i, s);
            *slot += 1;
        }
    } else {
        order.copy_from_slice(scored);
        order.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    }
    order.into_iter()
}

/// Ranks `len` items once, on two threads, without keeping an index: for
/// `shopfront search`. `item(i)` gives the i-th `(name, id, category)`;
/// positions in the hits are those `i`.
pub fn rank_once<'a, F>(query: &str, len: usize, item: F) -> Vec<Hit>
where
    F: Fn(usize) -> (&'a str, &'a str, &'a str) + Sync,
{
    if query.trim().is_empty() {
        return (0..len as u32).map(|position| Hit { position, score: 0 }).collect();
    }
    let pattern = ranking::parse(query.trim_start());
    let score_range = |from: usize, to: usize| {
        with_matcher(|matcher| {
            let (mut buf, mut scored) = (Vec::new(), Vec::new());
            for i in from..to {
                let (name, id, category) = item(i);
                if let Some(score) = ranking::score(&pattern, &SearchFields::new(name, id, category), matcher, &mut buf)
                {
                    scored.push((i as u32, score));
                }
            }
            scored
        })
    };
    let half = len / 2;
    let mut scored = std::thread::scope(|scope| {
        let first = scope.spawn(|| score_range(0, half));
        let mut second = score_range(half, len);
        let mut all = first.join().unwrap_or_default();
        all.append(&mut second);
        all
    });
    scored.shrink_to_fit();
    best_first(&scored).map(|(position, score)| Hit { position, score }).collect()
}

/// Which characters of the name, id and category the query matched, for
/// highlighting; computed for the few visible rows only.
pub fn highlight(query: &str, product: &Product) -> Matched {
    if query.trim().is_empty() {
        return Matched::default();
    }
    // A matcher is a 130 KB zeroed allocation: borrowed, not made per row drawn.
    let query = ranking::parse(query.trim_start());
    with_matcher(|matcher| ranking::matched(&query, &SearchFields::of(product), matcher))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A filter over every product of a catalog made of `products`.
    fn filter_of(products: &[crate::domain::Product]) -> CatalogFilter {
        let catalog = crate::shop::Catalog::build(products, None);
        CatalogFilter::new(Arc::clone(catalog.search_text()), Arc::clone(&catalog.search_text().every))
    }
    use crate::domain::Money;

    fn product(id: &str, name: &str, category: &str) -> Product {
        Product {
            product_id: id.into(),
            name: name.into(),
            price: Money::from_cents(100),
            stock: 1,
            description: None,
            category: Some(category.into()),
            active: true,
            changed: None,
            extra: Default::default(),
        }
    }

    fn catalog() -> Vec<Product> {
        vec![
            product("P1001", "USB-C Cable", "Cables"),
            product("P1002", "Wireless Mouse", "Peripherals"),
            product("P1003", "Mechanical Keyboard", "Peripherals"),
            product("P1004", "USB Flash Drive", "Storage"),
            product("P1005", "Cable Management Kit", "Desk"),
        ]
    }

    fn names(products: &[Product], hits: &[Hit]) -> Vec<String> {
        hits.iter().map(|h| products[h.position as usize].name.clone()).collect()
    }

    #[test]
    fn words_match_in_any_field_case_insensitively() {
        let products = catalog();
        let mut filter = filter_of(&products);
        assert_eq!(names(&products, &filter.search("usb cab")), ["USB-C Cable"]);
        assert_eq!(names(&products, &filter.search("PERIPH")), ["Wireless Mouse", "Mechanical Keyboard"]);
        assert_eq!(names(&products, &filter.search("p1004")), ["USB Flash Drive"]);
        assert!(filter.search("zzz").is_empty());
        assert_eq!(filter.search("").len(), 5);
    }

    #[test]
    fn best_matches_come_first() {
        let products = catalog();
        let mut filter = filter_of(&products);
        let hits = filter.search("cable");
        assert_eq!(names(&products, &hits)[..2], ["USB-C Cable", "Cable Management Kit"]);
        assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
    }

    #[test]
    fn narrowing_gives_the_same_answer_as_a_fresh_search() {
        let products = catalog();
        let mut typed = filter_of(&products);
        let mut fresh = filter_of(&products);
        let query = "usb c";
        for end in 1..=query.len() {
            let part = &query[..end];
            assert_eq!(typed.search(part), filter_of(&products).search(part), "{part}");
        }
        // Operators break narrowing: `!usb` is wider than `!us`... and must still be right.
        assert_eq!(names(&products, &typed.search("!us")), names(&products, &fresh.search("!us")));
        assert_eq!(names(&products, &typed.search("!usb")), names(&products, &fresh.search("!usb")));
    }

    #[test]
    fn one_shot_ranking_agrees_with_the_live_filter() {
        let products = catalog();
        let items: Vec<(&str, &str, &str)> =
            products.iter().map(|p| (p.name.as_str(), p.product_id.as_str(), p.category_or_blank())).collect();
        for query in ["usb cab", "periph", "", "zzz", "cable"] {
            let ranked = rank_once(query, items.len(), |i| items[i]);
            assert_eq!(ranked, *filter_of(&products).search(query), "{query}");
        }
    }

    #[test]
    fn best_first_is_a_stable_descending_sort() {
        let scored = [(0, 5), (1, 9), (2, 5), (3, 0), (4, 9)];
        assert_eq!(best_first(&scored).collect::<Vec<_>>(), [(1, 9), (4, 9), (0, 5), (2, 5), (3, 0)]);
        let huge = [(0, 1 << 21), (1, 3), (2, 1 << 21)];
        assert_eq!(best_first(&huge).collect::<Vec<_>>(), [(0, 1 << 21), (2, 1 << 21), (1, 3)]);
        assert_eq!(best_first(&[]).count(), 0);
    }

    #[test]
    fn large_catalogs_rank_the_same_on_two_threads() {
        let products: Vec<Product> =
            (0..30_000).map(|i| product(&format!("P{i}"), &format!("Item {} cable {i}", i % 7), "Cables")).collect();
        let mut filter = filter_of(&products);
        let hits = filter.search("cab 3");
        let items: Vec<(&str, &str, &str)> =
            products.iter().map(|p| (p.name.as_str(), p.product_id.as_str(), p.category_or_blank())).collect();
        assert_eq!(*hits, rank_once("cab 3", items.len(), |i| items[i]));
        assert!(
            hits.windows(2)
                .all(|w| w[0].score > w[1].score || (w[0].score == w[1].score && w[0].position < w[1].position))
        );
    }

    /// Sessions on one catalog text share costly answers: a second filter
    /// gets the first one's, the same as its own search would be, and
    /// still narrows from it.
    #[test]
    fn remembered_answers_are_the_answers() {
        let products: Vec<Product> =
            (0..30_000).map(|i| product(&format!("P{i}"), &format!("Item {} cable {i}", i % 7), "Cables")).collect();
        let catalog = crate::shop::Catalog::build(&products, None);
        let text = catalog.search_text();
        let items: Vec<(&str, &str, &str)> =
            products.iter().map(|p| (p.name.as_str(), p.product_id.as_str(), p.category_or_blank())).collect();
        let mut first = CatalogFilter::new(Arc::clone(text), Arc::clone(&text.every));
        let mut second = CatalogFilter::new(Arc::clone(text), Arc::clone(&text.every));
        for query in ["c", "ca", "cab 3", "c"] {
            let expected = rank_once(query, items.len(), |i| items[i]);
            assert_eq!(*first.search(query), expected, "{query}");
            assert!(text.answer(Scope::Every, query).is_some(), "{query} was costly: remembered");
            assert_eq!(*second.search(query), expected, "{query}, remembered");
        }
        assert_eq!(*second.search("cab 31"), rank_once("cab 31", items.len(), |i| items[i]));
        // Another list of positions is not the text's: nothing shared.
        let some: Arc<[u32]> = (0..20_000).collect();
        assert_eq!(CatalogFilter::new(Arc::clone(text), some).search("c").len(), 20_000);
    }

    #[test]
    fn highlights_where_each_word_was_found() {
        let products = catalog();
        assert_eq!(highlight("usb", &products[0]).name, vec![0, 1, 2]);
        assert_eq!(highlight("mouse", &products[1]).name, vec![9, 10, 11, 12, 13]);
        let by_id = highlight("p1001", &products[0]);
        assert!(by_id.name.is_empty() && by_id.category.is_empty());
        assert_eq!(by_id.id, vec![0, 1, 2, 3, 4]);
        assert_eq!(highlight("", &products[0]), Matched::default());
        // "cab" is in the name, so it is highlighted there, not in the category.
        let both = highlight("usb cab", &products[0]);
        assert_eq!(both.name, vec![0, 1, 2, 6, 7, 8], "{both:?}");
        assert!(both.category.is_empty(), "{both:?}");
        let category = highlight("periph", &products[1]);
        assert_eq!((category.name.len(), category.category.len()), (0, 6));
    }

    fn shelf() -> Vec<Product> {
        vec![
            product("P2001", "Laptop Backpack", "Bags & Cases"),
            product("P2002", "Phone Case (Clear)", "Accessories"),
            product("P2003", "USB-C Cable", "Cables"),
            product("P2004", "Cable Ties", "Desk"),
            product("P2005", "Desk Lamp", "Lighting"),
        ]
    }

    #[test]
    fn name_matches_rank_before_id_and_category_matches() {
        let products = shelf();
        let mut filter = filter_of(&products);
        assert_eq!(names(&products, &filter.search("case")), ["Phone Case (Clear)", "Laptop Backpack"]);
        // "desk" is the name of one and the category of the other.
        assert_eq!(names(&products, &filter.search("desk")), ["Desk Lamp", "Cable Ties"]);
    }

    #[test]
    fn anchors_apply_to_the_name() {
        let products = shelf();
        let mut filter = filter_of(&products);
        assert_eq!(names(&products, &filter.search("cable$")), ["USB-C Cable"]);
        assert_eq!(names(&products, &filter.search("^cable")), ["Cable Ties"]);
        // No name starts with "p2", although every id does.
        assert!(filter.search("^p2").is_empty());
        assert_eq!(names(&products, &filter.search("^desk lamp$")), ["Desk Lamp"]);
    }

    #[test]
    fn a_word_never_matches_across_two_fields() {
        // One word is looked for in one field: "tiesdesk" is not in any of them.
        let products = shelf();
        let mut filter = filter_of(&products);
        assert!(filter.search("tiesdesk").is_empty());
        assert_eq!(names(&products, &filter.search("!desk cable")), ["USB-C Cable"]);
    }
}

//! What the scripted typists type (`examples/ssh_load`, `benches/ui`): a
//! small deterministic generator and queries of one to four words taken,
//! in order, from a random product's name.

use super::big_folder;

/// A small deterministic generator (xorshift).
pub struct Rng(pub u64);

impl Rng {
    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// A query of one to four words, in order, from a random product's name.
pub fn query(rng: &mut Rng, products: usize) -> String {
    let name = big_folder::product_name(rng.below(products));
    let words: Vec<String> = name.split_whitespace().map(str::to_lowercase).collect();
    let count = 1 + rng.below(words.len().min(4));
    let start = rng.below(words.len() - count + 1);
    words[start..start + count].join(" ")
}

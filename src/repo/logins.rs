//! Failed logins as the repo keeps them: a count per key (an account or an
//! address), shared by every process using the same data, so that guesses
//! spread over several processes or machines are slowed as one.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// Records kept at most; the oldest are forgotten first.
pub const KEPT: usize = 10_000;
/// A record this much older than the newest is forgotten (the throttle
/// forgets after a quarter of an hour anyway); every backend keeping them
/// forgets by it.
pub const FORGOTTEN_AFTER_MS: i64 = 60 * 60 * 1000;

/// The failed logins counted at one key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginFailures {
    pub count: u32,
    /// When the last one was counted: milliseconds since 1970, UTC (the
    /// same instant on every machine, whatever its time zone).
    pub last_ms: i64,
    /// The address the last one came from.
    pub last_from: String,
}

/// Login failures in memory: a backend's records between reads, or all of
/// them when it cannot keep them (a read-only folder).
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LoginBook {
    records: HashMap<String, LoginFailures>,
}

impl LoginBook {
    /// Runs `update` over the records of `keys`; says whether anything changed.
    pub fn update(&mut self, keys: &[&str], update: &mut dyn FnMut(&mut [Option<LoginFailures>])) -> bool {
        let mut records: Vec<Option<LoginFailures>> = keys.iter().map(|key| self.records.get(*key).cloned()).collect();
        let before = records.clone();
        update(&mut records);
        if records == before {
            return false;
        }
        for (key, record) in keys.iter().zip(records) {
            match record {
                Some(record) => self.records.insert(key.to_string(), record),
                None => self.records.remove(*key),
            };
        }
        self.forget_old();
        true
    }

    /// Keeps the book small: records long quiet, then the oldest, go.
    fn forget_old(&mut self) {
        let Some(newest) = self.records.values().map(|r| r.last_ms).max() else { return };
        self.records.retain(|_, r| newest.saturating_sub(r.last_ms) < FORGOTTEN_AFTER_MS);
        if self.records.len() > KEPT {
            let mut by_age: Vec<(i64, String)> = self.records.iter().map(|(key, r)| (r.last_ms, key.clone())).collect();
            by_age.sort_unstable();
            for (_, key) in &by_age[..by_age.len() - KEPT] {
                self.records.remove(key);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(last_ms: i64) -> LoginFailures {
        LoginFailures { count: 1, last_ms, last_from: "10.0.0.1".into() }
    }

    #[test]
    fn records_are_changed_and_removed_by_key() {
        let mut book = LoginBook::default();
        assert!(book.update(&["a", "b"], &mut |r| r[1] = Some(failure(5))));
        assert!(!book.update(&["a", "b"], &mut |_| {}), "nothing changed");
        book.update(&["b"], &mut |r| {
            assert_eq!(r[0], Some(failure(5)));
            r[0] = None;
        });
        assert!(book.is_empty());
    }

    #[test]
    fn the_book_stays_bounded() {
        let mut book = LoginBook::default();
        for i in 0..(KEPT as i64 + 50) {
            book.update(&[&format!("from:{i}")], &mut |r| r[0] = Some(failure(i)));
        }
        assert!(book.len() <= KEPT, "{}", book.len());
        book.update(&["late"], &mut |r| r[0] = Some(failure(FORGOTTEN_AFTER_MS * 2)));
        assert_eq!(book.len(), 1, "an hour's quiet forgets the rest");
    }
}

//! Slows repeated failed logins: per account name (whether or not the
//! account exists, so the cost says nothing about it) and per source
//! address. After a few free tries, each failure makes the next attempt
//! wait longer (1 s, 2 s, 4 s … up to a minute); quiet for a quarter of an
//! hour, the count starts over.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

const FREE_TRIES: u32 = 3;
const LONGEST_WAIT: Duration = Duration::from_secs(60);
const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);
/// Names and addresses remembered at most (oldest forgotten first).
const REMEMBERED: usize = 100_000;

#[derive(Clone, Copy, Debug)]
struct Failures {
    count: u32,
    last: Instant,
}

#[derive(Debug, Default)]
pub struct Throttle {
    failures: Mutex<HashMap<String, Failures>>,
}

impl Throttle {
    /// How long an attempt for these keys must wait first.
    pub fn wait_for(&self, keys: &[&str]) -> Duration {
        let failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        keys.iter()
            .filter_map(|key| failures.get(*key))
            .filter(|f| now.duration_since(f.last) < FORGET_AFTER)
            .map(|f| delay(f.count).saturating_sub(now.duration_since(f.last)))
            .max()
            .unwrap_or(Duration::ZERO)
    }

    pub fn failed(&self, keys: &[&str]) {
        let mut failures = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        if failures.len() >= REMEMBERED {
            failures.retain(|_, f| now.duration_since(f.last) < FORGET_AFTER);
        }
        for key in keys {
            let entry = failures.entry((*key).to_string()).or_insert(Failures { count: 0, last: now });
            if now.duration_since(entry.last) >= FORGET_AFTER {
                entry.count = 0;
            }
            entry.count = entry.count.saturating_add(1);
            entry.last = now;
        }
    }

    /// A correct password clears the account's count (not the address's).
    pub fn succeeded(&self, key: &str) {
        self.failures.lock().unwrap_or_else(|p| p.into_inner()).remove(key);
    }
}

/// The wait after `count` failures in a row.
fn delay(count: u32) -> Duration {
    if count < FREE_TRIES {
        return Duration::ZERO;
    }
    let doubling = (count - FREE_TRIES).min(6);
    (Duration::from_secs(1) * 2u32.pow(doubling)).min(LONGEST_WAIT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_grow_after_the_free_tries() {
        assert_eq!([0, 1, 2, 3, 4, 5, 9, 50].map(|n| delay(n).as_secs()), [0, 0, 0, 1, 2, 4, 60, 60]);
        let throttle = Throttle::default();
        for _ in 0..3 {
            assert_eq!(throttle.wait_for(&["account:eve", "from:10.0.0.1"]), Duration::ZERO);
            throttle.failed(&["account:eve", "from:10.0.0.1"]);
        }
        // The fourth try from the same address, for any account, waits.
        assert!(throttle.wait_for(&["account:bob", "from:10.0.0.1"]) > Duration::from_millis(900));
        assert_eq!(throttle.wait_for(&["account:bob", "from:10.0.0.2"]), Duration::ZERO);
        throttle.succeeded("account:eve");
        assert!(throttle.wait_for(&["account:eve"]).is_zero());
    }
}

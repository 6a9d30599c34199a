//! Slows guessing passwords, whatever the number of sessions and addresses
//! the guesses come from, without locking the real owner out.
//!
//! - One attempt at a time per account and per source address: parallel
//!   sessions wait their turn instead of all reading "no wait" at once.
//! - An address with 3 failures in the last quarter hour then waits 2 s
//!   after each failure: at most 30 guesses a minute from it.
//! - An account with 3 failures then waits 6 s after its last failure,
//!   doubling to a minute (at most 10 a minute) — for attempts from
//!   addresses that have failed. An address with no failures (the owner at
//!   home, while someone elsewhere guesses) is not held back by the account's
//!   count: it costs the guesser a new address per guess, after which that
//!   address is held back too.
//! - Logging in with a linked SSH key is never throttled (it is not a guess).
//!
//! Quiet for a quarter of an hour, a count starts over.

use std::collections::{HashMap, HashSet};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

const FREE_TRIES: u32 = 3;
/// After the free tries: at most 30 guesses a minute from one address.
const ADDRESS_SPACING: Duration = Duration::from_secs(2);
/// After the free tries: at most 10 guesses a minute at one account, the
/// wait doubling up to a minute.
const ACCOUNT_SPACING: Duration = Duration::from_secs(6);
const LONGEST_WAIT: Duration = Duration::from_secs(60);
const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);
/// Names and addresses remembered at most (stale ones forgotten first).
const REMEMBERED: usize = 100_000;

#[derive(Clone, Copy, Debug)]
struct Failures {
    count: u32,
    last: Instant,
    /// For an account: a hash of the address its last failure came from.
    last_from: u64,
}

fn hash_of(text: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault};
    BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default().hash_one(text)
}

#[derive(Debug, Default)]
struct State {
    /// Accounts and addresses with an attempt being checked now.
    busy: HashSet<String>,
    failures: HashMap<String, Failures>,
}

impl State {
    fn recent(&self, key: &str, now: Instant) -> Option<Failures> {
        self.failures.get(key).copied().filter(|f| now.duration_since(f.last) < FORGET_AFTER)
    }

    /// How long an attempt for `account` from `address` must still wait.
    fn wait(&self, account: &str, address: &str, now: Instant) -> Duration {
        let Some(from) = self.recent(address, now) else {
            // An address without failures: only the address rule applies (none).
            return Duration::ZERO;
        };
        let left = |delay: Duration, f: Failures| delay.saturating_sub(now.duration_since(f.last));
        let by_address = left(address_delay(from.count), from);
        let by_account = self.recent(account, now).map_or(Duration::ZERO, |f| left(account_delay(f.count), f));
        by_address.max(by_account)
    }

    fn failed(&mut self, keys: [&str; 2], now: Instant) {
        if self.failures.len() >= REMEMBERED {
            self.failures.retain(|_, f| now.duration_since(f.last) < FORGET_AFTER);
        }
        let from = hash_of(keys[1]);
        for key in keys {
            let entry =
                self.failures.entry(key.to_string()).or_insert(Failures { count: 0, last: now, last_from: from });
            if now.duration_since(entry.last) >= FORGET_AFTER {
                entry.count = 0;
            }
            entry.count = entry.count.saturating_add(1);
            entry.last = now;
            entry.last_from = from;
        }
    }
}

fn address_delay(count: u32) -> Duration {
    if count < FREE_TRIES { Duration::ZERO } else { ADDRESS_SPACING }
}

fn account_delay(count: u32) -> Duration {
    if count < FREE_TRIES {
        return Duration::ZERO;
    }
    (ACCOUNT_SPACING * 2u32.pow((count - FREE_TRIES).min(4))).min(LONGEST_WAIT)
}

#[derive(Debug, Default)]
pub struct Throttle {
    state: Mutex<State>,
    freed: Condvar,
}

impl Throttle {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits until an attempt at `username` from `origin` (an address, or
    /// "local") may be checked, and holds its turn until the attempt is
    /// told how it went (or dropped).
    pub fn begin(&self, username: &str, origin: &str) -> Attempt<'_> {
        let account = format!("account:{}", username.trim().to_lowercase());
        let address = format!("from:{origin}");
        let mut state = self.state();
        loop {
            let wait = state.wait(&account, &address, Instant::now());
            let free = !state.busy.contains(&account) && !state.busy.contains(&address);
            if wait.is_zero() && free {
                state.busy.insert(account.clone());
                state.busy.insert(address.clone());
                return Attempt { throttle: self, account, address, done: false };
            }
            // Woken when an attempt ends; a wait ends by itself.
            let nap = if wait.is_zero() { Duration::from_secs(1) } else { wait };
            state = self.freed.wait_timeout(state, nap).unwrap_or_else(|p| p.into_inner()).0;
        }
    }

    /// How long an attempt would wait now (not counting attempts under way).
    pub fn wait_for(&self, username: &str, origin: &str) -> Duration {
        let account = format!("account:{}", username.trim().to_lowercase());
        self.state().wait(&account, &format!("from:{origin}"), Instant::now())
    }
}

/// One login attempt's turn.
#[must_use = "say how the attempt went"]
pub struct Attempt<'a> {
    throttle: &'a Throttle,
    account: String,
    address: String,
    done: bool,
}

impl Attempt<'_> {
    pub fn failed(mut self) {
        let mut state = self.throttle.state();
        state.failed([&self.account, &self.address], Instant::now());
        self.end(state);
    }

    /// A right password: the account's count starts over if its last
    /// failure came from this same address (the owner's typos); the owner
    /// logging in elsewhere does not give a guesser fresh free tries.
    pub fn succeeded(mut self) {
        let mut state = self.throttle.state();
        let from = hash_of(&self.address);
        if state.failures.get(&self.account).is_some_and(|f| f.last_from == from) {
            state.failures.remove(&self.account);
        }
        self.end(state);
    }

    fn end(&mut self, mut state: MutexGuard<'_, State>) {
        state.busy.remove(&self.account);
        state.busy.remove(&self.address);
        self.done = true;
        drop(state);
        self.throttle.freed.notify_all();
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        if !self.done {
            let state = self.throttle.state();
            self.end(state);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_after_the_free_tries() {
        assert_eq!([0, 2, 3, 9].map(|n| address_delay(n).as_secs()), [0, 0, 2, 2]);
        assert_eq!([0, 2, 3, 4, 5, 6, 7, 50].map(|n| account_delay(n).as_secs()), [0, 0, 6, 12, 24, 48, 60, 60]);
    }

    #[test]
    fn a_guessing_address_is_held_back_and_a_clean_one_is_not() {
        let mut state = State::default();
        let start = Instant::now();
        for i in 0..5 {
            state.failed(["account:eve", "from:10.0.0.1"], start + Duration::from_millis(i));
        }
        let now = start + Duration::from_millis(10);
        let waited = state.wait("account:eve", "from:10.0.0.1", now);
        assert!(waited > Duration::from_secs(20), "the account's doubling wait: {waited:?}");
        // The same address, another account: the address's 2 s.
        let other = state.wait("account:bob", "from:10.0.0.1", now);
        assert!(other > Duration::from_millis(1900) && other <= ADDRESS_SPACING, "{other:?}");
        // The owner from an address without failures: no wait.
        assert_eq!(state.wait("account:eve", "from:10.0.0.2", now), Duration::ZERO);
        // A quarter of an hour later everything is forgotten.
        assert_eq!(state.wait("account:eve", "from:10.0.0.1", now + FORGET_AFTER), Duration::ZERO);
    }

    /// Many threads guessing at once get one turn at a time, each after
    /// the wait the failures before it earned.
    #[test]
    fn parallel_attempts_take_turns() {
        let throttle = Throttle::default();
        let checked = std::sync::atomic::AtomicU32::new(0);
        let started = Instant::now();
        std::thread::scope(|scope| {
            for _ in 0..16 {
                scope.spawn(|| {
                    while started.elapsed() < Duration::from_millis(2500) {
                        let attempt = throttle.begin("eve", "10.0.0.1");
                        if started.elapsed() >= Duration::from_millis(2500) {
                            return;
                        }
                        checked.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        attempt.failed();
                    }
                });
            }
        });
        // 3 free, then one after 2 s (the address) — at most one more for timing slack.
        let checked = checked.into_inner();
        assert!((3..=5).contains(&checked), "{checked} guesses in 2.5 s");
    }
}

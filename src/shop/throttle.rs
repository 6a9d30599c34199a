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
//!
//! The counts live in the repo (`Repo::login_failures`), so every process
//! and machine sharing the data slows the same guesser. An attempt is
//! counted as a failure when it begins, in the same step that checks its
//! wait (so parallel attempts on several machines cannot all pass a wait
//! at once) and taken back when the password turns out right.

use std::collections::HashSet;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

use crate::repo::{LoginFailures, Repo, RepoError};

const FREE_TRIES: u32 = 3;
/// After the free tries: at most 30 guesses a minute from one address.
const ADDRESS_SPACING: Duration = Duration::from_secs(2);
/// After the free tries: at most 10 guesses a minute at one account, the
/// wait doubling up to a minute.
const ACCOUNT_SPACING: Duration = Duration::from_secs(6);
const LONGEST_WAIT: Duration = Duration::from_secs(60);
const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);

/// Milliseconds since 1970 (UTC): the throttle's clock.
pub type Millis = i64;

fn since(now: Millis, then: Millis) -> Duration {
    Duration::from_millis(u64::try_from(now.saturating_sub(then)).unwrap_or(0))
}

/// `record` if it is recent enough to count.
fn recent(record: &Option<LoginFailures>, now: Millis) -> Option<&LoginFailures> {
    record.as_ref().filter(|r| since(now, r.last_ms) < FORGET_AFTER)
}

/// How long an attempt must still wait, given the records of its account
/// and its address.
fn wait(account: &Option<LoginFailures>, address: &Option<LoginFailures>, now: Millis) -> Duration {
    let Some(from) = recent(address, now) else {
        // An address without failures: only the address rule applies (none).
        return Duration::ZERO;
    };
    let left = |delay: Duration, r: &LoginFailures| delay.saturating_sub(since(now, r.last_ms));
    let by_address = left(address_delay(from.count), from);
    let by_account = recent(account, now).map_or(Duration::ZERO, |r| left(account_delay(r.count), r));
    by_address.max(by_account)
}

/// Counts one more failure at `record`, from `origin`, at `now`.
fn count_one(record: &mut Option<LoginFailures>, origin: &str, now: Millis) {
    let stale = recent(record, now).is_none();
    let record = record.get_or_insert_with(|| LoginFailures { count: 0, last_ms: now, last_from: String::new() });
    if stale {
        record.count = 0;
    }
    record.count = record.count.saturating_add(1);
    record.last_ms = now;
    record.last_from = origin.to_string();
}

/// Takes back the failure counted at `record` at `counted_at`: the record
/// as it was `before`, if nothing was counted there since; else one less.
fn take_back(record: &mut Option<LoginFailures>, before: &Option<LoginFailures>, counted_at: Millis) {
    let Some(r) = record else { return };
    if r.last_ms == counted_at && r.count == before.as_ref().map_or(0, |b| b.count) + 1 {
        *record = before.clone();
        return;
    }
    r.count = r.count.saturating_sub(1);
    if r.count == 0 {
        *record = None;
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

/// Takes turns within this process: one attempt at a time per account and
/// per address (the repo's counts make the waits between processes).
#[derive(Debug, Default)]
pub struct Throttle {
    busy: Mutex<HashSet<String>>,
    freed: Condvar,
}

impl Throttle {
    fn busy(&self) -> MutexGuard<'_, HashSet<String>> {
        self.busy.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn release(&self, keys: &[String; 2]) {
        let mut busy = self.busy();
        for key in keys {
            busy.remove(key);
        }
        drop(busy);
        self.freed.notify_all();
    }

    /// Waits until an attempt at `username` from `origin` (an address, or
    /// "local") may be checked, counts it, and holds its turn until it is
    /// told how it went (or dropped).
    pub fn begin<'a>(
        &'a self,
        repo: &'a dyn Repo,
        clock: fn() -> Millis,
        username: &str,
        origin: &str,
    ) -> Result<Attempt<'a>, RepoError> {
        let keys = keys_of(username, origin);
        loop {
            let mut busy = self.busy();
            while keys.iter().any(|key| busy.contains(key)) {
                // Woken when an attempt ends.
                busy = self.freed.wait_timeout(busy, Duration::from_secs(1)).unwrap_or_else(|p| p.into_inner()).0;
            }
            keys.iter().for_each(|key| {
                busy.insert(key.clone());
            });
            drop(busy);
            let now = clock();
            let (mut left, mut before) = (Duration::ZERO, [None, None]);
            let counted = repo.login_failures(&[&keys[0], &keys[1]], &mut |records| {
                left = wait(&records[0], &records[1], now);
                before = [records[0].clone(), records[1].clone()];
                if left.is_zero() {
                    count_one(&mut records[0], origin, now);
                    count_one(&mut records[1], origin, now);
                }
            });
            if let Err(e) = counted {
                self.release(&keys);
                return Err(e);
            }
            if left.is_zero() {
                let before = before.map(|r| r.filter(|r| since(now, r.last_ms) < FORGET_AFTER));
                return Ok(Attempt {
                    throttle: self,
                    repo,
                    keys,
                    origin: origin.to_string(),
                    before,
                    counted_at: now,
                    done: false,
                });
            }
            self.release(&keys);
            std::thread::sleep(left);
        }
    }

    /// How long an attempt would wait now (not counting attempts under way).
    pub fn wait_for(
        &self,
        repo: &dyn Repo,
        clock: fn() -> Millis,
        username: &str,
        origin: &str,
    ) -> Result<Duration, RepoError> {
        let keys = keys_of(username, origin);
        let mut left = Duration::ZERO;
        let now = clock();
        repo.login_failures(&[&keys[0], &keys[1]], &mut |records| left = wait(&records[0], &records[1], now))?;
        Ok(left)
    }
}

fn keys_of(username: &str, origin: &str) -> [String; 2] {
    [format!("account:{}", username.trim().to_lowercase()), format!("from:{origin}")]
}

/// One login attempt's turn, counted as a failure until it succeeds.
#[must_use = "say how the attempt went"]
pub struct Attempt<'a> {
    throttle: &'a Throttle,
    repo: &'a dyn Repo,
    /// The account's key, then the address's.
    keys: [String; 2],
    origin: String,
    /// The account's and the address's recent failures before this attempt.
    before: [Option<LoginFailures>; 2],
    /// When this attempt was counted.
    counted_at: Millis,
    done: bool,
}

impl Attempt<'_> {
    /// A wrong password: it stays counted.
    pub fn failed(mut self) {
        self.end();
    }

    /// A right password: the address's count is taken back, and the
    /// account's count starts over if its failures came from this same
    /// address (the owner's typos); the owner logging in elsewhere does not
    /// give a guesser fresh free tries.
    pub fn succeeded(mut self) {
        let forgive = self.before[0].as_ref().is_none_or(|r| r.last_from == self.origin);
        let (before, at) = (self.before.clone(), self.counted_at);
        self.change(&mut |records| {
            if forgive {
                records[0] = None;
            } else {
                take_back(&mut records[0], &before[0], at);
            }
            take_back(&mut records[1], &before[1], at);
        });
        self.end();
    }

    fn change(&self, update: &mut dyn FnMut(&mut [Option<LoginFailures>])) {
        // Only a count: a repo that cannot take it back now leaves the
        // attempt counted, which errs on the side of the account.
        let _ = self.repo.login_failures(&[&self.keys[0], &self.keys[1]], update);
    }

    fn end(&mut self) {
        self.done = true;
        self.throttle.release(&self.keys);
    }
}

impl Drop for Attempt<'_> {
    /// An attempt that never learned the answer (the data could not be
    /// read) is not a guess: taken back.
    fn drop(&mut self) {
        if !self.done {
            let (before, at) = (self.before.clone(), self.counted_at);
            self.change(&mut |records| {
                take_back(&mut records[0], &before[0], at);
                take_back(&mut records[1], &before[1], at);
            });
            self.end();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use crate::store::repo::FolderRepo;

    fn failures(count: u32, last_ms: Millis, from: &str) -> Option<LoginFailures> {
        Some(LoginFailures { count, last_ms, last_from: from.into() })
    }

    fn folder_repo(dir: &std::path::Path) -> FolderRepo {
        FolderRepo::new(Store::open(dir).unwrap())
    }

    fn real_clock() -> Millis {
        crate::clock::unix_millis()
    }

    #[test]
    fn waits_after_the_free_tries() {
        assert_eq!([0, 2, 3, 9].map(|n| address_delay(n).as_secs()), [0, 0, 2, 2]);
        assert_eq!([0, 2, 3, 4, 5, 6, 7, 50].map(|n| account_delay(n).as_secs()), [0, 0, 6, 12, 24, 48, 60, 60]);
    }

    #[test]
    fn a_guessing_address_is_held_back_and_a_clean_one_is_not() {
        let start = 1_000_000;
        let (eve, from) = (failures(5, start, "10.0.0.1"), failures(5, start, "10.0.0.1"));
        let now = start + 10;
        let waited = wait(&eve, &from, now);
        assert!(waited > Duration::from_secs(20), "the account's doubling wait: {waited:?}");
        // The same address, another account: the address's 2 s.
        let other = wait(&None, &from, now);
        assert!(other > Duration::from_millis(1900) && other <= ADDRESS_SPACING, "{other:?}");
        // The owner from an address without failures: no wait.
        assert_eq!(wait(&eve, &None, now), Duration::ZERO);
        // A quarter of an hour later everything is forgotten.
        assert_eq!(wait(&eve, &from, now + FORGET_AFTER.as_millis() as i64), Duration::ZERO);
    }

    /// Many threads guessing at once get one turn at a time, each after
    /// the wait the failures before it earned.
    #[test]
    fn parallel_attempts_take_turns() {
        let dir = tempfile::tempdir().unwrap();
        let repo = folder_repo(dir.path());
        let throttle = Throttle::default();
        let checked = std::sync::atomic::AtomicU32::new(0);
        let started = std::time::Instant::now();
        std::thread::scope(|scope| {
            for _ in 0..16 {
                scope.spawn(|| {
                    while started.elapsed() < Duration::from_millis(2500) {
                        let attempt = throttle.begin(&repo, real_clock, "eve", "10.0.0.1").unwrap();
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

    /// Two processes sharing the folder (two repos here, each with its own
    /// throttle) slow one guesser as one: the second sees the first's count.
    #[test]
    fn guesses_spread_over_two_processes_are_counted_together() {
        let dir = tempfile::tempdir().unwrap();
        let (one, two) = (folder_repo(dir.path()), folder_repo(dir.path()));
        let (here, there) = (Throttle::default(), Throttle::default());
        for _ in 0..2 {
            here.begin(&one, real_clock, "eve", "10.0.0.1").unwrap().failed();
            there.begin(&two, real_clock, "eve", "10.0.0.1").unwrap().failed();
        }
        let left = here.wait_for(&one, real_clock, "eve", "10.0.0.1").unwrap();
        assert!(left > Duration::from_secs(5), "4 failures over two processes earn the account's wait: {left:?}");
    }

    #[test]
    fn the_owner_logging_in_takes_back_the_count_of_their_own_typos_only() {
        let dir = tempfile::tempdir().unwrap();
        let repo = folder_repo(dir.path());
        let throttle = Throttle::default();
        let account = |repo: &FolderRepo| {
            let mut seen = None;
            repo.login_failures(&["account:eve"], &mut |r| seen = r[0].clone()).unwrap();
            seen
        };
        throttle.begin(&repo, real_clock, "eve", "home").unwrap().failed();
        throttle.begin(&repo, real_clock, "eve", "home").unwrap().succeeded();
        assert_eq!(account(&repo), None, "the owner's typo is forgiven");
        for _ in 0..2 {
            throttle.begin(&repo, real_clock, "eve", "10.6.6.6").unwrap().failed();
        }
        throttle.begin(&repo, real_clock, "eve", "home").unwrap().succeeded();
        let kept = account(&repo).expect("a guesser's failures stay counted");
        assert_eq!((kept.count, kept.last_from.as_str()), (2, "10.6.6.6"));
        drop(throttle.begin(&repo, real_clock, "eve", "10.6.6.6").unwrap());
        assert_eq!(account(&repo).map(|r| r.count), Some(2), "an attempt never checked is not counted");
    }
}

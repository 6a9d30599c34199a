//! Who may come in: caps on connections that have not opened the shop yet,
//! on sessions (in all, per address, and those whose shopper has not logged
//! in), and on how fast one address may connect. Counted per address, IPv6
//! addresses by their /64 (one machine usually holds a whole /64).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The limits, from `serve`'s flags.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_sessions: usize,
    pub max_sessions_per_address: usize,
    pub max_guest_sessions: usize,
    pub max_connecting: usize,
    pub max_connecting_per_address: usize,
    pub connections_per_minute: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_sessions: 256,
            max_sessions_per_address: 16,
            max_guest_sessions: 64,
            max_connecting: 64,
            max_connecting_per_address: 8,
            connections_per_minute: 30,
        }
    }
}

/// Where a connection comes from, as the limits count it: an IPv4 address,
/// or the /64 of an IPv6 address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Origin(IpAddr);

impl Origin {
    pub fn of(ip: IpAddr) -> Origin {
        match ip {
            IpAddr::V4(v4) => Origin(IpAddr::V4(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Origin(IpAddr::V4(v4)),
                None => {
                    let bits = u128::from(v6) & !((1u128 << 64) - 1);
                    Origin(IpAddr::V6(Ipv6Addr::from(bits)))
                }
            },
        }
    }
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            IpAddr::V4(v4) => write!(f, "{v4}"),
            IpAddr::V6(v6) => write!(f, "{v6}/64"),
        }
    }
}

/// Why a connection or a session was not let in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// This address connects too often.
    TooFast,
    /// Too many connections still logging in to SSH (in all or from here).
    TooManyConnecting,
    /// Every session place is taken.
    Full,
    /// This address holds its share of sessions.
    AddressFull,
    /// Every place for shoppers not yet logged in is taken.
    GuestsFull,
}

impl Refusal {
    /// For the log.
    pub fn reason(self) -> &'static str {
        match self {
            Refusal::TooFast => "connecting too often",
            Refusal::TooManyConnecting => "too many connections logging in",
            Refusal::Full => "the shop is full",
            Refusal::AddressFull => "too many sessions from this address",
            Refusal::GuestsFull => "too many sessions not logged in",
        }
    }
}

#[derive(Debug, Default)]
struct PerOrigin {
    connecting: usize,
    sessions: usize,
    /// Connections allowed now (a bucket refilled at the per-minute rate).
    tokens: f64,
    refilled: Option<Instant>,
}

#[derive(Debug, Default)]
struct Counts {
    connecting: usize,
    sessions: usize,
    guests: usize,
    origins: HashMap<Origin, PerOrigin>,
}

impl Counts {
    /// Drops an origin's entry once nothing of it is counted and its bucket is full again.
    fn tidy(&mut self, origin: Origin, limits: &Limits, now: Instant) {
        if let Some(entry) = self.origins.get(&origin) {
            let refilled = entry.refilled.is_none_or(|at| {
                let rate = limits.connections_per_minute as f64 / 60.0;
                entry.tokens + now.duration_since(at).as_secs_f64() * rate >= limits.connections_per_minute as f64
            });
            if entry.connecting == 0 && entry.sessions == 0 && refilled {
                self.origins.remove(&origin);
            }
        }
    }
}

/// The server's counts; cheap to clone (shared).
#[derive(Clone, Debug)]
pub struct Admission {
    limits: Limits,
    counts: Arc<Mutex<Counts>>,
}

impl Admission {
    pub fn new(limits: Limits) -> Admission {
        Admission { limits, counts: Arc::default() }
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    fn counts(&self) -> MutexGuard<'_, Counts> {
        self.counts.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A new TCP connection from `origin` at `now`: let in (counted until
    /// the slot is dropped or becomes a session) or refused.
    pub fn connect(&self, origin: Origin, now: Instant) -> Result<Connecting, Refusal> {
        let limits = self.limits;
        let mut counts = self.counts();
        if counts.connecting >= limits.max_connecting {
            return Err(Refusal::TooManyConnecting);
        }
        let entry = counts.origins.entry(origin).or_default();
        let capacity = limits.connections_per_minute as f64;
        let refilled =
            entry.refilled.map_or(capacity, |at| entry.tokens + now.duration_since(at).as_secs_f64() * capacity / 60.0);
        entry.tokens = refilled.min(capacity);
        entry.refilled = Some(now);
        if entry.tokens < 1.0 {
            return Err(Refusal::TooFast);
        }
        if entry.connecting >= limits.max_connecting_per_address {
            return Err(Refusal::TooManyConnecting);
        }
        entry.tokens -= 1.0;
        entry.connecting += 1;
        counts.connecting += 1;
        Ok(Connecting { admission: self.clone(), origin, done: false })
    }

    /// Sessions, guests and connections counted now (for logs and tests).
    pub fn counts_now(&self) -> (usize, usize, usize) {
        let counts = self.counts();
        (counts.sessions, counts.guests, counts.connecting)
    }
}

/// A connection that has not opened the shop yet; uncounted when dropped.
#[derive(Debug)]
pub struct Connecting {
    admission: Admission,
    origin: Origin,
    done: bool,
}

impl Connecting {
    pub fn origin(&self) -> Origin {
        self.origin
    }

    /// The connection opens the shop: a session slot (starting as a guest
    /// unless `logged_in`), or a refusal. Either way it no longer counts as
    /// connecting.
    pub fn open_session(mut self, logged_in: bool) -> Result<SessionSlot, Refusal> {
        let admission = self.admission.clone();
        let limits = admission.limits;
        let mut counts = admission.counts();
        self.release(&mut counts);
        if counts.sessions >= limits.max_sessions {
            return Err(Refusal::Full);
        }
        if !logged_in && counts.guests >= limits.max_guest_sessions {
            return Err(Refusal::GuestsFull);
        }
        let entry = counts.origins.entry(self.origin).or_default();
        if entry.sessions >= limits.max_sessions_per_address {
            return Err(Refusal::AddressFull);
        }
        entry.sessions += 1;
        counts.sessions += 1;
        if !logged_in {
            counts.guests += 1;
        }
        drop(counts);
        Ok(SessionSlot { admission, origin: self.origin, guest: !logged_in })
    }

    fn release(&mut self, counts: &mut Counts) {
        if self.done {
            return;
        }
        self.done = true;
        counts.connecting -= 1;
        if let Some(entry) = counts.origins.get_mut(&self.origin) {
            entry.connecting -= 1;
        }
        counts.tidy(self.origin, &self.admission.limits, Instant::now());
    }
}

impl Drop for Connecting {
    fn drop(&mut self) {
        if !self.done {
            let admission = self.admission.clone();
            let mut counts = admission.counts();
            self.release(&mut counts);
        }
    }
}

/// A running session's place; given back when dropped.
#[derive(Debug)]
pub struct SessionSlot {
    admission: Admission,
    origin: Origin,
    guest: bool,
}

impl SessionSlot {
    /// The shopper logged in (`false`: logged out again).
    pub fn set_logged_in(&mut self, logged_in: bool) {
        if self.guest != logged_in {
            return;
        }
        let mut counts = self.admission.counts();
        if logged_in {
            counts.guests -= 1;
        } else {
            counts.guests += 1;
        }
        self.guest = !logged_in;
    }
}

impl Drop for SessionSlot {
    fn drop(&mut self) {
        let mut counts = self.admission.counts();
        counts.sessions -= 1;
        if self.guest {
            counts.guests -= 1;
        }
        if let Some(entry) = counts.origins.get_mut(&self.origin) {
            entry.sessions -= 1;
        }
        counts.tidy(self.origin, &self.admission.limits, Instant::now());
    }
}

/// How long to wait before accepting again after `failures` accept errors in a row.
pub fn accept_backoff(failures: u32) -> Duration {
    Duration::from_millis(10u64.saturating_mul(1 << failures.min(7))).min(Duration::from_secs(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> Origin {
        Origin::of(text.parse().unwrap())
    }

    fn limits() -> Limits {
        Limits {
            max_sessions: 5,
            max_sessions_per_address: 2,
            max_guest_sessions: 3,
            max_connecting: 4,
            max_connecting_per_address: 2,
            connections_per_minute: 6,
        }
    }

    #[test]
    fn ipv6_addresses_count_by_their_64_and_mapped_ipv4_as_ipv4() {
        assert_eq!(ip("2001:db8:1:2:aaaa::1"), ip("2001:db8:1:2:ffff::9"));
        assert_ne!(ip("2001:db8:1:2::1"), ip("2001:db8:1:3::1"));
        assert_eq!(ip("::ffff:10.0.0.1"), ip("10.0.0.1"));
        assert_eq!(ip("2001:db8:1:2:aaaa::1").to_string(), "2001:db8:1:2::/64");
    }

    #[test]
    fn connecting_is_capped_in_all_and_per_address() {
        let admission = Admission::new(limits());
        let now = Instant::now();
        let a1 = admission.connect(ip("10.0.0.1"), now).unwrap();
        let _a2 = admission.connect(ip("10.0.0.1"), now).unwrap();
        assert_eq!(admission.connect(ip("10.0.0.1"), now).unwrap_err(), Refusal::TooManyConnecting);
        let _b1 = admission.connect(ip("10.0.0.2"), now).unwrap();
        let _c1 = admission.connect(ip("10.0.0.3"), now).unwrap();
        assert_eq!(admission.connect(ip("10.0.0.4"), now).unwrap_err(), Refusal::TooManyConnecting);
        drop(a1);
        assert!(admission.connect(ip("10.0.0.4"), now).is_ok(), "a place came free");
    }

    #[test]
    fn one_address_connects_at_most_the_rate() {
        let admission = Admission::new(limits());
        let start = Instant::now();
        for _ in 0..6 {
            drop(admission.connect(ip("10.0.0.1"), start).unwrap());
        }
        assert_eq!(admission.connect(ip("10.0.0.1"), start).unwrap_err(), Refusal::TooFast);
        assert!(admission.connect(ip("10.0.0.2"), start).is_ok(), "other addresses are not slowed");
        // Six a minute: one more after ten seconds.
        let later = start + Duration::from_secs(10);
        drop(admission.connect(ip("10.0.0.1"), later).unwrap());
        assert_eq!(admission.connect(ip("10.0.0.1"), later).unwrap_err(), Refusal::TooFast);
    }

    #[test]
    fn sessions_are_capped_per_address_and_guests_apart_from_shoppers() {
        let mut limits = limits();
        limits.max_connecting_per_address = 10;
        limits.max_connecting = 10;
        limits.connections_per_minute = 100;
        let admission = Admission::new(limits);
        let now = Instant::now();
        let open = |addr: &str, logged_in: bool| admission.connect(ip(addr), now).unwrap().open_session(logged_in);
        let _s1 = open("10.0.0.1", false).unwrap();
        let mut s2 = open("10.0.0.1", false).unwrap();
        assert_eq!(open("10.0.0.1", true).unwrap_err(), Refusal::AddressFull);
        let _s3 = open("10.0.0.2", false).unwrap();
        assert_eq!(open("10.0.0.3", false).unwrap_err(), Refusal::GuestsFull);
        // A shopper who logs in frees a guest place.
        s2.set_logged_in(true);
        let _s4 = open("10.0.0.3", false).unwrap();
        assert_eq!(admission.counts_now(), (4, 3, 0));
        // Places kept for shoppers: one with a key comes in.
        let _s5 = open("10.0.0.4", true).unwrap();
        assert_eq!(open("10.0.0.5", true).unwrap_err(), Refusal::Full);
        drop(s2);
        assert_eq!(admission.counts_now(), (4, 3, 0));
        assert!(open("10.0.0.5", true).is_ok());
    }

    #[test]
    fn backoff_grows_to_a_second() {
        assert_eq!(accept_backoff(0), Duration::from_millis(10));
        assert_eq!(accept_backoff(3), Duration::from_millis(80));
        assert_eq!(accept_backoff(40), Duration::from_secs(1));
    }
}

//! The app's storage worker: one thread per session that performs the
//! session's requests in the order asked, waits (without the UI) while
//! another copy of Shopfront holds the data folder, and sends each outcome
//! back with a fresh view of what the session shows (its cart and orders).
//! The UI thread never calls the shop except for the catalog snapshot.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::Duration;

use super::requests::{Outcome, Request, perform};
use crate::domain::{Cart, Order};
use crate::shop::{Account, OrderBook, Shop, ShopError, Waiting, retry_while_busy};

/// What the session shows of the shop besides the catalog, read right after
/// a request (or a change notice) on the worker.
#[derive(Debug, Default)]
pub struct SessionView {
    pub cart: Cart,
    /// The account's orders, newest first.
    pub orders: Vec<Order>,
    /// Every order, for an admin.
    pub all_orders: Option<Arc<OrderBook>>,
}

/// One performed request.
pub struct Done {
    pub request: Request,
    pub outcome: Result<Outcome, ShopError>,
    /// `None` if no one is logged in (or the view could not be read).
    pub view: Option<SessionView>,
    /// Dropped by Esc before or while it waited: nothing was changed.
    pub cancelled: bool,
}

struct Job {
    seq: u64,
    actor: Option<Account>,
    request: Request,
}

/// Shared between the app and its worker thread.
#[derive(Default)]
struct Signals {
    /// What the worker is waiting for (`shop::Waiting` as a number).
    waiting: AtomicU8,
    /// Requests numbered below this are dropped (Esc).
    cancel_below: AtomicU64,
}

pub struct Worker {
    jobs: Sender<Job>,
    done: Receiver<Done>,
    signals: Arc<Signals>,
    next_seq: u64,
    in_flight: usize,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker").field("in_flight", &self.in_flight).finish_non_exhaustive()
    }
}

impl Worker {
    /// Starts the thread; it ends when the worker is dropped.
    pub fn spawn(shop: Arc<dyn Shop>) -> Worker {
        let (jobs, inbox) = channel::<Job>();
        let (outbox, done) = channel();
        let signals = Arc::new(Signals::default());
        let shared = Arc::clone(&signals);
        let spawned = std::thread::Builder::new().name("session-worker".into()).spawn(move || {
            while let Ok(job) = inbox.recv() {
                let cancelled = || job.seq < shared.cancel_below.load(Ordering::SeqCst);
                let outcome = if cancelled() {
                    Err(ShopError::Busy)
                } else {
                    retry_while_busy(&shared.waiting, cancelled, || perform(&*shop, job.actor.as_ref(), &job.request))
                };
                let was_cancelled = cancelled() && matches!(outcome, Err(ShopError::Busy));
                let account = match &outcome {
                    Ok(Outcome::Account(account)) => Some(account.clone()),
                    _ => job.actor.clone(),
                };
                let view = account.filter(|_| !was_cancelled).and_then(|a| read_view(&*shop, &a).ok());
                let done = Done { request: job.request, outcome, view, cancelled: was_cancelled };
                if outbox.send(done).is_err() {
                    return;
                }
            }
        });
        if let Err(e) = spawned {
            // Without a worker every request answers with this error.
            eprintln!("shopfront: cannot start a worker thread: {e}");
        }
        Worker { jobs, done, signals, next_seq: 0, in_flight: 0 }
    }

    /// Sends a request to be performed for `actor`.
    pub fn send(&mut self, actor: Option<Account>, request: Request) {
        let job = Job { seq: self.next_seq, actor, request };
        self.next_seq += 1;
        if self.jobs.send(job).is_ok() {
            self.in_flight += 1;
        }
    }

    /// A finished request, if one is ready.
    pub fn try_done(&mut self) -> Option<Done> {
        let done = self.done.try_recv().ok()?;
        self.in_flight -= 1;
        Some(done)
    }

    /// Waits up to `timeout` for a finished request.
    pub fn wait_done(&mut self, timeout: Duration) -> Option<Done> {
        match self.done.recv_timeout(timeout) {
            Ok(done) => {
                self.in_flight -= 1;
                Some(done)
            }
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => None,
        }
    }

    /// Drops every request sent so far that has not finished; returns how many.
    pub fn cancel_all(&mut self) -> usize {
        self.signals.cancel_below.store(self.next_seq, Ordering::SeqCst);
        self.in_flight
    }

    /// What the worker waits for: another copy holding the data, or the
    /// shop's database to come back.
    pub fn waiting(&self) -> Waiting {
        Waiting::load(&self.signals.waiting)
    }

    /// Requests sent and not finished yet.
    pub fn in_flight(&self) -> usize {
        self.in_flight
    }
}

fn read_view(shop: &dyn Shop, account: &Account) -> Result<SessionView, ShopError> {
    let all_orders = match account.role() {
        crate::domain::Role::Admin => Some(shop.all_orders(account)?),
        crate::domain::Role::Customer => None,
    };
    Ok(SessionView { cart: shop.cart(account)?, orders: shop.orders_of(account)?, all_orders })
}

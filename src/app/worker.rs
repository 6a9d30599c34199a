//! The app's storage worker: performs a session's requests in the order
//! asked, on a thread (never the UI's), waits there while another copy of
//! Shopfront holds the data folder, and sends each outcome back with a
//! fresh view of what the session shows (its cart and orders). The UI
//! thread never calls the shop except for the catalog snapshot.
//!
//! The threads are shared by every session of the process: a session with
//! requests waiting gets an idle thread, or a new one if none is idle (so
//! one session waiting for the data folder never holds up another), which
//! performs them all, in order, and then waits for the next session that
//! needs one. A thread idle for `IDLE` ends, while more than `KEPT_IDLE`
//! are idle. A server's hundreds of idle sessions hold no thread each, nor
//! the memory a thread keeps (its stack, and its allocator's pages that
//! what it made for its sessions, still in use, pins).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use super::requests::{Answer, Attempts, Request};
use crate::domain::{Cart, Order};
use crate::shop::{Account, OrderBook, ShopError, ShopService, Waiting};

/// How long an idle thread waits for a session before it ends.
const IDLE: Duration = Duration::from_secs(5);
/// Idle threads kept however long they wait.
const KEPT_IDLE: usize = 2;

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
    /// The request's own fields, and what the shop answered.
    pub answer: Answer,
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
    /// Until when the login being performed waits its turn (failed logins
    /// hold it back), for the screen to count down; taken by the app.
    login_wait: Mutex<Option<std::time::Instant>>,
}

/// A session's requests not yet taken, and whether a thread performs them.
#[derive(Default)]
struct Queue {
    jobs: VecDeque<Job>,
    /// A thread has this session: it takes the jobs queued, in order.
    running: bool,
    /// The app is gone.
    closed: bool,
}

/// One session's side of the workers: what the app and the thread that
/// has the session share.
struct Session {
    shop: Arc<ShopService>,
    signals: Signals,
    queue: Mutex<Queue>,
    outbox: Sender<Done>,
}

impl Session {
    fn queue(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Performs the session's jobs until none is left (then the session is
    /// let go, in the same lock: a job queued after that is dispatched again).
    fn perform_queued(&self) {
        let (signals, shop) = (&self.signals, &*self.shop);
        loop {
            let job = {
                let mut queue = self.queue();
                match queue.jobs.pop_front().filter(|_| !queue.closed) {
                    Some(job) => job,
                    None => {
                        queue.running = false;
                        return;
                    }
                }
            };
            let cancelled = || job.seq < signals.cancel_below.load(Ordering::SeqCst);
            if let Request::LogIn { username, origin, .. } = &job.request
                && !cancelled()
            {
                // Asked here, not on the UI thread: the store may be slow.
                let wait = shop.login_wait(origin.as_deref().unwrap_or("local"), username);
                if wait >= Duration::from_secs(1) {
                    *signals.login_wait.lock().unwrap_or_else(|p| p.into_inner()) =
                        Some(std::time::Instant::now() + wait);
                }
            }
            let attempts = Attempts { waiting: &signals.waiting, cancelled: &cancelled };
            let answer = job.request.perform(shop, job.actor.as_ref(), &attempts);
            let was_cancelled = cancelled() && matches!(answer.error(), Some(ShopError::Busy));
            let account = answer.logged_in().cloned().or(job.actor);
            let view = account.filter(|_| !was_cancelled).and_then(|a| read_view(shop, &a).ok());
            let done = Done { answer, view, cancelled: was_cancelled };
            if self.outbox.send(done).is_err() {
                // The app is gone.
                let mut queue = self.queue();
                queue.closed = true;
                queue.running = false;
                return;
            }
        }
    }
}

/// An idle thread, and how to give it a session.
struct IdleThread {
    id: u64,
    give: Sender<Arc<Session>>,
}

/// The idle threads, the one idle last at the end (taken first: its
/// memory is the warmest).
static IDLE_THREADS: Mutex<Vec<IdleThread>> = Mutex::new(Vec::new());

fn idle_threads() -> MutexGuard<'static, Vec<IdleThread>> {
    IDLE_THREADS.lock().unwrap_or_else(|p| p.into_inner())
}

/// Gives `session` to an idle thread, or to a new one.
fn dispatch(mut session: Arc<Session>) -> std::io::Result<()> {
    loop {
        let Some(thread) = idle_threads().pop() else {
            return std::thread::Builder::new().name("session-worker".into()).spawn(move || serve(session)).map(drop);
        };
        match thread.give.send(session) {
            Ok(()) => return Ok(()),
            // That thread is gone (it panicked): the next one.
            Err(std::sync::mpsc::SendError(back)) => session = back,
        }
    }
}

/// A worker thread: performs its session's jobs, then waits for the next
/// session; ends after `IDLE` without one while enough others are idle.
fn serve(first: Arc<Session>) {
    static IDS: AtomicU64 = AtomicU64::new(0);
    let id = IDS.fetch_add(1, Ordering::Relaxed);
    let mut session = first;
    loop {
        session.perform_queued();
        drop(session);
        let (give, take) = channel();
        idle_threads().push(IdleThread { id, give });
        session = loop {
            match take.recv_timeout(IDLE) {
                Ok(next) => break next,
                Err(RecvTimeoutError::Disconnected) => return,
                Err(RecvTimeoutError::Timeout) => {
                    let mut idle = idle_threads();
                    let Some(at) = idle.iter().position(|t| t.id == id) else {
                        // Taken just now: its session is on the way.
                        drop(idle);
                        match take.recv() {
                            Ok(next) => break next,
                            Err(_) => return,
                        }
                    };
                    if idle.len() > KEPT_IDLE {
                        idle.remove(at);
                        return;
                    }
                }
            }
        };
    }
}

pub struct Worker {
    session: Arc<Session>,
    done: Receiver<Done>,
    next_seq: u64,
    in_flight: usize,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker").field("in_flight", &self.in_flight).finish_non_exhaustive()
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // The thread that has the session stops after the job it performs.
        self.session.queue().closed = true;
    }
}

impl Worker {
    /// A worker for `shop`; a thread takes its requests when they come.
    pub fn spawn(shop: Arc<ShopService>) -> Worker {
        let (outbox, done) = channel();
        let session =
            Arc::new(Session { shop, signals: Signals::default(), queue: Mutex::new(Queue::default()), outbox });
        Worker { session, done, next_seq: 0, in_flight: 0 }
    }

    /// Sends a request to be performed for `actor`.
    pub fn send(&mut self, actor: Option<Account>, request: Request) {
        let job = Job { seq: self.next_seq, actor, request };
        self.next_seq += 1;
        {
            let mut queue = self.session.queue();
            queue.jobs.push_back(job);
            if queue.running {
                // The thread that has the session takes it after the others.
                self.in_flight += 1;
                return;
            }
            queue.running = true;
        }
        match dispatch(Arc::clone(&self.session)) {
            Ok(()) => self.in_flight += 1,
            Err(e) => {
                // Without a thread the request is not performed: it is
                // dropped, and the next one tries again.
                let mut queue = self.session.queue();
                queue.jobs.pop_back();
                queue.running = false;
                eprintln!("shopfront: cannot start a worker thread: {e}");
            }
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
        self.session.signals.cancel_below.store(self.next_seq, Ordering::SeqCst);
        self.in_flight
    }

    /// What the worker waits for: another copy holding the data, or the
    /// shop's database to come back.
    /// Until when the login being performed waits its turn, once.
    pub fn take_login_wait(&self) -> Option<std::time::Instant> {
        self.session.signals.login_wait.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    pub fn waiting(&self) -> Waiting {
        Waiting::load(&self.session.signals.waiting)
    }

    /// Requests sent and not finished yet.
    pub fn in_flight(&self) -> usize {
        self.in_flight
    }
}

fn read_view(shop: &ShopService, account: &Account) -> Result<SessionView, ShopError> {
    let all_orders = match account.role() {
        crate::domain::Role::Admin => Some(shop.all_orders(account)?),
        crate::domain::Role::Customer => None,
    };
    Ok(SessionView { cart: shop.cart(account)?, orders: shop.orders_of(account)?, all_orders })
}

//! The shop's database going away, simulated by a repo whose connection can
//! be cut: sessions say so and try again by themselves, keys keep working,
//! and a checkout whose commit was cut off is never placed twice, never
//! reported placed when it was not, never reported failed when it was.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use common::paying;
use shopfront::domain::ProductDraft;
use shopfront::repo::{Change, ChangeSet, Feed, LoginFailures, ReadTx, Repo, RepoError, WriteTx};
use shopfront::shop::{ShopError, ShopService};

/// How the connection behaves now.
const UP: u8 = 0;
/// Every call fails: the database is not there.
const DOWN: u8 = 1;
/// The next commit is applied, then its answer is lost.
const LOSE_THE_ANSWER: u8 = 2;
/// The next commit is lost on the way: nothing applied, no answer.
const LOSE_THE_COMMIT: u8 = 3;
/// The change feed does not answer until the state changes (a database
/// slow to answer, or a pool with no connection free).
const FEED_STALLS: u8 = 4;
/// The same for the failed-login counts.
const LOGINS_STALL: u8 = 5;

struct Flaky {
    inner: Arc<dyn Repo>,
    state: Arc<AtomicU8>,
}

fn gone() -> RepoError {
    RepoError::Unreachable("The shop cannot reach its database (connection refused)".into())
}

impl Flaky {
    fn check(&self) -> Result<(), RepoError> {
        if self.state.load(Ordering::SeqCst) == DOWN { Err(gone()) } else { Ok(()) }
    }
}

impl Repo for Flaky {
    fn read(&self) -> Result<Box<dyn ReadTx + '_>, RepoError> {
        self.check()?;
        self.inner.read()
    }
    fn write(&self) -> Result<Box<dyn WriteTx + '_>, RepoError> {
        self.check()?;
        Ok(Box::new(FlakyWrite { inner: self.inner.write()?, state: Arc::clone(&self.state) }))
    }
    fn changes_after(&self, after: u64) -> Result<Feed, RepoError> {
        while self.state.load(Ordering::SeqCst) == FEED_STALLS {
            std::thread::sleep(Duration::from_millis(5));
        }
        self.check()?;
        self.inner.changes_after(after)
    }
    fn login_failures(
        &self,
        keys: &[&str],
        update: &mut dyn FnMut(&mut [Option<LoginFailures>]),
    ) -> Result<(), RepoError> {
        while self.state.load(Ordering::SeqCst) == LOGINS_STALL {
            std::thread::sleep(Duration::from_millis(5));
        }
        self.check()?;
        self.inner.login_failures(keys, update)
    }
}

struct FlakyWrite<'a> {
    inner: Box<dyn WriteTx + 'a>,
    state: Arc<AtomicU8>,
}

// Every read goes through as it is.
shopfront::forward_reads!(FlakyWrite<'_>, |tx| tx.inner);

impl WriteTx for FlakyWrite<'_> {
    fn next_order_id(&mut self) -> Result<String, RepoError> {
        self.inner.next_order_id()
    }
    fn stage(&mut self, change: Change) {
        self.inner.stage(change);
    }
    fn commit(self: Box<Self>) -> Result<ChangeSet, RepoError> {
        let lost = || RepoError::CommitUnknown("the connection was lost during COMMIT".into());
        match self.state.swap(UP, Ordering::SeqCst) {
            LOSE_THE_ANSWER => {
                self.inner.commit()?;
                Err(lost())
            }
            LOSE_THE_COMMIT => Err(lost()),
            DOWN => {
                self.state.store(DOWN, Ordering::SeqCst);
                Err(gone())
            }
            FEED_STALLS => {
                self.state.store(FEED_STALLS, Ordering::SeqCst);
                self.inner.commit()
            }
            _ => self.inner.commit(),
        }
    }
}

/// A shop on a folder behind a connection that `state` can cut, with an
/// admin and a shopper `alice` holding one mug in her cart.
fn shop() -> (tempfile::TempDir, Arc<ShopService>, Arc<AtomicU8>, shopfront::shop::Account, String) {
    let dir = common::temp_dir();
    std::fs::write(dir.path().join("products.json"), "[]").unwrap();
    let store = shopfront::store::Store::open(dir.path()).unwrap();
    let state = Arc::new(AtomicU8::new(UP));
    let repo = Flaky { inner: Arc::new(shopfront::store::repo::FolderRepo::new(store)), state: Arc::clone(&state) };
    let shop = ShopService::new(Arc::new(repo), shopfront::clock::now).unwrap();
    shop.add_admin(&shop.owner_at_machine(), "boss", "b0ss-pass").unwrap();
    let boss = shop.login("boss", "b0ss-pass").unwrap();
    let draft = ProductDraft::from_input("Mug", "4.50", "5", "", "", &shop.settings().currency()).unwrap();
    let mug = shop.create_product(&boss, draft).unwrap().product_id;
    let alice = shop.register("alice", "s3cret!").unwrap();
    shop.add_to_cart(&alice, &mug, 1).unwrap();
    (dir, shop, state, alice, mug)
}

fn checkout_request(
    shop: &ShopService,
    alice: &shopfront::shop::Account,
) -> shopfront::domain::checkout::CheckoutRequest {
    let mut request = paying(shop.quote(alice, None).unwrap());
    request.key = shop.profile(alice).unwrap().checkout_key;
    request
}

#[test]
fn a_checkout_placed_but_unanswered_is_found_by_the_retry_never_placed_twice() {
    let (_dir, shop, state, alice, mug) = shop();
    let request = checkout_request(&shop, &alice);
    state.store(LOSE_THE_ANSWER, Ordering::SeqCst);
    let first = shop.checkout(&alice, &request);
    assert!(matches!(first, Err(ShopError::Unreachable(_))), "not reported failed, not reported placed: {first:?}");
    let order = shop.checkout(&alice, &request).expect("the retry finds the order");
    assert_eq!(shop.orders_of(&alice).unwrap().len(), 1, "placed once");
    assert_eq!(order.order_id, shop.orders_of(&alice).unwrap()[0].order_id);
    assert_eq!(shop.catalog().get(&mug).unwrap().stock, 4, "one unit taken");
}

#[test]
fn a_checkout_whose_commit_was_lost_is_placed_by_the_retry_once() {
    let (_dir, shop, state, alice, mug) = shop();
    let request = checkout_request(&shop, &alice);
    state.store(LOSE_THE_COMMIT, Ordering::SeqCst);
    assert!(matches!(shop.checkout(&alice, &request), Err(ShopError::Unreachable(_))));
    assert!(shop.orders_of(&alice).unwrap().is_empty(), "nothing was placed");
    shop.checkout(&alice, &request).expect("the retry places it");
    shop.checkout(&alice, &request).expect("and a third try finds it");
    assert_eq!(shop.orders_of(&alice).unwrap().len(), 1);
    assert_eq!(shop.catalog().get(&mug).unwrap().stock, 4);
}

#[test]
fn another_change_cut_off_is_never_called_failed_or_done() {
    let (_dir, shop, state, alice, mug) = shop();
    state.store(LOSE_THE_ANSWER, Ordering::SeqCst);
    let answer = shop.add_to_cart(&alice, &mug, 1);
    assert!(matches!(answer, Err(ShopError::OutcomeUnknown(_))), "{answer:?}");
    assert!(answer.unwrap_err().to_string().contains("may or may not have been saved"));
}

/// A session while the database is down: it says so, keeps answering keys,
/// and finishes the request by itself once the database is back.
#[test]
fn a_session_says_it_cannot_reach_the_database_and_carries_on_when_it_is_back() {
    let (_dir, shop, state, _alice, _mug) = shop();
    let mut app = shopfront::app::App::new(shop.clone(), ratatui::layout::Rect::new(0, 0, 80, 24));
    state.store(DOWN, Ordering::SeqCst);
    common::keys::type_text(&mut app, "alice");
    common::keys::press(&mut app, crossterm::event::KeyCode::Tab);
    common::keys::type_text(&mut app, "s3cret!");
    // Sent, not waited for: the database is down.
    common::keys::press_now(&mut app, crossterm::event::KeyCode::Enter);
    let started = Instant::now();
    while app.waiting_notice() != Some(shopfront::app::UNREACHABLE_NOTICE) {
        app.poll_results();
        assert!(started.elapsed() < Duration::from_secs(10), "no notice: {:?}", app.message_line());
        std::thread::sleep(Duration::from_millis(10));
    }
    // Keys keep working meanwhile: the password field takes one more.
    common::keys::press_now(&mut app, crossterm::event::KeyCode::Char('x'));
    state.store(UP, Ordering::SeqCst);
    let back = Instant::now();
    while app.session.is_none() {
        app.poll_results();
        assert!(back.elapsed() < Duration::from_secs(10), "the login never finished: {:?}", app.message_line());
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(app.username(), Some("alice"));
    assert_eq!(app.waiting_notice(), None);
}

/// While the shop is slow to say what changed (its database busy, its
/// pool empty), sessions still get the catalog and settings at once: a
/// screen never waits on the database to draw (over PostgreSQL with two
/// servers, keys took seconds to show while checkouts held the pool).
#[test]
fn the_catalog_is_at_hand_while_the_shop_waits_on_its_database() {
    let (_dir, shop, state, alice, mug) = shop();
    state.store(FEED_STALLS, Ordering::SeqCst);
    let adding = {
        let (shop, alice, mug) = (Arc::clone(&shop), alice.clone(), mug.clone());
        std::thread::spawn(move || shop.add_to_cart(&alice, &mug, 1).map(|cart| cart.items.len()))
    };
    // The change is committed and the shop is now asking what changed.
    std::thread::sleep(Duration::from_millis(300));
    assert!(!adding.is_finished(), "the change waits for the feed");
    let (sender, answers) = std::sync::mpsc::channel();
    {
        let shop = Arc::clone(&shop);
        std::thread::spawn(move || {
            let started = Instant::now();
            let products = shop.catalog().products().len();
            let currency = shop.settings().currency().owned();
            let _ = sender.send((products, currency, started.elapsed()));
        });
    }
    let answer = answers.recv_timeout(Duration::from_secs(3));
    state.store(UP, Ordering::SeqCst);
    let (products, _, took) = answer.expect("the catalog and settings while the feed stalls, without waiting");
    assert_eq!(products, 1);
    assert!(took < Duration::from_secs(1), "{took:?}");
    assert_eq!(adding.join().unwrap().unwrap(), 1);
}

/// Sending a login never holds the screen while the store is slow to count
/// failed logins (it asked for the "checking your password in N s" hint on
/// the UI thread): the key is handled at once, and the login goes through
/// when the store answers.
#[test]
fn sending_a_login_does_not_wait_on_the_store() {
    use common::keys::{press_now, type_text};
    use crossterm::event::KeyCode;
    let (_dir, shop, state, _alice, _mug) = shop();
    let mut app = shopfront::app::App::new(shop, ratatui::layout::Rect::new(0, 0, 80, 24));
    app.settle();
    type_text(&mut app, "alice");
    press_now(&mut app, KeyCode::Tab);
    type_text(&mut app, "s3cret!");
    state.store(LOGINS_STALL, Ordering::SeqCst);
    let answers = {
        let state = Arc::clone(&state);
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(2));
            state.store(UP, Ordering::SeqCst);
        })
    };
    let started = Instant::now();
    press_now(&mut app, KeyCode::Enter);
    let took = started.elapsed();
    answers.join().unwrap();
    assert!(took < Duration::from_secs(1), "the key was handled at once: {took:?}");
    app.settle();
    assert_eq!(app.username(), Some("alice"), "logged in once the store answered");
}

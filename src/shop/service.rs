//! The shop as a service over any `Repo`: every rule (`rules`) run in a
//! write transaction, password work outside every transaction, login
//! throttling, and the snapshots every session shares (the catalog, the
//! settings, the admins' order book), brought up to date from the repo's
//! change feed and announced to subscribers.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use super::rules::{self, Decided};
use super::{Account, Catalog, Changed, KeyLogin, OrderBook, Profile, ShopError};
use crate::domain::checkout::CheckoutRequest;
use crate::domain::user::{validate_password, validate_username};
use crate::domain::{
    Cart, Discount, Order, OrderStatus, Pricing, Product, ProductDetails, ProductDraft, Quote, Role, Settings,
    Timestamp, UserError,
};
use crate::password::{PasswordCheck, check_password, hash_password};
use crate::repo::{ChangeSet, Feed, Ids, ReadTx, Repo};
use rules::accounts::AdminOutcome;

/// How often the watcher looks for other processes' changes.
const WATCH_EVERY: Duration = Duration::from_millis(250);

pub struct ShopService {
    repo: Arc<dyn Repo>,
    clock: fn() -> Timestamp,
    /// The snapshots, and the last change of the feed they include. Held
    /// only to take or swap them, never while the repo is asked anything:
    /// sessions draw from them, and must never wait on the database.
    snapshots: Mutex<Snapshots>,
    /// One publisher at a time brings the snapshots up to date; see `publish`.
    publishing: Mutex<Publishing>,
    /// `Publishing::begun`, readable without the lock.
    publishes_begun: AtomicU64,
    subscribers: Mutex<Vec<Sender<Changed>>>,
    /// Failed logins by account and by address.
    throttle: super::throttle::Throttle,
    /// Charges of checkouts whose commit was cut off, by checkout key,
    /// until a retry with that key settles them.
    unsettled: Mutex<std::collections::HashMap<String, crate::domain::payment::Payment>>,
}

/// Which publishes began, and the last of them that went through.
#[derive(Default)]
struct Publishing {
    begun: u64,
    succeeded: u64,
}

struct Snapshots {
    seen: u64,
    catalog: Arc<Catalog>,
    settings: Arc<Settings>,
    /// Built on the first admin's request; when an order changes, the next
    /// request builds a new one sharing the unchanged orders with it.
    orders: Option<Arc<OrderBook>>,
    orders_current: bool,
}

impl ShopService {
    /// Serves `repo`; `clock` tells the rules the time.
    pub fn new(repo: Arc<dyn Repo>, clock: fn() -> Timestamp) -> Result<Arc<ShopService>, ShopError> {
        ShopService::build(repo, clock)
    }

    fn build(repo: Arc<dyn Repo>, clock: fn() -> Timestamp) -> Result<Arc<ShopService>, ShopError> {
        let seen = match repo.changes_after(0)? {
            Feed::Changes(sets) => sets.last().map_or(0, |s| s.id),
            Feed::Gap { latest } => latest,
        };
        let view = repo.read()?;
        let catalog = whole_catalog(&*view, None)?;
        let settings = view.settings()?;
        drop(view);
        Ok(ShopService::serving(repo, clock, seen, catalog, settings))
    }

    /// The service over `repo`, its snapshots as of change `seen` (an
    /// opener that has just read them passes them in).
    pub(crate) fn serving(
        repo: Arc<dyn Repo>,
        clock: fn() -> Timestamp,
        seen: u64,
        catalog: Catalog,
        settings: Settings,
    ) -> Arc<ShopService> {
        let snapshots = Snapshots {
            seen,
            catalog: Arc::new(catalog),
            settings: Arc::new(settings),
            orders: None,
            orders_current: false,
        };
        Arc::new(ShopService {
            repo,
            clock,
            snapshots: Mutex::new(snapshots),
            publishing: Mutex::default(),
            publishes_begun: AtomicU64::new(0),
            subscribers: Mutex::default(),
            throttle: Default::default(),
            unsettled: Mutex::default(),
        })
    }

    /// Starts the one watcher of this shop: every quarter second it picks up
    /// other processes' changes and tells the subscribers. It stops when the
    /// shop is dropped.
    pub fn watch(self: &Arc<Self>) {
        let shop: Weak<ShopService> = Arc::downgrade(self);
        std::thread::Builder::new()
            .name("shop-watcher".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(WATCH_EVERY);
                    let Some(shop) = shop.upgrade() else { return };
                    // A busy or damaged store: the next change or look says so.
                    let _ = shop.refresh();
                }
            })
            .map(drop)
            .unwrap_or_else(|e| eprintln!("shopfront: cannot start the change watcher: {e}"));
    }

    fn snapshots(&self) -> MutexGuard<'_, Snapshots> {
        self.snapshots.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs `rule` in a write transaction and commits what it decided.
    fn decide<T>(
        &self,
        rule: impl FnOnce(&mut dyn crate::repo::WriteTx, Timestamp) -> Decided<T>,
    ) -> Result<T, ShopError> {
        let now = (self.clock)();
        let result = self.repo.write().map_err(ShopError::from).and_then(|mut tx| {
            let (answer, changes) = rule(&mut *tx, now)?;
            for change in changes {
                tx.stage(change);
            }
            tx.commit()?;
            Ok(answer)
        });
        self.publish();
        result
    }

    /// Runs `read` on a read transaction (others' changes included).
    fn view<T>(&self, read: impl FnOnce(&dyn ReadTx) -> Result<T, ShopError>) -> Result<T, ShopError> {
        let result = self.repo.read().map_err(ShopError::from).and_then(|view| read(&*view));
        self.publish();
        result
    }

    /// Brings the snapshots up to date with the feed and tells every
    /// subscriber what changed. Called after every change and look, so
    /// that a caller finds what it has just done in the snapshots.
    ///
    /// Callers arriving together share one publish: a publish that began
    /// after this call did (and went through) asked the feed after the
    /// caller's own change was committed, so it covered it.
    fn publish(&self) {
        let asked_after = self.publishes_begun.load(Ordering::SeqCst);
        let mut publishing = self.publishing.lock().unwrap_or_else(|p| p.into_inner());
        if publishing.succeeded > asked_after {
            return;
        }
        publishing.begun += 1;
        let this = publishing.begun;
        self.publishes_begun.store(this, Ordering::SeqCst);
        if self.bring_up_to_date() {
            publishing.succeeded = this;
        }
    }

    /// The work of `publish`, under its lock (so the snapshots change only
    /// here and in `all_orders`): `false` if the repo could not be read
    /// (the next look tries again).
    fn bring_up_to_date(&self) -> bool {
        let (seen, catalog) = {
            let snapshots = self.snapshots();
            (snapshots.seen, Arc::clone(&snapshots.catalog))
        };
        let merged = match self.repo.changes_after(seen) {
            Ok(Feed::Changes(sets)) if sets.is_empty() => return true,
            Ok(Feed::Changes(sets)) => sets.iter().fold(ChangeSet::default(), |mut all, set| {
                all.merge(set);
                all
            }),
            Ok(Feed::Gap { latest }) => ChangeSet::everything(latest),
            Err(_) => return false,
        };
        let changed = Changed::of(&merged);
        let Ok(view) = self.repo.read() else { return false };
        // Sessions taking the snapshots meanwhile hold the old ones until
        // the new ones are swapped in.
        let catalog = if changed.catalog {
            let next = match &merged.products {
                Ids::Some(ids) => patched_catalog(&*view, &catalog, ids),
                _ => whole_catalog(&*view, Some(&catalog)),
            };
            match next {
                Ok(next) => Some(Arc::new(next)),
                Err(_) => return false,
            }
        } else {
            None
        };
        let settings = if merged.settings {
            match view.settings() {
                Ok(settings) => Some(Arc::new(settings)),
                Err(_) => return false,
            }
        } else {
            None
        };
        drop(view);
        {
            let mut snapshots = self.snapshots();
            if let Some(catalog) = catalog {
                snapshots.catalog = catalog;
            }
            if let Some(settings) = settings {
                snapshots.settings = settings;
            }
            if !merged.orders.is_none() {
                snapshots.orders_current = false;
            }
            snapshots.seen = merged.id;
        }
        let mut subscribers = self.subscribers.lock().unwrap_or_else(|p| p.into_inner());
        subscribers.retain(|s| s.send(changed.clone()).is_ok());
        true
    }

    /// Changes the settings, `change` getting the current ones inside the
    /// transaction (the command line changes only what it was given).
    pub fn change_settings(
        &self,
        by: &Account,
        change: impl FnOnce(&Settings) -> Result<Settings, ShopError>,
    ) -> Result<Settings, ShopError> {
        self.decide(|tx, now| rules::settings::change_settings(tx, now, by.actor(), change))
    }

    /// Picks up changes made elsewhere (other processes) and tells the
    /// subscribers; `true` if any. The watcher calls it; every read and
    /// change does the same on its way.
    pub fn refresh(&self) -> Result<bool, ShopError> {
        let before = self.snapshots().seen;
        match self.view(|_| Ok(())) {
            Err(ShopError::Busy) => return Ok(false),
            other => other?,
        }
        Ok(self.snapshots().seen != before)
    }

    /// The shop's owner at the machine: what the command line acts as.
    pub fn owner_at_machine(&self) -> Account {
        Account::owner_at_machine()
    }
}

/// 128 random bits from the OS, as hex: a key no two checkouts share.
fn new_checkout_key() -> String {
    use password_hash::rand_core::{OsRng, RngCore};
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The catalog read whole (reusing what `previous` holds).
fn whole_catalog(view: &dyn ReadTx, previous: Option<&Catalog>) -> Result<Catalog, ShopError> {
    let mut products = Vec::new();
    view.each_product(&mut |product| products.push(product.clone()))?;
    Ok(Catalog::build_owned(products, previous))
}

/// `catalog` with the products `ids` read again (added, changed or gone).
fn patched_catalog(
    view: &dyn ReadTx,
    catalog: &Catalog,
    ids: &std::collections::BTreeSet<String>,
) -> Result<Catalog, ShopError> {
    let mut updates = Vec::with_capacity(ids.len());
    for id in ids {
        updates.push((id.clone(), view.product(id)?));
    }
    Ok(catalog.patched(updates))
}

impl ShopService {
    fn unsettled_charges(&self) -> MutexGuard<'_, std::collections::HashMap<String, crate::domain::payment::Payment>> {
        let mut charges = self.unsettled.lock().unwrap_or_else(|p| p.into_inner());
        // Keys of sessions that never came back: keep the map small.
        if charges.len() > 10_000 {
            charges.clear();
        }
        charges
    }
}

/// The shop's operations: what the app, `serve` and the command line call.
impl ShopService {
    /// The catalog now: every product, archived ones too. Cheap (an `Arc`).
    pub fn catalog(&self) -> Arc<Catalog> {
        Arc::clone(&self.snapshots().catalog)
    }

    /// A new receiver of change notices.
    pub fn subscribe(&self) -> Receiver<Changed> {
        let (sender, receiver) = channel();
        self.subscribers.lock().unwrap_or_else(|p| p.into_inner()).push(sender);
        receiver
    }

    pub fn register(&self, username: &str, password: &str) -> Result<Account, ShopError> {
        validate_username(username)?;
        validate_password(password)?;
        if self.view(|view| Ok(view.account(username)?.is_some()))? {
            return Err(UserError::UsernameTaken.into());
        }
        // Hashed outside every transaction: other sessions' carts and
        // checkouts never wait for a password.
        let hash = hash_password(password)?;
        let user = self.decide(|tx, now| rules::accounts::create_account(tx, now, username, hash))?;
        Ok(Account::issued(user))
    }

    /// The same error, after the same work, for an unknown name and a wrong password.
    pub fn login(&self, username: &str, password: &str) -> Result<Account, ShopError> {
        self.login_from("local", username, password)
    }

    /// `login` from a network address: repeated failures from it (or for
    /// the account) wait longer and longer before they are answered.
    pub fn login_from(&self, origin: &str, username: &str, password: &str) -> Result<Account, ShopError> {
        // One attempt at a time per account and per address, after the wait
        // their failures earned; on the session's worker, never the screen.
        let attempt = self.throttle.begin(&*self.repo, crate::clock::unix_millis, username, origin)?;
        let user = self.view(|view| Ok(view.account(username)?))?;
        // The slow part, outside every transaction.
        let user = match check_password(user.as_ref(), password) {
            PasswordCheck::Matches => user,
            PasswordCheck::MatchesPlaintext => {
                let hash = hash_password(password)?;
                let ours = hash.clone();
                match self.decide(|tx, _| rules::accounts::upgrade_plaintext(tx, username, password, hash)) {
                    Ok(user) if user.password_hash.as_deref() == Some(ours.as_str()) => Some(user),
                    // Hashed by another copy meanwhile: checked like any hash.
                    Ok(user) => match check_password(Some(&user), password) {
                        PasswordCheck::Matches => Some(user),
                        PasswordCheck::MatchesPlaintext | PasswordCheck::Wrong => None,
                    },
                    // The password matched; a store we may not write keeps
                    // it as it is until it can be hashed.
                    Err(ShopError::Unavailable(_)) => user,
                    Err(other) => return Err(other),
                }
            }
            PasswordCheck::Wrong => None,
        };
        match user {
            Some(user) => {
                attempt.succeeded();
                Ok(Account::issued(user))
            }
            None => {
                attempt.failed();
                Err(ShopError::BadCredentials)
            }
        }
    }

    /// Data files held back (replaced from outside by an older copy while
    /// the shop runs), each said with what to do; cheap, no storage.
    pub fn held_back(&self) -> Vec<String> {
        self.repo.notices()
    }

    /// Whether the shop is still reading part of its data (a folder's
    /// orders, after the catalog): the next request waits for it. Cheap.
    pub fn still_loading(&self) -> bool {
        self.repo.still_loading()
    }

    /// How long a login for `username` from `origin` would wait its turn
    /// now (failed logins before it); cheap, no storage.
    pub fn login_wait(&self, origin: &str, username: &str) -> Duration {
        // Only a hint on screen: a count that cannot be read shows no wait.
        self.throttle.wait_for(&*self.repo, crate::clock::unix_millis, username, origin).unwrap_or_default()
    }

    /// Creates the admin `username`, or promotes that account; only the
    /// owner at the machine may.
    pub fn add_admin(&self, by: &Account, username: &str, password: &str) -> Result<AdminOutcome, ShopError> {
        if by.actor() != rules::Actor::Owner {
            return Err(ShopError::NotAdmin);
        }
        validate_username(username)?;
        let hash = match self.view(|view| Ok(view.account(username)?))? {
            Some(_) => None,
            None => {
                validate_password(password)?;
                Some(hash_password(password)?)
            }
        };
        self.decide(|tx, now| rules::accounts::add_admin(tx, now, username, hash))
    }

    /// What an SSH key (`SHA256:…` fingerprint) linked to an account opens,
    /// if it is linked: a shopper's session, or for an admin only the name
    /// (an admin always gives the password).
    pub fn key_login(&self, fingerprint: &str) -> Result<Option<KeyLogin>, ShopError> {
        let linked = self.view(|view| Ok(view.accounts_with_key(fingerprint)?.into_iter().next()))?;
        Ok(linked.map(|user| match user.role {
            Role::Admin => KeyLogin::AdminNeedsPassword(user.username),
            Role::Customer => KeyLogin::Shopper(Account::issued(user)),
        }))
    }

    /// Links an SSH key to `who` (and unlinks it from anyone else).
    pub fn link_key(&self, who: &Account, fingerprint: &str) -> Result<(), ShopError> {
        self.decide(|tx, _| rules::accounts::link_key(tx, who.username(), fingerprint))
    }

    pub fn forget_key(&self, who: &Account, fingerprint: &str) -> Result<(), ShopError> {
        self.decide(|tx, _| rules::accounts::forget_key(tx, who.username(), fingerprint))
    }

    pub fn cart(&self, who: &Account) -> Result<Cart, ShopError> {
        self.view(|view| Ok(view.cart(who.username())?.unwrap_or_else(|| Cart::new(who.username()))))
    }

    pub fn add_to_cart(&self, who: &Account, product_id: &str, qty: u32) -> Result<Cart, ShopError> {
        self.decide(|tx, _| rules::carts::add(tx, who.username(), product_id, qty))
    }

    pub fn set_cart_qty(&self, who: &Account, product_id: &str, qty: u32) -> Result<Cart, ShopError> {
        self.decide(|tx, _| rules::carts::set_qty(tx, who.username(), product_id, qty))
    }

    pub fn remove_from_cart(&self, who: &Account, product_id: &str) -> Result<Cart, ShopError> {
        self.decide(|tx, _| rules::carts::remove(tx, who.username(), product_id))
    }

    /// Accepts every checkout problem: quantities cut, prices updated, lines dropped.
    pub fn accept_adjusted_cart(&self, who: &Account) -> Result<Cart, ShopError> {
        self.decide(|tx, _| rules::carts::accept_adjusted(tx, who.username()))
    }

    /// The shop's settings now (name, shipping, tax). Cheap (an `Arc`).
    pub fn settings(&self) -> Arc<Settings> {
        Arc::clone(&self.snapshots().settings)
    }

    /// The discount code `typed` (any case), if it applies to `who`'s cart
    /// now; otherwise why not (`ShopError::Code`).
    pub fn apply_code(&self, who: &Account, typed: &str) -> Result<Discount, ShopError> {
        // A look, not a change: it never waits for writers.
        let now = (self.clock)();
        self.view(|view| rules::checkout::apply_code(view, now, who.username(), typed))
    }

    /// The account's cart, quoted (`domain::quote`) with the settings and
    /// discount code `code`.
    pub fn quote(&self, who: &Account, code: Option<&str>) -> Result<Quote, ShopError> {
        let discount = code.map(|code| self.apply_code(who, code)).transpose()?;
        self.view(|view| {
            let settings = view.settings()?;
            let pricing = Pricing::new(&settings, discount.as_ref());
            let lines = view.cart(who.username())?.map(|cart| cart.items).unwrap_or_default();
            crate::domain::quote(&lines, &pricing).map_err(|problem| ShopError::Checkout(vec![problem]))
        })
    }

    /// Places and pays the order the shopper reviewed (`request.seen`) if a
    /// fresh quote under the lock equals it and the card is approved;
    /// otherwise says why (`Checkout` problems, a `Code`, `Card` or
    /// `Declined` error) and changes nothing.
    pub fn checkout(&self, who: &Account, request: &CheckoutRequest) -> Result<Order, ShopError> {
        let mut charged = None;
        let placed = self.decide(|tx, now| {
            let order_id = tx.next_order_id()?;
            let (order, changes) = rules::checkout::checkout(tx, now, who.username(), order_id, request)?;
            // A new order (not one a retry found) was charged just now.
            if !changes.is_empty() {
                charged = order.payment.clone();
            }
            Ok((order, changes))
        });
        match (placed, charged) {
            // The database went away during the commit: the order may have
            // been placed. Not voided (it may be the order's own charge) and
            // not reported failed: the caller tries again with the same key,
            // which finds the order if it was placed, or places it now.
            (Err(ShopError::OutcomeUnknown(why)), Some(payment)) if !request.key.is_empty() => {
                self.unsettled_charges().insert(request.key.clone(), *payment);
                Err(ShopError::Unreachable(why))
            }
            (Ok(order), charged) if !request.key.is_empty() => {
                // A charge left unsettled by an earlier try with this key:
                // the order's own if this try found it, else never used.
                let earlier = self.unsettled_charges().remove(&request.key);
                if let (Some(earlier), Some(_)) = (earlier, charged) {
                    let reference = crate::domain::payment::void(&earlier);
                    tracing::info!(%reference, "a charge of a checkout cut off and placed again was voided");
                }
                Ok(order)
            }
            (Err(ShopError::Busy), Some(payment)) => {
                // Nothing was saved and the caller will try again: a new charge then.
                crate::domain::payment::void(&payment);
                Err(ShopError::Busy)
            }
            (Err(error), Some(payment)) => {
                let reference = crate::domain::payment::void(&payment);
                tracing::warn!(%reference, "an order could not be saved; its charge was voided");
                Err(ShopError::Voided(Box::new(error)))
            }
            (placed, _) => placed,
        }
    }

    /// The account's saved addresses and cards.
    pub fn profile(&self, who: &Account) -> Result<Profile, ShopError> {
        self.view(|view| {
            let user = rules::existing_account(view, who.username())?;
            Ok(Profile { addresses: user.addresses, cards: user.cards, checkout_key: new_checkout_key() })
        })
    }

    /// The account's orders, newest first.
    pub fn orders_of(&self, who: &Account) -> Result<Vec<Order>, ShopError> {
        self.view(|view| Ok(view.orders_of(who.username())?))
    }

    pub fn cancel_order(&self, who: &Account, order_id: &str) -> Result<Order, ShopError> {
        self.decide(|tx, now| rules::orders::move_order(tx, now, who.actor(), order_id, OrderStatus::Cancelled, None))
    }

    /// The plain-text receipt of one of `who`'s orders (an admin: any).
    pub fn receipt(&self, who: &Account, order_id: &str) -> Result<String, ShopError> {
        let shop_name = self.settings().display_name();
        self.view(|view| rules::orders::receipt(view, who.actor(), order_id, &shop_name))
    }

    /// Every order, newest first (admins only).
    pub fn all_orders(&self, admin: &Account) -> Result<Arc<OrderBook>, ShopError> {
        // The look brings the snapshots up to date (an order placed by
        // another process marks the book out of date) before it is used.
        self.view(|view| rules::require_admin(view, admin.actor()).map(drop))?;
        let (previous, seen) = {
            let snapshots = self.snapshots();
            match &snapshots.orders {
                Some(book) if snapshots.orders_current => return Ok(Arc::clone(book)),
                other => (other.clone(), snapshots.seen),
            }
        };
        let book =
            self.view(|view| Ok(Arc::new(OrderBook::collect(|visit| view.each_order(visit), previous.as_deref())?)))?;
        let mut snapshots = self.snapshots();
        snapshots.orders = Some(Arc::clone(&book));
        // Current unless a change came in while it was read.
        snapshots.orders_current = snapshots.seen == seen;
        Ok(book)
    }

    /// Moves an order on; `tracking` goes with a move to `shipped`.
    pub fn set_order_status(
        &self,
        admin: &Account,
        order_id: &str,
        to: OrderStatus,
        tracking: Option<&str>,
    ) -> Result<Order, ShopError> {
        self.decide(|tx, now| rules::orders::move_order(tx, now, admin.actor(), order_id, to, tracking))
    }

    pub fn create_product(&self, admin: &Account, draft: ProductDraft) -> Result<Product, ShopError> {
        self.decide(|tx, now| rules::catalog::create_product(tx, now, admin.actor(), draft))
    }

    /// Saves an edit of what the form showed (`seen`); see `domain::product::merge_edit`.
    pub fn update_product(
        &self,
        admin: &Account,
        product_id: &str,
        seen: &ProductDetails,
        wanted: ProductDetails,
    ) -> Result<Product, ShopError> {
        self.decide(|tx, now| rules::catalog::update_product(tx, now, admin.actor(), product_id, seen, wanted))
    }

    pub fn change_stock(&self, admin: &Account, product_id: &str, change: i64) -> Result<Product, ShopError> {
        self.decide(|tx, now| rules::catalog::change_stock(tx, now, admin.actor(), product_id, change))
    }

    pub fn set_product_active(&self, admin: &Account, product_id: &str, active: bool) -> Result<Product, ShopError> {
        self.decide(|tx, now| rules::catalog::set_product_active(tx, now, admin.actor(), product_id, active))
    }

    pub fn delete_product(&self, admin: &Account, product_id: &str) -> Result<Product, ShopError> {
        self.decide(|tx, _| rules::catalog::delete_product(tx, admin.actor(), product_id))
    }

    /// Every discount code with its uses so far (admins only).
    pub fn discounts(&self, admin: &Account) -> Result<Vec<(Discount, u32)>, ShopError> {
        self.view(|view| {
            rules::require_admin(view, admin.actor())?;
            rules::codes::discounts_with_uses(view)
        })
    }

    /// Adds a code (`original` is `None`) or replaces the code `original`.
    pub fn save_discount(
        &self,
        admin: &Account,
        original: Option<&str>,
        discount: Discount,
    ) -> Result<Discount, ShopError> {
        self.decide(|tx, now| rules::codes::save_discount(tx, now, admin.actor(), original, discount))
    }

    pub fn set_discount_active(&self, admin: &Account, code: &str, active: bool) -> Result<Discount, ShopError> {
        self.decide(|tx, now| rules::codes::set_discount_active(tx, now, admin.actor(), code, active))
    }

    /// Deletes a code no order carries.
    pub fn delete_discount(&self, admin: &Account, code: &str) -> Result<Discount, ShopError> {
        self.decide(|tx, _| rules::codes::delete_discount(tx, admin.actor(), code))
    }

    pub fn save_settings(&self, admin: &Account, settings: Settings) -> Result<Settings, ShopError> {
        settings.validate().map_err(ShopError::Invalid)?;
        self.decide(|tx, now| rules::settings::change_settings(tx, now, admin.actor(), |_| Ok(settings)))
    }
}

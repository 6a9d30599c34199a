//! The shop kept in a JSON data folder: today's `Store` (lock, journal,
//! atomic writes, recovery) behind the `Shop` interface, with the snapshots
//! every session shares and one watcher per process for other processes'
//! changes.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, MutexGuard, Weak};
use std::time::Duration;

use super::{Account, Catalog, Changed, OrderBook, Profile, Shop, ShopError};
use crate::domain::checkout::CheckoutRequest;
use crate::domain::password::{PasswordCheck, check_password, hash_password};
use crate::domain::{
    Cart, Discount, Order, OrderStatus, Pricing, Product, ProductDetails, ProductDraft, Quote, Settings, discount,
};
use crate::store::{AdminOutcome, FileKind, LockWait, Store};

/// How often the watcher looks for other processes' changes.
const WATCH_EVERY: Duration = Duration::from_millis(250);

pub struct FolderShop {
    dir: PathBuf,
    store: Mutex<Store>,
    /// The store's table versions the snapshots and notices were made from.
    seen: Mutex<[u64; FileKind::ALL.len()]>,
    catalog: Mutex<Arc<Catalog>>,
    settings: Mutex<Arc<Settings>>,
    /// Built on the first admin's request, then kept up to date.
    orders: Mutex<Option<(u64, Arc<OrderBook>)>>,
    subscribers: Mutex<Vec<Sender<Changed>>>,
    /// Failed logins by account and by address.
    throttle: super::throttle::Throttle,
    /// The store's held-back files, as of its last use.
    held_back: Mutex<Vec<String>>,
}

impl FolderShop {
    /// Opens (creating and seeding if needed) the folder; see `Store::open`.
    /// `wait` says what a change does while another process holds the folder.
    pub fn open(dir: &Path, wait: LockWait) -> Result<Arc<FolderShop>, ShopError> {
        let mut store = Store::open(dir)?;
        store.set_lock_wait(wait);
        Ok(FolderShop::from_store(store))
    }

    /// Serves an already opened store.
    pub fn from_store(store: Store) -> Arc<FolderShop> {
        let catalog = Catalog::build(store.data().products.rows(), None);
        let seen = FileKind::ALL.map(|kind| store.version(kind));
        let settings = Arc::new(store.data().settings.clone());
        crate::domain::money::set_currency_symbol(&settings.currency);
        Arc::new(FolderShop {
            settings: Mutex::new(settings),
            dir: store.dir().to_path_buf(),
            store: Mutex::new(store),
            seen: Mutex::new(seen),
            catalog: Mutex::new(Arc::new(catalog)),
            orders: Mutex::new(None),
            subscribers: Mutex::new(Vec::new()),
            throttle: Default::default(),
            held_back: Mutex::new(Vec::new()),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Starts the one watcher of this shop: every quarter second it picks up
    /// other processes' changes and tells the subscribers. It stops when the
    /// shop is dropped.
    pub fn watch(self: &Arc<Self>) {
        let shop: Weak<FolderShop> = Arc::downgrade(self);
        std::thread::Builder::new()
            .name("shop-watcher".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(WATCH_EVERY);
                    let Some(shop) = shop.upgrade() else { return };
                    // A busy folder or a damaged file: the next change or look says so.
                    let _ = shop.refresh();
                }
            })
            .map(drop)
            .unwrap_or_else(|e| eprintln!("shopfront: cannot start the change watcher: {e}"));
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the store leaves it as consistent as a crash
        // would: every change is all or nothing on disk and re-read on sync.
        self.store.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `change` on the store, then brings snapshots and subscribers up to date.
    fn with_store<T>(&self, change: impl FnOnce(&mut Store) -> Result<T, ShopError>) -> Result<T, ShopError> {
        let mut store = self.store();
        let result = change(&mut store);
        self.publish(&store);
        result
    }

    /// A read: first pick up what others changed (a busy folder: read what we have).
    fn read<T>(&self, read: impl FnOnce(&Store) -> Result<T, ShopError>) -> Result<T, ShopError> {
        let mut store = self.store();
        match store.refresh() {
            Ok(_) | Err(ShopError::Busy) => {}
            Err(e) => return Err(e),
        }
        self.publish(&store);
        read(&store)
    }

    /// Rebuilds the catalog snapshot if the products changed and tells every
    /// subscriber what changed since the last time.
    fn publish(&self, store: &Store) {
        *self.held_back.lock().unwrap_or_else(|p| p.into_inner()) = store.held_back();
        let now = FileKind::ALL.map(|kind| store.version(kind));
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if *seen == now {
            return;
        }
        let differs = |kind: FileKind| seen[kind.index()] != now[kind.index()];
        let changed = Changed {
            accounts: differs(FileKind::Users),
            catalog: differs(FileKind::Products),
            carts: differs(FileKind::Carts),
            orders: differs(FileKind::Orders),
            pricing: differs(FileKind::Discounts) || differs(FileKind::Settings),
        };
        if differs(FileKind::Settings) {
            crate::domain::money::set_currency_symbol(&store.data().settings.currency);
            *self.settings.lock().unwrap_or_else(|p| p.into_inner()) = Arc::new(store.data().settings.clone());
        }
        *seen = now;
        drop(seen);
        if changed.catalog {
            // Built outside the lock: sessions taking the snapshot never wait
            // for a rebuild (the store's lock keeps builds one at a time).
            let previous = self.catalog();
            let next = Arc::new(Catalog::build(store.data().products.rows(), Some(&previous)));
            *self.catalog.lock().unwrap_or_else(|p| p.into_inner()) = next;
        }
        let mut subscribers = self.subscribers.lock().unwrap_or_else(|p| p.into_inner());
        subscribers.retain(|s| s.send(changed).is_ok());
    }
}

impl Shop for FolderShop {
    fn catalog(&self) -> Arc<Catalog> {
        Arc::clone(&self.catalog.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn subscribe(&self) -> Receiver<Changed> {
        let (sender, receiver) = channel();
        self.subscribers.lock().unwrap_or_else(|p| p.into_inner()).push(sender);
        receiver
    }

    fn refresh(&self) -> Result<bool, ShopError> {
        self.with_store(|store| match store.refresh() {
            Err(ShopError::Busy) => Ok(false),
            other => other,
        })
    }

    fn register(&self, username: &str, password: &str) -> Result<Account, ShopError> {
        self.with_store(|s| s.check_new_account(username, password))?;
        // Hashed outside the store's lock: other sessions' carts and
        // checkouts never wait for a password.
        let hash = hash_password(password).map_err(ShopError::from)?;
        let user = self.with_store(|s| s.create_account(username, hash))?;
        Ok(Account { username: user.username, role: user.role })
    }

    fn login(&self, username: &str, password: &str) -> Result<Account, ShopError> {
        self.login_from("local", username, password)
    }

    fn login_from(&self, origin: &str, username: &str, password: &str) -> Result<Account, ShopError> {
        // One attempt at a time per account and per address, after the wait
        // their failures earned; on the session's worker, never the screen.
        let attempt = self.throttle.begin(username, origin);
        let user = self.with_store(|s| s.account_for_login(username))?;
        // The slow part, outside the store's lock.
        let user = match check_password(user.as_ref(), password) {
            PasswordCheck::Matches => user,
            PasswordCheck::MatchesPlaintext => {
                let hash = hash_password(password).map_err(ShopError::from)?;
                match self.with_store(|s| s.upgrade_plaintext(username, password, hash)) {
                    Ok(user) => Some(user),
                    // The password matched; a folder we may not write keeps it
                    // as it is until it can be hashed.
                    Err(ShopError::ReadOnly { .. }) => user,
                    Err(other) => return Err(other),
                }
            }
            PasswordCheck::Wrong => None,
        };
        match user {
            Some(user) => {
                attempt.succeeded();
                Ok(Account { username: user.username, role: user.role })
            }
            None => {
                attempt.failed();
                Err(ShopError::BadCredentials)
            }
        }
    }

    fn held_back(&self) -> Vec<String> {
        self.held_back.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn login_wait(&self, origin: &str, username: &str) -> Duration {
        self.throttle.wait_for(username, origin)
    }

    fn add_admin(&self, username: &str, password: &str) -> Result<AdminOutcome, ShopError> {
        self.with_store(|s| s.add_admin(username, password))
    }

    fn key_account(&self, fingerprint: &str) -> Result<Option<Account>, ShopError> {
        self.read(|s| Ok(s.key_owner(fingerprint).map(|u| Account { username: u.username.clone(), role: u.role })))
    }

    fn link_key(&self, who: &str, fingerprint: &str) -> Result<(), ShopError> {
        self.with_store(|s| s.link_key(who, fingerprint))
    }

    fn forget_key(&self, who: &str, fingerprint: &str) -> Result<(), ShopError> {
        self.with_store(|s| s.forget_key(who, fingerprint))
    }

    fn cart(&self, who: &str) -> Result<Cart, ShopError> {
        self.read(|s| Ok(s.cart(who)))
    }

    fn add_to_cart(&self, who: &str, product_id: &str, qty: u32) -> Result<Cart, ShopError> {
        self.with_store(|s| s.add_to_cart(who, product_id, qty))
    }

    fn set_cart_qty(&self, who: &str, product_id: &str, qty: u32) -> Result<Cart, ShopError> {
        self.with_store(|s| s.set_cart_qty(who, product_id, qty))
    }

    fn remove_from_cart(&self, who: &str, product_id: &str) -> Result<Cart, ShopError> {
        self.with_store(|s| s.remove_from_cart(who, product_id))
    }

    fn accept_adjusted_cart(&self, who: &str) -> Result<Cart, ShopError> {
        self.with_store(|s| s.accept_adjusted_cart(who))
    }

    fn settings(&self) -> Arc<Settings> {
        Arc::clone(&self.settings.lock().unwrap_or_else(|p| p.into_inner()))
    }

    fn apply_code(&self, who: &str, typed: &str) -> Result<Discount, ShopError> {
        self.with_store(|s| s.apply_code(who, typed))
    }

    fn quote(&self, who: &str, code: Option<&str>) -> Result<Quote, ShopError> {
        let discount = code.map(|code| self.apply_code(who, code)).transpose()?;
        self.read(|s| {
            let pricing = Pricing::new(&s.data().settings, discount.as_ref());
            crate::domain::quote(&s.cart(who).items, &pricing).map_err(|problem| ShopError::Checkout(vec![problem]))
        })
    }

    fn checkout(&self, who: &str, request: &CheckoutRequest) -> Result<Order, ShopError> {
        self.with_store(|s| s.checkout(who, request))
    }

    fn profile(&self, who: &str) -> Result<Profile, ShopError> {
        self.read(|s| {
            let user = s.data().users.get(who).ok_or_else(|| ShopError::UnknownUser(who.into()))?;
            Ok(Profile { addresses: user.addresses.clone(), cards: user.cards.clone() })
        })
    }

    fn orders_of(&self, who: &str) -> Result<Vec<Order>, ShopError> {
        self.read(|s| Ok(s.data().orders_of(who).into_iter().cloned().collect()))
    }

    fn cancel_order(&self, who: &str, order_id: &str) -> Result<Order, ShopError> {
        self.with_store(|s| s.cancel_order(who, order_id))
    }

    fn write_receipt(&self, who: &str, order_id: &str) -> Result<PathBuf, ShopError> {
        self.with_store(|s| {
            let shop_name = s.data().settings.display_name();
            s.write_receipt(who, order_id, &shop_name)
        })
    }

    fn all_orders(&self, admin: &str) -> Result<Arc<OrderBook>, ShopError> {
        self.read(|s| {
            crate::shop::rules::require_admin(s.data(), admin)?;
            let version = s.version(FileKind::Orders);
            let mut cached = self.orders.lock().unwrap_or_else(|p| p.into_inner());
            match cached.as_ref() {
                Some((built, book)) if *built == version => Ok(Arc::clone(book)),
                previous => {
                    let book = Arc::new(OrderBook::build(s.data().orders.rows(), previous.map(|(_, b)| &**b)));
                    *cached = Some((version, Arc::clone(&book)));
                    Ok(book)
                }
            }
        })
    }

    fn set_order_status(
        &self,
        admin: &str,
        order_id: &str,
        to: OrderStatus,
        tracking: Option<&str>,
    ) -> Result<Order, ShopError> {
        self.with_store(|s| s.move_order(admin, order_id, to, tracking))
    }

    fn create_product(&self, admin: &str, draft: ProductDraft) -> Result<Product, ShopError> {
        self.with_store(|s| s.create_product(admin, draft))
    }

    fn update_product(
        &self,
        admin: &str,
        product_id: &str,
        seen: &ProductDetails,
        wanted: ProductDetails,
    ) -> Result<Product, ShopError> {
        self.with_store(|s| s.update_product(admin, product_id, seen, wanted))
    }

    fn change_stock(&self, admin: &str, product_id: &str, change: i64) -> Result<Product, ShopError> {
        self.with_store(|s| s.change_stock(admin, product_id, change))
    }

    fn set_product_active(&self, admin: &str, product_id: &str, active: bool) -> Result<Product, ShopError> {
        self.with_store(|s| s.set_product_active(admin, product_id, active))
    }

    fn delete_product(&self, admin: &str, product_id: &str) -> Result<Product, ShopError> {
        self.with_store(|s| s.delete_product(admin, product_id))
    }

    fn discounts(&self, admin: &str) -> Result<Vec<(Discount, u32)>, ShopError> {
        self.read(|s| {
            crate::shop::rules::require_admin(s.data(), admin)?;
            Ok(s.discounts_with_uses())
        })
    }

    fn save_discount(&self, admin: &str, original: Option<&str>, discount: Discount) -> Result<Discount, ShopError> {
        self.with_store(|s| s.save_discount(admin, original, discount))
    }

    fn set_discount_active(&self, admin: &str, code: &str, active: bool) -> Result<Discount, ShopError> {
        self.with_store(|s| s.set_discount_active(admin, &discount::normalize_code(code), active))
    }

    fn delete_discount(&self, admin: &str, code: &str) -> Result<Discount, ShopError> {
        self.with_store(|s| s.delete_discount(admin, code))
    }

    fn save_settings(&self, admin: &str, settings: Settings) -> Result<Settings, ShopError> {
        self.with_store(|s| s.save_settings(admin, settings))
    }
}

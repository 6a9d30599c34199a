//! The storage contract: what the shop's rules read and write, whatever
//! keeps the data (the JSON folder today; SQLite and PostgreSQL next).
//!
//! A rule reads through a `ReadTx` (point lookups, scans, counts) and
//! answers with a list of `Change`s, the one vocabulary of writes; a
//! `WriteTx` applies them all or none at `commit`, and dropping it rolls
//! back. Reads inside a write transaction see the data as it was when the
//! transaction began (the rules never read what they wrote).
//!
//! No shop rules live here: which changes are allowed is the service's.

mod change;
mod error;
mod feed_text;
pub mod logins;
pub mod postgres;
mod sql_codec;
mod sql_rows;
#[cfg(test)]
mod sql_tests;
pub mod sqlite;

pub use change::Change;
pub use error::RepoError;
pub use logins::LoginFailures;

use crate::domain::discount::Uses;
use crate::domain::{Cart, Discount, Order, Product, Settings, User};

/// A consistent view of the shop's data.
pub trait ReadTx {
    /// The account named `username` (names are compared ignoring case).
    fn account(&self, username: &str) -> Result<Option<User>, RepoError>;
    /// The accounts an SSH key (`SHA256:…` fingerprint) is linked to: one,
    /// unless the data was edited by hand.
    fn accounts_with_key(&self, fingerprint: &str) -> Result<Vec<User>, RepoError>;
    /// Every account, in the order they were made (copying a shop).
    fn each_account(&self, visit: &mut dyn FnMut(&User)) -> Result<(), RepoError>;
    /// In a write transaction, the product is held until it ends (a rule
    /// that changes it reads it so: no one sells its units meanwhile).
    fn product(&self, product_id: &str) -> Result<Option<Product>, RepoError>;
    /// The product as it is now, for a decision that leaves it unchanged
    /// (a cart line): a write transaction need not hold it, so shoppers
    /// adding a product in demand queue neither behind each other nor
    /// behind its sales on other machines.
    fn peek_product(&self, product_id: &str) -> Result<Option<Product>, RepoError> {
        self.product(product_id)
    }
    /// Every product, archived ones too, in catalog order.
    fn each_product(&self, visit: &mut dyn FnMut(&Product)) -> Result<(), RepoError>;
    /// The cart of `username`, if one was ever saved.
    fn cart(&self, username: &str) -> Result<Option<Cart>, RepoError>;
    /// Every saved cart (copying a shop).
    fn each_cart(&self, visit: &mut dyn FnMut(&Cart)) -> Result<(), RepoError>;
    /// The carts holding a line of `product_id`.
    fn carts_holding(&self, product_id: &str) -> Result<Vec<Cart>, RepoError>;
    /// The discount code `code` (any case).
    fn discount(&self, code: &str) -> Result<Option<Discount>, RepoError>;
    /// Every discount code, in the order they were added.
    fn discounts(&self) -> Result<Vec<Discount>, RepoError>;
    fn settings(&self) -> Result<Settings, RepoError>;
    fn order(&self, order_id: &str) -> Result<Option<Order>, RepoError>;
    /// The orders of `username`, newest first.
    fn orders_of(&self, username: &str) -> Result<Vec<Order>, RepoError>;
    /// The order of `username` placed by the checkout with `key`.
    fn order_by_checkout_key(&self, username: &str, key: &str) -> Result<Option<Order>, RepoError>;
    /// Every order, in the order they were placed.
    fn each_order(&self, visit: &mut dyn FnMut(&Order)) -> Result<(), RepoError>;
    /// How often `code` was used (orders not cancelled carrying it): by
    /// anyone, and by `username`.
    fn code_uses(&self, code: &str, username: &str) -> Result<Uses, RepoError>;
    /// How many orders carry `code`, cancelled ones too.
    fn orders_carrying(&self, code: &str) -> Result<usize, RepoError>;
    /// Whether any order ever held a line of `product_id`.
    fn ever_ordered(&self, product_id: &str) -> Result<bool, RepoError>;
}

/// A change being made: read, stage changes, then commit all of them or
/// none. Dropping it without `commit` changes nothing.
pub trait WriteTx: ReadTx {
    /// The next order id. Unique among every writer of the data: the
    /// transaction holds what it needs for that until it ends.
    fn next_order_id(&mut self) -> Result<String, RepoError>;
    /// Stages one change, applied at `commit` in the order staged.
    fn stage(&mut self, change: Change);
    /// Writes `change` into the transaction now rather than at `commit`
    /// (still all or none): for filling an empty store with a whole shop,
    /// so that nothing waits in memory and the copy's progress is the
    /// writing's. Reads later in this transaction may see it. By default it
    /// is staged.
    fn write_now(&mut self, change: Change) -> Result<(), RepoError> {
        self.stage(change);
        Ok(())
    }
    /// Applies every staged change, all or none, and says what changed.
    fn commit(self: Box<Self>) -> Result<ChangeSet, RepoError>;
}

/// Where the shop's data is kept.
pub trait Repo: Send + Sync {
    /// A read transaction: a consistent view, others' changes included.
    fn read(&self) -> Result<Box<dyn ReadTx + '_>, RepoError>;
    /// A write transaction: while it lives, no other writer changes the
    /// data it reads (or its commit is refused with `Busy`).
    fn write(&self) -> Result<Box<dyn WriteTx + '_>, RepoError>;
    /// What changed after change `after` (0: from the start), this
    /// process's commits and, once seen, other processes'.
    fn changes_after(&self, after: u64) -> Result<Feed, RepoError>;
    /// What the owner should know about the data now (a file held back,
    /// say), each with what to do; cheap.
    fn notices(&self) -> Vec<String> {
        Vec::new()
    }
    /// Whether the next request waits for data still being read (a
    /// folder's orders, read after its catalog); cheap, never waits.
    fn still_loading(&self) -> bool {
        false
    }
    /// Reads and changes the failed-login records of `keys` (an account or
    /// an address each) in one step that no other process sharing the data
    /// interleaves with. `update` gets each key's record, in `keys` order
    /// (`None`: none kept), and may change or remove them. It may be called
    /// more than once (a backend retrying a conflict): it only computes.
    fn login_failures(
        &self,
        keys: &[&str],
        update: &mut dyn FnMut(&mut [Option<LoginFailures>]),
    ) -> Result<(), RepoError>;
}

/// The records a change touched, by id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Ids {
    #[default]
    None,
    Some(std::collections::BTreeSet<String>),
    /// Any of them (another process changed the whole file).
    All,
}

impl Ids {
    fn add(&mut self, id: &str) {
        match self {
            Ids::None => *self = Ids::Some([id.to_string()].into()),
            Ids::Some(ids) => {
                ids.insert(id.to_string());
            }
            Ids::All => {}
        }
    }

    pub fn is_none(&self) -> bool {
        *self == Ids::None
    }

    /// Whether `id` may be among them.
    pub fn has(&self, id: &str) -> bool {
        match self {
            Ids::None => false,
            Ids::Some(ids) => ids.contains(id),
            Ids::All => true,
        }
    }

    fn merge(&mut self, other: &Ids) {
        match other {
            Ids::None => {}
            Ids::All => *self = Ids::All,
            Ids::Some(ids) => ids.iter().for_each(|id| self.add(id)),
        }
    }
}

/// One committed change, as the feed tells it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChangeSet {
    /// Grows with every change this repo hands out.
    pub id: u64,
    /// Product ids.
    pub products: Ids,
    /// Account names (lower case) whose cart changed.
    pub carts: Ids,
    /// Order ids.
    pub orders: Ids,
    /// Account names (lower case) whose orders changed.
    pub order_owners: Ids,
    /// Account names (lower case).
    pub accounts: Ids,
    /// Discount codes.
    pub codes: Ids,
    pub settings: bool,
}

impl ChangeSet {
    /// What `changes` touch (the id is the repo's to give).
    pub fn of(changes: &[Change]) -> ChangeSet {
        let mut set = ChangeSet::default();
        for change in changes {
            match change {
                Change::PutUser(user) => set.accounts.add(&user.username.to_lowercase()),
                Change::PutProduct(product) => set.products.add(&product.product_id),
                Change::DeleteProduct(id) => set.products.add(id),
                Change::PutCart(cart) => set.carts.add(&cart.username.to_lowercase()),
                Change::PutOrder(order) => {
                    set.orders.add(&order.order_id);
                    set.order_owners.add(&order.username.to_lowercase());
                }
                Change::PutDiscount(discount) => set.codes.add(&discount.code),
                Change::DeleteDiscount(code) => set.codes.add(code),
                Change::PutSettings(_) => set.settings = true,
            }
        }
        set
    }

    /// Everything may have changed.
    pub fn everything(id: u64) -> ChangeSet {
        ChangeSet {
            id,
            products: Ids::All,
            carts: Ids::All,
            orders: Ids::All,
            order_owners: Ids::All,
            accounts: Ids::All,
            codes: Ids::All,
            settings: true,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.products.is_none()
            && self.carts.is_none()
            && self.orders.is_none()
            && self.order_owners.is_none()
            && self.accounts.is_none()
            && self.codes.is_none()
            && !self.settings
    }

    /// Both changes as one (the later id).
    pub fn merge(&mut self, other: &ChangeSet) {
        self.id = self.id.max(other.id);
        self.products.merge(&other.products);
        self.carts.merge(&other.carts);
        self.orders.merge(&other.orders);
        self.order_owners.merge(&other.order_owners);
        self.accounts.merge(&other.accounts);
        self.codes.merge(&other.codes);
        self.settings |= other.settings;
    }
}

/// What `Repo::changes_after` answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Feed {
    /// The changes since, oldest first (none: nothing changed).
    Changes(Vec<ChangeSet>),
    /// Too far behind to say by id: read everything again, as of `latest`.
    Gap { latest: u64 },
}

/// Implements `ReadTx` for `$t` by asking `$inner` (an expression of
/// `$this`, the transaction) for every read, `peek_product` too: for a
/// transaction that reads through another (the folder's, through its loaded
/// data; test wrappers that fail on cue or log what is written).
#[macro_export]
macro_rules! forward_reads {
    ($t:ty, |$this:ident| $inner:expr) => {
        impl $crate::repo::ReadTx for $t {
            fn account(&self, username: &str) -> Result<Option<$crate::domain::User>, $crate::repo::RepoError> {
                let $this = self;
                $crate::repo::ReadTx::account(&*$inner, username)
            }
            fn accounts_with_key(
                &self,
                fingerprint: &str,
            ) -> Result<Vec<$crate::domain::User>, $crate::repo::RepoError> {
                let $this = self;
                $crate::repo::ReadTx::accounts_with_key(&*$inner, fingerprint)
            }
            fn each_account(
                &self,
                visit: &mut dyn FnMut(&$crate::domain::User),
            ) -> Result<(), $crate::repo::RepoError> {
                let $this = self;
                $crate::repo::ReadTx::each_account(&*$inner, visit)
            }
            fn product(&self, product_id: &str) -> Result<Option<$crate::domain::Product>, $crate::repo::RepoError> {
                let $this = self;
                $crate::repo::ReadTx::product(&*$inner, product_id)
            }
            fn peek_product(
                &self,
                product_id: &str,
            ) -> Result<Option<$crate::domain::Product>, $crate::repo::RepoError> {
                let $this = self;
                $crate::repo::ReadTx::peek_product(&*$inner, product_id)
            }
            fn each_product(
                &self,
                visit: &mut dyn FnMut(&$crate::domain::Product),
            ) -> Result<(), $crate::repo::RepoError> {
                let $this = self;
                $crate::repo::ReadTx::each_product(&*$inner, visit)
            }
            fn cart(&self, username: &str) -> Result<Option<$crate::domain::Cart>, $crate::repo::RepoError> {
                let $this = self;
                $crate::repo::ReadTx::cart(&*$inner, username)
            }
            fn each_cart(&self, visit: &mut dyn FnMut(&$crate::domain::Cart)) -> Result<(), $crate::repo::RepoError> {
                let $this = self;
                $crate::repo::ReadTx::each_cart(&*$inner, visit)
            }
            fn carts_holding(&self, product_id: &str) -> Result<Vec<$crate::domain::Cart>, $crate::repo::RepoError> {
                let $this = self;
                $crate::repo::ReadTx::carts_holding(&*$inner, product_id)
            }
            fn discount(&self, code: &str) -> Result<Option<$crate::domain::Discount>, $crate::repo::RepoError> {
                let $this = self;
                $crate::repo::ReadTx::discount(&*$inner, code)
            }
            fn discounts(&self) -> Result<Vec<$crate::domain::Discount>, $crate::repo::RepoError> {
                let $this = self;
                $crate::repo::ReadTx::discounts(&*$inner)
            }
            fn settings(&self) -> Result<$crate::domain::Settings, $crate::repo::RepoError> {
                let $this = self;
                $crate::repo::ReadTx::settings(&*$inner)
            }
            fn order(&self, order_id: &str) -> Result<Option<$crate::domain::Order>, $crate::repo::RepoError> {
                let $this = self;
                $crate::repo::ReadTx::order(&*$inner, order_id)
            }
            fn orders_of(&self, username: &str) -> Result<Vec<$crate::domain::Order>, $crate::repo::RepoError> {
                let $this = self;
                $crate::repo::ReadTx::orders_of(&*$inner, username)
            }
            fn order_by_checkout_key(
                &self,
                username: &str,
                key: &str,
            ) -> Result<Option<$crate::domain::Order>, $crate::repo::RepoError> {
                let $this = self;
                $crate::repo::ReadTx::order_by_checkout_key(&*$inner, username, key)
            }
            fn each_order(&self, visit: &mut dyn FnMut(&$crate::domain::Order)) -> Result<(), $crate::repo::RepoError> {
                let $this = self;
                $crate::repo::ReadTx::each_order(&*$inner, visit)
            }
            fn code_uses(
                &self,
                code: &str,
                username: &str,
            ) -> Result<$crate::domain::discount::Uses, $crate::repo::RepoError> {
                let $this = self;
                $crate::repo::ReadTx::code_uses(&*$inner, code, username)
            }
            fn orders_carrying(&self, code: &str) -> Result<usize, $crate::repo::RepoError> {
                let $this = self;
                $crate::repo::ReadTx::orders_carrying(&*$inner, code)
            }
            fn ever_ordered(&self, product_id: &str) -> Result<bool, $crate::repo::RepoError> {
                let $this = self;
                $crate::repo::ReadTx::ever_ordered(&*$inner, product_id)
            }
        }
    };
}

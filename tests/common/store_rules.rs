//! The shop's rules on a bare folder `Store`, by account name, for the
//! tests that check the folder itself (journal, locks, damaged files,
//! other processes) with realistic changes. The shop runs these same rules
//! through `ShopService`, with sessions; here each runs in one folder
//! transaction (`Store::transact`).

use std::path::PathBuf;

use shopfront::domain::checkout::CheckoutRequest;
use shopfront::domain::order::next_order_id;
use shopfront::domain::user::{validate_password, validate_username};
use shopfront::domain::{
    Cart, Discount, Order, OrderStatus, Product, ProductDetails, ProductDraft, Settings, User, UserError,
};
use shopfront::password::{PasswordCheck, check_password, hash_password};
use shopfront::shop::AdminOutcome;
use shopfront::shop::ShopError;
use shopfront::shop::rules::{self, Actor};
use shopfront::store::Store;

pub trait StoreRules {
    /// Creates a customer account (the password is stored only as argon2id).
    fn register(&mut self, username: &str, password: &str) -> Result<User, ShopError>;

    /// Whether `username` and `password` may make a new account (the name
    /// free, both valid); checked again when the account is created.
    fn check_new_account(&mut self, username: &str, password: &str) -> Result<(), ShopError>;

    /// Creates a customer account with an argon2id `hash` made beforehand
    /// (outside every lock).
    fn create_account(&mut self, username: &str, hash: String) -> Result<User, ShopError>;

    /// Checks credentials. Unknown names and wrong passwords get the same
    /// error after the same amount of hashing work. A console-shop account
    /// with a plaintext password is moved to an argon2id hash here.
    fn login(&mut self, username: &str, password: &str) -> Result<User, ShopError>;

    /// The account `username` as it is now (others' changes read first),
    /// for checking a password outside every lock.
    fn account_for_login(&mut self, username: &str) -> Result<Option<User>, ShopError>;

    /// Replaces a console-shop account's plaintext password (which
    /// `password` matched) with `hash`, made beforehand outside every lock.
    fn upgrade_plaintext(&mut self, username: &str, password: &str, hash: String) -> Result<User, ShopError>;

    /// Creates an admin, or promotes an existing account (keeping its password).
    fn add_admin(&mut self, username: &str, password: &str) -> Result<AdminOutcome, ShopError>;

    fn add_to_cart(&mut self, username: &str, product_id: &str, qty: u32) -> Result<Cart, ShopError>;

    fn set_cart_qty(&mut self, username: &str, product_id: &str, qty: u32) -> Result<Cart, ShopError>;

    fn remove_from_cart(&mut self, username: &str, product_id: &str) -> Result<Cart, ShopError>;

    /// Accepts checkout problems: quantities cut to stock, prices updated,
    /// lines no longer sold dropped.
    fn accept_adjusted_cart(&mut self, username: &str) -> Result<Cart, ShopError>;

    /// Places and pays the order the shopper reviewed (`rules::checkout`).
    fn checkout(&mut self, username: &str, request: &CheckoutRequest) -> Result<Order, ShopError>;

    /// The discount `typed` names, if it applies to `username`'s cart now.
    fn apply_code(&mut self, username: &str, typed: &str) -> Result<Discount, ShopError>;

    /// Cancels an order (a shopper their own `placed` one; an admin any
    /// `placed` or `paid` one) and puts its stock back, once.
    fn cancel_order(&mut self, actor: &str, order_id: &str) -> Result<Order, ShopError>;

    /// Moves an order to `to`, if `actor` may; cancellation restocks.
    fn set_order_status(&mut self, actor: &str, order_id: &str, to: OrderStatus) -> Result<Order, ShopError>;

    /// Moves an order to `to`; a move to `shipped` may carry the carrier's
    /// tracking number.
    fn move_order(
        &mut self,
        actor: &str,
        order_id: &str,
        to: OrderStatus,
        tracking: Option<&str>,
    ) -> Result<Order, ShopError>;

    /// Adds a product under the next free `P` number.
    fn create_product(&mut self, actor: &str, draft: ProductDraft) -> Result<Product, ShopError>;

    /// Saves an admin's edit of a product (`rules::catalog::update_product`).
    fn update_product(
        &mut self,
        actor: &str,
        product_id: &str,
        seen: &ProductDetails,
        wanted: ProductDetails,
    ) -> Result<Product, ShopError>;

    /// Adds (or, negative, removes) units; stock never goes below zero.
    fn change_stock(&mut self, actor: &str, product_id: &str, change: i64) -> Result<Product, ShopError>;

    /// Archives (no longer sold, still shown in past orders) or unarchives.
    fn set_product_active(&mut self, actor: &str, product_id: &str, active: bool) -> Result<Product, ShopError>;

    /// Deletes a product no order has ever contained, out of every cart too.
    fn delete_product(&mut self, actor: &str, product_id: &str) -> Result<Product, ShopError>;

    /// Writes `<data-dir>/receipts/<order_id>.txt` for one of `actor`'s
    /// orders (an admin: any order) and returns its path.
    fn write_receipt(&mut self, actor: &str, order_id: &str, shop_name: &str) -> Result<PathBuf, ShopError>;

    /// Links the SSH key `fingerprint` to `username` (and to no one else).
    fn link_key(&mut self, username: &str, fingerprint: &str) -> Result<(), ShopError>;

    /// Unlinks the SSH key `fingerprint` from `username`.
    fn forget_key(&mut self, username: &str, fingerprint: &str) -> Result<(), ShopError>;

    /// Adds a discount code (`original` is `None`) or replaces the code
    /// `original`. Codes are unique regardless of case; a code that orders
    /// carry keeps its name (those orders refer to it).
    fn save_discount(&mut self, actor: &str, original: Option<&str>, discount: Discount)
    -> Result<Discount, ShopError>;

    fn set_discount_active(&mut self, actor: &str, code: &str, active: bool) -> Result<Discount, ShopError>;

    /// Deletes a code no order carries (one that was used is deactivated instead).
    fn delete_discount(&mut self, actor: &str, code: &str) -> Result<Discount, ShopError>;

    /// Every code with its uses so far (orders not cancelled), in file order.
    fn discounts_with_uses(&self) -> Vec<(Discount, u32)>;

    /// Replaces the shop's settings (checked as the loader checks them).
    fn save_settings(&mut self, actor: &str, settings: Settings) -> Result<Settings, ShopError>;
}

impl StoreRules for Store {
    fn register(&mut self, username: &str, password: &str) -> Result<User, ShopError> {
        self.check_new_account(username, password)?;
        // Hash outside the lock: it is the slow part.
        let hash = hash_password(password)?;
        self.create_account(username, hash)
    }

    fn check_new_account(&mut self, username: &str, password: &str) -> Result<(), ShopError> {
        validate_username(username)?;
        validate_password(password)?;
        self.refresh()?;
        if self.data().users.contains(username) {
            return Err(UserError::UsernameTaken.into());
        }
        Ok(())
    }

    fn create_account(&mut self, username: &str, hash: String) -> Result<User, ShopError> {
        validate_username(username)?;
        self.transact(|data, now| rules::accounts::create_account(data, now, username, hash))
    }

    fn login(&mut self, username: &str, password: &str) -> Result<User, ShopError> {
        let user = self.account_for_login(username)?;
        match check_password(user.as_ref(), password) {
            PasswordCheck::Matches => user.ok_or(ShopError::BadCredentials),
            PasswordCheck::MatchesPlaintext => {
                let hash = hash_password(password)?;
                self.upgrade_plaintext(username, password, hash)
            }
            PasswordCheck::Wrong => Err(ShopError::BadCredentials),
        }
    }

    fn account_for_login(&mut self, username: &str) -> Result<Option<User>, ShopError> {
        // A busy folder: the caller waits (an account made meanwhile by
        // another copy must be found).
        self.refresh()?;
        Ok(self.data().users.get(username).cloned())
    }

    fn upgrade_plaintext(&mut self, username: &str, password: &str, hash: String) -> Result<User, ShopError> {
        self.transact(|data, _| rules::accounts::upgrade_plaintext(data, username, password, hash))
    }

    fn add_admin(&mut self, username: &str, password: &str) -> Result<AdminOutcome, ShopError> {
        validate_username(username)?;
        self.refresh()?;
        let hash = match self.data().users.get(username) {
            Some(_) => None,
            None => {
                validate_password(password)?;
                Some(hash_password(password)?)
            }
        };
        self.transact(|data, now| rules::accounts::add_admin(data, now, username, hash))
    }

    fn add_to_cart(&mut self, username: &str, product_id: &str, qty: u32) -> Result<Cart, ShopError> {
        self.transact(|data, _| rules::carts::add(data, username, product_id, qty))
    }

    fn set_cart_qty(&mut self, username: &str, product_id: &str, qty: u32) -> Result<Cart, ShopError> {
        self.transact(|data, _| rules::carts::set_qty(data, username, product_id, qty))
    }

    fn remove_from_cart(&mut self, username: &str, product_id: &str) -> Result<Cart, ShopError> {
        self.transact(|data, _| rules::carts::remove(data, username, product_id))
    }

    fn accept_adjusted_cart(&mut self, username: &str) -> Result<Cart, ShopError> {
        self.transact(|data, _| rules::carts::accept_adjusted(data, username))
    }

    fn checkout(&mut self, username: &str, request: &CheckoutRequest) -> Result<Order, ShopError> {
        self.transact(|data, now| {
            let order_id = next_order_id(data.orders.rows().iter().map(|o| o.order_id.as_str()));
            rules::checkout::checkout(data, now, username, order_id, request)
        })
    }

    fn apply_code(&mut self, username: &str, typed: &str) -> Result<Discount, ShopError> {
        self.transact(|data, now| rules::checkout::apply_code(data, now, username, typed).map(|code| (code, vec![])))
    }

    fn cancel_order(&mut self, actor: &str, order_id: &str) -> Result<Order, ShopError> {
        self.set_order_status(actor, order_id, OrderStatus::Cancelled)
    }

    fn set_order_status(&mut self, actor: &str, order_id: &str, to: OrderStatus) -> Result<Order, ShopError> {
        self.move_order(actor, order_id, to, None)
    }

    fn move_order(
        &mut self,
        actor: &str,
        order_id: &str,
        to: OrderStatus,
        tracking: Option<&str>,
    ) -> Result<Order, ShopError> {
        self.transact(|data, now| rules::orders::move_order(data, now, Actor::Account(actor), order_id, to, tracking))
    }

    fn create_product(&mut self, actor: &str, draft: ProductDraft) -> Result<Product, ShopError> {
        self.transact(|data, now| rules::catalog::create_product(data, now, Actor::Account(actor), draft))
    }

    fn update_product(
        &mut self,
        actor: &str,
        product_id: &str,
        seen: &ProductDetails,
        wanted: ProductDetails,
    ) -> Result<Product, ShopError> {
        self.transact(|data, now| {
            rules::catalog::update_product(data, now, Actor::Account(actor), product_id, seen, wanted)
        })
    }

    fn change_stock(&mut self, actor: &str, product_id: &str, change: i64) -> Result<Product, ShopError> {
        self.transact(|data, now| rules::catalog::change_stock(data, now, Actor::Account(actor), product_id, change))
    }

    fn set_product_active(&mut self, actor: &str, product_id: &str, active: bool) -> Result<Product, ShopError> {
        self.transact(|data, now| {
            rules::catalog::set_product_active(data, now, Actor::Account(actor), product_id, active)
        })
    }

    fn delete_product(&mut self, actor: &str, product_id: &str) -> Result<Product, ShopError> {
        self.transact(|data, _| rules::catalog::delete_product(data, Actor::Account(actor), product_id))
    }

    fn write_receipt(&mut self, actor: &str, order_id: &str, shop_name: &str) -> Result<PathBuf, ShopError> {
        self.refresh()?;
        let text = rules::orders::receipt(self.data(), Actor::Account(actor), order_id, shop_name)?;
        shopfront::receipts::write(&self.dir().join(shopfront::receipts::RECEIPTS_DIR), order_id, &text)
    }

    fn link_key(&mut self, username: &str, fingerprint: &str) -> Result<(), ShopError> {
        self.transact(|data, _| rules::accounts::link_key(data, username, fingerprint))
    }

    fn forget_key(&mut self, username: &str, fingerprint: &str) -> Result<(), ShopError> {
        self.transact(|data, _| rules::accounts::forget_key(data, username, fingerprint))
    }

    fn save_discount(
        &mut self,
        actor: &str,
        original: Option<&str>,
        discount: Discount,
    ) -> Result<Discount, ShopError> {
        let actor = Actor::Account(actor);
        self.transact(|data, now| rules::codes::save_discount(data, now, actor, original, discount))
    }

    fn set_discount_active(&mut self, actor: &str, code: &str, active: bool) -> Result<Discount, ShopError> {
        self.transact(|data, now| rules::codes::set_discount_active(data, now, Actor::Account(actor), code, active))
    }

    fn delete_discount(&mut self, actor: &str, code: &str) -> Result<Discount, ShopError> {
        self.transact(|data, _| rules::codes::delete_discount(data, Actor::Account(actor), code))
    }

    fn discounts_with_uses(&self) -> Vec<(Discount, u32)> {
        // In memory: the reads cannot fail.
        rules::codes::discounts_with_uses(self.data()).unwrap_or_default()
    }

    fn save_settings(&mut self, actor: &str, settings: Settings) -> Result<Settings, ShopError> {
        settings.validate().map_err(ShopError::Invalid)?;
        self.transact(|data, now| rules::settings::change_settings(data, now, Actor::Account(actor), |_| Ok(settings)))
    }
}

//! The loaded contents of the data folder.

use super::files::FileKind;
use super::journal::Change;
use super::table::Table;
use crate::domain::discount::Uses;
use crate::domain::{Cart, Discount, Order, Product, Settings, User};
use crate::repo::{ReadTx, RepoError};

#[derive(Clone, Debug, Default)]
pub struct Data {
    pub users: Table<User>,
    pub products: Table<Product>,
    pub carts: Table<Cart>,
    pub orders: Table<Order>,
    pub discounts: Table<Discount>,
    /// The defaults when settings.json does not exist.
    pub settings: Settings,
}

impl Data {
    pub fn apply(&mut self, change: Change) {
        match change {
            Change::PutUser(user) => self.users.put(user),
            Change::PutProduct(product) => self.products.put(product),
            Change::DeleteProduct(id) => {
                self.products.remove(&id);
            }
            Change::PutCart(cart) => self.carts.put(cart),
            Change::PutOrder(order) => self.orders.put(order),
            Change::PutDiscount(discount) => self.discounts.put(discount),
            Change::DeleteDiscount(code) => {
                self.discounts.remove(&code);
            }
            Change::PutSettings(settings) => self.settings = settings,
        }
    }

    /// A user's orders, newest first.
    pub fn orders_of(&self, username: &str) -> Vec<&Order> {
        let key = username.to_lowercase();
        let mut orders: Vec<&Order> = self.orders.rows().iter().filter(|o| placed_by(o, &key)).collect();
        sort_newest_first(&mut orders);
        orders
    }

    /// Every order, newest first.
    pub fn all_orders(&self) -> Vec<&Order> {
        let mut orders: Vec<&Order> = self.orders.rows().iter().collect();
        sort_newest_first(&mut orders);
        orders
    }

    /// How often discount `code` was used: by anyone and by `username`
    /// (orders not cancelled that carry it).
    pub fn uses_of(&self, code: &str, username: &str) -> Uses {
        let key = username.to_lowercase();
        self.orders.rows().iter().filter(|o| o.uses_code(code)).fold(Uses::default(), |uses, order| Uses {
            total: uses.total.saturating_add(1),
            by_you: uses.by_you.saturating_add(u32::from(placed_by(order, &key))),
        })
    }

    pub fn cart_of(&self, username: &str) -> Cart {
        self.carts.get(username).cloned().unwrap_or_else(|| Cart::new(username))
    }

    pub fn count(&self, kind: FileKind) -> usize {
        match kind {
            FileKind::Users => self.users.len(),
            FileKind::Products => self.products.len(),
            FileKind::Carts => self.carts.len(),
            FileKind::Orders => self.orders.len(),
            FileKind::Discounts => self.discounts.len(),
            FileKind::Settings => 1,
        }
    }
}

/// Whether `order` is the account's whose lowercased name is `lowercase`
/// (as the databases match an order's owner), without lowercasing the
/// order's name into a new string when it is ASCII.
fn placed_by(order: &Order, lowercase: &str) -> bool {
    let name = order.username.as_str();
    if name.is_ascii() {
        name.len() == lowercase.len() && name.bytes().zip(lowercase.bytes()).all(|(a, b)| a.to_ascii_lowercase() == b)
    } else {
        name.to_lowercase() == lowercase
    }
}

fn sort_newest_first(orders: &mut [&Order]) {
    // Same second: the later id first (ids grow); ties of odd ids keep file order.
    orders.sort_by_cached_key(|order| crate::domain::order::newest_first_key(order));
}

/// The loaded folder as a read transaction: every read is in memory and
/// cannot fail.
impl ReadTx for Data {
    fn account(&self, username: &str) -> Result<Option<User>, RepoError> {
        Ok(self.users.get(username).cloned())
    }

    fn accounts_with_key(&self, fingerprint: &str) -> Result<Vec<User>, RepoError> {
        Ok(self.users.rows().iter().filter(|u| u.ssh_keys.iter().any(|k| k == fingerprint)).cloned().collect())
    }

    fn product(&self, product_id: &str) -> Result<Option<Product>, RepoError> {
        Ok(self.products.get(product_id).cloned())
    }

    fn each_product(&self, visit: &mut dyn FnMut(&Product)) -> Result<(), RepoError> {
        self.products.rows().iter().for_each(visit);
        Ok(())
    }

    fn each_account(&self, visit: &mut dyn FnMut(&User)) -> Result<(), RepoError> {
        self.users.rows().iter().for_each(visit);
        Ok(())
    }

    fn each_cart(&self, visit: &mut dyn FnMut(&Cart)) -> Result<(), RepoError> {
        self.carts.rows().iter().for_each(visit);
        Ok(())
    }

    fn cart(&self, username: &str) -> Result<Option<Cart>, RepoError> {
        Ok(self.carts.get(username).cloned())
    }

    fn carts_holding(&self, product_id: &str) -> Result<Vec<Cart>, RepoError> {
        let holding = |cart: &&Cart| cart.items.iter().any(|line| line.product_id == product_id);
        Ok(self.carts.rows().iter().filter(holding).cloned().collect())
    }

    fn discount(&self, code: &str) -> Result<Option<Discount>, RepoError> {
        Ok(crate::domain::discount::find(self.discounts.rows(), code).cloned())
    }

    fn discounts(&self) -> Result<Vec<Discount>, RepoError> {
        Ok(self.discounts.rows().to_vec())
    }

    fn settings(&self) -> Result<Settings, RepoError> {
        Ok(self.settings.clone())
    }

    fn order(&self, order_id: &str) -> Result<Option<Order>, RepoError> {
        Ok(self.orders.get(order_id).cloned())
    }

    fn orders_of(&self, username: &str) -> Result<Vec<Order>, RepoError> {
        Ok(Data::orders_of(self, username).into_iter().cloned().collect())
    }

    fn order_by_checkout_key(&self, username: &str, key: &str) -> Result<Option<Order>, RepoError> {
        let name = username.to_lowercase();
        let placed = |o: &&Order| o.checkout_key.as_deref() == Some(key) && placed_by(o, &name);
        Ok(self.orders.rows().iter().find(placed).cloned())
    }

    fn each_order(&self, visit: &mut dyn FnMut(&Order)) -> Result<(), RepoError> {
        self.orders.rows().iter().for_each(visit);
        Ok(())
    }

    fn code_uses(&self, code: &str, username: &str) -> Result<Uses, RepoError> {
        Ok(self.uses_of(code, username))
    }

    fn orders_carrying(&self, code: &str) -> Result<usize, RepoError> {
        Ok(self.orders.rows().iter().filter(|o| o.carries_code(code)).count())
    }

    fn ever_ordered(&self, product_id: &str) -> Result<bool, RepoError> {
        Ok(self.orders.rows().iter().flat_map(|o| &o.items).any(|line| line.product_id == product_id))
    }
}

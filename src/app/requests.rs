//! What the app asks of the shop, as data. An action sends a request to the
//! session's worker (`worker.rs`), which performs it off the UI thread; the
//! outcome comes back through `poll_results` and `finish` shows it. While
//! another copy of Shopfront holds the data folder the worker waits and the
//! screen says so; Esc drops what waits (nothing of it is made).

use std::fmt;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use super::worker::Done;
use super::*;
use crate::domain::checkout::CheckoutRequest;
use crate::domain::{Currency, Order, OrderStatus, ProductDetails, ProductDraft, Settings};
use crate::shop::{Account, Profile, Shop, ShopError};

/// One change to the shop, with everything it needs captured when asked.
pub enum Request {
    /// Pick up changes made elsewhere and read the session's view again.
    Refresh,
    LogIn {
        username: String,
        password: String,
        /// The network address the session comes from (SSH), if any.
        origin: Option<String>,
    },
    CreateAccount {
        username: String,
        password: String,
    },
    AddToCart {
        product_id: String,
        qty: u32,
    },
    SetCartQty {
        product_id: String,
        qty: u32,
    },
    RemoveFromCart {
        product_id: String,
    },
    /// Read the saved addresses and cards, to start the checkout.
    StartCheckout,
    /// Which account the session's SSH key is linked to.
    KeyLogin {
        fingerprint: String,
    },
    LinkKey {
        fingerprint: String,
    },
    ForgetKey {
        fingerprint: String,
    },
    ApplyCode {
        code: String,
    },
    PlaceOrder {
        order: Box<CheckoutRequest>,
    },
    AcceptAdjustments,
    CancelOrder {
        order_id: String,
    },
    /// Only from a local session, into its receipts folder.
    WriteReceipt {
        order_id: String,
        folder: std::path::PathBuf,
    },
    SetProductActive {
        product_id: String,
        active: bool,
    },
    CreateProduct {
        draft: ProductDraft,
    },
    UpdateProduct {
        product_id: String,
        seen: ProductDetails,
        wanted: ProductDetails,
    },
    ChangeStock {
        product_id: String,
        change: i64,
    },
    AdvanceOrder {
        order_id: String,
        to: OrderStatus,
        tracking: Option<String>,
    },
    DeleteProduct {
        product_id: String,
    },
    /// Before asking "Delete … for good?": whether any order holds the
    /// product, by the latest orders (not this session's last view of them).
    CheckDeletable {
        product_id: String,
        name: String,
    },
    LoadDiscounts,
    SaveDiscount {
        original: Option<String>,
        discount: Discount,
    },
    SetDiscountActive {
        code: String,
        active: bool,
    },
    DeleteDiscount {
        code: String,
    },
    SaveSettings {
        settings: Settings,
    },
}

impl fmt::Debug for Request {
    // Never print a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Request::Refresh => write!(f, "Refresh"),
            Request::LogIn { username, .. } => write!(f, "LogIn({username})"),
            Request::CreateAccount { username, .. } => write!(f, "CreateAccount({username})"),
            Request::AddToCart { product_id, qty } => write!(f, "AddToCart({product_id} × {qty})"),
            Request::SetCartQty { product_id, qty } => write!(f, "SetCartQty({product_id} = {qty})"),
            Request::RemoveFromCart { product_id } => write!(f, "RemoveFromCart({product_id})"),
            Request::StartCheckout => write!(f, "StartCheckout"),
            Request::KeyLogin { .. } => write!(f, "KeyLogin"),
            Request::LinkKey { .. } => write!(f, "LinkKey"),
            Request::ForgetKey { .. } => write!(f, "ForgetKey"),
            Request::ApplyCode { code } => write!(f, "ApplyCode({code})"),
            Request::PlaceOrder { order } => {
                // Debug output names no shop: the total without a symbol.
                let total = order.seen.total.shown(&Currency::PLAIN);
                write!(f, "PlaceOrder({} lines, {total})", order.seen.lines.len())
            }
            Request::AcceptAdjustments => write!(f, "AcceptAdjustments"),
            Request::CancelOrder { order_id } => write!(f, "CancelOrder({order_id})"),
            Request::WriteReceipt { order_id, .. } => write!(f, "WriteReceipt({order_id})"),
            Request::SetProductActive { product_id, active } => write!(f, "SetProductActive({product_id}, {active})"),
            Request::CreateProduct { draft } => write!(f, "CreateProduct({})", draft.details.name),
            Request::UpdateProduct { product_id, .. } => write!(f, "UpdateProduct({product_id})"),
            Request::ChangeStock { product_id, change } => write!(f, "ChangeStock({product_id} {change:+})"),
            Request::AdvanceOrder { order_id, to, .. } => write!(f, "AdvanceOrder({order_id} → {to})"),
            Request::DeleteProduct { product_id } => write!(f, "DeleteProduct({product_id})"),
            Request::CheckDeletable { product_id, .. } => write!(f, "CheckDeletable({product_id})"),
            Request::LoadDiscounts => write!(f, "LoadDiscounts"),
            Request::SaveDiscount { discount, .. } => write!(f, "SaveDiscount({})", discount.code),
            Request::SetDiscountActive { code, active } => write!(f, "SetDiscountActive({code}, {active})"),
            Request::DeleteDiscount { code } => write!(f, "DeleteDiscount({code})"),
            Request::SaveSettings { .. } => write!(f, "SaveSettings"),
        }
    }
}

impl Request {
    /// A form or login submit: asking twice while the first still waits
    /// would do it twice (two new products), so a second one is ignored.
    fn is_submit(&self) -> bool {
        matches!(
            self,
            Request::LogIn { .. }
                | Request::CreateAccount { .. }
                | Request::CreateProduct { .. }
                | Request::UpdateProduct { .. }
                | Request::ChangeStock { .. }
                | Request::PlaceOrder { .. }
                | Request::ApplyCode { .. }
                | Request::SaveDiscount { .. }
                | Request::SaveSettings { .. }
        )
    }
}

/// What a performed request gave back.
pub enum Outcome {
    Refreshed,
    Account(Account),
    Cart(Cart),
    Order(Order),
    Product(Product),
    Receipt(PathBuf),
    Code(Discount),
    Profile(Profile),
    Discounts(Vec<(Discount, u32)>),
    Settings(Settings),
    KeyAccount(Option<Account>),
    /// Whether an order holds the product asked about.
    Ordered(bool),

    Done,
}

impl App {
    /// Sends a change (or a refresh) to the worker for the logged-in account.
    pub(super) fn request(&mut self, request: Request) {
        if request.is_submit() {
            // A second submit while the first is under way would do it twice.
            if self.submits_in_flight > 0 {
                return;
            }
            self.submits_in_flight += 1;
        }
        if matches!(request, Request::Refresh) {
            if self.refresh_in_flight {
                return;
            }
            self.refresh_in_flight = true;
        }
        self.busy_since.get_or_insert_with(Instant::now);
        let actor = self.session.clone();
        self.worker.send(actor, request);
    }

    /// Sends a request on behalf of `account` (about to be the session's).
    pub(super) fn request_as(&mut self, account: &Account, request: Request) {
        self.busy_since.get_or_insert_with(Instant::now);
        self.worker.send(Some(account.clone()), request);
    }

    /// Shows every outcome the worker has sent back, and takes the shop's
    /// change notices (asking for a fresh view). Returns whether anything
    /// changed on screen (then the app needs drawing again).
    pub fn poll_results(&mut self) -> bool {
        let mut changed = self.take_notices();
        // Before the login's answer, which ends the countdown.
        if let Some(until) = self.worker.take_login_wait() {
            self.login_waits(until);
            changed = true;
        }
        while let Some(done) = self.worker.try_done() {
            self.apply(done);
            changed = true;
        }
        self.redraw |= changed;
        changed
    }

    /// Waits (up to 10 s) until every request sent so far has been answered
    /// and shown, after first picking up changes made elsewhere: tests drive
    /// the app with this after each key, as a person waits for the screen.
    pub fn settle(&mut self) {
        if self.session.is_some() {
            self.request(Request::Refresh);
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.worker.in_flight() > 0 && Instant::now() < deadline {
            if let Some(done) = self.worker.wait_done(Duration::from_millis(10)) {
                self.apply(done);
            }
        }
        self.poll_results();
    }

    /// Takes the change notices; returns whether what the screen shows
    /// changed (the catalog, or the prices and the shop's name); a change
    /// to this session's cart or orders is read again, and drawn when the
    /// answer comes.
    fn take_notices(&mut self) -> bool {
        let mut changed = Changed::default();
        while let Ok(notice) = self.notices.try_recv() {
            changed.merge(&notice);
        }
        if changed.catalog {
            self.take_catalog();
        }
        if changed.pricing {
            // New shipping or tax: every figure on screen follows.
            self.settings = self.shop.settings();
            self.requote();
        }
        if (changed.pricing || changed.orders.any()) && self.screen == Screen::AdminDiscounts {
            self.request(Request::LoadDiscounts);
        }
        // Only what is this session's own is read again (an admin's is
        // every order): one shopper's change does not send every session
        // to the store.
        if let Some(account) = &self.session {
            let me = account.username();
            let mine = changed.carts.includes(me) || changed.orders.includes(me);
            if mine || (account.is_admin() && changed.orders.any()) {
                self.stats.rereads += 1;
                self.request(Request::Refresh);
            }
        }
        changed.catalog || changed.pricing
    }

    fn apply(&mut self, done: Done) {
        if done.request.is_submit() {
            self.submits_in_flight = self.submits_in_flight.saturating_sub(1);
        }
        if matches!(done.request, Request::Refresh) {
            self.refresh_in_flight = false;
        }
        if self.worker.in_flight() == 0 {
            self.busy_since = None;
        }
        if done.cancelled {
            return;
        }
        if let Some(view) = done.view {
            self.take_view(view);
        }
        self.take_catalog();
        self.finish(done.request, done.outcome);
    }

    /// Esc while requests wait: none of them is performed.
    pub(super) fn stop_waiting(&mut self) {
        let dropped = self.worker.cancel_all();
        if let Some(Form::Product(form)) = self.form.as_mut() {
            form.error = None;
        }
        let what = if dropped == 1 { "1 change".to_string() } else { format!("{dropped} changes") };
        self.info(format!("Stopped waiting: {what} not made"));
    }

    /// Shows what came of a request.
    fn finish(&mut self, request: Request, outcome: Result<Outcome, ShopError>) {
        self.log_login(&request, &outcome);
        match (request, outcome) {
            (Request::Refresh, Ok(_)) => {}
            (Request::Refresh, Err(err)) => self.shop_error(&err),
            (Request::LogIn { .. } | Request::CreateAccount { .. }, Ok(Outcome::Account(account))) => {
                self.logged_in(account)
            }
            (Request::LogIn { .. } | Request::CreateAccount { .. }, Err(err)) => self.login_failed(err),
            (Request::AddToCart { product_id, qty }, Ok(Outcome::Cart(cart))) => {
                let name = self.product_name(&product_id);
                let total = cart.qty_of(&product_id);
                self.info(format!("Added {qty} × {name} to your cart ({total} in cart)"));
            }
            (Request::RemoveFromCart { product_id }, Ok(_)) => {
                let name = self.product_name(&product_id);
                self.info(format!("Removed {name} from your cart"));
            }
            (Request::SetCartQty { .. }, Ok(_)) => {}
            (Request::StartCheckout, Ok(Outcome::Profile(profile))) => self.checkout_started(profile),
            (Request::KeyLogin { .. }, Ok(Outcome::KeyAccount(account))) => self.key_account(account),
            (Request::LinkKey { .. }, Ok(_)) => {
                self.key_linked = true;
                let name = self.username().unwrap_or_default().to_string();
                self.info(format!("Your SSH key now logs you in as {name} (log out to forget it)"));
            }
            (Request::ForgetKey { .. }, Ok(_)) => {
                self.log_out();
                self.info("Logged out; your SSH key no longer logs you in");
            }
            (Request::ApplyCode { .. }, Ok(Outcome::Code(discount))) => self.code_applied(discount),
            (Request::ApplyCode { .. }, Err(err)) if err.kind() == crate::shop::ErrorKind::Refused => {
                self.fields_form_error(Some(0), err.to_string());
            }
            (Request::PlaceOrder { .. }, Ok(Outcome::Order(order))) => {
                let total = order.total.shown(&self.settings.currency()).to_string();
                self.info(format!("Order {} placed and paid — {total}", order.order_id));
                self.order_placed(order);
            }
            (Request::PlaceOrder { .. }, Err(ShopError::Checkout(problems))) => {
                if problems.iter().any(|p| matches!(p, Problem::CodeNoLongerApplies(_))) {
                    self.drop_promo();
                }
                self.dialog = Some(Dialog::CheckoutProblems { problems });
            }
            (Request::PlaceOrder { .. }, Err(err @ (ShopError::Declined(_) | ShopError::Card(_)))) => {
                self.payment_failed(err.to_string());
            }
            (Request::AcceptAdjustments, Ok(Outcome::Cart(cart))) => self.review_again(cart),
            (Request::CancelOrder { .. }, Ok(Outcome::Order(order))) => {
                // Money first; stock is the shop's concern.
                let mut said = format!("Order {}: {}", order.order_id, order.cancellation(&self.settings.currency()));
                if self.is_admin() {
                    said.push_str(&format!(" · {} back in stock", plural_items(order.item_count())));
                }
                self.info(said)
            }
            (Request::WriteReceipt { .. }, Ok(Outcome::Receipt(path))) => {
                // Only ever a local session's own folder (never asked for over SSH).
                let path = path.display().to_string();
                self.info(format!("Receipt written to {}", crate::domain::text::printable(&path)));
            }
            (Request::SetProductActive { .. }, Ok(Outcome::Product(done))) if done.active => {
                self.info(format!("{} {} is on sale again", done.product_id, done.name));
            }
            (Request::SetProductActive { .. }, Ok(Outcome::Product(done))) => {
                self.info(format!("Archived {} {}: no longer sold", done.product_id, done.name));
            }
            (Request::CreateProduct { .. } | Request::UpdateProduct { .. }, Ok(Outcome::Product(product))) => {
                self.product_saved(&product);
            }
            (Request::ChangeStock { change, .. }, Ok(Outcome::Product(product))) => {
                if matches!(self.form, Some(Form::Stock(_))) {
                    self.form = None;
                }
                let was = i64::from(product.stock) - change;
                self.info(format!("{} {}: stock {was} → {}", product.product_id, product.name, product.stock));
            }
            (Request::AdvanceOrder { .. }, Ok(Outcome::Order(order))) => {
                self.info(format!("Order {} is now {}", order.order_id, order.status));
            }
            (Request::LoadDiscounts, Ok(Outcome::Discounts(discounts))) => self.admin_discounts = discounts,
            (Request::SaveDiscount { original, .. }, Ok(Outcome::Code(discount))) => {
                let verb = if original.is_some() { "Saved" } else { "Created" };
                let benefit = discount.benefit(&self.settings.currency());
                self.pricing_saved(format!("{verb} code {}: {benefit}", discount.code));
            }
            (Request::SetDiscountActive { .. }, Ok(Outcome::Code(discount))) => {
                let state = if discount.active { "active" } else { "inactive" };
                self.pricing_saved(format!("Code {} is {state}", discount.code));
            }
            (Request::DeleteDiscount { .. }, Ok(Outcome::Code(discount))) => {
                self.pricing_saved(format!("Deleted code {}", discount.code));
            }
            (Request::SaveSettings { .. }, Ok(Outcome::Settings(settings))) => {
                self.settings = Arc::new(settings);
                self.requote();
                self.pricing_saved("Settings saved".to_string());
            }
            (Request::SaveDiscount { .. } | Request::SaveSettings { .. }, Err(err))
                if err.kind() == crate::shop::ErrorKind::Refused =>
            {
                self.fields_form_error(None, err.to_string());
            }
            (Request::DeleteProduct { .. }, Ok(Outcome::Product(product))) => {
                self.info(format!("Deleted {} {}", product.product_id, product.name));
            }
            (Request::CheckDeletable { product_id, name }, Ok(Outcome::Ordered(ordered))) => {
                self.deletable_checked(product_id, name, ordered);
            }
            (Request::CreateProduct { .. } | Request::UpdateProduct { .. } | Request::ChangeStock { .. }, Err(err)) => {
                self.form_failed(err);
            }
            (_, Err(err)) => self.shop_error(&err),
            (request, Ok(_)) => self.error(format!("Unexpected answer to {request:?}")),
        }
        self.refresh_views();
        self.fit_cursors();
    }
}

impl App {
    /// Logins in the server's log (when it has one): who, from where, with
    /// which key; never a password.
    fn log_login(&self, request: &Request, outcome: &Result<Outcome, ShopError>) {
        let (kind, account) = match request {
            Request::LogIn { username, .. } => ("password login", username.as_str()),
            Request::CreateAccount { username, .. } => ("sign-up", username.as_str()),
            Request::KeyLogin { .. } => ("key login", ""),
            _ => return,
        };
        let origin = self.origin.as_deref().unwrap_or("local");
        let key = self.ssh_key.as_deref().unwrap_or("none");
        // Names come from the client (or an old data file): escaped and cut.
        use crate::domain::text::for_log;
        let origin = for_log(origin);
        match outcome {
            Ok(Outcome::Account(found)) => {
                tracing::info!(account = %for_log(found.username()), origin = %origin, key, "{kind} succeeded")
            }
            Ok(Outcome::KeyAccount(Some(found))) => {
                tracing::info!(account = %for_log(found.username()), origin = %origin, key, "{kind} matched")
            }
            Ok(_) => tracing::info!(origin = %origin, key, "{kind}: key not linked"),
            Err(err) => {
                tracing::warn!(account = %for_log(account), origin = %origin, key, error = %crate::domain::text::printable(&err.to_string()), "{kind} failed")
            }
        }
    }
}

/// Performs one request on the shop for `actor` (the worker calls this).
pub(super) fn perform(shop: &dyn Shop, actor: Option<&Account>, request: &Request) -> Result<Outcome, ShopError> {
    // Every request but logging in acts as the session's account.
    let who = || actor.ok_or(ShopError::NotLoggedIn);
    Ok(match request {
        // The session's cart and orders are read after it (others' changes included).
        Request::Refresh => Outcome::Refreshed,
        Request::LogIn { username, password, origin: None } => Outcome::Account(shop.login(username, password)?),
        Request::LogIn { username, password, origin: Some(origin) } => {
            Outcome::Account(shop.login_from(origin, username, password)?)
        }
        Request::CreateAccount { username, password } => Outcome::Account(shop.register(username, password)?),
        Request::AddToCart { product_id, qty } => Outcome::Cart(shop.add_to_cart(who()?, product_id, *qty)?),
        Request::SetCartQty { product_id, qty } => Outcome::Cart(shop.set_cart_qty(who()?, product_id, *qty)?),
        Request::RemoveFromCart { product_id } => Outcome::Cart(shop.remove_from_cart(who()?, product_id)?),
        Request::StartCheckout => Outcome::Profile(shop.profile(who()?)?),
        Request::KeyLogin { fingerprint } => Outcome::KeyAccount(shop.key_account(fingerprint)?),
        Request::LinkKey { fingerprint } => {
            shop.link_key(who()?, fingerprint)?;
            Outcome::Done
        }
        Request::ForgetKey { fingerprint } => {
            shop.forget_key(who()?, fingerprint)?;
            Outcome::Done
        }
        Request::ApplyCode { code } => Outcome::Code(shop.apply_code(who()?, code)?),
        Request::PlaceOrder { order } => Outcome::Order(shop.checkout(who()?, order)?),
        Request::AcceptAdjustments => Outcome::Cart(shop.accept_adjusted_cart(who()?)?),
        Request::CancelOrder { order_id } => Outcome::Order(shop.cancel_order(who()?, order_id)?),
        Request::WriteReceipt { order_id, folder } => {
            let text = shop.receipt(who()?, order_id)?;
            Outcome::Receipt(crate::receipts::write(folder, order_id, &text)?)
        }
        Request::SetProductActive { product_id, active } => {
            Outcome::Product(shop.set_product_active(who()?, product_id, *active)?)
        }
        Request::CreateProduct { draft } => Outcome::Product(shop.create_product(who()?, draft.clone())?),
        Request::UpdateProduct { product_id, seen, wanted } => {
            Outcome::Product(shop.update_product(who()?, product_id, seen, wanted.clone())?)
        }
        Request::ChangeStock { product_id, change } => {
            Outcome::Product(shop.change_stock(who()?, product_id, *change)?)
        }
        Request::AdvanceOrder { order_id, to, tracking } => {
            Outcome::Order(shop.set_order_status(who()?, order_id, *to, tracking.as_deref())?)
        }
        Request::DeleteProduct { product_id } => Outcome::Product(shop.delete_product(who()?, product_id)?),
        Request::CheckDeletable { product_id, .. } => Outcome::Ordered(shop.all_orders(who()?)?.mention(product_id)),
        Request::LoadDiscounts => Outcome::Discounts(shop.discounts(who()?)?),
        Request::SaveDiscount { original, discount } => {
            Outcome::Code(shop.save_discount(who()?, original.as_deref(), discount.clone())?)
        }
        Request::SetDiscountActive { code, active } => {
            Outcome::Code(shop.set_discount_active(who()?, code, *active)?)
        }
        Request::DeleteDiscount { code } => Outcome::Code(shop.delete_discount(who()?, code)?),
        Request::SaveSettings { settings } => Outcome::Settings(shop.save_settings(who()?, settings.clone())?),
    })
}

//! The app's side of its requests: sending them to the session's worker
//! (`worker.rs`), which performs them off the UI thread, and showing each
//! answer as it comes back through `poll_results`. While another copy of
//! Shopfront holds the data folder the worker waits and the screen says
//! so; Esc drops what waits (nothing of it is made).

use std::time::{Duration, Instant};

use super::requests::{Answer, Request};
use super::worker::Done;
use super::*;

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
        if matches!(request, Request::Refresh {}) {
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

    /// Shows every answer the worker has sent back, and takes the shop's
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
            self.request(Request::Refresh {});
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
            self.request(Request::LoadDiscounts {});
        }
        // Only what is this session's own is read again (an admin's is
        // every order): one shopper's change does not send every session
        // to the store.
        if let Some(account) = &self.session {
            let me = account.username();
            let mine = changed.carts.includes(me) || changed.orders.includes(me);
            if mine || (account.is_admin() && changed.orders.any()) {
                self.stats.rereads += 1;
                self.request(Request::Refresh {});
            }
        }
        changed.catalog || changed.pricing
    }

    fn apply(&mut self, done: Done) {
        if done.answer.is_submit() {
            self.submits_in_flight = self.submits_in_flight.saturating_sub(1);
        }
        if matches!(done.answer, Answer::Refresh { .. }) {
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
        self.log_login(&done.answer);
        let mut answer = done.answer;
        self.withhold_detail(&mut answer);
        self.answered(answer);
        self.refresh_views();
        self.fit_cursors();
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

    /// The answer's value, or `None` after showing what went wrong.
    fn succeeded<T>(&mut self, result: Result<T, ShopError>) -> Option<T> {
        result.map_err(|err| self.shop_error(&err)).ok()
    }

    /// Shows what came of a request. One arm per operation (the compiler
    /// checks that none is missing), each with the type its request answers.
    fn answered(&mut self, answer: Answer) {
        match answer {
            Answer::Refresh { result, .. } => _ = self.succeeded(result),
            Answer::LogIn { result, .. } | Answer::CreateAccount { result, .. } => match result {
                Ok(account) => self.logged_in(account),
                Err(err) => self.login_failed(err),
            },
            Answer::AddToCart { product_id, qty, result } => {
                if let Some(cart) = self.succeeded(result) {
                    let name = self.product_name(&product_id);
                    let total = cart.qty_of(&product_id);
                    self.info(format!("Added {qty} × {name} to your cart ({total} in cart)"));
                }
            }
            Answer::RemoveFromCart { product_id, result } => {
                if self.succeeded(result).is_some() {
                    let name = self.product_name(&product_id);
                    self.info(format!("Removed {name} from your cart"));
                }
            }
            Answer::SetCartQty { result, .. } => _ = self.succeeded(result),
            Answer::StartCheckout { result } => {
                if let Some(profile) = self.succeeded(result) {
                    self.checkout_started(profile);
                }
            }
            Answer::KeyLogin { result, .. } => {
                if let Some(opened) = self.succeeded(result) {
                    self.key_login(opened);
                }
            }
            Answer::LinkKey { result, .. } => {
                if self.succeeded(result).is_some() {
                    self.key_linked = true;
                    let name = self.username().unwrap_or_default().to_string();
                    self.info(format!("Your SSH key now logs you in as {name} (log out to forget it)"));
                }
            }
            Answer::ForgetKey { result, .. } => {
                if self.succeeded(result).is_some() {
                    self.log_out();
                    self.info("Logged out; your SSH key no longer logs you in");
                }
            }
            Answer::ApplyCode { result, .. } => match result {
                Ok(discount) => self.code_applied(discount),
                Err(err) if err.kind() == crate::shop::ErrorKind::Refused => {
                    self.fields_form_error(Some(0), err.to_string());
                }
                Err(err) => self.shop_error(&err),
            },
            Answer::PlaceOrder { result, .. } => match result {
                Ok(order) => {
                    let total = order.total.shown(&self.settings.currency()).to_string();
                    self.info(format!("Order {} placed and paid — {total}", order.order_id));
                    self.order_placed(order);
                }
                Err(ShopError::Checkout(problems)) => {
                    if problems.iter().any(|p| matches!(p, Problem::CodeNoLongerApplies(_))) {
                        self.drop_promo();
                    }
                    self.dialog = Some(Dialog::CheckoutProblems { problems });
                }
                Err(err @ (ShopError::Declined(_) | ShopError::Card(_))) => self.payment_failed(err.to_string()),
                Err(err) => self.shop_error(&err),
            },
            Answer::AcceptAdjustments { result } => {
                if let Some(cart) = self.succeeded(result) {
                    self.review_again(cart);
                }
            }
            Answer::CancelOrder { result, .. } => {
                if let Some(order) = self.succeeded(result) {
                    // Money first; stock is the shop's concern.
                    let currency = self.settings.currency();
                    let mut said = format!("Order {}: {}", order.order_id, order.cancellation(&currency));
                    if self.is_admin() {
                        said.push_str(&format!(" · {} back in stock", plural_items(order.item_count())));
                    }
                    self.info(said)
                }
            }
            Answer::WriteReceipt { result, .. } => {
                if let Some(path) = self.succeeded(result) {
                    // Only ever a local session's own folder (never asked for over SSH).
                    let path = path.display().to_string();
                    self.info(format!("Receipt written to {}", crate::domain::text::printable(&path)));
                }
            }
            Answer::SetProductActive { result, .. } => match self.succeeded(result) {
                Some(done) if done.active => self.info(format!("{} {} is on sale again", done.product_id, done.name)),
                Some(done) => self.info(format!("Archived {} {}: no longer sold", done.product_id, done.name)),
                None => {}
            },
            Answer::CreateProduct { result, .. } | Answer::UpdateProduct { result, .. } => match result {
                Ok(product) => self.product_saved(&product),
                Err(err) => self.form_failed(err),
            },
            Answer::ChangeStock { change, result, .. } => match result {
                Ok(product) => {
                    if matches!(self.form, Some(Form::Stock(_))) {
                        self.form = None;
                    }
                    let was = i64::from(product.stock) - change;
                    self.info(format!("{} {}: stock {was} → {}", product.product_id, product.name, product.stock));
                }
                Err(err) => self.form_failed(err),
            },
            Answer::AdvanceOrder { result, .. } => {
                if let Some(order) = self.succeeded(result) {
                    self.info(format!("Order {} is now {}", order.order_id, order.status));
                }
            }
            Answer::LoadDiscounts { result } => {
                if let Some(discounts) = self.succeeded(result) {
                    self.discount_codes.codes = discounts;
                }
            }
            Answer::SaveDiscount { original, result, .. } => match result {
                Ok(discount) => {
                    let verb = if original.is_some() { "Saved" } else { "Created" };
                    let benefit = discount.benefit(&self.settings.currency());
                    self.pricing_saved(format!("{verb} code {}: {benefit}", discount.code));
                }
                Err(err) => self.pricing_refused(err),
            },
            Answer::SetDiscountActive { result, .. } => {
                if let Some(discount) = self.succeeded(result) {
                    let state = if discount.active { "active" } else { "inactive" };
                    self.pricing_saved(format!("Code {} is {state}", discount.code));
                }
            }
            Answer::DeleteDiscount { result, .. } => {
                if let Some(discount) = self.succeeded(result) {
                    self.pricing_saved(format!("Deleted code {}", discount.code));
                }
            }
            Answer::SaveSettings { result, .. } => match result {
                Ok(settings) => {
                    self.settings = Arc::new(settings);
                    self.requote();
                    self.pricing_saved("Settings saved".to_string());
                }
                Err(err) => self.pricing_refused(err),
            },
            Answer::DeleteProduct { result, .. } => {
                if let Some(product) = self.succeeded(result) {
                    self.info(format!("Deleted {} {}", product.product_id, product.name));
                }
            }
            Answer::CheckDeletable { product_id, name, result } => {
                if let Some(ordered) = self.succeeded(result) {
                    self.deletable_checked(product_id, name, ordered);
                }
            }
        }
    }

    /// A code or settings form the shop refused stays open and says why;
    /// anything else is shown as any shop error.
    fn pricing_refused(&mut self, err: ShopError) {
        if err.kind() == crate::shop::ErrorKind::Refused {
            self.fields_form_error(None, err.to_string());
        } else {
            self.shop_error(&err);
        }
    }

    /// Over SSH a shopper (or someone not yet logged in) is told that the
    /// shop's data broke, not where the server keeps it nor how it is
    /// reached: the detail goes to the server's log, for its owner. Local
    /// sessions run at the machine that holds the data, and admins run the
    /// shop: they are told all.
    fn withhold_detail(&self, answer: &mut Answer) {
        let Some(origin) = self.origin.as_deref() else { return };
        if self.is_admin() {
            return;
        }
        let Some(err) = answer.error_mut() else { return };
        let Some(general) = refusal::without_detail(err) else { return };
        use crate::domain::text::{for_log, printable};
        tracing::error!(origin = %for_log(origin), error = %printable(&err.to_string()), "shown to the shopper without its detail");
        *err = general;
    }

    /// Logins in the server's log (when it has one): who, from where, with
    /// which key; never a password.
    fn log_login(&self, answer: &Answer) {
        let (kind, account, result) = match answer {
            Answer::LogIn { username, result, .. } => {
                ("password login", username.as_str(), result.as_ref().map(|found| Some(found.username())))
            }
            Answer::CreateAccount { username, result, .. } => {
                ("sign-up", username.as_str(), result.as_ref().map(|found| Some(found.username())))
            }
            Answer::KeyLogin { result, .. } => {
                ("key login", "", result.as_ref().map(|opened| opened.as_ref().map(KeyLogin::username)))
            }
            _ => return,
        };
        let origin = self.origin.as_deref().unwrap_or("local");
        let key = self.ssh_key.as_deref().unwrap_or("none");
        // Names come from the client (or an old data file): escaped and cut.
        use crate::domain::text::for_log;
        let origin = for_log(origin);
        match result {
            Ok(Some(found)) if kind == "key login" => {
                tracing::info!(account = %for_log(found), origin = %origin, key, "{kind} matched")
            }
            Ok(Some(found)) => {
                tracing::info!(account = %for_log(found), origin = %origin, key, "{kind} succeeded")
            }
            Ok(None) => tracing::info!(origin = %origin, key, "{kind}: key not linked"),
            Err(err) => {
                tracing::warn!(account = %for_log(account), origin = %origin, key, error = %crate::domain::text::printable(&err.to_string()), "{kind} failed")
            }
        }
    }
}

//! Changes the app asks of the store, as data. An action queues a request;
//! `run_requests` performs them in order after the action, without ever
//! waiting for the folder lock: while another copy of Shopfront holds it, the
//! requests wait in line (a notice says so, Esc drops them) and are retried
//! on the next tick, and the screen keeps answering keys meanwhile.

use std::collections::VecDeque;
use std::fmt;
use std::path::PathBuf;
use std::time::Instant;

use super::*;
use crate::domain::{CartLine, Order, OrderStatus, ProductDetails, ProductDraft, User};

/// One change to the shop, with everything it needs captured when asked.
pub enum Request {
    LogIn { username: String, password: String },
    CreateAccount { username: String, password: String },
    AddToCart { product_id: String, qty: u32 },
    SetCartQty { product_id: String, qty: u32 },
    RemoveFromCart { product_id: String },
    PlaceOrder { seen: Vec<CartLine> },
    AcceptAdjustments,
    CancelOrder { order_id: String },
    WriteReceipt { order_id: String },
    SetProductActive { product_id: String, active: bool },
    CreateProduct { draft: ProductDraft },
    UpdateProduct { product_id: String, seen: ProductDetails, wanted: ProductDetails },
    ChangeStock { product_id: String, change: i64 },
    AdvanceOrder { order_id: String, to: OrderStatus },
    DeleteProduct { product_id: String },
}

impl fmt::Debug for Request {
    // Never print a password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Request::LogIn { username, .. } => write!(f, "LogIn({username})"),
            Request::CreateAccount { username, .. } => write!(f, "CreateAccount({username})"),
            Request::AddToCart { product_id, qty } => write!(f, "AddToCart({product_id} × {qty})"),
            Request::SetCartQty { product_id, qty } => write!(f, "SetCartQty({product_id} = {qty})"),
            Request::RemoveFromCart { product_id } => write!(f, "RemoveFromCart({product_id})"),
            Request::PlaceOrder { seen } => write!(f, "PlaceOrder({} lines)", seen.len()),
            Request::AcceptAdjustments => write!(f, "AcceptAdjustments"),
            Request::CancelOrder { order_id } => write!(f, "CancelOrder({order_id})"),
            Request::WriteReceipt { order_id } => write!(f, "WriteReceipt({order_id})"),
            Request::SetProductActive { product_id, active } => write!(f, "SetProductActive({product_id}, {active})"),
            Request::CreateProduct { draft } => write!(f, "CreateProduct({})", draft.details.name),
            Request::UpdateProduct { product_id, .. } => write!(f, "UpdateProduct({product_id})"),
            Request::ChangeStock { product_id, change } => write!(f, "ChangeStock({product_id} {change:+})"),
            Request::AdvanceOrder { order_id, to } => write!(f, "AdvanceOrder({order_id} → {to})"),
            Request::DeleteProduct { product_id } => write!(f, "DeleteProduct({product_id})"),
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
        )
    }
}

/// What a performed request gave back.
enum Outcome {
    User(User),
    Cart(Cart),
    Order(Order),
    Product(Product),
    Receipt(PathBuf),
}

/// The queue of requests not performed yet, and since when they wait.
#[derive(Debug, Default)]
pub struct Requests {
    queue: VecDeque<(Option<String>, Request)>,
    waiting_since: Option<Instant>,
}

impl Requests {
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// Since when the first request has been waiting for another copy.
    pub fn waiting_since(&self) -> Option<Instant> {
        self.waiting_since
    }
}

impl App {
    /// Queues a change for the logged-in account (performed by `run_requests`).
    pub(super) fn request(&mut self, request: Request) {
        if request.is_submit() && self.requests.queue.iter().any(|(_, r)| r.is_submit()) {
            return;
        }
        let actor = self.username().map(str::to_string);
        self.requests.queue.push_back((actor, request));
    }

    /// Performs queued requests in order until one finds the folder busy.
    pub fn run_requests(&mut self) {
        while let Some((actor, request)) = self.requests.queue.pop_front() {
            match perform(&mut self.store, actor.as_deref().unwrap_or_default(), &request) {
                Err(StoreError::Busy) => {
                    self.requests.queue.push_front((actor, request));
                    self.requests.waiting_since.get_or_insert_with(Instant::now);
                    return;
                }
                outcome => {
                    self.requests.waiting_since = None;
                    self.finish(request, outcome);
                }
            }
        }
    }

    /// Esc while requests wait: none of them is performed.
    pub(super) fn stop_waiting(&mut self) {
        let dropped = self.requests.queue.len();
        self.requests = Requests::default();
        if let Some(Form::Product(form)) = self.form.as_mut() {
            form.error = None;
        }
        let what = if dropped == 1 { "1 change".to_string() } else { format!("{dropped} changes") };
        self.info(format!("Stopped waiting: {what} not made"));
    }

    /// Shows what came of a request.
    fn finish(&mut self, request: Request, outcome: Result<Outcome, StoreError>) {
        match (request, outcome) {
            (Request::LogIn { .. } | Request::CreateAccount { .. }, Ok(Outcome::User(user))) => self.logged_in(user),
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
            (Request::PlaceOrder { .. }, Ok(Outcome::Order(order))) => {
                self.cart = ListCursor::default();
                self.info(format!("Order {} placed — {}", order.order_id, order.total));
            }
            (Request::PlaceOrder { .. }, Err(StoreError::Checkout(problems))) => {
                self.dialog = Some(Dialog::CheckoutProblems { problems });
            }
            (Request::AcceptAdjustments, Ok(Outcome::Cart(cart))) => self.confirm_checkout(cart),
            (Request::CancelOrder { .. }, Ok(Outcome::Order(order))) => self.info(format!(
                "Order {} cancelled — {} back in stock",
                order.order_id,
                plural_items(order.item_count())
            )),
            (Request::WriteReceipt { .. }, Ok(Outcome::Receipt(path))) => {
                self.info(format!("Receipt written to {}", path.display()));
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
            (Request::DeleteProduct { .. }, Ok(Outcome::Product(product))) => {
                self.info(format!("Deleted {} {}", product.product_id, product.name));
            }
            (Request::CreateProduct { .. } | Request::UpdateProduct { .. } | Request::ChangeStock { .. }, Err(err)) => {
                self.form_failed(err);
            }
            (_, Err(err)) => self.error(err.to_string()),
            (request, Ok(_)) => self.error(format!("Unexpected answer to {request:?}")),
        }
        self.refresh_views();
        self.fit_cursors();
    }
}

fn perform(store: &mut Store, actor: &str, request: &Request) -> Result<Outcome, StoreError> {
    Ok(match request {
        Request::LogIn { username, password } => Outcome::User(store.login(username, password)?),
        Request::CreateAccount { username, password } => Outcome::User(store.register(username, password)?),
        Request::AddToCart { product_id, qty } => Outcome::Cart(store.add_to_cart(actor, product_id, *qty)?),
        Request::SetCartQty { product_id, qty } => Outcome::Cart(store.set_cart_qty(actor, product_id, *qty)?),
        Request::RemoveFromCart { product_id } => Outcome::Cart(store.remove_from_cart(actor, product_id)?),
        Request::PlaceOrder { seen } => Outcome::Order(store.checkout(actor, seen)?),
        Request::AcceptAdjustments => Outcome::Cart(store.accept_adjusted_cart(actor)?),
        Request::CancelOrder { order_id } => Outcome::Order(store.cancel_order(actor, order_id)?),
        Request::WriteReceipt { order_id } => Outcome::Receipt(store.write_receipt(actor, order_id, SHOP_NAME)?),
        Request::SetProductActive { product_id, active } => {
            Outcome::Product(store.set_product_active(actor, product_id, *active)?)
        }
        Request::CreateProduct { draft } => Outcome::Product(store.create_product(actor, draft.clone())?),
        Request::UpdateProduct { product_id, seen, wanted } => {
            Outcome::Product(store.update_product(actor, product_id, seen, wanted.clone())?)
        }
        Request::ChangeStock { product_id, change } => {
            Outcome::Product(store.change_stock(actor, product_id, *change)?)
        }
        Request::AdvanceOrder { order_id, to } => Outcome::Order(store.set_order_status(actor, order_id, *to)?),
        Request::DeleteProduct { product_id } => Outcome::Product(store.delete_product(actor, product_id)?),
    })
}

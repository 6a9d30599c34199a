//! Per-screen view state: selections, form fields, the catalog's results.

use std::time::Duration;

use tui_input::Input;

use super::filter::{CatalogFilter, Hits};
use super::filter_worker::FilterWorker;
use crate::domain::checkout::PaymentChoice;
use crate::domain::payment::CardOnFile;
use crate::domain::{Address, Order, Product, ProductDetails};
use crate::shop::Profile;

/// A selection in a list and the first visible row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ListCursor {
    pub selected: usize,
    pub offset: usize,
}

impl ListCursor {
    /// Moves by `delta` rows within `len` and keeps the selection visible in `height` rows.
    pub fn move_by(&mut self, delta: isize, len: usize, height: usize) {
        if len == 0 {
            *self = ListCursor::default();
            return;
        }
        let target = (self.selected as isize + delta).clamp(0, len as isize - 1);
        self.select(target as usize, len, height);
    }

    pub fn select(&mut self, index: usize, len: usize, height: usize) {
        self.selected = index.min(len.saturating_sub(1));
        self.fit(len, height);
    }

    /// A click at `at`: selects the row under it, if `rows` (where the
    /// list's rows are drawn) holds it and the list has that row.
    pub fn click(&mut self, rows: ratatui::layout::Rect, at: ratatui::layout::Position, len: usize) {
        if !rows.contains(at) {
            return;
        }
        let index = self.offset + usize::from(at.y - rows.y);
        if index < len {
            self.select(index, len, usize::from(rows.height).max(1));
        }
    }

    /// Keeps the selection inside the list and on screen.
    pub fn fit(&mut self, len: usize, height: usize) {
        if len == 0 {
            *self = ListCursor::default();
            return;
        }
        self.selected = self.selected.min(len - 1);
        let height = height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        self.offset = self.offset.min(len.saturating_sub(height));
    }
}

/// What cancelling `order` would refund: `$12.00 to Visa •••• 4242` (in
/// the shop's `currency`).
pub fn refund_note(order: &crate::domain::Order, currency: &crate::domain::Currency) -> Option<String> {
    let payment = order.payment.as_deref().filter(|p| p.refund.is_none())?;
    Some(format!("{} to {}", order.total.shown(currency), payment.label()))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginMode {
    LogIn,
    CreateAccount,
}

#[derive(Debug)]
pub struct LoginForm {
    pub mode: LoginMode,
    pub username: Input,
    pub password: Input,
    pub confirm: Input,
    pub focus: usize,
    pub error: Option<String>,
    /// The login sent must wait its turn (failed logins before it) until then.
    pub checked_at: Option<std::time::Instant>,
}

impl Default for LoginForm {
    fn default() -> Self {
        LoginForm {
            mode: LoginMode::LogIn,
            username: Input::default(),
            password: Input::default(),
            confirm: Input::default(),
            focus: 0,
            error: None,
            checked_at: None,
        }
    }
}

impl LoginForm {
    pub fn field_count(&self) -> usize {
        match self.mode {
            LoginMode::LogIn => 2,
            LoginMode::CreateAccount => 3,
        }
    }

    pub fn focused_input(&mut self) -> &mut Input {
        match self.focus {
            0 => &mut self.username,
            1 => &mut self.password,
            _ => &mut self.confirm,
        }
    }

    /// Clears the secrets (after a submit, successful or not).
    pub fn clear_passwords(&mut self) {
        self.password.reset();
        self.confirm.reset();
    }
}

/// Where matching runs: here, or on a worker thread for huge catalogs.
#[derive(Debug)]
pub enum FilterEngine {
    Inline(CatalogFilter),
    Worker(FilterWorker),
}

#[derive(Debug)]
pub struct CatalogView {
    pub query: Input,
    pub filter_focused: bool,
    pub engine: FilterEngine,
    /// Every product the view lists, in catalog order (the empty query);
    /// shared with every session.
    pub all: std::sync::Arc<[u32]>,
    /// Bumped per query sent to a worker; older answers are dropped.
    pub generation: u64,
    /// A worker has not answered the latest query yet.
    pub pending: bool,
    /// Matches, best first; `position` is the product's place in the catalog snapshot.
    pub hits: Hits,
    pub cursor: ListCursor,
    /// Products a shopper can see (active ones).
    pub total: usize,
    pub last_filter: Duration,
    /// The catalog snapshot (the app's count of them) the engine was built from.
    pub built_from: u64,
}

impl CatalogView {
    /// Nothing loaded yet (`built_from` never matches a snapshot).
    pub fn empty() -> CatalogView {
        CatalogView {
            query: Input::default(),
            filter_focused: false,
            engine: FilterEngine::Inline(CatalogFilter::new(Default::default(), std::sync::Arc::from([]))),
            all: std::sync::Arc::from([]),
            generation: 0,
            pending: false,
            hits: Hits::default(),
            cursor: ListCursor::default(),
            total: 0,
            last_filter: Duration::ZERO,
            built_from: u64::MAX,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProductView {
    pub product_id: String,
    pub qty: u32,
}

/// An order's receipt on screen (`r` on the placed page or an order): the
/// text `domain::render_receipt` makes, scrolled.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReceiptView {
    pub order_id: String,
    /// The first line shown.
    pub scroll: u16,
}

#[derive(Clone, Debug, Default)]
pub struct OrdersView {
    /// The shopper's order ids, newest first.
    pub ids: Vec<String>,
    pub cursor: ListCursor,
    /// The order whose details are open.
    pub detail: Option<String>,
    /// The orders snapshot (the app's count of them) `ids` was made from.
    pub built_from: Option<u64>,
}

/// Every order of every shopper, for admins: filtered by words that must
/// each match the customer, the status or the order id.
#[derive(Debug, Default)]
pub struct AdminOrdersView {
    pub query: Input,
    pub filter_focused: bool,
    /// Matching order ids, newest first.
    pub ids: Vec<String>,
    pub cursor: ListCursor,
    pub detail: Option<String>,
    /// The orders snapshot and query `ids` were made from.
    pub built_from: Option<(u64, String)>,
}

/// The new-product form's fields.
pub const NEW_PRODUCT_FIELDS: &[&str] = &["Name", "Price", "Stock", "Category", "Description"];
/// The edit form's: no stock, which only restocking (`s`) changes, so that
/// saving an edit can never undo units sold while the form was open.
pub const EDIT_PRODUCT_FIELDS: &[&str] = &["Name", "Price", "Category", "Description"];

/// New or edited product.
#[derive(Debug)]
pub struct ProductForm {
    /// The product being edited and what the form showed of it when it
    /// opened; `None` for a new product.
    pub editing: Option<(String, ProductDetails)>,
    pub labels: &'static [&'static str],
    pub fields: Vec<Input>,
    /// What the fields held when the form opened (to ask before discarding).
    pub initial: Vec<String>,
    pub focus: usize,
    pub error: Option<String>,
}

impl ProductForm {
    pub fn new_product() -> ProductForm {
        ProductForm::with(None, NEW_PRODUCT_FIELDS, vec![String::new(); NEW_PRODUCT_FIELDS.len()])
    }

    pub fn edit(product: &Product) -> ProductForm {
        let details = product.details();
        let values = vec![
            details.name.clone(),
            details.price.to_decimal_string(),
            product.category_or_blank().to_string(),
            product.description_or_blank().to_string(),
        ];
        ProductForm::with(Some((product.product_id.clone(), details)), EDIT_PRODUCT_FIELDS, values)
    }

    fn with(
        editing: Option<(String, ProductDetails)>,
        labels: &'static [&'static str],
        values: Vec<String>,
    ) -> ProductForm {
        let fields = values.iter().cloned().map(Input::new).collect();
        ProductForm { editing, labels, fields, initial: values, focus: 0, error: None }
    }

    /// The text of the field called `label` ("" if this form has none).
    pub fn value(&self, label: &str) -> &str {
        self.labels.iter().position(|l| *l == label).map_or("", |i| self.fields[i].value())
    }

    /// Moves the focus to the field called `label`, if the form has it.
    pub fn focus_on(&mut self, label: &str) {
        if let Some(i) = self.labels.iter().position(|l| *l == label) {
            self.focus = i;
        }
    }

    pub fn changed(&self) -> bool {
        self.fields.iter().zip(&self.initial).any(|(field, initial)| field.value() != initial)
    }
}

/// Add or remove units of one product.
#[derive(Debug)]
pub struct StockForm {
    pub product_id: String,
    pub change: Input,
    pub error: Option<String>,
}

/// Forms compare by what they show (tests compare effects that open one).
#[derive(Debug, PartialEq)]
pub enum Form {
    Product(Box<ProductForm>),
    Stock(StockForm),
    Fields(Box<FieldsForm>),
}

impl Form {
    /// How many places Tab moves the focus between.
    pub fn stops(&self) -> usize {
        match self {
            Form::Product(form) => form.fields.len(),
            Form::Stock(_) => 1,
            Form::Fields(form) => form.stops(),
        }
    }

    pub fn changed(&self) -> bool {
        match self {
            Form::Product(form) => form.changed(),
            Form::Stock(form) => !form.change.value().is_empty(),
            Form::Fields(form) => form.changed(),
        }
    }
}

/// What a `FieldsForm` is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldsPurpose {
    /// A shipping address for the checkout.
    Address,
    /// A new card for the checkout.
    Card,
    /// The CVC of a remembered card.
    Cvc(CardOnFile),
    /// The cart's promo code.
    Promo,
    /// A new discount code (`None`) or the code being edited.
    Discount(Option<String>),
    Settings,
    /// The tracking number of the order about to ship.
    Tracking(String),
}

/// A form of text fields and at most one yes/no toggle (after the fields;
/// Space flips it): checkout's address, card, CVC and promo code forms.
pub struct FieldsForm {
    pub purpose: FieldsPurpose,
    pub title: String,
    pub note: Option<String>,
    pub labels: Vec<&'static str>,
    pub fields: Vec<Input>,
    /// Fields shown as dots (a CVC).
    pub masked: Vec<bool>,
    pub toggle: Option<(&'static str, bool)>,
    initial: Vec<String>,
    /// Index into the fields; `fields.len()` is the toggle.
    pub focus: usize,
    pub error: Option<String>,
}

impl PartialEq for ProductForm {
    fn eq(&self, other: &Self) -> bool {
        let values = |form: &ProductForm| form.fields.iter().map(|f| f.value().to_string()).collect::<Vec<_>>();
        (&self.editing, self.labels, &self.initial, self.focus, &self.error)
            == (&other.editing, other.labels, &other.initial, other.focus, &other.error)
            && values(self) == values(other)
    }
}

impl PartialEq for StockForm {
    fn eq(&self, other: &Self) -> bool {
        (&self.product_id, self.change.value(), &self.error) == (&other.product_id, other.change.value(), &other.error)
    }
}

impl PartialEq for FieldsForm {
    fn eq(&self, other: &Self) -> bool {
        (&self.purpose, &self.title, &self.note, &self.labels, &self.masked, &self.toggle)
            == (&other.purpose, &other.title, &other.note, &other.labels, &other.masked, &other.toggle)
            && (self.values(), &self.initial, self.focus, &self.error)
                == (other.values(), &other.initial, other.focus, &other.error)
    }
}

impl std::fmt::Debug for FieldsForm {
    // The values may hold a card number: never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FieldsForm").field("purpose", &self.purpose).field("focus", &self.focus).finish_non_exhaustive()
    }
}

impl FieldsForm {
    pub fn new(
        purpose: FieldsPurpose,
        title: impl Into<String>,
        labels: &[&'static str],
        values: Vec<String>,
    ) -> FieldsForm {
        FieldsForm {
            purpose,
            title: title.into(),
            note: None,
            labels: labels.to_vec(),
            fields: values.iter().cloned().map(Input::new).collect(),
            masked: vec![false; labels.len()],
            toggle: None,
            initial: values,
            focus: 0,
            error: None,
        }
    }

    /// Places the focus stops at: every field, then the toggle.
    pub fn stops(&self) -> usize {
        self.fields.len() + usize::from(self.toggle.is_some())
    }

    pub fn on_toggle(&self) -> bool {
        self.toggle.is_some() && self.focus == self.fields.len()
    }

    pub fn value(&self, i: usize) -> &str {
        self.fields.get(i).map_or("", Input::value)
    }

    pub fn changed(&self) -> bool {
        self.fields.iter().zip(&self.initial).any(|(field, initial)| field.value() != initial)
    }

    pub fn values(&self) -> Vec<String> {
        self.fields.iter().map(|f| f.value().to_string()).collect()
    }

    /// Says why the form was not taken, the focus on `field` if it has one.
    pub fn refuse(&mut self, field: Option<usize>, message: String) {
        if let Some(field) = field.filter(|&f| f < self.fields.len()) {
            self.focus = field;
        }
        self.error = Some(message);
    }

    /// Checkout's address and card forms close on Esc keeping what was
    /// typed (offered again when they reopen) instead of asking.
    pub fn keeps_draft(&self) -> bool {
        matches!(self.purpose, FieldsPurpose::Address | FieldsPurpose::Card)
    }
}

/// Where the shopper is in the checkout.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum CheckoutStep {
    #[default]
    Address,
    Payment,
    Review,
    /// The order went through: what was placed.
    Placed,
}

impl CheckoutStep {
    pub const BREADCRUMB: [(&'static str, Option<CheckoutStep>); 4] = [
        ("Cart", None),
        ("Address", Some(CheckoutStep::Address)),
        ("Payment", Some(CheckoutStep::Payment)),
        ("Review", Some(CheckoutStep::Review)),
    ];
}

/// The checkout's state: what the shopper chose so far. The card (for a new
/// one, its number) lives only here, only until the order is placed.
#[derive(Debug, Default)]
pub struct CheckoutView {
    pub step: CheckoutStep,
    pub profile: Profile,
    /// The selected saved address or card.
    pub cursor: ListCursor,
    pub address: Option<Address>,
    pub payment: Option<PaymentChoice>,
    /// Why the last payment did not go through.
    pub error: Option<String>,
    pub placed: Option<Order>,
    /// What was typed in the address and card forms when they were left
    /// with Esc (in memory only, gone when the checkout ends).
    pub address_draft: Option<Vec<String>>,
    pub card_draft: Option<Vec<String>>,
    /// "Remember this card", as last set in the card form.
    pub remember_card: bool,
    /// The address was typed in the form (not one of the saved ones): going
    /// back to the address step opens the form with it.
    pub typed_address: bool,
}

impl CheckoutView {
    pub fn keep_draft(&mut self, purpose: &FieldsPurpose, values: Vec<String>, toggle: Option<bool>) {
        match purpose {
            FieldsPurpose::Address => self.address_draft = Some(values),
            FieldsPurpose::Card => {
                self.card_draft = Some(values);
                self.remember_card = toggle.unwrap_or(false);
            }
            _ => {}
        }
    }

    /// A checkout started again (after a declined card, or after leaving it):
    /// what the shopper typed stays, but never a card number or CVC.
    pub fn restarted(&self, profile: Profile) -> CheckoutView {
        let card_draft = self.card_draft.as_ref().map(|values| without_secrets(values));
        CheckoutView {
            profile,
            address: self.address.clone(),
            address_draft: self.address_draft.clone(),
            typed_address: self.typed_address,
            card_draft,
            remember_card: self.remember_card,
            ..CheckoutView::default()
        }
    }

    /// Forgets the card number and CVC typed (a declined card, a new checkout).
    pub fn forget_card_secrets(&mut self) {
        if let Some(values) = &self.card_draft {
            self.card_draft = Some(without_secrets(values));
        }
    }
}

/// The card form's values (name, number, expiry, CVC) without the number and CVC.
fn without_secrets(values: &[String]) -> Vec<String> {
    values.iter().enumerate().map(|(i, v)| if i == 1 || i == 3 { String::new() } else { v.clone() }).collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageKind {
    Info,
    /// Refused: something the shopper can change.
    Error,
    /// Something broke (files, disk, a damaged folder): not the shopper's doing.
    Failure,
}

/// How the message line is shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageTone {
    Info,
    Warning,
    Error,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub text: String,
    pub kind: MessageKind,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct Stats {
    pub visible: bool,
    pub last_render: Duration,
    /// How many times a filter has run (a burst of keys runs it once).
    pub filter_runs: u64,
    /// How many times a change elsewhere made this session read its cart
    /// and orders again.
    pub rereads: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_scrolls_minimally_and_clamps() {
        let mut c = ListCursor::default();
        c.move_by(5, 100, 10);
        assert_eq!(c, ListCursor { selected: 5, offset: 0 });
        c.move_by(10, 100, 10);
        assert_eq!(c, ListCursor { selected: 15, offset: 6 });
        c.move_by(-3, 100, 10);
        assert_eq!(c, ListCursor { selected: 12, offset: 6 });
        c.move_by(1000, 100, 10);
        assert_eq!(c, ListCursor { selected: 99, offset: 90 });
        c.fit(3, 10);
        assert_eq!(c, ListCursor { selected: 2, offset: 0 });
        c.move_by(1, 0, 10);
        assert_eq!(c, ListCursor::default());
    }
}

//! App state and its update: turns actions into domain calls and store
//! commits. No drawing and no terminal here; `update` is the only way state
//! changes, so every flow can be tested by feeding actions.

pub mod action;
mod admin;
pub mod filter;
pub mod filter_worker;
mod filtering;
pub mod keymap;
pub mod layout;
mod lists;
mod login;
pub mod requests;
mod shop;
pub mod views;

use std::time::{Duration, Instant};

use ratatui::layout::{Position, Rect};
use tui_input::{Input, InputRequest};

pub use action::{Action, Tab};
use filter::CatalogFilter;
use keymap::Context;
pub use views::{
    AdminOrdersView, CatalogView, Dialog, EDIT_PRODUCT_FIELDS, FilterEngine, Form, ListCursor, LoginForm, LoginMode,
    Message, MessageKind, NEW_PRODUCT_FIELDS, OrdersView, ProductForm, ProductView, Stats, StockForm,
};

use crate::domain::product::parse_stock_change;
use crate::domain::{Cart, OrderStatus, Product, ProductDetails, ProductDraft, ProductError, Role};
use crate::store::{FileKind, LockWait, Store, StoreError};
use requests::{Request, Requests};

pub use crate::shop::SHOP_NAME;
/// How often a running app looks for other copies' changes when idle.
pub const REFRESH_EVERY: Duration = Duration::from_secs(2);
/// From this many products, matching runs on a worker thread so typing
/// never waits for it.
pub const FILTER_WORKER_FROM: usize = 250_000;
/// Rows the mouse wheel moves.
const WHEEL_ROWS: isize = 3;
/// How long the folder may stay busy before reading it says so (other
/// copies' changes take milliseconds; a notice for those would only flicker).
const BUSY_NOTICE_AFTER: Duration = Duration::from_millis(800);
/// What the app says while another copy of Shopfront holds the data folder.
pub const WAITING_NOTICE: &str = "Waiting for another copy of Shopfront to finish with the data folder…";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    Login,
    Catalog,
    Product,
    Cart,
    Orders,
    OrderDetail,
    AdminProducts,
    AdminOrders,
    AdminOrderDetail,
}

impl Screen {
    pub fn tab(self) -> Option<Tab> {
        match self {
            Screen::Login => None,
            Screen::Catalog | Screen::Product => Some(Tab::Catalog),
            Screen::Cart => Some(Tab::Cart),
            Screen::Orders | Screen::OrderDetail => Some(Tab::Orders),
            Screen::AdminProducts => Some(Tab::Products),
            Screen::AdminOrders | Screen::AdminOrderDetail => Some(Tab::AllOrders),
        }
    }
}

/// The shopper's catalog (products on sale) or the admin's (all products).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CatalogKind {
    Shop,
    Admin,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub username: String,
    pub role: Role,
}

pub struct App {
    pub store: Store,
    pub session: Option<Session>,
    pub screen: Screen,
    pub login: LoginForm,
    pub catalog: CatalogView,
    /// The admin's Products tab: every product, archived ones too.
    pub admin_products: CatalogView,
    pub admin_orders: AdminOrdersView,
    /// An admin form open over the screen.
    pub form: Option<Form>,
    /// First line shown of a detail page (product, order) taller than the screen.
    pub detail_scroll: u16,
    pub product: ProductView,
    pub cart: ListCursor,
    pub orders: OrdersView,
    pub dialog: Option<Dialog>,
    pub help_open: bool,
    pub message: Option<Message>,
    pub stats: Stats,
    /// The terminal's size, for page lengths and mouse hits.
    pub viewport: Rect,
    pub should_quit: bool,
    /// Changes asked for and not made yet (waiting while another copy holds the folder).
    pub requests: Requests,
    /// Since when reading the folder has found another copy holding it.
    store_busy_since: Option<Instant>,
    last_refresh: Instant,
    /// Catalog size from which matching moves to a worker thread.
    worker_from: usize,
}

impl App {
    pub fn new(mut store: Store, viewport: Rect) -> App {
        // Never wait for the folder lock on the UI thread: a busy folder
        // comes back as `StoreError::Busy` and the change waits in line.
        store.set_lock_wait(LockWait::Impatient);
        let mut app = App {
            store,
            session: None,
            screen: Screen::Login,
            login: LoginForm::default(),
            catalog: CatalogView::empty(),
            admin_products: CatalogView::empty(),
            admin_orders: AdminOrdersView::default(),
            form: None,
            detail_scroll: 0,
            product: ProductView::default(),
            cart: ListCursor::default(),
            orders: OrdersView::default(),
            dialog: None,
            help_open: false,
            message: None,
            stats: Stats::default(),
            viewport,
            should_quit: false,
            requests: Requests::default(),
            store_busy_since: None,
            last_refresh: Instant::now(),
            worker_from: FILTER_WORKER_FROM,
        };
        app.rebuild_catalog_if_stale();
        app
    }

    pub fn username(&self) -> Option<&str> {
        self.session.as_ref().map(|s| s.username.as_str())
    }

    pub fn is_admin(&self) -> bool {
        self.session.as_ref().is_some_and(|s| s.role == Role::Admin)
    }

    /// The tabs in the header: admins see two more.
    pub fn tabs(&self) -> &'static [Tab] {
        if self.is_admin() { &Tab::ADMIN } else { &Tab::SHOPPER }
    }

    pub fn view(&self, kind: CatalogKind) -> &CatalogView {
        match kind {
            CatalogKind::Shop => &self.catalog,
            CatalogKind::Admin => &self.admin_products,
        }
    }

    fn view_mut(&mut self, kind: CatalogKind) -> &mut CatalogView {
        match kind {
            CatalogKind::Shop => &mut self.catalog,
            CatalogKind::Admin => &mut self.admin_products,
        }
    }

    /// The product a hit of either catalog points at.
    pub fn hit_in(&self, kind: CatalogKind, index: usize) -> Option<&Product> {
        let hit = self.view(kind).hits.get(index)?;
        self.store.data().products.rows().get(hit.position as usize)
    }

    pub fn selected_in(&self, kind: CatalogKind) -> Option<&Product> {
        self.hit_in(kind, self.view(kind).cursor.selected)
    }

    /// The shopper's cart as stored.
    pub fn current_cart(&self) -> Cart {
        self.username().map(|u| self.store.cart(u)).unwrap_or_default()
    }

    /// The product a catalog hit points at.
    pub fn hit_product(&self, index: usize) -> Option<&Product> {
        self.hit_in(CatalogKind::Shop, index)
    }

    pub fn selected_product(&self) -> Option<&Product> {
        self.selected_in(CatalogKind::Shop)
    }

    /// Where keys go now, most specific first (the keymap adds `Anywhere`).
    pub fn contexts(&self) -> Vec<Context> {
        let mut contexts = if self.requests.is_empty() { vec![] } else { vec![Context::Waiting] };
        contexts.extend(if self.screen == Screen::Login {
            vec![Context::Login]
        } else if self.dialog.is_some() {
            vec![Context::Dialog]
        } else if self.help_open {
            vec![Context::Help]
        } else {
            self.help_contexts()
        });
        contexts
    }

    /// The notice to show while another copy of Shopfront holds the folder:
    /// at once when a change waits for it, after a moment when only reading does.
    pub fn waiting_notice(&self) -> Option<&'static str> {
        let reading = self.store_busy_since.is_some_and(|since| since.elapsed() >= BUSY_NOTICE_AFTER);
        (self.requests.waiting_since().is_some() || reading).then_some(WAITING_NOTICE)
    }

    /// The screen's own contexts (what the help overlay lists).
    pub fn help_contexts(&self) -> Vec<Context> {
        if self.form.is_some() {
            return vec![Context::Form];
        }
        if self.filter_focused() {
            return vec![Context::Filter];
        }
        let screen = match self.screen {
            Screen::Login => return vec![Context::Login],
            Screen::Catalog => Context::Catalog,
            Screen::Product => Context::Product,
            Screen::Cart => Context::Cart,
            Screen::Orders => Context::Orders,
            Screen::OrderDetail => Context::OrderDetail,
            Screen::AdminProducts => Context::AdminProducts,
            Screen::AdminOrders => Context::AdminOrders,
            Screen::AdminOrderDetail => Context::AdminOrderDetail,
        };
        if self.is_admin() { vec![screen, Context::AdminShop, Context::Shop] } else { vec![screen, Context::Shop] }
    }

    /// Whether the current screen's filter field has focus.
    pub fn filter_focused(&self) -> bool {
        match self.screen {
            Screen::Catalog => self.catalog.filter_focused,
            Screen::AdminProducts => self.admin_products.filter_focused,
            Screen::AdminOrders => self.admin_orders.filter_focused,
            _ => false,
        }
    }

    fn info(&mut self, text: impl Into<String>) {
        self.message = Some(Message { text: text.into(), kind: MessageKind::Info });
    }

    fn error(&mut self, text: impl Into<String>) {
        self.message = Some(Message { text: text.into(), kind: MessageKind::Error });
    }

    // ---- update ----

    pub fn update(&mut self, action: Action) {
        match action {
            Action::Resize(width, height) => {
                self.viewport = Rect::new(0, 0, width, height);
                self.fit_cursors();
                return;
            }
            Action::Tick => {
                let due = self.last_refresh.elapsed() >= REFRESH_EVERY || self.store_busy_since.is_some();
                if self.session.is_some() && due {
                    self.sync_with_store();
                }
                self.run_requests();
                return;
            }
            Action::StopWaiting => {
                self.stop_waiting();
                return;
            }
            Action::Quit => {
                self.should_quit = true;
                return;
            }
            Action::ToggleStats => {
                self.stats.visible = !self.stats.visible;
                self.fit_cursors();
                return;
            }
            _ => {}
        }
        if !matches!(action, Action::Scroll { .. }) {
            self.message = None;
        }
        if self.screen == Screen::Login {
            self.update_login(action);
            self.run_requests();
            return;
        }
        // Another copy may have changed things: act on the latest data.
        self.sync_with_store();
        if self.dialog.is_some() {
            self.update_dialog(action);
        } else if self.form.is_some() && !self.help_open {
            self.update_form(action);
        } else if self.help_open {
            if matches!(action, Action::Back | Action::ToggleHelp) {
                self.help_open = false;
            }
        } else {
            self.update_shop(action);
        }
        // Make the changes it asked for, then bring the views up to date.
        self.run_requests();
        self.refresh_views();
        self.fit_cursors();
    }

    fn update_shop(&mut self, action: Action) {
        match action {
            Action::ToggleHelp => self.help_open = true,
            Action::ShowTab(tab) => self.show_tab(tab),
            Action::FocusFilter => match self.screen {
                Screen::AdminProducts => self.admin_products.filter_focused = true,
                Screen::AdminOrders => self.admin_orders.filter_focused = true,
                _ => {
                    self.screen = Screen::Catalog;
                    self.catalog.filter_focused = true;
                }
            },
            Action::LogOut => self.log_out(),
            Action::Click { column, row } => self.click(column, row),
            Action::Scroll { column, row, down } => self.scroll(column, row, down),
            Action::Up => self.move_selection(-1),
            Action::Down => self.move_selection(1),
            Action::PageUp => self.move_selection(-(self.page_rows() as isize)),
            Action::PageDown => self.move_selection(self.page_rows() as isize),
            Action::Home => self.move_selection(isize::MIN / 2),
            Action::End => self.move_selection(isize::MAX / 2),
            other => match self.screen {
                Screen::Catalog => self.update_catalog(other),
                Screen::Product => self.update_product(other),
                Screen::Cart => self.update_cart(other),
                Screen::Orders | Screen::OrderDetail => self.update_orders(other),
                Screen::AdminProducts => self.update_admin_products(other),
                Screen::AdminOrders | Screen::AdminOrderDetail => self.update_admin_orders(other),
                Screen::Login => {}
            },
        }
    }

    fn show_tab(&mut self, tab: Tab) {
        if tab.admin_only() && !self.is_admin() {
            self.error("Only an admin can do that");
            return;
        }
        self.screen = match tab {
            Tab::Catalog => Screen::Catalog,
            Tab::Cart => Screen::Cart,
            Tab::Orders => {
                self.orders.detail = None;
                Screen::Orders
            }
            Tab::Products => Screen::AdminProducts,
            Tab::AllOrders => {
                self.admin_orders.detail = None;
                Screen::AdminOrders
            }
        };
        self.catalog.filter_focused = false;
        self.admin_products.filter_focused = false;
        self.admin_orders.filter_focused = false;
    }

    fn log_out(&mut self) {
        // Changes still waiting were the account's: never made after it left.
        self.requests = Requests::default();
        self.session = None;
        self.screen = Screen::Login;
        self.login = LoginForm::default();
        self.cart = ListCursor::default();
        self.orders = OrdersView::default();
        self.admin_orders = AdminOrdersView::default();
        self.admin_products = CatalogView::empty();
        self.form = None;
        self.catalog.query.reset();
        self.catalog.filter_focused = false;
        self.refilter(CatalogKind::Shop);
        self.info("Logged out");
    }

    // ---- dialogs ----

    fn update_dialog(&mut self, action: Action) {
        let Some(dialog) = self.dialog.clone() else { return };
        match action {
            Action::Dismiss => self.dialog = None,
            Action::Confirm => {
                self.dialog = None;
                match dialog {
                    Dialog::ConfirmCheckout { lines, .. } => self.request(Request::PlaceOrder { seen: lines }),
                    Dialog::CheckoutProblems { .. } => self.request(Request::AcceptAdjustments),
                    Dialog::ConfirmCancel { order_id } => self.request(Request::CancelOrder { order_id }),
                    Dialog::ConfirmDelete { product_id, .. } => self.request(Request::DeleteProduct { product_id }),
                    Dialog::ConfirmAdvance { order_id, to } => self.request(Request::AdvanceOrder { order_id, to }),
                    Dialog::ConfirmDiscard => self.form = None,
                }
            }
            _ => {}
        }
    }

    // ---- keeping up with the store ----

    /// Picks up other copies' changes; rebuilds what depends on them.
    pub fn sync_with_store(&mut self) {
        self.last_refresh = Instant::now();
        match self.store.refresh() {
            // Another copy is mid-change: go on with what we have, retry on the next tick.
            Err(StoreError::Busy) => {
                self.store_busy_since.get_or_insert_with(Instant::now);
                return;
            }
            Err(err) => {
                self.store_busy_since = None;
                self.error(format!("Cannot read the data folder: {err}"));
                return;
            }
            Ok(_) => self.store_busy_since = None,
        }
        self.refresh_views();
    }

    /// Rebuilds whatever was made from data that has changed since.
    fn refresh_views(&mut self) {
        self.rebuild_catalog_if_stale();
        self.refresh_orders();
        self.refresh_admin_orders();
    }
}

fn plural_items(n: u64) -> String {
    if n == 1 { "1 item".to_string() } else { format!("{n} items") }
}

/// Applies a key to a focused filter field; returns whether its text changed.
fn edit_filter(query: &mut Input, focused: &mut bool, action: Action) -> bool {
    match action {
        Action::Edit(request) => query.handle(request).is_some_and(|changed| changed.value),
        Action::Paste(text) => {
            paste_into(query, &text);
            true
        }
        Action::FilterToResults | Action::Back => {
            *focused = false;
            false
        }
        _ => false,
    }
}

/// Pasted text goes in as typed characters; line breaks become spaces.
fn paste_into(input: &mut Input, text: &str) {
    for c in text.chars() {
        let c = if c == '\n' || c == '\r' || c == '\t' { ' ' } else { c };
        if !c.is_control() {
            input.handle(InputRequest::InsertChar(c));
        }
    }
}

//! App state and its update: turns actions into domain calls and store
//! commits. No drawing and no terminal here; `update` is the only way state
//! changes, so every flow can be tested by feeding actions.

pub mod action;
pub mod filter;
pub mod filter_worker;
pub mod keymap;
pub mod layout;
pub mod views;

use std::time::{Duration, Instant};

use ratatui::layout::{Position, Rect};
use tui_input::{Input, InputRequest};

pub use action::{Action, Tab};
use filter::CatalogFilter;
use keymap::Context;
pub use views::{
    AdminOrdersView, CatalogView, Dialog, FilterEngine, Form, ListCursor, LoginForm, LoginMode, Message, MessageKind,
    OrdersView, PRODUCT_FIELDS, ProductForm, ProductView, Stats, StockForm,
};

use crate::domain::product::parse_stock_change;
use crate::domain::{Cart, OrderStatus, Product, ProductDraft, ProductError, Role};
use crate::store::{FileKind, Store, StoreError};

pub const SHOP_NAME: &str = "Shopfront";
/// How often a running app looks for other copies' changes when idle.
pub const REFRESH_EVERY: Duration = Duration::from_secs(2);
/// From this many products, matching runs on a worker thread so typing
/// never waits for it.
pub const FILTER_WORKER_FROM: usize = 250_000;
/// Rows the mouse wheel moves.
const WHEEL_ROWS: isize = 3;

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
    last_refresh: Instant,
    /// Catalog size from which matching moves to a worker thread.
    worker_from: usize,
}

impl App {
    pub fn new(store: Store, viewport: Rect) -> App {
        let mut app = App {
            store,
            session: None,
            screen: Screen::Login,
            login: LoginForm::default(),
            catalog: CatalogView::empty(),
            admin_products: CatalogView::empty(),
            admin_orders: AdminOrdersView::default(),
            form: None,
            product: ProductView::default(),
            cart: ListCursor::default(),
            orders: OrdersView::default(),
            dialog: None,
            help_open: false,
            message: None,
            stats: Stats::default(),
            viewport,
            should_quit: false,
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
        if self.screen == Screen::Login {
            return vec![Context::Login];
        }
        if self.dialog.is_some() {
            return vec![Context::Dialog];
        }
        if self.help_open {
            return vec![Context::Help];
        }
        self.help_contexts()
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
                if self.session.is_some() && self.last_refresh.elapsed() >= REFRESH_EVERY {
                    self.sync_with_store();
                }
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
        // The action may have changed the store: bring the views up to date.
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

    // ---- login ----

    fn update_login(&mut self, action: Action) {
        let form = &mut self.login;
        match action {
            Action::NextField => form.focus = (form.focus + 1) % form.field_count(),
            Action::PrevField => form.focus = (form.focus + form.field_count() - 1) % form.field_count(),
            Action::ToggleLoginForm => {
                form.mode = match form.mode {
                    LoginMode::LogIn => LoginMode::CreateAccount,
                    LoginMode::CreateAccount => LoginMode::LogIn,
                };
                form.focus = 0;
                form.error = None;
                form.clear_passwords();
            }
            Action::Submit if form.focus + 1 < form.field_count() => form.focus += 1,
            Action::Submit => self.submit_login(),
            Action::Edit(request) => {
                form.focused_input().handle(request);
            }
            Action::Paste(text) => paste_into(form.focused_input(), &text),
            _ => {}
        }
    }

    fn submit_login(&mut self) {
        let form = &mut self.login;
        let username = form.username.value().trim().to_string();
        let password = form.password.value().to_string();
        if username.is_empty() {
            form.error = Some("Enter a username".into());
            form.focus = 0;
            return;
        }
        let result = match form.mode {
            LoginMode::LogIn => self.store.login(&username, &password),
            LoginMode::CreateAccount => {
                // The form's own checks first, in the order of its fields.
                let confirmed = password == form.confirm.value();
                crate::domain::user::validate_username(&username)
                    .and_then(|()| crate::domain::user::validate_password(&password))
                    .and_then(|()| confirmed.then_some(()).ok_or(crate::domain::UserError::PasswordMismatch))
                    .map_err(StoreError::from)
                    .and_then(|()| self.store.register(&username, &password))
            }
        };
        let form = &mut self.login;
        form.clear_passwords();
        match result {
            Ok(user) => {
                let created = form.mode == LoginMode::CreateAccount;
                self.session = Some(Session { username: user.username.clone(), role: user.role });
                self.login = LoginForm::default();
                self.screen = Screen::Catalog;
                self.admin_products.built_from = u64::MAX;
                self.sync_with_store();
                let greeting = if created { "Account created — welcome" } else { "Welcome back" };
                self.info(format!("{greeting}, {}", user.username));
            }
            Err(err) => {
                form.focus = if matches!(err, StoreError::User(crate::domain::UserError::UsernameTaken))
                    || matches!(err, StoreError::User(crate::domain::UserError::UsernameLength))
                    || matches!(err, StoreError::User(crate::domain::UserError::UsernameCharacters))
                {
                    0
                } else {
                    1
                };
                form.error = Some(err.to_string());
            }
        }
    }

    // ---- catalog ----

    fn update_catalog(&mut self, action: Action) {
        if self.catalog.filter_focused {
            match action {
                Action::Edit(request) if self.catalog.query.handle(request).is_some_and(|changed| changed.value) => {
                    self.refilter(CatalogKind::Shop);
                }
                Action::Paste(text) => {
                    paste_into(&mut self.catalog.query, &text);
                    self.refilter(CatalogKind::Shop);
                }
                Action::FilterToResults | Action::Back => self.catalog.filter_focused = false,
                _ => {}
            }
            return;
        }
        match action {
            Action::Open => match self.selected_product().map(|p| p.product_id.clone()) {
                Some(id) => self.open_product(id),
                None => self.error("No product selected"),
            },
            Action::AddToCart => match self.selected_product().map(|p| p.product_id.clone()) {
                Some(id) => self.add_to_cart(&id, 1),
                None => self.error("No product selected"),
            },
            Action::Back if !self.catalog.query.value().is_empty() => {
                self.catalog.query.reset();
                self.refilter(CatalogKind::Shop);
            }
            Action::Paste(text) => {
                self.catalog.filter_focused = true;
                paste_into(&mut self.catalog.query, &text);
                self.refilter(CatalogKind::Shop);
            }
            _ => {}
        }
    }

    fn open_product(&mut self, product_id: String) {
        self.product = ProductView { product_id, qty: 1 };
        self.screen = Screen::Product;
    }

    fn add_to_cart(&mut self, product_id: &str, qty: u32) {
        let Some(user) = self.username().map(str::to_string) else { return };
        let name = self.store.data().products.get(product_id).map(|p| p.name.clone()).unwrap_or_default();
        match self.store.add_to_cart(&user, product_id, qty) {
            Ok(cart) => {
                let total = cart.qty_of(product_id);
                self.info(format!("Added {qty} × {name} to your cart ({total} in cart)"));
            }
            Err(err) => self.error(err.to_string()),
        }
    }

    /// Moves matching to a worker thread from `products` products on (tests
    /// use a small number to exercise the threaded path).
    pub fn set_filter_worker_from(&mut self, products: usize) {
        self.worker_from = products;
        self.catalog.built_from = u64::MAX;
        self.rebuild_catalog_if_stale();
    }

    /// Re-runs a catalog's filter for its query. With a worker, the answer
    /// arrives later through `poll_filter`.
    fn refilter(&mut self, kind: CatalogKind) {
        let view = self.view_mut(kind);
        let query = view.query.value().to_string();
        if query.trim().is_empty() {
            // Everything, in catalog order: nothing to match.
            let hits = view.all.iter().map(|&position| filter::Hit { position, score: 0 }).collect();
            view.pending = false;
            view.generation += 1;
            self.apply_hits(kind, hits, Duration::ZERO);
            return;
        }
        match &mut view.engine {
            FilterEngine::Inline(engine) => {
                let started = Instant::now();
                let hits = engine.search(&query);
                self.apply_hits(kind, hits, started.elapsed());
            }
            FilterEngine::Worker(worker) => {
                view.generation += 1;
                worker.request(view.generation, &query);
                view.pending = true;
            }
        }
    }

    /// Takes a worker's answer if it is for the latest query; returns whether
    /// the results changed (the screen needs drawing).
    pub fn poll_filter(&mut self) -> bool {
        let mut changed = false;
        for kind in [CatalogKind::Shop, CatalogKind::Admin] {
            let view = self.view(kind);
            let FilterEngine::Worker(worker) = &view.engine else { continue };
            match worker.try_latest() {
                Some(result) if result.generation == view.generation && view.pending => {
                    self.view_mut(kind).pending = false;
                    self.apply_hits(kind, result.hits, result.took);
                    changed = true;
                }
                _ => {}
            }
        }
        changed
    }

    /// Shows new results. A product the shopper moved to stays selected while
    /// it is among them; a selection still on the top row stays on the top
    /// row, so typing always shows the best match first.
    fn apply_hits(&mut self, kind: CatalogKind, hits: Vec<filter::Hit>, took: Duration) {
        let moved = self.view(kind).cursor.selected > 0;
        let keep = self.selected_in(kind).filter(|_| moved).map(|p| p.product_id.clone());
        let height = self.list_rows();
        let rows = self.store.data().products.rows();
        let index = keep
            .and_then(|id| hits.iter().position(|h| rows.get(h.position as usize).is_some_and(|p| p.product_id == id)))
            .unwrap_or(0);
        let view = self.view_mut(kind);
        view.hits = hits;
        view.last_filter = took;
        view.cursor.select(index, view.hits.len(), height);
    }

    /// Rebuilds the filters' indexes when the store's products changed.
    fn rebuild_catalog_if_stale(&mut self) {
        let version = self.store.version(FileKind::Products);
        let kinds: &[CatalogKind] =
            if self.is_admin() { &[CatalogKind::Shop, CatalogKind::Admin] } else { &[CatalogKind::Shop] };
        for &kind in kinds {
            if self.view(kind).built_from == version {
                continue;
            }
            let rows = self.store.data().products.rows();
            let shown: Vec<(usize, &Product)> =
                rows.iter().enumerate().filter(|(_, p)| kind == CatalogKind::Admin || p.active).collect();
            let all = shown.iter().map(|&(i, _)| i as u32).collect();
            let engine = CatalogFilter::new(shown);
            let total = engine.len();
            let engine = if total >= self.worker_from {
                FilterEngine::Worker(filter_worker::FilterWorker::spawn(engine))
            } else {
                FilterEngine::Inline(engine)
            };
            let view = self.view_mut(kind);
            (view.all, view.total, view.engine, view.built_from) = (all, total, engine, version);
            self.refilter(kind);
        }
    }

    // ---- product detail ----

    fn update_product(&mut self, action: Action) {
        let Some(product) = self.store.data().products.get(&self.product.product_id).cloned() else {
            self.error("This product no longer exists");
            self.screen = Screen::Catalog;
            return;
        };
        match action {
            Action::Increase if self.product.qty >= product.stock.max(1) => {
                self.error(format!("Only {} of {} available", product.stock, product.name));
            }
            Action::Increase => self.product.qty += 1,
            Action::Decrease if self.product.qty <= 1 => self.error("Quantity must be at least 1"),
            Action::Decrease => self.product.qty -= 1,
            Action::AddToCart => self.add_to_cart(&product.product_id, self.product.qty),
            Action::Back => self.screen = Screen::Catalog,
            _ => {}
        }
    }

    // ---- cart ----

    fn update_cart(&mut self, action: Action) {
        let Some(user) = self.username().map(str::to_string) else { return };
        let cart = self.store.cart(&user);
        let line = cart.items.get(self.cart.selected).cloned();
        let result = match (action, line) {
            (Action::PlaceOrder, _) if cart.is_empty() => Err("Your cart is empty".to_string()),
            (Action::PlaceOrder, _) => {
                self.dialog = Some(Dialog::ConfirmCheckout { total: cart.subtotal(), lines: cart.items });
                Ok(())
            }
            (Action::Increase, Some(line)) => {
                self.store.set_cart_qty(&user, &line.product_id, line.qty + 1).map(drop).map_err(|e| e.to_string())
            }
            (Action::Decrease, Some(line)) if line.qty <= 1 => {
                Err("Quantity must be at least 1 — press d to remove the line".to_string())
            }
            (Action::Decrease, Some(line)) => {
                self.store.set_cart_qty(&user, &line.product_id, line.qty - 1).map(drop).map_err(|e| e.to_string())
            }
            (Action::RemoveLine, Some(line)) => {
                let name = self.product_name(&line.product_id);
                match self.store.remove_from_cart(&user, &line.product_id) {
                    Ok(_) => {
                        self.info(format!("Removed {name} from your cart"));
                        Ok(())
                    }
                    Err(err) => Err(err.to_string()),
                }
            }
            (Action::Open, Some(line)) if self.store.data().products.contains(&line.product_id) => {
                self.open_product(line.product_id);
                Ok(())
            }
            (Action::Increase | Action::Decrease | Action::RemoveLine | Action::Open, None) => {
                Err("Your cart is empty".to_string())
            }
            _ => Ok(()),
        };
        if let Err(text) = result {
            self.error(text);
        }
    }

    fn product_name(&self, product_id: &str) -> String {
        self.store.data().products.get(product_id).map_or_else(|| product_id.to_string(), |p| p.name.clone())
    }

    // ---- dialogs ----

    fn update_dialog(&mut self, action: Action) {
        let Some(dialog) = self.dialog.clone() else { return };
        match action {
            Action::Dismiss => self.dialog = None,
            Action::Confirm => {
                self.dialog = None;
                match dialog {
                    Dialog::ConfirmCheckout { lines, .. } => self.place_order(&lines),
                    Dialog::CheckoutProblems { .. } => self.accept_adjustments(),
                    Dialog::ConfirmCancel { order_id } => self.cancel_order(&order_id),
                    Dialog::ConfirmDelete { product_id, .. } => self.delete_product(&product_id),
                    Dialog::ConfirmAdvance { order_id, to } => self.advance_order(&order_id, to),
                    Dialog::ConfirmDiscard => self.form = None,
                }
            }
            _ => {}
        }
    }

    fn place_order(&mut self, seen: &[crate::domain::CartLine]) {
        let Some(user) = self.username().map(str::to_string) else { return };
        match self.store.checkout(&user, seen) {
            Ok(order) => {
                self.cart = ListCursor::default();
                self.info(format!("Order {} placed — {}", order.order_id, order.total));
            }
            Err(StoreError::Checkout(problems)) => self.dialog = Some(Dialog::CheckoutProblems { problems }),
            Err(err) => self.error(err.to_string()),
        }
    }

    fn accept_adjustments(&mut self) {
        let Some(user) = self.username().map(str::to_string) else { return };
        match self.store.accept_adjusted_cart(&user) {
            Ok(cart) if cart.is_empty() => self.error("Nothing you wanted is available any more; your cart is empty"),
            Ok(cart) => self.dialog = Some(Dialog::ConfirmCheckout { total: cart.subtotal(), lines: cart.items }),
            Err(err) => self.error(err.to_string()),
        }
    }

    // ---- admin: products ----

    fn update_admin_products(&mut self, action: Action) {
        if self.admin_products.filter_focused {
            match action {
                Action::Edit(request)
                    if self.admin_products.query.handle(request).is_some_and(|changed| changed.value) =>
                {
                    self.refilter(CatalogKind::Admin);
                }
                Action::Paste(text) => {
                    paste_into(&mut self.admin_products.query, &text);
                    self.refilter(CatalogKind::Admin);
                }
                Action::FilterToResults | Action::Back => self.admin_products.filter_focused = false,
                _ => {}
            }
            return;
        }
        let selected = self.selected_in(CatalogKind::Admin).cloned();
        match (action, selected) {
            (Action::NewProduct, _) => {
                self.form = Some(Form::Product(Box::new(ProductForm::new(None, Default::default()))));
            }
            (Action::Back, _) if !self.admin_products.query.value().is_empty() => {
                self.admin_products.query.reset();
                self.refilter(CatalogKind::Admin);
            }
            (Action::EditProduct, Some(p)) => {
                let values = [
                    p.name.clone(),
                    p.price.to_decimal_string(),
                    p.stock.to_string(),
                    p.category_or_blank().to_string(),
                    p.description_or_blank().to_string(),
                ];
                self.form = Some(Form::Product(Box::new(ProductForm::new(Some(p.product_id), values))));
            }
            (Action::Restock, Some(p)) => {
                self.form =
                    Some(Form::Stock(StockForm { product_id: p.product_id, change: Input::default(), error: None }));
            }
            (Action::ToggleArchive, Some(p)) => {
                let admin = self.username().unwrap_or_default().to_string();
                match self.store.set_product_active(&admin, &p.product_id, !p.active) {
                    Ok(done) if done.active => self.info(format!("{} {} is on sale again", done.product_id, done.name)),
                    Ok(done) => self.info(format!("Archived {} {}: no longer sold", done.product_id, done.name)),
                    Err(err) => self.error(err.to_string()),
                }
            }
            (Action::DeleteProduct, Some(p)) => {
                let ordered =
                    self.store.data().orders.rows().iter().flat_map(|o| &o.items).any(|l| l.product_id == p.product_id);
                if ordered {
                    self.error(ProductError::InPastOrders { id: p.product_id }.to_string());
                } else {
                    self.dialog = Some(Dialog::ConfirmDelete { product_id: p.product_id, name: p.name });
                }
            }
            (Action::Paste(text), _) => {
                self.admin_products.filter_focused = true;
                paste_into(&mut self.admin_products.query, &text);
                self.refilter(CatalogKind::Admin);
            }
            (Action::EditProduct | Action::Restock | Action::ToggleArchive | Action::DeleteProduct, None) => {
                self.error("No product selected");
            }
            _ => {}
        }
    }

    fn update_form(&mut self, action: Action) {
        let Some(form) = self.form.as_mut() else { return };
        match (form, action) {
            (form, Action::Back) => {
                if form.changed() {
                    self.dialog = Some(Dialog::ConfirmDiscard);
                } else {
                    self.form = None;
                }
            }
            (Form::Product(form), Action::NextField) => form.focus = (form.focus + 1) % PRODUCT_FIELDS.len(),
            (Form::Product(form), Action::PrevField) => {
                form.focus = (form.focus + PRODUCT_FIELDS.len() - 1) % PRODUCT_FIELDS.len();
            }
            (Form::Product(form), Action::Submit) if form.focus + 1 < PRODUCT_FIELDS.len() => form.focus += 1,
            (Form::Product(form), Action::Edit(request)) => {
                form.fields[form.focus].handle(request);
            }
            (Form::Product(form), Action::Paste(text)) => paste_into(&mut form.fields[form.focus], &text),
            (Form::Stock(form), Action::Edit(request)) => {
                form.change.handle(request);
            }
            (Form::Stock(form), Action::Paste(text)) => paste_into(&mut form.change, &text),
            (_, Action::Submit | Action::SubmitForm) => self.submit_form(),
            _ => {}
        }
    }

    fn submit_form(&mut self) {
        let admin = self.username().unwrap_or_default().to_string();
        match self.form.take() {
            Some(Form::Product(mut form)) => {
                let [name, price, stock, category, description] = form.fields.each_ref().map(|f| f.value());
                let saved = ProductDraft::from_input(name, price, stock, category, description)
                    .map_err(|err| {
                        form.focus = match err {
                            ProductError::NameLength => 0,
                            ProductError::PriceFormat | ProductError::PriceNotPositive => 1,
                            _ => 2,
                        };
                        StoreError::from(err)
                    })
                    .and_then(|draft| match &form.editing {
                        None => self.store.create_product(&admin, draft),
                        Some(id) => self.store.update_product(&admin, id, draft),
                    });
                match saved {
                    Ok(product) => {
                        let verb = if form.editing.is_some() { "Saved" } else { "Created" };
                        self.info(format!("{verb} {} {}", product.product_id, product.name));
                        // Rebuild now so the new or renamed product can be selected.
                        self.refresh_views();
                        self.select_admin_product(&product.product_id);
                    }
                    Err(err) => {
                        form.error = Some(err.to_string());
                        self.form = Some(Form::Product(form));
                    }
                }
            }
            Some(Form::Stock(mut form)) => {
                let before = self.store.data().products.get(&form.product_id).map(|p| p.stock);
                let changed = parse_stock_change(form.change.value())
                    .map_err(StoreError::from)
                    .and_then(|change| self.store.change_stock(&admin, &form.product_id, change));
                match changed {
                    Ok(product) => {
                        let was = before.map_or_else(String::new, |n| format!("{n} → "));
                        self.info(format!("{} {}: stock {was}{}", product.product_id, product.name, product.stock));
                    }
                    Err(err) => {
                        form.error = Some(err.to_string());
                        self.form = Some(Form::Stock(form));
                    }
                }
            }
            None => {}
        }
    }

    fn select_admin_product(&mut self, product_id: &str) {
        let rows = self.store.data().products.rows();
        let found = self.admin_products.hits.iter().position(|h| rows[h.position as usize].product_id == product_id);
        if let Some(index) = found {
            let (len, height) = (self.admin_products.hits.len(), self.list_rows());
            self.admin_products.cursor.select(index, len, height);
        }
    }

    // ---- admin: all orders ----

    fn update_admin_orders(&mut self, action: Action) {
        if self.admin_orders.filter_focused {
            match action {
                Action::Edit(request)
                    if self.admin_orders.query.handle(request).is_some_and(|changed| changed.value) =>
                {
                    self.admin_orders.cursor = ListCursor::default();
                }
                Action::Paste(text) => paste_into(&mut self.admin_orders.query, &text),
                Action::FilterToResults | Action::Back => self.admin_orders.filter_focused = false,
                _ => {}
            }
            return;
        }
        let selected = match self.screen {
            Screen::AdminOrderDetail => self.admin_orders.detail.clone(),
            _ => self.admin_orders.ids.get(self.admin_orders.cursor.selected).cloned(),
        };
        let order = selected.and_then(|id| self.store.data().orders.get(&id).cloned());
        match (action, order) {
            (Action::Back, _) if self.screen == Screen::AdminOrderDetail => {
                self.admin_orders.detail = None;
                self.screen = Screen::AdminOrders;
            }
            (Action::Back, _) if !self.admin_orders.query.value().is_empty() => self.admin_orders.query.reset(),
            (Action::Paste(text), _) => {
                self.admin_orders.filter_focused = true;
                paste_into(&mut self.admin_orders.query, &text);
            }
            (Action::Open, Some(order)) => {
                self.admin_orders.detail = Some(order.order_id);
                self.screen = Screen::AdminOrderDetail;
            }
            (Action::AdvanceOrder, Some(order)) => match order.status.next() {
                Some(to) => self.dialog = Some(Dialog::ConfirmAdvance { order_id: order.order_id, to }),
                None => self.error(format!("Order {} is {}; it cannot move further", order.order_id, order.status)),
            },
            (Action::CancelOrder, Some(order)) if order.status.can_cancel() => {
                self.dialog = Some(Dialog::ConfirmCancel { order_id: order.order_id });
            }
            (Action::CancelOrder, Some(order)) => self.error(format!(
                "Order {} is {}; only placed or paid orders can be cancelled",
                order.order_id, order.status
            )),
            (Action::Open | Action::AdvanceOrder | Action::CancelOrder, None) => self.error("No order selected"),
            _ => {}
        }
    }

    /// Re-applies the All orders filter, when the orders or the query changed.
    fn refresh_admin_orders(&mut self) {
        if !self.is_admin() {
            return;
        }
        let built = (self.store.version(FileKind::Orders), self.admin_orders.query.value().to_string());
        if self.admin_orders.built_from.as_ref() == Some(&built) {
            return;
        }
        self.admin_orders.built_from = Some(built);
        let words: Vec<String> = self.admin_orders.query.value().split_whitespace().map(str::to_lowercase).collect();
        self.admin_orders.ids = self
            .store
            .data()
            .all_orders()
            .into_iter()
            .filter(|o| {
                let (user, id) = (o.username.to_lowercase(), o.order_id.to_lowercase());
                words.iter().all(|w| {
                    user.contains(w.as_str()) || id.contains(w.as_str()) || o.status.as_str().starts_with(w.as_str())
                })
            })
            .map(|o| o.order_id.clone())
            .collect();
        if self.admin_orders.detail.as_ref().is_some_and(|id| !self.store.data().orders.contains(id)) {
            self.admin_orders.detail = None;
        }
    }

    fn advance_order(&mut self, order_id: &str, to: OrderStatus) {
        let admin = self.username().unwrap_or_default().to_string();
        match self.store.set_order_status(&admin, order_id, to) {
            Ok(order) => self.info(format!("Order {} is now {}", order.order_id, order.status)),
            Err(err) => self.error(err.to_string()),
        }
    }

    fn delete_product(&mut self, product_id: &str) {
        let admin = self.username().unwrap_or_default().to_string();
        match self.store.delete_product(&admin, product_id) {
            Ok(product) => self.info(format!("Deleted {} {}", product.product_id, product.name)),
            Err(err) => self.error(err.to_string()),
        }
    }

    // ---- orders ----

    fn update_orders(&mut self, action: Action) {
        let selected = match self.screen {
            Screen::OrderDetail => self.orders.detail.clone(),
            _ => self.orders.ids.get(self.orders.cursor.selected).cloned(),
        };
        let Some(order_id) = selected else {
            if matches!(action, Action::Open | Action::CancelOrder | Action::WriteReceipt) {
                self.error("You have no orders yet");
            }
            return;
        };
        match action {
            Action::Open => {
                self.orders.detail = Some(order_id);
                self.screen = Screen::OrderDetail;
            }
            Action::Back if self.screen == Screen::OrderDetail => {
                self.orders.detail = None;
                self.screen = Screen::Orders;
            }
            Action::CancelOrder => match self.store.data().orders.get(&order_id).map(|o| o.status) {
                Some(OrderStatus::Placed) => self.dialog = Some(Dialog::ConfirmCancel { order_id }),
                Some(status) => {
                    self.error(format!("Order {order_id} is {status}; only a placed order can be cancelled"))
                }
                None => self.error(format!("Order {order_id} does not exist")),
            },
            Action::WriteReceipt => {
                let user = self.username().unwrap_or_default().to_string();
                match self.store.write_receipt(&user, &order_id, SHOP_NAME) {
                    Ok(path) => self.info(format!("Receipt written to {}", path.display())),
                    Err(err) => self.error(err.to_string()),
                }
            }
            _ => {}
        }
    }

    fn cancel_order(&mut self, order_id: &str) {
        let Some(user) = self.username().map(str::to_string) else { return };
        match self.store.cancel_order(&user, order_id) {
            Ok(order) => self.info(format!(
                "Order {} cancelled — {} back in stock",
                order.order_id,
                plural_items(order.item_count())
            )),
            Err(err) => self.error(err.to_string()),
        }
    }

    /// The shopper's order list, when the orders changed.
    fn refresh_orders(&mut self) {
        let version = self.store.version(FileKind::Orders);
        let Some(user) = self.username() else { return };
        if self.orders.built_from == Some(version) {
            return;
        }
        self.orders.ids = self.store.data().orders_of(user).iter().map(|o| o.order_id.clone()).collect();
        self.orders.built_from = Some(version);
        if self.orders.detail.as_ref().is_some_and(|id| !self.store.data().orders.contains(id)) {
            self.orders.detail = None;
        }
    }

    // ---- keeping up with the store ----

    /// Picks up other copies' changes; rebuilds what depends on them.
    pub fn sync_with_store(&mut self) {
        self.last_refresh = Instant::now();
        if let Err(err) = self.store.refresh() {
            self.error(format!("Cannot read the data folder: {err}"));
            return;
        }
        self.refresh_views();
    }

    /// Rebuilds whatever was made from data that has changed since.
    fn refresh_views(&mut self) {
        self.rebuild_catalog_if_stale();
        self.refresh_orders();
        self.refresh_admin_orders();
    }

    // ---- lists, pages, mouse ----

    fn list_len(&self) -> usize {
        match self.screen {
            Screen::Catalog => self.catalog.hits.len(),
            Screen::Cart => self.current_cart().items.len(),
            Screen::Orders => self.orders.ids.len(),
            Screen::AdminProducts => self.admin_products.hits.len(),
            Screen::AdminOrders => self.admin_orders.ids.len(),
            _ => 0,
        }
    }

    /// Rows of the current screen's list that fit on screen.
    pub fn list_rows(&self) -> usize {
        usize::from(self.rows_area().map_or(1, |r| r.height)).max(1)
    }

    fn page_rows(&self) -> usize {
        self.list_rows().saturating_sub(1).max(1)
    }

    fn cursor_mut(&mut self) -> Option<&mut ListCursor> {
        match self.screen {
            Screen::Catalog => Some(&mut self.catalog.cursor),
            Screen::Cart => Some(&mut self.cart),
            Screen::Orders => Some(&mut self.orders.cursor),
            Screen::AdminProducts => Some(&mut self.admin_products.cursor),
            Screen::AdminOrders => Some(&mut self.admin_orders.cursor),
            _ => None,
        }
    }

    fn move_selection(&mut self, delta: isize) {
        let (len, height) = (self.list_len(), self.list_rows());
        if let Some(cursor) = self.cursor_mut() {
            cursor.move_by(delta, len, height);
        }
    }

    fn fit_cursors(&mut self) {
        let screen = self.screen;
        for (list_screen, len) in [
            (Screen::Catalog, self.catalog.hits.len()),
            (Screen::Cart, self.current_cart().items.len()),
            (Screen::Orders, self.orders.ids.len()),
            (Screen::AdminProducts, self.admin_products.hits.len()),
            (Screen::AdminOrders, self.admin_orders.ids.len()),
        ] {
            self.screen = list_screen;
            let height = self.list_rows();
            if let Some(cursor) = self.cursor_mut() {
                cursor.fit(len, height);
            }
        }
        self.screen = screen;
    }

    /// The frame around every screen after login.
    pub fn frame_layout(&self) -> layout::Frame {
        layout::frame(self.viewport, self.stats.visible, self.tabs(), self.screen.tab())
    }

    /// The list rows area of the current screen, for paging and mouse hits.
    fn rows_area(&self) -> Option<Rect> {
        let body = self.frame_layout().body;
        match self.screen {
            Screen::Catalog | Screen::AdminProducts => Some(layout::catalog(body).rows),
            Screen::AdminOrders => Some(layout::filtered_list(body, false).rows),
            Screen::Cart => Some(layout::table(body, 3).1),
            Screen::Orders => Some(layout::table(body, 0).1),
            _ => None,
        }
    }

    fn click(&mut self, column: u16, row: u16) {
        let at = Position::new(column, row);
        let frame = self.frame_layout();
        if let Some(&(tab, _)) = frame.tabs.iter().find(|(_, rect)| rect.contains(at)) {
            self.show_tab(tab);
            return;
        }
        let filter_hit = layout::catalog(frame.body).filter.contains(at);
        match self.screen {
            Screen::Catalog => self.catalog.filter_focused = filter_hit,
            Screen::AdminProducts => self.admin_products.filter_focused = filter_hit,
            Screen::AdminOrders => self.admin_orders.filter_focused = filter_hit,
            _ => {}
        }
        let Some(rows) = self.rows_area().filter(|r| r.contains(at)) else { return };
        let (len, height) = (self.list_len(), self.list_rows());
        if let Some(cursor) = self.cursor_mut() {
            let index = cursor.offset + usize::from(row - rows.y);
            if index < len {
                cursor.select(index, len, height);
            }
        }
    }

    fn scroll(&mut self, column: u16, row: u16, down: bool) {
        if self.frame_layout().body.contains(Position::new(column, row)) {
            self.move_selection(if down { WHEEL_ROWS } else { -WHEEL_ROWS });
        }
    }
}

fn plural_items(n: u32) -> String {
    if n == 1 { "1 item".to_string() } else { format!("{n} items") }
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

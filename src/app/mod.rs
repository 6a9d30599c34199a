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
    CatalogView, Dialog, FilterEngine, ListCursor, LoginForm, LoginMode, Message, MessageKind, OrdersView, ProductView,
    Stats,
};

use crate::domain::{Cart, OrderStatus, Product, Role};
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
}

impl Screen {
    pub fn tab(self) -> Option<Tab> {
        match self {
            Screen::Login => None,
            Screen::Catalog | Screen::Product => Some(Tab::Catalog),
            Screen::Cart => Some(Tab::Cart),
            Screen::Orders | Screen::OrderDetail => Some(Tab::Orders),
        }
    }
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
        let catalog = CatalogView {
            query: Input::default(),
            filter_focused: false,
            engine: FilterEngine::Inline(CatalogFilter::new(std::iter::empty())),
            all: Vec::new(),
            generation: 0,
            pending: false,
            hits: Vec::new(),
            cursor: ListCursor::default(),
            total: 0,
            last_filter: Duration::ZERO,
            built_from: u64::MAX,
        };
        let mut app = App {
            store,
            session: None,
            screen: Screen::Login,
            login: LoginForm::default(),
            catalog,
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

    /// The shopper's cart as stored.
    pub fn current_cart(&self) -> Cart {
        self.username().map(|u| self.store.cart(u)).unwrap_or_default()
    }

    /// The product a catalog hit points at.
    pub fn hit_product(&self, index: usize) -> Option<&Product> {
        let hit = self.catalog.hits.get(index)?;
        self.store.data().products.rows().get(hit.position as usize)
    }

    pub fn selected_product(&self) -> Option<&Product> {
        self.hit_product(self.catalog.cursor.selected)
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
        let screen = match self.screen {
            Screen::Catalog if self.catalog.filter_focused => return vec![Context::Filter],
            Screen::Login | Screen::Catalog => Context::Catalog,
            Screen::Product => Context::Product,
            Screen::Cart => Context::Cart,
            Screen::Orders => Context::Orders,
            Screen::OrderDetail => Context::OrderDetail,
        };
        vec![screen, Context::Shop]
    }

    /// The help overlay's contexts: the screen's own, without the overlay.
    pub fn help_contexts(&self) -> Vec<Context> {
        match self.screen {
            Screen::Login => vec![Context::Login],
            Screen::Catalog if self.catalog.filter_focused => vec![Context::Filter],
            Screen::Catalog => vec![Context::Catalog, Context::Shop],
            Screen::Product => vec![Context::Product, Context::Shop],
            Screen::Cart => vec![Context::Cart, Context::Shop],
            Screen::Orders => vec![Context::Orders, Context::Shop],
            Screen::OrderDetail => vec![Context::OrderDetail, Context::Shop],
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
        } else if self.help_open {
            if matches!(action, Action::Back | Action::ToggleHelp) {
                self.help_open = false;
            }
        } else {
            self.update_shop(action);
        }
        self.fit_cursors();
    }

    fn update_shop(&mut self, action: Action) {
        match action {
            Action::ToggleHelp => self.help_open = true,
            Action::ShowTab(tab) => self.show_tab(tab),
            Action::FocusFilter => {
                self.screen = Screen::Catalog;
                self.catalog.filter_focused = true;
            }
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
                Screen::Login => {}
            },
        }
    }

    fn show_tab(&mut self, tab: Tab) {
        self.screen = match tab {
            Tab::Catalog => Screen::Catalog,
            Tab::Cart => Screen::Cart,
            Tab::Orders => {
                self.orders.detail = None;
                Screen::Orders
            }
        };
        self.catalog.filter_focused = false;
    }

    fn log_out(&mut self) {
        self.session = None;
        self.screen = Screen::Login;
        self.login = LoginForm::default();
        self.cart = ListCursor::default();
        self.orders = OrdersView::default();
        self.catalog.query.reset();
        self.catalog.filter_focused = false;
        self.refilter();
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
                    self.refilter();
                }
                Action::Paste(text) => {
                    paste_into(&mut self.catalog.query, &text);
                    self.refilter();
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
                self.refilter();
            }
            Action::Paste(text) => {
                self.catalog.filter_focused = true;
                paste_into(&mut self.catalog.query, &text);
                self.refilter();
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

    /// Re-runs the filter for the current query. With a worker, the answer
    /// arrives later through `poll_filter`.
    fn refilter(&mut self) {
        let query = self.catalog.query.value().to_string();
        if query.trim().is_empty() {
            // Everything, in catalog order: nothing to match.
            let hits = self.catalog.all.iter().map(|&position| filter::Hit { position, score: 0 }).collect();
            self.catalog.pending = false;
            self.catalog.generation += 1;
            self.apply_hits(hits, Duration::ZERO);
            return;
        }
        match &mut self.catalog.engine {
            FilterEngine::Inline(engine) => {
                let started = Instant::now();
                let hits = engine.search(&query);
                self.apply_hits(hits, started.elapsed());
            }
            FilterEngine::Worker(worker) => {
                self.catalog.generation += 1;
                worker.request(self.catalog.generation, &query);
                self.catalog.pending = true;
            }
        }
    }

    /// Takes a worker's answer if it is for the latest query; returns whether
    /// the results changed (the screen needs drawing).
    pub fn poll_filter(&mut self) -> bool {
        let FilterEngine::Worker(worker) = &self.catalog.engine else { return false };
        match worker.try_latest() {
            Some(result) if result.generation == self.catalog.generation && self.catalog.pending => {
                self.catalog.pending = false;
                self.apply_hits(result.hits, result.took);
                true
            }
            _ => false,
        }
    }

    /// Shows new results, keeping the same product selected when it is among them.
    fn apply_hits(&mut self, hits: Vec<filter::Hit>, took: Duration) {
        let keep = self.selected_product().map(|p| p.product_id.clone());
        self.catalog.hits = hits;
        self.catalog.last_filter = took;
        let rows = self.store.data().products.rows();
        let index = keep
            .and_then(|id| self.catalog.hits.iter().position(|h| rows[h.position as usize].product_id == id))
            .unwrap_or(0);
        let height = self.list_rows();
        self.catalog.cursor.select(index, self.catalog.hits.len(), height);
    }

    /// Rebuilds the filter's index when the store's products changed.
    fn rebuild_catalog_if_stale(&mut self) {
        let version = self.store.version(FileKind::Products);
        if self.catalog.built_from == version {
            return;
        }
        let rows = self.store.data().products.rows();
        let sold = rows.iter().enumerate().filter(|(_, p)| p.active);
        self.catalog.all = sold.clone().map(|(i, _)| i as u32).collect();
        let engine = CatalogFilter::new(sold);
        self.catalog.total = engine.len();
        self.catalog.engine = if engine.len() >= self.worker_from {
            FilterEngine::Worker(filter_worker::FilterWorker::spawn(engine))
        } else {
            FilterEngine::Inline(engine)
        };
        self.catalog.built_from = version;
        self.refilter();
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
                self.refresh_orders();
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

    fn refresh_orders(&mut self) {
        let Some(user) = self.username() else { return };
        self.orders.ids = self.store.data().orders_of(user).iter().map(|o| o.order_id.clone()).collect();
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
        self.rebuild_catalog_if_stale();
        self.refresh_orders();
    }

    // ---- lists, pages, mouse ----

    fn list_len(&self) -> usize {
        match self.screen {
            Screen::Catalog => self.catalog.hits.len(),
            Screen::Cart => self.current_cart().items.len(),
            Screen::Orders => self.orders.ids.len(),
            _ => 0,
        }
    }

    /// Rows of the current screen's list that fit on screen.
    pub fn list_rows(&self) -> usize {
        let frame = layout::frame(self.viewport, self.stats.visible);
        let rows = match self.screen {
            Screen::Cart => layout::table(frame.body, 3).1,
            Screen::Orders => layout::table(frame.body, 0).1,
            _ => layout::catalog(frame.body).rows,
        };
        usize::from(rows.height).max(1)
    }

    fn page_rows(&self) -> usize {
        self.list_rows().saturating_sub(1).max(1)
    }

    fn cursor_mut(&mut self) -> Option<&mut ListCursor> {
        match self.screen {
            Screen::Catalog => Some(&mut self.catalog.cursor),
            Screen::Cart => Some(&mut self.cart),
            Screen::Orders => Some(&mut self.orders.cursor),
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
        ] {
            self.screen = list_screen;
            let height = self.list_rows();
            if let Some(cursor) = self.cursor_mut() {
                cursor.fit(len, height);
            }
        }
        self.screen = screen;
    }

    /// The list rows area of the current screen, for mouse hits.
    fn rows_area(&self) -> Option<Rect> {
        let frame = layout::frame(self.viewport, self.stats.visible);
        match self.screen {
            Screen::Catalog => Some(layout::catalog(frame.body).rows),
            Screen::Cart => Some(layout::table(frame.body, 3).1),
            Screen::Orders => Some(layout::table(frame.body, 0).1),
            _ => None,
        }
    }

    fn click(&mut self, column: u16, row: u16) {
        let at = Position::new(column, row);
        let frame = layout::frame(self.viewport, self.stats.visible);
        if let Some(&(tab, _)) = frame.tabs.iter().find(|(_, rect)| rect.contains(at)) {
            self.show_tab(tab);
            return;
        }
        if self.screen == Screen::Catalog {
            let filter = layout::catalog(frame.body).filter;
            self.catalog.filter_focused = filter.contains(at);
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
        let frame = layout::frame(self.viewport, self.stats.visible);
        if frame.body.contains(Position::new(column, row)) {
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

//! The app: the components of its screens and overlays (each owns its
//! state and turns actions into effects, `component.rs`), the data they
//! read, and `update`, which routes an action to the one in front and
//! performs what it returns. No drawing, no terminal and no storage here:
//! requests run on the session's worker (`worker.rs`) and come back as
//! typed answers (`answers.rs`); `update` and `poll_results` are the only
//! ways state changes, so every flow can be tested by feeding actions and
//! settling.

pub mod action;
mod admin;
mod admin_orders;
mod admin_pricing;
mod answers;
mod cart;
mod catalog;
mod checkout;
pub mod component;
pub mod dialog;
pub mod filter;
pub mod filter_worker;
mod filtering;
pub mod form;
pub mod help;
pub mod keymap;
pub mod layout;
mod lists;
mod login;
pub mod order_page;
mod orders;
mod product;
pub mod ranking;
mod receipt;
pub mod refusal;
pub mod requests;
#[cfg(test)]
mod screen_tests;
mod shop;
pub mod views;
pub mod worker;

use std::sync::Arc;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use ratatui::layout::{Position, Rect};
use tui_input::{Input, InputRequest};

pub use action::{Action, Tab};
pub use admin_pricing::{DiscountsView, SettingsView};
pub use cart::CartView;
use component::{Component, Effect, in_front, shop_ctx};
pub use dialog::{Dialog, DialogCtx};
use filter::CatalogFilter;
use form::FormCtx;
pub use help::{HelpCtx, HelpOverlay};
use keymap::Context;
use login::LoginCtx;
pub use views::{
    AdminOrdersView, CatalogView, CheckoutStep, CheckoutView, EDIT_PRODUCT_FIELDS, FieldsForm, FieldsPurpose,
    FilterEngine, Form, ListCursor, LoginForm, LoginMode, Message, MessageKind, MessageTone, NEW_PRODUCT_FIELDS,
    OrdersView, ProductForm, ProductView, ReceiptView, Stats, StockForm,
};

use crate::domain::{Cart, Discount, Order, Problem, Product, ProductError, Quote, Role, Settings};
use crate::shop::{Account, Catalog, Changed, KeyLogin, OrderBook, ShopError, ShopService};
use refusal::Refusal;
use requests::Request;
use worker::{SessionView, Worker};

/// From this many products, matching runs on a worker thread so typing
/// never waits for it.
pub const FILTER_WORKER_FROM: usize = 250_000;
/// Rows the mouse wheel moves.
const WHEEL_ROWS: isize = 3;
/// How long a request may take before the screen says it is working on it
/// (a password hash, a big reload); quicker ones would only flicker.
const BUSY_NOTICE_AFTER: Duration = Duration::from_millis(300);
/// What the app says while another copy of Shopfront holds the data folder.
pub const WAITING_NOTICE: &str = "Waiting for another copy of Shopfront to finish with the shop's data…";
/// What the app says while the shop's database cannot be reached.
pub const UNREACHABLE_NOTICE: &str = "The shop cannot reach its database; trying again…";
/// How long a message stays when nothing else happens (the data it speaks
/// of may change meanwhile: an old "is paid" must not linger).
pub const MESSAGE_LIFETIME: Duration = Duration::from_secs(5);
/// What the app says while a request takes a while.
pub const WORKING_NOTICE: &str = "Working…";
/// What the app says while a request waits for the shop's orders, read
/// after its catalog when it opens.
pub const LOADING_NOTICE: &str = "Reading the shop's orders…";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    Login,
    Catalog,
    Product,
    Cart,
    /// The checkout's steps (`CheckoutView::step`).
    Checkout,
    Orders,
    OrderDetail,
    AdminProducts,
    AdminOrders,
    AdminOrderDetail,
    AdminDiscounts,
    AdminSettings,
}

impl Screen {
    pub fn tab(self) -> Option<Tab> {
        match self {
            Screen::Login => None,
            Screen::Catalog | Screen::Product => Some(Tab::Catalog),
            Screen::Cart | Screen::Checkout => Some(Tab::Cart),
            Screen::Orders | Screen::OrderDetail => Some(Tab::Orders),
            Screen::AdminProducts => Some(Tab::Products),
            Screen::AdminOrders | Screen::AdminOrderDetail => Some(Tab::AllOrders),
            Screen::AdminDiscounts => Some(Tab::Discounts),
            Screen::AdminSettings => Some(Tab::Settings),
        }
    }
}

/// The shopper's catalog (products on sale) or the admin's (all products).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CatalogKind {
    Shop,
    Admin,
}

/// Which of the overlays returned effects (see `App::perform`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layer {
    /// The screen in front (nothing over it to close).
    Screen,
    /// The login screen (nothing over it to close).
    Login,
    Dialog,
    Help,
    Form,
    Receipt,
}

/// Who is logged in to this app.
pub type Session = Account;

pub struct App {
    pub session: Option<Session>,
    pub screen: Screen,
    pub login: LoginForm,
    pub catalog: CatalogView,
    /// The admin's Products tab: every product, archived ones too.
    pub admin_products: CatalogView,
    pub admin_orders: AdminOrdersView,
    /// The admin's Discounts tab: every code and its uses so far.
    pub discount_codes: DiscountsView,
    /// The admin's Settings tab.
    settings_tab: SettingsView,
    /// An admin form open over the screen.
    pub form: Option<Form>,
    /// First line shown of a detail page (product, order) taller than the screen.
    pub detail_scroll: u16,
    pub product: ProductView,
    pub cart: CartView,
    pub checkout: CheckoutView,
    pub orders: OrdersView,
    pub dialog: Option<Dialog>,
    /// An order's receipt open over the screen.
    pub receipt: Option<ReceiptView>,
    /// The `?` help open over the screen.
    pub help: Option<HelpOverlay>,
    pub message: Option<Message>,
    pub stats: Stats,
    /// The terminal's size, for page lengths and mouse hits.
    pub viewport: Rect,
    pub should_quit: bool,
    /// Catalog size from which matching moves to a worker thread.
    worker_from: usize,
    shop: Arc<ShopService>,
    worker: Worker,
    notices: Receiver<Changed>,
    /// What the screens show: the catalog snapshot (shared with every other
    /// session), and this account's cart and orders as the worker last read them.
    products: Arc<Catalog>,
    my_cart: Cart,
    /// The shop's settings (shipping, tax), as of the last notice.
    settings: Arc<Settings>,
    /// The promo code the shopper applied (the shop checks it again at checkout).
    promo: Option<Discount>,
    /// `my_cart` quoted (`domain::quote`), computed when the cart, the
    /// settings or the promo code change.
    my_quote: Result<Quote, Problem>,
    my_orders: Vec<Order>,
    all_orders: Option<Arc<OrderBook>>,
    /// Bumped with each new catalog / orders snapshot, so views know to rebuild.
    catalog_generation: u64,
    orders_generation: u64,
    submits_in_flight: usize,
    refresh_in_flight: bool,
    /// Since when requests have been under way.
    busy_since: Option<Instant>,
    /// Inside a burst of input (`begin_batch`): filters run once at its end.
    batching: bool,
    refilter_after_batch: [bool; 2],
    /// The SSH key this session's client proved it holds (`SHA256:…`), and
    /// whether it logged this session in.
    ssh_key: Option<String>,
    key_linked: bool,
    /// The client's network address (SSH sessions).
    origin: Option<String>,
    /// Where `w` writes a receipt: a local session's `receipts/` beside its
    /// data. None over SSH (`shopfront serve`): the file would land on the
    /// server, so the session writes none.
    receipts: Option<std::path::PathBuf>,
    /// When the message was set, and how long messages stay.
    message_at: Instant,
    message_lifetime: Duration,
    /// The shop's time of day, for what depends on it (a code's state).
    clock: fn() -> crate::domain::Timestamp,
    /// Whether the screen needs drawing again: set by every action, by an
    /// answer, change notice or filter result taken, and by a tick that
    /// changed what the screen shows; cleared as a frame is drawn (`begin_frame`).
    redraw: bool,
    /// What the last frame showed of what changes with time alone.
    shown: Timely,
}

/// What the screen shows that can change with nothing done in this session
/// and no notice taken: the message line (a request that takes long enough
/// to say "Working…", another copy holding the folder, the database out of
/// reach, an admin's held-back file), the login's countdown, and the states
/// of the Discounts tab's codes (they start and expire with the clock). A
/// tick that finds it other than the last frame showed draws again.
#[derive(Debug, Default, PartialEq)]
struct Timely {
    message_line: Option<(MessageTone, String)>,
    login_wait: Option<String>,
    discount_states: Vec<crate::domain::DiscountState>,
}

impl App {
    /// A session on `shop`, showing the login form.
    pub fn new(shop: Arc<ShopService>, viewport: Rect) -> App {
        let notices = shop.subscribe();
        let products = shop.catalog();
        let settings = shop.settings();
        let mut app = App {
            settings,
            promo: None,
            checkout: CheckoutView::default(),
            discount_codes: DiscountsView::default(),
            settings_tab: SettingsView,
            worker: Worker::spawn(Arc::clone(&shop)),
            shop,
            notices,
            products,
            my_cart: Cart::default(),
            my_quote: Ok(Quote::default()),
            my_orders: Vec::new(),
            all_orders: None,
            catalog_generation: 1,
            orders_generation: 1,
            submits_in_flight: 0,
            refresh_in_flight: false,
            busy_since: None,
            batching: false,
            refilter_after_batch: [false; 2],
            message_at: Instant::now(),
            ssh_key: None,
            key_linked: false,
            origin: None,
            receipts: None,
            message_lifetime: MESSAGE_LIFETIME,
            clock: crate::clock::now,
            session: None,
            screen: Screen::Login,
            login: LoginForm::default(),
            catalog: CatalogView::empty(),
            admin_products: CatalogView::empty(),
            admin_orders: AdminOrdersView::default(),
            form: None,
            detail_scroll: 0,
            product: ProductView::default(),
            cart: CartView::default(),
            orders: OrdersView::default(),
            dialog: None,
            receipt: None,
            help: None,
            message: None,
            stats: Stats::default(),
            viewport,
            should_quit: false,
            worker_from: FILTER_WORKER_FROM,
            redraw: true,
            shown: Timely::default(),
        };
        app.rebuild_catalog_if_stale();
        app
    }

    pub fn username(&self) -> Option<&str> {
        self.session.as_ref().map(|s| s.username())
    }

    /// What an admin must settle in the data folder (files held back), or
    /// nothing; shoppers are told when a change of theirs is refused.
    pub fn data_warning(&self) -> Option<String> {
        if !self.is_admin() {
            return None;
        }
        self.shop.held_back().into_iter().next()
    }

    pub fn is_admin(&self) -> bool {
        self.session.as_ref().is_some_and(|s| s.role() == Role::Admin)
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
        self.products.at(hit.position as usize)
    }

    /// Starts a burst of input handled before the next frame: a filter
    /// edited many times in it runs once, at `end_batch`.
    pub fn begin_batch(&mut self) {
        self.batching = true;
    }

    /// Ends the burst: runs each filter that was edited during it.
    pub fn end_batch(&mut self) {
        self.batching = false;
        for (i, kind) in [CatalogKind::Shop, CatalogKind::Admin].into_iter().enumerate() {
            if std::mem::take(&mut self.refilter_after_batch[i]) {
                self.refilter(kind);
                self.fit_cursors();
            }
        }
    }

    /// How long messages stay (tests shorten it).
    pub fn set_message_lifetime(&mut self, lifetime: Duration) {
        self.message_lifetime = lifetime;
    }

    /// Whether the screen must be drawn again: something it shows may have
    /// changed since the last frame (`begin_frame`).
    pub fn needs_redraw(&self) -> bool {
        self.redraw
    }

    /// Called just before a frame is drawn: what it shows is the screen's
    /// from now on. (What changes with time is read before drawing: if it
    /// changes while the frame is made, the next tick finds it different.)
    pub fn begin_frame(&mut self) {
        self.shown = self.timely();
        self.redraw = false;
    }

    /// Whether the screen changes at every tick: while requests are under
    /// way (the worker's notices, the login's countdown) and while the
    /// stats line shows the last frame's render time.
    fn animating(&self) -> bool {
        self.requests_in_flight() > 0 || self.stats.visible
    }

    /// What the screen would show now of what changes with time alone.
    fn timely(&self) -> Timely {
        let discount_states = if self.screen == Screen::AdminDiscounts {
            self.discounts().iter().map(|(discount, _)| self.discount_state(discount)).collect()
        } else {
            Vec::new()
        };
        Timely { message_line: self.message_line(), login_wait: self.login_wait_notice(), discount_states }
    }

    /// Whether nothing the screen shows can change before the next change
    /// notice: no request under way, no filter running, no message to
    /// expire, no countdown, no stats line, no codes starting or expiring
    /// on screen. The loop then waits longer between its looks for notices.
    pub fn quiet(&self) -> bool {
        self.requests_in_flight() == 0
            && !self.catalog.pending
            && !self.admin_products.pending
            && self.message.is_none()
            && self.login.checked_at.is_none()
            && !self.stats.visible
            && self.screen != Screen::AdminDiscounts
    }

    /// The catalog snapshot this session shows: the shop's, shared with every
    /// other session of the process (for measuring and tests; screens use
    /// `product` and the filter's hits).
    pub fn catalog_snapshot(&self) -> &Arc<Catalog> {
        &self.products
    }

    /// A product of the catalog snapshot, archived ones too.
    pub fn product(&self, product_id: &str) -> Option<&Product> {
        self.products.get(product_id)
    }

    /// How many products the catalog holds, archived ones too.
    pub fn product_count(&self) -> usize {
        self.products.len()
    }

    /// One of this account's orders (an admin: any order).
    pub fn order(&self, order_id: &str) -> Option<&Order> {
        match &self.all_orders {
            Some(book) => book.get(order_id),
            None => self.my_orders.iter().find(|o| o.order_id == order_id),
        }
    }

    /// The page of one order as this reader sees it, laid out for the
    /// body's width: what the order screens draw and scroll through.
    pub fn order_page(&self, order_id: &str) -> Option<Vec<order_page::PageLine>> {
        let order = self.order(order_id)?;
        let reader = if self.is_admin() { order_page::Reader::Admin } else { order_page::Reader::Shopper };
        let width = usize::from(self.frame_layout().body.width.saturating_sub(2));
        let name_of = |id: &str| self.product(id).map(|p| p.name.clone());
        Some(order_page::lines(order, &self.settings.currency(), reader, width, &name_of))
    }

    /// Every order in the shop (admins; 0 for shoppers).
    pub fn all_orders_count(&self) -> usize {
        self.all_orders.as_ref().map_or(0, |book| book.len())
    }

    pub fn selected_in(&self, kind: CatalogKind) -> Option<&Product> {
        self.hit_in(kind, self.view(kind).cursor.selected)
    }

    /// The shopper's cart as the worker last read it.
    pub fn current_cart(&self) -> &Cart {
        &self.my_cart
    }

    /// That cart quoted: every figure the screens show. `Err` if the total
    /// does not fit (shown as such, never as a wrapped number).
    pub fn quote(&self) -> Result<&Quote, &Problem> {
        self.my_quote.as_ref()
    }

    /// The shop's settings as this session last heard of them.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Requests sent to the shop and not answered yet.
    pub fn requests_in_flight(&self) -> usize {
        self.worker.in_flight()
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
        let waiting = self.worker.waiting() != crate::shop::Waiting::Nothing;
        let mut contexts = if waiting { vec![Context::Waiting] } else { vec![] };
        contexts.extend(if self.screen == Screen::Login {
            self.login.contexts(&LoginCtx { origin: self.origin.as_deref() })
        } else if self.dialog.is_some() {
            vec![Context::Dialog]
        } else if let Some(help) = &self.help {
            help.contexts(&self.help_ctx())
        } else {
            self.help_contexts()
        });
        contexts
    }

    /// What to say while requests are under way: that another copy of
    /// Shopfront holds the folder, or (after a moment) that the app is working.
    pub fn waiting_notice(&self) -> Option<&'static str> {
        match self.worker.waiting() {
            crate::shop::Waiting::OtherCopy => return Some(WAITING_NOTICE),
            crate::shop::Waiting::Database => return Some(UNREACHABLE_NOTICE),
            crate::shop::Waiting::Nothing => {}
        }
        let busy = self.busy_since.filter(|since| since.elapsed() >= BUSY_NOTICE_AFTER);
        busy.map(|_| if self.shop.still_loading() { LOADING_NOTICE } else { WORKING_NOTICE })
    }

    /// What the message line says now, and in what tone. Waiting for
    /// another copy matters more than what the last action said; until it
    /// is settled, an admin sees what to do about a held-back file.
    pub fn message_line(&self) -> Option<(MessageTone, String)> {
        if let Some(notice) = self.waiting_notice() {
            return Some((MessageTone::Warning, format!("… {notice}")));
        }
        match &self.message {
            Some(message) => Some(match message.kind {
                MessageKind::Info => (MessageTone::Info, format!("✓ {}", message.text)),
                MessageKind::Error => (MessageTone::Error, format!("✗ {}", message.text)),
                // Not the shopper's doing: say so, so they do not retry in vain.
                MessageKind::Failure => {
                    (MessageTone::Error, format!("⚠ Something is wrong with the shop: {}", message.text))
                }
            }),
            None => self.data_warning().map(|warning| (MessageTone::Warning, format!("⚠ {warning}"))),
        }
    }

    /// The screen's own contexts (what the help overlay lists).
    pub fn help_contexts(&self) -> Vec<Context> {
        if let Some(receipt) = &self.receipt {
            return receipt.contexts(&self.receipt_ctx(receipt));
        }
        if let Some(form) = &self.form {
            return form.contexts(&FormCtx { settings: &self.settings });
        }
        let (front, ctx) = in_front!(self, &);
        let Some(front) = front else { return vec![Context::Login] };
        let mut contexts = front.contexts(&ctx);
        // A focused filter takes every key; otherwise the tabs' keys work too.
        if !contexts.contains(&Context::Filter) {
            contexts.extend(if self.is_admin() { &[Context::AdminShop, Context::Shop][..] } else { &[Context::Shop] });
        }
        contexts
    }

    /// The footer's hints: the keymap's for where keys go now, less what
    /// cannot happen in this state (no "place order" for an empty cart).
    pub fn footer_hints(&self) -> Vec<(String, &'static str)> {
        let contexts = self.contexts();
        let available = self.availability();
        keymap::footer_bindings(&contexts)
            .into_iter()
            .filter(|binding| available(&binding.action))
            .map(|binding| (binding.label(), binding.hint))
            .collect()
    }

    /// Whether `action` can do anything on the current screen as it is.
    pub fn available(&self, action: &Action) -> bool {
        self.availability()(action)
    }

    /// Asks the component in front whether an action can do anything, its
    /// context made once for every action asked about (the footer asks
    /// about each of its keys at every frame).
    fn availability(&self) -> Box<dyn Fn(&Action) -> bool + '_> {
        if let Some(help) = &self.help {
            let ctx = self.help_ctx();
            return Box::new(move |action| help.available(action, &ctx));
        }
        if let Some(dialog) = &self.dialog {
            let ctx = DialogCtx { ssh_key: self.ssh_key.as_deref() };
            return Box::new(move |action| dialog.available(action, &ctx));
        }
        if let Some(form) = &self.form {
            let ctx = FormCtx { settings: &self.settings };
            return Box::new(move |action| form.available(action, &ctx));
        }
        if let Some(receipt) = &self.receipt {
            let ctx = self.receipt_ctx(receipt);
            return Box::new(move |action| receipt.available(action, &ctx));
        }
        let (front, ctx) = in_front!(self, &);
        // `w` writes a receipt: only with one open (above).
        Box::new(move |action| {
            !matches!(action, Action::WriteReceipt) && front.is_none_or(|front| front.available(action, &ctx))
        })
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
        self.message_at = Instant::now();
    }

    fn error(&mut self, text: impl Into<String>) {
        self.message = Some(Message { text: text.into(), kind: MessageKind::Error });
        self.message_at = Instant::now();
    }

    /// A shop error, shown by its kind: the shopper's to fix (refused), or
    /// something broken (files, disk), which says so.
    fn shop_error(&mut self, err: &ShopError) {
        let kind = match err.kind() {
            crate::shop::ErrorKind::Broken => MessageKind::Failure,
            crate::shop::ErrorKind::Refused | crate::shop::ErrorKind::Busy => MessageKind::Error,
        };
        self.message = Some(Message { text: refusal::described(err), kind });
        self.message_at = Instant::now();
    }

    /// Whether the `?` help is open over the screen.
    pub fn help_open(&self) -> bool {
        self.help.is_some()
    }

    fn open_help(&mut self) {
        self.help = Some(HelpOverlay::default());
    }

    /// What the help reads: the rows the screen under it lists.
    fn help_ctx(&self) -> HelpCtx {
        HelpCtx { rows: keymap::help_rows(&self.help_contexts()).len(), viewport: self.viewport }
    }

    /// Performs what a component returned; `from` is the one that did
    /// (what `Close` takes off the screen).
    fn perform(&mut self, from: Layer, effects: Vec<Effect>) {
        for effect in effects {
            match effect {
                Effect::Close => match from {
                    Layer::Screen | Layer::Login => {}
                    Layer::Dialog => self.dialog = None,
                    Layer::Help => self.help = None,
                    Layer::Receipt => self.receipt = None,
                    Layer::Form => self.form = None,
                },
                Effect::Confirm(dialog) => self.dialog = Some(dialog),
                Effect::OpenForm(form) => self.form = Some(form),
                Effect::KeepDraft { purpose, values, toggle } => {
                    self.checkout.keep_draft(&purpose, values, toggle);
                    self.form = None;
                    // Nothing saved to choose from on this step: Esc goes on back.
                    if self.screen == Screen::Checkout && self.checkout_list_len() == 0 {
                        let effects = self.checkout.handle(Action::Back, &shop_ctx!(self));
                        self.perform(Layer::Screen, effects);
                    }
                }
                Effect::SubmitFields => self.submit_fields_form(),
                Effect::Show(screen) => {
                    // A page opened shows its top.
                    if matches!(screen, Screen::Product | Screen::OrderDetail | Screen::AdminOrderDetail) {
                        self.detail_scroll = 0;
                    }
                    self.screen = screen;
                }
                Effect::OpenReceipt(order_id) => self.open_receipt(order_id),
                Effect::ShowTab(tab) => self.show_tab(tab),
                Effect::Refilter(kind) => self.refilter(kind),
                Effect::OpenProduct(product_id) => self.open_product(product_id),
                Effect::StartCheckout => self.start_checkout(),
                Effect::OpenPromo => self.open_promo_form(),
                Effect::Info(text) => self.info(text),
                Effect::Error(text) => self.error(text),
                Effect::OpenHelp => self.open_help(),
                Effect::Ask(request) => self.request(request),
                Effect::DiscardForm => self.form = None,
                Effect::LogOut => self.log_out(),
            }
        }
    }

    // ---- update ----

    pub fn update(&mut self, action: Action) {
        if !matches!(action, Action::Tick) {
            self.redraw = true;
        }
        match action {
            Action::Resize(width, height) => {
                self.viewport = Rect::new(0, 0, width, height);
                self.fit_cursors();
                return;
            }
            Action::Tick => {
                // Answers and change notices (`redraw` if they change anything).
                self.poll_results();
                if self.message.is_some() && self.message_at.elapsed() >= self.message_lifetime {
                    self.message = None;
                    self.redraw = true;
                }
                if self.redraw || self.animating() || self.timely() != self.shown {
                    // The message line's height may have changed: lists keep their selection in view.
                    self.fit_cursors();
                    self.redraw = true;
                }
                return;
            }
            Action::StopWaiting => {
                self.stop_waiting();
                // Its message may take more rows than the line had.
                self.fit_cursors();
                self.redraw = true;
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
            let effects = self.login.handle(action, &LoginCtx { origin: self.origin.as_deref() });
            self.perform(Layer::Login, effects);
            return;
        }
        if let Some(mut dialog) = self.dialog.take() {
            let effects = dialog.handle(action, &DialogCtx { ssh_key: self.ssh_key.as_deref() });
            self.dialog = Some(dialog);
            self.perform(Layer::Dialog, effects);
        } else if let Some(mut form) = self.form.take_if(|_| self.help.is_none()) {
            let effects = form.handle(action, &FormCtx { settings: &self.settings });
            self.form = Some(form);
            self.perform(Layer::Form, effects);
        } else if let Some(mut help) = self.help.take() {
            let ctx = self.help_ctx();
            let effects = help.handle(action, &ctx);
            self.help = Some(help);
            self.perform(Layer::Help, effects);
        } else if let Some(mut receipt) = self.receipt.take() {
            let ctx = self.receipt_ctx(&receipt);
            let effects = receipt.handle(action, &ctx);
            self.receipt = Some(receipt);
            self.perform(Layer::Receipt, effects);
        } else {
            self.update_shop(action);
        }
        self.refresh_views();
        self.fit_cursors();
    }

    fn update_shop(&mut self, action: Action) {
        match action {
            Action::ToggleHelp => self.open_help(),
            Action::ShowTab(tab) => self.show_tab(tab),
            Action::NextTab => self.cycle_tab(1),
            Action::PrevTab => self.cycle_tab(-1),
            Action::FocusFilter => match self.screen {
                Screen::AdminProducts => self.admin_products.filter_focused = true,
                // No filter of their own; not the shop's catalog either.
                Screen::AdminDiscounts | Screen::AdminSettings => {}
                Screen::AdminOrders | Screen::AdminOrderDetail => {
                    self.admin_orders.detail = None;
                    self.screen = Screen::AdminOrders;
                    self.admin_orders.filter_focused = true;
                }
                _ => {
                    self.screen = Screen::Catalog;
                    self.catalog.filter_focused = true;
                }
            },
            Action::LogOut if self.key_linked => self.dialog = Some(Dialog::ConfirmForgetKey),
            Action::LogOut => self.log_out(),
            Action::Click { column, row } => self.click(column, row),
            Action::Scroll { column, row, down } => self.scroll(column, row, down),
            Action::Up => self.move_selection(-1),
            Action::Down => self.move_selection(1),
            Action::PageUp => self.move_selection(-(self.page_rows() as isize)),
            Action::PageDown => self.move_selection(self.page_rows() as isize),
            Action::Home => self.move_selection(isize::MIN / 2),
            Action::End => self.move_selection(isize::MAX / 2),
            other => {
                let (front, ctx) = in_front!(self, &mut);
                if let Some(front) = front {
                    let effects = front.handle(other, &ctx);
                    self.perform(Layer::Screen, effects);
                }
            }
        }
    }

    fn show_tab(&mut self, tab: Tab) {
        if tab.admin_only() && !self.is_admin() {
            self.error(ShopError::NotAdmin.to_string());
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
            Tab::Discounts => {
                self.request(Request::LoadDiscounts {});
                Screen::AdminDiscounts
            }
            Tab::Settings => Screen::AdminSettings,
        };
        self.catalog.filter_focused = false;
        self.admin_products.filter_focused = false;
        self.admin_orders.filter_focused = false;
    }

    /// Moves `step` tabs along this account's tabs, round at either end.
    fn cycle_tab(&mut self, step: isize) {
        let tabs = self.tabs();
        let at = self.screen.tab().and_then(|t| tabs.iter().position(|&x| x == t)).unwrap_or(0);
        let next = (at as isize + step).rem_euclid(tabs.len().max(1) as isize) as usize;
        if let Some(&tab) = tabs.get(next) {
            self.show_tab(tab);
        }
    }

    pub(super) fn log_out(&mut self) {
        self.key_linked = false;
        self.receipt = None;
        // Changes still waiting were the account's: never made after it left.
        self.worker.cancel_all();
        self.session = None;
        self.my_cart = Cart::default();
        self.promo = None;
        self.checkout = CheckoutView::default();
        self.my_quote = Ok(Quote::default());
        self.my_orders = Vec::new();
        self.all_orders = None;
        self.orders_generation += 1;
        self.screen = Screen::Login;
        self.login = LoginForm::default();
        self.cart = CartView::default();
        self.orders = OrdersView::default();
        self.admin_orders = AdminOrdersView::default();
        self.admin_products = CatalogView::empty();
        self.discount_codes = DiscountsView::default();
        self.form = None;
        self.catalog.query.reset();
        self.catalog.filter_focused = false;
        self.refilter(CatalogKind::Shop);
        self.info("Logged out");
    }

    // ---- keeping up with the store ----

    /// Takes the shop's newest catalog snapshot (cheap: an `Arc`).
    fn take_catalog(&mut self) {
        let newest = self.shop.catalog();
        if !Arc::ptr_eq(&newest, &self.products) {
            self.products = newest;
            self.catalog_generation += 1;
            self.rebuild_catalog_if_stale();
        }
    }

    /// Takes what the worker read of this account.
    fn take_view(&mut self, view: SessionView) {
        let orders_changed = view.orders != self.my_orders
            || match (&view.all_orders, &self.all_orders) {
                (Some(new), Some(old)) => !Arc::ptr_eq(new, old),
                (None, None) => false,
                _ => true,
            };
        let cart_changed = view.cart != self.my_cart;
        self.my_cart = view.cart;
        if cart_changed {
            self.requote();
        }
        self.my_orders = view.orders;
        self.all_orders = view.all_orders;
        if orders_changed {
            self.orders_generation += 1;
        }
        self.refresh_views();
        self.fit_cursors();
    }

    /// Rebuilds whatever was made from data that has changed since.
    fn refresh_views(&mut self) {
        self.product.fit(&shop_ctx!(self));
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
        Action::Edit(request) => edit_input(query, request),
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

/// The most characters a text field holds: far beyond any real name,
/// address or description, and a bound on what one session can make the
/// server keep (a 10 MB paste stops here).
pub const INPUT_MAX: usize = 2_000;

/// Applies an editing key to a text field, never growing it past
/// `INPUT_MAX`; returns whether its text changed.
fn edit_input(input: &mut Input, request: InputRequest) -> bool {
    if matches!(request, InputRequest::InsertChar(_)) && input.value().chars().count() >= INPUT_MAX {
        return false;
    }
    input.handle(request).is_some_and(|changed| changed.value)
}

/// Pasted text goes in as typed characters; line breaks become spaces.
fn paste_into(input: &mut Input, text: &str) {
    let room = INPUT_MAX.saturating_sub(input.value().chars().count());
    for c in text.chars().take(room) {
        let c = if c == '\n' || c == '\r' || c == '\t' { ' ' } else { c };
        if !c.is_control() {
            input.handle(InputRequest::InsertChar(c));
        }
    }
}

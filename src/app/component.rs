//! The shape of every screen and overlay (docs/components-plan.md): a
//! component owns its state, handles an action against a read-only
//! context, and returns what should happen as data (`Effect`); the app
//! performs the effects. Nothing slow or shared is touched inside `handle`,
//! so a component is tested by feeding it actions and reading its state and
//! the effects it returned: no terminal, no worker.

use ratatui::layout::{Position, Rect};

use super::dialog::Dialog;
use super::keymap::Context;
use super::requests::Request;
use super::views::{FieldsPurpose, Form, ListCursor};
use super::{Action, CatalogKind, Screen, Tab};
use crate::domain::{Cart, Discount, Order, Problem, Product, Quote, Settings, Timestamp};
use crate::shop::{Account, Catalog, OrderBook};

/// What a component asks the app to do after handling an action.
#[derive(Debug, PartialEq)]
pub enum Effect {
    /// Take the overlay in front (the one that returned it) off the screen.
    Close,
    /// Send this to the shop (on the session's worker); its answer comes
    /// back typed, with the request's own fields.
    Ask(Request),
    /// Close the form under the overlay, dropping what was typed in it.
    DiscardForm,
    /// Log the session out (back to the login form).
    LogOut,
    /// Open the `?` help over the component, listing its keys.
    OpenHelp,
    /// Ask the shopper or admin a question over the component.
    Confirm(Dialog),
    /// Open a form over the component.
    OpenForm(Form),
    /// A checkout form steps back: what was typed is kept for its step.
    KeepDraft {
        purpose: FieldsPurpose,
        values: Vec<String>,
        toggle: Option<bool>,
    },
    /// A form of fields was submitted: the screen under it acts on it.
    SubmitFields,
    /// Go to this screen (within the tab, or back to the catalog).
    Show(Screen),
    /// Open a product's page.
    OpenProduct(String),
    /// Start the checkout of the cart.
    StartCheckout,
    /// Open the promo code form over the cart.
    OpenPromo,
    /// Go to one of the header's tabs (as its key does).
    ShowTab(Tab),
    /// Run a catalog's filter again (its query changed).
    Refilter(CatalogKind),
    /// Show an order's receipt over the screen.
    OpenReceipt(String),
    /// Say this on the message line: done, or refused.
    Info(String),
    Error(String),
}

/// `Ctx` is what the component reads and may not change (the app's data,
/// the terminal's size), borrowed for one call. Every screen reads a
/// `ShopCtx`, so the app holds the one in front as a `dyn Component<ShopCtx>`.
pub trait Component<Ctx> {
    /// Where keys go while this component is in front, most specific first
    /// (the keymap adds `Anywhere`); the footer and help come from these.
    fn contexts(&self, ctx: &Ctx) -> Vec<Context>;

    /// Whether `action` can do anything now (the footer hides it if not).
    fn available(&self, action: &Action, ctx: &Ctx) -> bool;

    /// Handles one action: changes the component's own state, returns effects.
    fn handle(&mut self, action: Action, ctx: &Ctx) -> Vec<Effect>;

    /// The list the component shows in `area` now, if any: how many rows
    /// it holds and where they are drawn. The arrow keys, paging and the
    /// wheel move `cursor_mut` within it; without one they scroll the page.
    fn rows(&self, area: Rect, ctx: &Ctx) -> Option<(usize, Rect)> {
        let _ = (area, ctx);
        None
    }

    /// The cursor of the list `rows` describes.
    fn cursor_mut(&mut self) -> Option<&mut ListCursor> {
        None
    }

    /// A click at `at`, `area` being where the component is drawn (the
    /// app's body, under the header): selects the row of its list under it.
    fn click(&mut self, at: Position, area: Rect, ctx: &Ctx) -> Vec<Effect> {
        if let Some((len, rows)) = self.rows(area, ctx)
            && let Some(cursor) = self.cursor_mut()
        {
            cursor.click(rows, at, len);
        }
        Vec::new()
    }
}

/// What the shop's screens read and may not change, borrowed from the app
/// for one call: the session, the catalog snapshot, this account's cart
/// and orders as the worker last read them (an admin's: every order), and
/// the shop's settings. Made by `shop_ctx!`, which borrows each field of
/// the app on its own so a screen (another field) can be changed meanwhile.
pub struct ShopCtx<'a> {
    /// The screen in front (a list, or the page of what it lists).
    pub screen: Screen,
    pub session: Option<&'a Account>,
    pub products: &'a Catalog,
    pub cart: &'a Cart,
    pub my_orders: &'a [Order],
    pub all_orders: Option<&'a OrderBook>,
    pub settings: &'a Settings,
    /// The promo code applied to the cart, and the cart quoted with it.
    pub promo: Option<&'a Discount>,
    pub quote: Result<&'a Quote, &'a Problem>,
    /// The shop's clock (card expiry), read only by what needs the time.
    pub clock: fn() -> Timestamp,
}

impl ShopCtx<'_> {
    pub fn product(&self, product_id: &str) -> Option<&Product> {
        self.products.get(product_id)
    }

    /// One of this account's orders (an admin: any order).
    pub fn order(&self, order_id: &str) -> Option<&Order> {
        match self.all_orders {
            Some(book) => book.get(order_id),
            None => self.my_orders.iter().find(|o| o.order_id == order_id),
        }
    }

    pub fn is_admin(&self) -> bool {
        self.session.is_some_and(Account::is_admin)
    }
}

/// The `ShopCtx` of `app` (an `App`), borrowing only the fields it reads.
macro_rules! shop_ctx {
    ($app:expr) => {{
        $crate::app::component::ShopCtx {
            screen: $app.screen,
            session: $app.session.as_ref(),
            products: &$app.products,
            cart: &$app.my_cart,
            my_orders: &$app.my_orders,
            all_orders: $app.all_orders.as_deref(),
            settings: &$app.settings,
            promo: $app.promo.as_ref(),
            quote: $app.my_quote.as_ref(),
            clock: $app.clock,
        }
    }};
}
pub(crate) use shop_ctx;

/// The component of the screen in front (`None` at the login, which is
/// not a shop screen) and the `ShopCtx` it reads, borrowed together from
/// disjoint fields of the app: `in_front!(app, &mut)` to hand it an
/// action, `in_front!(app, &)` to ask it.
macro_rules! in_front {
    ($app:ident, $($borrow:tt)+) => {{
        let ctx = $crate::app::component::shop_ctx!($app);
        let front: Option<$($borrow)+ dyn for<'c> $crate::app::component::Component<$crate::app::component::ShopCtx<'c>>> = match $app.screen {
            $crate::app::Screen::Login => None,
            $crate::app::Screen::Catalog => Some($($borrow)+ $app.catalog),
            $crate::app::Screen::Product => Some($($borrow)+ $app.product),
            $crate::app::Screen::Cart => Some($($borrow)+ $app.cart),
            $crate::app::Screen::Checkout => Some($($borrow)+ $app.checkout),
            $crate::app::Screen::Orders | $crate::app::Screen::OrderDetail => Some($($borrow)+ $app.orders),
            $crate::app::Screen::AdminProducts => Some($($borrow)+ $app.admin_products),
            $crate::app::Screen::AdminOrders | $crate::app::Screen::AdminOrderDetail => Some($($borrow)+ $app.admin_orders),
            $crate::app::Screen::AdminDiscounts => Some($($borrow)+ $app.discount_codes),
            $crate::app::Screen::AdminSettings => Some($($borrow)+ $app.settings_tab),
        };
        (front, ctx)
    }};
}
pub(crate) use in_front;

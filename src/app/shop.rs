//! What the shop's answers do to the shopper's screens (a product opened, an adjusted
//! cart, the order list rebuilt); their keys are in their components.

use super::*;

impl App {
    pub(super) fn open_product(&mut self, product_id: String) {
        self.product = ProductView { product_id, qty: 1 };
        self.screen = Screen::Product;
        self.detail_scroll = 0;
    }

    // ---- cart ----

    pub(super) fn product_name(&self, product_id: &str) -> String {
        self.product(product_id).map_or_else(|| product_id.to_string(), |p| p.name.clone())
    }

    /// The adjusted cart was accepted: back to the review with its new quote.
    pub(super) fn review_again(&mut self, cart: Cart) {
        if cart.is_empty() {
            self.checkout = CheckoutView::default();
            self.screen = Screen::Cart;
            self.error("Nothing you wanted is available any more; your cart is empty");
            return;
        }
        self.info("Your cart was adjusted: check the new total, then place the order");
    }

    // ---- orders ----

    /// The shopper's order list, when the orders changed.
    pub(super) fn refresh_orders(&mut self) {
        let version = self.orders_generation;
        if self.session.is_none() || self.orders.built_from == Some(version) {
            return;
        }
        self.orders.ids = self.my_orders.iter().map(|o| o.order_id.clone()).collect();
        self.orders.built_from = Some(version);
        if self.orders.detail.as_ref().is_some_and(|id| !self.my_orders.iter().any(|o| &o.order_id == id)) {
            self.orders.detail = None;
        }
    }
}

//! The shopper's screens: catalog, product, cart, checkout, orders.

use super::*;

impl App {
    // ---- catalog ----

    pub(super) fn update_catalog(&mut self, action: Action) {
        if self.catalog.filter_focused {
            if edit_filter(&mut self.catalog.query, &mut self.catalog.filter_focused, action) {
                self.refilter(CatalogKind::Shop);
            }
            return;
        }
        match action {
            Action::Open => match self.selected_product().map(|p| p.product_id.clone()) {
                Some(id) => self.open_product(id),
                None => self.error(Refusal::NoProduct.to_string()),
            },
            Action::AddToCart => match self.selected_product().map(|p| p.product_id.clone()) {
                Some(id) => self.add_to_cart(&id, 1),
                None => self.error(Refusal::NoProduct.to_string()),
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

    pub(super) fn open_product(&mut self, product_id: String) {
        self.product = ProductView { product_id, qty: 1 };
        self.screen = Screen::Product;
        self.detail_scroll = 0;
    }

    pub(super) fn add_to_cart(&mut self, product_id: &str, qty: u32) {
        if self.session.is_some() {
            self.request(Request::AddToCart { product_id: product_id.to_string(), qty });
        }
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

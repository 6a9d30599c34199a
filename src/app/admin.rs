//! What the shop's answers do to the admin's screens (a product saved or
//! refused, a delete asked about, the All orders list rebuilt); their keys
//! are in their components (`catalog.rs`, `admin_orders.rs`).

use super::*;

impl App {
    // ---- admin: products ----

    /// The answer to `CheckDeletable`: ask, or say why not (unless the
    /// admin has moved on meanwhile).
    pub(super) fn deletable_checked(&mut self, product_id: String, name: String, ordered: bool) {
        if ordered {
            self.error(super::refusal::described_product(&ProductError::InPastOrders { id: product_id }));
        } else if self.screen == Screen::AdminProducts && self.dialog.is_none() && self.form.is_none() {
            self.dialog = Some(Dialog::ConfirmDelete { product_id, name });
        }
    }

    /// A new or edited product was saved: close its form and select it.
    pub(super) fn product_saved(&mut self, product: &Product) {
        let editing = match &self.form {
            Some(Form::Product(form)) => {
                let editing = form.editing.is_some();
                self.form = None;
                editing
            }
            _ => true,
        };
        let verb = if editing { "Saved" } else { "Created" };
        self.info(format!("{verb} {} {}", product.product_id, product.name));
        // Rebuild now so the new or renamed product can be selected.
        self.refresh_views();
        self.select_admin_product(&product.product_id);
    }

    /// Shows why a form was not saved in the form (or, if it was closed
    /// meanwhile, as a message) and puts the focus on the field at fault.
    pub(super) fn form_failed(&mut self, err: ShopError) {
        match self.form.as_mut() {
            Some(form) => form.refused(&err),
            None => self.error(super::refusal::described(&err)),
        }
    }

    pub(super) fn select_admin_product(&mut self, product_id: &str) {
        let products = &self.products;
        let found = self
            .admin_products
            .hits
            .positions()
            .position(|p| products.at(p as usize).is_some_and(|p| p.product_id == product_id));
        if let Some(index) = found {
            let (len, height) = (self.admin_products.hits.len(), self.list_rows());
            self.admin_products.cursor.select(index, len, height);
        }
    }

    // ---- admin: all orders ----

    /// Re-applies the All orders filter, when the orders or the query changed.
    pub(super) fn refresh_admin_orders(&mut self) {
        if !self.is_admin() {
            return;
        }
        let built = (self.orders_generation, self.admin_orders.query.value().to_string());
        if self.admin_orders.built_from.as_ref() == Some(&built) {
            return;
        }
        self.admin_orders.built_from = Some(built);
        let words: Vec<String> = self.admin_orders.query.value().split_whitespace().map(str::to_lowercase).collect();
        let Some(book) = self.all_orders.as_ref() else {
            self.admin_orders.ids = Vec::new();
            return;
        };
        self.admin_orders.ids = book
            .orders()
            .iter()
            .filter(|o| {
                let (user, id) = (o.username.to_lowercase(), o.order_id.to_lowercase());
                words.iter().all(|w| {
                    user.contains(w.as_str()) || id.contains(w.as_str()) || o.status.as_str().starts_with(w.as_str())
                })
            })
            .map(|o| o.order_id.clone())
            .collect();
        if self.admin_orders.detail.as_ref().is_some_and(|id| self.order(id).is_none()) {
            self.admin_orders.detail = None;
        }
    }
}

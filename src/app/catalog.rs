//! The catalog: a shopper's (products on sale) and an admin's Products tab
//! (every product, with its forms), one component in two modes, chosen by
//! the screen in front. It owns its filter, results and cursor; typing in
//! the filter returns `Effect::Refilter` (the app runs the filter engine,
//! inline or on its worker, once per burst of input).

use super::component::{Component, Effect, ShopCtx};
use super::keymap::Context;
use super::refusal::{self, Refusal};
use super::requests::Request;
use super::views::{CatalogView, Form, ListCursor, ProductForm, StockForm};
use ratatui::layout::{Position, Rect};

use super::{Action, CatalogKind, Screen, edit_filter, layout, paste_into};
use crate::domain::{Product, ProductError};

impl CatalogView {
    /// The product the cursor is on.
    pub fn selected<'a>(&self, ctx: &'a ShopCtx) -> Option<&'a Product> {
        let hit = self.hits.get(self.cursor.selected)?;
        ctx.products.at(hit.position as usize)
    }

    fn kind(ctx: &ShopCtx) -> CatalogKind {
        match ctx.screen {
            Screen::AdminProducts => CatalogKind::Admin,
            _ => CatalogKind::Shop,
        }
    }

    /// Keys common to both: the filter field, Esc clearing it, pasting into it.
    fn filter_keys(&mut self, action: &Action, kind: CatalogKind) -> Option<Vec<Effect>> {
        let refilter = vec![Effect::Refilter(kind)];
        if self.filter_focused {
            let changed = edit_filter(&mut self.query, &mut self.filter_focused, action.clone());
            return Some(if changed { refilter } else { Vec::new() });
        }
        match action {
            Action::Back if !self.query.value().is_empty() => {
                self.query.reset();
                Some(refilter)
            }
            Action::Paste(text) => {
                self.filter_focused = true;
                paste_into(&mut self.query, text);
                Some(refilter)
            }
            _ => None,
        }
    }

    fn handle_shop(&mut self, action: Action, ctx: &ShopCtx) -> Vec<Effect> {
        let selected = self.selected(ctx).map(|p| p.product_id.clone());
        let effect = match (action, selected) {
            (Action::Open, Some(id)) => Effect::OpenProduct(id),
            (Action::AddToCart, Some(product_id)) if ctx.session.is_some() => {
                Effect::Ask(Request::AddToCart { product_id, qty: 1 })
            }
            (Action::Open | Action::AddToCart, None) => Effect::Error(Refusal::NoProduct.to_string()),
            _ => return Vec::new(),
        };
        vec![effect]
    }

    fn handle_admin(&mut self, action: Action, ctx: &ShopCtx) -> Vec<Effect> {
        let effect = match (action, self.selected(ctx)) {
            (Action::NewProduct, _) => Effect::OpenForm(Form::Product(Box::new(ProductForm::new_product()))),
            (Action::EditProduct, Some(p)) => Effect::OpenForm(Form::Product(Box::new(ProductForm::edit(p)))),
            (Action::Restock, Some(p)) => {
                let form = StockForm { product_id: p.product_id.clone(), change: Default::default(), error: None };
                Effect::OpenForm(Form::Stock(form))
            }
            (Action::ToggleArchive, Some(p)) => {
                Effect::Ask(Request::SetProductActive { product_id: p.product_id.clone(), active: !p.active })
            }
            (Action::DeleteProduct, Some(p)) => {
                // Refused before any question: what this session last saw
                // first, then the latest orders (another copy may have sold
                // it a moment ago). The shop checks once more when deleting.
                let id = p.product_id.clone();
                if ctx.all_orders.is_some_and(|book| book.mention(&id)) {
                    Effect::Error(refusal::described_product(&ProductError::InPastOrders { id }))
                } else {
                    Effect::Ask(Request::CheckDeletable { product_id: id, name: p.name.clone() })
                }
            }
            (Action::EditProduct | Action::Restock | Action::ToggleArchive | Action::DeleteProduct, None) => {
                Effect::Error(Refusal::NoProduct.to_string())
            }
            _ => return Vec::new(),
        };
        vec![effect]
    }
}

impl Component<ShopCtx<'_>> for CatalogView {
    fn contexts(&self, ctx: &ShopCtx) -> Vec<Context> {
        match CatalogView::kind(ctx) {
            _ if self.filter_focused => vec![Context::Filter],
            CatalogKind::Shop => vec![Context::Catalog],
            CatalogKind::Admin => vec![Context::AdminProducts],
        }
    }

    /// Nothing selected with no results: nothing to open or add.
    fn available(&self, action: &Action, ctx: &ShopCtx) -> bool {
        match (CatalogView::kind(ctx), action) {
            (CatalogKind::Shop, Action::Open | Action::AddToCart) => self.selected(ctx).is_some(),
            _ => true,
        }
    }

    fn rows(&self, area: Rect, _ctx: &ShopCtx) -> Option<(usize, Rect)> {
        Some((self.hits.len(), layout::catalog(area).rows))
    }

    fn cursor_mut(&mut self) -> Option<&mut ListCursor> {
        Some(&mut self.cursor)
    }

    /// A click on the filter focuses it; anywhere else leaves it.
    fn click(&mut self, at: Position, area: Rect, _ctx: &ShopCtx) -> Vec<Effect> {
        let areas = layout::catalog(area);
        self.filter_focused = areas.filter.contains(at);
        self.cursor.click(areas.rows, at, self.hits.len());
        Vec::new()
    }

    fn handle(&mut self, action: Action, ctx: &ShopCtx) -> Vec<Effect> {
        let kind = CatalogView::kind(ctx);
        if let Some(effects) = self.filter_keys(&action, kind) {
            return effects;
        }
        match kind {
            CatalogKind::Shop => self.handle_shop(action, ctx),
            CatalogKind::Admin => self.handle_admin(action, ctx),
        }
    }
}

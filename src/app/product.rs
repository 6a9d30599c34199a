//! A product's page: its details and a quantity chooser (`+` `-`, `a`
//! adds that many to the cart). It owns which product and how many; the
//! product and the cart are read from the shop's snapshot.

use super::component::{Component, Effect, ShopCtx};
use super::keymap::Context;
use super::refusal::Refusal;
use super::requests::Request;
use super::views::ProductView;
use super::{Action, Screen};
use crate::domain::CartError;

impl Component<ShopCtx<'_>> for ProductView {
    fn contexts(&self, _ctx: &ShopCtx) -> Vec<Context> {
        vec![Context::Product]
    }

    fn available(&self, action: &Action, ctx: &ShopCtx) -> bool {
        let addable = || ctx.product(&self.product_id).and_then(|p| ctx.cart.addable(p).ok());
        match action {
            Action::AddToCart | Action::Decrease => addable().is_some(),
            // `+` only while one more unit could still go in the cart.
            Action::Increase => addable().is_some_and(|more| u64::from(self.qty) < more),
            _ => true,
        }
    }

    fn handle(&mut self, action: Action, ctx: &ShopCtx) -> Vec<Effect> {
        let Some(product) = ctx.product(&self.product_id) else {
            return vec![Effect::Error(Refusal::ProductGone.to_string()), Effect::Show(Screen::Catalog)];
        };
        let addable = ctx.cart.addable(product);
        match (action, addable) {
            (Action::Increase | Action::AddToCart, Err(why)) => vec![Effect::Error(why.to_string())],
            (Action::Increase, Ok(more)) if u64::from(self.qty) >= more => {
                let in_cart = ctx.cart.qty_of(&product.product_id);
                let why = match in_cart {
                    0 => CartError::NotEnoughStock { name: product.name.clone(), available: product.stock },
                    _ => CartError::OnlyMore { name: product.name.clone(), more, in_cart },
                };
                vec![Effect::Error(why.to_string())]
            }
            (Action::Increase, _) => {
                self.qty += 1;
                Vec::new()
            }
            (Action::Decrease, _) if self.qty <= 1 => vec![Effect::Error(CartError::QuantityTooSmall.to_string())],
            (Action::Decrease, _) => {
                self.qty -= 1;
                Vec::new()
            }
            (Action::AddToCart, _) if ctx.session.is_some() => {
                vec![Effect::Ask(Request::AddToCart { product_id: self.product_id.clone(), qty: self.qty })]
            }
            (Action::Back, _) => vec![Effect::Show(Screen::Catalog)],
            _ => Vec::new(),
        }
    }
}

impl ProductView {
    /// The chooser never offers more than can still be added (the cart or
    /// the stock changed since it was set).
    pub fn fit(&mut self, ctx: &ShopCtx) {
        if let Some(Ok(more)) = ctx.product(&self.product_id).map(|p| ctx.cart.addable(p)) {
            let most = u32::try_from(more).unwrap_or(u32::MAX);
            self.qty = self.qty.clamp(1, most);
        }
    }
}

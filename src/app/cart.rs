//! The cart: its lines with the quote under them. It owns the selected
//! line; `+` `-` `d` change the cart in the shop, Enter opens the line's
//! product, `p` a promo code, `P` the checkout.

use ratatui::layout::Rect;

use super::component::{Component, Effect, ShopCtx};
use super::keymap::Context;
use super::refusal::Refusal;
use super::requests::Request;
use super::views::ListCursor;
use super::{Action, layout};
use crate::domain::{Cart, Problem, Quote};

/// Rows under the cart's lines: the quote's figures (`ui::summary`) and
/// the hint line.
pub fn summary_height(cart: &Cart, quote: Result<&Quote, &Problem>) -> u16 {
    let Ok(quote) = quote else { return 2 };
    if cart.is_empty() {
        return 0;
    }
    3 + u16::from(quote.code.is_some())
        + 1
        + u16::from(quote.free_shipping_gap.is_some())
        + u16::from(!quote.tax_rate.is_zero())
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CartView {
    pub cursor: ListCursor,
}

impl Component<ShopCtx<'_>> for CartView {
    fn contexts(&self, _ctx: &ShopCtx) -> Vec<Context> {
        vec![Context::Cart]
    }

    /// Nothing to change, price or pay for in an empty cart.
    fn available(&self, action: &Action, ctx: &ShopCtx) -> bool {
        match action {
            Action::PlaceOrder | Action::Increase | Action::Decrease | Action::RemoveLine | Action::PromoCode => {
                !ctx.cart.is_empty()
            }
            _ => true,
        }
    }

    /// The lines, above the quote's figures.
    fn rows(&self, area: Rect, ctx: &ShopCtx) -> Option<(usize, Rect)> {
        Some((ctx.cart.items.len(), layout::table(area, summary_height(ctx.cart, ctx.quote)).1))
    }

    fn cursor_mut(&mut self) -> Option<&mut ListCursor> {
        Some(&mut self.cursor)
    }

    fn handle(&mut self, action: Action, ctx: &ShopCtx) -> Vec<Effect> {
        if ctx.session.is_none() {
            return Vec::new();
        }
        let line = ctx.cart.items.get(self.cursor.selected);
        let effect = match (action, line) {
            (Action::PlaceOrder, _) => Effect::StartCheckout,
            (Action::PromoCode, _) if ctx.cart.is_empty() => Effect::Error(Refusal::EmptyCart.to_string()),
            (Action::PromoCode, _) => Effect::OpenPromo,
            (Action::Increase, Some(line)) => {
                let qty = line.qty.saturating_add(1);
                Effect::Ask(Request::SetCartQty { product_id: line.product_id.clone(), qty })
            }
            (Action::Decrease, Some(line)) if line.qty <= 1 => Effect::Error(Refusal::LastUnit.to_string()),
            (Action::Decrease, Some(line)) => {
                Effect::Ask(Request::SetCartQty { product_id: line.product_id.clone(), qty: line.qty - 1 })
            }
            (Action::RemoveLine, Some(line)) => {
                Effect::Ask(Request::RemoveFromCart { product_id: line.product_id.clone() })
            }
            (Action::Open, Some(line)) if ctx.product(&line.product_id).is_some() => {
                Effect::OpenProduct(line.product_id.clone())
            }
            (Action::Increase | Action::Decrease | Action::RemoveLine | Action::Open, None) => {
                Effect::Error(crate::domain::Problem::EmptyCart.to_string())
            }
            _ => return Vec::new(),
        };
        vec![effect]
    }
}

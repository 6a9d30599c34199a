//! The shopper's orders: the list, newest first, and one order's page.
//! It owns the list's cursor and which order is open; Enter opens one,
//! `x` asks before cancelling, `r` shows the receipt.

use super::component::{Component, Effect, ShopCtx};
use super::dialog::Dialog;
use super::keymap::Context;
use super::refusal::Refusal;
use super::views::{self, ListCursor, OrdersView};
use ratatui::layout::Rect;

use super::{Action, Screen, layout};
use crate::domain::Order;

impl OrdersView {
    /// The order the keys act on: the open one, or the one selected.
    fn selected_id(&self, ctx: &ShopCtx) -> Option<&String> {
        match ctx.screen {
            Screen::OrderDetail => self.detail.as_ref(),
            _ => self.ids.get(self.cursor.selected),
        }
    }

    fn selected<'a>(&self, ctx: &'a ShopCtx) -> Option<&'a Order> {
        self.selected_id(ctx).and_then(|id| ctx.order(id))
    }
}

impl Component<ShopCtx<'_>> for OrdersView {
    fn contexts(&self, ctx: &ShopCtx) -> Vec<Context> {
        match ctx.screen {
            Screen::OrderDetail => vec![Context::OrderDetail],
            _ => vec![Context::Orders],
        }
    }

    fn available(&self, action: &Action, ctx: &ShopCtx) -> bool {
        match action {
            Action::CancelOrder => self.selected(ctx).is_some_and(|o| o.status.can_cancel()),
            Action::OpenReceipt | Action::Open => self.selected(ctx).is_some(),
            _ => true,
        }
    }

    /// The list (an order's page has none: it scrolls).
    fn rows(&self, area: Rect, ctx: &ShopCtx) -> Option<(usize, Rect)> {
        (ctx.screen == Screen::Orders).then(|| (self.ids.len(), layout::table(area, 0).1))
    }

    fn cursor_mut(&mut self) -> Option<&mut ListCursor> {
        Some(&mut self.cursor)
    }

    fn handle(&mut self, action: Action, ctx: &ShopCtx) -> Vec<Effect> {
        let Some(order_id) = self.selected_id(ctx).cloned() else {
            if matches!(action, Action::Open | Action::CancelOrder | Action::OpenReceipt) {
                return vec![Effect::Error(Refusal::NoOrders.to_string())];
            }
            return Vec::new();
        };
        match action {
            Action::Open => {
                self.detail = Some(order_id);
                vec![Effect::Show(Screen::OrderDetail)]
            }
            Action::Back if ctx.screen == Screen::OrderDetail => {
                self.detail = None;
                vec![Effect::Show(Screen::Orders)]
            }
            Action::CancelOrder => vec![match ctx.order(&order_id) {
                Some(order) if order.status.can_cancel() => {
                    let refund = views::refund_note(order, &ctx.settings.currency());
                    Effect::Confirm(Dialog::ConfirmCancel { order_id, refund, restock: false })
                }
                Some(order) => Effect::Error(format!(
                    "Order {order_id} is {}; only an order that has not shipped can be cancelled",
                    order.status
                )),
                None => Effect::Error(format!("Order {order_id} does not exist")),
            }],
            Action::OpenReceipt => vec![Effect::OpenReceipt(order_id)],
            _ => Vec::new(),
        }
    }
}

//! The admin's All orders tab: every order, filtered by words (customer,
//! status, order id), and one order's page. It owns the filter, the
//! cursor and which order is open; `m` moves an order on (asking for the
//! tracking number when it ships), `x` asks before cancelling.

use super::component::{Component, Effect, ShopCtx};
use super::dialog::Dialog;
use super::keymap::Context;
use super::refusal::Refusal;
use super::requests::Request;
use super::views::{self, AdminOrdersView, FieldsForm, FieldsPurpose, Form, ListCursor};
use ratatui::layout::{Position, Rect};

use super::{Action, Screen, edit_filter, layout, paste_into};
use crate::domain::{Order, OrderStatus};

impl AdminOrdersView {
    fn selected<'a>(&self, ctx: &'a ShopCtx) -> Option<&'a Order> {
        let id = match ctx.screen {
            Screen::AdminOrderDetail => self.detail.as_ref(),
            _ => self.ids.get(self.cursor.selected),
        };
        id.and_then(|id| ctx.order(id))
    }
}

/// The form that asks for the tracking number of the order about to ship.
pub fn tracking_form(order_id: String) -> Form {
    let title = format!(" Ship order {order_id} ");
    let mut form = FieldsForm::new(FieldsPurpose::Tracking(order_id), title, &["Tracking no."], vec![String::new()]);
    form.note = Some("The carrier's tracking number, if there is one (optional).".into());
    Form::Fields(Box::new(form))
}

/// The tracking form submitted: the order ships, with its number if one
/// was typed.
pub fn tracking_submitted(form: &FieldsForm, order_id: String) -> Vec<Effect> {
    let tracking = Some(form.value(0).trim().to_string()).filter(|t| !t.is_empty());
    vec![Effect::Close, Effect::Ask(Request::AdvanceOrder { order_id, to: OrderStatus::Shipped, tracking })]
}

impl Component<ShopCtx<'_>> for AdminOrdersView {
    fn contexts(&self, ctx: &ShopCtx) -> Vec<Context> {
        match ctx.screen {
            Screen::AdminOrders if self.filter_focused => vec![Context::Filter],
            Screen::AdminOrderDetail => vec![Context::AdminOrderDetail],
            _ => vec![Context::AdminOrders],
        }
    }

    fn available(&self, action: &Action, ctx: &ShopCtx) -> bool {
        match action {
            Action::CancelOrder => self.selected(ctx).is_some_and(|o| o.status.can_cancel()),
            Action::AdvanceOrder => self.selected(ctx).is_some_and(|o| o.status.next().is_some()),
            _ => true,
        }
    }

    /// The list (an order's page has none: it scrolls).
    fn rows(&self, area: Rect, ctx: &ShopCtx) -> Option<(usize, Rect)> {
        (ctx.screen == Screen::AdminOrders).then(|| (self.ids.len(), layout::filtered_list(area, false).rows))
    }

    fn cursor_mut(&mut self) -> Option<&mut ListCursor> {
        Some(&mut self.cursor)
    }

    fn click(&mut self, at: Position, area: Rect, ctx: &ShopCtx) -> Vec<Effect> {
        if let Some((len, rows)) = self.rows(area, ctx) {
            self.filter_focused = layout::catalog(area).filter.contains(at);
            self.cursor.click(rows, at, len);
        }
        Vec::new()
    }

    fn handle(&mut self, action: Action, ctx: &ShopCtx) -> Vec<Effect> {
        if self.filter_focused {
            if edit_filter(&mut self.query, &mut self.filter_focused, action) {
                self.cursor = ListCursor::default();
            }
            return Vec::new();
        }
        let effect = match (action, self.selected(ctx)) {
            (Action::Back, _) if ctx.screen == Screen::AdminOrderDetail => {
                self.detail = None;
                Effect::Show(Screen::AdminOrders)
            }
            (Action::Back, _) if !self.query.value().is_empty() => {
                self.query.reset();
                return Vec::new();
            }
            (Action::Paste(text), _) => {
                self.filter_focused = true;
                paste_into(&mut self.query, &text);
                return Vec::new();
            }
            (Action::Open, Some(order)) => {
                self.detail = Some(order.order_id.clone());
                Effect::Show(Screen::AdminOrderDetail)
            }
            (Action::AdvanceOrder, Some(order)) => match order.status.next() {
                Some(OrderStatus::Shipped) => Effect::OpenForm(tracking_form(order.order_id.clone())),
                Some(to) => Effect::Confirm(Dialog::ConfirmAdvance { order_id: order.order_id.clone(), to }),
                None => Effect::Error(format!("Order {} is {}; it cannot move further", order.order_id, order.status)),
            },
            (Action::CancelOrder, Some(order)) if order.status.can_cancel() => {
                let refund = views::refund_note(order, &ctx.settings.currency());
                Effect::Confirm(Dialog::ConfirmCancel { order_id: order.order_id.clone(), refund, restock: true })
            }
            (Action::CancelOrder, Some(order)) => Effect::Error(format!(
                "Order {} is {}; only placed or paid orders can be cancelled",
                order.order_id, order.status
            )),
            (Action::Open | Action::AdvanceOrder | Action::CancelOrder, None) => {
                Effect::Error(Refusal::NoOrder.to_string())
            }
            _ => return Vec::new(),
        };
        vec![effect]
    }
}

//! The figures of a quote or an order, the same way on every screen: the
//! cart, the review, the placed order and the order's details.

use ratatui::layout::Alignment;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::Theme;
use crate::domain::money::show;
use crate::domain::{Currency, Money, Order, Quote};

/// One figure: a label and an amount, right-aligned in a column.
fn figure(label: String, amount: String, theme_amount: Style) -> Line<'static> {
    Line::from(vec![Span::raw(format!("{label} ")), Span::styled(format!("{amount:>14}"), theme_amount)])
        .alignment(Alignment::Right)
}

/// Subtotal, discount, shipping (or why it is free, or how far from free),
/// tax and total of a quote, in the shop's `currency`.
pub fn quote_lines(quote: &Quote, currency: &Currency, theme: &Theme) -> Vec<Line<'static>> {
    let amount = |amount: Money| amount.shown(currency).to_string();
    let mut lines = vec![figure("Subtotal".into(), amount(quote.subtotal), Style::new())];
    let free_by_code = free_shipping_code(quote.code.as_deref(), quote.discount, quote.shipping);
    if let Some(code) = quote.code.as_deref().filter(|_| free_by_code.is_none()) {
        lines.push(figure(format!("Discount ({code})"), format!("−{}", amount(quote.discount)), theme.info()));
    }
    lines.push(match (quote.shipping.is_zero(), free_by_code) {
        (true, Some(code)) => figure(format!("Shipping ({code})"), "Free".into(), theme.info()),
        (true, None) => figure("Shipping".into(), "Free".into(), theme.info()),
        (false, _) => figure("Shipping".into(), amount(quote.shipping), Style::new()),
    });
    if let Some(gap) = quote.free_shipping_gap {
        lines.push(
            Line::from(Span::styled(format!("add {} for free shipping", amount(gap)), theme.dim()))
                .alignment(Alignment::Right),
        );
    }
    if !quote.tax_rate.is_zero() {
        let label = if quote.tax_included {
            format!("Tax included ({} %)", quote.tax_rate)
        } else {
            format!("Tax ({} %)", quote.tax_rate)
        };
        lines.push(figure(label, amount(quote.tax), Style::new()));
    }
    lines.push(figure("Total".into(), amount(quote.total), theme.money()));
    lines
}

/// An order's figures: those it was placed with (an order from before
/// checkout had costs shows its items and total only), in the shop's `currency`.
pub fn order_lines(order: &Order, currency: &Currency, theme: &Theme) -> Vec<Line<'static>> {
    let amount = |amount: Money| amount.shown(currency).to_string();
    let mut lines = vec![figure("Subtotal".into(), show(order.items_total(), currency), Style::new())];
    let free_by_code = free_shipping_code(order.discount_code.as_deref(), order.discount, order.shipping);
    if let Some(code) = order.discount_code.as_deref().filter(|_| free_by_code.is_none()) {
        lines.push(figure(format!("Discount ({code})"), format!("−{}", amount(order.discount)), theme.info()));
    }
    if order.subtotal.is_some() {
        lines.push(match (order.shipping.is_zero(), free_by_code) {
            (true, Some(code)) => figure(format!("Shipping ({code})"), "Free".into(), theme.info()),
            (true, None) => figure("Shipping".into(), "Free".into(), Style::new()),
            (false, _) => figure("Shipping".into(), amount(order.shipping), Style::new()),
        });
        if !order.tax.is_zero() {
            let label = if order.tax_included { "Tax included" } else { "Tax" };
            lines.push(figure(label.into(), amount(order.tax), Style::new()));
        }
    }
    lines.push(figure("Total".into(), amount(order.total), theme.money()));
    lines
}

/// The code, when what it gave is the free shipping: shown on the shipping
/// line, not as a discount of nothing (`−$0.00`).
pub fn free_shipping_code(code: Option<&str>, discount: Money, shipping: Money) -> Option<&str> {
    code.filter(|_| discount.is_zero() && shipping.is_zero())
}

//! An order's page as lines of text, each part with a tone: the app scrolls
//! by how many there are and the ui draws them, so the two always agree
//! (the page's end could not be reached when they counted differently).
//! Lines are laid out for one width and never longer than it.

use crate::domain::money::show;
use crate::domain::width::{fit_width, width as columns, wrap};
use crate::domain::{Currency, Money, Order, OrderStatus};

/// How a part of a line is shown; the ui turns tones into styles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    Plain,
    /// A section's heading.
    Heading,
    Dim,
    /// The total.
    Money,
    /// Something in the shopper's favour (a discount, free shipping).
    Good,
    Status(OrderStatus),
}

/// One line of the page: its parts in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PageLine {
    pub parts: Vec<(Tone, String)>,
}

impl PageLine {
    fn plain(text: impl Into<String>) -> PageLine {
        PageLine { parts: vec![(Tone::Plain, text.into())] }
    }

    fn of(parts: Vec<(Tone, String)>) -> PageLine {
        PageLine { parts }
    }

    pub fn text(&self) -> String {
        self.parts.iter().map(|(_, t)| t.as_str()).collect()
    }
}

/// Who reads the page: a shopper sees "the shop" where an admin sees which
/// admin moved their order (an account name is not theirs to know).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reader {
    Shopper,
    Admin,
}

/// What the history says did a change.
pub fn actor<'a>(order: &'a Order, by: &'a str, reader: Reader) -> &'a str {
    match reader {
        Reader::Admin => by,
        Reader::Shopper if by == order.username => by,
        Reader::Shopper => "the shop",
    }
}

/// The page of `order` for `reader`, `width` columns wide, its amounts in
/// the shop's `currency`. `name_of` gives a product's current name, for
/// lines that carry none (the console shop's).
pub fn lines(
    order: &Order,
    currency: &Currency,
    reader: Reader,
    width: usize,
    name_of: &dyn Fn(&str) -> Option<String>,
) -> Vec<PageLine> {
    let width = width.max(1);
    let mut page = vec![
        PageLine::plain(format!("Customer  {}", order.username)),
        PageLine::plain(format!("Placed    {}", order.timestamp)),
        PageLine::of(vec![(Tone::Plain, "Status    ".into()), (Tone::Status(order.status), order.status.to_string())]),
        PageLine::of(vec![(Tone::Plain, "Total     ".into()), (Tone::Money, order.total.shown(currency).to_string())]),
    ];
    if let Some(payment) = &order.payment {
        page.push(PageLine::plain(format!("Paid with {}", payment.label())));
    }
    if let Some(tracking) = &order.tracking {
        page.push(PageLine::plain(format!("Tracking  {tracking}")));
    }
    page.push(PageLine::default());
    page.push(PageLine::of(vec![(Tone::Heading, "Items".into())]));
    page.extend(items_and_figures(order, currency, width, name_of));
    if let Some(address) = &order.address {
        page.push(PageLine::default());
        page.push(PageLine::of(vec![(Tone::Heading, "Shipping to".into())]));
        page.extend(address.lines().into_iter().map(|l| PageLine::plain(format!("  {l}"))));
    }
    page.push(PageLine::default());
    page.push(PageLine::of(vec![(Tone::Heading, "History".into())]));
    if order.events.is_empty() {
        page.push(PageLine::of(vec![(Tone::Dim, "  (no recorded changes)".into())]));
    }
    for event in &order.events {
        let by = actor(order, &event.by, reader);
        page.push(PageLine::plain(format!("  {}  {:<10} by {by}", event.at, event.status.as_str())));
        // A cancellation that gave money back says how much and where, on a
        // line of its own under the status (it fits at 60 columns).
        if let Some(amount) = event.refunded {
            let card = order.payment.as_deref().map(|p| format!(" to {}", p.label())).unwrap_or_default();
            let indent = " ".repeat(4 + event.at.to_string().chars().count());
            page.push(PageLine::plain(format!("{indent}{} refunded{card}", amount.shown(currency))));
        }
    }
    page.into_iter().flat_map(|line| fit(line, width)).collect()
}

/// The item lines in columns (quantity, name, unit price, amount) and under
/// them the figures, their amounts ending in the same column as the lines'.
fn items_and_figures(
    order: &Order,
    currency: &Currency,
    width: usize,
    name_of: &dyn Fn(&str) -> Option<String>,
) -> Vec<PageLine> {
    let items: Vec<(String, String, String, String)> = order
        .items
        .iter()
        .map(|line| {
            let current = name_of(&line.product_id);
            let name = line.shown_name(current.as_deref()).to_string();
            (line.qty.to_string(), name, line.unit_price.shown(currency).to_string(), show(line.line_total(), currency))
        })
        .collect();
    let figures = figures(order, currency);
    let widest = |values: &mut dyn Iterator<Item = &String>| values.map(|v| columns(v)).max().unwrap_or(0);
    let qty_w = widest(&mut items.iter().map(|i| &i.0));
    let unit_w = widest(&mut items.iter().map(|i| &i.2));
    let amount_w = widest(&mut items.iter().map(|i| &i.3).chain(figures.iter().map(|f| &f.1)));
    // "  Q × name @ unit = amount": what is left of the width goes to names.
    let fixed = 2 + qty_w + 3 + 3 + unit_w + 3 + amount_w;
    let name_w = widest(&mut items.iter().map(|i| &i.1)).min(width.saturating_sub(fixed)).max(4);
    let mut lines: Vec<PageLine> = items
        .iter()
        .map(|(qty, name, unit, amount)| {
            let name = fit_width(name, name_w);
            let pad = " ".repeat(name_w - columns(&name));
            PageLine::plain(format!("  {qty:>qty_w$} × {name}{pad} @ {unit:>unit_w$} = {amount:>amount_w$}"))
        })
        .collect();
    lines.push(PageLine::default());
    let end = fixed + name_w;
    for (label, amount, tone) in figures {
        let label_w = end.saturating_sub(amount_w + 1).max(columns(&label));
        let pad = " ".repeat(label_w - columns(&label));
        let amount = format!("{}{amount}", " ".repeat(amount_w.saturating_sub(columns(&amount))));
        lines.push(PageLine::of(vec![(Tone::Plain, format!("{pad}{label} ")), (tone, amount)]));
    }
    lines
}

/// The order's figures: label, amount, tone. A code that gives free
/// shipping shows on the shipping line, not as a discount of nothing.
fn figures(order: &Order, currency: &Currency) -> Vec<(String, String, Tone)> {
    let amount = |amount: Money| amount.shown(currency).to_string();
    let mut figures = vec![("Subtotal".to_string(), show(order.items_total(), currency), Tone::Plain)];
    let code = order.discount_code.as_deref();
    // A code that gave nothing off but the shipping is named on that line.
    let free_by_code = code.filter(|_| order.discount.is_zero() && order.shipping.is_zero());
    if let Some(code) = code.filter(|_| free_by_code.is_none()) {
        figures.push((format!("Discount ({code})"), format!("−{}", amount(order.discount)), Tone::Good));
    }
    if order.subtotal.is_some() {
        let shipping = match (order.shipping.is_zero(), free_by_code) {
            (true, Some(code)) => (format!("Shipping ({code})"), "Free".to_string(), Tone::Good),
            (true, None) => ("Shipping".to_string(), "Free".to_string(), Tone::Plain),
            (false, _) => ("Shipping".to_string(), amount(order.shipping), Tone::Plain),
        };
        figures.push(shipping);
        if !order.tax.is_zero() {
            let label = if order.tax_included { "Tax included" } else { "Tax" };
            figures.push((label.to_string(), amount(order.tax), Tone::Plain));
        }
    }
    figures.push(("Total".to_string(), amount(order.total), Tone::Money));
    figures
}

/// `line` in lines no wider than `width`: a long address line or a history
/// line on a narrow screen wraps, keeping the tone of its parts.
fn fit(line: PageLine, width: usize) -> Vec<PageLine> {
    if columns(&line.text()) <= width {
        return vec![line];
    }
    let mut out: Vec<PageLine> = vec![PageLine::default()];
    let mut used = 0;
    for (tone, text) in line.parts {
        for (i, piece) in wrap(&text, width.saturating_sub(used).max(1)).into_iter().enumerate() {
            let piece_w = columns(&piece);
            if i > 0 || (used > 0 && used + piece_w > width) {
                out.push(PageLine::default());
                used = 0;
            }
            used += piece_w;
            if let Some(last) = out.last_mut() {
                last.parts.push((tone, piece));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{OrderEvent, OrderLine, Timestamp};

    const DOLLARS: Currency = Currency::new("$");

    fn order() -> Order {
        let at = Timestamp::parse("2026-03-01 12:00:00").expect("time");
        let line = |id: &str, name: Option<&str>, qty, cents| OrderLine {
            product_id: id.into(),
            name: name.map(String::from),
            qty,
            unit_price: Money::from_cents(cents),
            extra: Default::default(),
        };
        let mut order = Order::new(
            "O0001".into(),
            "alice".into(),
            vec![line("P1001", None, 3, 10), line("P1002", Some("Wireless Mouse"), 12, 2499)],
            Money::from_cents(30318),
            at,
        );
        order.subtotal = Some(Money::from_cents(30018));
        order.shipping = Money::from_cents(300);
        for (by, status) in [("alice", OrderStatus::Placed), ("boss", OrderStatus::Shipped)] {
            order.events.push(OrderEvent { at, by: by.into(), status, refunded: None, extra: Default::default() });
        }
        order
    }

    fn text(lines: &[PageLine]) -> Vec<String> {
        lines.iter().map(PageLine::text).collect()
    }

    #[test]
    fn amounts_end_in_one_column_and_unnamed_lines_take_the_products_name() {
        let name_of = |id: &str| (id == "P1001").then(|| "USB-C Cable".to_string());
        let page = text(&lines(&order(), &DOLLARS, Reader::Admin, 58, &name_of));
        let items: Vec<&String> = page.iter().filter(|l| l.contains(" × ")).collect();
        assert_eq!(items[0], "   3 × USB-C Cable    @  $0.10 =   $0.30");
        assert_eq!(items[1], "  12 × Wireless Mouse @ $24.99 = $299.88");
        let end = columns(items[0]);
        for label in ["Subtotal", "Shipping", "Total"] {
            let line = page.iter().rev().find(|l| l.trim_start().starts_with(label)).expect(label);
            assert_eq!(columns(line), end, "{line}");
        }
        assert!(page.iter().all(|l| columns(l) <= 58), "{page:#?}");
    }

    #[test]
    fn a_shopper_sees_the_shop_where_an_admin_sees_who() {
        let none = |_: &str| None;
        let shopper = text(&lines(&order(), &DOLLARS, Reader::Shopper, 80, &none)).join("\n");
        assert!(shopper.contains("placed     by alice") && shopper.contains("shipped    by the shop"), "{shopper}");
        assert!(!shopper.contains("boss"), "{shopper}");
        let admin = text(&lines(&order(), &DOLLARS, Reader::Admin, 80, &none)).join("\n");
        assert!(admin.contains("shipped    by boss"), "{admin}");
    }

    #[test]
    fn narrow_pages_wrap_and_free_shipping_is_no_discount() {
        let mut order = order();
        order.discount_code = Some("SHIPFREE".into());
        order.shipping = Money::ZERO;
        let page = text(&lines(&order, &DOLLARS, Reader::Admin, 20, &|_| None));
        assert!(page.iter().all(|l| columns(l) <= 20), "{page:#?}");
        let wide = text(&lines(&order, &DOLLARS, Reader::Admin, 80, &|_| None)).join("\n");
        assert!(wide.contains("Shipping (SHIPFREE)") && !wide.contains("Discount"), "{wide}");
    }
}

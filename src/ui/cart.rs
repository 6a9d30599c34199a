//! The cart: lines, quantities and the total.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};

use super::Theme;
use crate::app::{Action, App, keymap, layout};

pub fn draw(frame: &mut Frame, body: Rect, app: &App, theme: &Theme) {
    let cart = app.current_cart();
    let quote = app.quote().ok();
    let currency = app.settings().currency();
    let (block_area, rows_area, totals) = layout::table(body, app.cart_summary_height());
    let items = cart.item_count();
    let block = Block::default().borders(Borders::ALL).border_style(theme.focused_border()).title(format!(
        " Cart — {} {} ",
        super::text::count(items),
        if items == 1 { "item" } else { "items" }
    ));
    let inner = block.inner(block_area);
    frame.render_widget(block, block_area);
    if cart.is_empty() {
        let browse = [Action::ShowTab(crate::app::Tab::Catalog), Action::FocusFilter];
        let keys = keymap::keys_for(keymap::Context::Shop, &browse).unwrap_or_default();
        super::draw_empty(frame, inner, format!("Your cart is empty. Press {keys} to browse the catalog."), theme);
    } else {
        let height = usize::from(rows_area.height);
        let offset = app.cart.cursor.offset;
        // The numbers of the visible lines, so their columns fit them whole.
        let numbers: Vec<[String; 3]> = cart
            .items
            .iter()
            .enumerate()
            .skip(offset)
            .take(height)
            .map(|(i, line)| {
                [
                    line.unit_price.shown(&currency).to_string(),
                    super::text::count(line.qty),
                    line_total(quote, i, &currency),
                ]
            })
            .collect();
        let width = |k: usize, at_least| super::text::column_width(numbers.iter().map(|n| n[k].as_str()), at_least);
        let widths = [
            Constraint::Fill(1),
            Constraint::Length(width(0, 11)),
            Constraint::Length(width(1, 5)),
            Constraint::Length(width(2, 12)),
        ];
        let rows: Vec<Row> = cart
            .items
            .iter()
            .enumerate()
            .skip(offset)
            .take(height)
            .zip(&numbers)
            .map(|((i, line), [unit, qty, total])| {
                let selected = i == app.cart.cursor.selected;
                let product = app.product(&line.product_id);
                let name = product.map_or_else(|| line.product_id.clone(), |p| p.name.clone());
                let note = match product {
                    None => " (gone — not counted)".to_string(),
                    Some(p) if !p.active => " (no longer sold — not counted)".to_string(),
                    Some(p) if p.stock == 0 => " (out of stock)".to_string(),
                    Some(p) if p.price != line.unit_price => format!(" (now {})", p.price.shown(&currency)),
                    Some(p) if p.stock < line.qty => format!(" (only {} left)", p.stock),
                    _ => String::new(),
                };
                let mut name_spans = vec![Span::raw(if selected { "▶ " } else { "  " }), Span::raw(name)];
                if !note.is_empty() {
                    name_spans.push(Span::styled(note, theme.warning()));
                }
                let row = Row::new([
                    Cell::from(Line::from(name_spans)),
                    Cell::from(Line::from(unit.as_str()).alignment(Alignment::Right)),
                    Cell::from(Line::from(qty.as_str()).alignment(Alignment::Right)),
                    Cell::from(Line::from(total.as_str()).alignment(Alignment::Right)),
                ]);
                if selected { row.style(theme.selected()) } else { row }
            })
            .collect();
        let header = Row::new([
            Cell::from("  Product"),
            Cell::from(Line::from("Unit").alignment(Alignment::Right)),
            Cell::from(Line::from("Qty").alignment(Alignment::Right)),
            Cell::from(Line::from("Total").alignment(Alignment::Right)),
        ])
        .style(theme.dim());
        frame.render_widget(Table::new(rows, widths).header(header).column_spacing(1), inner);
    }
    if cart.is_empty() {
        // Nothing to total and nothing to place: the box says what to do.
        return;
    }
    let mut lines = match quote {
        Some(quote) => super::summary::quote_lines(quote, &currency, theme),
        None => {
            vec![Line::from(Span::styled("The total is too large to order", theme.error())).alignment(Alignment::Right)]
        }
    };
    let promo = keymap::hint(keymap::Context::Cart, &[Action::PromoCode], "promo code");
    let checkout = keymap::hint(keymap::Context::Cart, &[Action::PlaceOrder], "checks out");
    lines.push(Line::from(Span::styled(format!("{promo} · {checkout}"), theme.dim())).alignment(Alignment::Right));
    frame.render_widget(
        Paragraph::new(lines),
        Rect::new(totals.x, totals.y, totals.width.saturating_sub(1), totals.height),
    );
}

/// The quoted total of line `i` (quote lines follow the cart's lines), or
/// that it does not fit.
fn line_total(quote: Option<&crate::domain::Quote>, i: usize, currency: &crate::domain::Currency) -> String {
    crate::domain::money::show(quote.and_then(|q| q.lines.get(i)).map(|l| l.total), currency)
}

//! The admin's Discounts tab (every code, its limits and uses) and the
//! Settings tab (shipping and tax).

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};

use super::{Theme, text};
use crate::app::{Action, App, keymap, layout};
use crate::domain::Currency;
use crate::domain::discount::{Discount, DiscountState};

pub fn draw_discounts(frame: &mut Frame, body: Rect, app: &App, theme: &Theme) {
    let (block_area, rows_area, _) = layout::table(body, 0);
    let codes = app.discounts();
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.focused_border())
        .title(format!(" Discount codes — {} ", text::count(codes.len() as u64)));
    let inner = block.inner(block_area);
    frame.render_widget(block, block_area);
    if codes.is_empty() {
        let new = keymap::hint(keymap::Context::AdminDiscounts, &[Action::AddNew], "adds one");
        super::draw_empty(frame, inner, format!("No discount codes yet. {new}."), theme);
        return;
    }
    let wide = inner.width >= 76;
    let cursor = &app.discount_codes.cursor;
    let code_width = codes.iter().map(|(d, _)| d.code.len()).max().unwrap_or(0).max(4) as u16 + 2;
    let currency = app.settings().currency();
    // What a code gives is never cut: `$1,000,000.00 off` is one figure.
    let benefits: Vec<String> = codes.iter().map(|(d, _)| d.benefit(&currency)).collect();
    let gives_width = text::column_width(benefits.iter().map(String::as_str), 14);
    let rows: Vec<Row> = codes
        .iter()
        .enumerate()
        .skip(cursor.offset)
        .take(usize::from(rows_area.height))
        .map(|(i, (discount, uses))| {
            let selected = i == cursor.selected;
            let mut cells = vec![
                Cell::from(format!("{}{}", if selected { "▶ " } else { "  " }, discount.code)),
                Cell::from(discount.benefit(&currency)),
                Cell::from(Line::from(uses_text(discount, *uses)).alignment(Alignment::Right)),
                {
                    let state = app.discount_state(discount);
                    let style = if state == DiscountState::Active { theme.info() } else { theme.dim() };
                    Cell::from(Span::styled(state.to_string(), style))
                },
            ];
            if wide {
                cells.push(Cell::from(limits(discount, &currency)));
            }
            let row = Row::new(cells);
            if selected { row.style(theme.selected()) } else { row }
        })
        .collect();
    let mut header = vec![
        Cell::from("  Code"),
        Cell::from("Gives"),
        Cell::from(Line::from("Uses").alignment(Alignment::Right)),
        Cell::from("State"),
    ];
    let mut widths = vec![
        Constraint::Length(code_width),
        Constraint::Length(gives_width),
        Constraint::Length(9),
        Constraint::Length(9),
    ];
    if wide {
        header.push(Cell::from("Rules"));
        widths.push(Constraint::Fill(1));
    }
    frame.render_widget(Table::new(rows, widths).header(Row::new(header).style(theme.dim())).column_spacing(1), inner);
}

/// `3 / 100` or `3`.
fn uses_text(discount: &Discount, uses: u32) -> String {
    match discount.max_uses {
        Some(max) => format!("{} / {}", text::count(uses), text::count(max)),
        None => text::count(uses),
    }
}

/// Minimum (in the shop's `currency`), dates and per-shopper limit, briefly.
fn limits(discount: &Discount, currency: &Currency) -> String {
    let mut parts = Vec::new();
    if !discount.min_subtotal.is_zero() {
        parts.push(format!("from {}", discount.min_subtotal.shown(currency)));
    }
    if let Some(starts) = discount.starts {
        parts.push(format!("starts {}", starts.date()));
    }
    if let Some(expires) = discount.expires {
        parts.push(format!("ends {}", expires.date()));
    }
    if let Some(per_user) = discount.max_uses_per_user {
        parts.push(format!("{per_user}× per shopper"));
    }
    parts.join(", ")
}

pub fn draw_settings(frame: &mut Frame, body: Rect, app: &App, theme: &Theme) {
    let block = Block::default().borders(Borders::ALL).border_style(theme.focused_border()).title(" Shop settings ");
    let inner = block.inner(body);
    frame.render_widget(block, body);
    let settings = app.settings();
    let currency = settings.currency();
    let shipping = &settings.shipping;
    let free = shipping.free_over.map_or_else(|| "never".to_string(), |over| format!("from {}", over.shown(&currency)));
    let tax = &settings.tax;
    let tax_line = if tax.rate_percent.is_zero() {
        "none".to_string()
    } else if tax.included_in_prices {
        format!("{} %, included in prices", tax.rate_percent)
    } else {
        format!("{} %, added at checkout", tax.rate_percent)
    };
    let edit = keymap::hint(keymap::Context::AdminSettings, &[Action::EditSelected], "edits them");
    let lines = vec![
        Line::from(format!("Shop name      {}", settings.display_name())),
        Line::from(format!("Currency       {}", crate::domain::text::printable(&settings.currency))),
        Line::from(format!("Shipping       {}", shipping.flat.shown(&currency))),
        Line::from(format!("Free shipping  {free}")),
        Line::from(format!("Tax            {tax_line}")),
        Line::from(""),
        Line::from(Span::styled(edit, theme.dim())),
    ];
    frame.render_widget(Paragraph::new(lines), inner);
}

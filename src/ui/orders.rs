//! The shopper's orders and one order's details.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, Wrap};

use super::{Theme, text};
use crate::app::{App, keymap, layout};
use crate::domain::{Order, OrderStatus};

fn status_style(theme: &Theme, status: OrderStatus) -> ratatui::style::Style {
    match status {
        OrderStatus::Cancelled => theme.error(),
        OrderStatus::Delivered => theme.info(),
        _ => theme.warning(),
    }
}

pub fn status_cell(theme: &Theme, status: OrderStatus) -> Span<'static> {
    Span::styled(status.to_string(), status_style(theme, status))
}

pub fn draw_list(frame: &mut Frame, body: Rect, app: &App, theme: &Theme) {
    let (block_area, rows_area, _) = layout::table(body, 0);
    let ids = &app.orders.ids;
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.focused_border())
        .title(format!(" Orders — {} ", ids.len()));
    let inner = block.inner(block_area);
    frame.render_widget(block, block_area);
    if ids.is_empty() {
        super::draw_empty(frame, inner, "You have no orders yet.", theme);
        return;
    }
    let height = usize::from(rows_area.height);
    let shown: Vec<_> = ids
        .iter()
        .enumerate()
        .skip(app.orders.cursor.offset)
        .take(height)
        .filter_map(|(i, id)| app.order(id).map(|o| (i, o, text::count(o.item_count()), o.total.to_string())))
        .collect();
    let items_width = text::column_width(shown.iter().map(|s| s.2.as_str()), 5);
    let total_width = text::column_width(shown.iter().map(|s| s.3.as_str()), 12);
    let rows: Vec<Row> = shown
        .iter()
        .map(|(i, order, items, total)| {
            let (i, order) = (*i, *order);
            let selected = i == app.orders.cursor.selected;
            let row = Row::new([
                Cell::from(format!("{}{}", if selected { "▶ " } else { "  " }, order.order_id)),
                Cell::from(order.timestamp.to_string()),
                Cell::from(Line::from(items.as_str()).alignment(Alignment::Right)),
                Cell::from(Line::from(total.as_str()).alignment(Alignment::Right)),
                Cell::from(Span::styled(order.status.to_string(), status_style(theme, order.status))),
            ]);
            if selected { row.style(theme.selected()) } else { row }
        })
        .collect();
    let header = Row::new([
        Cell::from("  Order"),
        Cell::from("Date"),
        Cell::from(Line::from("Items").alignment(Alignment::Right)),
        Cell::from(Line::from("Total").alignment(Alignment::Right)),
        Cell::from("Status"),
    ])
    .style(theme.dim());
    let widths = [
        Constraint::Length(12),
        Constraint::Length(19),
        Constraint::Length(items_width),
        Constraint::Length(total_width),
        Constraint::Fill(1),
    ];
    frame.render_widget(Table::new(rows, widths).header(header).column_spacing(1), inner);
}

pub fn draw_detail(frame: &mut Frame, body: Rect, app: &App, order_id: Option<&str>, theme: &Theme) {
    let order = order_id.and_then(|id| app.order(id));
    let Some(order) = order else {
        let back = keymap::hint(keymap::Context::OrderDetail, &[crate::app::Action::Back], "goes back");
        frame.render_widget(Paragraph::new(format!("This order no longer exists. {back}.")), body);
        return;
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.focused_border())
        .title(Span::styled(format!(" Order {} ", order.order_id), theme.title()));
    let inner = block.inner(body);
    frame.render_widget(block, body);
    let lines = detail_lines(order, theme);
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }).scroll((app.detail_scroll, 0)), inner);
}

fn detail_lines(order: &Order, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = vec![
        Line::from(format!("Customer  {}", order.username)),
        Line::from(format!("Placed    {}", order.timestamp)),
        Line::from(vec![
            Span::raw("Status    "),
            Span::styled(order.status.to_string(), status_style(theme, order.status)),
        ]),
        Line::from(vec![Span::raw("Total     "), Span::styled(order.total.to_string(), theme.money())]),
    ];
    if let Some(payment) = &order.payment {
        lines.push(Line::from(format!("Paid with {}", payment.label())));
    }
    if let Some(tracking) = &order.tracking {
        lines.push(Line::from(format!("Tracking  {tracking}")));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("Items", theme.title())));
    for line in &order.items {
        lines.push(Line::from(format!(
            "  {} × {} @ {} = {}",
            line.qty,
            line.display_name(),
            line.unit_price,
            crate::domain::money::show(line.line_total())
        )));
    }
    lines.push(Line::from(""));
    lines.extend(
        super::summary::order_lines(order, theme).into_iter().map(|l| l.alignment(ratatui::layout::Alignment::Left)),
    );
    if let Some(address) = &order.address {
        lines.push(Line::from(""));
        lines.push(Line::from(Span::styled("Shipping to", theme.title())));
        lines.extend(address.lines().into_iter().map(|l| Line::from(format!("  {l}"))));
    }
    lines.push(Line::from(""));
    lines.push(Line::from(Span::styled("History", theme.title())));
    if order.events.is_empty() {
        lines.push(Line::from(Span::styled("  (no recorded changes)", theme.dim())));
    }
    for event in &order.events {
        lines.push(Line::from(format!("  {}  {:<10} by {}", event.at, event.status.as_str(), event.by)));
    }
    lines
}

//! The shopper's orders and one order's details.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};

use super::{Theme, text};
use crate::app::order_page::Tone;
use crate::app::{App, keymap, layout};
use crate::domain::OrderStatus;

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
    let currency = app.settings().currency();
    let shown: Vec<_> = ids
        .iter()
        .enumerate()
        .skip(app.orders.cursor.offset)
        .take(height)
        .filter_map(|(i, id)| {
            app.order(id).map(|o| (i, o, text::count(o.item_count()), o.total.shown(&currency).to_string()))
        })
        .collect();
    let items_width = text::column_width(shown.iter().map(|s| s.2.as_str()), 5);
    let total_width = text::column_width(shown.iter().map(|s| s.3.as_str()), 12);
    // Narrow: the date without the time, so the status is never cut.
    let status_width = 9;
    let full_dates = inner.width >= 12 + 19 + items_width + total_width + status_width + 4;
    let rows: Vec<Row> = shown
        .iter()
        .map(|(i, order, items, total)| {
            let (i, order) = (*i, *order);
            let selected = i == app.orders.cursor.selected;
            let row = Row::new([
                Cell::from(format!("{}{}", if selected { "▶ " } else { "  " }, order.order_id)),
                Cell::from(if full_dates { order.timestamp.to_string() } else { order.timestamp.date() }),
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
        Constraint::Length(if full_dates { 19 } else { 10 }),
        Constraint::Length(items_width),
        Constraint::Length(total_width),
        Constraint::Min(status_width),
    ];
    frame.render_widget(Table::new(rows, widths).header(header).column_spacing(1), inner);
}

pub fn draw_detail(frame: &mut Frame, body: Rect, app: &App, order_id: Option<&str>, theme: &Theme) {
    let page = order_id.and_then(|id| app.order_page(id));
    let Some(page) = page else {
        let back = keymap::hint(keymap::Context::OrderDetail, &[crate::app::Action::Back], "goes back");
        frame.render_widget(Paragraph::new(format!("This order no longer exists. {back}.")), body);
        return;
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.focused_border())
        .title(Span::styled(format!(" Order {} ", order_id.unwrap_or_default()), theme.title()));
    let inner = block.inner(body);
    frame.render_widget(block, body);
    // The page is laid out for this width already: drawn as it is, it has
    // exactly the lines the app scrolls through.
    let lines: Vec<Line> = page
        .into_iter()
        .map(|line| {
            Line::from(
                line.parts
                    .into_iter()
                    .map(|(tone, text)| Span::styled(text, tone_style(theme, tone)))
                    .collect::<Vec<_>>(),
            )
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).scroll((app.detail_scroll, 0)), inner);
}

fn tone_style(theme: &Theme, tone: Tone) -> ratatui::style::Style {
    match tone {
        Tone::Plain => ratatui::style::Style::new(),
        Tone::Heading => theme.title(),
        Tone::Dim => theme.dim(),
        Tone::Money => theme.money(),
        Tone::Good => theme.info(),
        Tone::Status(status) => status_style(theme, status),
    }
}

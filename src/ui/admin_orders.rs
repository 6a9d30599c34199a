//! The admin's All orders tab: every shopper's orders, newest first.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Row, Table};

use super::{Theme, catalog, orders};
use crate::app::{App, layout};

pub fn draw(frame: &mut Frame, body: Rect, app: &App, theme: &Theme) {
    let view = &app.admin_orders;
    let areas = layout::filtered_list(body, false);
    let placeholder = "customer, status or order id…";
    catalog::draw_filter_field(frame, areas.filter, &view.query, view.filter_focused, placeholder, theme);
    let title = format!(" All orders — {} of {} ", view.ids.len(), app.all_orders_count());
    let inner = super::panel(frame, areas.list, title, !view.filter_focused, theme);
    if view.ids.is_empty() {
        let text = if app.all_orders_count() == 0 {
            "No orders yet.".to_string()
        } else {
            format!("No orders match “{}” (customer, status or order id).", super::quoted_query(view.query.value()))
        };
        super::draw_empty(frame, inner, text, theme);
        return;
    }
    let height = usize::from(areas.rows.height);
    // Narrow: the date without the time, so the customer's name fits.
    let full_dates = inner.width >= 70;
    let currency = app.settings().currency();
    let shown: Vec<_> = view
        .ids
        .iter()
        .enumerate()
        .skip(view.cursor.offset)
        .take(height)
        .filter_map(|(i, id)| app.order(id).map(|o| (i, o, o.total.shown(&currency).to_string())))
        .collect();
    let total_width = super::text::column_width(shown.iter().map(|s| s.2.as_str()), 11);
    let rows: Vec<Row> = shown
        .iter()
        .map(|(i, order, total)| {
            let (i, order) = (*i, *order);
            let selected = i == view.cursor.selected;
            let row = Row::new([
                Cell::from(format!("{}{}", if selected { "▶ " } else { "  " }, order.order_id)),
                Cell::from(if full_dates { order.timestamp.to_string() } else { order.timestamp.date() }),
                Cell::from(order.username.clone()),
                Cell::from(Line::from(total.as_str()).alignment(Alignment::Right)),
                Cell::from(orders::status_cell(theme, order.status)),
            ]);
            if selected { row.style(theme.selected()) } else { row }
        })
        .collect();
    let header = Row::new([
        Cell::from("  Order"),
        Cell::from("Date"),
        Cell::from("Customer"),
        Cell::from(Line::from("Total").alignment(Alignment::Right)),
        Cell::from("Status"),
    ])
    .style(theme.dim());
    let widths = [
        Constraint::Length(12),
        Constraint::Length(if full_dates { 19 } else { 10 }),
        Constraint::Fill(1),
        Constraint::Length(total_width),
        Constraint::Length(9),
    ];
    frame.render_widget(Table::new(rows, widths).header(header).column_spacing(1), inner);
}

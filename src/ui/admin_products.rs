//! The admin's Products tab: every product, archived ones marked.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};

use super::{Theme, catalog, text};
use crate::app::filter::highlight;
use crate::app::{Action, App, CatalogKind, keymap, layout};

pub fn draw(frame: &mut Frame, body: Rect, app: &App, theme: &Theme) {
    let areas = layout::catalog(body);
    let view = &app.admin_products;
    catalog::draw_filter_field(
        frame,
        areas.filter,
        &view.query,
        view.filter_focused,
        catalog::PRODUCT_PLACEHOLDER,
        theme,
    );
    let title = super::product_list_title("Products (admin)", view);
    let inner = super::panel(frame, areas.list, title, !view.filter_focused, theme);
    if view.hits.is_empty() {
        let text = if view.total == 0 {
            format!(
                "No products yet. {}.",
                keymap::hint(keymap::Context::AdminProducts, &[Action::NewProduct], "adds one")
            )
        } else {
            format!("No products match “{}”.", super::quoted_query(view.query.value()))
        };
        super::draw_empty(frame, inner, text, theme);
    } else {
        let wide = inner.width + 2 >= layout::LIST_WITH_CATEGORY;
        let query = view.query.value();
        let height = usize::from(areas.rows.height);
        let currency = app.settings().currency();
        let shown: Vec<_> = (view.cursor.offset..view.hits.len().min(view.cursor.offset + height))
            .filter_map(|i| {
                let product = app.hit_in(CatalogKind::Admin, i)?;
                Some((i, product, product.price.shown(&currency).to_string(), text::count(product.stock)))
            })
            .collect();
        let price_width = text::column_width(shown.iter().map(|s| s.2.as_str()), 11);
        let stock_width = text::column_width(shown.iter().map(|s| s.3.as_str()), 6);
        let rows: Vec<Row> = shown
            .iter()
            .map(|(i, p, price, stock)| {
                let (i, p) = (*i, *p);
                let selected = i == view.cursor.selected;
                let mut name = Vec::new();
                let matched = highlight(query, p);
                name.extend(text::highlighted(&p.name, &matched.name, Default::default(), theme.matched()));
                if !p.active {
                    name.push(Span::styled(" [archived]", theme.warning()));
                }
                let mut cells = vec![
                    Cell::from(Line::from(
                        std::iter::once(Span::raw(if selected { "▶ " } else { "  " }))
                            .chain(text::highlighted(&p.product_id, &matched.id, Default::default(), theme.matched()))
                            .collect::<Vec<_>>(),
                    )),
                    Cell::from(Line::from(name)),
                    Cell::from(Line::from(price.as_str()).alignment(Alignment::Right)),
                    Cell::from(Line::from(stock.as_str()).alignment(Alignment::Right)),
                ];
                if wide {
                    cells.push(Cell::from(Line::from(text::highlighted(
                        p.category_or_blank(),
                        &matched.category,
                        Default::default(),
                        theme.matched(),
                    ))));
                }
                let row = Row::new(cells);
                if selected { row.style(theme.selected()) } else { row }
            })
            .collect();
        // Prices and stock are right-aligned: so are their headings.
        let right = |title: &'static str| Cell::from(Line::from(title).alignment(Alignment::Right));
        let mut header = vec![Cell::from("  Id"), Cell::from("Name"), right("Price"), right("Stock")];
        let mut widths = vec![
            Constraint::Length(9),
            Constraint::Fill(1),
            Constraint::Length(price_width),
            Constraint::Length(stock_width),
        ];
        if wide {
            header.push(Cell::from("Category"));
            widths.push(Constraint::Length(14));
        }
        frame.render_widget(
            Table::new(rows, widths).header(Row::new(header).style(theme.dim())).column_spacing(1),
            inner,
        );
    }
    if let Some(preview) = areas.preview {
        catalog::draw_preview(frame, preview, app.selected_in(CatalogKind::Admin), &app.settings().currency(), theme);
    }
}

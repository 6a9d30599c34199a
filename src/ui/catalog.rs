//! The catalog: live filter, results and (when wide) a preview.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, Wrap};

use super::{Theme, input_view, text};
use crate::app::filter::highlight;
use crate::app::{Action, App, keymap, layout};
use crate::domain::{Currency, Product};

pub fn draw(frame: &mut Frame, body: Rect, app: &App, theme: &Theme) {
    let areas = layout::catalog(body);
    draw_filter(frame, areas.filter, app, theme);
    draw_results(frame, &areas, app, theme);
    if let Some(preview) = areas.preview {
        draw_preview(frame, preview, app.selected_product(), &app.settings().currency(), theme);
    }
}

fn draw_filter(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    draw_filter_field(frame, area, &app.catalog.query, app.catalog.filter_focused, PRODUCT_PLACEHOLDER, theme);
}

pub const PRODUCT_PLACEHOLDER: &str = "name, id or category…";

/// A filter field: its box, the text (or `placeholder`) and the cursor.
pub fn draw_filter_field(
    frame: &mut Frame,
    area: Rect,
    query: &tui_input::Input,
    focused: bool,
    placeholder: &str,
    theme: &Theme,
) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(if focused { theme.focused_border() } else { theme.border() })
        .title(if focused {
            " Filter (typing) ".to_string()
        } else {
            format!(
                " Filter — press {} ",
                keymap::keys_for(keymap::Context::Shop, &[Action::FocusFilter]).unwrap_or_default()
            )
        });
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if query.value().is_empty() && !focused {
        frame.render_widget(Paragraph::new(Span::styled(placeholder.to_string(), theme.dim())), inner);
    } else {
        let (shown, cursor) = input_view(query, inner.width, false);
        frame.render_widget(Paragraph::new(shown), inner);
        if focused && inner.width > 0 && inner.height > 0 {
            frame.set_cursor_position((inner.x + cursor, inner.y));
        }
    }
}

fn draw_results(frame: &mut Frame, areas: &layout::Catalog, app: &App, theme: &Theme) {
    let catalog = &app.catalog;
    let title = super::product_list_title("Products", catalog);
    let inner = super::panel(frame, areas.list, title, !catalog.filter_focused, theme);
    if catalog.hits.is_empty() {
        let text = if catalog.total == 0 {
            "The catalog is empty.".to_string()
        } else {
            format!(
                "No products match “{}”. {}.",
                super::quoted_query(catalog.query.value()),
                keymap::hint(keymap::Context::Catalog, &[Action::Back], "clears the filter")
            )
        };
        super::draw_empty(frame, inner, text, theme);
        return;
    }
    let wide = inner.width + 2 >= layout::LIST_WITH_CATEGORY;
    // The prices are right-aligned: so is their heading.
    let price = Cell::from(Line::from("Price").alignment(Alignment::Right));
    let header = if wide {
        Row::new([Cell::from("  Product"), price, Cell::from("Category"), Cell::from("Stock")])
    } else {
        Row::new([Cell::from("  Product"), price, Cell::from("Stock")])
    }
    .style(theme.dim());
    let query = catalog.query.value();
    let height = usize::from(areas.rows.height);
    let currency = app.settings().currency();
    let shown: Vec<_> = (catalog.cursor.offset..catalog.hits.len().min(catalog.cursor.offset + height))
        .filter_map(|i| app.hit_product(i).map(|p| (i, p, p.price.shown(&currency).to_string())))
        .collect();
    let price_width = text::column_width(shown.iter().map(|s| s.2.as_str()), if wide { 11 } else { 10 });
    let rows: Vec<Row> = shown
        .iter()
        .map(|(i, product, price)| {
            let (i, product) = (*i, *product);
            let selected = i == catalog.cursor.selected;
            let marker = if selected { "▶ " } else { "  " };
            let matched = highlight(query, product);
            let mut name = vec![Span::raw(marker)];
            name.extend(text::highlighted(&product.name, &matched.name, Default::default(), theme.matched()));
            let mut cells =
                vec![Cell::from(Line::from(name)), Cell::from(Line::from(price.as_str()).alignment(Alignment::Right))];
            if wide {
                let category = product.category_or_blank();
                cells.push(Cell::from(Line::from(text::highlighted(
                    category,
                    &matched.category,
                    Default::default(),
                    theme.matched(),
                ))));
            }
            cells.push(Cell::from(Span::styled(text::stock_badge(product), text::badge_style(theme, product))));
            let row = Row::new(cells);
            if selected { row.style(theme.selected()) } else { row }
        })
        .collect();
    let widths: Vec<Constraint> = if wide {
        vec![Constraint::Fill(1), Constraint::Length(price_width), Constraint::Length(14), Constraint::Length(12)]
    } else {
        vec![Constraint::Fill(1), Constraint::Length(price_width), Constraint::Length(12)]
    };
    frame.render_widget(Table::new(rows, widths).header(header).column_spacing(1), inner);
}

/// The selected product beside the list; its price in the shop's `currency`.
pub fn draw_preview(frame: &mut Frame, area: Rect, product: Option<&Product>, currency: &Currency, theme: &Theme) {
    let block = Block::default().borders(Borders::ALL).title(" Details ");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(p) = product else {
        frame.render_widget(Paragraph::new(Span::styled("Nothing selected", theme.dim())), inner);
        return;
    };
    let lines = vec![
        Line::from(Span::styled(p.name.clone(), theme.title())),
        Line::from(vec![
            Span::styled(p.price.shown(currency).to_string(), theme.money()),
            Span::raw(format!("   {}", p.product_id)),
        ]),
        Line::from(vec![
            Span::raw(format!("{}   ", p.category_or_blank())),
            Span::styled(text::stock_badge(p), text::badge_style(theme, p)),
        ]),
        Line::from(""),
        Line::from(p.description_or_blank().to_string()),
    ];
    let mut lines = lines;
    if !p.active {
        lines.insert(3, Line::from(Span::styled("Archived: not sold", theme.warning())));
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), inner);
}

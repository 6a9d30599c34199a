//! Drawing. Reads `App`, never changes it: every function takes `&App`.

mod admin_orders;
mod admin_pricing;
mod admin_products;
mod cart;
mod catalog;
mod checkout;
mod dialog;
mod form;
mod help;
mod login;
mod orders;
mod product;
mod receipt;
mod summary;
pub mod text;
pub mod theme;

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};
use tui_input::Input;

use crate::app::{App, MessageTone, Screen, layout};
pub use theme::Theme;

pub const TOO_SMALL: &str = "Terminal too small — need at least 60×16";

/// Draws the whole screen for the app's current state.
pub fn draw(frame: &mut Frame, app: &App, theme: &Theme) {
    let area = frame.area();
    if layout::too_small(area) {
        draw_too_small(frame, area, theme);
        return;
    }
    if app.screen == Screen::Login {
        login::draw(frame, area, app, theme);
        if let Some(open) = &app.help {
            help::draw(frame, area, &app.help_contexts(), open, theme);
        }
        return;
    }
    let parts = app.frame_layout();
    draw_header(frame, &parts, app, theme);
    match app.screen {
        Screen::Catalog => catalog::draw(frame, parts.body, app, theme),
        Screen::Product => product::draw(frame, parts.body, app, theme),
        Screen::Cart => cart::draw(frame, parts.body, app, theme),
        Screen::Checkout => checkout::draw(frame, parts.body, app, theme),
        Screen::Orders => orders::draw_list(frame, parts.body, app, theme),
        Screen::OrderDetail => orders::draw_detail(frame, parts.body, app, app.orders.detail.as_deref(), theme),
        Screen::AdminProducts => admin_products::draw(frame, parts.body, app, theme),
        Screen::AdminOrders => admin_orders::draw(frame, parts.body, app, theme),
        Screen::AdminOrderDetail => {
            orders::draw_detail(frame, parts.body, app, app.admin_orders.detail.as_deref(), theme)
        }
        Screen::AdminDiscounts => admin_pricing::draw_discounts(frame, parts.body, app, theme),
        Screen::AdminSettings => admin_pricing::draw_settings(frame, parts.body, app, theme),
        Screen::Login => {}
    }
    if let Some(open) = &app.form {
        let area = layout::form_area(parts.body, app.screen == Screen::Checkout);
        form::draw(frame, area, app, open, theme);
    }
    if app.receipt.is_some() {
        receipt::draw(frame, app.receipt_area(), app, theme);
    }
    draw_message(frame, parts.message, app, theme);
    if let Some(stats) = parts.stats {
        draw_stats(frame, stats, app, theme);
    }
    let hints = app.footer_hints();
    let hints = text::fit_hints(&hints, usize::from(parts.footer.width));
    frame.render_widget(Paragraph::new(text::hint_line(theme, &hints)), parts.footer);
    if let Some(open) = &app.help {
        help::draw(frame, area, &app.help_contexts(), open, theme);
    }
    if let Some(dialog) = &app.dialog {
        dialog::draw(frame, area, dialog, theme);
    }
}

fn draw_too_small(frame: &mut Frame, area: Rect, theme: &Theme) {
    frame.render_widget(Clear, area);
    let lines = vec![Line::from(Span::styled(TOO_SMALL, theme.error()))];
    let height = 2.min(area.height);
    let y = area.y + area.height.saturating_sub(height) / 2;
    let centered = Rect::new(area.x, y, area.width, height);
    frame.render_widget(Paragraph::new(lines).alignment(Alignment::Center).wrap(Wrap { trim: true }), centered);
}

fn draw_header(frame: &mut Frame, parts: &layout::Frame, app: &App, theme: &Theme) {
    frame.render_widget(Paragraph::new("").style(theme.header()), parts.header);
    if let Some((rect, name)) = &parts.title {
        frame.render_widget(Paragraph::new(Span::styled(name.clone(), theme.header().patch(theme.title()))), *rect);
    }
    let current = app.screen.tab();
    for place in &parts.tabs {
        let style = if Some(place.tab) == current { theme.tab_active() } else { theme.header() };
        frame.render_widget(Paragraph::new(Span::styled(place.label.clone(), style)), place.rect);
    }
    for &(rect, mark) in &parts.tab_marks {
        frame.render_widget(Paragraph::new(Span::styled(mark, theme.header())), rect);
    }
    let quote = app.quote().ok();
    let items = quote.map_or_else(|| app.current_cart().item_count(), |q| q.items);
    // The header shows what is in the cart; shipping and tax come at checkout.
    let user = app.username().unwrap_or_default();
    let count = format!("{} {}", text::count(items), if items == 1 { "item" } else { "items" });
    let room = parts.user.width;
    // The cart matters more than the name: shorten the name, then drop it.
    let subtotal = crate::domain::money::show(quote.map(|q| q.subtotal), &app.settings().currency());
    let cart = format!("{count} · {subtotal} ");
    let name_room = usize::from(room).saturating_sub(text::width(&cart) + 3);
    let who = [
        format!("{user} · {cart}"),
        if name_room >= 4 { format!("{} · {cart}", text::fit_width(user, name_room)) } else { String::new() },
        cart.clone(),
        format!("cart {} · {subtotal} ", text::count(items)),
    ]
    .into_iter()
    .find(|s| !s.is_empty() && text::width(s) <= usize::from(room))
    .unwrap_or_default();
    frame.render_widget(Paragraph::new(Span::styled(who, theme.header())).alignment(Alignment::Right), parts.user);
}

/// How a message of `tone` is drawn.
fn tone_style(theme: &Theme, tone: MessageTone) -> ratatui::style::Style {
    match tone {
        MessageTone::Info => theme.info(),
        MessageTone::Warning => theme.warning(),
        MessageTone::Error => theme.error(),
    }
}

/// The message line, wrapped to as many rows as the layout gave it.
fn draw_message(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let Some((tone, line)) = app.message_line() else { return };
    let style = tone_style(theme, tone);
    let mut rows = text::wrap(&line, usize::from(area.width));
    let most = usize::from(area.height);
    if rows.len() > most {
        // Longer than a third of the screen: its last row says it goes on.
        rows.truncate(most);
        if let Some(last) = rows.last_mut() {
            *last = text::fit_width(&format!("{last} …"), usize::from(area.width));
        }
    }
    let lines: Vec<Line> = rows.into_iter().map(|row| Line::from(Span::styled(row, style))).collect();
    frame.render_widget(Paragraph::new(lines), area);
}

fn draw_stats(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let text = format!(
        " filter {:.2} ms · render {:.2} ms · {} products",
        app.catalog.last_filter.as_secs_f64() * 1000.0,
        app.stats.last_render.as_secs_f64() * 1000.0,
        text::count(app.product_count() as u64)
    );
    frame.render_widget(Paragraph::new(Span::styled(text, theme.dim())).style(theme.header()), area);
}

/// One line of a text field, scrolled so the cursor stays visible; returns
/// the line and the cursor's column within it. Columns are counted per
/// grapheme cluster, as the buffer draws them.
pub fn input_view(input: &Input, width: u16, masked: bool) -> (String, u16) {
    let width = usize::from(width.max(1));
    let value = input.value();
    let shown: String = if masked { "•".repeat(value.chars().count()) } else { value.to_string() };
    let before_cursor: String = shown.chars().take(input.cursor()).collect();
    let cursor = text::width(&before_cursor);
    // Keep one column for the cursor after the last character.
    let scroll = cursor.saturating_sub(width - 1);
    let rest = text::skip_width(&shown, scroll);
    let skipped = text::width(&shown) - text::width(rest);
    (text::fit_width(rest, width), cursor.saturating_sub(skipped).min(width - 1) as u16)
}

/// A bordered panel with a title, its border emphasised when it has focus;
/// returns the area inside the border.
pub fn panel(frame: &mut Frame, area: Rect, title: impl Into<Line<'static>>, focused: bool, theme: &Theme) -> Rect {
    let block = ratatui::widgets::Block::default()
        .borders(ratatui::widgets::Borders::ALL)
        .border_style(if focused { theme.focused_border() } else { theme.border() })
        .title(title);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    inner
}

/// The title of a product list: ` Products — 3 of 44 `, or that it is filtering.
pub fn product_list_title(label: &str, view: &crate::app::CatalogView) -> String {
    if view.pending {
        format!(" {label} — filtering {} … ", text::count(view.total as u64))
    } else {
        format!(" {label} — {} of {} ", text::count(view.hits.len() as u64), text::count(view.total as u64))
    }
}

/// How many terminal columns of a typed query an empty list's message quotes.
const QUOTED_QUERY_COLUMNS: usize = 40;

/// A typed query as a "no match" message quotes it: cut to a few words (a
/// field holds 2,000 characters, which would flood the box).
pub fn quoted_query(query: &str) -> String {
    text::fit_width(query, QUOTED_QUERY_COLUMNS)
}

/// An empty list's message, centered in `area`: an empty cart, no orders, no match.
pub fn draw_empty(frame: &mut Frame, area: Rect, message: impl Into<String>, theme: &Theme) {
    let below = Rect::new(area.x, area.y + area.height / 2, area.width, area.height - area.height / 2);
    let text = Paragraph::new(Span::styled(message.into(), theme.dim())).alignment(Alignment::Center);
    frame.render_widget(text.wrap(Wrap { trim: true }), below);
}

/// Clears the area a popup covers. A wide character that starts just left
/// of it would otherwise hide the popup's left border: the buffer skips the
/// cell after a wide character, and the terminal never draws the border.
pub fn clear_popup(frame: &mut Frame, area: Rect) {
    frame.render_widget(Clear, area);
    if area.x == 0 {
        return;
    }
    let buffer = frame.buffer_mut();
    for y in area.top()..area.bottom() {
        if let Some(cell) = buffer.cell_mut((area.x - 1, y))
            && unicode_width::UnicodeWidthStr::width(cell.symbol()) > 1
        {
            cell.set_symbol(" ");
        }
    }
}

/// A style for an optional emphasis.
pub fn style_if(on: bool, style: Style) -> Style {
    if on { style } else { Style::new() }
}

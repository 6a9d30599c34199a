//! An order's receipt over the body: its text as the app laid it out, scrolled.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::Theme;
use crate::app::{Action, App, keymap};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let Some(view) = &app.receipt else { return };
    super::clear_popup(frame, area);
    let Some(lines) = app.receipt_lines() else {
        let back = keymap::hint(keymap::Context::Receipt, &[Action::Back], "goes back");
        frame.render_widget(Paragraph::new(format!("This order no longer exists. {back}.")), area);
        return;
    };
    let visible = usize::from(area.height.saturating_sub(2));
    let overflow = lines.len().saturating_sub(visible);
    let scroll = usize::from(view.scroll).min(overflow);
    // The order id comes from the data: shown as `printable` made it.
    let id = crate::domain::text::printable(&view.order_id);
    let title = match overflow {
        0 => format!(" Receipt {id} "),
        _ => format!(" Receipt {id} — lines {}–{} of {} ", scroll + 1, scroll + visible.min(lines.len()), lines.len()),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.focused_border())
        .title(Span::styled(title, theme.title()));
    let lines: Vec<Line> = lines.into_iter().map(Line::from).collect();
    let scroll = u16::try_from(scroll).unwrap_or(u16::MAX);
    frame.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), area);
}

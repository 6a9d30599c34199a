//! The `?` overlay: every key of the current screen, from the keymap.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::Theme;
use crate::app::{App, keymap, layout};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let rows = keymap::help_rows(&app.help_contexts());
    let key_width = rows.iter().map(|(k, _)| k.chars().count()).max().unwrap_or(0);
    let mut lines: Vec<Line> = rows
        .iter()
        .map(|(keys, hint)| {
            Line::from(vec![Span::styled(format!(" {keys:<key_width$}  "), theme.key()), Span::raw(hint.to_string())])
        })
        .collect();
    lines.push(Line::from(""));
    let close = keymap::hint(
        keymap::Context::Help,
        &[crate::app::Action::Back, crate::app::Action::ToggleHelp],
        "closes this help",
    );
    lines.push(Line::from(Span::styled(format!(" {close}"), theme.dim())));
    let width = (key_width + 30) as u16;
    let box_area = layout::dialog(area, width, lines.len() as u16 + 2);
    frame.render_widget(Clear, box_area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.focused_border())
        .title(Span::styled(" Keys ", theme.title()));
    frame.render_widget(Paragraph::new(lines).block(block), box_area);
}

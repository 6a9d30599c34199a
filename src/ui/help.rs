//! The `?` overlay: every key of the current screen, from the keymap.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::Theme;
use crate::app::{HelpOverlay, keymap, layout};

/// Draws `help` over the screen whose keys are `contexts`.
pub fn draw(frame: &mut Frame, area: Rect, contexts: &[keymap::Context], help: &HelpOverlay, theme: &Theme) {
    let rows = keymap::help_rows(contexts);
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
    super::clear_popup(frame, box_area);
    // Taller than the screen: it scrolls, and the title says how.
    let visible = box_area.height.saturating_sub(2);
    let overflow = (lines.len() as u16).saturating_sub(visible);
    let scroll = help.scroll.min(overflow);
    let title = match overflow {
        0 => " Keys ".to_string(),
        // Offer only the directions that still move.
        _ => {
            let arrows = match (scroll > 0, scroll < overflow) {
                (true, true) => "↑↓",
                (false, _) => "↓",
                (true, false) => "↑",
            };
            format!(" Keys {}/{} — {arrows} scroll ", scroll + visible, lines.len())
        }
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.focused_border())
        .title(Span::styled(title, theme.title()));
    frame.render_widget(Paragraph::new(lines).block(block).scroll((scroll, 0)), box_area);
}

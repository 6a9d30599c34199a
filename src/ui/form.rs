//! Forms over the screen: the admin's product and stock forms, and the
//! checkout's address, card, CVC and promo code forms.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders, Paragraph};
use tui_input::Input;

use super::{Theme, input_view, style_if, text};
use crate::app::{App, Form, keymap, layout};

/// What a form shows, whichever form it is.
struct FormView<'a> {
    title: String,
    fields: Vec<(&'a str, &'a Input)>,
    masked: Vec<bool>,
    /// A yes/no toggle after the fields (focus == fields.len()).
    toggle: Option<(&'a str, bool)>,
    focus: usize,
    error: Option<&'a str>,
    note: Option<String>,
}

fn view<'a>(app: &App, form: &'a Form) -> FormView<'a> {
    match form {
        Form::Product(f) => FormView {
            title: match &f.editing {
                None => " New product ".to_string(),
                Some((id, _)) => format!(" Edit {id} "),
            },
            fields: f.labels.iter().copied().zip(f.fields.iter()).collect(),
            masked: vec![false; f.fields.len()],
            toggle: None,
            focus: f.focus,
            error: f.error.as_deref(),
            note: Some(match &f.editing {
                None => "The id is given automatically.".to_string(),
                Some((id, _)) => {
                    let stock = app.product(id).map_or(0, |p| p.stock);
                    let keys = keymap::keys_for(keymap::Context::AdminProducts, &[crate::app::Action::Restock]);
                    format!("In stock: {stock} — press {} on the list to restock.", keys.unwrap_or_default())
                }
            }),
        },
        Form::Stock(f) => {
            let product = app.product(&f.product_id);
            let name = product.map_or("", |p| p.name.as_str());
            let stock = product.map_or(0, |p| p.stock);
            FormView {
                title: format!(" Restock {} {} ", f.product_id, text::fit_width(name, 30)),
                fields: vec![("Change by", &f.change)],
                masked: vec![false],
                toggle: None,
                focus: 0,
                error: f.error.as_deref(),
                note: Some(format!("In stock now: {stock}. Type +N to add or -N to remove.")),
            }
        }
        Form::Fields(f) => FormView {
            title: f.title.clone(),
            fields: f.labels.iter().copied().zip(f.fields.iter()).collect(),
            masked: f.masked.clone(),
            toggle: f.toggle,
            focus: f.focus,
            error: f.error.as_deref(),
            note: f.note.clone(),
        },
    }
}

/// Draws `form` in `area` (`layout::form_area`), clearing all of it first.
pub fn draw(frame: &mut Frame, area: Rect, app: &App, form: &Form, theme: &Theme) {
    let FormView { title, fields, masked, toggle, focus, error, mut note } = view(app, form);
    super::clear_popup(frame, area);
    let rows = fields.len() as u16 + u16::from(toggle.is_some());
    // The error is shown whole, on as many lines as it needs.
    let inner_width = usize::from(layout::form_box(area, 72, 1).width.saturating_sub(2));
    let error_lines = error.map_or(Vec::new(), |e| text::wrap(&format!("✗ {e}"), inner_width));
    let extra_error_rows = (error_lines.len() as u16).saturating_sub(1);
    // Roomy: a blank line after the note and each field. Short screens get
    // one line each, so the error line always shows; shorter still, the
    // note gives way to the fields.
    let roomy_height = rows * 2 + 6 + extra_error_rows;
    let roomy = area.height >= roomy_height;
    let gap = if roomy { 2 } else { 1 };
    let mut height = rows * gap + 2 * gap + 2 + extra_error_rows;
    if height > area.height && note.is_some() {
        note = None;
        height -= gap;
    }
    let box_area = layout::form_box(area, 72, height);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.focused_border())
        .title(Span::styled(title, theme.title()));
    let inner = block.inner(box_area);
    frame.render_widget(block, box_area);
    let label_width = 15u16.min(inner.width);
    let mut y = inner.y;
    if let Some(note) = note.filter(|_| y < inner.bottom()) {
        frame.render_widget(Paragraph::new(Span::styled(note, theme.dim())), Rect::new(inner.x, y, inner.width, 1));
        y += gap;
    }
    for (i, (label, input)) in fields.iter().enumerate() {
        if y >= inner.bottom() {
            break;
        }
        let focused = i == focus;
        frame.render_widget(
            Paragraph::new(Span::styled(
                format!("{}{label}", if focused { "▶ " } else { "  " }),
                style_if(focused, theme.key()),
            )),
            Rect::new(inner.x, y, label_width, 1),
        );
        let x = inner.x + label_width;
        let width = inner.right().saturating_sub(x);
        let (shown, cursor) = input_view(input, width, masked.get(i).copied().unwrap_or(false));
        let padded = format!("{shown:<width$}", width = usize::from(width));
        let style = if focused { theme.selected() } else { theme.dim() };
        frame.render_widget(Paragraph::new(Span::styled(padded, style)), Rect::new(x, y, width, 1));
        if focused && width > 0 {
            frame.set_cursor_position((x + cursor, y));
        }
        y += gap;
    }
    if let Some((label, on)) = toggle.filter(|_| y < inner.bottom()) {
        let focused = focus == fields.len();
        let line = format!("{}[{}] {label}", if focused { "▶ " } else { "  " }, if on { "x" } else { " " });
        let hint = if focused { "  (Space switches)" } else { "" };
        frame.render_widget(
            Paragraph::new(ratatui::text::Line::from(vec![
                Span::styled(line, style_if(focused, theme.key())),
                Span::styled(hint, theme.dim()),
            ])),
            Rect::new(inner.x, y, inner.width, 1),
        );
        y += gap;
    }
    if y < inner.bottom() && !error_lines.is_empty() {
        let lines: Vec<ratatui::text::Line> =
            error_lines.into_iter().map(|l| ratatui::text::Line::from(Span::styled(l, theme.error()))).collect();
        frame.render_widget(Paragraph::new(lines), Rect::new(inner.x, y, inner.width, inner.bottom() - y));
    }
}

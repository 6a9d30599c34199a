//! Log in / create account.

use ratatui::Frame;
use ratatui::layout::{Alignment, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::{Theme, input_view, style_if, text};
use crate::app::{App, LoginMode, keymap, layout};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let form = &app.login;
    let outer = layout::login_box(area);
    let title = match form.mode {
        LoginMode::LogIn => " Log in ",
        LoginMode::CreateAccount => " Create account ",
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.focused_border())
        .title(Span::styled(format!(" {} —{title}", app.settings().display_name()), theme.title()));
    let inner = block.inner(outer);
    frame.render_widget(block, outer);

    let mut fields = vec![("Username", &form.username, false), ("Password", &form.password, true)];
    if form.mode == LoginMode::CreateAccount {
        fields.push(("Confirm password", &form.confirm, true));
    }
    let label_width = 20u16;
    let mut y = inner.y + 1;
    for (i, (label, input, masked)) in fields.iter().enumerate() {
        if y >= inner.bottom() {
            break;
        }
        let focused = form.focus == i;
        let marker = if focused { "▶ " } else { "  " };
        let label_text = format!("{marker}{label}");
        frame.render_widget(
            Paragraph::new(Span::styled(label_text, style_if(focused, theme.key()))),
            Rect::new(inner.x, y, label_width.min(inner.width), 1),
        );
        let field_x = inner.x + label_width.min(inner.width);
        let field_width = inner.right().saturating_sub(field_x);
        let (shown, cursor) = input_view(input, field_width, *masked);
        let style = if focused { theme.selected() } else { theme.dim() };
        let padded = format!("{shown:<width$}", width = usize::from(field_width));
        frame.render_widget(Paragraph::new(Span::styled(padded, style)), Rect::new(field_x, y, field_width, 1));
        if focused && field_width > 0 {
            frame.set_cursor_position((field_x + cursor, y));
        }
        y += 2;
    }
    // A new account's rules show before anything is refused.
    if form.mode == LoginMode::CreateAccount {
        use crate::domain::user::{PASSWORD_MIN, USERNAME_MAX, USERNAME_MIN};
        let rules = [
            format!("Username: {USERNAME_MIN}–{USERNAME_MAX} letters a–z, digits, '_', '.' and '-'"),
            format!("Password: at least {PASSWORD_MIN} characters"),
        ];
        for rule in rules {
            if y >= inner.bottom() {
                break;
            }
            let line = Span::styled(text::fit_width(&rule, usize::from(inner.width.saturating_sub(2))), theme.dim());
            frame.render_widget(Paragraph::new(line), Rect::new(inner.x + 2, y, inner.width.saturating_sub(2), 1));
            y += 1;
        }
    }
    let status = match (app.login_wait_notice().or_else(|| app.waiting_notice().map(String::from)), form.error.as_ref())
    {
        (Some(notice), _) => Some(Span::styled(format!("… {notice}"), theme.warning())),
        (None, Some(error)) => Some(Span::styled(format!("✗ {error}"), theme.error())),
        // What the app said (an admin's key: log in with the password).
        (None, None) => app.message_line().map(|(tone, line)| Span::styled(line, super::tone_style(theme, tone))),
    };
    // Above the hints when there is room (a message may take two lines).
    let above_hints = inner.bottom().saturating_sub(3);
    let status_bottom = if above_hints > y { above_hints } else { inner.bottom() };
    if let Some(status) = status.filter(|_| y < inner.bottom()) {
        frame.render_widget(
            Paragraph::new(status).wrap(Wrap { trim: true }),
            Rect::new(inner.x + 2, y, inner.width.saturating_sub(2), status_bottom - y),
        );
    }
    let switch = |what| keymap::hint(keymap::Context::Login, &[crate::app::Action::ToggleLoginForm], what);
    let other = match form.mode {
        LoginMode::LogIn => format!("New here? {}", switch("creates an account")),
        LoginMode::CreateAccount => format!("Have an account? {}", switch("to log in")),
    };
    let hints = app.footer_hints();
    let hints: Vec<(&str, &str)> = hints.iter().map(|(key, hint)| (key.as_str(), *hint)).collect();
    let width = usize::from(inner.width);
    // Two lines of hints at most, broken between hints; narrower, the
    // ones that fit on one.
    let mut lines = text::hint_lines(theme, &hints, width);
    if lines.len() > 2 {
        let all: Vec<(String, &str)> = hints.iter().map(|(key, hint)| (key.to_string(), *hint)).collect();
        lines = vec![text::hint_line(theme, &text::fit_hints(&all, width))];
    }
    lines.insert(0, Line::from(Span::styled(other, theme.dim())));
    let bottom = inner.bottom().saturating_sub(3);
    if bottom > y {
        frame.render_widget(
            Paragraph::new(lines).alignment(Alignment::Center),
            Rect::new(inner.x, bottom, inner.width, 3),
        );
    }
}

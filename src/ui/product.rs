//! One product: details and a quantity chooser.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::{Theme, text};
use crate::app::{Action, App, keymap};

pub fn draw(frame: &mut Frame, body: Rect, app: &App, theme: &Theme) {
    let Some(p) = app.product(&app.product.product_id) else {
        let back = keymap::hint(keymap::Context::Product, &[Action::Back], "goes back");
        frame.render_widget(Paragraph::new(format!("This product no longer exists. {back}.")), body);
        return;
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.focused_border())
        .title(Span::styled(format!(" {} ", p.name), theme.title()));
    let inner = block.inner(body);
    frame.render_widget(block, body);
    let in_cart = app.current_cart().qty_of(&p.product_id);
    let currency = app.settings().currency();
    let mut lines = vec![
        Line::from(vec![Span::raw("Price     "), Span::styled(p.price.shown(&currency).to_string(), theme.money())]),
        Line::from(format!("Category  {}", p.category_or_blank())),
        Line::from(format!("Id        {}", p.product_id)),
        Line::from(vec![
            Span::raw("Stock     "),
            Span::styled(text::stock_badge(p), text::badge_style(theme, p)),
            Span::raw(format!(" ({} available)", p.stock)),
        ]),
    ];
    if in_cart > 0 {
        lines.push(Line::from(format!("In cart   {in_cart}")));
    }
    if !p.active {
        lines.push(Line::from(Span::styled("No longer sold", theme.error())));
    }
    lines.push(Line::from(""));
    match app.current_cart().addable(p) {
        Ok(_) => {
            lines.push(Line::from(vec![
                Span::raw("Quantity  "),
                Span::styled("−", theme.key()),
                Span::styled(format!(" {} ", app.product.qty), theme.selected()),
                Span::styled("+", theme.key()),
                Span::raw(format!("   = {}", crate::domain::money::show(p.price.times(app.product.qty), &currency))),
            ]));
            let add = keymap::hint(keymap::Context::Product, &[Action::AddToCart], "adds to the cart");
            let more = keymap::first_key(keymap::Context::Product, &Action::Increase).unwrap_or_default();
            let fewer = keymap::first_key(keymap::Context::Product, &Action::Decrease).unwrap_or_default();
            let hint = format!("{add} · {more} / {fewer} change the quantity");
            lines.push(Line::from(Span::styled(hint, theme.dim())));
        }
        // Nothing can be added: say why instead of offering a chooser.
        Err(why) => lines.push(Line::from(Span::styled(why.to_string(), theme.warning()))),
    }
    lines.push(Line::from(""));
    lines.push(Line::from(p.description_or_blank().to_string()));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }).scroll((app.detail_scroll, 0)), inner);
}

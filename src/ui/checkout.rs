//! The checkout's steps: address, payment, review, and the placed order.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::{Theme, style_if, summary, text};
use crate::app::{Action, App, CheckoutStep, keymap};
use crate::domain::checkout::PaymentChoice;
use crate::domain::payment::Brand;

pub fn draw(frame: &mut Frame, body: Rect, app: &App, theme: &Theme) {
    let [crumbs, rest] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(body);
    frame.render_widget(Paragraph::new(breadcrumb(app.checkout.step, crumbs.width, theme)), crumbs);
    match app.checkout.step {
        CheckoutStep::Address => draw_choices(
            frame,
            rest,
            app,
            " Ship to ",
            app.checkout.profile.addresses.iter().map(|a| a.summary()).collect(),
            "a new address",
            None,
            theme,
        ),
        CheckoutStep::Payment => draw_choices(
            frame,
            rest,
            app,
            " Pay with ",
            app.checkout.profile.cards.iter().map(|c| c.label()).collect(),
            "a new card",
            app.checkout.error.as_deref(),
            theme,
        ),
        CheckoutStep::Review => draw_review(frame, rest, app, theme),
        CheckoutStep::Placed => draw_placed(frame, rest, app, theme),
    }
}

/// `Cart › Address › Payment › Review`, the current step emphasised; on a
/// narrow screen `Step 2 of 4: Address`.
fn breadcrumb(step: CheckoutStep, width: u16, theme: &Theme) -> Line<'static> {
    let steps = CheckoutStep::BREADCRUMB;
    let full: usize = steps.iter().map(|(name, _)| name.len() + 3).sum();
    let current = steps.iter().position(|(_, s)| *s == Some(step));
    if full > usize::from(width) {
        let (n, name) = current.map_or((steps.len(), "Placed"), |i| (i + 1, steps[i].0));
        return Line::from(Span::styled(format!(" Step {n} of {}: {name}", steps.len()), theme.title()));
    }
    let mut spans = vec![Span::raw(" ")];
    for (i, (name, _)) in steps.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" › ", theme.dim()));
        }
        let here = Some(i) == current;
        spans.push(Span::styled(name.to_string(), if here { theme.tab_active() } else { theme.dim() }));
    }
    if step == CheckoutStep::Placed {
        spans.push(Span::styled(" › Placed", theme.tab_active()));
    }
    Line::from(spans)
}

/// A list of saved addresses or cards to choose from.
#[allow(clippy::too_many_arguments)]
fn draw_choices(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    title: &str,
    choices: Vec<String>,
    new_one: &str,
    error: Option<&str>,
    theme: &Theme,
) {
    let block = Block::default().borders(Borders::ALL).border_style(theme.focused_border()).title(title.to_string());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines = Vec::new();
    if let Some(error) = error {
        lines.push(Line::from(Span::styled(format!("✗ {error}"), theme.error())));
        lines.push(Line::from(""));
    }
    if let Some(address) = app.checkout.address.as_ref().filter(|_| app.checkout.step == CheckoutStep::Payment) {
        lines.push(Line::from(Span::styled(format!("Shipping to {}", address.summary()), theme.dim())));
        lines.push(Line::from(""));
    }
    let width = usize::from(inner.width.saturating_sub(2));
    let cursor = &app.checkout.cursor;
    let room = usize::from(inner.height).saturating_sub(lines.len() + 2);
    for (i, choice) in choices.iter().enumerate().skip(cursor.offset).take(room.max(1)) {
        let selected = i == cursor.selected;
        let marker = if selected { "▶ " } else { "  " };
        let line = format!("{marker}{}", text::fit_width(choice, width));
        lines.push(Line::from(Span::styled(line, style_if(selected, theme.selected()))));
    }
    lines.push(Line::from(""));
    let new_hint = keymap::hint(keymap::Context::CheckoutList, &[Action::AddNew], &format!("adds {new_one}"));
    let use_hint = keymap::hint(keymap::Context::CheckoutList, &[Action::Open], "uses the one selected");
    let hint = if choices.is_empty() { new_hint } else { format!("{use_hint} · {new_hint}") };
    lines.push(Line::from(Span::styled(hint, theme.dim())));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

fn payment_label(payment: &PaymentChoice) -> String {
    match payment {
        PaymentChoice::OnFile { card, .. } => format!("{} •••• {}", card.brand, card.last4),
        PaymentChoice::NewCard { card, .. } => {
            let digits: String = card.number.chars().filter(char::is_ascii_digit).collect();
            let last4 = digits.get(digits.len().saturating_sub(4)..).unwrap_or("");
            format!("{} •••• {last4}", Brand::of(&digits))
        }
    }
}

fn draw_review(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let block = Block::default().borders(Borders::ALL).border_style(theme.focused_border()).title(" Review ");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines = Vec::new();
    let Ok(quote) = app.quote() else {
        lines.push(Line::from(Span::styled("The total is too large to order", theme.error())));
        frame.render_widget(Paragraph::new(lines), inner);
        return;
    };
    let name_width = usize::from(inner.width).saturating_sub(30).max(8);
    let currency = app.settings().currency();
    for line in &quote.lines {
        let name = app.product(&line.product_id).map_or(line.product_id.as_str(), |p| p.name.as_str());
        lines.push(Line::from(format!(
            "{:>5} × {} @ {} = {}",
            text::count(line.qty),
            text::fit_width(name, name_width),
            line.unit_price.shown(&currency),
            line.total.shown(&currency)
        )));
    }
    lines.extend(summary::quote_lines(quote, &currency, theme));
    if let Some(address) = &app.checkout.address {
        lines.push(Line::from(vec![Span::styled("Ship to  ", theme.dim()), Span::raw(address.summary())]));
    }
    if let Some(payment) = &app.checkout.payment {
        lines.push(Line::from(vec![Span::styled("Pay with ", theme.dim()), Span::raw(payment_label(payment))]));
    }
    let place = keymap::hint(keymap::Context::Review, &[Action::Confirm, Action::Open], "places and pays");
    lines.push(Line::from(Span::styled(format!("{place} · Esc goes back"), theme.key())));
    // The figures and the key matter most: long carts give up their lines first.
    let keep_tail = lines.len().saturating_sub(quote.lines.len());
    let room = usize::from(inner.height);
    if lines.len() > room {
        let drop = (lines.len() - room + 1).min(quote.lines.len());
        let shown = quote.lines.len() - drop;
        let mut cut: Vec<Line> = lines[..shown].to_vec();
        cut.push(Line::from(Span::styled(format!("… and {} more lines", drop), theme.dim())));
        cut.extend(lines[lines.len() - keep_tail..].iter().cloned());
        lines = cut;
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

fn draw_placed(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let block = Block::default().borders(Borders::ALL).border_style(theme.focused_border()).title(" Thank you ");
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let Some(order) = &app.checkout.placed else { return };
    let currency = app.settings().currency();
    let placed = format!("Order {} placed and paid — {}", order.order_id, order.total.shown(&currency));
    let mut lines = vec![Line::from(Span::styled(placed, theme.info())), Line::from("")];
    lines.extend(summary::order_lines(order, &currency, theme));
    if let Some(address) = &order.address {
        lines.push(Line::from(vec![Span::styled("Ship to  ", theme.dim()), Span::raw(address.summary())]));
    }
    if let Some(payment) = &order.payment {
        lines.push(Line::from(vec![Span::styled("Paid with ", theme.dim()), Span::raw(payment.label())]));
    }
    lines.push(Line::from(""));
    let receipt = keymap::hint(keymap::Context::Placed, &[Action::OpenReceipt], "shows the receipt");
    let orders = keymap::hint(keymap::Context::Placed, &[Action::Open], "shows your orders");
    lines.push(Line::from(Span::styled(format!("{receipt} · {orders}"), theme.dim())));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
}

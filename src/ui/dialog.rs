//! Confirmations and the checkout problem list.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::Theme;
use crate::app::{Dialog, keymap, layout};

pub fn draw(frame: &mut Frame, area: Rect, dialog: &Dialog, theme: &Theme) {
    let (title, mut lines) = match dialog {
        Dialog::CheckoutProblems { problems } => {
            let mut out = vec![Line::from(Span::styled("Your order was not placed:", theme.error())), Line::from("")];
            out.extend(problems.iter().map(|p| Line::from(format!("  • {p}"))));
            out.push(Line::from(""));
            out.push(Line::from(
                "Accept the adjusted cart (quantities cut to what is available, prices updated, \
                 unavailable items removed) and review the new total?",
            ));
            (" Cart changed ", out)
        }
        Dialog::ConfirmCancel { order_id, refund, restock } => {
            let mut text = format!("Cancel order {order_id}?");
            if let Some(refund) = refund {
                text.push_str(&format!(" {refund} is refunded."));
            }
            if *restock {
                text.push_str(" Its items go back in stock.");
            }
            (" Cancel order? ", vec![Line::from(text), Line::from("")])
        }
        Dialog::ConfirmDelete { product_id, name } => {
            (" Delete product? ", vec![Line::from(format!("Delete {product_id} {name} for good?")), Line::from("")])
        }
        Dialog::ConfirmAdvance { order_id, to } => {
            (" Move order? ", vec![Line::from(format!("Mark order {order_id} as {to}?")), Line::from("")])
        }
        Dialog::ConfirmDeleteDiscount { code } => {
            (" Delete code? ", vec![Line::from(format!("Delete the discount code {code} for good?")), Line::from("")])
        }
        Dialog::ConfirmForgetKey => (
            " Log out ",
            vec![
                Line::from("Your SSH key logs you in to this account."),
                Line::from("Forget it, so that the next connection asks who you are?"),
                Line::from(""),
            ],
        ),
        Dialog::ConfirmDiscard => {
            (" Discard changes? ", vec![Line::from("Close the form and lose what you typed?"), Line::from("")])
        }
    };
    lines.push(Line::from(""));
    use crate::app::Action;
    let keys = |action| keymap::keys_for(keymap::Context::Dialog, &[action]).unwrap_or_default().replace(" or ", " / ");
    let answers: Vec<(String, &str)> = match dialog {
        // Three answers: the key decides what logging out leaves behind.
        Dialog::ConfirmForgetKey => vec![
            (keys(Action::Confirm), " forget the key and log out    "),
            (keys(Action::Decline), " keep it and log out    "),
            (keys(Action::Dismiss), " stay logged in"),
        ],
        _ => vec![
            (keys(Action::Confirm), " yes    "),
            (format!("{} / {}", keys(Action::Decline), keys(Action::Dismiss)), " no"),
        ],
    };
    // Three answers get a line each (never wrapped mid-phrase); two share one.
    let one_line = answers.len() <= 2;
    let mut spans = Vec::new();
    for (key, what) in answers {
        spans.push(Span::styled(key, theme.key()));
        spans.push(Span::raw(if one_line { what } else { what.trim_end() }));
        if !one_line {
            lines.push(Line::from(std::mem::take(&mut spans)));
        }
    }
    if one_line {
        lines.push(Line::from(spans));
    }
    let widest = lines.iter().map(|l| l.width()).max().unwrap_or(20).min(76) as u16 + 2;
    let box_width = layout::dialog(area, widest.max(40), 1).width;
    // Long lines wrap inside the borders: count the rows they will take.
    let inner = usize::from(box_width.saturating_sub(2)).max(1);
    let rows: usize = lines.iter().map(|l| l.width().div_ceil(inner).max(1)).sum();
    let box_area = layout::dialog(area, box_width, rows as u16 + 2);
    super::clear_popup(frame, box_area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.focused_border())
        .title(Span::styled(title, theme.title()));
    frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }), box_area);
}

//! Small text helpers shared by the screens.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar;

use super::theme::Theme;
use crate::domain::Product;

/// A count as people read it: `296,907`.
pub fn count(n: impl Into<u64>) -> String {
    crate::domain::product::thousands(n)
}

/// The width a column of numbers needs: its widest value, and never less
/// than `at_least` (a number is never cut into another number).
pub fn column_width<'a>(values: impl IntoIterator<Item = &'a str>, at_least: u16) -> u16 {
    let widest = values.into_iter().map(unicode_width::UnicodeWidthStr::width).max().unwrap_or(0);
    u16::try_from(widest).unwrap_or(u16::MAX).max(at_least)
}

/// The stock badge: `In stock`, `Only 3 left`, `Out of stock`.
pub fn stock_badge(product: &Product) -> String {
    match product.stock {
        0 => "Out of stock".to_string(),
        n @ 1..=5 => format!("Only {n} left"),
        _ => "In stock".to_string(),
    }
}

pub fn badge_style(theme: &Theme, product: &Product) -> Style {
    match product.stock {
        0 => theme.error(),
        1..=5 => theme.warning(),
        _ => theme.info(),
    }
}

/// `name` with the characters at `matched` (char indices) emphasised.
pub fn highlighted<'a>(name: &'a str, matched: &[u32], base: Style, emphasis: Style) -> Vec<Span<'a>> {
    if matched.is_empty() {
        return vec![Span::styled(name, base)];
    }
    let mut spans = Vec::new();
    let mut run = String::new();
    let mut run_matched = false;
    for (i, c) in name.chars().enumerate() {
        let is_match = matched.binary_search(&(i as u32)).is_ok();
        if is_match != run_matched && !run.is_empty() {
            spans.push(Span::styled(std::mem::take(&mut run), if run_matched { base.patch(emphasis) } else { base }));
        }
        run_matched = is_match;
        run.push(c);
    }
    if !run.is_empty() {
        spans.push(Span::styled(run, if run_matched { base.patch(emphasis) } else { base }));
    }
    spans
}

/// Cuts `text` to `width` terminal columns (wide CJK characters and emoji
/// count as two), ending with `…` when cut.
pub fn fit_width(text: &str, width: usize) -> String {
    let total: usize = text.chars().map(|c| c.width().unwrap_or(0)).sum();
    if total <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(c);
        used += w;
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// The hints that fit in `width` columns: the screen's own first, then help
/// and quit, then the rest, shown in their original order.
pub fn fit_hints<'a>(hints: &'a [(String, &'a str)], width: usize) -> Vec<(&'a str, &'a str)> {
    let hints: Vec<(&str, &str)> = hints.iter().map(|(key, hint)| (key.as_str(), *hint)).collect();
    let cost = |(key, hint): &(&str, &str)| key.chars().count() + hint.chars().count() + 3;
    let essential = |(_, hint): &(&str, &str)| *hint == "help" || *hint == "quit";
    let mut keep = vec![false; hints.len()];
    let mut used = 0;
    // Screen hints come first in the list; help and quit are always wanted.
    let order =
        (0..hints.len()).filter(|&i| essential(&hints[i])).chain((0..hints.len()).filter(|&i| !essential(&hints[i])));
    for i in order {
        if used + cost(&hints[i]) <= width + 2 {
            used += cost(&hints[i]);
            keep[i] = true;
        }
    }
    hints.iter().zip(keep).filter(|(_, k)| *k).map(|(h, _)| *h).collect()
}

/// Key hints as `key hint  key hint`.
pub fn hint_line(theme: &Theme, hints: &[(&str, &str)]) -> Line<'static> {
    let mut spans = Vec::new();
    for (i, (key, hint)) in hints.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled("  ", theme.dim()));
        }
        spans.push(Span::styled(key.to_string(), theme.key()));
        spans.push(Span::raw(format!(" {hint}")));
    }
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_by_display_width() {
        assert_eq!(fit_width("USB-C Cable", 20), "USB-C Cable");
        assert_eq!(fit_width("USB-C Cable", 6), "USB-C…");
        assert_eq!(fit_width("日本語のケーブル", 7), "日本語…");
        assert_eq!(fit_width("🎧 Headphones", 4), "🎧 …");
        assert_eq!(fit_width("abc", 0), "");
    }

    #[test]
    fn highlights_runs() {
        let spans = highlighted("USB-C", &[0, 1, 2], Style::new(), Style::new());
        assert_eq!(spans.iter().map(|s| s.content.as_ref()).collect::<Vec<_>>(), ["USB", "-C"]);
    }
}

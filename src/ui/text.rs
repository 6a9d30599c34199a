//! Small text helpers shared by the screens.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use unicode_segmentation::UnicodeSegmentation;

use super::theme::Theme;
use crate::domain::Product;
pub use crate::domain::width::{fit_width, skip_width, width, wrap};

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

/// `name` with the characters at `matched` (char indices) emphasised. A
/// grapheme cluster is emphasised whole when any of its chars matched, so
/// an emoji and its modifier are never split into two spans.
pub fn highlighted<'a>(name: &'a str, matched: &[u32], base: Style, emphasis: Style) -> Vec<Span<'a>> {
    if matched.is_empty() {
        return vec![Span::styled(name, base)];
    }
    let mut spans = Vec::new();
    let mut run_start = 0;
    let mut run_matched = false;
    let mut char_index = 0u32;
    for (start, grapheme) in name.grapheme_indices(true) {
        let chars = grapheme.chars().count() as u32;
        let is_match = (char_index..char_index + chars).any(|i| matched.binary_search(&i).is_ok());
        char_index += chars;
        if is_match != run_matched && start > run_start {
            spans.push(Span::styled(&name[run_start..start], if run_matched { base.patch(emphasis) } else { base }));
            run_start = start;
        }
        run_matched = is_match;
    }
    if run_start < name.len() {
        spans.push(Span::styled(&name[run_start..], if run_matched { base.patch(emphasis) } else { base }));
    }
    spans
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

/// Key hints as lines of at most `width` columns, broken only between
/// hints (never inside "log in ↔ create account").
pub fn hint_lines(theme: &Theme, hints: &[(&str, &str)], width: usize) -> Vec<Line<'static>> {
    let mut rows: Vec<Vec<(&str, &str)>> = Vec::new();
    let mut used = 0;
    for &(key, hint) in hints {
        let cost = self::width(key) + 1 + self::width(hint);
        match rows.last_mut() {
            Some(row) if used + 2 + cost <= width => {
                row.push((key, hint));
                used += 2 + cost;
            }
            _ => {
                rows.push(vec![(key, hint)]);
                used = cost;
            }
        }
    }
    rows.iter().map(|row| hint_line(theme, row)).collect()
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
        assert_eq!(fit_width("👍🏽👍🏽 thumbs", 5), "👍🏽👍🏽…");
        assert_eq!(fit_width("👍🏽👍🏽 thumbs", 4), "👍🏽…");
    }

    #[test]
    fn widths_count_grapheme_clusters() {
        assert_eq!(width("👍🏽"), 2);
        assert_eq!(width("👨‍👩‍👧 family"), 9);
        assert_eq!(width("日本"), 4);
        assert_eq!(skip_width("👍🏽ab", 2), "ab");
        assert_eq!(skip_width("日本語", 3), "語");
    }

    #[test]
    fn an_emoji_and_its_modifier_stay_in_one_span() {
        let spans = highlighted("👍🏽 up", &[0], Style::new(), Style::new());
        assert_eq!(spans.iter().map(|s| s.content.as_ref()).collect::<Vec<_>>(), ["👍🏽", " up"]);
        let spans = highlighted("👍🏽 up", &[1, 3], Style::new(), Style::new());
        assert_eq!(spans.iter().map(|s| s.content.as_ref()).collect::<Vec<_>>(), ["👍🏽", " ", "u", "p"]);
    }

    #[test]
    fn highlights_runs() {
        let spans = highlighted("USB-C", &[0, 1, 2], Style::new(), Style::new());
        assert_eq!(spans.iter().map(|s| s.content.as_ref()).collect::<Vec<_>>(), ["USB", "-C"]);
    }
}

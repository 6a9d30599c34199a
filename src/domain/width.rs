//! Terminal columns a text takes, and cutting or wrapping it to a width.
//! Counted per grapheme cluster, as ratatui draws it: the app lays out by
//! these (page lengths, the message line's height), the ui draws by them.

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

/// Terminal columns `text` takes (`👍🏽` is two columns, not four).
pub fn width(text: &str) -> usize {
    // Printable ASCII is one column a character: most text, and the
    // layout measures labels on every frame.
    if text.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        return text.len();
    }
    text.graphemes(true).map(UnicodeWidthStr::width).sum()
}

/// Cuts `text` to `width` terminal columns (wide CJK characters and emoji
/// count as two), ending with `…` when cut; never splits a grapheme cluster.
pub fn fit_width(text: &str, width: usize) -> String {
    if self::width(text) <= width {
        return text.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for grapheme in text.graphemes(true) {
        let w = grapheme.width();
        if used + w + 1 > width {
            break;
        }
        out.push_str(grapheme);
        used += w;
    }
    if width > 0 {
        out.push('…');
    }
    out
}

/// The part of `text` after its first `columns` terminal columns, whole
/// grapheme clusters only.
pub fn skip_width(text: &str, columns: usize) -> &str {
    let mut skipped = 0;
    for (start, grapheme) in text.grapheme_indices(true) {
        if skipped >= columns {
            return &text[start..];
        }
        skipped += grapheme.width();
    }
    ""
}

/// `text` in lines of at most `width` columns, broken after a space when
/// the line has one, else inside a word (a long code or path); never empty.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    // Where the line may break: just after its last space (bytes, columns).
    let mut last_space: Option<(usize, usize)> = None;
    for grapheme in text.graphemes(true) {
        let w = grapheme.width();
        if used + w > width && !line.is_empty() {
            match last_space {
                Some((at, columns)) if grapheme != " " => {
                    let rest = line.split_off(at);
                    lines.push(line.trim_end().to_string());
                    line = rest;
                    used -= columns;
                }
                _ => {
                    lines.push(line.trim_end().to_string());
                    line = String::new();
                    used = 0;
                }
            }
            last_space = None;
            if grapheme == " " && line.is_empty() {
                continue;
            }
        }
        line.push_str(grapheme);
        used += w;
        if grapheme == " " {
            last_space = Some((line.len(), used));
        }
    }
    lines.push(line);
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ascii_shortcut_counts_as_graphemes_do() {
        let by_graphemes = |text: &str| text.graphemes(true).map(UnicodeWidthStr::width).sum::<usize>();
        let every_ascii: String = (0u8..128).map(char::from).collect();
        for text in [every_ascii.as_str(), "Desk Lamp 60W", " 1 Catalog ", "a\r\nb", "\tx", "e\u{301}", ""] {
            assert_eq!(width(text), by_graphemes(text), "{text:?}");
        }
        for b in 0u8..128 {
            let text = char::from(b).to_string();
            assert_eq!(width(&text), by_graphemes(&text), "{b}");
        }
    }

    #[test]
    fn wraps_at_spaces_then_inside_words() {
        assert_eq!(wrap("", 10), [""]);
        assert_eq!(wrap("short", 10), ["short"]);
        assert_eq!(wrap("price €9.99 → €8.49. Press Esc", 12), ["price €9.99", "→ €8.49.", "Press Esc"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("日本語のケーブル", 5), ["日本", "語の", "ケー", "ブル"]);
        for line in wrap("Someone else changed P1001 while you were editing it", 9) {
            assert!(width(&line) <= 9, "{line}");
        }
    }
}

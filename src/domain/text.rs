//! Text from data files made safe to show a person: names and ids come from
//! files anyone may have edited, and a terminal obeys the escape sequences
//! hidden in them (clear the screen, write the clipboard, retitle the window).

use std::borrow::Cow;
use std::fmt::Write as _;

/// How many characters of a value a message quotes.
pub const EXCERPT_CHARS: usize = 60;

/// `text` with every control character (C0, DEL, C1) and every bidi override
/// written as a visible escape such as `\u{1b}`, so nothing in it can steer a
/// terminal or reorder what is shown around it.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// At most `max` characters of `text`, ending in `…` when cut: a message
/// quoting a 50 MB value must not be 50 MB long.
pub fn excerpt(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some((end, _)) => {
            let keep = text[..end].char_indices().nth(max.saturating_sub(1)).map_or(end, |(at, _)| at);
            Cow::Owned(format!("{}…", &text[..keep]))
        }
    }
}

/// How many characters of a client's value a log line quotes.
pub const LOG_CHARS: usize = 64;

/// A value a client chose (a TERM, a typed name), fit for one log line:
/// control characters escaped (no forged lines, nothing steering the
/// terminal of whoever reads the log) and cut to `LOG_CHARS`.
pub fn for_log(text: &str) -> String {
    printable(&excerpt(text, LOG_CHARS)).into_owned()
}

/// Cuts every quoted part of a message ("…", `…`) to `EXCERPT_CHARS`.
pub fn shorten_quoted(message: &str) -> Cow<'_, str> {
    if message.len() <= EXCERPT_CHARS {
        return Cow::Borrowed(message);
    }
    let mut out = String::with_capacity(message.len().min(4096));
    let mut rest = message;
    while let Some(open) = rest.find(['"', '`']) {
        let quote = rest.as_bytes()[open] as char;
        out.push_str(&rest[..=open]);
        rest = &rest[open + 1..];
        let close = rest.find(quote).unwrap_or(rest.len());
        out.push_str(&excerpt(&rest[..close], EXCERPT_CHARS));
        rest = &rest[close..];
        if let Some(after) = rest.strip_prefix(quote) {
            out.push(quote);
            rest = after;
        }
    }
    out.push_str(&excerpt(rest, 4 * EXCERPT_CHARS));
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_values_cannot_forge_lines_or_steer_a_terminal() {
        let forged = "xterm\n2026-12-01T00:00:00Z  INFO fake: session ended user=\"admin\"\x1b]0;pwned\x07";
        let logged = for_log(forged);
        assert!(!logged.contains('\n') && !logged.contains('\x1b') && !logged.contains('\x07'), "{logged}");
        assert!(logged.starts_with("xterm\\u{a}2026"), "{logged}");
        let long = for_log(&"x".repeat(10_000));
        assert_eq!(long.chars().count(), LOG_CHARS, "cut, ending in …: {long}");
        assert!(long.ends_with('…'));
    }

    #[test]
    fn escapes_what_would_steer_a_terminal() {
        assert_eq!(printable("USB-C Cable"), "USB-C Cable");
        assert!(matches!(printable("Ünïcode ✓ 日本"), Cow::Borrowed(_)));
        assert_eq!(printable("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(printable("\u{1b}]52;c;aGk=\u{7}"), "\\u{1b}]52;c;aGk=\\u{7}");
        assert_eq!(printable("x\u{9b}y\u{7f}\n\t"), "x\\u{9b}y\\u{7f}\\u{a}\\u{9}");
        assert_eq!(printable("evil\u{202e}txt.exe"), "evil\\u{202e}txt.exe");
    }

    #[test]
    fn cuts_long_values() {
        assert_eq!(excerpt("short", 60), "short");
        assert_eq!(excerpt("abcdef", 4), "abc…");
        assert_eq!(excerpt("ééééé", 3), "éé…");
        let long = format!("amount has more than two decimals: \"1.{}\"", "9".repeat(1000));
        let cut = shorten_quoted(&long);
        assert_eq!(cut, format!("amount has more than two decimals: \"1.{}…\"", "9".repeat(57)));
        let unquoted = format!("trailing {}", "x".repeat(10_000));
        assert!(shorten_quoted(&unquoted).chars().count() <= 4 * EXCERPT_CHARS);
        assert_eq!(
            shorten_quoted("invalid type: integer `3`, expected a string"),
            "invalid type: integer `3`, expected a string"
        );
    }
}

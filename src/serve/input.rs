//! The bytes an SSH client sends, as the same crossterm events the local
//! terminal gives: decoded by termwiz's input parser (wezterm's), which
//! knows keys with modifiers, bracketed paste and SGR mouse reports.

use std::borrow::Cow;
use std::sync::Mutex;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use termwiz::input::{InputEvent, InputParser, KeyCode as Tw, Modifiers, MouseButtons};

const PASTE_START: &[u8] = b"\x1b[200~";
const PASTE_END: &[u8] = b"\x1b[201~";
/// How an SGR mouse report starts (`CSI < b ; x ; y M`).
const MOUSE_REPORT: &[u8] = b"\x1b[<";
/// The most bytes of one paste kept (a text field holds 2,000 characters);
/// the rest, until the paste ends, is dropped as it comes.
pub const MAX_PASTE: usize = 64 * 1024;
/// The most bytes a key sequence the parser knows takes after its Esc.
const UNFINISHED_SEQUENCE: usize = 32;

/// Parsers not in use, shared by every session. A parser holds its table
/// of every key sequence it knows: 700 KB in 2,500 allocations, about a
/// millisecond to build. A session keeps one only while its shopper types
/// (`Decoder::release_parser`), so idle sessions hold none.
static SPARE_PARSERS: Mutex<Vec<InputParser>> = Mutex::new(Vec::new());

/// Spare parsers kept at most; more are built when needed and dropped after.
const SPARE_PARSERS_KEPT: usize = 8;

fn borrow_parser() -> InputParser {
    let spare = SPARE_PARSERS.lock().unwrap_or_else(|p| p.into_inner()).pop();
    spare.unwrap_or_default()
}

fn give_back(parser: InputParser) {
    let mut spares = SPARE_PARSERS.lock().unwrap_or_else(|p| p.into_inner());
    if spares.len() < SPARE_PARSERS_KEPT {
        spares.push(parser);
    }
}

/// Decodes a session's input stream, keeping partial sequences between calls.
pub struct Decoder {
    /// Borrowed from the spares at the first bytes, given back by
    /// `release_parser` when it holds nothing.
    parser: Option<InputParser>,
    /// The parser was last told more bytes may follow: it may be holding
    /// the start of a sequence. Told that none follow, it keeps nothing.
    parser_holds: bool,
    /// Pressed buttons of the last mouse report, to tell a press from a release.
    buttons: MouseButtons,
    /// Inside a bracketed paste: its text so far (at most `MAX_PASTE` bytes).
    /// Pastes are collected here, not by the parser, which would hold an
    /// unterminated one without limit.
    paste: Option<Vec<u8>>,
    /// The end of the last bytes while it is unfinished: a sequence (a paste
    /// marker among them) or part of a character.
    held: Vec<u8>,
    /// The last bytes ended in or near an Esc: `flush` may have events to give.
    unsettled: bool,
}

impl Default for Decoder {
    fn default() -> Decoder {
        Decoder {
            parser: None,
            parser_holds: false,
            buttons: MouseButtons::NONE,
            paste: None,
            held: Vec::new(),
            unsettled: false,
        }
    }
}

/// Where `marker` starts in `bytes`.
fn find(bytes: &[u8], marker: &[u8]) -> Option<usize> {
    bytes.windows(marker.len()).position(|window| window == marker)
}

/// How many bytes at the end of `bytes` could be the start of `marker`.
fn partial_marker(bytes: &[u8], marker: &[u8]) -> usize {
    (1..marker.len()).rev().find(|&n| bytes.ends_with(&marker[..n])).unwrap_or(0)
}

/// How many bytes at the end of `bytes` still wait for the rest of them: a
/// sequence or a character cut between two messages. The parser would take
/// a mouse report cut after `CSI <` for Alt-[ and typed digits.
fn unfinished(bytes: &[u8]) -> usize {
    unfinished_sequence(bytes).max(unfinished_char(bytes))
}

/// An Esc, or a CSI sequence (`Esc [`, parameter and intermediate bytes)
/// without its final byte, at most `UNFINISHED_SEQUENCE` bytes long.
fn unfinished_sequence(bytes: &[u8]) -> usize {
    let tail = &bytes[bytes.len().saturating_sub(UNFINISHED_SEQUENCE)..];
    let Some(esc) = tail.iter().rposition(|&b| b == 0x1b) else { return 0 };
    let open = match &tail[esc..] {
        [_] => true,
        [_, b'[', rest @ ..] => rest.iter().all(|b| (0x20..=0x3f).contains(b)),
        _ => false,
    };
    if open { tail.len() - esc } else { 0 }
}

/// The first bytes of a UTF-8 character whose last ones are still to come.
fn unfinished_char(bytes: &[u8]) -> usize {
    let tail = &bytes[bytes.len().saturating_sub(4)..];
    // The last byte that is not a continuation byte starts the last character.
    let Some(start) = tail.iter().rposition(|&b| b & 0xc0 != 0x80) else { return 0 };
    match std::str::from_utf8(&tail[start..]) {
        Err(e) if e.valid_up_to() == 0 && e.error_len().is_none() => tail.len() - start,
        _ => 0,
    }
}

/// `text` with xterm's modified editing keys in the form the parser knows.
fn with_rxvt_editing_keys(text: &str) -> Cow<'_, [u8]> {
    let bytes = text.as_bytes();
    if !text.contains(';') {
        return Cow::Borrowed(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut rest = bytes;
    while let Some(at) = find(rest, b"\x1b[") {
        out.extend_from_slice(&rest[..at]);
        let (len, rxvt) = modified_editing_key(&rest[at..]).unwrap_or((2, b"\x1b[".to_vec()));
        out.extend_from_slice(&rxvt);
        rest = &rest[at + len..];
    }
    out.extend_from_slice(rest);
    Cow::Owned(out)
}

/// xterm's `CSI n ; m ~` (Ctrl-Delete is `CSI 3 ; 5 ~`) for Home, Insert,
/// Delete, End, PgUp and PgDn with modifiers, which the parser does not
/// know: its length, and rxvt's form (`CSI 3 ^`; an Esc before for Alt).
fn modified_editing_key(sequence: &[u8]) -> Option<(usize, Vec<u8>)> {
    let params = sequence.strip_prefix(b"\x1b[")?;
    let end = params.iter().take(5).position(|&b| b == b'~')?;
    let (key, modifier) = std::str::from_utf8(&params[..end]).ok()?.split_once(';')?;
    if !matches!(key, "1" | "2" | "3" | "4" | "5" | "6") || !modifier.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // xterm's modifier is 1 + Shift 1, Alt 2, Ctrl 4, Meta 8 (taken as Alt).
    let bits = modifier.parse::<u8>().ok().filter(|m| (1..=16).contains(m))? - 1;
    let suffix = match (bits & 1 != 0, bits & 4 != 0) {
        (false, false) => '~',
        (true, false) => '$',
        (false, true) => '^',
        (true, true) => '@',
    };
    let alt = if bits & 0b1010 != 0 { "\x1b" } else { "" };
    Some((2 + end + 1, format!("{alt}\x1b[{key}{suffix}").into_bytes()))
}

impl Decoder {
    /// The events in `bytes`. A lone Esc may be the start of a sequence:
    /// it is held until `flush` says no more bytes came.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Event> {
        let mut data = std::mem::take(&mut self.held);
        data.extend_from_slice(bytes);
        // A key sequence is a few bytes from its Esc: one this close to the
        // end may be unfinished, held here or by the parser.
        self.unsettled = data.iter().rev().take(UNFINISHED_SEQUENCE).any(|&b| b == 0x1b);
        let mut events = Vec::new();
        let mut rest = &data[..];
        loop {
            match &mut self.paste {
                None => {
                    let (before, after) = match find(rest, PASTE_START) {
                        Some(at) => (&rest[..at], Some(&rest[at + PASTE_START.len()..])),
                        None => {
                            let keep = unfinished(rest);
                            self.held = rest[rest.len() - keep..].to_vec();
                            (&rest[..rest.len() - keep], None)
                        }
                    };
                    // A paste's start ends what came before it: an Esc
                    // just before is an Esc, given before the paste.
                    events.extend(self.keys(before, after.is_none()));
                    let Some(after) = after else { break };
                    self.paste = Some(Vec::new());
                    rest = after;
                }
                Some(text) => {
                    let (content, after) = match find(rest, PASTE_END) {
                        Some(at) => (&rest[..at], Some(&rest[at + PASTE_END.len()..])),
                        None => {
                            let keep = partial_marker(rest, PASTE_END);
                            self.held = rest[rest.len() - keep..].to_vec();
                            (&rest[..rest.len() - keep], None)
                        }
                    };
                    let room = MAX_PASTE.saturating_sub(text.len());
                    text.extend_from_slice(&content[..content.len().min(room)]);
                    let Some(after) = after else { break };
                    let text = self.paste.take().unwrap_or_default();
                    events.push(Event::Paste(paste_text(&text)));
                    rest = after;
                }
            }
        }
        events
    }

    /// The events still held (a lone Esc), now that no more bytes came.
    pub fn flush(&mut self) -> Vec<Event> {
        self.unsettled = false;
        if self.paste.is_some() {
            // A paste still coming: nothing to give yet.
            return Vec::new();
        }
        // Part of a character waits for the rest of it, however long.
        let mut held = std::mem::take(&mut self.held);
        self.held = held.split_off(held.len() - unfinished_char(&held));
        self.keys(&held, false)
    }

    /// Whether the last bytes may have ended inside a key sequence (a lone
    /// Esc above all): only then is `flush` worth calling after a pause.
    pub fn unsettled(&self) -> bool {
        self.unsettled && self.paste.is_none()
    }

    /// Gives the parser back to the spares if it holds nothing (after a
    /// `flush`); returns whether this decoder now holds none. The next
    /// bytes borrow one again.
    pub fn release_parser(&mut self) -> bool {
        if !self.parser_holds
            && let Some(parser) = self.parser.take()
        {
            give_back(parser);
        }
        self.parser.is_none()
    }

    /// Bytes this decoder holds between calls (for tests: bounded whatever comes).
    pub fn held_bytes(&self) -> usize {
        self.held.len() + self.paste.as_ref().map_or(0, Vec::len)
    }

    /// The events in `bytes`, outside any paste; `more`: bytes may follow
    /// that finish a sequence they end with.
    fn keys(&mut self, bytes: &[u8], more: bool) -> Vec<Event> {
        let mut events = Vec::new();
        for piece in bytes.utf8_chunks() {
            // A byte that starts no character is dropped (the parser would
            // wait on it forever, holding all that follows) and ends what
            // came before it, as a pause would: the bytes on its two sides
            // are not joined into one sequence.
            let cut = !piece.invalid().is_empty();
            self.parse(piece.valid(), more && !cut, &mut events);
        }
        if bytes.is_empty() {
            self.parse("", more, &mut events);
        }
        events
    }

    fn parse(&mut self, text: &str, more: bool, events: &mut Vec<Event>) {
        if text.is_empty() && self.parser.is_none() {
            // No parser holds anything for this session: nothing to finish.
            return;
        }
        let bytes = with_rxvt_editing_keys(text);
        // The parser reads a mouse report only at the start of what it holds
        // and not just after an Esc (it took Alt-Space and a report for one
        // report): what comes before a report is given to it first, finished.
        let (mut start, mut from) = (0, 0);
        let parser = self.parser.get_or_insert_with(borrow_parser);
        let mut parsed = Vec::new();
        while let Some(at) = find(&bytes[from..], MOUSE_REPORT).map(|i| from + i) {
            parsed.extend(parser.parse_as_vec(&bytes[start..at], false));
            (start, from) = (at, at + 1);
        }
        parsed.extend(parser.parse_as_vec(&bytes[start..], more));
        self.parser_holds = more;
        events.extend(self.convert(parsed));
    }

    fn convert(&mut self, events: Vec<InputEvent>) -> Vec<Event> {
        events.into_iter().filter_map(|event| self.event(event)).collect()
    }

    fn event(&mut self, event: InputEvent) -> Option<Event> {
        match event {
            InputEvent::Key(key) => key_event(key.key, key.modifiers).map(Event::Key),
            InputEvent::Paste(text) => {
                // Paste markers are cut out before the parser sees them; one
                // that reached it would have buffered without a cap.
                debug_assert!(false, "the parser saw a paste start");
                Some(Event::Paste(paste_text(text.as_bytes())))
            }
            InputEvent::Mouse(mouse) => self.mouse(mouse),
            InputEvent::Resized { cols, rows } => {
                Some(Event::Resize(u16::try_from(cols).ok()?, u16::try_from(rows).ok()?))
            }
            InputEvent::PixelMouse(_) | InputEvent::Wake => None,
        }
    }

    fn mouse(&mut self, mouse: termwiz::input::MouseEvent) -> Option<Event> {
        const BUTTONS: [(MouseButtons, MouseButton); 3] = [
            (MouseButtons::LEFT, MouseButton::Left),
            (MouseButtons::RIGHT, MouseButton::Right),
            (MouseButtons::MIDDLE, MouseButton::Middle),
        ];
        let buttons = mouse.mouse_buttons;
        let previous = std::mem::replace(&mut self.buttons, buttons.clone());
        // A report names the button it is about, or none for a release (of
        // the one the last report held) or a move.
        let held = BUTTONS.iter().find(|(bit, _)| buttons.contains(bit.clone()));
        let released = BUTTONS.iter().find(|(bit, _)| previous.contains(bit.clone()));
        let kind = if buttons.contains(MouseButtons::VERT_WHEEL) {
            if buttons.contains(MouseButtons::WHEEL_POSITIVE) {
                MouseEventKind::ScrollUp
            } else {
                MouseEventKind::ScrollDown
            }
        } else if let Some((bit, button)) = held {
            if previous.contains(bit.clone()) { MouseEventKind::Drag(*button) } else { MouseEventKind::Down(*button) }
        } else if buttons == MouseButtons::NONE
            && let Some((_, button)) = released
        {
            MouseEventKind::Up(*button)
        } else {
            MouseEventKind::Moved
        };
        // Reports count cells from 1.
        Some(Event::Mouse(MouseEvent {
            kind,
            column: mouse.x.saturating_sub(1),
            row: mouse.y.saturating_sub(1),
            modifiers: modifiers(mouse.modifiers),
        }))
    }
}

/// A paste's text, at most `MAX_PASTE` bytes; one cut at `MAX_PASTE` loses
/// the character it split.
fn paste_text(bytes: &[u8]) -> String {
    let mut text = match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(e) if bytes.len() >= MAX_PASTE && e.error_len().is_none() => {
            String::from_utf8_lossy(&bytes[..e.valid_up_to()]).into_owned()
        }
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    };
    // Each stray byte became a three-byte U+FFFD: back to the cap.
    if text.len() > MAX_PASTE {
        let end = (0..=MAX_PASTE).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
        text.truncate(end);
    }
    text
}

fn modifiers(m: Modifiers) -> KeyModifiers {
    let mut out = KeyModifiers::NONE;
    if m.intersects(Modifiers::SHIFT | Modifiers::LEFT_SHIFT | Modifiers::RIGHT_SHIFT) {
        out |= KeyModifiers::SHIFT;
    }
    if m.intersects(Modifiers::CTRL | Modifiers::LEFT_CTRL | Modifiers::RIGHT_CTRL) {
        out |= KeyModifiers::CONTROL;
    }
    if m.intersects(Modifiers::ALT | Modifiers::LEFT_ALT | Modifiers::RIGHT_ALT) {
        out |= KeyModifiers::ALT;
    }
    out
}

fn key_event(key: Tw, m: Modifiers) -> Option<KeyEvent> {
    let mut mods = modifiers(m);
    let code = match key {
        // Shift-Tab arrives as a back-tab in crossterm's terms.
        Tw::Tab if mods.contains(KeyModifiers::SHIFT) => KeyCode::BackTab,
        Tw::Char('\t') | Tw::Tab => KeyCode::Tab,
        Tw::Char('\r') | Tw::Char('\n') | Tw::Enter => KeyCode::Enter,
        Tw::Char('\u{7f}') | Tw::Char('\u{8}') | Tw::Backspace => KeyCode::Backspace,
        Tw::Char('\u{1b}') | Tw::Escape => KeyCode::Esc,
        // A control character the parser left as it came (Ctrl-A … Ctrl-Z).
        Tw::Char(c) if (c as u32) >= 1 && (c as u32) <= 26 => {
            mods |= KeyModifiers::CONTROL;
            KeyCode::Char(char::from(b'a' + (c as u8) - 1))
        }
        Tw::Char(c) if c.is_control() => return None,
        Tw::Char(c) => {
            // Ctrl letters come lower case, as the local terminal gives them.
            if mods.contains(KeyModifiers::CONTROL) { KeyCode::Char(c.to_ascii_lowercase()) } else { KeyCode::Char(c) }
        }
        Tw::UpArrow | Tw::ApplicationUpArrow => KeyCode::Up,
        Tw::DownArrow | Tw::ApplicationDownArrow => KeyCode::Down,
        Tw::LeftArrow | Tw::ApplicationLeftArrow => KeyCode::Left,
        Tw::RightArrow | Tw::ApplicationRightArrow => KeyCode::Right,
        Tw::Home => KeyCode::Home,
        Tw::End => KeyCode::End,
        Tw::PageUp => KeyCode::PageUp,
        Tw::PageDown => KeyCode::PageDown,
        Tw::Insert => KeyCode::Insert,
        Tw::Delete => KeyCode::Delete,
        Tw::Function(n) => KeyCode::F(n),
        _ => return None,
    };
    Some(KeyEvent::new(code, mods))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An idle session holds no parser: it gives it back once the parser
    /// holds nothing (after a flush), never in the middle of a sequence.
    #[test]
    fn the_parser_is_given_back_only_when_it_holds_nothing() {
        let key = |code| Event::Key(KeyEvent::new(code, KeyModifiers::NONE));
        let mut decoder = Decoder::default();
        assert!(decoder.release_parser(), "none before the first bytes");
        assert!(decoder.flush().is_empty());
        assert!(decoder.parser.is_none(), "a flush with nothing held borrows none");
        // `Esc O` may begin F1 (`Esc O P`): the parser holds it.
        assert!(decoder.feed(b"\x1bO").is_empty());
        assert!(!decoder.release_parser(), "kept while it may hold a sequence");
        assert_eq!(decoder.feed(b"P"), [key(KeyCode::F(1))]);
        assert!(decoder.flush().is_empty());
        assert!(decoder.release_parser(), "given back once told nothing follows");
        assert!(decoder.parser.is_none());
        // The next bytes borrow one again.
        assert_eq!(decoder.feed(b"x\x1b[A"), [key(KeyCode::Char('x')), key(KeyCode::Up)]);
        assert!(decoder.parser.is_some());
    }

    fn keys(bytes: &[u8]) -> Vec<(KeyCode, KeyModifiers)> {
        let mut decoder = Decoder::default();
        let mut events = decoder.feed(bytes);
        events.extend(decoder.flush());
        events
            .into_iter()
            .filter_map(|e| match e {
                Event::Key(k) => Some((k.code, k.modifiers)),
                _ => None,
            })
            .collect()
    }

    const NONE: KeyModifiers = KeyModifiers::NONE;

    #[test]
    fn keys_as_the_local_terminal_gives_them() {
        assert_eq!(keys(b"a/?"), [(KeyCode::Char('a'), NONE), (KeyCode::Char('/'), NONE), (KeyCode::Char('?'), NONE)]);
        assert_eq!(
            keys(b"\x1b[A\x1b[B\x1bOC\x1b[D"),
            [(KeyCode::Up, NONE), (KeyCode::Down, NONE), (KeyCode::Right, NONE), (KeyCode::Left, NONE)]
        );
        assert_eq!(keys(b"\r\t\x7f"), [(KeyCode::Enter, NONE), (KeyCode::Tab, NONE), (KeyCode::Backspace, NONE)]);
        assert_eq!(keys(b"\x1b[Z"), [(KeyCode::BackTab, KeyModifiers::SHIFT)]);
        assert_eq!(
            keys(b"\x03\x13\x0e"),
            [
                (KeyCode::Char('c'), KeyModifiers::CONTROL),
                (KeyCode::Char('s'), KeyModifiers::CONTROL),
                (KeyCode::Char('n'), KeyModifiers::CONTROL)
            ]
        );
        assert_eq!(
            keys(b"\x1b[5~\x1b[6~\x1b[H\x1b[F\x1b[3~\x1b[24~"),
            [
                (KeyCode::PageUp, NONE),
                (KeyCode::PageDown, NONE),
                (KeyCode::Home, NONE),
                (KeyCode::End, NONE),
                (KeyCode::Delete, NONE),
                (KeyCode::F(12), NONE)
            ]
        );
        assert_eq!(keys(b"\x1b"), [(KeyCode::Esc, NONE)], "a lone Esc, once no more bytes came");
        assert_eq!(keys("é€".as_bytes()), [(KeyCode::Char('é'), NONE), (KeyCode::Char('€'), NONE)]);
    }

    /// Only bytes ending near an Esc can leave a key to be given after a
    /// pause: the session waits the Esc delay for those alone.
    #[test]
    fn only_an_unfinished_sequence_needs_a_flush() {
        let mut decoder = Decoder::default();
        assert_eq!(decoder.feed(b"ab").len(), 2);
        assert!(!decoder.unsettled(), "plain keys are given at once");
        assert!(decoder.feed(b"\x1b").is_empty());
        assert!(decoder.unsettled(), "a lone Esc waits");
        assert_eq!(decoder.flush().len(), 1);
        assert!(!decoder.unsettled());
        assert_eq!(decoder.feed(b"\x1b[A").len(), 1);
        assert!(decoder.unsettled(), "near an Esc: looked at once more");
        assert!(decoder.flush().is_empty());
        decoder.feed(b"\x1b[200~pasting\x1b");
        assert!(!decoder.unsettled(), "a paste waits for its end, not for a pause");
    }

    #[test]
    fn pastes_and_clicks() {
        let mut decoder = Decoder::default();
        let events = decoder.feed(b"\x1b[200~two\nlines\x1b[201~");
        assert_eq!(events, [Event::Paste("two\nlines".into())]);
        let clicks = decoder.feed(b"\x1b[<0;10;5M\x1b[<0;10;5m\x1b[<65;3;4M");
        let kinds: Vec<_> = clicks
            .iter()
            .filter_map(|e| match e {
                Event::Mouse(m) => Some((m.kind, m.column, m.row)),
                _ => None,
            })
            .collect();
        assert_eq!(kinds[0], (MouseEventKind::Down(MouseButton::Left), 9, 4));
        assert_eq!(kinds[1], (MouseEventKind::Up(MouseButton::Left), 9, 4));
        assert_eq!(kinds[2], (MouseEventKind::ScrollDown, 2, 3));
    }

    #[test]
    fn a_paste_split_anywhere_decodes_the_same() {
        let stream = "a\x1b[200~pasted é\x1b[201~b\x1b[A".as_bytes();
        for cut in 0..stream.len() {
            let mut decoder = Decoder::default();
            let mut events = decoder.feed(&stream[..cut]);
            events.extend(decoder.feed(&stream[cut..]));
            events.extend(decoder.flush());
            assert_eq!(
                events,
                [
                    Event::Key(KeyEvent::new(KeyCode::Char('a'), NONE)),
                    Event::Paste("pasted é".into()),
                    Event::Key(KeyEvent::new(KeyCode::Char('b'), NONE)),
                    Event::Key(KeyEvent::new(KeyCode::Up, NONE)),
                ],
                "cut at {cut}"
            );
        }
    }

    /// A paste that never ends costs at most `MAX_PASTE` bytes, and one
    /// that ends late is cut to that.
    #[test]
    fn an_unterminated_paste_is_bounded() {
        let mut decoder = Decoder::default();
        assert!(decoder.feed(b"\x1b[200~").is_empty());
        let chunk = vec![b'x'; 32 * 1024];
        for _ in 0..320 {
            assert!(decoder.feed(&chunk).is_empty());
            assert!(decoder.flush().is_empty());
        }
        assert!(decoder.held_bytes() <= MAX_PASTE + PASTE_END.len(), "{} bytes held", decoder.held_bytes());
        let events = decoder.feed(b"\x1b[201~q");
        match &events[..] {
            [Event::Paste(text), Event::Key(key)] => {
                assert_eq!(text.len(), MAX_PASTE);
                assert_eq!(key.code, KeyCode::Char('q'), "keys after the paste still work");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(decoder.held_bytes(), 0);
    }

    fn events(messages: &[&[u8]]) -> Vec<Event> {
        let mut decoder = Decoder::default();
        let mut events = Vec::new();
        for message in messages {
            events.extend(decoder.feed(message));
        }
        events.extend(decoder.flush());
        events
    }

    fn key(code: KeyCode, modifiers: KeyModifiers) -> Event {
        Event::Key(KeyEvent::new(code, modifiers))
    }

    fn mouse(kind: MouseEventKind, column: u16, row: u16) -> Event {
        Event::Mouse(MouseEvent { kind, column, row, modifiers: NONE })
    }

    /// A byte that starts no UTF-8 character (a Latin-1 client typing é as
    /// 0xE9, or garbage) is dropped. It used to stall the parser for good:
    /// every later key held in it, without limit.
    #[test]
    fn a_byte_that_is_not_utf8_is_dropped_and_typing_goes_on() {
        assert_eq!(events(&[b"\xe9", b"q"]), [key(KeyCode::Char('q'), NONE)]);
        assert_eq!(events(&[b"\x80q\xff\x1b[A"]), [key(KeyCode::Char('q'), NONE), key(KeyCode::Up, NONE)]);
        // Nor does it join the bytes on its two sides into a paste start.
        let around = events(&[b"\x1b[20\xff0~q"]);
        assert!(!around.iter().any(|e| matches!(e, Event::Paste(_))), "{around:?}");
        assert_eq!(around.last(), Some(&key(KeyCode::Char('q'), NONE)));
        // A character cut between two messages, even by a pause, arrives whole.
        assert_eq!(events(&[b"\xc3", b"\xa9"]), [key(KeyCode::Char('é'), NONE)]);
        let mut decoder = Decoder::default();
        assert!(decoder.feed(b"\xe2\x82").is_empty());
        assert!(decoder.flush().is_empty());
        assert_eq!(decoder.feed(b"\xac"), [key(KeyCode::Char('€'), NONE)]);
    }

    /// A mouse report cut between two messages is still a click (it was
    /// Alt-[ and typed digits).
    #[test]
    fn a_mouse_report_cut_between_messages_is_still_a_click() {
        let report = b"\x1b[<0;10;5M";
        for cut in 1..report.len() {
            let got = events(&[&report[..cut], &report[cut..]]);
            assert_eq!(got, [mouse(MouseEventKind::Down(MouseButton::Left), 9, 4)], "cut at {cut}");
        }
    }

    /// xterm sends Insert, Delete, Home, End, PgUp and PgDn with modifiers as
    /// `CSI n ; m ~`, which the parser does not know: Ctrl-Delete typed
    /// "3;5~" into the field.
    #[test]
    fn modified_editing_keys_as_xterm_sends_them() {
        let (shift, ctrl, alt) = (KeyModifiers::SHIFT, KeyModifiers::CONTROL, KeyModifiers::ALT);
        assert_eq!(events(&[b"\x1b[3;5~"]), [key(KeyCode::Delete, ctrl)]);
        assert_eq!(
            events(&[b"\x1b[5;2~\x1b[6;7~\x1b[2;3~\x1b[1;5~\x1b[4;8~x"]),
            [
                key(KeyCode::PageUp, shift),
                key(KeyCode::PageDown, ctrl | alt),
                key(KeyCode::Insert, alt),
                key(KeyCode::Home, ctrl),
                key(KeyCode::End, shift | ctrl | alt),
                key(KeyCode::Char('x'), NONE),
            ]
        );
    }

    /// An Esc just before a paste or a mouse report is an Esc: neither
    /// continues a key. It came after the paste, as Alt with the next key,
    /// and made a report Alt-[ and typed digits; Alt-Space and a report in
    /// one message were taken for the report alone.
    #[test]
    fn an_esc_before_a_paste_or_a_report_is_an_esc() {
        let click = mouse(MouseEventKind::Down(MouseButton::Left), 0, 0);
        assert_eq!(
            events(&[b"\x1b\x1b[200~x\x1b[201~a"]),
            [key(KeyCode::Esc, NONE), Event::Paste("x".into()), key(KeyCode::Char('a'), NONE)]
        );
        assert_eq!(events(&[b"\x1b\x1b[<0;1;1M"]), [key(KeyCode::Esc, NONE), click.clone()]);
        assert_eq!(events(&[b"\x1b \x1b[<0;1;1M"]), [key(KeyCode::Char(' '), KeyModifiers::ALT), click]);
    }

    /// Each button's press, drag and release, as crossterm gives them (a
    /// right release, the middle button and drags were all Moved).
    #[test]
    fn buttons_press_drag_and_release() {
        use MouseEventKind::{Down, Drag, Up};
        let got = events(&[b"\x1b[<2;5;5M\x1b[<2;5;5m\x1b[<0;1;1M\x1b[<32;2;1M\x1b[<0;2;1m\x1b[<1;3;3M\x1b[<1;3;3m"]);
        let kinds: Vec<_> = got
            .iter()
            .filter_map(|e| match e {
                Event::Mouse(m) => Some(m.kind),
                _ => None,
            })
            .collect();
        let (left, right, middle) = (MouseButton::Left, MouseButton::Right, MouseButton::Middle);
        assert_eq!(kinds, [Down(right), Up(right), Down(left), Drag(left), Up(left), Down(middle), Up(middle)]);
    }

    /// A paste of bytes that are not UTF-8 stays under the cap: each became
    /// a three-byte U+FFFD, 192 KiB out of a 64 KiB paste.
    #[test]
    fn a_paste_of_stray_bytes_stays_under_the_cap() {
        let mut stream = PASTE_START.to_vec();
        stream.extend(vec![0xff; MAX_PASTE + 10]);
        stream.extend_from_slice(PASTE_END);
        match &events(&[&stream])[..] {
            [Event::Paste(text)] => assert!(text.len() <= MAX_PASTE && text.len() > MAX_PASTE - 3, "{}", text.len()),
            other => panic!("{} events", other.len()),
        }
    }

    #[test]
    fn any_bytes_decode_without_panicking() {
        let mut decoder = Decoder::default();
        let mut seed = 0x2545_f491_u32;
        for _ in 0..2000 {
            let bytes: Vec<u8> = (0..32)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 17;
                    seed ^= seed << 5;
                    (seed & 0xff) as u8
                })
                .collect();
            let _ = decoder.feed(&bytes);
        }
        let _ = decoder.flush();
    }
}

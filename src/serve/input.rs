//! The bytes an SSH client sends, as the same crossterm events the local
//! terminal gives: decoded by termwiz's input parser (wezterm's), which
//! knows keys with modifiers, bracketed paste and SGR mouse reports.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use termwiz::input::{InputEvent, InputParser, KeyCode as Tw, Modifiers, MouseButtons};

const PASTE_START: &[u8] = b"\x1b[200~";
const PASTE_END: &[u8] = b"\x1b[201~";
/// The most bytes of one paste kept (a text field holds 2,000 characters);
/// the rest, until the paste ends, is dropped as it comes.
pub const MAX_PASTE: usize = 64 * 1024;
/// The most bytes a key sequence the parser knows takes after its Esc.
const UNFINISHED_SEQUENCE: usize = 32;

/// Decodes a session's input stream, keeping partial sequences between calls.
pub struct Decoder {
    parser: InputParser,
    /// Pressed buttons of the last mouse report, to tell a press from a release.
    buttons: MouseButtons,
    /// Inside a bracketed paste: its text so far (at most `MAX_PASTE` bytes).
    /// Pastes are collected here, not by the parser, which would hold an
    /// unterminated one without limit.
    paste: Option<Vec<u8>>,
    /// The end of the last bytes, when it may be the start of a paste marker.
    held: Vec<u8>,
    /// The last bytes ended in or near an Esc: `flush` may have events to give.
    unsettled: bool,
}

impl Default for Decoder {
    fn default() -> Decoder {
        Decoder {
            parser: InputParser::new(),
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
                            let keep = partial_marker(rest, PASTE_START);
                            self.held = rest[rest.len() - keep..].to_vec();
                            (&rest[..rest.len() - keep], None)
                        }
                    };
                    let parsed = self.parser.parse_as_vec(before, true);
                    events.extend(self.convert(parsed));
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
        let held = std::mem::take(&mut self.held);
        let events = self.parser.parse_as_vec(&held, false);
        self.convert(events)
    }

    /// Whether the last bytes may have ended inside a key sequence (a lone
    /// Esc above all): only then is `flush` worth calling after a pause.
    pub fn unsettled(&self) -> bool {
        self.unsettled && self.paste.is_none()
    }

    /// Bytes this decoder holds between calls (for tests: bounded whatever comes).
    pub fn held_bytes(&self) -> usize {
        self.held.len() + self.paste.as_ref().map_or(0, Vec::len)
    }

    fn convert(&mut self, events: Vec<InputEvent>) -> Vec<Event> {
        events.into_iter().filter_map(|event| self.event(event)).collect()
    }

    fn event(&mut self, event: InputEvent) -> Option<Event> {
        match event {
            InputEvent::Key(key) => key_event(key.key, key.modifiers).map(Event::Key),
            InputEvent::Paste(text) => Some(Event::Paste(text)),
            InputEvent::Mouse(mouse) => self.mouse(mouse),
            InputEvent::Resized { cols, rows } => {
                Some(Event::Resize(u16::try_from(cols).ok()?, u16::try_from(rows).ok()?))
            }
            InputEvent::PixelMouse(_) | InputEvent::Wake => None,
        }
    }

    fn mouse(&mut self, mouse: termwiz::input::MouseEvent) -> Option<Event> {
        let buttons = mouse.mouse_buttons;
        let previous = std::mem::replace(&mut self.buttons, buttons.clone());
        let kind = if buttons.contains(MouseButtons::VERT_WHEEL) {
            if buttons.contains(MouseButtons::WHEEL_POSITIVE) {
                MouseEventKind::ScrollUp
            } else {
                MouseEventKind::ScrollDown
            }
        } else if buttons.contains(MouseButtons::LEFT) && !previous.contains(MouseButtons::LEFT) {
            MouseEventKind::Down(MouseButton::Left)
        } else if buttons.contains(MouseButtons::RIGHT) && !previous.contains(MouseButtons::RIGHT) {
            MouseEventKind::Down(MouseButton::Right)
        } else if buttons == MouseButtons::NONE && previous.contains(MouseButtons::LEFT) {
            MouseEventKind::Up(MouseButton::Left)
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

/// A paste's text; one cut at `MAX_PASTE` loses the character it split.
fn paste_text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.to_string(),
        Err(e) if bytes.len() >= MAX_PASTE && e.error_len().is_none() => {
            String::from_utf8_lossy(&bytes[..e.valid_up_to()]).into_owned()
        }
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    }
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

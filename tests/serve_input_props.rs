//! The SSH input decoder (`serve::input::Decoder`) against an oracle: keys,
//! pastes and mouse reports are encoded as xterm sends them through OpenSSH,
//! the byte stream is cut into random chunks and fed, and what comes out must
//! be what was typed, each event as soon as its last byte is in (a lone Esc
//! alone waits for the pause that tells it from a sequence). Arbitrary bytes
//! never panic, never stall the decoder and never make it hold or give more
//! than a paste's cap.

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use proptest::prelude::*;
use proptest::sample::Index;
use shopfront::serve::input::{Decoder, MAX_PASTE};

const PASTE_START: &str = "\x1b[200~";
const PASTE_END: &str = "\x1b[201~";
/// What the decoder may hold besides a paste: the end of an unfinished sequence.
const UNFINISHED: usize = 32;

/// One thing done at the client's terminal: the bytes it sends and the events
/// the server must see.
#[derive(Clone, Debug)]
struct Step {
    bytes: Vec<u8>,
    events: Vec<Event>,
    /// An Esc key: an Esc byte alone, told from the start of a sequence only
    /// by the pause after it, or by a paste or mouse report after it.
    lone_esc: bool,
    /// Starts with a paste or a mouse report, which no key continues: a
    /// lone Esc just before it needs no pause.
    ends_esc: bool,
    /// The client sends nothing for longer than the Esc delay after this
    /// step: the server calls `flush`.
    pause: bool,
}

impl Step {
    fn new(bytes: impl Into<Vec<u8>>, events: Vec<Event>) -> Step {
        Step { bytes: bytes.into(), events, lone_esc: false, ends_esc: false, pause: false }
    }

    fn key(bytes: impl Into<Vec<u8>>, code: KeyCode, modifiers: KeyModifiers) -> Step {
        Step::new(bytes, vec![Event::Key(KeyEvent::new(code, modifiers))])
    }
}

fn modifiers() -> impl Strategy<Value = KeyModifiers> {
    (any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(shift, alt, ctrl)| {
        let mut m = KeyModifiers::NONE;
        m.set(KeyModifiers::SHIFT, shift);
        m.set(KeyModifiers::ALT, alt);
        m.set(KeyModifiers::CONTROL, ctrl);
        m
    })
}

/// xterm's modifier parameter (`CSI 1 ; m A`): 1 + Shift 1, Alt 2, Ctrl 4.
fn xterm_modifier(m: KeyModifiers) -> u8 {
    1 + u8::from(m.contains(KeyModifiers::SHIFT))
        + 2 * u8::from(m.contains(KeyModifiers::ALT))
        + 4 * u8::from(m.contains(KeyModifiers::CONTROL))
}

fn printable() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => (0x20u8..0x7f).prop_map(char::from),
        1 => any::<char>().prop_filter("printable", |c| !c.is_control()),
    ]
}

/// A character key. Characters come without SHIFT whatever their case (the
/// keymap ignores SHIFT on characters).
fn typed_char() -> impl Strategy<Value = Step> {
    printable().prop_map(|c| Step::key(c.to_string(), KeyCode::Char(c), KeyModifiers::NONE))
}

/// Ctrl and a letter: one byte, 1–26. Ctrl-H, -I, -J and -M are the bytes of
/// Backspace, Tab and Enter, and decode as those.
fn ctrl_letter() -> impl Strategy<Value = Step> {
    (b'a'..=b'z')
        .prop_filter("not Backspace, Tab or Enter", |c| !b"hijm".contains(c))
        .prop_map(|c| Step::key([c & 0x1f], KeyCode::Char(char::from(c)), KeyModifiers::CONTROL))
}

/// Alt and a character: Esc first (xterm's metaSendsEscape, OpenSSH's
/// default for Option/Alt). Not `[` or `O`, which start sequences.
fn alt_char() -> impl Strategy<Value = Step> {
    printable()
        .prop_filter("starts no sequence", |c| !matches!(c, '[' | 'O'))
        .prop_map(|c| Step::key(format!("\x1b{c}"), KeyCode::Char(c), KeyModifiers::ALT))
}

fn plain_key() -> impl Strategy<Value = Step> {
    let none = KeyModifiers::NONE;
    prop_oneof![
        Just(Step::key("\r", KeyCode::Enter, none)),
        Just(Step::key("\t", KeyCode::Tab, none)),
        Just(Step::key("\x1b[Z", KeyCode::BackTab, KeyModifiers::SHIFT)),
        Just(Step::key("\x7f", KeyCode::Backspace, none)),
        // Some clients send ^H for Backspace.
        Just(Step::key("\x08", KeyCode::Backspace, none)),
        Just(Step { lone_esc: true, ..Step::key("\x1b", KeyCode::Esc, none) }),
    ]
}

/// Arrows, Home and End: `CSI A`, in application mode `SS3 A`, with
/// modifiers `CSI 1 ; m A`.
fn cursor_key() -> impl Strategy<Value = Step> {
    let keys = [
        (KeyCode::Up, 'A'),
        (KeyCode::Down, 'B'),
        (KeyCode::Right, 'C'),
        (KeyCode::Left, 'D'),
        (KeyCode::Home, 'H'),
        (KeyCode::End, 'F'),
    ];
    (proptest::sample::select(keys.to_vec()), modifiers(), any::<bool>()).prop_map(
        |((code, letter), m, application)| {
            let bytes = if m != KeyModifiers::NONE {
                format!("\x1b[1;{}{letter}", xterm_modifier(m))
            } else if application && !matches!(code, KeyCode::Home | KeyCode::End) {
                format!("\x1bO{letter}")
            } else {
                format!("\x1b[{letter}")
            };
            Step::key(bytes, code, m)
        },
    )
}

/// Insert, Delete, PgUp, PgDn: `CSI n ~`, with modifiers `CSI n ; m ~`.
fn editing_key() -> impl Strategy<Value = Step> {
    let keys = [(KeyCode::Insert, 2), (KeyCode::Delete, 3), (KeyCode::PageUp, 5), (KeyCode::PageDown, 6)];
    (proptest::sample::select(keys.to_vec()), modifiers()).prop_map(|((code, n), m)| {
        let bytes =
            if m == KeyModifiers::NONE { format!("\x1b[{n}~") } else { format!("\x1b[{n};{}~", xterm_modifier(m)) };
        Step::key(bytes, code, m)
    })
}

/// F1–F4: `SS3 P`…`SS3 S`, with modifiers `CSI 1 ; m P`; F5–F12: `CSI 15 ~`…
fn function_key() -> impl Strategy<Value = Step> {
    const NUMBERS: [u8; 8] = [15, 17, 18, 19, 20, 21, 23, 24];
    (1u8..=12, modifiers()).prop_map(|(n, m)| {
        let plain = m == KeyModifiers::NONE;
        let bytes = match n {
            1..=4 => {
                let letter = char::from(b'P' + n - 1);
                if plain { format!("\x1bO{letter}") } else { format!("\x1b[1;{}{letter}", xterm_modifier(m)) }
            }
            _ => {
                let number = NUMBERS[usize::from(n - 5)];
                if plain { format!("\x1b[{number}~") } else { format!("\x1b[{number};{}~", xterm_modifier(m)) }
            }
        };
        Step::key(bytes, KeyCode::F(n), m)
    })
}

/// What a paste's text becomes: at most `MAX_PASTE` bytes, on a character boundary.
fn capped(text: &str) -> String {
    let end = (0..=text.len().min(MAX_PASTE)).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
    text[..end].to_string()
}

/// A bracketed paste of any text: newlines, Esc bytes, even a paste start
/// or a partial end marker; only the end marker itself cannot be in it.
fn paste() -> impl Strategy<Value = Step> {
    let piece = prop_oneof![
        6 => printable().prop_map(String::from),
        1 => Just("\r\n".to_string()),
        1 => Just("\x1b".to_string()),
        1 => Just("\x1b[A".to_string()),
        1 => proptest::sample::select(vec!["\x1b[", "\x1b[2", "\x1b[20", "\x1b[201", PASTE_START])
            .prop_map(String::from),
        1 => any::<char>().prop_map(String::from),
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|pieces| {
        let mut text = pieces.concat();
        while text.contains(PASTE_END) {
            text = text.replace(PASTE_END, "");
        }
        let bytes = format!("{PASTE_START}{text}{PASTE_END}");
        Step { ends_esc: true, ..Step::new(bytes, vec![Event::Paste(capped(&text))]) }
    })
}

fn mouse_event(kind: MouseEventKind, (x, y): (u16, u16), modifiers: KeyModifiers) -> Event {
    // Reports count cells from 1.
    Event::Mouse(MouseEvent { kind, column: x - 1, row: y - 1, modifiers })
}

/// An SGR mouse report (mode 1006): `CSI < b ; x ; y M`, `m` for a release;
/// Shift, Alt and Ctrl add 4, 8 and 16 to `b`.
fn sgr(code: u8, (x, y): (u16, u16), m: KeyModifiers, release: bool) -> String {
    let b = code
        + 4 * u8::from(m.contains(KeyModifiers::SHIFT))
        + 8 * u8::from(m.contains(KeyModifiers::ALT))
        + 16 * u8::from(m.contains(KeyModifiers::CONTROL));
    format!("\x1b[<{b};{x};{y}{}", if release { 'm' } else { 'M' })
}

fn cell() -> impl Strategy<Value = (u16, u16)> {
    (1u16..=1000, 1u16..=1000)
}

/// Clicks (a press, drags, a release), the wheel, and moves with no button.
fn mouse() -> impl Strategy<Value = Step> {
    let buttons = [(MouseButton::Left, 0u8), (MouseButton::Middle, 1), (MouseButton::Right, 2)];
    let button = proptest::sample::select(buttons.to_vec());
    let click = (button, modifiers(), cell(), proptest::collection::vec(cell(), 0..3)).prop_map(
        |((button, code), m, at, drags)| {
            let mut bytes = sgr(code, at, m, false);
            let mut events = vec![mouse_event(MouseEventKind::Down(button), at, m)];
            for &to in &drags {
                bytes += &sgr(32 + code, to, m, false);
                events.push(mouse_event(MouseEventKind::Drag(button), to, m));
            }
            let end = drags.last().copied().unwrap_or(at);
            bytes += &sgr(code, end, m, true);
            events.push(mouse_event(MouseEventKind::Up(button), end, m));
            Step::new(bytes, events)
        },
    );
    let wheel = (any::<bool>(), modifiers(), cell()).prop_map(|(up, m, at)| {
        let kind = if up { MouseEventKind::ScrollUp } else { MouseEventKind::ScrollDown };
        Step::new(sgr(if up { 64 } else { 65 }, at, m, false), vec![mouse_event(kind, at, m)])
    });
    let moved = (modifiers(), cell())
        .prop_map(|(m, at)| Step::new(sgr(35, at, m, false), vec![mouse_event(MouseEventKind::Moved, at, m)]));
    prop_oneof![2 => click, 1 => wheel, 1 => moved].prop_map(|step| Step { ends_esc: true, ..step })
}

fn step() -> impl Strategy<Value = Step> {
    let step = prop_oneof![
        8 => typed_char(),
        2 => ctrl_letter(),
        2 => alt_char(),
        3 => plain_key(),
        3 => cursor_key(),
        2 => editing_key(),
        2 => function_key(),
        2 => paste(),
        2 => mouse(),
    ];
    (step, proptest::bool::weighted(0.1)).prop_map(|(step, pause)| Step { pause, ..step })
}

/// Steps as a person types them: a lone Esc is followed by a pause (the Esc
/// delay), or by a paste or a mouse report, whose start ends it; the stream
/// ends with a pause.
fn session() -> impl Strategy<Value = Vec<Step>> {
    proptest::collection::vec(step(), 0..40).prop_map(|mut steps| {
        for i in 0..steps.len() {
            let ended = steps.get(i + 1).is_some_and(|next| next.ends_esc);
            if steps[i].lone_esc && !ended {
                steps[i].pause = true;
            }
        }
        if let Some(last) = steps.last_mut() {
            last.pause = true;
        }
        steps
    })
}

/// How the bytes between two pauses arrive: cut at random places, or one
/// byte per message (as a client typing slowly over a slow link).
#[derive(Clone, Debug)]
enum Chunks {
    Cuts(Vec<Index>),
    Bytewise,
}

fn chunks() -> impl Strategy<Value = Chunks> {
    prop_oneof![4 => proptest::collection::vec(any::<Index>(), 0..12).prop_map(Chunks::Cuts), 1 => Just(Chunks::Bytewise)]
}

fn split<'a>(bytes: &'a [u8], chunks: &Chunks) -> Vec<&'a [u8]> {
    match chunks {
        Chunks::Bytewise => bytes.chunks(1).collect(),
        Chunks::Cuts(cuts) => {
            let mut at: Vec<usize> = cuts.iter().map(|cut| cut.index(bytes.len() + 1)).collect();
            at.extend([0, bytes.len()]);
            at.sort_unstable();
            at.dedup();
            at.windows(2).map(|w| &bytes[w[0]..w[1]]).collect()
        }
    }
}

/// Feeds the steps as the server does and checks every pause: all typed so
/// far has come out, and nothing but a lone Esc waited for the pause.
fn check_session(steps: &[Step], chunks: &Chunks) -> Result<(), TestCaseError> {
    let mut decoder = Decoder::default();
    let (mut got, mut want, mut segment) = (Vec::new(), Vec::new(), Vec::new());
    for step in steps {
        segment.extend_from_slice(&step.bytes);
        want.extend(step.events.iter().cloned());
        if !step.pause {
            continue;
        }
        for chunk in split(&segment, chunks) {
            got.extend(decoder.feed(chunk));
            prop_assert!(decoder.held_bytes() <= MAX_PASTE + UNFINISHED, "{} bytes held", decoder.held_bytes());
        }
        segment.clear();
        let waiting = usize::from(step.lone_esc);
        prop_assert_eq!(&got[..], &want[..want.len() - waiting], "before the pause");
        if step.lone_esc {
            prop_assert!(decoder.unsettled(), "a held Esc must make the server wait the Esc delay");
        }
        got.extend(decoder.flush());
        prop_assert_eq!(&got, &want, "after the pause");
        prop_assert_eq!(decoder.held_bytes(), 0, "nothing held after a pause");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn typed_keys_pastes_and_clicks_decode_as_typed(steps in session(), chunks in chunks()) {
        check_session(&steps, &chunks)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// A paste longer than the cap is cut to it on a character boundary,
    /// however it arrives, and the keys after it still work.
    #[test]
    fn a_long_paste_is_cut_on_a_character_boundary(
        short_of_cap in 0usize..8,
        wide in any::<char>().prop_filter("several bytes", |c| c.len_utf8() > 1),
        tail in 0usize..3000,
        chunks in proptest::collection::vec(any::<Index>(), 0..6),
    ) {
        let text = format!("{}{}{}", "x".repeat(MAX_PASTE - short_of_cap), wide.to_string().repeat(4), "y".repeat(tail));
        let step = Step::new(format!("{PASTE_START}{text}{PASTE_END}"), vec![Event::Paste(capped(&text))]);
        let typed = Step { pause: true, ..Step::key("q", KeyCode::Char('q'), KeyModifiers::NONE) };
        check_session(&[step, typed], &Chunks::Cuts(chunks))?;
    }
}

/// Bytes a fuzzer would pick, richer in the ones that start or end sequences.
fn any_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        3 => any::<u8>(),
        2 => proptest::sample::select(b"\x1b[<;~Mm0123456789O".to_vec()),
        1 => proptest::sample::select(vec![0x80u8, 0xc3, 0xe2, 0xf0, 0xff]),
    ]
}

fn any_bytes() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        4 => proptest::collection::vec(any_byte(), 1..16),
        1 => proptest::sample::select(vec![PASTE_START, PASTE_END, "\x1b[<0;3;4M", "\x1b[3;5~"])
            .prop_map(|s| s.as_bytes().to_vec()),
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    /// Whatever a peer sends: no panic, bounded memory, no paste over the
    /// cap, and once any paste is ended and a pause has passed, a key typed
    /// next comes out as itself (the decoder never stalls).
    #[test]
    fn any_bytes_leave_the_decoder_bounded_and_working(bytes in any_bytes(), chunks in chunks()) {
        let mut decoder = Decoder::default();
        let mut events = Vec::new();
        for chunk in split(&bytes, &chunks) {
            events.extend(decoder.feed(chunk));
            prop_assert!(decoder.held_bytes() <= MAX_PASTE + UNFINISHED, "{} bytes held", decoder.held_bytes());
        }
        events.extend(decoder.feed(PASTE_END.as_bytes()));
        events.extend(decoder.flush());
        for event in &events {
            if let Event::Paste(text) = event {
                prop_assert!(text.len() <= MAX_PASTE, "a paste of {} bytes", text.len());
            }
        }
        prop_assert!(decoder.held_bytes() <= 3, "{} bytes held after a pause", decoder.held_bytes());
        let mut next = decoder.feed(b"q");
        next.extend(decoder.flush());
        prop_assert_eq!(next, vec![Event::Key(KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE))]);
    }
}

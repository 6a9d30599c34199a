//! Arbitrary bytes from an SSH client, in arbitrary messages with pauses
//! between some: the decoder never panics, holds at most a paste's cap,
//! gives no paste over the cap, and never stalls: once any paste is ended
//! and a pause has passed, it holds nothing and a key typed next comes out
//! as itself.
//!
//! Input: records of one length byte and that many bytes of one message; a
//! length byte of 0 is a pause (the server's `flush` after the Esc delay).

#![no_main]

use std::sync::Mutex;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use libfuzzer_sys::fuzz_target;
use shopfront::serve::input::{Decoder, MAX_PASTE};

/// What the decoder may hold besides a paste: an unfinished sequence.
const UNFINISHED: usize = 32;

/// One decoder for every run: building the parser's key map is most of what
/// a run would cost. Each run ends by bringing it back to a new one's state
/// (checked), so a run does not depend on the ones before.
static DECODER: Mutex<Option<Decoder>> = Mutex::new(None);

fuzz_target!(|data: &[u8]| {
    let mut shared = DECODER.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let decoder = shared.get_or_insert_with(Decoder::default);
    let mut events = Vec::new();
    let mut rest = data;
    while let Some((&len, after)) = rest.split_first() {
        if len == 0 {
            events.extend(decoder.flush());
            rest = after;
            continue;
        }
        let (message, after) = after.split_at(usize::from(len).min(after.len()));
        events.extend(decoder.feed(message));
        assert!(decoder.held_bytes() <= MAX_PASTE + UNFINISHED, "{} bytes held", decoder.held_bytes());
        rest = after;
    }
    // The client ends any paste, releases the mouse buttons and pauses.
    events.extend(decoder.feed(b"\x1b[201~\x1b[<3;1;1M"));
    events.extend(decoder.flush());
    for event in &events {
        if let Event::Paste(text) = event {
            assert!(text.len() <= MAX_PASTE, "a paste of {} bytes", text.len());
        }
    }
    assert!(decoder.held_bytes() <= 3, "{} bytes held after a pause", decoder.held_bytes());
    let mut next = decoder.feed(b"q");
    next.extend(decoder.flush());
    assert_eq!(next, [Event::Key(KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE))], "a key after a pause");
    assert_eq!(decoder.held_bytes(), 0, "back to a new decoder's state");
});

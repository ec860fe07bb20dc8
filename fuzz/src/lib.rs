//! Helpers shared by the fuzz targets in `fuzz_targets/`: a guest host that answers from the
//! fuzzer's bytes, key and pipe-source decoding, and the checks every drawn frame must pass.

use arbitrary::{Arbitrary, Unstructured};
use exomonad_guest::host::Host;
use exomonad_protocol::abi::{AbiError, ErrorCode};
use exomonad_ui::form::Key;
use exomonad_ui::frame::Frame;
use exomonad_ui::text;
use serde_json::Value;

/// A guest [`Host`] whose every host function answers the next of `replies` (any JSON, so
/// both well-typed and ill-typed replies reach the guest), then `unsupported` once they run out.
pub struct FuzzHost {
    /// Replies still to give, in order.
    pub replies: Vec<Result<Value, AbiError>>,
}

impl Host for FuzzHost {
    fn call(&mut self, _name: &str, _request: Value) -> Result<Value, AbiError> {
        if self.replies.is_empty() {
            return Err(AbiError::new(ErrorCode::Unsupported, "no more replies"));
        }
        self.replies.remove(0)
    }
}

/// Host replies decoded from fuzz input: each is JSON text (kept only when it parses) or an
/// error envelope.
#[derive(Debug, Arbitrary)]
pub enum Reply {
    /// `ok` with this JSON text as its value (skipped when it does not parse).
    Ok(String),
    /// An `error` envelope.
    Err(String),
    /// A dirty-files answer with these paths.
    Dirty(Vec<String>),
}

impl FuzzHost {
    /// A host with `replies` turned into answers.
    pub fn new(replies: Vec<Reply>) -> Self {
        let replies = replies
            .into_iter()
            .filter_map(|r| match r {
                Reply::Ok(text) => serde_json::from_str(&text).ok().map(Ok),
                Reply::Err(msg) => Some(Err(AbiError::new(ErrorCode::Internal, msg))),
                Reply::Dirty(paths) => Some(Ok(serde_json::json!({
                    "files": paths
                        .into_iter()
                        .map(|p| serde_json::json!({"path": p, "status": " M"}))
                        .collect::<Vec<_>>()
                }))),
            })
            .collect();
        Self { replies }
    }
}

/// A key press decoded from fuzz input.
pub fn key(u: &mut Unstructured<'_>) -> arbitrary::Result<Key> {
    Ok(match u.int_in_range(0..=15u8)? {
        0 => Key::Enter,
        1 => Key::Tab,
        2 => Key::BackTab,
        3 => Key::Up,
        4 => Key::Down,
        5 => Key::Left,
        6 => Key::Right,
        7 => Key::Backspace,
        8 => Key::Delete,
        9 => Key::Home,
        10 => Key::End,
        11 => Key::PageUp,
        12 => Key::PageDown,
        13 => Key::Esc,
        14 => Key::Paste(u.arbitrary()?),
        _ => Key::Char(u.arbitrary()?),
    })
}

/// Checks a drawn frame: no line wider than `cols`, no more than `rows` lines, and no
/// character a terminal would act on ([`text::is_unsafe`]).
pub fn check_frame(frame: &Frame, rows: usize, cols: usize) {
    assert!(
        frame.lines.len() <= rows.max(1),
        "{} lines > {rows} rows",
        frame.lines.len()
    );
    for line in &frame.lines {
        let width: usize = line.spans.iter().map(|s| text::width(&s.text)).sum();
        assert!(
            width <= cols,
            "line {width} wide > {cols} cols: {:?}",
            line.spans
                .iter()
                .map(|s| s.text.as_str())
                .collect::<String>()
        );
        for span in &line.spans {
            assert_no_unsafe(&span.text);
        }
    }
}

/// Panics when `s` holds a character [`text::is_unsafe`] refuses.
pub fn assert_no_unsafe(s: &str) {
    assert!(!s.chars().any(text::is_unsafe), "unsafe character in {s:?}");
}

/// Splits fuzz input at its first NUL byte: the text before it (invalid UTF-8 replaced), and
/// the bytes after it. Targets whose input is mostly one JSON text take it this way, so the
/// seed corpus in `fuzz/corpus/` is plain JSON files (optionally followed by NUL and bytes
/// for the rest of the input).
pub fn split_text(data: &[u8]) -> (String, &[u8]) {
    let end = data.iter().position(|&b| b == 0).unwrap_or(data.len());
    let rest = data.get(end + 1..).unwrap_or_default();
    (String::from_utf8_lossy(&data[..end]).into_owned(), rest)
}

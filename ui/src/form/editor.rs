//! The text buffer behind text, multi-line and number fields: characters and a cursor.

use crate::text;

/// Most characters one field holds; input past it is dropped.
pub const MAX_INPUT_CHARS: usize = 20_000;

/// An editable text with a cursor (an index between characters, `0..=len`).
///
/// Holds no control characters other than `\n`, and `\n` only when multi-line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Editor {
    chars: Vec<char>,
    cursor: usize,
    multiline: bool,
}

impl Editor {
    /// An editor holding `initial` (cleaned), with the cursor at its end.
    pub fn new(initial: &str, multiline: bool) -> Self {
        let mut e = Self {
            chars: Vec::new(),
            cursor: 0,
            multiline,
        };
        e.insert_str(initial);
        e
    }

    /// The text.
    pub fn text(&self) -> String {
        self.chars.iter().collect()
    }

    /// The characters.
    pub fn chars(&self) -> &[char] {
        &self.chars
    }

    /// The cursor, as a character index.
    pub fn cursor(&self) -> usize {
        self.cursor
    }

    /// Whether `\n` is allowed.
    pub fn is_multiline(&self) -> bool {
        self.multiline
    }

    /// Inserts one typed character at the cursor. Returns whether the text changed: unsafe
    /// characters (controls, bidi overrides) and `\n` in a single-line editor are refused.
    pub fn insert(&mut self, c: char) -> bool {
        let ok = (c == '\n' && self.multiline) || !text::is_unsafe(c);
        if !ok || self.chars.len() >= MAX_INPUT_CHARS {
            return false;
        }
        self.chars.insert(self.cursor, c);
        self.cursor += 1;
        true
    }

    /// Inserts pasted text at the cursor: line breaks (`\r\n`, `\r`, `\n`) are kept in a
    /// multi-line editor and become spaces otherwise; tabs become spaces; other unsafe
    /// characters are dropped. Returns whether anything was inserted.
    pub fn insert_str(&mut self, s: &str) -> bool {
        let normalized = s.replace("\r\n", "\n").replace('\r', "\n");
        let mut changed = false;
        for c in normalized.chars() {
            let c = match c {
                '\n' if !self.multiline => ' ',
                '\t' => ' ',
                c => c,
            };
            changed |= self.insert(c);
        }
        changed
    }

    /// Deletes the character before the cursor.
    pub fn backspace(&mut self) -> bool {
        if self.cursor == 0 {
            return false;
        }
        self.cursor -= 1;
        self.chars.remove(self.cursor);
        true
    }

    /// Deletes the character under the cursor.
    pub fn delete(&mut self) -> bool {
        if self.cursor >= self.chars.len() {
            return false;
        }
        self.chars.remove(self.cursor);
        true
    }

    /// Moves the cursor one character left.
    pub fn left(&mut self) -> bool {
        let moved = self.cursor > 0;
        self.cursor = self.cursor.saturating_sub(1);
        moved
    }

    /// Moves the cursor one character right.
    pub fn right(&mut self) -> bool {
        let moved = self.cursor < self.chars.len();
        self.cursor = (self.cursor + 1).min(self.chars.len());
        moved
    }

    /// Start of the cursor's line.
    fn line_start(&self, at: usize) -> usize {
        self.chars[..at]
            .iter()
            .rposition(|&c| c == '\n')
            .map_or(0, |i| i + 1)
    }

    /// End of the line holding `at` (the index of its `\n`, or the text's end).
    fn line_end(&self, at: usize) -> usize {
        self.chars[at..]
            .iter()
            .position(|&c| c == '\n')
            .map_or(self.chars.len(), |i| at + i)
    }

    /// Moves the cursor to the start of its line.
    pub fn home(&mut self) -> bool {
        let to = self.line_start(self.cursor);
        std::mem::replace(&mut self.cursor, to) != to
    }

    /// Moves the cursor to the end of its line.
    pub fn end(&mut self) -> bool {
        let to = self.line_end(self.cursor);
        std::mem::replace(&mut self.cursor, to) != to
    }

    /// Moves the cursor to the previous line, same column or the line's end. Returns `false`
    /// on the first line.
    pub fn up(&mut self) -> bool {
        let start = self.line_start(self.cursor);
        if start == 0 {
            return false;
        }
        let col = self.cursor - start;
        let prev_start = self.line_start(start - 1);
        self.cursor = (prev_start + col).min(start - 1);
        true
    }

    /// Moves the cursor to the next line, same column or the line's end. Returns `false` on
    /// the last line.
    pub fn down(&mut self) -> bool {
        let end = self.line_end(self.cursor);
        if end >= self.chars.len() {
            return false;
        }
        let col = self.cursor - self.line_start(self.cursor);
        let next_start = end + 1;
        self.cursor = (next_start + col).min(self.line_end(next_start));
        true
    }

    /// Replaces the whole text (cleaned), cursor at the end.
    pub fn set(&mut self, s: &str) {
        self.chars.clear();
        self.cursor = 0;
        self.insert_str(s);
    }
}

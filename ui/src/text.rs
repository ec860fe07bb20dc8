//! Making outside text safe: the one sanitizer every outside string (an issue title, a tool
//! name, a hook reason, a path going into a layout) passes before it reaches a terminal, a
//! Zellij layout, a branch name or an agent's prompt. No control characters, no escape
//! sequences, no bidirectional overrides ([`is_unsafe`]); bounded length; measured in
//! terminal columns the way Zellij measures them.
//!
//! Widths are the sum of each character's [`UnicodeWidthChar::width`], which is exactly how
//! Zellij's text component advances the cursor, so a line we measure as `n` columns takes `n`
//! columns on screen.

use unicode_width::UnicodeWidthChar;

/// The mark put where text was cut.
pub const ELLIPSIS: char = '…';

/// Whether `c` must never reach a terminal or a generated file: C0/C1 controls and DEL
/// (escape sequences, line breaks, bells) and the bidirectional formatting characters that
/// reorder what follows them ([`is_bidi_control`]).
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || is_bidi_control(c)
}

/// Whether `c` reorders text when shown (the "Trojan Source" characters): the embedding and
/// override characters U+202A–U+202E, the isolates U+2066–U+2069, and the invisible marks
/// U+200E, U+200F and U+061C (Unicode Standard Annex #9, "Explicit Directional Formatting").
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Outside text made safe to show and to embed: ANSI escape sequences (`ESC [ 31 m`, OSC
/// titles, ...) are removed whole (with the `strip-ansi-escapes` crate), then every unsafe
/// character that is left ([`remove_controls`]).
///
/// Whitespace is kept as spaces so that words stay apart: tabs and other whitespace
/// controls become a space; line breaks (`\n`, `\r\n`, `\r`) become `\n` when
/// `keep_newlines`, else a space.
pub fn plain_text(text: &str, keep_newlines: bool) -> String {
    let normalized = text.replace("\r\n", "\n");
    let spaced: String = normalized
        .chars()
        .map(|c| match c {
            '\n' | '\r' if keep_newlines => '\n',
            c if c.is_whitespace() => ' ',
            c => c,
        })
        .collect();
    remove_controls(&strip_ansi_escapes::strip_str(spaced), keep_newlines)
}

/// Removes every unsafe character ([`is_unsafe`]: controls and bidirectional formatting);
/// keeps `\n` when `keep_newlines`. Nothing else is changed (an ESC goes, the `[31m` after
/// it stays: use [`plain_text`] to drop whole escape sequences).
pub fn remove_controls(text: &str, keep_newlines: bool) -> String {
    text.chars()
        .filter(|&c| (keep_newlines && c == '\n') || !is_unsafe(c))
        .collect()
}

/// Display width of one character in columns (0 for unsafe and zero-width characters).
pub fn char_width(c: char) -> usize {
    if is_unsafe(c) {
        0
    } else {
        c.width().unwrap_or(0)
    }
}

/// `Some(len)` when `s` is all printable ASCII (one column per byte, nothing to filter).
pub fn ascii_width(s: &str) -> Option<usize> {
    s.bytes()
        .all(|b| (0x20..0x7f).contains(&b))
        .then_some(s.len())
}

/// Display width of `s` in columns, ignoring unsafe characters.
pub fn width(s: &str) -> usize {
    s.chars().map(char_width).sum()
}

/// Cleans outside text for storage: tabs and line breaks become one space each, other unsafe
/// characters are dropped, and the result is cut to at most `max_chars` characters (the last
/// one being [`ELLIPSIS`] when something was cut). Never fails.
pub fn clean(s: &str, max_chars: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max_chars * 4));
    let mut count = 0;
    let mut chars = s
        .chars()
        .filter_map(|c| match c {
            '\t' | '\n' | '\r' => Some(' '),
            c if is_unsafe(c) => None,
            c => Some(c),
        })
        .peekable();
    while let Some(c) = chars.next() {
        if count + 1 == max_chars && chars.peek().is_some() {
            out.push(ELLIPSIS);
            break;
        }
        if count == max_chars {
            break;
        }
        out.push(c);
        count += 1;
    }
    out
}

/// Word-wraps `s` to lines of at most `cols` columns for display.
///
/// Line breaks (`\n`, `\r\n`, `\r`) are kept, tabs become one space, other unsafe
/// characters are dropped. Lines break at spaces; a word longer than `cols` is split. With
/// `cols == 0` the result is empty.
pub fn wrap(s: &str, cols: usize) -> Vec<String> {
    let mut out = Vec::new();
    if cols == 0 {
        return out;
    }
    let normalized = s.replace("\r\n", "\n").replace('\r', "\n");
    for paragraph in normalized.split('\n') {
        let cleaned: String = paragraph
            .chars()
            .filter_map(|c| match c {
                '\t' => Some(' '),
                c if is_unsafe(c) => None,
                c => Some(c),
            })
            .collect();
        wrap_paragraph(cleaned.trim_end(), cols, &mut out);
    }
    out
}

/// Greedy word wrap of one paragraph (no line breaks) into `out`; an empty paragraph is one
/// empty line.
fn wrap_paragraph(p: &str, cols: usize, out: &mut Vec<String>) {
    let mut line = String::new();
    let mut line_w = 0;
    for word in p.split(' ') {
        let w = width(word);
        if line_w > 0 && line_w + 1 + w <= cols {
            line.push(' ');
            line.push_str(word);
            line_w += 1 + w;
            continue;
        }
        if line_w > 0 || !line.is_empty() {
            out.push(std::mem::take(&mut line));
            line_w = 0;
        }
        // A word that does not fit on a line of its own is split by characters.
        for c in word.chars() {
            let cw = char_width(c);
            if line_w + cw > cols && line_w > 0 {
                out.push(std::mem::take(&mut line));
                line_w = 0;
            }
            line.push(c);
            line_w += cw;
        }
    }
    out.push(line);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_at_words_keeps_line_breaks_and_drops_controls() {
        assert_eq!(wrap("the quick brown fox", 9), ["the quick", "brown fox"]);
        assert_eq!(wrap("a\n\nb\r\nc", 10), ["a", "", "b", "c"]);
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        assert_eq!(wrap("x\u{1b}[1my\tz", 10), ["x[1my z"]);
        assert_eq!(wrap("日本語です", 5), ["日本", "語で", "す"]);
        assert_eq!(wrap("", 5), [""]);
        assert!(wrap("abc", 0).is_empty());
        for line in wrap("a bb ccc dddd eeeee 日本語 🙂🙂", 3) {
            assert!(width(&line) <= 3, "{line:?}");
        }
    }

    #[test]
    fn clean_drops_escapes_and_flattens_lines() {
        assert_eq!(clean("\u{1b}[31mred\u{1b}[0m", 100), "[31mred[0m");
        assert_eq!(clean("a\nb\r\nc\td", 100), "a b  c d");
        assert_eq!(clean("x\u{7}\u{9b}\u{7f}y\u{202E}z", 100), "xyz");
    }

    #[test]
    fn clean_caps_length_with_an_ellipsis() {
        assert_eq!(clean("abcdef", 4), "abc…");
        assert_eq!(clean("abcd", 4), "abcd");
        assert_eq!(clean("abcd", 1), "…");
        assert_eq!(clean("abcd", 0), "");
        assert_eq!(clean("", 3), "");
    }

    #[test]
    fn widths_match_terminal_columns() {
        assert_eq!(width("abc"), 3);
        assert_eq!(width("日本"), 4);
        assert_eq!(width("🙂"), 2);
        assert_eq!(width("a\u{1b}b"), 2);
        assert_eq!(width("e\u{301}"), 1);
        assert_eq!(ascii_width("a b~"), Some(4));
        assert_eq!(ascii_width("a\tb"), None);
        assert_eq!(ascii_width("é"), None);
    }
}

//! Everything named after a worker's issue, derived in one place ([`WorkerNames::derive`]),
//! and the text cleaning that every outside string (issue titles and bodies) goes through
//! before it reaches a branch name, a Zellij layout, a terminal or an agent's prompt.
//!
//! Shapes, for issue 7 titled `Fix "quotes" in the Ünïcode parser`:
//!
//! | name | value | rule |
//! |---|---|---|
//! | agent id | `gh-7` | `gh-<number>` ([`agent_id`]) |
//! | branch | `gh-7/fix-quotes-in-the-unicode-parser` | `gh-<number>/<slug>` ([`slug`]) |
//! | worktree | `<root>/gh-7` | the agent id under the worktree root |
//! | tab name | `#7 Fix "quotes" in the Ünïcode parser` | `#<number> <short title>` ([`short_title`]) |
//!
//! The slug is always a valid git ref component (see `git help check-ref-format`): lowercase
//! ASCII letters, digits and single `-` between words, never empty, at most
//! [`SLUG_MAX_BYTES`] bytes.

use std::path::{Path, PathBuf};

use exomonad_protocol::AgentId;
use unicode_segmentation::UnicodeSegmentation;

/// Longest slug, in bytes (the slug is ASCII, so also in characters).
pub const SLUG_MAX_BYTES: usize = 40;

/// The slug of a title that has no letters or digits at all (`"???"`, `"🙂🙂"`).
pub const SLUG_FALLBACK: &str = "issue";

/// Longest short title, in user-perceived characters (extended grapheme clusters, so an
/// emoji with modifiers or a letter with combining accents counts once), ellipsis included.
pub const SHORT_TITLE_MAX_CHARS: usize = 40;

/// Appended to a short title that was cut.
pub const ELLIPSIS: char = '…';

/// The names of the worker for one issue. See the module docs for the shapes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerNames {
    /// The issue number.
    pub issue: u64,
    /// `gh-<number>`.
    pub agent_id: AgentId,
    /// `gh-<number>/<slug>`: the branch a new worker's worktree checks out.
    pub branch: String,
    /// `<worktree root>/gh-<number>`.
    pub worktree: PathBuf,
    /// `#<number> <short title>` (just `#<number>` when the title has nothing printable).
    pub tab_name: String,
}

impl WorkerNames {
    /// Derives every name of the worker for issue `issue_number` titled `title`, whose
    /// worktree goes under `worktree_root` (used as given: pass an absolute path to get an
    /// absolute worktree). Total: any title gives valid names.
    pub fn derive(issue_number: u64, title: &str, worktree_root: &Path) -> WorkerNames {
        let agent_id = agent_id(issue_number);
        let short = short_title(title);
        WorkerNames {
            issue: issue_number,
            branch: format!("{agent_id}/{}", slug(title)),
            worktree: worktree_root.join(agent_id.as_str()),
            tab_name: if short.is_empty() {
                format!("#{issue_number}")
            } else {
                format!("#{issue_number} {short}")
            },
            agent_id,
        }
    }
}

/// The agent id of the worker for an issue: `gh-<number>` (at most 23 bytes, always a valid
/// [`AgentId`]).
pub fn agent_id(issue_number: u64) -> AgentId {
    AgentId::new(format!("gh-{issue_number}")).expect("gh-<digits> is a valid agent id")
}

/// The branch-name slug of a title: words of lowercase ASCII letters and digits joined by
/// `-`, at most [`SLUG_MAX_BYTES`] bytes, [`SLUG_FALLBACK`] when nothing is left.
///
/// How: ANSI escape sequences and control characters are removed ([`plain_text`]); letters
/// and digits are transliterated to ASCII with the `deunicode` crate (`é` → `e`, `ß` → `ss`,
/// `Ж` → `Zh`); apostrophes vanish (`don't` → `dont`); every other character (punctuation,
/// spaces, emoji, `/`, `.`) separates words. Words are added while they fit; only a single
/// first word longer than the limit is cut mid-word.
pub fn slug(title: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut end_word = |word: &mut String| {
        if !word.is_empty() {
            words.push(std::mem::take(word));
        }
    };
    for c in plain_text(title, false).chars() {
        if matches!(c, '\'' | '\u{2019}' | '\u{02BC}') {
            continue;
        }
        if !c.is_alphanumeric() {
            end_word(&mut word);
            continue;
        }
        let mut buf = [0u8; 4];
        let ascii: &str = if c.is_ascii() {
            c.encode_utf8(&mut buf)
        } else {
            deunicode::deunicode_char(c).unwrap_or("")
        };
        for b in ascii.bytes() {
            if b.is_ascii_alphanumeric() {
                word.push(b.to_ascii_lowercase() as char);
            } else {
                end_word(&mut word);
            }
        }
    }
    end_word(&mut word);

    let mut out = String::new();
    for w in &words {
        let needed = if out.is_empty() {
            w.len()
        } else {
            out.len() + 1 + w.len()
        };
        if needed > SLUG_MAX_BYTES {
            if out.is_empty() {
                out.push_str(&w[..SLUG_MAX_BYTES]);
            }
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(w);
    }
    if out.is_empty() {
        SLUG_FALLBACK.to_owned()
    } else {
        out
    }
}

/// The title as a tab shows it: [`plain_text`] on one line (every run of whitespace, line
/// breaks included, becomes one space; leading and trailing whitespace dropped), at most
/// [`SHORT_TITLE_MAX_CHARS`] user-perceived characters; a longer title is cut and ends in
/// [`ELLIPSIS`]. Empty when the title has nothing printable.
pub fn short_title(title: &str) -> String {
    let one_line = plain_text(title, false)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    if one_line.graphemes(true).count() <= SHORT_TITLE_MAX_CHARS {
        return one_line;
    }
    let mut cut: String = one_line
        .graphemes(true)
        .take(SHORT_TITLE_MAX_CHARS - 1)
        .collect();
    cut.truncate(cut.trim_end().len());
    cut.push(ELLIPSIS);
    cut
}

/// Outside text made safe to show and to embed: ANSI escape sequences (`ESC [ 31 m`, OSC
/// titles, ...) are removed whole (with the `strip-ansi-escapes` crate), then every control
/// character ([`remove_controls`]) and bidirectional override or isolate character
/// ([`is_bidi_control`]) that is left.
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

/// Removes control characters (C0, DEL, C1: `char::is_control`) and bidirectional
/// override/isolate characters ([`is_bidi_control`]); keeps `\n` when `keep_newlines`.
/// Nothing else is changed (an ESC goes, the `[31m` after it stays: use [`plain_text`] to
/// drop whole escape sequences).
pub fn remove_controls(text: &str, keep_newlines: bool) -> String {
    text.chars()
        .filter(|&c| (keep_newlines && c == '\n') || !(c.is_control() || is_bidi_control(c)))
        .collect()
}

/// Whether `c` reorders text when shown (the "Trojan Source" characters): the embedding and
/// override characters U+202A–U+202E, the isolates U+2066–U+2069, and the invisible marks
/// U+200E, U+200F and U+061C (Unicode Standard Annex #9, "Explicit Directional Formatting").
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

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
use exomonad_ui::text::plain_text;
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

impl WorkerNames {
    /// What the worktree service needs of these names: the worktree path, the branch, and
    /// the agent id as the family of the issue's branches.
    pub fn worktree_spec(&self) -> crate::services::worktree::WorktreeSpec<'_> {
        crate::services::worktree::WorktreeSpec {
            path: &self.worktree,
            branch: &self.branch,
            family: self.agent_id.as_str(),
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
/// How: ANSI escape sequences and control characters are removed
/// ([`exomonad_ui::text::plain_text`]); letters and digits are transliterated to ASCII with
/// the `deunicode` crate (`é` → `e`, `ß` → `ss`, `Ж` → `Zh`); apostrophes vanish (`don't` →
/// `dont`); then the one slug rule ([`exomonad_protocol::slug::slug`]): every other character
/// (punctuation, spaces, emoji, `/`, `.`) separates words, words are added while they fit,
/// only a single first word longer than the limit is cut mid-word.
pub fn slug(title: &str) -> String {
    let mut ascii = String::with_capacity(title.len());
    for c in plain_text(title, false).chars() {
        match c {
            '\'' | '\u{2019}' | '\u{02BC}' => {}
            c if c.is_ascii() => ascii.push(c),
            c if c.is_alphanumeric() => ascii.push_str(deunicode::deunicode_char(c).unwrap_or("")),
            _ => ascii.push(' '),
        }
    }
    let slug = exomonad_protocol::slug::slug(&ascii, SLUG_MAX_BYTES);
    if slug.is_empty() {
        SLUG_FALLBACK.to_owned()
    } else {
        slug
    }
}

/// The title as a tab shows it: [`exomonad_ui::text::plain_text`] on one line (every run of whitespace, line
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

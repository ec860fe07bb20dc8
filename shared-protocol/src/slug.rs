//! The one slug rule: any text to a short token of lowercase ASCII words joined by `-`, safe
//! as a git ref component, a file name, a Zellij session name and an [`AgentId`]
//! (`crate::AgentId::slugify`). Callers that want other scripts kept transliterate first (the
//! host's branch names do, with `deunicode`), then call [`slug`].
//!
//! [`AgentId`]: crate::AgentId

/// The slug of `text`: its words (maximal runs of ASCII letters and digits, lower-cased)
/// joined by single `-`, at most `max_bytes` bytes. Words are added while they fit; only a
/// first word longer than the limit is cut mid-word. Every other character (punctuation,
/// spaces, controls, any non-ASCII character) separates words. Empty when `text` has no
/// ASCII letter or digit (or `max_bytes` is 0).
///
/// Examples: `gh-12/Fix "quotes"` → `gh-12-fix-quotes`; `../../etc/passwd` → `etc-passwd`;
/// `🙂` → ``.
pub fn slug(text: &str, max_bytes: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max_bytes));
    for word in text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let needed = if out.is_empty() {
            word.len()
        } else {
            out.len() + 1 + word.len()
        };
        if needed > max_bytes {
            if out.is_empty() {
                out.push_str(&word[..max_bytes]);
                out.make_ascii_lowercase();
            }
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.extend(word.chars().map(|c| c.to_ascii_lowercase()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_joined_by_dashes_within_the_bound() {
        assert_eq!(slug("gh-12/Fix \"quotes\"", 64), "gh-12-fix-quotes");
        assert_eq!(slug("  --My   Project!-- ", 64), "my-project");
        assert_eq!(slug("fix the login page", 13), "fix-the-login");
        assert_eq!(slug("fix the login page", 12), "fix-the");
        assert_eq!(slug(&"A".repeat(10), 4), "aaaa");
        assert_eq!(slug("é 🙂 \u{1b}", 10), "");
        assert_eq!(slug("abc", 0), "");
        for text in ["a-b", "x\u{202e}y", "ü/../z", "a\tb\nc"] {
            let s = slug(text, 3);
            assert!(s.len() <= 3, "{s:?}");
            assert!(
                s.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            );
            assert!(
                !s.starts_with('-') && !s.ends_with('-') && !s.contains("--"),
                "{s:?}"
            );
        }
    }
}

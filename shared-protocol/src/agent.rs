//! Agent identity: [`AgentId`] and [`Role`].

use std::fmt;

use serde::{Deserialize, Serialize};

/// The id of one agent: a short, path-safe token carried on every event.
///
/// Shape: 1 to [`AgentId::MAX_LEN`] bytes of ASCII letters, digits, `-`, `_` and `.`;
/// it starts with a letter or digit and never contains `..`, so it is safe as a file
/// name, a Zellij pane name and a KDL string. Serialized as a plain JSON string;
/// deserializing an invalid string fails with the [`AgentIdError`] text.
///
/// Every process of an agent gets its id from [`AgentId::resolve`], and from nowhere else.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AgentId(String);

/// Why a string is not an [`AgentId`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AgentIdError {
    /// The string is empty.
    #[error("agent id is empty")]
    Empty,
    /// The string is longer than [`AgentId::MAX_LEN`] bytes.
    #[error("agent id is {0} bytes long; at most {max} are allowed", max = AgentId::MAX_LEN)]
    TooLong(usize),
    /// The string holds a byte outside `[A-Za-z0-9._-]`, starts with `.`/`-`/`_`, or holds `..`.
    #[error(
        "agent id {0:?} must be ASCII letters, digits, '-', '_' or '.', start with a letter or digit, and not contain '..'"
    )]
    BadCharacters(String),
}

impl AgentId {
    /// Longest id accepted, in bytes.
    pub const MAX_LEN: usize = 64;

    /// The id used when nothing names the agent: the person's own (lead) agent.
    pub const LEAD: &'static str = "lead";

    /// Validates `s` as an agent id.
    ///
    /// # Errors
    /// [`AgentIdError`] when `s` is empty, too long, or holds characters outside the shape above.
    pub fn new(s: impl Into<String>) -> Result<Self, AgentIdError> {
        let s = s.into();
        if s.is_empty() {
            return Err(AgentIdError::Empty);
        }
        if s.len() > Self::MAX_LEN {
            return Err(AgentIdError::TooLong(s.len()));
        }
        let first_ok = s.as_bytes()[0].is_ascii_alphanumeric();
        let all_ok = s
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
        if !first_ok || !all_ok || s.contains("..") {
            return Err(AgentIdError::BadCharacters(s));
        }
        Ok(Self(s))
    }

    /// Turns any text (a branch name, a directory name) into a valid id, or `None` when
    /// nothing usable is left.
    ///
    /// The one slug rule ([`crate::slug::slug`]) at most [`AgentId::MAX_LEN`] bytes: ASCII
    /// letters and digits are kept (lower-cased), words are joined by single `-`. Example:
    /// `gh-12/Fix "quotes"` → `gh-12-fix-quotes`.
    pub fn slugify(text: &str) -> Option<Self> {
        Self::new(crate::slug::slug(text, Self::MAX_LEN)).ok()
    }

    /// The agent a Zellij command pane runs, read from the pane's command line as Zellij
    /// reports it (`PaneInfo::terminal_command`, or `terminal_command` of `zellij action
    /// list-panes --json`: the layout's command and arguments joined by spaces). Agent panes
    /// run under `env`, as a layout has no per-pane environment, so the command holds the word
    /// `EXOMONAD_AGENT_ID=<id>` ([`crate::names::ENV_AGENT_ID`]); `None` when no word of the
    /// command is that, with a valid id.
    ///
    /// Example: `env EXOMONAD_AGENT_ID=gh-7 EXOMONAD_ROLE=worker claude …` → `gh-7`.
    pub fn from_pane_command(command: &str) -> Option<Self> {
        command.split_whitespace().find_map(|word| {
            let id = word
                .strip_prefix(crate::names::ENV_AGENT_ID)?
                .strip_prefix('=')?;
            Self::new(id).ok()
        })
    }

    /// Derives the id of the agent a process belongs to. This is the one place it is derived.
    ///
    /// Sources, first that gives a value wins:
    /// 1. `explicit`: the [`crate::names::ENV_AGENT_ID`] environment variable, set in the
    ///    agent's pane at spawn time. It must already be a valid id: an invalid one is an
    ///    error, not silently rewritten, so a typo cannot split one agent into two.
    /// 2. `configured`: `agent_id` in the project's `.exomonad/config.toml`, written at spawn
    ///    time into the worker's worktree. Also validated as is.
    /// 3. `branch`: the current git branch, [slugified](Self::slugify) (a worker's branch
    ///    `gh-12/fix-login` gives `gh-12-fix-login`).
    /// 4. [`AgentId::LEAD`].
    ///
    /// # Errors
    /// [`AgentIdError`] when `explicit` or `configured` is present but invalid.
    pub fn resolve(
        explicit: Option<&str>,
        configured: Option<&str>,
        branch: Option<&str>,
    ) -> Result<Self, AgentIdError> {
        if let Some(id) = explicit.filter(|s| !s.is_empty()) {
            return Self::new(id);
        }
        if let Some(id) = configured.filter(|s| !s.is_empty()) {
            return Self::new(id);
        }
        if let Some(id) = branch.and_then(Self::slugify) {
            return Ok(id);
        }
        Ok(Self(Self::LEAD.to_owned()))
    }

    /// The id as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AgentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for AgentId {
    type Error = AgentIdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::new(s)
    }
}

impl From<AgentId> for String {
    fn from(id: AgentId) -> Self {
        id.0
    }
}

/// What an agent is for. Policies differ by role (only workers are held at Stop).
///
/// Serialized in lower case (`"lead"`, `"worker"`), as in `.exomonad/config.toml`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The person's own agent, which plans and spawns workers. The default.
    #[default]
    Lead,
    /// An agent spawned for one issue in its own worktree.
    Worker,
}

impl std::str::FromStr for Role {
    type Err = String;
    /// Parses `lead` or `worker` (any case).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "lead" => Ok(Role::Lead),
            "worker" => Ok(Role::Worker),
            other => Err(format!(
                "unknown role {other:?}: expected \"lead\" or \"worker\""
            )),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Lead => "lead",
            Role::Worker => "worker",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_agent_of_a_pane_is_read_from_its_command() {
        let id = |c: &str| AgentId::from_pane_command(c).map(|a| a.to_string());
        assert_eq!(
            id("env EXOMONAD_AGENT_ID=gh-7 EXOMONAD_ROLE=worker claude --settings s Fix it"),
            Some("gh-7".into())
        );
        assert_eq!(id("env EXOMONAD_AGENT_ID=lead claude"), Some("lead".into()));
        assert_eq!(id("claude --resume abc"), None);
        assert_eq!(id("env EXOMONAD_AGENT_ID= claude"), None);
        assert_eq!(id("env EXOMONAD_AGENT_ID=../x claude"), None);
        assert_eq!(id("env XEXOMONAD_AGENT_ID=gh-7 claude"), None);
        assert_eq!(id("env EXOMONAD_AGENT_IDS=gh-7 claude"), None);
    }

    #[test]
    fn accepts_path_safe_tokens() {
        for ok in ["a", "lead", "gh-12-fix", "A.b_c-1", &"x".repeat(64)] {
            assert!(AgentId::new(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_everything_else() {
        assert_eq!(AgentId::new(""), Err(AgentIdError::Empty));
        assert_eq!(AgentId::new("x".repeat(65)), Err(AgentIdError::TooLong(65)));
        for bad in [
            "../x", "a/b", ".hidden", "-x", "a b", "a..b", "é", "a\"b", "a\nb",
        ] {
            assert!(
                matches!(AgentId::new(bad), Err(AgentIdError::BadCharacters(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn slugify_survives_hostile_text() {
        assert_eq!(
            AgentId::slugify("gh-12/Fix \"quotes\"").unwrap().as_str(),
            "gh-12-fix-quotes"
        );
        assert_eq!(
            AgentId::slugify("../../etc/passwd").unwrap().as_str(),
            "etc-passwd"
        );
        assert_eq!(
            AgentId::slugify("\u{1b}[31mred\u{1b}[0m").unwrap().as_str(),
            "31mred-0m"
        );
        assert!(AgentId::slugify("🙂 שלום").is_none());
        assert!(AgentId::slugify(&"ab-".repeat(100)).unwrap().as_str().len() <= AgentId::MAX_LEN);
    }

    #[test]
    fn resolve_prefers_explicit_then_config_then_branch() {
        let r = |e, c, b| AgentId::resolve(e, c, b).map(|id| id.to_string());
        assert_eq!(
            r(Some("alpha"), Some("beta"), Some("main")),
            Ok("alpha".into())
        );
        assert_eq!(r(None, Some("beta"), Some("main")), Ok("beta".into()));
        assert_eq!(r(Some(""), None, Some("gh-3/x")), Ok("gh-3-x".into()));
        assert_eq!(r(None, None, None), Ok("lead".into()));
        assert!(r(Some("bad id"), None, None).is_err());
    }

    #[test]
    fn serde_validates() {
        assert!(serde_json::from_str::<AgentId>("\"ok-1\"").is_ok());
        let err = serde_json::from_str::<AgentId>("\"../etc\"").unwrap_err();
        assert!(err.to_string().contains("agent id"), "{err}");
    }
}

//! "Refused once" for Gemini CLI's AfterAgent.
//!
//! A worker's turn end is refused once while its worktree has changes; the retry the refusal
//! causes must be let through, or a worker that does not commit would be held forever. Claude
//! Code marks that retry's Stop with `stop_hook_active: true`. Gemini CLI's hooks reference says
//! its AfterAgent does the same, but Gemini CLI 0.61.0 sends `stop_hook_active: false` on the
//! retry (recorded in `tests/fixtures/gemini-cli-0.61.0/` by the end-to-end test), with the
//! same `session_id` and `prompt` (the person's request; only `prompt_response` grows). So the
//! hook remembers the turn it refused, in the agent's `.exomonad/`[`HELD_TURN_FILE`], and
//! marks an AfterAgent of that same turn `stop_hook_active: true` before the guest decides.
//! Failures to read or write the file are logged: the worst case is one more refusal.

use std::path::Path;

use exomonad_protocol::names::STATE_DIR;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The file, in the agent's `.exomonad/`, that holds the [`TurnKey`] of the last refused turn.
pub const HELD_TURN_FILE: &str = "held-turn.json";

/// What identifies one turn of a Gemini CLI session across its retries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TurnKey {
    /// The payload's `session_id`.
    pub session_id: String,
    /// The payload's `prompt`: the request the turn answers.
    pub prompt: String,
}

impl TurnKey {
    /// The key of an AfterAgent payload; `None` without a `session_id` or a `prompt`.
    pub fn of(payload: &Value) -> Option<Self> {
        Some(TurnKey {
            session_id: payload.get("session_id")?.as_str()?.to_owned(),
            prompt: payload.get("prompt")?.as_str()?.to_owned(),
        })
    }
}

/// Whether the turn `key` was refused before (by an earlier AfterAgent in `project_dir`).
pub fn was_held(project_dir: &Path, key: &TurnKey) -> bool {
    let path = project_dir.join(STATE_DIR).join(HELD_TURN_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str::<TurnKey>(&text).is_ok_and(|held| held == *key),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => {
            tracing::warn!("reading {}: {e}", path.display());
            false
        }
    }
}

/// Records that turn `key` was refused (`held`), or forgets a refused turn (it ended).
pub fn remember(project_dir: &Path, key: &TurnKey, held: bool) {
    let path = project_dir.join(STATE_DIR).join(HELD_TURN_FILE);
    let result = if held {
        crate::base::config::ensure_state_dir(project_dir)
            .map_err(|e| std::io::Error::other(format!("{e:#}")))
            .and_then(|_| {
                let text = serde_json::to_string(key).expect("strings serialize");
                crate::base::fs::write_atomic(&path, text.as_bytes())
            })
    } else {
        match std::fs::remove_file(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            other => other,
        }
    };
    if let Err(e) = result {
        tracing::warn!("keeping {}: {e}", path.display());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_turn_is_remembered_until_it_ends() {
        let dir = tempfile::tempdir().unwrap();
        let key = TurnKey::of(&serde_json::json!({"session_id": "s", "prompt": "p"})).unwrap();
        let other = TurnKey::of(&serde_json::json!({"session_id": "s", "prompt": "q"})).unwrap();
        assert!(!was_held(dir.path(), &key));
        remember(dir.path(), &key, true);
        assert!(was_held(dir.path(), &key));
        assert!(
            !was_held(dir.path(), &other),
            "another request is another turn"
        );
        remember(dir.path(), &key, false);
        assert!(!was_held(dir.path(), &key));
        assert_eq!(TurnKey::of(&serde_json::json!({"session_id": "s"})), None);
    }
}

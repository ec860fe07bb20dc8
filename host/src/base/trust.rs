//! Trust in a project's config file, the direnv / mise model: the keys of
//! [`crate::base::config::GUARDED_KEYS`] (they run code or send credentials) are honoured from
//! a project's `.exomonad/config.toml` only after the person trusted that exact file.
//!
//! `exomonad trust` records the file's digest in the user's own data directory
//! ([`TrustStore::default_dir`]: `$XDG_DATA_HOME/exomonad/trust/`); any edit changes the digest,
//! so the file is untrusted again until the person runs it once more. A repository cannot trust
//! itself: nothing in the project is consulted, only the user's data directory.
//!
//! The digest is SHA-256 over the file's absolute (canonical) path, a NUL byte and its
//! contents, as direnv does it: the same text in another checkout is a different file (a
//! relative `guest` path would name another module there). One file per trusted digest,
//! named by its lowercase hex, holding the path for a person to read.
//!
//! What exomonad writes itself (a worker's config at spawn time) is recorded here as it is
//! written ([`TrustStore::record`]): trusted by construction, without asking.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use sha2::{Digest as _, Sha256};

/// The trust records of one user: a directory of digests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustStore {
    dir: PathBuf,
}

/// The trust state of a project's config file, as [`project_trust`] reports it (for
/// `exomonad doctor` and the warning every command gives).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrustState {
    /// The file sets none of the guarded keys (or there is no file): nothing needs trust.
    NothingToTrust,
    /// The file sets guarded keys and the person trusted exactly this content.
    Trusted {
        /// The config file.
        file: PathBuf,
        /// The guarded keys it sets, in [`crate::base::config::GUARDED_KEYS`] order.
        keys: Vec<&'static str>,
    },
    /// The file sets guarded keys and this content was never trusted (or was edited since):
    /// those keys are ignored.
    Untrusted {
        /// The config file.
        file: PathBuf,
        /// The guarded keys it sets (and that are ignored).
        keys: Vec<&'static str>,
    },
}

impl TrustState {
    /// The one message for an untrusted file: names the file, the ignored keys and the
    /// command that trusts it. `None` unless [`TrustState::Untrusted`].
    pub fn warning(&self) -> Option<String> {
        let TrustState::Untrusted { file, keys } = self else {
            return None;
        };
        Some(format!(
            "ignoring {} in {}: this file is not trusted (it was never trusted, or it changed since); review it, then run `exomonad trust` in the project to use them",
            keys.join(", "),
            file.display()
        ))
    }
}

impl TrustStore {
    /// A store in `dir` (created at the first [`TrustStore::record`]).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// `$XDG_DATA_HOME/exomonad/trust` (default `~/.local/share/exomonad/trust`).
    ///
    /// # Errors
    /// When neither `$XDG_DATA_HOME` nor `$HOME` is set.
    pub fn default_dir() -> Result<PathBuf> {
        Ok(crate::base::paths::data_dir()?.join("trust"))
    }

    /// The store in [`TrustStore::default_dir`].
    ///
    /// # Errors
    /// As [`TrustStore::default_dir`].
    pub fn open_default() -> Result<Self> {
        Self::default_dir().map(Self::new)
    }

    /// The directory of the records.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether `contents`, read from the file at `path`, was trusted. A missing or unreadable
    /// store trusts nothing.
    pub fn is_trusted(&self, path: &Path, contents: &[u8]) -> bool {
        self.dir.join(digest(path, contents)).is_file()
    }

    /// Records `contents` of the file at `path` as trusted (idempotent; atomic).
    ///
    /// # Errors
    /// When the store's directory or the record cannot be written.
    pub fn record(&self, path: &Path, contents: &[u8]) -> Result<()> {
        std::fs::create_dir_all(&self.dir)
            .with_context(|| format!("creating {}", self.dir.display()))?;
        let record = self.dir.join(digest(path, contents));
        let text = format!("{}\n", canonical(path).display());
        crate::base::fs::write_atomic(&record, text.as_bytes())
            .with_context(|| format!("writing {}", record.display()))
    }

    /// Removes the record of `contents` of the file at `path`; returns whether there was one.
    ///
    /// # Errors
    /// When the record exists but cannot be removed.
    pub fn revoke(&self, path: &Path, contents: &[u8]) -> Result<bool> {
        let record = self.dir.join(digest(path, contents));
        match std::fs::remove_file(&record) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e).with_context(|| format!("removing {}", record.display())),
        }
    }
}

/// The lowercase hex SHA-256 of `canonical(path)`, a NUL byte and `contents`.
pub fn digest(path: &Path, contents: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(canonical(path).as_os_str().as_encoded_bytes());
    hasher.update([0]);
    hasher.update(contents);
    format!("{:x}", hasher.finalize())
}

/// The path with symlinks resolved when it exists, else made absolute as it stands.
fn canonical(path: &Path) -> PathBuf {
    path.canonicalize()
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| path.to_path_buf())
}

/// What [`trust_project`] trusted: the file and the guarded keys it sets, with their values
/// as TOML, for the person to see what they allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trusted {
    /// The config file.
    pub file: PathBuf,
    /// `(key, value)` for each guarded key the file sets; the value as TOML, with every
    /// character that could hide or reorder text on a terminal (controls, bidi overrides,
    /// [`exomonad_ui::text::is_unsafe`]) shown as `\u{XXXX}`, so that what the person reads
    /// is what runs.
    pub keys: Vec<(&'static str, String)>,
}

/// `text` with each unsafe character ([`exomonad_ui::text::is_unsafe`]) written as
/// `\u{XXXX}`.
fn visible(text: &str) -> String {
    text.chars()
        .map(|c| {
            if exomonad_ui::text::is_unsafe(c) {
                format!("\\u{{{:04X}}}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Trusts the config file of `project_dir` as it is now (`exomonad trust`): records its
/// digest in `store`.
///
/// # Errors
/// When there is no `.exomonad/config.toml` in `project_dir`, it is not valid TOML (trusting
/// a file that is not read would be pointless), or the record cannot be written.
pub fn trust_project(store: &TrustStore, project_dir: &Path) -> Result<Trusted> {
    let file = crate::base::config::Config::path(project_dir);
    let text = std::fs::read_to_string(&file)
        .with_context(|| format!("reading {} (nothing to trust without it)", file.display()))?;
    let table: toml::Table =
        toml::from_str(&text).with_context(|| format!("parsing {}", file.display()))?;
    store.record(&file, text.as_bytes())?;
    let keys = crate::base::config::GUARDED_KEYS
        .into_iter()
        .filter_map(|k| table.get(k).map(|v| (k, visible(&v.to_string()))))
        .collect();
    Ok(Trusted { file, keys })
}

/// Withdraws the trust of the config file of `project_dir` as it is now (`exomonad trust
/// --revoke`); returns the file and whether it was trusted.
///
/// # Errors
/// When the file cannot be read or the record cannot be removed.
pub fn revoke_project(store: &TrustStore, project_dir: &Path) -> Result<(PathBuf, bool)> {
    let file = crate::base::config::Config::path(project_dir);
    let text = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
    let was = store.revoke(&file, &text)?;
    Ok((file, was))
}

/// The trust state of the project (or worktree) at `project_dir`: reads its
/// `.exomonad/config.toml` and the user's trust store ([`TrustStore::open_default`]). Never
/// fails: a missing file is [`TrustState::NothingToTrust`]; a file that does not parse sets no
/// key the host would use, so it is [`TrustState::NothingToTrust`] too (its error is the
/// config loader's to report); without a data directory nothing is trusted.
///
/// This is the function `exomonad doctor` calls.
pub fn project_trust(project_dir: &Path) -> TrustState {
    let sources = crate::base::config::ConfigSources {
        user_config: None,
        trust: TrustStore::open_default().ok(),
    };
    crate::base::config::load_layers(project_dir, &sources).trust
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_trusts_exactly_that_content_at_that_path() {
        let dir = tempfile::tempdir().unwrap();
        let store = TrustStore::new(dir.path().join("trust"));
        let file = dir.path().join("config.toml");
        std::fs::write(&file, "guest = \"x.wasm\"\n").unwrap();
        assert!(!store.is_trusted(&file, b"guest = \"x.wasm\"\n"));
        store.record(&file, b"guest = \"x.wasm\"\n").unwrap();
        assert!(store.is_trusted(&file, b"guest = \"x.wasm\"\n"));
        assert!(!store.is_trusted(&file, b"guest = \"y.wasm\"\n"));
        assert!(!store.is_trusted(&dir.path().join("other.toml"), b"guest = \"x.wasm\"\n"));
        assert!(store.revoke(&file, b"guest = \"x.wasm\"\n").unwrap());
        assert!(!store.is_trusted(&file, b"guest = \"x.wasm\"\n"));
        assert!(!store.revoke(&file, b"guest = \"x.wasm\"\n").unwrap());
    }

    #[test]
    fn trusting_shows_hidden_characters() {
        let dir = tempfile::tempdir().unwrap();
        let store = TrustStore::new(dir.path().join("trust"));
        std::fs::create_dir_all(dir.path().join(".exomonad")).unwrap();
        // A right-to-left override would make the command read differently than it runs.
        let text = "lead_command = \"echo safe \\u202E; rm -rf ~\"\nsession = \"s\"\n";
        std::fs::write(dir.path().join(".exomonad/config.toml"), text).unwrap();
        let t = trust_project(&store, dir.path()).unwrap();
        assert_eq!(t.keys.len(), 1);
        assert_eq!(t.keys[0].0, "lead_command");
        assert!(t.keys[0].1.contains("\\u{202E}"), "{}", t.keys[0].1);
        assert!(!t.keys[0].1.contains('\u{202E}'), "{}", t.keys[0].1);
        assert!(store.is_trusted(&dir.path().join(".exomonad/config.toml"), text.as_bytes()));
    }

    #[test]
    fn the_warning_names_the_keys_and_the_command() {
        let state = TrustState::Untrusted {
            file: "/p/.exomonad/config.toml".into(),
            keys: vec!["lead_command", "guest"],
        };
        let w = state.warning().unwrap();
        assert!(w.contains("lead_command, guest"), "{w}");
        assert!(w.contains("/p/.exomonad/config.toml"), "{w}");
        assert!(w.contains("`exomonad trust`"), "{w}");
        assert_eq!(TrustState::NothingToTrust.warning(), None);
    }
}

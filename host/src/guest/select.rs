//! Which guest a process runs ([`GuestSource`], from the `guest` setting of
//! `.exomonad/config.toml`) and loading it ([`load_configured`]). Every flow that runs a guest
//! (hook, MCP, the resident host) selects it here.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use exomonad_protocol::Role;

use super::{Guest, GuestOptions, HostState};
use crate::base::config::{Config, EMBEDDED_GUEST};

/// Which guest the hook (and later the MCP server) runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GuestSource {
    /// The Rust guest compiled into this binary.
    Embedded,
    /// A guest `.wasm` file.
    File(PathBuf),
}

impl GuestSource {
    /// The guest for `role` in `project_dir` with `config`:
    ///
    /// 1. `guest = "embedded"`: the built-in guest;
    /// 2. `guest = "<path>"`: that file (`~/` is the home directory; a relative path is
    ///    relative to `project_dir`);
    /// 3. no setting: `~/.exomonad/wasm/wasm-guest-<role>.wasm` when that file exists;
    /// 4. else the built-in guest.
    pub fn resolve(config: &Config, project_dir: &Path, role: Role) -> Self {
        let home = dirs::home_dir();
        match config.guest.as_deref().map(str::trim) {
            Some(EMBEDDED_GUEST) => Self::Embedded,
            Some(path) if !path.is_empty() => {
                let path = match (path.strip_prefix("~/"), &home) {
                    (Some(rest), Some(home)) => home.join(rest),
                    _ => project_dir.join(path),
                };
                Self::File(path)
            }
            _ => home
                .map(|h| h.join(format!(".exomonad/wasm/wasm-guest-{role}.wasm")))
                .filter(|p| p.is_file())
                .map_or(Self::Embedded, Self::File),
        }
    }
}

impl std::fmt::Display for GuestSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Embedded => f.write_str("the embedded guest"),
            Self::File(p) => write!(f, "the guest {}", p.display()),
        }
    }
}

/// Loads the guest `source` with the real host functions acting on `host`.
///
/// # Errors
/// When the file cannot be read or the module does not load; the message names the file.
pub fn load_configured(
    source: &GuestSource,
    host: HostState,
    options: &GuestOptions,
) -> Result<Guest> {
    match source {
        GuestSource::Embedded => Guest::embedded(host, options),
        GuestSource::File(path) => {
            let wasm =
                std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            Guest::load(&wasm, host, options).with_context(|| format!("loading {}", path.display()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guest_source_resolution() {
        let project = Path::new("/p");
        let cfg = |g: Option<&str>| Config {
            guest: g.map(str::to_owned),
            ..Config::default()
        };
        assert_eq!(
            GuestSource::resolve(&cfg(Some("embedded")), project, Role::Worker),
            GuestSource::Embedded
        );
        assert_eq!(
            GuestSource::resolve(&cfg(Some("g/x.wasm")), project, Role::Worker),
            GuestSource::File(PathBuf::from("/p/g/x.wasm"))
        );
        assert_eq!(
            GuestSource::resolve(&cfg(Some("/abs/x.wasm")), project, Role::Lead),
            GuestSource::File(PathBuf::from("/abs/x.wasm"))
        );
    }
}

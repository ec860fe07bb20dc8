//! Where exomonad keeps files outside the project, and the dashboard plugin URL.
//!
//! Directories follow the XDG base directory spec through the `dirs` crate
//! (`$XDG_DATA_HOME`, default `~/.local/share`; `$XDG_CACHE_HOME`, default `~/.cache`).

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use exomonad_protocol::names::DASHBOARD_WASM_FILE;

use crate::base::assets::DASHBOARD_WASM;

/// `$XDG_DATA_HOME/exomonad`: the stable home of the dashboard plugin file.
///
/// # Errors
/// When neither `$XDG_DATA_HOME` nor `$HOME` is set.
pub fn data_dir() -> Result<PathBuf> {
    let base = dirs::data_dir().context("no data directory: set $HOME or $XDG_DATA_HOME")?;
    Ok(base.join("exomonad"))
}

/// `$XDG_CACHE_HOME/exomonad`: the compiled-guest cache lives below it.
///
/// # Errors
/// When neither `$XDG_CACHE_HOME` nor `$HOME` is set.
pub fn cache_dir() -> Result<PathBuf> {
    let base = dirs::cache_dir().context("no cache directory: set $HOME or $XDG_CACHE_HOME")?;
    Ok(base.join("exomonad"))
}

/// Absolute path of the dashboard plugin file:
/// `$XDG_DATA_HOME/exomonad/plugins/exomonad-dashboard.wasm`.
///
/// The path is stable across versions so that the plugin URL in a running session's
/// layout stays valid; [`install_dashboard`] rewrites the content when it changes.
///
/// # Errors
/// As [`data_dir`].
pub fn dashboard_wasm() -> Result<PathBuf> {
    Ok(data_dir()?.join("plugins").join(DASHBOARD_WASM_FILE))
}

/// The plugin URL for a plugin file: `file:` followed by the absolute path.
///
/// This is the one function that spells it: the layout and every `zellij pipe --plugin`
/// call use it, because Zellij matches plugin instances on the exact URL.
pub fn plugin_url(wasm: &Path) -> String {
    format!("file:{}", wasm.display())
}

/// Writes the embedded dashboard to [`dashboard_wasm`] unless the same bytes are already
/// there, and returns its path. The write is atomic
/// ([`crate::base::fs::write_atomic`]), so a running Zellij never reads a half-written plugin.
///
/// # Errors
/// When the directory cannot be created or the file cannot be written.
pub fn install_dashboard() -> Result<PathBuf> {
    let path = dashboard_wasm()?;
    if std::fs::read(&path).is_ok_and(|old| old == DASHBOARD_WASM) {
        return Ok(path);
    }
    let dir = path.parent().expect("plugin path has a parent");
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    crate::base::fs::write_atomic(&path, DASHBOARD_WASM)
        .with_context(|| format!("installing {}", path.display()))?;
    Ok(path)
}

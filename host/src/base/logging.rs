//! Logging for every command: to `<project>/.exomonad/logs/exomonad.log` (never to stdout,
//! which is a protocol channel for `hook` and `mcp-stdio`), and for interactive commands
//! also warnings and errors to stderr.
//!
//! The filter comes from `$EXOMONAD_LOG` (`tracing` env-filter syntax), default `info`;
//! records of dependencies that use the `log` crate stop at `info`.
//! Each line carries the command and the process id, because many hook processes of many
//! agents append to the same file.

use std::fs::OpenOptions;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use exomonad_protocol::names::{ENV_LOG, LOG_DIR};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Keeps the process-wide span (command name and pid) entered while it lives.
pub struct LogGuard {
    _span: tracing::span::EnteredSpan,
    /// The log file in use, if one could be opened.
    pub file: Option<PathBuf>,
}

/// Sets up logging for `command` run in `project_dir`. When `stderr` is true, warnings and
/// errors also go to stderr. Never fails: when no log file can be opened, lines go nowhere
/// (or only to stderr).
pub fn init(project_dir: &Path, command: &'static str, stderr: bool) -> LogGuard {
    let file_path = open_log(project_dir);
    let filter = || EnvFilter::try_from_env(ENV_LOG).unwrap_or_else(|_| EnvFilter::new("info"));
    let file_layer = file_path.as_ref().and_then(|path| {
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .ok()?;
        Some(
            tracing_subscriber::fmt::layer()
                .with_writer(Mutex::new(file))
                .with_ansi(false)
                .with_filter(filter()),
        )
    });
    let stderr_layer = stderr.then(|| {
        tracing_subscriber::fmt::layer()
            .with_writer(std::io::stderr)
            .without_time()
            .with_target(false)
            .with_filter(EnvFilter::new("warn"))
    });
    let _ = tracing_subscriber::registry()
        .with(file_layer)
        .with(stderr_layer)
        .try_init();
    // Dependencies that log through the `log` crate are kept at `info` whatever the filter:
    // with a `debug` or `trace` directive anywhere in it, each of Cranelift's trace records
    // went through the filter, and compiling the guest in a fresh cache (the first hook,
    // `exomonad init`) took minutes instead of seconds.
    log::set_max_level(log::max_level().min(log::LevelFilter::Info));
    let span = tracing::info_span!("exomonad", cmd = command, pid = std::process::id()).entered();
    LogGuard {
        _span: span,
        file: file_path,
    }
}

/// Picks the log file: the project's `.exomonad/logs/exomonad.log`, else the user cache's
/// `exomonad/logs/exomonad.log` (a read-only checkout, for example).
fn open_log(project_dir: &Path) -> Option<PathBuf> {
    let in_project = crate::base::config::ensure_state_dir(project_dir).map(|d| d.join(LOG_DIR));
    let candidates = in_project.into_iter().chain(
        crate::base::paths::cache_dir()
            .ok()
            .map(|d| d.join(LOG_DIR)),
    );
    for dir in candidates {
        if std::fs::create_dir_all(&dir).is_ok() {
            return Some(dir.join("exomonad.log"));
        }
    }
    None
}

//! Logging for every command: to `<project>/.exomonad/logs/` (never to stdout, which is a
//! protocol channel for `hook` and `mcp-stdio`), and for interactive commands also warnings
//! and errors to stderr.
//!
//! Files: one per day (UTC), `exomonad.<YYYY-MM-DD>.log`, written by `tracing-appender`'s
//! rolling appender, which keeps the newest [`MAX_LOG_FILES`] and deletes older ones when a
//! process opens the log. `exomonad.log` beside them is a symlink to today's file, so the path
//! a person (or a test) looks at stays the same. Daily files need no renaming, so the many
//! hook processes of many agents can append to the same file at once (each line is one
//! `write` to a file opened with `O_APPEND`).
//!
//! Outside a project (no repository and no `.exomonad/config.toml` around the working
//! directory: a hook run in `$HOME`, say) nothing is created there; lines go to
//! `$XDG_CACHE_HOME/exomonad/logs/` instead. That is also the fallback when the project's
//! directory cannot be written.
//!
//! The filter comes from `$EXOMONAD_LOG` (`tracing` env-filter syntax), default `info`;
//! records of dependencies that use the `log` crate stop at `info`.
//! Each line carries the command and the process id.

use std::path::{Path, PathBuf};

use exomonad_protocol::names::{ENV_LOG, LOG_DIR};
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::Layer;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// How many daily log files are kept (today's included).
pub const MAX_LOG_FILES: usize = 7;

/// The stable name in the log directory: a symlink to today's file.
pub const LATEST_LOG: &str = "exomonad.log";

/// Keeps the process-wide span (command name and pid) entered while it lives.
pub struct LogGuard {
    _span: tracing::span::EnteredSpan,
    /// The log directory in use, if one could be opened.
    pub dir: Option<PathBuf>,
}

/// Sets up logging for `command`, in the project `project_dir` (`None`: not in a project).
/// When `stderr` is true, warnings and errors also go to stderr. Never fails: when no log file
/// can be opened, lines go nowhere (or only to stderr).
pub fn init(project_dir: Option<&Path>, command: &'static str, stderr: bool) -> LogGuard {
    let opened = open_log(project_dir);
    let filter = || EnvFilter::try_from_env(ENV_LOG).unwrap_or_else(|_| EnvFilter::new("info"));
    let dir = opened.as_ref().map(|(dir, _)| dir.clone());
    let file_layer = opened.map(|(_, appender)| {
        tracing_subscriber::fmt::layer()
            .with_writer(appender)
            .with_ansi(false)
            .with_filter(filter())
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
    LogGuard { _span: span, dir }
}

/// Picks the log directory and opens today's file in it: the project's
/// `.exomonad/logs/` (only for a project), else the user cache's `exomonad/logs/`.
fn open_log(project_dir: Option<&Path>) -> Option<(PathBuf, RollingFileAppender)> {
    let in_project = project_dir
        .and_then(|p| crate::base::config::ensure_state_dir(p).ok())
        .map(|d| d.join(LOG_DIR));
    let in_cache = crate::base::paths::cache_dir()
        .ok()
        .map(|d| d.join(LOG_DIR));
    in_project
        .into_iter()
        .chain(in_cache)
        .find_map(|dir| open_in(&dir).map(|a| (dir, a)))
}

/// Opens the daily appender in `dir` (created if needed), pruning files beyond
/// [`MAX_LOG_FILES`], and points [`LATEST_LOG`] at today's file. `None` when `dir` cannot be
/// created or written.
pub fn open_in(dir: &Path) -> Option<RollingFileAppender> {
    std::fs::create_dir_all(dir).ok()?;
    let appender = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix("exomonad")
        .filename_suffix("log")
        .max_log_files(MAX_LOG_FILES)
        .build(dir)
        .ok()?;
    point_latest(dir);
    Some(appender)
}

/// Makes `dir/exomonad.log` a symlink to today's file unless it already is one: a new link
/// renamed over the old name, so a concurrent reader or writer never finds the name missing.
/// A failure only costs the convenience name.
fn point_latest(dir: &Path) {
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .strftime("exomonad.%Y-%m-%d.log")
        .to_string();
    let latest = dir.join(LATEST_LOG);
    if std::fs::read_link(&latest).is_ok_and(|t| t == Path::new(&today)) {
        return;
    }
    let tmp = dir.join(format!(".{LATEST_LOG}.{}.tmp", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    if std::os::unix::fs::symlink(&today, &tmp).is_ok() && std::fs::rename(&tmp, &latest).is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    #[test]
    fn old_days_are_pruned_and_the_latest_name_follows_today() {
        let dir = tempfile::tempdir().unwrap();
        let logs = dir.path().join("logs");
        std::fs::create_dir_all(&logs).unwrap();
        for day in 1..=12 {
            std::fs::write(logs.join(format!("exomonad.2020-01-{day:02}.log")), "old\n").unwrap();
        }
        let appender = open_in(&logs).unwrap();
        let mut w = tracing_subscriber::fmt::MakeWriter::make_writer(&appender);
        w.write_all(b"today\n").unwrap();
        drop(w);
        let files: Vec<String> = std::fs::read_dir(&logs)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n != LATEST_LOG)
            .collect();
        assert_eq!(files.len(), MAX_LOG_FILES, "{files:?}");
        assert!(
            std::fs::symlink_metadata(logs.join(LATEST_LOG))
                .unwrap()
                .is_symlink()
        );
        assert_eq!(
            std::fs::read_to_string(logs.join(LATEST_LOG)).unwrap(),
            "today\n"
        );
        // Opening again leaves the link as it is.
        open_in(&logs).unwrap();
        assert_eq!(
            std::fs::read_to_string(logs.join(LATEST_LOG)).unwrap(),
            "today\n"
        );
    }
}

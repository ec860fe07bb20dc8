//! Child processes with a deadline: the one way the services run git, Zellij and `gh`.
//!
//! The pipes are fed and drained on their own threads while the child runs, so a child that
//! prints more than a pipe holds (64 KiB on Linux) never stalls waiting for us to read, and a
//! child that outlives `limit` is killed rather than waited for. A grandchild that keeps a
//! pipe open after the child exits (a daemon it started) costs at most [`DRAIN_GRACE`].

use std::io::{Read, Write};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use wait_timeout::ChildExt as _;

/// How long the output of an exited child is still read for, when something else holds its
/// pipes open.
pub const DRAIN_GRACE: Duration = Duration::from_millis(500);

/// What a child that exited within its limit printed.
#[derive(Debug)]
pub struct Finished {
    /// Its exit status.
    pub status: ExitStatus,
    /// stdout, decoded as UTF-8 with invalid bytes replaced (empty when not piped).
    pub stdout: String,
    /// stderr, the same way.
    pub stderr: String,
}

/// Why a child gave no [`Finished`].
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// It could not be started (not installed, not executable).
    #[error("{0}")]
    Spawn(#[source] std::io::Error),
    /// It was still running after `limit`, and was killed.
    #[error("did not finish within {limit:?}; killed it")]
    TimedOut {
        /// The limit it ran into.
        limit: Duration,
    },
}

/// Starts `cmd` with stdout and stderr piped and stdin fed from `stdin` (or closed), and
/// waits for it at most `limit`.
///
/// # Errors
/// [`ProcessError::Spawn`] when it cannot start, [`ProcessError::TimedOut`] when it outlives
/// `limit`. A non-zero exit is not an error here: it is in [`Finished::status`].
pub fn run(
    cmd: &mut Command,
    stdin: Option<Vec<u8>>,
    limit: Duration,
) -> Result<Finished, ProcessError> {
    let deadline = Instant::now() + limit;
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(ProcessError::Spawn)?;
    if let Some((mut pipe, bytes)) = child.stdin.take().zip(stdin) {
        // A child that exits without reading all of it gets EPIPE here, which is its business.
        thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        });
    }
    wait(child, deadline.saturating_duration_since(Instant::now()))
}

/// Waits at most `limit` for a started `child`, reading whatever of its stdout and stderr is
/// piped (and not yet taken) meanwhile; kills it on timeout.
///
/// # Errors
/// [`ProcessError::TimedOut`].
pub fn wait(mut child: Child, limit: Duration) -> Result<Finished, ProcessError> {
    let stdout = drain(child.stdout.take());
    let stderr = drain(child.stderr.take());
    let status = match child.wait_timeout(limit) {
        Ok(Some(status)) => status,
        Ok(None) | Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            return Err(ProcessError::TimedOut { limit });
        }
    };
    let until = Instant::now() + DRAIN_GRACE;
    Ok(Finished {
        status,
        stdout: stdout.collect(until),
        stderr: stderr.collect(until),
    })
}

/// A pipe being read on a thread of its own, chunk by chunk.
struct Draining(Option<mpsc::Receiver<Vec<u8>>>);

fn drain(pipe: Option<impl Read + Send + 'static>) -> Draining {
    Draining(pipe.map(|mut pipe| {
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut chunk = vec![0; 64 * 1024];
            loop {
                match pipe.read(&mut chunk) {
                    Ok(0) => break,
                    Ok(n) if tx.send(chunk[..n].to_vec()).is_ok() => {}
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    _ => break,
                }
            }
        });
        rx
    }))
}

impl Draining {
    /// Everything read until the pipe closed, or until `until` when something still holds
    /// it open (the thread is then left to end with the pipe).
    fn collect(self, until: Instant) -> String {
        let mut buf = Vec::new();
        if let Some(rx) = self.0 {
            while let Ok(chunk) = rx.recv_timeout(until.saturating_duration_since(Instant::now())) {
                buf.extend_from_slice(&chunk);
            }
        }
        String::from_utf8_lossy(&buf).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut cmd = Command::new("sh");
        cmd.args(["-c", script]);
        cmd
    }

    #[test]
    fn output_larger_than_a_pipe_does_not_stall_the_child() {
        // 1 MiB on stdout and 256 KiB on stderr, far beyond a pipe's 64 KiB.
        let done = run(
            &mut sh("head -c 1048576 /dev/zero; head -c 262144 /dev/zero >&2"),
            None,
            Duration::from_secs(20),
        )
        .unwrap();
        assert!(done.status.success());
        assert_eq!(done.stdout.len(), 1 << 20);
        assert_eq!(done.stderr.len(), 1 << 18);
    }

    #[test]
    fn stdin_is_fed_and_a_failure_keeps_its_output() {
        let done = run(
            &mut sh("cat; echo oops >&2; exit 3"),
            Some(b"hello\n".to_vec()),
            Duration::from_secs(20),
        )
        .unwrap();
        assert_eq!(done.status.code(), Some(3));
        assert_eq!(done.stdout, "hello\n");
        assert_eq!(done.stderr, "oops\n");
    }

    #[test]
    fn a_child_past_its_limit_is_killed() {
        let started = Instant::now();
        let err = run(&mut sh("sleep 30"), None, Duration::from_millis(200)).unwrap_err();
        assert!(matches!(err, ProcessError::TimedOut { .. }), "{err}");
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn a_grandchild_holding_the_pipe_does_not_hold_us() {
        // The shell exits at once; its background sleep keeps stdout open for 30 s.
        let started = Instant::now();
        let done = run(
            &mut sh("echo started; sleep 30 &"),
            None,
            Duration::from_secs(20),
        )
        .unwrap();
        assert!(done.status.success());
        assert_eq!(done.stdout, "started\n");
        assert!(started.elapsed() < Duration::from_secs(10));
    }

    #[test]
    fn a_missing_program_is_a_spawn_error() {
        let err = run(
            &mut Command::new("/nonexistent/exomonad-test-bin"),
            None,
            Duration::from_secs(5),
        )
        .unwrap_err();
        assert!(matches!(err, ProcessError::Spawn(_)), "{err}");
    }
}

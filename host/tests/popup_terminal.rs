//! `exomonad popup` outside Zellij, with a person at a terminal: the form is drawn in that
//! terminal (a real tmux pane) and answered with real keys; the reply goes to stdout.
//! Needs tmux (`apt-get install -y tmux`, or scripts/deps.sh).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

struct Tmux {
    socket: String,
}

impl Tmux {
    /// Starts `command` in a detached 100×30 tmux session on a private socket.
    fn start(name: &str, command: &str) -> Self {
        let ok = Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            ok,
            "tmux is missing: install it with `apt-get install -y tmux` (or run scripts/deps.sh)"
        );
        let socket = format!("exo-popup-{name}-{}", std::process::id());
        let st = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-s",
                "t",
                "-x",
                "100",
                "-y",
                "30",
                command,
            ])
            .status()
            .unwrap();
        assert!(st.success());
        Self { socket }
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket, "capture-pane", "-p", "-t", "t"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, args: &[&str]) {
        let st = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", "-t", "t"])
            .args(args)
            .status()
            .unwrap();
        assert!(st.success());
    }

    fn wait_for(&self, what: impl Fn(&str) -> bool, limit: Duration) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if what(&screen) {
                return screen;
            }
            assert!(start.elapsed() < limit, "timed out; screen:\n{screen}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

/// The shell command that runs `exomonad popup` with no Zellij around, writing stdout to
/// `out.json` and the exit code to `rc` in `dir`.
fn popup_command(dir: &Path, extra: &str) -> String {
    let form = r#"{"id":"t1","title":"Terminal question","agent_id":"alpha","fields":[{"name":"note","label":"Note","kind":"text"}]}"#;
    std::fs::write(dir.join("form.json"), form).unwrap();
    format!(
        "cd '{d}' && env -u ZELLIJ -u ZELLIJ_SESSION_NAME -u EXOMONAD_SESSION HOME='{d}' XDG_CACHE_HOME='{d}/cache' XDG_DATA_HOME='{d}/data' '{exe}' popup --form form.json {extra} > out.json; echo $? > rc; sleep 60",
        d = dir.display(),
        exe = env!("CARGO_BIN_EXE_exomonad"),
    )
}

fn wait_for_file(path: &Path, limit: Duration) -> String {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Ok(s) = std::fs::read_to_string(path)
            && s.ends_with('\n')
        {
            return s;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{} did not appear", path.display());
}

#[test]
fn the_form_is_answered_in_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let tmux = Tmux::start("answer", &popup_command(dir.path(), "--timeout 60"));
    tmux.wait_for(
        |s| s.contains("Terminal question") && s.contains("Note"),
        Duration::from_secs(30),
    );
    tmux.keys(&["-l", "hello \"wörld\" ✓"]);
    tmux.wait_for(|s| s.contains("wörld"), Duration::from_secs(10));
    tmux.keys(&["Enter"]);
    let rc = wait_for_file(&dir.path().join("rc"), Duration::from_secs(10));
    let out: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out.json")).unwrap())
            .unwrap();
    assert_eq!(
        out,
        serde_json::json!({"status": "submitted", "id": "t1", "values": {"note": "hello \"wörld\" ✓"}})
    );
    assert_eq!(rc.trim(), "0");
}

#[test]
fn an_unanswered_terminal_form_times_out() {
    let dir = tempfile::tempdir().unwrap();
    let tmux = Tmux::start("timeout", &popup_command(dir.path(), "--timeout 2"));
    tmux.wait_for(|s| s.contains("Terminal question"), Duration::from_secs(30));
    let rc = wait_for_file(&dir.path().join("rc"), Duration::from_secs(15));
    let out = std::fs::read_to_string(dir.path().join("out.json")).unwrap();
    assert_eq!(out.trim(), r#"{"status":"timed_out","id":"t1"}"#);
    assert_eq!(rc.trim(), "3");
}

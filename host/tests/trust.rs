//! Trust for a project's config (`exomonad trust`), through the real binary: the keys that run
//! code or send credentials count only after the person trusted the exact file; an edit
//! makes it untrusted again; hooks never block over it, they go on with the defaults and log.

mod common;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::{fixture, repo};
use serde_json::Value;

/// Runs `exomonad <args>` in `dir` with `stdin`, the isolated home `home` (config, data,
/// cache) and no Zellij around, as a worker (so that a dirty Stop is blocked).
fn exomonad(home: &Path, dir: &Path, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_exomonad"))
        .args(args)
        .current_dir(dir)
        .env("HOME", home)
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("EXOMONAD_ROLE", "worker")
        .env("EXOMONAD_AGENT_ID", "alpha")
        .env_remove("ZELLIJ")
        .env_remove("ZELLIJ_SESSION_NAME")
        .env_remove("EXOMONAD_SESSION")
        .env_remove("EXOMONAD_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

fn stop(home: &Path, dir: &Path) -> Value {
    let out = exomonad(home, dir, &["hook", "Stop"], &fixture("stop"));
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn log(dir: &Path) -> String {
    std::fs::read_to_string(dir.join(".exomonad/logs/exomonad.log")).unwrap()
}

#[test]
fn guarded_keys_count_only_for_the_trusted_file() {
    let home = tempfile::tempdir().unwrap();
    let r = repo();
    let p = r.path();
    std::fs::write(p.join("notes.txt"), "uncommitted\n").unwrap();
    std::fs::create_dir_all(p.join(".exomonad")).unwrap();
    let config = p.join(".exomonad/config.toml");
    // A guest that does not load: honoured, the hook fails open (`{}`); ignored, the embedded
    // guest blocks the dirty Stop.
    std::fs::write(&config, "guest = \"missing.wasm\"\nsession = \"x\"\n").unwrap();

    let answer = stop(home.path(), p);
    assert_eq!(answer["decision"], "block", "{answer}");
    let text = log(p);
    assert!(
        text.contains("ignoring guest in") && text.contains("run `exomonad trust`"),
        "{text}"
    );

    // An interactive command says it on stderr, once.
    let out = exomonad(
        home.path(),
        p,
        &["popup", "--form", "/nonexistent.json"],
        "",
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.matches("`exomonad trust`").count(), 1, "{err}");
    assert!(err.contains("ignoring guest in"), "{err}");

    let out = exomonad(home.path(), p, &["trust"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("guest = \"missing.wasm\""), "{said}");
    assert!(said.contains("config.toml"), "{said}");
    let records = std::fs::read_dir(home.path().join("data/exomonad/trust")).unwrap();
    assert_eq!(records.count(), 1);

    // Trusted: the file's guest is used (and fails to load: the hook fails open).
    assert_eq!(stop(home.path(), p), serde_json::json!({}));
    assert!(log(p).contains("missing.wasm"));

    // Edited: untrusted again.
    let edited = std::fs::read_to_string(&config).unwrap() + "# edited\n";
    std::fs::write(&config, edited).unwrap();
    assert_eq!(stop(home.path(), p)["decision"], "block");

    // Trusted again, then revoked.
    assert!(exomonad(home.path(), p, &["trust"], "").status.success());
    assert_eq!(stop(home.path(), p), serde_json::json!({}));
    let out = exomonad(home.path(), p, &["trust", "--revoke"], "");
    assert!(String::from_utf8_lossy(&out.stdout).contains("no longer trusted"));
    assert_eq!(stop(home.path(), p)["decision"], "block");
}

#[test]
fn the_users_own_config_is_always_trusted() {
    let home = tempfile::tempdir().unwrap();
    let r = repo();
    let p = r.path();
    std::fs::write(p.join("notes.txt"), "uncommitted\n").unwrap();
    let user = home.path().join("config/exomonad");
    std::fs::create_dir_all(&user).unwrap();
    std::fs::write(user.join("config.toml"), "guest = \"/missing/user.wasm\"\n").unwrap();
    // No project file at all: the user's guest is used without asking.
    assert_eq!(stop(home.path(), p), serde_json::json!({}));
    assert!(log(p).contains("/missing/user.wasm"));
    // A project file overrides it key by key: `embedded` from a trusted project file.
    std::fs::create_dir_all(p.join(".exomonad")).unwrap();
    std::fs::write(p.join(".exomonad/config.toml"), "guest = \"embedded\"\n").unwrap();
    // Untrusted: the user's value stays.
    assert_eq!(stop(home.path(), p), serde_json::json!({}));
    assert!(exomonad(home.path(), p, &["trust"], "").status.success());
    assert_eq!(stop(home.path(), p)["decision"], "block");
}

#[test]
fn a_file_without_guarded_keys_needs_no_trust() {
    let home = tempfile::tempdir().unwrap();
    let r = repo();
    let p = r.path();
    std::fs::create_dir_all(p.join(".exomonad")).unwrap();
    std::fs::write(p.join(".exomonad/config.toml"), "session = \"x\"\n").unwrap();
    let out = exomonad(
        home.path(),
        p,
        &["popup", "--form", "/nonexistent.json"],
        "",
    );
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("exomonad trust"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        exomonad::base::trust::project_trust(p),
        exomonad::base::trust::TrustState::NothingToTrust
    );
}

//! `exomonad init` as a person runs it, with a stand-in `zellij` (`EXOMONAD_ZELLIJ_BIN`) that
//! records its arguments and starts nothing: the files the lead pane needs are written before
//! Zellij starts, whatever `lead_command` says.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

fn exomonad(home: &Path, zellij: &Path, dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_exomonad"))
        .args(args)
        .current_dir(dir)
        .env("HOME", home)
        .env("XDG_CACHE_HOME", home.join("cache"))
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("EXOMONAD_ZELLIJ_BIN", zellij)
        .env_remove("ZELLIJ")
        .env_remove("ZELLIJ_SESSION_NAME")
        .env_remove("EXOMONAD_SESSION")
        .output()
        .unwrap()
}

#[test]
fn init_writes_the_leads_files_when_lead_command_points_at_them() {
    let home = tempfile::tempdir().unwrap();
    let zellij = home.path().join("zellij");
    std::fs::write(
        &zellij,
        format!(
            "#!/bin/sh\necho \"$*\" >> '{}'\nexit 0\n",
            home.path().join("calls.log").display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&zellij, std::fs::Permissions::from_mode(0o755)).unwrap();
    let r = common::repo();
    let p = r.path();
    std::fs::create_dir_all(p.join(".exomonad")).unwrap();
    // The README's own example.
    std::fs::write(
        p.join(".exomonad/config.toml"),
        "lead_command = \"claude --settings .exomonad/claude-settings.json --mcp-config=.exomonad/mcp.json\"\n",
    )
    .unwrap();
    let trust = exomonad(home.path(), &zellij, p, &["trust"]);
    assert!(trust.status.success(), "{trust:?}");

    let out = exomonad(home.path(), &zellij, p, &["init", "--session", "t"]);
    assert!(out.status.success(), "{out:?}");
    let calls = std::fs::read_to_string(home.path().join("calls.log")).unwrap();
    assert!(calls.contains("--new-session-with-layout"), "{calls}");

    let settings: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(p.join(".exomonad/claude-settings.json")).unwrap(),
    )
    .unwrap();
    assert!(settings["hooks"]["PreToolUse"].is_array(), "{settings}");
    let mcp: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p.join(".exomonad/mcp.json")).unwrap())
            .unwrap();
    assert_eq!(
        mcp["mcpServers"]["exomonad"]["args"][0], "mcp-stdio",
        "{mcp}"
    );
    // And the layout runs the configured command.
    let layout = std::fs::read_to_string(p.join(".exomonad/layouts/exomonad-session.kdl")).unwrap();
    assert!(
        layout.contains(".exomonad/claude-settings.json"),
        "{layout}"
    );
}

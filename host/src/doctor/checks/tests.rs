//! Each check against healthy facts, then against the broken set-ups it must diagnose.

use std::path::PathBuf;

use exomonad_protocol::agents::AgentKind;
use serde_json::json;

use super::*;
use crate::doctor::Program;
use crate::services::github::TokenCheck;
use crate::wiring::{claude_settings, mcp_servers};

const EXE: &str = "/opt/bin/exomonad";
const WASM: &str = "/home/u/.local/share/exomonad/plugins/exomonad-dashboard.wasm";

fn found(name: &str, version: &str) -> Program {
    Program {
        name: name.into(),
        path: Some(PathBuf::from(format!("/usr/bin/{name}"))),
        version: Ok(version.into()),
    }
}

fn healthy() -> Facts {
    Facts {
        trust: crate::base::trust::TrustState::NothingToTrust,
        project_dir: "/src/proj".into(),
        exe: Some(EXE.into()),
        zellij: found("zellij", "zellij 0.45.1"),
        session: "proj".into(),
        session_state: SessionState::Live,
        plugin: Ok(WASM.into()),
        permissions_file: Some("/home/u/.cache/zellij/permissions.kdl".into()),
        granted: Granted::Permissions(
            DASHBOARD_PERMISSIONS
                .iter()
                .map(|p| p.to_string())
                .collect(),
        ),
        dashboard: Some(Ok(2)),
        lead_command: None,
        agents: vec![
            AgentProgram {
                role: "lead",
                kind: AgentKind::Claude,
                source: "the default lead".into(),
                program: found("claude", "2.1.3 (Claude Code)"),
            },
            AgentProgram {
                role: "workers",
                kind: AgentKind::Claude,
                source: "the default worker".into(),
                program: found("claude", "2.1.3 (Claude Code)"),
            },
        ],
        hook_settings: (
            "/src/proj/.exomonad/claude-settings.json".into(),
            JsonFile::Json(claude_settings(EXE)),
        ),
        mcp_config: (
            "/src/proj/.exomonad/mcp.json".into(),
            JsonFile::Json(json!({ "mcpServers": mcp_servers(EXE, Default::default()) })),
        ),
        github_host: "github.com".into(),
        github: Ok(TokenCheck {
            origin: "GH_TOKEN".into(),
            remaining: 4999,
            limit: 5000,
        }),
        origin: Ok(Some("git@github.com:octocat/Hello-World.git".into())),
        free_bytes: Ok(50 << 30),
    }
}

fn status(check: Check, f: &Facts) -> Status {
    check(f).status
}

#[test]
fn a_healthy_set_up_passes_every_check() {
    let f = healthy();
    for check in CHECKS {
        let finding = check(&f);
        assert_eq!(finding.status, Status::Ok, "{finding:?}");
        assert_eq!(finding.fix, None);
    }
    assert!(!blocks(&CHECKS.iter().map(|c| c(&f)).collect::<Vec<_>>()));
}

#[test]
fn zellij_missing_older_same_newer() {
    let mut f = healthy();
    f.zellij.path = None;
    let finding = zellij(&f);
    assert_eq!(finding.status, Status::Fail);
    assert!(finding.fix.unwrap().contains("0.45.1"));
    for (version, want) in [
        ("zellij 0.44.3", Status::Fail),
        ("zellij 0.45.0", Status::Fail),
        ("zellij 0.45.1", Status::Ok),
        ("zellij 0.45.2", Status::Warn),
        ("zellij 0.46.0", Status::Warn),
        ("something else", Status::Warn),
    ] {
        let mut f = healthy();
        f.zellij.version = Ok(version.into());
        assert_eq!(status(zellij, &f), want, "{version}");
    }
}

#[test]
fn no_permission_is_diagnosed_with_the_grant_as_fix() {
    for granted in [
        Granted::NoFile,
        Granted::NoEntry,
        Granted::Permissions(vec!["ReadApplicationState".into()]),
    ] {
        let mut f = healthy();
        f.granted = granted.clone();
        let finding = dashboard_permissions(&f);
        assert_eq!(finding.status, Status::Fail, "{granted:?}");
        assert!(finding.fix.unwrap().contains("answer `y`"), "{granted:?}");
    }
    let mut f = healthy();
    f.granted = Granted::Permissions(vec!["ReadApplicationState".into()]);
    assert!(dashboard_permissions(&f).summary.contains("ReadCliPipes"));
}

#[test]
fn a_silent_dashboard_fails_and_a_stopped_session_warns() {
    let mut f = healthy();
    f.dashboard = Some(Err("no answer within 5s".into()));
    assert_eq!(status(dashboard, &f), Status::Fail);
    f.session_state = SessionState::Missing;
    f.dashboard = None;
    let finding = dashboard(&f);
    assert_eq!(finding.status, Status::Warn);
    assert!(finding.fix.unwrap().contains("exomonad init"));
    f.session_state = SessionState::Exited;
    assert_eq!(status(dashboard, &f), Status::Warn);
}

#[test]
fn a_missing_agent_fails_with_its_install_command() {
    let mut f = healthy();
    f.agents[1].kind = AgentKind::Gemini;
    f.agents[1].program = Program {
        name: "gemini".into(),
        path: None,
        version: Err("not on PATH".into()),
    };
    let finding = worker_agent(&f);
    assert_eq!(finding.status, Status::Fail);
    assert_eq!(
        finding.fix.as_deref(),
        Some("npm install -g @google/gemini-cli")
    );
    assert_eq!(status(lead_agent, &f), Status::Ok);
}

#[test]
fn no_hooks_or_hooks_to_another_binary_fail() {
    let mut f = healthy();
    f.hook_settings.1 = JsonFile::Missing;
    let finding = hook_settings(&f);
    assert_eq!(finding.status, Status::Fail);
    assert!(finding.fix.unwrap().contains("exomonad init"));

    let mut f = healthy();
    f.hook_settings.1 = JsonFile::Json(claude_settings("/old/target/debug/exomonad"));
    let finding = hook_settings(&f);
    assert_eq!(finding.status, Status::Fail);
    assert!(
        finding.summary.contains("/old/target/debug/exomonad"),
        "{finding:?}"
    );

    let mut f = healthy();
    let mut partial = claude_settings(EXE);
    partial["hooks"].as_object_mut().unwrap().remove("Stop");
    f.hook_settings.1 = JsonFile::Json(partial);
    assert!(hook_settings(&f).summary.contains("Stop"));

    // Without Claude Code, `init` writes no wiring: the fix says to install it first.
    let mut f = healthy();
    f.hook_settings.1 = JsonFile::Missing;
    f.agents[0].program.path = None;
    assert!(
        hook_settings(&f)
            .fix
            .unwrap()
            .starts_with("install the lead's agent first")
    );

    // A custom lead command wires the lead itself.
    let mut f = healthy();
    f.hook_settings.1 = JsonFile::Missing;
    f.mcp_config.1 = JsonFile::Missing;
    f.lead_command = Some("my-agent".into());
    assert_eq!(status(hook_settings, &f), Status::Ok);
    assert_eq!(status(mcp_config, &f), Status::Ok);
}

#[test]
fn an_mcp_config_for_another_binary_fails() {
    let mut f = healthy();
    f.mcp_config.1 = JsonFile::Json(
        json!({ "mcpServers": mcp_servers("/elsewhere/exomonad", Default::default()) }),
    );
    assert_eq!(status(mcp_config, &f), Status::Fail);
    f.mcp_config.1 = JsonFile::Invalid("expected value at line 1".into());
    assert_eq!(status(mcp_config, &f), Status::Fail);
}

#[test]
fn no_token_and_a_rejected_token_fail_without_showing_it() {
    let mut f = healthy();
    f.github = Err(GitHubError::NoToken {
        host: "github.com".into(),
        vars: crate::services::github::TOKEN_VARS,
        detail: "`gh` is not on PATH".into(),
    });
    let finding = github_token(&f);
    assert_eq!(finding.status, Status::Fail);
    assert!(finding.fix.unwrap().contains("GH_TOKEN"));
    f.github = Err(GitHubError::Unauthorized {
        host: "github.com".into(),
        message: "Bad credentials".into(),
    });
    let finding = github_token(&f);
    assert_eq!(finding.status, Status::Fail);
    assert!(finding.summary.contains("rejected"), "{finding:?}");
}

#[test]
fn no_origin_or_a_non_github_origin_fails() {
    let mut f = healthy();
    f.origin = Ok(None);
    let finding = origin(&f);
    assert_eq!(finding.status, Status::Fail);
    assert!(finding.fix.unwrap().starts_with("git remote add origin"));
    f.origin = Ok(Some("/srv/git/proj.git".into()));
    assert_eq!(status(origin, &f), Status::Fail);
    f.origin = Err("not a git repository".into());
    assert_eq!(status(origin, &f), Status::Fail);
}

#[test]
fn little_disk_warns_and_almost_none_fails() {
    let mut f = healthy();
    f.free_bytes = Ok(3 << 30);
    assert_eq!(status(disk, &f), Status::Warn);
    f.free_bytes = Ok(100 << 20);
    assert_eq!(status(disk, &f), Status::Fail);
}

#[test]
fn an_untrusted_config_warns_and_names_its_keys() {
    use crate::base::trust::TrustState;
    let mut f = healthy();
    assert_eq!(status(trust, &f), Status::Ok);
    f.trust = TrustState::Untrusted {
        file: "/src/proj/.exomonad/config.toml".into(),
        keys: vec!["lead_command", "guest"],
    };
    let finding = trust(&f);
    assert_eq!(finding.status, Status::Warn);
    assert!(
        finding.summary.contains("lead_command, guest"),
        "{finding:?}"
    );
    assert!(finding.fix.unwrap().contains("exomonad trust"));
}

#[test]
fn an_agent_that_tells_no_version_warns() {
    let mut f = healthy();
    let workers = f.agents.iter_mut().find(|a| a.role == "workers").unwrap();
    workers.program.version = Err("`--version` failed (exit status: 2)".into());
    assert_eq!(status(worker_agent, &f), Status::Warn);
}

//! `exomonad doctor` as a person runs it, in a project set up right, then broken one way at
//! a time: it must name each problem (no permission, no hooks, a token the GitHub mock
//! rejects, no `origin`), give its fix, and exit 1; the healthy set-up exits 0. Real parts:
//! the binary as a process, a real git repository, the real Zellij (on an empty socket
//! directory: no session runs), GitHub served by wiremock.

mod common;
#[path = "support/github_mock.rs"]
mod github_mock;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use exomonad::wiring::{claude_settings, mcp_servers};
use exomonad_protocol::names::DASHBOARD_PERMISSIONS;
use github_mock::{TOKEN, json};
use serde_json::Value;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const EXE: &str = env!("CARGO_BIN_EXE_exomonad");

/// A project with everything a working set-up needs, in its own home, and the GitHub mock.
struct SetUp {
    project: tempfile::TempDir,
    home: tempfile::TempDir,
    socket_dir: tempfile::TempDir,
    rt: tokio::runtime::Runtime,
    github: MockServer,
    token: String,
}

impl SetUp {
    fn healthy() -> Self {
        let project = common::repo();
        common::git(
            project.path(),
            &[
                "remote",
                "add",
                "origin",
                "https://github.com/octocat/Hello-World.git",
            ],
        );
        let home = tempfile::tempdir().unwrap();
        // Zellij's socket path must stay under 108 bytes: a short directory in /tmp.
        let socket_dir = tempfile::Builder::new()
            .prefix("exd-")
            .tempdir_in("/tmp")
            .unwrap();
        let rt = github_mock::runtime();
        let github = rt.block_on(MockServer::start());
        rt.block_on(async {
            Mock::given(method("GET"))
                .and(path("/rate_limit"))
                .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
                .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
                    "resources": {"core": {"limit": 5000, "remaining": 4999, "used": 1, "reset": 1_700_000_000}},
                    "rate": {"limit": 5000, "remaining": 4999, "used": 1, "reset": 1_700_000_000}
                })))
                .with_priority(1)
                .mount(&github)
                .await;
            Mock::given(method("GET"))
                .respond_with(json(401, "bad_credentials.json"))
                .with_priority(5)
                .mount(&github)
                .await;
        });
        let s = SetUp {
            project,
            home,
            socket_dir,
            rt,
            github,
            token: TOKEN.to_owned(),
        };
        // An agent runtime on PATH: a stand-in that answers `--version` as Claude Code does.
        let bin = s.bin_dir();
        std::fs::create_dir_all(&bin).unwrap();
        let claude = bin.join("claude");
        std::fs::write(&claude, "#!/bin/sh\necho '2.1.329 (Claude Code)'\n").unwrap();
        std::fs::set_permissions(&claude, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        // What `exomonad init` writes, pointing at this binary.
        let state = s.project.path().join(".exomonad");
        std::fs::create_dir_all(&state).unwrap();
        let exe = std::fs::canonicalize(EXE).unwrap();
        let exe = exe.to_str().unwrap();
        std::fs::write(
            state.join("claude-settings.json"),
            claude_settings(exe).to_string(),
        )
        .unwrap();
        let mcp = serde_json::json!({ "mcpServers": mcp_servers(exe, Default::default()) });
        std::fs::write(state.join("mcp.json"), mcp.to_string()).unwrap();
        // What Zellij writes once the person answered `y` to the dashboard's prompt.
        s.grant(DASHBOARD_PERMISSIONS);
        s
    }

    fn bin_dir(&self) -> PathBuf {
        self.home.path().join("bin")
    }

    fn plugin_path(&self) -> PathBuf {
        self.home
            .path()
            .join("data/exomonad/plugins/exomonad-dashboard.wasm")
    }

    fn permissions_file(&self) -> PathBuf {
        self.home.path().join("cache/zellij/permissions.kdl")
    }

    fn grant(&self, permissions: &[&str]) {
        let file = self.permissions_file();
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        let mut kdl = format!("{:?} {{\n", self.plugin_path().to_string_lossy());
        for p in permissions {
            kdl.push_str(&format!("    {p}\n"));
        }
        kdl.push_str("}\n");
        std::fs::write(file, kdl).unwrap();
    }

    fn doctor(&self, args: &[&str]) -> Output {
        let mut all = vec!["doctor"];
        all.extend_from_slice(args);
        self.run_exomonad(&all)
    }

    /// `exomonad ARGS` in the project, in this set-up's environment; the token never printed.
    fn run_exomonad(&self, args: &[&str]) -> Output {
        let path = std::env::join_paths(std::iter::once(self.bin_dir()).chain(
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
        ))
        .unwrap();
        let home = self.home.path();
        let mut cmd = Command::new(EXE);
        cmd.args(args)
            .current_dir(self.project.path())
            .env("PATH", path)
            .env("HOME", home)
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("ZELLIJ_SOCKET_DIR", self.socket_dir.path())
            .env("EXOMONAD_GITHUB_API_URL", self.github.uri())
            // The mock is not github.com: the enterprise token (`gh`'s rule).
            .env("GH_ENTERPRISE_TOKEN", &self.token)
            .env_remove("GITHUB_TOKEN")
            .env_remove("GH_TOKEN")
            .env_remove("ZELLIJ")
            .env_remove("ZELLIJ_SESSION_NAME")
            .env_remove("EXOMONAD_SESSION")
            .env_remove("EXOMONAD_ZELLIJ_BIN")
            .stdin(Stdio::null());
        let out = cmd.output().unwrap();
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!all.contains(TOKEN), "the token leaked: {all}");
        out
    }

    /// `doctor --json`: the exit code and each check's JSON by id.
    fn report(&self) -> (i32, Vec<Value>) {
        let out = self.doctor(&["--json"]);
        let report: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "doctor --json printed no JSON ({e}): {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        });
        assert_eq!(
            report["ok"].as_bool(),
            Some(out.status.code() == Some(0)),
            "{report:#}"
        );
        (
            out.status.code().unwrap(),
            report["checks"].as_array().unwrap().clone(),
        )
    }
}

fn check<'a>(checks: &'a [Value], id: &str) -> &'a Value {
    checks
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no check {id} in {checks:#?}"))
}

fn failed(checks: &[Value]) -> Vec<&str> {
    checks
        .iter()
        .filter(|c| c["status"] == "fail")
        .map(|c| c["id"].as_str().unwrap())
        .collect()
}

fn fix(c: &Value) -> &str {
    c["fix"]
        .as_str()
        .unwrap_or_else(|| panic!("no fix in {c:#}"))
}

#[test]
fn a_healthy_set_up_passes() {
    let s = SetUp::healthy();
    let (code, checks) = s.report();
    assert_eq!(failed(&checks), Vec::<&str>::new(), "{checks:#?}");
    assert_eq!(code, 0);
    assert_eq!(check(&checks, "zellij")["status"], "ok", "{checks:#?}");
    assert!(
        check(&checks, "github-token")["summary"]
            .as_str()
            .unwrap()
            .contains("4999 of 5000")
    );
    assert!(
        check(&checks, "origin")["summary"]
            .as_str()
            .unwrap()
            .contains("octocat/Hello-World")
    );
    // No session runs in this test's Zellij: said, not blocking.
    let dashboard = check(&checks, "dashboard");
    assert_eq!(dashboard["status"], "warn", "{dashboard:#}");
    assert!(fix(dashboard).contains("exomonad init"));

    let out = s.doctor(&[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("nothing blocks exomonad"), "{text}");
    assert!(
        text.lines().any(|l| l.starts_with("ok    zellij")),
        "{text}"
    );
}

#[test]
fn no_permission() {
    let s = SetUp::healthy();
    std::fs::remove_file(s.permissions_file()).unwrap();
    let (code, checks) = s.report();
    assert_eq!(failed(&checks), ["dashboard-permissions"]);
    assert_eq!(code, 1);
    assert!(fix(check(&checks, "dashboard-permissions")).contains("answer `y`"));

    // Granted once, by an older dashboard that asked for less.
    s.grant(&DASHBOARD_PERMISSIONS[..2]);
    let (_, checks) = s.report();
    let c = check(&checks, "dashboard-permissions");
    assert_eq!(c["status"], "fail");
    assert!(
        c["summary"].as_str().unwrap().contains("ReadCliPipes"),
        "{c:#}"
    );

    let out = s.doctor(&[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("FAIL  dashboard-permissions"), "{text}");
    assert!(text.contains("fix: delete the entry"), "{text}");
    assert!(text.contains("1 problem blocks exomonad"), "{text}");
}

#[test]
fn no_hooks() {
    let s = SetUp::healthy();
    let state = s.project.path().join(".exomonad");
    std::fs::remove_file(state.join("claude-settings.json")).unwrap();
    let (code, checks) = s.report();
    assert_eq!(failed(&checks), ["hook-settings"]);
    assert_eq!(code, 1);
    assert!(fix(check(&checks, "hook-settings")).contains("exomonad init"));

    // Written by another exomonad (an old build): the hooks go there, not here.
    std::fs::write(
        state.join("claude-settings.json"),
        claude_settings("/old/build/exomonad").to_string(),
    )
    .unwrap();
    let (_, checks) = s.report();
    let c = check(&checks, "hook-settings");
    assert_eq!(c["status"], "fail");
    assert!(
        c["summary"]
            .as_str()
            .unwrap()
            .contains("/old/build/exomonad")
    );
}

#[test]
fn bad_token() {
    let mut s = SetUp::healthy();
    s.token = "ghp_notAcceptedByTheMock".to_owned();
    let (code, checks) = s.report();
    assert_eq!(failed(&checks), ["github-token"]);
    assert_eq!(code, 1);
    let c = check(&checks, "github-token");
    assert!(c["summary"].as_str().unwrap().contains("rejected"), "{c:#}");
    assert!(fix(c).contains("GH_ENTERPRISE_TOKEN"), "{c:#}");
    let out = s.doctor(&[]);
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&s.token));
    // The mock was asked once per run, with the token as a bearer token.
    let asked = s.rt.block_on(s.github.received_requests()).unwrap();
    assert!(asked.iter().all(|r| r.url.path() == "/rate_limit"));
}

#[test]
fn no_origin() {
    let s = SetUp::healthy();
    common::git(s.project.path(), &["remote", "remove", "origin"]);
    let (code, checks) = s.report();
    assert_eq!(failed(&checks), ["origin"]);
    assert_eq!(code, 1);
    assert!(fix(check(&checks, "origin")).starts_with("git remote add origin"));
}

#[test]
fn untrusted() {
    let s = SetUp::healthy();
    let config = s.project.path().join(".exomonad/config.toml");
    std::fs::write(&config, "worker_command = \"claude --model opus\"\n").unwrap();
    let (code, checks) = s.report();
    let c = check(&checks, "trust");
    assert_eq!(c["status"], "warn", "{c:#}");
    assert!(
        c["summary"].as_str().unwrap().contains("worker_command"),
        "{c:#}"
    );
    assert_eq!(
        fix(c),
        "review .exomonad/config.toml, then run `exomonad trust` in the project"
    );
    assert_eq!(
        code, 0,
        "an untrusted file does not block: its keys fall back to the defaults"
    );
    let trusted = s.run_exomonad(&["trust"]);
    assert!(trusted.status.success(), "{trusted:?}");
    let (_, checks) = s.report();
    let c = check(&checks, "trust");
    assert_eq!(c["status"], "ok", "{c:#}");
    std::fs::write(&config, "worker_command = \"claude --model haiku\"\n").unwrap();
    let (_, checks) = s.report();
    assert_eq!(
        check(&checks, "trust")["status"],
        "warn",
        "an edit needs trust again"
    );
}

#[test]
fn no_agent_on_path() {
    let s = SetUp::healthy();
    std::fs::remove_file(s.bin_dir().join("claude")).unwrap();
    let (code, checks) = s.report();
    // The real PATH may hold a real `claude`: only where it does not is this a failure.
    if which_on_path("claude").is_none() {
        assert_eq!(failed(&checks), ["lead-agent", "worker-agent"]);
        assert_eq!(code, 1);
        assert!(fix(check(&checks, "lead-agent")).contains("@anthropic-ai/claude-code"));
    }
}

fn which_on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join(name))
        .find(|p| Path::new(p).is_file())
}

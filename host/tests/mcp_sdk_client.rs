//! `exomonad mcp-stdio` driven by a client we did not write: the official MCP TypeScript SDK
//! (`@modelcontextprotocol/sdk`, installed from npm by scripts/deps.sh into
//! tests/mcp-client). The client script (tests/mcp-client/check.mjs) lists the tools, calls
//! each one and checks results and errors; this test builds the project it expects (a real
//! git repository with worktrees) and a local GitHub (wiremock), and runs it.

use std::path::{Path, PathBuf};
use std::process::Command;

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer};

mod common;
#[path = "support/github_mock.rs"]
mod github_mock;
use common::{git, init_repo};
use github_mock::{TOKEN, json, mount_two_pages, runtime};

/// The client package folder; fails with how to install it when it is missing.
pub fn client_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/mcp-client");
    let sdk = dir.join("node_modules/@modelcontextprotocol/sdk/package.json");
    assert!(
        Command::new("node").arg("--version").output().is_ok(),
        "node is not installed: install Node.js 20+ (Debian: apt-get install nodejs npm), then run scripts/deps.sh"
    );
    assert!(
        sdk.is_file(),
        "the MCP TypeScript SDK is not installed: run scripts/deps.sh (or `npm ci` in {})",
        dir.display()
    );
    dir
}

/// The project check.mjs expects (see its header), inside a temporary directory that also
/// holds `secret.txt` beside the project.
pub fn project() -> (tempfile::TempDir, PathBuf) {
    let outer = tempfile::tempdir().unwrap();
    let p = outer.path().join("proj");
    std::fs::create_dir(&p).unwrap();
    init_repo(&p);
    git(
        &p,
        &[
            "remote",
            "add",
            "origin",
            "https://github.com/octocat/Hello-World.git",
        ],
    );
    std::fs::write(p.join("README"), "hi\n").unwrap();
    git(&p, &["add", "."]);
    git(&p, &["commit", "-qm", "first"]);
    std::fs::create_dir(p.join("src")).unwrap();
    std::fs::write(p.join("src/lib.rs"), "// one\n// two\n// three\n").unwrap();
    std::fs::write(p.join("blob.bin"), b"\x7fELF\x02\x01\x01\0\0\0").unwrap();
    std::fs::write(p.join(".gitignore"), "wt/\ndetached/\n").unwrap();
    git(&p, &["add", "."]);
    git(&p, &["commit", "-qm", "add lib"]);
    git(&p, &["worktree", "add", "-q", "-b", "feature", "wt"]);
    git(
        &p,
        &["worktree", "add", "-q", "--detach", "detached", "HEAD~1"],
    );
    std::fs::write(p.join("notes.txt"), "draft\n").unwrap();
    std::fs::write(outer.path().join("secret.txt"), "s3cret\n").unwrap();
    (outer, p)
}

/// A local GitHub with the issues (two pages, pull requests mixed in), one issue, a 404 and
/// the pull requests of octocat/Hello-World.
pub fn github(rt: &tokio::runtime::Runtime) -> MockServer {
    let server = rt.block_on(MockServer::start());
    mount_two_pages(rt, &server, "");
    rt.block_on(async {
        let repo = "/repos/octocat/Hello-World";
        Mock::given(method("GET"))
            .and(path(format!("{repo}/issues/1347")))
            .respond_with(json(200, "issue_1347.json"))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(format!("{repo}/issues/9999")))
            .respond_with(json(404, "not_found.json"))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(format!("{repo}/pulls")))
            .respond_with(json(200, "pulls.json"))
            .mount(&server)
            .await;
    });
    server
}

#[test]
fn the_typescript_sdk_client_lists_and_calls_every_tool() {
    let client = client_dir();
    let (_outer, project) = project();
    let rt = runtime();
    let server = github(&rt);
    let home = tempfile::tempdir().unwrap();
    let out = Command::new("node")
        .arg(client.join("check.mjs"))
        .arg("check")
        .env("EXOMONAD_BIN", env!("CARGO_BIN_EXE_exomonad"))
        .env("MCP_PROJECT", &project)
        .env("EXOMONAD_GITHUB_API_URL", server.uri())
        // The mock is not github.com: its token comes from gh's enterprise variable.
        .env("GH_ENTERPRISE_TOKEN", TOKEN)
        .env_remove("GITHUB_ENTERPRISE_TOKEN")
        // Outside Zellij, with the user's data dir out of the way (no dashboard to reach).
        .env_remove("ZELLIJ")
        .env_remove("ZELLIJ_SESSION_NAME")
        .env_remove("EXOMONAD_SESSION")
        .env("XDG_DATA_HOME", home.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the SDK client failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains(r#""ok":true"#), "{stdout}");
    assert!(!stderr.contains(TOKEN) && !stdout.contains(TOKEN));
    // Every GitHub request carried the token, and the server's log never did.
    let requests = rt.block_on(server.received_requests()).unwrap();
    assert!(requests.len() >= 5, "{} requests", requests.len());
    for r in &requests {
        assert_eq!(
            r.headers.get("authorization").and_then(|v| v.to_str().ok()),
            Some(format!("Bearer {TOKEN}").as_str())
        );
    }
    let log = std::fs::read_to_string(project.join(".exomonad/logs/exomonad.log")).unwrap();
    assert!(log.contains("tools/call read_file"), "{log}");
    assert!(!log.contains(TOKEN));
}

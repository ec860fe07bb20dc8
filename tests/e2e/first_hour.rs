//! README's "The first hour", run as written: every command of that section's code blocks, in
//! order, by a new user in a fresh home, with real parts and no network — a real git
//! repository whose `origin` is `git@github.com:octocat/Hello-World.git` (served from a local
//! bare repository through a stand-in `ssh`), GitHub served by wiremock, a real Zellij 0.45.1
//! session opened by `exomonad init` with no permission granted ahead (the test answers `y`
//! in the dashboard pane, as the person does), a stand-in `claude` for the lead and
//! `tests/e2e/fake-agent.sh` for the worker, which asks the person one question through the
//! dashboard (as its `ask_human` tool does).
//!
//! The commands come from README.md itself: the test fails when the section and the steps
//! below drift apart (a command added, removed, reordered or changed).
//!
//! Needs zellij 0.45.1 and tmux (`scripts/deps.sh --for-tests` installs both).

mod harness;

#[path = "../../host/tests/support/github_mock.rs"]
mod github_mock;

use std::collections::VecDeque;
use std::ffi::OsString;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::Duration;

use harness::{Run, Sandbox, Zellij, replay_payload, sh_quote};
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SCREEN_TIMEOUT: Duration = Duration::from_secs(30);
const CLI_TIMEOUT: Duration = Duration::from_secs(60);
const OWNER: &str = "octocat";
const REPO: &str = "Hello-World";
const ISSUE: u64 = 12;

/// The commands of README.md's "The first hour" section, in order: every non-empty line of
/// its code blocks, without the trailing `# comment`.
fn readme_commands() -> VecDeque<String> {
    let readme = Path::new(env!("CARGO_MANIFEST_DIR")).join("../README.md");
    let text = fs::read_to_string(&readme).expect("README.md");
    let start = text
        .find("## The first hour\n")
        .expect("README.md has a section `## The first hour`");
    let section = &text[start..];
    let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
    let mut commands = VecDeque::new();
    let mut in_block = false;
    for line in section.lines() {
        if line.starts_with("```") {
            in_block = !in_block;
            continue;
        }
        if in_block {
            let command = line.split(" #").next().unwrap_or("").trim();
            if !command.is_empty() {
                commands.push_back(command.to_owned());
            }
        }
    }
    commands
}

/// README's commands, handed out one at a time as the test runs them.
struct Script(VecDeque<String>);

impl Script {
    /// Checks that README's next command is `command`; returns its arguments after `exomonad`.
    fn next(&mut self, command: &str) -> Vec<String> {
        assert_eq!(
            self.0.pop_front().as_deref(),
            Some(command),
            "README.md's first hour and tests/e2e/first_hour.rs disagree on the next command"
        );
        let words = shlex::split(command).expect("shell words");
        assert_eq!(words[0], "exomonad", "{command}");
        words[1..].to_vec()
    }
}

impl Drop for Script {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            assert!(
                self.0.is_empty(),
                "README.md's first hour shows commands no test runs: {:?}",
                self.0
            );
        }
    }
}

fn start_github(rt: &tokio::runtime::Runtime) -> MockServer {
    rt.block_on(async {
        let server = MockServer::start().await;
        let mut issue = github_mock::fixture("issue_1347.json");
        issue["number"] = json!(ISSUE);
        issue["title"] = json!("Pick a database for the cache");
        issue["body"] = json!("Which one is up to the person.");
        issue["url"] = json!(format!(
            "{}/repos/{OWNER}/{REPO}/issues/{ISSUE}",
            server.uri()
        ));
        issue["html_url"] = json!(format!("https://github.com/{OWNER}/{REPO}/issues/{ISSUE}"));
        let json_response = |body: Value| {
            ResponseTemplate::new(200)
                .insert_header("content-type", "application/json; charset=utf-8")
                .set_body_json(body)
        };
        Mock::given(method("GET"))
            .and(path(format!("/repos/{OWNER}/{REPO}/issues/{ISSUE}")))
            .respond_with(json_response(issue))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(format!("/repos/{OWNER}/{REPO}/pulls")))
            .respond_with(json_response(json!([])))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/rate_limit"))
            .respond_with(json_response(json!({
                "resources": {"core": {"limit": 5000, "remaining": 4990, "used": 10, "reset": 1_700_000_000}}
            })))
            .mount(&server)
            .await;
        server
    })
}

fn write_executable(path: &Path, text: &str) {
    fs::write(path, text).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).unwrap();
}

/// What the person sees from a command: its output, for failure messages.
fn shown(run: &Run) -> String {
    format!("stdout:\n{}\nstderr:\n{}", run.stdout, run.stderr)
}

#[test]
fn the_first_hour_of_the_readme_runs_as_written() {
    let mut script = Script(readme_commands());
    let rt = github_mock::runtime();
    let github = start_github(&rt);

    // --- The machine: `claude` on PATH (a stand-in that stays up as the lead), and an `ssh`
    // that serves `git@github.com:OWNER/REPO.git` from a local directory. ------------------
    let mut sandbox = Sandbox::new();
    let bin = sandbox.root().join("bin");
    fs::create_dir_all(&bin).unwrap();
    write_executable(
        &bin.join("claude"),
        "#!/bin/sh\n[ \"$1\" = --version ] && { echo '2.1.329 (Claude Code)'; exit 0; }\n\
         echo \"stand-in lead: claude $*\"\nexec sleep 600\n",
    );
    let served = sandbox.root().join("github.com");
    write_executable(
        &bin.join("fake-ssh"),
        &format!(
            "#!/bin/sh\n# fake-ssh HOST COMMAND (ssh.variant simple): runs COMMAND where the repositories are\ncd {} && exec sh -c \"$2\"\n",
            sh_quote(served.as_os_str())
        ),
    );
    sandbox.prepend_path(&bin);

    // --- The project: a repository of the user's, its origin "on GitHub". ------------------
    let project_repo = sandbox.git_project("myproject");
    project_repo.add_bare_origin(&served.join(OWNER).join(format!("{REPO}.git")));
    project_repo.git(&[
        "remote",
        "set-url",
        "origin",
        &format!("git@github.com:{OWNER}/{REPO}.git"),
    ]);
    project_repo.git(&[
        "config",
        "core.sshCommand",
        &bin.join("fake-ssh").to_string_lossy(),
    ]);
    project_repo.git(&["config", "ssh.variant", "simple"]);
    project_repo.git(&["fetch", "-q", "origin"]);
    let project = project_repo.path().canonicalize().unwrap();
    let session = "myproject".to_owned();

    // Workers run the stand-in agent, which fires hooks, then asks its question.
    let agent = format!("gh-{ISSUE}");
    let worktree = project.join(format!(".exomonad/worktrees/{agent}"));
    let payloads = sandbox.root().join("payloads");
    let dir = payloads.join(&agent);
    fs::create_dir_all(&dir).unwrap();
    for name in ["session-start.json", "pre-tool-use-bash.json"] {
        let payload = replay_payload(name, &agent, &worktree, &sandbox.home());
        fs::write(dir.join(name), payload.to_string()).unwrap();
    }
    fs::write(
        dir.join("ask.json"),
        json!({
            "id": "first-question",
            "title": "Which database?",
            "body": "The issue leaves it to you.",
            "fields": [{"name": "answer", "label": "Answer", "kind": "text", "required": true}]
        })
        .to_string(),
    )
    .unwrap();
    sandbox.use_fake_agent_workers(&project, &payloads);
    let api_url = github.uri();
    // The README's user has a github.com token in GH_TOKEN; the mock here is another host, so
    // its token goes in GH_ENTERPRISE_TOKEN (`gh`'s rule, which exomonad follows).

    // === exomonad doctor, before anything: it names what `init` and the grant will fix. ===
    let args = script.next("exomonad doctor");
    let run = sandbox
        .exomonad(&args)
        .cwd(&project)
        .env("GH_ENTERPRISE_TOKEN", github_mock::TOKEN)
        .env("EXOMONAD_GITHUB_API_URL", &api_url)
        .run();
    assert_eq!(run.status.code(), Some(1), "{}", shown(&run));
    for line in [
        "FAIL  dashboard-permissions",
        "FAIL  hook-settings",
        "ok    zellij",
        "ok    lead-agent",
        "ok    worker-agent",
        "ok    github-token",
        "ok    origin",
    ] {
        assert!(run.stdout.contains(line), "no `{line}`: {}", shown(&run));
    }

    // === exomonad init: the session, and Zellij asking for the dashboard's permissions. ====
    let args = script.next("exomonad init");
    let mut argv: Vec<OsString> = vec![harness::EXOMONAD.into()];
    argv.extend(args.iter().map(OsString::from));
    let z = Zellij::start_exomonad_init_ungranted(sandbox, &project, session, &argv);
    let (pane, _) = z.dashboard_pane();
    z.wait_for_dashboard("Zellij's permission prompt", SCREEN_TIMEOUT, |d| {
        d.text.contains("Allow? (y/n)")
    });
    z.send_keys(&pane, &["y"]);
    z.wait_for_dashboard(
        "the dashboard, its permissions granted",
        SCREEN_TIMEOUT,
        |d| d.header().is_some_and(|h| !h.contains("permission")) && d.text.contains("doctor"),
    );
    let lead = |args: &[String]| {
        z.exomonad(args)
            .cwd(&project)
            .env("GH_ENTERPRISE_TOKEN", github_mock::TOKEN)
            .env("EXOMONAD_GITHUB_API_URL", &api_url)
            .timeout(CLI_TIMEOUT)
            .run()
    };

    // === exomonad doctor, in the session: nothing blocks, the dashboard answered. ==========
    let args = script.next("exomonad doctor");
    let run = lead(&args);
    assert_eq!(run.status.code(), Some(0), "{}", shown(&run));
    assert!(
        run.stdout.contains("ok    dashboard ") && run.stdout.contains("the dashboard answered"),
        "{}",
        shown(&run)
    );
    assert!(
        run.stdout.contains("nothing blocks exomonad"),
        "{}",
        shown(&run)
    );

    // === exomonad spawn 12: a worker, which reports and asks its first question. ===========
    let args = script.next(&format!("exomonad spawn {ISSUE}"));
    let run = lead(&args);
    assert_eq!(run.status.code(), Some(0), "{}", shown(&run));
    assert!(worktree.join(".git").exists(), "{}", shown(&run));
    let d = z.wait_for_dashboard(
        "the worker's question in the dashboard",
        SCREEN_TIMEOUT,
        |d| d.text.contains("Which database?"),
    );
    assert!(d.text.contains(&agent), "{}", d.text);

    // The person answers in the dashboard; the answer reaches the worker.
    z.type_text(&pane, "sqlite");
    z.send_keys(&pane, &["Enter"]);
    let reply_file = worktree.join(".exomonad/fake-agent.reply");
    z.wait_until("the worker to get the answer", SCREEN_TIMEOUT, |_| {
        reply_file.exists()
    });
    let reply: Value =
        serde_json::from_str(fs::read_to_string(&reply_file).unwrap().trim()).unwrap();
    assert_eq!(reply["status"], "submitted", "{reply}");
    assert_eq!(reply["values"]["answer"], "sqlite", "{reply}");

    // === exomonad list ======================================================================
    let args = script.next("exomonad list");
    let run = lead(&args);
    assert_eq!(run.status.code(), Some(0), "{}", shown(&run));
    assert!(
        run.stdout.contains(&format!("#{ISSUE}")) && run.stdout.contains(&agent),
        "{}",
        shown(&run)
    );
    assert!(run.stdout.contains("tab open"), "{}", shown(&run));

    // === exomonad cleanup 12 ================================================================
    let args = script.next(&format!("exomonad cleanup {ISSUE}"));
    let run = lead(&args);
    assert_eq!(run.status.code(), Some(0), "{}", shown(&run));
    assert!(
        run.stdout.contains(&format!("#{ISSUE} {agent}: removed")),
        "{}",
        shown(&run)
    );
    assert!(!worktree.exists(), "{}", worktree.display());
}

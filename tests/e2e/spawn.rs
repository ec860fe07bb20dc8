//! Spawning workers end to end (issue 5's acceptance test), all with real parts and no
//! network: a real git repository whose `origin` is a local bare repository, a local GitHub
//! (wiremock) serving the issues, a real Zellij 0.45.1 session started by `exomonad init`
//! (so the dashboard runs), and the real `exomonad spawn`, `list` and `cleanup` run as the
//! lead would, inside that session. The workers run `tests/e2e/fake-agent.sh` (the lead's
//! `worker_command`), a stand-in for Claude Code that fires recorded hook payloads through
//! `exomonad hook` from its tab and then waits.
//!
//! One session, in order:
//! 1. `spawn 1 2 3` (#1's title has quotes, a line break, an emoji and an escape sequence):
//!    tabs and their names, the agent panes (command, cwd), worktrees on `gh-N/<slug>` at
//!    origin's latest main (the local main is behind), the worker's files, the records, the
//!    prompts, and the dashboard showing each worker's hooks;
//! 2. `list`: tab open, the dashboard's state, dirty files, commits ahead, the pull request;
//! 3. `spawn 2` again: `focused`, no new tab, worktree or branch;
//! 4. two `spawn 4` at once: one `spawned`, one `focused`, one tab, one worktree, one branch;
//! 5. #4's tab (the newest) closed by hand, then `spawn 5`, whose tab gets #4's old id (Zellij
//!    gives a new tab the highest id + 1): #4 is still seen as gone, and `spawn 4` is
//!    `resumed` in a new tab with the Claude session its SessionStart hook recorded
//!    (`--resume <id>` on the pane's command line); then #5's agent exits (its tab stays,
//!    Zellij holding the pane with its exit code) and `spawn 5` is `resumed` too, in a new
//!    tab that replaces the dead one;
//! 6. `cleanup 1 2 3 4 5`: #1 refused naming its uncommitted file, #4 refused naming its
//!    local-only commit, the others removed (tabs, worktrees, records and branches gone, the
//!    dashboard says `stopped`); `cleanup 1 4 --force` removes the last two, keeping #4's
//!    branch (its commit exists nowhere else).
//!
//! Needs zellij 0.45.1 and tmux (`scripts/deps.sh` installs both); fails, never skips, without
//! them.
//!
//! Observed with Zellij 0.45.1: `action list-tabs --json` gives `tab_id`, `position`, `name`,
//! `active`, ...; `action list-panes --json --all` gives, for a terminal pane, `tab_id`,
//! `title` (the layout's pane name), `terminal_command` (the layout's command and args joined
//! by spaces), `pane_command` (the running process's command line) and `pane_cwd` (its
//! current directory); plugin panes have `terminal_command: null` and no `pane_cwd`.

mod harness;

#[path = "../../host/tests/support/github_mock.rs"]
mod github_mock;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use harness::{Dashboard, GitRepo, Run, Sandbox, Spawned, Zellij, replay_payload};
use serde_json::{Value, json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Bound for the dashboard (or Zellij) to show what happened (milliseconds when it works).
const SCREEN_TIMEOUT: Duration = Duration::from_secs(20);
/// Bound for one `exomonad spawn`/`list`/`cleanup` run (seconds when it works).
const CLI_TIMEOUT: Duration = Duration::from_secs(60);

const OWNER: &str = "octocat";
const REPO: &str = "Hello-World";

/// The hostile title: quotes, a line break, an emoji, and an ANSI escape sequence.
const HOSTILE_TITLE: &str = "Fix \"login\" \n crash 🚀 \u{1b}[31mred";

/// One issue the mock serves, and the names exomonad must derive from it.
struct IssueCase {
    number: u64,
    title: &'static str,
    branch: &'static str,
    tab_name: &'static str,
}

const ISSUES: &[IssueCase] = &[
    IssueCase {
        number: 1,
        title: HOSTILE_TITLE,
        branch: "gh-1/fix-login-crash-red",
        tab_name: "#1 Fix \"login\" crash 🚀 red",
    },
    IssueCase {
        number: 2,
        title: "Add a dark mode toggle",
        branch: "gh-2/add-a-dark-mode-toggle",
        tab_name: "#2 Add a dark mode toggle",
    },
    IssueCase {
        number: 3,
        title: "Ünïcode paths break `exomonad list`",
        branch: "gh-3/unicode-paths-break-exomonad-list",
        tab_name: "#3 Ünïcode paths break `exomonad list`",
    },
    IssueCase {
        number: 4,
        title: "Concurrent spawns of one issue",
        branch: "gh-4/concurrent-spawns-of-one-issue",
        tab_name: "#4 Concurrent spawns of one issue",
    },
    IssueCase {
        number: 5,
        title: "Zellij reuses tab ids",
        branch: "gh-5/zellij-reuses-tab-ids",
        tab_name: "#5 Zellij reuses tab ids",
    },
];

fn case(n: u64) -> &'static IssueCase {
    ISSUES
        .iter()
        .find(|c| c.number == n)
        .expect("a known issue")
}

// ---------------------------------------------------------------------------------------------
// The local GitHub
// ---------------------------------------------------------------------------------------------

/// The issue as GitHub's REST API returns it (the recorded issue, renumbered and retitled).
fn issue_json(server: &MockServer, c: &IssueCase) -> Value {
    let mut issue = github_mock::fixture("issue_1347.json");
    let n = c.number;
    issue["number"] = json!(n);
    issue["id"] = json!(1_000_000 + n);
    issue["title"] = json!(c.title);
    issue["body"] = json!(format!(
        "Issue {n} of the e2e test.\n\nSteps: `exomonad spawn {n}`.\u{1b}[2J"
    ));
    issue["url"] = json!(format!("{}/repos/{OWNER}/{REPO}/issues/{n}", server.uri()));
    issue["html_url"] = json!(format!("https://github.com/{OWNER}/{REPO}/issues/{n}"));
    issue
}

/// GitHub with the four issues, an open pull request from issue 2's branch, and none from
/// the others.
fn start_github(rt: &tokio::runtime::Runtime) -> MockServer {
    rt.block_on(async {
        let server = MockServer::start().await;
        for c in ISSUES {
            Mock::given(method("GET"))
                .and(path(format!("/repos/{OWNER}/{REPO}/issues/{}", c.number)))
                .respond_with(
                    ResponseTemplate::new(200)
                        .insert_header("content-type", "application/json; charset=utf-8")
                        .set_body_json(issue_json(&server, c)),
                )
                .mount(&server)
                .await;
        }
        let mut pulls = github_mock::fixture("pulls_for_branch.json");
        pulls[0]["head"]["ref"] = json!(case(2).branch);
        pulls[0]["number"] = json!(77);
        pulls[0]["state"] = json!("open");
        Mock::given(method("GET"))
            .and(path(format!("/repos/{OWNER}/{REPO}/pulls")))
            .and(query_param("head", format!("{OWNER}:{}", case(2).branch)))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("content-type", "application/json; charset=utf-8")
                    .set_body_json(pulls),
            )
            .with_priority(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(format!("/repos/{OWNER}/{REPO}/pulls")))
            .respond_with(
                ResponseTemplate::new(200)
                    .insert_header("content-type", "application/json; charset=utf-8")
                    .set_body_json(json!([])),
            )
            .with_priority(10)
            .mount(&server)
            .await;
        server
    })
}

// ---------------------------------------------------------------------------------------------
// The lead
// ---------------------------------------------------------------------------------------------

/// Runs `exomonad` as the lead does: in the project, inside the session, with GitHub's
/// address and a token.
struct Lead<'z> {
    z: &'z Zellij,
    project: PathBuf,
    api_url: String,
}

impl Lead<'_> {
    fn exomonad(&self, args: &[&str]) -> harness::Exomonad<'_> {
        self.z
            .exomonad(args)
            .env("EXOMONAD_GITHUB_API_URL", &self.api_url)
            .env("GH_ENTERPRISE_TOKEN", github_mock::TOKEN)
            .cwd(&self.project)
            .timeout(CLI_TIMEOUT)
    }

    fn run(&self, args: &[&str]) -> Run {
        let run = self.exomonad(args).run();
        assert_no_token(&run);
        run
    }

    fn start(&self, args: &[&str]) -> Spawned {
        self.exomonad(args).spawn()
    }

    /// `exomonad spawn ISSUES --owner --repo --json`: the `results`, by issue number.
    fn spawn(&self, issues: &[u64]) -> (Run, Vec<Value>) {
        let mut args: Vec<String> = vec!["spawn".into()];
        args.extend(issues.iter().map(u64::to_string));
        args.extend(["--owner", OWNER, "--repo", REPO, "--json"].map(String::from));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = self.run(&args);
        let results = results(&run);
        (run, results)
    }
}

fn assert_no_token(run: &Run) {
    assert!(
        !run.stdout.contains(github_mock::TOKEN) && !run.stderr.contains(github_mock::TOKEN),
        "the GitHub token leaked into the output of {}:\n{run:#?}",
        run.what
    );
}

/// The `results` array of a spawn or cleanup report on stdout (whatever the exit code).
fn results(run: &Run) -> Vec<Value> {
    let report: Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("stdout is not one JSON report ({e}):\n{run:#?}"));
    report["results"]
        .as_array()
        .unwrap_or_else(|| panic!("no `results` array in the report:\n{run:#?}"))
        .clone()
}

/// The outcome for issue `n`, checked to have `status`.
fn outcome<'a>(results: &'a [Value], n: u64, status: &str, run: &Run) -> &'a Value {
    let o = results
        .iter()
        .find(|o| o["issue"] == json!(n))
        .unwrap_or_else(|| panic!("no outcome for issue {n}:\n{run:#?}"));
    assert_eq!(
        o["status"],
        json!(status),
        "issue {n}: expected `{status}`, got {o}:\n{run:#?}"
    );
    o
}

fn tab_id_of(o: &Value) -> u64 {
    o["tab_id"]
        .as_u64()
        .unwrap_or_else(|| panic!("no tab id in {o}"))
}

// ---------------------------------------------------------------------------------------------
// Reading Zellij and git
// ---------------------------------------------------------------------------------------------

/// The session's tabs: `(tab_id, name, active)`.
fn tabs(z: &Zellij) -> Vec<(u64, String, bool)> {
    z.list_tabs()
        .iter()
        .map(|t| {
            (
                t["tab_id"].as_u64().expect("a tab id"),
                t["name"].as_str().expect("a tab name").to_string(),
                t["active"].as_bool() == Some(true),
            )
        })
        .collect()
}

fn tab_ids(z: &Zellij) -> BTreeSet<u64> {
    tabs(z).into_iter().map(|(id, _, _)| id).collect()
}

/// The terminal panes of tab `tab_id` (the plugin bars left out).
fn terminal_panes(z: &Zellij, tab_id: u64) -> Vec<Value> {
    z.list_panes()
        .into_iter()
        .filter(|p| p["is_plugin"] == json!(false) && p["tab_id"] == json!(tab_id))
        .collect()
}

/// Waits until tab `tab_id` has exactly one terminal pane and `ready` holds for it; returns it.
fn wait_agent_pane(z: &Zellij, tab_id: u64, what: &str, ready: impl Fn(&Value) -> bool) -> Value {
    let start = Instant::now();
    loop {
        let last = terminal_panes(z, tab_id);
        if let [pane] = last.as_slice()
            && ready(pane)
        {
            return pane.clone();
        }
        if start.elapsed() > SCREEN_TIMEOUT {
            panic!(
                "gave up after {:?} waiting for {what} (tab {tab_id}); its terminal panes: \
                 {last:#?}\n{}",
                start.elapsed(),
                z.diagnostics()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Polls `ready` every 100 ms for up to [`SCREEN_TIMEOUT`]; panics with the diagnostics.
fn wait_for(z: &Zellij, what: &str, mut ready: impl FnMut() -> bool) {
    z.wait_until(what, SCREEN_TIMEOUT, |_| ready());
}

/// The paths `git worktree list` shows for the project (the main checkout included).
fn worktree_paths(project: &GitRepo) -> Vec<PathBuf> {
    project
        .git(&["worktree", "list", "--porcelain"])
        .lines()
        .filter_map(|l| l.strip_prefix("worktree "))
        .map(PathBuf::from)
        .collect()
}

/// The local branches named `gh-N/…`.
fn issue_branches(project: &GitRepo, n: u64) -> Vec<String> {
    project
        .git(&[
            "for-each-ref",
            "--format=%(refname:short)",
            &format!("refs/heads/gh-{n}"),
        ])
        .lines()
        .map(str::to_string)
        .collect()
}

/// The arguments the fake agent of `worktree` was started with (what it recorded).
fn agent_argv(worktree: &Path) -> Vec<String> {
    let file = worktree.join(".exomonad/fake-agent.argv");
    let bytes = fs::read(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    String::from_utf8_lossy(&bytes)
        .split_terminator('\0')
        .map(str::to_string)
        .collect()
}

fn record_path(project: &Path, n: u64) -> PathBuf {
    project.join(format!(".exomonad/agents/gh-{n}.json"))
}

/// The dashboard, read from its tab (switches to it first: a spawn focuses the new tab).
fn wait_dashboard(
    z: &Zellij,
    home_tab: u64,
    what: &str,
    ready: impl FnMut(&Dashboard) -> bool,
) -> Dashboard {
    let out = z.action(&["go-to-tab-by-id", &home_tab.to_string()]);
    assert!(
        out.status.success(),
        "go-to-tab-by-id {home_tab}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    z.wait_for_dashboard(what, SCREEN_TIMEOUT, ready)
}

// ---------------------------------------------------------------------------------------------
// The test
// ---------------------------------------------------------------------------------------------

#[test]
fn spawn_list_focus_resume_and_cleanup_workers_in_a_real_session() {
    let started = Instant::now();
    let rt = github_mock::runtime();
    let github = start_github(&rt);

    // --- The project: a repository whose origin is a local bare repository, and origin's
    // main one commit ahead of the local main (workers must start from origin's). ----------
    let sandbox = Sandbox::new();
    let project_repo = sandbox.git_project("project");
    let origin = project_repo.add_bare_origin(&sandbox.root().join("origin.git"));
    let other = GitRepo::clone_of(
        origin.path(),
        sandbox.root().join("other-clone"),
        sandbox.env().clone(),
    );
    fs::write(other.path().join("CHANGELOG.md"), "- upstream change\n").unwrap();
    other.commit_all("an upstream commit the project has not fetched yet");
    other.git(&["push", "-q", "origin", "main"]);
    let origin_main = origin.rev_parse("main");
    assert_ne!(origin_main, project_repo.rev_parse("main"));

    let project = project_repo
        .path()
        .canonicalize()
        .expect("the project path");
    let worktree_of = |n: u64| project.join(format!(".exomonad/worktrees/gh-{n}"));

    // --- The stand-in agent and the payloads it replays (its worktree's path is known ahead:
    // `<project>/.exomonad/worktrees/gh-N`). ----------------------------------------------
    let payloads = sandbox.root().join("payloads");
    for c in ISSUES {
        let agent = format!("gh-{}", c.number);
        let dir = payloads.join(&agent);
        fs::create_dir_all(&dir).unwrap();
        for name in ["session-start.json", "pre-tool-use-bash.json"] {
            let payload = replay_payload(name, &agent, &worktree_of(c.number), &sandbox.home());
            fs::write(dir.join(name), payload.to_string()).unwrap();
        }
    }
    let fake_agent = harness::fake_agent();
    sandbox.use_fake_agent_workers(&project, &payloads);
    assert!(project_repo.is_clean());

    // --- The session. ----------------------------------------------------------------------
    let z = Zellij::start_exomonad_init(sandbox, &project);
    let home_tab = match tabs(&z).as_slice() {
        [(id, _, _)] => *id,
        other => panic!("expected one tab after `exomonad init`, got {other:?}"),
    };
    let lead = Lead {
        z: &z,
        project: project.clone(),
        api_url: github.uri(),
    };
    let project_repo = z.sandbox().git_at(&project);
    eprintln!("session up after {:?}", started.elapsed());

    // === 1. Spawn three issues. =============================================================
    let (run, spawned) = lead.spawn(&[1, 2, 3]);
    run.assert_success();
    eprintln!("spawned 1 2 3 after {:?}", started.elapsed());
    let mut tab_of = std::collections::BTreeMap::new();
    for n in [1, 2, 3] {
        let c = case(n);
        let o = outcome(&spawned, n, "spawned", &run);
        assert_eq!(o["agent_id"], json!(format!("gh-{n}")), "{o}");
        assert_eq!(o["branch"], json!(c.branch), "{o}");
        assert_eq!(o["worktree"], json!(worktree_of(n)), "{o}");
        assert_eq!(o["reused_worktree"], json!(false), "{o}");
        tab_of.insert(n, tab_id_of(o));
    }
    let now = tabs(&z);
    assert_eq!(
        now.len(),
        4,
        "expected the first tab and three workers: {now:?}"
    );
    for n in [1, 2, 3] {
        let c = case(n);
        let (_, name, _) = now
            .iter()
            .find(|(id, _, _)| *id == tab_of[&n])
            .unwrap_or_else(|| panic!("no tab {} for issue {n}: {now:?}", tab_of[&n]));
        assert_eq!(name, c.tab_name, "issue {n}'s tab name");
        assert!(
            !name.chars().any(char::is_control) && !name.contains("[31m"),
            "control characters in tab name {name:?}"
        );

        // The agent pane: named after the agent, the worker's command, in its worktree.
        let wt = worktree_of(n);
        let pane = wait_agent_pane(&z, tab_of[&n], "the agent pane in the worktree", |p| {
            p["pane_cwd"] == json!(wt)
        });
        assert_eq!(pane["title"], json!(format!("gh-{n}")), "{pane:#}");
        let command = pane["terminal_command"].as_str().unwrap_or_default();
        for part in [
            format!(
                "env EXOMONAD_AGENT_ID=gh-{n} EXOMONAD_ROLE=worker {}",
                fake_agent.display()
            ),
            format!(
                "--settings {}",
                wt.join(".exomonad/claude-settings.json").display()
            ),
            format!("--mcp-config={}", wt.join(".exomonad/mcp.json").display()),
        ] {
            assert!(
                command.contains(&part),
                "{part:?} not in the pane's command: {pane:#}"
            );
        }
        assert!(!command.contains("--resume"), "{pane:#}");

        // The worktree: on its branch, at origin's latest main.
        let tree = z.sandbox().git_at(&wt);
        assert_eq!(tree.current_branch(), c.branch);
        assert_eq!(
            tree.rev_parse("HEAD"),
            origin_main,
            "gh-{n} does not start at origin's latest main"
        );
        assert!(tree.is_clean(), "gh-{n}'s fresh worktree is not clean");
        for file in ["config.toml", "claude-settings.json", "mcp.json", "tab.kdl"] {
            let text = fs::read_to_string(wt.join(".exomonad").join(file))
                .unwrap_or_else(|e| panic!("gh-{n}: .exomonad/{file}: {e}"));
            // The lead had the token in its environment; the worker's files (its MCP
            // server's `env`, its tab's command and environment) never carry it.
            assert!(
                !text.contains(github_mock::TOKEN),
                "gh-{n}: the token is in .exomonad/{file}"
            );
        }
        assert!(record_path(&project, n).is_file(), "no record for gh-{n}");
    }

    // The stand-in agents fired their hooks: the dashboard shows all three.
    wait_dashboard(
        &z,
        home_tab,
        "gh-1, gh-2 and gh-3 `running` on `PreToolUse Bash`",
        |d| {
            ["gh-1", "gh-2", "gh-3"]
                .iter()
                .all(|a| d.agent_is(a, "running", Some("PreToolUse Bash")))
        },
    );
    eprintln!(
        "dashboard shows three workers after {:?}",
        started.elapsed()
    );
    // Each got its issue as its prompt, the hostile title made plain.
    for n in [1, 2, 3] {
        let argv = agent_argv(&worktree_of(n));
        let prompt = argv.last().expect("a prompt");
        assert!(
            prompt.contains(&format!("GitHub issue #{n} of {OWNER}/{REPO}")),
            "gh-{n}'s prompt: {prompt}"
        );
        assert!(
            !prompt.contains('\u{1b}'),
            "an escape in gh-{n}'s prompt: {prompt:?}"
        );
    }
    let prompt_1 = agent_argv(&worktree_of(1)).pop().unwrap();
    assert!(
        prompt_1.contains("Fix \"login\" crash 🚀 red"),
        "{prompt_1}"
    );

    // === 2. list. =========================================================================
    let run = lead.run(&["list", "--json"]);
    let list = run.json_object();
    let agents = list["agents"].as_array().expect("an `agents` array");
    assert_eq!(agents.len(), 3, "{run:#?}");
    for (a, n) in agents.iter().zip([1u64, 2, 3]) {
        assert_eq!(a["issue"], json!(n), "{a}");
        assert_eq!(a["tab_open"], json!(true), "{a}");
        assert_eq!(a["tab_id"], json!(tab_of[&n]), "{a}");
        assert_eq!(a["dashboard_state"], json!("running"), "{a}");
        assert_eq!(a["dirty_files"], json!(0), "{a}");
        assert_eq!(a["commits_ahead"], json!(0), "{a}");
        if n == 2 {
            assert_eq!(a["pull_request"]["number"], json!(77), "{a}");
            assert_eq!(a["pull_request"]["head"], json!(case(2).branch), "{a}");
        } else {
            assert_eq!(a["pull_request"], Value::Null, "{a}");
        }
    }

    // === 3. Spawn one again: its tab is focused, nothing new. ==============================
    let worktrees_before = worktree_paths(&project_repo);
    let (run, again) = lead.spawn(&[2]);
    run.assert_success();
    let o = outcome(&again, 2, "focused", &run);
    assert_eq!(tab_id_of(o), tab_of[&2]);
    let now = tabs(&z);
    assert_eq!(now.len(), 4, "a second spawn of #2 opened a tab: {now:?}");
    wait_for(&z, "#2's tab to be the active one", || {
        tabs(&z)
            .iter()
            .any(|(id, _, active)| *id == tab_of[&2] && *active)
    });
    assert_eq!(worktree_paths(&project_repo), worktrees_before);
    assert_eq!(issue_branches(&project_repo, 2), vec![case(2).branch]);

    // === 4. Two spawns of one new issue at once: one worktree, one tab. ====================
    let args = ["spawn", "4", "--owner", OWNER, "--repo", REPO, "--json"];
    let (first, second) = (lead.start(&args), lead.start(&args));
    let runs = [first.wait(CLI_TIMEOUT), second.wait(CLI_TIMEOUT)];
    let mut statuses = Vec::new();
    let mut tab_4 = BTreeSet::new();
    for run in &runs {
        assert_no_token(run);
        run.assert_success();
        let r = results(run);
        assert_eq!(r.len(), 1, "{run:#?}");
        statuses.push(r[0]["status"].as_str().unwrap_or_default().to_string());
        tab_4.insert(tab_id_of(&r[0]));
    }
    statuses.sort();
    assert_eq!(
        statuses,
        ["focused", "spawned"],
        "two concurrent spawns of #4: {runs:#?}"
    );
    assert_eq!(
        tab_4.len(),
        1,
        "the two runs name different tabs: {runs:#?}"
    );
    let tab_4 = *tab_4.first().unwrap();
    tab_of.insert(4, tab_4);
    let now = tabs(&z);
    let named_4: Vec<_> = now
        .iter()
        .filter(|(_, n, _)| n == case(4).tab_name)
        .collect();
    assert_eq!(named_4.len(), 1, "tabs of #4: {now:?}");
    assert_eq!(named_4[0].0, tab_4);
    assert_eq!(now.len(), 5, "{now:?}");
    let worktrees_4: Vec<_> = worktree_paths(&project_repo)
        .into_iter()
        .filter(|p| p.to_string_lossy().contains("gh-4"))
        .collect();
    assert_eq!(worktrees_4, vec![worktree_of(4)]);
    assert_eq!(issue_branches(&project_repo, 4), vec![case(4).branch]);
    wait_dashboard(&z, home_tab, "gh-4 `running` on `PreToolUse Bash`", |d| {
        d.agent_is("gh-4", "running", Some("PreToolUse Bash"))
    });
    eprintln!("concurrent spawns done after {:?}", started.elapsed());

    // === 5. A worker whose tab was closed is resumed with its Claude session. ==============
    // gh-4's tab is the newest, so Zellij 0.45.1 gives its id to the next tab opened (a new
    // tab's id is the highest id + 1): gh-5's. gh-4 must still count as gone, not as
    // running in gh-5's tab.
    assert_eq!(
        tab_ids(&z).last(),
        Some(&tab_of[&4]),
        "gh-4's tab is expected to be the newest"
    );
    // The stand-in's SessionStart hook recorded Claude's session id for the worker.
    let session_file = worktree_of(4).join(".exomonad/runtime-session.json");
    let recorded: Value = serde_json::from_str(
        &fs::read_to_string(&session_file)
            .unwrap_or_else(|e| panic!("{}: {e}", session_file.display())),
    )
    .unwrap();
    let claude_session = replay_payload(
        "session-start.json",
        "gh-4",
        &worktree_of(4),
        Path::new("/"),
    )["session_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(recorded["session_id"], json!(claude_session), "{recorded}");
    assert_eq!(recorded["runtime"], json!("claude"), "{recorded}");

    let out = z.action(&["close-tab-by-id", &tab_of[&4].to_string()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    wait_for(&z, "#4's tab to close", || {
        !tab_ids(&z).contains(&tab_of[&4])
    });

    let (run, spawned_5) = lead.spawn(&[5]);
    run.assert_success();
    tab_of.insert(5, tab_id_of(outcome(&spawned_5, 5, "spawned", &run)));
    assert_eq!(
        tab_of[&5], tab_of[&4],
        "this step needs Zellij to give gh-5's tab the id of gh-4's closed one"
    );

    let run = lead.run(&["list", "--json"]);
    let list = run.json_object();
    let listed = |n: u64| {
        list["agents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["issue"] == json!(n))
            .unwrap_or_else(|| panic!("gh-{n} not listed: {run:#?}"))
            .clone()
    };
    assert_eq!(listed(4)["tab_open"], json!(false), "{}", listed(4));
    assert_eq!(listed(4)["commits_ahead"], json!(0), "{}", listed(4));
    assert_eq!(listed(5)["tab_open"], json!(true), "{}", listed(5));

    let (run, resumed) = lead.spawn(&[4]);
    run.assert_success();
    let o = outcome(&resumed, 4, "resumed", &run);
    assert_eq!(o["session_id"], json!(claude_session), "{o}");
    assert_eq!(o["branch"], json!(case(4).branch), "{o}");
    let new_tab = tab_id_of(o);
    assert_ne!(new_tab, tab_of[&5], "gh-4 resumed in gh-5's tab");
    tab_of.insert(4, new_tab);
    let now = tabs(&z);
    assert!(
        now.iter()
            .any(|(id, name, _)| *id == new_tab && name == case(4).tab_name),
        "{now:?}"
    );
    assert!(
        now.iter()
            .any(|(id, name, _)| *id == tab_of[&5] && name == case(5).tab_name),
        "gh-5's tab is gone: {now:?}"
    );
    assert_eq!(now.len(), 6, "{now:?}");
    let pane = wait_agent_pane(&z, new_tab, "the resumed agent pane in the worktree", |p| {
        p["pane_cwd"] == json!(worktree_of(4))
    });
    let command = pane["terminal_command"].as_str().unwrap_or_default();
    assert!(
        command.contains(&format!("--resume {claude_session}")),
        "no `--resume {claude_session}` in the pane's command: {pane:#}"
    );
    wait_for(&z, "the resumed stand-in to record its arguments", || {
        agent_argv(&worktree_of(4))
            .windows(2)
            .any(|w| w[0] == "--resume" && w[1] == claude_session)
    });
    assert_eq!(issue_branches(&project_repo, 4), vec![case(4).branch]);

    // A worker whose agent exited while its tab stayed open (Zellij holds an ended command
    // pane, showing its exit code) died too: `spawn` closes that tab and resumes it.
    fs::write(worktree_of(5).join(".exomonad/fake-agent.exit"), "7").unwrap();
    let held = wait_agent_pane(&z, tab_of[&5], "gh-5's agent pane to show its exit", |p| {
        p["exited"] == json!(true)
    });
    assert_eq!(held["exit_status"], json!(7), "{held:#}");
    // It never ran its SessionEnd hook; the dashboard learns it from Zellij's pane update.
    wait_dashboard(&z, home_tab, "gh-5 `stopped` after its pane exited", |d| {
        d.agent_is("gh-5", "stopped", None) && d.log_has("gh-5", "stopped (exited with code 7)")
    });
    let (run, resumed_5) = lead.spawn(&[5]);
    run.assert_success();
    let o = outcome(&resumed_5, 5, "resumed", &run);
    let new_tab_5 = tab_id_of(o);
    assert_ne!(new_tab_5, tab_of[&5], "gh-5 kept its dead tab: {o}");
    let now = tabs(&z);
    assert!(
        !now.iter().any(|(id, _, _)| *id == tab_of[&5]),
        "gh-5's dead tab is still open: {now:?}"
    );
    assert!(
        now.iter()
            .any(|(id, name, _)| *id == new_tab_5 && name == case(5).tab_name),
        "{now:?}"
    );
    assert_eq!(now.len(), 6, "{now:?}");
    tab_of.insert(5, new_tab_5);
    let pane = wait_agent_pane(&z, new_tab_5, "gh-5's resumed agent pane", |p| {
        p["exited"] == json!(false) && p["pane_cwd"] == json!(worktree_of(5))
    });
    assert!(
        pane["terminal_command"]
            .as_str()
            .is_some_and(|c| c.contains("--resume ")),
        "{pane:#}"
    );
    wait_dashboard(&z, home_tab, "the resumed gh-5 `running` again", |d| {
        d.agent_is("gh-5", "running", Some("PreToolUse Bash"))
    });
    eprintln!("resume done after {:?}", started.elapsed());

    // === 6. Cleanup. =========================================================================
    // gh-1 has an uncommitted file; gh-4 a commit that exists nowhere else.
    fs::write(worktree_of(1).join("notes.txt"), "work in progress\n").unwrap();
    let tree_4 = z.sandbox().git_at(worktree_of(4));
    fs::write(tree_4.path().join("feature.txt"), "done\n").unwrap();
    tree_4.commit_all("local-only work of gh-4");
    let commit_4 = tree_4.rev_parse("HEAD");

    let run = lead.run(&["cleanup", "1", "2", "3", "4", "5", "--json"]);
    assert_eq!(run.status.code(), Some(1), "refusals exit 1:\n{run:#?}");
    let cleaned = results(&run);
    let reasons = |o: &Value| -> String {
        o["reasons"]
            .as_array()
            .map(|r| {
                r.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .unwrap_or_default()
    };
    let refused_1 = outcome(&cleaned, 1, "refused", &run);
    assert!(reasons(refused_1).contains("notes.txt"), "{refused_1}");
    let refused_4 = outcome(&cleaned, 4, "refused", &run);
    assert!(
        reasons(refused_4).contains(&commit_4[..7]),
        "the refusal does not name the local-only commit {commit_4}: {refused_4}"
    );
    for n in [2, 3, 5] {
        outcome(&cleaned, n, "removed", &run);
    }

    let open = tab_ids(&z);
    let listed = worktree_paths(&project_repo);
    for n in [2, 3] {
        assert!(
            !open.contains(&tab_of[&n]),
            "gh-{n}'s tab is still open: {open:?}"
        );
        assert!(!worktree_of(n).exists(), "gh-{n}'s worktree is still there");
        assert!(
            !listed.contains(&worktree_of(n)),
            "git still lists gh-{n}: {listed:?}"
        );
        assert!(
            !record_path(&project, n).exists(),
            "gh-{n}'s record is still there"
        );
        assert!(
            issue_branches(&project_repo, n).is_empty(),
            "gh-{n}'s branch (no work of its own) was kept"
        );
    }
    for n in [1, 4] {
        assert!(
            open.contains(&tab_of[&n]),
            "refused gh-{n} lost its tab: {open:?}"
        );
        assert!(worktree_of(n).is_dir(), "refused gh-{n} lost its worktree");
        assert!(
            record_path(&project, n).is_file(),
            "refused gh-{n} lost its record"
        );
    }
    assert!(worktree_of(1).join("notes.txt").is_file());
    wait_dashboard(
        &z,
        home_tab,
        "gh-2, gh-3 and gh-5 `stopped` after cleanup",
        |d| {
            ["gh-2", "gh-3", "gh-5"]
                .iter()
                .all(|a| d.agent_is(a, "stopped", None))
        },
    );

    // --force removes the rest; a commit is never lost (gh-4's branch stays).
    let run = lead.run(&["cleanup", "1", "4", "--force", "--json"]);
    run.assert_success();
    let forced = results(&run);
    outcome(&forced, 1, "removed", &run);
    outcome(&forced, 4, "removed", &run);
    let open = tab_ids(&z);
    assert_eq!(open, BTreeSet::from([home_tab]), "tabs left after cleanup");
    assert_eq!(worktree_paths(&project_repo), vec![project.clone()]);
    assert!(issue_branches(&project_repo, 1).is_empty());
    assert_eq!(issue_branches(&project_repo, 4), vec![case(4).branch]);
    assert_eq!(project_repo.rev_parse(case(4).branch), commit_4);
    for n in [1, 4] {
        assert!(!worktree_of(n).exists(), "gh-{n}'s worktree is still there");
        assert!(!record_path(&project, n).exists());
    }
    let run = lead.run(&["list", "--json"]);
    assert_eq!(run.json_object()["agents"], json!([]), "{run:#?}");
    assert!(
        z.sessions().iter().any(|s| s == z.session()),
        "the session is gone:\n{}",
        z.diagnostics()
    );
    // What Zellij's flaky CLI answers cost (see `never_reached_session` and `new_tab_named`
    // in host/src/services/zellij.rs), for whoever reads the output.
    for note in ["asking again", "sending again", "printed no tab id"] {
        for line in z.sandbox().log_lines_containing(note) {
            eprintln!("{line}");
        }
    }
    eprintln!("done after {:?}", started.elapsed());
}

// ---------------------------------------------------------------------------------------------
// Benchmark (benches/spawn.sh)
// ---------------------------------------------------------------------------------------------

/// Wall time of `exomonad spawn` for 10 and 20 issues with a no-op agent (`true`), median of
/// `EXOMONAD_BENCH_RUNS` (default 5) runs each, with where the time went (the orchestrator's
/// `spawn timing:` log line: GitHub, git fetch + base, worktrees + tabs). Each run starts
/// from nothing (`cleanup --force` of the previous run's workers, outside the timing).
#[test]
#[ignore = "a benchmark: run it with benches/spawn.sh"]
fn spawn_wall_time_benchmark() {
    let runs: usize = std::env::var("EXOMONAD_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    let rt = github_mock::runtime();
    let github = rt.block_on(async {
        let server = MockServer::start().await;
        for n in 1..=20u64 {
            let c = IssueCase {
                number: n,
                title: "Make the frobnicator faster under load",
                branch: "",
                tab_name: "",
            };
            Mock::given(method("GET"))
                .and(path(format!("/repos/{OWNER}/{REPO}/issues/{n}")))
                .respond_with(
                    ResponseTemplate::new(200)
                        .insert_header("content-type", "application/json; charset=utf-8")
                        .set_body_json(issue_json(&server, &c)),
                )
                .mount(&server)
                .await;
        }
        server
    });
    let sandbox = Sandbox::new();
    let project_repo = sandbox.git_project("project");
    project_repo.add_bare_origin(&sandbox.root().join("origin.git"));
    let project = project_repo.path().canonicalize().unwrap();
    fs::create_dir_all(project.join(".exomonad")).unwrap();
    fs::write(project.join(".exomonad/.gitignore"), "*\n").unwrap();
    fs::write(
        project.join(".exomonad/config.toml"),
        "worker_command = \"true\"\n",
    )
    .unwrap();
    sandbox
        .exomonad(&["trust"])
        .cwd(&project)
        .run()
        .assert_success();
    let z = Zellij::start_exomonad_init(sandbox, &project);
    let lead = Lead {
        z: &z,
        project: project.clone(),
        api_url: github.uri(),
    };
    let mut report = Vec::new();
    for size in [10u64, 20] {
        let issues: Vec<u64> = (1..=size).collect();
        let mut walls = Vec::new();
        for run in 0..runs {
            let started = Instant::now();
            let (r, results) = lead.spawn(&issues);
            let wall = started.elapsed();
            r.assert_success();
            assert_eq!(results.len(), size as usize);
            assert!(
                results.iter().all(|o| o["status"] == "spawned"),
                "{results:?}"
            );
            let timing = z
                .sandbox()
                .log_lines_containing("spawn timing:")
                .pop()
                .unwrap_or_default();
            // Per issue: `spawn #N: worktree X ms (git), files+tab Y ms (zellij)`.
            let per_issue: Vec<(u64, u64)> = z
                .sandbox()
                .log_lines_containing("ms (zellij)")
                .iter()
                .rev()
                .take(size as usize)
                .filter_map(|l| {
                    let num = |after: &str| -> Option<u64> {
                        let rest = &l[l.find(after)? + after.len()..];
                        rest.split(' ').next()?.parse().ok()
                    };
                    Some((num("worktree ")?, num("files+tab ")?))
                })
                .collect();
            let median = |mut v: Vec<u64>| {
                v.sort_unstable();
                v.get(v.len() / 2).copied().unwrap_or(0)
            };
            eprintln!(
                "spawn {size} run {run}: {} ms; per issue median git {} ms, zellij {} ms; {timing}",
                wall.as_millis(),
                median(per_issue.iter().map(|p| p.0).collect()),
                median(per_issue.iter().map(|p| p.1).collect()),
            );
            walls.push(wall.as_millis());
            let args: Vec<String> = ["cleanup".to_owned(), "--force".to_owned()]
                .into_iter()
                .chain(issues.iter().map(u64::to_string))
                .collect();
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            lead.run(&args).assert_success();
        }
        walls.sort_unstable();
        report.push(format!(
            "spawn {size} issues: median {} ms (min {}, max {}) over {runs} runs",
            walls[walls.len() / 2],
            walls[0],
            walls[walls.len() - 1]
        ));
    }
    for line in report {
        println!("{line}");
    }
}

//! The pure core of spawning (`exomonad::workers`): names, the worker tab's layout, the
//! agent's command line and files, the cleanup verdict, and the worker registry.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

mod common;

use exomonad::base::config::Config;
use exomonad::workers::launch::{self, AgentCommand, Launch, WorkerSetup};
use exomonad::workers::naming::{self, WorkerNames};
use exomonad::workers::registry::{self, Registry, RegistryError, RuntimeSession, WorkerRecord};
use exomonad::workers::safety::{self, CleanupFacts, CleanupVerdict};
use exomonad::workers::tab_layout::{TabLayoutError, WorkerTab};
use exomonad_protocol::abi::{Commit, DirtyFile};
use exomonad_protocol::agents::AgentKind;
use exomonad_protocol::github::{Issue, RepoRef};
use exomonad_protocol::{AgentId, Role, Runtime};
use kdl::{KdlDocument, KdlNode};
use proptest::prelude::*;
use serde_json::json;
use unicode_segmentation::UnicodeSegmentation;

// ---- naming ------------------------------------------------------------------------------

/// Titles that have broken naming code elsewhere.
const NASTY_TITLES: &[&str] = &[
    "Fix \"quotes\" and 'apostrophes' in the parser",
    "🙂🚀 emoji first",
    "🙂🙂🙂",
    "שלום עולם: RTL title",
    "\u{202E}evil\u{202C} override \u{2066}isolate\u{2069}",
    "\u{1b}[31mred\u{1b}[0m alert \u{1b}]0;window title\u{7}done",
    "../../etc/passwd",
    "refs/heads/main..HEAD@{1}~2^3:x?y*z[w\\v",
    "-leading dash",
    ".hidden.lock",
    "trailing dot.",
    "   ",
    "",
    "!!!???...---",
    "@",
    "Ünïcödé ßtraße Жук café",
    "中文标题 mixed",
    "tab\tseparated\nnew\rline",
    "x",
];

fn long_title() -> String {
    "Supercalifragilisticexpialidocious words ".repeat(8)
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= naming::SLUG_MAX_BYTES
        && s.split('-').all(|w| {
            !w.is_empty()
                && w.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

#[test]
fn derive_gives_every_name_of_a_worker() {
    let n = WorkerNames::derive(
        7,
        "Fix \"quotes\" in the Ünïcode parser",
        Path::new("/p/wt"),
    );
    assert_eq!(n.issue, 7);
    assert_eq!(n.agent_id.as_str(), "gh-7");
    assert_eq!(n.branch, "gh-7/fix-quotes-in-the-unicode-parser");
    assert_eq!(n.worktree, PathBuf::from("/p/wt/gh-7"));
    assert_eq!(n.tab_name, "#7 Fix \"quotes\" in the Ünïcode parser");
}

#[test]
fn slugs_of_nasty_titles() {
    let cases = [
        (
            "Fix \"quotes\" and 'apostrophes' in the parser",
            "fix-quotes-and-apostrophes-in-the-parser",
        ),
        ("Don't crash", "dont-crash"),
        ("🙂🚀 emoji first", "emoji-first"),
        ("🙂🙂🙂", naming::SLUG_FALLBACK),
        ("!!!???...---", naming::SLUG_FALLBACK),
        ("", naming::SLUG_FALLBACK),
        ("../../etc/passwd", "etc-passwd"),
        ("\u{1b}[31mred\u{1b}[0m alert", "red-alert"),
        ("Ünïcödé ßtraße Жук café", "unicode-sstrasse-zhuk-cafe"),
        ("-leading dash", "leading-dash"),
        (".hidden.lock", "hidden-lock"),
        ("tab\tseparated\nnew\rline", "tab-separated-new-line"),
    ];
    for (title, want) in cases {
        assert_eq!(naming::slug(title), want, "{title:?}");
    }
    // Cut at a word boundary: every word but the one that would overflow.
    let s = naming::slug(&long_title());
    assert_eq!(s, "supercalifragilisticexpialidocious-words");
    assert!(s.len() <= naming::SLUG_MAX_BYTES);
    // A single word longer than the limit is cut inside the word.
    assert_eq!(
        naming::slug(&"a".repeat(100)),
        "a".repeat(naming::SLUG_MAX_BYTES)
    );
    // A long second word is dropped whole.
    assert_eq!(naming::slug(&format!("fix {}", "b".repeat(60))), "fix");
}

#[test]
fn short_titles_are_one_clean_line() {
    assert_eq!(naming::short_title("  a\n\tb   c  "), "a b c");
    assert_eq!(
        naming::short_title("\u{202E}evil\u{202C} \u{1b}[1mbold\u{1b}[0m"),
        "evil bold"
    );
    assert_eq!(naming::short_title("🙂🚀"), "🙂🚀");
    let long = naming::short_title(&long_title());
    assert_eq!(long.graphemes(true).count(), naming::SHORT_TITLE_MAX_CHARS);
    assert!(long.ends_with(naming::ELLIPSIS), "{long}");
    assert_eq!(long, "Supercalifragilisticexpialidocious word…");
    // Exactly at the limit: not cut. A family emoji is one character.
    let family = "👨‍👩‍👧‍👦";
    let at_limit = format!("{}{family}", "x".repeat(naming::SHORT_TITLE_MAX_CHARS - 1));
    assert_eq!(naming::short_title(&at_limit), at_limit);
    assert_eq!(
        WorkerNames::derive(3, " \u{7} ", Path::new("/w")).tab_name,
        "#3"
    );
}

#[test]
fn derived_branches_pass_git_check_ref_format() {
    let long = long_title();
    for title in NASTY_TITLES.iter().copied().chain([long.as_str()]) {
        for issue in [1, 42, u64::MAX] {
            let names = WorkerNames::derive(issue, title, Path::new("/w"));
            let out = Command::new("git")
                .args(["check-ref-format", "--branch", &names.branch])
                .output()
                .expect("git runs");
            assert!(
                out.status.success(),
                "{title:?} → {:?}: {}",
                names.branch,
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), names.branch);
        }
    }
}

/// Strings that mix arbitrary text with the fragments that break things.
fn hostile_text() -> impl Strategy<Value = String> {
    let fragment = prop_oneof![
        any::<String>(),
        "[a-zA-Z ]{0,12}",
        Just("\u{1b}[31m".to_owned()),
        Just("\u{1b}]0;title\u{7}".to_owned()),
        Just("\u{202E}".to_owned()),
        Just("\u{2066}".to_owned()),
        Just("\"\\'".to_owned()),
        Just("../".to_owned()),
        Just("🙂".to_owned()),
        Just("👨‍👩‍👧".to_owned()),
        Just("שלום".to_owned()),
        Just("\n\t\r".to_owned()),
        Just("$HOME ~".to_owned()),
        Just("é\u{301}".to_owned()),
    ];
    prop::collection::vec(fragment, 0..8).prop_map(|v| v.concat())
}

proptest! {
    #[test]
    fn naming_survives_any_title(title in hostile_text(), issue in any::<u64>()) {
        let names = WorkerNames::derive(issue, &title, Path::new("/root/wt"));
        prop_assert_eq!(names.agent_id.as_str(), format!("gh-{issue}"));
        let slug = names.branch.strip_prefix(&format!("gh-{issue}/")).expect("branch prefix");
        prop_assert!(is_slug(slug), "slug {:?} of {:?}", slug, title);
        prop_assert_eq!(slug, naming::slug(&title));
        prop_assert_eq!(&names.worktree, &Path::new("/root/wt").join(format!("gh-{issue}")));

        let short = naming::short_title(&title);
        prop_assert!(short.graphemes(true).count() <= naming::SHORT_TITLE_MAX_CHARS);
        prop_assert!(!short.chars().any(|c| c.is_control() || exomonad_ui::text::is_bidi_control(c)), "{:?}", short);
        prop_assert!(!short.starts_with(' ') && !short.ends_with(' ') && !short.contains("  "));
        let plain: Vec<String> = exomonad_ui::text::plain_text(&title, false).split_whitespace().map(str::to_owned).collect();
        let plain = plain.join(" ");
        if plain.graphemes(true).count() <= naming::SHORT_TITLE_MAX_CHARS {
            prop_assert_eq!(&short, &plain);
        } else {
            prop_assert!(short.ends_with(naming::ELLIPSIS));
            let kept = short.trim_end_matches(naming::ELLIPSIS);
            prop_assert!(plain.starts_with(kept), "{:?} is not a prefix of {:?}", kept, plain);
        }
        let want_tab = if short.is_empty() { format!("#{issue}") } else { format!("#{issue} {short}") };
        prop_assert_eq!(names.tab_name, want_tab);
    }
}

// ---- safety ------------------------------------------------------------------------------

fn dirty(paths: &[&str]) -> Vec<DirtyFile> {
    paths
        .iter()
        .map(|p| DirtyFile {
            path: (*p).into(),
            status: " M".into(),
        })
        .collect()
}

fn commit(hash: &str, summary: &str) -> Commit {
    Commit {
        hash: hash.into(),
        summary: summary.into(),
        author: "T".into(),
        time: "2026-01-01T00:00:00Z".into(),
    }
}

#[test]
fn clean_worktrees_are_removed_with_their_branch() {
    let facts = CleanupFacts {
        branch: "gh-7/x",
        dirty: &[],
        unique_commits: &[],
    };
    for force in [false, true] {
        assert_eq!(
            safety::verdict(&facts, force),
            CleanupVerdict::Remove {
                delete_branch: true,
                notes: vec![]
            }
        );
    }
}

#[test]
fn work_that_would_be_lost_refuses() {
    let files = dirty(&["a.txt", "b.txt"]);
    let commits = [commit("abc1234def5678", "add the thing")];
    let facts = CleanupFacts {
        branch: "gh-7/x",
        dirty: &files,
        unique_commits: &commits,
    };
    assert_eq!(
        safety::verdict(&facts, false),
        CleanupVerdict::Refuse {
            reasons: vec![
                "2 uncommitted files: a.txt, b.txt".into(),
                "1 commit on gh-7/x exists nowhere else (not pushed, not merged): abc1234 add the thing".into(),
            ]
        }
    );
    let only_commits = CleanupFacts {
        dirty: &[],
        ..facts
    };
    assert!(matches!(
        safety::verdict(&only_commits, false),
        CleanupVerdict::Refuse { reasons } if reasons.len() == 1
    ));
}

#[test]
fn forced_cleanup_loses_files_but_keeps_commits() {
    let files = dirty(&["a.txt"]);
    let commits = [commit("abc1234def", "one"), commit("fedcba9876", "two")];
    let facts = CleanupFacts {
        branch: "gh-7/x",
        dirty: &files,
        unique_commits: &commits,
    };
    assert_eq!(
        safety::verdict(&facts, true),
        CleanupVerdict::Remove {
            delete_branch: false,
            notes: vec![
                "forced: lost 1 uncommitted file: a.txt".into(),
                "the branch gh-7/x is kept: 2 commits on gh-7/x exist nowhere else (not pushed, not merged): abc1234 one; fedcba9 two".into(),
            ]
        }
    );
}

#[test]
fn long_lists_are_counted() {
    let names: Vec<String> = (1..=8).map(|i| format!("f{i}")).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    assert_eq!(
        safety::dirty_reason(&dirty(&refs)).unwrap(),
        "8 uncommitted files: f1, f2, f3, f4, f5 and 3 more"
    );
    assert_eq!(safety::commits_reason("b", &[]), None);
    assert_eq!(
        safety::commits_reason("b", &[commit("abc", "short hash")]).unwrap(),
        "1 commit on b exists nowhere else (not pushed, not merged): abc short hash"
    );
}

// ---- launch ------------------------------------------------------------------------------

fn issue(number: u64, title: &str, body: &str) -> Issue {
    Issue {
        number,
        title: title.into(),
        body: body.into(),
        state: "open".into(),
        labels: vec![],
        assignees: vec![],
        author: "octocat".into(),
        url: format!("https://github.com/octo/hello/issues/{number}"),
    }
}

fn repo() -> RepoRef {
    RepoRef {
        owner: "octo".into(),
        repo: "hello".into(),
    }
}

fn id(s: &str) -> AgentId {
    AgentId::new(s).unwrap()
}

#[test]
fn claude_command_line() {
    let agent = id("gh-7");
    let wt = Path::new("/p/wt/gh-7");
    let mut l = Launch {
        kind: AgentKind::Claude,
        worker_command: None,
        worktree: wt,
        agent_id: &agent,
        prompt: "Work on #7",
        resume: None,
    };
    let c = launch::agent_command(&l).unwrap();
    assert_eq!(c.program, "claude");
    assert_eq!(
        c.args,
        [
            "--settings",
            "/p/wt/gh-7/.exomonad/claude-settings.json",
            "--mcp-config=/p/wt/gh-7/.exomonad/mcp.json",
            "Work on #7"
        ]
    );
    assert_eq!(
        c.env,
        [
            ("EXOMONAD_AGENT_ID".to_owned(), "gh-7".to_owned()),
            ("EXOMONAD_ROLE".to_owned(), "worker".to_owned())
        ]
    );
    l.worker_command = Some("  /opt/my\\ bin/claude --model 'opus 4'  ");
    l.resume = Some("0b7c5a2e-0000-4000-8000-000000000001");
    let c = launch::agent_command(&l).unwrap();
    assert_eq!(c.program, "/opt/my bin/claude");
    assert_eq!(c.args[..2], ["--model", "opus 4"]);
    assert_eq!(
        c.args[5..],
        [
            "--resume",
            "0b7c5a2e-0000-4000-8000-000000000001",
            "Work on #7"
        ]
    );
    // Resuming without a new prompt.
    l.prompt = "";
    assert_eq!(
        launch::agent_command(&l).unwrap().args.last().unwrap(),
        "0b7c5a2e-0000-4000-8000-000000000001"
    );
}

#[test]
fn gemini_command_line_points_at_its_own_settings() {
    let agent = id("gh-9");
    let c = launch::agent_command(&Launch {
        kind: AgentKind::Gemini,
        worker_command: Some(""),
        worktree: Path::new("/p/wt/gh-9"),
        agent_id: &agent,
        prompt: "Work on #9",
        resume: Some("abc-123"),
    })
    .unwrap();
    assert_eq!(c.program, "gemini");
    assert_eq!(
        c.args,
        ["--resume", "abc-123", "--prompt-interactive", "Work on #9"]
    );
    // Its settings go into the worktree's workspace settings, not through the environment
    // (Gemini CLI 0.61 skips a system settings file that is not owned by root).
    assert_eq!(c.env, launch::worker_env(&agent));
}

#[test]
fn bad_launch_inputs_are_refused() {
    let agent = id("gh-1");
    let base = Launch {
        kind: AgentKind::Claude,
        worker_command: None,
        worktree: Path::new("/w"),
        agent_id: &agent,
        prompt: "p",
        resume: None,
    };
    let bad_cmd = Launch {
        worker_command: Some("claude 'unclosed"),
        ..base
    };
    assert!(matches!(
        launch::agent_command(&bad_cmd),
        Err(launch::LaunchError::WorkerCommand(_))
    ));
    for sid in ["", "-x", "a b", "a;rm", &"x".repeat(129)] {
        let l = Launch {
            resume: Some(sid),
            ..base
        };
        assert!(
            matches!(
                launch::agent_command(&l),
                Err(launch::LaunchError::SessionId(_))
            ),
            "{sid:?}"
        );
    }
    let l = Launch {
        prompt: "--dangerously-skip-permissions",
        ..base
    };
    assert!(matches!(
        launch::agent_command(&l),
        Err(launch::LaunchError::Prompt)
    ));
}

#[test]
fn first_prompt_says_what_and_where() {
    let names = WorkerNames::derive(12, "Crash\u{1b}[31m on \u{202E}save", Path::new("/p/wt"));
    let body = "Steps:\r\n1. save\u{7}\n2. \u{1b}]0;x\u{7}boom\tnow";
    let p = launch::first_prompt(
        &issue(12, "Crash\u{1b}[31m on \u{202E}save", body),
        &repo(),
        &names,
    );
    assert!(p.starts_with("You are gh-12"), "{p}");
    assert!(p.contains("GitHub issue #12 of octo/hello"), "{p}");
    assert!(p.contains("# Issue #12: Crash on save\n"), "{p}");
    assert!(p.contains("https://github.com/octo/hello/issues/12"), "{p}");
    assert!(p.contains("Steps:\n1. save\n2. boom now\n"), "{p}");
    assert!(
        p.contains(&names.branch) && p.contains("/p/wt/gh-12"),
        "{p}"
    );
    assert!(p.contains("Commit your work"), "{p}");
    assert!(!p.chars().any(|c| c.is_control() && c != '\n'), "{p:?}");

    let long = "y".repeat(launch::BODY_MAX_CHARS + 10);
    let p = launch::first_prompt(&issue(12, "t", &long), &repo(), &names);
    assert!(p.contains(&"y".repeat(launch::BODY_MAX_CHARS)));
    assert!(!p.contains(&"y".repeat(launch::BODY_MAX_CHARS + 1)));
    assert!(p.contains("10 more characters"), "{p}");
    let p = launch::first_prompt(&issue(12, "t", "  \n "), &repo(), &names);
    assert!(p.contains("(The issue has no description.)"));
    let r = launch::resume_prompt(12, &repo(), &names.branch);
    assert!(
        r.contains("#12 of octo/hello") && r.contains(&names.branch),
        "{r}"
    );
}

fn file<'a>(files: &'a [launch::WorkerFile], name: &str) -> &'a str {
    &files
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no {name}"))
        .contents
}

#[test]
fn worker_files_for_claude() {
    let agent = id("gh-7");
    let lead = Config {
        guest: Some("guests/policy.wasm".into()),
        github_api_url: Some("https://ghe.example.com/api/v3".into()),
        session: Some("lead-session".into()),
        ..Config::default()
    };
    let files = launch::worker_files(&WorkerSetup {
        kind: AgentKind::Claude,
        exe: Path::new("/opt/my tools/exomonad"),
        agent_id: &agent,
        project_dir: Path::new("/home/u/proj"),
        session: Some("s1"),
        lead_config: &lead,
    })
    .unwrap();
    let names: Vec<&str> = files.iter().map(|f| f.name).collect();
    assert_eq!(names, ["config.toml", "claude-settings.json", "mcp.json"]);

    let cfg: Config = toml::from_str(file(&files, "config.toml")).unwrap();
    assert_eq!(cfg.role, Some(Role::Worker));
    assert_eq!(cfg.agent_id.as_deref(), Some("gh-7"));
    assert_eq!(cfg.session.as_deref(), Some("s1"));
    assert_eq!(cfg.project_dir.as_deref(), Some("/home/u/proj"));
    assert_eq!(
        cfg.guest.as_deref(),
        Some("/home/u/proj/guests/policy.wasm")
    );
    assert_eq!(cfg.github_api_url, lead.github_api_url);
    assert_eq!(cfg.worker_command, None);

    let settings: serde_json::Value =
        serde_json::from_str(file(&files, "claude-settings.json")).unwrap();
    assert_eq!(
        settings,
        exomonad::wiring::claude_settings("/opt/my tools/exomonad")
    );

    let mcp: serde_json::Value = serde_json::from_str(file(&files, "mcp.json")).unwrap();
    assert_eq!(
        mcp,
        serde_json::json!({"mcpServers": {"exomonad": {
            "command": "/opt/my tools/exomonad",
            "args": ["mcp-stdio"],
            "env": {"EXOMONAD_AGENT_ID": "gh-7", "EXOMONAD_ROLE": "worker"}
        }}})
    );
}

#[test]
fn worker_files_for_gemini() {
    let agent = id("gh-8");
    let lead = Config {
        guest: Some("embedded".into()),
        ..Config::default()
    };
    let files = launch::worker_files(&WorkerSetup {
        kind: AgentKind::Gemini,
        exe: Path::new("/usr/bin/exomonad"),
        agent_id: &agent,
        project_dir: Path::new("/p"),
        session: None,
        lead_config: &lead,
    })
    .unwrap();
    let names: Vec<&str> = files.iter().map(|f| f.name).collect();
    assert_eq!(names, ["config.toml", "gemini-settings.json"]);
    let cfg: Config = toml::from_str(file(&files, "config.toml")).unwrap();
    assert_eq!(cfg.guest.as_deref(), Some("embedded"));
    assert_eq!(cfg.session, None);
    let s: serde_json::Value = serde_json::from_str(file(&files, "gemini-settings.json")).unwrap();
    assert_eq!(s["hooksConfig"]["enabled"], true);
    let hooks = s["hooks"].as_object().unwrap();
    assert_eq!(hooks.len(), exomonad::wiring::GEMINI_HOOK_EVENTS.len());
    for event in exomonad::wiring::GEMINI_HOOK_EVENTS {
        let h = &hooks[*event][0]["hooks"][0];
        assert_eq!(h["type"], "command");
        assert_eq!(
            h["command"],
            format!("/usr/bin/exomonad hook {event} --runtime gemini")
        );
        assert_eq!(h["timeout"], 30_000);
        // Every event name is one the host's Gemini hook handling knows.
        assert!(
            Runtime::Gemini.canonical_event_name(event).is_some(),
            "{event}"
        );
    }
    assert_eq!(
        s["mcpServers"]["exomonad"]["args"],
        serde_json::json!(["mcp-stdio"])
    );
    assert_eq!(
        s["mcpServers"]["exomonad"]["env"]["EXOMONAD_AGENT_ID"],
        "gh-8"
    );
}

#[test]
fn worker_files_never_dirty_the_worktree() {
    let dir = tempfile::tempdir().unwrap();
    let wt = dir.path();
    common::git(wt, &["init", "-q", "-b", "main"]);
    let agent = id("gh-5");
    let files = launch::worker_files(&WorkerSetup {
        kind: AgentKind::Claude,
        exe: Path::new("/usr/bin/exomonad"),
        agent_id: &agent,
        project_dir: Path::new("/p"),
        session: None,
        lead_config: &Config::default(),
    })
    .unwrap();
    let state = launch::write_worker_files(wt, &files, None).unwrap();
    assert_eq!(state, wt.join(".exomonad"));
    for f in &files {
        assert_eq!(
            std::fs::read_to_string(state.join(f.name)).unwrap(),
            f.contents
        );
    }
    let leftovers: Vec<_> = std::fs::read_dir(&state)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    assert!(
        exomonad::services::git::dirty_files(wt)
            .unwrap()
            .files
            .is_empty()
    );
    // Writing again replaces them.
    launch::write_worker_files(wt, &files, None).unwrap();
}

#[test]
fn a_workers_environment_is_its_id_and_role_only() {
    // Whatever the lead's environment holds (a GitHub token among it), exomonad gives a
    // worker's pane and its MCP server only these variables.
    let agent = id("gh-5");
    let allowed = ["EXOMONAD_AGENT_ID", "EXOMONAD_ROLE"];
    for kind in [AgentKind::Claude, AgentKind::Gemini] {
        let cmd = launch::agent_command(&launch::Launch {
            kind,
            worker_command: None,
            worktree: Path::new("/wt"),
            agent_id: &agent,
            prompt: "Work on issue 5.",
            resume: None,
        })
        .unwrap();
        for (name, _) in &cmd.env {
            assert!(allowed.contains(&name.as_str()), "{kind:?}: {name}");
        }
        let files = launch::worker_files(&WorkerSetup {
            kind,
            exe: Path::new("/usr/bin/exomonad"),
            agent_id: &agent,
            project_dir: Path::new("/p"),
            session: None,
            lead_config: &Config::default(),
        })
        .unwrap();
        let mut servers = 0;
        for f in files.iter().filter(|f| f.name.ends_with(".json")) {
            let v: serde_json::Value = serde_json::from_str(&f.contents).unwrap();
            let Some(env) = v["mcpServers"]["exomonad"]["env"].as_object() else {
                continue;
            };
            servers += 1;
            let names: Vec<&String> = env.keys().collect();
            assert!(
                names.iter().all(|n| allowed.contains(&n.as_str())),
                "{kind:?} {}: {names:?}",
                f.name
            );
        }
        assert_eq!(servers, 1, "{kind:?}: one MCP server entry");
    }
}

#[test]
fn a_workers_config_is_trusted_as_written_and_not_after_an_edit() {
    use exomonad::base::config::{ConfigSources, load_layers};
    use exomonad::base::trust::{TrustState, TrustStore};
    let dir = tempfile::tempdir().unwrap();
    let wt = dir.path().join("wt");
    std::fs::create_dir_all(&wt).unwrap();
    let store = TrustStore::new(dir.path().join("trust"));
    let agent = id("gh-5");
    let lead = Config {
        guest: Some("embedded".into()),
        github_api_url: Some("https://ghe.example.com/api/v3".into()),
        ..Config::default()
    };
    let files = launch::worker_files(&WorkerSetup {
        kind: AgentKind::Claude,
        exe: Path::new("/usr/bin/exomonad"),
        agent_id: &agent,
        project_dir: Path::new("/p"),
        session: None,
        lead_config: &lead,
    })
    .unwrap();
    launch::write_worker_files(&wt, &files, Some(&store)).unwrap();
    let sources = ConfigSources {
        user_config: None,
        trust: Some(store),
    };
    let layers = load_layers(&wt, &sources);
    assert!(
        matches!(layers.trust, TrustState::Trusted { .. }),
        "{:?}",
        layers.trust
    );
    assert_eq!(layers.config.guest.as_deref(), Some("embedded"));
    let path = wt.join(".exomonad/config.toml");
    let edited = std::fs::read_to_string(&path).unwrap() + "worker_command = \"sh\"\n";
    std::fs::write(&path, edited).unwrap();
    let layers = load_layers(&wt, &sources);
    assert!(
        matches!(layers.trust, TrustState::Untrusted { .. }),
        "{:?}",
        layers.trust
    );
    assert_eq!(layers.config.guest, None);
    assert_eq!(layers.config.worker_command, None);
}

/// exomonad's Gemini settings for worker `gh-7`, as `worker_files` writes them.
fn gemini_ours() -> String {
    let agent = id("gh-7");
    let files = launch::worker_files(&WorkerSetup {
        kind: AgentKind::Gemini,
        exe: Path::new("/usr/bin/exomonad"),
        agent_id: &agent,
        project_dir: Path::new("/p"),
        session: None,
        lead_config: &Config::default(),
    })
    .unwrap();
    files
        .into_iter()
        .find(|f| f.name == exomonad::wiring::GEMINI_SETTINGS_FILE)
        .expect("a Gemini settings file")
        .contents
}

#[test]
fn gemini_settings_merge_keeps_the_projects_own() {
    let ours: serde_json::Value = serde_json::from_str(&gemini_ours()).unwrap();
    assert_eq!(ours["mcpServers"]["exomonad"]["trust"], json!(true));
    let project = json!({
        "ui": {"theme": "Default"},
        "hooks": {"BeforeTool": [{"hooks": [{"type": "command", "name": "lint", "command": "lint"}]}]},
        "mcpServers": {"other": {"command": "other"}},
    });
    let merged = launch::merge_gemini_settings(Some(project), &ours);
    assert_eq!(merged["ui"]["theme"], "Default");
    assert_eq!(merged["hooksConfig"]["enabled"], json!(true));
    assert_eq!(merged["mcpServers"]["other"]["command"], "other");
    assert_eq!(
        merged["mcpServers"]["exomonad"],
        ours["mcpServers"]["exomonad"]
    );
    let before = merged["hooks"]["BeforeTool"].as_array().unwrap();
    assert_eq!(before.len(), 2, "{merged}");
    assert_eq!(before[0]["hooks"][0]["name"], "lint");
    assert_eq!(before[1], ours["hooks"]["BeforeTool"][0]);
    // Merging again (a resumed worker) replaces our definitions instead of adding more.
    let again = launch::merge_gemini_settings(Some(merged.clone()), &ours);
    assert_eq!(again, merged);
    assert_eq!(
        launch::merge_gemini_settings(None, &ours)["hooks"],
        ours["hooks"]
    );
}

#[test]
fn gemini_settings_never_dirty_the_worktree() {
    let ours = gemini_ours();
    // A project without Gemini settings: ours, ignored by a .gemini/.gitignore.
    let dir = tempfile::tempdir().unwrap();
    let wt = dir.path();
    common::git(wt, &["init", "-q", "-b", "main"]);
    let path = launch::install_gemini_settings(wt, &ours).unwrap();
    assert_eq!(path, wt.join(".gemini/settings.json"));
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(
        written["hooks"],
        serde_json::from_str::<serde_json::Value>(&ours).unwrap()["hooks"]
    );
    assert!(
        exomonad::services::git::dirty_files(wt)
            .unwrap()
            .files
            .is_empty()
    );

    // A project that tracks its own: merged into, and hidden from git in this worktree.
    let dir = tempfile::tempdir().unwrap();
    let wt = dir.path();
    common::git(wt, &["init", "-q", "-b", "main"]);
    std::fs::create_dir_all(wt.join(".gemini")).unwrap();
    std::fs::write(
        wt.join(".gemini/settings.json"),
        r#"{"ui":{"theme":"Default"}}"#,
    )
    .unwrap();
    common::git(wt, &["add", "-A"]);
    common::git(
        wt,
        &[
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@e",
            "commit",
            "-q",
            "-m",
            "settings",
        ],
    );
    launch::install_gemini_settings(wt, &ours).unwrap();
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path_in(wt)).unwrap()).unwrap();
    assert_eq!(written["ui"]["theme"], "Default");
    assert_eq!(written["mcpServers"]["exomonad"]["trust"], json!(true));
    assert!(
        exomonad::services::git::dirty_files(wt)
            .unwrap()
            .files
            .is_empty()
    );
    // Again (a resumed worker): still one definition of ours per event.
    launch::install_gemini_settings(wt, &ours).unwrap();
    let again: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path_in(wt)).unwrap()).unwrap();
    assert_eq!(again, written);
}

fn path_in(wt: &Path) -> std::path::PathBuf {
    wt.join(launch::GEMINI_WORKSPACE_SETTINGS)
}

// ---- tab layout ----------------------------------------------------------------------------

/// The tab of a Claude worker for `issue`, as the orchestration builds it.
fn worker_tab(issue: &Issue) -> WorkerTab {
    let names = WorkerNames::derive(
        issue.number,
        &issue.title,
        Path::new("/home/u/proj/.exomonad/worktrees"),
    );
    let prompt = launch::first_prompt(issue, &repo(), &names);
    let command = launch::agent_command(&Launch {
        kind: AgentKind::Claude,
        worker_command: None,
        worktree: &names.worktree,
        agent_id: &names.agent_id,
        prompt: &prompt,
        resume: None,
    })
    .unwrap();
    WorkerTab {
        tab_name: names.tab_name.clone(),
        cwd: names.worktree.clone(),
        pane_name: names.agent_id.to_string(),
        command,
    }
}

#[test]
fn layout_of_a_plain_issue() {
    let tab = worker_tab(&issue(
        7,
        "Fix the login page",
        "The button does nothing.\n\nSteps:\n1. click",
    ));
    insta::assert_snapshot!(tab.render().unwrap());
}

#[test]
fn layout_of_a_hostile_issue() {
    let tab = worker_tab(&issue(
        1337,
        "\u{1b}[2J\u{202E}\"}; pane command=\"rm\" { args \"-rf\" \"/\" } //\u{7} 🙂 שלום ../../x",
        "body with \u{1b}]0;pwned\u{7} escape, \"quotes\", \\backslash\\ and a\r\nCRLF line",
    ));
    let out = tab.render().unwrap();
    insta::assert_snapshot!(out);
    // Whatever the title says, the layout has one tab with one command pane.
    let read = read_back(&out);
    assert_eq!(read.command, "env");
    assert_eq!(
        read.argv[..3],
        [
            "EXOMONAD_AGENT_ID=gh-1337",
            "EXOMONAD_ROLE=worker",
            "claude"
        ]
    );
}

/// What a layout says, read back with the KDL parser Zellij uses.
#[derive(Debug)]
struct ReadBack {
    tab_name: String,
    cwd: String,
    pane_name: String,
    command: String,
    argv: Vec<String>,
    plugins: Vec<String>,
}

fn string_prop(node: &KdlNode, key: &str) -> Option<String> {
    node.get(key)
        .and_then(|e| e.value().as_string())
        .map(str::to_owned)
}

fn read_back(text: &str) -> ReadBack {
    let doc: KdlDocument = text.parse().expect("valid KDL");
    assert_eq!(doc.nodes().len(), 1, "one top-level node");
    let layout = doc.get("layout").expect("layout node");
    let tabs: Vec<&KdlNode> = layout.children().unwrap().nodes().iter().collect();
    assert_eq!(tabs.len(), 1, "exactly one tab");
    let tab = tabs[0];
    assert_eq!(tab.name().value(), "tab");
    let panes = tab.children().unwrap().nodes();
    assert_eq!(panes.len(), 3, "tab bar, agent pane, status bar");
    let mut plugins = Vec::new();
    let mut command_panes = Vec::new();
    for pane in panes {
        assert_eq!(pane.name().value(), "pane");
        for child in pane.children().map(|c| c.nodes()).unwrap_or_default() {
            if child.name().value() == "plugin" {
                plugins.push(string_prop(child, "location").unwrap());
            }
        }
        if pane.get("command").is_some() {
            command_panes.push(pane);
        }
    }
    assert_eq!(command_panes.len(), 1);
    let pane = command_panes[0];
    let args = pane.children().unwrap().get("args").expect("args node");
    ReadBack {
        tab_name: string_prop(tab, "name").unwrap(),
        cwd: string_prop(tab, "cwd").unwrap(),
        pane_name: string_prop(pane, "name").unwrap(),
        command: string_prop(pane, "command").unwrap(),
        argv: args
            .entries()
            .iter()
            .map(|e| {
                assert!(e.name().is_none(), "args are positional");
                e.value().as_string().unwrap().to_owned()
            })
            .collect(),
        plugins,
    }
}

fn path_component() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9._ -]{1,12}",
        any::<String>().prop_map(|s| s.replace(['/', '\0'], "")),
        Just("$HOME".to_owned()),
        Just("wt\u{1b}x".to_owned()),
    ]
    .prop_filter("non-empty", |s| !s.is_empty())
}

proptest! {
    #[test]
    fn layouts_parse_back_to_their_inputs(
        title in hostile_text(),
        components in prop::collection::vec(path_component(), 1..5),
        env_value in hostile_text(),
        program in "[a-z][a-z0-9_./-]{0,20}",
        args in prop::collection::vec(hostile_text(), 0..6),
    ) {
        let cwd = PathBuf::from(format!("/{}", components.join("/")));
        let tab = WorkerTab {
            tab_name: title.clone(),
            cwd: cwd.clone(),
            pane_name: format!("pane {title}"),
            command: AgentCommand {
                env: vec![("EXOMONAD_AGENT_ID".into(), "gh-1".into()), ("SOME_VALUE".into(), env_value.clone())],
                program: program.clone(),
                args: args.clone(),
            },
        };
        let cwd_text = cwd.to_str().unwrap();
        match tab.render() {
            Err(TabLayoutError::Cwd { .. }) => {
                prop_assert!(cwd_text.contains('$') || cwd_text.chars().any(char::is_control));
            }
            Err(e) => prop_assert!(false, "unexpected error {e}"),
            Ok(out) => {
                prop_assert!(!cwd_text.contains('$') && !cwd_text.chars().any(char::is_control));
                let read = read_back(&out);
                prop_assert_eq!(read.tab_name, exomonad_ui::text::remove_controls(&title, false));
                prop_assert_eq!(read.pane_name, exomonad_ui::text::remove_controls(&format!("pane {title}"), false));
                prop_assert_eq!(read.cwd, cwd_text);
                prop_assert_eq!(read.command, "env");
                let mut want = vec![
                    "EXOMONAD_AGENT_ID=gh-1".to_owned(),
                    format!("SOME_VALUE={}", exomonad_ui::text::remove_controls(&env_value, true)),
                    program.clone(),
                ];
                want.extend(args.iter().map(|a| exomonad_ui::text::remove_controls(a, true)));
                prop_assert_eq!(&read.argv, &want);
                prop_assert_eq!(read.plugins, vec!["zellij:tab-bar".to_owned(), "zellij:status-bar".to_owned()]);
                prop_assert!(!out.chars().any(|c| c.is_control() && c != '\n'), "raw control character in {:?}", out);
            }
        }
    }
}

#[test]
fn layouts_refuse_what_zellij_would_change() {
    let mut tab = worker_tab(&issue(1, "t", ""));
    tab.cwd = PathBuf::from("relative/wt");
    assert!(matches!(tab.render(), Err(TabLayoutError::Cwd { .. })));
    tab.cwd = PathBuf::from("/p/$HOME/wt");
    assert!(matches!(tab.render(), Err(TabLayoutError::Cwd { .. })));
    tab.cwd = PathBuf::from("/p/wt");
    tab.command.env.push(("BAD=NAME".into(), "x".into()));
    assert!(matches!(tab.render(), Err(TabLayoutError::EnvName(_))));
    tab.command.env.pop();
    for program in ["", "-i", "A=b"] {
        tab.command.program = program.into();
        assert!(
            matches!(tab.render(), Err(TabLayoutError::Program(_))),
            "{program:?}"
        );
    }
}

// ---- registry ----------------------------------------------------------------------------

fn record(issue: u64) -> WorkerRecord {
    let names = WorkerNames::derive(issue, "Some title", Path::new("/p/.exomonad/worktrees"));
    WorkerRecord {
        issue,
        agent_id: names.agent_id,
        repo: repo(),
        title: "Some \"title\"".into(),
        branch: names.branch,
        worktree: names.worktree,
        tab_id: Some(issue + 100),
        agent: AgentKind::Claude,
        created_at: "2026-03-01T12:00:00Z".parse().unwrap(),
    }
}

#[test]
fn records_round_trip_and_bad_ones_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let reg = Registry::new(dir.path());
    assert_eq!(reg.load_all().unwrap(), registry::Records::default());
    for n in [12, 3, 7] {
        reg.save(&record(n)).unwrap();
    }
    assert!(dir.path().join(".exomonad/.gitignore").is_file());
    assert_eq!(
        reg.record_path(&id("gh-7")),
        dir.path().join(".exomonad/agents/gh-7.json")
    );
    assert_eq!(reg.load(&id("gh-7")).unwrap(), Some(record(7)));
    assert_eq!(reg.load(&id("gh-8")).unwrap(), None);

    std::fs::write(reg.dir().join("gh-99.json"), "{ not json").unwrap();
    std::fs::write(
        reg.dir().join("gh-98.json"),
        serde_json::to_string(&record(5)).unwrap(),
    )
    .unwrap();
    std::fs::write(reg.dir().join(".gh-4.json.1.2.tmp"), "{").unwrap();
    std::fs::write(reg.dir().join("notes.txt"), "x").unwrap();
    let all = reg.load_all().unwrap();
    let issues: Vec<u64> = all.records.iter().map(|r| r.issue).collect();
    assert_eq!(issues, [3, 7, 12]);
    assert_eq!(all.bad.len(), 2, "{:?}", all.bad);
    assert!(all.bad[0].path.ends_with("gh-98.json") && all.bad[0].error.contains("gh-5"));
    assert!(all.bad[1].path.ends_with("gh-99.json"));
    assert!(matches!(
        reg.load(&id("gh-99")),
        Err(RegistryError::Json { .. })
    ));

    let mut changed = record(7);
    changed.tab_id = None;
    reg.save(&changed).unwrap();
    assert_eq!(reg.load(&id("gh-7")).unwrap(), Some(changed));
    assert!(reg.remove(&id("gh-7")).unwrap());
    assert!(!reg.remove(&id("gh-7")).unwrap());
    assert_eq!(reg.load(&id("gh-7")).unwrap(), None);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(reg.record_path(&id("gh-3"))).unwrap())
            .unwrap();
    assert_eq!(json["agent"], "claude");
    assert_eq!(
        json["repo"],
        serde_json::json!({"owner": "octo", "repo": "hello"})
    );
    assert_eq!(record(3).to_ref().worktree, "/p/.exomonad/worktrees/gh-3");
}

/// Two spawns of one issue race: each checks for a record, takes a while, then writes one.
/// Returns how many of them "created" the worker.
fn race(with_lock: bool) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let created = Arc::new(AtomicUsize::new(0));
    let start = Arc::new(Barrier::new(2));
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let (reg, created, start) = (Registry::new(dir.path()), created.clone(), start.clone());
            std::thread::spawn(move || {
                start.wait();
                let _lock = with_lock.then(|| reg.lock_issue(7, Duration::from_secs(10)).unwrap());
                if reg.load(&id("gh-7")).unwrap().is_none() {
                    std::thread::sleep(Duration::from_millis(150));
                    reg.save(&record(7)).unwrap();
                    created.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    created.load(Ordering::SeqCst)
}

#[test]
fn the_issue_lock_serializes_spawns() {
    assert_eq!(
        race(false),
        2,
        "without the lock both spawns create (the race is real)"
    );
    assert_eq!(race(true), 1, "with the lock only one does");
}

#[test]
fn a_held_lock_times_out_and_is_released_on_drop() {
    let dir = tempfile::tempdir().unwrap();
    let reg = Registry::new(dir.path());
    // Not Duration::ZERO where the lock must be had: a process forked by another test
    // holds a copy of the descriptor until it execs (see `Registry::lock_issue`).
    let wait = Duration::from_secs(5);
    let held = reg.lock_issue(4, wait).unwrap();
    assert_eq!(held.path(), dir.path().join(".exomonad/agents/gh-4.lock"));
    let other = reg.lock_issue(4, Duration::from_millis(100));
    assert!(
        matches!(other, Err(RegistryError::LockTimeout { .. })),
        "{other:?}"
    );
    // Another issue is not blocked.
    drop(reg.lock_issue(5, wait).unwrap());
    drop(held);
    reg.lock_issue(4, wait).unwrap();
}

#[test]
fn runtime_sessions_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let wt = dir.path();
    assert_eq!(registry::read_runtime_session(wt).unwrap(), None);
    let s = RuntimeSession {
        runtime: Runtime::Claude,
        session_id: "0b7c5a2e-0000-4000-8000-000000000001".into(),
        updated_at: "2026-03-01T12:00:00Z".parse().unwrap(),
    };
    registry::write_runtime_session(wt, &s).unwrap();
    assert_eq!(
        registry::runtime_session_path(wt),
        wt.join(".exomonad/runtime-session.json")
    );
    assert!(wt.join(".exomonad/.gitignore").is_file());
    assert_eq!(registry::read_runtime_session(wt).unwrap(), Some(s));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(registry::runtime_session_path(wt)).unwrap())
            .unwrap();
    assert_eq!(json["runtime"], "claude");
    std::fs::write(registry::runtime_session_path(wt), "[]").unwrap();
    assert!(matches!(
        registry::read_runtime_session(wt),
        Err(RegistryError::Json { .. })
    ));
}

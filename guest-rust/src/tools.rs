//! The MCP tools: their list (names, descriptions, JSON Schemas of the arguments) and what
//! each call does, over the [`Host`] effect trait.
//!
//! Contract: [`exomonad_protocol::tools`]. A tool that fails is a [`ToolResult`] with
//! `is_error: true` whose text says what went wrong and what to do; only an unknown tool name
//! is an `Err` ([`ErrorCode::NotFound`]), which the host turns into JSON-RPC `-32602`.
//!
//! Arguments are parsed strictly (unknown keys are refused, naming the key), so a typo in an
//! argument never silently changes what a tool does. Each argument type derives its JSON
//! Schema with `schemars`, so `tools/list` and the parser cannot disagree; the bounds that
//! schema declares (`minimum`, `maximum`, `minItems`) are checked after parsing, since serde
//! does not. An error says where the bad value is, as `serde_path_to_error` writes a path:
//! `invalid arguments for git_log: limit: invalid type: string "ten", expected u32`.

use std::collections::HashMap;
use std::sync::OnceLock;

use exomonad_protocol::Role;
use exomonad_protocol::abi::{
    AbiError, ErrorCode, FileText, GitRemoteRequest, GitRequest, ReadFileRequest,
    RecentCommitsRequest, UiPopupRequest,
};
use exomonad_protocol::agents::{AgentKind, CleanupRequest, SpawnRequest};
use exomonad_protocol::form::{Field, FormReply, FormRequest, Step};
use exomonad_protocol::github::{
    GetIssueRequest, ListIssuesRequest, ListPullsRequest, NoRepo, RepoRef, StateFilter,
};
use exomonad_protocol::tools::{ToolCall, ToolDefinition, ToolList, ToolResult, ToolsContext};
use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::host::Host;

/// Most commits `git_log` returns (the host caps at the same number).
pub const GIT_LOG_MAX: u32 = 100;
/// Commits `git_log` returns when `limit` is left out.
pub const GIT_LOG_DEFAULT: u32 = 20;

/// `git_branch` and `git_status` arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct PathArgs {
    /// A directory inside the project (relative to it, or absolute inside it). Default: the
    /// project directory.
    path: Option<String>,
}

/// `git_log` arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct GitLogArgs {
    /// A directory inside the project. Default: the project directory.
    path: Option<String>,
    /// How many commits, newest first (1 to 100). Default 20.
    #[schemars(range(min = 1, max = 100))]
    limit: Option<u32>,
}

/// `read_file` arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ReadFileArgs {
    /// The file, relative to the project directory (or absolute inside it).
    path: String,
    /// Return at most this many lines from the start. Default: up to 1 MiB of text.
    #[schemars(range(min = 1))]
    max_lines: Option<u32>,
}

/// `github_list_issues` arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ListIssuesArgs {
    /// Repository owner. Default: from the project's `origin` remote.
    owner: Option<String>,
    /// Repository name. Default: from the project's `origin` remote.
    repo: Option<String>,
    /// `open` (default), `closed` or `all`.
    state: Option<StateFilter>,
    /// Only issues that carry every one of these labels.
    labels: Option<Vec<String>>,
    /// At most this many issues (default 100, at most 500).
    #[schemars(range(min = 1, max = 500))]
    limit: Option<u32>,
}

/// `github_get_issue` arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct GetIssueArgs {
    /// Repository owner. Default: from the project's `origin` remote.
    owner: Option<String>,
    /// Repository name. Default: from the project's `origin` remote.
    repo: Option<String>,
    /// The issue number.
    #[schemars(range(min = 1))]
    number: u64,
}

/// `github_list_prs` arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct ListPrsArgs {
    /// Repository owner. Default: from the project's `origin` remote.
    owner: Option<String>,
    /// Repository name. Default: from the project's `origin` remote.
    repo: Option<String>,
    /// `open` (default), `closed` or `all`.
    state: Option<StateFilter>,
    /// At most this many (default 30, at most 500).
    #[schemars(range(min = 1, max = 500))]
    limit: Option<u32>,
}

/// `spawn_agents` arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct SpawnArgs {
    /// Issue numbers: one worker agent each, in its own git worktree and Zellij tab.
    #[schemars(length(min = 1))]
    issues: Vec<u64>,
    /// Repository owner. Default: from the project's `origin` remote.
    owner: Option<String>,
    /// Repository name. Default: from the project's `origin` remote.
    repo: Option<String>,
    /// Where the worktrees go (relative to the project or absolute). Default:
    /// `.exomonad/worktrees`, or the config's `worktree_dir`.
    worktree_dir: Option<String>,
    /// The agent runtime the workers run: `claude` (default) or `gemini`.
    agent: Option<AgentKind>,
}

/// `cleanup_agents` arguments.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct CleanupArgs {
    /// Issue numbers of the workers to end.
    #[schemars(length(min = 1))]
    issues: Vec<u64>,
    /// Also remove worktrees with uncommitted changes or unpushed, unmerged commits
    /// (commits stay on the branch; uncommitted changes are lost). Default false.
    force: Option<bool>,
}

/// `list_agents` arguments: none.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct NoArgs {}

/// `ask_human` arguments: a form (see the `exomonad-protocol` form contract).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct AskHumanArgs {
    /// One line shown above the form.
    title: String,
    /// Text shown under the title (line breaks kept).
    body: Option<String>,
    /// The fields of a one-page form.
    #[serde(default)]
    fields: Vec<Field>,
    /// The steps of a wizard (instead of `fields`).
    #[serde(default)]
    steps: Vec<Step>,
    /// Longest wait for the answer, in seconds. Default: the host's limit.
    #[schemars(range(min = 1))]
    timeout_secs: Option<u64>,
}

/// What `git_status` answers.
#[derive(Debug, Serialize)]
struct Status {
    clean: bool,
    files: Vec<exomonad_protocol::abi::DirtyFile>,
}

/// One tool: its name, description, argument schema, and who may use it.
struct Tool {
    name: &'static str,
    description: &'static str,
    schema: fn() -> Value,
    lead_only: bool,
}

impl Tool {
    /// Its input schema, generated on first use and kept for the life of the guest instance
    /// (the host keeps instances warm between calls; every call checks arguments with it).
    fn input_schema(&self) -> &'static Value {
        static SCHEMAS: OnceLock<HashMap<&'static str, Value>> = OnceLock::new();
        &SCHEMAS.get_or_init(|| TOOLS.iter().map(|t| (t.name, (t.schema)())).collect())[self.name]
    }
}

fn schema<T: JsonSchema>() -> Value {
    let mut v = serde_json::to_value(schemars::schema_for!(T)).unwrap_or_else(|_| json!({}));
    if let Some(o) = v.as_object_mut() {
        // The argument types' names and doc comments are ours, not the model's business:
        // the tool's own description says what it does.
        o.remove("title");
        o.remove("description");
        o.insert("type".into(), json!("object"));
    }
    unwrap_doc_lines(&mut v);
    v
}

/// Doc comments are wrapped at 100 columns; descriptions read better as single lines.
fn unwrap_doc_lines(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, child) in map.iter_mut() {
                match child {
                    Value::String(s) if k == "description" => *s = s.replace('\n', " "),
                    other => unwrap_doc_lines(other),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(unwrap_doc_lines),
        _ => {}
    }
}

/// Every tool, in `tools/list` order.
const TOOLS: &[Tool] = &[
    Tool {
        name: "git_branch",
        description: "The checked-out branch and HEAD commit of a working tree in the project.",
        schema: schema::<PathArgs>,
        lead_only: false,
    },
    Tool {
        name: "git_status",
        description: "Uncommitted changes (modified, staged, deleted, untracked files) of a working tree in the project.",
        schema: schema::<PathArgs>,
        lead_only: false,
    },
    Tool {
        name: "git_log",
        description: "The newest commits of a working tree in the project: hash, summary, author, time.",
        schema: schema::<GitLogArgs>,
        lead_only: false,
    },
    Tool {
        name: "read_file",
        description: "The start of a UTF-8 text file inside the project directory (up to 1 MiB, or `max_lines` lines).",
        schema: schema::<ReadFileArgs>,
        lead_only: false,
    },
    Tool {
        name: "github_list_issues",
        description: "A GitHub repository's issues (pull requests left out), newest first.",
        schema: schema::<ListIssuesArgs>,
        lead_only: false,
    },
    Tool {
        name: "github_get_issue",
        description: "One GitHub issue: title, body, labels, assignees, state.",
        schema: schema::<GetIssueArgs>,
        lead_only: false,
    },
    Tool {
        name: "github_list_prs",
        description: "A GitHub repository's pull requests, newest first.",
        schema: schema::<ListPrsArgs>,
        lead_only: false,
    },
    Tool {
        name: "spawn_agents",
        description: "Start one worker agent per GitHub issue, each in its own git worktree (branch gh-<number>/<slug>) and Zellij tab, with the issue as its first prompt. An issue whose worker is still running gets its tab focused; a dead worker is resumed.",
        schema: schema::<SpawnArgs>,
        lead_only: true,
    },
    Tool {
        name: "cleanup_agents",
        description: "End workers: close their tabs and remove their worktrees. Refuses, per issue, a worktree with uncommitted changes or commits that exist nowhere else, unless `force`.",
        schema: schema::<CleanupArgs>,
        lead_only: true,
    },
    Tool {
        name: "list_agents",
        description: "Every worker: issue, branch, worktree, whether its tab is open, its dashboard state, uncommitted files, commits ahead of the base, and its pull request.",
        schema: schema::<NoArgs>,
        lead_only: true,
    },
    Tool {
        name: "ask_human",
        description: "Ask the person a question with a form in the exomonad dashboard and wait for the answer (submitted values, cancelled, or timed out).",
        schema: schema::<AskHumanArgs>,
        lead_only: false,
    },
];

/// The tools an agent of `ctx.role` sees (workers do not spawn or end workers).
pub fn list_tools(ctx: &ToolsContext) -> ToolList {
    ToolList {
        tools: TOOLS
            .iter()
            .filter(|t| visible(t, ctx.role))
            .map(|t| ToolDefinition {
                name: t.name.to_owned(),
                description: t.description.to_owned(),
                input_schema: t.input_schema().clone(),
            })
            .collect(),
    }
}

fn visible(tool: &Tool, role: Role) -> bool {
    !tool.lead_only || role == Role::Lead
}

/// Runs one `tools/call`.
///
/// # Errors
/// [`ErrorCode::NotFound`] when no tool of that name is visible to the caller's role. Every
/// other failure is an `Ok` [`ToolResult`] with `is_error: true`.
pub fn call_tool(call: &ToolCall, host: &mut impl Host) -> Result<ToolResult, AbiError> {
    let Some(tool) = TOOLS
        .iter()
        .find(|t| t.name == call.name && visible(t, call.role))
    else {
        return Err(AbiError::new(
            ErrorCode::NotFound,
            format!("unknown tool: {:?}", call.name),
        ));
    };
    let result = match tool.name {
        "git_branch" => args::<PathArgs>(call, tool)
            .and_then(|a| done(host.git_get_branch(GitRequest { path: a.path }))),
        "git_status" => args::<PathArgs>(call, tool).and_then(|a| {
            let files = host
                .git_get_dirty_files(GitRequest { path: a.path })
                .map_err(failed)?
                .files;
            done(Ok(Status {
                clean: files.is_empty(),
                files,
            }))
        }),
        "git_log" => args::<GitLogArgs>(call, tool).and_then(|a| {
            let limit = a.limit.unwrap_or(GIT_LOG_DEFAULT);
            done(host.git_get_recent_commits(RecentCommitsRequest {
                path: a.path,
                limit,
            }))
        }),
        "read_file" => args::<ReadFileArgs>(call, tool).and_then(|a| {
            let file = host
                .fs_read_file(ReadFileRequest {
                    path: a.path,
                    max_lines: a.max_lines,
                })
                .map_err(failed)?;
            Ok(file_result(file))
        }),
        "github_list_issues" => args::<ListIssuesArgs>(call, tool).and_then(|a| {
            let repo = repo_of(host, a.owner, a.repo)?;
            done(host.github_list_issues(ListIssuesRequest {
                repo,
                state: a.state.unwrap_or_default(),
                labels: a.labels.unwrap_or_default(),
                limit: a.limit,
            }))
        }),
        "github_get_issue" => args::<GetIssueArgs>(call, tool).and_then(|a| {
            let repo = repo_of(host, a.owner, a.repo)?;
            done(host.github_get_issue(GetIssueRequest {
                repo,
                number: a.number,
            }))
        }),
        "github_list_prs" => args::<ListPrsArgs>(call, tool).and_then(|a| {
            let repo = repo_of(host, a.owner, a.repo)?;
            done(host.github_list_prs(ListPullsRequest {
                repo,
                state: a.state.unwrap_or_default(),
                limit: a.limit,
            }))
        }),
        "spawn_agents" => args::<SpawnArgs>(call, tool).and_then(|a| {
            let repo = repo_of(host, a.owner, a.repo)?;
            done(host.agents_spawn(SpawnRequest {
                issues: a.issues,
                repo,
                worktree_dir: a.worktree_dir,
                agent: a.agent,
            }))
        }),
        "cleanup_agents" => args::<CleanupArgs>(call, tool).and_then(|a| {
            done(host.agents_cleanup(CleanupRequest {
                issues: a.issues,
                force: a.force.unwrap_or(false),
            }))
        }),
        "list_agents" => args::<NoArgs>(call, tool).and_then(|_| done(host.agents_list())),
        "ask_human" => args::<AskHumanArgs>(call, tool).and_then(|a| ask_human(call, a, host)),
        other => Err(ToolResult::error(format!("{other} has no implementation"))),
    };
    Ok(result.unwrap_or_else(|e| e))
}

/// Parses the call's arguments (`null` counts as `{}`).
fn args<T: DeserializeOwned>(call: &ToolCall, tool: &Tool) -> Result<T, ToolResult> {
    let value = match &call.arguments {
        Value::Null => json!({}),
        v => v.clone(),
    };
    let invalid = |e: &dyn std::fmt::Display| {
        ToolResult::error(format!("invalid arguments for {}: {e}", call.name))
    };
    let parsed = serde_path_to_error::deserialize(&value).map_err(|e| invalid(&e))?;
    check_bounds(tool.input_schema(), &value).map_err(|e| invalid(&e))?;
    Ok(parsed)
}

/// Checks the arguments against the bounds the tool's own schema declares and serde does
/// not enforce: `minimum` and `maximum` of a number, `minItems` of an array (top-level
/// properties, in name order; the first one out of bounds is the error).
fn check_bounds(schema: &Value, arguments: &Value) -> Result<(), String> {
    let (Some(properties), Some(given)) = (schema["properties"].as_object(), arguments.as_object())
    else {
        return Ok(());
    };
    let mut names: Vec<&String> = properties.keys().collect();
    names.sort();
    for name in names {
        let (bounds, Some(value)) = (&properties[name], given.get(name)) else {
            continue;
        };
        if let Some(n) = value.as_f64() {
            if let Some(min) = bounds
                .get("minimum")
                .filter(|m| m.as_f64().is_some_and(|m| m > n))
            {
                return Err(format!("{name}: {value} is below the minimum, {min}"));
            }
            if let Some(max) = bounds
                .get("maximum")
                .filter(|m| m.as_f64().is_some_and(|m| m < n))
            {
                return Err(format!("{name}: {value} is above the maximum, {max}"));
            }
        }
        if let (Some(items), Some(min)) = (value.as_array(), bounds["minItems"].as_u64())
            && (items.len() as u64) < min
        {
            return Err(format!(
                "{name}: at least {min} needed, {} given",
                items.len()
            ));
        }
    }
    Ok(())
}

/// A host reply as the tool's result.
fn done<T: Serialize>(reply: Result<T, AbiError>) -> Result<ToolResult, ToolResult> {
    let value = reply.map_err(failed)?;
    Ok(ToolResult::json(
        serde_json::to_value(value).unwrap_or(Value::Null),
    ))
}

/// A host error as a tool error: its message is already written for people.
fn failed(e: AbiError) -> ToolResult {
    ToolResult::error(e.message)
}

/// `read_file`'s result: the text itself for the model (plus a note when cut), the
/// [`FileText`] as structured content.
fn file_result(file: FileText) -> ToolResult {
    let mut text = file.text.clone();
    if file.truncated {
        text.push_str(&format!(
            "\n[truncated: {} lines shown of {} ({} bytes); ask for more with max_lines]",
            file.lines, file.path, file.size
        ));
    }
    let mut result = ToolResult::json(serde_json::to_value(&file).unwrap_or(Value::Null));
    result.content = vec![exomonad_protocol::tools::ToolContent::Text { text }];
    result
}

/// `owner`/`repo` as given, the missing parts from the project's `origin` remote.
fn repo_of(
    host: &mut impl Host,
    owner: Option<String>,
    repo: Option<String>,
) -> Result<RepoRef, ToolResult> {
    RepoRef::given_or_remote(owner, repo, || {
        host.git_get_remote_url(GitRemoteRequest::default())
            .map(|r| r.url)
    })
    .map_err(|e| match e {
        NoRepo::Lookup(e) => failed(e),
        NoRepo::NotGitHub(Some(url)) => ToolResult::error(format!(
            "give `owner` and `repo`: the project's remote `origin` ({url}) is not a GitHub repository URL"
        )),
        NoRepo::NotGitHub(None) => ToolResult::error(
            "give `owner` and `repo`: the project has no remote `origin` to take them from",
        ),
    })
}

/// `ask_human`: the form goes to the person through `ui_popup`; submitted, cancelled and
/// timed-out answers are results, a rejected form (invalid, no dashboard) is a tool error.
fn ask_human(
    call: &ToolCall,
    a: AskHumanArgs,
    host: &mut impl Host,
) -> Result<ToolResult, ToolResult> {
    let form = FormRequest {
        id: if call.call_id.is_empty() {
            format!("{}-ask", call.agent_id)
        } else {
            call.call_id.clone()
        },
        title: a.title,
        body: a.body,
        agent_id: call.agent_id.clone(),
        fields: a.fields,
        steps: a.steps,
        // The host gives each ask its identity.
        ask: None,
    };
    form.validate()
        .map_err(|e| ToolResult::error(format!("ask_human: the form makes no sense: {e}")))?;
    let reply = host
        .ui_popup(UiPopupRequest {
            form,
            timeout_secs: a.timeout_secs,
        })
        .map_err(failed)?;
    match &reply {
        FormReply::Rejected { error, .. } => Err(ToolResult::error(format!(
            "ask_human: the form did not reach the person: {error}"
        ))),
        _ => done(Ok(reply)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Call, FakeHost};
    use exomonad_protocol::AgentId;
    use exomonad_protocol::abi::host_fns;

    fn call(role: Role, name: &str, arguments: Value) -> ToolCall {
        ToolCall {
            agent_id: AgentId::new("lead").unwrap(),
            role,
            name: name.into(),
            arguments,
            call_id: "lead-1-7".into(),
        }
    }

    fn run(host: &mut FakeHost, name: &str, arguments: Value) -> ToolResult {
        call_tool(&call(Role::Lead, name, arguments), host).expect("a known tool")
    }

    #[test]
    fn every_tool_has_an_object_schema_and_a_worker_sees_no_spawning() {
        let lead = list_tools(&ToolsContext {
            agent_id: AgentId::new("lead").unwrap(),
            role: Role::Lead,
        });
        assert_eq!(lead.tools.len(), 11);
        for t in &lead.tools {
            assert_eq!(t.input_schema["type"], "object", "{}", t.name);
            assert!(t.input_schema.get("title").is_none());
            assert!(!t.input_schema.to_string().contains("\\n"), "{}", t.name);
        }
        let read = &lead.tools.iter().find(|t| t.name == "read_file").unwrap();
        assert_eq!(read.input_schema["required"], json!(["path"]));
        assert_eq!(read.input_schema["additionalProperties"], false);
        let ask = &lead.tools.iter().find(|t| t.name == "ask_human").unwrap();
        assert!(
            ask.input_schema.to_string().contains("multi_select"),
            "the form's field kinds are in the schema"
        );
        let worker = list_tools(&ToolsContext {
            agent_id: AgentId::new("gh-1").unwrap(),
            role: Role::Worker,
        });
        let names: Vec<_> = worker.tools.iter().map(|t| t.name.as_str()).collect();
        assert!(!names.contains(&"spawn_agents") && names.contains(&"git_status"));
        let mut host = FakeHost::default();
        let err = call_tool(&call(Role::Worker, "spawn_agents", json!({})), &mut host);
        assert_eq!(err.unwrap_err().code, ErrorCode::NotFound);
    }

    #[test]
    fn unknown_tool_is_an_error_not_a_result() {
        let mut host = FakeHost::default();
        let e = call_tool(&call(Role::Lead, "rm_rf", json!({})), &mut host).unwrap_err();
        assert_eq!(e.code, ErrorCode::NotFound);
        assert!(host.calls.is_empty());
    }

    #[test]
    fn bad_arguments_are_tool_errors_naming_the_key() {
        let mut host = FakeHost::default();
        let r = run(&mut host, "git_log", json!({"limt": 3}));
        assert!(r.is_error);
        assert!(r.text().contains("unknown field `limt`"), "{}", r.text());
        let r = run(&mut host, "read_file", json!({}));
        assert!(r.is_error && r.text().contains("missing field `path`"));
        let r = run(&mut host, "github_get_issue", json!({"number": "seven"}));
        assert!(r.is_error);
        assert!(host.calls.is_empty());
    }

    #[test]
    fn git_status_reports_clean_and_files() {
        let mut host = FakeHost::with_dirty(Ok(exomonad_protocol::abi::DirtyFiles {
            files: vec![exomonad_protocol::abi::DirtyFile {
                path: "a.txt".into(),
                status: "??".into(),
            }],
        }));
        let r = run(&mut host, "git_status", json!({"path": "sub"}));
        assert!(!r.is_error);
        assert_eq!(
            r.structured_content,
            Some(json!({"clean": false, "files": [{"path": "a.txt", "status": "??"}]}))
        );
        assert_eq!(
            host.calls,
            vec![Call::GitGetDirtyFiles(GitRequest {
                path: Some("sub".into())
            })]
        );
    }

    #[test]
    fn git_log_limit_is_defaulted_and_checked_against_the_schema() {
        let mut host = FakeHost::default();
        host.script(host_fns::GIT_GET_RECENT_COMMITS, Ok(json!({"commits": []})));
        host.script(host_fns::GIT_GET_RECENT_COMMITS, Ok(json!({"commits": []})));
        run(&mut host, "git_log", json!(null));
        run(&mut host, "git_log", json!({"limit": GIT_LOG_MAX}));
        let limits: Vec<_> = host
            .calls
            .iter()
            .map(|c| match c {
                Call::Other { request, .. } => request["limit"].clone(),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(limits, vec![json!(GIT_LOG_DEFAULT), json!(GIT_LOG_MAX)]);
        for (limit, says) in [
            (
                json!(GIT_LOG_MAX + 1),
                "limit: 101 is above the maximum, 100",
            ),
            (json!(0), "limit: 0 is below the minimum, 1"),
        ] {
            let refused = run(&mut host, "git_log", json!({ "limit": limit }));
            assert!(refused.is_error);
            assert_eq!(
                refused.text(),
                format!("invalid arguments for git_log: {says}")
            );
        }
        assert_eq!(
            host.calls.len(),
            2,
            "a refused call reaches no host function"
        );
    }

    #[test]
    fn argument_errors_say_where_the_bad_value_is() {
        let mut host = FakeHost::default();
        for (tool, arguments, says) in [
            (
                "git_log",
                json!({"limit": "ten"}),
                r#"limit: invalid type: string "ten", expected u32"#,
            ),
            (
                "spawn_agents",
                json!({"issues": [7, "8"]}),
                r#"issues[1]: invalid type: string "8", expected u64"#,
            ),
            (
                "spawn_agents",
                json!({"issues": []}),
                "issues: at least 1 needed, 0 given",
            ),
            (
                "read_file",
                json!({"path": "a", "max_lines": 0}),
                "max_lines: 0 is below the minimum, 1",
            ),
            (
                "ask_human",
                json!({"title": "t", "steps": [{"title": "s", "fields": [
                    {"kind": "text", "name": 3, "label": "x"}]}]}),
                "steps[0].fields[0].name: invalid type: integer `3`, expected a string",
            ),
            ("read_file", json!({}), "missing field `path`"),
        ] {
            let refused = run(&mut host, tool, arguments);
            assert!(refused.is_error, "{tool}");
            assert_eq!(
                refused.text(),
                format!("invalid arguments for {tool}: {says}")
            );
        }
        assert!(host.calls.is_empty());
    }

    #[test]
    fn read_file_gives_the_text_and_notes_a_cut() {
        let mut host = FakeHost::default();
        host.script(
            host_fns::FS_READ_FILE,
            Ok(json!({"path": "src/a.rs", "text": "one\ntwo\n", "lines": 2, "truncated": true, "size": 900})),
        );
        let r = run(
            &mut host,
            "read_file",
            json!({"path": "src/a.rs", "max_lines": 2}),
        );
        assert!(!r.is_error);
        assert!(r.text().starts_with("one\ntwo\n\n[truncated: 2 lines"));
        assert_eq!(r.structured_content.unwrap()["size"], 900);
        host.script(
            host_fns::FS_READ_FILE,
            Err(AbiError::new(
                ErrorCode::BadInput,
                "../etc/passwd is outside the project directory",
            )),
        );
        let r = run(&mut host, "read_file", json!({"path": "../etc/passwd"}));
        assert!(r.is_error && r.text().contains("outside the project"));
    }

    #[test]
    fn owner_and_repo_default_to_the_origin_remote() {
        let mut host = FakeHost::default();
        host.script(
            host_fns::GIT_GET_REMOTE_URL,
            Ok(json!({"url": "git@github.com:octo/hello.git"})),
        );
        host.script(host_fns::GITHUB_LIST_ISSUES, Ok(json!({"issues": []})));
        let r = run(&mut host, "github_list_issues", json!({"labels": ["bug"]}));
        assert!(!r.is_error, "{}", r.text());
        assert_eq!(
            host.names(),
            vec![host_fns::GIT_GET_REMOTE_URL, host_fns::GITHUB_LIST_ISSUES]
        );
        match &host.calls[1] {
            Call::Other { request, .. } => assert_eq!(
                request,
                &json!({"owner": "octo", "repo": "hello", "state": "open", "labels": ["bug"]})
            ),
            other => panic!("{other:?}"),
        }
        // Both given: no remote lookup; only one given: the other from the remote.
        let mut host = FakeHost::default();
        host.script(host_fns::GITHUB_GET_ISSUE, Ok(json!(null)));
        run(
            &mut host,
            "github_get_issue",
            json!({"owner": "a", "repo": "b", "number": 3}),
        );
        assert_eq!(host.names(), vec![host_fns::GITHUB_GET_ISSUE]);
    }

    #[test]
    fn no_github_remote_says_what_to_give() {
        let mut host = FakeHost::default();
        host.script(host_fns::GIT_GET_REMOTE_URL, Ok(json!({"url": null})));
        let r = run(&mut host, "github_list_prs", json!({}));
        assert!(r.is_error && r.text().contains("give `owner` and `repo`"));
        host.script(
            host_fns::GIT_GET_REMOTE_URL,
            Ok(json!({"url": "/srv/git/x.git"})),
        );
        let r = run(&mut host, "spawn_agents", json!({"issues": [1]}));
        assert!(
            r.is_error && r.text().contains("/srv/git/x.git"),
            "{}",
            r.text()
        );
    }

    #[test]
    fn host_errors_become_tool_errors_with_their_message() {
        let mut host = FakeHost::default();
        host.script(
            host_fns::AGENTS_LIST,
            Err(AbiError::new(
                ErrorCode::Unsupported,
                "list_agents is not available yet",
            )),
        );
        let r = run(&mut host, "list_agents", json!({}));
        assert!(r.is_error);
        assert_eq!(r.text(), "list_agents is not available yet");
    }

    #[test]
    fn ask_human_builds_the_form_with_the_call_id() {
        let mut host = FakeHost::default();
        let r = run(
            &mut host,
            "ask_human",
            json!({"title": "Deploy?", "fields": [{"name": "ok", "label": "OK", "kind": "checkbox"}], "timeout_secs": 30}),
        );
        assert!(!r.is_error, "{}", r.text());
        assert_eq!(
            r.structured_content,
            Some(json!({"status": "cancelled", "id": "lead-1-7"}))
        );
        match &host.calls[..] {
            [Call::UiPopup(req)] => {
                assert_eq!(req.form.id, "lead-1-7");
                assert_eq!(req.form.agent_id.as_str(), "lead");
                assert_eq!(req.timeout_secs, Some(30));
            }
            other => panic!("{other:?}"),
        }
        let r = run(&mut host, "ask_human", json!({"title": "x", "fields": []}));
        assert!(
            r.is_error && r.text().contains("makes no sense"),
            "{}",
            r.text()
        );
        assert_eq!(host.calls.len(), 1, "an invalid form is never shown");
        host.script(
            host_fns::UI_POPUP,
            Ok(json!({"status": "rejected", "id": "lead-1-7", "error": "no dashboard"})),
        );
        let r = run(
            &mut host,
            "ask_human",
            json!({"title": "x", "fields": [{"name": "a", "label": "A", "kind": "text"}]}),
        );
        assert!(r.is_error && r.text().contains("no dashboard"));
    }
}

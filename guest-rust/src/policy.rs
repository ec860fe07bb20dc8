//! The hook policy: a pure function from a [`HookCall`] to a [`HookDecision`], with all I/O
//! going through the [`Host`] effect trait.
//!
//! By phase ([`Runtime::phase`]):
//!
//! | phase | events | decision |
//! |---|---|---|
//! | `BeforeTool` | Claude `PreToolUse`, Gemini `BeforeTool` | shell tools (Claude `Bash`, Gemini `run_shell_command`): `Deny` when the command matches the deny-list ([`crate::deny`]), else `Proceed`; other tools: `Proceed` |
//! | `TurnEnd`, `SubagentEnd` | Claude `Stop`, `SubagentStop`, Gemini `AfterAgent` | workers: `Block` while the worktree has uncommitted changes, unless `stop_hook_active` (then `Proceed`, so a stop can never loop); host failure: warn and `Proceed`; lead: `Proceed` |
//! | anything else | | `Proceed` |
//!
//! `Proceed` never overrides the runtime's permission flow; the guest never allows on its own.
//! A payload that is not an object of the runtime's shape is an [`ErrorCode::BadInput`] error
//! (the host then fails open).

use exomonad_protocol::Role;
use exomonad_protocol::abi::{
    AbiError, DirtyFiles, ErrorCode, GitRequest, HookCall, HookDecision, LogLevel, LogRequest,
};
use exomonad_protocol::hook::claude::ClaudeHookInput;
use exomonad_protocol::hook::gemini::GeminiHookInput;
use exomonad_protocol::hook::{HookPhase, Runtime};
use serde::Deserialize;
use serde_json::Value;

use crate::deny;
use crate::host::Host;

/// Claude Code's shell tool.
pub const CLAUDE_SHELL_TOOL: &str = "Bash";
/// Gemini CLI's shell tool.
pub const GEMINI_SHELL_TOOL: &str = "run_shell_command";
/// At most this many dirty files are named in a stop block; the rest are counted.
pub const MAX_LISTED_FILES: usize = 10;

/// Decides one hook call.
///
/// # Errors
/// [`ErrorCode::BadInput`] when `call.payload` is not an object of the runtime's payload shape
/// (e.g. not an object, no `session_id`, or a shell tool call without a string
/// `tool_input.command`). Host function failures are not errors: they are logged and the
/// policy fails open.
pub fn handle_hook(call: &HookCall, host: &mut impl Host) -> Result<HookDecision, AbiError> {
    let payload = Payload::parse(call.runtime, &call.payload)?;
    match call.runtime.phase(&call.hook_event_name) {
        HookPhase::BeforeTool => before_tool(call, &payload),
        HookPhase::TurnEnd | HookPhase::SubagentEnd => turn_end(call.role, &payload, host),
        _ => Ok(HookDecision::Proceed),
    }
}

/// The runtime-neutral fields the policy reads from a payload.
#[derive(Debug)]
struct Payload {
    cwd: Option<String>,
    tool_name: Option<String>,
    tool_input: Option<Value>,
    stop_hook_active: bool,
}

impl Payload {
    fn parse(runtime: Runtime, payload: &Value) -> Result<Self, AbiError> {
        if !payload.is_object() {
            return Err(bad_input(format!(
                "the {runtime} hook payload must be a JSON object, got {}",
                json_kind(payload)
            )));
        }
        let shape_error = |e: serde_json::Error| {
            bad_input(format!("the {runtime} hook payload is malformed: {e}"))
        };
        Ok(match runtime {
            Runtime::Claude => {
                let p = ClaudeHookInput::deserialize(payload).map_err(shape_error)?;
                Payload {
                    cwd: p.cwd,
                    tool_name: p.tool_name,
                    tool_input: p.tool_input,
                    stop_hook_active: p.stop_hook_active.unwrap_or(false),
                }
            }
            Runtime::Gemini => {
                let p = GeminiHookInput::deserialize(payload).map_err(shape_error)?;
                Payload {
                    cwd: p.cwd,
                    tool_name: p.tool_name,
                    tool_input: p.tool_input,
                    stop_hook_active: p.stop_hook_active.unwrap_or(false),
                }
            }
        })
    }
}

fn before_tool(call: &HookCall, payload: &Payload) -> Result<HookDecision, AbiError> {
    let shell_tool = match call.runtime {
        Runtime::Claude => CLAUDE_SHELL_TOOL,
        Runtime::Gemini => GEMINI_SHELL_TOOL,
    };
    if payload.tool_name.as_deref() != Some(shell_tool) {
        return Ok(HookDecision::Proceed);
    }
    let command = payload
        .tool_input
        .as_ref()
        .and_then(|input| input.get("command"))
        .and_then(Value::as_str)
        .ok_or_else(|| {
            bad_input(format!(
                "the {} {} payload for tool {shell_tool} has no string tool_input.command",
                call.runtime, call.hook_event_name
            ))
        })?;
    Ok(match deny::check_command(command, payload.cwd.as_deref()) {
        Some(violation) => HookDecision::Deny {
            reason: violation.reason(),
        },
        None => HookDecision::Proceed,
    })
}

fn turn_end(role: Role, payload: &Payload, host: &mut impl Host) -> Result<HookDecision, AbiError> {
    if role != Role::Worker || payload.stop_hook_active {
        return Ok(HookDecision::Proceed);
    }
    match host.git_get_dirty_files(GitRequest::default()) {
        Ok(dirty) if dirty.files.is_empty() => Ok(HookDecision::Proceed),
        Ok(dirty) => Ok(HookDecision::Block {
            reason: uncommitted_reason(&dirty),
        }),
        Err(e) => {
            // Fail open; if logging fails too there is nothing more to do.
            let _ = host.log(LogRequest {
                level: LogLevel::Warn,
                message: format!(
                    "git_get_dirty_files failed ({e}); letting the worker stop unchecked"
                ),
            });
            Ok(HookDecision::Proceed)
        }
    }
}

/// The instruction a worker gets when it tries to stop with uncommitted changes: names at most
/// [`MAX_LISTED_FILES`] files (then "and N more") and asks it to commit them.
pub fn uncommitted_reason(dirty: &DirtyFiles) -> String {
    let listed: Vec<&str> = dirty
        .files
        .iter()
        .take(MAX_LISTED_FILES)
        .map(|f| f.path.as_str())
        .collect();
    let mut files = listed.join(", ");
    let more = dirty.files.len().saturating_sub(MAX_LISTED_FILES);
    if more > 0 {
        files.push_str(&format!(" and {more} more"));
    }
    format!(
        "Uncommitted changes in your worktree: {files}. Commit them (or remove what should not \
         be kept) before stopping."
    )
}

fn bad_input(message: String) -> AbiError {
    AbiError::new(ErrorCode::BadInput, message)
}

fn json_kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{Call, FakeHost};
    use exomonad_protocol::AgentId;
    use exomonad_protocol::abi::DirtyFile;
    use serde_json::json;

    const PRE_TOOL_USE_BASH: &str =
        include_str!("../../tests/fixtures/claude-code-2.1.329/pre-tool-use-bash.json");
    const PRE_TOOL_USE_WRITE: &str =
        include_str!("../../tests/fixtures/claude-code-2.1.329/pre-tool-use-write.json");
    const PRE_TOOL_USE_READ: &str =
        include_str!("../../tests/fixtures/claude-code-2.1.329/pre-tool-use-read.json");
    const POST_TOOL_USE_BASH: &str =
        include_str!("../../tests/fixtures/claude-code-2.1.329/post-tool-use-bash.json");
    const STOP: &str = include_str!("../../tests/fixtures/claude-code-2.1.329/stop.json");
    const STOP_HOOK_ACTIVE: &str =
        include_str!("../../tests/fixtures/claude-code-2.1.329/stop-hook-active.json");
    const SESSION_START: &str =
        include_str!("../../tests/fixtures/claude-code-2.1.329/session-start.json");
    const SESSION_END: &str =
        include_str!("../../tests/fixtures/claude-code-2.1.329/session-end.json");
    const USER_PROMPT_SUBMIT: &str =
        include_str!("../../tests/fixtures/claude-code-2.1.329/user-prompt-submit.json");

    fn fixture(text: &str) -> Value {
        serde_json::from_str(text).expect("fixture is JSON")
    }

    /// A Claude call from a recorded payload, with the event name taken from the payload.
    fn claude(role: Role, payload: Value) -> HookCall {
        call(Runtime::Claude, role, payload)
    }

    fn call(runtime: Runtime, role: Role, payload: Value) -> HookCall {
        let hook_event_name = payload["hook_event_name"]
            .as_str()
            .unwrap_or("PreToolUse")
            .to_owned();
        HookCall {
            runtime,
            hook_event_name,
            agent_id: AgentId::new("gh-12-fix-login").unwrap(),
            role,
            payload,
        }
    }

    /// The recorded Claude `PreToolUse` for `Bash`, with another command.
    fn claude_bash(command: &str) -> HookCall {
        let mut payload = fixture(PRE_TOOL_USE_BASH);
        payload["tool_input"]["command"] = json!(command);
        claude(Role::Worker, payload)
    }

    const GEMINI_BEFORE_TOOL_SHELL: &str =
        include_str!("../../tests/fixtures/gemini-cli-0.61.0/before-tool-run-shell-command.json");
    const GEMINI_AFTER_AGENT: &str =
        include_str!("../../tests/fixtures/gemini-cli-0.61.0/after-agent.json");

    /// The recorded Gemini CLI `BeforeTool` for `run_shell_command`, with another command.
    fn gemini_shell(command: &str) -> HookCall {
        let mut payload = fixture(GEMINI_BEFORE_TOOL_SHELL);
        payload["tool_input"]["command"] = json!(command);
        call(Runtime::Gemini, Role::Worker, payload)
    }

    /// The recorded Gemini CLI `AfterAgent`, with `stop_hook_active` set.
    fn gemini_after_agent(role: Role, stop_hook_active: bool) -> HookCall {
        let mut payload = fixture(GEMINI_AFTER_AGENT);
        payload["stop_hook_active"] = json!(stop_hook_active);
        call(Runtime::Gemini, role, payload)
    }

    fn dirty(paths: &[&str]) -> DirtyFiles {
        DirtyFiles {
            files: paths
                .iter()
                .map(|p| DirtyFile {
                    path: (*p).to_owned(),
                    status: "??".to_owned(),
                })
                .collect(),
        }
    }

    fn deny_reason(decision: HookDecision) -> String {
        match decision {
            HookDecision::Deny { reason } => reason,
            other => panic!("expected Deny, got {other:?}"),
        }
    }

    fn block_reason(decision: HookDecision) -> String {
        match decision {
            HookDecision::Block { reason } => reason,
            other => panic!("expected Block, got {other:?}"),
        }
    }

    // ---- BeforeTool -------------------------------------------------------------------------

    #[test]
    fn recorded_bash_call_proceeds_without_host_calls() {
        let mut host = FakeHost::default();
        let call = claude(Role::Worker, fixture(PRE_TOOL_USE_BASH));
        assert_eq!(handle_hook(&call, &mut host), Ok(HookDecision::Proceed));
        assert!(host.calls.is_empty());
    }

    #[test]
    fn claude_force_push_is_denied_with_the_rule_named() {
        let mut host = FakeHost::default();
        for command in [
            "git push --force",
            "git push -f origin main",
            "git push --force-with-lease",
            "git push origin +main",
            "cargo test && git push -f",
        ] {
            let reason = deny_reason(handle_hook(&claude_bash(command), &mut host).unwrap());
            assert!(reason.contains("rule `force-push`"), "{command}: {reason}");
        }
        assert!(host.calls.is_empty());
    }

    #[test]
    fn claude_recursive_delete_of_root_or_worktree_is_denied() {
        let mut host = FakeHost::default();
        for command in [
            "rm -rf /",
            "rm -rf ~",
            "rm -rf .",
            "rm -rf /home/dev/project",
            "rm -r *",
        ] {
            let reason = deny_reason(handle_hook(&claude_bash(command), &mut host).unwrap());
            assert!(
                reason.contains("rule `recursive-delete-root`"),
                "{command}: {reason}"
            );
        }
    }

    #[test]
    fn the_payload_cwd_is_protected() {
        let mut host = FakeHost::default();
        let mut payload = fixture(PRE_TOOL_USE_BASH);
        payload["cwd"] = json!("/srv/worktrees/gh-12");
        payload["tool_input"]["command"] = json!("rm -rf /srv/worktrees/gh-12/");
        let call = claude(Role::Worker, payload.clone());
        let reason = deny_reason(handle_hook(&call, &mut host).unwrap());
        assert!(reason.contains("working directory"), "{reason}");
        // The fixture's own project dir is no longer the cwd: deleting it is not this rule's business.
        payload["tool_input"]["command"] = json!("rm -rf /home/dev/project");
        let call = claude(Role::Worker, payload);
        assert_eq!(handle_hook(&call, &mut host), Ok(HookDecision::Proceed));
    }

    #[test]
    fn gemini_shell_commands_use_the_same_deny_list() {
        let mut host = FakeHost::default();
        let reason = deny_reason(handle_hook(&gemini_shell("git push -f"), &mut host).unwrap());
        assert!(reason.contains("rule `force-push`"), "{reason}");
        let reason =
            deny_reason(handle_hook(&gemini_shell("ls && rm -rf $HOME"), &mut host).unwrap());
        assert!(reason.contains("rule `recursive-delete-root`"), "{reason}");
        for ok in [
            "git push origin main",
            "rm -rf build/",
            "echo \"git push --force\"",
        ] {
            assert_eq!(
                handle_hook(&gemini_shell(ok), &mut host),
                Ok(HookDecision::Proceed),
                "{ok}"
            );
        }
        assert!(host.calls.is_empty());
    }

    #[test]
    fn false_positives_proceed() {
        let mut host = FakeHost::default();
        for command in [
            "git push",
            "git push origin main",
            "git push -u origin gh-12/fix-login",
            "rm -rf build/",
            "rm -rf target node_modules",
            // Quoted text is data for echo / git commit: documented in crate::deny.
            "echo \"git push --force\"",
            "git commit -m 'never rm -rf /'",
        ] {
            assert_eq!(
                handle_hook(&claude_bash(command), &mut host),
                Ok(HookDecision::Proceed),
                "{command}"
            );
        }
    }

    #[test]
    fn quoting_does_not_hide_a_denied_command() {
        let mut host = FakeHost::default();
        for command in [
            "'git' 'push' '--force'",
            "bash -c 'git push --force'",
            "rm -rf \"$HOME\"",
            "rm -rf '/'",
        ] {
            assert!(
                matches!(
                    handle_hook(&claude_bash(command), &mut host),
                    Ok(HookDecision::Deny { .. })
                ),
                "{command}"
            );
        }
    }

    #[test]
    fn other_tools_and_wrong_runtime_tool_names_proceed() {
        let mut host = FakeHost::default();
        let mut write = fixture(PRE_TOOL_USE_WRITE);
        write["tool_input"]["content"] = json!("rm -rf /\ngit push --force\n");
        for payload in [write, fixture(PRE_TOOL_USE_READ)] {
            assert_eq!(
                handle_hook(&claude(Role::Worker, payload), &mut host),
                Ok(HookDecision::Proceed)
            );
        }
        // Gemini's shell tool name in a Claude payload is not Claude's shell tool, and back.
        let mut payload = fixture(PRE_TOOL_USE_BASH);
        payload["tool_name"] = json!("run_shell_command");
        payload["tool_input"]["command"] = json!("git push -f");
        assert_eq!(
            handle_hook(&claude(Role::Worker, payload), &mut host),
            Ok(HookDecision::Proceed)
        );
        let mut call = gemini_shell("git push -f");
        call.payload["tool_name"] = json!("Bash");
        assert_eq!(handle_hook(&call, &mut host), Ok(HookDecision::Proceed));
    }

    #[test]
    fn after_tool_is_not_checked() {
        let mut host = FakeHost::default();
        let mut payload = fixture(POST_TOOL_USE_BASH);
        payload["tool_input"]["command"] = json!("git push --force");
        assert_eq!(
            handle_hook(&claude(Role::Worker, payload), &mut host),
            Ok(HookDecision::Proceed)
        );
    }

    #[test]
    fn lead_is_denied_too() {
        let mut host = FakeHost::default();
        let mut call = claude_bash("git push --force");
        call.role = Role::Lead;
        assert!(matches!(
            handle_hook(&call, &mut host),
            Ok(HookDecision::Deny { .. })
        ));
    }

    // ---- TurnEnd / SubagentEnd --------------------------------------------------------------

    #[test]
    fn worker_stop_with_dirty_tree_is_blocked_naming_the_files() {
        let mut host = FakeHost::with_dirty(Ok(dirty(&["notes.txt", "src/a.rs"])));
        let call = claude(Role::Worker, fixture(STOP));
        let reason = block_reason(handle_hook(&call, &mut host).unwrap());
        assert_eq!(
            reason,
            "Uncommitted changes in your worktree: notes.txt, src/a.rs. Commit them (or remove \
             what should not be kept) before stopping."
        );
        assert_eq!(
            host.calls,
            vec![Call::GitGetDirtyFiles(GitRequest { path: None })]
        );
    }

    #[test]
    fn worker_stop_with_clean_tree_proceeds() {
        let mut host = FakeHost::with_dirty(Ok(DirtyFiles::default()));
        let call = claude(Role::Worker, fixture(STOP));
        assert_eq!(handle_hook(&call, &mut host), Ok(HookDecision::Proceed));
        assert_eq!(host.calls.len(), 1);
    }

    #[test]
    fn stop_hook_active_proceeds_without_asking_git() {
        let mut host = FakeHost::with_dirty(Ok(dirty(&["notes.txt"])));
        let call = claude(Role::Worker, fixture(STOP_HOOK_ACTIVE));
        assert_eq!(handle_hook(&call, &mut host), Ok(HookDecision::Proceed));
        assert!(host.calls.is_empty());
        let call = gemini_after_agent(Role::Worker, true);
        assert_eq!(handle_hook(&call, &mut host), Ok(HookDecision::Proceed));
        assert!(host.calls.is_empty());
    }

    #[test]
    fn host_failure_warns_and_fails_open() {
        let mut host = FakeHost::with_dirty(Err(AbiError::new(
            ErrorCode::HostFunction,
            "git: not a git repository",
        )));
        let call = claude(Role::Worker, fixture(STOP));
        assert_eq!(handle_hook(&call, &mut host), Ok(HookDecision::Proceed));
        assert_eq!(host.calls.len(), 2);
        match &host.calls[1] {
            Call::Log(LogRequest { level, message }) => {
                assert_eq!(*level, LogLevel::Warn);
                assert!(message.contains("git_get_dirty_files failed"), "{message}");
                assert!(
                    message.contains("HostFunction: git: not a git repository"),
                    "{message}"
                );
            }
            other => panic!("expected a log call, got {other:?}"),
        }
    }

    #[test]
    fn host_failure_with_failing_log_still_proceeds() {
        let mut host = FakeHost::with_dirty(Err(AbiError::new(ErrorCode::Internal, "boom")));
        host.log_result = Err(AbiError::new(ErrorCode::Internal, "log is down too"));
        let call = claude(Role::Worker, fixture(STOP));
        assert_eq!(handle_hook(&call, &mut host), Ok(HookDecision::Proceed));
    }

    #[test]
    fn lead_stop_proceeds_without_asking_git() {
        let mut host = FakeHost::with_dirty(Ok(dirty(&["notes.txt"])));
        let call = claude(Role::Lead, fixture(STOP));
        assert_eq!(handle_hook(&call, &mut host), Ok(HookDecision::Proceed));
        let call = gemini_after_agent(Role::Lead, false);
        assert_eq!(handle_hook(&call, &mut host), Ok(HookDecision::Proceed));
        assert!(host.calls.is_empty());
    }

    #[test]
    fn subagent_stop_is_checked_like_stop() {
        let mut host = FakeHost::with_dirty(Ok(dirty(&["a.txt"])));
        let mut payload = fixture(STOP);
        payload["hook_event_name"] = json!("SubagentStop");
        let reason = block_reason(handle_hook(&claude(Role::Worker, payload), &mut host).unwrap());
        assert!(reason.contains("a.txt"), "{reason}");
    }

    #[test]
    fn gemini_after_agent_with_dirty_tree_is_blocked() {
        let mut host = FakeHost::with_dirty(Ok(dirty(&["README.md"])));
        let call = gemini_after_agent(Role::Worker, false);
        let reason = block_reason(handle_hook(&call, &mut host).unwrap());
        assert!(reason.contains("README.md"), "{reason}");
        // Without the field at all: not active.
        let mut call = gemini_after_agent(Role::Worker, false);
        call.payload
            .as_object_mut()
            .unwrap()
            .remove("stop_hook_active");
        assert!(matches!(
            handle_hook(&call, &mut host),
            Ok(HookDecision::Block { .. })
        ));
    }

    #[test]
    fn long_file_lists_are_cut_after_ten() {
        let names: Vec<String> = (1..=13).map(|i| format!("f{i}.txt")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let reason = uncommitted_reason(&dirty(&refs));
        assert!(
            reason.starts_with(
                "Uncommitted changes in your worktree: f1.txt, f2.txt, f3.txt, f4.txt, f5.txt, \
                 f6.txt, f7.txt, f8.txt, f9.txt, f10.txt and 3 more. Commit them"
            ),
            "{reason}"
        );
        assert!(!reason.contains("f11.txt"));
        let exactly_ten: Vec<&str> = refs[..10].to_vec();
        assert!(!uncommitted_reason(&dirty(&exactly_ten)).contains("more"));
    }

    // ---- Other events -----------------------------------------------------------------------

    #[test]
    fn other_events_proceed_without_host_calls() {
        let mut host = FakeHost::with_dirty(Ok(dirty(&["x"])));
        for text in [
            SESSION_START,
            SESSION_END,
            USER_PROMPT_SUBMIT,
            POST_TOOL_USE_BASH,
        ] {
            let call = claude(Role::Worker, fixture(text));
            assert_eq!(handle_hook(&call, &mut host), Ok(HookDecision::Proceed));
        }
        let mut call = gemini_after_agent(Role::Worker, false);
        call.hook_event_name = "BeforeModel".into();
        assert_eq!(handle_hook(&call, &mut host), Ok(HookDecision::Proceed));
        assert!(host.calls.is_empty());
    }

    // ---- Malformed input --------------------------------------------------------------------

    #[test]
    fn non_object_payload_is_bad_input() {
        let mut host = FakeHost::default();
        for (payload, kind) in [
            (json!("Stop"), "a string"),
            (json!(null), "null"),
            (json!([1, 2]), "an array"),
        ] {
            let err = handle_hook(&claude(Role::Worker, payload), &mut host).unwrap_err();
            assert_eq!(err.code, ErrorCode::BadInput);
            assert_eq!(
                err.message,
                format!("the claude hook payload must be a JSON object, got {kind}")
            );
        }
    }

    #[test]
    fn payload_missing_fields_is_bad_input() {
        let mut host = FakeHost::default();
        let mut payload = fixture(STOP);
        payload.as_object_mut().unwrap().remove("session_id");
        let err = handle_hook(&claude(Role::Worker, payload), &mut host).unwrap_err();
        assert_eq!(err.code, ErrorCode::BadInput);
        assert!(
            err.message.contains("missing field `session_id`"),
            "{}",
            err.message
        );
        assert!(host.calls.is_empty());

        let mut call = gemini_after_agent(Role::Worker, false);
        call.payload["stop_hook_active"] = json!("yes");
        let err = handle_hook(&call, &mut host).unwrap_err();
        assert_eq!(err.code, ErrorCode::BadInput);
        assert!(
            err.message
                .starts_with("the gemini hook payload is malformed"),
            "{}",
            err.message
        );
    }

    #[test]
    fn shell_call_without_command_is_bad_input() {
        let mut host = FakeHost::default();
        let mut payload = fixture(PRE_TOOL_USE_BASH);
        payload["tool_input"] = json!({"cmd": "ls"});
        let err = handle_hook(&claude(Role::Worker, payload), &mut host).unwrap_err();
        assert_eq!(err.code, ErrorCode::BadInput);
        assert_eq!(
            err.message,
            "the claude PreToolUse payload for tool Bash has no string tool_input.command"
        );
        let mut call = gemini_shell("ls");
        call.payload["tool_input"]["command"] = json!(["ls"]);
        let err = handle_hook(&call, &mut host).unwrap_err();
        assert!(err.message.contains("run_shell_command"), "{}", err.message);
    }
}

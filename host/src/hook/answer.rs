//! Translating the guest's runtime-neutral [`HookDecision`] into what each agent runtime
//! reads on a hook's stdout. Pure.
//!
//! Claude Code (hooks reference): `{}` lets the normal flow go on; PreToolUse refuses a
//! tool with `hookSpecificOutput.permissionDecision = "deny"`; Stop, SubagentStop,
//! UserPromptSubmit and PostToolUse take `{"decision":"block","reason":...}`.
//! Gemini CLI (`docs/hooks/reference.md`): `{}` goes on; `{"decision":"deny","reason":...}`
//! refuses on BeforeTool, AfterTool, BeforeAgent, AfterAgent, BeforeModel and AfterModel.
//! Both: exit code 0, so the JSON is read.

use exomonad_protocol::Runtime;
use exomonad_protocol::abi::HookDecision;
use exomonad_protocol::hook::HookPhase;
use exomonad_protocol::hook::claude::{ClaudeHookOutput, HookSpecificOutput, PermissionDecision};
use exomonad_protocol::hook::gemini::GeminiHookOutput;

/// The answer for one hook: the stdout text (one JSON object, no newline) and, when the
/// decision could not be expressed for this event, a note to log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// Exactly what goes to stdout.
    pub stdout: String,
    /// Why a refusal was dropped, if it was.
    pub dropped: Option<String>,
}

/// The answer that lets the normal flow go on, for every runtime: `{}`.
pub const PROCEED: &str = "{}";

/// Renders `decision` for `hook_event_name` of `runtime`.
pub fn render(runtime: Runtime, hook_event_name: &str, decision: &HookDecision) -> Answer {
    let reason = match decision {
        HookDecision::Proceed => return proceed(None),
        HookDecision::Deny { reason } | HookDecision::Block { reason } => reason.clone(),
    };
    let phase = runtime.phase(hook_event_name);
    match runtime {
        Runtime::Claude => match phase {
            HookPhase::BeforeTool => json(&ClaudeHookOutput {
                hook_specific_output: Some(HookSpecificOutput {
                    hook_event_name: hook_event_name.to_owned(),
                    permission_decision: Some(PermissionDecision::Deny),
                    permission_decision_reason: Some(reason),
                    additional_context: None,
                }),
                ..ClaudeHookOutput::default()
            }),
            HookPhase::TurnEnd
            | HookPhase::SubagentEnd
            | HookPhase::PromptSubmitted
            | HookPhase::AfterTool => json(&ClaudeHookOutput::block(reason)),
            _ => proceed(Some(format!(
                "Claude Code's {hook_event_name} hook cannot refuse; dropped: {reason}"
            ))),
        },
        Runtime::Gemini => match hook_event_name {
            "BeforeTool" | "AfterTool" | "BeforeAgent" | "AfterAgent" | "BeforeModel"
            | "AfterModel" => json(&GeminiHookOutput::deny(reason)),
            _ => proceed(Some(format!(
                "Gemini CLI's {hook_event_name} hook cannot refuse; dropped: {reason}"
            ))),
        },
    }
}

fn proceed(dropped: Option<String>) -> Answer {
    Answer {
        stdout: PROCEED.to_owned(),
        dropped,
    }
}

fn json<T: serde::Serialize>(v: &T) -> Answer {
    Answer {
        stdout: serde_json::to_string(v).expect("hook outputs always serialize"),
        dropped: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Value, json};

    fn out(runtime: Runtime, event: &str, d: HookDecision) -> Value {
        serde_json::from_str(&render(runtime, event, &d).stdout).unwrap()
    }
    fn deny() -> HookDecision {
        HookDecision::Deny {
            reason: "no".into(),
        }
    }
    fn block() -> HookDecision {
        HookDecision::Block {
            reason: "commit a.txt".into(),
        }
    }

    #[test]
    fn claude_shapes() {
        assert_eq!(
            out(Runtime::Claude, "PreToolUse", HookDecision::Proceed),
            json!({})
        );
        assert_eq!(
            out(Runtime::Claude, "PreToolUse", deny()),
            json!({"hookSpecificOutput": {"hookEventName": "PreToolUse",
                "permissionDecision": "deny", "permissionDecisionReason": "no"}})
        );
        for ev in ["Stop", "SubagentStop", "UserPromptSubmit", "PostToolUse"] {
            assert_eq!(
                out(Runtime::Claude, ev, block()),
                json!({"decision": "block", "reason": "commit a.txt"}),
                "{ev}"
            );
        }
        let a = render(Runtime::Claude, "SessionStart", &block());
        assert_eq!(a.stdout, "{}");
        assert!(a.dropped.unwrap().contains("SessionStart"));
    }

    #[test]
    fn gemini_shapes() {
        assert_eq!(
            out(Runtime::Gemini, "BeforeTool", HookDecision::Proceed),
            json!({})
        );
        assert_eq!(
            out(Runtime::Gemini, "BeforeTool", deny()),
            json!({"decision": "deny", "reason": "no"})
        );
        assert_eq!(
            out(Runtime::Gemini, "AfterAgent", block()),
            json!({"decision": "deny", "reason": "commit a.txt"})
        );
        assert_eq!(render(Runtime::Gemini, "SessionEnd", &deny()).stdout, "{}");
    }
}

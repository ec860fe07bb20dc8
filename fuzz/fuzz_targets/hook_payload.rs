//! Hook payloads: a guest `HookCall` (runtime, event name, agent id, role, and the payload as
//! the runtime sent it) as any JSON text, parsed by the protocol
//! (`shared-protocol/src/hook/`) and decided by the Rust guest's policy
//! (`guest-rust/src/policy.rs`, natively: the code the embedded wasm guest runs), with a host
//! whose replies (dirty files, errors, junk) come from the bytes after the first NUL.
//! The answer is always a JSON envelope. Seeds: the `handle_hook` conformance inputs.
#![no_main]

use arbitrary::Unstructured;
use exomonad_fuzz::{FuzzHost, split_text};
use exomonad_protocol::hook::claude::ClaudeHookInput;
use exomonad_protocol::hook::gemini::GeminiHookInput;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let (call, rest) = split_text(data);
    if let Ok(Value::Object(call)) = serde_json::from_str::<Value>(&call)
        && let Some(payload) = call.get("payload")
    {
        if let Ok(parsed) = serde_json::from_value::<ClaudeHookInput>(payload.clone()) {
            let _ = parsed.bash_command();
        }
        if let Ok(parsed) = serde_json::from_value::<GeminiHookInput>(payload.clone()) {
            let _ = parsed.shell_command();
        }
    }
    let replies = Unstructured::new(rest).arbitrary().unwrap_or_default();
    let mut host = FuzzHost::new(replies);
    let answer = exomonad_guest::handle_hook_json(call.as_bytes(), &mut host);
    let answer: Value = serde_json::from_str(&answer).expect("the guest answers JSON");
    assert!(
        answer.get("ok").is_some() || answer.get("error").is_some(),
        "{answer}"
    );
});

//! MCP tool arguments (`guest-rust/src/tools.rs`): a guest `ToolCall` (agent, role, tool
//! name, arguments) as any JSON text, with host replies from the bytes after the first NUL.
//! The answer is always a JSON envelope: a tool failure is a result, never a panic.
//! Seeds: the `mcp_call_tool` conformance inputs.
#![no_main]

use arbitrary::Unstructured;
use exomonad_fuzz::{FuzzHost, split_text};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let (call, rest) = split_text(data);
    let replies = Unstructured::new(rest).arbitrary().unwrap_or_default();
    let mut host = FuzzHost::new(replies);
    let answer = exomonad_guest::call_tool_json(call.as_bytes(), &mut host);
    let answer: Value = serde_json::from_str(&answer).expect("the guest answers JSON");
    assert!(
        answer.get("ok").is_some() || answer.get("error").is_some(),
        "{answer}"
    );
});

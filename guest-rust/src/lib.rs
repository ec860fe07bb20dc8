//! `exomonad-guest`: the default exomonad guest, in Rust.
//!
//! It implements the guest ABI of [`exomonad_protocol::abi`]: the host loads the
//! `wasm32-wasip1` build with Extism and calls two exports, JSON in and JSON out:
//!
//! - `handle_hook`: input a [`HookCall`], output `Envelope<`[`HookDecision`]`>`
//!   (`{"ok":{"verdict":"proceed"}}`, `{"ok":{"verdict":"deny","reason":...}}`,
//!   `{"error":{"code":"bad_input","message":...}}`, ...);
//! - `abi_version`: input ignored, output `Envelope<`[`GuestInfo`]`>`;
//! - `ask_human`: input a [`UiPopupRequest`], output `Envelope<FormReply>`;
//! - `mcp_list_tools` / `mcp_call_tool`: the MCP tools ([`tools`]).
//!
//! Layout:
//! - [`policy`]: the decisions, a pure function over the [`host::Host`] effect trait;
//! - [`tools`]: the MCP tool list and each tool's logic, over the same trait;
//! - [`deny`]: the shell-command deny-list used before shell tool calls, over [`shell`];
//! - [`handle_hook_json`] / [`abi_version_json`]: the exports at the JSON level, natively
//!   testable;
//! - `exports` (wasm32 only): the Extism glue, `#[plugin_fn]`s and the `#[host_fn]` imports.
//!
//! Exports never trap on bad input: anything wrong comes back as an `error` envelope.

#![warn(missing_docs)]

pub mod deny;
pub mod host;
pub mod policy;
pub mod shell;
pub mod tools;

#[cfg(target_arch = "wasm32")]
mod exports;

#[cfg(test)]
mod testing;

use exomonad_protocol::abi::{
    ABI_VERSION, AbiError, Envelope, ErrorCode, GuestInfo, HookCall, HookDecision, UiPopupRequest,
};
use serde::Serialize;

/// The name this guest reports from `abi_version`: `exomonad-guest-rust <crate version>`.
pub const GUEST_NAME: &str = concat!("exomonad-guest-rust ", env!("CARGO_PKG_VERSION"));

/// What `abi_version` reports.
pub fn guest_info() -> GuestInfo {
    GuestInfo {
        abi_version: ABI_VERSION,
        name: GUEST_NAME.to_owned(),
    }
}

/// The `abi_version` export: `{"ok":{"abi_version":1,"name":"exomonad-guest-rust 0.1.0"}}`.
pub fn abi_version_json() -> String {
    to_json(&Envelope::Ok(guest_info()))
}

/// The `handle_hook` export at the JSON level: parses `input` as a [`HookCall`], runs
/// [`policy::handle_hook`], and answers with the `Envelope<HookDecision>` JSON.
///
/// Never fails: input that is not UTF-8, not JSON, or not a `HookCall` (including an invalid
/// `agent_id`) gives `{"error":{"code":"bad_input",...}}`, as does a malformed payload.
pub fn handle_hook_json(input: &[u8], host: &mut impl host::Host) -> String {
    let decision: Result<HookDecision, AbiError> =
        parse_hook_call(input).and_then(|call| policy::handle_hook(&call, host));
    to_json(&Envelope::from(decision))
}

/// The `ask_human` export at the JSON level: parses `input` as a [`UiPopupRequest`], checks
/// the form, and asks the host's `ui_popup`; answers with the `Envelope<FormReply>` JSON.
///
/// Never fails: bad input or an invalid form gives a `bad_input` error envelope naming what
/// is wrong, without asking anyone.
pub fn ask_human_json(input: &[u8], host: &mut impl host::Host) -> String {
    let reply = serde_json::from_slice::<UiPopupRequest>(input)
        .map_err(|e| {
            AbiError::new(
                ErrorCode::BadInput,
                format!("ask_human input is not a UiPopupRequest: {e}"),
            )
        })
        .and_then(|req| {
            req.form
                .validate()
                .map_err(|e| AbiError::new(ErrorCode::BadInput, e.to_string()))?;
            host.ui_popup(req)
        });
    to_json(&Envelope::from(reply))
}

/// The `mcp_list_tools` export at the JSON level: input a
/// [`ToolsContext`](exomonad_protocol::tools::ToolsContext), output `Envelope<ToolList>`.
/// Input that does not parse gives a `bad_input` error envelope.
pub fn list_tools_json(input: &[u8]) -> String {
    let list = serde_json::from_slice(input)
        .map(|ctx| tools::list_tools(&ctx))
        .map_err(|e| {
            AbiError::new(
                ErrorCode::BadInput,
                format!("mcp_list_tools input is not a ToolsContext: {e}"),
            )
        });
    to_json(&Envelope::from(list))
}

/// The `mcp_call_tool` export at the JSON level: input a
/// [`ToolCall`](exomonad_protocol::tools::ToolCall), output `Envelope<ToolResult>`
/// (an unknown tool is a `not_found` error envelope; see [`tools::call_tool`]).
pub fn call_tool_json(input: &[u8], host: &mut impl host::Host) -> String {
    let result = serde_json::from_slice(input)
        .map_err(|e| {
            AbiError::new(
                ErrorCode::BadInput,
                format!("mcp_call_tool input is not a ToolCall: {e}"),
            )
        })
        .and_then(|call| tools::call_tool(&call, host));
    to_json(&Envelope::from(result))
}

fn parse_hook_call(input: &[u8]) -> Result<HookCall, AbiError> {
    serde_json::from_slice(input).map_err(|e| {
        AbiError::new(
            ErrorCode::BadInput,
            format!("handle_hook input is not a HookCall: {e}"),
        )
    })
}

/// Serializes an envelope; the types used here always serialize, but should one ever fail the
/// answer is still a valid `internal` error envelope.
fn to_json<T: Serialize>(envelope: &Envelope<T>) -> String {
    serde_json::to_string(envelope).unwrap_or_else(|_| {
        r#"{"error":{"code":"internal","message":"the guest could not serialize its answer"}}"#
            .to_owned()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::FakeHost;
    use exomonad_protocol::abi::{DirtyFile, DirtyFiles};
    use serde_json::{Value, json};

    const STOP: &str = include_str!("../../tests/fixtures/claude-code-2.1.329/stop.json");

    fn parse(s: &str) -> Value {
        serde_json::from_str(s).expect("answer is JSON")
    }

    fn hook_call_json(payload: &str, role: &str) -> String {
        format!(
            r#"{{"runtime":"claude","hook_event_name":"Stop","agent_id":"gh-12-fix-login","role":"{role}","payload":{payload}}}"#
        )
    }

    #[test]
    fn abi_version_reports_name_and_version() {
        assert_eq!(
            parse(&abi_version_json()),
            json!({"ok": {"abi_version": 1, "name": format!("exomonad-guest-rust {}", env!("CARGO_PKG_VERSION"))}})
        );
    }

    #[test]
    fn handle_hook_answers_ok_envelopes() {
        let mut host = FakeHost::with_dirty(Ok(DirtyFiles {
            files: vec![DirtyFile {
                path: "notes.txt".into(),
                status: "??".into(),
            }],
        }));
        let answer = handle_hook_json(hook_call_json(STOP, "worker").as_bytes(), &mut host);
        let answer = parse(&answer);
        assert_eq!(answer["ok"]["verdict"], "block");
        assert!(
            answer["ok"]["reason"]
                .as_str()
                .unwrap()
                .contains("notes.txt")
        );

        let answer = handle_hook_json(hook_call_json(STOP, "lead").as_bytes(), &mut host);
        assert_eq!(parse(&answer), json!({"ok": {"verdict": "proceed"}}));
    }

    #[test]
    fn bad_input_becomes_an_error_envelope() {
        let mut host = FakeHost::default();
        let cases: [&[u8]; 6] = [
            b"",
            b"not json",
            b"\xff\xfe",
            b"{}",
            br#"{"runtime":"claude","hook_event_name":"Stop","agent_id":"../etc","role":"worker","payload":{}}"#,
            br#"{"runtime":"vim","hook_event_name":"Stop","agent_id":"a","role":"worker","payload":{}}"#,
        ];
        for input in cases {
            let answer = parse(&handle_hook_json(input, &mut host));
            assert_eq!(answer["error"]["code"], "bad_input", "{answer}");
            let message = answer["error"]["message"].as_str().unwrap();
            assert!(
                message.starts_with("handle_hook input is not a HookCall"),
                "{message}"
            );
        }
        let answer = parse(&handle_hook_json(
            hook_call_json("42", "worker").as_bytes(),
            &mut host,
        ));
        assert_eq!(
            answer,
            json!({"error": {"code": "bad_input", "message": "the claude hook payload must be a JSON object, got a number"}})
        );
        assert!(host.calls.is_empty());
    }
}

#[cfg(test)]
mod ask_human_tests {
    use super::*;
    use crate::testing::{Call, FakeHost};

    fn request(fields: &str) -> String {
        format!(
            r#"{{"form":{{"id":"f1","title":"T","agent_id":"alpha","fields":{fields}}},"timeout_secs":5}}"#
        )
    }

    #[test]
    fn a_valid_form_goes_to_the_host_and_its_reply_comes_back() {
        let mut host = FakeHost::default();
        let out = ask_human_json(
            request(r#"[{"name":"a","label":"A","kind":"text"}]"#).as_bytes(),
            &mut host,
        );
        assert_eq!(out, r#"{"ok":{"status":"cancelled","id":"f1"}}"#);
        assert!(matches!(&host.calls[..], [Call::UiPopup(r)] if r.timeout_secs == Some(5)));
    }

    #[test]
    fn an_invalid_form_is_refused_without_asking() {
        let mut host = FakeHost::default();
        let out = ask_human_json(
            request(r#"[{"name":"c","label":"C","kind":"choice","options":[]}]"#).as_bytes(),
            &mut host,
        );
        assert!(
            out.contains("bad_input") && out.contains("\\\"c\\\""),
            "{out}"
        );
        assert!(host.calls.is_empty());
        let out = ask_human_json(b"nope", &mut host);
        assert!(out.contains("bad_input"), "{out}");
    }
}

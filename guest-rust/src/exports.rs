//! The Extism glue (wasm32 only): the exports and the host function imports.
//!
//! Exports take and give JSON bytes; they always return `Ok` with an envelope, so bad input is
//! an `error` envelope and never an Extism error or a trap. Host functions are imported from
//! `extism:host/user` with the names of [`exomonad_protocol::abi::host_fns`]; each takes the
//! request JSON and returns the reply `Envelope<T>` JSON (both as Extism memory handles, which
//! `#[host_fn]` converts from and to `String`).

use exomonad_protocol::abi::{AbiError, Envelope, ErrorCode, host_fns};
use extism_pdk::{FnResult, plugin_fn};
use serde_json::Value;

use crate::host::Host;

/// The `handle_hook` export. Input: `HookCall` JSON (taken as raw bytes, so that input which
/// is not even UTF-8 still gets an `error` envelope). Output: `Envelope<HookDecision>` JSON.
#[plugin_fn]
pub fn handle_hook(input: Vec<u8>) -> FnResult<String> {
    Ok(crate::handle_hook_json(&input, &mut ExtismHost))
}

/// The `abi_version` export. Input: ignored. Output: `Envelope<GuestInfo>` JSON.
#[plugin_fn]
pub fn abi_version() -> FnResult<String> {
    Ok(crate::abi_version_json())
}

/// The `ask_human` export. Input: `UiPopupRequest` JSON. Output: `Envelope<FormReply>` JSON.
#[plugin_fn]
pub fn ask_human(input: Vec<u8>) -> FnResult<String> {
    Ok(crate::ask_human_json(&input, &mut ExtismHost))
}

/// The `mcp_list_tools` export. Input: `ToolsContext` JSON. Output: `Envelope<ToolList>` JSON.
#[plugin_fn]
pub fn mcp_list_tools(input: Vec<u8>) -> FnResult<String> {
    Ok(crate::list_tools_json(&input))
}

/// The `mcp_call_tool` export. Input: `ToolCall` JSON. Output: `Envelope<ToolResult>` JSON.
#[plugin_fn]
pub fn mcp_call_tool(input: Vec<u8>) -> FnResult<String> {
    Ok(crate::call_tool_json(&input, &mut ExtismHost))
}

/// The imports. `#[host_fn]` turns each into
/// `unsafe fn name(input: String) -> Result<String, extism_pdk::Error>` that copies the
/// argument into Extism memory, calls the import with its offset, and reads the reply's memory.
mod imports {
    use extism_pdk::host_fn;

    #[host_fn]
    extern "ExtismHost" {
        pub fn log(input: String) -> String;
        pub fn emit_event(input: String) -> String;
        pub fn git_get_branch(input: String) -> String;
        pub fn git_get_dirty_files(input: String) -> String;
        pub fn git_get_recent_commits(input: String) -> String;
        pub fn ui_popup(input: String) -> String;
        pub fn git_get_remote_url(input: String) -> String;
        pub fn fs_read_file(input: String) -> String;
        pub fn github_list_issues(input: String) -> String;
        pub fn github_get_issue(input: String) -> String;
        pub fn github_list_prs(input: String) -> String;
        pub fn agents_spawn(input: String) -> String;
        pub fn agents_cleanup(input: String) -> String;
        pub fn agents_list(input: String) -> String;
    }
}

/// The signature `#[host_fn]` gives every import above.
type Import = unsafe fn(String) -> Result<String, extism_pdk::Error>;

/// The import of host function `name`, `None` for a name the ABI does not have.
fn import(name: &str) -> Option<Import> {
    Some(match name {
        host_fns::LOG => imports::log,
        host_fns::EMIT_EVENT => imports::emit_event,
        host_fns::GIT_GET_BRANCH => imports::git_get_branch,
        host_fns::GIT_GET_DIRTY_FILES => imports::git_get_dirty_files,
        host_fns::GIT_GET_RECENT_COMMITS => imports::git_get_recent_commits,
        host_fns::UI_POPUP => imports::ui_popup,
        host_fns::GIT_GET_REMOTE_URL => imports::git_get_remote_url,
        host_fns::FS_READ_FILE => imports::fs_read_file,
        host_fns::GITHUB_LIST_ISSUES => imports::github_list_issues,
        host_fns::GITHUB_GET_ISSUE => imports::github_get_issue,
        host_fns::GITHUB_LIST_PRS => imports::github_list_prs,
        host_fns::AGENTS_SPAWN => imports::agents_spawn,
        host_fns::AGENTS_CLEANUP => imports::agents_cleanup,
        host_fns::AGENTS_LIST => imports::agents_list,
        _ => return None,
    })
}

/// [`Host`] over the real host functions.
struct ExtismHost;

impl Host for ExtismHost {
    /// Calls the import, and unwraps the reply envelope. Failing to reach the host or an
    /// unreadable reply is [`ErrorCode::HostFunction`].
    fn call(&mut self, name: &str, request: Value) -> Result<Value, AbiError> {
        let import = import(name).ok_or_else(|| {
            AbiError::new(
                ErrorCode::Internal,
                format!("{name} is not a host function"),
            )
        })?;
        // SAFETY: `import` is one of the `#[host_fn]` imports above, whose contract (one
        // memory handle in, one memory handle out) matches how the host registers them; the
        // generated wrapper only touches Extism memory it allocates or is handed.
        let reply = unsafe { import(request.to_string()) }.map_err(|e| {
            AbiError::new(
                ErrorCode::HostFunction,
                format!("host function {name} failed: {e}"),
            )
        })?;
        let envelope: Envelope<Value> = serde_json::from_str(&reply).map_err(|e| {
            AbiError::new(
                ErrorCode::HostFunction,
                format!("host function {name} answered something that is not its envelope: {e}"),
            )
        })?;
        envelope.into_result()
    }
}

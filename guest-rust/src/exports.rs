//! The Extism glue (wasm32 only): the exports and the host function imports.
//!
//! Exports take and give JSON bytes; they always return `Ok` with an envelope, so bad input is
//! an `error` envelope and never an Extism error or a trap. Host functions are imported from
//! `extism:host/user` with the names of [`exomonad_protocol::abi::host_fns`]; each takes the
//! request JSON and returns the reply `Envelope<T>` JSON (both as Extism memory handles, which
//! `#[host_fn]` converts from and to `String`).

use exomonad_protocol::AgentEvent;
use exomonad_protocol::abi::{
    AbiError, DirtyFiles, Envelope, ErrorCode, GitBranch, GitRequest, LogRequest, RecentCommits,
    RecentCommitsRequest, UiPopupRequest, host_fns,
};
use exomonad_protocol::form::FormReply;
use extism_pdk::{FnResult, plugin_fn};
use serde::Serialize;
use serde::de::DeserializeOwned;

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
    }
}

/// The signature `#[host_fn]` gives every import above.
type Import = unsafe fn(String) -> Result<String, extism_pdk::Error>;

/// Serializes `request`, calls the host function `name`, and unwraps the reply envelope.
/// Failing to reach the host or an unreadable reply is [`ErrorCode::HostFunction`].
fn call<Req: Serialize, Resp: DeserializeOwned>(
    import: Import,
    name: &str,
    request: &Req,
) -> Result<Resp, AbiError> {
    let request = serde_json::to_string(request).map_err(|e| {
        AbiError::new(
            ErrorCode::Internal,
            format!("could not serialize the {name} request: {e}"),
        )
    })?;
    // SAFETY: `import` is one of the `#[host_fn]` imports above, whose contract (one memory
    // handle in, one memory handle out) matches how the host registers them; the generated
    // wrapper only touches Extism memory it allocates or is handed.
    let reply = unsafe { import(request) }.map_err(|e| {
        AbiError::new(
            ErrorCode::HostFunction,
            format!("host function {name} failed: {e}"),
        )
    })?;
    let envelope: Envelope<Resp> = serde_json::from_str(&reply).map_err(|e| {
        AbiError::new(
            ErrorCode::HostFunction,
            format!("host function {name} answered something that is not its envelope: {e}"),
        )
    })?;
    envelope.into_result()
}

/// [`Host`] over the real host functions.
struct ExtismHost;

impl Host for ExtismHost {
    fn log(&mut self, request: LogRequest) -> Result<(), AbiError> {
        call(imports::log, host_fns::LOG, &request)
    }

    fn emit_event(&mut self, event: AgentEvent) -> Result<(), AbiError> {
        call(imports::emit_event, host_fns::EMIT_EVENT, &event)
    }

    fn git_get_branch(&mut self, request: GitRequest) -> Result<GitBranch, AbiError> {
        call(imports::git_get_branch, host_fns::GIT_GET_BRANCH, &request)
    }

    fn git_get_dirty_files(&mut self, request: GitRequest) -> Result<DirtyFiles, AbiError> {
        call(
            imports::git_get_dirty_files,
            host_fns::GIT_GET_DIRTY_FILES,
            &request,
        )
    }

    fn git_get_recent_commits(
        &mut self,
        request: RecentCommitsRequest,
    ) -> Result<RecentCommits, AbiError> {
        call(
            imports::git_get_recent_commits,
            host_fns::GIT_GET_RECENT_COMMITS,
            &request,
        )
    }

    fn ui_popup(&mut self, request: UiPopupRequest) -> Result<FormReply, AbiError> {
        call(imports::ui_popup, host_fns::UI_POPUP, &request)
    }
}

//! The host functions a guest reaches ([`exomonad_protocol::abi::host_fns`]), each JSON in /
//! JSON out through Extism memory in the default `extism:host/user` namespace, declared in
//! one list ([`host_functions`]) that reads like the ABI. Each one is a few lines that call a
//! service or a flow (popup, workers); failures are `{"error"}` envelopes, never traps.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use exomonad_protocol::AgentEvent;
use exomonad_protocol::abi::{
    AbiError, DirtyFiles, Envelope, ErrorCode, FileText, GitRemote, GitRemoteRequest, GitRequest,
    LogLevel, LogRequest, ReadFileRequest, RecentCommits, RecentCommitsRequest, UiPopupRequest,
    host_fns,
};
use exomonad_protocol::agents::{CleanupRequest, SpawnRequest};
use exomonad_protocol::form::FormReply;
use exomonad_protocol::github::{GetIssueRequest, ListIssuesRequest, ListPullsRequest};
use extism::Function;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{HostState, POPUP_MARGIN, text_fn};
use crate::popup;
use crate::services::{files, git};

/// The host functions, each JSON in / JSON out through Extism memory, in the default
/// `extism:host/user` namespace.
pub fn host_functions(host: &Arc<Mutex<HostState>>) -> Vec<Function> {
    vec![
        json_fn(host_fns::LOG, host, |_, req: LogRequest| {
            let msg = req.message;
            match req.level {
                LogLevel::Error => tracing::error!(target: "guest", "{msg}"),
                LogLevel::Warn => tracing::warn!(target: "guest", "{msg}"),
                LogLevel::Info => tracing::info!(target: "guest", "{msg}"),
                LogLevel::Debug => tracing::debug!(target: "guest", "{msg}"),
            }
            Ok(())
        }),
        json_fn(host_fns::EMIT_EVENT, host, |state, event: AgentEvent| {
            state.events.send(&own_event(state, event));
            Ok(())
        }),
        json_fn(host_fns::GIT_GET_BRANCH, host, |state, req: GitRequest| {
            git::branch(&confined(state, req.path.as_deref())?).map_err(host_error)
        }),
        json_fn(
            host_fns::GIT_GET_DIRTY_FILES,
            host,
            |state, req: GitRequest| -> Result<DirtyFiles, AbiError> {
                git::dirty_files(&confined(state, req.path.as_deref())?).map_err(host_error)
            },
        ),
        json_fn(
            host_fns::GIT_GET_RECENT_COMMITS,
            host,
            |state, req: RecentCommitsRequest| {
                let dir = confined(state, req.path.as_deref())?;
                let commits = git::recent_commits(&dir, req.limit.min(100)).map_err(host_error)?;
                Ok(RecentCommits { commits })
            },
        ),
        json_fn(
            host_fns::GIT_GET_REMOTE_URL,
            host,
            |state, req: GitRemoteRequest| -> Result<GitRemote, AbiError> {
                let dir = confined(state, req.path.as_deref())?;
                let remote = req.remote.as_deref().unwrap_or("origin");
                let url = git::remote_url(&dir, remote).map_err(host_error)?;
                Ok(GitRemote { url })
            },
        ),
        json_fn(
            host_fns::FS_READ_FILE,
            host,
            |state, req: ReadFileRequest| -> Result<FileText, AbiError> {
                files::read_text(&state.project_dir, &req.path, req.max_lines)
                    .map_err(|e| e.to_abi())
            },
        ),
        json_fn(host_fns::UI_POPUP, host, |state, req: UiPopupRequest| {
            Ok::<FormReply, AbiError>(ui_popup(state, req))
        }),
        json_fn(
            host_fns::GITHUB_LIST_ISSUES,
            host,
            |state, req: ListIssuesRequest| {
                github(state)?.list_issues(&req).map_err(|e| e.to_abi())
            },
        ),
        json_fn(
            host_fns::GITHUB_GET_ISSUE,
            host,
            |state, req: GetIssueRequest| github(state)?.get_issue(&req).map_err(|e| e.to_abi()),
        ),
        json_fn(
            host_fns::GITHUB_LIST_PRS,
            host,
            |state, req: ListPullsRequest| github(state)?.list_pulls(&req).map_err(|e| e.to_abi()),
        ),
        json_fn(host_fns::AGENTS_SPAWN, host, |state, req: SpawnRequest| {
            agents(state, "spawn_agents")?.spawn(&req)
        }),
        json_fn(
            host_fns::AGENTS_CLEANUP,
            host,
            |state, req: CleanupRequest| agents(state, "cleanup_agents")?.cleanup(&req),
        ),
        json_fn(
            host_fns::AGENTS_LIST,
            host,
            |state, _: serde_json::Value| agents(state, "list_agents")?.list(),
        ),
    ]
}

/// The event a guest's `emit_event` asked for, as the host sends it: for the guest's own
/// agent ([`HostState::agent_id`], whatever id the guest wrote) and stamped with the host's
/// clock now (a guest cannot move an agent's clock, forward or back).
fn own_event(state: &HostState, event: AgentEvent) -> AgentEvent {
    let agent_id = match &state.agent_id {
        Some(own) if *own != event.agent_id => {
            tracing::warn!(
                "the guest sent an event for {} from {own}'s process; sending it as {own}",
                event.agent_id
            );
            own.clone()
        }
        _ => event.agent_id,
    };
    AgentEvent::now(agent_id, event.kind)
}

/// `ui_popup`: validates the form, then asks the dashboard, waiting at most the request's
/// timeout and never past the guest call's own limit. Every failure is a reply, not an error:
/// an invalid form or no dashboard is `rejected` with the reason.
fn ui_popup(state: &HostState, req: UiPopupRequest) -> FormReply {
    if let Err(e) = req.form.validate() {
        return FormReply::Rejected {
            id: Some(req.form.id.clone()),
            error: e.to_string(),
        };
    }
    let left = state.call_deadline.map(|d| {
        d.saturating_duration_since(Instant::now())
            .saturating_sub(POPUP_MARGIN)
    });
    let wait = popup::bounded_wait(req.timeout_secs.map(Duration::from_secs), left);
    popup::ask_dashboard(state.zellij.clone(), state.session.clone(), &req.form, wait)
}

/// The GitHub service, or the `unsupported` error.
fn github(state: &HostState) -> Result<crate::services::github::GitHubService, AbiError> {
    state.tools.github.clone().ok_or_else(|| {
        AbiError::new(
            ErrorCode::Unsupported,
            "GitHub is only reachable from the MCP server (exomonad mcp-stdio)",
        )
    })
}

/// The worker-agent service, or the `unsupported` error naming the tool.
fn agents(state: &HostState, tool: &str) -> Result<Arc<dyn crate::workers::Agents>, AbiError> {
    state.tools.agents.clone().ok_or_else(|| {
        AbiError::new(
            ErrorCode::Unsupported,
            format!("{tool} is not available yet in this process"),
        )
    })
}

/// `path` (relative to the project, or absolute inside it) confined to the project
/// directory; see [`files::confine`].
fn confined(state: &HostState, path: Option<&str>) -> Result<PathBuf, AbiError> {
    files::confine(&state.project_dir, path).map_err(|e| e.to_abi())
}

fn host_error(e: impl std::fmt::Display) -> AbiError {
    AbiError::new(ErrorCode::HostFunction, e.to_string())
}

/// Wraps a typed handler as an Extism host function: reads the request JSON from guest
/// memory, answers with an [`Envelope`] JSON. A request that does not parse is answered
/// with a `bad_input` error envelope, never a trap.
fn json_fn<Req, Resp, F>(name: &str, host: &Arc<Mutex<HostState>>, handler: F) -> Function
where
    Req: DeserializeOwned,
    Resp: Serialize,
    F: Fn(&mut HostState, Req) -> Result<Resp, AbiError> + Send + Sync + 'static,
{
    let fn_name = name.to_owned();
    let host = host.clone();
    text_fn(name, move |input| {
        let result = match serde_json::from_str::<Req>(input) {
            Ok(req) => {
                let mut state = host.lock().expect("host state lock poisoned");
                handler(&mut state, req)
            }
            Err(e) => Err(AbiError::new(
                ErrorCode::BadInput,
                format!("{fn_name}: {e}"),
            )),
        };
        serde_json::to_string(&Envelope::from(result)).expect("envelopes always serialize")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::dashboard::events::Discard;
    use exomonad_protocol::{AgentId, EventKind};

    #[test]
    fn a_guest_speaks_only_for_its_own_agent_and_on_the_hosts_clock() {
        let mut state = HostState::new(PathBuf::from("/p"), Box::new(Discard), None);
        let own = AgentId::new("gh-7").unwrap();
        let other = AgentId::new("gh-8").unwrap();
        let long_ago: exomonad_protocol::Timestamp = "2001-01-01T00:00:00Z".parse().unwrap();
        let forged = AgentEvent {
            agent_id: other.clone(),
            at: long_ago,
            kind: EventKind::AgentStopped { reason: None },
        };
        let before = exomonad_protocol::Timestamp::now();
        let sent = own_event(&state, forged.clone());
        assert_eq!(
            sent.agent_id, other,
            "no own agent known: the guest's id stays"
        );
        assert!(sent.at >= before, "the host's clock, not the guest's");
        state.agent_id = Some(own.clone());
        let sent = own_event(&state, forged);
        assert_eq!(sent.agent_id, own);
        assert_eq!(sent.kind, EventKind::AgentStopped { reason: None });
    }
}

//! The MCP server's protocol handler (`exomonad mcp-stdio`): the Model Context Protocol over stdio with the
//! official Rust SDK (`rmcp`), with the tool list and each tool's logic in the guest.
//!
//! - `initialize`: the protocol version is negotiated among 2024-11-05, 2025-03-26,
//!   2025-06-18 and 2025-11-25 (a client asking for one of them gets it back; anything else
//!   gets 2025-11-25), by `rmcp`'s rule; capabilities: `tools`.
//! - `ping`, `notifications/initialized`: `rmcp`.
//! - `tools/list`: the guest's `mcp_list_tools`, asked once per process (the list depends
//!   only on the agent's role).
//! - `tools/call`: the guest's `mcp_call_tool`, on a pool of guest instances (calls run in
//!   parallel: one slow `ask_human` does not hold up a `git_status`). A tool failure is a
//!   result with `isError: true`; an unknown tool is JSON-RPC `-32602`; a guest that traps or
//!   answers nonsense is `-32603`.
//!
//! stdout carries protocol messages only: logging goes to `.exomonad/logs/`.

use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use exomonad_protocol::abi::{ErrorCode, exports};
use exomonad_protocol::tools::{ToolCall, ToolContent, ToolList, ToolResult, ToolsContext};
use exomonad_protocol::{AgentId, Role};
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation,
    ListToolsResult, PaginatedRequestParams, ProtocolVersion, ServerCapabilities, ServerConfig,
    Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler};
use tokio::sync::OnceCell;

use crate::guest::{Guest, GuestError};
use crate::services::dashboard::DashboardTarget;
use crate::services::zellij::Zellij;

/// Longest one tool call may run in the guest (a form waits up to
/// [`crate::popup::DEFAULT_TIMEOUT`]; spawning many workers takes a while).
pub const TOOL_CALL_LIMIT: Duration = Duration::from_secs(30 * 60);

/// The protocol versions the server speaks: every version with an `initialize` handshake up
/// to 2025-11-25.
pub fn supported_versions() -> Cow<'static, [ProtocolVersion]> {
    Cow::Borrowed(ProtocolVersion::known_up_to(&ProtocolVersion::V_2025_11_25))
}

/// Loads a fresh guest instance (with its own host state) for the pool.
pub type GuestFactory = Box<dyn Fn() -> anyhow::Result<Guest> + Send + Sync>;

/// Most idle guest instances a pool keeps (each holds its own linear memory, up to 64 MiB):
/// a burst of concurrent calls loads as many instances as it needs, and the ones beyond this
/// are dropped when their calls end.
pub const MAX_IDLE_GUESTS: usize = 4;

/// Guest instances for concurrent calls: a call takes an idle one or loads a new one, and
/// gives it back unless the call trapped or timed out (the instance is then dropped), or
/// [`MAX_IDLE_GUESTS`] are idle already.
pub struct GuestPool {
    idle: Mutex<Vec<Guest>>,
    factory: GuestFactory,
}

/// Why a guest call through the pool failed.
#[derive(Debug, thiserror::Error)]
pub enum PoolError {
    /// No instance could be loaded.
    #[error("the guest does not load: {0:#}")]
    Load(anyhow::Error),
    /// The call failed.
    #[error(transparent)]
    Guest(#[from] GuestError),
}

impl GuestPool {
    /// A pool that loads instances with `factory`.
    pub fn new(factory: GuestFactory) -> Self {
        Self {
            idle: Mutex::new(Vec::new()),
            factory,
        }
    }

    /// Loads one instance ahead of the first call (so the first `tools/list` is fast).
    ///
    /// # Errors
    /// [`PoolError::Load`].
    pub fn warm(&self) -> Result<(), PoolError> {
        let guest = (self.factory)().map_err(PoolError::Load)?;
        self.idle.lock().expect("pool lock").push(guest);
        Ok(())
    }

    /// Runs `f` on an instance.
    ///
    /// # Errors
    /// [`PoolError`] from loading or from `f`.
    pub fn run<R>(
        &self,
        f: impl FnOnce(&mut Guest) -> Result<R, GuestError>,
    ) -> Result<R, PoolError> {
        let taken = self.idle.lock().expect("pool lock").pop();
        let mut guest = match taken {
            Some(g) => g,
            None => (self.factory)().map_err(PoolError::Load)?,
        };
        let result = f(&mut guest);
        if !matches!(result, Err(GuestError::Call { .. })) {
            let mut idle = self.idle.lock().expect("pool lock");
            if idle.len() < MAX_IDLE_GUESTS {
                idle.push(guest);
            }
        }
        result.map_err(PoolError::Guest)
    }

    /// How many instances are idle now.
    pub fn idle(&self) -> usize {
        self.idle.lock().expect("pool lock").len()
    }
}

/// The MCP server of one agent.
pub struct McpServer {
    agent_id: AgentId,
    role: Role,
    pool: Arc<GuestPool>,
    tools: OnceCell<Vec<Tool>>,
    calls: AtomicU64,
    /// Where a cancelled call's form is withdrawn: Zellij and the session.
    dashboard: (Zellij, Option<String>),
}

impl McpServer {
    /// A server for `agent_id` in `role`, running tools on `pool`; the forms of its calls are
    /// shown in the dashboard of `session` (reached with `zellij`), where a call the client
    /// cancels (`notifications/cancelled`) has its form withdrawn.
    pub fn new(
        agent_id: AgentId,
        role: Role,
        pool: Arc<GuestPool>,
        zellij: Zellij,
        session: Option<String>,
    ) -> Self {
        Self {
            agent_id,
            role,
            pool,
            tools: OnceCell::new(),
            calls: AtomicU64::new(0),
            dashboard: (zellij, session),
        }
    }

    /// Withdraws the form of call `call_id` from the dashboard (a tool's form has the call's
    /// id: `ask_human`), off the async threads; failures are logged by the dashboard service.
    fn withdraw_form(&self, call_id: String) {
        let (zellij, session) = self.dashboard.clone();
        if session.is_none() {
            return;
        }
        tokio::task::spawn_blocking(move || {
            if let Ok(target) = DashboardTarget::new(zellij, session) {
                target.cancel(&call_id, "the agent cancelled the tool call");
            }
        });
    }

    /// Runs `f` on the pool off the async threads.
    async fn blocking<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Guest) -> Result<R, GuestError> + Send + 'static,
    ) -> Result<R, PoolError> {
        let pool = self.pool.clone();
        tokio::task::spawn_blocking(move || pool.run(f))
            .await
            .unwrap_or_else(|e| {
                Err(PoolError::Load(anyhow::anyhow!(
                    "the guest call panicked: {e}"
                )))
            })
    }

    async fn tool_list(&self) -> Result<Vec<Tool>, ErrorData> {
        self.tools
            .get_or_try_init(|| async {
                let ctx = ToolsContext {
                    agent_id: self.agent_id.clone(),
                    role: self.role,
                };
                let list: ToolList = self
                    .blocking(move |g| g.call_json(exports::MCP_LIST_TOOLS, &ctx))
                    .await
                    .map_err(|e| internal("tools/list", &e))?;
                Ok(list.tools.into_iter().map(to_rmcp_tool).collect())
            })
            .await
            .cloned()
    }
}

fn to_rmcp_tool(t: exomonad_protocol::tools::ToolDefinition) -> Tool {
    let schema = match t.input_schema {
        serde_json::Value::Object(map) => map,
        _ => serde_json::Map::from_iter([("type".to_owned(), "object".into())]),
    };
    Tool::new(t.name, t.description, Arc::new(schema))
}

fn to_rmcp_result(r: ToolResult) -> CallToolResult {
    let content = r
        .content
        .into_iter()
        .map(|c| match c {
            ToolContent::Text { text } => ContentBlock::text(text),
        })
        .collect();
    let mut out = if r.is_error {
        CallToolResult::error(content)
    } else {
        CallToolResult::success(content)
    };
    out.structured_content = r.structured_content;
    out
}

fn internal(what: &str, e: &PoolError) -> ErrorData {
    tracing::error!("{what}: {e}");
    ErrorData::internal_error(format!("{what}: {e}"), None)
}

impl ServerHandler for McpServer {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().build())
            .with_protocol_version(ProtocolVersion::V_2025_11_25)
            .with_server_info(
                Implementation::new("exomonad", env!("CARGO_PKG_VERSION"))
                    .with_title("exomonad"),
            )
            .with_instructions(
                "exomonad: git and GitHub for this project, worker agents (one per GitHub issue, each in its own worktree and Zellij tab), and questions to the person through the dashboard (ask_human).",
            )
    }

    fn supported_protocol_versions(&self) -> Cow<'static, [ProtocolVersion]> {
        supported_versions()
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        Ok(ListToolsResult::with_all_items(self.tool_list().await?))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let n = self.calls.fetch_add(1, Ordering::Relaxed) + 1;
        let call = ToolCall {
            agent_id: self.agent_id.clone(),
            role: self.role,
            name: request.name.to_string(),
            arguments: request
                .arguments
                .map(serde_json::Value::Object)
                .unwrap_or_default(),
            call_id: format!("{}-{}-{n}", self.agent_id, std::process::id()),
        };
        let name = call.name.clone();
        let call_id = call.call_id.clone();
        let started = std::time::Instant::now();
        let running =
            self.blocking(move |g| g.call_json::<_, ToolResult>(exports::MCP_CALL_TOOL, &call));
        // A call the client cancels gets no answer (rmcp drops it), and its form must not
        // stay in the dashboard waiting for a person: withdraw it, and let the guest call end
        // with the form's `cancelled` reply.
        let result = tokio::select! {
            result = running => result,
            () = context.ct.cancelled() => {
                tracing::info!("tools/call {name}: cancelled by the client; withdrawing its form");
                self.withdraw_form(call_id);
                return Err(ErrorData::internal_error("the call was cancelled", None));
            }
        };
        tracing::info!(
            "tools/call {name}: {} in {} ms",
            match &result {
                Ok(r) if r.is_error => "tool error",
                Ok(_) => "ok",
                Err(_) => "failed",
            },
            started.elapsed().as_millis()
        );
        match result {
            Ok(r) => Ok(to_rmcp_result(r).into()),
            Err(PoolError::Guest(GuestError::Reported { error, .. }))
                if error.code == ErrorCode::NotFound =>
            {
                Err(ErrorData::invalid_params(error.message, None))
            }
            Err(e) => Err(internal(&format!("tools/call {name}"), &e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::sync::Barrier;

    use super::*;
    use crate::guest::{GuestOptions, HostState};
    use crate::services::dashboard::events::Discard;

    #[test]
    fn a_burst_of_calls_leaves_at_most_the_cap_idle() {
        let pool = GuestPool::new(Box::new(|| {
            let host = HostState::new(PathBuf::from("/"), Box::new(Discard), None);
            Guest::embedded(host, &GuestOptions::default())
        }));
        let burst = MAX_IDLE_GUESTS + 2;
        let all_in = Barrier::new(burst);
        std::thread::scope(|s| {
            for _ in 0..burst {
                s.spawn(|| {
                    pool.run(|guest| {
                        all_in.wait(); // every call holds its own instance at once
                        guest.info()
                    })
                    .expect("the call works");
                });
            }
        });
        assert_eq!(pool.idle(), MAX_IDLE_GUESTS);
    }
}

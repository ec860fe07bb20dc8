//! The MCP flow: an agent's MCP server (`exomonad mcp-stdio`). The tool list and each
//! tool's behaviour come from the guest ([`server`]: the rmcp handler over a pool of guest
//! instances); the tools' I/O goes through the host functions and [`tool_services`].
//!
//! Emits `AgentStarted` (with no runtime: an announcement, not a hook) to the dashboard when
//! the server starts, with the agent id of [`Context`]. Its client going away (stdin closed) is
//! not the agent stopping — a client reconnects, a runtime restarts its MCP servers — so it
//! emits no `AgentStopped`: an agent's stop comes from its `SessionEnd` hook or its pane's
//! exit, which the dashboard watches.

pub mod server;

use std::sync::Arc;

use exomonad_protocol::{AgentEvent, EventKind};
use rmcp::ServiceExt as _;
use tokio::io::{AsyncRead, AsyncWrite};

use self::server::{GuestPool, McpServer, TOOL_CALL_LIMIT};
use crate::context::Context;
use crate::guest::select::{GuestSource, load_configured};
use crate::guest::{GuestOptions, HostState, ToolServices};
use crate::services::dashboard::events::{EventSink, SessionSink};
use crate::services::github::GitHubService;
use crate::services::zellij::Zellij;
use crate::workers::orchestrator::Orchestrator;

/// The services behind an agent's MCP tools: one GitHub client (and one token lookup) for
/// the GitHub tools and the worker tools, and the workers flow of the project of `ctx`
/// (unset, with a log line, when it cannot be built).
pub fn tool_services(ctx: &Context) -> ToolServices {
    // One GitHub client (and one token lookup) for the GitHub tools and the worker tools.
    let github = GitHubService::from_process(&ctx.config);
    let agents: Option<Arc<dyn crate::workers::Agents>> =
        match Orchestrator::for_project(ctx, github.clone()) {
            Ok(o) => Some(Arc::new(o)),
            Err(e) => {
                tracing::warn!("mcp-stdio: worker tools unavailable: {e:#}");
                None
            }
        };
    ToolServices {
        github: Some(github),
        agents,
    }
}

/// The guest pool of an agent's server: instances of the configured guest with host state on
/// `ctx`'s project and session and the given tool services.
pub fn pool(ctx: &Context, services: ToolServices) -> GuestPool {
    let source = GuestSource::resolve(&ctx.config, &ctx.project_dir, ctx.role);
    let options = GuestOptions {
        timeout: TOOL_CALL_LIMIT,
        ..GuestOptions::default()
    };
    let project_dir = ctx.project_dir.clone();
    let session = ctx.session.clone();
    let agent_id = ctx.agent_id.clone();
    GuestPool::new(Box::new(move || {
        let mut host = HostState::new(
            project_dir.clone(),
            Box::new(SessionSink::new(Zellij::from_env(), session.clone())),
            session.clone(),
        );
        host.tools = services.clone();
        host.agent_id = Some(agent_id.clone());
        load_configured(&source, host, &options)
    }))
}

/// Serves MCP on `read`/`write` for the agent of `ctx` until the client goes away, with the
/// start and stop events around it.
///
/// # Errors
/// When the `initialize` handshake fails or the transport breaks.
pub async fn serve<R, W>(
    ctx: &Context,
    services: ToolServices,
    read: R,
    write: W,
) -> anyhow::Result<()>
where
    R: AsyncRead + Send + Unpin + 'static,
    W: AsyncWrite + Send + Unpin + 'static,
{
    let pool = Arc::new(pool(ctx, services));
    let warm = {
        let pool = pool.clone();
        tokio::task::spawn_blocking(move || pool.warm())
    };
    let events = SessionSink::new(Zellij::from_env(), ctx.session.clone());
    let started = emit(&events, ctx, EventKind::AgentStarted { runtime: None });
    let server = McpServer::new(
        ctx.agent_id.clone(),
        ctx.role,
        pool,
        Zellij::from_env(),
        ctx.session.clone(),
    );
    let result = async {
        let running = server.serve((read, write)).await?;
        tracing::info!("mcp-stdio: serving {}", ctx.agent_id);
        let reason = running.waiting().await?;
        tracing::info!("mcp-stdio: the client went away ({reason:?})");
        anyhow::Ok(())
    }
    .await;
    if let Ok(Err(e)) = warm.await {
        tracing::error!("mcp-stdio: {e}");
    }
    let _ = started.await;
    result
}

/// Sends one event for the agent of `ctx` off the async threads.
fn emit(events: &SessionSink, ctx: &Context, kind: EventKind) -> tokio::task::JoinHandle<()> {
    let mut events = events.clone();
    let event = AgentEvent::now(ctx.agent_id.clone(), kind);
    tokio::task::spawn_blocking(move || events.send(&event))
}

//! Names that two processes must spell the same way. Each one lives here once.

/// Name of the `zellij pipe` that carries [`crate::AgentEvent`]s to the dashboard.
///
/// The payload of each message is one `AgentEvent` serialized as JSON.
pub const EVENT_PIPE: &str = "exomonad-event";

/// Name of the `zellij pipe` that carries a [`crate::form::FormRequest`] to the dashboard.
///
/// The pipe is targeted at the dashboard's plugin URL; the dashboard blocks it, and writes
/// the [`crate::form::FormReply`] as one JSON line to the pipe's stdout when the form is done.
pub const POPUP_PIPE: &str = "exomonad-popup";

/// Name of the `zellij pipe` whose payload is a [`crate::form::FormCancel`]: the asker gave
/// up on a form (timeout, or cancelled by the host); the dashboard removes it.
pub const POPUP_CANCEL_PIPE: &str = "exomonad-popup-cancel";

/// Name of the `zellij pipe` that asks the dashboard which agents it shows: the dashboard
/// answers on the pipe's stdout with one [`crate::agents::DashboardAgents`] JSON line (the
/// payload is ignored). Every dashboard instance of the session may answer; the first line
/// counts.
pub const AGENTS_QUERY_PIPE: &str = "exomonad-agents";

/// The `name` the session layout (`layouts/exomonad.kdl`) gives the lead's pane. The host
/// puts the lead's command there; the dashboard finds the lead's pane by it (the lead's
/// command need not name the agent, and Zellij keeps a layout's pane name as its title).
pub const LEAD_PANE: &str = "lead";

/// File name of the dashboard plugin when the host writes it out to disk.
pub const DASHBOARD_WASM_FILE: &str = "exomonad-dashboard.wasm";

/// The Zellij permissions the dashboard plugin asks for in `load()`, as Zellij spells them
/// (`PermissionType`'s variant names, the child nodes of an entry in Zellij's
/// `permissions.kdl`): reading and changing the session (tabs, panes, renaming its pane), the
/// CLI pipes (events, forms, queries), messages to its own other instances, and the attend
/// key's binding (Reconfigure). `exomonad doctor` checks that all of them were granted.
pub const DASHBOARD_PERMISSIONS: &[&str] = &[
    "ReadApplicationState",
    "ChangeApplicationState",
    "ReadCliPipes",
    "MessageAndLaunchOtherPlugins",
    "Reconfigure",
];

/// Environment variable that names the agent (see [`crate::AgentId::resolve`]).
///
/// Set at spawn time in the agent's pane environment; every hook and MCP process
/// of that agent inherits it.
pub const ENV_AGENT_ID: &str = "EXOMONAD_AGENT_ID";

/// Environment variable that overrides the role (`lead` or `worker`) from the config.
pub const ENV_ROLE: &str = "EXOMONAD_ROLE";

/// Environment variable that overrides the Zellij session events are sent to.
///
/// When neither it nor the config names a session, Zellij's own
/// [`ENV_ZELLIJ_SESSION_NAME`] is used.
pub const ENV_SESSION: &str = "EXOMONAD_SESSION";

/// Set by Zellij in every pane: the name of the session the pane belongs to.
pub const ENV_ZELLIJ_SESSION_NAME: &str = "ZELLIJ_SESSION_NAME";

/// Set by Zellij in every pane (to the server's pid); its presence means "inside Zellij".
pub const ENV_ZELLIJ: &str = "ZELLIJ";

/// Environment variable naming the `zellij` executable the host runs (default: `zellij` on `PATH`).
pub const ENV_ZELLIJ_BIN: &str = "EXOMONAD_ZELLIJ_BIN";

/// Environment variable for the host's log filter (`tracing` env-filter syntax, e.g. `debug`).
pub const ENV_LOG: &str = "EXOMONAD_LOG";

/// Directory, relative to the project root, that holds exomonad's per-project state.
pub const STATE_DIR: &str = ".exomonad";

/// Config file inside [`STATE_DIR`].
pub const CONFIG_FILE: &str = "config.toml";

/// Log directory inside [`STATE_DIR`].
pub const LOG_DIR: &str = "logs";

/// Environment variable with the GitHub REST API base URL (default `https://api.github.com`;
/// `https://<host>/api/v3` for GitHub Enterprise, a local mock in tests). The config's
/// `github_api_url` says the same; the environment, the person's own, wins. Which token goes
/// there depends on the host, never on who named it (the host's `services::github`).
pub const ENV_GITHUB_API_URL: &str = "EXOMONAD_GITHUB_API_URL";

/// Directory inside [`STATE_DIR`] that holds the workers' git worktrees, one per issue,
/// unless the config's `worktree_dir` names another.
pub const WORKTREES_DIR: &str = "worktrees";

/// Directory inside the project's [`STATE_DIR`] with one record per spawned worker
/// (`<agent id>.json`).
pub const AGENTS_DIR: &str = "agents";

/// File inside a worker's own [`STATE_DIR`] where its hook records the agent runtime's
/// session id (Claude's `SessionStart` `session_id`), so a dead worker can be resumed.
pub const RUNTIME_SESSION_FILE: &str = "runtime-session.json";

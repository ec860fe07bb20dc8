//! The dashboard's model: one row per agent and a bounded log of what happened.
//!
//! Everything enters through [`Dashboard::apply_pipe_message`] (raw pipe input) or
//! [`Dashboard::apply_event`] (an already parsed event). Memory is bounded: at most
//! [`MAX_AGENTS`] rows, at most [`LOG_CAPACITY`] log entries, and every outside string is
//! cleaned and cut to [`MAX_TEXT_CHARS`] characters before it is stored.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

use exomonad_protocol::agents::{DashboardAgent, DashboardAgents};
use exomonad_protocol::hook::HookPhase;
use exomonad_protocol::names::{AGENTS_QUERY_PIPE, EVENT_PIPE, POPUP_CANCEL_PIPE, POPUP_PIPE};
use exomonad_protocol::{AgentEvent, AgentId, EventKind, Runtime, Timestamp};
use jiff::SignedDuration;
use serde::{Deserialize, Serialize};

use crate::attend::Need;
use crate::inbox::{CLAIM_PIPE, Effect, Inbox, Note, PipeFrom};
use crate::sync::{
    Address, SYNC_PIPE, SYNC_REQUEST_PIPE, Snapshot, SyncReply, SyncRequest, SyncState, from_plugin,
};
use crate::text;

/// Most log entries kept; the oldest is dropped when a new one would exceed it.
pub const LOG_CAPACITY: usize = 500;

/// Most agent rows kept; see [`Dashboard::apply_event`] for which row makes room.
pub const MAX_AGENTS: usize = 256;

/// Agents stopped for longer than this are folded into one `+N stopped earlier` line.
pub const COLLAPSE_STOPPED_AFTER: SignedDuration = SignedDuration::from_mins(10);

/// Longest stored outside string (hook name, tool name, reason, error text), in characters.
pub const MAX_TEXT_CHARS: usize = 200;

/// What an agent is doing, as far as its events tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgentState {
    /// Working: started, or any hook other than the ones below.
    Running,
    /// Waiting for the person: its turn ended (`Stop` / `AfterAgent`) or it sent a
    /// `Notification`.
    Waiting,
    /// A policy refused to let it stop; it goes on working. Lasts until its next event.
    StopBlocked,
    /// Its session ended (`AgentStopped`, or a `SessionEnd` hook).
    Stopped,
}

impl AgentState {
    /// The label shown on screen: `running`, `waiting`, `stop blocked` or `stopped`.
    pub fn label(self) -> &'static str {
        match self {
            AgentState::Running => "running",
            AgentState::Waiting => "waiting",
            AgentState::StopBlocked => "stop blocked",
            AgentState::Stopped => "stopped",
        }
    }

    /// The state an event moves an agent to.
    pub fn after(kind: &EventKind) -> Self {
        match kind {
            EventKind::AgentStarted { .. } => AgentState::Running,
            EventKind::HookReceived {
                runtime,
                hook_event_name,
                ..
            } => match runtime.phase(hook_event_name) {
                HookPhase::TurnEnd | HookPhase::Notification => AgentState::Waiting,
                HookPhase::SessionEnd => AgentState::Stopped,
                _ => AgentState::Running,
            },
            EventKind::StopHookBlocked { .. } => AgentState::StopBlocked,
            EventKind::AgentStopped { .. } => AgentState::Stopped,
        }
    }
}

/// The last hook an agent fired.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastHook {
    /// Hook event name as the runtime spells it (cleaned, at most [`MAX_TEXT_CHARS`]).
    pub event: String,
    /// Tool name for tool hooks (cleaned, at most [`MAX_TEXT_CHARS`]).
    pub tool: Option<String>,
}

impl LastHook {
    /// `<event> <tool>`, or just `<event>` without a tool.
    pub fn describe(&self) -> String {
        match &self.tool {
            Some(tool) => format!("{} {}", self.event, tool),
            None => self.event.clone(),
        }
    }
}

/// One agent's row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Agent {
    /// Its id (the row key).
    pub id: AgentId,
    /// What it is doing.
    pub state: AgentState,
    /// Its last hook, if one arrived.
    pub last_hook: Option<LastHook>,
    /// Its runtime, once an event said.
    pub runtime: Option<Runtime>,
    /// `at` of the newest event applied to the row.
    pub last_event_at: Timestamp,
    /// `at` of the oldest event seen for it.
    pub first_seen_at: Timestamp,
    /// `at` of the event that moved it into its current [`AgentState`] (a later event that
    /// leaves the state as it is does not move it). `None` in a snapshot from a dashboard
    /// that did not record it yet: [`Agent::in_state_since`] falls back to `last_event_at`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_since: Option<Timestamp>,
}

impl Agent {
    /// When it entered its current state: [`Agent::state_since`], else its last event.
    pub fn in_state_since(&self) -> Timestamp {
        self.state_since.unwrap_or(self.last_event_at)
    }

    /// Whether its state waits on the person: [`AgentState::Waiting`] or
    /// [`AgentState::StopBlocked`] (see [`crate::attend`]).
    pub fn needs_person(&self) -> bool {
        matches!(self.state, AgentState::Waiting | AgentState::StopBlocked)
    }
}

/// Whether a log entry reports normal activity or a problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogKind {
    /// An agent event.
    Ok,
    /// A malformed message, or an agent dropped to make room.
    Error,
}

/// One line of the event log.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LogEntry {
    /// The event's `at`, or the arrival time for errors about unreadable input.
    pub at: Timestamp,
    /// The agent it is about; `None` for errors not tied to a readable agent.
    pub agent: Option<AgentId>,
    /// What happened, cleaned: `PreToolUse Bash`, `stop blocked: <reason>`, `started`,
    /// `stopped (<reason>)`, or an error message.
    pub text: String,
    /// Normal or error.
    pub kind: LogKind,
}

/// A scrolling request for the event log. The newest entry is at the top, so "up" means
/// "newer".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LogScroll {
    /// One line toward newer entries.
    Newer,
    /// One line toward older entries.
    Older,
    /// One page toward newer entries.
    PageNewer,
    /// One page toward older entries.
    PageOlder,
    /// Back to the newest entry (follow new events again).
    Newest,
    /// To the oldest entries.
    Oldest,
}

/// The whole dashboard model. Cheap to create; every method is total (no panics on any input).
#[derive(Debug, Clone, Default)]
pub struct Dashboard {
    agents: BTreeMap<AgentId, Agent>,
    log: VecDeque<LogEntry>,
    /// Number of newest log entries scrolled past (0 = showing the newest).
    log_offset: usize,
    /// Pending popup forms (never synced between instances: see [`crate::sync`]).
    inbox: Inbox,
    /// This instance's side of the sync protocol.
    sync: SyncState,
    /// Whether Zellij has granted the plugin's permissions (shown in the header until it has).
    permission: Permission,
    /// Terminal panes whose command had ended at the last pane update
    /// ([`Dashboard::on_exited_panes`]).
    exited_panes: BTreeSet<u32>,
    /// What the pane shows when no form is pending.
    screen: Screen,
    /// The selected agent row; `None` or an agent not shown means the first row shown.
    selected: Option<AgentId>,
    /// One line for the person about their last action (e.g. an agent whose tab is gone);
    /// cleared by the next key.
    status: Option<String>,
    /// Each agent's terminal pane id, from the last pane update ([`Dashboard::on_panes`]).
    agent_panes: BTreeMap<AgentId, u32>,
    /// What the attend key went to last, so pressing it again cycles within the tier.
    attended: Option<Need>,
    /// The attend key as bound (for the help screen); `None`: not bound.
    attend_key: Option<String>,
}

/// What the dashboard pane shows when no form is pending (a pending form always shows first:
/// keys go to it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Screen {
    /// The agent table and the event log.
    #[default]
    Team,
    /// The keys ([`crate::keys::KEYS`]); Esc, `?` or `q` closes it.
    Help,
}

/// A terminal pane whose command ended, as Zellij's `PaneUpdate` shows it (`PaneInfo` with
/// `exited: true`): Zellij keeps such a command pane open ("held", showing the exit code)
/// until it is closed or run again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExitedPane {
    /// The terminal pane's id.
    pub pane_id: u32,
    /// Its command line (`PaneInfo::terminal_command`).
    pub command: String,
    /// The command's exit code, when it ended with one.
    pub exit_status: Option<i32>,
}

/// Where the plugin's permission request stands. Until it is granted, Zellij holds back the
/// pipes and calls that need it, so the header says so (and tests wait for it to go away).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Permission {
    /// Asked; the person has not answered Zellij's prompt yet.
    Pending,
    /// Granted: events and forms reach this pane. The default, for a dashboard used outside
    /// Zellij (tests).
    #[default]
    Granted,
    /// Denied: nothing reaches this pane.
    Denied,
}

impl Dashboard {
    /// An empty dashboard.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records where the permission request stands (the glue calls this from `load()` and on
    /// Zellij's answer).
    pub fn set_permission(&mut self, permission: Permission) {
        self.permission = permission;
    }

    /// Where the permission request stands.
    pub fn permission(&self) -> Permission {
        self.permission
    }

    /// Agent rows, sorted by id.
    pub fn agents(&self) -> impl ExactSizeIterator<Item = &Agent> + DoubleEndedIterator {
        self.agents.values()
    }

    /// The row of one agent.
    pub fn agent(&self, id: &AgentId) -> Option<&Agent> {
        self.agents.get(id)
    }

    /// The event log, oldest first (the view shows it newest first).
    pub fn log(&self) -> &VecDeque<LogEntry> {
        &self.log
    }

    /// How many newest log entries are scrolled past; 0 means the newest is on top.
    pub fn log_offset(&self) -> usize {
        self.log_offset
    }

    /// The pending popup forms.
    pub fn inbox(&self) -> &Inbox {
        &self.inbox
    }

    /// Sets this plugin instance's id (see [`Inbox::set_instance`]).
    pub fn set_instance(&mut self, instance: impl Into<String>) {
        self.inbox.set_instance(instance);
    }

    /// Handles one `zellij pipe` message from `source` and returns what the glue must do, in
    /// order (an empty list: nothing changed).
    ///
    /// - [`EVENT_PIPE`]: an [`AgentEvent`]; a payload that is not one becomes one
    ///   [`LogKind::Error`] log line with the parse error, stamped `now`.
    /// - [`POPUP_PIPE`]: a form request ([`Inbox::receive`]).
    /// - [`POPUP_CANCEL_PIPE`]: the host dropped a form ([`Inbox::cancel`]).
    /// - [`CLAIM_PIPE`] from a plugin: a dashboard instance claims a reply ([`Inbox::claimed`]).
    /// - [`SYNC_REQUEST_PIPE`] from a plugin: a new instance asks for a snapshot
    ///   ([`Dashboard::answer_sync`]).
    /// - [`AGENTS_QUERY_PIPE`] from the CLI: the agent table as one
    ///   [`DashboardAgents`] JSON line on the pipe's stdout, then the pipe is released.
    /// - [`SYNC_PIPE`] from a plugin: a snapshot, merged when addressed to this instance's
    ///   request ([`Dashboard::receive_sync`]).
    ///
    /// Ignored: any other pipe (broadcasts meant for other plugins), a `None` payload (the
    /// CLI's end-of-input message) and a blank payload.
    pub fn apply_pipe_message(
        &mut self,
        name: &str,
        payload: Option<&str>,
        source: &PipeFrom,
        now: Timestamp,
    ) -> Vec<Effect> {
        let mut notes = Vec::new();
        let effects = match name {
            EVENT_PIPE => {
                let Some(payload) = payload.filter(|p| !p.trim().is_empty()) else {
                    return Vec::new();
                };
                match AgentEvent::from_json(payload) {
                    Ok(event) => self.apply_event(event),
                    Err(err) => notes.push((true, format!("bad event: {err}"))),
                }
                vec![Effect::Redraw]
            }
            POPUP_PIPE => self.inbox.receive(payload, source, &mut notes),
            POPUP_CANCEL_PIPE => self.inbox.cancel(payload, &mut notes),
            CLAIM_PIPE if matches!(source, PipeFrom::Plugin(_)) => {
                self.inbox.claimed(payload, &mut notes)
            }
            SYNC_REQUEST_PIPE if from_plugin(source) => return self.answer_sync(payload),
            SYNC_PIPE if from_plugin(source) => self.receive_sync(payload, now, &mut notes),
            AGENTS_QUERY_PIPE => return self.answer_agents_query(source),
            _ => return Vec::new(),
        };
        self.log_notes(notes, now);
        effects
    }

    /// Handles Zellij's pane list (its `PaneUpdate` event), given as the terminal panes whose
    /// command has ended. A pane running an agent ([`AgentId::from_pane_command`]) that ended
    /// since the last list stops that agent, stamped `now`, with `exited with code N` as the
    /// reason, unless its row already says stopped. So an agent that crashed or was killed
    /// before its `SessionEnd` hook could run is not shown working. A pane run again and
    /// ended again counts again. Returns [`Effect::Redraw`] when a row changed.
    pub fn on_exited_panes(&mut self, panes: &[ExitedPane], now: Timestamp) -> Vec<Effect> {
        let mut changed = false;
        for pane in panes {
            if self.exited_panes.contains(&pane.pane_id) {
                continue;
            }
            let Some(agent_id) = AgentId::from_pane_command(&pane.command) else {
                continue;
            };
            if self
                .agents
                .get(&agent_id)
                .is_some_and(|a| a.state == AgentState::Stopped)
            {
                continue;
            }
            let reason = match pane.exit_status {
                Some(code) => format!("exited with code {code}"),
                None => "exited".to_owned(),
            };
            self.apply_event(AgentEvent {
                agent_id,
                at: now,
                kind: EventKind::AgentStopped {
                    reason: Some(reason),
                },
            });
            changed = true;
        }
        self.exited_panes = panes.iter().map(|p| p.pane_id).collect();
        if changed {
            vec![Effect::Redraw]
        } else {
            Vec::new()
        }
    }

    /// The answer to an [`AGENTS_QUERY_PIPE`] message from the CLI (nothing for any other
    /// source: only a CLI pipe has an stdout to answer on).
    pub fn answer_agents_query(&self, source: &PipeFrom) -> Vec<Effect> {
        let PipeFrom::Cli(pipe_id) = source else {
            return Vec::new();
        };
        let answer = DashboardAgents {
            agents: self
                .agents()
                .map(|a| DashboardAgent {
                    agent_id: a.id.clone(),
                    state: a.state.label().to_owned(),
                    last_event_at: a.last_event_at,
                })
                .collect(),
        };
        let json = serde_json::to_string(&answer).unwrap_or_else(|_| "{\"agents\":[]}".into());
        vec![
            Effect::Reply {
                pipe_id: pipe_id.clone(),
                json: json + "\n",
            },
            Effect::UnblockCliPipe(pipe_id.clone()),
        ]
    }

    /// Logs what the inbox reported.
    pub(crate) fn log_notes(&mut self, notes: Vec<Note>, now: Timestamp) {
        for (error, text) in notes {
            self.push_log(LogEntry {
                at: now,
                agent: None,
                text: text::clean(&text, MAX_TEXT_CHARS),
                kind: if error { LogKind::Error } else { LogKind::Ok },
            });
        }
    }

    /// Applies one event: updates (or creates) the agent's row and logs the event.
    ///
    /// The new state is [`AgentState::after`] the event. An event older than the row's last
    /// event is logged but leaves the row as it is. When a new row would exceed
    /// [`MAX_AGENTS`], the stopped agent with the oldest last event is dropped; if no agent is
    /// stopped, the agent with the oldest last event is dropped and an error line says so.
    pub fn apply_event(&mut self, event: AgentEvent) {
        let AgentEvent { agent_id, at, kind } = event;
        let known = self.agents.contains_key(&agent_id);
        if !known {
            self.make_room(at);
            self.agents.insert(
                agent_id.clone(),
                Agent {
                    id: agent_id.clone(),
                    state: AgentState::after(&kind),
                    last_hook: None,
                    runtime: None,
                    last_event_at: at,
                    first_seen_at: at,
                    state_since: Some(at),
                },
            );
        }
        if let Some(row) = self.agents.get_mut(&agent_id) {
            row.first_seen_at = row.first_seen_at.min(at);
            if at >= row.last_event_at {
                // An MCP server that starts (no runtime: not a hook) only announces the agent:
                // for one already shown, a client that reconnects says nothing about its turn.
                let announce_only = known
                    && matches!(kind, EventKind::AgentStarted { runtime: None })
                    && row.state != AgentState::Stopped;
                let state = if announce_only {
                    row.state
                } else {
                    AgentState::after(&kind)
                };
                if state != row.state || row.state_since.is_none() {
                    row.state_since = Some(at);
                }
                row.state = state;
                row.last_event_at = at;
                match &kind {
                    EventKind::AgentStarted { runtime } => {
                        row.runtime = runtime.or(row.runtime);
                    }
                    EventKind::HookReceived {
                        runtime,
                        hook_event_name,
                        tool_name,
                    } => {
                        row.runtime = Some(*runtime);
                        row.last_hook = Some(LastHook {
                            event: text::clean(hook_event_name, MAX_TEXT_CHARS),
                            tool: tool_name.as_deref().map(|t| text::clean(t, MAX_TEXT_CHARS)),
                        });
                    }
                    EventKind::StopHookBlocked { .. } | EventKind::AgentStopped { .. } => {}
                }
            }
        }
        self.push_log(LogEntry {
            at,
            agent: Some(agent_id),
            text: describe(&kind),
            kind: LogKind::Ok,
        });
    }

    /// Scrolls the log by `delta` lines: positive toward older entries, negative toward
    /// newer. `page` is how many log lines are visible ([`crate::Frame::log_rows`]); the
    /// offset stays between 0 and `len - page` (at least 0). Returns whether it moved.
    pub fn scroll_log(&mut self, delta: isize, page: usize) -> bool {
        let max = self.log.len().saturating_sub(page.max(1));
        let before = self.log_offset.min(max);
        let after = before.saturating_add_signed(delta).min(max);
        let moved = after != self.log_offset;
        self.log_offset = after;
        moved
    }

    /// Applies a [`LogScroll`] request with `page` visible log lines. Returns whether the
    /// offset moved.
    pub fn scroll(&mut self, request: LogScroll, page: usize) -> bool {
        let page_step = isize::try_from(page.max(1)).unwrap_or(isize::MAX);
        let delta = match request {
            LogScroll::Newer => -1,
            LogScroll::Older => 1,
            LogScroll::PageNewer => -page_step,
            LogScroll::PageOlder => page_step,
            LogScroll::Newest => isize::MIN,
            LogScroll::Oldest => isize::MAX,
        };
        self.scroll_log(delta, page)
    }

    /// Drops one agent when the table is full, preferring the stopped agent with the oldest
    /// last event.
    fn make_room(&mut self, now: Timestamp) {
        if self.agents.len() < MAX_AGENTS {
            return;
        }
        let oldest_stopped = self
            .agents
            .values()
            .filter(|a| a.state == AgentState::Stopped)
            .min_by_key(|a| a.last_event_at)
            .map(|a| a.id.clone());
        let victim = match oldest_stopped {
            Some(id) => id,
            None => {
                let Some(id) = self
                    .agents
                    .values()
                    .min_by_key(|a| a.last_event_at)
                    .map(|a| a.id.clone())
                else {
                    return;
                };
                self.push_log(LogEntry {
                    at: now,
                    agent: Some(id.clone()),
                    text: format!("dropped: more than {MAX_AGENTS} agents"),
                    kind: LogKind::Error,
                });
                id
            }
        };
        self.agents.remove(&victim);
    }

    /// Appends to the log, dropping the oldest entry past [`LOG_CAPACITY`]. A scrolled view
    /// stays on the entries it shows.
    fn push_log(&mut self, entry: LogEntry) {
        self.log.push_back(entry);
        if self.log.len() > LOG_CAPACITY {
            self.log.pop_front();
        }
        if self.log_offset > 0 {
            self.log_offset = (self.log_offset + 1).min(self.log.len().saturating_sub(1));
        }
    }
}

/// Syncing with the other instances of the dashboard (see [`crate::sync`]).
impl Dashboard {
    /// The synced part of this dashboard: agents (by id) and the log (oldest first).
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            agents: self.agents.values().cloned().collect(),
            log: self.log.iter().cloned().collect(),
        }
    }

    /// The [`SYNC_REQUEST_PIPE`] broadcast this instance sends once its permissions are
    /// granted, stamped with `now` to make the request id unique. Only the first call
    /// returns it; later calls return nothing.
    pub fn request_sync(&mut self, now: Timestamp) -> Vec<Effect> {
        if self.sync.request.is_some() {
            return Vec::new();
        }
        let id = format!("{}@{now}", self.inbox.instance());
        let payload = serde_json::to_string(&SyncRequest { from: id.clone() }).unwrap_or_default();
        self.sync.request = Some(id);
        vec![Effect::Broadcast {
            name: SYNC_REQUEST_PIPE.to_owned(),
            payload,
        }]
    }

    /// A [`SYNC_REQUEST_PIPE`] message: answers with this instance's [`Snapshot`] on
    /// [`SYNC_PIPE`], unless the request is this instance's own, unreadable, or this
    /// instance knows nothing yet.
    pub fn answer_sync(&self, payload: Option<&str>) -> Vec<Effect> {
        let Some(request) = payload.and_then(|p| serde_json::from_str::<SyncRequest>(p).ok())
        else {
            return Vec::new();
        };
        if self.sync.request.as_deref() == Some(request.from.as_str())
            || (self.agents.is_empty() && self.log.is_empty())
        {
            return Vec::new();
        }
        let reply = SyncReply {
            to: request.from,
            from: self.inbox.instance().to_owned(),
            snapshot: self.snapshot(),
        };
        match serde_json::to_string(&reply) {
            Ok(payload) => vec![Effect::Broadcast {
                name: SYNC_PIPE.to_owned(),
                payload,
            }],
            Err(_) => Vec::new(),
        }
    }

    /// A [`SYNC_PIPE`] message: merges a reply addressed to this instance's request, once
    /// per responder. An unreadable reply becomes one error note.
    fn receive_sync(
        &mut self,
        payload: Option<&str>,
        now: Timestamp,
        notes: &mut Vec<Note>,
    ) -> Vec<Effect> {
        let Some(payload) = payload.filter(|p| !p.trim().is_empty()) else {
            return Vec::new();
        };
        let address = match serde_json::from_str::<Address>(payload) {
            Ok(a) => a,
            Err(e) => {
                notes.push((true, format!("bad sync snapshot: {e}")));
                return vec![Effect::Redraw];
            }
        };
        if self.sync.request.as_deref() != Some(address.to.as_str()) {
            return Vec::new();
        }
        let reply = match serde_json::from_str::<SyncReply>(payload) {
            Ok(r) => r,
            Err(e) => {
                notes.push((true, format!("bad sync snapshot: {e}")));
                return vec![Effect::Redraw];
            }
        };
        if !self.sync.answered_by.insert(reply.from) {
            return Vec::new();
        }
        if self.merge(reply.snapshot, now) {
            vec![Effect::Redraw]
        } else {
            Vec::new()
        }
    }

    /// Merges another instance's snapshot into this dashboard. Returns whether anything
    /// changed; merging the same snapshot twice changes nothing the second time.
    ///
    /// - Outside strings are cleaned and cut as if they had arrived in events.
    /// - Agents: a row only one side knows is taken; for a row both know, the one with the
    ///   newer last event wins (this one on a tie), with the earlier first-seen time. Past
    ///   [`MAX_AGENTS`], stopped agents with the oldest last event go first, then the
    ///   oldest others; dropping a row this dashboard was showing, unless stopped, is logged
    ///   as an error (stamped `now`).
    /// - Log: both logs merged by time (stable; among equal times, the entries only the
    ///   snapshot has come first);
    ///   an entry is kept as many times as the side that has it most often, so nothing is
    ///   duplicated; then cut to the newest [`LOG_CAPACITY`].
    pub fn merge(&mut self, snapshot: Snapshot, now: Timestamp) -> bool {
        let Snapshot { agents, log } = snapshot;
        let clean = |s: &str| text::clean(s, MAX_TEXT_CHARS);

        let mut union = self.agents.clone();
        for mut theirs in agents {
            if let Some(hook) = &mut theirs.last_hook {
                hook.event = clean(&hook.event);
                hook.tool = hook.tool.as_deref().map(clean);
            }
            match union.get_mut(&theirs.id) {
                None => {
                    union.insert(theirs.id.clone(), theirs);
                }
                Some(ours) => {
                    let first_seen_at = ours.first_seen_at.min(theirs.first_seen_at);
                    if theirs.last_event_at > ours.last_event_at {
                        *ours = theirs;
                    }
                    ours.first_seen_at = first_seen_at;
                }
            }
        }
        let mut dropped_here = Vec::new();
        if union.len() > MAX_AGENTS {
            let mut order: Vec<(bool, Timestamp, AgentId)> = union
                .values()
                .map(|a| {
                    (
                        a.state != AgentState::Stopped,
                        a.last_event_at,
                        a.id.clone(),
                    )
                })
                .collect();
            order.sort();
            let excess = union.len() - MAX_AGENTS;
            for (running, _, id) in order.into_iter().take(excess) {
                union.remove(&id);
                if running && self.agents.contains_key(&id) {
                    dropped_here.push(id);
                }
            }
        }
        let agents_changed = union != self.agents;
        self.agents = union;

        // The snapshot's newest entries only: older ones would be cut anyway.
        let skip = log.len().saturating_sub(LOG_CAPACITY);
        let theirs: Vec<LogEntry> = log
            .into_iter()
            .skip(skip)
            .map(|mut e| {
                e.text = clean(&e.text);
                e
            })
            .collect();
        let mut ours_count: HashMap<&LogEntry, usize> = HashMap::new();
        for e in &self.log {
            *ours_count.entry(e).or_default() += 1;
        }
        let mut theirs_count: HashMap<&LogEntry, usize> = HashMap::new();
        let mut extra = Vec::new();
        for e in &theirs {
            let n = theirs_count.entry(e).or_default();
            *n += 1;
            if *n > ours_count.get(e).copied().unwrap_or(0) {
                extra.push(e.clone());
            }
        }
        let mut log_changed = false;
        if !extra.is_empty() {
            // Their extra entries go first among entries of the same time, so the cut below
            // drops them before ours: merging again re-adds and re-cuts the same ones.
            let mut merged: Vec<LogEntry> =
                extra.into_iter().chain(self.log.iter().cloned()).collect();
            merged.sort_by_key(|e| e.at);
            let cut = merged.len().saturating_sub(LOG_CAPACITY);
            let merged: VecDeque<LogEntry> = merged.into_iter().skip(cut).collect();
            log_changed = merged != self.log;
            self.log = merged;
            self.log_offset = self.log_offset.min(self.log.len().saturating_sub(1));
        }

        for id in &dropped_here {
            self.push_log(LogEntry {
                at: now,
                agent: Some(id.clone()),
                text: format!("dropped: more than {MAX_AGENTS} agents"),
                kind: LogKind::Error,
            });
        }
        agents_changed || log_changed || !dropped_here.is_empty()
    }
}

/// The log text of an event (cleaned): `<hook>[ <tool>]`, `stop blocked: <reason>`,
/// `started`, `stopped[ (<reason>)]`.
fn describe(kind: &EventKind) -> String {
    let clean = |s: &str| text::clean(s, MAX_TEXT_CHARS);
    match kind {
        EventKind::AgentStarted { .. } => "started".to_owned(),
        EventKind::HookReceived {
            hook_event_name,
            tool_name,
            ..
        } => match tool_name {
            Some(tool) => format!("{} {}", clean(hook_event_name), clean(tool)),
            None => clean(hook_event_name),
        },
        EventKind::StopHookBlocked { reason } => format!("stop blocked: {}", clean(reason)),
        EventKind::AgentStopped { reason: Some(r) } => format!("stopped ({})", clean(r)),
        EventKind::AgentStopped { reason: None } => "stopped".to_owned(),
    }
}

mod nav;

pub use nav::{LEAD_PANE_NAME, PaneSeen};

#[cfg(test)]
mod tests;

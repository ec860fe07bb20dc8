//! The plugin's decisions, as a function of Zellij's inputs: [`App`] is what the
//! `ZellijPlugin` glue (`src/main.rs`, wasm32 only) holds. Each entry point mirrors one of
//! Zellij's (`load`, `update`, `pipe`, `render`) and returns the [`Effect`]s to carry out,
//! so the glue only translates Zellij's types to [`Input`] and effects to `zellij-tile`
//! calls, and everything else is tested natively with synthetic events.

use std::collections::BTreeMap;

use exomonad_protocol::{AgentId, Timestamp};
use exomonad_ui::form::Key;

use crate::inbox::{Effect, PipeFrom};
use crate::state::{Dashboard, PaneSeen, Permission};
use crate::view::{Drawn, draw};

/// Name of the message the attend key binding sends to this plugin (a Zellij
/// `MessagePluginId` key binding, [`attend_binding`]). Also accepted from `zellij pipe
/// --name exomonad-attend -- go` (with a payload: the CLI's end-of-input message carries
/// none).
pub const ATTEND_PIPE: &str = "exomonad-attend";

/// The plugin configuration key (in the layout's `plugin` block) that sets the attend key,
/// in Zellij's key syntax (`"Alt a"`, `"Ctrl Shift g"`); `"none"` binds nothing.
pub const ATTEND_KEY_CONFIG: &str = "attend_key";

/// The attend key when the configuration does not set one.
pub const DEFAULT_ATTEND_KEY: &str = "Alt a";

/// A Zellij event the plugin subscribes to, without Zellij's types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// `Timer`: a tick that keeps the ages current.
    Timer,
    /// `PermissionRequestResult`: whether the permissions were granted.
    Permission(bool),
    /// `Key` (mapped to the form engine's keys; keys with Ctrl/Alt are not for the
    /// dashboard) or `PastedText` ([`Key::Paste`]).
    Key(Key),
    /// `Mouse`.
    Mouse(Mouse),
    /// `PaneUpdate`: every terminal pane of the session.
    Panes(Vec<PaneSeen>),
}

/// A mouse event in the dashboard pane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mouse {
    /// A left click on a line of the pane (0 = top line).
    Click {
        /// The line, as Zellij reports it (negative above the pane).
        line: isize,
    },
    /// The wheel turned up this many lines (toward newer log entries).
    ScrollUp(usize),
    /// The wheel turned down this many lines (toward older log entries).
    ScrollDown(usize),
}

/// The plugin: the dashboard, its configuration and what the last frame showed.
#[derive(Debug, Clone, Default)]
pub struct App {
    dashboard: Dashboard,
    /// This plugin's id (the target of the attend key binding and of the pane renames).
    plugin_id: u32,
    /// The attend key, `None` when the configuration turned it off or it is unusable.
    attend_key: Option<String>,
    /// Log lines visible in the last frame: the PageUp/PageDown step.
    page: usize,
    /// Which line of the last frame showed which agent (for clicks).
    agent_lines: Vec<(usize, AgentId)>,
    /// The pane title sent last.
    title: Option<String>,
}

impl App {
    /// Zellij's `load`: the plugin's configuration (the layout's `plugin` block) and ids.
    /// Permissions are still pending. An unusable `attend_key` is reported in the log.
    pub fn load(configuration: &BTreeMap<String, String>, plugin_id: u32, client_id: u16) -> Self {
        let mut dashboard = Dashboard::new();
        dashboard.set_permission(Permission::Pending);
        // One instance runs per dashboard pane and per connected client: this id tells this
        // instance's reply claims from the others' (see `crate::inbox`).
        dashboard.set_instance(format!("{plugin_id}/{client_id}"));
        let wanted = configuration
            .get(ATTEND_KEY_CONFIG)
            .map_or(DEFAULT_ATTEND_KEY, |k| k.trim());
        let attend_key = if wanted.eq_ignore_ascii_case("none") {
            None
        } else if valid_key(wanted) {
            Some(wanted.to_owned())
        } else {
            dashboard.set_status(&format!(
                "{ATTEND_KEY_CONFIG} {wanted:?} is not a key: no attend key"
            ));
            None
        };
        dashboard.set_attend_key(attend_key.clone());
        Self {
            dashboard,
            plugin_id,
            attend_key,
            ..Self::default()
        }
    }

    /// The dashboard.
    pub fn dashboard(&self) -> &Dashboard {
        &self.dashboard
    }

    /// The dashboard, to feed it directly (tests, benchmarks).
    pub fn dashboard_mut(&mut self) -> &mut Dashboard {
        &mut self.dashboard
    }

    /// Zellij's `update`: one event. Returns the effects in order ([`Effect::Redraw`]:
    /// render again). Once permissions are granted: asks the other instances for their
    /// state ([`Dashboard::request_sync`]) and binds the attend key ([`attend_binding`]);
    /// after any event that changes who waits, renames the pane ([`Effect::RenameSelf`]).
    pub fn update(&mut self, input: Input, now: Timestamp) -> Vec<Effect> {
        let mut effects = match input {
            Input::Timer => vec![Effect::Redraw],
            Input::Permission(granted) => {
                self.dashboard.set_permission(if granted {
                    Permission::Granted
                } else {
                    Permission::Denied
                });
                let mut effects = Vec::new();
                if granted {
                    // A new instance (second client, reopened pane) starts empty: ask the
                    // running instances for what they know (`crate::sync`).
                    effects.extend(self.dashboard.request_sync(now));
                    if let Some(key) = &self.attend_key {
                        effects.push(Effect::Reconfigure(attend_binding(key, self.plugin_id)));
                    }
                }
                effects.push(Effect::Redraw);
                effects
            }
            Input::Key(key) => self.dashboard.on_key(key, self.page, now),
            Input::Mouse(Mouse::ScrollUp(n)) => self.dashboard.on_wheel(-signed(n), self.page),
            Input::Mouse(Mouse::ScrollDown(n)) => self.dashboard.on_wheel(signed(n), self.page),
            Input::Mouse(Mouse::Click { line }) => {
                let hit = usize::try_from(line).ok().and_then(|line| {
                    self.agent_lines
                        .iter()
                        .find(|(l, _)| *l == line)
                        .map(|(_, id)| id.clone())
                });
                match hit {
                    Some(id) => self.dashboard.select(&id, now),
                    None => Vec::new(),
                }
            }
            Input::Panes(panes) => self.dashboard.on_panes(&panes, now),
        };
        self.retitle(&mut effects);
        effects
    }

    /// Zellij's `pipe`: one message from `source`. [`ATTEND_PIPE`] from the key binding (or
    /// from the CLI with a payload) runs [`Dashboard::attend`]; everything else goes to
    /// [`Dashboard::apply_pipe_message`].
    pub fn pipe(
        &mut self,
        name: &str,
        payload: Option<&str>,
        source: &PipeFrom,
        now: Timestamp,
    ) -> Vec<Effect> {
        let mut effects = if name == ATTEND_PIPE {
            match source {
                PipeFrom::Keybind => self.dashboard.attend(),
                PipeFrom::Cli(_) if payload.is_some() => self.dashboard.attend(),
                _ => Vec::new(),
            }
        } else {
            self.dashboard
                .apply_pipe_message(name, payload, source, now)
        };
        self.retitle(&mut effects);
        effects
    }

    /// Zellij's `render`: the frame for a `rows` × `cols` pane at `now`. Remembers the log
    /// page size and which line shows which agent, for the next keys and clicks.
    pub fn render(&mut self, rows: usize, cols: usize, now: Timestamp) -> Drawn {
        let drawn = draw(&self.dashboard, now, rows, cols);
        self.page = drawn.frame.log_rows;
        self.agent_lines.clone_from(&drawn.agent_lines);
        drawn
    }

    /// Appends [`Effect::RenameSelf`] when the pane title changed (and Zellij lets the
    /// plugin rename its pane, i.e. permissions are granted).
    fn retitle(&mut self, effects: &mut Vec<Effect>) {
        if self.dashboard.permission() != Permission::Granted {
            return;
        }
        let title = self.dashboard.pane_title();
        if self.title.as_ref() != Some(&title) {
            self.title = Some(title.clone());
            effects.push(Effect::RenameSelf(title));
        }
    }
}

fn signed(n: usize) -> isize {
    isize::try_from(n).unwrap_or(isize::MAX)
}

/// Whether `key` can go into a KDL string as a Zellij key name: non-empty, at most 40
/// characters, printable, and none of `"`, `\`, `{`, `}`, `;`. (Zellij itself checks that
/// it names a key; a wrong name is its error.)
pub fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.chars().count() <= 40
        && key
            .chars()
            .all(|c| !c.is_control() && !matches!(c, '"' | '\\' | '{' | '}' | ';'))
}

/// The KDL the plugin hands to Zellij's `reconfigure` to bind `key` (a [`valid_key`]) in
/// every input mode (`shared`) to a [`ATTEND_PIPE`] message for plugin `plugin_id`
/// (`MessagePluginId`: Zellij delivers it to this plugin's instance for the client that
/// pressed the key).
pub fn attend_binding(key: &str, plugin_id: u32) -> String {
    format!(
        "keybinds {{\n    shared {{\n        bind \"{key}\" {{\n            MessagePluginId {plugin_id} {{\n                name \"{ATTEND_PIPE}\"\n            }}\n        }}\n    }}\n}}\n"
    )
}

#[cfg(test)]
mod tests;

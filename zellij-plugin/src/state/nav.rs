//! Moving through the team: keys, the selection, the help screen, the mouse, going to an
//! agent's pane and the attend key. Every handler returns the [`Effect`]s the glue carries
//! out.

use exomonad_protocol::{AgentId, Timestamp};
use exomonad_ui::form::Key;

use super::{Agent, AgentState, COLLAPSE_STOPPED_AFTER, Dashboard, LogScroll, Screen};
use crate::attend::{self, Need, Tier};
use crate::inbox::Effect;
use crate::text;

/// The `name` the session layout gives the lead's pane
/// ([`exomonad_protocol::names::LEAD_PANE`]).
pub use exomonad_protocol::names::LEAD_PANE as LEAD_PANE_NAME;

/// A terminal pane as Zellij's `PaneUpdate` shows it (`PaneInfo`, plugin panes left out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaneSeen {
    /// The terminal pane's id.
    pub pane_id: u32,
    /// Its title (`PaneInfo::title`).
    pub title: String,
    /// Its command line, for a command pane (`PaneInfo::terminal_command`).
    pub command: Option<String>,
    /// Whether its command ended (Zellij holds the pane open, showing the exit code).
    pub exited: bool,
    /// The command's exit code, when it ended with one.
    pub exit_status: Option<i32>,
}

impl Dashboard {
    /// What the pane shows when no form is pending.
    pub fn screen(&self) -> Screen {
        self.screen
    }

    /// Records the attend key as bound (`None`: not bound), for the help screen.
    pub fn set_attend_key(&mut self, key: Option<String>) {
        self.attend_key = key;
    }

    /// The attend key as bound, if it is.
    pub fn attend_key(&self) -> Option<&str> {
        self.attend_key.as_deref()
    }

    /// The status line (a message about the person's last action), if any.
    pub fn status(&self) -> Option<&str> {
        self.status.as_deref()
    }

    /// Sets the status line (cleaned and cut like every outside string).
    pub fn set_status(&mut self, message: &str) {
        self.status = Some(text::clean(message, super::MAX_TEXT_CHARS));
    }

    /// The agent rows the table shows at `now`, in order (by id): every agent but those
    /// stopped for longer than [`COLLAPSE_STOPPED_AFTER`].
    pub fn shown_agents(&self, now: Timestamp) -> Vec<&Agent> {
        self.agents()
            .filter(|a| {
                a.state != AgentState::Stopped
                    || now.duration_since(a.last_event_at) <= COLLAPSE_STOPPED_AFTER
            })
            .collect()
    }

    /// The selected agent at `now`: the one chosen last if it is still shown, else the first
    /// row shown; `None` with no rows.
    pub fn selected(&self, now: Timestamp) -> Option<&AgentId> {
        let shown = self.shown_agents(now);
        shown
            .iter()
            .find(|a| Some(&a.id) == self.selected.as_ref())
            .or(shown.first())
            .map(|a| &a.id)
    }

    /// Selects `id` (a mouse click on its row). Returns [`Effect::Redraw`] when it changed.
    pub fn select(&mut self, id: &AgentId, now: Timestamp) -> Vec<Effect> {
        if self.selected(now) == Some(id) {
            return Vec::new();
        }
        self.selected = Some(id.clone());
        vec![Effect::Redraw]
    }

    /// Moves the selection by `delta` rows (negative: up), clamped to the rows shown.
    fn move_selection(&mut self, delta: isize, now: Timestamp) -> Vec<Effect> {
        let shown = self.shown_agents(now);
        let Some(current) = self.selected(now) else {
            return Vec::new();
        };
        let at = shown.iter().position(|a| &a.id == current).unwrap_or(0);
        let to = at.saturating_add_signed(delta).min(shown.len() - 1);
        let id = shown[to].id.clone();
        self.select(&id, now)
    }

    /// Handles a key and returns what the glue must do.
    ///
    /// - The help screen: Esc, `?` or `q` closes it; other keys do nothing.
    /// - A form is shown: the key goes to it ([`crate::Inbox::key`]; PageUp/PageDown switch
    ///   between pending forms).
    /// - Otherwise (the team screen): ↑/`k` and ↓/`j` move the selection, Home/End jump to the
    ///   first and last agent, Enter goes to the selected agent ([`Dashboard::go_to`]),
    ///   PageUp/PageDown scroll the log by `page` lines ([`crate::Frame::log_rows`]), `?` opens
    ///   the help. Any key clears the status line.
    pub fn on_key(&mut self, key: Key, page: usize, now: Timestamp) -> Vec<Effect> {
        if self.screen == Screen::Help {
            return match key {
                Key::Esc | Key::Char('?' | 'q') => {
                    self.screen = Screen::Team;
                    vec![Effect::Redraw]
                }
                _ => Vec::new(),
            };
        }
        let mut notes = Vec::new();
        if let Some(effects) = self.inbox.key(key.clone(), &mut notes) {
            self.log_notes(notes, now);
            return effects;
        }
        let had_status = self.status.take().is_some();
        let scroll = |d: &mut Self, request| {
            if d.scroll(request, page) {
                vec![Effect::Redraw]
            } else {
                Vec::new()
            }
        };
        let mut effects = match key {
            Key::Up | Key::Char('k') => self.move_selection(-1, now),
            Key::Down | Key::Char('j') => self.move_selection(1, now),
            Key::Home => self.move_selection(isize::MIN, now),
            Key::End => self.move_selection(isize::MAX, now),
            Key::PageUp => scroll(self, LogScroll::PageNewer),
            Key::PageDown => scroll(self, LogScroll::PageOlder),
            Key::Enter => match self.selected(now).cloned() {
                Some(id) => self.go_to(&id),
                None => Vec::new(),
            },
            Key::Char('?') => {
                self.screen = Screen::Help;
                vec![Effect::Redraw]
            }
            _ => Vec::new(),
        };
        if had_status && !effects.contains(&Effect::Redraw) {
            effects.push(Effect::Redraw);
        }
        effects
    }

    /// The mouse wheel: `lines` toward older log entries (negative: newer). Only on the team
    /// screen with no form shown (a form has no log to scroll).
    pub fn on_wheel(&mut self, lines: isize, page: usize) -> Vec<Effect> {
        if self.screen != Screen::Team || !self.inbox.is_empty() {
            return Vec::new();
        }
        if self.scroll_log(lines, page) {
            vec![Effect::Redraw]
        } else {
            Vec::new()
        }
    }

    /// Goes to an agent: [`Effect::FocusPane`] with its pane from the last pane update (Zellij
    /// makes the pane's tab active and focuses it). An agent with no pane (its tab closed, or
    /// no pane update yet) gets a status line saying so instead.
    pub fn go_to(&mut self, id: &AgentId) -> Vec<Effect> {
        match self.agent_panes.get(id) {
            Some(&pane_id) => vec![Effect::FocusPane(pane_id)],
            None => {
                self.set_status(&format!("{id}: no pane to go to, its tab is gone"));
                vec![Effect::Redraw]
            }
        }
    }

    /// Handles Zellij's pane list (its `PaneUpdate` event; terminal panes only): remembers
    /// each agent's pane (the pane whose command names it, [`AgentId::from_pane_command`];
    /// for [`AgentId::LEAD`] also the pane named [`LEAD_PANE_NAME`]) and stops the agents
    /// whose pane just exited ([`Dashboard::on_exited_panes`]).
    pub fn on_panes(&mut self, panes: &[PaneSeen], now: Timestamp) -> Vec<Effect> {
        self.agent_panes.clear();
        let mut lead_by_name = None;
        for pane in panes {
            match pane.command.as_deref().and_then(AgentId::from_pane_command) {
                Some(id) => {
                    self.agent_panes.entry(id).or_insert(pane.pane_id);
                }
                None if pane.title == LEAD_PANE_NAME => {
                    lead_by_name.get_or_insert(pane.pane_id);
                }
                None => {}
            }
        }
        if let (Some(pane_id), Ok(lead)) = (lead_by_name, AgentId::new(AgentId::LEAD)) {
            self.agent_panes.entry(lead).or_insert(pane_id);
        }
        let exited: Vec<super::ExitedPane> = panes
            .iter()
            .filter(|p| p.exited)
            .filter_map(|p| {
                Some(super::ExitedPane {
                    pane_id: p.pane_id,
                    command: p.command.clone()?,
                    exit_status: p.exit_status,
                })
            })
            .collect();
        self.on_exited_panes(&exited, now)
    }

    /// The pane id of an agent, from the last pane update.
    pub fn pane_of(&self, id: &AgentId) -> Option<u32> {
        self.agent_panes.get(id).copied()
    }

    /// Everything waiting for the person, in attend order ([`attend::needs`]).
    pub fn needs(&self) -> Vec<Need> {
        attend::needs(self)
    }

    /// The dashboard pane's title: `exomonad`, or `exomonad · N waiting` while N agents
    /// need the person ([`attend::waiting_count`]); visible from every tab in the pane
    /// frame.
    pub fn pane_title(&self) -> String {
        match attend::waiting_count(&self.needs()) {
            0 => "exomonad".to_owned(),
            n => format!("exomonad · {n} waiting"),
        }
    }

    /// The attend key: goes to the next thing waiting for the person ([`attend::next`]).
    /// A form: shows it and brings the dashboard to the person ([`Effect::FocusSelf`]). An
    /// agent: selects it and goes to its pane ([`Dashboard::go_to`]). Nobody waiting: a
    /// status line says so.
    pub fn attend(&mut self) -> Vec<Effect> {
        let needs = self.needs();
        let Some(need) = attend::next(&needs, self.attended.as_ref()) else {
            self.set_status("nobody is waiting for you");
            return vec![Effect::Redraw];
        };
        self.attended = Some(need.clone());
        self.screen = Screen::Team;
        self.status = None;
        self.selected = Some(need.agent.clone());
        if need.tier == Tier::Form {
            if let Some(form) = &need.form {
                self.inbox.show(form);
            }
            return vec![Effect::FocusSelf, Effect::Redraw];
        }
        let mut effects = self.go_to(&need.agent);
        effects.push(Effect::Redraw);
        effects
    }
}

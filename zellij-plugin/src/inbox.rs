//! The inbox of pending popup forms, and the [`Effect`]s the Zellij glue carries out for it.
//!
//! # Reply path
//!
//! A form arrives on [`POPUP_PIPE`] from a `zellij pipe` CLI process
//! ([`PipeFrom::Cli`]); the dashboard blocks that CLI pipe ([`Effect::BlockCliPipe`]) and
//! queues the form. When the form is done (submitted, cancelled, or dropped by the host with
//! [`exomonad_protocol::names::POPUP_CANCEL_PIPE`]), the reply is written with
//! [`Effect::Reply`] and the pipe released with [`Effect::UnblockCliPipe`] — always inside a
//! `pipe()` call, because Zellij applies block/unblock requests only when `pipe()` returns.
//!
//! # One answer, however many dashboards
//!
//! Zellij 0.45.1 delivers a pipe targeted at a plugin URL to *every* running instance of that
//! plugin: one per dashboard pane with that URL, and one per connected client for each pane
//! (`WasmBridge::all_plugin_and_client_ids_for_plugin_location`). Each instance gets the same
//! CLI pipe id and blocks it; Zellij keeps a single "blocked" flag per pipe, so the first
//! unblock releases the asker. To answer exactly once, no instance writes a reply on its own:
//! it broadcasts a claim ([`CLAIM_PIPE`], payload: pipe id, request id, its instance id) to all
//! plugins. Zellij's plugin thread dispatches plugin messages in one order and each instance
//! handles its messages in order, so every instance sees the claims for a pipe in the same
//! order: the first claim wins everywhere. Its author writes the reply and unblocks the pipe
//! (inside the `pipe()` call that delivered the claim, as the reply path needs); every other
//! instance drops the form without writing or unblocking anything (an early unblock from a
//! loser could release the asker before the winner's reply is written), and later claims for
//! that pipe are ignored. With one instance this is exactly the verified self-message release.

use std::collections::{BTreeMap, VecDeque};

use exomonad_protocol::form::{AskId, FormCancel, FormReply, FormRequest};
use exomonad_protocol::names::POPUP_PIPE;
use exomonad_ui::form::{FormEvent, FormState, Key};
use serde::{Deserialize, Serialize};

/// Name of the plugin-to-plugin message that claims the right to answer a CLI pipe (see the
/// module docs). Private to the dashboard: only its own instances send and read it.
pub const CLAIM_PIPE: &str = "exomonad-popup-claim";

/// How many answers are kept for re-delivery (see [`Inbox::receive`]).
///
/// Zellij 0.45.1 was seen to release an asker's pipe early (about 2% of popups in a 150-run
/// benchmark ended with nothing on the asker's stdout; its log: "Action CliPipe did not
/// complete within 1s timeout"). The host then asks again with the same request, same
/// [`AskId`] included, and the answer kept here (or the form still pending) goes back without
/// bothering the person twice. Only that: a request is matched on agent, form id and ask
/// identity, so a new ask of a form whose id was used before is shown again, and a request
/// without an ask identity is never answered from an earlier answer.
pub const ANSWERED_KEPT: usize = 64;

/// Most forms pending at once; more are rejected.
pub const MAX_FORMS: usize = 64;

/// Where a pipe message came from (Zellij's `PipeSource`, without the Zellij types).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PipeFrom {
    /// A `zellij pipe` CLI process, with its pipe id: the only source that can be answered.
    Cli(String),
    /// Another plugin (or this one), by plugin id.
    Plugin(u32),
    /// A key binding.
    Keybind,
}

/// Something the Zellij glue must do after the core handled an input, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// `block_cli_pipe_input(pipe_id)`: keep the asker waiting for a reply.
    BlockCliPipe(String),
    /// `cli_pipe_output(pipe_id, json)`: the reply, one JSON line ending in `\n`.
    Reply {
        /// The CLI pipe id.
        pipe_id: String,
        /// One [`FormReply`] as JSON, ending in `\n`.
        json: String,
    },
    /// `unblock_cli_pipe_input(pipe_id)`: release the asker.
    UnblockCliPipe(String),
    /// `pipe_message_to_plugin` to every plugin (no destination): used for [`CLAIM_PIPE`] and
    /// the sync messages ([`crate::sync`]).
    Broadcast {
        /// Message name.
        name: String,
        /// Message payload.
        payload: String,
    },
    /// `show_self(false)`: bring the dashboard to the person (switch to its tab, focus it).
    FocusSelf,
    /// `focus_terminal_pane(pane_id, false, false)`: make the terminal pane's tab active and
    /// focus the pane (going to an agent).
    FocusPane(u32),
    /// `rename_plugin_pane(<own plugin id>, title)`: the dashboard pane's title, visible
    /// from every tab ([`crate::Dashboard::pane_title`]).
    RenameSelf(String),
    /// `reconfigure(kdl, false)`: merge this KDL into the session's configuration for this
    /// client (the attend key binding, [`crate::app::attend_binding`]); never saved to disk.
    Reconfigure(String),
    /// Draw again.
    Redraw,
}

/// A form waiting for the person, with the CLI pipe it came on.
#[derive(Debug, Clone)]
pub struct PendingForm {
    /// The `zellij pipe` id to answer on.
    pub pipe_id: String,
    /// The form and everything typed into it so far.
    pub form: FormState,
}

/// An answer of this dashboard, with who asked it and which ask it answers.
#[derive(Debug, Clone)]
struct Answer {
    /// The asking agent; `None` for a request that was rejected unread.
    agent: Option<String>,
    /// The ask it answers; `None`: it answers no re-ask.
    ask: Option<AskId>,
    reply: FormReply,
}

impl Answer {
    /// Whether this answers the ask `ask` of form `id` by `agent` (never without an ask id).
    fn answers(&self, agent: &str, id: &str, ask: Option<&AskId>) -> bool {
        ask.is_some()
            && self.ask.as_ref() == ask
            && self.agent.as_deref() == Some(agent)
            && self.reply.id() == Some(id)
    }
}

/// Payload of [`CLAIM_PIPE`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Claim {
    pipe_id: String,
    #[serde(default)]
    id: Option<String>,
    by: String,
}

/// What happened in the inbox, for the dashboard's log: `(is_error, text)`.
pub type Note = (bool, String);

/// Pending forms from every agent, oldest first, and the replies waiting for their claim.
#[derive(Debug, Clone, Default)]
pub struct Inbox {
    forms: Vec<PendingForm>,
    current: usize,
    /// Replies decided here, by pipe id, until this instance's claim comes back.
    outgoing: BTreeMap<String, Answer>,
    /// The person's recent answers, newest last, at most [`ANSWERED_KEPT`]: a request that
    /// comes again with the same agent, id and ask identity gets the same reply at once.
    answered: VecDeque<Answer>,
    instance: String,
}

impl Inbox {
    /// Sets the id that tells this plugin instance's claims from others' (e.g.
    /// `<plugin id>/<client id>`); unique among running instances.
    pub fn set_instance(&mut self, instance: impl Into<String>) {
        self.instance = instance.into();
    }

    /// This instance's id, as set by [`Inbox::set_instance`].
    pub fn instance(&self) -> &str {
        &self.instance
    }

    /// The pending forms, oldest first.
    pub fn forms(&self) -> &[PendingForm] {
        &self.forms
    }

    /// Index of the form shown (meaningful when any is pending).
    pub fn current_index(&self) -> usize {
        self.current
    }

    /// The form shown, if any.
    pub fn current(&self) -> Option<&PendingForm> {
        self.forms.get(self.current)
    }

    /// How many forms wait for the person.
    pub fn len(&self) -> usize {
        self.forms.len()
    }

    /// Whether no form waits.
    pub fn is_empty(&self) -> bool {
        self.forms.is_empty()
    }

    /// Shows the next (`forward`) or previous pending form, wrapping. Returns whether the
    /// shown form changed.
    pub fn switch(&mut self, forward: bool) -> bool {
        let n = self.forms.len();
        if n < 2 {
            return false;
        }
        self.current = if forward {
            (self.current + 1) % n
        } else {
            (self.current + n - 1) % n
        };
        true
    }

    /// Shows the pending form with id `form` (the attend key). Returns whether it is
    /// pending.
    pub fn show(&mut self, form: &str) -> bool {
        match self.forms.iter().position(|f| f.form.id() == form) {
            Some(at) => {
                self.current = at;
                true
            }
            None => false,
        }
    }

    /// A [`POPUP_PIPE`] message. `None` payloads (the CLI's end of input) and blank ones are
    /// ignored. Only a CLI pipe can be answered; a request from elsewhere is logged and
    /// dropped. A valid request is queued and its pipe blocked; an invalid or duplicate one
    /// is answered with [`FormReply::Rejected`].
    pub fn receive(
        &mut self,
        payload: Option<&str>,
        source: &PipeFrom,
        notes: &mut Vec<Note>,
    ) -> Vec<Effect> {
        let Some(payload) = payload.filter(|p| !p.trim().is_empty()) else {
            return Vec::new();
        };
        let PipeFrom::Cli(pipe_id) = source else {
            notes.push((
                true,
                format!("form ignored: sent on {POPUP_PIPE} by {source:?}, not by `zellij pipe`"),
            ));
            return vec![Effect::Redraw];
        };
        if self.forms.iter().any(|f| &f.pipe_id == pipe_id) || self.outgoing.contains_key(pipe_id) {
            notes.push((
                true,
                "form ignored: a second request on the same pipe".to_owned(),
            ));
            return vec![Effect::Redraw];
        }
        let request = match FormRequest::from_json(payload) {
            Ok(r) => r,
            Err(error) => {
                let id = serde_json::from_str::<serde_json::Value>(payload)
                    .ok()
                    .and_then(|v| v.get("id")?.as_str().map(str::to_owned));
                notes.push((true, format!("form rejected: {error}")));
                return self.reject(pipe_id, id, error);
            }
        };
        let id = request.id.clone();
        let agent = request.agent_id.to_string();
        let ask = request.ask.clone();
        if let Some(answer) = self
            .answered
            .iter()
            .rev()
            .find(|a| a.answers(&agent, &id, ask.as_ref()))
        {
            notes.push((
                false,
                format!("form {id} from {agent}: answered before, sending the answer again"),
            ));
            let answer = answer.clone();
            let mut effects = vec![Effect::BlockCliPipe(pipe_id.clone())];
            effects.extend(self.claim(pipe_id, answer));
            effects.push(Effect::Redraw);
            return effects;
        }
        // The same form again while it is still here: Zellij released the asker's first pipe
        // early (seen with 0.45.1) and the host asked again. Answer on the new pipe, keeping
        // what the person typed.
        if let Some(f) = self.forms.iter_mut().find(|f| {
            let r = f.form.request();
            ask.is_some() && r.ask == ask && r.id == id && r.agent_id.as_str() == agent
        }) {
            f.pipe_id = pipe_id.clone();
            notes.push((
                false,
                format!("form {id} from {agent}: asked again, answering on the new pipe"),
            ));
            return vec![Effect::BlockCliPipe(pipe_id.clone()), Effect::Redraw];
        }
        if let Some(answer) = self
            .outgoing
            .values()
            .find(|a| a.answers(&agent, &id, ask.as_ref()))
            .cloned()
        {
            notes.push((
                false,
                format!("form {id} from {agent}: asked again while its answer was on its way"),
            ));
            let mut effects = vec![Effect::BlockCliPipe(pipe_id.clone())];
            effects.extend(self.claim(pipe_id, answer));
            effects.push(Effect::Redraw);
            return effects;
        }
        let duplicate = self.forms.iter().any(|f| f.form.id() == id)
            || self
                .outgoing
                .values()
                .any(|a| a.reply.id() == Some(id.as_str()));
        if duplicate {
            let error = format!("form {id} is already pending");
            notes.push((true, format!("form rejected: {error}")));
            return self.reject(pipe_id, Some(id), error);
        }
        if self.forms.len() >= MAX_FORMS {
            let error = format!("more than {MAX_FORMS} forms pending");
            notes.push((true, format!("form {id} rejected: {error}")));
            return self.reject(pipe_id, Some(id), error);
        }
        notes.push((
            false,
            format!("form {id} from {}: {}", request.agent_id, request.title),
        ));
        self.forms.push(PendingForm {
            pipe_id: pipe_id.clone(),
            form: FormState::new(request),
        });
        vec![
            Effect::BlockCliPipe(pipe_id.clone()),
            Effect::FocusSelf,
            Effect::Redraw,
        ]
    }

    /// A [`exomonad_protocol::names::POPUP_CANCEL_PIPE`] message: the host gave up on a form.
    /// The form is removed and answered [`FormReply::TimedOut`] (through a claim).
    pub fn cancel(&mut self, payload: Option<&str>, notes: &mut Vec<Note>) -> Vec<Effect> {
        let Some(payload) = payload.filter(|p| !p.trim().is_empty()) else {
            return Vec::new();
        };
        let cancel: FormCancel = match serde_json::from_str(payload) {
            Ok(c) => c,
            Err(e) => {
                notes.push((true, format!("bad form cancel: {e}")));
                return vec![Effect::Redraw];
            }
        };
        let Some(pos) = self.forms.iter().position(|f| f.form.id() == cancel.id) else {
            return Vec::new();
        };
        let pending = self.remove(pos);
        notes.push((
            false,
            match &cancel.reason {
                Some(reason) => format!("form {} timed out: {reason}", cancel.id),
                None => format!("form {} timed out", cancel.id),
            },
        ));
        let answer = Answer {
            agent: Some(pending.form.request().agent_id.to_string()),
            ask: pending.form.request().ask.clone(),
            reply: FormReply::TimedOut { id: cancel.id },
        };
        let mut effects = self.claim(&pending.pipe_id, answer);
        effects.push(Effect::Redraw);
        effects
    }

    /// A key for the form shown. PageUp/PageDown switch forms; everything else goes to the
    /// form. `None` when no form is shown (the key is not for the inbox).
    pub fn key(&mut self, key: Key, notes: &mut Vec<Note>) -> Option<Vec<Effect>> {
        if self.forms.is_empty() {
            return None;
        }
        let effects = match key {
            Key::PageDown | Key::PageUp => {
                if self.switch(key == Key::PageDown) {
                    vec![Effect::Redraw]
                } else {
                    Vec::new()
                }
            }
            key => match self.forms[self.current].form.handle(key) {
                FormEvent::Ignored => Vec::new(),
                FormEvent::Redraw => vec![Effect::Redraw],
                FormEvent::Done(reply) => {
                    let pending = self.remove(self.current);
                    let word = match &reply {
                        FormReply::Submitted { .. } => "submitted",
                        FormReply::Cancelled { .. } => "cancelled",
                        FormReply::TimedOut { .. } => "timed out",
                        FormReply::Rejected { .. } => "rejected",
                    };
                    notes.push((false, format!("form {} {word}", pending.form.id())));
                    let request = pending.form.request();
                    let answer = Answer {
                        agent: Some(request.agent_id.to_string()),
                        ask: request.ask.clone(),
                        reply,
                    };
                    if answer.ask.is_some() {
                        self.answered.push_back(answer.clone());
                        if self.answered.len() > ANSWERED_KEPT {
                            self.answered.pop_front();
                        }
                    }
                    let mut effects = self.claim(&pending.pipe_id, answer);
                    effects.push(Effect::Redraw);
                    effects
                }
            },
        };
        Some(effects)
    }

    /// A [`CLAIM_PIPE`] message (from any dashboard instance): the first claim for a pipe wins.
    pub fn claimed(&mut self, payload: Option<&str>, notes: &mut Vec<Note>) -> Vec<Effect> {
        let Some(claim) = payload.and_then(|p| serde_json::from_str::<Claim>(p).ok()) else {
            return Vec::new();
        };
        let id_matches = |id: Option<&str>| claim.id.is_none() || claim.id.as_deref() == id;
        if let Some(answer) = self.outgoing.get(&claim.pipe_id)
            && id_matches(answer.reply.id())
        {
            let reply = self
                .outgoing
                .remove(&claim.pipe_id)
                .map_or(FormReply::TimedOut { id: String::new() }, |a| a.reply);
            if claim.by == self.instance {
                let mut json = serde_json::to_string(&reply).unwrap_or_default();
                json.push('\n');
                return vec![
                    Effect::Reply {
                        pipe_id: claim.pipe_id.clone(),
                        json,
                    },
                    Effect::UnblockCliPipe(claim.pipe_id),
                ];
            }
            notes.push((
                true,
                format!(
                    "form {} was answered in another dashboard first; this answer was dropped",
                    reply.id().unwrap_or("?")
                ),
            ));
            return vec![Effect::Redraw];
        }
        if let Some(pos) = self
            .forms
            .iter()
            .position(|f| f.pipe_id == claim.pipe_id && id_matches(Some(f.form.id())))
        {
            let pending = self.remove(pos);
            notes.push((
                false,
                format!("form {} answered in another dashboard", pending.form.id()),
            ));
            return vec![Effect::Redraw];
        }
        Vec::new()
    }

    /// Records `answer` for `pipe_id` and broadcasts this instance's claim to answer it.
    fn claim(&mut self, pipe_id: &str, answer: Answer) -> Vec<Effect> {
        let claim = Claim {
            pipe_id: pipe_id.to_owned(),
            id: answer.reply.id().map(str::to_owned),
            by: self.instance.clone(),
        };
        self.outgoing.insert(pipe_id.to_owned(), answer);
        vec![Effect::Broadcast {
            name: CLAIM_PIPE.to_owned(),
            payload: serde_json::to_string(&claim).unwrap_or_default(),
        }]
    }

    /// Answers a request that will not be shown: block the pipe now, reply once claimed.
    fn reject(&mut self, pipe_id: &str, id: Option<String>, error: String) -> Vec<Effect> {
        let mut effects = vec![Effect::BlockCliPipe(pipe_id.to_owned())];
        let answer = Answer {
            agent: None,
            ask: None,
            reply: FormReply::Rejected { id, error },
        };
        effects.extend(self.claim(pipe_id, answer));
        effects.push(Effect::Redraw);
        effects
    }

    /// Removes a pending form, keeping the shown one shown when another is removed.
    fn remove(&mut self, pos: usize) -> PendingForm {
        let removed = self.forms.remove(pos);
        if pos < self.current || self.current >= self.forms.len() {
            self.current = self.current.saturating_sub(1);
        }
        if self.forms.is_empty() {
            self.current = 0;
        }
        removed
    }
}

#[cfg(test)]
mod tests;

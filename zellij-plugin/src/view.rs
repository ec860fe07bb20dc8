//! Drawing the dashboard: [`render`] turns a [`Dashboard`] into a [`Frame`] for a pane size.
//!
//! Screen layout, top to bottom (each part cut when rows run out, in this order of priority):
//!
//! ```text
//! exomonad · 4 agents · 1 running · 1 waiting · 0 stop blocked · 2 stopped · ? help
//!   AGENT  STATE         LAST HOOK         FOR
//! › alpha  running       PreToolUse Bash    4m
//!   beta   waiting       Stop               3m
//! +2 stopped earlier
//! ── events ────────────────────────────────────────────────────────────
//! 11:59:58 ! bad event: unknown variant `exploded`, expected one of …
//! 11:59:56 alpha PreToolUse Bash
//! 11:57:00 beta Stop
//! ```
//!
//! With no agents, `no agents yet` replaces the table, with a hint under it ([`DOCTOR_HINT`]:
//! `exomonad doctor` says why agents do not report). Times are UTC (`HH:MM:SS`). `›` marks
//! the selected agent; FOR is how long the agent has been in its state; a status line (an
//! agent whose tab is gone) goes under the header until the next key. The help screen
//! ([`crate::Screen::Help`]) shows the key table ([`crate::keys::KEYS`]) instead of the table
//! and log.
//!
//! While forms are pending, the header adds `· N forms` and the rest of the pane shows the
//! current form under one line saying which it is:
//!
//! ```text
//! exomonad · 3 forms · 2 agents · 1 running · 1 waiting · 0 stop blocked · 0 stopped
//! form 1/3 from alpha — PageUp/PageDown: other forms
//! Deploy?
//! › Environment
//! …
//! ```
//!
//! The agent table and log come back when the inbox is empty.

use exomonad_protocol::Timestamp;

use exomonad_protocol::AgentId;

use crate::frame::{Frame, Line, LineBuilder, Span, Style};
use crate::keys::{KEYS, Where};
use crate::state::{Agent, AgentState, Dashboard, LogEntry, LogKind, Permission, Screen};
use crate::text;

/// Gap between table columns, in columns.
const GAP: usize = 2;
/// Width of the STATE column: the longest label, `stop blocked`.
const STATE_COLS: usize = 12;
/// Width of the selection mark before each row (`› `).
const MARK_COLS: usize = 2;
/// Width of the FOR column (time in the current state) (`59s`, `23h`, `999d`).
const AGE_COLS: usize = 4;
/// Narrowest LAST HOOK column when there is room for it (the header's width).
const HOOK_MIN_COLS: usize = 9;
/// Widest LAST HOOK column; longer hooks are cut.
const HOOK_MAX_COLS: usize = 40;

/// A drawn frame and what the plugin needs to know about its lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Drawn {
    /// What to print.
    pub frame: Frame,
    /// Which line (index into `frame.lines`) shows which agent's row, top to bottom.
    pub agent_lines: Vec<(usize, AgentId)>,
    /// The line of the selected agent's row, when it is drawn (the glue highlights it in the
    /// theme's selection colours).
    pub selected_line: Option<usize>,
}

/// Renders `dashboard` for a pane of `rows` × `cols` cells at time `now` (ages are measured to
/// `now`; stopped agents older than [`crate::COLLAPSE_STOPPED_AFTER`] are folded into one line).
///
/// The frame has at most `rows` lines, each at most `cols` columns wide, with no control
/// characters. Any size works, including 0 × 0 (an empty frame).
pub fn render(dashboard: &Dashboard, now: Timestamp, rows: usize, cols: usize) -> Frame {
    draw(dashboard, now, rows, cols).frame
}

/// [`render`], with where each agent's row is ([`Drawn`]).
pub fn draw(dashboard: &Dashboard, now: Timestamp, rows: usize, cols: usize) -> Drawn {
    if rows == 0 {
        return Drawn::default();
    }
    let mut lines = Vec::with_capacity(rows);
    let inbox = dashboard.inbox();
    let screen = if inbox.is_empty() {
        dashboard.screen()
    } else {
        Screen::Team
    };
    lines.push(header_line(dashboard, screen, !inbox.is_empty(), cols));

    if let Some(pending) = inbox.current() {
        if lines.len() < rows {
            let mut b = LineBuilder::new(cols);
            b.push(
                &format!(
                    "form {}/{} from {}",
                    inbox.current_index() + 1,
                    inbox.len(),
                    pending.form.request().agent_id
                ),
                Style::Waiting,
            );
            if inbox.len() > 1 {
                b.push(" — PageUp/PageDown: other forms", Style::Dim);
            }
            lines.push(b.build());
        }
        let form = exomonad_ui::form::render(&pending.form, rows - lines.len(), cols);
        lines.extend(form.lines);
        return Drawn {
            frame: Frame { lines, log_rows: 0 },
            ..Drawn::default()
        };
    }

    if let Some(status) = dashboard.status()
        && lines.len() < rows
    {
        let mut b = LineBuilder::new(cols);
        b.push(status, Style::Waiting);
        lines.push(b.build());
    }

    if screen == Screen::Help {
        let room = rows - lines.len();
        lines.extend(help_lines(dashboard, cols).into_iter().take(room));
        return Drawn {
            frame: Frame { lines, log_rows: 0 },
            ..Drawn::default()
        };
    }

    let top = lines.len();
    let (agent_lines, rows_at) = agent_section(dashboard, now, rows - lines.len(), cols);
    lines.extend(agent_lines);
    let selected = dashboard.selected(now);
    let agent_lines: Vec<(usize, AgentId)> =
        rows_at.into_iter().map(|(i, id)| (top + i, id)).collect();
    let selected_line = agent_lines
        .iter()
        .find(|(_, id)| Some(id) == selected)
        .map(|(l, _)| *l);

    let mut log_rows = 0;
    if lines.len() < rows {
        log_rows = rows - lines.len() - 1;
        lines.extend(log_section(dashboard, log_rows, cols));
    }
    Drawn {
        frame: Frame { lines, log_rows },
        agent_lines,
        selected_line,
    }
}

/// The key table ([`KEYS`]): `<where>  <keys>  <what>` per key, the attend key as bound.
fn help_lines(dashboard: &Dashboard, cols: usize) -> Vec<Line> {
    let place_cols = KEYS
        .iter()
        .map(|k| text::width(k.place.label()))
        .max()
        .unwrap_or(0);
    let mut keys: Vec<(Where, String, &str)> = KEYS
        .iter()
        .map(|k| (k.place, k.keys.to_owned(), k.action))
        .collect();
    for k in keys.iter_mut().filter(|k| k.0 == Where::Anywhere) {
        k.1 = dashboard.attend_key().unwrap_or("(not bound)").to_owned();
    }
    let key_cols = keys.iter().map(|k| text::width(&k.1)).max().unwrap_or(0);
    let mut lines = vec![{
        let mut b = LineBuilder::new(cols);
        b.cell("WHERE", place_cols, Style::Header)
            .spaces(GAP)
            .cell("KEYS", key_cols, Style::Header)
            .spaces(GAP)
            .push("WHAT", Style::Header);
        b.build()
    }];
    lines.extend(keys.iter().map(|(place, keys, action)| {
        let mut b = LineBuilder::new(cols);
        b.cell(place.label(), place_cols, Style::Dim)
            .spaces(GAP)
            .cell(keys, key_cols, Style::Title)
            .spaces(GAP)
            .push(action, Style::Plain);
        b.build()
    }));
    lines
}

/// `exomonad[ · N forms] · N agents · N running · N waiting · N stop blocked · N stopped`,
/// then how to reach the help (`· ? help` on the team screen, `· Esc back` on the help
/// screen; nothing while a form takes the keys). When that does not fit in `cols`, the zero
/// counts are left out, then the counts are cut; the help hint stays while it fits at all.
fn header_line(dashboard: &Dashboard, screen: Screen, form_shown: bool, cols: usize) -> Line {
    let waiting = match dashboard.permission() {
        Permission::Granted => None,
        Permission::Pending => Some((
            "waiting for permission: answer Zellij's prompt in this pane",
            Style::Waiting,
        )),
        Permission::Denied => Some((
            "permission denied: no events or forms can reach this pane",
            Style::Error,
        )),
    };
    if let Some((text, style)) = waiting {
        let mut b = LineBuilder::new(cols);
        b.push("exomonad", Style::Title);
        b.push(" · ", Style::Dim);
        b.push(text, style);
        return b.build();
    }
    let hint = match (form_shown, screen) {
        (true, _) => "",
        (false, Screen::Team) => " · ? help",
        (false, Screen::Help) => " · Esc back",
    };
    let hint_cols = text::width(hint);
    let room = if cols >= hint_cols + "exomonad".len() {
        cols - hint_cols
    } else {
        cols
    };
    let total = dashboard.agents().len();
    let counts = [
        AgentState::Running,
        AgentState::Waiting,
        AgentState::StopBlocked,
        AgentState::Stopped,
    ]
    .map(|s| (s, dashboard.agents().filter(|a| a.state == s).count()));
    let forms = dashboard.inbox().len();
    let full = header_with(total, &counts, forms, room, true);
    let mut line = if full.was_cut() {
        header_with(total, &counts, forms, room, false).build()
    } else {
        full.build()
    };
    if room < cols {
        line.spans.push(Span {
            text: hint.to_owned(),
            style: Style::Dim,
        });
    }
    line
}

fn header_with(
    total: usize,
    counts: &[(AgentState, usize)],
    forms: usize,
    cols: usize,
    zeros: bool,
) -> LineBuilder {
    let mut b = LineBuilder::new(cols);
    b.push("exomonad", Style::Title);
    if forms > 0 {
        let noun = if forms == 1 { "form" } else { "forms" };
        b.push(" · ", Style::Dim);
        b.push(&format!("{forms} {noun}"), Style::Waiting);
    }
    b.push(" · ", Style::Dim);
    let noun = if total == 1 { "agent" } else { "agents" };
    b.push(&format!("{total} {noun}"), Style::Plain);
    for &(state, n) in counts.iter().filter(|(_, n)| zeros || *n > 0) {
        b.push(" · ", Style::Dim);
        let style = if n == 0 {
            Style::Dim
        } else {
            state_style(state)
        };
        b.push(&format!("{n} {}", state.label()), style);
    }
    b
}

/// The line under `no agents yet`: where to look when agents run but none shows up.
pub const DOCTOR_HINT: &str =
    "agents running but none shows up? run `exomonad doctor` in the project";

/// Column header, one row per agent (or `no agents yet`), and the collapse line, within
/// `avail` lines, with the index of each agent row among the returned lines. When rows do
/// not fit, the last line says `+N more` and the rows shown are the first ones, or a window
/// that ends at the selected agent when it would be hidden.
fn agent_section(
    dashboard: &Dashboard,
    now: Timestamp,
    avail: usize,
    cols: usize,
) -> (Vec<Line>, Vec<(usize, AgentId)>) {
    let mut lines = Vec::new();
    let mut rows_at = Vec::new();
    if avail == 0 {
        return (lines, rows_at);
    }
    if dashboard.agents().len() == 0 {
        lines.push(dim_line("no agents yet", cols));
        // No agent has ever reported: the set-up may be why (hooks not wired, no token...).
        if avail > 1 {
            lines.push(dim_line(DOCTOR_HINT, cols));
        }
        return (lines, rows_at);
    }
    let shown = dashboard.shown_agents(now);
    let folded = dashboard.agents().len() - shown.len();
    let selected = dashboard.selected(now);
    let table = Table::new(&shown, cols);

    lines.push(table.header());
    let room = avail - 1;
    let wanted = shown.len() + usize::from(folded > 0);
    let (start, fits, more) = if wanted <= room {
        (0, shown.len(), None)
    } else if room > 0 {
        let fits = room - 1;
        let at = shown
            .iter()
            .position(|a| Some(&a.id) == selected)
            .unwrap_or(0);
        let start = (at + 1).saturating_sub(fits);
        (start, fits, Some(shown.len() - fits + folded))
    } else {
        (0, 0, None)
    };
    for a in shown.iter().skip(start).take(fits) {
        rows_at.push((lines.len(), a.id.clone()));
        lines.push(table.row(a, Some(&a.id) == selected, now));
    }
    match more {
        Some(hidden) => lines.push(dim_line(&format!("+{hidden} more"), cols)),
        None if folded > 0 && room > 0 => {
            lines.push(dim_line(&format!("+{folded} stopped earlier"), cols));
        }
        None => {}
    }
    (lines, rows_at)
}

/// Column widths of the agent table for one frame.
struct Table {
    cols: usize,
    id: usize,
    hook: usize,
}

impl Table {
    /// Sizes the columns to the content, shrinking the AGENT column only when the pane is too
    /// narrow for the rest.
    fn new(agents: &[&Agent], cols: usize) -> Self {
        let widest_id = agents
            .iter()
            .map(|a| text::width(a.id.as_str()))
            .max()
            .unwrap_or(0);
        let rest = MARK_COLS + GAP + STATE_COLS + GAP + HOOK_MIN_COLS + GAP + AGE_COLS;
        let id = widest_id
            .max("AGENT".len())
            .min(cols.saturating_sub(rest).max("AGENT".len()));
        let widest_hook = agents
            .iter()
            .filter_map(|a| a.last_hook.as_ref())
            .map(|h| text::width(&h.event) + h.tool.as_deref().map_or(0, |t| 1 + text::width(t)))
            .max()
            .unwrap_or(0);
        let hook_room =
            cols.saturating_sub(MARK_COLS + id + GAP + STATE_COLS + GAP + GAP + AGE_COLS);
        let hook = widest_hook
            .clamp(HOOK_MIN_COLS, HOOK_MAX_COLS)
            .min(hook_room.max(HOOK_MIN_COLS));
        Self { cols, id, hook }
    }

    fn header(&self) -> Line {
        let mut b = LineBuilder::new(self.cols);
        b.spaces(MARK_COLS)
            .cell("AGENT", self.id, Style::Header)
            .spaces(GAP)
            .cell("STATE", STATE_COLS, Style::Header)
            .spaces(GAP)
            .cell("LAST HOOK", self.hook, Style::Header)
            .spaces(GAP)
            .cell_right("FOR", AGE_COLS, Style::Header);
        b.build()
    }

    /// `› ` before the selected agent; an agent that needs the person has its id and time
    /// in its state's colour too, so the row stands out.
    fn row(&self, agent: &Agent, selected: bool, now: Timestamp) -> Line {
        let hook = agent
            .last_hook
            .as_ref()
            .map(|h| h.describe())
            .unwrap_or_default();
        let state = state_style(agent.state);
        let (id_style, age_style) = if agent.needs_person() {
            (state, state)
        } else {
            (Style::Plain, Style::Dim)
        };
        let mut b = LineBuilder::new(self.cols);
        b.cell(if selected { "›" } else { "" }, MARK_COLS, Style::Title)
            .cell(agent.id.as_str(), self.id, id_style)
            .spaces(GAP)
            .cell(agent.state.label(), STATE_COLS, state)
            .spaces(GAP)
            .cell(&hook, self.hook, Style::Plain)
            .spaces(GAP)
            .cell_right(&age(now, agent.in_state_since()), AGE_COLS, age_style);
        b.build()
    }
}

/// The separator (`── events ──…`) and up to `log_rows` entries, newest first, from the
/// scroll offset (clamped so a full page shows when the log is long enough).
fn log_section(dashboard: &Dashboard, log_rows: usize, cols: usize) -> Vec<Line> {
    let log = dashboard.log();
    let offset = dashboard
        .log_offset()
        .min(log.len().saturating_sub(log_rows));
    let mut lines = Vec::with_capacity(log_rows + 1);

    let mut sep = LineBuilder::new(cols);
    sep.push("── events ", Style::Header);
    if offset > 0 {
        sep.push(&format!("· {offset} newer (PgUp) "), Style::Dim);
    }
    sep.fill('─', Style::Header);
    lines.push(sep.build());

    if log.is_empty() && log_rows > 0 {
        lines.push(dim_line("no events yet", cols));
    }
    lines.extend(
        log.iter()
            .rev()
            .skip(offset)
            .take(log_rows)
            .map(|e| log_line(e, cols)),
    );
    lines
}

/// `HH:MM:SS <agent> <text>`, or `HH:MM:SS ! [<agent> ]<message>` for errors.
fn log_line(entry: &LogEntry, cols: usize) -> Line {
    let mut b = LineBuilder::new(cols);
    b.push(&clock(entry.at), Style::Dim).push(" ", Style::Plain);
    let text_style = match entry.kind {
        LogKind::Ok => Style::Plain,
        LogKind::Error => {
            b.push("! ", Style::Error);
            Style::Error
        }
    };
    if let Some(agent) = &entry.agent {
        b.push(agent.as_str(), Style::Plain).push(" ", Style::Plain);
    }
    b.push(&entry.text, text_style);
    b.build()
}

fn dim_line(s: &str, cols: usize) -> Line {
    let mut b = LineBuilder::new(cols);
    b.push(s, Style::Dim);
    b.build()
}

fn state_style(state: AgentState) -> Style {
    match state {
        AgentState::Running => Style::Running,
        AgentState::Waiting => Style::Waiting,
        AgentState::StopBlocked => Style::Blocked,
        AgentState::Stopped => Style::Stopped,
    }
}

/// UTC wall-clock time of `at` as `HH:MM:SS`.
pub fn clock(at: Timestamp) -> String {
    let secs = at.as_second().rem_euclid(86_400);
    format!(
        "{:02}:{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Time from `since` to `now`, in its largest whole unit: `4s`, `3m`, `2h`, `5d`. A `since`
/// in the future counts as `0s`.
pub fn age(now: Timestamp, since: Timestamp) -> String {
    let secs = now.duration_since(since).as_secs().max(0);
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m", s / 60),
        s if s < 86_400 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn clock_is_utc() {
        assert_eq!(clock(ts("2026-11-20T23:18:02.9Z")), "23:18:02");
        assert_eq!(clock(ts("2026-11-20T01:02:03+05:00")), "20:02:03");
        assert_eq!(clock(ts("1969-12-31T23:59:59Z")), "23:59:59");
    }

    #[test]
    fn ages_use_the_largest_unit() {
        let now = ts("2026-11-20T12:00:00Z");
        assert_eq!(age(now, ts("2026-11-20T11:59:56Z")), "4s");
        assert_eq!(age(now, ts("2026-11-20T11:57:00Z")), "3m");
        assert_eq!(age(now, ts("2026-11-20T09:59:00Z")), "2h");
        assert_eq!(age(now, ts("2026-11-15T12:00:00Z")), "5d");
        assert_eq!(age(now, ts("2026-11-20T12:00:09Z")), "0s");
    }
}

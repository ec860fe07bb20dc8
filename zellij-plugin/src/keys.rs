//! The dashboard's keys, in one table: the help screen ([`crate::Screen::Help`]) draws it,
//! and the crate docs and README repeat it (a test checks that the crate docs list every
//! key).

/// Where a key works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Where {
    /// From any tab, without focusing the dashboard (a Zellij key binding).
    Anywhere,
    /// In the dashboard, on the agent table and log.
    Team,
    /// In the dashboard, while a form is shown.
    Form,
    /// In the dashboard, on the help screen.
    Help,
}

/// One row of the key table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyHelp {
    /// The key(s), as the help screen spells them.
    pub keys: &'static str,
    /// Where they work.
    pub place: Where,
    /// What they do.
    pub action: &'static str,
}

const fn k(keys: &'static str, place: Where, action: &'static str) -> KeyHelp {
    KeyHelp {
        keys,
        place,
        action,
    }
}

/// Every key of the dashboard. The attend key's default is [`crate::app::DEFAULT_ATTEND_KEY`];
/// the layout's plugin configuration can change it (`attend_key`).
pub const KEYS: &[KeyHelp] = &[
    k(
        "Alt a",
        Where::Anywhere,
        "attend: next agent that needs you (approval, form, stop blocked, waiting; oldest first; again: next in the tier)",
    ),
    k(
        "↑ / k, ↓ / j",
        Where::Team,
        "select the previous / next agent",
    ),
    k("Home, End", Where::Team, "select the first / last agent"),
    k("click", Where::Team, "select the agent under the pointer"),
    k(
        "Enter",
        Where::Team,
        "go to the selected agent: its tab, its agent pane",
    ),
    k(
        "PgUp, PgDn",
        Where::Team,
        "scroll the event log a page newer / older",
    ),
    k("wheel", Where::Team, "scroll the event log by lines"),
    k("?", Where::Team, "show these keys"),
    k("PgUp, PgDn", Where::Form, "previous / next pending form"),
    k(
        "Tab, Shift Tab",
        Where::Form,
        "next / previous field (arrows, Space in choices)",
    ),
    k("Enter", Where::Form, "submit"),
    k("Esc, Enter", Where::Form, "cancel the form"),
    k("Esc, ?, q", Where::Help, "close the help"),
];

impl Where {
    /// The help screen's name for the place.
    pub fn label(self) -> &'static str {
        match self {
            Where::Anywhere => "any tab",
            Where::Team => "agents",
            Where::Form => "form",
            Where::Help => "help",
        }
    }
}

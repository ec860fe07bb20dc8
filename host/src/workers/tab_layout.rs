//! The Zellij layout of one worker's tab. Pure: values in, KDL text out.
//!
//! Output is KDL v1, built with the `kdl` 4.x crate (the version Zellij 0.45 parses
//! layouts with), so every outside string is quoted and escaped by the library. Control
//! characters are removed first ([`remove_controls`]; the agent's arguments keep
//! their line breaks, which KDL writes as `\n` and Zellij reads back as line breaks).
//!
//! ```kdl
//! layout {
//!     tab name="#7 Fix the parser" cwd="/p/.exomonad/worktrees/gh-7" {
//!         pane size=1 borderless=true {
//!             plugin location="zellij:tab-bar"
//!         }
//!         pane name="gh-7" focus=true command="env" {
//!             args "EXOMONAD_AGENT_ID=gh-7" "EXOMONAD_ROLE=worker" "claude" "--settings" "…" "…"
//!         }
//!         pane size=1 borderless=true {
//!             plugin location="zellij:status-bar"
//!         }
//!     }
//! }
//! ```
//!
//! Observed with Zellij 0.45.1 (`zellij action new-tab --layout <file>`; `--layout-string
//! <text>` behaves the same):
//! - it opens exactly one tab, named by the layout's `tab name=` (a `--name` given as well is
//!   ignored; a layout without a `tab` node takes its name from `--name`), and prints the new
//!   tab's id (a number) on stdout;
//! - the session's `default_tab_template` is not applied to such a layout, so the tab bar and
//!   status bar plugins are part of it here;
//! - layouts have no per-pane environment, so the pane runs `env NAME=value… program args…`;
//!   `args` reach the program verbatim (no `$` or `~` expansion);
//! - `cwd` (and `command`) are expanded like a shell word: `$NAME` is replaced by the
//!   variable's value (an unset one fails the whole layout), and a `cwd` that does not exist
//!   silently becomes the session's directory. [`WorkerTab::render`] therefore refuses a cwd
//!   holding `$`, and the caller must create the worktree before opening the tab.

use std::path::PathBuf;

use kdl::{KdlDocument, KdlEntry, KdlNode};

use super::launch::AgentCommand;
use exomonad_ui::text::remove_controls;

/// Plugin location of Zellij's built-in tab bar.
pub const TAB_BAR: &str = "zellij:tab-bar";

/// Plugin location of Zellij's built-in status bar.
pub const STATUS_BAR: &str = "zellij:status-bar";

/// The program the agent pane runs, to set the agent's environment (POSIX `env`).
pub const ENV_PROGRAM: &str = "env";

/// What goes into one worker tab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkerTab {
    /// The tab's name ([`super::naming::WorkerNames::tab_name`]).
    pub tab_name: String,
    /// The tab's working directory: the worker's worktree, absolute, existing.
    pub cwd: PathBuf,
    /// The agent pane's name (the agent id).
    pub pane_name: String,
    /// What the agent pane runs, and with which environment.
    pub command: AgentCommand,
}

/// Why a tab layout cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TabLayoutError {
    /// The cwd cannot be given to Zellij exactly (see the module docs).
    #[error("cannot open a Zellij tab in {cwd:?}: {why}")]
    Cwd {
        /// The path, lossily as text.
        cwd: String,
        /// Why.
        why: &'static str,
    },
    /// An environment variable name is not `[A-Za-z_][A-Za-z0-9_]*`.
    #[error("{0:?} is not a valid environment variable name")]
    EnvName(String),
    /// The program is empty, starts with `-` or contains `=` (`env` would read it as an
    /// option or as another variable).
    #[error("{0:?} cannot be run through `env`: it is empty, starts with '-' or contains '='")]
    Program(String),
}

impl WorkerTab {
    /// The argv of the agent pane: [`ENV_PROGRAM`], then `NAME=value` for each variable,
    /// then the program and its arguments, control characters removed (newlines kept in
    /// arguments and values).
    ///
    /// # Errors
    /// [`TabLayoutError::EnvName`] and [`TabLayoutError::Program`].
    pub fn pane_argv(&self) -> Result<Vec<String>, TabLayoutError> {
        let mut argv = vec![ENV_PROGRAM.to_owned()];
        for (name, value) in &self.command.env {
            let valid = name
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            if !valid {
                return Err(TabLayoutError::EnvName(name.clone()));
            }
            argv.push(format!("{name}={}", remove_controls(value, true)));
        }
        let program = remove_controls(&self.command.program, false);
        if program.is_empty() || program.starts_with('-') || program.contains('=') {
            return Err(TabLayoutError::Program(self.command.program.clone()));
        }
        argv.push(program);
        argv.extend(self.command.args.iter().map(|a| remove_controls(a, true)));
        Ok(argv)
    }

    /// Renders the layout (see the module docs for its shape).
    ///
    /// # Errors
    /// [`TabLayoutError::Cwd`] when the cwd is not absolute, not UTF-8, or holds `$` or
    /// control characters (Zellij would expand or we would have to alter it, and either
    /// would start the agent somewhere else); the errors of [`WorkerTab::pane_argv`].
    pub fn render(&self) -> Result<String, TabLayoutError> {
        let cwd_error = |why| TabLayoutError::Cwd {
            cwd: self.cwd.to_string_lossy().into_owned(),
            why,
        };
        if !self.cwd.is_absolute() {
            return Err(cwd_error("the path is not absolute"));
        }
        let cwd = self
            .cwd
            .to_str()
            .ok_or_else(|| cwd_error("the path is not UTF-8"))?;
        if cwd.contains('$') {
            return Err(cwd_error(
                "Zellij expands `$` in a layout's cwd; move the worktree directory",
            ));
        }
        if cwd.chars().any(char::is_control) {
            return Err(cwd_error("the path holds control characters"));
        }
        let argv = self.pane_argv()?;
        let (program, args) = argv.split_first().expect("argv starts with env");

        let mut tab = KdlNode::new("tab");
        tab.push(KdlEntry::new_prop(
            "name",
            remove_controls(&self.tab_name, false),
        ));
        tab.push(KdlEntry::new_prop("cwd", cwd));
        let mut pane = KdlNode::new("pane");
        pane.push(KdlEntry::new_prop(
            "name",
            remove_controls(&self.pane_name, false),
        ));
        pane.push(KdlEntry::new_prop("focus", true));
        pane.push(KdlEntry::new_prop("command", program.as_str()));
        let mut args_node = KdlNode::new("args");
        for arg in args {
            args_node.push(KdlEntry::new(arg.as_str()));
        }
        pane.ensure_children().nodes_mut().push(args_node);
        let body = tab.ensure_children().nodes_mut();
        body.push(bar(TAB_BAR));
        body.push(pane);
        body.push(bar(STATUS_BAR));

        let mut layout = KdlNode::new("layout");
        layout.ensure_children().nodes_mut().push(tab);
        let mut doc = KdlDocument::new();
        doc.nodes_mut().push(layout);
        doc.fmt();
        Ok(doc.to_string())
    }
}

/// `pane size=1 borderless=true { plugin location="<location>" }`.
fn bar(location: &str) -> KdlNode {
    let mut plugin = KdlNode::new("plugin");
    plugin.push(KdlEntry::new_prop("location", location));
    let mut pane = KdlNode::new("pane");
    pane.push(KdlEntry::new_prop("size", 1i64));
    pane.push(KdlEntry::new_prop("borderless", true));
    pane.ensure_children().nodes_mut().push(plugin);
    pane
}

//! The exomonad dashboard as a Zellij plugin: thin glue between Zellij and the pure core in
//! the `exomonad_dashboard` library.
//!
//! It forwards pipe messages, keys, timer ticks, the panes whose command ended and the
//! permission grant (which starts the sync with the other instances) to
//! [`exomonad_dashboard::Dashboard`] and
//! prints the [`exomonad_dashboard::Frame`] that [`exomonad_dashboard::render`] returns, in the
//! person's theme colours. Every decision lives in the library, where it is tested natively.
//!
//! Only `wasm32` builds (`cargo build --target wasm32-wasip1`) produce the plugin, because
//! `zellij-tile` only links there. On other targets this binary is an empty `main`, so the
//! workspace still builds and tests natively.

#[cfg(target_arch = "wasm32")]
use zellij_tile::prelude::*;

#[cfg(target_arch = "wasm32")]
register_plugin!(plugin::DashboardPlugin);

/// Off wasm32 there is no Zellij to talk to: the plugin is the `wasm32-wasip1` build of this
/// binary, and the logic is tested through the library.
#[cfg(not(target_arch = "wasm32"))]
fn main() {}

#[cfg(target_arch = "wasm32")]
mod plugin {
    use std::collections::BTreeMap;

    use exomonad_dashboard::{
        Dashboard, Effect, ExitedPane, Key, Line, Permission, PipeFrom, Style, render,
    };
    use exomonad_protocol::Timestamp;
    use zellij_tile::prelude::*;

    /// Seconds between re-renders that keep the ages current.
    const TICK_SECS: f64 = 1.0;

    /// Plugin state: the dashboard and the log page size of the last frame.
    #[derive(Default)]
    pub struct DashboardPlugin {
        dashboard: Dashboard,
        /// Log lines visible in the last frame: the PageUp/PageDown step.
        page: usize,
    }

    impl ZellijPlugin for DashboardPlugin {
        fn load(&mut self, _configuration: BTreeMap<String, String>) {
            request_permission(&[
                PermissionType::ReadApplicationState,
                PermissionType::ChangeApplicationState,
                PermissionType::ReadCliPipes,
                PermissionType::MessageAndLaunchOtherPlugins,
            ]);
            subscribe(&[
                EventType::Timer,
                EventType::PermissionRequestResult,
                EventType::Key,
                EventType::PastedText,
                EventType::PaneUpdate,
            ]);
            // One instance runs per dashboard pane and per connected client: this id tells
            // this instance's reply claims from the others' (see `exomonad_dashboard::inbox`).
            self.dashboard.set_permission(Permission::Pending);
            let ids = get_plugin_ids();
            self.dashboard
                .set_instance(format!("{}/{}", ids.plugin_id, ids.client_id));
            set_timeout(TICK_SECS);
        }

        fn update(&mut self, event: Event) -> bool {
            match event {
                Event::Timer(_) => {
                    set_timeout(TICK_SECS);
                    true
                }
                Event::PermissionRequestResult(status) => {
                    self.dashboard
                        .set_permission(if status == PermissionStatus::Granted {
                            Permission::Granted
                        } else {
                            Permission::Denied
                        });
                    // A new instance (second client, reopened pane) starts empty: ask the
                    // running instances for what they know (`exomonad_dashboard::sync`).
                    if status == PermissionStatus::Granted {
                        run(self.dashboard.request_sync(Timestamp::now()));
                    }
                    true
                }
                Event::Key(key) => match form_key(&key) {
                    Some(key) => {
                        let effects = self.dashboard.on_key(key, self.page, Timestamp::now());
                        run(effects)
                    }
                    None => false,
                },
                Event::PaneUpdate(manifest) => {
                    let exited: Vec<ExitedPane> = manifest
                        .panes
                        .values()
                        .flatten()
                        .filter(|p| !p.is_plugin && p.exited)
                        .filter_map(|p| {
                            Some(ExitedPane {
                                pane_id: p.id,
                                command: p.terminal_command.clone()?,
                                exit_status: p.exit_status,
                            })
                        })
                        .collect();
                    run(self.dashboard.on_exited_panes(&exited, Timestamp::now()))
                }
                Event::PastedText(text) => {
                    let effects =
                        self.dashboard
                            .on_key(Key::Paste(text), self.page, Timestamp::now());
                    run(effects)
                }
                _ => false,
            }
        }

        fn pipe(&mut self, message: PipeMessage) -> bool {
            let source = match message.source {
                PipeSource::Cli(id) => PipeFrom::Cli(id),
                PipeSource::Plugin(id) => PipeFrom::Plugin(id),
                PipeSource::Keybind => PipeFrom::Keybind,
            };
            let effects = self.dashboard.apply_pipe_message(
                &message.name,
                message.payload.as_deref(),
                &source,
                Timestamp::now(),
            );
            run(effects)
        }

        fn render(&mut self, rows: usize, cols: usize) {
            let frame = render(&self.dashboard, Timestamp::now(), rows, cols);
            self.page = frame.log_rows;
            // Zellij refuses an empty text component ("text must have, well, text"): blank
            // lines are left undrawn.
            for (y, line) in frame
                .lines
                .iter()
                .enumerate()
                .filter(|(_, l)| l.width() > 0)
            {
                print_text_with_coordinates(themed(line), 0, y, Some(cols), None);
            }
        }
    }

    /// Carries out the core's effects in order; returns whether to render.
    fn run(effects: Vec<Effect>) -> bool {
        let mut redraw = false;
        for effect in effects {
            match effect {
                Effect::BlockCliPipe(id) => block_cli_pipe_input(&id),
                Effect::Reply { pipe_id, json } => cli_pipe_output(&pipe_id, &json),
                Effect::UnblockCliPipe(id) => unblock_cli_pipe_input(&id),
                Effect::Broadcast { name, payload } => {
                    pipe_message_to_plugin(MessageToPlugin::new(name).with_payload(payload));
                }
                Effect::FocusSelf => show_self(false),
                Effect::Redraw => redraw = true,
            }
        }
        redraw
    }

    /// Zellij's key to the form engine's. Shift+Tab is BackTab; a shifted character arrives
    /// as the character itself. Keys with Ctrl/Alt/Super are not for the dashboard.
    fn form_key(key: &KeyWithModifier) -> Option<Key> {
        if key.is_key_with_shift_modifier(BareKey::Tab) {
            return Some(Key::BackTab);
        }
        let only_shift = key
            .key_modifiers
            .iter()
            .all(|m| matches!(m, KeyModifier::Shift));
        if !only_shift {
            return None;
        }
        Some(match key.bare_key {
            BareKey::Char(c) => Key::Char(c),
            BareKey::Enter => Key::Enter,
            BareKey::Tab => Key::Tab,
            BareKey::Up => Key::Up,
            BareKey::Down => Key::Down,
            BareKey::Left => Key::Left,
            BareKey::Right => Key::Right,
            BareKey::Backspace => Key::Backspace,
            BareKey::Delete => Key::Delete,
            BareKey::Home => Key::Home,
            BareKey::End => Key::End,
            BareKey::PageUp => Key::PageUp,
            BareKey::PageDown => Key::PageDown,
            BareKey::Esc => Key::Esc,
            _ => return None,
        })
    }

    /// One line as a Zellij `Text`, each span coloured by a theme index (ranges count chars).
    fn themed(line: &Line) -> Text {
        let mut text = Text::new(line.plain_text());
        let mut start = 0;
        for span in &line.spans {
            let end = start + span.text.chars().count();
            let range = start..end;
            text = match span.style {
                Style::Plain => text.unbold_range(range),
                Style::Header => text,
                Style::Title | Style::Focused => text.color_range(1, range),
                Style::Running => text.color_range(2, range),
                Style::Waiting | Style::Selected => text.color_range(0, range),
                Style::Blocked | Style::Cursor => text.color_range(3, range),
                Style::Stopped | Style::Dim | Style::Hint => text.dim_range(range),
                Style::Error => text.error_color_range(range),
            };
            start = end;
        }
        text
    }
}

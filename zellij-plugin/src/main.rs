//! The exomonad dashboard as a Zellij plugin: thin glue between Zellij and the pure core in
//! the `exomonad_dashboard` library.
//!
//! It translates Zellij's events (pipe messages, keys, pastes, mouse, timer ticks, pane
//! updates, the permission grant) into [`exomonad_dashboard::Input`]s for
//! [`exomonad_dashboard::App`], carries out the [`exomonad_dashboard::Effect`]s it returns
//! with `zellij-tile` calls, and prints the frame it draws in the person's theme colours
//! (the selected agent row in the theme's selection colours). Every decision lives in the
//! library, where it is tested natively through the same entry points.
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

    use exomonad_dashboard::{App, Effect, Input, Key, Line, Mouse, PaneSeen, PipeFrom, Style};
    use exomonad_protocol::Timestamp;
    use exomonad_protocol::names::DASHBOARD_PERMISSIONS;
    use zellij_tile::prelude::*;

    /// Seconds between re-renders that keep the ages current.
    const TICK_SECS: f64 = 1.0;

    /// Plugin state: the library's [`App`] and this plugin's id (for its own pane).
    #[derive(Default)]
    pub struct DashboardPlugin {
        app: App,
        plugin_id: u32,
        /// The selected row of the last frame, highlighted in the theme's selection colours.
        selected_line: Option<usize>,
    }

    impl ZellijPlugin for DashboardPlugin {
        fn load(&mut self, configuration: BTreeMap<String, String>) {
            // Reconfigure: the attend key binding (`exomonad_dashboard::app::attend_binding`).
            // The names are shared with `exomonad doctor`, which checks they were granted.
            let permissions: Vec<PermissionType> = DASHBOARD_PERMISSIONS
                .iter()
                .map(|name| name.parse().expect("a Zellij permission name"))
                .collect();
            request_permission(&permissions);
            subscribe(&[
                EventType::Timer,
                EventType::PermissionRequestResult,
                EventType::Key,
                EventType::PastedText,
                EventType::PaneUpdate,
                EventType::Mouse,
            ]);
            let ids = get_plugin_ids();
            self.plugin_id = ids.plugin_id;
            self.app = App::load(&configuration, ids.plugin_id, ids.client_id);
            set_timeout(TICK_SECS);
        }

        fn update(&mut self, event: Event) -> bool {
            let input = match event {
                Event::Timer(_) => {
                    set_timeout(TICK_SECS);
                    Input::Timer
                }
                Event::PermissionRequestResult(status) => {
                    Input::Permission(status == PermissionStatus::Granted)
                }
                Event::Key(key) => match form_key(&key) {
                    Some(key) => Input::Key(key),
                    None => return false,
                },
                Event::PastedText(text) => Input::Key(Key::Paste(text)),
                Event::Mouse(mouse) => Input::Mouse(match mouse {
                    zellij_tile::prelude::Mouse::LeftClick(line, _) => Mouse::Click { line },
                    zellij_tile::prelude::Mouse::ScrollUp(n) => Mouse::ScrollUp(n),
                    zellij_tile::prelude::Mouse::ScrollDown(n) => Mouse::ScrollDown(n),
                    _ => return false,
                }),
                Event::PaneUpdate(manifest) => Input::Panes(
                    manifest
                        .panes
                        .values()
                        .flatten()
                        .filter(|p| !p.is_plugin)
                        .map(|p| PaneSeen {
                            pane_id: p.id,
                            title: p.title.clone(),
                            command: p.terminal_command.clone(),
                            exited: p.exited,
                            exit_status: p.exit_status,
                        })
                        .collect(),
                ),
                _ => return false,
            };
            let effects = self.app.update(input, Timestamp::now());
            self.run(effects)
        }

        fn pipe(&mut self, message: PipeMessage) -> bool {
            let source = match message.source {
                PipeSource::Cli(id) => PipeFrom::Cli(id),
                PipeSource::Plugin(id) => PipeFrom::Plugin(id),
                PipeSource::Keybind => PipeFrom::Keybind,
            };
            let effects = self.app.pipe(
                &message.name,
                message.payload.as_deref(),
                &source,
                Timestamp::now(),
            );
            self.run(effects)
        }

        fn render(&mut self, rows: usize, cols: usize) {
            let drawn = self.app.render(rows, cols, Timestamp::now());
            self.selected_line = drawn.selected_line;
            // Zellij refuses an empty text component ("text must have, well, text"): blank
            // lines are left undrawn.
            for (y, line) in drawn
                .frame
                .lines
                .iter()
                .enumerate()
                .filter(|(_, l)| l.width() > 0)
            {
                let mut text = themed(line);
                if Some(y) == self.selected_line {
                    text = text.selected();
                }
                print_text_with_coordinates(text, 0, y, Some(cols), None);
            }
        }
    }

    impl DashboardPlugin {
        /// Carries out the app's effects in order; returns whether to render.
        fn run(&self, effects: Vec<Effect>) -> bool {
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
                    Effect::FocusPane(pane_id) => focus_terminal_pane(pane_id, false, false),
                    Effect::RenameSelf(title) => rename_plugin_pane(self.plugin_id, title),
                    Effect::Reconfigure(kdl) => reconfigure(kdl, false),
                    Effect::Redraw => redraw = true,
                }
            }
            redraw
        }
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

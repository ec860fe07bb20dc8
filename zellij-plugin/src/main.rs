//! The exomonad dashboard as a Zellij plugin: thin glue between Zellij and the pure core in
//! the `exomonad_dashboard` library.
//!
//! It forwards pipe messages, keys and timer ticks to [`exomonad_dashboard::Dashboard`] and
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

    use exomonad_dashboard::{Dashboard, Line, LogScroll, Style, render};
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
            ]);
            set_timeout(TICK_SECS);
        }

        fn update(&mut self, event: Event) -> bool {
            match event {
                Event::Timer(_) => {
                    set_timeout(TICK_SECS);
                    true
                }
                Event::PermissionRequestResult(_) => true,
                Event::Key(key) if key.has_no_modifiers() => match scroll_for(key.bare_key) {
                    Some(request) => self.dashboard.scroll(request, self.page),
                    None => false,
                },
                _ => false,
            }
        }

        fn pipe(&mut self, message: PipeMessage) -> bool {
            self.dashboard.apply_pipe_message(
                &message.name,
                message.payload.as_deref(),
                Timestamp::now(),
            )
        }

        fn render(&mut self, rows: usize, cols: usize) {
            let frame = render(&self.dashboard, Timestamp::now(), rows, cols);
            self.page = frame.log_rows;
            for (y, line) in frame.lines.iter().enumerate() {
                print_text_with_coordinates(themed(line), 0, y, Some(cols), None);
            }
        }
    }

    /// Navigation keys only: letters are left free for text fields in this pane.
    fn scroll_for(key: BareKey) -> Option<LogScroll> {
        Some(match key {
            BareKey::Up => LogScroll::Newer,
            BareKey::Down => LogScroll::Older,
            BareKey::PageUp => LogScroll::PageNewer,
            BareKey::PageDown => LogScroll::PageOlder,
            BareKey::Home => LogScroll::Newest,
            BareKey::End => LogScroll::Oldest,
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
                Style::Title => text.color_range(1, range),
                Style::Running => text.color_range(2, range),
                Style::Waiting => text.color_range(0, range),
                Style::Blocked => text.color_range(3, range),
                Style::Stopped | Style::Dim => text.dim_range(range),
                Style::Error => text.error_color_range(range),
            };
            start = end;
        }
        text
    }
}

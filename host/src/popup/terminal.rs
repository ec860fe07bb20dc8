//! The terminal fallback for forms: with no dashboard but a person at a terminal, the same
//! form model ([`exomonad_ui::form`]: state machine, keys, rendering into a
//! [`exomonad_ui::frame::Frame`]) is drawn with ratatui on crossterm.
//!
//! It draws on `/dev/tty` (stdout stays free for the JSON reply, so `exomonad popup | jq`
//! works) and reads keys from the terminal. Ctrl-C cancels; the wait is bounded by `timeout`.

use std::fs::File;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use exomonad_protocol::form::{FormReply, FormRequest};
use exomonad_ui::form::{FormEvent, FormState, Key};
use exomonad_ui::frame::{Frame, Style};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::event::{self, Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::crossterm::{execute, terminal};
use ratatui::style::{Color, Modifier};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Whether a person can answer here: stdin is a terminal.
pub fn available() -> bool {
    std::io::stdin().is_terminal()
}

/// Asks `request` in this terminal, waiting at most `timeout` (then [`FormReply::TimedOut`]).
///
/// # Errors
/// When the terminal cannot be opened or put in raw mode.
pub fn ask(request: &FormRequest, timeout: Duration) -> Result<FormReply> {
    let tty = File::options()
        .write(true)
        .open("/dev/tty")
        .context("opening /dev/tty")?;
    terminal::enable_raw_mode().context("raw mode")?;
    let mut terminal =
        Terminal::new(CrosstermBackend::new(tty)).context("setting up the terminal")?;
    let _ = execute!(
        terminal.backend_mut(),
        terminal::EnterAlternateScreen,
        event::EnableBracketedPaste
    );
    let result = run(&mut terminal, request, timeout);
    let _ = execute!(
        terminal.backend_mut(),
        event::DisableBracketedPaste,
        terminal::LeaveAlternateScreen
    );
    let _ = terminal::disable_raw_mode();
    let _ = terminal.show_cursor();
    result
}

fn run(
    terminal: &mut Terminal<CrosstermBackend<File>>,
    request: &FormRequest,
    timeout: Duration,
) -> Result<FormReply> {
    let mut form = FormState::new(request.clone());
    let deadline = Instant::now() + timeout;
    loop {
        terminal.draw(|f| {
            let area = f.area();
            let frame = exomonad_ui::form::render(&form, area.height as usize, area.width as usize);
            f.render_widget(Paragraph::new(to_lines(&frame)), area);
        })?;
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(FormReply::TimedOut {
                id: request.id.clone(),
            });
        }
        if !event::poll(left.min(Duration::from_millis(500)))? {
            continue;
        }
        let key = match event::read()? {
            Event::Key(k) if k.kind != KeyEventKind::Release => {
                if k.modifiers.contains(KeyModifiers::CONTROL) && k.code == KeyCode::Char('c') {
                    return Ok(FormReply::Cancelled {
                        id: request.id.clone(),
                    });
                }
                map_key(k)
            }
            Event::Paste(text) => Some(Key::Paste(text)),
            _ => None,
        };
        if let Some(key) = key
            && let FormEvent::Done(reply) = form.handle(key)
        {
            return Ok(reply);
        }
    }
}

/// crossterm key → form key; keys the form has no use for map to `None`.
fn map_key(k: KeyEvent) -> Option<Key> {
    Some(match k.code {
        KeyCode::Char(c)
            if !k
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
        {
            Key::Char(c)
        }
        KeyCode::Enter => Key::Enter,
        KeyCode::Tab => Key::Tab,
        KeyCode::BackTab => Key::BackTab,
        KeyCode::Up => Key::Up,
        KeyCode::Down => Key::Down,
        KeyCode::Left => Key::Left,
        KeyCode::Right => Key::Right,
        KeyCode::Backspace => Key::Backspace,
        KeyCode::Delete => Key::Delete,
        KeyCode::Home => Key::Home,
        KeyCode::End => Key::End,
        KeyCode::PageUp => Key::PageUp,
        KeyCode::PageDown => Key::PageDown,
        KeyCode::Esc => Key::Esc,
        _ => return None,
    })
}

/// The form's frame as ratatui lines, each style mapped to terminal colours.
fn to_lines(frame: &Frame) -> Vec<Line<'static>> {
    frame
        .lines
        .iter()
        .map(|line| {
            Line::from(
                line.spans
                    .iter()
                    .map(|s| Span::styled(s.text.clone(), style(s.style)))
                    .collect::<Vec<_>>(),
            )
        })
        .collect()
}

fn style(s: Style) -> ratatui::style::Style {
    use ratatui::style::Style as S;
    match s {
        Style::Title => S::new().add_modifier(Modifier::BOLD).fg(Color::Cyan),
        Style::Header => S::new().add_modifier(Modifier::BOLD),
        Style::Running => S::new().fg(Color::Green),
        Style::Waiting => S::new().fg(Color::Yellow),
        Style::Blocked | Style::Error => S::new().fg(Color::Red),
        Style::Stopped | Style::Dim | Style::Hint => S::new().add_modifier(Modifier::DIM),
        Style::Focused => S::new().add_modifier(Modifier::BOLD).fg(Color::Cyan),
        Style::Selected => S::new().add_modifier(Modifier::REVERSED),
        Style::Cursor => S::new().add_modifier(Modifier::REVERSED),
        _ => S::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_map_and_control_chords_do_not_type() {
        let k = |code, mods| map_key(KeyEvent::new(code, mods));
        assert_eq!(
            k(KeyCode::Char('q'), KeyModifiers::NONE),
            Some(Key::Char('q'))
        );
        assert_eq!(
            k(KeyCode::Char('Q'), KeyModifiers::SHIFT),
            Some(Key::Char('Q'))
        );
        assert_eq!(k(KeyCode::Char('x'), KeyModifiers::CONTROL), None);
        assert_eq!(k(KeyCode::BackTab, KeyModifiers::SHIFT), Some(Key::BackTab));
        assert_eq!(k(KeyCode::F(5), KeyModifiers::NONE), None);
    }

    #[test]
    fn frames_keep_their_text() {
        let req = FormRequest::from_json(
            r#"{"id":"f","title":"Deploy?","agent_id":"a","fields":[{"name":"n","label":"Note","kind":"text"}]}"#,
        )
        .unwrap();
        let frame = exomonad_ui::form::render(&FormState::new(req), 10, 40);
        let text: String = to_lines(&frame)
            .iter()
            .map(|l| {
                l.spans
                    .iter()
                    .map(|s| s.content.as_ref())
                    .collect::<String>()
                    + "\n"
            })
            .collect();
        assert_eq!(text, frame.to_plain_text());
        assert!(text.contains("Deploy?"));
    }
}

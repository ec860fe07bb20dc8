//! Drawing a form: [`render`] turns a [`FormState`] into a [`Frame`] for a pane size.
//!
//! ```text
//! Deploy the service?                        ← title
//! step 2 · Details                           ← wizard steps only
//! Pick where it goes and say why.            ← body, word-wrapped, line breaks kept
//!
//! › Environment *                            ← focus marker, label, `*` when required
//!     (•) staging                            ← choice: the selected option marked
//!     ( ) prod
//!   Reason
//!     rolling back the bad release           ← text (multi-line: one row per line)
//!   Components
//!     [x] api                                ← multi-select
//!     [ ] web
//!   [x] Notify the team                      ← checkbox
//!   Replicas (1–10)
//!     3                                      ← number
//!
//!   [ Submit ]                               ← `[ Next ]` when the step leads on
//! ! Reason: required                         ← validation error
//! ↑↓ choose · Tab/⇧Tab fields · Enter next · Esc cancel
//! ```
//!
//! The title stays on top and the error and hint lines at the bottom; the part between scrolls
//! so the focused field (and the cursor in a multi-line field) stays visible. While the cancel
//! confirmation is open the hint line reads [`CONFIRM_CANCEL`].

use crate::form::{Focus, FormState, Input};
use crate::frame::{Frame, Line, LineBuilder, Style};
use crate::text;

/// The question shown on the hint line after Esc.
pub const CONFIRM_CANCEL: &str = "Cancel this form? Enter: yes, Esc: no";

/// Indentation of values under their label.
const INDENT: usize = 4;

/// Renders `form` for `rows` × `cols` cells. The frame has at most `rows` lines, each at most
/// `cols` columns wide, with no control characters; any size works, including 0 × 0.
pub fn render(form: &FormState, rows: usize, cols: usize) -> Frame {
    if rows == 0 {
        return Frame::default();
    }
    let mut top = vec![styled_line(&form.request().title, Style::Title, cols)];
    if form.is_wizard() {
        let heading = format!(
            "step {} · {}",
            form.step_number(),
            form.step_title().unwrap_or_default()
        );
        top.push(styled_line(&heading, Style::Header, cols));
    }
    let mut bottom = Vec::new();
    if let Some(err) = form.error() {
        bottom.push(styled_line(
            &format!("! {}", err.message),
            Style::Error,
            cols,
        ));
    }
    let confirming = form.is_confirming_cancel();
    if confirming {
        bottom.push(styled_line(CONFIRM_CANCEL, Style::Focused, cols));
    } else {
        bottom.push(styled_line(&hint(form), Style::Hint, cols));
    }

    let (content, want) = content(form, cols);

    // Small panes: drop the step line, the hint, the title, then the error, keeping at least
    // one content row (and the cancel question while it is asked).
    let mut has_hint = !confirming;
    let mut has_error = form.error().is_some();
    while top.len() + bottom.len() + 1 > rows {
        if top.len() == 2 {
            top.pop();
        } else if has_hint {
            bottom.pop();
            has_hint = false;
        } else if !top.is_empty() {
            top.pop();
        } else if has_error {
            bottom.remove(0);
            has_error = false;
        } else {
            break;
        }
    }
    let avail = rows.saturating_sub(top.len() + bottom.len());
    let (start, end) = want;
    let mut offset = if end < avail { 0 } else { end + 1 - avail };
    if end - start < avail {
        offset = offset.min(start);
    }
    let mut lines = top;
    lines.extend(content.into_iter().skip(offset).take(avail));
    lines.extend(bottom);
    lines.truncate(rows);
    Frame { lines, log_rows: 0 }
}

/// The key hints for the focused element.
fn hint(form: &FormState) -> String {
    let submit_word = if form.button_goes_on() {
        "next step"
    } else {
        "submit"
    };
    let n = form.page_fields().count();
    let back = if form.can_go_back() && matches!(form.focus(), Focus::Field(0)) {
        " · ⇧Tab previous step"
    } else {
        ""
    };
    let enter = match form.focus() {
        Focus::Field(i) if i + 1 < n => "Enter next".to_owned(),
        _ => format!("Enter {submit_word}"),
    };
    let keys = match form.focus() {
        Focus::Button => format!("Enter {submit_word} · Tab/⇧Tab fields"),
        Focus::Field(i) => match &form.page_fields().nth(i).map(|f| &f.input) {
            Some(Input::Text(e)) if e.is_multiline() => {
                "Enter new line · Tab/⇧Tab fields".to_owned()
            }
            Some(Input::Text(_)) => format!("Tab/⇧Tab fields · {enter}"),
            Some(Input::Number { .. }) => format!("↑↓ change · Tab/⇧Tab fields · {enter}"),
            Some(Input::Choice { .. }) => format!("↑↓ choose · Tab/⇧Tab fields · {enter}"),
            Some(Input::MultiSelect { .. }) => {
                format!("↑↓ move · Space toggle · Tab/⇧Tab fields · {enter}")
            }
            Some(Input::Checkbox(_)) => format!("Space toggle · Tab/⇧Tab fields · {enter}"),
            None => enter,
        },
    };
    format!("{keys}{back} · Esc cancel")
}

/// The scrolling part (body, fields, button) and the line range to keep visible.
fn content(form: &FormState, cols: usize) -> (Vec<Line>, (usize, usize)) {
    let mut lines = Vec::new();
    if let Some(body) = &form.request().body {
        for l in text::wrap(body, cols) {
            lines.push(styled_line(&l, Style::Plain, cols));
        }
        lines.push(Line::default());
    }
    let mut want = (0, 0);
    for (i, f) in form.page_fields().enumerate() {
        let focused = form.focus() == Focus::Field(i);
        let start = lines.len();
        let mut cursor_line = None;
        let marker = if focused { "› " } else { "  " };
        let label_style = if focused {
            Style::Focused
        } else {
            Style::Plain
        };
        let mut label = LineBuilder::new(cols);
        label.push(marker, Style::Focused);
        if let Input::Checkbox(on) = &f.input {
            label.push(if *on { "[x] " } else { "[ ] " }, label_style);
        }
        label.push(&f.field.label, label_style);
        if f.field.required {
            label.push(" *", Style::Dim);
        }
        if let Input::Number { min, max, .. } = &f.input {
            let range = match (min, max) {
                (Some(lo), Some(hi)) => format!(" ({lo}–{hi})"),
                (Some(lo), None) => format!(" (≥ {lo})"),
                (None, Some(hi)) => format!(" (≤ {hi})"),
                (None, None) => String::new(),
            };
            label.push(&range, Style::Dim);
        }
        lines.push(label.build());
        match &f.input {
            Input::Text(e) | Input::Number { text: e, .. } => {
                let rows = editor_lines(e.chars(), e.cursor(), focused, e.is_multiline(), cols);
                cursor_line = Some(lines.len() + rows.1);
                lines.extend(rows.0);
            }
            Input::Choice { options, selected } => {
                for (k, o) in options.iter().enumerate() {
                    let mut b = LineBuilder::new(cols);
                    b.spaces(INDENT);
                    let style = if focused && k == *selected {
                        Style::Selected
                    } else {
                        Style::Plain
                    };
                    b.push(if k == *selected { "(•) " } else { "( ) " }, style)
                        .push(o, style);
                    if focused && k == *selected {
                        cursor_line = Some(lines.len());
                    }
                    lines.push(b.build());
                }
            }
            Input::MultiSelect {
                options,
                checked,
                cursor,
            } => {
                for (k, o) in options.iter().enumerate() {
                    let here = focused && k == *cursor;
                    let mut b = LineBuilder::new(cols);
                    b.push(if here { "  › " } else { "    " }, Style::Focused);
                    let style = if here { Style::Selected } else { Style::Plain };
                    b.push(if checked[k] { "[x] " } else { "[ ] " }, style)
                        .push(o, style);
                    if here {
                        cursor_line = Some(lines.len());
                    }
                    lines.push(b.build());
                }
            }
            Input::Checkbox(_) => {}
        }
        if focused {
            let end = lines.len() - 1;
            want = match cursor_line {
                Some(c) => (start, c.max(start)),
                None => (start, end),
            };
        }
    }
    lines.push(Line::default());
    let focused = form.focus() == Focus::Button;
    let mut b = LineBuilder::new(cols);
    b.push(if focused { "› " } else { "  " }, Style::Focused);
    let label = if form.button_goes_on() {
        "[ Next ]"
    } else {
        "[ Submit ]"
    };
    b.push(
        label,
        if focused {
            Style::Focused
        } else {
            Style::Plain
        },
    );
    lines.push(b.build());
    if focused {
        want = (lines.len() - 1, lines.len() - 1);
    }
    (lines, want)
}

/// The rows of a text value under its label, and which of them holds the cursor.
///
/// Single-line: one row, scrolled sideways to keep the cursor in view. Multi-line: one row
/// per line, long lines wrapped. The focused field shows the cursor as a [`Style::Cursor`]
/// cell (a `▏` after the last character); an empty unfocused field shows a dim `(empty)`.
fn editor_lines(
    chars: &[char],
    cursor: usize,
    focused: bool,
    multiline: bool,
    cols: usize,
) -> (Vec<Line>, usize) {
    let avail = cols.saturating_sub(INDENT).max(1);
    if chars.is_empty() && !focused {
        let mut b = LineBuilder::new(cols);
        b.spaces(INDENT).push("(empty)", Style::Dim);
        return (vec![b.build()], 0);
    }
    let mut rows: Vec<VisualRow> = Vec::new();
    if multiline {
        let mut row = Vec::new();
        let mut w = 0;
        for (i, &c) in chars.iter().enumerate() {
            if c == '\n' {
                rows.push((std::mem::take(&mut row), Some(i)));
                w = 0;
                continue;
            }
            let cw = text::char_width(c);
            if w + cw > avail.saturating_sub(1) && !row.is_empty() {
                rows.push((std::mem::take(&mut row), None));
                w = 0;
            }
            row.push((i, c));
            w += cw;
        }
        rows.push((row, Some(chars.len())));
    } else {
        // Scroll sideways so the cursor (and one cell for it) fits.
        let mut start = 0;
        let width_between = |a: usize, b: usize| {
            chars[a..b]
                .iter()
                .map(|&c| text::char_width(c))
                .sum::<usize>()
        };
        while start < cursor && width_between(start, cursor) + 1 > avail {
            start += 1;
        }
        rows.push((
            chars.iter().copied().enumerate().skip(start).collect(),
            Some(chars.len()),
        ));
    }
    let mut out = Vec::with_capacity(rows.len());
    let mut cursor_row = 0;
    for (r, (row, end)) in rows.iter().enumerate() {
        let mut b = LineBuilder::new(cols);
        b.spaces(INDENT);
        let mut plain = String::new();
        for &(i, c) in row {
            if focused && i == cursor {
                b.push(&plain, Style::Plain);
                plain.clear();
                b.push(&c.to_string(), Style::Cursor);
                cursor_row = r;
            } else {
                plain.push(c);
            }
        }
        b.push(&plain, Style::Plain);
        if focused && *end == Some(cursor) {
            b.push("▏", Style::Cursor);
            cursor_row = r;
        }
        out.push(b.build());
    }
    (out, cursor_row)
}

/// One screen row of a text value: its characters with their indices in the text, and the
/// index of the line break (or the text's end) that ends it, if it ends a line.
type VisualRow = (Vec<(usize, char)>, Option<usize>);

/// One line of `s` in `style`, cut to `cols`.
fn styled_line(s: &str, style: Style, cols: usize) -> Line {
    let mut b = LineBuilder::new(cols);
    b.push(s, style);
    b.build()
}

//! What a render produces: a [`Frame`] of styled [`Line`]s, independent of any terminal API.
//!
//! The Zellij glue turns each [`Style`] into a theme colour index, so the dashboard draws in
//! the person's theme; tests read the frame as plain text.

use crate::text::{self, ELLIPSIS};

/// How a piece of text is drawn. The glue maps each style to a theme colour, never to a fixed
/// RGB value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Style {
    /// Ordinary text in the theme's base colour.
    Plain,
    /// The product name at the start of the header line.
    Title,
    /// Column names and the separator above the event log.
    Header,
    /// An agent that is working.
    Running,
    /// An agent waiting for the person (turn ended, or it asked for attention).
    Waiting,
    /// An agent whose stop was refused by a policy.
    Blocked,
    /// An agent whose session ended.
    Stopped,
    /// Secondary text: times, counts of hidden rows, hints.
    Dim,
    /// Something went wrong (a malformed event, a dropped agent, a form field that failed
    /// validation).
    Error,
    /// The focused element of a form: its label, or the focused button.
    Focused,
    /// The highlighted option of a focused choice or multi-select.
    Selected,
    /// The key hints at the bottom of a form.
    Hint,
    /// The text cursor of a focused text field: one cell (the character under it, or a space).
    Cursor,
}

/// A run of text in one style. The text holds no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// The characters to draw.
    pub text: String,
    /// How to draw them.
    pub style: Style,
}

/// One screen line: spans drawn left to right from column 0.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Line {
    /// The spans, in order. Their total display width never exceeds the frame's width.
    pub spans: Vec<Span>,
}

impl Line {
    /// The line's text without styles.
    pub fn plain_text(&self) -> String {
        self.spans.iter().map(|s| s.text.as_str()).collect()
    }

    /// Display width in terminal columns.
    pub fn width(&self) -> usize {
        self.spans.iter().map(|s| text::width(&s.text)).sum()
    }
}

/// A whole rendered pane: at most `rows` lines, each at most `cols` columns wide (the sizes
/// given to the view that rendered it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Frame {
    /// Lines from the top of the pane; fewer than `rows` leaves the rest blank.
    pub lines: Vec<Line>,
    /// How many event-log lines this frame had room for (0 when the log was not shown, and
    /// always 0 for a form). The dashboard glue passes it back as the page size for scrolling.
    pub log_rows: usize,
}

impl Frame {
    /// The frame as plain text: one `\n`-terminated line per [`Line`], styles dropped.
    pub fn to_plain_text(&self) -> String {
        let mut out = String::new();
        for line in &self.lines {
            out.push_str(&line.plain_text());
            out.push('\n');
        }
        out
    }
}

/// Builds one [`Line`] that never grows past `cols` columns: text that does not fit is cut,
/// and the last column shows [`ELLIPSIS`]. Unsafe characters are dropped on the way in.
#[derive(Debug)]
pub struct LineBuilder {
    cols: usize,
    width: usize,
    spans: Vec<Span>,
    /// Set once something did not fit; later pushes are ignored.
    cut: Option<Style>,
}

impl LineBuilder {
    /// An empty line at most `cols` columns wide.
    pub fn new(cols: usize) -> Self {
        Self {
            cols,
            width: 0,
            spans: Vec::new(),
            cut: None,
        }
    }

    /// Whether something did not fit.
    pub fn was_cut(&self) -> bool {
        self.cut.is_some()
    }

    /// Appends `s` in `style`, cutting the line if it does not fit.
    pub fn push(&mut self, s: &str, style: Style) -> &mut Self {
        if self.cut.is_some() || s.is_empty() {
            return self;
        }
        // Fast path: printable ASCII is one column per byte and needs no filtering.
        if let Some(w) = text::ascii_width(s)
            && self.width + w <= self.cols
        {
            self.width += w;
            self.spans.push(Span {
                text: s.to_owned(),
                style,
            });
            return self;
        }
        let mut piece = String::with_capacity(s.len());
        for c in s.chars().filter(|c| !text::is_unsafe(*c)) {
            let w = text::char_width(c);
            if self.width + w > self.cols {
                self.cut = Some(style);
                break;
            }
            self.width += w;
            piece.push(c);
        }
        if !piece.is_empty() {
            self.spans.push(Span { text: piece, style });
        }
        self
    }

    /// Appends `s` cut or padded with spaces to exactly `cell` columns (a table cell).
    pub fn cell(&mut self, s: &str, cell: usize, style: Style) -> &mut Self {
        let pad = match text::ascii_width(s) {
            Some(w) if w <= cell => {
                self.push(s, style);
                cell - w
            }
            _ => {
                let fitted = fit(s, cell);
                self.push(&fitted, style);
                cell.saturating_sub(text::width(&fitted))
            }
        };
        self.spaces(pad)
    }

    /// Appends `s` right-aligned in `cell` columns.
    pub fn cell_right(&mut self, s: &str, cell: usize, style: Style) -> &mut Self {
        let fitted = fit(s, cell);
        let pad = cell.saturating_sub(text::width(&fitted));
        self.spaces(pad);
        self.push(&fitted, style)
    }

    /// Appends `n` spaces.
    pub fn spaces(&mut self, n: usize) -> &mut Self {
        const SPACES: &str = "                                        ";
        match SPACES.get(..n) {
            Some(short) => self.push(short, Style::Plain),
            None => self.push(&" ".repeat(n), Style::Plain),
        }
    }

    /// Appends `c` (a safe character) repeated until the line is `cols` wide (for rules).
    pub fn fill(&mut self, c: char, style: Style) -> &mut Self {
        let w = text::char_width(c);
        if self.cut.is_some() || w == 0 {
            return self;
        }
        let n = self.cols.saturating_sub(self.width) / w;
        if n > 0 {
            self.width += n * w;
            self.spans.push(Span {
                text: std::iter::repeat_n(c, n).collect(),
                style,
            });
        }
        self
    }

    /// Finishes the line, putting [`ELLIPSIS`] in the last column if something was cut.
    pub fn build(mut self) -> Line {
        if let Some(style) = self.cut {
            if self.cols == 0 {
                return Line::default();
            }
            while self.width + 1 > self.cols {
                let Some(last) = self.spans.last_mut() else {
                    break;
                };
                if let Some(c) = last.text.pop() {
                    self.width -= text::char_width(c);
                }
                if last.text.is_empty() {
                    self.spans.pop();
                }
            }
            match self.spans.last_mut() {
                Some(last) => last.text.push(ELLIPSIS),
                None => self.spans.push(Span {
                    text: ELLIPSIS.to_string(),
                    style,
                }),
            }
        }
        Line { spans: self.spans }
    }
}

/// `s` without unsafe characters, cut to at most `cols` columns with [`ELLIPSIS`] at the end
/// when it was longer.
pub fn fit(s: &str, cols: usize) -> String {
    let mut b = LineBuilder::new(cols);
    b.push(s, Style::Plain);
    b.build().plain_text()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fit_cuts_with_an_ellipsis() {
        assert_eq!(fit("abcdef", 4), "abc…");
        assert_eq!(fit("abcd", 4), "abcd");
        assert_eq!(fit("abcd", 1), "…");
        assert_eq!(fit("abcd", 0), "");
        assert_eq!(fit("日本語", 4), "日…");
        assert_eq!(fit("日本語", 5), "日本…");
        assert_eq!(fit("日", 1), "…");
        assert_eq!(fit("a\u{1b}[1mb", 10), "a[1mb");
    }

    #[test]
    fn cut_across_spans_keeps_the_width() {
        let mut b = LineBuilder::new(5);
        b.push("abc", Style::Title)
            .push("defg", Style::Dim)
            .push("h", Style::Plain);
        let line = b.build();
        assert_eq!(line.plain_text(), "abcd…");
        assert_eq!(line.width(), 5);
        assert_eq!(line.spans.len(), 2);
    }

    #[test]
    fn a_span_that_exactly_fills_then_overflows_gets_an_ellipsis() {
        let mut b = LineBuilder::new(3);
        b.push("abc", Style::Title).push("d", Style::Dim);
        assert_eq!(b.build().plain_text(), "ab…");
    }

    #[test]
    fn cells_pad_and_cut() {
        let mut b = LineBuilder::new(20);
        b.cell("ab", 4, Style::Plain)
            .cell("long text", 5, Style::Plain)
            .cell_right("7s", 4, Style::Dim);
        assert_eq!(b.build().plain_text(), "ab  long…  7s");
    }

    #[test]
    fn fill_stops_at_the_edge() {
        let mut b = LineBuilder::new(6);
        b.push("ab", Style::Header).fill('─', Style::Header);
        let line = b.build();
        assert_eq!(line.plain_text(), "ab────");
        assert_eq!(line.width(), 6);
    }
}

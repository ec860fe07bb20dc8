//! The popup form engine: one [`FormState`] per [`FormRequest`], a pure state machine driven
//! by [`Key`]s (the dashboard plugin and the host's terminal fallback each map their own key
//! type to it) and drawn by [`render`].
//!
//! Key bindings:
//!
//! | key | effect |
//! |---|---|
//! | Tab / Shift-Tab ([`Key::BackTab`]) | next / previous field; the last stop is the `[ Submit ]` (or `[ Next ]`) button; wraps around. Shift-Tab on the first field of a wizard step goes back to the previous step, values kept. |
//! | printable characters, Space | typed into a focused text, multi-line or number field (no letter is a shortcut there) |
//! | Space | toggles a checkbox, or the highlighted option of a multi-select; presses the button |
//! | Up / Down, Left / Right | choice: select the previous / next option; multi-select: move the highlight |
//! | Up / Down | number: minus / plus its step, clamped to min/max; multi-line: previous / next line |
//! | Left / Right / Home / End / Backspace / Delete | edit a text, multi-line or number field |
//! | Enter | multi-line: new line; last field or the button: submit the step (validate, then next step or submit); other fields: next field |
//! | [`Key::Paste`] | text inserted at the cursor (line breaks only in multi-line, control characters dropped) |
//! | Esc | asks `Cancel this form? Enter: yes, Esc: no`; Enter then cancels, Esc goes back |

mod editor;
mod view;

use std::collections::BTreeMap;

use exomonad_protocol::form::{Field, FieldKind, FieldValue, FormReply, FormRequest, Next};

pub use editor::{Editor, MAX_INPUT_CHARS};
pub use view::{CONFIRM_CANCEL, render};

/// A key, as the form understands it. Each front end maps its own key events to this.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Key {
    /// A printable character (including space); control characters are ignored.
    Char(char),
    /// Enter / Return.
    Enter,
    /// Tab.
    Tab,
    /// Shift-Tab.
    BackTab,
    /// Arrow up.
    Up,
    /// Arrow down.
    Down,
    /// Arrow left.
    Left,
    /// Arrow right.
    Right,
    /// Backspace.
    Backspace,
    /// Delete.
    Delete,
    /// Home.
    Home,
    /// End.
    End,
    /// Page up (not used by a form; the dashboard uses it to switch forms).
    PageUp,
    /// Page down (not used by a form; the dashboard uses it to switch forms).
    PageDown,
    /// Escape.
    Esc,
    /// Text pasted at once (bracketed paste).
    Paste(String),
}

/// What a key did to a form.
#[derive(Debug, Clone, PartialEq)]
pub enum FormEvent {
    /// The form changed; draw it again.
    Redraw,
    /// The key means nothing here; nothing changed.
    Ignored,
    /// The form is finished: [`FormReply::Submitted`] or [`FormReply::Cancelled`]. The state
    /// should be dropped; further keys are not meaningful.
    Done(FormReply),
}

/// Where the focus is on the current page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    /// The n-th field of the current page.
    Field(usize),
    /// The `[ Submit ]` / `[ Next ]` button after the fields.
    Button,
}

/// The live input of one field.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// A text or multi-line field.
    Text(Editor),
    /// A number field: the typed text and its bounds.
    Number {
        /// What is typed (parsed at submit).
        text: Editor,
        /// Smallest allowed value.
        min: Option<f64>,
        /// Largest allowed value.
        max: Option<f64>,
        /// Increment for Up/Down.
        step: f64,
    },
    /// One of N options.
    Choice {
        /// The options.
        options: Vec<String>,
        /// Index of the selected option.
        selected: usize,
    },
    /// Any of N options.
    MultiSelect {
        /// The options.
        options: Vec<String>,
        /// Which are checked, by option index.
        checked: Vec<bool>,
        /// The highlighted option.
        cursor: usize,
    },
    /// A yes/no box.
    Checkbox(bool),
}

/// One field of the form with its live input.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldState {
    /// The field as requested.
    pub field: Field,
    /// What the person has entered so far.
    pub input: Input,
}

/// A page of the form: the whole form, or one wizard step.
#[derive(Debug, Clone, PartialEq)]
struct Page {
    /// The step name (`None` for a single-page form).
    name: Option<String>,
    /// Heading under the title (wizard steps).
    title: Option<String>,
    /// Indices into [`FormState::fields`].
    fields: Vec<usize>,
    /// What follows.
    next: Next,
}

/// A validation failure on the current page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Index of the field in the whole form.
    pub field: usize,
    /// What is wrong, naming the field by its label.
    pub message: String,
}

/// One form being answered: the request, every field's input, the page and focus.
#[derive(Debug, Clone, PartialEq)]
pub struct FormState {
    request: FormRequest,
    fields: Vec<FieldState>,
    pages: Vec<Page>,
    page: usize,
    /// Pages visited before the current one, in order.
    history: Vec<usize>,
    focus: Focus,
    confirming_cancel: bool,
    error: Option<FieldError>,
}

impl FormState {
    /// A fresh state for `request`, which must already be valid
    /// ([`FormRequest::from_json`] / [`FormRequest::validate`]). Defaults are filled in; the
    /// focus is on the first field of the first page.
    pub fn new(request: FormRequest) -> Self {
        let mut fields = Vec::new();
        let mut pages = Vec::new();
        if request.steps.is_empty() {
            pages.push(Page {
                name: None,
                title: None,
                fields: (0..request.fields.len()).collect(),
                next: Next::Submit,
            });
            fields.extend(request.fields.iter().map(field_state));
        } else {
            for step in &request.steps {
                let start = fields.len();
                fields.extend(step.fields.iter().map(field_state));
                pages.push(Page {
                    name: Some(step.name.clone()),
                    title: step.title.clone(),
                    fields: (start..fields.len()).collect(),
                    next: step.next.clone(),
                });
            }
        }
        let focus = first_focus(&pages[0]);
        Self {
            request,
            fields,
            pages,
            page: 0,
            history: Vec::new(),
            focus,
            confirming_cancel: false,
            error: None,
        }
    }

    /// The request this form answers.
    pub fn request(&self) -> &FormRequest {
        &self.request
    }

    /// The request id.
    pub fn id(&self) -> &str {
        &self.request.id
    }

    /// Every field with its input, across all steps, in request order.
    pub fn fields(&self) -> &[FieldState] {
        &self.fields
    }

    /// The fields of the current page.
    pub fn page_fields(&self) -> impl Iterator<Item = &FieldState> {
        self.pages[self.page]
            .fields
            .iter()
            .map(|&i| &self.fields[i])
    }

    /// Where the focus is.
    pub fn focus(&self) -> Focus {
        self.focus
    }

    /// The name of the focused field (`None` on the button).
    pub fn focused_name(&self) -> Option<&str> {
        match self.focus {
            Focus::Field(i) => Some(
                self.fields[self.pages[self.page].fields[i]]
                    .field
                    .name
                    .as_str(),
            ),
            Focus::Button => None,
        }
    }

    /// Whether the cancel confirmation is showing.
    pub fn is_confirming_cancel(&self) -> bool {
        self.confirming_cancel
    }

    /// The validation error shown, if any.
    pub fn error(&self) -> Option<&FieldError> {
        self.error.as_ref()
    }

    /// For a wizard, the current step's name.
    pub fn step(&self) -> Option<&str> {
        self.pages[self.page].name.as_deref()
    }

    /// For a wizard, the current step's heading (its title, or its name).
    pub fn step_title(&self) -> Option<&str> {
        let page = &self.pages[self.page];
        page.title.as_deref().or(page.name.as_deref())
    }

    /// For a wizard, the 1-based number of the current step in the path taken so far.
    pub fn step_number(&self) -> usize {
        self.history.len() + 1
    }

    /// Whether the form is a wizard.
    pub fn is_wizard(&self) -> bool {
        self.pages[0].name.is_some()
    }

    /// Whether the current page's button goes to another step (`[ Next ]`) rather than
    /// submitting (`[ Submit ]`), given the current values.
    pub fn button_goes_on(&self) -> bool {
        self.next_page().is_some()
    }

    /// Whether the current page is not the first visited (Shift-Tab on the first field goes
    /// back).
    pub fn can_go_back(&self) -> bool {
        !self.history.is_empty()
    }

    /// The value a field would have in the reply now (`None`: omitted, or not valid yet).
    pub fn value(&self, name: &str) -> Option<FieldValue> {
        self.fields
            .iter()
            .find(|f| f.field.name == name)
            .and_then(value_of)
    }

    /// Handles one key; see the module docs for the bindings.
    pub fn handle(&mut self, key: Key) -> FormEvent {
        if self.confirming_cancel {
            return match key {
                Key::Enter => FormEvent::Done(FormReply::Cancelled {
                    id: self.request.id.clone(),
                }),
                Key::Esc => {
                    self.confirming_cancel = false;
                    FormEvent::Redraw
                }
                _ => FormEvent::Ignored,
            };
        }
        match key {
            Key::Esc => {
                self.confirming_cancel = true;
                FormEvent::Redraw
            }
            Key::Tab => self.move_focus(true),
            Key::BackTab => {
                if self.focus == first_focus(&self.pages[self.page]) && self.can_go_back() {
                    self.back()
                } else {
                    self.move_focus(false)
                }
            }
            Key::Enter => self.enter(),
            Key::PageUp | Key::PageDown => FormEvent::Ignored,
            key => self.edit(key),
        }
    }

    fn page_len(&self) -> usize {
        self.pages[self.page].fields.len()
    }

    /// Tab order: fields 0..n, then the button; wraps.
    fn move_focus(&mut self, forward: bool) -> FormEvent {
        let n = self.page_len();
        let pos = match self.focus {
            Focus::Field(i) => i,
            Focus::Button => n,
        };
        let stops = n + 1;
        let next = if forward {
            (pos + 1) % stops
        } else {
            (pos + stops - 1) % stops
        };
        self.focus = if next == n {
            Focus::Button
        } else {
            Focus::Field(next)
        };
        FormEvent::Redraw
    }

    fn back(&mut self) -> FormEvent {
        let Some(prev) = self.history.pop() else {
            return FormEvent::Ignored;
        };
        self.page = prev;
        self.focus = Focus::Button;
        self.error = None;
        FormEvent::Redraw
    }

    fn enter(&mut self) -> FormEvent {
        let n = self.page_len();
        match self.focus {
            Focus::Button => self.advance(),
            Focus::Field(i) => {
                let idx = self.pages[self.page].fields[i];
                if let Input::Text(e) = &mut self.fields[idx].input
                    && e.is_multiline()
                {
                    let changed = e.insert('\n');
                    return self.edited(idx, changed);
                }
                if i + 1 >= n {
                    self.advance()
                } else {
                    self.focus = Focus::Field(i + 1);
                    FormEvent::Redraw
                }
            }
        }
    }

    /// The page after this one by its `next` and the current values; `None` submits.
    fn next_page(&self) -> Option<usize> {
        let target = match &self.pages[self.page].next {
            Next::Submit => return None,
            Next::Step { step } => step.as_str(),
            Next::ByChoice { field, cases } => {
                let value = self.pages[self.page]
                    .fields
                    .iter()
                    .map(|&i| &self.fields[i])
                    .find(|f| &f.field.name == field)
                    .and_then(value_of);
                match value {
                    Some(FieldValue::Text(v)) => cases.get(&v)?.as_str(),
                    _ => return None,
                }
            }
        };
        self.pages
            .iter()
            .position(|p| p.name.as_deref() == Some(target))
    }

    /// Validates the page, then goes to the next step or submits.
    fn advance(&mut self) -> FormEvent {
        let page = &self.pages[self.page];
        for (pos, &idx) in page.fields.iter().enumerate() {
            if let Some(message) = problem(&self.fields[idx]) {
                self.focus = Focus::Field(pos);
                self.error = Some(FieldError {
                    field: idx,
                    message,
                });
                return FormEvent::Redraw;
            }
        }
        self.error = None;
        match self.next_page() {
            Some(next) => {
                self.history.push(self.page);
                self.page = next;
                self.focus = first_focus(&self.pages[next]);
                FormEvent::Redraw
            }
            None => FormEvent::Done(self.reply()),
        }
    }

    /// The submitted reply: values of the fields on the visited pages, and the step names.
    fn reply(&self) -> FormReply {
        let mut values = BTreeMap::new();
        let mut steps = Vec::new();
        for &p in self.history.iter().chain(std::iter::once(&self.page)) {
            let page = &self.pages[p];
            if let Some(name) = &page.name {
                steps.push(name.clone());
            }
            for &i in &page.fields {
                if let Some(v) = value_of(&self.fields[i]) {
                    values.insert(self.fields[i].field.name.clone(), v);
                }
            }
        }
        FormReply::Submitted {
            id: self.request.id.clone(),
            values,
            steps,
        }
    }

    /// Any other key, applied to the focused field (or the button).
    fn edit(&mut self, key: Key) -> FormEvent {
        let i = match self.focus {
            Focus::Button => {
                return match key {
                    Key::Char(' ') => self.advance(),
                    _ => FormEvent::Ignored,
                };
            }
            Focus::Field(i) => i,
        };
        let idx = self.pages[self.page].fields[i];
        let changed = match &mut self.fields[idx].input {
            Input::Text(e) => edit_text(e, key),
            Input::Number {
                text,
                min,
                max,
                step,
            } => match key {
                Key::Up | Key::Down => {
                    let sign = if key == Key::Up { 1.0 } else { -1.0 };
                    step_number(text, *min, *max, *step, sign)
                }
                key => edit_text(text, key),
            },
            Input::Choice { options, selected } => match key {
                Key::Up | Key::Left if *selected > 0 => {
                    *selected -= 1;
                    Some(true)
                }
                Key::Down | Key::Right if *selected + 1 < options.len() => {
                    *selected += 1;
                    Some(true)
                }
                Key::Up | Key::Left | Key::Down | Key::Right => Some(false),
                _ => None,
            },
            Input::MultiSelect {
                options,
                checked,
                cursor,
            } => match key {
                Key::Up | Key::Left if *cursor > 0 => {
                    *cursor -= 1;
                    Some(true)
                }
                Key::Down | Key::Right if *cursor + 1 < options.len() => {
                    *cursor += 1;
                    Some(true)
                }
                Key::Up | Key::Left | Key::Down | Key::Right => Some(false),
                Key::Char(' ') => {
                    checked[*cursor] = !checked[*cursor];
                    Some(true)
                }
                _ => None,
            },
            Input::Checkbox(on) => match key {
                Key::Char(' ') => {
                    *on = !*on;
                    Some(true)
                }
                _ => None,
            },
        };
        match changed {
            Some(changed) => self.edited(idx, changed),
            None => FormEvent::Ignored,
        }
    }

    /// After a key was applied to field `idx`: a change clears that field's error.
    fn edited(&mut self, idx: usize, changed: bool) -> FormEvent {
        if !changed {
            return FormEvent::Ignored;
        }
        if self.error.as_ref().is_some_and(|e| e.field == idx) {
            self.error = None;
        }
        FormEvent::Redraw
    }
}

/// Text editing keys. `None`: the key does not apply; `Some(changed)`.
fn edit_text(e: &mut Editor, key: Key) -> Option<bool> {
    Some(match key {
        Key::Char(c) => e.insert(c),
        Key::Paste(s) => e.insert_str(&s),
        Key::Backspace => e.backspace(),
        Key::Delete => e.delete(),
        Key::Left => e.left(),
        Key::Right => e.right(),
        Key::Home => e.home(),
        Key::End => e.end(),
        Key::Up if e.is_multiline() => e.up(),
        Key::Down if e.is_multiline() => e.down(),
        _ => return None,
    })
}

/// Up/Down on a number: from the typed value (or min, or 0 when nothing valid is typed),
/// plus or minus `step`, clamped, written with as many decimals as the step has.
fn step_number(
    text: &mut Editor,
    min: Option<f64>,
    max: Option<f64>,
    step: f64,
    sign: f64,
) -> Option<bool> {
    let current = parse_number(&text.text());
    let base = current.unwrap_or_else(|| min.unwrap_or(0.0));
    let mut v = if current.is_some() {
        base + sign * step
    } else {
        base
    };
    if let Some(lo) = min {
        v = v.max(lo);
    }
    if let Some(hi) = max {
        v = v.min(hi);
    }
    let formatted = format_number(v, decimals(step));
    let changed = formatted != text.text();
    text.set(&formatted);
    Some(changed)
}

/// Decimals in the shortest form of `step` (at most 10).
fn decimals(step: f64) -> usize {
    let s = step.to_string();
    s.split_once('.').map_or(0, |(_, d)| d.len().min(10))
}

/// `v` with `decimals` decimals, trailing zeros (and a bare dot) removed.
fn format_number(v: f64, decimals: usize) -> String {
    let s = format!("{v:.decimals$}");
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    };
    if s == "-0" { "0".to_owned() } else { s }
}

/// A finite number, surrounding spaces allowed.
fn parse_number(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Writes a default number the way the form shows it.
fn default_number(v: f64) -> String {
    let s = v.to_string();
    if s == "-0" { "0".to_owned() } else { s }
}

fn first_focus(page: &Page) -> Focus {
    if page.fields.is_empty() {
        Focus::Button
    } else {
        Focus::Field(0)
    }
}

/// The initial input of a field, from its default.
fn field_state(field: &Field) -> FieldState {
    let input = match &field.kind {
        FieldKind::Text { default } => {
            Input::Text(Editor::new(default.as_deref().unwrap_or(""), false))
        }
        FieldKind::Multiline { default } => {
            Input::Text(Editor::new(default.as_deref().unwrap_or(""), true))
        }
        FieldKind::Choice { options, default } => Input::Choice {
            options: options.clone(),
            selected: default
                .as_ref()
                .and_then(|d| options.iter().position(|o| o == d))
                .unwrap_or(0),
        },
        FieldKind::MultiSelect { options, default } => Input::MultiSelect {
            options: options.clone(),
            checked: options.iter().map(|o| default.contains(o)).collect(),
            cursor: 0,
        },
        FieldKind::Checkbox { default } => Input::Checkbox(*default),
        FieldKind::Number {
            min,
            max,
            step,
            default,
        } => Input::Number {
            text: Editor::new(&default.map(default_number).unwrap_or_default(), false),
            min: *min,
            max: *max,
            step: step.filter(|s| s.is_finite() && *s > 0.0).unwrap_or(1.0),
        },
    };
    FieldState {
        field: field.clone(),
        input,
    }
}

/// The reply value of a field: `None` when it is left empty (or a number does not parse).
fn value_of(f: &FieldState) -> Option<FieldValue> {
    match &f.input {
        Input::Text(e) => {
            let t = e.text();
            (!t.is_empty()).then_some(FieldValue::Text(t))
        }
        Input::Number { text, .. } => parse_number(&text.text()).map(FieldValue::Number),
        Input::Choice { options, selected } => {
            options.get(*selected).cloned().map(FieldValue::Text)
        }
        Input::MultiSelect {
            options, checked, ..
        } => {
            let list: Vec<String> = options
                .iter()
                .zip(checked)
                .filter(|(_, on)| **on)
                .map(|(o, _)| o.clone())
                .collect();
            (!list.is_empty()).then_some(FieldValue::List(list))
        }
        Input::Checkbox(on) => Some(FieldValue::Bool(*on)),
    }
}

/// Why a field cannot be submitted as it is, naming it by its label.
fn problem(f: &FieldState) -> Option<String> {
    let label = crate::text::clean(&f.field.label, 60);
    let required = f.field.required;
    match &f.input {
        Input::Text(e) if required && e.text().trim().is_empty() => {
            Some(format!("{label}: required"))
        }
        Input::MultiSelect { checked, .. } if required && !checked.contains(&true) => {
            Some(format!("{label}: choose at least one option"))
        }
        Input::Number { text, min, max, .. } => {
            let t = text.text();
            if t.trim().is_empty() {
                return required.then(|| format!("{label}: required"));
            }
            let Some(v) = parse_number(&t) else {
                return Some(format!("{label}: not a number"));
            };
            match (min, max) {
                (Some(lo), Some(hi)) if v < *lo || v > *hi => {
                    Some(format!("{label}: must be between {lo} and {hi}"))
                }
                (Some(lo), _) if v < *lo => Some(format!("{label}: must be at least {lo}")),
                (_, Some(hi)) if v > *hi => Some(format!("{label}: must be at most {hi}")),
                _ => None,
            }
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests;

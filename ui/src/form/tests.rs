use std::collections::BTreeMap;

use exomonad_protocol::form::{FieldValue, FormReply, FormRequest};
use serde_json::{Value, json};

use super::*;
use crate::frame::Style;

fn form(fields: Value) -> FormState {
    FormState::new(
        FormRequest::from_json(
            &json!({"id": "f1", "title": "Deploy?", "agent_id": "alpha", "fields": fields})
                .to_string(),
        )
        .unwrap(),
    )
}

fn wizard() -> FormState {
    FormState::new(
        FormRequest::from_json(
            &json!({"id": "w1", "title": "Report", "agent_id": "alpha", "steps": [
                {"name": "start", "title": "What kind?", "fields": [
                    {"name": "kind", "label": "Kind", "kind": "choice", "options": ["bug", "feature", "other"]},
                    {"name": "summary", "label": "Summary", "kind": "text", "required": true}],
                 "next": {"kind": "by_choice", "field": "kind", "cases": {"bug": "bug", "feature": "feature"}}},
                {"name": "bug", "fields": [{"name": "repro", "label": "Repro", "kind": "multiline", "required": true}],
                 "next": {"kind": "step", "step": "confirm"}},
                {"name": "feature", "fields": [{"name": "why", "label": "Why", "kind": "text"}]},
                {"name": "confirm", "fields": [{"name": "sure", "label": "Sure", "kind": "checkbox"}]},
            ]})
            .to_string(),
        )
        .unwrap(),
    )
}

fn press(f: &mut FormState, keys: &[Key]) -> FormEvent {
    let mut last = FormEvent::Ignored;
    for k in keys {
        last = f.handle(k.clone());
    }
    last
}

fn type_str(f: &mut FormState, s: &str) {
    for c in s.chars() {
        assert_eq!(f.handle(Key::Char(c)), FormEvent::Redraw, "typing {c:?}");
    }
}

fn submitted(ev: FormEvent) -> (BTreeMap<String, FieldValue>, Vec<String>) {
    match ev {
        FormEvent::Done(FormReply::Submitted { values, steps, .. }) => (values, steps),
        other => panic!("not submitted: {other:?}"),
    }
}

fn text(s: &str) -> FieldValue {
    FieldValue::Text(s.into())
}

fn screen(f: &FormState, rows: usize, cols: usize) -> String {
    render(f, rows, cols).to_plain_text()
}

fn all_kinds() -> FormState {
    let mut f = form(json!([
        {"name": "env", "label": "Environment", "kind": "choice", "options": ["staging", "prod"], "required": true},
        {"name": "reason", "label": "Reason", "kind": "text", "required": true},
        {"name": "notes", "label": "Notes", "kind": "multiline"},
        {"name": "parts", "label": "Components", "kind": "multi_select", "options": ["api", "web", "db"], "default": ["api"]},
        {"name": "notify", "label": "Notify the team", "kind": "checkbox", "default": true},
        {"name": "replicas", "label": "Replicas", "kind": "number", "min": 1, "max": 10, "default": 3}
    ]));
    f.request.body = Some("Pick where it goes\nand say why.".into());
    f
}

// ---- focus movement -------------------------------------------------------------------------

#[test]
fn tab_and_backtab_cycle_through_fields_and_the_button() {
    let mut f = all_kinds();
    assert_eq!(f.focus(), Focus::Field(0));
    let mut seen = vec![f.focused_name().map(str::to_owned)];
    for _ in 0..6 {
        assert_eq!(f.handle(Key::Tab), FormEvent::Redraw);
        seen.push(f.focused_name().map(str::to_owned));
    }
    let seen: Vec<Option<&str>> = seen.iter().map(|s| s.as_deref()).collect();
    assert_eq!(
        seen,
        [
            Some("env"),
            Some("reason"),
            Some("notes"),
            Some("parts"),
            Some("notify"),
            Some("replicas"),
            None
        ]
    );
    assert_eq!(f.focus(), Focus::Button);
    f.handle(Key::Tab);
    assert_eq!(f.focus(), Focus::Field(0), "Tab wraps");
    f.handle(Key::BackTab);
    assert_eq!(f.focus(), Focus::Button, "Shift-Tab wraps");
    f.handle(Key::BackTab);
    assert_eq!(f.focused_name(), Some("replicas"));
}

#[test]
fn enter_moves_to_the_next_field_and_submits_on_the_last() {
    let mut f = form(json!([
        {"name": "a", "label": "A", "kind": "text"},
        {"name": "b", "label": "B", "kind": "text"}
    ]));
    assert_eq!(f.handle(Key::Enter), FormEvent::Redraw);
    assert_eq!(f.focused_name(), Some("b"));
    type_str(&mut f, "x");
    let (values, steps) = submitted(f.handle(Key::Enter));
    assert_eq!(
        values,
        BTreeMap::from([("b".into(), text("x"))]),
        "empty optional text omitted"
    );
    assert!(steps.is_empty());
}

#[test]
fn enter_and_space_on_the_button_submit() {
    let mut f = form(json!([{"name": "a", "label": "A", "kind": "checkbox"}]));
    f.handle(Key::Tab);
    assert_eq!(f.focus(), Focus::Button);
    assert!(matches!(f.clone().handle(Key::Enter), FormEvent::Done(_)));
    assert!(matches!(f.handle(Key::Char(' ')), FormEvent::Done(_)));
}

#[test]
fn letters_on_the_button_or_a_choice_do_nothing() {
    let mut f = form(json!([{"name": "c", "label": "C", "kind": "choice", "options": ["a", "b"]}]));
    for c in ['j', 'k', 'q', 'x', ' '] {
        assert_eq!(f.handle(Key::Char(c)), FormEvent::Ignored);
    }
    f.handle(Key::Tab);
    assert_eq!(f.handle(Key::Char('q')), FormEvent::Ignored);
    assert_eq!(f.handle(Key::PageDown), FormEvent::Ignored);
    assert_eq!(f.handle(Key::Up), FormEvent::Ignored);
}

// ---- text ----------------------------------------------------------------------------------

#[test]
fn every_printable_character_goes_into_a_text_field() {
    let mut f = form(json!([{"name": "t", "label": "T", "kind": "text"}]));
    let typed = "jk q\"x' é 日本 🙂 hjkl:wq Tab";
    type_str(&mut f, typed);
    assert_eq!(f.value("t"), Some(text(typed)));
    let (values, _) = submitted(f.handle(Key::Enter));
    assert_eq!(values["t"], text(typed));
}

#[test]
fn control_characters_are_refused() {
    let mut f = form(json!([{"name": "t", "label": "T", "kind": "text"}]));
    for c in ['\u{1b}', '\u{7}', '\u{7f}', '\u{202e}', '\n', '\t'] {
        assert_eq!(f.handle(Key::Char(c)), FormEvent::Ignored, "{c:?}");
    }
    assert_eq!(f.value("t"), None);
}

#[test]
fn text_editing_keys() {
    let mut f = form(json!([{"name": "t", "label": "T", "kind": "text", "default": "hello"}]));
    assert_eq!(
        f.handle(Key::Right),
        FormEvent::Ignored,
        "cursor starts at the end"
    );
    press(&mut f, &[Key::Left, Key::Left, Key::Backspace]);
    assert_eq!(f.value("t"), Some(text("helo")));
    press(&mut f, &[Key::Delete]);
    assert_eq!(f.value("t"), Some(text("heo")));
    press(&mut f, &[Key::Home, Key::Char('>')]);
    assert_eq!(f.value("t"), Some(text(">heo")));
    assert_eq!(f.handle(Key::Home), FormEvent::Redraw);
    assert_eq!(f.handle(Key::Home), FormEvent::Ignored);
    assert_eq!(f.handle(Key::Backspace), FormEvent::Ignored);
    press(&mut f, &[Key::End, Key::Char('<')]);
    assert_eq!(f.value("t"), Some(text(">heo<")));
    assert_eq!(f.handle(Key::Delete), FormEvent::Ignored);
    assert_eq!(
        f.handle(Key::Up),
        FormEvent::Ignored,
        "single line: Up does nothing"
    );
    press(
        &mut f,
        &[
            Key::Left,
            Key::Left,
            Key::Left,
            Key::Char('日'),
            Key::Backspace,
            Key::Char('é'),
        ],
    );
    assert_eq!(f.value("t"), Some(text(">héeo<")));
}

#[test]
fn paste_inserts_cleaned_text() {
    let mut f = form(json!([
        {"name": "t", "label": "T", "kind": "text", "default": "ab"},
        {"name": "m", "label": "M", "kind": "multiline"},
        {"name": "c", "label": "C", "kind": "checkbox"}
    ]));
    f.handle(Key::Left);
    assert_eq!(
        f.handle(Key::Paste("x\ny\u{1b}[0m\tz".into())),
        FormEvent::Redraw
    );
    assert_eq!(f.value("t"), Some(text("ax y[0m zb")));
    f.handle(Key::Tab);
    f.handle(Key::Paste("line 1\r\nline 2\rline 3\u{7}".into()));
    assert_eq!(f.value("m"), Some(text("line 1\nline 2\nline 3")));
    f.handle(Key::Tab);
    assert_eq!(f.handle(Key::Paste("x".into())), FormEvent::Ignored);
    assert_eq!(f.handle(Key::Paste("\u{1b}".into())), FormEvent::Ignored);
}

#[test]
fn multiline_enter_inserts_a_newline_and_arrows_move_between_lines() {
    let mut f = form(json!([
        {"name": "m", "label": "M", "kind": "multiline"},
        {"name": "t", "label": "T", "kind": "text"}
    ]));
    type_str(&mut f, "first");
    assert_eq!(f.handle(Key::Enter), FormEvent::Redraw);
    type_str(&mut f, "2nd");
    assert_eq!(f.focused_name(), Some("m"));
    press(&mut f, &[Key::Up, Key::Char('!')]);
    assert_eq!(f.value("m"), Some(text("fir!st\n2nd")));
    assert_eq!(f.handle(Key::Up), FormEvent::Ignored);
    press(&mut f, &[Key::End, Key::Down, Key::Char('?')]);
    assert_eq!(
        f.value("m"),
        Some(text("fir!st\n2nd?")),
        "column clamped to the shorter line"
    );
    assert_eq!(f.handle(Key::Down), FormEvent::Ignored);
    press(&mut f, &[Key::Home, Key::Backspace]);
    assert_eq!(f.value("m"), Some(text("fir!st2nd?")));
    f.handle(Key::Tab);
    assert_eq!(f.focused_name(), Some("t"));
}

#[test]
fn input_is_bounded() {
    let mut f = form(json!([{"name": "t", "label": "T", "kind": "text"}]));
    f.handle(Key::Paste("x".repeat(MAX_INPUT_CHARS + 10)));
    assert_eq!(
        f.fields()[0].input,
        Input::Text(Editor::new(&"x".repeat(MAX_INPUT_CHARS), false))
    );
    assert_eq!(f.handle(Key::Char('y')), FormEvent::Ignored);
}

// ---- choices, multi-select, checkbox, number ------------------------------------------------

#[test]
fn arrows_move_a_choice_and_stop_at_the_ends() {
    let mut f = form(
        json!([{"name": "c", "label": "C", "kind": "choice", "options": ["a", "b", "c"], "default": "b"}]),
    );
    assert_eq!(f.value("c"), Some(text("b")));
    assert_eq!(f.handle(Key::Down), FormEvent::Redraw);
    assert_eq!(f.value("c"), Some(text("c")));
    assert_eq!(f.handle(Key::Right), FormEvent::Ignored);
    press(&mut f, &[Key::Up, Key::Left]);
    assert_eq!(f.value("c"), Some(text("a")));
    assert_eq!(f.handle(Key::Up), FormEvent::Ignored);
    f.handle(Key::Right);
    let (values, _) = submitted(f.handle(Key::Enter));
    assert_eq!(values["c"], text("b"));
}

#[test]
fn multi_select_moves_and_toggles_with_space() {
    let mut f = form(
        json!([{"name": "m", "label": "M", "kind": "multi_select", "options": ["a", "b", "c"], "default": ["c"]}]),
    );
    assert_eq!(f.handle(Key::Char(' ')), FormEvent::Redraw);
    press(&mut f, &[Key::Down, Key::Down, Key::Char(' ')]);
    assert_eq!(f.value("m"), Some(FieldValue::List(vec!["a".into()])));
    assert_eq!(f.handle(Key::Down), FormEvent::Ignored);
    press(&mut f, &[Key::Left, Key::Char(' ')]);
    assert_eq!(
        f.value("m"),
        Some(FieldValue::List(vec!["a".into(), "b".into()])),
        "options keep their order"
    );
    press(&mut f, &[Key::Up, Key::Char(' ')]);
    assert_eq!(f.handle(Key::Up), FormEvent::Ignored);
    assert_eq!(f.handle(Key::Char('x')), FormEvent::Ignored);
    let (values, _) = submitted(f.handle(Key::Enter));
    assert_eq!(values["m"], FieldValue::List(vec!["b".into()]));
}

#[test]
fn checkbox_toggles_with_space_only() {
    let mut f = form(json!([{"name": "c", "label": "C", "kind": "checkbox"}]));
    assert_eq!(f.value("c"), Some(FieldValue::Bool(false)));
    assert_eq!(f.handle(Key::Char('x')), FormEvent::Ignored);
    assert_eq!(f.handle(Key::Char(' ')), FormEvent::Redraw);
    assert_eq!(f.value("c"), Some(FieldValue::Bool(true)));
    let (values, _) = submitted(f.handle(Key::Enter));
    assert_eq!(values["c"], FieldValue::Bool(true));
}

#[test]
fn number_steps_and_clamps() {
    let mut f = form(
        json!([{"name": "n", "label": "N", "kind": "number", "min": 0, "max": 2, "step": 0.5, "default": 1}]),
    );
    assert_eq!(f.value("n"), Some(FieldValue::Number(1.0)));
    press(&mut f, &[Key::Up, Key::Up]);
    assert_eq!(f.value("n"), Some(FieldValue::Number(2.0)));
    assert_eq!(f.handle(Key::Up), FormEvent::Ignored, "clamped at max");
    for _ in 0..6 {
        f.handle(Key::Down);
    }
    assert_eq!(f.value("n"), Some(FieldValue::Number(0.0)));
    f.handle(Key::Up);
    assert_eq!(
        f.fields()[0].input,
        Input::Number {
            text: Editor::new("0.5", false),
            min: Some(0.0),
            max: Some(2.0),
            step: 0.5
        }
    );
}

#[test]
fn number_steps_without_floating_noise() {
    let mut f = form(json!([{"name": "n", "label": "N", "kind": "number", "step": 0.1}]));
    assert_eq!(f.value("n"), None);
    f.handle(Key::Up);
    assert_eq!(
        f.value("n"),
        Some(FieldValue::Number(0.0)),
        "empty starts at min or 0"
    );
    press(&mut f, &[Key::Up, Key::Up, Key::Up]);
    assert_eq!(f.value("n"), Some(FieldValue::Number(0.3)));
    for _ in 0..5 {
        f.handle(Key::Down);
    }
    assert_eq!(f.value("n"), Some(FieldValue::Number(-0.2)));
}

#[test]
fn number_is_typed_and_checked_at_submit() {
    let mut f =
        form(json!([{"name": "n", "label": "Count", "kind": "number", "min": 1, "max": 5}]));
    type_str(&mut f, "abc");
    assert_eq!(f.handle(Key::Enter), FormEvent::Redraw);
    assert_eq!(f.error().unwrap().message, "Count: not a number");
    press(&mut f, &[Key::Backspace, Key::Backspace, Key::Backspace]);
    assert!(
        f.error().is_none(),
        "editing the bad field clears its error"
    );
    type_str(&mut f, "9");
    f.handle(Key::Enter);
    assert_eq!(f.error().unwrap().message, "Count: must be between 1 and 5");
    f.handle(Key::Backspace);
    type_str(&mut f, " 4 ");
    let (values, _) = submitted(f.handle(Key::Enter));
    assert_eq!(values["n"], FieldValue::Number(4.0));
}

#[test]
fn number_bounds_messages() {
    for (bounds, typed, msg) in [
        (json!({"min": 1}), "0", "N: must be at least 1"),
        (json!({"max": 1}), "2", "N: must be at most 1"),
        (json!({}), "inf", "N: not a number"),
        (json!({}), "NaN", "N: not a number"),
    ] {
        let mut field = json!({"name": "n", "label": "N", "kind": "number"});
        field
            .as_object_mut()
            .unwrap()
            .extend(bounds.as_object().unwrap().clone());
        let mut f = form(json!([field]));
        type_str(&mut f, typed);
        f.handle(Key::Enter);
        assert_eq!(f.error().map(|e| e.message.as_str()), Some(msg));
    }
}

// ---- validation -----------------------------------------------------------------------------

#[test]
fn submit_checks_required_fields_and_focuses_the_first_bad_one() {
    let mut f = all_kinds();
    // The multi-select is not required; make a required one by hand.
    f.fields[3].field.required = true;
    press(&mut f, &[Key::Tab, Key::Tab, Key::Tab, Key::Char(' ')]); // untick "api"
    press(
        &mut f,
        &[Key::BackTab, Key::BackTab, Key::Char(' '), Key::Tab],
    ); // blank reason
    assert_eq!(f.value("parts"), None);
    f.focus = Focus::Button;
    assert_eq!(f.handle(Key::Enter), FormEvent::Redraw);
    assert_eq!(f.focused_name(), Some("reason"));
    assert_eq!(
        f.error().unwrap().message,
        "Reason: required",
        "whitespace is not an answer"
    );
    type_str(&mut f, "ok");
    assert!(f.error().is_none());
    f.focus = Focus::Button;
    f.handle(Key::Enter);
    assert_eq!(f.focused_name(), Some("parts"));
    assert_eq!(
        f.error().unwrap().message,
        "Components: choose at least one option"
    );
    f.handle(Key::Tab);
    assert!(f.error().is_some(), "moving away keeps the error");
    f.handle(Key::BackTab);
    f.handle(Key::Char(' '));
    f.focus = Focus::Button;
    let (values, _) = submitted(f.handle(Key::Enter));
    assert_eq!(
        values,
        BTreeMap::from([
            ("env".into(), text("staging")),
            ("reason".into(), text(" ok")),
            ("parts".into(), FieldValue::List(vec!["api".into()])),
            ("notify".into(), FieldValue::Bool(true)),
            ("replicas".into(), FieldValue::Number(3.0)),
        ])
    );
}

#[test]
fn reply_serializes_with_typed_values() {
    let mut f = form(json!([
        {"name": "t", "label": "T", "kind": "text"},
        {"name": "n", "label": "N", "kind": "number", "default": 2.5}
    ]));
    type_str(&mut f, "héllo \"q\"");
    f.handle(Key::Tab);
    let FormEvent::Done(reply) = f.handle(Key::Enter) else {
        panic!()
    };
    assert_eq!(
        serde_json::to_value(&reply).unwrap(),
        json!({"status": "submitted", "id": "f1", "values": {"t": "héllo \"q\"", "n": 2.5}})
    );
}

// ---- cancel ---------------------------------------------------------------------------------

#[test]
fn esc_asks_then_enter_cancels() {
    let mut f = form(json!([{"name": "t", "label": "T", "kind": "text"}]));
    type_str(&mut f, "draft");
    assert_eq!(f.handle(Key::Esc), FormEvent::Redraw);
    assert!(f.is_confirming_cancel());
    assert!(screen(&f, 10, 60).contains(CONFIRM_CANCEL));
    assert_eq!(
        f.handle(Key::Char('y')),
        FormEvent::Ignored,
        "only Enter or Esc answer"
    );
    assert_eq!(f.handle(Key::Tab), FormEvent::Ignored);
    assert_eq!(f.handle(Key::Esc), FormEvent::Redraw);
    assert!(!f.is_confirming_cancel());
    assert_eq!(f.value("t"), Some(text("draft")), "the form is untouched");
    f.handle(Key::Esc);
    assert_eq!(
        f.handle(Key::Enter),
        FormEvent::Done(FormReply::Cancelled { id: "f1".into() })
    );
}

// ---- wizard ---------------------------------------------------------------------------------

#[test]
fn wizard_follows_the_choice_and_lists_the_steps() {
    let mut f = wizard();
    assert_eq!(f.step(), Some("start"));
    assert!(f.button_goes_on(), "bug leads to the bug step");
    f.handle(Key::Tab);
    assert_eq!(f.handle(Key::Enter), FormEvent::Redraw);
    assert_eq!(f.error().unwrap().message, "Summary: required");
    assert_eq!(f.step(), Some("start"));
    type_str(&mut f, "crash on save");
    assert_eq!(f.handle(Key::Enter), FormEvent::Redraw);
    assert_eq!(f.step(), Some("bug"));
    assert_eq!(f.step_number(), 2);
    type_str(&mut f, "1. open\n");
    f.handle(Key::Enter);
    type_str(&mut f, "2. save");
    f.handle(Key::Tab);
    assert_eq!(f.handle(Key::Enter), FormEvent::Redraw);
    assert_eq!(f.step(), Some("confirm"));
    assert!(!f.button_goes_on());
    f.handle(Key::Char(' '));
    let (values, steps) = submitted(f.handle(Key::Enter));
    assert_eq!(steps, ["start", "bug", "confirm"]);
    assert_eq!(
        values,
        BTreeMap::from([
            ("kind".into(), text("bug")),
            ("summary".into(), text("crash on save")),
            ("repro".into(), text("1. open\n\n2. save")),
            ("sure".into(), FieldValue::Bool(true)),
        ])
    );
}

#[test]
fn wizard_back_keeps_values_and_forgets_steps_left() {
    let mut f = wizard();
    f.handle(Key::Down); // feature
    f.handle(Key::Tab);
    type_str(&mut f, "s");
    f.handle(Key::Enter);
    assert_eq!(f.step(), Some("feature"));
    type_str(&mut f, "because");
    assert_eq!(f.handle(Key::Home), FormEvent::Redraw);
    assert_eq!(
        f.handle(Key::BackTab),
        FormEvent::Redraw,
        "Shift-Tab on the first field goes back"
    );
    assert_eq!(f.step(), Some("start"));
    assert_eq!(f.focus(), Focus::Button);
    assert_eq!(f.value("summary"), Some(text("s")));
    assert_eq!(f.handle(Key::BackTab), FormEvent::Redraw);
    assert_eq!(f.focused_name(), Some("summary"));
    press(&mut f, &[Key::BackTab, Key::Down]); // other: no case → submit
    assert!(!f.button_goes_on());
    f.focus = Focus::Button;
    let (values, steps) = submitted(f.handle(Key::Enter));
    assert_eq!(steps, ["start"]);
    assert!(
        !values.contains_key("why"),
        "a step left by going back is not in the reply"
    );
    assert_eq!(values["kind"], text("other"));
}

#[test]
fn wizard_back_then_forward_keeps_the_later_values() {
    let mut f = wizard();
    f.handle(Key::Tab);
    type_str(&mut f, "s");
    f.handle(Key::Enter);
    type_str(&mut f, "steps");
    press(&mut f, &[Key::Home, Key::BackTab]);
    assert_eq!(f.step(), Some("start"));
    f.handle(Key::Enter);
    assert_eq!(f.step(), Some("bug"));
    assert_eq!(f.value("repro"), Some(text("steps")));
    assert_eq!(f.step_number(), 2);
}

#[test]
fn backtab_on_the_first_step_wraps() {
    let mut f = wizard();
    assert!(!f.can_go_back());
    f.handle(Key::BackTab);
    assert_eq!(f.focus(), Focus::Button);
}

// ---- rendering ------------------------------------------------------------------------------

fn assert_fits(f: &FormState, rows: usize, cols: usize) {
    let frame = render(f, rows, cols);
    assert!(
        frame.lines.len() <= rows,
        "{rows}x{cols}: {} lines",
        frame.lines.len()
    );
    for line in &frame.lines {
        assert!(
            line.width() <= cols,
            "{rows}x{cols}: {:?}",
            line.plain_text()
        );
        assert!(!line.plain_text().chars().any(crate::text::is_unsafe));
    }
}

#[test]
fn any_size_fits() {
    let mut forms = vec![all_kinds(), wizard()];
    let mut long = all_kinds();
    long.handle(Key::Tab);
    long.handle(Key::Paste("日本語🙂 ".repeat(50)));
    forms.push(long.clone());
    long.handle(Key::Esc);
    forms.push(long);
    let mut ml = all_kinds();
    press(&mut ml, &[Key::Tab, Key::Tab]);
    ml.handle(Key::Paste("a line\n".repeat(40)));
    forms.push(ml);
    for f in &forms {
        for rows in 0..14 {
            for cols in 0..30 {
                assert_fits(f, rows, cols);
            }
        }
        assert_fits(f, 50, 200);
    }
}

#[test]
fn the_focused_field_stays_visible_in_a_short_pane() {
    let mut f = all_kinds();
    for name in ["reason", "notes", "parts", "notify", "replicas"] {
        f.handle(Key::Tab);
        let s = screen(&f, 6, 40);
        assert!(s.contains("› "), "{name}: {s}");
        assert!(s.lines().next().unwrap().starts_with("Deploy?"));
    }
    f.handle(Key::Tab);
    assert!(screen(&f, 6, 40).contains("› [ Submit ]"));
}

#[test]
fn the_multiline_cursor_stays_visible() {
    let mut f = form(json!([{"name": "m", "label": "M", "kind": "multiline"}]));
    for i in 0..30 {
        type_str(&mut f, &format!("line {i}"));
        f.handle(Key::Enter);
    }
    type_str(&mut f, "last");
    let frame = render(&f, 8, 40);
    let cursor = frame
        .lines
        .iter()
        .position(|l| l.spans.iter().any(|s| s.style == Style::Cursor));
    assert!(cursor.is_some(), "{}", frame.to_plain_text());
    assert!(frame.to_plain_text().contains("last"));
}

#[test]
fn tiny_panes_keep_the_essential_line() {
    let mut f = all_kinds();
    assert_eq!(
        screen(&f, 1, 40),
        "    (•) staging\n",
        "the selected option"
    );
    f.handle(Key::Esc);
    assert_eq!(screen(&f, 1, 40), format!("{CONFIRM_CANCEL}\n"));
    assert_eq!(screen(&f, 0, 40), "");
    assert_eq!(screen(&f, 3, 0), "\n\n\n");
}

#[test]
fn long_single_line_text_scrolls_sideways_to_the_cursor() {
    let mut f = form(json!([{"name": "t", "label": "T", "kind": "text"}]));
    type_str(&mut f, "abcdefghijklmnopqrstuvwxyz");
    let s = screen(&f, 5, 14);
    assert!(s.contains("    rstuvwxyz▏\n"), "{s}");
    press(&mut f, &[Key::Home]);
    let s = screen(&f, 5, 14);
    assert!(s.contains("    abcdefghi…\n"), "{s}");
}

#[test]
fn cursor_is_drawn_on_the_focused_field_only() {
    let mut f = form(json!([
        {"name": "a", "label": "A", "kind": "text", "default": "xy"},
        {"name": "b", "label": "B", "kind": "text"}
    ]));
    f.handle(Key::Left);
    let frame = render(&f, 10, 40);
    let cursors: Vec<_> = frame
        .lines
        .iter()
        .flat_map(|l| &l.spans)
        .filter(|s| s.style == Style::Cursor)
        .map(|s| s.text.as_str())
        .collect();
    assert_eq!(cursors, ["y"]);
    assert!(frame.to_plain_text().contains("    (empty)"));
}

#[test]
fn snapshot_all_kinds() {
    insta::assert_snapshot!(screen(&all_kinds(), 24, 60));
}

#[test]
fn snapshot_error_and_focus_on_a_multi_select() {
    let mut f = all_kinds();
    f.fields[3].field.required = true;
    press(&mut f, &[Key::Tab]);
    type_str(&mut f, "rollback \"v2\" — ok");
    press(&mut f, &[Key::Tab, Key::Tab, Key::Char(' '), Key::Down]);
    f.focus = Focus::Button;
    f.handle(Key::Enter);
    insta::assert_snapshot!(screen(&f, 24, 60));
}

#[test]
fn snapshot_wizard_step_with_body_wrapped_narrow() {
    let mut f = wizard();
    f.request.body =
        Some("A long body that has to wrap at the pane's width,\nwith a kept line break.".into());
    f.handle(Key::Tab);
    type_str(&mut f, "crash");
    f.handle(Key::Enter);
    insta::assert_snapshot!(screen(&f, 12, 30));
}

#[test]
fn snapshot_confirm_cancel_small() {
    let mut f = all_kinds();
    f.handle(Key::Esc);
    insta::assert_snapshot!(screen(&f, 6, 40));
}

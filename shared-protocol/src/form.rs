//! Popup forms: what an agent (through the host) asks a person, and the reply it gets.
//!
//! A [`FormRequest`] travels to the dashboard as the payload of a `zellij pipe` message named
//! [`crate::names::POPUP_PIPE`]; the dashboard answers on that pipe's stdout with one
//! [`FormReply`] JSON line. A host that gives up (timeout) sends [`FormCancel`] on
//! [`crate::names::POPUP_CANCEL_PIPE`] so the dashboard drops the form.
//!
//! Request shape (fields are tagged by `kind`):
//!
//! ```json
//! {"id":"f1","title":"Deploy?","body":"Pick a target.","agent_id":"alpha",
//!  "fields":[{"name":"env","label":"Environment","kind":"choice",
//!             "options":["staging","prod"],"default":"staging"},
//!            {"name":"note","label":"Note","kind":"text","required":true}]}
//! ```
//!
//! A wizard lists `steps` instead of `fields`; each step has its own fields and says which
//! step comes next, possibly by the value of one of its choice fields.
//! [`FormRequest::validate`] rejects a request that makes no sense, naming the field.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::AgentId;

/// The identity of one ask of a form: the host gives every [`FormRequest`] it sends a fresh
/// one, and keeps it when it sends the same request again because Zellij released the pipe
/// before an answer came through. The dashboard answers a request from an earlier answer only
/// when agent, form id *and* this identity are the same, so a re-ask is recognised and a new
/// ask of a form with a reused id (the README's `exomonad popup` example run twice) is shown
/// to the person again. Opaque to the dashboard: 1 to 64 ASCII letters, digits, `-` or `_`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AskId(String);

impl AskId {
    /// The longest identity, in bytes.
    pub const MAX_LEN: usize = 64;

    /// Checks the shape (see the type's docs).
    ///
    /// # Errors
    /// A message saying what is wrong.
    pub fn new(s: impl Into<String>) -> Result<Self, String> {
        let s = s.into();
        let ok = (1..=Self::MAX_LEN).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if ok {
            Ok(Self(s))
        } else {
            Err(format!(
                "ask {s:?} is not 1 to {} ASCII letters, digits, '-' or '_'",
                Self::MAX_LEN
            ))
        }
    }

    /// The identity as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for AskId {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Self::new(s)
    }
}

impl From<AskId> for String {
    fn from(a: AskId) -> String {
        a.0
    }
}

impl std::fmt::Display for AskId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A form to show to a person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FormRequest {
    /// Unique per asker; the reply carries it back. Same shape rules as an [`AgentId`].
    pub id: String,
    /// One line shown above the form.
    pub title: String,
    /// Optional text shown under the title, wrapped to the pane (plain text; line breaks kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// The agent asking.
    pub agent_id: AgentId,
    /// The fields, for a single-page form. Empty when `steps` is used.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<Field>,
    /// The steps of a wizard, first step first. Empty for a single-page form.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<Step>,
    /// This ask's identity, set by the host when it sends the form (see [`AskId`]); a value
    /// given by the asker is replaced. `None`: the form is never answered from an earlier
    /// answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ask: Option<AskId>,
}

/// One step of a wizard.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// Unique within the form; reported in [`FormReply::Submitted::steps`].
    pub name: String,
    /// Shown as the step's heading; defaults to the name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The step's fields. Field names are unique across the whole form.
    pub fields: Vec<Field>,
    /// What comes after this step. Default: submit.
    #[serde(default)]
    pub next: Next,
}

/// What follows a wizard step.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Next {
    /// The form is submitted.
    #[default]
    Submit,
    /// Go to the named step.
    Step {
        /// The step's name.
        step: String,
    },
    /// Go to a step chosen by the value of a choice field of this step.
    ByChoice {
        /// The choice field (of this step) whose value decides.
        field: String,
        /// Choice value → step name. A value not listed submits the form.
        cases: BTreeMap<String, String>,
    },
}

/// One input of a form.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Field {
    /// Key of the value in the reply; unique in the form; ASCII letters, digits, `_`, `-`.
    pub name: String,
    /// Shown next to the input.
    pub label: String,
    /// A submitted form always has a value for it (non-empty text, at least one selection).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub required: bool,
    /// What kind of input, with its own settings.
    #[serde(flatten)]
    pub kind: FieldKind,
}

/// The kinds of input, tagged by `kind` in snake_case.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FieldKind {
    /// One line of text.
    Text {
        /// Initial value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        default: Option<String>,
    },
    /// Several lines of text.
    Multiline {
        /// Initial value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        default: Option<String>,
    },
    /// One of N options.
    Choice {
        /// The options' values, in order (at least one, no duplicates).
        options: Vec<String>,
        /// The initially selected option (must be one of them). Default: the first.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        default: Option<String>,
    },
    /// Any number of N options.
    MultiSelect {
        /// The options' values, in order (at least one, no duplicates).
        options: Vec<String>,
        /// Initially selected options (each must be one of them).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        default: Vec<String>,
    },
    /// A yes/no box.
    Checkbox {
        /// Initially checked.
        #[serde(default)]
        default: bool,
    },
    /// A number within bounds, changed by `step` with the arrow keys or typed.
    Number {
        /// Smallest allowed value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        /// Largest allowed value.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
        /// Increment for the arrow keys; positive. Default 1.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step: Option<f64>,
        /// Initial value, within `min..=max`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        default: Option<f64>,
    },
}

/// A typed value in a submitted reply. JSON: a string, a number, a boolean, or a list of
/// strings, by the field's kind (text/multiline/choice → string, number → number,
/// checkbox → boolean, multi_select → list). An optional field left empty has no entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum FieldValue {
    /// checkbox
    Bool(bool),
    /// number
    Number(f64),
    /// text, multiline, choice
    Text(String),
    /// multi_select
    List(Vec<String>),
}

/// The answer to a form, tagged by `status`; always carries the request id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum FormReply {
    /// The person submitted the form.
    Submitted {
        /// The request id.
        id: String,
        /// Field name → value.
        values: BTreeMap<String, FieldValue>,
        /// For a wizard, the steps visited in order; empty for a single-page form.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        steps: Vec<String>,
    },
    /// The person cancelled the form (Esc, confirmed).
    Cancelled {
        /// The request id.
        id: String,
    },
    /// Nobody answered in time; the host gave up and the dashboard dropped the form.
    TimedOut {
        /// The request id.
        id: String,
    },
    /// The request could not be shown (malformed, invalid, or the id is already pending).
    Rejected {
        /// The request id, when the request had one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<String>,
        /// Why.
        error: String,
    },
}

impl FormReply {
    /// The request id the reply is for, if known.
    pub fn id(&self) -> Option<&str> {
        match self {
            FormReply::Submitted { id, .. }
            | FormReply::Cancelled { id }
            | FormReply::TimedOut { id } => Some(id),
            FormReply::Rejected { id, .. } => id.as_deref(),
        }
    }
}

/// Payload of [`crate::names::POPUP_CANCEL_PIPE`]: drop a pending form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormCancel {
    /// The request id.
    pub id: String,
    /// Why, for the dashboard's log (e.g. `timed out after 30s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Why a form request makes no sense. Every variant names the field (or step) at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    /// The id is not a short path-safe token.
    #[error("form id {0:?} must be 1-64 ASCII letters, digits, '-', '_' or '.'")]
    BadId(String),
    /// The title is empty.
    #[error("form {0:?} has an empty title")]
    EmptyTitle(String),
    /// Neither fields nor steps, or both.
    #[error("form {0:?} must have either `fields` or `steps` (not both, not neither)")]
    Shape(String),
    /// A field name is empty or holds other characters than ASCII letters, digits, `_`, `-`.
    #[error("field {0:?}: a name must be ASCII letters, digits, '_' or '-'")]
    BadFieldName(String),
    /// Two fields share a name.
    #[error("field {0:?} appears twice")]
    DuplicateField(String),
    /// A choice or multi-select has no options, or an option twice.
    #[error("field {field:?}: {problem}")]
    Options {
        /// The field.
        field: String,
        /// What is wrong.
        problem: String,
    },
    /// A default is not one of the options, or out of the number's bounds.
    #[error("field {field:?}: default {default} {problem}")]
    Default {
        /// The field.
        field: String,
        /// The default, as written.
        default: String,
        /// What is wrong.
        problem: String,
    },
    /// A number's bounds or step make no sense.
    #[error("field {field:?}: {problem}")]
    Number {
        /// The field.
        field: String,
        /// What is wrong.
        problem: String,
    },
    /// A step name is empty or repeated, or `next` names what does not exist.
    #[error("step {step:?}: {problem}")]
    Step {
        /// The step.
        step: String,
        /// What is wrong.
        problem: String,
    },
}

impl FormRequest {
    /// Parses and validates a request.
    ///
    /// # Errors
    /// A message naming what is wrong (JSON shape or [`FormError`]).
    pub fn from_json(text: &str) -> Result<Self, String> {
        let req: Self =
            serde_json::from_str(text).map_err(|e| format!("malformed form request: {e}"))?;
        req.validate().map_err(|e| e.to_string())?;
        Ok(req)
    }

    /// Every field, across steps for a wizard.
    pub fn all_fields(&self) -> impl Iterator<Item = &Field> {
        self.fields
            .iter()
            .chain(self.steps.iter().flat_map(|s| s.fields.iter()))
    }

    /// Checks that the request makes sense: see [`FormError`].
    ///
    /// # Errors
    /// The first problem found.
    pub fn validate(&self) -> Result<(), FormError> {
        if AgentId::new(self.id.clone()).is_err() {
            return Err(FormError::BadId(self.id.clone()));
        }
        if self.title.trim().is_empty() {
            return Err(FormError::EmptyTitle(self.id.clone()));
        }
        if self.fields.is_empty() == self.steps.is_empty() {
            return Err(FormError::Shape(self.id.clone()));
        }
        let mut names = BTreeSet::new();
        for field in self.all_fields() {
            if !names.insert(field.name.as_str()) {
                return Err(FormError::DuplicateField(field.name.clone()));
            }
            field.validate()?;
        }
        self.validate_steps()
    }

    fn validate_steps(&self) -> Result<(), FormError> {
        let step_names: BTreeSet<&str> = self.steps.iter().map(|s| s.name.as_str()).collect();
        if step_names.len() != self.steps.len() {
            let dup = self
                .steps
                .iter()
                .find(|s| self.steps.iter().filter(|t| t.name == s.name).count() > 1)
                .map(|s| s.name.clone())
                .unwrap_or_default();
            return Err(step_err(&dup, "appears twice"));
        }
        for step in &self.steps {
            if step.name.is_empty() {
                return Err(step_err("", "a step needs a name"));
            }
            let exists = |name: &str| {
                if step_names.contains(name) {
                    Ok(())
                } else {
                    Err(step_err(
                        &step.name,
                        &format!("next step {name:?} does not exist"),
                    ))
                }
            };
            match &step.next {
                Next::Submit => {}
                Next::Step { step: next } => exists(next)?,
                Next::ByChoice { field, cases } => {
                    let options =
                        step.fields
                            .iter()
                            .find(|f| &f.name == field)
                            .and_then(|f| match &f.kind {
                                FieldKind::Choice { options, .. } => Some(options),
                                _ => None,
                            });
                    let Some(options) = options else {
                        return Err(step_err(
                            &step.name,
                            &format!(
                                "`next` reads {field:?}, which is not a choice field of this step"
                            ),
                        ));
                    };
                    for (value, next) in cases {
                        if !options.contains(value) {
                            return Err(step_err(
                                &step.name,
                                &format!("case {value:?} is not an option of {field:?}"),
                            ));
                        }
                        exists(next)?;
                    }
                }
            }
        }
        Ok(())
    }
}

fn step_err(step: &str, problem: &str) -> FormError {
    FormError::Step {
        step: step.to_owned(),
        problem: problem.to_owned(),
    }
}

impl Field {
    /// Checks this field on its own (see [`FormError`]).
    ///
    /// # Errors
    /// The first problem found.
    pub fn validate(&self) -> Result<(), FormError> {
        let name_ok = !self.name.is_empty()
            && self.name.len() <= 64
            && self
                .name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !name_ok {
            return Err(FormError::BadFieldName(self.name.clone()));
        }
        let field = || self.name.clone();
        let check_options = |options: &Vec<String>| {
            if options.is_empty() {
                return Err(FormError::Options {
                    field: field(),
                    problem: "needs at least one option".into(),
                });
            }
            let unique: BTreeSet<&String> = options.iter().collect();
            if unique.len() != options.len() {
                return Err(FormError::Options {
                    field: field(),
                    problem: "lists an option twice".into(),
                });
            }
            Ok(())
        };
        let not_an_option = |d: &str| FormError::Default {
            field: field(),
            default: format!("{d:?}"),
            problem: "is not one of the options".into(),
        };
        match &self.kind {
            FieldKind::Text { .. } | FieldKind::Multiline { .. } | FieldKind::Checkbox { .. } => {
                Ok(())
            }
            FieldKind::Choice { options, default } => {
                check_options(options)?;
                match default {
                    Some(d) if !options.contains(d) => Err(not_an_option(d)),
                    _ => Ok(()),
                }
            }
            FieldKind::MultiSelect { options, default } => {
                check_options(options)?;
                match default.iter().find(|d| !options.contains(d)) {
                    Some(d) => Err(not_an_option(d)),
                    None => Ok(()),
                }
            }
            FieldKind::Number {
                min,
                max,
                step,
                default,
            } => {
                let bad = |problem: &str| {
                    Err(FormError::Number {
                        field: field(),
                        problem: problem.into(),
                    })
                };
                if [min, max, step, default]
                    .iter()
                    .any(|v| v.is_some_and(|x| !x.is_finite()))
                {
                    return bad("numbers must be finite");
                }
                if let (Some(lo), Some(hi)) = (min, max)
                    && lo > hi
                {
                    return bad("min is greater than max");
                }
                if step.is_some_and(|s| s <= 0.0) {
                    return bad("step must be positive");
                }
                if let Some(d) = default
                    && (min.is_some_and(|lo| *d < lo) || max.is_some_and(|hi| *d > hi))
                {
                    return Err(FormError::Default {
                        field: field(),
                        default: d.to_string(),
                        problem: "is outside min..=max".into(),
                    });
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod ask_tests {
    use super::*;

    #[test]
    fn ask_ids_are_short_plain_tokens() {
        assert!(AskId::new("1f2e-9c_x").is_ok());
        for bad in ["", "a b", "a/b", "é", &"x".repeat(65)] {
            assert!(AskId::new(bad).is_err(), "{bad:?}");
        }
        let req: Result<FormRequest, _> = serde_json::from_str(
            r#"{"id":"f","title":"t","agent_id":"a","fields":[],"ask":"../x"}"#,
        );
        assert!(req.is_err());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn form(fields: serde_json::Value) -> Result<FormRequest, String> {
        FormRequest::from_json(
            &json!({"id": "f1", "title": "T", "agent_id": "alpha", "fields": fields}).to_string(),
        )
    }

    #[test]
    fn every_field_kind_parses() {
        let f = form(json!([
            {"name": "a", "label": "A", "kind": "text", "default": "x", "required": true},
            {"name": "b", "label": "B", "kind": "multiline"},
            {"name": "c", "label": "C", "kind": "choice", "options": ["p", "q"], "default": "q"},
            {"name": "d", "label": "D", "kind": "multi_select", "options": ["p", "q"], "default": ["p"]},
            {"name": "e", "label": "E", "kind": "checkbox", "default": true},
            {"name": "n", "label": "N", "kind": "number", "min": 0, "max": 10, "step": 0.5, "default": 2}
        ]))
        .unwrap();
        assert_eq!(f.fields.len(), 6);
        assert!(f.fields[0].required);
        let back: FormRequest = serde_json::from_value(serde_json::to_value(&f).unwrap()).unwrap();
        assert_eq!(back, f);
    }

    #[test]
    fn nonsense_is_rejected_naming_the_field() {
        let cases = [
            (
                json!([{"name": "x", "label": "X", "kind": "slider"}]),
                "slider",
            ),
            (
                json!([{"name": "x", "label": "X", "kind": "choice", "options": []}]),
                "\"x\"",
            ),
            (
                json!([{"name": "x", "label": "X", "kind": "choice", "options": ["a", "a"]}]),
                "twice",
            ),
            (
                json!([{"name": "x", "label": "X", "kind": "choice", "options": ["a"], "default": "b"}]),
                "\"b\"",
            ),
            (
                json!([{"name": "x", "label": "X", "kind": "text"}, {"name": "x", "label": "Y", "kind": "text"}]),
                "appears twice",
            ),
            (
                json!([{"name": "n", "label": "N", "kind": "number", "min": 5, "max": 1}]),
                "min",
            ),
            (
                json!([{"name": "n", "label": "N", "kind": "number", "max": 1, "default": 3}]),
                "outside",
            ),
            (
                json!([{"name": "n", "label": "N", "kind": "number", "step": 0}]),
                "positive",
            ),
            (
                json!([{"name": "bad name", "label": "N", "kind": "text"}]),
                "bad name",
            ),
            (json!([]), "either"),
        ];
        for (fields, needle) in cases {
            let err = form(fields.clone()).unwrap_err();
            assert!(err.contains(needle), "{fields}: {err}");
        }
        let err = FormRequest::from_json(r#"{"id":"../x","title":"T","agent_id":"a","fields":[]}"#)
            .unwrap_err();
        assert!(err.contains("form id"), "{err}");
    }

    #[test]
    fn wizard_steps_are_checked() {
        let wizard = |next: serde_json::Value| {
            FormRequest::from_json(
                &json!({"id": "w", "title": "W", "agent_id": "a", "steps": [
                    {"name": "start", "fields": [{"name": "kind", "label": "Kind", "kind": "choice", "options": ["bug", "feature"]}],
                     "next": next},
                    {"name": "bug", "fields": [{"name": "repro", "label": "Repro", "kind": "multiline"}]},
                ]})
                .to_string(),
            )
        };
        assert!(
            wizard(json!({"kind": "by_choice", "field": "kind", "cases": {"bug": "bug"}})).is_ok()
        );
        assert!(wizard(json!({"kind": "step", "step": "bug"})).is_ok());
        assert!(
            wizard(json!({"kind": "step", "step": "nope"}))
                .unwrap_err()
                .contains("nope")
        );
        assert!(
            wizard(json!({"kind": "by_choice", "field": "kind", "cases": {"epic": "bug"}}))
                .unwrap_err()
                .contains("epic")
        );
        assert!(
            wizard(json!({"kind": "by_choice", "field": "repro", "cases": {}}))
                .unwrap_err()
                .contains("repro")
        );
    }

    #[test]
    fn replies_are_tagged_and_typed() {
        let mut values = BTreeMap::new();
        values.insert("ok".to_owned(), FieldValue::Bool(true));
        values.insert("n".to_owned(), FieldValue::Number(2.5));
        values.insert("t".to_owned(), FieldValue::Text("héllo \"q\"".into()));
        values.insert("l".to_owned(), FieldValue::List(vec!["a".into()]));
        let r = FormReply::Submitted {
            id: "f1".into(),
            values,
            steps: vec![],
        };
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(
            v,
            json!({"status": "submitted", "id": "f1", "values": {"ok": true, "n": 2.5, "t": "héllo \"q\"", "l": ["a"]}})
        );
        assert_eq!(serde_json::from_value::<FormReply>(v).unwrap(), r);
        assert_eq!(
            serde_json::to_value(FormReply::TimedOut { id: "x".into() }).unwrap(),
            json!({"status": "timed_out", "id": "x"})
        );
    }
}

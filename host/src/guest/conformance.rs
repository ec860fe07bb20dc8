//! The guest conformance vectors (`tests/conformance/*.json`, format in that folder's
//! README.md) run against a guest through the real Extism runtime, with scripted host
//! functions that answer from each vector and record the calls ([`run_vectors`]), and the
//! pass/fail table (`exomonad guest check` prints it; the resident host's hot reload will run
//! the same check).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use anyhow::{Context as _, Result, bail};
use serde::Deserialize;
use serde_json::Value;

use super::{Guest, GuestOptions, ScriptedHost};

/// Where the conformance vectors live, relative to the repository root.
pub const VECTORS_DIR: &str = "tests/conformance";

// ---- Vectors -----------------------------------------------------------------------------------

/// One conformance vector (one file of `tests/conformance/`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Vector {
    /// The file stem; filled in by [`load_vectors`].
    #[serde(skip)]
    pub name: String,
    /// What the case checks, in words.
    pub description: String,
    /// The export to call.
    pub export: String,
    /// The input, as JSON (serialized compactly before the call).
    #[serde(default)]
    pub input: Option<Value>,
    /// The input as raw text, for input that is not JSON; takes the place of `input`.
    #[serde(default)]
    pub input_raw: Option<String>,
    /// The host function calls the guest must make, in order.
    #[serde(default)]
    pub host_calls: Vec<HostCall>,
    /// Pattern the output envelope must match (see [`matches`]).
    #[serde(default)]
    pub output: Option<Value>,
    /// `true`: the call itself must fail (no such export, a trap), with no output.
    #[serde(default)]
    pub call_error: bool,
}

/// One expected host function call of a [`Vector`].
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HostCall {
    /// The host function's name.
    #[serde(rename = "fn")]
    pub name: String,
    /// Pattern the request JSON must match.
    pub request: Value,
    /// The reply envelope to give back, verbatim.
    pub reply: Value,
}

impl Vector {
    /// The input text the export is called with.
    pub fn input_text(&self) -> String {
        match (&self.input_raw, &self.input) {
            (Some(raw), _) => raw.clone(),
            (None, Some(v)) => v.to_string(),
            (None, None) => String::new(),
        }
    }

    fn check_shape(&self) -> Result<()> {
        if self.input.is_some() && self.input_raw.is_some() {
            bail!("has both `input` and `input_raw`");
        }
        if self.call_error == self.output.is_some() {
            bail!("needs exactly one of `output` and `call_error: true`");
        }
        Ok(())
    }
}

/// The repository's vectors folder: the nearest `tests/conformance` above the working
/// directory, else the one of the source tree this binary was built from, if it still exists.
pub fn default_vectors_dir() -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok();
    cwd.iter()
        .flat_map(|c| c.ancestors())
        .map(|dir| dir.join(VECTORS_DIR))
        .chain(std::iter::once(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("..")
                .join(VECTORS_DIR),
        ))
        .find(|dir| dir.is_dir())
}

/// Reads every `*.json` vector of `dir`, sorted by file name.
///
/// # Errors
/// When the folder cannot be read, or a file is not a well-formed vector (named).
pub fn load_vectors(dir: &Path) -> Result<Vec<Vector>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|path| {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            let mut v: Vector = serde_json::from_str(&text)
                .with_context(|| format!("parsing {}", path.display()))?;
            v.check_shape()
                .with_context(|| format!("vector {}", path.display()))?;
            v.name = path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            Ok(v)
        })
        .collect()
}

// ---- Matching ----------------------------------------------------------------------------------

/// Checks `actual` against the pattern `pattern`; `Err` says where and how they differ.
///
/// A pattern is JSON compared structurally (objects need the same keys, arrays the same
/// length, numbers compare by value), except an object whose keys all start with `$`, an
/// operator object: `$contains` (a string or list of strings the actual string must contain),
/// `$excludes` (must not contain), `$prefix` (must start with), `$type` (`string`, `number`,
/// `boolean`, `null`, `array`, `object`), `$has` (an object pattern whose keys must be present
/// and match; other keys are allowed). Several operators in one object must all hold.
pub fn matches(pattern: &Value, actual: &Value) -> Result<(), String> {
    match_at(pattern, actual, "$")
}

fn match_at(pattern: &Value, actual: &Value, at: &str) -> Result<(), String> {
    match pattern {
        Value::Object(p) if !p.is_empty() && p.keys().all(|k| k.starts_with('$')) => p
            .iter()
            .try_for_each(|(op, arg)| operator(op, arg, actual, at)),
        Value::Object(p) => {
            let Value::Object(a) = actual else {
                return Err(format!("{at}: expected an object, got {actual}"));
            };
            if let Some(k) = a.keys().find(|k| !p.contains_key(*k)) {
                return Err(format!("{at}: unexpected key `{k}`"));
            }
            p.iter().try_for_each(|(k, pv)| match a.get(k) {
                Some(av) => match_at(pv, av, &format!("{at}.{k}")),
                None => Err(format!("{at}: missing key `{k}`")),
            })
        }
        Value::Array(p) => {
            let Value::Array(a) = actual else {
                return Err(format!("{at}: expected an array, got {actual}"));
            };
            if a.len() != p.len() {
                return Err(format!("{at}: expected {} items, got {}", p.len(), a.len()));
            }
            p.iter()
                .zip(a)
                .enumerate()
                .try_for_each(|(i, (pv, av))| match_at(pv, av, &format!("{at}[{i}]")))
        }
        Value::Number(n) if actual.as_f64().is_some() && actual.as_f64() == n.as_f64() => Ok(()),
        _ if pattern == actual => Ok(()),
        _ => Err(format!("{at}: expected {pattern}, got {actual}")),
    }
}

fn operator(op: &str, arg: &Value, actual: &Value, at: &str) -> Result<(), String> {
    let text = || {
        actual
            .as_str()
            .ok_or_else(|| format!("{at}: expected a string, got {actual}"))
    };
    let strings = || -> Vec<&str> {
        match arg {
            Value::String(s) => vec![s.as_str()],
            Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
    };
    match op {
        "$contains" => {
            let t = text()?;
            match strings().into_iter().find(|s| !t.contains(s)) {
                Some(s) => Err(format!("{at}: {t:?} does not contain {s:?}")),
                None => Ok(()),
            }
        }
        "$excludes" => {
            let t = text()?;
            match strings().into_iter().find(|s| t.contains(s)) {
                Some(s) => Err(format!("{at}: {t:?} contains {s:?}")),
                None => Ok(()),
            }
        }
        "$prefix" => {
            let t = text()?;
            let p = arg.as_str().unwrap_or_default();
            if t.starts_with(p) {
                Ok(())
            } else {
                Err(format!("{at}: {t:?} does not start with {p:?}"))
            }
        }
        "$type" => {
            let kind = match actual {
                Value::Null => "null",
                Value::Bool(_) => "boolean",
                Value::Number(_) => "number",
                Value::String(_) => "string",
                Value::Array(_) => "array",
                Value::Object(_) => "object",
            };
            if Some(kind) == arg.as_str() {
                Ok(())
            } else {
                Err(format!("{at}: expected a {arg}, got {actual}"))
            }
        }
        "$has" => {
            let (Value::Object(p), Value::Object(a)) = (arg, actual) else {
                return Err(format!("{at}: expected an object, got {actual}"));
            };
            p.iter().try_for_each(|(k, pv)| match a.get(k) {
                Some(av) => match_at(pv, av, &format!("{at}.{k}")),
                None => Err(format!("{at}: missing key `{k}`")),
            })
        }
        other => Err(format!("{at}: unknown pattern operator `{other}`")),
    }
}

// ---- Running -----------------------------------------------------------------------------------

/// The scripted host side of one vector: answers each call from the vector's `host_calls`, in
/// order, and notes every departure. Extra `log` calls are allowed (answered `{"ok":null}`).
#[derive(Debug, Default)]
struct Script {
    expected: Vec<HostCall>,
    next: usize,
    problems: Vec<String>,
}

/// What an unexpected call gets back.
const UNEXPECTED_REPLY: &str =
    r#"{"error":{"code":"internal","message":"conformance: this host call was not expected"}}"#;

impl ScriptedHost for Script {
    fn call(&mut self, name: &str, request: &str) -> String {
        match self.expected.get(self.next) {
            Some(exp) if exp.name == name => {
                self.next += 1;
                match serde_json::from_str::<Value>(request) {
                    Ok(req) => {
                        if let Err(e) = matches(&exp.request, &req) {
                            self.problems.push(format!("{name} request: {e}"));
                        }
                    }
                    Err(e) => self
                        .problems
                        .push(format!("{name} request is not JSON ({e}): {request}")),
                }
                exp.reply.to_string()
            }
            _ if name == exomonad_protocol::abi::host_fns::LOG => r#"{"ok":null}"#.to_owned(),
            exp => {
                let wanted = exp.map_or("no more calls".to_owned(), |e| format!("`{}`", e.name));
                self.problems.push(format!(
                    "unexpected host call `{name}` {request} (expected {wanted})"
                ));
                UNEXPECTED_REPLY.to_owned()
            }
        }
    }
}

/// The outcome of one vector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// The vector's name.
    pub name: String,
    /// Empty when it passed; else what went wrong.
    pub problems: Vec<String>,
}

impl Outcome {
    /// Whether the guest passed the vector.
    pub fn passed(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Runs every vector against the guest `wasm`, each through the real Extism runtime with the
/// scripted host functions. The guest is loaded once and reloaded after a failed call.
///
/// # Errors
/// When the guest does not load at all.
pub fn run_vectors(
    wasm: &[u8],
    vectors: &[Vector],
    options: &GuestOptions,
) -> Result<Vec<Outcome>> {
    let script = Arc::new(Mutex::new(Script::default()));
    let host: Arc<Mutex<dyn ScriptedHost>> = script.clone();
    let mut guest = Guest::load_scripted(wasm, host.clone(), options)?;
    let mut outcomes = Vec::with_capacity(vectors.len());
    for v in vectors {
        *script.lock().expect("script lock") = Script {
            expected: v.host_calls.clone(),
            ..Script::default()
        };
        let result = guest.call_raw(&v.export, &v.input_text());
        let mut script = script.lock().expect("script lock");
        let mut problems = std::mem::take(&mut script.problems);
        if let Some(missing) = script.expected.get(script.next..).filter(|m| !m.is_empty()) {
            let names: Vec<&str> = missing.iter().map(|c| c.name.as_str()).collect();
            problems.push(format!("host calls not made: {}", names.join(", ")));
        }
        drop(script);
        match (result, &v.output) {
            (Ok(text), Some(pattern)) => match serde_json::from_str::<Value>(&text) {
                Ok(out) => {
                    if let Err(e) = matches(pattern, &out) {
                        problems.push(format!("output: {e}"));
                    }
                }
                Err(e) => problems.push(format!("output is not JSON ({e}): {text}")),
            },
            (Ok(text), None) => problems.push(format!("the call should fail, it answered {text}")),
            (Err(e), expected) => {
                if expected.is_some() {
                    problems.push(format!("{e}"));
                }
                // A failed call may leave the instance unusable: start afresh.
                guest = Guest::load_scripted(wasm, host.clone(), options)?;
            }
        }
        outcomes.push(Outcome {
            name: v.name.clone(),
            problems,
        });
    }
    Ok(outcomes)
}

/// The pass/fail table: one line per vector (`PASS name` or `FAIL name: problems`) and the
/// summary line `N passed, N failed`.
pub fn table(outcomes: &[Outcome]) -> String {
    let width = outcomes.iter().map(|o| o.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    for o in outcomes {
        if o.passed() {
            let _ = writeln!(out, "PASS  {}", o.name);
        } else {
            let _ = writeln!(out, "FAIL  {:width$}  {}", o.name, o.problems.join("; "));
        }
    }
    let passed = outcomes.iter().filter(|o| o.passed()).count();
    let _ = writeln!(out, "{passed} passed, {} failed", outcomes.len() - passed);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn patterns() {
        assert!(
            matches(
                &json!({"ok": {"verdict": "proceed"}}),
                &json!({"ok": {"verdict": "proceed"}})
            )
            .is_ok()
        );
        assert!(
            matches(
                &json!({"ok": {"verdict": "proceed"}}),
                &json!({"ok": {"verdict": "proceed", "reason": "x"}})
            )
            .is_err()
        );
        let p = json!({"r": {"$contains": ["a", "b"], "$excludes": "z"}});
        assert!(matches(&p, &json!({"r": "b a"})).is_ok());
        assert!(matches(&p, &json!({"r": "a"})).is_err());
        assert!(matches(&p, &json!({"r": "a b z"})).is_err());
        assert!(matches(&json!({"$prefix": "exo"}), &json!("exomonad")).is_ok());
        assert!(matches(&json!({"$type": "string"}), &json!(1)).is_err());
        assert!(matches(&json!({"$has": {"a": 1}}), &json!({"a": 1.0, "b": 2})).is_ok());
        assert!(matches(&json!([1, 2]), &json!([1])).is_err());
    }
}

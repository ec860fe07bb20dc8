//! The host's dependency rule, checked on its source: commands → flows → context → services
//! → base, never upward, and no cycle between flows.
//!
//! Every `crate::<module>` path in code (comment lines are skipped) names the top-level module
//! it reaches; this test ranks the module of each file and the module it names, and fails on a
//! path that climbs, naming the file, the line and the rule. Paths to a module of the same
//! rank are allowed, except that the flows' graph must stay acyclic (a cycle is printed).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, lowest first, and the top-level modules in each.
const LAYERS: &[(&str, &[&str])] = &[
    ("base", &["base"]),
    ("services", &["services"]),
    ("context", &["context"]),
    (
        "flows",
        &[
            "doctor", "guest", "hook", "mcp", "popup", "session", "wiring", "workers",
        ],
    ),
    ("commands", &["commands", "cli"]),
];

/// The rank of a top-level module: its layer's index in [`LAYERS`].
fn rank(module: &str) -> Option<usize> {
    LAYERS
        .iter()
        .position(|(_, modules)| modules.contains(&module))
}

/// The top-level module a source file belongs to (`src/workers/launch.rs` → `workers`,
/// `src/cli.rs` → `cli`); `None` for the crate roots (`lib.rs`, `main.rs`).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_string_lossy();
    let name = first.strip_suffix(".rs").unwrap_or(&first).to_owned();
    (name != "lib" && name != "main").then_some(name)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("reading the source tree") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level modules that `line` reaches through `crate::<module>` paths.
fn crate_paths(line: &str) -> Vec<String> {
    line.match_indices("crate::")
        .filter(|(i, _)| {
            // `exomonad_crate::x` or `some_crate::` is not ours.
            !line[..*i]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_alphanumeric() || c == '_')
        })
        .map(|(i, m)| {
            let rest = &line[i + m.len()..];
            if rest.starts_with('{') {
                return "{".to_owned();
            }
            rest.chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect()
        })
        .collect()
}

#[test]
fn imports_point_down_and_flows_form_no_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    assert!(
        files.len() > 20,
        "found only {} files under {}",
        files.len(),
        src.display()
    );

    let mut problems = Vec::new();
    let mut flow_edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let Some(from) = module_of(&src, file) else {
            continue;
        };
        let Some(from_rank) = rank(&from) else {
            problems.push(format!(
                "{}: top-level module `{from}` is in no layer (add it to LAYERS in tests/layers.rs)",
                file.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(file).expect("reading a source file");
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            for to in crate_paths(line) {
                let at = format!("{}:{}", file.display(), n + 1);
                if to.starts_with('{') {
                    problems.push(format!(
                        "{at}: `crate::{{…}}` groups are not checked; import each module by path"
                    ));
                    continue;
                }
                let Some(to_rank) = rank(&to) else {
                    problems.push(format!("{at}: `crate::{to}` is in no layer"));
                    continue;
                };
                if to_rank > from_rank {
                    problems.push(format!(
                        "{at}: `{from}` ({}) reaches up to `crate::{to}` ({})",
                        LAYERS[from_rank].0, LAYERS[to_rank].0
                    ));
                }
                if from_rank == rank("hook").unwrap() && to_rank == from_rank && to != from {
                    flow_edges.entry(from.clone()).or_default().insert(to);
                }
            }
        }
    }

    // A cycle between flows: depth-first search for a back edge.
    fn visit(
        node: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|p| p == node) {
            let mut cycle = path[i..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if !done.insert(node.to_owned()) {
            return None;
        }
        path.push(node.to_owned());
        for next in edges.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, edges, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        None
    }
    let mut done = BTreeSet::new();
    for flow in flow_edges.keys() {
        if let Some(cycle) = visit(flow, &flow_edges, &mut Vec::new(), &mut done) {
            problems.push(format!(
                "flows import each other in a cycle: {}",
                cycle.join(" → ")
            ));
            break;
        }
    }
    assert!(
        problems.is_empty(),
        "the host's layering is broken (commands → flows → context → services → base):\n{}\nflow → flow imports: {flow_edges:?}",
        problems.join("\n")
    );
}

/// Every file exomonad writes goes through `base::fs::write_atomic`: no other `fs::write` or
/// `File::create` in the crate's code (its test modules, after `#[cfg(test)]`, may).
#[test]
fn every_file_is_written_through_the_one_atomic_write() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let the_one = src.join("base").join("fs.rs");
    let mut found = Vec::new();
    for file in files.iter().filter(|f| **f != the_one) {
        let text = std::fs::read_to_string(file).expect("reading a source file");
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        for (n, line) in code.lines().enumerate() {
            let line = line.trim_start();
            if !line.starts_with("//")
                && (line.contains("fs::write(") || line.contains("File::create("))
            {
                found.push(format!("{}:{}: {line}", file.display(), n + 1));
            }
        }
    }
    assert!(
        found.is_empty(),
        "write files with crate::base::fs::write_atomic:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_checker_sees_paths_and_ignores_lookalikes() {
    assert_eq!(crate_paths("use crate::services::git;"), ["services"]);
    assert_eq!(
        crate_paths("let x = crate::base::fs::write_atomic(p, crate::hook::answer::PROCEED);"),
        ["base", "hook"]
    );
    assert!(crate_paths("use exomonad_crate::x; my_crate::y").is_empty());
    assert_eq!(crate_paths("use crate::{a, b};"), ["{"]);
    assert_eq!(rank("base"), Some(0));
    assert!(rank("workers") > rank("services"));
    assert_eq!(rank("nowhere"), None);
}

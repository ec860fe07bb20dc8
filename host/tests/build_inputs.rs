//! The build script watches every input of the wasm it embeds: each crate the dashboard and
//! the guest reach through path dependencies (from `cargo metadata`, so a new one is noticed),
//! and the workspace files that shape the build (manifest, lock file, toolchain).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

include!("../wasm_inputs.rs");

/// The folders, relative to the workspace root, of the local crates `roots` depend on
/// (directly or not, normal and build dependencies), the roots included.
fn local_crates(roots: &[&str]) -> BTreeSet<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(root)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let packages = meta["packages"].as_array().unwrap();
    let dir_of = |name: &str| {
        let p = packages.iter().find(|p| p["name"] == name).unwrap();
        let manifest = Path::new(p["manifest_path"].as_str().unwrap());
        manifest
            .parent()
            .unwrap()
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .into_owned()
    };
    let mut seen = BTreeSet::new();
    let mut todo: Vec<String> = roots.iter().map(|s| s.to_string()).collect();
    let mut dirs = BTreeSet::new();
    while let Some(name) = todo.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        dirs.insert(dir_of(&name));
        let p = packages.iter().find(|p| p["name"] == name).unwrap();
        for dep in p["dependencies"].as_array().unwrap() {
            if dep["path"].is_string() && dep["kind"] != "dev" {
                todo.push(dep["name"].as_str().unwrap().to_owned());
            }
        }
    }
    dirs
}

#[test]
fn every_input_of_the_embedded_wasm_is_watched() {
    let watched: BTreeSet<&str> = WASM_INPUTS.iter().copied().collect();
    for dir in local_crates(&["exomonad-dashboard", "exomonad-guest"]) {
        assert!(
            watched.contains(dir.as_str()),
            "{dir} goes into the embedded wasm but host/build.rs does not watch it (add it to host/wasm_inputs.rs)"
        );
    }
    for file in ["Cargo.toml", "Cargo.lock", "rust-toolchain.toml"] {
        assert!(watched.contains(file), "{file} is not watched");
    }
    let build = include_str!("../build.rs");
    assert!(
        build.contains("include!(\"wasm_inputs.rs\")"),
        "build.rs no longer reads the list"
    );
}

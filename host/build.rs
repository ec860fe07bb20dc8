//! Builds the two WASM artefacts the host embeds — the dashboard plugin
//! (`exomonad-dashboard`, a wasm32-wasip1 binary) and the default guest (`exomonad-guest`,
//! a wasm32-wasip1 cdylib) — so that `cargo build -p exomonad` (and `cargo install --path
//! host`) is the one command that builds everything a user needs.
//!
//! It runs a nested `cargo build --release --target wasm32-wasip1` in its own target
//! directory (`<target>/wasm-build`, so it never waits on the outer build's lock) and copies
//! the two files into `OUT_DIR`, where `src/assets.rs` includes them.
//!
//! It reruns when any input of the wasm changes ([`WASM_INPUTS`], in `wasm_inputs.rs`), so
//! the embedded files are never older than their sources.
//!
//! `EXOMONAD_WASM_DIR=<dir>` skips the nested build and takes `exomonad-dashboard.wasm` and
//! `exomonad_guest.wasm` from that directory instead (for packagers with prebuilt files).

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

include!("wasm_inputs.rs");

const WASM_TARGET: &str = "wasm32-wasip1";
/// (file cargo writes, name in `OUT_DIR`): a binary keeps its `-`, a cdylib gets `_`.
const FILES: [(&str, &str); 2] = [
    ("exomonad-dashboard.wasm", "exomonad_dashboard.wasm"),
    ("exomonad_guest.wasm", "exomonad_guest.wasm"),
];

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest_dir.parent().unwrap().to_path_buf();
    let out_dir = PathBuf::from(env::var("OUT_DIR").unwrap());
    // A path that does not exist (`.cargo/config.toml`) is watched too: creating it reruns.
    for input in WASM_INPUTS {
        println!("cargo:rerun-if-changed={}", root.join(input).display());
    }
    println!(
        "cargo:rerun-if-changed={}",
        manifest_dir.join("wasm_inputs.rs").display()
    );
    println!("cargo:rerun-if-env-changed=EXOMONAD_WASM_DIR");
    println!("cargo:rerun-if-env-changed=RUSTUP_TOOLCHAIN");

    let source_dir = match env::var_os("EXOMONAD_WASM_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => build_wasm(&root),
    };
    for (built, embedded) in FILES {
        let from = source_dir.join(built);
        // A prebuilt file that changes (a fresh guest build) must be embedded again.
        if env::var_os("EXOMONAD_WASM_DIR").is_some() {
            println!("cargo:rerun-if-changed={}", from.display());
        }
        std::fs::copy(&from, out_dir.join(embedded))
            .unwrap_or_else(|e| panic!("copying {}: {e}", from.display()));
    }
}

/// Runs the nested cargo build and returns the directory holding the two `.wasm` files.
fn build_wasm(root: &Path) -> PathBuf {
    let target_dir = env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"))
        .join("wasm-build");
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.current_dir(root)
        .args(["build", "--release", "--target", WASM_TARGET])
        .args(["-p", "exomonad-dashboard", "-p", "exomonad-guest"])
        .arg("--manifest-path")
        .arg(root.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", &target_dir);
    if env::var_os("CARGO_FEATURE_LOCKED").is_some() || root.join("Cargo.lock").exists() {
        cmd.arg("--locked");
    }
    // The outer build's flags and wrappers (clippy, coverage, cross targets) are not for
    // the wasm build.
    for var in [
        "RUSTFLAGS",
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CARGO_BUILD_TARGET",
        "CARGO_BUILD_RUSTFLAGS",
    ] {
        cmd.env_remove(var);
    }
    let status = cmd
        .status()
        .unwrap_or_else(|e| panic!("running cargo for the wasm build: {e}"));
    if !status.success() {
        panic!(
            "building the dashboard plugin and the guest for {WASM_TARGET} failed (see above). \
             If the target is missing, install it with `rustup target add {WASM_TARGET}` \
             (or run scripts/deps.sh)."
        );
    }
    target_dir.join(WASM_TARGET).join("release")
}

// Included by `build.rs` and by `tests/build_inputs.rs`: one list, so the test checks what
// the build script watches.

/// Everything the embedded wasm files are built from, relative to the workspace root: the
/// folder of every crate the dashboard and the guest depend on by path (their sources and
/// manifests), the workspace manifest (`[profile.release]`, `[workspace.dependencies]`), the
/// lock file, the toolchain file, and cargo's own config should the workspace get one. A
/// change to any of them rebuilds the wasm (`cargo:rerun-if-changed`);
/// `tests/build_inputs.rs` fails when a crate joins the dependency tree without being here.
pub const WASM_INPUTS: &[&str] = &[
    "shared-protocol",
    "ui",
    "zellij-plugin",
    "guest-rust",
    "Cargo.toml",
    "Cargo.lock",
    "rust-toolchain.toml",
    ".cargo/config.toml",
];

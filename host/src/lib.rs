//! The exomonad host: the `exomonad` command (`main.rs` only calls [`cli::run`]).
//!
//! Agent runtimes run it as their hook command (`exomonad hook <event>`) and their MCP server
//! (`exomonad mcp-stdio`); it runs the Extism guest that makes every decision and does all the
//! I/O itself. The crate is a library so that every flow is a function a test, a benchmark or
//! a long-lived process can call. Its layers, each using only the ones below it (checked by
//! `tests/layers.rs`):
//!
//! 1. **commands** — [`cli`] parses the arguments, resolves the [`context`] and sets up logging
//!    once; each module of [`commands`] calls one flow and prints its outcome.
//! 2. **flows** — one module per flow of the architecture, each holding its pure core and its
//!    orchestration, called with a [`context::Context`] and its I/O handles:
//!    - [`hook`]: one hook event → the guest's decision → the runtime's answer;
//!    - [`mcp`]: an agent's MCP server, its tools from the guest;
//!    - [`popup`]: a form to the person (the dashboard, else the terminal) and the answer back;
//!    - [`session`]: `init`, the project's Zellij session and its layout;
//!    - [`workers`]: spawn, list and clean up one worker per GitHub issue;
//!    - [`guest`]: the Extism runtime, the host functions, guest selection, conformance;
//!    - [`wiring`]: the hook settings and MCP config that wire an agent runtime to exomonad;
//!    - [`doctor`]: what a working set-up needs, checked item by item, each with its fix.
//! 3. **[`context`]** — who and where this process is (project, config, agent id, role,
//!    Zellij session), resolved once from the working directory and the environment.
//! 4. **[`services`]** — one module per outside tool: git, worktrees, GitHub, Zellij and the
//!    dashboard in it, files, child processes. A service knows no flow.
//! 5. **[`base`]** — configuration (and trust in a project's file), paths, logging, the embedded
//!    WASM files, atomic writes.

pub mod base;
pub mod cli;
pub mod commands;
pub mod context;
pub mod doctor;
pub mod guest;
pub mod hook;
pub mod mcp;
pub mod popup;
pub mod services;
pub mod session;
pub mod wiring;
pub mod workers;

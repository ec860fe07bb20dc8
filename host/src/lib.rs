//! The exomonad host: the `exomonad` command.
//!
//! It is the hook command and (later) the MCP server agent runtimes run; it runs the
//! Extism guest that holds every decision, and does all the I/O itself: git, Zellij,
//! files, logs. Layout of this crate:
//!
//! - pure parts, tested natively: [`answer`] (decision → runtime output), [`layout`]
//!   (session layout generation), [`agent_settings`] (hook settings for agents);
//! - I/O edges: [`services`] (git, Zellij), [`events`] (to the dashboard), [`guest`]
//!   (the Extism runtime and host functions), [`config`], [`context`], [`paths`],
//!   [`logging`];
//! - commands: [`commands`], wired up by [`cli`].

pub mod agent_settings;
pub mod agents;
pub mod answer;
pub mod assets;
pub mod cli;
pub mod commands;
pub mod config;
pub mod context;
pub mod events;
pub mod guest;
pub mod layout;
pub mod logging;
pub mod mcp;
pub mod paths;
pub mod popup;
pub mod services;
pub mod spawn;
pub mod tui;

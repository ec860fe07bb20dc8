//! The CLI commands' bodies. Each is a thin edge: it gathers the context, calls the pure
//! parts and the services, and reports.

pub mod agents;
pub mod guest;
pub mod hook;
pub mod init;
pub mod mcp;
pub mod popup;

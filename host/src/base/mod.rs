//! The shared base every layer stands on: the configuration and its layers ([`config`]), the
//! trust a person gives a project's config ([`trust`]), where exomonad keeps files outside the
//! project ([`paths`]), logging ([`logging`]), the WASM files built into the binary
//! ([`assets`]) and the one way exomonad writes a file ([`fs::write_atomic`]). Nothing here
//! knows a service, a flow or a command.

pub mod assets;
pub mod config;
pub mod fs;
pub mod logging;
pub mod paths;
pub mod trust;

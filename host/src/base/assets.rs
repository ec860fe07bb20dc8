//! The WASM files compiled into the `exomonad` binary by `build.rs`, so that one installed
//! binary carries everything: it writes the dashboard plugin out where Zellij can load it
//! (see [`crate::base::paths::dashboard_wasm`]) and runs the guest from memory.

/// The dashboard plugin (`exomonad-dashboard` built for wasm32-wasip1), a Zellij plugin.
pub const DASHBOARD_WASM: &[u8] =
    include_bytes!(concat!(env!("OUT_DIR"), "/exomonad_dashboard.wasm"));

/// The default guest (`exomonad-guest` built for wasm32-wasip1), an Extism plugin that
/// implements the guest ABI in [`exomonad_protocol::abi`].
pub const GUEST_WASM: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/exomonad_guest.wasm"));

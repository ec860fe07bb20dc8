//! The guest runtime: loads an Extism guest (the embedded Rust guest by default), gives it
//! the host functions of [`exomonad_protocol::abi::host_fns`], and calls its exports.
//!
//! - [`imports`]: the host functions the guest imports, one list that reads like the ABI;
//! - [`select`]: which guest a process runs (the `guest` setting) and loading it;
//! - [`conformance`]: the conformance vectors of `tests/conformance/` run against a guest
//!   through scripted host functions (`exomonad guest check`).
//!
//! Limits: WASI on, each call bounded by [`GuestOptions::timeout`], linear memory by
//! [`GuestOptions::memory_max_pages`]. Compiled code is cached on disk by wasmtime (keyed
//! by the module's hash) under `$XDG_CACHE_HOME/exomonad/wasmtime`, so a hook process
//! does not recompile the guest every time.

pub mod conformance;
pub mod imports;
pub mod select;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use exomonad_protocol::AgentId;
use exomonad_protocol::abi::{
    self, AbiError, Envelope, ErrorCode, GuestInfo, HookCall, HookDecision, host_fns,
};
use extism::{CurrentPlugin, Function, Manifest, PTR, PluginBuilder, UserData, Val, Wasm};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::base::paths;
use crate::services::dashboard::events::EventSink;
use crate::services::zellij::Zellij;

/// How compiled guest code is cached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheMode {
    /// wasmtime's cache in `$XDG_CACHE_HOME/exomonad/wasmtime` (the default).
    User,
    /// wasmtime's cache in this directory (absolute).
    Dir(PathBuf),
    /// No cache: compile on every load (used to measure a cold start).
    Disabled,
}

/// Limits and caching for one guest instance.
#[derive(Debug, Clone)]
pub struct GuestOptions {
    /// Longest one export call may run before it is interrupted. Default 10 s.
    pub timeout: Duration,
    /// Most 64 KiB WebAssembly pages the guest's memory may grow to. Default 1024 (64 MiB).
    pub memory_max_pages: u32,
    /// Compiled-code caching. Default [`CacheMode::User`].
    pub cache: CacheMode,
}

impl Default for GuestOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            memory_max_pages: 1024,
            cache: CacheMode::User,
        }
    }
}

/// What the host functions act on: the project directory (git calls default to it), the
/// sink for `emit_event`, and the Zellij session `ui_popup` shows forms in.
pub struct HostState {
    /// Relative `path` arguments are resolved against it.
    pub project_dir: PathBuf,
    /// Where `emit_event` sends events.
    pub events: Box<dyn EventSink>,
    /// The session whose dashboard shows `ui_popup` forms; `None`: forms are `rejected`.
    pub session: Option<String>,
    /// How to run Zellij for `ui_popup` (default: [`Zellij::from_env`]).
    pub zellij: Zellij,
    /// The services behind the MCP tools' host functions (unset in a hook process).
    pub tools: ToolServices,
    /// The agent this guest works for: `emit_event` speaks for it alone (an event the guest
    /// sends for another agent is sent as this one's). `None` where no agent is known (a
    /// guest loaded only to compile it); events then keep the guest's id.
    pub agent_id: Option<AgentId>,
    /// When the current export call will be interrupted; `ui_popup` stops waiting before.
    call_deadline: Option<Instant>,
}

/// The services behind the MCP tools' host functions. A hook process leaves them unset (its
/// guest never calls those functions); a call to an unset one is an `unsupported` error that
/// says so.
#[derive(Clone, Default)]
pub struct ToolServices {
    /// GitHub: `github_list_issues`, `github_get_issue`, `github_list_prs`.
    pub github: Option<crate::services::github::GitHubService>,
    /// Worker agents: `agents_spawn`, `agents_cleanup`, `agents_list`.
    pub agents: Option<Arc<dyn crate::workers::Agents>>,
}

impl HostState {
    /// State for a guest working in `project_dir`, sending events to `events` and forms to
    /// the dashboard of `session`.
    pub fn new(project_dir: PathBuf, events: Box<dyn EventSink>, session: Option<String>) -> Self {
        Self {
            project_dir,
            events,
            session,
            zellij: Zellij::from_env(),
            tools: ToolServices::default(),
            agent_id: None,
            call_deadline: None,
        }
    }
}

/// Kept free at the end of a guest call: a form's wait ends this much before the call's own
/// time limit, so the guest still gets the `timed_out` reply.
const POPUP_MARGIN: Duration = Duration::from_secs(1);

/// A loaded guest.
pub struct Guest {
    plugin: extism::Plugin,
    host: Arc<Mutex<HostState>>,
    timeout: Duration,
}

/// Why a guest call did not give a decision.
#[derive(Debug, thiserror::Error)]
pub enum GuestError {
    /// The guest trapped, timed out, ran out of memory, or has no such export.
    #[error("guest call `{export}` failed: {source:#}")]
    Call {
        /// The export called.
        export: String,
        /// Extism's error.
        source: anyhow::Error,
    },
    /// The guest answered with something that is not the expected envelope.
    #[error("guest `{export}` answered with malformed JSON: {source}")]
    Malformed {
        /// The export called.
        export: String,
        /// The parse error.
        source: serde_json::Error,
    },
    /// The guest answered with an `{"error": ...}` envelope.
    #[error("guest `{export}` reported {0}", .error)]
    Reported {
        /// The export called.
        export: String,
        /// The error the guest gave.
        error: AbiError,
    },
}

impl Guest {
    /// Loads the guest `wasm` with the host functions acting on `host`.
    ///
    /// # Errors
    /// When the module does not compile or link (a missing import, a bad file), or the
    /// cache directory cannot be set up.
    pub fn load(wasm: &[u8], host: HostState, options: &GuestOptions) -> Result<Self> {
        let host = Arc::new(Mutex::new(host));
        let plugin = build_plugin(wasm, imports::host_functions(&host), options)?;
        Ok(Self {
            plugin,
            host,
            timeout: options.timeout,
        })
    }

    /// Loads the guest embedded in this binary ([`crate::base::assets::GUEST_WASM`]).
    ///
    /// # Errors
    /// As [`Guest::load`].
    pub fn embedded(host: HostState, options: &GuestOptions) -> Result<Self> {
        Self::load(crate::base::assets::GUEST_WASM, host, options)
    }

    /// Calls [`abi::exports::HANDLE_HOOK`].
    ///
    /// # Errors
    /// [`GuestError`] when the guest fails or answers with an error envelope.
    pub fn handle_hook(&mut self, call: &HookCall) -> Result<HookDecision, GuestError> {
        self.call_json(abi::exports::HANDLE_HOOK, call)
    }

    /// Calls [`abi::exports::ABI_VERSION`].
    ///
    /// # Errors
    /// As [`Guest::handle_hook`].
    pub fn info(&mut self) -> Result<GuestInfo, GuestError> {
        self.call_json(abi::exports::ABI_VERSION, &serde_json::json!({}))
    }

    /// Calls any export with a JSON input and parses its envelope.
    ///
    /// # Errors
    /// As [`Guest::handle_hook`].
    pub fn call_json<I: Serialize, O: DeserializeOwned>(
        &mut self,
        export: &str,
        input: &I,
    ) -> Result<O, GuestError> {
        let input = serde_json::to_string(input).expect("ABI inputs always serialize");
        let raw = self.call_raw(export, &input)?;
        let envelope: Envelope<O> =
            serde_json::from_str(&raw).map_err(|source| GuestError::Malformed {
                export: export.to_owned(),
                source,
            })?;
        envelope
            .into_result()
            .map_err(|error| GuestError::Reported {
                export: export.to_owned(),
                error,
            })
    }

    /// Calls an export with raw input text and returns its raw output text.
    ///
    /// # Errors
    /// [`GuestError::Call`] on a trap, timeout, missing export or non-UTF-8 output.
    pub fn call_raw(&mut self, export: &str, input: &str) -> Result<String, GuestError> {
        if let Ok(mut host) = self.host.lock() {
            host.call_deadline = Some(Instant::now() + self.timeout);
        }
        self.plugin
            .call::<&str, &str>(export, input)
            .map(str::to_owned)
            .map_err(|source| GuestError::Call {
                export: export.to_owned(),
                source,
            })
    }

    /// The host state the functions act on (to finish its event sink, for example).
    pub fn host(&self) -> Arc<Mutex<HostState>> {
        self.host.clone()
    }
}

// ---- Scripted host functions -----------------------------------------------------------------
//
// A second set of host functions, with the same names, that answer from a script instead of
// doing I/O: `exomonad guest check` runs the conformance vectors through them. The real path
// above (`Guest::load`, `host_functions`) does not use any of this.

/// The host side of a guest loaded with [`Guest::load_scripted`]: every host function call
/// (name, raw request JSON) goes here, and the returned text (an [`Envelope`] JSON) is the reply.
pub trait ScriptedHost: Send {
    /// Answers the host function `name` called with `request`.
    fn call(&mut self, name: &str, request: &str) -> String;
}

impl Guest {
    /// Loads the guest `wasm` with host functions of the names in [`host_fns::ALL`] that
    /// forward every call to `host` instead of the real I/O. The [`HostState`] of the result
    /// is a placeholder (no session, events discarded) that no host function reads.
    ///
    /// # Errors
    /// As [`Guest::load`].
    pub fn load_scripted(
        wasm: &[u8],
        host: Arc<Mutex<dyn ScriptedHost>>,
        options: &GuestOptions,
    ) -> Result<Self> {
        let functions = host_fns::ALL.iter().map(|name| scripted_fn(name, &host));
        let plugin = build_plugin(wasm, functions, options)?;
        let placeholder = HostState::new(
            PathBuf::new(),
            Box::new(crate::services::dashboard::events::Discard),
            None,
        );
        Ok(Self {
            plugin,
            host: Arc::new(Mutex::new(placeholder)),
            timeout: options.timeout,
        })
    }
}

/// One scripted host function: passes the request text to `host` and writes its reply back.
/// A request that is not UTF-8 is answered with a `bad_input` envelope.
fn scripted_fn(name: &str, host: &Arc<Mutex<dyn ScriptedHost>>) -> Function {
    let fn_name = name.to_owned();
    let host = host.clone();
    text_fn(name, move |request| {
        let mut host = host.lock().expect("scripted host lock poisoned");
        host.call(&fn_name, request)
    })
}

/// An Extism host function of one text argument and one text result (both Extism memory
/// handles, in the default `extism:host/user` namespace): `reply` maps the request text to
/// the reply text. A request that is not UTF-8 is answered with a `bad_input` envelope,
/// never a trap.
pub(crate) fn text_fn(
    name: &str,
    reply: impl Fn(&str) -> String + Send + Sync + 'static,
) -> Function {
    let fn_name = name.to_owned();
    Function::new(
        name,
        [PTR],
        [PTR],
        UserData::new(()),
        move |plugin: &mut CurrentPlugin, inputs: &[Val], outputs: &mut [Val], _: UserData<()>| {
            let out = match plugin.memory_get_val::<&str>(&inputs[0]) {
                Ok(request) => {
                    let request = request.to_owned();
                    reply(&request)
                }
                Err(e) => serde_json::to_string(&Envelope::<()>::Error(AbiError::new(
                    ErrorCode::BadInput,
                    format!("{fn_name}: the request is not UTF-8 text: {e}"),
                )))
                .expect("envelopes always serialize"),
            };
            plugin.memory_set_val(&mut outputs[0], out.as_str())?;
            Ok(())
        },
    )
}

/// Compiles (or takes from the cache) and instantiates `wasm` with `functions`, WASI on and
/// the limits and caching of `options`.
fn build_plugin(
    wasm: &[u8],
    functions: impl IntoIterator<Item = Function>,
    options: &GuestOptions,
) -> Result<extism::Plugin> {
    let manifest = Manifest::new([Wasm::data(wasm.to_vec())])
        .with_timeout(options.timeout)
        .with_memory_max(options.memory_max_pages);
    let builder = PluginBuilder::new(manifest)
        .with_wasi(true)
        .with_functions(functions);
    let builder = match &options.cache {
        CacheMode::User => {
            builder.with_cache_config(cache_config(&paths::cache_dir()?.join("wasmtime"))?)
        }
        CacheMode::Dir(dir) => builder.with_cache_config(cache_config(dir)?),
        CacheMode::Disabled => builder.with_cache_disabled(),
    };
    builder.build().context("loading the guest")
}

/// Writes (once) a wasmtime cache config file that puts the cache in `dir`, and returns the
/// config file's path. Format: wasmtime's cache config (`[cache]` with `directory`).
fn cache_config(dir: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let file = dir.join("wasmtime-cache.toml");
    let body = format!(
        "[cache]\ndirectory = {}\n",
        toml_string(&dir.display().to_string())
    );
    if std::fs::read_to_string(&file).ok().as_deref() != Some(body.as_str()) {
        crate::base::fs::write_atomic(&file, body.as_bytes())
            .with_context(|| format!("writing {}", file.display()))?;
    }
    Ok(file)
}

fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

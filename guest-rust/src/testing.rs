//! A scripted fake [`Host`] for the native tests: records every call, answers from a script.

use std::collections::{HashMap, VecDeque};

use exomonad_protocol::abi::{
    AbiError, DirtyFiles, ErrorCode, GitRequest, LogRequest, UiPopupRequest, host_fns,
};
use exomonad_protocol::form::FormReply;
use serde_json::Value;

use crate::host::Host;

/// One recorded host call, with its request: the hook policy's calls typed, the rest raw.
#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    Log(LogRequest),
    GitGetDirtyFiles(GitRequest),
    UiPopup(UiPopupRequest),
    Other { name: String, request: Value },
}

/// Records calls in order. `git_get_dirty_files` answers `dirty`, `log` answers `log_result`,
/// `ui_popup` answers `cancelled`; any other host function answers the next reply scripted
/// for it with [`FakeHost::script`], else `unsupported`.
#[derive(Debug)]
pub struct FakeHost {
    pub calls: Vec<Call>,
    pub dirty: Result<DirtyFiles, AbiError>,
    pub log_result: Result<(), AbiError>,
    replies: HashMap<String, VecDeque<Result<Value, AbiError>>>,
}

impl Default for FakeHost {
    fn default() -> Self {
        Self::with_dirty(Err(AbiError::new(
            ErrorCode::Internal,
            "the test did not script git_get_dirty_files",
        )))
    }
}

impl FakeHost {
    pub fn with_dirty(dirty: Result<DirtyFiles, AbiError>) -> Self {
        Self {
            calls: Vec::new(),
            dirty,
            log_result: Ok(()),
            replies: HashMap::new(),
        }
    }

    /// Queues `reply` as the next answer of host function `name`.
    pub fn script(&mut self, name: &str, reply: Result<Value, AbiError>) -> &mut Self {
        self.replies
            .entry(name.to_owned())
            .or_default()
            .push_back(reply);
        self
    }

    /// The names of the host functions called, in order.
    pub fn names(&self) -> Vec<&str> {
        self.calls
            .iter()
            .map(|c| match c {
                Call::Log(_) => host_fns::LOG,
                Call::GitGetDirtyFiles(_) => host_fns::GIT_GET_DIRTY_FILES,
                Call::UiPopup(_) => host_fns::UI_POPUP,
                Call::Other { name, .. } => name.as_str(),
            })
            .collect()
    }
}

fn typed<T: serde::de::DeserializeOwned>(request: &Value) -> T {
    serde_json::from_value(request.clone()).expect("typed request")
}

fn to_value<T: serde::Serialize>(v: Result<T, AbiError>) -> Result<Value, AbiError> {
    v.map(|v| serde_json::to_value(v).expect("test values serialize"))
}

impl Host for FakeHost {
    fn call(&mut self, name: &str, request: Value) -> Result<Value, AbiError> {
        match name {
            host_fns::LOG => {
                self.calls.push(Call::Log(typed(&request)));
                to_value(self.log_result.clone())
            }
            host_fns::GIT_GET_DIRTY_FILES => {
                self.calls.push(Call::GitGetDirtyFiles(typed(&request)));
                to_value(self.dirty.clone())
            }
            host_fns::UI_POPUP => {
                let req: UiPopupRequest = typed(&request);
                let id = req.form.id.clone();
                self.calls.push(Call::UiPopup(req));
                match self.replies.get_mut(name).and_then(VecDeque::pop_front) {
                    Some(reply) => reply,
                    None => to_value(Ok(FormReply::Cancelled { id })),
                }
            }
            _ => {
                self.calls.push(Call::Other {
                    name: name.to_owned(),
                    request,
                });
                self.replies
                    .get_mut(name)
                    .and_then(VecDeque::pop_front)
                    .unwrap_or_else(|| {
                        Err(AbiError::new(
                            ErrorCode::Unsupported,
                            format!("{name} is not scripted"),
                        ))
                    })
            }
        }
    }
}

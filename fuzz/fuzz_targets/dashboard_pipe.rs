//! Dashboard pipe messages (`zellij-plugin/src/{state,inbox,sync}.rs`): a run of messages on
//! any of the dashboard's pipes (events, forms, cancels, claims, sync requests and snapshots,
//! agent queries) from any source, with any payload, at a clock that only moves forward.
//! After each one: every string the dashboard stored is free of unsafe characters, every
//! reply and broadcast it asks for is JSON, and the drawn frame fits the pane.
//!
//! Input: messages separated by NUL bytes; in each, byte 0 picks the pipe (`b % 8`: event,
//! popup, popup-cancel, claim, sync-request, sync, agents-query, some other pipe), byte 1 the
//! source (`b % 3`: CLI pipe `p<b/3>`, plugin `<b/3>`, key binding), byte 2 how many seconds
//! pass first, and the rest is the payload (none when empty). So `00a{"agent_id":...}` is an
//! event from a CLI pipe. The dashboard is instance `fuzz` and asked for a sync at the start,
//! with request id `fuzz@2001-09-09T01:46:40Z`.
#![no_main]

use exomonad_dashboard::{
    CLAIM_PIPE, Dashboard, Effect, PipeFrom, SYNC_PIPE, SYNC_REQUEST_PIPE, render,
};
use exomonad_fuzz::{assert_no_unsafe, check_frame};
use exomonad_protocol::Timestamp;
use exomonad_protocol::names::{AGENTS_QUERY_PIPE, EVENT_PIPE, POPUP_CANCEL_PIPE, POPUP_PIPE};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const PIPES: [&str; 8] = [
    EVENT_PIPE,
    POPUP_PIPE,
    POPUP_CANCEL_PIPE,
    CLAIM_PIPE,
    SYNC_REQUEST_PIPE,
    SYNC_PIPE,
    AGENTS_QUERY_PIPE,
    "zjstatus::pipe",
];

/// Sizes the frame is drawn at, in turn.
const SIZES: [(usize, usize); 4] = [(24, 80), (5, 20), (1, 1), (50, 200)];

fuzz_target!(|data: &[u8]| {
    let mut dashboard = Dashboard::new();
    dashboard.set_instance("fuzz");
    let mut now = Timestamp::from_second(1_000_000_000).expect("in range");
    let _ = dashboard.request_sync(now);
    for (i, message) in data.split(|&b| b == 0).take(64).enumerate() {
        let [pipe, source, step, payload @ ..] = message else {
            continue;
        };
        let name = PIPES[usize::from(pipe % 8)];
        let source = match source % 3 {
            0 => PipeFrom::Cli(format!("p{}", source / 3)),
            1 => PipeFrom::Plugin(u32::from(source / 3)),
            _ => PipeFrom::Keybind,
        };
        now += jiff::SignedDuration::from_secs(i64::from(*step));
        let payload = String::from_utf8_lossy(payload);
        let payload = (!payload.is_empty()).then_some(payload.as_ref());
        for effect in dashboard.apply_pipe_message(name, payload, &source, now) {
            match effect {
                Effect::Reply { json, .. } => {
                    assert!(json.ends_with('\n'), "{json:?}");
                    serde_json::from_str::<Value>(&json).expect("a reply is JSON");
                }
                Effect::Broadcast { payload, .. } => {
                    serde_json::from_str::<Value>(&payload).expect("a broadcast is JSON");
                }
                Effect::RenameSelf(title) => assert_no_unsafe(&title),
                _ => {}
            }
        }
        for agent in dashboard.agents() {
            if let Some(hook) = &agent.last_hook {
                assert_no_unsafe(&hook.event);
                if let Some(tool) = &hook.tool {
                    assert_no_unsafe(tool);
                }
            }
        }
        for entry in dashboard.log() {
            assert_no_unsafe(&entry.text);
        }
        let (rows, cols) = SIZES[i % SIZES.len()];
        check_frame(&render(&dashboard, now, rows, cols), rows, cols);
    }
});

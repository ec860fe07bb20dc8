//! The inbox: ordering, switching, rejection, cancel by the host, and the effect sequence of
//! the reply path (including two dashboard instances racing).

use exomonad_protocol::Timestamp;
use exomonad_protocol::names::{POPUP_CANCEL_PIPE, POPUP_PIPE};
use serde_json::{Value, json};

use super::*;
use crate::state::{Dashboard, LogKind};

fn now() -> Timestamp {
    "2026-11-20T12:00:00Z".parse().unwrap()
}

fn request(id: &str, agent: &str) -> String {
    json!({"id": id, "title": format!("Question {id}"), "agent_id": agent,
           "fields": [{"name": "answer", "label": "Answer", "kind": "text", "required": true}]})
    .to_string()
}

/// [`request`] as the host sends it: with the identity `ask` of one ask.
fn request_ask(id: &str, agent: &str, ask: &str) -> String {
    let mut v: Value = serde_json::from_str(&request(id, agent)).unwrap();
    v["ask"] = json!(ask);
    v.to_string()
}

fn ask_with(d: &mut Dashboard, pipe: &str, id: &str, agent: &str, ask: &str) -> Vec<Effect> {
    d.apply_pipe_message(
        POPUP_PIPE,
        Some(&request_ask(id, agent, ask)),
        &cli(pipe),
        now(),
    )
}

fn cli(pipe: &str) -> PipeFrom {
    PipeFrom::Cli(pipe.into())
}

fn dashboard(instance: &str) -> Dashboard {
    let mut d = Dashboard::new();
    d.set_instance(instance);
    d
}

fn ask(d: &mut Dashboard, pipe: &str, id: &str, agent: &str) -> Vec<Effect> {
    d.apply_pipe_message(POPUP_PIPE, Some(&request(id, agent)), &cli(pipe), now())
}

fn keys(d: &mut Dashboard, keys: &[Key]) -> Vec<Effect> {
    let mut all = Vec::new();
    for k in keys {
        all.extend(d.on_key(k.clone(), 10, now()));
    }
    all
}

fn typed(d: &mut Dashboard, s: &str) {
    for c in s.chars() {
        d.on_key(Key::Char(c), 10, now());
    }
}

/// The broadcast claims among `effects`, as (name, payload).
fn broadcasts(effects: &[Effect]) -> Vec<(String, String)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Broadcast { name, payload } => Some((name.clone(), payload.clone())),
            _ => None,
        })
        .collect()
}

/// Delivers every broadcast in `effects` to each dashboard (as Zellij does, from plugin 1),
/// then the broadcasts those produce, until none is left; returns each dashboard's effects in
/// order (a claim's reply, then the release that follows it one round trip later).
fn deliver(effects: &[Effect], to: &mut [&mut Dashboard]) -> Vec<Vec<Effect>> {
    let mut out = vec![Vec::new(); to.len()];
    let mut pending = broadcasts(effects);
    while !pending.is_empty() {
        let mut next = Vec::new();
        for (name, payload) in pending {
            for (i, d) in to.iter_mut().enumerate() {
                let produced =
                    d.apply_pipe_message(&name, Some(&payload), &PipeFrom::Plugin(1), now());
                next.extend(broadcasts(&produced));
                out[i].extend(produced);
            }
        }
        pending = next;
    }
    out
}

fn reply_of(effects: &[Effect]) -> (String, Value) {
    let replies: Vec<_> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Reply { pipe_id, json } => Some((pipe_id.clone(), json.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(replies.len(), 1, "{effects:?}");
    let (pipe, json) = replies.into_iter().next().unwrap();
    assert!(
        json.ends_with('\n') && json.matches('\n').count() == 1,
        "one JSON line: {json:?}"
    );
    (pipe, serde_json::from_str(&json).unwrap())
}

fn last_log(d: &Dashboard) -> String {
    d.log().back().map(|e| e.text.clone()).unwrap_or_default()
}

#[test]
fn a_valid_form_blocks_the_pipe_queues_and_asks_for_focus() {
    let mut d = dashboard("me");
    let effects = ask(&mut d, "p1", "f1", "alpha");
    assert_eq!(
        effects,
        [
            Effect::BlockCliPipe("p1".into()),
            Effect::FocusSelf,
            Effect::Redraw
        ]
    );
    assert_eq!(d.inbox().len(), 1);
    assert_eq!(last_log(&d), "form f1 from alpha: Question f1");
}

#[test]
fn end_of_input_and_blank_payloads_are_ignored() {
    let mut d = dashboard("me");
    assert!(
        d.apply_pipe_message(POPUP_PIPE, None, &cli("p1"), now())
            .is_empty()
    );
    assert!(
        d.apply_pipe_message(POPUP_PIPE, Some(" \n"), &cli("p1"), now())
            .is_empty()
    );
    assert!(
        d.apply_pipe_message(POPUP_CANCEL_PIPE, None, &cli("p1"), now())
            .is_empty()
    );
    assert!(d.log().is_empty());
}

#[test]
fn the_full_reply_sequence_blocks_claims_then_replies_and_releases() {
    let mut d = dashboard("me");
    ask(&mut d, "p1", "f1", "alpha");
    typed(&mut d, "yes \"quoted\" é");
    let done = keys(&mut d, &[Key::Enter]);
    assert_eq!(
        done,
        [
            Effect::Broadcast {
                name: CLAIM_PIPE.into(),
                payload: r#"{"pipe_id":"p1","id":"f1","by":"me"}"#.into()
            },
            Effect::Redraw
        ]
    );
    assert!(d.inbox().is_empty(), "the agent list comes back");
    assert_eq!(last_log(&d), "form f1 submitted");
    let after = deliver(&done, &mut [&mut d]).remove(0);
    assert!(
        matches!(&after[..], [Effect::Reply { .. }, Effect::UnblockCliPipe(p)] if p == "p1"),
        "{after:?}"
    );
    let (pipe, reply) = reply_of(&after);
    assert_eq!(pipe, "p1");
    assert_eq!(
        reply,
        json!({"status": "submitted", "id": "f1", "values": {"answer": "yes \"quoted\" é"}})
    );
    // A second copy of the claim (or a late one) does nothing.
    assert!(deliver(&done, &mut [&mut d]).remove(0).is_empty());
}

#[test]
fn claims_are_only_read_from_plugins() {
    let mut d = dashboard("me");
    ask(&mut d, "p1", "f1", "alpha");
    let payload = json!({"pipe_id": "p1", "id": "f1", "by": "other"}).to_string();
    assert!(
        d.apply_pipe_message(CLAIM_PIPE, Some(&payload), &cli("x"), now())
            .is_empty()
    );
    assert_eq!(d.inbox().len(), 1);
}

#[test]
fn forms_queue_oldest_first_and_page_keys_switch_keeping_typed_text() {
    let mut d = dashboard("me");
    ask(&mut d, "p1", "f1", "alpha");
    ask(&mut d, "p2", "f2", "beta");
    ask(&mut d, "p3", "f3", "gamma");
    let ids = |d: &Dashboard| {
        d.inbox()
            .forms()
            .iter()
            .map(|f| f.form.id().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&d), ["f1", "f2", "f3"]);
    assert_eq!(d.inbox().current().unwrap().form.id(), "f1");
    typed(&mut d, "one");
    assert_eq!(keys(&mut d, &[Key::PageDown]), [Effect::Redraw]);
    assert_eq!(d.inbox().current().unwrap().form.id(), "f2");
    typed(&mut d, "two");
    keys(&mut d, &[Key::PageUp, Key::PageUp]);
    assert_eq!(d.inbox().current().unwrap().form.id(), "f3", "wraps");
    keys(&mut d, &[Key::PageDown]);
    assert_eq!(
        d.inbox().current().unwrap().form.value("answer"),
        Some(exomonad_protocol::form::FieldValue::Text("one".into()))
    );
    // Answer the middle one first.
    keys(&mut d, &[Key::PageDown]);
    let done = keys(&mut d, &[Key::Enter]);
    let (pipe, reply) = reply_of(&deliver(&done, &mut [&mut d]).remove(0));
    assert_eq!(
        (pipe.as_str(), &reply["id"], &reply["values"]["answer"]),
        ("p2", &json!("f2"), &json!("two"))
    );
    assert_eq!(ids(&d), ["f1", "f3"]);
    assert_eq!(
        d.inbox().current().unwrap().form.id(),
        "f3",
        "the next newer form is shown"
    );
}

#[test]
fn page_keys_with_one_form_do_nothing_and_scroll_the_log_without_forms() {
    let mut d = dashboard("me");
    ask(&mut d, "p1", "f1", "alpha");
    assert!(keys(&mut d, &[Key::PageDown]).is_empty());
    let mut d = dashboard("me");
    assert!(keys(&mut d, &[Key::Char('x'), Key::Tab]).is_empty());
}

#[test]
fn malformed_and_invalid_requests_are_rejected_on_their_pipe() {
    for (payload, id, needle) in [
        ("{not json".to_owned(), Value::Null, "malformed"),
        (json!({"id": "bad1", "title": "T", "agent_id": "a", "fields": [{"name": "x", "label": "X", "kind": "choice", "options": []}]}).to_string(), json!("bad1"), "\"x\""),
        (json!({"id": "bad2", "title": "T", "agent_id": "a", "fields": [{"name": "x", "label": "X", "kind": "slider"}]}).to_string(), json!("bad2"), "slider"),
    ] {
        let mut d = dashboard("me");
        let effects = d.apply_pipe_message(POPUP_PIPE, Some(&payload), &cli("p9"), now());
        assert_eq!(effects[0], Effect::BlockCliPipe("p9".into()));
        assert!(d.inbox().is_empty());
        let e = d.log().back().unwrap();
        assert_eq!(e.kind, LogKind::Error);
        assert!(e.text.starts_with("form rejected: "), "{}", e.text);
        let after = deliver(&effects, &mut [&mut d]).remove(0);
        let (pipe, reply) = reply_of(&after);
        assert_eq!(pipe, "p9");
        assert_eq!(reply["status"], "rejected");
        assert_eq!(reply.get("id").cloned().unwrap_or(Value::Null), id);
        assert!(reply["error"].as_str().unwrap().contains(needle), "{reply}");
        assert_eq!(after.last(), Some(&Effect::UnblockCliPipe("p9".into())));
    }
}

#[test]
fn a_duplicate_pending_id_is_rejected_and_the_first_form_stays() {
    let mut d = dashboard("me");
    ask(&mut d, "p1", "f1", "alpha");
    let effects = ask(&mut d, "p2", "f1", "beta");
    assert_eq!(d.inbox().len(), 1);
    let (pipe, reply) = reply_of(&deliver(&effects, &mut [&mut d]).remove(0));
    assert_eq!(pipe, "p2");
    assert_eq!(
        reply,
        json!({"status": "rejected", "id": "f1", "error": "form f1 is already pending"})
    );
    assert_eq!(d.inbox().forms()[0].pipe_id, "p1");
}

#[test]
fn a_form_from_a_plugin_or_keybind_has_no_reply_path() {
    let mut d = dashboard("me");
    let effects = d.apply_pipe_message(
        POPUP_PIPE,
        Some(&request("f1", "a")),
        &PipeFrom::Plugin(3),
        now(),
    );
    assert_eq!(effects, [Effect::Redraw]);
    assert!(d.inbox().is_empty());
    assert_eq!(d.log().back().unwrap().kind, LogKind::Error);
}

#[test]
fn the_host_cancels_a_form_and_the_asker_gets_timed_out() {
    let mut d = dashboard("me");
    ask(&mut d, "p1", "f1", "alpha");
    ask(&mut d, "p2", "f2", "beta");
    let cancel = json!({"id": "f1", "reason": "timed out after 30s"}).to_string();
    let effects = d.apply_pipe_message(POPUP_CANCEL_PIPE, Some(&cancel), &cli("c1"), now());
    assert_eq!(d.inbox().len(), 1);
    assert_eq!(last_log(&d), "form f1 timed out: timed out after 30s");
    let (pipe, reply) = reply_of(&deliver(&effects, &mut [&mut d]).remove(0));
    assert_eq!(pipe, "p1");
    assert_eq!(reply, json!({"status": "timed_out", "id": "f1"}));
    // Unknown ids and garbage are harmless.
    assert!(
        d.apply_pipe_message(
            POPUP_CANCEL_PIPE,
            Some(r#"{"id":"nope"}"#),
            &cli("c2"),
            now()
        )
        .is_empty()
    );
    d.apply_pipe_message(POPUP_CANCEL_PIPE, Some("{"), &cli("c3"), now());
    assert_eq!(d.log().back().unwrap().kind, LogKind::Error);
    assert_eq!(d.inbox().len(), 1);
}

#[test]
fn esc_then_enter_cancels_and_replies_cancelled() {
    let mut d = dashboard("me");
    ask(&mut d, "p1", "f1", "alpha");
    let done = keys(&mut d, &[Key::Esc, Key::Enter]);
    assert_eq!(last_log(&d), "form f1 cancelled");
    let (_, reply) = reply_of(&deliver(&done, &mut [&mut d]).remove(0));
    assert_eq!(reply, json!({"status": "cancelled", "id": "f1"}));
}

#[test]
fn two_instances_answer_exactly_once() {
    // Zellij gives the same CLI pipe to both instances (two panes, or two clients).
    let mut a = dashboard("1/1");
    let mut b = dashboard("1/2");
    ask(&mut a, "p1", "f1", "alpha");
    ask(&mut b, "p1", "f1", "alpha");
    typed(&mut a, "from a");
    typed(&mut b, "from b");
    let done_a = keys(&mut a, &[Key::Enter]);
    let done_b = keys(&mut b, &[Key::Enter]);
    // Zellij dispatches a's claim first, then b's, to both instances in that order.
    let mut first = deliver(&done_a, &mut [&mut a, &mut b]);
    let mut second = deliver(&done_b, &mut [&mut a, &mut b]);
    let all: Vec<Effect> = first
        .iter_mut()
        .chain(second.iter_mut())
        .flat_map(std::mem::take)
        .collect();
    let (_, reply) = reply_of(&all);
    assert_eq!(reply["values"]["answer"], "from a");
    let unblocks = all
        .iter()
        .filter(|e| matches!(e, Effect::UnblockCliPipe(_)))
        .count();
    assert_eq!(unblocks, 1, "only the winner releases the pipe: {all:?}");
    assert!(
        last_log(&b).contains("answered in another dashboard first"),
        "{}",
        last_log(&b)
    );
}

#[test]
fn an_instance_that_did_not_answer_drops_the_form_when_another_does() {
    let mut a = dashboard("1/1");
    let mut b = dashboard("2/1");
    ask(&mut a, "p1", "f1", "alpha");
    ask(&mut b, "p1", "f1", "alpha");
    typed(&mut b, "half-typed");
    let done_a = keys(&mut a, &[Key::Esc, Key::Enter]);
    let effects = deliver(&done_a, &mut [&mut a, &mut b]);
    assert_eq!(reply_of(&effects[0]).1["status"], "cancelled");
    assert_eq!(
        effects[1],
        [Effect::Redraw],
        "no reply, no unblock from the loser"
    );
    assert!(b.inbox().is_empty());
    assert_eq!(last_log(&b), "form f1 answered in another dashboard");
}

#[test]
fn the_inbox_is_bounded() {
    let mut d = dashboard("me");
    for i in 0..MAX_FORMS {
        ask(&mut d, &format!("p{i}"), &format!("f{i}"), "alpha");
    }
    let effects = ask(&mut d, "px", "fx", "alpha");
    assert_eq!(d.inbox().len(), MAX_FORMS);
    assert_eq!(
        reply_of(&deliver(&effects, &mut [&mut d]).remove(0)).1["status"],
        "rejected"
    );
}

#[test]
fn a_second_request_on_the_same_pipe_is_ignored() {
    let mut d = dashboard("me");
    ask(&mut d, "p1", "f1", "alpha");
    let effects = ask(&mut d, "p1", "f2", "alpha");
    assert_eq!(effects, [Effect::Redraw]);
    assert_eq!(d.inbox().len(), 1);
}

#[test]
fn a_form_asked_again_after_its_answer_gets_the_same_answer_without_showing_it() {
    let mut d = dashboard("me");
    ask_with(&mut d, "p1", "f1", "alpha", "n1");
    typed(&mut d, "first answer");
    let done = keys(&mut d, &[Key::Enter]);
    let (_, first) = reply_of(&deliver(&done, &mut [&mut d]).remove(0));
    // The host lost the reply and asks again with the same request on a new pipe.
    let again = ask_with(&mut d, "p2", "f1", "alpha", "n1");
    assert!(d.inbox().is_empty(), "not shown again: {again:?}");
    assert_eq!(again[0], Effect::BlockCliPipe("p2".into()));
    let after = deliver(&again, &mut [&mut d]).remove(0);
    let (pipe, second) = reply_of(&after);
    assert_eq!((pipe.as_str(), &second), ("p2", &first));
    assert_eq!(after.last(), Some(&Effect::UnblockCliPipe("p2".into())));
    // Another agent's form with the same id is a new question.
    ask_with(&mut d, "p3", "f1", "beta", "n1");
    assert_eq!(d.inbox().len(), 1);
}

#[test]
fn a_new_ask_of_an_answered_form_is_shown_again() {
    // The README's popup example run twice: the same form id, two asks.
    let mut d = dashboard("me");
    ask_with(&mut d, "p1", "deploy-1", "alpha", "n1");
    typed(&mut d, "first");
    let done = keys(&mut d, &[Key::Enter]);
    deliver(&done, &mut [&mut d]);
    assert!(d.inbox().is_empty());
    let second = ask_with(&mut d, "p2", "deploy-1", "alpha", "n2");
    assert_eq!(d.inbox().len(), 1, "shown again: {second:?}");
    assert!(broadcasts(&second).is_empty(), "not answered: {second:?}");
    typed(&mut d, "second");
    let done = keys(&mut d, &[Key::Enter]);
    let (pipe, reply) = reply_of(&deliver(&done, &mut [&mut d]).remove(0));
    assert_eq!(
        (pipe.as_str(), &reply["values"]["answer"]),
        ("p2", &json!("second"))
    );
    // A request without an ask identity is never answered from an earlier answer either.
    let third = ask(&mut d, "p3", "deploy-1", "alpha");
    assert_eq!(d.inbox().len(), 1, "shown again: {third:?}");
}

#[test]
fn a_new_ask_while_the_form_is_pending_does_not_take_its_pipe() {
    let mut d = dashboard("me");
    ask_with(&mut d, "p1", "f1", "alpha", "n1");
    let effects = ask_with(&mut d, "p2", "f1", "alpha", "n2");
    let (pipe, reply) = reply_of(&deliver(&effects, &mut [&mut d]).remove(0));
    assert_eq!(
        (pipe.as_str(), &reply["status"]),
        ("p2", &json!("rejected"))
    );
    assert_eq!(d.inbox().forms()[0].pipe_id, "p1");
}

#[test]
fn a_form_asked_again_while_pending_moves_to_the_new_pipe_keeping_the_typed_text() {
    let mut d = dashboard("me");
    ask_with(&mut d, "p1", "f1", "alpha", "n1");
    typed(&mut d, "half ");
    let again = ask_with(&mut d, "p2", "f1", "alpha", "n1");
    assert_eq!(again[0], Effect::BlockCliPipe("p2".into()));
    assert_eq!(d.inbox().len(), 1, "still one form");
    typed(&mut d, "done");
    let done = keys(&mut d, &[Key::Enter]);
    let (pipe, reply) = reply_of(&deliver(&done, &mut [&mut d]).remove(0));
    assert_eq!(pipe, "p2");
    assert_eq!(reply["values"]["answer"], "half done");
}

//! Popup forms (`shared-protocol/src/form.rs`): any JSON text through `FormRequest::from_json`
//! and validation; a valid form is then drawn and typed into (`ui/src/form`) with keys from
//! the bytes after the first NUL (the first two: the pane's rows and columns), and every
//! frame must fit the pane with no unsafe character. Seeds: the `ask_human` conformance forms.
#![no_main]

use arbitrary::Unstructured;
use exomonad_fuzz::{check_frame, key, split_text};
use exomonad_protocol::form::FormRequest;
use exomonad_ui::form::{FormEvent, FormState, render};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (text, rest) = split_text(data);
    let Ok(request) = FormRequest::from_json(&text) else {
        return;
    };
    if request.validate().is_err() {
        return;
    }
    let mut u = Unstructured::new(rest);
    let rows = usize::from(u.arbitrary::<u8>().unwrap_or(20) % 60);
    let cols = usize::from(u.arbitrary::<u8>().unwrap_or(80));
    let mut form = FormState::new(request);
    check_frame(&render(&form, rows, cols), rows, cols);
    while !u.is_empty() {
        let Ok(k) = key(&mut u) else { return };
        if let FormEvent::Done(reply) = form.handle(k) {
            serde_json::to_string(&reply).expect("a reply serializes");
            return;
        }
        check_frame(&render(&form, rows, cols), rows, cols);
    }
});

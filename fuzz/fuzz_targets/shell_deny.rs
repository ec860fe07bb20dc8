//! The shell tokenizer and the deny-list (`guest-rust/src/{shell,deny}.rs`): any command line
//! an agent sends to its shell tool, with any working directory. Never panics, terminates.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&str, Option<&str>)| {
    let (script, cwd) = input;
    let _ = exomonad_guest::shell::simple_commands(script);
    if let Some(violation) = exomonad_guest::deny::check_command(script, cwd) {
        let _ = violation.reason();
    }
});

//! `exomonad completions <shell>` and `exomonad man`: generated from the same clap
//! definitions as the parser, so every subcommand shows up; the bash script parses in bash.

use std::process::Command;

const EXE: &str = env!("CARGO_BIN_EXE_exomonad");
const SUBCOMMANDS: &[&str] = &["hook", "spawn", "cleanup", "init", "doctor", "completions"];

fn run(args: &[&str]) -> String {
    let out = Command::new(EXE).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "exomonad {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn completions_name_every_subcommand() {
    for shell in ["bash", "zsh", "fish"] {
        let script = run(&["completions", shell]);
        for sub in SUBCOMMANDS {
            assert!(script.contains(sub), "{shell}: no {sub}");
        }
    }
    let bash = run(&["completions", "bash"]);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("exomonad.bash");
    std::fs::write(&file, bash).unwrap();
    let check = Command::new("bash").arg("-n").arg(&file).output().unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn man_pages_for_the_command_and_each_subcommand() {
    let page = run(&["man"]);
    assert!(page.contains(".TH exomonad 1"), "{page}");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("man1");
    run(&["man", "--out-dir", out.to_str().unwrap()]);
    for sub in SUBCOMMANDS {
        let file = out.join(format!("exomonad-{sub}.1"));
        let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file:?}: {e}"));
        assert!(text.contains(".TH"), "{file:?}");
    }
}

//! `exomonad completions <shell>` and `exomonad man`: shell completions (clap_complete) and
//! the man page (clap_mangen, roff), both generated from the same clap definitions as the
//! parser ([`crate::cli::Cli`]), printed on stdout. `scripts/install.sh` writes them where
//! the shells and `man` look.

use std::process::ExitCode;

use clap::CommandFactory;

use crate::cli::Cli;

/// Prints the completion script for `shell` (bash, zsh, fish, elvish, powershell).
pub fn completions(shell: clap_complete::Shell) -> ExitCode {
    let mut cmd = Cli::command();
    // Into memory first: clap_complete panics when its writer fails (`| head`).
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "exomonad", &mut script);
    write_stdout(&script)
}

/// Writes `bytes` to stdout; a reader that went away (`| head`) is not an error.
fn write_stdout(bytes: &[u8]) -> ExitCode {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("exomonad: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Prints `exomonad(1)` in roff on stdout; with `out_dir`, writes it and one page per
/// subcommand (`exomonad-spawn.1`, ...) into that directory instead.
pub fn man(out_dir: Option<&std::path::Path>) -> ExitCode {
    let cmd = Cli::command();
    let result = match out_dir {
        Some(dir) => std::fs::create_dir_all(dir)
            .and_then(|()| clap_mangen::generate_to(cmd, dir))
            .map_err(|e| format!("writing the man pages to {}: {e}", dir.display())),
        None => {
            let mut page = Vec::new();
            match clap_mangen::Man::new(cmd).render(&mut page) {
                Ok(()) => return write_stdout(&page),
                Err(e) => Err(format!("rendering the man page: {e}")),
            }
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("exomonad: {e}");
            ExitCode::FAILURE
        }
    }
}

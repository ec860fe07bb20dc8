//! The `exomonad` binary; everything lives in the library (see `exomonad::cli`).

fn main() -> std::process::ExitCode {
    exomonad::cli::run()
}

//! `exomonad guest check <file.wasm> [--vectors DIR]` and `exomonad guest check --embedded`:
//! runs the conformance vectors against a guest ([`crate::guest::conformance`]) and prints
//! one line per vector and a summary line `N passed, N failed`. Exit 0 when every vector
//! passed; 1 when any failed, none was found, or the guest does not load.

use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};

use crate::guest::GuestOptions;
use crate::guest::conformance::{Outcome, default_vectors_dir, load_vectors, run_vectors, table};

/// Runs `exomonad guest check`: the guest is `file`, or the embedded one with `embedded`;
/// the vectors come from `vectors` or [`default_vectors_dir`].
pub fn check(file: Option<&Path>, embedded: bool, vectors: Option<&Path>) -> ExitCode {
    match check_inner(file, embedded, vectors) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("exomonad guest check: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn check_inner(file: Option<&Path>, embedded: bool, vectors: Option<&Path>) -> Result<bool> {
    let wasm = match (file, embedded) {
        (Some(_), true) => bail!("give either a guest file or --embedded, not both"),
        (None, false) => bail!("give a guest file (.wasm) or --embedded"),
        (Some(path), false) => {
            std::fs::read(path).with_context(|| format!("reading {}", path.display()))?
        }
        (None, true) => crate::base::assets::GUEST_WASM.to_vec(),
    };
    let dir = match vectors {
        Some(dir) => dir.to_path_buf(),
        None => default_vectors_dir().context(
            "no conformance vectors found: run from the exomonad repository or pass --vectors DIR",
        )?,
    };
    let vectors = load_vectors(&dir)?;
    if vectors.is_empty() {
        bail!("no vectors (*.json) in {}", dir.display());
    }
    let outcomes = run_vectors(&wasm, &vectors, &GuestOptions::default())?;
    print!("{}", table(&outcomes));
    Ok(outcomes.iter().all(Outcome::passed))
}

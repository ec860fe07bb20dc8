//! `exomonad trust [--revoke]`: trusts (or stops trusting) the project's config file as it
//! is now ([`crate::base::trust::trust_project`]), and prints what that allows.

use std::process::ExitCode;

use crate::base::trust::{self, TrustStore};
use crate::context::Context;

/// Runs `exomonad trust`; prints the file and the guarded keys it now enables, or the error
/// (exit 1).
pub fn exec(ctx: &Context, revoke: bool) -> ExitCode {
    super::report((|| {
        let store = TrustStore::open_default()?;
        if revoke {
            let (file, was) = trust::revoke_project(&store, &ctx.project_dir)?;
            let what = if was {
                "no longer trusted"
            } else {
                "was not trusted"
            };
            println!("{}: {what}", file.display());
            return Ok(());
        }
        let trusted = trust::trust_project(&store, &ctx.project_dir)?;
        println!("trusted {} as it is now", trusted.file.display());
        if trusted.keys.is_empty() {
            println!("it sets no key that runs code or sends credentials");
        }
        for (key, value) in &trusted.keys {
            println!("  {key} = {value}");
        }
        Ok(())
    })())
}

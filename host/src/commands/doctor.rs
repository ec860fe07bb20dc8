//! `exomonad doctor [--json]`: runs the doctor flow ([`crate::doctor`]) and prints one line
//! per check — `ok`, `warn` or `FAIL`, what was found, and under a problem the exact fix —
//! or, with `--json`, the [`Report`] (`{"project", "ok", "checks": [{"id", "status",
//! "summary", "fix"}]}`). Exit code: 1 when a check failed (something blocks the main job),
//! else 0.

use std::process::ExitCode;

use crate::context::Context;
use crate::doctor::{self, Probes, Report, Status};

/// Runs `exomonad doctor`.
pub fn exec(ctx: &Context, json: bool) -> ExitCode {
    let report = doctor::run(ctx, &Probes::from_process(ctx));
    if json {
        match serde_json::to_string_pretty(&report) {
            Ok(text) => println!("{text}"),
            Err(e) => {
                eprintln!("exomonad: {e}");
                return ExitCode::FAILURE;
            }
        }
    } else {
        print!("{}", text(&report));
    }
    if report.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The report as the terminal shows it.
pub fn text(report: &Report) -> String {
    let width = report.checks.iter().map(|f| f.id.len()).max().unwrap_or(0);
    let mut out = format!("exomonad doctor: {}\n", report.project.display());
    for f in &report.checks {
        let mark = match f.status {
            Status::Ok => "ok  ",
            Status::Warn => "warn",
            Status::Fail => "FAIL",
        };
        out.push_str(&format!("{mark}  {:<width$}  {}\n", f.id, f.summary));
        if let Some(fix) = &f.fix {
            out.push_str(&format!("      {:<width$}  fix: {fix}\n", ""));
        }
    }
    let failed = report
        .checks
        .iter()
        .filter(|f| f.status == Status::Fail)
        .count();
    out.push_str(&if failed == 0 {
        "nothing blocks exomonad\n".to_owned()
    } else {
        format!(
            "{failed} problem{} block{} exomonad: see the fixes above\n",
            if failed == 1 { "" } else { "s" },
            if failed == 1 { "s" } else { "" }
        )
    });
    out
}

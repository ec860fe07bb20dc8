//! The embedded Rust guest against every conformance vector of `tests/conformance/`, through
//! the real Extism runtime with the scripted host functions of `exomonad guest check`.

use std::path::Path;

use exomonad::guest::conformance::{load_vectors, run_vectors, table};
use exomonad::guest::{CacheMode, GuestOptions};

#[test]
fn the_embedded_guest_passes_every_vector() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/conformance");
    let vectors = load_vectors(&dir).expect("the vectors parse");
    assert!(vectors.len() >= 50, "only {} vectors", vectors.len());
    let cache = tempfile::tempdir().unwrap();
    let options = GuestOptions {
        cache: CacheMode::Dir(cache.path().to_path_buf()),
        ..GuestOptions::default()
    };
    let outcomes = run_vectors(exomonad::base::assets::GUEST_WASM, &vectors, &options)
        .expect("the guest loads");
    let report = table(&outcomes);
    println!("{report}");
    assert!(outcomes.iter().all(|o| o.passed()), "{report}");
}

#[test]
fn a_wrong_expectation_is_reported_as_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("wrong.json"),
        r#"{"description":"expects a deny the guest does not give","export":"abi_version",
            "input_raw":"","host_calls":[{"fn":"log","request":{},"reply":{"ok":null}}],
            "output":{"ok":{"verdict":"deny"}}}"#,
    )
    .unwrap();
    let vectors = load_vectors(dir.path()).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let options = GuestOptions {
        cache: CacheMode::Dir(cache.path().to_path_buf()),
        ..GuestOptions::default()
    };
    let outcomes = run_vectors(exomonad::base::assets::GUEST_WASM, &vectors, &options).unwrap();
    let report = table(&outcomes);
    assert!(report.contains("FAIL  wrong"), "{report}");
    assert!(report.contains("host calls not made: log"), "{report}");
    assert!(report.ends_with("0 passed, 1 failed\n"), "{report}");
}

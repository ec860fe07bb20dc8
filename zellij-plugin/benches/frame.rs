//! Cost of the dashboard's two hot paths: applying events and rendering a frame.
//!
//! Run: `cargo bench -p exomonad-dashboard -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use exomonad_dashboard::{Dashboard, render};

#[path = "support/workload.rs"]
mod workload;

use workload::{COLS, EVENTS, ROWS};

/// Parsing and applying all [`EVENTS`] pipe payloads to a fresh dashboard.
fn apply(c: &mut Criterion) {
    let payloads = workload::payloads();
    let mut group = c.benchmark_group("apply");
    group.throughput(Throughput::Elements(EVENTS as u64));
    group.bench_function("10k_events_100_agents", |b| {
        b.iter(|| {
            let mut d = Dashboard::new();
            workload::apply_all(&mut d, black_box(&payloads));
            d
        })
    });
    group.finish();
}

/// Rendering one 200 × 50 frame of the dashboard the workload leaves behind.
fn frame(c: &mut Criterion) {
    let mut d = Dashboard::new();
    workload::apply_all(&mut d, &workload::payloads());
    let now = workload::now();
    c.bench_function("render/200x50", |b| {
        b.iter(|| render(black_box(&d), now, ROWS, COLS))
    });
}

criterion_group!(benches, apply, frame);
criterion_main!(benches);

//! Peak heap use of the benchmark workload (10,000 events over 100 agents, then one 200 × 50
//! frame), measured with a counting global allocator.
//!
//! Run: `cargo run -p exomonad-dashboard --release --example peak_heap`. Prints bytes above
//! the baseline taken after the input payloads were built (they are not the dashboard's).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

use exomonad_dashboard::{Dashboard, render};

#[path = "../benches/support/workload.rs"]
mod workload;

/// Forwards to the system allocator, keeping the live and peak byte counts.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(bytes: usize) {
    let live = LIVE.fetch_add(bytes, Relaxed) + bytes;
    PEAK.fetch_max(live, Relaxed);
}

// SAFETY: every call is forwarded unchanged to `System`; only counters are added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: same contract as the caller's.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Relaxed);
            grew(new_size);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Resets the peak to the live count and returns that count (the new baseline).
fn baseline() -> usize {
    let live = LIVE.load(Relaxed);
    PEAK.store(live, Relaxed);
    live
}

fn main() {
    let payloads = workload::payloads();

    let base = baseline();
    let mut dashboard = Dashboard::new();
    workload::apply_all(&mut dashboard, &payloads);
    let apply_peak = PEAK.load(Relaxed) - base;
    let retained = LIVE.load(Relaxed) - base;

    let before_render = baseline();
    let frame = render(&dashboard, workload::now(), workload::ROWS, workload::COLS);
    let render_peak = PEAK.load(Relaxed) - before_render;
    let frame_bytes = LIVE.load(Relaxed) - before_render;

    println!(
        "workload: {} events, {} agents, {}x{} frame ({} lines)",
        workload::EVENTS,
        workload::AGENTS,
        workload::COLS,
        workload::ROWS,
        frame.lines.len()
    );
    println!("dashboard after all events (retained): {retained} bytes");
    println!("peak while applying events:            {apply_peak} bytes");
    println!("peak while rendering one frame:        {render_peak} bytes");
    println!("frame (retained):                      {frame_bytes} bytes");
    println!(
        "peak overall (dashboard + render):     {} bytes",
        retained + render_peak
    );
}

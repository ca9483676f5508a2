//! Memory per idle spawned task, on eddy or on Tokio: the program behind `bench/scale.py`'s task rows.
//!
//! ```text
//! scale_tasks --runtime eddy|tokio [--tasks 100000]
//! ```
//! Builds a one-worker multi-thread runtime, warms it up with one task, then spawns `--tasks` tasks
//! that each count themselves as started and then wait on `std::future::pending()` forever (their
//! `JoinHandle`s are dropped, so nothing but the task itself is kept per task). Once every task has
//! been polled once and is parked, it prints one JSON line:
//!
//! - `rss_per_task`: growth of the resident set (`Rss` of `/proc/self/smaps_rollup`, or `VmRSS` of
//!   `/proc/self/status`) divided by the task count, in bytes;
//! - `alloc_per_task` and `allocs_per_task`: growth of the bytes and blocks live in the global
//!   allocator (this program counts them) divided by the task count.
//!
//! Bad arguments print one line and exit with status 2.

#[path = "scale_support/counting_alloc.rs"]
mod counting_alloc;
#[path = "scale_support/rss.rs"]
mod rss;

use counting_alloc::{live_blocks, live_bytes};
use std::process::exit;
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long the tasks may take to all be polled once before the program gives up.
const START_TIMEOUT: Duration = Duration::from_secs(120);

fn fail(msg: &str) -> ! {
    eprintln!("scale_tasks: {msg}");
    exit(2)
}

/// What one task does: count itself as started, then wait forever.
async fn idle_task(started: Arc<AtomicUsize>) {
    started.fetch_add(1, Relaxed);
    std::future::pending::<()>().await
}

/// Memory figures before and after the tasks were spawned.
struct Snapshot {
    rss: u64,
    bytes: usize,
    blocks: usize,
}

fn snapshot() -> Snapshot {
    Snapshot {
        rss: rss::self_bytes().unwrap_or_else(|| fail("cannot read the resident set size")),
        bytes: live_bytes(),
        blocks: live_blocks(),
    }
}

/// Waits (sleeping, never spinning) until `started` reaches `n`.
fn wait_started(started: &AtomicUsize, n: usize) {
    let deadline = Instant::now() + START_TIMEOUT;
    while started.load(Relaxed) < n {
        if Instant::now() > deadline {
            fail(&format!(
                "only {} of {n} tasks started within {START_TIMEOUT:?}",
                started.load(Relaxed)
            ));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Spawns the tasks on `$krate`'s runtime and returns the snapshots around them.
macro_rules! measure {
    ($krate:ident, $n:expr) => {{
        let n: usize = $n;
        let rt = $krate::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap_or_else(|e| fail(&format!("runtime: {e}")));
        // Warm-up: the first spawn and the worker's first park allocate once per runtime.
        rt.block_on(async { $krate::spawn(async {}).await.ok() });
        let started = Arc::new(AtomicUsize::new(0));
        std::thread::sleep(Duration::from_millis(20));
        let before = snapshot();
        for _ in 0..n {
            drop(rt.spawn(idle_task(started.clone())));
        }
        wait_started(&started, n);
        // Let the worker finish the poll that counted the last task and go back to sleep.
        std::thread::sleep(Duration::from_millis(50));
        let after = snapshot();
        (before, after, rt)
    }};
}

fn main() {
    let mut runtime = None;
    let mut tasks: usize = 100_000;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--runtime" => match it.next().as_deref() {
                Some(r @ ("eddy" | "tokio")) => runtime = Some(r.to_string()),
                _ => fail("--runtime needs eddy or tokio"),
            },
            "--tasks" => match it.next().and_then(|v| v.parse::<usize>().ok()) {
                Some(n) if n > 0 => tasks = n,
                _ => fail("--tasks needs a positive number"),
            },
            "-h" | "--help" => {
                println!("usage: scale_tasks --runtime eddy|tokio [--tasks N]");
                return;
            }
            other => fail(&format!("unknown argument {other:?}; try --help")),
        }
    }
    let Some(runtime) = runtime else {
        fail("--runtime is required (eddy or tokio)")
    };
    if runtime == "eddy" {
        let (before, after, rt) = measure!(eddy, tasks);
        report(&runtime, tasks, &before, &after);
        // Shutting down cancels and frees every parked task; not part of the figures.
        drop(rt);
    } else {
        let (before, after, rt) = measure!(tokio, tasks);
        report(&runtime, tasks, &before, &after);
        drop(rt);
    }
}

/// Prints the figures as one JSON line.
fn report(runtime: &str, tasks: usize, before: &Snapshot, after: &Snapshot) {
    let n = tasks as f64;
    println!(
        "{{\"runtime\":\"{runtime}\",\"tasks\":{tasks},\"rss_before\":{},\"rss_after\":{},\
         \"rss_per_task\":{:.1},\"alloc_per_task\":{:.1},\"allocs_per_task\":{:.3}}}",
        before.rss,
        after.rss,
        after.rss.saturating_sub(before.rss) as f64 / n,
        after.bytes.saturating_sub(before.bytes) as f64 / n,
        after.blocks.saturating_sub(before.blocks) as f64 / n,
    );
}

//! Scheduler benchmark: Tokio's multi-thread scheduler workloads, with Tokio's parameters, run on
//! eddy and on Tokio side by side in one process, two worker threads each.
//!
//! Each workload is a criterion group with two functions, `eddy` and `tokio`, so criterion's
//! output (and `bench/micro.py` / `scripts/bench-ratio`, which read its estimates) compares them
//! directly:
//!
//! - `spawn_many_local`: 10,000 spawns from inside `block_on`; the last task to run reports
//!   over a std channel, which `block_on`'s future waits on.
//! - `spawn_many_remote_idle`: 10,000 spawns from outside the runtime onto idle workers, then all
//!   the handles are awaited.
//! - `spawn_many_remote_busy1`: the same while 2 × workers tasks keep the workers busy, each
//!   yielding and then spinning for 10 µs in a loop.
//! - `spawn_many_remote_busy2`: 1,000 spawns from outside while one chain per worker keeps the
//!   workers busy: each link spins for 10 µs, then spawns the next link and ends (a spawn wakes
//!   workers with a higher priority than a yield does).
//! - `ping_pong`: 1,000 pairs of tasks each exchange one message through two oneshot channels,
//!   each runtime's own (`eddy::sync::oneshot`, `tokio::sync::oneshot`), as in Tokio's benchmark.
//! - `yield_many`: 200 tasks each yield 1,000 times.
//! - `chained_spawn`: a chain of 1,000 tasks, each spawning the next.
//!
//! As in Tokio's benchmark, each function builds its runtime (and starts any busy tasks) once, at
//! its first sample, and runs every sample on it; a function filtered out builds nothing. Tokio's
//! benchmark runs 4 workers; here both runtimes get 2, the cores of the machine the targets are
//! set for.
//!
//! `cargo bench --bench rt_multi_threaded` runs it; `-- --test` runs every function once;
//! `bench/micro.py` runs it in alternated rounds and writes the medians for `bench/run`.

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion};

/// A criterion group holding one workload's `eddy` and `tokio` functions.
type Group<'a> = BenchmarkGroup<'a, WallTime>;

/// Worker threads of every runtime here.
const NUM_WORKERS: usize = 2;
/// Tasks spawned per iteration by the spawn workloads.
const NUM_SPAWN: usize = 10_000;
/// How long a busy task spins between yields.
const STALL: std::time::Duration = std::time::Duration::from_micros(10);

/// Spins for [`STALL`], as a task that does real work between yields would.
fn stall() {
    let start = std::time::Instant::now();
    while start.elapsed() < STALL {
        std::thread::yield_now();
    }
}

/// The workloads, written once and instantiated for each runtime crate (`$krate` is `eddy` or
/// `tokio`: the two expose the same API under the same paths).
macro_rules! workloads {
    ($module:ident, $krate:ident) => {
        mod $module {
            use super::{stall, Group, NUM_SPAWN, NUM_WORKERS};
            use std::sync::atomic::Ordering::Relaxed;
            use std::sync::atomic::{AtomicBool, AtomicUsize};
            use std::sync::{mpsc, Arc};
            use $krate::runtime::{Builder, Runtime};
            use $krate::sync::oneshot;

            /// Criterion function id: the runtime's crate name.
            const ID: &str = stringify!($krate);

            fn rt() -> Runtime {
                Builder::new_multi_thread()
                    .worker_threads(NUM_WORKERS)
                    .enable_all()
                    .build()
                    .unwrap()
            }

            /// Spawns `n` empty tasks from this thread (outside the runtime), then waits for them all
            /// in `block_on`; `handles` is kept between iterations so its allocation is reused.
            fn spawn_from_outside_and_join(
                rt: &Runtime,
                n: usize,
                handles: &mut Vec<$krate::task::JoinHandle<()>>,
            ) {
                for _ in 0..n {
                    handles.push(rt.spawn(async {}));
                }
                rt.block_on(async {
                    for h in handles.drain(..) {
                        h.await.unwrap();
                    }
                });
            }

            pub fn spawn_many_local(g: &mut Group<'_>) {
                let mut rt = None;
                let (tx, rx) = mpsc::sync_channel(1000);
                let remaining = Arc::new(AtomicUsize::new(0));
                g.bench_function(ID, |b| {
                    let rt = rt.get_or_insert_with(self::rt);
                    b.iter(|| {
                        remaining.store(NUM_SPAWN, Relaxed);
                        rt.block_on(async {
                            for _ in 0..NUM_SPAWN {
                                let tx = tx.clone();
                                let remaining = remaining.clone();
                                $krate::spawn(async move {
                                    if remaining.fetch_sub(1, Relaxed) == 1 {
                                        tx.send(()).unwrap();
                                    }
                                });
                            }
                            rx.recv().unwrap();
                        });
                    });
                });
            }

            pub fn spawn_many_remote_idle(g: &mut Group<'_>) {
                let mut rt = None;
                let mut handles = Vec::with_capacity(NUM_SPAWN);
                g.bench_function(ID, |b| {
                    let rt = rt.get_or_insert_with(self::rt);
                    b.iter(|| spawn_from_outside_and_join(rt, NUM_SPAWN, &mut handles));
                });
            }

            pub fn spawn_many_remote_busy1(g: &mut Group<'_>) {
                let mut rt = None;
                let mut handles = Vec::with_capacity(NUM_SPAWN);
                let busy = Arc::new(AtomicBool::new(true));
                g.bench_function(ID, |b| {
                    let rt = rt.get_or_insert_with(|| {
                        let rt = self::rt();
                        for _ in 0..2 * NUM_WORKERS {
                            let busy = busy.clone();
                            rt.spawn(async move {
                                while busy.load(Relaxed) {
                                    $krate::task::yield_now().await;
                                    stall();
                                }
                            });
                        }
                        rt
                    });
                    b.iter(|| spawn_from_outside_and_join(rt, NUM_SPAWN, &mut handles));
                });
                busy.store(false, Relaxed);
            }

            pub fn spawn_many_remote_busy2(g: &mut Group<'_>) {
                const NUM_SPAWN: usize = 1_000;
                /// One link of a busy chain: spin, then hand over to a fresh task.
                fn link(busy: Arc<AtomicBool>) {
                    $krate::spawn(async move {
                        if busy.load(Relaxed) {
                            stall();
                            link(busy);
                        }
                    });
                }
                let mut rt = None;
                let mut handles = Vec::with_capacity(NUM_SPAWN);
                let busy = Arc::new(AtomicBool::new(true));
                g.bench_function(ID, |b| {
                    let rt = rt.get_or_insert_with(|| {
                        let rt = self::rt();
                        for _ in 0..NUM_WORKERS {
                            let busy = busy.clone();
                            rt.spawn(async move { link(busy) });
                        }
                        rt
                    });
                    b.iter(|| spawn_from_outside_and_join(rt, NUM_SPAWN, &mut handles));
                });
                busy.store(false, Relaxed);
            }

            pub fn ping_pong(g: &mut Group<'_>) {
                const NUM_PINGS: usize = 1_000;
                let mut rt = None;
                let (done_tx, done_rx) = mpsc::sync_channel(1000);
                let remaining = Arc::new(AtomicUsize::new(0));
                g.bench_function(ID, |b| {
                    let rt = rt.get_or_insert_with(self::rt);
                    b.iter(|| {
                        let done_tx = done_tx.clone();
                        let remaining = remaining.clone();
                        remaining.store(NUM_PINGS, Relaxed);
                        rt.block_on(async {
                            $krate::spawn(async move {
                                for _ in 0..NUM_PINGS {
                                    let remaining = remaining.clone();
                                    let done_tx = done_tx.clone();
                                    $krate::spawn(async move {
                                        let (ping_tx, ping_rx) = oneshot::channel::<()>();
                                        let (pong_tx, pong_rx) = oneshot::channel::<()>();
                                        $krate::spawn(async move {
                                            ping_rx.await.unwrap();
                                            pong_tx.send(()).unwrap();
                                        });
                                        ping_tx.send(()).unwrap();
                                        pong_rx.await.unwrap();
                                        if remaining.fetch_sub(1, Relaxed) == 1 {
                                            done_tx.send(()).unwrap();
                                        }
                                    });
                                }
                            });
                            done_rx.recv().unwrap();
                        });
                    });
                });
            }

            pub fn yield_many(g: &mut Group<'_>) {
                const NUM_YIELD: usize = 1_000;
                const TASKS: usize = 200;
                let mut rt = None;
                let (tx, rx) = mpsc::sync_channel(TASKS);
                g.bench_function(ID, |b| {
                    let rt = rt.get_or_insert_with(self::rt);
                    b.iter(|| {
                        for _ in 0..TASKS {
                            let tx = tx.clone();
                            rt.spawn(async move {
                                for _ in 0..NUM_YIELD {
                                    $krate::task::yield_now().await;
                                }
                                tx.send(()).unwrap();
                            });
                        }
                        for _ in 0..TASKS {
                            rx.recv().unwrap();
                        }
                    });
                });
            }

            pub fn chained_spawn(g: &mut Group<'_>) {
                const CHAIN: usize = 1_000;
                fn link(done: mpsc::SyncSender<()>, left: usize) {
                    if left == 0 {
                        done.send(()).unwrap();
                    } else {
                        $krate::spawn(async move { link(done, left - 1) });
                    }
                }
                let mut rt = None;
                let (done_tx, done_rx) = mpsc::sync_channel(1000);
                g.bench_function(ID, |b| {
                    let rt = rt.get_or_insert_with(self::rt);
                    b.iter(|| {
                        let done_tx = done_tx.clone();
                        rt.block_on(async {
                            $krate::spawn(async move { link(done_tx, CHAIN) });
                            done_rx.recv().unwrap();
                        });
                    });
                });
            }
        }
    };
}

workloads!(on_eddy, eddy);
workloads!(on_tokio, tokio);

/// One criterion group per workload, eddy first, then Tokio.
macro_rules! compare {
    ($c:ident, $($workload:ident),* $(,)?) => {
        $(
            let mut group = $c.benchmark_group(stringify!($workload));
            on_eddy::$workload(&mut group);
            on_tokio::$workload(&mut group);
            group.finish();
        )*
    };
}

fn scheduler(c: &mut Criterion) {
    compare!(
        c,
        spawn_many_local,
        spawn_many_remote_idle,
        spawn_many_remote_busy1,
        spawn_many_remote_busy2,
        ping_pong,
        yield_many,
        chained_spawn,
    );
}

criterion_group!(benches, scheduler);
criterion_main!(benches);

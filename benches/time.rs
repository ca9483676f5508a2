//! Timer benchmark: eddy's timers against Tokio's, side by side in one process (issue 4).
//!
//! - `timeout_create_cancel`: 1,000,000 `timeout`s, each polled once (which files its timer in the
//!   wheel) and dropped (which takes it out again), on a current-thread runtime. Measures insert
//!   and cancel.
//! - `sleeps_fire`: 100,000 tasks each sleeping 1 ms, all pending at once, on a current-thread
//!   runtime; the iteration ends when the last one has woken. Measures insert, expiry and wake-up.
//!
//! `cargo bench --bench time` runs it; `scripts/bench-ratio time` prints the eddy/Tokio ratios.

use criterion::{criterion_group, criterion_main, Criterion};
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Waker};
use std::time::{Duration, Instant};

/// Timeouts per iteration of `timeout_create_cancel`.
const NUM_TIMEOUTS: usize = 1_000_000;
/// Concurrent sleeps per iteration of `sleeps_fire`.
const NUM_SLEEPS: usize = 100_000;

/// Polls `f` once with a waker that does nothing.
fn poll_once<F: Future>(f: F) {
    let mut f = pin!(f);
    let mut cx = Context::from_waker(Waker::noop());
    let _ = f.as_mut().poll(&mut cx);
}

macro_rules! workloads {
    ($module:ident, $krate:ident) => {
        mod $module {
            use super::*;
            use $krate::runtime::{Builder, Runtime};

            fn rt() -> Runtime {
                Builder::new_current_thread().enable_all().build().unwrap()
            }

            pub fn timeout_create_cancel(iters: u64) -> Duration {
                let rt = rt();
                let _guard = rt.enter();
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let start = Instant::now();
                    for _ in 0..NUM_TIMEOUTS {
                        poll_once($krate::time::timeout(
                            Duration::from_secs(60),
                            std::future::pending::<()>(),
                        ));
                    }
                    total += start.elapsed();
                }
                total
            }

            pub fn sleeps_fire(iters: u64) -> Duration {
                let rt = rt();
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let start = Instant::now();
                    rt.block_on(async {
                        let mut handles = Vec::with_capacity(NUM_SLEEPS);
                        for _ in 0..NUM_SLEEPS {
                            handles
                                .push($krate::spawn($krate::time::sleep(Duration::from_millis(1))));
                        }
                        for h in handles {
                            h.await.unwrap();
                        }
                    });
                    total += start.elapsed();
                }
                total
            }
        }
    };
}

workloads!(on_eddy, eddy);
workloads!(on_tokio, tokio);

fn timeout_create_cancel(c: &mut Criterion) {
    let mut g = c.benchmark_group("timeout_create_cancel");
    g.sample_size(10);
    g.bench_function("eddy", |b| b.iter_custom(on_eddy::timeout_create_cancel));
    g.bench_function("tokio", |b| b.iter_custom(on_tokio::timeout_create_cancel));
    g.finish();
}

fn sleeps_fire(c: &mut Criterion) {
    let mut g = c.benchmark_group("sleeps_fire");
    g.sample_size(10);
    g.bench_function("eddy", |b| b.iter_custom(on_eddy::sleeps_fire));
    g.bench_function("tokio", |b| b.iter_custom(on_tokio::sleeps_fire));
    g.finish();
}

/// Memory per pending timer: both runtimes keep the timer entry inside the `Sleep` future (no
/// allocation per timer), so the size of `Sleep` is the figure. Printed once, before the runs.
fn report_sizes(_: &mut Criterion) {
    println!(
        "bytes per pending timer (size of Sleep): eddy {}, tokio {}",
        std::mem::size_of::<eddy::time::Sleep>(),
        std::mem::size_of::<tokio::time::Sleep>()
    );
}

criterion_group!(benches, report_sizes, timeout_create_cancel, sleeps_fire);
criterion_main!(benches);

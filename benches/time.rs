//! Timer benchmark: eddy's timers against Tokio's, side by side in one process (issue 4).
//!
//! - `timeout_create_cancel`: 1,000,000 `timeout`s, each polled once (which files its timer in the
//!   wheel) and dropped (which takes it out again), on a current-thread runtime. Measures insert
//!   and cancel.
//! - `sleeps_fire`: 100,000 tasks each sleeping 1 ms, all pending at once, on a current-thread
//!   runtime; the iteration ends when the last one has woken. Measures insert, expiry and wake-up.
//! - `sleep_reset`: one `Sleep` polled once, then pushed 1,000,000 times to a later deadline and
//!   polled again after each push, as an idle timeout is on every message of a connection.
//!   Measures `Sleep::reset` of a pending timer.
//! - `interval_tick`: 1,000 tasks each tick an `interval` of 1 ms 20 times, on a current-thread
//!   runtime and the real clock. The figure is the CPU time the runtime's thread spent per
//!   iteration (`CLOCK_THREAD_CPUTIME_ID`), not the wall time, which is mostly the 20 ms of
//!   waiting: it is the cost of 20,000 ticks (fire, wake, poll, re-arm) and the parks between them.
//!
//! `cargo bench --bench time` runs it; `bench/micro.py` runs it in alternated rounds and writes the
//! medians for `bench/run`.

use criterion::{criterion_group, criterion_main, Criterion};
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Waker};
use std::time::{Duration, Instant};

/// Timeouts per iteration of `timeout_create_cancel`.
const NUM_TIMEOUTS: usize = 1_000_000;
/// Concurrent sleeps per iteration of `sleeps_fire`.
const NUM_SLEEPS: usize = 100_000;
/// Deadline pushes per iteration of `sleep_reset`.
const NUM_RESETS: usize = 1_000_000;
/// Intervals, and ticks of each, per iteration of `interval_tick`.
const NUM_INTERVALS: usize = 1_000;
const NUM_TICKS: usize = 20;

/// CPU time the calling thread has used so far.
fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec for the duration of the call, and
    // CLOCK_THREAD_CPUTIME_ID is a clock every Linux kernel supports.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

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

            pub fn sleep_reset(iters: u64) -> Duration {
                let rt = rt();
                let _guard = rt.enter();
                let mut cx = Context::from_waker(Waker::noop());
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let base = $krate::time::Instant::now() + Duration::from_secs(60);
                    let mut sleep = pin!($krate::time::sleep_until(base));
                    assert!(sleep.as_mut().poll(&mut cx).is_pending());
                    let start = Instant::now();
                    for i in 0..NUM_RESETS {
                        let deadline = base + Duration::from_micros(i as u64);
                        sleep.as_mut().reset(deadline);
                        let _ = sleep.as_mut().poll(&mut cx);
                    }
                    total += start.elapsed();
                }
                total
            }

            pub fn interval_tick(iters: u64) -> Duration {
                let rt = rt();
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let start = thread_cpu_time();
                    rt.block_on(async {
                        let mut handles = Vec::with_capacity(NUM_INTERVALS);
                        for _ in 0..NUM_INTERVALS {
                            handles.push($krate::spawn(async {
                                let mut ticks = $krate::time::interval(Duration::from_millis(1));
                                for _ in 0..NUM_TICKS {
                                    ticks.tick().await;
                                }
                            }));
                        }
                        for h in handles {
                            h.await.unwrap();
                        }
                    });
                    total += thread_cpu_time() - start;
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

fn sleep_reset(c: &mut Criterion) {
    let mut g = c.benchmark_group("sleep_reset");
    g.sample_size(10);
    g.bench_function("eddy", |b| b.iter_custom(on_eddy::sleep_reset));
    g.bench_function("tokio", |b| b.iter_custom(on_tokio::sleep_reset));
    g.finish();
}

fn interval_tick(c: &mut Criterion) {
    let mut g = c.benchmark_group("interval_tick");
    g.sample_size(10);
    g.bench_function("eddy", |b| b.iter_custom(on_eddy::interval_tick));
    g.bench_function("tokio", |b| b.iter_custom(on_tokio::interval_tick));
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

criterion_group!(
    benches,
    report_sizes,
    timeout_create_cancel,
    sleeps_fire,
    sleep_reset,
    interval_tick
);
criterion_main!(benches);

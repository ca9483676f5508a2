//! `Notify` benchmark: Tokio's `benches/sync_notify.rs` workloads, with Tokio's parameters, run with
//! eddy's `Notify` on eddy's runtime and Tokio's on Tokio's, side by side in one process.
//!
//! N tasks (10, 50, 100, 200 or 500) loop on `notified().await`, counting wake-ups; one iteration is
//! the bench thread calling `notify_waiters()` (groups `notify_waiters_N`) or `notify_one()`
//! (`notify_one_N`) in a loop until 500 wake-ups were counted. Runtimes have 6 workers, as in Tokio's
//! benchmark. Every group has an `eddy` and a `tokio` function. As in Tokio's benchmark, each
//! function builds its runtime and spawns its waiters once, at its first sample; every sample
//! notifies the same waiters.

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion};

/// A criterion group holding one workload's `eddy` and `tokio` functions.
pub type Group<'a> = BenchmarkGroup<'a, WallTime>;

/// Wake-ups per iteration.
const WAKEUPS: usize = 500;

macro_rules! workloads {
    ($module:ident, $krate:ident) => {
        pub mod $module {
            use super::Group;
            use super::WAKEUPS;
            use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
            use std::sync::Arc;
            use $krate::sync::Notify;

            /// Criterion function id: the runtime's crate name.
            const ID: &str = stringify!($krate);

            /// Adds the function measuring `notify_fn` with `waiters` looping waiters to `g`. As in
            /// Tokio's benchmark, the runtime and its waiters are set up once for the function (at
            /// its first sample, so a function filtered out builds nothing) and serve every sample.
            fn run(g: &mut Group<'_>, waiters: usize, notify_fn: fn(&Notify)) {
                let notify = Arc::new(Notify::new());
                let counter = Arc::new(AtomicUsize::new(0));
                let mut rt = None;
                g.bench_function(ID, |b| {
                    rt.get_or_insert_with(|| {
                        let rt = $krate::runtime::Builder::new_multi_thread()
                            .worker_threads(6)
                            .build()
                            .unwrap();
                        for _ in 0..waiters {
                            let notify = notify.clone();
                            let counter = counter.clone();
                            rt.spawn(async move {
                                loop {
                                    notify.notified().await;
                                    counter.fetch_add(1, Relaxed);
                                }
                            });
                        }
                        rt
                    });
                    b.iter(|| {
                        counter.store(0, Relaxed);
                        while counter.load(Relaxed) < WAKEUPS {
                            notify_fn(&notify);
                        }
                    });
                });
            }

            pub fn notify_waiters<const N: usize>(g: &mut Group<'_>) {
                run(g, N, Notify::notify_waiters);
            }

            pub fn notify_one<const N: usize>(g: &mut Group<'_>) {
                run(g, N, Notify::notify_one);
            }
        }
    };
}

workloads!(on_eddy, eddy);
workloads!(on_tokio, tokio);

macro_rules! case {
    ($c:expr, $name:expr, $($f:tt)+) => {{
        let mut g = $c.benchmark_group($name);
        on_eddy::$($f)+(&mut g);
        on_tokio::$($f)+(&mut g);
        g.finish();
    }};
}

fn notify_waiters(c: &mut Criterion) {
    case!(c, "notify_waiters_10", notify_waiters::<10>);
    case!(c, "notify_waiters_50", notify_waiters::<50>);
    case!(c, "notify_waiters_100", notify_waiters::<100>);
    case!(c, "notify_waiters_200", notify_waiters::<200>);
    case!(c, "notify_waiters_500", notify_waiters::<500>);
}

fn notify_one(c: &mut Criterion) {
    case!(c, "notify_one_10", notify_one::<10>);
    case!(c, "notify_one_50", notify_one::<50>);
    case!(c, "notify_one_100", notify_one::<100>);
    case!(c, "notify_one_200", notify_one::<200>);
    case!(c, "notify_one_500", notify_one::<500>);
}

criterion_group!(benches, notify_waiters, notify_one);
criterion_main!(benches);

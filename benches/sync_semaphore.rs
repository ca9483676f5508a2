//! `Semaphore` benchmark: Tokio's `benches/sync_semaphore.rs` workloads, with Tokio's parameters, run
//! with eddy's `Semaphore` on eddy's runtime and Tokio's on Tokio's, side by side in one process.
//!
//! One iteration is six acquire-and-release operations, each group with an `eddy` and a `tokio`
//! function:
//!
//! - `uncontended`: one after another in `block_on` (10 permits, 6-worker runtime);
//! - `uncontended_concurrent_multi`: as 6 spawned tasks joined with `try_join!` (10 permits);
//! - `uncontended_concurrent_single`: as 6 futures in one `join!` on a current-thread runtime;
//! - `contended_concurrent_multi` / `contended_concurrent_single`: the same with 5 permits, so one of
//!   the six waits.
//!
//! As in Tokio's benchmark, each function builds its runtime once, at its first sample, and runs
//! every sample on it.

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion};

/// A criterion group holding one workload's `eddy` and `tokio` functions.
pub type Group<'a> = BenchmarkGroup<'a, WallTime>;

macro_rules! workloads {
    ($module:ident, $krate:ident) => {
        pub mod $module {
            use super::Group;
            use std::sync::Arc;
            use $krate::runtime::{Builder, Runtime};
            use $krate::sync::Semaphore;

            /// Criterion function id: the runtime's crate name.
            const ID: &str = stringify!($krate);

            fn multi() -> Runtime {
                Builder::new_multi_thread()
                    .worker_threads(6)
                    .build()
                    .unwrap()
            }

            async fn task(s: Arc<Semaphore>) {
                let permit = s.acquire().await;
                drop(permit);
            }

            pub fn uncontended(g: &mut Group<'_>) {
                let mut rt = None;
                let s = Arc::new(Semaphore::new(10));
                g.bench_function(ID, |b| {
                    let rt = rt.get_or_insert_with(multi);
                    b.iter(|| {
                        let s = s.clone();
                        rt.block_on(async move {
                            for _ in 0..6 {
                                let permit = s.acquire().await;
                                drop(permit);
                            }
                        })
                    });
                });
            }

            pub fn concurrent_multi<const PERMITS: usize>(g: &mut Group<'_>) {
                let mut rt = None;
                let s = Arc::new(Semaphore::new(PERMITS));
                g.bench_function(ID, |b| {
                    let rt = rt.get_or_insert_with(multi);
                    b.iter(|| {
                        let s = s.clone();
                        rt.block_on(async move {
                            let spawn = |s: &Arc<Semaphore>| $krate::spawn(task(s.clone()));
                            $krate::try_join!(
                                spawn(&s),
                                spawn(&s),
                                spawn(&s),
                                spawn(&s),
                                spawn(&s),
                                spawn(&s)
                            )
                            .unwrap();
                        })
                    });
                });
            }

            pub fn concurrent_single<const PERMITS: usize>(g: &mut Group<'_>) {
                let mut rt = None;
                let s = Arc::new(Semaphore::new(PERMITS));
                g.bench_function(ID, |b| {
                    let rt =
                        rt.get_or_insert_with(|| Builder::new_current_thread().build().unwrap());
                    b.iter(|| {
                        let s = s.clone();
                        rt.block_on(async move {
                            $krate::join!(
                                task(s.clone()),
                                task(s.clone()),
                                task(s.clone()),
                                task(s.clone()),
                                task(s.clone()),
                                task(s.clone())
                            );
                        })
                    });
                });
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

fn semaphore(c: &mut Criterion) {
    case!(c, "uncontended", uncontended);
    case!(c, "uncontended_concurrent_multi", concurrent_multi::<10>);
    case!(c, "uncontended_concurrent_single", concurrent_single::<10>);
    case!(c, "contended_concurrent_multi", concurrent_multi::<5>);
    case!(c, "contended_concurrent_single", concurrent_single::<5>);
}

criterion_group!(benches, semaphore);
criterion_main!(benches);

//! Request/reply benchmark: Tokio's `benches/sync_mpsc_oneshot.rs` workload, run with eddy's channels on
//! eddy's runtime and Tokio's on Tokio's, side by side in one process.
//!
//! A server task receives `oneshot::Sender`s over a bounded `mpsc` channel (10 slots) and answers
//! each; one iteration is 1,000 requests from `block_on`, each waiting for its reply. Two groups,
//! each with an `eddy` and a `tokio` function: `request_reply_current_thread`, and
//! `request_reply_multi_threaded` on a multi-thread runtime with one worker. As in Tokio's
//! benchmark, each function builds its runtime and starts the server once, at its first sample.

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion};

/// A criterion group holding one workload's `eddy` and `tokio` functions.
pub type Group<'a> = BenchmarkGroup<'a, WallTime>;

/// Requests per iteration.
const REQUESTS: usize = 1_000;

macro_rules! workloads {
    ($module:ident, $krate:ident) => {
        pub mod $module {
            use super::Group;
            use super::REQUESTS;
            use $krate::runtime::{Builder, Runtime};
            use $krate::sync::{mpsc, oneshot};

            /// Criterion function id: the runtime's crate name.
            const ID: &str = stringify!($krate);

            pub fn current_thread(g: &mut Group<'_>) {
                request_reply(g, || Builder::new_current_thread().build().unwrap());
            }

            pub fn multi_threaded(g: &mut Group<'_>) {
                request_reply(g, || {
                    Builder::new_multi_thread()
                        .worker_threads(1)
                        .build()
                        .unwrap()
                });
            }

            /// Builds the runtime and starts the server at the function's first sample, as Tokio's
            /// benchmark does once per function; every sample then sends its requests to it.
            fn request_reply(g: &mut Group<'_>, make: fn() -> Runtime) {
                let mut server = None;
                g.bench_function(ID, |b| {
                    let (rt, tx) = server.get_or_insert_with(|| {
                        let rt = make();
                        let tx = rt.block_on(async {
                            let (tx, mut rx) = mpsc::channel::<oneshot::Sender<()>>(10);
                            $krate::spawn(async move {
                                while let Some(reply) = rx.recv().await {
                                    reply.send(()).unwrap();
                                }
                            });
                            tx
                        });
                        (rt, tx)
                    });
                    b.iter(|| {
                        let tx = tx.clone();
                        rt.block_on(async move {
                            for _ in 0..REQUESTS {
                                let (reply_tx, reply_rx) = oneshot::channel();
                                tx.send(reply_tx).await.unwrap();
                                let _ = reply_rx.await;
                            }
                        })
                    });
                });
            }
        }
    };
}

workloads!(on_eddy, eddy);
workloads!(on_tokio, tokio);

fn request_reply(c: &mut Criterion) {
    let mut g = c.benchmark_group("request_reply_current_thread");
    on_eddy::current_thread(&mut g);
    on_tokio::current_thread(&mut g);
    g.finish();
    let mut g = c.benchmark_group("request_reply_multi_threaded");
    on_eddy::multi_threaded(&mut g);
    on_tokio::multi_threaded(&mut g);
    g.finish();
}

criterion_group!(benches, request_reply);
criterion_main!(benches);

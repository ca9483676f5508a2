//! Request/reply benchmark: Tokio's `benches/sync_mpsc_oneshot.rs` workload, run with eddy's channels on
//! eddy's runtime and Tokio's on Tokio's, side by side in one process.
//!
//! A server task receives `oneshot::Sender`s over a bounded `mpsc` channel (10 slots) and answers
//! each; one iteration is 1,000 requests from `block_on`, each waiting for its reply. Two groups,
//! each with an `eddy` and a `tokio` function: `request_reply_current_thread`, and
//! `request_reply_multi_threaded` on a multi-thread runtime with one worker.

use criterion::{criterion_group, criterion_main, Criterion};

/// Requests per iteration.
const REQUESTS: usize = 1_000;

macro_rules! workloads {
    ($module:ident, $krate:ident) => {
        pub mod $module {
            use super::REQUESTS;
            use criterion::Bencher;
            use $krate::runtime::{Builder, Runtime};
            use $krate::sync::{mpsc, oneshot};

            pub fn current_thread(b: &mut Bencher<'_>) {
                request_reply(b, Builder::new_current_thread().build().unwrap());
            }

            pub fn multi_threaded(b: &mut Bencher<'_>) {
                let rt = Builder::new_multi_thread()
                    .worker_threads(1)
                    .build()
                    .unwrap();
                request_reply(b, rt);
            }

            fn request_reply(b: &mut Bencher<'_>, rt: Runtime) {
                let tx = rt.block_on(async {
                    let (tx, mut rx) = mpsc::channel::<oneshot::Sender<()>>(10);
                    $krate::spawn(async move {
                        while let Some(reply) = rx.recv().await {
                            reply.send(()).unwrap();
                        }
                    });
                    tx
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
            }
        }
    };
}

workloads!(on_eddy, eddy);
workloads!(on_tokio, tokio);

fn request_reply(c: &mut Criterion) {
    let mut g = c.benchmark_group("request_reply_current_thread");
    g.bench_function("eddy", on_eddy::current_thread);
    g.bench_function("tokio", on_tokio::current_thread);
    g.finish();
    let mut g = c.benchmark_group("request_reply_multi_threaded");
    g.bench_function("eddy", on_eddy::multi_threaded);
    g.bench_function("tokio", on_tokio::multi_threaded);
    g.finish();
}

criterion_group!(benches, request_reply);
criterion_main!(benches);

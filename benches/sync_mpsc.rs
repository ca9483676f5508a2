//! `mpsc` benchmark: Tokio's `benches/sync_mpsc.rs` workloads, with Tokio's parameters, run with eddy's
//! channels on eddy's runtime and Tokio's on Tokio's, side by side in one process.
//!
//! Every case is a criterion group with two functions, `eddy` and `tokio`:
//!
//! - `create_medium_{1,100,100000}`: create (and drop) a bounded channel of that capacity.
//! - `send_{medium,large}_1000`: on a fresh 1,000-slot channel, one `send` of a 512-byte (medium) or
//!   32 KiB (large) value and one `recv`, each in its own `block_on`.
//! - `contention_*`: 5 spawned tasks send 1,000 numbers each; `block_on` receives all 5,000, one at a
//!   time (`recv`) or in batches (`recv_many`, up to 5,000). `bounded` has room for all of them,
//!   `bounded_full` only for 100 (senders wait), `unbounded` never waits.
//! - `uncontended_*`: `block_on` sends 5,000 numbers itself, then receives them.
//!
//! The multi-thread runtimes have 6 workers, as in Tokio's benchmark (on a smaller machine that
//! oversubscribes the cores for both alike). As in Tokio's benchmark, each function builds its
//! runtime once, at its first sample, and runs every sample on it. `cargo bench --bench sync_mpsc --
//! --test` runs each once.

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, Criterion};

/// A criterion group holding one workload's `eddy` and `tokio` functions.
pub type Group<'a> = BenchmarkGroup<'a, WallTime>;

/// A 512-byte message.
#[derive(Debug, Copy, Clone)]
pub struct Medium(#[allow(dead_code)] [usize; 64]);

impl Default for Medium {
    fn default() -> Self {
        Medium([0; 64])
    }
}

/// A 32 KiB message.
#[derive(Debug, Copy, Clone)]
pub struct Large(#[allow(dead_code)] [Medium; 64]);

impl Default for Large {
    fn default() -> Self {
        Large([Medium::default(); 64])
    }
}

/// Worker threads of the multi-thread runtimes.
const WORKERS: usize = 6;
/// Sending tasks in the contention cases, and messages each sends.
const SENDERS: usize = 5;
const PER_SENDER: usize = 1_000;
/// Messages of the uncontended cases.
const MESSAGES: usize = 5_000;

/// The cases, written once for each runtime crate (`$krate` is `eddy` or `tokio`: both expose the
/// same API under the same paths).
macro_rules! workloads {
    ($module:ident, $krate:ident) => {
        pub mod $module {
            use super::Group;
            use super::{MESSAGES, PER_SENDER, SENDERS, WORKERS};
            use criterion::black_box;
            use $krate::runtime::{Builder, Runtime};
            use $krate::sync::mpsc;

            /// Criterion function id: the runtime's crate name.
            const ID: &str = stringify!($krate);

            pub fn rt() -> Runtime {
                Builder::new_multi_thread()
                    .worker_threads(WORKERS)
                    .build()
                    .unwrap()
            }

            pub fn create_medium<const SIZE: usize>(g: &mut Group<'_>) {
                g.bench_function(ID, |b| {
                    b.iter(|| {
                        black_box(&mpsc::channel::<super::Medium>(SIZE));
                    });
                });
            }

            pub fn send_data<T: Default + Send + 'static, const SIZE: usize>(g: &mut Group<'_>) {
                let mut rt = None;
                g.bench_function(ID, |b| {
                    let rt = rt.get_or_insert_with(self::rt);
                    b.iter(|| {
                        let (tx, mut rx) = mpsc::channel::<T>(SIZE);
                        let _ = rt.block_on(tx.send(T::default()));
                        rt.block_on(rx.recv()).unwrap();
                    });
                });
            }

            /// The two receiver types, for [`receive`].
            trait Receive {
                async fn one(&mut self) -> Option<usize>;
                async fn many(&mut self, buf: &mut Vec<usize>, limit: usize) -> usize;
            }

            impl Receive for mpsc::Receiver<usize> {
                async fn one(&mut self) -> Option<usize> {
                    self.recv().await
                }
                async fn many(&mut self, buf: &mut Vec<usize>, limit: usize) -> usize {
                    self.recv_many(buf, limit).await
                }
            }

            impl Receive for mpsc::UnboundedReceiver<usize> {
                async fn one(&mut self) -> Option<usize> {
                    self.recv().await
                }
                async fn many(&mut self, buf: &mut Vec<usize>, limit: usize) -> usize {
                    self.recv_many(buf, limit).await
                }
            }

            /// Receives `n` messages: one `recv` each, or (`many`) in `recv_many` batches of up to `n`.
            async fn receive(rx: &mut impl Receive, n: usize, many: bool) {
                if many {
                    let mut buf = Vec::with_capacity(n);
                    let mut total = 0;
                    while total < n {
                        total += rx.many(&mut buf, n).await;
                    }
                } else {
                    for _ in 0..n {
                        let _ = rx.one().await;
                    }
                }
            }

            /// Benchmarks `body` as `ID`, each iteration one `block_on` on a runtime built at the
            /// function's first sample.
            fn on_runtime<F: std::future::Future>(g: &mut Group<'_>, body: impl Fn() -> F) {
                let mut rt = None;
                g.bench_function(ID, |b| {
                    let rt = rt.get_or_insert_with(self::rt);
                    b.iter(|| rt.block_on(body()));
                });
            }

            /// `SENDERS` tasks each sending `PER_SENDER` numbers into `tx`.
            fn spawn_senders(tx: mpsc::Sender<usize>) {
                for _ in 0..SENDERS {
                    let tx = tx.clone();
                    $krate::spawn(async move {
                        for i in 0..PER_SENDER {
                            tx.send(i).await.unwrap();
                        }
                    });
                }
            }

            fn spawn_unbounded_senders(tx: mpsc::UnboundedSender<usize>) {
                for _ in 0..SENDERS {
                    let tx = tx.clone();
                    $krate::spawn(async move {
                        for i in 0..PER_SENDER {
                            tx.send(i).unwrap();
                        }
                    });
                }
            }

            pub fn contention_bounded<const CAP: usize, const MANY: bool>(g: &mut Group<'_>) {
                on_runtime(g, || async {
                    let (tx, mut rx) = mpsc::channel::<usize>(CAP);
                    spawn_senders(tx);
                    receive(&mut rx, SENDERS * PER_SENDER, MANY).await;
                });
            }

            pub fn contention_unbounded<const MANY: bool>(g: &mut Group<'_>) {
                on_runtime(g, || async {
                    let (tx, mut rx) = mpsc::unbounded_channel::<usize>();
                    spawn_unbounded_senders(tx);
                    receive(&mut rx, SENDERS * PER_SENDER, MANY).await;
                });
            }

            pub fn uncontended_bounded<const MANY: bool>(g: &mut Group<'_>) {
                on_runtime(g, || async {
                    let (tx, mut rx) = mpsc::channel::<usize>(1_000_000);
                    for i in 0..MESSAGES {
                        tx.send(i).await.unwrap();
                    }
                    receive(&mut rx, MESSAGES, MANY).await;
                });
            }

            pub fn uncontended_unbounded<const MANY: bool>(g: &mut Group<'_>) {
                on_runtime(g, || async {
                    let (tx, mut rx) = mpsc::unbounded_channel::<usize>();
                    for i in 0..MESSAGES {
                        tx.send(i).unwrap();
                    }
                    receive(&mut rx, MESSAGES, MANY).await;
                });
            }
        }
    };
}

workloads!(on_eddy, eddy);
workloads!(on_tokio, tokio);

/// One criterion group per case, `eddy` and `tokio` inside.
macro_rules! case {
    ($c:expr, $name:expr, $($f:tt)+) => {{
        let mut g = $c.benchmark_group($name);
        on_eddy::$($f)+(&mut g);
        on_tokio::$($f)+(&mut g);
        g.finish();
    }};
}

fn create(c: &mut Criterion) {
    case!(c, "create_medium_1", create_medium::<1>);
    case!(c, "create_medium_100", create_medium::<100>);
    case!(c, "create_medium_100000", create_medium::<100_000>);
}

fn send(c: &mut Criterion) {
    case!(c, "send_medium_1000", send_data::<Medium, 1000>);
    case!(c, "send_large_1000", send_data::<Large, 1000>);
}

fn contention(c: &mut Criterion) {
    case!(
        c,
        "contention_bounded",
        contention_bounded::<1_000_000, false>
    );
    case!(
        c,
        "contention_bounded_recv_many",
        contention_bounded::<1_000_000, true>
    );
    case!(
        c,
        "contention_bounded_full",
        contention_bounded::<100, false>
    );
    case!(
        c,
        "contention_bounded_full_recv_many",
        contention_bounded::<100, true>
    );
    case!(c, "contention_unbounded", contention_unbounded::<false>);
    case!(
        c,
        "contention_unbounded_recv_many",
        contention_unbounded::<true>
    );
}

fn uncontended(c: &mut Criterion) {
    case!(c, "uncontended_bounded", uncontended_bounded::<false>);
    case!(
        c,
        "uncontended_bounded_recv_many",
        uncontended_bounded::<true>
    );
    case!(c, "uncontended_unbounded", uncontended_unbounded::<false>);
    case!(
        c,
        "uncontended_unbounded_recv_many",
        uncontended_unbounded::<true>
    );
}

criterion_group!(benches, create, send, contention, uncontended);
criterion_main!(benches);

//! The default worker count: the available parallelism, or `EDDY_WORKER_THREADS` when set, and
//! `Builder::worker_threads` over both. Alone in its binary because it sets an environment
//! variable, which every test running in the same process would see.
//!
//! Workers are counted with `on_thread_start`: a runtime that runs no blocking task starts no
//! other threads, and after it is dropped every thread it started has started and stopped.

use eddy::runtime::Builder;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// Builds a multi-thread runtime with `configure`, runs one task on it, drops it, and returns
/// how many threads it started.
fn threads_started(configure: impl FnOnce(&mut Builder) -> &mut Builder) -> usize {
    let starts = Arc::new(AtomicUsize::new(0));
    let mut builder = Builder::new_multi_thread();
    configure(&mut builder);
    let rt = builder
        .on_thread_start({
            let starts = starts.clone();
            move || {
                starts.fetch_add(1, Ordering::SeqCst);
            }
        })
        .build()
        .unwrap();
    rt.block_on(async { eddy::spawn(async {}).await.unwrap() });
    drop(rt);
    starts.load(Ordering::SeqCst)
}

#[test]
fn worker_count_defaults() {
    std::env::remove_var("EDDY_WORKER_THREADS");
    let cores = std::thread::available_parallelism().unwrap().get();
    assert_eq!(
        threads_started(|b| b),
        cores,
        "default: one worker per core"
    );

    std::env::set_var("EDDY_WORKER_THREADS", "3");
    assert_eq!(threads_started(|b| b), 3, "EDDY_WORKER_THREADS=3");
    assert_eq!(
        threads_started(|b| b.worker_threads(1)),
        1,
        "worker_threads(1) wins over the environment"
    );
    std::env::remove_var("EDDY_WORKER_THREADS");
}

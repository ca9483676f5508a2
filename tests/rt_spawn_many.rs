//! Spawning at scale: 100,000 tasks all complete on both schedulers, spawned from outside the
//! runtime, from inside tasks, and through a `Handle` from a plain thread.

use eddy::runtime::{Builder, Runtime};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::time::Duration;

const TASKS: usize = 100_000;

/// Runs `f` on its own thread and fails if it has not returned within two minutes: a guard that
/// turns a hang into a failure, not a timing check.
fn bounded<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let worker = std::thread::spawn(move || {
        let out = f();
        drop(done_tx);
        out
    });
    if let Err(RecvTimeoutError::Timeout) = done_rx.recv_timeout(Duration::from_secs(120)) {
        panic!("hung: no result within two minutes");
    }
    worker
        .join()
        .unwrap_or_else(|p| std::panic::resume_unwind(p))
}

fn multi_thread() -> Runtime {
    Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap()
}

fn current_thread() -> Runtime {
    Builder::new_current_thread().build().unwrap()
}

/// Spawns `TASKS` tasks from inside `block_on` and awaits every handle; each returns its index.
fn spawn_and_join_all(rt: &Runtime) {
    let sum = rt.block_on(async {
        let handles: Vec<_> = (0..TASKS).map(|i| eddy::spawn(async move { i })).collect();
        let mut sum = 0usize;
        for h in handles {
            sum += h.await.unwrap();
        }
        sum
    });
    assert_eq!(sum, TASKS * (TASKS - 1) / 2);
}

#[test]
fn hundred_thousand_tasks_multi_thread() {
    bounded(|| spawn_and_join_all(&multi_thread()));
}

#[test]
fn hundred_thousand_tasks_current_thread() {
    bounded(|| spawn_and_join_all(&current_thread()));
}

/// Detached tasks (handles dropped at once) still all run: each bumps a counter, the last one
/// to finish reports through a oneshot-like std channel.
fn detached(rt: &Runtime) {
    let done = Arc::new(AtomicUsize::new(0));
    let (tx, rx) = std::sync::mpsc::channel();
    rt.block_on(async {
        for _ in 0..TASKS {
            let done = done.clone();
            let tx = tx.clone();
            drop(eddy::spawn(async move {
                if done.fetch_add(1, Ordering::SeqCst) + 1 == TASKS {
                    tx.send(()).unwrap();
                }
            }));
        }
        // Let the current-thread scheduler run them: yield until the last one reported.
        while rx.try_recv().is_err() {
            eddy::task::yield_now().await;
        }
    });
    assert_eq!(done.load(Ordering::SeqCst), TASKS);
}

#[test]
fn hundred_thousand_detached_tasks_multi_thread() {
    bounded(|| detached(&multi_thread()));
}

#[test]
fn hundred_thousand_detached_tasks_current_thread() {
    bounded(|| detached(&current_thread()));
}

/// Tasks that spawn tasks: a tree of depth 4 and fan-out 10 below each of 10 roots (10^5 leaves).
fn tree(rt: &Runtime) {
    fn node(depth: u32) -> std::pin::Pin<Box<dyn std::future::Future<Output = usize> + Send>> {
        Box::pin(async move {
            if depth == 0 {
                return 1;
            }
            let children: Vec<_> = (0..10).map(|_| eddy::spawn(node(depth - 1))).collect();
            let mut leaves = 0;
            for c in children {
                leaves += c.await.unwrap();
            }
            leaves
        })
    }
    let leaves = rt.block_on(node(5));
    assert_eq!(leaves, TASKS);
}

#[test]
fn nested_spawns_multi_thread() {
    bounded(|| tree(&multi_thread()));
}

#[test]
fn nested_spawns_current_thread() {
    bounded(|| tree(&current_thread()));
}

/// `Runtime::spawn` and `Handle::spawn` from a thread that is not a runtime thread.
#[test]
fn spawn_from_outside_threads() {
    bounded(spawn_from_outside_threads_body);
}

fn spawn_from_outside_threads_body() {
    let rt = multi_thread();
    let handle = rt.handle().clone();
    let from_rt: Vec<_> = (0..1000).map(|i| rt.spawn(async move { i })).collect();
    let from_thread = std::thread::spawn(move || {
        (0..1000)
            .map(|i| handle.spawn(async move { i }))
            .collect::<Vec<_>>()
    })
    .join()
    .unwrap();
    let total = rt.block_on(async move {
        let mut total = 0;
        for h in from_rt.into_iter().chain(from_thread) {
            total += h.await.unwrap();
        }
        total
    });
    assert_eq!(total, 2 * (999 * 1000 / 2));
}

//! `JoinSet`: spawn, `join_next`, `try_join_next`, `len`/`is_empty`, `abort_all`, `shutdown`,
//! `detach_all`, panics through `join_next`, and dropping the set aborts its tasks. (Tokio's own
//! task_join_set tests, run by `scripts/tokio-compat`, cover the rest of its API.)

use eddy::runtime::{Builder, Runtime};
use eddy::task::JoinSet;
use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::time::Duration;

/// Runs `f` on its own thread and fails if it has not returned within a minute: a guard that
/// turns a hang into a failure, not a timing check. A panic in `f` is passed on unchanged.
fn bounded<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (done_tx, done_rx) = mpsc::channel::<()>();
    let worker = std::thread::spawn(move || {
        let out = f();
        drop(done_tx);
        out
    });
    if let Err(RecvTimeoutError::Timeout) = done_rx.recv_timeout(Duration::from_secs(60)) {
        panic!("hung: no result within a minute");
    }
    worker
        .join()
        .unwrap_or_else(|p| std::panic::resume_unwind(p))
}

fn flavors() -> Vec<Runtime> {
    vec![
        Builder::new_current_thread().build().unwrap(),
        Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap(),
    ]
}

/// Counts its own drops.
struct DropCounter(Arc<AtomicUsize>);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn join_next_yields_every_output_once() {
    bounded(|| {
        for rt in flavors() {
            rt.block_on(async {
                let mut set = JoinSet::new();
                assert!(set.is_empty());
                for i in 0..1000 {
                    set.spawn(async move { i });
                }
                assert_eq!(set.len(), 1000);
                let mut seen = HashSet::new();
                while let Some(res) = set.join_next().await {
                    assert!(seen.insert(res.unwrap()));
                }
                assert_eq!(seen.len(), 1000);
                assert!(set.is_empty());
                assert!(set.join_next().await.is_none());
            });
        }
    });
}

#[test]
fn try_join_next_does_not_wait() {
    bounded(|| {
        let rt = Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let mut set = JoinSet::new();
            assert!(set.try_join_next().is_none());
            set.spawn(async { 1 });
            set.spawn(std::future::pending::<i32>());
            // Nothing has run yet on the current-thread scheduler.
            let mut got = None;
            while got.is_none() {
                got = set.try_join_next();
                eddy::task::yield_now().await;
            }
            assert_eq!(got.unwrap().unwrap(), 1);
            // The pending one never becomes ready.
            for _ in 0..10 {
                eddy::task::yield_now().await;
                assert!(set.try_join_next().is_none());
            }
            assert_eq!(set.len(), 1);
        });
    });
}

#[test]
fn abort_all_cancels_every_task() {
    bounded(|| {
        for rt in flavors() {
            rt.block_on(async {
                let drops = Arc::new(AtomicUsize::new(0));
                let mut set = JoinSet::new();
                for _ in 0..50 {
                    let guard = DropCounter(drops.clone());
                    set.spawn(async move {
                        let _guard = guard;
                        std::future::pending::<()>().await
                    });
                }
                set.abort_all();
                let mut cancelled = 0;
                while let Some(res) = set.join_next().await {
                    assert!(res.unwrap_err().is_cancelled());
                    cancelled += 1;
                }
                assert_eq!(cancelled, 50);
                assert_eq!(drops.load(Ordering::SeqCst), 50);
            });
        }
    });
}

#[test]
fn shutdown_aborts_and_waits() {
    bounded(|| {
        for rt in flavors() {
            rt.block_on(async {
                let drops = Arc::new(AtomicUsize::new(0));
                let mut set = JoinSet::new();
                for _ in 0..20 {
                    let guard = DropCounter(drops.clone());
                    set.spawn(async move {
                        let _guard = guard;
                        std::future::pending::<()>().await
                    });
                }
                set.shutdown().await;
                assert!(set.is_empty());
                assert_eq!(drops.load(Ordering::SeqCst), 20);
            });
        }
    });
}

#[test]
fn dropping_the_set_aborts_its_tasks() {
    bounded(|| {
        for rt in flavors() {
            let drops = Arc::new(AtomicUsize::new(0));
            rt.block_on(async {
                let mut set = JoinSet::new();
                for _ in 0..20 {
                    let guard = DropCounter(drops.clone());
                    set.spawn(async move {
                        let _guard = guard;
                        std::future::pending::<()>().await
                    });
                }
                drop(set);
                while drops.load(Ordering::SeqCst) < 20 {
                    eddy::task::yield_now().await;
                }
            });
        }
    });
}

#[test]
fn detach_all_lets_tasks_run_on() {
    bounded(|| {
        for rt in flavors() {
            rt.block_on(async {
                let done = Arc::new(AtomicUsize::new(0));
                let mut set = JoinSet::new();
                for _ in 0..20 {
                    let done = done.clone();
                    set.spawn(async move {
                        eddy::task::yield_now().await;
                        done.fetch_add(1, Ordering::SeqCst);
                    });
                }
                set.detach_all();
                assert!(set.is_empty());
                drop(set);
                while done.load(Ordering::SeqCst) < 20 {
                    eddy::task::yield_now().await;
                }
            });
        }
    });
}

#[test]
fn panics_come_out_of_join_next() {
    bounded(|| {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        rt.block_on(async {
            let mut set = JoinSet::new();
            set.spawn(async { panic!("in a set") });
            set.spawn(async {});
            let mut panics = 0;
            let mut oks = 0;
            while let Some(res) = set.join_next().await {
                match res {
                    Ok(()) => oks += 1,
                    Err(e) => {
                        assert!(e.is_panic());
                        panics += 1;
                    }
                }
            }
            assert_eq!((panics, oks), (1, 1));
        });
    });
}

//! Shutdown: dropping a runtime drops every task's future (spawned and pending, or spawned and
//! never polled) and their JoinHandles then report cancellation; `shutdown_timeout` gives up on a
//! blocking task that runs too long and `shutdown_background` does not wait at all.

use eddy::runtime::{Builder, Runtime};
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

/// Counts its own drops.
struct DropCounter(Arc<AtomicUsize>);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn flavors() -> Vec<(&'static str, Runtime)> {
    vec![
        (
            "current_thread",
            Builder::new_current_thread().build().unwrap(),
        ),
        (
            "multi_thread",
            Builder::new_multi_thread()
                .worker_threads(2)
                .build()
                .unwrap(),
        ),
    ]
}

#[test]
fn drop_drops_pending_and_unpolled_futures() {
    bounded(|| {
        for (flavor, rt) in flavors() {
            let drops = Arc::new(AtomicUsize::new(0));
            let mut handles = Vec::new();
            // Never polled: spawned outside block_on (on current_thread nothing drives them).
            for _ in 0..100 {
                let guard = DropCounter(drops.clone());
                handles.push(rt.spawn(async move {
                    let _guard = guard;
                    std::future::pending::<()>().await;
                }));
            }
            // Polled and pending: each tells us it has started before we drop the runtime.
            let (started_tx, started_rx) = mpsc::channel();
            rt.block_on(async {
                for _ in 0..100 {
                    let guard = DropCounter(drops.clone());
                    let started_tx = started_tx.clone();
                    handles.push(eddy::spawn(async move {
                        let _guard = guard;
                        started_tx.send(()).unwrap();
                        std::future::pending::<()>().await;
                    }));
                }
                for _ in 0..100 {
                    while started_rx.try_recv().is_err() {
                        eddy::task::yield_now().await;
                    }
                }
            });
            assert_eq!(
                drops.load(Ordering::SeqCst),
                0,
                "{flavor}: dropped too early"
            );
            drop(rt);
            assert_eq!(
                drops.load(Ordering::SeqCst),
                200,
                "{flavor}: futures leaked"
            );
            for h in handles {
                let err = futures::executor::block_on(h).unwrap_err();
                assert!(err.is_cancelled(), "{flavor}: {err:?}");
            }
        }
    });
}

/// A task whose future, when dropped at shutdown, spawns another task: the new task is dropped
/// too rather than leaking or running on a dead runtime.
#[test]
fn spawn_during_shutdown_is_dropped() {
    bounded(|| {
        for (flavor, rt) in flavors() {
            let drops = Arc::new(AtomicUsize::new(0));
            struct SpawnOnDrop(Arc<AtomicUsize>);
            impl Drop for SpawnOnDrop {
                fn drop(&mut self) {
                    let guard = DropCounter(self.0.clone());
                    if let Ok(handle) = eddy::runtime::Handle::try_current() {
                        drop(handle.spawn(async move {
                            let _guard = guard;
                        }));
                    }
                }
            }
            let d = SpawnOnDrop(drops.clone());
            rt.spawn(async move {
                let _d = d;
                std::future::pending::<()>().await;
            });
            drop(rt);
            assert_eq!(
                drops.load(Ordering::SeqCst),
                1,
                "{flavor}: leaked the late task"
            );
        }
    });
}

/// A JoinHandle awaited from another runtime reports cancellation when the task's runtime drops.
#[test]
fn join_handle_wakes_on_shutdown() {
    bounded(|| {
        let doomed = Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap();
        let other = Builder::new_current_thread().build().unwrap();
        let handle = doomed.spawn(std::future::pending::<()>());
        let waiter = std::thread::spawn(move || other.block_on(handle));
        drop(doomed);
        let err = waiter.join().unwrap().unwrap_err();
        assert!(err.is_cancelled());
    });
}

/// The blocking task waits for `release`, which is sent only after shutdown returned: a shutdown
/// that waited for the task would never return and the bounded wait would fail the test.
fn long_blocking_task(rt: &Runtime) -> (mpsc::Sender<()>, mpsc::Receiver<()>) {
    let (release_tx, release_rx) = mpsc::channel::<()>();
    let (started_tx, started_rx) = mpsc::channel::<()>();
    let (finished_tx, finished_rx) = mpsc::channel::<()>();
    drop(rt.spawn_blocking(move || {
        started_tx.send(()).unwrap();
        let _ = release_rx.recv_timeout(Duration::from_secs(60));
        let _ = finished_tx.send(());
    }));
    started_rx.recv_timeout(Duration::from_secs(30)).unwrap();
    (release_tx, finished_rx)
}

#[test]
fn shutdown_timeout_gives_up_on_a_long_blocking_task() {
    bounded(|| {
        for (_, rt) in flavors() {
            let (release, finished) = long_blocking_task(&rt);
            rt.shutdown_timeout(Duration::from_millis(50));
            release.send(()).unwrap();
            finished.recv_timeout(Duration::from_secs(30)).unwrap();
        }
    });
}

#[test]
fn shutdown_background_does_not_wait() {
    bounded(|| {
        for (_, rt) in flavors() {
            let (release, finished) = long_blocking_task(&rt);
            rt.shutdown_background();
            release.send(()).unwrap();
            finished.recv_timeout(Duration::from_secs(30)).unwrap();
        }
    });
}

/// A short blocking task is waited for by an ordinary drop, and so is a long `shutdown_timeout`.
#[test]
fn drop_waits_for_running_blocking_tasks() {
    bounded(|| {
        for (flavor, rt) in flavors() {
            let done = Arc::new(AtomicUsize::new(0));
            let (started_tx, started_rx) = mpsc::channel();
            let d = done.clone();
            drop(rt.spawn_blocking(move || {
                started_tx.send(()).unwrap();
                std::thread::sleep(Duration::from_millis(20));
                d.fetch_add(1, Ordering::SeqCst);
            }));
            started_rx.recv_timeout(Duration::from_secs(30)).unwrap();
            rt.shutdown_timeout(Duration::from_secs(60));
            assert_eq!(done.load(Ordering::SeqCst), 1, "{flavor}");
        }
    });
}

/// Dropping a runtime from inside another runtime's task is allowed in Tokio only through
/// `shutdown_background`; it must not panic or deadlock.
#[test]
fn shutdown_background_inside_a_runtime() {
    bounded(|| {
        let outer = Builder::new_current_thread().build().unwrap();
        let inner = Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap();
        inner.spawn(std::future::pending::<()>());
        outer.block_on(async move { inner.shutdown_background() });
    });
}

//! `JoinHandle` outcomes: abort of a pending task gives `JoinError::is_cancelled`, a panic is
//! caught and handed over (`is_panic`, `into_panic`, `try_into_panic`) while the runtime keeps
//! serving, and `AbortHandle`, `is_finished` and the error's task id behave as in Tokio.

use eddy::runtime::{Builder, Runtime};
use eddy::task::JoinHandle;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
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

/// Sets a flag when dropped.
struct SetOnDrop(Arc<AtomicBool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

#[test]
fn abort_pending_task_is_cancelled() {
    bounded(|| {
        for (flavor, rt) in flavors() {
            let dropped = Arc::new(AtomicBool::new(false));
            rt.block_on(async {
                let guard = SetOnDrop(dropped.clone());
                let (started_tx, started_rx) = mpsc::channel();
                let handle = eddy::spawn(async move {
                    let _guard = guard;
                    started_tx.send(()).unwrap();
                    std::future::pending::<()>().await
                });
                while started_rx.try_recv().is_err() {
                    eddy::task::yield_now().await;
                }
                assert!(!handle.is_finished());
                handle.abort();
                let err = handle.await.unwrap_err();
                assert!(err.is_cancelled(), "{flavor}: {err}");
                assert!(!err.is_panic());
            });
            assert!(
                dropped.load(Ordering::SeqCst),
                "{flavor}: future not dropped"
            );
        }
    });
}

#[test]
fn abort_before_first_poll_never_runs_the_task() {
    bounded(|| {
        for (flavor, rt) in flavors() {
            let ran = Arc::new(AtomicBool::new(false));
            let r = ran.clone();
            let handle = rt.spawn(async move { r.store(true, Ordering::SeqCst) });
            handle.abort();
            // On multi_thread a worker may win the race and run it first; either way the handle
            // resolves, and if it was cancelled the task never ran.
            match rt.block_on(handle) {
                Err(e) => {
                    assert!(e.is_cancelled(), "{flavor}: {e}");
                    assert!(!ran.load(Ordering::SeqCst), "{flavor}: ran after abort");
                }
                Ok(()) => assert!(flavor == "multi_thread", "current_thread polled it"),
            }
        }
    });
}

#[test]
fn abort_after_completion_keeps_the_output() {
    bounded(|| {
        for (_, rt) in flavors() {
            rt.block_on(async {
                let handle = eddy::spawn(async { 5 });
                while !handle.is_finished() {
                    eddy::task::yield_now().await;
                }
                handle.abort();
                assert_eq!(handle.await.unwrap(), 5);
            });
        }
    });
}

#[test]
fn abort_handle_cancels_and_outlives_the_join_handle() {
    bounded(|| {
        for (flavor, rt) in flavors() {
            rt.block_on(async {
                let handle = eddy::spawn(std::future::pending::<()>());
                let abort = handle.abort_handle();
                assert_eq!(abort.id(), handle.id());
                assert!(!abort.is_finished());
                abort.abort();
                assert!(handle.await.unwrap_err().is_cancelled(), "{flavor}");
                assert!(abort.is_finished());
                // Aborting again, or after the JoinHandle is gone, is harmless.
                abort.abort();
            });
        }
    });
}

#[test]
fn a_task_can_abort_itself() {
    bounded(|| {
        for (flavor, rt) in flavors() {
            rt.block_on(async {
                let (tx, rx) = std::sync::mpsc::channel();
                let handle: JoinHandle<()> = eddy::spawn(async move {
                    let me: eddy::task::AbortHandle = rx.recv().unwrap();
                    me.abort();
                    // Cancellation takes effect at the next yield point.
                    eddy::task::yield_now().await;
                    unreachable!("ran past its own abort");
                });
                tx.send(handle.abort_handle()).unwrap();
                assert!(handle.await.unwrap_err().is_cancelled(), "{flavor}");
            });
        }
    });
}

#[test]
fn panic_is_captured_and_the_runtime_keeps_serving() {
    bounded(|| {
        for (flavor, rt) in flavors() {
            rt.block_on(async {
                let n = std::hint::black_box(42);
                let handle = eddy::spawn(async move { panic!("boom {n}") });
                let id = handle.id();
                let err = handle.await.unwrap_err();
                assert!(err.is_panic(), "{flavor}");
                assert!(!err.is_cancelled());
                assert_eq!(err.id(), id);
                let payload = err.into_panic();
                assert_eq!(payload.downcast_ref::<String>().unwrap(), "boom 42");
                // Still serving: new tasks run and complete, many times over.
                for i in 0..100 {
                    assert_eq!(eddy::spawn(async move { i }).await.unwrap(), i);
                }
            });
            // And still serving after block_on returned.
            assert_eq!(rt.block_on(rt.spawn(async { 1 })).unwrap(), 1);
        }
    });
}

#[test]
fn panic_payload_keeps_its_type() {
    bounded(|| {
        let rt = Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let err = eddy::spawn(async { std::panic::panic_any(7u32) })
                .await
                .unwrap_err();
            let payload = err.try_into_panic().unwrap();
            assert_eq!(*payload.downcast::<u32>().unwrap(), 7);

            let cancelled = eddy::spawn(std::future::pending::<()>());
            cancelled.abort();
            let err = cancelled.await.unwrap_err();
            assert!(
                err.try_into_panic().is_err(),
                "a cancellation has no payload"
            );
        });
    });
}

/// Panics in many tasks at once on every worker: no worker thread dies (every later task still
/// completes) and every panic reaches its JoinHandle.
#[test]
fn many_panics_kill_no_worker() {
    bounded(|| {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let panicked = rt.block_on(async {
            let handles: Vec<_> = (0..200)
                .map(|i| {
                    eddy::spawn(async move {
                        eddy::task::yield_now().await;
                        if i % 2 == 0 {
                            panic!("even");
                        }
                        i
                    })
                })
                .collect();
            let mut panicked = 0;
            for h in handles {
                if let Err(e) = h.await {
                    assert!(e.is_panic());
                    panicked += 1;
                }
            }
            panicked
        });
        assert_eq!(panicked, 100);
        let done = Arc::new(AtomicUsize::new(0));
        rt.block_on(async {
            let handles: Vec<_> = (0..1000)
                .map(|_| {
                    let done = done.clone();
                    eddy::spawn(async move {
                        done.fetch_add(1, Ordering::SeqCst);
                    })
                })
                .collect();
            for h in handles {
                h.await.unwrap();
            }
        });
        assert_eq!(done.load(Ordering::SeqCst), 1000);
    });
}

/// Dropping the JoinHandle of a task that panics does not propagate the panic anywhere.
#[test]
fn detached_panic_goes_nowhere() {
    bounded(|| {
        for (_, rt) in flavors() {
            rt.block_on(async {
                let (tx, rx) = mpsc::channel::<()>();
                drop(eddy::spawn(async move {
                    let _tx = tx; // dropped by the unwinding: tells us the panic happened
                    panic!("nobody listens");
                }));
                while let Err(mpsc::TryRecvError::Empty) = rx.try_recv() {
                    eddy::task::yield_now().await;
                }
                assert_eq!(eddy::spawn(async { 3 }).await.unwrap(), 3);
            });
        }
    });
}

/// A panic inside `block_on`'s own future propagates to the caller, and the runtime stays usable.
#[test]
fn panic_in_block_on_propagates() {
    bounded(|| {
        for (_, rt) in flavors() {
            let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                rt.block_on(async { panic!("from block_on") })
            }));
            let payload = caught.unwrap_err();
            assert_eq!(*payload.downcast_ref::<&str>().unwrap(), "from block_on");
            assert_eq!(rt.block_on(rt.spawn(async { 2 })).unwrap(), 2);
        }
    });
}

#[test]
fn join_error_display_and_debug() {
    bounded(|| {
        let rt = Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let h = eddy::spawn(std::future::pending::<()>());
            h.abort();
            let cancelled = h.await.unwrap_err();
            assert!(cancelled.to_string().contains("cancelled"), "{cancelled}");
            let panicked = eddy::spawn(async { panic!("shown") }).await.unwrap_err();
            assert!(panicked.to_string().contains("panicked"), "{panicked}");
            assert!(format!("{panicked:?}").contains("Panic"), "{panicked:?}");
            // JoinError converts into io::Error, as Tokio's does.
            let io: std::io::Error = panicked.into();
            assert_eq!(io.kind(), std::io::ErrorKind::Other);
        });
    });
}

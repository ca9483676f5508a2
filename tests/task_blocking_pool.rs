//! `spawn_blocking` and `block_in_place`: results and panics come back through the JoinHandle,
//! blocking closures run off the workers, `block_in_place` keeps the task's context, and both
//! work from inside tasks and from `block_on`.

use eddy::runtime::{Builder, Handle};
use eddy::task;
use std::sync::mpsc::{self, RecvTimeoutError};
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

#[test]
fn spawn_blocking_returns_its_value_on_both_flavors() {
    bounded(|| {
        let ct = Builder::new_current_thread().build().unwrap();
        let mt = Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        for rt in [ct, mt] {
            let out = rt.block_on(async {
                let main = std::thread::current().id();
                let h = task::spawn_blocking(move || std::thread::current().id() != main);
                h.await.unwrap()
            });
            assert!(out, "the blocking closure ran on the block_on thread");
        }
    });
}

#[test]
fn many_blocking_tasks_complete() {
    bounded(|| {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .max_blocking_threads(4)
            .build()
            .unwrap();
        let sum = rt.block_on(async {
            let hs: Vec<_> = (0..1000u64)
                .map(|i| task::spawn_blocking(move || i * 2))
                .collect();
            let mut sum = 0;
            for h in hs {
                sum += h.await.unwrap();
            }
            sum
        });
        assert_eq!(sum, 999 * 1000);
    });
}

#[test]
fn spawn_blocking_panic_is_captured() {
    bounded(|| {
        let rt = Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let err = task::spawn_blocking(|| panic!("blocking boom"))
                .await
                .unwrap_err();
            assert!(err.is_panic());
            assert_eq!(
                *err.into_panic().downcast_ref::<&str>().unwrap(),
                "blocking boom"
            );
            // The pool still works.
            assert_eq!(task::spawn_blocking(|| 1).await.unwrap(), 1);
        });
    });
}

#[test]
fn blocking_closure_can_enter_the_runtime() {
    bounded(|| {
        let rt = Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap();
        let out = rt.block_on(async {
            task::spawn_blocking(|| {
                let handle = Handle::current();
                let inner = handle.spawn(async { 20 });
                handle.block_on(inner).unwrap() + 1
            })
            .await
            .unwrap()
        });
        assert_eq!(out, 21);
    });
}

#[test]
fn block_in_place_returns_and_keeps_the_context() {
    bounded(|| {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let out = rt.block_on(async {
            let h = eddy::spawn(async {
                let id = task::id();
                let (same_id, has_handle) = task::block_in_place(|| {
                    (task::try_id() == Some(id), Handle::try_current().is_ok())
                });
                // The task continues normally afterwards.
                task::yield_now().await;
                same_id && has_handle
            });
            h.await.unwrap()
        });
        assert!(out);
    });
}

#[test]
fn block_in_place_inside_block_on_of_multi_thread() {
    bounded(|| {
        let rt = Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap();
        let out = rt.block_on(async { task::block_in_place(|| 6 * 7) });
        assert_eq!(out, 42);
    });
}

#[test]
fn block_in_place_outside_a_runtime_just_runs() {
    assert_eq!(task::block_in_place(|| 3), 3);
}

/// Many tasks each using block_in_place at once, more than there are workers: all finish.
#[test]
fn concurrent_block_in_place() {
    bounded(|| {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let total = rt.block_on(async {
            let hs: Vec<_> = (0..32)
                .map(|i| {
                    eddy::spawn(async move {
                        let v = task::block_in_place(|| {
                            std::thread::sleep(Duration::from_millis(1));
                            i
                        });
                        task::yield_now().await;
                        v
                    })
                })
                .collect();
            let mut total = 0;
            for h in hs {
                total += h.await.unwrap();
            }
            total
        });
        assert_eq!(total, 31 * 32 / 2);
    });
}

#[test]
fn panic_inside_block_in_place_reaches_the_join_handle() {
    bounded(|| {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        rt.block_on(async {
            let err = eddy::spawn(async { task::block_in_place(|| panic!("in place")) })
                .await
                .unwrap_err();
            assert!(err.is_panic());
            // Both workers still serve.
            let hs: Vec<_> = (0..100).map(|i| eddy::spawn(async move { i })).collect();
            for (i, h) in hs.into_iter().enumerate() {
                assert_eq!(h.await.unwrap(), i);
            }
        });
    });
}

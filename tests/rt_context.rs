//! The runtime context: `Handle::current`/`try_current`, `enter` guards, `Handle::block_on` and
//! `Handle::spawn` from plain threads, and the panics for misuse (`spawn` with no runtime,
//! `block_on` inside a runtime, `block_in_place` on the current-thread scheduler).

use eddy::runtime::{Builder, Handle, Runtime};
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

fn both_flavors() -> [Runtime; 2] {
    [
        Builder::new_current_thread().build().unwrap(),
        Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap(),
    ]
}

#[test]
fn try_current_fails_outside_a_runtime() {
    assert!(Handle::try_current().is_err());
    assert!(eddy::task::try_id().is_none());
}

#[test]
#[should_panic(expected = "must be called from the context of")]
fn handle_current_panics_outside_a_runtime() {
    let _ = Handle::current();
}

#[test]
#[should_panic(expected = "must be called from the context of")]
fn spawn_panics_outside_a_runtime() {
    drop(eddy::spawn(async {}));
}

#[test]
#[should_panic(expected = "must be called from the context of")]
fn spawn_blocking_panics_outside_a_runtime() {
    drop(eddy::task::spawn_blocking(|| {}));
}

#[test]
fn handle_current_inside_block_on_and_tasks() {
    bounded(|| {
        for rt in both_flavors() {
            rt.block_on(async {
                assert!(Handle::try_current().is_ok());
                let inner = eddy::spawn(async { Handle::try_current().is_ok() });
                assert!(inner.await.unwrap());
            });
            let blocking = rt.spawn_blocking(|| Handle::try_current().is_ok());
            assert!(rt.block_on(blocking).unwrap());
        }
    });
}

#[test]
fn enter_makes_spawn_work_outside_block_on() {
    bounded(|| {
        for rt in both_flavors() {
            let handle = {
                let _guard = rt.enter();
                assert!(Handle::try_current().is_ok());
                eddy::spawn(async { 7 })
            };
            assert!(
                Handle::try_current().is_err(),
                "the guard did not reset the context"
            );
            assert_eq!(rt.block_on(handle).unwrap(), 7);
        }
    });
}

#[test]
fn nested_enter_guards_restore_in_order() {
    let [a, b] = both_flavors();
    let ga = a.enter();
    {
        let _gb = b.enter();
        // Spawns now go to `b`: the task finishes only when `b` drives it.
        let on_b = eddy::spawn(async { 2 });
        assert_eq!(b.block_on(on_b).unwrap(), 2);
    }
    let on_a = eddy::spawn(async { 1 });
    drop(ga);
    assert_eq!(a.block_on(on_a).unwrap(), 1);
}

#[test]
fn handle_block_on_from_a_plain_thread() {
    bounded(|| {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let handle = rt.handle().clone();
        let out = std::thread::spawn(move || {
            handle.block_on(async {
                let h = eddy::spawn(async { 40 });
                h.await.unwrap() + 2
            })
        })
        .join()
        .unwrap();
        assert_eq!(out, 42);
    });
}

#[test]
fn runtime_new_builds_a_multi_thread_runtime() {
    bounded(|| {
        let rt = Runtime::new().unwrap();
        let out = rt.block_on(async {
            eddy::task::spawn_blocking(|| eddy::task::block_in_place(|| 5))
                .await
                .unwrap()
        });
        assert_eq!(out, 5);
    });
}

#[test]
#[should_panic(expected = "Cannot start a runtime from within a runtime")]
fn nested_block_on_panics_current_thread() {
    bounded(|| {
        let outer = Builder::new_current_thread().build().unwrap();
        let inner = Builder::new_current_thread().build().unwrap();
        outer.block_on(async { inner.block_on(async {}) });
    });
}

#[test]
#[should_panic(expected = "Cannot start a runtime from within a runtime")]
fn nested_block_on_panics_multi_thread() {
    bounded(|| {
        let outer = Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap();
        let inner = Builder::new_current_thread().build().unwrap();
        outer.block_on(async { inner.block_on(async {}) });
    });
}

#[test]
#[should_panic(expected = "Cannot start a runtime from within a runtime")]
fn handle_block_on_inside_a_task_panics() {
    bounded(|| {
        let rt = Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap();
        let handle = rt.handle().clone();
        let task = rt.spawn(async move { handle.block_on(async {}) });
        if let Err(e) = rt.block_on(task) {
            std::panic::resume_unwind(e.into_panic());
        }
    });
}

#[test]
fn the_runtime_is_usable_after_a_nested_block_on_panic() {
    bounded(|| {
        let outer = Builder::new_current_thread().build().unwrap();
        let inner = Builder::new_current_thread().build().unwrap();
        let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            outer.block_on(async { inner.block_on(async {}) })
        }));
        assert!(caught.is_err());
        assert_eq!(outer.block_on(async { 1 }), 1);
        assert_eq!(inner.block_on(async { 2 }), 2);
    });
}

#[test]
#[should_panic(expected = "can call blocking only when running on the multi-threaded runtime")]
fn block_in_place_panics_on_current_thread() {
    bounded(|| {
        let rt = Builder::new_current_thread().build().unwrap();
        rt.block_on(async { eddy::task::block_in_place(|| {}) });
    });
}

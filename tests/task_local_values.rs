//! `task_local!`: `scope` sets a value for one future (across awaits and worker hops),
//! `sync_scope` for one closure, `with`/`try_with`/`get` read it, scopes nest and restore, and a
//! spawned task does not inherit its parent's value.

use eddy::runtime::Builder;
use std::cell::RefCell;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

eddy::task_local! {
    static NUMBER: u32;
    pub static NAME: RefCell<String>;
}

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
fn scope_survives_awaits_and_worker_hops() {
    bounded(|| {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let handles: Vec<_> = (0..64u32)
            .map(|i| {
                rt.spawn(NUMBER.scope(i, async move {
                    for _ in 0..20 {
                        eddy::task::yield_now().await;
                        assert_eq!(NUMBER.get(), i);
                    }
                    NUMBER.with(|n| *n)
                }))
            })
            .collect();
        rt.block_on(async {
            for (i, h) in handles.into_iter().enumerate() {
                assert_eq!(h.await.unwrap(), i as u32);
            }
        });
    });
}

#[test]
fn try_with_outside_a_scope_fails() {
    assert!(NUMBER.try_with(|n| *n).is_err());
    assert!(NUMBER.try_get().is_err());
    let rt = Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        assert!(NUMBER.try_with(|n| *n).is_err());
        NUMBER
            .scope(3, async {
                assert_eq!(NUMBER.try_with(|n| *n).unwrap(), 3);
                assert_eq!(NUMBER.try_get().unwrap(), 3);
            })
            .await;
        assert!(NUMBER.try_with(|n| *n).is_err());
    });
}

#[test]
#[should_panic(expected = "cannot access a task-local storage value without setting it first")]
fn with_outside_a_scope_panics() {
    NUMBER.with(|_| ());
}

#[test]
fn sync_scope_and_nesting() {
    let out = NUMBER.sync_scope(1, || {
        let inner = NUMBER.sync_scope(2, || NUMBER.get());
        (inner, NUMBER.get())
    });
    assert_eq!(out, (2, 1));
    assert!(NUMBER.try_get().is_err());
}

#[test]
fn non_copy_values_through_refcell() {
    bounded(|| {
        let rt = Builder::new_current_thread().build().unwrap();
        let name = rt.block_on(NAME.scope(RefCell::new("a".into()), async {
            NAME.with(|n| n.borrow_mut().push('b'));
            eddy::task::yield_now().await;
            NAME.with(|n| n.borrow().clone())
        }));
        assert_eq!(name, "ab");
    });
}

#[test]
fn spawned_tasks_do_not_inherit_the_value() {
    bounded(|| {
        let rt = Builder::new_current_thread().build().unwrap();
        let inherited = rt.block_on(NUMBER.scope(9, async {
            eddy::spawn(async { NUMBER.try_get().is_ok() })
                .await
                .unwrap()
        }));
        assert!(!inherited);
    });
}

/// Two scoped futures interleaved on one thread each see only their own value.
#[test]
fn interleaved_scopes_on_one_thread() {
    bounded(|| {
        let rt = Builder::new_current_thread().build().unwrap();
        rt.block_on(async {
            let a = NUMBER.scope(1, async {
                for _ in 0..10 {
                    assert_eq!(NUMBER.get(), 1);
                    eddy::task::yield_now().await;
                }
            });
            let b = NUMBER.scope(2, async {
                for _ in 0..10 {
                    assert_eq!(NUMBER.get(), 2);
                    eddy::task::yield_now().await;
                }
            });
            eddy::join!(a, b);
        });
    });
}

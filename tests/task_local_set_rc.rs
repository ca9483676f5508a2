//! `LocalSet` runs `!Send` futures: `spawn_local` inside `run_until` and `block_on`, tasks that
//! hold an `Rc` across awaits, the set driven as a future, and dropping the set drops its tasks.

use eddy::runtime::Builder;
use eddy::task::{self, LocalSet};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
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
fn rc_tasks_run_on_a_current_thread_runtime() {
    bounded(|| {
        let rt = Builder::new_current_thread().build().unwrap();
        let local = LocalSet::new();
        let total = local.block_on(&rt, async {
            let shared = Rc::new(Cell::new(0));
            let handles: Vec<_> = (1..=100)
                .map(|i| {
                    let shared = shared.clone();
                    task::spawn_local(async move {
                        task::yield_now().await;
                        shared.set(shared.get() + i);
                    })
                })
                .collect();
            for h in handles {
                h.await.unwrap();
            }
            shared.get()
        });
        assert_eq!(total, 5050);
    });
}

#[test]
fn rc_tasks_run_inside_a_multi_thread_runtime() {
    bounded(|| {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let out = rt.block_on(async {
            let local = LocalSet::new();
            local
                .run_until(async {
                    let log = Rc::new(RefCell::new(Vec::new()));
                    let l = log.clone();
                    let h = task::spawn_local(async move {
                        l.borrow_mut().push("local");
                        task::yield_now().await;
                        Rc::strong_count(&l)
                    });
                    // Send tasks still go to the runtime's workers meanwhile.
                    let sent = eddy::spawn(async { 5 }).await.unwrap();
                    let count = h.await.unwrap();
                    log.borrow_mut().push("done");
                    let log = log.borrow().clone();
                    (sent, count, log)
                })
                .await
        });
        assert_eq!(out.0, 5);
        assert!(out.1 >= 1);
        assert_eq!(out.2, vec!["local", "done"]);
    });
}

#[test]
fn local_set_spawn_local_before_running() {
    bounded(|| {
        let rt = Builder::new_current_thread().build().unwrap();
        let local = LocalSet::new();
        let flag = Rc::new(Cell::new(false));
        let f = flag.clone();
        let h = local.spawn_local(async move { f.set(true) });
        local.block_on(&rt, h).unwrap();
        assert!(flag.get());
    });
}

#[test]
fn awaiting_the_set_runs_all_its_tasks() {
    bounded(|| {
        let rt = Builder::new_current_thread().build().unwrap();
        let count = Rc::new(Cell::new(0));
        let local = LocalSet::new();
        for _ in 0..10 {
            let count = count.clone();
            local.spawn_local(async move {
                task::yield_now().await;
                count.set(count.get() + 1);
            });
        }
        rt.block_on(local);
        assert_eq!(count.get(), 10);
    });
}

#[test]
fn dropping_the_set_drops_pending_tasks() {
    bounded(|| {
        let rt = Builder::new_current_thread().build().unwrap();
        let marker = Rc::new(());
        let local = LocalSet::new();
        let m = marker.clone();
        local.spawn_local(async move {
            let _m = m;
            std::future::pending::<()>().await
        });
        local.block_on(&rt, task::yield_now());
        assert_eq!(Rc::strong_count(&marker), 2);
        drop(local);
        assert_eq!(Rc::strong_count(&marker), 1);
    });
}

#[test]
fn local_task_panic_is_captured() {
    bounded(|| {
        let rt = Builder::new_current_thread().build().unwrap();
        let local = LocalSet::new();
        local.block_on(&rt, async {
            let err = task::spawn_local(async { panic!("local boom") })
                .await
                .unwrap_err();
            assert!(err.is_panic());
            assert_eq!(task::spawn_local(async { 1 }).await.unwrap(), 1);
        });
    });
}

#[test]
fn abort_a_local_task() {
    bounded(|| {
        let rt = Builder::new_current_thread().build().unwrap();
        let local = LocalSet::new();
        local.block_on(&rt, async {
            let h = task::spawn_local(std::future::pending::<()>());
            task::yield_now().await;
            h.abort();
            assert!(h.await.unwrap_err().is_cancelled());
        });
    });
}

#[test]
#[should_panic(expected = "spawn_local")]
fn spawn_local_outside_a_local_set_panics() {
    let rt = Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        drop(task::spawn_local(async {}));
    });
}

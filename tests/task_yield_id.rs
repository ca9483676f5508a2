//! `yield_now` lets the other tasks run, task ids are unique and visible from inside the task
//! (`task::id`, `try_id`, `JoinHandle::id`), `consume_budget` eventually yields, and
//! `unconstrained` opts a future out of the budget.

use eddy::runtime::Builder;
use eddy::task;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
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

/// On the current-thread scheduler, two tasks that yield after each step interleave.
#[test]
fn yield_now_interleaves_tasks() {
    bounded(|| {
        let rt = Builder::new_current_thread().build().unwrap();
        let log = Arc::new(Mutex::new(Vec::new()));
        rt.block_on(async {
            let hs: Vec<_> = ["a", "b"]
                .into_iter()
                .map(|name| {
                    let log = log.clone();
                    eddy::spawn(async move {
                        for _ in 0..3 {
                            log.lock().unwrap().push(name);
                            task::yield_now().await;
                        }
                    })
                })
                .collect();
            for h in hs {
                h.await.unwrap();
            }
        });
        let log = log.lock().unwrap().clone();
        // Without yielding, one task would log all three steps before the other started.
        assert!(
            log[..3].contains(&"a") && log[..3].contains(&"b"),
            "no interleaving: {log:?}"
        );
    });
}

/// A task that spins on `yield_now` waiting for a flag set by another task on the same single
/// thread makes progress only if yielding really lets the other task run.
#[test]
fn yield_now_lets_a_waiting_task_finish_on_one_thread() {
    bounded(|| {
        for rt in [
            Builder::new_current_thread().build().unwrap(),
            Builder::new_multi_thread()
                .worker_threads(1)
                .build()
                .unwrap(),
        ] {
            let flag = Arc::new(AtomicBool::new(false));
            rt.block_on(async {
                let f = flag.clone();
                let spinner = eddy::spawn(async move {
                    while !f.load(Ordering::SeqCst) {
                        task::yield_now().await;
                    }
                });
                let f = flag.clone();
                let setter = eddy::spawn(async move { f.store(true, Ordering::SeqCst) });
                setter.await.unwrap();
                spinner.await.unwrap();
            });
        }
    });
}

#[test]
fn ids_are_unique_and_match_inside_and_out() {
    bounded(|| {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        rt.block_on(async {
            let handles: Vec<_> = (0..1000)
                .map(|_| eddy::spawn(async { task::id() }))
                .collect();
            let mut seen = HashSet::new();
            for h in handles {
                let outside = h.id();
                let inside = h.await.unwrap();
                assert_eq!(outside, inside);
                assert!(seen.insert(inside), "duplicate id {inside}");
            }
        });
    });
}

#[test]
fn try_id_inside_and_outside_tasks() {
    assert!(task::try_id().is_none());
    let rt = Builder::new_current_thread().build().unwrap();
    let inside = rt.block_on(async { eddy::spawn(async { task::try_id() }).await.unwrap() });
    assert!(inside.is_some());
    let blocking = rt.block_on(rt.spawn_blocking(task::try_id)).unwrap();
    assert!(blocking.is_some(), "a blocking task has an id too");
}

#[test]
#[should_panic(expected = "Can't get a task id when not inside a task")]
fn id_outside_a_task_panics() {
    let _ = task::id();
}

/// An always-ready loop of `consume_budget` still yields now and then, so a second task on the
/// same single thread gets to run before the loop ends.
#[test]
fn consume_budget_yields_eventually() {
    bounded(|| {
        let rt = Builder::new_current_thread().build().unwrap();
        let other_ran = Arc::new(AtomicBool::new(false));
        let seen_at = rt.block_on(async {
            let o = other_ran.clone();
            let _other = eddy::spawn(async move { o.store(true, Ordering::SeqCst) });
            let o = other_ran.clone();
            eddy::spawn(async move {
                for i in 0..100_000u32 {
                    if o.load(Ordering::SeqCst) {
                        return Some(i);
                    }
                    task::consume_budget().await;
                }
                None
            })
            .await
            .unwrap()
        });
        assert!(seen_at.is_some(), "consume_budget never yielded");
    });
}

/// `unconstrained` wraps a future so the budget never forces it to yield; it still completes.
#[test]
fn unconstrained_runs_to_completion() {
    bounded(|| {
        let rt = Builder::new_current_thread().build().unwrap();
        let polls = Arc::new(AtomicUsize::new(0));
        let p = polls.clone();
        let out = rt.block_on(task::unconstrained(async move {
            for _ in 0..1000 {
                task::consume_budget().await;
                p.fetch_add(1, Ordering::SeqCst);
            }
            7
        }));
        assert_eq!(out, 7);
        assert_eq!(polls.load(Ordering::SeqCst), 1000);
    });
}

#[test]
fn id_display_and_ordering() {
    let rt = Builder::new_current_thread().build().unwrap();
    let (a, b) = rt.block_on(async {
        let a = eddy::spawn(async {}).id();
        let b = eddy::spawn(async {}).id();
        (a, b)
    });
    assert_ne!(a, b);
    assert!(!a.to_string().is_empty());
    let set: HashSet<task::Id> = [a, b, a].into_iter().collect();
    assert_eq!(set.len(), 2);
}

//! `JoinSet` seen from the public API: completion order, ids, abort/detach/shutdown/drop, panics,
//! blocking tasks, other runtimes, the cooperative budget, and that outputs are dropped exactly once.

use eddy::runtime::{Builder, Runtime};
use eddy::task::{self, JoinSet};
use futures::FutureExt;
use std::collections::HashSet;
use std::future::pending;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::SeqCst};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

fn runtimes() -> Vec<Runtime> {
    vec![
        Builder::new_current_thread().build().unwrap(),
        Builder::new_multi_thread()
            .worker_threads(1)
            .build()
            .unwrap(),
        Builder::new_multi_thread()
            .worker_threads(3)
            .build()
            .unwrap(),
    ]
}

/// Adds one to its counter when dropped.
struct DropCount(Arc<AtomicUsize>);

impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.fetch_add(1, SeqCst);
    }
}

/// Yields until `cond` holds (a bounded number of times, so a bug fails rather than hangs).
async fn yield_until(mut cond: impl FnMut() -> bool) {
    for _ in 0..100_000 {
        if cond() {
            return;
        }
        task::yield_now().await;
        std::thread::yield_now();
    }
    panic!("condition never became true");
}

/// A waker that counts its wakes.
#[derive(Default)]
struct CountWake(AtomicUsize);

impl Wake for CountWake {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, SeqCst);
    }
}

#[test]
fn every_output_is_joined_once() {
    for rt in runtimes() {
        rt.block_on(async {
            let mut set = JoinSet::new();
            for i in 0..1000usize {
                set.spawn(async move {
                    if i % 3 == 0 {
                        task::yield_now().await;
                    }
                    i
                });
            }
            assert_eq!(set.len(), 1000);
            let mut seen = vec![false; 1000];
            while let Some(res) = set.join_next().await {
                let i = res.unwrap();
                assert!(!seen[i], "output {i} joined twice");
                seen[i] = true;
            }
            assert!(seen.iter().all(|s| *s));
            assert!(set.is_empty());
            assert!(set.join_next().await.is_none());
        });
    }
}

#[eddy::test]
async fn empty_set_joins_none() {
    let mut set: JoinSet<()> = JoinSet::default();
    assert!(set.is_empty());
    assert!(set.join_next().await.is_none());
    assert!(set.try_join_next().is_none());
    assert!(set.join_next_with_id().await.is_none());
}

#[eddy::test]
async fn len_counts_finished_tasks_until_joined() {
    let mut set = JoinSet::new();
    set.spawn(async { 1 });
    set.spawn(async { 2 });
    assert_eq!(set.len(), 2);
    task::yield_now().await;
    assert_eq!(set.len(), 2, "finished tasks stay until joined");
    set.join_next().await.unwrap().unwrap();
    assert_eq!(set.len(), 1);
    set.join_next().await.unwrap().unwrap();
    assert_eq!(set.len(), 0);
}

#[eddy::test(flavor = "multi_thread", worker_threads = 2)]
async fn ids_match_abort_handles() {
    let mut set = JoinSet::new();
    let mut ids = HashSet::new();
    for i in 0..50u32 {
        ids.insert(set.spawn(async move { i }).id());
    }
    let mut joined = HashSet::new();
    while let Some(res) = set.join_next_with_id().await {
        let (id, _) = res.unwrap();
        assert!(joined.insert(id));
    }
    assert_eq!(ids, joined);
}

#[test]
fn abort_handle_cancels_one_task() {
    for rt in runtimes() {
        rt.block_on(async {
            let mut set = JoinSet::new();
            let aborted = set.spawn(pending::<u32>());
            set.spawn(async { 7 });
            aborted.abort();
            let mut outputs = 0;
            let mut cancelled = 0;
            while let Some(res) = set.join_next_with_id().await {
                match res {
                    Ok((_, v)) => {
                        assert_eq!(v, 7);
                        outputs += 1;
                    }
                    Err(e) => {
                        assert!(e.is_cancelled());
                        assert_eq!(e.id(), aborted.id());
                        cancelled += 1;
                    }
                }
            }
            assert_eq!((outputs, cancelled), (1, 1));
        });
    }
}

#[test]
fn abort_all_keeps_tasks_in_the_set() {
    for rt in runtimes() {
        rt.block_on(async {
            let mut set = JoinSet::new();
            for _ in 0..5 {
                set.spawn(async { 1 });
            }
            for _ in 0..5 {
                set.spawn(pending());
            }
            set.abort_all();
            assert_eq!(set.len(), 10);
            let mut cancelled = 0;
            let mut n = 0;
            while let Some(res) = set.join_next().await {
                n += 1;
                if let Err(e) = res {
                    assert!(e.is_cancelled());
                    cancelled += 1;
                }
            }
            assert_eq!(n, 10);
            assert!(cancelled >= 5);
        });
    }
}

#[test]
fn dropping_the_set_aborts_its_tasks() {
    for rt in runtimes() {
        rt.block_on(async {
            let dropped = Arc::new(AtomicUsize::new(0));
            let mut set = JoinSet::new();
            for _ in 0..16 {
                let guard = DropCount(dropped.clone());
                set.spawn(async move {
                    let _guard = guard;
                    pending::<()>().await;
                });
            }
            drop(set);
            yield_until(|| dropped.load(SeqCst) == 16).await;
        });
    }
}

#[test]
fn shutdown_aborts_and_waits() {
    for rt in runtimes() {
        rt.block_on(async {
            let dropped = Arc::new(AtomicUsize::new(0));
            let mut set = JoinSet::new();
            for _ in 0..8 {
                let guard = DropCount(dropped.clone());
                set.spawn(async move {
                    let _guard = guard;
                    pending::<()>().await;
                });
            }
            set.shutdown().await;
            assert!(set.is_empty());
            // shutdown returns only once every task has finished, so every future is gone.
            assert_eq!(dropped.load(SeqCst), 8);
        });
    }
}

#[test]
fn detached_tasks_keep_running() {
    for rt in runtimes() {
        rt.block_on(async {
            let ran = Arc::new(AtomicUsize::new(0));
            let mut set = JoinSet::new();
            for _ in 0..10 {
                let ran = ran.clone();
                set.spawn(async move {
                    task::yield_now().await;
                    ran.fetch_add(1, SeqCst);
                });
            }
            set.detach_all();
            assert!(set.is_empty());
            assert!(set.join_next().await.is_none());
            yield_until(|| ran.load(SeqCst) == 10).await;
            // The set is usable again after detaching.
            set.spawn(async {});
            assert!(set.join_next().await.unwrap().is_ok());
        });
    }
}

#[test]
fn outputs_are_dropped_exactly_once() {
    for rt in runtimes() {
        let dropped = Arc::new(AtomicUsize::new(0));
        rt.block_on(async {
            let mut set = JoinSet::new();
            for _ in 0..30 {
                // Made outside the future, so it is dropped exactly once whether the task runs (and
                // the output is dropped) or is aborted first (and the future is).
                let out = DropCount(dropped.clone());
                set.spawn(async move { out });
            }
            // Join ten, let the rest finish, then drop the set with their outputs unread.
            for _ in 0..10 {
                drop(set.join_next().await.unwrap().unwrap());
            }
            yield_until(|| dropped.load(SeqCst) == 10).await;
            for _ in 0..50 {
                task::yield_now().await;
            }
            drop(set);
        });
        drop(rt);
        assert_eq!(dropped.load(SeqCst), 30);
    }
}

#[test]
fn panics_surface_as_join_errors() {
    for rt in runtimes() {
        rt.block_on(async {
            let mut set = JoinSet::new();
            set.spawn(async { panic!("boom") });
            let err = set.join_next().await.unwrap().unwrap_err();
            assert!(err.is_panic());
            let payload = err.into_panic();
            assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"));
        });
    }
}

#[eddy::test]
async fn join_all_returns_every_output() {
    let mut set = JoinSet::new();
    for i in 0..20u32 {
        set.spawn(async move { i });
    }
    let mut out = set.join_all().await;
    out.sort();
    assert_eq!(out, (0..20).collect::<Vec<_>>());
}

#[eddy::test]
async fn join_all_resumes_a_panic() {
    let mut set: JoinSet<()> = JoinSet::new();
    set.spawn(async { panic!("inner") });
    set.spawn(pending());
    let err = eddy::spawn(set.join_all()).await.unwrap_err();
    assert!(err.is_panic());
    assert_eq!(err.into_panic().downcast_ref::<&str>(), Some(&"inner"));
}

#[eddy::test]
async fn join_all_panics_on_cancellation() {
    let mut set: JoinSet<()> = JoinSet::new();
    set.spawn(pending()).abort();
    let err = eddy::spawn(set.join_all()).await.unwrap_err();
    assert!(err.is_panic());
}

#[test]
fn try_join_next_never_waits() {
    for rt in runtimes() {
        rt.block_on(async {
            let gate = Arc::new(AtomicBool::new(false));
            let mut set = JoinSet::new();
            for i in 0..200u32 {
                let gate = gate.clone();
                set.spawn(async move {
                    while !gate.load(SeqCst) {
                        task::yield_now().await;
                    }
                    i
                });
            }
            assert!(set.try_join_next().is_none());
            gate.store(true, SeqCst);
            let mut n = 0;
            yield_until(|| {
                while let Some(res) = set.try_join_next_with_id() {
                    res.unwrap();
                    n += 1;
                }
                n == 200
            })
            .await;
            assert!(set.is_empty());
            assert!(set.try_join_next().is_none());
        });
    }
}

#[test]
fn blocking_tasks_join() {
    for rt in runtimes() {
        let handle = rt.handle().clone();
        rt.block_on(async {
            let mut set = JoinSet::new();
            for i in 0..4u64 {
                set.spawn_blocking(move || i * 10);
                set.spawn_blocking_on(move || i * 100, &handle);
            }
            let mut sum = 0;
            while let Some(res) = set.join_next().await {
                sum += res.unwrap();
            }
            assert_eq!(sum, 60 + 600);
        });
    }
}

#[test]
fn spawn_on_another_runtime() {
    let other = Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let rt = Builder::new_current_thread().build().unwrap();
    let mut set = JoinSet::new();
    // Outside any runtime: spawn_on needs only the handle.
    set.spawn_on(async { 5 }, other.handle());
    assert_eq!(rt.block_on(set.join_next()).unwrap().unwrap(), 5);
}

#[test]
fn runtime_shutdown_cancels_tasks_in_the_set() {
    let mut set = JoinSet::new();
    {
        let rt = Builder::new_current_thread().build().unwrap();
        set.spawn_on(pending::<()>(), rt.handle());
        set.spawn_on(async {}, rt.handle());
    }
    let rt = Builder::new_current_thread().build().unwrap();
    for _ in 0..2 {
        let err = rt.block_on(set.join_next()).unwrap().unwrap_err();
        assert!(err.is_cancelled());
    }
    assert!(set.is_empty());
}

#[test]
fn a_finished_task_wakes_the_latest_waker() {
    let rt = Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    let gate = Arc::new(AtomicBool::new(false));
    let mut set = JoinSet::new();
    let g = gate.clone();
    set.spawn_on(
        async move {
            while !g.load(SeqCst) {
                task::yield_now().await;
            }
            3
        },
        rt.handle(),
    );
    let first = Arc::new(CountWake::default());
    let second = Arc::new(CountWake::default());
    let w1 = Waker::from(first.clone());
    let w2 = Waker::from(second.clone());
    assert!(set
        .poll_join_next(&mut Context::from_waker(&w1))
        .is_pending());
    assert!(set
        .poll_join_next(&mut Context::from_waker(&w2))
        .is_pending());
    gate.store(true, SeqCst);
    while second.0.load(SeqCst) == 0 {
        std::thread::yield_now();
    }
    assert_eq!(first.0.load(SeqCst), 0);
    match set.poll_join_next(&mut Context::from_waker(&w2)) {
        Poll::Ready(Some(Ok(3))) => {}
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn join_next_respects_the_budget() {
    let rt = Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        // Inside a task, where the budget applies.
        eddy::spawn(async {
            const N: usize = 1000;
            let done = Arc::new(AtomicUsize::new(0));
            let mut set = JoinSet::new();
            for _ in 0..N {
                let done = done.clone();
                set.spawn(async move {
                    done.fetch_add(1, SeqCst);
                });
            }
            yield_until(|| done.load(SeqCst) == N).await;
            let mut joined = 0;
            let mut throttled = 0;
            loop {
                match set.join_next().now_or_never() {
                    Some(Some(res)) => {
                        res.unwrap();
                        joined += 1;
                    }
                    Some(None) => break,
                    None => {
                        throttled += 1;
                        task::yield_now().await;
                    }
                }
            }
            assert_eq!(joined, N);
            assert!(throttled >= 1, "join_next never ran out of budget");
        })
        .await
        .unwrap();
    });
}

#[test]
fn collect_and_extend_spawn() {
    for rt in runtimes() {
        rt.block_on(async {
            let mut set: JoinSet<usize> = (0..5).map(|i| async move { i }).collect();
            set.extend((5..10).map(|i| async move { i }));
            assert_eq!(set.len(), 10);
            let mut out = set.join_all().await;
            out.sort();
            assert_eq!(out, (0..10).collect::<Vec<_>>());
        });
    }
}

#[test]
fn many_tasks_across_workers() {
    let rt = Builder::new_multi_thread()
        .worker_threads(4)
        .build()
        .unwrap();
    let sum = rt.block_on(async {
        let mut set = JoinSet::new();
        for i in 0..20_000u64 {
            set.spawn(async move {
                if i % 7 == 0 {
                    task::yield_now().await;
                }
                i
            });
        }
        let mut sum = 0;
        while let Some(res) = set.join_next().await {
            sum += res.unwrap();
        }
        sum
    });
    assert_eq!(sum, (0..20_000u64).sum::<u64>());
}

#[test]
fn set_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<JoinSet<std::cell::Cell<u8>>>();
    check::<JoinSet<u8>>();
}

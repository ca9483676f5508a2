//! `LocalRuntime`, `flavor = "local"` and `runtime::worker_index` beyond Tokio's rt_local and
//! rt_worker_index files: `!Send` state shared between local tasks, `spawn_local` from a `Send`
//! task, local tasks that outlive one `block_on` and run in the next, cancellation of local tasks on
//! drop and on `shutdown_timeout` (their futures dropped on the owning thread), and the panics.

use eddy::runtime::{Builder, LocalOptions, LocalRuntime};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

/// Counts its drops and the thread they happened on.
struct DropProbe {
    drops: Rc<Cell<usize>>,
    owner: std::thread::ThreadId,
}

impl Drop for DropProbe {
    fn drop(&mut self) {
        assert_eq!(
            std::thread::current().id(),
            self.owner,
            "dropped off the owner thread"
        );
        self.drops.set(self.drops.get() + 1);
    }
}

#[test]
fn local_tasks_share_rc_state_and_interleave_with_send_tasks() {
    let rt = LocalRuntime::new().unwrap();
    let log = Rc::new(RefCell::new(Vec::new()));
    let total = rt.block_on({
        let log = log.clone();
        async move {
            let mut handles = Vec::new();
            for i in 0..4 {
                let log = log.clone();
                handles.push(eddy::task::spawn_local(async move {
                    eddy::task::yield_now().await;
                    log.borrow_mut().push(i);
                    i
                }));
            }
            let send = eddy::spawn(async { 100 }).await.unwrap();
            let mut sum = send;
            for h in handles {
                sum += h.await.unwrap();
            }
            sum
        }
    });
    assert_eq!(total, 106);
    let mut seen = log.borrow().clone();
    seen.sort();
    assert_eq!(seen, vec![0, 1, 2, 3]);
}

#[test]
fn spawn_local_works_from_a_send_task_on_the_runtime() {
    let rt = LocalRuntime::new().unwrap();
    let out = rt.block_on(async {
        eddy::spawn(async {
            // A Send task runs on the runtime's thread, outside the local set's poll: the handle
            // is how spawn_local finds the set. Only the JoinHandle's output must be Send here.
            let h = eddy::task::spawn_local(async {
                let rc = Rc::new(7);
                *rc
            });
            h.await.unwrap()
        })
        .await
        .unwrap()
    });
    assert_eq!(out, 7);
}

#[test]
fn local_tasks_spawned_between_block_ons_run_at_the_next_one() {
    let rt = LocalRuntime::new().unwrap();
    let hits = Rc::new(Cell::new(0));
    {
        let _guard = rt.enter();
        let hits = hits.clone();
        eddy::task::spawn_local(async move { hits.set(hits.get() + 1) });
    }
    let h2 = hits.clone();
    rt.spawn_local(async move { h2.set(h2.get() + 10) });
    assert_eq!(hits.get(), 0);
    rt.block_on(async {
        for _ in 0..4 {
            eddy::task::yield_now().await;
        }
    });
    assert_eq!(hits.get(), 11);
}

#[test]
fn dropping_the_runtime_drops_pending_local_tasks_on_its_thread() {
    let drops = Rc::new(Cell::new(0));
    let owner = std::thread::current().id();
    let rt = LocalRuntime::new().unwrap();
    for _ in 0..3 {
        let probe = DropProbe {
            drops: drops.clone(),
            owner,
        };
        rt.spawn_local(async move {
            let _probe = probe;
            std::future::pending::<()>().await;
        });
    }
    rt.block_on(eddy::task::yield_now());
    assert_eq!(drops.get(), 0);
    drop(rt);
    assert_eq!(drops.get(), 3);
}

#[test]
fn shutdown_timeout_drops_local_tasks_too() {
    let drops = Rc::new(Cell::new(0));
    let rt = LocalRuntime::new().unwrap();
    let probe = DropProbe {
        drops: drops.clone(),
        owner: std::thread::current().id(),
    };
    let handle = rt.spawn_local(async move {
        let _probe = probe;
        eddy::time::sleep(Duration::from_secs(3600)).await;
    });
    rt.block_on(eddy::task::yield_now());
    rt.shutdown_timeout(Duration::from_millis(100));
    assert_eq!(drops.get(), 1);
    // Cancelled: its JoinHandle reports the task finished.
    assert!(handle.is_finished());
}

#[test]
#[should_panic(expected = "multi_thread is not supported for LocalRuntime")]
fn a_multi_thread_builder_cannot_build_a_local_runtime() {
    let _ = Builder::new_multi_thread().build_local(LocalOptions::default());
}

#[test]
#[should_panic(
    expected = "`spawn_local` called from outside of a `task::LocalSet` or `runtime::LocalRuntime`"
)]
fn spawn_local_outside_any_local_context_panics() {
    let rt = Builder::new_current_thread().build().unwrap();
    rt.block_on(async {
        eddy::task::spawn_local(async {});
    });
}

#[eddy::test(flavor = "local")]
async fn the_local_flavor_runs_spawn_local() {
    let rc = Rc::new(5);
    let rc2 = rc.clone();
    let v = eddy::task::spawn_local(async move { *rc2 * 2 })
        .await
        .unwrap();
    assert_eq!(v, 10);
    assert_eq!(eddy::runtime::worker_index(), Some(0));
}

#[eddy::test(flavor = "local", start_paused = true)]
async fn the_local_flavor_takes_start_paused() {
    let start = eddy::time::Instant::now();
    eddy::time::sleep(Duration::from_secs(60)).await;
    assert!(start.elapsed() >= Duration::from_secs(60));
}

#[test]
fn worker_index_names_each_multi_thread_worker() {
    let rt = Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .unwrap();
    let seen = rt.block_on(async {
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..200 {
            let idx = eddy::spawn(async { eddy::runtime::worker_index() })
                .await
                .unwrap();
            seen.insert(idx.expect("a task runs on a worker"));
        }
        seen
    });
    assert!(seen.iter().all(|&i| i < 2), "{seen:?}");
    assert_eq!(
        rt.block_on(async { eddy::runtime::worker_index() }),
        None,
        "block_on's thread is not a worker"
    );
}

#[test]
fn a_panic_while_shutdown_drops_local_tasks_frees_everything_once() {
    // A JoinHandle last polled with a waker that panics: cancelling its task on shutdown wakes
    // that waker, and the panic unwinds out of shutdown_timeout through the runtime's own drop.
    use std::future::Future;
    use std::pin::Pin;
    use std::sync::Arc;
    use std::task::{Context, Wake, Waker};
    struct PanicOnWake;
    impl Wake for PanicOnWake {
        fn wake(self: Arc<Self>) {
            panic!("waker panics");
        }
    }
    let rt = LocalRuntime::new().unwrap();
    let mut handle = rt.spawn_local(std::future::pending::<()>());
    let waker = Waker::from(Arc::new(PanicOnWake));
    assert!(Pin::new(&mut handle)
        .poll(&mut Context::from_waker(&waker))
        .is_pending());
    let res = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rt.shutdown_timeout(Duration::ZERO)
    }));
    assert!(
        res.is_err(),
        "the waker's panic comes out of shutdown_timeout"
    );
    drop(handle);
}

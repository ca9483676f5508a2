//! `SetOnce`: set and get, a second `set` handing its value back, `wait` before and after the set
//! and from many tasks at once (also with some waits cancelled), the value dropped exactly once
//! (by the cell, by `into_inner`'s caller, or never stored), statics built with `const_new` and
//! `const_new_with`, and the trait impls Tokio's `SetOnce` has.

use eddy::runtime::{Builder, Runtime};
use eddy::sync::{SetOnce, SetOnceError};
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

/// Runs `f` on its own thread and fails if it has not returned within a minute: a guard that
/// turns a hang (a waiter never woken) into a failure, not a timing check. A panic in `f` is
/// passed on unchanged.
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

/// Runs `body` on each runtime flavor, each run under [`bounded`].
fn on_each_flavor<F, Fut>(body: F)
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let body = Arc::new(body);
    for (name, rt) in flavors() {
        let body = body.clone();
        bounded(move || {
            // Spawned, so the body runs on a worker of the multi-thread runtime.
            rt.block_on(async move { eddy::spawn(body()).await })
                .unwrap_or_else(|e| panic!("{name}: {e}"))
        });
    }
}

/// Counts how many times it (or a clone of it) was dropped.
#[derive(Clone, Debug)]
struct DropCount(Arc<AtomicUsize>);

impl DropCount {
    fn new() -> DropCount {
        DropCount(Arc::new(AtomicUsize::new(0)))
    }

    fn drops(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

impl Drop for DropCount {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// A waker that counts its wakes.
struct CountWaker(AtomicUsize);

impl std::task::Wake for CountWaker {
    fn wake(self: Arc<Self>) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

fn count_waker() -> (std::task::Waker, Arc<CountWaker>) {
    let count = Arc::new(CountWaker(AtomicUsize::new(0)));
    (count.clone().into(), count)
}

impl CountWaker {
    fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

/// Polls `fut` once with a waker that does nothing.
fn poll_once<F: Future + Unpin>(fut: &mut F) -> Poll<F::Output> {
    std::pin::Pin::new(fut).poll(&mut Context::from_waker(futures::task::noop_waker_ref()))
}

#[test]
fn set_then_get() {
    let cell = SetOnce::new();
    assert!(!cell.initialized());
    assert_eq!(cell.get(), None);
    assert_eq!(cell.set(5u32), Ok(()));
    assert!(cell.initialized());
    assert_eq!(cell.get(), Some(&5));
}

#[test]
fn set_twice_hands_the_second_value_back() {
    let cell = SetOnce::new();
    cell.set(String::from("first")).unwrap();
    let err = cell.set(String::from("second")).unwrap_err();
    assert_eq!(err, SetOnceError(String::from("second")));
    assert_eq!(err.to_string(), "SetOnceError");
    assert_eq!(format!("{err:?}"), r#"SetOnceError("second")"#);
    let as_error: &dyn std::error::Error = &err;
    assert!(as_error.source().is_none());
    assert_eq!(err.0, "second");
    assert_eq!(cell.get().map(String::as_str), Some("first"));
}

#[test]
fn set_on_a_cell_built_full_fails() {
    let from = SetOnce::from(1);
    assert_eq!(from.set(2), Err(SetOnceError(2)));
    let with = SetOnce::new_with(Some(1));
    assert_eq!(with.set(2), Err(SetOnceError(2)));
    let empty = SetOnce::new_with(None);
    assert_eq!(empty.set(2), Ok(()));
}

/// Racing setters on threads: exactly one wins, every loser gets its own value back and, once
/// it has its error, already sees the winner's value.
#[test]
fn racing_setters_one_wins() {
    bounded(|| {
        for _ in 0..100 {
            let cell = Arc::new(SetOnce::new());
            let threads: Vec<_> = (0..4usize)
                .map(|i| {
                    let cell = cell.clone();
                    std::thread::spawn(move || match cell.set(i) {
                        Ok(()) => Some(i),
                        Err(SetOnceError(back)) => {
                            assert_eq!(back, i, "a loser got another value back");
                            assert!(cell.get().is_some(), "set failed on an empty cell");
                            None
                        }
                    })
                })
                .collect();
            let winners: Vec<usize> = threads
                .into_iter()
                .filter_map(|t| t.join().unwrap())
                .collect();
            assert_eq!(winners.len(), 1, "winners: {winners:?}");
            assert_eq!(cell.get(), Some(&winners[0]));
        }
    });
}

#[test]
fn wait_before_set() {
    on_each_flavor(|| async {
        let cell = Arc::new(SetOnce::new());
        let waiter = {
            let cell = cell.clone();
            eddy::spawn(async move { *cell.wait().await })
        };
        // Let the waiter run up to its sleep (on the current-thread runtime it surely does).
        eddy::task::yield_now().await;
        cell.set(11).unwrap();
        assert_eq!(waiter.await.unwrap(), 11);
    });
}

#[test]
fn wait_after_set_returns_at_once() {
    let cell = SetOnce::new();
    cell.set(3).unwrap();
    let mut wait = Box::pin(cell.wait());
    assert_eq!(poll_once(&mut wait), Poll::Ready(&3));

    let full = SetOnce::from("built full");
    let mut wait = Box::pin(full.wait());
    assert_eq!(poll_once(&mut wait), Poll::Ready(&"built full"));
}

/// A pending wait stays pending (and does not spin) until the set, and its waker is used.
#[test]
fn wait_is_pending_until_set() {
    let cell = SetOnce::new();
    let mut wait = Box::pin(cell.wait());
    assert!(poll_once(&mut wait).is_pending());
    assert!(poll_once(&mut wait).is_pending());
    let (waker, woken) = count_waker();
    assert!(wait
        .as_mut()
        .poll(&mut Context::from_waker(&waker))
        .is_pending());
    assert_eq!(woken.get(), 0);
    cell.set(9).unwrap();
    assert_eq!(woken.get(), 1, "set did not wake the waiter");
    assert_eq!(poll_once(&mut wait), Poll::Ready(&9));
}

/// Many tasks waiting at once (some on other workers, some set up before and some after the
/// set starts) all end with the value; the set comes from a task, from a plain thread in the
/// second round.
#[test]
fn wait_from_many_tasks() {
    on_each_flavor(|| async {
        for from_thread in [false, true] {
            let cell = Arc::new(SetOnce::new());
            let waiters: Vec<_> = (0..64)
                .map(|_| {
                    let cell = cell.clone();
                    eddy::spawn(async move { *cell.wait().await })
                })
                .collect();
            eddy::task::yield_now().await;
            if from_thread {
                let cell = cell.clone();
                std::thread::spawn(move || cell.set(42u64).unwrap())
                    .join()
                    .unwrap();
            } else {
                let cell = cell.clone();
                eddy::spawn(async move { cell.set(42u64).unwrap() })
                    .await
                    .unwrap();
            }
            for waiter in waiters {
                assert_eq!(waiter.await.unwrap(), 42);
            }
        }
    });
}

/// Dropping some pending waits before the set (cancellation) leaves the others to be woken.
#[test]
fn cancelled_waits_do_not_disturb_others() {
    let cell = SetOnce::new();
    let mut kept = Box::pin(cell.wait());
    let mut cancelled = Box::pin(cell.wait());
    assert!(poll_once(&mut cancelled).is_pending());
    let (waker, woken) = count_waker();
    assert!(kept
        .as_mut()
        .poll(&mut Context::from_waker(&waker))
        .is_pending());
    drop(cancelled);
    cell.set(1).unwrap();
    assert_eq!(woken.get(), 1);
    assert_eq!(poll_once(&mut kept), Poll::Ready(&1));
}

#[test]
fn drop_of_a_set_cell_drops_the_value_once() {
    let count = DropCount::new();
    let cell = SetOnce::new();
    cell.set(count.clone()).unwrap();
    assert_eq!(count.drops(), 0);
    drop(cell);
    assert_eq!(count.drops(), 1);

    let cell = SetOnce::from(count.clone());
    drop(cell);
    assert_eq!(count.drops(), 2);

    let cell = SetOnce::new_with(Some(count.clone()));
    drop(cell);
    assert_eq!(count.drops(), 3);
}

#[test]
fn drop_of_an_empty_cell_drops_nothing() {
    let count = DropCount::new();
    drop(SetOnce::<DropCount>::new());
    drop(SetOnce::<DropCount>::new_with(None));
    assert_eq!(count.drops(), 0);
}

/// A value refused by `set` belongs to the caller (it comes back in the error), not the cell.
#[test]
fn refused_value_is_the_callers() {
    let count = DropCount::new();
    let cell = SetOnce::new();
    cell.set(count.clone()).unwrap();
    let err = cell.set(count.clone()).unwrap_err();
    assert_eq!(count.drops(), 0);
    drop(err);
    assert_eq!(count.drops(), 1);
    drop(cell);
    assert_eq!(count.drops(), 2);
}

#[test]
fn into_inner_moves_the_value_out() {
    let count = DropCount::new();
    let cell = SetOnce::new();
    cell.set(count.clone()).unwrap();
    let value = cell.into_inner().expect("the cell was set");
    assert_eq!(count.drops(), 0, "into_inner dropped the value it returned");
    drop(value);
    assert_eq!(count.drops(), 1);

    let value = SetOnce::from(count.clone()).into_inner().unwrap();
    assert_eq!(count.drops(), 1);
    drop(value);
    assert_eq!(count.drops(), 2);

    assert!(SetOnce::<DropCount>::new().into_inner().is_none());
    assert_eq!(count.drops(), 2);
}

static EMPTY_AT_START: SetOnce<&str> = SetOnce::const_new();
static FULL_AT_START: SetOnce<u32> = SetOnce::const_new_with(7);

#[test]
fn statics_from_const_constructors() {
    assert_eq!(EMPTY_AT_START.get(), None);
    EMPTY_AT_START.set("ready").unwrap();
    assert_eq!(EMPTY_AT_START.get(), Some(&"ready"));
    assert_eq!(EMPTY_AT_START.set("again"), Err(SetOnceError("again")));

    assert!(FULL_AT_START.initialized());
    assert_eq!(FULL_AT_START.get(), Some(&7));
    assert_eq!(FULL_AT_START.set(8), Err(SetOnceError(8)));
}

/// `wait` on a `static`, set from another task.
#[test]
fn wait_on_a_static() {
    static CELL: SetOnce<u8> = SetOnce::const_new();
    bounded(|| {
        let rt = Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        rt.block_on(async {
            let waiter = eddy::spawn(async { *CELL.wait().await });
            eddy::spawn(async { CELL.set(200).unwrap() });
            assert_eq!(waiter.await.unwrap(), 200);
            assert_eq!(*FULL_AT_START.wait().await, 7);
        });
    });
}

#[test]
fn clone_copies_the_current_value() {
    let empty = SetOnce::<String>::new();
    let empty_clone = empty.clone();
    assert_eq!(empty_clone.get(), None);
    // The clone is a separate cell: setting one leaves the other alone.
    empty.set("a".into()).unwrap();
    assert_eq!(empty_clone.get(), None);

    let full = SetOnce::from(String::from("b"));
    let full_clone = full.clone();
    assert_eq!(full_clone.get().map(String::as_str), Some("b"));
    assert_eq!(full_clone.set("c".into()), Err(SetOnceError("c".into())));
}

#[test]
fn eq_compares_values() {
    assert_eq!(SetOnce::<i32>::new(), SetOnce::new());
    assert_eq!(SetOnce::from(1), SetOnce::from(1));
    assert_ne!(SetOnce::from(1), SetOnce::from(2));
    assert_ne!(SetOnce::from(1), SetOnce::new());

    let later = SetOnce::new();
    assert_ne!(later, SetOnce::from(1));
    later.set(1).unwrap();
    assert_eq!(later, SetOnce::from(1));

    fn assert_eq_impl<T: Eq>() {}
    assert_eq_impl::<SetOnce<i32>>();
}

#[test]
fn debug_shows_the_value() {
    assert_eq!(
        format!("{:?}", SetOnce::<i32>::new()),
        "SetOnce { value: None }"
    );
    assert_eq!(
        format!("{:?}", SetOnce::from("x")),
        r#"SetOnce { value: Some("x") }"#
    );
}

#[test]
fn from_and_default() {
    let from: SetOnce<Vec<u8>> = vec![1, 2].into();
    assert_eq!(from.get(), Some(&vec![1, 2]));

    let default: SetOnce<Vec<u8>> = SetOnce::default();
    assert!(!default.initialized());
    assert_eq!(default.get(), None);
}

/// The auto traits Tokio's `SetOnce` has: `Send` when `T: Send`, `Sync` when `T: Send + Sync`,
/// `Unpin` when `T` is; its `wait` future is `Send` when the cell is `Sync`.
#[test]
fn send_sync_unpin() {
    fn send<T: Send>(_: &T) {}
    fn sync<T: Sync>(_: &T) {}
    fn unpin<T: Unpin>(_: &T) {}

    let cell = SetOnce::<String>::new();
    send(&cell);
    sync(&cell);
    unpin(&cell);
    send(&cell.wait());
    sync(&cell.wait());

    // `Cell` is Send but not Sync: the cell is still Send.
    let cell = SetOnce::<std::cell::Cell<u8>>::new();
    send(&cell);
    unpin(&cell);
}

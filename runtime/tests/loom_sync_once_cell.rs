//! Loom models of `OnceCell`: two `get_or_init` calls racing run one initializer and return the
//! same value (the value is read through loom's `UnsafeCell`, so a reader not ordered after the
//! write is reported), an initializer cancelled mid-way lets the other caller initialize, and `set`
//! racing `get_or_init` stores exactly one of the two values.
#![cfg(loom)]

use eddy_runtime::sync::{OnceCell, SetError};
use loom::future::block_on;
use loom::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use loom::sync::Arc;
use loom::thread;
use std::future::Future;
use std::pin::{pin, Pin};
use std::task::{Context, Poll};

/// An initializer: counts its run, returns `value`.
async fn init(runs: &AtomicUsize, value: usize) -> usize {
    runs.fetch_add(1, SeqCst);
    value
}

/// A future that is pending once (waking itself), then ready.
#[derive(Default)]
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

fn poll_once<F: Future>(fut: Pin<&mut F>) -> Poll<F::Output> {
    fut.poll(&mut Context::from_waker(futures::task::noop_waker_ref()))
}

/// Two `get_or_init` calls with different initializers: one finds the cell empty and initializes,
/// the other takes the fast path (seeing the value published), waits behind it on the semaphore, or
/// finds it closed. The initializer runs exactly once and both callers see its value.
#[test]
fn once_cell_get_or_init_runs_once() {
    loom::model(|| {
        let cell = Arc::new(OnceCell::new());
        let runs = Arc::new(AtomicUsize::new(0));
        let (c2, r2) = (cell.clone(), runs.clone());
        let th = thread::spawn(move || *block_on(c2.get_or_init(|| init(&r2, 1))));
        let mine = *block_on(cell.get_or_init(|| init(&runs, 2)));
        let theirs = th.join().unwrap();
        assert_eq!(runs.load(SeqCst), 1, "the initializer ran more than once");
        assert_eq!(mine, theirs, "the callers saw different values");
        assert_eq!(cell.get(), Some(&mine));
    });
}

/// One caller's initializer is pending when its `get_or_init` is dropped (or that caller is still
/// queued behind the other when dropped, or finds the value ready). The other caller, waiting or
/// arriving later, is not stuck: it initializes the cell itself.
#[test]
fn once_cell_cancelled_init_lets_another_init() {
    loom::model(|| {
        let cell = Arc::new(OnceCell::new());
        let c2 = cell.clone();
        let th = thread::spawn(move || {
            let mut fut = pin!(c2.get_or_init(|| async {
                YieldOnce::default().await;
                1
            }));
            if let Poll::Ready(v) = poll_once(fut.as_mut()) {
                assert_eq!(*v, 2, "an initializer that never finished stored its value");
            }
            // Dropped here, holding the permit or queued for it.
        });
        let v = *block_on(cell.get_or_init(|| async { 2 }));
        assert_eq!(v, 2);
        th.join().unwrap();
        assert_eq!(cell.get(), Some(&2));
    });
}

/// `set(1)` racing `get_or_init` with an initializer returning 2: if `set` succeeds the initializer
/// never runs and `get_or_init` returns 1; if it fails (the value is there, or being initialized)
/// the initializer ran once and 2 is stored. Either way the cell holds what `get_or_init` returned.
#[test]
fn once_cell_set_races_get_or_init() {
    loom::model(|| {
        let cell = Arc::new(OnceCell::new());
        let runs = Arc::new(AtomicUsize::new(0));
        let c2 = cell.clone();
        let th = thread::spawn(move || c2.set(1));
        let v = *block_on(cell.get_or_init(|| init(&runs, 2)));
        match th.join().unwrap() {
            Ok(()) => {
                assert_eq!(v, 1, "set succeeded but get_or_init returned another value");
                assert_eq!(
                    runs.load(SeqCst),
                    0,
                    "set succeeded and the initializer ran"
                );
            }
            Err(SetError::AlreadyInitializedError(1) | SetError::InitializingError(1)) => {
                assert_eq!(v, 2, "set failed but its value was stored");
                assert_eq!(runs.load(SeqCst), 1);
            }
            Err(e) => panic!("set handed back the wrong value: {e:?}"),
        }
        assert_eq!(cell.get(), Some(&v));
    });
}

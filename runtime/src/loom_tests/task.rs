//! Models of one task's life: the state word (`task/state.rs`) and the harness (`task/raw.rs`) under
//! wakes, polls, aborts, shutdown and `JoinHandle` drop/await racing from two threads.

use super::{Counts, DropCount, TestSched};
use crate::loom::sync::atomic::{AtomicBool, Ordering::*};
use crate::loom::sync::{Arc, Mutex};
use crate::task::{JoinError, JoinHandle};
use loom::thread;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// The task's output: counted on drop, and holding a loom `Arc` so that a leaked output is reported.
/// The future holds it from the start, so it is dropped exactly once whether the task completes or not.
struct Output {
    _count: DropCount,
    _token: Arc<()>,
}

/// An event another thread raises; the task's future waits for it.
#[derive(Clone)]
struct Gate {
    open: Arc<AtomicBool>,
    waker: Arc<Mutex<Option<Waker>>>,
}

impl Gate {
    fn new() -> Gate {
        Gate {
            open: Arc::new(AtomicBool::new(false)),
            waker: Arc::new(Mutex::new(None)),
        }
    }

    /// A future that finishes once the gate is open.
    fn wait(&self, counts: &std::sync::Arc<Counts>) -> impl Future<Output = Output> + Send {
        let gate = self.clone();
        let guard = DropCount::future(counts);
        let out = Some(Output {
            _count: DropCount::output(counts),
            _token: Arc::new(()),
        });
        let mut out = out;
        poll_fn(move |cx| {
            let _ = &guard;
            if !gate.open.load(Acquire) {
                *gate.waker.lock() = Some(cx.waker().clone());
                if !gate.open.load(Acquire) {
                    return Poll::Pending;
                }
            }
            Poll::Ready(out.take().expect("polled after completion"))
        })
    }

    /// Opens the gate and wakes the waiter with `Waker::wake`.
    fn open_by_val(&self) {
        self.open.store(true, Release);
        let w = self.waker.lock().take();
        if let Some(w) = w {
            w.wake();
        }
    }

    /// Opens the gate and wakes the waiter with `Waker::wake_by_ref`, then drops the waker.
    fn open_by_ref(&self) {
        self.open.store(true, Release);
        let w = self.waker.lock().take();
        if let Some(w) = w {
            w.wake_by_ref();
            drop(w);
        }
    }

    /// Drops a waker the future registered after the gate opened (it would keep the task alive).
    fn clear(&self) {
        drop(self.waker.lock().take());
    }
}

/// A future that wakes itself once and then finishes.
fn yield_once(counts: &std::sync::Arc<Counts>) -> impl Future<Output = Output> + Send {
    let guard = DropCount::future(counts);
    let mut out = Some(Output {
        _count: DropCount::output(counts),
        _token: Arc::new(()),
    });
    let mut yielded = false;
    poll_fn(move |cx| {
        let _ = &guard;
        if !yielded {
            yielded = true;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        Poll::Ready(out.take().expect("polled after completion"))
    })
}

/// Polls a `JoinHandle` once with a waker that does nothing.
fn poll_join<T>(join: &mut JoinHandle<T>) -> Poll<Result<T, JoinError>> {
    let mut cx = Context::from_waker(futures::task::noop_waker_ref());
    Pin::new(join).poll(&mut cx)
}

/// Runs queued tasks until `done` is set (by the other thread), yielding to loom when idle.
fn run_until(sched: &TestSched, done: &AtomicBool) {
    while !done.load(Acquire) {
        match sched.pop() {
            Some(task) => task.run(),
            None => thread::yield_now(),
        }
    }
}

fn assert_counts(counts: &Counts, futures: usize, outputs: usize) {
    assert_eq!(
        counts.futures.load(std::sync::atomic::Ordering::SeqCst),
        futures
    );
    assert_eq!(
        counts.outputs.load(std::sync::atomic::Ordering::SeqCst),
        outputs
    );
}

/// A remote `wake` (by value) races the first poll; the output is then read once, after the fact.
#[test]
fn wake_by_val_races_poll() {
    loom::model(|| {
        let counts = std::sync::Arc::new(Counts::default());
        let sched = TestSched::new();
        let gate = Gate::new();
        let mut join = sched.spawn(gate.wait(&counts));

        let g = gate.clone();
        let waker = thread::spawn(move || g.open_by_val());
        sched.run_all();
        waker.join().unwrap();
        sched.run_all();

        match poll_join(&mut join) {
            Poll::Ready(Ok(out)) => drop(out),
            other => panic!(
                "expected the output, got {:?}",
                other.map(|r| r.map(|_| ()))
            ),
        }
        assert_counts(&counts, 1, 1);
        drop(join);
        gate.clear();
        sched.shutdown();
    });
}

/// A remote `wake_by_ref` races the poll, and the same thread then awaits the `JoinHandle` while the
/// main thread completes the task: the join waker must not be lost.
#[test]
fn wake_by_ref_then_await_join() {
    loom::model(|| {
        let counts = std::sync::Arc::new(Counts::default());
        let sched = TestSched::new();
        let gate = Gate::new();
        let join = sched.spawn(gate.wait(&counts));
        let done = Arc::new(AtomicBool::new(false));

        let g = gate.clone();
        let d = done.clone();
        let joiner = thread::spawn(move || {
            g.open_by_ref();
            let out = loom::future::block_on(join).expect("task failed");
            drop(out);
            d.store(true, Release);
        });
        run_until(&sched, &done);
        joiner.join().unwrap();

        assert_counts(&counts, 1, 1);
        gate.clear();
        sched.shutdown();
    });
}

/// `abort` from another thread races a task that re-queues itself once. Whatever wins, the future is
/// dropped once, and the awaited result is the output (dropped once) or a cancellation.
#[test]
fn abort_races_poll() {
    loom::model(|| {
        let counts = std::sync::Arc::new(Counts::default());
        let sched = TestSched::new();
        let join = sched.spawn(yield_once(&counts));
        let done = Arc::new(AtomicBool::new(false));

        let d = done.clone();
        let aborter = thread::spawn(move || {
            join.abort();
            let res = loom::future::block_on(join);
            d.store(true, Release);
            match res {
                Ok(out) => {
                    drop(out);
                    true
                }
                Err(e) => {
                    assert!(e.is_cancelled());
                    false
                }
            }
        });
        run_until(&sched, &done);
        let completed = aborter.join().unwrap();

        // Completed: the future was dropped at completion, the output by the joiner. Cancelled: the
        // future was dropped with the output it still held. Either way, once each.
        let _ = completed;
        assert_counts(&counts, 1, 1);
        sched.shutdown();
    });
}

/// The `JoinHandle` is dropped on another thread while the task completes: exactly one of them drops
/// the output.
#[test]
fn join_handle_drop_races_completion() {
    loom::model(|| {
        let counts = std::sync::Arc::new(Counts::default());
        let sched = TestSched::new();
        let join = sched.spawn(yield_once(&counts));

        let dropper = thread::spawn(move || drop(join));
        sched.run_all();
        dropper.join().unwrap();

        assert_counts(&counts, 1, 1);
        sched.shutdown();
    });
}

/// A remote wake races runtime shutdown: the task is cancelled exactly once, and the `Notified` the
/// wake may queue is dropped without running the future again.
#[test]
fn wake_races_shutdown() {
    loom::model(|| {
        let counts = std::sync::Arc::new(Counts::default());
        let sched = TestSched::new();
        let gate = Gate::new();
        let mut join = sched.spawn(gate.wait(&counts));
        // First poll: registers the waker and returns Pending.
        sched.run_all();

        let g = gate.clone();
        let waker = thread::spawn(move || g.open_by_val());
        sched.shutdown();
        waker.join().unwrap();
        sched.shutdown();

        match poll_join(&mut join) {
            Poll::Ready(Err(e)) => assert!(e.is_cancelled()),
            other => panic!(
                "expected a cancellation, got {:?}",
                other.map(|r| r.map(|_| ()))
            ),
        }
        drop(join);
        gate.clear();
        // The future (and the output it still held) was dropped by shutdown, once.
        assert_counts(&counts, 1, 1);
    });
}

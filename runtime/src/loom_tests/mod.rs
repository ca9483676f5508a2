//! Loom models of the runtime's concurrency-critical pieces, compiled only with `--cfg loom` in tests.
//!
//! Each model runs a small scenario under every interleaving loom explores (bounded by
//! `LOOM_MAX_PREEMPTIONS`) and checks what must hold in all of them:
//! - `task`: the task state word and harness: wakes by value and by reference from another thread,
//!   polls, `abort`, runtime shutdown, and the `JoinHandle` dropped or awaited. The future and the output
//!   are dropped exactly once, the output is delivered at most once, and nothing leaks (every task holds
//!   a loom `Arc` of its scheduler, so a leaked task is reported by loom as a leaked `Arc`);
//! - `queue`: the worker's local queue: owner pushes and pops, a stealer's `steal_into`, and overflow
//!   to the inject queue (loom builds use a capacity of 4). Every task comes out exactly once;
//! - `idle`: the sleep protocol against a push into a local queue: a task queued while the other
//!   worker goes to sleep (as the last searcher, or not searching) is always seen by one of the two;
//! - `inject`: the inject queue's `push`, `push_batch`, `pop` and `pop_n` across threads;
//! - `atomic_waker`: `register_by_ref` against `wake`: no wake-up is lost;
//! - `park`: the thread parker's `unpark` against `park`: no wake-up is lost;
//! - `signal`: a signal's listener table: a delivery racing a listener on its way to sleep wakes it.
//!
//! Run them with
//! `RUSTFLAGS="--cfg loom" LOOM_MAX_PREEMPTIONS=2 cargo test -p eddy-runtime --lib --release
//! --target-dir target/loom loom_tests`.

mod atomic_waker;
mod idle;
mod inject;
mod park;
mod queue;
mod signal;
mod task;

use crate::loom::sync::{Arc, Mutex};
use crate::task::list::OwnedTasks;
use crate::task::raw::{Notified, RawTask, Schedule};
use crate::task::{Id, JoinHandle};
use std::collections::VecDeque;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};

/// A scheduler for models: a FIFO that the model's threads drain by hand, and an owner list.
#[derive(Clone)]
pub(super) struct TestSched(Arc<SchedInner>);

pub(super) struct SchedInner {
    owned: OwnedTasks,
    queue: Mutex<VecDeque<Notified>>,
}

impl Schedule for TestSched {
    fn schedule(&self, task: Notified) {
        self.0.queue.lock().push_back(task);
    }

    fn release(&self, task: RawTask) -> bool {
        self.0.owned.remove(task)
    }
}

impl TestSched {
    pub(super) fn new() -> TestSched {
        TestSched(Arc::new(SchedInner {
            owned: OwnedTasks::new(1),
            queue: Mutex::new(VecDeque::new()),
        }))
    }

    /// Creates a task and returns its handle and its first `Notified`, without queueing it.
    pub(super) fn bind<F>(&self, future: F) -> (JoinHandle<F::Output>, Notified)
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (join, notified) = self.0.owned.bind(future, self.clone(), Id::next());
        (join, notified.expect("owner list closed"))
    }

    /// Creates a task and queues it.
    pub(super) fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (join, notified) = self.bind(future);
        self.schedule(notified);
        join
    }

    pub(super) fn pop(&self) -> Option<Notified> {
        self.0.queue.lock().pop_front()
    }

    /// Runs queued tasks until the queue is empty.
    pub(super) fn run_all(&self) {
        while let Some(task) = self.pop() {
            task.run();
        }
    }

    /// What a runtime does when it shuts down: cancel every owned task, then drop what is queued.
    pub(super) fn shutdown(&self) {
        self.0.owned.close_and_shutdown_all();
        while let Some(task) = self.pop() {
            drop(task);
        }
    }
}

/// Drop counters for one model run (plain std atomics: counting, not part of the model).
#[derive(Default)]
pub(super) struct Counts {
    pub(super) futures: AtomicUsize,
    pub(super) outputs: AtomicUsize,
}

/// Adds one to a counter of [`Counts`] when dropped.
pub(super) struct DropCount {
    counts: std::sync::Arc<Counts>,
    output: bool,
}

impl DropCount {
    pub(super) fn future(counts: &std::sync::Arc<Counts>) -> DropCount {
        DropCount {
            counts: counts.clone(),
            output: false,
        }
    }

    pub(super) fn output(counts: &std::sync::Arc<Counts>) -> DropCount {
        DropCount {
            counts: counts.clone(),
            output: true,
        }
    }
}

impl Drop for DropCount {
    fn drop(&mut self) {
        let c = if self.output {
            &self.counts.outputs
        } else {
            &self.counts.futures
        };
        c.fetch_add(1, SeqCst);
    }
}

//! Tasks: spawning, joining, aborting, yielding, blocking, and task-local state.
//!
//! # How a task is represented
//! A spawned task is one heap allocation (`raw.rs`) with a header (state word, links, vtable, id, join
//! waker), the scheduler that owns it, and its future or output. The state word (`state.rs`) carries the
//! lifecycle bits and a reference count; a task is freed when the count reaches zero.
//!
//! # References
//! Each of these owns one reference while it exists:
//! - the scheduler's owner list (`list.rs`), from spawn until the task completes, so that shutdown can
//!   find and cancel every task;
//! - the [`JoinHandle`] and each [`AbortHandle`];
//! - a `Notified` entry in a run queue (at most one per task: the `NOTIFIED` bit gates it);
//! - every `Waker` clone.
//!
//! # A task's life
//! spawn → `Notified` pushed to a run queue → a worker pops it, takes `RUNNING` and polls → `Pending`:
//! drops `RUNNING`; if a wake arrived during the poll, re-queues it → `Ready` or panic: stores the
//! output, sets `COMPLETE`, wakes the `JoinHandle`, leaves the owner list. `abort()` sets `CANCELLED`
//! and queues the task, so that a worker drops its future; shutdown cancels idle tasks on the spot.

mod abort;
mod error;
mod id;
mod join;
mod join_set;
pub(crate) mod list;
mod local_set;
pub(crate) mod raw;
mod state;
mod task_local;
mod yield_now;

pub use crate::coop::{consume_budget, unconstrained, Unconstrained};
pub use abort::AbortHandle;
pub use error::JoinError;
pub use id::{id, try_id, Id};
pub use join::JoinHandle;
pub use join_set::JoinSet;
pub(crate) use local_set::LocalSpawner;
pub use local_set::{spawn_local, LocalEnterGuard, LocalSet, RunUntil};
pub use task_local::{AccessError, LocalKey};
pub use yield_now::yield_now;

use crate::runtime::context;

/// Cooperative scheduling: the per-poll budget that makes busy tasks yield. Mirrors
/// `tokio::task::coop`.
pub mod coop {
    pub use crate::coop::{
        consume_budget, cooperative, has_budget_remaining, poll_proceed, unconstrained, Coop,
        RestoreOnPending, Unconstrained,
    };
}

/// Futures returned by functions in this module.
pub mod futures {
    pub use super::task_local::TaskLocalFuture;
}
use std::future::Future;

/// Spawns a new asynchronous task on the current runtime, returning a [`JoinHandle`] for it.
///
/// The task starts running in the background right away (on a multi-thread runtime, possibly on
/// another thread) and keeps running if the handle is dropped. Mirrors `tokio::spawn`.
///
/// ```
/// # eddy::runtime::Runtime::new().unwrap().block_on(async {
/// let handle = eddy::spawn(async { "hello" });
/// assert_eq!(handle.await.unwrap(), "hello");
/// # });
/// ```
///
/// # Panics
/// Outside the context of a runtime.
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    match context::with_current(|h| h.spawn(future, Id::next())) {
        Ok(join) => join,
        Err(e) => panic!("{}", e),
    }
}

/// Runs a blocking closure on the runtime's blocking pool, returning a [`JoinHandle`] for its result.
///
/// Use it for code that would stall a worker: file I/O through `std`, CPU-heavy work, blocking calls
/// into libraries. Blocking tasks cannot be aborted once started; runtime shutdown waits for running
/// ones. Mirrors `tokio::task::spawn_blocking`.
///
/// ```
/// # eddy::runtime::Runtime::new().unwrap().block_on(async {
/// let sum = eddy::task::spawn_blocking(|| (1..=100u64).sum::<u64>()).await.unwrap();
/// assert_eq!(sum, 5050);
/// # });
/// ```
///
/// # Panics
/// Outside the context of a runtime.
#[track_caller]
pub fn spawn_blocking<F, R>(f: F) -> JoinHandle<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    crate::runtime::Handle::current().spawn_blocking(f)
}

/// Runs a blocking closure on the current worker thread, after moving this worker's other tasks to a
/// new thread so that they keep running. Outside a runtime it just calls `f`. Mirrors
/// `tokio::task::block_in_place`.
///
/// # Panics
/// On a current-thread runtime (there is no other thread to hand the tasks to).
#[track_caller]
pub fn block_in_place<F, R>(f: F) -> R
where
    F: FnOnce() -> R,
{
    if local_set::is_entered() {
        // The set's other tasks are `!Send` and bound to this thread: there is nowhere to move them.
        panic!("can call blocking only when running on the multi-threaded runtime");
    }
    crate::scheduler::multi_thread::block_in_place(f)
}

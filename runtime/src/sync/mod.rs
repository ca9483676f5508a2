//! Synchronization primitives for tasks: channels, locks, `Notify`, `Semaphore`, `Barrier`,
//! `OnceCell`, `SetOnce`.
//!
//! Mirrors `tokio::sync`. Everything here waits asynchronously (a waiting task yields its worker) and
//! is cancel safe as Tokio documents it: dropping a pending `recv`, `lock` or `acquire` future loses
//! no message and no permit.
//!
//! Building blocks (crate-private):
//!
//! - [`wait_list`]: the slab-backed FIFO of parked waiters every lock-protected primitive uses.
//! - [`batch_semaphore`]: a fair semaphore with a lock-free fast path, under `Semaphore`, `Mutex`,
//!   `RwLock`, `OnceCell` and the bounded `mpsc` channel.
//! - [`cache_padded`]: keeps fields written by different threads off each other's cache lines.
//! - [`signal`]: the outcome cell a queued waiter keeps in its pinned future, read without the lock.
//!
//! Waiting operations (`recv`, `acquire`, `lock`, …) take part in the cooperative budget.

mod barrier;
pub(crate) mod batch_semaphore;
pub mod broadcast;
mod cache_padded;
pub mod mpsc;
mod mutex;
mod notify;
mod once_cell;
pub mod oneshot;
mod rwlock;
mod semaphore;
mod set_once;
mod signal;
pub(crate) mod wait_list;
pub mod watch;
pub mod wrappers;

pub use barrier::{Barrier, BarrierWaitResult};
pub use mutex::{
    MappedMutexGuard, Mutex, MutexGuard, OwnedMappedMutexGuard, OwnedMutexGuard, TryLockError,
};
pub use notify::{Notified, Notify, OwnedNotified};

/// The named futures of this module's primitives, at the path Tokio gives them
/// (`tokio::sync::futures::Notified`); they are also re-exported from [`sync`](crate::sync) itself.
pub mod futures {
    pub use super::notify::{Notified, OwnedNotified};
}
pub use once_cell::{OnceCell, SetError};
pub use rwlock::{
    OwnedRwLockMappedWriteGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock,
    RwLockMappedWriteGuard, RwLockReadGuard, RwLockWriteGuard,
};
pub use semaphore::{
    AcquireError, OwnedSemaphorePermit, Semaphore, SemaphorePermit, TryAcquireError,
};
pub use set_once::{SetOnce, SetOnceError};

/// The guard type of `crate::loom::sync::Mutex` (the shim exposes `lock()` but, at the moment, no
/// name for what it returns; this alias mirrors it for both builds).
#[cfg(not(loom))]
pub(crate) type LockGuard<'a, T> = parking_lot::MutexGuard<'a, T>;
#[cfg(loom)]
pub(crate) type LockGuard<'a, T> = loom::sync::MutexGuard<'a, T>;

/// Runs `fut` as one cooperative operation: it spends a unit of the task's budget when it completes,
/// and yields first if the budget is exhausted.
pub(crate) async fn cooperative<F: std::future::Future>(fut: F) -> F::Output {
    let mut fut = std::pin::pin!(fut);
    std::future::poll_fn(|cx| {
        let coop = std::task::ready!(crate::coop::poll_proceed(cx));
        let out = fut.as_mut().poll(cx);
        if out.is_ready() {
            coop.made_progress();
        }
        out
    })
    .await
}

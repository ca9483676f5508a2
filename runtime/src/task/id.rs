//! Task ids: `task::Id`, `task::id()` and `task::try_id()`.
//!
//! Every task gets a process-unique id at spawn from one atomic counter. While a task is being polled
//! (or its future dropped), its id is stored in a thread-local so that code inside can ask for it.

use std::cell::Cell;
use std::fmt;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering};

/// An opaque id that is unique among all tasks spawned in this process (for its lifetime).
///
/// Mirrors `tokio::task::Id`.
#[derive(Clone, Copy, Debug, Hash, Eq, PartialEq, Ord, PartialOrd)]
pub struct Id(pub(crate) NonZeroU64);

impl Id {
    pub(crate) fn next() -> Id {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        Id(NonZeroU64::new(n).expect("task id counter wrapped"))
    }

    pub(crate) fn as_u64(self) -> u64 {
        self.0.get()
    }
}

impl fmt::Display for Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

thread_local! {
    static CURRENT: Cell<Option<Id>> = const { Cell::new(None) };
}

/// Sets the current task id for the guard's lifetime, restoring the previous one after.
pub(crate) struct IdGuard(Option<Id>);

impl IdGuard {
    pub(crate) fn enter(id: Id) -> IdGuard {
        IdGuard(CURRENT.try_with(|c| c.replace(Some(id))).unwrap_or(None))
    }
}

impl Drop for IdGuard {
    fn drop(&mut self) {
        let _ = CURRENT.try_with(|c| c.set(self.0));
    }
}

/// Returns the id of the task that is running this code.
///
/// # Panics
/// If called outside a task (for example from `block_on`'s future directly or a plain thread).
///
/// ```
/// # eddy::runtime::Runtime::new().unwrap().block_on(async {
/// let handle = eddy::spawn(async { eddy::task::id() });
/// let id = handle.id();
/// assert_eq!(handle.await.unwrap(), id);
/// # });
/// ```
#[track_caller]
pub fn id() -> Id {
    try_id().expect("Can't get a task id when not inside a task")
}

/// Returns the id of the running task, or `None` outside a task.
pub fn try_id() -> Option<Id> {
    CURRENT.try_with(|c| c.get()).unwrap_or(None)
}

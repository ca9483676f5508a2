//! The runtime: `Runtime`, `Builder`, `Handle`, and what a thread knows about them.
//!
//! A [`Runtime`] owns a scheduler (current-thread or multi-thread), a blocking pool, and (as later issues
//! land) the I/O and time drivers. A [`Handle`] is a cheap, cloneable reference to it that can spawn and
//! enter it from anywhere. Dropping the runtime shuts it down: every task's future is dropped (its
//! `JoinHandle` reports cancellation), worker threads stop and are joined, and blocking tasks are waited
//! for (`shutdown_timeout` bounds the wait, `shutdown_background` skips it).

pub(crate) mod builder;
pub(crate) mod context;
mod handle;
mod local_runtime;
pub(crate) mod park;
mod shutdown_error;

pub use builder::Builder;
pub use context::TryCurrentError;
pub use handle::{EnterGuard, Handle, RuntimeFlavor, RuntimeMetrics};
pub use id::Id;
pub use local_runtime::{LocalOptions, LocalRuntime};
pub use shutdown_error::is_rt_shutdown_err;
pub(crate) use shutdown_error::shutdown_error;

mod id {
    //! `runtime::Id`: an opaque, process-unique runtime identifier.
    use std::fmt;
    use std::num::NonZeroU64;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// An opaque id that is unique among the runtimes of this process. Mirrors `tokio::runtime::Id`.
    #[derive(Clone, Copy, Debug, Hash, Eq, PartialEq, Ord, PartialOrd)]
    pub struct Id(NonZeroU64);

    impl Id {
        pub(crate) fn next() -> Id {
            static NEXT: AtomicU64 = AtomicU64::new(1);
            Id(NonZeroU64::new(NEXT.fetch_add(1, Ordering::Relaxed)).expect("runtime ids wrapped"))
        }
    }

    impl fmt::Display for Id {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.0.fmt(f)
        }
    }
}

/// The index of the worker thread this is called on, from 0 to `num_workers - 1` as
/// [`RuntimeMetrics`]' per-worker counters number them; `None` on any other thread. Mirrors
/// `tokio::runtime::worker_index`.
///
/// For the current-thread runtime (and [`LocalRuntime`]) the worker is whichever thread drives the
/// runtime in `block_on`: `Some(0)` there, `None` on a second thread waiting in `block_on` while
/// the first one drives. The thread that calls a multi-thread runtime's `block_on` is not one of its
/// workers, and neither are the blocking pool's threads. A task may move between workers at an
/// `.await`, so the answer holds until the next one.
///
/// ```
/// let rt = eddy::runtime::Builder::new_multi_thread().worker_threads(2).build().unwrap();
/// let index = rt.block_on(async { eddy::spawn(async { eddy::runtime::worker_index() }).await });
/// assert!(matches!(index.unwrap(), Some(0 | 1)));
/// assert_eq!(eddy::runtime::worker_index(), None);
/// ```
pub fn worker_index() -> Option<usize> {
    context::with_scheduler(|cx| cx.map(|cx| cx.worker_index()))
}

use crate::blocking::BlockingPool;
use crate::scheduler::{self, current_thread::CurrentThread, multi_thread::MultiThread};
use crate::task::JoinHandle;
use std::fmt;
use std::future::Future;
use std::io;
use std::time::Duration;

/// The eddy runtime: a scheduler, a blocking pool and the drivers. Mirrors `tokio::runtime::Runtime`.
///
/// ```
/// use eddy::runtime::Runtime;
///
/// let rt = Runtime::new().unwrap();
/// let answer = rt.block_on(async {
///     let task = eddy::spawn(async { 40 + 2 });
///     task.await.unwrap()
/// });
/// assert_eq!(answer, 42);
/// ```
pub struct Runtime {
    scheduler: Scheduler,
    handle: Handle,
    blocking_pool: BlockingPool,
    shut_down: bool,
}

enum Scheduler {
    CurrentThread(CurrentThread),
    MultiThread(MultiThread),
}

impl Runtime {
    /// A multi-thread runtime with all drivers enabled and default settings.
    pub fn new() -> io::Result<Runtime> {
        Builder::new_multi_thread().enable_all().build()
    }

    /// Runs `future` to completion on the current thread, driving the runtime meanwhile (the
    /// current-thread runtime runs its tasks here; the multi-thread runtime's workers run theirs).
    ///
    /// # Panics
    /// If called from inside a runtime (a task, or another `block_on`).
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        // Pinned here, once: the layers below take the pinned reference, so a large future is not
        // copied from frame to frame.
        let future = std::pin::pin!(future);
        match (&self.scheduler, &self.handle.inner) {
            (Scheduler::CurrentThread(ct), scheduler::Handle::CurrentThread(h)) => {
                ct.block_on(&self.handle.inner, h, future)
            }
            (Scheduler::MultiThread(mt), _) => mt.block_on(&self.handle.inner, future),
            _ => unreachable!("scheduler and handle kinds differ"),
        }
    }

    /// Spawns a task onto the runtime; see [`crate::spawn`].
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.handle.spawn(future)
    }

    /// Runs a blocking closure on the blocking pool; see [`crate::task::spawn_blocking`].
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.handle.spawn_blocking(f)
    }

    /// A view of the runtime's counters.
    pub fn metrics(&self) -> RuntimeMetrics {
        self.handle.metrics()
    }

    /// The runtime's handle.
    pub fn handle(&self) -> &Handle {
        &self.handle
    }

    /// Makes this runtime current on this thread until the guard drops, so that `eddy::spawn` works
    /// outside `block_on`.
    pub fn enter(&self) -> EnterGuard<'_> {
        self.handle.enter()
    }

    /// Shuts down, waiting at most `duration` for blocking tasks (and worker threads) to finish.
    pub fn shutdown_timeout(mut self, duration: Duration) {
        self.shutdown(Some(duration));
    }

    /// Shuts down without waiting for blocking tasks; they finish in the background.
    pub fn shutdown_background(self) {
        self.shutdown_timeout(Duration::ZERO);
    }

    fn shutdown(&mut self, timeout: Option<Duration>) {
        if std::mem::replace(&mut self.shut_down, true) {
            return;
        }
        match (&self.scheduler, &self.handle.inner) {
            (Scheduler::CurrentThread(ct), scheduler::Handle::CurrentThread(h)) => {
                ct.shutdown(&self.handle.inner, h);
            }
            (Scheduler::MultiThread(_), scheduler::Handle::MultiThread(h)) => h.shutdown(),
            _ => unreachable!("scheduler and handle kinds differ"),
        }
        self.blocking_pool.shutdown(timeout);
        // Sockets still alive (held outside the runtime) report errors from now on.
        self.handle.inner.driver().shutdown();
        if let scheduler::Handle::MultiThread(h) = &self.handle.inner {
            // Workers are done (or, after a timeout, finishing): cancel anything still alive.
            h.finish_shutdown();
        }
    }
}

// A panic caught around `block_on` leaves the runtime usable: its state is guarded by its own locks
// and atomics, and a core left behind by an unwinding `block_on` is put back by its guard.
impl std::panic::UnwindSafe for Runtime {}
impl std::panic::RefUnwindSafe for Runtime {}

impl Drop for Runtime {
    fn drop(&mut self) {
        self.shutdown(None);
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("flavor", &self.handle.runtime_flavor())
            .finish()
    }
}

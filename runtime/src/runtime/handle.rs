//! `Handle`: a cloneable reference to a runtime, usable from any thread.

use super::context::{self, TryCurrentError};
use crate::blocking::Mandatory;
use crate::scheduler;
use crate::task::{Id, JoinHandle};
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;

/// A handle to a runtime: spawn onto it, enter it, or block on it from outside. Cheap to clone.
/// Mirrors `tokio::runtime::Handle`.
///
/// ```
/// let rt = eddy::runtime::Runtime::new().unwrap();
/// let handle = rt.handle().clone();
/// std::thread::spawn(move || {
///     let task = handle.spawn(async { "from another thread" });
///     handle.block_on(task).unwrap()
/// })
/// .join()
/// .unwrap();
/// ```
#[derive(Clone)]
pub struct Handle {
    pub(crate) inner: scheduler::Handle,
}

impl std::panic::UnwindSafe for Handle {}
impl std::panic::RefUnwindSafe for Handle {}

/// Which scheduler a runtime uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RuntimeFlavor {
    /// The current-thread scheduler.
    CurrentThread,
    /// The multi-thread, work-stealing scheduler.
    MultiThread,
}

/// Keeps a runtime entered on this thread (see [`Handle::enter`]). Must be dropped on the thread that
/// created it, in reverse order of creation.
#[must_use = "dropping the guard leaves the runtime context at once"]
pub struct EnterGuard<'a> {
    _guard: context::SetCurrentGuard,
    /// `!Send` (it must be dropped on the thread that entered) but `Sync`, as Tokio's guard: a
    /// `MutexGuard` marker has exactly those two.
    _p: PhantomData<(&'a Handle, std::sync::MutexGuard<'static, ()>)>,
}

impl fmt::Debug for EnterGuard<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EnterGuard")
    }
}

impl Handle {
    /// The handle of the runtime this code runs in.
    ///
    /// # Panics
    /// Outside a runtime context.
    #[track_caller]
    pub fn current() -> Handle {
        Handle {
            inner: context::current(),
        }
    }

    /// The handle of the current runtime, or an error outside one.
    pub fn try_current() -> Result<Handle, TryCurrentError> {
        context::with_current(|h| Handle { inner: h.clone() })
    }

    /// Makes this runtime current on this thread until the guard drops.
    pub fn enter(&self) -> EnterGuard<'_> {
        EnterGuard {
            _guard: context::set_current(&self.inner),
            _p: PhantomData,
        }
    }

    /// Spawns a task onto this runtime.
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.inner.spawn(future, Id::next())
    }

    /// Runs a blocking closure on this runtime's blocking pool.
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let (join, res) =
            self.inner
                .blocking_spawner()
                .spawn_blocking(&self.inner, f, Mandatory::NonMandatory);
        if let Err(e) = res {
            panic!("OS can't spawn a blocking-pool thread: {e}");
        }
        join
    }

    /// Runs `future` to completion on this thread. On a current-thread runtime this drives only the
    /// future itself: its spawned tasks progress only while some thread is inside `Runtime::block_on`.
    ///
    /// # Panics
    /// If called from inside a runtime.
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        let future = std::pin::pin!(future);
        let _enter = context::enter_runtime(&self.inner, true);
        super::park::block_on(future)
    }

    /// The scheduler this runtime uses.
    pub fn runtime_flavor(&self) -> RuntimeFlavor {
        match self.inner {
            scheduler::Handle::CurrentThread(_) => RuntimeFlavor::CurrentThread,
            scheduler::Handle::MultiThread(_) => RuntimeFlavor::MultiThread,
        }
    }

    /// The runtime's id, unique among the runtimes of this process.
    pub fn id(&self) -> super::Id {
        self.inner.config().id
    }

    /// The name given with [`Builder::name`](super::Builder::name), if any.
    pub fn name(&self) -> Option<&str> {
        self.inner.config().name.as_deref()
    }

    /// A view of the runtime's counters.
    pub fn metrics(&self) -> RuntimeMetrics {
        RuntimeMetrics {
            handle: self.inner.clone(),
        }
    }
}

impl fmt::Debug for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("flavor", &self.runtime_flavor())
            .finish()
    }
}

/// Counters of a runtime (the stable subset of Tokio's `RuntimeMetrics`).
#[derive(Clone)]
pub struct RuntimeMetrics {
    handle: scheduler::Handle,
}

impl RuntimeMetrics {
    /// Number of worker threads (1 for the current-thread runtime).
    pub fn num_workers(&self) -> usize {
        self.handle.num_workers()
    }

    /// Number of tasks spawned and not yet finished.
    pub fn num_alive_tasks(&self) -> usize {
        self.handle.num_alive_tasks()
    }
}

impl fmt::Debug for RuntimeMetrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuntimeMetrics")
            .field("num_workers", &self.num_workers())
            .finish()
    }
}

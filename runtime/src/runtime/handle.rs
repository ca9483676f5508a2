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

/// Counters of a runtime: the stable part of Tokio's `RuntimeMetrics`, with the same names and
/// meanings. Cheap to clone; it keeps reading the counters after the runtime is dropped (the final
/// values then).
///
/// ```
/// let rt = eddy::runtime::Builder::new_multi_thread()
///     .worker_threads(2)
///     .build()
///     .unwrap();
/// let metrics = rt.metrics();
/// assert_eq!(metrics.num_workers(), 2);
/// rt.block_on(async {
///     eddy::spawn(async {}).await.unwrap();
/// });
/// drop(rt);
/// // Every worker slept at least once (and was woken to shut down).
/// assert!((0..2).all(|i| metrics.worker_park_count(i) >= 1));
/// ```
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

    /// Number of tasks in the runtime's global (inject) queue: spawned or woken from outside its
    /// workers and not yet taken by one.
    pub fn global_queue_depth(&self) -> usize {
        self.handle.global_queue_depth()
    }

    /// How many times worker `worker` went to sleep for lack of work. The zero-timeout driver turns
    /// a busy worker makes between task batches do not count.
    ///
    /// # Panics
    /// If `worker` is not below [`num_workers`](Self::num_workers).
    #[track_caller]
    pub fn worker_park_count(&self, worker: usize) -> u64 {
        self.handle.worker_metrics(worker).park_count()
    }

    /// How many times worker `worker` went to sleep plus how many times it woke up: odd while it
    /// sleeps, even while it works.
    ///
    /// # Panics
    /// If `worker` is not below [`num_workers`](Self::num_workers).
    #[track_caller]
    pub fn worker_park_unpark_count(&self, worker: usize) -> u64 {
        self.handle.worker_metrics(worker).park_unpark_count()
    }

    /// The time worker `worker` spent awake, from its start or wake-up to its next sleep, up to its
    /// last sleep (or its end). For the current-thread runtime: the time threads spent driving it in
    /// `block_on` without sleeping.
    ///
    /// # Panics
    /// If `worker` is not below [`num_workers`](Self::num_workers).
    #[track_caller]
    pub fn worker_total_busy_duration(&self, worker: usize) -> std::time::Duration {
        self.handle.worker_metrics(worker).busy_duration()
    }
}

impl fmt::Debug for RuntimeMetrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuntimeMetrics")
            .field("num_workers", &self.num_workers())
            .finish()
    }
}

//! `LocalRuntime`: a current-thread runtime that also runs `!Send` tasks, without a `LocalSet`.
//!
//! It is built from two pieces eddy already has: a current-thread [`Runtime`] for `Send` tasks,
//! timers and I/O, and a [`LocalSet`] for the `!Send` ones. `block_on` runs the caller's future
//! inside the set's `run_until`, so every `block_on` drives both. The set's `Send` half (its remote
//! queue and owner thread, [`LocalSpawner`](crate::task::LocalSpawner)) is stored in the runtime's
//! handle, which is how [`spawn_local`](crate::task::spawn_local) finds the set from places the set
//! itself is not entered: a `Send` task the runtime runs, or code under [`LocalRuntime::enter`].
//!
//! The runtime is `!Send`, so the set never leaves the thread it was created on; a `spawn_local`
//! through a handle used on another thread panics instead of handing it a `!Send` future.

use super::{Builder, EnterGuard, Handle, Runtime, RuntimeMetrics};
use crate::task::{JoinHandle, LocalSet};
use std::fmt;
use std::future::Future;
use std::io;
use std::marker::PhantomData;
use std::time::Duration;

/// Options for [`Builder::build_local`]; none yet, as in Tokio. Mirrors `tokio::runtime::LocalOptions`.
#[derive(Default, Debug)]
#[non_exhaustive]
pub struct LocalOptions {
    /// `!Send` and `!Sync`, as Tokio's.
    _not_send: PhantomData<*mut u8>,
}

/// A current-thread runtime on which [`spawn_local`](crate::task::spawn_local) works anywhere in
/// its context, with no [`LocalSet`] to set up. Mirrors `tokio::runtime::LocalRuntime`.
///
/// ```
/// use std::rc::Rc;
///
/// let rt = eddy::runtime::LocalRuntime::new().unwrap();
/// let shared = Rc::new(40);
/// let answer = rt.block_on(async move {
///     let shared2 = shared.clone();
///     eddy::task::spawn_local(async move { *shared2 + 2 }).await.unwrap()
/// });
/// assert_eq!(answer, 42);
/// ```
pub struct LocalRuntime {
    /// Dropped first, inside the runtime's context (see `Drop`); `None` once dropped.
    local: Option<LocalSet>,
    rt: Runtime,
    _not_send: PhantomData<*mut u8>,
}

impl LocalRuntime {
    /// A local runtime with I/O and time enabled.
    pub fn new() -> io::Result<LocalRuntime> {
        Builder::new_current_thread()
            .enable_all()
            .build_local(LocalOptions::default())
    }

    pub(crate) fn from_runtime(rt: Runtime) -> LocalRuntime {
        let local = LocalSet::new();
        let crate::scheduler::Handle::CurrentThread(h) = &rt.handle().inner else {
            unreachable!("a LocalRuntime is built on the current-thread scheduler");
        };
        if h.local.set(local.spawner()).is_err() {
            unreachable!("a fresh runtime has no local set yet");
        }
        LocalRuntime {
            local: Some(local),
            rt,
            _not_send: PhantomData,
        }
    }

    /// The runtime's handle. `spawn_local` works through it on this thread only.
    pub fn handle(&self) -> &Handle {
        self.rt.handle()
    }

    /// Spawns a `!Send` task; it runs during this runtime's `block_on` calls.
    #[track_caller]
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.local().spawn_local(future)
    }

    /// Spawns a `Send` task; see [`crate::spawn`].
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.rt.spawn(future)
    }

    /// Runs a blocking closure on the blocking pool; see [`crate::task::spawn_blocking`].
    #[track_caller]
    pub fn spawn_blocking<F, R>(&self, f: F) -> JoinHandle<R>
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        self.rt.spawn_blocking(f)
    }

    /// Runs `future` to completion on this thread, running the runtime's tasks, local and `Send`,
    /// meanwhile.
    ///
    /// # Panics
    /// If called from inside a runtime.
    #[track_caller]
    pub fn block_on<F: Future>(&self, future: F) -> F::Output {
        self.local().block_on(&self.rt, future)
    }

    /// Makes this runtime current on this thread until the guard drops: `eddy::spawn` and
    /// `spawn_local` work outside `block_on` (the tasks run at the next `block_on`).
    pub fn enter(&self) -> EnterGuard<'_> {
        self.rt.enter()
    }

    /// A view of the runtime's counters.
    pub fn metrics(&self) -> RuntimeMetrics {
        self.rt.metrics()
    }

    /// Shuts down, waiting at most `duration` for blocking tasks to finish.
    pub fn shutdown_timeout(mut self, duration: Duration) {
        self.drop_local_tasks();
        self.rt.shutdown(Some(duration));
        // `self` drops now: the set is gone already, and the runtime's own drop finds it shut down.
    }

    /// Shuts down without waiting for blocking tasks; they finish in the background.
    pub fn shutdown_background(self) {
        self.shutdown_timeout(Duration::ZERO);
    }

    /// Cancels the local tasks (dropping their futures here, inside the runtime's context, so that
    /// what they hold can reach the runtime as it goes) and frees the set. Taken out of its slot
    /// first: if a task's drop panics, a second call (from `Drop`, while unwinding) finds nothing.
    fn drop_local_tasks(&mut self) {
        let _enter = self.rt.enter();
        drop(self.local.take());
    }

    fn local(&self) -> &LocalSet {
        self.local
            .as_ref()
            .expect("the local set lives as long as the LocalRuntime")
    }
}

impl Drop for LocalRuntime {
    fn drop(&mut self) {
        self.drop_local_tasks();
        // `rt` drops after this, shutting down the `Send` side.
    }
}

impl fmt::Debug for LocalRuntime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalRuntime").finish_non_exhaustive()
    }
}

impl Builder {
    /// Builds a [`LocalRuntime`] from a current-thread builder.
    ///
    /// # Panics
    /// On a multi-thread builder: a local runtime runs everything on one thread.
    #[track_caller]
    pub fn build_local(&mut self, options: LocalOptions) -> io::Result<LocalRuntime> {
        let _ = options;
        if !self.is_current_thread() {
            panic!("multi_thread is not supported for LocalRuntime");
        }
        Ok(LocalRuntime::from_runtime(self.build()?))
    }
}

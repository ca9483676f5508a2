//! The two schedulers and what they have in common.
//!
//! [`Handle`] is the runtime handle's view of "a scheduler": spawn onto it, reach its blocking pool, shut
//! it down. [`Context`] is the per-thread state of the scheduler a thread is driving, installed through
//! `runtime::context::set_scheduler` so that a wake on that thread can use its local queue.

pub(crate) mod current_thread;
pub(crate) mod inject;
pub(crate) mod metrics;
pub(crate) mod multi_thread;

use crate::blocking::Spawner;
use crate::task::{Id, JoinHandle};
use std::future::Future;
use std::sync::Arc;

/// Settings shared by both schedulers.
#[derive(Clone)]
pub(crate) struct Config {
    /// Ticks between two looks at the inject queue before the local queue.
    pub(crate) global_queue_interval: u32,
    /// Ticks between two non-blocking turns of the drivers.
    pub(crate) event_interval: u32,
    /// Set when the user fixed the interval (`Builder::global_queue_interval`): no tuning then.
    pub(crate) fixed_global_queue_interval: Option<u32>,
    /// `Builder::on_thread_park` / `on_thread_unpark`.
    pub(crate) before_park: Option<crate::runtime::builder::Callback>,
    pub(crate) after_unpark: Option<crate::runtime::builder::Callback>,
    /// The runtime's id and optional name.
    pub(crate) id: crate::runtime::Id,
    pub(crate) name: Option<String>,
}

/// A handle to one of the schedulers.
#[derive(Clone)]
pub(crate) enum Handle {
    CurrentThread(Arc<current_thread::Handle>),
    MultiThread(Arc<multi_thread::Handle>),
}

/// The scheduler state of the thread driving it.
pub(crate) enum Context {
    CurrentThread(current_thread::Context),
    MultiThread(multi_thread::Context),
}

impl Context {
    /// The index of the worker this thread runs (`runtime::worker_index`): the current-thread
    /// scheduler is worker 0 on the thread that holds its core.
    pub(crate) fn worker_index(&self) -> usize {
        match self {
            Context::CurrentThread(_) => 0,
            Context::MultiThread(cx) => cx.worker_index(),
        }
    }

    /// True if this thread holds the scheduler's core (so it will turn the drivers and drain deferred
    /// wakes later); false, e.g., on a worker whose core `block_in_place` handed away.
    pub(crate) fn has_core(&self) -> bool {
        match self {
            Context::CurrentThread(cx) => cx.has_core(),
            Context::MultiThread(cx) => cx.has_core(),
        }
    }
}

impl Handle {
    pub(crate) fn spawn<F>(&self, future: F, id: Id) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match self {
            Handle::CurrentThread(h) => h.spawn(future, id),
            Handle::MultiThread(h) => h.spawn(future, id),
        }
    }

    pub(crate) fn blocking_spawner(&self) -> &Spawner {
        match self {
            Handle::CurrentThread(h) => &h.blocking,
            Handle::MultiThread(h) => &h.blocking,
        }
    }

    pub(crate) fn config(&self) -> &Config {
        match self {
            Handle::CurrentThread(h) => &h.config,
            Handle::MultiThread(h) => &h.config,
        }
    }

    pub(crate) fn driver(&self) -> &crate::driver::Handle {
        match self {
            Handle::CurrentThread(h) => &h.driver,
            Handle::MultiThread(h) => &h.driver,
        }
    }

    #[allow(dead_code)] // Used by `time::pause`.
    pub(crate) fn is_current_thread(&self) -> bool {
        matches!(self, Handle::CurrentThread(_))
    }

    pub(crate) fn num_workers(&self) -> usize {
        match self {
            Handle::CurrentThread(_) => 1,
            Handle::MultiThread(h) => h.num_workers(),
        }
    }

    pub(crate) fn num_alive_tasks(&self) -> usize {
        match self {
            Handle::CurrentThread(h) => h.num_alive_tasks(),
            Handle::MultiThread(h) => h.num_alive_tasks(),
        }
    }

    /// The `LocalRuntime` set that `spawn_local` reaches through this handle, if any.
    pub(crate) fn local_spawner(&self) -> Option<&crate::task::LocalSpawner> {
        match self {
            Handle::CurrentThread(h) => h.local.get(),
            Handle::MultiThread(_) => None,
        }
    }

    /// Tasks waiting in the inject queue (spawned or woken from outside the workers).
    pub(crate) fn global_queue_depth(&self) -> usize {
        match self {
            Handle::CurrentThread(h) => h.global_queue_depth(),
            Handle::MultiThread(h) => h.global_queue_depth(),
        }
    }

    /// The counters of worker `index`; panics if there is no such worker.
    #[track_caller]
    pub(crate) fn worker_metrics(&self, index: usize) -> &metrics::WorkerMetrics {
        let (all, n) = match self {
            Handle::CurrentThread(h) => (std::slice::from_ref(&h.metrics), 1),
            Handle::MultiThread(h) => (&h.shared.worker_metrics[..], h.num_workers()),
        };
        match all.get(index) {
            Some(m) => m,
            None => panic!("worker index {index} out of range: the runtime has {n} worker(s)"),
        }
    }
}

//! The multi-thread, work-stealing scheduler.
//!
//! N workers, each a thread that owns a `Core`: a local ring queue (`queue.rs`), a LIFO slot and a
//! parker. Shared by all: the inject queue (tasks from outside), the idle bookkeeping (`idle.rs`), the
//! owner list of every task, and each worker's steal handle and unparker.
//!
//! Where a task goes when it is scheduled:
//! - woken by the task a worker is running: into that worker's LIFO slot (the previous occupant moves to
//!   the back of the local queue), so a message passed from task A to task B is handled while it is hot
//!   in cache; at most [`MAX_LIFO_POLLS_PER_TICK`] such hand-offs run in a row, so two tasks waking each
//!   other cannot starve the rest;
//! - yielded (woken by itself during its poll): to the back of the local queue;
//! - spawned or woken from any other thread: to the inject queue, and one sleeping worker is woken
//!   (once per burst when that thread wakes several tasks in a row: `wake_batch.rs`).
//!
//! Where a worker looks for its next task (`worker.rs`): every [`GLOBAL_QUEUE_INTERVAL`] ticks the inject
//! queue first (so it is never starved by local work); otherwise the LIFO slot, the local queue, then a
//! batch from the inject queue; then it steals half of a random other worker's queue; then it parks.
//!
//! Shutdown protocol:
//! 1. `Handle::shutdown` closes the inject queue (no new work) and unparks every worker.
//! 2. Each worker notices at its next maintenance tick or wake-up, leaves its loop, closes the owner list
//!    and cancels every task it can take (several workers may do this at once), then hands its core to
//!    the shared `shutdown_cores` list.
//! 3. The worker that hands in the last core drains every local queue, LIFO slot and the inject queue.
//! 4. `Runtime::drop` waits for the worker threads through the blocking pool, then runs step 2's
//!    cancellation once more from its own thread, as a net for tasks spawned during shutdown.

pub(crate) mod idle;
pub(crate) mod queue;
mod wake_batch;
mod worker;

use crate::blocking::{Mandatory, Spawner};
use crate::loom::sync::atomic::{AtomicBool, Ordering::*};
use crate::loom::sync::Mutex;
use crate::runtime::context;
use crate::runtime::park::{Parker, Unparker};
use crate::scheduler::inject::Inject;
use crate::task::list::OwnedTasks;
use crate::task::raw::{Notified, RawTask, Schedule};
use crate::task::{Id, JoinHandle};
use std::future::Future;
use std::io;
use std::sync::Arc;

pub(crate) use wake_batch::RemoteWakeBatch;
pub(crate) use worker::{block_in_place, Context};

/// Default ticks between two looks at the inject queue before the local one (Tokio's figure).
pub(crate) const GLOBAL_QUEUE_INTERVAL: u32 = 61;
/// Default ticks between two maintenance passes (shutdown check, non-blocking driver turn).
pub(crate) const EVENT_INTERVAL: u32 = 61;
/// LIFO hand-offs run back to back before the LIFO slot is bypassed for the rest of the tick.
pub(crate) const MAX_LIFO_POLLS_PER_TICK: usize = 3;

/// One worker's public face: how others steal from it and wake it.
struct Remote {
    steal: queue::Steal,
    unpark: Unparker,
}

/// State shared by all workers.
pub(crate) struct Shared {
    remotes: Box<[Remote]>,
    inject: Inject,
    idle: idle::Idle,
    pub(crate) owned: OwnedTasks,
    is_shutdown: AtomicBool,
    /// One per worker, by index (`RuntimeMetrics`).
    pub(crate) worker_metrics: Box<[crate::scheduler::metrics::WorkerMetrics]>,
    /// Cores handed in by workers that stopped (shutdown step 2).
    #[allow(clippy::vec_box)]
    // Cores live in boxes so that moving one between threads is cheap.
    shutdown_cores: Mutex<Vec<Box<worker::Core>>>,
}

/// The scheduler's handle: spawning, waking, shutdown.
pub(crate) struct Handle {
    pub(crate) shared: Shared,
    pub(crate) blocking: Spawner,
    pub(crate) driver: crate::driver::Handle,
    pub(crate) config: crate::scheduler::Config,
}

/// The scheduler as the `Runtime` holds it.
pub(crate) struct MultiThread {
    workers: Vec<Arc<worker::Worker>>,
}

impl MultiThread {
    /// Creates the workers (not yet started; see [`MultiThread::launch`]).
    pub(crate) fn new(
        num_workers: usize,
        blocking: Spawner,
        driver: Option<Arc<crate::driver::Shared>>,
        config: crate::scheduler::Config,
    ) -> (MultiThread, Arc<Handle>) {
        let num_workers = num_workers.max(1);
        let mut remotes = Vec::with_capacity(num_workers);
        let mut cores = Vec::with_capacity(num_workers);
        for _ in 0..num_workers {
            let (steal, local) = queue::local();
            let park = Parker::with_driver(driver.clone());
            remotes.push(Remote {
                steal,
                unpark: park.unparker(),
            });
            cores.push(worker::Core::new(local, park));
        }
        let handle = Arc::new(Handle {
            shared: Shared {
                remotes: remotes.into_boxed_slice(),
                inject: Inject::new(),
                idle: idle::Idle::new(num_workers),
                owned: OwnedTasks::new(num_workers * 4),
                is_shutdown: AtomicBool::new(false),
                worker_metrics: (0..num_workers).map(|_| Default::default()).collect(),
                shutdown_cores: Mutex::new(Vec::with_capacity(num_workers)),
            },
            blocking,
            driver: driver.map(|d| d.handle.clone()).unwrap_or_default(),
            config,
        });
        let workers = cores
            .into_iter()
            .enumerate()
            .map(|(index, core)| worker::Worker::new(handle.clone(), index, core))
            .collect();
        (MultiThread { workers }, handle)
    }

    /// Starts one thread per worker on the blocking pool.
    pub(crate) fn launch(&mut self, rt: &crate::scheduler::Handle) -> io::Result<()> {
        let handle = match rt {
            crate::scheduler::Handle::MultiThread(h) => h.clone(),
            _ => unreachable!(),
        };
        for worker in self.workers.drain(..) {
            let (join, res) = handle.blocking.spawn_blocking(
                rt,
                move || worker::run(worker),
                Mandatory::Mandatory,
            );
            drop(join);
            res?;
        }
        Ok(())
    }

    /// Runs `future` on the calling thread (not a worker) until it completes.
    #[track_caller]
    pub(crate) fn block_on<F: Future>(
        &self,
        rt: &crate::scheduler::Handle,
        future: F,
    ) -> F::Output {
        let _enter = context::enter_runtime(rt, true);
        crate::runtime::park::block_on(future)
    }
}

impl Handle {
    /// Tasks waiting in the inject queue.
    pub(crate) fn global_queue_depth(&self) -> usize {
        self.shared.inject.len()
    }
}

impl Handle {
    /// Spawns a task onto this scheduler.
    pub(crate) fn spawn<F>(self: &Arc<Self>, future: F, id: Id) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (join, notified) = self.shared.owned.bind(future, self.clone(), id);
        if let Some(task) = notified {
            self.schedule_task(task, false);
        }
        join
    }

    fn schedule_task(self: &Arc<Self>, task: Notified, is_yield: bool) {
        worker::schedule_task(self, task, is_yield);
    }

    /// Pushes to the inject queue and wakes a worker if none is looking for work (at the end of the
    /// caller's wake batch, if one is open: see `wake_batch.rs`).
    fn push_remote_task(self: &Arc<Self>, task: Notified) {
        self.shared.inject.push(task);
        if !wake_batch::defer_unpark(self) {
            self.notify_parked();
        }
    }

    fn notify_parked(&self) {
        if let Some(index) = self.shared.idle.worker_to_notify() {
            self.shared.remotes[index].unpark.unpark();
        }
    }

    /// Wakes a worker if any queue has work (called by a worker that leaves no searcher behind when
    /// it goes to sleep).
    fn notify_if_work_pending(&self) {
        let pending = self.shared.remotes.iter().any(|r| !r.steal.is_empty())
            || !self.shared.inject.is_empty();
        if pending {
            self.notify_parked();
        }
    }

    /// Shutdown step 1.
    pub(crate) fn shutdown(&self) {
        if !self.shared.inject.close() {
            return;
        }
        self.shared.is_shutdown.store(true, Release);
        for remote in self.shared.remotes.iter() {
            remote.unpark.unpark();
        }
        // A worker asleep in the driver may have been unparked before it got there: interrupt it too.
        self.driver.unpark();
    }

    fn is_shutdown(&self) -> bool {
        self.shared.is_shutdown.load(Acquire)
    }

    /// Shutdown step 3, once all cores are in; and step 4's net.
    pub(crate) fn finish_shutdown(&self) {
        self.shared.owned.close_and_shutdown_all();
        let cores = std::mem::take(&mut *self.shared.shutdown_cores.lock());
        drop(cores);
        while let Some(task) = self.shared.inject.pop() {
            drop(task);
        }
    }

    pub(crate) fn num_workers(&self) -> usize {
        self.shared.remotes.len()
    }

    pub(crate) fn num_alive_tasks(&self) -> usize {
        self.shared.owned.len()
    }
}

impl Schedule for Arc<Handle> {
    fn schedule(&self, task: Notified) {
        self.schedule_task(task, false);
    }

    fn yield_now(&self, task: Notified) {
        self.schedule_task(task, true);
    }

    fn release(&self, task: RawTask) -> bool {
        self.shared.owned.remove(task)
    }
}

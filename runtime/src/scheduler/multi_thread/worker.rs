//! A worker: the loop a worker thread runs, how it finds work, parks, and hands its core over.
//!
//! The `Core` is everything a worker needs to run tasks (its queue, LIFO slot, parker). It is owned by
//! the thread running the worker loop. While a task is being polled the core sits in the thread's
//! scheduler [`Context`], so that wakes from inside the task can reach the local queue; if the core is
//! gone from there when the poll returns, `block_in_place` gave it to another thread, and this thread
//! leaves the worker loop.

use super::{Handle, MAX_LIFO_POLLS_PER_TICK};
use crate::blocking::Mandatory;
use crate::coop;
use crate::loom::sync::Mutex;
use crate::runtime::context::{self, EnterRuntime};
use crate::runtime::park::Parker;
use crate::scheduler;
use crate::scheduler::multi_thread::queue::{self, Local};
use crate::task::raw::Notified;
use crate::util::rand::FastRand;
use std::cell::RefCell;
use std::sync::Arc;

/// A worker's identity: its index, the shared handle, and the slot its core waits in when no thread
/// runs it (at start, and during a `block_in_place` hand-off).
pub(crate) struct Worker {
    handle: Arc<Handle>,
    index: usize,
    core: Mutex<Option<Box<Core>>>,
}

/// What a running worker owns.
pub(crate) struct Core {
    tick: u32,
    /// Polls since `batch_start`, for the poll-time average that tunes the inject-queue cadence.
    polls: u32,
    batch_start: std::time::Instant,
    /// Exponentially weighted mean poll time, in nanoseconds.
    avg_poll_ns: f64,
    /// Ticks between two inject-queue-first looks, tuned from `avg_poll_ns` unless configured.
    global_queue_interval: u32,
    lifo_slot: Option<Notified>,
    lifo_enabled: bool,
    run_queue: Local,
    is_searching: bool,
    is_shutdown: bool,
    park: Option<Parker>,
    rand: FastRand,
    /// When this worker last woke up, or was built (the runtime starts its threads right after): its
    /// busy time runs from here to its next sleep.
    busy_since: std::time::Instant,
}

/// The per-thread scheduler context of a worker thread.
pub(crate) struct Context {
    worker: Arc<Worker>,
    core: RefCell<Option<Box<Core>>>,
}

impl Worker {
    pub(super) fn new(handle: Arc<Handle>, index: usize, core: Box<Core>) -> Arc<Worker> {
        Arc::new(Worker {
            handle,
            index,
            core: Mutex::new(Some(core)),
        })
    }
}

impl Core {
    pub(super) fn new(run_queue: Local, park: Parker) -> Box<Core> {
        Box::new(Core {
            tick: 0,
            lifo_slot: None,
            lifo_enabled: true,
            run_queue,
            is_searching: false,
            is_shutdown: false,
            park: Some(park),
            rand: FastRand::new(),
            polls: 0,
            batch_start: std::time::Instant::now(),
            avg_poll_ns: 0.0,
            global_queue_interval: super::GLOBAL_QUEUE_INTERVAL,
            busy_since: std::time::Instant::now(),
        })
    }
}

/// The body of a worker thread.
pub(super) fn run(worker: Arc<Worker>) {
    // The core may be gone already: a `block_in_place` that handed it to us may have taken it back.
    let Some(core) = worker.core.lock().take() else {
        return;
    };
    let rt = scheduler::Handle::MultiThread(worker.handle.clone());
    let _enter = context::enter_runtime(&rt, true);
    let cx = scheduler::Context::MultiThread(Context {
        worker,
        core: RefCell::new(None),
    });
    context::set_scheduler(&cx, || {
        let scheduler::Context::MultiThread(cx) = &cx else {
            unreachable!()
        };
        // Returns only when the core is gone: shut down, or handed off by `block_in_place`.
        let _ = cx.run(core);
        // Wakes deferred by the last task polled here go to the other workers.
        context::wake_deferred();
    });
}

impl Context {
    pub(crate) fn worker_index(&self) -> usize {
        self.worker.index
    }

    pub(crate) fn has_core(&self) -> bool {
        self.core.borrow().is_some()
    }

    fn handle(&self) -> &Arc<Handle> {
        &self.worker.handle
    }

    fn metrics(&self) -> &crate::scheduler::metrics::WorkerMetrics {
        &self.worker.handle.shared.worker_metrics[self.worker.index]
    }

    fn run(&self, mut core: Box<Core>) -> Result<Box<Core>, ()> {
        while !core.is_shutdown {
            core.tick = core.tick.wrapping_add(1);
            if core.tick % self.handle().config.event_interval == 0 {
                core.end_batch(&self.worker);
                core = self.park_timeout(core, Some(std::time::Duration::ZERO));
                core.maintenance(&self.worker);
            }
            if let Some(task) = core.next_task(&self.worker) {
                core = self.run_task(task, core)?;
                continue;
            }
            if let Some(task) = core.steal_work(&self.worker) {
                core = self.run_task(task, core)?;
            } else if context::has_deferred() {
                // Tasks that yielded: turn the drivers once, then run them.
                core = self.park_timeout(core, Some(std::time::Duration::ZERO));
            } else {
                core = self.park(core);
            }
        }
        // Wakers of yielded tasks: their tasks are being cancelled anyway.
        context::wake_deferred();
        self.metrics().add_busy(core.busy_since);
        core.pre_shutdown(&self.worker);
        self.worker.handle.shutdown_core(core);
        Err(())
    }

    fn run_task(&self, task: Notified, mut core: Box<Core>) -> Result<Box<Core>, ()> {
        core.transition_from_searching(&self.worker);
        core.polls += 1;
        *self.core.borrow_mut() = Some(core);
        coop::budget(|| {
            task.run();
            // Run LIFO hand-offs right away, within the same budget.
            let mut lifo_polls = 0;
            loop {
                let Some(mut core) = self.core.borrow_mut().take() else {
                    // `block_in_place` took the core.
                    return Err(());
                };
                let Some(task) = core.lifo_slot.take() else {
                    core.lifo_enabled = true;
                    return Ok(core);
                };
                if !coop::has_budget_remaining() {
                    core.run_queue
                        .push_back_or_overflow(task, &self.handle().shared.inject);
                    core.lifo_enabled = true;
                    return Ok(core);
                }
                lifo_polls += 1;
                core.polls += 1;
                if lifo_polls >= MAX_LIFO_POLLS_PER_TICK {
                    // Two tasks waking each other would otherwise never let the queue run.
                    core.lifo_enabled = false;
                }
                *self.core.borrow_mut() = Some(core);
                task.run();
            }
        })
    }

    fn park(&self, mut core: Box<Core>) -> Box<Core> {
        core.end_batch(&self.worker);
        if let Some(f) = &self.handle().config.before_park {
            f();
        }
        if context::has_deferred() {
            // The hook yielded a task: run it instead of sleeping.
            return self.park_timeout(core, Some(std::time::Duration::ZERO));
        }
        let mut woke_at = None;
        if core.transition_to_parked(&self.worker) {
            self.metrics().about_to_park(core.busy_since);
            while !core.is_shutdown {
                core = self.park_timeout(core, None);
                core.maintenance(&self.worker);
                if core.transition_from_parked(&self.worker) {
                    break;
                }
            }
            core.busy_since = self.metrics().unparked();
            woke_at = Some(core.busy_since);
        }
        if let Some(f) = &self.handle().config.after_unpark {
            f();
        }
        // Time asleep is not poll time.
        core.batch_start = woke_at.unwrap_or_else(std::time::Instant::now);
        core.polls = 0;
        core
    }

    fn park_timeout(&self, mut core: Box<Core>, timeout: Option<std::time::Duration>) -> Box<Core> {
        let park = core.park.take().expect("worker parker missing");
        // Leave the core in the context while asleep, so that wakes processed by this thread (later:
        // by the I/O driver it runs) land in the local queue.
        *self.core.borrow_mut() = Some(core);
        match timeout {
            Some(t) => park.park_timeout(t),
            None => park.park(),
        }
        // Yielded tasks go back on the queue now that the drivers had their turn.
        context::wake_deferred();
        let mut core = self
            .core
            .borrow_mut()
            .take()
            .expect("worker core missing after park");
        core.park = Some(park);
        if core.run_queue.len() > 1 {
            // We woke with more work than we can run at once: get help.
            self.handle().notify_parked();
        }
        core
    }
}

/// The inject queue is looked at first about every this long, whatever the tasks' poll times.
const TARGET_GLOBAL_QUEUE_INTERVAL_NS: f64 = 200_000.0;
/// Bounds of the tuned interval, in ticks.
const MIN_GLOBAL_QUEUE_INTERVAL: f64 = 2.0;
const MAX_GLOBAL_QUEUE_INTERVAL: f64 = 127.0;
/// Weight of the newest batch in the poll-time average.
const POLL_TIME_EWMA_ALPHA: f64 = 0.1;

impl Core {
    /// Folds the batch of polls since `batch_start` into the average poll time and re-tunes the inject
    /// cadence: when tasks take long to poll, tasks waiting in the inject queue are looked at after
    /// fewer ticks, so their wait stays near [`TARGET_GLOBAL_QUEUE_INTERVAL_NS`]. One clock read per
    /// batch (every `event_interval` ticks or before parking), not per poll.
    fn end_batch(&mut self, worker: &Worker) {
        if self.polls == 0 {
            return;
        }
        let now = std::time::Instant::now();
        let per_poll = now.duration_since(self.batch_start).as_nanos() as f64 / self.polls as f64;
        self.avg_poll_ns = if self.avg_poll_ns == 0.0 {
            per_poll
        } else {
            POLL_TIME_EWMA_ALPHA * per_poll + (1.0 - POLL_TIME_EWMA_ALPHA) * self.avg_poll_ns
        };
        self.global_queue_interval = match worker.handle.config.fixed_global_queue_interval {
            Some(n) => n,
            None => (TARGET_GLOBAL_QUEUE_INTERVAL_NS / self.avg_poll_ns.max(1.0))
                .clamp(MIN_GLOBAL_QUEUE_INTERVAL, MAX_GLOBAL_QUEUE_INTERVAL)
                as u32,
        };
        self.batch_start = now;
        self.polls = 0;
    }

    fn maintenance(&mut self, worker: &Worker) {
        if !self.is_shutdown {
            self.is_shutdown = worker.handle.is_shutdown();
        }
    }

    fn next_task(&mut self, worker: &Worker) -> Option<Notified> {
        let inject = &worker.handle.shared.inject;
        // Every `global_queue_interval` ticks the inject queue goes first, and then, as when the
        // local queue runs dry, a fair share of it is moved here rather than one task: a worker kept
        // busy by a chain of local hand-offs would otherwise drain remote spawns one per interval
        // (`spawn_many_remote_busy2`: 179 ms with one per interval, 4.3 ms with a share; Tokio 56 ms).
        let interval_due = self.tick % self.global_queue_interval == 0;
        if !interval_due {
            if let Some(task) = self.next_local_task() {
                return Some(task);
            }
        }
        if inject.is_empty() {
            return if interval_due {
                self.next_local_task()
            } else {
                None
            };
        }
        // Take a fair share of the inject queue into our local queue.
        let cap = self.run_queue.remaining_slots().min(queue::CAPACITY / 2);
        if cap == 0 {
            return inject.pop();
        }
        let share = inject.len() / worker.handle.num_workers() + 1;
        let mut batch = inject.pop_n(share.min(cap));
        let first = batch.next();
        let more = batch.len() > 0;
        self.run_queue.push_back_batch(batch);
        if more {
            // While the batch was in our hands it was in no queue: a worker that searched then found
            // nothing and may have gone to sleep. Now that the tasks can be stolen, wake one.
            worker.handle.notify_parked();
        }
        first
    }

    fn next_local_task(&mut self) -> Option<Notified> {
        if self.lifo_enabled {
            if let Some(task) = self.lifo_slot.take() {
                return Some(task);
            }
        }
        self.run_queue.pop().or_else(|| self.lifo_slot.take())
    }

    fn steal_work(&mut self, worker: &Worker) -> Option<Notified> {
        if !self.transition_to_searching(worker) {
            return None;
        }
        let remotes = &worker.handle.shared.remotes;
        let n = remotes.len();
        let start = self.rand.next_n(n as u32) as usize;
        for i in 0..n {
            let i = (start + i) % n;
            if i == worker.index {
                continue;
            }
            if let Some(task) = remotes[i].steal.steal_into(&mut self.run_queue) {
                return Some(task);
            }
        }
        worker.handle.shared.inject.pop()
    }

    fn transition_to_searching(&mut self, worker: &Worker) -> bool {
        if !self.is_searching {
            self.is_searching = worker.handle.shared.idle.transition_worker_to_searching();
        }
        self.is_searching
    }

    fn transition_from_searching(&mut self, worker: &Worker) {
        if !self.is_searching {
            return;
        }
        self.is_searching = false;
        if worker.handle.shared.idle.transition_worker_from_searching() {
            // We were the last searcher and found work. Whoever queued work while we searched left
            // it to us (it saw a searcher and woke nobody), so if any is still queued, wake another
            // worker for it. If every queue is empty there is nothing to hand over: a sleeper woken
            // now would only search, find nothing and park again. Tokio wakes one either way; with
            // work trickling in from outside the runtime, those extra wake-ups preempted the thread
            // making the work and doubled eddy's parks (bench/notes.md, `notify_one`).
            worker.handle.notify_if_work_pending();
        }
    }

    fn has_tasks(&self) -> bool {
        self.lifo_slot.is_some() || self.run_queue.has_tasks()
    }

    fn transition_to_parked(&mut self, worker: &Worker) -> bool {
        if self.has_tasks() || self.is_shutdown {
            return false;
        }
        let none_searching = worker
            .handle
            .shared
            .idle
            .transition_worker_to_parked(worker.index, self.is_searching);
        self.is_searching = false;
        if none_searching {
            worker.handle.notify_if_work_pending();
        }
        true
    }

    fn transition_from_parked(&mut self, worker: &Worker) -> bool {
        let idle = &worker.handle.shared.idle;
        if self.has_tasks() {
            // Woken with work of our own: leave the sleep list if still on it.
            self.is_searching = !idle.unpark_worker_by_id(worker.index);
            return true;
        }
        if idle.is_parked(worker.index) {
            // A spurious or stale wake-up.
            return false;
        }
        // Someone took us off the sleep list to look for work.
        self.is_searching = true;
        true
    }

    /// Shutdown step 2: cancel every task (other workers may be doing the same).
    fn pre_shutdown(&mut self, worker: &Worker) {
        worker.handle.shared.owned.close_and_shutdown_all();
    }
}

impl Handle {
    /// Shutdown step 2's end: hand in the core; the last one in drains everything.
    fn shutdown_core(&self, core: Box<Core>) {
        let mut cores = self.shared.shutdown_cores.lock();
        cores.push(core);
        if cores.len() != self.shared.remotes.len() {
            return;
        }
        let cores = std::mem::take(&mut *cores);
        drop(cores); // Dropping a core drops its queued Notified references.
        while let Some(task) = self.shared.inject.pop() {
            drop(task);
        }
    }
}

/// Schedules `task`, locally if this thread is one of `handle`'s workers holding its core.
pub(super) fn schedule_task(handle: &Arc<Handle>, task: Notified, is_yield: bool) {
    context::with_scheduler(|cx| {
        if let Some(scheduler::Context::MultiThread(cx)) = cx {
            if Arc::ptr_eq(&cx.worker.handle, handle) {
                if let Some(core) = cx.core.borrow_mut().as_mut() {
                    schedule_local(handle, core, task, is_yield);
                    return;
                }
            }
        }
        handle.push_remote_task(task);
    })
}

fn schedule_local(handle: &Handle, core: &mut Core, task: Notified, is_yield: bool) {
    let inject = &handle.shared.inject;
    let should_notify = if is_yield || !core.lifo_enabled {
        core.run_queue.push_back_or_overflow(task, inject);
        true
    } else {
        match core.lifo_slot.replace(task) {
            Some(prev) => {
                core.run_queue.push_back_or_overflow(prev, inject);
                true
            }
            None => false,
        }
    };
    // While parked (park taken out of the core) the worker rechecks its queue itself on wake-up.
    if should_notify && core.park.is_some() {
        handle.notify_parked();
    }
}

/// See `eddy::task::block_in_place`.
#[track_caller]
pub(crate) fn block_in_place<F: FnOnce() -> R, R>(f: F) -> R {
    struct Reset {
        took_core: bool,
    }
    impl Drop for Reset {
        fn drop(&mut self) {
            if !self.took_core {
                return;
            }
            // Try to take our core back before the new thread claims it; if it already did, this
            // thread leaves the worker loop when the current task's poll returns.
            context::with_scheduler(|cx| {
                if let Some(scheduler::Context::MultiThread(cx)) = cx {
                    let core = cx.worker.core.lock().take();
                    if let Some(core) = core {
                        *cx.core.borrow_mut() = Some(core);
                    }
                }
            });
        }
    }

    let mut took_core = false;
    let entered = context::entered();
    match entered {
        EnterRuntime::NotEntered => return f(),
        EnterRuntime::Entered {
            allow_block_in_place: false,
        } => panic!("can call blocking only when running on the multi-threaded runtime"),
        EnterRuntime::Entered { .. } => {}
    }
    // Yielded tasks must not stay behind in this thread's list when its core moves away.
    context::wake_deferred();
    context::with_scheduler(|cx| {
        let Some(scheduler::Context::MultiThread(cx)) = cx else {
            return;
        };
        let Some(mut core) = cx.core.borrow_mut().take() else {
            return;
        };
        // The LIFO slot can't be stolen; move its task where other workers can reach it.
        if let Some(task) = core.lifo_slot.take() {
            core.run_queue
                .push_back_or_overflow(task, &cx.worker.handle.shared.inject);
        }
        // The new thread will start out searching-free; keep the idle counts consistent.
        core.transition_from_searching(&cx.worker);
        *cx.worker.core.lock() = Some(core);
        let worker = cx.worker.clone();
        let handle = worker.handle.clone();
        let rt = scheduler::Handle::MultiThread(handle.clone());
        let (join, res) =
            handle
                .blocking
                .spawn_blocking(&rt, move || run(worker), Mandatory::Mandatory);
        drop(join);
        if let Err(e) = res {
            panic!("block_in_place could not start a replacement worker thread: {e}");
        }
        took_core = true;
    });
    let _reset = Reset { took_core };
    let _exit = context::exit_runtime();
    // Blocking code may drive futures by other means (another executor): no budget applies.
    crate::coop::with_budget(crate::coop::Budget::unconstrained(), f)
}

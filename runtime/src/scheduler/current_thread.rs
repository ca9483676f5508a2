//! The current-thread scheduler: every task runs on the thread that calls `block_on`.
//!
//! The scheduler's state (`Core`: a local FIFO and the parker) is taken by the thread inside `block_on`
//! and put back when it returns. Between tasks it polls the `block_on` future whenever that future was
//! woken, so the future and the spawned tasks interleave. Tasks woken on the driving thread go to the
//! local FIFO; tasks spawned or woken from other threads go to the inject queue and unpark the driver.
//! Every [`GLOBAL_QUEUE_INTERVAL`] ticks the inject queue is looked at first, so it can't starve.
//!
//! If two threads call `block_on` on the same runtime, one drives; the other polls only its own future,
//! and takes the core over when the first one returns it.

use crate::blocking::Spawner;
use crate::coop;
use crate::loom::sync::atomic::{AtomicBool, Ordering::*};
use crate::loom::sync::Mutex;
use crate::runtime::context;
use crate::runtime::park::{self, Parker, Unparker};
use crate::scheduler::inject::Inject;
use crate::task::list::OwnedTasks;
use crate::task::raw::{Notified, RawTask, Schedule};
use crate::task::{Id, JoinHandle};
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll, Wake, Waker};
use std::time::Instant;

/// Default inject-queue-first cadence (Tokio's figure for this scheduler).
pub(crate) const GLOBAL_QUEUE_INTERVAL: u32 = 31;
/// Default tasks run between two polls of the drivers (I/O, timers) without blocking.
pub(crate) const EVENT_INTERVAL: u32 = 61;

/// The part that moves to whichever thread drives the runtime.
pub(crate) struct Core {
    tasks: VecDeque<Notified>,
    tick: u32,
    park: Option<Parker>,
}

/// The scheduler's handle: spawning, waking, shutdown.
pub(crate) struct Handle {
    inject: Inject,
    pub(crate) owned: OwnedTasks,
    /// Set when the `block_on` future was woken.
    woken: AtomicBool,
    /// Unparks the core's parker, wherever it is.
    unpark: Unparker,
    pub(crate) blocking: Spawner,
    pub(crate) driver: crate::driver::Handle,
    pub(crate) config: crate::scheduler::Config,
    /// The counters of `RuntimeMetrics` (this scheduler counts as one worker).
    pub(crate) metrics: crate::scheduler::metrics::WorkerMetrics,
    /// Set when this scheduler is the core of a `LocalRuntime`: where `spawn_local` puts tasks.
    pub(crate) local: std::sync::OnceLock<crate::task::LocalSpawner>,
}

/// The scheduler as the `Runtime` holds it.
pub(crate) struct CurrentThread {
    core: Mutex<Option<Box<Core>>>,
    /// Threads waiting in `block_on` for the core to come back.
    waiters: Mutex<Vec<Unparker>>,
}

/// The per-thread scheduler context while a thread drives this runtime.
pub(crate) struct Context {
    handle: Arc<Handle>,
    core: RefCell<Option<Box<Core>>>,
    /// When this thread took the core or last woke up: busy time runs from here to the next sleep
    /// or to the end of `block_on`.
    busy_since: Cell<Instant>,
}

impl CurrentThread {
    pub(crate) fn new(
        blocking: Spawner,
        driver: Option<Arc<crate::driver::Shared>>,
        config: crate::scheduler::Config,
    ) -> (CurrentThread, Arc<Handle>) {
        let park = Parker::with_driver(driver.clone());
        let handle = Arc::new(Handle {
            inject: Inject::new(),
            owned: OwnedTasks::new(1),
            woken: AtomicBool::new(false),
            unpark: park.unparker(),
            blocking,
            driver: driver.map(|d| d.handle.clone()).unwrap_or_default(),
            config,
            metrics: Default::default(),
            local: std::sync::OnceLock::new(),
        });
        let core = Box::new(Core {
            tasks: VecDeque::with_capacity(64),
            tick: 0,
            park: Some(park),
        });
        (
            CurrentThread {
                core: Mutex::new(Some(core)),
                waiters: Mutex::new(Vec::new()),
            },
            handle,
        )
    }

    /// Drives the runtime on this thread until `future` completes.
    #[track_caller]
    pub(crate) fn block_on<F: Future>(
        &self,
        rt: &crate::scheduler::Handle,
        handle: &Arc<Handle>,
        future: F,
    ) -> F::Output {
        let _enter = context::enter_runtime(rt, false);
        let mut future = pin!(future);
        loop {
            // (Bound first: the lock must be released before the guard can put the core back.)
            let core = self.core.lock().take();
            if let Some(core) = core {
                let guard = CoreGuard {
                    scheduler: self,
                    cx: crate::scheduler::Context::CurrentThread(Context {
                        handle: handle.clone(),
                        core: RefCell::new(Some(core)),
                        busy_since: Cell::new(Instant::now()),
                    }),
                };
                return guard.block_on(future.as_mut());
            }
            // Another thread drives: poll only our future, and wait for it or for the core.
            let me = park::current_unparker();
            {
                let mut waiters = self.waiters.lock();
                if !waiters.iter().any(|u| u.same_as(&me)) {
                    waiters.push(me.clone());
                }
            }
            let waker = me.into_waker();
            let mut cx = TaskContext::from_waker(&waker);
            if let Poll::Ready(v) = coop::budget(|| future.as_mut().poll(&mut cx)) {
                return v;
            }
            park::park_current();
        }
    }

    /// Cancels every task and drops the queues (runtime drop).
    pub(crate) fn shutdown(&self, rt: &crate::scheduler::Handle, handle: &Arc<Handle>) {
        handle.inject.close();
        let core = self.core.lock().take();
        let Some(core) = core else {
            // The core is out (a thread is inside `Handle::block_on`); cancel what can be cancelled.
            handle.owned.close_and_shutdown_all();
            return;
        };
        let _current = context::set_current(rt);
        let cx = crate::scheduler::Context::CurrentThread(Context {
            handle: handle.clone(),
            core: RefCell::new(Some(core)),
            busy_since: Cell::new(Instant::now()),
        });
        context::set_scheduler(&cx, || {
            handle.owned.close_and_shutdown_all();
        });
        let crate::scheduler::Context::CurrentThread(cx) = cx else {
            unreachable!()
        };
        if let Some(mut core) = cx.core.into_inner() {
            core.tasks.clear();
            *self.core.lock() = Some(core);
        }
        while let Some(task) = handle.inject.pop() {
            drop(task);
        }
    }
}

/// Returns the core to the scheduler when `block_on` ends, even by panic.
struct CoreGuard<'a> {
    scheduler: &'a CurrentThread,
    cx: crate::scheduler::Context,
}

impl Drop for CoreGuard<'_> {
    fn drop(&mut self) {
        let crate::scheduler::Context::CurrentThread(cx) = &self.cx else {
            unreachable!()
        };
        if let Some(core) = cx.core.borrow_mut().take() {
            cx.handle.metrics.add_busy(cx.busy_since.get());
            *self.scheduler.core.lock() = Some(core);
            for w in self.scheduler.waiters.lock().drain(..) {
                w.unpark();
            }
        }
    }
}

impl CoreGuard<'_> {
    fn block_on<F: Future>(self, mut future: std::pin::Pin<&mut F>) -> F::Output {
        let crate::scheduler::Context::CurrentThread(cx) = &self.cx else {
            unreachable!()
        };
        let handle = cx.handle.clone();
        let waker = Waker::from(handle.clone());
        let mut task_cx = TaskContext::from_waker(&waker);
        // The future is polled first without waiting to be woken.
        handle.woken.store(true, Release);
        context::set_scheduler(&self.cx, || 'outer: loop {
            if handle.woken.swap(false, AcqRel) {
                if let Poll::Ready(v) = coop::budget(|| future.as_mut().poll(&mut task_cx)) {
                    return v;
                }
            }
            for _ in 0..handle.config.event_interval {
                let task = {
                    let mut slot = cx.core.borrow_mut();
                    let core = slot.as_mut().expect("current_thread core missing");
                    core.tick = core.tick.wrapping_add(1);
                    if core.tick % handle.config.global_queue_interval == 0 {
                        handle.inject.pop().or_else(|| core.tasks.pop_front())
                    } else {
                        core.tasks.pop_front().or_else(|| handle.inject.pop())
                    }
                };
                match task {
                    Some(task) => coop::budget(|| task.run()),
                    None => {
                        if context::has_deferred() {
                            cx.park(Some(std::time::Duration::ZERO));
                            context::wake_deferred();
                        } else if handle.woken.load(Acquire) {
                            // The future is ready to run again, but the drivers get their turn
                            // first: a future that keeps waking itself must not starve timers and I/O.
                            cx.park(Some(std::time::Duration::ZERO));
                        } else {
                            if let Some(f) = &handle.config.before_park {
                                f();
                            }
                            // The hook may have spawned or yielded: then there is work, no sleep.
                            if context::has_deferred() {
                                cx.park(Some(std::time::Duration::ZERO));
                                context::wake_deferred();
                            } else if handle.woken.load(Acquire) {
                                // The hook woke the future. A sleep would return at once on that
                                // wake-up without turning the drivers, so a caller that calls
                                // `block_on` in short bursts would never see a timer fire (Tokio's
                                // `before_park_does_not_stall_spawned_timer`): turn them instead.
                                cx.park(Some(std::time::Duration::ZERO));
                            } else {
                                cx.park(None);
                            }
                            if let Some(f) = &handle.config.after_unpark {
                                f();
                            }
                        }
                        continue 'outer;
                    }
                }
            }
            // Let the drivers run without blocking.
            cx.park(Some(std::time::Duration::ZERO));
            context::wake_deferred();
        })
    }
}

impl Context {
    pub(crate) fn has_core(&self) -> bool {
        self.core.borrow().is_some()
    }

    fn park(&self, timeout: Option<std::time::Duration>) {
        let park = {
            let mut slot = self.core.borrow_mut();
            let core = slot.as_mut().expect("current_thread core missing");
            if timeout.is_none() && !core.tasks.is_empty() {
                return;
            }
            core.park.take().expect("current_thread parker missing")
        };
        match timeout {
            Some(t) => park.park_timeout(t),
            None => {
                self.handle.metrics.about_to_park(self.busy_since.get());
                park.park();
                self.busy_since.set(self.handle.metrics.unparked());
            }
        }
        self.core
            .borrow_mut()
            .as_mut()
            .expect("current_thread core missing")
            .park = Some(park);
    }
}

impl Handle {
    /// Spawns a task onto this scheduler.
    pub(crate) fn spawn<F>(self: &Arc<Self>, future: F, id: Id) -> JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        let (join, notified) = self.owned.bind(future, self.clone(), id);
        if let Some(task) = notified {
            self.schedule(task);
        }
        join
    }

    pub(crate) fn num_alive_tasks(&self) -> usize {
        self.owned.len()
    }

    pub(crate) fn global_queue_depth(&self) -> usize {
        self.inject.len()
    }
}

impl Schedule for Arc<Handle> {
    fn schedule(&self, task: Notified) {
        context::with_scheduler(|cx| {
            if let Some(crate::scheduler::Context::CurrentThread(cx)) = cx {
                if Arc::ptr_eq(&cx.handle, self) {
                    if let Some(core) = cx.core.borrow_mut().as_mut() {
                        core.tasks.push_back(task);
                        return;
                    }
                }
            }
            self.inject.push(task);
            self.unpark.unpark();
        })
    }

    fn release(&self, task: RawTask) -> bool {
        self.owned.remove(task)
    }
}

/// The `block_on` future's waker: mark it woken and unpark the driver.
impl Wake for Handle {
    fn wake(self: std::sync::Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.woken.store(true, Release);
        self.unpark.unpark();
    }
}

//! The pool's threads and queue (see the module doc of `blocking`).

use super::task::{BlockingSchedule, BlockingTask};
use crate::loom::sync::{Arc, Condvar, Mutex};
use crate::runtime::builder::Callback;
use crate::runtime::context;
use crate::scheduler;
use crate::task::raw::{Notified, RawTask};
use crate::task::{Id, JoinHandle};
use std::collections::{HashMap, VecDeque};
use std::io;
use std::time::{Duration, Instant};

/// Whether a task must run even once shutdown has begun.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mandatory {
    Mandatory,
    NonMandatory,
}

struct Queued {
    task: Notified,
    mandatory: Mandatory,
    /// Held from spawn until the task has run and its `JoinHandle` was woken (see
    /// [`HoldsPausedClock`]).
    _clock: Option<HoldsPausedClock>,
}

/// While a blocking task of a current-thread runtime is queued or running, a paused clock must not
/// auto-advance: the test may be waiting for exactly that task. Released only after the task has
/// completed and woken its `JoinHandle`, so the runtime cannot jump time in between.
struct HoldsPausedClock(crate::driver::Handle);

impl HoldsPausedClock {
    fn new(rt: &scheduler::Handle, mandatory: Mandatory) -> Option<HoldsPausedClock> {
        let scheduler::Handle::CurrentThread(_) = rt else {
            return None;
        };
        if mandatory == Mandatory::Mandatory {
            return None;
        }
        let time = rt.driver().time.as_ref()?;
        time.clock().inhibit_auto_advance();
        Some(HoldsPausedClock(rt.driver().clone()))
    }
}

impl Drop for HoldsPausedClock {
    fn drop(&mut self) {
        if let Some(time) = &self.0.time {
            time.clock().allow_auto_advance();
        }
        self.0.unpark();
    }
}

struct Shared {
    queue: VecDeque<Queued>,
    /// Threads alive (or starting).
    num_th: usize,
    /// Threads waiting for work.
    num_idle: usize,
    /// Wake-ups sent to idle threads and not yet consumed.
    num_notify: usize,
    shutdown: bool,
    threads: HashMap<usize, std::thread::JoinHandle<()>>,
    next_thread_id: usize,
}

pub(crate) struct Inner {
    shared: Mutex<Shared>,
    /// Idle threads wait here for work.
    condvar: Condvar,
    /// `shutdown` waits here for the last thread to exit.
    exited: Condvar,
    pub(crate) thread_name: std::sync::Arc<dyn Fn() -> String + Send + Sync>,
    pub(crate) stack_size: Option<usize>,
    pub(crate) after_start: Option<Callback>,
    pub(crate) before_stop: Option<Callback>,
    /// `max_blocking_threads`: the cap on threads that run non-mandatory tasks.
    thread_cap: usize,
    keep_alive: Duration,
}

/// The pool, owned by the `Runtime`; shutting it down waits for its threads.
pub(crate) struct BlockingPool {
    spawner: Spawner,
}

/// A cloneable handle that spawns onto the pool.
#[derive(Clone)]
pub(crate) struct Spawner {
    inner: Arc<Inner>,
}

/// Settings the builder hands to the pool.
pub(crate) struct PoolConfig {
    pub(crate) thread_name: std::sync::Arc<dyn Fn() -> String + Send + Sync>,
    pub(crate) stack_size: Option<usize>,
    pub(crate) after_start: Option<Callback>,
    pub(crate) before_stop: Option<Callback>,
    pub(crate) thread_cap: usize,
    pub(crate) keep_alive: Duration,
}

impl BlockingPool {
    pub(crate) fn new(config: PoolConfig) -> BlockingPool {
        BlockingPool {
            spawner: Spawner {
                inner: Arc::new(Inner {
                    shared: Mutex::new(Shared {
                        queue: VecDeque::new(),
                        num_th: 0,
                        num_idle: 0,
                        num_notify: 0,
                        shutdown: false,
                        threads: HashMap::new(),
                        next_thread_id: 0,
                    }),
                    condvar: Condvar::new(),
                    exited: Condvar::new(),
                    thread_name: config.thread_name,
                    stack_size: config.stack_size,
                    after_start: config.after_start,
                    before_stop: config.before_stop,
                    thread_cap: config.thread_cap,
                    keep_alive: config.keep_alive,
                }),
            },
        }
    }

    pub(crate) fn spawner(&self) -> &Spawner {
        &self.spawner
    }

    /// Cancels queued tasks and waits up to `timeout` (`None`: forever) for every thread to exit.
    pub(crate) fn shutdown(&self, timeout: Option<Duration>) {
        let inner = &self.spawner.inner;
        let mut shared = inner.shared.lock();
        if shared.shutdown {
            // Called again (Drop after `shutdown_timeout`): the first call decided how long to wait.
            return;
        }
        shared.shutdown = true;
        inner.condvar.notify_all();
        if timeout.is_none()
            && context::entered() != context::EnterRuntime::NotEntered
            && !std::thread::panicking()
        {
            drop(shared);
            panic!(
                "Cannot drop a runtime in a context where blocking is not allowed. This happens when \
                 a runtime is dropped from within an asynchronous context."
            );
        }
        let deadline = timeout.and_then(|t| Instant::now().checked_add(t));
        while shared.num_th > 0 {
            match (timeout, deadline) {
                (Some(t), _) if t.is_zero() => break,
                (Some(_), Some(deadline)) => {
                    let now = Instant::now();
                    if now >= deadline {
                        break;
                    }
                    inner.exited.wait_timeout(&mut shared, deadline - now);
                }
                _ => inner.exited.wait(&mut shared),
            }
        }
        // Threads that exited can be joined now; the others (timed out) are detached.
        let all_exited = shared.num_th == 0;
        let threads = std::mem::take(&mut shared.threads);
        drop(shared);
        for (_, th) in threads {
            if all_exited || th.is_finished() {
                let _ = th.join();
            }
        }
    }
}

impl Drop for BlockingPool {
    fn drop(&mut self) {
        self.shutdown(None);
    }
}

impl Spawner {
    /// True once the pool shut down: it starts no more tasks (a task spawned now is cancelled).
    pub(crate) fn is_shutdown(&self) -> bool {
        self.inner.shared.lock().shutdown
    }

    /// Spawns `f` as a blocking task of runtime `rt`.
    pub(crate) fn spawn_blocking<F, R>(
        &self,
        rt: &scheduler::Handle,
        f: F,
        mandatory: Mandatory,
    ) -> (JoinHandle<R>, io::Result<()>)
    where
        F: FnOnce() -> R + Send + 'static,
        R: Send + 'static,
    {
        let raw = RawTask::new(BlockingTask::new(f), BlockingSchedule, Id::next());
        // SAFETY: `RawTask::new` counted three references: JoinHandle, Notified, and one for an owner
        // list that blocking tasks do not have, which we drop right away (the others keep it alive).
        let (join, notified) = unsafe { (JoinHandle::from_raw(raw), Notified::from_raw(raw)) };
        raw.drop_reference();
        let res = self.spawn_task(notified, mandatory, rt);
        (join, res)
    }

    fn spawn_task(
        &self,
        task: Notified,
        mandatory: Mandatory,
        rt: &scheduler::Handle,
    ) -> io::Result<()> {
        let inner = &self.inner;
        let mut shared = inner.shared.lock();
        if shared.shutdown {
            drop(shared);
            // Too late: the task is cancelled and its JoinHandle says so.
            task.shutdown();
            return Ok(());
        }
        let clock = HoldsPausedClock::new(rt, mandatory);
        shared.queue.push_back(Queued {
            task,
            mandatory,
            _clock: clock,
        });
        if shared.num_idle > 0 {
            shared.num_idle -= 1;
            shared.num_notify += 1;
            inner.condvar.notify_one();
            return Ok(());
        }
        let over_cap = shared.num_th >= inner.thread_cap;
        if over_cap && mandatory == Mandatory::NonMandatory {
            // Stays queued; a busy thread will get to it.
            return Ok(());
        }
        let id = shared.next_thread_id;
        shared.next_thread_id += 1;
        let mut builder = std::thread::Builder::new().name((inner.thread_name)());
        if let Some(size) = inner.stack_size {
            builder = builder.stack_size(size);
        }
        let inner2 = inner.clone();
        let rt = rt.clone();
        match builder.spawn(move || run_thread(inner2, id, rt)) {
            Ok(th) => {
                shared.num_th += 1;
                shared.threads.insert(id, th);
                Ok(())
            }
            Err(e) => {
                if shared.num_th == 0 {
                    // Nobody will ever run the queue: take the task back out and report.
                    if let Some(q) = shared.queue.pop_back() {
                        drop(shared);
                        q.task.shutdown();
                    }
                }
                Err(e)
            }
        }
    }
}

fn run_thread(inner: Arc<Inner>, id: usize, rt: scheduler::Handle) {
    let _current = context::set_current(&rt);
    if let Some(f) = &inner.after_start {
        f();
    }
    let mut shared = inner.shared.lock();
    'outer: loop {
        while let Some(q) = shared.queue.pop_front() {
            drop(shared);
            q.task.run();
            shared = inner.shared.lock();
        }
        if shared.shutdown {
            break;
        }
        shared.num_idle += 1;
        loop {
            let timed_out = inner.condvar.wait_timeout(&mut shared, inner.keep_alive);
            if shared.num_notify > 0 {
                shared.num_notify -= 1;
                continue 'outer;
            }
            if shared.shutdown {
                shared.num_idle -= 1;
                break 'outer;
            }
            if timed_out {
                // Idle for keep_alive: this thread exits and detaches itself.
                shared.num_idle -= 1;
                if let Some(th) = shared.threads.remove(&id) {
                    drop(th);
                }
                break 'outer;
            }
        }
    }
    // Shutting down (or retiring): mandatory work still runs, the rest is cancelled.
    if shared.shutdown {
        while let Some(q) = shared.queue.pop_front() {
            drop(shared);
            match q.mandatory {
                Mandatory::Mandatory => q.task.run(),
                Mandatory::NonMandatory => q.task.shutdown(),
            }
            shared = inner.shared.lock();
        }
    }
    drop(shared);
    if let Some(f) = &inner.before_stop {
        f();
    }
    let mut shared = inner.shared.lock();
    shared.num_th -= 1;
    if shared.num_th == 0 {
        inner.exited.notify_all();
    }
}

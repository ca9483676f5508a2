//! `LocalSet` and `spawn_local`: running `!Send` futures on one thread.
//!
//! A `LocalSet` is a small scheduler of its own, driven from inside another future: `run_until` (or
//! awaiting the set itself) polls the set's tasks, on the thread doing the polling, as part of that
//! future's poll. Its tasks may therefore hold `Rc`, `RefCell` and other `!Send` state.
//!
//! Tasks use the ordinary task allocation. Wakes on the owning thread while the set is being polled go
//! to a plain local FIFO; wakes from anywhere else go to a mutex-protected remote queue and wake the
//! set's waker. Only the owning thread ever polls or drops a local task's future (the set is `!Send`,
//! the queues are drained by it alone, and dropping the set cancels every task on its thread), which is
//! what makes handing out `Send` wakers and `Send` abort handles for `!Send` futures sound.

use super::id::Id;
use super::join::JoinHandle;
use super::list::OwnedTasks;
use super::raw::{Notified, RawTask, Schedule};
use crate::coop;
use crate::loom::sync::Mutex;
use crate::util::atomic_waker::AtomicWaker;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll};

/// Tasks polled per call before the set yields to its caller.
const MAX_TASKS_PER_TICK: usize = 61;
/// Every this many ticks the remote queue is checked before the local one.
const REMOTE_FIRST_INTERVAL: u8 = 31;

/// A set of `!Send` tasks that run on the thread that drives the set. Mirrors `tokio::task::LocalSet`.
///
/// ```
/// use std::rc::Rc;
///
/// let rt = eddy::runtime::Builder::new_current_thread().build().unwrap();
/// let local = eddy::task::LocalSet::new();
/// let shared = Rc::new(41);
/// let answer = local.block_on(&rt, async move {
///     let shared2 = shared.clone();
///     eddy::task::spawn_local(async move { *shared2 + 1 }).await.unwrap()
/// });
/// assert_eq!(answer, 42);
/// ```
pub struct LocalSet {
    tick: Cell<u8>,
    context: Rc<LocalContext>,
    _not_send: PhantomData<*const ()>,
}

struct LocalContext {
    shared: Arc<Shared>,
    queue: RefCell<VecDeque<Notified>>,
}

struct Shared {
    /// Tasks woken from other threads (or when the set isn't entered); `None` once the set is dropped.
    remote: Mutex<Option<VecDeque<Notified>>>,
    /// The waker of whoever drives the set.
    waker: AtomicWaker,
    owned: OwnedTasks,
}

thread_local! {
    static CURRENT: RefCell<Option<Rc<LocalContext>>> = const { RefCell::new(None) };
}

/// True while a `LocalSet` is being driven (or entered) on this thread.
pub(crate) fn is_entered() -> bool {
    CURRENT.try_with(|c| c.borrow().is_some()).unwrap_or(false)
}

/// Installs `cx` as the current local set for the guard's lifetime.
struct Enter(Option<Rc<LocalContext>>);

impl Enter {
    fn new(cx: &Rc<LocalContext>) -> Enter {
        // At thread exit (a set kept in a thread-local) the slot may be gone: enter nothing.
        Enter(
            CURRENT
                .try_with(|c| c.borrow_mut().replace(cx.clone()))
                .ok()
                .flatten(),
        )
    }
}

impl Drop for Enter {
    fn drop(&mut self) {
        let prev = self.0.take();
        let _ = CURRENT.try_with(|c| *c.borrow_mut() = prev);
    }
}

/// Spawns a `!Send` future onto the current [`LocalSet`], or else onto the current
/// [`LocalRuntime`](crate::runtime::LocalRuntime).
///
/// # Panics
/// Outside both: not inside a set's `run_until` or `block_on`, a set being awaited, or
/// [`LocalSet::enter`]; and not inside a `LocalRuntime` (its `block_on`, a task it runs, or its
/// [`enter`](crate::runtime::LocalRuntime::enter) guard). Also when the current runtime is a
/// `LocalRuntime` created on another thread.
#[track_caller]
pub fn spawn_local<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    let cx = CURRENT.with(|c| c.borrow().clone());
    if let Some(cx) = cx {
        return cx.spawn(future);
    }
    let spawner = crate::runtime::context::with_current(|h| h.local_spawner().cloned());
    match spawner {
        Ok(Some(spawner)) => {
            if spawner.owner != std::thread::current().id() {
                panic!(
                    "Local tasks can only be spawned on a LocalRuntime from the thread the runtime \
                     was created on"
                );
            }
            // SAFETY: this is the owning thread of the runtime's set (checked just above), which is
            // what `spawn_on_owner` requires.
            unsafe { spawner.spawn_on_owner(future) }
        }
        _ => panic!(
            "`spawn_local` called from outside of a `task::LocalSet` or `runtime::LocalRuntime`"
        ),
    }
}

/// A `Send` way to reach a [`LocalSet`] from its runtime's handle, for
/// [`LocalRuntime`](crate::runtime::LocalRuntime): the set's shared half and the thread that owns it.
#[derive(Clone)]
pub(crate) struct LocalSpawner {
    shared: Arc<Shared>,
    /// The thread the set was created on, and so the only one that can drive it (the set is
    /// `!Send`).
    pub(crate) owner: std::thread::ThreadId,
}

impl LocalSpawner {
    /// Spawns `future` onto the set: queued on its remote queue (or run at once if the set was
    /// dropped: the task is then cancelled here).
    ///
    /// # Safety
    /// The caller runs on `self.owner`. The future is `!Send`: it is created on the calling thread,
    /// and the set, which polls and drops its tasks on its own thread only, must live there too.
    pub(crate) unsafe fn spawn_on_owner<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let (join, notified) = self
            .shared
            .owned
            .bind(future, self.shared.clone(), Id::next());
        if let Some(task) = notified {
            self.shared.schedule(task);
        }
        join
    }
}

impl LocalContext {
    fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let (join, notified) = self
            .shared
            .owned
            .bind(future, self.shared.clone(), Id::next());
        if let Some(task) = notified {
            self.queue.borrow_mut().push_back(task);
            self.shared.waker.wake();
        }
        join
    }
}

impl LocalSet {
    /// An empty set.
    pub fn new() -> LocalSet {
        LocalSet {
            tick: Cell::new(0),
            context: Rc::new(LocalContext {
                shared: Arc::new(Shared {
                    remote: Mutex::new(Some(VecDeque::new())),
                    waker: AtomicWaker::new(),
                    owned: OwnedTasks::new(1),
                }),
                queue: RefCell::new(VecDeque::new()),
            }),
            _not_send: PhantomData,
        }
    }

    /// Makes this set current until the guard drops, so that `spawn_local` works (tasks run only when
    /// the set is driven).
    pub fn enter(&self) -> LocalEnterGuard {
        LocalEnterGuard {
            _enter: Enter::new(&self.context),
        }
    }

    /// Spawns a `!Send` task onto this set.
    #[track_caller]
    pub fn spawn_local<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.context.spawn(future)
    }

    /// The `Send` handle a `LocalRuntime` keeps in its runtime handle to reach this set.
    pub(crate) fn spawner(&self) -> LocalSpawner {
        LocalSpawner {
            shared: self.context.shared.clone(),
            owner: std::thread::current().id(),
        }
    }

    /// Runs `future` to completion on `rt`, driving this set's tasks meanwhile.
    #[track_caller]
    pub fn block_on<F: Future>(&self, rt: &crate::runtime::Runtime, future: F) -> F::Output {
        rt.block_on(self.run_until(future))
    }

    /// Drives this set's tasks while `future` runs; completes with `future`'s output (remaining tasks
    /// stay in the set).
    pub fn run_until<F: Future>(&self, future: F) -> RunUntil<'_, F> {
        RunUntil {
            local_set: self,
            future,
        }
    }

    /// Runs up to `MAX_TASKS_PER_TICK` tasks; true if more are ready.
    fn tick(&self) -> bool {
        for _ in 0..MAX_TASKS_PER_TICK {
            match self.next_task() {
                Some(task) => coop::budget(|| task.run()),
                None => return false,
            }
        }
        true
    }

    fn next_task(&self) -> Option<Notified> {
        let tick = self.tick.get().wrapping_add(1);
        self.tick.set(tick);
        let local = || self.context.queue.borrow_mut().pop_front();
        let remote = || {
            self.context
                .shared
                .remote
                .lock()
                .as_mut()
                .and_then(VecDeque::pop_front)
        };
        if tick % REMOTE_FIRST_INTERVAL == 0 {
            remote().or_else(local)
        } else {
            local().or_else(remote)
        }
    }
}

impl Default for LocalSet {
    fn default() -> Self {
        LocalSet::new()
    }
}

impl fmt::Debug for LocalSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalSet").finish_non_exhaustive()
    }
}

/// Awaiting a `LocalSet` runs its tasks until all of them have completed.
impl Future for LocalSet {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = &*self;
        this.context.shared.waker.register_by_ref(cx.waker());
        let _enter = Enter::new(&this.context);
        if this.tick() {
            cx.waker().wake_by_ref();
            Poll::Pending
        } else if this.context.shared.owned.is_empty() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Drop for LocalSet {
    fn drop(&mut self) {
        let _enter = Enter::new(&self.context);
        let shared = &self.context.shared;
        // Cancel every task here, on the owning thread, then drop what is still queued.
        shared.owned.close_and_shutdown_all();
        let local = std::mem::take(&mut *self.context.queue.borrow_mut());
        drop(local);
        let remote = shared.remote.lock().take();
        drop(remote);
    }
}

/// Keeps a [`LocalSet`] current on this thread; see [`LocalSet::enter`].
pub struct LocalEnterGuard {
    _enter: Enter,
}

impl fmt::Debug for LocalEnterGuard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LocalEnterGuard")
    }
}

pin_project_lite::pin_project! {
    /// The future of [`LocalSet::run_until`].
    #[must_use = "futures do nothing unless polled"]
    pub struct RunUntil<'a, F> {
        local_set: &'a LocalSet,
        #[pin]
        future: F,
    }
}

impl<F: Future> Future for RunUntil<'_, F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let me = self.project();
        let set = *me.local_set;
        set.context.shared.waker.register_by_ref(cx.waker());
        let _enter = Enter::new(&set.context);
        if let Poll::Ready(out) = coop::budget(|| me.future.poll(cx)) {
            return Poll::Ready(out);
        }
        if set.tick() {
            // More tasks are ready: come back after letting others run.
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }
}

impl Schedule for Arc<Shared> {
    fn schedule(&self, task: Notified) {
        let mut task = Some(task);
        let _ = CURRENT.try_with(|c| {
            if let Some(cx) = &*c.borrow() {
                if Arc::ptr_eq(&cx.shared, self) {
                    cx.queue.borrow_mut().extend(task.take());
                }
            }
        });
        let local = task;
        if let Some(task) = local {
            let mut remote = self.remote.lock();
            match remote.as_mut() {
                Some(q) => q.push_back(task),
                // The set is gone; its tasks were cancelled. Drop the reference.
                None => {
                    drop(remote);
                    drop(task);
                    return;
                }
            }
        }
        self.waker.wake();
    }

    fn release(&self, task: RawTask) -> bool {
        self.owned.remove(task)
    }
}

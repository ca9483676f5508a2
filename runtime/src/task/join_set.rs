//! `JoinSet`: a collection of spawned tasks, joined in the order they finish.
//!
//! Built only on the public task API: each task's [`JoinHandle`] sits in a slab entry together with a
//! waker of its own. The set polls a handle once at insertion, which registers that waker with the task;
//! when the task finishes, the waker pushes the entry's key onto a shared *ready list* and wakes whoever
//! waits on the set. `join_next` then pops keys from that list and polls only those handles, so joining
//! costs O(1) per finished task however many tasks are still running.
//!
//! The ready list and the waiting task's waker share one mutex (a cold path: touched once per finished
//! task and once per `join_next` poll). Wakers are never dropped or woken with the lock held: either
//! might run arbitrary code that wakes an entry and so takes the lock again.
//!
//! A key may be pushed more than once, or after its entry was removed and reused (a wake racing with the
//! poll that found the task finished). Keys therefore carry the entry's generation, and a stale or
//! duplicate key only costs a look-up or one extra poll that returns `Pending`.

use super::error::JoinError;
use super::id::Id;
use super::{AbortHandle, JoinHandle};
use crate::coop;
use crate::loom::sync::atomic::{AtomicBool, Ordering::AcqRel};
use crate::loom::sync::Mutex;
use crate::runtime::Handle;
use std::collections::VecDeque;
use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// A collection of tasks spawned on a runtime, whose outputs are taken in completion order.
///
/// Tasks are added with [`spawn`](Self::spawn) (or its `_on` and `_blocking` variants) and taken out
/// with [`join_next`](Self::join_next) as each one finishes. Every task in the set has the same output
/// type `T`. Dropping the set aborts every task still in it. Mirrors `tokio::task::JoinSet`.
///
/// ```
/// use eddy::task::JoinSet;
///
/// # eddy::runtime::Runtime::new().unwrap().block_on(async {
/// let mut set = JoinSet::new();
/// for i in 0..10 {
///     set.spawn(async move { i * 2 });
/// }
/// let mut sum = 0;
/// while let Some(res) = set.join_next().await {
///     sum += res.unwrap();
/// }
/// assert_eq!(sum, 90);
/// # });
/// ```
pub struct JoinSet<T> {
    slots: Vec<Slot<T>>,
    /// Head of the free-slot chain threaded through `Slot::Free`.
    free: Option<usize>,
    /// Occupied slots.
    len: usize,
    /// Generation handed to the next entry; tells a reused slot from the entry a stale key meant.
    next_gen: u64,
    shared: Arc<Shared>,
}

enum Slot<T> {
    Full(Entry<T>),
    /// Free, with the next free slot.
    Free(Option<usize>),
}

struct Entry<T> {
    handle: JoinHandle<T>,
    /// Output taken at insertion, when the task had already finished by then.
    early: Option<Result<T, JoinError>>,
    notify: Arc<EntryNotify>,
    /// `notify` as a `Waker`, built once.
    waker: Waker,
}

/// A key on the ready list: slot index and the generation of the entry it was pushed for.
type Key = (usize, u64);

/// What the set and its entries' wakers share.
struct Shared {
    ready: Mutex<Ready>,
}

struct Ready {
    keys: VecDeque<Key>,
    /// The task waiting in `join_next`, woken (and forgotten) by the next push.
    waiter: Option<Waker>,
}

/// The waker registered with one task's `JoinHandle`.
struct EntryNotify {
    shared: Arc<Shared>,
    key: Key,
    /// Set while the key is on the ready list, so that repeated wakes push it once.
    queued: AtomicBool,
}

impl Wake for EntryNotify {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if self.queued.swap(true, AcqRel) {
            return;
        }
        let waiter = {
            let mut ready = self.shared.ready.lock();
            ready.keys.push_back(self.key);
            ready.waiter.take()
        };
        if let Some(w) = waiter {
            w.wake();
        }
    }
}

impl<T> JoinSet<T> {
    /// An empty set.
    pub fn new() -> JoinSet<T> {
        JoinSet {
            slots: Vec::new(),
            free: None,
            len: 0,
            next_gen: 0,
            shared: Arc::new(Shared {
                ready: Mutex::new(Ready {
                    keys: VecDeque::new(),
                    waiter: None,
                }),
            }),
        }
    }

    /// The number of tasks in the set, finished or not (a finished task stays until it is joined).
    pub fn len(&self) -> usize {
        self.len
    }

    /// True if the set holds no tasks.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl<T: 'static> JoinSet<T> {
    /// Spawns `task` on the current runtime and adds it to the set. Returns an [`AbortHandle`] for it.
    ///
    /// # Panics
    /// Outside the context of a runtime.
    #[track_caller]
    pub fn spawn<F>(&mut self, task: F) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
        T: Send,
    {
        self.insert(crate::spawn(task))
    }

    /// Spawns `task` on the runtime behind `handle` and adds it to the set.
    #[track_caller]
    pub fn spawn_on<F>(&mut self, task: F, handle: &Handle) -> AbortHandle
    where
        F: Future<Output = T> + Send + 'static,
        T: Send,
    {
        self.insert(handle.spawn(task))
    }

    /// Spawns a `!Send` task onto the current [`LocalSet`](super::LocalSet) and adds it to the set.
    ///
    /// # Panics
    /// Outside a `LocalSet` context.
    #[track_caller]
    pub fn spawn_local<F>(&mut self, task: F) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        self.insert(super::spawn_local(task))
    }

    /// Spawns a `!Send` task onto `local_set` and adds it to the set.
    #[track_caller]
    pub fn spawn_local_on<F>(&mut self, task: F, local_set: &super::LocalSet) -> AbortHandle
    where
        F: Future<Output = T> + 'static,
    {
        self.insert(local_set.spawn_local(task))
    }

    /// Runs `f` on the current runtime's blocking pool and adds it to the set. Like every blocking
    /// task, it cannot be aborted once it has started.
    ///
    /// # Panics
    /// Outside the context of a runtime.
    #[track_caller]
    pub fn spawn_blocking<F>(&mut self, f: F) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send,
    {
        self.insert(super::spawn_blocking(f))
    }

    /// Runs `f` on the blocking pool of the runtime behind `handle` and adds it to the set.
    #[track_caller]
    pub fn spawn_blocking_on<F>(&mut self, f: F, handle: &Handle) -> AbortHandle
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send,
    {
        self.insert(handle.spawn_blocking(f))
    }

    /// Waits for the next task to finish and returns its output, or `None` if the set is empty.
    ///
    /// Cancel safe: if the returned future is dropped before it completes, no task leaves the set.
    pub async fn join_next(&mut self) -> Option<Result<T, JoinError>> {
        poll_fn(|cx| self.poll_join_next(cx)).await
    }

    /// Like [`join_next`](Self::join_next), also returning the finished task's [`Id`].
    pub async fn join_next_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        poll_fn(|cx| self.poll_join_next_with_id(cx)).await
    }

    /// Returns the output of a task that has already finished, or `None` if no task has (or the set is
    /// empty). Never waits.
    pub fn try_join_next(&mut self) -> Option<Result<T, JoinError>> {
        self.try_join_next_with_id()
            .map(|res| res.map(|(_, out)| out))
    }

    /// Like [`try_join_next`](Self::try_join_next), also returning the task's [`Id`].
    pub fn try_join_next_with_id(&mut self) -> Option<Result<(Id, T), JoinError>> {
        if self.len == 0 {
            return None;
        }
        let rounds = self.shared.ready.lock().keys.len();
        // Not waiting, so not throttled: a caller draining finished tasks should get all of them.
        coop::with_budget(coop::Budget::unconstrained(), || {
            for _ in 0..rounds {
                let key = self.shared.ready.lock().keys.pop_front()?;
                if let Poll::Ready(out) = self.poll_key(key) {
                    return Some(out);
                }
            }
            None
        })
    }

    /// Polls for the next finished task: `Ready(Some(_))` with its output, `Ready(None)` if the set is
    /// empty, or `Pending` after arranging for `cx`'s waker to be woken when a task finishes.
    ///
    /// Like [`JoinHandle`], this takes part in cooperative scheduling: when the task's budget is spent
    /// it returns `Pending` (and wakes `cx` at once) even if a task has finished.
    pub fn poll_join_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        self.poll_join_next_with_id(cx)
            .map(|opt| opt.map(|res| res.map(|(_, out)| out)))
    }

    /// Like [`poll_join_next`](Self::poll_join_next), also returning the finished task's [`Id`].
    pub fn poll_join_next_with_id(
        &mut self,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<(Id, T), JoinError>>> {
        if self.len == 0 {
            return Poll::Ready(None);
        }
        // Register first, so that a key pushed after we look at the list wakes us.
        let (rounds, replaced) = {
            let mut ready = self.shared.ready.lock();
            let replaced = match &ready.waiter {
                Some(w) if w.will_wake(cx.waker()) => None,
                _ => ready.waiter.replace(cx.waker().clone()),
            };
            (ready.keys.len(), replaced)
        };
        // Outside the lock: dropping a waker may run code that wakes one of our entries.
        drop(replaced);

        // At most one pass over the keys that were there: a handle that wakes itself while we poll it
        // (see below) must not keep us here.
        for _ in 0..rounds {
            let Some(key) = self.shared.ready.lock().keys.pop_front() else {
                break;
            };
            match self.poll_key(key) {
                Poll::Ready(out) => return Poll::Ready(Some(out)),
                // Out of budget: yield to the scheduler, and come back for the keys left.
                Poll::Pending if !coop::has_budget_remaining() => {
                    cx.waker().wake_by_ref();
                    return Poll::Pending;
                }
                Poll::Pending => {}
            }
        }
        Poll::Pending
    }

    /// Aborts every task in the set, then waits for all of them to finish. The set is empty afterwards.
    pub async fn shutdown(&mut self) {
        self.abort_all();
        while self.join_next().await.is_some() {}
    }

    /// Waits for every task and returns their outputs in the order the tasks finished.
    ///
    /// # Panics
    /// If a task panicked, its panic resumes here; if a task was cancelled, this panics with its
    /// [`JoinError`]. Either way the tasks still in the set are aborted (the set is dropped).
    pub async fn join_all(mut self) -> Vec<T> {
        let mut outputs = Vec::with_capacity(self.len);
        while let Some(res) = self.join_next().await {
            match res {
                Ok(out) => outputs.push(out),
                Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
                Err(e) => panic!("{e}"),
            }
        }
        outputs
    }

    /// Adds a freshly spawned task. Polls its handle once, with the entry's own waker, which registers
    /// that waker with the task; if the task has already finished, its output is kept for `join_next`.
    fn insert(&mut self, mut handle: JoinHandle<T>) -> AbortHandle {
        let abort = handle.abort_handle();
        let idx = match self.free {
            Some(i) => i,
            None => {
                self.slots.push(Slot::Free(None));
                self.slots.len() - 1
            }
        };
        let key = (idx, self.next_gen);
        self.next_gen += 1;
        let notify = Arc::new(EntryNotify {
            shared: self.shared.clone(),
            key,
            queued: AtomicBool::new(false),
        });
        let waker = Waker::from(notify.clone());
        // Registration is bookkeeping, not progress of the caller: don't charge it to the budget.
        let early = coop::with_budget(coop::Budget::unconstrained(), || {
            match Pin::new(&mut handle).poll(&mut Context::from_waker(&waker)) {
                Poll::Ready(out) => Some(out),
                Poll::Pending => None,
            }
        });
        let ready_now = early.is_some();
        let prev = std::mem::replace(
            &mut self.slots[idx],
            Slot::Full(Entry {
                handle,
                early,
                notify,
                waker,
            }),
        );
        let Slot::Free(next_free) = prev else {
            unreachable!("free list pointed at a full slot");
        };
        self.free = next_free;
        self.len += 1;
        if ready_now {
            if let Slot::Full(e) = &self.slots[idx] {
                e.notify.wake_by_ref();
            }
        }
        abort
    }

    /// Polls the entry `key` names, if it still exists; on `Ready` the entry leaves the set.
    fn poll_key(&mut self, (idx, gen): Key) -> Poll<Result<(Id, T), JoinError>> {
        let Some(Slot::Full(entry)) = self.slots.get_mut(idx) else {
            return Poll::Pending;
        };
        if entry.notify.key.1 != gen {
            // Pushed for an entry that has since left; this slot holds a newer one.
            return Poll::Pending;
        }
        // Clear before polling: a wake that comes after this sees `false` and pushes the key again, and
        // a wake that came before it is for an event this poll will see.
        entry.notify.queued.swap(false, AcqRel);
        let res = match entry.early.take() {
            Some(out) => out,
            None => {
                match Pin::new(&mut entry.handle).poll(&mut Context::from_waker(&entry.waker)) {
                    Poll::Ready(out) => out,
                    Poll::Pending => return Poll::Pending,
                }
            }
        };
        let id = entry.handle.id();
        self.remove(idx);
        Poll::Ready(res.map(|out| (id, out)))
    }

    fn remove(&mut self, idx: usize) {
        let slot = std::mem::replace(&mut self.slots[idx], Slot::Free(self.free));
        self.free = Some(idx);
        self.len -= 1;
        // Dropping the entry drops its JoinHandle (a finished task) and our share of its waker.
        drop(slot);
    }
}

impl<T> JoinSet<T> {
    /// Aborts every task in the set. They stay in the set: [`join_next`](Self::join_next) still
    /// returns each one, as a cancelled [`JoinError`] unless it had finished already.
    pub fn abort_all(&mut self) {
        for slot in &self.slots {
            if let Slot::Full(e) = slot {
                e.handle.abort();
            }
        }
    }

    /// Removes every task from the set without aborting it: the tasks keep running, detached, and their
    /// outputs are dropped.
    pub fn detach_all(&mut self) {
        let slots = std::mem::take(&mut self.slots);
        self.free = None;
        self.len = 0;
        // Forget the queued keys; generations keep any key pushed from now on from matching.
        let keys = std::mem::take(&mut self.shared.ready.lock().keys);
        drop(keys);
        drop(slots);
    }
}

impl<T> Drop for JoinSet<T> {
    fn drop(&mut self) {
        self.abort_all();
    }
}

impl<T> Default for JoinSet<T> {
    fn default() -> Self {
        JoinSet::new()
    }
}

impl<T> fmt::Debug for JoinSet<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinSet").field("len", &self.len).finish()
    }
}

// SAFETY: no method taking `&self` touches a task's output (`len`, `is_empty` and `Debug` read counters
// only), so sharing `&JoinSet<T>` between threads never shares a `T`; the handles and the shared ready
// list are themselves `Sync`. Moving outputs across threads needs `T: Send`, hence the bound.
unsafe impl<T: Send> Sync for JoinSet<T> {}

impl<T, F> FromIterator<F> for JoinSet<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    /// Spawns every future on the current runtime. Panics outside a runtime.
    fn from_iter<I: IntoIterator<Item = F>>(iter: I) -> Self {
        let mut set = JoinSet::new();
        set.extend(iter);
        set
    }
}

impl<T, F> Extend<F> for JoinSet<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    /// Spawns every future on the current runtime. Panics outside a runtime.
    fn extend<I: IntoIterator<Item = F>>(&mut self, iter: I) {
        for fut in iter {
            self.spawn(fut);
        }
    }
}

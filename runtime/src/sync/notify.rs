//! `Notify`: wake one task or all waiting tasks, with no data attached.
//!
//! ## Protocol
//!
//! One word holds `calls << 2 | STATE`, where `calls` counts [`Notify::notify_waiters`] calls and
//! `STATE` is one of:
//!
//! - `EMPTY`: nobody waits and no permit is stored.
//! - `WAITING`: the waiter queue is non-empty (set and cleared only under the queue lock).
//! - `NOTIFIED`: a `notify_one` found nobody waiting and left its single permit here.
//!
//! `notify_one` with nobody waiting flips the state to `NOTIFIED` without locking (a second call adds
//! nothing: there is at most one permit). With waiters, it locks, unlinks the oldest waiter, marks it
//! notified and wakes it.
//!
//! A [`Notified`] future records `calls` when it is *created*. When first polled (or
//! [enabled](Notified::enable)) it is ready at once if `calls` moved since (a `notify_waiters` happened
//! after its creation) or if it can consume the stored permit; otherwise it queues, tagged with the
//! current `calls`. With waiters queued, `notify_waiters` bumps `calls` under the lock and then wakes
//! exactly the queued waiters tagged with an older or equal count, so waiters that queue while it is
//! still waking (which see the new count) are not woken by it. With nobody queued it only bumps
//! `calls`, by a compare-exchange and without the lock: a waiter queueing at the same moment changes
//! the word (to `WAITING`, under the lock), so the exchange fails and the call takes the lock after
//! all. A caller looping on `notify_waiters` so never holds up tasks that are queueing again.
//!
//! A queued `Notified` that was picked by `notify_one` but is dropped before it returned `Ready` passes
//! the notification on to the next waiter (or stores it as the permit), so none is lost.
//!
//! ## Woken waiters take no lock
//!
//! A notifier removes the waiter's list entry and stores the kind of notification in the waiting
//! future's own [`Signal`] (see [`super::signal`]), last thing before waking it. The woken task sees
//! it with one atomic load: it does not queue on the lock that `notify_waiters` may still be holding
//! to wake the others. The futures are therefore `!Unpin`, as Tokio's are.

use super::signal::{Signal, SignalHandle, PENDING};
use super::wait_list::{Key, WaitList, WakeList};
use super::LockGuard as MutexGuard;
use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};
use crate::loom::sync::Mutex;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};

const EMPTY: usize = 0;
const WAITING: usize = 1;
const NOTIFIED: usize = 2;
const STATE_MASK: usize = 0b11;
const CALLS_SHIFT: usize = 2;

fn calls(state: usize) -> usize {
    state >> CALLS_SHIFT
}

/// Signal values: picked by `notify_one` or by `notify_last` (passed on the same way if never
/// observed), woken by `notify_waiters`.
const BY_ONE: usize = 1;
const BY_LAST: usize = 2;
const BY_ALL: usize = 3;

struct Waiter {
    /// The `notify_waiters` count when this waiter queued.
    epoch: usize,
    waker: Option<Waker>,
    /// Where the notification goes (inside the pinned future).
    signal: SignalHandle,
}

/// Notifies a single task, or all waiting tasks, of an event.
///
/// `Notify` carries no data. [`notify_one`](Notify::notify_one) stores one permit if nobody is waiting,
/// so a task that calls [`notified().await`](Notify::notified) afterwards completes at once;
/// [`notify_waiters`](Notify::notify_waiters) wakes every task waiting at the time of the call and
/// stores nothing.
///
/// # Examples
///
/// ```
/// use eddy::sync::Notify;
/// use std::sync::Arc;
///
/// # eddy::runtime::Runtime::new().unwrap().block_on(async {
/// let notify = Arc::new(Notify::new());
/// let notify2 = notify.clone();
/// let handle = eddy::spawn(async move {
///     notify2.notified().await;
///     "woken"
/// });
/// notify.notify_one();
/// assert_eq!(handle.await.unwrap(), "woken");
/// # });
/// ```
pub struct Notify {
    state: AtomicUsize,
    waiters: Mutex<WaitList<Waiter>>,
}

impl Notify {
    /// Creates a `Notify` with no stored permit.
    pub fn new() -> Notify {
        Notify {
            state: AtomicUsize::new(EMPTY),
            waiters: Mutex::new(WaitList::new()),
        }
    }

    /// Creates a `Notify` in a `const` context (e.g. a `static`).
    ///
    /// ```
    /// use eddy::sync::Notify;
    /// static NOTIFY: Notify = Notify::const_new();
    /// NOTIFY.notify_one();
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new() -> Notify {
        Notify {
            state: AtomicUsize::new(EMPTY),
            waiters: Mutex::new(WaitList::new()),
        }
    }

    /// Returns a future that completes when this `Notify` is notified.
    ///
    /// The future receives [`notify_waiters`](Notify::notify_waiters) calls made any time after this
    /// method returns, even before it is first polled. It takes part in the `notify_one` queue only
    /// once polled or [enabled](Notified::enable).
    pub fn notified(&self) -> Notified<'_> {
        Notified {
            notify: self,
            waiter: WaiterState::new(self),
            signal: Signal::new(),
        }
    }

    /// Like [`notified`](Notify::notified), but the future holds an `Arc` and is `'static`.
    pub fn notified_owned(self: Arc<Self>) -> OwnedNotified {
        let waiter = WaiterState::new(&self);
        OwnedNotified {
            notify: self,
            waiter,
            signal: Signal::new(),
        }
    }

    /// Wakes the oldest waiting task, or, if none waits, stores a permit for the next `notified()`.
    ///
    /// At most one permit is stored: calling this twice with nobody waiting has the effect of once.
    pub fn notify_one(&self) {
        self.notify(false);
    }

    /// Like [`notify_one`](Notify::notify_one), but wakes the most recently queued task.
    pub fn notify_last(&self) {
        self.notify(true);
    }

    fn notify(&self, last: bool) {
        let mut cur = self.state.load(SeqCst);
        while cur & STATE_MASK != WAITING {
            let next = (cur & !STATE_MASK) | NOTIFIED;
            match self.state.compare_exchange(cur, next, SeqCst, SeqCst) {
                Ok(_) => return,
                Err(actual) => cur = actual,
            }
        }
        let list = self.waiters.lock();
        if let Some(waker) = self.notify_locked(list, last) {
            waker.wake();
        }
    }

    /// Hands one notification to a queued waiter, or stores it as the permit. Returns the waker to wake
    /// after the lock is released (the guard is dropped here).
    fn notify_locked(
        &self,
        mut list: MutexGuard<'_, WaitList<Waiter>>,
        last: bool,
    ) -> Option<Waker> {
        let key = if last { list.back() } else { list.front() };
        let Some(key) = key else {
            // Nobody queued (the state is EMPTY or NOTIFIED; both become NOTIFIED).
            self.set_state_bits(NOTIFIED);
            return None;
        };
        let w = list.release(key);
        // SAFETY: under the waiter lock, the entry was live until just now; its only notification.
        unsafe { w.signal.set(if last { BY_LAST } else { BY_ONE }) };
        if list.is_empty() {
            self.set_state_bits(EMPTY);
        }
        drop(list);
        w.waker
    }

    /// Replaces the `STATE` bits, keeping `calls`. Caller holds the lock.
    fn set_state_bits(&self, bits: usize) {
        let mut cur = self.state.load(SeqCst);
        loop {
            let next = (cur & !STATE_MASK) | bits;
            match self.state.compare_exchange(cur, next, SeqCst, SeqCst) {
                Ok(_) => return,
                Err(actual) => cur = actual,
            }
        }
    }

    /// Wakes every task waiting right now; stores no permit.
    ///
    /// Futures returned by [`notified`](Notify::notified) before this call complete, even if they had
    /// not been polled yet. Later ones are not affected.
    pub fn notify_waiters(&self) {
        // Nobody queued: bumping `calls` is all there is to do, and it needs no lock. A waiter that
        // queues meanwhile sets `WAITING` under the lock, which makes this exchange fail; the lock
        // then orders the two.
        let mut cur = self.state.load(SeqCst);
        while cur & STATE_MASK != WAITING {
            let next = cur.wrapping_add(1 << CALLS_SHIFT);
            match self.state.compare_exchange(cur, next, SeqCst, SeqCst) {
                Ok(_) => return,
                Err(actual) => cur = actual,
            }
        }
        let mut list = self.waiters.lock();
        // Bump `calls` under the lock, keeping the state bits.
        let prev = self.state.fetch_add(1 << CALLS_SHIFT, SeqCst);
        if prev & STATE_MASK != WAITING {
            return;
        }
        let epoch = calls(prev);
        let mut wakers = WakeList::new();
        loop {
            while wakers.can_push() {
                let Some(key) = list.front() else { break };
                if list.get_mut(key).epoch.wrapping_sub(epoch) as isize > 0 {
                    // Queued after this call started.
                    break;
                }
                let w = list.release(key);
                // SAFETY: under the waiter lock, the entry was live until just now; its only
                // notification.
                unsafe { w.signal.set(BY_ALL) };
                if let Some(waker) = w.waker {
                    wakers.push(waker);
                }
            }
            if list.is_empty() {
                self.set_state_bits(EMPTY);
            }
            let more = !wakers.can_push();
            drop(list);
            wakers.wake_all();
            if !more {
                return;
            }
            list = self.waiters.lock();
        }
    }
}

// No user code runs under the waiter lock, so a panic cannot leave the queue half-updated.
impl std::panic::RefUnwindSafe for Notify {}
impl std::panic::UnwindSafe for Notify {}

impl Default for Notify {
    fn default() -> Self {
        Notify::new()
    }
}

impl fmt::Debug for Notify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notify").finish_non_exhaustive()
    }
}

/// Where a `Notified` stands; shared by the borrowed and the owned future.
#[derive(Debug)]
enum WaiterState {
    /// Not queued yet; holds `calls` at creation.
    Init(usize),
    Waiting(Key),
    Done,
}

impl WaiterState {
    fn new(notify: &Notify) -> WaiterState {
        WaiterState::Init(calls(notify.state.load(SeqCst)))
    }

    /// Registers (if needed) and reports readiness. `waker` is `None` for `enable`.
    /// `signal` is the pinned cell of the future this state belongs to.
    fn poll(&mut self, notify: &Notify, signal: Pin<&Signal>, waker: Option<&Waker>) -> Poll<()> {
        match *self {
            WaiterState::Done => Poll::Ready(()),
            WaiterState::Init(created) => {
                // Fast path without the lock.
                let mut cur = notify.state.load(SeqCst);
                loop {
                    if calls(cur) != created {
                        *self = WaiterState::Done;
                        return Poll::Ready(());
                    }
                    if cur & STATE_MASK != NOTIFIED {
                        break;
                    }
                    let next = (cur & !STATE_MASK) | EMPTY;
                    match notify.state.compare_exchange(cur, next, SeqCst, SeqCst) {
                        Ok(_) => {
                            *self = WaiterState::Done;
                            return Poll::Ready(());
                        }
                        Err(actual) => cur = actual,
                    }
                }
                // Cloned before locking: the lock is held as briefly as possible, since the
                // notifier needs it for every waiter it wakes. Declared before the guard, so on
                // every early return it is dropped after the lock is released.
                let waker = waker.cloned();
                let mut list = notify.waiters.lock();
                let mut cur = notify.state.load(SeqCst);
                loop {
                    if calls(cur) != created {
                        *self = WaiterState::Done;
                        return Poll::Ready(());
                    }
                    let (next, ready) = match cur & STATE_MASK {
                        NOTIFIED => ((cur & !STATE_MASK) | EMPTY, true),
                        // Others queued already: nothing to change (`WAITING` leaves only under
                        // the lock we hold).
                        WAITING => break,
                        _ => ((cur & !STATE_MASK) | WAITING, false),
                    };
                    match notify.state.compare_exchange(cur, next, SeqCst, SeqCst) {
                        Ok(_) if ready => {
                            *self = WaiterState::Done;
                            return Poll::Ready(());
                        }
                        Ok(_) => break,
                        Err(actual) => cur = actual,
                    }
                }
                let key = list.push_back(Waiter {
                    epoch: created,
                    waker,
                    // SAFETY: `signal` is pinned inside the future, whose destructor (`cancel`)
                    // removes this entry under the lock unless a notifier consumed the handle.
                    signal: unsafe { signal.get_ref().handle() },
                });
                *self = WaiterState::Waiting(key);
                Poll::Pending
            }
            WaiterState::Waiting(key) => {
                // The notifier freed the entry and stored the signal last: no lock needed.
                if signal.get() != PENDING {
                    *self = WaiterState::Done;
                    return Poll::Ready(());
                }
                let mut list = notify.waiters.lock();
                // Signals are stored under the lock: checked again, it cannot change under us.
                if signal.get() != PENDING {
                    *self = WaiterState::Done;
                    return Poll::Ready(());
                }
                let w = list.get_mut(key);
                let old = match (waker, &mut w.waker) {
                    (Some(new), Some(old)) if old.will_wake(new) => None,
                    (Some(new), slot) => slot.replace(new.clone()),
                    (None, _) => None,
                };
                // Dropping a waker may run arbitrary code: not under the lock.
                drop(list);
                drop(old);
                Poll::Pending
            }
        }
    }

    /// The future is dropped: leave the queue, passing on a `notify_one` it never observed.
    /// `signal` is the future's cell.
    fn cancel(&mut self, notify: &Notify, signal: &Signal) {
        let WaiterState::Waiting(key) = *self else {
            return;
        };
        *self = WaiterState::Done;
        let mut outcome = signal.get();
        if outcome == BY_ALL {
            return;
        }
        let mut list = notify.waiters.lock();
        let mut removed = None;
        if outcome == PENDING {
            // Signals are stored under the lock: now it is final.
            outcome = signal.get();
            if outcome == PENDING {
                removed = Some(list.release(key));
                if list.is_empty() {
                    notify.set_state_bits(EMPTY);
                }
            }
        }
        match outcome {
            // Picked by `notify_one`/`notify_last` but never returned `Ready`: pass it on.
            BY_ONE | BY_LAST => {
                if let Some(waker) = notify.notify_locked(list, outcome == BY_LAST) {
                    waker.wake();
                }
            }
            _ => drop(list),
        }
        // A removed entry (and its waker) is dropped here, after the lock.
        drop(removed);
    }
}

/// Future returned by [`Notify::notified`].
///
/// Dropping it after it was chosen by `notify_one` but before it completed passes the notification on.
#[must_use = "futures do nothing unless polled"]
pub struct Notified<'a> {
    notify: &'a Notify,
    waiter: WaiterState,
    /// Where a notifier stores the notification while we are queued. Makes the future `!Unpin`.
    signal: Signal,
}

impl Notified<'_> {
    /// Queues this future as a waiter without polling it, so it takes part in `notify_one` from now on.
    ///
    /// Returns `true` if it is already notified (the next poll completes at once). Calling it again
    /// does nothing more.
    ///
    /// ```
    /// use eddy::sync::Notify;
    /// use std::pin::pin;
    ///
    /// let notify = Notify::new();
    /// let mut notified = pin!(notify.notified());
    /// assert!(!notified.as_mut().enable());
    /// notify.notify_one();
    /// assert!(notified.as_mut().enable());
    /// ```
    pub fn enable(self: Pin<&mut Self>) -> bool {
        // SAFETY: nothing is moved out; `signal` is structurally pinned and only used pinned.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: a field of the pinned future.
        let signal = unsafe { Pin::new_unchecked(&this.signal) };
        this.waiter.poll(this.notify, signal, None).is_ready()
    }
}

impl Future for Notified<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: nothing is moved out; `signal` is structurally pinned and only used pinned.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: a field of the pinned future.
        let signal = unsafe { Pin::new_unchecked(&this.signal) };
        this.waiter.poll(this.notify, signal, Some(cx.waker()))
    }
}

impl Drop for Notified<'_> {
    fn drop(&mut self) {
        self.waiter.cancel(self.notify, &self.signal);
    }
}

impl fmt::Debug for Notified<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notified")
            .field("state", &self.waiter)
            .finish()
    }
}

/// Future returned by [`Notify::notified_owned`]; like [`Notified`] but `'static`.
#[must_use = "futures do nothing unless polled"]
pub struct OwnedNotified {
    notify: Arc<Notify>,
    waiter: WaiterState,
    /// As in [`Notified`].
    signal: Signal,
}

impl OwnedNotified {
    /// See [`Notified::enable`].
    pub fn enable(self: Pin<&mut Self>) -> bool {
        // SAFETY: nothing is moved out; `signal` is structurally pinned and only used pinned.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: a field of the pinned future.
        let signal = unsafe { Pin::new_unchecked(&this.signal) };
        this.waiter.poll(&this.notify, signal, None).is_ready()
    }
}

impl Future for OwnedNotified {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        // SAFETY: nothing is moved out; `signal` is structurally pinned and only used pinned.
        let this = unsafe { self.get_unchecked_mut() };
        // SAFETY: a field of the pinned future.
        let signal = unsafe { Pin::new_unchecked(&this.signal) };
        this.waiter.poll(&this.notify, signal, Some(cx.waker()))
    }
}

impl Drop for OwnedNotified {
    fn drop(&mut self) {
        self.waiter.cancel(&self.notify, &self.signal);
    }
}

impl fmt::Debug for OwnedNotified {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedNotified")
            .field("state", &self.waiter)
            .finish()
    }
}

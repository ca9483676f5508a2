//! The fair counting semaphore under `Semaphore`, `Mutex`, `RwLock`, `OnceCell` and bounded `mpsc`.
//!
//! ## The state word
//!
//! `state = permits << PERMIT_SHIFT | WAITERS | CLOSED`:
//!
//! - `CLOSED` (bit 0): set once by [`Semaphore::close`]; every later acquire fails.
//! - `WAITERS` (bit 1): set if and only if the waiter queue is non-empty. Changed only with the waiter
//!   lock held.
//! - `permits`: permits free for anyone to take. **While `WAITERS` is set this is zero**: permits that
//!   come back are handed to queued waiters first, so a newcomer can never overtake the queue (FIFO
//!   fairness, which is what makes `Mutex` fair and `RwLock` write-preferring).
//!
//! ## Fast paths (no lock)
//!
//! - acquire: CAS `permits - n` when `WAITERS` and `CLOSED` are clear and enough permits are free.
//! - release: CAS `permits + n` when `WAITERS` is clear.
//!
//! ## Slow paths (under the waiter lock)
//!
//! - acquire: take whatever permits are free (all of them, partially satisfying the request), set
//!   `WAITERS`, queue a waiter that still needs the rest.
//! - release: walk the queue from the head, topping waiters up in order; a waiter whose need reaches
//!   zero is removed from the list, told `GRANTED` through its [`Signal`] and woken (after the lock
//!   is dropped). When the queue empties, clear `WAITERS` and put the remainder into `permits`.
//! - cancel (a pending acquire future dropped): if its signal says `GRANTED`, release all `n`
//!   permits; if closed, the permits it had been assigned (the signal carries the number); if still
//!   queued, remove it and release the permits it had been assigned. Nothing is lost.
//! - close: set `CLOSED`, remove every queued waiter, tell it closed (with the number of permits
//!   it had been assigned, which it gives back when it fails or is dropped, as Tokio's does: until
//!   then a bounded channel is not idle) and wake it.
//!
//! ## The woken waiter takes no lock
//!
//! The outcome lives in the waiting future's own [`Signal`], not only in the list: a granted waiter
//! learns it with one atomic load. Under a full bounded channel this halves the lock traffic per
//! message (the receiver's release takes the lock; the woken sender does not), so the lock is held
//! by fewer parties at once and a release rarely waits. The price is that [`Acquire`] is `!Unpin`
//! (it is awaited in place everywhere, as Tokio's is).

use super::signal::{Signal, SignalHandle, PENDING};
use super::wait_list::{Key, WaitList, WakeList};
use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};
use crate::loom::sync::Mutex;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll, Waker};

const CLOSED: usize = 0b01;
const WAITERS: usize = 0b10;
const PERMIT_SHIFT: usize = 2;

/// Errors of the internal semaphore: the only way an acquire fails is that it was closed.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Closed;

/// Outcome of a try-acquire.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TryAcquireError {
    Closed,
    NoPermits,
}

/// Signal values: every permit was assigned; or the semaphore closed first, with the number of
/// permits assigned so far in the bits above [`OUTCOME_BITS`] (at most `MAX_PERMITS`, so it fits).
const GRANTED: usize = 1;
const CLOSED_OUT: usize = 2;
const OUTCOME_BITS: usize = 2;
const OUTCOME_MASK: usize = (1 << OUTCOME_BITS) - 1;

struct Waiter {
    /// Permits asked for.
    requested: usize,
    /// Permits still missing.
    remaining: usize,
    waker: Option<Waker>,
    /// Where the outcome goes (inside the pinned `Acquire`).
    signal: SignalHandle,
}

/// A FIFO-fair semaphore; see the module docs for the protocol.
pub(crate) struct Semaphore {
    state: AtomicUsize,
    waiters: Mutex<WaitList<Waiter>>,
}

impl Semaphore {
    /// The most permits a semaphore can hold.
    pub(crate) const MAX_PERMITS: usize = usize::MAX >> 3;

    /// A semaphore holding `permits` permits.
    pub(crate) fn new(permits: usize) -> Self {
        assert!(
            permits <= Self::MAX_PERMITS,
            "a semaphore may not have more than MAX_PERMITS permits ({})",
            Self::MAX_PERMITS
        );
        Semaphore {
            state: AtomicUsize::new(permits << PERMIT_SHIFT),
            waiters: Mutex::new(WaitList::new()),
        }
    }

    /// `new` usable in constants (not under loom, whose primitives are not `const`).
    #[cfg(not(loom))]
    pub(crate) const fn const_new(permits: usize) -> Self {
        assert!(permits <= Self::MAX_PERMITS);
        Semaphore {
            state: AtomicUsize::new(permits << PERMIT_SHIFT),
            waiters: Mutex::new(WaitList::new()),
        }
    }

    /// A semaphore that is already closed, with no permits.
    pub(crate) fn new_closed() -> Self {
        Semaphore {
            state: AtomicUsize::new(CLOSED),
            waiters: Mutex::new(WaitList::new()),
        }
    }

    /// `new_closed` usable in constants.
    #[cfg(not(loom))]
    pub(crate) const fn const_new_closed() -> Self {
        Semaphore {
            state: AtomicUsize::new(CLOSED),
            waiters: Mutex::new(WaitList::new()),
        }
    }

    /// Permits free right now.
    pub(crate) fn available_permits(&self) -> usize {
        self.state.load(Acquire) >> PERMIT_SHIFT
    }

    /// True once [`close`](Self::close) has been called.
    pub(crate) fn is_closed(&self) -> bool {
        self.state.load(Acquire) & CLOSED != 0
    }

    /// Takes `n` permits if they are free and nobody is queued.
    pub(crate) fn try_acquire(&self, n: usize) -> Result<(), TryAcquireError> {
        assert!(n <= Self::MAX_PERMITS, "requested more than MAX_PERMITS");
        let mut cur = self.state.load(Acquire);
        loop {
            if cur & CLOSED != 0 {
                return Err(TryAcquireError::Closed);
            }
            if cur & WAITERS != 0 && n > 0 || (cur >> PERMIT_SHIFT) < n {
                return Err(TryAcquireError::NoPermits);
            }
            match self
                .state
                .compare_exchange_weak(cur, cur - (n << PERMIT_SHIFT), AcqRel, Acquire)
            {
                Ok(_) => return Ok(()),
                Err(actual) => cur = actual,
            }
        }
    }

    /// Removes up to `n` free permits for good; returns how many were removed.
    pub(crate) fn forget_permits(&self, n: usize) -> usize {
        let mut cur = self.state.load(Acquire);
        loop {
            let take = (cur >> PERMIT_SHIFT).min(n);
            if take == 0 {
                return 0;
            }
            match self.state.compare_exchange_weak(
                cur,
                cur - (take << PERMIT_SHIFT),
                AcqRel,
                Acquire,
            ) {
                Ok(_) => return take,
                Err(actual) => cur = actual,
            }
        }
    }

    /// Gives `n` permits back (or adds new ones), serving queued waiters first.
    pub(crate) fn release(&self, n: usize) {
        if n == 0 {
            return;
        }
        let mut cur = self.state.load(Acquire);
        while cur & WAITERS == 0 {
            assert!(
                (cur >> PERMIT_SHIFT).saturating_add(n) <= Self::MAX_PERMITS,
                "a semaphore may not have more than MAX_PERMITS permits"
            );
            let next = cur + (n << PERMIT_SHIFT);
            match self.state.compare_exchange_weak(cur, next, AcqRel, Acquire) {
                Ok(_) => return,
                Err(actual) => cur = actual,
            }
        }
        self.release_locked(n, self.waiters.lock());
    }

    /// Hands `n` permits to queued waiters in order; the remainder, once the queue is empty, goes to the
    /// state word. Also clears `WAITERS` if the queue is (or becomes) empty, so callers that just
    /// unlinked a waiter pass `n = 0` to restore the invariant.
    fn release_locked<'a>(
        &'a self,
        mut n: usize,
        mut list: super::LockGuard<'a, WaitList<Waiter>>,
    ) {
        let mut wakers = WakeList::new();
        loop {
            while let Some(key) = list.front() {
                if n == 0 || !wakers.can_push() {
                    break;
                }
                let w = list.get_mut(key);
                let give = w.remaining.min(n);
                w.remaining -= give;
                n -= give;
                if w.remaining == 0 {
                    let w = list.release(key);
                    // SAFETY: under the waiter lock, the entry was live until just now (its owner
                    // had not removed it), and this is its only outcome.
                    unsafe { w.signal.set(GRANTED) };
                    if let Some(waker) = w.waker {
                        wakers.push(waker);
                    }
                }
            }
            if list.is_empty() {
                // Nobody is waiting: the rest is free for the taking.
                let mut cur = self.state.load(Acquire);
                loop {
                    assert!(
                        (cur >> PERMIT_SHIFT).saturating_add(n) <= Self::MAX_PERMITS,
                        "a semaphore may not have more than MAX_PERMITS permits"
                    );
                    let next = (cur & !WAITERS) + (n << PERMIT_SHIFT);
                    match self.state.compare_exchange_weak(cur, next, AcqRel, Acquire) {
                        Ok(_) => break,
                        Err(actual) => cur = actual,
                    }
                }
                n = 0;
            }
            drop(list);
            wakers.wake_all();
            if n == 0 {
                return;
            }
            // The wake list filled up before the permits ran out: go round again.
            list = self.waiters.lock();
        }
    }

    /// Closes the semaphore: pending and future acquires fail. Permits can still be released.
    pub(crate) fn close(&self) {
        let mut list = self.waiters.lock();
        self.state.fetch_or(CLOSED, AcqRel);
        let mut wakers = WakeList::new();
        loop {
            while wakers.can_push() {
                let Some(key) = list.front() else { break };
                let w = list.release(key);
                let assigned = w.requested - w.remaining;
                // SAFETY: under the waiter lock, the entry was live until just now; its only outcome.
                unsafe { w.signal.set(assigned << OUTCOME_BITS | CLOSED_OUT) };
                if let Some(waker) = w.waker {
                    wakers.push(waker);
                }
            }
            let done = list.is_empty();
            if done {
                self.state.fetch_and(!WAITERS, AcqRel);
            }
            drop(list);
            wakers.wake_all();
            if done {
                return;
            }
            list = self.waiters.lock();
        }
    }

    /// Drives an acquire of `n` permits. `slot` is the caller's waiter key, kept between polls
    /// while queued; `signal` is the caller's pinned outcome cell. On `Ready` the slot is empty again.
    fn poll_acquire(
        &self,
        cx: &mut Context<'_>,
        n: usize,
        slot: &mut Option<Key>,
        signal: Pin<&Signal>,
    ) -> Poll<Result<(), Closed>> {
        if let Some(key) = *slot {
            // Served already? The server stored the outcome last thing: no lock needed to read it.
            if let Some(res) = self.served(n, slot, signal.get()) {
                return Poll::Ready(res);
            }
            let mut list = self.waiters.lock();
            // Outcomes are stored under the lock: checked again, it cannot change under us.
            if signal.get() != PENDING {
                drop(list);
                return Poll::Ready(self.served(n, slot, signal.get()).expect("served"));
            }
            let w = list.get_mut(key);
            let old = match &mut w.waker {
                Some(old) if old.will_wake(cx.waker()) => None,
                other => other.replace(cx.waker().clone()),
            };
            // Dropping a waker may run arbitrary code: not under the lock.
            drop(list);
            drop(old);
            return Poll::Pending;
        }

        match self.try_acquire(n) {
            Ok(()) => return Poll::Ready(Ok(())),
            Err(TryAcquireError::Closed) => return Poll::Ready(Err(Closed)),
            Err(TryAcquireError::NoPermits) => {}
        }

        let mut list = self.waiters.lock();
        let mut cur = self.state.load(Acquire);
        loop {
            if cur & CLOSED != 0 {
                return Poll::Ready(Err(Closed));
            }
            let free = cur >> PERMIT_SHIFT;
            if cur & WAITERS == 0 && free >= n {
                match self.state.compare_exchange_weak(
                    cur,
                    cur - (n << PERMIT_SHIFT),
                    AcqRel,
                    Acquire,
                ) {
                    Ok(_) => return Poll::Ready(Ok(())),
                    Err(actual) => {
                        cur = actual;
                        continue;
                    }
                }
            }
            // Not enough: take everything that is free and queue for the rest.
            let next = (cur & CLOSED) | WAITERS;
            match self.state.compare_exchange_weak(cur, next, AcqRel, Acquire) {
                Ok(_) => {
                    let key = list.push_back(Waiter {
                        requested: n,
                        remaining: n - free,
                        waker: Some(cx.waker().clone()),
                        // SAFETY: `signal` is pinned inside the `Acquire`, whose destructor removes
                        // this entry under the lock unless a server consumed the handle first.
                        signal: unsafe { signal.get_ref().handle() },
                    });
                    *slot = Some(key);
                    return Poll::Pending;
                }
                Err(actual) => cur = actual,
            }
        }
    }

    /// What a served waiter returns (`None` if `outcome` is still `PENDING`). Empties `slot`: the
    /// server already freed the entry.
    fn served(
        &self,
        n: usize,
        slot: &mut Option<Key>,
        outcome: usize,
    ) -> Option<Result<(), Closed>> {
        match outcome {
            PENDING => None,
            GRANTED => {
                *slot = None;
                if self.is_closed() {
                    // Granted, then closed before the owner saw it: a closed semaphore hands out
                    // nothing, so give the permits back.
                    self.release(n);
                    Some(Err(Closed))
                } else {
                    Some(Ok(()))
                }
            }
            _ => {
                debug_assert_eq!(outcome & OUTCOME_MASK, CLOSED_OUT);
                *slot = None;
                // Closed: give back what had been assigned before.
                self.release(outcome >> OUTCOME_BITS);
                Some(Err(Closed))
            }
        }
    }

    /// Abandons a pending acquire of `n` permits (its future was dropped), returning any permits it
    /// had been given.
    fn cancel(&self, n: usize, slot: &mut Option<Key>, signal: &Signal) {
        let Some(key) = slot.take() else { return };
        let mut outcome = signal.get();
        let mut list = None;
        if outcome == PENDING {
            let guard = self.waiters.lock();
            // Outcomes are stored under the lock: now it is final.
            outcome = signal.get();
            list = Some(guard);
        }
        let give_back = match outcome {
            PENDING => None,
            GRANTED => Some(n),
            closed => Some(closed >> OUTCOME_BITS),
        };
        if let Some(give_back) = give_back {
            // Served: the server freed the entry.
            drop(list);
            return self.release(give_back);
        }
        let mut list = list.expect("locked while pending");
        let w = list.release(key);
        // Even with nothing to give back, the queue may have just become empty: fix `WAITERS`.
        self.release_locked(w.requested - w.remaining, list);
        // `w` (and its waker) is dropped here, after the lock.
    }

    /// Acquires `n` permits, waiting in FIFO order.
    pub(crate) fn acquire(&self, n: usize) -> Acquire<'_> {
        assert!(n <= Self::MAX_PERMITS, "requested more than MAX_PERMITS");
        Acquire {
            sem: self,
            n,
            slot: None,
            signal: Signal::new(),
            held: false,
        }
    }
}

// No user code runs under the waiter lock, so a panic cannot leave the queue half-updated.
impl std::panic::RefUnwindSafe for Semaphore {}
impl std::panic::UnwindSafe for Semaphore {}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("permits", &self.available_permits())
            .field("closed", &self.is_closed())
            .finish()
    }
}

/// Future of [`Semaphore::acquire`]. Dropping it while pending loses no permits.
///
/// Takes part in the cooperative budget the way Tokio's does: the permits are taken (or the place in
/// the queue is) first, and the budget is checked after. A task out of budget so keeps its place in
/// the FIFO order; it holds the permits across the extra yield, and gives them back if dropped then.
#[must_use = "futures do nothing unless polled"]
pub(crate) struct Acquire<'a> {
    sem: &'a Semaphore,
    n: usize,
    /// The queued waiter, while waiting.
    slot: Option<Key>,
    /// Where a server stores the outcome while we are queued. Makes `Acquire` `!Unpin`.
    signal: Signal,
    /// The permits are ours, but the budget ran out before they could be handed over.
    held: bool,
}

impl Future for Acquire<'_> {
    type Output = Result<(), Closed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // SAFETY: nothing is moved out of `this`; `signal` is only used through the pinned
        // reference below, and the other fields are not structurally pinned.
        let this = unsafe { self.get_unchecked_mut() };
        if !this.held {
            // SAFETY: `signal` is a field of the pinned future: it is pinned too.
            let signal = unsafe { Pin::new_unchecked(&this.signal) };
            ready!(this.sem.poll_acquire(cx, this.n, &mut this.slot, signal))?;
            this.held = true;
        }
        let coop = ready!(crate::coop::poll_proceed(cx));
        coop.made_progress();
        this.held = false;
        Poll::Ready(Ok(()))
    }
}

impl Drop for Acquire<'_> {
    fn drop(&mut self) {
        if self.held {
            self.sem.release(self.n);
        } else {
            self.sem.cancel(self.n, &mut self.slot, &self.signal);
        }
    }
}

impl fmt::Debug for Acquire<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Acquire").field("n", &self.n).finish()
    }
}

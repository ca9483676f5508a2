//! One timer entry: the part of a `Sleep` the wheel links, and the protocol between its owner and the
//! driver.
//!
//! The entry lives inside the pinned `Sleep` ([`TimerEntry`]); the wheel links it in place by pointer
//! ([`TimerShared`]), so a timer costs no allocation. Two parties touch it:
//!
//! - the **owner** (whoever holds the `Sleep`): files it, polls it, resets it, drops it;
//! - the **driver** (any thread that runs `process` or `shutdown`): fires it.
//!
//! What each part is guarded by:
//!
//! - the [`Node`] (list links, slot) only under the driver's wheel lock;
//! - the deadline word (the tick the timer is due, or [`FIRING`]) is atomic; see "Pushing the deadline
//!   later" below;
//! - the state word ([`FIRED`], [`RELEASED`]) is atomic: the driver sets it under the lock, the owner
//!   reads it without the lock and clears it only under the lock, when it files the entry again;
//! - the waker slot is an `AtomicWaker`: the owner registers without the lock, the driver takes.
//!
//! Firing, by the driver, under the lock: unlink, set `FIRED`, take the waker, set `RELEASED`; wake
//! after unlocking. `RELEASED` is the driver's last touch of the entry: an owner that sees it (Acquire)
//! knows the driver holds no pointer to the entry and is done with it.
//!
//! Polling, by the owner: file the entry if it is not filed; if `FIRED`, ready; else register the waker
//! and check `FIRED` again (a fire between the two either sees the new waker or is seen by the check).
//!
//! Pushing the deadline later, by the owner, without the lock (an idle timeout reset on every message):
//! if the entry is filed and its deadline word holds a tick no later than the new one, a compare-exchange
//! raises the word and the entry stays in its slot, which is now early. The driver, under the lock,
//! decides to fire an entry whose slot came due with a compare-exchange of the word from a due tick to
//! [`FIRING`]; if the word holds a later tick, it files the entry again at that tick instead. So an
//! entry sits in a slot at or before its deadline, never after, and the two compare-exchanges order a
//! push against a fire: either the push lands first and the driver sees the new tick, or the fire does
//! and the push fails on `FIRING` and takes the lock (filing the entry again, as for any reset). Every
//! other change of the word (filing, firing) is made under the lock.
//!
//! Dropping or deregistering, by the owner: if the entry was never filed, or the driver `RELEASED` it,
//! nothing to do; otherwise take the lock and unlink it if it is still linked. Because the driver only
//! touches entries under that same lock, and a fire completes within one lock hold, the memory can go
//! once the owner releases the lock. So a drop racing a fire on another thread is safe.

use super::driver::Handle;
use super::Instant;
use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::{AtomicU64, AtomicUsize, Ordering::*};
use crate::util::atomic_waker::AtomicWaker;
use std::marker::PhantomPinned;
use std::pin::Pin;
use std::ptr::NonNull;
use std::task::{Context, Poll, Waker};

/// Set when the timer fired: its deadline passed, or the driver shut down. Set by the driver under the
/// wheel lock; cleared only by the owner, under the lock, when it files the entry again.
pub(super) const FIRED: usize = 0b01;
/// Set after `FIRED`, as the driver's last access to the entry: from then on the driver has no pointer
/// to it, and the owner may drop it without taking the lock.
pub(super) const RELEASED: usize = 0b10;

/// The `slot` of a [`Node`] that is in no wheel slot.
pub(super) const NOT_QUEUED: u32 = u32::MAX;

/// The deadline word of an entry the driver has decided to fire (or fired): no deadline can be pushed
/// past it without the lock. Far above the largest tick (`wheel::MAX_TICK`).
pub(super) const FIRING: u64 = u64::MAX;

/// The wheel's part of an entry. Guarded by the wheel lock.
#[derive(Debug)]
pub(super) struct Node {
    pub(super) prev: Option<NonNull<TimerShared>>,
    pub(super) next: Option<NonNull<TimerShared>>,
    /// `level * 64 + slot` of the list the entry is in, or [`NOT_QUEUED`].
    pub(super) slot: u32,
}

/// The part of a timer the driver reaches by pointer. Pinned: its address is in the wheel while it is
/// filed.
#[derive(Debug)]
pub(super) struct TimerShared {
    node: UnsafeCell<Node>,
    /// The tick the timer is due at, in ticks of the driver, or [`FIRING`]. Written under the wheel lock,
    /// except that the owner may raise a tick without it (see the module docs).
    deadline: AtomicU64,
    state: AtomicUsize,
    waker: AtomicWaker,
    /// Under loom only: read by the driver at its last touch of the entry and written when the owner
    /// drops it, so that loom reports a drop that could overlap the driver's use.
    #[cfg(loom)]
    liveness: UnsafeCell<()>,
    _pinned: PhantomPinned,
}

// SAFETY: the node is only accessed under the wheel lock (or by the owner alone while the entry is in no
// wheel); the state is atomic and the waker slot is thread-safe. The pointers inside are links between
// entries that obey the same rule.
unsafe impl Send for TimerShared {}
// SAFETY: as above.
unsafe impl Sync for TimerShared {}

impl TimerShared {
    pub(super) fn new() -> TimerShared {
        TimerShared {
            node: UnsafeCell::new(Node {
                prev: None,
                next: None,
                slot: NOT_QUEUED,
            }),
            deadline: AtomicU64::new(0),
            state: AtomicUsize::new(0),
            waker: AtomicWaker::new(),
            #[cfg(loom)]
            liveness: UnsafeCell::new(()),
            _pinned: PhantomPinned,
        }
    }

    /// Runs `f` on the node.
    ///
    /// # Safety
    /// The caller holds the lock of the wheel the entry is filed with, or the entry is filed with none
    /// and the caller is its owner.
    pub(super) unsafe fn with_node<R>(&self, f: impl FnOnce(&mut Node) -> R) -> R {
        // SAFETY: the caller's lock (or sole ownership) makes this access exclusive.
        self.node.with_mut(|node| f(unsafe { &mut *node }))
    }

    /// The tick the entry is due at, or [`FIRING`].
    pub(super) fn deadline(&self) -> u64 {
        self.deadline.load(Acquire)
    }

    /// Sets the deadline tick of an entry being filed. Called under the wheel lock, by the wheel.
    pub(super) fn set_deadline(&self, when: u64) {
        self.deadline.store(when, Release);
    }

    /// The driver's decision for a filed entry whose slot came due at tick `now`: `Ok` if its deadline
    /// has passed (the word is now [`FIRING`] and the caller must fire it), or `Err(tick)` with the later
    /// deadline the owner pushed it to, where the caller files it again. Called under the wheel lock.
    pub(super) fn claim_if_due(&self, now: u64) -> Result<(), u64> {
        let mut cur = self.deadline.load(Acquire);
        loop {
            debug_assert_ne!(cur, FIRING, "a filed entry is not firing");
            if cur > now {
                return Err(cur);
            }
            match self
                .deadline
                .compare_exchange_weak(cur, FIRING, AcqRel, Acquire)
            {
                Ok(_) => return Ok(()),
                Err(actual) => cur = actual,
            }
        }
    }

    /// The owner's lock-free reset: moves the deadline of a filed, unfired entry to the later (or same)
    /// tick `when`, leaving it in its slot. False if the entry is firing or fired, or `when` is earlier
    /// than its deadline; the caller then files it again under the lock. Only the owner calls this.
    fn try_push_later(&self, when: u64) -> bool {
        let cur = self.deadline.load(Acquire);
        if cur == FIRING || when < cur {
            return false;
        }
        // Same tick: nothing to move. A fire racing this call fires at that very tick, which is the
        // new deadline's too.
        when == cur
            || self
                .deadline
                .compare_exchange(cur, when, AcqRel, Acquire)
                .is_ok()
    }

    /// True once fired.
    pub(super) fn is_fired(&self) -> bool {
        self.state.load(Acquire) & FIRED != 0
    }

    /// Clears the state before the entry is filed again. Called under the wheel lock, with the entry
    /// out of the wheel.
    pub(super) fn set_pending(&self) {
        self.state.store(0, Relaxed);
    }

    /// Fires the entry and returns its waker for the caller to wake after unlocking. Called under the
    /// wheel lock, with the entry just taken out of the wheel; the entry must not be touched after.
    pub(super) fn fire(&self) -> Option<Waker> {
        self.deadline.store(FIRING, Release);
        self.state.store(FIRED, Release);
        let waker = self.waker.take();
        #[cfg(loom)]
        self.liveness.with(|_| ());
        self.state.store(FIRED | RELEASED, Release);
        waker
    }
}

/// A timer as its owner holds it: the driver it is filed with, and the shared part.
#[derive(Debug)]
pub(super) struct TimerEntry {
    handle: Handle,
    /// True while the driver may hold a pointer to `shared` (filed, and not seen `RELEASED`). Owner-only.
    registered: bool,
    shared: TimerShared,
}

impl TimerEntry {
    /// An unfiled timer for the driver behind `handle`.
    pub(super) fn new(handle: Handle) -> TimerEntry {
        TimerEntry {
            handle,
            registered: false,
            shared: TimerShared::new(),
        }
    }

    /// True if the timer was filed and has fired since.
    #[inline]
    pub(super) fn is_elapsed(&self) -> bool {
        self.registered && self.shared.is_fired()
    }

    fn project(self: Pin<&mut Self>) -> &mut TimerEntry {
        // SAFETY: callers only use the returned reference in place; nothing moves `shared` out.
        unsafe { self.get_unchecked_mut() }
    }

    /// Files the timer to fire at `deadline`, taking it out of the wheel first if it is in; clears a
    /// previous fire. Fires at once (waking the registered waker) if the deadline already passed.
    ///
    /// A filed, unfired timer pushed to a later deadline stays where it is, without the lock (see the
    /// module docs); the thread parked on the driver need not hear of it, as it only wakes earlier.
    pub(super) fn reset(self: Pin<&mut Self>, deadline: Instant) {
        let this = self.project();
        let when = this.handle.deadline_to_tick(deadline);
        if this.registered && this.shared.try_push_later(when) {
            return;
        }
        // SAFETY: `shared` is pinned inside this entry; it stays put until `drop`, which takes it out of
        // the wheel (`cancel`) before the memory goes.
        unsafe { this.handle.register(NonNull::from(&this.shared), when) };
        this.registered = true;
    }

    /// Takes the timer out of the wheel without firing it; the next poll files it again.
    pub(super) fn deregister(self: Pin<&mut Self>) {
        self.project().cancel();
    }

    /// Polls for the deadline, filing the timer at `deadline` first if it is not filed.
    ///
    /// # Panics
    /// If the driver has shut down.
    pub(super) fn poll_elapsed(
        mut self: Pin<&mut Self>,
        deadline: Instant,
        cx: &mut Context<'_>,
    ) -> Poll<()> {
        assert!(
            !self.handle.is_shutdown(),
            "An eddy context was found, but it is being shutdown."
        );
        if !self.registered {
            self.as_mut().reset(deadline);
        }
        let shared = &self.shared;
        if shared.is_fired() {
            return Poll::Ready(());
        }
        shared.waker.register_by_ref(cx.waker());
        if shared.is_fired() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }

    /// Makes sure the driver holds no pointer to `shared`.
    fn cancel(&mut self) {
        if !self.registered {
            return;
        }
        if self.shared.state.load(Acquire) & RELEASED == 0 {
            // SAFETY: `shared` is filed with this handle's driver (or already out of its wheel), and is
            // live: we are its owner and have not let it go.
            unsafe { self.handle.deregister(NonNull::from(&self.shared)) };
        }
        self.registered = false;
    }
}

impl Drop for TimerEntry {
    fn drop(&mut self) {
        self.cancel();
        #[cfg(loom)]
        self.shared.liveness.with_mut(|_| ());
    }
}

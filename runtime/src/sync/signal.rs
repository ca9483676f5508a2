//! `Signal`: the outcome cell a queued waiter keeps inside its own pinned future.
//!
//! A waiter in a [`WaitList`](super::wait_list::WaitList) is served under the primitive's lock (a
//! semaphore grants it permits, a `Notify` notifies it). If the outcome were kept only in the list
//! entry, the woken task would have to take that lock again just to read it, and a burst of wake-ups
//! would all queue on the lock the server is still holding. Instead the future carries a `Signal`,
//! the entry carries a [`SignalHandle`] pointing at it, and the server stores the outcome there
//! (Release) as the very last thing it does with the waiter; the woken task reads it with one
//! Acquire load and no lock.
//!
//! The server frees the list entry when it serves the waiter, so the entry never outlives the need
//! for it. The handle stays valid because the future is pinned while queued and its destructor
//! takes the lock and removes a still-queued entry before the memory goes away; once the outcome is
//! stored, the server never touches the future again.

use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};
use std::marker::PhantomPinned;
use std::ptr::NonNull;

/// The value of a [`Signal`] until its waiter is served.
pub(crate) const PENDING: usize = 0;

/// The outcome cell, a field of a pinned future. `!Unpin`: its address is handed out.
#[derive(Debug)]
pub(crate) struct Signal {
    state: AtomicUsize,
    _pin: PhantomPinned,
}

impl Signal {
    /// A cell reading [`PENDING`].
    pub(crate) fn new() -> Signal {
        Signal {
            state: AtomicUsize::new(PENDING),
            _pin: PhantomPinned,
        }
    }

    /// The outcome stored by the server, or [`PENDING`]. Acquire: whatever the server did before
    /// storing it (releasing permits, publishing data) is visible.
    pub(crate) fn get(&self) -> usize {
        self.state.load(Acquire)
    }

    /// A handle for the list entry.
    ///
    /// # Safety
    ///
    /// `self` must be pinned and must stay at this address until no handle can be used any more:
    /// the owner removes its entry (under the list's lock) before it is dropped, unless the server
    /// already consumed the handle.
    pub(crate) unsafe fn handle(&self) -> SignalHandle {
        SignalHandle(NonNull::from(&self.state))
    }
}

/// The server's side of a [`Signal`], stored in the waiter's list entry.
#[derive(Debug)]
pub(crate) struct SignalHandle(NonNull<AtomicUsize>);

// SAFETY: the handle is a pointer to an atomic; it is only dereferenced (by `set`) under the lock
// that guards the entry holding it, while the owning future keeps the atomic alive (see `handle`).
// Which thread does that does not matter.
unsafe impl Send for SignalHandle {}

impl SignalHandle {
    /// Stores the outcome (not [`PENDING`]) with Release. Consumes the handle: afterwards the owner
    /// may read the outcome, return and free its memory at any moment.
    ///
    /// # Safety
    ///
    /// Called under the lock of the list whose entry held this handle, while that entry was still
    /// live (so the owner has not been dropped), and at most once per waiter.
    pub(crate) unsafe fn set(self, outcome: usize) {
        debug_assert_ne!(outcome, PENDING);
        // SAFETY: per the contract, the owning future is alive and pinned: its destructor would
        // first have removed the entry under the lock we hold.
        unsafe { self.0.as_ref() }.store(outcome, Release);
    }
}

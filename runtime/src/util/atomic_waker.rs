//! `AtomicWaker`: one waker slot that one party fills and another fires, without a lock.
//!
//! Used where exactly one task waits for an event raised by any thread (a `JoinHandle` waiting for its
//! task, a `LocalSet` waiting for remote wakes, an `mpsc` receiver). Protocol, on one word of three
//! bits, `REGISTERING`, `WAKING` and `STORED` (the cell holds a waker):
//!
//! - `register(w)`: move `IDLE` or `STORED` to `REGISTERING`, store the waker, move to `STORED`. If a
//!   `wake` arrived meanwhile (the word became `REGISTERING | WAKING`), take the waker back out and
//!   wake it at once, so the event is not lost.
//! - `wake()`: set `WAKING`; if neither `REGISTERING` nor `WAKING` was set, take the waker, clear the
//!   word to `IDLE`, then wake. If a register was in progress, that registration will see `WAKING`
//!   and do the wake itself.
//! - [`wake_seq_cst`](AtomicWaker::wake_seq_cst): for an event published with a `SeqCst`
//!   read-modify-write and re-checked by the registrant with `SeqCst` loads. A plain load that finds
//!   `IDLE` (no waker, nobody registering) ends it; otherwise it is `wake()`. A channel's sender calls
//!   it after every message, and the receiver has usually not registered: the two read-modify-writes
//!   of `wake()` (a `lock`ed instruction each on x86) were a quarter of an uncontended send and
//!   receive.
//!
//! The caller's contract is the usual one: register, then check the condition again before returning
//! `Pending`.

use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};
use std::task::Waker;

const IDLE: usize = 0;
const REGISTERING: usize = 0b01;
const WAKING: usize = 0b10;
/// The cell holds a waker (set when a registration ends, cleared by the wake that takes it).
const STORED: usize = 0b100;

/// A waker slot shared between one registering task and any number of waking threads.
pub(crate) struct AtomicWaker {
    state: AtomicUsize,
    waker: UnsafeCell<Option<Waker>>,
}

// SAFETY: the waker cell is only touched by the thread that moved the state out of IDLE or STORED
// (to REGISTERING for register, to WAKING for take), so accesses are exclusive; `Waker` itself is
// Send + Sync.
unsafe impl Send for AtomicWaker {}
// SAFETY: as above.
unsafe impl Sync for AtomicWaker {}

impl AtomicWaker {
    pub(crate) fn new() -> AtomicWaker {
        AtomicWaker {
            state: AtomicUsize::new(IDLE),
            waker: UnsafeCell::new(None),
        }
    }

    /// Stores `waker` to be woken by the next [`wake`](Self::wake).
    pub(crate) fn register_by_ref(&self, waker: &Waker) {
        // `SeqCst` on both exchanges: `wake_seq_cst` decides with a load that nobody is registered,
        // and that is sound only if this registration and the registrant's re-check of the event are
        // in the same total order as the waker's publication and load (see `wake_seq_cst`).
        let mut expected = IDLE;
        loop {
            match self
                .state
                .compare_exchange(expected, REGISTERING, SeqCst, Acquire)
            {
                Ok(_) => break,
                // Nobody else is in the cell (it holds a waker or not): try again from that state.
                Err(actual) if actual & (REGISTERING | WAKING) == 0 => expected = actual,
                Err(actual) if actual & WAKING != 0 => {
                    // A wake is in progress right now; it may have missed this waker, so wake it
                    // directly.
                    waker.wake_by_ref();
                    crate::loom::spin_loop();
                    return;
                }
                Err(_) => {
                    // Another register is in progress on the same slot: the caller broke the
                    // one-registrant contract; waking is the safe answer.
                    waker.wake_by_ref();
                    return;
                }
            }
        }
        // SAFETY: we moved the state to REGISTERING, which excludes every other access to the cell
        // until we leave it.
        let old = self.waker.with_mut(|w| unsafe {
            match &mut *w {
                Some(prev) if prev.will_wake(waker) => None,
                slot => slot.replace(waker.clone()),
            }
        });
        match self
            .state
            .compare_exchange(REGISTERING, STORED, SeqCst, Acquire)
        {
            Ok(_) => drop(old),
            Err(_) => {
                // A wake came in while we were storing: the state is REGISTERING | WAKING and the
                // waker is still ours to take. Take it, reset, and wake it now.
                // SAFETY: the waking thread saw REGISTERING and left the cell alone.
                let w = self.waker.with_mut(|w| unsafe { (*w).take() });
                self.state.swap(IDLE, AcqRel);
                drop(old);
                if let Some(w) = w {
                    w.wake();
                }
            }
        }
        // Under loom, `SeqCst` accesses are modelled as acquire/release only; this fence gives the
        // model the store-buffering guarantee that `wake_seq_cst` relies on (real builds need none).
        #[cfg(loom)]
        crate::loom::sync::atomic::fence(SeqCst);
    }

    /// Takes the stored waker, if any, for the caller to wake.
    pub(crate) fn take(&self) -> Option<Waker> {
        match self.state.fetch_or(WAKING, AcqRel) {
            IDLE | STORED => {
                // SAFETY: we set WAKING while neither REGISTERING nor WAKING was set: nobody else
                // touches the cell until we clear it.
                let w = self.waker.with_mut(|w| unsafe { (*w).take() });
                self.state.fetch_and(!(WAKING | STORED), Release);
                w
            }
            _ => {
                // A register is in progress (it will see WAKING and wake), or another wake is.
                None
            }
        }
    }

    /// Wakes the stored waker, if any.
    pub(crate) fn wake(&self) {
        if let Some(w) = self.take() {
            w.wake();
        }
    }

    /// [`wake`](Self::wake), but a single load when no waker is stored and no registration is under
    /// way.
    ///
    /// Sound only if the caller published its event with a `SeqCst` read-modify-write before this
    /// call, and the registrant, after [`register_by_ref`](Self::register_by_ref), re-checks the event
    /// with `SeqCst` loads. Then the four accesses are in one total order: either this load comes
    /// after the registration (it sees `STORED` or `REGISTERING` and wakes), or the registrant's
    /// re-check comes after the publication and sees the event (the store-buffering outcome, where
    /// both miss, is what `SeqCst` rules out). A registration whose waker another wake already took
    /// reads `IDLE` too; that wake is the registrant's.
    pub(crate) fn wake_seq_cst(&self) {
        #[cfg(loom)]
        crate::loom::sync::atomic::fence(SeqCst);
        if self.state.load(SeqCst) == IDLE {
            return;
        }
        self.wake();
    }
}

impl std::fmt::Debug for AtomicWaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AtomicWaker")
    }
}

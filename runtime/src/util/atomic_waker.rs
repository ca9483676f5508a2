//! `AtomicWaker`: one waker slot that one party fills and another fires, without a lock.
//!
//! Used where exactly one task waits for an event raised by any thread (a `JoinHandle` waiting for its
//! task, a `LocalSet` waiting for remote wakes). Protocol, on a three-state word:
//!
//! - `register(w)`: move `IDLE → REGISTERING`, store the waker, move back to `IDLE`. If a `wake` arrived
//!   meanwhile (the word became `REGISTERING | WAKING`), take the waker back out and wake it at once, so the
//!   event is not lost.
//! - `wake()`: set `WAKING`; if the word was `IDLE`, take the waker and clear `WAKING`, then wake. If a
//!   register was in progress, that registration will see `WAKING` and do the wake itself.
//!
//! The caller's contract is the usual one: register, then check the condition again before returning
//! `Pending`.

use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};
use std::task::Waker;

const IDLE: usize = 0;
const REGISTERING: usize = 0b01;
const WAKING: usize = 0b10;

/// A waker slot shared between one registering task and any number of waking threads.
pub(crate) struct AtomicWaker {
    state: AtomicUsize,
    waker: UnsafeCell<Option<Waker>>,
}

// SAFETY: the waker cell is only touched by the thread that moved the state out of IDLE (REGISTERING
// for register, WAKING for take), so accesses are exclusive; `Waker` itself is Send + Sync.
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
        match self
            .state
            .compare_exchange(IDLE, REGISTERING, Acquire, Acquire)
        {
            Ok(_) => {
                // SAFETY: we moved the state to REGISTERING, which excludes every other access to the
                // cell until we leave it.
                let old = self.waker.with_mut(|w| unsafe {
                    match &mut *w {
                        Some(prev) if prev.will_wake(waker) => None,
                        slot => slot.replace(waker.clone()),
                    }
                });
                match self
                    .state
                    .compare_exchange(REGISTERING, IDLE, AcqRel, Acquire)
                {
                    Ok(_) => drop(old),
                    Err(_) => {
                        // A wake came in while we were storing: the state is REGISTERING | WAKING and
                        // the waker is still ours to take. Take it, reset, and wake it now.
                        // SAFETY: the waking thread saw REGISTERING and left the cell alone.
                        let w = self.waker.with_mut(|w| unsafe { (*w).take() });
                        self.state.swap(IDLE, AcqRel);
                        drop(old);
                        if let Some(w) = w {
                            w.wake();
                        }
                    }
                }
            }
            Err(WAKING) => {
                // A wake is in progress right now; it may have missed this waker, so wake it directly.
                waker.wake_by_ref();
                crate::loom::spin_loop();
            }
            Err(_) => {
                // Another register is in progress on the same slot: the caller broke the one-registrant
                // contract (or a concurrent wake is mid-flight); waking is the safe answer.
                waker.wake_by_ref();
            }
        }
    }

    /// Takes the stored waker, if any, for the caller to wake.
    pub(crate) fn take(&self) -> Option<Waker> {
        match self.state.fetch_or(WAKING, AcqRel) {
            IDLE => {
                // SAFETY: we moved the state from IDLE to WAKING: nobody else touches the cell.
                let w = self.waker.with_mut(|w| unsafe { (*w).take() });
                self.state.fetch_and(!WAKING, Release);
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
}

impl std::fmt::Debug for AtomicWaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AtomicWaker")
    }
}

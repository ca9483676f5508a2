//! The task state word: lifecycle bits and the reference count, packed into one `AtomicUsize`.
//!
//! Every transition of a task is one compare-and-swap (or one `fetch_*`) on this word, so the flags
//! and the count are always observed together. The bits:
//!
//! | bit | name | set while |
//! |---|---|---|
//! | 0 | `RUNNING` | a thread holds the right to touch the future (polling it, or cancelling it) |
//! | 1 | `COMPLETE` | the future is gone; the stage holds the output (or nothing) |
//! | 2 | `NOTIFIED` | a `Notified` reference sits (or is about to sit) in a run queue, or, while `RUNNING`, a wake arrived during the poll |
//! | 3 | `CANCELLED` | abort or shutdown asked the task to stop; the next holder of `RUNNING` drops the future |
//! | 4 | `JOIN_INTEREST` | a `JoinHandle` exists and may still read the output |
//! | 6.. | ref count | one per `JoinHandle`, `AbortHandle`, `Waker`, `Notified`, and one held by the owner list |
//!
//! Invariants: `RUNNING` and `COMPLETE` are never set together; once `COMPLETE` is set it stays set and
//! `RUNNING` is never set again; the count reaching zero frees the allocation, which can only happen after
//! `COMPLETE` (the owner list keeps a reference until then).

use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};

/// Set while a thread has exclusive access to the future.
const RUNNING: usize = 0b0_0001;
/// Set once the future has been dropped (completed, panicked or cancelled).
const COMPLETE: usize = 0b0_0010;
/// Set while the task is scheduled (or must be rescheduled after the current poll).
const NOTIFIED: usize = 0b0_0100;
/// Set when the task was asked to stop.
const CANCELLED: usize = 0b0_1000;
/// Set while a `JoinHandle` may read the output.
const JOIN_INTEREST: usize = 0b1_0000;

const REF_SHIFT: usize = 6;
/// One reference in the packed count.
const REF_ONE: usize = 1 << REF_SHIFT;

/// A new task: scheduled, wanted by its `JoinHandle`, with three references (owner list, `JoinHandle`,
/// the first `Notified`).
const INITIAL: usize = NOTIFIED | JOIN_INTEREST | (3 * REF_ONE);

/// The state word.
pub(crate) struct State(AtomicUsize);

/// A copy of the word at one instant.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Snapshot(usize);

impl Snapshot {
    pub(crate) fn is_running(self) -> bool {
        self.0 & RUNNING != 0
    }
    pub(crate) fn is_complete(self) -> bool {
        self.0 & COMPLETE != 0
    }
    pub(crate) fn is_notified(self) -> bool {
        self.0 & NOTIFIED != 0
    }
    pub(crate) fn is_cancelled(self) -> bool {
        self.0 & CANCELLED != 0
    }
    pub(crate) fn is_join_interested(self) -> bool {
        self.0 & JOIN_INTEREST != 0
    }
    pub(crate) fn ref_count(self) -> usize {
        self.0 >> REF_SHIFT
    }
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("running", &self.is_running())
            .field("complete", &self.is_complete())
            .field("notified", &self.is_notified())
            .field("cancelled", &self.is_cancelled())
            .field("join_interest", &self.is_join_interested())
            .field("refs", &self.ref_count())
            .finish()
    }
}

/// What the thread that popped a task from a queue may do with it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToRunning {
    /// Poll the future.
    Poll,
    /// Drop the future: the task was cancelled.
    Cancel,
    /// Someone else owns the future or it is gone; just drop this reference.
    Skip,
}

/// What the poller must do after a `Pending` poll.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToIdle {
    /// Idle; drop the poller's reference.
    Idle,
    /// Woken during the poll: the poller's reference becomes the new `Notified`; schedule it.
    Notified,
    /// Cancelled during the poll: `RUNNING` is still held; cancel now.
    Cancel,
}

/// What a waker must do.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ToNotified {
    /// Nothing more (any reference that had to be dropped has been).
    Nothing,
    /// Push the task to its scheduler, handing over one reference.
    Submit,
    /// The last reference was dropped: free the task.
    Dealloc,
}

#[inline]
fn overflow() -> ! {
    // A reference count this large means a leak of wakers; continuing would risk a use-after-free.
    std::process::abort()
}

impl State {
    pub(crate) fn new() -> State {
        State(AtomicUsize::new(INITIAL))
    }

    pub(crate) fn load(&self) -> Snapshot {
        Snapshot(self.0.load(Acquire))
    }

    /// Runs `f` on the word until its compare-and-swap succeeds; `f` returns the new word (or `None` to
    /// leave it) and a value for the caller.
    #[inline]
    fn update<R>(&self, mut f: impl FnMut(Snapshot) -> (Option<usize>, R)) -> R {
        let mut cur = self.0.load(Acquire);
        loop {
            let (next, out) = f(Snapshot(cur));
            let Some(next) = next else { return out };
            match self.0.compare_exchange_weak(cur, next, AcqRel, Acquire) {
                Ok(_) => return out,
                Err(actual) => cur = actual,
            }
        }
    }

    /// Called by the thread that popped a `Notified` from a queue.
    pub(crate) fn transition_to_running(&self) -> ToRunning {
        self.update(|s| {
            if s.is_running() || s.is_complete() {
                // Only runtime shutdown takes RUNNING from a queued task; it cancels it itself.
                return (None, ToRunning::Skip);
            }
            let next = (s.0 | RUNNING) & !NOTIFIED;
            let out = if s.is_cancelled() {
                ToRunning::Cancel
            } else {
                ToRunning::Poll
            };
            (Some(next), out)
        })
    }

    /// Called by the poller after the future returned `Pending`.
    pub(crate) fn transition_to_idle(&self) -> ToIdle {
        self.update(|s| {
            debug_assert!(s.is_running());
            if s.is_cancelled() {
                return (None, ToIdle::Cancel);
            }
            let next = s.0 & !RUNNING;
            if s.is_notified() {
                (Some(next), ToIdle::Notified)
            } else {
                (Some(next), ToIdle::Idle)
            }
        })
    }

    /// Called by the holder of `RUNNING` once the future is gone; returns the word as it was, whose
    /// `JOIN_INTEREST` says who drops the output.
    pub(crate) fn transition_to_complete(&self) -> Snapshot {
        let prev = Snapshot(self.0.fetch_xor(RUNNING | COMPLETE, AcqRel));
        debug_assert!(prev.is_running() && !prev.is_complete());
        prev
    }

    /// A waker consumed by `wake`: its reference is either handed to the scheduler or dropped.
    pub(crate) fn transition_to_notified_by_val(&self) -> ToNotified {
        self.update(|s| {
            if s.is_running() {
                // The poller will reschedule; our reference goes (the poller holds one, so not the last).
                debug_assert!(s.ref_count() >= 2);
                (Some((s.0 | NOTIFIED) - REF_ONE), ToNotified::Nothing)
            } else if s.is_complete() || s.is_notified() {
                let next = s.0 - REF_ONE;
                let out = if Snapshot(next).ref_count() == 0 {
                    ToNotified::Dealloc
                } else {
                    ToNotified::Nothing
                };
                (Some(next), out)
            } else {
                (Some(s.0 | NOTIFIED), ToNotified::Submit)
            }
        })
    }

    /// `wake_by_ref`: schedules with a new reference if the task is idle.
    pub(crate) fn transition_to_notified_by_ref(&self) -> ToNotified {
        self.update(|s| {
            if s.is_complete() || s.is_notified() {
                (None, ToNotified::Nothing)
            } else if s.is_running() {
                (Some(s.0 | NOTIFIED), ToNotified::Nothing)
            } else {
                if s.0 > usize::MAX / 2 {
                    overflow();
                }
                (Some((s.0 | NOTIFIED) + REF_ONE), ToNotified::Submit)
            }
        })
    }

    /// `abort()`: marks the task cancelled; returns true if the caller must submit it (with a new
    /// reference already counted) so a worker drops the future.
    pub(crate) fn transition_to_notified_and_cancel(&self) -> bool {
        self.update(|s| {
            if s.is_cancelled() || s.is_complete() {
                (None, false)
            } else if s.is_running() {
                // The poller sees CANCELLED after its poll.
                (Some(s.0 | NOTIFIED | CANCELLED), false)
            } else if s.is_notified() {
                // Already queued: the worker that pops it cancels it.
                (Some(s.0 | CANCELLED), false)
            } else {
                if s.0 > usize::MAX / 2 {
                    overflow();
                }
                (Some((s.0 | NOTIFIED | CANCELLED) + REF_ONE), true)
            }
        })
    }

    /// Runtime shutdown: marks the task cancelled and, if nobody is polling it, takes `RUNNING` so the
    /// caller can drop the future right away. Returns true if `RUNNING` was taken.
    pub(crate) fn transition_to_shutdown(&self) -> bool {
        self.update(|s| {
            if s.is_running() || s.is_complete() {
                (Some(s.0 | CANCELLED), false)
            } else {
                (Some(s.0 | CANCELLED | RUNNING), true)
            }
        })
    }

    /// The `JoinHandle` goes away. Returns the word as it was: if `COMPLETE` was set, the output is the
    /// handle's to drop.
    pub(crate) fn unset_join_interest(&self) -> Snapshot {
        Snapshot(self.0.fetch_and(!JOIN_INTEREST, AcqRel))
    }

    pub(crate) fn ref_inc(&self) {
        let prev = self.0.fetch_add(REF_ONE, Relaxed);
        if prev > usize::MAX / 2 {
            overflow();
        }
    }

    /// Drops one reference; true if it was the last.
    pub(crate) fn ref_dec(&self) -> bool {
        let prev = Snapshot(self.0.fetch_sub(REF_ONE, AcqRel));
        debug_assert!(prev.ref_count() >= 1);
        prev.ref_count() == 1
    }

    /// Drops `n` references; true if they were the last.
    pub(crate) fn ref_dec_by(&self, n: usize) -> bool {
        let prev = Snapshot(self.0.fetch_sub(n * REF_ONE, AcqRel));
        debug_assert!(prev.ref_count() >= n);
        prev.ref_count() == n
    }
}

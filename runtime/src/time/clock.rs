//! The runtime's clock: real time, or frozen and moved by hand for tests.
//!
//! A clock reads `base + (time since unfrozen)` while it runs and `base` while it is frozen. `pause`
//! folds the running time into `base` and stops; `advance(d)` adds `d` to `base`; `resume` starts
//! running again from `base`. So time never goes backwards across pause and resume.
//!
//! Reading the clock takes a lock only if some clock in the process was ever paused: until then
//! [`Clock::now`] is `std::time::Instant::now()`, which is what an unpaused clock reads anyway. The
//! shortcut: one global flag, so a paused clock in one test makes every other runtime's clock take the
//! (uncontended, short) lock too.

use crate::loom::sync::{Arc, Mutex};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// Set once any clock has been paused; until then every clock reads real time without a lock.
static ANY_CLOCK_PAUSED: AtomicBool = AtomicBool::new(false);

/// True if some clock in the process was ever paused (so `Instant::now` must ask the runtime).
pub(crate) fn any_clock_paused() -> bool {
    ANY_CLOCK_PAUSED.load(Ordering::Acquire)
}

/// A cloneable handle to one runtime's clock.
#[derive(Clone, Debug)]
pub(crate) struct Clock {
    inner: Arc<Mutex<State>>,
}

#[derive(Debug)]
struct State {
    /// The time the clock reads when frozen; while running, the reading at `unfrozen`.
    base: std::time::Instant,
    /// When the clock last started running; `None` while frozen.
    unfrozen: Option<std::time::Instant>,
    /// Number of reasons (running blocking tasks) not to jump the clock forward when idle.
    auto_advance_inhibit: usize,
}

impl Clock {
    /// A clock reading real time, frozen at once if `start_paused`.
    pub(crate) fn new(start_paused: bool) -> Clock {
        let now = std::time::Instant::now();
        let clock = Clock {
            inner: Arc::new(Mutex::new(State {
                base: now,
                unfrozen: Some(now),
                auto_advance_inhibit: 0,
            })),
        };
        if start_paused {
            clock.pause();
        }
        clock
    }

    /// The current reading.
    pub(crate) fn now(&self) -> std::time::Instant {
        if !any_clock_paused() {
            return std::time::Instant::now();
        }
        let state = self.inner.lock();
        match state.unfrozen {
            Some(unfrozen) => state.base + unfrozen.elapsed(),
            None => state.base,
        }
    }

    /// Freezes the clock.
    ///
    /// # Panics
    /// If it is already frozen.
    #[track_caller]
    pub(crate) fn pause(&self) {
        let mut state = self.inner.lock();
        ANY_CLOCK_PAUSED.store(true, Ordering::Release);
        let Some(unfrozen) = state.unfrozen.take() else {
            drop(state);
            panic!("time is already frozen");
        };
        state.base += unfrozen.elapsed();
    }

    /// Lets the clock run again from where it was frozen.
    ///
    /// # Panics
    /// If it is not frozen.
    #[track_caller]
    pub(crate) fn resume(&self) {
        let mut state = self.inner.lock();
        if state.unfrozen.is_some() {
            drop(state);
            panic!("time is not frozen");
        }
        state.unfrozen = Some(std::time::Instant::now());
    }

    /// Moves a frozen clock forward by `duration`.
    ///
    /// # Panics
    /// If it is not frozen, or if the new reading overflows `std::time::Instant`.
    #[track_caller]
    pub(crate) fn advance(&self, duration: Duration) {
        let mut state = self.inner.lock();
        if state.unfrozen.is_some() {
            drop(state);
            panic!("time is not frozen");
        }
        let Some(base) = state.base.checked_add(duration) else {
            drop(state);
            panic!("overflow when advancing the clock by {duration:?}");
        };
        state.base = base;
    }

    /// Stops an idle runtime from jumping this clock forward until the matching
    /// [`allow_auto_advance`](Self::allow_auto_advance) (a blocking task is running and may still
    /// produce work: Tokio's rule for `spawn_blocking` on a current-thread runtime).
    pub(crate) fn inhibit_auto_advance(&self) {
        self.inner.lock().auto_advance_inhibit += 1;
    }

    /// Undoes one [`inhibit_auto_advance`](Self::inhibit_auto_advance).
    pub(crate) fn allow_auto_advance(&self) {
        let mut state = self.inner.lock();
        state.auto_advance_inhibit = state.auto_advance_inhibit.saturating_sub(1);
    }

    /// True if an idle runtime may jump this clock to its next timer: it is frozen and nothing inhibits.
    pub(crate) fn can_auto_advance(&self) -> bool {
        let state = self.inner.lock();
        state.unfrozen.is_none() && state.auto_advance_inhibit == 0
    }
}

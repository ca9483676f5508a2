//! `Interval`: ticks at a fixed period; `interval`, `interval_at`, and what to do about missed ticks.

use super::{safe_delay, sleep_until, Duration, Instant, Sleep};
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// An interval whose first tick completes at once and the following ones every `period` after.
/// Mirrors `tokio::time::interval`.
///
/// ```
/// # eddy::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// use eddy::time::{interval, Duration};
/// let mut every_10ms = interval(Duration::from_millis(10));
/// every_10ms.tick().await; // at once
/// every_10ms.tick().await; // 10 ms later
/// # });
/// ```
///
/// # Panics
/// If `period` is zero, or if there is no current runtime with timers enabled.
#[track_caller]
pub fn interval(period: Duration) -> Interval {
    assert!(period > Duration::ZERO, "`period` must be non-zero.");
    interval_at(Instant::now(), period)
}

/// An interval whose first tick completes at `start` and the following ones every `period` after.
/// Mirrors `tokio::time::interval_at`.
///
/// # Panics
/// If `period` is zero, or if there is no current runtime with timers enabled.
#[track_caller]
pub fn interval_at(start: Instant, period: Duration) -> Interval {
    assert!(period > Duration::ZERO, "`period` must be non-zero.");
    Interval {
        delay: Box::pin(sleep_until(start)),
        period: safe_delay(period),
        missed_tick_behavior: MissedTickBehavior::default(),
    }
}

/// What an [`Interval`] does when a tick is late (the task was busy past the tick's instant, by more
/// than 5 ms). Mirrors `tokio::time::MissedTickBehavior`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissedTickBehavior {
    /// Catch up: ticks come back to back until the schedule is met again, then keep the original
    /// schedule (`start + n * period`). The default.
    #[default]
    Burst,
    /// Start over: the next tick is one `period` after the late tick was taken; the schedule shifts.
    Delay,
    /// Drop the missed ticks: the next tick is the next instant of the original schedule after now.
    Skip,
}

impl MissedTickBehavior {
    /// The next tick after one due at `due`, taken late at `now`.
    fn next_after_late(self, due: Instant, now: Instant, period: Duration) -> Instant {
        match self {
            MissedTickBehavior::Burst => due + period,
            MissedTickBehavior::Delay => now + period,
            MissedTickBehavior::Skip => {
                let behind = (now - due).as_nanos() % period.as_nanos();
                let behind = u64::try_from(behind)
                    .expect("too much time has elapsed since the interval was supposed to tick");
                now + (period - Duration::from_nanos(behind))
            }
        }
    }
}

/// Ticks at a fixed period, created by [`interval`] or [`interval_at`].
///
/// Also a `futures_core::Stream` of tick instants that never ends (Tokio needs
/// `tokio_stream::wrappers::IntervalStream` for that). Mirrors `tokio::time::Interval`.
#[derive(Debug)]
pub struct Interval {
    /// Completes at the next tick; its deadline is that tick's instant.
    delay: Pin<Box<Sleep>>,
    period: Duration,
    missed_tick_behavior: MissedTickBehavior,
}

impl Interval {
    /// Waits for the next tick and returns the instant it was scheduled for.
    ///
    /// Cancel safe: if the future is dropped before it completes, no tick is consumed.
    pub async fn tick(&mut self) -> Instant {
        poll_fn(|cx| self.poll_tick(cx)).await
    }

    /// Polls for the next tick: its scheduled instant when due, else `Pending` with `cx`'s waker
    /// registered (only the waker of the latest call is woken).
    pub fn poll_tick(&mut self, cx: &mut Context<'_>) -> Poll<Instant> {
        ready!(self.delay.as_mut().poll(cx));
        let due = self.delay.deadline();
        let now = Instant::now();
        let next = if now > due + Duration::from_millis(5) {
            self.missed_tick_behavior
                .next_after_late(due, now, self.period)
        } else {
            due + self.period
        };
        // Filed again only if polled again: an interval nobody polls costs the wheel nothing.
        self.delay.as_mut().reset_without_reregister(next);
        Poll::Ready(due)
    }

    /// Restarts the schedule: the next tick is one `period` from now.
    pub fn reset(&mut self) {
        self.delay.as_mut().reset(Instant::now() + self.period);
    }

    /// Restarts the schedule with a tick right now.
    pub fn reset_immediately(&mut self) {
        self.delay.as_mut().reset(Instant::now());
    }

    /// Restarts the schedule with the next tick `after` from now.
    pub fn reset_after(&mut self, after: Duration) {
        self.delay
            .as_mut()
            .reset(Instant::now() + safe_delay(after));
    }

    /// Restarts the schedule with the next tick at `deadline`.
    pub fn reset_at(&mut self, deadline: Instant) {
        self.delay.as_mut().reset(deadline);
    }

    /// What the interval does about late ticks.
    pub fn missed_tick_behavior(&self) -> MissedTickBehavior {
        self.missed_tick_behavior
    }

    /// Sets what the interval does about late ticks.
    pub fn set_missed_tick_behavior(&mut self, behavior: MissedTickBehavior) {
        self.missed_tick_behavior = behavior;
    }

    /// The time between ticks.
    pub fn period(&self) -> Duration {
        self.period
    }
}

impl futures_core::Stream for Interval {
    type Item = Instant;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Instant>> {
        self.get_mut().poll_tick(cx).map(Some)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (usize::MAX, None)
    }
}

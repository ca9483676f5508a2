//! `Sleep`: a future that completes at a deadline; `sleep` and `sleep_until`.

use super::entry::TimerEntry;
use super::{safe_delay, Duration, Instant};
use crate::coop;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Waits until `deadline`. Mirrors `tokio::time::sleep_until`.
///
/// ```
/// # eddy::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// use eddy::time::{sleep_until, Duration, Instant};
/// sleep_until(Instant::now() + Duration::from_millis(10)).await;
/// # });
/// ```
///
/// # Panics
/// At the call, if there is no current runtime or its timers are disabled; so
/// `rt.block_on(sleep_until(..))` panics, while `rt.block_on(async { sleep_until(..).await })` works.
#[track_caller]
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep::new(deadline)
}

/// Waits for `duration` (at millisecond resolution; durations beyond about 30 years wait about 30
/// years). Mirrors `tokio::time::sleep`.
///
/// ```
/// # eddy::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// use eddy::time::{sleep, Duration};
/// sleep(Duration::from_millis(10)).await;
/// # });
/// ```
///
/// # Panics
/// As [`sleep_until`].
#[track_caller]
pub fn sleep(duration: Duration) -> Sleep {
    Sleep::new(Instant::now() + safe_delay(duration))
}

pin_project_lite::pin_project! {
    /// The future returned by [`sleep`] and [`sleep_until`].
    ///
    /// It is `!Unpin`: pin it (`std::pin::pin!`, `Box::pin`) to poll it by hand or to `reset` it. The
    /// timer lives inside it, so a `Sleep` costs no allocation. Mirrors `tokio::time::Sleep`.
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Sleep {
        deadline: Instant,
        #[pin]
        entry: TimerEntry,
    }
}

impl Sleep {
    #[track_caller]
    pub(crate) fn new(deadline: Instant) -> Sleep {
        Sleep {
            deadline,
            entry: TimerEntry::new(super::current_handle()),
        }
    }

    /// The instant at which this future completes.
    pub fn deadline(&self) -> Instant {
        self.deadline
    }

    /// True if the deadline has passed and the timer fired.
    #[inline]
    pub fn is_elapsed(&self) -> bool {
        self.entry.is_elapsed()
    }

    /// Moves the deadline to `deadline`, whether or not the sleep already completed: it completes again
    /// at the new deadline. The waker of the last poll stays registered.
    pub fn reset(self: Pin<&mut Self>, deadline: Instant) {
        let this = self.project();
        *this.deadline = deadline;
        this.entry.reset(deadline);
    }

    /// Sets a new deadline without filing the timer; the next poll files it. For `Interval`, whose
    /// sleep has just fired and is filed again only if polled again.
    pub(crate) fn reset_without_reregister(self: Pin<&mut Self>, deadline: Instant) {
        let this = self.project();
        *this.deadline = deadline;
        this.entry.deregister();
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let coop = ready!(coop::poll_proceed(cx));
        let this = self.project();
        ready!(this.entry.poll_elapsed(*this.deadline, cx));
        coop.made_progress();
        Poll::Ready(())
    }
}

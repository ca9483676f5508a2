//! `ConnTimer`: the one timer a connection keeps for all its waits (keep-alive, head, write).
//!
//! A connection waits for input once per batch of requests; registering a fresh timer for each
//! wait (and removing it when input came first) was a measurable share of the cost of a request.
//! Instead the connection owns one pinned [`Sleep`] for its whole life and a `wanted` deadline.
//! Moving the deadline later only stores it: the sleep keeps its earlier deadline, and when it
//! fires before `wanted` it is reset to `wanted` (a reset to a later deadline is cheap) and the
//! wait goes on. Moving it earlier resets the sleep at once. So a busy keep-alive connection
//! touches the timer wheel about once per timeout period, not once per request.
//!
//! Polling the sleep on every wait would still cost its waker registration each time. The timer
//! remembers the waker it was last left pending with: until the sleep fires or is reset, the
//! registration stands, so a poll with a waker that wakes the same task only checks the fired bit.

use eddy_runtime::time::{sleep_until, Instant, Sleep};
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};

/// A reusable deadline (see the module docs). The sleep is boxed (once per connection) so that
/// the timer is `Unpin` and can be passed around by `&mut`.
pub(crate) struct ConnTimer {
    sleep: Pin<Box<Sleep>>,
    wanted: Instant,
    /// The waker the sleep was last polled with and left pending, if it has not fired or been
    /// reset since: that waker is still registered with it.
    registered: Option<Waker>,
}

impl ConnTimer {
    /// A timer whose deadline is `deadline`.
    pub(crate) fn new(deadline: Instant) -> ConnTimer {
        ConnTimer {
            sleep: Box::pin(sleep_until(deadline)),
            wanted: deadline,
            registered: None,
        }
    }

    /// Moves the deadline to `deadline` (earlier or later).
    #[inline]
    pub(crate) fn set(&mut self, deadline: Instant) {
        self.wanted = deadline;
        if deadline < self.sleep.deadline() {
            self.reset(deadline);
        }
    }

    /// Resets the sleep; the registration it had may be gone (a fire takes the waker).
    fn reset(&mut self, deadline: Instant) {
        self.registered = None;
        self.sleep.as_mut().reset(deadline);
    }

    /// `Ready` once the deadline has passed; otherwise registers `cx` to be woken when it does.
    #[inline]
    pub(crate) fn poll_expired(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        // Not fired (the driver sets the bit before it takes the waker to wake it), and the
        // registered waker wakes this task: nothing to do until it does.
        if let Some(w) = &self.registered {
            if !self.sleep.is_elapsed() && w.will_wake(cx.waker()) {
                return Poll::Pending;
            }
        }
        self.poll_sleep(cx)
    }

    /// Polls the sleep itself, registering `cx`, and re-arms it if it fired early.
    fn poll_sleep(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            if self.sleep.as_mut().poll(cx).is_pending() {
                self.registered = Some(cx.waker().clone());
                return Poll::Pending;
            }
            if self.sleep.deadline() >= self.wanted {
                return Poll::Ready(());
            }
            // Fired at an earlier deadline that has since been moved: wait on.
            self.reset(self.wanted);
        }
    }
}

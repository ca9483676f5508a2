//! `ConnTimer`: the one timer a connection keeps for all its waits (keep-alive, head, write).
//!
//! A connection waits for input once per batch of requests; registering a fresh timer for each
//! wait (and removing it when input came first) was a measurable share of the cost of a request.
//! Instead the connection owns one pinned [`Sleep`] for its whole life and a `wanted` deadline.
//! Moving the deadline later only stores it: the sleep keeps its earlier deadline, and when it
//! fires before `wanted` it is reset to `wanted` (a reset to a later deadline is cheap) and the
//! wait goes on. Moving it earlier resets the sleep at once. So a busy keep-alive connection
//! touches the timer wheel about once per timeout period, not once per request.

use eddy_runtime::time::{sleep_until, Instant, Sleep};
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// A reusable deadline (see the module docs). The sleep is boxed (once per connection) so that
/// the timer is `Unpin` and can be passed around by `&mut`.
pub(crate) struct ConnTimer {
    sleep: Pin<Box<Sleep>>,
    wanted: Instant,
}

impl ConnTimer {
    /// A timer whose deadline is `deadline`.
    pub(crate) fn new(deadline: Instant) -> ConnTimer {
        ConnTimer {
            sleep: Box::pin(sleep_until(deadline)),
            wanted: deadline,
        }
    }

    /// Moves the deadline to `deadline` (earlier or later).
    pub(crate) fn set(&mut self, deadline: Instant) {
        self.wanted = deadline;
        if deadline < self.sleep.deadline() {
            self.sleep.as_mut().reset(deadline);
        }
    }

    /// `Ready` once the deadline has passed; otherwise registers `cx` to be woken when it does.
    pub(crate) fn poll_expired(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        loop {
            ready!(self.sleep.as_mut().poll(cx));
            if self.sleep.deadline() >= self.wanted {
                return Poll::Ready(());
            }
            // Fired at an earlier deadline that has since been moved: wait on.
            self.sleep.as_mut().reset(self.wanted);
        }
    }
}

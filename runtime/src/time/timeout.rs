//! `Timeout`: a future raced against a deadline; `timeout` and `timeout_at`.

use super::error::Elapsed;
use super::{Duration, Instant, Sleep};
use crate::coop;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::task::{Context, Poll};

/// Runs `future` for at most `duration`: its output in `Ok`, or `Err(Elapsed)` if the time runs out
/// first. A `duration` too large to add to now never times out. Mirrors `tokio::time::timeout`.
///
/// ```
/// # eddy::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
/// use eddy::time::{sleep, timeout, Duration};
/// let slow = sleep(Duration::from_secs(10));
/// assert!(timeout(Duration::from_millis(10), slow).await.is_err());
/// # });
/// ```
///
/// # Panics
/// At the call, if there is no current runtime or its timers are disabled.
#[track_caller]
pub fn timeout<F: IntoFuture>(duration: Duration, future: F) -> Timeout<F::IntoFuture> {
    // A direct call (not `.map(Sleep::new)`), so that a panic in `Sleep::new` reports our caller.
    #[allow(clippy::manual_map)]
    let delay = match Instant::now().checked_add(duration) {
        Some(deadline) => Some(Sleep::new(deadline)),
        None => None,
    };
    Timeout {
        value: future.into_future(),
        delay,
    }
}

/// Runs `future` until `deadline` at most. Mirrors `tokio::time::timeout_at`.
///
/// # Panics
/// At the call, if there is no current runtime or its timers are disabled.
#[track_caller]
pub fn timeout_at<F: IntoFuture>(deadline: Instant, future: F) -> Timeout<F::IntoFuture> {
    Timeout {
        value: future.into_future(),
        delay: Some(Sleep::new(deadline)),
    }
}

pin_project_lite::pin_project! {
    /// The future returned by [`timeout`] and [`timeout_at`]. Mirrors `tokio::time::Timeout`.
    #[derive(Debug)]
    #[must_use = "futures do nothing unless you `.await` or poll them"]
    pub struct Timeout<T> {
        #[pin]
        value: T,
        #[pin]
        delay: Option<Sleep>,
    }
}

impl<T> Timeout<T> {
    /// The inner future.
    pub fn get_ref(&self) -> &T {
        &self.value
    }

    /// The inner future, mutably.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.value
    }

    /// Gives back the inner future.
    pub fn into_inner(self) -> T {
        self.value
    }
}

impl<T: Future> Future for Timeout<T> {
    type Output = Result<T::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let had_budget = coop::has_budget_remaining();
        if let Poll::Ready(output) = this.value.poll(cx) {
            return Poll::Ready(Ok(output));
        }
        match this.delay.as_pin_mut() {
            Some(delay) => poll_delay(had_budget, delay, cx).map(Err),
            None => Poll::Pending,
        }
    }
}

/// Polls the deadline. If the inner future used up the task's budget, the deadline is still checked
/// (without budget): otherwise a future that always spends the budget could never time out.
fn poll_delay(had_budget: bool, delay: Pin<&mut Sleep>, cx: &mut Context<'_>) -> Poll<Elapsed> {
    let poll = |cx: &mut Context<'_>| delay.poll(cx).map(|()| Elapsed::new());
    if had_budget && !coop::has_budget_remaining() {
        coop::with_budget(coop::Budget::unconstrained(), || poll(cx))
    } else {
        poll(cx)
    }
}

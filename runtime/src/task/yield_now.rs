//! `yield_now`: give the worker to other tasks once.

use std::future::poll_fn;
use std::task::Poll;

/// Yields execution back to the scheduler once: the task is queued behind the other ready tasks and
/// resumes when its turn comes. Mirrors `tokio::task::yield_now`.
///
/// ```
/// # eddy::runtime::Runtime::new().unwrap().block_on(async {
/// eddy::task::yield_now().await;
/// # });
/// ```
pub async fn yield_now() {
    let mut yielded = false;
    poll_fn(|cx| {
        if yielded {
            return Poll::Ready(());
        }
        yielded = true;
        // The wake is deferred until the scheduler has run the other ready tasks and polled its
        // drivers (I/O, timers), so a yielding loop cannot keep them waiting.
        crate::runtime::context::defer(cx.waker());
        Poll::Pending
    })
    .await
}

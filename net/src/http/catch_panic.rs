//! Running a handler so that a panic becomes a 500 for that request instead of a dead connection.
//!
//! Both the handler call and every poll of the future it returns run under
//! `std::panic::catch_unwind`. `AssertUnwindSafe` is sound here in the sense that matters: after a
//! panic the future is never polled again (it is dropped), and the connection state the closure
//! touches is not left half-updated by it.

use std::future::{poll_fn, Future};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::task::Poll;

/// Calls `call` and drives the future it returns; `Err(())` if either panicked.
pub(crate) async fn run_catching<F, Fut>(call: F) -> Result<Fut::Output, ()>
where
    F: FnOnce() -> Fut,
    Fut: Future,
{
    let fut = catch_unwind(AssertUnwindSafe(call)).map_err(drop)?;
    let mut fut = pin!(fut);
    poll_fn(
        |cx| match catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx))) {
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(_) => Poll::Ready(Err(())),
        },
    )
    .await
}

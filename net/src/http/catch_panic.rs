//! Running a handler so that a panic becomes a 500 for that request instead of a dead connection.
//!
//! The handler call and every poll of the future it returns run under `std::panic::catch_unwind`;
//! the call and the first poll share one `catch_unwind`, so a handler that answers at once (the
//! common case) costs one. `AssertUnwindSafe` is sound here in the sense that matters: after a
//! panic the future is never polled again (it is dropped), and the connection state the closure
//! touches is not left half-updated by it.

use std::future::{poll_fn, Future};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::pin;
use std::task::Poll;

/// Calls `call` and drives the future it returns; `Err(())` if either panicked. Sets `*waited`
/// if the future was pending at least once (so the caller knows time may have passed).
pub(crate) async fn run_catching<F, Fut>(call: F, waited: &mut bool) -> Result<Fut::Output, ()>
where
    F: FnOnce() -> Fut,
    Fut: Future,
{
    let mut call = Some(call);
    let mut fut = pin!(None::<Fut>);
    poll_fn(|cx| {
        let polled = catch_unwind(AssertUnwindSafe(|| {
            if let Some(call) = call.take() {
                fut.set(Some(call()));
            }
            match fut.as_mut().as_pin_mut() {
                Some(f) => f.poll(cx),
                // Unreachable: the future is set before the first poll and never taken out.
                None => Poll::Pending,
            }
        }));
        match polled {
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Ok(Poll::Pending) => {
                *waited = true;
                Poll::Pending
            }
            Err(_) => Poll::Ready(Err(())),
        }
    })
    .await
}

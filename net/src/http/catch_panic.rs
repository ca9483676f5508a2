//! Running a handler so that a panic becomes a 500 for that request instead of a dead connection.
//!
//! The handler call and every poll of the future it returns run under `std::panic::catch_unwind`;
//! the call and the first poll share one `catch_unwind`, so a handler that answers at once (the
//! common case) costs one. `AssertUnwindSafe` is sound here in the sense that matters: after a
//! panic the future is never polled again (it is dropped), and the connection state the closure
//! touches is not left half-updated by it.
//!
//! A connection keeps one [`HandlerSlot`] for its whole life: each request's future is created in
//! it, polled there, and dropped there, so the future (often a few hundred bytes) is not moved
//! into a fresh wrapper per request. [`run_catching`] wraps the same steps in a future of its own,
//! for the rarer path that drives the handler together with a streamed body.

use std::future::{poll_fn, Future};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::{pin, Pin};
use std::task::{Context, Poll};

/// Where a connection's handler futures live, one request at a time (see the module docs).
pub(crate) struct HandlerSlot<Fut> {
    /// The running request's future; `None` between requests.
    fut: Option<Fut>,
}

impl<Fut: Future> HandlerSlot<Fut> {
    /// An empty slot.
    pub(crate) fn new() -> HandlerSlot<Fut> {
        HandlerSlot { fut: None }
    }

    /// Polls the request's future, first creating it with `call(arg)` if `arg` is still there
    /// (it is taken). `Ready(Err(()))` if the call or the poll panicked. Once this returns
    /// `Ready`, the future has been dropped and the slot is empty for the next request.
    pub(crate) fn poll_call<A>(
        self: Pin<&mut Self>,
        arg: &mut Option<A>,
        call: impl FnOnce(A) -> Fut,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Fut::Output, ()>> {
        // SAFETY: the slot is pinned, and so is the future in it: it is created in place, polled
        // through a pinned reference, and only ever dropped in place (by assigning `None` below or
        // when the slot drops), never moved out.
        let fut = unsafe { &mut self.get_unchecked_mut().fut };
        let polled = catch_unwind(AssertUnwindSafe(|| {
            let f = match arg.take() {
                // Written straight into the empty slot (no drop of an old value in between).
                Some(arg) => fut.get_or_insert_with(|| call(arg)),
                None => match fut.as_mut() {
                    Some(f) => f,
                    // Unreachable: polled again only while a future is in the slot.
                    None => return Poll::Pending,
                },
            };
            // SAFETY: `f` lives in the pinned slot and is not moved (see above).
            unsafe { Pin::new_unchecked(f) }.poll(cx)
        }));
        match polled {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(v)) => {
                *fut = None;
                Poll::Ready(Ok(v))
            }
            Err(_) => {
                // Dropped in place; its drop is not caught (as it was not before).
                *fut = None;
                Poll::Ready(Err(()))
            }
        }
    }
}

/// Calls `call` and drives the future it returns; `Err(())` if either panicked. Sets `*waited`
/// if the future was pending at least once (so the caller knows time may have passed).
pub(crate) async fn run_catching<F, Fut>(call: F, waited: &mut bool) -> Result<Fut::Output, ()>
where
    F: FnOnce() -> Fut,
    Fut: Future,
{
    let mut call = Some(call);
    let mut slot = pin!(HandlerSlot::new());
    poll_fn(|cx| {
        let polled = slot.as_mut().poll_call(&mut call, |call| call(), cx);
        if polled.is_pending() {
            *waited = true;
        }
        polled
    })
    .await
}

//! Running a handler so that a panic becomes a 500 for that request instead of a dead connection.
//!
//! The handler call and every poll of the future it returns run under `std::panic::catch_unwind`;
//! the call and the first poll share one `catch_unwind`, so a handler that answers at once (the
//! common case) costs one. `AssertUnwindSafe` is sound here in the sense that matters: after a
//! panic the future is never polled again (it is dropped), and the connection state the closure
//! touches is not left half-updated by it.
//!
//! A connection keeps one [`HandlerSlot`] for its whole life: each request's future is created in
//! it, polled there, and dropped there, so the future (often a few hundred bytes) is never moved,
//! and no wrapper future is built per request.

use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
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

    /// Polls the request's future, first creating it with `call(recipe())` if `recipe` is still
    /// there (it is taken). `Ready(Err(()))` if making the argument, the call or the poll
    /// panicked. Once this returns `Ready`, the future has been dropped and the slot is empty for
    /// the next request.
    ///
    /// The argument is made from its recipe right where it goes into the new future, so a large
    /// argument (a request) is not moved through this call: only the recipe is.
    pub(crate) fn poll_call<R, A>(
        self: Pin<&mut Self>,
        recipe: &mut Option<R>,
        call: impl FnOnce(A) -> Fut,
        cx: &mut Context<'_>,
    ) -> Poll<Result<Fut::Output, ()>>
    where
        R: FnOnce() -> A,
    {
        // SAFETY: the slot is pinned, and so is the future in it: it is created in place, polled
        // through a pinned reference, and only ever dropped in place (by assigning `None` below or
        // when the slot drops), never moved out.
        let fut = unsafe { &mut self.get_unchecked_mut().fut };
        let polled = catch_unwind(AssertUnwindSafe(|| {
            if let Some(recipe) = recipe.take() {
                if fut.is_some() {
                    // Unreachable: a request starts only once the last one's future is gone.
                    *fut = None;
                }
                let new = Some(call(recipe()));
                // SAFETY: `fut` is a valid, exclusive place holding `None` (made sure just above),
                // so overwriting it without running its drop glue loses nothing; writing in
                // place does not move any pinned value. (A plain assignment would call the
                // future type's drop glue on the old `None`, out of line, for every request.)
                unsafe { std::ptr::write(fut, new) };
            }
            match fut.as_mut() {
                // SAFETY: the future lives in the pinned slot and is not moved (see above).
                Some(f) => unsafe { Pin::new_unchecked(f) }.poll(cx),
                // Unreachable: polled only with an argument or while a future is in the slot.
                None => Poll::Pending,
            }
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

    /// Drops the request's future, if one is in the slot (the request is being abandoned).
    pub(crate) fn clear(self: Pin<&mut Self>) {
        // SAFETY: the future is dropped in place, never moved (see `poll_call`).
        unsafe { self.get_unchecked_mut() }.fut = None;
    }
}

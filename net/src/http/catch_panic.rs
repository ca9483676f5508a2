//! Running a handler so that a panic becomes a 500 for that request instead of a dead connection.
//!
//! The handler call and every poll of the future it returns run under `std::panic::catch_unwind`.
//! `AssertUnwindSafe` is sound here in the sense that matters: after a panic the future is never
//! polled again (it is dropped), and the connection state the closure touches is not left
//! half-updated by it.
//!
//! A connection keeps one [`HandlerSlot`] for its whole life: each request's future is created in
//! it ([`start`](HandlerSlot::start)), polled there, and dropped there, so the future (often a few
//! hundred bytes) is never moved, and no wrapper future is built per request. The call is made
//! outside any poll, straight from the connection's code: the request goes from its parts into
//! the future without passing through an `Option` to be taken on the first poll (the price is a
//! second, cheap, `catch_unwind` for the first poll).

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

    /// Creates the request's future in the slot with `call()`; `Err(())` if the call panicked
    /// (the slot stays empty). The slot must be empty: a request starts only after the last one's
    /// future is gone (a leftover one would be dropped first).
    #[inline]
    pub(crate) fn start(self: Pin<&mut Self>, call: impl FnOnce() -> Fut) -> Result<(), ()> {
        // SAFETY: the slot is pinned, and so is the future in it: it is created in place, polled
        // through a pinned reference, and only ever dropped in place (by assigning `None`, or when
        // the slot drops), never moved out.
        let fut = unsafe { &mut self.get_unchecked_mut().fut };
        if fut.is_some() {
            *fut = None;
        }
        catch_unwind(AssertUnwindSafe(|| {
            let new = Some(call());
            // (A plain assignment would run the future type's drop glue on the old `None`, out
            // of line, for every request.)
            // SAFETY: `fut` is a valid, exclusive place holding `None` (made sure above): writing
            // over it without dropping loses nothing, and writing in place moves nothing pinned.
            unsafe { std::ptr::write(fut, new) };
        }))
        .map_err(drop)
    }

    /// Polls the request's future. `Ready` once it is done: its output is then in `out`, or `out`
    /// is left `None` if the poll panicked (or there was no future: the call panicked). Either
    /// way the future has been dropped and the slot is empty for the next request.
    ///
    /// The output is written where the caller keeps it, rather than returned through the layers
    /// of `catch_unwind` and `Poll` (a response is a few dozen bytes, moved at each layer).
    #[inline]
    pub(crate) fn poll(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut Option<Fut::Output>,
    ) -> Poll<()> {
        // SAFETY: as in `start`: the future is only used pinned and dropped in place.
        let fut = unsafe { &mut self.get_unchecked_mut().fut };
        let polled = catch_unwind(AssertUnwindSafe(|| match fut.as_mut() {
            // SAFETY: the future lives in the pinned slot and is not moved (see `start`).
            Some(f) => match unsafe { Pin::new_unchecked(f) }.poll(cx) {
                Poll::Ready(v) => {
                    *out = Some(v);
                    true
                }
                Poll::Pending => false,
            },
            // No future (the call panicked): done, with no output.
            None => true,
        }));
        match polled {
            Ok(false) => Poll::Pending,
            // Done, or panicked: dropped in place (a panicking drop is not caught, as before).
            Ok(true) | Err(_) => {
                *fut = None;
                Poll::Ready(())
            }
        }
    }

    /// Drops the request's future, if one is in the slot (the request is being abandoned).
    pub(crate) fn clear(self: Pin<&mut Self>) {
        // SAFETY: the future is dropped in place, never moved (see `start`).
        unsafe { self.get_unchecked_mut() }.fut = None;
    }
}

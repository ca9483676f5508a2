//! A one-shot channel: one value, sent once, from one task to another.
//!
//! ## Protocol
//!
//! One state word with three bits, plus the value cell and one [`AtomicWaker`] per side:
//!
//! - `VALUE_SENT`: the value is in the cell and belongs to the receiver.
//! - `COMPLETE`: the sender is done (it sent, or it was dropped). Set together with `VALUE_SENT` by a
//!   send.
//! - `RX_CLOSED`: the receiver closed the channel (or was dropped). A send that finds it fails and
//!   takes its value back.
//!
//! The sender writes the value into the cell *before* publishing `VALUE_SENT | COMPLETE` with a CAS
//! that fails if `RX_CLOSED` is set; the receiver reads the cell only after seeing `VALUE_SENT`
//! (Acquire). So the cell is never touched by both sides at once. Each side registers its waker, then
//! checks the state again, so a send, drop or close racing the registration is not missed.

use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};
use crate::loom::sync::Arc;
use crate::util::atomic_waker::AtomicWaker;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{ready, Context, Poll};

/// Set once the value is in the cell (owned by the receiver from then on).
const VALUE_SENT: usize = 0b001;
/// Set once the sender has sent or been dropped.
const COMPLETE: usize = 0b010;
/// Set once the receiver has closed or been dropped.
const RX_CLOSED: usize = 0b100;

/// Errors of the one-shot channel (`eddy::sync::oneshot::error`).
pub mod error {
    use std::fmt;

    /// The sender was dropped without sending (or the receiver closed before a value arrived).
    #[derive(Debug, Eq, PartialEq, Clone)]
    pub struct RecvError(pub(super) ());

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("channel closed")
        }
    }

    impl std::error::Error for RecvError {}

    /// Why [`Receiver::try_recv`](super::Receiver::try_recv) returned no value.
    #[derive(Debug, Eq, PartialEq, Clone)]
    pub enum TryRecvError {
        /// No value yet; the sender still exists.
        Empty,
        /// No value will come: the sender is gone, the receiver closed, or the value was taken.
        Closed,
    }

    impl fmt::Display for TryRecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str(match self {
                TryRecvError::Empty => "channel empty",
                TryRecvError::Closed => "channel closed",
            })
        }
    }

    impl std::error::Error for TryRecvError {}
}

use error::{RecvError, TryRecvError};

struct Inner<T> {
    state: AtomicUsize,
    value: UnsafeCell<Option<T>>,
    rx_waker: AtomicWaker,
    tx_waker: AtomicWaker,
}

// SAFETY: the value moves from the sending thread to the receiving one (`T: Send`); the cell is
// accessed by one side at a time as the module docs argue; the rest is atomics.
unsafe impl<T: Send> Send for Inner<T> {}
// SAFETY: as above; no `&T` is handed out through a shared reference.
unsafe impl<T: Send> Sync for Inner<T> {}

impl<T> Inner<T> {
    /// Takes the value out of the cell.
    ///
    /// # Safety
    ///
    /// `VALUE_SENT` must have been observed (Acquire), and only the receiver may call this.
    unsafe fn take_value(&self) -> Option<T> {
        // SAFETY: per the contract, the sender no longer touches the cell.
        self.value.with_mut(|p| unsafe { (*p).take() })
    }
}

/// Sends the value; created by [`channel`].
pub struct Sender<T> {
    inner: Option<Arc<Inner<T>>>,
}

/// Receives the value; created by [`channel`]. `.await` it (it is a `Future`) or use
/// [`try_recv`](Receiver::try_recv).
pub struct Receiver<T> {
    inner: Option<Arc<Inner<T>>>,
}

/// Creates a one-shot channel.
///
/// ```
/// use eddy::sync::oneshot;
///
/// # eddy::runtime::Runtime::new().unwrap().block_on(async {
/// let (tx, rx) = oneshot::channel();
/// eddy::spawn(async move {
///     tx.send(3).unwrap();
/// });
/// assert_eq!(rx.await, Ok(3));
/// # });
/// ```
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let inner = Arc::new(Inner {
        state: AtomicUsize::new(0),
        value: UnsafeCell::new(None),
        rx_waker: AtomicWaker::new(),
        tx_waker: AtomicWaker::new(),
    });
    (
        Sender {
            inner: Some(inner.clone()),
        },
        Receiver { inner: Some(inner) },
    )
}

impl<T> Sender<T> {
    /// Sends `t`. Fails, handing `t` back, if the receiver was dropped or closed.
    pub fn send(mut self, t: T) -> Result<(), T> {
        let inner = self.inner.take().expect("oneshot sender used after send");
        if inner.state.load(Acquire) & RX_CLOSED != 0 {
            return Err(t);
        }
        // SAFETY: `VALUE_SENT` is not set, so the receiver does not touch the cell; we are the only
        // sender.
        inner.value.with_mut(|p| unsafe { *p = Some(t) });
        let mut cur = inner.state.load(Acquire);
        loop {
            if cur & RX_CLOSED != 0 {
                // SAFETY: still unpublished: the cell is ours.
                let t = inner.value.with_mut(|p| unsafe { (*p).take() });
                return Err(t.expect("value just stored"));
            }
            match inner.state.compare_exchange_weak(
                cur,
                cur | VALUE_SENT | COMPLETE,
                AcqRel,
                Acquire,
            ) {
                Ok(_) => break,
                Err(actual) => cur = actual,
            }
        }
        inner.rx_waker.wake();
        Ok(())
    }

    /// Completes when the receiver is dropped or closed. Cancel safe.
    pub async fn closed(&mut self) {
        std::future::poll_fn(|cx| self.poll_closed(cx)).await
    }

    /// True if the receiver was dropped or closed.
    pub fn is_closed(&self) -> bool {
        self.inner
            .as_ref()
            .is_some_and(|i| i.state.load(Acquire) & RX_CLOSED != 0)
    }

    /// Polls for the receiver going away; see [`closed`](Sender::closed).
    pub fn poll_closed(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        let coop = ready!(crate::coop::poll_proceed(cx));
        let inner = self.inner.as_ref().expect("oneshot sender used after send");
        if inner.state.load(Acquire) & RX_CLOSED != 0 {
            coop.made_progress();
            return Poll::Ready(());
        }
        inner.tx_waker.register_by_ref(cx.waker());
        if inner.state.load(Acquire) & RX_CLOSED != 0 {
            coop.made_progress();
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            inner.state.fetch_or(COMPLETE, AcqRel);
            drop(inner.tx_waker.take());
            inner.rx_waker.wake();
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

impl<T> Receiver<T> {
    /// Closes the channel without dropping the receiver: a later `send` fails. A value sent before
    /// can still be received.
    pub fn close(&mut self) {
        if let Some(inner) = &self.inner {
            let prev = inner.state.fetch_or(RX_CLOSED, AcqRel);
            if prev & COMPLETE == 0 {
                inner.tx_waker.wake();
            }
        }
    }

    /// True once the receiver has produced its result (a value or an error) and must not be polled
    /// again.
    pub fn is_terminated(&self) -> bool {
        self.inner.is_none()
    }

    /// True if no value is waiting (not sent yet, or already received).
    pub fn is_empty(&self) -> bool {
        !matches!(&self.inner, Some(i) if i.state.load(Acquire) & VALUE_SENT != 0)
    }

    /// Takes the value if it has arrived.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let Some(inner) = self.inner.as_ref() else {
            return Err(TryRecvError::Closed);
        };
        let state = inner.state.load(Acquire);
        let result = if state & VALUE_SENT != 0 {
            // SAFETY: `VALUE_SENT` observed with Acquire; we are the receiver.
            unsafe { inner.take_value() }.ok_or(TryRecvError::Closed)
        } else if state & (COMPLETE | RX_CLOSED) != 0 {
            Err(TryRecvError::Closed)
        } else {
            return Err(TryRecvError::Empty);
        };
        self.inner = None;
        result
    }

    /// Blocking receive, for synchronous code.
    ///
    /// # Panics
    ///
    /// Panics if called within an asynchronous execution context.
    #[track_caller]
    pub fn blocking_recv(self) -> Result<T, RecvError> {
        crate::runtime::context::blocking_block_on(self)
    }

    /// The outcome if it is known, `None` if the caller must wait.
    fn check(inner: &Inner<T>) -> Option<Result<T, RecvError>> {
        let state = inner.state.load(Acquire);
        if state & VALUE_SENT != 0 {
            // SAFETY: `VALUE_SENT` observed with Acquire; we are the receiver.
            Some(unsafe { inner.take_value() }.ok_or(RecvError(())))
        } else if state & (COMPLETE | RX_CLOSED) != 0 {
            Some(Err(RecvError(())))
        } else {
            None
        }
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let coop = ready!(crate::coop::poll_proceed(cx));
        let inner = this.inner.as_ref().expect("called after complete");
        let out = match Self::check(inner) {
            Some(out) => out,
            None => {
                inner.rx_waker.register_by_ref(cx.waker());
                match Self::check(inner) {
                    Some(out) => out,
                    None => return Poll::Pending,
                }
            }
        };
        coop.made_progress();
        this.inner = None;
        Poll::Ready(out)
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            let prev = inner.state.fetch_or(RX_CLOSED, AcqRel);
            if prev & COMPLETE == 0 {
                inner.tx_waker.wake();
            }
            drop(inner.rx_waker.take());
            if prev & VALUE_SENT != 0 {
                // SAFETY: `VALUE_SENT` observed (AcqRel); we are the receiver. Drop the value now
                // rather than whenever the sender's side lets go of the allocation.
                drop(unsafe { inner.take_value() });
            }
        }
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver").finish_non_exhaustive()
    }
}

//! The unbounded `mpsc` channel: `UnboundedSender`, `UnboundedReceiver`, `WeakUnboundedSender`.
//!
//! Sending never waits. The flavour's gate is one word, `queued << 1 | CLOSED`: a send adds one
//! message to the count unless the receiver has closed (a CAS, so a send never slips in after the
//! close); the receiver subtracts one per message taken out.

use super::chan::{self, Semaphore};
use super::error::{SendError, TryRecvError};
use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};
use std::fmt;
use std::task::{Context, Poll};

const CLOSED: usize = 1;
const ONE: usize = 2;

/// The flavour's gate: a count of queued messages plus the closed bit.
pub(crate) struct Unbounded(AtomicUsize);

impl Unbounded {
    /// Counts one more message unless closed.
    fn start_send(&self) -> bool {
        let mut cur = self.0.load(Acquire);
        loop {
            if cur & CLOSED != 0 {
                return false;
            }
            assert!(
                cur < usize::MAX - ONE,
                "unbounded channel message count overflow"
            );
            match self
                .0
                .compare_exchange_weak(cur, cur + ONE, AcqRel, Acquire)
            {
                Ok(_) => return true,
                Err(actual) => cur = actual,
            }
        }
    }
}

impl Semaphore for Unbounded {
    fn add_permits(&self, n: usize) {
        self.0.fetch_sub(n * ONE, AcqRel);
    }

    fn is_idle(&self) -> bool {
        self.0.load(Acquire) >> 1 == 0
    }

    fn close(&self) {
        self.0.fetch_or(CLOSED, Release);
    }

    fn is_closed(&self) -> bool {
        self.0.load(Acquire) & CLOSED != 0
    }
}

/// Creates an unbounded channel: sends never wait, memory grows with the backlog.
///
/// ```
/// use eddy::sync::mpsc;
///
/// # eddy::runtime::Runtime::new().unwrap().block_on(async {
/// let (tx, mut rx) = mpsc::unbounded_channel();
/// tx.send("hello").unwrap();
/// drop(tx);
/// assert_eq!(rx.recv().await, Some("hello"));
/// assert_eq!(rx.recv().await, None);
/// # });
/// ```
pub fn unbounded_channel<T>() -> (UnboundedSender<T>, UnboundedReceiver<T>) {
    let (tx, rx) = chan::channel(Unbounded(AtomicUsize::new(0)));
    (UnboundedSender { chan: tx }, UnboundedReceiver { chan: rx })
}

/// Sends values to the associated [`UnboundedReceiver`]; created by [`unbounded_channel`].
pub struct UnboundedSender<T> {
    chan: chan::Tx<T, Unbounded>,
}

/// An unbounded sender that does not keep the channel open.
pub struct WeakUnboundedSender<T> {
    chan: chan::WeakTx<T, Unbounded>,
}

/// Receives values from the associated [`UnboundedSender`]s.
pub struct UnboundedReceiver<T> {
    chan: chan::Rx<T, Unbounded>,
}

impl<T> UnboundedSender<T> {
    /// Sends `value` without waiting. Fails (handing `value` back) if the receiver is gone or closed.
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if !self.chan.semaphore().start_send() {
            return Err(SendError(value));
        }
        self.chan.send(value);
        Ok(())
    }

    /// Completes once the receiver is dropped or closed.
    pub async fn closed(&self) {
        self.chan.closed().await
    }

    /// True if the receiver is gone or closed.
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }

    /// True if both senders belong to the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        self.chan.same_channel(&other.chan)
    }

    /// A [`WeakUnboundedSender`] for this channel.
    pub fn downgrade(&self) -> WeakUnboundedSender<T> {
        WeakUnboundedSender {
            chan: self.chan.downgrade(),
        }
    }

    /// Number of live [`UnboundedSender`]s.
    pub fn strong_count(&self) -> usize {
        self.chan.strong_count()
    }

    /// Number of live [`WeakUnboundedSender`]s.
    pub fn weak_count(&self) -> usize {
        self.chan.weak_count()
    }
}

impl<T> Clone for UnboundedSender<T> {
    fn clone(&self) -> Self {
        UnboundedSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> fmt::Debug for UnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedSender")
            .field("chan", &self.chan)
            .finish()
    }
}

impl<T> WeakUnboundedSender<T> {
    /// An [`UnboundedSender`], if any still exists.
    pub fn upgrade(&self) -> Option<UnboundedSender<T>> {
        self.chan.upgrade().map(|chan| UnboundedSender { chan })
    }

    /// Number of live [`UnboundedSender`]s.
    pub fn strong_count(&self) -> usize {
        self.chan.strong_count()
    }

    /// Number of live [`WeakUnboundedSender`]s.
    pub fn weak_count(&self) -> usize {
        self.chan.weak_count()
    }
}

impl<T> Clone for WeakUnboundedSender<T> {
    fn clone(&self) -> Self {
        WeakUnboundedSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> fmt::Debug for WeakUnboundedSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakUnboundedSender")
            .finish_non_exhaustive()
    }
}

impl<T> UnboundedReceiver<T> {
    /// Receives the next message, waiting for one; `None` once every sender is gone (or the channel
    /// was closed) and nothing is queued. Cancel safe.
    pub async fn recv(&mut self) -> Option<T> {
        std::future::poll_fn(|cx| self.chan.poll_recv(cx)).await
    }

    /// Receives up to `limit` messages into `buffer`, waiting for at least one; 0 means the channel
    /// has ended (or `limit` is 0). Cancel safe.
    pub async fn recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        std::future::poll_fn(|cx| self.chan.poll_recv_many(cx, buffer, limit)).await
    }

    /// Receives a message if one is queued.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError> {
        self.chan.try_recv().map_err(|e| match e {
            chan::TryRecv::Empty => TryRecvError::Empty,
            chan::TryRecv::Disconnected => TryRecvError::Disconnected,
        })
    }

    /// Blocking `recv`, for synchronous code.
    ///
    /// # Panics
    ///
    /// Panics if called within an asynchronous execution context.
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Option<T> {
        crate::runtime::context::blocking_block_on(self.recv())
    }

    /// Blocking `recv_many`, for synchronous code.
    ///
    /// # Panics
    ///
    /// Panics if called within an asynchronous execution context.
    #[track_caller]
    pub fn blocking_recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        crate::runtime::context::blocking_block_on(self.recv_many(buffer, limit))
    }

    /// Closes the channel: sends fail from now on; queued messages can still be received.
    pub fn close(&mut self) {
        self.chan.close();
    }

    /// True if the channel was closed or every sender is gone.
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }

    /// True if no message is queued.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of queued messages.
    pub fn len(&self) -> usize {
        self.chan.len()
    }

    /// Polls for the next message; see [`recv`](UnboundedReceiver::recv).
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.chan.poll_recv(cx)
    }

    /// Polls for up to `limit` messages; see [`recv_many`](UnboundedReceiver::recv_many).
    pub fn poll_recv_many(
        &mut self,
        cx: &mut Context<'_>,
        buffer: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        self.chan.poll_recv_many(cx, buffer, limit)
    }

    /// Number of live [`UnboundedSender`]s.
    pub fn sender_strong_count(&self) -> usize {
        self.chan.sender_strong_count()
    }

    /// Number of live [`WeakUnboundedSender`]s.
    pub fn sender_weak_count(&self) -> usize {
        self.chan.sender_weak_count()
    }
}

impl<T> futures_core::Stream for UnboundedReceiver<T> {
    type Item = T;

    fn poll_next(self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.get_mut().poll_recv(cx)
    }
}

impl<T> fmt::Debug for UnboundedReceiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UnboundedReceiver")
            .field("chan", &self.chan)
            .finish()
    }
}

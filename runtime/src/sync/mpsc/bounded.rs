//! The bounded `mpsc` channel: `Sender`, `Receiver`, `WeakSender` and the permits.
//!
//! Capacity is a [batch semaphore](crate::sync::batch_semaphore) holding one permit per free slot. A
//! send first acquires a permit (waiting in FIFO order when the channel is full), then pushes onto the
//! lock-free list; the receiver gives the permit back when it takes the message out. A
//! [`Permit`] is that acquired slot, held until it is used or dropped.

use super::chan::{self, Semaphore as _};
use super::error::{SendError, SendTimeoutError, TryRecvError, TrySendError};
use crate::sync::batch_semaphore::{self as bs, TryAcquireError};
use std::fmt;
use std::task::{Context, Poll};
use std::time::Duration;

/// The flavour's gate: one permit per free slot.
pub(crate) struct Bounded {
    sem: bs::Semaphore,
    bound: usize,
}

impl chan::Semaphore for Bounded {
    fn add_permits(&self, n: usize) {
        self.sem.release(n);
    }

    fn is_idle(&self) -> bool {
        self.sem.available_permits() == self.bound
    }

    fn close(&self) {
        self.sem.close();
    }

    fn is_closed(&self) -> bool {
        self.sem.is_closed()
    }
}

/// Creates a bounded channel holding at most `buffer` messages.
///
/// Senders wait in [`send`](Sender::send) while the channel is full, in FIFO order.
///
/// # Panics
///
/// Panics if `buffer` is 0.
///
/// # Examples
///
/// ```
/// use eddy::sync::mpsc;
///
/// # eddy::runtime::Runtime::new().unwrap().block_on(async {
/// let (tx, mut rx) = mpsc::channel(100);
/// eddy::spawn(async move {
///     for i in 0..10 {
///         tx.send(i).await.unwrap();
///     }
/// });
/// let mut got = Vec::new();
/// while let Some(i) = rx.recv().await {
///     got.push(i);
/// }
/// assert_eq!(got, (0..10).collect::<Vec<_>>());
/// # });
/// ```
#[track_caller]
pub fn channel<T>(buffer: usize) -> (Sender<T>, Receiver<T>) {
    assert!(buffer > 0, "mpsc bounded channel requires buffer > 0");
    let (tx, rx) = chan::channel(Bounded {
        sem: bs::Semaphore::new(buffer),
        bound: buffer,
    });
    (Sender { chan: tx }, Receiver { chan: rx })
}

/// Sends values to the associated [`Receiver`]; created by [`channel`]. Cloneable.
pub struct Sender<T> {
    chan: chan::Tx<T, Bounded>,
}

/// A sender that does not keep the channel open; [`upgrade`](WeakSender::upgrade) it to send.
pub struct WeakSender<T> {
    chan: chan::WeakTx<T, Bounded>,
}

/// Receives values from the associated [`Sender`]s; created by [`channel`].
pub struct Receiver<T> {
    chan: chan::Rx<T, Bounded>,
}

/// One reserved slot in the channel: [`send`](Permit::send) cannot fail or wait. Dropping it unused
/// gives the slot back.
pub struct Permit<'a, T> {
    chan: &'a chan::Tx<T, Bounded>,
}

/// `n` reserved slots, yielded one [`Permit`] at a time; unused ones are given back on drop.
pub struct PermitIterator<'a, T> {
    chan: &'a chan::Tx<T, Bounded>,
    n: usize,
}

/// A reserved slot that owns its [`Sender`]; see [`Sender::reserve_owned`].
pub struct OwnedPermit<T> {
    chan: Option<chan::Tx<T, Bounded>>,
}

impl<T> Receiver<T> {
    /// Receives the next message, waiting for one; `None` once every sender is gone (or the channel
    /// was closed) and the buffer is empty.
    ///
    /// Cancel safe: if the future is dropped before completing, no message is lost.
    pub async fn recv(&mut self) -> Option<T> {
        std::future::poll_fn(|cx| self.chan.poll_recv(cx)).await
    }

    /// Receives up to `limit` messages into `buffer`, waiting for at least one. Returns how many were
    /// added; 0 means the channel has ended (or `limit` is 0).
    ///
    /// Cancel safe.
    pub async fn recv_many(&mut self, buffer: &mut Vec<T>, limit: usize) -> usize {
        std::future::poll_fn(|cx| self.chan.poll_recv_many(cx, buffer, limit)).await
    }

    /// Receives a message if one is waiting.
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

    /// Closes the channel: sends fail from now on; buffered messages can still be received.
    pub fn close(&mut self) {
        self.chan.close();
    }

    /// True if the channel was closed or every sender is gone.
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }

    /// True if no message is buffered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of buffered messages.
    pub fn len(&self) -> usize {
        self.chan.len()
    }

    /// Free slots right now.
    pub fn capacity(&self) -> usize {
        self.chan.semaphore().sem.available_permits()
    }

    /// The buffer size given to [`channel`].
    pub fn max_capacity(&self) -> usize {
        self.chan.semaphore().bound
    }

    /// Polls for the next message; see [`recv`](Receiver::recv).
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.chan.poll_recv(cx)
    }

    /// Polls for up to `limit` messages; see [`recv_many`](Receiver::recv_many).
    pub fn poll_recv_many(
        &mut self,
        cx: &mut Context<'_>,
        buffer: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        self.chan.poll_recv_many(cx, buffer, limit)
    }

    /// Number of live [`Sender`]s.
    pub fn sender_strong_count(&self) -> usize {
        self.chan.sender_strong_count()
    }

    /// Number of live [`WeakSender`]s.
    pub fn sender_weak_count(&self) -> usize {
        self.chan.sender_weak_count()
    }
}

impl<T> futures_core::Stream for Receiver<T> {
    type Item = T;

    fn poll_next(self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<T>> {
        self.get_mut().poll_recv(cx)
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("chan", &self.chan)
            .finish()
    }
}

impl<T> Sender<T> {
    /// Sends `value`, waiting for a free slot. Fails (handing `value` back) if the receiver is gone.
    ///
    /// Cancel safe in the sense that dropping the future before it completes sends nothing; the value
    /// is lost with the future, and the place in the queue of waiting senders too.
    pub async fn send(&self, value: T) -> Result<(), SendError<T>> {
        match self.reserve().await {
            Ok(permit) => {
                permit.send(value);
                Ok(())
            }
            Err(_) => Err(SendError(value)),
        }
    }

    /// Sends `value`, waiting at most `timeout` for a free slot.
    ///
    /// A slot that is free when the call starts is taken even if `timeout` is zero. On failure the
    /// value comes back inside the error: [`SendTimeoutError::Timeout`] if the channel stayed full,
    /// [`SendTimeoutError::Closed`] if the receiver is gone. Needs a runtime with the timer enabled.
    ///
    /// ```
    /// use eddy::sync::mpsc::{self, error::SendTimeoutError};
    /// use std::time::Duration;
    ///
    /// # eddy::runtime::Builder::new_current_thread().enable_time().build().unwrap().block_on(async {
    /// let (tx, mut rx) = mpsc::channel(1);
    /// tx.send_timeout(1, Duration::from_millis(10)).await.unwrap();
    /// // Full: nobody receives within the timeout.
    /// let err = tx.send_timeout(2, Duration::from_millis(10)).await.unwrap_err();
    /// assert!(matches!(err, SendTimeoutError::Timeout(2)));
    /// assert_eq!(rx.recv().await, Some(1));
    /// # });
    /// ```
    pub async fn send_timeout(
        &self,
        value: T,
        timeout: Duration,
    ) -> Result<(), SendTimeoutError<T>> {
        match crate::time::timeout(timeout, self.reserve()).await {
            Ok(Ok(permit)) => {
                permit.send(value);
                Ok(())
            }
            Ok(Err(_)) => Err(SendTimeoutError::Closed(value)),
            Err(_elapsed) => Err(SendTimeoutError::Timeout(value)),
        }
    }

    /// Completes once the receiver is dropped or closed.
    pub async fn closed(&self) {
        self.chan.closed().await
    }

    /// Sends `value` if a slot is free right now.
    pub fn try_send(&self, value: T) -> Result<(), TrySendError<T>> {
        match self.chan.semaphore().sem.try_acquire(1) {
            Ok(()) => {
                self.chan.send(value);
                Ok(())
            }
            Err(TryAcquireError::Closed) => Err(TrySendError::Closed(value)),
            Err(TryAcquireError::NoPermits) => Err(TrySendError::Full(value)),
        }
    }

    /// Blocking `send`, for synchronous code.
    ///
    /// # Panics
    ///
    /// Panics if called within an asynchronous execution context.
    #[track_caller]
    pub fn blocking_send(&self, value: T) -> Result<(), SendError<T>> {
        crate::runtime::context::blocking_block_on(self.send(value))
    }

    /// True if the receiver is gone or closed.
    pub fn is_closed(&self) -> bool {
        self.chan.is_closed()
    }

    async fn reserve_inner(&self, n: usize) -> Result<(), SendError<()>> {
        if n > self.max_capacity() {
            return Err(SendError(()));
        }
        /// A reservation abandoned (or failed) while holding part of its permits gives them back
        /// through the semaphore alone; the receiver may be waiting for exactly that after a close.
        struct WakeRx<'a, T>(&'a chan::Tx<T, Bounded>);
        impl<T> Drop for WakeRx<'_, T> {
            fn drop(&mut self) {
                let sem = self.0.semaphore();
                if sem.is_closed() && sem.is_idle() {
                    self.0.wake_rx();
                }
            }
        }
        let guard = WakeRx(&self.chan);
        let res = self.chan.semaphore().sem.acquire(n).await;
        match res {
            Ok(()) => {
                std::mem::forget(guard);
                Ok(())
            }
            Err(_) => Err(SendError(())),
        }
    }

    /// Waits for a free slot and reserves it. Fails if the receiver is gone.
    ///
    /// Cancel safe: dropping the future gives back nothing it did not get, loses nothing it got.
    pub async fn reserve(&self) -> Result<Permit<'_, T>, SendError<()>> {
        self.reserve_inner(1).await?;
        Ok(Permit { chan: &self.chan })
    }

    /// Waits for `n` free slots and reserves them all. Fails if the receiver is gone or `n` exceeds the
    /// channel's capacity.
    pub async fn reserve_many(&self, n: usize) -> Result<PermitIterator<'_, T>, SendError<()>> {
        self.reserve_inner(n).await?;
        Ok(PermitIterator {
            chan: &self.chan,
            n,
        })
    }

    /// Like [`reserve`](Sender::reserve), but the permit owns this sender.
    pub async fn reserve_owned(self) -> Result<OwnedPermit<T>, SendError<()>> {
        self.reserve_inner(1).await?;
        Ok(OwnedPermit {
            chan: Some(self.chan),
        })
    }

    /// Reserves a slot if one is free right now.
    pub fn try_reserve(&self) -> Result<Permit<'_, T>, TrySendError<()>> {
        self.try_acquire(1)?;
        Ok(Permit { chan: &self.chan })
    }

    /// Reserves `n` slots if they are free right now.
    pub fn try_reserve_many(&self, n: usize) -> Result<PermitIterator<'_, T>, TrySendError<()>> {
        if n > self.max_capacity() {
            return Err(TrySendError::Full(()));
        }
        self.try_acquire(n)?;
        Ok(PermitIterator {
            chan: &self.chan,
            n,
        })
    }

    /// Like [`try_reserve`](Sender::try_reserve), but the permit owns this sender; on failure the
    /// sender comes back inside the error.
    pub fn try_reserve_owned(self) -> Result<OwnedPermit<T>, TrySendError<Self>> {
        match self.try_acquire(1) {
            Ok(()) => Ok(OwnedPermit {
                chan: Some(self.chan),
            }),
            Err(TrySendError::Full(())) => Err(TrySendError::Full(self)),
            Err(TrySendError::Closed(())) => Err(TrySendError::Closed(self)),
        }
    }

    fn try_acquire(&self, n: usize) -> Result<(), TrySendError<()>> {
        match self.chan.semaphore().sem.try_acquire(n) {
            Ok(()) => Ok(()),
            Err(TryAcquireError::Closed) => Err(TrySendError::Closed(())),
            Err(TryAcquireError::NoPermits) => Err(TrySendError::Full(())),
        }
    }

    /// True if both senders belong to the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        self.chan.same_channel(&other.chan)
    }

    /// Free slots right now.
    pub fn capacity(&self) -> usize {
        self.chan.semaphore().sem.available_permits()
    }

    /// The buffer size given to [`channel`].
    pub fn max_capacity(&self) -> usize {
        self.chan.semaphore().bound
    }

    /// A [`WeakSender`] for this channel.
    pub fn downgrade(&self) -> WeakSender<T> {
        WeakSender {
            chan: self.chan.downgrade(),
        }
    }

    /// Number of live [`Sender`]s.
    pub fn strong_count(&self) -> usize {
        self.chan.strong_count()
    }

    /// Number of live [`WeakSender`]s.
    pub fn weak_count(&self) -> usize {
        self.chan.weak_count()
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        Sender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").field("chan", &self.chan).finish()
    }
}

impl<T> WeakSender<T> {
    /// A [`Sender`], if any still exists.
    pub fn upgrade(&self) -> Option<Sender<T>> {
        self.chan.upgrade().map(|chan| Sender { chan })
    }

    /// Number of live [`Sender`]s.
    pub fn strong_count(&self) -> usize {
        self.chan.strong_count()
    }

    /// Number of live [`WeakSender`]s.
    pub fn weak_count(&self) -> usize {
        self.chan.weak_count()
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> Self {
        WeakSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeakSender").finish_non_exhaustive()
    }
}

/// Gives one unused permit back, waking a receiver that waits for the channel to drain after close.
fn release_one<T>(chan: &chan::Tx<T, Bounded>, n: usize) {
    let sem = chan.semaphore();
    sem.sem.release(n);
    if sem.is_closed() && sem.is_idle() {
        chan.wake_rx();
    }
}

impl<T> Permit<'_, T> {
    /// Sends `value` into the reserved slot; never waits, never fails (if the receiver is gone the
    /// value is dropped with the channel).
    pub fn send(self, value: T) {
        // The permit now belongs to the message (the receiver gives it back), even if waking the
        // receiver panics.
        let chan = self.chan;
        std::mem::forget(self);
        chan.send(value);
    }
}

impl<T> Drop for Permit<'_, T> {
    fn drop(&mut self) {
        release_one(self.chan, 1);
    }
}

impl<T> fmt::Debug for Permit<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Permit").finish_non_exhaustive()
    }
}

impl<'a, T> Iterator for PermitIterator<'a, T> {
    type Item = Permit<'a, T>;

    fn next(&mut self) -> Option<Permit<'a, T>> {
        if self.n == 0 {
            return None;
        }
        self.n -= 1;
        Some(Permit { chan: self.chan })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.n, Some(self.n))
    }
}

impl<T> ExactSizeIterator for PermitIterator<'_, T> {}
impl<T> std::iter::FusedIterator for PermitIterator<'_, T> {}

impl<T> Drop for PermitIterator<'_, T> {
    fn drop(&mut self) {
        if self.n > 0 {
            release_one(self.chan, self.n);
        }
    }
}

impl<T> fmt::Debug for PermitIterator<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PermitIterator")
            .field("n", &self.n)
            .finish_non_exhaustive()
    }
}

impl<T> OwnedPermit<T> {
    /// Sends `value` into the reserved slot and hands the [`Sender`] back.
    pub fn send(mut self, value: T) -> Sender<T> {
        let chan = self.chan.take().expect("OwnedPermit used after send");
        chan.send(value);
        Sender { chan }
    }

    /// Gives the slot back unused and hands the [`Sender`] back.
    pub fn release(mut self) -> Sender<T> {
        let chan = self.chan.take().expect("OwnedPermit used after release");
        release_one(&chan, 1);
        Sender { chan }
    }

    /// True if both belong to the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        match (&self.chan, &other.chan) {
            (Some(a), Some(b)) => a.same_channel(b),
            _ => false,
        }
    }

    /// True if this permit and `sender` belong to the same channel.
    pub fn same_channel_as_sender(&self, sender: &Sender<T>) -> bool {
        self.chan
            .as_ref()
            .is_some_and(|c| c.same_channel(&sender.chan))
    }
}

impl<T> Drop for OwnedPermit<T> {
    fn drop(&mut self) {
        if let Some(chan) = self.chan.take() {
            release_one(&chan, 1);
        }
    }
}

impl<T> fmt::Debug for OwnedPermit<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedPermit").finish_non_exhaustive()
    }
}

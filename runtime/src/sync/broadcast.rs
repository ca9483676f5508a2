//! A multi-producer, multi-consumer broadcast channel: every receiver sees every value.
//!
//! ## Shape
//!
//! A ring of `capacity` slots (rounded up to a power of two) under one lock. Values are numbered by a
//! position that only grows; position `p` lives in slot `p % capacity`. A slot remembers its position,
//! its value and `rem`, the number of receivers that have yet to read it; the last reader drops the
//! value.
//!
//! Each receiver keeps `next`, the position it reads next. When the ring wraps past it (the sender
//! overwrote values it had not read), its next `recv` reports [`RecvError::Lagged`] with how many it
//! missed and moves it to the oldest value still held.
//!
//! Receivers that find nothing queue a waiter (a [`WaitList`] entry keyed from the `Receiver`); a
//! send or the last sender's drop wakes them all. A dropped `Recv` future leaves the queue at once.
//!
//! Shortcut: one lock for the ring and the waiters, and values are cloned under it; simple and
//! correct, at the price of contention when many receivers read at once.

use super::notify::Notify;
use super::wait_list::{Key, WaitList, WakeList};
use super::LockGuard as MutexGuard;
use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};
use crate::loom::sync::Mutex;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll, Waker};

/// Errors of the broadcast channel (`eddy::sync::broadcast::error`).
pub mod error {
    use std::fmt;

    /// No receiver exists: the value is handed back.
    #[derive(PartialEq, Eq, Clone, Copy)]
    pub struct SendError<T>(pub T);

    impl<T> fmt::Debug for SendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.debug_struct("SendError").finish_non_exhaustive()
        }
    }

    impl<T> fmt::Display for SendError<T> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("channel closed")
        }
    }

    impl<T> std::error::Error for SendError<T> {}

    /// Why [`Receiver::recv`](super::Receiver::recv) returned no value.
    #[derive(Debug, PartialEq, Eq, Clone)]
    pub enum RecvError {
        /// Every sender is gone and every value was received.
        Closed,
        /// The receiver fell behind: this many values were overwritten before it read them. The
        /// next `recv` returns the oldest value still held.
        Lagged(u64),
    }

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                RecvError::Closed => f.write_str("channel closed"),
                RecvError::Lagged(n) => write!(f, "channel lagged by {n}"),
            }
        }
    }

    impl std::error::Error for RecvError {}

    /// Why [`Receiver::try_recv`](super::Receiver::try_recv) returned no value.
    #[derive(Debug, PartialEq, Eq, Clone)]
    pub enum TryRecvError {
        /// Nothing new right now.
        Empty,
        /// Every sender is gone and every value was received.
        Closed,
        /// The receiver fell behind by this many values; see [`RecvError::Lagged`].
        Lagged(u64),
    }

    impl fmt::Display for TryRecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            match self {
                TryRecvError::Empty => f.write_str("channel empty"),
                TryRecvError::Closed => f.write_str("channel closed"),
                TryRecvError::Lagged(n) => write!(f, "channel lagged by {n}"),
            }
        }
    }

    impl std::error::Error for TryRecvError {}
}

use error::{RecvError, SendError, TryRecvError};

struct Slot<T> {
    pos: u64,
    /// Receivers that have yet to read this value.
    rem: usize,
    val: Option<T>,
}

struct Ring<T> {
    slots: Box<[Slot<T>]>,
    /// Position of the next value to send.
    tail: u64,
    rx_cnt: usize,
    tx_cnt: usize,
    /// Receivers waiting for a value (the entry's waker; `None` once woken).
    waiters: WaitList<Option<Waker>>,
}

struct Shared<T> {
    ring: Mutex<Ring<T>>,
    mask: u64,
    weak_cnt: AtomicUsize,
    /// Woken when the last receiver goes (for `Sender::closed`).
    notify_last_rx_drop: Notify,
}

impl<T> Shared<T> {
    fn capacity(&self) -> u64 {
        self.mask + 1
    }

    /// Wakes every queued receiver; the guard is released before waking.
    fn wake_all<'a>(&'a self, mut ring: MutexGuard<'a, Ring<T>>) {
        let mut wakers = WakeList::new();
        loop {
            while wakers.can_push() {
                let Some(key) = ring.waiters.pop_front() else {
                    break;
                };
                if let Some(w) = ring.waiters.get_mut(key).take() {
                    wakers.push(w);
                }
            }
            let done = ring.waiters.is_empty();
            drop(ring);
            wakers.wake_all();
            if done {
                return;
            }
            ring = self.ring.lock();
        }
    }
}

/// Sends values to every [`Receiver`]; created by [`channel`]. Cloneable.
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// A sender that does not keep the channel open; [`upgrade`](WeakSender::upgrade) it to send.
pub struct WeakSender<T> {
    shared: Arc<Shared<T>>,
}

/// Receives every value sent after it was created; created by [`channel`] or
/// [`Sender::subscribe`].
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    next: u64,
    waiter: Option<Key>,
}

/// Creates a broadcast channel that holds the last `capacity` values (rounded up to a power of two).
///
/// # Panics
///
/// Panics if `capacity` is 0 or larger than `usize::MAX / 2`.
///
/// ```
/// use eddy::sync::broadcast;
///
/// # eddy::runtime::Runtime::new().unwrap().block_on(async {
/// let (tx, mut rx1) = broadcast::channel(16);
/// let mut rx2 = tx.subscribe();
/// tx.send(10).unwrap();
/// assert_eq!(rx1.recv().await.unwrap(), 10);
/// assert_eq!(rx2.recv().await.unwrap(), 10);
/// # });
/// ```
#[track_caller]
pub fn channel<T: Clone>(capacity: usize) -> (Sender<T>, Receiver<T>) {
    let tx = Sender::new(capacity);
    let rx = tx.subscribe();
    (tx, rx)
}

impl<T> Sender<T> {
    /// A sender with no receiver yet (see [`subscribe`](Sender::subscribe)).
    ///
    /// # Panics
    ///
    /// Panics if `capacity` is 0 or larger than `usize::MAX / 2`.
    #[track_caller]
    pub fn new(capacity: usize) -> Self {
        assert!(capacity > 0, "broadcast channel capacity cannot be zero");
        assert!(
            capacity <= usize::MAX >> 1,
            "broadcast channel capacity exceeded `usize::MAX / 2`"
        );
        let capacity = capacity.next_power_of_two();
        let slots = (0..capacity)
            .map(|i| Slot {
                // A position that can never match a real one for this slot until written.
                pos: (i as u64).wrapping_sub(capacity as u64),
                rem: 0,
                val: None,
            })
            .collect();
        Sender {
            shared: Arc::new(Shared {
                ring: Mutex::new(Ring {
                    slots,
                    tail: 0,
                    rx_cnt: 0,
                    tx_cnt: 1,
                    waiters: WaitList::new(),
                }),
                mask: capacity as u64 - 1,
                weak_cnt: AtomicUsize::new(0),
                notify_last_rx_drop: Notify::new(),
            }),
        }
    }

    /// Sends `value` to every current receiver; returns how many there are. Fails, handing `value`
    /// back, if there is none. Never waits: the oldest value is overwritten when the ring is full.
    pub fn send(&self, value: T) -> Result<usize, SendError<T>> {
        let mut ring = self.shared.ring.lock();
        if ring.rx_cnt == 0 {
            return Err(SendError(value));
        }
        let pos = ring.tail;
        let rx_cnt = ring.rx_cnt;
        let slot = &mut ring.slots[(pos & self.shared.mask) as usize];
        slot.pos = pos;
        slot.rem = rx_cnt;
        let old = slot.val.replace(value);
        ring.tail = pos + 1;
        self.shared.wake_all(ring);
        // User code (a destructor) runs only after the lock is released.
        drop(old);
        Ok(rx_cnt)
    }

    /// A new receiver that sees values sent from now on.
    pub fn subscribe(&self) -> Receiver<T> {
        new_receiver(self.shared.clone())
    }

    /// A [`WeakSender`] for this channel.
    pub fn downgrade(&self) -> WeakSender<T> {
        self.shared.weak_cnt.fetch_add(1, Relaxed);
        WeakSender {
            shared: self.shared.clone(),
        }
    }

    /// Number of values held that some receiver has yet to read.
    pub fn len(&self) -> usize {
        let ring = self.shared.ring.lock();
        let oldest = ring.tail.saturating_sub(self.shared.capacity());
        (oldest..ring.tail)
            .filter(|&pos| ring.slots[(pos & self.shared.mask) as usize].rem > 0)
            .count()
    }

    /// True if no receiver has a value left to read.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of live receivers.
    pub fn receiver_count(&self) -> usize {
        self.shared.ring.lock().rx_cnt
    }

    /// True if both senders belong to the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// Completes once every receiver is gone. Cancel safe.
    pub async fn closed(&self) {
        loop {
            let notified = self.shared.notify_last_rx_drop.notified();
            if self.receiver_count() == 0 {
                return;
            }
            notified.await;
        }
    }

    /// Number of live [`Sender`]s.
    pub fn strong_count(&self) -> usize {
        self.shared.ring.lock().tx_cnt
    }

    /// Number of live [`WeakSender`]s.
    pub fn weak_count(&self) -> usize {
        self.shared.weak_cnt.load(Acquire)
    }
}

fn new_receiver<T>(shared: Arc<Shared<T>>) -> Receiver<T> {
    let mut ring = shared.ring.lock();
    ring.rx_cnt += 1;
    let next = ring.tail;
    drop(ring);
    Receiver {
        shared,
        next,
        waiter: None,
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.ring.lock().tx_cnt += 1;
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let mut ring = self.shared.ring.lock();
        ring.tx_cnt -= 1;
        if ring.tx_cnt == 0 {
            // Receivers waiting for a value must learn that none will come.
            self.shared.wake_all(ring);
        }
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("broadcast::Sender")
    }
}

impl<T> WeakSender<T> {
    /// A [`Sender`], if any still exists.
    pub fn upgrade(&self) -> Option<Sender<T>> {
        let mut ring = self.shared.ring.lock();
        if ring.tx_cnt == 0 {
            return None;
        }
        ring.tx_cnt += 1;
        Some(Sender {
            shared: self.shared.clone(),
        })
    }

    /// Number of live [`Sender`]s.
    pub fn strong_count(&self) -> usize {
        self.shared.ring.lock().tx_cnt
    }

    /// Number of live [`WeakSender`]s.
    pub fn weak_count(&self) -> usize {
        self.shared.weak_cnt.load(Acquire)
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> Self {
        self.shared.weak_cnt.fetch_add(1, Relaxed);
        WeakSender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for WeakSender<T> {
    fn drop(&mut self) {
        self.shared.weak_cnt.fetch_sub(1, AcqRel);
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("broadcast::WeakSender")
    }
}

/// What a receive attempt under the lock found.
enum Attempt<T> {
    /// The value, and the slot's copy if this was its last reader (drop it after unlocking).
    Value(T, Option<T>),
    Empty,
    Closed,
    Lagged(u64),
}

impl<T> Receiver<T> {
    /// Number of values sent that this receiver has yet to receive (more than the capacity means it
    /// has lagged).
    pub fn len(&self) -> usize {
        let ring = self.shared.ring.lock();
        (ring.tail - self.next) as usize
    }

    /// True if nothing new has been sent.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True if both receivers belong to the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// Number of live [`Sender`]s.
    pub fn sender_strong_count(&self) -> usize {
        self.shared.ring.lock().tx_cnt
    }

    /// Number of live [`WeakSender`]s.
    pub fn sender_weak_count(&self) -> usize {
        self.shared.weak_cnt.load(Acquire)
    }

    /// True once every sender is gone (values may still be waiting).
    pub fn is_closed(&self) -> bool {
        self.sender_strong_count() == 0
    }

    /// Reads position `next` under the lock: a clone of the value, or the value itself for its last
    /// reader.
    fn attempt(&mut self, ring: &mut Ring<T>) -> Attempt<T>
    where
        T: Clone,
    {
        if self.next >= ring.tail {
            return if ring.tx_cnt == 0 {
                Attempt::Closed
            } else {
                Attempt::Empty
            };
        }
        let oldest = ring.tail.saturating_sub(self.shared.capacity());
        if self.next < oldest {
            let missed = oldest - self.next;
            self.next = oldest;
            return Attempt::Lagged(missed);
        }
        let slot = &mut ring.slots[(self.next & self.shared.mask) as usize];
        debug_assert_eq!(slot.pos, self.next);
        // Move on first: a value whose `clone` panics is skipped, not retried forever.
        self.next += 1;
        slot.rem -= 1;
        let v = slot.val.clone().expect("broadcast slot lost its value");
        // The last reader frees the value (after unlocking) rather than leaving it to the next send.
        let spent = if slot.rem == 0 { slot.val.take() } else { None };
        Attempt::Value(v, spent)
    }

    /// Leaves the waiter queue if queued (a `Recv` future was dropped, or a value arrived).
    ///
    /// Returns the waker it held, to be dropped by the caller after unlocking (dropping a waker can
    /// run arbitrary code, even code that uses this channel).
    #[must_use]
    fn cancel_wait(&mut self, ring: &mut Ring<T>) -> Option<Waker> {
        let key = self.waiter.take()?;
        ring.waiters.release(key)
    }

    /// Receives the next value, registering `cx` if there is none. Takes part in the budget.
    pub(crate) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Result<T, RecvError>>
    where
        T: Clone,
    {
        let coop = ready!(crate::coop::poll_proceed(cx));
        let shared = self.shared.clone();
        let mut ring = shared.ring.lock();
        let attempt = self.attempt(&mut ring);
        let mut spent = None;
        let out = match attempt {
            Attempt::Value(v, last) => {
                spent = last;
                Ok(v)
            }
            Attempt::Closed => Err(RecvError::Closed),
            Attempt::Lagged(n) => Err(RecvError::Lagged(n)),
            Attempt::Empty => {
                let old = match self.waiter {
                    Some(key) if ring.waiters.is_linked(key) => {
                        let slot = ring.waiters.get_mut(key);
                        match slot {
                            Some(w) if w.will_wake(cx.waker()) => None,
                            _ => slot.replace(cx.waker().clone()),
                        }
                    }
                    _ => {
                        let old = self.cancel_wait(&mut ring);
                        self.waiter = Some(ring.waiters.push_back(Some(cx.waker().clone())));
                        old
                    }
                };
                drop(ring);
                drop(old);
                return Poll::Pending;
            }
        };
        let old = self.cancel_wait(&mut ring);
        drop(ring);
        drop(old);
        drop(spent);
        coop.made_progress();
        Poll::Ready(out)
    }

    /// Receives the next value, waiting for one.
    ///
    /// Cancel safe: dropping the future loses no value.
    pub async fn recv(&mut self) -> Result<T, RecvError>
    where
        T: Clone,
    {
        Recv { rx: self }.await
    }

    /// Receives the next value if one is waiting.
    pub fn try_recv(&mut self) -> Result<T, TryRecvError>
    where
        T: Clone,
    {
        let shared = self.shared.clone();
        let mut ring = shared.ring.lock();
        let attempt = self.attempt(&mut ring);
        drop(ring);
        match attempt {
            Attempt::Value(v, _spent) => Ok(v),
            Attempt::Empty => Err(TryRecvError::Empty),
            Attempt::Closed => Err(TryRecvError::Closed),
            Attempt::Lagged(n) => Err(TryRecvError::Lagged(n)),
        }
    }

    /// Blocking `recv`, for synchronous code.
    ///
    /// # Panics
    ///
    /// Panics if called within an asynchronous execution context.
    #[track_caller]
    pub fn blocking_recv(&mut self) -> Result<T, RecvError>
    where
        T: Clone,
    {
        crate::runtime::context::blocking_block_on(self.recv())
    }

    /// A new receiver for the same channel, starting at the newest position (it does not see values
    /// already sent).
    pub fn resubscribe(&self) -> Self {
        new_receiver(self.shared.clone())
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let shared = self.shared.clone();
        let mut ring = shared.ring.lock();
        let old_waker = self.cancel_wait(&mut ring);
        ring.rx_cnt -= 1;
        let last = ring.rx_cnt == 0;
        // Values this receiver will never read: it no longer counts as a pending reader.
        let oldest = ring.tail.saturating_sub(self.shared.capacity());
        let mut to_drop = Vec::new();
        for pos in self.next.max(oldest)..ring.tail {
            let slot = &mut ring.slots[(pos & self.shared.mask) as usize];
            slot.rem -= 1;
            if slot.rem == 0 {
                to_drop.extend(slot.val.take());
            }
        }
        drop(ring);
        drop(old_waker);
        drop(to_drop);
        if last {
            self.shared.notify_last_rx_drop.notify_waiters();
        }
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("broadcast::Receiver")
    }
}

/// Future of [`Receiver::recv`]; leaves the waiter queue when dropped.
struct Recv<'a, T> {
    rx: &'a mut Receiver<T>,
}

impl<T: Clone> Future for Recv<'_, T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        self.get_mut().rx.poll_recv(cx)
    }
}

impl<T> Drop for Recv<'_, T> {
    fn drop(&mut self) {
        if self.rx.waiter.is_some() {
            let shared = self.rx.shared.clone();
            let mut ring = shared.ring.lock();
            let old = self.rx.cancel_wait(&mut ring);
            drop(ring);
            drop(old);
        }
    }
}

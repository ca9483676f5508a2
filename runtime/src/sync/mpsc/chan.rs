//! The state shared by one channel's senders and its receiver, for both flavours.
//!
//! A channel is one `Arc<Chan>` holding the lock-free [`list`](super::list), the receiver's waker, the
//! sender counts and a flavour-specific [`Semaphore`]: the bounded flavour's counts free slots (a
//! batch semaphore: senders wait on it), the unbounded flavour's counts queued messages.
//!
//! ## Closing
//!
//! - The receiver closes the channel (`close()` or drop): the semaphore is closed, so sends fail; tasks
//!   in `Sender::closed()` are woken. Messages already queued can still be received.
//! - The last sender goes away: `tx_count` reaches zero and the receiver is woken. The receiver reports
//!   the end (`None`) once the queue is empty and either every sender is gone or it closed the channel
//!   and the semaphore is idle (no message, and for the bounded flavour no reserved permit, remains).
//!
//! The receiver checks again after registering its waker, so a send or close racing the check is not
//! lost (the sender pushes, then wakes; the receiver registers, then pops). A send wakes with
//! [`AtomicWaker::wake_seq_cst`]: a plain load when the receiver has no waker stored, which is the
//! common case while it keeps up (it registers only when it finds the queue empty). Its `SeqCst`
//! contract is met by the list (`list.rs`, "Sending"). A sender's drop and a bounded permit given back
//! after a close still wake with the read-modify-write `wake`.
//!
//! ## Layout
//!
//! Senders write the list's tail and the semaphore on every message; the receiver writes its read
//! position on every message and the semaphore when it gives a slot back; the waker word is flipped
//! by both. Each of these groups is [`CachePadded`], so a write by one side does not evict the line
//! another side is using (false sharing). Tokio pads its channel the same way.
//!
//! ## Batches
//!
//! `recv_many` moves every consecutive written message of a block into the caller's buffer with one
//! read of the block's ready word ([`list::Rx::pop_many`]) and gives all their slots back with one
//! semaphore update, instead of one atomic round per message.

use super::list::{self, Pop};
use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};
use crate::loom::sync::Arc;
use crate::sync::cache_padded::CachePadded;
use crate::sync::notify::Notify;
use crate::util::atomic_waker::AtomicWaker;
use std::fmt;
use std::task::{ready, Context, Poll};

/// What the channel flavours must provide: the gate in front of the queue.
pub(crate) trait Semaphore {
    /// `n` messages were received: give their slots back.
    fn add_permits(&self, n: usize);
    /// No message is queued and (bounded) no permit is reserved.
    fn is_idle(&self) -> bool;
    /// The receiver closed the channel.
    fn close(&self);
    /// True after `close`.
    fn is_closed(&self) -> bool;
}

/// Shared channel state.
///
/// The fields each party writes on every message sit on cache lines of their own (see the module
/// docs): the list's tail (senders), the semaphore (senders and receiver), the receiver's waker (both
/// sides, once per wake-up) and the receiver's position (receiver only).
pub(crate) struct Chan<T, S> {
    tx: CachePadded<list::Tx<T>>,
    semaphore: CachePadded<S>,
    rx_waker: CachePadded<AtomicWaker>,
    /// Woken (all waiters) when the receiver closes.
    notify_rx_closed: Notify,
    tx_count: AtomicUsize,
    tx_weak_count: AtomicUsize,
    rx_fields: CachePadded<UnsafeCell<RxFields<T>>>,
}

struct RxFields<T> {
    list: list::Rx<T>,
    rx_closed: bool,
}

// SAFETY: values of `T` cross threads (sent on one, received on another), hence `T: Send`. The
// receiver-only fields are touched only through the unique `Rx` handle (`&mut self` methods or its
// drop), and everything else is atomics or internally synchronized.
unsafe impl<T: Send, S: Send> Send for Chan<T, S> {}
// SAFETY: as above; no `&T` is ever handed out from a shared reference.
unsafe impl<T: Send, S: Sync> Sync for Chan<T, S> {}

// A panic cannot leave the channel half-updated: no user code runs while its invariants are broken.
impl<T, S> std::panic::RefUnwindSafe for Chan<T, S> {}
impl<T, S> std::panic::UnwindSafe for Chan<T, S> {}

impl<T, S> Drop for Chan<T, S> {
    fn drop(&mut self) {
        let tx = &self.tx;
        // SAFETY: the last handle is gone: we have exclusive access, no sender will push again.
        self.rx_fields
            .with_mut(|f| unsafe { (*f).list.free_all(tx) });
    }
}

/// Creates the shared state; returns the first sender handle and the receiver handle.
pub(crate) fn channel<T, S: Semaphore>(semaphore: S) -> (Tx<T, S>, Rx<T, S>) {
    let (tx, rx) = list::list();
    let chan = Arc::new(Chan {
        tx: CachePadded::new(tx),
        semaphore: CachePadded::new(semaphore),
        rx_waker: CachePadded::new(AtomicWaker::new()),
        notify_rx_closed: Notify::new(),
        tx_count: AtomicUsize::new(1),
        tx_weak_count: AtomicUsize::new(0),
        rx_fields: CachePadded::new(UnsafeCell::new(RxFields {
            list: rx,
            rx_closed: false,
        })),
    });
    (Tx { chan: chan.clone() }, Rx { chan })
}

/// A strong sender handle.
pub(crate) struct Tx<T, S> {
    chan: Arc<Chan<T, S>>,
}

/// A weak sender handle: keeps the memory alive, not the channel open.
pub(crate) struct WeakTx<T, S> {
    chan: Arc<Chan<T, S>>,
}

/// The receiver handle.
pub(crate) struct Rx<T, S: Semaphore> {
    chan: Arc<Chan<T, S>>,
}

impl<T, S: Semaphore> Tx<T, S> {
    pub(crate) fn semaphore(&self) -> &S {
        &self.chan.semaphore
    }

    /// Queues `value` (the caller has passed the semaphore) and wakes the receiver.
    pub(crate) fn send(&self, value: T) {
        self.chan.tx.push(value);
        // `push` published the message with `SeqCst` read-modify-writes and the receiver re-checks
        // with `SeqCst` loads after registering (`list.rs`): the load-only wake is enough.
        self.chan.rx_waker.wake_seq_cst();
    }

    /// Wakes the receiver if it waits for the end and the semaphore became idle (a bounded permit was
    /// given back after the receiver closed).
    pub(crate) fn wake_rx(&self) {
        self.chan.rx_waker.wake();
    }

    pub(crate) fn is_closed(&self) -> bool {
        self.chan.semaphore.is_closed()
    }

    /// Completes once the receiver has closed the channel.
    pub(crate) async fn closed(&self) {
        loop {
            // Created before the check, so a close between the check and the await is seen.
            let notified = self.chan.notify_rx_closed.notified();
            if self.chan.semaphore.is_closed() {
                return;
            }
            notified.await;
        }
    }

    pub(crate) fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.chan, &other.chan)
    }

    pub(crate) fn downgrade(&self) -> WeakTx<T, S> {
        self.chan.tx_weak_count.fetch_add(1, Relaxed);
        WeakTx {
            chan: self.chan.clone(),
        }
    }

    pub(crate) fn strong_count(&self) -> usize {
        self.chan.tx_count.load(Acquire)
    }

    pub(crate) fn weak_count(&self) -> usize {
        self.chan.tx_weak_count.load(Acquire)
    }
}

impl<T, S> Clone for Tx<T, S> {
    fn clone(&self) -> Self {
        self.chan.tx_count.fetch_add(1, Relaxed);
        Tx {
            chan: self.chan.clone(),
        }
    }
}

impl<T, S> Drop for Tx<T, S> {
    fn drop(&mut self) {
        if self.chan.tx_count.fetch_sub(1, AcqRel) == 1 {
            // The last sender: the receiver may be waiting to learn that the stream ended.
            self.chan.rx_waker.wake();
        }
    }
}

impl<T, S> WeakTx<T, S> {
    /// A strong handle, if any strong sender still exists.
    pub(crate) fn upgrade(&self) -> Option<Tx<T, S>> {
        let mut n = self.chan.tx_count.load(Relaxed);
        loop {
            if n == 0 {
                return None;
            }
            match self
                .chan
                .tx_count
                .compare_exchange_weak(n, n + 1, AcqRel, Relaxed)
            {
                Ok(_) => {
                    return Some(Tx {
                        chan: self.chan.clone(),
                    })
                }
                Err(actual) => n = actual,
            }
        }
    }

    pub(crate) fn strong_count(&self) -> usize {
        self.chan.tx_count.load(Acquire)
    }

    pub(crate) fn weak_count(&self) -> usize {
        self.chan.tx_weak_count.load(Acquire)
    }
}

impl<T, S> Clone for WeakTx<T, S> {
    fn clone(&self) -> Self {
        self.chan.tx_weak_count.fetch_add(1, Relaxed);
        WeakTx {
            chan: self.chan.clone(),
        }
    }
}

impl<T, S> Drop for WeakTx<T, S> {
    fn drop(&mut self) {
        self.chan.tx_weak_count.fetch_sub(1, AcqRel);
    }
}

/// Why `try_recv` found nothing.
pub(crate) enum TryRecv {
    Empty,
    Disconnected,
}

impl<T, S: Semaphore> Rx<T, S> {
    pub(crate) fn semaphore(&self) -> &S {
        &self.chan.semaphore
    }

    fn with_fields<R>(&mut self, f: impl FnOnce(&Chan<T, S>, &mut RxFields<T>) -> R) -> R {
        let chan = &*self.chan;
        // SAFETY: `Rx` is the only handle that touches `rx_fields`, and `&mut self` makes this access
        // exclusive.
        chan.rx_fields.with_mut(|p| f(chan, unsafe { &mut *p }))
    }

    /// Closes the channel from the receiving side; queued messages stay receivable.
    pub(crate) fn close(&mut self) {
        self.with_fields(|chan, f| {
            if !f.rx_closed {
                f.rx_closed = true;
                chan.semaphore.close();
                chan.notify_rx_closed.notify_waiters();
            }
        });
    }

    /// True once the receiver closed, or every sender is gone.
    pub(crate) fn is_closed(&self) -> bool {
        self.chan.semaphore.is_closed() || self.chan.tx_count.load(Acquire) == 0
    }

    fn is_finished(chan: &Chan<T, S>, f: &RxFields<T>) -> bool {
        (f.rx_closed && chan.semaphore.is_idle()) || chan.tx_count.load(Acquire) == 0
    }

    /// Receives up to `limit` messages into `buf` (at least one unless the channel has ended).
    pub(crate) fn poll_recv_many(
        &mut self,
        cx: &mut Context<'_>,
        buf: &mut Vec<T>,
        limit: usize,
    ) -> Poll<usize> {
        if limit == 0 {
            return Poll::Ready(0);
        }
        let coop = ready!(crate::coop::poll_proceed(cx));
        let res = self.with_fields(|chan, f| {
            let take = |f: &mut RxFields<T>, buf: &mut Vec<T>| {
                let n = f.list.pop_many(&chan.tx, buf, limit);
                if n > 0 {
                    chan.semaphore.add_permits(n);
                }
                n
            };
            let n = take(f, buf);
            if n > 0 {
                return Poll::Ready(n);
            }
            chan.rx_waker.register_by_ref(cx.waker());
            let n = take(f, buf);
            if n > 0 {
                return Poll::Ready(n);
            }
            if Self::is_finished(chan, f) {
                // Everything sent before the end is visible now (Acquire on the count/state).
                return Poll::Ready(take(f, buf));
            }
            Poll::Pending
        });
        if res.is_ready() {
            coop.made_progress();
        }
        res
    }

    /// Receives one message; `None` once the channel has ended.
    pub(crate) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let coop = ready!(crate::coop::poll_proceed(cx));
        let res = self.with_fields(|chan, f| {
            let pop = |f: &mut RxFields<T>| match f.list.pop(&chan.tx) {
                Pop::Value(v) => {
                    chan.semaphore.add_permits(1);
                    Some(v)
                }
                Pop::Empty | Pop::Busy => None,
            };
            if let Some(v) = pop(f) {
                return Poll::Ready(Some(v));
            }
            chan.rx_waker.register_by_ref(cx.waker());
            if let Some(v) = pop(f) {
                return Poll::Ready(Some(v));
            }
            if Self::is_finished(chan, f) {
                return Poll::Ready(pop(f));
            }
            Poll::Pending
        });
        if res.is_ready() {
            coop.made_progress();
        }
        res
    }

    /// Receives a message without waiting. A message being written right now is waited for (the
    /// sender is between two instructions), as Tokio does.
    pub(crate) fn try_recv(&mut self) -> Result<T, TryRecv> {
        self.with_fields(|chan, f| loop {
            match f.list.pop(&chan.tx) {
                Pop::Value(v) => {
                    chan.semaphore.add_permits(1);
                    return Ok(v);
                }
                Pop::Busy => crate::loom::thread::yield_now(),
                Pop::Empty => {
                    if !Self::is_finished(chan, f) {
                        return Err(TryRecv::Empty);
                    }
                    // Re-check: a message sent just before the end must not be missed.
                    return match f.list.pop(&chan.tx) {
                        Pop::Value(v) => {
                            chan.semaphore.add_permits(1);
                            Ok(v)
                        }
                        _ => Err(TryRecv::Disconnected),
                    };
                }
            }
        })
    }

    /// Messages waiting to be received.
    pub(crate) fn len(&self) -> usize {
        let chan = &*self.chan;
        // SAFETY: a shared read of the receiver's position; writers of it need `&mut Rx`, which cannot
        // coexist with this `&Rx`.
        chan.rx_fields.with(|p| unsafe { (*p).list.len(&chan.tx) })
    }

    pub(crate) fn sender_strong_count(&self) -> usize {
        self.chan.tx_count.load(Acquire)
    }

    pub(crate) fn sender_weak_count(&self) -> usize {
        self.chan.tx_weak_count.load(Acquire)
    }
}

impl<T, S: Semaphore> Drop for Rx<T, S> {
    fn drop(&mut self) {
        self.close();
        // The waker may keep a task's memory alive: let it go now, not when the last sender goes.
        drop(self.chan.rx_waker.take());
        // Drop what is queued now (and free its permits); later arrivals go with the channel. A
        // message whose destructor panics must not keep the rest from being dropped.
        struct Drain<'a, T, S: Semaphore>(&'a Chan<T, S>, &'a mut RxFields<T>);
        impl<T, S: Semaphore> Drain<'_, T, S> {
            fn run(&mut self) {
                while let Pop::Value(v) = self.1.list.pop(&self.0.tx) {
                    self.0.semaphore.add_permits(1);
                    drop(v);
                }
            }
        }
        impl<T, S: Semaphore> Drop for Drain<'_, T, S> {
            fn drop(&mut self) {
                // Reached with messages left only when `run` unwound out of a destructor.
                self.run();
            }
        }
        self.with_fields(|chan, f| Drain(chan, f).run());
    }
}

impl<T, S> fmt::Debug for Tx<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tx").finish_non_exhaustive()
    }
}

impl<T, S: Semaphore> fmt::Debug for Rx<T, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rx").finish_non_exhaustive()
    }
}

//! A single-producer, multi-consumer channel that keeps only the latest value.
//!
//! ## Protocol
//!
//! The value sits behind a reader-writer lock; a state word holds `version | CLOSED`, where the
//! version goes up by 2 on every send and bit 0 says the last sender is gone. A send replaces the
//! value and bumps the version *while holding the write lock*, so a reader that holds the read lock
//! sees a version that matches the value it reads. Then it wakes every waiting receiver with
//! [`Notify::notify_waiters`].
//!
//! Each receiver remembers the version it last saw. `changed()` creates its `Notified` first, then
//! compares versions, then waits: a send between the comparison and the wait still completes the
//! `Notified`, because `notify_waiters` reaches every `Notified` created before it.
//!
//! Shortcut: the lock is `parking_lot::RwLock` directly, in loom builds too (the loom shim has no
//! reader-writer lock). The loom models (`runtime/tests/loom_sync_watch.rs`) therefore check the
//! version word and the wake-ups, and borrow the value only when the other thread can no longer be
//! inside `send`; that the version matches the value under the lock is outside what they check.

use super::notify::Notify;
use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};
use parking_lot::{RwLock, RwLockReadGuard};
use std::fmt;
use std::ops;
use std::sync::Arc;

const CLOSED: usize = 1;
const STEP: usize = 2;

/// Errors of the watch channel (`eddy::sync::watch::error`).
pub mod error {
    use std::fmt;

    /// Every receiver is gone: the value was not stored, and is handed back.
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

    /// Every sender is gone (and, for `changed`, no unseen value remains).
    #[derive(Debug, Clone)]
    pub struct RecvError(pub(super) ());

    impl fmt::Display for RecvError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("channel closed")
        }
    }

    impl std::error::Error for RecvError {}
}

use error::{RecvError, SendError};

struct Shared<T> {
    value: RwLock<T>,
    /// `version | CLOSED`.
    state: AtomicUsize,
    rx_count: AtomicUsize,
    tx_count: AtomicUsize,
    /// Woken on every send and when the last sender goes.
    notify_rx: Notify,
    /// Woken when the last receiver goes.
    notify_tx: Notify,
}

impl<T> Shared<T> {
    fn version(&self) -> usize {
        self.state.load(SeqCst) & !CLOSED
    }

    fn is_closed(&self) -> bool {
        self.state.load(SeqCst) & CLOSED != 0
    }
}

/// Sends values to the [`Receiver`]s; created by [`channel`]. Cloneable.
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
}

/// Observes the latest value; created by [`channel`] or [`Sender::subscribe`]. Cloneable.
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    version: usize,
}

/// A read lock on the current value, returned by the `borrow` methods.
///
/// Holding it blocks senders: keep it short and never across an `.await`.
pub struct Ref<'a, T> {
    inner: RwLockReadGuard<'a, T>,
    has_changed: bool,
}

impl<T> Ref<'_, T> {
    /// True if this value had not been seen by the receiver when it was borrowed (always `false` for
    /// [`Sender::borrow`] and [`Receiver::borrow`] of an already seen value).
    pub fn has_changed(&self) -> bool {
        self.has_changed
    }
}

impl<T> ops::Deref for Ref<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.inner
    }
}

impl<T: fmt::Debug> fmt::Debug for Ref<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&**self, f)
    }
}

/// Creates a watch channel holding `init`.
///
/// ```
/// use eddy::sync::watch;
///
/// # eddy::runtime::Runtime::new().unwrap().block_on(async {
/// let (tx, mut rx) = watch::channel("hello");
/// eddy::spawn(async move {
///     tx.send("world").unwrap();
/// });
/// rx.changed().await.unwrap();
/// assert_eq!(*rx.borrow_and_update(), "world");
/// # });
/// ```
pub fn channel<T>(init: T) -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        value: RwLock::new(init),
        state: AtomicUsize::new(0),
        rx_count: AtomicUsize::new(1),
        tx_count: AtomicUsize::new(1),
        notify_rx: Notify::new(),
        notify_tx: Notify::new(),
    });
    (
        Sender {
            shared: shared.clone(),
        },
        Receiver { shared, version: 0 },
    )
}

impl<T> Receiver<T> {
    /// The current value, without marking it seen.
    pub fn borrow(&self) -> Ref<'_, T> {
        let inner = self.shared.value.read();
        let has_changed = self.shared.version() != self.version;
        Ref { inner, has_changed }
    }

    /// The current value, marking it seen.
    pub fn borrow_and_update(&mut self) -> Ref<'_, T> {
        let inner = self.shared.value.read();
        let current = self.shared.version();
        let has_changed = current != self.version;
        self.version = current;
        Ref { inner, has_changed }
    }

    /// Whether a value not yet seen is waiting. Fails if every sender is gone.
    pub fn has_changed(&self) -> Result<bool, RecvError> {
        let state = self.shared.state.load(SeqCst);
        if state & CLOSED != 0 {
            return Err(RecvError(()));
        }
        Ok(state & !CLOSED != self.version)
    }

    /// True if every sender is gone.
    pub fn is_closed(&self) -> bool {
        self.shared.is_closed()
    }

    /// Makes the current value count as unseen.
    pub fn mark_changed(&mut self) {
        self.version = self.version.wrapping_sub(STEP);
    }

    /// Makes the current value count as seen.
    pub fn mark_unchanged(&mut self) {
        self.version = self.shared.version();
    }

    /// Waits for a value not yet seen and marks it seen. Fails once every sender is gone and the
    /// latest value has been seen. Cancel safe.
    pub async fn changed(&mut self) -> Result<(), RecvError> {
        super::cooperative(async {
            loop {
                let notified = self.shared.notify_rx.notified();
                let state = self.shared.state.load(SeqCst);
                if state & !CLOSED != self.version {
                    self.version = state & !CLOSED;
                    return Ok(());
                }
                if state & CLOSED != 0 {
                    return Err(RecvError(()));
                }
                notified.await;
            }
        })
        .await
    }

    /// Waits until `f` accepts the value (checking the current one first), marks it seen and
    /// returns it. Fails if every sender goes away before `f` accepts a value.
    pub async fn wait_for(
        &mut self,
        mut f: impl FnMut(&T) -> bool,
    ) -> Result<Ref<'_, T>, RecvError> {
        // One budget unit for the whole call, spent even when the current value is accepted at once:
        // a loop around `wait_for` must still yield to its neighbours.
        super::cooperative(async move {
            loop {
                let notified = self.shared.notify_rx.notified();
                {
                    let inner = self.shared.value.read();
                    let state = self.shared.state.load(SeqCst);
                    let current = state & !CLOSED;
                    let has_changed = current != self.version;
                    self.version = current;
                    if f(&inner) {
                        return Ok(Ref { inner, has_changed });
                    }
                    if state & CLOSED != 0 {
                        return Err(RecvError(()));
                    }
                }
                notified.await;
            }
        })
        .await
    }

    /// True if both receivers belong to the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Self {
        self.shared.rx_count.fetch_add(1, Relaxed);
        Receiver {
            shared: self.shared.clone(),
            version: self.version,
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        if self.shared.rx_count.fetch_sub(1, AcqRel) == 1 {
            self.shared.notify_tx.notify_waiters();
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

impl<T> Sender<T> {
    /// A sender with no receiver yet (see [`subscribe`](Sender::subscribe)).
    pub fn new(init: T) -> Sender<T> {
        channel(init).0
    }

    /// Stores `value` and notifies the receivers. Fails, handing `value` back, if there are none.
    pub fn send(&self, value: T) -> Result<(), SendError<T>> {
        if self.receiver_count() == 0 {
            return Err(SendError(value));
        }
        self.send_replace(value);
        Ok(())
    }

    /// Modifies the value in place and notifies the receivers, even if there are none.
    ///
    /// If `modify` panics, the panic propagates and receivers are not notified.
    pub fn send_modify<F: FnOnce(&mut T)>(&self, modify: F) {
        self.send_if_modified(|v| {
            modify(v);
            true
        });
    }

    /// Modifies the value in place; notifies the receivers only if `modify` returns `true`.
    pub fn send_if_modified<F: FnOnce(&mut T) -> bool>(&self, modify: F) -> bool {
        {
            let mut value = self.shared.value.write();
            // A panic here unlocks (parking_lot does not poison) before the version moves.
            if !modify(&mut value) {
                return false;
            }
            // Under the write lock, so readers see a version that matches the value.
            self.shared.state.fetch_add(STEP, SeqCst);
        }
        self.shared.notify_rx.notify_waiters();
        true
    }

    /// Stores `value`, notifies the receivers (even if there are none) and returns the old value.
    pub fn send_replace(&self, mut value: T) -> T {
        self.send_modify(|old| std::mem::swap(old, &mut value));
        value
    }

    /// The current value.
    pub fn borrow(&self) -> Ref<'_, T> {
        Ref {
            inner: self.shared.value.read(),
            has_changed: false,
        }
    }

    /// True if every receiver is gone.
    pub fn is_closed(&self) -> bool {
        self.receiver_count() == 0
    }

    /// Completes once every receiver is gone. Cancel safe.
    pub async fn closed(&self) {
        super::cooperative(async {
            loop {
                let notified = self.shared.notify_tx.notified();
                if self.receiver_count() == 0 {
                    return;
                }
                notified.await;
            }
        })
        .await
    }

    /// A new receiver that has seen the current value.
    pub fn subscribe(&self) -> Receiver<T> {
        self.shared.rx_count.fetch_add(1, Relaxed);
        Receiver {
            version: self.shared.version(),
            shared: self.shared.clone(),
        }
    }

    /// Number of live receivers.
    pub fn receiver_count(&self) -> usize {
        self.shared.rx_count.load(Acquire)
    }

    /// Number of live senders.
    pub fn sender_count(&self) -> usize {
        self.shared.tx_count.load(Acquire)
    }

    /// True if both senders belong to the same channel.
    pub fn same_channel(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.shared.tx_count.fetch_add(1, Relaxed);
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        if self.shared.tx_count.fetch_sub(1, AcqRel) == 1 {
            self.shared.state.fetch_or(CLOSED, SeqCst);
            self.shared.notify_rx.notify_waiters();
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sender").finish_non_exhaustive()
    }
}

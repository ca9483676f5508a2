//! `SetOnce`: a cell that one `set` call fills, and that tasks can wait on until it is filled.
//!
//! The value sits in an `UnsafeCell<MaybeUninit<T>>` and is published by a flag, `value_set`
//! (Release when the value is in, Acquire before it is read), as in [`OnceCell`](super::OnceCell).
//! It is never written again while the cell is shared, so readers need no lock.
//!
//! Setters take a small mutex (`set_lock`) around "check the flag, move the value in, raise the
//! flag". Only one of two racing setters can get past the check, and a loser does not return until
//! the winner has raised the flag: when `set` fails, `get` already returns the winner's value. No
//! user code runs under the mutex (moving a `T` runs none), and waiters never take it.
//!
//! Waiters sleep on a private [`Notify`](super::Notify), which only the winning setter notifies,
//! with `notify_waiters`, once the flag is raised. A waiter makes its `Notified` *before* it looks
//! at the flag: a `Notified` completes on any `notify_waiters` call made after its creation, so a
//! set that lands between the waiter's look and its sleep still wakes it. (The ordering argument:
//! the flag is stored before `notify_waiters` bumps the call count with a Release read-modify-write;
//! a waiter that already saw the bumped count when making its `Notified` is therefore ordered after
//! the flag and sees it raised, and one that saw the old count is woken by the bump.)

use super::Notify;
use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::{AtomicBool, Ordering::*};
use crate::loom::sync::Mutex;
use std::error::Error;
use std::fmt;
use std::mem::MaybeUninit;

/// A thread-safe cell that is set at most once and that tasks can [wait](SetOnce::wait) on.
///
/// Unlike [`OnceCell`](super::OnceCell), a `SetOnce` has no initializer: some task fills it with
/// [`set`](SetOnce::set), and any number of others wait for that with [`wait`](SetOnce::wait), in
/// the manner of an event that carries a value. [`get`](SetOnce::get) looks without waiting. Once
/// set, the value never changes; a later `set` fails and hands its value back in a
/// [`SetOnceError`].
///
/// # Examples
///
/// A value announced by one task and awaited by others:
///
/// ```
/// use eddy::sync::SetOnce;
/// use std::sync::Arc;
///
/// # eddy::runtime::Runtime::new().unwrap().block_on(async {
/// let port = Arc::new(SetOnce::new());
///
/// let waiters: Vec<_> = (0..3)
///     .map(|_| {
///         let port = port.clone();
///         eddy::spawn(async move { *port.wait().await + 1 })
///     })
///     .collect();
///
/// port.set(8080u16).unwrap();
/// for waiter in waiters {
///     assert_eq!(waiter.await.unwrap(), 8081);
/// }
///
/// // The value is fixed now: a second `set` gives its argument back.
/// assert_eq!(port.set(9090).unwrap_err().0, 9090);
/// assert_eq!(port.get(), Some(&8080));
/// # });
/// ```
///
/// In a `static`:
///
/// ```
/// use eddy::sync::SetOnce;
///
/// static SHUTDOWN_REASON: SetOnce<&str> = SetOnce::const_new();
///
/// # eddy::runtime::Runtime::new().unwrap().block_on(async {
/// eddy::spawn(async {
///     SHUTDOWN_REASON.set("signal").unwrap();
/// });
/// assert_eq!(*SHUTDOWN_REASON.wait().await, "signal");
/// # });
/// ```
pub struct SetOnce<T> {
    /// Raised (Release) once `value` holds a `T`; never lowered while the cell is shared.
    value_set: AtomicBool,
    value: UnsafeCell<MaybeUninit<T>>,
    /// Held by a setter from its check of `value_set` until it has raised it.
    set_lock: Mutex<()>,
    /// Notified (`notify_waiters`) by the winning setter, after `value_set` is raised.
    notify: Notify,
}

// SAFETY: a shared `SetOnce` hands out `&T` to every thread that holds it, so `T: Sync` is needed,
// and lets whichever thread calls `set` move a `T` in (to be dropped by the owner's thread), so
// `T: Send` is needed too; those two suffice, as for `std::sync::OnceLock`. The cell's own state
// is atomics, a mutex and a `Notify`, all of which are shared safely.
unsafe impl<T: Sync + Send> Sync for SetOnce<T> {}
// SAFETY: moving the cell to another thread moves the `T` it may hold, and nothing else tied to
// the old thread.
unsafe impl<T: Send> Send for SetOnce<T> {}

impl<T> SetOnce<T> {
    /// Creates an empty cell.
    ///
    /// ```
    /// use eddy::sync::SetOnce;
    ///
    /// let cell = SetOnce::<u8>::new();
    /// assert!(!cell.initialized());
    /// ```
    pub fn new() -> Self {
        SetOnce {
            value_set: AtomicBool::new(false),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            set_lock: Mutex::new(()),
            notify: Notify::new(),
        }
    }

    /// Creates an empty cell in a `const` context, such as a `static`'s initializer.
    ///
    /// ```
    /// use eddy::sync::SetOnce;
    ///
    /// static READY: SetOnce<()> = SetOnce::const_new();
    ///
    /// assert!(READY.get().is_none());
    /// READY.set(()).unwrap();
    /// assert!(READY.initialized());
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new() -> Self {
        SetOnce {
            value_set: AtomicBool::new(false),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            set_lock: Mutex::new(()),
            notify: Notify::const_new(),
        }
    }

    /// Creates a cell that holds `value` if it is `Some`, or an empty one (like
    /// [`new`](SetOnce::new)) if it is `None`.
    ///
    /// ```
    /// use eddy::sync::SetOnce;
    ///
    /// assert_eq!(SetOnce::new_with(Some(3)).get(), Some(&3));
    /// assert_eq!(SetOnce::<i32>::new_with(None).get(), None);
    /// ```
    pub fn new_with(value: Option<T>) -> Self {
        match value {
            Some(value) => SetOnce::from(value),
            None => SetOnce::new(),
        }
    }

    /// Creates a cell that already holds `value`, in a `const` context.
    ///
    /// A `set` on it always fails, and [`wait`](SetOnce::wait) returns at once.
    ///
    /// ```
    /// use eddy::sync::SetOnce;
    ///
    /// static LIMIT: SetOnce<usize> = SetOnce::const_new_with(64);
    ///
    /// assert_eq!(LIMIT.get(), Some(&64));
    /// assert!(LIMIT.set(128).is_err());
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new_with(value: T) -> Self {
        SetOnce {
            value_set: AtomicBool::new(true),
            value: UnsafeCell::new(MaybeUninit::new(value)),
            set_lock: Mutex::new(()),
            notify: Notify::const_new(),
        }
    }

    /// Returns `true` if the cell holds a value.
    ///
    /// Once this has returned `true` it always will (while the cell lives), and
    /// [`get`](SetOnce::get) returns the value.
    pub fn initialized(&self) -> bool {
        // Acquire: pairs with the Release in `set`, so the value moved in before is visible.
        self.value_set.load(Acquire)
    }

    /// The value, without checking that there is one.
    ///
    /// # Safety
    ///
    /// `initialized()` must have returned `true` on this thread (so its Acquire load saw the flag).
    unsafe fn get_unchecked(&self) -> &T {
        // SAFETY: per the contract, the value was written before `value_set` was raised (Release)
        // and the caller's Acquire load saw it raised, so the write happens-before this read. The
        // value is never written or moved again while `&self` exists (only `into_inner` and drop
        // take it out, and they need the cell by value or `&mut`), so the reference stays valid
        // for the borrow of `self`.
        self.value.with(|p| unsafe { (*p).assume_init_ref() })
    }

    /// Returns the value, or `None` if the cell is still empty. Never waits.
    ///
    /// ```
    /// use eddy::sync::SetOnce;
    ///
    /// let cell = SetOnce::new();
    /// assert_eq!(cell.get(), None);
    /// cell.set("hello").unwrap();
    /// assert_eq!(cell.get(), Some(&"hello"));
    /// ```
    pub fn get(&self) -> Option<&T> {
        if self.initialized() {
            // SAFETY: `initialized()` just returned true.
            Some(unsafe { self.get_unchecked() })
        } else {
            None
        }
    }

    /// Stores `value` if the cell is empty, and wakes every task in [`wait`](SetOnce::wait).
    ///
    /// If the cell already holds a value, `value` is handed back in the [`SetOnceError`] and the
    /// cell is unchanged. When several threads call `set` at the same time, exactly one succeeds;
    /// by the time the others get their error, [`get`](SetOnce::get) returns the value that won.
    ///
    /// ```
    /// use eddy::sync::{SetOnce, SetOnceError};
    ///
    /// let cell = SetOnce::new();
    /// assert_eq!(cell.set(1), Ok(()));
    /// assert_eq!(cell.set(2), Err(SetOnceError(2)));
    /// assert_eq!(cell.get(), Some(&1));
    /// ```
    pub fn set(&self, value: T) -> Result<(), SetOnceError<T>> {
        // Set already: fail without touching the lock.
        if self.initialized() {
            return Err(SetOnceError(value));
        }
        let guard = self.set_lock.lock();
        // Checked again under the lock: another setter may have won while we waited for it.
        if self.initialized() {
            return Err(SetOnceError(value));
        }
        // SAFETY: we hold `set_lock` and saw `value_set` false under it, so no other setter can
        // be writing (they are all behind the lock and will see the flag raised), and no reader
        // can be reading (readers look only after seeing the flag raised, and it is not yet).
        // Writing a `MaybeUninit` runs no destructor and no user code.
        self.value.with_mut(|p| unsafe { (*p).write(value) });
        // Release: publishes the write above to every Acquire load that sees `true`.
        self.value_set.store(true, Release);
        drop(guard);
        // Every waiter made its `Notified` before checking the flag: those that saw it lowered
        // are woken here (see the module docs for why none can slip between).
        self.notify.notify_waiters();
        Ok(())
    }

    /// Moves the value out, leaving the cell empty (so its destructor drops nothing).
    fn take(&mut self) -> Option<T> {
        if !self.initialized() {
            return None;
        }
        self.value_set.store(false, Relaxed);
        // SAFETY: the flag was raised, so the value is initialized; `&mut self` rules out any
        // other access, and lowering the flag just above means the value is neither read nor
        // dropped again from the cell: the copy returned here is now its only owner.
        Some(self.value.with_mut(|p| unsafe { (*p).assume_init_read() }))
    }

    /// Consumes the cell and returns its value, or `None` if it was never set.
    ///
    /// ```
    /// use eddy::sync::SetOnce;
    ///
    /// let cell = SetOnce::new();
    /// cell.set(String::from("done")).unwrap();
    /// assert_eq!(cell.into_inner(), Some(String::from("done")));
    ///
    /// assert_eq!(SetOnce::<String>::new().into_inner(), None);
    /// ```
    pub fn into_inner(mut self) -> Option<T> {
        self.take()
    }

    /// Waits until the cell holds a value, and returns it.
    ///
    /// Returns at once if the cell is set already. Otherwise the task sleeps until a
    /// [`set`](SetOnce::set) succeeds; every task waiting then is woken.
    ///
    /// # Cancel safety
    ///
    /// This method is cancel safe: dropping the future before it completes has no effect on the
    /// cell or on other waiters.
    ///
    /// ```
    /// use eddy::sync::SetOnce;
    /// use std::sync::Arc;
    ///
    /// # eddy::runtime::Runtime::new().unwrap().block_on(async {
    /// let cell = Arc::new(SetOnce::new());
    /// let setter = cell.clone();
    /// eddy::spawn(async move { setter.set(7).unwrap() });
    /// assert_eq!(*cell.wait().await, 7);
    /// # });
    /// ```
    pub async fn wait(&self) -> &T {
        if let Some(value) = self.get() {
            return value;
        }
        loop {
            // Made before the flag is checked: a `notify_waiters` from now on completes it, so a
            // `set` landing after the check below cannot be missed.
            let notified = self.notify.notified();
            if let Some(value) = self.get() {
                return value;
            }
            notified.await;
        }
    }
}

impl<T> Drop for SetOnce<T> {
    fn drop(&mut self) {
        drop(self.take());
    }
}

impl<T> Default for SetOnce<T> {
    /// An empty cell, as [`SetOnce::new`].
    fn default() -> Self {
        SetOnce::new()
    }
}

impl<T> From<T> for SetOnce<T> {
    /// A cell that already holds `value`.
    fn from(value: T) -> Self {
        SetOnce {
            value_set: AtomicBool::new(true),
            value: UnsafeCell::new(MaybeUninit::new(value)),
            set_lock: Mutex::new(()),
            notify: Notify::new(),
        }
    }
}

impl<T: Clone> Clone for SetOnce<T> {
    /// A new cell holding a clone of this one's value, or an empty cell if this one is empty.
    /// Waiters on this cell are not waiters on the clone.
    fn clone(&self) -> Self {
        SetOnce::new_with(self.get().cloned())
    }
}

impl<T: PartialEq> PartialEq for SetOnce<T> {
    /// Two cells are equal when both are empty or both hold equal values.
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq> Eq for SetOnce<T> {}

impl<T: fmt::Debug> fmt::Debug for SetOnce<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SetOnce")
            .field("value", &self.get())
            .finish()
    }
}

/// The error of [`SetOnce::set`] on a cell that already holds a value.
///
/// It carries the value that could not be stored, so the caller gets it back.
///
/// ```
/// use eddy::sync::{SetOnce, SetOnceError};
///
/// let cell = SetOnce::from(vec![1]);
/// let SetOnceError(rejected) = cell.set(vec![2]).unwrap_err();
/// assert_eq!(rejected, vec![2]);
/// ```
#[derive(Debug, PartialEq, Eq)]
pub struct SetOnceError<T>(pub T);

impl<T> fmt::Display for SetOnceError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SetOnceError")
    }
}

impl<T: fmt::Debug> Error for SetOnceError<T> {}

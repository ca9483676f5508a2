//! `OnceCell`: a cell written once, possibly by an async initializer that only one task runs.
//!
//! The value sits in an `UnsafeCell<MaybeUninit<T>>`, guarded by a flag (`value_set`, Release on
//! write, Acquire on read) and a one-permit [batch semaphore](super::batch_semaphore). Whoever holds
//! the permit may initialize; once the value is written the semaphore is closed for good, so tasks
//! queued behind the initializer wake with "closed", which here means "ready". If an initializer
//! fails or is cancelled, its permit goes back and the next queued task tries.

use super::batch_semaphore as bs;
use crate::loom::cell::UnsafeCell;
use crate::loom::sync::atomic::{AtomicBool, Ordering::*};
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::mem::MaybeUninit;

/// A thread-safe cell that is written at most once, with async initialization.
///
/// ```
/// use eddy::sync::OnceCell;
///
/// static CONFIG: OnceCell<u32> = OnceCell::const_new();
///
/// # eddy::runtime::Runtime::new().unwrap().block_on(async {
/// let v = CONFIG.get_or_init(|| async { 42 }).await;
/// assert_eq!(*v, 42);
/// assert_eq!(CONFIG.get(), Some(&42));
/// # });
/// ```
pub struct OnceCell<T> {
    value_set: AtomicBool,
    value: UnsafeCell<MaybeUninit<T>>,
    semaphore: bs::Semaphore,
}

// SAFETY: sharing the cell shares `&T` across threads (`Sync`) and lets any thread write the `T`
// (`Send`), as for `std::sync::OnceLock`.
unsafe impl<T: Sync + Send> Sync for OnceCell<T> {}
// SAFETY: moving the cell moves the `T`.
unsafe impl<T: Send> Send for OnceCell<T> {}

/// Why [`OnceCell::set`] failed; the value is handed back.
#[derive(Debug, PartialEq, Eq)]
pub enum SetError<T> {
    /// The cell already holds a value.
    AlreadyInitializedError(T),
    /// Another task is initializing the cell right now.
    InitializingError(T),
}

impl<T> fmt::Display for SetError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SetError::AlreadyInitializedError(_) => "AlreadyInitializedError",
            SetError::InitializingError(_) => "InitializingError",
        })
    }
}

impl<T: fmt::Debug> Error for SetError<T> {}

impl<T> SetError<T> {
    /// True for [`SetError::AlreadyInitializedError`].
    pub fn is_already_init_err(&self) -> bool {
        matches!(self, SetError::AlreadyInitializedError(_))
    }

    /// True for [`SetError::InitializingError`].
    pub fn is_initializing_err(&self) -> bool {
        matches!(self, SetError::InitializingError(_))
    }
}

/// Gives the initialization permit back unless defused (the initializer failed or was cancelled).
struct PermitGuard<'a>(&'a bs::Semaphore);

impl Drop for PermitGuard<'_> {
    fn drop(&mut self) {
        self.0.release(1);
    }
}

impl<T> OnceCell<T> {
    /// An empty cell.
    pub fn new() -> Self {
        OnceCell {
            value_set: AtomicBool::new(false),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            semaphore: bs::Semaphore::new(1),
        }
    }

    /// An empty cell, in a `const` context.
    #[cfg(not(loom))]
    pub const fn const_new() -> Self {
        OnceCell {
            value_set: AtomicBool::new(false),
            value: UnsafeCell::new(MaybeUninit::uninit()),
            semaphore: bs::Semaphore::const_new(1),
        }
    }

    /// A cell holding `value` if it is `Some`.
    pub fn new_with(value: Option<T>) -> Self {
        match value {
            Some(v) => OnceCell::from(v),
            None => OnceCell::new(),
        }
    }

    /// A cell holding `value`, in a `const` context.
    #[cfg(not(loom))]
    pub const fn const_new_with(value: T) -> Self {
        OnceCell {
            value_set: AtomicBool::new(true),
            value: UnsafeCell::new(MaybeUninit::new(value)),
            semaphore: bs::Semaphore::const_new_closed(),
        }
    }

    /// True once a value is stored.
    pub fn initialized(&self) -> bool {
        self.value_set.load(Acquire)
    }

    /// # Safety
    ///
    /// `initialized()` must have returned true (Acquire).
    unsafe fn get_unchecked(&self) -> &T {
        // SAFETY: the value was written before `value_set` was published and is never written
        // again while shared.
        self.value.with(|p| unsafe { (*p).assume_init_ref() })
    }

    /// The value, if set.
    pub fn get(&self) -> Option<&T> {
        if self.initialized() {
            // SAFETY: just checked.
            Some(unsafe { self.get_unchecked() })
        } else {
            None
        }
    }

    /// The value, mutably, if set.
    pub fn get_mut(&mut self) -> Option<&mut T> {
        if self.initialized() {
            // SAFETY: initialized, and `&mut self` rules out any other access.
            Some(self.value.with_mut(|p| unsafe { (*p).assume_init_mut() }))
        } else {
            None
        }
    }

    /// Writes the value; the caller holds the permit, which is kept (the semaphore closes).
    fn set_value(&self, value: T, permit: PermitGuard<'_>) -> &T {
        // SAFETY: holding the only permit, with `value_set` still false, makes us the only
        // accessor of the cell.
        self.value.with_mut(|p| unsafe { (*p).write(value) });
        self.value_set.store(true, Release);
        std::mem::forget(permit);
        self.semaphore.close();
        // SAFETY: set just above.
        unsafe { self.get_unchecked() }
    }

    /// Stores `value` if the cell is empty and nobody is initializing it.
    pub fn set(&self, value: T) -> Result<(), SetError<T>> {
        if self.initialized() {
            return Err(SetError::AlreadyInitializedError(value));
        }
        match self.semaphore.try_acquire(1) {
            Ok(()) => {
                self.set_value(value, PermitGuard(&self.semaphore));
                Ok(())
            }
            Err(bs::TryAcquireError::NoPermits) => Err(SetError::InitializingError(value)),
            Err(bs::TryAcquireError::Closed) => Err(SetError::AlreadyInitializedError(value)),
        }
    }

    /// Returns the value, running `f` to produce it if the cell is empty. Concurrent callers wait for
    /// the one running `f`; if that one is cancelled, the next tries.
    pub async fn get_or_init<F, Fut>(&self, f: F) -> &T
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T>,
    {
        match self
            .get_or_try_init(|| async { Ok::<T, std::convert::Infallible>(f().await) })
            .await
        {
            Ok(v) => v,
            Err(never) => match never {},
        }
    }

    /// Like [`get_or_init`](OnceCell::get_or_init), but `f` may fail; the error is returned and the
    /// cell stays empty (the next caller tries again).
    pub async fn get_or_try_init<E, F, Fut>(&self, f: F) -> Result<&T, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, E>>,
    {
        if let Some(v) = self.get() {
            return Ok(v);
        }
        match self.semaphore.acquire(1).await {
            Ok(()) => {
                let permit = PermitGuard(&self.semaphore);
                if let Some(v) = self.get() {
                    return Ok(v);
                }
                let value = f().await?;
                Ok(self.set_value(value, permit))
            }
            // Closed means initialized.
            Err(bs::Closed) => Ok(self
                .get()
                .expect("OnceCell semaphore closed without a value")),
        }
    }

    /// Takes the value out, leaving the cell empty.
    pub fn take(&mut self) -> Option<T> {
        if !self.initialized() {
            return None;
        }
        self.value_set.store(false, Release);
        self.semaphore = bs::Semaphore::new(1);
        // SAFETY: it was initialized, `&mut self` is exclusive, and clearing `value_set` above
        // means it will not be read or dropped again.
        Some(self.value.with(|p| unsafe { (*p).assume_init_read() }))
    }

    /// Consumes the cell, returning the value if set.
    pub fn into_inner(mut self) -> Option<T> {
        self.take()
    }
}

impl<T> Drop for OnceCell<T> {
    fn drop(&mut self) {
        if self.initialized() {
            // SAFETY: initialized, and nobody can access the cell any more.
            self.value.with_mut(|p| unsafe { (*p).assume_init_drop() });
        }
    }
}

impl<T> Default for OnceCell<T> {
    fn default() -> Self {
        OnceCell::new()
    }
}

impl<T> From<T> for OnceCell<T> {
    fn from(value: T) -> Self {
        OnceCell {
            value_set: AtomicBool::new(true),
            value: UnsafeCell::new(MaybeUninit::new(value)),
            semaphore: bs::Semaphore::new_closed(),
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for OnceCell<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OnceCell")
            .field("value", &self.get())
            .finish()
    }
}

impl<T: Clone> Clone for OnceCell<T> {
    fn clone(&self) -> Self {
        OnceCell::new_with(self.get().cloned())
    }
}

impl<T: PartialEq> PartialEq for OnceCell<T> {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq> Eq for OnceCell<T> {}

//! `RwLock`: an asynchronous, fair, write-preferring reader-writer lock.
//!
//! The lock is a [batch semaphore](super::batch_semaphore) holding `max_readers` permits. A reader
//! takes one; a writer takes all of them. The semaphore is FIFO, so a queued writer blocks readers
//! that arrive after it (no writer starvation), and readers queued behind a writer get in together
//! once it leaves.
//!
//! Guards live in [`guards`] (borrowed) and [`owned`] (through an `Arc`).

use super::batch_semaphore as bs;
use super::mutex::{unsafe_cell_into_inner, TryLockError};
use crate::loom::cell::UnsafeCell;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

mod guards;
mod owned;

pub use guards::{RwLockMappedWriteGuard, RwLockReadGuard, RwLockWriteGuard};
pub use owned::{OwnedRwLockMappedWriteGuard, OwnedRwLockReadGuard, OwnedRwLockWriteGuard};

/// The most readers a `RwLock` admits at once.
#[cfg(not(loom))]
const MAX_READS: u32 = u32::MAX >> 3;
#[cfg(loom)]
const MAX_READS: u32 = 10;

/// An asynchronous reader-writer lock: many readers or one writer, in FIFO order.
///
/// # Examples
///
/// ```
/// use eddy::sync::RwLock;
///
/// # eddy::runtime::Runtime::new().unwrap().block_on(async {
/// let lock = RwLock::new(5);
/// {
///     let r1 = lock.read().await;
///     let r2 = lock.read().await;
///     assert_eq!(*r1 + *r2, 10);
/// }
/// *lock.write().await += 1;
/// assert_eq!(*lock.read().await, 6);
/// # });
/// ```
pub struct RwLock<T: ?Sized> {
    mr: u32,
    s: bs::Semaphore,
    c: UnsafeCell<T>,
}

// SAFETY: like `std::sync::RwLock`: moving the lock moves the `T` (`Send`); sharing it lets several
// threads read (`Sync`) and one write (`Send`).
unsafe impl<T: ?Sized + Send> Send for RwLock<T> {}
// SAFETY: as above.
unsafe impl<T: ?Sized + Send + Sync> Sync for RwLock<T> {}

impl<T> RwLock<T> {
    /// Creates an unlocked lock holding `value`.
    pub fn new(value: T) -> RwLock<T> {
        Self::with_max_readers(value, MAX_READS)
    }

    /// Creates an unlocked lock admitting at most `max_reads` readers at once.
    ///
    /// # Panics
    ///
    /// Panics if `max_reads` is 0 or more than `u32::MAX >> 3`.
    #[track_caller]
    pub fn with_max_readers(value: T, max_reads: u32) -> RwLock<T> {
        assert_ne!(max_reads, 0, "a RwLock may not be created with 0 readers");
        assert!(
            max_reads <= MAX_READS,
            "a RwLock may not be created with more than {MAX_READS} readers"
        );
        RwLock {
            mr: max_reads,
            s: bs::Semaphore::new(max_reads as usize),
            c: UnsafeCell::new(value),
        }
    }

    /// Creates an unlocked lock in a `const` context.
    #[cfg(not(loom))]
    pub const fn const_new(value: T) -> RwLock<T> {
        Self::const_with_max_readers(value, MAX_READS)
    }

    /// `with_max_readers` in a `const` context.
    #[cfg(not(loom))]
    pub const fn const_with_max_readers(value: T, max_reads: u32) -> RwLock<T> {
        assert!(max_reads != 0, "a RwLock may not be created with 0 readers");
        assert!(
            max_reads <= MAX_READS,
            "a RwLock may not be created with more than MAX_READS readers"
        );
        RwLock {
            mr: max_reads,
            s: bs::Semaphore::const_new(max_reads as usize),
            c: UnsafeCell::new(value),
        }
    }

    /// Consumes the lock, returning the data.
    pub fn into_inner(self) -> T {
        let RwLock { c, .. } = self;
        unsafe_cell_into_inner(c)
    }
}

impl<T: ?Sized> RwLock<T> {
    fn data(&self) -> *mut T {
        self.c.with_mut(|p| p)
    }

    fn read_guard(&self) -> RwLockReadGuard<'_, T> {
        RwLockReadGuard {
            s: &self.s,
            data: self.data(),
            marker: PhantomData,
        }
    }

    fn write_guard(&self) -> RwLockWriteGuard<'_, T> {
        RwLockWriteGuard {
            permits_acquired: self.mr,
            s: &self.s,
            data: self.data(),
            marker: PhantomData,
        }
    }

    /// Locks for reading, waiting behind any queued writer. Cancel safe.
    pub async fn read(&self) -> RwLockReadGuard<'_, T> {
        if self.s.acquire(1).await.is_err() {
            unreachable!("a RwLock's semaphore is never closed");
        }
        self.read_guard()
    }

    /// Blocking `read`, for synchronous code.
    ///
    /// # Panics
    ///
    /// Panics if called within an asynchronous execution context.
    #[track_caller]
    pub fn blocking_read(&self) -> RwLockReadGuard<'_, T> {
        crate::runtime::context::blocking_block_on(self.read())
    }

    /// Locks for reading through an `Arc`, returning a `'static` guard. Cancel safe.
    pub async fn read_owned(self: Arc<Self>) -> OwnedRwLockReadGuard<T> {
        if self.s.acquire(1).await.is_err() {
            unreachable!("a RwLock's semaphore is never closed");
        }
        OwnedRwLockReadGuard::new(self)
    }

    /// Locks for reading if that is possible right now.
    pub fn try_read(&self) -> Result<RwLockReadGuard<'_, T>, TryLockError> {
        self.s.try_acquire(1).map_err(|_| TryLockError(()))?;
        Ok(self.read_guard())
    }

    /// Owned variant of [`try_read`](RwLock::try_read).
    pub fn try_read_owned(self: Arc<Self>) -> Result<OwnedRwLockReadGuard<T>, TryLockError> {
        self.s.try_acquire(1).map_err(|_| TryLockError(()))?;
        Ok(OwnedRwLockReadGuard::new(self))
    }

    /// Locks for writing, waiting for current readers and earlier waiters. Cancel safe.
    pub async fn write(&self) -> RwLockWriteGuard<'_, T> {
        if self.s.acquire(self.mr as usize).await.is_err() {
            unreachable!("a RwLock's semaphore is never closed");
        }
        self.write_guard()
    }

    /// Blocking `write`, for synchronous code.
    ///
    /// # Panics
    ///
    /// Panics if called within an asynchronous execution context.
    #[track_caller]
    pub fn blocking_write(&self) -> RwLockWriteGuard<'_, T> {
        crate::runtime::context::blocking_block_on(self.write())
    }

    /// Locks for writing through an `Arc`, returning a `'static` guard. Cancel safe.
    pub async fn write_owned(self: Arc<Self>) -> OwnedRwLockWriteGuard<T> {
        if self.s.acquire(self.mr as usize).await.is_err() {
            unreachable!("a RwLock's semaphore is never closed");
        }
        OwnedRwLockWriteGuard::new(self)
    }

    /// Locks for writing if that is possible right now.
    pub fn try_write(&self) -> Result<RwLockWriteGuard<'_, T>, TryLockError> {
        self.s
            .try_acquire(self.mr as usize)
            .map_err(|_| TryLockError(()))?;
        Ok(self.write_guard())
    }

    /// Owned variant of [`try_write`](RwLock::try_write).
    pub fn try_write_owned(self: Arc<Self>) -> Result<OwnedRwLockWriteGuard<T>, TryLockError> {
        self.s
            .try_acquire(self.mr as usize)
            .map_err(|_| TryLockError(()))?;
        Ok(OwnedRwLockWriteGuard::new(self))
    }

    /// The data, through exclusive access to the lock (no locking needed).
    pub fn get_mut(&mut self) -> &mut T {
        // SAFETY: `&mut self` proves no guard or other reference exists.
        self.c.with_mut(|p| unsafe { &mut *p })
    }
}

impl<T> From<T> for RwLock<T> {
    fn from(value: T) -> Self {
        RwLock::new(value)
    }
}

impl<T: Default> Default for RwLock<T> {
    fn default() -> Self {
        RwLock::new(T::default())
    }
}

impl<T: ?Sized + fmt::Debug> fmt::Debug for RwLock<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("RwLock");
        match self.try_read() {
            Ok(guard) => d.field("data", &&*guard),
            Err(_) => d.field("data", &format_args!("<locked>")),
        };
        d.finish()
    }
}

/// Deref, Debug and Display for a guard type whose `data` field points at the target; with
/// `mutable`, DerefMut too.
macro_rules! guard_impls {
    ([$($gen:tt)*] $ty:ty => $target:ty) => {
        impl<$($gen)*> std::ops::Deref for $ty {
            type Target = $target;
            fn deref(&self) -> &$target {
                // SAFETY: the guard holds the permits that make `data` valid to read; it points
                // into the lock's cell, alive as long as the guard borrows or owns the lock.
                unsafe { &*self.data }
            }
        }
        impl<$($gen)*> std::fmt::Debug for $ty where $target: std::fmt::Debug {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Debug::fmt(&**self, f)
            }
        }
        impl<$($gen)*> std::fmt::Display for $ty where $target: std::fmt::Display {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                std::fmt::Display::fmt(&**self, f)
            }
        }
    };
    (mutable [$($gen:tt)*] $ty:ty => $target:ty) => {
        guard_impls!([$($gen)*] $ty => $target);
        impl<$($gen)*> std::ops::DerefMut for $ty {
            fn deref_mut(&mut self) -> &mut $target {
                // SAFETY: a write guard holds every permit, so this is the only access to the
                // data; `&mut self` makes it unique through the guard.
                unsafe { &mut *self.data }
            }
        }
    };
}
pub(crate) use guard_impls;

//! `Semaphore`: a counting semaphore for tasks, with borrowed and owned permits.
//!
//! A thin public face over the crate's [batch semaphore](super::batch_semaphore), which provides the
//! fairness (FIFO: a large request at the head of the queue is not starved by small ones behind it),
//! the lock-free fast paths and the cancel safety.

use super::batch_semaphore as bs;
use std::error::Error;
use std::fmt;
use std::sync::Arc;

/// A counting semaphore: tasks acquire permits, waiting in FIFO order when none are free.
///
/// # Examples
///
/// Limit the number of tasks doing something at once:
///
/// ```
/// use eddy::sync::Semaphore;
/// use std::sync::Arc;
///
/// # eddy::runtime::Runtime::new().unwrap().block_on(async {
/// let sem = Arc::new(Semaphore::new(3));
/// let mut handles = Vec::new();
/// for _ in 0..10 {
///     let permit = sem.clone().acquire_owned().await.unwrap();
///     handles.push(eddy::spawn(async move {
///         // ... at most 3 of these run at a time ...
///         drop(permit);
///     }));
/// }
/// for h in handles {
///     h.await.unwrap();
/// }
/// # });
/// ```
pub struct Semaphore {
    ll: bs::Semaphore,
}

/// Permits taken from a [`Semaphore`]; given back when dropped.
#[must_use]
#[clippy::has_significant_drop]
pub struct SemaphorePermit<'a> {
    sem: &'a Semaphore,
    permits: usize,
}

/// Permits taken from an `Arc<Semaphore>`; `'static`, given back when dropped.
#[must_use]
#[clippy::has_significant_drop]
pub struct OwnedSemaphorePermit {
    sem: Arc<Semaphore>,
    permits: usize,
}

/// The semaphore was closed: no permit can be acquired.
#[derive(Debug, PartialEq, Eq)]
pub struct AcquireError(());

impl fmt::Display for AcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("semaphore closed")
    }
}

impl Error for AcquireError {}

/// Why a `try_acquire` failed.
#[derive(Debug, PartialEq, Eq)]
pub enum TryAcquireError {
    /// The semaphore was closed.
    Closed,
    /// Not enough permits are free right now.
    NoPermits,
}

impl TryAcquireError {
    /// True for [`TryAcquireError::Closed`].
    pub fn is_closed(&self) -> bool {
        matches!(self, TryAcquireError::Closed)
    }

    /// True for [`TryAcquireError::NoPermits`].
    pub fn is_no_permits(&self) -> bool {
        matches!(self, TryAcquireError::NoPermits)
    }
}

impl fmt::Display for TryAcquireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TryAcquireError::Closed => "semaphore closed",
            TryAcquireError::NoPermits => "no permits available",
        })
    }
}

impl Error for TryAcquireError {}

fn try_err(e: bs::TryAcquireError) -> TryAcquireError {
    match e {
        bs::TryAcquireError::Closed => TryAcquireError::Closed,
        bs::TryAcquireError::NoPermits => TryAcquireError::NoPermits,
    }
}

impl Semaphore {
    /// The most permits a semaphore can hold (`usize::MAX >> 3`).
    pub const MAX_PERMITS: usize = bs::Semaphore::MAX_PERMITS;

    /// Creates a semaphore with `permits` permits.
    ///
    /// # Panics
    ///
    /// Panics if `permits` exceeds [`Semaphore::MAX_PERMITS`].
    #[track_caller]
    pub fn new(permits: usize) -> Semaphore {
        Semaphore {
            ll: bs::Semaphore::new(permits),
        }
    }

    /// Creates a semaphore in a `const` context.
    ///
    /// ```
    /// use eddy::sync::Semaphore;
    /// static SEM: Semaphore = Semaphore::const_new(10);
    /// assert_eq!(SEM.available_permits(), 10);
    /// ```
    #[cfg(not(loom))]
    pub const fn const_new(permits: usize) -> Semaphore {
        Semaphore {
            ll: bs::Semaphore::const_new(permits),
        }
    }

    /// Permits free right now.
    pub fn available_permits(&self) -> usize {
        self.ll.available_permits()
    }

    /// Adds `n` new permits, waking waiters they satisfy.
    ///
    /// # Panics
    ///
    /// Panics if the total would exceed [`Semaphore::MAX_PERMITS`].
    #[track_caller]
    pub fn add_permits(&self, n: usize) {
        assert!(
            n <= Self::MAX_PERMITS,
            "cannot add more than MAX_PERMITS permits ({})",
            Self::MAX_PERMITS
        );
        self.ll.release(n);
    }

    /// Removes up to `n` free permits for good; returns how many were removed.
    pub fn forget_permits(&self, n: usize) -> usize {
        self.ll.forget_permits(n)
    }

    /// Acquires one permit, waiting for it. Fails only if the semaphore is closed.
    ///
    /// Cancel safe: dropping the future returns any permits it was given and gives up its place in
    /// the queue.
    pub async fn acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError> {
        self.acquire_many(1).await
    }

    /// Acquires `n` permits at once, waiting for them. Cancel safe.
    pub async fn acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, AcquireError> {
        self.ll
            .acquire(n as usize)
            .await
            .map_err(|_| AcquireError(()))?;
        Ok(SemaphorePermit {
            sem: self,
            permits: n as usize,
        })
    }

    /// Takes one permit if it is free and nobody is queued.
    pub fn try_acquire(&self) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.try_acquire_many(1)
    }

    /// Takes `n` permits if they are free and nobody is queued.
    pub fn try_acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, TryAcquireError> {
        self.ll.try_acquire(n as usize).map_err(try_err)?;
        Ok(SemaphorePermit {
            sem: self,
            permits: n as usize,
        })
    }

    /// Blocking `acquire`, for synchronous code.
    ///
    /// # Panics
    ///
    /// Panics if called within an asynchronous execution context.
    #[track_caller]
    pub fn blocking_acquire(&self) -> Result<SemaphorePermit<'_>, AcquireError> {
        crate::runtime::context::blocking_block_on(self.acquire())
    }

    /// Blocking `acquire_many`, for synchronous code.
    ///
    /// # Panics
    ///
    /// Panics if called within an asynchronous execution context.
    #[track_caller]
    pub fn blocking_acquire_many(&self, n: u32) -> Result<SemaphorePermit<'_>, AcquireError> {
        crate::runtime::context::blocking_block_on(self.acquire_many(n))
    }

    /// Acquires one permit held through the `Arc`. Cancel safe.
    pub async fn acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, AcquireError> {
        self.acquire_many_owned(1).await
    }

    /// Acquires `n` permits held through the `Arc`. Cancel safe.
    pub async fn acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, AcquireError> {
        self.ll
            .acquire(n as usize)
            .await
            .map_err(|_| AcquireError(()))?;
        Ok(OwnedSemaphorePermit {
            sem: self,
            permits: n as usize,
        })
    }

    /// Owned variant of [`try_acquire`](Semaphore::try_acquire).
    pub fn try_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.try_acquire_many_owned(1)
    }

    /// Owned variant of [`try_acquire_many`](Semaphore::try_acquire_many).
    pub fn try_acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, TryAcquireError> {
        self.ll.try_acquire(n as usize).map_err(try_err)?;
        Ok(OwnedSemaphorePermit {
            sem: self,
            permits: n as usize,
        })
    }

    /// Blocking `acquire_owned`.
    ///
    /// # Panics
    ///
    /// Panics if called within an asynchronous execution context.
    #[track_caller]
    pub fn blocking_acquire_owned(self: Arc<Self>) -> Result<OwnedSemaphorePermit, AcquireError> {
        crate::runtime::context::blocking_block_on(self.acquire_owned())
    }

    /// Blocking `acquire_many_owned`.
    ///
    /// # Panics
    ///
    /// Panics if called within an asynchronous execution context.
    #[track_caller]
    pub fn blocking_acquire_many_owned(
        self: Arc<Self>,
        n: u32,
    ) -> Result<OwnedSemaphorePermit, AcquireError> {
        crate::runtime::context::blocking_block_on(self.acquire_many_owned(n))
    }

    /// Closes the semaphore: pending and later acquires fail; permits held stay valid.
    pub fn close(&self) {
        self.ll.close();
    }

    /// True once [`close`](Semaphore::close) was called.
    pub fn is_closed(&self) -> bool {
        self.ll.is_closed()
    }
}

impl fmt::Debug for Semaphore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Semaphore")
            .field("ll_sem", &self.ll)
            .finish()
    }
}

impl<'a> SemaphorePermit<'a> {
    /// Keeps the permits out of the semaphore for good.
    pub fn forget(mut self) {
        self.permits = 0;
    }

    /// Takes over `other`'s permits.
    ///
    /// # Panics
    ///
    /// Panics if `other` comes from a different semaphore.
    #[track_caller]
    pub fn merge(&mut self, mut other: Self) {
        assert!(
            std::ptr::eq(self.sem, other.sem),
            "merging permits from different semaphore instances"
        );
        self.permits += other.permits;
        other.permits = 0;
    }

    /// Moves `n` of these permits into a new permit; `None` if fewer than `n` are held.
    pub fn split(&mut self, n: usize) -> Option<Self> {
        if n > self.permits {
            return None;
        }
        self.permits -= n;
        Some(SemaphorePermit {
            sem: self.sem,
            permits: n,
        })
    }

    /// The semaphore these permits belong to.
    pub fn semaphore(&self) -> &'a Semaphore {
        self.sem
    }

    /// Number of permits held.
    pub fn num_permits(&self) -> usize {
        self.permits
    }
}

impl Drop for SemaphorePermit<'_> {
    fn drop(&mut self) {
        self.sem.ll.release(self.permits);
    }
}

impl fmt::Debug for SemaphorePermit<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SemaphorePermit")
            .field("sem", &self.sem)
            .field("permits", &self.permits)
            .finish()
    }
}

impl OwnedSemaphorePermit {
    /// Keeps the permits out of the semaphore for good.
    pub fn forget(mut self) {
        self.permits = 0;
    }

    /// Takes over `other`'s permits.
    ///
    /// # Panics
    ///
    /// Panics if `other` comes from a different semaphore.
    #[track_caller]
    pub fn merge(&mut self, mut other: Self) {
        assert!(
            Arc::ptr_eq(&self.sem, &other.sem),
            "merging permits from different semaphore instances"
        );
        self.permits += other.permits;
        other.permits = 0;
    }

    /// Moves `n` of these permits into a new permit; `None` if fewer than `n` are held.
    pub fn split(&mut self, n: usize) -> Option<Self> {
        if n > self.permits {
            return None;
        }
        self.permits -= n;
        Some(OwnedSemaphorePermit {
            sem: self.sem.clone(),
            permits: n,
        })
    }

    /// The semaphore these permits belong to.
    pub fn semaphore(&self) -> &Arc<Semaphore> {
        &self.sem
    }

    /// Number of permits held.
    pub fn num_permits(&self) -> usize {
        self.permits
    }
}

impl Drop for OwnedSemaphorePermit {
    fn drop(&mut self) {
        self.sem.ll.release(self.permits);
    }
}

impl fmt::Debug for OwnedSemaphorePermit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OwnedSemaphorePermit")
            .field("sem", &self.sem)
            .field("permits", &self.permits)
            .finish()
    }
}

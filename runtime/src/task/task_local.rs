//! Task-local storage: the `task_local!` macro, [`LocalKey`], [`TaskLocalFuture`] and [`AccessError`].
//!
//! A task-local value belongs to a future, not to a thread. Each key is backed by a thread-local slot
//! (`RefCell<Option<T>>`), normally empty. [`TaskLocalFuture`] owns the value, and around every poll of
//! the future it wraps (and around dropping that future) it swaps the value into the slot, then swaps it
//! back out, even on a panic. So code run by that future sees the value on whichever worker polls it,
//! and nothing else does. Scopes nest: an inner scope of the same key swaps the outer value out and back.

use std::cell::RefCell;
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::thread;

/// Declares task-local keys, each a `static` [`LocalKey`].
///
/// ```
/// eddy::task_local! {
///     /// The id of the request being served.
///     pub static REQUEST_ID: u64;
///     static USER: String;
/// }
///
/// # eddy::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// REQUEST_ID
///     .scope(7, async {
///         assert_eq!(REQUEST_ID.get(), 7);
///     })
///     .await;
/// assert!(REQUEST_ID.try_get().is_err());
/// # });
/// ```
///
/// Attributes (including doc comments) and visibility are kept. The type may be anything `'static`;
/// the value is only reachable through the key's methods.
#[macro_export]
macro_rules! task_local {
    () => {};
    ($(#[$attr:meta])* $vis:vis static $name:ident: $t:ty $(; $($rest:tt)*)?) => {
        $(#[$attr])*
        $vis static $name: $crate::task::LocalKey<$t> = {
            ::std::thread_local! {
                static __EDDY_TASK_LOCAL_SLOT: ::std::cell::RefCell<::std::option::Option<$t>> =
                    const { ::std::cell::RefCell::new(::std::option::Option::None) };
            }
            $crate::task::LocalKey::__new(__EDDY_TASK_LOCAL_SLOT)
        };
        $($crate::task_local!($($rest)*);)?
    };
}

/// A key for task-local data, declared with `task_local!`. Mirrors `tokio::task::LocalKey`.
///
/// The value is set for the duration of a future with [`scope`](LocalKey::scope), or of a closure with
/// [`sync_scope`](LocalKey::sync_scope), and read with [`with`](LocalKey::with),
/// [`try_with`](LocalKey::try_with) or, for `Clone` values, [`get`](LocalKey::get).
pub struct LocalKey<T: 'static> {
    slot: thread::LocalKey<RefCell<Option<T>>>,
}

impl<T: 'static> LocalKey<T> {
    /// Used by `task_local!`; not public API.
    #[doc(hidden)]
    pub const fn __new(slot: thread::LocalKey<RefCell<Option<T>>>) -> LocalKey<T> {
        LocalKey { slot }
    }

    /// Runs `future` with the key set to `value`: the value is visible to the future whenever it is
    /// polled or dropped, and to nothing else.
    ///
    /// ```
    /// eddy::task_local! { static NUMBER: u32; }
    ///
    /// # eddy::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let doubled = NUMBER.scope(21, async { NUMBER.get() * 2 }).await;
    /// assert_eq!(doubled, 42);
    /// # });
    /// ```
    pub fn scope<F: Future>(&'static self, value: T, future: F) -> TaskLocalFuture<T, F> {
        TaskLocalFuture {
            key: self,
            value: Some(value),
            future: Some(future),
        }
    }

    /// Runs `f` with the key set to `value`, and returns what it returns.
    ///
    /// # Panics
    /// If called inside [`with`](LocalKey::with) of the same key (the value is borrowed), or while the
    /// thread is being torn down.
    #[track_caller]
    pub fn sync_scope<F, R>(&'static self, value: T, f: F) -> R
    where
        F: FnOnce() -> R,
    {
        let mut value = Some(value);
        match self.enter(&mut value, f) {
            Ok(r) => r,
            Err(e) => e.panic(),
        }
    }

    /// Calls `f` with a reference to the value.
    ///
    /// # Panics
    /// If the key is not set: outside of [`scope`](LocalKey::scope) and
    /// [`sync_scope`](LocalKey::sync_scope).
    #[track_caller]
    pub fn with<F, R>(&'static self, f: F) -> R
    where
        F: FnOnce(&T) -> R,
    {
        match self.try_with(f) {
            Ok(r) => r,
            Err(_) => panic!("cannot access a task-local storage value without setting it first"),
        }
    }

    /// Calls `f` with a reference to the value, or returns an [`AccessError`] if the key is not set.
    pub fn try_with<F, R>(&'static self, f: F) -> Result<R, AccessError>
    where
        F: FnOnce(&T) -> R,
    {
        // A destroyed thread-local means this thread is exiting, outside any scope: "not set" too.
        // The `borrow` cannot fail: the slot is only borrowed mutably by `enter`, around its swaps,
        // which run no user code.
        match self.slot.try_with(|slot| slot.borrow().as_ref().map(f)) {
            Ok(Some(r)) => Ok(r),
            Ok(None) | Err(_) => Err(AccessError { _private: () }),
        }
    }

    /// Swaps `value` into the slot, runs `f`, and swaps it back out, also if `f` panics.
    fn enter<F, R>(&'static self, value: &mut Option<T>, f: F) -> Result<R, ScopeError>
    where
        F: FnOnce() -> R,
    {
        /// Swaps the value back out of the slot when dropped.
        struct SwapBack<'a, T: 'static> {
            key: &'static LocalKey<T>,
            value: &'a mut Option<T>,
        }

        impl<T: 'static> Drop for SwapBack<'_, T> {
            fn drop(&mut self) {
                // Cannot fail: the slot was reachable when the value went in, it is not destroyed
                // while this thread runs `f`, and every borrow user code took ended with `f`.
                self.key
                    .slot
                    .with(|slot| std::mem::swap(self.value, &mut *slot.borrow_mut()));
            }
        }

        self.slot
            .try_with(|slot| {
                slot.try_borrow_mut()
                    .map(|mut slot| std::mem::swap(value, &mut *slot))
                    .map_err(|_| ScopeError::Borrowed)
            })
            .map_err(|_| ScopeError::Destroyed)??;
        let _swap_back = SwapBack { key: self, value };
        Ok(f())
    }
}

impl<T: Clone + 'static> LocalKey<T> {
    /// A clone of the value.
    ///
    /// # Panics
    /// If the key is not set.
    #[track_caller]
    pub fn get(&'static self) -> T {
        self.with(T::clone)
    }

    /// A clone of the value, or an [`AccessError`] if the key is not set.
    pub fn try_get(&'static self) -> Result<T, AccessError> {
        self.try_with(T::clone)
    }
}

impl<T: 'static> fmt::Debug for LocalKey<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad("LocalKey { .. }")
    }
}

/// Why a scope could not be entered.
enum ScopeError {
    /// The value is borrowed by `with` on this thread.
    Borrowed,
    /// The thread-local slot is gone (the thread is exiting).
    Destroyed,
}

impl ScopeError {
    #[track_caller]
    fn panic(self) -> ! {
        match self {
            ScopeError::Borrowed => {
                panic!("cannot enter a task-local scope while the task-local storage is borrowed")
            }
            ScopeError::Destroyed => panic!(
                "cannot enter a task-local scope during or after destruction of the underlying thread-local"
            ),
        }
    }
}

pin_project_lite::pin_project! {
    /// A future with a task-local value set while it runs; made by [`LocalKey::scope`].
    ///
    /// Mirrors `tokio::task::futures::TaskLocalFuture`.
    #[must_use = "futures do nothing unless polled"]
    pub struct TaskLocalFuture<T, F>
    where
        T: 'static,
    {
        key: &'static LocalKey<T>,
        value: Option<T>,
        // `None` once the future has completed (or was dropped early, in `drop`).
        #[pin]
        future: Option<F>,
    }

    impl<T: 'static, F> PinnedDrop for TaskLocalFuture<T, F> {
        fn drop(this: Pin<&mut Self>) {
            let this = this.project();
            if std::mem::needs_drop::<F>() && this.future.is_some() {
                // Drop the future inside the scope, so that its destructor sees the value. If the scope
                // cannot be entered, the future is dropped right after, without it.
                let mut future = this.future;
                let _ = this.key.enter(this.value, || future.set(None));
            }
        }
    }
}

impl<T: 'static, F> TaskLocalFuture<T, F> {
    /// Takes the value out, leaving the key unset for the rest of the future's life; `None` if it was
    /// already taken.
    pub fn take_value(self: Pin<&mut Self>) -> Option<T> {
        self.project().value.take()
    }
}

impl<T: 'static, F: Future> Future for TaskLocalFuture<T, F> {
    type Output = F::Output;

    #[track_caller]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.project();
        let mut future = this.future;
        let polled = this.key.enter(this.value, || {
            let poll = future.as_mut().as_pin_mut()?.poll(cx);
            if poll.is_ready() {
                // Dropped here, still inside the scope.
                future.set(None);
            }
            Some(poll)
        });
        match polled {
            Ok(Some(poll)) => poll,
            Ok(None) => panic!("`TaskLocalFuture` polled after completion"),
            Err(e) => e.panic(),
        }
    }
}

impl<T: fmt::Debug + 'static, F> fmt::Debug for TaskLocalFuture<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskLocalFuture")
            .field("value", &self.value)
            .finish_non_exhaustive()
    }
}

/// The task-local value is not set: returned by [`LocalKey::try_with`] and [`LocalKey::try_get`]
/// outside of a scope. Mirrors Tokio's `AccessError`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct AccessError {
    _private: (),
}

impl fmt::Debug for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessError").finish()
    }
}

impl fmt::Display for AccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task-local value not set")
    }
}

impl Error for AccessError {}

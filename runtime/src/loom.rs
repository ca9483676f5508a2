//! The one place where the runtime chooses its concurrency primitives.
//!
//! Concurrency-critical code (task state, run queues, wakers, sync primitives) imports atomics, cells,
//! `Arc`, `Mutex` and threads from here, never from `std` directly. A normal build gets `std` and
//! `parking_lot`; a build with `RUSTFLAGS="--cfg loom"` gets the `loom` model checker's versions, so the
//! same code can be explored under every interleaving loom considers (see `src/loom_tests/`).
//!
//! `UnsafeCell` is wrapped so that both builds share loom's closure API (`with` / `with_mut`): under loom
//! every access is tracked and a data race is reported; in a normal build the closures compile to a raw
//! pointer access.

#[cfg(not(loom))]
mod std_impl {
    pub(crate) mod sync {
        pub(crate) use std::sync::Arc;

        #[allow(unused_imports)]
        pub(crate) mod atomic {
            pub(crate) use std::sync::atomic::{
                fence, AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering,
            };
        }

        /// A mutex with `parking_lot`'s infallible `lock()`; under loom, loom's mutex.
        #[derive(Debug, Default)]
        pub(crate) struct Mutex<T: ?Sized>(parking_lot::Mutex<T>);

        impl<T> Mutex<T> {
            pub(crate) const fn new(value: T) -> Self {
                Mutex(parking_lot::const_mutex(value))
            }
        }

        impl<T: ?Sized> Mutex<T> {
            #[inline]
            pub(crate) fn lock(&self) -> parking_lot::MutexGuard<'_, T> {
                self.0.lock()
            }

            #[inline]
            pub(crate) fn try_lock(&self) -> Option<parking_lot::MutexGuard<'_, T>> {
                self.0.try_lock()
            }
        }

        /// A condition variable paired with [`Mutex`].
        #[derive(Debug, Default)]
        pub(crate) struct Condvar(parking_lot::Condvar);

        impl Condvar {
            pub(crate) const fn new() -> Self {
                Condvar(parking_lot::Condvar::new())
            }

            pub(crate) fn wait<T>(&self, guard: &mut parking_lot::MutexGuard<'_, T>) {
                self.0.wait(guard)
            }

            /// Waits at most `timeout`; returns true if it timed out.
            pub(crate) fn wait_timeout<T>(
                &self,
                guard: &mut parking_lot::MutexGuard<'_, T>,
                timeout: std::time::Duration,
            ) -> bool {
                self.0.wait_for(guard, timeout).timed_out()
            }

            pub(crate) fn notify_one(&self) {
                self.0.notify_one();
            }

            pub(crate) fn notify_all(&self) {
                self.0.notify_all();
            }
        }
    }

    pub(crate) mod cell {
        /// `std::cell::UnsafeCell` with loom's closure-based access API.
        #[derive(Debug)]
        pub(crate) struct UnsafeCell<T: ?Sized>(std::cell::UnsafeCell<T>);

        impl<T> UnsafeCell<T> {
            pub(crate) const fn new(value: T) -> Self {
                UnsafeCell(std::cell::UnsafeCell::new(value))
            }
        }

        impl<T: ?Sized> UnsafeCell<T> {
            #[inline(always)]
            pub(crate) fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
                f(self.0.get())
            }

            #[inline(always)]
            pub(crate) fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
                f(self.0.get())
            }
        }
    }

    #[allow(unused_imports)]
    pub(crate) mod thread {
        pub(crate) use std::thread::{current, yield_now};
    }

    /// A hint inside spin loops; under loom it yields so the model can make progress.
    #[inline(always)]
    pub(crate) fn spin_loop() {
        std::hint::spin_loop();
    }
}

#[cfg(not(loom))]
pub(crate) use std_impl::*;

#[cfg(loom)]
mod loom_impl {
    pub(crate) mod sync {
        pub(crate) use loom::sync::Arc;

        #[allow(unused_imports)]
        pub(crate) mod atomic {
            pub(crate) use loom::sync::atomic::{
                fence, AtomicBool, AtomicPtr, AtomicU32, AtomicU64, AtomicUsize, Ordering,
            };
        }

        /// loom's mutex behind the same infallible `lock()` as the normal build.
        #[derive(Debug, Default)]
        pub(crate) struct Mutex<T>(loom::sync::Mutex<T>);

        impl<T> Mutex<T> {
            pub(crate) fn new(value: T) -> Self {
                Mutex(loom::sync::Mutex::new(value))
            }

            pub(crate) fn lock(&self) -> loom::sync::MutexGuard<'_, T> {
                self.0.lock().unwrap()
            }

            pub(crate) fn try_lock(&self) -> Option<loom::sync::MutexGuard<'_, T>> {
                self.0.try_lock().ok()
            }
        }

        /// loom's condition variable behind the normal build's API.
        #[derive(Debug, Default)]
        pub(crate) struct Condvar(loom::sync::Condvar);

        impl Condvar {
            pub(crate) fn new() -> Self {
                Condvar(loom::sync::Condvar::new())
            }

            pub(crate) fn wait<'a, T>(&self, guard: &mut loom::sync::MutexGuard<'a, T>) {
                // loom's wait takes the guard by value; swap it through a temporary.
                // SAFETY: `guard` is read out and written back before anyone else can observe it;
                // `wait` cannot unwind between the two (loom aborts the model on panic).
                unsafe {
                    let g = std::ptr::read(guard);
                    let g = self.0.wait(g).unwrap();
                    std::ptr::write(guard, g);
                }
            }

            pub(crate) fn wait_timeout<'a, T>(
                &self,
                guard: &mut loom::sync::MutexGuard<'a, T>,
                _timeout: std::time::Duration,
            ) -> bool {
                // loom has no time: a timed wait is modelled as a wait that may also time out
                // spuriously, which the callers must tolerate anyway.
                self.wait(guard);
                false
            }

            pub(crate) fn notify_one(&self) {
                self.0.notify_one();
            }

            pub(crate) fn notify_all(&self) {
                self.0.notify_all();
            }
        }
    }

    pub(crate) mod cell {
        pub(crate) use loom::cell::UnsafeCell;
    }

    #[allow(unused_imports)]
    pub(crate) mod thread {
        pub(crate) use loom::thread::{current, yield_now};
    }

    pub(crate) fn spin_loop() {
        loom::thread::yield_now();
    }
}

#[cfg(loom)]
pub(crate) use loom_impl::*;

//! Parking a thread until it is woken: the primitive under `block_on` and under idle workers.
//!
//! A parker is a three-state word (`EMPTY`, `PARKED`, `NOTIFIED`) plus a mutex and a condition variable.
//! `unpark` sets `NOTIFIED` and, only if the owner is actually asleep (`PARKED`), takes the mutex and
//! signals the condvar; so a wake that races ahead of `park` is remembered as a token and the next
//! `park` returns at once. The owner consumes the token on wake-up. Spurious condvar wake-ups are
//! absorbed by the loop.
//!
//! A worker's parker may also wait in the runtime's driver (`epoll_wait`) instead of the condvar, if no
//! other thread is in it: state `PARKED_DRIVER`, woken through the driver's eventfd.
//!
//! Parkers do not spin before sleeping, as Tokio's do not. Measured on a quiet machine with Tokio's
//! sync benchmarks, a busy-wait of up to 10 µs before each condvar sleep (by `block_on`'s thread and
//! the last worker to go idle, backing off when it kept missing) made `mpsc_contention_bounded`
//! 1.5× slower (1.47–1.57 ms against 0.94–1.03 ms without; Tokio 1.0 ms): the spinning thread took
//! CPU time the six workers on two cores needed. Request/reply between `block_on` and a worker gained
//! little (19–28 ms against 23–35 ms per 1,000 round trips). Three `sched_yield`s before each worker
//! park were worse still beside other busy processes (Tokio's `notify_one_50` workload on eddy:
//! 16–36 ms per iteration against 4.5–11.5 ms), since a yielding thread that another process
//! overtakes waits out that process's time slice. A 5 µs wait by `block_on`'s thread alone, allowed
//! only after sleeps of 20 µs or more, made `mpsc_contention_bounded_full` faster (3.47 → 1.78 ms)
//! but one-worker request/reply slower (53 → 72 ms per 1,000 round trips): the waiting thread held
//! the CPU the answering worker needed (`bench/notes.md` has this and other variants).
//!
//! Each thread has one lazily made parker ([`current_unparker`]); `block_on` builds its waker from it, so
//! waking a `block_on` future costs an atomic swap when the thread is running and a condvar signal only
//! when it sleeps.

use crate::coop;
use crate::driver;
use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};
use crate::loom::sync::{Arc, Condvar, Mutex};
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

const EMPTY: usize = 0;
const PARKED: usize = 1;
const NOTIFIED: usize = 2;
/// Asleep inside the driver (`epoll_wait`): woken through the driver's eventfd.
const PARKED_DRIVER: usize = 3;

struct Inner {
    state: AtomicUsize,
    mutex: Mutex<()>,
    condvar: Condvar,
    /// The runtime's driver, which this parker may wait in if no other thread does.
    driver: Option<std::sync::Arc<driver::Shared>>,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inner").field("state", &self.state).finish()
    }
}

/// The owner's end: only one thread parks on it at a time.
#[derive(Debug)]
pub(crate) struct Parker {
    inner: Arc<Inner>,
}

/// The waking end: cloneable, usable from any thread.
#[derive(Clone, Debug)]
pub(crate) struct Unparker {
    inner: Arc<Inner>,
}

impl Parker {
    pub(crate) fn new() -> Parker {
        Parker::with_driver(None)
    }

    /// A parker that waits in `driver` when it is free (a worker's or a current-thread core's).
    pub(crate) fn with_driver(driver: Option<std::sync::Arc<driver::Shared>>) -> Parker {
        Parker {
            inner: Arc::new(Inner {
                state: AtomicUsize::new(EMPTY),
                mutex: Mutex::new(()),
                condvar: Condvar::new(),
                driver,
            }),
        }
    }

    pub(crate) fn unparker(&self) -> Unparker {
        Unparker {
            inner: self.inner.clone(),
        }
    }

    /// Blocks until unparked (returns at once if a token is waiting).
    pub(crate) fn park(&self) {
        self.inner.park(None);
    }

    /// Blocks until unparked or `timeout` passed.
    pub(crate) fn park_timeout(&self, timeout: Duration) {
        self.inner.park(Some(timeout));
    }
}

impl Inner {
    fn park(&self, timeout: Option<Duration>) {
        if timeout == Some(Duration::ZERO) {
            // A maintenance turn: poll the driver (if free) for events and due timers without
            // sleeping, and leave any wake-up token for the next real park.
            if let Some(shared) = &self.driver {
                if let Some(mut driver) = shared.driver.try_lock() {
                    driver.park(Some(Duration::ZERO));
                }
            }
            return;
        }
        // Fast path: consume a waiting token.
        if self
            .state
            .compare_exchange(NOTIFIED, EMPTY, Acquire, Acquire)
            .is_ok()
        {
            return;
        }
        if let Some(shared) = &self.driver {
            if let Some(mut driver) = shared.driver.try_lock() {
                match self
                    .state
                    .compare_exchange(EMPTY, PARKED_DRIVER, Acquire, Acquire)
                {
                    Ok(_) => {}
                    Err(NOTIFIED) => {
                        self.state.swap(EMPTY, Acquire);
                        return;
                    }
                    Err(s) => panic!("inconsistent park state: {s}"),
                }
                driver.park(timeout);
                // Consumes a NOTIFIED that arrived while we waited (its eventfd write woke us).
                self.state.swap(EMPTY, Acquire);
                return;
            }
        }
        let mut guard = self.mutex.lock();
        match self.state.compare_exchange(EMPTY, PARKED, Acquire, Acquire) {
            Ok(_) => {}
            Err(NOTIFIED) => {
                // Woken between the fast path and the lock: consume and go.
                self.state.swap(EMPTY, Acquire);
                return;
            }
            Err(s) => panic!("inconsistent park state: {s}"),
        }
        loop {
            let timed_out = match timeout {
                None => {
                    self.condvar.wait(&mut guard);
                    false
                }
                Some(t) => self.condvar.wait_timeout(&mut guard, t),
            };
            if self
                .state
                .compare_exchange(NOTIFIED, EMPTY, Acquire, Acquire)
                .is_ok()
            {
                return;
            }
            if timed_out {
                // Leave PARKED for EMPTY unless a wake slipped in right now (then consume it).
                self.state.swap(EMPTY, Acquire);
                return;
            }
            // Spurious wake-up: sleep again.
        }
    }

    fn unpark(&self) {
        match self.state.swap(NOTIFIED, Release) {
            EMPTY | NOTIFIED => {}
            PARKED => {
                // Take the lock so the signal cannot fall between the sleeper's check and its wait.
                drop(self.mutex.lock());
                self.condvar.notify_one();
            }
            PARKED_DRIVER => {
                if let Some(shared) = &self.driver {
                    shared.handle.unpark();
                }
            }
            s => panic!("inconsistent park state: {s}"),
        }
    }
}

impl Unparker {
    pub(crate) fn unpark(&self) {
        self.inner.unpark();
    }

    /// A waker that unparks this parker.
    pub(crate) fn into_waker(self) -> Waker {
        Waker::from(std::sync::Arc::new(WakeUnpark(self)))
    }
}

struct WakeUnpark(Unparker);

impl Wake for WakeUnpark {
    fn wake(self: std::sync::Arc<Self>) {
        self.0.unpark();
    }

    fn wake_by_ref(self: &std::sync::Arc<Self>) {
        self.0.unpark();
    }
}

thread_local! {
    static CURRENT_PARKER: Parker = Parker::new();
    static CURRENT_WAKER: Waker = CURRENT_PARKER.with(|p| p.unparker().into_waker());
}

/// Runs `f` to completion on this thread, parking between polls. Each poll gets a task budget.
///
/// The caller is responsible for the runtime-context checks (no nested runtimes).
pub(crate) fn block_on<F: Future>(f: F) -> F::Output {
    // A plain blocking loop: no scheduler runs here, even if this thread is a worker inside
    // `block_in_place` (so `yield_now` must wake at once instead of waiting for that scheduler).
    crate::runtime::context::without_scheduler(|| block_on_inner(f))
}

fn block_on_inner<F: Future>(f: F) -> F::Output {
    let waker = CURRENT_WAKER.with(Waker::clone);
    let mut cx = Context::from_waker(&waker);
    let mut f = pin!(f);
    loop {
        if let Poll::Ready(v) = coop::budget(|| f.as_mut().poll(&mut cx)) {
            return v;
        }
        CURRENT_PARKER.with(Parker::park);
    }
}

/// This thread's parker, for code that parks it by other means (see `block_on`).
pub(crate) fn current_unparker() -> Unparker {
    CURRENT_PARKER.with(Parker::unparker)
}

/// Parks this thread on its own parker.
pub(crate) fn park_current() {
    CURRENT_PARKER.with(Parker::park);
}

impl Unparker {
    /// True if both unpark the same parker.
    pub(crate) fn same_as(&self, other: &Unparker) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

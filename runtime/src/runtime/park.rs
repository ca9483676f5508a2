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
//! A multi-thread worker's parker, and the per-thread parker under `block_on`, first yield the CPU a
//! few times ([`YIELDS_BEFORE_SLEEP`]), checking for a token after each, before they sleep for real.
//! When the other side of a hand-off answers within a few microseconds (a request and its reply over
//! channels, a waiter that re-registers at once), the wake-up is seen while still awake: no futex wait
//! and wake pair, and no wait for an idle CPU to come out of its halt, which on a quiet virtual machine
//! costs tens of microseconds per wake-up. With other threads runnable, `sched_yield` lets them run
//! first, so the spin takes nothing from them; with none, the yields take about a microsecond each,
//! once per park. Tokio's workers do the same; Tokio's `block_on` does not, which is why eddy's
//! request/reply between `block_on` and a worker is faster on an idle machine. Parkers that wait in a
//! current-thread runtime's driver do not spin: everything they wait for comes through the driver.
//!
//! Each thread has one lazily made parker ([`current_unparker`]); `block_on` builds its waker from it, so
//! waking a `block_on` future costs an atomic swap when the thread is running and a condvar signal only
//! when it sleeps.

use crate::coop;
use crate::driver;
use crate::loom::sync::atomic::{AtomicUsize, Ordering::*};
use crate::loom::sync::{Arc, Condvar, Mutex};
use crate::loom::thread;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

const EMPTY: usize = 0;
const PARKED: usize = 1;
const NOTIFIED: usize = 2;
/// Asleep inside the driver (`epoll_wait`): woken through the driver's eventfd.
const PARKED_DRIVER: usize = 3;

/// How many times a spinning parker yields its CPU, looking for a wake-up, before it sleeps.
pub(crate) const YIELDS_BEFORE_SLEEP: u32 = 3;

struct Inner {
    state: AtomicUsize,
    mutex: Mutex<()>,
    condvar: Condvar,
    /// The runtime's driver, which this parker may wait in if no other thread does.
    driver: Option<std::sync::Arc<driver::Shared>>,
    /// Yields before sleeping (0 except for multi-thread workers).
    yields_before_sleep: u32,
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
    /// A parker that waits in `driver` when it is free (a worker's or a current-thread core's).
    pub(crate) fn with_driver(driver: Option<std::sync::Arc<driver::Shared>>) -> Parker {
        Parker::build(driver, 0)
    }

    /// A multi-thread worker's parker: like [`Parker::with_driver`], and it yields the CPU
    /// [`YIELDS_BEFORE_SLEEP`] times looking for a wake-up before it sleeps.
    pub(crate) fn for_worker(driver: Option<std::sync::Arc<driver::Shared>>) -> Parker {
        Parker::build(driver, YIELDS_BEFORE_SLEEP)
    }

    /// A thread's own parker (under `block_on` and the `blocking_*` calls): no driver, and it yields
    /// the CPU [`YIELDS_BEFORE_SLEEP`] times looking for a wake-up before it sleeps.
    fn for_thread() -> Parker {
        Parker::build(None, YIELDS_BEFORE_SLEEP)
    }

    fn build(driver: Option<std::sync::Arc<driver::Shared>>, yields_before_sleep: u32) -> Parker {
        Parker {
            inner: Arc::new(Inner {
                state: AtomicUsize::new(EMPTY),
                mutex: Mutex::new(()),
                condvar: Condvar::new(),
                driver,
                yields_before_sleep,
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
        // Fast path: consume a waiting token; a worker yields a few times looking for one.
        for i in 0..=self.yields_before_sleep {
            if self
                .state
                .compare_exchange(NOTIFIED, EMPTY, Acquire, Acquire)
                .is_ok()
            {
                return;
            }
            if i < self.yields_before_sleep {
                thread::yield_now();
            }
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
    static CURRENT_PARKER: Parker = Parker::for_thread();
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

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
//! Before sleeping on its condvar, a parker may first busy-wait up to [`SPIN_BEFORE_SLEEP`] (10 µs)
//! for a token. The per-thread parker under `block_on` always does; a multi-thread worker does only
//! when it is the last worker to go idle (see `scheduler/multi_thread/worker.rs`); nobody does before
//! sleeping in the driver, where I/O events are the usual wake-up and a busy-wait in every idle gap
//! would cost a server CPU. When the other side of a hand-off answers within microseconds (a request
//! and its reply over channels between `block_on` and a task), the wake-up is caught awake: no futex
//! wait and wake pair, and no wait for an idle CPU to come out of its halt, which on a quiet virtual
//! machine costs tens of microseconds per wake-up (`mpsc_oneshot_request_reply_multi_threaded`: 1,000
//! round trips in about 1.8 ms instead of 30–60 ms, Tokio 58 ms; BENCHMARKS.md). The spin does not
//! `sched_yield`: a yielding thread that another process overtakes waits out that process's whole
//! time slice and loses the wake-up preemption a sleeping thread gets (measured: with three yields
//! before each worker park, eddy's run of Tokio's `notify_one_50` workload beside two busy processes
//! took 16–36 ms per iteration instead of 4.5–11.5 ms).
//! Only the last idle worker spins, so with more workers than cores the spinning never crowds out
//! the workers that have tasks. And the spin is adaptive: when the thread that would answer shares
//! this thread's CPU (more runnable threads than cores), a spin can only delay it, so every spin
//! that misses doubles the number of parks that then sleep at once (up to 64), and a spin that
//! catches its token resets that. Measured beside other busy processes: without the backoff, 1,000
//! request/reply round trips took 24 ms instead of 4 ms, each side spinning out its 10 µs while the
//! other waited for the CPU. Tokio does not spin.
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

/// How long a spinning parker busy-waits for a wake-up before it sleeps.
pub(crate) const SPIN_BEFORE_SLEEP: Duration = Duration::from_micros(10);

/// The most parks in a row that sleep without spinning after spins kept missing (a power of two).
const MAX_SPIN_SKIP: u32 = 64;

struct Inner {
    state: AtomicUsize,
    mutex: Mutex<()>,
    condvar: Condvar,
    /// The runtime's driver, which this parker may wait in if no other thread does.
    driver: Option<std::sync::Arc<driver::Shared>>,
    /// Spin before sleeping in [`Parker::park`] (the per-thread parker's; not the others).
    spin_before_sleep: bool,
    /// Adaptive spinning (see the module docs): parks left that sleep without spinning, and how many
    /// spins in a row found no token. Only the owning thread touches these; they steer a heuristic
    /// and order nothing, so they are plain `std` atomics with relaxed access, outside loom's model.
    spin_skip: std::sync::atomic::AtomicU32,
    spin_misses: std::sync::atomic::AtomicU32,
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
        Parker::build(driver, false)
    }

    /// A thread's own parker (under `block_on` and the `blocking_*` calls): no driver, and it spins
    /// up to [`SPIN_BEFORE_SLEEP`] for a wake-up before it sleeps.
    fn for_thread() -> Parker {
        Parker::build(None, true)
    }

    fn build(driver: Option<std::sync::Arc<driver::Shared>>, spin_before_sleep: bool) -> Parker {
        Parker {
            inner: Arc::new(Inner {
                state: AtomicUsize::new(EMPTY),
                mutex: Mutex::new(()),
                condvar: Condvar::new(),
                driver,
                spin_before_sleep,
                spin_skip: std::sync::atomic::AtomicU32::new(0),
                spin_misses: std::sync::atomic::AtomicU32::new(0),
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
        self.inner.park(None, self.inner.spin_before_sleep);
    }

    /// Like [`Parker::park`], but first spins up to [`SPIN_BEFORE_SLEEP`] looking for a token.
    pub(crate) fn park_after_spin(&self) {
        self.inner.park(None, true);
    }

    /// Blocks until unparked or `timeout` passed.
    pub(crate) fn park_timeout(&self, timeout: Duration) {
        self.inner.park(Some(timeout), false);
    }
}

impl Inner {
    fn park(&self, timeout: Option<Duration>, spin: bool) {
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
        if self.try_consume_token() {
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
        // About to sleep on the condvar (never in the driver: there, I/O events are what mostly
        // wakes the thread, and a busy-wait before every `epoll_wait` would cost a server CPU in
        // each idle gap): a spinning parker first busy-waits briefly for a token.
        if spin && self.adaptive_spin() {
            return;
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

    fn try_consume_token(&self) -> bool {
        self.state
            .compare_exchange(NOTIFIED, EMPTY, Acquire, Acquire)
            .is_ok()
    }

    /// Spins for a token unless recent spins kept missing: after `n` misses in a row the next `2^n`
    /// parks (at most [`MAX_SPIN_SKIP`]) sleep at once. True if a token was consumed.
    fn adaptive_spin(&self) -> bool {
        use std::sync::atomic::Ordering::Relaxed as R;
        let skip = self.spin_skip.load(R);
        if skip > 0 {
            self.spin_skip.store(skip - 1, R);
            return false;
        }
        if self.spin_for_token() {
            self.spin_misses.store(0, R);
            return true;
        }
        let misses = (self.spin_misses.load(R) + 1).min(MAX_SPIN_SKIP.trailing_zeros());
        self.spin_misses.store(misses, R);
        self.spin_skip.store(1 << misses, R);
        false
    }

    /// Busy-waits up to [`SPIN_BEFORE_SLEEP`] for a token, keeping the CPU (no `sched_yield`: a
    /// yielding thread that another process's task overtakes waits out that task's whole time
    /// slice, and loses the wake-up preemption a sleeping thread gets). True if one was consumed.
    #[cfg(not(loom))]
    fn spin_for_token(&self) -> bool {
        let start = std::time::Instant::now();
        loop {
            // A relaxed load per pause; the CAS only when a token is there to take.
            for _ in 0..16 {
                if self.state.load(Relaxed) == NOTIFIED && self.try_consume_token() {
                    return true;
                }
                std::hint::spin_loop();
            }
            if start.elapsed() >= SPIN_BEFORE_SLEEP {
                return false;
            }
        }
    }

    /// Under loom, one more look stands for the spin: time means nothing to the model.
    #[cfg(loom)]
    fn spin_for_token(&self) -> bool {
        self.try_consume_token()
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
